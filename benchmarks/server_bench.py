"""A server ledger (issue 18) on a local PostgreSQL, with the issue's budgets:

* the import: `taizhang --db postgresql://… import BOOK` vs the same import into a new ledger file,
  measured one after the other in each round, on the real-shaped table: ≤ 2× the file import;
* on the ledger so imported (10,000 tasks): the whole 总览 read on an open connection (≤ 50 ms) and
  a filter keystroke in the TUI until the list shows the new rows (≤ 100 ms), measured by the same
  probes as on a file (``benchmarks.probes`` ``queries`` and ``interaction``), with the filter's SQL
  alone shown beside them; then, a round opened in it past its deadline (``round-ledger``), the 总览
  read and its judged ranking again (≤ 50 ms).

The server is a throw-away local PostgreSQL started for the measurement (``tests/pg.py``'s
``start()``: ``initdb`` into a temporary folder, a socket there, stopped at the end); each round
imports into a fresh ledger database made from a template. When no server can start here (no
PostgreSQL installed), the figure is skipped and says why.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from benchmarks.measure import Run, run, taizhang

ROOT = Path(__file__).resolve().parent.parent


def _pg_module():
    """``tests/pg.py``, loaded by its path (the tests folder is not a package)."""
    spec = importlib.util.spec_from_file_location("taizhang_tests_pg", ROOT / "tests" / "pg.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def measure_server(s) -> list:
    from benchmarks.figures import log

    pg = _pg_module()
    try:
        server = pg.start()
    except pg.Unavailable as exc:
        log(f"server: skipped, no PostgreSQL server could start here ({exc})")
        return []
    try:
        rows = _import_rows(s, server)
        rows += _reads(s, server)
    finally:
        server.stop()
    return rows


def _reads(s, server) -> list:
    import json

    from benchmarks.figures import log, memory_row, time_row
    from benchmarks.measure import python

    url = server.new_ledger()
    log("server reads: importing the table into a server ledger…")
    run(taizhang("--db", url, "import", str(s.workbook)))
    n = max(20, 10 * s.runs)
    log(f"server reads: 总览 and the filter's SQL, {n} times each")
    found = json.loads(run(python("-m", "benchmarks.probes", "queries", url, str(n))).stdout)
    log(f"server reads: {s.runs} rounds of filter keystrokes and ticks through Pilot")
    result = run(python("-m", "benchmarks.probes", "interaction", url, str(s.runs)))
    typed = json.loads(result.stdout)
    where = "server ledger (local PostgreSQL)"
    rows = [time_row(f"总览 counts (whole read), {s.label}, {where}", found["overview"], 0.050),
            time_row(f"filter query alone, {s.label}, {where}", found["filter_sql"], None),
            time_row(f"filter keystroke to list, {s.label}, {where}", typed["filter"], 0.100),
            time_row(f"tick to row updated, {s.label}, {where}", typed["tick"], None),
            memory_row(f"TUI peak memory, Pilot session {s.label}, {where}", [result.peak_mb], 250)]
    # the same ledger at a month's end (the reads above are done: it may change now)
    from benchmarks.figures import measure_round_queries

    log("server reads: opening a round past its deadline in it…")
    run(python("-m", "benchmarks.probes", "round-ledger", url))
    return rows + measure_round_queries(s, url, f", {where}", 0.050)[:2]


def _import_rows(s, server) -> list:
    from benchmarks.figures import log, ratio_row
    from benchmarks.measure import remove_ledger

    book = s.workbook
    ours: list[Run] = []
    base: list[Run] = []
    for i in range(s.runs):
        log(f"server import: round {i + 1}/{s.runs}")
        url = server.new_ledger()
        ours.append(run(taizhang("--db", url, "import", str(book))))
        db = s.work / "server-baseline.db"
        remove_ledger(db)
        base.append(run(taizhang("--db", str(db), "import", str(book))))
        remove_ledger(db)
    return [ratio_row(f"import {s.label} .xlsx into a server ledger (local PostgreSQL)", [r.seconds for r in ours],
                      [r.seconds for r in base], "the same import into a file", 2.0)]
