"""PerceptronClassifier: one neuron with a step, trained on the perceptron criterion."""

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin

from ._base import prepare_classification
from ._linear import LinearSGDMixin
from ._sklearn_private import Interval, StrOptions, _fit_context


class PerceptronClassifier(ClassifierMixin, LinearSGDMixin, BaseEstimator):
    """The perceptron: fire when the weighted sum of the inputs clears zero.

    One neuron (one per class when there are more than two) computes the
    decision value ``z = w·x + b`` and predicts class 1 when ``z > 0``, class 0
    otherwise — an all-or-nothing step. The weights are learnt by stochastic
    gradient descent on the perceptron criterion, with the labels coded as
    -1 and +1: ``L = (1/N) Σ_i max(0, -y_i z_i)``, which is positive exactly on
    the misclassified samples. With ``batch_size=1`` and ``average=False`` this
    is Rosenblatt's rule: for each mistake, ``w += eta0 * y_i * x_i``.

    With more than two classes there is one perceptron per class, all trained
    together on "this class" (+1) against "any other" (-1); a sample goes to
    the class whose perceptron has the largest decision value.

    Parameters
    ----------
    penalty : {'l2', 'l1', 'elasticnet'} or None, default=None
        Regularisation term added to the criterion (none, like the classic
        perceptron).
    alpha : float, default=0.0001
        Strength of the penalty.
    l1_ratio : float, default=0.15
        Mix of L1 in the elastic-net penalty (0 is L2, 1 is L1).
    fit_intercept : bool, default=True
        Learn the bias ``b``; if False, ``b`` stays 0.
    max_iter : int, default=1000
        Largest number of epochs (passes over the training data).
    tol : float or None, default=1e-3
        Training stalls when the fraction of mistakes (``y z <= 0``, per
        neuron) during an epoch (or the validation accuracy with ``early_stopping``)
        has not improved by at least ``tol`` for ``n_iter_no_change`` epochs
        in a row. (The criterion itself grows with the size of the weights,
        so it says little about progress.) A stall stops training, except
        with the 'adaptive' schedule, where it lowers the rate and training
        stops when the lowered rate gains less than ``tol`` (see
        ``learning_rate``). ``None`` trains for exactly ``max_iter`` epochs.
    shuffle : bool, default=True
        Shuffle the training data before each epoch (in contiguous runs of
        ``batch_size // 16`` rows, so each mini-batch mixes 16 random stretches
        of the data).
    verbose : int, default=0
        Print one line per epoch: loss, validation figures, time.
    eta0 : float, default=1.0
        Learning rate. Without a penalty and with zero initial weights it only
        scales the weights, and so does not change the predictions.
    random_state : int, RandomState instance or None, default=0
        Seeds the shuffling and the validation split.
    early_stopping : bool, default=False
        Set aside ``validation_fraction`` of the data (stratified) and stop
        when the accuracy there stops improving; keep the best weights.
    validation_fraction : float, default=0.1
        Fraction of the training data used for early stopping.
    n_iter_no_change : int, default=5
        Epochs without improvement tolerated before stopping.
    n_jobs : int or None, default=None
        Accepted so that code written for scikit-learn's Perceptron runs
        unchanged, and unused: all the classes' perceptrons train together,
        in one matrix product per batch, which BLAS already spreads over the
        cores (scikit-learn trains one class per job instead).
    class_weight : dict, 'balanced' or None, default=None
        Weights of the classes, multiplied into the sample weights.
        'balanced' uses ``n_samples / (n_classes * np.bincount(y))``.
    warm_start : bool, default=False
        Start ``fit`` from the previous solution instead of zero weights.
    batch_size : int or 'auto', default='auto'
        Samples per gradient step; 'auto' is ``min(1024, n_samples)``.
    average : bool or int, default=True
        Report the average of the weights over the steps (the averaged
        perceptron) instead of the last ones. Averaging tames the jitter of a
        perceptron on data that no hyperplane separates, and predicts better
        there; the average starts anew each time the 'adaptive' schedule
        lowers the rate, so it covers the current phase of training. An int
        starts averaging after that many steps; ``False`` gives Rosenblatt's
        perceptron, whose weights are the last ones.
    learning_rate : {'constant', 'invscaling', 'adaptive'}, default='adaptive'
        Learning-rate schedule: fixed; ``eta0 / (t + 1) ** power_t`` after
        ``t`` samples; or divided by 5 each time the mistakes stop falling
        (for ``n_iter_no_change`` epochs), which lets a perceptron on
        overlapping classes settle instead of swinging forever. With
        'adaptive', training runs in phases, one per rate, each ending in
        ``n_iter_no_change`` epochs without improvement; the fraction of
        mistakes over those epochs, on average, is where the phase settled.
        Training stops after the first phase at a lowered rate that settles
        no lower (by ``tol``) than the phase before it, or when the rate
        would fall below 1e-6.
    power_t : float, default=0.5
        Exponent of the 'invscaling' schedule.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels.
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
        The weights ``w`` of each perceptron.
    intercept_ : ndarray of shape (1,) or (n_classes,)
        The biases ``b``.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the features, when X has string column names.
    n_iter_ : int
        Number of epochs run.
    t_ : int
        Number of training samples seen (epochs times samples).
    loss_curve_ : list of float
        Mean perceptron criterion of each epoch (penalty included).
    loss_ : float
        The last value of ``loss_curve_``.
    best_loss_ : float
        The smallest loss reached.
    validation_scores_ : list of float
        Validation accuracy after each epoch (None without ``early_stopping``).
    validation_loss_curve_ : list of float
        Validation criterion after each epoch (None without ``early_stopping``).
    best_validation_score_ : float
        Best validation accuracy (None without ``early_stopping``).

    See Also
    --------
    SigmoidNeuronClassifier : The same neuron with a smooth sigmoid instead of a step.
    sklearn.linear_model.Perceptron : scikit-learn's perceptron (one sample per step).

    Notes
    -----
    The perceptron criterion and its gradient with respect to ``z``:

    .. math::

        L(w, b) = \\frac{1}{N} \\sum_i s_i \\max(0, -y_i (w \\cdot x_i + b)),
        \\qquad
        \\frac{\\partial L}{\\partial z_i} = -\\frac{s_i y_i}{N}
        \\text{ where } y_i z_i \\le 0 \\text{, else } 0.

    One step on a batch, in plain Python::

        coef_ -= eta0 * (dZ.T @ X_batch)    # dZ as above

    where ``s_i`` are the sample weights rescaled to mean 1.

    Examples
    --------
    The critic from the explanation: one feature (a rating), weight 1, bias -0.5.

    >>> import numpy as np
    >>> from sknn_intuition import PerceptronClassifier
    >>> X = np.linspace(0, 1, 101).reshape(-1, 1)
    >>> y = (X[:, 0] > 0.5).astype(int)
    >>> clf = PerceptronClassifier(random_state=0).fit(X, y)
    >>> clf.coef_[0] = 1.0; clf.intercept_[0] = -0.5
    >>> clf.predict([[0.49], [0.51]])
    array([0, 1])
    >>> PerceptronClassifier().fit(X, y).score(X, y)
    1.0
    """

    _learning_rate_param = "eta0"
    _early_stopping_metric = "score"
    _stratify_validation = True
    _stop_when_a_phase_gains_nothing = True

    _parameter_constraints: dict = {
        "penalty": [StrOptions({"l2", "l1", "elasticnet"}), None],
        "fit_intercept": ["boolean"],
        "eta0": [Interval(Real, 0, None, closed="neither")],
        "class_weight": [StrOptions({"balanced"}), dict, None],
        "n_jobs": [Integral, None],
    }

    def __init__(
        self,
        *,
        penalty=None,
        alpha=0.0001,
        l1_ratio=0.15,
        fit_intercept=True,
        max_iter=1000,
        tol=1e-3,
        shuffle=True,
        verbose=0,
        eta0=1.0,
        random_state=0,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=5,
        n_jobs=None,
        class_weight=None,
        warm_start=False,
        batch_size="auto",
        average=True,
        learning_rate="adaptive",
        power_t=0.5,
    ):
        self.penalty = penalty
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol
        self.shuffle = shuffle
        self.verbose = verbose
        self.eta0 = eta0
        self.random_state = random_state
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.n_jobs = n_jobs
        self.class_weight = class_weight
        self.warm_start = warm_start
        self.batch_size = batch_size
        self.average = average
        self.learning_rate = learning_rate
        self.power_t = power_t

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, coef_init=None, intercept_init=None, sample_weight=None):
        """Fit the perceptron by SGD on the perceptron criterion.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,)
            Class labels.
        coef_init : array-like of shape (n_outputs, n_features), default=None
            The weights to start from (one row per output neuron: one for two
            classes, else one per class); zeros if None.
        intercept_init : array-like of shape (n_outputs,), default=None
            The biases to start from.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the samples; an integer weight counts as that many
            copies of the sample.

        Returns
        -------
        self : PerceptronClassifier
            The fitted estimator.
        """
        return self._fit(
            X, y, sample_weight, None, partial=False, init=(coef_init, intercept_init)
        )

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Run one epoch of SGD over the given data, keeping the state.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,)
            Class labels.
        classes : array-like of shape (n_classes,), default=None
            All the classes that may appear; required on the first call.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the samples.

        Returns
        -------
        self : PerceptronClassifier
            The updated estimator.
        """
        return self._fit(X, y, sample_weight, classes, partial=True)

    def _output(self):
        return "step"

    def _loss(self):
        return "perceptron"

    def _sgd_watched(self, loss, D, Y):
        # What tol watches: the fraction of neurons wrong or undecided (z = 0)
        # in the batch, weighted, since the criterion itself grows with the
        # weights. ∂L/∂z is -s_i y_i / N on a mistake and 0 elsewhere, so
        # that fraction is Σ |∂L/∂z| / K.
        return float(np.abs(D).sum()) / Y.shape[1]

    def _fit(self, X, y, sample_weight, classes, *, partial, init=(None, None)):
        X, y, sw, Y = prepare_classification(
            self, X, y, sample_weight, classes, partial=partial, negative=self._head().negative
        )
        return self._fit_from(X, Y, sw, y, partial, *init)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags
