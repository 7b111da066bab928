"""Loss modules handed to the training loop as its criterion."""

import torch
from torch import nn

from ..functional import reconstruction_loss


class ReconstructionLoss(nn.Module):
    """Criterion for autoencoder training: ``output`` is ``(code, reconstruction)``.

    Parameters
    ----------
    kind : {"mse", "bce"}, default="mse"
        See :func:`skdeepcluster.functional.reconstruction_loss`.
    views : sequence of int or None, default=None
        Widths of the views that sit side by side in ``X``: the loss is then the mean over
        views of each view's mean loss, so that a narrow view weighs as much as a wide one.
        None averages over all features.

    Examples
    --------
    Only the reconstruction, the second item of ``output``, is compared with ``X``:

    >>> import torch
    >>> from skdeepcluster.nn import ReconstructionLoss
    >>> code, reconstruction = torch.zeros(4, 2), torch.ones(4, 5)
    >>> float(ReconstructionLoss()((code, reconstruction), torch.zeros(4, 5)))
    1.0
    >>> float(ReconstructionLoss(views=[2, 3])((code, reconstruction), torch.zeros(4, 5)))
    1.0
    """

    def __init__(self, kind="mse", views=None):
        super().__init__()
        self.kind = kind
        self.views = None if views is None else [int(v) for v in views]

    def forward(self, output, X, index=None):
        if self.views is None:
            return reconstruction_loss(output[1], X, self.kind)
        losses = reconstruction_loss(output[1], X, self.kind, reduction="none")
        return torch.stack([part.mean() for part in losses.split(self.views, dim=1)]).mean()


class TargetLoss(nn.Module):
    """Loss of a module's output against fixed per-sample targets, read by index.

    For training a part of a network to regress onto given values (DMAE's kernel
    pretraining: the encoder onto random Fourier features, then the decoder from the fixed
    code back onto the data).

    Parameters
    ----------
    targets : Tensor of shape (n_samples, n_outputs)
        Target of every training sample.
    kind : {"mse", "bce"}, default="mse"
        See :func:`skdeepcluster.functional.reconstruction_loss`.

    Examples
    --------
    >>> import torch
    >>> from skdeepcluster.nn import TargetLoss
    >>> criterion = TargetLoss(torch.ones(10, 2))  # targets of 10 training samples
    >>> index = torch.tensor([0, 4, 7])  # the batch's rows among them
    >>> float(criterion(torch.zeros(3, 2), None, index))
    1.0
    """

    def __init__(self, targets, kind="mse"):
        super().__init__()
        self.register_buffer("targets", targets)
        self.kind = kind

    def forward(self, output, X, index):
        return reconstruction_loss(output, self.targets[index.to(self.targets.device)], self.kind)
