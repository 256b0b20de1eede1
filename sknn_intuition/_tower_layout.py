"""Where the towers stand, and the frozen layers of sigmoid neurons they are.

The first part is geometry: from the training data (and the estimator's
parameters) it finds each feature's range, the walls of its row of towers,
and the occupied cells of the grid that the cell towers cover. The second
part turns that geometry into the built, not trained, layers of the network
(:func:`frozen_layers`):

* layer 1, **the walls**: sigmoid neurons ``σ(s (x_j - a))``, weight ``s`` on
  feature ``j``, bias ``-s a``; each tower on ``[a, c]`` has a left wall at
  ``a`` and a right wall at ``c``, both with the slope ``s = k / (c - a)``
  (``k`` the steepness);
* layer 2, **the towers**: ``tower = (σ_left - σ_right) / tanh(k / 4)``, an
  identity neuron on two walls (``tanh(k / 4)`` is the difference's value at
  the centre: every tower peaks at 1), and for each cell
  ``[a_1, c_1] × … × [a_d, c_d]`` a sigmoid neuron
  ``σ(k (Σ_j tower_j(x_j) - (d - ½)))``, about 1 when all ``d`` towers of the
  cell are up (the sum is about ``d``) and about 0 when one or more is down
  (the sum is at most about ``d - 1``). Its input is linear in the walls, so
  it reads them directly.

The functions take arrays and numbers and return arrays: the estimator keeps
the results as its fitted attributes.
"""

import warnings
from typing import NamedTuple

import numpy as np
from scipy import sparse

from ._activations import ACTIVATIONS

# n_towers='auto': at most this many towers per feature, and about this many
# samples (or more) in each tower or cell.
MAX_AUTO_TOWERS = 30
SAMPLES_PER_TOWER = 5
# How many tower counts n_towers='auto' compares (a geometric grid up to the above).
AUTO_CANDIDATES = 6

# A frozen layer's weights are a dense array when small (up to this many
# entries) or not mostly zeros (at least 1 in DENSE_MIN_FILL of them not
# zero), and a CSR matrix otherwise: each wall reads one feature and each
# tower two walls (a cell 2d), so the layers of many towers are nearly all
# zeros, while on small or fuller matrices a dense product is the faster.
DENSE_MAX_ENTRIES = 1 << 14
DENSE_MIN_FILL = 16


# ------------------------------------------------------------------ geometry
def feature_ranges(X, sw, bounds):
    """``(low, high)`` of each feature: ``bounds``, or the range of the weighted data."""
    n_features = X.shape[1]
    if bounds is not None:
        b = np.asarray(bounds, dtype=np.float64)
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
        lo, hi = b[:, 0], b[:, 1]
    else:
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
    with np.errstate(over="ignore"):
        too_wide = ~np.isfinite(hi - lo)
    if too_wide.any():
        raise ValueError(
            f"The range of features {np.flatnonzero(too_wide).tolist()} cannot be "
            "tiled by towers: its width overflows. Rescale the features (e.g. with "
            "StandardScaler) or set bounds to a finite range of moderate size."
        )
    return lo, hi


def weighted_quantiles(x, w, q):
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


def walls_around(centres):
    """Walls halfway between neighbouring centres, and half a gap beyond the ends.

    The outermost towers are then centred on the ends of the range, so the data
    at the edges sit on a full-height tower, not on a half-height wall.
    """
    if len(centres) == 1:
        return np.array([centres[0] - 0.5, centres[0] + 0.5])
    mid = 0.5 * (centres[1:] + centres[:-1])
    return np.concatenate(
        [[centres[0] - (mid[0] - centres[0])], mid, [centres[-1] + (centres[-1] - mid[-1])]]
    )


def centres(x, w, lo, hi, n, quantile, bounded=False):
    """``n`` tower centres along one feature, evenly from ``lo`` to ``hi`` or at quantiles.

    At the quantiles, repeated values give one centre: a feature with few
    distinct values gets fewer towers. With ``bounded`` (``bounds`` given) the
    quantiles are those of the data clipped to ``[lo, hi]``, and the outermost
    centres stand on ``lo`` and ``hi``.
    """
    if n == 1:
        return np.array([0.5 * (lo + hi)])
    if not quantile:
        return np.linspace(lo, hi, n)
    # Quantiles of the data clipped to [lo, hi] (the bounds, when given).
    q = weighted_quantiles(np.clip(x, lo, hi), w, np.linspace(0, 1, n)).astype(np.float64)
    if bounded:  # the bounds are the range to tile: the outer towers stand on them
        q[0], q[-1] = lo, hi
    c = np.unique(q)
    if len(c) == 1:  # a single distinct value: one tower around it
        return np.array([0.5 * (lo + hi)])
    return c


def grid(X, sw, lo, hi, n, quantile, bounded=False):
    """The walls of ``n`` towers along each feature (a list, one array per feature)."""
    w = np.ones(X.shape[0]) if sw is None else sw
    walls = []
    for j in range(X.shape[1]):
        c = centres(X[:, j], w, lo[j], hi[j], n, quantile, bounded)
        if len(c) == 1:
            # A single tower spans twice the range: the data sit on its top.
            walls.append(np.array([lo[j], hi[j]]) + np.array([-0.5, 0.5]) * (hi[j] - lo[j]))
        else:
            walls.append(walls_around(c))
    return walls


def auto_candidates(n_samples, d):
    """The towers per feature that n_towers='auto' tries: a geometric grid.

    From 2 up to as many as ``n_samples`` support in ``d`` dimensions (about
    ``SAMPLES_PER_TOWER`` samples per tower or cell, at most
    ``MAX_AUTO_TOWERS``); ``n_samples`` counts the samples of positive weight.
    """
    top = max(1, min(MAX_AUTO_TOWERS, int((n_samples / SAMPLES_PER_TOWER) ** (1.0 / d))))
    grid = np.unique(np.round(np.geomspace(min(2, top), top, AUTO_CANDIDATES)).astype(int))
    return [int(r) for r in grid]


def warn_too_many(n_towers, n_1d, n_cells, n_samples):
    """Warn when the towers in all (every feature's, and the cells) outnumber half the samples."""
    total = n_1d + n_cells
    if total > n_samples / 2:
        cells = f" and {n_cells} cells" if n_cells else ""
        warnings.warn(
            f"n_towers={n_towers} makes {total} towers ({n_1d} along the features{cells}) "
            f"for {n_samples} samples: most hold one sample or none, and the fit follows "
            "the noise. Fewer towers (or n_towers='auto') generalise better.",
            UserWarning,
        )


def occupied_cells(X, sw, walls):
    """The cells of the grid ``walls`` holding a sample of positive weight.

    One row per cell: the index of its interval along each feature (samples
    beyond the outermost walls count in the outermost intervals).
    """
    Xp = X if sw is None else X[sw > 0]
    idx = np.empty(Xp.shape, dtype=np.intp)
    for j, w in enumerate(walls):
        k = np.searchsorted(w, Xp[:, j], side="right") - 1
        idx[:, j] = np.clip(k, 0, len(w) - 2)
    return np.unique(idx, axis=0)


def cell_grid(X, sw, lo, hi, towers, max_towers, quantile, bounded=False, warn=True):
    """The cell grid's walls and its occupied cells, coarsened to ``max_towers`` cells."""
    d, r = X.shape[1], towers
    walls = grid(X, sw, lo, hi, r, quantile, bounded)
    cells = occupied_cells(X, sw, walls)
    occupied_at_full = len(cells)
    while len(cells) > max_towers and r > 1:
        shrink = (max_towers / len(cells)) ** (1.0 / d)
        r = max(1, min(r - 1, int(r * shrink)))
        walls = grid(X, sw, lo, hi, r, quantile, bounded)
        cells = occupied_cells(X, sw, walls)
    if r < towers and warn:
        warnings.warn(
            f"The training data occupy {occupied_at_full} cells of the "
            f"{towers}^{d} grid, more than max_towers={max_towers}; "
            f"the cell grid was made coarser, to {r} cells per feature "
            f"({len(cells)} occupied cells). Increase max_towers for finer "
            "cells, or set cells=False for the additive model.",
            UserWarning,
        )
    return walls, cells


def check_walls(feature, left, right, steepness):
    """Refuse towers whose slope ``steepness / (c - a)`` is not a finite number.

    In the data's floating point that happens for ranges near the largest
    or the smallest numbers it can hold.
    """
    width = right - left
    with np.errstate(all="ignore"):
        slope = steepness / width
    bad = ~(np.isfinite(width) & np.isfinite(slope) & (width > 0))
    if bad.any():
        features = np.unique(feature[bad]).tolist()
        raise ValueError(
            f"The range of features {features} cannot be tiled by towers in "
            f"{left.dtype} (tower widths from {width.min():.3g} to "
            f"{width.max():.3g}): rescale the features (e.g. with StandardScaler) "
            "or set bounds to a finite range of moderate size."
        )


def layout(X, sw, *, n_towers, steepness, edges, cells, max_towers, bounds, auto=False):
    """Where every tower stands: the estimator's fitted layout attributes, by name.

    ``X`` (n_samples, n_features) and ``sw`` (sample weights or None) are the
    validated training data; ``n_towers`` is the number of towers per
    feature (an int); the other arguments are the estimator's parameters of
    the same names. With ``auto`` (the count was chosen, not asked for) the
    warnings about too many towers, or cells coarsened to ``max_towers``,
    are not given. The walls are in ``X``'s dtype.
    """
    n_features, dtype = X.shape[1], X.dtype
    lo, hi = feature_ranges(X, sw, bounds)
    quantile, bounded = edges == "quantile", bounds is not None
    use_cells = uses_cells(n_features, cells)
    walls = grid(X, sw, lo, hi, n_towers, quantile, bounded)
    feature = np.concatenate([np.full(len(w) - 1, j, dtype=np.intp) for j, w in enumerate(walls)])
    left = np.concatenate([w[:-1] for w in walls]).astype(dtype)
    right = np.concatenate([w[1:] for w in walls]).astype(dtype)
    check_walls(feature, left, right, steepness)
    cell_walls, cell_index = [], np.zeros((0, n_features), dtype=np.intp)
    if use_cells:
        cell_walls, cell_index = cell_grid(
            X, sw, lo, hi, n_towers, max_towers, quantile, bounded, warn=not auto
        )
    if not auto:
        n = X.shape[0] if sw is None else int(np.count_nonzero(sw > 0))
        warn_too_many(n_towers, len(feature), len(cell_index), n)
    return {
        "steepness_": float(steepness),
        "edges_": [w.astype(dtype) for w in walls],
        "tower_feature_": feature,
        "tower_left_": left,
        "tower_right_": right,
        "n_1d_towers_": len(feature),
        "cell_edges_": [w.astype(dtype) for w in cell_walls],
        "cells_": cell_index,
        "n_towers_": len(feature) + len(cell_index),
    }


def uses_cells(n_features, cells):
    """Whether the layout adds cell towers (``cells='auto'``: with 2 or 3 features)."""
    return (2 <= n_features <= 3) if cells == "auto" else bool(cells) and n_features >= 2


# ------------------------------------------------------------- frozen layers
class FrozenLayers(NamedTuple):
    """The built layers of a stack, in :class:`._network.Stack`'s terms."""

    coefs: list  # [walls' weights, towers' weights]: dense arrays or CSR matrices
    intercepts: list
    activations: list  # each layer's g: a name, or (name, n_units) pairs
    units: list  # the sizes of the layers, input first


def tower_peak(steepness):
    """The difference of a tower's two walls at its centre, before scaling.

    At the centre the walls stand ``k/2`` away on either side:
    ``σ(k/2) - σ(-k/2)`` (which is ``tanh(k/4)``), computed by the sigmoid
    neurons' own function.
    """
    left_up, right_up = ACTIVATIONS["sigmoid"](np.array([steepness / 2, -steepness / 2]))
    return float(left_up - right_up)


def frozen_layers(feature, left, right, cell_edges, cells, steepness, n_features, dtype):
    """The walls and the towers as two layers of neurons (see the module's docstring).

    ``feature``, ``left``, ``right`` describe the one-dimensional towers,
    ``cells`` (one row per cell tower: its interval along each feature)
    the cell towers over the grid ``cell_edges``; any subset of the fitted
    towers gives the layers of just those towers, in the same order.
    """
    # Every one-dimensional tower the layer needs: those asked for, then the
    # intervals of the cell grid some cell uses (often the same towers).
    used = [np.unique(cells[:, j]) for j in range(cells.shape[1])] if len(cells) else []
    f = np.concatenate([feature, *(np.full(len(u), j) for j, u in enumerate(used))])
    a = np.concatenate([left, *(cell_edges[j][u] for j, u in enumerate(used))])
    c = np.concatenate([right, *(cell_edges[j][u + 1] for j, u in enumerate(used))])
    towers, left_wall, right_wall = _walls(
        f.astype(np.intp), a.astype(np.float64), c.astype(np.float64), steepness
    )
    wall_feature, wall_at, wall_slope = towers
    # Layer 1: σ(s x_j - s a), weight s on feature j, bias -s a. The rounding
    # of s a is of the order of that of x itself, eps s |x|, near the wall.
    n_walls, n_1d = len(wall_at), len(feature)
    W1 = _weights(wall_feature, np.arange(n_walls), wall_slope, (n_features, n_walls), dtype)
    b1 = (-wall_slope * wall_at).astype(dtype)
    # Layer 2: tower = (σ_left - σ_right) / peak, 1 at the centre.
    scale = 1.0 / tower_peak(steepness)
    t = np.arange(n_1d)
    rows, cols = [left_wall[:n_1d], right_wall[:n_1d]], [t, t]
    vals = [np.full(n_1d, scale), np.full(n_1d, -scale)]
    b2, g2 = None, "identity"
    if len(cells):
        # Cell c: σ(k Σ_j tower_j - k (d - ½)), tower_j that of its interval along j.
        start, k = n_1d, np.arange(n_1d, n_1d + len(cells))
        for j, u in enumerate(used):
            tower = start + np.searchsorted(u, cells[:, j])
            start += len(u)
            rows += [left_wall[tower], right_wall[tower]]
            cols += [k, k]
            vals += [np.full(len(k), steepness * scale), np.full(len(k), -steepness * scale)]
        d = cells.shape[1]
        b2 = np.r_[np.zeros(n_1d), np.full(len(cells), -steepness * (d - 0.5))].astype(dtype)
        g2 = (("identity", n_1d), ("sigmoid", len(cells)))
    n_towers = n_1d + len(cells)
    W2 = _weights(*(np.concatenate(v) for v in (rows, cols, vals)), (n_walls, n_towers), dtype)
    return FrozenLayers([W1, W2], [b1, b2], ["sigmoid", g2], [int(n_features), n_walls, n_towers])


# Two neighbouring towers whose slopes agree to this relative difference (a
# few dozen roundings: towers of one width, as in a uniform layout) share
# the wall between them. The shared wall takes the slope of the tower on its
# left; the tower on its right then moves by at most
# 0.23 · SAME_SLOPE / tanh(k / 4) (the largest σ'(z) |z| is 0.224).
SAME_SLOPE = 64 * np.finfo(np.float64).eps


def _walls(feature, left, right, steepness):
    """The distinct walls of the towers ``[left, right]`` along ``feature``.

    Returns ``(wall_feature, wall_at, wall_slope)`` and, for each tower, the
    index of its left and of its right wall. Identical towers have the same
    walls, and a tower's left wall is its neighbour's right wall when they
    touch and have the same slope, ``steepness / (c - a)``: towers side by
    side on one grid need ``n + 1`` walls, not ``2 n``.
    """
    order = np.lexsort((right, left, feature))
    f, a, c = feature[order], left[order], right[order]
    new = np.r_[True, (f[1:] != f[:-1]) | (a[1:] != a[:-1]) | (c[1:] != c[:-1])]
    f, a, c = f[new], a[new], c[new]  # the distinct towers, sorted
    s = steepness / (c - a)
    shared = np.r_[
        False,
        (f[1:] == f[:-1]) & (a[1:] == c[:-1]) & (np.abs(s[1:] - s[:-1]) <= SAME_SLOPE * s[1:]),
    ]
    # Each distinct tower adds its right wall, and its left wall unless shared.
    right_idx = np.cumsum(2 - shared) - 1
    left_idx = right_idx - 1
    n_walls = right_idx[-1] + 1 if len(right_idx) else 0
    wall_feature = np.empty(n_walls, dtype=np.intp)
    wall_at, wall_slope = np.empty(n_walls), np.empty(n_walls)
    for idx, at in ((left_idx, a), (right_idx, c)):  # right walls last: they win
        wall_feature[idx], wall_at[idx], wall_slope[idx] = f, at, s
    # Back to the towers in the order given.
    tower = np.empty(len(order), dtype=np.intp)
    tower[order] = np.cumsum(new) - 1
    return (wall_feature, wall_at, wall_slope), left_idx[tower], right_idx[tower]


def _weights(rows, cols, vals, shape, dtype):
    """A weight matrix with ``vals`` at ``(rows, cols)``: dense if small or full, else CSR."""
    entries = shape[0] * shape[1]
    if entries <= DENSE_MAX_ENTRIES or entries <= DENSE_MIN_FILL * len(vals):
        W = np.zeros(shape, dtype=dtype)
        np.add.at(W, (rows, cols), vals)
        return W
    return sparse.csr_array((vals.astype(dtype), (rows, cols)), shape=shape)
