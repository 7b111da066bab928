"""scikit-learn's own GaussianMixture tests, run against TorchGaussianMixture.

The test modules are imported from the installed scikit-learn (nothing is copied) and their
``GaussianMixture`` is replaced by a subclass of ours of that name (so that messages naming
the class read the same). Not run here:

- ``test_gaussian_mixture_precisions_init`` and
  ``test_gaussian_mixture_all_init_does_not_estimate_gaussian_parameters``: they call or
  mock scikit-learn's private ``_set_parameters`` and ``_estimate_gaussian_parameters``.
  What they check (the precisions' Cholesky factors from ``precisions_init``; no
  estimation when every ``*_init`` is given) is tested through the public API in
  ``test_mixture.py``.
- ``test_gaussian_mixture_array_api_compliance`` and
  ``test_gaussian_mixture_raises_where_array_api_not_implemented``: scikit-learn's array
  API dispatch (they skip unless ``SCIPY_ARRAY_API`` is set). TorchGaussianMixture takes
  NumPy input and runs on its own ``device``.
float32 variants run too (scikit-learn runs them with ``SKLEARN_RUN_FLOAT32_TESTS=1``).
"""

import numpy as np
import pytest
import sklearn.mixture.tests.test_gaussian_mixture as upstream
import sklearn.mixture.tests.test_mixture as upstream_mixture

from skdeepcluster import TorchGaussianMixture


class GaussianMixture(TorchGaussianMixture):
    """TorchGaussianMixture under scikit-learn's name."""


upstream.GaussianMixture = GaussianMixture

#: scikit-learn's tests left out (see the module docstring)
PRIVATE = {
    "test_gaussian_mixture_precisions_init",
    "test_gaussian_mixture_all_init_does_not_estimate_gaussian_parameters",
    # scikit-learn's array API dispatch; ours takes NumPy input and has its own device
    "test_gaussian_mixture_array_api_compliance",
    "test_gaussian_mixture_raises_where_array_api_not_implemented",
}

# every other test of the module, collected here as it is there
globals().update({
    name: getattr(upstream, name) for name in dir(upstream)
    if name.startswith("test_") and name not in PRIVATE
})

@pytest.fixture
def global_random_seed():
    return 42


@pytest.fixture(params=[np.float32, np.float64])
def global_dtype(request):  # both, always
    return request.param


@pytest.mark.parametrize(
    "test", [upstream_mixture.test_gaussian_mixture_n_iter,
             upstream_mixture.test_mixture_n_components_greater_than_n_samples_error],
    ids=lambda test: test.__name__,
)
def test_mixture_module(test):
    # test_mixture.py parametrises with instances built at its import: pass ours instead
    test(GaussianMixture())
