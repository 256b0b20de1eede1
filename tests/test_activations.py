"""The activation table: values and finite-difference derivatives."""

import numpy as np
import pytest
from scipy.special import expit

from sknn_intuition._activations import ACTIVATIONS, DERIVATIVES, HIDDEN_ACTIVATIONS


def test_tables_have_the_same_names():
    # Every activation with a derivative can sit in a hidden layer; the step
    # (slope zero), the softmax and exp (slopes absorbed by their losses) only
    # at the output.
    assert set(DERIVATIVES) == set(HIDDEN_ACTIVATIONS) <= set(ACTIVATIONS)
    assert set(ACTIVATIONS) - set(DERIVATIVES) == {"step", "softmax", "exp"}
    assert {"identity", "sigmoid", "tanh", "relu"} <= set(HIDDEN_ACTIVATIONS)


@pytest.mark.parametrize("name", sorted(DERIVATIVES))
def test_derivative_matches_finite_differences(name):
    rng = np.random.default_rng(0)
    Z = rng.normal(scale=3, size=(50, 4))
    # Keep away from the kinks of relu and step, where no derivative exists.
    Z[np.abs(Z) < 1e-3] = 0.5
    h = 1e-6
    numeric = (ACTIVATIONS[name](Z + h) - ACTIVATIONS[name](Z - h)) / (2 * h)
    A = ACTIVATIONS[name](Z)
    analytic = DERIVATIVES[name](A, np.ones_like(Z))
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_in_place_matches_out_of_place(name):
    Z = np.linspace(-5, 5, 41).reshape(-1, 1)
    expected = ACTIVATIONS[name](Z)
    out = Z.copy()
    ACTIVATIONS[name](out, out=out)
    np.testing.assert_array_equal(out, expected)
    assert ACTIVATIONS[name](Z.astype(np.float32)).dtype == np.float32


def test_values():
    z = np.array([-1000.0, -1.0, 0.0, 1.0, 1000.0])
    np.testing.assert_array_equal(ACTIVATIONS["step"](z), [0, 0, 0, 1, 1])
    np.testing.assert_allclose(ACTIVATIONS["sigmoid"](z[1:4]), 1 / (1 + np.exp(-z[1:4])))
    np.testing.assert_allclose(ACTIVATIONS["sigmoid"](z[[0, 4]]), [0, 1], atol=1e-300)
    np.testing.assert_array_equal(ACTIVATIONS["relu"](z), [0, 0, 0, 1, 1000])
    np.testing.assert_allclose(ACTIVATIONS["tanh"](z), np.tanh(z))
    # Stable for any input: no overflow warning (warnings are errors in tests).
    assert np.all(np.isfinite(ACTIVATIONS["sigmoid"](np.array([-1e308, 1e308]))))
    assert ACTIVATIONS["sigmoid"](np.array([0.0]))[0] == expit(0.0) == 0.5


def test_softmax_is_stable_and_normalised():
    softmax = ACTIVATIONS["softmax"]
    Z = np.array([[1000.0, 1000.0, -1000.0], [0.0, np.log(3.0), -np.inf]])
    np.testing.assert_allclose(softmax(Z), [[0.5, 0.5, 0.0], [0.25, 0.75, 0.0]])
    Z2 = np.random.RandomState(0).normal(size=(5, 4))
    out = Z2.copy()
    softmax(out, out=out)
    np.testing.assert_allclose(out, np.exp(Z2) / np.exp(Z2).sum(1, keepdims=True))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_and_its_log_keep_their_digits_everywhere(dtype):
    # scipy's expit and log_expit are the oracle; neither function may warn
    # of an overflow or return a NaN, however large |z| is.
    from scipy.special import expit, log_expit

    from sknn_intuition._activations import LOG_ACTIVATIONS

    z = np.concatenate([np.linspace(-800, 800, 20001), [-1e4, 1e4, 0.0]]).astype(dtype)
    with np.errstate(all="raise"):
        p = ACTIVATIONS["sigmoid"](z)
        log_p = LOG_ACTIVATIONS["sigmoid"](z)
    assert p.dtype == log_p.dtype == dtype
    eps = np.finfo(dtype).eps
    expected = expit(z.astype(np.float64))
    normal = expected > np.finfo(dtype).tiny / eps  # away from the subnormals
    np.testing.assert_allclose(p[normal], expected[normal], rtol=4 * eps)
    assert np.all(p[~normal] <= np.finfo(dtype).tiny / eps)
    tiny = np.finfo(dtype).tiny  # below it, subnormals: digits are lost anyway
    np.testing.assert_allclose(log_p, log_expit(z.astype(np.float64)), rtol=4 * eps, atol=tiny)
    assert p[-3] == 0 and p[-2] == 1 and log_p[-3] == -1e4 and log_p[-2] == 0


def test_probabilities_too_small_for_the_dtype_are_zero_without_an_error():
    # Under np.errstate(all="raise"), an underflow to 0 (the nearest number)
    # is not an error in the output activations or their logarithms.
    from sknn_intuition._activations import LOG_ACTIVATIONS

    Z = np.array([[-1e4, 0.0, 1e4], [3.0, -800.0, 2.0]])
    with np.errstate(all="raise"):
        for name in ("sigmoid", "softmax"):
            assert np.all(np.isfinite(ACTIVATIONS[name](Z)))
        for name, log_g in LOG_ACTIVATIONS.items():
            assert np.all(np.isfinite(log_g(Z))), name
        assert ACTIVATIONS["exp"](Z[:, :1])[0, 0] == 0
    assert ACTIVATIONS["softmax"](Z)[0, 0] == 0
