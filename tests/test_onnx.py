"""ONNX export (sknn_intuition.onnx): every estimator converts, alone or in a
pipeline, runs in onnxruntime and agrees with predict / predict_proba."""

import doctest
import pathlib
import warnings

import numpy as np
import pytest

pytest.importorskip("skl2onnx")
rt = pytest.importorskip("onnxruntime")

from _estimators import CLASSES, fast  # noqa: E402
from skl2onnx import convert_sklearn, to_onnx  # noqa: E402
from skl2onnx.common.data_types import Int64TensorType  # noqa: E402
from sklearn.base import is_classifier  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

import sknn_intuition.onnx as sknn_onnx  # noqa: E402
from sknn_intuition import (  # noqa: E402
    FeedForwardClassifier,
    FeedForwardRegressor,
    PerceptronClassifier,
    SigmoidNeuronClassifier,
    TowerRegressor,
)
from sknn_intuition._activations import HIDDEN_ACTIVATIONS  # noqa: E402

TOL = 1e-5  # float32 graphs against the float64 estimators


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def _data(n_classes=None, n_features=4, n_targets=1, n=200, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, n_features)) * [1.0, 3.0, 0.5, 2.0, 1.0][:n_features] + 1.0
    score = np.sin(X[:, 0]) + X[:, min(1, n_features - 1)] / 3 - X[:, -1] ** 2 / 4
    if n_classes is not None:
        edges = np.quantile(score, np.linspace(0, 1, n_classes + 1)[1:-1])
        return X, np.searchsorted(edges, score)
    Y = np.column_stack([score * (k + 1) + k for k in range(n_targets)])
    return X, Y[:, 0] if n_targets == 1 else Y


def _run(est, X, options=None, dtype=np.float32):
    """The graph's outputs for ``X``, and the input ``X`` as the graph saw it."""
    X = X.astype(dtype)
    onx = to_onnx(est, X[:1], options=options)
    sess = rt.InferenceSession(onx.SerializeToString(), providers=["CPUExecutionProvider"])
    return sess.run(None, {sess.get_inputs()[0].name: X}), X


def _no_zipmap(est):
    return {id(est): {"zipmap": False}}


def _assert_close(actual, expected, scaled=False):
    """Equal to ``TOL``: of the outputs' largest value if ``scaled`` (else 1)."""
    scale = max(1.0, float(np.abs(expected).max())) if scaled else 1.0
    np.testing.assert_allclose(actual, expected, rtol=TOL, atol=TOL * scale)


def _assert_classifier_agrees(est, X, options=None, dtype=np.float32):
    (label, second), X = _run(est, X, options or _no_zipmap(est), dtype)
    np.testing.assert_array_equal(label, est.predict(X))
    if isinstance(est, PerceptronClassifier):
        # No probabilities: the decision values, [-z, z] for two classes.
        Z = est.decision_function(X)
        _assert_close(second, np.column_stack([-Z, Z]) if Z.ndim == 1 else Z, scaled=True)
    else:
        _assert_close(second, est.predict_proba(X))
    return label, second


CLASSIFIERS = {
    "perceptron": lambda: PerceptronClassifier(random_state=0),
    "sigmoid-squared": lambda: SigmoidNeuronClassifier(max_iter=50),
    "sigmoid-log": lambda: SigmoidNeuronClassifier(loss="log_loss", max_iter=50),
    "sigmoid-log-sigmoids": lambda: SigmoidNeuronClassifier(
        loss="log_loss", output="sigmoid", max_iter=50
    ),
    "sigmoid-no-intercept": lambda: SigmoidNeuronClassifier(fit_intercept=False, max_iter=50),
    "network-log": lambda: fast(FeedForwardClassifier, learning_rate_init=0.01),
    "network-squared": lambda: fast(
        FeedForwardClassifier, loss="squared_error", learning_rate_init=0.05
    ),
    "network-deep": lambda: fast(
        FeedForwardClassifier, hidden_layer_sizes=(6, 5), activation=["tanh", "sigmoid"]
    ),
}


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("name", CLASSIFIERS)
def test_classifier_agrees(name, n_classes):
    X, y = _data(n_classes)
    est = CLASSIFIERS[name]().fit(X, y)
    _assert_classifier_agrees(est, X)


@pytest.mark.parametrize("activation", HIDDEN_ACTIVATIONS)
def test_every_hidden_activation(activation):
    X, y = _data(3)
    clf = fast(FeedForwardClassifier, activation=activation).fit(X, y)
    _assert_classifier_agrees(clf, X)
    X, y = _data(n_targets=2)
    reg = fast(FeedForwardRegressor, activation=activation).fit(X, y)
    (out,), X32 = _run(reg, X)
    assert out.shape == (len(X), 2)
    _assert_close(out, reg.predict(X32), scaled=True)


def test_every_hidden_activation_has_an_onnx_form():
    assert set(HIDDEN_ACTIVATIONS) <= set(sknn_onnx._ONNX_ACTIVATIONS)


def test_sigmoid_neuron_outputs():
    """Both multiclass output layers, as their predict_proba computes them."""
    X, y = _data(4)
    softmax = SigmoidNeuronClassifier(loss="log_loss", max_iter=50).fit(X, y)
    sigmoids = SigmoidNeuronClassifier(max_iter=50).fit(X, y)
    assert (softmax.output_, sigmoids.output_) == ("softmax", "sigmoid")
    for est in (softmax, sigmoids):
        _, proba = _assert_classifier_agrees(est, X)
        np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)


def test_normalised_sigmoids_do_not_underflow():
    """Every σ(z_k) far below float32's smallest number: still the ratios."""
    X, y = _data(3)
    est = SigmoidNeuronClassifier(max_iter=20).fit(X, y)
    est.intercept_[:] = [-200.0, -201.0, -202.0]
    _, proba = _assert_classifier_agrees(est, X)
    assert np.all(np.isfinite(proba))


@pytest.mark.parametrize(
    "labels", [["no", "yes", "maybe"], [-1.0, 2.0, 7.0], [3, 1, 2]], ids=["str", "float", "int"]
)
def test_class_labels(labels):
    X, y = _data(3)
    y = np.asarray(labels)[y]
    for est in (PerceptronClassifier(random_state=0), fast(FeedForwardClassifier)):
        label, _ = _assert_classifier_agrees(est.fit(X, y), X)
        assert label.dtype == (object if isinstance(labels[0], str) else np.int64)


def test_binary_string_labels():
    X, y = _data(2)
    est = SigmoidNeuronClassifier(max_iter=20).fit(X, np.array(["spam", "ham"])[y])
    _assert_classifier_agrees(est, X)


def test_zipmap_default_gives_one_dict_per_sample():
    X, y = _data(3)
    est = fast(FeedForwardClassifier).fit(X, y)
    (label, dicts), X32 = _run(est, X[:5])
    np.testing.assert_array_equal(label, est.predict(X32))
    proba = est.predict_proba(X32)
    assert [sorted(d) for d in dicts] == [[0, 1, 2]] * 5
    _assert_close(np.array([[d[k] for k in range(3)] for d in dicts]), proba)


def test_class_label_options():
    X, y = _data(3)
    est = SigmoidNeuronClassifier(max_iter=20).fit(X, np.array(["a", "b", "c"])[y])
    (label, _, classes), _ = _run(
        est, X[:4], {id(est): {"zipmap": False, "output_class_labels": True}}
    )
    assert classes.tolist() == ["a", "b", "c"]
    (index, _), X32 = _run(est, X[:4], {id(est): {"zipmap": False, "nocl": True}})
    np.testing.assert_array_equal(classes[index], est.predict(X32))


@pytest.mark.parametrize("n_classes", [2, 3])
def test_perceptron_graph_is_scikit_learns(n_classes):
    """With the same weights, the outputs of skl2onnx's scikit-learn Perceptron."""
    from sklearn.linear_model import Perceptron

    X, y = _data(n_classes)
    ours = PerceptronClassifier(random_state=0).fit(X, y)
    theirs = Perceptron(max_iter=5, tol=None).fit(X, y)
    theirs.coef_, theirs.intercept_ = ours.coef_.copy(), ours.intercept_.copy()
    (label, scores), _ = _run(ours, X, _no_zipmap(ours))
    (their_label, their_scores), _ = _run(theirs, X, _no_zipmap(theirs))
    np.testing.assert_array_equal(label, their_label)
    _assert_close(scores, their_scores, scaled=True)


def test_network_graph_is_scikit_learns():
    """With the same weights, the outputs of skl2onnx's MLPClassifier."""
    from sklearn.neural_network import MLPClassifier

    X, y = _data(3)
    ours = fast(FeedForwardClassifier, hidden_layer_sizes=(6, 5)).fit(X, y)
    theirs = MLPClassifier((6, 5), max_iter=2).fit(X, y)
    theirs.coefs_ = [W.copy() for W in ours.coefs_]
    theirs.intercepts_ = [b.copy() for b in ours.intercepts_]
    (label, proba), _ = _run(ours, X, _no_zipmap(ours))
    (their_label, their_proba), _ = _run(theirs, X, _no_zipmap(theirs))
    np.testing.assert_array_equal(label, their_label)
    _assert_close(proba, their_proba)


@pytest.mark.parametrize("n_features", [1, 2, 3, 5])
def test_tower_agrees(n_features):
    X, y = _data(n_features=n_features)
    est = TowerRegressor(n_towers=8).fit(X, y)
    assert (len(est.cells_) > 0) == (n_features in (2, 3))
    (out,), X32 = _run(est, X)
    assert out.shape == (len(X),) and out.dtype == np.float32
    _assert_close(out, est.predict(X32), scaled=True)


def test_tower_steep_cells_and_several_outputs():
    """Steep walls and large heights: the graph computes the towers in float64."""
    X, Y = _data(n_features=2, n_targets=3, n=400)
    est = TowerRegressor(n_towers=12, steepness=30.0).fit(X, Y)
    (out,), X32 = _run(est, X)
    assert out.shape == (len(X), 3)
    _assert_close(out, est.predict(X32), scaled=True)
    est.fit(X, Y[:, :1])  # a 2-D y of one column keeps its 2-D predictions
    (out,), X32 = _run(est, X)
    assert out.shape == est.predict(X32).shape == (len(X), 1)


def test_tower_uses_the_fitted_steepness():
    X, y = _data(n_features=1)
    est = TowerRegressor(n_towers=6, steepness=8.0).fit(X, y)
    est.set_params(steepness=1.0)  # not refitted: predictions use steepness_
    (out,), X32 = _run(est, X)
    _assert_close(out, est.predict(X32), scaled=True)


@pytest.mark.parametrize("n_targets", [1, 3])
def test_network_regressor_agrees(n_targets):
    X, y = _data(n_targets=n_targets)
    est = fast(FeedForwardRegressor, hidden_layer_sizes=(8, 4)).fit(X, y)
    (out,), X32 = _run(est, X)
    assert out.shape == est.predict(X32).shape
    _assert_close(out, est.predict(X32), scaled=True)


def test_float32_model_and_float64_graph():
    X, y = _data(3)
    est = fast(FeedForwardClassifier).fit(X.astype(np.float32), y)
    assert est.coefs_[0].dtype == np.float32
    _assert_classifier_agrees(est, X)
    est = fast(FeedForwardClassifier).fit(X, y)
    _, proba = _assert_classifier_agrees(est, X, dtype=np.float64)
    assert proba.dtype == np.float64
    reg = TowerRegressor(n_towers=8).fit(*_data(n_features=2))
    (out,), X64 = _run(reg, X[:, :2], dtype=np.float64)
    assert out.dtype == np.float64
    np.testing.assert_allclose(out, reg.predict(X64), rtol=1e-10)


def test_integer_input():
    X, y = _data(3)
    X = np.round(X * 3)
    est = PerceptronClassifier(random_state=0).fit(X, y)
    onx = convert_sklearn(
        est, initial_types=[("X", Int64TensorType([None, 4]))], options=_no_zipmap(est)
    )
    sess = rt.InferenceSession(onx.SerializeToString(), providers=["CPUExecutionProvider"])
    label, _ = sess.run(None, {"X": X.astype(np.int64)})
    np.testing.assert_array_equal(label, est.predict(X))


@pytest.mark.parametrize(
    "est, n_classes",
    [
        (SigmoidNeuronClassifier(loss="log_loss", max_iter=50), 3),
        (fast(FeedForwardClassifier), 2),
        (fast(FeedForwardRegressor), None),
        (TowerRegressor(n_towers=8), None),
    ],
    ids=lambda p: type(p).__name__ if not isinstance(p, (int, type(None))) else str(p),
)
def test_pipeline_with_a_scaler(est, n_classes):
    X, y = _data(n_classes, n_features=3)
    pipe = make_pipeline(StandardScaler(), est).fit(X, y)
    if n_classes is None:
        (out,), X32 = _run(pipe, X)
        _assert_close(out, pipe.predict(X32), scaled=True)
        return
    (label, proba), X32 = _run(pipe, X, {id(pipe[-1]): {"zipmap": False}})
    np.testing.assert_array_equal(label, pipe.predict(X32))
    _assert_close(proba, pipe.predict_proba(X32))


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_every_public_estimator_converts(cls):
    """Found from the package's __all__: a new estimator needs a converter."""
    X, y = _data(3 if is_classifier(cls()) else None)
    est = fast(cls).fit(X, y)
    if is_classifier(est):
        _assert_classifier_agrees(est, X)
    else:
        (out,), X32 = _run(est, X)
        _assert_close(out, est.predict(X32), scaled=True)


def test_wrong_number_of_features():
    X, y = _data(2)
    est = SigmoidNeuronClassifier(max_iter=20).fit(X, y)
    with pytest.raises(ValueError, match="3 features.*fitted with 4"):
        to_onnx(est, X[:1, :3].astype(np.float32))


def test_multilabel_network():
    """An indicator matrix of labels: the σ(z) of each label and σ(z) > 0.5."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(200, 4))
    Y = np.column_stack([X[:, 0] > 0, X[:, 1] + X[:, 2] > 0, X[:, 3] > 0.5]).astype(int)
    try:
        est = fast(FeedForwardClassifier, learning_rate_init=0.05).fit(X, Y)
    except ValueError:
        pytest.skip("FeedForwardClassifier does not fit multilabel targets")
    (label, proba), X32 = _run(est, X, _no_zipmap(est))
    assert label.shape == proba.shape == Y.shape
    np.testing.assert_array_equal(label, est.predict(X32))
    _assert_close(proba, est.predict_proba(X32))


def test_poisson_network():
    """The log link of a Poisson network, when the regressor has that loss."""
    X, _ = _data()
    y = np.random.RandomState(0).poisson(np.exp(X[:, 0] / 3))
    try:
        est = fast(FeedForwardRegressor, loss="poisson").fit(X, y)
    except (ValueError, TypeError):
        pytest.skip("FeedForwardRegressor has no loss='poisson'")
    (out,), X32 = _run(est, X)
    _assert_close(out, est.predict(X32), scaled=True)


def test_docs_page_runs(tmp_path, monkeypatch):
    """The recipes of docs/onnx.rst run and print what the page says."""
    monkeypatch.chdir(tmp_path)  # the page writes a model file
    page = pathlib.Path(__file__).resolve().parents[1] / "docs" / "onnx.rst"
    if not page.exists():  # pragma: no cover - installed without the docs
        pytest.skip("docs/onnx.rst is not in this tree")
    result = doctest.testfile(
        str(page),
        module_relative=False,
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
        raise_on_error=False,
        verbose=False,
    )
    assert result.attempted >= 8
    assert result.failed == 0


def test_float64_normalised_sigmoid_outputs_run_and_sparsified_models_export():
    # onnxruntime has no double Softplus: the double graph of sigmoid outputs
    # divided by their sum computes log σ from double-capable ops instead.
    # A model after sparsify() exports as the dense one.
    X, y = _data(n_classes=3)
    est = SigmoidNeuronClassifier(loss="squared_error", max_iter=20, tol=None).fit(X, y)
    for dtype in (np.float32, np.float64):
        (label, proba), Xd = _run(est, X, _no_zipmap(est), dtype)
        np.testing.assert_allclose(proba, est.predict_proba(Xd),
                                   atol=1e-12 if dtype == np.float64 else TOL)
        np.testing.assert_array_equal(label, est.predict(Xd))
    sparse_est = PerceptronClassifier(penalty="l1", alpha=0.01).fit(X, y).sparsify()
    (label, _), Xd = _run(sparse_est, X, _no_zipmap(sparse_est), np.float32)
    np.testing.assert_array_equal(label, sparse_est.predict(Xd))
