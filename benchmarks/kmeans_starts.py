"""k-means on a pretrained code: do more starts find a lower inertia, and other clusters?

Fits ``AEKMeans`` at its defaults (images: ``input_shape``) on one data set for one seed,
then runs k-means on the model's code with more and more starts. The lowest inertia is the
label-free criterion (the one ``KMeans(n_init=...)`` keeps); ACC and NMI only score.

    python benchmarks/kmeans_starts.py --dataset usps --seed 0 --data-dir DIR
"""

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch
from sklearn.cluster import KMeans
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent))

from configs import IMAGE_SHAPES, N_CLUSTERS  # noqa: E402
from run import load  # noqa: E402

from skdeepcluster import AEKMeans  # noqa: E402
from skdeepcluster.metrics import clustering_report  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", default="usps")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--starts", type=int, nargs="+", default=[10, 100, 1000],
                        help="k-means starts to try on the code (default 10 100 1000)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--save-code", default=None, help="an .npz file for the code")
    parser.add_argument("--from-code", default=None,
                        help="an .npz file of --save-code: its code, without fitting")
    parser.add_argument("--single-starts", type=int, default=0,
                        help="also run this many one-start k-means (random states 0, 1, ...) "
                             "and count how often each inertia is reached")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    threadpool_limits(args.threads)
    X, y = load(args.dataset, args.data_dir, None)
    k = N_CLUSTERS[args.dataset]
    result = {"dataset": args.dataset, "seed": args.seed}
    if args.from_code:
        code = np.load(args.from_code)["code"]
    else:
        start = time.perf_counter()
        model = AEKMeans(k, input_shape=IMAGE_SHAPES.get(args.dataset), device="cpu",
                         random_state=args.seed).fit(X)
        result.update({
            "fit_seconds": time.perf_counter() - start,
            "pretrain_epochs_": model.pretrain_epochs_, "pretrain_optimizer_":
            model.pretrain_optimizer_, "augment_": model.augment_, "n_init": model.n_init,
            "model": {"inertia": model.inertia_, **clustering_report(y, model.labels_)},
        })
        code = model.transform(X).astype(np.float64)
        if args.save_code:
            np.savez_compressed(args.save_code, code=code, labels=model.labels_)
    if args.single_starts:
        start = time.perf_counter()
        inertias = np.array([KMeans(k, n_init=1, random_state=r).fit(code).inertia_
                             for r in range(args.single_starts)])
        result["seconds_per_start"] = (time.perf_counter() - start) / args.single_starts
        # inertias within 0.01% of an optimum's lowest are that optimum (k-means stops at a
        # tolerance, so one optimum ends at slightly different inertias)
        optima = []  # [lowest inertia, count]
        for inertia in np.sort(inertias):
            if optima and inertia <= optima[-1][0] * (1 + 1e-4):
                optima[-1][1] += 1
            else:
                optima.append([inertia, 1])
        lowest = optima[0][0]
        result["single_starts"] = {
            "n": args.single_starts, "lowest": float(lowest), "reach_lowest": optima[0][1],
            "optima (inertia / lowest: count)": {f"{o / lowest:.4f}": c for o, c in optima[:8]},
        }
    for n_init in args.starts:
        kmeans = KMeans(k, n_init=n_init, random_state=args.seed).fit(code)
        result[f"kmeans_{n_init}"] = {"inertia": float(kmeans.inertia_),
                                      **clustering_report(y, kmeans.labels_)}
    print(json.dumps(result, default=float))
    return result


if __name__ == "__main__":
    main()
