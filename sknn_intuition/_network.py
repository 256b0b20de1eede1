"""The stack of layers every estimator of the package is: forward, loss, backward.

Layer ``l`` (``l = 1 .. L``) holds the weights ``W_l`` of shape
``(units_{l-1}, units_l)`` and the biases ``b_l`` of shape ``(units_l,)``;
every neuron in it computes ``g_l(b + w·input)``, for a whole batch at once::

    A_0 = X
    Z_l = A_{l-1} @ W_l + b_l
    A_l = g_l(Z_l)                          # forward, layer by layer

The output layer's activation ``g_L`` is applied by the loss during training
(see :mod:`._losses`, which works from ``Z_L``) and by :func:`predict` after
it. Backpropagation is the chain rule taken backwards through the same lines.
Given ``D_L = ∂L/∂Z_L`` from the loss::

    dW_l = A_{l-1}.T @ D_l                  # ∂L/∂W_l
    db_l = D_l.sum(axis=0)                  # ∂L/∂b_l
    D_{l-1} = (D_l @ W_l.T) * g'_{l-1}      # the error sent one layer back

Every derivative is written in terms of the layer's *output* ``A``
(``σ' = A (1 - A)``, ``tanh' = 1 - A²``, ``relu' = [A > 0]``), so the forward
pass keeps only the activations; once a layer's slope is read off them, its
error is written over them.

The estimators are configurations of this one stack (:class:`Stack`):

=========================  ===============  ==========  =============
estimator                  hidden layers    output      loss
=========================  ===============  ==========  =============
PerceptronClassifier       none             step        perceptron
SigmoidNeuronClassifier    none             sigmoid or  squared error
                                            softmax     or log-loss
TowerRegressor             built (frozen)   identity    squared error
FeedForward*               learnt           identity,   squared error
                                            sigmoid or  or log-loss
                                            softmax
=========================  ===============  ==========  =============

The functions here are the only path: prediction and every training step of
every estimator run them (forward, the loss table, backward). Speed changes
only where the numbers are kept (:mod:`._layout`: batch arrays made once and
passed as ``out=``, one flat parameter buffer), never the formulas.
"""

from typing import NamedTuple

import numpy as np

from ._activations import ACTIVATIONS, DERIVATIVES
from ._layout import column_sums, product
from ._losses import loss_and_error, mean_loss


class Stack(NamedTuple):
    """A network: its layers' parameters, activations, output and loss.

    ``intercepts[l]`` is None for a layer without biases. The arrays are the
    parameters themselves (or views of them), not copies. A hidden layer's
    activation is a name, or, for a layer of mixed neurons, a tuple of
    ``(name, n_units)`` pairs covering its units in order. The first
    ``frozen`` layers are built, not trained (the towers' walls): their
    weights may be scipy.sparse matrices, and backpropagation stops above
    them.
    """

    coefs: list
    intercepts: list
    activations: list  # the hidden layers' g, one per hidden layer
    output: str  # g_L, a key of _activations.ACTIVATIONS
    loss: str  # with output, a key of _losses.LOSSES
    frozen: int = 0  # leading layers that are not trained


def layer_units(n_features, hidden_layer_sizes, n_outputs):
    """Sizes of all layers, input first: ``[n_features, *hidden, n_outputs]``."""
    return [int(n_features), *(int(h) for h in hidden_layer_sizes), int(n_outputs)]


# The weight initialisations a network may start from.
INITS = ("glorot", "he")


def init_parameters(units, activations, dtype, random_state, init="glorot", sigmoid=None):
    """Random weights and biases scaled to each layer's fan-in and fan-out.

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
    sigmoid : bool or None, default=None
        Whether the network counts as a sigmoid network (see Notes); None
        means "its hidden layers are all sigmoid, and it has some".

    Returns
    -------
    coefs, intercepts : lists of ndarray
        ``coefs[l]`` has shape ``(units[l], units[l + 1])``.

    Notes
    -----
    Glorot (Xavier) initialisation, ``U(-r, r)`` with
    ``r = √(6 / (fan_in + fan_out))``, keeps the variance of both the
    activations and the back-propagated errors roughly constant from layer
    to layer for activations with slope 1 at zero (tanh, identity). The
    sigmoid's slope at zero is 1/4, and networks whose hidden layers are all
    sigmoid take ``r = √(2 / (fan_in + fan_out))`` in every layer. He
    initialisation, ``r = √(6 / fan_in)``, doubles the variance for relu
    layers, which zero half of their inputs, so that it does not halve from
    one layer to the next: that matters for deep relu stacks. With
    ``init='he'`` relu layers take He's scale and the others Glorot's. The
    default is Glorot's for every layer: on the shallow networks this package
    is about, trained by SGD with momentum, the larger He weights trained
    less well at the same learning rate.

    Each layer draws its weights, then its biases, from ``U(-r, r)``: the
    rule and the order of draws of scikit-learn's MLP, so that the same
    ``random_state`` starts both from the same parameters.
    """
    if sigmoid is None:
        hidden = activations[:-1]
        sigmoid = bool(hidden) and all(act == "sigmoid" for act in hidden)
    factor = 2.0 if sigmoid else 6.0
    coefs, intercepts = [], []
    for fan_in, fan_out, act in zip(units[:-1], units[1:], activations):
        if init == "he" and act == "relu":
            bound = np.sqrt(6.0 / fan_in)
        else:
            bound = np.sqrt(factor / (fan_in + fan_out))
        W = random_state.uniform(-bound, bound, size=(fan_in, fan_out))
        b = random_state.uniform(-bound, bound, size=fan_out)
        coefs.append(W.astype(dtype))
        intercepts.append(b.astype(dtype))
    return coefs, intercepts


def forward(stack, X, workspace=None):
    """Run the stack on ``X``: ``[A_1, ..., A_{L-1}, Z_L]``.

    The hidden layers' activations, then the output layer's pre-activations
    (its activation is the loss's business, or :func:`predict`'s).
    ``X`` may be a dense array or a CSR matrix. With a
    :class:`._layout.Workspace`, the layers are written into its arrays.
    """
    last = len(stack.coefs) - 1
    out = workspace.arrays(X.shape[0])[0] if workspace is not None else [None] * (last + 1)
    outputs, A = [], X
    for layer, (W, b) in enumerate(zip(stack.coefs, stack.intercepts)):
        Z = product(A, W, out[layer])  # Z_l = A_{l-1} W_l + b_l
        if b is not None:
            Z += b
        if layer < last:
            activate(stack.activations[layer], Z)  # A_l = g_l(Z_l)
        outputs.append(Z)
        A = Z
    return outputs


def activate(activation, Z):
    """``Z = g(Z)`` in place, for a layer's activation (a name or mixed neurons)."""
    if isinstance(activation, str):
        return ACTIVATIONS[activation](Z, out=Z)
    start = 0
    for name, units in activation:
        part = Z[:, start : start + units]
        ACTIVATIONS[name](part, out=part)
        start += units
    return Z


def predict(stack, X):
    """The stack's output ``g_L(Z_L)`` for ``X``."""
    Z = forward(stack, X)[-1]
    return ACTIVATIONS[stack.output](Z, out=Z)


def backward(stack, X, outputs, D, coef_grads, intercept_grads, workspace=None):
    """Backpropagate ``D = ∂L/∂Z_L``; fill the gradients of every trained layer.

    ``outputs`` is what :func:`forward` returned for ``X``. ``coef_grads`` and
    ``intercept_grads`` are shaped like the stack's parameters (None where a
    layer has no biases, or is frozen). Each trained hidden layer's error is
    written over its activations in ``outputs``, which nothing needs once the
    layer's slope is read off them. With a :class:`._layout.Workspace`, the
    slopes are written into its arrays.
    """
    n_hidden = len(stack.coefs) - 1
    slopes = workspace.arrays(X.shape[0])[1] if workspace is not None else [None] * n_hidden
    for layer in range(n_hidden, stack.frozen - 1, -1):
        A_prev = X if layer == 0 else outputs[layer - 1]
        product(A_prev.T, D, coef_grads[layer])  # dW_l = A_{l-1}ᵀ D_l
        if intercept_grads[layer] is not None:
            column_sums(D, intercept_grads[layer])  # db_l = Σ_i D_l
        if layer > stack.frozen:
            # D_{l-1} = (D_l W_lᵀ) * g'(Z_{l-1}): the slope g' is read off
            # A_{l-1} first, then the error is written over A_{l-1}.
            g_prime = DERIVATIVES[stack.activations[layer - 1]]
            slope = g_prime(A_prev, slopes[layer - 1])
            D = product(D, stack.coefs[layer].T, A_prev)
            D *= slope


def loss_and_gradients(stack, X, Y, sample_weight, coef_grads, intercept_grads, workspace=None):
    """One batch: forward, the loss, backward.

    Returns the batch's mean loss and ``D = ∂L/∂Z_L``, and fills the
    gradients. This is every training step of every estimator.
    """
    outputs = forward(stack, X, workspace)
    loss, D = loss_and_error(stack.loss, stack.output, outputs[-1], Y, sample_weight)
    backward(stack, X, outputs, D, coef_grads, intercept_grads, workspace)
    return loss, D


def loss(stack, X, Y, sample_weight=None):
    """The mean loss of the stack on ``(X, Y)`` (e.g. on a validation split)."""
    return mean_loss(stack.loss, stack.output, forward(stack, X)[-1], Y, sample_weight)
