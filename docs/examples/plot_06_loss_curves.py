"""
====================================================
Learning the weights: loss curves and early stopping
====================================================

Training starts from random weights and biases, measures the loss — here the
mean squared error ``MSE = (1/N) Σ (y_i - ŷ_i)²`` — and corrects the weights
step by step with stochastic gradient descent, the gradients coming from
backpropagation. Every estimator of the package records the mean training
loss of each epoch in ``loss_curve_``.

Two things beyond the plain outline are shown here: optimizers that use the
past gradients (momentum, Adam), and early stopping, which holds out part of
the training data and stops when the loss there stops improving.
"""

import matplotlib.pyplot as plt
import numpy as np

from sknn_intuition import FeedForwardRegressor


def f(x):
    return np.sin(2 * x) + 0.3 * x


rng = np.random.RandomState(0)
X = rng.uniform(-3, 3, size=(300, 1))
y = f(X[:, 0]) + 0.1 * rng.randn(300)

# %%
# Plain SGD, momentum and Adam
# ----------------------------
# The same network (one hidden layer of 30 tanh neurons), the same random
# start and the same learning rate, trained for 200 epochs in mini-batches of
# 32. Plain SGD steps along the negative gradient of each batch; momentum
# keeps a running direction (``momentum=0.9``, Nesterov's variant); Adam
# scales each weight's step by running averages of its gradients. Momentum
# and Adam bring the loss down far faster than plain SGD, which is still
# descending at the end.
settings = {
    "plain SGD (solver='sgd', momentum=0)": {"solver": "sgd", "momentum": 0.0},
    "SGD with momentum 0.9 (Nesterov)": {"solver": "sgd", "momentum": 0.9},
    "Adam (solver='adam')": {"solver": "adam"},
}
fig, ax = plt.subplots(figsize=(8, 6))
for name, params in settings.items():
    net = FeedForwardRegressor(
        hidden_layer_sizes=(30,),
        activation="tanh",
        learning_rate_init=0.01,
        batch_size=32,
        max_iter=200,
        tol=None,
        random_state=0,
        **params,
    ).fit(X, y)
    ax.plot(np.arange(1, net.n_iter_ + 1), net.loss_curve_, label=f"{name}: final {net.loss_:.3f}")
ax.axhline(0.01, color="k", ls=":", lw=1, label="noise level (MSE of the true curve)")
ax.set(
    yscale="log",
    xlabel="epoch",
    ylabel="training MSE (loss_curve_)",
    title="The loss falling, epoch by epoch",
)
ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), fontsize=9)
fig.tight_layout()

# %%
# With and without early stopping
# -------------------------------
# On few, noisy samples a large network (two hidden layers of 200 relu
# neurons) goes on lowering its training loss long after it has stopped
# getting better on data it has not seen: it starts fitting the noise, and the
# held-out loss turns up again.
# With ``early_stopping=True`` the estimator holds out ``validation_fraction``
# of the training data, records the loss there after each epoch
# (``validation_loss_curve_``), stops after ``n_iter_no_change`` epochs
# without improvement and keeps the weights of the best epoch.
#
# Each epoch here is one full-batch step (``batch_size='auto'`` takes all 21
# training samples), so the curves are smooth. To draw the held-out loss of
# the run *without* early stopping, we let it
# watch the same split but never stop (``n_iter_no_change`` as large as
# ``max_iter``).
rng = np.random.RandomState(0)
X_small = rng.uniform(-3, 3, size=(30, 1))
y_small = f(X_small[:, 0]) + 0.5 * rng.randn(30)
common = {
    "hidden_layer_sizes": (200, 200),
    "activation": "relu",
    "learning_rate_init": 0.003,
    "max_iter": 400,
    "random_state": 0,
    "early_stopping": True,
    "validation_fraction": 0.3,
}
full = FeedForwardRegressor(tol=None, n_iter_no_change=400, **common).fit(X_small, y_small)
stopped = FeedForwardRegressor(n_iter_no_change=20, **common).fit(X_small, y_small)
best = int(np.argmin(stopped.validation_loss_curve_)) + 1
print(f"without early stopping: {full.n_iter_} epochs")
print(f"with early stopping: stopped after {stopped.n_iter_} epochs, kept epoch {best}")

fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(10, 4.4))
epochs = np.arange(1, full.n_iter_ + 1)
ax0.plot(epochs, full.loss_curve_, color="C0", alpha=0.8, label="training loss")
ax0.plot(epochs, full.validation_loss_curve_, color="C1", alpha=0.8, label="held-out loss")
ax0.set(
    title="Without early stopping: all 400 epochs",
    xlabel="epoch",
    ylabel="MSE",
    ylim=(0, 1.0),
)
ax0.legend(fontsize=9)
epochs = np.arange(1, stopped.n_iter_ + 1)
ax1.plot(epochs, stopped.loss_curve_, color="C0", label="training loss")
ax1.plot(epochs, stopped.validation_loss_curve_, color="C1", label="held-out loss")
ax1.axvline(best, color="C2", ls="--", label=f"best epoch ({best}): weights kept")
ax1.axvline(stopped.n_iter_, color="k", ls=":", label=f"stopped ({stopped.n_iter_} epochs)")
ax1.set(
    title="With early_stopping=True, n_iter_no_change=20",
    xlabel="epoch",
    ylabel="MSE",
    ylim=(0, 1.0),
    xlim=ax0.get_xlim(),
)
ax1.legend(fontsize=9)
fig.tight_layout()
plt.show()
