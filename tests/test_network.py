"""The stack of layers: forward against a textbook loop, backward against
finite differences for every activation and (loss, output) pair, and every
faster form of _fast against the plain path."""

import numpy as np
import pytest
from scipy import sparse

from sknn_intuition import _fast
from sknn_intuition._activations import HIDDEN_ACTIVATIONS
from sknn_intuition._losses import LOSSES
from sknn_intuition._network import (
    Stack,
    backward,
    forward,
    init_parameters,
    layer_units,
    loss,
    loss_and_gradients,
    predict,
)

TEXTBOOK_G = {
    "identity": lambda z: z,
    "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
    "tanh": np.tanh,
    "relu": lambda z: np.where(z > 0, z, 0.0),
}

HIDDEN = [[a, a] for a in HIDDEN_ACTIVATIONS] + [["relu", "tanh", "sigmoid"], ["identity", "relu"]]
# Every (loss, output) pair, with one and with three outputs (a softmax needs
# several).
PAIRS = [(*pair, k) for pair in sorted(LOSSES) for k in (1, 3) if pair[1] != "softmax" or k > 1]


def _stack(hidden, loss_name, output, n_out=3, seed=0, n=7, d=4):
    rng = np.random.RandomState(seed)
    units = layer_units(d, [5] * len(hidden), n_out)
    coefs, intercepts = init_parameters(units, [*hidden, output], np.float64, rng)
    # Non-zero biases, so their gradients are tested away from zero too.
    for b in intercepts:
        b[...] = rng.normal(scale=0.3, size=b.shape)
    X = rng.normal(size=(n, d))
    if output == "softmax":
        Y = np.eye(n_out)[rng.randint(n_out, size=n)]
    elif output == "sigmoid":
        Y = rng.randint(2, size=(n, n_out)).astype(float)
    elif output == "step":
        Y = rng.choice([-1.0, 1.0], size=(n, n_out))
    elif output == "exp":
        Y = rng.poisson(1.5, size=(n, n_out)).astype(float)
    else:
        Y = rng.normal(size=(n, n_out))
    sw = rng.uniform(0.2, 2.0, size=n)
    return Stack(coefs, intercepts, list(hidden), output, loss_name), X, Y, sw


def _gradients(stack, X, Y, sw, how=loss_and_gradients, **kw):
    gW = [np.empty_like(W) for W in stack.coefs]
    gb = [None if b is None else np.empty_like(b) for b in stack.intercepts]
    value, _ = how(stack, X, Y, sw, gW, gb, **kw)
    return value, gW, gb


def _finite_differences(stack, X, Y, sw, h=1e-6):
    grads = []
    for p in [*stack.coefs, *(b for b in stack.intercepts if b is not None)]:
        g = np.zeros_like(p)
        for idx in np.ndindex(p.shape):
            old = p[idx]
            p[idx] = old + h
            up = loss(stack, X, Y, sw)
            p[idx] = old - h
            down = loss(stack, X, Y, sw)
            p[idx] = old
            g[idx] = (up - down) / (2 * h)
        grads.append(g)
    return grads


@pytest.mark.parametrize("hidden", HIDDEN, ids=lambda h: "-".join(h))
@pytest.mark.parametrize("loss_name, output, n_out", PAIRS, ids=str)
def test_backward_matches_finite_differences(hidden, loss_name, output, n_out):
    if output == "step":
        hidden = []  # the perceptron: no hidden layer to backpropagate into
    stack, X, Y, sw = _stack(hidden, loss_name, output, n_out)
    value, gW, gb = _gradients(stack, X, Y, sw)
    assert value == pytest.approx(loss(stack, X, Y, sw), rel=1e-12)
    expected = _finite_differences(stack, X, Y, sw)
    for got, want in zip([*gW, *gb], expected):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("hidden", [["sigmoid"], ["tanh", "relu"], ["identity"], []])
def test_forward_matches_textbook_loop(hidden):
    stack, X, _, _ = _stack(hidden, "squared_error", "sigmoid")
    P = predict(stack, X)
    # One neuron at a time: g(b + w·input).
    expected = np.empty_like(P)
    for i, x in enumerate(X):
        a = x
        for layer, (W, b) in enumerate(zip(stack.coefs, stack.intercepts)):
            g = TEXTBOOK_G[hidden[layer] if layer < len(hidden) else "sigmoid"]
            a = np.array([g(b[j] + np.dot(W[:, j], a)) for j in range(W.shape[1])])
        expected[i] = a
    np.testing.assert_allclose(P, expected, rtol=1e-12)


def test_no_hidden_layer_is_a_linear_model():
    stack, X, Y, sw = _stack([], "squared_error", "identity")
    P = predict(stack, X)
    np.testing.assert_allclose(P, X @ stack.coefs[0] + stack.intercepts[0])
    _, gW, gb = _gradients(stack, X, Y, sw)
    # Textbook least squares gradient of (1/N) Σ s_i mean_k (p - y)².
    R = (P - Y) * (2 / Y.shape[1]) * (sw / X.shape[0])[:, None]
    np.testing.assert_allclose(gW[0], X.T @ R)
    np.testing.assert_allclose(gb[0], R.sum(axis=0))


def test_a_layer_without_biases():
    stack, X, Y, sw = _stack([], "squared_error", "identity")
    stack = stack._replace(intercepts=[None])
    np.testing.assert_allclose(predict(stack, X), X @ stack.coefs[0])
    gW = [np.empty_like(stack.coefs[0])]
    loss_and_gradients(stack, X, Y, sw, gW, [None])
    np.testing.assert_allclose(gW[0], _finite_differences(stack, X, Y, sw)[0], rtol=1e-5)


def test_sparse_input_gives_the_same_forward_and_backward():
    stack, X, Y, sw = _stack(["relu"], "squared_error", "identity")
    X[X < 0.3] = 0
    dense = _gradients(stack, X, Y, sw)
    sp = _gradients(stack, sparse.csr_matrix(X), Y, sw, how=_fast.loss_and_gradients,
                    scratch={})
    for a, b in zip([dense[0], *dense[1], *dense[2]], [sp[0], *sp[1], *sp[2]]):
        np.testing.assert_allclose(a, b, rtol=1e-12)


# --------------------------------------------------------------- fast forms
def _tiled(stack):
    """The stack with its weights and biases laid out as blocks of one buffer."""
    params = _fast.tiled_copy([p for layer in zip(stack.coefs, stack.intercepts) for p in layer])
    return stack._replace(coefs=params[0::2], intercepts=params[1::2])


@pytest.mark.parametrize("hidden", HIDDEN + [[]], ids=lambda h: "-".join(h) or "none")
@pytest.mark.parametrize("loss_name, output, n_out", PAIRS, ids=str)
@pytest.mark.parametrize("weighted", [False, True])
def test_biases_in_blocks_give_the_plain_numbers(hidden, loss_name, output, n_out, weighted):
    stack, X, Y, sw = _stack(hidden, loss_name, output, n_out)
    sw = sw if weighted else None
    fast = _tiled(stack)
    grads = _fast.empty_like([p for layer in zip(fast.coefs, fast.intercepts) for p in layer])
    scratch = {}
    value, _ = _fast.loss_and_gradients(fast, X, Y, sw, grads[0::2], grads[1::2], scratch)
    if hidden or (loss_name, output) not in _fast._FUSED_LAYER:
        assert scratch["blocks"] is not None  # the stacked form ran
    want_value, want_W, want_b = _gradients(stack, X, Y, sw)
    assert value == pytest.approx(want_value, rel=1e-12)
    for got, want in zip(grads, [p for layer in zip(want_W, want_b) for p in layer]):
        np.testing.assert_allclose(got, want, rtol=1e-11, atol=1e-15)
    # Twice in a row, with the workspace reused: the same again.
    again, _ = _fast.loss_and_gradients(fast, X, Y, sw, grads[0::2], grads[1::2], scratch)
    assert again == pytest.approx(value, rel=1e-14)


@pytest.mark.parametrize("pair", sorted(_fast._FUSED_LAYER), ids=str)
@pytest.mark.parametrize("n_out", [1, 3])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("fit_intercept", [False, True])
def test_the_fused_layer_gives_the_plain_numbers(pair, n_out, weighted, fit_intercept):
    if pair[1] == "softmax" and n_out == 1:
        pytest.skip("a softmax needs several outputs")
    stack, X, Y, sw = _stack([], *pair, n_out=n_out, n=40)
    sw = sw if weighted else None
    # As the linear models hold it: coef_ (n_outputs, n_features), W its view.
    coef = np.ascontiguousarray(stack.coefs[0].T)
    intercept = stack.intercepts[0] if fit_intercept else None
    stack = stack._replace(coefs=[coef.T], intercepts=[intercept])
    gcoef = np.empty_like(coef)
    gint = np.empty_like(stack.coefs[0][0]) if fit_intercept else None
    value, D = _fast.loss_and_gradients(stack, X, Y, sw, [gcoef.T], [gint], scratch={})
    want_value, want_W, want_b = _gradients(stack, X, Y, sw)
    assert value == pytest.approx(want_value, rel=1e-12)
    np.testing.assert_allclose(gcoef.T, want_W[0], rtol=1e-11, atol=1e-15)
    if fit_intercept:
        np.testing.assert_allclose(gint, want_b[0], rtol=1e-11, atol=1e-15)
    assert D.size == Y.size


def test_stacked_layers_are_views_of_the_weights_and_biases():
    stack, _, _, _ = _stack(["relu"], "squared_error", "identity")
    params = _fast.tiled_copy(
        [stack.coefs[0], stack.intercepts[0], stack.coefs[1], stack.intercepts[1]]
    )
    blocks = _fast.stacked_layers(params)
    assert [b.shape for b in blocks] == [(5, 5), (6, 3)]
    np.testing.assert_array_equal(blocks[1][:-1], stack.coefs[1])
    np.testing.assert_array_equal(blocks[1][-1], stack.intercepts[1])
    blocks[0][-1, 2] = 7.0  # writing a block writes the bias
    assert params[1][2] == 7.0
    # Separate arrays, or a layout not alternating weights and biases: None.
    assert _fast.stacked_layers([stack.coefs[0], stack.intercepts[0]]) is None
    assert _fast.stacked_layers(_fast.tiled_copy([*stack.coefs, *stack.intercepts])) is None


def test_tiled_buffers():
    arrays = [np.arange(6.0).reshape(2, 3), np.arange(2.0)]
    tiled = _fast.tiled_copy(arrays)
    flat = _fast.tiled_buffer(tiled)
    np.testing.assert_array_equal(flat, [0, 1, 2, 3, 4, 5, 0, 1])
    assert _fast.tiled_buffer(arrays) is None
    assert _fast.tiled_buffer(tiled[::-1]) is None
    assert _fast.tiled_buffer(tiled[:1]) is None  # does not cover the buffer
    assert _fast.tiled_buffer(_fast.empty_like(tiled)) is not None
    assert _fast.flat_views(tiled, tiled) == [[flat], [flat]]
    assert _fast.flat_views(arrays, tiled) == [arrays, tiled]


@pytest.mark.parametrize("init", ["glorot", "he"])
@pytest.mark.parametrize("act", ["relu", "tanh", "sigmoid", "identity"])
def test_init_scale_and_dtype(act, init):
    rng = np.random.RandomState(0)
    coefs, intercepts = init_parameters(
        [300, 200, 1], [act, "identity"], np.float32, rng, init
    )
    assert [W.dtype for W in coefs + intercepts] == [np.float32] * 4
    # Glorot: √(6 / (fan_in + fan_out)); He, for relu layers: √(6 / fan_in).
    bound = np.sqrt(6 / 300) if (init == "he" and act == "relu") else np.sqrt(6 / 500)
    out_bound = np.sqrt(6 / 201)
    assert np.abs(coefs[1]).max() <= out_bound  # the identity output: Glorot
    W = coefs[0]
    assert np.abs(W).max() <= bound
    # Uniform on [-r, r] has standard deviation r / √3.
    assert W.std() == pytest.approx(bound / np.sqrt(3), rel=0.02)
    assert not intercepts[0].any()


def test_workspace_reuses_arrays_per_batch_size():
    ws = _fast.StackedWorkspace([4, 5, 2], np.float32)
    X1, outputs, masks, zeros = ws.buffers(8)
    again = ws.buffers(8)
    assert again[0] is X1 and all(a is b for a, b in zip(outputs, again[1]))
    assert X1.shape == (8, 5) and [a.shape for a in outputs] == [(8, 6), (8, 2)]
    assert (X1[:, -1] == 1).all() and (outputs[0][:, -1] == 1).all()
    assert outputs[0].dtype == np.float32 and masks[0].dtype == bool
    assert not zeros[0].any() and not zeros[0].flags.writeable
    assert ws.buffers(3)[0].shape == (3, 5)


def test_backward_keeps_the_forward_outputs_it_needs():
    # The plain backward reads the activations, never writes them.
    stack, X, Y, sw = _stack(["tanh", "sigmoid"], "squared_error", "identity")
    outputs = forward(stack, X)
    kept = [a.copy() for a in outputs[:-1]]
    D = np.ones_like(outputs[-1])
    gW = [np.empty_like(W) for W in stack.coefs]
    gb = [np.empty_like(b) for b in stack.intercepts]
    backward(stack, X, outputs, D, gW, gb)
    for a, b in zip(outputs, kept):
        np.testing.assert_array_equal(a, b)
