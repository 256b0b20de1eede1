"""Memory layout for training: where the numbers live, never what they are.

Nothing here computes a loss, an activation or a derivative: those are
written once, in :mod:`._losses` and :mod:`._activations`, and every training
step runs them through :func:`._network.loss_and_gradients`. What this module
decides is only *where* that step reads and writes:

* **One flat parameter buffer.** A network's weights and biases are views of
  one 1-D array, so an optimizer updates the whole network as one array
  (:func:`flat_views`).
* **Batch workspaces.** The arrays a batch's forward and backward passes
  write into are made once per batch size (:class:`Workspace`) and passed as
  ``out=``; the output layer's are kept one row per output neuron in memory
  (Fortran order), so that the loss's sums over the outputs of each sample run
  along contiguous memory.
* **Gathering rows** of a mini-batch (:func:`gather_rows`), also from arrays
  whose memory is not aligned.
* **BLAS threads** for small products (:func:`blas_threads_for`).
"""

import contextlib
import threading

import numpy as np
from scipy import sparse

# ----------------------------------------------------- one flat parameter buffer


def tiled_buffer(arrays):
    """The 1-D array that ``arrays`` exactly tile, in order, or None.

    ``arrays`` tile a buffer when each is a C-contiguous view of it, each
    starts where the one before ends, and together they cover all of it.
    """
    if not arrays:
        return None
    base = arrays[0].base
    if (
        not isinstance(base, np.ndarray)
        or base.ndim != 1
        or not base.flags.c_contiguous
        or base.base is not None
    ):
        return None
    address = base.__array_interface__["data"][0]
    offset = 0
    for a in arrays:
        if (
            a.base is not base
            or a.dtype != base.dtype
            or not a.flags.c_contiguous
            or a.__array_interface__["data"][0] != address + offset * base.itemsize
        ):
            return None
        offset += a.size
    return base if offset == base.size else None


def tiled_copy(arrays, fill=True):
    """New arrays shaped like ``arrays`` that tile one new flat buffer.

    With ``fill`` the values of ``arrays`` are copied in; otherwise the new
    arrays are uninitialised.
    """
    sizes = [a.size for a in arrays]
    dtype = np.result_type(*arrays) if arrays else np.float64
    buffer = np.empty(sum(sizes), dtype=dtype)
    out, start = [], 0
    for a, size in zip(arrays, sizes):
        view = buffer[start : start + size].reshape(a.shape)
        if fill:
            view[...] = a
        out.append(view)
        start += size
    return out


def empty_like(params):
    """Uninitialised arrays shaped like ``params``, tiled if ``params`` are."""
    if tiled_buffer(params) is not None:
        return tiled_copy(params, fill=False)
    return [np.empty_like(p) for p in params]


def flat_views(*groups):
    """Each group of arrays as ``[its flat buffer]`` when every group is tiled.

    An optimizer step on one flat array is a handful of operations instead of
    a handful per layer; the values are the same.
    """
    flats = [tiled_buffer(g) for g in groups]
    if all(f is not None for f in flats):
        return [[f] for f in flats]
    return list(groups)


# ------------------------------------------------------------ batch workspaces


class Workspace:
    """The arrays one batch's forward and backward passes write into.

    ``arrays(n)`` returns ``(outputs, slopes)`` for a batch of ``n`` samples:
    ``outputs[l]`` of shape ``(n, units[l + 1])`` receives layer ``l + 1``'s
    activations (the output layer's pre-activations last), then, on the way
    back, the error of that hidden layer; ``slopes[l]``, of the same shape,
    the slope of its activation. The slopes of all the layers share one
    buffer (each is needed only until its layer's error is made), so that
    a batch's arrays take little more memory than its activations. The
    output layer's array is in Fortran order (one row per output neuron in
    memory): the loss's sums over the outputs of a sample, and the softmax's
    maximum, then run along contiguous memory instead of a few elements at a
    time. Made once per batch size (an epoch has at most two: the batch and
    the remainder) and reused.
    """

    def __init__(self, units, dtype, max_sizes=4):
        self.units = [int(u) for u in units]
        self.dtype = np.dtype(dtype)
        self.max_sizes = max_sizes
        self._by_size = {}

    def arrays(self, n):
        made = self._by_size.get(n)
        if made is None:
            if len(self._by_size) >= self.max_sizes:
                self._by_size.clear()
            *hidden, out = self.units[1:]
            outputs = [np.empty((n, u), dtype=self.dtype) for u in hidden]
            outputs.append(np.empty((n, out), dtype=self.dtype, order="F"))
            shared = np.empty(n * max(hidden, default=0), dtype=self.dtype)
            slopes = [shared[: n * u].reshape(n, u) for u in hidden]
            made = self._by_size[n] = (outputs, slopes)
        return made


def product(A, B, out=None):
    """``A @ B``, written into ``out`` when given, whatever its memory order.

    ``A`` or ``B`` may be a scipy.sparse matrix. BLAS writes a C-ordered
    output; a Fortran-ordered one is the C-ordered ``Bᵀ Aᵀ``.
    """
    if type(A) is not np.ndarray or type(B) is not np.ndarray:
        if sparse.issparse(A) or sparse.issparse(B):
            if out is None:
                return np.asarray(A @ B)
            out[...] = A @ B
            return out
    if out is None:
        return _dense_product(A, B)
    if out.flags.c_contiguous:
        _dense_product(A, B, out)
    elif out.flags.f_contiguous:
        if B.size <= _SMALL_WEIGHTS and A.flags.c_contiguous and not B.flags.c_contiguous:
            # A linear model's weights are coef_.T, column-major; from them
            # and a row-major batch BLAS writes a few output columns at half
            # the speed it reaches from a (tiny) row-major copy.
            B = np.ascontiguousarray(B)
        _dense_product(B.T, A.T, out.T)
    else:
        np.matmul(A, B, out=out)
    return out


# np.matmul and np.dot hand the same products to BLAS; matmul runs large
# products a few per cent faster, dot small ones (less overhead per call) and
# thin ones far faster (an outer product, or one output neuron: matmul keeps
# them from BLAS).
_LARGE_PRODUCT = 1 << 20  # multiply-adds
_THIN = 8
_SMALL_WEIGHTS = 4096  # elements: copied in no time


def _dense_product(A, B, out=None):
    m, k, n = A.shape[0], A.shape[-1], B.shape[-1]
    if m * k * n >= _LARGE_PRODUCT and min(m, k, n) > _THIN:
        return np.matmul(A, B, out=out)
    return np.dot(A, B, out=out)


def column_sums(D, out=None):
    """``Σ_i D_i``, the sum of ``D``'s rows, as the product ``1ᵀ D`` (BLAS reads ``D`` once)."""
    small = type(D) is not np.ndarray or D.shape[0] * D.shape[1] < 4096
    if small or (out is not None and out.dtype != D.dtype):
        return D.sum(axis=0, out=out)
    return np.dot(_constant(1, D.shape[:1], D.dtype), D, out=out)


# ------------------------------------------------------------- constant arrays

_CONSTANTS = {}


def _constant(value, shape, dtype):
    key = (value, shape, dtype)
    A = _CONSTANTS.get(key)
    if A is None:
        if len(_CONSTANTS) >= 16:
            _CONSTANTS.clear()
        A = _CONSTANTS[key] = np.full(shape, value, dtype=dtype)
        A.flags.writeable = False
    return A


def zeros(shape, dtype):
    """A read-only array of zeros, made once per shape and dtype and reused.

    numpy compares two arrays element by element with its vector loops, but an
    array against the scalar 0 several times more slowly: relu's ``max(z, 0)``
    takes its 0 from here.
    """
    return _constant(0, shape, dtype)


# --------------------------------------------------------------- gathering rows


def gather_rows(A, rows):
    """The rows ``rows`` (a slice or an index array) of ``A``, as a new batch.

    ``ndarray.take`` is the fastest gather for an aligned array, but runs
    element by element (hundreds of times slower) on one whose memory is not
    aligned to its item size, as arrays received over a network often are;
    fancy indexing copies those fast.
    """
    if A is None:
        return None
    if type(A) is np.ndarray and A.flags.aligned and not isinstance(rows, slice):
        return A.take(rows, axis=0)
    return A[rows]  # a slice, a sparse matrix, or an array that is not aligned


# ---------------------------------------------------------------- BLAS threads

# Below this many multiply-adds in a batch's largest matrix product, or when
# that product's weight matrix has a side narrower than this, BLAS threads
# cost more in hand-over than they save: small products, and products of a
# tall batch by a thin weight matrix (full-batch L-BFGS on tens of features),
# run faster on one thread (and on a busy machine a thread waiting for a
# core stalls the whole product).
SMALL_PRODUCT = 4_000_000
NARROW_LAYER = 128

_CONTROLLER = []


def _controller():
    # Made once: making it scans the loaded libraries.
    if not _CONTROLLER:
        from threadpoolctl import ThreadpoolController

        _CONTROLLER.append(ThreadpoolController())
    return _CONTROLLER[0]


@contextlib.contextmanager
def one_blas_thread():
    """A context in which BLAS runs on one thread (set from the main thread only).

    The limit is global to the process, and threadpoolctl lets only the first
    thread that changed OpenBLAS's threads change or restore them: so that
    fits running in several threads at once never leave BLAS limited behind
    them, fits in other threads keep BLAS as it is.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    with _controller().limit(limits=1, user_api="blas"):
        yield


def blas_threads_for(units, batch_size):
    """The BLAS context for training a stack of ``units`` on batches of a size."""
    fan_in, fan_out = max(zip(units[:-1], units[1:]), key=lambda layer: layer[0] * layer[1])
    if batch_size * fan_in * fan_out < SMALL_PRODUCT or min(fan_in, fan_out) < NARROW_LAYER:
        return one_blas_thread()
    return contextlib.nullcontext()
