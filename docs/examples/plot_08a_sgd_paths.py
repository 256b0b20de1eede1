"""
=========================================
Stochastic gradient descent as a path
=========================================

A model with two parameters has a loss surface one can draw: here the
straight line ``ŷ = w x + b`` — a :class:`~sknn_intuition.FeedForwardRegressor`
with no hidden layer (``hidden_layer_sizes=()``) — on 100 noisy samples of
``y = 2x - 1`` with ``x`` in ``[0, 2]``. Its mean squared error is a bowl over
the ``(w, b)`` plane, long and narrow because ``x`` is not centred: raising
``w`` and lowering ``b`` together hardly changes the loss.

Each path starts at ``(w, b) = (-1.5, 2.5)``; every dot is the estimator's
weights after one mini-batch (``partial_fit`` on 10 samples at a time).
"""

import warnings

import matplotlib.pyplot as plt
import numpy as np

from sknn_intuition import FeedForwardRegressor

rng = np.random.RandomState(0)
X = rng.uniform(0, 2, size=(100, 1))
y = 2 * X[:, 0] - 1 + 0.3 * rng.randn(100)
START = (-1.5, 2.5)


def sgd_path(rate, momentum=0.0, batch_size=10, epochs=5, seed=1):
    """The weights (w, b) after every mini-batch, from START."""
    net = FeedForwardRegressor(
        hidden_layer_sizes=(),
        solver="sgd",
        momentum=momentum,
        nesterovs_momentum=False,
        learning_rate_init=rate,
        alpha=0.0,
        batch_size=batch_size,
        max_iter=1,
        tol=None,
        warm_start=True,
    )
    net.partial_fit(X, y)  # creates the two parameters; set them by hand
    net.coefs_[0][:] = START[0]
    net.intercepts_[0][:] = START[1]
    path, order, first = [START], np.random.RandomState(seed), True
    for _ in range(epochs):
        perm = order.permutation(len(X))
        for i in range(0, len(X), batch_size):
            batch = perm[i : i + batch_size]
            if first:  # a fresh optimizer (no momentum yet) from START
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    net.fit(X[batch], y[batch])
                first = False
            else:
                net.partial_fit(X[batch], y[batch])
            path.append((net.coefs_[0][0, 0], net.intercepts_[0][0]))
    return np.array(path)


W, B = np.meshgrid(np.linspace(-2.5, 5, 160), np.linspace(-4.5, 4, 160))
loss = ((y - W[..., None] * X[:, 0] - B[..., None]) ** 2).mean(axis=-1)


def bowl(ax):
    ax.contour(W, B, loss, levels=np.geomspace(loss.min() + 0.02, loss.max(), 14),
               colors="0.65", linewidths=0.8)
    best = np.unravel_index(loss.argmin(), loss.shape)
    ax.plot(W[best], B[best], "k*", ms=12, label="lowest loss")
    ax.set(xlabel="weight w", ylabel="bias b", xlim=(-2.5, 5), ylim=(-4.5, 4))


# %%
# Plain SGD, momentum, and a learning rate too large
# --------------------------------------------------
# Plain SGD (rate 0.05) walks down the steep side of the bowl, then crawls
# along its floor: after 5 epochs it is still far from the lowest point.
# Momentum (0.9) remembers the past steps and picks up speed along the floor,
# overshooting and coming back. A rate of 0.6 jumps across the valley further
# each time: the path leaves the picture within a few steps.

paths = {
    "plain SGD, rate 0.05": sgd_path(0.05),
    "momentum 0.9, rate 0.05": sgd_path(0.05, momentum=0.9),
    "plain SGD, rate 0.6 (diverges)": sgd_path(0.6, epochs=1)[:8],
}
fig, ax = plt.subplots(figsize=(8, 6))
bowl(ax)
for (name, path), style in zip(paths.items(), [".-", ".-", "o--"]):
    ax.plot(path[:, 0], path[:, 1], style, ms=4, lw=1.2, label=name)
ax.plot(*START, "ks", ms=8, label="start")
ax.legend(loc="lower left", fontsize=10)
ax.set_title("Paths of SGD on the loss surface of ŷ = w x + b", fontsize=12)
fig.tight_layout()

# %%
# The estimator notices divergence: a fit whose loss ends far above where it
# started raises ``ValueError("Training diverged ...")`` and leaves the
# estimator as it was.

try:
    FeedForwardRegressor(hidden_layer_sizes=(), solver="sgd", momentum=0.0,
                         learning_rate_init=0.6, batch_size=10, max_iter=20,
                         tol=None, random_state=0).fit(X, y)
except ValueError as exc:
    print(str(exc)[:60], "...")

# %%
# Batch size and noise
# --------------------
# Each step follows the gradient of one mini-batch, an estimate of the full
# gradient. The three paths below take 300 steps each at the same rate, 0.05;
# only the batch differs. With one sample per step the estimate is noisy: the
# path staggers, and near the bottom it keeps jittering around the lowest
# point instead of settling. With the whole data set (100 samples) each step
# follows the exact gradient and the path is smooth — but each of its steps
# costs a pass over all the data.

fig, axes = plt.subplots(1, 3, figsize=(12, 4.4), sharey=True)
for ax, size in zip(axes, [1, 10, 100]):
    bowl(ax)
    path = sgd_path(0.05, batch_size=size, epochs=3 * size)
    ax.plot(path[:, 0], path[:, 1], "-", color="C0", lw=0.9)
    ax.plot(path[-1, 0], path[-1, 1], "o", color="C3", ms=6)
    ax.set_title(f"batch_size={size}: {len(path) - 1} steps, {3 * size} epochs", fontsize=12)
    if ax is not axes[0]:
        ax.set_ylabel("")
fig.tight_layout()
plt.show()
