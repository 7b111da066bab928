"""Per-data-set settings of the benchmark runs.

``MODEL_PARAMS[dataset][model]`` holds the parameters a model gets on a data set beyond
``n_clusters``, ``random_state`` and ``device``; an empty dict means the model's defaults.
``--quick`` scales every ``*_epochs`` value down (see ``run.py``). Nothing here was chosen by
looking at the labels: the deep models keep the published network (D-500-500-2000-10) and
their defaults, changed only where the data set is larger (fewer epochs for the same number
of optimizer steps).
"""

#: Number of classes of each data set (the ``n_clusters`` every model is given).
N_CLUSTERS = {"digits": 10, "mnist": 10, "fashion_mnist": 10, "usps": 10, "mnist_usps": 10}

#: Reference models, always in the table.
REFERENCES = ("KMeans", "GaussianMixture")

_DEEP_DEFAULTS = {"AEKMeans": {}, "AEGMM": {}, "DEC": {}, "IDEC": {}, "SDCN": {}}

# About 10,000 to 70,000 samples: 50 pretraining epochs are 1,800 to 14,000 optimizer steps,
# as many as or more than 200 epochs of a few thousand samples.
_LARGE = {name: {"pretrain_epochs": 50} for name in _DEEP_DEFAULTS}

MODEL_PARAMS = {
    "digits": {"GaussianMixture": {"covariance_type": "full"}, **_DEEP_DEFAULTS},
    # 784-D images: a full covariance per component is a 784x784 matrix, too slow for EM on
    # the CPU and badly conditioned; the diagonal mixture is the usual raw-pixel baseline.
    "mnist": {"GaussianMixture": {"covariance_type": "diag"}, **_LARGE},
    "fashion_mnist": {"GaussianMixture": {"covariance_type": "diag"}, **_LARGE},
    "usps": {"GaussianMixture": {"covariance_type": "diag"}, **_LARGE},
    "mnist_usps": {"GaussianMixture": {"covariance_type": "diag"}, **_DEEP_DEFAULTS},
}
