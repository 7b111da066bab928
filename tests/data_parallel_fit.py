"""One process of a data-parallel fit (run by ``tests/test_distributed.py`` under torchrun).

Every process fits the same models on the same rows inside ``data_parallel()`` and saves
what it fitted, for the test to compare the processes with each other and with one process
fitting alone. ``mismatch`` gives the last process other rows, which every process must
refuse with the same ``ValueError``.
"""

import pickle
import sys
import warnings

import torch
import torch.distributed as dist
from sklearn.datasets import make_blobs

from skdeepcluster import DEC, DMAE, DVAE, AEKMeans, VaDE
from skdeepcluster.training import data_parallel

#: Small settings shared with the test's single-process fits.
FAST = {"hidden_dims": (16,), "latent_dim": 2, "pretrain_epochs": 3, "batch_size": 16,
        "device": "cpu"}


def models(random_state=0):
    return {
        "AEKMeans": AEKMeans(3, random_state=random_state, **FAST),
        "DEC": DEC(3, random_state=random_state, max_epochs=2, update_interval=2, **FAST),
        "DMAE": DMAE(3, random_state=random_state, max_epochs=2, **FAST),
        "VaDE": VaDE(3, random_state=random_state, max_epochs=2, **FAST),
        "DVAE": DVAE(3, random_state=random_state, max_epochs=2, classifier_epochs=2,
                     warmup_epochs=1, **FAST),
    }


def rows():
    X, _ = make_blobs(n_samples=90, centers=3, n_features=5, cluster_std=0.5, random_state=0)
    return X


def fitted(model, X):
    return {"labels": model.labels_, "code": model.transform(X),
            "losses": [record["loss"] for record in model.history_]}


def main(folder, mode):
    dist.init_process_group("gloo")
    torch.set_num_threads(1)
    rank, X = dist.get_rank(), rows()
    out = {}
    if mode == "mismatch":
        if rank == dist.get_world_size() - 1:
            X = X[:-1]
        try:
            with data_parallel():
                AEKMeans(3, random_state=0, **FAST).fit(X)
        except ValueError as error:
            out["error"] = str(error)
    else:
        with data_parallel() as shard, warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out["shard"] = (shard.rank, shard.world_size)
            for name, model in models().items():
                out[name] = fitted(model.fit(X), X)
            out["seedless"] = fitted(AEKMeans(3, random_state=None, **FAST).fit(X), X)
        out["warnings"] = [str(w.message) for w in caught if w.category is UserWarning]
    with open(f"{folder}/rank-{rank}.pkl", "wb") as f:
        pickle.dump(out, f)
    dist.destroy_process_group()


if __name__ == "__main__":
    main(*sys.argv[1:])
