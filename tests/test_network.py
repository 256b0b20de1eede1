"""The stack of layers: forward against a textbook loop, backward against
finite differences for every activation and (loss, output) pair, frozen and
mixed layers, and the memory layouts training uses (workspaces, a flat
buffer, transposed weights) giving the same numbers as fresh arrays."""

import numpy as np
import pytest
from scipy import sparse

from sknn_intuition import _layout
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
    sp = _gradients(stack, sparse.csr_matrix(X), Y, sw,
                    workspace=_layout.Workspace([4, 5, 3], X.dtype))
    for a, b in zip([dense[0], *dense[1], *dense[2]], [sp[0], *sp[1], *sp[2]]):
        np.testing.assert_allclose(a, b, rtol=1e-12)


# ------------------------------------------------------------ memory layouts
def _tiled(stack):
    """The stack with its weights and biases laid out in one flat buffer."""
    params = _layout.tiled_copy([p for layer in zip(stack.coefs, stack.intercepts) for p in layer])
    return stack._replace(coefs=params[0::2], intercepts=params[1::2])


@pytest.mark.parametrize("hidden", HIDDEN + [[]], ids=lambda h: "-".join(h) or "none")
@pytest.mark.parametrize("loss_name, output, n_out", PAIRS, ids=str)
@pytest.mark.parametrize("weighted", [False, True])
def test_the_training_layout_gives_the_plain_numbers(hidden, loss_name, output, n_out, weighted):
    # Training's layout: parameters and gradients in one flat buffer, batch
    # arrays from a workspace (the output layer's in Fortran order), targets
    # in Fortran order. The same numbers as fresh arrays.
    stack, X, Y, sw = _stack(hidden, loss_name, output, n_out)
    sw = sw if weighted else None
    tiled = _tiled(stack)
    grads = _layout.empty_like([p for layer in zip(tiled.coefs, tiled.intercepts) for p in layer])
    ws = _layout.Workspace([X.shape[1], *(W.shape[1] for W in stack.coefs)], X.dtype)
    value, D = loss_and_gradients(
        tiled, X, np.asfortranarray(Y), sw, grads[0::2], grads[1::2], ws
    )
    want_value, want_W, want_b = _gradients(stack, X, Y, sw)
    assert value == pytest.approx(want_value, rel=1e-12)
    for got, want in zip(grads, [p for layer in zip(want_W, want_b) for p in layer]):
        np.testing.assert_allclose(got, want, rtol=1e-11, atol=1e-15)
    # Twice in a row, with the workspace reused: the same again.
    again, _ = loss_and_gradients(tiled, X, Y, sw, grads[0::2], grads[1::2], ws)
    assert again == pytest.approx(value, rel=1e-14)


@pytest.mark.parametrize("pair", sorted(p for p in LOSSES if p[1] != "exp"), ids=str)
@pytest.mark.parametrize("n_out", [1, 3])
@pytest.mark.parametrize("fit_intercept", [False, True])
def test_transposed_weights_give_the_plain_numbers(pair, n_out, fit_intercept):
    # As the linear models hold them: coef_ (n_outputs, n_features), the
    # stack's weights its transpose (a Fortran-ordered view), and so are the
    # gradients.
    if pair[1] == "softmax" and n_out == 1:
        pytest.skip("a softmax needs several outputs")
    stack, X, Y, sw = _stack([], *pair, n_out=n_out, n=40)
    coef = np.ascontiguousarray(stack.coefs[0].T)
    intercept = stack.intercepts[0] if fit_intercept else None
    stack = stack._replace(coefs=[coef.T], intercepts=[intercept])
    gcoef = np.empty_like(coef)
    gint = np.empty_like(stack.coefs[0][0]) if fit_intercept else None
    ws = _layout.Workspace([X.shape[1], n_out], X.dtype)
    value, D = loss_and_gradients(stack, X, Y, sw, [gcoef.T], [gint], ws)
    want_value, want_W, want_b = _gradients(stack, X, Y, sw)
    assert value == pytest.approx(want_value, rel=1e-12)
    np.testing.assert_allclose(gcoef.T, want_W[0], rtol=1e-11, atol=1e-15)
    if fit_intercept:
        np.testing.assert_allclose(gint, want_b[0], rtol=1e-11, atol=1e-15)


def test_frozen_layers_are_not_trained_and_may_be_sparse():
    # A built first layer (sparse weights, mixed neurons) under a trained one:
    # backward fills the trained layer's gradients only, and they are those of
    # the trained layer on the frozen layer's outputs.
    stack, X, Y, sw = _stack(["tanh"], "squared_error", "identity")
    W0 = stack.coefs[0].copy()
    W0[np.abs(W0) < 0.3] = 0
    mixed = (("sigmoid", 2), ("identity", 3))
    frozen = stack._replace(coefs=[sparse.csr_matrix(W0), stack.coefs[1]],
                            activations=[mixed], frozen=1)
    A1 = X @ W0 + stack.intercepts[0]
    A1[:, :2] = 1 / (1 + np.exp(-A1[:, :2]))
    np.testing.assert_allclose(forward(frozen, X)[0], A1, rtol=1e-12)
    top = Stack([stack.coefs[1]], [stack.intercepts[1]], [], "identity", "squared_error")
    gW, gb = [None, np.empty_like(stack.coefs[1])], [None, np.empty_like(stack.intercepts[1])]
    value, _ = loss_and_gradients(frozen, X, Y, sw, gW, gb)  # no gradient for layer 0
    want_value, want_W, want_b = _gradients(top, A1, Y, sw)
    assert value == pytest.approx(want_value, rel=1e-12)
    np.testing.assert_allclose(gW[1], want_W[0], rtol=1e-11)
    np.testing.assert_allclose(gb[1], want_b[0], rtol=1e-11)


@pytest.mark.parametrize("shape", [(6, 4, 3), (130, 90, 100), (300, 1, 200), (300, 200, 1)])
def test_product_writes_any_memory_order(shape):
    # Small, large (BLAS through matmul), outer and thin products.
    m, k, n = shape
    rng = np.random.RandomState(0)
    A, B = rng.normal(size=(m, k)), rng.normal(size=(k, n))
    B_t = np.asfortranarray(B)  # as a linear model's coef_.T
    for order in "CF":
        out = np.empty((m, n), order=order)
        assert _layout.product(A, B_t, out) is out
        np.testing.assert_allclose(out, A @ B, rtol=1e-12)
        out = np.empty((m, n), order=order)
        assert _layout.product(A, B, out) is out
        np.testing.assert_allclose(out, A @ B, rtol=1e-12)
    np.testing.assert_allclose(_layout.product(A, B), A @ B, rtol=1e-12)
    strided = np.empty((m, 2 * n))[:, ::2]
    np.testing.assert_allclose(_layout.product(A, B, strided), A @ B, rtol=1e-12)
    np.testing.assert_allclose(_layout.product(sparse.csr_matrix(A), B, np.empty((m, n))), A @ B)
    np.testing.assert_allclose(_layout.product(sparse.csr_matrix(A), B), A @ B)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(7, 3), (512, 64), (5000, 1)])
def test_column_sums(dtype, shape):
    D = np.random.RandomState(1).normal(size=shape).astype(dtype)
    out = np.empty(shape[1], dtype=dtype)
    assert _layout.column_sums(D, out) is out
    tol = dict(rtol=1e-5, atol=1e-4) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(out, D.astype(np.float64).sum(axis=0), **tol)
    np.testing.assert_allclose(_layout.column_sums(np.asfortranarray(D)), out, **tol)
    wider = np.empty(shape[1], dtype=np.float64)  # an output of another dtype
    np.testing.assert_allclose(_layout.column_sums(D, wider), out, **tol)


def _misaligned(A):
    # The same values at an address one byte past an aligned one.
    raw = np.empty(A.nbytes + 1, dtype=np.uint8)
    out = np.frombuffer(raw.data, dtype=A.dtype, count=A.size, offset=1).reshape(A.shape)
    out[...] = A
    return out


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gather_rows_of_misaligned_and_sparse_arrays(dtype):
    rng = np.random.RandomState(0)
    A = rng.normal(size=(50, 4)).astype(dtype)
    rows = rng.permutation(50)[:17]
    bad = _misaligned(A)
    assert not bad.flags.aligned
    for source in (A, bad, np.asfortranarray(A), sparse.csr_matrix(A)):
        got = _layout.gather_rows(source, rows)
        got = got.toarray() if sparse.issparse(got) else got
        np.testing.assert_array_equal(got, A[rows])
    np.testing.assert_array_equal(_layout.gather_rows(bad, slice(3, 9)), A[3:9])
    np.testing.assert_array_equal(_layout.gather_rows(_misaligned(A[:, 0]), rows), A[rows, 0])
    assert _layout.gather_rows(None, rows) is None


def test_tiled_buffers():
    arrays = [np.arange(6.0).reshape(2, 3), np.arange(2.0)]
    tiled = _layout.tiled_copy(arrays)
    flat = _layout.tiled_buffer(tiled)
    np.testing.assert_array_equal(flat, [0, 1, 2, 3, 4, 5, 0, 1])
    assert _layout.tiled_buffer(arrays) is None
    assert _layout.tiled_buffer(tiled[::-1]) is None
    assert _layout.tiled_buffer(tiled[:1]) is None  # does not cover the buffer
    assert _layout.tiled_buffer(_layout.empty_like(tiled)) is not None
    assert _layout.flat_views(tiled, tiled) == [[flat], [flat]]
    assert _layout.flat_views(arrays, tiled) == [arrays, tiled]


@pytest.mark.parametrize("init", ["glorot", "he"])
@pytest.mark.parametrize("act", ["relu", "tanh", "sigmoid", "identity"])
def test_init_scale_and_dtype(act, init):
    rng = np.random.RandomState(0)
    coefs, intercepts = init_parameters(
        [300, 200, 1], [act, "identity"], np.float32, rng, init
    )
    assert [W.dtype for W in coefs + intercepts] == [np.float32] * 4
    # Glorot: √(6 / (fan_in + fan_out)), √(2 / ...) in every layer of a
    # sigmoid network (as MLP); He, for relu layers: √(6 / fan_in).
    factor = 2 if act == "sigmoid" else 6
    bound = np.sqrt(6 / 300) if (init == "he" and act == "relu") else np.sqrt(factor / 500)
    out_bound = np.sqrt(factor / 201)
    assert np.abs(coefs[1]).max() <= out_bound  # the identity output: Glorot
    assert np.abs(intercepts[1]).max() <= out_bound
    W, b = coefs[0], intercepts[0]
    assert np.abs(W).max() <= bound and np.abs(b).max() <= bound
    # Uniform on [-r, r] has standard deviation r / √3.
    assert W.std() == pytest.approx(bound / np.sqrt(3), rel=0.02)
    assert b.std() == pytest.approx(bound / np.sqrt(3), rel=0.2)


def test_workspace_reuses_arrays_per_batch_size():
    ws = _layout.Workspace([4, 5, 3, 2], np.float32)
    outputs, slopes = ws.arrays(8)
    again = ws.arrays(8)
    assert all(a is b for a, b in zip(outputs + slopes, again[0] + again[1]))
    assert [a.shape for a in outputs] == [(8, 5), (8, 3), (8, 2)]
    assert [s.shape for s in slopes] == [(8, 5), (8, 3)]
    # One buffer holds the slopes of every layer, each in turn.
    assert np.shares_memory(slopes[0], slopes[1])
    assert all(s.flags.c_contiguous for s in slopes)
    assert outputs[-1].flags.f_contiguous and outputs[0].flags.c_contiguous
    assert outputs[0].dtype == np.float32
    assert ws.arrays(3)[0][0].shape == (3, 5)


def test_backward_writes_each_hidden_layers_error_over_its_activations():
    # Once a layer's slope is read off its activations, nothing needs them:
    # backward leaves there the layer's error ∂L/∂Z_l, the chain rule of a
    # textbook loop written here, and never touches the input or the output.
    stack, X, Y, sw = _stack(["tanh", "sigmoid"], "squared_error", "identity")
    outputs = forward(stack, X)
    A = [a.copy() for a in outputs[:-1]]
    D = np.ones_like(outputs[-1])
    D_out, X_in = D.copy(), X.copy()
    gW = [np.empty_like(W) for W in stack.coefs]
    gb = [np.empty_like(b) for b in stack.intercepts]
    backward(stack, X, outputs, D, gW, gb)
    D2 = (D_out @ stack.coefs[2].T) * (A[1] * (1 - A[1]))  # sigmoid'
    D1 = (D2 @ stack.coefs[1].T) * (1 - A[0] ** 2)  # tanh'
    np.testing.assert_allclose(outputs[1], D2, rtol=1e-12)
    np.testing.assert_allclose(outputs[0], D1, rtol=1e-12)
    np.testing.assert_allclose(gW[0], X.T @ D1, rtol=1e-12)
    np.testing.assert_array_equal(X, X_in)
    np.testing.assert_array_equal(D, D_out)
