"""Shared part of the models built on a pretrained MLP autoencoder."""

from numbers import Integral, Real

import numpy as np
import torch
from sklearn.utils._param_validation import Interval, StrOptions

from ..base import BaseDeepClusterer
from ..nn import ACTIVATIONS, MLPAutoencoder, ReconstructionLoss
from ..training import train_layerwise, train_module

DEFAULT_HIDDEN_DIMS = (500, 500, 2000)


def check_dims(dims, name, default=DEFAULT_HIDDEN_DIMS):
    """Layer widths from a ``*hidden_dims`` parameter: ``default`` for None, else a tuple of
    positive integers (a ``ValueError`` naming ``name`` otherwise)."""
    if dims is None:
        return default
    widths = tuple(dims)
    if not all(isinstance(h, Integral) and not isinstance(h, bool) and h > 0 for h in widths):
        raise ValueError(f"{name}={dims!r} must be a sequence of positive integers")
    return widths


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
        "pretrain_epochs": [Interval(Integral, 0, None, closed="left")],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "reconstruction": [StrOptions({"mse", "bce"})],
        "layerwise_epochs": [Interval(Integral, 0, None, closed="left")],
        "dropout": [Interval(Real, 0.0, 1.0, closed="left")],
    }

    def __init__(
        self, n_clusters=8, *, hidden_dims=None, latent_dim=10, pretrain_epochs=200,
        batch_size=256, lr=1e-3, device="auto", random_state=None, verbose=0, callbacks=None,
        activation="relu", reconstruction="mse", layerwise_epochs=0, dropout=0.0,
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

    def _hidden_dims(self):
        return check_dims(self.hidden_dims, "hidden_dims")

    def _check_fit_data(self, X):
        super()._check_fit_data(X)
        self._hidden_dims()
        if self.reconstruction == "bce" and (X.min() < 0 or X.max() > 1):
            raise ValueError(
                "reconstruction='bce' needs X in [0, 1], but X ranges over "
                f"[{X.min():.4g}, {X.max():.4g}]; scale X (e.g. MinMaxScaler) or use "
                "reconstruction='mse'"
            )

    def _build_module(self, n_features):
        return MLPAutoencoder(
            n_features, self._hidden_dims(), self.latent_dim, activation=self.activation,
            dropout=self.dropout,
        )

    @property
    def _autoencoder(self):
        """The :class:`~skdeepcluster.nn.MLPAutoencoder` inside ``module_``."""
        return self.module_

    def _pretrain(self, X, config, generator):
        """Greedy layer-wise then end-to-end autoencoder training; returns epoch records."""
        return self._pretrain_autoencoder(
            self._autoencoder, X, reconstruction=self.reconstruction, config=config,
            generator=generator, batch_transform=self._batch_transform(),
        )

    def _pretrain_autoencoder(
        self, autoencoder, X, *, reconstruction, config, generator, prefix="",
        batch_transform=None, module=None, criterion=None,
    ):
        """``layerwise_epochs`` per layer pair, then ``pretrain_epochs`` end to end.

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
            phase=f"{prefix}pretrain", max_epochs=self.pretrain_epochs, config=config,
            generator=generator, batch_transform=batch_transform,
        )

    def _batch_transform(self):
        """Transform of each training batch (data augmentation); None for none."""
        return None

    def _encode(self, x):
        return self._autoencoder.encode(x)

    def _n_components(self):
        return self.latent_dim

    def _decode_codes(self, codes):
        """Decoder output for codes, as float64 data (through a sigmoid for ``"bce"``)."""
        decode = self._autoencoder.decode
        if self.reconstruction == "bce":
            X = self._apply(lambda z: torch.sigmoid(decode(z)), codes)
        else:
            X = self._apply(decode, codes)
        return X.astype(np.float64)

    def _code64(self, X):
        """Code of a validated array as float64, for scikit-learn estimators fitted on it."""
        return self._transform(X).astype(np.float64)
