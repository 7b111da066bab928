"""k-nearest-neighbour graphs as sparse tensors (never an n x n dense matrix)."""

import torch

#: Query rows per distance block in :func:`knn_indices`; every block is padded to this size so
#: that a row's neighbours never depend on which other rows were queried with it.
KNN_CHUNK = 256


def _prepare(x, metric):
    if metric == "cosine":
        return torch.nn.functional.normalize(x, dim=1)
    return x


def knn_indices(queries, reference, k, *, metric="heat", exclude_self=False):
    """Indices of the ``k`` nearest rows of ``reference`` for each row of ``queries``.

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

    Returns
    -------
    LongTensor of shape (n_queries, k)
        Nearest first. Memory is O(KNN_CHUNK * n_reference) at a time.
    """
    reference = _prepare(reference, metric)
    ref_sq = reference.pow(2).sum(dim=1)
    n = len(queries)
    out = []
    for start in range(0, n, KNN_CHUNK):
        block = _prepare(queries[start : start + KNN_CHUNK], metric)
        m = len(block)
        if m < KNN_CHUNK:
            block = torch.cat([block, block.new_zeros(KNN_CHUNK - m, block.shape[1])])
        if metric == "cosine":
            score = block @ reference.T
        else:  # negative squared distance, larger is nearer
            score = 2 * block @ reference.T - block.pow(2).sum(dim=1, keepdim=True) - ref_sq
        score = score[:m]
        if exclude_self:
            rows = torch.arange(m, device=score.device)
            score[rows, rows + start] = -torch.inf
        out.append(score.topk(k, dim=1).indices)
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
