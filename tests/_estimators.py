"""Every public estimator of the package, found from ``__all__``, with fast settings."""

import inspect

from sklearn.base import BaseEstimator, is_classifier, is_regressor

import sknn_intuition


def public_estimator_classes():
    classes = []
    for name in sorted(sknn_intuition.__all__):
        obj = getattr(sknn_intuition, name)
        if inspect.isclass(obj) and issubclass(obj, BaseEstimator):
            classes.append(obj)
    return classes


def fast(cls, **overrides):
    """An instance with few epochs and a fixed seed, for quick tests."""
    est = cls()
    params = est.get_params()
    settings = {"random_state": 0}
    if "max_iter" in params:
        settings["max_iter"] = 30
    if "tol" in params:
        settings["tol"] = None
    if "hidden_layer_sizes" in params:
        settings["hidden_layer_sizes"] = (8,)
    if "n_towers" in params:
        settings["n_towers"] = 8
    settings.update(overrides)
    return est.set_params(**{k: v for k, v in settings.items() if k in params})


CLASSES = public_estimator_classes()
CLASSIFIERS = [c for c in CLASSES if is_classifier(c())]
REGRESSORS = [c for c in CLASSES if is_regressor(c())]
