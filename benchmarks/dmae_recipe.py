"""Which of the reference recipe's settings DMAE's defaults lack: end-to-end variants on one
and the same pretrained autoencoder per seed.

DMAE at the package defaults with ``input_shape`` (USPS: 0.899 ± 0.048, BENCHMARKS.md 25.1)
differs from the reference code's recipe (0.952 ± 0.009, 7.3) in its pretraining length (379
against 500 epochs) and in its end-to-end settings: the dissimilarity (euclidean against
mahalanobis), ``alpha`` (``"auto"`` against 1000), the loss weights (``lambda_c`` 1 against
2.56) and the length (100 against 124 epochs). This script pretrains once per seed, at the
defaults, and then runs every variant's mixture start and end-to-end phase from that
autoencoder, with the random streams as they were when the pretraining ended: each variant
is the fit ``DMAE`` makes with its parameters, to the bit (``--check`` refits the first from
the saved pretraining and as ``DMAE``, and compares). Every variant names its dissimilarity:
the default was euclidean when this ran (BENCHMARKS.md 26.1) and is mahalanobis since.

The label-free criterion is the **stability** over seeds (the mean adjusted Rand index
between the seeds' partitions, as in ``probe.py``); ACC and NMI only score::

    python benchmarks/dmae_recipe.py --dataset usps --data-dir DIR --seeds 0 1 --out DIR
    python benchmarks/dmae_recipe.py --summary DIR/dmae-recipe-usps-seed*.npz

Each seed's labels are saved as ``dmae-recipe-<dataset>-seed<s>.npz``; ``--summary`` prints
the table over the saved seeds.
"""

import argparse
import copy
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")  # as run.py's runs: one thread each

import numpy as np  # noqa: E402
import torch  # noqa: E402
from sklearn.metrics import adjusted_rand_score  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from configs import IMAGE_SHAPES  # noqa: E402
from run import stability  # noqa: E402

from skdeepcluster import DMAE  # noqa: E402
from skdeepcluster._rng import generator_for  # noqa: E402
from skdeepcluster.datasets import load_benchmark  # noqa: E402
from skdeepcluster.metrics import clustering_report  # noqa: E402

_REFERENCE_E2E = {"alpha": 1000.0, "lambda_c": 256 * 0.01, "max_epochs": 124}
#: ``name -> parameters`` set on the default DMAE, in the order they run (the saved files
#: number them so). ``start-*`` are the mixture's start on the pretrained code (no
#: end-to-end epoch). The first pretrains; the others restore its pretraining.
VARIANTS = {
    "euclidean (the default before 27454b7)": {"dissimilarity": "euclidean"},
    "start-euclidean": {"dissimilarity": "euclidean", "max_epochs": 0},
    "start-mahalanobis": {"dissimilarity": "mahalanobis", "max_epochs": 0},
    "mahalanobis (the default since 27454b7)": {"dissimilarity": "mahalanobis"},
    "euclidean, reference alpha, weights, length": {"dissimilarity": "euclidean",
                                                    **_REFERENCE_E2E},
    "mahalanobis, reference alpha, weights, length": {"dissimilarity": "mahalanobis",
                                                      **_REFERENCE_E2E},
}


class _SavedPretraining(DMAE):
    """DMAE whose first fit saves its pretrained autoencoder and random streams, and whose
    later fits restore them instead of pretraining (the same rows and seed)."""

    saved = None

    def _pretrain(self, X, config, generator):
        streams = generator_for("cpu")
        if _SavedPretraining.saved is None:
            history = super()._pretrain(X, config, generator)
            _SavedPretraining.saved = (
                copy.deepcopy(self._autoencoder.state_dict()), generator.get_state(),
                streams.get_state(), copy.deepcopy(history),
            )
            return history
        state, order, stream, history = _SavedPretraining.saved
        self._autoencoder.load_state_dict(state)
        generator.set_state(order)
        streams.set_state(stream)
        return copy.deepcopy(history)


def run_seed(X, y, seed, input_shape, common=None, check=False):
    """``{variant: labels}`` for ``seed``, printing each variant's ACC, NMI and fit time.
    ``common``: parameters set on every variant (e.g. ``pretrain_epochs``)."""
    _SavedPretraining.saved = None
    labels = {}
    for name, params in VARIANTS.items():
        params = {**params, **(common or {})}
        start = time.perf_counter()
        model = _SavedPretraining(10, input_shape=input_shape, random_state=seed, device="cpu",
                                  **params).fit(X)
        labels[name] = model.labels_
        report = clustering_report(y, model.labels_)
        print(f"seed {seed}  {name:48s} ACC {report['accuracy']:.3f}  NMI {report['nmi']:.3f}"
              f"  fit {time.perf_counter() - start:.0f} s", flush=True)
        if check and name == next(iter(VARIANTS)):
            again = _SavedPretraining(10, input_shape=input_shape, random_state=seed,
                                      device="cpu", **params).fit(X).labels_
            fresh = DMAE(10, input_shape=input_shape, random_state=seed, device="cpu",
                         **{**params, "pretrain_epochs": model.pretrain_epochs_}).fit(X).labels_
            print(f"  --check: restored = first fit {np.array_equal(again, labels[name])}, "
                  f"first fit = DMAE's {np.array_equal(fresh, labels[name])}", flush=True)
    return labels


def summary(paths, y):
    """The table over the saved seeds."""
    runs = [np.load(path) for path in paths]
    seeds = [int(run["seed"]) for run in runs]
    print(f"seeds {seeds}")
    print("| variant | ACC per seed | ACC (sample std) | NMI | stability | ARI with its start |")
    print("| --- | --- | --- | --- | --- | --- |")
    for index, name in enumerate(VARIANTS):
        partitions = [run[f"v{index}"] for run in runs]
        reports = [clustering_report(y, labels) for labels in partitions]
        accs = [report["accuracy"] for report in reports]
        nmis = [report["nmi"] for report in reports]
        starting = "start-mahalanobis" if "mahalanobis" in name else "start-euclidean"
        starts = [run[f"v{list(VARIANTS).index(starting)}"] for run in runs]
        moved = "–" if name.startswith("start") else (
            f"{np.mean([adjusted_rand_score(a, b) for a, b in zip(starts, partitions)]):.3f}")
        several = len(runs) > 1  # a spread and an agreement need two seeds
        spread = f" ± {np.std(accs, ddof=1):.3f}" if several else ""
        agreement = f"{stability(partitions):.3f}" if several else "–"
        print(f"| {name} | {', '.join(f'{a:.3f}' for a in accs)} | {np.mean(accs):.3f}{spread} "
              f"| {np.mean(nmis):.3f} | {agreement} | {moved} |")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", default="usps")
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--out", default="benchmarks/results")
    parser.add_argument("--check", action="store_true",
                        help="refit the first variant from the saved pretraining, and as DMAE")
    parser.add_argument("--summary", nargs="+", metavar="NPZ", help="the saved seeds' table")
    parser.add_argument("--pretrain-epochs", type=int, default=None,
                        help="instead of the default's (for a quick --check)")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    threadpool_limits(1)
    X, y = load_benchmark(args.dataset, data_home=args.data_dir)
    if args.summary:
        return summary(args.summary, y)
    common = {} if args.pretrain_epochs is None else {"pretrain_epochs": args.pretrain_epochs}
    for seed in args.seeds:
        labels = run_seed(X, y, seed, IMAGE_SHAPES[args.dataset], common, check=args.check)
        out = Path(args.out) / f"dmae-recipe-{args.dataset}-seed{seed}.npz"
        np.savez_compressed(out, seed=seed, names=np.array(list(labels)),
                            **{f"v{i}": labels[name] for i, name in enumerate(labels)})


if __name__ == "__main__":
    main()
