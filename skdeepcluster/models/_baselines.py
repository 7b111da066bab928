"""AE+KMeans and AE+GMM: a pretrained autoencoder, then a classic clusterer on its code."""

from numbers import Integral, Real

import numpy as np
import torch
from sklearn.cluster import KMeans
from sklearn.mixture import GaussianMixture
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from .._docs import fill_doc
from ..functional import squared_euclidean, student_t_assignment
from ._ae_base import AutoencoderClusterer


def _sub_seed(rng):
    return int(rng.randint(np.iinfo(np.int32).max))


@fill_doc
class AEKMeans(AutoencoderClusterer):
    """Autoencoder + k-means: k-means on the code of a pretrained autoencoder.

    The baseline called "AE+KMeans" or "K-means-DM" in the deep clustering literature, and
    the initialisation of DEC/IDEC. The autoencoder is trained to reconstruct ``X``; k-means
    then clusters its code. :meth:`predict` assigns the nearest centre in code space.

    Parameters
    ----------
    {n_clusters}
    {autoencoder}
    pretrain_epochs : int, default=200
        Epochs of end-to-end autoencoder training (200 epochs of Adam at batch 256 is the
        pretraining recipe of the DEC/IDEC reference code).
    {training}
    {ae_options}
    n_init : int, default=10
        k-means initialisations; the one of lowest inertia (in code space) is kept.

    Attributes
    ----------
    cluster_centers_ : ndarray of shape (n_clusters, latent_dim)
        Centres in code space.
    inertia_ : float
        Sum of squared distances of the training codes to their nearest centre.
    {common_attributes}

    See Also
    --------
    AEGMM : a Gaussian mixture on the code instead of k-means.
    sklearn.cluster.KMeans : k-means on the raw features.

    Notes
    -----
    :meth:`predict_proba` is the Student's t soft assignment of DEC (one degree of freedom)
    of the code to the centres: its arg-max is the nearest centre, so it agrees with
    :meth:`predict`. :meth:`score_samples` is minus the squared distance of the code to its
    nearest centre, and :meth:`score` its mean: the negative inertia per sample (where
    ``KMeans.score`` returns the sum), comparable across data sets of different size.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeepcluster import AEKMeans
    >>> X = np.array([[0.0, 0.1], [0.1, 0.0], [0.0, 0.0], [5.0, 5.1], [5.1, 5.0], [5.0, 5.0]])
    >>> model = AEKMeans(n_clusters=2, hidden_dims=(8,), latent_dim=2, pretrain_epochs=5,
    ...                  random_state=0).fit(X)
    >>> bool(model.labels_[0] == model.labels_[2] != model.labels_[3])
    True
    >>> model.transform(X).shape
    (6, 2)
    """

    _parameter_constraints: dict = {
        **AutoencoderClusterer._parameter_constraints,
        "n_init": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(
        self, n_clusters=8, *, hidden_dims=None, latent_dim=10, pretrain_epochs=200,
        batch_size=256, lr=1e-3, device="auto", random_state=None, verbose=0, callbacks=None,
        activation="relu", reconstruction="mse", layerwise_epochs=0, dropout=0.0, n_init=10,
    ):
        super().__init__(
            n_clusters, hidden_dims=hidden_dims, latent_dim=latent_dim,
            pretrain_epochs=pretrain_epochs, batch_size=batch_size, lr=lr, device=device,
            random_state=random_state, verbose=verbose, callbacks=callbacks,
            activation=activation, reconstruction=reconstruction,
            layerwise_epochs=layerwise_epochs, dropout=dropout,
        )
        self.n_init = n_init

    def _initialize_clusters(self, X, rng):
        kmeans = KMeans(self.n_clusters, n_init=self.n_init, random_state=_sub_seed(rng))
        kmeans.fit(self._code64(X))
        self.cluster_centers_ = kmeans.cluster_centers_
        self.inertia_ = float(kmeans.inertia_)

    #: Degrees of freedom of the Student's t soft assignment.
    _dof = 1.0

    def _centers(self):
        return torch.as_tensor(self.cluster_centers_, dtype=torch.float32, device=self.device_)

    def _predict_proba(self, X):
        centers = self._centers()
        return self._apply(lambda x: student_t_assignment(self._encode(x), centers, self._dof), X)

    def _score_samples(self, X):
        centers = self._centers()
        return self._apply(
            lambda x: -squared_euclidean(self._encode(x), centers).min(dim=1).values, X
        )


@fill_doc
class AEGMM(AutoencoderClusterer):
    """Autoencoder + Gaussian mixture: a ``GaussianMixture`` fitted by EM on the code.

    The baseline called "AE+GMM" or "GMM-DM" in the deep clustering literature. The
    autoencoder is trained to reconstruct ``X``; a Gaussian mixture is then fitted to its
    code with scikit-learn's ``GaussianMixture``, whose surface this estimator repeats:
    ``weights_``, ``means_``, ``covariances_``, :meth:`bic`, :meth:`aic`, :meth:`sample`.

    Parameters
    ----------
    {n_clusters}
    {autoencoder}
    pretrain_epochs : int, default=200
        Epochs of end-to-end autoencoder training (200 epochs of Adam at batch 256 is the
        pretraining recipe of the DEC/IDEC reference code).
    {training}
    {ae_options}
    covariance_type : {{"full", "tied", "diag", "spherical"}}, default="full"
        As in ``GaussianMixture``.
    n_init : int, default=1
        EM initialisations; the one of highest likelihood lower bound is kept (never
        chosen with labels).
    reg_covar : float, default=1e-6
        Added to the diagonal of the covariances.
    tol : float, default=1e-3
        EM convergence threshold on the lower bound.
    max_iter : int, default=100
        EM iterations per initialisation.

    Attributes
    ----------
    mixture_ : sklearn.mixture.GaussianMixture
        The mixture fitted on the training code.
    weights_ : ndarray of shape (n_clusters,)
    means_ : ndarray of shape (n_clusters, latent_dim)
    covariances_ : ndarray
        Shape as in ``GaussianMixture`` for the ``covariance_type``.
    precisions_cholesky_ : ndarray
    converged_ : bool
    lower_bound_ : float
    {common_attributes}

    See Also
    --------
    AEKMeans : k-means on the code instead of a mixture.
    sklearn.mixture.GaussianMixture : the mixture on the raw features.

    Notes
    -----
    The mixture is a density of the *code*: :meth:`score_samples` is the log-density of
    ``transform(X)``, :meth:`bic` and :meth:`aic` count the mixture's parameters only. They
    compare ``n_clusters`` or ``covariance_type`` for one trained encoder (with a fixed
    ``random_state`` the encoder does not depend on either), not encoders with each other.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeepcluster import AEGMM
    >>> X = np.array([[0.0, 0.1], [0.1, 0.0], [0.0, 0.0], [5.0, 5.1], [5.1, 5.0], [5.0, 5.0]])
    >>> model = AEGMM(n_clusters=2, hidden_dims=(8,), latent_dim=2, pretrain_epochs=5,
    ...               covariance_type="spherical", random_state=0).fit(X)
    >>> bool(model.labels_[0] == model.labels_[2] != model.labels_[3])
    True
    >>> model.predict_proba(X).shape
    (6, 2)
    """

    _parameter_constraints: dict = {
        **AutoencoderClusterer._parameter_constraints,
        "covariance_type": [StrOptions({"full", "tied", "diag", "spherical"})],
        "n_init": [Interval(Integral, 1, None, closed="left")],
        "reg_covar": [Interval(Real, 0.0, None, closed="left")],
        "tol": [Interval(Real, 0.0, None, closed="left")],
        "max_iter": [Interval(Integral, 0, None, closed="left")],
    }

    def __init__(
        self, n_clusters=8, *, hidden_dims=None, latent_dim=10, pretrain_epochs=200,
        batch_size=256, lr=1e-3, device="auto", random_state=None, verbose=0, callbacks=None,
        activation="relu", reconstruction="mse", layerwise_epochs=0, dropout=0.0,
        covariance_type="full", n_init=1, reg_covar=1e-6, tol=1e-3, max_iter=100,
    ):
        super().__init__(
            n_clusters, hidden_dims=hidden_dims, latent_dim=latent_dim,
            pretrain_epochs=pretrain_epochs, batch_size=batch_size, lr=lr, device=device,
            random_state=random_state, verbose=verbose, callbacks=callbacks,
            activation=activation, reconstruction=reconstruction,
            layerwise_epochs=layerwise_epochs, dropout=dropout,
        )
        self.covariance_type = covariance_type
        self.n_init = n_init
        self.reg_covar = reg_covar
        self.tol = tol
        self.max_iter = max_iter

    def _initialize_clusters(self, X, rng):
        mixture = GaussianMixture(
            self.n_clusters, covariance_type=self.covariance_type, tol=self.tol,
            reg_covar=self.reg_covar, max_iter=self.max_iter, n_init=self.n_init,
            random_state=_sub_seed(rng),
        )
        mixture.fit(self._code64(X))
        self.mixture_ = mixture
        for name in ("weights_", "means_", "covariances_", "precisions_cholesky_",
                     "converged_", "lower_bound_"):
            setattr(self, name, getattr(mixture, name))

    def _predict_proba(self, X):
        return self.mixture_.predict_proba(self._code64(X))

    def _score_samples(self, X):
        return self.mixture_.score_samples(self._code64(X))

    def bic(self, X):
        """Bayesian information criterion of the mixture on the code of ``X`` (lower is better).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        float
        """
        return self.mixture_.bic(self._code64(self._validate(X)))

    def aic(self, X):
        """Akaike information criterion of the mixture on the code of ``X`` (lower is better).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        float
        """
        return self.mixture_.aic(self._code64(self._validate(X)))

    def sample(self, n_samples=1):
        """Generate samples: codes drawn from the mixture, passed through the decoder.

        Parameters
        ----------
        n_samples : int, default=1

        Returns
        -------
        X : ndarray of shape (n_samples, n_features)
            Decoded samples (through a sigmoid when ``reconstruction="bce"``).
        y : ndarray of shape (n_samples,)
            Component of each sample.
        """
        check_is_fitted(self)
        codes, y = self.mixture_.sample(n_samples)
        decode = self._autoencoder.decode
        if self.reconstruction == "bce":
            X = self._apply(lambda z: torch.sigmoid(decode(z)), codes)
        else:
            X = self._apply(decode, codes)
        return X.astype(np.float64), y
