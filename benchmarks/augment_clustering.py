"""DEC's and IDEC's clustering phase with and without augmented batches, from one pretraining.

DEC-DA's question (Guo et al., 2018): does training the self-training phase on augmented
batches, against a target ``P`` computed from the clean images, give better clusters? A DEC
and an IDEC fit with the same parameters and seed share their pretraining and their k-means
start, so each seed here pretrains once and then runs four clustering phases from that same
state (the same network, the same batch order, the same augmentation draws):

- ``DEC`` and ``IDEC`` with ``augment="pretrain"`` (the default on images),
- ``DEC-all`` and ``IDEC-all`` with ``augment="all"`` (DEC-DA's clustering phase),

and records the k-means start too (``AEKMeans``: AEKMeans' own labels at the same
parameters). Each branch's labels are those of the full fit at that setting
(``--check`` verifies that on digits, in under a minute). The label-free criterion is the
stability over seeds: the mean adjusted Rand index between the seeds' partitions. ACC,
NMI and ARI against the labels only score.

    python benchmarks/augment_clustering.py --dataset usps --seeds 0 1 2 --data-dir DIR \
        --out benchmarks/results --tag usps-augment-clustering
    python benchmarks/augment_clustering.py --summarize benchmarks/results/usps-augment-*.npz
    python benchmarks/augment_clustering.py --check
"""

import copy
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import branch_script_main  # noqa: E402

from skdeepcluster import DEC, IDEC  # noqa: E402
from skdeepcluster._rng import generator_for  # noqa: E402

#: ``(name, model class, augment)`` of the clustering phases run from each pretraining.
BRANCHES = (
    ("DEC", DEC, "pretrain"), ("DEC-all", DEC, "all"),
    ("IDEC", IDEC, "pretrain"), ("IDEC-all", IDEC, "all"),
)


class BranchingDEC(DEC):
    """DEC whose fit runs every clustering phase of :data:`BRANCHES` from its pretraining.

    The fitted model is the last branch's; ``branches_`` holds every branch's labels. Its
    pretraining must be the one both settings share: ``augment`` ``"pretrain"``, or
    ``"auto"`` where that resolves to it (images taking the image recipe).
    """

    _branch_gamma = 0.0

    def _gamma(self):
        return self._branch_gamma

    def _initialize_clusters(self, X, rng):
        super()._initialize_clusters(X, rng)
        self._rows = X
        # the start's labels: those of AEKMeans at the same parameters (its centres)
        self.branches_ = {"AEKMeans": {"labels": self._final_labels(X),
                                       "centers": self.cluster_centers_.copy()}}

    def _fine_tune(self, X, config, generator):
        draws = generator_for(self.device_)
        start = (copy.deepcopy(self.module_.state_dict()), generator.get_state(),
                 draws.get_state())
        for name, model_class, augment in BRANCHES:
            self.module_.load_state_dict(start[0])
            generator.set_state(start[1])
            draws.set_state(start[2])
            self._branch_gamma = model_class()._gamma()
            self.module_.reconstruct = bool(self._branch_gamma)  # as IDEC builds it
            self.augment_ = augment
            began = time.perf_counter()
            history = super()._fine_tune(X, config, generator)  # DEC's phase, the branch's gamma
            self.branches_[name] = {
                "labels": self._final_labels(self._rows),
                "centers": self.cluster_centers_.copy(), "epochs": len(history),
                "seconds": time.perf_counter() - began,
            }
        return history


def fit_branches(X, n_clusters, seed, **params):
    """``{branch: {"labels", "centers", "epochs", "seconds"}}`` of one seed, and the seconds
    of the whole fit (the pretraining and every branch)."""
    model = BranchingDEC(n_clusters, random_state=seed, device="cpu", **params)
    began = time.perf_counter()
    model.fit(X)
    return model.branches_, time.perf_counter() - began


def check():
    """Each branch gives the labels and centres of the full fit at its setting, to the bit
    (digits, a few epochs)."""
    from sklearn.datasets import load_digits

    from skdeepcluster import AEKMeans

    X = load_digits().data / 16.0
    params = dict(input_shape=(1, 8, 8), pretrain_epochs=3, max_epochs=3, update_interval=5,
                  pretrain_optimizer="sgd", pretrain_lr=0.1, n_init=5)
    branches, _ = fit_branches(X, 10, 0, augment="pretrain", **params)
    fits = {"AEKMeans": AEKMeans(10, random_state=0, device="cpu", augment="pretrain",
                                 **{k: v for k, v in params.items()
                                    if k not in ("max_epochs", "update_interval")})}
    for name, model_class, augment in BRANCHES:
        fits[name] = model_class(10, random_state=0, device="cpu", augment=augment, **params)
    for name, model in fits.items():
        model.fit(X)
        same = (np.array_equal(model.labels_, branches[name]["labels"])
                and np.array_equal(model.cluster_centers_, branches[name]["centers"]))
        moved = (branches[name]["labels"] != branches["AEKMeans"]["labels"]).sum()
        print(f"{name:9s} the full fit's labels and centres: {'same' if same else 'DIFFERENT'}"
              f" ({moved} labels moved from the k-means start)")
        if not same:
            raise SystemExit(1)


def main(argv=None):
    branch_script_main(argv, __doc__, "augment-clustering", check, fit_branches,
                       ("epochs", "clustering epochs", str))


if __name__ == "__main__":
    main()
