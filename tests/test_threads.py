"""BLAS threads around fits: limited to one for small products, and restored
afterwards even when fits run in several threads at once."""

import json
import subprocess
import sys
import threading

from threadpoolctl import threadpool_info, threadpool_limits

from sknn_intuition._layout import one_blas_thread


def _blas_threads():
    return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]


def test_one_blas_thread_limits_and_restores_when_nested():
    with threadpool_limits(limits=2, user_api="blas"):
        before = _blas_threads()
        with one_blas_thread():
            assert set(_blas_threads()) == {1}
            with one_blas_thread():
                assert set(_blas_threads()) == {1}
            assert set(_blas_threads()) == {1}  # the outer context still holds
        assert _blas_threads() == before


def test_one_blas_thread_leaves_other_threads_alone():
    # Only the main thread sets the process-wide limit (see _threads).
    seen = []
    with threadpool_limits(limits=2, user_api="blas"):
        def body():
            with one_blas_thread():
                seen.append(_blas_threads())

        t = threading.Thread(target=body)
        t.start()
        t.join()
        assert seen == [_blas_threads()]


_FITS_IN_THREADS = """
import json, threading, warnings
from sklearn.datasets import load_digits
from threadpoolctl import threadpool_info
from sknn_intuition import FeedForwardClassifier, SigmoidNeuronClassifier

def blas():
    return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]

X, y = load_digits(return_X_y=True)
warnings.simplefilter("ignore")

def fits(Est):
    for seed in range(3):
        Est(max_iter=5, random_state=seed, **KW[Est]).fit(X, y)

KW = {FeedForwardClassifier: {"hidden_layer_sizes": (20,)}, SigmoidNeuronClassifier: {}}
before = blas()
threads = [threading.Thread(target=fits, args=(Est,)) for Est in list(KW) * 2]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(json.dumps([before, blas()]))
"""


def test_fits_in_threads_leave_blas_threads_as_they_were():
    """Fits running in several threads at once, in a fresh process where no
    thread has touched BLAS's threads yet, leave them as they found them."""
    out = subprocess.run(
        [sys.executable, "-c", _FITS_IN_THREADS],
        capture_output=True, text=True, check=True, timeout=300,
    ).stdout
    before, after = json.loads(out.strip().splitlines()[-1])
    assert after == before


def test_partial_fit_from_two_threads_loses_no_update():
    # Two threads stream batches into one model: the calls take turns, none
    # fails, and every completed update is kept (the counters add up).
    import numpy as np

    from sknn_intuition import PerceptronClassifier, SigmoidNeuronClassifier

    rng = np.random.RandomState(0)
    X = rng.normal(size=(400, 5))
    y = (X[:, 0] > 0).astype(int)
    for est in (PerceptronClassifier(), SigmoidNeuronClassifier()):
        est.partial_fit(X[:50], y[:50], classes=[0, 1])
        errors = []

        def stream(est=est, errors=errors):
            try:
                for start in range(0, 400, 20):
                    est.partial_fit(X[start : start + 20], y[start : start + 20])
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=stream) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors
        assert est.n_iter_ == 1 + 2 * 20
        assert est.t_ == 50 + 2 * 400
        assert len(est.loss_curve_) == est.n_iter_
