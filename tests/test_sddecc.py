"""SDDECC: the convolutional autoencoder, its losses, the switchable pieces, image inputs."""

import math
import pickle

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose, assert_array_equal

from skdeepcluster import SDDECC
from skdeepcluster.functional import (
    cluster_gaussian_kl,
    jsd_mutual_information_loss,
    standard_normal_kl,
)
from skdeepcluster.nn import ConvAutoencoder, MLPAutoencoder, SDDECCModule

from .conftest import FAST

#: Fast SDDECC on 1x6x6 images: one convolution block.
IMAGE_FAST = {"input_shape": (1, 6, 6), "channels": (4,), "latent_dim": 2, "pretrain_epochs": 3,
              "max_epochs": 5, "batch_size": 16, "device": "cpu", "lr": 1e-2}


@pytest.fixture
def images():
    """Three classes of 6x6 images: a bright left, middle or right band, with noise."""
    rng = np.random.RandomState(0)
    y = np.repeat(np.arange(3), 20)
    X = rng.uniform(0, 0.2, size=(60, 6, 6))
    for i, label in enumerate(y):
        X[i, :, 2 * label : 2 * label + 2] += 0.8
    return X.reshape(60, 36), y


@pytest.mark.parametrize("shape, channels", [((1, 16, 16), (16, 32)),
                                             ((1, 28, 28), (16, 16, 32, 32)),
                                             ((3, 7, 5), (4,)), ((2, 4, 4), ())])
def test_conv_autoencoder_restores_the_exact_shape(shape, channels):
    ae = ConvAutoencoder(shape, channels, latent_dim=3)
    x = torch.rand(4, math.prod(shape))
    code, reconstruction = ae(x)
    assert code.shape == (4, 3) and reconstruction.shape == x.shape
    assert ae.n_layers == len(channels) + 1
    # each block halves the feature map, rounding up
    if channels:
        assert ae.encode(x, depth=1).shape[2:] == tuple((s + 1) // 2 for s in shape[1:])


def test_jsd_loss_values():
    zeros = torch.zeros(5, 1)
    assert jsd_mutual_information_loss(zeros, zeros).item() == pytest.approx(2 * math.log(2))
    # a critic that separates the pairs perfectly drives the loss to 0
    assert jsd_mutual_information_loss(zeros + 50, zeros - 50).item() < 1e-10
    # local scores: averaged over positions too
    local = torch.randn(4, 1, 3, 3, generator=torch.Generator().manual_seed(0))
    softplus = torch.nn.functional.softplus
    expected = softplus(-local).mean() + softplus(local).mean()
    assert_allclose(jsd_mutual_information_loss(local, local).item(), expected.item(), rtol=1e-6)


def test_standard_normal_kl_hand_computed():
    mu = torch.tensor([[0.0, 0.0], [1.0, -2.0]])
    log_var = torch.tensor([[0.0, 0.0], [math.log(2.0), 0.0]])
    expected = [0.0, 0.5 * (1 + 2 - 1 - math.log(2)) + 0.5 * 4]
    assert_allclose(standard_normal_kl(mu, log_var).numpy(), expected, rtol=1e-6)


def test_cluster_gaussian_kl_hand_computed_and_its_minimum():
    means = torch.tensor([[0.0, 0.0], [3.0, 0.0]], dtype=torch.float64)
    z = torch.tensor([[1.0, 0.0]], dtype=torch.float64)
    log_var = torch.zeros(1, 2, dtype=torch.float64)
    y = torch.tensor([[0.75, 0.25]], dtype=torch.float64)
    expected = (0.75 * (0.5 * 1 + math.log(2 * 0.75)) + 0.25 * (0.5 * 4 + math.log(2 * 0.25))
                - 0.5 * 2)
    assert_allclose(cluster_gaussian_kl(z, log_var, y, means).item(), expected, rtol=1e-6)
    # over y, the minimum is the posterior of z under N(mu_y, I) with uniform weights
    posterior = torch.softmax(-0.5 * torch.tensor([[1.0, 4.0]], dtype=torch.float64), dim=1)
    best = cluster_gaussian_kl(z, log_var, posterior, means)
    for p in np.linspace(0.05, 0.95, 19):
        other = torch.tensor([[p, 1 - p]], dtype=torch.float64)
        assert cluster_gaussian_kl(z, log_var, other, means) >= best - 1e-12


def test_cluster_gaussian_kl_with_a_cluster_variance():
    means = torch.tensor([[0.0, 0.0], [3.0, 0.0]], dtype=torch.float64)
    z = torch.tensor([[1.0, 0.0], [2.0, 1.0]], dtype=torch.float64)
    log_var = torch.zeros(2, 2, dtype=torch.float64)
    y = torch.tensor([[0.75, 0.25], [0.4, 0.6]], dtype=torch.float64)
    unit = cluster_gaussian_kl(z, log_var, y, means)
    assert_allclose(cluster_gaussian_kl(z, log_var, y, means, 0.0).numpy(), unit.numpy())
    s2 = 0.3
    squared = torch.cdist(z, means).square()
    expected = ((y * (0.5 * squared / s2 + torch.log(2 * y))).sum(1) + 0.5 * 2 * math.log(s2)
                - 0.5 * 2)
    got = cluster_gaussian_kl(z, log_var, y, means, torch.tensor(math.log(s2), dtype=torch.float64))
    assert_allclose(got.numpy(), expected.numpy(), rtol=1e-12)
    # over s^2, the minimum of the batch's mean is the y-weighted squared distance per
    # dimension
    best = float((y * squared).sum(1).mean() / 2)
    c = torch.tensor(math.log(best), dtype=torch.float64, requires_grad=True)
    cluster_gaussian_kl(z, log_var, y, means, c).mean().backward()
    assert abs(c.grad.item()) < 1e-12


def test_learned_cluster_variance(images):
    X, _ = images
    unit = SDDECC(3, **IMAGE_FAST, random_state=0).fit(X)
    assert unit.cluster_variance_ == 1.0
    assert "cluster_log_var" not in dict(unit.module_.named_parameters())
    learned = SDDECC(3, **IMAGE_FAST, cluster_variance="learned", random_state=0).fit(X)
    assert "cluster_log_var" in dict(learned.module_.named_parameters())
    assert np.isfinite(learned.cluster_variance_) and learned.cluster_variance_ != 1.0
    # the posterior is that of the learned variance
    with torch.no_grad():
        code = torch.as_tensor(learned.transform(X), dtype=torch.float32)
        means = torch.as_tensor(learned.cluster_centers_, dtype=torch.float32)
        expected = torch.softmax(
            -0.5 * torch.cdist(code, means).square() / learned.cluster_variance_, dim=1)
        posterior = learned.module_.gaussian_posterior(code)
    assert_allclose(posterior.numpy(), expected.numpy(), rtol=1e-4, atol=1e-6)
    again = SDDECC(3, **IMAGE_FAST, cluster_variance="learned", random_state=0).fit(X)
    assert_array_equal(again.labels_, learned.labels_)


@pytest.mark.parametrize("use_mi", [True, False])
@pytest.mark.parametrize("use_gcn", [True, False])
def test_every_ablation_variant_fits_and_predicts(images, use_mi, use_gcn):
    X, _ = images
    model = SDDECC(3, **IMAGE_FAST, use_mi=use_mi, use_gcn=use_gcn, random_state=0).fit(X)
    assert_array_equal(model.predict(X), model.labels_)
    proba = model.predict_proba(X)
    assert proba.shape == (60, 3)
    assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    assert model.transform(X).shape == (60, 2)
    assert model.cluster_centers_.shape == (3, 2)
    assert (model.module_.global_critic is None) == (not use_mi)
    assert (model.module_.adjacency is None) == (not use_gcn)
    assert (model.module_.gcn_layers is None) == (not use_gcn)
    phases = {record["phase"] for record in model.history_}
    assert phases == {"pretrain", "cluster"} | ({"gcn-warmup"} if use_gcn else set())


def test_gcn_warm_start_fits_the_gcn_alone_to_the_initial_clusters(images):
    X, _ = images
    params = {**IMAGE_FAST, "pretrain_epochs": 30, "max_epochs": 0, "random_state": 0}
    cold = SDDECC(3, **params, gcn_warmup_epochs=0).fit(X)
    warm = SDDECC(3, **params, gcn_warmup_epochs=100).fit(X)
    # the encoder and the cluster means are untouched
    for name, value in cold.module_.autoencoder.state_dict().items():
        assert_array_equal(warm.module_.autoencoder.state_dict()[name], value)
    assert_array_equal(warm.cluster_centers_, cold.cluster_centers_)
    # the GCN now predicts the clusters of the code's Gaussian posterior
    with torch.no_grad():
        code = torch.as_tensor(warm.transform(X), dtype=torch.float32)
        posterior = warm.module_.gaussian_posterior(code).argmax(1).numpy()
    assert_array_equal(warm.labels_, posterior)
    losses = [r["loss"] for r in warm.history_ if r["phase"] == "gcn-warmup"]
    # not converged by step 100 on these images: all 100 steps run
    assert len(losses) == 100 and losses[-1] < losses[0]


def test_gcn_warm_start_runs_until_its_loss_converges(images):
    import warnings

    from skdeepcluster.models._sddecc import GCN_WARMUP_PATIENCE, GCN_WARMUP_TOL
    from skdeepcluster.training import FitInterruptedWarning

    X, _ = images
    params = {**IMAGE_FAST, "pretrain_epochs": 30, "max_epochs": 2, "random_state": 0}
    with warnings.catch_warnings():
        warnings.simplefilter("error", FitInterruptedWarning)  # an early end, not a Ctrl-C
        model = SDDECC(3, **params).fit(X)  # at most the default 2000 steps
    losses = [r["loss"] for r in model.history_ if r["phase"] == "gcn-warmup"]
    # the warm start's early end is not an interrupt: the joint phase follows in full
    assert [r["phase"] for r in model.history_][-2:] == ["cluster", "cluster"]
    # it stopped early, because the last PATIENCE steps never beat the best loss before
    # them by TOL
    assert GCN_WARMUP_PATIENCE < len(losses) < model.gcn_warmup_epochs
    best_before = min(losses[:-GCN_WARMUP_PATIENCE])
    assert min(losses[-GCN_WARMUP_PATIENCE:]) > best_before - GCN_WARMUP_TOL
    # a maximum within the patience always runs in full: a fixed number of steps
    short = SDDECC(3, **params, gcn_warmup_epochs=GCN_WARMUP_PATIENCE).fit(X)
    assert sum(r["phase"] == "gcn-warmup" for r in short.history_) == GCN_WARMUP_PATIENCE


@pytest.mark.parametrize("use_gcn", [False, True])
def test_image_input_separates_image_classes(images, use_gcn):
    from sklearn.metrics import adjusted_rand_score

    X, y = images
    model = SDDECC(3, **{**IMAGE_FAST, "pretrain_epochs": 30, "max_epochs": 30},
                   use_gcn=use_gcn, random_state=0).fit(X)
    assert adjusted_rand_score(y, model.labels_) > 0.9
    assert isinstance(model.module_.autoencoder, ConvAutoencoder)


def test_new_samples_predict_like_sdcn_and_do_not_depend_on_each_other(images):
    X, _ = images
    model = SDDECC(3, **IMAGE_FAST, random_state=0).fit(X[:45])
    new = X[45:]
    together = model.predict_proba(new)
    alone = np.vstack([model.predict_proba(new[i : i + 1]) for i in range(len(new))])
    assert_allclose(together, alone, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("input_shape", [None, (1, 6, 6)])
def test_pretraining_halves_the_reconstruction_error(images, input_shape):
    X, _ = images
    params = {**IMAGE_FAST, "input_shape": input_shape, "max_epochs": 0, "random_state": 0}
    if input_shape is None:
        params["hidden_dims"] = (16,)

    def error(model):
        # the images are in [0, 1]: the default likelihood is the Bernoulli, whose mean is the
        # sigmoid of the decoder's output
        assert model.reconstruction_ == "bce"
        with torch.no_grad():
            x = torch.as_tensor(X, dtype=torch.float32)
            x_hat = torch.sigmoid(model.module_.eval().autoencoder(x)[1])
            return torch.nn.functional.mse_loss(x_hat, x).item()

    untrained = SDDECC(3, **{**params, "pretrain_epochs": 0}).fit(X)
    trained = SDDECC(3, **{**params, "pretrain_epochs": 30}).fit(X)
    assert error(trained) < 0.5 * error(untrained)


def test_tabular_input_uses_the_mlp_autoencoder(blobs):
    X, _ = blobs
    model = SDDECC(3, **{**FAST, "lr": 1e-2}, max_epochs=3, random_state=0).fit(X)
    assert isinstance(model.module_.autoencoder, MLPAutoencoder)
    assert isinstance(model.module_, SDDECCModule)


def test_pickles_and_predicts_the_same(images):
    X, _ = images
    model = SDDECC(3, **IMAGE_FAST, random_state=0).fit(X)
    loaded = pickle.loads(pickle.dumps(model))
    assert_array_equal(loaded.predict(X), model.labels_)


@pytest.mark.parametrize("params, message", [
    ({"input_shape": (1, 6, 5)}, "holds 30 values per image, but X has n_features=36"),
    ({"input_shape": (1, 6)}, "must be three positive integers"),
    ({"channels": (4, 0)}, "channels=(4, 0) must be a sequence of positive integers"),
    ({"layerwise_epochs": 2}, "layerwise_epochs=2 needs the MLP autoencoder"),
    ({"n_neighbors": 60}, "n_neighbors=60 must be < the number of samples"),
])
def test_bad_parameters_name_the_problem(images, params, message):
    X, _ = images
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        SDDECC(3, **{**IMAGE_FAST, **params}).fit(X)


def test_dropout_corrupts_the_encoder_input_in_training(images):
    X, _ = images
    clean = SDDECC(3, **IMAGE_FAST, random_state=0).fit(X)
    noisy = SDDECC(3, **IMAGE_FAST, dropout=0.5, random_state=0).fit(X)
    first = [m.history_[0]["loss"] for m in (clean, noisy)]
    assert first[0] != first[1]
    # inference is deterministic whatever the dropout
    assert_array_equal(noisy.predict(X), noisy.predict(X))
