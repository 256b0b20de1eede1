"""solver='lbfgs' and multilabel targets against scikit-learn's MLP and LogisticRegression.

Workload 1: load_digits (1797 x 64, pixels scaled to [0, 1]), the first 1500
samples to train, the rest held out. FeedForwardClassifier(solver='lbfgs')
against MLPClassifier(solver='lbfgs'), both hidden_layer_sizes=(100,), relu,
max_iter=200, random_state=0, on the same objective: our L2 penalty is per
sample, so ours runs with alpha = 1e-4 / n_train where scikit-learn's has
alpha = 1e-4. Test accuracy of each.

Workload 2: regression, X 20 000 x 50 standard normal, y = sin(X[:, 0]) +
X[:, 1] X[:, 2] + 0.1 noise, float64; FeedForwardRegressor against
MLPRegressor, both solver='lbfgs', hidden_layer_sizes=(64,), max_iter=200,
random_state=0, alpha matched as above. Training R² of each. Our squared
error has no ½: the optimum and the path of L-BFGS are the same (the scale of
the loss does not change its steps).

Workload 3: SigmoidNeuronClassifier(solver='lbfgs', loss='log_loss',
alpha=1 / n) against LogisticRegression() (lbfgs, C=1: the same objective) on
the digits training split; the objective each reaches (mean log-loss plus the
penalty) and the held-out log-loss.

Workload 2b: the same regression with 5 000 more rows held out,
max_iter=100, random_state 0, 1 and 2: the mean held-out R² of each. Both
draw their starting weights and biases by the same rule in the same order,
so each seed starts both from the same parameters.

Workload 4: make_multilabel_classification(2000, n_classes=5, random_state=0),
1500 to train; FeedForwardClassifier() against MLPClassifier() (defaults,
random_state=0): held-out micro-F1 and fit time.
"""

import numpy as np
from _common import side_by_side
from sklearn.datasets import load_digits, make_multilabel_classification
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score, log_loss
from sklearn.neural_network import MLPClassifier, MLPRegressor

from sknn_intuition import FeedForwardClassifier, FeedForwardRegressor, SigmoidNeuronClassifier


def _digits():
    X, y = load_digits(return_X_y=True)
    return X[:1500] / 16, y[:1500], X[1500:] / 16, y[1500:]


def _row(workload, ours, peer, res, metric, ours_score, peer_score, **extra):
    return {
        "workload": workload,
        "ours": ours,
        "peer": peer,
        "ours_s": res["ours_s"],
        "peer_s": res["theirs_s"],
        "ratio": res["ratio"],
        "ours_score": ours_score,
        "peer_score": peer_score,
        "metric": metric,
        **extra,
    }


def _network_rows(repeats):
    X, y, X_te, y_te = _digits()
    n = len(X)
    kw = dict(hidden_layer_sizes=(100,), solver="lbfgs", max_iter=200, random_state=0)
    res = side_by_side(
        lambda: FeedForwardClassifier(alpha=1e-4 / n, **kw).fit(X, y),
        lambda: MLPClassifier(alpha=1e-4, **kw).fit(X, y),
        repeats,
    )
    rows = [
        _row("load_digits lbfgs (100,) 200 it", "FeedForwardClassifier(lbfgs)",
             "MLPClassifier(lbfgs)", res, "test accuracy",
             res["ours_model"].score(X_te, y_te), res["theirs_model"].score(X_te, y_te),
             ours_iter=res["ours_model"].n_iter_, peer_iter=res["theirs_model"].n_iter_)
    ]
    rng = np.random.default_rng(0)
    X = rng.standard_normal((20_000, 50))
    y = np.sin(X[:, 0]) + X[:, 1] * X[:, 2] + 0.1 * rng.standard_normal(20_000)
    kw = dict(hidden_layer_sizes=(64,), solver="lbfgs", max_iter=200, random_state=0)
    res = side_by_side(
        lambda: FeedForwardRegressor(alpha=1e-4 / len(X), **kw).fit(X, y),
        lambda: MLPRegressor(alpha=1e-4, **kw).fit(X, y),
        repeats,
    )
    rows.append(
        _row("regression 20000x50 lbfgs (64,) 200 it", "FeedForwardRegressor(lbfgs)",
             "MLPRegressor(lbfgs)", res, "train R2", res["ours_model"].score(X, y),
             res["theirs_model"].score(X, y),
             ours_iter=res["ours_model"].n_iter_, peer_iter=res["theirs_model"].n_iter_)
    )
    return rows


def _seed_rows():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((25_000, 50))
    y = np.sin(X[:, 0]) + X[:, 1] * X[:, 2] + 0.1 * rng.standard_normal(25_000)
    X, y, X_te, y_te = X[:20_000], y[:20_000], X[20_000:], y[20_000:]
    kw = dict(hidden_layer_sizes=(64,), solver="lbfgs", max_iter=100)
    ours, peer = [], []
    for seed in range(3):
        ours.append(FeedForwardRegressor(alpha=1e-4 / len(X), random_state=seed, **kw)
                    .fit(X, y).score(X_te, y_te))
        peer.append(MLPRegressor(alpha=1e-4, random_state=seed, **kw).fit(X, y).score(X_te, y_te))
    res = {"ours_s": np.nan, "theirs_s": np.nan, "ratio": np.nan}
    return [
        _row("regression 20000x50 lbfgs (64,) 100 it, seeds 0-2", "FeedForwardRegressor(lbfgs)",
             "MLPRegressor(lbfgs)", res, "mean held-out R2", float(np.mean(ours)),
             float(np.mean(peer)), ours_by_seed=[round(v, 4) for v in ours],
             peer_by_seed=[round(v, 4) for v in peer])
    ]


def _linear_rows(repeats):
    X, y, X_te, y_te = _digits()
    n = len(X)
    res = side_by_side(
        lambda: SigmoidNeuronClassifier(solver="lbfgs", loss="log_loss", alpha=1 / n).fit(X, y),
        lambda: LogisticRegression().fit(X, y),
        repeats,
    )
    ours, theirs = res["ours_model"], res["theirs_model"]

    def objective(m):  # the mean log-loss plus the penalty both minimise
        return log_loss(y, m.predict_proba(X)) + 0.5 / n * float(np.sum(m.coef_**2))

    return [
        _row("load_digits train split, lbfgs", "SigmoidNeuronClassifier(lbfgs, log_loss)",
             "LogisticRegression()", res, "penalised train log-loss", objective(ours),
             objective(theirs), ours_test_log_loss=log_loss(y_te, ours.predict_proba(X_te)),
             peer_test_log_loss=log_loss(y_te, theirs.predict_proba(X_te)))
    ]


def _multilabel_rows(repeats):
    X, Y = make_multilabel_classification(2000, n_classes=5, random_state=0)
    X_tr, Y_tr, X_te, Y_te = X[:1500], Y[:1500], X[1500:], Y[1500:]
    res = side_by_side(
        lambda: FeedForwardClassifier(random_state=0).fit(X_tr, Y_tr),
        lambda: MLPClassifier(random_state=0).fit(X_tr, Y_tr),
        repeats,
    )
    return [
        _row("multilabel 2000 x 20, 5 labels", "FeedForwardClassifier()", "MLPClassifier()",
             res, "test micro-F1",
             f1_score(Y_te, res["ours_model"].predict(X_te), average="micro"),
             f1_score(Y_te, res["theirs_model"].predict(X_te), average="micro"))
    ]


def run(repeats):
    return [*_network_rows(repeats), *_seed_rows(), *_linear_rows(repeats),
            *_multilabel_rows(repeats)]


if __name__ == "__main__":
    from _common import machine_info, print_table

    print(machine_info())
    rows = run(3)
    print_table(rows, list(rows[0]))
