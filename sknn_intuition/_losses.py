"""Losses and their error at the output, as one lookup table.

A loss is written once for each output activation it is used with, in terms
of the output layer's pre-activations ``Z = A @ W + b`` and the targets ``Y``
(both 2-D: one row per sample, one column per output neuron). Each entry of
:data:`LOSSES`, keyed by ``(loss, output activation)``, returns

* the per-sample loss ``l_i`` (shape ``(n_samples,)``), and
* the error at the output, ``∂l_i/∂z_ik`` (shape of ``Z``), written over ``Z``.

Working from ``z`` rather than from ``g(z)`` keeps both exact where a sigmoid
or softmax output rounds to 0 or 1, and the pairs the package uses make the
error simple: ``p - y`` for the log-loss after a sigmoid or softmax (the
activation's slope cancels), ``2 (p - y) / K`` times the slope for the squared
error. :func:`loss_and_error` turns an entry into the batch's weighted mean and
its gradient; it is the only place the package computes a loss.

Conventions, stated once for the whole package:

* ``squared_error`` is the mean squared error of the explanation, **without**
  the factor ½ some libraries put in front: ``l_i = mean_k (y_ik - p_ik)²``.
  (scikit-learn's MLP reports and differentiates ½ MSE: its gradients are
  half of ours, so its ``learning_rate_init=2 * lr`` steps as ours with ``lr``.)
* A batch's loss is the weighted mean ``(1/N) Σ_i s_i l_i`` with ``s_i = 1``
  when no weights are given; the trainer rescales sample weights to average 1,
  so that an integer weight means exactly "this sample, repeated".
* Class labels are coded 0/1 for sigmoid and softmax outputs, -1/+1 for the
  perceptron's step.
"""

import numpy as np
from scipy.special import xlogy

from ._activations import log_sigmoid, sigmoid


def squared_error_identity(Z, Y):
    """``l_i = mean_k (z_ik - y_ik)²``; ``∂l_i/∂z = 2 (z - y) / K``."""
    D = np.subtract(Z, Y, out=Z)
    per_sample = np.einsum("ij,ij->i", D, D)
    k = Y.shape[1]
    if k > 1:
        per_sample /= k
    D *= 2.0 / k
    return per_sample, D


def squared_error_sigmoid(Z, Y):
    """``l_i = mean_k (σ(z_ik) - y_ik)²``; ``∂l_i/∂z = 2 (σ - y) σ (1 - σ) / K``."""
    P = sigmoid(Z, out=Z)
    D = P - Y
    per_sample = np.einsum("ij,ij->i", D, D)
    k = Y.shape[1]
    if k > 1:
        per_sample /= k
    D *= 1 - P
    D *= P  # (σ - y) times the sigmoid's slope σ (1 - σ)
    D *= 2.0 / k
    return per_sample, D


def log_loss_sigmoid(Z, Y):
    """Binary log-loss of each sigmoid output, added up over the outputs.

    ``l_i = Σ_k -y log σ(z) - (1 - y) log(1 - σ(z)) = Σ_k log(1 + e^z) - y z``;
    ``∂l_i/∂z = σ(z) - y``. ``log(1 + e^z) = -log σ(-z)``, computed without
    overflow.
    """
    L = log_sigmoid(np.negative(Z))
    np.negative(L, out=L)
    L -= Y * Z
    per_sample = L[:, 0] if L.shape[1] == 1 else L.sum(axis=1)
    D = sigmoid(Z, out=Z)
    D -= Y
    return per_sample, D


def log_loss_softmax(Z, Y):
    """Cross-entropy of a softmax output, for targets whose rows sum to 1.

    ``l_i = log Σ_k e^{z_ik} - Σ_k y_ik z_ik``; ``∂l_i/∂z = softmax(z) - y``.
    The largest ``z`` of each row is subtracted first, which changes neither
    the softmax nor the loss and keeps ``e^z`` from overflowing.
    """
    Z -= Z.max(axis=1, keepdims=True)
    yz = np.einsum("ij,ij->i", Y, Z)
    P = np.exp(Z, out=Z)
    total = P.sum(axis=1)
    per_sample = np.log(total)
    per_sample -= yz
    P /= total[:, None]
    P -= Y
    return per_sample, P


def perceptron_step(Z, Y):
    """The perceptron criterion on decision values ``z``, labels ``y`` in ±1.

    ``l_i = Σ_k max(0, -y_ik z_ik)``: zero where the sign of ``z`` is right,
    growing with the margin of a mistake. ``∂l_i/∂z = -y`` on a mistake
    (``y z <= 0``: at ``z = 0`` the neuron is undecided, which the classic rule
    counts as a mistake, so that training can start from zero weights), else 0.
    """
    M = Y * Z  # the signed margins
    mistakes = M <= 0
    np.negative(M, out=M)
    np.maximum(M, 0, out=M)
    per_sample = M[:, 0] if M.shape[1] == 1 else M.sum(axis=1)
    D = np.multiply(Y, mistakes, out=Z)
    np.negative(D, out=D)
    return per_sample, D


def poisson_exp(Z, Y):
    """Half the Poisson deviance of an exponential output ``μ = e^z``.

    ``l_i = Σ_k y log(y / μ) - y + μ``, ``∂l_i/∂z = μ - y``: the loss of
    scikit-learn's ``MLPRegressor(loss='poisson')`` (counts, rates: ``y >= 0``).
    """
    L = xlogy(Y, Y)
    L -= Y * Z
    L -= Y
    mu = np.exp(Z, out=Z)
    L += mu
    per_sample = L[:, 0] if L.shape[1] == 1 else L.sum(axis=1)
    mu -= Y
    return per_sample, mu


# (loss, output activation) -> per-sample loss and ∂l_i/∂z.
LOSSES = {
    ("squared_error", "identity"): squared_error_identity,
    ("squared_error", "sigmoid"): squared_error_sigmoid,
    ("log_loss", "sigmoid"): log_loss_sigmoid,
    ("log_loss", "softmax"): log_loss_softmax,
    ("perceptron", "step"): perceptron_step,
    ("poisson", "exp"): poisson_exp,
}


def loss_and_error(loss, output, Z, Y, sample_weight=None):
    """The batch's mean loss ``L = (1/N) Σ_i s_i l_i`` and ``∂L/∂Z``.

    ``Z`` holds the output layer's pre-activations and is overwritten with
    ``∂L/∂Z = (s_i / N) ∂l_i/∂z``, which is returned with the loss.
    """
    try:
        entry = LOSSES[loss, output]
    except KeyError:
        raise ValueError(
            f"loss={loss!r} is not defined on a {output!r} output; the pairs are "
            f"{sorted(LOSSES)}."
        ) from None
    per_sample, D = entry(Z, Y)
    n = Z.shape[0]
    if sample_weight is None:
        D *= 1.0 / n
        return float(per_sample.sum()) / n, D
    D *= (sample_weight * (1.0 / n))[:, None]
    return float(np.dot(per_sample, sample_weight)) / n, D


def mean_loss(loss, output, Z, Y, sample_weight=None):
    """The batch's mean loss alone (``Z`` is overwritten)."""
    return loss_and_error(loss, output, Z, Y, sample_weight)[0]
