"""Past one machine: dask's Incremental wrapper and the joblib dask backend.

Out of core: ``dask_ml.wrappers.Incremental`` calls ``partial_fit`` once per
block of a dask array, so the whole array never has to be in memory; the model
it gives is the one block-by-block ``partial_fit`` gives by hand, exactly.

Distributed: ``GridSearchCV`` hands its fits to joblib, and under
``joblib.parallel_backend("dask")`` joblib hands them to a dask cluster; the
search then finds what it finds on one machine. Each test starts its own local
cluster (no external service) and closes it.
"""

import inspect

import numpy as np
import pytest
from sklearn.base import BaseEstimator, is_classifier

import sknn_intuition

da = pytest.importorskip("dask.array", reason="dask is not installed (test extra)")
distributed = pytest.importorskip("distributed", reason="distributed is not installed")
wrappers = pytest.importorskip("dask_ml.wrappers", reason="dask-ml is not installed")

import joblib  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402


def _public_estimators():
    for name in sorted(sknn_intuition.__all__):
        obj = getattr(sknn_intuition, name)
        if inspect.isclass(obj) and issubclass(obj, BaseEstimator):
            yield obj


ESTIMATORS = list(_public_estimators())
INCREMENTAL = [c for c in ESTIMATORS if hasattr(c, "partial_fit")]
ids = lambda cls: cls.__name__

FAST = {
    "max_iter": 20,
    "tol": None,
    "random_state": 0,
    "batch_size": 32,
    "hidden_layer_sizes": (8,),
    "n_towers": 6,
    "learning_rate_init": 0.03,
}


def make(cls, **params):
    est = cls()
    names = est.get_params()
    settings = {k: v for k, v in FAST.items() if k in names}
    if "hidden_layer_sizes" not in names:  # the networks' default rate is for long fits
        settings.pop("learning_rate_init", None)
    settings.update(params)
    return est.set_params(**settings)


def data(cls, n_samples=600, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, 4))
    signal = 1.5 * X[:, 0] - X[:, 1] + 0.1 * rng.standard_normal(n_samples)
    if is_classifier(cls()):
        return X, (signal > 0).astype(np.int64)
    return X, signal


def fitted_arrays(est):
    """Every fitted float array, in a fixed order (lists of layers flattened)."""
    out = []
    for name in sorted(vars(est)):
        value = getattr(est, name)
        if not name.endswith("_") or name.startswith("_"):
            continue
        for v in value if isinstance(value, (list, tuple)) else [value]:
            if isinstance(v, np.ndarray) and v.dtype.kind == "f":
                out.append((name, v))
    return out


# ============================================================== out of core
@pytest.mark.parametrize("cls", INCREMENTAL, ids=ids)
def test_incremental_is_blockwise_partial_fit(cls):
    X, y = data(cls)
    X_dask = da.from_array(X, chunks=(150, 4))  # 4 blocks of 150 rows
    y_dask = da.from_array(y, chunks=150)
    kwargs = {"classes": np.unique(y)} if is_classifier(cls()) else {}

    inc = wrappers.Incremental(make(cls), shuffle_blocks=False)
    inc.fit(X_dask, y_dask, **kwargs)

    # Oracle: one partial_fit per block, by hand, in order.
    manual = make(cls)
    for start in range(0, len(y), 150):
        manual.partial_fit(X[start : start + 150], y[start : start + 150], **kwargs)

    got, expected = fitted_arrays(inc.estimator_), fitted_arrays(manual)
    assert [n for n, _ in got] == [n for n, _ in expected]
    for (name, a), (_, b) in zip(got, expected):
        np.testing.assert_array_equal(a, b, err_msg=name)
    assert inc.estimator_.n_iter_ == manual.n_iter_ == 4  # one pass per block

    # Predicting on the dask array is lazy, block by block, and the same.
    pred = inc.predict(X_dask)
    assert isinstance(pred, da.Array)
    blockwise = [manual.predict(X[s : s + 150]) for s in range(0, len(y), 150)]
    np.testing.assert_array_equal(pred.compute(), np.concatenate(blockwise))
    # Four passes over the data (one per block) already beat a constant guess.
    score = manual.score(X, y)
    assert score > (0.75 if is_classifier(manual) else 0.5), score


# ============================================================== distributed
@pytest.fixture(scope="module")
def client():
    """A local dask cluster of 2 single-threaded workers, closed after the tests."""
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0"
    )
    c = distributed.Client(cluster)
    try:
        yield c
    finally:
        c.close()
        cluster.close()


def grid_for(cls):
    params = cls().get_params()
    if "fit_intercept" in params:
        return {"fit_intercept": [False, True], "max_iter": [5, 20]}
    if "n_towers" in params:
        return {"n_towers": [1, 6], "alpha": [1e-6, 1e-2]}
    return {"max_iter": [2, 20], "alpha": [1e-4, 1e-2]}


@pytest.mark.parametrize("cls", ESTIMATORS, ids=ids)
def test_grid_search_on_a_dask_cluster_matches_one_machine(cls, client):
    X, y = data(cls, n_samples=300)
    X = X + np.array([3.0, -2.0, 0.0, 0.0])  # away from the origin: the bias matters
    grid = grid_for(cls)

    local = GridSearchCV(make(cls), grid, cv=3).fit(X, y)
    with distributed.get_task_stream(client) as tasks:
        with joblib.parallel_backend("dask"):
            remote = GridSearchCV(make(cls), grid, cv=3, n_jobs=-1).fit(X, y)
    assert len(tasks.data) > 0  # the fits ran on the cluster's workers

    assert remote.best_params_ == local.best_params_
    np.testing.assert_array_equal(
        remote.cv_results_["mean_test_score"], local.cv_results_["mean_test_score"]
    )
    np.testing.assert_array_equal(remote.predict(X), local.predict(X))


# ============================================================ the docs page
def test_scaling_out_page_runs():
    """The recipes of docs/scaling_out.rst run and print what the page says."""
    import doctest
    import pathlib

    page = pathlib.Path(__file__).resolve().parents[1] / "docs" / "scaling_out.rst"
    if not page.exists():  # pragma: no cover - installed without the docs
        pytest.skip("docs/scaling_out.rst is not in this tree")
    result = doctest.testfile(
        str(page),
        module_relative=False,
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
        raise_on_error=False,
        verbose=False,
    )
    assert result.attempted > 20
    assert result.failed == 0
