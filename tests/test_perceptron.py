"""PerceptronClassifier: oracles (a textbook perceptron, scikit-learn's), the
critic example, separable data, sparse input, weights and bad input."""

import pickle
import tracemalloc
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.datasets import make_blobs, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Perceptron

from sknn_intuition import FeedForwardClassifier, PerceptronClassifier, SigmoidNeuronClassifier

TEXTBOOK = dict(
    batch_size=1, shuffle=False, average=False, learning_rate="constant", tol=None
)


def textbook_perceptron(X, y_pm, epochs, eta=1.0):
    """Rosenblatt's rule, one sample at a time: on a mistake, w += eta y x."""
    w, b = np.zeros(X.shape[1]), 0.0
    for _ in range(epochs):
        for x, t in zip(X, y_pm):
            if t * (w @ x + b) <= 0:
                w += eta * t * x
                b += eta * t
    return w, b


@pytest.fixture(scope="module")
def binary():
    return make_classification(300, 6, n_informative=4, random_state=0)


@pytest.fixture(scope="module")
def multiclass():
    return make_classification(
        300, 6, n_informative=4, n_classes=3, n_clusters_per_class=1, random_state=1
    )


@pytest.mark.parametrize("eta0", [1.0, 0.1])
def test_agrees_with_textbook_perceptron_binary(binary, eta0):
    X, y = binary
    clf = PerceptronClassifier(max_iter=5, eta0=eta0, **TEXTBOOK).fit(X, y)
    w, b = textbook_perceptron(X, np.where(y == 1, 1.0, -1.0), 5, eta0)
    np.testing.assert_allclose(clf.coef_[0], w, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(clf.intercept_[0], b, atol=1e-12)


def test_agrees_with_textbook_perceptron_multiclass(multiclass):
    """One perceptron per class, each on 'this class' against the rest."""
    X, y = multiclass
    clf = PerceptronClassifier(max_iter=4, **TEXTBOOK).fit(X, y)
    for k in range(3):
        w, b = textbook_perceptron(X, np.where(y == k, 1.0, -1.0), 4)
        np.testing.assert_allclose(clf.coef_[k], w, atol=1e-12)
        np.testing.assert_allclose(clf.intercept_[k], b, atol=1e-12)
    np.testing.assert_array_equal(clf.predict(X), np.argmax(clf.decision_function(X), 1))


@pytest.mark.parametrize("fixture", ["binary", "multiclass"])
def test_agrees_with_sklearn_perceptron(request, fixture):
    X, y = request.getfixturevalue(fixture)
    ours = PerceptronClassifier(max_iter=6, **TEXTBOOK).fit(X, y)
    theirs = Perceptron(max_iter=6, tol=None, shuffle=False).fit(X, y)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, atol=1e-10)
    np.testing.assert_allclose(ours.intercept_, theirs.intercept_, atol=1e-10)
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))


def test_the_critic_example():
    """One feature, weight 1, bias -0.5: 0.49 gives 0 and 0.51 gives 1."""
    ratings = np.linspace(0, 1, 101).reshape(-1, 1)
    liked = (ratings[:, 0] > 0.5).astype(int)
    # Rosenblatt's rule, visiting the ratings in a random order each epoch.
    clf = PerceptronClassifier(batch_size=1, tol=None, max_iter=300).fit(ratings, liked)
    assert clf.score(ratings, liked) == 1.0  # the perceptron found a threshold...
    assert 0.5 <= -clf.intercept_[0] / clf.coef_[0, 0] < 0.51
    # ... and the critic's own weight and bias give the harsh judgement.
    clf.coef_[:] = 1.0
    clf.intercept_[:] = -0.5
    np.testing.assert_array_equal(clf.predict([[0.49], [0.51]]), [0, 1])
    np.testing.assert_allclose(clf.decision_function([[0.49], [0.51]]), [-0.01, 0.01])
    # exactly at the threshold, w·x + b = 0 is not > 0: class 0
    assert clf.predict([[0.5]])[0] == 0


@pytest.mark.parametrize("n_classes", [2, 4])
def test_linearly_separable_data_is_learnt_perfectly(n_classes):
    X, y = make_blobs(200, 5, centers=n_classes, cluster_std=0.5, random_state=3)
    assert PerceptronClassifier().fit(X, y).score(X, y) == 1.0
    assert PerceptronClassifier(**{**TEXTBOOK, "tol": 1e-3}).fit(X, y).score(X, y) == 1.0


@pytest.mark.parametrize("average", [False, True])
def test_sparse_and_dense_give_the_same_model(binary, average):
    X, y = binary
    X = X.copy()
    X[np.abs(X) < 0.8] = 0
    kw = dict(max_iter=8, tol=None, batch_size=32, average=average)
    dense = PerceptronClassifier(**kw).fit(X, y)
    sparse = PerceptronClassifier(**kw).fit(sp.csr_matrix(X), y)
    np.testing.assert_allclose(dense.coef_, sparse.coef_, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dense.intercept_, sparse.intercept_, atol=1e-12)
    np.testing.assert_allclose(
        dense.decision_function(X), sparse.decision_function(sp.csr_matrix(X))
    )


def test_float32_is_kept(binary):
    X, y = binary
    clf = PerceptronClassifier().fit(X.astype(np.float32), y)
    assert clf.coef_.dtype == clf.intercept_.dtype == np.float32
    assert clf.decision_function(X.astype(np.float32)).dtype == np.float32


def test_class_weight_equals_sample_weight(multiclass):
    X, y = multiclass
    cw = {0: 1.0, 1: 3.0, 2: 0.5}
    a = PerceptronClassifier(class_weight=cw, max_iter=5, tol=None).fit(X, y)
    b = PerceptronClassifier(max_iter=5, tol=None).fit(
        X, y, sample_weight=np.vectorize(cw.get)(y)
    )
    np.testing.assert_allclose(a.coef_, b.coef_)


def test_balanced_class_weight_helps_the_rare_class():
    X, y = make_classification(
        2000, 5, n_informative=3, weights=[0.95], flip_y=0, class_sep=0.7, random_state=0
    )
    plain = PerceptronClassifier(random_state=0).fit(X, y)
    balanced = PerceptronClassifier(class_weight="balanced", random_state=0).fit(X, y)
    recall = lambda clf: np.mean(clf.predict(X[y == 1]) == 1)  # noqa: E731
    assert recall(balanced) > recall(plain)


def test_partial_fit_one_epoch_at_a_time_equals_fit(multiclass):
    X, y = multiclass
    kw = dict(batch_size=16, shuffle=True, random_state=3)
    full = PerceptronClassifier(max_iter=3, tol=None, **kw).fit(X, y)
    inc = PerceptronClassifier(**kw)
    for _ in range(3):
        inc.partial_fit(X, y, classes=np.unique(y))
    np.testing.assert_allclose(full.coef_, inc.coef_)
    assert inc.n_iter_ == 3 and len(inc.loss_curve_) == 3


def test_partial_fit_in_chunks_learns(binary):
    X, y = binary
    clf = PerceptronClassifier(average=True, batch_size=10)
    for _ in range(3):
        for chunk in np.array_split(np.arange(len(y)), 6):
            clf.partial_fit(X[chunk], y[chunk], classes=[0, 1])
    assert clf.n_iter_ == 18
    whole = PerceptronClassifier(average=True, batch_size=10).fit(X, y)
    assert clf.score(X, y) > whole.score(X, y) - 0.05 > 0.65


def test_early_stopping_uses_validation_accuracy(binary):
    X, y = binary
    clf = PerceptronClassifier(early_stopping=True, n_iter_no_change=3).fit(X, y)
    assert len(clf.validation_scores_) == clf.n_iter_
    assert clf.best_validation_score_ == max(clf.validation_scores_)
    assert all(0 <= s <= 1 for s in clf.validation_scores_)


def test_stops_on_the_mistake_rate_and_warns_at_max_iter(binary):
    X, y = binary
    with pytest.warns(ConvergenceWarning, match="max_iter=2"):
        PerceptronClassifier(max_iter=2).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        clf = PerceptronClassifier().fit(X, y)
    assert clf.n_iter_ < 1000


@pytest.mark.parametrize("n_classes", [2, 3])
def test_the_default_stops_when_it_stops_improving(n_classes):
    # The data of the benchmark (benchmarks/bench_perceptron.py). Both on
    # their defaults: ours stops after a phase at a lowered rate that brings
    # no gain, in a few times scikit-learn's epochs (each of ours, one
    # matrix product per batch, costs a fraction of its sample-by-sample
    # epoch), and predicts at least as well.
    X, y = make_classification(
        120_000, 50, n_informative=20, n_classes=n_classes, random_state=0
    )
    X_train, y_train, X_test, y_test = X[:100_000], y[:100_000], X[100_000:], y[100_000:]
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        ours = PerceptronClassifier().fit(X_train, y_train)
    peer = Perceptron().fit(X_train, y_train)
    assert ours.n_iter_ <= 3 * peer.n_iter_
    assert ours.score(X_test, y_test) >= peer.score(X_test, y_test)
    # It stopped on the phases, long before the rate ran down to 1e-6.
    assert ours._training_state["sgd"]["optimizer"]["learning_rate"] >= 1e-3


def test_string_labels_and_pickle_round_trip(binary):
    X, y = binary
    labels = np.array(["bad", "good"])[y]
    clf = PerceptronClassifier().fit(X, labels)
    assert set(clf.predict(X)) <= {"bad", "good"}
    again = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(again.predict(X), clf.predict(X))
    assert clone(clf).get_params() == clf.get_params()


def test_deterministic_for_a_random_state(binary):
    X, y = binary
    a = PerceptronClassifier(random_state=5, batch_size=8).fit(X, y)
    b = PerceptronClassifier(random_state=5, batch_size=8).fit(X, y)
    np.testing.assert_array_equal(a.coef_, b.coef_)


@pytest.mark.parametrize(
    "kwargs, fit_args, exc, match",
    [
        ({"eta0": -1}, None, ValueError, "eta0"),
        ({"penalty": "l3"}, None, ValueError, "penalty"),
        ({"batch_size": 0}, None, ValueError, "batch_size"),
        ({"learning_rate": "optimal"}, None, ValueError, "learning_rate"),
        ({}, "nan", ValueError, "NaN"),
        ({}, "inf", ValueError, "infinity"),
        ({}, "one_class", ValueError, "only one class"),
        ({}, "neg_weight", ValueError, "[Nn]egative"),
        ({}, "zero_weight", ValueError, "non-zero|weights are zero"),
        ({}, "bad_weight_shape", ValueError, "sample_weight"),
        ({}, "object", ValueError, "could not convert|[Ss]tring"),
        ({}, "complex", ValueError, "[Cc]omplex"),
        ({}, "lengths", ValueError, "inconsistent numbers of samples"),
        ({}, "empty", ValueError, "0 sample"),
        ({"class_weight": {7: 2.0}}, None, ValueError, "not classes"),
    ],
)
def test_bad_input_gets_a_clear_error(binary, kwargs, fit_args, exc, match):
    X, y = binary
    X, y = X[:40].copy(), y[:40].copy()
    sw = None
    if fit_args == "nan":
        X[3, 2] = np.nan
    elif fit_args == "inf":
        X[3, 2] = np.inf
    elif fit_args == "one_class":
        y[:] = 1
    elif fit_args == "neg_weight":
        sw = np.ones(40)
        sw[0] = -1
    elif fit_args == "zero_weight":
        sw = np.zeros(40)
    elif fit_args == "bad_weight_shape":
        sw = np.ones(41)
    elif fit_args == "object":
        X = X.astype(object)
        X[0, 0] = "high"
    elif fit_args == "complex":
        X = X + 1j
    elif fit_args == "lengths":
        y = y[:-1]
    elif fit_args == "empty":
        X, y = X[:0], y[:0]
    with pytest.raises(exc, match=match):
        PerceptronClassifier(**kwargs).fit(X, y, sample_weight=sw)


def test_partial_fit_errors(binary):
    X, y = binary
    with pytest.raises(ValueError, match="classes must be passed"):
        PerceptronClassifier().partial_fit(X, y)
    clf = PerceptronClassifier().partial_fit(X, y, classes=[0, 1])
    with pytest.raises(ValueError, match=r"labels not in classes: \[2\]"):
        clf.partial_fit(X[:5], np.array([0, 1, 2, 0, 1]))
    with pytest.raises(ValueError, match="not the same as on the first call"):
        clf.partial_fit(X, y, classes=[0, 1, 2])
    with pytest.raises(ValueError, match="6 features"):
        clf.partial_fit(X[:, :4], y)
    with pytest.raises(ValueError, match="balanced"):
        PerceptronClassifier(class_weight="balanced").partial_fit(X, y, classes=[0, 1])


def test_predict_checks_the_number_of_features(binary):
    X, y = binary
    clf = PerceptronClassifier().fit(X, y)
    with pytest.raises(ValueError, match="6 features"):
        clf.predict(X[:, :5])


def test_training_starts_from_coef_init_and_intercept_init():
    # A perfect separator as the start: the perceptron makes no mistake, so
    # its weights never move.
    rng = np.random.RandomState(0)
    X = rng.normal(size=(200, 3))
    w, b = np.array([1.0, -2.0, 0.5]), 0.3
    y = (X @ w + b > 0).astype(int)
    margin = np.abs(X @ w + b) > 0.05
    X, y = X[margin], y[margin]
    clf = PerceptronClassifier(max_iter=3, tol=None)
    clf.fit(X, y, coef_init=w[None, :], intercept_init=[b])
    np.testing.assert_allclose(clf.coef_, w[None, :])
    np.testing.assert_allclose(clf.intercept_, [b])
    with pytest.raises(ValueError, match=r"coef_init must hold \(1, 3\)"):
        clf.fit(X, y, coef_init=np.ones((2, 3)))


def test_sparsify_keeps_predictions_and_densify_undoes_it():
    import pickle

    from scipy import sparse as sp

    rng = np.random.RandomState(0)
    X = rng.normal(size=(300, 20))
    y = (X[:, 0] - X[:, 1] > 0).astype(int)
    clf = PerceptronClassifier(penalty="l1", alpha=0.01, average=False, random_state=0)
    clf.fit(X, y)
    assert np.sum(clf.coef_ == 0) > 5  # the L1 step gives exact zeros
    expected = clf.decision_function(X)
    clf.sparsify()
    assert sp.issparse(clf.coef_)
    np.testing.assert_allclose(clf.decision_function(X), expected)
    np.testing.assert_allclose(pickle.loads(pickle.dumps(clf)).decision_function(X), expected)
    clf.partial_fit(X, y)  # training again works on dense weights
    assert not sp.issparse(clf.coef_)
    assert not sp.issparse(clf.sparsify().densify().coef_)


def test_n_jobs_is_accepted_as_in_scikit_learn():
    X, y = np.array([[0.0], [1.0], [2.0], [3.0]]), np.array([0, 0, 1, 1])
    a = PerceptronClassifier(n_jobs=-1).fit(X, y)
    b = PerceptronClassifier().fit(X, y)
    np.testing.assert_array_equal(a.coef_, b.coef_)


def test_sample_and_class_weights_over_orders_of_magnitude_are_no_divergence():
    # Weights from 1e-4 to 1e4, small batches: the perceptron's criterion
    # grows with its weights (it is scale-free), and one batch of light
    # samples has a tiny loss; neither is divergence. scikit-learn fits.
    from sklearn.datasets import make_classification
    from sklearn.linear_model import Perceptron

    X, y = make_classification(300, 5, n_informative=3, n_classes=3, random_state=0)
    rng = np.random.RandomState(0)
    class_weight = {0: 1.0, 1: 1e3, 2: 1e6}
    for seed in range(3):
        sw = 10 ** rng.uniform(-4, 4, size=300)
        for batch_size in (1, 8):
            est = PerceptronClassifier(batch_size=batch_size, random_state=seed,
                                       class_weight=class_weight)
            est.fit(X, y, sample_weight=sw)
            peer = Perceptron(random_state=seed, class_weight=class_weight)
            peer.fit(X, y, sample_weight=sw)
            assert np.isfinite(est.coef_).all()
            assert est.score(X, y) >= peer.score(X, y) - 0.15


@pytest.mark.parametrize(
    "make",
    [
        lambda: PerceptronClassifier(max_iter=2, tol=None),
        lambda: SigmoidNeuronClassifier(max_iter=2, tol=None),
        lambda: FeedForwardClassifier((8,), max_iter=2, tol=None, random_state=0),
    ],
    ids=["perceptron", "sigmoid_neuron", "feedforward"],
)
def test_many_classes_cost_no_dense_targets_for_all_samples(make):
    # 20 000 samples of 1000 classes: the targets as one dense matrix would
    # take 20 000 x 1000 x 8 bytes = 160 MB (more than the fit's peak with
    # every other array); the trainer writes out one batch's rows at a time.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20_000, 3))
    y = np.arange(20_000) % 1000
    dense = 20_000 * 1000 * 8
    tracemalloc.start()
    try:
        est = make().fit(X, y)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < dense / 3
    assert est.predict(X[:5]).shape == (5,)
