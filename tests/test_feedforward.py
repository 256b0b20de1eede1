"""FeedForwardRegressor and FeedForwardClassifier: agreement with scikit-learn's
MLP step by step, the gradients of the estimator's objective, learning
non-linear functions, partial_fit, weights, sparse input, float32, inspection."""

import pickle
import warnings

import numpy as np
import pytest
from scipy import sparse
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.utils.class_weight import compute_class_weight

from sknn_intuition import FeedForwardClassifier, FeedForwardRegressor
from sknn_intuition._layout import Workspace, empty_like, tiled_buffer

SK_ACTIVATION = {"relu": "relu", "tanh": "tanh", "sigmoid": "logistic", "identity": "identity"}


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def _regression(n=40, d=3, n_targets=1, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, d))
    Y = np.column_stack([np.sin(X[:, 0] + k) + 0.3 * X[:, 1] for k in range(n_targets)])
    return X, (Y[:, 0] if n_targets == 1 else Y)


def _classification(n=60, n_classes=3, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, 3))
    y = np.digitize(X[:, 0] + 0.5 * X[:, 1] ** 2, [-0.3, 0.8][: n_classes - 1])
    return X, y


def _one_step(ours, theirs, X, y, init_seed=1, **fit_kw):
    """One full-batch step of both from the same weights; return both weights."""
    ours.partial_fit(X, y, **fit_kw)
    theirs.partial_fit(X, y, **fit_kw)
    rng = np.random.RandomState(init_seed)
    for a, b in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_):
        assert a.shape == b.shape
        start = rng.uniform(-0.5, 0.5, size=a.shape)
        a[...] = start
        b[...] = start  # in place: scikit-learn's optimizer holds these arrays
    ours.partial_fit(X, y)
    theirs.partial_fit(X, y)
    return ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "identity"])
@pytest.mark.parametrize("n_targets", [1, 2])
@pytest.mark.parametrize("alpha_sk", [0.0, 0.3])
def test_one_sgd_step_agrees_with_mlp_regressor(activation, n_targets, alpha_sk):
    X, y = _regression(n_targets=n_targets)
    n, lr = X.shape[0], 0.05
    common = dict(hidden_layer_sizes=(6, 4), solver="sgd", momentum=0.0,
                  shuffle=False, batch_size=n, random_state=0)
    # We minimise mean_i mean_k (p - y)² + alpha/2 ‖W‖². scikit-learn's step
    # follows the gradient of ½ Σ_k mean_i (p - y)² + alpha_sk/(2n) ‖W‖² (it
    # reports the mean over targets but differentiates their sum): ours is
    # 2/K times its objective when alpha = 2 alpha_sk / (K n), so its step
    # with 2 lr / K is ours with lr.
    K = n_targets
    ours = FeedForwardRegressor(
        activation=activation, learning_rate_init=lr, alpha=2 * alpha_sk / (K * n),
        **common,
    )
    theirs = MLPRegressor(
        activation=SK_ACTIVATION[activation], learning_rate_init=2 * lr / K,
        alpha=alpha_sk, **common
    )
    got, want = _one_step(ours, theirs, X, y)
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid"])
@pytest.mark.parametrize("hidden", [(6, 4), ()])
def test_same_random_state_starts_from_mlps_parameters(activation, hidden):
    # Weights and biases drawn by MLP's rule in MLP's order (its factor 2
    # for logistic networks included): one full-batch step from each one's
    # own starting point lands on the same parameters.
    X, y = _regression(n_targets=1)
    common = dict(hidden_layer_sizes=hidden, solver="sgd", momentum=0.0,
                  shuffle=False, batch_size=X.shape[0], random_state=7, alpha=0.0)
    ours = FeedForwardRegressor(activation=activation, learning_rate_init=0.05, **common)
    theirs = MLPRegressor(activation=SK_ACTIVATION[activation], learning_rate_init=0.1,
                          **common)
    ours.partial_fit(X, y)
    theirs.partial_fit(X, y)
    for a, b in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    assert np.all(ours.intercepts_[-1] != 0)  # the biases do not start at zero


@pytest.mark.parametrize("n_classes", [2, 3])
def test_one_sgd_step_agrees_with_mlp_classifier(n_classes):
    X, y = _classification(n_classes=n_classes)
    n, lr, alpha_sk = X.shape[0], 0.1, 0.2
    common = dict(hidden_layer_sizes=(5,), activation="tanh", solver="sgd",
                  momentum=0.0, shuffle=False, batch_size=n, random_state=0)
    # Log-loss has no ½ in either: same lr; penalty alpha_sk/(2n) ‖W‖².
    ours = FeedForwardClassifier(learning_rate_init=lr, alpha=alpha_sk / n, **common)
    theirs = MLPClassifier(learning_rate_init=lr, alpha=alpha_sk, **common)
    got, want = _one_step(ours, theirs, X, y, classes=np.unique(y))
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    assert ours.out_activation_ == theirs.out_activation_.replace("logistic", "sigmoid")


def _fd_check(est, X, Y, sw, h=1e-6):
    """The estimator's own hook against finite differences of its objective."""
    params = est._sgd_parameters()
    assert tiled_buffer(params) is not None  # as training leaves them
    # Gradients in one buffer like the parameters, batch arrays from a
    # workspace (the layout training uses), and separate arrays with none:
    # the same numbers.
    grads = empty_like(params)
    separate = [np.empty_like(p) for p in params]
    workspace = Workspace(est._sgd_units(X.shape[1], Y.shape[1]), X.dtype)
    loss, _ = est._sgd_loss_and_gradients(params, X, np.asfortranarray(Y), sw, grads, workspace)
    assert loss == pytest.approx(est._sgd_loss(params, X, Y, sw), rel=1e-12)
    loss_sep, _ = est._sgd_loss_and_gradients(params, X, Y, sw, separate, None)
    assert loss_sep == pytest.approx(loss)
    for g, g_sep in zip(grads, separate):
        np.testing.assert_allclose(g, g_sep, rtol=1e-12, atol=1e-15)
    for p, g in zip(params, grads):
        for idx in list(np.ndindex(p.shape))[:12]:
            old = p[idx]
            p[idx] = old + h
            up = est._sgd_loss(params, X, Y, sw)
            p[idx] = old - h
            down = est._sgd_loss(params, X, Y, sw)
            p[idx] = old
            assert g[idx] == pytest.approx((up - down) / (2 * h), rel=1e-5, abs=1e-8)


@pytest.mark.parametrize("loss", ["log_loss", "squared_error"])
@pytest.mark.parametrize("n_classes", [2, 4])
def test_classifier_hook_gradients_match_finite_differences(loss, n_classes):
    X, y = _classification(n=30, n_classes=min(n_classes, 3))
    if n_classes == 4:
        y = np.arange(30) % 4
    clf = FeedForwardClassifier(
        hidden_layer_sizes=(4, 3), activation=["tanh", "sigmoid"], loss=loss,
        max_iter=2, random_state=0,
    ).fit(X, y)
    K = len(clf.classes_)
    Y = np.eye(K)[np.searchsorted(clf.classes_, y)]
    Y = Y[:, 1:] if K == 2 else Y
    sw = np.random.RandomState(1).uniform(0.5, 1.5, size=len(y))
    _fd_check(clf, X, Y, sw)


def test_regressor_hook_gradients_match_finite_differences():
    X, Y = _regression(n_targets=2)
    reg = FeedForwardRegressor(hidden_layer_sizes=(5,), activation="sigmoid",
                               max_iter=2, random_state=0).fit(X, Y)
    _fd_check(reg, X, Y, None)
    _fd_check(reg, X, Y, np.linspace(0.1, 2, X.shape[0]))


def test_learns_xor_with_the_explanations_network():
    # Sigmoid neurons everywhere, mean squared error: the seed's network.
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]] * 10, dtype=float)
    y = np.logical_xor(X[:, 0], X[:, 1]).astype(int)
    clf = FeedForwardClassifier(
        hidden_layer_sizes=(4,), activation="sigmoid", loss="squared_error",
        solver="sgd", learning_rate_init=2.0, momentum=0.9, batch_size=4,
        max_iter=500, tol=None, random_state=0,
    ).fit(X, y)
    assert clf.out_activation_ == "sigmoid"
    np.testing.assert_array_equal(clf.predict(X[:4]), [0, 1, 1, 0])
    assert clf.loss_curve_[-1] < 0.05 < clf.loss_curve_[0]
    # No linear model can: a network without a hidden layer stays at chance.
    linear = FeedForwardClassifier(hidden_layer_sizes=(), learning_rate_init=0.05,
                                   random_state=0).fit(X, y)
    assert linear.score(X, y) <= 0.75


def test_learns_a_one_dimensional_curve():
    X = np.linspace(-3, 3, 300).reshape(-1, 1)
    y = np.sin(1.5 * X[:, 0]) + 0.3 * X[:, 0] ** 2
    reg = FeedForwardRegressor(hidden_layer_sizes=(30,), activation="sigmoid",
                               learning_rate_init=0.01, batch_size=20,
                               max_iter=300, random_state=0).fit(X, y)
    residual = y - reg.predict(X)
    assert np.mean(residual**2) < 0.01 * np.var(y)
    # The best straight line leaves most of the sine unexplained.
    line = np.polyval(np.polyfit(X[:, 0], y, 1), X[:, 0])
    assert np.mean((y - line) ** 2) > 0.3


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_partial_fit_epochs_equal_fit(solver):
    X, y = _regression(n=50)
    params = dict(hidden_layer_sizes=(8,), solver=solver, batch_size=16,
                  learning_rate_init=0.01, random_state=3)
    full = FeedForwardRegressor(max_iter=4, tol=None, **params).fit(X, y)
    inc = FeedForwardRegressor(**params)
    for _ in range(4):
        inc.partial_fit(X, y)
    assert inc.n_iter_ == 4 and inc.t_ == 4 * len(y)
    for a, b in zip(full.coefs_ + full.intercepts_, inc.coefs_ + inc.intercepts_):
        np.testing.assert_allclose(a, b, rtol=1e-12)
    np.testing.assert_allclose(full.loss_curve_, inc.loss_curve_, rtol=1e-12)


def test_classifier_partial_fit_needs_classes_and_keeps_them():
    X, y = _classification()
    clf = FeedForwardClassifier(hidden_layer_sizes=(5,), random_state=0)
    with pytest.raises(ValueError, match="classes must be passed"):
        clf.partial_fit(X, y)
    clf.partial_fit(X[:20], y[:20], classes=[0, 1, 2])
    clf.partial_fit(X[20:], y[20:])
    assert list(clf.classes_) == [0, 1, 2] and clf.n_iter_ == 2
    with pytest.raises(ValueError, match="not in classes"):
        clf.partial_fit(X[:5], np.full(5, 7))
    with pytest.raises(ValueError, match="balanced"):
        FeedForwardClassifier(class_weight="balanced").partial_fit(X, y, classes=[0, 1, 2])


@pytest.mark.parametrize("class_weight", [{0: 3.0, 2: 0.5}, "balanced"])
def test_class_weight_is_sample_weight_per_class(class_weight):
    X, y = _classification()
    params = dict(hidden_layer_sizes=(6,), max_iter=20, random_state=0)
    a = FeedForwardClassifier(class_weight=class_weight, **params).fit(X, y)
    w = compute_class_weight(class_weight, classes=np.unique(y), y=y)[y]
    b = FeedForwardClassifier(**params).fit(X, y, sample_weight=w)
    for p, q in zip(a.coefs_, b.coefs_):
        np.testing.assert_allclose(p, q, rtol=1e-10)


def test_integer_sample_weight_equals_repetition():
    X, y = _regression(n=30)
    w = np.arange(30) % 3
    # 'auto' batches hold all the samples of both fits (fewer than 200).
    params = dict(hidden_layer_sizes=(5,), max_iter=30, tol=None, random_state=0)
    a = FeedForwardRegressor(**params).fit(X, y, sample_weight=w)
    b = FeedForwardRegressor(**params).fit(np.repeat(X, w, 0), np.repeat(y, w))
    np.testing.assert_allclose(a.predict(X), b.predict(X), rtol=1e-9)


@pytest.mark.parametrize("Est", [FeedForwardRegressor, FeedForwardClassifier])
def test_sparse_equals_dense(Est):
    X, y = (_regression if Est is FeedForwardRegressor else _classification)(n=60)
    X[np.abs(X) < 0.5] = 0
    params = dict(hidden_layer_sizes=(7,), max_iter=15, random_state=0)
    dense = Est(**params).fit(X, y)
    sp = Est(**params).fit(sparse.csr_matrix(X), y)
    for a, b in zip(dense.coefs_, sp.coefs_):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(
        dense.predict(X) if Est is FeedForwardRegressor else dense.predict_proba(X),
        sp.predict(sparse.csr_matrix(X)) if Est is FeedForwardRegressor
        else sp.predict_proba(sparse.csr_matrix(X)),
        rtol=1e-9,
    )


def test_float32_end_to_end():
    X, y = _classification(n=80)
    X32 = X.astype(np.float32)
    clf = FeedForwardClassifier(hidden_layer_sizes=(8, 4), random_state=0,
                                max_iter=30).fit(X32, y)
    assert {W.dtype for W in clf.coefs_ + clf.intercepts_} == {np.dtype(np.float32)}
    assert clf.predict_proba(X32).dtype == np.float32
    assert clf.hidden_activations(X32, layer=0).dtype == np.float32
    clf64 = FeedForwardClassifier(hidden_layer_sizes=(8, 4), random_state=0,
                                  max_iter=30).fit(X, y)
    np.testing.assert_allclose(clf.predict_proba(X32), clf64.predict_proba(X), atol=1e-3)
    reg = FeedForwardRegressor(hidden_layer_sizes=(5,), max_iter=5, random_state=0)
    reg.fit(X32, X[:, 0].astype(np.float32))
    assert reg.predict(X32).dtype == np.float32
    reg.partial_fit(X, X[:, 0])  # float64 later: the parameters stay float32
    assert reg.coefs_[0].dtype == np.float32


def test_hidden_activations_are_the_hidden_neurons():
    X, y = _regression()
    reg = FeedForwardRegressor(hidden_layer_sizes=(4, 3), activation=["tanh", "relu"],
                               max_iter=5, random_state=0).fit(X, y)
    assert reg.activations_ == ["tanh", "relu"]
    W, b = reg.coefs_, reg.intercepts_
    h1 = np.tanh(X @ W[0] + b[0])
    h2 = np.maximum(h1 @ W[1] + b[1], 0)
    layers = reg.hidden_activations(X)
    np.testing.assert_allclose(layers[0], h1, rtol=1e-12)
    np.testing.assert_allclose(reg.hidden_activations(X, layer=-1), h2, rtol=1e-12)
    np.testing.assert_allclose(reg.predict(X), h2 @ W[2][:, 0] + b[2][0], rtol=1e-12)
    with pytest.raises(ValueError, match="out of range"):
        reg.hidden_activations(X, layer=2)


def test_activation_list_must_match_layers():
    X, y = _regression()
    with pytest.raises(ValueError, match="2 hidden layers"):
        FeedForwardRegressor(hidden_layer_sizes=(3, 3), activation=["tanh"]).fit(X, y)
    with pytest.raises(ValueError, match="'softplus' is not one of"):
        FeedForwardRegressor(hidden_layer_sizes=(3,), activation=["softplus"]).fit(X, y)


def test_logistic_is_the_sigmoid():
    """scikit-learn's name for the sigmoid is accepted, so its grids work."""
    X, y = _regression()
    kw = dict(hidden_layer_sizes=(4,), max_iter=5, random_state=0)
    a = FeedForwardRegressor(activation="logistic", **kw).fit(X, y)
    b = FeedForwardRegressor(activation="sigmoid", **kw).fit(X, y)
    assert a.activations_ == ["sigmoid"]
    np.testing.assert_array_equal(a.predict(X), b.predict(X))
    c = FeedForwardRegressor(activation=["logistic"], **kw).fit(X, y)
    np.testing.assert_array_equal(c.predict(X), b.predict(X))


def test_validation_attributes_are_none_without_early_stopping():
    X, y = _regression()
    reg = FeedForwardRegressor(hidden_layer_sizes=(4,), max_iter=5, random_state=0,
                               n_iter_no_change=np.inf).fit(X, y)
    assert reg.validation_scores_ is None and reg.best_validation_score_ is None
    assert reg.n_iter_ == 5


def test_early_stopping_watches_the_validation_loss():
    X, y = _regression(n=300)
    y = y + np.random.RandomState(0).normal(scale=0.5, size=y.shape)
    reg = FeedForwardRegressor(hidden_layer_sizes=(64,), early_stopping=True,
                               n_iter_no_change=5, learning_rate_init=0.02,
                               max_iter=300, random_state=0).fit(X, y)
    val = np.array(reg.validation_loss_curve_)
    assert len(val) == len(reg.validation_scores_) == reg.n_iter_ < 300
    best = int(np.argmin(val))
    # Stopped n_iter_no_change epochs after the best validation loss ...
    assert reg.n_iter_ - 1 - best == 5
    assert reg.best_loss_ == pytest.approx(val[best])
    # ... and kept the weights of that epoch: the R² on the validation split
    # is that of the best epoch.
    assert max(reg.validation_scores_) >= reg.validation_scores_[-1]


def test_warm_start_continues_and_checks_shapes():
    X, y = _regression()
    reg = FeedForwardRegressor(hidden_layer_sizes=(5,), max_iter=3, tol=None,
                               warm_start=True, random_state=0).fit(X, y)
    first = reg.loss_curve_[-1]
    reg.fit(X, y)
    assert reg.n_iter_ == 6 and reg.loss_curve_[-1] < first
    reg.set_params(hidden_layer_sizes=(6,))
    with pytest.raises(ValueError, match="hidden_layer_sizes"):
        reg.fit(X, y)


def test_squared_error_classifier_probabilities():
    X, y = _classification()
    clf = FeedForwardClassifier(loss="squared_error", hidden_layer_sizes=(10,),
                                max_iter=50, random_state=0).fit(X, y)
    P = clf.predict_proba(X)
    np.testing.assert_allclose(P.sum(axis=1), 1)
    # Proportional to the sigmoid outputs of the last layer.
    out = 1 / (1 + np.exp(-(clf.hidden_activations(X, -1) @ clf.coefs_[-1]
                            + clf.intercepts_[-1])))
    np.testing.assert_allclose(P, out / out.sum(1, keepdims=True), rtol=1e-10)
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[np.argmax(out, 1)])
    np.testing.assert_allclose(clf.predict_log_proba(X), np.log(P))


def test_fitted_state_is_plain_and_pickles():
    X, y = _classification()
    clf = FeedForwardClassifier(hidden_layer_sizes=(5,), max_iter=5, random_state=0)
    clf.fit(X, y)
    assert "_workspace" not in vars(clf)
    clone = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(clone.predict_proba(X), clf.predict_proba(X))


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_init_he_scales_only_relu_layers(activation):
    """init='he' starts relu layers with variance 2/fan_in, i.e. (fan_in +
    fan_out)/fan_in times Glorot's; other layers are left at Glorot's."""
    X, y = _regression(n=50, d=40)
    kw = dict(hidden_layer_sizes=(60,), activation=activation, solver="sgd",
              learning_rate_init=1e-12, max_iter=1, tol=None, random_state=0)
    glorot = FeedForwardRegressor(**kw).fit(X, y)
    he = FeedForwardRegressor(init="he", **kw).fit(X, y)
    ratio = he.coefs_[0].std() / glorot.coefs_[0].std()
    expected = np.sqrt((40 + 60) / 40) if activation == "relu" else 1.0
    assert ratio == pytest.approx(expected, rel=1e-6)
    np.testing.assert_allclose(he.coefs_[1], glorot.coefs_[1])  # identity output


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_training_continues_the_same_after_pickling(solver):
    """A pickled network holds separate arrays; partial_fit lays them out in
    one buffer again and takes the same steps as the network never pickled."""
    X, y = _regression(n=60)
    net = FeedForwardRegressor(hidden_layer_sizes=(6, 4), solver=solver,
                               learning_rate_init=0.01, random_state=0)
    net.partial_fit(X, y)
    again = pickle.loads(pickle.dumps(net))
    net.partial_fit(X, y)
    again.partial_fit(X, y)
    for a, b in zip(net.coefs_ + net.intercepts_, again.coefs_ + again.intercepts_):
        np.testing.assert_array_equal(a, b)
    assert tiled_buffer(again._sgd_parameters()) is not None


# --------------------------------------------------------------------- lbfgs
def test_lbfgs_minimises_the_same_objective_as_scipy_on_the_hook():
    """L-BFGS runs on the batch hook over all the data: at its end the
    gradient of the objective (loss + L2 penalty) is about zero."""
    X, y = _regression(n=80)
    reg = FeedForwardRegressor(hidden_layer_sizes=(5,), solver="lbfgs", alpha=1e-3,
                               max_iter=2000, tol=1e-10, random_state=0).fit(X, y)
    params = reg._sgd_parameters()
    grads = [np.empty_like(p) for p in params]
    loss, _ = reg._sgd_loss_and_gradients(params, X, y[:, None], None, grads, None)
    for g, p, pen in zip(grads, params, reg._sgd_penalized()):
        g += reg.alpha * p * pen
        assert np.abs(g).max() < 1e-2  # L-BFGS-B also stops on a tiny relative decrease
    assert reg.loss_ == pytest.approx(
        loss + 0.5 * reg.alpha * sum(float((W**2).sum()) for W in reg.coefs_), rel=1e-8
    )
    assert len(reg.loss_curve_) == reg.n_iter_
    assert np.all(np.diff(reg.loss_curve_) <= 1e-12)  # L-BFGS never goes uphill


def test_lbfgs_agrees_with_mlp_on_the_same_objective():
    X, y = _classification(n=120)
    n = X.shape[0]
    kw = dict(hidden_layer_sizes=(6,), activation="tanh", solver="lbfgs", random_state=0)
    # Our alpha is per sample (scikit-learn's is divided by n): the same
    # objective. Both start from the same weights, then run 40 iterations.
    ours = FeedForwardClassifier(alpha=1.0 / n, max_iter=1, **kw).fit(X, y)
    theirs = MLPClassifier(alpha=1.0, max_iter=1, **kw).fit(X, y)
    rng = np.random.RandomState(1)
    for a, b in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_):
        a[...] = b[...] = rng.uniform(-0.5, 0.5, size=a.shape)
    ours.set_params(warm_start=True, max_iter=40).fit(X, y)
    theirs.set_params(warm_start=True, max_iter=40).fit(X, y)
    np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), atol=1e-5)
    assert ours.loss_ == pytest.approx(theirs.loss_, rel=1e-6)


def test_lbfgs_has_no_partial_fit_and_warns_at_max_iter():
    X, y = _regression()
    reg = FeedForwardRegressor(hidden_layer_sizes=(5,), solver="lbfgs", max_iter=3)
    assert not hasattr(reg, "partial_fit")
    assert hasattr(reg.set_params(solver="sgd"), "partial_fit")
    with pytest.warns(ConvergenceWarning, match="lbfgs failed to converge"):
        warnings.simplefilter("default", ConvergenceWarning)
        reg.set_params(solver="lbfgs").fit(X, y)
    assert reg.n_iter_ == 3


# ---------------------------------------------------------------- multilabel
def test_multilabel_targets_train_one_sigmoid_per_label():
    from sklearn.datasets import make_multilabel_classification

    X, Y = make_multilabel_classification(300, n_features=8, n_classes=4, random_state=0)
    clf = FeedForwardClassifier(hidden_layer_sizes=(16,), max_iter=200, random_state=0)
    clf.fit(X, Y)
    assert clf.out_activation_ == "sigmoid" and clf.n_outputs_ == 4
    np.testing.assert_array_equal(clf.classes_, np.arange(4))
    P = clf.predict_proba(X)
    assert P.shape == (300, 4)
    np.testing.assert_array_equal(clf.predict(X), (P > 0.5).astype(int))
    from sklearn.metrics import f1_score

    mlp = MLPClassifier(hidden_layer_sizes=(16,), max_iter=200, random_state=0).fit(X, Y)
    ours, theirs = (f1_score(Y, m.predict(X), average="micro") for m in (clf, mlp))
    assert ours > theirs - 0.03
    assert clf.score(X, Y) == np.mean(np.all(clf.predict(X) == Y, axis=1))  # subset accuracy
    # The loss is the binary log-loss of each label, summed.
    per_sample = -(Y * np.log(P) + (1 - Y) * np.log(1 - P)).sum(axis=1)
    params = clf._sgd_parameters()
    loss, _ = clf._sgd_loss_and_gradients(
        params, X, Y.astype(float), None, [np.empty_like(p) for p in params], None
    )
    assert loss == pytest.approx(per_sample.mean(), rel=1e-10)
    with pytest.raises(ValueError, match="not supported for multilabel"):
        FeedForwardClassifier(class_weight="balanced").fit(X, Y)


def test_poisson_loss_fits_counts_like_mlp():
    from sklearn.metrics import mean_poisson_deviance

    rng = np.random.RandomState(0)
    X = rng.normal(size=(400, 3))
    y = rng.poisson(np.exp(0.5 * X[:, 0] - 0.3 * X[:, 1]))
    kw = dict(hidden_layer_sizes=(10,), max_iter=300, random_state=0)
    ours = FeedForwardRegressor(loss="poisson", **kw).fit(X, y)
    theirs = MLPRegressor(loss="poisson", **kw).fit(X, y)
    assert ours.out_activation_ == theirs.out_activation_ == "exp"
    assert np.all(ours.predict(X) > 0)
    ours_dev = mean_poisson_deviance(y, ours.predict(X))
    assert ours_dev < 1.05 * mean_poisson_deviance(y, theirs.predict(X))
    with pytest.raises(ValueError, match="non-negative targets"):
        FeedForwardRegressor(loss="poisson").fit(X, y - 5.0)


def test_partial_fit_takes_its_arguments_in_mlps_order():
    # MLPClassifier.partial_fit(X, y, sample_weight=None, classes=None): a
    # positional call written for it means the same here.
    import inspect

    from sklearn.neural_network import MLPClassifier

    ours = list(inspect.signature(FeedForwardClassifier.partial_fit).parameters)
    theirs = list(inspect.signature(MLPClassifier.partial_fit).parameters)
    assert ours == theirs
    X, y = _classification()
    w = np.linspace(0.5, 1.5, len(y))
    a = FeedForwardClassifier(hidden_layer_sizes=(4,), random_state=0)
    b = FeedForwardClassifier(hidden_layer_sizes=(4,), random_state=0)
    a.partial_fit(X, y, w, np.unique(y))
    b.partial_fit(X, y, sample_weight=w, classes=np.unique(y))
    for p, q in zip(a.coefs_, b.coefs_):
        np.testing.assert_array_equal(p, q)
