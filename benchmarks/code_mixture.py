"""Which mixture on the autoencoder's code: AEGMM's choices, compared without the labels.

On USPS at the package defaults of commit `91f8a08`, AEGMM (a full-covariance Gaussian
mixture, best of ten EM runs, each started as ``GaussianMixture`` starts) scored 0.08 ACC
below AEKMeans (k-means, best of 100 runs) on four seeds of five (BENCHMARKS.md, 23.5),
although both cluster the same code: an AEGMM and an AEKMeans fit with the same parameters
and seed train the same encoder. This script fits AEGMM once per seed, keeps its training
code and the seed its mixture draws, and then fits every candidate mixture to that same
code with that same seed:

- ``kmeans``: k-means, best of 100 runs (AEKMeans' own labels),
- ``full`` (AEGMM's ``init_params="kmeans", n_init=10``, its default before 23.6),
  ``tied``, ``diag``, ``spherical``: EM, best of ten runs,
- ``full-best-kmeans`` (AEGMM's ``init_params="best-kmeans"``): one EM run of a
  full-covariance mixture started from the ``kmeans`` partition (the weights, means and
  covariances one M-step fits to it).

The label-free criteria are the stability over seeds (the mean adjusted Rand index between
the seeds' partitions, as in 23.4) and the BIC of each mixture on its code (lower is
better; the same code for every candidate of a seed, so comparable across them). ACC, NMI
and ARI against the labels only score. ``--check`` verifies that ``kmeans``, ``full`` and
``full-best-kmeans`` are the models' own fits.

    python benchmarks/code_mixture.py --dataset usps --seeds 0 2 4 --data-dir DIR \
        --out benchmarks/results
    python benchmarks/code_mixture.py --dataset digits --epoch-scale 0.25 --seeds 0 1 2 3 4
    python benchmarks/code_mixture.py --summarize benchmarks/results/usps-code-mixture-*.npz
    python benchmarks/code_mixture.py --check
"""

import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from configs import IMAGE_SHAPES, N_CLUSTERS  # noqa: E402
from run import (  # noqa: E402
    load, make_model, score_partitions, seed_script_args, seed_script_parser,
)

from skdeepcluster import AEGMM, AEKMeans, TorchGaussianMixture  # noqa: E402
from skdeepcluster.metrics import clustering_report  # noqa: E402
from skdeepcluster.models._mixture import _sub_seed, kmeans_partition_mixture  # noqa: E402

CANDIDATES = ("kmeans", "full", "tied", "diag", "spherical", "full-best-kmeans")


class RecordingAEGMM(AEGMM):
    """AEGMM that keeps its training code (``code_``) and the seed its mixture drew
    (``mixture_seed_``): the seed AEKMeans' k-means draws at the same parameters too."""

    def _initialize_clusters(self, X, rng):
        probe = np.random.RandomState()
        probe.set_state(rng.get_state())
        self.mixture_seed_ = _sub_seed(probe)
        super()._initialize_clusters(X, rng)
        self.code_ = self._code64(X)


def fit_candidates(code, n_clusters, seed):
    """``{candidate: (labels, bic or None)}`` on one seed's code."""
    results = {}
    # AEGMM's default mixture, and AEKMeans' k-means partition it starts from
    mixture, labels = kmeans_partition_mixture(code, n_clusters, 100, seed, "full", "cpu")
    results["kmeans"] = (labels, None)
    for covariance_type in ("full", "tied", "diag", "spherical"):
        candidate = TorchGaussianMixture(n_clusters, covariance_type=covariance_type,
                                         n_init=10, random_state=seed, device="cpu").fit(code)
        results[covariance_type] = (candidate.predict(code), candidate.bic(code))
    results["full-best-kmeans"] = (mixture.predict(code), mixture.bic(code))
    return results


def fit_code(X, n_clusters, seed, dataset, epoch_scale):
    """The fitted RecordingAEGMM of one seed at the package defaults (``epoch_scale``
    scaling every number of epochs, as ``run.py`` does), and its fit's seconds."""
    params = {"input_shape": IMAGE_SHAPES[dataset]} if dataset in IMAGE_SHAPES else {}
    defaults = make_model("AEGMM", n_clusters, seed, params, "cpu", epoch_scale, X=X)
    model = RecordingAEGMM(**defaults.get_params())
    began = time.perf_counter()
    model.fit(X)
    return model, time.perf_counter() - began


def check():
    """``kmeans``, ``full`` and ``full-best-kmeans`` are the labels of AEKMeans', AEGMM's
    with ``init_params="kmeans", n_init=10`` and AEGMM's default fits, to the bit, and the
    recorded code is AEGMM's (digits, a few epochs)."""
    from sklearn.datasets import load_digits

    X = load_digits().data / 16.0
    params = dict(n_clusters=10, random_state=0, device="cpu", input_shape=(1, 8, 8),
                  pretrain_epochs=3)
    model = RecordingAEGMM(**params).fit(X)
    candidates = fit_candidates(model.code_, 10, model.mixture_seed_)
    fits = {"kmeans": AEKMeans(**params).fit(X),
            "full": AEGMM(init_params="kmeans", n_init=10, **params).fit(X),
            "full-best-kmeans": model}
    same_code = np.array_equal(fits["full"].transform(X), model.code_.astype(np.float32))
    print(f"code             AEGMM's own: {'same' if same_code else 'DIFFERENT'}")
    for name, fit in fits.items():
        same = np.array_equal(candidates[name][0], fit.labels_)
        print(f"{name:16s} the model's own labels: {'same' if same else 'DIFFERENT'}")
        same_code = same_code and same
    if not same_code:
        raise SystemExit(1)


def summarize(files):
    """The table of the candidates over the seeds of ``files`` (one ``.npz`` per seed)."""
    runs = [np.load(f, allow_pickle=False) for f in sorted(files)]
    fitted = [fit_candidates(run["code"].astype(np.float64), int(run["n_clusters"]),
                             int(run["mixture_seed"])) for run in runs]
    y = runs[0]["y"]
    rows = {}
    print("| candidate | ACC per seed | ACC | NMI | ARI | stability | BIC - BIC(full) per seed |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for name in CANDIDATES:
        partitions = [result[name][0] for result in fitted]
        row, cells = score_partitions(y, partitions, [run["seed"] for run in runs])
        bics = [result[name][1] for result in fitted]
        relative = ("-" if bics[0] is None else
                    ", ".join(f"{b - r['full'][1]:+.0f}" for b, r in zip(bics, fitted)))
        rows[name] = {**row, "bic": bics}
        cells.append(relative)
        print(f"| {name} | " + " | ".join(cells) + " |")
    own = [name for name in CANDIDATES if all(
        np.array_equal(result[name][0], run["labels_AEGMM"])
        for result, run in zip(fitted, runs))]
    print(f"the candidates equal to the recorded fits' own AEGMM labels: {own}")
    print(json.dumps(rows, default=float))
    return rows


def main(argv=None):
    parser = seed_script_parser(__doc__.split("\n\n")[0], "code-mixture",
                                "verify on digits that two candidates are the models' fits")
    parser.add_argument("--epoch-scale", type=float, default=1.0,
                        help="scale every number of epochs (0.25: the main job's)")
    args = seed_script_args(parser, argv, check, summarize)
    if args is None:
        return
    X, y = load(args.dataset, args.data_dir, None)
    n_clusters = N_CLUSTERS[args.dataset]
    for seed in args.seeds:
        model, seconds = fit_code(X, n_clusters, seed, args.dataset, args.epoch_scale)
        print(f"seed {seed} AEGMM {clustering_report(y, model.labels_)} ({seconds:.0f} s)",
              flush=True)
        np.savez_compressed(
            Path(args.out) / f"{args.tag}-seed{seed}.npz", y=y, seed=seed, n_clusters=n_clusters,
            code=model.code_.astype(np.float32), mixture_seed=model.mixture_seed_,
            labels_AEGMM=model.labels_, fit_seconds=seconds, epoch_scale=args.epoch_scale,
        )


if __name__ == "__main__":
    main()
