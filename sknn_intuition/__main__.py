"""``python -m sknn_intuition``: the tour of the package.

``python -m sknn_intuition playground [--port N] [--no-browser]`` starts the
playground instead (a local web app; needs the ``playground`` extra).
"""

import sys


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["playground"]:
        from .playground import main as playground

        return playground(argv[1:])
    from ._tour import main as tour

    return tour(argv)


if __name__ == "__main__":
    main()
