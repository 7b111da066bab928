"""Dissimilarities between samples and cluster parameters (DMAE, Lara and Gonzalez 2020).

Each dissimilarity is written once, as a function of broadcastable tensors
``x`` of shape (..., n_features) and ``c`` of shape (..., n_features) returning shape (...).
:func:`pairwise_dissimilarity` evaluates it between every sample and every centre (the
DM encoder), :func:`assigned_dissimilarity` between each sample and its own soft-assigned
parameters ``sum_k w_ik theta_k`` (the DM decoder and the clustering loss).

The public functions below are the pairwise forms, ``d(x, centers, **params)`` with ``x`` of
shape (n_samples, n_features), ``centers`` of shape (n_clusters, n_features) and a result of
shape (n_samples, n_clusters). Memory is O(n_samples * n_clusters * n_features) (explicit
differences, exact on a centre); mahalanobis also O(n_samples * n_clusters * n_features**2)
in time.
"""

import torch
import torch.nn.functional as F

from ._assignment import _sqeuclidean, squared_euclidean

__all__ = [
    "DISSIMILARITIES",
    "assigned_dissimilarity",
    "chebyshev",
    "cosine",
    "dot",
    "euclidean",
    "itakura_saito",
    "kullback_leibler",
    "mahalanobis",
    "manhattan",
    "minkowski",
    "pairwise_dissimilarity",
    "toroidal",
]


def _safe_root(value, p=2.0):
    """``value ** (1 / p)`` for ``value >= 0`` with a zero (not infinite) gradient at 0.

    A point that sits exactly on a centre (a centre seeded on a sample) would otherwise turn
    every gradient into NaN.
    """
    positive = value > 0
    safe = torch.where(positive, value, torch.ones_like(value))
    return torch.where(positive, safe.pow(1.0 / p), torch.zeros_like(value))


# ---------------------------------------------------------------- element-wise cores
def _euclidean(x, c):
    return _safe_root(_sqeuclidean(x, c))


def _manhattan(x, c):
    return (x - c).abs().sum(dim=-1)


def _minkowski(x, c, p=2.0):
    if p < 1:
        raise ValueError(f"minkowski needs p >= 1 (a convex dissimilarity), got p={p!r}")
    return _safe_root((x - c).abs().pow(p).sum(dim=-1), p)


def _chebyshev(x, c):
    return (x - c).abs().amax(dim=-1)


def _cosine(x, c):
    return 1.0 - F.cosine_similarity(x, c, dim=-1, eps=1e-8)


def _dot(x, c):
    return -(x * c).sum(dim=-1)


def _kullback_leibler(x, c):
    log_p = torch.log_softmax(x, dim=-1)
    log_q = torch.log_softmax(c, dim=-1)
    return (log_p.exp() * (log_p - log_q)).sum(dim=-1)


def _itakura_saito(x, c):
    # Both arguments must be positive; a centre pushed to zero by a gradient step is held
    # at the smallest positive float instead of turning the loss into NaN.
    ratio = x / c.clamp_min(torch.finfo(c.dtype).tiny)
    return (ratio - torch.log(ratio) - 1.0).sum(dim=-1)


def _wrap(diff, period):
    period = torch.as_tensor(period, dtype=diff.dtype, device=diff.device)
    return diff - period * torch.round(diff / period)


def _toroidal(x, c, period=1.0):
    return _safe_root(_wrap(x - c, period).pow(2).sum(dim=-1))


_CORES = {
    "euclidean": _euclidean,
    "sqeuclidean": _sqeuclidean,
    "manhattan": _manhattan,
    "minkowski": _minkowski,
    "chebyshev": _chebyshev,
    "cosine": _cosine,
    "dot": _dot,
    "kullback_leibler": _kullback_leibler,
    "itakura_saito": _itakura_saito,
    "toroidal": _toroidal,
}


# ---------------------------------------------------------------- mahalanobis
def _mahalanobis_quadratic(diff, factors):
    """``||diff @ L||^2`` for ``diff`` (..., D) and ``factors`` L broadcastable to (..., D, D)."""
    return (diff.unsqueeze(-2) @ factors).squeeze(-2).pow(2).sum(dim=-1)


def mahalanobis(x, centers, factors):
    """Squared Mahalanobis distance ``(x - mu_k)^T A_k (x - mu_k)`` with ``A_k = L_k L_k^T``.

    ``A_k`` plays the role of an inverse covariance. It is parameterised by a factor
    ``L_k`` so that it stays positive semi-definite under any gradient step. The square
    (the quadratic form of a Gaussian, as in the DMAE reference code; Table 1 of the paper
    writes its square root) makes the mixture's posterior that of a Gaussian mixture up to
    the normalising constants, which the learned mixing weights absorb.

    Parameters
    ----------
    x : Tensor of shape (n_samples, n_features)
    centers : Tensor of shape (n_clusters, n_features)
    factors : Tensor of shape (n_clusters, n_features, n_features)

    Returns
    -------
    Tensor of shape (n_samples, n_clusters)
    """
    return _mahalanobis_quadratic(x.unsqueeze(1) - centers.unsqueeze(0), factors)


# ---------------------------------------------------------------- the two evaluations
def _check_name(dissimilarity):
    if dissimilarity not in _CORES and dissimilarity != "mahalanobis":
        raise ValueError(
            f"unknown dissimilarity {dissimilarity!r}; choose one of "
            f"{sorted([*_CORES, 'mahalanobis'])} or pass a callable"
        )


def pairwise_dissimilarity(dissimilarity, x, centers, **params):
    """Dissimilarity of every sample to every centre.

    Parameters
    ----------
    dissimilarity : str or callable
        A key of :data:`DISSIMILARITIES`, or a callable ``d(x, centers, **params)`` returning
        shape (n_samples, n_clusters).
    x : Tensor of shape (n_samples, n_features)
    centers : Tensor of shape (n_clusters, n_features)
    **params
        The dissimilarity's own parameters (``p``, ``period``, ``factors``).

    Returns
    -------
    Tensor of shape (n_samples, n_clusters)
    """
    if callable(dissimilarity):
        return dissimilarity(x, centers, **params)
    _check_name(dissimilarity)
    if dissimilarity == "mahalanobis":
        return mahalanobis(x, centers, **params)
    return _CORES[dissimilarity](x.unsqueeze(1), centers.unsqueeze(0), **params)


def assigned_dissimilarity(dissimilarity, x, centers, weights, **params):
    """Dissimilarity of each sample to its soft-assigned parameters (DMAE Eqs. 11-12).

    Sample ``i`` is compared with ``theta~_i = sum_k weights[i, k] * theta_k``. For
    mahalanobis, ``theta_k = (mu_k, A_k)`` and both parts are combined:
    ``d = (x - mu~)^T (sum_k w_k A_k) (x - mu~)``, computed without forming the combined
    matrices.

    Parameters
    ----------
    dissimilarity : str or callable
        As in :func:`pairwise_dissimilarity`. A callable is evaluated between the batch and
        its own ``theta~`` rows and the diagonal kept: O(n_samples**2) for that call.
    x : Tensor of shape (n_samples, n_features)
    centers : Tensor of shape (n_clusters, n_features)
    weights : Tensor of shape (n_samples, n_clusters)
        Soft assignments; rows sum to one.
    **params
        As in :func:`pairwise_dissimilarity`.

    Returns
    -------
    Tensor of shape (n_samples,)
    """
    theta = weights @ centers
    if callable(dissimilarity):
        return dissimilarity(x, theta, **params).diagonal()
    _check_name(dissimilarity)
    if dissimilarity == "mahalanobis":
        diff = (x - theta).unsqueeze(1)  # (n, 1, D), broadcast against the K factors
        quadratic = _mahalanobis_quadratic(diff, params["factors"])  # (n, K)
        return (weights * quadratic).sum(dim=1)
    return _CORES[dissimilarity](x, theta, **params)


def _pairwise(name, doc):
    def function(x, centers, **params):
        return pairwise_dissimilarity(name, x, centers, **params)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = doc + """

    Parameters
    ----------
    x : Tensor of shape (n_samples, n_features)
    centers : Tensor of shape (n_clusters, n_features)

    Returns
    -------
    Tensor of shape (n_samples, n_clusters)
    """
    return function


euclidean = _pairwise("euclidean", "Euclidean distance ``||x - c||``.")
manhattan = _pairwise("manhattan", "Manhattan (city-block) distance ``sum_j |x_j - c_j|``.")
minkowski = _pairwise(
    "minkowski",
    "Minkowski distance ``(sum_j |x_j - c_j|^p)^(1/p)``; keyword ``p >= 1`` (default 2).",
)
chebyshev = _pairwise("chebyshev", "Chebyshev distance ``max_j |x_j - c_j|``.")
cosine = _pairwise("cosine", "Cosine dissimilarity ``1 - x.c / (||x|| ||c||)``.")
dot = _pairwise(
    "dot",
    "Negative dot product ``-x.c``; with ``alpha=1`` the mixture is a softmax layer. "
    "Unbounded below: the centres' norm needs another constraint to stay finite.",
)
kullback_leibler = _pairwise(
    "kullback_leibler",
    "Kullback-Leibler divergence ``KL(softmax(x) || softmax(c))`` between the "
    "softmax-normalised vectors, so any real vectors are accepted.",
)
itakura_saito = _pairwise(
    "itakura_saito",
    "Itakura-Saito divergence ``sum_j x_j / c_j - log(x_j / c_j) - 1`` (positive data).",
)
toroidal = _pairwise(
    "toroidal",
    "Euclidean distance on a torus: each coordinate difference is wrapped into "
    "``[-period / 2, period / 2]``; keyword ``period`` (float or one per feature, default 1).",
)

#: Pairwise dissimilarities by name: ``d(x, centers, **params) -> (n_samples, n_clusters)``.
DISSIMILARITIES = {
    "euclidean": euclidean,
    "sqeuclidean": squared_euclidean,
    "manhattan": manhattan,
    "minkowski": minkowski,
    "chebyshev": chebyshev,
    "cosine": cosine,
    "dot": dot,
    "mahalanobis": mahalanobis,
    "kullback_leibler": kullback_leibler,
    "itakura_saito": itakura_saito,
    "toroidal": toroidal,
}
