"""Fit time and peak memory from 10^5 to 10^7 rows, and the k-means start on a large code.

``--fits``: AEKMeans, AEGMM, DEC and TorchGaussianMixture fit N rows of 64 float32 features
(embeddings-like: 10 Gaussian blobs in 10 dimensions mapped into 64 by a random linear map,
plus noise), held in memory (``memory``) or memory-mapped from a file (``memmap``). Each fit
runs in its own process, which samples its memory every 20 ms: the peak resident set
(``VmRSS``, which counts the file's pages it has read) and the peak private memory
(``RssAnon``, which does not), and how much private memory the fit added to what the
process held before it (the rows when they are in memory, Python and torch). The data take
N x 64 x 4 bytes; the ratios are against that.
The autoencoder models train one epoch of a 64-256-256-10 network at batch 1024 (DEC one
more epoch of self-training), the mixture ten EM iterations of a diagonal mixture from
k-means++ seeds (scikit-learn's ``KMeans`` start copies the rows). ARI against the blobs is
reported, not used.

``--kmeans``: the k-means start on a code of 10 dimensions (10 overlapping blobs): scikit-
learn's ``KMeans`` (Lloyd, ``n_init`` starts, what AEKMeans and DEC run) against
``MiniBatchKMeans`` (batches of 4,096), time and inertia, and the ARI between the two
partitions::

    python benchmarks/scale.py --fits --rows 100000 1000000 --dir scale-data
    python benchmarks/scale.py --kmeans --rows 100000 1000000 10000000
"""

import argparse
import json
import os
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

N_FEATURES, N_CLUSTERS, CHUNK = 64, 10, 250_000
MODELS = ("AEKMeans", "AEGMM", "DEC", "TorchGaussianMixture")


def write_rows(path, n, seed=0):
    """N x 64 float32 rows and their blob labels, written a chunk at a time."""
    rng = np.random.RandomState(seed)
    centers = rng.normal(scale=3.0, size=(N_CLUSTERS, 10))
    mixing = rng.normal(size=(10, N_FEATURES)) / np.sqrt(10)
    X = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(n, N_FEATURES))
    labels = rng.randint(N_CLUSTERS, size=n)
    for start in range(0, n, CHUNK):
        part = labels[start : start + CHUNK]
        low = centers[part] + rng.normal(size=(len(part), 10))
        X[start : start + CHUNK] = low @ mixing + 0.1 * rng.normal(size=(len(part), N_FEATURES))
    X.flush()
    np.save(str(path).replace(".npy", "-labels.npy"), labels)


def model_for(name):
    from skdeepcluster import AEGMM, AEKMeans, DEC, TorchGaussianMixture

    network = {"hidden_dims": (256, 256), "latent_dim": 10, "batch_size": 1024,
               "pretrain_epochs": 1, "random_state": 0, "device": "cpu"}
    if name == "TorchGaussianMixture":
        return TorchGaussianMixture(N_CLUSTERS, covariance_type="diag", init_params="k-means++",
                                    max_iter=10, random_state=0, device="cpu")
    if name == "DEC":
        return DEC(N_CLUSTERS, max_epochs=1, **network)
    return {"AEKMeans": AEKMeans, "AEGMM": AEGMM}[name](N_CLUSTERS, **network)


def child(args):
    """One fit, in this process: print its time, peak memory and ARI as JSON."""
    from sklearn.metrics import adjusted_rand_score

    X = np.load(args.path, mmap_mode="r")
    labels = np.load(args.path.replace(".npy", "-labels.npy"))
    if args.storage == "memory":
        X = np.array(X)
    peaks = {"VmRSS": 0, "RssAnon": 0}
    done = threading.Event()

    def sample():
        while not done.is_set():
            for line in open("/proc/self/status"):
                key = line.split(":")[0]
                if key in peaks:
                    peaks[key] = max(peaks[key], int(line.split()[1]) * 1024)
            time.sleep(0.02)

    before = {key: 0 for key in peaks}
    for line in open("/proc/self/status"):
        key = line.split(":")[0]
        if key in before:
            before[key] = int(line.split()[1]) * 1024
    model = model_for(args.model)
    watcher = threading.Thread(target=sample, daemon=True)
    watcher.start()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = time.perf_counter()
        predicted = model.fit_predict(X)
        seconds = time.perf_counter() - start
    done.set()
    watcher.join()
    data = X.shape[0] * X.shape[1] * 4
    print(json.dumps({
        "model": args.model, "rows": int(X.shape[0]), "storage": args.storage,
        "fit_s": round(seconds, 1), "data_gib": round(data / 2**30, 3),
        "peak_rss_gib": round(peaks["VmRSS"] / 2**30, 3),
        "peak_anon_gib": round(peaks["RssAnon"] / 2**30, 3),
        "anon_before_gib": round(before["RssAnon"] / 2**30, 3),
        "fit_anon_gib": round((peaks["RssAnon"] - before["RssAnon"]) / 2**30, 3),
        "peak_rss_over_data": round(peaks["VmRSS"] / data, 2),
        "peak_anon_over_data": round(peaks["RssAnon"] / data, 2),
        "ari": round(float(adjusted_rand_score(labels, predicted)), 3),
    }))


def fits(args):
    folder = Path(args.dir)
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for n in args.rows:
        path = folder / f"rows-{n}.npy"
        if not path.exists():
            write_rows(path, n)
        for storage in args.storage:
            for model in args.models:
                command = [sys.executable, __file__, "--child", "--path", str(path),
                           "--storage", storage, "--model", model]
                env = {**os.environ, "OMP_NUM_THREADS": str(args.threads)}
                if args.mmap_threshold:
                    env["MALLOC_MMAP_THRESHOLD_"] = str(args.mmap_threshold)
                run = subprocess.run(command, capture_output=True, text=True, env=env)
                if run.returncode:
                    print(run.stderr[-2000:], file=sys.stderr)
                    continue
                row = json.loads(run.stdout.strip().splitlines()[-1])
                row["mmap_threshold"] = args.mmap_threshold
                print(json.dumps(row), flush=True)
                rows.append(row)
    return rows


def kmeans(args):
    from sklearn.cluster import KMeans, MiniBatchKMeans
    from sklearn.datasets import make_blobs
    from sklearn.metrics import adjusted_rand_score

    rows = []
    for n in args.rows:
        code, _ = make_blobs(n, n_features=10, centers=N_CLUSTERS, cluster_std=3.0,
                             center_box=(-10, 10), random_state=0)
        out = {"rows": n}
        for name, estimator in (
            ("kmeans", KMeans(N_CLUSTERS, n_init=args.n_init, random_state=0)),
            ("minibatch", MiniBatchKMeans(N_CLUSTERS, n_init=args.n_init, batch_size=4096,
                                          random_state=0)),
        ):
            start = time.perf_counter()
            estimator.fit(code)
            out[f"{name}_s"] = round(time.perf_counter() - start, 2)
            out[f"{name}_inertia"] = float(estimator.inertia_)
            out[f"{name}_labels"] = estimator.labels_
        out["inertia_ratio"] = round(out["minibatch_inertia"] / out["kmeans_inertia"], 4)
        out["ari_between"] = round(float(adjusted_rand_score(
            out.pop("kmeans_labels"), out.pop("minibatch_labels"))), 4)
        print(json.dumps(out), flush=True)
        rows.append(out)
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fits", action="store_true")
    parser.add_argument("--kmeans", action="store_true")
    parser.add_argument("--rows", nargs="+", type=int, default=[100_000, 1_000_000])
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=MODELS)
    parser.add_argument("--storage", nargs="+", default=["memory", "memmap"],
                        choices=["memory", "memmap"])
    parser.add_argument("--dir", default="scale-data", help="where the rows' files go")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--n-init", type=int, default=10)
    parser.add_argument("--mmap-threshold", type=int, default=None,
                        help="glibc's MALLOC_MMAP_THRESHOLD_ for the fits (bytes): large "
                             "blocks then go back to the system when freed")
    parser.add_argument("--out", default=None, help="JSON file for the rows")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--path", help=argparse.SUPPRESS)
    parser.add_argument("--model", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        args.storage = args.storage[0] if isinstance(args.storage, list) else args.storage
        return child(args)
    results = {}
    if args.fits:
        results["fits"] = fits(args)
    if args.kmeans:
        results["kmeans"] = kmeans(args)
    if args.out:
        Path(args.out).write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
