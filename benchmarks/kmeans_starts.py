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
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    threadpool_limits(args.threads)
    X, y = load(args.dataset, args.data_dir, None)
    k = N_CLUSTERS[args.dataset]
    start = time.perf_counter()
    model = AEKMeans(k, input_shape=IMAGE_SHAPES.get(args.dataset), device="cpu",
                     random_state=args.seed).fit(X)
    result = {
        "dataset": args.dataset, "seed": args.seed, "fit_seconds": time.perf_counter() - start,
        "pretrain_epochs_": model.pretrain_epochs_, "pretrain_optimizer_":
        model.pretrain_optimizer_, "augment_": model.augment_,
        "model": {"inertia": model.inertia_, **clustering_report(y, model.labels_)},
    }
    code = model.transform(X).astype(np.float64)
    if args.save_code:
        np.savez_compressed(args.save_code, code=code, labels=model.labels_)
    for n_init in args.starts:
        kmeans = KMeans(k, n_init=n_init, random_state=args.seed).fit(code)
        result[f"kmeans_{n_init}"] = {"inertia": float(kmeans.inertia_),
                                      **clustering_report(y, kmeans.labels_)}
    print(json.dumps(result, default=float))
    return result


if __name__ == "__main__":
    main()
