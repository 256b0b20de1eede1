"""The training kernel: what a model trained on data spread over many places needs.

An estimator trains on data in memory. To train it on data kept in blocks on
other machines (:mod:`sknn_intuition.dask`), a driver needs a handful of
operations on the estimator, and nothing more:

* :func:`initialize` - run the estimator's own front end (input checks,
  classes, label coding, class weights, 'auto' choices) on a sample and start
  its parameters exactly as a fresh ``fit`` would, without training;
* :func:`get_flat` / :func:`set_flat` - its parameters as one flat vector,
  in the order of its L-BFGS solver;
* :func:`encode` - a block of ``(X, y, sample_weight)`` as the trainer sees
  it: validated ``X``, encoded targets ``Y``, weights with ``class_weight``
  folded in;
* :func:`loss_gradient_sums` - on one block, the *sums* ``Σ s_i l_i``, their
  gradient and ``Σ s_i``, which add up over blocks (means do not);
* :func:`penalty` - the L2 penalty and its gradient, added once to the
  objective of all the data.

The mean loss of all the data is ``Σ_blocks loss_sum / Σ_blocks weight_sum``,
which is the objective of the estimator's own ``solver='lbfgs'`` (whose sample
weights are rescaled to mean 1). Every number comes from the estimator's one
batch hook (forward, the loss table, backward); this module has no formula of
its own.

Examples
--------
>>> import numpy as np
>>> from sknn_intuition import FeedForwardRegressor, kernel
>>> rng = np.random.default_rng(0)
>>> X = rng.standard_normal((100, 3))
>>> y = X[:, 0] - 2 * X[:, 1]
>>> net = kernel.initialize(FeedForwardRegressor((4,), random_state=0), X, y)
>>> x = kernel.get_flat(net)
>>> x.shape                                  # 3*4 + 4 + 4*1 + 1
(21,)
>>> Xb, Yb, sw = kernel.encode(net, X, y)
>>> (l1, g1, w1), (l2, g2, w2) = (kernel.loss_gradient_sums(net, Xb[s], Yb[s])
...                               for s in (slice(0, 60), slice(60, 100)))
>>> w1 + w2
100.0
>>> full_loss, full_grad, _ = kernel.loss_gradient_sums(net, Xb, Yb)
>>> bool(np.isclose(l1 + l2, full_loss)) and np.allclose(g1 + g2, full_grad)
True
"""

import warnings

import numpy as np
from sklearn.base import is_classifier
from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data

from . import _sgd

# loss_gradient_sums goes over a block this many rows at a time.
_CHUNK_ROWS = 4096

__all__ = [
    "encode",
    "get_flat",
    "initialize",
    "loss_gradient_sums",
    "penalty",
    "set_flat",
    "supports",
]


def supports(estimator):
    """Whether the kernel can train ``estimator``.

    The networks (``FeedForwardRegressor``, ``FeedForwardClassifier``) and
    the sigmoid neuron: the estimators trained by gradient descent on a
    differentiable loss.

    Parameters
    ----------
    estimator : estimator instance
        Any scikit-learn estimator.

    Returns
    -------
    bool
        True for the estimators the kernel trains.

    Examples
    --------
    >>> from sknn_intuition import PerceptronClassifier, SigmoidNeuronClassifier, kernel
    >>> kernel.supports(SigmoidNeuronClassifier()), kernel.supports(PerceptronClassifier())
    (True, False)
    """
    from ._feedforward import _FeedForwardMixin
    from ._sigmoid_neuron import SigmoidNeuronClassifier

    return isinstance(estimator, (_FeedForwardMixin, SigmoidNeuronClassifier))


def _check_supported(estimator):
    if not supports(estimator):
        raise TypeError(
            "The training kernel takes FeedForwardRegressor, FeedForwardClassifier or "
            f"SigmoidNeuronClassifier, got {type(estimator).__name__}."
        )


def initialize(estimator, X, y, sample_weight=None):
    """Prepare ``estimator`` on ``(X, y)`` and start its parameters, without training.

    Runs the estimator's own ``fit`` up to the training loop: the input
    checks, ``classes_``, ``n_features_in_`` (and feature names), the
    class weights, the values of 'auto' settings and the starting parameters
    (random weights seeded by ``random_state``, the sigmoid neuron's biases
    at the weighted class frequencies) - the very start of a fresh ``fit``
    on the same data.

    Parameters
    ----------
    estimator : FeedForwardRegressor, FeedForwardClassifier or SigmoidNeuronClassifier
        Changed in place (any earlier fit is discarded).
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        A sample that shows the data's features, every class, and (for the
        sigmoid neuron's starting biases) their weighted frequencies.
    y : array-like of shape (n_samples,) or (n_samples, n_targets)
        Targets of the sample (class labels, or values).
    sample_weight : array-like of shape (n_samples,), default=None
        Weights of the sample's rows.

    Returns
    -------
    estimator
        The estimator, with its parameters set and no training done: it has
        no ``n_iter_`` yet.

    Examples
    --------
    >>> import numpy as np
    >>> from sknn_intuition import FeedForwardClassifier, kernel
    >>> X, y = np.zeros((3, 2)), np.array(["a", "b", "c"])
    >>> net = kernel.initialize(FeedForwardClassifier((5,), random_state=0), X, y)
    >>> net.classes_, [W.shape for W in net.coefs_], hasattr(net, "n_iter_")
    (array(['a', 'b', 'c'], dtype='<U1'), [(2, 5), (5, 3)], False)
    """
    _check_supported(estimator)
    for name in _sgd.state_names(estimator):  # a fresh start, even with warm_start=True
        delattr(estimator, name)
    with _sgd.front_end_only():
        estimator.fit(X, y, sample_weight=sample_weight)
    return estimator


def _parameters(estimator):
    check_is_fitted(estimator)
    return estimator._sgd_parameters()


def get_flat(estimator):
    """The parameters of ``estimator`` as one float64 vector (a copy).

    The order is that of the estimator's ``solver='lbfgs'``: for a network
    ``W_1, b_1, W_2, b_2, ...``, each raveled in C order; for the sigmoid
    neuron ``coef_`` then ``intercept_``.

    Parameters
    ----------
    estimator : fitted or initialised estimator
        The model whose parameters are read.

    Returns
    -------
    ndarray of shape (n_parameters,)
        All parameters, one after the other.

    Examples
    --------
    >>> import numpy as np
    >>> from sknn_intuition import SigmoidNeuronClassifier, kernel
    >>> X, y = np.eye(2), np.array([0, 1])
    >>> neuron = kernel.initialize(SigmoidNeuronClassifier(), X, y)
    >>> kernel.get_flat(neuron)                  # zero weights, bias logit(1/2)
    array([0., 0., 0.])
    """
    return np.concatenate([np.ravel(p) for p in _parameters(estimator)], dtype=np.float64)


def set_flat(estimator, x):
    """Write the flat vector ``x`` into the parameters of ``estimator``, in place.

    Parameters
    ----------
    estimator : fitted or initialised estimator
        The model whose parameters are written.
    x : array-like of shape (n_parameters,)
        In the order of :func:`get_flat`; cast to the parameters' dtype.

    Returns
    -------
    estimator
        The same estimator, changed in place.

    Examples
    --------
    >>> import numpy as np
    >>> from sknn_intuition import SigmoidNeuronClassifier, kernel
    >>> neuron = kernel.initialize(SigmoidNeuronClassifier(), np.eye(2), [0, 1])
    >>> kernel.set_flat(neuron, [1.0, -1.0, 0.5]).coef_, neuron.intercept_
    (array([[ 1., -1.]]), array([0.5]))
    """
    params = _parameters(estimator)
    x = np.asarray(x, dtype=np.float64).ravel()
    size = sum(p.size for p in params)
    if x.shape != (size,) or not np.all(np.isfinite(x)):
        raise ValueError(
            f"x must hold the {size} finite parameters of the model, got shape {x.shape}."
        )
    _sgd._unflatten(x, params)
    return estimator


def encode(estimator, X, y, sample_weight=None):
    """One block of data as the trainer sees it: ``(X, Y, sample_weight)``.

    ``X`` is validated against the initialised estimator (its number of
    features) in the dtype of its parameters; ``y`` becomes the targets of
    the output neurons (the class coding of the estimator's head, for
    classifiers); the estimator's ``class_weight`` (a dict, or 'balanced' as
    resolved by :func:`initialize`: pass a dict of the whole data's weights
    for blocks) is multiplied into the sample weights.

    Parameters
    ----------
    estimator : initialised estimator
        The model (see :func:`initialize`) whose coding is used.
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        The block's features.
    y : array-like of shape (n_samples,) or (n_samples, n_targets)
        The block's class labels or target values.
    sample_weight : array-like of shape (n_samples,), default=None
        The block's sample weights.

    Returns
    -------
    X : ndarray or CSR matrix of shape (n_samples, n_features)
        The features, validated, in the parameters' dtype.
    Y : ndarray of shape (n_samples, n_outputs)
        The targets of the output neurons.
    sample_weight : ndarray of shape (n_samples,) or None
        The weights, with the class weights multiplied in.

    Examples
    --------
    >>> import numpy as np
    >>> from sknn_intuition import FeedForwardClassifier, kernel
    >>> net = kernel.initialize(FeedForwardClassifier((2,)), np.zeros((3, 1)), [0, 1, 2])
    >>> kernel.encode(net, [[5.0], [6.0]], [2, 0])[1]
    array([[0., 0., 1.],
           [1., 0., 0.]])
    """
    from ._base import class_sample_weight, encode_labels, validate_sample_weight

    params = _parameters(estimator)
    dtype = params[0].dtype
    with warnings.catch_warnings():  # a block cut from a DataFrame has lost its names
        warnings.filterwarnings("ignore", message="X does not have valid feature names")
        X, y = validate_data(
            estimator,
            X,
            y,
            reset=False,
            accept_sparse=["csr"],
            dtype=dtype,
            order="C",
            multi_output=not is_classifier(estimator),
            y_numeric=not is_classifier(estimator),
        )
    sw = validate_sample_weight(sample_weight, X) if sample_weight is not None else None
    n_outputs = estimator._sgd_stack(params).coefs[-1].shape[1]
    if not is_classifier(estimator):
        Y = (y.reshape(-1, 1) if y.ndim == 1 else y).astype(dtype, copy=False)
        if Y.shape[1] != n_outputs:
            raise ValueError(f"y has {Y.shape[1]} targets, the model has {n_outputs} outputs.")
        if getattr(estimator, "loss", None) == "poisson" and np.any(Y < 0):
            raise ValueError("loss='poisson' needs non-negative targets (counts, rates).")
        return X, np.asfortranarray(Y), sw
    if getattr(estimator, "_multilabel", False):
        raise ValueError("The training kernel does not take multilabel targets.")
    classes = estimator.classes_
    y = column_or_1d(y)
    idx = np.clip(np.searchsorted(classes, y), 0, len(classes) - 1)
    unseen = classes[idx] != y
    if np.any(unseen):
        raise ValueError(
            f"y contains labels not in classes: {np.unique(y[unseen]).tolist()}; "
            f"classes are {classes.tolist()}."
        )
    if estimator.class_weight is not None:
        if isinstance(estimator.class_weight, str):
            raise ValueError(
                "class_weight='balanced' needs the class counts of all the data: give "
                "the block a dict of the weights computed from them."
            )
        sw = class_sample_weight(
            estimator, idx, sw, estimator.class_weight, partial=False, dtype=dtype
        )
    Y = encode_labels(
        idx, len(classes), positive=1, negative=estimator._head().negative, dtype=dtype
    )
    return X, np.asfortranarray(Y), sw


def loss_gradient_sums(estimator, X, Y, sample_weight=None, x=None):
    """On one block: ``Σ s_i l_i``, its gradient, and ``Σ s_i``.

    Sums, not means, so that blocks add up: the mean loss of all the data is
    the total of ``loss_sum`` over the blocks divided by the total of
    ``weight_sum``, and likewise its gradient. They are the estimator's own
    batch hook (forward, the loss table, backward) times the number of rows,
    taken a few thousand rows at a time (which keeps the layers' arrays in
    the cache) and added up. The penalty is not included (see :func:`penalty`).

    Parameters
    ----------
    estimator : initialised estimator
        The model (see :func:`initialize`).
    X : ndarray or CSR matrix of shape (n_samples, n_features)
        A block's features, as :func:`encode` returns them.
    Y : ndarray of shape (n_samples, n_outputs)
        Its encoded targets.
    sample_weight : ndarray of shape (n_samples,) or None, default=None
        Its weights, as given (not rescaled).
    x : ndarray of shape (n_parameters,), default=None
        Parameters to evaluate at, in the order of :func:`get_flat`; None for
        the estimator's own. The estimator is not changed.

    Returns
    -------
    loss_sum : float
        ``Σ s_i l_i`` over the block's rows.
    gradient_sum : ndarray of shape (n_parameters,), float64
        Its gradient with respect to the parameters, flat.
    weight_sum : float
        ``Σ s_i``, or the number of rows without weights.

    Examples
    --------
    >>> import numpy as np
    >>> from sknn_intuition import SigmoidNeuronClassifier, kernel
    >>> neuron = kernel.initialize(SigmoidNeuronClassifier(loss="log_loss"),
    ...                            np.eye(2), [0, 1])
    >>> loss, grad, weight = kernel.loss_gradient_sums(neuron, *kernel.encode(
    ...     neuron, [[1.0, 0.0], [0.0, 1.0]], [0, 1], [1.0, 3.0]))
    >>> round(loss, 6), weight                   # (1 + 3) log 2: both at p = 1/2
    (2.772589, 4.0)
    """
    params = _parameters(estimator)
    if x is not None:
        x = np.asarray(x, dtype=np.float64)
        params = [np.empty_like(p) for p in params]
        _sgd._unflatten(x, params)
    n = X.shape[0]
    grads = [np.empty_like(p) for p in params]
    loss, gradient = 0.0, np.zeros(sum(p.size for p in params))
    if n == 0:
        return loss, gradient, 0.0
    Y = np.asfortranarray(Y)
    workspace = estimator._sgd_workspace(X, Y)
    # The rows a chunk at a time (the sums add up): the layers' batch arrays,
    # made once and reused, stay in the cache instead of spanning the block.
    for start in range(0, n, _CHUNK_ROWS):
        rows = slice(start, start + _CHUNK_ROWS)
        Yc = np.asfortranarray(Y[rows])
        sw = None if sample_weight is None else sample_weight[rows]
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            mean, _ = estimator._sgd_loss_and_gradients(params, X[rows], Yc, sw, grads, workspace)
        m = Yc.shape[0]
        loss += float(mean) * m
        gradient += np.concatenate([np.ravel(g) for g in grads], dtype=np.float64) * m
    weight = float(n if sample_weight is None else np.sum(sample_weight, dtype=np.float64))
    return loss, gradient, weight


def penalty(estimator, x=None):
    """The penalty ``alpha * ½ Σ ‖W‖²`` and its gradient, at ``x`` (flat).

    What the estimator's ``solver='lbfgs'`` adds to the mean loss: the
    weights are penalised, the biases not. Only the L2 penalty is smooth
    enough for L-BFGS; an L1 part is refused.

    Parameters
    ----------
    estimator : initialised estimator
        The model, whose ``alpha`` and ``penalty`` are read.
    x : ndarray of shape (n_parameters,), default=None
        Parameters in the order of :func:`get_flat`; None for the estimator's own.

    Returns
    -------
    value : float
        The penalty.
    gradient : ndarray of shape (n_parameters,), float64
        Its gradient, flat (zero for the biases).

    Examples
    --------
    >>> import numpy as np
    >>> from sknn_intuition import SigmoidNeuronClassifier, kernel
    >>> neuron = kernel.initialize(SigmoidNeuronClassifier(alpha=0.5), np.eye(2), [0, 1])
    >>> value, grad = kernel.penalty(neuron, [2.0, 0.0, 7.0])   # the bias is not penalised
    >>> value, grad
    (1.0, array([1., 0., 0.]))
    """
    s = estimator._sgd_settings()
    if s.penalty not in (None, "l2") and s.alpha > 0:
        raise ValueError(
            f"Only the L2 penalty is differentiable; got penalty={s.penalty!r}."
        )
    params = [np.array(p, dtype=np.float64) for p in _parameters(estimator)]
    if x is not None:
        _sgd._unflatten(np.asarray(x, dtype=np.float64), params)
    grads = [np.zeros_like(p) for p in params]
    value = _sgd.penalty_value_and_gradient(
        s.penalty, s.alpha, 0.0, params, estimator._sgd_penalized(), grads
    )
    return float(value), np.concatenate([g.ravel() for g in grads])
