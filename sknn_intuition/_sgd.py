"""The one training loop, shared by every estimator in the package.

An estimator plugs into :class:`SGDTrainerMixin` by saying what its parameters
are and how to compute a loss and its gradients on a batch; the loop owns
everything else: epochs, shuffling, mini-batches, the learning-rate schedule,
the L2/L1 penalty, averaging, ``tol``/``n_iter_no_change``, early stopping on
a validation split, ``verbose`` lines, ``loss_curve_``, ``n_iter_``, ``t_``, the
``ConvergenceWarning`` and the guard against a diverging loss.

Hooks an estimator implements::

    _sgd_init_params(n_features, n_outputs, dtype, random_state)
        create the fitted parameter arrays (e.g. ``coef_``, ``intercept_``)
    _sgd_parameters() -> list of ndarray
        the arrays SGD updates, in place (the fitted attributes themselves)
    _sgd_penalized() -> list of bool
        which of them the penalty applies to (weights yes, biases no)
    _sgd_loss_and_gradients(params, X, Y, sw, grads) -> float
        the mean loss on a batch; fills ``grads`` (same shapes as ``params``);
        with ``_sgd_prescaled_gradients = True`` it also takes ``grad_scale``
        (see :class:`SGDTrainerMixin`)
    _sgd_loss(params, X, Y, sw) -> float
        the mean loss only (used on the validation split)

One epoch, in plain Python::

    for X_b, Y_b in batches(X, Y):
        loss = est._sgd_loss_and_gradients(params, X_b, Y_b, sw_b, grads)
        grads += alpha * penalty_gradient(params)
        optimizer.update_params(params, grads)
"""

import copy
import math
import time
import warnings
from numbers import Integral, Real

import numpy as np
from scipy import sparse
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state

from ._optimizers import OPTIMIZERS, empty_like_params
from ._sklearn_private import Interval, StrOptions

try:  # scikit-learn >= 1.9: callbacks (progress bars, score monitors, stopping)
    from sklearn.callback import CallbackSupportMixin
except ImportError:  # pragma: no cover - older scikit-learn

    class CallbackSupportMixin:
        """Stand-in when scikit-learn has no callback API."""

# Settings the trainer reads from an estimator, and the value it uses when the
# estimator does not expose that parameter.
TRAINER_DEFAULTS = {
    "solver": "sgd",
    "learning_rate": "constant",
    "learning_rate_init": 0.01,
    "power_t": 0.5,
    "momentum": 0.0,
    "nesterovs_momentum": False,
    "beta_1": 0.9,
    "beta_2": 0.999,
    "epsilon": 1e-8,
    "penalty": "l2",
    "alpha": 0.0,
    "l1_ratio": 0.15,
    "batch_size": "auto",
    "max_iter": 200,
    "tol": 1e-4,
    "n_iter_no_change": 10,
    "early_stopping": False,
    "validation_fraction": 0.1,
    "shuffle": True,
    "random_state": None,
    "warm_start": False,
    "verbose": 0,
    "average": False,
}

# The trainer's parameters, with the constraints every estimator declares them
# with: the allowed strings come from the tables (e.g. OPTIMIZERS).
TRAINER_CONSTRAINTS = {
    "alpha": [Interval(Real, 0, None, closed="left")],
    "l1_ratio": [Interval(Real, 0, 1, closed="both")],
    "max_iter": [Interval(Integral, 1, None, closed="left")],
    "tol": [Interval(Real, 0, None, closed="left"), None],
    "shuffle": ["boolean"],
    "verbose": ["verbose"],
    "random_state": ["random_state"],
    "early_stopping": ["boolean"],
    "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
    "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
    "warm_start": ["boolean"],
    "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
    "learning_rate": [StrOptions({"constant", "invscaling", "adaptive"})],
    "power_t": [Interval(Real, 0, None, closed="left")],
    "momentum": [Interval(Real, 0, 1, closed="left")],
    "nesterovs_momentum": ["boolean"],
    "solver": [StrOptions(set(OPTIMIZERS))],
    "average": ["boolean", Interval(Integral, 1, None, closed="left")],
}


# With shuffling on, rows are permuted in contiguous runs so that gathering a
# batch is a few block copies instead of one random read per row; each batch
# then mixes this many random stretches of the data.
_RUNS_PER_BATCH = 16


def iter_batches(n_samples, batch_size, shuffle, rng):
    """Yield the row selection (a slice or an index array) of each batch.

    Without shuffling, or when one batch holds all the data, batches are
    consecutive slices. Otherwise the data are cut into runs of
    ``max(1, batch_size // 16)`` consecutive rows and the runs are put in a
    random order, so every epoch sees the rows in a new order and each batch
    gathers about 16 random stretches (row by row when ``batch_size <= 16``).
    """
    if not shuffle or batch_size >= n_samples:
        for start in range(0, n_samples, batch_size):
            yield slice(start, min(start + batch_size, n_samples))
        return
    run = max(1, batch_size // _RUNS_PER_BATCH)
    n_runs = -(-n_samples // run)
    order = rng.permutation(n_runs)
    if n_samples < 2**31:  # half the memory of the epoch's row order
        order = order.astype(np.int32)
    if run == 1:
        rows = order
    else:
        rows = (order[:, None] * run + np.arange(run, dtype=order.dtype)).ravel()
        if n_samples % run:
            rows = rows[rows < n_samples]
    for start in range(0, n_samples, batch_size):
        yield rows[start : start + batch_size]


def _take(A, rows):
    if A is None:
        return None
    if isinstance(rows, slice) or sparse.issparse(A):
        return A[rows]
    return A.take(rows, axis=0)


def _penalty_value_and_gradient(
    penalty, alpha, l1_ratio, params, penalized, grads, grad_scale=1.0
):
    """Add ``alpha * R(w)``'s gradient to ``grads``; return ``alpha * R(w)``.

    ``R`` is ``½‖w‖²`` (l2), ``‖w‖₁`` (l1) or
    ``(1 - l1_ratio) ½‖w‖² + l1_ratio ‖w‖₁`` (elasticnet). With
    ``grad_scale`` the gradient added is multiplied by it, like ``grads``.
    """
    if penalty is None or alpha == 0:
        return 0.0
    l1 = {"l2": 0.0, "l1": 1.0, "elasticnet": l1_ratio}[penalty]
    value = 0.0
    coef = alpha * grad_scale
    for p, g, pen in zip(params, grads, penalized):
        if not pen:
            continue
        if l1 < 1:
            value += 0.5 * (1 - l1) * float(np.vdot(p, p))
            g += (coef * (1 - l1)) * p
        if l1 > 0:
            value += l1 * float(np.abs(p).sum())
            g += (coef * l1) * np.sign(p)
    return alpha * value


class SGDTrainerMixin(CallbackSupportMixin):
    """Mixin giving an estimator ``fit``/``partial_fit`` training by SGD.

    Where scikit-learn has its callback API (``sklearn.callback``), callbacks
    set with ``set_callbacks`` see one task per call to ``fit`` or
    ``partial_fit`` and one sub-task per epoch; a callback whose
    ``on_fit_task_end`` returns True at the end of an epoch stops training
    there.

    Class attributes a subclass may override:

    ``_auto_batch_size``
        what ``batch_size='auto'`` means: ``min(_auto_batch_size, n_samples)``.
    ``_learning_rate_param``
        the public name of the step size (``'learning_rate_init'`` or ``'eta0'``).
    ``_early_stopping_metric``
        ``'loss'`` (validation loss, lower is better) or ``'score'``
        (validation ``score``, higher is better).
    ``_stratify_validation``
        whether the validation split keeps the class proportions.
    ``_monitor_errors``
        if True, ``_sgd_loss_and_gradients`` returns ``(loss, error_rate)`` and
        ``tol`` applies to the training error rate instead of the loss.
    ``_sgd_prescaled_gradients``
        if True, ``_sgd_loss_and_gradients`` accepts ``grad_scale=c`` and then
        fills ``grads`` with ``c`` times the gradients (the loss it returns is
        unscaled); the trainer passes the optimizer's ``gradient_scale``
        (``-learning_rate`` for SGD) and the optimizer skips that pass.
    """

    _auto_batch_size = 200
    _sgd_prescaled_gradients = False
    _learning_rate_param = "learning_rate_init"
    _early_stopping_metric = "loss"
    _stratify_validation = False
    _monitor_errors = False

    # ------------------------------------------------------------------ helpers
    def _trainer_setting(self, name):
        if name == "learning_rate_init":
            return getattr(self, self._learning_rate_param)
        return getattr(self, name, TRAINER_DEFAULTS[name])

    def _sgd_score(self, X, y, sample_weight):
        return self.score(X, y, sample_weight=sample_weight)

    def _batch_size_for(self, n_samples):
        bs = self._trainer_setting("batch_size")
        if bs == "auto":
            return max(1, min(self._auto_batch_size, n_samples))
        if bs > n_samples:
            warnings.warn(
                f"Got batch_size={bs} larger than the number of samples "
                f"({n_samples}); using batch_size={n_samples}.",
                UserWarning,
            )
        return max(1, min(int(bs), n_samples))

    def _make_optimizer(self, params, state):
        s = self._trainer_setting
        solver = s("solver")
        return OPTIMIZERS[solver](
            params,
            learning_rate_init=s("learning_rate_init"),
            learning_rate=s("learning_rate"),
            momentum=s("momentum"),
            nesterov=s("nesterovs_momentum"),
            power_t=s("power_t"),
            beta_1=s("beta_1"),
            beta_2=s("beta_2"),
            epsilon=s("epsilon"),
            state=state,
        )

    # --------------------------------------------------------------- the loop
    def _sgd_fit(self, X, Y, sample_weight, y_score, *, partial, fit_data=None):
        """Train on ``(X, Y)``: the whole loop for ``fit``, one pass for ``partial_fit``.

        Parameters
        ----------
        X : validated array or CSR matrix, float32 or float64
        Y : ndarray of shape (n_samples, n_outputs), encoded targets, X's dtype
        sample_weight : ndarray of shape (n_samples,) or None
        y_score : array-like
            The targets as ``score`` expects them (for early stopping).
        partial : bool
            True for ``partial_fit``: one epoch, keep the optimizer state.
        fit_data : tuple (X, y) or None
            The data as given to ``fit``, shown to callbacks, when ``X`` here is
            a transformation of it (e.g. fixed features computed from it). By
            default ``(X, y_score)`` if ``X`` has ``n_features_in_`` columns,
            else no data.
        """
        s = self._trainer_setting
        n_samples, n_features = X.shape
        fitted = hasattr(self, "n_iter_")
        if partial:
            first = not fitted
        else:
            first = not (s("warm_start") and fitted)
        seed_rs = check_random_state(s("random_state"))
        if first:
            self._sgd_init_params(n_features, Y.shape[1], X.dtype, seed_rs)
            self.n_iter_ = 0
            self.t_ = 0
            self.loss_curve_ = []
        if partial and getattr(self, "_sgd_state", None) is not None:
            state = self._sgd_state
        else:
            state = {"seed": int(seed_rs.randint(np.iinfo(np.int32).max))}

        if sample_weight is not None:
            total = sample_weight.sum()
            # Rescale to mean 1: a weight of 2 then means "this sample, twice".
            sample_weight = (sample_weight * (n_samples / total)).astype(
                X.dtype, copy=False
            )

        # What callbacks are shown as the training data: the data given to fit.
        if fit_data is None:
            same = X.shape[1] == getattr(self, "n_features_in_", X.shape[1])
            fit_data = (X, y_score) if same else (None, None)
        X_given, y_given = fit_data
        sw_given = sample_weight
        early_stopping = bool(s("early_stopping")) and not partial
        tol = s("tol")
        if early_stopping:
            X, Y, sample_weight, X_val, Y_val, sw_val, y_val = self._validation_split(
                X, Y, sample_weight, y_score, state["seed"]
            )
            if first or not hasattr(self, "validation_scores_"):
                self.validation_scores_ = []
                self.validation_loss_curve_ = []
            n_samples = X.shape[0]

        pub = self._sgd_parameters()
        penalized = self._sgd_penalized()
        snapshot = [p.copy() for p in pub]
        saved_state = copy.deepcopy(state)
        optimizer = self._make_optimizer(pub, state.get("optimizer"))
        state["optimizer"] = optimizer.state

        average = s("average")
        if average:
            if "standard" not in state:
                state["standard"] = [p.copy() for p in pub]
                state["n_averaged"] = 0
            work = state["standard"]
            avg_start = 0 if average is True else int(average)
        else:
            work = pub
        grads = empty_like_params(work)

        batch_size = self._batch_size_for(n_samples)
        max_iter = 1 if partial else s("max_iter")
        callback_ctx, callback_data = self._sgd_callbacks_begin(
            max_iter, X_given, y_given, sw_given
        )
        penalty, alpha, l1_ratio = s("penalty"), s("alpha"), s("l1_ratio")
        n_iter_no_change = s("n_iter_no_change")
        verbose = s("verbose")
        best, no_improvement, best_params = np.inf, 0, None
        converged = False
        prescale = (
            self._sgd_prescaled_gradients and optimizer.gradient_scale is not None
        )

        try:
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                for _ in range(max_iter):
                    tic = time.perf_counter()
                    if callback_ctx is not None:
                        epoch_ctx = callback_ctx.subcontext(task_name="epoch")
                        epoch_ctx.call_on_fit_task_begin(
                            estimator=self, **callback_data
                        )
                    rng = np.random.default_rng([state["seed"], self.n_iter_])
                    accumulated = monitored = 0.0
                    # The optimizer's first multiplication (by -learning
                    # rate) is left to estimators that can fold it into
                    # their gradients at no cost.
                    scale = optimizer.gradient_scale if prescale else None
                    kw = {} if scale is None else {"grad_scale": scale}
                    for rows in iter_batches(n_samples, batch_size, s("shuffle"), rng):
                        X_b, Y_b = _take(X, rows), _take(Y, rows)
                        sw_b = _take(sample_weight, rows)
                        loss = self._sgd_loss_and_gradients(
                            work, X_b, Y_b, sw_b, grads, **kw
                        )
                        if type(loss) is tuple:  # (loss, error rate) to monitor
                            loss, error = loss
                            monitored += error * Y_b.shape[0]
                        loss += _penalty_value_and_gradient(
                            penalty, alpha, l1_ratio, work, penalized, grads, **kw
                        )
                        if not math.isfinite(loss):
                            raise _Diverged(loss)
                        optimizer.update_params(work, grads, prescaled=scale is not None)
                        if average:
                            self._update_average(state, work, pub, avg_start)
                        accumulated += loss * Y_b.shape[0]
                    self.t_ += n_samples
                    self.n_iter_ += 1
                    optimizer.iteration_ends(self.t_)
                    epoch_loss = accumulated / n_samples
                    if not all(np.isfinite(p).all() for p in pub):
                        raise _Diverged(np.inf)
                    self.loss_curve_.append(epoch_loss)
                    line = f"Epoch {self.n_iter_}, loss = {epoch_loss:.8f}"

                    # What tol watches: the training loss, or the training error
                    # rate for estimators whose loss has no scale (the perceptron).
                    metric = monitored / n_samples if self._monitor_errors else epoch_loss
                    if early_stopping:
                        val_loss = self._sgd_loss(pub, X_val, Y_val, sw_val)
                        val_score = self._sgd_score(X_val, y_val, sw_val)
                        self.validation_loss_curve_.append(val_loss)
                        self.validation_scores_.append(val_score)
                        line += (
                            f", validation loss = {val_loss:.8f}"
                            f", validation score = {val_score:.6f}"
                        )
                        if self._early_stopping_metric == "loss":
                            metric = val_loss
                        else:
                            metric = -val_score
                    if verbose:
                        line += f", time = {time.perf_counter() - tic:.3f} s"
                        print(line, flush=True)
                    if callback_ctx is not None and epoch_ctx.call_on_fit_task_end(
                        estimator=self,
                        reconstruction_attributes=self._sgd_fitted_attributes,
                        **callback_data,
                    ):
                        converged = True  # a callback asked to stop here
                        break
                    if partial or tol is None:
                        continue
                    # Stop after n_iter_no_change epochs without an improvement
                    # of at least tol in the monitored quantity.
                    if metric > best - tol:
                        no_improvement += 1
                    else:
                        no_improvement = 0
                    if metric < best:
                        best = metric
                        if early_stopping:
                            best_params = [p.copy() for p in pub]
                    if no_improvement >= n_iter_no_change:
                        if optimizer.trigger_stopping(verbose):
                            converged = True
                            if verbose:
                                print(
                                    f"No improvement greater than tol={tol} for "
                                    f"{n_iter_no_change} epochs; stopping."
                                )
                            break
                        no_improvement = 0
                        if average:
                            # The rate was lowered: a new phase of training
                            # begins, and the average starts anew with it.
                            state["n_averaged"] = 0
        except _Diverged as exc:
            for p, old in zip(pub, snapshot):
                p[...] = old
            if partial and fitted:
                self._sgd_state = saved_state
            name = self._learning_rate_param
            raise ValueError(
                f"Training diverged: the loss became {exc.loss} during epoch "
                f"{self.n_iter_ + 1}. The learning rate is probably too large "
                f"({name}={s('learning_rate_init')!r}): try a smaller {name}, or "
                "standardise the features (e.g. with StandardScaler). The "
                "parameters were restored to their values before this call."
            ) from None

        if early_stopping and best_params is not None:
            for p, b in zip(pub, best_params):
                p[...] = b
            if average:
                for w, b in zip(work, best_params):
                    w[...] = b
        if early_stopping and self.validation_scores_:
            self.best_validation_score_ = float(np.max(self.validation_scores_))
            self.best_loss_ = float(np.min(self.validation_loss_curve_))
        elif self.loss_curve_:
            self.best_loss_ = float(np.min(self.loss_curve_))
        self.loss_ = float(self.loss_curve_[-1])
        self._sgd_state = state
        if callback_ctx is not None:
            callback_ctx.call_on_fit_task_end(
                estimator=self, reconstruction_attributes={}, **callback_data
            )
        if not partial and not converged and tol is not None:
            warnings.warn(
                f"{type(self).__name__} stopped after max_iter={max_iter} epochs "
                f"before the loss improved by less than tol={tol} for "
                f"{n_iter_no_change} epochs in a row; increase max_iter, or "
                "set tol=None to train for exactly max_iter epochs.",
                ConvergenceWarning,
            )
        return self

    def _sgd_callbacks_begin(self, max_iter, X, y, sample_weight):
        """Open this fit's callback context: ``(context, hook data)`` or ``(None, None)``."""
        if not hasattr(self, "_init_callback_context") or not (
            getattr(self, "_skl_callbacks", None)
            or hasattr(self, "_parent_callback_ctx")
        ):
            return None, None
        ctx = self._init_callback_context(task_name="fit", max_subtasks=max_iter)
        metadata = {} if sample_weight is None else {"sample_weight": sample_weight}
        data = {"X": X, "y": y, "metadata": metadata}
        ctx.call_on_fit_task_begin(estimator=self, **data)
        return ctx, data

    def _sgd_fitted_attributes(self):
        # A copy of the fitted state, from which the callbacks rebuild an
        # estimator that predicts as if training stopped now.
        return {
            k: copy.deepcopy(v)
            for k, v in vars(self).items()
            if k.endswith("_") and not k.startswith("_")
        }

    @staticmethod
    def _update_average(state, work, pub, avg_start):
        # Polyak-Ruppert averaging: pub = mean of the iterates since avg_start.
        if avg_start and state.get("t_seen", 0) < avg_start:
            state["t_seen"] = state.get("t_seen", 0) + 1
            for p, w in zip(pub, work):
                p[...] = w
            return
        state["n_averaged"] += 1
        inv = 1.0 / state["n_averaged"]
        for p, w in zip(pub, work):
            p += (w - p) * inv

    def _validation_split(self, X, Y, sample_weight, y_score, seed):
        n = X.shape[0]
        stratify = np.asarray(y_score) if self._stratify_validation else None
        try:
            train, val = train_test_split(
                np.arange(n),
                test_size=self._trainer_setting("validation_fraction"),
                random_state=seed,
                stratify=stratify,
            )
        except ValueError as exc:
            raise ValueError(
                "early_stopping=True could not set aside a validation split "
                f"(validation_fraction={self.validation_fraction}): {exc}"
            ) from None
        sw_val = None if sample_weight is None else sample_weight[val]
        if sw_val is not None and not np.any(sw_val > 0):
            raise ValueError(
                "The sample weights of the validation split are all zero; "
                "use another random_state or a larger validation_fraction."
            )
        y_val = _take(np.asarray(y_score), val)
        return (
            _take(X, train),
            Y[train],
            None if sample_weight is None else sample_weight[train],
            _take(X, val),
            Y[val],
            sw_val,
            y_val,
        )


class _Diverged(Exception):
    def __init__(self, loss):
        self.loss = loss
