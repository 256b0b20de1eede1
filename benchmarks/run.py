"""Run the benchmarks: each of our estimators beside its scikit-learn peer.

Usage::

    python benchmarks/run.py                 # every workload
    python benchmarks/run.py perceptron      # only some (names of bench_*.py)
    python benchmarks/run.py --repeats 7 --json results.json

Each ``bench_<name>.py`` beside this file defines ``run(repeats)`` returning a
list of result rows (dicts). Rows are printed as a table and, with ``--json``,
saved for the docs' benchmark page.
"""

import argparse
import importlib
import json
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _common import machine_info, print_table  # noqa: E402

COLUMNS = [
    "workload",
    "ours",
    "peer",
    "ours_s",
    "peer_s",
    "ratio",
    "ours_score",
    "peer_score",
    "metric",
]


def available():
    return sorted(p.stem[len("bench_") :] for p in HERE.glob("bench_*.py"))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help=f"workloads, of {available()}")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--json", help="also write the rows to this JSON file")
    args = parser.parse_args(argv)
    names = args.names or available()
    unknown = set(names) - set(available())
    if unknown:
        parser.error(f"unknown workloads {sorted(unknown)}; known: {available()}")
    print(machine_info())
    rows = []
    for name in names:
        module = importlib.import_module(f"bench_{name}")
        rows.extend(module.run(args.repeats))
    print_table(rows, [c for c in COLUMNS if any(c in r for r in rows)])
    extra = sorted({k for r in rows for k in r} - set(COLUMNS))
    if extra:
        print()
        print_table(rows, ["workload", *extra])
    if args.json:
        pathlib.Path(args.json).write_text(
            json.dumps({"machine": machine_info(), "rows": rows}, indent=2)
        )
    return rows


if __name__ == "__main__":
    main()
