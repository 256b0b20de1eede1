"""The explorable figures: their sliders, and how each frame is drawn.

Each entry of ``EXPLORABLES`` returns a :class:`Spec`: the sliders (a name, a
label, the values it steps through, the one shown first, how to print a
value) and ``draw(fig, **values)``, which draws one frame on an empty figure
using the package's estimators. ``explorable.py`` calls ``draw`` once per
combination of slider values at build time.
"""

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

TITLE, LABEL, SMALL = 13, 12, 11  # font sizes, in points, at 100 dpi


@dataclass
class Slider:
    name: str
    label: str
    values: list
    default: Any
    fmt: Any = "{:g}"


@dataclass
class Spec:
    sliders: list
    draw: Callable
    figsize: tuple = (8.0, 4.0)
    alt: str = ""
    extra: dict = field(default_factory=dict)


def _style(ax):
    ax.tick_params(labelsize=SMALL)
    ax.grid(alpha=0.3)


# --------------------------------------------------------------- the sigmoid
def sigmoid():
    from sknn_intuition import SigmoidNeuronClassifier

    neuron = SigmoidNeuronClassifier().fit([[0.0], [1.0]], [0, 1])
    x = np.linspace(-4, 4, 401)

    def draw(fig, w, b):
        neuron.coef_[:] = w
        neuron.intercept_[:] = b
        p = neuron.predict_proba(x.reshape(-1, 1))[:, 1]
        ax = fig.subplots()
        ax.plot(x, (w * x + b > 0).astype(float), color="0.6", lw=1.5, ls="--",
                label="perceptron, same w and b")
        ax.plot(x, p, lw=2.5, color="C0", label="sigmoid neuron σ(w x + b)")
        centre = -b / w
        if -4 <= centre <= 4:
            ax.axvline(centre, color="C3", lw=1, ls=":")
            ax.annotate(f"centre -b/w = {centre:.2f}", (centre, 0.5), xytext=(8, -4),
                        textcoords="offset points", color="C3", fontsize=LABEL)
        else:
            ax.text(0.02, 0.5, f"centre -b/w = {centre:.1f}, off the axis", color="C3",
                    fontsize=LABEL, transform=ax.transAxes)
        ax.set(xlim=(-4, 4), ylim=(-0.05, 1.05))
        ax.set_xlabel("input x", fontsize=LABEL)
        ax.set_ylabel("output", fontsize=LABEL)
        ax.set_title(f"σ(w x + b) with weight w = {w:g} and bias b = {b:g}",
                     fontsize=TITLE)
        ax.legend(loc="upper left", fontsize=SMALL)
        _style(ax)
        fig.tight_layout()

    return Spec(
        sliders=[
            Slider("w", "weight w", [0.5, 1, 2, 4, 8, 16], 2),
            Slider("b", "bias b", [-8, -4, -2, -1, 0, 1, 2, 4, 8], -1),
        ],
        draw=draw,
        figsize=(8.0, 4.0),
        alt="A sigmoid neuron's output against its input, for the chosen weight and bias",
    )


# ------------------------------------------------------------------ one tower
def one_tower():
    from sknn_intuition import FeedForwardRegressor

    slope = 20.0  # w, the weight of both hidden neurons
    net = FeedForwardRegressor(hidden_layer_sizes=(2,), activation="sigmoid")
    net.partial_fit([[0.0], [1.0]], [0.0, 1.0])
    x = np.linspace(-3, 3, 601).reshape(-1, 1)

    def draw(fig, a, c, h):
        # The tower h [σ(w(x - a)) - σ(w(x - c))] as a 1-2-1 network: two
        # hidden sigmoid neurons with weight w and biases -w a, -w c, output
        # weights h and -h.
        net.coefs_[0][:] = [[slope, slope]]
        net.intercepts_[0][:] = [-slope * a, -slope * c]
        net.coefs_[1][:] = [[h], [-h]]
        net.intercepts_[1][:] = 0.0
        H = net.hidden_activations(x, layer=0)
        ax = fig.subplots()
        ax.plot(x, h * H[:, 0], color="C0", lw=1.2, ls="--", label="h σ(w(x - a)): left wall")
        ax.plot(x, -h * H[:, 1], color="C1", lw=1.2, ls="--",
                label="-h σ(w(x - c)): right wall")
        ax.fill_between(x[:, 0], net.predict(x), color="C2", alpha=0.35)
        ax.plot(x, net.predict(x), color="C2", lw=2.5, label="their sum: the tower")
        ax.set(xlim=(-3, 3), ylim=(-2.2, 2.2))
        ax.set_xlabel("input x", fontsize=LABEL)
        ax.set_ylabel("output", fontsize=LABEL)
        note = "" if a < c else (": a > c, upside down" if a > c else ": a = c, nothing")
        ax.set_title(f"Walls at a = {a:g} and c = {c:g}, height h = {h:g}{note}",
                     fontsize=TITLE)
        ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=SMALL)
        _style(ax)
        fig.tight_layout()

    return Spec(
        sliders=[
            Slider("a", "left wall a", [-2, -1, -0.5, 0, 1], -1),
            Slider("c", "right wall c", [-1, 0, 0.5, 1, 2], 1),
            Slider("h", "height h", [-1, 0.5, 1.5], 1.5),
        ],
        draw=draw,
        figsize=(10.0, 4.2),
        alt="One tower as the sum of two steep sigmoid walls, for the chosen walls and height",
    )


# ---------------------------------------------------------- number of towers
def n_towers():
    from sknn_intuition import TowerRegressor

    X = np.linspace(-3, 3, 600).reshape(-1, 1)
    y = np.sin(1.5 * X[:, 0]) + 0.5 * np.sin(4 * X[:, 0])
    fine = np.linspace(-3, 3, 2000).reshape(-1, 1)
    y_fine = np.sin(1.5 * fine[:, 0]) + 0.5 * np.sin(4 * fine[:, 0])
    counts = [4, 8, 16, 32, 64, 128]
    fits = {n: TowerRegressor(n_towers=n, steepness=30).fit(X, y) for n in counts}
    errors = {n: float(np.abs(est.predict(fine) - y_fine).max()) for n, est in fits.items()}

    def draw(fig, n):
        est = fits[n]
        ax, ax_err = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.7, 1]})
        ax.plot(fine, y_fine, color="0.5", lw=4, alpha=0.5, label="target f(x)")
        ax.plot(fine, est.predict(fine), color="k", lw=1.5, label=f"sum of {n} towers")
        ax.set(xlim=(-3, 3), ylim=(-2, 2))
        ax.set_xlabel("x", fontsize=LABEL)
        ax.set_title(f"{n} towers: largest error {errors[n]:.3f}", fontsize=TITLE)
        ax.legend(loc="lower right", fontsize=SMALL)
        _style(ax)
        ax_err.loglog(counts, [errors[k] for k in counts], "o-", color="0.6")
        ax_err.loglog([n], [errors[n]], "o", color="C3", ms=10)
        ax_err.loglog(counts, 4 / np.array(counts, float), "k:", label="1/n (scaled)")
        ax_err.set_xlabel("number of towers", fontsize=LABEL)
        ax_err.set_title("largest error", fontsize=TITLE)
        ax_err.legend(loc="lower left", fontsize=SMALL)
        _style(ax_err)
        fig.tight_layout()

    return Spec(
        sliders=[Slider("n", "number of towers", counts, 8, "{:d}")],
        draw=draw,
        figsize=(10.0, 4.0),
        alt="A curve approximated by the chosen number of steep towers, and the error",
    )


# ----------------------------------------------------------------- perceptron
def perceptron():
    from sknn_intuition import PerceptronClassifier

    rng = np.random.RandomState(3)
    X = rng.uniform(-1, 1, size=(40, 2))
    y = (X[:, 0] + 0.5 * X[:, 1] > 0.1).astype(int)
    # The textbook rule: one sample at a time, a step of size 1 on a mistake.
    clf = PerceptronClassifier(average=False, learning_rate="constant", eta0=1.0,
                               batch_size=1, alpha=0.0, shuffle=False)
    history = [(np.zeros(2), 0.0, None)]  # the weights start at zero
    for epoch in range(10):
        for i in range(len(X)):
            if epoch == 0 and i == 0:
                clf.partial_fit(X[:1], y[:1], classes=[0, 1])
            else:
                clf.partial_fit(X[i : i + 1], y[i : i + 1])
            w, b = clf.coef_[0].copy(), float(clf.intercept_[0])
            if not (np.array_equal(w, history[-1][0]) and b == history[-1][1]):
                history.append((w, b, i))
    xx, yy = np.meshgrid(np.linspace(-1.1, 1.1, 200), np.linspace(-1.1, 1.1, 200))
    grid = np.c_[xx.ravel(), yy.ravel()]

    def draw(fig, k):
        w, b, i = history[k]
        ax = fig.subplots()
        if np.any(w):
            z = (grid @ w + b).reshape(xx.shape)
            ax.contourf(xx, yy, (z > 0).astype(float), levels=[-0.5, 0.5, 1.5],
                        colors=["#cfe0f3", "#f6d2cf"], alpha=0.8)
            ax.contour(xx, yy, z, levels=[0], colors="k", linewidths=2)
        wrong = (X @ w + b > 0).astype(int) != y
        ax.scatter(X[:, 0], X[:, 1], c=np.where(y == 1, "C3", "C0"), s=40, edgecolor="k",
                   lw=0.5, zorder=3)
        ax.scatter(X[wrong, 0], X[wrong, 1], s=160, facecolor="none", edgecolor="0.2",
                   lw=1.2, zorder=3, label=f"misclassified: {int(wrong.sum())}")
        if i is not None:
            ax.scatter(X[i, 0], X[i, 1], marker="*", s=400, color="gold", edgecolor="k",
                       zorder=4, label="the mistake that caused this update")
        ax.set(xlim=(-1.1, 1.1), ylim=(-1.1, 1.1), aspect="equal")
        ax.set_xlabel("x0", fontsize=LABEL)
        ax.set_ylabel("x1", fontsize=LABEL)
        title = ("Start: w = 0, no boundary yet" if k == 0 else
                 f"After update {k}: w = ({w[0]:.2f}, {w[1]:.2f}), b = {b:.0f}")
        ax.set_title(title, fontsize=TITLE)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), fontsize=SMALL, ncol=1)
        fig.tight_layout()

    return Spec(
        sliders=[Slider("k", "update", list(range(len(history))), 0, "{:d}")],
        draw=draw,
        figsize=(6.4, 6.4),
        alt="The perceptron's boundary after the chosen number of updates",
        extra={"history": history},
    )


# --------------------------------------------------- a network while it trains
def training():
    from sklearn.datasets import make_moons
    from sklearn.preprocessing import StandardScaler

    from sknn_intuition import FeedForwardClassifier

    X, y = make_moons(300, noise=0.15, random_state=0)
    X = StandardScaler().fit_transform(X)
    net = FeedForwardClassifier(hidden_layer_sizes=(4,), activation="sigmoid",
                                learning_rate_init=0.05, random_state=0)
    epochs = [1, 2, 5, 10, 20, 50, 100, 200, 400]
    xx, yy = np.meshgrid(np.linspace(-2.5, 2.5, 90), np.linspace(-2.5, 2.5, 90))
    grid = np.c_[xx.ravel(), yy.ravel()]
    snapshots, done = {}, 0
    for epoch in epochs:
        while done < epoch:  # partial_fit: one epoch over the data per call
            net.partial_fit(X, y, classes=[0, 1])
            done += 1
        snapshots[epoch] = (
            net.hidden_activations(grid, layer=0),
            net.predict_proba(grid)[:, 1],
            net.score(X, y),
            net.coefs_[1][:, 0].copy(),
        )

    def draw(fig, epoch):
        H, proba, score, v = snapshots[epoch]
        gs = fig.add_gridspec(2, 4, width_ratios=[1, 1, 0.15, 2.1])
        for k in range(4):
            ax = fig.add_subplot(gs[k // 2, k % 2])
            ax.contourf(xx, yy, H[:, k].reshape(xx.shape), levels=np.linspace(0, 1, 11),
                        cmap="Greys", alpha=0.85)
            ax.contour(xx, yy, H[:, k].reshape(xx.shape), levels=[0.5], colors="C1",
                       linewidths=2)
            ax.scatter(X[:, 0], X[:, 1], c=y, cmap="RdBu_r", s=4, lw=0)
            ax.set_title(f"neuron {k + 1}, v = {v[k]:+.1f}", fontsize=SMALL)
            ax.set_xticks([])
            ax.set_yticks([])
        ax = fig.add_subplot(gs[:, 3])
        ax.contourf(xx, yy, proba.reshape(xx.shape), levels=np.linspace(0, 1, 11),
                    cmap="RdBu_r", alpha=0.7)
        for k in range(H.shape[1]):
            ax.contour(xx, yy, H[:, k].reshape(xx.shape), levels=[0.5], colors="C1",
                       linewidths=1, linestyles="--")
        ax.contour(xx, yy, proba.reshape(xx.shape), levels=[0.5], colors="k", linewidths=2)
        ax.scatter(X[:, 0], X[:, 1], c=y, cmap="RdBu_r", edgecolor="k", s=12, lw=0.3)
        ax.set(xlim=(-2.5, 2.5), ylim=(-2.5, 2.5))
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(f"Epoch {epoch}: accuracy {score:.3f}", fontsize=TITLE)
        fig.subplots_adjust(left=0.02, right=0.98, bottom=0.03, top=0.9, wspace=0.15,
                            hspace=0.25)

    return Spec(
        sliders=[Slider("epoch", "epoch", epochs, 400, "{:d}")],
        draw=draw,
        figsize=(10.0, 4.4),
        alt="A network's four hidden neurons and its decision surface at the chosen epoch",
    )


# ------------------------------------------------- the learning rate and momentum
def descent():
    import warnings

    from sknn_intuition import FeedForwardRegressor

    rng = np.random.RandomState(0)
    X = rng.uniform(0, 2, size=(100, 1))
    y = 2 * X[:, 0] - 1 + 0.3 * rng.randn(100)
    start, steps, batch = (-1.5, 2.5), 40, 10
    W, B = np.meshgrid(np.linspace(-2.5, 5, 120), np.linspace(-4.5, 4, 120))
    loss = ((y - W[..., None] * X[:, 0] - B[..., None]) ** 2).mean(axis=-1)
    best = np.polyfit(X[:, 0], y, 1)

    def settings(rate, momentum):
        return dict(hidden_layer_sizes=(), solver="sgd", momentum=momentum,
                    nesterovs_momentum=False, learning_rate_init=rate, alpha=0.0,
                    batch_size=batch, tol=None, random_state=0)

    def path(rate, momentum):
        # The line y = w x + b from START: set by hand after the first call,
        # then one partial_fit per mini-batch (the first with a fresh
        # optimizer, through a warm-started fit of one epoch on one batch).
        net = FeedForwardRegressor(max_iter=1, warm_start=True, **settings(rate, momentum))
        net.partial_fit(X, y)
        net.coefs_[0][:], net.intercepts_[0][:] = start
        order, points = np.random.RandomState(1), [start]
        while len(points) <= steps:
            perm = order.permutation(len(X))
            for i in range(0, len(X), batch):
                rows = perm[i : i + batch]
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    if len(points) == 1:
                        net.fit(X[rows], y[rows])
                    else:
                        net.partial_fit(X[rows], y[rows])
                points.append((net.coefs_[0][0, 0], net.intercepts_[0][0]))
        return np.array(points[: steps + 1])

    def verdict(rate, momentum):
        try:
            FeedForwardRegressor(max_iter=20, **settings(rate, momentum)).fit(X, y)
        except ValueError as exc:
            return str(exc).split(":")[0]
        return None

    def draw(fig, rate, momentum):
        points = path(rate, momentum)
        ax = fig.subplots()
        ax.contour(W, B, loss, levels=np.geomspace(loss.min() + 0.02, loss.max(), 14),
                   colors="0.7", linewidths=0.8)
        ax.plot(*best, "k*", ms=14, label="lowest loss")
        ax.plot(points[:, 0], points[:, 1], ".-", color="C0", ms=5, lw=1.2,
                label=f"{steps} steps of 10 samples")
        ax.plot(*start, "ks", ms=8, label="start")
        ax.set(xlim=(-2.5, 5), ylim=(-4.5, 4))
        ax.set_xlabel("weight w", fontsize=LABEL)
        ax.set_ylabel("bias b", fontsize=LABEL)
        failed = verdict(rate, momentum)
        end = np.hypot(*(points[-1] - best))
        outcome = f"fit() raises \"{failed}\"" if failed else f"ends {end:.2f} from the best"
        ax.set_title(f"Rate {rate:g}, momentum {momentum:g}: {outcome}", fontsize=TITLE)
        ax.legend(loc="lower left", fontsize=SMALL)
        ax.tick_params(labelsize=SMALL)
        fig.tight_layout()

    return Spec(
        sliders=[
            Slider("rate", "learning rate", [0.005, 0.02, 0.05, 0.1, 0.2, 0.4, 0.6], 0.05),
            Slider("momentum", "momentum", [0.0, 0.5, 0.9], 0.0),
        ],
        draw=draw,
        figsize=(7.5, 5.6),
        alt="The path of SGD on the loss surface of a line, for the chosen rate and momentum",
    )


EXPLORABLES = {
    "sigmoid": sigmoid,
    "one_tower": one_tower,
    "n_towers": n_towers,
    "perceptron": perceptron,
    "training": training,
    "descent": descent,
}
