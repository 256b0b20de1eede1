"""Helpers the tests share: every public estimator of the package, found from
``__all__``, with fast settings; a function made to raise KeyboardInterrupt
part-way; the names the code map cites."""

import inspect
import pathlib
import re

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


def interrupt_on_call(monkeypatch, owner, name, call):
    """Make ``owner.name`` raise KeyboardInterrupt on its ``call``-th call.

    Returns the list that counts the calls made (one item per call).
    """
    original = getattr(owner, name)
    calls = []

    def interrupted(*args, **kwargs):
        calls.append(1)
        if len(calls) == call:
            raise KeyboardInterrupt
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, interrupted)
    return calls


def code_map_citations():
    """``(module, name)`` for every name ``docs/code_map.rst`` cites or excerpts."""
    root = pathlib.Path(__file__).resolve().parent.parent
    text = (root / "docs" / "code_map.rst").read_text()
    cited = re.findall(r"``sknn_intuition/(\w+)\.py``: ((?:``[\w.]+``(?:,\s*)?)+)", text)
    for module, names in cited:
        for name in re.findall(r"``([\w.]+)``", names):
            yield module, name
    for module, name in re.findall(
        r"literalinclude:: \.\./sknn_intuition/(\w+)\.py\n\s+:pyobject: ([\w.]+)", text
    ):
        yield module, name
