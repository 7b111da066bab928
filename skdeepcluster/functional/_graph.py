"""k-nearest-neighbour graphs as sparse tensors (never an n x n dense matrix)."""

import torch

#: Query rows per distance block in :func:`knn_indices`: memory is O(KNN_CHUNK * n_reference)
#: at a time.
KNN_CHUNK = 256


def _candidates(k, n_reference):
    """Rows ranked again exactly per query: ``2k + 8``, so that only near-ties at the edge of
    a much longer list could tell the float32 ranking apart from the exact one."""
    return min(n_reference, 2 * k + 8)


def reference_norms(reference, metric="heat"):
    """What :func:`knn_indices` needs of ``reference`` beyond its rows, shape (n_reference,):
    the squared norms (``"heat"``) or the norms (``"cosine"``). Pass it to repeated searches
    over the same reference to save an O(n_reference * n_features) pass each."""
    norms = torch.linalg.vector_norm(reference, dim=1)
    return norms.square() if metric == "heat" else norms


def _best_columns(score, n):
    """Column indices of the ``n`` largest scores of each row, ascending; of equal scores at
    the edge, the lowest columns (``topk`` leaves that choice open)."""
    edge = score.topk(n, dim=1).values[:, -1:]
    above = score > edge
    tied = score == edge
    wanted = n - above.sum(dim=1, keepdim=True)
    chosen = above | (tied & (tied.cumsum(dim=1, dtype=torch.int32) <= wanted))
    return chosen.nonzero()[:, 1].view(len(score), n)


def _exact_scores(queries, rows, metric):
    """Larger-is-nearer scores of ``rows`` (m, c, d) for ``queries`` (m, d), in float64 and
    elementwise per row, so that a row's scores do not depend on the other queries."""
    q, r = queries.double().unsqueeze(1), rows.double()
    if metric == "cosine":
        q = torch.nn.functional.normalize(q, dim=2)
        return (q * torch.nn.functional.normalize(r, dim=2)).sum(dim=2)
    return -(r - q).square().sum(dim=2)


def _rank_candidates(queries, reference, candidates, k, metric, excluded=None):
    """The ``k`` best of each query's ``candidates`` (columns into ``reference``, ascending
    for equal scores to go to the lower index), by :func:`_exact_scores`; ``excluded``
    (a boolean mask like ``candidates``) marks entries that may not be chosen."""
    exact = _exact_scores(queries, reference[candidates], metric)
    if excluded is not None:
        exact[excluded] = -torch.inf
    order = exact.sort(dim=1, descending=True, stable=True).indices[:, :k]
    return candidates.gather(1, order)


def knn_indices(queries, reference, k, *, metric="heat", exclude_self=False, norms=None):
    """Indices of the ``k`` nearest rows of ``reference`` for each row of ``queries``.

    Two stages: a float32 matrix product ranks every reference row, then the best
    ``2k + 8`` are ranked again by scores computed in float64 row by row; equal scores go to
    the lower index in both. A matrix product's rounding depends on its shape (on how many
    rows are queried together), the exact ranking does not: a row's neighbours are the same
    whichever rows are queried with it (unless more than ``2k + 8`` reference rows lie
    within float32 rounding of the last candidate), and no block is padded.

    Parameters
    ----------
    queries : Tensor of shape (n_queries, n_features)
    reference : Tensor of shape (n_reference, n_features)
    k : int
    metric : {"heat", "cosine"}, default="heat"
        ``"heat"`` ranks by euclidean distance (the heat kernel ``exp(-d^2 / t)`` is
        decreasing in it), ``"cosine"`` by cosine similarity.
    exclude_self : bool, default=False
        ``queries`` is ``reference``: row ``i`` is not its own neighbour.
    norms : Tensor of shape (n_reference,) or None, default=None
        :func:`reference_norms` of ``reference`` for ``metric``, if already computed.

    Returns
    -------
    LongTensor of shape (n_queries, k)
        Nearest first. Memory is O(KNN_CHUNK * n_reference) at a time.
    """
    if norms is None:
        norms = reference_norms(reference, metric)
    n_candidates = _candidates(k, len(reference))
    out = []
    for start in range(0, len(queries), KNN_CHUNK):
        block = queries[start : start + KNN_CHUNK]
        products = block @ reference.T
        if metric == "cosine":  # the query's own norm does not change its ranking
            score = products / norms.clamp_min(torch.finfo(norms.dtype).tiny)
        else:  # the squared distance less the query's squared norm, negated
            score = 2.0 * products - norms
        rows = torch.arange(len(block), device=score.device)
        if exclude_self:
            score[rows, rows + start] = -torch.inf
        candidates = _best_columns(score, n_candidates)
        own = candidates == (rows + start).unsqueeze(1) if exclude_self else None
        out.append(_rank_candidates(block, reference, candidates, k, metric, own))
    return torch.cat(out)


def knn_graph(neighbors, n_nodes):
    """Symmetric, self-looped, row-normalised adjacency of a kNN graph (SDCN's graph).

    Edges are binary: ``A[i, j] = 1`` when ``j`` is among the neighbours of ``i`` or ``i``
    among those of ``j``; self-loops are added and each row is divided by its degree:
    ``D^-1 (A + I)``.

    Parameters
    ----------
    neighbors : LongTensor of shape (n_nodes, k)
        Neighbour indices, self excluded (see :func:`knn_indices`).
    n_nodes : int

    Returns
    -------
    sparse Tensor of shape (n_nodes, n_nodes)
        Coalesced COO tensor with at most ``n_nodes * (2k + 1)`` entries.
    """
    k = neighbors.shape[1]
    rows = torch.arange(n_nodes, device=neighbors.device).repeat_interleave(k)
    cols = neighbors.reshape(-1)
    loops = torch.arange(n_nodes, device=neighbors.device)
    pairs = [torch.stack([rows, cols]), torch.stack([cols, rows]), torch.stack([loops, loops])]
    index = torch.cat(pairs, dim=1)
    ones = torch.ones(index.shape[1], dtype=torch.float32, device=neighbors.device)
    adjacency = torch.sparse_coo_tensor(index, ones, (n_nodes, n_nodes), check_invariants=True)
    adjacency = adjacency.coalesce()
    index, values = adjacency.indices(), adjacency.values().clamp(max=1.0)
    degree = values.new_zeros(n_nodes).index_add_(0, index[0], values)
    normalised = values / degree[index[0]]
    return torch.sparse_coo_tensor(
        index, normalised, (n_nodes, n_nodes), is_coalesced=True, check_invariants=True
    )
