"""Distances and soft cluster assignments."""

import torch


def squared_euclidean(x, centers):
    """Squared euclidean distance of every row of ``x`` to every centre.

    Parameters
    ----------
    x : Tensor of shape (n_samples, n_features)
    centers : Tensor of shape (n_clusters, n_features)

    Returns
    -------
    Tensor of shape (n_samples, n_clusters)
        ``d[i, k] = ||x_i - centers_k||^2``, computed as an explicit difference (not the
        ``|x|^2 - 2 x.c + |c|^2`` expansion) so that it is exact for points on a centre
        and never negative. Memory is O(n_samples * n_clusters * n_features).
    """
    return _sqeuclidean(x.unsqueeze(1), centers.unsqueeze(0))


def _sqeuclidean(x, c):
    """``||x - c||^2`` over the last axis of broadcastable tensors."""
    return (x - c).pow(2).sum(dim=-1)


def student_t_assignment(x, centers, dof=1.0):
    """Soft assignment with a Student's t kernel (DEC, Xie et al. 2016, Eq. 1).

    ``q[i, k]`` is proportional to ``(1 + ||x_i - mu_k||^2 / dof) ** (-(dof + 1) / 2)``
    and each row sums to one.

    Parameters
    ----------
    x : Tensor of shape (n_samples, n_features)
    centers : Tensor of shape (n_clusters, n_features)
    dof : float, default=1.0
        Degrees of freedom of the kernel; DEC uses 1.

    Returns
    -------
    Tensor of shape (n_samples, n_clusters)
        Rows sum to one; the arg-max of a row is the nearest centre.
    """
    dist = squared_euclidean(x, centers)
    # Work with logarithms so that far-away points do not underflow to an all-zero row.
    log_kernel = -(dof + 1.0) / 2.0 * torch.log1p(dist / dof)
    return torch.softmax(log_kernel, dim=1)


def target_distribution(q):
    """DEC's auxiliary target distribution (Xie et al. 2016, Eq. 3).

    ``p[i, k]`` is proportional to ``q[i, k] ** 2 / f_k`` with ``f_k = sum_i q[i, k]``: it
    sharpens the soft assignments and divides by the cluster sizes so that large clusters do
    not absorb the others. The cluster sizes are sums over *all* rows of ``q``, so pass the
    assignments of the whole data set.

    Parameters
    ----------
    q : Tensor of shape (n_samples, n_clusters)
        Soft assignments, rows summing to one.

    Returns
    -------
    Tensor of shape (n_samples, n_clusters)
        Rows sum to one.
    """
    weight = q.pow(2) / q.sum(dim=0)
    return weight / weight.sum(dim=1, keepdim=True)
