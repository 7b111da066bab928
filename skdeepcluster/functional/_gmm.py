"""Gaussian mixture: log-densities and the E and M steps of EM, as tensor functions.

The parameterisation is scikit-learn's (``sklearn.mixture.GaussianMixture``), so that
fitted parameters carry over between the two:

==============  ======================  =====================================
covariance      ``covariances``         ``precisions_cholesky``
==============  ======================  =====================================
``"full"``      (K, D, D)               (K, D, D), upper triangular ``U_k``
``"tied"``      (D, D)                  (D, D), upper triangular ``U``
``"diag"``      (K, D)                  (K, D), ``1 / sqrt(covariance)``
``"spherical"`` (K,)                    (K,), ``1 / sqrt(variance)``
==============  ======================  =====================================

with ``precision = U U^T``. Memory is O(N * (D + K)): full and tied covariances go through
the rows in blocks rather than forming an (N, K, D) tensor.
"""

import math

import torch

COVARIANCE_TYPES = ("full", "tied", "diag", "spherical")


class IllDefinedCovarianceError(ValueError):
    """A covariance matrix lost positive definiteness (a component collapsed).

    Examples
    --------
    >>> import torch
    >>> from skdeepcluster.functional import IllDefinedCovarianceError, precision_cholesky
    >>> try:
    ...     precision_cholesky(torch.zeros(1, 2, 2), "full")
    ... except IllDefinedCovarianceError as error:
    ...     print(error)
    a covariance matrix is not positive definite
    >>> issubclass(IllDefinedCovarianceError, ValueError)
    True
    """


def precision_cholesky(covariances, covariance_type):
    """``precisions_cholesky`` of ``covariances`` (see the module docstring for shapes).

    Raises
    ------
    IllDefinedCovarianceError
        When a full or tied covariance is not positive definite, or a variance is not
        positive.
    """
    if covariance_type in ("full", "tied"):
        factor, info = torch.linalg.cholesky_ex(covariances)
        if bool((info != 0).any()):
            raise IllDefinedCovarianceError("a covariance matrix is not positive definite")
        eye = torch.eye(covariances.shape[-1], dtype=covariances.dtype, device=covariances.device)
        eye = eye.expand_as(covariances)
        return torch.linalg.solve_triangular(factor, eye, upper=False).transpose(-1, -2)
    if bool((covariances <= 0).any()):
        raise IllDefinedCovarianceError("a variance is not positive")
    return covariances.rsqrt()


def _log_det_cholesky(precisions_cholesky, covariance_type, n_features):
    """log det of the precision Cholesky factor of each component: (K,) or a scalar."""
    if covariance_type in ("full", "tied"):
        return precisions_cholesky.diagonal(dim1=-2, dim2=-1).log().sum(dim=-1)
    if covariance_type == "diag":
        return precisions_cholesky.log().sum(dim=1)
    return n_features * precisions_cholesky.log()


#: Elements of the temporaries formed per block of rows by the full and tied E and M steps:
#: blocks that stay in the CPU's cache, and few large ones on a GPU (one kernel each).
_BLOCK_ELEMENTS_CPU = 2**18
_BLOCK_ELEMENTS_ELSEWHERE = 2**24


def _block_rows(X, width):
    """Rows per block of ``X`` when a block forms temporaries of ``width`` per row."""
    cpu = X.device.type == "cpu"
    budget = _BLOCK_ELEMENTS_CPU if cpu else _BLOCK_ELEMENTS_ELSEWHERE
    return max(1, budget // max(1, width))


def _tracing():
    """Whether torch is tracing the computation (an ONNX export): its row count is free.
    (``torch.compiler``'s checks are looked up: older torch releases lack some.)"""
    compiler = getattr(torch, "compiler", None)
    checks = (getattr(compiler, "is_compiling", None), getattr(compiler, "is_exporting", None),
              torch.onnx.is_in_onnx_export)
    return any(check() for check in checks if check is not None)


def _mahalanobis_by_factors(X, means, precisions_cholesky, covariance_type):
    """Squared Mahalanobis distances (n_samples, n_components) for full or tied factors.

    As scikit-learn computes them, ``||X U_k - mu_k U_k||^2``; every component's product in
    one matrix product per block of rows (the full factors side by side).
    """
    n_components, n_features = means.shape
    if covariance_type == "full":
        factor = precisions_cholesky.permute(1, 0, 2).reshape(n_features, -1)
        shifts = (means.unsqueeze(1) @ precisions_cholesky).reshape(-1)
    else:
        factor, shifts = precisions_cholesky, means @ precisions_cholesky
    parts = []
    blocks = (X,) if _tracing() else X.split(_block_rows(X, n_components * n_features))
    for block in blocks:
        projected = block @ factor
        if covariance_type == "full":
            diff = (projected - shifts).view(-1, n_components, n_features)
        else:
            diff = projected.unsqueeze(1) - shifts
        parts.append(diff.square_().sum(dim=2))
    return torch.cat(parts)


def gaussian_log_prob(X, means, precisions_cholesky, covariance_type):
    """Log-density of every sample under every Gaussian component.

    Parameters
    ----------
    X : Tensor of shape (n_samples, n_features)
    means : Tensor of shape (n_components, n_features)
    precisions_cholesky : Tensor
        Shape by ``covariance_type``, see the module docstring.
    covariance_type : {"full", "tied", "diag", "spherical"}

    Returns
    -------
    Tensor of shape (n_samples, n_components)
        ``log N(x_i | mu_k, Sigma_k)``.
    """
    n_features = X.shape[1]
    log_det = _log_det_cholesky(precisions_cholesky, covariance_type, n_features)
    if covariance_type in ("full", "tied"):
        mahalanobis = _mahalanobis_by_factors(X, means, precisions_cholesky, covariance_type)
    else:
        precisions = precisions_cholesky.pow(2)
        if covariance_type == "spherical":
            precisions = precisions.unsqueeze(1).expand_as(means)
        mahalanobis = (
            (means.pow(2) * precisions).sum(dim=1)
            - 2.0 * (X @ (means * precisions).T)
            + X.pow(2) @ precisions.T
        ).clamp_min(0.0)
    return -0.5 * (n_features * math.log(2.0 * math.pi) + mahalanobis) + log_det


def weighted_log_prob(X, weights, means, precisions_cholesky, covariance_type):
    """``log pi_k + log N(x_i | mu_k, Sigma_k)``, shape (n_samples, n_components)."""
    return gaussian_log_prob(X, means, precisions_cholesky, covariance_type) + weights.log()


def e_step(X, weights, means, precisions_cholesky, covariance_type):
    """Expectation step.

    Returns
    -------
    log_prob_norm : Tensor of shape (n_samples,)
        Log-likelihood of each sample, ``log sum_k pi_k N(x_i | mu_k, Sigma_k)``.
    log_resp : Tensor of shape (n_samples, n_components)
        Log responsibilities ``log p(k | x_i)``.
    """
    weighted = weighted_log_prob(X, weights, means, precisions_cholesky, covariance_type)
    log_prob_norm = torch.logsumexp(weighted, dim=1)
    return log_prob_norm, weighted - log_prob_norm.unsqueeze(1)


def _with_resp(blocks, resp):
    """Each block of rows with the rows of ``resp`` that belong to it."""
    start = 0
    for block in blocks:
        yield block, resp[start : start + len(block)]
        start += len(block)
    if start != len(resp):
        raise ValueError(f"the blocks hold {start} rows, resp {len(resp)}")


def _total(parts):
    """Sum of the tensors of ``parts``; the one tensor itself when there is one."""
    total = None
    for part in parts:
        total = part if total is None else total + part
    return total


def m_step(X, resp, covariance_type, reg_covar):
    """Maximisation step: the mixture parameters that maximise the expected log-likelihood.

    Parameters
    ----------
    X : Tensor of shape (n_samples, n_features), or an iterable of such tensors
        The rows, or blocks of them in order (e.g. converted from a memory-mapped array a
        block at a time); an iterable is read twice for full covariances.
    resp : Tensor of shape (n_samples, n_components)
        Responsibilities (rows sum to one).
    covariance_type : {"full", "tied", "diag", "spherical"}
    reg_covar : float
        Added to the diagonal of every covariance.

    Returns
    -------
    weights : Tensor of shape (n_components,)
    means : Tensor of shape (n_components, n_features)
    covariances : Tensor
        Shape by ``covariance_type``.

    Examples
    --------
    >>> import torch
    >>> from skdeepcluster.functional import m_step
    >>> X = torch.tensor([[0.0], [2.0], [10.0], [12.0]], dtype=torch.float64)
    >>> resp = torch.tensor([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]],
    ...                     dtype=torch.float64)
    >>> weights, means, variances = m_step(X, resp, "diag", 0.0)
    >>> means.flatten().round(decimals=6).tolist(), variances.flatten().round(decimals=6).tolist()
    ([1.0, 11.0], [1.0, 1.0])
    >>> torch.equal(m_step(X.split(3), resp, "diag", 0.0)[1], means)  # blocks of rows
    True
    """
    blocks = (X,) if torch.is_tensor(X) else X
    eps = 10 * torch.finfo(resp.dtype).eps
    nk = resp.sum(dim=0) + eps
    sums = _total(block_resp.T @ block for block, block_resp in _with_resp(blocks, resp))
    means = sums / nk.unsqueeze(1)
    n_components, n_features = means.shape
    eye = torch.eye(n_features, dtype=resp.dtype, device=resp.device)
    if covariance_type == "full":
        # centred products, as scikit-learn's, accumulated over blocks of rows for all
        # components at once
        covariances = torch.zeros(n_components, n_features, n_features, dtype=resp.dtype,
                                  device=resp.device)
        rows = _block_rows(resp, n_components * n_features)
        for outer, outer_resp in _with_resp(blocks, resp):
            for block, block_resp in zip(outer.split(rows), outer_resp.split(rows)):
                diff = block.unsqueeze(0) - means.unsqueeze(1)
                covariances.baddbmm_((diff * block_resp.T.unsqueeze(2)).transpose(1, 2), diff)
        covariances = covariances / nk.view(-1, 1, 1) + reg_covar * eye
    elif covariance_type == "tied":
        second = _total(block.T @ block for block, _ in _with_resp(blocks, resp))
        covariances = (second - (nk.unsqueeze(1) * means).T @ means) / nk.sum()
        covariances = covariances + reg_covar * eye
    else:
        second = _total(
            block_resp.T @ block.pow(2) for block, block_resp in _with_resp(blocks, resp)
        ) / nk.unsqueeze(1)
        covariances = second - 2.0 * means * sums / nk.unsqueeze(1) + means.pow(2) + reg_covar
        if covariance_type == "spherical":
            covariances = covariances.mean(dim=1)
    return nk / len(resp), means, covariances


def n_mixture_parameters(n_components, n_features, covariance_type):
    """Free parameters of a mixture (for BIC and AIC)."""
    per_covariance = {
        "full": n_components * n_features * (n_features + 1) / 2.0,
        "tied": n_features * (n_features + 1) / 2.0,
        "diag": n_components * n_features,
        "spherical": n_components,
    }[covariance_type]
    return int(per_covariance + n_components * n_features + n_components - 1)
