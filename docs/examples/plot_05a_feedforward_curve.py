"""
================================================
A feed-forward network learns a non-linear curve
================================================

A feed-forward network is layers of neurons: an input layer (one unit per
feature), hidden layers, and an output layer. Every neuron computes
``g(b + w·input)``, where the activation ``g`` brings in the non-linearity.
Starting from random weights, stochastic gradient descent lowers the mean
squared error, the gradients coming from backpropagation.

Here :class:`~sknn_intuition.FeedForwardRegressor` with two hidden layers of
20 neurons learns a wiggly curve from noisy samples, with each of three
activations: the sigmoid of the explanation, ``tanh`` (a sigmoid stretched to
(-1, 1)) and ``relu`` (``max(0, z)``). A straight line, the best a linear
model can do, is drawn for contrast.
"""

import matplotlib.pyplot as plt
import numpy as np
from scipy.special import expit
from sklearn.linear_model import LinearRegression

from sknn_intuition import FeedForwardRegressor


def f(x):
    return np.sin(2 * x) + 0.3 * x


rng = np.random.RandomState(0)
X = np.sort(rng.uniform(-3, 3, 200)).reshape(-1, 1)
y = f(X[:, 0]) + 0.1 * rng.randn(200)
x_plot = np.linspace(-3, 3, 500).reshape(-1, 1)

# %%
# Three activations, one curve
# ----------------------------
# Left: the three activation functions. Right: the curves the networks learnt
# (800 epochs of Adam, the package's default optimizer; ``tol=None`` runs them
# all). Each fits the curve; the straight line cannot.
activations = {"sigmoid": expit, "tanh": np.tanh, "relu": lambda z: np.maximum(z, 0)}
fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(10, 5.2), gridspec_kw={"width_ratios": [1, 2]})
z = np.linspace(-4, 4, 200)
for k, (name, g) in enumerate(activations.items()):
    ax0.plot(z, g(z), color=f"C{k}", label=name)
ax0.set(title="Activations g(z)", xlabel="z = b + w·input", ylim=(-1.2, 2))
ax0.axhline(0, color="k", lw=0.5)
ax0.legend()

ax1.scatter(X[:, 0], y, s=8, color="0.6", label="noisy samples")
ax1.plot(x_plot[:, 0], f(x_plot[:, 0]), color="k", lw=3, alpha=0.3, label="true curve")
for k, name in enumerate(activations):
    net = FeedForwardRegressor(
        hidden_layer_sizes=(20, 20),
        activation=name,
        learning_rate_init=0.02,
        max_iter=800,
        tol=None,
        random_state=0,
    ).fit(X, y)
    ax1.plot(
        x_plot[:, 0],
        net.predict(x_plot),
        color=f"C{k}",
        label=f"{name} network, R² = {net.score(X, y):.3f}",
    )
line = LinearRegression().fit(X, y)
ax1.plot(
    x_plot[:, 0], line.predict(x_plot), "k--", label=f"straight line, R² = {line.score(X, y):.3f}"
)
ax1.set(title="Networks of 2 × 20 neurons fitting a curve", xlabel="x", ylabel="y")
ax1.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2, fontsize=9)
fig.tight_layout()

# %%
# The network builds its own towers
# ---------------------------------
# With one hidden layer the prediction is ``b + Σ_k v_k g(b_k + w_k x)``: a
# sum of scaled activations, like the sum of towers of the previous step —
# but here every wall is *learnt*. Below, each hidden neuron's contribution
# ``v_k g(b_k + w_k x)`` of a one-layer sigmoid network of 12 neurons (from
# :meth:`~sknn_intuition.FeedForwardRegressor.hidden_activations` and the
# output weights ``coefs_[1]``) and their sum. Each neuron adds one S-shaped
# step, with its own height, position and steepness; where the steps stand
# higher or lower than zero overall, the output bias ``b`` evens them out.
net = FeedForwardRegressor(
    hidden_layer_sizes=(12,),
    activation="sigmoid",
    learning_rate_init=0.05,
    max_iter=1500,
    tol=None,
    random_state=0,
).fit(X, y)
H = net.hidden_activations(x_plot, layer=0)  # g(b_k + w_k x), one column per neuron
contributions = H * net.coefs_[1][:, 0]
fig, ax = plt.subplots(figsize=(9, 5.2))
ax.scatter(X[:, 0], y, s=8, color="0.7", label="noisy samples")
for k in range(contributions.shape[1]):
    ax.plot(
        x_plot[:, 0],
        contributions[:, k],
        lw=0.9,
        alpha=0.8,
        label="one neuron: v_k g(b_k + w_k x)" if k == 0 else None,
    )
ax.plot(
    x_plot[:, 0], net.predict(x_plot), color="k", lw=2.5, label="their sum + b (the prediction)"
)
ax.set(
    title=f"12 sigmoid neurons and their sum (R² = {net.score(X, y):.3f})",
    xlabel="x",
    ylabel="y",
)
ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=3, fontsize=9)
fig.tight_layout()
plt.show()
