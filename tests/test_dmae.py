"""DMM and DMAE: every dissimilarity against an independent answer, the mixture, the models."""

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose, assert_array_equal
from scipy.spatial.distance import cdist
from scipy.special import log_softmax
from sklearn.cluster import KMeans
from sklearn.datasets import load_digits, make_circles
from sklearn.kernel_approximation import RBFSampler
from sklearn.metrics import adjusted_rand_score

from skdeepcluster import DMAE, DMM, AEKMeans
from skdeepcluster.datasets import make_toroidal_blobs
from skdeepcluster.functional import (
    DISSIMILARITIES,
    assigned_dissimilarity,
    pairwise_dissimilarity,
    random_affine,
)
from skdeepcluster.nn import DissimilarityMixture, DMAELoss, DMAEModule, MLPAutoencoder

from .conftest import FAST


def _data(seed=0, n=6, k=3, d=4, positive=False):
    rng = np.random.RandomState(seed)
    x, c = rng.randn(n, d), rng.randn(k, d)
    if positive:
        x, c = np.exp(x), np.exp(c)
    return x, c


def _factors(k, d, seed=1):
    return np.random.RandomState(seed).randn(k, d, d)


def _pairwise(name, x, c, **params):
    params = {k: torch.as_tensor(v) if isinstance(v, np.ndarray) else v for k, v in params.items()}
    return pairwise_dissimilarity(name, torch.from_numpy(x), torch.from_numpy(c), **params).numpy()


def _expected(name, x, c):
    """Independent answers (scipy, or the formula written out in NumPy)."""
    if name in ("euclidean", "sqeuclidean", "chebyshev", "cosine"):
        return cdist(x, c, name)
    if name == "manhattan":
        return cdist(x, c, "cityblock")
    if name == "dot":
        return -x @ c.T
    if name == "kullback_leibler":
        log_p, log_q = log_softmax(x, axis=1), log_softmax(c, axis=1)
        return (np.exp(log_p)[:, None, :] * (log_p[:, None, :] - log_q[None])).sum(-1)
    if name == "itakura_saito":
        ratio = x[:, None, :] / c[None]
        return (ratio - np.log(ratio) - 1).sum(-1)
    raise KeyError(name)


@pytest.mark.parametrize(
    "name",
    ["euclidean", "sqeuclidean", "manhattan", "chebyshev", "cosine", "dot", "kullback_leibler",
     "itakura_saito"],
)
def test_dissimilarity_matches_independent_answer(name):
    x, c = _data(positive=name == "itakura_saito")
    assert_allclose(_pairwise(name, x, c), _expected(name, x, c), rtol=1e-10, atol=1e-12)


def test_minkowski_matches_cdist():
    x, c = _data(1)
    assert_allclose(_pairwise("minkowski", x, c, p=3.0), cdist(x, c, "minkowski", p=3.0))
    assert_allclose(_pairwise("minkowski", x, c), cdist(x, c))  # p defaults to 2
    with pytest.raises(ValueError, match="p >= 1"):
        _pairwise("minkowski", x, c, p=0.5)


def test_mahalanobis_matches_cdist():
    x, c = _data(2)
    factors = _factors(3, 4)
    got = _pairwise("mahalanobis", x, c, factors=factors)
    for k in range(3):
        precision = factors[k] @ factors[k].T
        expected = cdist(x, c[k : k + 1], "mahalanobis", VI=precision)[:, 0] ** 2
        assert_allclose(got[:, k], expected, rtol=1e-10)


def test_toroidal_hand_computed():
    x = np.array([[0.05, 0.5], [0.95, 0.1]])
    c = np.array([[0.95, 0.5], [0.5, 0.5]])
    # 0.05 and 0.95 are 0.1 apart across the boundary of the unit torus
    expected = np.array([[0.1, 0.45], [np.hypot(0.0, 0.4), np.hypot(0.45, 0.4)]])
    assert_allclose(_pairwise("toroidal", x, c), expected, rtol=1e-10)
    # a period per feature; a period larger than the spread is plain euclidean
    assert_allclose(_pairwise("toroidal", x, c, period=[10.0, 10.0]), cdist(x, c), rtol=1e-10)
    assert_allclose(_pairwise("toroidal", x * 2, c * 2, period=2.0), expected * 2, rtol=1e-10)


@pytest.mark.parametrize("name", sorted(DISSIMILARITIES))
def test_gradcheck(name):
    x, c = _data(3, n=4, k=2, d=3, positive=name == "itakura_saito")
    params = {"factors": torch.from_numpy(_factors(2, 3)).requires_grad_()} if (
        name == "mahalanobis") else {}
    x = torch.from_numpy(x).requires_grad_()
    c = torch.from_numpy(c).requires_grad_()
    w = torch.from_numpy(np.random.RandomState(0).dirichlet(np.ones(2), size=4))
    assert torch.autograd.gradcheck(
        lambda x, c: pairwise_dissimilarity(name, x, c, **params), (x, c)
    )
    assert torch.autograd.gradcheck(
        lambda x, c, w: assigned_dissimilarity(name, x, c, w, **params),
        (x, c, w.requires_grad_()),
    )


@pytest.mark.parametrize("name", ["euclidean", "toroidal", "minkowski"])
def test_gradient_is_finite_on_a_centre(name):
    c = torch.tensor([[0.3, 0.7]], dtype=torch.float64, requires_grad=True)
    d = pairwise_dissimilarity(name, c.detach().clone(), c)
    d.sum().backward()
    assert d.item() == 0.0 and torch.isfinite(c.grad).all()


@pytest.mark.parametrize("name", sorted(DISSIMILARITIES))
def test_assigned_with_one_hot_weights_is_pairwise(name):
    x, c = _data(4, positive=name == "itakura_saito")
    params = {"factors": _factors(3, 4)} if name == "mahalanobis" else {}
    pairwise = _pairwise(name, x, c, **params)
    labels = np.arange(len(x)) % 3
    weights = torch.from_numpy(np.eye(3)[labels])
    params = {k: torch.from_numpy(v) for k, v in params.items()}
    got = assigned_dissimilarity(name, torch.from_numpy(x), torch.from_numpy(c), weights, **params)
    assert_allclose(got.numpy(), pairwise[np.arange(len(x)), labels], rtol=1e-10, atol=1e-12)


def test_assigned_mahalanobis_combines_the_matrices():
    x, c = _data(5)
    factors = _factors(3, 4)
    w = np.random.RandomState(0).dirichlet(np.ones(3), size=len(x))
    got = assigned_dissimilarity(
        "mahalanobis", torch.from_numpy(x), torch.from_numpy(c), torch.from_numpy(w),
        factors=torch.from_numpy(factors),
    ).numpy()
    precisions = factors @ np.swapaxes(factors, 1, 2)
    for i in range(len(x)):
        diff = x[i] - w[i] @ c
        assert got[i] == pytest.approx(diff @ np.einsum("k,kab->ab", w[i], precisions) @ diff)


def _l1(x, centers, scale=1.0):
    return scale * (x.unsqueeze(1) - centers.unsqueeze(0)).abs().sum(-1)


def test_user_callable():
    x, c = _data(6)
    assert_allclose(_pairwise(_l1, x, c, scale=2.0), 2 * cdist(x, c, "cityblock"))
    w = torch.from_numpy(np.eye(3)[[0, 1, 2, 0, 1, 2]])
    got = assigned_dissimilarity(_l1, torch.from_numpy(x), torch.from_numpy(c), w)
    assert_allclose(got.numpy(), cdist(x, c, "cityblock")[np.arange(6), [0, 1, 2, 0, 1, 2]])


def test_unknown_name():
    with pytest.raises(ValueError, match="unknown dissimilarity 'hamming'"):
        pairwise_dissimilarity("hamming", torch.zeros(1, 2), torch.zeros(1, 2))


# ---------------------------------------------------------------- mixture module
def test_mixture_assignment_and_loss_hand_computed():
    mixture = DissimilarityMixture(1, 2, "sqeuclidean", alpha=2.0).double()
    with torch.no_grad():
        mixture.centers.copy_(torch.tensor([[0.0], [1.0]]))
        mixture.mixing_logits.copy_(torch.log(torch.tensor([0.25, 0.75])))
    h = torch.tensor([[0.25]], dtype=torch.float64)
    logits = np.array([-2 * 0.0625 + np.log(0.25), -2 * 0.5625 + np.log(0.75)])
    s = np.exp(logits - logits.max()) / np.exp(logits - logits.max()).sum()
    got = mixture(h)
    assert_allclose(got.detach().numpy()[0], s)
    theta = s @ np.array([0.0, 1.0])
    expected = (0.25 - theta) ** 2 - s @ np.log([0.25, 0.75]) / 2.0
    assert mixture.clustering_loss(h, got).item() == pytest.approx(expected)
    assert mixture.log_mixing().exp().sum().item() == pytest.approx(1.0)


def test_mahalanobis_mixture_with_alpha_half_is_a_gaussian_mixture():
    from scipy.stats import multivariate_normal

    x, c = _data(7, n=8, k=3, d=2)
    factors = _factors(3, 2, seed=3)
    weights = np.array([0.2, 0.3, 0.5])
    mixture = DissimilarityMixture(2, 3, "mahalanobis", alpha=0.5).double()
    with torch.no_grad():
        mixture.centers.copy_(torch.from_numpy(c))
        mixture.factors.copy_(torch.from_numpy(factors))
        mixture.mixing_logits.copy_(torch.from_numpy(np.log(weights)))
    s = mixture(torch.from_numpy(x)).detach().numpy()
    covariances = np.linalg.inv(factors @ np.swapaxes(factors, 1, 2))
    log_joint = np.column_stack([
        np.log(w) + multivariate_normal(mu, cov).logpdf(x)
        for w, mu, cov in zip(weights, c, covariances)
    ])
    assert_allclose(s, np.exp(log_joint - log_joint.max(1, keepdims=True)) / np.exp(
        log_joint - log_joint.max(1, keepdims=True)).sum(1, keepdims=True), rtol=1e-10)


def test_dmae_decodes_the_soft_assigned_centre():
    torch.manual_seed(0)
    module = DMAEModule(MLPAutoencoder(5, (8,), 2), DissimilarityMixture(2, 3, alpha=1.0))
    x = torch.randn(4, 5)
    h, s, x_hat = module(x)
    assert_allclose(x_hat.detach(), module.autoencoder.decode(s @ module.mixture.centers).detach())
    loss = DMAELoss(module.mixture, lambda_r=0.5, lambda_c=2.0)((h, s, x_hat), x, None)
    expected = 2.0 * module.mixture.clustering_loss(h, s).mean() + 0.5 * ((x_hat - x) ** 2).mean()
    assert loss.item() == pytest.approx(expected.item())


# ---------------------------------------------------------------- augmentation
def test_random_affine_identity_and_randomness():
    x = torch.rand(5, 2 * 6 * 6, generator=torch.Generator().manual_seed(0))
    same = random_affine(x, (2, 6, 6), max_rotation=0.0, max_shift=0.0)
    assert_allclose(same.numpy(), x.numpy(), atol=1e-6)
    a = random_affine(x, (2, 6, 6), generator=torch.Generator().manual_seed(1))
    b = random_affine(x, (2, 6, 6), generator=torch.Generator().manual_seed(1))
    assert a.shape == x.shape and torch.equal(a, b) and not torch.allclose(a, x)


def test_random_affine_shifts_at_most_max_shift():
    image = torch.zeros(1, 1, 10, 10)
    image[0, 0, 4, 4] = 1.0
    # no rotation, and at most 10% of 10 pixels of shift
    out = random_affine(image.reshape(1, -1), (1, 10, 10), max_rotation=0.0, max_shift=0.1,
                        generator=torch.Generator().manual_seed(0))
    moved = out.reshape(10, 10)
    assert moved.sum().item() == pytest.approx(1.0, abs=1e-5)  # bilinear weights sum to one
    row, col = np.unravel_index(moved.argmax().item(), (10, 10))
    assert abs(row - 4) <= 1 and abs(col - 4) <= 1  # moved by at most one pixel


# ---------------------------------------------------------------- estimators
def test_dmm_sqeuclidean_with_large_alpha_is_kmeans(blobs):
    X, _ = blobs
    dmm = DMM(3, dissimilarity="sqeuclidean", alpha=100.0, max_epochs=5, batch_size=16,
              device="cpu", random_state=0).fit(X)
    kmeans = KMeans(3, n_init=10, random_state=0).fit(X)
    assert adjusted_rand_score(dmm.labels_, kmeans.labels_) == 1.0
    assert_allclose(np.sort(dmm.cluster_centers_, axis=0),
                    np.sort(kmeans.cluster_centers_, axis=0), atol=0.1)
    assert_allclose(dmm.transform(X), cdist(X, dmm.cluster_centers_, "sqeuclidean"), rtol=1e-4)


def test_dmm_toroidal_finds_blobs_that_wrap_around():
    X, y = make_toroidal_blobs(300, 3, random_state=0)
    dmm = DMM(3, dissimilarity="toroidal", alpha=100.0, max_epochs=5, device="cpu",
              random_state=0).fit(X)
    assert adjusted_rand_score(y, dmm.labels_) > 0.95
    assert adjusted_rand_score(y, KMeans(3, n_init=10, random_state=0).fit_predict(X)) < 0.9


def test_dmm_mahalanobis_attributes(blobs):
    X, _ = blobs
    dmm = DMM(3, dissimilarity="mahalanobis", max_epochs=2, batch_size=16, device="cpu",
              random_state=0).fit(X)
    assert dmm.precisions_.shape == dmm.covariances_.shape == (3, 5, 5)
    assert np.all(np.linalg.eigvalsh(dmm.precisions_) > 0)
    assert_allclose(dmm.covariances_ @ dmm.precisions_, np.broadcast_to(np.eye(5), (3, 5, 5)),
                    atol=1e-6)
    assert dmm.weights_.sum() == pytest.approx(1.0)
    assert not hasattr(DMM(3, max_epochs=1, device="cpu").fit(X), "precisions_")


def test_mahalanobis_start_on_rows_without_spread():
    # One row, or rows that coincide: no variance to scale the covariances' shrinkage by.
    # The start shrinks towards 1e-3 times the identity instead of overflowing to NaN.
    for X in (np.ones((1, 4)), np.full((6, 4), 0.5)):
        dmm = DMM(1, dissimilarity="mahalanobis", max_epochs=2, device="cpu",
                  random_state=0).fit(X)
        assert np.all(np.isfinite(dmm.precisions_))
        assert np.all(np.isfinite(dmm.predict_proba(X)))
        assert np.all(np.isfinite(dmm.score_samples(X)))


def test_mahalanobis_precision_init(blobs):
    X, _ = blobs
    params = dict(dissimilarity="mahalanobis", max_epochs=0, device="cpu", random_state=0)
    identity = DMM(3, precision_init="identity", **params).fit(X)
    assert_allclose(identity.precisions_, np.broadcast_to(np.eye(5), (3, 5, 5)))
    # the start is k-means' either way; only the matrices differ
    kmeans = DMM(3, **params).fit(X)
    assert_allclose(identity.cluster_centers_, kmeans.cluster_centers_)
    shrinkage = 1e-3 * X.var(axis=0).mean() * np.eye(5)
    covariances = np.stack([np.cov(X[kmeans.labels_ == k], rowvar=False) + shrinkage
                            for k in range(3)])
    assert_allclose(kmeans.covariances_, covariances, rtol=1e-5, atol=1e-8)
    dmae = DMAE(3, hidden_dims=(8,), latent_dim=2, pretrain_epochs=1,
                precision_init="identity", **params).fit(X)
    assert_allclose(dmae.precisions_, np.broadcast_to(np.eye(2), (3, 2, 2)))


@pytest.mark.parametrize("name", sorted(DISSIMILARITIES))
def test_dmm_trains_with_every_dissimilarity(name, blobs):
    X, _ = blobs
    X = np.exp(X / 10) if name == "itakura_saito" else X
    dmm = DMM(3, dissimilarity=name, max_epochs=2, batch_size=16, device="cpu",
              random_state=0).fit(X)
    assert np.all(np.isfinite(dmm.score_samples(X)))
    assert all(np.isfinite(r["loss"]) for r in dmm.history_)


def test_dmm_callable_dissimilarity(blobs):
    X, _ = blobs
    dmm = DMM(3, dissimilarity=_l1, dissimilarity_params={"scale": 0.5}, max_epochs=2,
              batch_size=16, device="cpu", random_state=0).fit(X)
    assert_allclose(dmm.transform(X), 0.5 * cdist(X, dmm.cluster_centers_, "cityblock"),
                    rtol=1e-4)


def _bad_shape(x, centers):
    return x.sum(dim=1)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"dissimilarity": "itakura_saito"}, "itakura_saito' needs positive data"),
        ({"dissimilarity": "euclidean", "dissimilarity_params": {"q": 1}},
         "cannot be evaluated with dissimilarity_params"),
        ({"dissimilarity": "minkowski", "dissimilarity_params": {"p": "two"}}, "a number p >= 1"),
        ({"dissimilarity": "minkowski", "dissimilarity_params": {"p": 0.5}}, "p >= 1"),
        ({"dissimilarity": "toroidal", "dissimilarity_params": {"period": [1.0, 2.0]}},
         "one per feature"),
        ({"dissimilarity": "toroidal", "dissimilarity_params": {"period": -1.0}}, "positive"),
        ({"dissimilarity": "mahalanobis", "dissimilarity_params": {"p": 2}}, "takes no"),
        ({"dissimilarity": _bad_shape}, r"shape \(n_samples, n_clusters\)"),
        ({"dissimilarity": "hamming"}, "The 'dissimilarity' parameter"),
        ({"alpha": 0.0}, "The 'alpha' parameter"),
    ],
)
def test_dmm_bad_parameters(blobs, params, match):
    X, _ = blobs
    with pytest.raises(ValueError, match=match):
        DMM(3, device="cpu", **params).fit(X)


def test_ae_dmm_keeps_the_pretrained_encoder(blobs):
    X, _ = blobs
    frozen = DMAE(3, train_encoder=False, max_epochs=3, random_state=0, **FAST).fit(X)
    aekmeans = AEKMeans(3, random_state=0, **FAST).fit(X)
    assert_allclose(frozen.transform(X), aekmeans.transform(X), rtol=1e-6)
    joint = DMAE(3, max_epochs=3, random_state=0, **FAST).fit(X)
    assert not np.allclose(joint.transform(X), aekmeans.transform(X))
    assert [r["phase"] for r in joint.history_] == ["pretrain"] * 3 + ["cluster"] * 3


def test_dmae_augmentation_on_images():
    X = load_digits().data[:120] / 16.0
    params = {**FAST, "pretrain_epochs": 2}
    model = DMAE(4, max_epochs=2, augment=True, input_shape=(1, 8, 8), random_state=0,
                 **params).fit(X)
    again = DMAE(4, max_epochs=2, augment=True, input_shape=(1, 8, 8), random_state=0,
                 **params).fit(X)
    plain = DMAE(4, max_epochs=2, random_state=0, **params).fit(X)
    assert_array_equal(model.transform(X), again.transform(X))  # augmentation is seeded
    assert not np.allclose(model.transform(X), plain.transform(X))


@pytest.mark.parametrize("kernel_gamma", [None, 1.0])
def test_dmae_pretrain_optimizer_acts_on_the_pretraining_only(blobs, monkeypatch, kernel_gamma):
    # Every pretraining phase runs the optimizer named by pretrain_optimizer, the end-to-end
    # phase Adam; the default pretrains with Adam too.
    from skdeepcluster.training import _loop

    made = []
    for name, (optimizer, settings) in list(_loop.OPTIMIZERS.items()):
        class Recording(optimizer):
            def __init__(self, *args, _name=name, **kwargs):
                made.append(_name)
                super().__init__(*args, **kwargs)

        monkeypatch.setitem(_loop.OPTIMIZERS, name, (Recording, settings))
    X, _ = blobs
    n_pretraining = 1 if kernel_gamma is None else 2
    DMAE(3, max_epochs=1, kernel_gamma=kernel_gamma, pretrain_optimizer="sgd", random_state=0,
         **FAST).fit(X)
    assert made == ["sgd"] * n_pretraining + ["adam"]
    made.clear()
    DMAE(3, max_epochs=1, kernel_gamma=kernel_gamma, random_state=0, **FAST).fit(X)
    assert made == ["adam"] * (n_pretraining + 1)


def test_dmae_kernel_features_are_rbf_samplers():
    # The kernel pretraining regresses onto scikit-learn's RBFSampler features: drawn with
    # kernel_random_state when it is set (whatever random_state is), else from random_state.
    X = np.random.RandomState(1).randn(15, 3)
    X_t = torch.tensor(X, dtype=torch.float32)

    def features(seed, **params):
        model = DMAE(2, latent_dim=50, kernel_gamma=0.5, **params)
        return model._kernel_features(X_t, torch.Generator().manual_seed(seed)).numpy()

    fixed = features(0, kernel_random_state=3)
    assert fixed.dtype == np.float32 and fixed.shape == (15, 50)
    expected = RBFSampler(gamma=0.5, n_components=50, random_state=3).fit_transform(X)
    assert_allclose(fixed, expected, atol=1e-6)
    assert_array_equal(features(1, kernel_random_state=3), fixed)
    assert_array_equal(features(5), features(5))
    assert not np.allclose(features(5), features(6))
    # many features approximate the kernel itself
    many = DMAE(2, latent_dim=20000, kernel_gamma=0.5)._kernel_features(
        X_t, torch.Generator().manual_seed(0)).numpy()
    kernel = np.exp(-0.5 * cdist(X, X, "sqeuclidean"))
    assert_allclose(many @ many.T, kernel, atol=0.05)


def test_dmae_kernel_pretraining_separates_rings():
    # Two rings: a code trained by reconstruction is a re-embedding of the plane, which the
    # mixture cuts in halves; a code regressed onto RBF features separates the rings.
    X, y = make_circles(200, noise=0.05, factor=0.3, random_state=0)
    params = {"hidden_dims": (64,), "latent_dim": 100, "pretrain_epochs": 40, "max_epochs": 2,
              "batch_size": 32, "random_state": 0, "device": "cpu"}
    kernel = DMAE(2, kernel_gamma=10.0, **params).fit(X)
    plain = DMAE(2, **params).fit(X)
    assert adjusted_rand_score(y, kernel.labels_) > 0.9
    assert adjusted_rand_score(y, plain.labels_) < 0.1
    assert [r["phase"] for r in kernel.history_] == (
        ["pretrain-encoder"] * 40 + ["pretrain-decoder"] * 40 + ["cluster"] * 2)
    again = DMAE(2, kernel_gamma=10.0, **params).fit(X)
    assert_array_equal(again.transform(X), kernel.transform(X))


@pytest.mark.parametrize(
    "params, match",
    [
        ({"kernel_gamma": 1.0, "augment": True, "input_shape": (1, 1, 5)},
         "kernel_gamma replaces the reconstruction pretraining"),
        ({"kernel_gamma": 1.0, "layerwise_epochs": 2},
         "kernel_gamma replaces the reconstruction pretraining"),
        ({"kernel_gamma": 0.0}, "The 'kernel_gamma' parameter"),
        ({"augment": True}, r"augment=True needs input_shape"),
        ({"input_shape": (1, 2, 2)}, r"input_shape=\(1, 2, 2\) holds 4 values per image, "
                                     r"but X has n_features=5"),
        ({"input_shape": (5, 1)}, "must be three positive integers"),
        ({"dissimilarity": "itakura_saito"}, "use it with DMM"),
        ({"lambda_r": -1.0}, "The 'lambda_r' parameter"),
    ],
)
def test_dmae_bad_parameters(blobs, params, match):
    X, _ = blobs
    with pytest.raises(ValueError, match=match):
        DMAE(3, **FAST, **params).fit(X)


def test_alpha_auto_is_scale_free(blobs):
    X, _ = blobs
    small = DMM(3, max_epochs=2, batch_size=16, device="cpu", random_state=0).fit(X)
    large = DMM(3, max_epochs=2, batch_size=16, device="cpu", random_state=0).fit(10 * X)
    assert_array_equal(small.labels_, large.labels_)
    assert large.alpha_ == pytest.approx(small.alpha_ / 10)
    fixed = DMM(3, alpha=2.5, max_epochs=1, device="cpu", random_state=0).fit(X)
    assert fixed.alpha_ == 2.5 and fixed.module_.alpha == 2.5


def test_cluster_lr_sets_the_end_to_end_rate(blobs):
    X, _ = blobs
    start = AEKMeans(3, random_state=0, **FAST).fit(X)
    still = DMAE(3, cluster_lr=1e-12, max_epochs=2, random_state=0, **FAST).fit(X)
    assert_allclose(still.cluster_centers_, start.cluster_centers_, atol=1e-5)
    moved = DMAE(3, cluster_lr=1e-2, max_epochs=2, random_state=0, **FAST).fit(X)
    assert not np.allclose(moved.cluster_centers_, start.cluster_centers_, atol=1e-3)
