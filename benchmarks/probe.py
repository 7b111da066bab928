"""One model, chosen settings, a few seeds on digits: ACC per seed, the model's own score
(``score(X)``, its objective, label-free), the fitted mixture's likelihood lower bound where
the model has one, and the fit's time.

For quick, single-threaded questions about one setting: the model is built as ``run.py``
builds it for digits (its settings, ``--epoch-scale``, then ``KEY=VALUE`` as ``--set``), in
this process, one seed after another; labels only score. Example (the
main job's AEGMM on digits with one and with ten EM starts)::

    python benchmarks/probe.py AEGMM n_init=1 --seeds 5
    python benchmarks/probe.py AEGMM n_init=10 --seeds 5

``--code-kmeans`` also runs k-means (10 starts, ``random_state=0``) on each fit's code
(``transform(X)``). For the model's labels, and for those partitions, it prints their
**stability**: the mean adjusted Rand index between the partitions of different seeds, a
label-free measure (as in ``pretrain_curve.py``). With ``max_epochs=0`` the code is the
pretrained one::

    python benchmarks/probe.py AEKMeans encoder=conv --code-kmeans
"""

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")  # as run.py's runs: one thread each

import numpy as np  # noqa: E402
import torch  # noqa: E402
from sklearn.cluster import KMeans  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from configs import MODEL_PARAMS  # noqa: E402
from run import make_model, parse_overrides, stability  # noqa: E402

from skdeepcluster.datasets import load_benchmark  # noqa: E402
from skdeepcluster.metrics import clustering_report  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model", help="a model or variant of run.py, e.g. AEGMM")
    parser.add_argument("set", nargs="*", metavar="KEY=VALUE",
                        help="parameters set last, as run.py's --set")
    parser.add_argument("--seeds", type=int, default=3, help="seeds 0 .. N-1 (default 3)")
    parser.add_argument("--epoch-scale", type=float, default=0.25,
                        help="times every *_epochs (default 0.25, the main job's)")
    parser.add_argument("--code-kmeans", action="store_true",
                        help="k-means on each fit's code, and the stability over seeds")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    threadpool_limits(1)
    X, y = load_benchmark("digits")
    params = MODEL_PARAMS["digits"].get(args.model, {})
    accs, labels, partitions, code_accs = [], [], [], []
    for seed in range(args.seeds):
        start = time.perf_counter()
        model = make_model(args.model, 10, seed, params, "cpu", args.epoch_scale,
                           parse_overrides(args.set), X).fit(X)
        seconds = time.perf_counter() - start
        acc = clustering_report(y, model.labels_)["accuracy"]
        accs.append(acc)
        labels.append(model.labels_)
        bound = getattr(model, "lower_bound_", None)
        extra = "" if bound is None else f"  lower bound {bound:.3f}"
        if args.code_kmeans:
            partitions.append(KMeans(10, n_init=10, random_state=0).fit_predict(model.transform(X)))
            code_accs.append(clustering_report(y, partitions[-1])["accuracy"])
            extra += f"  k-means on the code: ACC {code_accs[-1]:.3f}"
        print(f"{args.model} seed {seed}  ACC {acc:.3f}  score {model.score(X):.4f}{extra}"
              f"  fit {seconds:.1f} s", flush=True)
    print(f"{args.model} {' '.join(args.set)}: ACC {np.mean(accs):.3f} +- {np.std(accs):.3f}"
          f", stability (mean ARI between seeds) {stability(labels):.3f}")
    if args.code_kmeans:
        print(f"  k-means on the code: ACC {np.mean(code_accs):.3f} +- {np.std(code_accs):.3f}"
              f", stability {stability(partitions):.3f}")


if __name__ == "__main__":
    main()
