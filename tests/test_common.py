"""scikit-learn's own estimator checks, over every public estimator.

The estimators are found from ``sknn_intuition.__all__``, so a new estimator is
checked as soon as it is exported. There are no expected failures.
"""

import inspect

from sklearn.base import BaseEstimator
from sklearn.utils.estimator_checks import parametrize_with_checks

import sknn_intuition


def _public_estimators():
    for name in sorted(sknn_intuition.__all__):
        obj = getattr(sknn_intuition, name)
        if inspect.isclass(obj) and issubclass(obj, BaseEstimator):
            yield obj


ESTIMATORS = [cls() for cls in _public_estimators()]


def test_all_public_estimators_found():
    names = {type(est).__name__ for est in ESTIMATORS}
    assert "PerceptronClassifier" in names


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
