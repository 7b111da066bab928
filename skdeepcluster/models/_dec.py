"""DEC and IDEC: self-training of an autoencoder's code towards sharpened soft assignments."""

from numbers import Integral, Real

import torch
from sklearn.utils._param_validation import Interval

from .._docs import fill_doc
from ..nn import SelfTrainingLoss, StudentTClusterer
from ..training import TargetRefresh, train_module
from ._baselines import AEKMeans


@fill_doc
class DEC(AEKMeans):
    """Deep Embedded Clustering (Xie, Girshick and Farhadi, ICML 2016).

    An autoencoder is pretrained, k-means on its code initialises ``n_clusters`` centres,
    and then the encoder and the centres are trained together (the decoder is dropped) to
    minimise ``KL(P || Q)``: ``Q`` is the Student's t soft assignment of the code to the
    centres, ``P`` the sharpened, size-normalised target computed from ``Q`` on the whole
    data every ``update_interval`` batches. Training stops once fewer than a fraction
    ``tol`` of the labels change between two refreshes (at the end of that epoch), or after
    ``max_epochs``.

    Parameters
    ----------
    {n_clusters}
    {autoencoder}
    {dec_epochs}
    {training}
    {ae_options}
    {images}
    {self_training}

    Attributes
    ----------
    {dec_attributes}
    {common_attributes}

    See Also
    --------
    IDEC : DEC that keeps the decoder and its reconstruction loss.
    AEKMeans : the initialisation of DEC, without self-training.

    Notes
    -----
    :meth:`predict_proba` is ``Q``; :meth:`score_samples` is minus the squared distance of
    the code to the nearest centre, as for :class:`AEKMeans` (``KL(P || Q)`` itself depends
    on the whole data set through ``P`` and is no per-sample score). The phases are recorded
    in ``history_`` as ``"pretrain"`` and ``"cluster"``; ``"cluster"`` rows also hold
    ``delta_label``, the fraction of labels changed at the epoch's last refresh.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeepcluster import DEC
    >>> X = np.array([[0.0, 0.1], [0.1, 0.0], [0.0, 0.0], [5.0, 5.1], [5.1, 5.0], [5.0, 5.0]])
    >>> model = DEC(n_clusters=2, hidden_dims=(8,), latent_dim=2, pretrain_epochs=5,
    ...             max_epochs=3, update_interval=1, random_state=0).fit(X)
    >>> bool(model.labels_[0] == model.labels_[2] != model.labels_[3])
    True
    """

    _parameter_constraints: dict = {
        **AEKMeans._parameter_constraints,
        "max_epochs": [Interval(Integral, 0, None, closed="left")],
        "alpha": [Interval(Real, 0, None, closed="neither")],
        "update_interval": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(
        self, n_clusters=8, *, hidden_dims=None, latent_dim=10, pretrain_epochs="auto",
        max_epochs=100, batch_size=256, lr=1e-3, device="auto", random_state=None, verbose=0,
        callbacks=None, activation="relu", reconstruction="mse", layerwise_epochs=0,
        dropout=0.0, n_init=100, alpha=1.0, update_interval=140, tol=1e-3,
        input_shape=None, augment="auto", pretrain_optimizer="auto", pretrain_lr=None,
        encoder="auto", channels=None,
    ):
        super().__init__(
            n_clusters, hidden_dims=hidden_dims, latent_dim=latent_dim,
            pretrain_epochs=pretrain_epochs, batch_size=batch_size, lr=lr, device=device,
            random_state=random_state, verbose=verbose, callbacks=callbacks,
            activation=activation, reconstruction=reconstruction,
            layerwise_epochs=layerwise_epochs, dropout=dropout, n_init=n_init,
            input_shape=input_shape, augment=augment, pretrain_optimizer=pretrain_optimizer,
            pretrain_lr=pretrain_lr, encoder=encoder, channels=channels,
        )
        self.max_epochs = max_epochs
        self.alpha = alpha
        self.update_interval = update_interval
        self.tol = tol

    @property
    def _dof(self):
        return self.alpha

    def _gamma(self):
        """Weight of the reconstruction loss during clustering (0: DEC drops the decoder)."""
        return 0.0

    def _build_module(self, n_features):
        return StudentTClusterer(
            super()._build_module(n_features), self.n_clusters, dof=self.alpha,
            reconstruct=bool(self._gamma()),
        )

    @property
    def _autoencoder(self):
        return self.module_.autoencoder

    def _initialize_clusters(self, X, rng):
        super()._initialize_clusters(X, rng)
        with torch.no_grad():
            self.module_.centers.copy_(self._centers())

    def _fine_tune(self, X, config, generator):
        return self._self_train(
            X, SelfTrainingLoss(self._gamma(), self.reconstruction), config, generator
        )

    def _self_train(self, X, criterion, config, generator, shuffle=True):
        """The clustering phase: ``criterion`` against a refreshed target; sets the centres."""
        history = train_module(
            self.module_, X, criterion, phase="cluster", max_epochs=self.max_epochs,
            config=config, generator=generator, shuffle=shuffle,
            callbacks=[("target_refresh", TargetRefresh(self.update_interval, self.tol))],
            batch_transform=self._batch_transform("cluster"),
        )
        self.cluster_centers_ = self.module_.centers.detach().cpu().double().numpy()
        return history


@fill_doc
class IDEC(DEC):
    """Improved Deep Embedded Clustering (Guo, Gao, Liu and Yin, IJCAI 2017).

    DEC that keeps the decoder: during clustering the loss is
    ``KL(P || Q) + gamma * reconstruction``, so that the code keeps the structure of the
    data ("local structure preservation") while it is sharpened into clusters. Everything
    else is as in :class:`DEC`.

    Parameters
    ----------
    {n_clusters}
    {autoencoder}
    {dec_epochs}
    {training}
    {ae_options}
    {images}
    {self_training}
    gamma : float, default=0.1
        Weight of the reconstruction loss during clustering (IDEC uses 0.1).

    Attributes
    ----------
    {dec_attributes}
    {common_attributes}

    See Also
    --------
    DEC : the same without the reconstruction loss.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeepcluster import IDEC
    >>> X = np.array([[0.0, 0.1], [0.1, 0.0], [0.0, 0.0], [5.0, 5.1], [5.1, 5.0], [5.0, 5.0]])
    >>> model = IDEC(n_clusters=2, hidden_dims=(8,), latent_dim=2, pretrain_epochs=5,
    ...              max_epochs=3, update_interval=1, random_state=0).fit(X)
    >>> model.predict_proba(X).shape
    (6, 2)
    """

    _parameter_constraints: dict = {
        **DEC._parameter_constraints,
        "gamma": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(
        self, n_clusters=8, *, hidden_dims=None, latent_dim=10, pretrain_epochs="auto",
        max_epochs=100, batch_size=256, lr=1e-3, device="auto", random_state=None, verbose=0,
        callbacks=None, activation="relu", reconstruction="mse", layerwise_epochs=0,
        dropout=0.0, n_init=100, alpha=1.0, update_interval=140, tol=1e-3, gamma=0.1,
        input_shape=None, augment="auto", pretrain_optimizer="auto", pretrain_lr=None,
        encoder="auto", channels=None,
    ):
        super().__init__(
            n_clusters, hidden_dims=hidden_dims, latent_dim=latent_dim,
            pretrain_epochs=pretrain_epochs, max_epochs=max_epochs, batch_size=batch_size,
            lr=lr, device=device, random_state=random_state, verbose=verbose,
            callbacks=callbacks, activation=activation, reconstruction=reconstruction,
            layerwise_epochs=layerwise_epochs, dropout=dropout, n_init=n_init, alpha=alpha,
            update_interval=update_interval, tol=tol,
            input_shape=input_shape, augment=augment, pretrain_optimizer=pretrain_optimizer,
            pretrain_lr=pretrain_lr, encoder=encoder, channels=channels,
        )
        self.gamma = gamma

    def _gamma(self):
        return self.gamma
