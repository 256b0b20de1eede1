"""Everything that exists only for speed, in one place.

:func:`loss_and_gradients` has the signature of
:func:`._network.loss_and_gradients` and computes the same numbers (the tests
hold the two equal); it picks a faster form when the data's layout allows one,
and otherwise runs the plain path:

* **Biases inside the matrix products** (dense input, a network whose weights
  and biases tile one flat buffer). A bias is the weight of an input that is
  always 1: with each layer's parameters laid out as one block ``[W; b]`` and
  a last column of ones on each layer's input, ``[A, 1] @ [W; b] = A @ W + b``
  and ``[A, 1].T @ D = [dW; db]``, so no pass over a batch is spent on adding
  biases or summing their gradients. The batch arrays live in a workspace made
  once per fit, and each hidden layer's error is written over its activations
  once they are used (half the memory a batch touches).
* **One fused layer** (dense input, no hidden layer: the perceptron and the
  sigmoid neuron). With a few neurons and large batches numpy's per-call
  overhead is a large part of a step, so the loss and its gradient are
  computed in fewer, in-place operations; the sigmoid neuron's decision
  values are laid out one row per neuron, so that sums over the classes and
  over the samples run along contiguous memory.
* **BLAS on one thread for small products**, where handing work to BLAS's
  threads costs more than it saves.

The flat parameter buffer also lets an optimizer work on the whole network as
one array (:func:`flat_views`).
"""

import contextlib
import threading

import numpy as np
from scipy import sparse
from scipy.special import expit

from . import _network
from ._activations import ACTIVATIONS, DERIVATIVES
from ._losses import loss_and_error


def loss_and_gradients(stack, X, Y, sample_weight, coef_grads, intercept_grads, scratch=None):
    """:func:`._network.loss_and_gradients`, in its fastest form for the layout."""
    if scratch is not None and not sparse.issparse(X):
        if len(stack.coefs) == 1 and (stack.loss, stack.output) in _FUSED_LAYER:
            fused = _fused_layer_arrays(stack, coef_grads, intercept_grads)
            if fused is not None:
                return _FUSED_LAYER[stack.loss, stack.output](*fused, X, Y, sample_weight)
        blocks = _blocks(stack, coef_grads, intercept_grads, scratch)
        if blocks is not None:
            return _stacked_loss_and_gradients(stack, blocks, X, Y, sample_weight, scratch)
    return _network.loss_and_gradients(
        stack, X, Y, sample_weight, coef_grads, intercept_grads
    )


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


# ------------------------------------------------ biases inside the products


def stacked_layers(params):
    """The blocks ``[W_l; b_l]`` of parameters laid out as ``[W_1, b_1, W_2, ...]``.

    ``params`` (weights and biases, alternating) must tile one flat buffer in
    that order; the blocks are views of it, so writing to them writes the
    weights and biases. Returns None when the arrays are not laid out so.
    """
    flat = tiled_buffer(params)
    if flat is None or len(params) % 2:
        return None
    blocks, start = [], 0
    for W, b in zip(params[0::2], params[1::2]):
        if W.ndim != 2 or b.shape != W.shape[1:]:
            return None
        fan_in, fan_out = W.shape
        stop = start + (fan_in + 1) * fan_out
        blocks.append(flat[start:stop].reshape(fan_in + 1, fan_out))
        start = stop
    return blocks


def _blocks(stack, coef_grads, intercept_grads, scratch):
    # The blocks of the parameters and of the gradients, worked out once per
    # fit (the trainer passes the same arrays at every step).
    key = tuple(map(id, [*stack.coefs, *stack.intercepts, *coef_grads, *intercept_grads]))
    if scratch.get("blocks_key") != key:
        if any(b is None for b in stack.intercepts):
            blocks = None
        else:
            blocks = stacked_layers(_interleave(stack.coefs, stack.intercepts))
            grads = stacked_layers(_interleave(coef_grads, intercept_grads))
            blocks = None if blocks is None or grads is None else (blocks, grads)
        scratch["blocks_key"], scratch["blocks"] = key, blocks
    return scratch["blocks"]


def _interleave(coefs, intercepts):
    return [p for layer in zip(coefs, intercepts) for p in layer]


class StackedWorkspace:
    """Batch arrays for :func:`forward_stacked` and :func:`backward_stacked`.

    ``buffers(n)`` returns ``(X1, outputs, masks, zeros)``: the input with a
    last column of ones, ``(n, n_features + 1)``; for each hidden layer an
    ``(n, units + 1)`` array for its activations, last column ones (the
    backward pass overwrites the rest with the layer's error), then the
    output layer's ``(n, units)``; for each hidden layer a boolean array for
    a relu's mask, and a read-only array of zeros of its shape (numpy
    vectorises ``maximum`` of two arrays, not of an array and a scalar, so
    the relu compares against zeros). Made once per batch
    size (an epoch has at most two: the batch and the remainder) and reused.
    """

    def __init__(self, units, dtype, max_sizes=4):
        self.units = list(units)
        self.dtype = np.dtype(dtype)
        self.max_sizes = max_sizes
        self._by_size = {}

    def buffers(self, n):
        bufs = self._by_size.get(n)
        if bufs is None:
            if len(self._by_size) >= self.max_sizes:
                self._by_size.clear()
            bufs = self._by_size[n] = self._make(n)
        return bufs

    def _make(self, n):
        widths = [u + 1 for u in self.units[:-1]] + [self.units[-1]]
        X1, *outputs = [np.empty((n, w), dtype=self.dtype) for w in widths]
        for A in [X1, *outputs[:-1]]:
            A[:, -1] = 1
        masks = [np.empty(A.shape, dtype=bool) for A in outputs[:-1]]
        zeros = [np.zeros_like(A) for A in outputs[:-1]]
        for Z in zeros:
            Z.flags.writeable = False
        return X1, outputs, masks, zeros


def forward_stacked(blocks, activations, X1, outputs, zeros):
    """:func:`._network.forward` with the biases inside the blocks ``[W_l; b_l]``.

    ``X1``, ``outputs`` and ``zeros`` come from
    :meth:`StackedWorkspace.buffers`, with the batch in ``X1[:, :-1]``. Fills
    ``outputs`` (the hidden layers' last columns stay ones; the output layer
    gets ``Z_L``) and returns them.
    """
    A = X1
    last = len(blocks) - 1
    for layer, (Wb, out) in enumerate(zip(blocks, outputs)):
        if layer == last:
            np.dot(A, Wb, out=out)
            break
        # Into a strided view: np.matmul (np.dot wants a contiguous output).
        Z = out[:, :-1]
        np.matmul(A, Wb, out=Z)
        act = activations[layer]
        if act == "relu":
            # On the whole array, ones column included (relu(1) = 1): one
            # pass over contiguous memory, against an array of zeros.
            np.maximum(out, zeros[layer], out=out)
        elif act != "identity":
            ACTIVATIONS[act](Z, out=Z)
        A = out
    return outputs


def backward_stacked(blocks, activations, X1, outputs, D, masks, block_grads):
    """:func:`._network.backward` with the biases inside the blocks ``[W_l; b_l]``.

    ``D`` holds ``∂L/∂Z_L``; ``block_grads[l]`` (shaped like ``blocks[l]``)
    receives ``[∂L/∂W_l; ∂L/∂b_l]``; ``masks`` is scratch space (see
    :class:`StackedWorkspace`). Each hidden layer's error is written over its
    activations once the gradient that needs them is computed (the ones
    columns are set back).
    """
    last = len(blocks) - 1
    for layer in range(last, -1, -1):
        # The output error is contiguous, a hidden layer's a strided view:
        # np.dot hands even thin products (one output unit) to BLAS, where
        # np.matmul does not; np.matmul takes strided views without a copy.
        product = np.dot if layer == last else np.matmul
        A_prev = X1 if layer == 0 else outputs[layer - 1]
        # [A, 1].T @ D = [A.T @ D; Σ_i D]: both gradients in one product.
        product(A_prev.T, D, out=block_grads[layer])
        if layer == 0:
            break
        # D_{l-1} = (D_l @ W_l.T) * g'(Z_{l-1}), into A_{l-1}'s array, whole
        # (contiguous) width; what g' needs of A_{l-1} is kept first.
        act = activations[layer - 1]
        if act == "relu":
            mask = np.greater(A_prev, 0, out=masks[layer - 1])
            product(D, blocks[layer].T, out=A_prev)
            np.multiply(A_prev, mask, out=A_prev)
        elif act == "identity":
            product(D, blocks[layer].T, out=A_prev)
        else:
            A_old = A_prev[:, :-1].copy()
            product(D, blocks[layer].T, out=A_prev)
            DERIVATIVES[act](A_old, A_prev[:, :-1])
        A_prev[:, -1] = 1
        D = A_prev[:, :-1]


def _stacked_loss_and_gradients(stack, blocks, X, Y, sample_weight, scratch):
    blocks, block_grads = blocks
    workspace = scratch.get("workspace")
    if workspace is None or workspace.dtype != blocks[0].dtype:
        units = [blocks[0].shape[0] - 1, *(B.shape[1] for B in blocks)]
        workspace = scratch["workspace"] = StackedWorkspace(units, blocks[0].dtype)
    X1, outputs, masks, zeros = workspace.buffers(X.shape[0])
    X1[:, :-1] = X
    forward_stacked(blocks, stack.activations, X1, outputs, zeros)
    loss, D = loss_and_error(stack.loss, stack.output, outputs[-1], Y, sample_weight)
    backward_stacked(blocks, stack.activations, X1, outputs, D, masks, block_grads)
    return loss, D


# ----------------------------------------------------------- one fused layer


def _fused_layer_arrays(stack, coef_grads, intercept_grads):
    # The fused forms work on (n_outputs, n_features) weights, C-contiguous:
    # the linear models' coef_, of which the stack holds the transpose.
    coef, gcoef = stack.coefs[0].T, coef_grads[0].T
    if not (coef.flags.c_contiguous and gcoef.flags.c_contiguous):
        return None
    return coef, stack.intercepts[0], gcoef, intercept_grads[0]


def _perceptron_layer(coef, intercept, gcoef, gintercept, X, Y, sw):
    # The perceptron criterion and its gradient in place: M = y z, the
    # margins; the criterion is -min(M, 0); ∂L/∂z = -s_i y_i / N on mistakes.
    n = X.shape[0]
    M = X @ coef.T
    if intercept is not None:
        M += intercept
    M *= Y
    mistakes = M <= 0
    np.minimum(M, 0, out=M)
    loss = -float(M.sum() if sw is None else sw @ M.sum(axis=1)) / n
    G = np.multiply(Y, mistakes, out=M)
    if sw is not None:
        G *= sw[:, None]
    G *= -1.0 / n
    np.dot(G.T, X, out=gcoef)
    if gintercept is not None:
        np.sum(G, axis=0, out=gintercept)
    return loss, G


def _sigmoid_layer(loss_name, output):
    def loss_and_gradients(coef, intercept, gcoef, gintercept, X, Y, sw):
        n = X.shape[0]
        Zt = np.dot(coef, X.T)  # one row per neuron
        if intercept is not None:
            Zt += intercept[:, None]
        Yt = Y.T if sw is None else Y.T * sw  # s_i y_ik
        total, dZ = _SIGMOID_LOSSES[loss_name, output](Zt, Y, Yt, sw)
        dZ *= 1.0 / n
        np.dot(dZ, X, out=gcoef)
        if gintercept is not None:
            np.sum(dZ, axis=1, out=gintercept)
        return total / n, dZ

    return loss_and_gradients


def _softmax_log_loss_t(Zt, Y, Yt, sw):
    # Σ_i s_i (log Σ_k e^z_k - Σ_k y_k z_k); s (p - y) = e^z (s / Σ e^z) - s y
    Zt -= Zt.max(axis=0)
    total = -float(np.vdot(Yt, Zt))
    P = np.exp(Zt, out=Zt)
    norm = P.sum(axis=0)
    log_norm = np.log(norm)
    total += float(log_norm.sum() if sw is None else sw @ log_norm)
    P *= np.divide(1.0 if sw is None else sw, norm, out=norm)
    return total, np.subtract(P, Yt, out=P)


def _sigmoid_log_loss_t(Zt, Y, Yt, sw):
    # Σ_i s_i Σ_k log(1 + e^z_k) - y_k z_k;  s (σ(z) - y)
    L = np.logaddexp(0, Zt)
    total = float(L.sum() if sw is None else (L @ sw).sum())
    total -= float(np.vdot(Yt, Zt))
    dZ = expit(Zt, out=Zt)
    if sw is not None:
        dZ *= sw
    dZ -= Yt
    return total, dZ


def _sigmoid_squared_error_t(Zt, Y, Yt, sw):
    # Σ_i s_i mean_k (σ(z_k) - y_k)²;  (2/K) s (σ - y) σ (1 - σ)
    k = Y.shape[1]
    P = expit(Zt, out=Zt)
    D = P - Y.T
    if sw is None:
        total = float(np.vdot(D, D)) / k
    else:
        total = float((np.square(D) @ sw).sum()) / k
        D *= sw
    D *= P
    P -= 1
    dZ = np.multiply(D, P, out=P)  # s (σ - y) σ (σ - 1)
    dZ *= -2.0 / k
    return total, dZ


_SIGMOID_LOSSES = {
    ("log_loss", "softmax"): _softmax_log_loss_t,
    ("log_loss", "sigmoid"): _sigmoid_log_loss_t,
    ("squared_error", "sigmoid"): _sigmoid_squared_error_t,
}

_FUSED_LAYER = {
    ("perceptron", "step"): _perceptron_layer,
    **{pair: _sigmoid_layer(*pair) for pair in _SIGMOID_LOSSES},
}


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
