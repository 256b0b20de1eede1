"""Activation functions ``g`` and their derivatives, as lookup tables.

Every neuron in the package computes ``g(b + w·x)``. The allowed names of ``g``
are the keys of :data:`ACTIVATIONS`; parameter validation and the docs read them
from there, so the three cannot disagree.

Each activation ``f(Z, out=None)`` maps pre-activations ``Z`` to outputs ``A``
(in place when ``out is Z``). Each derivative ``d(A, delta)`` multiplies
``delta`` in place by ``g'(z)``, written in terms of the *output* ``A = g(z)`` —
that is all backpropagation needs, and it saves keeping ``Z``.
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
    return np.greater(Z, 0, out=out, casting="unsafe") if out is not None else (
        (np.asarray(Z) > 0).astype(np.result_type(Z, np.float32))
    )


def step_derivative(A, delta):
    """g'(z) = 0 wherever it exists: a step passes no gradient back.

    This is why the perceptron is trained on its own criterion rather than by
    backpropagating through the step (see ``_losses.perceptron``).
    """
    delta[...] = 0
    return delta


def sigmoid(Z, out=None):
    """g(z) = 1 / (1 + exp(-z)), computed without overflow (scipy's expit)."""
    return expit(Z, out=out) if out is not None else expit(Z)


def sigmoid_derivative(A, delta):
    """g'(z) = g(z) (1 - g(z)) = A (1 - A)."""
    delta *= A
    delta *= 1 - A
    return delta


def tanh(Z, out=None):
    """g(z) = tanh(z)."""
    return np.tanh(Z, out=out) if out is not None else np.tanh(Z)


def tanh_derivative(A, delta):
    """g'(z) = 1 - tanh(z)^2 = 1 - A^2."""
    delta *= 1 - A * A
    return delta


def relu(Z, out=None):
    """g(z) = max(z, 0)."""
    return np.maximum(Z, 0, out=out) if out is not None else np.maximum(Z, 0)


def relu_derivative(A, delta):
    """g'(z) = 1 if z > 0 else 0, i.e. 1 where A > 0."""
    delta[A <= 0] = 0
    return delta


ACTIVATIONS = {
    "identity": identity,
    "step": step,
    "sigmoid": sigmoid,
    "tanh": tanh,
    "relu": relu,
}

DERIVATIVES = {
    "identity": identity_derivative,
    "step": step_derivative,
    "sigmoid": sigmoid_derivative,
    "tanh": tanh_derivative,
    "relu": relu_derivative,
}
