"""Predicting new rows with the graph models (SDCN, SDDECC): time and memory against N.

A model is fitted on the first N rows of MNIST (one pretraining epoch and one joint step:
the training's quality does not change the cost of a prediction), then predicts rows it
has not seen: one row at a time and 1,000 rows at once. The first prediction builds the
kept training supports (one full-graph pass); the later ones reuse them. Memory is the
rise of the process's peak resident size during a call, from a reset peak (Linux).
Timings are medians over ``--repeats`` calls. Example::

    python benchmarks/graph_predict.py --sizes 10000 20000 --data-dir DIR --threads 1
"""

import argparse
import pickle
import platform
import statistics
import time
from pathlib import Path

import torch
from threadpoolctl import threadpool_limits

from skdeepcluster import SDCN, SDDECC
from skdeepcluster.datasets import load_benchmark


def _rss_kib(field):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


def _measure(fn):
    """``(seconds, rise of the peak resident size in MiB)`` of one call of ``fn``."""
    Path("/proc/self/clear_refs").write_text("5")  # the peak becomes the current size
    before = _rss_kib("VmRSS")
    start = time.perf_counter()
    fn()
    seconds = time.perf_counter() - start
    return seconds, (_rss_kib("VmHWM") - before) / 1024


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", nargs="+", type=int, default=[10_000, 20_000])
    parser.add_argument("--models", nargs="+", default=["SDCN", "SDDECC"],
                        choices=["SDCN", "SDDECC"])
    parser.add_argument("--data-dir", default=None, help="folder of mnist.npz")
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--threads", type=int, default=0, help="torch and BLAS threads")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
        threadpool_limits(args.threads)
    X, _ = load_benchmark("mnist", data_home=args.data_dir)
    unseen = X[-1000:]
    print(f"{platform.machine()}, torch {torch.__version__}, {torch.get_num_threads()} threads; "
          f"medians of {args.repeats} calls")
    print("| model | N | fit s | first predict, 1 row: s / MiB | 1 row: ms / MiB "
          "| 1,000 rows: s / MiB |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name in args.models:
        for n in args.sizes:
            common = dict(n_clusters=10, pretrain_epochs=1, max_epochs=1, random_state=0,
                          device="cpu")
            if name == "SDCN":
                model = SDCN(**common)
            else:
                model = SDDECC(**common, input_shape=(1, 28, 28), gcn_warmup_epochs=1)
            start = time.perf_counter()
            model.fit(X[:n])
            fit_seconds = time.perf_counter() - start
            # as a served model starts: loaded, without the kept supports
            model = pickle.loads(pickle.dumps(model))
            first = _measure(lambda: model.predict(unseen[:1]))
            rows = [_measure(lambda i=i: model.predict(unseen[i : i + 1]))
                    for i in range(1, args.repeats + 1)]
            batch = [_measure(lambda: model.predict(unseen)) for _ in range(3)]
            one_s, one_mib = (statistics.median(v) for v in zip(*rows))
            batch_s, batch_mib = (statistics.median(v) for v in zip(*batch))
            print(f"| {name} | {n:,} | {fit_seconds:.0f} | {first[0]:.2f} / {first[1]:.0f} "
                  f"| {one_s * 1000:.1f} / {one_mib:.1f} | {batch_s:.2f} / {batch_mib:.0f} |",
                  flush=True)


if __name__ == "__main__":
    main()
