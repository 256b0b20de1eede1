"""The tour: the explanation of why neural networks work, run step by step.

``python -m sknn_intuition`` walks the steps of the explanation, numbered as
in the user guide and the gallery, each with numbers computed on the spot by
the package's estimators — a line learnt from pairs, the critic's harsh
verdicts, the S that sharpens and slides, one tower as two sigmoids, the error
halving as towers double, a network bending where a line cannot, the loss
falling, backpropagation's gradients checked by finite differences, momentum
on a narrow valley — and ends with every estimator tuned in a pipeline beside
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
    """A step's title, numbered as the user guide's pages (None: no number)."""
    line = text if number is None else f"{number}. {text}"
    out("")
    out(line)
    out("-" * min(WIDTH, len(line)))


def _curve(x):
    """The curve steps 5 and 6 learn: sin(2x) + 0.3x."""
    return np.sin(2 * x) + 0.3 * x


# ------------------------------------------------------------------ the steps
def step_learning_a_function(out):
    from sklearn.linear_model import LinearRegression

    _title(out, 1, "Learning a function from pairs (x, y)")
    line = LinearRegression().fit([[0.0], [1.0], [2.0]], [1.0, 3.0, 5.0])
    new = float(line.predict([[3.0]])[0])
    _say(out, "fit(X, y) learns from pairs, predict(X) answers for new x. From "
              f"(0, 1), (1, 3), (2, 5) a straight line learns y = 2x + 1 and "
              f"predicts {new:.1f} at x = 3.")
    X_train, X_test, y_train, y_test = _curve_data()
    r2 = LinearRegression().fit(X_train, y_train).score(X_test, y_test)
    _say(out, "But a line cannot bend: on 200 noisy samples of sin(2x) + 0.3x, "
              f"R² on 100 new ones is only {r2:.3f}. Learning such non-linear "
              "relations is what sets neural networks apart (step 5).")
    return {"prediction": new, "line_r2": r2, "X": X_train, "y": y_train}


def step_perceptron(out):
    from ._perceptron import PerceptronClassifier

    _title(out, 2, "The perceptron: a harsh, all-or-nothing judge")
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

    _title(out, 3, "The sigmoid neuron: an S that sharpens and slides")
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

    _title(out, "4a", "One tower is two steep sigmoids")
    X = np.linspace(0, 1, 50).reshape(-1, 1)
    est = TowerRegressor(n_towers=1, steepness=40).fit(X, np.ones(50))
    a, c = float(est.tower_left_[0]), float(est.tower_right_[0])
    slope = 40 / (c - a)
    _say(out, "tower(x) = σ(w(x - a)) - σ(w(x - c)). TowerRegressor(n_towers=1, "
              f"steepness=40) on data in [0, 1] puts the walls at a = {a:.1f} and "
              f"c = {c:.1f} (a single tower is twice as wide as the data, which sit "
              f"on its top); the slope is w = steepness / (c - a) = {slope:.0f}.")
    out("         x   σ(w(x-a))   σ(w(x-c))   difference   the estimator's tower")
    xs = np.array([-1.0, 0.0, 0.5, 1.0, 2.0])
    left, right = expit(slope * (xs - a)), expit(slope * (xs - c))
    tower = est.tower_activations(xs.reshape(-1, 1))[:, 0]
    for row in zip(xs, left, right, left - right, tower):
        out("     {:5.1f}   {:9.3f}   {:9.3f}   {:10.3f}   {:21.3f}".format(*row))
    fine = np.linspace(-2, 3, 2001)
    gap = np.abs(est.tower_activations(fine.reshape(-1, 1))[:, 0]
                 - (expit(slope * (fine - a)) - expit(slope * (fine - c)))).max()
    _say(out, f"Largest gap between the two on [-2, 3]: {gap:.1e}.")
    return {"walls": (a, c), "slope": slope, "tower": tower.tolist(), "gap": gap,
            "estimator": est}


def step_towers_add_up(out):
    from ._tower import TowerRegressor

    _title(out, "4b", "Towers add up to a curve: universal approximation")
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
            "X": X, "y": y, "estimator": TowerRegressor(n_towers=12, steepness=40).fit(X, y)}


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


def _one_two_one():
    """The user guide's 1-2-1 network, its weights set by hand, one sample."""
    from ._feedforward import FeedForwardRegressor

    X, y = np.array([[1.5]]), np.array([0.5])
    net = FeedForwardRegressor(hidden_layer_sizes=(2,), activation="sigmoid",
                               solver="sgd", momentum=0.0, alpha=0.0,
                               learning_rate_init=0.1, batch_size=1)
    net.partial_fit(X, y)
    net.coefs_[0][:] = [[0.8, -0.4]]
    net.intercepts_[0][:] = [0.2, 0.1]
    net.coefs_[1][:] = [[1.0], [-0.5]]
    net.intercepts_[1][:] = [0.3]
    return net, X, y


def step_backprop(out):
    _title(out, 7, "Backpropagation: every gradient, checked")
    net, X, y = _one_two_one()
    hidden = net.hidden_activations(X, layer=0)[0]
    y_hat = float(net.predict(X)[0])
    _say(out, "A 1-2-1 network (two sigmoid neurons), weights set by hand, one "
              f"sample x = 1.5, y = 0.5. Forward: hidden {hidden[0]:.6f} and "
              f"{hidden[1]:.6f}, prediction {y_hat:.6f}, loss (y - ŷ)² = "
              f"{(0.5 - y_hat) ** 2:.6f} (no factor ½).")
    params = net.coefs_ + net.intercepts_
    before = [p.copy() for p in params]
    net.partial_fit(X, y)  # one step of plain SGD: each parameter moves by -η ∂L/∂θ
    grads = [(b - a) / 0.1 for b, a in zip(before, net.coefs_ + net.intercepts_)]
    for p, b in zip(net.coefs_ + net.intercepts_, before):
        p[...] = b
    worst, h = 0.0, 1e-5
    for param, grad in zip(net.coefs_ + net.intercepts_, grads):
        for i in np.ndindex(param.shape):
            param[i] += h
            up = float(np.mean((y - net.predict(X)) ** 2))
            param[i] -= 2 * h
            down = float(np.mean((y - net.predict(X)) ** 2))
            param[i] += h
            worst = max(worst, abs((up - down) / (2 * h) - grad[i]))
    out("     backpropagation (from the estimator's own SGD step):")
    for name, g in zip(["∂L/∂w", "∂L/∂v", "∂L/∂b", "∂L/∂c"], grads):
        out(f"       {name}  " + "  ".join(f"{v:+.6f}" for v in g.ravel()))
    _say(out, f"Central finite differences (h = 1e-5) agree to {worst:.1e}: the "
              "chain rule, layer by layer from the output back, gives every "
              "gradient in one pass.")
    return {"prediction": y_hat, "gradients": grads, "worst_gap": worst,
            "net": net, "X": X}


def _line_path(momentum, rate, steps=60, batch=10):
    """(w, b) of the line ŷ = w x + b after each mini-batch of plain SGD or momentum."""
    from ._feedforward import FeedForwardRegressor

    rng = np.random.RandomState(0)
    X = rng.uniform(0, 2, size=(100, 1))
    y = 2 * X[:, 0] - 1 + 0.3 * rng.randn(100)
    net = FeedForwardRegressor(hidden_layer_sizes=(), solver="sgd", momentum=momentum,
                               nesterovs_momentum=False, learning_rate_init=rate,
                               alpha=0.0, batch_size=batch, random_state=0)
    path, order = [], np.random.RandomState(1)
    while len(path) < steps:
        perm = order.permutation(len(X))
        for i in range(0, len(X), batch):
            net.partial_fit(X[perm[i:i + batch]], y[perm[i:i + batch]])
            path.append((net.coefs_[0][0, 0], net.intercepts_[0][0]))
    best = np.polyfit(X[:, 0], y, 1)
    return np.array(path[:steps]), best, X, y


def step_descent(out):
    from ._feedforward import FeedForwardRegressor

    _title(out, 8, "Descent as a path: momentum, and a rate too large")
    _say(out, "The line ŷ = w x + b (hidden_layer_sizes=()) on 100 samples of "
              "2x - 1 with x in [0, 2]: its loss is a long, narrow valley. "
              "Distance from the best (w, b) after 60 mini-batches of 10:")
    paths = {}
    for name, momentum in [("plain SGD, rate 0.05", 0.0), ("momentum 0.9", 0.9)]:
        path, best, X, y = _line_path(momentum, 0.05)
        paths[name] = path
        out(f"     {name:<24} {np.hypot(*(path[-1] - best)):.3f}")
    try:
        FeedForwardRegressor(hidden_layer_sizes=(), solver="sgd", momentum=0.0,
                             learning_rate_init=0.6, batch_size=10, max_iter=20,
                             tol=None, random_state=0).fit(X, y)
        caught = ""
    except ValueError as exc:
        caught = str(exc).split(":")[0]
    _say(out, "Momentum carries the steps along the valley floor. At rate 0.6 "
              f"every step overshoots further; fit() stops with \"{caught}\" and "
              "leaves the estimator as it was.")
    return {"paths": paths, "best": best, "caught": caught}


STEPS = [step_learning_a_function, step_perceptron, step_sigmoid, step_one_tower,
         step_towers_add_up, step_network, step_loss, step_backprop, step_descent]
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
    _title(out, None, "Beside scikit-learn: every estimator tuned in a pipeline")
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
# One function per step: each draws that step's figure from the tour's numbers.
def _fig_learning_a_function(ax, r):
    from sklearn.linear_model import LinearRegression

    one = r["step_learning_a_function"]
    grid = np.linspace(-3, 3, 200).reshape(-1, 1)
    ax.scatter(one["X"][:, 0], one["y"], s=8, color="0.6", label="pairs (x, y)")
    line = LinearRegression().fit(one["X"], one["y"])
    ax.plot(grid, line.predict(grid), "k--", label=f"straight line, R² {one['line_r2']:.2f}")
    ax.plot(grid, _curve(grid[:, 0]), color="C1", label="the true f(x)")
    ax.set(xlabel="x", ylabel="y", title="Step 1: learning y = f(x) from pairs")


def _fig_perceptron(ax, r):
    x = np.linspace(0, 1, 501)
    ax.plot(x, (x - 0.5 > 0).astype(int), lw=2, label="w = 1, b = -0.5")
    ax.plot([0.49, 0.51], r["step_perceptron"]["verdicts"], "o", color="C3", ms=8,
            label="ratings 0.49 and 0.51")
    ax.set(xlabel="critic's rating x", ylabel="verdict",
           title="Step 2: the perceptron, all or nothing")


def _fig_sigmoid(ax, r):
    from scipy.special import expit

    x = np.linspace(0, 1, 501)
    for w in (1, 5, 20, 100):
        ax.plot(x, expit(w * (x - 0.5)), label=f"σ(w x + b), w = {w}")
    ax.set(xlabel="critic's rating x", ylabel="output",
           title="Step 3: the S sharpens with the weight")


def _fig_one_tower(ax, r):
    from scipy.special import expit

    four = r["step_one_tower"]
    (a, c), w = four["walls"], four["slope"]
    x = np.linspace(-1.5, 2.5, 801)
    ax.plot(x, expit(w * (x - a)), "--", label="σ(w(x - a))")
    ax.plot(x, expit(w * (x - c)), "--", label="σ(w(x - c))")
    tower = four["estimator"].tower_activations(x.reshape(-1, 1))[:, 0]
    ax.fill_between(x, tower, color="C2", alpha=0.4, label="their difference: a tower")
    ax.set(xlabel="x", ylabel="output", title=f"Step 4a: one tower, slope w = {w:.0f}")


def _fig_towers_add_up(ax, r):
    from .plotting import TowerDisplay

    four = r["step_towers_add_up"]
    TowerDisplay.from_estimator(four["estimator"], four["X"], four["y"], ax=ax, fill=True)
    ax.set_title("Step 4b: 12 towers add up to a curve")


def _fig_network(ax, r):
    five = r["step_network"]
    grid = np.linspace(-3, 3, 400).reshape(-1, 1)
    ax.scatter(five["X"][:, 0], five["y"], s=6, color="0.6", label="samples")
    ax.plot(grid, five["net"].predict(grid), lw=2, label="network")
    ax.plot(grid, five["line"].predict(grid), "k--", label="straight line")
    ax.set(xlabel="x", ylabel="y", title="Step 5: a network bends")


def _fig_loss(ax, r):
    for name, curve in r["step_loss"]["curves"].items():
        ax.plot(np.arange(1, len(curve) + 1), curve, label=name)
    ax.axhline(0.01, color="k", ls=":", label="noise level")
    ax.set(yscale="log", xlabel="epoch", ylabel="training MSE",
           title="Step 6: the loss falling")


def _fig_backprop(ax, r):
    from .plotting import NetworkDiagram

    seven = r["step_backprop"]
    NetworkDiagram.from_estimator(seven["net"], seven["X"][0], precision=3, ax=ax)
    ax.set_title(f"Step 7: the 1-2-1 network, prediction {seven['prediction']:.3f}")


def _fig_descent(ax, r):
    eight = r["step_descent"]
    for name, path in eight["paths"].items():
        ax.plot(path[:, 0], path[:, 1], ".-", ms=3, label=name)
    ax.plot(*eight["best"], "k*", ms=12, label="lowest loss")
    ax.set(xlabel="weight w", ylabel="bias b", title="Step 8: descent as a path")


FIGURES = [
    ("1_learning_a_function.png", _fig_learning_a_function),
    ("2_perceptron.png", _fig_perceptron),
    ("3_sigmoid_neuron.png", _fig_sigmoid),
    ("4a_one_tower.png", _fig_one_tower),
    ("4b_towers_add_up.png", _fig_towers_add_up),
    ("5_network_vs_line.png", _fig_network),
    ("6_loss_falling.png", _fig_loss),
    ("7_backpropagation.png", _fig_backprop),
    ("8_descent_path.png", _fig_descent),
]


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
    saved = []
    for name, draw in FIGURES:
        fig, ax = plt.subplots(figsize=(7, 4.2))
        draw(ax, results)
        if ax.get_legend_handles_labels()[0] and ax.get_legend() is None:
            ax.legend(fontsize=10)
        fig.tight_layout()
        fig.savefig(directory / name, dpi=120)
        plt.close(fig)
        saved.append(directory / name)
    return saved


# ----------------------------------------------------------------------- main
def tour(out=print, peers=True, names=None, plots=None):
    """Walk the explanation step by step; return every step's numbers."""
    _say(out, "Why do neural networks work? The classic explanation, as told in "
              "Michael Nielsen's \"Neural Networks and Deep Learning\" "
              "(neuralnetworksanddeeplearning.com, chapters 1, 2 and 4) and in "
              "3Blue1Brown's videos: its steps, numbered as in the user guide and "
              "the gallery, each computed now by sknn_intuition's estimators, then "
              "the package beside scikit-learn.", "")
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
            "package's estimators and numbered as in the user guide (1. "
            "learning a function, 2. the perceptron, 3. the sigmoid neuron, "
            "4a. one tower, 4b. towers adding up, 5. a network against a line, "
            "6. the loss falling, 7. backpropagation, 8. descent as a path), "
            "then every estimator fitted inside a "
            "Pipeline (StandardScaler + estimator) tuned by GridSearchCV "
            "(3-fold) on a dataset bundled with scikit-learn, scored on a "
            "held-out quarter beside scikit-learn's nearest estimator."
        ),
    )
    parser.add_argument(
        "estimators",
        nargs="*",
        metavar="ESTIMATOR",
        help=f"compare only these at the end (default: all of {', '.join(ENTRIES)})",
    )
    parser.add_argument("--plots", metavar="DIR", help="save a figure per step in DIR "
                        "(needs matplotlib: pip install 'sknn-intuition[plot]')")
    parser.add_argument("--no-peers", action="store_true",
                        help="stop after step 8, without the comparison")
    args = parser.parse_args(argv)
    unknown = set(args.estimators) - set(ENTRIES)
    if unknown:
        parser.error(f"unknown estimators {sorted(unknown)}; known: {list(ENTRIES)}")
    tic = time.perf_counter()
    tour(peers=not args.no_peers, names=args.estimators or None, plots=args.plots)
    print(f"\ntour finished in {time.perf_counter() - tic:.1f} s")
