"""SigmoidNeuronClassifier: gradients, the seed's two properties, oracles."""

import warnings

import numpy as np
import pytest
from scipy import sparse
from scipy.special import expit, logit, softmax
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer, load_iris, make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from sknn_intuition import SigmoidNeuronClassifier, _network
from sknn_intuition._losses import LOSSES as LOSS_TABLE
from sknn_intuition._sigmoid_neuron import SIGMOID_LOSSES, _largest_eigenvalue

LOSSES = sorted(SIGMOID_LOSSES)
# Every valid (loss, output layer) pair.
MODES = [pair for pair in sorted(LOSS_TABLE) if pair[1] in ("sigmoid", "softmax")]
OUTPUT_LOSSES = {loss: LOSS_TABLE[loss, "sigmoid"] for loss in LOSSES}
SOFTMAX_LOSSES = {"log_loss": LOSS_TABLE["log_loss", "softmax"]}


def _mse(Y, P):
    return float(((P - Y) ** 2).mean())


def _binary_log_loss(Y, P):
    return float(-(Y * np.log(P) + (1 - Y) * np.log(1 - P)).sum(axis=1).mean())


def _data(n=80, d=5, n_classes=2, seed=0):
    X, y = make_classification(
        n, d, n_informative=3, n_redundant=0, n_classes=n_classes,
        n_clusters_per_class=1, random_state=seed,
    )
    return StandardScaler().fit_transform(X), y


@pytest.fixture(scope="module")
def cancer():
    X, y = load_breast_cancer(return_X_y=True)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, random_state=0, stratify=y)
    sc = StandardScaler().fit(X_tr)
    return sc.transform(X_tr), sc.transform(X_te), y_tr, y_te


def _objective(est, X, Y, sw):
    params = [est.coef_, est.intercept_]
    return est._sgd_loss(params, X, Y, sw)


# ------------------------------------------------------------------ losses
@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("n_classes", [2, 3])
def test_loss_values_match_the_loss_tables(loss, n_classes):
    # The per-sample losses computed from z agree with the package's tables
    # applied to σ(z): squared_error without ½, binary log-loss summed.
    rng = np.random.default_rng(0)
    k = 1 if n_classes == 2 else n_classes
    Z = rng.normal(scale=3, size=(50, k))
    Y = (rng.random((50, k)) < 0.5).astype(float)
    per_sample, _ = OUTPUT_LOSSES[loss](Z.copy(), Y)
    expected = (_mse if loss == "squared_error" else _binary_log_loss)(Y, expit(Z))
    np.testing.assert_allclose(per_sample.mean(), expected, rtol=1e-12)


def test_softmax_loss_is_the_categorical_cross_entropy():
    rng = np.random.default_rng(0)
    Z = rng.normal(scale=3, size=(50, 4))
    Y = np.eye(4)[rng.integers(0, 4, size=50)]
    per_sample, dZ = SOFTMAX_LOSSES["log_loss"](Z.copy(), Y)
    P = softmax(Z, axis=1)
    np.testing.assert_allclose(per_sample.mean(), -(Y * np.log(P)).sum(axis=1).mean())
    np.testing.assert_allclose(per_sample, -np.log(P[Y == 1]), rtol=1e-12)
    np.testing.assert_allclose(dZ, P - Y, atol=1e-15)
    # far in the tails: no overflow, exact
    Z = np.array([[900.0, 0.0, -900.0], [900.0, 0.0, -900.0]])
    Y = np.array([[1.0, 0, 0], [0, 0, 1.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        per_sample, dZ = SOFTMAX_LOSSES["log_loss"](Z.copy(), Y)
    np.testing.assert_allclose(per_sample, [0, 1800])
    np.testing.assert_allclose(dZ, [[0, 0, 0], [1, 0, -1]], atol=1e-300)


def test_log_loss_is_exact_far_in_the_tails():
    # log(1 + e^z) - y z for z = ±800: no overflow, no log(0).
    Z = np.array([[800.0], [-800.0], [800.0], [-800.0]])
    Y = np.array([[1.0], [0.0], [0.0], [1.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        per_sample, dZ = OUTPUT_LOSSES["log_loss"](Z.copy(), Y)
    np.testing.assert_allclose(per_sample, [0, 0, 800, 800])
    np.testing.assert_allclose(dZ[:, 0], [0, 0, 1, -1])


def _set_random_params(est, seed=1):
    rng = np.random.default_rng(seed)
    est.coef_[...] = rng.normal(size=est.coef_.shape)
    est.intercept_[...] = rng.normal(size=est.intercept_.shape)


def _targets(est, y):
    k = est.coef_.shape[0]
    Y = np.zeros((len(y), k))
    if k == 1:
        Y[:, 0] = y == est.classes_[1]
    else:
        Y[np.arange(len(y)), np.searchsorted(est.classes_, y)] = 1
    return Y


@pytest.mark.parametrize("loss, output", MODES)
@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("weighted", [False, True])
def test_gradients_match_finite_differences(loss, output, n_classes, weighted):
    X, y = _data(n=40, d=4, n_classes=n_classes)
    est = SigmoidNeuronClassifier(loss=loss, output=output, max_iter=2, tol=None)
    est.fit(X, y)
    _set_random_params(est)
    Y = _targets(est, y)
    sw = np.random.default_rng(2).uniform(0.2, 2.0, size=len(y)) if weighted else None
    params = [est.coef_, est.intercept_]
    grads = [np.empty_like(p) for p in params]
    loss_value, _ = est._sgd_loss_and_gradients(params, X, Y, sw, grads, None)
    assert loss_value == pytest.approx(_objective(est, X, Y, sw), rel=1e-12)
    # the fused dense path, the plain layer's and the sparse one agree
    stack = est._sgd_stack(params)
    for X_other in (X, sparse.csr_matrix(X)):
        other = [np.empty_like(p) for p in params]
        other_value, _ = _network.loss_and_gradients(
            stack, X_other, Y, sw, [other[0].T], [other[1]]
        )
        assert other_value == pytest.approx(loss_value, rel=1e-13)
        for g, g_other in zip(grads, other):
            np.testing.assert_allclose(g_other, g, rtol=1e-12, atol=1e-15)
    h = 1e-6
    for p, g in zip(params, grads):
        numeric = np.empty_like(p)
        for idx in np.ndindex(p.shape):
            old = p[idx]
            p[idx] = old + h
            up = _objective(est, X, Y, sw)
            p[idx] = old - h
            down = _objective(est, X, Y, sw)
            p[idx] = old
            numeric[idx] = (up - down) / (2 * h)
        np.testing.assert_allclose(g, numeric, rtol=1e-6, atol=1e-9)


# ----------------------------------------------------- the seed's properties
def _one_feature_neuron(w, b):
    X = np.array([[-1.0], [1.0]])
    est = SigmoidNeuronClassifier(max_iter=1, tol=None).fit(X, [0, 1])
    est.coef_[...] = w
    est.intercept_[...] = b
    return est


@pytest.mark.parametrize("w", [0.5, 2.0, 10.0])
def test_larger_weight_gives_a_steeper_s(w):
    # dσ(wx + b)/dx at the centre is w σ'(0) = w / 4.
    b = -1.5
    est = _one_feature_neuron(w, b)
    centre = -b / w
    h = 1e-5
    p = est.predict_proba([[centre - h], [centre + h]])[:, 1]
    slope = (p[1] - p[0]) / (2 * h)
    assert slope == pytest.approx(w / 4, rel=1e-6)
    # and the S is steeper everywhere a bit away from the centre
    flatter = _one_feature_neuron(w / 2, b / 2)  # same centre, half the weight
    x = np.array([[centre + 0.3]])
    assert est.predict_proba(x)[0, 1] > flatter.predict_proba(x)[0, 1] > 0.5


@pytest.mark.parametrize("w, b", [(1.0, -0.5), (3.0, 2.0), (-2.0, 1.0)])
def test_bias_moves_the_centre_to_minus_b_over_w(w, b):
    est = _one_feature_neuron(w, b)
    centre = -b / w
    np.testing.assert_allclose(est.predict_proba([[centre]]), [[0.5, 0.5]])
    assert est.decision_function([[centre]])[0] == pytest.approx(0, abs=1e-12)
    # the textbook formula, everywhere
    x = np.linspace(-4, 4, 9).reshape(-1, 1)
    np.testing.assert_allclose(est.predict_proba(x)[:, 1], expit(w * x[:, 0] + b))


# ------------------------------------------------------ logistic regression
@pytest.mark.parametrize("alpha", [1e-1, 1e-2])
def test_log_loss_optimum_is_logistic_regressions(cancer, alpha):
    # mean log-loss + alpha/2 ‖w‖²  ==  LogisticRegression's objective / (C n)
    # with C = 1 / (alpha n); the optimum is unique.
    X, _, y, _ = cancer
    n = X.shape[0]
    # Full-batch gradient descent (426 samples) with the default step.
    ours = SigmoidNeuronClassifier(loss="log_loss", alpha=alpha, max_iter=3000, tol=None)
    ours.fit(X, y)
    ref = LogisticRegression(C=1 / (alpha * n), tol=1e-10, max_iter=10_000).fit(X, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-2, atol=1e-3)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, rtol=1e-2, atol=1e-3)


@pytest.mark.parametrize("weighted", [False, True])
def test_softmax_optimum_is_multinomial_logistic_regressions(weighted):
    # mean cross-entropy + alpha/2 Σ_k ‖w_k‖²  ==  multinomial LR's objective
    # / (C n) with C = 1 / (alpha n). With all K weight vectors penalised the
    # weights are unique (they sum to zero); the biases up to a common shift.
    X, y = _data(n=150, d=4, n_classes=3, seed=3)
    sw = np.random.default_rng(0).uniform(0.2, 3, size=len(y)) if weighted else None
    alpha = 1e-2
    ours = SigmoidNeuronClassifier(loss="log_loss", alpha=alpha, max_iter=2000, tol=None)
    ours.fit(X, y, sample_weight=sw)
    assert ours.output_ == "softmax"
    # our sample weights are rescaled to mean 1: C scales with their mean
    c = 1 / (alpha * len(y)) if sw is None else 1 / (alpha * sw.sum())
    ref = LogisticRegression(C=c, tol=1e-12, max_iter=10_000)
    ref.fit(X, y, sample_weight=sw)
    np.testing.assert_allclose(ours.coef_.sum(axis=0), 0, atol=1e-8)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-5, atol=1e-6)

    def centred(b):
        return b - b.mean()

    np.testing.assert_allclose(
        centred(ours.intercept_), centred(ref.intercept_), rtol=1e-5, atol=1e-6
    )
    np.testing.assert_allclose(
        ours.predict_proba(X), ref.predict_proba(X), rtol=1e-5, atol=1e-7
    )


def test_multiclass_sigmoids_are_one_vs_rest_logistic_regressions():
    # The summed log-loss separates into one logistic regression per class.
    X, y = _data(n=150, d=4, n_classes=3, seed=3)
    alpha = 1e-2
    ours = SigmoidNeuronClassifier(
        loss="log_loss", output="sigmoid", alpha=alpha, max_iter=2000, tol=None
    )
    ours.fit(X, y)
    for k in range(3):
        ref = LogisticRegression(C=1 / (alpha * len(y)), tol=1e-10).fit(X, y == k)
        np.testing.assert_allclose(ours.coef_[k], ref.coef_[0], rtol=1e-3, atol=1e-4)
        np.testing.assert_allclose(ours.intercept_[k], ref.intercept_[0], atol=1e-4)


# ------------------------------------------------------- fit without tuning
@pytest.mark.parametrize("loss", LOSSES)
def test_defaults_fit_standardised_data_well(cancer, loss):
    X_tr, X_te, y_tr, y_te = cancer
    ours = SigmoidNeuronClassifier(loss=loss).fit(X_tr, y_tr)
    ref = LogisticRegression().fit(X_tr, y_tr)
    assert ours.score(X_te, y_te) >= ref.score(X_te, y_te) - 0.02
    assert ours.n_iter_ < ours.max_iter  # stopped by tol, not by max_iter


def test_defaults_reach_the_optimum_with_minibatches():
    # 3000 samples, batches of 1024: averaged SGD with momentum, default step.
    X, y = make_classification(3000, 10, n_informative=5, random_state=0)
    X = StandardScaler().fit_transform(X)
    n = len(y)
    ours = SigmoidNeuronClassifier(loss="log_loss").fit(X, y)
    assert ours._training_state["auto"]["average"] is True
    ref = LogisticRegression(C=1 / (ours.alpha * n)).fit(X, y)

    def objective(coef, intercept):
        z = X @ coef.ravel() + intercept[0]
        return np.mean(np.logaddexp(0, z) - y * z) + ours.alpha / 2 * coef @ coef.T

    gap = objective(ours.coef_, ours.intercept_) - objective(ref.coef_, ref.intercept_)
    assert 0 <= gap.item() < 1e-3


def test_biases_start_at_the_log_odds_of_the_classes():
    X, y = _data(n=100)
    y[:70] = 0
    y[70:] = 1
    sw = np.linspace(0.5, 1.5, 100)
    est = SigmoidNeuronClassifier(learning_rate_init=1e-12, max_iter=1, tol=None)
    est.fit(X, y, sample_weight=sw)
    freq = sw[y == 1].sum() / sw.sum()
    assert est.intercept_[0] == pytest.approx(logit(freq), rel=1e-6)


def test_power_iteration_finds_the_largest_eigenvalue():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 6)) @ rng.normal(size=(6, 6)) + 2.0
    sw = rng.uniform(0.1, 3, size=300)
    A = np.column_stack([X, np.ones(300)])
    exact = np.linalg.eigvalsh(A.T @ (sw[:, None] * A) / sw.sum())[-1]
    estimate = _largest_eigenvalue(X, sw, True, n_iter=50)
    assert estimate == pytest.approx(exact, rel=1e-6)
    assert _largest_eigenvalue(sparse.csr_matrix(X), sw, True, n_iter=50) == (
        pytest.approx(exact, rel=1e-6)
    )


# ------------------------------------------------------------ probabilities
@pytest.mark.parametrize("loss, output", MODES)
@pytest.mark.parametrize("n_classes", [2, 3])
def test_predict_proba_is_consistent_with_decision_function(loss, output, n_classes):
    X, y = _data(n=120, n_classes=n_classes)
    est = SigmoidNeuronClassifier(loss=loss, output=output).fit(X, y)
    Z = est.decision_function(X)
    P = est.predict_proba(X)
    np.testing.assert_allclose(P.sum(axis=1), 1)
    np.testing.assert_allclose(np.log(P), est.predict_log_proba(X), rtol=1e-7, atol=1e-12)
    np.testing.assert_array_equal(est.classes_[P.argmax(axis=1)], est.predict(X))
    if n_classes == 2:
        np.testing.assert_allclose(P[:, 1], expit(Z))
        order = np.argsort(Z)
        assert np.all(np.diff(P[order, 1]) >= 0)  # monotone in z
    elif output == "softmax":
        np.testing.assert_allclose(P, softmax(Z, axis=1))
        np.testing.assert_array_equal(P.argmax(axis=1), Z.argmax(axis=1))
    else:
        S = expit(Z)
        np.testing.assert_allclose(P, S / S.sum(axis=1, keepdims=True))
        np.testing.assert_array_equal(P.argmax(axis=1), Z.argmax(axis=1))


def test_output_layer_defaults_and_two_classes():
    X3, y3 = _data(n=90, n_classes=3)
    assert SigmoidNeuronClassifier(loss="log_loss").fit(X3, y3).output_ == "softmax"
    assert SigmoidNeuronClassifier().fit(X3, y3).output_ == "sigmoid"
    # With two classes the softmax of (0, z) is σ(z): one and the same model.
    X, y = _data(n=90)
    a = SigmoidNeuronClassifier(loss="log_loss", output="softmax").fit(X, y)
    b = SigmoidNeuronClassifier(loss="log_loss", output="sigmoid").fit(X, y)
    assert a.output_ == b.output_ == "sigmoid"
    np.testing.assert_array_equal(a.coef_, b.coef_)
    z = a.decision_function(X)
    np.testing.assert_allclose(
        a.predict_proba(X), softmax(np.column_stack([np.zeros_like(z), z]), axis=1)
    )


def test_softmax_log_proba_is_finite_when_probabilities_underflow():
    X, y = _data(n=90, n_classes=3)
    est = SigmoidNeuronClassifier(loss="log_loss", max_iter=1, tol=None).fit(X, y)
    est.coef_[...] = [[1000.0, 0, 0, 0, 0], [0, 0, 0, 0, 0], [-1000.0, 0, 0, 0, 0]]
    est.intercept_[...] = 0
    logp = est.predict_log_proba([[1.0, 0, 0, 0, 0]])
    np.testing.assert_allclose(logp, [[0, -1000, -2000]], atol=1e-12)


def test_predict_log_proba_is_finite_when_probabilities_underflow():
    est = _one_feature_neuron(1.0, 0.0)
    logp = est.predict_log_proba([[-1000.0], [1000.0]])
    np.testing.assert_allclose(logp, [[0, -1000], [-1000, 0]])


# ------------------------------------------------------- inputs and state
@pytest.mark.parametrize("loss, output", MODES)
@pytest.mark.parametrize("n_classes", [2, 3])
def test_sparse_and_dense_give_the_same_model(loss, output, n_classes):
    X, y = _data(n=300, n_classes=n_classes)
    X[np.abs(X) < 0.5] = 0
    sw = np.random.default_rng(0).uniform(0.5, 2, size=len(y))
    params = dict(loss=loss, output=output, batch_size=64, max_iter=20, tol=None)
    dense = SigmoidNeuronClassifier(**params).fit(X, y, sample_weight=sw)
    sp = SigmoidNeuronClassifier(**params).fit(sparse.csr_matrix(X), y, sample_weight=sw)
    np.testing.assert_allclose(sp.coef_, dense.coef_, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(sp.intercept_, dense.intercept_, rtol=1e-10)
    np.testing.assert_allclose(
        sp.predict_proba(sparse.csr_matrix(X)), dense.predict_proba(X), rtol=1e-10
    )


@pytest.mark.parametrize("loss, output", MODES)
def test_float32_is_kept(loss, output):
    X, y = _data(n=100, n_classes=3)
    X32 = X.astype(np.float32)
    est32 = SigmoidNeuronClassifier(loss=loss, output=output).fit(X32, y)
    est64 = SigmoidNeuronClassifier(loss=loss, output=output).fit(X, y)
    for name in ("coef_", "intercept_"):
        assert getattr(est32, name).dtype == np.float32
    for method in ("predict_proba", "predict_log_proba", "decision_function"):
        out = getattr(est32, method)(X32)
        assert out.dtype == np.float32, method
        np.testing.assert_allclose(out, getattr(est64, method)(X), rtol=2e-3, atol=2e-3)


@pytest.mark.parametrize("loss", LOSSES)
def test_partial_fit_epochs_equal_fit_epochs(loss):
    X, y = _data(n=300, n_classes=3)
    params = dict(loss=loss, batch_size=50, max_iter=4, tol=None)
    fitted = SigmoidNeuronClassifier(**params).fit(X, y)
    partial = SigmoidNeuronClassifier(**params)
    for _ in range(4):
        partial.partial_fit(X, y, classes=[0, 1, 2])
    np.testing.assert_allclose(partial.coef_, fitted.coef_, rtol=1e-12)
    np.testing.assert_allclose(partial.intercept_, fitted.intercept_, rtol=1e-12)
    assert partial.n_iter_ == fitted.n_iter_ == 4


def test_class_weight_is_sample_weight_per_class():
    X, y = _data(n=120)
    cw = {0: 3.0, 1: 0.5}
    a = SigmoidNeuronClassifier(class_weight=cw, tol=None, max_iter=30).fit(X, y)
    sw = np.where(y == 0, 3.0, 0.5)
    b = SigmoidNeuronClassifier(tol=None, max_iter=30).fit(X, y, sample_weight=sw)
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-10)
    # and it matters: class 0 gets more of the predictions
    c = SigmoidNeuronClassifier(tol=None, max_iter=30).fit(X, y)
    assert np.mean(a.predict(X) == 0) > np.mean(c.predict(X) == 0)


def test_explicit_settings_are_used_and_adam_works():
    X, y = _data(n=200)
    est = SigmoidNeuronClassifier(
        learning_rate_init=0.05, average=False, momentum=0.0, max_iter=5, tol=None
    ).fit(X, y)
    assert est._training_state["sgd"]["optimizer"]["learning_rate"] == 0.05
    assert "standard" not in est._training_state["sgd"]  # no averaging
    adam = SigmoidNeuronClassifier(
        solver="adam", loss="log_loss", learning_rate_init=0.1, max_iter=300, tol=None
    ).fit(X, y)
    ref = LogisticRegression().fit(X, y)
    assert adam.score(X, y) >= ref.score(X, y) - 0.02


# -------------------------------------------------------------- bad input
def test_bad_parameters_and_calls_get_clear_errors():
    X, y = _data()
    with pytest.raises(ValueError, match="'loss' parameter"):
        SigmoidNeuronClassifier(loss="hinge").fit(X, y)
    with pytest.raises(ValueError, match="'output' parameter"):
        SigmoidNeuronClassifier(output="tanh").fit(X, y)
    with pytest.raises(ValueError, match="output='softmax' is trained on"):
        SigmoidNeuronClassifier(output="softmax").fit(X, y)
    with pytest.raises(ValueError, match="'learning_rate_init' parameter"):
        SigmoidNeuronClassifier(learning_rate_init=-1.0).fit(X, y)
    with pytest.raises(ValueError, match="'average' parameter"):
        SigmoidNeuronClassifier(average="always").fit(X, y)
    with pytest.raises(ValueError, match="classes must be passed"):
        SigmoidNeuronClassifier().partial_fit(X, y)
    est = SigmoidNeuronClassifier().partial_fit(X, y, classes=[0, 1])
    with pytest.raises(ValueError, match="not the same"):
        est.partial_fit(X, y, classes=[0, 1, 2])
    with pytest.raises(ValueError, match="one class"):
        SigmoidNeuronClassifier().fit(X, np.zeros_like(y))
    fitted = clone(est).fit(X, y)
    with pytest.raises(ValueError, match="5 features"):
        fitted.predict_proba(X[:, :3])


# ------------------------------------------------- answers a practitioner reads
def test_partial_fit_learns_a_class_absent_from_the_first_batch():
    # The first batch holds class 0 only; the stream then is balanced. A bias
    # started at the log-odds of a frequency of 0 would saturate the neuron.
    from sklearn.linear_model import SGDClassifier

    rng = np.random.RandomState(0)

    def batch(n, only=None):
        y = np.full(n, only) if only is not None else rng.randint(2, size=n)
        X = rng.normal(size=(n, 3)) + 2.0 * (y[:, None] - 0.5)
        return X, y

    X0, y0 = batch(100, only=0)
    ours = SigmoidNeuronClassifier().partial_fit(X0, y0, classes=[0, 1])
    peer = SGDClassifier(random_state=0).partial_fit(X0, y0, classes=[0, 1])
    for _ in range(40):
        X, y = batch(100)
        ours.partial_fit(X, y)
        peer.partial_fit(X, y)
    X_test, y_test = batch(2000)
    assert ours.score(X_test, y_test) >= peer.score(X_test, y_test) - 0.03
    assert ours.score(X_test, y_test) > 0.9


def test_a_warm_start_that_changes_the_output_layer_is_refused():
    X, y = load_iris(return_X_y=True)
    clf = SigmoidNeuronClassifier(loss="log_loss", warm_start=True, max_iter=5, tol=None)
    clf.fit(X, y)
    assert clf.output_ == "softmax"
    clf.set_params(output="sigmoid")
    with pytest.raises(ValueError, match="output layer is 'sigmoid'.*'softmax'"):
        clf.fit(X, y)


@pytest.mark.parametrize("cls", ["PerceptronClassifier", "SigmoidNeuronClassifier"])
def test_coef_init_wins_over_a_warm_start(cls):
    import sknn_intuition

    X, y = load_iris(return_X_y=True)
    est = getattr(sknn_intuition, cls)(warm_start=True, max_iter=1, tol=None, shuffle=False)
    est.fit(X, y)
    start = np.zeros_like(est.coef_)
    fresh = getattr(sknn_intuition, cls)(max_iter=1, tol=None, shuffle=False)
    fresh.fit(X, y, coef_init=start, intercept_init=est.intercept_.copy())
    est.fit(X, y, coef_init=start, intercept_init=est.intercept_.copy())
    # One epoch from the given weights, not from the fitted ones.
    np.testing.assert_allclose(est.coef_, fresh.coef_, rtol=1e-6, atol=1e-9)
