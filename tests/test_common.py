"""scikit-learn's estimator checks, with no expected failures and no skips of our making."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from .conftest import ESTIMATORS


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible(estimator, check):
    check(estimator)
