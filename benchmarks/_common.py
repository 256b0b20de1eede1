"""Timing helpers shared by the benchmark workloads.

Ours and scikit-learn's peer run in turn (A, B, A, B, ...) on the same arrays
in one process; the figure quoted is the median of the per-pair time ratios,
which survives a busy machine far better than an absolute time.
"""

import platform
import time
import warnings

import numpy as np


def blas_info():
    """One line naming the BLAS library and its thread count."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:  # pragma: no cover
        return "threadpoolctl not installed"
    parts = []
    for info in threadpool_info():
        if info.get("user_api") == "blas":
            parts.append(
                f"{info.get('internal_api')} {info.get('version')} "
                f"({info.get('architecture')}, {info.get('num_threads')} threads)"
            )
    return "; ".join(parts) or "no BLAS found"


def machine_info():
    return (
        f"Python {platform.python_version()}, numpy {np.__version__}, "
        f"{platform.machine()}, BLAS: {blas_info()}"
    )


def timed(fn):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tic = time.perf_counter()
        result = fn()
        return time.perf_counter() - tic, result


def side_by_side(ours, theirs, repeats, also=None):
    """Run ``ours()`` and ``theirs()`` in turn; return medians and fitted models.

    ``also`` is an optional function of no arguments returning seconds (a
    reference time, such as the floor of a network); it runs third in each
    round, so all three see the same state of the machine.

    Returns
    -------
    dict with ``ours_s``, ``theirs_s`` (median seconds), ``ratio`` (median of
    the per-pair ratios ours/theirs), and the last fitted ``ours_model`` and
    ``theirs_model``; with ``also``, ``also_s`` (median seconds) and
    ``also_over_ours`` (median of the per-round ratios also/ours).
    """
    t_ours, t_theirs, ratios, t_also = [], [], [], []
    for _ in range(repeats):
        a, m_ours = timed(ours)
        b, m_theirs = timed(theirs)
        t_ours.append(a)
        t_theirs.append(b)
        ratios.append(a / b)
        if also is not None:
            t_also.append(also())
    out = {
        "ours_s": float(np.median(t_ours)),
        "theirs_s": float(np.median(t_theirs)),
        "ratio": float(np.median(ratios)),
        "ours_model": m_ours,
        "theirs_model": m_theirs,
    }
    if also is not None:
        out["also_s"] = float(np.median(t_also))
        out["also_over_ours"] = float(np.median(np.divide(t_also, t_ours)))
        out["also_over_theirs"] = float(np.median(np.divide(t_also, t_theirs)))
    return out


def print_table(rows, columns):
    """Print rows (dicts) as an aligned text table with the given columns."""
    widths = {c: max(len(c), *(len(_fmt(r.get(c))) for r in rows)) for c in columns}
    print("  ".join(c.ljust(widths[c]) for c in columns))
    print("  ".join("-" * widths[c] for c in columns))
    for r in rows:
        print("  ".join(_fmt(r.get(c)).ljust(widths[c]) for c in columns))


def _fmt(v):
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)
