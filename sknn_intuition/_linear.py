"""One layer of neurons, ``z = X @ coef_.T + intercept_``, trained by the loop.

The perceptron and the sigmoid neuron are both this layer; they differ only in
what turns ``z`` into a prediction and which loss is minimised. A subclass
supplies :meth:`_output_loss_grad`, the per-sample loss and ``∂l_i/∂z`` for a
batch; the chain rule to the weights is here, once::

    dL/dcoef_      = (1/N) Σ_i s_i (∂l_i/∂z_i) x_iᵀ    i.e.  dZ.T @ X
    dL/dintercept_ = (1/N) Σ_i s_i (∂l_i/∂z_i)         i.e.  dZ.sum(0)
"""

import numpy as np
from scipy import sparse
from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.validation import check_is_fitted, validate_data

from ._sgd import SGDTrainerMixin


class LinearSGDMixin(SGDTrainerMixin):
    """Parameters ``coef_`` (n_outputs, n_features) and ``intercept_`` (n_outputs,)."""

    _auto_batch_size = 1024

    def _sgd_init_params(self, n_features, n_outputs, dtype, random_state):
        # All-zero start: the classic perceptron's, and the convex losses'
        # optimum does not depend on it.
        self.coef_ = np.zeros((n_outputs, n_features), dtype=dtype)
        self.intercept_ = np.zeros(n_outputs, dtype=dtype)

    def _sgd_parameters(self):
        if self.fit_intercept:
            return [self.coef_, self.intercept_]
        return [self.coef_]

    def _sgd_penalized(self):
        return [True, False] if self.fit_intercept else [True]

    @staticmethod
    def _linear(params, X):
        Z = safe_sparse_dot(X, params[0].T)
        if sparse.issparse(Z):  # pragma: no cover - sparse @ dense is dense
            Z = Z.toarray()
        if len(params) > 1:
            Z += params[1]
        return Z

    def _sgd_loss_and_gradients(self, params, X, Y, sw, grads):
        Z = self._linear(params, X)
        n = Z.shape[0]
        per_sample, dZ, wrong = self._output_loss_grad(Z, Y)
        if self._monitor_errors:
            error = float(wrong.sum() if sw is None else np.dot(wrong, sw)) / n
        if sw is not None:
            dZ *= sw[:, None]
            loss = float(np.dot(per_sample, sw)) / n
        else:
            loss = float(per_sample.sum()) / n
        dZ *= 1.0 / n
        if sparse.issparse(X):
            grads[0][...] = (X.T @ dZ).T
        else:
            np.dot(dZ.T, X, out=grads[0])
        if len(params) > 1:
            np.sum(dZ, axis=0, out=grads[1])
        return (loss, error) if self._monitor_errors else loss

    def _sgd_loss(self, params, X, Y, sw):
        per_sample = self._output_loss_grad(self._linear(params, X), Y)[0]
        if sw is None:
            return float(per_sample.mean())
        return float(np.dot(per_sample, sw)) / per_sample.shape[0]

    def _output_loss_grad(self, Z, Y):
        """Per-sample loss ``l_i`` (n,), ``∂l_i/∂z`` (n, k) and errors (n,) or None.

        ``Z`` may be overwritten. The errors are only needed when the class
        sets ``_monitor_errors``.
        """
        raise NotImplementedError

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
        check_is_fitted(self)
        X = validate_data(
            self, X, accept_sparse="csr", reset=False, dtype=[np.float64, np.float32]
        )
        Z = self._linear([self.coef_, self.intercept_], X)
        return Z.ravel() if Z.shape[1] == 1 else Z

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
        Z = self.decision_function(X)
        if Z.ndim == 1:
            return self.classes_[(Z > 0).astype(np.intp)]
        return self.classes_[np.argmax(Z, axis=1)]
