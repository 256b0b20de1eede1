"""The loss table: definitions against textbook formulas, finite-difference
errors at the output, and the weighted batch mean."""

import numpy as np
import pytest
from scipy.special import expit, softmax, xlogy
from sklearn.metrics import log_loss as sk_log_loss
from sklearn.metrics import mean_squared_error

from sknn_intuition._losses import LOSSES, loss_and_error, mean_loss


def _targets(loss, output, rng, k=3, n=20):
    if output == "exp":
        return rng.poisson(2.0, size=(n, k)).astype(float)
    if output == "step":
        return rng.choice([-1.0, 1.0], size=(n, k))
    if output == "softmax":
        return np.eye(k)[rng.integers(0, k, n)]
    if output == "sigmoid":
        return rng.integers(0, 2, size=(n, k)).astype(float)
    return rng.normal(size=(n, k))


# The definitions, written from the outputs p = g(z) as a textbook would.
def _textbook(loss, output, Z, Y):
    if output == "step":
        return np.maximum(-Y * Z, 0).sum(axis=1)
    if output == "exp":
        mu = np.exp(Z)
        return (xlogy(Y, Y / mu) - Y + mu).sum(axis=1)
    P = {"identity": Z, "sigmoid": expit(Z), "softmax": softmax(Z, axis=1)}[output]
    if loss == "squared_error":
        return ((P - Y) ** 2).mean(axis=1)
    if output == "softmax":
        return -(Y * np.log(P)).sum(axis=1)
    return -(Y * np.log(P) + (1 - Y) * np.log(1 - P)).sum(axis=1)


@pytest.mark.parametrize("pair", sorted(LOSSES), ids=str)
def test_per_sample_loss_is_the_textbook_one(pair):
    rng = np.random.default_rng(0)
    Y = _targets(*pair, rng)
    Z = rng.normal(size=Y.shape)
    per_sample, _ = LOSSES[pair](Z.copy(), Y)
    np.testing.assert_allclose(per_sample, _textbook(*pair, Z, Y), rtol=1e-12)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("pair", sorted(LOSSES), ids=str)
def test_error_at_the_output_matches_finite_differences(pair, weighted):
    rng = np.random.default_rng(1)
    Y = _targets(*pair, rng)
    Z = rng.normal(size=Y.shape)
    Z[np.abs(Z) < 1e-2] = 0.3  # away from the perceptron criterion's kink
    sw = rng.uniform(0.5, 2, size=Y.shape[0]) if weighted else None
    loss, D = loss_and_error(*pair, Z.copy(), Y, sw)
    numeric = np.zeros_like(Z)
    h = 1e-6
    for idx in np.ndindex(Z.shape):
        Zp, Zm = Z.copy(), Z.copy()
        Zp[idx] += h
        Zm[idx] -= h
        numeric[idx] = (mean_loss(*pair, Zp, Y, sw) - mean_loss(*pair, Zm, Y, sw)) / (2 * h)
    np.testing.assert_allclose(D, numeric, rtol=1e-5, atol=1e-9)
    weights = np.ones(len(Z)) if sw is None else sw
    assert loss == pytest.approx(_textbook(*pair, Z, Y) @ weights / len(Z), rel=1e-12)


def test_squared_error_is_the_plain_mse_without_half():
    rng = np.random.default_rng(2)
    Y, Z = rng.normal(size=(30, 1)), rng.normal(size=(30, 1))
    assert mean_loss("squared_error", "identity", Z.copy(), Y) == pytest.approx(
        mean_squared_error(Y, Z)
    )


def test_log_loss_matches_sklearn():
    rng = np.random.default_rng(3)
    Y = _targets("log_loss", "softmax", rng)
    Z = rng.normal(size=Y.shape)
    sw = rng.uniform(0.5, 2, size=Y.shape[0])
    # scikit-learn divides by the sum of weights; ours by N (weights of mean 1).
    ours = mean_loss("log_loss", "softmax", Z.copy(), Y, sw) * Y.shape[0] / sw.sum()
    want = sk_log_loss(Y.argmax(1), softmax(Z, axis=1), sample_weight=sw)
    assert ours == pytest.approx(want)


def test_losses_are_exact_where_the_output_saturates():
    # From z, not from a rounded σ(z): no clipping at 1e-15.
    Z = np.array([[-800.0], [800.0]])
    Y = np.array([[1.0], [0.0]])
    loss, D = loss_and_error("log_loss", "sigmoid", Z.copy(), Y)
    assert loss == pytest.approx(800.0)
    np.testing.assert_allclose(D, [[-0.5], [0.5]])


def test_perceptron_criterion_counts_only_mistakes():
    Y = np.array([[1.0], [1.0], [-1.0], [-1.0]])
    Z = np.array([[2.0], [-0.5], [-3.0], [0.25]])
    # Mistakes: sample 1 (margin -0.5) and sample 3 (margin -0.25).
    loss, D = loss_and_error("perceptron", "step", Z.copy(), Y)
    assert loss == pytest.approx((0.5 + 0.25) / 4)
    np.testing.assert_array_equal(D * 4, [[0.0], [-1.0], [0.0], [1.0]])


def test_an_unknown_pair_is_a_clear_error():
    with pytest.raises(ValueError, match="not defined on a 'identity' output"):
        loss_and_error("log_loss", "identity", np.zeros((2, 1)), np.zeros((2, 1)))


def test_poisson_loss_is_scikit_learns():
    from sklearn.neural_network._base import poisson_loss

    rng = np.random.default_rng(4)
    Y = rng.poisson(3.0, size=(40, 1)).astype(float)
    Z = rng.normal(size=(40, 1))
    ours = mean_loss("poisson", "exp", Z.copy(), Y)
    assert ours == pytest.approx(poisson_loss(Y, np.exp(Z)))
