"""A fit is a transaction: a failed or interrupted call leaves the whole estimator as it was.

For every estimator and solver, and every kind of call (a fresh refit, a warm
start, a partial_fit), the call is made to fail part-way — interrupted
(KeyboardInterrupt from inside the forward pass), diverging, or given input
found bad late — and the estimator's whole ``__dict__``, private attributes
included, is compared deeply with a copy taken before the call.
"""

import copy

import numpy as np
import pytest
from sklearn.base import clone, is_classifier

from sknn_intuition import (
    FeedForwardClassifier,
    FeedForwardRegressor,
    PerceptronClassifier,
    SigmoidNeuronClassifier,
    TowerRegressor,
    _network,
)

# Mini-batches of 16 samples, so that a stochastic epoch runs several steps.
SGD = dict(max_iter=5, tol=None, batch_size=16)
CONFIGS = [
    (PerceptronClassifier, SGD),
    (SigmoidNeuronClassifier, SGD),
    (SigmoidNeuronClassifier, dict(SGD, loss="log_loss")),
    (SigmoidNeuronClassifier, dict(SGD, solver="adam")),
    (SigmoidNeuronClassifier, dict(solver="lbfgs", max_iter=5)),
    (TowerRegressor, dict(n_towers=6, batch_size=16)),
    (TowerRegressor, dict(SGD, n_towers=6, solver="sgd")),
    (TowerRegressor, dict(SGD, n_towers=6, solver="adam")),
    *[
        (cls, dict(hidden_layer_sizes=(5,), solver=solver, max_iter=5, tol=None,
                   random_state=0, **({} if solver == "lbfgs" else {"batch_size": 16})))
        for cls in (FeedForwardRegressor, FeedForwardClassifier)
        for solver in ("sgd", "adam", "lbfgs")
    ],
]


def _id(config):
    cls, params = config
    skip = ("tol", "max_iter", "batch_size", "random_state")
    return cls.__name__ + "-" + "-".join(f"{k}={v}" for k, v in params.items() if k not in skip)


def _data(est, seed=0, n=90):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, 2))
    if is_classifier(est):
        return X, (X[:, 0] + 0.3 * rng.normal(size=n) > 0).astype(int)
    return X, np.sin(2 * X[:, 0]) + X[:, 1]


def assert_same(a, b, path="__dict__"):
    """Deep equality of fitted state: arrays by dtype, shape and values."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        assert isinstance(a, np.ndarray) and isinstance(b, np.ndarray), path
        assert a.dtype == b.dtype and a.shape == b.shape, path
        np.testing.assert_array_equal(a, b, err_msg=path)
    elif isinstance(a, dict):
        assert isinstance(b, dict) and set(a) == set(b), f"{path}: {set(a) ^ set(b)}"
        for k in a:
            assert_same(a[k], b[k], f"{path}[{k!r}]")
    elif isinstance(a, (list, tuple)):
        assert type(a) is type(b) and len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same(x, y, f"{path}[{i}]")
    elif isinstance(a, float) and np.isnan(a):
        assert isinstance(b, float) and np.isnan(b), path
    else:
        assert a == b or a is b, f"{path}: {a!r} != {b!r}"


def _fitted(config, **extra):
    cls, params = config
    est = cls(**params, **extra)
    X, y = _data(est)
    return est.fit(X, y)


def _interrupting_forward(monkeypatch, on_call=2):
    calls = [0]
    forward = _network.forward

    def interrupted(*args, **kwargs):
        calls[0] += 1
        if calls[0] == on_call:
            raise KeyboardInterrupt
        return forward(*args, **kwargs)

    monkeypatch.setattr(_network, "forward", interrupted)
    return calls


def _stochastic(est):
    return est.get_params().get("solver", "sgd") not in ("lbfgs", "lstsq") or isinstance(
        est, TowerRegressor
    )


@pytest.mark.parametrize("config", CONFIGS, ids=_id)
@pytest.mark.parametrize("call", ["refit", "warm_start", "partial_fit"])
def test_an_interrupted_call_leaves_the_whole_dict_as_it_was(config, call, monkeypatch):
    est = _fitted(config, warm_start=call == "warm_start")
    if call == "partial_fit" and not hasattr(est, "partial_fit"):
        pytest.skip("no partial_fit for a full-batch solver, as in scikit-learn")
    before = copy.deepcopy(vars(est))
    X, y = _data(est, seed=1)
    calls = _interrupting_forward(monkeypatch)
    with pytest.raises(KeyboardInterrupt):
        if call == "partial_fit":
            est.partial_fit(X, y)
        else:
            est.fit(X, y)
    assert calls[0] >= 2  # training had started
    assert_same(vars(est), before)


@pytest.mark.parametrize("config", CONFIGS, ids=_id)
def test_an_interrupted_first_fit_leaves_the_estimator_as_constructed(config, monkeypatch):
    cls, params = config
    est = cls(**params)
    before = copy.deepcopy(vars(est))
    X, y = _data(est)
    _interrupting_forward(monkeypatch)
    with pytest.raises(KeyboardInterrupt):
        est.fit(X, y)
    assert_same(vars(est), before)
    assert_same(vars(est), vars(clone(est)))


@pytest.mark.parametrize("config", CONFIGS, ids=_id)
def test_a_late_bad_input_leaves_the_whole_dict_as_it_was(config):
    # Labels or targets that fail only after the features passed validation,
    # in a call that continues the model (partial_fit, or a warm start).
    est = _fitted(config, warm_start=True)
    before = copy.deepcopy(vars(est))
    X, y = _data(est, seed=2)
    y = y + 5 if is_classifier(est) else np.full(y.shape, np.nan)
    method = est.partial_fit if hasattr(est, "partial_fit") else est.fit
    with pytest.raises(ValueError):
        method(X, y)
    assert_same(vars(est), before)


@pytest.mark.parametrize(
    "config", [c for c in CONFIGS if c[1].get("solver") in (None, "sgd", "adam")], ids=_id
)
def test_a_diverged_partial_fit_leaves_the_whole_dict_as_it_was(config):
    cls, params = config
    if cls is PerceptronClassifier:
        pytest.skip("a scale-free model (the perceptron) need not diverge")
    est = _fitted(config)
    if isinstance(est, TowerRegressor) and est.solver == "lstsq":
        pytest.skip("an exact solve takes no step to diverge with")
    before = copy.deepcopy(vars(est))
    est.set_params(learning_rate_init=1e300)
    X, y = _data(est, seed=3)
    with pytest.raises(ValueError, match="diverged"):
        est.partial_fit(X * 1e5, y)
    state = vars(est)
    assert state.pop("learning_rate_init") == 1e300
    before.pop("learning_rate_init")
    assert_same(state, before)
