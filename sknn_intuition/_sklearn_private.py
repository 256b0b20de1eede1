"""The only module that imports private scikit-learn helpers.

scikit-learn keeps its parameter-validation machinery and a few validation
helpers in private modules. Importing them here, and nowhere else, means a
change on scikit-learn's side is fixed in one place.
"""

from sklearn.base import _fit_context
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    Options,
    StrOptions,
)
from sklearn.utils.optimize import _check_optimize_result
from sklearn.utils.validation import _check_sample_weight

__all__ = [
    "HasMethods",
    "Interval",
    "Options",
    "StrOptions",
    "_check_optimize_result",
    "_check_sample_weight",
    "_fit_context",
]
