"""DMM and DMAE: mixtures of any convex dissimilarity, on the data or on a learned code."""

import dataclasses
from numbers import Integral, Real

import numpy as np
import torch
from torch import nn
from sklearn.kernel_approximation import RBFSampler
from sklearn.utils._param_validation import Interval, StrOptions

from .._docs import fill_doc
from ..base import BaseDeepClusterer
from ..functional import (
    DISSIMILARITIES,
    pairwise_dissimilarity,
)
from ..nn import DissimilarityMixture, DMAELoss, DMAEModule, MixtureLoss, TargetLoss
from ..training import train_module
from ._ae_base import AutoencoderClusterer
from ._mixture import _sub_seed, code_kmeans

#: Dissimilarities whose clusters k-means initialises (centres, and covariances for
#: mahalanobis); the others are seeded k-means++-style under the dissimilarity itself.
_KMEANS_INIT = {"euclidean", "sqeuclidean", "mahalanobis"}
#: The smallest mean variance of the features that scales the shrinkage of the mahalanobis
#: start; below it (a single row, identical rows) the shrinkage is the identity's 1e-3.
_MIN_SPREAD = 1e-12

#: ``alpha="auto"`` is this many times the inverse of the mean dissimilarity of the samples
#: to their nearest initial centre (the reference code's alpha=1000 for codes of unit scale).
AUTO_ALPHA = 1000.0


# ---------------------------------------------------------------- initialisation
def _to_centers(H, centers, dissimilarity, params, chunk=4096):
    """Dissimilarity of every row of ``H`` to ``centers``, in row chunks (bounded memory)."""
    H_t, C_t = torch.as_tensor(H, dtype=torch.float64), torch.as_tensor(centers)
    return torch.cat([
        pairwise_dissimilarity(dissimilarity, part, C_t, **params) for part in H_t.split(chunk)
    ])


def _seed_plus_plus(H, n_clusters, dissimilarity, params, rng):
    """k-means++ seeding under ``dissimilarity``: centres drawn from the rows of ``H``.

    The first centre is a uniformly drawn row; each next one is drawn with probability
    proportional to the squared dissimilarity (shifted to be non-negative) of a row to its
    nearest centre so far. Returns the centres and the sum of nearest dissimilarities.
    """
    index = [rng.randint(len(H))]
    nearest = _to_centers(H, H[index], dissimilarity, params)[:, 0]
    for _ in range(1, n_clusters):
        weight = (nearest - nearest.min()).pow(2).numpy()
        total = weight.sum()
        p = weight / total if total > 0 and np.isfinite(total) else None
        index.append(rng.choice(len(H), p=p))
        new = _to_centers(H, H[index[-1:]], dissimilarity, params)[:, 0]
        nearest = torch.minimum(nearest, new)
    return H[index], float(nearest.sum())


def _initial_parameters(H, n_clusters, dissimilarity, params, n_init, rng,
                        precision_init="kmeans"):
    """Centres (and mahalanobis factors) of a mixture on ``H``, shape (n_samples, n_features)."""
    if dissimilarity in _KMEANS_INIT:
        kmeans = code_kmeans(H, n_clusters, n_init, _sub_seed(rng))
        centers, labels = kmeans.cluster_centers_, kmeans.labels_
    else:
        best = None
        for _ in range(n_init):
            centers, cost = _seed_plus_plus(H, n_clusters, dissimilarity, params, rng)
            if best is None or cost < best[1]:
                best = centers, cost
        centers = best[0]
        labels = None
    if dissimilarity != "mahalanobis":
        return centers, None
    n_features = H.shape[1]
    if precision_init == "identity":
        return centers, np.repeat(np.eye(n_features)[None], n_clusters, axis=0)
    # A_k = inverse covariance of the k-means cluster, shrunk towards a multiple of the
    # identity so that small or flat clusters still give a finite, positive-definite matrix.
    scale = float(np.var(H, axis=0).mean())
    if not (np.isfinite(scale) and scale > _MIN_SPREAD):
        # one row, or rows that (nearly) coincide: no spread to scale the shrinkage by, and
        # the inverse of a vanishing covariance would overflow
        scale = 1.0
    factors = np.empty((n_clusters, n_features, n_features))
    for k in range(n_clusters):
        members = H[labels == k]
        cov = np.cov(members, rowvar=False).reshape(n_features, n_features) if (
            len(members) > 1) else np.zeros((n_features, n_features))
        cov = cov + 1e-3 * scale * np.eye(n_features)
        factors[k] = np.linalg.cholesky(np.linalg.inv(cov))
    return centers, factors


def _resolve_alpha(alpha, H, centers, factors, dissimilarity, params):
    """``alpha``, or for ``"auto"`` ``AUTO_ALPHA`` over the mean dissimilarity of a sample to
    its nearest centre.

    ``alpha * d`` is then about a thousand for a typical sample and its own cluster,
    whatever the units of the data and the dissimilarity: the assignments are nearly hard
    except close to a boundary, so that the bound ``d(h, theta~)`` that the loss minimises
    stays close to the expected dissimilarity it bounds. With soft assignments a deep
    encoder drives the bound to zero by moving the codes to where ``theta~`` is, between
    the centres, and the clusters merge (measured: ``BENCHMARKS.md``, section 7.2).
    """
    if alpha != "auto":
        return float(alpha)
    if factors is not None:
        params = {**params, "factors": torch.as_tensor(factors)}
    nearest = _to_centers(H, centers, dissimilarity, params).min(dim=1).values
    # dissimilarities that go negative (dot) are measured from their minimum
    scale = float((nearest - min(float(nearest.min()), 0.0)).mean())
    return AUTO_ALPHA / scale if np.isfinite(scale) and scale > 0 else AUTO_ALPHA


def _check_dissimilarity(estimator, n_features):
    """Validate ``dissimilarity`` with ``dissimilarity_params`` on a dummy evaluation."""
    params = estimator.dissimilarity_params or {}
    if estimator.dissimilarity == "mahalanobis" and params:
        raise ValueError(
            f"dissimilarity='mahalanobis' learns its matrices and takes no "
            f"dissimilarity_params, got {params!r}"
        )
    p = params.get("p", 2.0)
    if estimator.dissimilarity == "minkowski" and not (isinstance(p, Real) and p >= 1):
        raise ValueError(
            f"dissimilarity_params={params!r}: minkowski needs a number p >= 1 to be convex"
        )
    period = params.get("period")
    if estimator.dissimilarity == "toroidal" and period is not None:
        period = np.asarray(period, dtype=float)
        if period.ndim > 1 or (period.ndim == 1 and len(period) != n_features) or (
                np.any(period <= 0)):
            raise ValueError(
                f"dissimilarity_params={params!r}: the toroidal period must be a positive "
                f"float or one per feature ({n_features})"
            )
    mixture = DissimilarityMixture(n_features, 1, estimator.dissimilarity, params=params)
    try:
        d = mixture.distances(torch.ones(2, n_features))
    except (TypeError, ValueError, RuntimeError, IndexError) as exc:
        raise ValueError(
            f"dissimilarity={estimator.dissimilarity!r} cannot be evaluated with "
            f"dissimilarity_params={params!r}: {exc}"
        ) from None
    if not (isinstance(d, torch.Tensor) and tuple(d.shape) == (2, 1)):
        raise ValueError(
            f"dissimilarity={estimator.dissimilarity!r} must return a tensor of shape "
            "(n_samples, n_clusters)"
        )


_MIXTURE_CONSTRAINTS = {
    "dissimilarity": [StrOptions(set(DISSIMILARITIES)), callable],
    "dissimilarity_params": [dict, None],
    "alpha": [Interval(Real, 0, None, closed="neither"), StrOptions({"auto"})],
    "max_epochs": [Interval(Integral, 0, None, closed="left")],
    "n_init": [Interval(Integral, 1, None, closed="left")],
    "precision_init": [StrOptions({"kmeans", "identity"})],
}


class _MixtureClusterer:
    """What DMM and DMAE share: the mixture's initialisation, attributes and outputs."""

    def _new_mixture(self, n_features):
        return DissimilarityMixture(
            n_features, self.n_clusters, self.dissimilarity, params=self.dissimilarity_params,
        )

    def _init_mixture(self, H, rng):
        """Initialise ``self._mixture`` from the samples ``H`` it will cluster."""
        centers, factors = _initial_parameters(
            H, self.n_clusters, self.dissimilarity, self.dissimilarity_params or {},
            self.n_init, rng, self.precision_init,
        )
        mixture = self._mixture
        self.alpha_ = _resolve_alpha(
            self.alpha, H, centers, factors, self.dissimilarity, self.dissimilarity_params or {}
        )
        mixture.alpha = self.alpha_
        with torch.no_grad():
            mixture.centers.copy_(torch.as_tensor(centers))
            mixture.mixing_logits.zero_()
            if factors is not None:
                mixture.factors.copy_(torch.as_tensor(factors))
        self._set_mixture_attributes()

    def _set_mixture_attributes(self):
        mixture = self._mixture
        self.cluster_centers_ = mixture.centers.detach().cpu().double().numpy()
        self.weights_ = mixture.log_mixing().detach().cpu().double().exp().numpy()
        if self.dissimilarity == "mahalanobis":
            factors = mixture.factors.detach().cpu().double().numpy()
            self.precisions_ = factors @ np.swapaxes(factors, 1, 2)
            self.covariances_ = np.linalg.pinv(self.precisions_, hermitian=True)

    def _proba_function(self):
        mixture = self._mixture
        with torch.no_grad():  # a constant of the fitted mixture
            phi = mixture.phi()
        return lambda x: mixture(self._encode_for_mixture(x), phi)

    def _score_samples(self, X):
        def negative_loss(x):
            h = self._encode_for_mixture(x)
            return -self._mixture.clustering_loss(h, self._mixture(h))

        return self._apply(negative_loss, X)


@fill_doc
class DMM(_MixtureClusterer, BaseDeepClusterer):
    """Dissimilarity mixture model: a mixture of any convex dissimilarity on the raw features.

    The shallow model of Lara and Gonzalez (the "DMM" of their ablation). Cluster ``k``
    has parameters ``theta_k`` (a centre, plus a learned inverse covariance for
    mahalanobis) and a mixing weight ``pi_k``; a sample's soft assignment is
    ``s = softmax(-alpha * d(x, theta) + log(pi))``. The parameters are trained by
    mini-batch gradient descent on ``d(x, theta~) - log(pi)~ / alpha``, where ``~`` marks the
    average of the clusters' parameters weighted by ``s``: an upper bound on the negative
    expected complete log-likelihood that plays the part of EM's M-step for dissimilarities
    without a closed-form update. With ``dissimilarity="sqeuclidean"`` and a large ``alpha``
    it is k-means; with ``"mahalanobis"`` it resembles a Gaussian mixture; with
    ``"toroidal"`` it clusters periodic data (angles, time of day) that wrap around.

    Parameters
    ----------
    {n_clusters}
    {mixture}
    {alpha}
    max_epochs : int, default=100
        Training epochs.
    {training}
    {mixture_init}

    Attributes
    ----------
    {mixture_attributes}
    {common_attributes}

    See Also
    --------
    DMAE : the same mixture on the code of an autoencoder trained with it.
    sklearn.cluster.KMeans, sklearn.mixture.GaussianMixture

    Notes
    -----
    :meth:`transform` returns the dissimilarity of each sample to each centre, like
    ``KMeans.transform``; :meth:`predict_proba` the soft assignments ``s``;
    :meth:`score_samples` minus the training loss of each sample. The lower bound on the
    log-likelihood of the paper needs a dissimilarity that is convex in the cluster
    parameters (Jensen's inequality); a callable that is not will train, without it.

    Examples
    --------
    >>> from skdeepcluster import DMM
    >>> from skdeepcluster.datasets import make_toroidal_blobs
    >>> X, y = make_toroidal_blobs(200, n_clusters=3, random_state=0)
    >>> model = DMM(3, dissimilarity="toroidal", max_epochs=5, random_state=0).fit(X)
    >>> model.transform(X).shape
    (200, 3)
    """

    _parameter_constraints: dict = {
        **BaseDeepClusterer._parameter_constraints, **_MIXTURE_CONSTRAINTS,
    }

    def __init__(
        self, n_clusters=8, *, dissimilarity="euclidean", dissimilarity_params=None,
        alpha="auto", max_epochs=100, batch_size=256, lr=1e-3, device="auto", random_state=None,
        verbose=0, callbacks=None, n_init=10, precision_init="kmeans",
    ):
        self.n_clusters = n_clusters
        self.dissimilarity = dissimilarity
        self.dissimilarity_params = dissimilarity_params
        self.alpha = alpha
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.device = device
        self.random_state = random_state
        self.verbose = verbose
        self.callbacks = callbacks
        self.n_init = n_init
        self.precision_init = precision_init

    def _check_fit_data(self, X):
        super()._check_fit_data(X)
        _check_dissimilarity(self, X.shape[1])
        if self.dissimilarity == "itakura_saito" and X.min() <= 0:
            raise ValueError(
                "dissimilarity='itakura_saito' needs positive data, but X has a minimum of "
                f"{X.min():.4g}"
            )

    def _build_module(self, n_features):
        return self._new_mixture(n_features)

    @property
    def _mixture(self):
        return self.module_

    def _initialize_clusters(self, X, rng):
        self._init_mixture(X.astype(np.float64), rng)

    def _fine_tune(self, X, config, generator):
        history = train_module(
            self.module_, X, MixtureLoss(self.module_), phase="cluster",
            max_epochs=self.max_epochs, config=config, generator=generator,
        )
        self._set_mixture_attributes()
        return history

    def _encode_for_mixture(self, x):
        return x

    def _encode(self, x):
        return self._mixture.distances(x)

    def _n_components(self):
        return self.n_clusters


@fill_doc
class DMAE(_MixtureClusterer, AutoencoderClusterer):
    """Dissimilarity Mixture Autoencoder (Lara and Gonzalez, 2020).

    A dissimilarity mixture (see :class:`DMM`) on the code of a deep autoencoder, trained
    end to end. The network is deep encoder -> DM encoder (soft assignments ``s``) -> DM
    decoder (the soft-assigned centre ``theta~ = s @ centers``) -> deep decoder, which
    reconstructs the input *from* ``theta~``. Training has three steps:

    1. the autoencoder is pretrained to reconstruct ``X`` from its code (optionally on
       randomly rotated and shifted images, ``augment=True``), or, with ``kernel_gamma``,
       its encoder is regressed onto random features of an RBF kernel and its decoder then
       trained to reconstruct ``X`` from that code;
    2. the mixture is initialised on the code (k-means for euclidean and mahalanobis,
       whose matrices start as the inverse covariances of the k-means clusters, or as the
       identity with ``precision_init="identity"``; k-means++ seeding under the
       dissimilarity otherwise);
    3. encoder, mixture and decoder are trained together on
       ``lambda_r * reconstruction + lambda_c * (d(h, theta~) - log(pi)~ / alpha)``.

    With ``train_encoder=False`` step 3 trains the mixture alone on the fixed pretrained
    code: the paper's "AE+DMM" ablation.

    Parameters
    ----------
    {n_clusters}
    {autoencoder}
    pretrain_epochs : int or "auto", default="auto"
        Epochs of autoencoder pretraining (of each of the encoder and the decoder with
        ``kernel_gamma``, which ``"auto"`` does not lengthen).
        {auto_epochs}
    max_epochs : int, default=100
        Epochs of end-to-end training (of the mixture alone with ``train_encoder=False``).
    {training}
    {ae_options}
    {images}
    {code_dissimilarity}
    {alpha}
    lambda_r : float, default=1.0
        Weight of the reconstruction loss (mean over the elements of the batch).
    lambda_c : float, default=1.0
        Weight of the clustering loss (mean over the samples of the batch). Adam does
        not see the common scale of the two weights, only their ratio. The authors'
        reference code sums the clustering loss over the batch and averages the
        reconstruction loss per sample: its weights ``(lambda_r, lambda_c)`` are ours
        ``(lambda_r / batch_size, lambda_c)``.
    cluster_lr : float or None, default=1e-5
        Adam learning rate of the end-to-end phase (None: ``lr``): the reference code's,
        a hundred times below the pretraining rate. Faster, the end-to-end phase moves the
        codes away from the pretrained clusters: at 1e-4 the partitions of different seeds
        agree less on digits (the project's BENCHMARKS.md, section 22), and at ``lr`` the
        clusters merge.
    train_encoder : bool, default=True
        False keeps the pretrained autoencoder fixed and trains only the mixture on its
        code (AE+DMM).
    {code_mixture_init}
    kernel_gamma : float or None, default=None
        Pretrain on a kernel instead of by reconstruction (the reference code's recipe for
        the paper's moons and circles): the encoder is regressed for ``pretrain_epochs``
        onto ``latent_dim`` random Fourier features of the RBF kernel
        ``exp(-kernel_gamma * ||x - x'||^2)`` (Rahimi and Recht; scikit-learn's
        ``RBFSampler``, drawn from ``kernel_random_state``), then the decoder is trained for
        ``pretrain_epochs`` to reconstruct ``X`` from that fixed code. Meant for
        low-dimensional data whose clusters are not convex (rings, arcs), where a
        reconstruction-trained code is a smooth re-embedding of the input that a mixture
        still cuts with straight boundaries. None pretrains by reconstruction. Not combined
        with ``augment`` or ``layerwise_epochs``.
    kernel_random_state : int, RandomState instance or None, default=None
        Seed of the random features of ``kernel_gamma``'s map, as ``RBFSampler``'s
        ``random_state``. None draws them from ``random_state``, like the rest of the
        network. An int keeps one feature map while ``random_state`` varies the network,
        which is how the reference code runs the paper's moons and circles (its features
        are drawn with ``random_state=0``). The map matters: a hundred features
        approximate the kernel coarsely, and different draws favour different partitions.
        Ignored when ``kernel_gamma`` is None.

    Attributes
    ----------
    {mixture_attributes}
    {common_attributes}

    See Also
    --------
    DMM : the mixture on the raw features.
    AEKMeans, DEC : k-means on an autoencoder's code, without and with joint training.

    Notes
    -----
    :meth:`transform` returns the code; :meth:`predict_proba` the soft assignments ``s`` of
    the code; :meth:`score_samples` minus the clustering loss of each sample (the
    reconstruction term is left out: it would favour wider codes, see :meth:`score`).
    ``history_`` records the phases ``"pretrain"`` and ``"cluster"``.

    The defaults are meant for any data. The paper's image results take the authors' own
    recipe: the default mahalanobis dissimilarity with ``augment=True,
    pretrain_optimizer="sgd", lr=1.0, pretrain_epochs=500, alpha=1000.0, lambda_c=2.56,
    cluster_lr=1e-5, n_init=100`` and 128 end-to-end epochs (``max_epochs``) on MNIST, 124
    on USPS, with pixels in [0, 1]. Measured with it: 0.981 ACC on all of MNIST (paper
    0.984) and 0.952 on USPS (paper 0.965); see the project's BENCHMARKS.md, sections 7.3
    and 15.1. At the defaults with ``input_shape``, DMAE scores 0.920 on USPS (section 26).

    Examples
    --------
    >>> import numpy as np
    >>> from skdeepcluster import DMAE
    >>> X = np.array([[0.0, 0.1], [0.1, 0.0], [0.0, 0.0], [5.0, 5.1], [5.1, 5.0], [5.0, 5.0]])
    >>> model = DMAE(n_clusters=2, hidden_dims=(8,), latent_dim=2, pretrain_epochs=5,
    ...              max_epochs=3, random_state=0).fit(X)
    >>> bool(model.labels_[0] == model.labels_[2] != model.labels_[3])
    True
    >>> model.predict_proba(X).shape
    (6, 2)
    """

    _parameter_constraints: dict = {
        **AutoencoderClusterer._parameter_constraints,
        **_MIXTURE_CONSTRAINTS,
        "lambda_r": [Interval(Real, 0, None, closed="left")],
        "lambda_c": [Interval(Real, 0, None, closed="left")],
        "cluster_lr": [Interval(Real, 0, None, closed="neither"), None],
        "train_encoder": ["boolean"],
        "kernel_gamma": [Interval(Real, 0, None, closed="neither"), None],
        "kernel_random_state": ["random_state"],
    }

    def __init__(
        self, n_clusters=8, *, hidden_dims=None, latent_dim=10, pretrain_epochs="auto",
        max_epochs=100, batch_size=256, lr=1e-3, device="auto", random_state=None, verbose=0,
        callbacks=None, activation="relu", reconstruction="mse", layerwise_epochs=0,
        dropout=0.0, dissimilarity="mahalanobis", dissimilarity_params=None, alpha="auto",
        lambda_r=1.0, lambda_c=1.0, cluster_lr=1e-5, train_encoder=True, n_init=100,
        augment="auto", input_shape=None, kernel_gamma=None, kernel_random_state=None,
        precision_init="kmeans", pretrain_optimizer="auto", pretrain_lr=None,
        encoder="auto", channels=None,
    ):
        super().__init__(
            n_clusters, hidden_dims=hidden_dims, latent_dim=latent_dim,
            pretrain_epochs=pretrain_epochs, batch_size=batch_size, lr=lr, device=device,
            random_state=random_state, verbose=verbose, callbacks=callbacks,
            activation=activation, reconstruction=reconstruction,
            layerwise_epochs=layerwise_epochs, dropout=dropout, input_shape=input_shape,
            augment=augment, pretrain_optimizer=pretrain_optimizer, pretrain_lr=pretrain_lr,
            encoder=encoder, channels=channels,
        )
        self.max_epochs = max_epochs
        self.dissimilarity = dissimilarity
        self.dissimilarity_params = dissimilarity_params
        self.alpha = alpha
        self.lambda_r = lambda_r
        self.lambda_c = lambda_c
        self.cluster_lr = cluster_lr
        self.train_encoder = train_encoder
        self.n_init = n_init
        self.kernel_gamma = kernel_gamma
        self.kernel_random_state = kernel_random_state
        self.precision_init = precision_init

    def _check_fit_data(self, X):
        super()._check_fit_data(X)
        _check_dissimilarity(self, self.latent_dim)
        if self.kernel_gamma is not None and (
                self.augment_ != "none" or self.layerwise_epochs):
            raise ValueError(
                "kernel_gamma replaces the reconstruction pretraining, which augment="
                f"{self.augment!r} and layerwise_epochs > 0 configure; set kernel_gamma=None "
                "to use them"
            )
        if self.dissimilarity == "itakura_saito":
            raise ValueError(
                "dissimilarity='itakura_saito' needs positive data, but the code of DMAE "
                "takes any real value; use it with DMM"
            )

    def _image_data(self, X, images=None):
        # The kernel pretraining regresses the encoder on kernel features of the data as
        # they are, with Adam (the reference code's recipe for it).
        return self.kernel_gamma is None and super()._image_data(X, images)

    def _pretrain_network(self, X, config, generator):
        if self.kernel_gamma is None:
            return super()._pretrain_network(X, config, generator)
        autoencoder = self._autoencoder
        features = self._kernel_features(X, generator)
        encoder = nn.Sequential(autoencoder.corruption, *autoencoder.encoder_layers)
        history = train_module(
            encoder, X, TargetLoss(features), phase="pretrain-encoder",
            max_epochs=self.pretrain_epochs_, config=config, generator=generator,
        )
        code = torch.from_numpy(self._transform(X.numpy()))
        decoder = nn.Sequential(*autoencoder.decoder_layers)
        return history + train_module(
            decoder, code, TargetLoss(X, self.reconstruction), phase="pretrain-decoder",
            max_epochs=self.pretrain_epochs_, config=config, generator=generator,
        )

    def _kernel_features(self, X, generator):
        """The kernel pretraining's targets: ``RBFSampler`` features of ``X`` (a tensor)."""
        random_state = self.kernel_random_state
        if random_state is None:
            random_state = int(torch.randint(np.iinfo(np.int32).max, (1,), generator=generator))
        sampler = RBFSampler(
            gamma=self.kernel_gamma, n_components=self.latent_dim, random_state=random_state
        )
        return torch.from_numpy(sampler.fit_transform(X.double().numpy())).to(X.dtype)

    def _build_module(self, n_features):
        return DMAEModule(super()._build_module(n_features), self._new_mixture(self.latent_dim))

    @property
    def _autoencoder(self):
        return self.module_.autoencoder

    @property
    def _mixture(self):
        return self.module_.mixture

    def _initialize_clusters(self, X, rng):
        self._init_mixture(self._code64(X), rng)

    def _fine_tune(self, X, config, generator):
        if self.cluster_lr is not None:
            config = dataclasses.replace(config, lr=self.cluster_lr)
        if self.train_encoder:
            criterion = DMAELoss(self._mixture, self.lambda_r, self.lambda_c, self.reconstruction)
            history = train_module(
                self.module_, X, criterion, phase="cluster", max_epochs=self.max_epochs,
                config=config, generator=generator,
                batch_transform=self._batch_transform("cluster"),
            )
        else:
            H = torch.from_numpy(self._transform(X.numpy()))
            history = train_module(
                self._mixture, H, MixtureLoss(self._mixture), phase="cluster",
                max_epochs=self.max_epochs, config=config, generator=generator,
            )
        self._set_mixture_attributes()
        return history

    def _encode_for_mixture(self, x):
        return self._encode(x)
