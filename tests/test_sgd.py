"""The shared training loop, driven through a least-squares neuron built here.

``_LeastSquares`` is a linear regressor on the trainer (identity output,
squared error). Its optimum is known in closed form, which makes the loop's
behaviours checkable: penalties, schedules, averaging, stopping, partial_fit.
"""

import pickle
import warnings

import numpy as np
import pytest
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Ridge

from sknn_intuition._base import validate_fit_data, validate_sample_weight
from sknn_intuition._heads import ClassTargets
from sknn_intuition._linear import LinearSGDMixin
from sknn_intuition._sgd import _Plateau, batch_targets, iter_batches


class _LeastSquares(RegressorMixin, LinearSGDMixin, BaseEstimator):
    def __init__(
        self,
        learning_rate_init=0.05,
        alpha=0.0,
        penalty="l2",
        max_iter=200,
        tol=1e-6,
        batch_size="auto",
        shuffle=True,
        learning_rate="constant",
        momentum=0.0,
        solver="sgd",
        average=False,
        early_stopping=False,
        n_iter_no_change=5,
        warm_start=False,
        verbose=0,
        random_state=0,
    ):
        self.learning_rate_init = learning_rate_init
        self.alpha = alpha
        self.penalty = penalty
        self.max_iter = max_iter
        self.tol = tol
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.learning_rate = learning_rate
        self.momentum = momentum
        self.solver = solver
        self.average = average
        self.early_stopping = early_stopping
        self.n_iter_no_change = n_iter_no_change
        self.warm_start = warm_start
        self.verbose = verbose
        self.random_state = random_state

    fit_intercept = True

    # One layer, identity output, squared error: linear least squares.
    def _output(self):
        return "identity"

    def _loss(self):
        return "squared_error"

    def _fit(self, X, y, sample_weight, partial):
        first = not (partial and hasattr(self, "n_iter_"))
        X, y = validate_fit_data(self, X, y, reset=first, classifier=False)
        sw = validate_sample_weight(sample_weight, X)
        return self._sgd_fit(X, y.reshape(-1, 1).astype(X.dtype), sw, y, partial=partial)

    def fit(self, X, y, sample_weight=None):
        return self._fit(X, y, sample_weight, False)

    def partial_fit(self, X, y, sample_weight=None):
        return self._fit(X, y, sample_weight, True)

    def predict(self, X):
        return self.decision_function(X)


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 5))
    y = X @ np.array([1.0, -2.0, 0.5, 0.0, 3.0]) + 0.7 + 0.1 * rng.normal(size=400)
    return X, y


def _ridge(X, y, alpha, sw=None):
    # Our objective: mean loss + alpha ½‖w‖², i.e. Ridge with alpha * N / 2 ...
    # ... on the sum of squares (MSE without ½ has gradient 2/N Σ): ridge_alpha = alpha N / 2.
    n = X.shape[0] if sw is None else sw.sum()
    return Ridge(alpha=alpha * n / 2).fit(X, y, sample_weight=sw)


@pytest.mark.parametrize("alpha", [0.0, 0.1])
def test_full_batch_gradient_descent_reaches_the_ridge_optimum(data, alpha):
    X, y = data
    est = _LeastSquares(alpha=alpha, batch_size=400, max_iter=2000, tol=None)
    est.fit(X, y)
    ref = _ridge(X, y, alpha)
    np.testing.assert_allclose(est.coef_[0], ref.coef_, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(est.intercept_[0], ref.intercept_, rtol=1e-6)


@pytest.mark.parametrize(
    "params",
    [
        dict(average=True, batch_size=16, learning_rate_init=0.05),
        dict(solver="adam", learning_rate_init=0.01, learning_rate="constant", batch_size=32),
        dict(momentum=0.9, learning_rate_init=0.005, batch_size=32),
        dict(learning_rate="invscaling", learning_rate_init=2.0, batch_size=16),
    ],
)
def test_stochastic_variants_get_close_to_the_optimum(data, params):
    X, y = data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est = _LeastSquares(max_iter=60, tol=None, **params).fit(X, y)
    ref = _ridge(X, y, 0.0)
    np.testing.assert_allclose(est.coef_[0], ref.coef_, atol=0.05)


def test_sample_weights_equal_repetition(data):
    X, y = data
    X, y = X[:40], y[:40]
    sw = np.random.default_rng(1).integers(0, 4, size=40)
    kw = dict(batch_size="auto", max_iter=50, tol=None)
    a = _LeastSquares(**kw).fit(X, y, sample_weight=sw)
    b = _LeastSquares(**kw).fit(np.repeat(X, sw, axis=0), np.repeat(y, sw))
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-10)
    np.testing.assert_allclose(a.loss_curve_, b.loss_curve_, rtol=1e-10)


def test_bookkeeping_and_loss_curve(data):
    X, y = data
    est = _LeastSquares(batch_size=50, max_iter=7, tol=None).fit(X, y)
    assert est.n_iter_ == 7 and len(est.loss_curve_) == 7
    assert est.t_ == 7 * 400
    assert est.loss_curve_[-1] < est.loss_curve_[0]
    assert est.loss_ == est.loss_curve_[-1]


def test_tol_stops_and_max_iter_warns(data):
    X, y = data
    est = _LeastSquares(batch_size=50, max_iter=500, tol=1e-3).fit(X, y)
    assert est.n_iter_ < 500
    with pytest.warns(ConvergenceWarning, match="max_iter=2"):
        _LeastSquares(max_iter=2, tol=1e-3).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        _LeastSquares(max_iter=2, tol=None).fit(X, y)  # tol=None: no warning


def test_adaptive_schedule_lowers_the_rate(data):
    X, y = data
    est = _LeastSquares(
        learning_rate="adaptive", learning_rate_init=0.05, batch_size=8, max_iter=300,
        tol=1e-2, n_iter_no_change=2,
    ).fit(X, y)
    assert est._training_state["sgd"]["optimizer"]["learning_rate"] < 0.05
    assert est.n_iter_ < 300


def test_a_phase_is_judged_by_the_level_it_settles_at_not_its_best_epoch():
    # After the rate is lowered, the first epoch can dip far below where the
    # phase settles; the phases are compared by their stalled epochs' mean.
    plateau = _Plateau(tol=1e-3, patience=3)
    for metric in [0.40, 0.31, 0.312, 0.311, 0.313]:
        _, stalled = plateau.update(metric)
    assert stalled and plateau.end_phase()  # the first phase: a gain by definition
    assert plateau.level == pytest.approx(0.312)
    for metric in [0.25, 0.311, 0.312, 0.3115]:  # a dip, then back where it was
        _, stalled = plateau.update(metric)
    assert stalled and not plateau.end_phase()
    for metric in [0.20, 0.21, 0.20, 0.205]:  # a lower level is a gain
        _, stalled = plateau.update(metric)
    assert stalled and plateau.end_phase()


def test_the_stop_at_a_phase_without_gain_is_the_perceptrons_alone(data):
    # The other estimators' 'adaptive' schedule, as scikit-learn's, lowers
    # the rate until it falls below 1e-6.
    X, y = data
    est = _LeastSquares(
        learning_rate="adaptive", learning_rate_init=0.05, batch_size=8, max_iter=500,
        tol=1e-2, n_iter_no_change=2,
    ).fit(X, y)
    assert est._training_state["sgd"]["optimizer"]["learning_rate"] < 1e-6


def test_early_stopping_records_validation_curves_and_restores_best(data):
    X, y = data
    est = _LeastSquares(early_stopping=True, batch_size=32, max_iter=100, tol=1e-4)
    est.fit(X, y)
    assert len(est.validation_loss_curve_) == est.n_iter_
    assert len(est.validation_scores_) == est.n_iter_
    assert est.best_loss_ == min(est.validation_loss_curve_)
    assert est.best_validation_score_ == max(est.validation_scores_)
    # Trained on 90 % of the data: the held-out 10 % are not in the loss.
    assert est.t_ == est.n_iter_ * 360


def test_partial_fit_equals_fit_epoch_by_epoch(data):
    X, y = data
    a = _LeastSquares(batch_size=20, max_iter=4, tol=None, momentum=0.5).fit(X, y)
    b = _LeastSquares(batch_size=20, momentum=0.5)
    for _ in range(4):
        b.partial_fit(X, y)
    np.testing.assert_allclose(a.coef_, b.coef_)
    np.testing.assert_allclose(a.loss_curve_, b.loss_curve_)
    assert b.n_iter_ == 4 and b.t_ == 1600


def test_partial_fit_state_survives_pickle(data):
    X, y = data
    a = _LeastSquares(batch_size=20, momentum=0.9, average=True)
    b = _LeastSquares(batch_size=20, momentum=0.9, average=True)
    for est in (a, b):
        est.partial_fit(X, y)
    b = pickle.loads(pickle.dumps(b))
    a.partial_fit(X, y)
    b.partial_fit(X, y)
    np.testing.assert_array_equal(a.coef_, b.coef_)


def test_warm_start_continues(data):
    X, y = data
    est = _LeastSquares(batch_size=400, max_iter=3, tol=None, warm_start=True)
    est.fit(X, y)
    first = est.coef_.copy()
    est.fit(X, y)
    assert est.n_iter_ == 6 and len(est.loss_curve_) == 6
    cold = _LeastSquares(batch_size=400, max_iter=6, tol=None).fit(X, y)
    np.testing.assert_allclose(est.coef_, cold.coef_)
    assert not np.allclose(first, cold.coef_)


def test_divergence_is_caught_and_names_the_learning_rate(data):
    X, y = data
    est = _LeastSquares(learning_rate_init=1e6, batch_size=10, max_iter=50, tol=None)
    with pytest.raises(ValueError, match=r"diverged.*learning_rate_init=1000000\.0"):
        est.fit(X * 1e100, y)
    # partial_fit: the model from before the bad call is kept, finite.
    est = _LeastSquares(learning_rate_init=0.01).partial_fit(X, y)
    before = est.coef_.copy()
    est.set_params(learning_rate_init=1e300)
    with pytest.raises(ValueError, match="smaller learning_rate_init"):
        est.partial_fit(X * 1e10, y)
    np.testing.assert_array_equal(est.coef_, before)
    assert np.all(np.isfinite(est.predict(X)))


def test_verbose_prints_one_line_per_epoch(data, capsys):
    X, y = data
    _LeastSquares(max_iter=3, tol=None, verbose=1, early_stopping=True).fit(X, y)
    lines = [ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("Epoch")]
    assert len(lines) == 3
    assert "loss = " in lines[0] and "validation loss = " in lines[0] and "time = " in lines[0]


def test_float32_is_kept(data):
    X, y = data
    est = _LeastSquares(max_iter=5, tol=None).fit(X.astype(np.float32), y)
    assert est.coef_.dtype == np.float32 and est.intercept_.dtype == np.float32


@pytest.mark.parametrize("n, batch", [(100, 7), (64, 16), (10, 1), (5, 32)])
def test_iter_batches_is_a_permutation(n, batch):
    rng = np.random.default_rng(0)
    seen = np.concatenate(
        [np.arange(n)[rows] for rows in iter_batches(n, batch, True, rng)]
    )
    assert sorted(seen.tolist()) == list(range(n))
    sizes = [len(np.arange(n)[r]) for r in iter_batches(n, batch, True, rng)]
    assert all(s == min(batch, n) for s in sizes[:-1])
    if batch < n and batch > 1:
        # shuffled: not the identity order
        assert not np.array_equal(seen, np.arange(n))


# ------------------------------------------------- answers a practitioner reads
def test_best_validation_score_is_that_of_the_kept_weights():
    # A warm start whose validation scores are all below an earlier run's:
    # best_validation_score_ and best_loss_ describe the weights kept now.
    from sklearn.datasets import make_classification

    from sknn_intuition import FeedForwardClassifier

    X, y = make_classification(300, 6, random_state=0)
    clf = FeedForwardClassifier(hidden_layer_sizes=(8,), early_stopping=True, max_iter=30,
                                random_state=0, learning_rate_init=0.01)
    clf.fit(X, y)
    earlier = clf.best_validation_score_
    # Warm start on shuffled labels: the new run's validation scores are poor.
    rng = np.random.RandomState(1)
    clf.set_params(warm_start=True, max_iter=5)
    shuffled = rng.permutation(y)
    clf.fit(X, shuffled)
    # The kept weights are those of this run's lowest validation loss.
    losses, scores = clf.validation_loss_curve_[-5:], clf.validation_scores_[-5:]
    best = int(np.argmin(losses))
    assert clf.best_loss_ == pytest.approx(losses[best])
    assert clf.best_validation_score_ == pytest.approx(scores[best])
    assert clf.best_validation_score_ < earlier
    # ... and the score is what the kept weights score on the split.
    np.testing.assert_allclose(clf.score(*_held_out_of(clf, X, shuffled)), scores[best])


@pytest.mark.parametrize("first, second", [("sgd", "adam"), ("adam", "sgd")])
def test_a_solver_changed_between_partial_fits_starts_a_fresh_optimizer(first, second):
    from sknn_intuition import FeedForwardRegressor

    rng = np.random.RandomState(0)
    X = rng.normal(size=(200, 4))
    y = X @ [1.0, -1.0, 0.5, 0.0]
    net = FeedForwardRegressor(hidden_layer_sizes=(5,), solver=first, random_state=0,
                               learning_rate_init=0.01)
    for _ in range(3):
        net.partial_fit(X, y)
    net.set_params(solver=second)
    net.partial_fit(X, y)  # no KeyError, no step left over from the other solver
    state = net._training_state["sgd"]
    assert state["solver"] == second
    if second == "sgd":  # at learning_rate_init, not at Adam's last step
        assert state["optimizer"]["learning_rate"] == pytest.approx(0.01)
        assert "ms" not in state["optimizer"]
    else:  # Adam's moments and step count start with this call
        assert state["optimizer"]["t"] == 1


def _held_out_of(est, X, y):
    """The validation split early stopping set aside (the trainer's own split)."""
    from sklearn.model_selection import train_test_split

    seed = est._training_state["sgd"]["seed"]
    _, val = train_test_split(np.arange(len(y)), test_size=est.validation_fraction,
                              random_state=seed, stratify=y)
    return X[val], y[val]


def test_a_continued_model_at_its_optimum_is_not_diverging_on_noisy_batches():
    # A loss near 0 at the optimum, then one-sample batches of noisier data:
    # their loss is far above the last epoch's, yet nothing runs away.
    from sknn_intuition import FeedForwardRegressor

    rng = np.random.RandomState(0)
    X = rng.normal(size=(200, 2))
    net = FeedForwardRegressor(hidden_layer_sizes=(), solver="sgd", batch_size=1,
                               learning_rate_init=0.05, momentum=0.0, max_iter=300, alpha=0.0,
                               tol=None, random_state=0)
    net.fit(X, X @ [2.0, -1.0] + 1e-5 * rng.normal(size=200))
    assert 0 < net.loss_ < 1e-8
    net.partial_fit(X, X @ [2.0, -1.0] + 0.3 * rng.normal(size=200))
    assert 1e-4 < net.loss_ < 1.0


@pytest.mark.parametrize("n_classes", [2, 3, 40])
@pytest.mark.parametrize("negative", [-1.0, 0.0])
def test_a_batchs_targets_are_the_coding_of_its_classes(n_classes, negative):
    # Row i: `positive` in column codes[i] (one column, "is it class 1?", for
    # two classes), `negative` elsewhere; written out in Fortran order.
    rng = np.random.default_rng(0)
    codes = rng.integers(0, n_classes, size=300)
    if n_classes == 2:
        dense = np.where(codes == 1, 1.0, negative)[:, None]
    else:
        dense = np.full((300, n_classes), negative)
        dense[np.arange(300), codes] = 1.0
    Y = ClassTargets(codes, n_classes, positive=1.0, negative=negative, dtype=np.float32)
    assert Y.shape == dense.shape
    for rows in (slice(10, 74), rng.permutation(300)[:64], np.arange(300)):
        block = batch_targets(Y, rows)
        assert block.flags.f_contiguous and block.dtype == np.float32
        np.testing.assert_array_equal(block, dense[rows])
    np.testing.assert_array_equal(np.asarray(Y[50:80]), dense[50:80])
    sw = rng.uniform(0.5, 2.0, size=300)
    np.testing.assert_allclose(Y.column_means(), dense.mean(axis=0), rtol=1e-6)
    np.testing.assert_allclose(Y.column_means(sw), sw @ dense / sw.sum(), rtol=1e-6)

