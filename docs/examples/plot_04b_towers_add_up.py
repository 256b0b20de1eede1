"""
==============================================
Towers add up to a curve (and the error falls)
==============================================

The universal approximation theorem (1989) says that one hidden layer of
enough sigmoid neurons can approximate any continuous function ``f`` on a
bounded domain to any accuracy ε: some network output ``g`` has
``|f(x) - g(x)| < ε`` everywhere. The constructive picture: cover the domain
with towers, give each a height close to ``f`` there, and add them up.
More, narrower towers give a closer fit.

:class:`~sknn_intuition.TowerRegressor` builds the row of towers over the
training range and learns their heights (by default with one exact
least-squares solve, or with SGD); :class:`~sknn_intuition.TowerDisplay` draws
each tower, scaled by its height, and their sum.
"""

import matplotlib.pyplot as plt
import numpy as np

from sknn_intuition import TowerDisplay, TowerRegressor


def f(x):
    """The curve to approximate: any continuous function would do."""
    return np.sin(1.5 * x) + 0.5 * np.sin(4 * x)


X = np.linspace(-3, 3, 600).reshape(-1, 1)
y = f(X[:, 0])

# %%
# A few towers, then many
# -----------------------
# With steep walls (``steepness=30``) the towers are the rectangles of the
# textbook picture and their sum is a staircase; with eight towers it is a
# rough sketch of the curve, with forty a close one.
fig, axes = plt.subplots(2, 1, figsize=(9, 8), sharex=True)
for ax, n in zip(axes, [8, 40]):
    est = TowerRegressor(n_towers=n, steepness=30).fit(X, y)
    TowerDisplay.from_estimator(est, X, y, ax=ax, fill=True)  # filled: count them
    err = np.abs(est.predict(X) - y).max()
    ax.set_title(f"{n} steep towers and their sum (largest error {err:.2f})")
    ax.get_legend().remove()  # one legend for both, below the curves
axes[0].set_xlabel("")
fig.legend(
    *axes[0].get_legend_handles_labels(), loc="lower center", ncol=4, frameon=False
)
fig.tight_layout(rect=(0, 0.05, 1, 1))

# %%
# The error falls as towers are added
# -----------------------------------
# The largest and the root-mean-square error on a fine grid, as the number of
# towers doubles. For the steep, rectangular towers the largest error halves
# each time, like ``1 / n``: the width of a step. Gentler walls
# (``steepness=4``, the default) give overlapping bumps whose sum is smooth,
# and reach a given error with far fewer towers; their largest error levels
# off near 0.04 at the very end of the range (x = -3), where the last bump has
# no neighbour beyond the edge, while the RMS error keeps falling.
X_fine = np.linspace(-3, 3, 2000).reshape(-1, 1)
y_fine = f(X_fine[:, 0])
counts = np.array([2, 4, 8, 16, 32, 64, 128])
fig, ax = plt.subplots(figsize=(8, 5))
for steepness, color in [(30, "C3"), (4, "C0")]:
    max_err, rms_err = [], []
    for n in counts:
        est = TowerRegressor(n_towers=n, steepness=steepness).fit(X, y)
        r = est.predict(X_fine) - y_fine
        max_err.append(np.abs(r).max())
        rms_err.append(np.sqrt(np.mean(r**2)))
    ax.plot(counts, max_err, "o-", color=color, label=f"largest error, steepness={steepness}")
    ax.plot(
        counts, rms_err, "s--", color=color, alpha=0.6, label=f"RMS error, steepness={steepness}"
    )
ax.plot(counts, 4.0 / counts, ":", color="k", label="1 / n (scaled)")
ax.set(
    xscale="log",
    yscale="log",
    xlabel="number of towers n",
    ylabel="error on a fine grid",
    title="More towers, smaller error",
)
ax.set_xticks(counts, [str(n) for n in counts])
ax.legend(loc="lower left", fontsize=9)
fig.tight_layout()
plt.show()
