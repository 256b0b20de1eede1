"""The displays: they draw what the estimator computes, and import matplotlib lazily."""

import subprocess
import sys

import numpy as np
import pytest
from numpy.testing import assert_allclose

from sknn_intuition import TowerDisplay, TowerRegressor

mpl = pytest.importorskip("matplotlib")
mpl.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_importing_the_package_does_not_import_matplotlib():
    code = (
        "import sys, sknn_intuition, sknn_intuition.plotting; "
        "assert 'matplotlib' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_tower_display_1d_draws_each_tower_and_their_sum():
    X = np.linspace(-3, 3, 300).reshape(-1, 1)
    y = np.sin(2 * X[:, 0])
    est = TowerRegressor(n_towers=9, steepness=30).fit(X, y)
    disp = TowerDisplay.from_estimator(est, X, y)
    assert len(disp.tower_lines_) == 9
    grid, drawn_sum = disp.sum_line_.get_data()
    assert_allclose(drawn_sum, est.predict(grid[:, None]))
    # Each line is one tower: its height times its activation, on the bias.
    T = est.tower_activations(grid[:, None])
    for k, line in enumerate(disp.tower_lines_):
        assert_allclose(line.get_ydata(), est.intercept_[0] + est.heights_[k, 0] * T[:, k])
    # The towers add up to the sum.
    stacked = sum(line.get_ydata() - est.intercept_[0] for line in disp.tower_lines_)
    assert_allclose(stacked + est.intercept_[0], drawn_sum, atol=1e-10)
    assert_allclose(disp.data_.get_offsets(), np.c_[X[:, 0], y])


def test_tower_display_2d_draws_the_surface():
    rng = np.random.default_rng(0)
    X = rng.uniform(-3, 3, size=(500, 2))
    y = np.sin(X[:, 0]) * np.cos(X[:, 1])
    est = TowerRegressor(n_towers=8).fit(X, y)
    disp = TowerDisplay.from_estimator(est, X, y, grid_resolution=15)
    assert disp.ax_.name == "3d"
    xx, yy = disp.grid
    assert_allclose(disp.prediction, est.predict(np.c_[xx.ravel(), yy.ravel()]).reshape(xx.shape))
    _, ax = plt.subplots()
    flat = TowerDisplay.from_estimator(est, X, y, ax=ax, grid_resolution=15)
    assert flat.ax_ is ax and flat.surface_ is not None


def test_tower_display_refuses_three_features_and_bad_output():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(50, 3))
    est = TowerRegressor(n_towers=3).fit(X, X[:, 0])
    with pytest.raises(ValueError, match="1 or 2 features"):
        TowerDisplay.from_estimator(est, X)
    est = TowerRegressor(n_towers=3).fit(X[:, :1], X[:, 0])
    with pytest.raises(ValueError, match="output=2"):
        TowerDisplay.from_estimator(est, X[:, :1], output=2)


def _one_two_one():
    from sknn_intuition import FeedForwardRegressor

    X, y = np.array([[1.5]]), np.array([0.5])
    net = FeedForwardRegressor(hidden_layer_sizes=(2,), activation="sigmoid").partial_fit(X, y)
    net.coefs_[0][:] = [[0.8, -0.4]]
    net.intercepts_[0][:] = [0.2, 0.1]
    net.coefs_[1][:] = [[1.0], [-0.5]]
    net.intercepts_[1][:] = [0.3]
    return net, X


def test_network_diagram_writes_the_weights_and_the_forward_values():
    from sknn_intuition import NetworkDiagram

    net, X = _one_two_one()
    diagram = NetworkDiagram.from_estimator(net, X[0], precision=3)
    assert [len(layer) for layer in diagram.neurons_] == [1, 2, 1]
    assert [c.shape for c in diagram.connections_] == [(1, 2), (2, 1)]
    weights = [t.get_text() for layer in diagram.weight_labels_ for t in layer.ravel()]
    assert weights == ["w = 0.800", "w = -0.400", "w = 1.000", "w = -0.500"]
    texts = " ".join(t.get_text() for t in diagram.ax_.texts)
    # sigma(1.4) = 0.802, sigma(-0.5) = 0.378, the prediction 0.913
    for value in ("value 1.500", "value 0.802", "value 0.378", "value 0.913", "b = 0.300"):
        assert value in texts
    assert "sigmoid" in texts and "identity" in texts


def test_network_diagram_draws_any_numbers_with_its_own_words():
    from sknn_intuition import NetworkDiagram

    diagram = NetworkDiagram(
        coefs=[np.array([[0.25, -1.0]]), np.array([[2.0], [0.0]])],
        intercepts=[np.array([-0.0, 1.0]), np.array([0.5])],
        values=[None, np.array([0.1, 0.2]), np.array([0.3])],
        labels=("dL/dw", "dL/db", "delta"),
        precision=1,
    ).plot()
    texts = [t.get_text() for t in diagram.ax_.texts]
    assert "dL/dw = 0.2" in texts and "dL/dw = -1.0" in texts
    assert any("dL/db = 0.0" in t for t in texts)  # no "-0.0"
    assert any("delta 0.3" in t for t in texts)
    assert not any(t.startswith("delta") and "x" in t for t in texts)


def test_network_diagram_of_a_classifier_shows_the_probability():
    from sknn_intuition import FeedForwardClassifier, NetworkDiagram

    X = np.array([[0.0, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, 0.0]])
    clf = FeedForwardClassifier(hidden_layer_sizes=(3,), random_state=0).partial_fit(
        X, [0, 1, 1, 0], classes=[0, 1]
    )
    diagram = NetworkDiagram.from_estimator(clf, X[1])
    assert [len(layer) for layer in diagram.neurons_] == [2, 3, 1]
    p = clf.predict_proba(X[1:2])[0, 1]
    assert any(f"value {p:.2f}" in t.get_text() for t in diagram.ax_.texts)


def test_network_diagram_needs_a_fitted_network():
    from sklearn.exceptions import NotFittedError

    from sknn_intuition import FeedForwardRegressor, NetworkDiagram

    with pytest.raises(NotFittedError):
        NetworkDiagram.from_estimator(FeedForwardRegressor())


def test_tower_display_fills_one_area_per_tower_on_request():
    X = np.linspace(-3, 3, 200).reshape(-1, 1)
    est = TowerRegressor(n_towers=6, steepness=30).fit(X, np.sin(X[:, 0]))
    plain = TowerDisplay.from_estimator(est, X)
    assert plain.tower_fills_ == []
    filled = TowerDisplay.from_estimator(est, X, fill=True)
    assert len(filled.tower_fills_) == len(filled.tower_lines_) == 6
    # each area spans from the output bias to its tower's top
    for k, area in enumerate(filled.tower_fills_):
        (path,) = area.get_paths()
        top = filled.intercept + filled.towers[:, k]
        ys = path.vertices[:, 1]
        assert ys.min() == pytest.approx(min(filled.intercept, top.min()))
        assert ys.max() == pytest.approx(max(filled.intercept, top.max()))
    colours = {tuple(a.get_facecolor()[0][:3]) for a in filled.tower_fills_}
    assert len(colours) == 2  # neighbours alternate, so the towers can be counted


def test_loss_curve_display_draws_the_training_and_validation_losses():
    import matplotlib

    matplotlib.use("Agg")
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from sknn_intuition import FeedForwardClassifier, LossCurveDisplay, TowerRegressor

    rng = np.random.RandomState(0)
    X = rng.normal(size=(200, 3))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    pipe = make_pipeline(StandardScaler(), FeedForwardClassifier(
        hidden_layer_sizes=(5,), early_stopping=True, max_iter=30, random_state=0))
    pipe.fit(X, y)
    disp = LossCurveDisplay.from_estimator(pipe)
    net = pipe[-1]
    np.testing.assert_allclose(disp.line_.get_ydata(), net.loss_curve_)
    np.testing.assert_allclose(disp.validation_line_.get_ydata(), net.validation_loss_curve_)
    np.testing.assert_array_equal(disp.line_.get_xdata(), np.arange(1, net.n_iter_ + 1))
    assert disp.ax_.get_xlabel() == "epoch" and "FeedForwardClassifier" in disp.ax_.get_title()
    # Without early stopping: the training curve alone.
    plain = TowerRegressor(solver="sgd", max_iter=5, tol=None).fit(X, X[:, 0])
    assert LossCurveDisplay.from_estimator(plain).validation_line_ is None
    from sklearn.linear_model import Ridge

    with pytest.raises(TypeError, match="loss_curve_"):
        LossCurveDisplay.from_estimator(Ridge().fit(X, y))
