"""TowerRegressor: a row of sigmoid towers with learnt heights.

The universal approximation theorem, made constructive: a tower is the
difference of two steep sigmoids, ``σ(s(x - a)) - σ(s(x - c))``, standing on
``[a, c]``; towers side by side, each scaled by a height, add up to any
continuous curve. The estimator is a stack of layers (:mod:`._network`): two
frozen layers built from the training data (the walls, then the towers: see
:mod:`._tower_layout`) under one learnt identity layer, whose weights are the
heights and whose bias is the output bias. Only that top layer is learnt,
and its loss is quadratic, so it is fitted either exactly (least squares,
:mod:`._least_squares`) or by the shared SGD loop (:mod:`._sgd`).
"""

import dataclasses
import functools
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.metrics import r2_score
from sklearn.utils.validation import check_is_fitted, validate_data

from . import _layout, _network, _tower_layout
from ._base import validate_fit_data, validate_sample_weight
from ._least_squares import (
    add_block,
    dual_spectrum,
    effective_samples,
    empty_sums,
    gcv,
    solve,
    solve_dual,
    solve_dual_spectrum,
    spectrum,
)
from ._network import Stack
from ._optimizers import OPTIMIZERS
from ._sgd import (
    TRAINER_CONSTRAINTS,
    SGDTrainerMixin,
    fit_mode,
    penalty_value_and_gradient,
    state_names,
    training_state,
)
from ._sklearn_private import Interval, StrOptions, _fit_context

SOLVERS = ("lstsq", *OPTIMIZERS)
EDGE_PLACEMENTS = ("uniform", "quantile")

# Rows per block when the layers are computed in chunks (predict,
# tower_activations, least squares, SGD's validation loss): about this many
# bytes of the towers' activations (the walls beneath them take twice that),
# and at least _BLOCK_ROWS rows, so that the products over many towers stay
# efficient.
_BLOCK_BYTES = 2**20
# The exact solve keeps the towers' activations for measuring its loss when
# they take at most this many bytes (else it computes them again).
_KEEP_BYTES = 2**24
_BLOCK_ROWS = 256

# Above this many towers (and more towers than samples) the exact solver works
# with the n_samples x n_samples system instead of the n_towers x n_towers one.
_PRIMAL_MAX_TOWERS = 4096

# alpha='auto' picks the penalty of least GCV from this grid (and n_towers='auto'
# the towers per feature from _tower_layout.auto_candidates): in units of the
# mean squared error, next to the towers' variance (at most 1/4 each).
ALPHAS = np.logspace(-10, 1, 23)
# The 'auto' choices need the eigendecomposition of the smaller of the
# n_towers x n_towers and n_samples x n_samples systems: at most this size
# (a candidate layout too large for both is not tried).
_SPECTRUM_MAX = 4096
# With an SGD solver, the 'auto' choices are made by the exact selection on
# at most this many of the samples (a fixed random subset); with the exact
# solve, the number of towers is chosen on at most _SELECT_ROWS_EXACT samples
# and alpha on all of them, from the chosen layout's sums.
_SELECT_ROWS = 2000
_SELECT_ROWS_EXACT = 2000
# SGD keeps the towers' activations for the whole data when they take at
# most this many bytes, and trains the top layer on them; else it computes
# them again for each batch.
_SGD_KEEP_BYTES = 64 * 2**20

# The trainer's parameters the towers share (their constraints are the trainer's).
_TRAINER_PARAMS = (
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


class TowerRegressor(RegressorMixin, SGDTrainerMixin, BaseEstimator):
    """Towers of sigmoids added up with learnt heights: the universal approximator.

    One tower is the difference of two sigmoids with the same steepness,
    standing on the interval ``[a, c]``:
    ``tower(x) = σ(s (x - a)) - σ(s (x - c))``, about 1 between its walls and
    about 0 elsewhere. The prediction is a sum of towers, each scaled by a
    learnt height, plus an output bias: a network whose hidden layers are
    built from the training data, not learnt. Along each feature the towers
    tile the training range; with 2 or 3 features, towers over the occupied
    cells of a grid add the interactions between features. The heights are
    found exactly (least squares) or by stochastic gradient descent.

    Read more in the :ref:`User Guide <towers>`, which tells the whole story:
    the layout of the towers, the cells, and how the heights are learnt.

    Parameters
    ----------
    n_towers : int or 'auto', default='auto'
        Towers per feature (and cells per feature along each side of the
        grid). 'auto' chooses by generalised cross-validation (GCV, see
        Notes) among about six counts, a geometric grid from 2 up to
        ``min(30, (n_samples / 5) ** (1 / d))`` (about 5 samples or more per
        tower or cell; ``d`` the number of features the cells span, 1 without
        cells; with weights, ``n_samples = Σ w / min w`` over the positive
        weights), together with
        ``alpha`` when that is 'auto' too; the counts are scored from the
        largest down, until fewer towers clearly underfit (see Notes). An int asks for that many; a
        ``UserWarning`` says when the towers in all (every feature's, and
        the cells) outnumber half the samples. With ``edges='quantile'`` a
        feature with few distinct values gets fewer.
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
        With ``bounds``, the quantiles are those of the data clipped to the
        bounds, and the outermost centres stand on the bounds.
    cells : 'auto' or bool, default='auto'
        Whether to add towers over cells of the input space (interactions
        between features). 'auto' adds them when the data have 2 or 3
        features.
    max_towers : int, default=1000
        Largest number of cell towers. When the occupied cells of the
        ``n_towers ** d`` grid are more, the grid is made coarser (fewer cells
        per feature); a ``UserWarning`` says so when ``n_towers`` was given.
    bounds : array-like of shape (2,) or (n_features, 2), default=None
        The range ``(low, high)`` the towers of each feature tile, instead of
        the range of the training data. Useful with ``partial_fit``, whose
        first call otherwise fixes the layout from its own batch.
    solver : {'lstsq', 'sgd', 'adam'}, default='lstsq'
        How the heights are learnt: an exact regularised least-squares solve,
        or stochastic gradient descent (plain/momentum, or Adam) on the mean
        squared error through the shared training loop.
    alpha : float or 'auto', default='auto'
        Strength of the L2 penalty ``alpha · ½‖heights‖²`` (ridge). 'auto'
        chooses it by GCV from 23 values, ``1e-10`` to ``10`` (see Notes); a
        little (1e-6, say) keeps the solve well posed when towers overlap.
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
    n_towers_per_feature_ : int
        Towers per feature: ``n_towers``, or the count 'auto' chose.
    alpha_ : float
        The penalty used: ``alpha``, or the value 'auto' chose.
    cv_results_ : dict of ndarray
        With 'auto' (``n_towers`` or ``alpha``): the candidates compared and
        their GCV scores. ``'n_towers_per_feature'`` and ``'n_towers'`` (the
        towers in all) of shape (n_candidates,), ``'alpha'`` of shape
        (n_alphas,), and ``'gcv'`` of shape (n_candidates, n_alphas), the
        mean squared error GCV predicts for each pair (NaN for a candidate
        too large to score, or below where the scan stopped). Absent when
        nothing was chosen. After later
        ``partial_fit`` calls of the exact solver, the row of the kept layout.
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
    The network: the walls ``σ(s x_j - s a)`` (weight ``s = steepness / (c - a)``,
    bias ``-s a``), then the towers ``(σ_left - σ_right) / tanh(steepness / 4)``
    (each peaks at 1) and the cells ``σ(steepness (Σ_j tower_j(x_j) - (d - ½)))``,
    then the prediction ``ŷ = T(x) H + b`` from the towers' activations ``T(x)``.
    The heights ``H`` and the bias ``b`` minimise, over sample weights
    ``w_i`` and ``K`` outputs,

    .. math::

        L(H, b) = \\frac{1}{\\sum_i w_i} \\sum_i w_i \\frac{1}{K}
        \\lVert y_i - T(x_i) H - b \\rVert^2 + \\frac{\\alpha}{2} \\lVert H \\rVert^2

    (the mean squared error here has no factor ½). The exact solver sets the
    gradient to zero: with ``T_c``, ``y_c`` centred by their weighted means,
    ``(T_cᵀ W T_c + λ I) H = T_cᵀ W y_c`` with ``λ = α K Σ_i w_i / 2``, and
    ``b = ȳ - T̄ H``.

    **Choosing by GCV.** With ``A = W^½ T_c`` and the eigenvalues ``s_j``
    of ``AᵀA``, the fit of penalty ``λ`` has
    ``df(λ) = 1 + Σ_j s_j / (s_j + λ)`` degrees of freedom, and generalised
    cross-validation scores it ``GCV = MSE(λ) / (1 - df(λ) / n)²``, the
    rotation-invariant form of leave-one-out's error, with
    ``n = Σ_i w_i / min_i w_i`` (over positive weights): the weights count
    relative to the smallest, so their scale does not matter (weights
    summing to 1 are the same weights) and integer weights with a 1 among
    them are repetitions. Of tied scores (within 1e-9 of the largest) the
    simplest model wins: fewest towers, then largest alpha. One eigendecomposition
    per candidate layout gives it for every ``alpha`` (of the
    ``n_towers x n_towers`` system, or of the ``n_samples x n_samples`` one
    when the towers are more; a candidate with both above 4096 is not
    tried). The candidates are scored from the most towers down, and the
    scan stops once fewer towers clearly underfit: when a candidate's best
    score is more than 10 times the best so far, or when two candidates in a
    row each score more than twice the next larger one (fewer towers only
    underfit more; a flat stretch of scores never stops it, nor a best score
    tied with 0, so ties still go to the fewest towers). On more than 2000
    samples the number of towers is chosen on a
    fixed random subset of 2000, and ``alpha`` then on all the samples, with
    the chosen towers. With an SGD solver the choice is made the same way by
    the exact solve on a fixed random subset of at most 2000 samples, and SGD
    then trains the towers chosen with the ``alpha`` chosen.

    Beyond the outermost walls every tower falls to 0, so
    far from the training range the prediction returns to ``intercept_``
    (about the mean target); predictions stay finite for any finite input.

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
        **{k: TRAINER_CONSTRAINTS[k] for k in _TRAINER_PARAMS},
        "n_towers": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "alpha": [StrOptions({"auto"}), Interval(Real, 0, None, closed="left")],
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
        alpha="auto",
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

    # ------------------------------------------------------------ public API
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
        layers = self._frozen_layers()
        stack = self._stack(layers, self._sgd_parameters())
        out = np.empty((X.shape[0], self.n_outputs_), dtype=self.heights_.dtype)
        with _blas_threads(layers):
            for rows in _row_blocks(X.shape[0], self.n_towers_):
                out[rows] = _network.predict(stack, X[rows])
        return out.ravel() if self._y_1d else out

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
            one-dimensional towers first, then the cells). It is the output
            of the last hidden layer, and the prediction is
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

    # --------------------------------------------------------------- fitting
    def _fit(self, X, y, sample_weight, *, partial):
        mode = fit_mode(self)
        # A warm start keeps the layout for SGD to continue from; the exact
        # solve continues from nothing, so its warm fit is a fresh one.
        keep_layout = mode == "partial" or (mode == "warm" and self.solver != "lstsq")
        # What the previous fit left (not this call's fit mode); a fresh
        # call starts with none of it already.
        stale = [] if keep_layout else state_names(self)
        X, y = validate_fit_data(
            self, X, y, reset=not keep_layout, classifier=False, accept_sparse=False
        )
        sw = validate_sample_weight(sample_weight, X)
        Y = (y.reshape(-1, 1) if y.ndim == 1 else y).astype(X.dtype, copy=False)
        if keep_layout:
            self._own_arrays()
            if Y.shape[1] != self.n_outputs_:
                raise ValueError(
                    f"y has {Y.shape[1]} outputs, but {type(self).__name__} was "
                    f"fitted with {self.n_outputs_}."
                )
        else:
            for name in set(stale) - {"n_features_in_", "feature_names_in_"}:  # just set
                delattr(self, name)
        sums = None if keep_layout else self._lay_out(X, Y, sw, y_1d=y.ndim == 1)
        if self.solver != "lstsq":
            return self._sgd_fit(X, Y, sw, y, partial=partial)
        loss = self._lstsq(X, Y, sw, partial, sums)
        self._record_exact_pass(loss, X.shape[0], restart=mode != "partial")
        if self.verbose:
            print(f"Exact solve over {self.n_towers_} towers, loss = {loss:.8f}", flush=True)
        return self

    def _layout_params(self):
        return dict(
            steepness=self.steepness,
            edges=self.edges,
            cells=self.cells,
            max_towers=self.max_towers,
            bounds=self.bounds,
        )

    def _lay_out(self, X, Y, sw, y_1d):
        """Lay out the towers over the data (choosing their number for 'auto'); zero heights.

        Returns the sums of the normal equations the selection made for this
        layout, or None.
        """
        r, alpha, sums = self.n_towers, self.alpha, None
        # The exact solve chooses alpha itself (_lstsq); SGD takes both
        # choices from the exact selection, on a subset of the samples.
        if r == "auto" or (alpha == "auto" and self.solver != "lstsq"):
            r, alpha, sums = self._select(X, Y, sw)
        layout = _tower_layout.layout(
            X, sw, n_towers=r, auto=self.n_towers == "auto", **self._layout_params()
        )
        for name, value in layout.items():
            setattr(self, name, value)
        self.n_towers_per_feature_ = int(r)
        self.alpha_ = float(alpha) if alpha != "auto" else None  # the exact solve sets it
        self.n_outputs_ = Y.shape[1]
        self._y_1d = y_1d
        self._sgd_init_params(X.shape[1], self.n_outputs_, X.dtype, None)
        return sums

    def _select(self, X, Y, sw):
        """The towers per feature and the alpha of least GCV (``cv_results_``).

        Also returns the sums of the normal equations of the chosen layout
        (None if it was solved through the samples' system), which the exact
        solve then reuses: the layout on the same data is the same.
        """
        # The number of towers is chosen on at most _SELECT_ROWS samples (SGD)
        # or _SELECT_ROWS_EXACT (the exact solve, which then gathers the
        # chosen layout's sums over all the data and chooses alpha there).
        limit = _SELECT_ROWS if self.solver != "lstsq" else _SELECT_ROWS_EXACT
        subset = X.shape[0] > limit
        if subset:
            rows = _subset_rows(X.shape[0], limit)
            X, Y, sw = X[rows], Y[rows], None if sw is None else sw[rows]
        n = X.shape[0] if sw is None else effective_samples(sw)
        d = X.shape[1] if _tower_layout.uses_cells(X.shape[1], self.cells) else 1
        rs = [self.n_towers] if self.n_towers != "auto" else _tower_layout.auto_candidates(n, d)
        alphas = ALPHAS if self.alpha == "auto" else np.array([float(self.alpha)])
        scale = _y_scale(Y)
        Y = Y / scale
        layouts = [
            _tower_layout.layout(X, sw, n_towers=r, auto=True, **self._layout_params()) for r in rs
        ]
        errors, sums = np.full((len(rs), len(alphas)), np.nan), [None] * len(rs)
        # From the most towers down, until fewer towers clearly underfit.
        scores = []
        for i in reversed(range(len(rs))):
            spec, sums[i] = _spectrum(layouts[i], X, Y, sw)
            if spec is not None:
                errors[i] = _unscaled(gcv(spec, alphas), scale)
                scores.append(np.min(errors[i], initial=np.inf, where=np.isfinite(errors[i])))
            if _underfitting(scores, _tie(errors)):
                break
        if np.all(np.isnan(errors)):  # no candidate small enough: the fewest towers
            best = (0, int(np.argmin(np.abs(np.log10(alphas) + 6))))
        else:
            best = _simplest_best(errors)
        self.cv_results_ = {
            "n_towers_per_feature": np.array(rs),
            "n_towers": np.array([lay["n_towers_"] for lay in layouts]),
            "alpha": alphas.copy(),
            "gcv": errors,
        }
        if subset and self.solver == "lstsq":
            # All the data go into the exact solve, which chooses alpha anew.
            return rs[best[0]], self.alpha, None
        return rs[best[0]], float(alphas[best[1]]), sums[best[0]]

    def _check_X(self, X):
        check_is_fitted(self)
        return validate_data(self, X, reset=False, dtype=self.heights_.dtype, order="C")

    # ------------------------------------------------------------- the stack
    def _frozen_layers(self, columns=slice(None)):
        """The built layers of the towers ``columns`` (all by default), made now.

        Cheap (a few arrays of the towers' size), so never stored: the fitted
        state is only the layout's arrays.
        """
        return _layers(vars(self), columns, self.n_features_in_)

    @staticmethod
    def _stack(layers, params):
        """The whole network: the frozen layers under the learnt one (``params``)."""
        heights, intercept = params
        return Stack(
            [*layers.coefs, heights],
            [*layers.intercepts, intercept],
            layers.activations,
            "identity",
            "squared_error",
            frozen=len(layers.coefs),
        )

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

    def _lstsq(self, X, Y, sw, partial, sums=None):
        """The exact heights (see ``_least_squares``); partial_fit keeps the sums.

        The towers' activations come a block of rows at a time (the sums of
        the normal equations), or with many more towers than samples a block
        of towers at a time (the samples' system), so that they are never
        all held at once. The targets are divided by a power of two near
        their largest magnitude (an exact scaling: the heights scale with
        them), so that their squares do not overflow. With alpha='auto' the
        penalty of least GCV is chosen from the same system. ``sums`` are
        those the selection of n_towers='auto' made on these data (targets
        scaled alike), if any. Returns the loss the heights reach on ``(X, Y)``.
        """
        state = training_state(self)
        gathered = sums is not None
        if fit_mode(self) == "partial":
            sums = state.get("lstsq")
        scale = sums["scale"] if sums is not None and "scale" in sums else _y_scale(Y)
        Ys, kept = Y / scale, None
        # alpha='auto': chosen here, unless the selection of the layout on
        # these data chose it already.
        choose = self.alpha == "auto" and (self.alpha_ is None or fit_mode(self) == "partial")
        if self.alpha != "auto":
            self.alpha_ = float(self.alpha)
        if self._use_dual(X.shape[0], partial):
            columns = lambda: _tower_columns(vars(self), X)  # noqa: E731
            if choose:
                spec = dual_spectrum(columns, Ys, sw)
                self._choose_alpha(spec, scale)
                H, b = solve_dual_spectrum(spec, columns, self.alpha_)
            else:
                H, b = solve_dual(columns, Ys, sw, self.alpha_)
            state.pop("lstsq", None)
        else:
            if sums is None:
                sums = empty_sums(self.n_towers_, self.n_outputs_)
            sums["scale"] = scale
            if not gathered:
                kept = self._add_rows(sums, X, Ys, sw)
            state["lstsq"] = sums
            if choose:
                self._choose_alpha(spectrum(sums), scale)
            H, b = solve(sums, self.alpha_)
        dtype = self.tower_left_.dtype
        self.heights_, self.intercept_ = (H * scale).astype(dtype), (b * scale).astype(dtype)
        return self._exact_loss(X, Ys, sw, kept, scale)

    def _add_rows(self, sums, X, Y, sw):
        """Add the rows to the sums; the towers' activations, a list of blocks, if small."""
        layers = self._frozen_layers()
        # The activations are kept for the loss when they are small.
        keep = X.shape[0] * self.n_towers_ * X.itemsize <= _KEEP_BYTES
        kept = [] if keep else None
        # The largest product is the sums' T_bᵀ T_b, n_towers x n_towers.
        gram = [self.n_towers_, self.n_towers_]
        with _layout.blas_threads_for(gram, _block_rows(self.n_towers_)):
            for rows in _row_blocks(X.shape[0], self.n_towers_):
                w = None if sw is None else sw[rows]
                T = _towers(layers, X[rows])
                add_block(sums, T, Y[rows], w)
                if keep:
                    kept.append(T)
        return kept

    def _choose_alpha(self, spec, scale):
        """alpha='auto': the alpha of least GCV on the layout kept (``cv_results_``).

        ``spec`` is that of the targets divided by ``scale``.
        """
        errors = _unscaled(gcv(spec, ALPHAS), scale)
        self.alpha_ = float(ALPHAS[_simplest_best(errors[None, :])[1]])
        if self.n_towers != "auto" or fit_mode(self) == "partial":
            self.cv_results_ = {
                "n_towers_per_feature": np.array([self.n_towers_per_feature_]),
                "n_towers": np.array([self.n_towers_]),
                "alpha": ALPHAS.copy(),
                "gcv": errors[None, :],
            }

    def _exact_loss(self, X, Y, sw, kept=None, scale=1.0):
        """The objective at the solved heights, by the path every training step takes.

        ``_network.loss_and_gradients`` over blocks of rows: the loss table on
        the towers' layer kept from the solve (``kept``, its row blocks), or
        through the whole stack when the activations were not kept. Plus the
        L2 penalty, as the trainer adds it. ``Y`` is the targets divided by
        ``scale``: the loss is measured on them (and the heights divided
        alike), then multiplied by ``scale²``.
        """
        params = [p / scale for p in self._sgd_parameters()]
        grads = [np.empty_like(p) for p in params]
        if kept is None:
            stack, layers = None, self._frozen_layers()
        else:
            stack = Stack([params[0]], [params[1]], [], "identity", "squared_error")
        total = 0.0
        # The kept blocks' rows; else about _BLOCK_BYTES of activations a block,
        # however many towers (one row at a time, with a hundred thousand).
        step = _block_rows(self.n_towers_) if kept is not None else max(
            1, _BLOCK_BYTES // (8 * (self.n_towers_ + 1))
        )
        for i, start in enumerate(range(0, X.shape[0], step)):
            rows = slice(start, start + step)
            A = X[rows] if kept is None else kept[i]
            block = self._stack(layers, params) if kept is None else stack
            w = None if sw is None else sw[rows]
            g = self._stack(layers, grads) if kept is None else stack._replace(
                coefs=grads[:1], intercepts=grads[1:]
            )
            loss, _ = _network.loss_and_gradients(block, A, Y[rows], w, g.coefs, g.intercepts)
            total += loss * A.shape[0]
        total /= X.shape[0] if sw is None else float(sw.sum())
        total += penalty_value_and_gradient("l2", self.alpha_, 0.0, params[:1], [True], grads[:1])
        total = float(_unscaled(total, scale))
        if not np.isfinite(total):
            warnings.warn(
                f"The training loss overflows {np.dtype(np.float64).name}: the targets "
                f"reach {scale:.3g} in magnitude, and the squared error beyond "
                f"{np.finfo(np.float64).max:.3g}; loss_ is inf. Rescale y.",
                UserWarning,
            )
        return total

    # ----------------------------------------------------------- SGD hooks
    # The trainer sees the whole stack: forward through the frozen layers,
    # the loss, backward into the learnt layer only (heights_, intercept_).
    # When the towers' activations of the whole data fit in _SGD_KEEP_BYTES,
    # they are computed once and the trainer's input is them: its stack is
    # then the learnt layer alone (the same path, from the towers up).
    def _sgd_fit(self, X, Y, sample_weight, y_score, *, partial):
        if X.shape[0] * self.n_towers_ * X.itemsize > _SGD_KEEP_BYTES:
            return super()._sgd_fit(X, Y, sample_weight, y_score, partial=partial)
        T = self._activations(X)
        # For this call's hooks only, never state: the input the towers were
        # computed from (callbacks see it, not the towers).
        self._towers_kept = X
        try:
            return super()._sgd_fit(T, Y, sample_weight, y_score, partial=partial)
        finally:
            vars(self).pop("_towers_kept", None)

    def _kept(self):
        return "_towers_kept" in vars(self)

    def _sgd_callbacks_begin(self, max_iter, X, y, sample_weight):
        if self._kept():
            X = vars(self)["_towers_kept"]
        return super()._sgd_callbacks_begin(max_iter, X, y, sample_weight)

    def _activations(self, X):
        """The towers' activations on all of ``X``, computed a block of rows at a time."""
        layers = self._frozen_layers()
        out = np.empty((X.shape[0], self.n_towers_), dtype=self.heights_.dtype)
        with _blas_threads(layers):
            for rows in _row_blocks(X.shape[0], self.n_towers_):
                out[rows] = _towers(layers, X[rows])
        return out

    def _sgd_settings(self):
        # alpha='auto' trains with the alpha chosen (alpha_); a given alpha
        # is taken as it is now (set_params between warm or partial fits).
        if self.alpha != "auto":
            self.alpha_ = float(self.alpha)
        return dataclasses.replace(super()._sgd_settings(), alpha=self.alpha_)

    def _sgd_init_params(self, n_features, n_outputs, dtype, random_state):
        # The loss is convex in the heights: a zero start is as good as any.
        self.heights_ = np.zeros((self.n_towers_, n_outputs), dtype=dtype)
        self.intercept_ = np.zeros(n_outputs, dtype=dtype)

    def _sgd_parameters(self):
        return [self.heights_, self.intercept_]

    def _sgd_penalized(self):
        return [True, False]

    def _sgd_stack(self, arrays):
        if self._kept():
            return Stack([arrays[0]], [arrays[1]], [], "identity", "squared_error")
        return self._stack(self._frozen_layers(), arrays)

    def _sgd_units(self, n_features, n_outputs):
        if self._kept():
            return [self.n_towers_, n_outputs]
        return [*self._frozen_layers().units, n_outputs]

    def _sgd_workspace(self, X, Y):
        # The call's batch arrays, and the frozen layers made once for the call.
        workspace = super()._sgd_workspace(X, Y)
        if not self._kept():
            workspace.tower_layers = self._frozen_layers()
        return workspace

    def _sgd_loss_and_gradients(self, params, X, Y, sw, grads, workspace):
        if self._kept():  # X holds the towers' activations: the learnt layer alone
            return super()._sgd_loss_and_gradients(params, X, Y, sw, grads, workspace)
        layers = getattr(workspace, "tower_layers", None) or self._frozen_layers()
        frozen = [None] * len(layers.coefs)  # no gradients for the built layers
        loss, D = _network.loss_and_gradients(
            self._stack(layers, params),
            X,
            Y,
            sw,
            [*frozen, grads[0]],
            [*frozen, grads[1]],
            workspace,
        )
        return loss, self._sgd_watched(loss, D, Y)

    def _sgd_loss(self, params, X, Y, sw):
        # The validation loss, a block of rows at a time.
        stack = self._sgd_stack(params)
        total = 0.0
        for rows in _row_blocks(X.shape[0], self.n_towers_):
            w = None if sw is None else sw[rows]
            total += _network.loss(stack, X[rows], Y[rows], w) * len(Y[rows])
        return total / X.shape[0]

    def _sgd_score(self, X, y, sample_weight):
        if not self._kept():
            return super()._sgd_score(X, y, sample_weight)
        # X holds the validation rows' towers: R² of the learnt layer's output.
        pred = _network.predict(self._sgd_stack(self._sgd_parameters()), X)
        return r2_score(y, pred.ravel() if self._y_1d else pred, sample_weight=sample_weight)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags


def _towers(layers, X):
    """The towers' activations for ``X``: the output of the last frozen layer.

    :func:`._network.forward` gives a stack's last layer before its
    activation (the output's is the loss's or predict's business), so the
    frozen layers run as a stack of their own, and the towers' layer then
    applies its ``g`` (identity for the towers, sigmoid for the cells).
    """
    # The output and loss named here are never used: forward stops at Z.
    frozen = Stack(
        layers.coefs,
        layers.intercepts,
        layers.activations[:-1],
        "identity",
        "squared_error",
        frozen=len(layers.coefs),
    )
    Z = _network.forward(frozen, X)[-1]
    return _network.activate(layers.activations[-1], Z)


def _layers(attrs, columns, n_features):
    """The frozen layers of the towers ``columns`` of a layout (fitted attributes, by name)."""
    n_towers, m = attrs["n_towers_"], attrs["n_1d_towers_"]
    start, stop, _ = columns.indices(n_towers)
    one = slice(min(start, m), min(stop, m))
    return _tower_layout.frozen_layers(
        attrs["tower_feature_"][one],
        attrs["tower_left_"][one],
        attrs["tower_right_"][one],
        attrs["cell_edges_"],
        attrs["cells_"][max(start - m, 0) : max(stop - m, 0)],
        attrs["steepness_"],
        n_features,
        attrs["tower_left_"].dtype,
    )


def _tower_columns(attrs, X):
    """The towers' activations on ``X``, a block of towers (columns) at a time."""
    step = max(_BLOCK_ROWS, _BLOCK_BYTES // (8 * X.shape[0]))
    for start in range(0, attrs["n_towers_"], step):
        layers = _layers(attrs, slice(start, start + step), X.shape[1])
        yield _towers(layers, X).astype(np.float64, copy=False)


def _spectrum(attrs, X, Y, sw):
    """The GCV spectrum of a layout on ``(X, Y)``, and the sums when it came from them.

    From the smaller of the two systems; ``(None, None)`` when both are too large.
    """
    p, n = attrs["n_towers_"], X.shape[0]
    if p <= n and p <= _SPECTRUM_MAX:
        sums = empty_sums(p, Y.shape[1])
        layers = _layers(attrs, slice(None), X.shape[1])
        with _layout.blas_threads_for([p, p], _block_rows(p)):
            for rows in _row_blocks(n, p):
                w = None if sw is None else sw[rows]
                add_block(sums, _towers(layers, X[rows]), Y[rows], w)
        return spectrum(sums), sums
    if n <= _SPECTRUM_MAX:
        return dual_spectrum(lambda: _tower_columns(attrs, X), Y, sw), None
    return None, None


@functools.lru_cache(maxsize=8)
def _subset_rows(n_samples, size):
    """The fixed random subset of ``size`` of ``n_samples`` rows the selection runs on (sorted).

    The same rows for the same numbers, made once (read-only).
    """
    rows = np.sort(np.random.default_rng(0).permutation(n_samples)[:size])
    rows.flags.writeable = False
    return rows


# The scan of n_towers='auto' goes from the most towers down, and stops when
# fewer towers clearly underfit (still fewer can only underfit more): when
# the last candidate's best GCV is more than _FAR times the best so far, or
# each of the last _RISES candidates' is more than _RISE times that of the
# candidate before it (the next larger), by more than a tie (_TIE) each time.
# A flat stretch of scores (towers the data do not need, all shrunk alike)
# never stops it, nor a best score tied with 0 (fits that interpolate: fewer
# towers may interpolate too), so that ties still go to the fewest towers.
_FAR = 10.0
_RISE = 2.0
_RISES = 2


def _underfitting(scores, tie):
    """Whether the scan can stop: ``scores``, the best GCV of each candidate so far, in order.

    ``tie``: scores closer than this are tied.
    """
    if len(scores) < 2 or min(scores) <= tie:  # a fit tied with 0: fewer towers may tie too
        return False
    if scores[-1] > _FAR * min(scores) + tie:
        return True
    last = np.asarray(scores[-_RISES - 1 :])
    return len(last) > _RISES and bool(np.all(last[1:] > _RISE * last[:-1] + tie))


# GCV scores within this fraction of the largest of the best one are ties
# (e.g. several fits that interpolate the data, all scored 0 up to rounding).
_TIE = 1e-9


def _tie(errors):
    """How close two GCV scores of ``errors`` (NaN: not scored) are tied."""
    finite = np.isfinite(errors)
    return _TIE * np.max(np.abs(errors[finite]), initial=0.0)


def _simplest_best(errors):
    """``(row, column)`` of the least GCV (rows: candidates, columns: alphas, ascending).

    Of tied scores, the simplest model: the fewest towers, then the largest alpha.
    """
    finite = np.isfinite(errors)
    if not finite.any():  # e.g. one sample: the simplest model, the mean
        return 0, errors.shape[1] - 1
    best = np.min(errors[finite])
    near = finite & (errors <= best + _tie(errors))
    row = int(np.flatnonzero(near.any(axis=1))[0])
    return row, int(np.flatnonzero(near[row])[-1])


def _unscaled(squared, scale):
    """A squared error of the targets divided by ``scale``, in the targets' units (or inf)."""
    with np.errstate(over="ignore"):
        return np.float64(squared) * scale * scale  # scale² alone may overflow


def _y_scale(Y):
    """A power of two near the largest finite ``|Y|`` (1 for none): dividing by it is exact."""
    with np.errstate(invalid="ignore"):
        top = float(np.max(np.abs(Y), initial=0.0, where=np.isfinite(Y)))
    return float(2.0 ** np.frexp(top)[1]) if top > 0 else 1.0


def _block_rows(n_towers):
    return max(_BLOCK_ROWS, _BLOCK_BYTES // (8 * (n_towers + 1)))


def _blas_threads(layers):
    """The BLAS context for the layers' products on blocks of rows.

    With few towers the products are small, and BLAS threads would cost more
    than they save (:func:`._layout.blas_threads_for`).
    """
    return _layout.blas_threads_for(layers.units, _block_rows(layers.units[-1]))


def _row_blocks(n_samples, n_towers):
    """Slices of rows holding about ``_BLOCK_BYTES`` of the towers' activations."""
    step = _block_rows(n_towers)
    for start in range(0, n_samples, step):
        yield slice(start, min(start + step, n_samples))
