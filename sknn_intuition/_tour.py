"""The tour: every estimator, tuned in a pipeline, beside scikit-learn's nearest one.

Each entry fits one of our estimators inside a ``Pipeline`` tuned by
``GridSearchCV`` on a dataset that ships with scikit-learn, does the same for
scikit-learn's nearest estimator, and reports both on a held-out split.
"""

import argparse
import time
import warnings

from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler


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


def run(names=None, out=print):
    """Run the tour entries (all by default), print the table, return its rows."""
    rows = []
    out(_format_row(HEADER))
    out(_format_row(tuple("-" * w for w in WIDTHS)))
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
        o, p = row["ours"], row["peer"]
        out(
            _format_row(
                (
                    name,
                    data_name,
                    f"{o['test_score']:.3f}",
                    f"{o['fit_s']:.2f}",
                    _params(o["best_params"]),
                    p["name"],
                    f"{p['test_score']:.3f}",
                    f"{p['fit_s']:.2f}",
                    _params(p["best_params"]),
                )
            )
        )
    return rows


HEADER = (
    "estimator",
    "dataset",
    "score",
    "fit s",
    "best params",
    "scikit-learn peer",
    "score",
    "fit s",
    "best params",
)
WIDTHS = (24, 14, 6, 6, 34, 20, 6, 6, 30)


def _params(best):
    return ", ".join(f"{k}={v!r}" for k, v in best.items())


def _format_row(cells):
    return "  ".join(str(c).ljust(w) for c, w in zip(cells, WIDTHS)).rstrip()


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m sknn_intuition",
        description=(
            "A tour of sknn_intuition. For each estimator of the package, in "
            "the order of the explanation (perceptron, sigmoid neuron, towers, "
            "feed-forward network), fit it inside a Pipeline "
            "(StandardScaler + estimator) tuned by GridSearchCV (3-fold) on a "
            "dataset bundled with scikit-learn, and score it on a held-out "
            "quarter of the data. scikit-learn's nearest estimator gets the "
            "same treatment and is printed beside it on the same row: test "
            "score (accuracy for classifiers, R^2 for regressors), time of the "
            "whole search ('fit s', seconds) and the best parameters found."
        ),
    )
    parser.add_argument(
        "estimators",
        nargs="*",
        metavar="ESTIMATOR",
        help=f"only these estimators (default: all of {', '.join(ENTRIES)})",
    )
    args = parser.parse_args(argv)
    unknown = set(args.estimators) - set(ENTRIES)
    if unknown:
        parser.error(f"unknown estimators {sorted(unknown)}; known: {list(ENTRIES)}")
    tic = time.perf_counter()
    run(args.estimators or None)
    print(f"tour finished in {time.perf_counter() - tic:.1f} s")
