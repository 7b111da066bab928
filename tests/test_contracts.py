"""The DESIGN contracts every estimator keeps: labels, determinism, RNG, pickling, sklearn tools."""

import pickle
import random

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from skorch.callbacks import Callback

from .conftest import AUTOENCODER_ESTIMATORS, ESTIMATORS, estimator_id, rng_states

parametrize = pytest.mark.parametrize("estimator", ESTIMATORS, ids=estimator_id)
parametrize_ae = pytest.mark.parametrize("estimator", AUTOENCODER_ESTIMATORS, ids=estimator_id)


def fitted(estimator, X, **params):
    params = {"n_clusters": 3, "random_state": 0, **params}
    return clone(estimator).set_params(**params).fit(X)


@parametrize
def test_labels_agree(estimator, blobs):
    X, _ = blobs
    model = fitted(estimator, X)
    assert_array_equal(model.labels_, model.predict(X))
    assert_array_equal(clone(model).fit_predict(X), model.labels_)
    proba = model.predict_proba(X)
    assert proba.shape == (len(X), 3)
    assert_allclose(proba.sum(axis=1), 1.0)
    assert_array_equal(proba.argmax(axis=1), model.predict(X))
    assert model.labels_.dtype.kind == "i"


@parametrize
def test_predict_is_deterministic(estimator, blobs):
    X, _ = blobs
    model = fitted(estimator, X)
    assert_array_equal(model.predict(X), model.predict(X))
    assert_array_equal(model.transform(X), model.transform(X))


@parametrize
def test_same_seed_same_result(estimator, blobs):
    X, _ = blobs
    a, b = fitted(estimator, X), fitted(estimator, X)
    assert_array_equal(a.labels_, b.labels_)
    assert_array_equal(a.transform(X), b.transform(X))
    assert [r["loss"] for r in a.history_] == [r["loss"] for r in b.history_]


@parametrize
def test_random_state_instance_and_none(estimator, blobs):
    X, _ = blobs
    a = fitted(estimator, X, random_state=np.random.RandomState(3))
    b = fitted(estimator, X, random_state=np.random.RandomState(3))
    assert_array_equal(a.labels_, b.labels_)
    fitted(estimator, X, random_state=None)  # runs; fresh entropy


@parametrize
@pytest.mark.parametrize("random_state", [None, 0])
def test_global_random_state_untouched(estimator, blobs, random_state):
    X, _ = blobs
    np.random.seed(12345)
    random.seed(12345)
    torch.manual_seed(12345)
    before = rng_states()
    model = fitted(estimator, X, random_state=random_state)
    model.predict(X)
    model.score(X)
    after = rng_states()
    assert_array_equal(before[0], after[0])
    assert before[1] == after[1]
    assert torch.equal(before[2], after[2])


@parametrize
def test_pickle_round_trip(estimator, blobs):
    X, _ = blobs
    model = fitted(estimator, X)
    loaded = pickle.loads(pickle.dumps(model))
    assert_array_equal(loaded.predict(X), model.predict(X))
    assert_array_equal(loaded.transform(X), model.transform(X))


@parametrize
def test_cuda_pickle_loads_on_cpu(estimator, blobs, monkeypatch):
    # Emulates the unpickling of a model fitted on a GPU on a machine without one: the
    # pickle holds CPU tensors (see __getstate__) and device_ follows the network to the CPU.
    X, _ = blobs
    model = fitted(estimator, X)
    model.device_ = torch.device("cuda", 0)
    payload = pickle.dumps(model)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    loaded = pickle.loads(payload)
    assert loaded.device_ == torch.device("cpu")
    assert all(p.device.type == "cpu" for p in loaded.module_.parameters())
    assert_array_equal(loaded.predict(X), model.labels_)


@pytest.mark.gpu
@parametrize
def test_gpu_fit_pickles_to_cpu(estimator, blobs, tmp_path):
    if not torch.cuda.is_available():
        pytest.skip("needs CUDA")
    import subprocess
    import sys

    X, _ = blobs
    model = fitted(estimator, X, device="cuda")
    assert model.device_.type == "cuda"
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "labels.npy", model.labels_)
    (tmp_path / "model.pkl").write_bytes(pickle.dumps(model))
    code = (
        "import pickle, numpy as np, torch; assert not torch.cuda.is_available(); "
        f"m = pickle.load(open({str(tmp_path / 'model.pkl')!r}, 'rb')); "
        f"X = np.load({str(tmp_path / 'X.npy')!r}); "
        f"assert (m.predict(X) == np.load({str(tmp_path / 'labels.npy')!r})).all(); "
        "assert m.device_.type == 'cpu'"
    )
    env = {**__import__("os").environ, "CUDA_VISIBLE_DEVICES": ""}
    subprocess.run([sys.executable, "-c", code], check=True, env=env)


@parametrize
def test_clone_and_params_round_trip(estimator):
    params = estimator.get_params()
    twin = clone(estimator).set_params(**params)
    assert twin.get_params() == params


@parametrize
def test_dtype_preserved(estimator, blobs):
    X, _ = blobs
    for dtype in (np.float32, np.float64):
        assert fitted(estimator, X.astype(dtype)).transform(X.astype(dtype)).dtype == dtype


@parametrize
def test_fit_shares_float32_rows_and_never_writes_them(estimator, blobs):
    # float32 rows are trained on in place, not copied (training_tensor): the fit must
    # only read them, and give what a float64 copy of them gives
    X = blobs[0].astype(np.float32)
    before = X.copy()
    model = fitted(estimator, X)
    assert_array_equal(X, before)
    assert_array_equal(model.labels_, fitted(estimator, before.astype(np.float64)).labels_)


@parametrize_ae
def test_history_and_n_iter(estimator, blobs):
    X, _ = blobs
    model = fitted(estimator, X, layerwise_epochs=2, pretrain_epochs=3)
    phases = [r["phase"] for r in model.history_]
    assert phases[:7] == ["layerwise-0"] * 2 + ["layerwise-1"] * 2 + ["pretrain"] * 3
    # between pretraining and clustering: DVAE trains its classifier on pseudo-labels,
    # SDDECC warms its GCN up
    params = estimator.get_params()
    between = ["classifier"] * params.get("classifier_epochs", 0)
    between += ["gcn-warmup"] * (params.get("gcn_warmup_epochs", 0) * params.get("use_gcn", 0))
    n_between = len(between)
    assert phases[7 : 7 + n_between] == between
    if "max_epochs" in params:  # a clustering phase follows pretraining
        assert 1 <= len(phases) - 7 - n_between <= estimator.max_epochs
        assert set(phases[7 + n_between :]) == {"cluster"}
    else:
        assert len(phases) == 7
    assert model.n_iter_ == len(phases)
    assert all(np.isfinite(r["loss"]) and r["dur"] >= 0 for r in model.history_)
    assert [r["epoch"] for r in model.history_[4:7]] == [1, 2, 3]


# SDDECC pretrains on reconstruction plus a KL prior and the mutual-information bound, terms
# whose floor is not zero, so its pretraining loss need not halve; test_sddecc.py checks its
# reconstruction error itself.
@pytest.mark.parametrize(
    "estimator", [e for e in AUTOENCODER_ESTIMATORS if type(e).__name__ != "SDDECC"],
    ids=estimator_id,
)
def test_pretraining_reduces_reconstruction_loss(estimator, blobs):
    X, _ = blobs
    model = fitted(estimator, StandardScaler().fit_transform(X), pretrain_epochs=30, lr=1e-2)
    losses = [r["loss"] for r in model.history_ if r["phase"] == "pretrain"]
    assert losses[-1] < 0.5 * losses[0]


@parametrize_ae
def test_verbose_output(estimator, blobs, capsys):
    X, _ = blobs
    fitted(estimator, X, verbose=0)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
    fitted(estimator, X, verbose=2, pretrain_epochs=2)
    lines = capsys.readouterr().out.splitlines()
    pretrain = [line for line in lines if line.startswith("[pretrain]")]
    assert len(pretrain) == 2 and pretrain[0].startswith("[pretrain] epoch    1/2  loss ")
    phases = ("[pretrain]", "[cluster]")
    if "classifier_epochs" in estimator.get_params():  # DVAE
        phases += ("[classifier]",)
    if estimator.get_params().get("use_gcn"):  # SDDECC
        phases += ("[gcn-warmup]",)
    assert all(line.startswith(phases) for line in lines)
    fitted(estimator, X, verbose=1, pretrain_epochs=2)
    err = capsys.readouterr().err
    assert "pretrain" in err and "2/2" in err and "loss=" in err


class _EpochCounter(Callback):
    def __init__(self):
        self.calls = 0

    def on_epoch_end(self, net, **kwargs):
        self.calls += 1


@parametrize
def test_callbacks_passed_through_and_not_mutated(estimator, blobs):
    X, _ = blobs
    counter = _EpochCounter()
    model = fitted(estimator, X, callbacks=[counter])
    assert counter.calls == 0  # the estimator hands skorch a copy
    assert model.callbacks[0] is counter


@parametrize
def test_set_output_pandas(estimator, blobs):
    pd = pytest.importorskip("pandas")
    X, _ = blobs
    model = fitted(estimator, X).set_output(transform="pandas")
    code = model.transform(X)
    assert isinstance(code, pd.DataFrame)
    name = type(estimator).__name__.lower()
    # the code (latent_dim=2) for autoencoder models, distances to the 3 centres for DMM
    width = estimator.latent_dim if hasattr(estimator, "latent_dim") else 3
    assert list(code.columns) == [f"{name}{i}" for i in range(width)]


@parametrize
def test_pipeline_and_grid_search_without_labels(estimator, blobs):
    X, _ = blobs
    pipe = make_pipeline(StandardScaler(), clone(estimator).set_params(random_state=0))
    search = GridSearchCV(pipe, {f"{type(estimator).__name__.lower()}__n_clusters": [2, 3]}, cv=2)
    search.fit(X)
    assert np.isfinite(search.best_score_)
    assert search.predict(X).shape == (len(X),)


@parametrize
def test_score_is_mean_of_score_samples(estimator, blobs):
    X, _ = blobs
    model = fitted(estimator, X)
    samples = model.score_samples(X)
    assert samples.shape == (len(X),) and np.all(np.isfinite(samples))
    assert model.score(X) == pytest.approx(samples.mean())


@parametrize
def test_new_data_prediction(estimator, blobs):
    X, _ = blobs
    model = fitted(estimator, X[:40])
    labels = model.predict(X[40:])
    assert labels.shape == (20,) and set(labels) <= {0, 1, 2}
    # a prediction does not depend on which other rows share the call
    assert_array_equal(np.concatenate([model.predict(X[40:41]), model.predict(X[41:])]), labels)


@parametrize_ae
def test_bce_reconstruction(estimator, unit_blobs):
    X, _ = unit_blobs
    model = fitted(estimator, X, reconstruction="bce")
    assert np.all(np.isfinite(model.transform(X)))


@parametrize
def test_in_memory_and_dataloader_paths_both_train(estimator, blobs, monkeypatch):
    from skdeepcluster.training import _loop

    X, _ = blobs
    fast = fitted(estimator, X)
    original = _loop.TrainingConfig
    monkeypatch.setattr(
        "skdeepcluster.base.TrainingConfig",
        lambda **kw: original(**{**kw, "in_memory": False}),
    )
    slow = fitted(estimator, X)
    assert len(slow.history_) == len(fast.history_)
    assert np.isfinite(slow.history_[-1]["loss"])


@pytest.mark.parametrize(
    "estimator", [e for e in AUTOENCODER_ESTIMATORS if "max_epochs" not in e.get_params()],
    ids=estimator_id,
)
def test_autoencoder_does_not_depend_on_n_clusters(estimator, blobs):
    # Without a clustering phase, the encoder is the same for every n_clusters: what makes
    # label-free selection of n_clusters (by BIC or score) compare like with like.
    X, _ = blobs
    assert_array_equal(fitted(estimator, X, n_clusters=2).transform(X),
                       fitted(estimator, X, n_clusters=4).transform(X))


@parametrize
def test_labels_are_never_used(estimator, blobs):
    X, y = blobs
    model = clone(estimator).set_params(n_clusters=3, random_state=0)
    assert_array_equal(model.fit(X, y).labels_, clone(model).fit(X).labels_)
    assert_array_equal(model.fit(X, np.zeros_like(y)).labels_, clone(model).fit(X).labels_)
