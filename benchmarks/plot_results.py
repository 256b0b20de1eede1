"""Draw the benchmark results: fit-time ratios against scikit-learn's peers.

Usage::

    python benchmarks/run.py --json benchmarks/results/results.json
    python benchmarks/plot_results.py benchmarks/results/results.json -o ratios.png

The figure has one bar per result row: the median over repeated side-by-side
runs of (our fit time) / (the scikit-learn peer's fit time), on a log scale, so
that bars left of 1 mean faster than scikit-learn and bars right of 1 slower.
Each bar is labelled with the ratio and the held-out scores of both models.
The documentation's benchmark page draws this figure from the committed
``benchmarks/results/results.json``.
"""

import argparse
import json
import pathlib

DEFAULT_RESULTS = pathlib.Path(__file__).resolve().parent / "results" / "results.json"


def load_results(path=DEFAULT_RESULTS):
    """Read a JSON file written by ``run.py --json``: ``{"machine", "rows"}``."""
    data = json.loads(pathlib.Path(path).read_text())
    if "rows" not in data:
        raise ValueError(f"{path} has no 'rows': not written by run.py --json")
    return data


def _fmt_score(v):
    return "n/a" if v is None else f"{v:.3g}"


def plot_results(results, ax=None):
    """Bar chart of the fit-time ratios ours / scikit-learn, one bar per row.

    Parameters
    ----------
    results : dict
        As returned by :func:`load_results`. Rows without a positive
        ``ratio`` are skipped.
    ax : matplotlib Axes, default=None
        Where to draw; a new figure is made if None.

    Returns
    -------
    ax : matplotlib Axes
    """
    import matplotlib.pyplot as plt

    # Rows without a time ratio (e.g. accuracy sweeps, memory) are not drawn.
    rows = [
        r
        for r in results["rows"]
        if isinstance(r.get("ratio"), (int, float)) and r["ratio"] > 0 and "peer" in r
    ]
    if not rows:
        raise ValueError("no result row has a fit-time ratio to draw")
    if ax is None:
        _, ax = plt.subplots(figsize=(13, 0.55 * len(rows) + 1.6))
    labels = [f"{r['workload']}\n{r['ours']} vs {r['peer']}" for r in rows]
    ratios = [r["ratio"] for r in rows]
    ypos = list(range(len(rows)))[::-1]
    colors = ["C2" if q < 1 else "C3" for q in ratios]
    ax.barh(ypos, ratios, color=colors, alpha=0.8, height=0.6)
    ax.set_xscale("log")
    ax.axvline(1.0, color="k", lw=1)
    ax.set_yticks(ypos, labels, fontsize=8)
    lo = min(min(ratios), 1.0) / 2.5
    hi = max(max(ratios), 1.0) * 60  # room for the labels
    ax.set_xlim(lo, hi)
    for y, r in zip(ypos, rows):
        metric = r.get("metric", "score")
        ax.text(
            r["ratio"] * 1.08,
            y,
            f"{r['ratio']:.2g}x   {metric}: {_fmt_score(r.get('ours_score'))}"
            f" vs {_fmt_score(r.get('peer_score'))}",
            va="center",
            fontsize=8,
            bbox={"facecolor": "white", "alpha": 0.85, "edgecolor": "none", "pad": 1},
        )
    ax.set_xlabel("fit time, ours / scikit-learn's (median of paired runs; < 1 is faster)")
    ax.set_title("Fit time against scikit-learn's estimators")
    return ax


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("json", nargs="?", default=str(DEFAULT_RESULTS))
    parser.add_argument("-o", "--output", help="save the figure here instead of showing it")
    args = parser.parse_args(argv)
    import matplotlib

    if args.output:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    results = load_results(args.json)
    ax = plot_results(results)
    ax.figure.tight_layout()
    if args.output:
        ax.figure.savefig(args.output, dpi=120)
    else:  # pragma: no cover
        plt.show()


if __name__ == "__main__":
    main()
