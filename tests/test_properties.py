"""Property-based tests: for any shape, dtype, scale and a few parameters,
every public estimator gives finite outputs, proper probabilities, labels from
``classes_`` and no warnings."""

import warnings

import numpy as np
import pytest
from _estimators import CLASSES, fast
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.base import is_classifier

# How many random cases each estimator sees (quoted in the docs).
EXAMPLES_PER_ESTIMATOR = 30


@st.composite
def problems(draw, classifier):
    n = draw(st.integers(4, 40))
    d = draw(st.integers(1, 5))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    scale = 10.0 ** draw(st.integers(-6, 6))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    X = (rng.normal(size=(n, d)) * scale).astype(dtype)
    if classifier:
        k = draw(st.integers(2, 4))
        y = np.arange(n) % k  # every class present
        rng.shuffle(y)
        labels = draw(st.sampled_from(["int", "str"]))
        if labels == "str":
            y = np.array(["cat", "dog", "eel", "fox"])[y]
    else:
        y = rng.normal(size=n) * draw(st.sampled_from([1e-3, 1.0, 1e3]))
    batch = draw(st.sampled_from(["auto", 1, 7]))
    return X, y, batch


@pytest.mark.parametrize("cls", CLASSES, ids=[c.__name__ for c in CLASSES])
def test_invariants_hold_for_random_problems(cls):
    @settings(
        max_examples=EXAMPLES_PER_ESTIMATOR,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
        derandomize=True,
    )
    @given(problems(is_classifier(cls())))
    def check(problem):
        X, y, batch = problem
        est = fast(cls, max_iter=5)
        if "batch_size" in est.get_params():
            est.set_params(batch_size=batch)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            # The warnings we expect: a batch larger than the data is clipped;
            # more towers than a few samples can support.
            warnings.filterwarnings("ignore", message="Got batch_size")
            warnings.filterwarnings("ignore", message="n_towers=.* makes")
            try:
                est.fit(X, y)
            except ValueError as exc:
                # The only acceptable refusal: a clear divergence message.
                assert "diverged" in str(exc), str(exc)
                return
            pred = est.predict(X)
            assert pred.shape[0] == X.shape[0]
            if is_classifier(est):
                assert set(np.unique(pred)) <= set(est.classes_)
                if hasattr(est, "predict_proba"):
                    P = est.predict_proba(X)
                    assert P.shape == (X.shape[0], len(est.classes_))
                    assert np.all((P >= 0) & (P <= 1))
                    np.testing.assert_allclose(P.sum(axis=1), 1, rtol=1e-5)
                if hasattr(est, "decision_function"):
                    assert np.all(np.isfinite(est.decision_function(X)))
            else:
                assert np.all(np.isfinite(pred))

    check()
