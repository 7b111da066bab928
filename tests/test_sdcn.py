"""SDCN: kNN graph, GCN layers, the delivery operator and prediction for new samples."""

import pickle

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.neighbors import NearestNeighbors

from skdeepcluster import SDCN, SDDECC
from skdeepcluster.functional import KNN_CHUNK, knn_graph, knn_indices
from skdeepcluster.models._knn import approximate_knn_indices, faiss_or_none
from skdeepcluster.nn import GCNLayer, MLPAutoencoder, SDCNModule

from .conftest import FAST


@pytest.mark.parametrize("metric, sk_metric", [("heat", "euclidean"), ("cosine", "cosine")])
def test_knn_matches_scikit_learn(metric, sk_metric):
    X = np.random.RandomState(0).randn(KNN_CHUNK + 37, 6)
    reference = NearestNeighbors(n_neighbors=5, metric=sk_metric).fit(X)
    expected = reference.kneighbors(X, return_distance=False)
    t = torch.from_numpy(X)
    assert_array_equal(knn_indices(t, t, 4, metric=metric, exclude_self=True), expected[:, 1:])
    assert_array_equal(knn_indices(t[:10], t, 5, metric=metric), expected[:10])


def test_knn_rows_do_not_depend_on_the_other_queries():
    X = torch.from_numpy(np.random.RandomState(1).randn(300, 4).astype(np.float32))
    full = knn_indices(X, X, 3)
    assert torch.equal(knn_indices(X[299:], X, 3), full[299:])
    assert torch.equal(knn_indices(X[5:6], X, 3), full[5:6])


@pytest.mark.parametrize("metric", ["heat", "cosine"])
def test_knn_rows_do_not_depend_on_how_many_are_queried(metric):
    # wide rows, where a float32 product's rounding changes with the number of query rows,
    # and exact duplicates among the reference rows (ties go to the lower index)
    rng = np.random.RandomState(2)
    reference = rng.rand(600, 784).astype(np.float32)
    reference[300:320] = reference[7]
    reference, queries = torch.from_numpy(reference), torch.from_numpy(rng.rand(300, 784)
                                                                       .astype(np.float32))
    queries[:5] = reference[7]
    full = knn_indices(queries, reference, 5, metric=metric)
    for size in (1, 3, 17, 100):
        parts = torch.cat([knn_indices(part, reference, 5, metric=metric)
                           for part in queries.split(size)])
        assert torch.equal(parts, full)
    assert full[0].tolist() == [7, 300, 301, 302, 303]
    expected = NearestNeighbors(n_neighbors=5, metric="euclidean" if metric == "heat"
                                else "cosine").fit(reference.double().numpy())
    distances = expected.kneighbors(queries[5:].double().numpy())[0]
    ours = _distances(queries[5:], reference, full[5:], metric)
    assert_allclose(ours, distances, rtol=1e-9, atol=1e-12)


def _distances(queries, reference, neighbors, metric):
    q, r = queries.double().unsqueeze(1), reference.double()[neighbors]
    if metric == "cosine":
        return (1 - torch.nn.functional.cosine_similarity(q, r, dim=2)).numpy()
    return (r - q).norm(dim=2).numpy()


def test_knn_graph_hand_computed():
    # path 0 - 1 - 2 with k = 1: node 0 -> 1, node 1 -> 0, node 2 -> 1
    A = knn_graph(torch.tensor([[1], [0], [1]]), 3)
    assert A.is_sparse
    expected = np.array([[1, 1, 0], [1, 1, 1], [0, 1, 1]], dtype=float)
    assert_allclose(A.to_dense().numpy(), expected / expected.sum(axis=1, keepdims=True))


def test_knn_graph_is_sparse_symmetric_and_normalised():
    X = torch.randn(500, 3, generator=torch.Generator().manual_seed(0))
    A = knn_graph(knn_indices(X, X, 3, exclude_self=True), 500)
    assert A._nnz() <= 500 * (2 * 3 + 1)
    dense = A.to_dense()
    assert_allclose(dense.sum(dim=1).numpy(), 1.0, rtol=1e-6)
    assert torch.equal(dense > 0, (dense > 0).T)
    assert (dense.diagonal() > 0).all()


def test_gcn_layer_is_a_x_w():
    torch.manual_seed(0)
    layer = GCNLayer(3, 2, activation=None)
    A = knn_graph(torch.tensor([[1], [0], [1]]), 3)
    x = torch.randn(3, 3)
    assert_allclose(layer(x, A).detach().numpy(),
                    (A.to_dense() @ x @ layer.weight).detach().numpy(), rtol=1e-5, atol=1e-6)


def test_new_node_equals_a_node_added_to_the_graph():
    # predict_new is the GCN's output for a node appended to the graph, joined to its
    # neighbours among the training nodes, with training rows left as they are
    torch.manual_seed(0)
    module = SDCNModule(MLPAutoencoder(4, (6, 5), 3), n_clusters=2).eval()
    X = torch.randn(20, 4)
    neighbors = knn_indices(X, X, 3, exclude_self=True)
    module.set_graph(X, knn_graph(neighbors, 20))
    x_new = torch.randn(1, 4)
    new_neighbors = knn_indices(x_new, X, 3)
    with torch.no_grad():
        got = module.predict_new(x_new, new_neighbors, module.training_supports())
        augmented = torch.zeros(21, 21)
        augmented[:20, :20] = module.adjacency.to_dense()
        augmented[20, new_neighbors[0]] = 0.25
        augmented[20, 20] = 0.25
        module.set_graph(torch.cat([X, x_new]), augmented.to_sparse())
        expected = module(torch.cat([X, x_new]))[3][20:]
    assert_allclose(got.numpy(), expected.numpy(), rtol=1e-5, atol=1e-6)


def test_delivery_operator_weight():
    torch.manual_seed(0)
    module = SDCNModule(MLPAutoencoder(4, (6,), 3), n_clusters=2, delta=0.3)
    h, ae = torch.ones(2, 6), [torch.zeros(2, 6)]
    assert_allclose(module._layer_input(1, None, h, ae).numpy(), 0.7)
    assert len(module.gcn_layers) == 3  # 4 -> 6 -> 3, then 3 -> n_clusters


def test_sdcn_fit_keeps_a_sparse_graph(blobs):
    X, _ = blobs
    model = SDCN(3, random_state=0, max_epochs=3, **FAST).fit(X)
    assert model.module_.adjacency.is_sparse
    assert model.module_.adjacency._nnz() <= len(X) * (2 * model.n_neighbors + 1)
    phases = {r["phase"] for r in model.history_}
    assert phases == {"pretrain", "cluster"}
    assert sum(r["phase"] == "cluster" for r in model.history_) == 3  # tol=0: no early stop


def test_too_many_neighbors(blobs):
    X, _ = blobs
    message = "n_neighbors=10 must be < the number of samples.*n_samples=5"
    with pytest.raises(ValueError, match=message):
        SDCN(2, n_neighbors=10, **FAST).fit(X[:5])


def _uncached_proba(model, X_new):
    """The GCN's assignment of new rows by the rule itself: a full-graph pass for the
    training nodes' supports, then the kNN search and predict_new."""
    module = model.module_.eval()
    with torch.no_grad():
        x = torch.as_tensor(X_new, dtype=torch.float32)
        neighbors = knn_indices(x, module.train_X, model.n_neighbors, metric=model.similarity)
        return module.predict_new(x, neighbors, module.training_supports()).numpy()


def test_new_rows_reuse_the_training_supports_until_the_weights_change(blobs, monkeypatch):
    X, _ = blobs
    model = SDCN(3, random_state=0, max_epochs=3, **FAST).fit(X)
    X_new = X[:7] + 0.05
    module = model.module_
    passes = []
    full_pass = module.training_supports
    monkeypatch.setattr(module, "training_supports", lambda: passes.append(1) or full_pass())
    size = len(pickle.dumps(model))
    first = model.predict_proba(X_new)
    assert_array_equal(model.predict_proba(X_new[3:4]), first[3:4])
    assert_array_equal(model.predict(X), model.labels_)
    assert len(passes) <= 1  # the fit's final pass may have built the cache already
    assert len(pickle.dumps(model)) == size  # the cache is not pickled
    monkeypatch.undo()
    assert_allclose(first, _uncached_proba(model, X_new) / _uncached_proba(model, X_new)
                    .sum(axis=1, keepdims=True), rtol=1e-6)
    with torch.no_grad():  # a weight changed in place: the cache is rebuilt
        module.gcn_layers[-1].weight.mul_(1.5)
    changed = model.predict_proba(X_new)
    assert not np.allclose(changed, first)
    expected = _uncached_proba(model, X_new)
    assert_allclose(changed, expected / expected.sum(axis=1, keepdims=True), rtol=1e-6)
    loaded = pickle.loads(pickle.dumps(model))
    assert_array_equal(loaded.predict_proba(X_new), changed)


def _graph_models():
    return [SDCN(3, random_state=0, max_epochs=3, **FAST),
            SDDECC(3, random_state=0, max_epochs=3, gcn_warmup_epochs=3, lr=1e-2, **FAST)]


@pytest.mark.parametrize("model", _graph_models(), ids=lambda m: type(m).__name__)
def test_training_rows_in_half_precision(blobs, model):
    X, _ = blobs
    full = clone(model).fit(X)
    half = clone(model).set_params(training_rows="float16").fit(X)
    rows = half.module_.train_X
    assert rows.dtype == torch.float32
    assert torch.equal(rows, rows.half().float())  # rounded before the final pass
    assert_array_equal(half.predict(X), half.labels_)
    X_new = X[:9] + 0.1
    assert_allclose(half.predict_proba(X_new), full.predict_proba(X_new), atol=1e-2)
    blob = pickle.dumps(half)
    loaded = pickle.loads(blob)
    assert torch.equal(loaded.module_.train_X, rows)
    assert_array_equal(loaded.predict_proba(X_new), half.predict_proba(X_new))
    assert half.__getstate__()["module_"]["tensors"]["train_X"].dtype == np.float16
    # two of the rows' four bytes saved, less the array's own pickling overhead
    assert len(pickle.dumps(full)) - len(blob) >= 0.9 * rows.numel() * 2
    with pytest.raises(ValueError, match="training_rows='float16'.*65504.*reaches 1.014e\\+06"):
        clone(half).fit(X * 1e5)


@pytest.mark.parametrize("model", _graph_models(), ids=lambda m: type(m).__name__)
def test_no_training_rows_keeps_labels_transform_and_score(blobs, model):
    X, _ = blobs
    full = clone(model).fit(X)
    bare = clone(model).set_params(training_rows="none").fit(X)
    assert_array_equal(bare.labels_, full.labels_)
    assert bare.module_.train_X is None and bare.module_.adjacency is None
    loaded = pickle.loads(pickle.dumps(bare))
    assert len(pickle.dumps(bare)) < len(pickle.dumps(full)) - X.size * 4
    for fitted in (bare, loaded):
        assert_array_equal(fitted.transform(X), full.transform(X))
        assert fitted.score(X) == full.score(X)
        with pytest.raises(ValueError, match="training_rows='none'.*cannot predict"):
            fitted.predict(X)


# --- the training graph's approximate search (faiss, in the test extra) -------------------

needs_faiss = pytest.mark.skipif(
    faiss_or_none() is None, reason="faiss is not installed (pip install faiss-cpu)")


@needs_faiss
@pytest.mark.parametrize("metric", ["heat", "cosine"])
def test_approximate_search_probing_every_list_is_the_exact_search(metric):
    # with every inverted list probed the candidates hold the true neighbours, and they are
    # ranked as the exact search ranks (duplicated rows: equal scores to the lower index)
    X = np.random.RandomState(3).randn(400, 5).astype(np.float32)
    X[200:210] = X[100:110]
    X = torch.from_numpy(X)
    exact = knn_indices(X, X, 4, metric=metric, exclude_self=True)
    assert torch.equal(approximate_knn_indices(X, 4, metric=metric, n_probe=1000), exact)


@needs_faiss
def test_approximate_search_gives_valid_neighbours_when_it_misses_some():
    X = torch.from_numpy(np.random.RandomState(4).rand(3000, 8).astype(np.float32))
    found = approximate_knn_indices(X, 5, n_probe=1, seed=0)
    exact = knn_indices(X, X, 5, exclude_self=True)
    assert found.shape == (3000, 5)
    assert not (found == torch.arange(3000).unsqueeze(1)).any()  # never a row itself
    assert all(len(set(row)) == 5 for row in found.tolist())  # five distinct rows
    recall = (found.unsqueeze(2) == exact.unsqueeze(1)).any(dim=2).float().mean()
    assert 0.3 < recall < 1.0  # one list of about 200 misses some neighbours, finds most
    assert torch.equal(approximate_knn_indices(X, 5, n_probe=1, seed=0), found)


@needs_faiss
def test_knn_algorithm_auto_is_exact_below_the_threshold_and_without_faiss(monkeypatch):
    from skdeepcluster.models import _knn

    assert _knn.resolve_knn_algorithm("auto", _knn.APPROXIMATE_MIN_ROWS - 1) == "exact"
    assert _knn.resolve_knn_algorithm("auto", _knn.APPROXIMATE_MIN_ROWS) == "approximate"
    assert _knn.resolve_knn_algorithm("exact", 10**7) == "exact"
    monkeypatch.setattr(_knn, "faiss_or_none", lambda: None)
    assert _knn.resolve_knn_algorithm("auto", 10**7) == "exact"
    with pytest.raises(ImportError, match="knn_algorithm='approximate' needs faiss"):
        _knn.resolve_knn_algorithm("approximate", 100)


@needs_faiss
@pytest.mark.parametrize("model", _graph_models(), ids=lambda m: type(m).__name__)
def test_graph_models_fit_on_an_approximate_graph(blobs, model, monkeypatch):
    from skdeepcluster.models import _knn

    X, _ = blobs
    exact = clone(model).fit(X)
    assert exact.knn_algorithm_ == "exact"  # "auto" on a few rows
    monkeypatch.setattr(_knn, "APPROXIMATE_MIN_ROWS", 10)
    first = clone(model).fit(X)
    assert first.knn_algorithm_ == "approximate"
    again = clone(model).fit(X)
    assert_array_equal(first.labels_, again.labels_)  # the same random_state, the same fit
    assert_array_equal(first.predict(X), first.labels_)
    assert np.isfinite(first.transform(X)).all()


@needs_faiss
def test_approximate_search_in_blocks_of_rows_finds_the_same_neighbours(monkeypatch):
    from skdeepcluster.models import _knn

    X = torch.from_numpy(np.random.RandomState(5).rand(2000, 6).astype(np.float32))
    whole = approximate_knn_indices(X, 3, n_probe=2, seed=0)
    monkeypatch.setattr(_knn, "SEARCH_BLOCK", 300)  # seven calls, the last one short
    assert torch.equal(approximate_knn_indices(X, 3, n_probe=2, seed=0), whole)


def test_lists_probed_keep_their_share_as_the_rows_grow():
    from skdeepcluster.models._knn import PROBED_SHARE, default_n_probe, inverted_lists

    assert default_n_probe(70_000) == 16  # 16 of 1,058 lists on all of MNIST
    assert inverted_lists(10**6) == 4000
    assert default_n_probe(10**6) == 4000 // PROBED_SHARE == 62


@pytest.mark.parametrize("model", _graph_models(), ids=lambda m: type(m).__name__)
def test_a_model_pickled_before_training_rows_and_knn_algorithm_loads(blobs, model):
    X, _ = blobs
    fitted = clone(model).fit(X)
    state = fitted.__getstate__()
    for name in ("training_rows", "knn_algorithm", "knn_algorithm_"):
        del state[name]  # as pickled before these existed
    old = type(model).__new__(type(model))
    old.__setstate__(state)
    assert old.get_params()["knn_algorithm"] == "exact"  # what it was fitted with
    assert old.get_params()["training_rows"] == "float32"
    assert old.knn_algorithm_ == "exact"
    assert_array_equal(old.predict(X), fitted.predict(X))
    assert_array_equal(pickle.loads(pickle.dumps(old)).predict(X), fitted.predict(X))


@pytest.mark.parametrize("model", _graph_models(), ids=lambda m: type(m).__name__)
def test_approximate_search_without_faiss_fails_before_training(blobs, model, monkeypatch):
    from skdeepcluster.models import _knn

    monkeypatch.setattr(_knn, "faiss_or_none", lambda: None)
    model = clone(model).set_params(knn_algorithm="approximate")
    with pytest.raises(ImportError, match="pip install faiss-cpu"):
        model.fit(blobs[0])
    assert not hasattr(model, "module_")  # raised before any network was built
