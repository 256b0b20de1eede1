"""FeedForwardRegressor and FeedForwardClassifier: the network, trained by backprop.

Layers of neurons, each computing ``g(b + w·input)``; random weights at the
start, then stochastic gradient descent on a loss, with the gradients from
backpropagation. The layer stack lives in :mod:`._network`, the training loop
in :mod:`._sgd`, the output layer's predictions in :mod:`._heads`; this module
says which loss sits on which output.
"""

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_is_fitted, validate_data

from . import _layout
from ._activations import ALIASES, HIDDEN_ACTIVATIONS
from ._base import (
    prepare_classification,
    validate_fit_data,
    validate_sample_weight,
)
from ._heads import head
from ._network import INITS, Stack, forward, init_parameters, layer_units
from ._optimizers import OPTIMIZERS
from ._sgd import FULL_BATCH_SOLVERS, SGDTrainerMixin, _stochastic_solver, fit_mode
from ._sklearn_private import Interval, StrOptions, _fit_context

_SHARED_CONSTRAINTS = {
    "solver": [StrOptions({*OPTIMIZERS, *FULL_BATCH_SOLVERS})],
    "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
    "activation": [StrOptions({*HIDDEN_ACTIVATIONS, *ALIASES}), list, tuple],
    "init": [StrOptions(set(INITS))],
    "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
    "beta_1": [Interval(Real, 0, 1, closed="left")],
    "beta_2": [Interval(Real, 0, 1, closed="left")],
    "epsilon": [Interval(Real, 0, None, closed="neither")],
}


class _FeedForwardMixin(SGDTrainerMixin):
    """The network's side of the trainer's hooks, shared by both estimators.

    Parameters are ``coefs_`` (one ``(fan_in, fan_out)`` weight matrix per
    layer) and ``intercepts_`` (one bias vector per layer). A subclass sets
    ``_loss_name()`` and the output activation.
    """

    _auto_batch_size = 200
    _early_stopping_metric = "loss"

    # ------------------------------------------------------------ structure
    def _hidden_sizes(self):
        sizes = self.hidden_layer_sizes
        if isinstance(sizes, Integral):
            sizes = [sizes]
        sizes = list(sizes)
        if any(
            not isinstance(h, Integral) or isinstance(h, bool) or h < 1 for h in sizes
        ):
            raise ValueError(
                "hidden_layer_sizes must be positive integers, one per hidden "
                f"layer; got {self.hidden_layer_sizes!r}."
            )
        return [int(h) for h in sizes]

    def _resolve_activations(self, n_hidden):
        act = self.activation
        names = [act] * n_hidden if isinstance(act, str) else list(act)
        if len(names) != n_hidden:
            raise ValueError(
                f"activation has {len(names)} names but the network has "
                f"{n_hidden} hidden layers (hidden_layer_sizes="
                f"{self.hidden_layer_sizes!r}); give one name, or one per layer."
            )
        names = [ALIASES.get(name, name) for name in names]
        for name in names:
            if name not in HIDDEN_ACTIVATIONS:
                raise ValueError(
                    f"activation {name!r} is not one of {list(HIDDEN_ACTIVATIONS)} "
                    f"(or {list(ALIASES)})."
                )
        return names

    def _layer_activations(self):
        return [*self.activations_, self.out_activation_]

    # ------------------------------------------------------- trainer hooks
    def _sgd_init_params(self, n_features, n_outputs, dtype, random_state):
        hidden = self._hidden_sizes()
        units = layer_units(n_features, hidden, n_outputs)
        self.activations_ = self._resolve_activations(len(hidden))
        self.out_activation_ = self._output_activation(n_outputs)
        # As MLP: a network asked for sigmoid hidden units takes the sigmoid
        # scale, even with no hidden layer.
        sigmoid = isinstance(self.activation, str) and ALIASES.get(
            self.activation, self.activation) == "sigmoid"
        self.coefs_, self.intercepts_ = init_parameters(
            units, self._layer_activations(), dtype, random_state, self.init,
            sigmoid=sigmoid or None,
        )
        self._tile_parameters()
        self.n_layers_ = len(units)
        self.n_outputs_ = int(n_outputs)

    def _tile_parameters(self):
        # Training runs on the weights and biases laid out in one flat buffer,
        # for speed (see _layout); a pickled or cloned network holds separate
        # arrays, laid out anew when it trains again.
        params = self._sgd_parameters()
        if _layout.tiled_buffer(params) is None:
            params = _layout.tiled_copy(params)
            self.coefs_, self.intercepts_ = params[0::2], params[1::2]

    def _sgd_parameters(self):
        # Alternating W_1, b_1, W_2, b_2, ...: their order in the flat buffer.
        return [p for layer in zip(self.coefs_, self.intercepts_) for p in layer]

    def _sgd_penalized(self):
        # The penalty applies to the weights, not to the biases.
        return [True, False] * len(self.coefs_)

    def _sgd_stack(self, arrays):
        return Stack(
            arrays[0::2], arrays[1::2], self.activations_, self.out_activation_, self._loss_name()
        )

    def _head(self):
        """The output layer's head, looked up from the loss and ``out_activation_``."""
        return head(self._loss_name(), self.out_activation_)

    # ----------------------------------------------------------------- fit
    def _check_continued(self, X):
        """Check that a continued fit (partial_fit, warm_start) matches the network."""
        if fit_mode(self) == "fresh":
            return
        n_in = self.coefs_[0].shape[0]
        if X.shape[1] != n_in:
            raise ValueError(
                f"X has {X.shape[1]} features, but the fitted network expects "
                f"{n_in}; to train a new network, set warm_start=False."
            )
        hidden = [W.shape[1] for W in self.coefs_[:-1]]
        activations = self._resolve_activations(len(hidden))
        if activations != list(self.activations_):
            raise ValueError(
                f"activation={self.activation!r} does not match the fitted network's "
                f"hidden layers {list(self.activations_)}; to train a new network, set "
                "warm_start=False."
            )
        if hidden != self._hidden_sizes():
            raise ValueError(
                f"hidden_layer_sizes={self.hidden_layer_sizes!r} does not match "
                f"the fitted network's hidden layers {hidden}; to train a new "
                "network, set warm_start=False."
            )

    def _run_trainer(self, X, Y, sw, y_score, partial):
        if fit_mode(self) != "fresh":
            self._tile_parameters()  # training continues from these arrays
        return self._sgd_fit(X, Y, sw, y_score, partial=partial)

    def _sgd_units(self, n_features, n_outputs):
        return layer_units(n_features, self._hidden_sizes(), n_outputs)

    # ---------------------------------------------------------- inspection
    def _forward(self, X):
        """Every layer's output for X: the hidden activations, then ``Z_L``."""
        check_is_fitted(self)
        X = validate_data(
            self, X, accept_sparse="csr", reset=False, dtype=[np.float64, np.float32]
        )
        return forward(self._sgd_stack(self._sgd_parameters()), X)

    def hidden_activations(self, X, layer=None):
        """Return the outputs ``g(b + w·input)`` of the hidden neurons for X.

        What the network has made of the input on its way to the output: the
        features it learnt.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input samples.
        layer : int or None, default=None
            Index of the hidden layer (0 is the first, -1 the last). None
            returns every hidden layer.

        Returns
        -------
        ndarray of shape (n_samples, hidden_layer_sizes[layer]) or list of ndarray
            The activations of that layer, or a list with one array per
            hidden layer.
        """
        n_hidden = len(self.coefs_) - 1 if hasattr(self, "coefs_") else None
        if layer is not None:
            if not isinstance(layer, Integral) or isinstance(layer, bool):
                raise TypeError(f"layer must be an int or None, got {layer!r}.")
            if n_hidden is not None and not -n_hidden <= layer < n_hidden:
                raise ValueError(
                    f"layer={layer} is out of range: the network has {n_hidden} "
                    "hidden layers."
                )
        hidden = self._forward(X)[:-1]
        return hidden if layer is None else hidden[layer]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


class FeedForwardRegressor(RegressorMixin, _FeedForwardMixin, BaseEstimator):
    """A feed-forward network trained on the mean squared error.

    Layers of neurons, each computing ``g(b + w·input)``: an input layer (one
    unit per feature), the hidden layers of ``hidden_layer_sizes``, and one
    output neuron per target with the identity as ``g``. Starting from random
    weights, gradient descent (Adam by default; ``solver='sgd', momentum=0``
    is the plain stochastic gradient descent of the explanation) lowers the
    mean squared error ``(1/N) Σ_i (y_i - ŷ_i)²`` (with several targets,
    averaged over them too), the gradients coming from backpropagation. With
    enough hidden neurons the network approximates any continuous function
    (the universal approximation theorem).

    Parameters
    ----------
    hidden_layer_sizes : array-like of int, default=(100,)
        Number of neurons of each hidden layer, input side first; ``()``
        gives a network with no hidden layer (a linear model).
    activation : {'relu', 'sigmoid', 'tanh', 'identity'} or list of them, default='relu'
        The function ``g`` of the hidden neurons: one name for every hidden
        layer, or a list with one name per hidden layer. 'sigmoid' gives the
        network of the classic explanation; 'relu' (the default, as in
        scikit-learn) trains faster on most data.
    init : {'glorot', 'he'}, default='glorot'
        How the random starting weights are scaled: uniform on ``[-r, r]``
        with Glorot's ``r = √(6 / (fan_in + fan_out))`` for every layer (as
        scikit-learn's MLP), or with He's ``r = √(6 / fan_in)`` for relu
        layers, twice the variance, which keeps the signal from shrinking
        layer after layer in deep relu networks. Glorot's trained as well or
        better on the shallow networks of our tests and benchmarks.
    solver : {'sgd', 'adam', 'lbfgs'}, default='adam'
        The update rule: stochastic gradient descent (with ``momentum``),
        Adam, or L-BFGS on the whole data at once (no mini-batches: often the
        best choice on small data, as in scikit-learn's MLP).
    alpha : float, default=0.0001
        Strength of the L2 penalty: the objective is the mean loss plus
        ``alpha * ½ Σ_l ‖W_l‖²`` (biases are not penalised). Unlike
        scikit-learn's MLP, the penalty is not divided by the batch size; see
        Notes.
    batch_size : int or 'auto', default='auto'
        Samples per gradient step; 'auto' is ``min(200, n_samples)``.
    learning_rate : {'constant', 'invscaling', 'adaptive'}, default='constant'
        Schedule of the step size (solver 'sgd' only): fixed;
        ``learning_rate_init / (t + 1) ** power_t`` after ``t`` samples; or
        divided by 5 each time the loss stops falling.
    learning_rate_init : float, default=0.001
        The step size.
    power_t : float, default=0.5
        Exponent of the 'invscaling' schedule.
    max_iter : int, default=200
        Largest number of epochs (passes over the training data).
    shuffle : bool, default=True
        Shuffle the samples before each epoch (in contiguous runs of
        ``batch_size // 16`` rows, so each batch mixes 16 random stretches).
    random_state : int, RandomState instance or None, default=None
        Seeds the initial weights, the shuffling and the validation split.
    tol : float or None, default=1e-4
        Training stops when the loss (the validation loss with
        ``early_stopping``) has not improved by at least ``tol`` for
        ``n_iter_no_change`` epochs in a row. None trains for ``max_iter``
        epochs.
    verbose : bool or int, default=False
        Print one line per epoch.
    warm_start : bool, default=False
        Start ``fit`` from the previous weights instead of new random ones.
    momentum : float, default=0.9
        Momentum of the 'sgd' solver.
    nesterovs_momentum : bool, default=True
        Use Nesterov's momentum (solver 'sgd').
    early_stopping : bool, default=False
        Set aside ``validation_fraction`` of the training data, stop when the
        loss on it has not improved for ``n_iter_no_change`` epochs, and keep
        the weights of the best epoch.
    validation_fraction : float, default=0.1
        Fraction of the training data used for early stopping.
    beta_1, beta_2 : float, default=0.9, 0.999
        Decay rates of Adam's moment estimates.
    epsilon : float, default=1e-8
        Adam's guard against division by zero.
    n_iter_no_change : int, default=10
        Epochs without improvement tolerated before stopping.
    max_fun : int, default=15000
        With ``solver='lbfgs'``, the largest number of evaluations of the loss
        and its gradient (``max_iter`` bounds the iterations).
    loss : {'squared_error', 'poisson'}, default='squared_error'
        The mean squared error of the explanation (identity output), or half
        the Poisson deviance ``y log(y / μ) - y + μ`` of an exponential output
        ``μ = e^z``, for counts and rates (scikit-learn's ``loss='poisson'``).

    Attributes
    ----------
    coefs_ : list of ndarray
        ``coefs_[l]`` of shape ``(units_l, units_{l+1})`` holds the weights
        from layer ``l`` to layer ``l + 1`` (layer 0 is the input).
    intercepts_ : list of ndarray
        ``intercepts_[l]`` of shape ``(units_{l+1},)`` holds the biases of
        layer ``l + 1``.
    activations_ : list of str
        The activation of each hidden layer.
    out_activation_ : str
        The activation of the output layer: 'identity', or 'exp' with
        ``loss='poisson'``.
    n_layers_ : int
        Number of layers, input and output included.
    n_outputs_ : int
        Number of output neurons.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the features, when X has string column names.
    loss_ : float
        The loss of the last epoch (penalty included).
    best_loss_ : float
        The smallest training loss, or validation loss with early stopping.
    loss_curve_ : list of float
        The mean training loss of each epoch (penalty included).
    validation_loss_curve_ : list of float
        Validation loss after each epoch (None without ``early_stopping``).
    validation_scores_ : list of float
        Validation score after each epoch (None without ``early_stopping``).
    best_validation_score_ : float
        Best validation score (None without ``early_stopping``).
    n_iter_ : int
        Number of epochs run.
    t_ : int
        Number of training samples seen (epochs times samples).

    See Also
    --------
    FeedForwardClassifier : The same network with one output neuron per class.
    sklearn.neural_network.MLPRegressor : scikit-learn's network.

    Notes
    -----
    The loss is the mean squared error of the explanation, without the ½
    that scikit-learn's MLP puts in front: our gradients are twice its, so
    its step with ``learning_rate_init=2 * lr`` is our step with ``lr``.

    The formulas and the random start: :ref:`feedforward`,
    :ref:`backpropagation`; the code that runs them: :ref:`code_map`; what
    differs from scikit-learn's MLP, the penalty's scale among it: :ref:`differences`.

    Examples
    --------
    A curve no straight line can follow:

    >>> import numpy as np
    >>> from sknn_intuition import FeedForwardRegressor
    >>> X = np.linspace(-3, 3, 200).reshape(-1, 1)
    >>> y = np.sin(X[:, 0])
    >>> net = FeedForwardRegressor(hidden_layer_sizes=(20,), activation="tanh",
    ...                            learning_rate_init=0.01, batch_size=20,
    ...                            random_state=0).fit(X, y)
    >>> net.score(X, y) > 0.98
    True
    >>> [W.shape for W in net.coefs_]
    [(1, 20), (20, 1)]
    >>> net.hidden_activations(X[:2], layer=0).shape
    (2, 20)
    """

    _parameter_constraints: dict = {
        **_SHARED_CONSTRAINTS,
        "loss": [StrOptions({"squared_error", "poisson"})],
    }

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        init="glorot",
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        loss="squared_error",
    ):
        self.loss = loss
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.init = init
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Train the network on its loss (by the chosen ``solver``).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the samples; an integer weight counts as that many
            copies of the sample.

        Returns
        -------
        self : FeedForwardRegressor
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight, partial=False)

    @available_if(_stochastic_solver)
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None):
        """Run one epoch of SGD over the given data, keeping the state.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the samples.

        Returns
        -------
        self : FeedForwardRegressor
            The updated estimator.
        """
        return self._fit(X, y, sample_weight, partial=True)

    def predict(self, X):
        """The network's output for each sample.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input samples.

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_targets)
            The predictions (one column per target when fitted on 2-D y).
        """
        Z = self._forward(X)[-1]  # checks that the network is fitted
        P = self._head().activation(Z, out=Z)  # z, or e^z for loss='poisson'
        return P.ravel() if P.shape[1] == 1 else P

    def _loss_name(self):
        return self.loss

    def _output_activation(self, n_outputs):
        return "exp" if self.loss == "poisson" else "identity"

    def _fit(self, X, y, sample_weight, *, partial):
        X, y = validate_fit_data(self, X, y, reset=fit_mode(self) != "partial", classifier=False)
        if self.loss == "poisson" and np.any(np.asarray(y) < 0):
            raise ValueError("loss='poisson' needs non-negative targets (counts, rates).")
        self._check_continued(X)
        sw = validate_sample_weight(sample_weight, X)
        Y = (y.reshape(-1, 1) if y.ndim == 1 else y).astype(X.dtype, copy=False)
        continued = fit_mode(self) != "fresh"
        if continued and Y.shape[1] != self.n_outputs_:
            raise ValueError(
                f"y has {Y.shape[1]} targets, but the fitted network has "
                f"{self.n_outputs_} outputs."
            )
        if continued and self._output_activation(Y.shape[1]) != self.out_activation_:
            raise ValueError(
                f"loss={self.loss!r} does not fit the trained output layer "
                f"({self.out_activation_!r}); to change the loss, set warm_start=False."
            )
        return self._run_trainer(X, Y, sw, y, partial)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.positive_only = self.loss == "poisson"  # counts and rates
        return tags



class FeedForwardClassifier(ClassifierMixin, _FeedForwardMixin, BaseEstimator):
    """A feed-forward network with one output neuron per class.

    The network of :class:`FeedForwardRegressor`, with an output layer that
    reads as probabilities: with two classes one sigmoid neuron answers "is
    it ``classes_[1]``?"; with more, one neuron per class. Trained by SGD and
    backpropagation on the log-loss (default) or on the mean squared error of
    the classic explanation.

    Parameters
    ----------
    hidden_layer_sizes : array-like of int, default=(100,)
        Number of neurons of each hidden layer, input side first; ``()``
        gives a network with no hidden layer (a linear model).
    activation : {'relu', 'sigmoid', 'tanh', 'identity'} or list of them, default='relu'
        The function ``g`` of the hidden neurons: one name for every hidden
        layer, or a list with one name per hidden layer. 'sigmoid' gives the
        network of the classic explanation; 'relu' (the default, as in
        scikit-learn) trains faster on most data.
    init : {'glorot', 'he'}, default='glorot'
        How the random starting weights are scaled: uniform on ``[-r, r]``
        with Glorot's ``r = √(6 / (fan_in + fan_out))`` for every layer (as
        scikit-learn's MLP), or with He's ``r = √(6 / fan_in)`` for relu
        layers, twice the variance, which keeps the signal from shrinking
        layer after layer in deep relu networks. Glorot's trained as well or
        better on the shallow networks of our tests and benchmarks.
    solver : {'sgd', 'adam', 'lbfgs'}, default='adam'
        The update rule: stochastic gradient descent (with ``momentum``),
        Adam, or L-BFGS on the whole data at once (no mini-batches: often the
        best choice on small data, as in scikit-learn's MLP).
    alpha : float, default=0.0001
        Strength of the L2 penalty: the objective is the mean loss plus
        ``alpha * ½ Σ_l ‖W_l‖²`` (biases are not penalised). Unlike
        scikit-learn's MLP, the penalty is not divided by the batch size; see
        Notes.
    batch_size : int or 'auto', default='auto'
        Samples per gradient step; 'auto' is ``min(200, n_samples)``.
    learning_rate : {'constant', 'invscaling', 'adaptive'}, default='constant'
        Schedule of the step size (solver 'sgd' only): fixed;
        ``learning_rate_init / (t + 1) ** power_t`` after ``t`` samples; or
        divided by 5 each time the loss stops falling.
    learning_rate_init : float, default=0.001
        The step size.
    power_t : float, default=0.5
        Exponent of the 'invscaling' schedule.
    max_iter : int, default=200
        Largest number of epochs (passes over the training data).
    shuffle : bool, default=True
        Shuffle the samples before each epoch (in contiguous runs of
        ``batch_size // 16`` rows, so each batch mixes 16 random stretches).
    random_state : int, RandomState instance or None, default=None
        Seeds the initial weights, the shuffling and the validation split.
    tol : float or None, default=1e-4
        Training stops when the loss (the validation loss with
        ``early_stopping``) has not improved by at least ``tol`` for
        ``n_iter_no_change`` epochs in a row. None trains for ``max_iter``
        epochs.
    verbose : bool or int, default=False
        Print one line per epoch.
    warm_start : bool, default=False
        Start ``fit`` from the previous weights instead of new random ones.
    momentum : float, default=0.9
        Momentum of the 'sgd' solver.
    nesterovs_momentum : bool, default=True
        Use Nesterov's momentum (solver 'sgd').
    early_stopping : bool, default=False
        Set aside ``validation_fraction`` of the training data, stop when the
        loss on it has not improved for ``n_iter_no_change`` epochs, and keep
        the weights of the best epoch.
    validation_fraction : float, default=0.1
        Fraction of the training data used for early stopping.
    beta_1, beta_2 : float, default=0.9, 0.999
        Decay rates of Adam's moment estimates.
    epsilon : float, default=1e-8
        Adam's guard against division by zero.
    n_iter_no_change : int, default=10
        Epochs without improvement tolerated before stopping.
    max_fun : int, default=15000
        With ``solver='lbfgs'``, the largest number of evaluations of the loss
        and its gradient (``max_iter`` bounds the iterations).
    loss : {'log_loss', 'squared_error'}, default='log_loss'
        'squared_error' is the explanation's network: sigmoid output neurons,
        one per class, trained on the mean squared error against 0/1
        targets. 'log_loss' uses a softmax output (a sigmoid for two classes)
        and the cross-entropy. It is the default because the two fit each
        other: the error at the output is just ``p - y``, while with the
        squared error it is multiplied by the sigmoid's slope ``p (1 - p)``,
        which nearly vanishes when a neuron is confidently wrong, so
        learning stalls exactly where it is needed. The softmax outputs are
        also probabilities that sum to one.
    class_weight : dict, 'balanced' or None, default=None
        Weights of the classes, multiplied into the sample weights.
        'balanced' uses ``n_samples / (n_classes * np.bincount(y))``.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels (for multilabel targets, the label indices
        ``0 .. n_labels - 1``).
    coefs_ : list of ndarray
        ``coefs_[l]`` of shape ``(units_l, units_{l+1})`` holds the weights
        from layer ``l`` to layer ``l + 1`` (layer 0 is the input).
    intercepts_ : list of ndarray
        ``intercepts_[l]`` of shape ``(units_{l+1},)`` holds the biases of
        layer ``l + 1``.
    activations_ : list of str
        The activation of each hidden layer.
    out_activation_ : str
        The activation of the output layer: 'softmax' with
        ``loss='log_loss'`` and more than two classes, else 'sigmoid'.
    n_layers_ : int
        Number of layers, input and output included.
    n_outputs_ : int
        Number of output neurons.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the features, when X has string column names.
    loss_ : float
        The loss of the last epoch (penalty included).
    best_loss_ : float
        The smallest training loss, or validation loss with early stopping.
    loss_curve_ : list of float
        The mean training loss of each epoch (penalty included).
    validation_loss_curve_ : list of float
        Validation loss after each epoch (None without ``early_stopping``).
    validation_scores_ : list of float
        Validation score after each epoch (None without ``early_stopping``).
    best_validation_score_ : float
        Best validation score (None without ``early_stopping``).
    n_iter_ : int
        Number of epochs run.
    t_ : int
        Number of training samples seen (epochs times samples).

    See Also
    --------
    FeedForwardRegressor : The same network for continuous targets.
    sklearn.neural_network.MLPClassifier : scikit-learn's network.

    Notes
    -----
    With ``loss='squared_error'`` the loss is
    ``mean_k (p_ik - y_ik)²`` per sample and ``predict_proba`` divides the
    sigmoid outputs by their sum (more than two classes). With 'log_loss' it
    is the cross-entropy ``-Σ_k y_ik log p_ik``, and the error at the output
    is ``D_L = (p - y) s_i / N``.

    The formulas and the random start: :ref:`feedforward`,
    :ref:`backpropagation`; the code that runs them: :ref:`code_map`; what
    differs from scikit-learn's MLP, the penalty's scale among it: :ref:`differences`.

    Examples
    --------
    XOR, the classic function no single neuron can learn:

    >>> import numpy as np
    >>> from sknn_intuition import FeedForwardClassifier
    >>> X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]] * 25, dtype=float)
    >>> y = np.logical_xor(X[:, 0], X[:, 1]).astype(int)
    >>> clf = FeedForwardClassifier(hidden_layer_sizes=(8,), activation="tanh",
    ...                             learning_rate_init=0.05, random_state=0)
    >>> clf.fit(X, y).predict([[0, 0], [0, 1], [1, 0], [1, 1]])
    array([0, 1, 1, 0])
    >>> clf.predict_proba([[0, 1]]).round(2).shape
    (1, 2)
    """

    _stratify_validation = True

    _parameter_constraints: dict = {
        **_SHARED_CONSTRAINTS,
        "loss": [StrOptions({"log_loss", "squared_error"})],
        "class_weight": [StrOptions({"balanced"}), dict, None],
    }

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        init="glorot",
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        loss="log_loss",
        class_weight=None,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.init = init
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.loss = loss
        self.class_weight = class_weight

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Train the network on the chosen loss (by the chosen ``solver``).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,)
            Class labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the samples; an integer weight counts as that many
            copies of the sample.

        Returns
        -------
        self : FeedForwardClassifier
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight, None, partial=False)

    @available_if(_stochastic_solver)
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """Run one epoch of SGD over the given data, keeping the state.

        The arguments come in the order of scikit-learn's
        ``MLPClassifier.partial_fit``, so positional calls carry over.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,)
            Class labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the samples.
        classes : array-like of shape (n_classes,), default=None
            All the classes that may appear; required on the first call.

        Returns
        -------
        self : FeedForwardClassifier
            The updated estimator.
        """
        return self._fit(X, y, sample_weight, classes, partial=True)

    def predict(self, X):
        """Predict the class of each sample.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input samples.

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_labels)
            The class whose output neuron is largest (with two classes,
            ``classes_[1]`` where the neuron's ``z`` is above 0, i.e. its
            output above 0.5); for multilabel targets, the indicator matrix
            of the labels whose neuron's ``z`` is above 0.
        """
        Z = self._forward(X)[-1]
        decision = self._head().decision(Z, self._multilabel)
        return decision if self._multilabel else self.classes_[decision]

    def predict_proba(self, X):
        """Probability of each class, from the output neurons.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input samples.

        Returns
        -------
        ndarray of shape (n_samples, n_classes) or (n_samples, n_labels)
            Rows sum to one. With two classes, ``[1 - p, p]`` for the single
            neuron's output ``p``; with 'squared_error' and more classes, the
            sigmoid outputs divided by their sum (computed in log space, so
            that it holds when every output rounds to 0); for multilabel
            targets, each label's own ``σ(z)``.
        """
        Z = self._forward(X)[-1]  # checks that the network is fitted
        return self._head().predict_proba(Z, self._multilabel)

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`, computed without underflow.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input samples.

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
            The log-probabilities, computed from the output layer's ``z`` in
            log space: finite even where a probability rounds to 0.
        """
        Z = self._forward(X)[-1]
        return self._head().predict_log_proba(Z, self._multilabel)

    _multilabel = False

    def _loss_name(self):
        return self.loss

    def _output_activation(self, n_outputs):
        # One sigmoid per label for multilabel targets; per class otherwise.
        softmax = self.loss == "log_loss" and n_outputs > 1 and not self._multilabel
        return "softmax" if softmax else "sigmoid"

    def _prepare_multilabel(self, X, Y, sample_weight, continued):
        """Multilabel targets: one sigmoid output per label, answering yes or no."""
        if self.class_weight is not None:
            raise ValueError("class_weight is not supported for multilabel targets.")
        X, Y = validate_fit_data(self, X, Y, reset=fit_mode(self) != "partial", classifier=True,
                                 multi_output=True)
        if continued and not (self._multilabel and len(self.classes_) == Y.shape[1]):
            raise ValueError(
                f"y has {Y.shape[1]} labels, but the network was fitted on "
                + (f"{len(self.classes_)} labels." if self._multilabel else "classes.")
            )
        self.classes_ = np.arange(Y.shape[1])
        self._multilabel = True
        sw = validate_sample_weight(sample_weight, X)
        coding = head(self.loss, "sigmoid")  # each label's own sigmoid
        return X, Y, sw, np.where(Y > 0, coding.positive, coding.negative).astype(X.dtype)

    def _fit(self, X, y, sample_weight, classes, *, partial):
        continued = fit_mode(self) != "fresh"
        if np.asarray(y).ndim == 2 and type_of_target(y) == "multilabel-indicator":
            X, y, sw, Y = self._prepare_multilabel(X, y, sample_weight, continued)
        else:
            if continued and self._multilabel:
                raise ValueError("The network was fitted on multilabel targets; y is not.")
            # The labels' coding is the sigmoid head's (the softmax's is the
            # same); which of the two this fit uses depends on the classes.
            negative = head(self.loss, "sigmoid").negative
            X, y, sw, Y = prepare_classification(
                self, X, y, sample_weight, classes, partial=partial, negative=negative
            )
            self._multilabel = False
        self._check_continued(X)  # (the classes: checked by the front end)
        n_outputs = Y.shape[1]
        if continued and self._output_activation(n_outputs) != self.out_activation_:
            raise ValueError(
                f"loss={self.loss!r} does not fit the trained output layer "
                f"({self.out_activation_!r}); to change the loss, set "
                "warm_start=False."
            )
        return self._run_trainer(X, Y, sw, y, partial)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags
