"""Fault injection: interrupts and failures in every training phase of every estimator.

On scikit-learn's digits (a 600-row subset, every ``*_epochs`` parameter cut to
``--epochs``), for each estimator and each of its training phases:

- **Ctrl-C**: a SIGINT at the end of the phase's first epoch. The fit must complete with a
  ``FitInterruptedWarning``, train no later phase, and leave ``labels_``, ``predict`` and
  ``predict_proba`` consistent and finite.
- **failure**: a callback raising at the same point, on an already fitted model. The fit
  must raise and leave every fitted attribute and prediction as they were.

Then inputs scaled by 1e10 to 1e37 at predict: every output must be finite or a
``ValueError``; a NaN label counts as a failure. Prints one row per estimator::

    python benchmarks/fault_injection.py
"""

import argparse
import signal
import sys
import warnings

import numpy as np
import torch
from sklearn.base import clone
from skorch.callbacks import Callback

MODELS = ("AEKMeans", "AEGMM", "DEC", "IDEC", "SDCN", "DMM", "DMAE", "DeepFusionGMM", "VaDE",
          "DVAE", "SDDECC")


class AtPhase(Callback):
    """``action()`` at the end of the first epoch of the ``phase``-th training phase."""

    phases = 0

    def __init__(self, phase, action):
        self.phase, self.action = phase, action

    def on_train_begin(self, net, **kwargs):
        type(self).phases += 1

    def on_epoch_end(self, net, **kwargs):
        if type(self).phases - 1 == self.phase and len(net.history) == 1:
            self.action()


def _ctrl_c():
    signal.raise_signal(signal.SIGINT)


def _fail():
    raise RuntimeError("injected failure")


def make(name, epochs):
    import skdeepcluster

    model = getattr(skdeepcluster, name)(10, random_state=0, device="cpu")
    params = model.get_params()
    model.set_params(**{k: epochs for k, v in params.items() if k.endswith("_epochs") and v})
    if "input_shape" in params:
        model.set_params(input_shape=(1, 8, 8))
    if name == "DeepFusionGMM":
        model.set_params(views=[32, 32], input_shape=None)
    return model


def fitted(model):
    return {k: v for k, v in vars(model).items() if k not in model.get_params(deep=False)}


def consistent(model, X):
    labels = model.predict(X)
    proba = model.predict_proba(X)
    return (np.array_equal(labels, model.labels_) and np.isfinite(proba).all()
            and np.array_equal(proba.argmax(1), labels))


def run_model(name, X, epochs):
    base = make(name, epochs)
    AtPhase.phases = 0
    reference = clone(base).set_params(callbacks=[AtPhase(-1, None)]).fit(X)
    n_phases = AtPhase.phases
    interrupted_ok = failed_ok = 0
    for phase in range(n_phases):
        AtPhase.phases = 0
        model = clone(base).set_params(callbacks=[AtPhase(phase, _ctrl_c)])
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            model.fit(X)
        warned = any(type(w.message).__name__ == "FitInterruptedWarning" for w in caught)
        interrupted_ok += (warned and AtPhase.phases == phase + 1 and consistent(model, X)
                           and len(model.history_) < len(reference.history_))
        state = fitted(reference)
        labels, proba = reference.predict(X), reference.predict_proba(X)
        AtPhase.phases = 0
        reference.set_params(callbacks=[AtPhase(phase, _fail)])
        try:
            reference.fit(X)
        except RuntimeError:
            after = fitted(reference)
            failed_ok += (after.keys() == state.keys()
                          and all(after[k] is v for k, v in state.items())
                          and np.array_equal(reference.predict(X), labels)
                          and np.array_equal(reference.predict_proba(X), proba))
        reference.set_params(callbacks=None)
    nan_labels = errors = 0
    for scale in (1e10, 1e20, 1e30, 1e37):
        try:
            proba = reference.predict_proba(X * scale)
        except ValueError:
            errors += 1
            continue
        nan_labels += int((~np.isfinite(proba)).any(axis=1).sum())
    return n_phases, interrupted_ok, failed_ok, errors, nan_labels


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=3, help="every *_epochs parameter")
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=MODELS)
    args = parser.parse_args(argv)
    from skdeepcluster.datasets import load_benchmark

    torch.set_num_threads(1)
    # Python's own Ctrl-C handler, even where the shell started this process in the
    # background (which ignores SIGINT)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    X, _ = load_benchmark("digits")
    X = X[np.random.RandomState(0).permutation(len(X))[:600]]
    print("| estimator | phases | Ctrl-C: complete, consistent | failure: previous state "
          "intact | scaled inputs: ValueError / finite | NaN labels |")
    print("| --- | --- | --- | --- | --- | --- |")
    bad = 0
    for name in args.models:
        phases, interrupted, failed, errors, nans = run_model(name, X, args.epochs)
        print(f"| {name} | {phases} | {interrupted} of {phases} | {failed} of {phases} "
              f"| {errors} / {4 - errors} | {nans} |", flush=True)
        bad += (interrupted < phases) + (failed < phases) + (nans > 0)
    return bad


if __name__ == "__main__":
    sys.exit(1 if main() else 0)
