"""Stacked fully connected autoencoder."""

import torch
from torch import nn

from .._rng import generator_for

#: Hidden-layer activations by name (the names are the estimators' ``activation`` options).
ACTIVATIONS = {
    "relu": nn.ReLU,
    "leaky_relu": nn.LeakyReLU,
    "elu": nn.ELU,
    "gelu": nn.GELU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
}


class Corruption(nn.Module):
    """Input dropout (``torch.nn.Dropout``) whose mask comes from the current fit's generator.

    While training, each input is zeroed with probability ``p`` and the others are scaled by
    ``1 / (1 - p)``; in evaluation mode, or with ``p=0``, the input passes unchanged.

    Parameters
    ----------
    p : float, default=0.0
    """

    def __init__(self, p=0.0):
        super().__init__()
        if not 0.0 <= p < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {p}")
        self.p = p

    def forward(self, x):
        if not self.training or self.p == 0.0:
            return x
        keep = torch.empty_like(x).bernoulli_(1.0 - self.p, generator=generator_for(x.device))
        return x * keep / (1.0 - self.p)

    def extra_repr(self):
        return f"p={self.p}"


def _dense(n_in, n_out, activation):
    """A linear layer, followed by ``activation`` unless it is None."""
    layers = [nn.Linear(n_in, n_out)]
    if activation is not None:
        layers.append(ACTIVATIONS[activation]())
    return nn.Sequential(*layers)


class _LayerPair(nn.Module):
    """One encoder layer and its mirrored decoder layer, for greedy layer-wise training.

    It shares its parameters with the autoencoder it was taken from, so training the pair
    trains that autoencoder's layers in place.
    """

    def __init__(self, encoder_layer, decoder_layer, corruption):
        super().__init__()
        self.encoder_layer = encoder_layer
        self.decoder_layer = decoder_layer
        self.corruption = corruption

    def forward(self, h):
        code = self.encoder_layer(self.corruption(h))
        return code, self.decoder_layer(code)


class StackedAutoencoder(nn.Module):
    """An encoder and a decoder as lists of layers, applied in turn.

    Subclasses set ``n_features`` (the input width), ``corruption`` (input dropout),
    ``encoder_layers`` and ``decoder_layers`` (``nn.ModuleList``); the last encoder layer
    gives the code, and its last module is the linear code layer.
    """

    @property
    def latent_dim(self):
        """Width of the code."""
        return self.encoder_layers[-1][-1].out_features

    @property
    def n_layers(self):
        """Number of encoder layers, the code layer included."""
        return len(self.encoder_layers)

    def encode(self, x, depth=None):
        """Output of the first ``depth`` encoder layers (all of them by default): the code."""
        x = self.corruption(x)
        for layer in self.encoder_layers[:depth]:
            x = layer(x)
        return x

    def decode(self, z):
        """Raw decoder output for codes ``z`` of shape (n_samples, latent_dim)."""
        for layer in self.decoder_layers:
            z = layer(z)
        return z

    def forward(self, x):
        """Return ``(code, raw reconstruction)``."""
        z = self.encode(x)
        return z, self.decode(z)


class MLPAutoencoder(StackedAutoencoder):
    """Stacked autoencoder with a mirrored decoder: ``D - h_1 - (...) - h_m - L``.

    Hidden layers use ``activation``; the code layer and the output layer are linear, as in
    DEC's ``D-500-500-2000-10`` network. The output is raw: a reconstruction for a squared
    error, logits for a binary cross-entropy (see
    :func:`skdeepcluster.functional.reconstruction_loss`).

    Parameters
    ----------
    n_features : int
        Input width ``D``.
    hidden_dims : tuple of int, default=(500, 500, 2000)
        Encoder widths ``h_1 ... h_m``; may be empty (a linear autoencoder).
    latent_dim : int, default=10
        Code width ``L``.
    activation : str, default="relu"
        A key of :data:`ACTIVATIONS`.
    dropout : float, default=0.0
        Input corruption while training: each input of the encoder (and of each layer pair in
        greedy training) is zeroed with this probability, and the clean input is the
        reconstruction target, as in the stacked denoising autoencoder of DEC. Inactive in
        evaluation mode, so encoding is deterministic.

    Examples
    --------
    >>> import torch
    >>> ae = MLPAutoencoder(8, hidden_dims=(16,), latent_dim=2)
    >>> code, reconstruction = ae(torch.zeros(5, 8))
    >>> tuple(code.shape), tuple(reconstruction.shape)
    ((5, 2), (5, 8))
    >>> ae.n_layers
    2
    """

    def __init__(
        self, n_features, hidden_dims=(500, 500, 2000), latent_dim=10, activation="relu",
        dropout=0.0,
    ):
        super().__init__()
        self.n_features = n_features
        self.corruption = Corruption(dropout)
        dims = (n_features, *hidden_dims, latent_dim)
        n_layers = len(dims) - 1
        self.encoder_layers = nn.ModuleList(
            _dense(dims[i], dims[i + 1], activation if i < n_layers - 1 else None)
            for i in range(n_layers)
        )
        self.decoder_layers = nn.ModuleList(
            _dense(dims[i + 1], dims[i], activation if i > 0 else None)
            for i in reversed(range(n_layers))
        )

    def layer_pair(self, i):
        """Encoder layer ``i`` and its mirrored decoder layer, as a module sharing their weights.

        Its forward maps the output of the first ``i`` encoder layers to ``(code, reconstruction)``
        of that input: training it is one step of greedy layer-wise pretraining.
        """
        if not 0 <= i < self.n_layers:
            raise IndexError(f"layer index {i} out of range for {self.n_layers} layers")
        return _LayerPair(
            self.encoder_layers[i], self.decoder_layers[self.n_layers - 1 - i], self.corruption
        )
