"""
===========================================
One tower is the difference of two sigmoids
===========================================

A tower stands on an interval ``[a, c]``: it is about 1 between its walls and
about 0 elsewhere. It is built from two steep sigmoids with the same slope
``w`` (the weight of both sigmoid neurons), one rising at the left wall and one at the right:

.. math::

    \\mathrm{tower}(x) = \\sigma(w (x - a)) - \\sigma(w (x - c)), \\qquad a < c.

The slope sets how sharp the walls are, the biases ``-w a`` and ``-w c`` set
where they stand, and an output weight (the tower's *height*) scales it. We
let :class:`~sknn_intuition.TowerRegressor` lay out a single tower and compare
its activation with the two sigmoids computed by hand.
"""

import matplotlib.pyplot as plt
import numpy as np
from scipy.special import expit  # the sigmoid 1 / (1 + exp(-z))

from sknn_intuition import TowerRegressor

X = np.linspace(0, 1, 50).reshape(-1, 1)
x = np.linspace(-1.5, 2.5, 800)

# %%
# The two walls and their difference
# -----------------------------------
# ``steepness`` is the slope times the tower's width, ``w = steepness / (c - a)``,
# so the shape of a tower does not depend on the units of ``x``. With steep
# walls the estimator's tower is exactly the difference of the two sigmoids
# (it divides by ``tanh(steepness / 4)`` so that the peak is 1, which is a
# no-op here).
#
# Where do the walls stand? With ``n_towers`` towers the estimator puts the
# tower *centres* evenly from the smallest to the largest training value and
# the walls halfway between them, so the data at the ends sit on the middle of
# a tower, not on a half-height wall. A single tower is centred on the range
# and made twice as wide as it: for the data on [0, 1] its walls stand at
# ``a = -0.5`` and ``c = 1.5``, and every training point sits on its flat top.
# Its width is 2, so ``steepness=40`` gives walls of slope ``w = 40 / 2 = 20``.
est = TowerRegressor(n_towers=1, steepness=40).fit(X, np.ones(len(X)))
a, c = est.tower_left_[0], est.tower_right_[0]
w = 40 / (c - a)
left, right = expit(w * (x - a)), expit(w * (x - c))
tower = est.tower_activations(x.reshape(-1, 1))[:, 0]
print(f"walls a = {a:.2f}, c = {c:.2f}; slope w = {w:.1f}")
print(
    "largest gap between the estimator's tower and σ_left - σ_right:",
    np.abs(tower - (left - right)).max(),
)

fig, axes = plt.subplots(1, 2, figsize=(10, 4.2))
ax = axes[0]
ax.plot(x, left, color="C0", label="σ(w(x - a)): left wall up")
ax.plot(x, right, color="C1", label="σ(w(x - c)): right wall up")
ax.set(title="Two steep sigmoids", xlabel="x", ylim=(-0.05, 1.5))
ax.legend(loc="upper left", fontsize=9)

ax = axes[1]
ax.plot(x, left - right, color="C7", lw=5, alpha=0.5, label="σ(w(x - a)) - σ(w(x - c))")
ax.plot(x, tower, color="k", lw=1.5, ls="--", label="TowerRegressor's tower")
ax.axvspan(0, 1, color="C0", alpha=0.1, label="training data: [0, 1]")
ax.set(title=f"Their difference: a tower on [{a:.1f}, {c:.1f}]", xlabel="x", ylim=(-0.05, 1.5))
ax.legend(loc="upper left", fontsize=9)
fig.tight_layout()

# %%
# The slope sets the walls
# ------------------------
# The same tower with gentler and steeper walls: with a small slope it is a
# smooth bump, with a large one a rectangle, the "bar" of the explanation.
# On this tower of width 2 the slopes are ``w = steepness / 2``: 2, 5, 15, 50.
fig, ax = plt.subplots(figsize=(7, 4.2))
for k, steepness in enumerate([4, 10, 30, 100]):
    est = TowerRegressor(n_towers=1, steepness=steepness).fit(X, np.ones(len(X)))
    ax.plot(
        x,
        est.tower_activations(x.reshape(-1, 1))[:, 0],
        color=plt.cm.viridis(k / 3),
        label=f"steepness = {steepness} (w = {steepness / 2:g})",
    )
ax.set(title="Steeper walls, sharper tower", xlabel="x", ylim=(-0.05, 1.2))
ax.legend(loc="center left", bbox_to_anchor=(1.02, 0.5))
fig.tight_layout()
plt.show()
