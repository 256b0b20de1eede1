"""
===================================
Towers in two dimensions: a surface
===================================

The same idea works over several inputs. A two-dimensional tower stands on a
cell ``[a_0, c_0] × [a_1, c_1]`` of the input plane: it is built from the
one-dimensional towers of the two features, added up and passed through one
more steep sigmoid, ``σ(w · (tower_0(x0) + tower_1(x1) - 1.5))``, which is
about 1 only where both are up. Cells side by side, each with its height,
build a surface.

With two or three features :class:`~sknn_intuition.TowerRegressor` adds such
cell towers (``cells='auto'``) to the rows of one-dimensional towers. The
target below, ``sin(x0) cos(x1)``, is a pure interaction: a sum of functions
of one feature each cannot fit it, the cells can. The features are called
``x0`` and ``x1`` throughout, as :class:`~sknn_intuition.TowerDisplay` labels
them.
"""

import matplotlib.pyplot as plt
import numpy as np

from sknn_intuition import TowerDisplay, TowerRegressor

rng = np.random.RandomState(0)
X = rng.uniform(-3, 3, size=(1500, 2))
y = np.sin(X[:, 0]) * np.cos(X[:, 1])
X_test = rng.uniform(-3, 3, size=(2000, 2))
y_test = np.sin(X_test[:, 0]) * np.cos(X_test[:, 1])

# %%
# One cell tower, the target, and the towers' fit
# -----------------------------------------------
# Left: the activation of a single cell tower (one column of
# ``tower_activations``), with steep walls so that they show. Middle: the
# target. Right: the prediction of 10 × 10 smooth cell towers
# (``n_towers=10`` and the default ``steepness=4``), on the target's colour
# scale: the two maps are hard to tell apart.
steep = TowerRegressor(n_towers=8, steepness=30).fit(X, y)
est = TowerRegressor(n_towers=10).fit(X, y)
print(f"{est.n_towers_} towers: {est.n_1d_towers_} one-dimensional, {len(est.cells_)} cells")
print(f"R² on new points: {est.score(X_test, y_test):.3f}")

xx, yy = np.meshgrid(np.linspace(-3, 3, 150), np.linspace(-3, 3, 150))
grid = np.c_[xx.ravel(), yy.ravel()]
cell = steep.n_1d_towers_ + len(steep.cells_) // 2 + 3  # a cell near the middle
one_cell = steep.tower_activations(grid)[:, cell].reshape(xx.shape)
target = np.sin(xx) * np.cos(yy)
fit = est.predict(grid).reshape(xx.shape)

fig, axes = plt.subplots(1, 3, figsize=(11, 3.5), sharey=True, layout="constrained")
levels = np.linspace(-1.1, 1.1, 23)
axes[0].contourf(xx, yy, one_cell, levels=20, cmap="viridis")
axes[0].set(title="One steep cell tower", xlabel="x0", ylabel="x1")
axes[1].contourf(xx, yy, target, levels=levels, cmap="RdBu_r")
axes[1].set(title="Target sin(x0) cos(x1)", xlabel="x0")
surface = axes[2].contourf(xx, yy, fit, levels=levels, cmap="RdBu_r")
axes[2].set(title=f"10 × 10 cell towers, R² {est.score(X_test, y_test):.3f}", xlabel="x0")
for ax in axes:
    ax.set_aspect("equal")
fig.colorbar(surface, ax=axes, shrink=0.8, label="y")

# %%
# Rows of towers alone cannot fit an interaction
# ----------------------------------------------
# Without cells the model is a sum of one-dimensional curves, one per
# feature; ``sin(x0) cos(x1)`` is not of that form and the fit is flat. The
# smooth cell towers fit it closely. Both maps are drawn by
# :class:`~sknn_intuition.TowerDisplay` (filled contours on flat axes, a
# surface on 3-D axes), with the training points in black.
additive = TowerRegressor(n_towers=10, cells=False).fit(X, y)
fig, axes = plt.subplots(1, 2, figsize=(10, 4.6), sharey=True)
for ax, model, title in [
    (axes[0], additive, "rows of 1-D towers only (cells=False)"),
    (axes[1], est, "with smooth cell towers"),
]:
    TowerDisplay.from_estimator(model, X[:300], y[:300], ax=ax)
    ax.set_title(f"{title}\nR² on new points {model.score(X_test, y_test):.2f}")
    ax.set_aspect("equal")
fig.tight_layout()
plt.show()
