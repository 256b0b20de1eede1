"""
=============================================
The perceptron: a harsh, all-or-nothing judge
=============================================

A perceptron fires (predicts class 1) when the weighted sum of its inputs plus
a bias is above zero: ``y_hat = 1 if w·x + b > 0 else 0``.

The critic of the explanation has one input, a rating between 0 and 1, weight
``w = 1`` and bias ``b = -0.5``. A rating of 0.49 gives 0 and a rating of 0.51
gives 1: two almost equal inputs, two opposite verdicts. We set these weights
by hand on a :class:`~sknn_intuition.PerceptronClassifier`, then let the
perceptron learn its own weights from examples, in one and in two dimensions.
"""

# %%
# The critic, with weights set by hand
# ------------------------------------
# ``fit`` sets up the classes and the shapes; we then overwrite the weight and
# the bias with the critic's. The left panel shows the verdict as the rating
# goes from 0 to 1, with the decision value ``z = w·x + b`` dashed beneath.
#
# Given ratings labelled 1 when they exceed 0.5, stochastic gradient descent
# on the perceptron criterion finds weights whose boundary ``x = -b / w`` lies
# between the last 0 and the first 1 (right panel). Only the *sign* of
# ``w·x + b`` matters, so the learnt weights are a rescaled version of the
# critic's.
import matplotlib.pyplot as plt
import numpy as np

from sknn_intuition import PerceptronClassifier

critic = PerceptronClassifier().fit([[0.0], [1.0]], [0, 1])
critic.coef_[:] = 1.0
critic.intercept_[:] = -0.5
print("verdicts for 0.49 and 0.51:", critic.predict([[0.49], [0.51]]))

rng = np.random.RandomState(0)
X = rng.uniform(0, 1, size=(200, 1))
y = (X[:, 0] > 0.5).astype(int)
learnt = PerceptronClassifier(random_state=0).fit(X, y)
w, b = learnt.coef_[0, 0], learnt.intercept_[0]
print(f"learnt w = {w:.3f}, b = {b:.3f}, boundary -b/w = {-b / w:.3f}")

ratings = np.linspace(0, 1, 1001).reshape(-1, 1)
fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(10, 4))
ax0.plot(ratings[:, 0], critic.predict(ratings), color="C0", lw=2, label="verdict ŷ")
ax0.plot(
    ratings[:, 0],
    critic.decision_function(ratings),
    color="C7",
    ls="--",
    label="z = w·x + b",
)
for r, offset in ((0.49, (-0.32, 0.2)), (0.51, (0.08, -0.25))):
    v = critic.predict([[r]])[0]
    ax0.plot(r, v, "o", color="C3", ms=7)
    ax0.annotate(
        f"{r} → {v}",
        (r, v),
        xytext=(r + offset[0], v + offset[1]),
        arrowprops={"arrowstyle": "->", "color": "C3"},
        color="C3",
        fontsize=12,
    )
ax0.axhline(0, color="k", lw=0.5)
ax0.set(
    xlabel="critic's rating x",
    ylabel="output",
    title="w = 1, b = -0.5: the verdict jumps at x = 0.5",
    ylim=(-0.6, 1.25),
)
ax0.legend(loc="upper left")

ax1.scatter(X[:, 0], y, c=y, cmap="coolwarm", s=12, alpha=0.6, label="training ratings")
ax1.plot(ratings[:, 0], learnt.predict(ratings), color="C0", lw=2, label="learnt verdict")
ax1.axvline(-b / w, color="C2", ls=":", lw=2, label=f"learnt boundary x = {-b / w:.3f}")
ax1.set(
    xlabel="critic's rating x",
    ylabel="class",
    title="The threshold, learnt by SGD",
    ylim=(-0.1, 1.25),
)
ax1.legend(loc="upper left")
fig.tight_layout()

# %%
# Two inputs: a straight boundary, moved by each mistake
# ------------------------------------------------------
# With two features the boundary ``w·x + b = 0`` is a straight line, and the
# verdict flips across it with no shade of doubt. Rosenblatt's rule moves the
# line only when it gets a sample wrong: ``w += eta0 * y_i * x_i``. We stream
# the samples one at a time through ``partial_fit`` (``batch_size=1``,
# constant rate, ``average=False`` to see the rule's own weights rather than
# their running average) and draw the line after 1, 8, 32 and 128 samples, then after
# a few full passes; on the right, the number of training points still on the
# wrong side. Each mistake can swing the line far, so that number jumps about
# before it reaches zero (the classes are separable, so it must). The
# package's default, ``average=True``, reports the mean of the weights over
# all steps instead of the last ones, which steadies it.
rng = np.random.RandomState(0)
X2 = rng.uniform(-3, 3, size=(600, 2))
s = 0.8 * X2[:, 0] + X2[:, 1] - 0.5  # the true, unknown boundary is s = 0
keep = np.abs(s) > 0.15  # leave a small margin: the classes are separable
X2, y2 = X2[keep][:300], (s[keep][:300] > 0).astype(int)


def stream(average):
    """Feed the samples one by one, then 4 more passes; record the mistakes."""
    clf = PerceptronClassifier(
        batch_size=1, learning_rate="constant", average=average, shuffle=False
    )
    snapshots, seen_counts, mistakes = {}, [], []
    seen = 0
    for stop in [1, 2, 4, 8, 16, 32, 64, 128, 300]:
        clf.partial_fit(X2[seen:stop], y2[seen:stop], classes=[0, 1])
        seen = stop
        seen_counts.append(seen)
        mistakes.append(int((clf.predict(X2) != y2).sum()))
        if stop in (1, 8, 32, 128):
            label = f"after {stop} sample" + ("s" if stop > 1 else "")
            snapshots[label] = (clf.coef_[0].copy(), clf.intercept_[0])
    for _ in range(4):  # four more passes over the whole set
        clf.partial_fit(X2, y2)
        seen += len(X2)
        seen_counts.append(seen)
        mistakes.append(int((clf.predict(X2) != y2).sum()))
    snapshots["after 5 passes"] = (clf.coef_[0].copy(), clf.intercept_[0])
    return clf, snapshots, seen_counts, mistakes


clf, snapshots, seen_counts, mistakes = stream(average=False)
_, _, _, mistakes_avg = stream(average=True)
print("training mistakes:", dict(zip(seen_counts, mistakes)))

xx, yy = np.meshgrid(np.linspace(-3, 3, 300), np.linspace(-3, 3, 300))
grid = np.c_[xx.ravel(), yy.ravel()]
fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(10, 5))
ax0.contourf(xx, yy, clf.predict(grid).reshape(xx.shape), alpha=0.25, cmap="coolwarm")
ax0.scatter(X2[:, 0], X2[:, 1], c=y2, cmap="coolwarm", edgecolor="k", s=14, lw=0.4)
line_x = np.array([-3.0, 3.0])
colors = ["0.75", "0.6", "0.45", "0.3", "k"]
for (label, (w2, b2)), color in zip(snapshots.items(), colors):
    # w1 x1 + w2 x2 + b = 0  ->  x2 = -(w1 x1 + b) / w2
    ax0.plot(line_x, -(w2[0] * line_x + b2) / w2[1], color=color, lw=2, label=label)
ax0.set(xlim=(-3, 3), ylim=(-3, 3), xlabel="feature 1", ylabel="feature 2")
ax0.set_title("The boundary w·x + b = 0 as samples arrive")
ax0.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=3, fontsize=9)
ax1.plot(seen_counts, mistakes, marker="o", label="Rosenblatt's rule (average=False)")
ax1.plot(seen_counts, mistakes_avg, marker="s", alpha=0.7, label="averaged weights (average=True)")
ax1.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), fontsize=9)
ax1.set_xscale("log")
ax1.set(
    xlabel="samples seen (log scale)",
    ylabel="training points misclassified",
    title="Mistakes on the training set",
)
fig.tight_layout()
plt.show()
