"""PerceptronClassifier against sklearn.linear_model.Perceptron.

Workload: make_classification(120 000 samples, 50 features, 20 informative),
binary and 3-class, the last 20 000 held out, float64, random_state=0.

* "defaults": both estimators with all their defaults, each stopping by its
  own rule (``PerceptronClassifier()`` against ``Perceptron()``); the epochs
  each ran are reported beside the times.
* "10 epochs": both trained for exactly 10 epochs (max_iter=10, tol=None),
  ours averaged (its default) and not (``average=False``).
"""

from _common import side_by_side
from sklearn.datasets import make_classification
from sklearn.linear_model import Perceptron

from sknn_intuition import PerceptronClassifier

CASES = (
    ("PerceptronClassifier()", {}, "Perceptron()", {}),
    (
        "PerceptronClassifier(10 epochs)",
        {"max_iter": 10, "tol": None, "random_state": 0},
        "Perceptron(10 epochs)",
        {"max_iter": 10, "tol": None, "random_state": 0},
    ),
    (
        "PerceptronClassifier(10 epochs, average=False)",
        {"max_iter": 10, "tol": None, "random_state": 0, "average": False},
        "Perceptron(10 epochs)",
        {"max_iter": 10, "tol": None, "random_state": 0},
    ),
)


def data(n_classes):
    """The workload's training and held-out split: ``X_train, y_train, X_test, y_test``."""
    X, y = make_classification(120_000, 50, n_informative=20, n_classes=n_classes, random_state=0)
    return X[:100_000], y[:100_000], X[100_000:], y[100_000:]


def run(repeats):
    rows = []
    for n_classes in (2, 3):
        X_train, y_train, X_test, y_test = data(n_classes)
        for ours, ours_params, peer, peer_params in CASES:
            res = side_by_side(
                lambda p=ours_params, X=X_train, y=y_train: PerceptronClassifier(**p).fit(X, y),
                lambda p=peer_params, X=X_train, y=y_train: Perceptron(**p).fit(X, y),
                repeats,
            )
            rows.append(
                {
                    "workload": f"perceptron {n_classes}-class 100000x50",
                    "ours": ours,
                    "peer": peer,
                    "ours_s": res["ours_s"],
                    "peer_s": res["theirs_s"],
                    "ratio": res["ratio"],
                    "ours_score": res["ours_model"].score(X_test, y_test),
                    "peer_score": res["theirs_model"].score(X_test, y_test),
                    "metric": "accuracy",
                    "ours_epochs": res["ours_model"].n_iter_,
                    "peer_epochs": res["theirs_model"].n_iter_,
                }
            )
    return rows
