"""TowerRegressor's 'auto' choices (towers per feature, alpha) by generalised cross-validation."""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.datasets import load_diabetes
from sklearn.linear_model import Ridge, RidgeCV
from sklearn.model_selection import cross_val_score

from sknn_intuition import TowerRegressor


def _curve(n, seed=0, noise=0.1):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-3, 3, size=(n, 1))
    return X, np.sin(2 * X[:, 0]) + noise * rng.normal(size=n)


def test_auto_generalises_with_many_features_as_well_as_ridge():
    """Ten features, 354 training rows a fold: 30 towers per feature overfitted
    (R² far below 0); the towers and the penalty chosen by GCV do not."""
    X, y = load_diabetes(return_X_y=True)
    towers = cross_val_score(TowerRegressor(), X, y, cv=5)
    ridge = cross_val_score(RidgeCV(), X, y, cv=5)
    assert towers.mean() >= ridge.mean() - 0.02, (towers, ridge)
    assert towers.min() > 0.3


def _textbook_gcv(T, y, w, alpha):
    """GCV of weighted ridge with an unpenalised bias, from its hat matrix.

    The weights count in units of the smallest: ``n = Σ w / min w`` samples.
    """
    n, p = T.shape
    lam = 0.5 * alpha * w.sum()
    A = np.c_[np.ones(n), T]
    P = np.diag(np.r_[0.0, np.full(p, lam)])
    hat = A @ np.linalg.solve(A.T @ (w[:, None] * A) + P, A.T * w)
    e = y - hat @ y
    return (w @ e**2 / w.sum()) / (1 - np.trace(hat) / (w.sum() / w.min())) ** 2


def test_the_penalty_is_chosen_by_the_textbook_gcv():
    X, y = _curve(120, seed=1, noise=0.3)
    w = np.random.default_rng(2).uniform(0.2, 3.0, size=120)
    est = TowerRegressor(n_towers=9, alpha="auto").fit(X, y, sample_weight=w)
    T = est.tower_activations(X)
    alphas = est.cv_results_["alpha"]
    want = [_textbook_gcv(T, y, w, a) for a in alphas]
    assert_allclose(est.cv_results_["gcv"][0], want, rtol=1e-6)
    assert est.alpha_ == alphas[np.argmin(want)]
    assert alphas.min() < est.alpha_ < alphas.max()  # an inner minimum here
    # The heights are those of ridge at the chosen penalty, on the same towers.
    ref = Ridge(alpha=0.5 * est.alpha_ * w.sum()).fit(T, y, sample_weight=w)
    assert_allclose(est.heights_[:, 0], ref.coef_, rtol=1e-6, atol=1e-8)


def test_n_towers_auto_takes_the_candidate_of_least_gcv():
    X, y = _curve(400, seed=3)
    est = TowerRegressor().fit(X, y)
    res = est.cv_results_
    i, j = np.unravel_index(np.nanargmin(res["gcv"]), res["gcv"].shape)
    assert est.n_towers_per_feature_ == res["n_towers_per_feature"][i]
    assert est.alpha_ == res["alpha"][j] and est.n_towers_ == res["n_towers"][i]
    assert len(res["n_towers_per_feature"]) > 3
    # The chosen candidate, asked for by name, gives the same model.
    same = TowerRegressor(n_towers=int(est.n_towers_per_feature_), alpha=est.alpha_).fit(X, y)
    assert_allclose(same.predict(X), est.predict(X), rtol=1e-10, atol=1e-12)


def test_the_scan_stops_where_fewer_towers_underfit(monkeypatch):
    """From the most towers down: the smallest counts of a smooth curve are not
    scored, and the choice is that of the whole scan. On noise alone the
    scores stay flat, and every count is scored; so too when the fits
    interpolate (scored 0 up to rounding, whatever their rises)."""
    from sknn_intuition import _tower

    X, y = _curve(3000, seed=15, noise=0.01)
    rng = np.random.default_rng(0)
    # 5 features, 80 samples, weights 0 to 3: the largest counts interpolate.
    Xi, yi, wi = rng.uniform(-3, 3, (80, 5)), rng.normal(size=80), rng.integers(0, 4, 80)
    fits = [
        TowerRegressor().fit(X, y),
        TowerRegressor().fit(X, np.random.default_rng(16).normal(size=3000)),
        TowerRegressor().fit(Xi, yi, sample_weight=wi),
    ]
    scored = ~np.all(np.isnan(fits[0].cv_results_["gcv"]), axis=1)
    assert not scored[0] and scored[-1]
    assert np.all(scored[np.argmax(scored):])  # a run down from the largest
    for est in fits[1:]:
        assert not np.isnan(est.cv_results_["gcv"]).any()
    monkeypatch.setattr(_tower, "_FAR", np.inf)
    monkeypatch.setattr(_tower, "_RISE", np.inf)
    whole = [
        TowerRegressor().fit(X, y),
        TowerRegressor().fit(X, np.random.default_rng(16).normal(size=3000)),
        TowerRegressor().fit(Xi, yi, sample_weight=wi),
    ]
    assert not np.isnan(whole[0].cv_results_["gcv"]).any()
    for est, ref in zip(fits, whole):
        assert (est.n_towers_per_feature_, est.alpha_) == (ref.n_towers_per_feature_, ref.alpha_)
    assert_allclose(fits[0].cv_results_["gcv"][scored], whole[0].cv_results_["gcv"][scored])


def test_auto_ignores_the_scale_of_the_weights():
    """Weights normalised to sum 1 are the same weights: 'auto' chose one tower."""
    X, y = _curve(300, seed=4)
    w = np.random.default_rng(5).uniform(0.5, 2.0, size=300)
    a = TowerRegressor().fit(X, y, sample_weight=w)
    b = TowerRegressor().fit(X, y, sample_weight=w / w.sum())
    assert a.n_towers_ == b.n_towers_ > 5
    assert_allclose(a.predict(X), b.predict(X), rtol=1e-8, atol=1e-10)
    assert b.score(X, y) > 0.9


def test_the_gcv_of_the_samples_system_is_that_of_the_towers_system():
    """Wide data (more towers than samples) are scored through the n x n system."""
    rng = np.random.default_rng(6)
    X = rng.uniform(-1, 1, size=(60, 8))
    y = np.sin(3 * X[:, 0]) + X[:, 1]
    wide = TowerRegressor(n_towers=12, alpha="auto")  # 96 towers, 60 samples
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # more towers than samples
        wide.fit(X, y)
    T = wide.tower_activations(X)
    want = [_textbook_gcv(T, y, np.ones(60), a) for a in wide.cv_results_["alpha"]]
    assert_allclose(wide.cv_results_["gcv"][0], want, rtol=1e-6)


def test_the_warning_counts_every_tower():
    """Ten features x 20 towers are 200 towers for 300 samples."""
    rng = np.random.default_rng(7)
    X = rng.uniform(size=(300, 10))
    with pytest.warns(UserWarning, match=r"n_towers=20 makes 200 towers .* for 300 samples"):
        TowerRegressor(n_towers=20).fit(X, X.sum(axis=1))


def test_defaults_do_not_warn_on_ordinary_data():
    rng = np.random.default_rng(8)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for n, params in ((300, {}), (1000, {"max_towers": 100})):
            X = rng.uniform(size=(n, 3))
            est = TowerRegressor(**params).fit(X, np.sin(3 * X).sum(axis=1))
            assert len(est.cells_) <= params.get("max_towers", 1000)


def test_quantile_edges_with_bounds():
    """The quantiles of the data clipped to the bounds; the outer towers on the bounds."""
    x = np.random.default_rng(9).exponential(size=2000)
    est = TowerRegressor(n_towers=8, edges="quantile", bounds=(0, 4), alpha=1e-6)
    est.fit(x[:, None], x)
    centres = 0.5 * (est.edges_[0][1:] + est.edges_[0][:-1])
    q = np.quantile(np.clip(x, 0, 4), np.linspace(0, 1, 8), method="inverted_cdf")
    assert_allclose(centres[[0, -1]], [0, 4])
    assert_allclose(est.edges_[0][2:-2], 0.5 * (q[2:-1] + q[1:-2]))
    widths = np.diff(est.edges_[0])
    assert widths[1] < widths[-2] / 3  # narrow where the data are dense


def test_the_loss_of_huge_targets_is_finite():
    X, y = _curve(300, seed=10)
    small = TowerRegressor(n_towers=10, alpha=1e-6).fit(X, y)
    huge = TowerRegressor(n_towers=10, alpha=1e-6).fit(X, 1e155 * y)
    assert_allclose(huge.predict(X) / 1e155, small.predict(X), rtol=1e-9, atol=1e-12)
    assert np.isfinite(huge.loss_)
    assert_allclose(huge.loss_ / 1e155 / 1e155, small.loss_, rtol=1e-9)


# ------------------------------------------------------------------- SGD
def test_sgd_takes_the_exact_selection_on_a_subset():
    X, y = _curve(3000, seed=11)
    est = TowerRegressor(solver="adam", max_iter=30, tol=None, random_state=0).fit(X, y)
    exact = TowerRegressor().fit(X, y)
    assert est.n_towers_per_feature_ > 5 and est.alpha_ in est.cv_results_["alpha"]
    assert est.score(X, y) > exact.score(X, y) - 0.05


@pytest.mark.parametrize("early_stopping", [False, True])
def test_sgd_on_kept_activations_is_sgd_through_the_stack(early_stopping, monkeypatch):
    """The towers' activations computed once, or for each batch: the same steps."""
    from sknn_intuition import _tower

    X, y = _curve(1500, seed=12)
    params = dict(n_towers=15, alpha=1e-4, solver="sgd", max_iter=8, tol=None,
                  random_state=0, early_stopping=early_stopping)
    kept = TowerRegressor(**params).fit(X, y)
    monkeypatch.setattr(_tower, "_SGD_KEEP_BYTES", 0)
    batch = TowerRegressor(**params).fit(X, y)
    assert_allclose(kept.heights_, batch.heights_, rtol=1e-10, atol=1e-12)
    assert_allclose(kept.loss_curve_, batch.loss_curve_, rtol=1e-10)
    if early_stopping:
        assert_allclose(kept.validation_scores_, batch.validation_scores_, rtol=1e-10)
        assert_allclose(kept.validation_loss_curve_, batch.validation_loss_curve_, rtol=1e-10)
    assert "_towers_kept" not in vars(kept)


def test_sgd_memory_stays_bounded_on_large_data():
    """100 000 x 10 with 30 towers a feature: the activations (240 MB) are
    computed a batch at a time, not kept."""
    from test_tower import _peak_bytes

    rng = np.random.default_rng(13)
    X = rng.uniform(-1, 1, size=(100_000, 10))
    y = np.sin(3 * X[:, 0])
    est = TowerRegressor(n_towers=30, alpha=1e-6, solver="sgd", max_iter=1, tol=None)
    peak = _peak_bytes(lambda: est.fit(X, y))
    assert peak < 100e6, f"peak {peak / 1e6:.0f} MB"


@pytest.mark.parametrize("pipeline", [False, True])
def test_tower_display_names_the_axes_after_the_dataframe(pipeline):
    import matplotlib

    matplotlib.use("Agg")
    pd = pytest.importorskip("pandas")
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from sknn_intuition import TowerDisplay

    rng = np.random.default_rng(14)
    for cols in (["age"], ["age", "dose"]):
        X = pd.DataFrame(rng.uniform(-2, 2, size=(200, len(cols))), columns=cols)
        y = np.sin(X["age"].to_numpy())
        est = TowerRegressor(n_towers=6)
        est = make_pipeline(StandardScaler(), est) if pipeline else est
        est.fit(X, y)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            disp = TowerDisplay.from_estimator(est, X, y, grid_resolution=20)
        assert disp.ax_.get_xlabel() == "age"
        if len(cols) == 2:
            assert disp.ax_.get_ylabel() == "dose"
        # Drawn from an array, the labels are still the names the model knows.
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            disp = TowerDisplay.from_estimator(est, X.to_numpy(), y, grid_resolution=20)
        assert disp.ax_.get_xlabel() == "age"
    import matplotlib.pyplot as plt

    plt.close("all")
