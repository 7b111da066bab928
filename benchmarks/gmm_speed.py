"""Speed of TorchGaussianMixture against scikit-learn's GaussianMixture on a large code matrix.

Both fit the same data (``n_samples`` x ``--features``, ten Gaussian blobs) with 10
components, with ``--threads`` threads (torch's and the BLAS/OpenMP pools, so scikit-learn's
too; 0 leaves the defaults):

* ``em``: EM alone, from the same given start (weights, means, precisions), for a fixed
  number of iterations (``tol=0``): the cost of the E and M steps;
* ``fit``: a whole default fit (k-means initialisation, then EM until ``tol=1e-3``).

Each timing is the median of ``--repeats`` runs; the ratio is sklearn's median over ours,
measured in the same run. Examples::

    python benchmarks/gmm_speed.py
    python benchmarks/gmm_speed.py --sizes 200000 --features 32 --threads 1
    python benchmarks/gmm_speed.py --sizes 70000 1000000 --device cuda
"""

import argparse
import platform
import statistics
import time
import warnings

import numpy as np
import torch
from sklearn.datasets import make_blobs
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import GaussianMixture
from threadpoolctl import threadpool_limits

from skdeepcluster import TorchGaussianMixture


def _time(fn, repeats, sync):
    times = []
    for _ in range(repeats):
        sync()
        start = time.perf_counter()
        result = fn()
        sync()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", nargs="+", type=int, default=[70_000, 1_000_000])
    parser.add_argument("--covariance-types", nargs="+", default=["full", "diag"])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--iterations", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--features", type=int, default=10)
    parser.add_argument("--threads", type=int, default=0,
                        help="torch and BLAS/OpenMP threads (0: their defaults)")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
        threadpool_limits(args.threads)
    device = torch.device(args.device)
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else (
        platform.processor() or platform.machine())
    print(f"device {device} ({name}), torch {torch.__version__}, {torch.get_num_threads()} "
          f"threads; median of {args.repeats}")
    print("| n_samples x features | covariance | phase | sklearn s | torch s | sklearn / torch "
          "| iterations (sklearn, torch) | log-likelihood (sklearn, torch) |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    warnings.simplefilter("ignore", ConvergenceWarning)
    for n in args.sizes:
        d = args.features
        X, _ = make_blobs(n, n_features=d, centers=10, cluster_std=2.0, random_state=0)
        for covariance_type in args.covariance_types:
            rng = np.random.RandomState(0)
            start = {
                "weights_init": np.full(10, 0.1),
                "means_init": X[rng.choice(n, 10, replace=False)],
                "precisions_init": {
                    "full": np.stack([np.eye(d)] * 10), "diag": np.ones((10, d)),
                    "tied": np.eye(d), "spherical": np.ones(10),
                }[covariance_type],
            }
            phases = {
                "em": dict(tol=0.0, max_iter=args.iterations, **start),
                "fit": dict(tol=1e-3, max_iter=100),
            }
            for phase, params in phases.items():
                common = dict(covariance_type=covariance_type, random_state=0, **params)
                t_sk, sk = _time(lambda: GaussianMixture(10, **common).fit(X), args.repeats,
                                 sync)
                t_torch, ours = _time(
                    lambda: TorchGaussianMixture(10, device=device, **common).fit(X),
                    args.repeats, sync,
                )
                print(f"| {n:,} x {d} | {covariance_type} | {phase} | {t_sk:.2f} | {t_torch:.2f} "
                      f"| {t_sk / t_torch:.2f} | {sk.n_iter_}, {ours.n_iter_} "
                      f"| {sk.lower_bound_:.4f}, {ours.lower_bound_:.4f} |", flush=True)


if __name__ == "__main__":
    main()
