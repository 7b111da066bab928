"""scikit-learn's estimator checks, with no expected failures and no skips of our making."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from skdeepcluster import TorchGaussianMixture

from .conftest import ESTIMATORS


@parametrize_with_checks([*ESTIMATORS, TorchGaussianMixture(device="cpu")])
def test_sklearn_compatible(estimator, check):
    check(estimator)
