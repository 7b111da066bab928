"""Shared fixtures: tiny, seeded data and fast estimator parameters."""

import numpy as np
import pytest
import torch
from sklearn.datasets import make_blobs

from skdeepcluster import (
    AEGMM, DEC, DMAE, DMM, DVAE, IDEC, SDCN, SDDECC, AEKMeans, DeepFusionGMM, VaDE,
)

# Tiny networks on 2 cores: intra-op threads only add overhead (and oversubscribe when
# pytest-xdist runs workers side by side).
torch.set_num_threads(1)

#: Small networks and few epochs: enough to exercise every code path in milliseconds.
FAST = {"hidden_dims": (16,), "latent_dim": 2, "pretrain_epochs": 3, "batch_size": 16,
        "device": "cpu"}

#: Fast settings of the self-training phase of DEC and IDEC.
FAST_CLUSTERING = {"max_epochs": 2, "update_interval": 2}

#: k-means starts on the code in the estimator checks: the defaults before they became 100
#: (the checks' tiny codes need no more, and 100 starts add about 0.1 s to each of their fits).
FEW_STARTS = {"n_init": 10}
FEW_STARTS_SELF_TRAINING = {"n_init": 20}

#: Every estimator of the package, with FAST parameters.
ESTIMATORS = [
    AEKMeans(**FAST, **FEW_STARTS),
    AEGMM(**FAST),
    DEC(**FAST, **FAST_CLUSTERING, **FEW_STARTS_SELF_TRAINING),
    IDEC(**FAST, **FAST_CLUSTERING, **FEW_STARTS_SELF_TRAINING),
    # SDCN: the GCN starts untrained: more steps
    SDCN(**{**FAST, "lr": 1e-2}, max_epochs=20, **FEW_STARTS_SELF_TRAINING),
    # SDDECC: on two features the unit-weight N(0, I) prior of pretraining collapses the
    # code (the summed reconstruction error of images outweighs it; two features do not)
    # A warm start shorter than its convergence patience: a fixed number of steps (the
    # default runs until the warm start converges; tested in test_sddecc.py)
    SDDECC(**{**FAST, "lr": 1e-2}, max_epochs=20, lambda_2=0.01, gcn_warmup_epochs=10,
           **FEW_STARTS_SELF_TRAINING),
    DMM(max_epochs=3, batch_size=16, device="cpu"),
    DMAE(**FAST, max_epochs=2, **FEW_STARTS),
    # the kernel pretraining, with the euclidean mixture (the default is mahalanobis)
    DMAE(**FAST, max_epochs=2, kernel_gamma=1.0, dissimilarity="euclidean", **FEW_STARTS),
    # VAEs: more pretraining epochs, so that the prior (and DVAE's classifier) start from a
    # code that already separates the toy clusters of the checks. VaDE at its rate needs
    # 40: after 10 or 20 epochs the start of its prior drawn as scikit-learn draws it left
    # the check_clustering blobs unseparated (its first component empty on the noisy ones)
    VaDE(**{**FAST, "pretrain_epochs": 40}, max_epochs=2),
    DVAE(**{**FAST, "pretrain_epochs": 10}, max_epochs=2, warmup_epochs=1, classifier_epochs=2,
         **FEW_STARTS),
    DeepFusionGMM(**FAST, view_hidden_dims=(16,), view_latent_dim=2, layerwise_epochs=1,
                  max_epochs=2),
]

#: The estimators built on one autoencoder pretrained by reconstruction (all but the shallow
#: DMM, the multiview DeepFusionGMM, whose autoencoders have tests of their own, and DMAE's
#: kernel pretraining, tested in test_dmae.py).
AUTOENCODER_ESTIMATORS = [
    e for e in ESTIMATORS if "pretrain_epochs" in e.get_params()
    and "views" not in e.get_params() and e.get_params().get("kernel_gamma") is None
]


def estimator_id(estimator):
    return type(estimator).__name__


@pytest.fixture
def blobs():
    """Three well separated blobs in 5-D, 60 samples, float64."""
    X, y = make_blobs(n_samples=60, centers=3, n_features=5, cluster_std=0.5, random_state=0)
    return X, y


@pytest.fixture
def unit_blobs(blobs):
    """The blobs scaled into [0, 1] (for the binary cross-entropy loss)."""
    X, y = blobs
    X = (X - X.min(axis=0)) / (X.max(axis=0) - X.min(axis=0))
    return X, y


def rng_states():
    """Global random states of NumPy, Python and torch (to check that a fit leaves them)."""
    import random

    return np.random.get_state()[1].copy(), random.getstate(), torch.get_rng_state().clone()
