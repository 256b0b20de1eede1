"""TowerRegressor against MLPRegressor and SplineTransformer + Ridge.

Workloads (float64, random_state=0):

* 1-D: ``y = sin(2x) + 0.3 cos(5x)``, x uniform on [-3, 3], 20 000 points;
  metric: max |error| on 2001 points evenly spread over [-2.9, 2.9].
  TowerRegressor (exact solver, defaults otherwise) with n_towers = 25, 50,
  100, 200, 400 gives the log-log slope of the max error against n_towers;
  the smallest n_towers reaching max error <= 0.02 is timed side by side with
  ``MLPRegressor(hidden_layer_sizes=(100,), max_iter=200)`` (adam, its
  default) and with ``SplineTransformer(n_knots=50) + Ridge(alpha=1e-8)``.
  The MLP pair is timed again with BLAS limited to one thread on both sides.
  ``MLPRegressor(solver='lbfgs')`` (about 140 s a fit) runs only with
  ``BENCH_TOWER_LBFGS=1`` in the environment, or ``--lbfgs`` when this file
  is run as a script.
* 2-D: ``y = sin(x0) cos(x1)`` on [-3, 3]^2, 20 000 training and 5 000
  held-out points; TowerRegressor with default parameters against the same
  MLPRegressor; metric: held-out R².
"""

import os
import sys
import time
import warnings

import numpy as np
from _common import side_by_side
from sklearn.linear_model import Ridge
from sklearn.metrics import r2_score
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import SplineTransformer
from threadpoolctl import threadpool_limits

from sknn_intuition import TowerRegressor

N_TOWERS = (25, 50, 100, 200, 400)
TARGET_MAX_ERROR = 0.02


def _f1(x):
    return np.sin(2 * x) + 0.3 * np.cos(5 * x)


def _data_1d():
    rng = np.random.default_rng(0)
    x = rng.uniform(-3, 3, 20_000)
    x_eval = np.linspace(-2.9, 2.9, 2001)
    return x[:, None], _f1(x), x_eval[:, None], _f1(x_eval)


def _max_error(model, X_eval, y_eval):
    return float(np.abs(model.predict(X_eval) - y_eval).max())


def _mlp(solver="adam"):
    return MLPRegressor(hidden_layer_sizes=(100,), max_iter=200, solver=solver, random_state=0)


def _spline():
    return make_pipeline(SplineTransformer(n_knots=50), Ridge(alpha=1e-8))


def _sweep(X, y, X_eval, y_eval):
    """Max error and a single fit time for each n_towers."""
    errors, times = [], []
    for n in N_TOWERS:
        tic = time.perf_counter()
        est = TowerRegressor(n_towers=n).fit(X, y)
        times.append(time.perf_counter() - tic)
        errors.append(_max_error(est, X_eval, y_eval))
    slope = float(np.polyfit(np.log(N_TOWERS), np.log(errors), 1)[0])
    return errors, times, slope


def run(repeats, lbfgs=None):
    if lbfgs is None:
        lbfgs = os.environ.get("BENCH_TOWER_LBFGS", "") not in ("", "0")
    rows = []
    X, y, X_eval, y_eval = _data_1d()
    errors, times, slope = _sweep(X, y, X_eval, y_eval)
    for n, err, sec in zip(N_TOWERS, errors, times):
        rows.append(
            {
                "workload": "towers 1-D sweep 20000x1",
                "ours": f"TowerRegressor(n_towers={n})",
                "ours_s": sec,
                "ours_score": err,
                "metric": "max error",
                "loglog_slope": slope,
            }
        )
    good = [n for n, e in zip(N_TOWERS, errors) if e <= TARGET_MAX_ERROR]
    n_best = good[0] if good else N_TOWERS[int(np.argmin(errors))]

    def ours():
        return TowerRegressor(n_towers=n_best).fit(X, y)

    peers = [("MLPRegressor(100,) adam", lambda: _mlp().fit(X, y))]
    if lbfgs:
        peers.append(("MLPRegressor(100,) lbfgs", lambda: _mlp("lbfgs").fit(X, y)))
    peers.append(("SplineTransformer(50)+Ridge", lambda: _spline().fit(X, y)))
    # On a busy machine a 2-thread BLAS can stall on the exact solver's
    # tall-skinny products; the same pair with BLAS on 1 thread on both sides
    # shows the cost without that effect.
    peers.append(("MLPRegressor(100,) adam [1 BLAS thread]", peers[0][1]))
    for label, theirs in peers:
        reps = 1 if "lbfgs" in label else repeats
        with threadpool_limits(1 if "1 BLAS thread" in label else None):
            res = side_by_side(ours, theirs, reps)
        rows.append(
            {
                "workload": "towers 1-D sin(2x)+0.3cos(5x) 20000x1",
                "ours": f"TowerRegressor(n_towers={n_best})",
                "peer": label,
                "ours_s": res["ours_s"],
                "peer_s": res["theirs_s"],
                "ratio": res["ratio"],
                "ours_score": _max_error(res["ours_model"], X_eval, y_eval),
                "peer_score": _max_error(res["theirs_model"], X_eval, y_eval),
                "metric": "max error",
            }
        )

    rng = np.random.default_rng(0)
    X2 = rng.uniform(-3, 3, size=(25_000, 2))
    y2 = np.sin(X2[:, 0]) * np.cos(X2[:, 1])
    X2_train, y2_train, X2_test, y2_test = X2[:20_000], y2[:20_000], X2[20_000:], y2[20_000:]
    res = side_by_side(
        lambda: TowerRegressor().fit(X2_train, y2_train),
        lambda: _mlp().fit(X2_train, y2_train),
        max(1, repeats // 2),
    )
    rows.append(
        {
            "workload": "towers 2-D sin(x0)cos(x1) 20000x2",
            "ours": "TowerRegressor()",
            "peer": "MLPRegressor(100,) adam",
            "ours_s": res["ours_s"],
            "peer_s": res["theirs_s"],
            "ratio": res["ratio"],
            "ours_score": r2_score(y2_test, res["ours_model"].predict(X2_test)),
            "peer_score": r2_score(y2_test, res["theirs_model"].predict(X2_test)),
            "metric": "held-out R2",
            "n_towers_": res["ours_model"].n_towers_,
        }
    )
    return rows


if __name__ == "__main__":
    from _common import machine_info, print_table

    warnings.simplefilter("ignore")
    print(machine_info())
    result = run(3, lbfgs="--lbfgs" in sys.argv)
    print_table(
        result,
        [
            "workload",
            "ours",
            "peer",
            "ours_s",
            "peer_s",
            "ratio",
            "ours_score",
            "peer_score",
            "metric",
        ],
    )
    print(f"log-log slope of max error vs n_towers: {result[0]['loglog_slope']:.3f}")
