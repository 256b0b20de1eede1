"""Pictures of fitted estimators (matplotlib is imported only when drawing).

:class:`NetworkDiagram` draws a small network with its weights (and, for one
sample, every neuron's value); :class:`LossCurveDisplay` the loss falling,
epoch by epoch. :class:`TowerDisplay` draws the universal
approximation theorem at work: the target, every tower of a
:class:`~sknn_intuition.TowerRegressor` scaled by its height, and their sum;
in two dimensions, the surface the towers build.
"""

import numpy as np
from sklearn.utils.validation import check_is_fitted


def _check_matplotlib(what):
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - matplotlib is an extra
        raise ImportError(
            f"{what} requires matplotlib; install it with `pip install sknn-intuition[plot]`."
        ) from exc
    return plt


def _final_tower(estimator):
    """The fitted TowerRegressor in ``estimator``, and the transform before it."""
    from sklearn.pipeline import Pipeline

    from ._tower import TowerRegressor

    steps = estimator
    if isinstance(estimator, Pipeline):
        check_is_fitted(estimator)
        steps = estimator[-1]
    if not isinstance(steps, TowerRegressor):
        raise TypeError(
            "TowerDisplay draws a TowerRegressor, or a pipeline ending in one; got "
            f"{type(steps).__name__}."
        )
    check_is_fitted(steps, "heights_")
    # Points of the picture go in as the estimator was fitted: with the
    # column names of its training DataFrame, if it had them.
    names = getattr(estimator, "feature_names_in_", None)
    first = (lambda X: X) if steps is estimator else estimator[:-1].transform
    if names is None:
        return steps, first
    import pandas as pd

    return steps, lambda X: first(pd.DataFrame(X, columns=names))


class TowerDisplay:
    """The towers of a fitted TowerRegressor, their sum, and the target.

    Build it with :meth:`from_estimator`. With one feature it draws the
    training data, each tower (its activation times its height, standing on
    the output bias) and the prediction, which is their sum. With two features
    it draws the predicted surface over the data's range, with the data.

    Parameters
    ----------
    grid : ndarray of shape (n_grid,) or tuple of two ndarray
        The points the curves are drawn at (1-D), or the mesh ``(xx, yy)``
        (2-D).
    prediction : ndarray of shape (n_grid,) or (n_y, n_x)
        The prediction on the grid.
    towers : ndarray of shape (n_grid, n_towers) or None
        Each tower's contribution ``height · activation`` on the grid (1-D).
    intercept : float
        The output bias the towers stand on.
    X : ndarray of shape (n_samples,) or (n_samples, 2), default=None
        Data to draw.
    y : ndarray of shape (n_samples,), default=None
        Targets of ``X``.
    feature_names : list of str, default=None
        Axis labels.
    fill : bool, default=False
        Fill each tower (1-D), in two alternating colours, so that the towers
        stand out and can be counted; by default each is a thin line.

    Attributes
    ----------
    ax_ : matplotlib Axes
        The axes drawn on.
    figure_ : matplotlib Figure
        The figure holding ``ax_``.
    tower_lines_ : list of Line2D
        One line per tower (1-D).
    tower_fills_ : list of PolyCollection
        One filled area per tower (1-D, with ``fill=True``; else empty).
    sum_line_ : Line2D
        The prediction, the towers' sum (1-D).
    surface_ : matplotlib artist
        The predicted surface (2-D): a 3-D surface, or filled contours when
        the axes given are not 3-D.
    data_ : matplotlib artist or None
        The scattered data.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from sknn_intuition import TowerRegressor
    >>> from sknn_intuition.plotting import TowerDisplay
    >>> X = np.linspace(-3, 3, 200).reshape(-1, 1)
    >>> y = np.sin(2 * X[:, 0])
    >>> est = TowerRegressor(n_towers=12, steepness=30).fit(X, y)
    >>> disp = TowerDisplay.from_estimator(est, X, y)
    >>> len(disp.tower_lines_)
    12
    """

    def __init__(
        self,
        *,
        grid,
        prediction,
        towers=None,
        intercept=0.0,
        X=None,
        y=None,
        feature_names=None,
        fill=False,
    ):
        self.grid = grid
        self.prediction = prediction
        self.towers = towers
        self.intercept = intercept
        self.X = X
        self.y = y
        self.feature_names = feature_names
        self.fill = fill

    @classmethod
    def from_estimator(
        cls, estimator, X, y=None, *, output=0, grid_resolution=None, ax=None, fill=False
    ):
        """Compute the towers of ``estimator`` over the range of ``X`` and draw them.

        Parameters
        ----------
        estimator : TowerRegressor or Pipeline
            A fitted TowerRegressor with one or two features, or a fitted
            pipeline ending in one (the picture is then drawn over the
            pipeline's input).
        X : array-like of shape (n_samples, 1) or (n_samples, 2)
            Data whose range the picture covers (and that are drawn).
        y : array-like of shape (n_samples,) or (n_samples, n_outputs), default=None
            Their targets, drawn as points.
        output : int, default=0
            Which output to draw, for a multi-output estimator.
        grid_resolution : int, default=None
            Points per axis: 1000 in 1-D, 60 per side in 2-D.
        ax : matplotlib Axes, default=None
            Axes to draw on (in 2-D, a 3-D axes gives a surface, any other
            filled contours); a new figure if None.
        fill : bool, default=False
            Fill each tower (1-D), so the towers can be counted.

        Returns
        -------
        display : TowerDisplay
            The display, with the figure drawn.
        """
        columns = getattr(X, "columns", None)
        names = getattr(estimator, "feature_names_in_", None)
        estimator, transform = _final_tower(estimator)
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] not in (1, 2):
            raise ValueError(
                f"TowerDisplay draws estimators with 1 or 2 features; X has shape {X.shape}."
            )
        if not 0 <= output < estimator.n_outputs_:
            raise ValueError(
                f"output={output} is not an output of the estimator "
                f"(it has {estimator.n_outputs_})."
            )
        if y is not None:
            y = np.asarray(y, dtype=np.float64)
            y = y[:, output] if y.ndim == 2 else y
        # Axis labels: the columns of X, else the names the model was fitted with.
        if columns is None:
            columns = names if names is not None else getattr(estimator, "feature_names_in_", None)
        if columns is None:
            columns = [f"x{j}" for j in range(X.shape[1])]
        names = [str(c) for c in columns]
        lo, hi = X.min(axis=0), X.max(axis=0)
        pad = 0.05 * np.where(hi > lo, hi - lo, 1.0)
        lo, hi = lo - pad, hi + pad
        heights = estimator.heights_[:, output].astype(np.float64)
        intercept = float(estimator.intercept_[output])

        if X.shape[1] == 1:
            grid = np.linspace(lo[0], hi[0], grid_resolution or 1000)
            T = estimator.tower_activations(transform(grid[:, None])).astype(np.float64)
            disp = cls(
                grid=grid,
                prediction=T @ heights + intercept,
                towers=T * heights,
                intercept=intercept,
                X=X[:, 0],
                y=y,
                feature_names=names,
                fill=fill,
            )
        else:
            m = grid_resolution or 60
            xx, yy = np.meshgrid(np.linspace(lo[0], hi[0], m), np.linspace(lo[1], hi[1], m))
            pred = estimator.tower_activations(transform(np.c_[xx.ravel(), yy.ravel()]))
            pred = (pred.astype(np.float64) @ heights + intercept).reshape(xx.shape)
            disp = cls(
                grid=(xx, yy),
                prediction=pred,
                intercept=intercept,
                X=X,
                y=y,
                feature_names=names,
            )
        return disp.plot(ax=ax)

    def plot(self, ax=None):
        """Draw the display.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure if None.

        Returns
        -------
        display : TowerDisplay
            ``self``, with ``ax_``, ``figure_`` and the artists set.
        """
        plt = _check_matplotlib("TowerDisplay")
        names = self.feature_names or ["x0", "x1"]
        self.data_ = None
        if isinstance(self.grid, tuple):
            xx, yy = self.grid
            if ax is None:
                fig = plt.figure()
                ax = fig.add_subplot(projection="3d")
            if getattr(ax, "name", "") == "3d":
                self.surface_ = ax.plot_surface(
                    xx, yy, self.prediction, cmap="viridis", alpha=0.8, linewidth=0
                )
                if self.X is not None and self.y is not None:
                    self.data_ = ax.scatter(
                        self.X[:, 0], self.X[:, 1], self.y, s=4, c="k", alpha=0.3
                    )
                ax.set_zlabel("prediction")
            else:
                self.surface_ = ax.contourf(xx, yy, self.prediction, levels=20, cmap="viridis")
                if self.X is not None:
                    self.data_ = ax.scatter(self.X[:, 0], self.X[:, 1], s=4, c="k", alpha=0.3)
            ax.set_xlabel(names[0])
            ax.set_ylabel(names[1])
            ax.set_title("The surface built from the towers")
        else:
            if ax is None:
                _, ax = plt.subplots()
            if self.X is not None and self.y is not None:
                self.data_ = ax.scatter(self.X, self.y, s=6, c="0.6", alpha=0.5, label="target")
            ax.axhline(self.intercept, color="0.4", lw=0.8, ls=":", label="output bias")
            self.tower_lines_, self.tower_fills_ = [], []
            towers = np.empty((len(self.grid), 0)) if self.towers is None else self.towers
            for k in range(towers.shape[1]):
                label = "towers (height × activation)" if k == 0 else None
                top = self.intercept + towers[:, k]
                if getattr(self, "fill", False):
                    colour = ("#4c9bd6", "#f0a04b")[k % 2]
                    self.tower_fills_.append(
                        ax.fill_between(self.grid, self.intercept, top, color=colour,
                                        alpha=0.55, lw=0, label=label)
                    )
                    (line,) = ax.plot(self.grid, top, color=colour, lw=0.8)
                else:
                    (line,) = ax.plot(self.grid, top, lw=0.8, alpha=0.7, label=label)
                self.tower_lines_.append(line)
            (self.sum_line_,) = ax.plot(
                self.grid, self.prediction, color="k", lw=2, label="sum of towers"
            )
            ax.set_xlabel(names[0])
            ax.set_ylabel("y")
            ax.set_title(
                f"{towers.shape[1]} towers and their sum" if towers.shape[1] else "The prediction"
            )
            ax.legend(loc="best", fontsize="small")
        self.ax_ = ax
        self.figure_ = ax.figure
        return self


class NetworkDiagram:
    """A small feed-forward network drawn as neurons and weighted connections.

    Build it with :meth:`from_estimator`. Each layer is a column of circles
    (input, hidden layers, output); each connection is a line labelled with
    its weight, and each neuron with its bias. Given one sample, every neuron
    also shows its value for that sample: the input, the hidden activations
    ``g(b + w·input)``, and the prediction. Meant for the networks small
    enough to read, such as the 1-2-1 network whose backpropagation the user
    guide works by hand.

    Parameters
    ----------
    coefs : list of ndarray
        ``coefs[l][i, j]`` is the weight from neuron ``i`` of layer ``l`` to
        neuron ``j`` of layer ``l + 1``.
    intercepts : list of ndarray
        ``intercepts[l][j]`` is the bias of neuron ``j`` of layer ``l + 1``.
    values : list of ndarray or None, default=None
        One value per neuron and layer, input layer first, for one sample
        (None for a layer whose neurons show no value).
    names : list of list of str, default=None
        One name per neuron and layer; ``x0``, ``h1``, ``ŷ``… if None.
    activations : list of str, default=None
        The activation of each layer after the input, written under it.
    precision : int, default=2
        Decimals of the numbers written on the diagram.
    labels : tuple of three str, default=("w", "b", "value")
        The words written before each weight, each bias and each value:
        a diagram of gradients, say, would write ``("∂L/∂w", "∂L/∂b", "δ")``.

    Attributes
    ----------
    ax_ : matplotlib Axes
        The axes drawn on.
    figure_ : matplotlib Figure
        The figure holding ``ax_``.
    neurons_ : list of list of Circle
        The circles, one list per layer.
    connections_ : list of ndarray of Line2D
        ``connections_[l][i, j]`` joins neuron ``i`` of layer ``l`` to neuron
        ``j`` of layer ``l + 1``.
    weight_labels_ : list of ndarray of Text
        The weight written on each connection, shaped like ``connections_``.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from sknn_intuition import FeedForwardRegressor
    >>> from sknn_intuition.plotting import NetworkDiagram
    >>> X, y = np.array([[0.0], [1.0], [2.0]]), np.array([0.0, 1.0, 0.0])
    >>> net = FeedForwardRegressor(hidden_layer_sizes=(2,), activation="sigmoid",
    ...                            random_state=0).partial_fit(X, y)
    >>> diagram = NetworkDiagram.from_estimator(net, X[:1])
    >>> [len(layer) for layer in diagram.neurons_]
    [1, 2, 1]
    """

    def __init__(
        self,
        *,
        coefs,
        intercepts,
        values=None,
        names=None,
        activations=None,
        precision=2,
        labels=("w", "b", "value"),
    ):
        self.coefs = coefs
        self.intercepts = intercepts
        self.values = values
        self.names = names
        self.activations = activations
        self.precision = precision
        self.labels = labels

    @classmethod
    def from_estimator(cls, estimator, x=None, *, names=None, precision=2, ax=None):
        """Draw a fitted FeedForwardRegressor or FeedForwardClassifier.

        Parameters
        ----------
        estimator : FeedForwardRegressor or FeedForwardClassifier
            A fitted network.
        x : array-like of shape (n_features,) or (1, n_features), default=None
            One sample: each neuron then shows its value for it (the input,
            the hidden activations, and the output ``predict`` gives for a
            regressor, ``predict_proba``'s for a classifier).
        names : list of list of str, default=None
            One name per neuron and layer.
        precision : int, default=2
            Decimals of the numbers written.
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure if None.

        Returns
        -------
        display : NetworkDiagram
            The display, with the figure drawn.
        """
        check_is_fitted(estimator, "coefs_")
        coefs = [np.asarray(W, dtype=np.float64) for W in estimator.coefs_]
        intercepts = [np.asarray(b, dtype=np.float64) for b in estimator.intercepts_]
        values = None
        if x is not None:
            x = np.asarray(x, dtype=np.float64).reshape(1, -1)
            hidden = estimator.hidden_activations(x)
            if hasattr(estimator, "predict_proba"):
                out = estimator.predict_proba(x)
                if out.shape[1] == 2 and coefs[-1].shape[1] == 1:
                    out = out[:, 1:]
            else:
                out = np.asarray(estimator.predict(x), dtype=np.float64).reshape(1, -1)
            values = [x[0]] + [h[0] for h in hidden] + [out[0]]
        activations = [*estimator.activations_, estimator.out_activation_]
        disp = cls(
            coefs=coefs,
            intercepts=intercepts,
            values=values,
            names=names,
            activations=activations,
            precision=precision,
        )
        return disp.plot(ax=ax)

    def _default_names(self, sizes):
        names = [[f"x{i}" if sizes[0] > 1 else "x" for i in range(sizes[0])]]
        for layer, n in enumerate(sizes[1:-1], start=1):
            prefix = "h" if len(sizes) == 3 else f"h{layer}_"
            names.append([f"{prefix}{j + 1}" for j in range(n)])
        n_out = sizes[-1]
        names.append(["ŷ" if n_out == 1 else f"ŷ{j}" for j in range(n_out)])
        return names

    _RADIUS = 0.3

    def _fmt(self, v):
        text = f"{v:.{self.precision}f}"
        return text[1:] if text.lstrip("-0.") == "" and text.startswith("-") else text

    def _centre(self, sizes, layer, i):
        """Where neuron ``i`` of ``layer`` stands: columns 3 apart, rows 1.5."""
        n, tallest = sizes[layer], max(sizes)
        return 3.0 * layer, (tallest - 1) * 0.75 - (i - (n - 1) / 2.0) * 1.5

    def _draw_connections(self, ax, sizes):
        self.connections_, self.weight_labels_ = [], []
        for layer, W in enumerate(self.coefs):
            lines = np.empty(W.shape, dtype=object)
            labels = np.empty(W.shape, dtype=object)
            # Between two layers of several neurons the label sits a third of
            # the way along, where the lines leaving one neuron are still apart.
            t = 0.5 if min(W.shape) == 1 else 0.3
            prefix = f"{self.labels[0]} = " if W.size <= 4 else ""
            for i, j in np.ndindex(W.shape):
                (x0, y0) = self._centre(sizes, layer, i)
                (x1, y1) = self._centre(sizes, layer + 1, j)
                (lines[i, j],) = ax.plot([x0, x1], [y0, y1], color="0.45", lw=1.2, zorder=1)
                labels[i, j] = ax.text(
                    x0 + t * (x1 - x0), y0 + t * (y1 - y0), prefix + self._fmt(W[i, j]),
                    ha="center", va="center", fontsize=10, zorder=3,
                    bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none"),
                )
            self.connections_.append(lines)
            self.weight_labels_.append(labels)

    def _draw_neurons(self, ax, sizes, names):
        from matplotlib.patches import Circle

        self.neurons_ = []
        colours = ["#d9e8f5"] + ["#fde3c8"] * (len(sizes) - 2) + ["#d8f0d2"]
        for layer, n in enumerate(sizes):
            circles = []
            for i in range(n):
                cx, cy = self._centre(sizes, layer, i)
                circle = Circle((cx, cy), self._RADIUS, fc=colours[layer], ec="0.2", lw=1.5,
                                zorder=2)
                ax.add_patch(circle)
                circles.append(circle)
                name = names[layer][i]
                ax.text(cx, cy, name, ha="center", va="center",
                        fontsize=12 if len(name) <= 2 else 10, zorder=4)
                below = []
                if layer > 0:
                    below.append(f"{self.labels[1]} = " + self._fmt(self.intercepts[layer - 1][i]))
                if self.values is not None and self.values[layer] is not None:
                    below.append(f"{self.labels[2]} " + self._fmt(self.values[layer][i]))
                if below:
                    ax.text(cx, cy - self._RADIUS - 0.12, "\n".join(below), ha="center",
                            va="top", fontsize=10, zorder=4)
            self.neurons_.append(circles)

    def plot(self, ax=None):
        """Draw the display.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure if None.

        Returns
        -------
        display : NetworkDiagram
            ``self``, with ``ax_``, ``figure_`` and the artists set.
        """
        plt = _check_matplotlib("NetworkDiagram")
        sizes = [self.coefs[0].shape[0]] + [W.shape[1] for W in self.coefs]
        names = self.names or self._default_names(sizes)
        if ax is None:
            _, ax = plt.subplots(figsize=(2.6 * len(sizes), 1.0 + 1.0 * max(sizes)))
        self._draw_connections(ax, sizes)
        self._draw_neurons(ax, sizes, names)
        span = (max(sizes) - 1) * 1.5
        top = span + self._RADIUS + 0.3
        if self.activations is not None:
            for layer, name in enumerate(["input", *self.activations]):
                ax.text(3.0 * layer, top, name, ha="center", va="bottom", fontsize=10,
                        style="italic", color="0.3")
        ax.set_aspect("equal")
        ax.set_xlim(-1.0, 3.0 * (len(sizes) - 1) + 1.0)
        lines_below = (self.values is not None) + 1
        ax.set_ylim(-self._RADIUS - 0.25 - 0.3 * lines_below, top + 0.45)
        ax.axis("off")
        self.ax_ = ax
        self.figure_ = ax.figure
        return self


class LossCurveDisplay:
    """The loss falling: the training loss of each epoch, and the validation loss.

    Build it with :meth:`from_estimator` from any fitted estimator of the
    package that trains by epochs (its ``loss_curve_`` and, with early
    stopping, ``validation_loss_curve_``), as scikit-learn's displays are built.

    Parameters
    ----------
    loss_curve : array-like of shape (n_epochs,)
        The mean training loss of each epoch.
    validation_loss_curve : array-like of shape (n_epochs,), default=None
        The loss on the validation split after each epoch.
    estimator_name : str, default=None
        Shown in the title.

    Attributes
    ----------
    line_ : matplotlib Line2D
        The training loss.
    validation_line_ : matplotlib Line2D or None
        The validation loss.
    ax_ : matplotlib Axes
    figure_ : matplotlib Figure

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from sknn_intuition import FeedForwardRegressor, LossCurveDisplay
    >>> X = np.linspace(-2, 2, 200).reshape(-1, 1)
    >>> net = FeedForwardRegressor(hidden_layer_sizes=(8,), activation="tanh",
    ...                            early_stopping=True, max_iter=50,
    ...                            learning_rate_init=0.01, random_state=0)
    >>> disp = LossCurveDisplay.from_estimator(net.fit(X, np.sin(2 * X[:, 0])))
    >>> len(disp.line_.get_ydata()) == net.n_iter_
    True
    >>> disp.validation_line_ is not None
    True
    """

    def __init__(self, *, loss_curve, validation_loss_curve=None, estimator_name=None):
        self.loss_curve = loss_curve
        self.validation_loss_curve = validation_loss_curve
        self.estimator_name = estimator_name

    @classmethod
    def from_estimator(cls, estimator, *, ax=None, log_scale=None):
        """Draw the loss curves of a fitted estimator (or a pipeline ending in one).

        Parameters
        ----------
        estimator : fitted estimator
            An estimator of the package trained by epochs, or a Pipeline
            whose last step is one.
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure if None.
        log_scale : bool, default=None
            A logarithmic loss axis; by default when the loss spans more than
            two orders of magnitude.

        Returns
        -------
        display : LossCurveDisplay
        """
        from sklearn.pipeline import Pipeline

        final = estimator[-1] if isinstance(estimator, Pipeline) else estimator
        check_is_fitted(final)
        curve = getattr(final, "loss_curve_", None)
        if curve is None:
            raise TypeError(
                f"LossCurveDisplay draws an estimator trained by epochs (with a "
                f"loss_curve_); {type(final).__name__} has none."
            )
        disp = cls(
            loss_curve=np.asarray(curve, dtype=float),
            validation_loss_curve=(
                None
                if getattr(final, "validation_loss_curve_", None) is None
                else np.asarray(final.validation_loss_curve_, dtype=float)
            ),
            estimator_name=type(final).__name__,
        )
        return disp.plot(ax=ax, log_scale=log_scale)

    def plot(self, ax=None, *, log_scale=None):
        """Draw the display.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure if None.
        log_scale : bool, default=None
            A logarithmic loss axis; by default when the loss spans more than
            two orders of magnitude.

        Returns
        -------
        display : LossCurveDisplay
            ``self``, with ``ax_``, ``figure_`` and the lines set.
        """
        plt = _check_matplotlib("LossCurveDisplay")
        if ax is None:
            _, ax = plt.subplots()
        train = np.asarray(self.loss_curve, dtype=float)
        epochs = np.arange(1, len(train) + 1)
        (self.line_,) = ax.plot(epochs, train, marker="." if len(train) < 30 else None,
                                label="training loss")
        self.validation_line_ = None
        curves = [train]
        if self.validation_loss_curve is not None:
            val = np.asarray(self.validation_loss_curve, dtype=float)
            (self.validation_line_,) = ax.plot(
                np.arange(1, len(val) + 1), val, ls="--", label="validation loss"
            )
            curves.append(val)
        if log_scale is None:
            values = np.concatenate(curves)
            values = values[np.isfinite(values) & (values > 0)]
            log_scale = values.size > 0 and values.max() > 100 * values.min()
        if log_scale:
            ax.set_yscale("log")
        ax.set_xlabel("epoch")
        ax.set_ylabel("loss")
        ax.set_title(f"{self.estimator_name or 'The'} loss, epoch by epoch")
        ax.legend(loc="best", fontsize="small")
        self.ax_ = ax
        self.figure_ = ax.figure
        return self
