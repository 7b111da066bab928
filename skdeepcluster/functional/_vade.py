"""Variational deep embedding: the Gaussian-mixture prior, the ELBO, DVAE's similarity loss."""

import math

import torch

from ._assignment import squared_euclidean
from ._losses import reconstruction_loss


def mixture_log_joint(z, log_weights, means, log_vars):
    """``log pi_k + log N(z_i | mu_k, diag(sigma_k^2))`` for every sample and component.

    Parameters
    ----------
    z : Tensor of shape (n_samples, latent_dim)
    log_weights : Tensor of shape (n_clusters,)
        Log mixing weights (a log-softmax).
    means : Tensor of shape (n_clusters, latent_dim)
    log_vars : Tensor of shape (n_clusters, latent_dim)
        Log variances of the diagonal Gaussians.

    Returns
    -------
    Tensor of shape (n_samples, n_clusters)
    """
    diff = z.unsqueeze(1) - means.unsqueeze(0)
    log_density = -0.5 * (
        math.log(2.0 * math.pi) + log_vars.unsqueeze(0) + diff.pow(2) / log_vars.exp().unsqueeze(0)
    ).sum(dim=2)
    return log_density + log_weights


def prior_responsibilities(z, log_weights, means, log_vars):
    """``log p(c = k | z_i)`` under the mixture prior, shape (n_samples, n_clusters)."""
    return torch.log_softmax(mixture_log_joint(z, log_weights, means, log_vars), dim=1)


def vade_elbo(
    x, reconstruction, mu, log_var, log_gamma, log_weights, means, log_vars, kind="bce",
):
    """Per-sample evidence lower bound of VaDE (Jiang et al., 2017, Eq. 10; DVAE Eq. 3.6).

    ``E_q[log p(x|z)] - KL(q(z, c | x) || p(z, c))`` with ``q(z|x) = N(mu, diag(exp(log_var)))``,
    ``q(c|x) = gamma`` and the Gaussian-mixture prior; the expectation over ``z`` of the
    prior term is in closed form, the reconstruction term is the one sample (or the mean)
    that produced ``reconstruction``.

    Parameters
    ----------
    x : Tensor of shape (n_samples, n_features)
    reconstruction : Tensor of shape (n_samples, n_features)
        Raw decoder output: Bernoulli logits for ``"bce"``, the Gaussian mean (unit
        variance) for ``"mse"``.
    mu, log_var : Tensor of shape (n_samples, latent_dim)
        The encoder's posterior ``q(z|x)``.
    log_gamma : Tensor of shape (n_samples, n_clusters)
        ``log q(c|x)``.
    log_weights, means, log_vars
        The mixture prior, as in :func:`mixture_log_joint`.
    kind : {"bce", "mse"}, default="bce"

    Returns
    -------
    Tensor of shape (n_samples,)
        The ELBO of each sample (higher is better), in nats.
    """
    if kind == "bce":
        log_likelihood = -reconstruction_loss(reconstruction, x, "bce", reduction="none").sum(1)
    else:
        squared = reconstruction_loss(reconstruction, x, "mse", reduction="none")
        log_likelihood = -0.5 * (squared + math.log(2.0 * math.pi)).sum(dim=1)
    gamma = log_gamma.exp()
    # E_q[log p(z|c)] per component, without the log(2 pi) that cancels against the entropy
    expected_prior = -0.5 * (
        log_vars.unsqueeze(0)
        + (log_var.exp().unsqueeze(1) + (mu.unsqueeze(1) - means.unsqueeze(0)).pow(2))
        / log_vars.exp().unsqueeze(0)
    ).sum(dim=2)
    entropy = 0.5 * (1.0 + log_var).sum(dim=1)
    categorical = (gamma * (log_weights.unsqueeze(0) - log_gamma)).sum(dim=1)
    return log_likelihood + (gamma * expected_prior).sum(dim=1) + categorical + entropy


#: Forms of DVAE's similarity loss: ``(pair scores from the distances, divisor power of B)``.
#: The printed form normalises ``Q`` by a softmax and divides by ``B^2``, which leaves the
#: term nearly constant (BENCHMARKS.md, section 11.3); the other two are the most plausible
#: corrections: the printed form averaged over the batch's samples instead (``B`` times
#: larger), and ``Q`` normalised as a Student's t kernel, ``Q_ij / sum_j Q_ij`` (as t-SNE
#: and DEC do; a softmax of ``log Q``), averaged over the samples.
SIMILARITY_FORMS = {
    "printed": (lambda distance: 1.0 / (1.0 + distance), 2),
    "batch": (lambda distance: 1.0 / (1.0 + distance), 1),
    "kernel": (lambda distance: -torch.log1p(distance), 1),
}


def wasserstein_similarity_loss(gamma, mu, sigma, form="printed"):
    """DVAE's similarity loss on a mini-batch (Ma, 2022, Eqs. 3.8-3.13).

    ``w_ij = sum_k gamma_ik gamma_jk / sum_i gamma_ik`` weighs pairs by shared cluster
    membership; ``Q_ij = 1 / (1 + d_W(i, j))`` with the 2-Wasserstein distance between the
    diagonal Gaussians ``q(z|x_i)`` and ``q(z|x_j)``,
    ``d_W = ||mu_i - mu_j||^2 + ||sigma_i - sigma_j||^2``; the loss as printed is
    ``-(1/B^2) sum_ij w_ij log softmax_j(Q_ij)``. Memory is O(B^2 * latent_dim) for a
    batch of B.

    Parameters
    ----------
    gamma : Tensor of shape (batch, n_clusters)
        Cluster probabilities ``q(c|x)``.
    mu, sigma : Tensor of shape (batch, latent_dim)
        Means and standard deviations of ``q(z|x)``.
    form : {"printed", "batch", "kernel"}, default="printed"
        ``"printed"`` as above; ``"batch"`` the same divided by ``B`` instead of ``B^2``;
        ``"kernel"`` ``-(1/B) sum_ij w_ij log(Q_ij / sum_j Q_ij)`` (see
        :data:`SIMILARITY_FORMS`).

    Returns
    -------
    Tensor
        A scalar.
    """
    scores, power = SIMILARITY_FORMS[form]
    mass = gamma.sum(dim=0).clamp_min(torch.finfo(gamma.dtype).tiny)
    w = (gamma / mass) @ gamma.T
    distance = squared_euclidean(mu, mu) + squared_euclidean(sigma, sigma)
    return -(w * torch.log_softmax(scores(distance), dim=1)).sum() / len(gamma) ** power
