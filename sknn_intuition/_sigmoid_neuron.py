"""SigmoidNeuronClassifier: one neuron with a smooth S instead of a step."""

import dataclasses
from numbers import Real

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.metaestimators import available_if

from ._base import prepare_classification
from ._heads import HEADS, head
from ._layout import one_blas_thread
from ._linear import LinearSGDMixin
from ._optimizers import OPTIMIZERS
from ._sgd import (
    FULL_BATCH_SOLVERS,
    TRAINER_CONSTRAINTS,
    _stochastic_solver,
    fit_mode,
    training_state,
)
from ._sklearn_private import Interval, StrOptions, _fit_context

# The losses a sigmoid output can be trained on (a softmax output, only on
# the log-loss): from the package's one table of output layers.
SIGMOID_LOSSES = sorted(loss for loss, output in HEADS if output == "sigmoid")


class SigmoidNeuronClassifier(ClassifierMixin, LinearSGDMixin, BaseEstimator):
    """The sigmoid neuron: a perceptron whose step is smoothed into an S.

    One neuron computes the decision value ``z = w·x + b`` and outputs
    ``σ(z) = 1 / (1 + exp(-z))``, a number in (0, 1) read as the probability
    of the positive class. Where the perceptron jumps from 0 to 1 at ``z = 0``,
    the sigmoid rises gently; the larger the weight, the steeper the S (its
    slope at the centre is ``w / 4``), and the bias slides it along the axis
    (its centre, where the probability is 0.5, sits at ``x = -b / w``).

    Labels are coded 0 and 1. With ``K > 2`` classes there is one neuron per
    class and a sample goes to the class whose neuron has the largest
    decision value; the ``output`` layer is one sigmoid per class (the classic
    network's) or a softmax (multinomial logistic regression). The weights
    start at zero and the biases at the log-odds of the class frequencies;
    they are learnt by SGD, Adam or L-BFGS on the squared error of the
    explanation (robust to a few mislabelled samples, but not convex) or on
    the log-loss (convex: logistic regression, better calibrated
    probabilities). The :ref:`user guide <sigmoid_neuron>` explains the S
    curve, the two output layers and the two losses.

    Parameters
    ----------
    loss : {'squared_error', 'log_loss'}, default='squared_error'
        The loss minimised: the mean squared error between ``σ(z)`` and the
        0/1 label (written without a factor ½), or the cross-entropy. With
        several classes and sigmoid outputs it is summed over the neurons
        (log-loss) or averaged over them (squared error); with a softmax
        output it is the cross-entropy ``-log p_y`` of the true class.
    output : {'auto', 'softmax', 'sigmoid'}, default='auto'
        The output layer with more than two classes: ``'sigmoid'``, one
        sigmoid per class trained on "class k" against the rest (its outputs
        divided by their sum for ``predict_proba``), or ``'softmax'``,
        ``e^{z_k} / Σ_j e^{z_j}``. 'auto' is
        'softmax' for ``loss='log_loss'`` (the optimum of the one-vs-rest
        sigmoids is a worse fit of the K-way probabilities) and 'sigmoid' for
        ``loss='squared_error'``; 'softmax' needs ``loss='log_loss'``. With
        two classes both are the same single sigmoid neuron.
    penalty : {'l2', 'l1', 'elasticnet'} or None, default='l2'
        Regularisation term added to the mean loss: ``alpha * ½‖w‖²`` for
        'l2', ``alpha * ‖w‖₁`` for 'l1'. The biases are not penalised.
    alpha : float, default=0.0001
        Strength of the penalty. With ``loss='log_loss'`` and 'l2', the
        optimum is that of ``LogisticRegression(C=1 / (alpha * n_samples))``.
    l1_ratio : float, default=0.15
        Mix of L1 in the elastic-net penalty (0 is L2, 1 is L1).
    fit_intercept : bool, default=True
        Learn the bias ``b``; if False, ``b`` stays 0.
    solver : {'sgd', 'adam', 'lbfgs'}, default='sgd'
        Stochastic gradient descent (with momentum), Adam, or L-BFGS on the
        whole data at once (as ``LogisticRegression``'s default solver; the
        penalty must then be 'l2' or None).
    learning_rate_init : float or 'auto', default='auto'
        The step size. 'auto' (for ``'sgd'``) takes ``1 / L``, with ``L``
        the largest curvature the mean loss over a batch can have: the
        loss's own bound (1/4 for the log-loss, about 0.154 for the squared
        error) times the largest eigenvalue of ``XᵀX / n`` (with a column of
        ones for the bias, found by a few power iterations on at most
        10 000 rows), moved towards the largest ``‖x_i‖²`` for small batches
        and with momentum, plus ``alpha``. It adapts to the scale of the
        data, so that no tuning is needed. For ``'adam'``, 'auto' is 0.01.
    learning_rate : {'constant', 'invscaling', 'adaptive'}, default='constant'
        Schedule of the step size for ``'sgd'``: fixed; ``learning_rate_init /
        (t + 1) ** power_t`` after ``t`` samples; or divided by 5 each time
        the loss stops falling by ``tol`` for ``n_iter_no_change`` epochs
        (training ends when it would fall below 1e-6).
    power_t : float, default=0.5
        Exponent of the 'invscaling' schedule.
    momentum : float, default=0.7
        Momentum of ``'sgd'``: each step adds ``momentum`` times the last one.
    nesterovs_momentum : bool, default=True
        Use Nesterov's momentum (when ``momentum > 0``).
    batch_size : int or 'auto', default='auto'
        Samples per gradient step; 'auto' is ``min(1024, n_samples)``, so a
        data set of up to 1024 samples is trained by full-batch gradient
        descent.
    max_iter : int, default=1000
        Largest number of epochs (passes over the training data).
    tol : float or None, default=1e-4
        Training (or, with 'adaptive', the current step size) stops when the
        epoch's mean training loss (validation loss with ``early_stopping``)
        has not improved by at least ``tol`` for ``n_iter_no_change`` epochs
        in a row. ``None`` trains for exactly ``max_iter`` epochs.
    n_iter_no_change : int, default=5
        Epochs without improvement tolerated, see ``tol``.
    max_fun : int, default=15000
        With ``solver='lbfgs'``, the largest number of evaluations of the loss
        and its gradient (``max_iter`` bounds the iterations).
    early_stopping : bool, default=False
        Set aside ``validation_fraction`` of the data (stratified) and watch
        the loss there instead; keep the weights with the best validation loss.
    validation_fraction : float, default=0.1
        Fraction of the training data used for early stopping.
    shuffle : bool, default=True
        Shuffle the training data before each epoch (in contiguous runs of
        ``batch_size // 16`` rows, so each mini-batch mixes 16 random stretches
        of the data).
    average : bool, int or 'auto', default='auto'
        Report the average of the weights over the steps (Polyak-Ruppert
        averaging) instead of the last ones; an int starts averaging after
        that many steps. The average smooths out the jitter of mini-batch
        gradients and lands much closer to the optimum than the last step.
        'auto' averages when an epoch has more than one batch; with a single
        batch (gradient descent) there is no jitter, and the last step is the
        better one.
    class_weight : dict, 'balanced' or None, default=None
        Weights of the classes, multiplied into the sample weights.
        'balanced' uses ``n_samples / (n_classes * np.bincount(y))``.
    warm_start : bool, default=False
        Start ``fit`` from the previous solution instead of zero weights.
    random_state : int, RandomState instance or None, default=0
        Seeds the shuffling and the validation split.
    verbose : int, default=0
        Print one line per epoch: loss, validation figures, time.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels.
    output_ : {'softmax', 'sigmoid'}
        The output layer used: ``output`` with 'auto' resolved; 'sigmoid'
        whenever there are two classes.
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
        The weights ``w`` of each neuron.
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
        Mean training loss of each epoch (penalty included), measured on the
        SGD iterates as they go.
    loss_ : float
        The last value of ``loss_curve_``.
    best_loss_ : float
        The smallest training loss (validation loss with ``early_stopping``).
    validation_scores_ : list of float
        Validation accuracy after each epoch (None without ``early_stopping``).
    validation_loss_curve_ : list of float
        Validation loss after each epoch (None without ``early_stopping``).
    best_validation_score_ : float
        Best validation accuracy (None without ``early_stopping``).

    See Also
    --------
    PerceptronClassifier : The same neuron with an all-or-nothing step.
    sklearn.linear_model.LogisticRegression : The log-loss optimum, by a
        second-order solver.
    sklearn.linear_model.SGDClassifier : Linear models by SGD, e.g.
        ``loss='log_loss'``.

    Notes
    -----
    With ``z_i = w·x_i + b``, labels ``y_i ∈ {0, 1}`` and sample weights
    ``s_i`` rescaled to mean 1, the two objectives (one neuron, L2 penalty) and
    their gradients with respect to ``z_i``:

    .. math::

        L_{\\mathrm{MSE}} = \\frac{1}{N} \\sum_i s_i (\\sigma(z_i) - y_i)^2
            + \\frac{\\alpha}{2} \\lVert w \\rVert^2,
        \\qquad
        \\frac{\\partial l_i}{\\partial z_i} =
            2 (\\sigma(z_i) - y_i)\\, \\sigma(z_i) (1 - \\sigma(z_i)),

        L_{\\log} = \\frac{1}{N} \\sum_i s_i \\left[\\log(1 + e^{z_i})
            - y_i z_i\\right] + \\frac{\\alpha}{2} \\lVert w \\rVert^2,
        \\qquad
        \\frac{\\partial l_i}{\\partial z_i} = \\sigma(z_i) - y_i.

    One step on a batch, in plain Python::

        coef_ -= learning_rate * (dZ.T @ X_batch / n_batch + alpha * coef_)

    With ``K > 2`` classes, one-hot labels ``y_ik`` and a softmax output, the
    objective is the multinomial cross-entropy, with the same simple gradient:

    .. math::

        L_{\\mathrm{softmax}} = \\frac{1}{N} \\sum_i s_i \\left[\\log \\sum_k
            e^{z_{ik}} - \\sum_k y_{ik} z_{ik}\\right]
            + \\frac{\\alpha}{2} \\sum_k \\lVert w_k \\rVert^2,
        \\qquad
        \\frac{\\partial l_i}{\\partial z_{ik}} = p_{ik} - y_{ik},
        \\quad p_{ik} = \\frac{e^{z_{ik}}}{\\sum_j e^{z_{ij}}}.

    It is convex (its Hessian in ``z`` is ``diag(p) - p pᵀ``, positive
    semi-definite). Adding the same vector to every ``w_k`` leaves the
    softmax unchanged, but with the L2 penalty on all K weight vectors the
    weights of the optimum are unique (they sum to zero over the classes)
    and equal multinomial ``LogisticRegression``'s at ``C = 1 / (alpha *
    n_samples)``; the biases, not penalised, are unique up to a common shift.
    The sum of log-losses of the sigmoid output is convex too (one logistic
    regression per class); the squared error is convex for neither.

    **Probabilities.** With two classes, ``predict_proba`` is
    ``[1 - σ(z), σ(z)]``. With ``K > 2`` and a softmax output it is the
    softmax ``p_k``. With sigmoid outputs the neurons answer K separate
    yes/no questions, so their outputs need not sum to 1; ``predict_proba``
    divides them by their sum (as scikit-learn's one-vs-rest classifiers do):

    .. math::

        P(y = k \\mid x) = \\frac{\\sigma(z_k)}{\\sum_j \\sigma(z_j)}.

    Either way it ranks the classes as the decision values do.

    Examples
    --------
    The critic of the explanation, made gentle: one feature (a rating),
    weight 1, bias -0.5. A rating of 0.49 or 0.51 now gives a probability
    near one half, not a harsh 0 or 1; a weight of 20 makes the S steep.

    >>> import numpy as np
    >>> from sknn_intuition import SigmoidNeuronClassifier
    >>> X = np.linspace(0, 1, 101).reshape(-1, 1)
    >>> y = (X[:, 0] > 0.5).astype(int)
    >>> clf = SigmoidNeuronClassifier().fit(X, y)
    >>> clf.coef_[0] = 1.0; clf.intercept_[0] = -0.5
    >>> clf.predict_proba([[0.49], [0.51]])[:, 1].round(3)
    array([0.498, 0.502])
    >>> clf.coef_[0] = 20.0; clf.intercept_[0] = -10.0
    >>> clf.predict_proba([[0.49], [0.51]])[:, 1].round(3)
    array([0.45, 0.55])

    Fitted on standardised data, with either loss:

    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> model = make_pipeline(StandardScaler(), SigmoidNeuronClassifier())
    >>> model.fit(X, y).score(X, y)
    0.98...

    Three classes with the log-loss: a softmax output, multinomial logistic
    regression, whose probabilities sum to 1.

    >>> from sklearn.datasets import load_iris
    >>> X, y = load_iris(return_X_y=True)
    >>> model = make_pipeline(StandardScaler(), SigmoidNeuronClassifier(loss="log_loss"))
    >>> model.fit(X, y).score(X, y)
    0.9...
    >>> model[-1].output_
    'softmax'
    >>> model.predict_proba(X[:2]).sum(axis=1)
    array([1., 1.])
    """

    _early_stopping_metric = "loss"
    _stratify_validation = True

    _parameter_constraints: dict = {
        "solver": [StrOptions({*OPTIMIZERS, *FULL_BATCH_SOLVERS})],
        "loss": [StrOptions(set(SIGMOID_LOSSES))],
        "output": [StrOptions({"auto", "softmax", "sigmoid"})],
        "penalty": [StrOptions({"l2", "l1", "elasticnet"}), None],
        "fit_intercept": ["boolean"],
        "learning_rate_init": [
            StrOptions({"auto"}),
            Interval(Real, 0, None, closed="neither"),
        ],
        "class_weight": [StrOptions({"balanced"}), dict, None],
        "average": [StrOptions({"auto"}), *TRAINER_CONSTRAINTS["average"]],
    }

    def __init__(
        self,
        *,
        loss="squared_error",
        output="auto",
        penalty="l2",
        alpha=0.0001,
        l1_ratio=0.15,
        fit_intercept=True,
        solver="sgd",
        learning_rate_init="auto",
        learning_rate="constant",
        power_t=0.5,
        momentum=0.7,
        nesterovs_momentum=True,
        batch_size="auto",
        max_iter=1000,
        tol=1e-4,
        n_iter_no_change=5,
        max_fun=15000,
        early_stopping=False,
        validation_fraction=0.1,
        shuffle=True,
        average="auto",
        class_weight=None,
        warm_start=False,
        random_state=0,
        verbose=0,
    ):
        self.loss = loss
        self.output = output
        self.penalty = penalty
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.learning_rate_init = learning_rate_init
        self.learning_rate = learning_rate
        self.power_t = power_t
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.shuffle = shuffle
        self.average = average
        self.class_weight = class_weight
        self.warm_start = warm_start
        self.random_state = random_state
        self.verbose = verbose

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, coef_init=None, intercept_init=None, sample_weight=None):
        """Fit the sigmoid neuron(s) by SGD on the chosen loss.

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
            The biases to start from; if None, the log-odds of the class
            frequencies (see the class's description).
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the samples; an integer weight counts as that many
            copies of the sample.

        Returns
        -------
        self : SigmoidNeuronClassifier
            The fitted estimator.
        """
        return self._fit(
            X, y, sample_weight, None, partial=False, init=(coef_init, intercept_init)
        )

    @available_if(_stochastic_solver)
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
        self : SigmoidNeuronClassifier
            The updated estimator.
        """
        return self._fit(X, y, sample_weight, classes, partial=True)

    def predict_proba(self, X):
        """Probability of each class: the output layer's answer, normalised.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input samples.

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
            Rows sum to 1; columns follow ``classes_``. With two classes,
            ``[1 - σ(z), σ(z)]``; with more, the softmax
            ``e^{z_k} / Σ_j e^{z_j}`` or, with sigmoid outputs,
            ``σ(z_k) / Σ_j σ(z_j)`` (see Notes of the class).
        """
        Z = self._output_values(X)  # checks that the model is fitted
        return self._head().predict_proba(Z)

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`, computed without underflow.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input samples.

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
            ``log P(y = classes_[k] | x)``.
        """
        Z = self._output_values(X)
        return self._head().predict_log_proba(Z)

    def _output_layer(self):
        """The output layer this fit uses: 'softmax' or 'sigmoid'.

        With two classes there is one neuron, and the softmax of ``(0, z)``
        is ``σ(z)``: both layers are the same, called 'sigmoid'.
        """
        output = self.output
        if output == "auto":
            output = "softmax" if self.loss == "log_loss" else "sigmoid"
        if output == "softmax" and (self.loss, "softmax") not in HEADS:
            raise ValueError(
                f"output='softmax' is trained on loss='log_loss' (the "
                f"cross-entropy of the softmax), got loss={self.loss!r}; use "
                "output='sigmoid' or 'auto' with this loss."
            )
        return output if len(self.classes_) > 2 else "sigmoid"

    def _sgd_settings(self):
        settings = super()._sgd_settings()
        auto = {
            name: training_state(self)["auto"][name]
            for name in ("learning_rate_init", "average")
            if isinstance(getattr(settings, name), str)
        }
        return dataclasses.replace(settings, **auto)

    def _resolve_auto_settings(self, X, sw, first):
        """Choose the values of ``learning_rate_init`` and ``average`` 'auto'.

        They are chosen on the data of ``fit`` or of the first ``partial_fit``.
        """
        if not first and "auto" in training_state(self):
            return
        n = X.shape[0]
        bs = self.batch_size
        batch = min(self._auto_batch_size if bs == "auto" else bs, n)
        # One batch per epoch is gradient descent: no noise to average out.
        training_state(self)["auto"] = {
            "average": bool(batch < n),
            "learning_rate_init": self._auto_learning_rate(X, sw, batch),
        }

    def _auto_learning_rate(self, X, sw, B):
        if self.solver != "sgd":
            return 0.01  # Adam's step scale (L-BFGS takes no step size)
        # The step is 1 / L, L the smoothness of the mean loss over a batch of
        # B of the n samples (Gower et al., 2019), which goes from the worst
        # single sample's (B = 1) to the whole data's (B = n). With momentum
        # the batch-to-batch noise adds up over about 1 / (1 - momentum) steps.
        n = X.shape[0]
        # A few milliseconds of matrix-vector products: BLAS threads would
        # cost more in hand-over than they save (far more on a busy machine).
        with np.errstate(all="ignore"), one_blas_thread():
            full = _largest_eigenvalue(X, sw, self.fit_intercept)
            single = _max_row_norm2(X, sw, self.fit_intercept)
            noise = (n - B) / (B * max(n - 1, 1))
            smooth = (1 - noise) * full + noise * single / (1 - self.momentum)
            curvature = self._head().curvature * smooth + self.alpha
        if not np.isfinite(curvature):
            raise ValueError(
                "learning_rate_init='auto' cannot size a step for features on this "
                "scale: their squared norms overflow (values up to "
                f"{float(abs(X).max()):.3g}). Standardise them (e.g. with "
                "StandardScaler), or set learning_rate_init."
            )
        return 1.0 / curvature if curvature > 0 else 1.0

    def _output(self):
        return self.output_

    def _loss(self):
        return self.loss

    def _fit(self, X, y, sample_weight, classes, *, partial, init=(None, None)):
        first = fit_mode(self) != "partial"
        # The labels' coding is the sigmoid head's (the softmax's is the same);
        # which of the two this fit uses depends on the classes found here.
        negative = head(self.loss, "sigmoid").negative
        X, y, sw, Y = prepare_classification(
            self, X, y, sample_weight, classes, partial=partial, negative=negative
        )
        output = self._output_layer()
        if fit_mode(self) == "warm" and output != self.output_:
            raise ValueError(
                f"warm_start=True: this fit's output layer is {output!r}, but the fitted "
                f"model's is {self.output_!r} (its weights mean something else); set "
                "warm_start=False to train a new model, or keep output and loss."
            )
        self.output_ = output
        self._resolve_auto_settings(X, sw, first)
        # The biases start where the best model that ignores x has them: at
        # the log-odds of the (weighted) class frequencies for sigmoids, at
        # their logarithms (centred) for a softmax. A sigmoid neuron then
        # never begins saturated on the wrong side for most of its samples,
        # where a squared error would have almost no gradient to climb out with.
        coef_init, intercept_init = init
        if intercept_init is None and fit_mode(self) == "fresh":
            # partial_fit's first batch may lack classes: those start neutral.
            present = np.isin(self.classes_, y)
            unseen = None
            if partial:
                unseen = ~present if Y.shape[1] > 1 else np.array([not present.all()])
            intercept_init = self._head().starting_bias(Y, sw, unseen)
        return self._fit_from(X, Y, sw, y, partial, coef_init, intercept_init)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


# ------------------------------------------- the automatic step's curvature


def _largest_eigenvalue(X, sw, fit_intercept, n_iter=15, max_rows=10_000):
    """Estimate ``λ_max(Aᵀ S A / Σ s)``, ``A = [X, 1]``, by power iteration.

    ``S`` holds the sample weights. Runs on an evenly spaced subset of at most
    ``max_rows`` rows; the estimate approaches ``λ_max`` from below and is
    tight after a few iterations.
    """
    step = max(1, X.shape[0] // max_rows)
    A = X[::step]
    if not sparse.issparse(A):
        A = np.ascontiguousarray(A)  # BLAS, not a strided loop, for A @ v
    s = np.ones(A.shape[0]) if sw is None else np.asarray(sw[::step], dtype=float)
    total = s.sum()
    d = X.shape[1]
    v = np.ones(d + fit_intercept)
    lam = 0.0
    for _ in range(n_iter):
        Av = A @ v[:d]
        if fit_intercept:
            Av += v[-1]
        Av *= s
        w = np.empty_like(v)
        w[:d] = A.T @ Av
        if fit_intercept:
            w[-1] = Av.sum()
        w /= total
        lam = float(np.linalg.norm(w))
        if not lam > 0 or not np.isfinite(lam):
            return lam
        v = w / lam
    return lam


def _max_row_norm2(X, sw, fit_intercept):
    if sparse.issparse(X):
        sq = np.asarray(X.multiply(X).sum(axis=1)).ravel()
    else:
        sq = np.einsum("ij,ij->i", X, X)
    if sw is not None:
        sq = sq[sw > 0]
    return float(sq.max()) + fit_intercept
