"""SDCN: kNN graph, GCN layers, the delivery operator and prediction for new samples."""

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.neighbors import NearestNeighbors

from skdeepcluster import SDCN
from skdeepcluster.functional import KNN_CHUNK, knn_graph, knn_indices
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
