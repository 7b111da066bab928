"""The torch Gaussian mixture and k-means, against scikit-learn on the same data and start."""

import pickle

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.cluster import KMeans
from sklearn.cluster import kmeans_plusplus as sklearn_kmeans_plusplus
from sklearn.datasets import make_blobs
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import adjusted_rand_score
from sklearn.mixture import GaussianMixture
from sklearn.mixture._gaussian_mixture import (
    _compute_precision_cholesky,
    _compute_precision_cholesky_from_precisions,
    _estimate_gaussian_parameters,
    _estimate_log_gaussian_prob,
)
from sklearn.utils._array_api import get_namespace

from skdeepcluster import AEGMM, AEKMeans, TorchGaussianMixture
from skdeepcluster.models import _mixture
from skdeepcluster.functional import (
    COVARIANCE_TYPES,
    e_step,
    gaussian_log_prob,
    kmeans_plusplus,
    lloyd,
    m_step,
    precision_cholesky,
)

from .conftest import FAST, rng_states

parametrize_types = pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)


@pytest.fixture
def data():
    X, y = make_blobs(n_samples=300, centers=3, n_features=4, cluster_std=1.0, random_state=0)
    return X, y


def _t(a):
    return torch.as_tensor(a, dtype=torch.float64)


def _start(X, covariance_type, k=3, seed=1):
    """Weights, means and precisions to start sklearn's and our EM from the same point."""
    rng = np.random.RandomState(seed)
    d = X.shape[1]
    precisions = {
        "full": np.stack([np.eye(d) * (1 + i) for i in range(k)]),
        "tied": np.eye(d) * 0.5,
        "diag": rng.uniform(0.5, 2.0, size=(k, d)),
        "spherical": rng.uniform(0.5, 2.0, size=k),
    }[covariance_type]
    return {
        "weights_init": np.full(k, 1.0 / k),
        "means_init": X[rng.choice(len(X), k, replace=False)],
        "precisions_init": precisions,
    }


@parametrize_types
def test_m_step_and_log_prob_match_sklearn(data, covariance_type):
    X, _ = data
    resp = np.random.RandomState(0).dirichlet(np.ones(3), size=len(X))
    nk, means, covariances = _estimate_gaussian_parameters(X, resp, 1e-6, covariance_type)
    weights, ours_means, ours_cov = m_step(_t(X), _t(resp), covariance_type, 1e-6)
    assert_allclose(weights.numpy(), nk / len(X), rtol=1e-12)
    assert_allclose(ours_means.numpy(), means, rtol=1e-12)
    assert_allclose(ours_cov.numpy(), covariances, rtol=1e-10, atol=1e-12)
    chol = _compute_precision_cholesky(covariances, covariance_type)
    ours_chol = precision_cholesky(_t(covariances), covariance_type)
    assert_allclose(ours_chol.numpy(), chol, rtol=1e-10, atol=1e-12)
    expected = _estimate_log_gaussian_prob(X, means, chol, covariance_type)
    assert_allclose(
        gaussian_log_prob(_t(X), _t(means), _t(chol), covariance_type).numpy(), expected,
        rtol=1e-10,
    )


@parametrize_types
def test_m_step_over_blocks_of_rows_equals_the_whole(data, covariance_type):
    X, _ = data
    resp = _t(np.random.RandomState(0).dirichlet(np.ones(3), size=len(X)))
    whole = m_step(_t(X), resp, covariance_type, 1e-6)
    blocks = m_step(_t(X).split(70), resp, covariance_type, 1e-6)
    for a, b in zip(whole, blocks):
        assert_allclose(b.numpy(), a.numpy(), rtol=1e-12, atol=1e-12)
    with pytest.raises(ValueError, match="the blocks hold 200 rows, resp 300"):
        m_step(_t(X[:200]).split(70), resp, covariance_type, 1e-6)


@parametrize_types
def test_float32_rows_are_streamed_in_blocks_with_the_same_fit(data, covariance_type,
                                                               monkeypatch):
    # float32 rows on the CPU are converted a block at a time as EM reads them, never
    # copied whole; blocks of 7 rows here give the fit of the rows converted at once
    X = data[0].astype(np.float32)
    params = {"covariance_type": covariance_type, "random_state": 0, "device": "cpu"}
    whole = TorchGaussianMixture(3, **params).fit(X.astype(np.float64))
    monkeypatch.setattr(_mixture, "_FIT_ELEMENTS", 7 * X.shape[1])
    assert isinstance(_mixture._fit_rows(X, torch.device("cpu")), _mixture._RowBlocks)
    streamed = TorchGaussianMixture(3, **params).fit(X)
    assert streamed.n_iter_ == whole.n_iter_
    assert_allclose(streamed.lower_bound_, whole.lower_bound_, rtol=1e-10)
    assert_allclose(streamed.means_, whole.means_, rtol=1e-6)
    assert_array_equal(streamed.predict(X), whole.predict(X))
    assert streamed.means_.dtype == np.float32


def test_e_step_normalises(data):
    X, _ = data
    weights, means, cov = m_step(_t(X), _t(np.full((len(X), 3), 1 / 3)), "diag", 1e-6)
    log_norm, log_resp = e_step(_t(X), weights, means, precision_cholesky(cov, "diag"), "diag")
    assert log_norm.shape == (len(X),)
    assert_allclose(log_resp.exp().sum(dim=1).numpy(), 1.0)


@parametrize_types
def test_fit_matches_sklearn_from_the_same_start(data, covariance_type):
    X, _ = data
    start = _start(X, covariance_type)
    params = dict(covariance_type=covariance_type, tol=1e-10, max_iter=300, **start)
    theirs = GaussianMixture(3, **params).fit(X)
    ours = TorchGaussianMixture(3, device="cpu", **params).fit(X)
    assert ours.n_iter_ == theirs.n_iter_
    assert ours.converged_ and theirs.converged_
    assert_allclose(ours.lower_bound_, theirs.lower_bound_, rtol=1e-10)
    for name in ("weights_", "means_", "covariances_", "precisions_", "precisions_cholesky_"):
        assert_allclose(getattr(ours, name), getattr(theirs, name), rtol=1e-7, atol=1e-9,
                        err_msg=name)
    assert_allclose(ours.score_samples(X), theirs.score_samples(X), rtol=1e-9)
    assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), atol=1e-9)
    assert_allclose(ours.bic(X), theirs.bic(X), rtol=1e-9)
    assert_allclose(ours.aic(X), theirs.aic(X), rtol=1e-9)


@parametrize_types
@pytest.mark.parametrize("init_params", ["kmeans", "k-means++", "random_from_data"])
def test_own_initialisation_gives_sklearns_fit(data, covariance_type, init_params):
    # The same labels and bound as scikit-learn's from its own start. With the default
    # k-means start both find the blobs; from one sample per component (k-means++ seeds or
    # drawn samples) a tied covariance starts from every row's spread, and both end in the
    # same poorer optimum there.
    X, y = data
    model = TorchGaussianMixture(
        3, covariance_type=covariance_type, init_params=init_params, n_init=3,
        random_state=0, device="cpu",
    )
    labels = model.fit_predict(X)
    assert_array_equal(labels, model.predict(X))
    reference = GaussianMixture(3, covariance_type=covariance_type, init_params=init_params,
                                n_init=3, random_state=0)
    assert_array_equal(labels, reference.fit_predict(X))
    assert_allclose(model.lower_bound_, reference.lower_bound_, rtol=1e-10)
    if init_params == "kmeans" or covariance_type != "tied":
        assert adjusted_rand_score(y, labels) == 1.0
        # and, having found the blobs, the optimum of scikit-learn's default fit
        default = GaussianMixture(3, covariance_type=covariance_type, random_state=0).fit(X)
        assert_allclose(model.lower_bound_, default.lower_bound_, rtol=1e-6)


@parametrize_types
@pytest.mark.parametrize("init_params", ["kmeans", "k-means++", "random", "random_from_data"])
@pytest.mark.parametrize("random_state", [0, "instance"])
def test_every_start_is_sklearns_for_the_same_random_state(covariance_type, init_params,
                                                           random_state):
    # overlapping blobs, so that the starts' differences would show in the fit; two starts
    # drawn one after the other from the same generator, and samples drawn after each fit.
    # Each start's fit is compared: with n_init=2 both starts can reach the same optimum with
    # bounds equal to 1e-15 (kmeans-tied here), and which of the two is kept then turns on
    # the last bit of a sum, which numpy and torch round differently.
    X, _ = make_blobs(n_samples=400, centers=4, n_features=3, cluster_std=2.5,
                      random_state=1)
    params = {"covariance_type": covariance_type, "init_params": init_params}
    fits = []
    for cls, extra in ((GaussianMixture, {}), (TorchGaussianMixture, {"device": "cpu"})):
        generator = np.random.RandomState(5 if random_state == "instance" else random_state)
        starts = []
        for _ in range(2):
            model = cls(4, n_init=1, random_state=generator, **params, **extra).fit(X)
            starts.append((model, model.sample(7)))
        fits.append(starts)
    for (theirs, their_sample), (ours, our_sample) in zip(*fits):
        assert ours.n_iter_ == theirs.n_iter_
        assert_allclose(ours.lower_bound_, theirs.lower_bound_, rtol=1e-10)
        assert_allclose(ours.means_, theirs.means_, rtol=1e-8, atol=1e-10)
        assert_allclose(ours.covariances_, theirs.covariances_, rtol=1e-8, atol=1e-10)
        assert_array_equal(ours.predict(X), theirs.predict(X))
        assert_array_equal(our_sample[1], their_sample[1])
        assert_allclose(our_sample[0], their_sample[0], rtol=1e-7, atol=1e-9)
    # and both starts in one fit: the better one's bound, as scikit-learn's
    seed = np.random.RandomState(5) if random_state == "instance" else random_state
    theirs = GaussianMixture(4, n_init=2, random_state=seed, **params).fit(X)
    seed = np.random.RandomState(5) if random_state == "instance" else random_state
    ours = TorchGaussianMixture(4, n_init=2, random_state=seed, device="cpu", **params).fit(X)
    assert ours.n_iter_ == theirs.n_iter_
    assert_allclose(ours.lower_bound_, theirs.lower_bound_, rtol=1e-10)


@pytest.mark.parametrize("init_params", ["kmeans", "k-means++"])
def test_the_device_start_gives_sklearns_fit_too(init_params, monkeypatch):
    # the start other devices take (the seeding and Lloyd in torch), run on the CPU
    X, _ = make_blobs(n_samples=400, centers=4, n_features=3, cluster_std=2.5,
                      random_state=1)
    theirs = GaussianMixture(4, init_params=init_params, n_init=2, random_state=3).fit(X)
    monkeypatch.setattr(_mixture, "_host_start", lambda X: False)
    # and, as on other devices, the rows as one tensor (on the CPU EM reads them in blocks)
    monkeypatch.setattr(_mixture, "_fit_rows", lambda X, device: torch.from_numpy(X))
    for name in ("KMeans", "sklearn_kmeans_plusplus"):  # scikit-learn's are not called
        monkeypatch.setattr(_mixture, name, None)
    ours = TorchGaussianMixture(4, init_params=init_params, n_init=2, random_state=3,
                                device="cpu").fit(X)
    assert ours.n_iter_ == theirs.n_iter_
    assert_allclose(ours.lower_bound_, theirs.lower_bound_, rtol=1e-10)
    assert_array_equal(ours.predict(X), theirs.predict(X))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_torch_seeding_and_lloyd_give_sklearns_kmeans(seed):
    # the path of other devices: our seeding draws what scikit-learn's draws, and our Lloyd
    # iterations from those seeds end in its KMeans labels
    X, _ = make_blobs(n_samples=500, centers=5, n_features=3, cluster_std=2.0,
                      random_state=seed)
    ours = kmeans_plusplus(_t(X), 5, np.random.RandomState(seed))
    theirs = sklearn_kmeans_plusplus(X, 5, random_state=np.random.RandomState(seed))[1]
    assert_array_equal(ours.numpy(), theirs)
    labels = lloyd(_t(X), _t(X)[ours])[1]
    reference = KMeans(5, n_init=1, random_state=np.random.RandomState(seed)).fit(X)
    assert_array_equal(labels.numpy(), reference.labels_)


def test_random_responsibilities_start(data):
    # Uniform random responsibilities start every component near the global mean: EM may
    # stop in a poor optimum, in scikit-learn as here; it must still give a valid mixture.
    X, _ = data
    model = TorchGaussianMixture(3, init_params="random", random_state=0, device="cpu").fit(X)
    assert_allclose(model.weights_.sum(), 1.0)
    assert_allclose(model.predict_proba(X).sum(axis=1), 1.0)


def test_kmeans_matches_sklearn_from_the_same_centres(data):
    X, _ = data
    start = _t(X)[kmeans_plusplus(_t(X), 3, np.random.RandomState(0))]
    centers, labels, inertia = lloyd(_t(X), start)
    theirs = KMeans(3, init=start.numpy(), n_init=1, algorithm="lloyd").fit(X)
    assert_allclose(centers.numpy(), theirs.cluster_centers_, rtol=1e-10)
    assert_array_equal(labels.numpy(), theirs.labels_)
    assert_allclose(inertia, theirs.inertia_, rtol=1e-10)


def test_kmeans_plusplus_picks_distinct_rows_and_is_seeded(data):
    X, _ = data
    a = kmeans_plusplus(_t(X), 5, np.random.RandomState(3))
    b = kmeans_plusplus(_t(X), 5, np.random.RandomState(3))
    assert_array_equal(a.numpy(), b.numpy())
    assert len(set(a.tolist())) == 5
    # all rows identical: still k valid indices
    same = kmeans_plusplus(torch.zeros(10, 2, dtype=torch.float64), 3, np.random.RandomState(0))
    assert same.shape == (3,) and int(same.max()) < 10


def test_lloyd_refills_an_empty_cluster():
    X = _t([[0.0], [0.1], [10.0], [10.1]])
    centers, labels, _ = lloyd(X, _t([[0.0], [10.0], [100.0]]))
    assert torch.bincount(labels, minlength=3).min() >= 1


def test_seeding_is_local_and_repeatable(data):
    X, _ = data
    before = rng_states()
    a = TorchGaussianMixture(3, random_state=None, device="cpu").fit(X)
    a.sample(5)
    after = rng_states()
    assert_array_equal(before[0], after[0])
    assert before[1] == after[1]
    assert torch.equal(before[2], after[2])
    b = TorchGaussianMixture(3, random_state=7, device="cpu").fit(X)
    c = TorchGaussianMixture(3, random_state=7, device="cpu").fit(X)
    assert_array_equal(b.means_, c.means_)
    assert a.n_iter_ >= 1


def test_pickle_and_sample(data):
    X, _ = data
    model = TorchGaussianMixture(3, covariance_type="diag", random_state=0, device="cpu").fit(X)
    loaded = pickle.loads(pickle.dumps(model))
    assert_array_equal(loaded.predict(X), model.predict(X))
    samples, components = model.sample(50)
    assert samples.shape == (50, X.shape[1]) and components.shape == (50,)
    assert_array_equal(np.bincount(components, minlength=3).sum(), 50)


def test_pickled_on_cuda_loads_on_cpu(data, monkeypatch):
    X, _ = data
    model = TorchGaussianMixture(2, random_state=0, device="cpu").fit(X)
    expected = model.predict(X)
    model.device_ = torch.device("cuda")  # as if fitted on a GPU; parameters are NumPy
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    loaded = pickle.loads(pickle.dumps(model))
    assert loaded.device_ == torch.device("cpu")
    assert_array_equal(loaded.predict(X), expected)


@pytest.mark.parametrize(
    "params, match",
    [
        # scikit-learn's messages
        ({"means_init": np.zeros((2, 4))},
         r"'means' should have the shape of \(3, 4\), but got \(2, 4\)"),
        ({"weights_init": [0.5, 0.5, 0.5]}, r"'weights' should be normalized"),
        ({"weights_init": [1.5, -0.5, 0.0]}, r"'weights' should be in the range \[0, 1\]"),
        ({"precisions_init": np.ones((3, 4))},
         r"'full precision' should have the shape of \(3, 4, 4\)"),
        ({"precisions_init": -np.stack([np.eye(4)] * 3)},
         "'full precision' should be symmetric, positive-definite"),
    ],
)
def test_bad_initial_parameters(data, params, match):
    X, _ = data
    with pytest.raises(ValueError, match=match):
        TorchGaussianMixture(3, device="cpu", **params).fit(X)


def test_too_few_samples_and_collapse(data):
    X, _ = data
    with pytest.raises(ValueError, match="Expected n_samples >= n_components but got "
                       "n_components = 5, n_samples = 4"):
        TorchGaussianMixture(5, device="cpu").fit(X[:4])
    duplicated = np.repeat(X[:2], 10, axis=0)
    with pytest.raises(ValueError, match="reg_covar"):
        TorchGaussianMixture(2, reg_covar=0.0, random_state=0, device="cpu").fit(duplicated)


def test_not_converged_warns(data):
    X, _ = data
    with pytest.warns(ConvergenceWarning, match="Best performing initialization did not"):
        TorchGaussianMixture(3, max_iter=1, tol=0.0, random_state=0, device="cpu").fit(X)


def test_verbose_prints(data, capsys):
    X, _ = data
    TorchGaussianMixture(3, verbose=2, verbose_interval=1, random_state=0,
                         device="cpu").fit(X)
    out = capsys.readouterr().out
    assert "Initialization 0" in out and "Iteration 1: log-likelihood" in out
    TorchGaussianMixture(3, verbose=1, verbose_interval=2, random_state=0,
                         device="cpu").fit(X)
    out = capsys.readouterr().out
    assert "Iteration 2\n" in out and "Iteration 1\n" not in out


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_matches_cpu(data):
    X, _ = data
    start = _start(X, "full")
    cpu = TorchGaussianMixture(3, device="cpu", tol=1e-10, **start).fit(X)
    gpu = TorchGaussianMixture(3, device="cuda", tol=1e-10, **start).fit(X)
    assert_allclose(gpu.means_, cpu.means_, rtol=1e-8)
    assert_array_equal(gpu.predict(X), cpu.predict(X))


@parametrize_types
def test_given_start_is_used_as_given_with_upper_factors(data, covariance_type):
    # max_iter=0: the fitted parameters are the start; the precisions' Cholesky factors are
    # those scikit-learn stores (upper triangular for full/tied), and nothing is estimated
    X, _ = data
    start = _start(X, covariance_type)
    params = dict(covariance_type=covariance_type, max_iter=0, **start)
    ours = TorchGaussianMixture(3, device="cpu", **params).fit(X)
    theirs = _compute_precision_cholesky_from_precisions(
        start["precisions_init"], covariance_type, xp=get_namespace(X)[0],
    )
    assert_array_equal(ours.weights_, start["weights_init"])
    assert_array_equal(ours.means_, start["means_init"])
    assert_allclose(ours.precisions_cholesky_, theirs, rtol=1e-12, atol=1e-15)
    assert_allclose(ours.precisions_, start["precisions_init"], rtol=1e-12)
    if covariance_type in ("full", "tied"):
        factor = ours.precisions_cholesky_
        assert_array_equal(factor, np.triu(factor))


@parametrize_types
def test_warm_start_follows_sklearn(data, covariance_type):
    # one EM iteration per fit, from the previous fit's parameters
    X, _ = data
    start = _start(X, covariance_type)
    params = dict(covariance_type=covariance_type, max_iter=1, warm_start=True, **start)
    theirs = GaussianMixture(3, **params)
    ours = TorchGaussianMixture(3, device="cpu", **params)
    with pytest.warns(ConvergenceWarning):
        for _ in range(5):
            theirs.fit(X)
            ours.fit(X)
            assert_allclose(ours.lower_bound_, theirs.lower_bound_, rtol=1e-10)
    assert_allclose(ours.means_, theirs.means_, rtol=1e-8)
    assert ours.n_iter_ == theirs.n_iter_ == 1


def test_weights_sum_to_one_exactly():
    # one component on three samples: scikit-learn renormalises, so sample() works
    X = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 2.0]])
    model = TorchGaussianMixture(1, device="cpu", random_state=0).fit(X)
    assert model.weights_.sum() == 1.0
    assert model.sample(5)[0].shape == (5, 2)


@parametrize_types
def test_precisions_init_of_the_default_start_gives_the_same_fit(data, covariance_type):
    # scikit-learn's test_gaussian_mixture_precisions_init_diag (which runs too, in
    # test_sklearn_mixture_suite.py) for every covariance type: the precisions of the
    # default start, given as precisions_init, give the same EM
    X, _ = data
    params = dict(covariance_type=covariance_type, random_state=0, device="cpu")
    start = TorchGaussianMixture(3, max_iter=0, **params).fit(X)
    default = TorchGaussianMixture(3, **params).fit(X)
    given = TorchGaussianMixture(3, precisions_init=start.precisions_, **params).fit(X)
    assert given.n_iter_ == default.n_iter_
    assert_allclose(given.lower_bound_, default.lower_bound_, rtol=1e-10)
    assert_allclose(given.means_, default.means_, rtol=1e-8)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_partition_start_is_one_m_step_of_the_partition(data, covariance_type):
    X, _ = data
    labels = KMeans(3, n_init=1, random_state=0).fit(X).labels_
    start = _mixture.partition_start(X, labels, 3, covariance_type, 1e-6)
    resp = np.eye(3)[labels]
    weights, means, covariances = _estimate_gaussian_parameters(
        X, resp, 1e-6, covariance_type)
    assert_allclose(start["weights_init"], weights / weights.sum(), rtol=1e-12)
    assert_allclose(start["means_init"], means, rtol=1e-12)
    inverse = (np.linalg.inv(covariances) if covariance_type in ("full", "tied")
               else 1.0 / covariances)
    assert_allclose(start["precisions_init"], inverse, rtol=1e-8)
    TorchGaussianMixture(3, covariance_type=covariance_type, **start).fit(X)  # accepted


def test_aegmm_starts_em_from_aekmeans_partition(blobs):
    X, _ = blobs
    kmeans = AEKMeans(3, random_state=0, **FAST).fit(X)
    # no EM iteration: the mixture is the start, one M-step of AEKMeans' partition
    start = AEGMM(3, random_state=0, max_iter=0, **FAST).fit(X)
    code = kmeans.transform(X).astype(np.float64)
    means = np.array([code[kmeans.labels_ == k].mean(axis=0) for k in range(3)])
    assert_allclose(start.means_, means, rtol=1e-10)
    assert start.mixture_.n_init == 1
    model = AEGMM(3, random_state=0, **FAST).fit(X)
    assert_array_equal(model.transform(X), kmeans.transform(X))  # the same code
    assert model.lower_bound_ >= start.mixture_.score(code) - 1e-9  # EM only gains
    assert_array_equal(model.predict(X), model.labels_)


def test_aegmm_with_scikit_learns_starts(blobs):
    X, _ = blobs
    model = AEGMM(3, random_state=0, init_params="k-means++", **FAST).fit(X)
    assert model.mixture_.init_params == "k-means++" and model.mixture_.n_init == 10
    code = model.transform(X).astype(np.float64)
    again = TorchGaussianMixture(3, n_init=10, init_params="k-means++",
                                 random_state=model.mixture_.random_state).fit(code)
    assert_array_equal(again.predict(code), model.labels_)
    with pytest.raises(ValueError, match="init_params"):
        AEGMM(3, init_params="kmeans++", **FAST).fit(X)


def test_aegmm_pickled_before_init_params_keeps_its_start(blobs):
    X, _ = blobs
    model = AEGMM(3, random_state=0, n_init=2, **FAST).fit(X)
    state = {k: v for k, v in vars(model).items() if k != "init_params"}
    old = AEGMM.__new__(AEGMM)
    old.__setstate__(state)
    assert old.get_params()["init_params"] == "kmeans"  # what fits before it used
    assert_array_equal(old.predict(X), model.predict(X))
