"""Random Fourier features of the RBF kernel."""

import math

import torch


def random_fourier_features(X, n_components, gamma, generator=None):
    """Random Fourier features whose inner products approximate an RBF kernel.

    Rahimi and Recht's map ``phi(x) = sqrt(2 / D) cos(x W + b)`` with the columns of ``W``
    drawn from ``N(0, 2 gamma I)`` and ``b`` uniform on ``[0, 2 pi)``: in expectation
    ``phi(x) . phi(y) = exp(-gamma ||x - y||^2)`` (what scikit-learn's ``RBFSampler``
    computes).

    Parameters
    ----------
    X : Tensor of shape (n_samples, n_features)
    n_components : int
        ``D``, the number of features.
    gamma : float
        Inverse squared length scale of the kernel, > 0.
    generator : torch.Generator or None, default=None
        Source of ``W`` and ``b`` (a CPU generator); None uses torch's default one.

    Returns
    -------
    Tensor of shape (n_samples, n_components)
        On the device and in the dtype of ``X``.
    """
    n_features = X.shape[1]
    weights = torch.randn(n_features, n_components, generator=generator, dtype=torch.float64)
    offsets = torch.rand(n_components, generator=generator, dtype=torch.float64)
    weights = (weights * math.sqrt(2.0 * gamma)).to(X.device, X.dtype)
    offsets = (offsets * 2.0 * math.pi).to(X.device, X.dtype)
    return math.sqrt(2.0 / n_components) * torch.cos(X @ weights + offsets)
