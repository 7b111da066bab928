"""The base of every deep clusterer: validation, device, seeding, the fit template, inference."""

import contextlib
import importlib
import logging
import warnings
from abc import ABCMeta, abstractmethod
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    ClusterMixin,
    TransformerMixin,
    _fit_context,
)
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted, validate_data
from torch.overrides import TorchFunctionMode

from ._persist import network_state, restore_network
from ._rng import fit_generators
from .training import (
    Interruption, TrainingConfig, apply_in_chunks, catch_interrupt, current_shard, evaluating,
    local_torch_seed, training_tensor,
)
from .training._parallel import check_same_fit

__all__ = [
    "BaseDeepClusterer", "resolve_device", "draw_seed", "loadable_device", "restored_on_failure",
    "device_to_state",
]


def resolve_device(device):
    """Resolve a ``device`` parameter to a ``torch.device``.

    ``"auto"`` picks CUDA when it is available, else the CPU. A device that does not parse,
    or a CUDA device on a machine without CUDA, raises a ``ValueError`` naming it.
    """
    if isinstance(device, str) and device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(f"device={device!r} is not a valid torch device: {exc}") from None
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device={device!r} was requested but CUDA is not available")
    if resolved.type == "cuda" and (resolved.index or 0) >= torch.cuda.device_count():
        raise ValueError(
            f"device={device!r} was requested but only {torch.cuda.device_count()} "
            "CUDA device(s) exist"
        )
    return resolved


def loadable_device(device):
    """``device``, or the CPU when it is a CUDA device and this machine has no CUDA (a model
    fitted on a GPU, unpickled on a CPU-only machine)."""
    if device.type == "cuda" and not torch.cuda.is_available():
        return torch.device("cpu")
    return device


def draw_seed(random_state):
    """An int seed from ``random_state`` without touching NumPy's global random state.

    ``None`` takes fresh entropy from the operating system (scikit-learn would draw from the
    global ``np.random`` state instead, which changes it); an int or a ``RandomState`` is
    used as in scikit-learn.
    """
    if random_state is None:
        return int(np.random.SeedSequence().generate_state(1)[0] & 0x7FFFFFFF)
    return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))


@contextlib.contextmanager
def restored_on_failure(estimator):
    """Give ``estimator`` back its attributes as they were when the block fails.

    Any exception, ``KeyboardInterrupt`` included, leaves the estimator as it was before:
    still unfitted, or with the whole of its previous fit. A fit only ever assigns new
    objects to its attributes (it builds a new network, new arrays), so restoring the
    attribute dictionary restores the previous state.
    """
    saved = dict(vars(estimator))
    try:
        yield
    except BaseException:
        vars(estimator).clear()
        vars(estimator).update(saved)
        raise


class _Float32Factories(TorchFunctionMode):
    """Floating tensors created without a dtype are float32, whatever the default dtype."""

    # the factories that default to the default dtype (``arange``, ``full`` and ``tensor``
    # infer theirs from their arguments and are left alone)
    FACTORIES = frozenset({
        torch.empty, torch.zeros, torch.ones, torch.eye, torch.rand, torch.randn,
    })

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if func in self.FACTORIES and kwargs.get("dtype") is None:
            kwargs = {**kwargs, "dtype": torch.float32}
        return func(*args, **kwargs)


@contextlib.contextmanager
def torch_defaults():
    """torch's standard defaults inside the block: factories on the CPU, in float32.

    A caller's ``torch.set_default_device("meta")`` or ``torch.set_default_dtype(torch.
    float64)`` would otherwise reach the tensors the models create without naming a device or
    a dtype (new layers, their initial weights), and fail or give other numbers. Both
    overrides are torch function modes, local to the thread, so the caller's settings stay
    as they are, for it and for other threads. Where the defaults are already the standard
    ones nothing is installed (a mode costs a Python call per torch operation).
    """
    with contextlib.ExitStack() as stack:
        if torch.empty(0).device.type != "cpu":
            stack.enter_context(torch.device("cpu"))
        if torch.get_default_dtype() != torch.float32:
            stack.enter_context(_Float32Factories())
        yield


def device_to_state(state):
    """``state`` with its ``device_`` as a string (plain data, for pickle and skops)."""
    if isinstance(state.get("device_"), torch.device):
        state = dict(state, device_=str(state["device_"]))
    return state


def check_float32_range(X, what="X"):
    """Raise a ``ValueError`` when finite float64 values of ``X`` overflow float32.

    The networks compute in float32; a value beyond its range would become inf there.
    """
    X = np.asarray(X)
    if X.dtype == np.float64 and X.size:
        largest = max(float(X.max()), -float(X.min()))  # no temporary the size of X
        if largest > float(np.finfo(np.float32).max):
            raise ValueError(
                f"{what} holds values up to {largest:.3g} in absolute value, beyond float32's "
                f"range ({np.finfo(np.float32).max:.3g}), which the network computes in; "
                "scale the data (e.g. to [0, 1])"
            )


class _InferenceGraph(torch.nn.Module):
    """A fitted model's inference as one module, for ``torch.onnx.export``: a float32 batch
    to its label, soft assignments (float32) and code. ``encode`` and ``proba`` are the
    model's torch functions; ``network`` (the model's ``module_``) makes its weights this
    module's own."""

    def __init__(self, network, encode, proba):
        super().__init__()
        self.network = network
        self._encode = encode
        self._proba = proba

    def forward(self, x):
        proba = self._proba(x)
        return proba.argmax(dim=1), proba.float(), self._encode(x)


class BaseDeepClusterer(
    ClassNamePrefixFeaturesOutMixin, ClusterMixin, TransformerMixin, BaseEstimator,
    metaclass=ABCMeta,
):
    """Base class of the deep clusterers.

    It owns the parts every model shares: parameter and input validation, the device and
    local seeding, the fit template and batch-invariant inference. The fit template is

    1. ``_pretrain(X, config, generator)`` -- e.g. autoencoder training (default: none);
    2. ``_initialize_clusters(X, rng)`` -- cluster parameters from the code (required);
    3. ``_fine_tune(X, config, generator)`` -- joint training (default: none);
    4. a final assignment pass that sets ``labels_``.

    The training hooks return their epoch records (see ``train_module``). A model also
    supplies ``_build_module(n_features)`` (the network, ``module_``), ``_encode(x)`` (a
    float32 tensor batch to its code, for :meth:`transform`), ``_n_components()``, and
    ``_proba_function()`` (a float32 tensor batch to its soft assignments; a model whose
    assignments are not a function of the row alone overrides ``_predict_proba(X)`` instead)
    and ``_score_samples(X)`` on validated arrays.

    ``fit`` ends with a final assignment pass, so ``fit(X).labels_``, ``fit_predict(X)`` and
    ``fit(X).predict(X)`` agree. Everything torch-side lives in ``module_``, which is what
    pickling moves to the CPU.

    A fit that raises (a diverged phase, a callback's exception, a second Ctrl-C) leaves the
    estimator exactly as it was before it. Ctrl-C while a phase trains stops training with a
    :class:`~skdeepcluster.training.FitInterruptedWarning`; the fit then completes from the
    network as it is (clusters from its code, the final assignment pass).

    Examples
    --------
    Every deep clusterer of the package is one, with scikit-learn's clusterer API:

    >>> import numpy as np
    >>> from skdeepcluster import DMM, BaseDeepClusterer
    >>> X = np.array([[0.0, 0.1], [0.1, 0.0], [0.0, 0.0], [5.0, 5.1], [5.1, 5.0], [5.0, 5.0]])
    >>> model = DMM(n_clusters=2, max_epochs=5, random_state=0)
    >>> isinstance(model, BaseDeepClusterer)
    True
    >>> labels = model.fit_predict(X)
    >>> bool((labels == model.labels_).all() and (labels == model.predict(X)).all())
    True
    """

    _parameter_constraints: dict = {
        "n_clusters": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "device": [str, torch.device],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "callbacks": [list, None],
    }

    #: Whether the training losses are means over rows, so that a fit inside
    #: :func:`~skdeepcluster.training.data_parallel` can split its batches between the
    #: processes; a model whose loss is not says why in ``_whole_batch_reason``.
    _data_parallel = True
    _whole_batch_reason = ""

    # ------------------------------------------------------------------ hooks
    @abstractmethod
    def _build_module(self, n_features):
        """Return the untrained network for ``n_features`` inputs."""

    def _pretrain(self, X, config, generator):
        """Train ``module_`` before the clusters exist; ``X`` is a float32 CPU tensor."""
        return []

    @abstractmethod
    def _initialize_clusters(self, X, rng):
        """Set the cluster parameters; ``X`` is the validated array, ``rng`` a RandomState."""

    def _fine_tune(self, X, config, generator):
        """Train ``module_`` and the clusters jointly; ``X`` is a float32 CPU tensor."""
        return []

    @abstractmethod
    def _encode(self, x):
        """Code of a float32 tensor batch, on ``device_``."""

    @abstractmethod
    def _n_components(self):
        """Width of :meth:`transform`."""

    def _proba_function(self):
        """The soft assignments as a torch function of a float32 batch on ``device_``, or
        None where they are not a function of the row alone (the graph models: their
        posterior depends on the training graph). :meth:`export_onnx` exports it."""
        return None

    def _predict_proba(self, X):
        """Soft assignments of a validated array, shape (n_samples, n_clusters)."""
        return self._apply(self._proba_function(), X)

    @abstractmethod
    def _score_samples(self, X):
        """Per-sample objective (higher is better) of a validated array."""

    def _check_fit_data(self, X):
        """Data-dependent parameter checks; a model extends it and calls ``super()``."""
        n_samples = X.shape[0]
        if self.n_clusters > n_samples:
            raise ValueError(
                f"n_clusters={self.n_clusters} must be <= the number of samples, "
                f"but got n_samples={n_samples}"
            )

    # ------------------------------------------------------------------ fit
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Train the network and cluster the data.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : Ignored
            Not used, present for API consistency.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        with restored_on_failure(self):
            X = validate_data(self, X, dtype=[np.float64, np.float32], reset=True)
            check_float32_range(X)
            self._check_fit_data(X)
            device = resolve_device(self.device)
            shard = self._process_shard(X)
            seed = draw_seed(self.random_state)
            if shard is not None:  # every process draws rank 0's seed (random_state=None)
                seed = shard.broadcast(seed)
            config = TrainingConfig(
                device=device, batch_size=self.batch_size, lr=self.lr,
                verbose=self.verbose, callbacks=self.callbacks, interruption=Interruption(),
                shard=shard if self._data_parallel else None,
            )
            self._fit_range = (float(X.min()), float(X.max()))
            with (
                torch_defaults(), fit_generators(seed, device) as generators,
                catch_interrupt(config.interruption),
            ):
                X_train = training_tensor(X)  # float32 rows are shared, not copied
                self.device_ = device
                with local_torch_seed(seed, device, generators["cpu"]):
                    self.module_ = self._build_module(X.shape[1]).to(device)
                generator = torch.Generator().manual_seed(seed)  # the batch order
                history = self._pretrain(X_train, config, generator)
                self._initialize_clusters(X, np.random.RandomState(seed))
                history += self._fine_tune(X_train, config, generator)
                self.history_ = history
                self.n_iter_ = len(history)
                self._n_features_out = self._n_components()
                self.labels_ = self._final_labels(X)
        return self

    def _process_shard(self, X):
        """This process's :class:`~skdeepcluster.training.ProcessShard` inside
        :func:`~skdeepcluster.training.data_parallel` (after checking that every process
        fits the same rows and parameters), else None."""
        shard = current_shard()
        if shard is None:
            return None
        check_same_fit(shard, self, X)
        if not self._data_parallel:
            warnings.warn(
                f"{type(self).__name__} trains on all the rows in every process of "
                f"data_parallel(): {self._whole_batch_reason}", UserWarning, stacklevel=3,
            )
        return shard

    def _final_labels(self, X):
        """The fit's final assignment pass: the labels of the validated training array."""
        return self._predict_proba(X).argmax(axis=1)

    # ------------------------------------------------------------------ inference
    def _validate(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=False)
        check_float32_range(X)
        return X

    def _apply(self, fn, X, **chunking):
        """``fn`` over ``X`` in fixed-size chunks on ``device_`` (see ``apply_in_chunks``,
        which takes ``chunking``).

        A non-finite result raises a ``ValueError``: labels or codes are never computed from
        NaN or inf.
        """
        with torch_defaults():
            out = apply_in_chunks(fn, self.module_, X, self.device_, **chunking)
        for part in out if isinstance(out, tuple) else (out,):
            bad = ~np.isfinite(part).reshape(len(part), -1).all(axis=1)
            if bad.any():
                low, high = getattr(self, "_fit_range", (np.nan, np.nan))
                rows = np.asarray(X)[bad]
                raise ValueError(
                    f"The network's output is not finite for {int(bad.sum())} of {len(part)} "
                    f"samples. Their values span [{rows.min():.3g}, {rows.max():.3g}]; the "
                    f"model was fitted on data in [{low:.3g}, {high:.3g}]. Inputs far outside "
                    "the range the model was fitted on overflow the network: scale them as "
                    "the training data were scaled."
                )
        return out

    def _transform(self, X):
        return self._apply(self._encode, X)

    def transform(self, X):
        """Code of ``X``: the learned representation the model clusters in.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_components)
            In the dtype of ``X`` (float32 or float64); computed in float32.
        """
        X = self._validate(X)
        return self._transform(X).astype(X.dtype, copy=False)

    def predict_proba(self, X):
        """Soft cluster assignments of the model.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_clusters)
            Rows sum to one.
        """
        proba = np.asarray(self._predict_proba(self._validate(X)), dtype=np.float64)
        return proba / proba.sum(axis=1, keepdims=True)

    def predict(self, X):
        """Cluster of each sample: the arg-max of :meth:`predict_proba`; deterministic.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        return self._predict_proba(self._validate(X)).argmax(axis=1)

    def score_samples(self, X):
        """The model's own objective per sample; higher is better.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        return np.asarray(self._score_samples(self._validate(X)), dtype=np.float64)

    def score(self, X, y=None):
        """Mean of :meth:`score_samples`, so that ``GridSearchCV`` can select without labels.

        Scores compare models of the same code width only: a wider code reconstructs better
        and clusters more loosely, so do not select ``latent_dim`` or ``hidden_dims`` by it.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : Ignored

        Returns
        -------
        float
        """
        return float(self.score_samples(X).mean())

    # ------------------------------------------------------------------ export
    def export_onnx(self, path, *, opset_version=None):
        """Save the fitted model's inference as an ONNX graph, for serving without Python.

        The graph takes ``X``, float32 of shape ``(n_samples, n_features_in_)`` with any
        number of rows, and gives ``label`` (int64, :meth:`predict`), ``probabilities``
        (float32, :meth:`predict_proba`) and ``code`` (float32, :meth:`transform`). Scale the
        rows as the training rows were scaled (export the model, not a ``Pipeline``).
        Needs the ``onnx`` extra (``onnx`` and ``onnxscript``, for ``torch.onnx.export``);
        run the file with, e.g., ``onnxruntime``.

        Parameters
        ----------
        path : str or path-like
            File to write: one file, the weights inside.
        opset_version : int or None, default=None
            ONNX opset; None is the exporter's default.

        Returns
        -------
        path : str or path-like
            ``path``, as given.

        Raises
        ------
        TypeError
            For :class:`SDCN`, and :class:`SDDECC` with ``use_gcn=True``: their
            predictions depend on the training graph (a new row is linked to its nearest
            training rows), which is not a fixed function of the row.

        Examples
        --------
        >>> import numpy as np
        >>> from skdeepcluster import AEKMeans
        >>> X = np.random.RandomState(0).rand(40, 4)
        >>> model = AEKMeans(2, hidden_dims=(8,), latent_dim=2, pretrain_epochs=2,
        ...                  random_state=0).fit(X)
        >>> model.export_onnx("model.onnx")  # doctest: +SKIP
        'model.onnx'
        >>> import onnxruntime  # doctest: +SKIP
        >>> session = onnxruntime.InferenceSession("model.onnx")  # doctest: +SKIP
        >>> label, proba, code = session.run(None, {"X": X.astype(np.float32)})  # doctest: +SKIP
        """
        check_is_fitted(self)
        proba = self._proba_function()
        if proba is None:
            raise TypeError(
                f"{type(self).__name__} cannot be exported to ONNX: its predictions depend on "
                "its training graph (a new row is linked to its nearest training rows), not "
                "on the row alone"
            )
        try:
            for name in ("onnx", "onnxscript"):
                importlib.import_module(name)
        except ImportError as exc:
            raise ImportError(
                "export_onnx needs onnx and onnxscript: pip install 'skdeepcluster[onnx]'"
            ) from exc
        graph = _InferenceGraph(self.module_, self._encode, proba)
        example = torch.zeros(2, self.n_features_in_, dtype=torch.float32, device=self.device_)
        rows = torch.export.Dim("n_samples")
        exporter_log = logging.getLogger("torch.onnx")
        level = exporter_log.level
        # the exporter's notes (e.g. on torchvision's operators, which no model uses) go
        exporter_log.setLevel(logging.ERROR)
        try:
            with torch_defaults(), evaluating(self.module_), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                torch.onnx.export(
                    graph, (example,), path, input_names=["X"],
                    output_names=["label", "probabilities", "code"],
                    dynamic_shapes={"x": {0: rows}}, opset_version=opset_version,
                    dynamo=True, external_data=False, verbose=False,
                )
        finally:
            exporter_log.setLevel(level)
        return path

    # ------------------------------------------------------------------ tags and pickling
    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # ClusterMixin clears this tag, which would silently skip the dtype check.
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags

    def __getstate__(self):
        # Plain data only: the network as NumPy arrays (rebuilt on loading, see _persist),
        # the device as a string. A pickle holds no torch object, skops can save the model,
        # and a model fitted on a GPU loads anywhere.
        state = super().__getstate__()
        if isinstance(state.get("module_"), torch.nn.Module):
            state = dict(state, module_=network_state(state["module_"]))
        return device_to_state(state)

    def __setstate__(self, state):
        super().__setstate__(state)
        if "device_" in state:
            self.device_ = loadable_device(torch.device(state["device_"]))
        network = state.get("module_")
        if isinstance(network, dict):
            with torch_defaults():
                self.module_ = restore_network(
                    lambda: self._build_module(self.n_features_in_), network, self.device_,
                )
        elif network is not None:  # a pickle of an earlier version holds the module itself
            self.module_.to(self.device_)
