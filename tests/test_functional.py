"""Tensor functions against independent answers (scipy, hand-computed) and gradcheck."""

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose
from scipy.spatial.distance import cdist

from skdeepcluster.functional import reconstruction_loss, squared_euclidean, student_t_assignment


def _data(seed=0, n=7, k=3, d=4):
    rng = np.random.RandomState(seed)
    return rng.randn(n, d), rng.randn(k, d)


def test_squared_euclidean_matches_cdist():
    x, c = _data()
    got = squared_euclidean(torch.from_numpy(x), torch.from_numpy(c)).numpy()
    assert_allclose(got, cdist(x, c, "sqeuclidean"), rtol=1e-12)


def test_squared_euclidean_exact_on_a_centre():
    c = torch.tensor([[1e4, -3.0], [0.0, 0.0]], dtype=torch.float32)
    assert squared_euclidean(c, c).diagonal().tolist() == [0.0, 0.0]


def test_student_t_hand_computed():
    # one point at distances 0 and 1 from two centres: kernels 1 and 1/2 -> q = (2/3, 1/3)
    q = student_t_assignment(torch.tensor([[0.0, 0.0]]), torch.tensor([[0.0, 0.0], [1.0, 0.0]]))
    assert_allclose(q.numpy(), [[2 / 3, 1 / 3]], rtol=1e-6)


@pytest.mark.parametrize("dof", [1.0, 2.5])
def test_student_t_matches_formula(dof):
    x, c = _data(1)
    kernel = (1 + cdist(x, c, "sqeuclidean") / dof) ** (-(dof + 1) / 2)
    expected = kernel / kernel.sum(axis=1, keepdims=True)
    got = student_t_assignment(torch.from_numpy(x), torch.from_numpy(c), dof).numpy()
    assert_allclose(got, expected, rtol=1e-10)


def test_student_t_far_points_stay_finite():
    # the kernels (about 1e-30 and 1e-300 for dof=20) would underflow if normalised directly
    q = student_t_assignment(
        torch.tensor([[1e15, 0.0]]), torch.tensor([[0.0, 0.0], [1e14, 0.0]]), dof=20.0
    )
    assert torch.isfinite(q).all() and q.sum().item() == pytest.approx(1.0)


def test_gradcheck():
    x, c = _data(2, n=4, k=2, d=3)
    x = torch.from_numpy(x).requires_grad_()
    c = torch.from_numpy(c).requires_grad_()
    assert torch.autograd.gradcheck(squared_euclidean, (x, c))
    assert torch.autograd.gradcheck(student_t_assignment, (x, c))
    target = torch.rand(4, 3, dtype=torch.float64)
    for kind in ("mse", "bce"):
        def loss(o, kind=kind):
            return reconstruction_loss(o, target, kind)

        assert torch.autograd.gradcheck(loss, (x,))


def test_reconstruction_losses_hand_computed():
    out = torch.tensor([[0.0, 2.0]])
    target = torch.tensor([[1.0, 0.0]])
    assert reconstruction_loss(out, target, "mse").item() == pytest.approx((1 + 4) / 2)
    # logits 0 and 2 against targets 1 and 0: -log(1/2) and -log(1 - sigmoid(2))
    expected = (np.log(2) + np.log1p(np.exp(2))) / 2
    assert reconstruction_loss(out, target, "bce").item() == pytest.approx(expected, rel=1e-6)
    assert reconstruction_loss(out, target, "mse", reduction="none").shape == (1, 2)
