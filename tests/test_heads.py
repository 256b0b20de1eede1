"""The output heads: one per (loss, output) pair, and every estimator reads
its output layer from them, so that the same model predicts the same whichever
estimator holds it, for any z."""

import warnings

import numpy as np
import pytest
from scipy.special import expit, log_expit, log_softmax, logit, softmax
from sklearn.exceptions import ConvergenceWarning

from sknn_intuition import (
    FeedForwardClassifier,
    FeedForwardRegressor,
    PerceptronClassifier,
    SigmoidNeuronClassifier,
)
from sknn_intuition._activations import (
    ACTIVATIONS,
    INVERSE_ACTIVATIONS,
    centred_log,
    log_sigmoid,
)
from sknn_intuition._activations import log_softmax as our_log_softmax
from sknn_intuition._activations import logit as our_logit
from sknn_intuition._heads import HEADS, Head, head
from sknn_intuition._losses import LOSSES, loss_and_error

CLASSIFIER_HEADS = [key for key, h in HEADS.items() if h.is_classifier]
PROBABILITY_HEADS = [k for k in CLASSIFIER_HEADS if k[1] in ("sigmoid", "softmax")]


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def _extreme_rows(k, seed=0):
    """Rows of z from moderate to |z| = 1e4 and beyond, ties and all."""
    rng = np.random.RandomState(seed)
    rows = [
        rng.normal(scale=3.0, size=(20, k)),
        rng.uniform(-1e4, 1e4, size=(20, k)),
        np.full((1, k), -1e4),
        np.full((1, k), 1e4),
        np.full((1, k), -1e6),
        np.zeros((1, k)),
        -800.0 + 15.0 * np.arange(k)[None, :],
        np.where(np.arange(k) == 0, 1e4, -1e4)[None, :],
    ]
    return np.vstack(rows)


def _ovr_oracle(Z):
    """σ(z_k) / Σ_j σ(z_j), through numpy's logaddexp: log σ(z) = -log(1 + e^{-z})."""
    return softmax(-np.logaddexp(0, -Z), axis=1)


# ------------------------------------------------------------------ the table
def test_one_head_per_pair_of_the_loss_table():
    assert set(HEADS) == set(LOSSES)
    for (loss, output), h in HEADS.items():
        assert (h.loss, h.output) == (loss, output)
        assert head(loss, output) is h
        assert output in ACTIVATIONS


def test_unknown_pair_is_a_clear_error():
    with pytest.raises(ValueError, match="loss='log_loss' is not defined on a 'identity'"):
        head("log_loss", "identity")
    with pytest.raises(ValueError, match="the pairs are"):
        head("hinge", "step")


def test_heads_are_frozen():
    with pytest.raises(AttributeError):
        head("log_loss", "softmax").curvature = 1.0


def test_label_coding():
    assert (head("perceptron", "step").negative, head("perceptron", "step").positive) == (-1, 1)
    for key in PROBABILITY_HEADS:
        assert (HEADS[key].negative, HEADS[key].positive) == (0, 1)
    for key in [("squared_error", "identity"), ("poisson", "exp")]:
        assert not HEADS[key].is_classifier
        assert HEADS[key].negative is None and HEADS[key].positive is None


@pytest.mark.parametrize("key", sorted(HEADS))
def test_loss_and_error_is_the_loss_tables(key):
    rng = np.random.RandomState(1)
    Z = rng.normal(size=(30, 3))
    Y = {
        "identity": rng.normal(size=(30, 3)),
        "exp": rng.poisson(2.0, size=(30, 3)).astype(float),
        "step": np.where(rng.rand(30, 3) > 0.5, 1.0, -1.0),
    }.get(key[1], np.eye(3)[rng.randint(3, size=30)])
    sw = rng.uniform(0.5, 2.0, size=30)
    ours = HEADS[key].loss_and_error(Z.copy(), Y, sw)
    theirs = loss_and_error(*key, Z.copy(), Y, sw)
    assert ours[0] == theirs[0]
    np.testing.assert_array_equal(ours[1], theirs[1])


# ------------------------------------------------------- the numeric primitives
def test_log_primitives_against_scipy():
    Z = _extreme_rows(4)
    np.testing.assert_allclose(log_sigmoid(Z), log_expit(Z), rtol=1e-15)
    np.testing.assert_allclose(our_log_softmax(Z), log_softmax(Z, axis=1), rtol=1e-12, atol=1e-9)
    out = np.empty_like(Z)
    assert our_log_softmax(Z, out=out) is out
    p = np.linspace(1e-9, 1 - 1e-9, 101)
    np.testing.assert_allclose(our_logit(p), logit(p), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("output", sorted(INVERSE_ACTIVATIONS))
def test_inverse_activations_invert(output):
    rng = np.random.RandomState(2)
    P = {
        "identity": rng.normal(size=(5, 3)),
        "sigmoid": rng.uniform(1e-6, 1 - 1e-6, size=(5, 3)),
        "softmax": rng.dirichlet(np.ones(3), size=5),
        "exp": rng.uniform(1e-3, 1e3, size=(5, 3)),
    }[output]
    Z = INVERSE_ACTIVATIONS[output](P)
    np.testing.assert_allclose(ACTIVATIONS[output](Z), P, rtol=1e-10)


def test_softmax_inverse_is_the_centred_log():
    p = np.array([0.2, 0.3, 0.5])
    z = centred_log(p)
    assert abs(z.sum()) < 1e-15
    np.testing.assert_allclose(z, np.log(p) - np.log(p).mean(), rtol=1e-15)


def test_step_has_no_inverse():
    h = head("perceptron", "step")
    assert h.starting_bias(np.ones((3, 1))) is None
    with pytest.raises(ValueError, match="no inverse"):
        h.inverse_activation(np.ones(3))


# ---------------------------------------------------------------- probabilities
@pytest.mark.parametrize(
    "key, k",
    [(key, k) for key in PROBABILITY_HEADS for k in (1, 2, 3, 6)
     if not (key[1] == "softmax" and k == 1)],  # a softmax has a neuron per class
)
def test_probabilities_hold_for_any_z(key, k):
    h = HEADS[key]
    Z = _extreme_rows(k)
    L = h.predict_log_proba(Z)
    P = h.predict_proba(Z)
    assert L.shape == P.shape == (len(Z), max(k, 2))
    assert np.all(np.isfinite(L)) and np.all(L <= 0)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=1e-12)
    shown = P > 1e-300  # log(P) is representable
    np.testing.assert_allclose(L[shown], np.log(P[shown]), rtol=1e-12, atol=1e-15)
    # The class of the largest z is the most probable.
    if k > 1:
        np.testing.assert_array_equal(
            P[np.arange(len(Z)), h.decision(Z)], P.max(axis=1)
        )


@pytest.mark.parametrize("k", [2, 3, 5])
def test_softmax_head_is_scipys(k):
    Z = _extreme_rows(k)
    h = head("log_loss", "softmax")
    np.testing.assert_allclose(h.predict_proba(Z), softmax(Z, axis=1), rtol=1e-10, atol=1e-300)
    # scipy's log Σ_j e^{u_j} is exact to about 1e-16: so is the agreement.
    L = h.predict_log_proba(Z)
    np.testing.assert_allclose(L, log_softmax(Z, axis=1), rtol=1e-12, atol=1e-15)
    if k == 2:  # log p_0 = -log(1 + e^{z_1 - z_0}), by numpy's logaddexp, exact in the tails
        np.testing.assert_allclose(L[:, 0], -np.logaddexp(0, Z[:, 1] - Z[:, 0]), rtol=1e-14)


@pytest.mark.parametrize("loss", ["squared_error", "log_loss"])
def test_one_sigmoid_is_two_classes(loss):
    z = _extreme_rows(1)
    h = head(loss, "sigmoid")
    np.testing.assert_allclose(h.predict_proba(z), np.hstack([expit(-z), expit(z)]), rtol=1e-12)
    np.testing.assert_allclose(
        h.predict_log_proba(z), np.hstack([log_expit(-z), log_expit(z)]), rtol=1e-15
    )
    # The softmax of (0, z) is σ(z).
    np.testing.assert_allclose(
        h.predict_proba(z), softmax(np.hstack([np.zeros_like(z), z]), axis=1), rtol=1e-12
    )


@pytest.mark.parametrize("loss", ["squared_error", "log_loss"])
def test_several_sigmoids_are_normalised(loss):
    Z = _extreme_rows(4)
    h = head(loss, "sigmoid")
    np.testing.assert_allclose(h.predict_proba(Z), _ovr_oracle(Z), rtol=1e-10, atol=1e-300)
    moderate = Z[:20]
    S = expit(moderate)
    np.testing.assert_allclose(h.predict_proba(moderate), S / S.sum(axis=1, keepdims=True),
                               rtol=1e-12)
    # The rows where every σ(z) underflows to 0 keep their ratios.
    row = np.array([[-800.0, -760.0, -745.0]])
    expected = softmax(row, axis=1)  # σ(z) = e^z (1 + o(1)) this far out
    np.testing.assert_allclose(h.predict_proba(row), expected, rtol=1e-12)


def test_multilabel_is_each_labels_sigmoid():
    Z = _extreme_rows(3)
    h = head("log_loss", "sigmoid")
    np.testing.assert_allclose(h.predict_proba(Z, multilabel=True), expit(Z), rtol=1e-12)
    np.testing.assert_allclose(h.predict_log_proba(Z, multilabel=True), log_expit(Z),
                               rtol=1e-15)
    np.testing.assert_array_equal(h.decision(Z, multilabel=True), (Z > 0).astype(int))


def test_bad_input_gets_a_clear_error():
    with pytest.raises(ValueError, match="gives no probabilities"):
        head("perceptron", "step").predict_proba(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="gives no probabilities"):
        head("poisson", "exp").predict_log_proba(np.zeros((2, 1)))
    with pytest.raises(ValueError, match="needs one neuron per class"):
        head("log_loss", "softmax").predict_proba(np.zeros((2, 1)))
    with pytest.raises(ValueError, match="needs one neuron per class"):
        head("log_loss", "softmax").predict_proba(np.zeros((2, 3)), multilabel=True)
    with pytest.raises(ValueError, match="must be 2-D"):
        head("log_loss", "sigmoid").predict_proba(np.zeros(3))
    with pytest.raises(ValueError, match="codes no class"):
        head("squared_error", "identity").decision(np.zeros((2, 1)))


# ---------------------------------------------------------------- decision rule
@pytest.mark.parametrize("key", CLASSIFIER_HEADS)
def test_decision_rule(key):
    h = HEADS[key]
    z = np.array([[-1e4], [-1e-300], [0.0], [1e-300], [2.0], [1e4]])
    np.testing.assert_array_equal(h.decision(z), [0, 0, 0, 1, 1, 1])
    Z = _extreme_rows(3)
    np.testing.assert_array_equal(h.decision(Z), np.argmax(Z, axis=1))


@pytest.mark.parametrize("key", PROBABILITY_HEADS)
def test_decision_is_the_probabilities_rule_for_moderate_z(key):
    Z = _extreme_rows(3)[:20]
    h = HEADS[key]
    np.testing.assert_array_equal(h.decision(Z), np.argmax(h.predict_proba(Z), axis=1))
    if key[1] == "sigmoid":  # one neuron: σ(z) > ½
        np.testing.assert_array_equal(h.decision(Z[:, :1]), expit(Z[:, 0]) > 0.5)


# -------------------------------------------------------- start and curvature
@pytest.mark.parametrize("key", [k for k in sorted(HEADS) if k[1] != "step"])
def test_starting_bias_is_the_best_constant_model(key):
    """At ``g⁻¹`` of the mean target, the loss's gradient in the bias is zero."""
    rng = np.random.RandomState(3)
    Y = {
        "identity": rng.normal(size=(50, 2)),
        "exp": rng.poisson(3.0, size=(50, 2)).astype(float),
        "sigmoid": (rng.rand(50, 3) < [0.2, 0.5, 0.7]).astype(float),
        "softmax": np.eye(3)[rng.randint(3, size=50)],
    }[key[1]]
    sw = rng.uniform(0.5, 2.0, size=50)
    h = HEADS[key]
    b = h.starting_bias(Y, sw)
    Z = np.tile(b, (len(Y), 1))
    _, D = h.loss_and_error(Z, Y, sw)
    np.testing.assert_allclose(D.sum(axis=0), 0.0, atol=1e-12)


def test_starting_bias_of_an_unseen_class_is_finite():
    Y = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]] * 5)
    for output in ("sigmoid", "softmax"):
        b = head("log_loss", output).starting_bias(Y)
        assert np.all(np.isfinite(b))
        assert b[2] < b[0] - 10
    b = head("poisson", "exp").starting_bias(np.zeros((4, 1)))
    assert np.isfinite(b).all()


def test_starting_bias_is_the_sigmoid_neurons():
    """The sigmoid neuron starts from its head's bias, for both output layers."""
    rng = np.random.RandomState(4)
    X = rng.normal(size=(60, 2))
    y = rng.choice(3, size=60, p=[0.2, 0.3, 0.5])
    sw = rng.uniform(0.5, 2, size=60)
    for loss in ("squared_error", "log_loss"):
        est = SigmoidNeuronClassifier(loss=loss, max_iter=1, alpha=0, learning_rate_init=1e-12,
                                      average=False)
        est.fit(X, y, sample_weight=sw)
        Y = np.eye(3)[y]
        np.testing.assert_allclose(
            est.intercept_, head(loss, est.output_).starting_bias(Y, sw), atol=1e-9
        )


def _second_derivative(h, z, y):
    """d²l/dz² by central differences of the head's own error ∂l/∂z."""
    step = 1e-5
    hi = h.loss_and_error(np.array([[z + step]]), np.array([[y]]))[1][0, 0]
    lo = h.loss_and_error(np.array([[z - step]]), np.array([[y]]))[1][0, 0]
    return (hi - lo) / (2 * step)


@pytest.mark.parametrize("loss", ["squared_error", "log_loss"])
def test_sigmoid_curvature_bounds_are_tight(loss):
    h = head(loss, "sigmoid")
    zs = np.linspace(-8, 8, 1601)
    worst = max(_second_derivative(h, z, y) for z in zs for y in (0.0, 1.0))
    assert worst <= h.curvature
    assert worst >= 0.99 * h.curvature


def test_softmax_curvature_bound():
    """The largest eigenvalue of diag(p) - p pᵀ never exceeds ½, and reaches it."""
    rng = np.random.RandomState(5)
    h = head("log_loss", "softmax")
    worst = 0.0
    for z in rng.normal(scale=3, size=(2000, 3)):
        p = softmax(z)
        worst = max(worst, np.linalg.eigvalsh(np.diag(p) - np.outer(p, p)).max())
    assert worst <= h.curvature
    p = np.array([0.5, 0.5, 0.0])
    assert np.linalg.eigvalsh(np.diag(p) - np.outer(p, p)).max() == pytest.approx(h.curvature)
    assert head("squared_error", "identity").curvature == pytest.approx(
        _second_derivative(head("squared_error", "identity"), 0.3, 1.0)
    )
    assert head("perceptron", "step").curvature is None
    assert head("poisson", "exp").curvature is None


def test_the_automatic_step_reads_the_heads_curvature():
    """learning_rate_init='auto' on full batches: 1 / (curvature λ_max + alpha)."""
    rng = np.random.RandomState(6)
    X = rng.normal(size=(200, 3))
    y = rng.randint(3, size=200)
    for loss in ("squared_error", "log_loss"):
        est = SigmoidNeuronClassifier(loss=loss, max_iter=1).fit(X, y)
        A = np.column_stack([X, np.ones(len(X))])
        lam = np.linalg.eigvalsh(A.T @ A / len(X)).max()
        expected = 1 / (head(loss, est.output_).curvature * lam + est.alpha)
        # A few power iterations approach λ_max from below: the step, from above.
        step = est._training_state["auto"]["learning_rate_init"]
        assert expected <= step <= 1.01 * expected


# ------------------------------------------- the same model in two estimators
def _as_both(loss, Z_cols, n_classes):
    """A sigmoid neuron and a network without hidden layer, both computing z = x.

    ``X`` has one feature per output neuron, the weights are the identity and
    the biases zero, so the decision values are exactly the rows of ``X``.
    """
    rng = np.random.RandomState(7)
    X = rng.normal(size=(30, Z_cols))
    y = np.arange(30) % n_classes
    neuron = SigmoidNeuronClassifier(loss=loss, max_iter=1).fit(X, y)
    net = FeedForwardClassifier(hidden_layer_sizes=(), loss=loss, max_iter=1,
                                random_state=0).fit(X, y)
    assert neuron.output_ == net.out_activation_
    neuron.coef_, neuron.intercept_ = np.eye(Z_cols), np.zeros(Z_cols)
    net.coefs_, net.intercepts_ = [np.eye(Z_cols)], [np.zeros(Z_cols)]
    return neuron, net


@pytest.mark.parametrize(
    "loss, n_classes, output",
    [("squared_error", 3, "sigmoid"), ("log_loss", 3, "softmax"),
     ("squared_error", 2, "sigmoid"), ("log_loss", 2, "sigmoid")],
)
def test_the_same_model_predicts_the_same_in_both_estimators(loss, n_classes, output):
    k = n_classes if n_classes > 2 else 1
    neuron, net = _as_both(loss, k, n_classes)
    assert neuron.output_ == output
    Z = _extreme_rows(k)
    if k == 3:
        Z = np.vstack([[-800.0, -760.0, -745.0], Z])
    np.testing.assert_array_equal(neuron.decision_function(Z), Z[:, 0] if k == 1 else Z)
    P, P_net = neuron.predict_proba(Z), net.predict_proba(Z)
    np.testing.assert_allclose(P, P_net, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(neuron.predict(Z), net.predict(Z))
    L, L_net = neuron.predict_log_proba(Z), net.predict_log_proba(Z)
    assert np.all(np.isfinite(L)) and np.all(np.isfinite(L_net))
    np.testing.assert_allclose(L, L_net, rtol=1e-12)
    # And both are right: the oracles, and the class of the largest z.
    if output == "softmax":
        oracle = softmax(Z, axis=1)
    elif k == 1:
        oracle = np.hstack([expit(-Z), expit(Z)])
    else:
        oracle = _ovr_oracle(Z)
    np.testing.assert_allclose(P, oracle, rtol=1e-9, atol=1e-300)
    expected = (Z[:, 0] > 0).astype(int) if k == 1 else np.argmax(Z, axis=1)
    np.testing.assert_array_equal(net.predict(Z), net.classes_[expected])
    for est in (neuron, net):  # a head is looked up, never stored
        assert not any(isinstance(v, Head) for v in vars(est).values())


def test_the_reported_example():
    """Three sigmoid outputs on the squared error at z = (-800, -760, -745).

    Every σ(z) rounds to 0 (or to a subnormal): the ratios σ(z_k) / Σ_j σ(z_j)
    are e^{-55}, e^{-15} and nearly 1, and the class is the third.
    """
    neuron, net = _as_both("squared_error", 3, 3)
    b = np.array([-800.0, -760.0, -745.0])
    neuron.coef_, neuron.intercept_ = np.zeros((3, 3)), b.copy()
    net.coefs_, net.intercepts_ = [np.zeros((3, 3))], [b.copy()]
    X = np.random.RandomState(12).normal(size=(4, 3))
    np.testing.assert_array_equal(neuron.decision_function(X), np.tile(b, (4, 1)))
    log_expected = np.tile([-55.0, -15.0, 0.0], (4, 1)) - np.log1p(np.exp(-15))
    for est in (neuron, net):
        np.testing.assert_allclose(est.predict_proba(X), np.exp(log_expected), rtol=1e-12)
        np.testing.assert_allclose(est.predict_log_proba(X), log_expected, rtol=1e-12)
        np.testing.assert_array_equal(est.predict(X), [2, 2, 2, 2])


def test_moderate_z_is_as_before():
    """Where z is moderate, the sigmoid outputs divided by their sum, as always."""
    neuron, net = _as_both("squared_error", 3, 3)
    Z = np.random.RandomState(8).normal(scale=2.0, size=(50, 3))
    S = expit(Z)
    for est in (neuron, net):
        np.testing.assert_allclose(est.predict_proba(Z), S / S.sum(axis=1, keepdims=True),
                                   rtol=1e-12)


def test_perceptron_and_network_share_the_decision_rule():
    rng = np.random.RandomState(9)
    X = rng.normal(size=(40, 1))
    y = (X[:, 0] > 0).astype(int)
    perceptron = PerceptronClassifier().fit(X, y)
    perceptron.coef_, perceptron.intercept_ = np.ones((1, 1)), np.zeros(1)
    _, net = _as_both("log_loss", 1, 2)
    z = np.array([[-1e4], [-1e-300], [0.0], [1e-300], [1e4]])
    np.testing.assert_array_equal(perceptron.predict(z), [0, 0, 0, 1, 1])
    np.testing.assert_array_equal(net.predict(z), perceptron.predict(z))


def test_multilabel_network_reads_its_head():
    rng = np.random.RandomState(10)
    X = rng.normal(size=(60, 3))
    Y = (X + rng.normal(scale=0.3, size=X.shape) > 0).astype(int)
    net = FeedForwardClassifier(hidden_layer_sizes=(), max_iter=2, random_state=0).fit(X, Y)
    assert net.out_activation_ == "sigmoid"
    net.coefs_, net.intercepts_ = [np.eye(3)], [np.zeros(3)]
    Z = _extreme_rows(3)
    np.testing.assert_allclose(net.predict_proba(Z), expit(Z), rtol=1e-12)
    assert np.all(np.isfinite(net.predict_log_proba(Z)))
    np.testing.assert_array_equal(net.predict(Z), (Z > 0).astype(int))


@pytest.mark.parametrize("loss, g", [("squared_error", lambda z: z), ("poisson", np.exp)])
def test_regressor_output_is_its_heads_activation(loss, g):
    rng = np.random.RandomState(11)
    X = rng.normal(size=(40, 2))
    y = rng.poisson(2.0, size=40).astype(float)
    net = FeedForwardRegressor(hidden_layer_sizes=(), loss=loss, max_iter=2,
                               random_state=0).fit(X, y)
    W, b = np.array([[0.5], [-0.25]]), np.array([0.1])
    net.coefs_, net.intercepts_ = [W], [b]
    np.testing.assert_allclose(net.predict(X), g(X @ W + b)[:, 0], rtol=1e-14)
