"""Every public estimator inside scikit-learn's own tools.

Pipelines, searches, cross-validation, inspection, meta-estimators, data
frames, metadata routing, progress output and callbacks, and the memory a fit
takes. The estimators are found from ``sknn_intuition.__all__`` and split into
classifiers and regressors with ``is_classifier`` / ``is_regressor``, so each
new estimator is covered as soon as it is exported. Each test checks what the
tool computes against a second computation (the members' own predictions, a
brute-force average, a direct fit), not only that it runs.
"""

import inspect
import io
import pickle
import re
import tracemalloc
import warnings

import numpy as np
import pytest
from sklearn import config_context
from sklearn.base import BaseEstimator, clone, is_classifier, is_regressor
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import TransformedTargetRegressor
from sklearn.datasets import make_classification
from sklearn.ensemble import (
    BaggingClassifier,
    BaggingRegressor,
    StackingRegressor,
    VotingClassifier,
)
from sklearn.exceptions import ConvergenceWarning, UnsetMetadataPassedError
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.inspection import partial_dependence, permutation_importance
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.metrics import accuracy_score, get_scorer, r2_score, roc_auc_score
from sklearn.model_selection import (
    GridSearchCV,
    HalvingRandomSearchCV,
    RandomizedSearchCV,
    cross_validate,
    learning_curve,
)
from sklearn.multiclass import OneVsRestClassifier
from sklearn.multioutput import MultiOutputRegressor
from sklearn.naive_bayes import GaussianNB
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

import sknn_intuition
from sknn_intuition._optimizers import OPTIMIZERS


def _public_estimators():
    for name in sorted(sknn_intuition.__all__):
        obj = getattr(sknn_intuition, name)
        if inspect.isclass(obj) and issubclass(obj, BaseEstimator):
            yield obj


ESTIMATORS = list(_public_estimators())
CLASSIFIERS = [c for c in ESTIMATORS if is_classifier(c())]
REGRESSORS = [c for c in ESTIMATORS if is_regressor(c())]
ids = lambda cls: cls.__name__

# Few epochs of small batches, a fixed seed, and small hidden layers: enough
# to learn the easy problems below in a fraction of a second.
FAST = {
    "max_iter": 30,
    "tol": None,
    "random_state": 0,
    "batch_size": 32,
    "hidden_layer_sizes": (16,),
    "learning_rate_init": 0.01,
    "n_towers": 8,
}


def make(cls, **params):
    """An instance of ``cls`` with the fast settings it has, then ``params``."""
    est = cls()
    names = est.get_params()
    settings = {k: v for k, v in FAST.items() if k in names}
    if "hidden_layer_sizes" not in names:  # the networks' default rate is for long fits
        settings.pop("learning_rate_init", None)
    settings.update(params)
    return est.set_params(**settings)


def make_sgd(cls, **params):
    """As :func:`make`, but trained epoch by epoch by the shared loop.

    An estimator whose default solver is not one of the loop's optimizers
    (e.g. an exact least-squares solve) is switched to plain SGD.
    """
    est = make(cls, **params)
    solver = est.get_params().get("solver")
    if solver is not None and solver not in OPTIMIZERS and "solver" not in params:
        est.set_params(solver="sgd")
    return est


# ----------------------------------------------------------------- the data
def classification_data(n_classes=2, n_samples=240, seed=0):
    """Standardised, well separated classes; the first 2 features informative."""
    X, y = make_classification(
        n_samples=n_samples,
        n_features=5,
        n_informative=2,
        n_redundant=0,
        n_clusters_per_class=1,
        n_classes=n_classes,
        class_sep=2.0,
        shuffle=False,
        random_state=seed,
    )
    rng = np.random.default_rng(seed)
    order = rng.permutation(n_samples)  # rows shuffled, columns kept in place
    X, y = X[order], y[order]
    X = StandardScaler().fit_transform(X)
    return X, y


def regression_data(n_samples=240, seed=0):
    """y depends smoothly on the first 2 of 5 standard-normal features."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, 5))
    y = 1.5 * X[:, 0] - X[:, 1] + 0.5 * np.tanh(X[:, 0]) + 0.1 * rng.standard_normal(n_samples)
    return X, y


def data_for(cls, n_classes=2):
    if is_classifier(cls()):
        return classification_data(n_classes)
    return regression_data()


def split(X, y, n_train=160):
    return X[:n_train], y[:n_train], X[n_train:], y[n_train:]


def baseline(cls, y):
    """Score of the best constant prediction (accuracy or R²)."""
    if is_classifier(cls()):
        return np.max(np.unique(y, return_counts=True)[1]) / len(y)
    return 0.0


# How far above the constant prediction a fitted model must score.
MARGIN = 0.25


def assert_learns(cls, score, y):
    assert score > baseline(cls, y) + MARGIN, (
        f"{cls.__name__} scored {score:.3f}; a constant prediction scores "
        f"{baseline(cls, y):.3f}"
    )


def predict_values(est, X):
    """What the tools below compare: decision values where they exist."""
    for method in ("decision_function", "predict"):
        if hasattr(est, method):
            return getattr(est, method)(X)


# ------------------------------------------------------------ bad vs good
def bad_and_good(cls):
    """A parameter with a clearly worse and a clearly better value, and the data.

    The bias (``fit_intercept``) when the estimator has one, on data whose
    classes or target sit away from the origin;
    the number of towers; or else the number of epochs.
    """
    est = make(cls)
    params = est.get_params()
    X, y = data_for(cls)
    if "fit_intercept" in params:
        X = X.copy()
        if is_classifier(est):
            # Move the classes along the normal of their boundary: a boundary
            # through the origin is then across the classes, not between them.
            normal = LogisticRegression().fit(X[:, :2], y).coef_[0]
            X[:, :2] += 4.0 * normal / np.linalg.norm(normal)
        else:
            y = y + 10.0
        return "fit_intercept", [False, True], X, y
    if "n_towers" in params:
        return "n_towers", [1, 8], X, y
    return "max_iter", [1, 30], X, y


# ======================================================= scikit-learn's tools
@pytest.mark.parametrize("cls", ESTIMATORS, ids=ids)
def test_pipeline_scales_then_fits(cls):
    X, y = data_for(cls)
    X_raw = X * np.array([1.0, 10.0, 100.0, 0.1, 5.0]) + 50.0
    X_tr, y_tr, X_te, y_te = split(X_raw, y)
    pipe = make_pipeline(StandardScaler(), make(cls)).fit(X_tr, y_tr)
    # Oracle: the same two steps by hand.
    scaler = StandardScaler().fit(X_tr)
    direct = make(cls).fit(scaler.transform(X_tr), y_tr)
    np.testing.assert_array_equal(pipe.predict(X_te), direct.predict(scaler.transform(X_te)))
    assert_learns(cls, pipe.score(X_te, y_te), y_te)


@pytest.mark.parametrize(
    "search",
    [
        lambda est, grid: GridSearchCV(est, grid, cv=3),
        lambda est, grid: RandomizedSearchCV(est, grid, n_iter=2, cv=3, random_state=0),
        lambda est, grid: HalvingRandomSearchCV(
            est, grid, n_candidates=2, factor=2, min_resources=50, cv=3, random_state=0
        ),
    ],
    ids=["GridSearchCV", "RandomizedSearchCV", "HalvingRandomSearchCV"],
)
@pytest.mark.parametrize("cls", ESTIMATORS, ids=ids)
def test_search_picks_the_clearly_better_setting(cls, search):
    name, (bad, good), X, y = bad_and_good(cls)
    X_tr, y_tr, X_te, y_te = split(X, y)
    s = search(make(cls), {name: [bad, good]}).fit(X_tr, y_tr)
    assert s.best_params_ == {name: good}
    scores = dict(zip([p[name] for p in s.cv_results_["params"]], s.cv_results_["mean_test_score"]))
    assert scores[good] > scores[bad] + 0.1, scores  # clearly different
    refit = make(cls, **{name: good}).fit(X_tr, y_tr)
    np.testing.assert_allclose(s.predict(X_te), refit.predict(X_te))
    if isinstance(s, HalvingRandomSearchCV):
        assert list(s.n_resources_) == sorted(s.n_resources_)
        assert len(s.n_resources_) == 2


@pytest.mark.parametrize("cls", ESTIMATORS, ids=ids)
def test_cross_validate_in_parallel_matches_sequential(cls):
    X, y = data_for(cls)
    est = make(cls)
    parallel = cross_validate(est, X, y, cv=3, n_jobs=2, return_train_score=True)
    sequential = cross_validate(est, X, y, cv=3, n_jobs=1, return_train_score=True)
    np.testing.assert_allclose(parallel["test_score"], sequential["test_score"])
    np.testing.assert_allclose(parallel["train_score"], sequential["train_score"])
    assert_learns(cls, parallel["test_score"].mean(), y)


@pytest.mark.parametrize("cls", ESTIMATORS, ids=ids)
def test_learning_curve(cls):
    X, y = data_for(cls)
    sizes, train, test = learning_curve(make(cls), X, y, train_sizes=[0.25, 1.0], cv=3)
    np.testing.assert_array_equal(sizes, [40, 160])
    assert train.shape == test.shape == (2, 3)
    assert_learns(cls, test[-1].mean(), y)


@pytest.mark.parametrize("cls", ESTIMATORS, ids=ids)
def test_permutation_importance_finds_the_informative_features(cls):
    X, y = data_for(cls)
    X_tr, y_tr, X_te, y_te = split(X, y)
    est = make(cls).fit(X_tr, y_tr)
    result = permutation_importance(est, X_te, y_te, n_repeats=5, random_state=0)
    informative, noise = result.importances_mean[:2], result.importances_mean[2:]
    # The most important feature is an informative one, by a clear margin
    # (make_classification may separate the classes along one of them only).
    assert informative.max() > noise.max() + 0.1, result.importances_mean
    assert informative.sum() > 3 * np.abs(noise).sum(), result.importances_mean


@pytest.mark.parametrize("cls", ESTIMATORS, ids=ids)
def test_partial_dependence_is_the_brute_force_average(cls):
    X, y = data_for(cls)
    est = make(cls).fit(X, y)
    response = "decision_function" if hasattr(est, "decision_function") else "auto"
    if is_classifier(est) and not hasattr(est, "decision_function"):
        response = "predict_proba"
    ranges = []
    for feature in (0, 1, 3):  # informative, informative, noise
        pd = partial_dependence(
            est, X, [feature], grid_resolution=7, kind="average", response_method=response
        )
        grid = pd["grid_values"][0]
        # Oracle: set the feature to each grid value for every sample, average.
        expected = []
        for v in grid:
            X_v = X.copy()
            X_v[:, feature] = v
            if response == "predict_proba":
                out = est.predict_proba(X_v)[:, 1]
            elif response == "decision_function":
                out = est.decision_function(X_v)
            else:
                out = est.predict(X_v)
            expected.append(out.mean())
        np.testing.assert_allclose(pd["average"][0], expected, rtol=1e-5, atol=1e-6)
        ranges.append(np.ptp(pd["average"][0]))
    assert max(ranges[:2]) > 3 * ranges[2], ranges


# ---------------------------------------------------------------- classifiers
@pytest.mark.parametrize("cls", CLASSIFIERS, ids=ids)
def test_calibrated_classifier(cls):
    X, y = classification_data()
    X_tr, y_tr, X_te, y_te = split(X, y)
    cal = CalibratedClassifierCV(make(cls), cv=3, method="sigmoid").fit(X_tr, y_tr)
    proba = cal.predict_proba(X_te)
    assert proba.shape == (len(y_te), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert roc_auc_score(y_te, proba[:, 1]) > 0.9
    # Oracle: the average of the calibrated copies' probabilities.
    members = np.mean([c.predict_proba(X_te) for c in cal.calibrated_classifiers_], axis=0)
    np.testing.assert_allclose(proba, members)
    assert_learns(cls, accuracy_score(y_te, cal.predict(X_te)), y_te)


@pytest.mark.parametrize("cls", CLASSIFIERS, ids=ids)
def test_voting_classifier(cls):
    X, y = classification_data()
    X_tr, y_tr, X_te, y_te = split(X, y)
    members = [("ours", make(cls)), ("lr", LogisticRegression()), ("nb", GaussianNB())]
    hard = VotingClassifier(members, voting="hard").fit(X_tr, y_tr)
    votes = np.array([m.predict(X_te) for m in hard.estimators_])
    majority = (votes.sum(axis=0) >= 2).astype(int)  # 3 voters, labels 0/1
    np.testing.assert_array_equal(hard.predict(X_te), majority)
    assert_learns(cls, hard.score(X_te, y_te), y_te)
    if hasattr(make(cls), "predict_proba"):
        soft = VotingClassifier(members[:2], voting="soft").fit(X_tr, y_tr)
        mean = np.mean([m.predict_proba(X_te) for m in soft.estimators_], axis=0)
        np.testing.assert_allclose(soft.predict_proba(X_te), mean)
        assert_learns(cls, soft.score(X_te, y_te), y_te)


@pytest.mark.parametrize("cls", CLASSIFIERS, ids=ids)
def test_one_vs_rest_on_three_string_labels(cls):
    X, y = classification_data(n_classes=3, n_samples=300)
    labels = np.array(["ant", "bee", "cat"])[y]
    X_tr, y_tr, X_te, y_te = split(X, labels, 200)
    ovr = OneVsRestClassifier(make(cls)).fit(X_tr, y_tr)
    assert len(ovr.estimators_) == 3
    # Oracle: the class whose own binary model is most confident.
    conf = np.column_stack([predict_values_binary(e, X_te) for e in ovr.estimators_])
    np.testing.assert_array_equal(ovr.predict(X_te), ovr.classes_[conf.argmax(axis=1)])
    assert_learns(cls, ovr.score(X_te, y_te), y_te)


def predict_values_binary(est, X):
    if hasattr(est, "decision_function"):
        return est.decision_function(X)
    return est.predict_proba(X)[:, 1]


@pytest.mark.parametrize("cls", CLASSIFIERS, ids=ids)
def test_bagging_classifier(cls):
    X, y = classification_data()
    X_tr, y_tr, X_te, y_te = split(X, y)
    bag = BaggingClassifier(make(cls), n_estimators=4, random_state=0).fit(X_tr, y_tr)
    # Oracle: average the members' probabilities, or their votes without them.
    if hasattr(bag.estimators_[0], "predict_proba"):
        mean = np.mean([m.predict_proba(X_te) for m in bag.estimators_], axis=0)
    else:
        votes = np.array([m.predict(X_te) for m in bag.estimators_])
        mean = np.column_stack([(votes == c).mean(axis=0) for c in bag.classes_])
    np.testing.assert_allclose(bag.predict_proba(X_te), mean)
    assert_learns(cls, bag.score(X_te, y_te), y_te)


@pytest.mark.parametrize("cls", CLASSIFIERS, ids=ids)
def test_decision_boundary_display(cls):
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.inspection import DecisionBoundaryDisplay

    X, y = classification_data()
    X = X[:, :2]
    est = make(cls).fit(X, y)
    disp = DecisionBoundaryDisplay.from_estimator(
        est, X, response_method="predict", grid_resolution=20
    )
    try:
        grid = np.column_stack([disp.xx0.ravel(), disp.xx1.ravel()])
        np.testing.assert_array_equal(disp.response.ravel(), est.predict(grid))
        assert disp.response.shape == (20, 20)
        assert set(np.unique(disp.response)) == {0, 1}  # the boundary crosses the plot
    finally:
        plt.close("all")


# ----------------------------------------------------------------- regressors
@pytest.mark.parametrize("cls", REGRESSORS, ids=ids)
def test_stacking_regressor(cls):
    X, y = regression_data()
    X_tr, y_tr, X_te, y_te = split(X, y)
    stack = StackingRegressor(
        [("ours", make(cls)), ("ridge", Ridge())], final_estimator=LinearRegression(), cv=3
    ).fit(X_tr, y_tr)
    level1 = np.column_stack([e.predict(X_te) for e in stack.estimators_])
    np.testing.assert_allclose(stack.predict(X_te), stack.final_estimator_.predict(level1))
    assert_learns(cls, stack.score(X_te, y_te), y_te)


@pytest.mark.parametrize("cls", REGRESSORS, ids=ids)
def test_multi_output_regressor(cls):
    X, y = regression_data()
    Y = np.column_stack([y, X[:, 1] - 0.5 * X[:, 0]])
    X_tr, Y_tr, X_te, Y_te = split(X, Y)
    multi = MultiOutputRegressor(make(cls)).fit(X_tr, Y_tr)
    pred = multi.predict(X_te)
    assert pred.shape == Y_te.shape
    for j, est in enumerate(multi.estimators_):
        np.testing.assert_allclose(pred[:, j], est.predict(X_te))
        assert_learns(cls, r2_score(Y_te[:, j], pred[:, j]), Y_te[:, j])


@pytest.mark.parametrize("cls", REGRESSORS, ids=ids)
def test_transformed_target_regressor(cls):
    X, y = regression_data()
    y = 1000.0 * y + 5000.0  # far from the unit scale the models expect
    X_tr, y_tr, X_te, y_te = split(X, y)
    ttr = TransformedTargetRegressor(make(cls), transformer=StandardScaler()).fit(X_tr, y_tr)
    inner = ttr.regressor_.predict(X_te)
    expected = ttr.transformer_.inverse_transform(inner.reshape(-1, 1)).ravel()
    np.testing.assert_allclose(ttr.predict(X_te), expected)
    assert_learns(cls, ttr.score(X_te, y_te), y_te)


@pytest.mark.parametrize("cls", REGRESSORS, ids=ids)
def test_bagging_regressor(cls):
    X, y = regression_data()
    X_tr, y_tr, X_te, y_te = split(X, y)
    bag = BaggingRegressor(make(cls), n_estimators=4, random_state=0).fit(X_tr, y_tr)
    mean = np.mean([m.predict(X_te) for m in bag.estimators_], axis=0)
    np.testing.assert_allclose(bag.predict(X_te), mean)
    assert_learns(cls, bag.score(X_te, y_te), y_te)


# ================================================================ data frames
COLUMNS = ["alpha", "beta", "gamma", "delta", "epsilon"]


def _reference(cls):
    return LogisticRegression() if is_classifier(cls()) else Ridge()


def _outcome(fn):
    """What calling ``fn`` does: ('ok'|'warn'|'error', category, message)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            fn()
        except Exception as exc:  # noqa: BLE001 - the type is what is compared
            return ("error", type(exc), str(exc).splitlines()[0])
    mine = [w for w in caught if "feature names" in str(w.message)]
    if mine:
        return ("warn", mine[0].category, str(mine[0].message).split(",")[0])
    return ("ok", None, "")


def _frame(kind, X, columns):
    if kind == "pandas":
        pd = pytest.importorskip("pandas")
        return pd.DataFrame(X, columns=columns)
    pl = pytest.importorskip("polars")
    return pl.DataFrame({c: X[:, i] for i, c in enumerate(columns)})


@pytest.mark.parametrize("kind", ["pandas", "polars"])
@pytest.mark.parametrize("cls", ESTIMATORS, ids=ids)
def test_dataframe_feature_names(cls, kind):
    X, y = data_for(cls)
    df = _frame(kind, X, COLUMNS)
    est = make(cls).fit(df, y)
    np.testing.assert_array_equal(est.feature_names_in_, COLUMNS)
    assert est.feature_names_in_.dtype == object
    # The frame and the bare array give the same model.
    from_array = make(cls).fit(X, y)
    assert not hasattr(from_array, "feature_names_in_")
    np.testing.assert_array_equal(est.predict(df), from_array.predict(X))

    renamed = _frame(kind, X, [c.upper() for c in COLUMNS])
    reordered = _frame(kind, X[:, ::-1], COLUMNS[::-1])
    for fit_on, predict_on in [
        (df, X),  # fitted with names, predicting without: a warning
        (X, df),  # fitted without names, predicting with: a warning
        (df, renamed),  # other names: an error
        (df, reordered),  # same names in another order: an error
    ]:
        ours = make(cls).fit(fit_on, y)
        ref = clone(_reference(cls)).fit(fit_on, y)
        expected = _outcome(lambda: ref.predict(predict_on))  # noqa: B023
        got = _outcome(lambda: ours.predict(predict_on))  # noqa: B023
        assert expected[0] in ("warn", "error")
        assert got[:2] == expected[:2], (got, expected)
        assert got[2].replace(type(ours).__name__, "EST") == expected[2].replace(
            type(ref).__name__, "EST"
        )


# =========================================================== metadata routing
def _weights(y):
    """Zero weight on most of class/target-half 1: a clearly different fit."""
    positive = y > np.median(y) if y.dtype.kind == "f" else y == 1
    w = np.ones(len(y))
    w[positive] = 0.0
    w[np.flatnonzero(positive)[:8]] = 1.0  # a few stay, so no class vanishes
    return w


@pytest.mark.parametrize("cls", ESTIMATORS, ids=ids)
def test_sample_weight_routes_through_pipeline_and_search(cls):
    X, y = data_for(cls)
    w = _weights(y)
    with config_context(enable_metadata_routing=True):
        est = make(cls).set_fit_request(sample_weight=True).set_score_request(
            sample_weight=False
        )
        scale = StandardScaler().set_fit_request(sample_weight=False)
        pipe = Pipeline([("scale", scale), ("est", est)])
        pipe.fit(X, y, sample_weight=w)
        unweighted = clone(pipe).fit(X, y)

        # The weights reached the estimator: the routed fit is the direct
        # weighted fit, and it differs from the unweighted one.
        scaler = StandardScaler().fit(X)
        direct = make(cls).fit(scaler.transform(X), y, sample_weight=w)
        np.testing.assert_allclose(
            pipe.predict(X), direct.predict(scaler.transform(X)), rtol=1e-6
        )
        if is_classifier(est):
            # Class 1 nearly weightless: far fewer class-1 predictions.
            assert (pipe.predict(X) == 1).mean() < (unweighted.predict(X) == 1).mean() - 0.1
        else:
            # The upper half nearly weightless: the fit follows the lower half.
            low = y <= np.median(y)
            err_low = np.abs(pipe.predict(X)[low] - y[low]).mean()
            err_low_unweighted = np.abs(unweighted.predict(X)[low] - y[low]).mean()
            assert not np.allclose(pipe.predict(X), unweighted.predict(X))
            assert err_low < err_low_unweighted

        scoring = get_scorer("accuracy" if is_classifier(est) else "r2")
        scoring = scoring.set_score_request(sample_weight=True)  # weighted scores
        search = GridSearchCV(pipe, {"scale__with_mean": [True]}, cv=3, scoring=scoring)
        search.fit(X, y, sample_weight=w)
        np.testing.assert_allclose(search.predict(X), pipe.predict(X), rtol=1e-6)

        # Without the request, passing weights is an error, as in scikit-learn.
        plain = Pipeline([("scale", clone(scale)), ("est", make(cls))])
        with pytest.raises(UnsetMetadataPassedError, match=cls.__name__):
            plain.fit(X, y, sample_weight=w)


# =================================================================== progress
LINE = re.compile(
    r"Epoch (\d+), loss = ([0-9.eE+-]+), validation loss = ([0-9.eE+-]+)"
    r".*, time = ([0-9.]+) s"
)


@pytest.mark.parametrize("cls", ESTIMATORS, ids=ids)
def test_verbose_prints_one_line_per_epoch(cls, capsys):
    X, y = data_for(cls)
    est = make_sgd(cls, max_iter=4, verbose=1, early_stopping=True, validation_fraction=0.2)
    est.fit(X, y)
    lines = [m for m in map(LINE.search, capsys.readouterr().out.splitlines()) if m]
    assert [int(m.group(1)) for m in lines] == [1, 2, 3, 4]
    np.testing.assert_allclose([float(m.group(2)) for m in lines], est.loss_curve_, rtol=1e-6)
    np.testing.assert_allclose(
        [float(m.group(3)) for m in lines], est.validation_loss_curve_, rtol=1e-6
    )
    assert all(float(m.group(4)) >= 0 for m in lines)




class StopAfter:
    """A callback asking to stop at the end of the given epoch."""

    def __init__(self, epochs):
        self.epochs = epochs
        self.seen = []

    def setup(self, estimator, context):
        self.seen.append("setup")

    def on_fit_task_begin(self, estimator, context):
        pass

    def on_fit_task_end(self, estimator, context, *, fitted_estimator=None):
        if context.task_name != "epoch":
            return False
        self.seen.append(fitted_estimator.n_iter_)
        return fitted_estimator.n_iter_ >= self.epochs

    def teardown(self, estimator, context):
        self.seen.append("teardown")


@pytest.mark.parametrize("cls", ESTIMATORS, ids=ids)
def test_callbacks_monitor_and_stop(cls):
    sk_callback = pytest.importorskip("sklearn.callback")
    X, y = data_for(cls)
    scoring = "accuracy" if is_classifier(cls()) else "r2"  # as the estimator's score
    monitor = sk_callback.ScoringMonitor(scoring=scoring)
    est = make_sgd(cls, max_iter=5).set_callbacks(monitor).fit(X, y)
    rows = monitor.get_logs().data
    epochs = [r for r in rows if r["task_name"] == "epoch"]
    assert [r["task_id"] for r in epochs] == list(range(5))
    # The last epoch's score is the fitted model's score on the training data.
    np.testing.assert_allclose(epochs[-1][scoring], est.score(X, y))
    assert not hasattr(est, "_callback_fit_ctx")  # torn down

    stop = StopAfter(3)
    est = make_sgd(cls, max_iter=50).set_callbacks(stop)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # stopping on request is no convergence failure
        est.set_params(tol=1e-12).fit(X, y)
    assert est.n_iter_ == 3
    assert stop.seen == ["setup", 1, 2, 3, "teardown"]


@pytest.mark.parametrize("cls", ESTIMATORS, ids=ids)
def test_progress_bar_through_a_pipeline(cls, capsys):
    sk_callback = pytest.importorskip("sklearn.callback")
    pytest.importorskip("rich")
    X, y = data_for(cls)
    pipe = make_pipeline(StandardScaler(), make_sgd(cls, max_iter=3))
    pipe.set_callbacks(sk_callback.ProgressBar(max_propagation_depth=None))
    pipe.fit(X, y)
    out = capsys.readouterr().out
    assert f"{cls.__name__} - fit" in out
    assert "100%" in out
    assert not re.search(r"\b[0-9]{1,2}%", out)  # every bar completed


@pytest.mark.parametrize("cls", ESTIMATORS, ids=ids)
def test_loss_progress_bar_shows_the_last_epochs_loss(cls):
    pytest.importorskip("sklearn.callback")
    rich_console = pytest.importorskip("rich.console")
    from sknn_intuition.callbacks import LossProgressBar

    X, y = data_for(cls)
    lines = io.StringIO()
    bar = LossProgressBar(console=rich_console.Console(file=lines, width=200))
    est = make_sgd(cls, max_iter=4).set_callbacks(bar)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
    line = lines.getvalue().strip().splitlines()[-1]
    assert line.startswith(f"{cls.__name__} - fit")
    assert " 4/4 " in line
    assert f"loss {est.loss_curve_[-1]:.6g}" in line  # the last epoch's, not the first's
    assert est.loss_curve_[0] != est.loss_curve_[-1]

    # Stopped early: the bar completes where training stopped, with the
    # validation score of that epoch.
    if "early_stopping" in est.get_params():
        lines.seek(0), lines.truncate()
        est.set_params(max_iter=300, early_stopping=True, n_iter_no_change=2, tol=1e-1).fit(X, y)
        line = lines.getvalue().strip().splitlines()[-1]
        assert est.n_iter_ < 300 and f" {est.n_iter_}/{est.n_iter_} " in line
        assert f"validation score {est.validation_scores_[-1]:.4g}" in line
    assert pickle.loads(pickle.dumps(est)).score(X, y) == est.score(X, y)  # bar not kept


# ===================================================================== memory
@pytest.mark.parametrize("cls", ESTIMATORS, ids=ids)
def test_fit_on_float32_does_not_copy_X(cls):
    rng = np.random.default_rng(0)
    n, d = 200_000, 50
    X = rng.standard_normal((n, d), dtype=np.float32)
    if is_classifier(cls()):
        y = (X[:, 0] + X[:, 1] > 0).astype(np.int64)
    else:
        y = (X[:, 0] - X[:, 1]).astype(np.float32)
    est = make(cls, max_iter=1, early_stopping=False, batch_size="auto")
    if "n_towers" in est.get_params():
        est.set_params(n_towers=3)  # the memory per tower is what is checked
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        est.fit(X, y)
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    # A copy of X would be 40 MB; labels, shuffling indices and a batch's
    # activations are a few MB.
    assert peak < 0.25 * X.nbytes, f"peak {peak / 1e6:.1f} MB for X of {X.nbytes / 1e6:.0f} MB"
    # The parameters learnt from float32 data are float32.
    arrays = []
    for name, value in vars(est).items():
        if name.endswith("_") and not name.startswith("_"):
            values = value if isinstance(value, (list, tuple)) else [value]
            arrays += [v for v in values if isinstance(v, np.ndarray) and v.dtype.kind == "f"]
    assert arrays and all(a.dtype == np.float32 for a in arrays)


# ------------------------------------------------------------ saving models
def test_trusted_types_load_every_estimator_with_skops_and_callbacks_stay_behind():
    import pickle

    import skops.io as sio
    from sklearn.callback import ProgressBar
    from sklearn.datasets import make_classification

    from sknn_intuition import trusted_types

    X, y = make_classification(80, 4, random_state=0)
    for cls in sknn_intuition_estimators():
        est = cls()
        if hasattr(est, "set_callbacks"):
            est.set_callbacks(ProgressBar())
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            est.fit(X, y)
        data = sio.dumps(est)
        untrusted = sio.get_untrusted_types(data=data)
        # Only the estimator's own class: no callback, no foreign object.
        assert untrusted == [f"{cls.__module__}.{cls.__qualname__}"]
        assert set(untrusted) <= set(trusted_types())
        loaded = sio.loads(data, trusted=trusted_types())
        np.testing.assert_array_equal(loaded.predict(X), est.predict(X))
        assert not any("callback" in k for k in vars(pickle.loads(pickle.dumps(est))))


def test_mlflow_logs_and_loads_a_model(tmp_path, monkeypatch):
    mlflow = pytest.importorskip("mlflow", reason="mlflow is not installed")
    # A tracking store in the test's own folder (a local file store).
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    mlflow.set_tracking_uri((tmp_path / "mlruns").as_uri())
    from sklearn.datasets import make_classification

    from sknn_intuition import FeedForwardClassifier, trusted_types

    X, y = make_classification(80, 4, random_state=0)
    est = FeedForwardClassifier(hidden_layer_sizes=(4,), max_iter=20, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X, y)
        with mlflow.start_run():
            info = mlflow.sklearn.log_model(
                est, name="model", serialization_format="skops",
                skops_trusted_types=trusted_types(),
            )
        loaded = mlflow.sklearn.load_model(info.model_uri)
    np.testing.assert_array_equal(loaded.predict(X), est.predict(X))


def sknn_intuition_estimators():
    import sknn_intuition

    return [
        getattr(sknn_intuition, n)
        for n in sknn_intuition.__all__
        if isinstance(getattr(sknn_intuition, n), type)
        and hasattr(getattr(sknn_intuition, n), "fit")
    ]
