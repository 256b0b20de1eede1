"""Training on arrays whose memory is not aligned, against aligned copies.

Arrays received over a network (a dask worker's blocks, for one) can start at
an address that is not a multiple of their item size. Gathering mini-batch
rows from such an array with ``ndarray.take`` runs element by element, some
hundreds of times slower than on an aligned array; the trainer gathers them
by fancy indexing instead.

Workload: X 200 000 x 20 float32 standard normal, y = tanh(X[:, :5] @ w),
FeedForwardRegressor(hidden_layer_sizes=(32,), solver='sgd', batch_size=200,
max_iter=2, tol=None, random_state=0), fitted on the same values held at a
misaligned address ("ours") and in an aligned copy ("peer"), in turn. The
ratio (median over rounds) should be close to 1.
"""

import numpy as np
from _common import side_by_side

from sknn_intuition import FeedForwardRegressor

N, D = 200_000, 20


def misaligned(A):
    """A copy of ``A`` whose data start one byte past an aligned address."""
    raw = np.empty(A.nbytes + 1, dtype=np.uint8)
    out = np.frombuffer(raw.data, dtype=A.dtype, count=A.size, offset=1).reshape(A.shape)
    out[...] = A
    assert not out.flags.aligned
    return out


def run(repeats=5):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((N, D)).astype(np.float32)
    y = np.tanh(X[:, :5] @ (rng.standard_normal(5) / np.sqrt(5))).astype(np.float32)
    X_bad = misaligned(X)
    params = dict(hidden_layer_sizes=(32,), solver="sgd", batch_size=200, max_iter=2,
                  tol=None, random_state=0)
    def ours():
        return FeedForwardRegressor(**params).fit(X_bad, y)

    def peer():
        return FeedForwardRegressor(**params).fit(X, y)

    ours(), peer()  # untimed: neither side runs cold
    res = side_by_side(ours, peer, repeats)
    return [
        {
            "workload": f"regression {N}x{D} float32 (32,) b200 2ep",
            "ours": "FeedForwardRegressor on misaligned X",
            "peer": "FeedForwardRegressor on an aligned copy",
            "ours_s": res["ours_s"],
            "peer_s": res["theirs_s"],
            "ratio": res["ratio"],
            "ours_score": res["ours_model"].score(X, y),
            "peer_score": res["theirs_model"].score(X, y),
            "metric": "train R2",
        }
    ]


if __name__ == "__main__":
    for row in run(3):
        print(row)
