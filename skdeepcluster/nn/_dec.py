"""DEC / IDEC: an autoencoder with learnable cluster centres in its code space."""

import torch
from torch import nn

from ..functional import kl_clustering_loss, reconstruction_loss, student_t_assignment


class StudentTClusterer(nn.Module):
    """An autoencoder plus ``n_clusters`` centres in its code space (DEC's clustering layer).

    Parameters
    ----------
    autoencoder : MLPAutoencoder or ConvAutoencoder
    n_clusters : int
    dof : float, default=1.0
        Degrees of freedom of the Student's t kernel.
    reconstruct : bool, default=True
        Decode in ``forward`` (IDEC); DEC drops the decoder and skips it.

    Forward returns ``(code, reconstruction or None, q)`` with ``q`` of shape
    (n_samples, n_clusters).

    Examples
    --------
    >>> import torch
    >>> from skdeepcluster.nn import MLPAutoencoder, StudentTClusterer
    >>> model = StudentTClusterer(MLPAutoencoder(6, hidden_dims=(8,), latent_dim=2), n_clusters=3)
    >>> code, reconstruction, q = model(torch.zeros(4, 6))
    >>> tuple(code.shape), tuple(reconstruction.shape), tuple(q.shape)
    ((4, 2), (4, 6), (4, 3))
    >>> bool(torch.allclose(q.sum(dim=1), torch.ones(4)))
    True
    """

    def __init__(self, autoencoder, n_clusters, dof=1.0, reconstruct=True):
        super().__init__()
        self.autoencoder = autoencoder
        self.centers = nn.Parameter(torch.zeros(n_clusters, autoencoder.latent_dim))
        self.dof = dof
        self.reconstruct = reconstruct

    def assign(self, x):
        """Soft assignment ``q`` of a batch, shape (n_samples, n_clusters)."""
        return student_t_assignment(self.autoencoder.encode(x), self.centers, self.dof)

    def forward(self, x):
        z = self.autoencoder.encode(x)
        x_hat = self.autoencoder.decode(z) if self.reconstruct else None
        return z, x_hat, student_t_assignment(z, self.centers, self.dof)


class SelfTrainingLoss(nn.Module):
    """``KL(P || Q) + gamma * reconstruction``: the loss of DEC (gamma 0) and IDEC.

    ``target`` (the target distribution P of every training sample, shape
    (n_samples, n_clusters)) is set by :class:`~skdeepcluster.training.TargetRefresh`;
    a batch reads its rows by sample index.

    Parameters
    ----------
    gamma : float, default=0.0
        Weight of the reconstruction loss.
    reconstruction : {"mse", "bce"}, default="mse"

    Examples
    --------
    The target is set by hand here; in training :class:`~skdeepcluster.training.TargetRefresh`
    sets it.

    >>> import torch
    >>> from skdeepcluster.nn import MLPAutoencoder, SelfTrainingLoss, StudentTClusterer
    >>> model = StudentTClusterer(MLPAutoencoder(6, hidden_dims=(8,), latent_dim=2), n_clusters=3)
    >>> criterion = SelfTrainingLoss(gamma=0.1)
    >>> criterion.target = torch.full((10, 3), 1 / 3)  # P of 10 training samples
    >>> X, index = torch.zeros(4, 6), torch.tensor([0, 3, 5, 9])
    >>> loss = criterion(model(X), X, index)
    >>> loss.shape, bool(torch.isfinite(loss))
    (torch.Size([]), True)
    """

    def __init__(self, gamma=0.0, reconstruction="mse"):
        super().__init__()
        self.gamma = gamma
        self.reconstruction = reconstruction
        self.target = None

    def forward(self, output, X, index):
        _, x_hat, q = output
        loss = kl_clustering_loss(q, self.target[index.to(self.target.device)])
        if self.gamma:
            loss = loss + self.gamma * reconstruction_loss(x_hat, X, self.reconstruction)
        return loss
