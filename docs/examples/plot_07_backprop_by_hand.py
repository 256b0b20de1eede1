"""
=====================================================
Backpropagation by hand on a 1-2-1 network
=====================================================

The smallest network with a hidden layer worth the name: one input, two
sigmoid neurons, one output. Its weights are set by hand, so every number of
the forward pass, of the loss and of the backward pass can be worked with a
pencil (the user guide's page on backpropagation does it, line by line).

The first diagram is the network with its weights and biases, and the value
each neuron takes for the sample ``x = 1.5`` (target ``y = 0.5``). The second
is the same network with, on each connection, the gradient of the loss with
respect to its weight, under each neuron the gradient with respect to its bias
and its error ``δ = ∂L/∂z``. Both diagrams are drawn by
:class:`~sknn_intuition.plotting.NetworkDiagram`; the gradients are read off
one step of plain stochastic gradient descent taken by the estimator itself.
"""

import matplotlib.pyplot as plt
import numpy as np

from sknn_intuition import FeedForwardRegressor
from sknn_intuition.plotting import NetworkDiagram

X, y = np.array([[1.5]]), np.array([0.5])
rate = 0.1
net = FeedForwardRegressor(
    hidden_layer_sizes=(2,),
    activation="sigmoid",
    solver="sgd",
    momentum=0.0,
    learning_rate_init=rate,
    alpha=0.0,
    batch_size=1,
)
net.partial_fit(X, y)  # creates the weights; we overwrite them
net.coefs_[0][:] = [[0.8, -0.4]]
net.intercepts_[0][:] = [0.2, 0.1]
net.coefs_[1][:] = [[1.0], [-0.5]]
net.intercepts_[1][:] = [0.3]

# %%
# The forward pass
# ----------------
# Each hidden neuron computes ``σ(w x + b)``; the output neuron adds them up,
# weighted, plus its bias. The prediction for ``x = 1.5`` is 0.913, the target
# 0.5: the loss ``(y - ŷ)²`` is 0.171.

fig, ax = plt.subplots(figsize=(8, 3.4))
NetworkDiagram.from_estimator(net, X[0], precision=3, ax=ax)
ax.set_title(f"Forward: ŷ = {net.predict(X)[0]:.3f} for x = 1.5, loss (y - ŷ)² = "
             f"{(y[0] - net.predict(X)[0]) ** 2:.3f}", fontsize=12)
fig.tight_layout()

# %%
# The backward pass
# -----------------
# One step of plain SGD moves every parameter by ``-η ∂L/∂θ``, so the
# gradients are the step divided by ``-η``. The errors ``δ`` are the bias
# gradients (a bias adds 1 times itself to ``z``).

before = [p.copy() for p in net.coefs_ + net.intercepts_]
net.partial_fit(X, y)
after = net.coefs_ + net.intercepts_
grads = [(b - a) / rate for b, a in zip(before, after)]
grad_coefs, grad_intercepts = grads[:2], grads[2:]

fig, ax = plt.subplots(figsize=(8, 3.4))
NetworkDiagram(
    coefs=grad_coefs,
    intercepts=grad_intercepts,
    names=[["x"], ["h1", "h2"], ["ŷ"]],
    activations=["sigmoid", "identity"],
    precision=4,
    labels=("∂L/∂w", "δ = ∂L/∂b", ""),
).plot(ax=ax)
ax.set_title("Backward: the gradient of the loss for every weight and bias", fontsize=12)
fig.tight_layout()
plt.show()
