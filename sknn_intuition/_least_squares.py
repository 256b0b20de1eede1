"""The exact solve of a learnt linear layer on fixed features: ridge regression.

The tower regressor's output layer sits on a hidden layer that is built, not
learnt, so its loss is quadratic in the heights ``H`` and the bias ``b``:
with features ``T``, targets ``Y`` (``K`` columns) and sample weights ``w``,

    L(H, b) = Σ_i w_i ‖y_i - T_i H - b‖² / (K Σ_i w_i) + (α/2) ‖H‖²,

and one linear solve finds its minimum. With ``T_c``, ``Y_c`` centred by
their weighted means (the bias is not penalised),

    (T_cᵀ W T_c + λ I) H = T_cᵀ W Y_c,   λ = α K Σ_i w_i / 2,   b = ȳ - t̄ H.

The sums that make the normal equations are gathered block by block
(:func:`add_block`), so the memory is the ``p x p`` system plus one block of
features; they are plain arrays in a dict, kept between ``partial_fit`` calls.
With many more features than samples, :func:`solve_dual` solves the same
problem through the ``n x n`` system of the samples instead.
"""

import numpy as np
from scipy import linalg
from scipy.linalg import blas


def empty_sums(n_features, n_outputs):
    """The sums of the normal equations before any data."""
    return {
        "w": 0.0,  # Σ w_i
        "w_min": np.inf,  # the smallest positive weight
        "yy": 0.0,  # Σ w_i ‖y_i‖²
        "t": np.zeros(n_features),  # Σ w_i T_i
        "y": np.zeros(n_outputs),  # Σ w_i y_i
        "tt": np.zeros((n_features, n_features)),  # Σ w_i T_iᵀ T_i
        "ty": np.zeros((n_features, n_outputs)),  # Σ w_i T_iᵀ y_i
    }


def add_block(sums, T, Y, w=None):
    """Add a block of rows (features ``T``, targets ``Y``, weights ``w``) to the sums."""
    T = T.astype(np.float64, copy=False)
    Y = Y.astype(np.float64)
    if w is None:  # every weight 1
        w = np.ones(T.shape[0])
        TW, WY = T, Y
        sums["w"] += float(T.shape[0])
        sums["w_min"] = min(sums["w_min"], 1.0)
    else:
        w = w.astype(np.float64)
        TW, WY = T * w[:, None], Y * w[:, None]
        sums["w"] += float(w.sum())
        sums["w_min"] = min(sums["w_min"], float(np.min(w, where=w > 0, initial=np.inf)))
    sums["yy"] += float(np.vdot(WY, Y))
    sums["y"] += WY.sum(axis=0)
    # Σ w_i T_i and Σ w_i T_iᵀ y_i in one product, Tᵀ [w, W Y] (a matrix
    # product runs several times faster than numpy's sum down the columns).
    t_ty = T.T @ np.column_stack([w, WY])
    sums["t"] += t_ty[:, 0]
    sums["ty"] += t_ty[:, 1:]
    _add_gram(sums["tt"], TW, T)  # tt += (W T)ᵀ T, in place


def solve(sums, alpha):
    """Heights and bias from the gathered sums.

    The loss they reach is the loss table's business: the estimator measures
    it with a forward pass (no second formula for the squared error here).
    """
    sw, k = sums["w"], sums["y"].shape[0]
    t_mean, y_mean = sums["t"] / sw, sums["y"] / sw
    R = sums["ty"] - sw * np.outer(t_mean, y_mean)
    lam = 0.5 * alpha * k * sw
    H = None
    if lam > 0:
        try:
            # The system is symmetric: its Fortran-ordered transpose is the
            # same matrix, which LAPACK factors in place.
            C = _centred_system(sums, t_mean, lam)
            H = linalg.cho_solve(linalg.cho_factor(C.T, overwrite_a=True, check_finite=False), R)
        except linalg.LinAlgError:
            H = None
    if H is None or not np.all(np.isfinite(H)):
        # Singular (alpha=0, or features with no data): the least-norm solution.
        C = _centred_system(sums, t_mean, lam)
        H = linalg.lstsq(C, R, cond=1e-12, check_finite=False)[0]
    b = y_mean - t_mean @ H
    return H, b


def solve_dual(column_blocks, Y, w, alpha):
    """The same ridge solution through the samples: for many more features than samples.

    With ``A = W^½ T_c`` and ``B = W^½ Y_c``,
    ``(AᵀA + λI)⁻¹AᵀB = Aᵀ(AAᵀ + λI)⁻¹B``: an n_samples x n_samples solve.
    ``column_blocks()`` yields the features a block of columns at a time (it
    is called twice), so the memory is the ``n x n`` system plus one block.
    """
    K, B, means, y_mean, root, w, k = _samples_system(column_blocks, Y, w)
    sw = w.sum()
    lam = 0.5 * alpha * k * sw
    dual = None
    if lam > 0:
        K[np.diag_indices_from(K)] += lam
        try:
            dual = linalg.cho_solve(linalg.cho_factor(K.T, overwrite_a=True, check_finite=False), B)
        except linalg.LinAlgError:
            dual = None
    if dual is None:  # the least-norm solution: H = Aᵀ (A Aᵀ)⁺ B
        dual = linalg.lstsq(K, B, cond=1e-12, check_finite=False)[0]
    blocks = [((T - t_mean) * root).T @ dual for T, t_mean in zip(column_blocks(), means)]
    H = np.vstack(blocks)
    b = y_mean - np.concatenate(means) @ H
    return H, b


def _samples_system(column_blocks, Y, w):
    """``K = A Aᵀ`` and ``B``, with ``A = W^½ T_c``, ``B = W^½ Y_c``, a block of columns at a time.

    Returns ``K``, ``B``, each block's column means, the targets' mean, ``W^½``
    (a column), the weights (ones if None) and the number of targets.
    """
    Y = Y.astype(np.float64)
    n, k = Y.shape
    w = np.ones(n) if w is None else w.astype(np.float64)
    sw = w.sum()
    y_mean, root = (w @ Y) / sw, np.sqrt(w)[:, None]
    B = (Y - y_mean) * root
    K, means = np.zeros((n, n)), []
    for T in column_blocks():
        t_mean = (w @ T) / sw
        means.append(t_mean)
        A = (T - t_mean) * root
        _add_gram(K, A.T, A.T)  # K += A Aᵀ, in place
    return K, B, means, y_mean, root, w, k


def _centred_system(sums, t_mean, lam):
    # TᵀWT - Σw t̄ t̄ᵀ + λI, built in blocks of rows, so no second p x p
    # temporary is made.
    C = sums["tt"].copy()
    for start in range(0, len(C), 256):
        C[start : start + 256] -= sums["w"] * np.outer(t_mean[start : start + 256], t_mean)
    C[np.diag_indices_from(C)] += lam
    return C


def _add_gram(G, A, B):
    """``G += Aᵀ B`` in place, for a C-ordered float64 ``G`` (BLAS's gemm).

    With ``Gᵀ`` (Fortran-ordered) as gemm's output, the product is added
    where it belongs without a temporary of ``G``'s size. gemm reads
    Fortran-ordered operands: a C-ordered one is passed as its transpose
    (the same memory, Fortran-ordered) with gemm's transpose flag flipped,
    so that no operand is copied (a copy of a block of rows took several
    times as long as the product itself).
    """
    a, trans_a = _fortran_operand(B, True)  # Gᵀ += Bᵀ A
    b, trans_b = _fortran_operand(A, False)
    out = blas.dgemm(
        1.0, a, b, beta=1.0, c=G.T, trans_a=trans_a, trans_b=trans_b, overwrite_c=True
    )
    if not np.shares_memory(out, G):  # pragma: no cover - gemm made a copy
        G[...] = out.T


def _fortran_operand(M, trans):
    """``(M, trans)`` as gemm takes it without a copy: Fortran-ordered, or its transpose."""
    if M.flags.f_contiguous or not M.flags.c_contiguous:
        return M, trans
    return M.T, not trans


# ------------------------------------------------- choosing the penalty by GCV
# With ``A = W^½ T_c`` (the centred, weighted features) and ``B = W^½ Y_c``,
# write ``A = U diag(√s) Vᵀ`` and ``z = Uᵀ B``: the ridge fit of penalty λ
# shrinks component ``j`` of ``B`` by ``s_j / (s_j + λ)``, so that
#
#     RSS(λ) = ‖B‖² - Σ_j ‖z_j‖² + Σ_j ‖z_j‖² (λ / (s_j + λ))²,
#     df(λ) = 1 + Σ_j s_j / (s_j + λ)      (the trace of the hat matrix; 1: the bias),
#
# and generalised cross-validation (Golub, Heath & Wahba, 1979) scores it
#
#     GCV(λ) = RSS(λ) / (K Σ_i w_i) / (1 - df(λ) / n)²,
#
# ``n = Σ_i w_i / min_i w_i`` (over positive weights: :func:`effective_samples`).
# The weights count relative to each other, never by their scale (weights
# summing to 1 are the same weights), in units of the smallest, so that
# integer weights with a 1 among them are repetitions, as everywhere else.
# One eigendecomposition gives it for every λ: of ``AᵀA`` (the p x p
# system, from the sums) or of ``AAᵀ`` (n x n).


def effective_samples(w):
    """The samples the weights ``w`` stand for: ``Σ w / min w`` over positive weights."""
    if w is None:
        return None
    w = np.asarray(w, dtype=np.float64)
    return float(w.sum() / np.min(w, where=w > 0, initial=np.inf))


def spectrum(sums):
    """The eigenvalues of the centred system and the targets' share along each, for GCV."""
    sw, k = sums["w"], sums["y"].shape[0]
    t_mean, y_mean = sums["t"] / sw, sums["y"] / sw
    R = sums["ty"] - sw * np.outer(t_mean, y_mean)  # AᵀB
    # Symmetric: its Fortran-ordered transpose is the same matrix, which
    # LAPACK overwrites in place (no further p x p copy).
    C = _centred_system(sums, t_mean, 0.0)
    s, V = linalg.eigh(C.T, overwrite_a=True, check_finite=False)
    del C
    s = _null_floor(s)
    r = V.T @ R
    # ‖z_j‖² = ‖r_j‖² / s_j; directions of no variance carry no signal.
    keep = s > 0
    z2 = np.zeros_like(s)
    z2[keep] = (r[keep] ** 2).sum(axis=1) / s[keep]
    yy = sums["yy"] - sw * float(y_mean @ y_mean)  # ‖B‖²
    return {"s": s, "z2": z2, "out": max(yy - z2.sum(), 0.0), "n": sw / sums["w_min"], "w": sw,
            "k": k}


def dual_spectrum(column_blocks, Y, w):
    """The same from the n x n system ``AAᵀ`` (many more features than samples)."""
    K, B, means, y_mean, root, w, k = _samples_system(column_blocks, Y, w)
    sw = w.sum()
    s, U = linalg.eigh(K, overwrite_a=True, check_finite=False)
    del K
    s = _null_floor(s)
    z = U.T @ B
    z2 = (z**2).sum(axis=1)
    return {"s": s, "z2": z2, "out": max(float(np.vdot(B, B)) - z2.sum(), 0.0),
            "n": effective_samples(w), "w": sw, "k": k, "U": U, "z": z,
            "means": means, "root": root, "y_mean": y_mean}


def _null_floor(s):
    """Eigenvalues below the rounding of the largest are zero (directions of no variance)."""
    return np.where(s > s.max(initial=0.0) * _NULL, s, 0.0)


# An eigenvalue below this fraction of the largest is rounding, not variance.
_NULL = 1e-12


def penalty(alpha, spec):
    """λ of the normal equations for the estimator's ``alpha``: ``α K Σ w / 2``."""
    return 0.5 * alpha * spec["k"] * spec["w"]


def gcv(spec, alphas):
    """GCV(λ) of each ``alpha`` (see above): the mean squared error it predicts."""
    # Every alpha at once: one row per alpha, one column per eigenvalue. The
    # degrees of freedom are summed over every eigenvalue, zeros included, as
    # alpha by alpha: near interpolation GCV divides by 1 - df / n, close to
    # 0, and a sum in another order rounds otherwise: the smallest alphas'
    # scores would move.
    s, z2 = spec["s"], spec["z2"]
    fitted = s > 0
    lam = penalty(np.asarray(alphas, dtype=np.float64), spec)[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        total = s + lam
        shrink = np.where(fitted, lam / total, 1.0)
        df = 1.0 + np.where(fitted, s / total, 0.0).sum(axis=1)
    rss = spec["out"] + (shrink**2) @ z2
    left = 1.0 - df / spec["n"]
    with np.errstate(divide="ignore", invalid="ignore"):
        scores = rss / (spec["k"] * spec["w"]) / left**2
    return np.where(left > 0, scores, np.inf)


def solve_dual_spectrum(spec, column_blocks, alpha):
    """The same from a :func:`dual_spectrum`: ``H = Aᵀ U (s + λ)⁻¹ z``, block by block."""
    lam = penalty(alpha, spec)
    with np.errstate(divide="ignore"):
        inv = np.where(spec["s"] + lam > 0, 1.0 / (spec["s"] + lam), 0.0)
    dual = spec["U"] @ (inv[:, None] * spec["z"])
    root, means = spec["root"], spec["means"]
    H = np.vstack([((T - m) * root).T @ dual for T, m in zip(column_blocks(), means)])
    return H, spec["y_mean"] - np.concatenate(means) @ H
