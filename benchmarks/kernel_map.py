"""Moons and circles through a fixed RBF random-feature map, then k-means or DMM.

The DMAE reference code does not pretrain its 2-256-256-100 encoder on moons and circles as
an autoencoder: it regresses the encoder onto 100 random Fourier features of an RBF kernel
(``gamma`` 30 for moons, 10 for circles; the values in that code, not chosen here). This
script measures what such a map gives on its own, as scikit-learn's ``RBFSampler`` in a
pipeline in front of a shallow clusterer, to separate the representation from the model,
and spectral clustering with the same kernel (on the exact affinity matrix) beside it::

    python benchmarks/kernel_map.py --seeds 10
    python benchmarks/kernel_map.py --seeds 5 --n-components 5000
    python benchmarks/kernel_map.py --seeds 10 --objective

``--objective`` asks instead whether k-means fails on the objective or on the search: for
each seed it scores the k-means partition of the random features and the true classes by
the same criterion, the kernel k-means objective on the exact kernel (the mean squared
distance of each point to its cluster's mean in the kernel's feature space), and counts
the seeds where the classes score lower (better) than what k-means found; then the same on
the random features themselves (the kernel they approximate, ``F F^T``), the code that
DMAE's mixture starts from (its end-to-end phase then retrains the encoder, and with it the
code: see BENCHMARKS.md §7.1).
"""

import argparse
import statistics

import numpy as np
from sklearn.cluster import KMeans, SpectralClustering
from sklearn.datasets import make_circles, make_moons
from sklearn.kernel_approximation import RBFSampler
from sklearn.metrics.pairwise import rbf_kernel
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


def kmeans(seed):
    """The k-means of both tables: 2 clusters, 10 initialisations."""
    return KMeans(2, n_init=10, random_state=seed)


def random_features(gamma, n_components, seed):
    """The map of both tables: ``n_components`` random Fourier features of the RBF kernel."""
    return RBFSampler(gamma=gamma, n_components=n_components, random_state=seed)


def feature_labels(X, gamma, n_components, clusterer, seed):
    """Labels of ``clusterer`` on ``n_components`` RBF random features of ``X``."""
    return make_pipeline(random_features(gamma, n_components, seed), clusterer).fit_predict(X)


def kernel_kmeans_objective(K, labels):
    """Mean squared distance of each point to its cluster's mean in the feature space of
    the kernel matrix ``K``: ``(trace K - sum_c sum_{i,j in c} K_ij / |c|) / n``."""
    total = np.trace(K)
    for cluster in np.unique(labels):
        members = labels == cluster
        total -= K[np.ix_(members, members)].sum() / members.sum()
    return total / len(K)


def objective_table(seeds, n_components):
    """Kernel k-means objective of k-means on the random features against the classes',
    on the exact kernel and on the random features' own (approximate) kernel."""
    print("| data | gamma | kernel | seeds | k-means ACC | k-means objective "
          "| classes' objective | seeds where the classes score lower |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for name, (make, gamma) in DATA.items():
        X, y = make()
        K = rbf_kernel(X, gamma=gamma)
        scores = {"exact": ([], []), "random features": ([], [])}
        accuracy = []
        for seed in range(seeds):
            # the features are drawn once: k-means clusters them, and their kernel scores
            F = random_features(gamma, n_components, seed).fit_transform(X)
            labels = kmeans(seed).fit_predict(F)
            accuracy.append(clustering_report(y, labels)["accuracy"])
            for (found, truth), matrix in zip(scores.values(), (K, F @ F.T)):
                found.append(kernel_kmeans_objective(matrix, labels))
                truth.append(kernel_kmeans_objective(matrix, y))
        for kernel, (found, truth) in scores.items():
            lower = sum(t < f for t, f in zip(truth, found))
            print(f"| {name} | {gamma:g} | {kernel} | {seeds} | {statistics.mean(accuracy):.3f} "
                  f"| {statistics.mean(found):.5f} ± {statistics.stdev(found):.5f} "
                  f"| {statistics.mean(truth):.5f} ± {statistics.stdev(truth):.5f} "
                  f"| {lower} of {seeds} |", flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--n-components", type=int, default=100,
                        help="random Fourier features (the reference code: 100)")
    parser.add_argument("--objective", action="store_true",
                        help="compare the kernel k-means objective of k-means' partition "
                             "with the classes' (see above)")
    args = parser.parse_args(argv)
    print(f"{args.n_components} random features")
    if args.objective:
        return objective_table(args.seeds, args.n_components)
    print("| data | gamma | clusterer | seeds | ACC | NMI |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, (make, gamma) in DATA.items():
        X, y = make()
        for label, clusterer in [
            ("KMeans", kmeans),
            ("DMM (euclidean)", lambda s: DMM(2, max_epochs=40, batch_size=32, random_state=s,
                                              device="cpu")),
        ]:
            reports = [
                clustering_report(y, feature_labels(X, gamma, args.n_components,
                                                    clusterer(seed), seed))
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
