"""Loss functions and their gradients, as lookup tables.

Conventions, stated once for the whole package:

* ``Y`` and ``P`` are 2-D, one row per sample and one column per output neuron.
* A loss returns the (weighted) mean over samples of the per-sample loss
  ``l_i``: ``(1/N) Σ_i s_i l_i``, with ``s_i = 1`` when no weights are given.
  The trainer rescales sample weights to average 1, so that an integer weight
  means exactly "this sample, repeated".
* ``squared_error`` is the mean squared error of the explanation, **without**
  the factor ½ some libraries put in front: ``l_i = mean_k (y_ik - p_ik)²``.
  (scikit-learn's MLP reports and differentiates ``½ MSE``; its gradients are
  therefore half of ours, which a test checks.)
* A gradient returns ``∂l_i/∂P`` per sample and per output, *unweighted and
  not divided by N*: the caller multiplies by ``s_i / N``.
"""

import numpy as np

# Probabilities are clipped this far from 0 and 1 before taking logs.
_EPS = {np.dtype(np.float32): 1e-7, np.dtype(np.float64): 1e-15}


def _mean(per_sample, sample_weight):
    if sample_weight is None:
        return float(np.mean(per_sample))
    return float(np.dot(per_sample, sample_weight) / per_sample.shape[0])


def squared_error(Y, P, sample_weight=None):
    """Mean squared error, ``(1/N) Σ_i s_i mean_k (y_ik - p_ik)²``."""
    diff = P - Y
    return _mean(np.einsum("ij,ij->i", diff, diff) / Y.shape[1], sample_weight)


def squared_error_gradient(Y, P):
    """``∂l_i/∂p_ik = 2 (p_ik - y_ik) / K``."""
    return (2.0 / Y.shape[1]) * (P - Y)


def _clip(P):
    eps = _EPS.get(np.dtype(P.dtype), 1e-15)
    return np.clip(P, eps, 1 - eps)


def log_loss(Y, P, sample_weight=None):
    """Categorical cross-entropy ``l_i = -Σ_k y_ik log p_ik`` (rows of P sum to 1)."""
    return _mean(-np.einsum("ij,ij->i", Y, np.log(_clip(P))), sample_weight)


def log_loss_gradient(Y, P):
    """``∂l_i/∂p_ik = -y_ik / p_ik``."""
    return -Y / _clip(P)


def binary_log_loss(Y, P, sample_weight=None):
    """Cross-entropy of independent sigmoid outputs.

    ``l_i = -Σ_k [y_ik log p_ik + (1 - y_ik) log(1 - p_ik)]``.
    """
    Pc = _clip(P)
    per_sample = -(Y * np.log(Pc) + (1 - Y) * np.log1p(-Pc)).sum(axis=1)
    return _mean(per_sample, sample_weight)


def binary_log_loss_gradient(Y, P):
    """``∂l_i/∂p_ik = (p_ik - y_ik) / (p_ik (1 - p_ik))``."""
    Pc = _clip(P)
    return (Pc - Y) / (Pc * (1 - Pc))


def perceptron(Y, Z, sample_weight=None):
    """The perceptron criterion on decision values ``Z`` with labels ``Y`` in ±1.

    ``l_i = Σ_k max(0, -y_ik z_ik)``: zero where the sign of ``z`` is right,
    positive (and growing with the margin of the mistake) where it is wrong.
    """
    return _mean(np.maximum(-Y * Z, 0).sum(axis=1), sample_weight)


def perceptron_gradient(Y, Z):
    """``∂l_i/∂z_ik = -y_ik`` where ``y_ik z_ik <= 0`` (a mistake), else 0.

    At ``z = 0`` exactly the neuron is undecided; like the classic rule we
    count that as a mistake, so that training can start from zero weights.
    """
    return np.where(Y * Z <= 0, -Y, 0).astype(Z.dtype, copy=False)


LOSS_FUNCTIONS = {
    "squared_error": squared_error,
    "log_loss": log_loss,
    "binary_log_loss": binary_log_loss,
    "perceptron": perceptron,
}

LOSS_GRADIENTS = {
    "squared_error": squared_error_gradient,
    "log_loss": log_loss_gradient,
    "binary_log_loss": binary_log_loss_gradient,
    "perceptron": perceptron_gradient,
}
