"""``python -m benchmarks [--quick] [--only NAME[,NAME]] [--runs N] [--json PATH] [--markdown]``

Generates the data in a temporary folder (the real-shaped table of ``benchmarks.real_data`` and the
plain one of ``benchmarks.data``), measures the figures (``benchmarks.figures``) and prints
one table: figure, median, min, max, baseline, ratio, budget, and ✓ or ✗. ``--quick`` uses 1,000
tasks and 2 rounds (a smoke test for CI: well under a minute); the full run 10,000 tasks and 5
rounds. Progress goes to stderr, the table to stdout. The exit status is 0 whether or not every
figure is within its budget (timings are not asserted), 1 when a measurement failed.
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import sys
import tempfile
import time
import unicodedata
from datetime import datetime
from pathlib import Path

from benchmarks.figures import FIGURES, Row, Setup
from benchmarks.measure import compile_sources

HEADER = ("figure", "median", "min", "max", "baseline", "ratio", "budget", "ok")


def _amount(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "MB":
        return f"{value:.0f} MB"
    if value >= 1:
        return f"{value:.2f} s"
    return f"{value * 1000:.1f} ms" if value < 0.01 else f"{value * 1000:.0f} ms"


def _budget(row: Row) -> str:
    if row.budget is None:
        return "—"
    if row.budget_kind == "ratio":
        return f"≤ {row.budget:.1f}×"
    return f"≤ {_amount(row.budget, row.unit)}"


def cells(row: Row) -> list[str]:
    ok = {True: "✓", False: "✗", None: ""}[row.ok]
    return [row.figure, _amount(row.median, row.unit), _amount(row.low, row.unit), _amount(row.high, row.unit),
            _amount(row.baseline, row.unit), f"{row.ratio:.2f}×" if row.ratio is not None else "—", _budget(row), ok]


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _legend(rows: list[Row]) -> list[str]:
    """One line per baseline: what it is and which figures it is the baseline of."""
    by_name: dict[str, list[str]] = {}
    for r in rows:
        if r.baseline_name:
            by_name.setdefault(r.baseline_name, []).append(r.figure)
    return [f"baseline {name}: {'; '.join(figures)}" for name, figures in by_name.items()]


def plain_table(rows: list[Row]) -> str:
    table = [list(HEADER), *(cells(r) for r in rows)]
    widths = [max(_width(line[c]) for line in table) for c in range(len(HEADER))]
    out = []
    for line in table:
        out.append("  ".join(text + " " * (widths[c] - _width(text)) if c == 0 else
                             " " * (widths[c] - _width(text)) + text for c, text in enumerate(line)).rstrip())
    return "\n".join(out)


def markdown_table(rows: list[Row]) -> str:
    out = ["| " + " | ".join(HEADER) + " |", "|" + "---|" + "---:|" * (len(HEADER) - 2) + ":-:|"]
    out += ["| " + " | ".join(cells(r)) + " |" for r in rows]
    return "\n".join(out)


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n\n")[1])
    parser.add_argument("--quick", action="store_true", help="1,000 tasks and 2 rounds (CI smoke test)")
    parser.add_argument("--only", action="append", default=[], metavar="NAME",
                        help=f"measure only these ({', '.join(FIGURES)}); comma-separated or repeated")
    parser.add_argument("--runs", type=int, help="rounds of each figure (default 5, --quick 2)")
    parser.add_argument("--tasks", type=int, help="tasks in the generated table (default 10000, --quick 1000)")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON to PATH")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown (for the README)")
    parser.add_argument("--keep", action="store_true", help="keep the folder with the generated data")
    args = parser.parse_args(argv)
    args.only = [name.strip() for item in args.only for name in item.split(",") if name.strip()] or list(FIGURES)
    unknown = [name for name in args.only if name not in FIGURES]
    if unknown:
        parser.error(f"unknown figure {', '.join(unknown)}; choose from {', '.join(FIGURES)}")
    args.runs = args.runs or (2 if args.quick else 5)
    args.tasks = args.tasks or (1_000 if args.quick else 10_000)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    started = time.perf_counter()
    compile_sources()
    work = Path(tempfile.mkdtemp(prefix="taizhang-bench-"))
    setup = Setup(work, args.tasks, args.runs)
    rows: list[Row] = []
    failed = False
    try:
        for name in args.only:
            try:
                rows += FIGURES[name](setup)
            except Exception as exc:  # a broken figure should not hide the others
                failed = True
                print(f"{name}: measurement failed: {exc}", file=sys.stderr)
    finally:
        if args.keep:
            print(f"data kept in {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    seconds = time.perf_counter() - started
    when = datetime.now().astimezone().isoformat(timespec="seconds")
    about = (f"{when}; {args.tasks} tasks, {args.runs} rounds; Python {platform.python_version()} on "
             f"{platform.system()} {platform.machine()}; took {seconds:.0f} s")
    if args.markdown:
        print(markdown_table(rows))
        print()
        print("\n".join(f"- {line}" for line in [about, *_legend(rows)]))
    else:
        print(plain_table(rows))
        print()
        print("\n".join([about, *_legend(rows)]))
    if args.json:
        Path(args.json).write_text(json.dumps({
            "date": when, "tasks": args.tasks, "runs": args.runs, "quick": args.quick, "seconds": round(seconds, 1),
            "python": platform.python_version(), "platform": platform.platform(),
            "rows": [r.as_dict() for r in rows]}, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
