"""
=======================================================
Decision boundaries of networks on two-dimensional data
=======================================================

A single neuron — the perceptron or the sigmoid neuron — separates two classes
with a straight line. A hidden layer bends the boundary. Here
:class:`~sknn_intuition.FeedForwardClassifier` with two hidden layers of 20
neurons, each with one of three activations, learns three datasets that no
line can separate: two moons, two circles, and XOR (class 1 where the two
features have the same sign). The top row is
:class:`~sknn_intuition.PerceptronClassifier` on the same data, for contrast.

The colour is the predicted probability of class 1 (``predict_proba``) — a
network with a sigmoid (two classes) or softmax output reads its outputs as
probabilities — and the black line is the boundary where it equals ½. The
perceptron's colour is its all-or-nothing prediction.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_circles, make_moons
from sklearn.preprocessing import StandardScaler

from sknn_intuition import FeedForwardClassifier, PerceptronClassifier

rng = np.random.RandomState(0)
X_xor = rng.uniform(-1, 1, size=(200, 2))
y_xor = (X_xor[:, 0] * X_xor[:, 1] > 0).astype(int)
datasets = {
    "moons": make_moons(200, noise=0.2, random_state=0),
    "circles": make_circles(200, noise=0.1, factor=0.5, random_state=0),
    "XOR": (X_xor, y_xor),
}
models = {"perceptron": None, "sigmoid": "sigmoid", "tanh": "tanh", "relu": "relu"}

fig, axes = plt.subplots(len(models), len(datasets), figsize=(10, 12.5))
for j, (data_name, (X, y)) in enumerate(datasets.items()):
    X = StandardScaler().fit_transform(X)
    xx, yy = np.meshgrid(np.linspace(-2.8, 2.8, 150), np.linspace(-2.8, 2.8, 150))
    grid = np.c_[xx.ravel(), yy.ravel()]
    for i, (model_name, activation) in enumerate(models.items()):
        ax = axes[i, j]
        if activation is None:
            model = PerceptronClassifier(random_state=0).fit(X, y)
            Z = model.predict(grid).reshape(xx.shape).astype(float)
        else:
            model = FeedForwardClassifier(
                hidden_layer_sizes=(20, 20),
                activation=activation,
                learning_rate_init=0.02,
                max_iter=300,
                tol=None,
                random_state=0,
            ).fit(X, y)
            Z = model.predict_proba(grid)[:, 1].reshape(xx.shape)
        ax.contourf(xx, yy, Z, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.7)
        ax.contour(xx, yy, Z, levels=[0.5], colors="k", linewidths=1.5)
        ax.scatter(X[:, 0], X[:, 1], c=y, cmap="RdBu_r", edgecolor="k", s=12, lw=0.4)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.text(
            0.97,
            0.03,
            f"accuracy {model.score(X, y):.2f}",
            transform=ax.transAxes,
            ha="right",
            fontsize=9,
            bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "none"},
        )
        if i == 0:
            ax.set_title(data_name)
        if j == 0:
            label = "perceptron" if activation is None else f"network, {model_name}"
            ax.set_ylabel(label)
fig.tight_layout()
plt.show()
