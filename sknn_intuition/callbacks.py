"""A progress bar that shows how training goes, not only how far.

scikit-learn's ``sklearn.callback.ProgressBar`` (scikit-learn 1.9 and later)
draws one bar per task and fills it epoch by epoch. :class:`LossProgressBar`
is a callback for the same API whose bar also carries, on its line, the
training loss of the last epoch and, with ``early_stopping=True``, the
validation score: the numbers ``verbose=1`` prints, kept on one line that
updates in place. The bar is drawn by `rich <https://rich.readthedocs.io>`_
(``pip install sknn_intuition[progress]``).

>>> from sknn_intuition import FeedForwardRegressor
>>> from sknn_intuition.callbacks import LossProgressBar
>>> net = FeedForwardRegressor(max_iter=50).set_callbacks(LossProgressBar())  # doctest: +SKIP
>>> net.fit(X, y)  # doctest: +SKIP
FeedForwardRegressor - fit ━━━━━━━━━━━━━━━━━━━ 50/50 loss 0.0123 0:00:02
"""

__all__ = ["LossProgressBar"]


class LossProgressBar:
    """A callback drawing a bar per fit, with the loss of the last epoch on its line.

    Set it with ``estimator.set_callbacks(LossProgressBar())`` on an estimator
    that trains epoch by epoch (``solver='sgd'`` or ``'adam'``, the
    perceptron, the sigmoid neuron, the towers' SGD); each ``fit`` or
    ``partial_fit`` call draws one bar that advances once per epoch. The
    bar's total is ``max_iter``; a fit that stops earlier (``tol``, early
    stopping) completes its bar at the epoch it stopped.

    Parameters
    ----------
    console : rich.console.Console or None, default=None
        Where to draw; None is rich's console on the standard output.
    """

    def __init__(self, console=None):
        self.console = console

    def setup(self, estimator, context):
        """Open the bar: one per call to ``fit`` or ``partial_fit``."""
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[figures]}"),
            TimeElapsedColumn(),
            console=self.console,
        )
        progress.start()
        task = progress.add_task(
            f"{type(estimator).__name__} - {context.task_name}",
            total=context.max_subtasks,
            figures="",
        )
        self._bar = (progress, task)

    def on_fit_task_begin(self, estimator, context):
        """Nothing to draw before an epoch has run."""

    def on_fit_task_end(self, estimator, context):
        """After each epoch, advance the bar and show its loss; never stops training."""
        if context.task_name != "epoch" or not getattr(self, "_bar", None):
            return False
        progress, task = self._bar
        figures = f"loss {estimator.loss_curve_[-1]:.6g}"
        scores = getattr(estimator, "validation_scores_", None)
        if scores:
            figures += f", validation score {scores[-1]:.4g}"
        progress.update(task, advance=1, figures=figures)
        return False

    def teardown(self, estimator, context):
        """Close the bar, complete at the epoch training stopped."""
        bar, self._bar = getattr(self, "_bar", None), None
        if bar is None:
            return
        progress, task = bar
        done = progress.tasks[0].completed
        progress.update(task, total=max(done, 1), completed=max(done, 1))
        progress.stop()
