"""ONNX export: the exported graph gives the fitted model's labels, soft assignments and code."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone

from skdeepcluster import SDDECC, AEKMeans

from .conftest import ESTIMATORS, estimator_id

onnxruntime = pytest.importorskip("onnxruntime")

#: Models whose predictions depend on the training graph (a new row is linked to its
#: nearest training rows): SDCN, and SDDECC with its GCN.
GRAPH = [e for e in ESTIMATORS if e.get_params().get("use_gcn", "n_neighbors" in e.get_params())]
EXPORTABLE = [e for e in ESTIMATORS if e not in GRAPH] + [
    clone(next(e for e in ESTIMATORS if isinstance(e, SDDECC))).set_params(use_gcn=False),
    AEKMeans(3, hidden_dims=(8,), latent_dim=2, pretrain_epochs=2, input_shape=(1, 2, 2),
             encoder="conv", channels=(4,), device="cpu"),
]


def run_onnx(path, X):
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, {"X": X.astype(np.float32)})


def new_rows(X, n=300):
    """Rows the model was not fitted on, more of them than an inference chunk holds."""
    rng = np.random.RandomState(1)
    return X[rng.randint(len(X), size=n)] + 0.1 * rng.randn(n, X.shape[1])


@pytest.mark.parametrize("estimator", EXPORTABLE, ids=estimator_id)
def test_onnx_graph_predicts_as_the_model(estimator, unit_blobs, tmp_path):
    X, _ = unit_blobs
    X = X[:, :4] if estimator.get_params().get("input_shape") else X
    model = clone(estimator).set_params(random_state=0).fit(X)
    path = model.export_onnx(tmp_path / "model.onnx")
    assert [p.name for p in tmp_path.iterdir()] == ["model.onnx"]  # the weights inside
    X_new = new_rows(X)
    label, proba, code = run_onnx(path, X_new)
    assert label.dtype == np.int64 and proba.dtype == code.dtype == np.float32
    assert_array_equal(label, model.predict(X_new))
    assert_allclose(code, model.transform(X_new), rtol=0, atol=1e-5)
    # DMM's inverse temperature scales the distances' last-bit differences: 3e-5 measured
    assert_allclose(proba, model.predict_proba(X_new), rtol=0, atol=1e-4)


@pytest.mark.parametrize("estimator", GRAPH, ids=estimator_id)
def test_graph_models_refuse_export_with_the_reason(estimator, blobs, tmp_path):
    X, _ = blobs
    model = clone(estimator).set_params(random_state=0).fit(X)
    with pytest.raises(TypeError, match="training graph"):
        model.export_onnx(tmp_path / "model.onnx")
    assert not (tmp_path / "model.onnx").exists()


def test_export_needs_a_fitted_model(tmp_path):
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        AEKMeans(2).export_onnx(tmp_path / "model.onnx")
