"""BLAS threads: a context that keeps BLAS on one thread.

Small products (a few million multiply-adds) finish before BLAS's threads
have been handed their parts: on one thread they run faster, and far faster
on a busy machine, where a thread waiting for a core can slow a small
product tenfold. threadpoolctl (a scikit-learn dependency) sets the limit.

The limit is global to the process, and threadpoolctl lets only one thread
at a time change OpenBLAS's (the first to do so, while it lives): from any
other thread a change, or the restoring of the old value, does nothing. So
that fits running in several threads at once (a dask or joblib threading
backend) never leave BLAS limited behind them, only the main thread sets the
limit; fits in other threads keep BLAS as it is.
"""

import contextlib
import threading

_CONTROLLER = []


def _controller():
    # Made once: making it scans the loaded libraries.
    if not _CONTROLLER:
        from threadpoolctl import ThreadpoolController

        _CONTROLLER.append(ThreadpoolController())
    return _CONTROLLER[0]


@contextlib.contextmanager
def one_blas_thread():
    """A context in which BLAS runs on one thread (from the main thread)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    with _controller().limit(limits=1, user_api="blas"):
        yield
