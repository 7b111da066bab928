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

    def interrupted_em(self, X, rng):
        raise KeyboardInterrupt

    monkeypatch.setattr(TorchGaussianMixture, "_em", interrupted_em)
    with pytest.raises(KeyboardInterrupt):
        model.fit(X[:30])
    assert all(vars(model)[key] is value for key, value in attributes.items())
    assert vars(model).keys() == attributes.keys()
    assert_array_equal(model.predict(X), labels)


# ---------------------------------------------------------------- Ctrl-C
@parametrize
def test_ctrl_c_in_each_phase_gives_a_complete_model(estimator, blobs):
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
