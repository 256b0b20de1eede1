"""Activation functions ``g`` and their derivatives, as lookup tables.

Every neuron in the package computes ``g(b + w·x)``. The allowed names of ``g``
are the keys of these tables; parameter validation and the docs read them from
here, so the three cannot disagree.

Each activation ``f(Z, out=None)`` maps pre-activations ``Z`` to outputs ``A``
(in place when ``out is Z``). Each derivative ``d(A, delta)`` multiplies
``delta`` in place by ``g'(z)``, written in terms of the *output* ``A = g(z)``:
that is all backpropagation needs, and it saves keeping ``Z``.

Three activations only ever sit at the output, so they have no entry in
:data:`DERIVATIVES`: the perceptron's ``step``, whose slope is zero wherever it
exists (nothing could be backpropagated through it, which is why the
perceptron is trained on its own criterion), the ``softmax``, whose slope the
log-loss absorbs, and ``exp``, whose slope the Poisson loss absorbs (see
:mod:`._losses`).
"""

import numpy as np
from scipy.special import expit


def identity(Z, out=None):
    """g(z) = z."""
    if out is None:
        return np.array(Z, copy=True)
    if out is not Z:
        out[...] = Z
    return out


def identity_derivative(A, delta):
    """g'(z) = 1: delta is unchanged."""
    return delta


def step(Z, out=None):
    """The perceptron's all-or-nothing step: g(z) = 1 if z > 0 else 0."""
    if out is None:
        return (np.asarray(Z) > 0).astype(np.result_type(Z, np.float32))
    return np.greater(Z, 0, out=out, casting="unsafe")


def sigmoid(Z, out=None):
    """g(z) = 1 / (1 + exp(-z)), computed without overflow (scipy's expit)."""
    return expit(Z) if out is None else expit(Z, out=out)


def sigmoid_derivative(A, delta):
    """g'(z) = g(z) (1 - g(z)) = A (1 - A)."""
    slope = np.subtract(1, A, dtype=A.dtype)
    slope *= A
    delta *= slope
    return delta


def tanh(Z, out=None):
    """g(z) = tanh(z)."""
    return np.tanh(Z) if out is None else np.tanh(Z, out=out)


def tanh_derivative(A, delta):
    """g'(z) = 1 - tanh(z)² = 1 - A²."""
    slope = np.square(A)
    np.subtract(1, slope, out=slope)
    delta *= slope
    return delta


def relu(Z, out=None):
    """g(z) = max(z, 0)."""
    return np.maximum(Z, 0) if out is None else np.maximum(Z, 0, out=out)


def relu_derivative(A, delta):
    """g'(z) = 1 if z > 0 else 0, i.e. 1 where A > 0."""
    return np.multiply(delta, A > 0, out=delta)


def exp(Z, out=None):
    """g(z) = e^z: a positive output (the log link of a Poisson regression)."""
    return np.exp(Z) if out is None else np.exp(Z, out=out)


def softmax(Z, out=None):
    """Row-wise ``exp(z_k) / Σ_j exp(z_j)``, shifted by the row's maximum.

    Subtracting the largest ``z`` of each row changes nothing in the result
    and keeps ``exp`` from overflowing.
    """
    out = np.array(Z, copy=True) if out is None else identity(Z, out=out)
    out -= out.max(axis=1, keepdims=True)
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
