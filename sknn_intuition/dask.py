"""Data-parallel training on a dask cluster: :class:`DataParallel`.

The data stay in blocks where dask keeps them (a dask array or DataFrame);
the workers compute on their own blocks, and only the model's parameters and
a few sums travel. Two strategies:

``'lbfgs'``
    The driver keeps the parameters and runs scipy's L-BFGS-B. Each
    evaluation of the objective sends the parameters to the workers, each
    block gives the sums of its sample-weighted loss and gradient
    (:func:`sknn_intuition.kernel.loss_gradient_sums`), and the sums are
    added up. The objective is the estimator's own ``solver='lbfgs'``
    objective on all the data, from the same start.

``'local_sgd'``
    Each epoch, the model (with its optimizer's state) goes to the workers;
    each runs the estimator's own SGD or Adam (``partial_fit``, the one
    trainer) over its blocks, and the models and optimizer states are
    averaged. Epochs, ``tol``/``n_iter_no_change``, the learning-rate
    schedule, ``early_stopping`` and ``loss_curve_`` work as in ``fit``.

Blocks kept in the cluster's memory are made ready once per fit (for
'lbfgs', encoded as the trainer sees them), shared out evenly among the
workers' threads: a block stays where it is unless its worker holds more
than its share of the rows. Each evaluation or round is then one task per
thread, over its blocks, and one result back from each.

Needs ``pip install "sknn-intuition[dask]"`` (dask[array] and distributed).
"""

import contextlib
import copy
import functools
import warnings
from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, MetaEstimatorMixin, clone, is_classifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

try:
    import dask
    import dask.array as da
except ImportError as exc:  # pragma: no cover - optional dependency
    raise ImportError(
        "sknn_intuition.dask needs dask: pip install 'sknn-intuition[dask]'"
    ) from exc

from . import kernel
from ._sgd import _Plateau, make_optimizer, training_state
from ._sklearn_private import HasMethods, Interval, StrOptions

__all__ = ["DataParallel"]

STRATEGIES = ("lbfgs", "local_sgd")


def _client():
    """The current dask.distributed Client, or None (then dask's local scheduler)."""
    try:
        from distributed import get_client
    except ImportError:  # pragma: no cover
        return None
    try:
        return get_client()
    except ValueError:
        return None


def _is_dask(obj):
    return dask.is_dask_collection(obj)


@contextlib.contextmanager
def _on_cluster():
    """A lost cluster or worker (past dask's own retries) is a clear RuntimeError."""
    try:
        yield
    except Exception as exc:
        module = type(exc).__module__.split(".")[0]
        if module in ("distributed", "asyncio", "concurrent") or isinstance(exc, OSError):
            raise RuntimeError(
                f"DataParallel.fit failed on the dask cluster ({type(exc).__name__}: {exc}); "
                "the wrapper was left unfitted."
            ) from exc
        raise


def _compute(*objs):
    client = _client()
    with _on_cluster():
        if client is None:
            return dask.compute(*objs)
        return tuple(client.gather(client.compute(list(objs))))


def _broadcast(value):
    """``value`` as one task of the graph: sent once, fetched by the workers that
    need it, and made again by dask if a worker holding it is lost."""
    return dask.delayed(value, traverse=False)


def _workers(client):
    """The workers the scheduler knows now (address: identity), or {} without a client.

    Asked of the scheduler directly: ``client.scheduler_info()`` returns a
    cache that the client's periodic refresh may have just emptied of workers.
    """
    if client is None:
        return {}
    with _on_cluster():
        return client.sync(client.scheduler.identity, n_workers=-1)["workers"]


def _n_workers():
    return max(1, len(_workers(_client())))


def _tree_sum(parts, add):
    """Add delayed values pairwise, in a tree of depth log2(len(parts))."""
    parts = list(parts)
    while len(parts) > 1:
        parts = [
            dask.delayed(add)(parts[i], parts[i + 1]) if i + 1 < len(parts) else parts[i]
            for i in range(0, len(parts), 2)
        ]
    return parts[0]


def _add(a, b):
    return tuple(x + y for x, y in zip(a, b))


# --------------------------------------------------------------- the blocks
class _Blocks:
    """The data as aligned row blocks: X, y and sample_weight, one delayed each."""

    def __init__(self, X, y, sample_weight, persist):
        self.columns = None
        if hasattr(X, "to_dask_array"):  # a dask DataFrame
            self.columns = list(X.columns)
            X = X.to_dask_array(lengths=True)
        if hasattr(y, "to_dask_array"):
            y = y.to_dask_array(lengths=True)
        if hasattr(sample_weight, "to_dask_array"):
            sample_weight = sample_weight.to_dask_array(lengths=True)
        X, y = da.asarray(X), da.asarray(y)
        if X.ndim != 2:
            raise ValueError(f"X must be 2-D (n_samples, n_features), got {X.ndim}-D.")
        if any(np.isnan(c) for c in X.chunks[0]):
            X = X.compute_chunk_sizes()
        if y.ndim not in (1, 2) or y.shape[0] != X.shape[0]:
            raise ValueError(
                f"y must have one row per sample of X ({X.shape[0]}), got shape {y.shape}."
            )
        X = X.rechunk({1: -1})
        rows = X.chunks[0]
        y = y.rechunk({0: rows, **({1: -1} if y.ndim == 2 else {})})
        if sample_weight is not None:
            sample_weight = da.asarray(sample_weight)
            if sample_weight.shape != (X.shape[0],):
                raise ValueError(
                    f"sample_weight must have shape ({X.shape[0]},), got {sample_weight.shape}."
                )
            sample_weight = sample_weight.rechunk({0: rows})
        arrays = [X, y] + ([sample_weight] if sample_weight is not None else [])
        if persist == "auto":
            persist = sum(a.nbytes for a in arrays) < 0.5 * _cluster_memory()
        if persist:
            arrays = list(dask.persist(*arrays))
        self.X, self.y = arrays[0], arrays[1]
        self.sw = arrays[2] if sample_weight is not None else None
        self.rows = rows
        self.n_features = X.shape[1]
        self.persisted = bool(persist)
        xs = self.X.to_delayed().ravel()
        ys = self.y.to_delayed().ravel()
        sws = self.sw.to_delayed().ravel() if self.sw is not None else [None] * len(xs)
        self.parts = list(zip(xs, ys, sws))
        self.futures = None
        client = _client()
        if self.persisted and client is not None:
            futures = {f.key: f for a in arrays for f in client.futures_of(a)}
            self.futures = [
                tuple(None if d is None else futures[d.key] for d in part) for part in self.parts
            ]

    def head(self, n):
        """The first rows (of the first block), in memory."""
        stop = min(n, self.rows[0])
        X = self.X[:stop].compute()
        if self.columns is not None:
            import pandas as pd

            X = pd.DataFrame(X, columns=self.columns)
        sw = None if self.sw is None else self.sw[:stop].compute()
        return X, self.y[:stop].compute(), sw


def _cluster_memory():
    limits = [w.get("memory_limit") or 0 for w in _workers(_client()).values()]
    return float(sum(limits)) if limits and all(limits) else np.inf


# ------------------------------------------------------ the blocks placed
def _assign(rows, holders, threads):
    """Blocks shared out among the workers' threads: ``[(worker, [block, ...]), ...]``.

    Each worker gets a share of the rows in proportion to its threads. A block
    stays on a worker holding it as long as that keeps the worker within its
    share; the others go, largest first, to the workers furthest below theirs.
    A worker's blocks are then dealt out to its threads, one group each.
    """
    if not threads:
        return [(None, list(range(len(rows))))]
    total, n_threads = max(sum(rows), 1), sum(threads.values())
    share = {w: total * t / n_threads for w, t in threads.items()}
    load = dict.fromkeys(threads, 0)
    where, rest = {}, []
    for i, r in enumerate(rows):
        mine = [w for w in holders[i] if w in load and load[w] + r / 2 <= share[w]]
        if mine:
            where[i] = min(mine, key=lambda w: load[w] / share[w])
            load[where[i]] += r
        else:
            rest.append(i)
    for i in sorted(rest, key=lambda i: -rows[i]):
        where[i] = min(load, key=lambda w: (load[w] + rows[i]) / share[w])
        load[where[i]] += rows[i]
    groups = []
    for w, t in threads.items():
        mine = [i for i in range(len(rows)) if where[i] == w]
        groups += [(w, mine[k::t]) for k in range(t) if mine[k::t]]
    return groups


def _as_is(X, y, sw, block):
    return X, y, sw, block


class _Placed:
    """The blocks made ready for the fit: ``prepare(*args, X, y, sw, block)`` on each.

    Blocks in the workers' memory are prepared once, where they are to stay
    for the fit: shared out evenly among the workers' threads (a block moves
    only to even out the shares, see :func:`_assign`; blocks taken as they are
    stay without a task). Each pass then sends one task per share, which
    loops over its prepared blocks, and gets back one result per share. Other
    data are prepared at each pass, one task per block where dask makes it
    (data larger than memory stream through).
    """

    def __init__(self, blocks, prepare=_as_is, *args):
        self.rows = blocks.rows
        self.client = _client() if blocks.futures is not None else None
        if self.client is None:
            shared = [_broadcast(a) for a in args]
            self.parts = [
                dask.delayed(prepare)(*shared, *part, i) for i, part in enumerate(blocks.parts)
            ]
            return
        from distributed import wait

        client = self.client
        with _on_cluster():
            where = client.who_has([f[0] for f in blocks.futures])
            holders = [where.get(f[0].key, ()) for f in blocks.futures]
            self.parts = [None] * len(blocks.futures)
            for worker, idx in _assign(self.rows, holders, self._threads()):
                for i in idx:
                    if prepare is _as_is and worker in holders[i]:
                        self.parts[i] = (*blocks.futures[i], i)
                        continue
                    self.parts[i] = client.submit(
                        prepare, *args, *blocks.futures[i], i,
                        workers=worker, allow_other_workers=worker is not None, pure=False,
                    )
            wait(self._keys())

    def _keys(self):
        """A future per part, that of its block's X for a block taken as it is."""
        return [p[0] if isinstance(p, tuple) else p for p in self.parts]

    def _threads(self):
        return {w: info["nthreads"] for w, info in _workers(self.client).items()}

    def shares(self, rounds=1):
        """The blocks in shares, for each of ``rounds`` rounds: ``[(worker, [part, ...])]``.

        A round covers an equal part of every share. Blocks in the workers'
        memory: a share per thread, of the blocks it holds; otherwise the
        blocks dealt out to as many shares as there are workers.
        """
        if self.client is None:
            n = max(1, min(_n_workers(), len(self.parts)))
            groups = [(None, list(range(len(self.parts)))[j::n]) for j in range(n)]
        else:
            with _on_cluster():
                where = self.client.who_has(self._keys())
                holders = [where.get(f.key, ()) for f in self._keys()]
                groups = _assign(self.rows, holders, self._threads())
        return [
            [(w, [self.parts[i] for i in c[r * len(c) // rounds : (r + 1) * len(c) // rounds]])
             for w, c in groups]
            for r in range(rounds)
        ]

    def run(self, fn, args, shares):
        """``fn(*args, parts)`` on each share, one task each where its blocks are."""
        with _on_cluster():
            tasks = [
                self.client.submit(
                    fn, *args, parts, workers=worker, allow_other_workers=worker is not None,
                    pure=False,
                )
                for worker, parts in shares
                if parts
            ]
            return self.client.gather(tasks)

    def map_reduce(self, fn, args, add):
        """``fn(*args, parts)`` on all the blocks, the results added up.

        In the workers' memory: one task per share, each adding up its blocks'
        results, and their sums added here. Otherwise one task per block and
        a binary tree of additions.
        """
        if self.client is None:
            shared = [_broadcast(a) for a in args]
            parts = [dask.delayed(fn)(*shared, [p]) for p in self.parts]
            return _compute(_tree_sum(parts, add))[0]
        return functools.reduce(add, self.run(fn, args, self.shares()[0]))


# ------------------------------------------------------- work on the blocks
def _validation_mask(n, block, seed, fraction):
    """The rows of a block held out for early stopping (the same every epoch)."""
    if fraction is None:
        return np.zeros(n, dtype=bool)
    return np.random.default_rng([seed, block]).random(n) < fraction


def _take(a, rows):
    return None if a is None else a[rows]


def _block_stats(X, y, sw, classifier):
    """Rows, weight, the first target and (classifiers) the labels' counts and weights."""
    w = np.ones(len(y)) if sw is None else np.asarray(sw, dtype=np.float64)
    if np.any(~np.isfinite(w)) or np.any(w < 0):
        raise ValueError("sample_weight must be finite and non-negative.")
    labels = {}
    if classifier:
        y = np.asarray(y)
        if y.ndim != 1:
            raise ValueError("DataParallel takes 1-D class labels (not multilabel targets).")
        values, inverse, counts = np.unique(y, return_inverse=True, return_counts=True)
        weights = np.bincount(inverse.ravel(), weights=w, minlength=len(values))
        labels = {v: (int(c), float(s)) for v, c, s in zip(values.tolist(), counts, weights)}
    return {"n": len(y), "weight": float(w.sum()), "labels": labels, "first": np.asarray(y)[:1]}


def _encoded(est, X, y, sw, block):
    """A block as the trainer sees it (:func:`sknn_intuition.kernel.encode`)."""
    return kernel.encode(est, X, y, sw)


def _sums(est, x, parts):
    """Loss and gradient sums at ``x`` over encoded blocks."""
    return functools.reduce(
        _add, (kernel.loss_gradient_sums(est, X, Y, sw, x=x) for X, Y, sw in parts)
    )


def _predict(est, X):
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="X does not have valid feature names")
        return est.predict(X)


def _held_out_sums(est, holdout, X, y, sw, block):
    """On a block's held-out rows: loss sums and the pieces of the score."""
    rows = _validation_mask(X.shape[0], block, *holdout)
    Xe, Ye, swe = kernel.encode(est, X, y, sw)
    Xe, Ye, swe, y = Xe[rows], Ye[rows], _take(swe, rows), np.asarray(y)[rows]
    loss, _, weight = kernel.loss_gradient_sums(est, Xe, Ye, swe)
    w = np.ones(len(y)) if swe is None else np.asarray(swe, dtype=np.float64)
    if is_classifier(est):
        correct = float(w @ (_predict(est, Xe) == y)) if len(y) else 0.0
        return np.array([loss, weight, correct, float(w.sum())])
    y = y.reshape(len(y), -1).astype(np.float64)
    pred = np.asarray(_predict(est, Xe), dtype=np.float64).reshape(y.shape) if len(y) else y
    # R² of each output from sums: residual, Σ w y, Σ w y², Σ w.
    return np.concatenate([[loss, weight], [w.sum()], w @ (y - pred) ** 2, w @ y, w @ y**2])


def _validation_sums(est, holdout, parts):
    """Held-out loss sums and pieces of the score, added up over blocks."""
    return functools.reduce(np.add, (_held_out_sums(est, holdout, *part) for part in parts))


def _local_steps(carry, holdout, fit_kwargs, parts):
    """The estimator's own SGD/Adam over blocks' training rows, on a copy of the model.

    ``carry`` is ``(model, loss sum, rows)``; returns it carried over the blocks.
    """
    est, loss_sum, n = carry
    est = copy.deepcopy(est)
    for X, y, sw, block in parts:
        if holdout is not None:
            keep = ~_validation_mask(X.shape[0], block, *holdout)
            X, y, sw = X[keep], y[keep], _take(sw, keep)
        if X.shape[0] == 0:
            continue
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="X does not have valid feature names")
            est.partial_fit(X, y, sample_weight=sw, **fit_kwargs)
        loss_sum, n = loss_sum + est.loss_curve_[-1] * X.shape[0], n + X.shape[0]
    return est, loss_sum, n


def _average(values, weights):
    """Weighted mean of like values: arrays, lists/dicts of them; ints take the max."""
    first = values[0]
    if isinstance(first, np.ndarray):
        total = sum(w * np.asarray(v, dtype=np.float64) for v, w in zip(values, weights))
        return (total / sum(weights)).astype(first.dtype)
    if isinstance(first, list):
        return [_average([v[i] for v in values], weights) for i in range(len(first))]
    if isinstance(first, dict):
        return {k: _average([v[k] for v in values], weights) for k in first}
    if isinstance(first, (bool, np.bool_)) or not isinstance(first, (Integral, float)):
        return first
    if isinstance(first, Integral):  # step counts: the chains ran side by side
        return max(values)
    return first  # rates and scales: the same in every chain


# ------------------------------------------------------------ the estimator
def _estimator_has(name):
    def check(self):
        est = getattr(self, "estimator_", self.estimator)
        getattr(est, name)
        return True

    return check


class DataParallel(MetaEstimatorMixin, BaseEstimator):
    """Train an estimator data-parallel on a dask cluster, where the data live.

    ``fit`` takes dask arrays or DataFrames and trains the wrapped
    ``FeedForwardRegressor``, ``FeedForwardClassifier`` or
    ``SigmoidNeuronClassifier`` with each worker computing on its own
    blocks; numpy or pandas data are given to the estimator's own ``fit``.
    The result is a plain fitted estimator in ``estimator_`` (it predicts,
    pickles and persists without dask); ``predict``, ``predict_proba`` and
    ``score`` go to it (block by block on dask arrays).

    Parameters
    ----------
    estimator : FeedForwardRegressor, FeedForwardClassifier or SigmoidNeuronClassifier
        The model and its settings (cloned, not changed).
    strategy : {'lbfgs', 'local_sgd'}, default='lbfgs'
        'lbfgs': L-BFGS-B on the driver, loss and gradient summed over the
        blocks at each evaluation (the estimator's ``solver='lbfgs'``
        objective, whatever its ``solver``). 'local_sgd': the estimator's
        own ``solver`` ('sgd' or 'adam') run by each worker on its blocks,
        the models averaged after each round.
    rounds_per_epoch : int, default=1
        With 'local_sgd', how many times per epoch the models are averaged
        (each round covers an equal share of every worker's blocks). More
        rounds follow the single-machine fit more closely, at more traffic.
    classes : array-like or None, default=None
        All the class labels; None finds them in the data.
    persist : bool or 'auto', default='auto'
        Keep the blocks in the workers' memory for the whole fit ('auto':
        when they take less than half the cluster's memory), shared out
        evenly among the workers (blocks moved to even out the shares are
        copied once); otherwise they are computed again at each pass (data
        larger than memory).

    Attributes
    ----------
    estimator_ : estimator
        The fitted estimator.
    classes_ : ndarray
        The class labels (classifiers).
    n_features_in_ : int
        Number of features seen during fit.
    n_iter_ : int
        Iterations of L-BFGS, or epochs of local SGD.
    loss_curve_ : list of float
        The objective after each iteration / the mean loss of each epoch.

    Examples
    --------
    >>> import dask.array as da
    >>> from sknn_intuition import FeedForwardRegressor
    >>> from sknn_intuition.dask import DataParallel
    >>> X = da.random.default_rng(0).standard_normal((2000, 4), chunks=(500, 4))
    >>> y = X[:, 0] - 2 * X[:, 1]
    >>> model = DataParallel(FeedForwardRegressor((8,), solver="lbfgs", random_state=0))
    >>> model.fit(X, y).score(X, y) > 0.99
    True
    >>> type(model.estimator_).__name__
    'FeedForwardRegressor'
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit"])],
        "strategy": [StrOptions(set(STRATEGIES))],
        "rounds_per_epoch": [Interval(Integral, 1, None, closed="left")],
        "classes": ["array-like", None],
        "persist": ["boolean", StrOptions({"auto"})],
    }

    def __init__(self, estimator, *, strategy="lbfgs", rounds_per_epoch=1, classes=None,
                 persist="auto"):
        self.estimator = estimator
        self.strategy = strategy
        self.rounds_per_epoch = rounds_per_epoch
        self.classes = classes
        self.persist = persist

    # ------------------------------------------------------------------ fit
    def fit(self, X, y, sample_weight=None):
        """Train the estimator on ``(X, y)``, on the workers holding the blocks.

        Parameters
        ----------
        X : dask array or dask DataFrame of shape (n_samples, n_features)
            Training data (numpy or pandas: the estimator's own ``fit``).
        y : dask array or dask Series of shape (n_samples,) or (n_samples, n_targets)
            Targets.
        sample_weight : dask array, dask Series or None, default=None
            Weights of the samples.

        Returns
        -------
        self : DataParallel
            The fitted wrapper.
        """
        self._check_params()
        for name in [k for k in vars(self) if k.endswith("_") and not k.startswith("_")]:
            delattr(self, name)  # a failed fit leaves the wrapper unfitted
        if not (_is_dask(X) or _is_dask(y) or _is_dask(sample_weight)):
            est = clone(self.estimator)
            kwargs = {} if sample_weight is None else {"sample_weight": sample_weight}
            est.fit(X, y, **kwargs)
            return self._finish(est)
        blocks = _Blocks(X, y, sample_weight, self.persist)
        est = self._initialize(blocks)
        if self.strategy == "lbfgs":
            self._fit_lbfgs(est, blocks)
        else:
            self._fit_local_sgd(est, blocks)
        est.set_params(**self._user_params)
        return self._finish(est)

    def _check_params(self):
        self._validate_params()  # strategy, rounds_per_epoch, persist: as declared
        if not kernel.supports(self.estimator):
            raise TypeError(
                "DataParallel trains FeedForwardRegressor, FeedForwardClassifier or "
                f"SigmoidNeuronClassifier, got {type(self.estimator).__name__}."
            )
        if self.strategy == "local_sgd" and self.estimator.solver == "lbfgs":
            raise ValueError(
                "strategy='local_sgd' runs the estimator's stochastic solver; the "
                "estimator has solver='lbfgs': use strategy='lbfgs', or set its solver "
                "to 'sgd' or 'adam'."
            )

    def _finish(self, est):
        for name in ("_user_params", "_n_samples", "_weight"):  # this fit's scratch
            self.__dict__.pop(name, None)
        self.estimator_ = est
        self.n_features_in_ = est.n_features_in_
        if hasattr(est, "feature_names_in_"):
            self.feature_names_in_ = est.feature_names_in_
        if hasattr(est, "classes_"):
            self.classes_ = est.classes_
        self.n_iter_ = est.n_iter_
        self.loss_curve_ = list(est.loss_curve_)
        return self

    def _initialize(self, blocks):
        """The whole data's statistics, then the estimator's own start."""
        classifier = is_classifier(self.estimator)
        stats = _compute(
            *[dask.delayed(_block_stats)(x, y, sw, classifier) for x, y, sw in blocks.parts]
        )
        n = sum(s["n"] for s in stats)
        est = clone(self.estimator)
        self._user_params = {}
        if self.strategy == "lbfgs":
            est.set_params(solver="lbfgs")
            self._user_params["solver"] = self.estimator.solver
        dtype = blocks.X.dtype if blocks.X.dtype in (np.float32, np.float64) else np.float64
        if classifier:
            counts, weights = {}, {}
            for s in stats:
                for label, (c, w) in s["labels"].items():
                    counts[label] = counts.get(label, 0) + c
                    weights[label] = weights.get(label, 0.0) + w
            found = np.array(sorted(counts))
            classes = found if self.classes is None else np.unique(np.asarray(self.classes))
            unknown = np.setdiff1d(found, classes)
            if unknown.size:
                raise ValueError(
                    f"y contains labels not in classes: {unknown.tolist()}; classes are "
                    f"{classes.tolist()}."
                )
            if est.class_weight == "balanced":
                # scikit-learn's 'balanced', from the counts of all the data.
                missing = [c for c in classes.tolist() if counts.get(c, 0) == 0]
                if missing:
                    raise ValueError(
                        f"class_weight='balanced': the classes {missing} have no samples."
                    )
                balanced = {c: n / (len(classes) * counts[c]) for c in classes.tolist()}
                est.set_params(class_weight=balanced)
                self._user_params["class_weight"] = "balanced"
            # One row per class, weighted by the class's total weight: the front
            # end sees every class and the classes' weighted frequencies.
            Xs = np.zeros((len(classes), blocks.n_features), dtype=dtype)
            ws = np.array([weights.get(c, 0.0) for c in classes.tolist()])
            sample = (Xs, classes, ws)
        else:
            first = next((s["first"] for s in stats if len(s["first"])), stats[0]["first"])
            sample = (np.zeros((1, blocks.n_features), dtype=dtype), first, None)
        Xs = sample[0]
        if blocks.columns is not None:
            import pandas as pd

            Xs = pd.DataFrame(Xs, columns=blocks.columns)
        kernel.initialize(est, Xs, sample[1], sample[2])
        if "auto" in training_state(est) and self.strategy == "local_sgd":
            # 'auto' settings read the features: choose them on the first rows.
            Xh, _, swh = blocks.head(10_000)
            yh = np.resize(est.classes_, Xh.shape[0])
            probe = kernel.initialize(clone(est), Xh, yh, swh)
            training_state(est)["auto"] = training_state(probe)["auto"]
        self._n_samples = n
        self._weight = sum(s["weight"] for s in stats)
        return est

    # --------------------------------------------------------------- L-BFGS
    def _fit_lbfgs(self, est, blocks):
        placed = _Placed(blocks, _encoded, est)  # the labels encoded once, beside X

        def loss_and_gradient(x):
            loss, grad, weight = placed.map_reduce(_sums, (est, x), _add)
            value, pgrad = kernel.penalty(est, x)
            return loss / weight + value, grad / weight + pgrad

        est._lbfgs_minimize(loss_and_gradient, self._n_samples)

    # ------------------------------------------------------------ local SGD
    def _fit_local_sgd(self, est, blocks):
        s = est._sgd_settings()
        est.n_iter_, est.t_, est.loss_curve_ = 0, 0, []
        state = training_state(est).setdefault("sgd", {})
        state["seed"] = int(check_random_state(s.random_state).randint(np.iinfo(np.int32).max))
        holdout = (state["seed"], s.validation_fraction) if s.early_stopping else None
        # Weights rescaled to mean 1 over all the data, not block by block.
        state["sample_weight_scale"] = self._n_samples / self._weight
        fit_kwargs = {"classes": est.classes_} if is_classifier(est) else {}
        plateau = _Plateau(s.tol, s.n_iter_no_change)
        validation = {"loss": [], "score": []}
        best, converged = None, False
        placed = _Placed(blocks)
        for _ in range(s.max_iter):
            loss_sum, n = 0.0, 0
            for shares in placed.shares(self.rounds_per_epoch):
                results = [
                    e for e in self._round(est, placed, shares, holdout, fit_kwargs) if e[2] > 0
                ]
                if not results:
                    continue
                loss_sum += sum(e[1] for e in results)
                n += sum(e[2] for e in results)
                self._merge(est, [e[0] for e in results], [e[2] for e in results])
            epoch_loss = loss_sum / max(n, 1)
            if not np.isfinite(epoch_loss) or not all(
                np.isfinite(p).all() for p in est._sgd_parameters()
            ):
                raise ValueError(
                    f"Training diverged: the loss became {epoch_loss} in epoch "
                    f"{est.n_iter_ + 1}. Lower the learning rate or standardise the features."
                )
            est.n_iter_ += 1
            est.t_ += n
            est.loss_curve_.append(epoch_loss)
            optimizer = self._optimizer(est, s)
            optimizer.iteration_ends(est.t_)
            metric = epoch_loss
            if holdout is not None:
                metric = self._validate(est, placed, holdout, validation)
            improved, stalled = plateau.update(metric)
            if improved and holdout is not None:
                best = kernel.get_flat(est)
            if stalled:
                if optimizer.trigger_stopping(s.verbose):
                    converged = True
                    break
                plateau.stalled = 0
            if s.verbose:
                print(f"Epoch {est.n_iter_}, loss = {epoch_loss:.8f}", flush=True)
        if best is not None:
            kernel.set_flat(est, best)
        if holdout is not None:
            est.validation_loss_curve_ = validation["loss"]
            est.validation_scores_ = validation["score"]
            est.best_validation_score_ = float(np.max(validation["score"]))
            est.best_loss_ = float(np.min(validation["loss"]))
        else:
            est.validation_loss_curve_ = est.validation_scores_ = None
            est.best_validation_score_ = None
            est.best_loss_ = float(np.min(est.loss_curve_))
        est.loss_ = float(est.loss_curve_[-1])
        training_state(est)["sgd"].pop("sample_weight_scale", None)
        if not converged and s.tol is not None:
            warnings.warn(
                f"DataParallel stopped after max_iter={s.max_iter} epochs before the "
                f"loss improved by less than tol={s.tol} for {s.n_iter_no_change} epochs "
                "in a row; increase max_iter, or set tol=None.",
                ConvergenceWarning,
            )

    def _round(self, est, placed, shares, holdout, fit_kwargs):
        """Each share's local steps over its blocks, from the same model.

        Returns one ``(model, loss sum, rows)`` per share.
        """
        model = copy.deepcopy(est).set_params(early_stopping=False, verbose=0)
        model.loss_curve_ = []
        carry = (model, 0.0, 0)
        if placed.client is not None:
            return placed.run(_local_steps, (carry, holdout, fit_kwargs), shares)
        shared, ends = _broadcast(carry), []
        for _, parts in shares:
            end = shared
            for part in parts:  # one task per block, chained: dask places each by its block
                end = dask.delayed(_local_steps)(end, holdout, fit_kwargs, [part])
            ends.append(end)
        return _compute(*ends)

    @staticmethod
    def _merge(est, models, weights):
        """Average the models' parameters and optimizer states into ``est``."""
        flat = _average([kernel.get_flat(m) for m in models], weights)
        kernel.set_flat(est, flat)
        states = [training_state(m)["sgd"] for m in models]
        training_state(est)["sgd"] = _average(states, weights)

    @staticmethod
    def _optimizer(est, s):
        # The trainer's own update rule, on the state the workers averaged.
        return make_optimizer(s, est._sgd_parameters(), training_state(est)["sgd"])

    def _validate(self, est, placed, holdout, record):
        total = placed.map_reduce(_validation_sums, (est, holdout), np.add)
        loss = total[0] / total[1]
        if is_classifier(est):
            score = total[2] / total[3]
        else:
            w = total[2]
            k = (len(total) - 3) // 3
            res, sy, sy2 = total[3 : 3 + k], total[3 + k : 3 + 2 * k], total[3 + 2 * k :]
            ss_tot = sy2 - sy**2 / w
            score = float(np.mean(1 - res / np.where(ss_tot > 0, ss_tot, np.nan)))
        record["loss"].append(float(loss))
        record["score"].append(float(score))
        return loss

    # ---------------------------------------------------------- prediction
    def _blockwise(self, method, X, n_columns=None):
        est = self.estimator_
        if not _is_dask(X):
            return getattr(est, method)(X)
        if hasattr(X, "to_dask_array"):
            X = X.to_dask_array(lengths=True)
        X = da.asarray(X).rechunk({1: -1})

        def apply(block):
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message="X does not have valid feature names")
                return getattr(est, method)(block)

        if n_columns is None:
            meta = apply(np.zeros((1, X.shape[1]), dtype=X.dtype))
            if meta.ndim == 1:
                return X.map_blocks(apply, drop_axis=1, dtype=meta.dtype, meta=meta[:0])
            n_columns = meta.shape[1]
        return X.map_blocks(
            apply, chunks=(X.chunks[0], (n_columns,)), dtype=np.float64
        )

    def predict(self, X):
        """Predict with ``estimator_`` (lazily, block by block, on dask data).

        Parameters
        ----------
        X : array-like, dask array or DataFrame of shape (n_samples, n_features)
            The input samples.

        Returns
        -------
        ndarray or dask array
            The predictions, a dask array (computed lazily) for dask input.
        """
        check_is_fitted(self)
        return self._blockwise("predict", X)

    @available_if(_estimator_has("predict_proba"))
    def predict_proba(self, X):
        """Class probabilities from ``estimator_`` (block by block on dask data).

        Parameters
        ----------
        X : array-like, dask array or DataFrame of shape (n_samples, n_features)
            The input samples.

        Returns
        -------
        ndarray or dask array of shape (n_samples, n_classes)
            The probabilities, columns in the order of ``classes_``.
        """
        check_is_fitted(self)
        return self._blockwise("predict_proba", X, n_columns=len(self.classes_))

    def score(self, X, y, sample_weight=None):
        """The score of ``estimator_`` (accuracy or R²) on ``(X, y)``.

        Parameters
        ----------
        X : array-like, dask array or DataFrame of shape (n_samples, n_features)
            The input samples.
        y : array-like or dask array of shape (n_samples,) or (n_samples, n_targets)
            The true labels or values.
        sample_weight : array-like or dask array of shape (n_samples,), default=None
            Weights of the samples.

        Returns
        -------
        float
            Accuracy for a classifier, R² for a regressor.
        """
        check_is_fitted(self)
        if not (_is_dask(X) or _is_dask(y) or _is_dask(sample_weight)):
            return self.estimator_.score(X, y, sample_weight=sample_weight)
        from sklearn.metrics import accuracy_score, r2_score

        pred, y, sw = _compute(self._blockwise("predict", X), y, sample_weight)
        metric = accuracy_score if is_classifier(self.estimator_) else r2_score
        return float(metric(np.asarray(y), pred, sample_weight=sw))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        est_tags = self.estimator.__sklearn_tags__()
        tags.estimator_type = est_tags.estimator_type
        tags.classifier_tags = est_tags.classifier_tags
        tags.regressor_tags = est_tags.regressor_tags
        return tags
