"""This package at two revisions, side by side in one process: a check for speed regressions.

Usage::

    python benchmarks/compare_revisions.py OLD_PATH [--repeats 5] [--json out.json]
    python benchmarks/compare_revisions.py --rev REV [--repeats 5] [--json out.json]

OLD_PATH is a directory holding an older copy of the ``sknn_intuition``
package directory (made, say, with ``git archive REV sknn_intuition | tar -x
-C OLD_PATH``); with ``--rev REV`` this script runs that ``git archive`` itself
into a temporary directory. The old copy is copied to a temporary directory as
``sknn_intuition_old`` and imported under that name (the package imports itself
only relatively), beside the ``sknn_intuition`` that Python finds (the working
tree, for an editable install; a directory put first on ``PYTHONPATH`` comes
before it). Only public estimator APIs are used.

Each workload times the new and the old fit in turn (new, old, new, old, ...;
``side_by_side`` with ours = new, theirs = old) on the same arrays, and quotes
the median of the per-round ratios new/old (``ratio``; below 1: the new code is
faster). One untimed fit of each comes first, and where a third call runs in
each round (the floor, or scikit-learn's peer) an untimed fit of the old code
follows it: every timed fit follows a fit of this package, never a cold start
or the third call. (A fit right after LogisticRegression's ran up to 1.7 times
slower here: an A/A comparison read 1.6 without the untimed fit, 1.0 to 1.07 with it.)
Workloads, all float64 unless said otherwise:

(a) The regression workload of ``bench_feedforward.py``, float64 and float32:
    X 60 000 x 100 standard normal, y = tanh(X[:, :10] @ w) + 0.1 sin(3 X[:, 0]);
    FeedForwardRegressor(hidden_layer_sizes=(256, 256), solver='sgd',
    batch_size=512, max_iter=3, tol=None, alpha=0, learning_rate_init=0.01,
    random_state=0). The floor (the bare matrix products of the same network
    over the same batches and epochs, best of two passes, as there) runs third
    in each round; ``new_floor_frac`` / ``old_floor_frac`` are the medians over
    the rounds of the floor's time over each fit's. Score: train R².
(a') Small networks, where per-call costs weigh most: X 20 000 x 50 standard
    normal, y = tanh(X[:, :5] @ w); FeedForwardRegressor(solver='sgd',
    batch_size=200, max_iter=3, tol=None, random_state=0) with
    hidden_layer_sizes=(64, 64), activation='tanh', and with (16,),
    activation='sigmoid'. Score: train R².
(b) The data of ``bench_perceptron.py`` / ``bench_sigmoid_neuron.py``:
    make_classification(120 000 samples, 50 features, 20 informative,
    random_state=0), 2-class and 3-class, trained on the first 100 000, scored
    (accuracy) on the last 20 000. PerceptronClassifier() with its defaults
    (random_state=0, tol=1e-3, up to 1000 epochs), and
    SigmoidNeuronClassifier(loss='log_loss') with its other defaults.
    scikit-learn's peer (Perceptron() / LogisticRegression(), defaults) runs
    third in each round; ``new_over_peer`` / ``old_over_peer`` are medians over
    the rounds of each fit's time over the peer's.
(c) 1-D, the data of ``bench_tower.py``: y = sin(2x) + 0.3 cos(5x), x uniform on
    [-3, 3], 20 000 points; TowerRegressor(solver='sgd', random_state=0) (the
    seed fixes the shuffling, so both sides run the same epochs),
    TowerRegressor() with its defaults (the exact solve; the defaults of the
    two revisions may differ, as n_towers='auto' and alpha='auto' did), and
    TowerRegressor(n_towers=30, alpha=1e-6), the same exact solve on both
    sides (the 30 towers n_towers='auto' took on these data in older
    revisions, and their default penalty). These fits are short, so each
    timed call makes several fits in a row (``fits_per_call``) and the
    seconds quoted are per fit. Score: max |error| on 2001 points evenly
    spread over [-2.9, 2.9].

``new_score`` beside ``old_score`` shows whether a refactor changed the results.
Measure on a quiet machine (see the design notes on benchmarks); the ratios
survive a busy one far better than the seconds.
"""

import argparse
import importlib
import io
import json
import pathlib
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import numpy as np  # noqa: E402
from _common import machine_info, print_table, side_by_side, timed  # noqa: E402

PACKAGE = "sknn_intuition"
OLD_NAME = "sknn_intuition_old"
# A line importing the package by its absolute name, which the renamed copy
# would resolve to the new code (doctest lines start with ">>>", so are not hit).
ABSOLUTE_IMPORT = re.compile(rf"^\s*(from|import)\s+{PACKAGE}\b", re.MULTILINE)
# Modules a user imports on purpose, which the package never imports (the
# ONNX export registers converters for the package by its absolute name): not
# copied, since the benchmarks do not use them.
OPTIONAL_MODULES = ("onnx.py",)

COLUMNS = ["workload", "estimator", "new_s", "old_s", "ratio", "new_score", "old_score", "metric"]
EXTRA_COLUMNS = [
    "workload",
    "estimator",
    "floor_s",
    "new_floor_frac",
    "old_floor_frac",
    "peer",
    "peer_s",
    "new_over_peer",
    "old_over_peer",
    "fits_per_call",
]


# --------------------------------------------------------------------------
# Loading the old copy


def export_revision(rev, dest):
    """Write ``git archive REV sknn_intuition`` of this repository into ``dest``."""
    result = subprocess.run(
        ["git", "-C", str(REPO), "archive", "--format=tar", rev, PACKAGE],
        capture_output=True,
    )
    if result.returncode:
        raise SystemExit(f"git archive {rev} {PACKAGE} failed: {result.stderr.decode().strip()}")
    archive = result.stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        if hasattr(tarfile, "data_filter"):  # Python >= 3.10.12 / 3.11.4
            tar.extractall(dest, filter="data")
        else:  # pragma: no cover
            tar.extractall(dest)
    return pathlib.Path(dest)


def load_old(old_root, workdir):
    """Import ``old_root/sknn_intuition`` as the top-level module ``sknn_intuition_old``."""
    source = pathlib.Path(old_root) / PACKAGE
    if not (source / "__init__.py").is_file():
        raise SystemExit(f"no {PACKAGE}/__init__.py under {old_root}")
    offending = [
        p.name
        for p in sorted(source.glob("*.py"))
        if p.name not in OPTIONAL_MODULES and ABSOLUTE_IMPORT.search(p.read_text())
    ]
    if offending:
        raise SystemExit(
            f"the old copy imports {PACKAGE} by its absolute name in {offending}: "
            f"renamed to {OLD_NAME} it would run part of the new code"
        )
    target = pathlib.Path(workdir) / OLD_NAME
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", *OPTIONAL_MODULES))
    sys.path.insert(0, str(workdir))
    already_new = PACKAGE in sys.modules
    old = importlib.import_module(OLD_NAME)
    if not pathlib.Path(old.__file__).resolve().is_relative_to(target.resolve()):
        raise SystemExit(f"{OLD_NAME} was imported from {old.__file__}, not {target}")
    if not already_new and PACKAGE in sys.modules:
        raise SystemExit(f"importing {OLD_NAME} imported {PACKAGE} too")
    return old


# --------------------------------------------------------------------------
# Workloads


def paired(new_fit, old_fit, repeats, third=None):
    """``side_by_side(new_fit, old_fit)`` after one untimed call of each.

    ``third`` (a function of no arguments returning seconds) runs third in each
    round, followed by an untimed ``old_fit()``, so the next round's new fit
    follows a fit of this package as the old one does.
    """
    timed(new_fit)
    timed(old_fit)
    also = None
    if third is not None:

        def also():
            seconds = third()
            timed(old_fit)
            return seconds

    return side_by_side(new_fit, old_fit, repeats, also=also)


def _row(workload, estimator, res, new_score, old_score, metric, per_call=1):
    return {
        "workload": workload,
        "estimator": estimator,
        "new_s": res["ours_s"] / per_call,
        "old_s": res["theirs_s"] / per_call,
        "ratio": res["ratio"],
        "new_score": float(new_score),
        "old_score": float(old_score),
        "metric": metric,
    }


def feedforward_rows(new, old, repeats):
    """(a) bench_feedforward's regression workload, float64 and float32, with its floor."""
    import bench_feedforward as ff

    units = [ff.D, *ff.HIDDEN, 1]
    params = dict(
        hidden_layer_sizes=ff.HIDDEN,
        solver="sgd",
        batch_size=ff.BATCH,
        max_iter=ff.EPOCHS,
        tol=None,
        alpha=0.0,
        learning_rate_init=ff.LR_SKLEARN / 2,
        random_state=0,
    )
    rows = []
    for dtype in (np.float64, np.float32):
        X, y = ff.make_data(dtype)
        res = paired(
            lambda X=X, y=y: new.FeedForwardRegressor(**params).fit(X, y),
            lambda X=X, y=y: old.FeedForwardRegressor(**params).fit(X, y),
            repeats,
            third=lambda dtype=dtype: ff.floor_seconds(
                units, dtype, ff.N, ff.BATCH, ff.EPOCHS, repeats=2
            ),
        )
        name = np.dtype(dtype).name
        row = _row(
            f"regression {ff.N}x{ff.D} {name} (256,256) b{ff.BATCH} {ff.EPOCHS}ep",
            "FeedForwardRegressor(sgd)",
            res,
            res["ours_model"].score(X, y),
            res["theirs_model"].score(X, y),
            "train R2",
        )
        row.update(
            floor_s=res["also_s"],
            new_floor_frac=res["also_over_ours"],
            old_floor_frac=res["also_over_theirs"],
        )
        rows.append(row)
        print_progress(row)
    return rows


SMALL_NETWORKS = (((64, 64), "tanh"), ((16,), "sigmoid"))


def small_network_rows(new, old, repeats):
    """(a') Small tanh and sigmoid networks, 20 000 x 50, batches of 200."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((20_000, 50))
    y = np.tanh(X[:, :5] @ (rng.standard_normal(5) / np.sqrt(5)))
    rows = []
    for hidden, activation in SMALL_NETWORKS:
        params = dict(hidden_layer_sizes=hidden, activation=activation, solver="sgd",
                      batch_size=200, max_iter=3, tol=None, random_state=0)
        res = paired(
            lambda p=params: new.FeedForwardRegressor(**p).fit(X, y),
            lambda p=params: old.FeedForwardRegressor(**p).fit(X, y),
            repeats,
        )
        row = _row(
            f"regression 20000x50 {hidden} {activation} b200 3ep",
            "FeedForwardRegressor(sgd)",
            res,
            res["ours_model"].score(X, y),
            res["theirs_model"].score(X, y),
            "train R2",
        )
        rows.append(row)
        print_progress(row)
    return rows


def linear_rows(new, old, repeats):
    """(b) PerceptronClassifier() and SigmoidNeuronClassifier(loss='log_loss'), with a peer."""
    from sklearn.datasets import make_classification
    from sklearn.linear_model import LogisticRegression, Perceptron

    cases = (
        ("PerceptronClassifier", {}, "Perceptron()", Perceptron),
        (
            "SigmoidNeuronClassifier",
            {"loss": "log_loss"},
            "LogisticRegression()",
            LogisticRegression,
        ),
    )
    rows = []
    for n_classes in (2, 3):
        X, y = make_classification(
            120_000, 50, n_informative=20, n_classes=n_classes, random_state=0
        )
        X_train, y_train, X_test, y_test = X[:100_000], y[:100_000], X[100_000:], y[100_000:]
        for cls_name, params, peer_name, peer_cls in cases:
            new_cls, old_cls = getattr(new, cls_name), getattr(old, cls_name)
            res = paired(
                lambda c=new_cls, p=params, X=X_train, y=y_train: c(**p).fit(X, y),
                lambda c=old_cls, p=params, X=X_train, y=y_train: c(**p).fit(X, y),
                repeats,
                third=lambda c=peer_cls, X=X_train, y=y_train: timed(lambda: c().fit(X, y))[0],
            )
            label = ", ".join(f"{k}={v!r}" for k, v in params.items())
            row = _row(
                f"{n_classes}-class 100000x50 (make_classification)",
                f"{cls_name}({label})",
                res,
                res["ours_model"].score(X_test, y_test),
                res["theirs_model"].score(X_test, y_test),
                "accuracy",
            )
            # Medians of peer/new and peer/old per round, inverted: with an odd
            # number of rounds, the medians of new/peer and old/peer.
            row.update(
                peer=peer_name,
                peer_s=res["also_s"],
                new_over_peer=1 / res["also_over_ours"],
                old_over_peer=1 / res["also_over_theirs"],
            )
            rows.append(row)
            print_progress(row)
    return rows


def tower_rows(new, old, repeats):
    """(c) TowerRegressor, SGD and exact solve (defaults, and given settings), on a 1-D sine."""
    from bench_tower import _data_1d, _max_error

    X, y, X_eval, y_eval = _data_1d()
    cases = (
        ("TowerRegressor(solver='sgd', random_state=0)", {"solver": "sgd", "random_state": 0}, 3),
        ("TowerRegressor()", {}, 20),
        ("TowerRegressor(n_towers=30, alpha=1e-6)", {"n_towers": 30, "alpha": 1e-6}, 20),
    )
    rows = []
    for label, params, per_call in cases:

        def fits(module, params=params, per_call=per_call):
            for _ in range(per_call):
                model = module.TowerRegressor(**params).fit(X, y)
            return model

        res = paired(lambda f=fits: f(new), lambda f=fits: f(old), repeats)
        row = _row(
            "towers 1-D sin(2x)+0.3cos(5x) 20000x1",
            label,
            res,
            _max_error(res["ours_model"], X_eval, y_eval),
            _max_error(res["theirs_model"], X_eval, y_eval),
            "max error",
            per_call=per_call,
        )
        row["fits_per_call"] = per_call
        rows.append(row)
        print_progress(row)
    return rows


def print_progress(row):
    print(
        "  ".join(
            f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
            for k, v in row.items()
            if k != "workload"
        ),
        flush=True,
    )


# --------------------------------------------------------------------------


def run(old_root, repeats):
    with tempfile.TemporaryDirectory(prefix="compare_revisions_") as workdir:
        old = load_old(old_root, workdir)
        new = importlib.import_module(PACKAGE)
        print(f"new: {pathlib.Path(new.__file__).parent}")
        print(f"old: {pathlib.Path(old_root) / PACKAGE} (as {OLD_NAME})")
        return [
            *feedforward_rows(new, old, repeats),
            *small_network_rows(new, old, repeats),
            *linear_rows(new, old, repeats),
            *tower_rows(new, old, repeats),
        ]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "old_path", nargs="?", help=f"directory holding the old {PACKAGE} package directory"
    )
    parser.add_argument("--rev", help=f"git revision to export {PACKAGE} from, instead")
    parser.add_argument("--repeats", type=int, default=5, help="rounds per workload")
    parser.add_argument("--json", help="also write the rows to this JSON file")
    args = parser.parse_args(argv)
    if (args.old_path is None) == (args.rev is None):
        parser.error("give either OLD_PATH or --rev REV")
    print(machine_info())
    if args.rev is not None:
        with tempfile.TemporaryDirectory(prefix="compare_revisions_rev_") as export:
            old_root = export_revision(args.rev, export)
            rows = run(old_root, args.repeats)
        old_label = f"git rev {args.rev}"
    else:
        rows = run(args.old_path, args.repeats)
        old_label = str(pathlib.Path(args.old_path).resolve())
    print()
    print_table(rows, COLUMNS)
    print()
    print_table(rows, [c for c in EXTRA_COLUMNS if any(c in r for r in rows)])
    if args.json:
        pathlib.Path(args.json).write_text(
            json.dumps(
                {
                    "machine": machine_info(),
                    "old": old_label,
                    "repeats": args.repeats,
                    "rows": rows,
                },
                indent=2,
            )
        )
    return rows


if __name__ == "__main__":
    main()
