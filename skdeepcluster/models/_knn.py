"""The training graph's kNN search: exact, or approximate through faiss for many rows."""

import importlib
import math

import numpy as np
import torch
from torch.nn import functional as F

from ..functional import knn_indices
from ..functional._graph import KNN_CHUNK, _candidates, _exact_scores

#: Values of the graph models' ``knn_algorithm``.
KNN_ALGORITHMS = ("auto", "exact", "approximate")

#: Training rows from which ``knn_algorithm="auto"`` searches approximately, when faiss is
#: installed: below it the exact search takes seconds (BENCHMARKS.md, section 20).
APPROXIMATE_MIN_ROWS = 50_000

#: Inverted lists probed per query, of about ``4 * sqrt(n)``: recall@k of 0.95 or more
#: against the exact graph on the benchmark images (BENCHMARKS.md, section 20).
N_PROBE = 16


def faiss_or_none():
    """The faiss module, or None when it is not installed."""
    try:
        return importlib.import_module("faiss")
    except ImportError:
        return None


def resolve_knn_algorithm(algorithm, n_samples):
    """``"exact"`` or ``"approximate"``: what ``algorithm`` means for ``n_samples`` rows."""
    if algorithm == "approximate" and faiss_or_none() is None:
        raise ImportError(
            "knn_algorithm='approximate' needs faiss: pip install faiss-cpu (or the knn "
            "extra: pip install skdeepcluster[knn]); knn_algorithm='exact' needs nothing"
        )
    if algorithm == "auto":
        big = n_samples >= APPROXIMATE_MIN_ROWS
        return "approximate" if big and faiss_or_none() is not None else "exact"
    return algorithm


def approximate_knn_indices(X, k, *, metric="heat", seed=0, n_probe=N_PROBE):
    """The ``k`` nearest other rows of each row of ``X``, searched approximately.

    A faiss inverted-file index (``IndexIVFFlat``, about ``4 * sqrt(n)`` lists trained by
    k-means from ``seed``) proposes ``2k + 8`` candidates per row from the ``n_probe``
    nearest lists; they are then ranked exactly, in float64, as :func:`knn_indices` ranks
    its candidates (equal scores to the lower index). Rows whose lists held fewer than ``k``
    other rows are searched exactly. Work is O(n * n_probe / n_lists * n), not O(n^2).

    Parameters
    ----------
    X : Tensor of shape (n_samples, n_features)
    k : int
    metric : {"heat", "cosine"}, default="heat"
    seed : int, default=0
        Seeds the k-means of the index's lists.
    n_probe : int, default=N_PROBE

    Returns
    -------
    LongTensor of shape (n_samples, k)
        Nearest first, self excluded, on ``X``'s device.
    """
    faiss = faiss_or_none()
    rows = X.detach().to("cpu", torch.float32)
    if metric == "cosine":  # euclidean order on the unit sphere is cosine order
        rows = F.normalize(rows, dim=1)
    array = np.ascontiguousarray(rows.numpy())
    n, d = array.shape
    n_lists = max(1, min(n // 39, round(4 * math.sqrt(n))))  # faiss wants 39 rows a list
    index = faiss.IndexIVFFlat(faiss.IndexFlatL2(d), d, n_lists)
    index.cp.seed = int(seed)
    index.train(array)
    index.add(array)
    index.nprobe = min(n_probe, n_lists)
    n_candidates = _candidates(k, n - 1)
    _, found = index.search(array, n_candidates + 1)  # its own row is usually among them
    candidates = torch.from_numpy(found)
    # ascending indices first, so that the stable sort below sends ties to the lower index
    candidates = candidates.where(candidates >= 0, n).sort(dim=1).values
    out, short = [], []
    for start in range(0, n, KNN_CHUNK):
        block = candidates[start : start + KNN_CHUNK]
        ids = torch.arange(start, start + len(block)).unsqueeze(1)
        invalid = (block == n) | (block == ids)
        scores = _exact_scores(X[start : start + len(block)].detach().cpu(),
                               X.detach().cpu()[block.clamp(max=n - 1)], metric)
        scores[invalid] = -torch.inf
        order = scores.sort(dim=1, descending=True, stable=True).indices[:, :k]
        out.append(block.gather(1, order))
        short.append((~invalid).sum(dim=1) < k)
    neighbors, short = torch.cat(out), torch.cat(short)
    if short.any():  # too few candidates: these rows are searched exactly
        where = short.nonzero()[:, 0]
        reference = X.detach().cpu()
        exact = knn_indices(reference[where], reference, k + 1, metric=metric)
        for i, row in enumerate(where.tolist()):
            neighbors[row] = exact[i][exact[i] != row][:k]
    return neighbors.to(X.device)
