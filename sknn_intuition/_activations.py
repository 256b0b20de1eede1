"""Activation functions ``g`` and their derivatives, as lookup tables.

Every neuron in the package computes ``g(b + w·x)``. The allowed names of ``g``
are the keys of these tables; parameter validation and the docs read them from
here, so the three cannot disagree.

Each activation ``f(Z, out=None)`` maps pre-activations ``Z`` to outputs ``A``
(in place when ``out is Z``). Each derivative ``d(A, out=None)`` returns the
slope ``g'(z)``, written in terms of the *output* ``A = g(z)``: that is all
backpropagation needs, and it saves keeping ``Z``.

Three activations only ever sit at the output, so they have no entry in
:data:`DERIVATIVES`: the perceptron's ``step``, whose slope is zero wherever it
exists (nothing could be backpropagated through it, which is why the
perceptron is trained on its own criterion), the ``softmax``, whose slope the
log-loss absorbs, and ``exp``, whose slope the Poisson loss absorbs (see
:mod:`._losses`).
"""

import numpy as np
from scipy.special import logsumexp

from ._layout import zeros


def identity(Z, out=None):
    """g(z) = z."""
    if out is None:
        return np.array(Z, copy=True)
    if out is not Z:
        out[...] = Z
    return out


def identity_derivative(A, out=None):
    """g'(z) = 1."""
    if out is None:
        return np.ones_like(A)
    out[...] = 1
    return out


def step(Z, out=None):
    """The perceptron's all-or-nothing step: g(z) = 1 if z > 0 else 0."""
    if out is None:
        return (np.asarray(Z) > 0).astype(np.result_type(Z, np.float32))
    return np.greater(Z, 0, out=out, casting="unsafe")


def sigmoid(Z, out=None):
    """g(z) = 1 / (1 + exp(-z)).

    Where ``exp(-z)`` overflows (z below about -709 in float64), the
    quotient is 0, the nearest number to the true value; nothing else can
    overflow or lose precision, and neither warns.
    """
    Z = np.asarray(Z)
    A = np.negative(Z, out=out, dtype=np.result_type(Z, 1.0))
    with np.errstate(over="ignore", under="ignore"):
        np.exp(A, out=A)
        A += 1
        return np.reciprocal(A, out=A)


def sigmoid_derivative(A, out=None):
    """g'(z) = g(z) (1 - g(z)) = A (1 - A)."""
    slope = np.subtract(1, A, out=out, dtype=A.dtype)
    slope *= A
    return slope


def tanh(Z, out=None):
    """g(z) = tanh(z)."""
    return np.tanh(Z) if out is None else np.tanh(Z, out=out)


def tanh_derivative(A, out=None):
    """g'(z) = 1 - tanh(z)² = 1 - A²."""
    slope = np.square(A, out=out)
    np.subtract(1, slope, out=slope)
    return slope


def relu(Z, out=None):
    """g(z) = max(z, 0)."""
    # The 0 as an array of Z's shape (layout only: numpy's two-array loop).
    Z = np.asarray(Z)
    return np.maximum(Z, zeros(Z.shape, Z.dtype), out=out)


def relu_derivative(A, out=None):
    """g'(z) = 1 if z > 0 else 0, i.e. 1 where A > 0."""
    if out is None:
        out = np.empty_like(A)
    return np.greater(A, 0, out=out, casting="unsafe")


def exp(Z, out=None):
    """g(z) = e^z: a positive output (the log link of a Poisson regression).

    A value too small for the dtype is 0, its nearest number, without a warning.
    """
    with np.errstate(under="ignore"):
        return np.exp(Z) if out is None else np.exp(Z, out=out)


def softmax(Z, out=None):
    """Row-wise ``exp(z_k) / Σ_j exp(z_j)``, shifted by the row's maximum.

    Subtracting the largest ``z`` of each row changes nothing in the result
    and keeps ``exp`` from overflowing.
    """
    out = np.array(Z, copy=True) if out is None else identity(Z, out=out)
    out -= out.max(axis=1, keepdims=True)
    with np.errstate(under="ignore"):  # a probability too small for the dtype is 0
        np.exp(out, out=out)
        out /= out.sum(axis=1, keepdims=True)
    return out


ACTIVATIONS = {
    "identity": identity,
    "step": step,
    "sigmoid": sigmoid,
    "tanh": tanh,
    "relu": relu,
    "softmax": softmax,
    "exp": exp,
}

DERIVATIVES = {
    "identity": identity_derivative,
    "sigmoid": sigmoid_derivative,
    "tanh": tanh_derivative,
    "relu": relu_derivative,
}

# The activations a hidden layer may use: those with a derivative to
# backpropagate through.
HIDDEN_ACTIVATIONS = tuple(DERIVATIVES)

# Other names for the same functions: scikit-learn calls the sigmoid
# 'logistic', so that parameter grids written for its MLP work unchanged.
ALIASES = {"logistic": "sigmoid"}


# The output layer read in log space, and the output activations' inverses.
# Probabilities that round to 0 (σ(-800) is below the smallest double) keep
# their exact logarithms here, and the bias a model starts from is the inverse
# of its output activation at the mean target.


def log_sigmoid(Z, out=None):
    """log σ(z) = min(z, 0) - log(1 + e^{-|z|}), exact in both tails.

    ``e^{-|z|}`` is at most 1, so nothing overflows; ``log1p`` keeps the
    digits of ``log σ(z) ≈ -e^{-z}`` for large ``z``.
    """
    Z = np.asarray(Z, dtype=np.result_type(Z, 1.0))
    tail = np.abs(Z)
    np.negative(tail, out=tail)
    with np.errstate(under="ignore"):
        np.exp(tail, out=tail)
    np.log1p(tail, out=tail)
    out = np.minimum(Z, 0, out=out)
    out -= tail
    return out


def log_softmax(Z, out=None):
    """Row-wise log of the softmax: ``z_k - log Σ_j e^{z_j}``.

    Written ``u_k - log Σ_j e^{u_j}`` with ``u = z - max_j z_j``: the shift
    changes nothing in the result, keeps ``exp`` in range, and is exact for
    the largest ``z`` (``u = 0``), so that the logarithm of a probability
    near 1 keeps its digits however large ``|z|`` is.
    """
    out = np.array(Z, copy=True) if out is None else identity(Z, out=out)
    out -= out.max(axis=1, keepdims=True)
    with np.errstate(under="ignore"):  # terms too small for the dtype add 0
        out -= logsumexp(out, axis=1, keepdims=True)
    return out


def logit(P):
    """σ⁻¹(p) = log(p / (1 - p)), the log-odds, for p in (0, 1)."""
    return np.log(P) - np.log1p(-P)


def centred_log(P):
    """A softmax's inverse: ``z_k = log p_k - mean_j log p_j`` (along the last axis).

    The softmax forgets a shift common to all the ``z_k``; this is the
    ``z`` that sums to zero.
    """
    L = np.log(P)
    L -= L.mean(axis=-1, keepdims=True)
    return L


# log g(z) of the outputs that are probabilities.
LOG_ACTIVATIONS = {
    "sigmoid": log_sigmoid,
    "softmax": log_softmax,
}

# g⁻¹ of each output activation that has one (the step has none): the z at
# which the output is a given value.
INVERSE_ACTIVATIONS = {
    "identity": identity,
    "sigmoid": logit,
    "softmax": centred_log,
    "exp": np.log,
}
