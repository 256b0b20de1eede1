"""``python -m sknn_intuition``: the tour of the package."""

from ._tour import main

if __name__ == "__main__":
    main()
