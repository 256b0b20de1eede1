"""
=================================================
The sigmoid neuron: an S that sharpens and slides
=================================================

The sigmoid neuron replaces the perceptron's step by the S-curve
``σ(z) = 1 / (1 + exp(-z))`` of the same decision value ``z = w·x + b``. Its
output lies in (0, 1) and reads as a probability. Two properties matter for
what follows: the larger the weight, the steeper the S (its slope at the
centre is ``w / 4``); the bias slides the S along the x axis, its centre —
where the output is ½ — sitting at ``x = -b / w``.

We set the weight and the bias of a
:class:`~sknn_intuition.SigmoidNeuronClassifier` by hand and read the curve
from ``predict_proba``; then we let it learn them from data.
"""

import matplotlib.pyplot as plt
import numpy as np

from sknn_intuition import PerceptronClassifier, SigmoidNeuronClassifier

x = np.linspace(0, 1, 501).reshape(-1, 1)
neuron = SigmoidNeuronClassifier().fit([[0.0], [1.0]], [0, 1])  # sets shapes and classes


def s_curve(w, b):
    """The neuron's output σ(w x + b) on the grid, with weight and bias set by hand."""
    neuron.coef_[:] = w
    neuron.intercept_[:] = b
    return neuron.predict_proba(x)[:, 1]


# %%
# The weight sets the slope, the bias the centre
# ----------------------------------------------
# Left: weights 1, 5, 20 and 100 with the bias ``b = -w / 2``, so that every S
# is centred at 0.5; the bigger the weight, the closer the S comes to the
# perceptron's step. Right: weight 20 and biases -4, -10, -16: the S slides,
# its centre at ``x = -b / w`` = 0.2, 0.5, 0.8.
fig, axes = plt.subplots(1, 2, figsize=(10, 4.2))
ax = axes[0]
for k, w in enumerate([1, 5, 20, 100]):
    ax.plot(
        x[:, 0], s_curve(w, -w / 2), color=plt.cm.viridis(k / 3), label=f"w = {w}, b = {-w / 2:g}"
    )
ax.set(title="Larger weight, steeper S", xlabel="x", ylabel="σ(w x + b)")
ax.legend(loc="upper left", fontsize=9)

ax = axes[1]
for k, b in enumerate([-4, -10, -16]):
    ax.plot(x[:, 0], s_curve(20, b), color=f"C{k}", label=f"w = 20, b = {b}")
    ax.axvline(-b / 20, color=f"C{k}", ls=":", lw=1)
    ax.text(-b / 20 + 0.01, 0.05, f"-b/w = {-b / 20:g}", color=f"C{k}", fontsize=9)
ax.axhline(0.5, color="k", lw=0.5)
ax.set(title="The bias slides the S: centre at -b / w", xlabel="x")
ax.legend(fontsize=9, loc="upper left")
fig.tight_layout()

# %%
# The critic, made gentle
# -----------------------
# The critic of the previous step with the same weight 1 and bias -0.5:
# ratings of 0.49 and 0.51 now give 0.498 and 0.502 — two nearly equal
# inputs, two nearly equal outputs, where the perceptron gave 0 and 1.
fig, ax = plt.subplots(figsize=(7, 4.2))
critic = PerceptronClassifier().fit([[0.0], [1.0]], [0, 1])
critic.coef_[:] = 1.0
critic.intercept_[:] = -0.5
ax.plot(x[:, 0], critic.predict(x), color="C7", lw=2, label="perceptron (w = 1, b = -0.5)")
ax.plot(x[:, 0], s_curve(1, -0.5), color="C0", lw=2, label="sigmoid neuron (w = 1, b = -0.5)")
gentle = s_curve(1, -0.5)[[245, 255]]  # x = 0.49 and 0.51
for r, v in zip([0.49, 0.51], gentle):
    ax.plot(r, v, "o", color="C3")
ax.annotate(
    f"0.49 → {gentle[0]:.3f}\n0.51 → {gentle[1]:.3f}",
    (0.5, 0.5),
    xytext=(0.55, 0.2),
    arrowprops={"arrowstyle": "->", "color": "C3"},
    color="C3",
)
ax.set(title="The critic, step and S", xlabel="critic's rating x", ylim=(-0.05, 1.3))
ax.legend(loc="upper left")
fig.tight_layout()

# %%
# Learning the S from data
# ------------------------
# Ratings whose label is 1 more often the higher they are, with the classes
# overlapping around 0.6. The sigmoid neuron learns a weight and a bias by
# stochastic gradient descent — on the squared error of the explanation (the
# default) or on the log-loss (logistic regression); both put the centre of
# the S, ``-b / w``, near 0.6, and the fraction of 1s in bins of the ratings
# (grey) follows the S. The perceptron can only place a step.
rng = np.random.RandomState(0)
X = rng.uniform(0, 1, size=(400, 1))
y = (rng.rand(400) < 1 / (1 + np.exp(-12 * (X[:, 0] - 0.6)))).astype(int)

fig, ax = plt.subplots(figsize=(8, 5.6))
ax.scatter(
    X[:, 0],
    y + rng.uniform(-0.03, 0.03, 400),
    s=6,
    color="0.6",
    alpha=0.6,
    label="samples (jittered)",
)
bins = np.linspace(0, 1, 11)
idx = np.digitize(X[:, 0], bins) - 1
freq = [y[idx == k].mean() for k in range(10)]
ax.plot(0.5 * (bins[1:] + bins[:-1]), freq, "s", color="k", label="fraction of 1s per bin")
for loss, color in [("squared_error", "C0"), ("log_loss", "C1")]:
    clf = SigmoidNeuronClassifier(loss=loss, random_state=0).fit(X, y)
    w, b = clf.coef_[0, 0], clf.intercept_[0]
    ax.plot(
        x[:, 0],
        clf.predict_proba(x)[:, 1],
        color=color,
        lw=2,
        label=f"sigmoid neuron, loss='{loss}': w = {w:.1f}, -b/w = {-b / w:.2f}",
    )
perceptron = PerceptronClassifier(random_state=0).fit(X, y)
ax.plot(x[:, 0], perceptron.predict(x), color="C7", ls="--", label="perceptron's step")
ax.set(xlabel="x", ylabel="P(y = 1)", title="A learnt S on overlapping classes")
ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), fontsize=9)
fig.tight_layout()
plt.show()
