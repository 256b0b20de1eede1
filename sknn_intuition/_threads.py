"""Threads: how many BLAS uses, and the package's own for splitting a batch.

A batch of a large network spends most of its time in matrix products, which
BLAS spreads over threads, and the rest in elementwise steps (activations,
their derivatives, bias sums), which numpy runs on one thread. Splitting the
*rows* of the batch instead — each thread runs the forward and backward pass
of its block of rows with single-threaded BLAS, and the blocks' gradients are
added — keeps every core busy for both kinds of work, and pays for one
hand-over per batch rather than one per product. numpy releases the GIL in
both its products and its elementwise loops, so plain Python threads do.

The number of threads is the number BLAS would use, so
``threadpoolctl.threadpool_limits(1)`` around a fit also keeps it on one
thread.
"""

import os
import threading

import numpy as np

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


def blas_threads():
    """The number of threads BLAS would use now, at most the usable cores."""
    counts = [
        int(info.get("num_threads") or 1)
        for info in _controller().info()
        if info.get("user_api") == "blas"
    ]
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(max(counts, default=1), cores))


class _Worker:
    """A thread that runs one task at a time, handed over through two locks.

    A lock released by one thread and acquired by another is the lightest
    hand-over Python has: about half the delay of a thread pool's futures,
    which matters when it happens once per batch.
    """

    def __init__(self, name):
        self._go = threading.Lock()
        self._done = threading.Lock()
        self._go.acquire()
        self._done.acquire()
        self._task = None
        self._result = None
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)
        self._thread.start()

    def _loop(self):
        while True:
            self._go.acquire()
            task = self._task
            if task is None:
                return
            try:
                self._result = (True, task())
            except BaseException as exc:  # handed to the caller by result()
                self._result = (False, exc)
            self._done.release()

    def start(self, task):
        self._task = task
        self._go.release()

    def result(self):
        self._done.acquire()
        ok, value = self._result
        self._result = None
        if not ok:
            raise value
        return value

    def stop(self):
        self._task = None
        self._go.release()
        self._thread.join()


class BatchThreads:
    """Run a function on blocks of a batch's rows, one block per thread.

    Parameters
    ----------
    n_threads : int
        The most blocks a batch is cut into.
    min_rows : int, default=64
        The fewest rows a block may have: smaller batches use fewer threads.

    Use as a context manager; the threads end with it.
    """

    def __init__(self, n_threads, min_rows=64):
        self.n_threads = int(n_threads)
        self.min_rows = int(min_rows)
        self._workers = [
            _Worker(f"sknn_intuition-batch-{i}") for i in range(1, self.n_threads)
        ]
        self._scratch = {}

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for worker in self._workers:
            worker.stop()
        self._workers = []
        self._scratch.clear()

    def blocks(self, n):
        """Row bounds ``[(start, stop), ...]`` of the blocks of ``n`` rows."""
        k = max(1, min(self.n_threads, n // self.min_rows))
        return [(i * n // k, (i + 1) * n // k) for i in range(k)]

    def scratch(self, key, make):
        """An object kept for the threads' lifetime: ``make()`` the first time."""
        value = self._scratch.get(key)
        if value is None:
            value = self._scratch[key] = make()
        return value

    def run(self, fn, k):
        """``[fn(0), ..., fn(k - 1)]``: ``fn(0)`` here, the others on the threads.

        The caller's floating-point error settings apply in every thread;
        all blocks have finished when this returns or raises.
        """
        if k - 1 > len(self._workers):
            raise ValueError(f"{k} blocks, but only {len(self._workers) + 1} threads.")
        errors = np.geterr()

        def task(i):
            def run():
                with np.errstate(**errors):
                    return fn(i)

            return run

        workers = self._workers[: k - 1]
        for i, worker in enumerate(workers, start=1):
            worker.start(task(i))
        results, failure = [], None
        try:
            results.append(fn(0))
        except BaseException as exc:
            failure = exc
        for worker in workers:  # wait for every block, even after a failure
            try:
                results.append(worker.result())
            except BaseException as exc:
                failure = failure or exc
        if failure is not None:
            raise failure
        return results
