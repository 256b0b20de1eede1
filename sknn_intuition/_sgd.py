"""The one training loop, shared by every estimator in the package.

An estimator plugs into :class:`SGDTrainerMixin` by saying what its parameters
are and which stack of layers they form (:class:`TrainerHooks`); the loop owns
everything else: epochs, shuffling, mini-batches, the learning-rate schedule,
the L2/L1 penalty, averaging, ``tol``/``n_iter_no_change``, early stopping on a
validation split, ``verbose`` lines, ``loss_curve_``, ``n_iter_``, ``t_``, the
``ConvergenceWarning`` and the guard against a diverging loss.

One epoch, in plain Python::

    for X_b, Y_b in batches(X, Y):
        loss, grads = loss_and_gradients(params, X_b, Y_b)    # backprop
        grads += alpha * penalty_gradient(params)
        optimizer.update_params(params, grads)                # p -= lr * g

With ``solver='lbfgs'`` the same batch hook runs on all the data at once, and
scipy's L-BFGS-B takes the steps (:meth:`SGDTrainerMixin._lbfgs_fit`).

A fit is a transaction (:func:`transaction`): it completes, or it leaves the
estimator exactly as it was before the call.
"""

import contextlib
import contextvars
import copy
import functools
import inspect
import math
import threading
import time
import warnings
import weakref
from dataclasses import dataclass, fields
from numbers import Integral, Real
from typing import Any, Protocol

import numpy as np
import scipy.optimize
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state

from . import _layout, _network
from ._heads import ClassTargets, head
from ._optimizers import OPTIMIZERS
from ._sklearn_private import Interval, Options, StrOptions, _check_optimize_result

try:  # scikit-learn >= 1.9: callbacks (progress bars, score monitors, stopping)
    from sklearn.callback import CallbackSupportMixin
except ImportError:  # pragma: no cover - older scikit-learn

    class CallbackSupportMixin:
        """Stand-in when scikit-learn has no callback API."""


@dataclass(frozen=True)
class TrainerSettings:
    """The settings the loop reads, with the value used when an estimator lacks one."""

    solver: str = "sgd"
    learning_rate: str = "constant"
    learning_rate_init: float = 0.01
    power_t: float = 0.5
    momentum: float = 0.0
    nesterovs_momentum: bool = False
    beta_1: float = 0.9
    beta_2: float = 0.999
    epsilon: float = 1e-8
    penalty: Any = "l2"
    alpha: float = 0.0
    l1_ratio: float = 0.15
    batch_size: Any = "auto"
    max_iter: int = 200
    tol: Any = 1e-4
    n_iter_no_change: int = 10
    early_stopping: bool = False
    validation_fraction: float = 0.1
    shuffle: bool = True
    random_state: Any = None
    warm_start: bool = False
    verbose: int = 0
    average: Any = False

    @classmethod
    def of(cls, est):
        """The settings of estimator ``est`` (its parameters, else the defaults)."""
        values = {f.name: getattr(est, f.name, f.default) for f in fields(cls)}
        values["learning_rate_init"] = getattr(est, est._learning_rate_param)
        return cls(**values)


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
    "n_iter_no_change": [Interval(Integral, 1, None, closed="left"), Options(Real, {np.inf})],
    "warm_start": ["boolean"],
    "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
    "learning_rate": [StrOptions({"constant", "invscaling", "adaptive"})],
    "power_t": [Interval(Real, 0, None, closed="left")],
    "momentum": [Interval(Real, 0, 1, closed="left")],
    "nesterovs_momentum": ["boolean"],
    "solver": [StrOptions(set(OPTIMIZERS))],
    "max_fun": [Interval(Integral, 1, None, closed="left")],
    "average": ["boolean", Interval(Integral, 1, None, closed="left")],
}


# Solvers that see the whole data at each step instead of mini-batches.
FULL_BATCH_SOLVERS = ("lbfgs",)


def _stochastic_solver(est):
    """``partial_fit`` exists for the stochastic solvers only (as in scikit-learn)."""
    if est.solver in FULL_BATCH_SOLVERS:
        raise AttributeError(
            f"partial_fit is only available for stochastic solvers; {est.solver!r} "
            "is not stochastic."
        )
    return True


class TrainerHooks(Protocol):
    """What an estimator implements to be trained by :class:`SGDTrainerMixin`.

    ``params`` below is the list :meth:`_sgd_parameters` returned (or arrays
    shaped like it: the loop may train copies, e.g. for averaging), and
    ``grads`` a list of arrays shaped like it, to fill.
    """

    def _sgd_init_params(self, n_features: int, n_outputs: int, dtype, random_state) -> None:
        """Create the fitted parameter arrays (e.g. ``coef_``, ``intercept_``)."""

    def _sgd_parameters(self) -> list:
        """The arrays SGD updates in place (the fitted attributes themselves)."""

    def _sgd_penalized(self) -> list:
        """Which of them the penalty applies to (weights yes, biases no)."""

    def _sgd_stack(self, arrays: list) -> "_network.Stack":
        """The stack of layers whose parameters (or gradients) are ``arrays``."""


# ------------------------------------------------------------ training state
# What a fit may change is every attribute of the estimator except its
# constructor parameters and scikit-learn's callback settings: the fitted
# attributes (names ending in "_"), a few private fitted facts (e.g. whether y
# was 1-D), and the one training state, ``_training_state``: a dict holding
# all a continued fit needs (optimizer state and seed under "sgd", the values
# chosen for 'auto' settings under "auto", the towers' exact-solve sums under
# "lstsq"). :func:`state_names` is the one definition the transaction, warm
# starts and fresh fits read.

FIT_MODES = ("fresh", "warm", "partial")

# Not state: scikit-learn's configuration (metadata routing's set_fit_request
# and the like, set_output, and callbacks: any name with "callback"), and the
# running call's fit mode.
_NOT_STATE = ("_metadata_request", "_sklearn_output_config", "_fit_mode")


def state_names(est):
    """The names of the attributes a fit may change (see above)."""
    params = set(est._get_param_names())
    return [
        k
        for k in vars(est)
        if k not in params and k not in _NOT_STATE and "callback" not in k
    ]


def training_state(est):
    """The estimator's training state, a dict of plain values (made if absent)."""
    return est.__dict__.setdefault("_training_state", {})


def fit_mode(est):
    """How the running call trains: 'fresh', 'warm' or 'partial'.

    Decided once per call by :func:`transaction`, before anything changes:
    ``partial_fit`` on a fitted estimator continues it ('partial'); ``fit``
    with ``warm_start=True`` on a fitted estimator starts from its weights
    ('warm'); anything else starts anew ('fresh').
    """
    return est.__dict__["_fit_mode"]


def _decide_mode(est, partial):
    fitted = hasattr(est, "n_iter_")
    if partial:
        return "partial" if fitted else "fresh"
    return "warm" if fitted and getattr(est, "warm_start", False) else "fresh"


def transaction(method):
    """Make ``fit``/``partial_fit`` a transaction, and decide its fit mode.

    The estimator's state (:func:`state_names`) is saved before the call; if
    the call raises anything (a bad input found late, divergence,
    KeyboardInterrupt), the saved state is put back and anything new is
    removed, so the estimator is exactly as it was: still fitted with the
    model it had, or still unfitted. A fresh call starts from an estimator
    with no state at all.
    """
    partial = method.__name__ == "partial_fit"

    @functools.wraps(method)
    def run(self, *args, **kwargs):
        # Calls on one estimator from several threads take turns: each
        # trains on the model the last one left, and none is lost.
        with _lock_of(self):
            return _transact(self, method, partial, args, kwargs)

    run._transaction = True
    return run


# One lock per estimator, held while a fit or partial_fit runs on it; kept
# outside the estimator, so that pickling and cloning never see it.
_LOCKS = weakref.WeakKeyDictionary()
_LOCKS_LOCK = threading.Lock()


def _lock_of(est):
    with _LOCKS_LOCK:
        lock = _LOCKS.get(est)
        if lock is None:
            lock = _LOCKS[est] = threading.RLock()
        return lock


def _transact(est, method, partial, args, kwargs):
    """Run one call as a transaction (see :func:`transaction`)."""
    names = state_names(est)
    saved = {k: copy.deepcopy(vars(est)[k]) for k in names}
    mode = _decide_mode(est, partial)
    if mode == "fresh":
        for k in names:
            delattr(est, k)
    est._fit_mode = mode
    try:
        return method(est, *args, **kwargs)
    except BaseException:
        for k in state_names(est):
            delattr(est, k)
        vars(est).update(saved)
        raise
    finally:
        vars(est).pop("_fit_mode", None)


# ------------------------------------------------------------ the front end
# A fit run under front_end_only() does everything up to training (input
# checks, classes, label coding, class weights, 'auto' choices, the starting
# parameters, exactly as a fresh fit would) and stops there: the data as the
# trainer would get them are handed back in a dict. The public kernel
# (sknn_intuition.kernel) uses it to start a model it trains elsewhere.
_FRONT_END_ONLY = contextvars.ContextVar("front_end_only", default=None)


@contextlib.contextmanager
def front_end_only():
    """Within this block, ``fit`` prepares and initialises but does not train.

    Yields a dict that receives ``X``, ``Y``, ``sample_weight`` and ``y`` as
    the trainer would have received them.
    """
    sink = {}
    token = _FRONT_END_ONLY.set(sink)
    try:
        yield sink
    finally:
        _FRONT_END_ONLY.reset(token)


def make_optimizer(s, params, state):
    """The update rule of settings ``s`` for ``params``, continuing ``state``.

    ``state`` is the training state's "sgd" dict: the optimizer's saved
    state is taken from it (unless the solver changed since: a changed
    solver starts afresh) and the new optimizer's state is kept in it.
    """
    optimizer = OPTIMIZERS[s.solver](
        params,
        learning_rate_init=s.learning_rate_init,
        learning_rate=s.learning_rate,
        momentum=s.momentum,
        nesterov=s.nesterovs_momentum,
        power_t=s.power_t,
        beta_1=s.beta_1,
        beta_2=s.beta_2,
        epsilon=s.epsilon,
        state=state.get("optimizer") if state.get("solver") == s.solver else None,
    )
    state["optimizer"], state["solver"] = optimizer.state, s.solver
    return optimizer


def _unflatten(x, params):
    # Write the vector x into the parameter arrays, in order.
    start = 0
    for p in params:
        p[...] = x[start : start + p.size].reshape(p.shape)
        start += p.size


def _writeable(value):
    # The value with every read-only array in it replaced by a copy.
    if isinstance(value, np.ndarray):
        return value if value.flags.writeable else np.array(value)
    if isinstance(value, list):
        return [_writeable(v) for v in value]
    if isinstance(value, dict):
        return {k: _writeable(v) for k, v in value.items()}
    return value


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


def batch_targets(Y, rows):
    """The targets of a batch's rows, one row per output in memory.

    The layout of the output layer's batch arrays (:class:`._layout.Workspace`):
    a classifier's targets are written out from their class indices, others
    gathered by rows, then turned.
    """
    if isinstance(Y, ClassTargets):
        return Y.rows(rows)
    return np.asfortranarray(_layout.gather_rows(Y, rows))


def _l1_share(penalty, l1_ratio):
    return {"l2": 0.0, "l1": 1.0, "elasticnet": l1_ratio}[penalty]


def penalty_value_and_gradient(penalty, alpha, l1_ratio, params, penalized, grads):
    """Add the L2 part's gradient to ``grads``; return the penalty ``alpha * R(w)``.

    ``R`` is ``½‖w‖²`` (l2), ``‖w‖₁`` (l1) or
    ``(1 - l1_ratio) ½‖w‖² + l1_ratio ‖w‖₁`` (elasticnet). The L1 part has no
    gradient at 0; it is taken by a proximal step after the update instead
    (:func:`l1_proximal_step`), which reaches exact zeros.
    """
    if penalty is None or alpha == 0:
        return 0.0
    l1 = _l1_share(penalty, l1_ratio)
    value = 0.0
    for p, g, pen in zip(params, grads, penalized):
        if not pen:
            continue
        if l1 < 1:
            value += 0.5 * (1 - l1) * float(np.vdot(p, p))
            g += (alpha * (1 - l1)) * p
        if l1 > 0:
            value += l1 * float(np.abs(p).sum())
    return alpha * value


def l1_proximal_step(params, penalized, thresholds):
    """Soft-thresholding, the proximal step of ``threshold * ‖w‖₁``.

    ``w = sign(w) max(|w| - threshold, 0)``: a weight whose step would carry
    it across zero stops at exactly zero (the truncated gradient of Langford
    et al., 2009). ``thresholds`` holds one per array of ``params``: a number,
    or an array of one per weight (for per-weight steps, Adam's).
    """
    for p, pen, threshold in zip(params, penalized, thresholds):
        if pen:
            np.copysign(np.maximum(np.abs(p) - threshold, 0), p, out=p)


class _Plateau:
    """``tol``/``n_iter_no_change``: has the watched quantity stopped falling?

    It also keeps the level each stalled phase of training settled at (the
    mean of the watched quantity over its last ``patience`` epochs, those
    without improvement), so that a phase can be compared with the one
    before it (:meth:`end_phase`).
    """

    def __init__(self, tol, patience):
        self.tol, self.patience = tol, patience
        self.best, self.stalled = np.inf, 0
        self.history, self.level = [], None

    def update(self, metric):
        """Record an epoch; return (new best?, stalled for ``patience`` epochs?).

        With ``tol=None`` nothing stalls, but the best epoch is still tracked
        (early stopping keeps its weights).
        """
        improved = metric < self.best
        self.history.append(metric)
        if self.tol is not None:
            self.stalled = self.stalled + 1 if metric > self.best - self.tol else 0
        self.best = min(self.best, metric)
        return improved, self.tol is not None and self.stalled >= self.patience

    def end_phase(self):
        """A stalled phase ends: did it settle lower than the phase before, by ``tol``?

        Its level is the mean of the watched quantity over its stalled epochs
        (a level, not the best epoch: the first epoch after the rate is
        lowered can dip below where the phase settles). The first phase has
        none before it, and counts as a gain.
        """
        level = float(np.mean(self.history[-self.stalled:]))
        gained = self.level is None or level < self.level - self.tol
        self.level, self.stalled = level, 0
        return gained


@dataclass
class _Run:
    """One call's training data and the state the epochs share."""

    settings: TrainerSettings
    X: Any
    Y: Any
    sw: Any
    partial: bool
    max_iter: int
    batch_size: int
    state: dict
    work: list
    grads: list
    optimizer: Any
    opt_arrays: tuple
    validation: Any = None  # (X, Y, sw, y) with early stopping
    best_params: Any = None
    best_validation: Any = None  # (score, loss) of the kept weights
    plateau: Any = None
    callbacks: Any = None  # (context, data) with scikit-learn callbacks
    workspace: Any = None  # the batch arrays (_layout.Workspace)
    epoch_start: float = 0.0
    start_loss: Any = None  # the loss training starts from, for the runaway guard
    continued: bool = False  # a partial_fit or warm start of a fitted model
    first_batch_seen: bool = False


class SGDTrainerMixin(CallbackSupportMixin):
    """Mixin giving an estimator its training by SGD (see :class:`TrainerHooks`).

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
    ``_stop_when_a_phase_gains_nothing``
        with ``learning_rate='adaptive'``, whether training stops as soon as
        a phase at a lowered rate settles no lower than the phase before it
        (:meth:`_Plateau.end_phase`), instead of lowering the rate again
        until it falls below 1e-6.

    Every ``fit`` and ``partial_fit`` a subclass defines is wrapped in
    :func:`transaction`.
    """

    _auto_batch_size = 200
    _learning_rate_param = "learning_rate_init"

    def __getstate__(self):
        # Callbacks watch a fit; they are no part of the fitted model, so a
        # pickled or skops-saved model holds no foreign objects.
        state = super().__getstate__()
        return {k: v for k, v in state.items() if "callback" not in k}

    def __init_subclass__(cls, **kwargs):
        # Every fit and partial_fit an estimator defines is a transaction.
        super().__init_subclass__(**kwargs)
        # A trainer parameter the estimator takes is constrained as the
        # trainer declares it, unless the estimator says otherwise.
        if "__init__" in cls.__dict__ and "_parameter_constraints" in cls.__dict__:
            names = inspect.signature(cls.__init__).parameters
            cls._parameter_constraints = {
                **{k: TRAINER_CONSTRAINTS[k] for k in names if k in TRAINER_CONSTRAINTS},
                **cls.__dict__["_parameter_constraints"],
            }
        for name in ("fit", "partial_fit"):
            method = cls.__dict__.get(name)
            if hasattr(method, "fn") and hasattr(method, "check"):  # an available_if
                if not getattr(method.fn, "_transaction", False):
                    method.fn = transaction(method.fn)
            elif method is not None and not getattr(method, "_transaction", False):
                setattr(cls, name, transaction(method))
    _early_stopping_metric = "loss"
    _stratify_validation = False
    _stop_when_a_phase_gains_nothing = False

    # ------------------------------------------------ the stack, by default
    def _sgd_loss_and_gradients(self, params, X, Y, sw, grads, workspace):
        """Mean loss on a batch, and the quantity ``tol`` watches; fills ``grads``.

        Forward, the loss table, backward: :func:`._network.loss_and_gradients`,
        writing into the batch arrays of ``workspace`` (made once per call).
        """
        stack, g = self._sgd_stack(params), self._sgd_stack(grads)
        loss, D = _network.loss_and_gradients(stack, X, Y, sw, g.coefs, g.intercepts, workspace)
        return loss, self._sgd_watched(loss, D, Y)

    def _sgd_watched(self, loss, D, Y):
        """The quantity ``tol`` watches on a batch, from its loss and ``∂L/∂Z``."""
        return loss

    def _sgd_loss(self, params, X, Y, sw):
        """Mean loss on ``(X, Y)`` (the validation split)."""
        return _network.loss(self._sgd_stack(params), X, Y, sw)

    def _sgd_score(self, X, y, sample_weight):
        # The validation split is an array cut from the data: if the data
        # were a DataFrame, scikit-learn would warn of missing column names.
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="X does not have valid feature names")
            return self.score(X, y, sample_weight=sample_weight)

    def _sgd_settings(self):
        return TrainerSettings.of(self)

    # --------------------------------------------------------------- the loop
    def _sgd_fit(self, X, Y, sample_weight, y_score, *, partial):
        """Train on ``(X, Y)``: the whole loop for ``fit``, one pass for ``partial_fit``.

        ``Y`` holds the encoded targets (n_samples, n_outputs) in X's dtype
        (a classifier's as class indices, :class:`._heads.ClassTargets`);
        ``y_score`` the targets as ``score`` expects them (early stopping).
        """
        sink = _FRONT_END_ONLY.get()
        if sink is not None:  # the front end alone: start as a fresh fit, no training
            seed_rs = check_random_state(self._sgd_settings().random_state)
            self._sgd_init_params(X.shape[1], Y.shape[1], X.dtype, seed_rs)
            sink.update(X=X, Y=Y, sample_weight=sample_weight, y=y_score)
            return self
        full_batch = getattr(self, "solver", None) in FULL_BATCH_SOLVERS
        if full_batch:
            batch_size = X.shape[0]
        else:
            batch_size = self._batch_size_for(getattr(self, "batch_size", "auto"), X.shape[0])
        units = self._sgd_units(X.shape[1], Y.shape[1])
        with _layout.blas_threads_for(units, batch_size):
            if full_batch:
                return self._lbfgs_fit(X, Y, sample_weight)
            return self._sgd_loop(X, Y, sample_weight, y_score, partial, batch_size)

    def _sgd_units(self, n_features, n_outputs):
        """The sizes of the stack's layers, input first."""
        return [n_features, n_outputs]

    def _sgd_workspace(self, X, Y):
        """The batch arrays of this call's forward and backward passes."""
        return _layout.Workspace(self._sgd_units(X.shape[1], Y.shape[1]), X.dtype)

    def _sgd_loop(self, X, Y, sample_weight, y_score, partial, batch_size):
        """The epochs of SGD (or Adam) over mini-batches."""
        run = self._sgd_begin(X, Y, sample_weight, y_score, partial, batch_size)
        converged = False
        try:
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                for _ in range(run.max_iter):
                    epoch_ctx = self._sgd_callbacks_epoch_begin(run)
                    loss, monitored = self._sgd_epoch(run)
                    converged = self._sgd_epoch_end(run, loss, monitored, epoch_ctx)
                    if converged:
                        break
                # Training that ends far above where it started has diverged,
                # even if the loss stayed finite (a scale-free criterion, the
                # unpenalised perceptron's, grows with the weights: only
                # overflow counts there).
                stack, s = self._sgd_stack(run.work), run.settings
                penalised = s.penalty is not None and s.alpha > 0
                if penalised or not head(stack.loss, stack.output).scale_free:
                    _check_runaway(self.loss_curve_[-1], run.start_loss, self.n_iter_)
        except _Diverged as exc:
            raise ValueError(
                f"Training diverged: {exc}. {self._divergence_hint(run.settings, run.Y)} "
                "The estimator was left as it was before this call."
            ) from None
        self._sgd_finish(run, converged)
        return self

    def _sgd_begin(self, X, Y, sample_weight, y_score, partial, batch_size):
        """Set up one call: parameters, optimizer, validation split, callbacks."""
        s = self._sgd_settings()
        if partial and s.early_stopping:
            raise ValueError(
                "partial_fit does not support early_stopping=True: it sees one batch "
                "at a time, with no validation split; set early_stopping=False."
            )
        mode = fit_mode(self)
        seed_rs = check_random_state(s.random_state)
        if mode == "fresh":
            self._sgd_init_params(X.shape[1], Y.shape[1], X.dtype, seed_rs)
            self.n_iter_, self.t_, self.loss_curve_ = 0, 0, []
        else:
            self._own_arrays()
        # A partial_fit continues the optimizer; fit starts it anew.
        state = training_state(self).get("sgd") if mode == "partial" else None
        if state is None:
            state = {"seed": int(seed_rs.randint(np.iinfo(np.int32).max))}
        if sample_weight is not None:
            # Rescale to mean 1: a weight of 2 then means "this sample, twice".
            # A model trained on parts of the data elsewhere (kernel) keeps
            # the scale of all the data in its training state.
            scale = state.get("sample_weight_scale") or X.shape[0] / sample_weight.sum()
            sample_weight = (sample_weight * scale).astype(X.dtype, copy=False)
        fit_data = (X, y_score, sample_weight)
        validation = None
        if s.early_stopping and not partial:
            X, Y, sample_weight, validation = self._validation_split(
                X, Y, sample_weight, y_score, state["seed"], s.validation_fraction
            )
            if mode == "fresh" or getattr(self, "validation_scores_", None) is None:
                self.validation_scores_, self.validation_loss_curve_ = [], []
        pub = self._sgd_parameters()
        work = pub
        if s.average:
            state.setdefault("standard", [p.copy() for p in pub])
            state.setdefault("n_averaged", 0)
            work = state["standard"]
        grads = _layout.empty_like(work)
        # A network laid out in one flat buffer is updated as one array.
        opt_params, opt_grads = _layout.flat_views(work, grads)
        optimizer = make_optimizer(s, opt_params, state)
        max_iter = 1 if partial else s.max_iter
        return _Run(
            settings=s,
            X=X,
            Y=Y,
            sw=sample_weight,
            partial=partial,
            max_iter=max_iter,
            batch_size=min(batch_size, X.shape[0]),  # the training split's rows
            state=state,
            work=work,
            grads=grads,
            optimizer=optimizer,
            opt_arrays=(opt_params, opt_grads),
            validation=validation,
            plateau=_Plateau(None if partial else s.tol, s.n_iter_no_change),
            callbacks=self._sgd_callbacks_begin(max_iter, *fit_data),
            workspace=self._sgd_workspace(X, Y),
            # A continued model starts from its last epoch's loss (or from its
            # first batch's in this call, if larger: at an optimum with a loss
            # near 0, one batch's noise is no divergence).
            start_loss=(self.loss_curve_[-1] or None) if mode != "fresh" and self.loss_curve_
            else None,
            continued=mode != "fresh",
        )

    def _sgd_epoch(self, run):
        """One pass over the data; returns the epoch's mean loss and watched quantity."""
        s, n = run.settings, run.X.shape[0]
        penalized = self._sgd_penalized()
        l1 = 0.0 if s.penalty is None else s.alpha * _l1_share(s.penalty, s.l1_ratio)
        run.epoch_start = time.perf_counter()
        rng = np.random.default_rng([run.state["seed"], self.n_iter_])
        total = monitored = 0.0
        for rows in iter_batches(n, run.batch_size, s.shuffle, rng):
            X_b, sw_b = (_layout.gather_rows(a, rows) for a in (run.X, run.sw))
            Y_b = batch_targets(run.Y, rows)
            loss, watched = self._sgd_loss_and_gradients(
                run.work, X_b, Y_b, sw_b, run.grads, run.workspace
            )
            loss += penalty_value_and_gradient(
                s.penalty, s.alpha, s.l1_ratio, run.work, penalized, run.grads
            )
            if not math.isfinite(loss):
                raise _Diverged(f"the loss became {loss} during epoch {self.n_iter_ + 1}")
            if run.continued and not run.first_batch_seen:
                run.first_batch_seen = True
                run.start_loss = max(run.start_loss or 0.0, loss) or None
            run.optimizer.update_params(*run.opt_arrays)
            if l1 > 0:
                steps = run.optimizer.step_sizes(run.work)
                l1_proximal_step(run.work, penalized, [step * l1 for step in steps])
            if s.average:
                self._update_average(run.state, run.work, self._sgd_parameters(), s.average)
            total += loss * Y_b.shape[0]
            monitored += watched * Y_b.shape[0]
        self.t_ += n
        self.n_iter_ += 1
        run.optimizer.iteration_ends(self.t_)
        if not all(np.isfinite(p).all() for p in self._sgd_parameters()):
            raise _Diverged(f"the weights overflowed during epoch {self.n_iter_}")
        return total / n, monitored / n

    def _sgd_epoch_end(self, run, loss, monitored, epoch_ctx):
        """Record the epoch and decide whether to stop; True means converged."""
        self.loss_curve_.append(loss)
        if run.start_loss is None and loss > 0:
            run.start_loss = loss
        line = f"Epoch {self.n_iter_}, loss = {loss:.8f}"
        metric = monitored
        if run.validation is not None:
            metric, extra = self._record_validation(run)
            line += extra
        if run.settings.verbose:
            print(f"{line}, time = {time.perf_counter() - run.epoch_start:.3f} s", flush=True)
        if self._sgd_callbacks_epoch_end(run, epoch_ctx):
            return True  # a callback asked to stop here
        improved, stalled = run.plateau.update(metric)
        if improved and run.validation is not None:
            run.best_params = [p.copy() for p in self._sgd_parameters()]
            run.best_validation = (self.validation_scores_[-1], self.validation_loss_curve_[-1])
        if not stalled:
            return False
        s = run.settings
        gained = run.plateau.end_phase()
        if self._stop_when_a_phase_gains_nothing and not gained:
            if s.verbose:
                print(
                    "The phase at the lowered rate settled no lower than the one before "
                    f"(by tol={s.tol}); stopping."
                )
            return True
        if run.optimizer.trigger_stopping(s.verbose):
            if s.verbose:
                print(
                    f"No improvement greater than tol={s.tol} for "
                    f"{s.n_iter_no_change} epochs; stopping."
                )
            return True
        if s.average:
            # The rate was lowered: a new phase of training begins, and the
            # average starts anew with it.
            run.state["n_averaged"] = 0
        return False

    def _record_validation(self, run):
        X_val, Y_val, sw_val, y_val = run.validation
        val_loss = self._sgd_loss(self._sgd_parameters(), X_val, Y_val, sw_val)
        if not math.isfinite(val_loss):  # the same guard as the training loss
            raise _Diverged(f"the validation loss became {val_loss} after epoch {self.n_iter_}")
        val_score = self._sgd_score(X_val, y_val, sw_val)
        self.validation_loss_curve_.append(val_loss)
        self.validation_scores_.append(val_score)
        metric = val_loss if self._early_stopping_metric == "loss" else -val_score
        line = f", validation loss = {val_loss:.8f}, validation score = {val_score:.6f}"
        return metric, line

    def _sgd_finish(self, run, converged):
        """Keep the best weights of early stopping; the summary attributes."""
        if run.best_params is not None:
            for p, b in zip(self._sgd_parameters(), run.best_params):
                p[...] = b
            if run.settings.average:
                for w, b in zip(run.work, run.best_params):
                    w[...] = b
        if run.validation is not None and self.validation_scores_:
            # The validation score and loss of the weights kept, as
            # scikit-learn's (not the best of earlier warm-started runs).
            score, loss = run.best_validation or (
                self.validation_scores_[-1], self.validation_loss_curve_[-1]
            )
            self.best_validation_score_, self.best_loss_ = float(score), float(loss)
        else:
            # As scikit-learn's MLP: None when no validation split was used.
            self.validation_scores_ = self.validation_loss_curve_ = None
            self.best_validation_score_ = None
            self.best_loss_ = float(np.min(self.loss_curve_))
        self.loss_ = float(self.loss_curve_[-1])
        training_state(self)["sgd"] = run.state
        if run.callbacks is not None:
            ctx, data = run.callbacks
            ctx.call_on_fit_task_end(estimator=self, reconstruction_attributes={}, **data)
        s = run.settings
        if not run.partial and not converged and s.tol is not None:
            warnings.warn(
                f"{type(self).__name__} stopped after max_iter={run.max_iter} epochs "
                f"before the loss improved by less than tol={s.tol} for "
                f"{s.n_iter_no_change} epochs in a row; increase max_iter, or "
                "set tol=None to train for exactly max_iter epochs.",
                ConvergenceWarning,
            )

    def _divergence_hint(self, s, Y=None):
        """The setting that most likely made training diverge, and what to try."""
        scale = 0.0  # a classifier's targets are its classes' codes: never huge
        if Y is not None and Y.size and not isinstance(Y, ClassTargets):
            scale = float(np.abs(Y).max())
        if scale > _HUGE_TARGET:
            return (
                f"The targets are on a huge scale (|y| up to {scale:.3g}): their squared "
                "errors overflow, whatever the learning rate. Rescale y, e.g. with "
                "sklearn.compose.TransformedTargetRegressor(regressor=..., "
                "transformer=StandardScaler())."
            )
        name = self._learning_rate_param
        given = getattr(self, name)
        rate = f"{name}={given!r}"
        if isinstance(given, str):
            rate += f" (a step of {s.learning_rate_init:.3g} here)"
        if s.penalty is not None and s.solver == "sgd" and s.alpha * s.learning_rate_init >= 1:
            return (
                f"The penalty times the step is too large (alpha={s.alpha!r} with "
                f"{rate}: each step scales the weights by 1 - {s.alpha * s.learning_rate_init:.3g}"
                f"); lower alpha or {name}."
            )
        weights = getattr(self, "class_weight", None)
        if isinstance(weights, dict) and weights and max(weights.values()) > 1e3:
            return (
                f"The class weights {weights!r} make some samples count far more than "
                f"others; with {rate} their steps are too large: lower them or {name}."
            )
        return (
            f"The learning rate is probably too large ({rate}): try a smaller {name}, "
            "or standardise the features (e.g. with StandardScaler)."
        )

    # ------------------------------------------------------ full-batch L-BFGS
    def _lbfgs_fit(self, X, Y, sample_weight):
        """Minimise the same loss over the whole data with scipy's L-BFGS-B.

        All parameters form one vector; each evaluation is one forward pass,
        the loss and one backward pass over all samples (the batch hook of
        SGD with the whole data as its batch), plus the L2 penalty.
        """
        s = self._sgd_settings()
        if s.penalty not in (None, "l2") and s.alpha > 0:
            raise ValueError(
                f"solver='lbfgs' needs a differentiable penalty ('l2' or None), got "
                f"penalty={s.penalty!r}; use solver='sgd' for L1."
            )
        if fit_mode(self) == "warm":
            self._own_arrays()
        else:
            seed_rs = check_random_state(s.random_state)
            self._sgd_init_params(X.shape[1], Y.shape[1], X.dtype, seed_rs)
        if sample_weight is not None:
            sample_weight = (sample_weight * (X.shape[0] / sample_weight.sum())).astype(X.dtype)
        Y = np.asfortranarray(Y)  # as the output layer's batch array (_layout.Workspace)
        params, penalized = self._sgd_parameters(), self._sgd_penalized()
        grads = _layout.empty_like(params)
        workspace = self._sgd_workspace(X, Y)

        def loss_and_gradient(x):
            _unflatten(x, params)
            loss, _ = self._sgd_loss_and_gradients(params, X, Y, sample_weight, grads, workspace)
            loss += penalty_value_and_gradient(s.penalty, s.alpha, 0.0, params, penalized, grads)
            return loss, np.concatenate([g.ravel() for g in grads], dtype=np.float64)

        return self._lbfgs_minimize(
            loss_and_gradient, X.shape[0], Y, warm=fit_mode(self) == "warm"
        )

    def _lbfgs_minimize(self, loss_and_gradient, n_samples, Y=None, *, warm=False):
        """Run L-BFGS-B from the current parameters; keep its result and summary.

        ``loss_and_gradient(x)`` returns the objective at the flat parameter
        vector ``x`` and its gradient (float64): here, the whole data's in
        memory; for data kept elsewhere, sums gathered from their blocks
        (:mod:`sknn_intuition.dask`). ``Y`` (the targets, when at hand) lets a
        divergence be blamed on their scale; ``warm`` continues the counters.
        """
        s = self._sgd_settings()
        params = self._sgd_parameters()
        curve, last = [], [np.inf]

        def evaluate(x):
            loss, gradient = loss_and_gradient(x)
            last[0] = loss
            return loss, gradient

        def record(*args):
            # After each iteration: the accepted point was evaluated last.
            curve.append(last[0])

        x0 = np.concatenate([p.ravel() for p in params], dtype=np.float64)
        with np.errstate(over="ignore", invalid="ignore"):
            result = scipy.optimize.minimize(
                evaluate,
                x0,
                method="L-BFGS-B",
                jac=True,
                options={"maxfun": self.max_fun, "maxiter": s.max_iter, "gtol": s.tol or 0.0},
                callback=record,
            )
        if not np.isfinite(result.fun):
            scale = float(np.abs(Y).max()) if Y is not None and Y.size else 0.0
            hint = (
                self._divergence_hint(s, Y) if scale > _HUGE_TARGET
                else "Standardise the features (e.g. with StandardScaler)."
            )
            raise ValueError(
                f"Training diverged: the loss became {result.fun} with solver='lbfgs'. "
                f"{hint} The estimator was left as it was before this call."
            )
        _unflatten(result.x, params)
        n_iter = _check_optimize_result("lbfgs", result, s.max_iter)
        if warm:
            # A warm start trains on: the counters and the curve go on.
            self.n_iter_ += n_iter
            self.t_ += n_samples * n_iter
            self.loss_curve_ = [*self.loss_curve_, *curve]
        else:
            self.n_iter_, self.t_ = n_iter, n_samples * n_iter
            self.loss_curve_ = curve  # the loss after each iteration
        self.loss_ = self.best_loss_ = float(result.fun)
        self.validation_scores_ = self.validation_loss_curve_ = None
        self.best_validation_score_ = None
        training_state(self).pop("sgd", None)
        return self

    def _own_arrays(self):
        """Copy read-only fitted arrays before training changes them in place.

        A model loaded with ``joblib.load(..., mmap_mode='r')`` (which loky does
        by itself for large arrays) holds read-only memory maps.
        """
        for name in state_names(self):
            setattr(self, name, _writeable(getattr(self, name)))

    def _record_exact_pass(self, loss, n_samples, *, restart):
        """The loop's bookkeeping for a pass solved exactly instead (one "epoch").

        For estimators with an exact solver beside SGD (the tower's least
        squares): ``n_iter_``, ``t_``, ``loss_curve_``, ``loss_``, ``best_loss_``.
        """
        if restart or not hasattr(self, "n_iter_"):
            self.n_iter_, self.t_, self.loss_curve_ = 0, 0, []
        self.n_iter_ += 1
        self.t_ += n_samples
        self.loss_curve_.append(loss)
        self.loss_ = loss
        self.best_loss_ = float(np.min(self.loss_curve_))

    # ----------------------------------------------------------------- helpers
    def _batch_size_for(self, batch_size, n_samples):
        if batch_size == "auto":
            return max(1, min(self._auto_batch_size, n_samples))
        if batch_size > n_samples:
            warnings.warn(
                f"Got batch_size={batch_size} larger than the number of samples "
                f"({n_samples}); using batch_size={n_samples}.",
                UserWarning,
            )
        return max(1, min(int(batch_size), n_samples))

    @staticmethod
    def _update_average(state, work, pub, average):
        # Polyak-Ruppert averaging: pub = mean of the iterates since the
        # start (or since step ``average``, an int).
        avg_start = 0 if average is True else int(average)
        if avg_start and state.get("t_seen", 0) < avg_start:
            state["t_seen"] = state.get("t_seen", 0) + 1
            for p, w in zip(pub, work):
                p[...] = w
            return
        state["n_averaged"] += 1
        inv = 1.0 / state["n_averaged"]
        for p, w in zip(pub, work):
            p += (w - p) * inv

    def _validation_split(self, X, Y, sample_weight, y_score, seed, fraction):
        stratify = np.asarray(y_score) if self._stratify_validation else None
        if stratify is not None and stratify.ndim > 1:
            stratify = None  # multilabel targets: a plain random split
        try:
            train, val = train_test_split(
                np.arange(X.shape[0]), test_size=fraction, random_state=seed, stratify=stratify
            )
        except ValueError as exc:
            reason = str(exc)
            if stratify is not None:
                labels, counts = np.unique(stratify, return_counts=True)
                too_few = [str(c) for c, k in zip(labels, counts) if k < 2]
                if too_few:
                    reason = (
                        f"The least populated classes in y have only {counts.min()} "
                        "member, too few for a stratified split. Classes with too few "
                        f"members are: {too_few}"
                    )
            raise ValueError(
                "early_stopping=True could not set aside a validation split "
                f"(validation_fraction={fraction}): {reason}."
            ) from None
        if len(val) < 2:
            raise ValueError(
                f"The validation set is too small: {len(val)} sample(s) of {X.shape[0]} "
                f"with validation_fraction={fraction}. Increase validation_fraction or "
                "the size of the data, or set early_stopping=False."
            )
        sw_val = None if sample_weight is None else sample_weight[val]
        if sw_val is not None and not np.any(sw_val > 0):
            raise ValueError(
                "The sample weights of the validation split are all zero; "
                "use another random_state or a larger validation_fraction."
            )
        y_val = _layout.gather_rows(np.asarray(y_score), val)
        # The validation targets written out (class indices are kept for training).
        validation = (_layout.gather_rows(X, val), np.ascontiguousarray(Y[val]), sw_val, y_val)
        sw_train = None if sample_weight is None else sample_weight[train]
        return _layout.gather_rows(X, train), Y[train], sw_train, validation

    # --------------------------------------------------------------- callbacks
    def _sgd_callbacks_begin(self, max_iter, X, y, sample_weight):
        """Open this call's callback context: ``(context, hook data)`` or None."""
        if not hasattr(self, "_init_callback_context") or not (
            getattr(self, "_skl_callbacks", None) or hasattr(self, "_parent_callback_ctx")
        ):
            return None
        ctx = self._init_callback_context(task_name="fit", max_subtasks=max_iter)
        metadata = {} if sample_weight is None else {"sample_weight": sample_weight}
        data = {"X": X, "y": y, "metadata": metadata}
        ctx.call_on_fit_task_begin(estimator=self, **data)
        return ctx, data

    def _sgd_callbacks_epoch_begin(self, run):
        if run.callbacks is None:
            return None
        ctx, data = run.callbacks
        epoch_ctx = ctx.subcontext(task_name="epoch")
        epoch_ctx.call_on_fit_task_begin(estimator=self, **data)
        return epoch_ctx

    def _sgd_callbacks_epoch_end(self, run, epoch_ctx):
        if epoch_ctx is None:
            return False
        return bool(
            epoch_ctx.call_on_fit_task_end(
                estimator=self,
                reconstruction_attributes=self._sgd_fitted_attributes,
                **run.callbacks[1],
            )
        )

    def _sgd_fitted_attributes(self):
        # A copy of the fitted state, from which the callbacks rebuild an
        # estimator that predicts as if training stopped now.
        return {
            k: copy.deepcopy(getattr(self, k))
            for k in state_names(self)
            if k.endswith("_") and not k.startswith("_")
        }


# Targets beyond this scale make squared errors overflow (or near it): the
# divergence message then blames the targets, not the learning rate.
_HUGE_TARGET = 1e100

# Training whose last epoch's mean loss exceeds the loss it started from this
# many times has run away: training that works lowers the loss from where it
# starts, whatever the schedule did on the way. It starts from the last
# epoch's loss of a continued model, else from its first epoch's mean (not its
# first batch's loss: with sample weights over orders of magnitude, one batch
# of light samples has a tiny loss).
RUNAWAY_FACTOR = 1e4


def _check_runaway(loss, start_loss, epoch):
    start = max(start_loss or 0.0, 1e-300)
    if start_loss is not None and loss > RUNAWAY_FACTOR * start:
        raise _Diverged(
            f"the loss ended at {loss:.3g} after epoch {epoch}, {loss / start:.3g} times "
            "its value at the start"
        )


class _Diverged(Exception):
    """Training diverged; the message says how."""
