"""The graph models' training kNN search: exact against approximate (faiss), time and recall.

For each size, the rows are the first N images of MNIST (pixels in [0, 1]) or, with
``--synthetic D``, N rows of D features drawn from 50 Gaussian blobs (e.g. embeddings). It
times :func:`skdeepcluster.functional.knn_indices` over all rows (``--exact-max`` caps the
sizes where the full exact search runs) and ``approximate_knn_indices`` at each
``--n-probe``, and measures the approximate graph's recall@k: the share of each row's exact
k nearest neighbours it found, over all rows where the exact search ran, else over
``--recall-rows`` random rows searched exactly against all rows. Labels are not used. The
threads are torch's and faiss's defaults (all cores) unless ``--threads`` is given::

    python benchmarks/knn_graph.py --sizes 10000 20000 50000 70000 --data-dir DIR
    python benchmarks/knn_graph.py --synthetic 64 --intrinsic 10 --sizes 1000000 --exact-max 0
"""

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from skdeepcluster.functional import knn_indices  # noqa: E402
from skdeepcluster.models._knn import (  # noqa: E402
    approximate_knn_indices,
    default_n_probe,
    faiss_or_none,
)


def rows_for(args, n):
    if args.synthetic:
        # 50 Gaussian blobs in --intrinsic dimensions (default: all of them), mapped into
        # --synthetic dimensions by a random linear map, plus isotropic noise of 0.05
        rng = np.random.RandomState(0)
        low = args.intrinsic or args.synthetic
        centers = rng.normal(scale=4.0, size=(50, low))
        X = centers[rng.randint(50, size=n)] + rng.normal(size=(n, low))
        if args.intrinsic:
            X = X @ rng.normal(size=(low, args.synthetic)) / np.sqrt(low)
            X += 0.05 * rng.normal(size=X.shape)
        name = f"synthetic-{args.synthetic}" + (f"-intrinsic-{low}" if args.intrinsic else "")
        return torch.tensor(X, dtype=torch.float32), name
    from skdeepcluster.datasets import load_benchmark

    X, _ = load_benchmark("mnist", data_home=args.data_dir)
    return torch.tensor(X[:n], dtype=torch.float32), "mnist"


def peak_rss_gib():
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # KiB on Linux


def recall(found, truth):
    hits = (found.unsqueeze(2) == truth.unsqueeze(1)).any(dim=2)
    return float(hits.float().mean())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10000, 70000])
    parser.add_argument("--k", type=int, default=3, help="neighbours (SDCN's default 3)")
    parser.add_argument("--n-probe", type=int, nargs="+", default=[0],
                        help="lists probed; 0: the package's default for the size")
    parser.add_argument("--exact-max", type=int, default=70000,
                        help="largest size whose full exact search runs")
    parser.add_argument("--recall-rows", type=int, default=2000)
    parser.add_argument("--synthetic", type=int, default=0, metavar="D")
    parser.add_argument("--intrinsic", type=int, default=0, metavar="D0",
                        help="with --synthetic: the blobs' own dimension")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--out", default=None, help="JSON rows written here")
    args = parser.parse_args(argv)
    if faiss_or_none() is None:
        parser.error("needs faiss: pip install faiss-cpu")
    if args.threads:
        torch.set_num_threads(args.threads)
        faiss_or_none().omp_set_num_threads(args.threads)
    results = []
    for n in args.sizes:
        X, data = rows_for(args, n)
        row = {"data": data, "n": n, "k": args.k, "threads": torch.get_num_threads()}
        found = {}
        for n_probe in [p or default_n_probe(n) for p in args.n_probe]:
            start = time.perf_counter()
            found[n_probe] = approximate_knn_indices(X, args.k, seed=0, n_probe=n_probe)
            found[n_probe] = (found[n_probe], time.perf_counter() - start)
        # the process's peak so far: the rows, the approximate searches, nothing exact yet
        row["peak_rss_gib_approximate"] = peak_rss_gib()
        if n <= args.exact_max:
            start = time.perf_counter()
            truth = knn_indices(X, X, args.k, exclude_self=True)
            row["exact_s"] = time.perf_counter() - start
            queries = torch.arange(n)
        else:
            queries = torch.from_numpy(np.random.RandomState(1).choice(
                n, min(args.recall_rows, n), replace=False))
            truth = knn_indices(X[queries], X, args.k + 1)
            truth = torch.stack([t[t != q][: args.k] for t, q in zip(truth, queries)])
        print(f"{data} n={n}: exact {row.get('exact_s', float('nan')):.1f} s", flush=True)
        print(f"  peak memory before any exact search: "
              f"{row['peak_rss_gib_approximate']:.2f} GiB", flush=True)
        for n_probe, (neighbors, seconds) in found.items():
            r = recall(neighbors[queries], truth)
            results.append({**row, "n_probe": n_probe, "approximate_s": seconds, "recall": r,
                            "recall_rows": len(queries)})
            print(f"  n_probe={n_probe}: {seconds:.1f} s, recall@{args.k} {r:.4f}", flush=True)
    if args.out:
        Path(args.out).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
