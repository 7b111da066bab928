"""The training graph's kNN search: exact, or approximate through faiss for many rows."""

import importlib
import math

import numpy as np
import torch
from torch.nn import functional as F

from ..functional import knn_indices
from ..functional._graph import KNN_CHUNK, _candidates, _rank_candidates

#: Values of the graph models' ``knn_algorithm``.
KNN_ALGORITHMS = ("auto", "exact", "approximate")

#: Training rows from which ``knn_algorithm="auto"`` searches approximately, when faiss is
#: installed: below it the exact search takes under a minute on 2 CPU cores (46.5 s at
#: 50,000 MNIST images; BENCHMARKS.md, section 20.2).
APPROXIMATE_MIN_ROWS = 50_000

#: Inverted lists probed per query: at least ``N_PROBE``, and one in ``PROBED_SHARE`` of the
#: about ``4 * sqrt(n)`` lists, so that the share of the rows scanned does not shrink as the
#: rows grow. 16 of 1,058 lists on all of MNIST: recall@3 of 0.991 against the exact graph;
#: on a million rows of 64 features, 16 lists gave 0.63 where 64 gave 0.99
#: (BENCHMARKS.md, sections 20.2 and 20.4).
N_PROBE = 16
PROBED_SHARE = 64

#: Rows per faiss search call: the search's buffers grow with the rows times the lists
#: probed, and stay bounded by this.
SEARCH_BLOCK = 2**16


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


def inverted_lists(n_samples):
    """Lists of the approximate search's index: about ``4 * sqrt(n)``, at least 39 rows
    each (faiss's minimum for training its k-means)."""
    return max(1, min(n_samples // 39, round(4 * math.sqrt(n_samples))))


def default_n_probe(n_samples):
    """Lists probed per row by default: ``max(N_PROBE, n_lists // PROBED_SHARE)``."""
    return max(N_PROBE, inverted_lists(n_samples) // PROBED_SHARE)


def approximate_knn_indices(X, k, *, metric="heat", seed=0, n_probe=None):
    """The ``k`` nearest other rows of each row of ``X``, searched approximately.

    A faiss inverted-file index (``IndexIVFFlat``, about ``4 * sqrt(n)`` lists trained by
    k-means from ``seed``) proposes ``2k + 8`` candidates per row from its ``n_probe``
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
    n_probe : int or None, default=None
        Lists probed per row; None means :func:`default_n_probe`.

    Returns
    -------
    LongTensor of shape (n_samples, k)
        Nearest first, self excluded, on ``X``'s device.
    """
    faiss = faiss_or_none()
    reference = X.detach().cpu()  # once: X may live on a GPU
    rows = reference.float()
    if metric == "cosine":  # euclidean order on the unit sphere is cosine order
        rows = F.normalize(rows, dim=1)
    array = np.ascontiguousarray(rows.numpy())
    n, d = array.shape
    n_lists = inverted_lists(n)
    index = faiss.IndexIVFFlat(faiss.IndexFlatL2(d), d, n_lists)
    index.cp.seed = int(seed)
    index.train(array)
    index.add(array)
    index.nprobe = min(n_probe or default_n_probe(n), n_lists)
    n_candidates = _candidates(k, n - 1)
    # a row's own index is usually among its candidates; each row's search is independent
    found = [index.search(array[start : start + SEARCH_BLOCK], n_candidates + 1)[1]
             for start in range(0, n, SEARCH_BLOCK)]
    candidates = torch.from_numpy(np.concatenate(found))
    # ascending indices first, so that the stable sort below sends ties to the lower index
    candidates = candidates.where(candidates >= 0, n).sort(dim=1).values
    out, short = [], []
    for start in range(0, n, KNN_CHUNK):
        block = candidates[start : start + KNN_CHUNK]
        ids = torch.arange(start, start + len(block)).unsqueeze(1)
        invalid = (block == n) | (block == ids)
        out.append(_rank_candidates(reference[start : start + len(block)], reference,
                                    block.clamp(max=n - 1), k, metric, invalid))
        short.append((~invalid).sum(dim=1) < k)
    neighbors, short = torch.cat(out), torch.cat(short)
    if short.any():  # too few candidates: these rows are searched exactly
        where = short.nonzero()[:, 0]
        exact = knn_indices(reference[where], reference, k + 1, metric=metric)
        for i, row in enumerate(where.tolist()):
            neighbors[row] = exact[i][exact[i] != row][:k]
    return neighbors.to(X.device)
