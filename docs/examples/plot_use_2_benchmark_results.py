"""
=========================================
Benchmarks: fit time against scikit-learn
=========================================

Each workload in ``benchmarks/`` fits one of our estimators and its nearest
scikit-learn estimator in turn, on the same arrays in one process, several
times; the figure quoted is the median of the per-pair ratios of fit times,
which holds up on a busy machine far better than an absolute time. The
figure below is drawn by ``benchmarks/plot_results.py`` from the results
committed in ``benchmarks/results/results.json``; to measure on your machine::

    python benchmarks/run.py --json benchmarks/results/results.json
    python benchmarks/plot_results.py benchmarks/results/results.json -o ratios.png

Bars left of 1 are faster than scikit-learn, bars right of 1 slower; the labels
give the held-out scores of both models, so that speed is never bought with
accuracy unseen.
"""

import pathlib
import sys

import matplotlib.pyplot as plt
import pandas as pd

# The benchmarks folder sits at the root of the repository, beside docs/.
try:
    here = pathlib.Path(__file__).resolve().parent
except NameError:  # run interactively
    here = pathlib.Path.cwd()
root = next(p for p in [here, *here.parents] if (p / "benchmarks" / "plot_results.py").exists())
sys.path.insert(0, str(root / "benchmarks"))

from plot_results import load_results, plot_results  # noqa: E402

results = load_results(root / "benchmarks" / "results" / "results.json")
print(results["machine"])
ax = plot_results(results)
# Sized for reading on this page: 9.5 inches wide and no text under 9 points.
ax.figure.set_size_inches(9.5, 0.6 * len(ax.patches) + 1.8)
for text in [*ax.get_yticklabels(), *ax.texts]:
    text.set_fontsize(9)
lo, hi = ax.get_xlim()
ax.set_xlim(lo, hi * 20)  # room for the labels right of the bars
ax.set_xlabel("fit time, ours / scikit-learn's\n(median of paired runs; < 1 is faster)")
ax.figure.tight_layout()
plt.show()

# %%
# The same numbers as a table (times are medians in seconds):
columns = ["workload", "ours", "peer", "ours_s", "peer_s", "ratio", "ours_score", "peer_score"]
pd.DataFrame(results["rows"])[columns].round(4)

# %%
# For the feed-forward networks, the rows also say how close a fit comes to
# its **floor**: the time the bare matrix products of the same network take
# over the same batches and epochs (forward ``A @ W`` per layer, backward
# ``A.T @ D`` per layer and ``D @ W.T`` per hidden layer, into preallocated
# outputs), timed in each round beside the two fits. ``floor_frac`` is the
# floor's time over our fit's (1 would mean nothing but the products),
# ``peer_floor_frac`` the same for scikit-learn's MLP; the GFLOP/s count the
# multiply-adds of those products, against a 1024 × 1024 product's rate.
network = pd.DataFrame(
    [r for r in results["rows"] if "floor_frac" in r],
    columns=["workload", "speedup", "floor_frac", "peer_floor_frac",
             "ours_gflops", "peer_gflops", "matmul_gflops"],
)
network.round(3)
