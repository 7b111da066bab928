"""Deep Fusion GMM: multiview clustering with a Gaussian mixture on a fused deep code."""

from numbers import Integral

import numpy as np
import torch
from sklearn.utils._param_validation import Interval

from .._docs import fill_doc
from ..nn import FusionAutoencoder, ReconstructionLoss
from ..training import apply_in_chunks, train_module
from ._ae_base import AutoencoderClusterer, check_dims, check_input_shape
from ._mixture import CodeMixtureMixin

#: Encoder widths of the view-common autoencoder when ``hidden_dims`` is None.
DEFAULT_COMMON_HIDDEN_DIMS = (64,)


def _is_width(value):
    return isinstance(value, Integral) and not isinstance(value, bool) and value > 0


@fill_doc
class DeepFusionGMM(CodeMixtureMixin, AutoencoderClusterer):
    """Deep Fusion Gaussian mixture: multiview clustering on a fused deep code.

    The model of Li et al. (2020), "A Deep Fusion Gaussian Mixture Model for Multiview
    Land Data Clustering". Each view has its own stacked autoencoder; their codes are
    concatenated and a view-common stacked autoencoder fuses them into one code; a Gaussian
    mixture is fitted by EM on the fused code (:class:`~skdeepcluster.TorchGaussianMixture`,
    on the training device). Training follows the paper's Algorithm 1:

    1. each view's autoencoder is trained greedily layer by layer (``layerwise_epochs`` per
       layer), then end to end (``pretrain_epochs``);
    2. the common autoencoder likewise, on the concatenated view codes;
    3. the whole cascade -- view encoders, common encoder and decoder, view decoders -- is
       fine-tuned end to end to reconstruct every view (``max_epochs``);
    4. EM fits the mixture on the fused code.

    The views are consecutive column blocks of ``X``
    (:func:`~skdeepcluster.datasets.make_multiview` builds such an ``X``), so every
    scikit-learn tool that takes a 2-D ``X`` works unchanged.

    Parameters
    ----------
    {n_clusters}
    views : list of int or None, default=None
        Width of each view, in column order; they must sum to ``n_features``. None means
        one view (all columns).
    view_hidden_dims : tuple of int, list of tuples, or None, default=None
        Encoder widths of the view autoencoders: one tuple for every view, or one tuple per
        view. None means ``(500, 500, 2000)``.
    view_latent_dim : int, default=10
        Code width of each view autoencoder.
    hidden_dims : tuple of int or None, default=None
        Encoder widths of the view-common autoencoder, whose input is the concatenated
        view codes. None means ``(64,)``.
    latent_dim : int, default=10
        Width of the fused code (the width of :meth:`transform`).
    layerwise_epochs : int, default=20
        Epochs of greedy layer-wise training per layer pair of every autoencoder (0 skips
        it).
    pretrain_epochs : int or "auto", default="auto"
        Epochs of end-to-end training of each autoencoder on its own: the length every
        other autoencoder model pretrains for.
        {auto_epochs}
    max_epochs : int, default=100
        Epochs of end-to-end fine-tuning of the whole cascade.
    {training}
    activation : {{"relu", "leaky_relu", "elu", "gelu", "tanh", "sigmoid"}}, default="relu"
        Activation of the hidden layers; code and output layers are linear.
    reconstruction : {{"mse", "bce"}}, default="mse"
        Reconstruction loss of the views: squared error, or binary cross-entropy for data
        in [0, 1]. The common autoencoder reconstructs real-valued codes with the squared
        error. In the fine-tuning each view's mean loss counts equally, whatever its width.
    dropout : float, default=0.0
        Input corruption of every autoencoder while training (denoising); inactive at
        inference.
    input_shape : tuple, list or None, default=None
        Which views are images: one ``(C, H, W)`` for every view, or a list with one
        ``(C, H, W)`` (or None, for a view that is not an image) per view. An image view's
        autoencoder gets the image recipe below (augmentation, SGD); the common
        autoencoder, whose input is codes, and the cascade's fine-tuning keep Adam at
        ``lr`` unless ``pretrain_optimizer`` names another (the cascade reconstructs
        augmented image views with ``augment``). None treats every view as tabular.
    {image_recipe}
    encoder : {{"auto", "mlp"}}, default="auto"
        The view autoencoders are fully connected (``"auto"`` is ``"mlp"``); ``"conv"``
        raises a ``ValueError``.
    channels : None
        Not used (no convolutional autoencoder).
    {code_mixture}

    Attributes
    ----------
    views_ : tuple of int
        The view widths used.
    {code_mixture_attributes}
    {common_attributes}

    See Also
    --------
    AEGMM : the single-view model (one autoencoder, a mixture on its code).
    TorchGaussianMixture : the mixture fitted on the fused code.

    Notes
    -----
    :meth:`score_samples` is the log-density of the fused code under the mixture, and
    :meth:`bic` / :meth:`aic` count the mixture's parameters only: they compare
    ``n_clusters`` or ``covariance_type`` for one trained network. There is no ``sample``:
    nothing guarantees that a code drawn from the mixture decodes to plausible views.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeepcluster import DeepFusionGMM
    >>> from skdeepcluster.datasets import make_multiview
    >>> rng = np.random.RandomState(0)
    >>> y = np.repeat([0, 1], 20)
    >>> view_a = y[:, None] * 4.0 + rng.normal(size=(40, 3))
    >>> view_b = -y[:, None] * 4.0 + rng.normal(size=(40, 5))
    >>> X, views = make_multiview(view_a, view_b)
    >>> model = DeepFusionGMM(n_clusters=2, views=views, view_hidden_dims=(8,),
    ...                       view_latent_dim=2, hidden_dims=(4,), latent_dim=2,
    ...                       layerwise_epochs=2, pretrain_epochs=10, max_epochs=10,
    ...                       batch_size=16, random_state=0).fit(X)
    >>> model.transform(X).shape
    (40, 2)
    >>> [code.shape for code in model.view_transform(X)]
    [(40, 2), (40, 2)]
    """

    _parameter_constraints: dict = {
        **AutoencoderClusterer._parameter_constraints,
        **CodeMixtureMixin._mixture_parameter_constraints,
        "views": ["array-like", None],
        "view_hidden_dims": ["array-like", None],
        "view_latent_dim": [Interval(Integral, 1, None, closed="left")],
        "max_epochs": [Interval(Integral, 0, None, closed="left")],
    }

    def __init__(
        self, n_clusters=8, *, views=None, view_hidden_dims=None, view_latent_dim=10,
        hidden_dims=None, latent_dim=10, layerwise_epochs=20, pretrain_epochs="auto",
        max_epochs=100, batch_size=256, lr=1e-3, device="auto", random_state=None, verbose=0,
        callbacks=None, activation="relu", reconstruction="mse", dropout=0.0,
        covariance_type="full", n_init=10, reg_covar=1e-6, tol=1e-3, max_iter=100,
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
        self.views = views
        self.view_hidden_dims = view_hidden_dims
        self.view_latent_dim = view_latent_dim
        self.max_epochs = max_epochs
        self.covariance_type = covariance_type
        self.n_init = n_init
        self.reg_covar = reg_covar
        self.tol = tol
        self.max_iter = max_iter

    # ------------------------------------------------------------------ parameters
    def _resolve_views(self, n_features):
        if self.views is None:
            return (n_features,)
        views = tuple(np.ravel(self.views).tolist()) if np.ndim(self.views) else None
        if not views or not all(_is_width(v) for v in views):
            raise ValueError(
                f"views={self.views!r} must be a non-empty list of positive integers "
                "(the width of each view)"
            )
        if sum(views) != n_features:
            raise ValueError(
                f"views={self.views!r} must sum to the number of features, "
                f"n_features={n_features}, but sums to {sum(views)}"
            )
        return views

    def _view_hidden_dims(self, n_views):
        dims = self.view_hidden_dims
        if dims is not None and len(dims) and all(
            isinstance(d, (tuple, list, np.ndarray)) for d in dims
        ):
            if len(dims) != n_views:
                raise ValueError(
                    f"view_hidden_dims={dims!r} gives {len(dims)} tuples of widths but there "
                    f"are {n_views} views; give one tuple for all views or one per view"
                )
            return [check_dims(d, "view_hidden_dims") for d in dims]
        return [check_dims(dims, "view_hidden_dims")] * n_views

    def _hidden_dims(self):
        return check_dims(self.hidden_dims, "hidden_dims", DEFAULT_COMMON_HIDDEN_DIMS)

    def _view_shapes(self, views):
        """``(C, H, W)`` or None per view: ``input_shape`` is one shape for every view, or a
        list with one shape (or None, for a view that is not an image) per view."""
        shape = self.input_shape
        if shape is None:
            return [None] * len(views)
        shapes = list(shape)
        if len(shapes) == 3 and all(isinstance(n, Integral) for n in shapes):
            shapes = [tuple(shape)] * len(views)
        elif len(shapes) != len(views):
            raise ValueError(
                f"input_shape={shape!r} must be one (C, H, W) for every view, or one (C, H, W) "
                f"or None per view, but there are {len(views)} views"
            )
        return [None if s is None else check_input_shape(s, width)
                for s, width in zip(shapes, views)]

    def _check_input_shape(self, n_features):
        self._view_shapes(self._resolve_views(n_features))

    def _image_data(self, X, images=None):
        # Without a view named: whether some view is image data.
        if images is not None:
            return super()._image_data(X, images)
        views = self._resolve_views(X.shape[1])
        parts = np.split(np.asarray(X), np.cumsum(views)[:-1], axis=1)
        return any(super(DeepFusionGMM, self)._image_data(part, True)
                   for part, shape in zip(parts, self._view_shapes(views)) if shape is not None)

    def _views_transform(self, shapes):
        """The augmentation of a batch of side-by-side views: each image view on its own."""
        transforms = [None if s is None else self._batch_transform("pretrain", s) for s in shapes]
        if all(t is None for t in transforms):
            return None
        views = self.views_
        return lambda x: torch.cat([
            part if t is None else t(part) for t, part in zip(transforms, x.split(views, dim=1))
        ], dim=1)

    def _check_fit_data(self, X):
        if self.encoder == "conv":
            raise ValueError(
                "encoder='conv' is not available in DeepFusionGMM, whose view autoencoders "
                "are fully connected; use encoder='auto'"
            )
        super()._check_fit_data(X)
        self._view_hidden_dims(len(self._resolve_views(X.shape[1])))

    def _validate(self, X):
        X = super()._validate(X)
        if self._resolve_views(self.n_features_in_) != self.views_:
            raise ValueError(
                f"views={self.views!r} differs from the views the model was fitted with, "
                f"views_={list(self.views_)}; refit after changing views"
            )
        return X

    # ------------------------------------------------------------------ fit hooks
    def _build_module(self, n_features):
        self.views_ = self._resolve_views(n_features)
        return FusionAutoencoder(
            self.views_, self._view_hidden_dims(len(self.views_)), self.view_latent_dim,
            self._hidden_dims(), self.latent_dim, activation=self.activation,
            dropout=self.dropout,
        )

    def _pretrain(self, X, config, generator):
        """Algorithm 1, steps 1-3: every autoencoder on its own, then the cascade.

        Each view's autoencoder gets the pretraining recipe of its data (the image recipe
        for a view with a shape in ``input_shape``); the common autoencoder, on real-valued
        codes, and the cascade get the tabular one (Adam at ``lr`` by default).
        """
        module = self.module_
        history, codes = [], []
        shapes = self._view_shapes(self.views_)
        for v, (autoencoder, part, shape) in enumerate(
                zip(module.view_autoencoders, module.split(X), shapes)):
            part = part.contiguous()
            history += self._pretrain_autoencoder(
                autoencoder, part, reconstruction=self.reconstruction,
                config=self._with_recipe(config, self._pretrain_recipe(
                    self._uses_image_recipe(part, images=shape is not None))),
                generator=generator, prefix=f"view{v}-",
                batch_transform=None if shape is None else self._batch_transform("pretrain", shape),
            )
            codes.append(torch.from_numpy(
                apply_in_chunks(autoencoder.encode, autoencoder, part.cpu().numpy(), config.device)
            ))
        codes = torch.cat(codes, dim=1)
        config = self._with_recipe(config, self._pretrain_recipe(False))
        history += self._pretrain_autoencoder(
            module.common, codes, reconstruction="mse", config=config, generator=generator,
            prefix="common-",
        )
        return history + train_module(
            module, X, ReconstructionLoss(self.reconstruction, views=self.views_),
            phase="fine-tune", max_epochs=self.max_epochs, config=config, generator=generator,
            batch_transform=self._views_transform(shapes),
        )

    def _initialize_clusters(self, X, rng):
        """Algorithm 1, steps 4-8: EM for the Gaussian mixture on the fused code."""
        self._fit_code_mixture(self._code64(X), rng)

    # ------------------------------------------------------------------ inference
    def view_transform(self, X):
        """Code of each view, from its own encoder (before fusion).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        list of ndarray of shape (n_samples, view_latent_dim)
            One array per view, in the dtype of ``X``.
        """
        X = self._validate(X)
        codes = self._apply(lambda x: tuple(self.module_.view_codes(x)), X)
        codes = codes if isinstance(codes, tuple) else (codes,)
        return [code.astype(X.dtype, copy=False) for code in codes]
