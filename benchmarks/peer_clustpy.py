"""Our DEC and IDEC against the ``clustpy`` package's, same data, network, epochs and machine.

``clustpy`` is a peer library, not a dependency: install it in a separate environment
together with this package (``pip install clustpy`` and ``pip install -e .``), and run this
script there, so that both use the same torch build. Both libraries get the
D-500-500-2000-10 autoencoder, batch size 256, Adam, ``--pretrain-epochs`` of pretraining
and ``--cluster-epochs`` of clustering; everything else is each library's default. Our
``tol`` is set to 0 so that ours too runs every epoch. Printed: ACC/NMI per run, seconds per
epoch (fit time over all epochs, pretraining included), and the ratio of clustpy's to ours
for each seed (above 1: ours is faster). Example::

    python benchmarks/peer_clustpy.py --dataset usps --data-dir DIR --seeds 3
"""

import argparse
import statistics
import time

import torch

from skdeepcluster import DEC, IDEC
from skdeepcluster.datasets import load_benchmark
from skdeepcluster.metrics import clustering_report


def fit_ours(name, X, k, seed, args):
    model = {"DEC": DEC, "IDEC": IDEC}[name](
        k, pretrain_epochs=args.pretrain_epochs, max_epochs=args.cluster_epochs, tol=0.0,
        batch_size=256, device="cpu", random_state=seed,
    )
    return model.fit_predict(X)


def fit_clustpy(name, X, k, seed, args):
    import clustpy.deep

    model = getattr(clustpy.deep, name)(
        k, batch_size=256, pretrain_epochs=args.pretrain_epochs,
        clustering_epochs=args.cluster_epochs, embedding_size=10, device="cpu",
        random_state=seed,
    )
    return model.fit(X).labels_


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", default="usps")
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--pretrain-epochs", type=int, default=20)
    parser.add_argument("--cluster-epochs", type=int, default=20)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    X, y = load_benchmark(args.dataset, data_home=args.data_dir)
    k = len(set(y))
    epochs = args.pretrain_epochs + args.cluster_epochs
    print(f"{args.dataset} {X.shape}, {args.pretrain_epochs} + {args.cluster_epochs} epochs, "
          f"torch {torch.__version__}, {args.threads} threads")
    print("| model | library | seed | ACC | NMI | s / epoch |")
    print("| --- | --- | --- | --- | --- | --- |")
    ratios = {}
    for name in ("DEC", "IDEC"):
        for seed in range(args.seeds):
            per_epoch = {}
            # alternate the order so that neither library always runs on a warmer machine
            libraries = [("ours", fit_ours), ("clustpy", fit_clustpy)]
            for library, fit in libraries[:: 1 if seed % 2 == 0 else -1]:
                start = time.perf_counter()
                labels = fit(name, X, k, seed, args)
                per_epoch[library] = (time.perf_counter() - start) / epochs
                report = clustering_report(y, labels)
                print(f"| {name} | {library} | {seed} | {report['accuracy']:.3f} "
                      f"| {report['nmi']:.3f} | {per_epoch[library]:.3f} |", flush=True)
            ratios.setdefault(name, []).append(per_epoch["clustpy"] / per_epoch["ours"])
    for name, values in ratios.items():
        print(f"{name}: clustpy / ours seconds per epoch, median over seeds "
              f"{statistics.median(values):.2f} (runs: {', '.join(f'{v:.2f}' for v in values)})")


if __name__ == "__main__":
    main()
