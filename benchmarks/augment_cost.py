"""Cost of the shared image augmentation: seconds per pretraining epoch with and without it.

Each repeat fits ``AEKMeans`` twice on the same data and network, once with
``augment="pretrain"`` and once with ``augment="none"`` (the optimizer fixed to SGD in both,
so that only the augmentation differs), in alternating order; the ratio of their median
epoch times is taken per repeat, and the table gives the medians over repeats. The data are
uniform random pixels (timing does not depend on the values), shaped like the benchmark
images::

    python benchmarks/augment_cost.py --shapes 1,28,28 1,16,16 1,8,8 --repeats 3
"""

import argparse
import statistics

import numpy as np
import torch

from skdeepcluster import AEKMeans


def epoch_seconds(X, shape, augment, *, epochs, device, seed):
    model = AEKMeans(
        10, pretrain_epochs=epochs, input_shape=shape, augment=augment,
        pretrain_optimizer="sgd", pretrain_lr=1.0, device=device, random_state=seed,
    ).fit(X)
    return statistics.median(r["dur"] for r in model.history_ if r["phase"] == "pretrain")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shapes", nargs="+", default=["1,28,28", "1,16,16", "1,8,8"],
                        help="image shapes C,H,W to time")
    parser.add_argument("--n-samples", type=int, default=10000)
    parser.add_argument("--epochs", type=int, default=3, help="pretraining epochs per fit")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--threads", type=int, default=None, help="torch threads")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"{args.n_samples} images, D-500-500-2000-10, batch 256, {args.epochs} epochs per "
          f"fit, {args.repeats} repeats, {torch.get_num_threads()} torch threads")
    print("| image | plain s/epoch | augmented s/epoch | ratio |")
    print("| --- | --- | --- | --- |")
    for text in args.shapes:
        shape = tuple(int(n) for n in text.split(","))
        X = np.random.RandomState(0).rand(args.n_samples, int(np.prod(shape)))
        X = X.astype(np.float32)
        plain, augmented = [], []
        for r in range(args.repeats):
            order = ("none", "pretrain") if r % 2 == 0 else ("pretrain", "none")
            for augment in order:
                dur = epoch_seconds(X, shape, augment, epochs=args.epochs, device=args.device,
                                    seed=r)
                (plain if augment == "none" else augmented).append(dur)
        ratio = statistics.median(a / p for a, p in zip(augmented, plain))
        print(f"| {'x'.join(map(str, shape))} | {statistics.median(plain):.3f} | "
              f"{statistics.median(augmented):.3f} | {ratio:.3f} |", flush=True)


if __name__ == "__main__":
    main()
