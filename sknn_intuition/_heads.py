"""The output layer: one head per (loss, output activation).

The last layer of every estimator computes ``z = A @ W + b``; all the package
does with ``z`` after that belongs to the pair of its loss and output
activation ``g``, the keys of :data:`._losses.LOSSES`. A :class:`Head` holds,
for one pair:

* the loss and its error at ``z`` (from :mod:`._losses`, which alone
  computes losses);
* the output activation ``g`` and its inverse ``g⁻¹`` (the link function of a
  generalised linear model: the logit, the log), which gives the bias a fit
  starts from;
* the probabilities and their logarithms, computed in log space so that they
  hold for any ``z``, and the decision rule from ``z`` to a class;
* the largest curvature of the loss in ``z``, which sizes an automatic step;
* the target values of the positive and negative class;
* the ONNX nodes that compute the same outputs.

Estimators look their head up from fitted strings (the loss, the output
activation) with :func:`head`; a head is never stored on an estimator.
"""

from dataclasses import dataclass

import numpy as np

from ._activations import (
    ACTIVATIONS,
    INVERSE_ACTIVATIONS,
    LOG_ACTIVATIONS,
    log_softmax,
    step,
)
from ._losses import loss_and_error

# The mean target is kept this far inside the range where g⁻¹ is finite:
# a class seen in none (or all) of the samples still starts at a finite bias.
_MIN_MEAN = 1e-6
_MEAN_RANGE = {
    "identity": (-np.inf, np.inf),
    "sigmoid": (_MIN_MEAN, 1 - _MIN_MEAN),
    "softmax": (_MIN_MEAN, 1 - _MIN_MEAN),
    "exp": (_MIN_MEAN, np.inf),
}


# Up to this many outputs, a batch's targets are read from the coding
# matrix (one column per class); beyond, each batch's block is filled and
# its ones set, which the coding matrix (classes x classes) would outweigh.
_CODING_MATRIX_OUTPUTS = 16


class ClassTargets:
    """A classifier's training targets, kept as class indices.

    The targets of the output neurons form an ``(n_samples, n_outputs)``
    matrix: with two classes, one neuron, ``positive`` for ``classes_[1]``
    and ``negative`` for ``classes_[0]``; with more, neuron ``k`` is
    ``positive`` for ``classes_[k]`` and ``negative`` for the others. Kept as
    one class index per sample, the matrix takes ``n_samples`` integers
    instead of ``n_samples × n_outputs`` numbers; the trainer writes out the
    rows of each mini-batch as it needs them (:meth:`rows`), and
    ``np.asarray`` writes out the whole matrix.

    Parameters
    ----------
    codes : array-like of shape (n_samples,)
        Each sample's class, as an index into ``classes_``.
    n_classes : int
        The number of classes.
    positive, negative : float
        The target of a neuron for its class and for the others.
    dtype : dtype
        The dtype of the targets written out (the data's).
    """

    ndim = 2

    def __init__(self, codes, n_classes, *, positive, negative, dtype):
        self.codes = np.asarray(codes, dtype=np.intp)
        self.n_classes = int(n_classes)
        self.positive, self.negative = positive, negative
        self.dtype = np.dtype(dtype)
        n_outputs = 1 if self.n_classes == 2 else self.n_classes
        self.shape = (self.codes.shape[0], n_outputs)
        self._coding = None
        if n_outputs <= _CODING_MATRIX_OUTPUTS:
            # Column c holds the targets of class c.
            self._coding = np.full((n_outputs, self.n_classes), negative, dtype=self.dtype)
            if self.n_classes == 2:
                self._coding[0, 1] = positive
            else:
                np.fill_diagonal(self._coding, positive)

    @property
    def size(self):
        return self.shape[0] * self.shape[1]

    def __len__(self):
        return self.shape[0]

    def __getitem__(self, rows):
        """The targets of rows ``rows`` (a slice or an index array), still coded."""
        return ClassTargets(
            self.codes[rows], self.n_classes, positive=self.positive,
            negative=self.negative, dtype=self.dtype,
        )

    def rows(self, rows=slice(None)):
        """The targets of rows ``rows`` written out, one row per output in memory.

        An ``(n_rows, n_outputs)`` array in Fortran order, the layout of the
        output layer's batch arrays.
        """
        codes = self.codes[rows] if isinstance(rows, slice) else self.codes.take(rows)
        if self._coding is not None:
            return self._coding.take(codes, axis=1).T
        n = codes.shape[0]
        block = np.full((self.shape[1], n), self.negative, dtype=self.dtype)
        block.ravel()[codes * n + np.arange(n)] = self.positive  # block[codes[i], i]
        return block.T

    def __array__(self, dtype=None, copy=None):
        Y = self.rows()
        return Y if dtype is None else Y.astype(dtype, copy=False)

    def column_means(self, sample_weight=None):
        """The (weighted) mean target of each output, from the class frequencies."""
        totals = np.bincount(self.codes, weights=sample_weight, minlength=self.n_classes)
        frequencies = (totals / totals.sum()).astype(self.dtype)
        if self.n_classes == 2:
            frequencies = frequencies[1:]
        return self.negative + (self.positive - self.negative) * frequencies


def _two_d(Z):
    Z = np.asarray(Z)
    if Z.ndim != 2:
        raise ValueError(f"Z must be 2-D (one column per output neuron), got {Z.ndim}-D.")
    return Z


@dataclass(frozen=True)
class Head:
    """The output layer of one (loss, output activation) pair.

    Parameters
    ----------
    loss : str
        The loss, with ``output`` a key of ``_losses.LOSSES``.
    output : str
        The output activation ``g``, a key of ``_activations.ACTIVATIONS``.
    curvature : float or None
        The largest second derivative of the per-sample loss in ``z`` (the
        largest eigenvalue of its Hessian in ``z``), None where it has no
        bound worth using.
    negative, positive : float or None, default=None
        The target of a neuron for "not its class" and for "its class"; None
        for a regression head.
    """

    loss: str
    output: str
    curvature: float | None
    negative: float | None = None
    positive: float | None = None

    @property
    def is_classifier(self):
        """True when the outputs code classes."""
        return self.positive is not None

    @property
    def scale_free(self):
        """True when scaling the weights scales the loss and changes no decision.

        The perceptron criterion ``max(0, -y z)`` is positively homogeneous in
        the weights: it grows as the weights grow, while the predictions stay
        the same, so a growing loss is no sign of divergence.
        """
        return self.loss == "perceptron"

    # ----------------------------------------------------------------- loss
    def loss_and_error(self, Z, Y, sample_weight=None):
        """The batch's mean loss and ``∂L/∂Z`` (``Z`` is overwritten)."""
        return loss_and_error(self.loss, self.output, Z, Y, sample_weight)

    # ------------------------------------------------------ the activation
    def activation(self, Z, out=None):
        """The output ``g(z)``."""
        return ACTIVATIONS[self.output](Z, out=out)

    def inverse_activation(self, P):
        """``z = g⁻¹(p)``: the ``z`` at which the output is ``p``."""
        if self.output not in INVERSE_ACTIVATIONS:
            raise ValueError(f"The {self.output!r} output has no inverse.")
        return INVERSE_ACTIVATIONS[self.output](P)

    def starting_bias(self, Y, sample_weight=None, unseen=None):
        """The biases of the best model that ignores ``x``: ``g⁻¹`` of the mean target.

        The weighted mean of each column of ``Y`` (for 0/1 targets, the class
        frequencies), kept inside the range where ``g⁻¹`` is finite; None for
        an output without an inverse (the step, which starts at zero).
        ``unseen`` (a boolean per output) marks outputs the data say nothing
        about (a class absent from partial_fit's first batch): they start at
        the uniform frequency ``1 / K`` (``½`` for a single output), not at a
        frequency of 0 that would saturate them.
        """
        if self.output not in INVERSE_ACTIVATIONS:
            return None
        if isinstance(Y, ClassTargets):
            mean = Y.column_means(sample_weight)
        elif sample_weight is None:
            mean = Y.mean(axis=0)
        else:
            mean = (sample_weight @ Y) / sample_weight.sum()
        if unseen is not None:
            mean = np.where(unseen, 1.0 / max(Y.shape[1], 2), mean)
        mean = np.clip(mean.astype(np.float64), *_MEAN_RANGE[self.output])
        return self.inverse_activation(mean)

    # ------------------------------------------------------- probabilities
    def _log_activation(self, Z, multilabel):
        """``log g`` and ``Z`` as a 2-D array, checked: a clear error for bad input."""
        if not self.is_classifier or self.output not in LOG_ACTIVATIONS:
            raise ValueError(
                f"The {self.output!r} output of loss={self.loss!r} gives no probabilities."
            )
        Z = _two_d(Z)
        if (multilabel or Z.shape[1] == 1) and self.output != "sigmoid":
            raise ValueError(
                f"A {self.output!r} output needs one neuron per class, of two classes "
                f"at least; got {Z.shape[1]} column(s){' of labels' if multilabel else ''}."
            )
        return LOG_ACTIVATIONS[self.output], Z

    def predict_log_proba(self, Z, multilabel=False):
        """``log P(class | x)`` from the output layer's ``z``, finite for any ``z``.

        * one column (two classes, one neuron): ``[log σ(-z), log σ(z)]``,
          i.e. ``log [1 - σ(z), σ(z)]``;
        * a softmax: ``z_k - log Σ_j e^{z_j}``;
        * several sigmoids, one per class: their outputs divided by their sum,
          ``log σ(z_k) - log Σ_j σ(z_j)``, the log-softmax of ``log σ(z)``;
        * multilabel (several sigmoids, one per label): each ``log σ(z_k)``.
        """
        log_g, Z = self._log_activation(Z, multilabel)
        if not multilabel and Z.shape[1] == 1:
            return np.hstack([log_g(-Z), log_g(Z)])
        L = log_g(Z)
        if self.output == "sigmoid" and not multilabel:
            log_softmax(L, out=L)  # σ(z_k) / Σ_j σ(z_j), in log space
        return L

    def predict_proba(self, Z, multilabel=False):
        """``P(class | x)``: the exponential of :meth:`predict_log_proba`."""
        L = self.predict_log_proba(Z, multilabel)
        return ACTIVATIONS["exp"](L, out=L)  # p = e^{log p}

    # ------------------------------------------------------ decision rule
    def decision(self, Z, multilabel=False):
        """The class index of each sample from ``z`` (an indicator for multilabel).

        One column: the step of ``z``, 1 where ``z > 0`` (``σ(z) > ½``), else
        0. Several: the ``k`` of the largest ``z_k`` (the largest output too:
        the activations are increasing, and dividing by a sum common to the
        row keeps the order). Multilabel: the step of each label's ``z_k``.
        """
        if not self.is_classifier:
            raise ValueError(f"The {self.output!r} output of loss={self.loss!r} codes no class.")
        Z = _two_d(Z)
        if multilabel:
            return step(Z).astype(int)
        if Z.shape[1] == 1:
            return step(Z[:, 0]).astype(np.intp)
        return np.argmax(Z, axis=1)

    # ---------------------------------------------------------------- ONNX
    # ``g`` builds the graph (``sknn_intuition.onnx``): ``g.op(op_type, inputs,
    # out=None, **attributes)`` adds a node and returns its output's name,
    # ``g.const(value)`` a constant, ``g.flat(A)`` a reshape to one dimension,
    # ``g.int64(A, out=None)`` a cast to int64. ``Z`` names the output
    # layer's pre-activations, of ``n_units`` columns.

    def onnx_output(self, g, Z):
        """A regressor's output ``g(z)`` as ONNX nodes: ``e^z``, or ``z`` itself."""
        if self.output == "identity":
            return Z
        if self.output == "exp":
            return g.op("Exp", Z)
        raise NotImplementedError(f"No ONNX form of a regressor's {self.output!r} output.")

    def onnx_scores(self, g, Z, n_units, out, multilabel=False):
        """A classifier's second output, written to ``out``, as :meth:`predict_proba`.

        The step has no probabilities: it gives the decision values, as
        skl2onnx's Perceptron does (``[-z, z]`` for one neuron).
        """
        if self.output == "step":
            if n_units == 1:
                return g.op("Concat", [g.op("Neg", Z), Z], out=out, axis=1)
            return g.op("Identity", Z, out=out)
        if self.output == "softmax":
            return g.op("Softmax", Z, out=out, axis=1)
        if self.output != "sigmoid":
            raise NotImplementedError(f"No ONNX form of the output layer {self.output!r}.")
        if multilabel:
            return g.op("Sigmoid", Z, out=out)
        if n_units == 1:
            # [1 - σ(z), σ(z)], written [σ(-z), σ(z)]: accurate near 1 too.
            return g.op("Concat", [g.op("Sigmoid", g.op("Neg", Z)), g.op("Sigmoid", Z)],
                        out=out, axis=1)
        # σ(z_k) / Σ_j σ(z_j) is the softmax of log σ(z_k) = -softplus(-z_k):
        # the same ratio, without underflow when every σ(z_j) is tiny.
        # onnxruntime's Softplus takes float32 only; for double graphs the
        # same value is min(z, 0) - log(1 + e^{-|z|}), from double-capable ops.
        if g.dtype == np.float32:
            log_sigmoid = g.op("Neg", g.op("Softplus", g.op("Neg", Z)))
        else:
            tail = g.op("Log", g.op("Add", [g.op("Exp", g.op("Neg", g.op("Abs", Z))),
                                            g.const(1.0)]))
            log_sigmoid = g.op("Sub", [g.op("Min", [Z, g.const(0.0)]), tail])
        return g.op("Softmax", log_sigmoid, out=out, axis=1)

    def onnx_decision(self, g, Z, n_units, multilabel=False, out=None):
        """The rule of :meth:`decision` as ONNX nodes: int64 class indices, or indicators."""
        if not self.is_classifier:
            raise ValueError(f"The {self.output!r} output of loss={self.loss!r} codes no class.")
        if multilabel:
            return g.int64(g.op("Greater", [Z, g.const(0.0)]), out=out)
        if n_units == 1:
            return g.int64(g.op("Greater", [g.flat(Z), g.const(0.0)]), out=out)
        return g.op("ArgMax", Z, out=out, axis=1, keepdims=0)


# One head per key of _losses.LOSSES. The curvature bounds are the largest
# second derivative of each per-sample loss in z (with K outputs, the squared
# errors are divided by K, which only lowers them).
HEADS = {
    (h.loss, h.output): h
    for h in (
        # d²/dz² (z - y)² = 2.
        Head("squared_error", "identity", curvature=2.0),
        # d²/dz² (σ(z) - y)² is 2σ²(1 - σ)(2 - 3σ) for y = 0 (mirrored for
        # y = 1), whose maximum over σ is about 0.154.
        Head("squared_error", "sigmoid", curvature=0.155, negative=0.0, positive=1.0),
        # d²/dz² of the log-loss is σ(1 - σ) ≤ 1/4.
        Head("log_loss", "sigmoid", curvature=0.25, negative=0.0, positive=1.0),
        # Its Hessian in z, diag(p) - p pᵀ, is at most ½ (Böhning's bound).
        Head("log_loss", "softmax", curvature=0.5, negative=0.0, positive=1.0),
        # max(0, -y z) has a kink at z = 0 and no second derivative to bound
        # (its step is eta0); the perceptron's labels are ±1.
        Head("perceptron", "step", curvature=None, negative=-1.0, positive=1.0),
        # d²/dz² (e^z - y z) = e^z: unbounded.
        Head("poisson", "exp", curvature=None),
    )
}


def head(loss, output):
    """The head of the pair ``(loss, output)``.

    Raises
    ------
    ValueError
        For a pair without a head (no loss is defined on that output).
    """
    try:
        return HEADS[loss, output]
    except KeyError:
        raise ValueError(
            f"loss={loss!r} is not defined on a {output!r} output; the pairs are "
            f"{sorted(HEADS)}."
        ) from None
