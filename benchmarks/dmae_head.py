"""Cost of DMAE's dissimilarity-mixture head: seconds per end-to-end epoch vs. a pretraining epoch.

One process fits DMAE ``--repeats`` times with a few epochs of each phase on the same network
and data; the pretraining epoch (the autoencoder alone, exactly what AE+KMeans trains) is the
reference measured in the same fit. Prints, per dissimilarity, the median seconds per epoch
of each phase and their ratio. The data are random (timing does not depend on the values),
shaped like MNIST by default::

    python benchmarks/dmae_head.py --n-samples 10000 --n-features 784 --repeats 3
"""

import argparse
import statistics

import numpy as np
import torch

from skdeepcluster import DMAE


def measure(X, dissimilarity, *, epochs, device, seed):
    model = DMAE(
        10, pretrain_epochs=epochs, max_epochs=epochs, dissimilarity=dissimilarity,
        device=device, random_state=seed,
    ).fit(X)
    dur = {
        phase: statistics.median(r["dur"] for r in model.history_ if r["phase"] == phase)
        for phase in ("pretrain", "cluster")
    }
    return dur["pretrain"], dur["cluster"]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n-samples", type=int, default=10000)
    parser.add_argument("--n-features", type=int, default=784)
    parser.add_argument("--epochs", type=int, default=3, help="epochs of each phase per fit")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--dissimilarities", nargs="+",
                        default=["euclidean", "mahalanobis", "kullback_leibler"])
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    X = np.random.RandomState(0).rand(args.n_samples, args.n_features).astype(np.float32)
    print(f"{args.n_samples} x {args.n_features}, D-500-500-2000-10, batch 256, "
          f"{args.epochs} epochs per phase, {args.repeats} repeats")
    print("| dissimilarity | pretrain s/epoch | end-to-end s/epoch | ratio |")
    print("| --- | --- | --- | --- |")
    for name in args.dissimilarities:
        runs = [measure(X, name, epochs=args.epochs, device=args.device, seed=r)
                for r in range(args.repeats)]
        pre = statistics.median(r[0] for r in runs)
        end = statistics.median(r[1] for r in runs)
        ratio = statistics.median(r[1] / r[0] for r in runs)
        print(f"| {name} | {pre:.3f} | {end:.3f} | {ratio:.2f} |", flush=True)


if __name__ == "__main__":
    main()
