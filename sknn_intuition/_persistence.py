"""Saving fitted models: the types a loader may trust.

skops (and MLflow, which saves scikit-learn models with skops) loads only the
types it is told to trust. A fitted estimator of this package holds numpy
arrays, numbers, strings and plain containers, which skops trusts already, and
its own class, which it does not know: :func:`trusted_types` names them.
"""

import importlib


def trusted_types():
    """The types to trust when loading a saved model of this package.

    Returns
    -------
    list of str
        The qualified names of the package's estimators (and displays), to
        pass as ``trusted=`` to ``skops.io.load`` or as
        ``skops_trusted_types=`` to ``mlflow.sklearn.log_model``.

    Examples
    --------
    >>> import skops.io as sio
    >>> from sknn_intuition import PerceptronClassifier, trusted_types
    >>> est = PerceptronClassifier().fit([[0.0], [1.0]], [0, 1])
    >>> data = sio.dumps(est)
    >>> sio.get_untrusted_types(data=data) == [
    ...     t for t in trusted_types() if t.endswith("PerceptronClassifier")]
    True
    >>> sio.loads(data, trusted=trusted_types()).predict([[0.9]])
    array([1])
    """
    from sklearn.base import BaseEstimator

    # The package by its own name, whatever it is imported as.
    package = importlib.import_module(__package__)
    names = []
    for name in package.__all__:
        obj = getattr(package, name)
        if isinstance(obj, type) and issubclass(obj, BaseEstimator):
            names.append(f"{obj.__module__}.{obj.__qualname__}")
    return sorted(names)
