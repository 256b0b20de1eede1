"""The loss table: definitions and finite-difference gradients."""

import numpy as np
import pytest
from scipy.special import softmax
from sklearn.metrics import log_loss as sk_log_loss
from sklearn.metrics import mean_squared_error

from sknn_intuition._losses import LOSS_FUNCTIONS, LOSS_GRADIENTS


def _inputs(name, rng, k=3, n=20):
    if name == "perceptron":
        Y = rng.choice([-1.0, 1.0], size=(n, k))
        P = rng.normal(size=(n, k))
        P[np.abs(P) < 1e-2] = 0.3  # away from the kink at z = 0
    elif name == "log_loss":
        Y = np.eye(k)[rng.integers(0, k, n)]
        P = softmax(rng.normal(size=(n, k)), axis=1)
    elif name == "binary_log_loss":
        Y = rng.integers(0, 2, size=(n, k)).astype(float)
        P = rng.uniform(0.05, 0.95, size=(n, k))
    else:
        Y = rng.normal(size=(n, k))
        P = rng.normal(size=(n, k))
    return Y, P


def test_tables_have_the_same_names():
    assert set(LOSS_FUNCTIONS) == set(LOSS_GRADIENTS)


@pytest.mark.parametrize("name", sorted(LOSS_FUNCTIONS))
def test_gradient_matches_finite_differences(name):
    rng = np.random.default_rng(1)
    Y, P = _inputs(name, rng)
    sw = rng.uniform(0.5, 2, size=Y.shape[0])
    n = Y.shape[0]
    # The table gives per-sample ∂l_i/∂P; the weighted mean's is s_i/N times it.
    analytic = LOSS_GRADIENTS[name](Y, P) * (sw / n)[:, None]
    numeric = np.zeros_like(P)
    h = 1e-6
    for idx in np.ndindex(P.shape):
        Pp, Pm = P.copy(), P.copy()
        Pp[idx] += h
        Pm[idx] -= h
        numeric[idx] = (
            LOSS_FUNCTIONS[name](Y, Pp, sw) - LOSS_FUNCTIONS[name](Y, Pm, sw)
        ) / (2 * h)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-9)


def test_squared_error_is_the_plain_mse_without_half():
    rng = np.random.default_rng(2)
    Y, P = _inputs("squared_error", rng, k=1)
    assert LOSS_FUNCTIONS["squared_error"](Y, P) == pytest.approx(
        mean_squared_error(Y, P)
    )


def test_log_loss_matches_sklearn():
    rng = np.random.default_rng(3)
    Y, P = _inputs("log_loss", rng)
    sw = rng.uniform(0.5, 2, size=Y.shape[0])
    # scikit-learn divides by the sum of weights; ours by N (weights of mean 1).
    ours = LOSS_FUNCTIONS["log_loss"](Y, P, sw) * Y.shape[0] / sw.sum()
    assert ours == pytest.approx(sk_log_loss(Y.argmax(1), P, sample_weight=sw))


def test_perceptron_criterion_counts_only_mistakes():
    Y = np.array([[1.0], [1.0], [-1.0], [-1.0]])
    Z = np.array([[2.0], [-0.5], [-3.0], [0.25]])
    # Mistakes: sample 1 (margin -0.5) and sample 3 (margin -0.25).
    assert LOSS_FUNCTIONS["perceptron"](Y, Z) == pytest.approx((0.5 + 0.25) / 4)
    np.testing.assert_array_equal(
        LOSS_GRADIENTS["perceptron"](Y, Z), [[0.0], [-1.0], [0.0], [1.0]]
    )
