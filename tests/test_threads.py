"""Splitting a batch's rows among threads: the blocks, the thread runner, and
the network's gradient, which must not depend on how the batch was split."""

import os
import pickle
import threading

import numpy as np
import pytest
from scipy import sparse
from threadpoolctl import threadpool_limits

from sknn_intuition import FeedForwardClassifier, FeedForwardRegressor
from sknn_intuition._optimizers import empty_like_params, tiled_buffer
from sknn_intuition._threads import BatchThreads, blas_threads


@pytest.mark.parametrize("n, n_threads, min_rows", [(512, 2, 64), (100, 4, 30), (10, 3, 64)])
def test_blocks_cover_the_rows_in_order(n, n_threads, min_rows):
    with BatchThreads(n_threads, min_rows=min_rows) as threads:
        blocks = threads.blocks(n)
    assert blocks[0][0] == 0 and blocks[-1][1] == n
    assert all(a[1] == b[0] for a, b in zip(blocks, blocks[1:]))
    assert len(blocks) == max(1, min(n_threads, n // min_rows))
    if len(blocks) > 1:
        assert min(b - a for a, b in blocks) >= min_rows


def test_run_uses_other_threads_and_keeps_order():
    with BatchThreads(3) as threads:
        names = threads.run(lambda i: (i, threading.current_thread().name), 3)
    assert [i for i, _ in names] == [0, 1, 2]
    assert names[0][1] == threading.current_thread().name
    assert all(name.startswith("sknn_intuition-batch") for _, name in names[1:])


def test_run_passes_errors_and_error_settings_on():
    def divide(i):
        return np.float64(1.0) / np.float64(0.0)

    with BatchThreads(2) as threads, np.errstate(divide="raise"):
        with pytest.raises(FloatingPointError):
            threads.run(lambda i: divide(i) if i == 1 else 0.0, 2)
    with BatchThreads(2) as threads, np.errstate(divide="ignore"):
        assert threads.run(divide, 2) == [np.inf, np.inf]


def test_blas_threads_follows_threadpool_limits():
    with threadpool_limits(limits=1, user_api="blas"):
        assert blas_threads() == 1
    assert 1 <= blas_threads() <= (os.cpu_count() or 1)


def _two_blas_threads():
    """BLAS on two threads for a test's fits, or skip on a one-core machine."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    if cores < 2:
        pytest.skip("one core: batches are never split")
    return threadpool_limits(limits=2, user_api="blas")


def _hook(est, X, Y, sw, threads, tiled):
    params = est._sgd_parameters()
    assert tiled_buffer(params) is not None  # a fitted network's layout
    grads = empty_like_params(params) if tiled else [np.empty_like(p) for p in params]
    if threads is not None:
        est._batch_threads = threads
    try:
        loss = est._sgd_loss_and_gradients(params, X, Y, sw, grads)
    finally:
        est.__dict__.pop("_batch_threads", None)
    return loss, grads


@pytest.mark.parametrize("tiled", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize(
    "Est, kwargs",
    [
        (FeedForwardRegressor, {}),
        (FeedForwardClassifier, {"loss": "log_loss"}),
        (FeedForwardClassifier, {"loss": "squared_error"}),
    ],
)
def test_split_batch_gives_the_whole_batch_gradient(Est, kwargs, weighted, tiled):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(50, 4))
    y = rng.randint(3, size=50) if Est is FeedForwardClassifier else rng.normal(size=50)
    sw = rng.uniform(0.5, 2.0, size=50) if weighted else None
    est = Est(hidden_layer_sizes=(7, 5), activation=["tanh", "relu"], max_iter=1,
              tol=None, random_state=0, **kwargs).fit(X, y)
    # The output neurons' targets: one column per class, or the value.
    Y = (y[:, None] == est.classes_).astype(float) if Est is FeedForwardClassifier else y[:, None]
    loss, grads = _hook(est, X, Y, sw, None, tiled)
    with BatchThreads(3, min_rows=1) as threads:
        assert len(threads.blocks(50)) == 3
        split_loss, split_grads = _hook(est, X, Y, sw, threads, tiled)
    assert split_loss == pytest.approx(loss, rel=1e-12)
    for g, s in zip(grads, split_grads):
        np.testing.assert_allclose(s, g, rtol=1e-10, atol=1e-14)


def test_large_network_fit_splits_batches_and_matches_one_thread(monkeypatch):
    calls = []
    run = BatchThreads.run
    monkeypatch.setattr(
        BatchThreads, "run", lambda self, fn, k: calls.append(k) or run(self, fn, k)
    )
    rng = np.random.RandomState(0)
    X = rng.normal(size=(400, 100))
    y = np.tanh(X[:, :5].sum(axis=1))
    # 200 rows x 200 x 200 multiply-adds per product: large enough to split.
    params = dict(hidden_layer_sizes=(200, 200), solver="sgd", learning_rate_init=0.01,
                  batch_size=200, max_iter=3, random_state=0, tol=None)
    with _two_blas_threads():
        split = FeedForwardRegressor(**params).fit(X, y)
    assert calls and all(k >= 2 for k in calls)
    calls.clear()
    with threadpool_limits(limits=1, user_api="blas"):
        single = FeedForwardRegressor(**params).fit(X, y)
    assert not calls
    for a, b in zip(split.coefs_ + split.intercepts_, single.coefs_ + single.intercepts_):
        np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-10)
    assert "_batch_threads" not in vars(split)
    again = pickle.loads(pickle.dumps(split))
    np.testing.assert_array_equal(again.predict(X), split.predict(X))


@pytest.mark.parametrize("early_stopping", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("fmt", ["dense", "csr"])
@pytest.mark.parametrize("Est", [FeedForwardRegressor, FeedForwardClassifier])
def test_split_fits_match_one_thread_fits(monkeypatch, Est, fmt, weighted, early_stopping):
    """Every kind of fit gives the same network with its batches split among
    threads as on one thread (here on a network small enough to be quick,
    with the size threshold lowered so that its batches are split)."""
    import sknn_intuition._feedforward as feedforward

    monkeypatch.setattr(feedforward, "_SMALL_PRODUCT", 0)
    rng = np.random.RandomState(1)
    X = rng.normal(size=(300, 6))
    X[np.abs(X) < 0.7] = 0.0
    y = X[:, 0] - X[:, 1] ** 2
    if Est is FeedForwardClassifier:
        y = np.digitize(y, [-1.0, 0.0])
    X = sparse.csr_matrix(X) if fmt == "csr" else X
    sw = rng.uniform(0.5, 2.0, size=300) if weighted else None
    params = dict(hidden_layer_sizes=(16, 8), activation=["tanh", "relu"], solver="sgd",
                  batch_size=128, max_iter=4, tol=None, early_stopping=early_stopping,
                  random_state=0)
    calls = []
    run = BatchThreads.run
    monkeypatch.setattr(
        BatchThreads, "run", lambda self, fn, k: calls.append(k) or run(self, fn, k)
    )
    with _two_blas_threads():
        split = Est(**params).fit(X, y, sample_weight=sw)
        split.partial_fit(X, y, sample_weight=sw)
    assert calls and max(calls) == 2
    calls.clear()
    with threadpool_limits(limits=1, user_api="blas"):
        single = Est(**params).fit(X, y, sample_weight=sw)
        single.partial_fit(X, y, sample_weight=sw)
    assert not calls
    for a, b in zip(split.coefs_ + split.intercepts_, single.coefs_ + single.intercepts_):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(split.loss_curve_, single.loss_curve_, rtol=1e-9)
