"""Draw ``docs/_static/towers_add_up.png``, the figure at the top of the README.

The same picture as the gallery's "Towers add up to a curve", in one panel,
with each tower filled so that the towers can be counted::

    pip install -e ".[plot]" && python docs/readme_figure.py
"""

import pathlib

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from sknn_intuition import TowerDisplay, TowerRegressor  # noqa: E402

OUT = pathlib.Path(__file__).resolve().parent / "_static" / "towers_add_up.png"


def main():
    X = np.linspace(-3, 3, 600).reshape(-1, 1)
    y = np.sin(1.5 * X[:, 0]) + 0.5 * np.sin(4 * X[:, 0])
    est = TowerRegressor(n_towers=12, steepness=40).fit(X, y)
    fig, ax = plt.subplots(figsize=(8, 4.2))
    TowerDisplay.from_estimator(est, X, y, ax=ax, fill=True)
    ax.get_legend().remove()
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=4, frameon=False,
              fontsize=11)
    ax.set_title("12 towers (pairs of steep sigmoids), each scaled by its height, add up",
                 fontsize=12)
    ax.tick_params(labelsize=11)
    fig.tight_layout()
    fig.savefig(OUT, dpi=100)
    print(f"saved {OUT}")


if __name__ == "__main__":
    main()
