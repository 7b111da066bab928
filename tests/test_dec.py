"""DEC and IDEC: target distribution, loss, refresh schedule, stopping rule."""

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose, assert_array_equal

from skdeepcluster import DEC, DMAE, IDEC, SDCN, SDDECC, AEKMeans
from skdeepcluster.functional import kl_clustering_loss, target_distribution
from skdeepcluster.nn import MLPAutoencoder, SelfTrainingLoss, StudentTClusterer
from skdeepcluster.training import TargetRefresh, TrainingConfig, train_module

from .conftest import FAST, FAST_CLUSTERING


def test_target_distribution_hand_computed():
    q = torch.tensor([[0.5, 0.5], [0.9, 0.1]], dtype=torch.float64)
    # f = (1.4, 0.6); q^2 / f = [[0.25/1.4, 0.25/0.6], [0.81/1.4, 0.01/0.6]], rows normalised
    w = np.array([[0.25 / 1.4, 0.25 / 0.6], [0.81 / 1.4, 0.01 / 0.6]])
    assert_allclose(target_distribution(q).numpy(), w / w.sum(axis=1, keepdims=True))


def test_kl_clustering_loss():
    q = torch.tensor([[0.5, 0.5], [0.9, 0.1]], dtype=torch.float64)
    assert kl_clustering_loss(q, q).item() == pytest.approx(0.0, abs=1e-12)
    p = target_distribution(q)
    expected = (p * torch.log(p / q)).sum().item() / 2
    assert kl_clustering_loss(q, p).item() == pytest.approx(expected)
    q = q.clone().requires_grad_()
    assert torch.autograd.gradcheck(lambda q: kl_clustering_loss(q, p), (q,))


def test_self_training_loss_reads_target_rows_by_index():
    loss = SelfTrainingLoss()
    q = torch.tensor([[0.5, 0.5], [0.9, 0.1]])
    loss.target = torch.tensor([[0.9, 0.1], [0.2, 0.8], [0.5, 0.5]])
    got = loss((None, None, q), None, torch.tensor([2, 0]))
    assert got.item() == pytest.approx(kl_clustering_loss(q, loss.target[[2, 0]]).item())


def _toy_net(n_clusters=2):
    torch.manual_seed(0)
    return StudentTClusterer(MLPAutoencoder(3, (4,), 2), n_clusters)


def test_refresh_every_update_interval_batches():
    refreshes = []

    class Counting(TargetRefresh):
        def _refresh(self, net):
            refreshes.append(self.n_batches_)
            super()._refresh(net)

    config = TrainingConfig(device=torch.device("cpu"), batch_size=5, lr=1e-3)
    train_module(
        _toy_net(), torch.rand(20, 3), SelfTrainingLoss(), phase="cluster", max_epochs=3,
        config=config, generator=torch.Generator().manual_seed(0),
        callbacks=[Counting(update_interval=3, tol=0.0)],
    )
    # 4 batches an epoch, 12 in all: before training, then before batches 3, 6 and 9
    assert refreshes == [0, 3, 6, 9]


@pytest.mark.parametrize("tol, epochs", [(1.01, 1), (0.0, 4)])
def test_stops_when_labels_settle(blobs, tol, epochs):
    X, _ = blobs
    params = {**FAST, **FAST_CLUSTERING, "max_epochs": 4}
    model = DEC(3, random_state=0, tol=tol, **params).fit(X)
    cluster = [r for r in model.history_ if r["phase"] == "cluster"]
    assert len(cluster) == epochs
    assert all(0.0 <= r["delta_label"] <= 1.0 for r in cluster)


def test_dec_starts_from_aekmeans_and_trains_the_centres(blobs):
    X, _ = blobs
    params = {**FAST, "n_init": 10}
    start = AEKMeans(3, random_state=0, **params).fit(X)
    dec = DEC(3, random_state=0, tol=0.0, **params, **FAST_CLUSTERING).fit(X)
    assert dec.inertia_ == pytest.approx(start.inertia_)  # same pretrained code, same k-means
    assert not np.allclose(dec.cluster_centers_, start.cluster_centers_)
    assert_allclose(dec.cluster_centers_, dec.module_.centers.detach().numpy(), rtol=1e-6)
    assert dec.module_.reconstruct is False


@pytest.mark.parametrize("estimator_class", [AEKMeans, DEC, IDEC, SDCN, SDDECC, DMAE])
def test_a_hundred_kmeans_starts_on_the_code_by_default(estimator_class):
    assert estimator_class().n_init == 100


def test_more_kmeans_starts_never_raise_the_inertia(blobs):
    X, _ = blobs
    one = AEKMeans(3, random_state=0, **FAST, n_init=1).fit(X)
    default = AEKMeans(3, random_state=0, **FAST).fit(X)
    assert_array_equal(default.transform(X), one.transform(X))  # the same pretrained code
    assert default.inertia_ <= one.inertia_


def test_idec_with_zero_gamma_is_dec(blobs):
    X, _ = blobs
    params = {**FAST, **FAST_CLUSTERING}
    dec = DEC(3, random_state=0, **params).fit(X)
    idec = IDEC(3, random_state=0, gamma=0.0, **params).fit(X)
    assert_array_equal(idec.labels_, dec.labels_)
    assert_array_equal(idec.transform(X), dec.transform(X))
    assert IDEC(3, random_state=0, **params).fit(X).module_.reconstruct is True
