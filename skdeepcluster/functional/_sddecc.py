"""Losses of SDDECC: the Jensen-Shannon mutual-information bound and the Gaussian KL terms."""

import math

import torch
import torch.nn.functional as F


def jsd_mutual_information_loss(positive, negative):
    """Negated Jensen-Shannon bound on the mutual information (SDDECC Eqs. 9-12).

    ``softplus(-T(x, z))`` averaged over the matched pairs plus ``softplus(T(x, z'))``
    averaged over the mismatched ones: ``-(E_P[log sigma(T)] + E_N[log(1 - sigma(T))])`` in
    nats (the paper's log base 2 is a constant factor). Any trailing dimensions (the
    ``M x M`` positions of the local critic) are averaged too.

    Parameters
    ----------
    positive, negative : Tensor
        Critic scores of matched and of mismatched (input, code) pairs.

    Returns
    -------
    Tensor
        A scalar; 2 log 2 when the critic cannot tell the pairs apart.
    """
    return F.softplus(-positive).mean() + F.softplus(negative).mean()


def standard_normal_kl(mu, log_var):
    """``KL(N(mu, diag exp(log_var)) || N(0, I))`` per sample, shape (n_samples,)."""
    return 0.5 * (mu.square() + log_var.exp() - 1.0 - log_var).sum(dim=1)


def cluster_gaussian_kl(z, log_var, y, means, cluster_log_var=0.0):
    """Clustering KL of SDDECC (Eq. 18): ``KL(p(z|x) p(y|z) || q(z|y) q(y))`` per sample.

    With ``p(z|x) = N(mu, diag exp(log_var))`` (``z`` one reparameterised draw of it),
    ``p(y|z) = y``, ``q(z|y) = N(means_y, s^2 I)`` and a uniform ``q(y)`` over K clusters::

        sum_k y_k (0.5 ||z - means_k||^2 / s^2 + log(K y_k)) + 0.5 d log s^2
            - 0.5 sum_d (1 + log_var_d)

    (the Gaussian entropy in closed form, the cross term by the draw; ``d`` the code's
    width). It pulls each code towards the means of its clusters while keeping every ``y``
    from collapsing. The paper's clusters have unit variance, ``s^2 = 1``.

    Parameters
    ----------
    z, log_var : Tensor of shape (n_samples, latent_dim)
    y : Tensor of shape (n_samples, n_clusters)
        Rows sum to 1.
    means : Tensor of shape (n_clusters, latent_dim)
    cluster_log_var : float or Tensor of shape (), default=0.0
        ``log s^2``, the log-variance shared by the clusters.

    Returns
    -------
    Tensor of shape (n_samples,)
    """
    cluster_log_var = torch.as_tensor(cluster_log_var, dtype=z.dtype, device=z.device)
    squared = torch.cdist(z, means).square() * torch.exp(-cluster_log_var)
    log_y = torch.log(y.clamp_min(torch.finfo(y.dtype).tiny)) + math.log(y.shape[1])
    return ((y * (0.5 * squared + log_y)).sum(dim=1) + 0.5 * z.shape[1] * cluster_log_var
            - 0.5 * (1.0 + log_var).sum(dim=1))
