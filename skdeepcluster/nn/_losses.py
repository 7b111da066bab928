"""Loss modules handed to the training loop as its criterion."""

from torch import nn

from ..functional import reconstruction_loss


class ReconstructionLoss(nn.Module):
    """Criterion for autoencoder training: ``output`` is ``(code, reconstruction)``.

    Parameters
    ----------
    kind : {"mse", "bce"}, default="mse"
        See :func:`skdeepcluster.functional.reconstruction_loss`.
    """

    def __init__(self, kind="mse"):
        super().__init__()
        self.kind = kind

    def forward(self, output, X, index=None):
        return reconstruction_loss(output[1], X, self.kind)
