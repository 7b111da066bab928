"""VaDE: the mixture prior, the ELBO, the similarity loss and the estimator."""

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose, assert_array_equal
from scipy.stats import norm
from sklearn.datasets import make_blobs
from sklearn.metrics import adjusted_rand_score
from sklearn.mixture._gaussian_mixture import _estimate_log_gaussian_prob
from sklearn.preprocessing import StandardScaler

from skdeepcluster import DVAE, SDDECC, VaDE
from skdeepcluster.functional import (
    prior_responsibilities,
    vade_elbo,
    wasserstein_similarity_loss,
)

SMALL = dict(hidden_dims=(16,), latent_dim=2, pretrain_epochs=30, max_epochs=10, batch_size=16,
             lr=1e-2, device="cpu", random_state=0)


def _prior(k=3, d=2, seed=0):
    rng = np.random.RandomState(seed)
    weights = rng.dirichlet(np.ones(k))
    means = rng.normal(size=(k, d))
    variances = rng.uniform(0.3, 2.0, size=(k, d))
    return weights, means, variances


def _t(a):
    return torch.as_tensor(a, dtype=torch.float64)


def test_prior_responsibilities_match_a_diagonal_gmm():
    weights, means, variances = _prior()
    z = np.random.RandomState(1).normal(size=(20, 2))
    expected = _estimate_log_gaussian_prob(z, means, 1 / np.sqrt(variances), "diag")
    expected = expected + np.log(weights)
    expected = expected - np.logaddexp.reduce(expected, axis=1, keepdims=True)
    ours = prior_responsibilities(_t(z), _t(np.log(weights)), _t(means), _t(np.log(variances)))
    assert_allclose(ours.numpy(), expected, rtol=1e-10)


def test_elbo_matches_monte_carlo():
    # ELBO - log p(x|z) = E_q[log p(z, c) - log q(z|x) - log q(c|x)], estimated by sampling.
    weights, means, variances = _prior()
    mu, log_var = np.array([0.3, -0.5]), np.log(np.array([0.4, 0.2]))
    gamma = np.array([0.2, 0.5, 0.3])
    x = torch.zeros(1, 1, dtype=torch.float64)
    elbo = vade_elbo(
        x, torch.zeros(1, 1, dtype=torch.float64), _t(mu[None]), _t(log_var[None]),
        _t(np.log(gamma)[None]), _t(np.log(weights)), _t(means), _t(np.log(variances)),
        kind="mse",
    ).item()
    log_likelihood = -0.5 * np.log(2 * np.pi)  # x = reconstruction = 0, unit variance
    rng = np.random.RandomState(0)
    z = mu + np.exp(0.5 * log_var) * rng.standard_normal((400_000, 2))
    log_pz_c = norm.logpdf(z[:, None, :], means[None], np.sqrt(variances)[None]).sum(axis=2)
    log_q = norm.logpdf(z, mu, np.exp(0.5 * log_var)).sum(axis=1)
    monte_carlo = (gamma * (np.log(weights) + log_pz_c - np.log(gamma))).sum(axis=1) - log_q
    standard_error = monte_carlo.std() / np.sqrt(len(monte_carlo))
    assert abs(elbo - log_likelihood - monte_carlo.mean()) < 4 * standard_error


def test_elbo_bernoulli_likelihood():
    x = torch.tensor([[1.0, 0.0]], dtype=torch.float64)
    logits = torch.tensor([[0.5, -1.0]], dtype=torch.float64)
    zero = torch.zeros(1, 1, dtype=torch.float64)
    prior = (torch.zeros(1, dtype=torch.float64), zero, zero)
    elbo = vade_elbo(x, logits, zero, zero, zero, *prior, kind="bce").item()
    # prior N(0, 1) = q(z|x): the KL terms vanish, leaving log Bernoulli(x | sigmoid(logits))
    expected = np.log(1 / (1 + np.exp(-0.5))) + np.log(1 - 1 / (1 + np.exp(1.0)))
    assert elbo == pytest.approx(expected)


def _looped_similarity(seed, normalise):
    """``sum_ij w_ij normalise(Q_i)[j]`` with plain loops, ``Q_ij = 1 / (1 + d_W(i, j))``."""
    rng = np.random.RandomState(seed)
    gamma = rng.dirichlet(np.ones(3), size=5)
    mu, sigma = rng.normal(size=(5, 2)), rng.uniform(0.1, 1.0, size=(5, 2))
    mass = gamma.sum(axis=0)
    total = 0.0
    for i in range(5):
        q = np.array([1 / (1 + np.sum((mu[i] - mu[j]) ** 2) + np.sum((sigma[i] - sigma[j]) ** 2))
                      for j in range(5)])
        for j in range(5):
            total += np.sum(gamma[i] * gamma[j] / mass) * normalise(q)[j]
    return total, (_t(gamma), _t(mu), _t(sigma))


def test_similarity_loss_matches_loops():
    # as printed: log softmax_j(Q_ij), divided by B^2; "batch" divides by B
    total, args = _looped_similarity(0, lambda q: q - np.log(np.exp(q).sum()))
    assert wasserstein_similarity_loss(*args).item() == pytest.approx(-total / 25)
    assert wasserstein_similarity_loss(*args, "batch").item() == pytest.approx(-total / 5)


def test_kernel_similarity_normalises_q_as_a_kernel():
    # -(1/B) sum_ij w_ij log(Q_ij / sum_j Q_ij)
    total, args = _looped_similarity(1, lambda q: np.log(q / q.sum()))
    assert wasserstein_similarity_loss(*args, "kernel").item() == pytest.approx(-total / 5)


@pytest.mark.parametrize("form", ["batch", "kernel"])
def test_dvae_trains_the_similarity_form_it_is_given(form):
    X, _ = make_blobs(60, centers=3, n_features=5, cluster_std=0.5, random_state=0)
    params = dict(n_clusters=3, hidden_dims=(16,), latent_dim=2, pretrain_epochs=5,
                  max_epochs=3, warmup_epochs=1, classifier_epochs=2, batch_size=16,
                  beta=1.0, device="cpu", random_state=0)
    printed = DVAE(**params).fit(X)
    other = DVAE(similarity=form, **params).fit(X)
    losses = [[r["loss"] for r in m.history_ if r["phase"] == "cluster"] for m in (printed, other)]
    assert losses[0][0] == losses[1][0]  # the warm-up epoch has no similarity term
    assert losses[0][1:] != losses[1][1:]
    with pytest.raises(ValueError, match="similarity"):
        DVAE(similarity="sum", **params).fit(X)


def test_gradients():
    rng = np.random.RandomState(0)
    weights, means, variances = _prior()
    args = [_t(a).requires_grad_() for a in (
        rng.uniform(size=(3, 4)), rng.normal(size=(3, 4)), rng.normal(size=(3, 2)),
        rng.normal(size=(3, 2)) * 0.1,
    )]
    x, reconstruction, mu, log_var = args
    prior = [_t(a).requires_grad_() for a in (np.log(weights), means, np.log(variances))]

    def elbo(reconstruction, mu, log_var, log_w, m, lv):
        log_gamma = prior_responsibilities(mu, log_w, m, lv)
        return vade_elbo(x.detach(), reconstruction, mu, log_var, log_gamma, log_w, m, lv)

    assert torch.autograd.gradcheck(elbo, (reconstruction, mu, log_var, *prior))
    gamma = _t(rng.dirichlet(np.ones(3), size=4)).requires_grad_()
    sigma = _t(rng.uniform(0.2, 1.0, size=(4, 2))).requires_grad_()
    assert torch.autograd.gradcheck(
        wasserstein_similarity_loss, (gamma, _t(rng.normal(size=(4, 2))).requires_grad_(), sigma)
    )


@pytest.fixture
def unit_blobs3():
    X, y = make_blobs(n_samples=90, centers=3, n_features=6, cluster_std=0.5, random_state=0)
    return (X - X.min(axis=0)) / (X.max(axis=0) - X.min(axis=0)), y


@pytest.mark.parametrize("reconstruction", ["bce", "mse"])
def test_vade_separates_blobs(unit_blobs3, reconstruction):
    X, y = unit_blobs3
    if reconstruction == "mse":  # a unit-variance Gaussian likelihood: standardised data
        X = StandardScaler().fit_transform(X)
    model = VaDE(3, reconstruction=reconstruction, **SMALL).fit(X)
    assert adjusted_rand_score(y, model.labels_) == 1.0
    assert all(np.isfinite(r["loss"]) for r in model.history_)
    assert np.all(np.isfinite(model.score_samples(X)))
    assert model.covariances_.shape == (3, 2) and np.all(model.covariances_ > 0)
    assert_allclose(model.weights_.sum(), 1.0)


@pytest.mark.parametrize("model_class", [VaDE, DVAE, SDDECC])
def test_auto_likelihood_follows_the_range_of_the_data(unit_blobs3, model_class):
    X, _ = unit_blobs3  # in [0, 1]
    params = dict(SMALL, pretrain_epochs=3, max_epochs=2)
    if model_class is SDDECC:
        params.update(n_neighbors=3, gcn_warmup_epochs=2)
    auto = model_class(3, **params).fit(X)
    assert auto.reconstruction == "auto" and auto.reconstruction_ == "bce"
    bce = model_class(3, reconstruction="bce", **params).fit(X)
    assert_array_equal(auto.transform(X), bce.transform(X))
    assert_array_equal(auto.score_samples(X), bce.score_samples(X))
    standardised = StandardScaler().fit_transform(X)
    auto = model_class(3, **params).fit(standardised)
    mse = model_class(3, reconstruction="mse", **params).fit(standardised)
    assert auto.reconstruction_ == "mse"
    assert_array_equal(auto.transform(standardised), mse.transform(standardised))


def test_only_the_models_with_a_prior_on_the_code_take_an_automatic_likelihood(unit_blobs3):
    from sklearn.utils._param_validation import InvalidParameterError

    from skdeepcluster import AEKMeans

    X, _ = unit_blobs3
    params = {k: v for k, v in SMALL.items() if k != "max_epochs"}
    with pytest.raises(InvalidParameterError, match="reconstruction"):
        AEKMeans(3, reconstruction="auto", **params).fit(X)
    assert AEKMeans(3, **dict(params, pretrain_epochs=1)).fit(X).reconstruction_ == "mse"


def test_predict_proba_is_the_prior_posterior_of_the_mean(unit_blobs3):
    X, _ = unit_blobs3
    model = VaDE(3, **SMALL).fit(X)
    code = model.transform(X).astype(np.float64)
    expected = _estimate_log_gaussian_prob(
        code, model.means_, 1 / np.sqrt(model.covariances_), "diag") + np.log(model.weights_)
    expected = np.exp(expected - np.logaddexp.reduce(expected, axis=1, keepdims=True))
    assert_allclose(model.predict_proba(X), expected, atol=1e-4)


def test_score_is_deterministic_and_higher_for_training_like_data(unit_blobs3):
    X, _ = unit_blobs3
    model = VaDE(3, reconstruction="bce", **SMALL).fit(X)
    assert_array_equal(model.score_samples(X), model.score_samples(X))
    noise = np.random.RandomState(0).uniform(size=X.shape)
    assert model.score(X) > model.score(noise)


def test_sample(unit_blobs3):
    X, _ = unit_blobs3
    model = VaDE(3, reconstruction="bce", **SMALL).fit(X)
    samples, components = model.sample(30)
    assert samples.shape == (30, X.shape[1]) and components.shape == (30,)
    assert samples.min() >= 0 and samples.max() <= 1  # Bernoulli means
    assert_array_equal(model.sample(30)[0], samples)  # seeded by random_state
    with pytest.raises(ValueError, match="Invalid value for 'n_samples': 0"):
        model.sample(0)


def test_no_nan_on_badly_scaled_data():
    X, _ = make_blobs(n_samples=60, centers=3, n_features=4, random_state=0)
    model = VaDE(3, **{**SMALL, "lr": 5e-2}).fit(X * 1e3)
    assert all(np.isfinite(r["loss"]) for r in model.history_)
    assert np.all(np.isfinite(model.predict_proba(X * 1e3)))


def test_learning_rate_decays(unit_blobs3, monkeypatch):
    from skdeepcluster.models import _vade

    seen = []
    original = _vade.train_module

    def spy(*args, callbacks=(), **kwargs):
        seen.extend(callbacks)
        return original(*args, callbacks=callbacks, **kwargs)

    monkeypatch.setattr(_vade, "train_module", spy)
    X, _ = unit_blobs3
    VaDE(3, lr_decay=0.5, lr_decay_epochs=3, **SMALL).fit(X)
    (name, scheduler), = seen
    assert name == "lr_decay"
    assert scheduler.kwargs == {"step_size": 3, "gamma": 0.5}


DVAE_SMALL = dict(SMALL, max_epochs=6, warmup_epochs=3, classifier_epochs=30)


@pytest.mark.parametrize("n_clusters", [3, 12])
def test_classifier_starts_at_the_discriminant_of_the_pseudo_labels(n_clusters):
    from skdeepcluster.nn import cluster_classifier, initialize_classifier

    centers = np.random.RandomState(0).normal(scale=10, size=(n_clusters, 4))
    z, labels = make_blobs(n_samples=40 * n_clusters, centers=centers, random_state=0)
    z = torch.as_tensor(z * 0.01 + 5, dtype=torch.float32)  # small spread, far from zero
    classifier = initialize_classifier(
        cluster_classifier(4, n_clusters), z, torch.as_tensor(labels)
    )
    with torch.no_grad():
        predicted = classifier(z).argmax(dim=1).numpy()
    assert (predicted == labels).mean() > 0.98


def test_cluster_classifier_layout():
    from skdeepcluster.nn import Standardize, cluster_classifier

    wide = cluster_classifier(10, 12)
    assert isinstance(wide[0], Standardize) and len(wide) == 2
    narrow = cluster_classifier(10, 4)
    assert [type(m).__name__ for m in narrow] == ["Standardize", "Linear", "ReLU", "Linear"]
    z = torch.randn(50, 10) * 3 + 7
    narrow[0].fit(z)
    standardized = narrow[0](z)
    assert_allclose(standardized.mean(0).detach().numpy(), 0, atol=1e-5)
    assert_allclose(standardized.std(0).detach().numpy(), 1, atol=1e-5)
    assert narrow(z).shape == (50, 4)


def test_dvae_phases_warmup_and_classifier(unit_blobs3):
    X, y = unit_blobs3
    model = DVAE(3, reconstruction="bce", beta=0.5, **DVAE_SMALL).fit(X)
    assert adjusted_rand_score(y, model.labels_) == 1.0
    classifier = [r["loss"] for r in model.history_ if r["phase"] == "classifier"]
    assert len(classifier) == 30 and classifier[-1] < 0.1  # it fits the pseudo-labels
    betas = [r["beta"] for r in model.history_ if r["phase"] == "cluster"]
    assert betas == [0.0, 0.0, 0.0, 0.5, 0.5, 0.5]
    assert all(np.isfinite(r["loss"]) for r in model.history_)
    assert not hasattr(model, "_pseudo_labelled")


def test_dvae_predict_proba_is_the_classifier_on_the_mean(unit_blobs3):
    X, _ = unit_blobs3
    model = DVAE(3, reconstruction="bce", **DVAE_SMALL).fit(X)
    with torch.no_grad():
        logits = model.module_.classifier(torch.as_tensor(model.transform(X), dtype=torch.float32))
    assert_allclose(model.predict_proba(X), torch.softmax(logits, 1).numpy(), atol=1e-5)
    samples, _ = model.sample(5)
    assert samples.shape == (5, X.shape[1])


def test_dvae_without_similarity_is_an_ablation(unit_blobs3):
    X, _ = unit_blobs3
    model = DVAE(3, reconstruction="bce", beta=0.0, **DVAE_SMALL).fit(X)
    assert {r["beta"] for r in model.history_ if r["phase"] == "cluster"} == {0.0}


def test_posterior_variance_starts_small(unit_blobs3):
    from skdeepcluster.models._vade import INITIAL_POSTERIOR_VARIANCE

    X, _ = unit_blobs3
    model = VaDE(3, **{**SMALL, "max_epochs": 0}).fit(X)
    with torch.no_grad():
        _, log_var = model.module_.posterior(torch.as_tensor(X, dtype=torch.float32))
    expected = np.log(INITIAL_POSTERIOR_VARIANCE * model.covariances_.mean())
    assert_allclose(log_var.numpy(), expected, rtol=1e-5)
