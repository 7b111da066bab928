"""Overhead of the training loop: seconds per epoch of AEKMeans pretraining vs. a bare loop.

The same autoencoder (D-500-500-2000-10 by default), data, batch size and optimizer are
trained three ways, interleaved and repeated, in one process:

- ``bare``: a plain PyTorch loop over a tensor on the device, sliced by ``randperm``;
- ``ours (in memory)``: ``skdeepcluster.training.train_module``, the path the estimators use;
- ``ours (DataLoader)``: the same loop with the DataLoader fallback (row-wise indexing and
  collation, what skorch does by default).

Prints the median seconds per epoch of each and its ratio to the bare loop. The data are
random (timing does not depend on the values), shaped like MNIST by default::

    python benchmarks/overhead.py --n-samples 10000 --n-features 784 --repeats 5
"""

import argparse
import copy
import statistics
import time

import torch

from skdeepcluster.nn import MLPAutoencoder, ReconstructionLoss
from skdeepcluster.training import TrainingConfig, local_torch_seed, train_module


def _sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def bare_loop(module, X, *, epochs, batch_size, lr, generator):
    """The reference: the shortest correct mini-batch loop."""
    optimizer = torch.optim.Adam(module.parameters(), lr=lr)
    criterion = ReconstructionLoss("mse")
    module.train()
    for _ in range(epochs):
        order = torch.randperm(len(X), generator=generator).to(X.device)
        total = 0.0
        for start in range(0, len(X), batch_size):
            xb = X[order[start : start + batch_size]]
            optimizer.zero_grad()
            loss = criterion(module(xb), xb)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(xb)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n-samples", type=int, default=10000)
    parser.add_argument("--n-features", type=int, default=784)
    parser.add_argument("--hidden-dims", type=int, nargs="*", default=[500, 500, 2000])
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--epochs", type=int, default=2, help="epochs per timed call")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    with local_torch_seed(0, device):
        X = torch.rand(args.n_samples, args.n_features)
        base = MLPAutoencoder(args.n_features, tuple(args.hidden_dims), 10)

    def ours(in_memory):
        def run(module, X_device, generator):
            config = TrainingConfig(device=device, batch_size=args.batch_size, lr=1e-3,
                                    in_memory=in_memory)
            # the estimators hand the loop host data; it moves it to the device itself
            train_module(module, X, ReconstructionLoss("mse"), phase="pretrain",
                         max_epochs=args.epochs, config=config, generator=generator)
        return run

    variants = {
        "bare": lambda module, X_device, generator: bare_loop(
            module, X_device, epochs=args.epochs, batch_size=args.batch_size, lr=1e-3,
            generator=generator,
        ),
        "ours (in memory)": ours(True),
        "ours (DataLoader)": ours(False),
    }
    X_device = X.to(device)
    seconds = {name: [] for name in variants}
    for repeat in range(args.repeats + 1):  # round 0 warms up (allocator, kernels) untimed
        for name, run in variants.items():
            module = copy.deepcopy(base).to(device)
            _sync(device)
            start = time.perf_counter()
            run(module, X_device, torch.Generator().manual_seed(0))
            _sync(device)
            if repeat:
                seconds[name].append((time.perf_counter() - start) / args.epochs)
    reference = statistics.median(seconds["bare"])
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "CPU"
    print(f"device {name}, torch threads {torch.get_num_threads()}, data "
          f"{args.n_samples}x{args.n_features}, batch {args.batch_size}, "
          f"{args.repeats} repeats x {args.epochs} epochs")
    print("| loop | s/epoch (median) | min | max | ratio to bare |")
    print("| --- | --- | --- | --- | --- |")
    for name, values in seconds.items():
        median = statistics.median(values)
        print(f"| {name} | {median:.4f} | {min(values):.4f} | {max(values):.4f} "
              f"| {median / reference:.3f} |")


if __name__ == "__main__":
    main()
