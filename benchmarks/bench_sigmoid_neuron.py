"""SigmoidNeuronClassifier(loss='log_loss') against LogisticRegression and SGDClassifier.

Workload: make_classification(120 000 samples, 50 features, 20 informative),
binary and 3-class, the last 20 000 held out, float64, random_state=0.
Ours runs with its default settings apart from ``loss='log_loss'`` (a softmax
output for 3 classes, step size from the data's curvature, momentum 0.7,
averaging, batches of 1024, stopping on ``tol``); the peers with theirs
(LogisticRegression: lbfgs, C=1; SGDClassifier: loss='log_loss'). Test
accuracy and test log-loss of each.

LogisticRegression's lbfgs spends its time in matrix-vector products over the
whole training set, which OpenBLAS spreads over its threads; on a busy machine
those threads wait for cores and its time can grow tenfold. Run once as is and
once with ``OPENBLAS_NUM_THREADS=1`` to see both sides of that.
"""

from _common import side_by_side
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.metrics import log_loss

from sknn_intuition import SigmoidNeuronClassifier


def run(repeats):
    rows = []
    for n_classes in (2, 3):
        X, y = make_classification(
            120_000, 50, n_informative=20, n_classes=n_classes, random_state=0
        )
        X_train, y_train, X_test, y_test = X[:100_000], y[:100_000], X[100_000:], y[100_000:]
        peers = (
            ("LogisticRegression()", lambda: LogisticRegression().fit(X_train, y_train)),  # noqa: B023
            (
                "SGDClassifier(loss='log_loss')",
                lambda: SGDClassifier(loss="log_loss", random_state=0).fit(
                    X_train, y_train  # noqa: B023
                ),
            ),
        )
        for peer_name, peer in peers:
            res = side_by_side(
                lambda: SigmoidNeuronClassifier(loss="log_loss").fit(X_train, y_train),  # noqa: B023
                peer,
                repeats,
            )
            ours, theirs = res["ours_model"], res["theirs_model"]
            rows.append(
                {
                    "workload": f"sigmoid neuron {n_classes}-class 100000x50",
                    "ours": "SigmoidNeuronClassifier(loss='log_loss')",
                    "peer": peer_name,
                    "ours_s": res["ours_s"],
                    "peer_s": res["theirs_s"],
                    "ratio": res["ratio"],
                    "ours_score": ours.score(X_test, y_test),
                    "peer_score": theirs.score(X_test, y_test),
                    "metric": "accuracy",
                    "ours_log_loss": log_loss(y_test, ours.predict_proba(X_test)),
                    "peer_log_loss": log_loss(y_test, theirs.predict_proba(X_test)),
                    "ours_epochs": ours.n_iter_,
                }
            )
    return rows
