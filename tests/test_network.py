"""The dense layer stack: forward against a textbook loop, backward against
finite differences, for every activation, every output/loss pair and mixed
per-layer activations."""

import numpy as np
import pytest
from scipy import sparse
from scipy.special import expit

from sknn_intuition._losses import LOSS_FUNCTIONS
from sknn_intuition._network import (
    HIDDEN_ACTIVATIONS,
    StackedWorkspace,
    Workspace,
    backward,
    backward_stacked,
    batch_loss_and_delta,
    forward,
    forward_stacked,
    init_parameters,
    layer_units,
    output_loss,
    output_loss_and_delta,
    softmax,
    stacked_layers,
)
from sknn_intuition._optimizers import tiled_copy

# (loss, output activation) pairs a network uses.
OUTPUTS = [
    ("squared_error", "identity"),
    ("squared_error", "sigmoid"),
    ("log_loss", "softmax"),
    ("log_loss", "sigmoid"),
]

TEXTBOOK_G = {
    "identity": lambda z: z,
    "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
    "tanh": np.tanh,
    "relu": lambda z: np.where(z > 0, z, 0.0),
}


def _network(hidden_acts, out_act, n_out=3, seed=0, n=7, d=4):
    rng = np.random.RandomState(seed)
    units = layer_units(d, [5] * len(hidden_acts), n_out)
    coefs, intercepts = init_parameters(
        units, [*hidden_acts, out_act], np.float64, rng
    )
    # Non-zero biases, so their gradients are tested away from zero too.
    for b in intercepts:
        b[...] = rng.normal(scale=0.3, size=b.shape)
    X = rng.normal(size=(n, d))
    if out_act == "softmax":
        Y = np.eye(n_out)[rng.randint(n_out, size=n)]
    elif out_act == "sigmoid":
        Y = rng.randint(2, size=(n, n_out)).astype(float)
    else:
        Y = rng.normal(size=(n, n_out))
    sw = rng.uniform(0.2, 2.0, size=n)
    return coefs, intercepts, X, Y, sw


def _objective(coefs, intercepts, acts, loss, X, Y, sw):
    P = forward(coefs, intercepts, acts, X)[-1]
    return float(np.dot(output_loss(loss, acts[-1], Y, P), sw)) / X.shape[0]


def _gradients(coefs, intercepts, acts, loss, X, Y, sw):
    A = forward(coefs, intercepts, acts, X)
    D = [np.empty_like(a) for a in A]
    output_loss_and_delta(loss, acts[-1], Y, A[-1], D[-1])
    D[-1] *= (sw / X.shape[0])[:, None]
    gW = [np.empty_like(W) for W in coefs]
    gb = [np.empty_like(b) for b in intercepts]
    backward(coefs, acts, X, A, D, gW, gb)
    return gW, gb


def _finite_differences(coefs, intercepts, acts, loss, X, Y, sw, h=1e-6):
    grads = []
    for p in [*coefs, *intercepts]:
        g = np.zeros_like(p)
        for idx in np.ndindex(p.shape):
            old = p[idx]
            p[idx] = old + h
            up = _objective(coefs, intercepts, acts, loss, X, Y, sw)
            p[idx] = old - h
            down = _objective(coefs, intercepts, acts, loss, X, Y, sw)
            p[idx] = old
            g[idx] = (up - down) / (2 * h)
        grads.append(g)
    return grads


@pytest.mark.parametrize("hidden", [[a, a] for a in HIDDEN_ACTIVATIONS]
                         + [["relu", "tanh", "sigmoid"], ["identity", "relu"]],
                         ids=lambda h: "-".join(h))
@pytest.mark.parametrize("loss, out_act", OUTPUTS, ids=lambda v: str(v))
def test_backward_matches_finite_differences(hidden, loss, out_act):
    n_out = 1 if (loss, out_act) == ("log_loss", "sigmoid") else 3
    coefs, intercepts, X, Y, sw = _network(hidden, out_act, n_out=n_out)
    acts = [*hidden, out_act]
    gW, gb = _gradients(coefs, intercepts, acts, loss, X, Y, sw)
    expected = _finite_differences(coefs, intercepts, acts, loss, X, Y, sw)
    for got, want in zip([*gW, *gb], expected):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-8)


def _stacked_gradients(coefs, intercepts, acts, loss, X, Y, sw, n_rows=None):
    # The same network with its weights and biases laid out as blocks
    # [W_l; b_l] of one buffer, run through the stacked forward and backward.
    params = tiled_copy([p for layer in zip(coefs, intercepts) for p in layer])
    grads = tiled_copy(params, fill=False)
    blocks, block_grads = stacked_layers(params), stacked_layers(grads)
    units = [coefs[0].shape[0], *(W.shape[1] for W in coefs)]
    ws = StackedWorkspace(units, X.dtype)
    X1, A, D, masks = ws.buffers(X.shape[0])
    X1[:, :-1] = X
    forward_stacked(blocks, acts, X1, A)
    outputs = [a.copy() for a in A]  # backward writes the errors over them
    output_loss_and_delta(loss, acts[-1], Y, A[-1], D)
    D *= (sw / X.shape[0])[:, None]
    backward_stacked(blocks, acts, X1, A, D, masks, block_grads)
    # The ones columns survive both passes.
    for ones in [X1, *A[:-1]]:
        assert (ones[:, -1] == 1).all()
    return outputs, grads[0::2], grads[1::2]


@pytest.mark.parametrize("hidden", [[a, a] for a in HIDDEN_ACTIVATIONS]
                         + [["relu", "tanh", "sigmoid"], ["identity", "relu"], []],
                         ids=lambda h: "-".join(h) or "none")
@pytest.mark.parametrize(
    "loss, out_act, n_out",
    # A softmax needs several outputs.
    [(*o, k) for o in OUTPUTS for k in (1, 3) if (o[1], k) != ("softmax", 1)],
    ids=lambda v: str(v),
)
def test_stacked_layers_give_the_same_forward_and_backward(hidden, loss, out_act, n_out):
    """Biases as the weights of a column of ones: the same numbers."""
    coefs, intercepts, X, Y, sw = _network(hidden, out_act, n_out=n_out)
    acts = [*hidden, out_act]
    A, gW, gb = _stacked_gradients(coefs, intercepts, acts, loss, X, Y, sw)
    for got, want in zip(A, forward(coefs, intercepts, acts, X)):
        assert got.shape[1] in (want.shape[1], want.shape[1] + 1)
        np.testing.assert_allclose(got[:, : want.shape[1]], want, rtol=1e-13)
    want_W, want_b = _gradients(coefs, intercepts, acts, loss, X, Y, sw)
    for got, want in zip([*gW, *gb], [*want_W, *want_b]):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)


def test_stacked_layers_are_views_of_the_weights_and_biases():
    coefs, intercepts, _, _, _ = _network(["relu"], "identity")
    params = tiled_copy([coefs[0], intercepts[0], coefs[1], intercepts[1]])
    blocks = stacked_layers(params)
    assert [b.shape for b in blocks] == [(5, 5), (6, 3)]
    np.testing.assert_array_equal(blocks[1][:-1], coefs[1])
    np.testing.assert_array_equal(blocks[1][-1], intercepts[1])
    blocks[0][-1, 2] = 7.0  # writing a block writes the bias
    assert params[1][2] == 7.0
    # Separate arrays, or a layout not alternating weights and biases: None.
    assert stacked_layers([coefs[0], intercepts[0]]) is None
    assert stacked_layers(tiled_copy([*coefs, *intercepts])) is None


def test_no_hidden_layer_is_a_linear_model():
    coefs, intercepts, X, Y, sw = _network([], "identity")
    acts = ["identity"]
    P = forward(coefs, intercepts, acts, X)[-1]
    np.testing.assert_allclose(P, X @ coefs[0] + intercepts[0])
    gW, gb = _gradients(coefs, intercepts, acts, "squared_error", X, Y, sw)
    # Textbook least squares gradient of (1/N) Σ s_i mean_k (p - y)².
    R = (P - Y) * (2 / Y.shape[1]) * (sw / X.shape[0])[:, None]
    np.testing.assert_allclose(gW[0], X.T @ R)
    np.testing.assert_allclose(gb[0], R.sum(axis=0))


@pytest.mark.parametrize("hidden", [["sigmoid"], ["tanh", "relu"], ["identity"]])
def test_forward_matches_textbook_loop(hidden):
    coefs, intercepts, X, _, _ = _network(hidden, "identity")
    P = forward(coefs, intercepts, [*hidden, "identity"], X)[-1]
    # One neuron at a time: g(b + w·input).
    expected = np.empty_like(P)
    for i, x in enumerate(X):
        a = x
        for layer, (W, b) in enumerate(zip(coefs, intercepts)):
            g = TEXTBOOK_G[hidden[layer]] if layer < len(hidden) else (lambda z: z)
            a = np.array([g(b[j] + np.dot(W[:, j], a)) for j in range(W.shape[1])])
        expected[i] = a
    np.testing.assert_allclose(P, expected, rtol=1e-12)


def test_output_losses_agree_with_the_loss_tables():
    rng = np.random.RandomState(0)
    Y = np.eye(3)[rng.randint(3, size=10)]
    P = softmax(rng.normal(size=(10, 3)))
    for loss, out_act, table in [
        ("squared_error", "identity", "squared_error"),
        ("log_loss", "softmax", "log_loss"),
        ("log_loss", "sigmoid", "binary_log_loss"),
    ]:
        mean = output_loss(loss, out_act, Y, P).mean()
        assert mean == pytest.approx(LOSS_FUNCTIONS[table](Y, P), rel=1e-12)


def test_softmax_is_stable_and_normalised():
    Z = np.array([[1000.0, 1000.0, -1000.0], [0.0, np.log(3.0), -np.inf]])
    P = softmax(Z)
    np.testing.assert_allclose(P, [[0.5, 0.5, 0.0], [0.25, 0.75, 0.0]])
    Z2 = np.random.RandomState(0).normal(size=(5, 4))
    out = Z2.copy()
    softmax(out, out=out)
    np.testing.assert_allclose(out, np.exp(Z2) / np.exp(Z2).sum(1, keepdims=True))


def test_sparse_input_gives_the_same_forward_and_backward():
    coefs, intercepts, X, Y, sw = _network(["relu"], "identity")
    X[X < 0.3] = 0
    acts = ["relu", "identity"]
    dense = _gradients(coefs, intercepts, acts, "squared_error", X, Y, sw)
    sp = _gradients(
        coefs, intercepts, acts, "squared_error", sparse.csr_matrix(X), Y, sw
    )
    for a, b in zip([*dense[0], *dense[1]], [*sp[0], *sp[1]]):
        np.testing.assert_allclose(a, b, rtol=1e-12)


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
    ws = Workspace([4, 5, 2], np.float32)
    a1, d1 = ws.buffers(8)
    a2, d2 = ws.buffers(8)
    assert all(x is y for x, y in zip(a1 + d1, a2 + d2))
    assert [a.shape for a in a1] == [(8, 5), (8, 2)]
    assert a1[0].dtype == np.float32
    a3, _ = ws.buffers(3)
    assert a3[0].shape == (3, 5) and a3[0] is not a1[0]


def test_fast_derivatives_match_the_activation_tables():
    from sknn_intuition._activations import DERIVATIVES
    from sknn_intuition._network import BACKWARD, FORWARD

    rng = np.random.RandomState(0)
    Z = rng.normal(size=(6, 5))
    for name in HIDDEN_ACTIVATIONS:
        A = FORWARD[name](Z.copy(), out=None) if name != "identity" else Z.copy()
        D = rng.normal(size=Z.shape)
        np.testing.assert_allclose(
            BACKWARD[name](A, D.copy()), DERIVATIVES[name](A, D.copy()), rtol=1e-14
        )
    np.testing.assert_allclose(FORWARD["sigmoid"](Z.copy(), out=None), expit(Z))


@pytest.mark.parametrize("shape", [(7,), (6, 5), (0, 4), (3000, 400)])
def test_relu_matches_the_activation_table(shape):
    # (3000, 400) is larger than the block of zeros relu compares against,
    # so it goes through in blocks of rows.
    from sknn_intuition._activations import ACTIVATIONS
    from sknn_intuition._network import FORWARD

    rng = np.random.RandomState(0)
    for dtype in (np.float32, np.float64):
        Z = rng.normal(size=shape).astype(dtype)
        Z.flat[::7] = 0.0
        expected = ACTIVATIONS["relu"](Z)
        got = FORWARD["relu"](Z)
        assert got.dtype == dtype
        np.testing.assert_array_equal(got, expected)
        inplace = Z.copy()
        assert FORWARD["relu"](inplace, out=inplace) is inplace
        np.testing.assert_array_equal(inplace, expected)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize(
    "loss, out_act, n_out",
    # A softmax needs several outputs.
    [(*o, k) for o in OUTPUTS for k in (1, 3) if (o[1], k) != ("softmax", 1)],
    ids=lambda v: str(v),
)
def test_batch_loss_and_delta_is_the_scaled_weighted_sum(loss, out_act, n_out, weighted):
    """The batch form equals the per-sample losses and errors, weighted and scaled."""
    coefs, intercepts, X, Y, sw = _network(["tanh"], out_act, n_out)
    P = forward(coefs, intercepts, ["tanh", out_act], X)[-1]
    sw = sw if weighted else None
    want_delta = np.empty_like(P)
    per_sample = output_loss_and_delta(loss, out_act, Y, P, want_delta)
    weights = np.ones(len(X)) if sw is None else sw
    want_delta *= 0.25 * weights[:, None]
    delta = np.empty_like(P)
    total = batch_loss_and_delta(loss, out_act, Y, P, delta, sw, 0.25)
    assert total == pytest.approx(0.25 * float(per_sample @ weights), rel=1e-12)
    np.testing.assert_allclose(delta, want_delta, rtol=1e-12, atol=1e-15)
