"""A fit's time with other CPU-bound processes on the machine, by torch/BLAS thread count.

Starts ``--busy`` competing processes (each a single-threaded busy loop), then times the
same fit (AEKMeans on digits, ``--epochs`` pretraining epochs) in a fresh subprocess with
1 thread and with torch's default (one per core), ``--repeats`` times each, interleaved.
Prints the median of each and their ratio; the same with no competing process for
reference. Example::

    python benchmarks/threads.py --busy 2 --repeats 3
"""

import argparse
import multiprocessing
import os
import statistics
import subprocess
import sys
import time

FIT = """
import time, torch
from threadpoolctl import threadpool_limits
from skdeepcluster import AEKMeans
from skdeepcluster.datasets import load_benchmark
threads = {threads}
if threads:
    torch.set_num_threads(threads)
    threadpool_limits(threads)
X, _ = load_benchmark("digits")
start = time.perf_counter()
AEKMeans(10, pretrain_epochs={epochs}, random_state=0, device="cpu").fit(X)
print(time.perf_counter() - start)
"""


def _busy(stop):
    x = 0
    while not stop.is_set():
        for i in range(100_000):
            x += i * i


def time_fit(threads, epochs):
    env = {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS")}
    out = subprocess.run(
        [sys.executable, "-c", FIT.format(threads=threads, epochs=epochs)],
        capture_output=True, text=True, check=True, env=env,
    ).stdout
    return float(out.strip().splitlines()[-1])


def measure(threads_options, epochs, repeats):
    times = {t: [] for t in threads_options}
    for _ in range(repeats):
        for threads in threads_options:
            times[threads].append(time_fit(threads, epochs))
    return {t: statistics.median(v) for t, v in times.items()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--busy", type=int, default=2, help="competing busy processes")
    parser.add_argument("--epochs", type=int, default=5, help="pretraining epochs of the fit")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    options = (0, 1)  # 0: torch's default thread count
    label = {0: f"default ({os.cpu_count()} cores)", 1: "1 thread"}
    print(f"{os.cpu_count()} cores; AEKMeans on digits, {args.epochs} epochs; "
          f"median of {args.repeats}")
    idle = measure(options, args.epochs, args.repeats)
    stop = multiprocessing.Event()
    workers = [multiprocessing.Process(target=_busy, args=(stop,)) for _ in range(args.busy)]
    for worker in workers:
        worker.start()
    time.sleep(1)
    try:
        busy = measure(options, args.epochs, args.repeats)
    finally:
        stop.set()
        for worker in workers:
            worker.join()
    print("| threads | idle machine (s) | with {} busy processes (s) |".format(args.busy))
    print("| --- | --- | --- |")
    for threads in options:
        print(f"| {label[threads]} | {idle[threads]:.1f} | {busy[threads]:.1f} |")
    print(f"| ratio default / 1 thread | {idle[0] / idle[1]:.2f} | {busy[0] / busy[1]:.2f} |")


if __name__ == "__main__":
    main()
