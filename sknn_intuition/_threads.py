"""BLAS threads: a context that keeps BLAS on one thread.

Small products (a few million multiply-adds) finish before BLAS's threads
have been handed their parts: on one thread they run faster, and far faster
on a busy machine, where a thread waiting for a core can slow a small
product tenfold. threadpoolctl (a scikit-learn dependency) sets the limit
and restores the previous one on leaving.
"""

_CONTROLLER = []


def _controller():
    # Made once: making it scans the loaded libraries.
    if not _CONTROLLER:
        from threadpoolctl import ThreadpoolController

        _CONTROLLER.append(ThreadpoolController())
    return _CONTROLLER[0]


def one_blas_thread():
    """A context in which BLAS runs on one thread (threadpoolctl)."""
    return _controller().limit(limits=1, user_api="blas")
