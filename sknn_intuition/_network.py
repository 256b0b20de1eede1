"""The feed-forward network: a stack of dense layers, forward and backward.

Layer ``l`` (``l = 1 .. L``) holds the weights ``W_l`` of shape
``(units_{l-1}, units_l)`` and the biases ``b_l`` of shape ``(units_l,)``;
every neuron in it computes ``g_l(b + w·input)``, for a whole batch at once::

    A_0 = X
    A_l = g_l(A_{l-1} @ W_l + b_l)          # forward, layer by layer

Backpropagation is the chain rule taken backwards through the same lines.
Given ``D_L = ∂L/∂Z_L`` at the output (from the loss, see
:func:`output_loss_and_delta`)::

    dW_l = A_{l-1}.T @ D_l                  # ∂L/∂W_l
    db_l = D_l.sum(axis=0)                  # ∂L/∂b_l
    D_{l-1} = (D_l @ W_l.T) * g'_{l-1}      # the error sent one layer back

Every derivative is written in terms of the layer's *output* ``A``
(``σ' = A(1 - A)``, ``tanh' = 1 - A²``, ``relu' = [A > 0]``), so the forward
pass keeps only the activations, and the backward pass overwrites them in
place. The arrays of a batch live in a :class:`Workspace` that is reused from
one batch to the next: a training epoch allocates nothing of size
``batch × width`` after its first batch.

These functions know nothing about estimators; the feed-forward estimators
(and any other network-shaped model) call them.
"""

import math

import numpy as np
from scipy import sparse
from scipy.special import xlogy

from ._activations import ACTIVATIONS, DERIVATIVES
from ._optimizers import tiled_buffer

# The activations a hidden layer may use: every entry of the table but the
# step, whose derivative is zero almost everywhere (nothing to backpropagate).
HIDDEN_ACTIVATIONS = tuple(name for name in ACTIVATIONS if name != "step")

# Probabilities are kept this far from 0 and 1 before taking logs.
_EPS = {np.dtype(np.float32): 1e-7, np.dtype(np.float64): 1e-15}


def softmax(Z, out=None):
    """Row-wise softmax ``exp(z_k) / Σ_j exp(z_j)``, shifted by the row max."""
    if out is None:
        out = np.array(Z, copy=True)
    elif out is not Z:
        out[...] = Z
    out -= out.max(axis=1, keepdims=True)
    np.exp(out, out=out)
    out /= out.sum(axis=1, keepdims=True)
    return out


def _relu(Z, out=None):
    # max(z, 0) against an array of zeros rather than the scalar 0: numpy
    # vectorises np.maximum for two arrays but not for an array and a scalar,
    # and the array form is about five times faster on a batch. Large inputs
    # go through in blocks of rows, so the zeros stay small.
    if out is None:
        out = np.empty_like(Z)
    if Z.size <= _ZEROS_SIZE:  # a batch: one call, zeros of its shape
        return np.maximum(Z, _zeros_shaped(Z.shape, Z.dtype), out=out)
    n_rows = Z.shape[0]
    row = math.prod(Z.shape[1:])
    if n_rows == 0 or row == 0:
        return out
    block = max(1, min(n_rows, _ZEROS_SIZE // row))
    zeros = _zeros(block * row, Z.dtype).reshape((block, *Z.shape[1:]))
    for start in range(0, n_rows, block):
        stop = min(start + block, n_rows)
        np.maximum(Z[start:stop], zeros[: stop - start], out=out[start:stop])
    return out


def _relu_derivative(A, delta):
    # The same as DERIVATIVES["relu"], written as one multiplication by the
    # mask A > 0: about six times faster than a masked assignment.
    return np.multiply(delta, A > 0, out=delta)


def _sigmoid_derivative(A, delta):
    # delta *= A (1 - A) with a single temporary.
    tmp = np.subtract(1, A, dtype=A.dtype)
    tmp *= A
    delta *= tmp
    return delta


def _tanh_derivative(A, delta):
    # delta *= 1 - A² with a single temporary.
    tmp = np.square(A)
    np.subtract(1, tmp, out=tmp)
    delta *= tmp
    return delta


# In-place forward activations and their derivatives (in terms of A). The
# hidden-layer names are those of the package tables; 'softmax' only ever
# sits at the output, paired with the log-loss (see output_loss_and_delta).
FORWARD = {**ACTIVATIONS, "relu": _relu, "softmax": softmax}
BACKWARD = {
    **DERIVATIVES,
    "relu": _relu_derivative,
    "sigmoid": _sigmoid_derivative,
    "tanh": _tanh_derivative,
}


def layer_units(n_features, hidden_layer_sizes, n_outputs):
    """Sizes of all layers, input first: ``[n_features, *hidden, n_outputs]``."""
    return [int(n_features), *(int(h) for h in hidden_layer_sizes), int(n_outputs)]


# The weight initialisations a network may start from.
INITS = ("glorot", "he")


def init_parameters(units, activations, dtype, random_state, init="glorot"):
    """Random weights scaled to each layer's fan-in and fan-out, zero biases.

    Parameters
    ----------
    units : list of int
        Sizes of the layers, input first (see :func:`layer_units`).
    activations : list of str
        The activation of each non-input layer (hidden layers, then output).
    dtype : numpy dtype
    random_state : numpy.random.RandomState
    init : {'glorot', 'he'}, default='glorot'
        The scale of the weights of relu layers (see Notes).

    Returns
    -------
    coefs, intercepts : lists of ndarray
        ``coefs[l]`` has shape ``(units[l], units[l + 1])``.

    Notes
    -----
    Glorot (Xavier) initialisation, ``U(-r, r)`` with
    ``r = √(6 / (fan_in + fan_out))``, keeps the variance of both the
    activations and the back-propagated errors roughly constant from layer
    to layer for activations with slope 1 at zero (tanh, identity); it is
    what scikit-learn's MLP uses. He initialisation, ``r = √(6 / fan_in)``,
    doubles the variance for relu layers, which zero half of their inputs,
    so that it does not halve from one layer to the next: that matters for
    deep relu stacks. With ``init='he'`` relu layers take He's scale and the
    others Glorot's. The default is Glorot's for every layer: on the shallow
    networks this package is about, trained by SGD with momentum, the larger
    He weights trained less well at the same learning rate (on the package's
    benchmark regression and on the digits). Sigmoid layers keep Glorot's
    scale too (Glorot's factor 4 for them saturated the sigmoids on unscaled
    inputs). Biases start at zero.
    """
    coefs, intercepts = [], []
    for fan_in, fan_out, act in zip(units[:-1], units[1:], activations):
        if init == "he" and act == "relu":
            bound = np.sqrt(6.0 / fan_in)
        else:
            bound = np.sqrt(6.0 / (fan_in + fan_out))
        W = random_state.uniform(-bound, bound, size=(fan_in, fan_out))
        coefs.append(W.astype(dtype))
        intercepts.append(np.zeros(fan_out, dtype=dtype))
    return coefs, intercepts


class Workspace:
    """Preallocated activation and error arrays for batches of a given size.

    ``buffers(n)`` returns ``(acts, deltas)``: for each non-input layer an
    ``(n, units)`` array for its activations and one for its error ``D``. The
    arrays for each batch size are made once and reused (an epoch has at most
    two sizes: the full batch and the remainder).
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
        return tuple(
            [np.empty((n, u), dtype=self.dtype) for u in self.units[1:]]
            for _ in range(2)
        )


def forward(coefs, intercepts, activations, X, acts=None):
    """Run the network on ``X``; return the activations of every layer.

    Parameters
    ----------
    coefs, intercepts : lists of ndarray
    activations : list of str
        One name per non-input layer (keys of :data:`FORWARD`).
    X : ndarray or CSR matrix of shape (n_samples, n_features)
    acts : list of ndarray, optional
        Preallocated outputs, one ``(n_samples, units)`` array per layer.

    Returns
    -------
    list of ndarray
        ``[A_1, ..., A_L]``; the last is the network's output.
    """
    if acts is None:
        acts = [
            np.empty((X.shape[0], W.shape[1]), dtype=W.dtype) for W in coefs
        ]
    A = X
    sparse_input = sparse.issparse(X)
    for W, b, act, out in zip(coefs, intercepts, activations, acts):
        # Z = A @ W + b, then A = g(Z), all in the output array.
        if sparse_input and A is X:
            out[...] = A @ W
        else:
            np.dot(A, W, out=out)
        out += b
        FORWARD[act](out, out=out)
        A = out
    return acts


def backward(coefs, activations, X, acts, deltas, coef_grads, intercept_grads):
    """Backpropagate ``deltas[-1] = ∂L/∂Z_L`` and fill the gradients in place.

    ``acts`` are the outputs of :func:`forward` on ``X``; ``deltas[l]`` is
    scratch space of the same shape as ``acts[l]`` (the hidden layers' are
    overwritten with their errors). ``coef_grads`` and ``intercept_grads``
    receive ``∂L/∂W_l`` and ``∂L/∂b_l``.
    """
    sparse_input = sparse.issparse(X)
    for layer in range(len(coefs) - 1, -1, -1):
        D = deltas[layer]
        A_prev = X if layer == 0 else acts[layer - 1]
        # dW_l = A_{l-1}.T @ D_l ; db_l = Σ_i D_l
        if sparse_input and layer == 0:
            coef_grads[layer][...] = A_prev.T @ D
        else:
            np.dot(A_prev.T, D, out=coef_grads[layer])
        # Σ_i D_l as a vector-matrix product: BLAS is a few times faster
        # than a column sum here.
        np.dot(_ones(D.shape[0], D.dtype), D, out=intercept_grads[layer])
        if layer > 0:
            # D_{l-1} = (D_l @ W_l.T) * g'(Z_{l-1})
            D_prev = deltas[layer - 1]
            np.dot(D, coefs[layer].T, out=D_prev)
            BACKWARD[activations[layer - 1]](acts[layer - 1], D_prev)


# --------------------------------------------------- the bias as a weight
#
# A neuron's bias is the weight of an input that is always 1. Training lays
# each layer's weights and biases out as one block ``[W_l; b_l]`` of shape
# ``(fan_in + 1, fan_out)`` (the biases as its last row) and gives every
# layer's input a last column of ones: then ``[A, 1] @ [W; b] = A @ W + b``
# and ``[A, 1].T @ D = [dW; db]``, so the biases ride along in the matrix
# products instead of costing a pass of their own over each batch.


def stacked_layers(params):
    """The blocks ``[W_l; b_l]`` of parameters laid out as ``[W_1, b_1, W_2, ...]``.

    ``params`` (weights and biases, alternating) must tile one flat buffer in
    that order (see :func:`._optimizers.tiled_buffer`); the blocks are views
    of it, so writing to them writes the weights and biases. Returns None
    when the arrays are not laid out so.
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


class StackedWorkspace(Workspace):
    """Batch arrays for :func:`forward_stacked` and :func:`backward_stacked`.

    ``buffers(n)`` returns ``(X1, acts, delta, masks)``: the input with a
    last column of ones, ``(n, n_features + 1)``; for each hidden layer an
    ``(n, units + 1)`` array for its activations, last column ones (the
    backward pass overwrites the rest with the layer's error), and a boolean
    one for a relu's mask; for the output layer ``(n, units)`` arrays for its
    activations and its error. Made once per batch size and reused.
    """

    def _make(self, n):
        widths = [u + 1 for u in self.units[:-1]] + [self.units[-1]]
        X1, *acts = [np.empty((n, w), dtype=self.dtype) for w in widths]
        for A in [X1, *acts[:-1]]:
            A[:, -1] = 1
        masks = [np.empty(A.shape, dtype=bool) for A in acts[:-1]]
        return X1, acts, np.empty_like(acts[-1]), masks


def forward_stacked(blocks, activations, X1, acts):
    """:func:`forward` with the biases inside the blocks ``[W_l; b_l]``.

    ``X1`` and ``acts`` come from :meth:`StackedWorkspace.buffers`, with the
    batch in ``X1[:, :-1]``. Fills ``acts`` (the hidden layers' last columns
    stay ones) and returns them.
    """
    A = X1
    last = len(blocks) - 1
    for layer, (Wb, act, out) in enumerate(zip(blocks, activations, acts)):
        if layer == last:
            np.dot(A, Wb, out=out)
            FORWARD[act](out, out=out)
            break
        # Into a strided view: np.matmul (np.dot wants a contiguous output).
        Z = out[:, :-1]
        np.matmul(A, Wb, out=Z)
        if act == "relu":
            # On the whole array, ones column included (relu(1) = 1): one
            # pass over contiguous memory.
            _relu(out, out=out)
        elif act != "identity":
            FORWARD[act](Z, out=Z)
        A = out
    return acts


def backward_stacked(blocks, activations, X1, acts, delta, masks, block_grads):
    """:func:`backward` with the biases inside the blocks ``[W_l; b_l]``.

    ``delta`` holds ``∂L/∂Z_L``; ``block_grads[l]`` (shaped like
    ``blocks[l]``) receives ``[∂L/∂W_l; ∂L/∂b_l]``; ``masks`` is scratch
    space (see :class:`StackedWorkspace`). Each hidden layer's error is
    written over its activations, once the gradient that needs them is
    computed (the ones columns are kept): a batch then needs half the
    memory, and more of it stays in the cache.
    """
    D = delta
    last = len(blocks) - 1
    for layer in range(last, -1, -1):
        # The output error is contiguous, a hidden layer's a strided view:
        # np.dot hands even thin products (one output unit) to BLAS, where
        # np.matmul does not; np.matmul takes strided views without a copy.
        product = np.dot if layer == last else np.matmul
        A_prev = X1 if layer == 0 else acts[layer - 1]
        # [A, 1].T @ D = [A.T @ D; Σ_i D]: both gradients in one product.
        product(A_prev.T, D, out=block_grads[layer])
        if layer == 0:
            break
        # D_{l-1} = (D_l @ W_l.T) * g'(Z_{l-1}), into A_{l-1}'s array, whole
        # (contiguous) width: the ones column gets D_l @ b_l, and is set back
        # to ones after. What g' needs of A_{l-1} is kept first: the relu's
        # mask, or a copy of the activations for the other slopes.
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
            BACKWARD[act](A_old, A_prev[:, :-1])
        A_prev[:, -1] = 1
        D = A_prev[:, :-1]


_ONES = {}


def _ones(n, dtype):
    key = (n, np.dtype(dtype))
    ones = _ONES.get(key)
    if ones is None:
        if len(_ONES) > 16:
            _ONES.clear()
        ones = _ONES[key] = np.ones(n, dtype=dtype)
        ones.flags.writeable = False
    return ones


# The largest block of zeros _relu compares against (elements).
_ZEROS_SIZE = 1 << 20
_ZEROS = {}


def _zeros(size, dtype):
    # A read-only zero vector of at least ``size`` elements, one per dtype.
    dtype = np.dtype(dtype)
    zeros = _ZEROS.get(dtype)
    if zeros is None or zeros.size < size:
        zeros = _ZEROS[dtype] = np.zeros(max(size, 1 << 16), dtype=dtype)
        zeros.flags.writeable = False
    return zeros[:size]


_ZEROS_SHAPED = {}


def _zeros_shaped(shape, dtype):
    # Read-only zeros of a given shape (views of one block per dtype).
    key = (shape, np.dtype(dtype))
    zeros = _ZEROS_SHAPED.get(key)
    if zeros is None:
        if len(_ZEROS_SHAPED) > 64:
            _ZEROS_SHAPED.clear()
        zeros = _ZEROS_SHAPED[key] = _zeros(math.prod(shape), dtype).reshape(shape)
    return zeros


def _clip(P):
    eps = _EPS.get(P.dtype, 1e-15)
    return np.clip(P, eps, 1 - eps)


def output_loss(loss, out_activation, Y, P):
    """Per-sample loss ``l_i`` (shape ``(n_samples,)``) of outputs ``P``.

    ``'squared_error'`` is ``mean_k (p_ik - y_ik)²`` (no ½); ``'log_loss'``
    is ``-Σ_k y_ik log p_ik`` after a softmax, or the binary cross-entropy
    ``-Σ_k [y_ik log p_ik + (1 - y_ik) log(1 - p_ik)]`` after a sigmoid.
    """
    if loss == "squared_error":
        diff = P - Y
        return np.einsum("ij,ij->i", diff, diff) / Y.shape[1]
    Pc = _clip(P)
    if out_activation == "softmax":
        return -np.einsum("ij,ij->i", Y, np.log(Pc))
    return -(xlogy(Y, Pc) + xlogy(1 - Y, 1 - Pc)).sum(axis=1)


def output_loss_and_delta(loss, out_activation, Y, P, delta):
    """Per-sample loss, and ``∂l_i/∂Z_L`` written into ``delta``.

    The pairs a network uses at its output make the error at ``Z`` simple:

    * squared error: ``∂l_i/∂p = 2 (p - y) / K``, times ``g'(z)`` of the output
      activation (1 for identity, ``p(1 - p)`` for the sigmoid);
    * log-loss after a softmax, or binary log-loss after a sigmoid:
      ``∂l_i/∂z = p - y`` exactly (the activation's slope cancels).
    """
    if loss == "squared_error":
        # The per-sample loss from the difference already in delta: the
        # same numbers as output_loss, without a second pass over P - Y.
        np.subtract(P, Y, out=delta)
        per_sample = np.einsum("ij,ij->i", delta, delta)
        if Y.shape[1] != 1:
            per_sample /= Y.shape[1]
        delta *= 2.0 / Y.shape[1]
        BACKWARD[out_activation](P, delta)
        return per_sample
    if out_activation not in ("softmax", "sigmoid"):
        raise ValueError(
            f"loss='log_loss' needs a softmax or sigmoid output, not {out_activation!r}."
        )
    per_sample = output_loss(loss, out_activation, Y, P)
    np.subtract(P, Y, out=delta)
    return per_sample


def batch_loss_and_delta(
    loss, out_activation, Y, P, delta, sample_weight, scale, grad_scale=1.0
):
    """``scale * Σ_i s_i l_i`` over the rows, and its gradient in ``delta``.

    The same as :func:`output_loss_and_delta` followed by weighting each row
    by ``sample_weight`` (None: all 1) and multiplying by ``scale`` (``1/n``
    for the mean over a batch of ``n``), in fewer passes: the squared error
    with no sample weights needs three operations on the output. With
    ``grad_scale``, ``delta`` (and so every gradient backpropagated from it)
    is multiplied by it too; the loss returned is not.
    """
    if loss == "squared_error":
        np.subtract(P, Y, out=delta)
        factor = scale / Y.shape[1]
        if sample_weight is None:
            total = float(np.vdot(delta, delta)) * factor
            delta *= 2.0 * factor * grad_scale
        else:
            per_sample = np.einsum("ij,ij->i", delta, delta)
            total = float(np.dot(per_sample, sample_weight)) * factor
            delta *= (sample_weight * (2.0 * factor * grad_scale))[:, None]
        if out_activation != "identity":
            BACKWARD[out_activation](P, delta)
        return total
    per_sample = output_loss_and_delta(loss, out_activation, Y, P, delta)
    if sample_weight is None:
        delta *= scale * grad_scale
        return float(per_sample.sum()) * scale
    delta *= (sample_weight * (scale * grad_scale))[:, None]
    return float(np.dot(per_sample, sample_weight)) * scale
