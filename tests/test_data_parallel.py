"""Data-parallel training on dask (sknn_intuition.dask.DataParallel).

Oracles: the estimator's own fit of the same settings on the same data in
memory. Each test module starts its own local cluster of 2 worker processes
(single-threaded, one BLAS thread each) and closes it; the test that kills a
worker starts one of its own.
"""

import os
import pickle
import threading
import time

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning

da = pytest.importorskip("dask.array", reason="dask is not installed (dask extra)")
distributed = pytest.importorskip("distributed", reason="distributed is not installed")

from sknn_intuition import (  # noqa: E402
    FeedForwardClassifier,
    FeedForwardRegressor,
    PerceptronClassifier,
    SigmoidNeuronClassifier,
)
from sknn_intuition.dask import DataParallel  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

ONE_BLAS_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def start_cluster(**kwargs):
    settings = dict(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
        env=ONE_BLAS_THREAD,
    )
    settings.update(kwargs)
    cluster = distributed.LocalCluster(**settings)
    return cluster, distributed.Client(cluster)


@pytest.fixture(scope="module")
def client():
    cluster, client = start_cluster()
    try:
        yield client
    finally:
        client.close()
        cluster.close()


def make_data(kind, n=6000, seed=0, dtype=np.float32):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 5)).astype(dtype)
    signal = X[:, 0] - 0.8 * X[:, 1] + 0.5 * X[:, 2] * X[:, 3]
    if kind == "regression":
        return X, (signal + 0.1 * rng.standard_normal(n)).astype(dtype)
    if kind == "imbalanced":
        return X, np.where(signal > 1.2, "rare", np.where(signal > -0.3, "mid", "common"))
    return X, (signal > 0.2).astype(np.int64)


def split(X, y, n_test=1500):
    return X[:-n_test], y[:-n_test], X[-n_test:], y[-n_test:]


def dask_arrays(X, y, sw=None, rows=1500):
    out = [da.from_array(X, chunks=(rows, X.shape[1])), da.from_array(y, chunks=rows)]
    return out + ([None] if sw is None else [da.from_array(sw, chunks=rows)])


def objective(est, X, y, sw=None):
    """The estimator's own lbfgs objective at its parameters: mean loss + penalty."""
    import copy

    from sklearn.utils.class_weight import compute_class_weight

    from sknn_intuition import kernel

    if getattr(est, "class_weight", None) == "balanced":
        weights = compute_class_weight("balanced", classes=est.classes_, y=y)
        est = copy.deepcopy(est).set_params(class_weight=dict(zip(est.classes_, weights)))
    Xe, Y, swe = kernel.encode(est, X, y, sw)
    loss, _, weight = kernel.loss_gradient_sums(est, Xe, Y, swe)
    return loss / weight + kernel.penalty(est)[0]


# ----------------------------------------------------------------- L-BFGS
LBFGS_CASES = [
    ("regression", FeedForwardRegressor((8,), solver="lbfgs", alpha=1e-3, random_state=0,
                                        max_iter=400)),
    ("classes", FeedForwardClassifier((8,), solver="lbfgs", alpha=1e-3, random_state=0,
                                      max_iter=400)),
    ("imbalanced", SigmoidNeuronClassifier(loss="log_loss", solver="lbfgs",
                                           class_weight="balanced")),
]


@pytest.mark.parametrize("kind, est", LBFGS_CASES, ids=lambda v: getattr(v, "__name__", v))
def test_lbfgs_reaches_the_objective_of_the_in_memory_lbfgs(client, kind, est):
    # float64: float32 gradients are too coarse for L-BFGS's last iterations,
    # and two fits summing them in another order end in different minima.
    X, y = make_data(kind, dtype=np.float64)
    X_tr, y_tr, X_te, y_te = split(X, y)
    sw = np.random.default_rng(1).uniform(0.5, 2.0, len(y_tr)).astype(X.dtype)
    own = clone(est).fit(X_tr, y_tr, sample_weight=sw)
    Xd, yd, swd = dask_arrays(X_tr, y_tr, sw)
    model = DataParallel(clone(est)).fit(Xd, yd, sample_weight=swd)

    fitted = model.estimator_
    assert type(fitted) is type(est) and fitted.n_iter_ > 2
    # The same objective (same weights' rescaling, same penalty) ...
    assert fitted.loss_ == pytest.approx(objective(fitted, X_tr, y_tr, sw), rel=1e-4)
    # ... and its minimum within 0.5 % of the estimator's own.
    assert fitted.loss_ == pytest.approx(own.loss_, rel=5e-3)
    assert abs(model.score(X_te, y_te) - own.score(X_te, y_te)) <= 0.005
    if kind == "imbalanced":  # 'balanced' from the global counts, as fit computes it
        assert fitted.class_weight == "balanced"
        np.testing.assert_allclose(fitted.intercept_, own.intercept_, atol=0.05)
        assert set(model.classes_) == {"common", "mid", "rare"}


def test_lbfgs_starts_where_the_estimator_starts(client):
    X, y = make_data("classes", n=3000)
    est = FeedForwardClassifier((6,), solver="lbfgs", random_state=7, max_iter=1)
    own = clone(est).fit(X, y)
    model = DataParallel(clone(est)).fit(*dask_arrays(X, y)[:2])
    # One iteration from the same start along the same gradient: the same point.
    for a, b in zip(model.estimator_.coefs_, own.coefs_):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


# -------------------------------------------------------------- local SGD
def test_local_sgd_accuracy_matches_the_in_memory_sgd_fit(client):
    X, y = make_data("classes", n=12000)
    X_tr, y_tr, X_te, y_te = split(X, y, n_test=3000)
    est = FeedForwardClassifier(
        (16,), solver="sgd", learning_rate_init=0.05, momentum=0.9, max_iter=20,
        batch_size=64, random_state=0,
    )
    own = clone(est).fit(X_tr, y_tr)
    model = DataParallel(clone(est), strategy="local_sgd").fit(*dask_arrays(X_tr, y_tr)[:2])
    fitted = model.estimator_
    assert abs(model.score(X_te, y_te) - own.score(X_te, y_te)) <= 0.01
    assert len(fitted.loss_curve_) == fitted.n_iter_ == model.n_iter_
    assert fitted.loss_curve_[-1] < fitted.loss_curve_[0]
    assert fitted.t_ == fitted.n_iter_ * len(y_tr)
    assert fitted.solver == "sgd"
    # The optimizer's averaged state is kept: training continues in memory.
    state = fitted._training_state["sgd"]["optimizer"]
    assert "velocities" in state and "sample_weight_scale" not in fitted._training_state["sgd"]
    fitted.partial_fit(X_tr[:500], y_tr[:500])
    assert fitted.n_iter_ == model.n_iter_ + 1


def test_local_sgd_stops_on_tol_and_early_stopping(client):
    X, y = make_data("regression", n=8000)
    est = FeedForwardRegressor(
        (8,), learning_rate_init=0.01, max_iter=60, tol=1e-3, n_iter_no_change=3,
        early_stopping=True, validation_fraction=0.2, random_state=0,
    )
    model = DataParallel(est, strategy="local_sgd", rounds_per_epoch=2)
    model.fit(*dask_arrays(X, y)[:2])
    fitted = model.estimator_
    assert fitted.n_iter_ < 60  # stopped: the validation loss stalled
    assert len(fitted.validation_loss_curve_) == len(fitted.validation_scores_) == fitted.n_iter_
    assert fitted.best_loss_ == min(fitted.validation_loss_curve_)
    assert fitted.best_validation_score_ == max(fitted.validation_scores_) > 0.9
    assert fitted.early_stopping is True
    # Without tol, exactly max_iter epochs, and a ConvergenceWarning only with tol.
    est2 = clone(est).set_params(early_stopping=False, tol=None, max_iter=4)
    with distributed_warnings() as caught:
        m2 = DataParallel(est2, strategy="local_sgd").fit(*dask_arrays(X, y)[:2])
    assert m2.n_iter_ == 4 and not [w for w in caught if w.category is ConvergenceWarning]


def distributed_warnings():
    import warnings

    return warnings.catch_warnings(record=True)


def test_local_sgd_sigmoid_neuron_with_weights_and_a_dataframe(client):
    dd = pytest.importorskip("dask.dataframe")
    pd = pytest.importorskip("pandas")
    X, y = make_data("imbalanced", n=8000)
    X_tr, y_tr, X_te, y_te = split(X, y, n_test=2000)
    frame = pd.DataFrame(X_tr, columns=[f"f{i}" for i in range(5)])
    est = SigmoidNeuronClassifier(loss="log_loss", max_iter=15, class_weight="balanced")
    own = clone(est).fit(frame, y_tr)
    Xd = dd.from_pandas(frame, npartitions=4)
    yd = dd.from_pandas(pd.Series(y_tr), npartitions=4)
    model = DataParallel(est, strategy="local_sgd").fit(Xd, yd)
    assert list(model.feature_names_in_) == list(frame.columns)
    test = pd.DataFrame(X_te, columns=frame.columns)
    assert abs(model.score(test, y_te) - own.score(test, y_te)) <= 0.02
    assert model.estimator_.class_weight == "balanced"


# ------------------------------------------------------- the fitted model
def test_the_fitted_estimator_is_plain_and_predictions_are_delegated(client):
    X, y = make_data("classes", n=3000)
    Xd, yd, _ = dask_arrays(X, y, rows=1000)
    model = DataParallel(FeedForwardClassifier((4,), solver="lbfgs", random_state=0,
                                               max_iter=30)).fit(Xd, yd)
    fitted = pickle.loads(pickle.dumps(model.estimator_))
    np.testing.assert_array_equal(fitted.predict(X), model.predict(X))
    lazy = model.predict_proba(Xd)
    assert isinstance(lazy, da.Array)
    np.testing.assert_allclose(lazy.compute(), fitted.predict_proba(X))
    np.testing.assert_array_equal(model.predict(Xd).compute(), fitted.predict(X))
    assert model.score(Xd, yd) == pytest.approx(fitted.score(X, y))
    assert clone(model).get_params()["strategy"] == "lbfgs"
    skops_io = pytest.importorskip("skops.io")
    dumped = skops_io.dumps(model.estimator_)
    loaded = skops_io.loads(dumped, trusted=skops_io.get_untrusted_types(data=dumped))
    np.testing.assert_array_equal(loaded.predict(X), fitted.predict(X))
    for value in vars(model.estimator_).values():  # plain values only
        assert isinstance(value, (np.ndarray, int, float, str, list, dict, tuple, type(None)))


def test_numpy_input_is_the_estimators_own_fit():
    X, y = make_data("regression", n=500)
    est = FeedForwardRegressor((4,), random_state=0, max_iter=5)
    model = DataParallel(est, strategy="local_sgd").fit(X, y)
    own = clone(est).fit(X, y)
    for a, b in zip(model.estimator_.coefs_, own.coefs_):
        np.testing.assert_array_equal(a, b)


def test_bad_input_gets_a_clear_error(client):
    X, y = make_data("classes", n=1000)
    Xd, yd, _ = dask_arrays(X, y, rows=500)
    with pytest.raises(ValueError, match="strategy"):
        DataParallel(FeedForwardClassifier(), strategy="adam").fit(Xd, yd)
    with pytest.raises(ValueError, match="'rounds_per_epoch' parameter"):
        DataParallel(FeedForwardClassifier(), rounds_per_epoch=0).fit(Xd, yd)
    with pytest.raises(ValueError, match="'persist' parameter"):
        DataParallel(FeedForwardClassifier(), persist="sometimes").fit(Xd, yd)
    with pytest.raises(TypeError, match="PerceptronClassifier"):
        DataParallel(PerceptronClassifier()).fit(Xd, yd)
    with pytest.raises(ValueError, match="solver='lbfgs'"):
        DataParallel(FeedForwardClassifier(solver="lbfgs"), strategy="local_sgd").fit(Xd, yd)
    with pytest.raises(ValueError, match="not in classes"):
        DataParallel(FeedForwardClassifier(solver="lbfgs"), classes=[0]).fit(Xd, yd)
    with pytest.raises(ValueError, match="one row per sample"):
        DataParallel(FeedForwardClassifier()).fit(Xd, yd[:10])
    model = DataParallel(FeedForwardClassifier())
    with pytest.raises(Exception, match="not fitted"):
        model.predict(X)


def test_several_targets(client):
    X, y = make_data("regression", n=3000)
    Y = np.column_stack([y, X[:, 4] - y])
    est = FeedForwardRegressor((8,), solver="lbfgs", random_state=0, max_iter=60)
    own = clone(est).fit(X, Y)
    model = DataParallel(clone(est)).fit(da.from_array(X, chunks=(1000, 5)),
                                         da.from_array(Y, chunks=(1000, 2)))
    assert model.predict(X).shape == (3000, 2)
    # Not converged after 60 iterations: the paths part a little, the fits agree.
    assert model.score(X, Y) == pytest.approx(own.score(X, Y), abs=0.01)
    sgd = DataParallel(clone(est).set_params(solver="adam", learning_rate_init=0.01, max_iter=30,
                                             early_stopping=True), strategy="local_sgd")
    sgd.fit(da.from_array(X, chunks=(1000, 5)), da.from_array(Y, chunks=(1000, 2)))
    assert sgd.estimator_.best_validation_score_ > 0.8  # R² averaged over the targets


def test_classes_given_cover_blocks_that_lack_some(client):
    X, y = make_data("classes", n=2000)
    order = np.argsort(y, kind="stable")  # the first blocks hold one class only
    X, y = X[order], y[order]
    model = DataParallel(
        SigmoidNeuronClassifier(loss="log_loss", solver="lbfgs"), classes=[0, 1, 2]
    ).fit(*dask_arrays(X, y, rows=500)[:2])
    np.testing.assert_array_equal(model.classes_, [0, 1, 2])
    assert model.predict_proba(X).shape == (len(y), 3)


# ------------------------------------------------- blocks shared out evenly
def test_blocks_are_shared_out_evenly_moving_as_few_as_possible():
    from sknn_intuition.dask import _assign

    def rows_of(groups, rows):
        out = {}
        for worker, idx in groups:
            out[worker] = out.get(worker, 0) + sum(rows[i] for i in idx)
        return out

    rows = [100] * 8
    # 5 blocks on a, 3 on b: one moves to b, the others stay where they are.
    holders = [("a",)] * 5 + [("b",)] * 3
    groups = _assign(rows, holders, {"a": 1, "b": 1})
    assert rows_of(groups, rows) == {"a": 400, "b": 400}
    assert sum(i < 5 for i in dict(groups)["b"]) == 1
    # Already even: nothing moves. Shares follow the threads, one group per thread.
    groups = _assign(rows, [("a",), ("b",)] * 4, {"a": 1, "b": 1})
    assert sorted(dict(groups)["a"]) == [0, 2, 4, 6]
    groups = _assign([100] * 9, [("a",)] * 9, {"a": 2, "b": 1})
    assert rows_of(groups, [100] * 9) == {"a": 600, "b": 300}
    assert sorted(len(idx) for _, idx in groups) == [3, 3, 3]
    # Blocks held nowhere (being recomputed) go where there is room; no workers: one group.
    assert rows_of(_assign([100, 50, 50], [(), ("a",), ("a",)], {"a": 1, "b": 1}),
                   [100, 50, 50]) == {"a": 100, "b": 100}
    assert _assign([100, 100], [(), ()], {}) == [(None, [0, 1])]


def test_blocks_persisted_on_one_worker_are_trained_on_both(client):
    X, y = make_data("classes", n=4000)
    workers = sorted(client.nthreads())
    Xd, yd, _ = dask_arrays(X, y, rows=500)
    Xd, yd = client.persist([Xd, yd], workers=workers[:1])
    distributed.wait([Xd, yd])
    assert {w for ws in client.who_has(client.futures_of(Xd)).values() for w in ws} == {
        workers[0]
    }
    est = FeedForwardClassifier((6,), solver="lbfgs", random_state=0, max_iter=20)
    tasks = client.run(lambda dask_worker: dask_worker.state.executed_count)
    model = DataParallel(clone(est)).fit(Xd, yd)
    done = client.run(lambda dask_worker: dask_worker.state.executed_count)
    own = clone(est).fit(X, y)
    assert model.estimator_.loss_ == pytest.approx(own.loss_, rel=5e-3)
    # Both workers computed every evaluation (one task each), not only the holder.
    assert all(done[w] - tasks[w] > model.n_iter_ for w in workers)
    # Local SGD too: each epoch's round runs on both.
    sgd = FeedForwardClassifier((6,), learning_rate_init=0.01, max_iter=5, tol=None,
                                early_stopping=True, random_state=0)
    tasks = client.run(lambda dask_worker: dask_worker.state.executed_count)
    model = DataParallel(sgd, strategy="local_sgd").fit(Xd, yd)
    done = client.run(lambda dask_worker: dask_worker.state.executed_count)
    assert all(done[w] - tasks[w] >= 2 * model.n_iter_ for w in workers)  # rounds, validation
    assert model.score(X, y) > 0.8


# ---------------------------------------------------- a worker lost mid-fit
@pytest.mark.parametrize("strategy", ["lbfgs", "local_sgd"])
def test_a_worker_killed_mid_fit_is_recomputed_or_the_fit_fails_cleanly(strategy):
    cluster, client = start_cluster()
    try:
        X, y = make_data("classes", n=12000)
        X_tr, y_tr, X_te, y_te = split(X, y, n_test=2000)
        est = FeedForwardClassifier((8,), random_state=0, learning_rate_init=0.01,
                                    max_iter=60 if strategy == "lbfgs" else 12, tol=None)
        if strategy == "lbfgs":
            est.set_params(solver="lbfgs")
        Xd, yd, _ = dask_arrays(X_tr, y_tr, rows=1000)
        reference = DataParallel(clone(est), strategy=strategy).fit(Xd, yd)
        fitting = threading.Event()
        killed = []

        def kill():
            fitting.wait()
            time.sleep(0.3)
            victim = sorted(client.nthreads())[0]
            try:
                client.run(os._exit, 1, workers=[victim])
            except Exception:  # the worker died before it could answer
                pass
            killed.append(victim)

        killer = threading.Thread(target=kill)
        killer.start()
        model = DataParallel(clone(est), strategy=strategy)
        fitting.set()
        try:
            model.fit(Xd, yd)
        except RuntimeError as exc:
            assert "left unfitted" in str(exc)
            assert not hasattr(model, "estimator_")
        else:
            # Completed: the lost blocks were recomputed, the model is whole.
            assert model.estimator_.n_iter_ == reference.estimator_.n_iter_
            assert abs(model.score(X_te, y_te) - reference.score(X_te, y_te)) <= 0.01
        killer.join()
        assert killed and killed[0] not in client.nthreads()
    finally:
        client.close()
        cluster.close()


# ------------------------------------------------- data larger than memory
@pytest.mark.skipif(
    not os.environ.get("SKNN_INTUITION_SLOW"),
    reason="about a minute or more; set SKNN_INTUITION_SLOW=1 to run it",
)
@pytest.mark.parametrize("strategy", ["lbfgs", "local_sgd"])
def test_data_three_times_a_workers_memory_train_without_a_worker_killed(strategy):
    # A worker process with the package imported takes about 330 MB by itself.
    cluster, client = start_cluster(memory_limit="600MB")
    try:
        rows, features = 9_000_000, 50  # 1.8 GB of float32, made block by block
        X = da.random.default_rng(0).standard_normal(
            (rows, features), chunks=(100_000, features), dtype=np.float32
        )
        y = (X[:, 0] - X[:, 1] > 0).astype(np.int64)
        assert X.nbytes >= 3 * 600e6
        workers = set(client.nthreads())
        est = SigmoidNeuronClassifier(loss="log_loss", solver="lbfgs", max_iter=3)
        if strategy == "local_sgd":
            est = FeedForwardClassifier((8,), learning_rate_init=0.01, max_iter=1, tol=None,
                                        batch_size=1000, random_state=0)
        model = DataParallel(est, strategy=strategy).fit(X, y)
        # No worker was lost (a killed worker comes back under a new address).
        assert set(client.nthreads()) == workers
        X_test = np.random.default_rng(1).standard_normal((2000, features)).astype(np.float32)
        y_test = (X_test[:, 0] - X_test[:, 1] > 0).astype(int)
        assert model.score(X_test, y_test) > 0.95
    finally:
        client.close()
        cluster.close()


@pytest.mark.parametrize("name", ["", ".fit", ".predict", ".predict_proba", ".score"])
def test_docstrings_are_valid_numpydoc(name):
    pytest.importorskip("numpydoc.validate")
    from test_docstrings import checked_errors

    path = "sknn_intuition.dask.DataParallel" + name
    errors = [e for e in checked_errors(path) if name == "" or not e.startswith("EX01")]
    assert not errors, f"{path}:\n" + "\n".join(errors)
