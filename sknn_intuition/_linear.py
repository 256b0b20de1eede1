"""One layer of neurons, ``z = X @ coef_.T + intercept_``: the linear models.

The perceptron and the sigmoid neuron are both a stack with no hidden layer;
they differ only in the output activation and the loss they minimise (their
``_output`` and ``_loss``), that is in their head (:mod:`._heads`), which
turns ``z`` into classes and probabilities. The weights are kept as
scikit-learn's linear models keep them, ``coef_`` of shape
``(n_outputs, n_features)``: the stack's weight matrix is its transpose, a
view.
"""

import numpy as np
from scipy import sparse
from sklearn.utils.validation import check_is_fitted, validate_data

from ._heads import head
from ._network import Stack, forward
from ._sgd import SGDTrainerMixin, fit_mode


class LinearSGDMixin(SGDTrainerMixin):
    """Parameters ``coef_`` (n_outputs, n_features) and ``intercept_`` (n_outputs,)."""

    _auto_batch_size = 1024

    def _sgd_init_params(self, n_features, n_outputs, dtype, random_state):
        # All-zero start (the classic perceptron's, and the convex losses'
        # optimum does not depend on it), unless this fit was given a start.
        self.coef_ = np.zeros((n_outputs, n_features), dtype=dtype)
        self.intercept_ = np.zeros(n_outputs, dtype=dtype)
        coef0, intercept0 = self.__dict__.get("_start", (None, None))
        if coef0 is not None:
            self.coef_[...] = coef0
        if intercept0 is not None and self.fit_intercept:
            self.intercept_[...] = intercept0

    def _fit_from(self, X, Y, sw, y, partial, coef_init=None, intercept_init=None):
        """Train, starting (when training starts anew) from the given weights."""
        shapes = {"coef_init": (Y.shape[1], X.shape[1]), "intercept_init": (Y.shape[1],)}
        start = []
        for name, value in (("coef_init", coef_init), ("intercept_init", intercept_init)):
            if value is not None:
                value = np.asarray(value, dtype=np.float64)
                if value.size != np.prod(shapes[name]) or not np.all(np.isfinite(value)):
                    raise ValueError(
                        f"{name} must hold {shapes[name]} finite values (one row per "
                        f"output neuron), got shape {value.shape}."
                    )
                value = value.reshape(shapes[name])
            start.append(value)
        self._start = tuple(start)
        if fit_mode(self) == "warm":
            # Given weights win over the fitted ones, as in scikit-learn.
            coef0, intercept0 = self._start
            if coef0 is not None:
                self.coef_ = coef0.astype(self._sgd_parameters()[0].dtype)
            if intercept0 is not None and self.fit_intercept:
                self.intercept_ = intercept0.astype(self.intercept_.dtype)
        try:
            return self._sgd_fit(X, Y, sw, y, partial=partial)
        finally:
            del self._start

    def _own_arrays(self):
        self.densify()  # training changes the weights in place
        super()._own_arrays()

    def densify(self):
        """Store ``coef_`` as a dense array again (the form training uses).

        Returns
        -------
        self
            The estimator.
        """
        check_is_fitted(self)
        if sparse.issparse(self.coef_):
            self.coef_ = self.coef_.toarray()
        return self

    def sparsify(self):
        """Store ``coef_`` as a scipy.sparse matrix: smaller when most weights are 0.

        Worth it after ``penalty='l1'``, which gives exact zeros. Predictions
        are unchanged; training again (``partial_fit``, a warm start) makes
        it dense first.

        Returns
        -------
        self
            The estimator.
        """
        check_is_fitted(self)
        self.coef_ = sparse.csr_matrix(self.coef_)
        return self

    def _sgd_parameters(self):
        if self.fit_intercept:
            return [self.coef_, self.intercept_]
        return [self.coef_]

    def _sgd_penalized(self):
        return [True, False] if self.fit_intercept else [True]

    def _sgd_stack(self, arrays):
        intercept = arrays[1] if len(arrays) > 1 else None
        return Stack([arrays[0].T], [intercept], [], self._output(), self._loss())

    def _head(self):
        """The output layer's head, looked up from the loss and output names."""
        return head(self._loss(), self._output())

    # -------------------------------------------------------------- prediction
    def decision_function(self, X):
        """The weighted sum plus bias, ``z = w·x + b``, of each output neuron.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input samples.

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_classes)
            For two classes, the decision value of the single neuron (positive
            means ``classes_[1]``); otherwise one column per class.
        """
        Z = self._output_values(X)
        return Z.ravel() if Z.shape[1] == 1 else Z

    def _output_values(self, X):
        """``Z = X @ coef_.T + intercept_``, one column per output neuron."""
        check_is_fitted(self)
        X = validate_data(
            self, X, accept_sparse="csr", reset=False, dtype=[np.float64, np.float32]
        )
        coef = self.coef_.toarray() if sparse.issparse(self.coef_) else self.coef_
        return forward(self._sgd_stack([coef, self.intercept_]), X)[-1]

    def predict(self, X):
        """Predict the class of each sample.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input samples.

        Returns
        -------
        ndarray of shape (n_samples,)
            With two classes, ``classes_[1]`` where the decision value is
            above zero and ``classes_[0]`` elsewhere; with more, the class whose
            neuron has the largest decision value.
        """
        Z = self._output_values(X)  # checks that the model is fitted
        return self.classes_[self._head().decision(Z)]
