"""k-means on tensors: greedy k-means++ seeding and Lloyd iterations, on any device.

Randomness comes from a NumPy ``RandomState`` that the caller owns: only scalars cross
between it and the device, so the same seed gives the same seeding wherever the data live.
"""

import math

import numpy as np
import torch

#: Rows per block when distances to the centres are formed (bounded memory).
_BLOCK = 65536


def _sq_distances(block, centers):
    """Squared euclidean distances, through a matrix product (``torch.cdist``): fast, and
    exact enough to compare distances (not to compute a distance of zero exactly)."""
    return torch.cdist(block, centers).pow(2)


def nearest_center(X, centers):
    """Index of, and squared distance to, the nearest centre of every row of ``X``.

    Parameters
    ----------
    X : Tensor of shape (n_samples, n_features)
    centers : Tensor of shape (n_clusters, n_features)

    Returns
    -------
    labels : Tensor of shape (n_samples,), int64
    distances : Tensor of shape (n_samples,)
    """
    labels, distances = [], []
    for block in X.split(_BLOCK):
        d = _sq_distances(block, centers)
        best = d.min(dim=1)
        labels.append(best.indices)
        distances.append(best.values)
    return torch.cat(labels), torch.cat(distances)


def kmeans_plusplus(X, n_clusters, rng, n_local_trials=None):
    """Greedy k-means++ seeding (Arthur and Vassilvitskii, 2007), as scikit-learn's.

    The first centre is a uniformly drawn row; each next one is the best, by the resulting
    potential, of ``n_local_trials`` rows drawn with probability proportional to their
    squared distance to the nearest centre so far.

    Parameters
    ----------
    X : Tensor of shape (n_samples, n_features)
    n_clusters : int
    rng : numpy.random.RandomState
    n_local_trials : int or None, default=None
        None means ``2 + floor(log(n_clusters))``.

    Returns
    -------
    Tensor of shape (n_clusters,), int64
        Row indices of the chosen centres.
    """
    n_samples = len(X)
    if n_local_trials is None:
        n_local_trials = 2 + int(math.log(n_clusters))
    # the first centre drawn as scikit-learn draws it (``choice`` with uniform weights), so
    # that the same generator gives its seeds
    uniform = np.ones(n_samples)
    indices = [int(rng.choice(n_samples, p=uniform / uniform.sum()))]
    closest = nearest_center(X, X[indices])[1]
    for _ in range(1, n_clusters):
        cumulative = closest.cumsum(dim=0)
        total = float(cumulative[-1])
        if total > 0:
            draws = torch.as_tensor(
                rng.uniform(size=n_local_trials) * total, dtype=X.dtype, device=X.device
            )
            candidates = torch.searchsorted(cumulative, draws).clamp_max(n_samples - 1)
        else:  # every row sits on a centre: any row will do
            candidates = torch.as_tensor(
                rng.randint(n_samples, size=n_local_trials), device=X.device
            )
        to_candidates = torch.cat(
            [_sq_distances(block, X[candidates]) for block in X.split(_BLOCK)]
        )
        trial = torch.minimum(closest.unsqueeze(1), to_candidates)
        best = int(trial.sum(dim=0).argmin())
        indices.append(int(candidates[best]))
        closest = trial[:, best]
    return torch.as_tensor(indices, device=X.device)


def lloyd(X, centers, *, max_iter=300, tol=1e-4):
    """Lloyd's k-means iterations from ``centers``.

    An empty cluster takes the row farthest from its own centre. Iterations stop when the
    squared shift of the centres falls below ``tol`` times the mean variance of the features
    (scikit-learn's criterion), or after ``max_iter``.

    Parameters
    ----------
    X : Tensor of shape (n_samples, n_features)
    centers : Tensor of shape (n_clusters, n_features)
    max_iter : int, default=300
    tol : float, default=1e-4

    Returns
    -------
    centers : Tensor of shape (n_clusters, n_features)
    labels : Tensor of shape (n_samples,)
    inertia : float
        Sum of squared distances of the rows to their centre.
    """
    threshold = tol * float(X.var(dim=0, unbiased=False).mean())
    n_clusters = len(centers)
    for _ in range(max_iter):
        labels, distances = nearest_center(X, centers)
        counts = torch.bincount(labels, minlength=n_clusters)
        empty = (counts == 0).nonzero().flatten()
        if len(empty):
            far = distances.argsort(descending=True)[: len(empty)]
            labels[far] = empty
            counts = torch.bincount(labels, minlength=n_clusters)
        sums = torch.zeros_like(centers).index_add_(0, labels, X)
        new = sums / counts.unsqueeze(1).to(X.dtype)
        shift = float((new - centers).pow(2).sum())
        centers = new
        if shift <= threshold:
            break
    labels, distances = nearest_center(X, centers)
    return centers, labels, float(distances.sum())
