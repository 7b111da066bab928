"""The main benchmark job: data sets x models x seeds -> a CSV row per run and a summary table.

With no arguments it runs every model on scikit-learn's digits, 3 seeds, with a quarter of
each model's default epochs (no download, minutes on a CPU). The recorded benchmarks use the
models' own defaults, ``--epoch-scale 1``. Examples::

    python benchmarks/run.py
    python benchmarks/run.py --epoch-scale 1 --seeds 5 --plots
    python benchmarks/run.py --datasets mnist --subset 10000 --epoch-scale 1 --data-dir DIR
    python benchmarks/run.py --quick
    python benchmarks/run.py --datasets usps --models SDDECC --set gcn_warmup_epochs=400
    python benchmarks/run.py --summarize results/a.csv results/b.csv

Each run happens in a fresh subprocess, so that its peak host memory is its own. On the CPU
one run per core (at most 4) goes at a time, each limited to its share of the cores (torch
and BLAS threads); ``--jobs`` and ``--threads`` change that. The exit status is 1 when any
run failed, with one message per cause. Without ``--out`` the results go to
``benchmarks/results/``, where git ignores the ``run-*`` files of untagged runs. Labels are
used for scoring only: nothing is selected with them, and every number is the model's state
after its last epoch.
"""

import argparse
import ast
import concurrent.futures
import csv
import datetime
import importlib.util
import itertools
import multiprocessing
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from skorch.callbacks import Callback  # noqa: E402

from configs import (  # noqa: E402
    IMAGE_SHAPES, MODEL_PARAMS, N_CLUSTERS, ONLY_ON, REFERENCES, SYNTHETIC, VARIANTS,
    make_synthetic, split_view,
)

DEEP_MODELS = (
    "AEKMeans", "AEGMM", "DEC", "IDEC", "SDCN", "DMM", "DMAE", "DeepFusionGMM", "VaDE", "DVAE",
    "SDDECC", *VARIANTS,
)
#: What runs when --models is not given (the main job).
DEFAULT_MODELS = (
    "AEKMeans", "AEGMM", "DEC", "IDEC", "SDCN", "DMM", "DMAE", "DeepFusionGMM", "VaDE", "DVAE",
    "SDDECC",
)
COLUMNS = [
    "dataset", "model", "seed", "n_samples", "accuracy", "nmi", "ari", "fit_seconds",
    "epoch_seconds", "n_epochs", "epoch_scale", "peak_host_mb", "peak_device_mb", "device",
    "commit",
]


def _commit():
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=HERE, capture_output=True, text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=HERE,
            capture_output=True, text=True, check=True,
        ).stdout.strip()
        return sha + ("-dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def make_model(name, n_clusters, seed, params, device, epoch_scale=1.0, overrides=None,
               X=None):
    """The estimator ``name`` with benchmark parameters, every ``*_epochs`` scaled.

    ``overrides`` (``--set``) are set last, as given: an ``*_epochs`` value there is not
    scaled. ``pretrain_epochs="auto"`` is scaled as the number a fit on ``X`` would use.
    """
    from sklearn.cluster import KMeans
    from sklearn.mixture import GaussianMixture

    import skdeepcluster

    if name == "KMeans":
        return KMeans(n_clusters, n_init=10, random_state=seed, **params)
    if name == "GaussianMixture":
        return GaussianMixture(n_clusters, random_state=seed, **params)
    name, variant_params = VARIANTS.get(name, (name, {}))
    params = {**variant_params, **params}
    model = getattr(skdeepcluster, name)(n_clusters, random_state=seed, device=device, **params)
    scaled = {}
    for key, value in model.get_params().items():
        if key.endswith("_epochs") and value and epoch_scale != 1:
            if value == "auto":
                value = model._resolve_pretrain_epochs(X)
            scaled[key] = max(1, round(value * epoch_scale))
    return model.set_params(**scaled).set_params(**(overrides or {}))


def parse_overrides(items):
    """``["a=1", "b=(8, 8)", "c=heat"]`` -> ``{"a": 1, "b": (8, 8), "c": "heat"}`` (``--set``):
    Python literals, else the text as a string."""
    overrides = {}
    for item in items:
        key, sep, text = item.partition("=")
        if not sep or not key.isidentifier():
            raise ValueError(f"--set takes KEY=VALUE items, got {item!r}")
        try:
            overrides[key] = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            overrides[key] = text
    return overrides


#: ``--set`` keys that change the output, not the fit: left out of the model's name.
_NOT_IN_LABEL = {"verbose"}


def run_label(model, overrides):
    """The model's name in the results: ``--set`` values appended, so rows stay apart."""
    shown = {k: v for k, v in (overrides or {}).items() if k not in _NOT_IN_LABEL}
    if not shown or model not in DEEP_MODELS:
        return model
    return model + "[" + ",".join(f"{k}={v!r}".replace(" ", "") for k, v in shown.items()) + "]"


def stability(partitions):
    """Mean adjusted Rand index between the partitions of different seeds: the benchmarks'
    label-free criterion (NaN for fewer than two partitions)."""
    import numpy as np
    from sklearn.metrics import adjusted_rand_score

    pairs = list(itertools.combinations(partitions, 2))
    return float(np.mean([adjusted_rand_score(a, b) for a, b in pairs])) if pairs else np.nan


def score_partitions(y, partitions, seeds):
    """The scores of one candidate's partitions, one per seed, in a per-seed script's
    summary: ``(row, cells)``, where ``row`` holds the seeds, ACC, NMI and ARI per seed and
    the :func:`stability`, and ``cells`` the table's ACC per seed, the three means ± std and
    the stability."""
    import numpy as np

    from skdeepcluster.metrics import clustering_report

    reports = [clustering_report(y, labels) for labels in partitions]
    scores = {m: np.array([report[m] for report in reports]) for m in ("accuracy", "nmi", "ari")}
    agreement = stability(partitions)
    row = {"seeds": [int(s) for s in seeds], "stability": agreement,
           **{m: v.tolist() for m, v in scores.items()}}
    cells = [", ".join(f"{a:.3f}" for a in scores["accuracy"]),
             *(f"{v.mean():.3f} ± {v.std():.3f}" for v in scores.values()), f"{agreement:.3f}"]
    return row, cells


def summarize_branches(files, key, column, fmt):
    """Print and return the table of a branching per-seed script's ``.npz`` files (one per
    seed, from :func:`fit_seed_branches`): for each branch, :func:`score_partitions` of
    its labels and one more column, ``column``, of its values ``KEY_BRANCH`` per seed, each
    written by ``fmt``. Returns ``{branch: row}``, ``row[key]`` holding those values."""
    import json

    import numpy as np

    runs = [np.load(f, allow_pickle=False) for f in sorted(files)]
    y = runs[0]["y"]
    rows = {}
    print(f"| branch | ACC per seed | ACC | NMI | ARI | stability | {column} |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for name in [n[len("labels_"):] for n in runs[0].files if n.startswith("labels_")]:
        partitions = [run[f"labels_{name}"] for run in runs]
        row, cells = score_partitions(y, partitions, [run["seed"] for run in runs])
        values = [run[f"{key}_{name}"].item() for run in runs if f"{key}_{name}" in run.files]
        rows[name] = {**row, key: values}
        cells.append(", ".join(map(fmt, values)) or "-")
        print(f"| {name} | " + " | ".join(cells) + " |")
    print(json.dumps(rows, default=float))
    return rows


def seed_script_parser(description, tag, check_help):
    """The options of a script that fits one ``.npz`` of results per seed, summarizes them
    and checks itself (``augment_clustering.py``, ``code_mixture.py``,
    ``dvae_similarity.py``): ``--dataset``, ``--seeds``, ``--data-dir``, ``--out``,
    ``--tag`` (default ``DATASET-tag``), ``--threads``, ``--summarize`` and ``--check``.
    See :func:`seed_script_args`."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--dataset", default="usps")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--out", default=str(HERE / "results"))
    parser.add_argument("--tag", default=None,
                        help=f"name of the output files (default: DATASET-{tag})")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--summarize", nargs="+", metavar="NPZ", default=None)
    parser.add_argument("--check", action="store_true", help=check_help)
    parser.set_defaults(default_tag=tag)
    return parser


def seed_script_args(parser, argv, check, summarize):
    """Parse the options of :func:`seed_script_parser`'s ``parser`` and limit the threads
    (torch's and the BLAS/OpenMP pools'); run ``check()`` for ``--check`` or
    ``summarize(files)`` for ``--summarize`` and return None, else return the options,
    ``tag`` set and ``out`` created."""
    import torch
    from threadpoolctl import threadpool_limits

    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    threadpool_limits(args.threads)
    if args.check:
        check()
        return None
    if args.summarize:
        summarize(args.summarize)
        return None
    args.tag = args.tag or f"{args.dataset}-{args.default_tag}"
    Path(args.out).mkdir(parents=True, exist_ok=True)
    return args


def fit_seed_branches(args, fit_branches):
    """The fitting part of a per-seed script that branches one fit (``augment_clustering.py``,
    ``dvae_similarity.py``): for each seed of ``args``, ``fit_branches(X, n_clusters, seed,
    input_shape=...)`` returns ``({branch: {key: value}}, seconds)``; every value but a
    branch's ``centers`` is saved as ``KEY_BRANCH`` in one ``.npz`` per seed, with ``y``,
    ``seed`` and ``fit_seconds``, and each branch's scores are printed."""
    import numpy as np

    from skdeepcluster.metrics import clustering_report

    X, y = load(args.dataset, args.data_dir, None)
    for seed in args.seeds:
        branches, seconds = fit_branches(
            X, N_CLUSTERS[args.dataset], seed, input_shape=IMAGE_SHAPES.get(args.dataset)
        )
        arrays = {"y": y, "seed": seed, "fit_seconds": seconds}
        for name, branch in branches.items():
            arrays.update({f"{key}_{name}": value for key, value in branch.items()
                           if key != "centers"})
            print(f"seed {seed} {name:9s} {clustering_report(y, branch['labels'])}", flush=True)
        np.savez_compressed(Path(args.out) / f"{args.tag}-seed{seed}.npz", **arrays)


def branch_script_main(argv, doc, tag, check, fit_branches, summary):
    """The command line of a branching per-seed script: :func:`seed_script_parser`'s
    options; ``--check`` runs ``check()``, ``--summarize`` :func:`summarize_branches` with
    ``summary = (key, column, fmt)``, else :func:`fit_seed_branches` with ``fit_branches``."""
    parser = seed_script_parser(doc.split("\n\n")[0], tag,
                                "verify on digits that each branch is its full fit")
    args = seed_script_args(parser, argv, check,
                            lambda files: summarize_branches(files, *summary))
    if args is not None:
        fit_seed_branches(args, fit_branches)


def load(dataset, data_dir, subset, seed=0):
    """``(X, y)`` of a data set, optionally a stratified subset of ``subset`` samples."""
    from sklearn.model_selection import train_test_split

    from skdeepcluster.datasets import load_benchmark

    if dataset in SYNTHETIC:
        return make_synthetic(dataset)
    dataset, view = split_view(dataset)
    bunch = load_benchmark(dataset, data_home=data_dir, return_X_y=False)
    X, y = bunch.data, bunch.target
    if view is not None:
        start = sum(bunch.views[:view])
        X = X[:, start : start + bunch.views[view]]
    if subset and subset < len(X):
        X, _, y, _ = train_test_split(X, y, train_size=subset, stratify=y, random_state=seed)
    return X, y


def run_one(job):
    """Fit one model on one data set with one seed; return its CSV rows (in a subprocess).

    With ``job["code_kmeans"]`` a deep model gets a second row, ``<model>+KMeans``: k-means
    (10 initialisations) on the code of the same fitted model, the "K-means on the deep
    representation" rows of the papers. It is a separate row: the model's own labels are
    never replaced by it.
    """
    import torch

    from skdeepcluster.metrics import clustering_report

    if job["threads"]:
        # torch's intra-op threads and the BLAS/OpenMP pools (k-means, GMMs, NumPy): more
        # threads than cores, with other runs beside, make every run many times slower
        from threadpoolctl import threadpool_limits

        torch.set_num_threads(job["threads"])
        threadpool_limits(job["threads"])
    X, y = load(job["dataset"], job["data_dir"], job["subset"])
    deep = job["model"] in DEEP_MODELS
    model = make_model(job["model"], N_CLUSTERS[job["dataset"]], job["seed"], job["params"],
                       job["device"], job["epoch_scale"], job["overrides"] if deep else None,
                       X)
    snapshots = None
    if job["plots"] and deep and "callbacks" in model.get_params():
        snapshots = CodeSnapshots(X, y)
        model.set_params(callbacks=[("code_snapshots", snapshots)])
    cuda = torch.cuda.is_available() and deep
    if cuda:
        torch.cuda.reset_peak_memory_stats()
    start = time.perf_counter()
    labels = model.fit_predict(X)
    fit_seconds = time.perf_counter() - start
    history = getattr(model, "history_", [])
    durations = [r["dur"] for r in history]
    row = {
        "dataset": job["dataset"], "model": run_label(job["model"], job["overrides"]),
        "seed": job["seed"], "n_samples": len(X), **clustering_report(y, labels),
        "fit_seconds": fit_seconds,
        "epoch_seconds": statistics.median(durations) if durations else "",
        "n_epochs": len(history), "epoch_scale": job["epoch_scale"],
        "peak_host_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "peak_device_mb": torch.cuda.max_memory_allocated() / 2**20 if cuda else "",
        "device": str(getattr(model, "device_", "cpu")), "commit": job["commit"],
    }
    if job["plots"]:
        prefix = Path(job["plot_prefix"])
        _plot(model, X, y, labels, history, prefix)
        if snapshots is not None and snapshots.codes:
            snapshots.plot(prefix)
        shape = IMAGE_SHAPES.get(split_view(job["dataset"])[0])
        if deep and hasattr(model, "sample") and shape:
            _plot_samples(model, shape, prefix)
    rows = [row]
    if job["code_kmeans"] and deep:
        from sklearn.cluster import KMeans

        start = time.perf_counter()
        code_labels = KMeans(N_CLUSTERS[job["dataset"]], n_init=10, random_state=job["seed"])
        code_labels = code_labels.fit_predict(model.transform(X))
        rows.append({
            **row, "model": f"{row['model']}+KMeans", **clustering_report(y, code_labels),
            "fit_seconds": fit_seconds + time.perf_counter() - start,
        })
    return rows


def _plot(model, X, y, labels, history, prefix):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.decomposition import PCA

    code = model.transform(X) if hasattr(model, "transform") and hasattr(model, "module_") else X
    points = PCA(2, random_state=0).fit_transform(code)
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.scatter(points[:, 0], points[:, 1], c=labels, s=3, cmap="tab10")
    ax.set_title(f"{prefix.name}: code (PCA), coloured by cluster")
    fig.savefig(f"{prefix}-code.png", dpi=100, bbox_inches="tight")
    plt.close(fig)
    if X.shape[1] == 2:
        _plot_regions(model, X, labels, prefix, plt)
    if hasattr(model, "view_transform"):
        _plot_views(model, X, y, prefix, plt)
    if history:
        fig, ax = plt.subplots(figsize=(6, 4))
        for phase in dict.fromkeys(r["phase"] for r in history):
            rows = [r for r in history if r["phase"] == phase]
            ax.plot([r["epoch"] for r in rows], [r["loss"] for r in rows], label=phase)
        # some phases' losses (SDDECC's GCN warm-up) are KL divergences up to a constant
        scale = "log" if all(r["loss"] > 0 for r in history) else "symlog"
        ax.set(xlabel="epoch", ylabel="loss", yscale=scale, title=f"{prefix.name}: training loss")
        ax.legend()
        fig.savefig(f"{prefix}-loss.png", dpi=100, bbox_inches="tight")
        plt.close(fig)


class CodeSnapshots(Callback):
    """A skorch callback keeping the code of a fixed subset over the clustering phase.

    Recorded for modules with a variational posterior (VaDE, DVAE): the posterior mean of
    ``n_points`` fixed samples and the cluster each is assigned to, before the first epoch
    and after about a tenth, a quarter, half and all of the epochs (the DVAE paper's
    Fig. 4). Every training phase gets a deep copy of the estimator's callbacks; this one
    returns itself from ``__deepcopy__`` so that all phases record into one list. It runs
    under ``no_grad`` and draws no random numbers, so training is unchanged.
    """

    def __init__(self, X, y, n_points=2000):
        import numpy as np

        rows = np.random.RandomState(0).choice(len(X), min(n_points, len(X)), replace=False)
        self.X, self.y = X[rows], y[rows]
        self.codes = []  # (epoch, code, assigned cluster)

    def __deepcopy__(self, memo):
        return self

    def on_train_begin(self, net, **kwargs):
        self._record(net, 0)

    def on_epoch_end(self, net, **kwargs):
        epoch, total = len(net.history), net.max_epochs
        if epoch in {max(1, round(total * f)) for f in (0.1, 0.25, 0.5, 1.0)}:
            self._record(net, epoch)

    def _record(self, net, epoch):
        import torch

        module = net.module_
        if not hasattr(module, "posterior"):
            return
        with torch.no_grad():
            X = torch.as_tensor(self.X, dtype=torch.float32, device=net.device)
            mu, _ = module.posterior(X)
            clusters = module.log_cluster_probabilities(mu).argmax(1)
        self.codes.append((epoch, mu.cpu().numpy(), clusters.cpu().numpy()))

    def plot(self, prefix):
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from sklearn.manifold import TSNE

        fig, axes = plt.subplots(1, len(self.codes), figsize=(3.5 * len(self.codes), 3.5))
        for ax, (epoch, code, clusters) in zip(axes, self.codes):
            points = TSNE(2, init="pca", random_state=0).fit_transform(code)
            ax.scatter(points[:, 0], points[:, 1], c=clusters, s=2, cmap="tab10",
                       vmin=0, vmax=9)
            ax.set_title(f"epoch {epoch}")
            ax.set_xticks([])
            ax.set_yticks([])
        fig.suptitle(f"{prefix.name}: t-SNE of the code over the clustering phase, "
                     "coloured by assigned cluster")
        fig.savefig(f"{prefix}-training.png", dpi=100, bbox_inches="tight")
        plt.close(fig)


def _plot_samples(model, shape, prefix, per_cluster=10):
    """A grid of images generated by ``model.sample``: one row per cluster."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n_clusters = len(model.weights_)
    X, y = model.sample(50 * per_cluster * n_clusters)
    fig, axes = plt.subplots(n_clusters, per_cluster,
                             figsize=(per_cluster * 0.8, n_clusters * 0.8))
    for k in range(n_clusters):
        images = X[y == k][:per_cluster]
        for j, ax in enumerate(axes[k]):
            if j < len(images):
                ax.imshow(images[j].reshape(shape[1:]), cmap="gray")
            ax.set_xticks([])
            ax.set_yticks([])
        axes[k, 0].set_ylabel(str(k), rotation=0, labelpad=10)
    fig.suptitle(f"{prefix.name}: samples, one row per cluster")
    fig.savefig(f"{prefix}-samples.png", dpi=100, bbox_inches="tight")
    plt.close(fig)


def _plot_regions(model, X, labels, prefix, plt):
    """Cluster regions of a model on 2-D data (the DMAE paper's Fig. 2)."""
    import numpy as np

    low, high = X.min(axis=0), X.max(axis=0)
    pad = 0.05 * (high - low)
    xx, yy = np.meshgrid(*(np.linspace(lo - p, hi + p, 256) for lo, hi, p in zip(low, high, pad)))
    regions = model.predict(np.c_[xx.ravel(), yy.ravel()]).reshape(xx.shape)
    fig, ax = plt.subplots(figsize=(5, 5))
    colours = {"cmap": "tab10", "vmin": 0, "vmax": 9}
    ax.pcolormesh(xx, yy, regions, alpha=0.3, shading="auto", **colours)
    ax.scatter(X[:, 0], X[:, 1], c=labels, s=3, **colours)
    ax.set_title(f"{prefix.name}: cluster regions")
    fig.savefig(f"{prefix}-regions.png", dpi=100, bbox_inches="tight")
    plt.close(fig)


def _plot_views(model, X, y, prefix, plt, n_points=2000):
    """t-SNE of each view's code and of the fused code (the Deep Fusion GMM paper's Fig. 3).

    Points are coloured by their true class: the figure shows how well each code separates
    the classes; nothing is selected with it.
    """
    import numpy as np
    from sklearn.manifold import TSNE

    rows = np.random.RandomState(0).choice(len(X), min(n_points, len(X)), replace=False)
    codes = [*model.view_transform(X[rows]), model.transform(X[rows])]
    titles = [f"view {v} code" for v in range(len(codes) - 1)] + ["fused code"]
    fig, axes = plt.subplots(1, len(codes), figsize=(4 * len(codes), 4))
    for ax, code, title in zip(np.atleast_1d(axes), codes, titles):
        points = TSNE(2, init="pca", random_state=0).fit_transform(code)
        ax.scatter(points[:, 0], points[:, 1], c=y[rows], s=2, cmap="tab10")
        ax.set_title(title)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle(f"{prefix.name}: t-SNE of the codes, coloured by true class")
    fig.savefig(f"{prefix}-views.png", dpi=100, bbox_inches="tight")
    plt.close(fig)


def summarize(rows):
    """Markdown table: mean ± std over seeds of each (dataset, model)."""
    def fmt(values):
        values = [float(v) for v in values if v != ""]
        if not values:
            return "–"
        std = statistics.stdev(values) if len(values) > 1 else 0.0
        return f"{statistics.mean(values):.3f} ± {std:.3f}"

    lines = [
        "| dataset | model | seeds | ACC | NMI | ARI | fit s | epoch s (median) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    groups = {}
    for row in rows:
        groups.setdefault((row["dataset"], row["model"]), []).append(row)
    for (dataset, model), group in groups.items():
        epoch = [float(r["epoch_seconds"]) for r in group if r["epoch_seconds"] != ""]
        lines.append(
            f"| {dataset} | {model} | {len(group)} | {fmt(r['accuracy'] for r in group)} "
            f"| {fmt(r['nmi'] for r in group)} | {fmt(r['ari'] for r in group)} "
            f"| {statistics.median(float(r['fit_seconds']) for r in group):.1f} "
            f"| {statistics.median(epoch) if epoch else '–':{'.3f' if epoch else ''}} |"
        )
    return "\n".join(lines)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", nargs="+", default=["digits"], choices=sorted(N_CLUSTERS))
    parser.add_argument("--models", nargs="+", default=list(DEFAULT_MODELS), metavar="MODEL",
                        help="deep models to run (default: the main job's eleven); KMeans "
                             "and GaussianMixture run too, unless --no-references. One of: "
                             + ", ".join(DEEP_MODELS))
    parser.add_argument("--no-references", action="store_true",
                        help="skip the KMeans and GaussianMixture rows (e.g. in all but one "
                             "of several processes splitting a job)")
    parser.add_argument("--seeds", type=int, default=3,
                        help="number of seeds (default 3): FIRST_SEED .. FIRST_SEED + N - 1")
    parser.add_argument("--first-seed", type=int, default=0,
                        help="first seed (default 0); split one job across processes with it")
    parser.add_argument("--device", default="auto",
                        help="torch device of the deep models: auto (CUDA when there is one), "
                             "cpu, cuda, cuda:1, ...")
    parser.add_argument("--epoch-scale", type=float, default=0.25,
                        help="multiply every *_epochs parameter of the deep models by this "
                             "(default 0.25, the quick main job; 1 = the models' defaults)")
    parser.add_argument("--quick", action="store_true", help="--epoch-scale 0.1 (smoke test)")
    parser.add_argument("--subset", type=int, default=None,
                        help="stratified subset of this many samples of each data set")
    parser.add_argument("--data-dir", default=None, help="folder of the .npz benchmark files")
    parser.add_argument("--out", default=str(HERE / "results"), help="output folder")
    parser.add_argument("--tag", default=None, help="name of the output files")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch and BLAS/OpenMP threads per run (default: the cores "
                             "divided among the --jobs runs)")
    parser.add_argument("--jobs", type=int, default=None,
                        help="runs at a time (default: one per core, at most 4, on the CPU; "
                             "1 on a GPU). Each run gets its own cores (--threads), so fit "
                             "times stay single-run times; on a shared GPU they are not")
    parser.add_argument("--plots", action="store_true", help="save code and loss figures")
    parser.add_argument("--code-kmeans", action="store_true",
                        help="also score k-means on the code of each fitted deep model")
    parser.add_argument("--set", nargs="+", metavar="KEY=VALUE", default=[], dest="overrides",
                        help="parameters set on every deep model of the run, after the "
                             "per-data-set settings and not scaled by --epoch-scale; the "
                             "rows' model names carry them")
    parser.add_argument("--summarize", nargs="+", metavar="CSV", default=None,
                        help="print the summary table of these result files and exit "
                             "(merges the CSVs of a job split across processes)")
    args = parser.parse_args(argv)
    unknown = set(args.models) - set(DEEP_MODELS) - set(REFERENCES)
    if unknown:
        parser.error(f"unknown models {sorted(unknown)}; available: {list(DEEP_MODELS)}")
    for model in args.models:
        missing = sorted(set(args.datasets) - set(ONLY_ON.get(model, args.datasets)))
        if missing:
            parser.error(f"{model} is defined on {list(ONLY_ON[model])} only, not on {missing}")
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    if args.jobs is None:
        gpu = args.device != "cpu" and _cuda_available()
        args.jobs = 1 if gpu else max(1, min(4, cores or 1))
    if args.threads is None:
        args.threads = max(1, (cores or 1) // args.jobs)
    try:
        args.overrides = parse_overrides(args.overrides)
    except ValueError as error:
        parser.error(str(error))
    if args.plots and not args.summarize and importlib.util.find_spec("matplotlib") is None:
        parser.error("--plots needs matplotlib: pip install -e \".[benchmark]\"")
    missing = [] if args.summarize else _missing_files(args.datasets, args.data_dir)
    if missing:
        parser.error("\n".join(missing))
    return args


def _cuda_available():
    import torch

    return torch.cuda.is_available()


def _missing_files(datasets, data_dir):
    """One message per benchmark file that ``datasets`` need and ``data_dir`` lacks."""
    from skdeepcluster.datasets import BENCHMARKS, get_data_home

    folder = get_data_home(data_dir)
    names = dict.fromkeys(split_view(d)[0] for d in datasets if d not in SYNTHETIC)
    return [
        f"{name} needs {BENCHMARKS[name][0]} in {folder} (--data-dir), which is not there; "
        "the data section of the README says where it comes from"
        for name in names if name in BENCHMARKS and not (folder / BENCHMARKS[name][0]).is_file()
    ]


def read_rows(paths):
    """The rows of result CSVs, for :func:`summarize`."""
    rows = []
    for path in paths:
        with open(path, newline="") as f:
            rows.extend(csv.DictReader(f))
    return rows


def main(argv=None):
    args = parse_args(argv)
    if args.summarize:
        table = summarize(read_rows(args.summarize))
        print(table)
        return table
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    tag = args.tag or datetime.datetime.now().strftime("run-%Y%m%d-%H%M%S")
    commit = _commit()
    models = [] if args.no_references else list(REFERENCES)
    models += [m for m in args.models if m not in REFERENCES]
    jobs = [
        {
            "dataset": dataset, "model": model, "seed": seed, "data_dir": args.data_dir,
            "subset": args.subset, "device": args.device, "threads": args.threads,
            "params": MODEL_PARAMS[dataset].get(model, {}),
            "epoch_scale": 0.1 if args.quick else args.epoch_scale,
            "commit": commit, "plots": args.plots and seed == args.first_seed,
            "code_kmeans": args.code_kmeans, "overrides": args.overrides,
            "plot_prefix": str(out / f"{tag}-{dataset}-{model}"),
        }
        for dataset in args.datasets for model in models
        for seed in range(args.first_seed, args.first_seed + args.seeds)
    ]
    print(f"{len(jobs)} runs on {platform.processor() or platform.machine()}, commit {commit}; "
          f"writing {out / tag}.csv", flush=True)
    rows, failures = [], {}
    context = multiprocessing.get_context("spawn")
    # A fresh process per run (max_tasks_per_child=1): its peak memory is its own, nothing
    # leaks between runs. With --jobs N, N runs share the machine (and its GPU) at a time.
    # (max_tasks_per_child is Python 3.11's; on 3.10 a worker process serves several runs)
    fresh = {"max_tasks_per_child": 1} if sys.version_info >= (3, 11) else {}
    pool = concurrent.futures.ProcessPoolExecutor(args.jobs, mp_context=context, **fresh)
    with pool, open(out / f"{tag}.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, COLUMNS)
        writer.writeheader()
        futures = {pool.submit(run_one, job): job for job in jobs}
        for future in concurrent.futures.as_completed(futures):
            job = futures[future]
            try:
                job_rows = future.result()
            except Exception as error:  # one failed run must not lose the others
                cause = f"{type(error).__name__}: {error}"
                if cause not in failures:
                    print(f"FAILED: {cause}", flush=True)
                failures.setdefault(cause, []).append(
                    f"{job['dataset']} {job['model']} seed {job['seed']}")
                continue
            for row in job_rows:
                rows.append(row)
                writer.writerow(row)
                print(f"{row['dataset']:>12} {row['model']:>16} seed {row['seed']}  "
                      f"ACC {row['accuracy']:.3f}  NMI {row['nmi']:.3f}  ARI {row['ari']:.3f}  "
                      f"{row['fit_seconds']:.1f}s", flush=True)
            f.flush()
    # Summary rows in the order of the jobs, not of their completion.
    order = {(job["dataset"], run_label(job["model"], job["overrides"])): i
             for i, job in reversed(list(enumerate(jobs)))}
    rows.sort(key=lambda row: (order[row["dataset"], row["model"].removesuffix("+KMeans")],
                               row["model"], row["seed"]))
    scale = jobs[0]["epoch_scale"] if jobs else 1
    table = f"Epochs: x{scale:g} of each deep model's defaults.\n\n" + summarize(rows)
    (out / f"{tag}.md").write_text(table + "\n")
    print("\n" + table)
    if failures:
        raise RunsFailed(failures, len(jobs))
    return rows


class RunsFailed(Exception):
    """Some runs of a job failed: one entry per distinct cause, with the runs it stopped."""

    def __init__(self, failures, n_runs):
        self.failures = failures
        lines = [f"{sum(map(len, failures.values()))} of {n_runs} runs failed:"]
        for cause, runs in failures.items():
            shown = ", ".join(runs[:3]) + (f" and {len(runs) - 3} more" if len(runs) > 3 else "")
            lines.append(f"  {cause}\n    ({len(runs)} runs: {shown})")
        super().__init__("\n".join(lines))


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    try:
        main()
    except RunsFailed as error:
        sys.exit(f"\n{error}")
