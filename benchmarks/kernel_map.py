"""Moons and circles through a fixed RBF random-feature map, then k-means or DMM.

The DMAE reference code does not pretrain its 2-256-256-100 encoder on moons and circles as
an autoencoder: it regresses the encoder onto 100 random Fourier features of an RBF kernel
(``gamma`` 30 for moons, 10 for circles; the values in that code, not chosen here). This
script measures what such a map gives on its own, as scikit-learn's ``RBFSampler`` in a
pipeline in front of a shallow clusterer, to separate the representation from the model,
and spectral clustering with the same kernel (on the exact affinity matrix) beside it::

    python benchmarks/kernel_map.py --seeds 10
    python benchmarks/kernel_map.py --seeds 5 --n-components 5000
"""

import argparse
import statistics

from sklearn.cluster import KMeans, SpectralClustering
from sklearn.datasets import make_circles, make_moons
from sklearn.kernel_approximation import RBFSampler
from sklearn.pipeline import make_pipeline

from skdeepcluster import DMM
from skdeepcluster.metrics import clustering_report

DATA = {
    "moons": (lambda: make_moons(1000, noise=0.1, random_state=0), 30.0),
    "circles": (lambda: make_circles(1000, noise=0.1, factor=0.1, random_state=0), 10.0),
}


def _print_row(name, gamma, label, reports):
    def fmt(key):
        values = [r[key] for r in reports]
        return f"{statistics.mean(values):.3f} ± {statistics.stdev(values):.3f}"

    print(f"| {name} | {gamma:g} | {label} | {len(reports)} | {fmt('accuracy')} "
          f"| {fmt('nmi')} |", flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--n-components", type=int, default=100,
                        help="random Fourier features (the reference code: 100)")
    args = parser.parse_args(argv)
    print(f"{args.n_components} random features")
    print("| data | gamma | clusterer | seeds | ACC | NMI |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, (make, gamma) in DATA.items():
        X, y = make()
        for label, clusterer in [
            ("KMeans", lambda s: KMeans(2, n_init=10, random_state=s)),
            ("DMM (euclidean)", lambda s: DMM(2, max_epochs=40, batch_size=32, random_state=s,
                                              device="cpu")),
        ]:
            reports = [
                clustering_report(y, make_pipeline(
                    RBFSampler(gamma=gamma, n_components=args.n_components, random_state=seed),
                    clusterer(seed),
                ).fit_predict(X))
                for seed in range(args.seeds)
            ]
            _print_row(name, gamma, label, reports)
        reports = [
            clustering_report(y, SpectralClustering(2, gamma=gamma, random_state=seed)
                              .fit_predict(X))
            for seed in range(args.seeds)
        ]
        _print_row(name, gamma, "SpectralClustering (exact kernel)", reports)


if __name__ == "__main__":
    main()
