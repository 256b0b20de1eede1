"""The training kernel (sknn_intuition.kernel): sums that add up over blocks.

Oracles: the estimator's own batch hook (its mean loss and gradient) times the
number of rows, finite differences of the loss, and the estimator's own
``solver='lbfgs'`` fit, which L-BFGS on the kernel's sums must reproduce.
"""

import pickle

import numpy as np
import pytest
import scipy.optimize
from sklearn.base import clone

from sknn_intuition import (
    FeedForwardClassifier,
    FeedForwardRegressor,
    PerceptronClassifier,
    SigmoidNeuronClassifier,
    kernel,
)


def data(kind, n=240, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 4))
    signal = X[:, 0] - 0.5 * X[:, 1] + 0.3 * X[:, 2] ** 2
    if kind == "regression":
        return X, signal + 0.1 * rng.standard_normal(n)
    return X, np.digitize(signal, [-0.5, 0.5])  # 3 classes


CASES = [
    ("regression", FeedForwardRegressor((5,), activation="tanh", alpha=1e-3, random_state=0)),
    ("classes", FeedForwardClassifier((5, 3), alpha=1e-3, random_state=0)),
    ("classes", FeedForwardClassifier((4,), loss="squared_error", random_state=1)),
    ("classes", SigmoidNeuronClassifier(loss="log_loss")),
    ("classes", SigmoidNeuronClassifier(loss="squared_error", output="sigmoid")),
]
ids = [f"{type(e).__name__}-{getattr(e, 'loss', '')}" for _, e in CASES]


@pytest.mark.parametrize("n", [240, 2 * kernel._CHUNK_ROWS + 123], ids=["one-chunk", "chunks"])
@pytest.mark.parametrize("kind, est", CASES, ids=ids)
def test_sums_are_the_batch_hook_times_n_and_add_over_blocks(kind, est, n):
    # A block longer than a chunk is summed a chunk of rows at a time.
    X, y = data(kind, n=n)
    sw = np.random.default_rng(1).uniform(0.2, 3.0, len(y))
    net = kernel.initialize(clone(est), X, y, sw)
    x = kernel.get_flat(net) + 0.1 * np.random.default_rng(2).standard_normal(
        kernel.get_flat(net).size
    )
    kernel.set_flat(net, x)
    Xe, Y, swe = kernel.encode(net, X, y, sw)

    # Oracle: the estimator's own hook gives the mean (1/N) Σ s_i l_i and its gradient.
    params = net._sgd_parameters()
    grads = [np.empty_like(p) for p in params]
    mean, _ = net._sgd_loss_and_gradients(
        params, Xe, np.asfortranarray(Y), swe, grads, net._sgd_workspace(Xe, Y)
    )
    loss, grad, weight = kernel.loss_gradient_sums(net, Xe, Y, swe)
    tol = 1e-12 if n <= kernel._CHUNK_ROWS else 1e-9  # sums in another order
    assert loss == pytest.approx(mean * n, rel=tol)
    np.testing.assert_allclose(
        grad, np.concatenate([g.ravel() for g in grads]) * n, rtol=tol, atol=tol
    )
    assert weight == pytest.approx(sw.sum())

    # Three blocks add up to the whole.
    cuts = [slice(0, 50), slice(50, 170), slice(170, n)]
    parts = [kernel.loss_gradient_sums(net, Xe[c], Y[c], swe[c]) for c in cuts]
    assert sum(p[0] for p in parts) == pytest.approx(loss, rel=1e-10)
    np.testing.assert_allclose(sum(p[1] for p in parts), grad, rtol=1e-9, atol=1e-12)
    assert sum(p[2] for p in parts) == pytest.approx(weight)

    # Evaluating at x given explicitly is the same and leaves the model alone.
    before = kernel.get_flat(net)
    other = before * 0.5
    at_other = kernel.loss_gradient_sums(net, Xe, Y, swe, x=other)
    np.testing.assert_array_equal(kernel.get_flat(net), before)
    kernel.set_flat(net, other)
    assert kernel.loss_gradient_sums(net, Xe, Y, swe)[0] == pytest.approx(at_other[0])


@pytest.mark.parametrize("kind, est", CASES, ids=ids)
def test_gradient_sum_matches_finite_differences(kind, est):
    X, y = data(kind, n=60)
    net = kernel.initialize(clone(est), X, y)
    Xe, Y, sw = kernel.encode(net, X, y)
    x = kernel.get_flat(net) + 0.2 * np.random.default_rng(3).standard_normal(
        kernel.get_flat(net).size
    )
    _, grad, _ = kernel.loss_gradient_sums(net, Xe, Y, sw, x=x)
    rng = np.random.default_rng(4)
    for i in rng.choice(x.size, size=min(8, x.size), replace=False):
        h = 1e-6
        up, down = x.copy(), x.copy()
        up[i] += h
        down[i] -= h
        fd = (
            kernel.loss_gradient_sums(net, Xe, Y, sw, x=up)[0]
            - kernel.loss_gradient_sums(net, Xe, Y, sw, x=down)[0]
        ) / (2 * h)
        assert grad[i] == pytest.approx(fd, rel=1e-4, abs=1e-6)


def _lbfgs(est):
    return clone(est).set_params(solver="lbfgs", max_iter=40, tol=0.0)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("kind, est", CASES, ids=ids)
def test_lbfgs_on_the_sums_is_the_estimators_own_lbfgs(kind, est):
    """The kernel's start and objective are the estimator's: same iterates, same model."""
    X, y = data(kind)
    sw = np.random.default_rng(5).uniform(0.5, 2.0, len(y))
    own = _lbfgs(est).fit(X, y, sample_weight=sw)

    net = kernel.initialize(_lbfgs(est), X, y, sw)
    blocks = [kernel.encode(net, X[c], y[c], sw[c]) for c in (slice(0, 100), slice(100, None))]

    def objective(x):
        sums = [kernel.loss_gradient_sums(net, *b, x=x) for b in blocks]
        weight = sum(s[2] for s in sums)
        value, pgrad = kernel.penalty(net, x)
        return (
            sum(s[0] for s in sums) / weight + value,
            sum(s[1] for s in sums) / weight + pgrad,
        )

    s = net._sgd_settings()
    result = scipy.optimize.minimize(
        objective, kernel.get_flat(net), method="L-BFGS-B", jac=True,
        options={"maxiter": s.max_iter, "maxfun": net.max_fun, "gtol": s.tol},
    )
    assert result.fun == pytest.approx(own.loss_, rel=1e-6)
    kernel.set_flat(net, result.x)
    np.testing.assert_allclose(kernel.get_flat(net), kernel.get_flat(own), atol=1e-5)


def test_initialize_starts_as_fit_does_and_does_not_train():
    X, y = data("classes")
    net = kernel.initialize(FeedForwardClassifier((6,), random_state=3), X, y)
    assert not hasattr(net, "n_iter_")
    twin = kernel.initialize(FeedForwardClassifier((6,), random_state=3), X[:9], [0, 1, 2] * 3)
    np.testing.assert_array_equal(kernel.get_flat(net), kernel.get_flat(twin))
    # The sigmoid neuron's biases start at the log-odds of the weighted frequencies.
    neuron = kernel.initialize(SigmoidNeuronClassifier(), np.zeros((2, 1)), [0, 1], [1.0, 3.0])
    assert neuron.intercept_[0] == pytest.approx(np.log(3.0))
    # A fitted estimator starts afresh, even with warm_start=True.
    fitted = FeedForwardClassifier((6,), random_state=3, warm_start=True, max_iter=3).fit(X, y)
    kernel.initialize(fitted, X, y)
    assert not hasattr(fitted, "n_iter_")
    np.testing.assert_array_equal(kernel.get_flat(fitted), kernel.get_flat(net))
    # float32 data give float32 parameters.
    net32 = kernel.initialize(FeedForwardRegressor((3,)), X.astype(np.float32), y)
    assert net32.coefs_[0].dtype == np.float32
    assert kernel.get_flat(net32).dtype == np.float64


def test_flat_vector_round_trip_and_errors():
    X, y = data("regression")
    net = kernel.initialize(FeedForwardRegressor((3,), random_state=0), X, y)
    x = np.arange(kernel.get_flat(net).size, dtype=float)
    kernel.set_flat(net, x)
    np.testing.assert_array_equal(kernel.get_flat(net), x)
    assert net.coefs_[0][0, 1] == 1.0 and net.intercepts_[0][0] == 12.0
    with pytest.raises(ValueError, match="finite parameters"):
        kernel.set_flat(net, x[:-1])
    with pytest.raises(ValueError, match="finite parameters"):
        kernel.set_flat(net, np.full(x.size, np.nan))
    with pytest.raises(TypeError, match="FeedForwardRegressor"):
        kernel.initialize(PerceptronClassifier(), X, y > 0)
    # The model stays a plain estimator: it pickles.
    assert pickle.loads(pickle.dumps(net)).coefs_[0][0, 1] == 1.0


def test_encode_checks_the_block():
    X, y = data("classes")
    clf = kernel.initialize(FeedForwardClassifier((3,), class_weight={0: 2.0}), X, y)
    Xe, Y, sw = kernel.encode(clf, X[:4], y[:4])
    assert Y.shape == (4, 3) and np.array_equal(Y.argmax(axis=1), y[:4])
    np.testing.assert_array_equal(sw, np.where(y[:4] == 0, 2.0, 1.0))
    with pytest.raises(ValueError, match="not in classes"):
        kernel.encode(clf, X[:2], [0, 7])
    with pytest.raises(ValueError, match="features"):
        kernel.encode(clf, X[:2, :3], y[:2])
    balanced = kernel.initialize(FeedForwardClassifier((3,), class_weight="balanced"), X, y)
    with pytest.raises(ValueError, match="balanced"):
        kernel.encode(balanced, X[:2], y[:2])
    neuron = kernel.initialize(SigmoidNeuronClassifier(penalty="l1", alpha=0.1), X, y)
    with pytest.raises(ValueError, match="L2"):
        kernel.penalty(neuron)


KERNEL_API = [f"sknn_intuition.kernel.{name}" for name in kernel.__all__]


@pytest.mark.parametrize("import_path", KERNEL_API)
def test_kernel_docstrings_are_valid_numpydoc(import_path):
    pytest.importorskip("numpydoc.validate")
    from test_docstrings import checked_errors

    errors = checked_errors(import_path)
    assert not errors, f"{import_path}:\n" + "\n".join(errors)
