"""The exact ridge solve of a linear layer, against scikit-learn's Ridge."""

import numpy as np
import pytest
from sklearn.linear_model import Ridge

from sknn_intuition import _least_squares as least_squares


def _problem(n=120, p=15, k=2, seed=0):
    rng = np.random.default_rng(seed)
    T = rng.normal(size=(n, p))
    Y = T @ rng.normal(size=(p, k)) + 0.5 + 0.1 * rng.normal(size=(n, k))
    w = rng.uniform(0.2, 2.0, size=n)
    return T, Y, w


@pytest.mark.parametrize("weighted", [False, True])
def test_blocks_solve_the_ridge_problem(weighted):
    T, Y, w = _problem()
    w = w if weighted else None
    alpha = 0.05
    sums = least_squares.empty_sums(T.shape[1], Y.shape[1])
    for start in range(0, len(T), 37):  # uneven blocks
        rows = slice(start, start + 37)
        least_squares.add_block(sums, T[rows], Y[rows], None if w is None else w[rows])
    H, b = least_squares.solve(sums, alpha)
    # Our objective: Σ w ‖y - T H - b‖² / (K Σ w) + α/2 ‖H‖², i.e. Ridge with
    # alpha_ridge = α K Σ w / 2 on the weighted sum of squares.
    weights = np.ones(len(T)) if w is None else w
    ref = Ridge(alpha=alpha * Y.shape[1] * weights.sum() / 2).fit(T, Y, sample_weight=weights)
    np.testing.assert_allclose(H, ref.coef_.T, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(b, ref.intercept_, rtol=1e-8)


def test_the_dual_solve_gives_the_same_solution():
    T, Y, w = _problem(n=30, p=80)  # more features than samples
    sums = least_squares.empty_sums(80, 2)
    least_squares.add_block(sums, T, Y, w)
    primal = least_squares.solve(sums, 0.1)
    dual = least_squares.solve_dual(lambda: iter([T[:, :33], T[:, 33:]]), Y, w, 0.1)
    for a, b in zip(primal, dual):
        np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-9)


def test_gram_accumulates_in_place():
    rng = np.random.default_rng(1)
    G = rng.normal(size=(6, 6))
    A, B = rng.normal(size=(9, 6)), rng.normal(size=(9, 6))
    want = G + A.T @ B
    before = G.__array_interface__["data"][0]
    least_squares._add_gram(G, A, B)
    np.testing.assert_allclose(G, want)
    assert G.__array_interface__["data"][0] == before


def test_the_dual_least_norm_solution_without_penalty():
    T, Y, w = _problem(n=20, p=50)
    H, b = least_squares.solve_dual(lambda: iter([T]), Y, None, 0.0)
    # With more features than samples and no penalty: an exact fit, and of
    # all exact fits the one with the smallest heights (numpy's lstsq).
    Tc, Yc = T - T.mean(axis=0), Y - Y.mean(axis=0)
    np.testing.assert_allclose(H, np.linalg.lstsq(Tc, Yc, rcond=None)[0], atol=1e-6)
    np.testing.assert_allclose(T @ H + b, Y, atol=1e-6)


@pytest.mark.parametrize("weighted", [False, True])
def test_gcv_of_both_systems_is_the_textbook_gcv(weighted):
    """GCV from the p x p sums and from the n x n system: RSS / (1 - df / n)²."""
    T, Y, w = _problem(n=40, p=12, k=2, seed=3)
    w = w if weighted else None
    sums = least_squares.empty_sums(12, 2)
    least_squares.add_block(sums, T, Y, w)
    alphas = np.logspace(-6, 1, 8)
    primal = least_squares.gcv(least_squares.spectrum(sums), alphas)
    dual = least_squares.gcv(least_squares.dual_spectrum(lambda: iter([T]), Y, w), alphas)
    weights = np.ones(40) if w is None else w
    n = weights.sum() / weights.min()
    want = []
    for alpha in alphas:
        H, b = least_squares.solve(sums, alpha)
        A = np.c_[np.ones(40), T]
        lam = 0.5 * alpha * 2 * weights.sum()
        P = np.diag(np.r_[0.0, np.full(12, lam)])
        df = np.trace(A @ np.linalg.solve(A.T @ (weights[:, None] * A) + P, A.T * weights))
        mse = weights @ ((Y - T @ H - b) ** 2).sum(axis=1) / (2 * weights.sum())
        want.append(mse / (1 - df / n) ** 2)
    np.testing.assert_allclose(primal, want, rtol=1e-7)
    np.testing.assert_allclose(dual, want, rtol=1e-7)
