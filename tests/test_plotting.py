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
