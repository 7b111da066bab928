"""Saving a fitted model: pickle and skops round trips, plain data only in the state."""

import pickle

import numpy as np
import pytest
import torch
from numpy.testing import assert_array_equal
from sklearn.base import clone

from skdeepcluster import TorchGaussianMixture

from .conftest import ESTIMATORS, estimator_id

ALL = ESTIMATORS + [TorchGaussianMixture(3, device="cpu")]
parametrize = pytest.mark.parametrize("estimator", ALL, ids=estimator_id)


def torch_objects(value, path="state"):
    """Paths of the torch objects (tensors, modules, devices, generators) inside ``value``."""
    if isinstance(value, (torch.Tensor, torch.nn.Module, torch.device, torch.Generator)):
        return [path]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in torch_objects(v, f"{path}[{k!r}]")]
    if isinstance(value, (list, tuple)):
        return [p for i, v in enumerate(value) for p in torch_objects(v, f"{path}[{i}]")]
    if hasattr(value, "__getstate__") and type(value).__module__.startswith("skdeepcluster"):
        return torch_objects(value.__getstate__(), f"{path}.{type(value).__name__}")
    return []


def fitted(estimator, blobs):
    """``estimator`` fitted on the blobs with ``random_state=0``, and the data."""
    X, _ = blobs
    return clone(estimator).set_params(random_state=0).fit(X), X


def assert_same_predictions(loaded, model, X):
    assert_array_equal(loaded.predict(X), model.predict(X))
    assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    assert loaded.score(X) == model.score(X)
    if hasattr(model, "transform"):
        assert_array_equal(loaded.transform(X), model.transform(X))


@parametrize
def test_fitted_state_is_plain_data(estimator, blobs):
    model, X = fitted(estimator, blobs)
    assert torch_objects(model.__getstate__()) == []


@parametrize
def test_pickle_round_trip_rebuilds_the_network(estimator, blobs):
    model, X = fitted(estimator, blobs)
    loaded = pickle.loads(pickle.dumps(model))
    assert_same_predictions(loaded, model, X)
    # the loaded model refits and gives the fit of a new one
    assert_array_equal(loaded.fit(X).predict(X), clone(model).fit(X).predict(X))


@parametrize
def test_skops_round_trip(estimator, blobs, tmp_path):
    sio = pytest.importorskip("skops.io")
    model, X = fitted(estimator, blobs)
    path = tmp_path / "model.skops"
    sio.dump(model, path)
    untrusted = sio.get_untrusted_types(file=path)
    # only the package's own classes need trusting: no torch type, no arbitrary callable
    assert untrusted and all(name.startswith("skdeepcluster.") for name in untrusted)
    loaded = sio.load(path, trusted=untrusted)
    assert_same_predictions(loaded, model, X)


def test_network_of_an_earlier_pickle_still_loads(blobs):
    # pickles made before the plain-data state hold the torch module itself
    from skdeepcluster import AEKMeans

    X, _ = blobs
    model = AEKMeans(3, hidden_dims=(8,), pretrain_epochs=2, random_state=0).fit(X)
    state = dict(vars(model))
    old = AEKMeans.__new__(AEKMeans)
    old.__setstate__(state)
    assert_array_equal(old.predict(X), model.predict(X))
    assert np.isfinite(old.transform(X)).all()


@parametrize
def test_mlflow_round_trip(estimator, blobs, tmp_path):
    # MLflow's sklearn flavour saves with skops by default; the package's classes are the
    # only types to trust
    mlflow_sklearn = pytest.importorskip("mlflow.sklearn")
    from skdeepcluster import SKOPS_TRUSTED_TYPES

    model, X = fitted(estimator, blobs)
    path = tmp_path / "model"
    # requirements given, not inferred: inference runs a subprocess per model (tested once,
    # below)
    mlflow_sklearn.save_model(model, path, skops_trusted_types=SKOPS_TRUSTED_TYPES,
                              pip_requirements=["skdeepcluster"])
    assert "serialization_format: skops" in (path / "MLmodel").read_text()
    assert_same_predictions(mlflow_sklearn.load_model(str(path)), model, X)


def test_mlflow_infers_the_package_as_a_requirement(blobs, tmp_path):
    mlflow_sklearn = pytest.importorskip("mlflow.sklearn")
    from skdeepcluster import SKOPS_TRUSTED_TYPES, AEKMeans

    X, _ = blobs
    model = AEKMeans(3, hidden_dims=(8,), pretrain_epochs=2, random_state=0).fit(X)
    mlflow_sklearn.save_model(model, tmp_path / "model", skops_trusted_types=SKOPS_TRUSTED_TYPES)
    assert "skdeepcluster" in (tmp_path / "model" / "requirements.txt").read_text()


def test_trusted_types_are_the_estimators(blobs, tmp_path):
    sio = pytest.importorskip("skops.io")
    from skdeepcluster import SKOPS_TRUSTED_TYPES

    X, _ = blobs
    for estimator in ALL:
        data = sio.dumps(clone(estimator).set_params(random_state=0).fit(X))
        assert set(sio.get_untrusted_types(data=data)) <= set(SKOPS_TRUSTED_TYPES)
