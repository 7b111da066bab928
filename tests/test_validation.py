"""Bad input gets a ValueError or TypeError that names the problem."""

import numpy as np
import pytest
from sklearn.base import clone

from .conftest import AUTOENCODER_ESTIMATORS, ESTIMATORS, estimator_id

parametrize = pytest.mark.parametrize("estimator", ESTIMATORS, ids=estimator_id)
parametrize_ae = pytest.mark.parametrize("estimator", AUTOENCODER_ESTIMATORS, ids=estimator_id)


def _fit(estimator, X, **params):
    params = {"n_clusters": 3, "random_state": 0, **params}
    return clone(estimator).set_params(**params).fit(X)


@parametrize
@pytest.mark.parametrize(
    "X, error, match",
    [
        (np.array([[0.0, np.nan]] * 10), ValueError, "NaN"),
        (np.array([[0.0, np.inf]] * 10), ValueError, "infinity"),
        (np.zeros(10), ValueError, "Expected 2D array"),
        (np.zeros((10, 2, 2)), ValueError, "dim 3"),
        (np.zeros((0, 3)), ValueError, "0 sample"),
        (np.zeros((10, 0)), ValueError, "0 feature"),
        (np.array([["a", "b"]] * 10), ValueError, "could not convert|numeric"),
        (np.zeros((2, 3)), ValueError,
         "n_clusters=3 must be <= the number of samples.*n_samples=2"),
    ],
    ids=["nan", "inf", "1d", "3d", "no-samples", "no-features", "strings", "too-few-samples"],
)
def test_bad_fit_input(estimator, X, error, match):
    with pytest.raises(error, match=match):
        _fit(estimator, X)


@parametrize
def test_sparse_input_rejected(estimator):
    sp = pytest.importorskip("scipy.sparse")
    with pytest.raises(TypeError, match="[Ss]parse"):
        _fit(estimator, sp.csr_matrix(np.eye(10)))


@parametrize
def test_wrong_n_features_at_predict(estimator, blobs):
    X, _ = blobs
    model = _fit(estimator, X)
    for method in ("predict", "predict_proba", "transform", "score_samples", "score"):
        with pytest.raises(ValueError, match="X has 4 features, but .* is expecting 5"):
            getattr(model, method)(X[:, :4])


@parametrize
def test_nan_at_predict(estimator, blobs):
    X, _ = blobs
    model = _fit(estimator, X)
    X_bad = X.copy()
    X_bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        model.predict(X_bad)


@parametrize
def test_unfitted(estimator, blobs):
    from sklearn.exceptions import NotFittedError

    X, _ = blobs
    with pytest.raises(NotFittedError):
        clone(estimator).predict(X)


@parametrize
@pytest.mark.parametrize(
    "params, match",
    [
        ({"device": "nonsense"}, "device='nonsense' is not a valid torch device"),
        ({"n_clusters": 0}, "The 'n_clusters' parameter"),
        ({"batch_size": 0}, "The 'batch_size' parameter"),
        ({"lr": -1.0}, "The 'lr' parameter"),
    ],
)
def test_bad_parameters(estimator, blobs, params, match):
    X, _ = blobs
    with pytest.raises(ValueError, match=match):
        _fit(estimator, X, **params)


@parametrize_ae
@pytest.mark.parametrize(
    "params, match",
    [
        ({"hidden_dims": (8, 0)}, r"hidden_dims=\(8, 0\) must be a sequence of positive integers"),
        ({"hidden_dims": (8, 2.5)}, r"hidden_dims=\(8, 2.5\)"),
        ({"activation": "swish"}, "The 'activation' parameter"),
        ({"reconstruction": "l1"}, "The 'reconstruction' parameter"),
    ],
)
def test_bad_autoencoder_parameters(estimator, blobs, params, match):
    X, _ = blobs
    with pytest.raises(ValueError, match=match):
        _fit(estimator, X, **params)


@parametrize
def test_cuda_requested_without_cuda(estimator, blobs, monkeypatch):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    X, _ = blobs
    with pytest.raises(ValueError, match="device='cuda' was requested but CUDA is not available"):
        _fit(estimator, X, device="cuda")


@parametrize_ae
def test_bce_needs_unit_interval(estimator, blobs):
    X, _ = blobs
    with pytest.raises(ValueError, match=r"reconstruction='bce' needs X in \[0, 1\]"):
        _fit(estimator, X, reconstruction="bce")


@parametrize_ae
def test_diverged_training_names_the_phase(estimator, blobs):
    # Values this large overflow the float32 reconstruction loss from the first epoch: the
    # fit must stop there with a message, not fail later on a NaN code.
    X, _ = blobs
    with pytest.raises(ValueError, match=r"The 'pretrain\S*' training phase diverged"):
        _fit(estimator, X * 1e18)
