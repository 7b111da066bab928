"""The shared pretraining recipe of the autoencoder models: input_shape, augment, optimizer."""

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.base import clone
from sklearn.datasets import load_digits

from skdeepcluster import DMM, SDDECC, DeepFusionGMM, TorchGaussianMixture
from skdeepcluster.models import _ae_base
from skdeepcluster.training import _loop

from .conftest import ESTIMATORS, estimator_id

#: Every estimator with an autoencoder (all but the shallow DMM), DMAE's kernel pretraining
#: left out (it regresses on the images as they are; tested in test_dmae.py).
AE_ESTIMATORS = [
    e for e in ESTIMATORS
    if "pretrain_epochs" in e.get_params() and e.get_params().get("kernel_gamma") is None
]
#: Those with a clustering phase trained on batches of the data (AEKMeans, AEGMM and
#: DeepFusionGMM cluster by k-means or EM on the code).
CLUSTERING_PHASE = {"DEC", "IDEC", "SDCN", "SDDECC", "DMAE", "VaDE", "DVAE"}

parametrize_ae = pytest.mark.parametrize("estimator", AE_ESTIMATORS, ids=estimator_id)


@pytest.fixture(scope="module")
def images():
    """120 digits as 1x8x8 images, pixels in [0, 1]."""
    return load_digits().data[:120] / 16.0


def image_model(estimator, **params):
    params = {"n_clusters": 3, "random_state": 0, "input_shape": (1, 8, 8), **params}
    if isinstance(estimator, SDDECC):  # its convolutional autoencoder on 8x8 images
        params["channels"] = (4,)
    if isinstance(estimator, DeepFusionGMM):
        params["input_shape"] = [params["input_shape"]] if params["input_shape"] else None
    return clone(estimator).set_params(**params)


@pytest.fixture
def short_recipe(monkeypatch):
    """The image recipe on the tests' few optimizer steps (it needs 14,000 by default)."""
    monkeypatch.setattr(_ae_base, "IMAGE_RECIPE_MIN_STEPS", 1)


@pytest.fixture
def recorded(monkeypatch):
    """Record the optimizer of every training phase and the number of augmented batches."""
    made, augmented = [], []
    for name, (optimizer, settings) in list(_loop.OPTIMIZERS.items()):
        class Recording(optimizer):
            def __init__(self, params, lr, _name=name, **kwargs):
                made.append((_name, lr))
                super().__init__(params, lr=lr, **kwargs)

        monkeypatch.setitem(_loop.OPTIMIZERS, name, (Recording, settings))
    affine = _ae_base.random_affine

    def counting(x, shape, **kwargs):
        augmented.append(len(made))  # which phase: the number of optimizers made so far
        return affine(x, shape, **kwargs)

    monkeypatch.setattr(_ae_base, "random_affine", counting)
    return made, augmented


def phases(model):
    """The training phases of a fitted model, in order (one optimizer each)."""
    return list(dict.fromkeys(r["phase"] for r in model.history_))


def is_pretraining(phase):
    return phase not in {"cluster", "gcn-warmup", "classifier"}


def n_pretraining_phases(model):
    return sum(map(is_pretraining, phases(model)))


@parametrize_ae
@pytest.mark.usefixtures("short_recipe")
def test_auto_is_the_image_recipe_with_input_shape(estimator, images, recorded):
    made, augmented = recorded
    model = image_model(estimator).fit(images)
    assert model.augment_ == "pretrain"
    assert (model.pretrain_optimizer_, model.pretrain_lr_) == (
        ("adam", model.lr) if isinstance(model, SDDECC) else ("sgd", 1.0))
    recipe = dict(zip(phases(model), made))
    image = ("adam", model.lr) if isinstance(model, SDDECC) else ("sgd", 1.0)
    for phase, optimizer in recipe.items():
        if not is_pretraining(phase):
            assert optimizer[0] == "adam"  # clustering keeps its optimizer
        elif phase.startswith(("common-", "fine-tune")):
            assert optimizer == ("adam", model.lr)  # DeepFusionGMM: codes, and the cascade
        else:
            assert optimizer == image, phase
    n_pre = n_pretraining_phases(model)
    assert augmented and max(augmented) <= n_pre  # pretraining batches only


@parametrize_ae
@pytest.mark.usefixtures("short_recipe")
def test_auto_is_the_tabular_recipe_without_input_shape(estimator, images, recorded):
    made, augmented = recorded
    image_model(estimator, input_shape=None).fit(images)
    assert all(name == "adam" for name, _ in made) and not augmented


@parametrize_ae
@pytest.mark.usefixtures("short_recipe")
def test_pixels_outside_unit_range_keep_the_tabular_recipe(estimator, images, recorded):
    made, augmented = recorded
    model = image_model(estimator).fit(images * 16.0)  # raw 0-16 intensities
    assert all(name == "adam" for name, _ in made) and not augmented
    assert (model.augment_, model.pretrain_optimizer_) == ("none", "adam")


@parametrize_ae
def test_a_short_pretraining_keeps_the_tabular_recipe(estimator, images, recorded, monkeypatch):
    # the recipe needs IMAGE_RECIPE_MIN_STEPS steps: 3 epochs of 8 batches here
    made, augmented = recorded
    monkeypatch.setattr(_ae_base, "IMAGE_RECIPE_MIN_STEPS", 25)
    model = image_model(estimator, batch_size=16, pretrain_epochs=3).fit(images)
    assert all(name == "adam" for name, _ in made) and not augmented
    assert (model.augment_, model.pretrain_optimizer_, model.pretrain_lr_) == (
        "none", "adam", model.lr)
    made.clear()
    monkeypatch.setattr(_ae_base, "IMAGE_RECIPE_MIN_STEPS", 24)
    model = image_model(estimator, batch_size=16, pretrain_epochs=3).fit(images)
    assert model.augment_ == "pretrain" and augmented


@pytest.fixture
def small_auto(monkeypatch):
    """``pretrain_epochs="auto"`` at the tests' scale: 2 epochs, lengthened to the image
    recipe's 40 steps where at most 6 epochs make them."""
    monkeypatch.setattr(_ae_base, "DEFAULT_PRETRAIN_EPOCHS", 2)
    monkeypatch.setattr(_ae_base, "IMAGE_RECIPE_MAX_EPOCHS", 6)
    monkeypatch.setattr(_ae_base, "IMAGE_RECIPE_MIN_STEPS", 40)


def pretraining_epochs(model):
    """Epochs of the (first) autoencoder's end-to-end pretraining in ``history_``."""
    return sum(r["phase"] in ("pretrain", "view0-pretrain") for r in model.history_)


@parametrize_ae
@pytest.mark.usefixtures("small_auto")
def test_auto_pretrain_epochs_reach_the_image_recipe(estimator, images):
    # 120 images in batches of 16: 8 batches an epoch, the 40 steps in 5 epochs
    model = image_model(estimator, batch_size=16, pretrain_epochs="auto").fit(images)
    sgd = not isinstance(model, SDDECC)  # SDDECC pretrains with Adam: no longer schedule
    assert model.pretrain_epochs_ == (5 if sgd else 2)
    assert pretraining_epochs(model) == model.pretrain_epochs_
    assert model.augment_ == ("pretrain" if sgd else "none")
    # tabular rows, pixels outside [0, 1], and 40 steps out of reach (2 batches an epoch)
    for X, params in [(images, {"input_shape": None}), (images * 16, {}),
                      (images, {"batch_size": 60})]:
        model = image_model(estimator, pretrain_epochs="auto", **{"batch_size": 16, **params})
        model.fit(X)
        assert (model.pretrain_epochs_, model.augment_) == (2, "none")
        assert pretraining_epochs(model) == 2
    # an explicit number is kept
    assert image_model(estimator, pretrain_epochs=3).fit(images).pretrain_epochs_ == 3


@pytest.mark.usefixtures("small_auto")
def test_auto_pretrain_epochs_keep_dmae_kernel_pretraining_short(images):
    from skdeepcluster import DMAE

    model = DMAE(3, hidden_dims=(16,), latent_dim=2, batch_size=16, max_epochs=1,
                 kernel_gamma=1.0, input_shape=(1, 8, 8), device="cpu", random_state=0)
    model.fit(images)
    assert (model.pretrain_epochs_, model.augment_) == (2, "none")


def test_auto_pretrain_epochs_values():
    auto = _ae_base.auto_pretrain_epochs
    assert auto(9298, 256, images=True) == 379  # USPS: 37 batches an epoch
    assert auto(10000, 256, images=True) == 350
    assert auto(9298, 256, images=False) == 200
    # 6,913 to 17,664 images at batch 256 are lengthened; fewer or more keep 200
    assert [auto(n, 256, True) for n in (6912, 6913, 17664, 17665)] == [200, 500, 203, 200]


@parametrize_ae
@pytest.mark.usefixtures("short_recipe")
def test_explicit_settings_override_auto(estimator, images, recorded):
    made, augmented = recorded
    model = image_model(estimator, augment=False, pretrain_optimizer="adam", pretrain_lr=1e-2)
    model.fit(images)
    n_pre = n_pretraining_phases(model)
    assert made[:n_pre] == [("adam", 1e-2)] * n_pre and not augmented


@parametrize_ae
def test_augment_all_also_augments_the_clustering_phase(estimator, images, recorded):
    made, augmented = recorded
    model = image_model(estimator, augment="all").fit(images)
    n_pre = n_pretraining_phases(model)
    clustering = [phase for phase in augmented if phase > n_pre]
    assert bool(clustering) == (type(model).__name__ in CLUSTERING_PHASE)


@parametrize_ae
def test_augmentation_is_seeded_and_acts_on_training_only(estimator, images, monkeypatch):
    a = image_model(estimator, augment="all").fit(images)
    b = image_model(estimator, augment="all").fit(images)
    assert_array_equal(a.labels_, b.labels_)
    assert_array_equal(a.transform(images), b.transform(images))
    plain = image_model(estimator, augment=False).fit(images)
    assert not np.allclose(a.transform(images), plain.transform(images))

    def fail(*args, **kwargs):
        raise AssertionError("inference must not augment")

    monkeypatch.setattr(_ae_base, "random_affine", fail)
    assert_array_equal(a.predict(images), a.labels_)
    a.transform(images), a.predict_proba(images), a.score(images)


@parametrize_ae
@pytest.mark.parametrize("augment", [True, "pretrain", "all"])
def test_augment_needs_input_shape(estimator, images, augment):
    model = image_model(estimator, input_shape=None, augment=augment)
    with pytest.raises(ValueError, match=r"augment=.* needs input_shape=\(C, H, W\)"):
        model.fit(images)


@parametrize_ae
def test_input_shape_must_match_the_features(estimator, images):
    model = image_model(estimator, input_shape=(1, 8, 7))
    with pytest.raises(ValueError, match=r"input_shape=.* holds 56 values per image, but X has"):
        model.fit(images)


@pytest.mark.parametrize("param", ["input_shape", "augment", "pretrain_optimizer", "pretrain_lr"])
@pytest.mark.parametrize("estimator_class", [DMM, TorchGaussianMixture])
def test_models_without_an_autoencoder_reject_the_image_parameters(estimator_class, param):
    with pytest.raises(TypeError, match=param):
        estimator_class(2, **{param: None})


@pytest.mark.usefixtures("short_recipe")
def test_deep_fusion_takes_one_shape_per_view(images, recorded):
    made, augmented = recorded
    rng = np.random.RandomState(0)
    X = np.hstack([images, rng.normal(size=(len(images), 5))])  # an image and a tabular view
    params = dict(n_clusters=3, views=[64, 5], view_hidden_dims=(8,), view_latent_dim=2,
                  hidden_dims=(4,), latent_dim=2, layerwise_epochs=0, pretrain_epochs=2,
                  max_epochs=2, batch_size=32, device="cpu", random_state=0)
    model = DeepFusionGMM(input_shape=[(1, 8, 8), None], **params).fit(X)
    # view 0 (images): SGD at 1; view 1 (tabular), the common autoencoder, the cascade: Adam
    assert made == [("sgd", 1.0), ("adam", 1e-3), ("adam", 1e-3), ("adam", 1e-3)]
    assert sorted(set(augmented)) == [1, 4]  # view 0's pretraining and the cascade
    assert model.transform(X).shape == (len(X), 2)
    with pytest.raises(ValueError, match="one .C, H, W. or None per view, but there are 2"):
        DeepFusionGMM(input_shape=[(1, 8, 8)] * 3, **params).fit(X)
    with pytest.raises(ValueError, match="holds 64 values per image, but X has n_features=5"):
        DeepFusionGMM(input_shape=[(1, 8, 8), (1, 8, 8)], **params).fit(X)


@parametrize_ae
@pytest.mark.usefixtures("short_recipe")
def test_the_image_recipe_keeps_the_contracts(estimator, images):
    # labels agree, the global random states are untouched, a pickle predicts the same
    import pickle

    import torch

    from .conftest import rng_states

    torch.manual_seed(12345)
    before = rng_states()
    model = image_model(estimator, augment="all").fit(images)
    after = rng_states()
    assert_array_equal(before[0], after[0])
    assert before[1] == after[1] and torch.equal(before[2], after[2])
    assert_array_equal(model.predict(images), model.labels_)
    assert_array_equal(clone(model).fit_predict(images), model.labels_)
    assert_array_equal(model.predict_proba(images).argmax(axis=1), model.labels_)
    again = pickle.loads(pickle.dumps(model))
    assert_array_equal(again.predict(images), model.labels_)
    assert_array_equal(again.transform(images), model.transform(images))


@parametrize_ae
def test_convolutional_encoder_on_images(estimator, images):
    from skdeepcluster.nn import ConvAutoencoder

    if isinstance(estimator, DeepFusionGMM):
        with pytest.raises(ValueError, match="encoder='conv' is not available in DeepFusionGMM"):
            image_model(estimator, encoder="conv").fit(images)
        return
    model = image_model(estimator, encoder="conv", channels=(4,), layerwise_epochs=0)
    model.fit(images)
    assert isinstance(model._autoencoder, ConvAutoencoder)
    assert model.transform(images).shape == (len(images), model.latent_dim)
    assert_array_equal(model.predict(images), model.labels_)
    mlp = image_model(estimator, encoder="mlp").fit(images)
    assert not isinstance(mlp._autoencoder, ConvAutoencoder)


@parametrize_ae
def test_convolutional_encoder_needs_images_and_no_layerwise_training(estimator, images):
    if isinstance(estimator, DeepFusionGMM):
        return  # no convolutional encoder (tested above)
    with pytest.raises(ValueError, match=r"encoder='conv' needs input_shape=\(C, H, W\)"):
        image_model(estimator, encoder="conv", input_shape=None).fit(images)
    with pytest.raises(ValueError, match="layerwise_epochs=2 needs the MLP autoencoder"):
        image_model(estimator, encoder="conv", layerwise_epochs=2).fit(images)


@pytest.mark.usefixtures("short_recipe")
def test_dmae_kernel_pretraining_keeps_adam_and_the_images_as_they_are(images):
    from skdeepcluster import DMAE

    model = DMAE(3, hidden_dims=(16,), latent_dim=2, pretrain_epochs=2, max_epochs=1,
                 kernel_gamma=1.0, input_shape=(1, 8, 8), device="cpu", random_state=0)
    model.fit(images)
    assert (model.augment_, model.pretrain_optimizer_) == ("none", "adam")
