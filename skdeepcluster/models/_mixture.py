"""A Gaussian mixture fitted by EM in torch, on the CPU or a GPU."""

import os
import warnings
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator, DensityMixin, _fit_context
from sklearn.cluster import KMeans
from sklearn.cluster import kmeans_plusplus as sklearn_kmeans_plusplus
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from ..base import (
    device_to_state, draw_seed, loadable_device, resolve_device, restored_on_failure,
)
from ..functional import (
    COVARIANCE_TYPES,
    IllDefinedCovarianceError,
    e_step,
    kmeans_plusplus,
    lloyd,
    m_step,
    n_mixture_parameters,
    precision_cholesky,
)

#: The mixture's computations run in double precision, as scikit-learn's: EM on a
#: collapsing component is fragile in single precision.
_DTYPE = torch.float64

#: Values of ``X`` converted to float64 at a time by ``predict``, ``predict_proba`` and
#: ``score_samples`` (2 MiB): their memory does not grow with the rows beyond the output.
_INFERENCE_ELEMENTS = 2**18

#: Values of the rows EM reads at a time on the CPU, as float64 (8 MiB).
_FIT_ELEMENTS = 2**20


class _RowBlocks:
    """The rows of a host array as float64 tensors on ``device``, a block at a time.

    EM reads it once or twice an iteration (see ``m_step``) instead of holding a float64 copy
    of the rows: float32 rows (a memory-mapped array included) are converted a block at a
    time, never whole, float64 rows on the CPU are shared, and the E-step's temporaries are
    those of a block. ``len`` is the number of rows.
    """

    def __init__(self, X, device, elements):
        self.X, self.device = X, device
        self.rows = max(1, elements // max(1, X.shape[1]))

    def __len__(self):
        return len(self.X)

    def __iter__(self):
        for start in range(0, len(self.X), self.rows):
            block = np.asarray(self.X[start : start + self.rows], dtype=np.float64)
            with warnings.catch_warnings():
                # float64 rows of a read-only memory map, shared: EM only reads them
                warnings.filterwarnings("ignore", message="The given NumPy array is not writable")
                tensor = torch.from_numpy(block)
            yield tensor.to(self.device)


def _fit_rows(X, device):
    """The rows EM runs on: on the CPU, blocks of the host rows (float64 rows are shared,
    float32 rows converted as EM reads them), so that the E and M steps form temporaries of
    a block, not of all the rows; on another device, one float64 tensor of all the rows,
    filled a block at a time."""
    if device.type == "cpu":
        return _RowBlocks(X, device, _FIT_ELEMENTS)
    rows = torch.empty(X.shape, dtype=_DTYPE, device=device)
    start = 0
    for block in _RowBlocks(X, device, _FIT_ELEMENTS):
        rows[start : start + len(block)] = block
        start += len(block)
    return rows


def _expectation(X, weights, means, precisions_chol, covariance_type):
    """The E-step over the rows of ``X`` (a tensor, or ``_RowBlocks``): the log-likelihood
    of each row and the responsibilities, exponentiated a block at a time."""
    if torch.is_tensor(X):
        log_prob_norm, log_resp = e_step(X, weights, means, precisions_chol, covariance_type)
        return log_prob_norm, log_resp.exp()
    log_prob_norm = torch.empty(len(X), dtype=_DTYPE, device=X.device)
    resp = torch.empty(len(X), len(weights), dtype=_DTYPE, device=X.device)
    start = 0
    for block in X:
        block_norm, block_log_resp = e_step(
            block, weights, means, precisions_chol, covariance_type
        )
        log_prob_norm[start : start + len(block)] = block_norm
        resp[start : start + len(block)] = block_log_resp.exp_()
        start += len(block)
    return log_prob_norm, resp


_COLLAPSED = (  # scikit-learn's message, which its tests match
    "Fitting the mixture model failed because some components have ill-defined empirical "
    "covariance (for instance caused by singleton or collapsed samples). Try to decrease "
    "the number of components, increase reg_covar, or scale the input data. "
    "(reg_covar={reg_covar})"
)


#: ``GaussianMixture``'s ``init_params``.
INIT_PARAMS = ("kmeans", "k-means++", "random", "random_from_data")


def _random_state(random_state):
    """The ``RandomState`` scikit-learn's mixture draws from for ``random_state``
    (``check_random_state``'s, so that an int or an instance gives scikit-learn's draws),
    except that None seeds a new one: the global NumPy state is never drawn from."""
    if random_state is None:
        return np.random.RandomState(draw_seed(None))
    return check_random_state(random_state)


def _host_start(X):
    """Whether the start is scikit-learn's own functions on the host (X on the CPU), or
    the same draws in torch on X's device."""
    return X.device.type == "cpu"


def sample_mixture(weights, means, covariances, covariance_type, n_samples, rng):
    """``(X, y)``: ``n_samples`` points drawn from a Gaussian mixture, and their components.

    ``covariances`` is shaped as in ``GaussianMixture`` for ``covariance_type``; ``rng`` is a
    NumPy ``RandomState``.
    """
    if not isinstance(n_samples, Integral) or n_samples < 1:
        raise ValueError(  # scikit-learn's message
            f"Invalid value for 'n_samples': {n_samples!r} . The sampling requires at least "
            "one sample."
        )
    counts = rng.multinomial(n_samples, weights)
    parts = []
    for k, (mean, count) in enumerate(zip(means, counts)):
        if covariance_type in ("full", "tied"):
            cov = covariances[k] if covariance_type == "full" else covariances
            parts.append(rng.multivariate_normal(mean, cov, count))
        else:
            parts.append(mean + rng.standard_normal((count, len(mean))) * np.sqrt(covariances[k]))
    return np.vstack(parts), np.repeat(np.arange(len(weights)), counts)


def partition_start(X, labels, n_components, covariance_type, reg_covar):
    """The mixture one M-step fits to a partition: ``{"weights_init", "means_init",
    "precisions_init"}`` for ``GaussianMixture``, from the rows ``X`` (float64) and their
    ``labels`` in ``range(n_components)``, ``reg_covar`` added to the covariances.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeepcluster.models._mixture import partition_start
    >>> X = np.array([[0.0], [2.0], [10.0], [12.0]])
    >>> start = partition_start(X, np.array([0, 0, 1, 1]), 2, "diag", 0.0)
    >>> start["means_init"].ravel().round(6).tolist()
    [1.0, 11.0]
    >>> start["precisions_init"].ravel().round(6).tolist()  # the variances' inverses
    [1.0, 1.0]
    """
    rows = torch.as_tensor(X, dtype=_DTYPE)
    resp = torch.nn.functional.one_hot(torch.as_tensor(labels, dtype=torch.int64),
                                       n_components).to(_DTYPE)
    weights, means, covariances = m_step(rows, resp, covariance_type, reg_covar)
    if covariance_type in ("full", "tied"):
        precisions = torch.linalg.inv(covariances)
        precisions = (precisions + precisions.transpose(-1, -2)) / 2
    else:
        precisions = 1.0 / covariances
    return {"weights_init": (weights / weights.sum()).numpy(), "means_init": means.numpy(),
            "precisions_init": precisions.numpy()}


def _sub_seed(rng):
    return int(rng.randint(np.iinfo(np.int32).max))


def code_kmeans(code, n_clusters, n_init, seed, *, copy=True):
    """The fitted ``KMeans`` (best of ``n_init`` runs, seeded by the integer ``seed``) of a
    model's code: AEKMeans' clusters, AEGMM's ``"best-kmeans"`` start, DVAE's pseudo-labels
    and DMAE's start are all this one call, so that at the same parameters and seed they
    share one partition. ``copy=False`` centres ``code`` in place (the same fit, to the last
    bit, without a copy), for a caller that has no further use of it."""
    return KMeans(n_clusters, n_init=n_init, random_state=seed, copy_x=copy).fit(code)


def kmeans_partition_mixture(code, n_clusters, n_init, seed, covariance_type, device, *,
                             reg_covar=1e-6, **em):
    """EM for a Gaussian mixture on ``code`` started once from the partition of
    :func:`code_kmeans` ``(code, n_clusters, n_init, seed)``: AEGMM's ``"best-kmeans"``
    mixture and DVAE's prior are both this call. ``reg_covar`` is added to the start's
    covariances as to EM's; ``em`` are the mixture's other EM settings (``tol``,
    ``max_iter``). Returns the fitted :class:`TorchGaussianMixture` and the k-means labels
    (DVAE's pseudo-labels)."""
    labels = code_kmeans(code, n_clusters, n_init, seed).labels_
    start = partition_start(code, labels, n_clusters, covariance_type, reg_covar)
    mixture = TorchGaussianMixture(
        n_clusters, covariance_type=covariance_type, reg_covar=reg_covar, n_init=1,
        init_params="kmeans", random_state=seed, device=device, **em, **start,
    )  # every parameter of the start given: nothing is drawn
    return mixture.fit(code), labels


def _check_shape(param, shape, name):
    if tuple(param.shape) != shape:
        raise ValueError(
            f"The parameter '{name}' should have the shape of {shape}, but got "
            f"{tuple(param.shape)}"
        )


#: Peak memory of an EM fit with full or tied covariances, in float64 matrices of
#: n_features x n_features per covariance: the covariances, their Cholesky factors, the
#: precisions' factors and the solver's workspace (measured: 4.8 on 50 x 3,000 data).
_COVARIANCE_COPIES = 5


def _available_memory(device):
    """Free bytes on ``device`` (the host's available memory for the CPU), or None."""
    if device.type == "cuda":
        return torch.cuda.mem_get_info(device)[0]
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):  # not a POSIX system that says
        return None


def _check_covariance_memory(covariance_type, n_components, n_features, device):
    """A clear error, before any allocation, when full or tied covariances cannot fit."""
    if covariance_type not in ("full", "tied"):
        return
    n_matrices = n_components if covariance_type == "full" else 1
    needed = _COVARIANCE_COPIES * n_matrices * n_features**2 * 8
    available = _available_memory(device)
    if available is not None and needed > available:
        raise ValueError(
            f"covariance_type={covariance_type!r} with {n_features} features and "
            f"n_components={n_components} needs about {needed / 2**30:.1f} GiB on {device} "
            f"({n_matrices} covariance matrices of {n_features} x {n_features} in float64, "
            f"several copies), but {available / 2**30:.1f} GiB are available. Use "
            "covariance_type='diag' or 'spherical', or fewer features (e.g. a PCA first)."
        )


class CodeMixtureMixin:
    """The ``GaussianMixture`` surface of a deep model that fits a mixture to its code.

    The model calls ``_fit_code_mixture(code, rng)`` once its code is trained; soft
    assignments, scores, BIC and AIC are then the mixture's on ``transform(X)``. The mixture
    runs in torch on the model's training device. Needs ``_code64`` from the model.
    """

    _mixture_parameter_constraints: dict = {
        "covariance_type": [StrOptions(set(COVARIANCE_TYPES))],
        "n_init": [Interval(Integral, 1, None, closed="left")],
        "reg_covar": [Interval(Real, 0.0, None, closed="left")],
        "tol": [Interval(Real, 0.0, None, closed="left")],
        "max_iter": [Interval(Integral, 0, None, closed="left")],
    }

    def _mixture_init(self):
        """``(init_params, n_init)`` of the mixture: ``"best-kmeans"`` starts EM once from
        the partition of the best of ``n_init`` k-means runs; another ``init_params`` is
        ``GaussianMixture``'s, with ``n_init`` EM runs."""
        return "kmeans", self.n_init

    def _fit_code_mixture(self, code, rng):
        seed = _sub_seed(rng)
        init_params, n_init = self._mixture_init()
        em = {"covariance_type": self.covariance_type, "tol": self.tol,
              "reg_covar": self.reg_covar, "max_iter": self.max_iter,
              "device": str(self.device_)}
        if init_params == "best-kmeans":
            # the k-means of AEKMeans at the same parameters and seed: the same partition
            mixture, _ = kmeans_partition_mixture(code, self.n_clusters, n_init, seed, **em)
        else:
            mixture = TorchGaussianMixture(
                self.n_clusters, n_init=n_init, init_params=init_params, random_state=seed,
                **em,
            ).fit(code)
        self.mixture_ = mixture
        for name in ("weights_", "means_", "covariances_", "precisions_cholesky_",
                     "converged_", "lower_bound_"):
            setattr(self, name, getattr(mixture, name))

    def _predict_proba(self, X):
        return self.mixture_.predict_proba(self._code64(X))

    def _proba_function(self):
        # the mixture's posterior of the code, in float64 as the mixture computes it
        tensors = self.mixture_._tensors()  # on the training device, as the network
        covariance_type = self.covariance_type
        return lambda x: e_step(self._encode(x).double(), *tensors, covariance_type)[1].exp()

    def _score_samples(self, X):
        return self.mixture_.score_samples(self._code64(X))

    def bic(self, X):
        """Bayesian information criterion of the mixture on the code of ``X`` (lower is better).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        float
        """
        return self.mixture_.bic(self._code64(self._validate(X)))

    def aic(self, X):
        """Akaike information criterion of the mixture on the code of ``X`` (lower is better).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        float
        """
        return self.mixture_.aic(self._code64(self._validate(X)))


class TorchGaussianMixture(DensityMixin, BaseEstimator):
    """Gaussian mixture fitted by expectation-maximisation in torch, on the CPU or a GPU.

    A drop-in replacement for ``sklearn.mixture.GaussianMixture`` (its parameters, messages,
    attributes, methods and parameterisation of the covariances) that adds a ``device``,
    so that EM runs where the data already are, e.g. on the GPU that trained an encoder.
    Computation is in float64, results in the input's dtype; from the same start it follows
    scikit-learn's iterates to rounding error. Its starts are drawn as scikit-learn's are: on
    the CPU, the same ``random_state`` gives scikit-learn's start (its ``KMeans`` for
    ``init_params="kmeans"``), and so its fit.
    scikit-learn's GaussianMixture tests run against it (``tests/test_sklearn_mixture_suite
    .py``). Speed against scikit-learn is measured in ``benchmarks/gmm_speed.py``. The
    models fitting a mixture on a learned code (:class:`~skdeepcluster.AEGMM`,
    :class:`~skdeepcluster.DeepFusionGMM`) use it on their training device.

    Parameters
    ----------
    n_components : int, default=1
        Number of mixture components.
    covariance_type : {"full", "tied", "diag", "spherical"}, default="full"
        As in ``GaussianMixture``.
    tol : float, default=1e-3
        EM stops when the per-sample log-likelihood gains less than this.
    reg_covar : float, default=1e-6
        Added to the diagonal of the covariances.
    max_iter : int, default=100
        EM iterations per initialisation.
    n_init : int, default=1
        Initialisations; the one of highest log-likelihood is kept.
    init_params : {"kmeans", "k-means++", "random", "random_from_data"}, default="kmeans"
        Initial responsibilities, as in ``GaussianMixture``: the labels of one k-means run
        (scikit-learn's ``KMeans`` on the CPU; the same k-means++ seeding and Lloyd
        iterations in torch on other devices), uniform random ones, or one sample per
        component (``"k-means++"``: the k-means++ seeds; ``"random_from_data"``: drawn
        samples).
    weights_init, means_init, precisions_init : array-like or None, default=None
        User-given initial weights (n_components,), means (n_components, n_features) and
        precisions (shape by ``covariance_type``); they replace the ones ``init_params``
        gives.
    random_state : int, RandomState instance or None, default=None
        Seeds the initialisation and :meth:`sample`, as in ``GaussianMixture`` (an instance
        is drawn from); None seeds from the operating system, so that the global random
        states are left as they were.
    warm_start : bool, default=False
        A fit of a fitted model runs EM once more from its parameters (``n_init`` is then
        ignored), as in ``GaussianMixture``.
    device : str or torch.device, default="auto"
        ``"auto"`` is CUDA when available, else the CPU. The device used is ``device_``.
    verbose : int, default=0
        1 prints a line per initialisation and every ``verbose_interval`` iterations, 2
        also the log-likelihood there.
    verbose_interval : int, default=10
        EM iterations between two progress lines.

    Attributes
    ----------
    weights_ : ndarray of shape (n_components,)
    means_ : ndarray of shape (n_components, n_features)
    covariances_ : ndarray
        (n_components, n_features, n_features) for "full", (n_features, n_features) for
        "tied", (n_components, n_features) for "diag", (n_components,) for "spherical".
    precisions_ : ndarray
        Inverses of the covariances, same shape.
    precisions_cholesky_ : ndarray
        Cholesky factors of the precisions, same shape (upper triangular for full/tied).
    converged_ : bool
        Whether the best initialisation converged.
    n_iter_ : int
        EM iterations of the best initialisation.
    lower_bound_ : float
        Per-sample log-likelihood of the best initialisation at its last iteration.
    lower_bounds_ : list of float
        Its per-iteration values.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
    device_ : torch.device

    See Also
    --------
    sklearn.mixture.GaussianMixture : the reference implementation, on the CPU.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeepcluster import TorchGaussianMixture
    >>> X = np.array([[1, 2], [1, 4], [1, 0], [10, 2], [10, 4], [10, 0]], dtype=float)
    >>> gm = TorchGaussianMixture(n_components=2, random_state=0, device="cpu").fit(X)
    >>> np.round(np.sort(gm.means_[:, 0]), 3)
    array([ 1., 10.])
    >>> bool(gm.predict([[0, 0]])[0] != gm.predict([[12, 3]])[0])
    True
    """

    _parameter_constraints: dict = {
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "covariance_type": [StrOptions(set(COVARIANCE_TYPES))],
        "tol": [Interval(Real, 0.0, None, closed="left")],
        "reg_covar": [Interval(Real, 0.0, None, closed="left")],
        "max_iter": [Interval(Integral, 0, None, closed="left")],
        "n_init": [Interval(Integral, 1, None, closed="left")],
        "init_params": [StrOptions(set(INIT_PARAMS))],
        "weights_init": ["array-like", None],
        "means_init": ["array-like", None],
        "precisions_init": ["array-like", None],
        "random_state": ["random_state"],
        "warm_start": ["boolean"],
        "device": [str, torch.device],
        "verbose": ["verbose"],
        "verbose_interval": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(
        self, n_components=1, *, covariance_type="full", tol=1e-3, reg_covar=1e-6,
        max_iter=100, n_init=1, init_params="kmeans", weights_init=None, means_init=None,
        precisions_init=None, random_state=None, warm_start=False, device="auto", verbose=0,
        verbose_interval=10,
    ):
        self.n_components = n_components
        self.covariance_type = covariance_type
        self.tol = tol
        self.reg_covar = reg_covar
        self.max_iter = max_iter
        self.n_init = n_init
        self.init_params = init_params
        self.weights_init = weights_init
        self.means_init = means_init
        self.precisions_init = precisions_init
        self.random_state = random_state
        self.warm_start = warm_start
        self.device = device
        self.verbose = verbose
        self.verbose_interval = verbose_interval

    # ------------------------------------------------------------------ fitting
    def fit(self, X, y=None):
        """Estimate the mixture's parameters with EM.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : Ignored

        Returns
        -------
        self : object
        """
        self.fit_predict(X, y)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def fit_predict(self, X, y=None):
        """Fit the mixture and return the component of each sample.

        Ends with an E-step of the fitted parameters, so that the result equals
        ``fit(X).predict(X)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : Ignored

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        # a fit that fails or is interrupted leaves the previous state as it was
        with restored_on_failure(self):
            return self._fit_predict(X)

    def _fit_predict(self, X):
        X = validate_data(self, X, dtype=[np.float64, np.float32], ensure_min_samples=2)
        if len(X) < self.n_components:
            raise ValueError(
                "Expected n_samples >= n_components "
                f"but got n_components = {self.n_components}, n_samples = {len(X)}"
            )
        self.device_ = resolve_device(self.device)
        _check_covariance_memory(
            self.covariance_type, self.n_components, X.shape[1], self.device_,
        )
        X_t = _fit_rows(X, self.device_)
        rng = _random_state(self.random_state)
        # warm start: one run of EM from the fitted parameters, as scikit-learn does
        warm = self.warm_start and hasattr(self, "converged_")
        best, best_bound = None, -np.inf
        for init in range(1 if warm else self.n_init):
            if self.verbose:
                print(f"Initialization {init}")
            try:
                params, bounds, converged = self._em(
                    X_t, rng, X, self._fitted_parameters() if warm else None,
                    self.lower_bound_ if warm else -np.inf,
                )
            except IllDefinedCovarianceError:
                raise ValueError(_COLLAPSED.format(reg_covar=self.reg_covar)) from None
            bound = bounds[-1] if bounds else -np.inf
            if self.verbose:
                state = "converged" if converged else "did not converge"
                print(f"Initialization {state} after {len(bounds)} iterations, "
                      f"log-likelihood {bound:.6g}")
            if best is None or bound > best_bound:
                best, best_bound = (params, bounds, converged), bound
        params, bounds, converged = best
        if not converged and self.max_iter > 0:
            warnings.warn(
                "Best performing initialization did not converge. Try different init "
                "parameters, or increase max_iter, tol, or check for degenerate data.",
                ConvergenceWarning, stacklevel=2,
            )
        # computed in float64, returned in the input's dtype, as scikit-learn's
        self._set_parameters(*params, dtype=X.dtype)
        self.converged_ = converged
        self.n_iter_ = len(bounds)
        self.lower_bounds_ = list(bounds)
        self.lower_bound_ = best_bound
        # the final E-step from the stored parameters, so that predict gives these labels
        resp = _expectation(X_t, *self._tensors(), self.covariance_type)[1]
        return resp.argmax(dim=1).cpu().numpy()

    def _em(self, X, rng, X_host, start=None, previous=-np.inf):
        """EM from ``start`` (else a new initialisation); returns params, bounds, converged.

        ``previous`` is the log-likelihood the first iteration's gain is measured from.
        """
        if start is None:
            start = self._initial_parameters(X, rng, X_host)
        weights, means, covariances, precisions_chol = start
        bounds, converged = [], False
        for iteration in range(self.max_iter):
            log_prob_norm, resp = _expectation(
                X, weights, means, precisions_chol, self.covariance_type
            )
            weights, means, covariances = m_step(X, resp, self.covariance_type, self.reg_covar)
            del resp
            weights = weights / weights.sum()  # exactly normalised, as scikit-learn's
            precisions_chol = precision_cholesky(covariances, self.covariance_type)
            bound = float(log_prob_norm.mean())
            bounds.append(bound)
            if self.verbose and (iteration + 1) % self.verbose_interval == 0:
                detail = f": log-likelihood {bound:.6g}" if self.verbose >= 2 else ""
                print(f"  Iteration {iteration + 1}{detail}")
            if abs(bound - previous) < self.tol:
                converged = True
                break
            previous = bound
        return (weights, means, covariances, precisions_chol), bounds, converged

    def _fitted_parameters(self):
        """The fitted parameters as tensors on ``device_`` (a warm start)."""
        return [
            torch.as_tensor(a, dtype=_DTYPE, device=self.device_)
            for a in (self.weights_, self.means_, self.covariances_, self.precisions_cholesky_)
        ]

    def _initial_responsibilities(self, X, rng, X_host):
        """scikit-learn's initial responsibilities for ``init_params``, drawn from ``rng``
        in scikit-learn's order, so that the CPU gives its start for the same
        ``random_state``: k-means labels (its ``KMeans`` on the CPU, the same seeding and
        Lloyd iterations in torch elsewhere), uniform random rows, or one sample per
        component (drawn, or the k-means++ seeds). ``X_host`` is the validated input."""
        n_samples, k = len(X), self.n_components
        on_cpu = _host_start(X)
        if self.init_params == "random":
            resp = torch.as_tensor(rng.uniform(size=(n_samples, k)), dtype=_DTYPE, device=X.device)
            return resp / resp.sum(dim=1, keepdim=True)
        if self.init_params == "kmeans":
            if on_cpu:
                labels = KMeans(k, n_init=1, random_state=rng).fit(X_host).labels_
                labels = torch.as_tensor(labels, dtype=torch.int64)
            else:
                labels = lloyd(X, X[kmeans_plusplus(X, k, rng)])[1]
            return torch.nn.functional.one_hot(labels, k).to(_DTYPE)
        if self.init_params == "random_from_data":
            indices = rng.choice(n_samples, size=k, replace=False)
        elif on_cpu:
            indices = sklearn_kmeans_plusplus(X_host, k, random_state=rng)[1]
        else:
            indices = kmeans_plusplus(X, k, rng).cpu().numpy()
        resp = torch.zeros(n_samples, k, dtype=_DTYPE, device=X.device)
        resp[torch.as_tensor(indices, device=X.device), torch.arange(k, device=X.device)] = 1.0
        return resp

    def _initial_parameters(self, X, rng, X_host):
        """Initial weights, means, covariances and precision factors, on X's device."""
        def as_tensor(a):
            return torch.as_tensor(np.asarray(a, dtype=np.float64), device=X.device)

        given = (self.weights_init, self.means_init, self.precisions_init)
        if any(value is None for value in given):
            weights, means, covariances = m_step(
                X, self._initial_responsibilities(X, rng, X_host), self.covariance_type,
                self.reg_covar,
            )
        if self.weights_init is not None:
            weights = as_tensor(self.weights_init)
        if self.means_init is not None:
            means = as_tensor(self.means_init)
        self._check_initial(means)
        if self.precisions_init is None:
            return (
                weights, means, covariances, precision_cholesky(covariances, self.covariance_type)
            )
        precisions = as_tensor(self.precisions_init)
        name = f"'{self.covariance_type} precision'"
        if self.covariance_type in ("full", "tied"):
            # The upper triangular U with U U^T = P, as the fit stores it: the Cholesky
            # factor of P with its rows and columns reversed, reversed back.
            flip = (-2, -1)
            factor, info = torch.linalg.cholesky_ex(precisions.flip(flip))
            symmetric = torch.allclose(precisions, precisions.transpose(-1, -2))
            if not symmetric or bool((info != 0).any()):
                raise ValueError(f"{name} should be symmetric, positive-definite")
            return weights, means, torch.linalg.inv(precisions), factor.flip(flip)
        if bool((precisions <= 0).any()):
            raise ValueError(f"{name} should be positive")
        return weights, means, 1.0 / precisions, precisions.sqrt()

    def _check_initial(self, means):
        # scikit-learn's checks and messages (its tests match on them)
        k, d = self.n_components, self.n_features_in_
        if self.weights_init is not None:
            # in weights_init's own precision, as scikit-learn checks it
            given = np.asarray(self.weights_init)
            if given.dtype not in (np.float32, np.float64):
                given = given.astype(np.float64)
            self._check_weights(given, k)
        _check_shape(means, (k, d), "means")
        if self.precisions_init is not None:
            expected = {
                "full": (k, d, d), "tied": (d, d), "diag": (k, d), "spherical": (k,),
            }[self.covariance_type]
            _check_shape(np.asarray(self.precisions_init), expected,
                         f"{self.covariance_type} precision")

    @staticmethod
    def _check_weights(weights, k):
        _check_shape(weights, (k,), "weights")
        if bool((weights < 0).any()) or bool((weights > 1).any()):
            raise ValueError(
                "The parameter 'weights' should be in the range [0, 1], but got max value "
                f"{weights.min():.5f}, min value {weights.max():.5f}"
            )
        atol = 1e-6 if weights.dtype == np.float32 else 1e-8  # scikit-learn's tolerances
        if not np.allclose(np.abs(1.0 - weights.sum()), 0.0, atol=atol):
            raise ValueError(
                "The parameter 'weights' should be normalized, but got sum(weights) = "
                f"{weights.sum():.5f}"
            )

    def _set_parameters(self, weights, means, covariances, precisions_chol, dtype=np.float64):
        def to_numpy(t):
            return t.detach().cpu().numpy().astype(dtype, copy=False)

        self.weights_ = to_numpy(weights)
        self.means_ = to_numpy(means)
        self.covariances_ = to_numpy(covariances)
        self.precisions_cholesky_ = to_numpy(precisions_chol)
        if self.covariance_type in ("full", "tied"):
            self.precisions_ = to_numpy(precisions_chol @ precisions_chol.transpose(-1, -2))
        else:
            self.precisions_ = self.precisions_cholesky_**2

    # ------------------------------------------------------------------ inference
    def _tensors(self):
        device = self.device_
        return [
            torch.as_tensor(a, dtype=_DTYPE, device=device)
            for a in (self.weights_, self.means_, self.precisions_cholesky_)
        ]

    def _e_step(self, X):
        """``e_step`` on the validated array ``X``, converted to float64 on the device a
        block of rows at a time: ``X`` may be a memory-mapped array larger than memory."""
        tensors = self._tensors()
        parts = [
            e_step(block, *tensors, self.covariance_type)
            for block in _RowBlocks(X, self.device_, _INFERENCE_ELEMENTS)
        ]
        return torch.cat([p[0] for p in parts]), torch.cat([p[1] for p in parts])

    def _log_resp(self, X):
        return self._e_step(X)[1].cpu().numpy()

    def _validate(self, X):
        check_is_fitted(self)
        return validate_data(self, X, dtype=[np.float64, np.float32], reset=False)

    def predict(self, X):
        """Most probable component of each sample.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        return self._log_resp(self._validate(X)).argmax(axis=1)

    def predict_proba(self, X):
        """Posterior probability of each component for each sample.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_components)
            In the dtype of ``X`` (float32 or float64); computed in float64.
        """
        X = self._validate(X)
        return np.exp(self._log_resp(X)).astype(X.dtype, copy=False)

    def score_samples(self, X):
        """Log-likelihood of each sample under the mixture.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,)
            In the dtype of ``X`` (float32 or float64); computed in float64.
        """
        X = self._validate(X)
        return self._e_step(X)[0].cpu().numpy().astype(X.dtype, copy=False)

    def score(self, X, y=None):
        """Mean per-sample log-likelihood of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : Ignored

        Returns
        -------
        float
        """
        return float(self.score_samples(X).mean())

    def _n_parameters(self):
        return n_mixture_parameters(
            self.n_components, self.means_.shape[1], self.covariance_type
        )

    def bic(self, X):
        """Bayesian information criterion on ``X`` (lower is better).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        float
        """
        X = self._validate(X)
        return -2 * self.score(X) * len(X) + self._n_parameters() * np.log(len(X))

    def aic(self, X):
        """Akaike information criterion on ``X`` (lower is better).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        float
        """
        X = self._validate(X)
        return -2 * self.score(X) * len(X) + 2 * self._n_parameters()

    def sample(self, n_samples=1):
        """Draw samples from the fitted mixture.

        Parameters
        ----------
        n_samples : int, default=1

        Returns
        -------
        X : ndarray of shape (n_samples, n_features)
        y : ndarray of shape (n_samples,)
            Component of each sample.
        """
        check_is_fitted(self)
        return sample_mixture(
            self.weights_, self.means_, self.covariances_, self.covariance_type, n_samples,
            _random_state(self.random_state),
        )

    def __getstate__(self):
        return device_to_state(super().__getstate__())

    def __setstate__(self, state):
        super().__setstate__(state)
        if "device_" in state:
            self.device_ = loadable_device(torch.device(state["device_"]))
