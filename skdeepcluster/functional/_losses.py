"""Reconstruction losses."""

import torch
import torch.nn.functional as F


def _mse(output, target, reduction):
    return F.mse_loss(output, target, reduction=reduction)


def _bce(output, target, reduction):
    # The decoder emits logits: the sigmoid is folded into the loss for numerical stability.
    return F.binary_cross_entropy_with_logits(output, target, reduction=reduction)


#: Reconstruction losses by name. Each takes ``(output, target, reduction)``.
RECONSTRUCTION_LOSSES = {"mse": _mse, "bce": _bce}


def reconstruction_loss(output, target, kind="mse", reduction="mean"):
    """Reconstruction loss between a decoder output and its target.

    Parameters
    ----------
    output : Tensor of shape (n_samples, n_features)
        Raw decoder output: the reconstruction itself for ``"mse"``, logits for ``"bce"``.
    target : Tensor of shape (n_samples, n_features)
        The data to reconstruct; in [0, 1] for ``"bce"``.
    kind : {"mse", "bce"}, default="mse"
        Mean squared error (Gaussian likelihood) or binary cross-entropy (Bernoulli
        likelihood, for data in [0, 1] such as pixel intensities).
    reduction : {"mean", "sum", "none"}, default="mean"
        As in ``torch.nn.functional``; ``"mean"`` averages over all elements.

    Returns
    -------
    Tensor
        A scalar, or shape (n_samples, n_features) with ``reduction="none"``.
    """
    return RECONSTRUCTION_LOSSES[kind](output, target, reduction)


def kl_clustering_loss(q, p):
    """``KL(P || Q)`` averaged over samples: DEC's clustering loss (Eq. 2).

    Parameters
    ----------
    q : Tensor of shape (n_samples, n_clusters)
        Soft assignments of the model (rows sum to one).
    p : Tensor of shape (n_samples, n_clusters)
        Target distribution (rows sum to one), treated as a constant.

    Returns
    -------
    Tensor
        A scalar, ``sum_ik p_ik log(p_ik / q_ik) / n_samples``.
    """
    return F.kl_div(torch.log(q.clamp_min(torch.finfo(q.dtype).tiny)), p, reduction="batchmean")
