"""Update rules, checked against textbook formulas written here."""

import copy

import numpy as np
import pytest

from sknn_intuition._layout import flat_views, tiled_buffer, tiled_copy
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


@pytest.mark.parametrize("nesterov", [False, True])
def test_momentum_changed_between_calls_keeps_the_velocity(nesterov):
    """partial_fit with a new momentum: the velocity so far carries over."""
    lr = 0.1
    p = [np.array([0.0, 10.0])]
    q, v = p[0].copy(), np.zeros(2)
    state = None
    for mu in [0.5, 0.5, 0.9, 0.9, 0.2]:
        opt = SGDOptimizer(p, learning_rate_init=lr, momentum=mu, nesterov=nesterov,
                           state=state)
        g = q - 3.0
        v = mu * v - lr * g
        q = q + (mu * v - lr * g if nesterov else v)
        opt.update_params(p, _quadratic_grads(p))
        np.testing.assert_allclose(p[0], q)
        state = opt.state


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


def _network_like(rng):
    # Weights and biases of a small network, as separate arrays.
    return [rng.standard_normal(s) for s in [(4, 3), (3, 2), (3,), (2,)]]


@pytest.mark.parametrize(
    "name, kwargs",
    [
        ("sgd", {}),
        ("sgd", {"momentum": 0.9}),
        ("sgd", {"momentum": 0.9, "nesterov": True}),
        ("adam", {}),
    ],
)
def test_steps_on_one_flat_buffer_equal_steps_layer_by_layer(name, kwargs):
    """The trainer hands a network laid out in one buffer over as one array:
    the same steps; and a state saved one way resumes the other way."""
    rng = np.random.default_rng(0)
    separate = _network_like(rng)
    tiled = tiled_copy(separate)
    grads_t = tiled_copy(tiled, fill=False)
    (flat,), (flat_g,) = flat_views(tiled, grads_t)
    assert flat is tiled_buffer(tiled)
    opt_s = OPTIMIZERS[name](separate, learning_rate_init=0.1, **kwargs)
    opt_t = OPTIMIZERS[name]([flat], learning_rate_init=0.1, **kwargs)
    for step in range(6):
        if step == 3:  # save, copy and resume each state in the other layout
            state_s, state_t = copy.deepcopy(opt_s.state), copy.deepcopy(opt_t.state)
            opt_s = OPTIMIZERS[name](separate, learning_rate_init=0.1, state=state_t, **kwargs)
            opt_t = OPTIMIZERS[name]([flat], learning_rate_init=0.1, state=state_s, **kwargs)
        g = [rng.standard_normal(p.shape) for p in separate]
        for dst, src in zip(grads_t, g):
            dst[...] = src
        opt_s.update_params(separate, g)
        opt_t.update_params([flat], [flat_g])
        for a, b in zip(separate, tiled):
            np.testing.assert_allclose(a, b, rtol=1e-13)
