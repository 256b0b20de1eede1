"""FeedForwardRegressor / FeedForwardClassifier against scikit-learn's MLP.

Workload 1 (regression, float64 and float32): X is 60 000 x 100 standard
normal; y = tanh(X[:, :10] @ w) + 0.1 sin(3 X[:, 0]) for a random w scaled so
the projection has unit variance. Both networks have hidden_layer_sizes=(256,
256), relu, solver='sgd' (momentum 0.9, Nesterov), batch_size=512, 3 epochs
(max_iter=3, tol=None / n_iter_no_change large), alpha=0, random_state=0.
scikit-learn's MLP minimises ½ MSE, ours the MSE: ours runs with half its
learning rate (0.01 against 0.02), which makes the two update rules the same.

Reported beside the time ratio: each fit's GFLOP/s (the multiply-adds of the
forward and backward matrix products, 2 flops each), the machine's matrix
multiply throughput measured in the same run (a 1024 x 1024 product, same
dtype) and the "floor": the time the bare matrix products of the same
network take over the same batches and epochs (forward ``A @ W`` per layer,
backward ``A.T @ D`` per layer and ``D @ W.T`` per hidden layer, into
preallocated outputs). The floor is timed in each round right after the two
fits (best of two passes), and ``floor_frac`` is the median over the rounds
of the floor's time over our fit's (``peer_floor_frac`` the same for
scikit-learn's).

Workload 2: load_digits, 5-fold cross-validated accuracy of
FeedForwardClassifier() and MLPClassifier() with their defaults
(random_state=0), and the time of the whole cross-validation.
"""

import time

import numpy as np
from _common import side_by_side, timed
from sklearn.datasets import load_digits
from sklearn.model_selection import cross_val_score
from sklearn.neural_network import MLPClassifier, MLPRegressor

from sknn_intuition import FeedForwardClassifier, FeedForwardRegressor

N, D, HIDDEN, BATCH, EPOCHS = 60_000, 100, (256, 256), 512, 3
LR_SKLEARN = 0.02


def make_data(dtype, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((N, D))
    w = rng.standard_normal(10) / np.sqrt(10)
    y = np.tanh(X[:, :10] @ w) + 0.1 * np.sin(3 * X[:, 0])
    return X.astype(dtype), y.astype(dtype)


def network_flops(units, n_samples, epochs):
    """Flops of the forward and backward matrix products of one fit."""
    per_sample = 0
    for i, (fan_in, fan_out) in enumerate(zip(units[:-1], units[1:])):
        # forward A @ W, backward A.T @ D, and D @ W.T except into the input
        per_sample += 2 * fan_in * fan_out * (2 if i == 0 else 3)
    return per_sample * n_samples * epochs


def floor_seconds(units, dtype, n_samples, batch, epochs, repeats=3):
    """Best time of the bare matrix products of the network over the batches."""
    rng = np.random.default_rng(1)
    Ws = [rng.standard_normal((a, b)).astype(dtype) for a, b in zip(units[:-1], units[1:])]
    sizes = [min(batch, n_samples - s) for s in range(0, n_samples, batch)]
    bufs = {}
    for n in set(sizes):
        X = rng.standard_normal((n, units[0])).astype(dtype)
        A = [rng.standard_normal((n, u)).astype(dtype) for u in units[1:]]
        G = [np.empty_like(W) for W in Ws]
        bufs[n] = (X, A, [np.empty_like(a) for a in A], G)
    best = np.inf
    for _ in range(repeats):
        tic = time.perf_counter()
        for _ in range(epochs):
            for n in sizes:
                X, A, Dl, G = bufs[n]
                prev = X
                for W, out in zip(Ws, A):
                    np.dot(prev, W, out=out)
                    prev = out
                for i in range(len(Ws) - 1, -1, -1):
                    np.dot((X if i == 0 else A[i - 1]).T, A[i], out=G[i])
                    if i:
                        np.dot(A[i], Ws[i].T, out=Dl[i - 1])
        best = min(best, time.perf_counter() - tic)
    return best


def matmul_gflops(dtype, size=1024, repeats=5):
    rng = np.random.default_rng(2)
    a = rng.standard_normal((size, size)).astype(dtype)
    b = rng.standard_normal((size, size)).astype(dtype)
    out = np.empty_like(a)
    best = np.inf
    for _ in range(repeats):
        tic = time.perf_counter()
        np.dot(a, b, out=out)
        best = min(best, time.perf_counter() - tic)
    return 2 * size**3 / best / 1e9


def _regression_rows(repeats):
    rows = []
    units = [D, *HIDDEN, 1]
    flops = network_flops(units, N, EPOCHS)
    common = dict(
        hidden_layer_sizes=HIDDEN,
        solver="sgd",
        batch_size=BATCH,
        max_iter=EPOCHS,
        alpha=0.0,
        random_state=0,
    )
    for dtype in (np.float64, np.float32):
        X, y = make_data(dtype)
        res = side_by_side(
            lambda X=X, y=y: FeedForwardRegressor(
                learning_rate_init=LR_SKLEARN / 2, tol=None, **common
            ).fit(X, y),
            lambda X=X, y=y: MLPRegressor(
                learning_rate_init=LR_SKLEARN, n_iter_no_change=10**6, **common
            ).fit(X, y),
            repeats,
            also=lambda dtype=dtype: floor_seconds(units, dtype, N, BATCH, EPOCHS, repeats=2),
        )
        floor = res["also_s"]
        peak = matmul_gflops(dtype)
        ours_gf = flops / res["ours_s"] / 1e9
        peer_gf = flops / res["theirs_s"] / 1e9
        name = np.dtype(dtype).name
        rows.append(
            {
                "workload": f"regression {N}x{D} {name} (256,256) b512 3ep",
                "ours": "FeedForwardRegressor(sgd)",
                "peer": "MLPRegressor(sgd)",
                "ours_s": res["ours_s"],
                "peer_s": res["theirs_s"],
                "ratio": res["ratio"],
                "speedup": 1 / res["ratio"],
                "ours_score": res["ours_model"].score(X, y),
                "peer_score": res["theirs_model"].score(X, y),
                "metric": "train R2",
                "ours_gflops": ours_gf,
                "peer_gflops": peer_gf,
                "matmul_gflops": peak,
                "ours_of_matmul": ours_gf / peak,
                "floor_s": floor,
                "floor_frac": res["also_over_ours"],
                "peer_floor_frac": res["also_over_theirs"],
            }
        )
    return rows


def _digits_row():
    X, y = load_digits(return_X_y=True)
    t_ours, ours = timed(
        lambda: cross_val_score(FeedForwardClassifier(random_state=0), X, y, cv=5)
    )
    t_peer, peer = timed(
        lambda: cross_val_score(MLPClassifier(random_state=0), X, y, cv=5)
    )
    return {
        "workload": "load_digits 5-fold CV, defaults",
        "ours": "FeedForwardClassifier()",
        "peer": "MLPClassifier()",
        "ours_s": t_ours,
        "peer_s": t_peer,
        "ratio": t_ours / t_peer,
        "ours_score": float(np.mean(ours)),
        "peer_score": float(np.mean(peer)),
        "metric": "CV accuracy",
    }


def run(repeats):
    return [*_regression_rows(repeats), _digits_row()]


if __name__ == "__main__":
    from _common import machine_info, print_table

    print(machine_info())
    rows = _regression_rows(3)
    print_table(rows, list(rows[0]))
