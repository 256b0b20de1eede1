"""Export fitted estimators to ONNX, through skl2onnx.

Importing this module registers a shape calculator and a converter for every
estimator of the package with `skl2onnx <https://onnx.ai/sklearn-onnx/>`_;
after it, ``skl2onnx.to_onnx`` (or ``convert_sklearn``) converts them alone
or as a step of a ``Pipeline``, like any scikit-learn estimator::

    import sknn_intuition.onnx  # noqa: F401  (registers the converters)
    from skl2onnx import to_onnx

    onx = to_onnx(model, X[:1].astype(np.float32))

The graphs are built from the fitted attributes alone, layer by layer, as the
estimators' ``predict`` computes them:

- the linear models: ``z = X @ coef_.T + intercept_``;
- the networks: ``A_l = g_l(A_{l-1} @ coefs_[l] + intercepts_[l])`` with the
  activations ``activations_``;
- the towers: the one-dimensional towers of ``tower_feature_``,
  ``tower_left_``, ``tower_right_`` and ``steepness_``, the cell towers of
  ``cells_`` and ``cell_edges_``, then ``T @ heights_ + intercept_``;
- the output layer, from its ``z``: the nodes of the estimator's head (see
  ``_heads``), looked up from its loss and output activation, as its
  ``predict``, ``predict_proba`` and decision rule use it.

A classifier has two outputs, as scikit-learn's classifiers converted by
skl2onnx: the label, and the probabilities (a list of dicts, or a
``(n_samples, n_classes)`` tensor with the option ``zipmap=False``).
:class:`~sknn_intuition.PerceptronClassifier` has no probabilities; as for
scikit-learn's ``Perceptron``, its second output holds the decision values
(``[-z, z]`` with two classes). A network fitted on multilabel targets gives
the indicator matrix ``σ(z) > 0.5`` and each label's ``σ(z)``. A regressor
has one output, shaped as its
``predict``: ``(n_samples,)`` for one target, ``(n_samples, n_targets)``
otherwise.

The graphs compute in the input's type (float32 or float64; float32 for
integer inputs), except the towers', which compute in float64 and return the
input's type: rounded to float32, the walls of steep towers would move their
activations, and the large heights of opposite signs that the exact solve
often finds cancel in the sum.
"""

import numpy as np
from onnx import TensorProto, numpy_helper
from scipy import sparse
from skl2onnx import update_registered_converter
from skl2onnx.common.data_types import (
    DoubleTensorType,
    FloatTensorType,
    Int64TensorType,
    StringTensorType,
)
from skl2onnx.common.utils import check_input_and_output_numbers
from skl2onnx.common.utils_classifier import get_label_classes

from ._feedforward import FeedForwardClassifier, FeedForwardRegressor
from ._heads import head
from ._perceptron import PerceptronClassifier
from ._sigmoid_neuron import SigmoidNeuronClassifier
from ._tower import TowerRegressor
from ._tower_layout import tower_peak

# The activations of a hidden layer, by name, as ONNX operators (the output
# layer's are its head's).
_ONNX_ACTIVATIONS = {
    "identity": "Identity",
    "sigmoid": "Sigmoid",
    "logistic": "Sigmoid",
    "tanh": "Tanh",
    "relu": "Relu",
}

# The options every classifier accepts, as skl2onnx's own classifiers do.
_CLASSIFIER_OPTIONS = {
    "zipmap": [True, False, "columns"],
    "output_class_labels": [False, True],
    "nocl": [True, False],
}


class _Graph:
    """Adds nodes and constants for one operator.

    It computes in the input's float type (float32 for integer inputs), or in
    float64 with ``double=True``; :meth:`output` casts the result back.
    """

    def __init__(self, scope, operator, container, double=False):
        self.scope, self.container = scope, container
        self.out_proto = _float_proto(operator)
        self.proto = TensorProto.DOUBLE if double else self.out_proto
        self.dtype = np.float64 if self.proto == TensorProto.DOUBLE else np.float32
        self.X = operator.inputs[0].full_name
        if _float_proto(operator, exact=True) != self.proto:
            self.X = self.op("Cast", self.X, to=self.proto)

    def const(self, value, dtype=None):
        """A constant (an initializer), in the graph's float type by default."""
        value = np.asarray(value, dtype=self.dtype if dtype is None else dtype)
        name = self.scope.get_unique_variable_name("c")
        if value.dtype.kind == "U":
            flat = [v.encode("utf-8") for v in value.ravel()]
            self.container.add_initializer(name, TensorProto.STRING, list(value.shape), flat)
        else:
            tensor = numpy_helper.from_array(np.ascontiguousarray(value), name)
            self.container.add_initializer(name, None, None, tensor)
        return name

    def op(self, op_type, inputs, out=None, **attrs):
        """One node; returns the name of its output (``out`` if given)."""
        inputs = [inputs] if isinstance(inputs, str) else list(inputs)
        out = out or self.scope.get_unique_variable_name(op_type.lower())
        name = self.scope.get_unique_operator_name(op_type)
        self.container.add_node(op_type, inputs, out, name=name, **attrs)
        return out

    def dense(self, A, W, b):
        """``A @ W + b``."""
        return self.op("Add", [self.op("MatMul", [A, self.const(W)]), self.const(b)])

    def flat(self, A, out=None):
        """``A`` reshaped to one dimension."""
        return self.op("Reshape", [A, self.const([-1], np.int64)], out=out)

    def int64(self, A, out=None):
        """``A`` cast to int64."""
        return self.op("Cast", A, out=out, to=TensorProto.INT64)

    def output(self, A, out, flat=False):
        """Write ``A`` to the output ``out``: in the output's type, flat if asked."""
        if self.proto != self.out_proto:
            A = self.op("Cast", A, to=self.out_proto)
        return self.flat(A, out=out) if flat else self.op("Identity", A, out=out)


def _float_proto(operator, exact=False):
    """The float type of the outputs: the input's, float32 for any other input.

    With ``exact``, the input's own type (None when it is not a float).
    """
    in_type = type(operator.inputs[0].type)
    if in_type is DoubleTensorType:
        return TensorProto.DOUBLE
    if in_type is FloatTensorType or not exact:
        return TensorProto.FLOAT
    return None


def _float_type(operator):
    double = _float_proto(operator) == TensorProto.DOUBLE
    return DoubleTensorType if double else FloatTensorType


def _check_n_features(operator):
    shape = operator.inputs[0].type.shape
    expected = operator.raw_operator.n_features_in_
    if len(shape) == 2 and isinstance(shape[1], int) and shape[1] != expected:
        raise ValueError(
            f"The input has {shape[1]} features, but {type(operator.raw_operator).__name__} "
            f"was fitted with {expected}."
        )


# ------------------------------------------------------------------ classifiers
def _multilabel(est):
    """True for a network fitted on an indicator matrix: one sigmoid per label."""
    return isinstance(est, FeedForwardClassifier) and bool(getattr(est, "_multilabel", False))


def _output_units(est):
    """The number of output neurons."""
    return est.coef_.shape[0] if hasattr(est, "coef_") else est.coefs_[-1].shape[1]


def _label_constant(g, classes):
    """The classes as a constant the labels are gathered from: int64 or strings."""
    classes = np.asarray(classes)
    if classes.dtype.kind in "OSU":
        return g.const(classes, str)
    if classes.dtype.kind == "f" and not np.array_equal(classes, np.round(classes)):
        raise ValueError(
            f"ONNX labels are integers or strings; the classes {classes.tolist()} "
            "are neither. Fit on integer or string labels."
        )
    return g.const(classes, np.int64)


def _classifier_shapes(operator):
    """Label ``(N,)`` (``(N, n_labels)`` for multilabel) and probabilities ``(N, C)``."""
    check_input_and_output_numbers(operator, input_count_range=1, output_count_range=2)
    _check_n_features(operator)
    est = operator.raw_operator
    N = operator.inputs[0].get_first_dimension()
    classes = get_label_classes(operator.scope_inst, est)
    if _multilabel(est):
        n_labels = est.coefs_[-1].shape[1]
        operator.outputs[0].type = Int64TensorType([N, n_labels])
        operator.outputs[1].type = _float_type(operator)([N, n_labels])
        return
    strings = np.asarray(classes).dtype.kind in "OSU"
    label_type = StringTensorType if strings else Int64TensorType
    operator.outputs[0].type = label_type([N])
    operator.outputs[1].type = _float_type(operator)([N, len(classes)])


def _write_classifier(g, operator, Z):
    """The two outputs from the output layer's ``Z``, as the estimator's head says.

    The label: ``classes_`` gathered at the head's class index (the indicator
    matrix itself for multilabel); the second output: the probabilities, or
    the perceptron's decision values.
    """
    est = operator.raw_operator
    out_head, n_units, multilabel = est._head(), _output_units(est), _multilabel(est)
    label, second = operator.outputs[0].full_name, operator.outputs[1].full_name
    out_head.onnx_scores(g, Z, n_units, second, multilabel)
    if multilabel:
        out_head.onnx_decision(g, Z, n_units, multilabel, out=label)
        return
    index = out_head.onnx_decision(g, Z, n_units)
    classes = get_label_classes(operator.scope_inst, est)
    g.op("Gather", [_label_constant(g, classes), index], out=label, axis=0)


# ----------------------------------------------------------------- the layers
def _network_output(g, est):
    """``Z_L`` of a network: every layer but the last one's activation."""
    A, last = g.X, len(est.coefs_) - 1
    for layer, (W, b) in enumerate(zip(est.coefs_, est.intercepts_)):
        Z = g.dense(A, W, b)
        if layer < last:
            A = g.op(_onnx_activation(est.activations_[layer]), Z)
    return Z


def _onnx_activation(name):
    if name not in _ONNX_ACTIVATIONS:
        raise NotImplementedError(f"No ONNX form of the activation {name!r}.")
    return _ONNX_ACTIVATIONS[name]


def _linear_output(g, est):
    """``z = X @ coef_.T + intercept_`` (``coef_`` dense again after ``sparsify()``)."""
    coef = est.coef_.toarray() if sparse.issparse(est.coef_) else np.asarray(est.coef_)
    return g.dense(g.X, coef.T, est.intercept_)


def _towers_1d(g, X, feature, left, right, steepness):
    """``(σ(s (x - a)) - σ(s (x - c))) / tanh(k / 4)``, ``s = k / (c - a)``, per tower."""
    s = steepness / (right - left)
    Xg = g.op("Gather", [X, g.const(feature, np.int64)], axis=1)
    rise = g.op("Sigmoid", g.op("Mul", [g.op("Sub", [Xg, g.const(left)]), g.const(s)]))
    fall = g.op("Sigmoid", g.op("Mul", [g.op("Sub", [Xg, g.const(right)]), g.const(s)]))
    return g.op("Mul", [g.op("Sub", [rise, fall]), g.const(1.0 / tower_peak(steepness))])


def _tower_activations(g, est):
    """Every tower's activation: the one-dimensional towers, then the cells."""
    k = est.steepness_
    T = _towers_1d(g, g.X, est.tower_feature_, est.tower_left_, est.tower_right_, k)
    if not len(est.cells_):
        return T
    # The cell walls of every feature in one block of towers; cell c sums
    # the tower of its interval along each feature.
    walls = est.cell_edges_
    offsets = np.cumsum([0] + [len(w) - 1 for w in walls])
    feature = np.concatenate([np.full(len(w) - 1, j) for j, w in enumerate(walls)])
    left = np.concatenate([w[:-1] for w in walls])
    right = np.concatenate([w[1:] for w in walls])
    P = _towers_1d(g, g.X, feature, left, right, k)
    S = None
    for j in range(len(walls)):
        column = g.op("Gather", [P, g.const(offsets[j] + est.cells_[:, j], np.int64)], axis=1)
        S = column if S is None else g.op("Add", [S, column])
    # σ(k (Σ - (d - ½))): about 1 when all d towers are up.
    S = g.op("Mul", [g.op("Sub", [S, g.const(len(walls) - 0.5)]), g.const(k)])
    return g.op("Concat", [T, g.op("Sigmoid", S)], axis=1)


# ----------------------------------------------------------------- converters
def _convert_linear_classifier(scope, operator, container):
    g = _Graph(scope, operator, container)
    _write_classifier(g, operator, _linear_output(g, operator.raw_operator))


def _convert_network_classifier(scope, operator, container):
    g = _Graph(scope, operator, container)
    _write_classifier(g, operator, _network_output(g, operator.raw_operator))


def _regressor_shapes(operator):
    """``(N,)`` for one target (as ``predict``), else ``(N, n_targets)``."""
    check_input_and_output_numbers(operator, input_count_range=1, output_count_range=1)
    _check_n_features(operator)
    N = operator.inputs[0].get_first_dimension()
    n_targets, one_d = _regressor_targets(operator.raw_operator)
    operator.outputs[0].type = _float_type(operator)([N] if one_d else [N, n_targets])


def _regressor_targets(est):
    """The number of targets and whether ``predict`` returns one dimension."""
    if isinstance(est, TowerRegressor):
        return est.n_outputs_, bool(getattr(est, "_y_1d", est.n_outputs_ == 1))
    n = est.coefs_[-1].shape[1]
    return n, n == 1


def _write_regression(g, operator, Y):
    flat = _regressor_targets(operator.raw_operator)[1]
    return g.output(Y, operator.outputs[0].full_name, flat=flat)


def _convert_network_regressor(scope, operator, container):
    g = _Graph(scope, operator, container)
    est = operator.raw_operator
    Y = est._head().onnx_output(g, _network_output(g, est))
    _write_regression(g, operator, Y)


def _convert_tower_regressor(scope, operator, container):
    # In float64 whatever the input (see the module's docstring): in float32
    # the error grows to about 1e-4 of the output with steep cell towers.
    g = _Graph(scope, operator, container, double=True)
    est = operator.raw_operator
    Z = g.dense(_tower_activations(g, est), est.heights_, est.intercept_)
    # The output layer over the towers: the head of the stack the tower trains.
    stack = est._sgd_stack(est._sgd_parameters())
    _write_regression(g, operator, head(stack.loss, stack.output).onnx_output(g, Z))


def register_converters():
    """Register the package's estimators with skl2onnx (done on import).

    Calling it again is harmless: it registers the same converters anew.

    Examples
    --------
    >>> import numpy as np
    >>> from skl2onnx import to_onnx
    >>> from sknn_intuition import SigmoidNeuronClassifier
    >>> from sknn_intuition.onnx import register_converters
    >>> register_converters()
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> clf = SigmoidNeuronClassifier().fit(X, [0, 0, 1, 1])
    >>> onx = to_onnx(clf, X[:1].astype(np.float32),
    ...               options={id(clf): {"zipmap": False}})
    >>> [output.name for output in onx.graph.output]
    ['label', 'probabilities']
    """
    for cls, convert in [
        (PerceptronClassifier, _convert_linear_classifier),
        (SigmoidNeuronClassifier, _convert_linear_classifier),
        (FeedForwardClassifier, _convert_network_classifier),
    ]:
        update_registered_converter(
            cls,
            f"SknnIntuition{cls.__name__}",
            _classifier_shapes,
            convert,
            options=_CLASSIFIER_OPTIONS,
        )
    for cls, convert in [
        (FeedForwardRegressor, _convert_network_regressor),
        (TowerRegressor, _convert_tower_regressor),
    ]:
        update_registered_converter(
            cls, f"SknnIntuition{cls.__name__}", _regressor_shapes, convert
        )


register_converters()
