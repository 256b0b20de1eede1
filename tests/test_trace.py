"""The path a learner reads is the path that trains, checked on real fits.

Each dense fit below (every estimator and solver), and a prediction after it,
runs under ``sys.setprofile``
with the package's maths primitives wrapped: the test sees which functions of
the package run, and from which module every exponential, logarithm, tanh or
sigmoid is computed. Every training step must go through
``_network.loss_and_gradients`` (forward, the loss table, backward), and no
module but ``_losses`` and ``_activations`` may compute a loss or an
activation. The functions ``docs/code_map.rst`` cites must be among those
that run.
"""

import functools
import importlib
import sys
import warnings

import numpy as np
import pytest
import scipy.special
from _estimators import code_map_citations
from sklearn.datasets import make_classification, make_regression

import sknn_intuition
from sknn_intuition import (
    FeedForwardClassifier,
    FeedForwardRegressor,
    PerceptronClassifier,
    SigmoidNeuronClassifier,
    TowerRegressor,
)
from sknn_intuition._losses import LOSSES

PACKAGE = sknn_intuition.__name__

# The functions a loss or an activation is computed with.
NUMPY_MATHS = ("exp", "expm1", "log", "log1p", "log2", "tanh", "logaddexp", "power")
SCIPY_MATHS = ("expit", "log_expit", "logit", "xlogy", "logsumexp", "softmax", "log_softmax")
# The modules allowed to call them during a fit.
MATHS_HOMES = (f"{PACKAGE}._losses", f"{PACKAGE}._activations")

NETWORK_SETTINGS = dict(hidden_layer_sizes=(6, 5), max_iter=3, tol=None, random_state=0)
FITS = {
    "perceptron": (PerceptronClassifier, dict(max_iter=3, tol=None), "clf3"),
    "perceptron-binary": (PerceptronClassifier, dict(max_iter=3, tol=None), "clf2"),
    **{
        f"sigmoid-neuron-{loss}-{solver}-{data}": (
            SigmoidNeuronClassifier,
            dict(loss=loss, solver=solver, max_iter=3, tol=None),
            data,
        )
        for loss in ("squared_error", "log_loss")
        for solver in ("sgd", "lbfgs")
        for data in ("clf2", "clf3")
    },
    "tower-lstsq": (TowerRegressor, {}, "reg1d"),
    "tower-lstsq-cells": (TowerRegressor, dict(n_towers=4), "reg2d"),
    "tower-sgd": (TowerRegressor, dict(solver="sgd", max_iter=3, tol=None), "reg1d"),
    **{
        f"network-{kind}-{activation}-{solver}": (
            cls,
            dict(NETWORK_SETTINGS, activation=activation, solver=solver),
            data,
        )
        for kind, cls, data in (
            ("regressor", FeedForwardRegressor, "reg"),
            ("classifier", FeedForwardClassifier, "clf3"),
        )
        for activation in ("relu", "tanh")
        for solver in ("sgd", "adam", "lbfgs")
    },
    "network-classifier-squared-error": (
        FeedForwardClassifier,
        dict(NETWORK_SETTINGS, activation="sigmoid", loss="squared_error"),
        "clf3",
    ),
    "network-classifier-binary": (FeedForwardClassifier, dict(NETWORK_SETTINGS), "clf2"),
    "network-poisson": (FeedForwardRegressor, dict(NETWORK_SETTINGS, loss="poisson"), "counts"),
}


def _data(kind):
    if kind.startswith("clf"):
        return make_classification(
            120, 5, n_informative=3, n_classes=int(kind[-1]), n_clusters_per_class=1,
            random_state=0,
        )
    rng = np.random.RandomState(0)
    if kind == "reg1d":
        X = rng.uniform(-3, 3, size=(150, 1))
        return X, np.sin(2 * X[:, 0])
    if kind == "reg2d":
        X = rng.uniform(-1, 1, size=(150, 2))
        return X, np.sin(2 * X[:, 0]) * X[:, 1]
    if kind == "counts":
        X = rng.normal(size=(120, 4))
        return X, rng.poisson(np.exp(0.5 * X[:, 0])).astype(float)
    X, y = make_regression(120, 5, noise=1.0, random_state=0)
    return X, y / y.std()


class _Recorder:
    """The package's functions that ran, and the callers of maths primitives."""

    def __init__(self):
        self.functions = set()  # (module, qualified name)
        self.maths_callers = {}  # (module, function) -> primitives, during fit
        self.fitting = True

    def profile(self, frame, event, arg):
        if event == "call":
            module = frame.f_globals.get("__name__", "")
            if module.startswith(PACKAGE):
                code = frame.f_code
                self.functions.add((module, getattr(code, "co_qualname", code.co_name)))

    def wrap(self, name, original):
        @functools.wraps(original)
        def recorded(*args, **kwargs):
            caller = sys._getframe(1)
            module = caller.f_globals.get("__name__", "")
            if self.fitting and module.startswith(PACKAGE):
                key = (module, caller.f_code.co_name)
                self.maths_callers.setdefault(key, set()).add(name)
            return original(*args, **kwargs)

        return recorded


def _trace_fit(est, X, y, monkeypatch):
    recorder = _Recorder()
    for name in NUMPY_MATHS:
        monkeypatch.setattr(np, name, recorder.wrap(f"numpy.{name}", getattr(np, name)))
    for name in SCIPY_MATHS:
        original = getattr(scipy.special, name)
        wrapped = recorder.wrap(f"scipy.special.{name}", original)
        monkeypatch.setattr(scipy.special, name, wrapped)
        # Modules that imported the function by name hold their own reference.
        for module_name, module in list(sys.modules.items()):
            if module_name.startswith(PACKAGE) and getattr(module, name, None) is original:
                monkeypatch.setattr(module, name, wrapped)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sys.setprofile(recorder.profile)
        try:
            est.fit(X, y)
            recorder.fitting = False
            est.predict(X)  # and prediction: the code map cites both
            if hasattr(est, "predict_proba"):
                est.predict_proba(X)
        finally:
            sys.setprofile(None)
    return recorder


def _loss_entry(est):
    """The loss table's entry this estimator trains with."""
    if isinstance(est, PerceptronClassifier):
        pair = ("perceptron", "step")
    elif isinstance(est, SigmoidNeuronClassifier):
        pair = (est.loss, est.output_)
    elif isinstance(est, TowerRegressor):
        pair = ("squared_error", "identity")
    else:
        pair = (est.loss, est.out_activation_)
    return LOSSES[pair].__name__


@pytest.fixture(scope="module")
def traces():
    """Every fit of FITS, traced once (module-scoped: the code map test reuses them)."""
    return {}


def _traced(name, traces):
    if name not in traces:
        cls, params, data = FITS[name]
        X, y = _data(data)
        est = cls(**params)
        with pytest.MonkeyPatch.context() as monkeypatch:
            traces[name] = (est, _trace_fit(est, X, y, monkeypatch))
    return traces[name]


@pytest.mark.parametrize("name", sorted(FITS))
def test_every_training_step_runs_the_plain_stack(name, traces):
    est, rec = _traced(name, traces)
    network = f"{PACKAGE}._network"
    for function in ("loss_and_gradients", "forward", "backward"):
        assert (network, function) in rec.functions, function
    assert (f"{PACKAGE}._losses", "loss_and_error") in rec.functions
    assert (f"{PACKAGE}._losses", _loss_entry(est)) in rec.functions
    activations = getattr(est, "activations_", [])
    for activation in activations:
        assert (f"{PACKAGE}._activations", activation) in rec.functions
        assert (f"{PACKAGE}._activations", f"{activation}_derivative") in rec.functions


@pytest.mark.parametrize("name", sorted(FITS))
def test_no_loss_or_activation_maths_outside_their_modules(name, traces):
    _, rec = _traced(name, traces)
    elsewhere = {
        caller: sorted(primitives)
        for caller, primitives in rec.maths_callers.items()
        if caller[0] not in MATHS_HOMES
    }
    assert not elsewhere, f"maths computed outside {MATHS_HOMES}: {elsewhere}"
    # Where the model has a sigmoid, tanh, softmax or exponential, the
    # wrappers saw it computed where it belongs (the check is not vacuous).
    if any(k in name for k in ("tanh", "sigmoid", "classifier", "poisson", "tower")):
        assert any(caller[0] in MATHS_HOMES for caller in rec.maths_callers)


def test_the_code_map_cites_the_functions_that_train(traces):
    # Every function the code map cites runs in one of the traced fits (a
    # class counts when one of its methods runs; a table when one of its
    # entries does).
    seen = set()
    for name in FITS:
        seen |= _traced(name, traces)[1].functions
    missing = []
    for module, name in set(code_map_citations()):
        obj = importlib.import_module(f"{PACKAGE}.{module}")
        for part in name.split("."):
            obj = getattr(obj, part)
        full = f"{PACKAGE}.{module}"
        if isinstance(obj, dict):
            # A table: one of its entries ran (a function, or an object's method).
            ran = any(
                (full, v.__qualname__) in seen
                if callable(v) and hasattr(v, "__qualname__")
                else any(m == full and q.startswith(f"{type(v).__qualname__}.") for m, q in seen)
                for v in obj.values()
            )
        elif isinstance(obj, type) and issubclass(obj, tuple):
            continue  # a record of arrays (the Stack), not code
        elif isinstance(obj, type):
            ran = any(m == full and q.startswith(f"{name}.") for m, q in seen)
        else:
            ran = any(m == full and (q == name or q.startswith(f"{name}.")) for m, q in seen)
        if not ran:
            missing.append(f"{module}.{name}")
    assert not missing, f"cited in docs/code_map.rst but never run by a fit: {sorted(missing)}"
