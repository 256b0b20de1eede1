"""Data-parallel training on dask: 2 workers against 1, and dask-ml's Incremental.

Workload: X 400 000 x 50 float32 standard normal made by ``dask.array.random``
in 8 blocks of 50 000 rows, y = [x_0 - x_1 + x_2 x_3 > 0]; a
FeedForwardClassifier with hidden_layer_sizes=(64, 64), relu. Two local
clusters of worker processes run side by side, one with 1 worker and one with
2, each worker single-threaded with one BLAS thread; the data are persisted
in each cluster's memory before timing.

* ``lbfgs``: ``DataParallel(strategy='lbfgs')``, 10 iterations of L-BFGS-B
  (tol=0): about 11 evaluations of the loss and gradient over all rows.
* ``local_sgd``: ``DataParallel(strategy='local_sgd')``, Adam, batch_size=200,
  2 epochs (tol=None).
* ``incremental``: ``dask_ml.wrappers.Incremental`` on the 2-worker cluster,
  2 passes of ``partial_fit`` over the blocks (one block at a time, on one
  worker after another), the same estimator.

Runs alternate (1 worker, 2 workers, Incremental, and again), ``--repeats``
times; the figures quoted are medians, and the speed-up is the median of the
per-round ratios time(2 workers) / time(1 worker).

Two single-threaded workers need two free cores: other jobs running at the
same time slow the 2-worker runs more than the 1-worker ones. Each run's line
shows how many cores other processes kept busy meanwhile (the machine's busy
CPU time less this benchmark's processes', over the wall time), and the
summary gives the medians also over the rounds in which they kept less than
``--quiet`` cores (0.25) busy during both runs.

``--hidden 256,256`` runs the same workload with wider layers (more
computation per row, the same traffic per evaluation).

Usage: ``python benchmarks/bench_dask.py [--repeats 3] [--rows 400000]
[--hidden 64,64]``.
"""

import argparse
import os
import time
import warnings

import numpy as np

ONE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def make_data(rows, features=50, block=50_000):
    import dask.array as da

    rng = da.random.default_rng(0)
    X = rng.standard_normal((rows, features), chunks=(block, features), dtype=np.float32)
    y = ((X[:, 0] - X[:, 1] + X[:, 2] * X[:, 3]) > 0).astype(np.int64)
    return X, y


HIDDEN = (64, 64)


def estimator(**params):
    from sknn_intuition import FeedForwardClassifier

    settings = dict(hidden_layer_sizes=HIDDEN, random_state=0, tol=None, batch_size=200)
    settings.update(params)
    return FeedForwardClassifier(**settings)


def cpu_seconds():
    """Busy CPU seconds of the whole machine, and of this process and its children."""
    import psutil

    t = psutil.cpu_times()
    busy = t.user + t.nice + t.system + getattr(t, "irq", 0) + getattr(t, "softirq", 0)
    ours = 0.0
    me = psutil.Process()
    for proc in [me, *me.children(recursive=True)]:
        try:
            c = proc.cpu_times()
        except psutil.Error:
            continue
        ours += c.user + c.system
    return busy, ours


def run(client, X, y, kind, epochs):
    from sknn_intuition.dask import DataParallel

    with client.as_current(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        busy, ours = cpu_seconds()
        tic = time.perf_counter()
        if kind == "lbfgs":
            model = DataParallel(estimator(solver="lbfgs", max_iter=10, tol=0.0))
            model.fit(X, y)
        elif kind == "local_sgd":
            model = DataParallel(estimator(max_iter=epochs), strategy="local_sgd")
            model.fit(X, y)
        else:
            from dask_ml.wrappers import Incremental

            model = Incremental(estimator(), shuffle_blocks=False)
            for _ in range(epochs):
                model.partial_fit(X, y, classes=[0, 1])
        seconds = time.perf_counter() - tic
        busy2, ours2 = cpu_seconds()
    others = max(0.0, (busy2 - busy) - (ours2 - ours)) / seconds
    return seconds, model, others


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--rows", type=int, default=400_000)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--hidden", default="64,64", help="hidden layer sizes, e.g. 256,256")
    parser.add_argument("--quiet", type=float, default=0.25,
                        help="cores kept busy by other processes below which a run is quiet")
    args = parser.parse_args()
    global HIDDEN
    HIDDEN = tuple(int(h) for h in args.hidden.split(","))
    os.environ.update(ONE_THREAD)  # the driver too: its work is small

    from distributed import Client, LocalCluster, wait

    clusters, data = {}, {}
    for n in (1, 2):
        cluster = LocalCluster(
            n_workers=n, threads_per_worker=1, processes=True, dashboard_address=":0",
            env=ONE_THREAD,
        )
        client = Client(cluster, set_as_default=False)
        client.wait_for_workers(n)
        with client.as_current():
            X, y = make_data(args.rows)
            X, y = client.persist([X, y])
            wait([X, y])
        clusters[n], data[n] = (cluster, client), (X, y)

    kinds = ("lbfgs", "local_sgd", "incremental")
    times = {(k, n): [] for k in kinds for n in (1, 2)}
    others = {(k, n): [] for k in kinds for n in (1, 2)}
    scores = {}
    X_test, y_test = make_data(20_000)
    X_test, y_test = X_test.compute(), y_test.compute()
    for r in range(args.repeats):
        for kind in kinds:
            for n in (1, 2):
                if kind == "incremental" and n == 1:
                    continue
                client = clusters[n][1]
                seconds, model, busy = run(client, *data[n], kind, args.epochs)
                times[kind, n].append(seconds)
                others[kind, n].append(busy)
                est = getattr(model, "estimator_", model)
                scores[kind, n] = float(est.score(X_test, y_test))
                print(f"round {r + 1}: {kind:12s} {n} worker(s): {seconds:7.2f} s, "
                      f"held-out accuracy {scores[kind, n]:.4f}, other processes "
                      f"{busy:.2f} cores", flush=True)
    print(f"\n{args.rows} x 50 float32, hidden {HIDDEN}, {args.repeats} rounds, medians:")
    for kind in kinds:
        if kind == "incremental":
            print(f"  incremental (2 workers): {np.median(times[kind, 2]):.2f} s, "
                  f"accuracy {scores[kind, 2]:.4f}")
            continue
        one, two = np.array(times[kind, 1]), np.array(times[kind, 2])
        print(f"  {kind:10s} 1 worker {np.median(one):.2f} s, 2 workers {np.median(two):.2f} s, "
              f"ratio 2/1 = {np.median(two / one):.2f} (accuracy {scores[kind, 1]:.4f} / "
              f"{scores[kind, 2]:.4f}); per round {np.round(two / one, 2).tolist()}")
        quiet = (np.array(others[kind, 1]) < args.quiet) & (np.array(others[kind, 2]) < args.quiet)
        if quiet.any():
            print(f"  {'':10s} the {quiet.sum()} quiet rounds: 1 worker "
                  f"{np.median(one[quiet]):.2f} s, 2 workers {np.median(two[quiet]):.2f} s, "
                  f"ratio 2/1 = {np.median(two[quiet] / one[quiet]):.2f}")
        else:
            print(f"  {'':10s} no quiet round (other processes below {args.quiet} cores)")
    for cluster, client in clusters.values():
        client.close()
        cluster.close()


if __name__ == "__main__":
    main()
