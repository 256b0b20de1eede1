"""Peak memory of a fit above the data itself, beside scikit-learn's peers.

Workload: 1 000 000 × 50 float32 standard-normal X, C-contiguous (200 MB), a
binary label (int64) or a float32 target from the first two features; one
epoch (``max_iter=1, tol=None``), otherwise default settings, random_state=0,
except ``n_towers=4`` for the towers (200 towers over 50 features: the exact
solve's cost grows with the square of the towers). Every public estimator is
measured, found from ``sknn_intuition.__all__``.

The peak is what ``tracemalloc`` sees allocated during ``fit`` on top of what
was allocated before (X and y are made first); numpy reports its array
allocations to ``tracemalloc``, so a copy of X would show as 200 MB. A fit that
works batch by batch needs about ``batch × (features + widths)`` floats, plus
per-sample bookkeeping (encoded targets, the shuffled order: a few bytes per
sample).

Two more rows, for TowerRegressor alone (no peer), float64, X standard normal
and C-contiguous, y = sin(X[:, 0]) cos(X[:, 1]) (rng seed 0):

* ``TowerRegressor(solver='sgd', max_iter=1, tol=None, random_state=0)``, its
  other parameters default (30 towers per feature, no cells beyond three
  features: 300 towers), on 100 000 × 10 (X 8 MB). An SGD epoch needs the
  towers' activations of one batch at a time (the activations of all samples
  would be 240 MB); the target is below 100 MB.
* ``TowerRegressor(n_towers=100)``, the exact solve (``solver='lstsq'``) and
  its other parameters default (5 000 towers), on 20 000 × 50 (X 8 MB). The
  activations of all samples would be 800 MB, the normal equations' matrix is
  200 MB; this fit takes a minute or more.

Their seconds, like the others', are timed under ``tracemalloc``.
"""

import gc
import inspect
import time
import tracemalloc
import warnings

import numpy as np
from sklearn.base import BaseEstimator, is_classifier
from sklearn.linear_model import Perceptron, SGDClassifier
from sklearn.neural_network import MLPClassifier, MLPRegressor

import sknn_intuition

N_SAMPLES, N_FEATURES = 1_000_000, 50
EPOCH = {
    "max_iter": 1,
    "tol": None,
    "random_state": 0,
    "early_stopping": False,
    "n_towers": 4,
}

# scikit-learn's nearest estimator, with the same one-epoch settings.
PEERS = {
    "PerceptronClassifier": lambda: Perceptron(max_iter=1, tol=None, random_state=0),
    "SigmoidNeuronClassifier": lambda: SGDClassifier(
        loss="log_loss", max_iter=1, tol=None, random_state=0
    ),
    "FeedForwardClassifier": lambda: MLPClassifier(max_iter=1, random_state=0),
    "FeedForwardRegressor": lambda: MLPRegressor(max_iter=1, random_state=0),
    "TowerRegressor": lambda: MLPRegressor(max_iter=1, random_state=0),
}


def public_estimators():
    for name in sorted(sknn_intuition.__all__):
        obj = getattr(sknn_intuition, name)
        if inspect.isclass(obj) and issubclass(obj, BaseEstimator):
            yield obj


def peak_during(fn):
    """Seconds and peak bytes allocated (above the start) while ``fn()`` runs."""
    gc.collect()
    tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tic = time.perf_counter()
            fn()
            seconds = time.perf_counter() - tic
        peak = tracemalloc.get_traced_memory()[1] - start
    finally:
        tracemalloc.stop()
    return seconds, peak


def make_data():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((N_SAMPLES, N_FEATURES), dtype=np.float32)
    y_class = (X[:, 0] + X[:, 1] > 0).astype(np.int64)
    y_reg = X[:, 0] - X[:, 1]
    return X, y_class, y_reg


def run(repeats):
    return [*epoch_rows(), *tower_rows()]


def epoch_rows():
    """One epoch of every public estimator (and its peer) on the 200 MB data."""
    X, y_class, y_reg = make_data()
    mb = X.nbytes / 1e6
    rows = []
    for cls in public_estimators():
        est = cls()
        est.set_params(**{k: v for k, v in EPOCH.items() if k in est.get_params()})
        y = y_class if is_classifier(est) else y_reg
        seconds, peak = peak_during(lambda est=est, y=y: est.fit(X, y))
        row = {
            "workload": f"memory {N_SAMPLES}x{N_FEATURES} float32, 1 epoch",
            "ours": cls.__name__,
            "ours_s": seconds,
            "X_MB": mb,
            "ours_peak_MB": peak / 1e6,
            "ours_peak_per_X": peak / X.nbytes,
        }
        peer = PEERS.get(cls.__name__)
        if peer is not None:
            model = peer()
            peer_s, peer_peak = peak_during(lambda model=model, y=y: model.fit(X, y))
            row.update(
                peer=type(model).__name__,
                peer_s=peer_s,
                peer_peak_MB=peer_peak / 1e6,
                peer_peak_per_X=peer_peak / X.nbytes,
            )
        rows.append(row)
        print(
            "  ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
                      for k, v in row.items() if k != "workload"),
            flush=True,
        )
        del est
    return rows


# TowerRegressor alone: (label, parameters, n_samples, n_features).
TOWER_CASES = (
    (
        "TowerRegressor(solver='sgd', max_iter=1, tol=None)",
        {"solver": "sgd", "max_iter": 1, "tol": None, "random_state": 0},
        100_000,
        10,
    ),
    ("TowerRegressor(n_towers=100) lstsq", {"n_towers": 100}, 20_000, 50),
)


def tower_rows():
    """TowerRegressor alone on the cases of ``TOWER_CASES``."""
    rows = []
    for label, params, n_samples, n_features in TOWER_CASES:
        rng = np.random.default_rng(0)
        X = rng.standard_normal((n_samples, n_features))
        y = np.sin(X[:, 0]) * np.cos(X[:, 1])
        est = sknn_intuition.TowerRegressor(**params)
        seconds, peak = peak_during(lambda est=est, X=X, y=y: est.fit(X, y))
        row = {
            "workload": f"memory {n_samples}x{n_features} float64, {est.n_towers_} towers",
            "ours": label,
            "ours_s": seconds,
            "X_MB": X.nbytes / 1e6,
            "ours_peak_MB": peak / 1e6,
            "ours_peak_per_X": peak / X.nbytes,
        }
        rows.append(row)
        print(
            "  ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
                      for k, v in row.items()),
            flush=True,
        )
        del est, X, y
    return rows


if __name__ == "__main__":
    import sys

    sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent))
    from _common import machine_info, print_table

    print(machine_info())
    result = run(1)
    print_table(
        result,
        ["workload", "ours", "ours_s", "ours_peak_MB", "ours_peak_per_X", "peer", "peer_s",
         "peer_peak_MB", "peer_peak_per_X", "X_MB"],
    )
