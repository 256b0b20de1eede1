"""PerceptronClassifier against sklearn.linear_model.Perceptron.

Workload: make_classification(120 000 samples, 50 features, 20 informative),
binary and 3-class, the last 20 000 held out, float64, 10 epochs each
(max_iter=10, tol=None), random_state=0.
"""

from _common import side_by_side
from sklearn.datasets import make_classification
from sklearn.linear_model import Perceptron

from sknn_intuition import PerceptronClassifier


def run(repeats):
    rows = []
    for n_classes in (2, 3):
        X, y = make_classification(
            120_000, 50, n_informative=20, n_classes=n_classes, random_state=0
        )
        X_train, y_train, X_test, y_test = X[:100_000], y[:100_000], X[100_000:], y[100_000:]
        for label, params in (("default", {}), ("average=False", {"average": False})):
            res = side_by_side(
                lambda params=params, X=X_train, y=y_train: PerceptronClassifier(
                    max_iter=10, tol=None, random_state=0, **params
                ).fit(X, y),
                lambda X=X_train, y=y_train: Perceptron(
                    max_iter=10, tol=None, random_state=0
                ).fit(X, y),
                repeats,
            )
            rows.append(
                {
                    "workload": f"perceptron {n_classes}-class 100000x50",
                    "ours": f"PerceptronClassifier({label})",
                    "peer": "Perceptron",
                    "ours_s": res["ours_s"],
                    "peer_s": res["theirs_s"],
                    "ratio": res["ratio"],
                    "ours_score": res["ours_model"].score(X_test, y_test),
                    "peer_score": res["theirs_model"].score(X_test, y_test),
                    "metric": "accuracy",
                }
            )
    return rows
