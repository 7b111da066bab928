"""A fit that fails or is interrupted never leaves a broken model; no output is silently NaN;
the caller's global torch settings change nothing."""

import pickle
import signal
import warnings

import numpy as np
import pytest
import torch
from numpy.testing import assert_array_equal
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from skorch.callbacks import Callback

from skdeepcluster import TorchGaussianMixture
from skdeepcluster.training import FitInterruptedWarning

from .conftest import ESTIMATORS, estimator_id

parametrize = pytest.mark.parametrize("estimator", ESTIMATORS, ids=estimator_id)


class AtPhase(Callback):
    """Calls ``action()`` at the end of epoch ``epoch`` of the ``phase``-th training phase.

    Every phase gets a deep copy of the callbacks: the phase count lives on the class.
    """

    phases = 0

    def __init__(self, phase, action, epoch=1):
        self.phase, self.action, self.epoch = phase, action, epoch

    def on_train_begin(self, net, **kwargs):
        type(self).phases += 1

    def on_epoch_end(self, net, **kwargs):
        if type(self).phases - 1 == self.phase and len(net.history) == self.epoch:
            self.action()


def n_phases(estimator, X):
    """How many training phases a fit of ``estimator`` runs."""
    AtPhase.phases = 0
    clone(estimator).set_params(callbacks=[AtPhase(-1, None)]).fit(X)
    return AtPhase.phases


def ctrl_c():
    signal.raise_signal(signal.SIGINT)


@pytest.fixture
def interactive_sigint():
    """Python's own SIGINT handler, as in an interactive session, for the test.

    A process started in the background by a shell ignores SIGINT (so would the fit, and
    the simulated Ctrl-C would never arrive).
    """
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def fail():
    raise RuntimeError("a callback failed")


def fitted_attributes(model):
    """The attributes a fit sets (everything but the parameters)."""
    return {k: v for k, v in vars(model).items() if k not in model.get_params(deep=False)}


def fitted_state(model, X):
    return {
        "attributes": fitted_attributes(model),
        "labels": model.predict(X),
        "proba": model.predict_proba(X),
        "code": model.transform(X),
    }


def assert_same_state(model, X, state):
    attributes = fitted_attributes(model)
    assert attributes.keys() == state["attributes"].keys()
    for key, value in state["attributes"].items():
        assert attributes[key] is value, key
    assert_array_equal(model.predict(X), state["labels"])
    assert_array_equal(model.predict_proba(X), state["proba"])
    assert_array_equal(model.transform(X), state["code"])


# ---------------------------------------------------------------- atomic fit
@parametrize
def test_failed_refit_keeps_the_previous_fit(estimator, blobs):
    X, _ = blobs
    model = clone(estimator).set_params(random_state=0).fit(X)
    state = fitted_state(model, X)
    for phase in range(n_phases(estimator, X)):
        AtPhase.phases = 0
        with pytest.raises(RuntimeError, match="a callback failed"):
            model.set_params(callbacks=[AtPhase(phase, fail)]).fit(X)
        assert_same_state(model, X, state)


@parametrize
def test_diverged_refit_keeps_the_previous_fit(estimator, blobs):
    X, _ = blobs
    model = clone(estimator).set_params(random_state=0).fit(X)
    state = fitted_state(model, X)
    try:
        model.fit(X * 1e30)
    except ValueError:  # diverged, or a non-finite code: either way, named
        assert_same_state(model, X, state)
    else:  # a model that fits such data must give finite answers on it
        assert np.isfinite(model.predict_proba(X * 1e30)).all()


@parametrize
def test_failed_first_fit_leaves_the_model_unfitted(estimator, blobs):
    X, _ = blobs
    model = clone(estimator).set_params(callbacks=[AtPhase(0, fail)])
    before = dict(vars(model))
    AtPhase.phases = 0
    with pytest.raises(RuntimeError):
        model.fit(X)
    assert vars(model) == before
    with pytest.raises(NotFittedError):
        model.predict(X)


def test_failed_mixture_refit_keeps_the_previous_fit(blobs, monkeypatch):
    X, _ = blobs
    model = TorchGaussianMixture(3, random_state=0).fit(X)
    attributes = dict(vars(model))
    labels = model.predict(X)

    def interrupted_em(self, *args):
        raise KeyboardInterrupt

    monkeypatch.setattr(TorchGaussianMixture, "_em", interrupted_em)
    with pytest.raises(KeyboardInterrupt):
        model.fit(X[:30])
    assert all(vars(model)[key] is value for key, value in attributes.items())
    assert vars(model).keys() == attributes.keys()
    assert_array_equal(model.predict(X), labels)


# ---------------------------------------------------------------- Ctrl-C
@parametrize
def test_ctrl_c_in_each_phase_gives_a_complete_model(estimator, blobs, interactive_sigint):
    X, _ = blobs
    full = clone(estimator).set_params(random_state=0).fit(X)
    for phase in range(n_phases(estimator, X)):
        AtPhase.phases = 0
        model = clone(estimator).set_params(random_state=0, callbacks=[AtPhase(phase, ctrl_c)])
        with pytest.warns(FitInterruptedWarning, match="after 1 of"):
            labels = model.fit_predict(X)
        # no phase trained after the interrupted one
        assert AtPhase.phases == phase + 1
        assert_array_equal(labels, model.labels_)
        assert_array_equal(model.predict(X), model.labels_)
        assert np.isfinite(model.predict_proba(X)).all()
        assert model.transform(X).shape == full.transform(X).shape
        assert model.n_iter_ == len(model.history_) < len(full.history_)
        assert all(np.isfinite(row["loss"]) for row in model.history_)
        # the interrupted phase kept its one complete epoch
        assert sum(r["phase"] == model.history_[-1]["phase"] for r in model.history_) >= 1
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


@parametrize
def test_a_callback_ending_a_phase_early_is_not_an_interrupt(estimator, blobs):
    # skorch's EarlyStopping ends a phase by raising KeyboardInterrupt: the other phases
    # still train, and nothing warns
    X, _ = blobs

    def stop():
        raise KeyboardInterrupt

    phases = n_phases(estimator, X)
    AtPhase.phases = 0
    model = clone(estimator).set_params(callbacks=[AtPhase(0, stop)])
    with warnings.catch_warnings():
        warnings.simplefilter("error", FitInterruptedWarning)
        model.fit(X)
    assert AtPhase.phases == phases
    assert_array_equal(model.predict(X), model.labels_)


@parametrize
def test_interrupt_outside_training_aborts_and_keeps_the_previous_fit(
    estimator, blobs, monkeypatch,
):
    X, _ = blobs
    model = clone(estimator).set_params(random_state=0).fit(X)
    state = fitted_state(model, X)

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(type(model), "_initialize_clusters", interrupted)
    with pytest.raises(KeyboardInterrupt):
        model.fit(X)
    monkeypatch.undo()
    assert_same_state(model, X, state)


# ---------------------------------------------------------------- non-finite outputs
@parametrize
def test_outputs_are_finite_or_an_error(estimator, blobs):
    X, _ = blobs
    model = clone(estimator).set_params(random_state=0).fit(X)
    for scale in (1e10, 1e20, 1e30, 1e37):
        for method in (model.predict_proba, model.transform, model.score_samples):
            try:
                out = method(X * scale)
            except ValueError as error:
                assert "not finite" in str(error) and "fitted on data in" in str(error)
            else:
                assert np.isfinite(out).all()
    with pytest.raises(ValueError, match="beyond float32's range"):
        model.predict(X * 1e300)


@parametrize
def test_fit_rejects_values_beyond_float32(estimator, blobs):
    X, _ = blobs
    with pytest.raises(ValueError, match="beyond float32's range"):
        clone(estimator).fit(X * 1e300)


# ---------------------------------------------------------------- global torch state
@parametrize
def test_default_dtype_changes_nothing(estimator, blobs):
    X, _ = blobs
    reference = clone(estimator).set_params(random_state=0).fit(X)
    torch.set_default_dtype(torch.float64)
    try:
        model = clone(estimator).set_params(random_state=0).fit(X)
        assert torch.get_default_dtype() == torch.float64
        assert_array_equal(model.predict(X), reference.predict(X))
        assert_array_equal(model.transform(X), reference.transform(X))
        assert_array_equal(pickle.loads(pickle.dumps(model)).predict(X), reference.predict(X))
    finally:
        torch.set_default_dtype(torch.float32)


@parametrize
def test_default_device_changes_nothing(estimator, blobs):
    X, _ = blobs
    reference = clone(estimator).set_params(random_state=0).fit(X)
    blob = pickle.dumps(reference)
    torch.set_default_device("meta")
    try:
        loaded = pickle.loads(blob)
        assert_array_equal(loaded.predict(X), reference.predict(X))
        model = clone(estimator).set_params(random_state=0).fit(X)
        assert_array_equal(model.predict(X), reference.predict(X))
        assert torch.empty(0).device.type == "meta"
    finally:
        torch.set_default_device(None)


# ---------------------------------------------------------------- memory
def test_mixture_names_a_full_covariance_fit_that_cannot_fit_in_memory(monkeypatch):
    from skdeepcluster.models import _mixture

    monkeypatch.setattr(_mixture, "_available_memory", lambda device: 2**30)
    X = np.random.RandomState(0).rand(20, 8000)
    with pytest.raises(ValueError, match=r"needs about 7\.2 GiB.*1\.0 GiB are available"):
        TorchGaussianMixture(3, covariance_type="full", device="cpu").fit(X)
    # the diagonal model of the same data needs no such memory
    TorchGaussianMixture(3, covariance_type="diag", device="cpu", max_iter=2).fit(X)


def test_inference_converts_one_chunk_at_a_time(monkeypatch):
    from skdeepcluster.training import _inference

    seen = []
    real_array = np.array

    def spy(obj, *args, **kwargs):
        seen.append(len(obj))
        return real_array(obj, *args, **kwargs)

    monkeypatch.setattr(_inference.np, "array", spy)
    module = torch.nn.Linear(3, 2)
    out = _inference.apply_in_chunks(module, module, np.ones((600, 3)), torch.device("cpu"))
    assert out.dtype == np.float32 and out.shape == (600, 2)
    assert max(seen) <= _inference.INFERENCE_CHUNK


# ---------------------------------------------------------------- threads
#: Estimators whose training draws random numbers: the variational models' noise, SDDECC's
#: shuffled negatives, input corruption, augmentation.
RANDOM_TRAINING = [
    e for e in ESTIMATORS if type(e).__name__ in {"VaDE", "DVAE", "SDDECC", "AEKMeans"}
]


def _with_random_training(estimator):
    params = estimator.get_params()
    extra = {}
    if "dropout" in params:
        extra["dropout"] = 0.2
    return clone(estimator).set_params(**extra)


@pytest.mark.parametrize("estimator", RANDOM_TRAINING, ids=estimator_id)
def test_fits_in_threads_give_the_sequential_results(estimator, blobs):
    from concurrent.futures import ThreadPoolExecutor

    X, _ = blobs
    models = [_with_random_training(estimator).set_params(random_state=seed)
              for seed in range(4)]
    sequential = [clone(m).fit(X).transform(X) for m in models]
    stop = False

    def global_draws():  # another thread drawing from torch's global generator meanwhile
        while not stop:
            torch.rand(100)

    with ThreadPoolExecutor(5) as pool:
        noise = pool.submit(global_draws)
        threaded = list(pool.map(lambda m: clone(m).fit(X).transform(X), models))
        stop = True
        noise.result()
    for a, b in zip(sequential, threaded):
        assert_array_equal(a, b)


def test_augmented_fits_in_threads_give_the_sequential_results():
    from concurrent.futures import ThreadPoolExecutor

    from skdeepcluster import DEC

    X = np.random.RandomState(0).rand(40, 16)
    models = [DEC(2, hidden_dims=(8,), latent_dim=2, pretrain_epochs=2, max_epochs=2,
                  batch_size=8, input_shape=(1, 4, 4), augment="all", random_state=seed,
                  device="cpu") for seed in range(4)]
    sequential = [clone(m).fit(X).transform(X) for m in models]
    with ThreadPoolExecutor(4) as pool:
        threaded = list(pool.map(lambda m: clone(m).fit(X).transform(X), models))
    for a, b in zip(sequential, threaded):
        assert_array_equal(a, b)


def test_ignored_sigint_stays_ignored(blobs):
    # a process that ignores Ctrl-C (started in the background, or by choice) keeps doing so
    from skdeepcluster import AEKMeans

    X, _ = blobs
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        AtPhase.phases = 0
        model = AEKMeans(3, hidden_dims=(8,), pretrain_epochs=2, random_state=0,
                         callbacks=[AtPhase(0, ctrl_c)])
        with warnings.catch_warnings():
            warnings.simplefilter("error", FitInterruptedWarning)
            model.fit(X)
        assert len(model.history_) == 2
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, previous)
