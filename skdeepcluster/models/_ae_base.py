"""Shared part of the models built on a pretrained autoencoder, and their shared recipe."""

import dataclasses
import math
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.utils._param_validation import Interval, StrOptions

from .._rng import generator_for
from ..base import BaseDeepClusterer
from ..functional import random_affine
from ..nn import ACTIVATIONS, ConvAutoencoder, MLPAutoencoder, ReconstructionLoss
from ..training import train_layerwise, train_module

DEFAULT_HIDDEN_DIMS = (500, 500, 2000)

#: The pretraining recipe that ``pretrain_optimizer="auto"`` picks for images in [0, 1]:
#: SGD with momentum 0.9 at a learning rate of 1, the DMAE reference code's autoencoder
#: pretraining (on USPS, after 500 epochs, k-means on its code scored 0.83 and 0.93 on two
#: seeds, where Adam's scored 0.78 and 0.79; BENCHMARKS.md, sections 7.3 and 16.1).
IMAGE_PRETRAIN_OPTIMIZER = "sgd"
IMAGE_PRETRAIN_LR = 1.0

#: The image recipe needs a long pretraining: SGD at lr 1 starts slowly. On USPS (9,298
#: images, 37 batches an epoch) its k-means partitions agree across seeds less than Adam's
#: up to 300 epochs (11,100 steps) and more from 400 epochs (14,800 steps) on; on digits
#: (8 batches an epoch) less at every length up to 200 epochs (BENCHMARKS.md, section 16;
#: label-free: the agreement between seeds, not the labels, chose it). Below this many
#: optimizer steps ``"auto"`` keeps the tabular recipe.
IMAGE_RECIPE_MIN_STEPS = 14000

#: ``pretrain_epochs="auto"``: this many epochs, or on images as many as reach
#: :data:`IMAGE_RECIPE_MIN_STEPS` when that is at most :data:`IMAGE_RECIPE_MAX_EPOCHS`.
DEFAULT_PRETRAIN_EPOCHS = 200

#: The longest pretraining ``pretrain_epochs="auto"`` gives to reach the image recipe: the
#: DMAE reference code's 500 epochs, the length the recipe was measured at (USPS, 37
#: batches an epoch, reaches 14,000 steps at 379 epochs; BENCHMARKS.md, section 23).
IMAGE_RECIPE_MAX_EPOCHS = 500

#: Values of ``augment`` and the phases each one augments. ``True`` and ``False`` are
#: ``"pretrain"`` and ``"none"`` (DMAE's ``augment=True`` has always meant pretraining only).
#: ``reconstruction``'s values in the models whose code has a prior (VaDE, DVAE, SDDECC),
#: which accept ``"auto"`` (see ``AutoencoderClusterer._resolve_reconstruction``).
PRIOR_RECONSTRUCTION = StrOptions({"auto", "mse", "bce"})

AUGMENT_PHASES = {
    "none": frozenset(), "pretrain": frozenset({"pretrain"}),
    "all": frozenset({"pretrain", "cluster"}),
}


def in_unit_interval(X):
    """Whether every value of ``X`` lies in [0, 1]: pixels, the data of a Bernoulli."""
    return bool(float(X.min()) >= 0 and float(X.max()) <= 1)


def auto_pretrain_epochs(n_samples, batch_size, images):
    """The pretraining epochs of ``pretrain_epochs="auto"``.

    For ``images`` (pixels in [0, 1] that can take the image recipe), the fewest epochs of
    ``n_samples`` rows in batches of ``batch_size`` that make :data:`IMAGE_RECIPE_MIN_STEPS`
    optimizer steps, when that is at most :data:`IMAGE_RECIPE_MAX_EPOCHS`, and at least
    :data:`DEFAULT_PRETRAIN_EPOCHS`; :data:`DEFAULT_PRETRAIN_EPOCHS` otherwise.

    >>> auto_pretrain_epochs(9298, 256, images=True)  # USPS: 37 batches an epoch
    379
    >>> auto_pretrain_epochs(1797, 256, images=True)  # 14,000 steps are out of reach
    200
    >>> auto_pretrain_epochs(70000, 256, images=True)  # 200 epochs reach them
    200
    """
    if images:
        epochs = math.ceil(IMAGE_RECIPE_MIN_STEPS / math.ceil(n_samples / batch_size))
        if epochs <= IMAGE_RECIPE_MAX_EPOCHS:
            return max(DEFAULT_PRETRAIN_EPOCHS, epochs)
    return DEFAULT_PRETRAIN_EPOCHS


def check_dims(dims, name, default=DEFAULT_HIDDEN_DIMS):
    """Layer widths from a ``*hidden_dims`` parameter: ``default`` for None, else a tuple of
    positive integers (a ``ValueError`` naming ``name`` otherwise)."""
    if dims is None:
        return default
    widths = tuple(dims)
    if not all(isinstance(h, Integral) and not isinstance(h, bool) and h > 0 for h in widths):
        raise ValueError(f"{name}={dims!r} must be a sequence of positive integers")
    return widths


def default_channels(input_shape):
    """Channels of the convolutional encoder: the SDDECC paper's Table 2, two blocks on
    small images (16x16 USPS), four on larger ones."""
    return (16, 32) if min(input_shape[1:]) <= 16 else (16, 16, 32, 32)


def check_input_shape(input_shape, n_features):
    """``input_shape`` as a tuple ``(C, H, W)`` of positive integers holding ``n_features``
    values (a ``ValueError`` naming the problem otherwise)."""
    shape = tuple(input_shape)
    if not (len(shape) == 3 and all(
            isinstance(n, Integral) and not isinstance(n, bool) and n > 0 for n in shape)):
        raise ValueError(f"input_shape={input_shape!r} must be three positive integers (C, H, W)")
    if int(np.prod(shape)) != n_features:
        raise ValueError(
            f"input_shape={input_shape!r} holds {int(np.prod(shape))} values per image, but X "
            f"has n_features={n_features}"
        )
    return shape


class AutoencoderClusterer(BaseDeepClusterer):
    """A deep clusterer whose network is an :class:`~skdeepcluster.nn.MLPAutoencoder`.

    It pretrains the autoencoder (optionally greedily layer by layer first, then end to end)
    and encodes with it; a model adds its clustering through ``_initialize_clusters`` and,
    where it trains further, ``_fine_tune``.
    """

    _parameter_constraints: dict = {
        **BaseDeepClusterer._parameter_constraints,
        "hidden_dims": ["array-like", None],
        "latent_dim": [Interval(Integral, 1, None, closed="left")],
        "pretrain_epochs": [Interval(Integral, 0, None, closed="left"), StrOptions({"auto"})],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "reconstruction": [StrOptions({"mse", "bce"})],
        "layerwise_epochs": [Interval(Integral, 0, None, closed="left")],
        "dropout": [Interval(Real, 0.0, 1.0, closed="left")],
        "input_shape": [tuple, list, None],
        "augment": ["boolean", StrOptions({"auto", *AUGMENT_PHASES})],
        "pretrain_optimizer": [StrOptions({"auto", "adam", "sgd"})],
        "pretrain_lr": [Interval(Real, 0, None, closed="neither"), None],
        "encoder": [StrOptions({"auto", "mlp", "conv"})],
        "channels": ["array-like", None],
    }

    #: Value of ``augment="auto"`` where the image recipe applies: the phases a model
    #: augments by default on images. A model with a clustering phase that trains on batches may
    #: set it to ``"all"``.
    _auto_augment = "pretrain"

    #: Whether ``pretrain_optimizer="auto"`` picks the SGD recipe on images. It was measured
    #: on the MLP autoencoder trained by reconstruction; a model whose pretraining is
    #: another objective or network may keep Adam.
    _sgd_on_images = True

    #: Whether ``encoder="auto"`` is the convolutional autoencoder on images.
    _conv_on_images = False

    def __init__(
        self, n_clusters=8, *, hidden_dims=None, latent_dim=10, pretrain_epochs="auto",
        batch_size=256, lr=1e-3, device="auto", random_state=None, verbose=0, callbacks=None,
        activation="relu", reconstruction="mse", layerwise_epochs=0, dropout=0.0,
        input_shape=None, augment="auto", pretrain_optimizer="auto", pretrain_lr=None,
        encoder="auto", channels=None,
    ):
        self.n_clusters = n_clusters
        self.hidden_dims = hidden_dims
        self.latent_dim = latent_dim
        self.pretrain_epochs = pretrain_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.device = device
        self.random_state = random_state
        self.verbose = verbose
        self.callbacks = callbacks
        self.activation = activation
        self.reconstruction = reconstruction
        self.layerwise_epochs = layerwise_epochs
        self.dropout = dropout
        self.input_shape = input_shape
        self.augment = augment
        self.pretrain_optimizer = pretrain_optimizer
        self.pretrain_lr = pretrain_lr
        self.encoder = encoder
        self.channels = channels

    def _hidden_dims(self):
        return check_dims(self.hidden_dims, "hidden_dims")

    def _convolutional(self):
        """Whether the autoencoder is convolutional (``encoder``, resolved)."""
        if self.encoder == "auto":
            return self._conv_on_images and self.input_shape is not None
        return self.encoder == "conv"

    def _channels(self):
        if self.channels is None:
            return default_channels(tuple(self.input_shape))
        return check_dims(self.channels, "channels")

    # ------------------------------------------------------------------ the shared recipe
    def _image_data(self, X, images=None):
        """Whether ``X`` can take the image recipe: images (``images``, by default whether
        ``input_shape`` is given) with pixels in [0, 1]."""
        images = self.input_shape is not None if images is None else images
        return bool(images and in_unit_interval(X))

    def _uses_image_recipe(self, X, images=None):
        """Whether the ``"auto"`` options take the image recipe on the data ``X``.

        They do for image data (:meth:`_image_data`) pretrained for at least
        :data:`IMAGE_RECIPE_MIN_STEPS` optimizer steps (``pretrain_epochs_`` times the
        batches of an epoch).
        """
        n_steps = self.pretrain_epochs_ * math.ceil(X.shape[0] / self.batch_size)
        return n_steps >= IMAGE_RECIPE_MIN_STEPS and self._image_data(X, images)

    def _resolve_pretrain_epochs(self, X):
        """``pretrain_epochs``, where ``"auto"`` is :func:`auto_pretrain_epochs`, lengthened
        to the image recipe's steps only in the models whose ``"auto"`` optimizer on images
        is SGD (``_sgd_on_images``; not SDDECC)."""
        if self.pretrain_epochs != "auto":
            return self.pretrain_epochs
        epochs = auto_pretrain_epochs(X.shape[0], self.batch_size, images=True)
        # Only a lengthened pretraining needs the pass over X that tells image data.
        if epochs != DEFAULT_PRETRAIN_EPOCHS and not (
                self._sgd_on_images and self._image_data(X)):
            return DEFAULT_PRETRAIN_EPOCHS
        return epochs

    def _resolve_augment(self, image_recipe):
        """``augment`` as a key of :data:`AUGMENT_PHASES`."""
        augment = self.augment
        if augment == "auto":
            return self._auto_augment if image_recipe else "none"
        if isinstance(augment, (bool, np.bool_)):
            return "pretrain" if augment else "none"
        return augment

    def _resolve_recipe(self, X):
        """Set ``augment_``, ``pretrain_optimizer_`` and ``pretrain_lr_``: what ``fit`` uses."""
        image_recipe = self._uses_image_recipe(X)
        self.augment_ = self._resolve_augment(image_recipe)
        self.pretrain_optimizer_, self.pretrain_lr_ = self._pretrain_recipe(image_recipe)

    def _batch_transform(self, phase="pretrain", input_shape=None):
        """Transform of each training batch of ``phase`` (data augmentation); None for none.

        Random rotations of up to 10 degrees and shifts of up to 10% of the image, drawn
        anew for every batch on the batch's device
        (:func:`~skdeepcluster.functional.random_affine`).
        Only training batches are transformed: targets (DEC's ``P``, the k-means start) are
        computed from the data as they are, and so are :meth:`transform` and :meth:`predict`.
        """
        if phase not in AUGMENT_PHASES[self.augment_]:
            return None
        shape = tuple(self.input_shape if input_shape is None else input_shape)
        return lambda x: random_affine(x, shape, generator=generator_for(x.device))

    def _pretrain_recipe(self, image_recipe):
        """``(optimizer, learning rate)`` of the pretraining phases.

        ``pretrain_optimizer="auto"`` is SGD (momentum 0.9) at 1.0 where the image recipe
        applies (``image_recipe``, see :meth:`_uses_image_recipe`), and Adam at ``lr``
        otherwise; ``pretrain_lr``, when given, replaces the rate.
        """
        optimizer, lr = self.pretrain_optimizer, self.lr
        if optimizer == "auto":
            if self._sgd_on_images and image_recipe:
                optimizer, lr = IMAGE_PRETRAIN_OPTIMIZER, IMAGE_PRETRAIN_LR
            else:
                optimizer = "adam"
        return optimizer, (lr if self.pretrain_lr is None else self.pretrain_lr)

    @staticmethod
    def _with_recipe(config, recipe):
        """``config`` with the ``(optimizer, learning rate)`` of ``recipe``."""
        optimizer, lr = recipe
        return dataclasses.replace(config, optimizer=optimizer, lr=lr)

    def _check_fit_data(self, X):
        super()._check_fit_data(X)
        self._hidden_dims()
        if self.input_shape is not None:
            self._check_input_shape(X.shape[1])
        elif self.augment not in ("auto", False, "none"):
            raise ValueError(
                f"augment={self.augment!r} needs input_shape=(C, H, W) of the images"
            )
        elif self.encoder == "conv":
            raise ValueError("encoder='conv' needs input_shape=(C, H, W) of the images")
        if self._convolutional():
            self._channels()
            if self.layerwise_epochs:
                raise ValueError(
                    f"layerwise_epochs={self.layerwise_epochs} needs the MLP autoencoder; set "
                    "it to 0 with the convolutional one"
                )
        self.reconstruction_ = self._resolve_reconstruction(X)
        self.pretrain_epochs_ = self._resolve_pretrain_epochs(X)
        self._resolve_recipe(X)

    def _resolve_reconstruction(self, X):
        """The reconstruction loss a fit uses (``reconstruction_``): ``reconstruction``, where
        ``"auto"`` (the models whose code has a prior: VaDE, DVAE, SDDECC) is ``"bce"`` for
        data in [0, 1] and ``"mse"`` otherwise.

        A unit-variance Gaussian likelihood on pixels in [0, 1] leaves the reconstruction
        term too weak against the prior: on digits VaDE put every row in one cluster on one
        seed of two, and SDDECC's partitions of three seeds agreed at ARI 0.03
        (BENCHMARKS.md, section 22.4). ``"bce"`` on data outside [0, 1] raises a
        ``ValueError``. One pass over ``X`` either way.
        """
        if self.reconstruction == "auto":
            return "bce" if in_unit_interval(X) else "mse"
        if self.reconstruction == "bce" and not in_unit_interval(X):
            raise ValueError(
                "reconstruction='bce' needs X in [0, 1], but X ranges over "
                f"[{X.min():.4g}, {X.max():.4g}]; scale X (e.g. MinMaxScaler) or use "
                "reconstruction='mse'"
            )
        return self.reconstruction

    def _build_module(self, n_features):
        if self._convolutional():
            return ConvAutoencoder(
                tuple(self.input_shape), self._channels(), self.latent_dim,
                activation=self.activation, dropout=self.dropout,
            )
        return MLPAutoencoder(
            n_features, self._hidden_dims(), self.latent_dim, activation=self.activation,
            dropout=self.dropout,
        )

    @property
    def _autoencoder(self):
        """The autoencoder inside ``module_`` (MLP or convolutional)."""
        return self.module_

    def _check_input_shape(self, n_features):
        check_input_shape(self.input_shape, n_features)

    def _pretrain(self, X, config, generator):
        """The pretraining phases, with ``pretrain_optimizer_`` at ``pretrain_lr_``."""
        config = self._with_recipe(config, (self.pretrain_optimizer_, self.pretrain_lr_))
        return self._pretrain_network(X, config, generator)

    def _pretrain_network(self, X, config, generator):
        """Greedy layer-wise then end-to-end autoencoder training; returns epoch records."""
        return self._pretrain_autoencoder(
            self._autoencoder, X, reconstruction=self.reconstruction_, config=config,
            generator=generator, batch_transform=self._batch_transform("pretrain"),
        )

    def _pretrain_autoencoder(
        self, autoencoder, X, *, reconstruction, config, generator, prefix="",
        batch_transform=None, module=None, criterion=None,
    ):
        """``layerwise_epochs`` per layer pair, then ``pretrain_epochs_`` end to end.

        The end-to-end phase trains ``module`` (default: the autoencoder) on ``criterion``
        (default: the reconstruction error). Phases are named ``"<prefix>layerwise-<i>"`` and
        ``"<prefix>pretrain"``.
        """
        history = train_layerwise(
            autoencoder, X, reconstruction=reconstruction, max_epochs=self.layerwise_epochs,
            config=config, generator=generator, phase=f"{prefix}layerwise",
        )
        return history + train_module(
            autoencoder if module is None else module, X,
            ReconstructionLoss(reconstruction) if criterion is None else criterion,
            phase=f"{prefix}pretrain", max_epochs=self.pretrain_epochs_, config=config,
            generator=generator, batch_transform=batch_transform,
        )

    def _encode(self, x):
        return self._autoencoder.encode(x)

    def _n_components(self):
        return self.latent_dim

    def _decode_codes(self, codes):
        """Decoder output for codes, as float64 data (through a sigmoid for ``"bce"``)."""
        decode = self._autoencoder.decode
        if self.reconstruction_ == "bce":
            X = self._apply(lambda z: torch.sigmoid(decode(z)), codes)
        else:
            X = self._apply(decode, codes)
        return X.astype(np.float64)

    def _code64(self, X):
        """Code of a validated array as float64, for scikit-learn estimators fitted on it."""
        return self._transform(X).astype(np.float64)
