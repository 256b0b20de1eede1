"""
======================================
What the hidden neurons learn
======================================

A network with one hidden layer of four sigmoid neurons learns two moons.
Each hidden neuron computes ``σ(b + w·x)``: over the plane, a smooth step
that rises across one straight line, the line ``b + w·x = 0``. Learning has
placed and turned those four walls so that the output neuron, which adds them
up with its own weights and passes the sum through a sigmoid, can tell the
moons apart: the bent boundary on the right is made of straight walls.

:meth:`~sknn_intuition.FeedForwardClassifier.hidden_activations` returns
every hidden neuron's value for each point; the four small maps are its
columns over a grid (dark where the neuron outputs 1, white where 0), the
large one ``predict_proba``.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_moons
from sklearn.preprocessing import StandardScaler

from sknn_intuition import FeedForwardClassifier

X, y = make_moons(300, noise=0.15, random_state=0)
X = StandardScaler().fit_transform(X)
net = FeedForwardClassifier(
    hidden_layer_sizes=(4,),
    activation="sigmoid",
    learning_rate_init=0.05,
    max_iter=400,
    tol=None,
    random_state=0,
).fit(X, y)
print(f"training accuracy {net.score(X, y):.3f}")

xx, yy = np.meshgrid(np.linspace(-2.5, 2.5, 120), np.linspace(-2.5, 2.5, 120))
grid = np.c_[xx.ravel(), yy.ravel()]
H = net.hidden_activations(grid, layer=0)  # shape (n_points, 4)
proba = net.predict_proba(grid)[:, 1]
v = net.coefs_[1][:, 0]  # the output neuron's weight on each hidden neuron

fig = plt.figure(figsize=(12, 5.6), layout="constrained")
left, right = fig.subfigures(1, 2, width_ratios=[1, 1.1])
axes = left.subplots(2, 2, sharex=True, sharey=True)
for k, ax in enumerate(axes.ravel()):
    ax.contourf(xx, yy, H[:, k].reshape(xx.shape), levels=np.linspace(0, 1, 11),
                cmap="Greys", alpha=0.85)
    ax.contour(xx, yy, H[:, k].reshape(xx.shape), levels=[0.5], colors="C1", linewidths=2)
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap="RdBu_r", s=6, lw=0)
    ax.set_title(f"neuron {k + 1} (output weight {v[k]:+.1f})", fontsize=11)
    ax.set_xticks([-2, 0, 2])
    ax.set_yticks([-2, 0, 2])
ax = right.subplots()
ax.contourf(xx, yy, proba.reshape(xx.shape), levels=np.linspace(0, 1, 11), cmap="RdBu_r",
            alpha=0.7)
for k in range(H.shape[1]):
    ax.contour(xx, yy, H[:, k].reshape(xx.shape), levels=[0.5], colors="C1",
               linewidths=1, linestyles="--")
ax.contour(xx, yy, proba.reshape(xx.shape), levels=[0.5], colors="k", linewidths=2)
ax.scatter(X[:, 0], X[:, 1], c=y, cmap="RdBu_r", edgecolor="k", s=14, lw=0.4)
ax.set(xlim=(-2.5, 2.5), ylim=(-2.5, 2.5), xlabel="x0", ylabel="x1")
ax.set_title("P(class 1); dashed: the four walls, black: the boundary", fontsize=11)
plt.show()
