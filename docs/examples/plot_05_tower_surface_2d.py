"""
===================================
Towers in two dimensions: a surface
===================================

The same idea works over several inputs. A two-dimensional tower stands on a
cell ``[a_1, c_1] × [a_2, c_2]`` of the input plane: it is built from the
one-dimensional towers of the two features, added up and passed through one
more steep sigmoid, ``σ(s · (tower_1(x_1) + tower_2(x_2) - 1.5))``, which is
about 1 only where both are up. Cells side by side, each with its height,
build a surface.

With two or three features :class:`~sknn_intuition.TowerRegressor` adds such
cell towers (``cells='auto'``) to the rows of one-dimensional towers. The
target below, ``sin(x_1) cos(x_2)``, is a pure interaction: a sum of
functions of one feature each cannot fit it, the cells can.
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
# One cell tower, the target, and the surface of all the towers
# --------------------------------------------------------------
# Left: the activation of a single cell tower (one column of
# ``tower_activations``). Middle: the target. Right: the prediction of
# 8 × 8 steep cell towers, drawn by :class:`~sknn_intuition.TowerDisplay` — a
# city of blocks following the surface.
est = TowerRegressor(n_towers=8, steepness=30).fit(X, y)
print(f"{est.n_towers_} towers: {est.n_1d_towers_} one-dimensional, {len(est.cells_)} cells")
print(f"R² on new points: {est.score(X_test, y_test):.3f}")

xx, yy = np.meshgrid(np.linspace(-3.3, 3.3, 60), np.linspace(-3.3, 3.3, 60))
grid = np.c_[xx.ravel(), yy.ravel()]
cell = est.n_1d_towers_ + len(est.cells_) // 2 + 3  # a cell near the middle
one_cell = est.tower_activations(grid)[:, cell].reshape(xx.shape)

fig = plt.figure(figsize=(14, 4.5))
ax = fig.add_subplot(1, 3, 1, projection="3d")
ax.plot_surface(xx, yy, one_cell, cmap="viridis", linewidth=0)
ax.set(title="One cell tower", xlabel="x1", ylabel="x2")
ax = fig.add_subplot(1, 3, 2, projection="3d")
ax.plot_surface(xx, yy, np.sin(xx) * np.cos(yy), cmap="viridis", linewidth=0)
ax.set(title="Target sin(x1) cos(x2)", xlabel="x1", ylabel="x2")
ax = fig.add_subplot(1, 3, 3, projection="3d")
TowerDisplay.from_estimator(est, X, y, ax=ax, grid_resolution=100)
ax.set_title(f"{len(est.cells_)} steep cell towers (R² {est.score(X_test, y_test):.2f})")
fig.tight_layout()

# %%
# Rows of towers alone cannot fit an interaction
# ----------------------------------------------
# Without cells the model is a sum of one-dimensional curves, one per
# feature; ``sin(x_1) cos(x_2)`` is not of that form and the fit is flat.
# Smooth cell towers (the default ``steepness=4``) fit it closely.
additive = TowerRegressor(n_towers=8, cells=False).fit(X, y)
smooth = TowerRegressor(n_towers=10).fit(X, y)
fig, axes = plt.subplots(1, 2, figsize=(10, 4))
for ax, model, title in [
    (axes[0], additive, "rows of 1-D towers only (cells=False)"),
    (axes[1], smooth, "with smooth cell towers (steepness=4)"),
]:
    TowerDisplay.from_estimator(model, X, y, ax=ax)
    ax.set_title(f"{title}\nR² on new points {model.score(X_test, y_test):.2f}", fontsize=10)
fig.tight_layout()
plt.show()
