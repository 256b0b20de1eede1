"""The tour: the explanation of why neural networks work, run step by step.

``python -m sknn_intuition`` walks the six steps of the explanation, each
with numbers computed on the spot by the package's estimators — the critic's
harsh verdicts, the S that sharpens and slides, one tower as two sigmoids, the
error halving as towers double, a network bending where a line cannot, the
loss falling — and ends with every estimator tuned in a pipeline beside
scikit-learn's nearest one. Every line fits in 80 columns; ``--plots DIR``
saves one figure per step when matplotlib is installed.
"""

import argparse
import pathlib
import textwrap
import time
import warnings

import numpy as np
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

WIDTH = 80


def _say(out, text, indent="   "):
    """Print a paragraph wrapped to the tour's width."""
    for line in textwrap.wrap(text, WIDTH, initial_indent=indent, subsequent_indent=indent):
        out(line)


def _title(out, number, text):
    out("")
    out(f"{number}. {text}")
    out("-" * min(WIDTH, len(text) + len(str(number)) + 2))


def _curve(x):
    """The curve steps 5 and 6 learn: sin(2x) + 0.3x."""
    return np.sin(2 * x) + 0.3 * x


# ------------------------------------------------------------------ the steps
def step_perceptron(out):
    from ._perceptron import PerceptronClassifier

    _title(out, 1, "The perceptron: a harsh, all-or-nothing judge")
    _say(out, "It fires (predicts 1) when w·x + b > 0. The critic reads one rating "
              "with weight w = 1 and bias b = -0.5:")
    critic = PerceptronClassifier().fit([[0.0], [1.0]], [0, 1])
    critic.coef_[:] = 1.0
    critic.intercept_[:] = -0.5
    ratings = np.array([[0.49], [0.51]])
    verdicts = critic.predict(ratings)
    for r, z, v in zip(ratings[:, 0], critic.decision_function(ratings), verdicts):
        out(f"     rating {r:.2f}   z = w·x + b = {z:+.2f}   verdict {v}")
    rng = np.random.RandomState(0)
    X = rng.uniform(0, 1, size=(200, 1))
    learnt = PerceptronClassifier(random_state=0).fit(X, (X[:, 0] > 0.5).astype(int))
    threshold = -learnt.intercept_[0] / learnt.coef_[0, 0]
    _say(out, "Two almost equal ratings, opposite verdicts. Learnt by SGD from 200 "
              f"ratings labelled 1 above 0.5, the threshold -b/w lands at "
              f"{threshold:.3f}.")
    return {"verdicts": verdicts.tolist(), "threshold": threshold}


def step_sigmoid(out):
    from ._sigmoid_neuron import SigmoidNeuronClassifier

    _title(out, 2, "The sigmoid neuron: an S that sharpens and slides")
    neuron = SigmoidNeuronClassifier().fit([[0.0], [1.0]], [0, 1])

    def s(x, w, b):
        neuron.coef_[:] = w
        neuron.intercept_[:] = b
        return neuron.predict_proba(np.reshape(x, (-1, 1)))[:, 1]

    gentle = s([0.49, 0.51], 1.0, -0.5)
    _say(out, "The step becomes σ(w·x + b), with σ(z) = 1 / (1 + exp(-z)): a "
              "smooth S whose output reads as a probability. The critic, gentle now:")
    out(f"     rating 0.49 -> {gentle[0]:.3f}   rating 0.51 -> {gentle[1]:.3f}")
    _say(out, "A larger weight makes the S steeper. Centred at 0.5 (b = -w/2), "
              "the output at x = 0.6:")
    weights = [1, 5, 20, 100]
    at_06 = [s([0.6], w, -w / 2)[0] for w in weights]
    out("     " + "   ".join(f"w = {w}: {p:.3f}" for w, p in zip(weights, at_06)))
    _say(out, "The bias slides the S: its centre, where the output is 1/2, sits at "
              "x = -b/w (w = 20; the centre found on a fine grid):")
    grid = np.linspace(0, 1, 10001)
    centres = {b: grid[np.argmin(np.abs(s(grid, 20, b) - 0.5))] for b in (-4, -10, -16)}
    out("     " + "   ".join(f"b = {b}: centre {c:.2f}" for b, c in centres.items()))
    return {"gentle": gentle.tolist(), "slope_at_06": at_06, "centres": centres}


def step_one_tower(out):
    from scipy.special import expit

    from ._tower import TowerRegressor

    _title(out, 3, "One tower is two steep sigmoids")
    X = np.linspace(0, 1, 50).reshape(-1, 1)
    est = TowerRegressor(n_towers=1, steepness=40).fit(X, np.ones(50))
    a, c = float(est.tower_left_[0]), float(est.tower_right_[0])
    slope = 40 / (c - a)
    _say(out, "tower(x) = σ(s(x - a)) - σ(s(x - c)). TowerRegressor(n_towers=1, "
              f"steepness=40) on data in [0, 1] puts the walls at a = {a:.1f} and "
              f"c = {c:.1f} (a single tower is twice as wide as the data, which sit "
              f"on its top); the slope is s = {slope:.0f}.")
    out("         x   σ(s(x-a))   σ(s(x-c))   difference   the estimator's tower")
    xs = np.array([-1.0, 0.0, 0.5, 1.0, 2.0])
    left, right = expit(slope * (xs - a)), expit(slope * (xs - c))
    tower = est.tower_activations(xs.reshape(-1, 1))[:, 0]
    for row in zip(xs, left, right, left - right, tower):
        out("     {:5.1f}   {:9.3f}   {:9.3f}   {:10.3f}   {:21.3f}".format(*row))
    fine = np.linspace(-2, 3, 2001)
    gap = np.abs(est.tower_activations(fine.reshape(-1, 1))[:, 0]
                 - (expit(slope * (fine - a)) - expit(slope * (fine - c)))).max()
    _say(out, f"Largest gap between the two on [-2, 3]: {gap:.1e}.")
    return {"walls": (a, c), "tower": tower.tolist(), "gap": gap}


def step_towers_add_up(out):
    from ._tower import TowerRegressor

    _title(out, 4, "Towers add up to a curve: the universal approximation theorem")
    _say(out, "f(x) = sin(1.5x) + 0.5 sin(4x) on [-3, 3], fitted by rows of steep "
              "towers (steepness=30); the largest error on a fine grid:")
    X = np.linspace(-3, 3, 600).reshape(-1, 1)
    y = np.sin(1.5 * X[:, 0]) + 0.5 * np.sin(4 * X[:, 0])
    fine = np.linspace(-3, 3, 2000).reshape(-1, 1)
    y_fine = np.sin(1.5 * fine[:, 0]) + 0.5 * np.sin(4 * fine[:, 0])
    counts, errors = [8, 16, 32, 64, 128], []
    out("      towers   largest error   halved by")
    for n in counts:
        est = TowerRegressor(n_towers=n, steepness=30).fit(X, y)
        errors.append(float(np.abs(est.predict(fine) - y_fine).max()))
        ratio = f"{errors[-2] / errors[-1]:9.2f}" if len(errors) > 1 else "        -"
        out(f"     {n:7d}   {errors[-1]:13.4f}   {ratio}")
    smooth = TowerRegressor(n_towers=32).fit(X, y)
    smooth_err = float(np.abs(smooth.predict(fine) - y_fine).max())
    _say(out, "Each doubling halves the error, like 1/n, the width of a step. Smooth, "
              f"overlapping towers (the default steepness=4) reach {smooth_err:.4f} "
              "with 32.")
    return {"counts": counts, "errors": errors, "smooth_error": smooth_err,
            "X": X, "y": y}


def _curve_data():
    rng = np.random.RandomState(0)
    X = rng.uniform(-3, 3, size=(300, 1))
    y = _curve(X[:, 0]) + 0.1 * rng.randn(300)
    return train_test_split(X, y, test_size=100, random_state=0)


def step_network(out):
    from sklearn.linear_model import LinearRegression

    from ._feedforward import FeedForwardRegressor

    _title(out, 5, "A network bends where its linear cousin cannot")
    X_train, X_test, y_train, y_test = _curve_data()
    line = LinearRegression().fit(X_train, y_train)
    net = FeedForwardRegressor(hidden_layer_sizes=(20, 20), activation="tanh",
                               learning_rate_init=0.02, max_iter=800, tol=None,
                               random_state=0).fit(X_train, y_train)
    _say(out, "200 noisy samples of sin(2x) + 0.3x; R² on 100 new ones:")
    out(f"     LinearRegression()                           R² = "
        f"{line.score(X_test, y_test):.3f}")
    out(f"     FeedForwardRegressor(hidden_layer_sizes=(20, 20),  R² = "
        f"{net.score(X_test, y_test):.3f}")
    out("         activation='tanh', learning_rate_init=0.02, max_iter=800)")
    _say(out, "Every neuron computes g(b + w·input); the tanh in g is what lets "
              "the sum of neurons bend.")
    return {"line_r2": line.score(X_test, y_test), "net_r2": net.score(X_test, y_test),
            "net": net, "line": line, "X": X_train, "y": y_train}


def step_loss(out):
    from ._feedforward import FeedForwardRegressor

    _title(out, 6, "Learning the weights: the loss falling")
    X_train, _, y_train, _ = _curve_data()
    _say(out, "From random weights, each epoch of stochastic gradient descent "
              "(gradients by backpropagation) lowers the mean squared error. One "
              "hidden layer of 30 tanh neurons, batches of 32, rate 0.01:")
    epochs = [1, 10, 50, 100, 200]
    out("     training MSE at epoch " + "".join(f"{e:>8d}" for e in epochs))
    curves = {}
    for name, params in [("plain SGD", {"solver": "sgd", "momentum": 0.0}),
                         ("Adam (the default)", {"solver": "adam"})]:
        net = FeedForwardRegressor(hidden_layer_sizes=(30,), activation="tanh",
                                   learning_rate_init=0.01, batch_size=32,
                                   max_iter=200, tol=None, random_state=0,
                                   **params).fit(X_train, y_train)
        curves[name] = net.loss_curve_
        out(f"     {name:<24}" + "".join(f"{net.loss_curve_[e - 1]:8.4f}" for e in epochs))
    longer = FeedForwardRegressor(hidden_layer_sizes=(30,), activation="tanh",
                                  learning_rate_init=0.01, batch_size=32,
                                  max_iter=1000, tol=None,
                                  random_state=0).fit(X_train, y_train)
    _say(out, "Both are still falling at epoch 200: run for 1000 epochs, Adam's "
              f"loss reaches {longer.loss_:.4f}. The noise added to the samples "
              "has an MSE of 0.01, a floor no fit should go below: under it, a "
              "network learns the noise itself.")
    return {"curves": curves, "epochs": epochs, "loss_1000": longer.loss_}


STEPS = [step_perceptron, step_sigmoid, step_one_tower, step_towers_add_up,
         step_network, step_loss]
def _perceptron_entry():
    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import Perceptron

    from ._perceptron import PerceptronClassifier

    return {
        "dataset": ("breast_cancer", load_breast_cancer),
        "ours": (
            PerceptronClassifier(random_state=0),
            {"average": [False, True], "alpha": [1e-4, 1e-2], "penalty": [None, "l2"]},
        ),
        "peer": (
            Perceptron(random_state=0),
            {"alpha": [1e-4, 1e-2], "penalty": [None, "l2"]},
        ),
    }


def _sigmoid_neuron_entry():
    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import LogisticRegression

    from ._sigmoid_neuron import SigmoidNeuronClassifier

    return {
        "dataset": ("breast_cancer", load_breast_cancer),
        "ours": (
            SigmoidNeuronClassifier(),
            {"loss": ["squared_error", "log_loss"], "alpha": [1e-4, 1e-2]},
        ),
        "peer": (LogisticRegression(), {"C": [1.0, 100.0]}),
    }


def _tower_entry():
    from sklearn.datasets import load_diabetes
    from sklearn.neural_network import MLPRegressor

    from ._tower import TowerRegressor

    # Ten features: the additive model, a row of towers along each feature.
    return {
        "dataset": ("diabetes", load_diabetes),
        "ours": (
            TowerRegressor(),
            {"n_towers": [2, 3, 5, 10], "alpha": [1e-3, 1e-2, 1e-1, 1.0]},
        ),
        "peer": (
            MLPRegressor(
                hidden_layer_sizes=(20,),
                learning_rate_init=0.01,
                max_iter=500,
                random_state=0,
            ),
            {"alpha": [1e-2, 1.0]},
        ),
    }


def _feedforward_classifier_entry():
    from sklearn.datasets import load_digits
    from sklearn.neural_network import MLPClassifier

    from ._feedforward import FeedForwardClassifier

    # Our alpha is not divided by the batch size: 1e-2 here is about
    # scikit-learn's 2 for batches of 200.
    return {
        "dataset": ("digits", load_digits),
        "ours": (
            FeedForwardClassifier(hidden_layer_sizes=(64,), max_iter=60, random_state=0),
            {"alpha": [1e-4, 1e-2]},
        ),
        "peer": (
            MLPClassifier(hidden_layer_sizes=(64,), max_iter=60, random_state=0),
            {"alpha": [1e-4, 1.0]},
        ),
    }


def _feedforward_regressor_entry():
    from sklearn.datasets import load_diabetes
    from sklearn.neural_network import MLPRegressor

    from ._feedforward import FeedForwardRegressor

    # The same network and schedule on both sides; the alphas differ in
    # convention only (ours is not divided by the batch size).
    net = dict(hidden_layer_sizes=(20,), learning_rate_init=0.01, max_iter=300)
    return {
        "dataset": ("diabetes", load_diabetes),
        "ours": (FeedForwardRegressor(random_state=0, **net), {"alpha": [1e-4, 1e-2]}),
        "peer": (MLPRegressor(random_state=0, **net), {"alpha": [1e-4, 1.0]}),
    }


# One function per estimator, in the order of the explanation.
ENTRIES = {
    "PerceptronClassifier": _perceptron_entry,
    "SigmoidNeuronClassifier": _sigmoid_neuron_entry,
    "TowerRegressor": _tower_entry,
    "FeedForwardRegressor": _feedforward_regressor_entry,
    "FeedForwardClassifier": _feedforward_classifier_entry,
}


def _fit_search(estimator, grid, X_train, y_train):
    pipe = make_pipeline(StandardScaler(), estimator)
    step = pipe.steps[-1][0]
    search = GridSearchCV(
        pipe, {f"{step}__{k}": v for k, v in grid.items()}, cv=3, n_jobs=1
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tic = time.perf_counter()
        search.fit(X_train, y_train)
        seconds = time.perf_counter() - tic
    best = {k.split("__", 1)[1]: v for k, v in search.best_params_.items()}
    return search, best, seconds


def _params(best):
    return ", ".join(f"{k}={v!r}" for k, v in best.items())


def _side_line(out, label, side):
    text = (f"{label} {side['test_score']:.3f} in {side['fit_s']:4.1f} s   "
            f"{side['name']}({_params(side['best_params'])})")
    for line in textwrap.wrap(text, WIDTH, initial_indent="     ", subsequent_indent=" " * 25):
        out(line)


def _tower_note(row):
    """Why a few towers win on the diabetes data, with the search's own choice."""
    n = row["ours"]["best_params"].get("n_towers")
    if n is None:
        return None
    return (f"n_towers={n} won: the diabetes target rises almost in a straight "
            "line with each of its ten features, and 331 training rows are "
            f"few, so {n} wide towers per feature (a smooth curve each) "
            "generalise better than many narrow ones, which would fit the noise.")


def run(names=None, out=print):
    """Tune each estimator (all by default) and its scikit-learn peer; return the rows.

    Each estimator is fitted inside a pipeline (StandardScaler + estimator)
    tuned by a 3-fold GridSearchCV on a dataset bundled with scikit-learn, and
    scored on a held-out quarter: accuracy for classifiers, R² for regressors.
    """
    _title(out, 7, "Beside scikit-learn: every estimator tuned in a pipeline")
    _say(out, "Score on a held-out quarter (accuracy or R²), time of the whole "
              "3-fold grid search, and the best parameters found.")
    rows = []
    for name, make in ENTRIES.items():
        if names and name not in names:
            continue
        entry = make()
        data_name, load = entry["dataset"]
        X, y = load(return_X_y=True)
        X_train, X_test, y_train, y_test = train_test_split(
            X, y, test_size=0.25, random_state=0
        )
        row = {"estimator": name, "dataset": data_name}
        for side in ("ours", "peer"):
            est, grid = entry[side]
            search, best, seconds = _fit_search(est, grid, X_train, y_train)
            row[side] = {
                "name": type(est).__name__,
                "best_params": best,
                "test_score": search.score(X_test, y_test),
                "fit_s": seconds,
            }
        rows.append(row)
        out("")
        out(f"   {name} on {data_name}")
        _side_line(out, "ours", row["ours"])
        _side_line(out, "peer", row["peer"])
        note = _tower_note(row)
        if note:
            _say(out, note, indent="     ")
    return rows


# ------------------------------------------------------------------- figures
def _plot_steps(results, directory, out):
    """One PNG per step of the explanation, drawn from the tour's own numbers."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        out("")
        _say(out, "--plots needs matplotlib: pip install 'sknn-intuition[plot]'.", "")
        return []
    directory = pathlib.Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    from scipy.special import expit

    x = np.linspace(0, 1, 501)
    saved = []

    def save(fig, name):
        fig.tight_layout()
        path = directory / name
        fig.savefig(path, dpi=120)
        plt.close(fig)
        saved.append(path)

    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(x, (x > 0.5).astype(int), lw=2, label="perceptron: step")
    ax.plot(x, expit(x - 0.5), lw=2, label="sigmoid neuron, w = 1")
    for w in (5, 20, 100):
        ax.plot(x, expit(w * (x - 0.5)), lw=1, label=f"sigmoid neuron, w = {w}")
    ax.set(xlabel="critic's rating x", ylabel="output", title="Steps 1-2: step and S")
    ax.legend(fontsize=9)
    save(fig, "1_2_step_and_sigmoid.png")

    four = results["step_towers_add_up"]
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.loglog(four["counts"], four["errors"], "o-", label="largest error, steep towers")
    ax.loglog(four["counts"], 8 / np.array(four["counts"]), "k:", label="1 / n (scaled)")
    ax.set(xlabel="number of towers", ylabel="largest error", title="Step 4")
    ax.legend()
    save(fig, "4_error_halves.png")

    five = results["step_network"]
    grid = np.linspace(-3, 3, 400).reshape(-1, 1)
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.scatter(five["X"][:, 0], five["y"], s=6, color="0.6", label="samples")
    ax.plot(grid, five["net"].predict(grid), lw=2, label="network")
    ax.plot(grid, five["line"].predict(grid), "k--", label="straight line")
    ax.set(xlabel="x", ylabel="y", title="Step 5: a network bends")
    ax.legend()
    save(fig, "5_network_vs_line.png")

    six = results["step_loss"]
    fig, ax = plt.subplots(figsize=(6, 4))
    for name, curve in six["curves"].items():
        ax.plot(np.arange(1, len(curve) + 1), curve, label=name)
    ax.axhline(0.01, color="k", ls=":", label="noise level")
    ax.set(yscale="log", xlabel="epoch", ylabel="training MSE", title="Step 6")
    ax.legend()
    save(fig, "6_loss_falling.png")
    return saved


# ----------------------------------------------------------------------- main
def tour(out=print, peers=True, names=None, plots=None):
    """Walk the explanation step by step; return every step's numbers."""
    _say(out, "Why do neural networks work? Six steps, each computed now by "
              "sknn_intuition's estimators, then the package beside scikit-learn.", "")
    results = {}
    for step in STEPS:
        results[step.__name__] = step(out)
    if peers:
        results["peers"] = run(names, out)
    if plots is not None:
        saved = _plot_steps(results, plots, out)
        if saved:
            out("")
            _say(out, f"Figures saved in {plots}: "
                      + ", ".join(p.name for p in saved) + ".", "")
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m sknn_intuition",
        description=(
            "A tour of sknn_intuition: the explanation of why neural networks "
            "work, step by step, each step with numbers computed by the "
            "package's estimators (1. the perceptron, 2. the sigmoid neuron, "
            "3. one tower, 4. towers adding up, 5. a network against a line, "
            "6. the loss falling), then 7. every estimator fitted inside a "
            "Pipeline (StandardScaler + estimator) tuned by GridSearchCV "
            "(3-fold) on a dataset bundled with scikit-learn, scored on a "
            "held-out quarter beside scikit-learn's nearest estimator."
        ),
    )
    parser.add_argument(
        "estimators",
        nargs="*",
        metavar="ESTIMATOR",
        help=f"compare only these in step 7 (default: all of {', '.join(ENTRIES)})",
    )
    parser.add_argument("--plots", metavar="DIR", help="save a figure per step in DIR "
                        "(needs matplotlib: pip install 'sknn-intuition[plot]')")
    parser.add_argument("--no-peers", action="store_true",
                        help="stop after step 6, without the comparison")
    args = parser.parse_args(argv)
    unknown = set(args.estimators) - set(ENTRIES)
    if unknown:
        parser.error(f"unknown estimators {sorted(unknown)}; known: {list(ENTRIES)}")
    tic = time.perf_counter()
    tour(peers=not args.no_peers, names=args.estimators or None, plots=args.plots)
    print(f"\ntour finished in {time.perf_counter() - tic:.1f} s")
