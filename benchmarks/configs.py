"""Per-data-set settings of the benchmark runs.

``MODEL_PARAMS[dataset][model]`` holds the parameters a model gets on a data set beyond
``n_clusters``, ``random_state`` and ``device``; an empty dict means the model's defaults.
``--quick`` scales every ``*_epochs`` value down (see ``run.py``). Nothing here was chosen by
looking at the labels: the deep models keep the published network (D-500-500-2000-10) and
their defaults, changed only where the data set is larger (fewer epochs for the same number
of optimizer steps).
"""

#: Number of classes of each data set (the ``n_clusters`` every model is given).
N_CLUSTERS = {
    "digits": 10, "mnist": 10, "fashion_mnist": 10, "usps": 10, "mnist_usps": 10,
    "mnist_usps-view0": 10, "mnist_usps-view1": 10,
    "pinwheel": 5, "toroidal": 4, "moons": 2, "circles": 2,
}


def split_view(dataset):
    """``("mnist_usps", 1)`` for ``"mnist_usps-view1"`` (one view of a multiview set, a data
    set of its own); ``(dataset, None)`` otherwise."""
    name, _, view = dataset.partition("-view")
    return (name, int(view)) if view else (dataset, None)


#: The synthetic data sets of the DMAE paper (Table 2): 1,000 samples, generated once
#: (seed 0) so that the seeds of a run vary the model only, as in the paper.
SYNTHETIC = ("pinwheel", "toroidal", "moons", "circles")


def make_synthetic(name):
    """``(X, y)`` of the synthetic data set ``name`` (one of :data:`SYNTHETIC`)."""
    from sklearn.datasets import make_circles, make_moons

    from skdeepcluster.datasets import make_pinwheel, make_toroidal_blobs

    if name == "pinwheel":
        return make_pinwheel(1000, 5, random_state=0)
    if name == "toroidal":
        return make_toroidal_blobs(1000, 4, random_state=0)
    if name == "moons":
        return make_moons(1000, noise=0.1, random_state=0)
    return make_circles(1000, noise=0.1, factor=0.1, random_state=0)


#: The DMAE paper's best setting on images: mahalanobis, augmented training images
#: (``input_shape`` comes with the data set below); and the reference code's pretraining
#: optimizer, SGD (momentum 0.9) at lr 1.
_DMAE_PAPER = {"dissimilarity": "mahalanobis", "augment": True}
_SGD_PRETRAINING = {"pretrain_optimizer": "sgd", "lr": 1.0}
_FROZEN = {"train_encoder": False}  # the AE+DMM ablation
#: The rest of the reference code's recipe on images (its ``examples/real`` script): 500
#: pretraining epochs; alpha 1000; end to end with Adam at 1e-5 on ``0.01 L_c + MSE`` summed
#: over batches of 256, which on our batch means is ``lambda_c / lambda_r = 256 * 0.01``. The
#: reference starts the mixture from k-means with 10 starts; 100 here, because on USPS ten
#: starts all end in a worse optimum in about one draw in twelve (BENCHMARKS.md, 7.3). Its
#: end-to-end length is a number of steps per data set, set below as epochs.
_REFERENCE_RECIPE = {**_DMAE_PAPER, **_SGD_PRETRAINING, "pretrain_epochs": 500,
                     "alpha": 1000.0, "lambda_c": 256 * 0.01, "cluster_lr": 1e-5,
                     "n_init": 100}
#: The reference's end-to-end steps of 256 images, as epochs of the full data set: USPS
#: 4,500 steps of 9,298 images, MNIST 35,000 steps (500 x 70) of 70,000.
_REFERENCE_E2E_EPOCHS = {"usps": 124, "mnist": 128}
#: Variants defined on some data sets only: ``name -> the data sets``.
ONLY_ON = {name: tuple(_REFERENCE_E2E_EPOCHS) for name in ("DMAE-reference", "AE+DMM-reference")}

#: Named variants of an estimator: ``name -> (estimator class name, parameters)``.
VARIANTS = {
    "AE+DMM": ("DMAE", _FROZEN),
    "DMAE-paper": ("DMAE", _DMAE_PAPER),
    "AE+DMM-paper": ("DMAE", {**_DMAE_PAPER, **_FROZEN}),
    "DMAE-paper-sgd": ("DMAE", {**_DMAE_PAPER, **_SGD_PRETRAINING}),
    "AE+DMM-paper-sgd": ("DMAE", {**_DMAE_PAPER, **_SGD_PRETRAINING, **_FROZEN}),
    # The reference code's whole recipe, on the data sets it has a script for (below).
    "DMAE-reference": ("DMAE", _REFERENCE_RECIPE),
    "AE+DMM-reference": ("DMAE", {**_REFERENCE_RECIPE, **_FROZEN}),
    # DMAE with the reference code's kernel pretraining (its settings per data set below).
    "DMAE-kernel": ("DMAE", {}),
    # The same, with the reference code's protocol: one feature map for every seed, the one
    # its scripts draw (RBFSampler's random_state=0); the seeds vary the network only.
    "DMAE-kernel-map0": ("DMAE", {"kernel_random_state": 0}),
    # DVAE without its similarity loss: the DVAE paper's ablation (Table 4).
    "DVAE-nosim": ("DVAE", {"beta": 0.0}),
    # The SDDECC paper's ablation (Table 4): ConvAE, ConvAE+MI, ConvAE+GCN; SDDECC is all.
    "SDDECC-ConvAE": ("SDDECC", {"use_mi": False, "use_gcn": False}),
    "SDDECC-ConvAE+MI": ("SDDECC", {"use_gcn": False}),
    "SDDECC-ConvAE+GCN": ("SDDECC", {"use_mi": False}),
    # SDDECC with one learned cluster variance instead of the paper's unit variance.
    "SDDECC-s2": ("SDDECC", {"cluster_variance": "learned"}),
}

#: The autoencoder models as their papers print them: pretraining by Adam on the images as
#: they are, where the package's defaults on images (``input_shape`` given) augment them and
#: pretrain by SGD (the shared image recipe). ``<model>-printed`` keeps those measurable.
_PRINTED = {"augment": False, "pretrain_optimizer": "adam"}
AUTOENCODER_MODELS = ("AEKMeans", "AEGMM", "DEC", "IDEC", "SDCN", "DMAE", "DeepFusionGMM",
                      "VaDE", "DVAE", "SDDECC")
VARIANTS.update({f"{name}-printed": (name, _PRINTED) for name in AUTOENCODER_MODELS})

#: Reference models, always in the table.
REFERENCES = ("KMeans", "GaussianMixture")

_DEEP_DEFAULTS = {
    "AEKMeans": {}, "AEGMM": {}, "DEC": {}, "IDEC": {}, "SDCN": {}, "DMM": {}, "DMAE": {},
    "AE+DMM": {}, "DeepFusionGMM": {},
    # VaDE and DVAE model data in [0, 1] (every image set here) with a Bernoulli likelihood,
    # as their papers do: their default, reconstruction="auto", picks it.
    "VaDE": {}, "DVAE": {}, "DVAE-nosim": {},
}
for _name in AUTOENCODER_MODELS:
    _DEEP_DEFAULTS[f"{_name}-printed"] = _DEEP_DEFAULTS.get(_name, {})
IMAGE_SHAPES = {
    "digits": (1, 8, 8), "mnist": (1, 28, 28), "fashion_mnist": (1, 28, 28), "usps": (1, 16, 16),
}
#: Every model with an autoencoder, and its variants: on an image data set a user passes the
#: images' shape, which switches on the package's image recipe (the ``-printed`` variants
#: switch it off again, and ``AE+DMM`` keeps DMAE's).
_IMAGE_MODELS = {
    name for name, (model, _) in VARIANTS.items() if model in AUTOENCODER_MODELS
} | set(AUTOENCODER_MODELS)

# About 10,000 to 70,000 samples: 50 pretraining epochs are 1,800 to 14,000 optimizer steps,
# as many as or more than 200 epochs of a few thousand samples.
_LARGE = {name: {**params, "pretrain_epochs": 50} for name, params in _DEEP_DEFAULTS.items()}
_LARGE.pop("DMM")  # no pretraining

MODEL_PARAMS = {
    "digits": {"GaussianMixture": {"covariance_type": "full"}, **_DEEP_DEFAULTS},
    # 784-D images: a full covariance per component is a 784x784 matrix, too slow for EM on
    # the CPU and badly conditioned; the diagonal mixture is the usual raw-pixel baseline.
    "mnist": {"GaussianMixture": {"covariance_type": "diag"}, **_LARGE},
    "fashion_mnist": {"GaussianMixture": {"covariance_type": "diag"}, **_LARGE},
    "usps": {"GaussianMixture": {"covariance_type": "diag"}, **_LARGE},
}
# The two-view MNIST-USPS set (5,000 pairs of 784-D images), each view also on its own. The
# deep single-view models keep their defaults; DeepFusionGMM gets the two views.
for _name in ("mnist_usps", "mnist_usps-view0", "mnist_usps-view1"):
    MODEL_PARAMS[_name] = {"GaussianMixture": {"covariance_type": "diag"}, **_DEEP_DEFAULTS}
MODEL_PARAMS["mnist_usps"]["DeepFusionGMM"] = {"views": [784, 784]}
for _name in ("mnist_usps", "mnist_usps-view0", "mnist_usps-view1"):
    # every view is a 28x28 image
    for _model in _IMAGE_MODELS & set(MODEL_PARAMS[_name]):
        MODEL_PARAMS[_name][_model] = {**MODEL_PARAMS[_name][_model], "input_shape": (1, 28, 28)}

# The DMAE paper's synthetic settings (Sect. 4.1.2, and its reference code for the choice of
# dissimilarity per data set): batch 32; pinwheel with the mahalanobis and toroidal with the
# toroidal dissimilarity on the raw 2-D points (the shallow model); moons and circles with a
# 2-256-256-100 autoencoder. Epochs are within the paper's range [40, 250].
_SHALLOW = {"max_epochs": 40, "batch_size": 32}
_DEEP_2D = {"hidden_dims": (256, 256), "latent_dim": 100, "pretrain_epochs": 100,
            "max_epochs": 100, "batch_size": 32}
for _name, _shape in IMAGE_SHAPES.items():
    for _variant in _IMAGE_MODELS - set(ONLY_ON) - {"DMAE-kernel", "DMAE-kernel-map0"}:
        _base = MODEL_PARAMS[_name].get(
            _variant, MODEL_PARAMS[_name].get(VARIANTS.get(_variant, (_variant,))[0], {}))
        MODEL_PARAMS[_name][_variant] = {**_base, "input_shape": _shape}
    for _variant, _names in ONLY_ON.items():
        if _name in _names:  # the recipe itself comes with the variant
            MODEL_PARAMS[_name][_variant] = {
                "input_shape": _shape, "max_epochs": _REFERENCE_E2E_EPOCHS[_name]}
    # SDDECC on images: its convolutional autoencoder (paper Table 2); its default likelihood
    # for pixels in [0, 1] is the Bernoulli (reconstruction="auto").
    for _variant in ("SDDECC", "SDDECC-ConvAE", "SDDECC-ConvAE+MI", "SDDECC-ConvAE+GCN",
                     "SDDECC-s2", "SDDECC-printed"):
        MODEL_PARAMS[_name][_variant] = {
            **MODEL_PARAMS[_name].get("SDCN", {}), "input_shape": _shape,
        }

# Moons and circles as the DMAE reference code runs them: the encoder regressed onto 100
# random Fourier features of an RBF kernel, then the decoder trained on that code; the
# mahalanobis mixture, its matrices started at the identity, trained end to end. Its values
# per data set (kernel gamma, alpha, learning rates, epochs, activation) are copied, not
# chosen here. Its loss weights are lambda_r = 0.5 and lambda_c = 1, but it sums the
# clustering loss over the batch and averages the reconstruction loss of each sample, where
# both our terms are batch means: its weighting is ours with lambda_r = 0.5 / batch_size.
_KERNEL_BATCH = 32
_KERNEL_2D = {"hidden_dims": (256, 256), "latent_dim": 100, "batch_size": _KERNEL_BATCH,
              "dissimilarity": "mahalanobis", "precision_init": "identity",
              "lambda_r": 0.5 / _KERNEL_BATCH}
_KERNEL_MOONS = {**_KERNEL_2D, "kernel_gamma": 30.0, "alpha": 1000.0, "lr": 1e-4,
                 "pretrain_epochs": 250, "cluster_lr": 1e-4, "max_epochs": 100}
_KERNEL_CIRCLES = {**_KERNEL_2D, "kernel_gamma": 10.0, "alpha": 50.0, "lr": 1e-3,
                   "pretrain_epochs": 100, "cluster_lr": 1e-5, "max_epochs": 80,
                   "activation": "sigmoid"}

MODEL_PARAMS.update({
    "pinwheel": {"GaussianMixture": {"covariance_type": "full"},
                 "DMM": {**_SHALLOW, "dissimilarity": "mahalanobis"}},
    "toroidal": {"GaussianMixture": {"covariance_type": "full"},
                 "DMM": {**_SHALLOW, "dissimilarity": "toroidal"}},
    "moons": {"GaussianMixture": {"covariance_type": "full"}, "DMAE": _DEEP_2D,
              "DMAE-kernel": _KERNEL_MOONS, "DMAE-kernel-map0": _KERNEL_MOONS},
    "circles": {"GaussianMixture": {"covariance_type": "full"}, "DMAE": _DEEP_2D,
                "DMAE-kernel": _KERNEL_CIRCLES, "DMAE-kernel-map0": _KERNEL_CIRCLES},
})
