"""The playground: train the package's estimators live, in the browser.

``python -m sknn_intuition playground`` starts a local web app (Bokeh
server) in which a learner picks a step of the explanation, a data set and
the estimator's parameters, then trains it epoch by epoch through its
``partial_fit`` and watches the decision surface, the hidden units, the loss
curves and the Python code that reproduces the model.

It needs the ``playground`` extra: ``pip install "sknn_intuition[playground]"``.
The data sets (:mod:`sknn_intuition.playground.datasets`) need only numpy and
scikit-learn.
"""

__all__ = ["main", "serve"]

_MISSING = (
    "The playground needs Bokeh, which is not installed; install the "
    "playground extra: pip install \"sknn_intuition[playground]\""
)


def _require_bokeh():
    try:
        import bokeh  # noqa: F401
    except ImportError as exc:
        raise ImportError(_MISSING) from exc


def serve(port=0, address="127.0.0.1", open_browser=True, ready=None):
    """Run the playground's server until Ctrl-C (or until ``ready``'s server is stopped).

    Parameters
    ----------
    port : int, default=0
        The port; 0 takes a free one.
    address : str, default='127.0.0.1'
        The address to listen on.
    open_browser : bool, default=True
        Open the page in the default browser.
    ready : callable or None, default=None
        Called with the server and its address once it listens.
    """
    _require_bokeh()
    from ._app import run

    return run(port=port, address=address, open_browser=open_browser, ready=ready)


def main(argv=None):
    """``python -m sknn_intuition playground [--port N] [--address A] [--no-browser]``."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m sknn_intuition playground",
        description="Train the package's estimators live in the browser: a local "
                    "web app (needs the playground extra).",
    )
    parser.add_argument("--port", type=int, default=0,
                        help="the port to listen on (default: a free one)")
    parser.add_argument("--address", default="127.0.0.1",
                        help="the address to listen on (default: 127.0.0.1)")
    parser.add_argument("--no-browser", action="store_true",
                        help="do not open a browser; just print the address")
    args = parser.parse_args(argv)
    try:
        _require_bokeh()
    except ImportError as exc:
        parser.exit(2, f"{exc}\n")

    def ready(server, url):
        print(f"The playground is running at {url} (Ctrl-C to stop)", flush=True)

    serve(port=args.port, address=args.address, open_browser=not args.no_browser, ready=ready)
