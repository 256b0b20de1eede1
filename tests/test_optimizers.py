"""Update rules, checked against textbook formulas written here."""

import numpy as np
import pytest

from sknn_intuition._optimizers import OPTIMIZERS, AdamOptimizer, SGDOptimizer


def _quadratic_grads(p):
    # Gradient of ½‖p - 3‖².
    return [q - 3.0 for q in p]


def test_plain_sgd_step():
    p = [np.array([1.0, 2.0])]
    opt = SGDOptimizer(p, learning_rate_init=0.1)
    opt.update_params(p, [np.array([0.5, -1.0])])
    np.testing.assert_allclose(p[0], [1.0 - 0.05, 2.0 + 0.1])


@pytest.mark.parametrize("nesterov", [False, True])
def test_momentum_matches_textbook(nesterov):
    lr, mu = 0.1, 0.9
    p = [np.array([0.0, 10.0])]
    opt = SGDOptimizer(p, learning_rate_init=lr, momentum=mu, nesterov=nesterov)
    q, v = p[0].copy(), np.zeros(2)
    for _ in range(5):
        g = q - 3.0
        v = mu * v - lr * g
        q = q + (mu * v - lr * g if nesterov else v)
        opt.update_params(p, _quadratic_grads(p))
        np.testing.assert_allclose(p[0], q)


def test_adam_matches_textbook():
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-8
    p = [np.array([0.0, 10.0])]
    opt = AdamOptimizer(p, learning_rate_init=lr)
    q, m, v = p[0].copy(), np.zeros(2), np.zeros(2)
    for t in range(1, 6):
        g = q - 3.0
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        # The paper's efficient form (Kingma & Ba, end of section 2).
        q = q - lr * np.sqrt(1 - b2**t) / (1 - b1**t) * m / (np.sqrt(v) + eps)
        opt.update_params(p, _quadratic_grads(p))
        np.testing.assert_allclose(p[0], q, rtol=1e-10)


def test_schedules():
    p = [np.zeros(1)]
    inv = SGDOptimizer(p, learning_rate_init=1.0, learning_rate="invscaling", power_t=0.5)
    inv.iteration_ends(99)
    assert inv.learning_rate == pytest.approx(0.1)
    ada = SGDOptimizer(p, learning_rate_init=1e-5, learning_rate="adaptive")
    assert ada.trigger_stopping() is False
    assert ada.learning_rate == pytest.approx(2e-6)
    assert ada.trigger_stopping() is False  # 4e-7 next
    assert ada.trigger_stopping() is True
    assert SGDOptimizer(p, learning_rate="constant").trigger_stopping() is True


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_state_is_plain_and_resumable(name):
    """Two runs of 3+3 steps, the second rebuilt from a saved state, equal 6 steps."""
    p1 = [np.array([0.0, 10.0])]
    opt = OPTIMIZERS[name](p1, learning_rate_init=0.05, momentum=0.5)
    for _ in range(6):
        opt.update_params(p1, _quadratic_grads(p1))
    p2 = [np.array([0.0, 10.0])]
    opt = OPTIMIZERS[name](p2, learning_rate_init=0.05, momentum=0.5)
    for _ in range(3):
        opt.update_params(p2, _quadratic_grads(p2))
    state = opt.state
    assert all(isinstance(v, (int, float, list)) for v in state.values())
    opt = OPTIMIZERS[name](p2, learning_rate_init=0.05, momentum=0.5, state=state)
    for _ in range(3):
        opt.update_params(p2, _quadratic_grads(p2))
    np.testing.assert_allclose(p1[0], p2[0])
