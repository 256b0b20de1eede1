"""TowerRegressor's state: a call that fails changes nothing, private state included."""

import copy

import numpy as np
import pytest
from _estimators import interrupt_on_call

from sknn_intuition import TowerRegressor
from sknn_intuition import _tower as tower_module
from sknn_intuition._optimizers import OPTIMIZERS


def _assert_same(a, b, where="state"):
    """``a`` and ``b`` deep-equal: arrays by value and dtype, containers item by item."""
    assert type(a) is type(b), f"{where}: {type(a).__name__} != {type(b).__name__}"
    if isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape, where
        assert np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"), where
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), f"{where}: keys {sorted(a)} != {sorted(b)}"
        for k in a:
            _assert_same(a[k], b[k], f"{where}[{k!r}]")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            _assert_same(x, y, f"{where}[{i}]")
    elif isinstance(a, float) and np.isnan(a):
        assert np.isnan(b), where
    else:
        assert a == b, f"{where}: {a!r} != {b!r}"


def _data(n=6000, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-3, 3, size=(n, 1))
    return X, np.sin(2 * X[:, 0]) + 0.1 * rng.normal(size=n)


def test_an_interrupted_partial_fit_leaves_no_data_in_the_sums(monkeypatch):
    """The exact solver's sums are training state: a partial_fit interrupted
    after adding some of its rows must not leave them there for the next."""
    X, y = _data()
    first, bad, good = (slice(0, 2000), slice(2000, 4000), slice(4000, 6000))
    kwargs = dict(n_towers=100, bounds=(-3, 3))  # 100 towers: blocks of 1297 rows
    est = TowerRegressor(**kwargs).partial_fit(X[first], y[first])
    calls = interrupt_on_call(monkeypatch, tower_module, "add_block", 2)
    with pytest.raises(KeyboardInterrupt):
        est.partial_fit(X[bad], 10 * y[bad])  # far from y: a leak would show
    assert len(calls) == 2  # interrupted part-way, one block of it added
    monkeypatch.undo()
    est.partial_fit(X[good], y[good])
    alone = TowerRegressor(**kwargs).partial_fit(X[first], y[first])
    alone.partial_fit(X[good], y[good])
    np.testing.assert_allclose(est.heights_, alone.heights_, rtol=1e-12, atol=1e-12)
    _assert_same(vars(est), vars(alone))


def _fitted(solver):
    X, y = _data(n=3000)
    est = TowerRegressor(n_towers=100, solver=solver, max_iter=3, tol=None, random_state=0)
    est.fit(X, y)
    est.partial_fit(X[:500], y[:500])  # some state to continue from (sums, optimizer)
    return est


def _interrupt_training(monkeypatch, solver):
    if solver == "lstsq":
        return interrupt_on_call(monkeypatch, tower_module, "add_block", 2)
    calls = []
    for opt in OPTIMIZERS.values():
        calls = interrupt_on_call(monkeypatch, opt, "update_params", 3)
    return calls


@pytest.mark.parametrize("solver", ["lstsq", "sgd", "adam"])
@pytest.mark.parametrize("how", ["fit", "warm_start", "partial_fit"])
def test_an_interrupted_call_changes_nothing(solver, how, monkeypatch):
    est = _fitted(solver)
    before = copy.deepcopy(vars(est))
    X, y = _data(n=3000, seed=1)
    _interrupt_training(monkeypatch, solver)
    with pytest.raises(KeyboardInterrupt):
        if how == "partial_fit":
            est.partial_fit(X, y)
        else:
            est.set_params(warm_start=how == "warm_start").fit(X, y)
    monkeypatch.undo()
    est.set_params(warm_start=False)
    _assert_same(vars(est), before)


@pytest.mark.parametrize("solver", ["lstsq", "sgd", "adam"])
def test_a_refused_call_changes_nothing(solver):
    est = _fitted(solver)
    params, before = est.get_params(), copy.deepcopy(vars(est))
    X, y = _data(n=300, seed=2)
    with pytest.raises(ValueError, match="outputs"):
        est.partial_fit(X, np.c_[y, y])  # found after the layout was kept
    with pytest.raises(ValueError, match="bounds"):
        est.set_params(bounds=(1, 0)).fit(X, y)  # found while laying out afresh
    est.set_params(bounds=None)
    if solver != "lstsq":
        est.set_params(learning_rate_init=1e300, warm_start=True)
        with pytest.raises(ValueError, match="diverged"):
            est.fit(X * 1e5, y)
    _assert_same(vars(est.set_params(**params)), before)


def test_the_fitted_state_is_plain_data():
    """No stack, no sparse matrix: the built layers are made when needed."""
    rng = np.random.default_rng(3)
    X = rng.uniform(-3, 3, size=(2000, 2))
    for solver in ("lstsq", "sgd"):
        est = TowerRegressor(n_towers=20, solver=solver, max_iter=2, tol=None).fit(
            X, X[:, 0] * X[:, 1]
        )

        def plain(v):
            if isinstance(v, dict):
                return all(isinstance(k, str) and plain(x) for k, x in v.items())
            if isinstance(v, (list, tuple)):
                return type(v) in (list, tuple) and all(plain(x) for x in v)
            return v is None or isinstance(v, (np.ndarray, np.generic, int, float, str, bool))

        assert all(plain(v) for v in vars(est).values()), vars(est).keys()
        assert ("lstsq" if solver == "lstsq" else "sgd") in est._training_state


def test_a_warm_exact_fit_starts_afresh():
    """warm_start means nothing to the exact solve: a new layout, no old state."""
    X, y = _data(n=1000)
    est = TowerRegressor(n_towers=10, solver="sgd", early_stopping=True, max_iter=5)
    est.fit(X, y)
    est.set_params(solver="lstsq", warm_start=True).fit(X + 1, y)
    fresh = TowerRegressor(n_towers=10).fit(X + 1, y)
    params = est.get_params()
    _assert_same(
        {k: v for k, v in vars(est).items() if k not in params},
        {k: v for k, v in vars(fresh).items() if k not in params},
    )
