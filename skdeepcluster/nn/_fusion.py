"""Multiview deep fusion autoencoder: view-specific stacked autoencoders under a common one."""

import torch
from torch import nn

from ._autoencoder import MLPAutoencoder


class FusionAutoencoder(nn.Module):
    """View-specific autoencoders whose codes a view-common autoencoder fuses.

    The input is the views side by side (consecutive column blocks of widths ``views``).
    Each view ``v`` has its own stacked autoencoder ``x_v -> h_v -> x_v`` (Deep Fusion GMM,
    Li et al. 2020, Eqs. 8-9); the view codes are concatenated, ``h = [h_1, ..., h_V]``
    (Eq. 10), and a common stacked autoencoder maps ``h`` to the fused code ``f`` and back
    (Eq. 11). End to end, ``x -> f -> x`` passes through the view encoders, the common
    encoder and decoder, then each view's decoder.

    Parameters
    ----------
    views : sequence of int
        Width of each view.
    view_hidden_dims : sequence of tuple of int
        Encoder widths of each view's autoencoder, one tuple per view.
    view_latent_dim : int
        Width of each view's code.
    hidden_dims : tuple of int
        Encoder widths of the common autoencoder.
    latent_dim : int
        Width of the fused code.
    activation : str, default="relu"
    dropout : float, default=0.0
        Input corruption of every autoencoder while training (see :class:`MLPAutoencoder`).

    Examples
    --------
    >>> import torch
    >>> net = FusionAutoencoder([3, 5], [(8,), (8,)], 2, hidden_dims=(6,), latent_dim=2)
    >>> fused, reconstruction = net(torch.zeros(4, 8))
    >>> tuple(fused.shape), tuple(reconstruction.shape)
    ((4, 2), (4, 8))
    """

    def __init__(
        self, views, view_hidden_dims, view_latent_dim, hidden_dims, latent_dim,
        activation="relu", dropout=0.0,
    ):
        super().__init__()
        self.views = [int(v) for v in views]
        self.view_latent_dim = view_latent_dim
        self.view_autoencoders = nn.ModuleList(
            MLPAutoencoder(width, dims, view_latent_dim, activation=activation, dropout=dropout)
            for width, dims in zip(self.views, view_hidden_dims)
        )
        self.common = MLPAutoencoder(
            len(self.views) * view_latent_dim, hidden_dims, latent_dim, activation=activation,
            dropout=dropout,
        )

    def split(self, x):
        """The views of ``x``, a tuple of column blocks."""
        return x.split(self.views, dim=1)

    def view_codes(self, x):
        """Code of each view, a list of tensors of shape (n_samples, view_latent_dim)."""
        return [ae.encode(part) for ae, part in zip(self.view_autoencoders, self.split(x))]

    def encode(self, x):
        """Fused code, shape (n_samples, latent_dim)."""
        return self.common.encode(torch.cat(self.view_codes(x), dim=1))

    def decode(self, fused):
        """Raw reconstruction of all views, shape (n_samples, sum(views))."""
        codes = self.common.decode(fused).split(self.view_latent_dim, dim=1)
        return torch.cat(
            [ae.decode(code) for ae, code in zip(self.view_autoencoders, codes)], dim=1
        )

    def forward(self, x):
        """Return ``(fused code, raw reconstruction of every view)``."""
        fused = self.encode(x)
        return fused, self.decode(fused)
