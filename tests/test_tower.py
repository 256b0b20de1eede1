"""TowerRegressor: towers of sigmoids, heights by least squares or SGD."""

import pickle
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import sparse
from scipy.special import expit
from sklearn.metrics import r2_score

from sknn_intuition import TowerRegressor


def _target_1d(x):
    return np.sin(2 * x) + 0.3 * np.cos(5 * x)


def _textbook_towers(x, left, right, steepness):
    """σ(s(x - a)) - σ(s(x - c)), s = steepness / (c - a), scaled to peak 1."""
    s = steepness / (right - left)
    t = expit(s * (x[:, None] - left)) - expit(s * (x[:, None] - right))
    return t / np.tanh(steepness / 4)


def _ridge_oracle(T, Y, w, alpha):
    """Weighted ridge with an unpenalised intercept, by an augmented lstsq."""
    n, p = T.shape
    k = Y.shape[1]
    lam = 0.5 * alpha * k * w.sum()
    sq = np.sqrt(w)[:, None]
    A = np.vstack(
        [np.hstack([sq * T, sq]), np.hstack([np.sqrt(lam) * np.eye(p), np.zeros((p, 1))])]
    )
    B = np.vstack([sq * Y, np.zeros((p, k))])
    sol = np.linalg.lstsq(A, B, rcond=None)[0]
    return sol[:p], sol[p]


# ----------------------------------------------------------------- one tower
def test_single_steep_tower_is_its_height_inside_and_zero_outside():
    rng = np.random.default_rng(0)
    x = rng.uniform(-3, 3, 3000)
    # One tower laid out over bounds (0, 1): its walls stand half the range
    # beyond, at -0.5 and 1.5.
    h = 2.5
    y = np.where((x > -0.5) & (x < 1.5), h, 0.0)
    est = TowerRegressor(n_towers=1, steepness=200, bounds=(0, 1), alpha=0.0)
    est.fit(x[:, None], y)
    a, c = est.tower_left_[0], est.tower_right_[0]
    assert (a, c) == (-0.5, 1.5)
    assert_allclose(est.heights_[0, 0], h, atol=0.02)
    assert_allclose(est.intercept_[0], 0.0, atol=0.02)
    # Inside: the height; outside: 0 (away from the walls by 5 / s).
    margin = 5 * (c - a) / 200
    inside = np.linspace(a + margin, c - margin, 50)[:, None]
    outside = np.r_[np.linspace(-3, a - margin, 20), np.linspace(c + margin, 3, 20)]
    assert_allclose(est.predict(inside), h, atol=0.03)
    assert_allclose(est.predict(outside[:, None]), 0.0, atol=0.03)


def test_activations_match_the_textbook_formula():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(200, 1))
    est = TowerRegressor(n_towers=7, steepness=6.0).fit(X, X[:, 0] ** 2)
    x = np.linspace(-4, 4, 301)
    expected = _textbook_towers(x, est.tower_left_, est.tower_right_, 6.0)
    assert_allclose(est.tower_activations(x[:, None]), expected, rtol=1e-12, atol=1e-14)
    # Each tower peaks at 1 at its centre.
    centres = 0.5 * (est.tower_left_ + est.tower_right_)
    assert_allclose(np.diag(est.tower_activations(centres[:, None])), 1.0)
    # The prediction is the towers scaled by their heights, plus the bias.
    assert_allclose(est.predict(x[:, None]), expected @ est.heights_[:, 0] + est.intercept_[0])


def test_uniform_layout_centres_span_the_data_range():
    X = np.linspace(2.0, 6.0, 41)[:, None]
    est = TowerRegressor(n_towers=5).fit(X, X[:, 0])
    centres = 0.5 * (est.tower_left_ + est.tower_right_)
    assert_allclose(centres, [2, 3, 4, 5, 6])
    assert_allclose(est.edges_[0], [1.5, 2.5, 3.5, 4.5, 5.5, 6.5])


def test_quantile_layout_puts_narrow_towers_where_data_are_dense():
    rng = np.random.default_rng(2)
    x = rng.exponential(size=5000)
    est = TowerRegressor(n_towers=10, edges="quantile").fit(x[:, None], x)
    # The centres are the quantiles, the inner walls halfway between them ...
    q = np.quantile(x, np.linspace(0, 1, 10), method="inverted_cdf")
    assert_allclose(est.edges_[0][1:-1], 0.5 * (q[1:] + q[:-1]))
    widths = est.tower_right_ - est.tower_left_
    # ... so towers are narrow where the data are dense (near 0).
    assert widths[0] < widths[-1] / 5
    counts = np.histogram(x, est.edges_[0])[0]
    assert counts[1:-1].min() > 300


# --------------------------------------------------------------- accuracy
def _max_errors(ns, steepness):
    x = np.linspace(-3, 3, 6001)
    x_eval = np.linspace(-2.9, 2.9, 2001)[:, None]
    errs = []
    for n in ns:
        est = TowerRegressor(n_towers=n, steepness=steepness).fit(x[:, None], _target_1d(x))
        errs.append(np.abs(est.predict(x_eval) - _target_1d(x_eval[:, 0])).max())
    return np.array(errs)


def test_max_error_of_steep_towers_falls_as_one_over_n():
    ns = np.array([25, 50, 100, 200])
    errs = _max_errors(ns, steepness=30)
    slope = np.polyfit(np.log(ns), np.log(errs), 1)[0]
    # A staircase of n steps: error about max|f'| · width / 2 ∝ 1 / n.
    assert -1.25 < slope < -0.75
    assert np.all(np.diff(errs) < 0)


def test_default_smooth_towers_fit_at_least_as_fast():
    ns = np.array([25, 50, 100, 200])
    errs = _max_errors(ns, steepness=4.0)
    assert np.polyfit(np.log(ns), np.log(errs), 1)[0] < -0.8
    assert errs[-1] < 0.01


# ------------------------------------------------------------------ solvers
def test_lstsq_matches_a_weighted_ridge_oracle():
    rng = np.random.default_rng(3)
    X = rng.uniform(-1, 1, size=(300, 2))
    Y = np.c_[np.sin(3 * X[:, 0]) + X[:, 1], X[:, 0] * X[:, 1]]
    w = rng.uniform(0.2, 3, size=300)
    est = TowerRegressor(n_towers=6, alpha=1e-3).fit(X, Y, sample_weight=w)
    H, b = _ridge_oracle(est.tower_activations(X), Y, w, 1e-3)
    assert_allclose(est.heights_, H, atol=1e-8)
    assert_allclose(est.intercept_, b, atol=1e-8)


@pytest.mark.parametrize(
    "settings",
    [
        dict(solver="sgd", learning_rate_init=0.05, learning_rate="adaptive", tol=1e-7),
        dict(solver="adam", learning_rate_init=0.01, max_iter=200, tol=None),
    ],
    ids=["sgd", "adam"],
)
def test_sgd_agrees_with_the_exact_solver(settings):
    rng = np.random.default_rng(4)
    x = rng.uniform(-3, 3, 1000)
    y = _target_1d(x)
    common = dict(n_towers=10, alpha=1e-3)
    exact = TowerRegressor(**common).fit(x[:, None], y)
    sgd = TowerRegressor(**common, **settings, batch_size=100, random_state=0)
    sgd.fit(x[:, None], y)
    x_eval = np.linspace(-3, 3, 200)[:, None]
    assert_allclose(sgd.predict(x_eval), exact.predict(x_eval), atol=0.02)
    # The exact solver reaches the minimum; SGD gets close to it.
    assert exact.loss_ <= sgd.loss_curve_[-1] * (1 + 1e-9)
    assert sgd.loss_curve_[-1] < exact.loss_ * 1.05 + 1e-6
    assert sgd.loss_curve_[0] > sgd.loss_curve_[-1]


def test_partial_fit_lstsq_is_exactly_fit_on_all_batches():
    rng = np.random.default_rng(5)
    X = rng.uniform(-2, 2, size=(600, 1))
    y = np.tanh(2 * X[:, 0])
    est = TowerRegressor(n_towers=12, bounds=(-2, 2))
    for rows in np.array_split(np.arange(600), 4):
        est.partial_fit(X[rows], y[rows])
    full = TowerRegressor(n_towers=12, bounds=(-2, 2)).fit(X, y)
    assert_allclose(est.heights_, full.heights_, rtol=1e-6, atol=1e-9)
    assert est.n_iter_ == 4 and est.t_ == 600


def test_partial_fit_keeps_the_layout_of_the_first_call():
    rng = np.random.default_rng(6)
    X = rng.uniform(0, 1, size=(200, 1))
    est = TowerRegressor(n_towers=5, solver="sgd", random_state=0)
    est.partial_fit(X, X[:, 0])
    edges = est.edges_[0].copy()
    losses = []
    for _ in range(20):
        est.partial_fit(X + 5, X[:, 0])  # another range: the layout stays
        losses.append(est.loss_)
    assert_allclose(est.edges_[0], edges)
    assert est.n_iter_ == 21


def test_sgd_partial_fit_lowers_the_loss():
    rng = np.random.default_rng(7)
    X = rng.uniform(-3, 3, size=(1000, 1))
    y = _target_1d(X[:, 0])
    est = TowerRegressor(n_towers=20, solver="sgd", random_state=0)
    for _ in range(30):
        est.partial_fit(X, y)
    assert est.loss_curve_[-1] < 0.2 * est.loss_curve_[0]


def test_early_stopping_records_validation_scores():
    rng = np.random.default_rng(8)
    X = rng.uniform(-3, 3, size=(1000, 1))
    y = _target_1d(X[:, 0])
    est = TowerRegressor(
        n_towers=20, solver="adam", early_stopping=True, random_state=0, max_iter=300
    ).fit(X, y)
    assert len(est.validation_scores_) == est.n_iter_
    assert est.best_validation_score_ > 0.95


def test_multi_output_is_independent_fits_with_scaled_alpha():
    # Loss = mean over K outputs of each MSE, so each output alone sees K·alpha.
    rng = np.random.default_rng(9)
    X = rng.uniform(-1, 1, size=(400, 1))
    Y = np.c_[np.sin(4 * X[:, 0]), np.abs(X[:, 0])]
    both = TowerRegressor(n_towers=15, alpha=1e-3).fit(X, Y)
    assert both.predict(X).shape == (400, 2)
    for k in range(2):
        one = TowerRegressor(n_towers=15, alpha=2e-3).fit(X, Y[:, k])
        assert_allclose(both.predict(X)[:, k], one.predict(X), atol=1e-8)


def test_integer_sample_weight_is_repetition():
    rng = np.random.default_rng(10)
    X = rng.uniform(-1, 1, size=(60, 1))
    y = np.sin(3 * X[:, 0])
    w = rng.integers(0, 4, size=60)
    # With a given alpha (alpha='auto' counts weights as relative: a sample
    # weighted 2 is not two samples to cross-validation).
    for edges in ("uniform", "quantile"):
        a = TowerRegressor(n_towers=8, edges=edges, alpha=1e-6).fit(X, y, sample_weight=w)
        b = TowerRegressor(n_towers=8, edges=edges, alpha=1e-6)
        b.fit(np.repeat(X, w, 0), np.repeat(y, w))
        assert_allclose(a.edges_[0], b.edges_[0])
        assert_allclose(a.predict(X), b.predict(X), atol=1e-8)


def test_float32_is_kept():
    rng = np.random.default_rng(11)
    X = rng.uniform(-3, 3, size=(500, 1))
    y = _target_1d(X[:, 0])
    for solver in ("lstsq", "sgd"):
        e32 = TowerRegressor(n_towers=20, solver=solver, max_iter=20, tol=None, random_state=0)
        e32.fit(X.astype(np.float32), y.astype(np.float32))
        e64 = TowerRegressor(n_towers=20, solver=solver, max_iter=20, tol=None, random_state=0)
        e64.fit(X, y)
        for attr in ("heights_", "intercept_", "tower_left_"):
            assert getattr(e32, attr).dtype == np.float32
        p32 = e32.predict(X.astype(np.float32))
        assert p32.dtype == np.float32
        assert_allclose(p32, e64.predict(X), atol=2e-3)


# ----------------------------------------------------------- several inputs
def _sincos(X):
    return np.sin(X[:, 0]) * np.cos(X[:, 1])


def test_2d_target_with_cells():
    rng = np.random.default_rng(12)
    X = rng.uniform(-3, 3, size=(4000, 2))
    X_test = rng.uniform(-3, 3, size=(2000, 2))
    est = TowerRegressor(n_towers=20).fit(X, _sincos(X))
    assert len(est.cells_) > 0 and est.n_towers_ == 40 + len(est.cells_)
    assert r2_score(_sincos(X_test), est.predict(X_test)) > 0.99
    # The additive model alone cannot represent a product.
    additive = TowerRegressor(n_towers=20, cells=False).fit(X, _sincos(X))
    assert r2_score(_sincos(X_test), additive.predict(X_test)) < 0.1


def test_cell_tower_is_one_inside_its_cell_and_zero_outside():
    X = np.array([[x0, x1] for x0 in np.linspace(0, 3, 13) for x1 in np.linspace(0, 3, 13)])
    est = TowerRegressor(n_towers=4, steepness=40).fit(X, X[:, 0])
    T = est.tower_activations(X)[:, est.n_1d_towers_ :]
    for c, (i, j) in enumerate(est.cells_):
        lo0, hi0 = est.cell_edges_[0][i : i + 2]
        lo1, hi1 = est.cell_edges_[1][j : j + 2]
        inside = (X[:, 0] > lo0) & (X[:, 0] < hi0) & (X[:, 1] > lo1) & (X[:, 1] < hi1)
        on_wall = np.isclose(X[:, 0], [lo0, hi0][0]) | np.isclose(X[:, 0], hi0)
        on_wall |= np.isclose(X[:, 1], lo1) | np.isclose(X[:, 1], hi1)
        assert_allclose(T[inside & ~on_wall, c], 1.0, atol=1e-3)
        assert_allclose(T[~inside & ~on_wall, c], 0.0, atol=1e-3)


def test_cells_only_where_the_data_lie():
    rng = np.random.default_rng(13)
    t = rng.uniform(-3, 3, 2000)
    X = np.c_[t, t + rng.normal(scale=0.1, size=2000)]  # a thin diagonal band
    est = TowerRegressor(n_towers=20).fit(X, _sincos(X))
    assert len(est.cells_) < 0.25 * 20**2
    # Every cell holds at least one training sample.
    idx = np.stack(
        [
            np.clip(np.searchsorted(e, X[:, j], "right") - 1, 0, len(e) - 2)
            for j, e in enumerate(est.cell_edges_)
        ],
        axis=1,
    )
    occupied = {tuple(r) for r in idx}
    assert {tuple(c) for c in est.cells_} == occupied


def test_max_towers_caps_the_cells_with_a_warning():
    rng = np.random.default_rng(14)
    X = rng.uniform(-3, 3, size=(3000, 2))
    with pytest.warns(UserWarning, match=r"max_towers=50.*coarser"):
        est = TowerRegressor(n_towers=20, max_towers=50).fit(X, _sincos(X))
    assert 0 < len(est.cells_) <= 50
    assert len(est.cell_edges_[0]) - 1 < 20


def test_ten_features_use_the_additive_model():
    rng = np.random.default_rng(15)
    X = rng.uniform(-2, 2, size=(3000, 10))
    y = np.sin(2 * X).sum(axis=1)
    X_test = rng.uniform(-2, 2, size=(1000, 10))
    est = TowerRegressor(n_towers=15).fit(X, y)
    assert est.cells_.shape == (0, 10) and est.n_towers_ == 150
    assert r2_score(np.sin(2 * X_test).sum(axis=1), est.predict(X_test)) > 0.98


# ------------------------------------------------------------------ bad input
def test_constant_feature_warns_and_is_harmless():
    rng = np.random.default_rng(16)
    x = rng.uniform(-3, 3, 500)
    X = np.c_[x, np.full(500, 7.0)]
    with pytest.warns(UserWarning, match=r"Features \[1\] are constant"):
        est = TowerRegressor(n_towers=20, cells=False).fit(X, _target_1d(x))
    centres = 0.5 * (est.edges_[1][1:] + est.edges_[1][:-1])
    assert_allclose(centres[[0, -1]], [6.5, 7.5])
    alone = TowerRegressor(n_towers=20).fit(x[:, None], _target_1d(x))
    assert_allclose(est.predict(X), alone.predict(x[:, None]), atol=1e-3)


def test_one_sample_predicts_its_target_with_a_warning():
    # Every feature of one sample is constant: the towers are laid around it.
    with pytest.warns(UserWarning, match=r"Features \[0, 1\] are constant .*1 sample"):
        est = TowerRegressor().fit([[1.0, 5.0]], [2.0])
    assert_allclose(est.predict([[1.0, 5.0], [1.2, 4.9], [100.0, 0.0]]), 2.0)
    # With bounds the layout does not need the data.
    est = TowerRegressor(n_towers=3, bounds=(0, 2)).fit([[1.0]], [2.0])
    assert_allclose(est.predict([[1.0]]), 2.0)


def test_many_more_towers_than_samples_solve_through_the_samples():
    rng = np.random.default_rng(19)
    X = rng.normal(size=(30, 500))  # 500 features x 10 towers = 5000 towers
    y = X[:, 0] - X[:, 1] ** 2
    est = TowerRegressor(n_towers=10, alpha=1e-3).fit(X, y)
    assert est.n_towers_ == 5000 and "lstsq" not in est._training_state
    # The objective is convex: its gradient vanishes at the solution.
    T = est.tower_activations(X)
    residual = T @ est.heights_[:, 0] + est.intercept_[0] - y
    grad_heights = 2 / 30 * T.T @ residual + 1e-3 * est.heights_[:, 0]
    assert_allclose(grad_heights, 0, atol=1e-9)
    assert_allclose(residual.sum(), 0, atol=1e-9)
    with pytest.raises(ValueError, match="partial_fit with solver='lstsq'"):
        TowerRegressor(n_towers=10).partial_fit(X, y)


def test_non_numeric_targets_are_refused():
    with pytest.raises(ValueError, match="y must be numeric"):
        TowerRegressor().fit([[0.0], [1.0]], np.array(["a", "b"]))


@pytest.mark.parametrize("n_towers", [0, -1])
def test_n_towers_below_one_is_refused(n_towers):
    with pytest.raises(ValueError, match="n_towers"):
        TowerRegressor(n_towers=n_towers).fit([[0.0], [1.0]], [0.0, 1.0])


@pytest.mark.parametrize(
    "bounds, match",
    [((1, 0), "low < high"), ([[0, 1], [0, 1]], "shape"), ((0, np.inf), "finite")],
)
def test_bad_bounds(bounds, match):
    with pytest.raises(ValueError, match=match):
        TowerRegressor(bounds=bounds).fit([[0.0], [1.0]], [0.0, 1.0])


def test_unseen_range_falls_back_to_the_output_bias():
    rng = np.random.default_rng(17)
    X = rng.uniform(-3, 3, size=(500, 1))
    est = TowerRegressor().fit(X, _target_1d(X[:, 0]) + 10)
    far = np.array([[-1e6], [-50.0], [50.0], [1e6], [1e300], [-1e300]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pred = est.predict(far)
    assert np.all(np.isfinite(pred))
    assert_allclose(pred, est.intercept_[0], atol=1e-6)
    assert abs(est.intercept_[0] - 10) < 0.5


def test_wrong_number_of_features_at_predict():
    est = TowerRegressor(n_towers=3).fit([[0.0], [1.0], [2.0]], [0.0, 1.0, 0.0])
    with pytest.raises(ValueError, match="features"):
        est.predict([[0.0, 1.0]])


def test_pickle_round_trip():
    rng = np.random.default_rng(18)
    X = rng.uniform(-3, 3, size=(300, 2))
    est = TowerRegressor(n_towers=8).fit(X, _sincos(X))
    again = pickle.loads(pickle.dumps(est))
    assert_allclose(again.predict(X), est.predict(X))


def test_default_towers_fit_small_data_and_generalise():
    """n_towers='auto' takes as many towers as the samples support."""
    from sklearn.model_selection import train_test_split

    rng = np.random.RandomState(0)
    X = rng.uniform(-3, 3, size=(500, 2))
    y = np.sin(X[:, 0]) * np.cos(X[:, 1])
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, random_state=0)
    est = TowerRegressor().fit(X_tr, y_tr)
    assert est.score(X_te, y_te) >= 0.95
    assert len(est.cells_) <= len(X_tr) / 4  # about 5 samples or more per cell
    x = rng.uniform(-3, 3, size=(200, 1))
    y1 = np.sin(2 * x[:, 0]) + 0.3 * np.cos(5 * x[:, 0])
    x_tr, x_te, y1_tr, y1_te = train_test_split(x, y1, random_state=0)
    assert TowerRegressor().fit(x_tr, y1_tr).score(x_te, y1_te) >= 0.98
    # Asking for more towers than the data support: a warning.
    with pytest.warns(UserWarning, match=r"n_towers=30 makes \d+ towers \(60 along the features "
                      r"and \d+ cells\) for 375 samples"):
        TowerRegressor(n_towers=30).fit(X_tr, y_tr)


def _peak_bytes(fn):
    """Bytes allocated at the peak of ``fn()``, above what was allocated before."""
    import tracemalloc

    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        fn()
        return tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("alpha, systems", [(1e-6, 2.5), ("auto", 3.5)])
def test_least_squares_with_many_towers_keeps_two_systems_at_most(alpha, systems):
    """Thousands of towers: the p x p normal equations and their centred copy
    are the only arrays of that size (no temporaries of it while adding the
    data in blocks or while solving); choosing alpha adds the eigenvectors."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(1500, 20))
    y = np.sin(X[:, 0]) * np.cos(X[:, 1])
    est = TowerRegressor(n_towers=100, alpha=alpha)  # 2000 towers: a system of 32 MB
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # 2000 towers for 1500 samples
        peak = _peak_bytes(lambda: est.fit(X, y))
    system = est.n_towers_**2 * 8
    assert est.n_towers_ == 2000
    assert peak < systems * system, f"peak {peak / system:.2f} systems"
    assert est.score(X, y) > 0.5


def test_the_dual_solve_never_holds_all_the_towers_at_once():
    """Many more towers than samples: the towers' activations come a block of
    columns at a time, so memory does not grow with samples x towers."""
    rng = np.random.default_rng(3)
    X = rng.normal(size=(200, 200))
    y = X[:, 0] - X[:, 1] ** 2
    for alpha in (1e-6, "auto"):
        est = TowerRegressor(n_towers=50, alpha=alpha)  # 10 000 towers: 16 MB at once
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # 10 000 towers for 200 samples
            peak = _peak_bytes(lambda est=est: est.fit(X, y))
        assert est.n_towers_ == 10_000
        assert peak < 12e6, f"peak {peak / 1e6:.1f} MB"  # under one copy of them all
    assert TowerRegressor(n_towers=50, alpha=1e-6).fit(X, y).score(X, y) > 0.99


# ------------------------------------------------------------ the stack
def _textbook_cells(X, cell_edges, cells, steepness):
    """σ(k (Σ_j tower_j(x_j) - (d - ½))), tower_j the textbook tower of interval j."""
    S = np.zeros((len(X), len(cells)))
    for j, walls in enumerate(cell_edges):
        towers = _textbook_towers(X[:, j], walls[:-1], walls[1:], steepness)
        S += towers[:, cells[:, j]]
    return 1.0 / (1.0 + np.exp(-steepness * (S - (X.shape[1] - 0.5))))


@pytest.mark.parametrize("max_towers", [1000, 30], ids=["same grid", "coarser grid"])
def test_cell_towers_match_the_textbook_formula(max_towers):
    rng = np.random.default_rng(20)
    X = rng.uniform(-2, 2, size=(800, 2))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the coarser grid's warning
        est = TowerRegressor(n_towers=10, steepness=8.0, max_towers=max_towers)
        est.fit(X, _sincos(X))
    assert len(est.cells_) > 0
    Xt = rng.uniform(-2.5, 2.5, size=(300, 2))
    T = est.tower_activations(Xt)
    expected = _textbook_cells(Xt, est.cell_edges_, est.cells_, 8.0)
    assert_allclose(T[:, est.n_1d_towers_ :], expected, rtol=1e-12, atol=1e-14)
    one_d = [
        _textbook_towers(Xt[:, j], est.tower_left_[f], est.tower_right_[f], 8.0)
        for j in range(2)
        for f in [est.tower_feature_ == j]
    ]
    assert_allclose(T[:, : est.n_1d_towers_], np.hstack(one_d), rtol=1e-12, atol=1e-14)


def test_sgd_steps_are_the_textbook_gradient_steps():
    """Forward through the built layers, the loss, backward into the heights:
    each step is ``H -= lr (Tᵀ 2 (T H + b - y) / n + alpha H)``."""
    rng = np.random.default_rng(21)
    X = rng.uniform(-1, 1, size=(120, 2))
    y = _sincos(3 * X)
    lr, alpha = 0.2, 0.01
    est = TowerRegressor(
        n_towers=4,
        solver="sgd",
        momentum=0.0,
        batch_size=120,
        shuffle=False,
        alpha=alpha,
        learning_rate_init=lr,
    )
    est.partial_fit(X, y)
    T = est.tower_activations(X)  # the textbook towers and cells (tests above)
    assert T.shape[1] == 8 + len(est.cells_) > 8
    H, b = np.zeros(T.shape[1]), 0.0
    for step in range(3):
        if step:
            est.partial_fit(X, y)
        r = 2 * (T @ H + b - y) / len(y)
        H, b = H - lr * (T.T @ r + alpha * H), b - lr * r.sum()
        assert_allclose(est.heights_[:, 0], H, rtol=1e-10, atol=1e-13)
        assert_allclose(est.intercept_[0], b, rtol=1e-10)


def test_the_trainer_sees_the_whole_stack_and_trains_its_top_layer(monkeypatch):
    from sknn_intuition import _network, _tower

    # Activations never kept: the trainer runs the whole stack on each batch.
    monkeypatch.setattr(_tower, "_SGD_KEEP_BYTES", 0)

    seen = []
    backward = _network.backward

    def spy(stack, X, outputs, D, coef_grads, intercept_grads, workspace=None):
        seen.append((stack, list(coef_grads), list(intercept_grads), [o.shape for o in outputs]))
        return backward(stack, X, outputs, D, coef_grads, intercept_grads, workspace)

    monkeypatch.setattr(_network, "backward", spy)
    rng = np.random.default_rng(22)
    X = rng.uniform(-2, 2, size=(300, 10))
    est = TowerRegressor(n_towers=15, solver="adam", max_iter=2, tol=None, batch_size=100)
    est.fit(X, np.sin(X).sum(axis=1))
    assert len(seen) == 6  # 2 epochs of 3 batches
    stack, coef_grads, intercept_grads, shapes = seen[0]
    assert len(stack.coefs) == 3 and stack.frozen == 2
    assert stack.activations == ["sigmoid", "identity"] and stack.output == "identity"
    assert coef_grads[:2] == [None, None] and intercept_grads[:2] == [None, None]
    assert coef_grads[2].shape == est.heights_.shape
    # 15 uniform towers per feature stand on 16 walls; the towers' layer is
    # large and nearly empty (two walls per tower): a sparse matrix.
    assert shapes == [(100, 160), (100, 150), (100, 1)]
    assert sparse.issparse(stack.coefs[1]) and stack.coefs[1].nnz == 300


@pytest.mark.parametrize("edges, walls", [("uniform", 13), ("quantile", 24)])
def test_neighbouring_towers_of_one_width_share_a_wall(edges, walls):
    rng = np.random.default_rng(23)
    X = rng.normal(size=(500, 1))
    est = TowerRegressor(n_towers=12, edges=edges).fit(X, X[:, 0])
    W1 = est._frozen_layers().coefs[0]
    assert W1.shape == (1, walls)
    # Every wall is a neuron σ(s x - s a) standing at a wall of the layout.
    assert set(np.round(est._frozen_layers().intercepts[0] / -W1[0], 9)) <= set(
        np.round(est.edges_[0], 9)
    )


def test_the_towers_compute_no_activation_of_their_own():
    """The sigmoid is written once, in _activations: the tower modules only
    build weights and call the network."""
    import inspect

    from sknn_intuition import _tower, _tower_layout

    for module in (_tower, _tower_layout):
        source = inspect.getsource(module)
        for formula in ("expit", "np.exp(", "1 + np.exp", "logistic"):
            assert formula not in source, (module.__name__, formula)


def test_the_layout_is_plain_functions_of_the_data():
    from sknn_intuition import _tower_layout as layout

    # Walls halfway between centres, half a gap beyond the ends.
    assert_allclose(layout.walls_around(np.array([0.0, 1.0, 3.0])), [-0.5, 0.5, 2.0, 4.0])
    # Integer weights are repetitions, zero weights play no part.
    x, w = np.array([3.0, 1.0, 2.0, 9.0]), np.array([2, 1, 3, 0])
    q = np.linspace(0, 1, 5)
    repeated = np.repeat(x, w)
    assert_allclose(
        layout.weighted_quantiles(x, w, q), np.quantile(repeated, q, method="inverted_cdf")
    )
    rng = np.random.default_rng(24)
    X = rng.uniform(-1, 1, size=(400, 2))
    params = dict(n_towers=6, steepness=4.0, edges="uniform", cells="auto", max_towers=1000)
    attrs = layout.layout(X, None, bounds=None, **params)
    est = TowerRegressor(**params).fit(X, X[:, 0])
    assert attrs.keys() <= vars(est).keys()
    for name, value in attrs.items():
        if isinstance(value, list):
            assert all(np.array_equal(a, b) for a, b in zip(value, getattr(est, name)))
        else:
            assert np.array_equal(value, getattr(est, name)), name
    with pytest.raises(ValueError, match="low < high"):
        layout.layout(X, None, bounds=[(0, 1), (1, 1)], **params)
