"""TowerRegressor: a row of sigmoid towers with learnt heights.

The universal approximation theorem, made constructive: a tower is the
difference of two steep sigmoids, ``σ(s(x - a)) - σ(s(x - c))``, standing on
``[a, c]``; towers side by side, each scaled by a height, add up to any
continuous curve. The layout of the towers (where the walls stand, how steep
they are) is built from the training data; the heights and the output bias
are the only learnt parameters — a linear layer on the towers' activations —
so they are fitted either exactly (least squares) or by the shared SGD loop.
"""

import warnings
from numbers import Integral, Real

import numpy as np
from scipy.special import expit
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from ._base import validate_fit_data, validate_sample_weight
from ._least_squares import add_block, empty_sums, solve, solve_dual
from ._network import Stack
from ._optimizers import OPTIMIZERS
from ._sgd import TRAINER_CONSTRAINTS, SGDTrainerMixin
from ._sklearn_private import Interval, StrOptions, _fit_context

SOLVERS = ("lstsq", *OPTIMIZERS)
EDGE_PLACEMENTS = ("uniform", "quantile")

# Rows per block when activations are computed in chunks (predict, lstsq,
# SGD's validation loss): about this many bytes of activations, and at least
# _BLOCK_ROWS rows, so that the products over many towers stay efficient.
_BLOCK_BYTES = 2**20
_BLOCK_ROWS = 256

# n_towers='auto': at most this many towers per feature, and about this many
# samples (or more) in each tower or cell.
_MAX_AUTO_TOWERS = 30
_SAMPLES_PER_TOWER = 5

# Above this many towers (and more towers than samples) the exact solver works
# with the n_samples x n_samples system instead of the n_towers x n_towers one.
_PRIMAL_MAX_TOWERS = 4096

# Fitted attributes of a training run, dropped when a new layout is built.
_RUN_STATE = (
    "n_iter_",
    "t_",
    "loss_curve_",
    "loss_",
    "best_loss_",
    "validation_scores_",
    "validation_loss_curve_",
    "best_validation_score_",
    "_lstsq_sums",
    "_sgd_state",
)


def _weighted_quantiles(x, w, q):
    """Quantiles of ``x`` with weights ``w`` (inverted CDF).

    With integer weights this is exactly the quantile of the data with each
    sample repeated ``w_i`` times, and zero-weight samples play no part.
    """
    order = np.argsort(x, kind="stable")
    xs, cw = x[order], np.cumsum(w[order], dtype=np.float64)
    idx = np.searchsorted(cw, np.asarray(q) * cw[-1], side="left")
    # q = 0 lands on the first sample of positive weight.
    idx = np.maximum(idx, np.searchsorted(cw, 0.0, side="right"))
    return xs[np.minimum(idx, len(xs) - 1)]


def _walls(centres):
    """Walls halfway between neighbouring centres, and half a gap beyond the ends.

    The outermost towers are then centred on the ends of the range, so the data
    at the edges sit on a full-height tower, not on a half-height wall.
    """
    if len(centres) == 1:
        return np.array([centres[0] - 0.5, centres[0] + 0.5])
    mid = 0.5 * (centres[1:] + centres[:-1])
    return np.concatenate(
        [
            [centres[0] - (mid[0] - centres[0])],
            mid,
            [centres[-1] + (centres[-1] - mid[-1])],
        ]
    )


class TowerRegressor(RegressorMixin, SGDTrainerMixin, BaseEstimator):
    """Towers of sigmoids added up with learnt heights: the universal approximator.

    One tower is the difference of two sigmoids with the same steepness,
    standing on the interval ``[a, c]``:
    ``tower(x) = σ(s (x - a)) - σ(s (x - c))``. It is about 1 between its
    walls and about 0 elsewhere, the more so the steeper the walls. The
    prediction is a sum of towers, each scaled by a learnt height, plus an
    output bias: a one-hidden-layer network whose hidden layer is built, not
    learnt. More and narrower towers fit a curve more closely.

    **The layout.** Along each feature, ``n_towers`` towers tile the training
    range (or ``bounds``): their centres are evenly spaced from the smallest to
    the largest value (``edges='uniform'``) or placed at the data's quantiles
    (``edges='quantile'``); the walls stand halfway between neighbouring
    centres, and the outermost walls half a gap beyond the end centres, so
    the data at the ends sit on the middle of a tower rather than on a
    half-height wall. A single tower (``n_towers=1``) is centred on the range
    and twice as wide as it: on data in ``[0, 1]`` its walls stand at -0.5
    and 1.5, and every sample sits on its flat top. Each tower's steepness
    is ``steepness / (c - a)``, so the shape of a tower does not depend on
    the units of ``x``. Every tower is scaled by
    ``1 / tanh(steepness / 4)`` so that it peaks at exactly 1 at its centre
    (a no-op for steep walls): its height is then its value there.

    **Several features.** Each feature gets its own row of towers, and the
    towers of all features are added up (an additive model). With a few
    features (``cells``), towers over *cells* of the input space are added as
    well: the cell ``[a_1, c_1] × … × [a_d, c_d]`` is the tower
    ``σ(steepness · (Σ_j tower_j(x_j) - (d - ½)))``, about 1 when all ``d``
    one-dimensional towers are up (the sum is about ``d``) and about 0 when
    one or more is down (the sum is at most about ``d - 1``). The grid has
    ``n_towers ** d`` cells; only those holding training data get a tower, and
    when they number more than ``max_towers`` the grid is made coarser until
    they fit, with a warning. In many dimensions nearly every sample would sit
    alone in its cell, so cells are only built for up to three features
    (``cells='auto'``); beyond that the model is the additive one.

    **The heights** (and the output bias) minimise the mean squared error
    plus ``alpha · ½‖heights‖²``, either exactly (``solver='lstsq'``, the
    default: the loss is quadratic in the heights, so one linear solve finds
    the minimum) or by stochastic gradient descent (``solver='sgd'`` or
    ``'adam'``) through the same training loop as every estimator of the
    package. The exact solver is faster and more accurate; SGD shows the
    learning as it happens (``loss_curve_``), needs no ``n_towers²`` matrix and
    offers early stopping.

    Parameters
    ----------
    n_towers : int or 'auto', default='auto'
        Towers per feature (and cells per feature along each side of the
        grid). 'auto' takes as many as the data can support: 30, or fewer
        when the samples are few, so that each tower (each cell of the grid,
        with cells) holds about 5 samples or more:
        ``min(30, (n_samples / 5) ** (1 / d))``, ``d`` the number of features
        the cells span (1 without cells). An int asks for that many; a
        ``UserWarning`` says when they outnumber half the samples. With
        ``edges='quantile'`` a feature with few distinct values gets fewer.
    steepness : float, default=4.0
        How sharp the walls are, relative to the tower's width: the slope of
        each sigmoid is ``steepness / (c - a)``. The default gives smooth,
        overlapping bumps whose sum is a smooth curve and fits best; 30 or
        more gives the crisp rectangular towers of the textbook picture, whose
        sum is a staircase (maximum error about proportional to
        ``1 / n_towers``).
    edges : {'uniform', 'quantile'}, default='uniform'
        Where the tower centres go: evenly spaced over the range of each
        feature, or at its quantiles (narrow towers where the data are dense).
    cells : 'auto' or bool, default='auto'
        Whether to add towers over cells of the input space (interactions
        between features). 'auto' adds them when the data have 2 or 3
        features.
    max_towers : int, default=1000
        Largest number of cell towers. When the occupied cells of the
        ``n_towers ** d`` grid are more, the grid is made coarser (fewer cells
        per feature) and a ``UserWarning`` says so.
    bounds : array-like of shape (2,) or (n_features, 2), default=None
        The range ``(low, high)`` the towers of each feature tile, instead of
        the range of the training data. Useful with ``partial_fit``, whose
        first call otherwise fixes the layout from its own batch.
    solver : {'lstsq', 'sgd', 'adam'}, default='lstsq'
        How the heights are learnt: an exact regularised least-squares solve,
        or stochastic gradient descent (plain/momentum, or Adam) on the mean
        squared error through the shared training loop.
    alpha : float, default=1e-6
        Strength of the L2 penalty ``alpha · ½‖heights‖²`` (ridge). A little
        keeps the solve well posed when towers overlap.
    batch_size : int or 'auto', default='auto'
        Samples per SGD step; 'auto' is ``min(200, n_samples)``.
    learning_rate : {'constant', 'invscaling', 'adaptive'}, default='constant'
        SGD learning-rate schedule (see :class:`PerceptronClassifier`).
    learning_rate_init : float, default=0.01
        SGD step size.
    power_t : float, default=0.5
        Exponent of the 'invscaling' schedule.
    max_iter : int, default=200
        Largest number of SGD epochs.
    shuffle : bool, default=True
        Shuffle the samples before each SGD epoch.
    random_state : int, RandomState instance or None, default=None
        Seeds the SGD shuffling and the early-stopping split. The layout and
        the exact solve do not depend on it.
    tol : float or None, default=1e-4
        SGD stops when the loss has not improved by ``tol`` for
        ``n_iter_no_change`` epochs; ``None`` runs ``max_iter`` epochs.
    verbose : int, default=0
        Print the loss after each epoch (or after the exact solve).
    warm_start : bool, default=False
        With an SGD solver, ``fit`` continues from the previous heights and
        keeps the previous layout.
    momentum : float, default=0.9
        Momentum of ``solver='sgd'``.
    nesterovs_momentum : bool, default=True
        Use Nesterov's momentum with ``solver='sgd'``.
    early_stopping : bool, default=False
        With SGD, hold out ``validation_fraction`` of the data and stop when
        the loss there stops improving, keeping the best heights.
    validation_fraction : float, default=0.1
        Fraction held out for early stopping.
    beta_1, beta_2, epsilon : float, default=0.9, 0.999, 1e-8
        Adam's parameters.
    n_iter_no_change : int, default=10
        Epochs without improvement tolerated before stopping.

    Attributes
    ----------
    edges_ : list of ndarray
        ``edges_[j]`` holds the walls of the towers of feature ``j``, in
        increasing order; tower ``k`` of that feature stands on
        ``[edges_[j][k], edges_[j][k + 1]]``.
    tower_feature_, tower_left_, tower_right_ : ndarray of shape (n_1d_towers_,)
        The feature, left wall and right wall of each one-dimensional tower,
        in the order of ``heights_`` (feature 0's towers first).
    cell_edges_ : list of ndarray
        Walls of the cell grid along each feature (empty without cells).
    cells_ : ndarray of shape (n_cells, n_features)
        For each cell tower, the index of its interval along each feature in
        ``cell_edges_`` (no rows without cells).
    heights_ : ndarray of shape (n_towers_, n_outputs_)
        The learnt height of each tower (one-dimensional towers first, then
        cells), for each output.
    intercept_ : ndarray of shape (n_outputs_,)
        The output bias: also the prediction far outside the training range,
        where every tower has fallen to 0.
    n_towers_ : int
        Number of towers in all.
    n_1d_towers_ : int
        Number of one-dimensional towers.
    n_outputs_ : int
        Number of targets.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the features, when X has string column names.
    n_iter_ : int
        SGD epochs run (1 per call for the exact solver).
    t_ : int
        Training samples seen.
    loss_curve_ : list of float
        Training loss (MSE + penalty) after each epoch or solve.
    loss_ : float
        The last value of ``loss_curve_``.
    best_loss_ : float
        The smallest loss reached.
    validation_scores_, validation_loss_curve_ : list of float
        Validation R² and loss per epoch (SGD with ``early_stopping``; None otherwise).
    best_validation_score_ : float
        Best validation R² (SGD with ``early_stopping``; None otherwise).

    See Also
    --------
    sklearn.neural_network.MLPRegressor : The same one-hidden-layer network with
        every weight learnt by backpropagation.
    sklearn.preprocessing.SplineTransformer : A fixed basis of piecewise
        polynomials, the practitioner's tool for smooth 1-D curves.

    Notes
    -----
    With activations ``T(x)`` (one column per tower), heights ``H`` and bias
    ``b``, the prediction is ``ŷ = T(x) H + b`` and the learnt parameters
    minimise, over sample weights ``w_i`` and ``K`` outputs,

    .. math::

        L(H, b) = \\frac{1}{\\sum_i w_i} \\sum_i w_i \\frac{1}{K}
        \\lVert y_i - T(x_i) H - b \\rVert^2 + \\frac{\\alpha}{2} \\lVert H \\rVert^2 .

    The mean squared error here has no factor ½. The exact solver sets the
    gradient to zero: with ``T_c``, ``y_c`` centred by their weighted means,

    .. math::

        (T_c^\\top W T_c + \\lambda I) H = T_c^\\top W y_c, \\qquad
        \\lambda = \\frac{\\alpha K}{2} \\sum_i w_i, \\qquad
        b = \\bar y - \\bar T H .

    One SGD step on a batch, in plain Python::

        heights_ -= lr * (T_b.T @ (2 / K * (T_b @ heights_ + intercept_ - Y_b) / n_b)
                          + alpha * heights_)

    Beyond the outermost walls every tower falls to 0, so far from the
    training range the prediction returns to ``intercept_`` (about the mean
    target). Predictions stay finite for any finite input.

    Examples
    --------
    One steep tower over data on ``[0, 1]``: its walls stand at -0.5 and 1.5
    (twice the data's range, so the data sit on its flat top); it is about 1
    inside and 0 outside:

    >>> import numpy as np
    >>> from sknn_intuition import TowerRegressor
    >>> X = np.linspace(0, 1, 50).reshape(-1, 1)
    >>> est = TowerRegressor(n_towers=1, steepness=50).fit(X, np.ones(50))
    >>> est.tower_left_, est.tower_right_
    (array([-0.5]), array([1.5]))
    >>> est.tower_activations([[-1.0], [0.5], [2.0]]).round(3)
    array([[0.],
           [1.],
           [0.]])

    Forty towers fit a sine closely:

    >>> X = np.linspace(-3, 3, 500).reshape(-1, 1)
    >>> y = np.sin(2 * X[:, 0])
    >>> est = TowerRegressor(n_towers=40).fit(X, y)
    >>> bool(np.abs(est.predict(X) - y).max() < 0.02)
    True
    """

    _auto_batch_size = 200

    _parameter_constraints: dict = {
        **{
            k: TRAINER_CONSTRAINTS[k]
            for k in (
                "alpha",
                "max_iter",
                "tol",
                "shuffle",
                "verbose",
                "random_state",
                "early_stopping",
                "validation_fraction",
                "n_iter_no_change",
                "warm_start",
                "batch_size",
                "learning_rate",
                "power_t",
                "momentum",
                "nesterovs_momentum",
            )
        },
        "n_towers": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "steepness": [Interval(Real, 0, None, closed="neither")],
        "edges": [StrOptions(set(EDGE_PLACEMENTS))],
        "cells": [StrOptions({"auto"}), "boolean"],
        "max_towers": [Interval(Integral, 1, None, closed="left")],
        "bounds": ["array-like", None],
        "solver": [StrOptions(set(SOLVERS))],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
    }

    def __init__(
        self,
        n_towers="auto",
        *,
        steepness=4.0,
        edges="uniform",
        cells="auto",
        max_towers=1000,
        bounds=None,
        solver="lstsq",
        alpha=1e-6,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.01,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=0,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
    ):
        self.n_towers = n_towers
        self.steepness = steepness
        self.edges = edges
        self.cells = cells
        self.max_towers = max_towers
        self.bounds = bounds
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

    # ------------------------------------------------------------------ layout
    def _ranges(self, X, sw):
        """``(low, high)`` of each feature: ``bounds``, or the weighted data's range."""
        n_features = X.shape[1]
        if self.bounds is not None:
            b = np.asarray(self.bounds, dtype=np.float64)
            if b.shape == (2,):
                b = np.tile(b, (n_features, 1))
            if b.shape != (n_features, 2) or not np.all(np.isfinite(b)):
                raise ValueError(
                    "bounds must be finite (low, high) pairs of shape (2,) or "
                    f"(n_features, 2) = ({n_features}, 2); got shape {b.shape}."
                )
            if np.any(b[:, 0] >= b[:, 1]):
                bad = np.flatnonzero(b[:, 0] >= b[:, 1]).tolist()
                raise ValueError(
                    f"bounds must have low < high for every feature; not so for features {bad}."
                )
            return b[:, 0], b[:, 1]
        Xp = X if sw is None else X[sw > 0]
        lo, hi = Xp.min(axis=0).astype(np.float64), Xp.max(axis=0).astype(np.float64)
        const = np.flatnonzero(hi <= lo)
        if const.size:
            warnings.warn(
                f"Features {const.tolist()} are constant in the training data "
                f"({Xp.shape[0]} sample(s) with positive weight); their towers "
                "tile [value - 0.5, value + 0.5] (set bounds to choose another "
                "range).",
                UserWarning,
            )
            lo[const] -= 0.5
            hi[const] += 0.5
        return lo, hi

    def _centres(self, x, w, lo, hi, n):
        """Tower centres along one feature, from ``lo`` to ``hi``."""
        if n == 1:
            return np.array([0.5 * (lo + hi)])
        if self.edges == "uniform" or self.bounds is not None:
            return np.linspace(lo, hi, n)
        c = _weighted_quantiles(x, w, np.linspace(0, 1, n)).astype(np.float64)
        c = np.unique(c)
        if len(c) == 1:  # a single distinct value: one tower around it
            return np.array([0.5 * (lo + hi)])
        return c

    def _grid(self, X, sw, lo, hi, n):
        """Walls of ``n`` towers along each feature."""
        w = np.ones(X.shape[0]) if sw is None else sw
        grid = []
        for j in range(X.shape[1]):
            centres = self._centres(X[:, j], w, lo[j], hi[j], n)
            if len(centres) == 1:
                walls = np.array([lo[j], hi[j]])
                # A single tower spans twice the range: the data sit on its top.
                walls = walls + np.array([-0.5, 0.5]) * (hi[j] - lo[j])
            else:
                walls = _walls(centres)
            grid.append(walls)
        return grid

    def _build_layout(self, X, sw, dtype):
        n_samples, n_features = X.shape
        self.steepness_ = float(self.steepness)
        lo, hi = self._ranges(X, sw)
        with np.errstate(over="ignore"):
            too_wide = ~np.isfinite(hi - lo)
        if too_wide.any():
            raise ValueError(
                f"The range of features {np.flatnonzero(too_wide).tolist()} cannot be "
                "tiled by towers: its width overflows. Rescale the features (e.g. with "
                "StandardScaler) or set bounds to a finite range of moderate size."
            )
        use_cells = self.cells if self.cells != "auto" else 2 <= n_features <= 3
        use_cells = bool(use_cells) and n_features >= 2
        towers = self._towers_per_feature(X, sw, n_features if use_cells else 1)
        grid = self._grid(X, sw, lo, hi, towers)
        self.edges_ = [g.astype(dtype) for g in grid]
        self.tower_feature_ = np.concatenate(
            [np.full(len(g) - 1, j, dtype=np.intp) for j, g in enumerate(grid)]
        )
        self.tower_left_ = np.concatenate([g[:-1] for g in grid]).astype(dtype)
        self.tower_right_ = np.concatenate([g[1:] for g in grid]).astype(dtype)
        self._check_walls()
        self.n_1d_towers_ = len(self.tower_feature_)

        self.cell_edges_ = []
        self.cells_ = np.zeros((0, n_features), dtype=np.intp)
        if use_cells:
            self._build_cells(X, sw, lo, hi, towers)
        self.n_towers_ = self.n_1d_towers_ + len(self.cells_)

    def _check_walls(self):
        # Each wall's slope, steepness / width, must be a finite number in
        # the data's floating point: not so for ranges near the largest or
        # the smallest numbers it can hold.
        width = self.tower_right_ - self.tower_left_
        with np.errstate(all="ignore"):
            slope = self.steepness_ / width
        bad = ~(np.isfinite(width) & np.isfinite(slope) & (width > 0))
        if bad.any():
            features = np.unique(self.tower_feature_[bad]).tolist()
            raise ValueError(
                f"The range of features {features} cannot be tiled by towers in "
                f"{self.tower_left_.dtype} (tower widths from {width.min():.3g} to "
                f"{width.max():.3g}): rescale the features (e.g. with StandardScaler) "
                "or set bounds to a finite range of moderate size."
            )

    def _occupied_cells(self, X, sw, grid):
        Xp = X if sw is None else X[sw > 0]
        idx = np.empty(Xp.shape, dtype=np.intp)
        for j, walls in enumerate(grid):
            k = np.searchsorted(walls, Xp[:, j], side="right") - 1
            idx[:, j] = np.clip(k, 0, len(walls) - 2)
        return np.unique(idx, axis=0)

    def _towers_per_feature(self, X, sw, d):
        """``n_towers``, or for 'auto' as many as ``n`` samples support in ``d`` dimensions."""
        n = X.shape[0] if sw is None else float(sw.sum())  # weights count as copies
        if self.n_towers == "auto":
            return max(1, min(_MAX_AUTO_TOWERS, int((n / _SAMPLES_PER_TOWER) ** (1.0 / d))))
        if self.n_towers**d > n / 2:
            warnings.warn(
                f"n_towers={self.n_towers} makes {self.n_towers**d} "
                f"{'towers per feature' if d == 1 else 'cells'} for {n} samples: most hold "
                "one sample or none, and the fit follows the noise. Fewer towers (or "
                "n_towers='auto') generalise better.",
                UserWarning,
            )
        return self.n_towers

    def _build_cells(self, X, sw, lo, hi, towers):
        d = X.shape[1]
        r = towers
        grid = self._grid(X, sw, lo, hi, r)
        cells = self._occupied_cells(X, sw, grid)
        occupied_at_full = len(cells)
        while len(cells) > self.max_towers and r > 1:
            shrink = (self.max_towers / len(cells)) ** (1.0 / d)
            r = max(1, min(r - 1, int(r * shrink)))
            grid = self._grid(X, sw, lo, hi, r)
            cells = self._occupied_cells(X, sw, grid)
        if r < towers:
            warnings.warn(
                f"The training data occupy {occupied_at_full} cells of the "
                f"{towers}^{d} grid, more than max_towers={self.max_towers}; "
                f"the cell grid was made coarser, to {r} cells per feature "
                f"({len(cells)} occupied cells). Increase max_towers for finer "
                "cells, or set cells=False for the additive model.",
                UserWarning,
            )
        self.cell_edges_ = [g.astype(self.tower_left_.dtype) for g in grid]
        self.cells_ = cells

    # ------------------------------------------------------------ activations
    def _towers_1d(self, Xg, left, right):
        """Normalised towers: ``(σ(s(x - a)) - σ(s(x - c))) / peak``, ``s = k/(c - a)``.

        ``peak = tanh(k / 4)`` is the value of the difference at the centre.
        """
        s = self.steepness_ / (right - left)
        with np.errstate(over="ignore"):
            A = expit(s * (Xg - left))
            A -= expit(s * (Xg - right))
        A *= 1.0 / np.tanh(self.steepness_ / 4.0)
        return A

    def _activations(self, X, columns=slice(None)):
        """Activations of the towers (all, or a slice of them) for validated ``X``."""
        start, stop, _ = columns.indices(self.n_towers_)
        n, m = X.shape[0], self.n_1d_towers_
        out = np.empty((n, stop - start), dtype=self.heights_.dtype)
        if start < m:
            one = slice(start, min(stop, m))
            out[:, : one.stop - start] = self._towers_1d(
                X[:, self.tower_feature_[one]], self.tower_left_[one], self.tower_right_[one]
            )
        if stop > m:
            cells = self.cells_[max(start - m, 0) : stop - m]
            S = np.zeros((n, len(cells)), dtype=out.dtype)
            for j, walls in enumerate(self.cell_edges_):
                P = self._towers_1d(X[:, j : j + 1], walls[:-1], walls[1:])
                S += P[:, cells[:, j]]
            # All d walls up: Σ ≈ d; one down: Σ ≲ d - 1. Threshold halfway.
            S -= X.shape[1] - 0.5
            S *= self.steepness_
            with np.errstate(over="ignore"):
                out[:, max(m - start, 0) :] = expit(S)
        return out

    def _check_X(self, X):
        check_is_fitted(self)
        return validate_data(self, X, reset=False, dtype=self.heights_.dtype, order="C")

    def tower_activations(self, X):
        """The activation of every tower at each sample.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The input samples.

        Returns
        -------
        ndarray of shape (n_samples, n_towers_)
            Column ``k`` is tower ``k``: about 1 inside it and 0 outside (the
            one-dimensional towers first, then the cells). The prediction is
            ``tower_activations(X) @ heights_ + intercept_``.

        Examples
        --------
        >>> import numpy as np
        >>> from sknn_intuition import TowerRegressor
        >>> X = np.linspace(0, 3, 31).reshape(-1, 1)
        >>> est = TowerRegressor(n_towers=4, steepness=40).fit(X, X[:, 0])
        >>> est.tower_activations([[1.0]]).round(2)
        array([[0., 1., 0., 0.]])
        """
        return self._activations(self._check_X(X))

    def predict(self, X):
        """Sum of the towers scaled by their heights, plus the output bias.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The input samples.

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_outputs_)
            The predictions.
        """
        X = self._check_X(X)
        out = np.empty((X.shape[0], self.n_outputs_), dtype=self.heights_.dtype)
        for rows in self._row_blocks(X.shape[0]):
            out[rows] = self._activations(X[rows]) @ self.heights_
        out += self.intercept_
        return out.ravel() if self._y_1d else out

    def _row_blocks(self, n_samples):
        step = max(_BLOCK_ROWS, _BLOCK_BYTES // (8 * (self.n_towers_ + 1)))
        for start in range(0, n_samples, step):
            yield slice(start, min(start + step, n_samples))

    # ----------------------------------------------------------- SGD hooks
    # The trainer sees the stack of the explanation: a hidden layer of towers,
    # built (not trained), computed batch by batch, under a learnt identity
    # output layer with weights heights_ and biases intercept_.
    def _sgd_init_params(self, n_features, n_outputs, dtype, random_state):
        # The loss is convex in the heights: a zero start is as good as any.
        self.heights_ = np.zeros((self.n_towers_, n_outputs), dtype=dtype)
        self.intercept_ = np.zeros(n_outputs, dtype=dtype)

    def _sgd_parameters(self):
        return [self.heights_, self.intercept_]

    def _sgd_penalized(self):
        return [True, False]

    def _sgd_stack(self, arrays):
        return Stack([arrays[0]], [arrays[1]], [], "identity", "squared_error")

    def _sgd_units(self, n_features, n_outputs):
        return [self.n_towers_, n_outputs]

    def _sgd_loss_and_gradients(self, params, X, Y, sw, grads, workspace):
        T = self._activations(X)
        return super()._sgd_loss_and_gradients(params, T, Y, sw, grads, workspace)

    def _sgd_loss(self, params, X, Y, sw):
        total = 0.0
        for rows in self._row_blocks(X.shape[0]):
            T, w = self._activations(X[rows]), None if sw is None else sw[rows]
            total += super()._sgd_loss(params, T, Y[rows], w) * T.shape[0]
        return total / X.shape[0]

    # ---------------------------------------------------------- exact solve
    def _use_dual(self, n_samples, partial):
        if self.n_towers_ <= max(_PRIMAL_MAX_TOWERS, n_samples):
            return False
        if partial:
            raise ValueError(
                f"partial_fit with solver='lstsq' keeps an n_towers x n_towers "
                f"system, too large here ({self.n_towers_} towers); use "
                "solver='sgd' or 'adam', fewer towers, or fit."
            )
        return True

    def _lstsq(self, X, Y, sw, partial):
        """The exact heights (see ``_least_squares``); partial_fit keeps the sums."""
        if self._use_dual(X.shape[0], partial):
            # Columns of towers at a time: the n x n system and one block.
            step = max(_BLOCK_ROWS, _BLOCK_BYTES // (8 * X.shape[0]))

            def column_blocks():
                for start in range(0, self.n_towers_, step):
                    T = self._activations(X, slice(start, start + step))
                    yield T.astype(np.float64, copy=False)

            H, b, loss = solve_dual(column_blocks, Y, sw, self.alpha)
        else:
            if not (partial and hasattr(self, "_lstsq_sums")):
                self._lstsq_sums = empty_sums(self.n_towers_, self.n_outputs_)
            for rows in self._row_blocks(X.shape[0]):
                w = None if sw is None else sw[rows]
                add_block(self._lstsq_sums, self._activations(X[rows]), Y[rows], w)
            H, b, loss = solve(self._lstsq_sums, self.alpha)
        dtype = self.tower_left_.dtype
        self.heights_, self.intercept_ = H.astype(dtype), b.astype(dtype)
        return loss

    # --------------------------------------------------------------- fitting
    def _fit(self, X, y, sample_weight, *, partial):
        fitted = hasattr(self, "heights_") and hasattr(self, "n_iter_")
        keep_layout = fitted and (partial or (self.warm_start and self.solver != "lstsq"))
        X, y = validate_fit_data(
            self, X, y, reset=not keep_layout, classifier=False, accept_sparse=False
        )
        sw = validate_sample_weight(sample_weight, X)
        Y = y.reshape(-1, 1) if y.ndim == 1 else y
        Y = Y.astype(X.dtype, copy=False)
        if keep_layout:
            self._own_arrays()
            if Y.shape[1] != self.n_outputs_:
                raise ValueError(
                    f"y has {Y.shape[1]} outputs, but {type(self).__name__} was "
                    f"fitted with {self.n_outputs_}."
                )
        else:
            for attr in _RUN_STATE:
                if hasattr(self, attr):
                    delattr(self, attr)
            self._build_layout(X, sw, X.dtype)
            self.n_outputs_ = Y.shape[1]
            self._y_1d = y.ndim == 1
            self._sgd_init_params(self.n_towers_, self.n_outputs_, X.dtype, None)

        if self.solver != "lstsq":
            return self._sgd_fit(X, Y, sw, y, partial=partial)
        loss = self._lstsq(X, Y, sw, partial)
        self._record_exact_pass(loss, X.shape[0], restart=not partial)
        if self.verbose:
            print(f"Exact solve over {self.n_towers_} towers, loss = {loss:.8f}", flush=True)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Lay out the towers over the data, then learn their heights.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the samples; an integer weight counts as that many
            copies of the sample (also for the layout: a zero-weight sample
            plays no part in it).

        Returns
        -------
        self : TowerRegressor
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight, partial=False)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None):
        """Learn the heights from one more batch, keeping the tower layout.

        The first call lays out the towers from its batch (or from
        ``bounds``); later calls keep them. With ``solver='lstsq'`` each call
        adds the batch to the normal equations and solves them again, so the
        heights are exactly those of one fit on all the batches so far (with
        the same layout). With an SGD solver each call is one epoch.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the samples.

        Returns
        -------
        self : TowerRegressor
            The updated estimator.
        """
        return self._fit(X, y, sample_weight, partial=True)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
