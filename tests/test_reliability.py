"""Bad input gets a clear answer; extreme input works; models round-trip exactly.

Every test here runs over every public estimator (found from ``__all__``), so
a new estimator is held to the same standard the day it is exported.
"""

import pickle
import threading
import warnings

import numpy as np
import pytest
from _estimators import CLASSES, CLASSIFIERS, fast, interrupt_on_call
from sklearn.base import clone, is_classifier
from sklearn.exceptions import ConvergenceWarning

from sknn_intuition import _tower as tower_module
from sknn_intuition._optimizers import OPTIMIZERS

ids = [c.__name__ for c in CLASSES]


def _data(cls, n=60, d=4, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)).astype(dtype)
    if is_classifier(cls()):
        y = np.digitize(X[:, 0] + 0.5 * X[:, 1], [-0.5, 0.5])  # 3 classes
    else:
        y = np.sin(X[:, 0]) + 0.5 * X[:, 1]
    return X, y


def _lr_param(est):
    params = est.get_params()
    for name in ("learning_rate_init", "eta0"):
        if name in params:
            return name
    return None


def _fitted_arrays(est):
    out = {}
    for k, v in vars(est).items():
        if k.endswith("_") and not k.startswith("_"):
            if isinstance(v, np.ndarray):
                out[k] = v
            elif isinstance(v, (list, tuple)) and v and isinstance(v[0], np.ndarray):
                for i, a in enumerate(v):
                    out[f"{k}[{i}]"] = a
    return out


def _outputs(est, X):
    outs = {"predict": est.predict(X)}
    for m in ("predict_proba", "decision_function"):
        if hasattr(est, m):
            outs[m] = getattr(est, m)(X)
    return outs


# --------------------------------------------------------------- bad input
def _bad_cases(cls):
    """(name, mutate(X, y) -> (X, y, fit kwargs), error type, message regex)."""
    clf = is_classifier(cls())

    def with_(fn):
        return fn

    cases = [
        ("nan in X", lambda X, y: (_set(X, np.nan), y, {}), ValueError, "NaN"),
        ("inf in X", lambda X, y: (_set(X, np.inf), y, {}), ValueError, "infinity"),
        ("empty X", lambda X, y: (X[:0], y[:0], {}), ValueError, "0 sample"),
        (
            "lengths differ",
            lambda X, y: (X, y[:-1], {}),
            ValueError,
            "inconsistent numbers of samples",
        ),
        (
            "strings in X",
            lambda X, y: (_strings(X), y, {}),
            ValueError,
            "could not convert|[Ss]tring",
        ),
        ("complex X", lambda X, y: (X + 1j, y, {}), ValueError, "[Cc]omplex"),
        (
            "negative weight",
            lambda X, y: (X, y, {"sample_weight": _neg(len(y))}),
            ValueError,
            "[Nn]egative",
        ),
        (
            "all-zero weights",
            lambda X, y: (X, y, {"sample_weight": np.zeros(len(y))}),
            ValueError,
            "non-zero|weights are zero",
        ),
        (
            "weights of wrong length",
            lambda X, y: (X, y, {"sample_weight": np.ones(len(y) + 1)}),
            ValueError,
            "sample_weight",
        ),
        (
            "3-D X",
            lambda X, y: (X[:, :, None], y, {}),
            ValueError,
            "dim 3|3D|3-D|2D",
        ),
    ]
    if clf:
        cases += [
            ("one class", lambda X, y: (X, np.zeros_like(y), {}), ValueError, "one class"),
            (
                "continuous labels",
                lambda X, y: (X, X[:, 0], {}),
                ValueError,
                "Unknown label type",
            ),
        ]
    else:
        cases += [
            ("nan in y", lambda X, y: (X, _set(y, np.nan), {}), ValueError, "NaN"),
            ("strings in y", lambda X, y: (X, y.astype(str), {}), ValueError, "convert|numeric"),
        ]
    return cases


def _set(A, value):
    A = A.astype(float).copy()
    A.flat[3] = value
    return A


def _strings(X):
    X = X.astype(object)
    X[0, 0] = "high"
    return X


def _neg(n):
    w = np.ones(n)
    w[2] = -1.0
    return w


BAD = [(cls, case) for cls in CLASSES for case in _bad_cases(cls)]


@pytest.mark.parametrize(
    "cls, case", BAD, ids=[f"{c.__name__}-{case[0]}" for c, case in BAD]
)
def test_bad_input_gets_a_clear_error(cls, case):
    name, mutate, exc, match = case
    X, y = _data(cls)
    X, y, kw = mutate(X, y)
    with pytest.raises(exc, match=match):
        fast(cls).fit(X, y, **kw)


@pytest.mark.parametrize("cls", CLASSES, ids=ids)
def test_wrong_number_of_features_later(cls):
    X, y = _data(cls)
    est = fast(cls).fit(X, y)
    with pytest.raises(ValueError, match="4 features"):
        est.predict(X[:, :3])
    if hasattr(est, "partial_fit"):
        kw = {"classes": np.unique(y)} if is_classifier(est) else {}
        est = fast(cls).partial_fit(X, y, **kw)
        with pytest.raises(ValueError, match="4 features"):
            est.partial_fit(X[:, :3], y)


@pytest.mark.parametrize("cls", CLASSIFIERS, ids=[c.__name__ for c in CLASSIFIERS])
def test_partial_fit_label_not_in_classes(cls):
    X, y = _data(cls)
    est = fast(cls).partial_fit(X, y, classes=[0, 1, 2])
    with pytest.raises(ValueError, match=r"not in classes: \[7\]"):
        est.partial_fit(X[:3], np.array([0, 7, 1]))


@pytest.mark.parametrize("cls", CLASSES, ids=ids)
def test_invalid_parameters_list_the_allowed_values(cls):
    X, y = _data(cls)
    est = cls()
    for name, constraints in est._parameter_constraints.items():
        if any(getattr(c, "options", None) for c in constraints if not isinstance(c, str)):
            with pytest.raises(ValueError, match=rf"'{name}' parameter .* must be"):
                clone(est).set_params(**{name: "no-such-option"}).fit(X, y)
    if "max_iter" in est.get_params():
        with pytest.raises(ValueError, match="'max_iter' parameter"):
            clone(est).set_params(max_iter=0).fit(X, y)


# ------------------------------------------------------ extreme but valid
@pytest.mark.parametrize("cls", CLASSES, ids=ids)
@pytest.mark.parametrize("scale", [1e-150, 1e-20, 1e20, 1e300])
def test_extreme_scales_give_finite_outputs_or_a_clear_error(cls, scale):
    X, y = _data(cls)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        try:
            est = fast(cls).fit(X * scale, y)
        except ValueError as exc:
            assert "diverged" in str(exc) or "scale" in str(exc), str(exc)
            return
        for name, out in _outputs(est, X * scale).items():
            if out.dtype.kind == "f":
                assert np.all(np.isfinite(out)), name


@pytest.mark.parametrize("cls", CLASSES, ids=ids)
@pytest.mark.parametrize(
    "shape", ["constant feature", "one feature", "single sample", "10000 features"]
)
def test_awkward_shapes(cls, shape):
    X, y = _data(cls, n=40)
    if shape == "constant feature":
        X[:, 1] = 3.0
    elif shape == "one feature":
        X = X[:, :1]
    elif shape == "single sample":
        X, y = X[:1], y[:1]
    elif shape == "10000 features":
        X = np.random.default_rng(1).normal(size=(20, 10_000))
        X[:, 0] = np.linspace(-2, 2, 20)
        X, y = X, _data(cls, n=20)[1]
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        if shape == "single sample" and is_classifier(cls()):
            with pytest.raises(ValueError, match="one class"):
                fast(cls).fit(X, y)
            return
        try:
            est = fast(cls).fit(X, y)
        except ValueError as exc:
            # A model may refuse a single sample, if it says why.
            assert shape == "single sample" and "1 sample" in str(exc), str(exc)
            return
        for name, out in _outputs(est, X).items():
            if out.dtype.kind == "f":
                assert np.all(np.isfinite(out)), name


@pytest.mark.parametrize("cls", CLASSES, ids=ids)
def test_float32_end_to_end(cls):
    X, y = _data(cls, dtype=np.float32)
    est = fast(cls).fit(X, y)
    for name, a in _fitted_arrays(est).items():
        if a.dtype.kind == "f":
            assert a.dtype == np.float32, name
    for name, out in _outputs(est, X).items():
        if out.dtype.kind == "f":
            assert out.dtype == np.float32, name


# ------------------------------------------------------------- divergence
@pytest.mark.parametrize("cls", CLASSES, ids=ids)
def test_divergence_names_the_learning_rate(cls):
    X, y = _data(cls)
    est = fast(cls, max_iter=50)
    name = _lr_param(est)
    if name is None or ("solver" in est.get_params() and est.solver == "lstsq"):
        if "solver" in est.get_params():
            est.set_params(solver="sgd")
            name = _lr_param(est)
        if name is None:
            pytest.skip("no learning rate to get wrong")
    est.set_params(**{name: 1e300})
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        try:
            est.fit(X * 1e5, y)
        except ValueError as exc:
            assert "diverged" in str(exc) and name in str(exc)
            return
    # A scale-free model (the perceptron) may not diverge at all; then it
    # must still predict finite values.
    for out in _outputs(est, X).values():
        if out.dtype.kind == "f":
            assert np.all(np.isfinite(out))


# ------------------------------------------------------------ round trips
@pytest.mark.parametrize("cls", CLASSES, ids=ids)
def test_clone_pickle_and_skops_round_trips(cls):
    sio = pytest.importorskip("skops.io")
    X, y = _data(cls)
    est = fast(cls).fit(X, y)
    expected = _outputs(est, X)

    again = pickle.loads(pickle.dumps(est))
    for k, v in _outputs(again, X).items():
        np.testing.assert_array_equal(v, expected[k])

    refit = clone(est).fit(X, y)
    for k, v in _outputs(refit, X).items():
        np.testing.assert_array_equal(v, expected[k])

    blob = sio.dumps(est)
    untrusted = sio.get_untrusted_types(data=blob)
    assert untrusted == [f"sknn_intuition.{_module(cls)}.{cls.__name__}"], untrusted
    loaded = sio.loads(blob, trusted=untrusted)
    for k, v in _outputs(loaded, X).items():
        np.testing.assert_array_equal(v, expected[k])
    if hasattr(est, "partial_fit"):  # training state survives too
        kw = {"classes": np.unique(y)} if is_classifier(est) else {}
        a = clone(est).partial_fit(X, y, **kw)
        b = sio.loads(sio.dumps(a), trusted=untrusted)
        a.partial_fit(X, y)
        b.partial_fit(X, y)
        for k, v in _outputs(b, X).items():
            np.testing.assert_array_equal(v, _outputs(a, X)[k])


def _module(cls):
    return cls.__module__.split(".")[-1]


# ------------------------------------------------ determinism, concurrency
@pytest.mark.parametrize("cls", CLASSES, ids=ids)
def test_same_random_state_gives_bit_identical_models(cls):
    X, y = _data(cls)
    a = _fitted_arrays(fast(cls, random_state=7).fit(X, y))
    b = _fitted_arrays(fast(cls, random_state=7).fit(X, y))
    assert a.keys() == b.keys()
    for k in a:
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)


@pytest.mark.parametrize("cls", CLASSES, ids=ids)
def test_predict_from_many_threads(cls):
    X, y = _data(cls, n=500)
    est = fast(cls).fit(X, y)
    expected = _outputs(est, X)
    results, errors = [None] * 8, []

    def work(i):
        try:
            results[i] = _outputs(est, X)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for r in results:
        for k, v in r.items():
            np.testing.assert_array_equal(v, expected[k])


def test_persistence_page_runs():
    """The recipes of docs/persistence.rst run and print what the page says."""
    import doctest
    import pathlib

    pytest.importorskip("skops.io")
    page = pathlib.Path(__file__).resolve().parents[1] / "docs" / "persistence.rst"
    if not page.exists():  # pragma: no cover - installed without the docs
        pytest.skip("docs/persistence.rst is not in this tree")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        result = doctest.testfile(
            str(page),
            module_relative=False,
            optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
            raise_on_error=False,
            verbose=False,
        )
    assert result.attempted >= 10
    assert result.failed == 0


@pytest.mark.parametrize("cls", CLASSES, ids=ids)
def test_warm_start_keeps_the_fitted_dtype(cls):
    """A warm-started fit on float64 data goes on in the model's float32."""
    if "warm_start" not in cls().get_params():
        pytest.skip("no warm_start")
    X, y = _data(cls, dtype=np.float32)
    est = fast(cls, warm_start=True).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X.astype(np.float64), y)
    for name, a in _fitted_arrays(est).items():
        if a.dtype.kind == "f":
            assert a.dtype == np.float32, name
    assert np.all(np.isfinite(est.predict(X)))


# --------------------------------------------------------- fit transactions
def _state(est, X):
    return (
        {k: v.copy() for k, v in _outputs(est, X).items()},
        est.n_iter_,
        list(est.loss_curve_),
        {k: v.copy() for k, v in _fitted_arrays(est).items()},
    )


def _assert_same_state(est, X, before):
    outputs, n_iter, curve, arrays = before
    for k, v in _outputs(est, X).items():
        np.testing.assert_array_equal(v, outputs[k], err_msg=k)
    assert est.n_iter_ == n_iter
    assert est.loss_curve_ == curve
    now = _fitted_arrays(est)
    assert set(now) == set(arrays)
    for k, v in arrays.items():
        np.testing.assert_array_equal(now[k], v, err_msg=k)


@pytest.mark.parametrize("how", ["fit", "warm_start", "partial_fit"])
@pytest.mark.parametrize("cls", CLASSES, ids=ids)
def test_an_interrupted_fit_leaves_the_model_as_it_was(cls, how, monkeypatch):
    """KeyboardInterrupt in the middle of training: predictions, n_iter_ and
    loss_curve_ are those from before the call, whatever was under way."""
    X, y = _data(cls)
    est = fast(cls).fit(X, y)
    before = _state(est, X)
    X2, y2 = _data(cls, seed=1)
    # Interrupt a step in the middle (partial_fit's one epoch is one batch
    # here), whatever the solver.
    for opt in OPTIMIZERS.values():
        interrupt_on_call(monkeypatch, opt, "update_params", 1 if how == "partial_fit" else 3)
    if cls.__name__ == "TowerRegressor" and est.solver == "lstsq":
        interrupt_on_call(monkeypatch, tower_module, "solve", 1)  # the exact solve
    kwargs = {"classes": np.unique(y)} if how == "partial_fit" and is_classifier(est) else {}
    with pytest.raises(KeyboardInterrupt):
        if how == "partial_fit":
            est.partial_fit(X2, y2, **kwargs)
        else:
            est.set_params(warm_start=how == "warm_start").fit(X2, y2)
    monkeypatch.undo()
    est.set_params(warm_start=False)
    _assert_same_state(est, X, before)


def _diverge(est, train, X, y):
    """Train on with a huge step on large features; the error's message."""
    est.set_params(**{_lr_param(est): 1e300})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            train(X * 1e5, y)
        except ValueError as exc:
            return str(exc)
    pytest.skip("a scale-free model (the perceptron) need not diverge")


@pytest.mark.parametrize("cls", CLASSES, ids=ids)
def test_a_diverged_refit_keeps_the_previous_model(cls):
    X, y = _data(cls)
    est = fast(cls, max_iter=50)
    if est.get_params().get("solver") == "lstsq":
        est.set_params(solver="sgd")
    est.fit(X, y)
    before = _state(est, X)
    assert "left as it was" in _diverge(est, est.fit, X, y)
    _assert_same_state(est, X, before)


@pytest.mark.parametrize("cls", CLASSES, ids=ids)
def test_a_failed_first_fit_leaves_the_estimator_unfitted(cls, monkeypatch):
    from sklearn.exceptions import NotFittedError

    X, y = _data(cls)
    est = fast(cls)
    for opt in OPTIMIZERS.values():
        interrupt_on_call(monkeypatch, opt, "update_params", 2)
    if cls.__name__ == "TowerRegressor":
        interrupt_on_call(monkeypatch, tower_module, "solve", 1)  # the exact solve
    with pytest.raises(KeyboardInterrupt):
        est.fit(X, y)
    monkeypatch.undo()
    assert not [k for k in vars(est) if k.endswith("_") and not k.startswith("_")]
    with pytest.raises(NotFittedError):
        est.predict(X)


# ------------------------------------------- the cases of "a fit is a transaction"
def _linear_data(seed=0):
    X = np.random.RandomState(seed).randn(200, 3)
    return X, X @ [1.0, 2.0, 3.0]


@pytest.mark.parametrize("cls", CLASSES, ids=ids)
def test_a_diverged_partial_fit_keeps_the_counters(cls):
    X, y = _data(cls)
    est = fast(cls, max_iter=5)
    if est.get_params().get("solver") == "lstsq":
        est.set_params(solver="sgd")
    kwargs = {"classes": np.unique(y)} if is_classifier(est) else {}
    est.partial_fit(X, y, **kwargs)
    before = (est.n_iter_, est.t_, list(est.loss_curve_), est._training_state["sgd"]["seed"])
    assert "diverged" in _diverge(est, est.partial_fit, X, y)
    assert (est.n_iter_, est.t_, est.loss_curve_, est._training_state["sgd"]["seed"]) == before


@pytest.mark.parametrize(
    "make",
    [
        lambda: __import__("sknn_intuition").TowerRegressor(
            n_towers=8, solver="sgd", learning_rate_init=1e3, random_state=0
        ),
        lambda: __import__("sknn_intuition").FeedForwardRegressor(
            hidden_layer_sizes=(8,), solver="adam", learning_rate_init=1e3, random_state=0
        ),
    ],
    ids=["tower-sgd", "network-adam"],
)
def test_a_loss_that_explodes_but_stays_finite_is_divergence(make):
    X, y = _linear_data()
    est = make()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ValueError, match="diverged.*times its value at the start"):
            est.fit(X, y)
    assert not hasattr(est, "n_iter_")


def test_a_classifier_network_that_explodes_is_divergence():
    from sknn_intuition import FeedForwardClassifier

    X, y = _linear_data()
    est = FeedForwardClassifier(hidden_layer_sizes=(8,), solver="sgd", learning_rate_init=1e3,
                                random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ValueError, match="diverged"):
            est.fit(X, (y > 0).astype(int))


def test_early_stopping_shares_the_divergence_guard():
    from sklearn.datasets import load_iris

    from sknn_intuition import FeedForwardRegressor

    X, y = load_iris(return_X_y=True)
    est = FeedForwardRegressor(activation="identity", solver="sgd", learning_rate_init=1.0,
                               early_stopping=True, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ValueError, match="diverged"):
            est.fit(X, y.astype(float))


def test_penalty_times_rate_is_named():
    from sklearn.datasets import load_iris

    from sknn_intuition import PerceptronClassifier

    X, y = load_iris(return_X_y=True)
    est = PerceptronClassifier(penalty="l2", alpha=1e5, eta0=0.1, learning_rate="constant",
                               tol=None, max_iter=6)
    with pytest.raises(ValueError, match=r"diverged.*penalty times the step.*alpha=100000"):
        est.fit(X, y)


@pytest.mark.parametrize("name", ["PerceptronClassifier", "SigmoidNeuronClassifier"])
def test_a_warm_start_on_other_classes_or_features_is_refused(name):
    import sknn_intuition

    X, y = _data(getattr(sknn_intuition, name))
    labels = np.array(["a", "b", "c"])[y]
    est = fast(getattr(sknn_intuition, name), max_iter=5).fit(X, labels)
    before = _state(est, X)
    est.set_params(warm_start=True)
    keep = labels != "a"
    with pytest.raises(ValueError, match=r"warm_start=True: y has the classes \['b', 'c'\]"):
        est.fit(X[keep], labels[keep])
    with pytest.raises(ValueError, match="warm_start=True: X has 3 features.*has 4"):
        est.fit(X[:, :3], labels)
    assert est.n_features_in_ == 4
    _assert_same_state(est, X, before)


def test_a_warm_start_with_another_activation_is_refused():
    from sknn_intuition import FeedForwardRegressor

    X, y = _linear_data()
    net = FeedForwardRegressor(hidden_layer_sizes=(8,), max_iter=5, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="activation='tanh' does not match"):
        net.set_params(warm_start=True, activation="tanh").fit(X, y)
    with pytest.raises(ValueError, match="expects 3"):
        net.set_params(activation="relu").fit(X[:, :2], y)
    assert net.n_features_in_ == 3


def test_tower_predictions_read_fitted_attributes_only():
    from sknn_intuition import TowerRegressor

    x = np.linspace(0, 3, 200).reshape(-1, 1)
    y = np.sin(2 * x[:, 0])
    est = TowerRegressor(n_towers=10).fit(x, y)
    expected = est.predict(x)
    est.set_params(steepness=0.5)
    np.testing.assert_array_equal(est.predict(x), expected)
    again = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(again.predict(x), expected)


def test_early_stopping_without_tol_keeps_the_best_epoch():
    from sknn_intuition import FeedForwardRegressor

    X, y = _linear_data()
    y = y + np.random.RandomState(1).normal(scale=2.0, size=len(y))
    kw = dict(hidden_layer_sizes=(16,), solver="sgd", learning_rate_init=0.05, momentum=0.9,
              early_stopping=True, tol=None, random_state=0)
    est = FeedForwardRegressor(max_iter=40, **kw).fit(X, y)
    best = int(np.argmin(est.validation_loss_curve_))
    assert best < est.n_iter_ - 1  # a later epoch was worse: the test means something
    assert est.best_loss_ == min(est.validation_loss_curve_)
    at_best = FeedForwardRegressor(max_iter=best + 1, **kw).fit(X, y)
    for a, b in zip(est.coefs_ + est.intercepts_, at_best.coefs_ + at_best.intercepts_):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_l1_reaches_exact_zeros_and_the_optimum():
    from sklearn.datasets import make_classification
    from sklearn.linear_model import LogisticRegression

    from sknn_intuition import SigmoidNeuronClassifier

    X, y = make_classification(500, 5, n_informative=1, n_redundant=0,
                               n_clusters_per_class=1, random_state=0)
    # alpha = 1: the penalised optimum is all zeros (|∂L/∂w| < 1 at w = 0).
    est = SigmoidNeuronClassifier(loss="log_loss", penalty="l1", alpha=1.0).fit(X, y)
    assert np.all(est.coef_ == 0)
    # alpha = 0.01: the optimum of LogisticRegression with C = 1 / (alpha n),
    # its zeros exactly zero.
    est = SigmoidNeuronClassifier(loss="log_loss", penalty="l1", alpha=0.01, tol=1e-6,
                                  max_iter=3000).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = LogisticRegression(penalty="l1", C=1 / (0.01 * 500), solver="saga", tol=1e-10,
                                 max_iter=20000).fit(X, y)
    np.testing.assert_array_equal(est.coef_ == 0, ref.coef_ == 0)
    np.testing.assert_allclose(est.coef_, ref.coef_, atol=0.05)


def test_l1_with_adam_reaches_the_optimum_and_its_zeros():
    # Adam's steps are per weight (lr / (√v + ε)): the L1 proximal step must
    # shrink each weight by its own step, or the fixed point is not the
    # penalised optimum (a scalar rate left every weight non-zero, 6 % above).
    from sklearn.datasets import make_classification
    from sklearn.linear_model import LogisticRegression

    from sknn_intuition import SigmoidNeuronClassifier

    X, y = make_classification(500, 5, n_informative=1, n_redundant=0,
                               n_clusters_per_class=1, random_state=0)

    def objective(coef, intercept, alpha=0.01):
        z = X @ coef.ravel() + intercept[0]
        return np.mean(np.logaddexp(0, z) - y * z) + alpha * np.abs(coef).sum()

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = LogisticRegression(penalty="l1", C=1 / (0.01 * 500), solver="saga", tol=1e-10,
                                 max_iter=20000).fit(X, y)
        est = SigmoidNeuronClassifier(loss="log_loss", penalty="l1", alpha=0.01, solver="adam",
                                      learning_rate_init=0.05, tol=1e-8, max_iter=20000)
        est.fit(X, y)
    np.testing.assert_array_equal(est.coef_ == 0, ref.coef_ == 0)
    assert objective(est.coef_, est.intercept_) == pytest.approx(
        objective(ref.coef_, ref.intercept_), rel=1e-4
    )


def test_errors_name_what_is_wrong():
    from sknn_intuition import (
        FeedForwardRegressor,
        PerceptronClassifier,
        SigmoidNeuronClassifier,
        TowerRegressor,
    )

    X, y = _linear_data()
    labels = (y > 0).astype(int)
    with pytest.raises(ValueError, match="learning_rate_init='auto'"):
        SigmoidNeuronClassifier().fit(X * 1e160, labels)
    x = np.linspace(0, 1, 50).reshape(-1, 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ValueError, match="cannot be tiled by towers"):
            TowerRegressor().fit(x * 1e-322, x[:, 0])
    with pytest.raises(ValueError, match="cannot be tiled by towers"):
        TowerRegressor(bounds=(-1e308, 1e308)).fit(x, x[:, 0])
    with pytest.raises(ValueError, match="weight of zero"):
        PerceptronClassifier(class_weight={0: 0, 1: 0}).fit(X, labels)
    for bad in ({0: -1}, {0: np.inf}):
        with pytest.raises(ValueError, match="finite, non-negative"):
            PerceptronClassifier(class_weight=bad).fit(X, labels)
    # A huge power_t makes the rate underflow to zero, not overflow.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        FeedForwardRegressor(solver="sgd", learning_rate="invscaling", power_t=1e3,
                             max_iter=3).fit(X, y)


@pytest.mark.parametrize("cls", CLASSES, ids=ids)
def test_a_dataframe_with_early_stopping_does_not_warn_every_epoch(cls):
    pd = pytest.importorskip("pandas")
    X, y = _data(cls, n=80)
    frame = pd.DataFrame(X, columns=[f"f{j}" for j in range(X.shape[1])])
    est = fast(cls, max_iter=5)
    if "early_stopping" not in est.get_params():
        pytest.skip("no early stopping")
    est.set_params(early_stopping=True, validation_fraction=0.25)
    if est.get_params().get("solver") == "lstsq":
        est.set_params(solver="sgd")
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        est.fit(frame, y)


@pytest.mark.parametrize("cls", CLASSES, ids=ids)
def test_training_continues_from_a_memory_mapped_model(cls, tmp_path):
    joblib = pytest.importorskip("joblib")
    X, y = _data(cls)
    est = fast(cls, max_iter=5)
    kwargs = {"classes": np.unique(y)} if is_classifier(est) else {}
    est.partial_fit(X, y, **kwargs)
    path = tmp_path / "model.joblib"
    joblib.dump(est, path)
    loaded = joblib.load(path, mmap_mode="r")
    loaded.partial_fit(X, y)
    est.partial_fit(X, y)
    for k, v in _outputs(est, X).items():
        np.testing.assert_allclose(_outputs(loaded, X)[k], v, rtol=1e-12, err_msg=k)
    loaded.set_params(warm_start=True).fit(X, y)


def test_tower_display_handles_its_documented_inputs():
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from sknn_intuition import FeedForwardRegressor, TowerRegressor
    from sknn_intuition.plotting import TowerDisplay

    x = np.linspace(-3, 3, 100).reshape(-1, 1)
    y = np.sin(2 * x[:, 0])
    disp = TowerDisplay(grid=x[:, 0], prediction=y).plot()
    assert disp.tower_lines_ == [] and disp.sum_line_ is not None
    pipe = make_pipeline(StandardScaler(), TowerRegressor(n_towers=6)).fit(x, y)
    disp = TowerDisplay.from_estimator(pipe, x, y, grid_resolution=50)
    grid = np.linspace(-3.3, 3.3, 50)[:, None]
    np.testing.assert_allclose(disp.prediction, pipe.predict(grid), rtol=1e-10)
    assert len(disp.tower_lines_) == 6
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        net = FeedForwardRegressor(max_iter=3).fit(x, y)
    with pytest.raises(TypeError, match="got FeedForwardRegressor"):
        TowerDisplay.from_estimator(net, x, y)
    matplotlib.pyplot.close("all")


# ------------------------------------------------ clear errors, honest counts
def test_errors_name_the_target_scale_sparse_targets_and_unsortable_classes():
    from scipy import sparse

    from sknn_intuition import FeedForwardRegressor, PerceptronClassifier

    rng = np.random.RandomState(0)
    X = rng.normal(size=(50, 3))
    for solver in ("adam", "lbfgs"):
        with pytest.raises(ValueError, match=r"targets are on a huge scale.*Rescale y"):
            FeedForwardRegressor(hidden_layer_sizes=(4,), solver=solver, max_iter=5).fit(
                X, X[:, 0] * 1e155
            )
    with pytest.raises(ValueError, match=r"y is a sparse matrix.*toarray"):
        FeedForwardRegressor(max_iter=5).fit(X, sparse.csr_matrix(X[:, :1]))
    with pytest.raises(ValueError, match=r"classes must be labels.*without None"):
        PerceptronClassifier().partial_fit(X, (X[:, 0] > 0).astype(int), classes=[0, None])


def test_lbfgs_warm_start_counts_on():
    # As docs/differences.rst says: n_iter_ (and t_, loss_curve_) count on.
    from sknn_intuition import FeedForwardRegressor

    X = np.random.RandomState(0).normal(size=(60, 3))
    net = FeedForwardRegressor(hidden_layer_sizes=(4,), solver="lbfgs", max_iter=5,
                               warm_start=True, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net.fit(X, X[:, 0])
        first, curve = net.n_iter_, list(net.loss_curve_)
        net.fit(X, X[:, 0])
    assert net.n_iter_ == first + 5 and net.t_ == 60 * net.n_iter_
    assert net.loss_curve_[:first] == curve and len(net.loss_curve_) == net.n_iter_


def test_poisson_regression_says_its_targets_are_positive():
    from sknn_intuition import FeedForwardRegressor

    assert FeedForwardRegressor(loss="poisson").__sklearn_tags__().target_tags.positive_only
    assert not FeedForwardRegressor().__sklearn_tags__().target_tags.positive_only
