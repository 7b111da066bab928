"""AE+KMeans and AE+GMM: a pretrained autoencoder, then a classic clusterer on its code."""

from numbers import Integral

import torch
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from .._docs import fill_doc
from ..functional import squared_euclidean, student_t_assignment
from ._ae_base import AutoencoderClusterer
from ._mixture import INIT_PARAMS, CodeMixtureMixin, _sub_seed, code_kmeans


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
    pretrain_epochs : int or "auto", default="auto"
        Epochs of end-to-end autoencoder training (200 epochs of Adam at batch 256 is the
        pretraining recipe of the DEC/IDEC reference code).
        {auto_epochs}
    {training}
    {ae_options}
    {images}
    {kmeans_n_init}

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
        self, n_clusters=8, *, hidden_dims=None, latent_dim=10, pretrain_epochs="auto",
        batch_size=256, lr=1e-3, device="auto", random_state=None, verbose=0, callbacks=None,
        activation="relu", reconstruction="mse", layerwise_epochs=0, dropout=0.0, n_init=100,
        input_shape=None, augment="auto", pretrain_optimizer="auto", pretrain_lr=None,
        encoder="auto", channels=None,
    ):
        super().__init__(
            n_clusters, hidden_dims=hidden_dims, latent_dim=latent_dim,
            pretrain_epochs=pretrain_epochs, batch_size=batch_size, lr=lr, device=device,
            random_state=random_state, verbose=verbose, callbacks=callbacks,
            activation=activation, reconstruction=reconstruction,
            layerwise_epochs=layerwise_epochs, dropout=dropout,
            input_shape=input_shape, augment=augment, pretrain_optimizer=pretrain_optimizer,
            pretrain_lr=pretrain_lr, encoder=encoder, channels=channels,
        )
        self.n_init = n_init

    def _initialize_clusters(self, X, rng):
        # copy=False: the code is this call's own array (one float64 copy of it less)
        kmeans = code_kmeans(self._code64(X), self.n_clusters, self.n_init, _sub_seed(rng),
                             copy=False)
        self.cluster_centers_ = kmeans.cluster_centers_
        self.inertia_ = float(kmeans.inertia_)

    #: Degrees of freedom of the Student's t soft assignment.
    _dof = 1.0

    def _centers(self):
        return torch.as_tensor(self.cluster_centers_, dtype=torch.float32, device=self.device_)

    def _proba_function(self):
        centers = self._centers()
        return lambda x: student_t_assignment(self._encode(x), centers, self._dof)

    def _score_samples(self, X):
        centers = self._centers()
        return self._apply(
            lambda x: -squared_euclidean(self._encode(x), centers).min(dim=1).values, X
        )


@fill_doc
class AEGMM(CodeMixtureMixin, AutoencoderClusterer):
    """Autoencoder + Gaussian mixture: a ``GaussianMixture`` fitted by EM on the code.

    The baseline called "AE+GMM" or "GMM-DM" in the deep clustering literature. The
    autoencoder is trained to reconstruct ``X``; a Gaussian mixture is then fitted to its
    code by EM (:class:`~skdeepcluster.TorchGaussianMixture`, on the training device),
    whose surface this estimator repeats: ``weights_``, ``means_``, ``covariances_``,
    :meth:`bic`, :meth:`aic`, :meth:`sample`. By default EM starts from the clusters
    :class:`AEKMeans` finds on the same code (``init_params="best-kmeans"``).

    Parameters
    ----------
    {n_clusters}
    {autoencoder}
    pretrain_epochs : int or "auto", default="auto"
        Epochs of end-to-end autoencoder training (200 epochs of Adam at batch 256 is the
        pretraining recipe of the DEC/IDEC reference code).
        {auto_epochs}
    {training}
    {ae_options}
    {images}
    {aegmm_mixture}

    Attributes
    ----------
    {code_mixture_attributes}
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
        **CodeMixtureMixin._mixture_parameter_constraints,
        "n_init": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "init_params": [StrOptions({"best-kmeans", *INIT_PARAMS})],
    }

    def __init__(
        self, n_clusters=8, *, hidden_dims=None, latent_dim=10, pretrain_epochs="auto",
        batch_size=256, lr=1e-3, device="auto", random_state=None, verbose=0, callbacks=None,
        activation="relu", reconstruction="mse", layerwise_epochs=0, dropout=0.0,
        covariance_type="full", n_init="auto", reg_covar=1e-6, tol=1e-3, max_iter=100,
        input_shape=None, augment="auto", pretrain_optimizer="auto", pretrain_lr=None,
        encoder="auto", channels=None, init_params="best-kmeans",
    ):
        super().__init__(
            n_clusters, hidden_dims=hidden_dims, latent_dim=latent_dim,
            pretrain_epochs=pretrain_epochs, batch_size=batch_size, lr=lr, device=device,
            random_state=random_state, verbose=verbose, callbacks=callbacks,
            activation=activation, reconstruction=reconstruction,
            layerwise_epochs=layerwise_epochs, dropout=dropout,
            input_shape=input_shape, augment=augment, pretrain_optimizer=pretrain_optimizer,
            pretrain_lr=pretrain_lr, encoder=encoder, channels=channels,
        )
        self.covariance_type = covariance_type
        self.n_init = n_init
        self.reg_covar = reg_covar
        self.tol = tol
        self.max_iter = max_iter
        self.init_params = init_params

    def __setstate__(self, state):
        # a model pickled before init_params existed: the start it was fitted with
        super().__setstate__({"init_params": "kmeans", **state})

    def _mixture_init(self):
        n_init = self.n_init
        if n_init == "auto":
            n_init = 100 if self.init_params == "best-kmeans" else 10
        return self.init_params, n_init

    def _initialize_clusters(self, X, rng):
        self._fit_code_mixture(self._code64(X), rng)

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
        return self._decode_codes(codes), y
