"""The import onto a server ledger (issue 18): `taizhang --db postgresql://… import BOOK` vs the same
import into a new ledger file, measured one after the other in each round, on the real-shaped table.
The budget is the issue's: ≤ 2× the file import.

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


def measure_server_import(s) -> list:
    from benchmarks.figures import _remove_db, log, ratio_row

    pg = _pg_module()
    try:
        server = pg.start()
    except pg.Unavailable as exc:
        log(f"server import: skipped, no PostgreSQL server could start here ({exc})")
        return []
    try:
        book = s.workbook
        ours: list[Run] = []
        base: list[Run] = []
        for i in range(s.runs):
            log(f"server import: round {i + 1}/{s.runs}")
            url = server.new_ledger()
            ours.append(run(taizhang("--db", url, "import", str(book))))
            db = s.work / "server-baseline.db"
            _remove_db(db)
            base.append(run(taizhang("--db", str(db), "import", str(book))))
            _remove_db(db)
    finally:
        server.stop()
    return [ratio_row(f"import {s.label} .xlsx into a server ledger (local PostgreSQL)", [r.seconds for r in ours],
                      [r.seconds for r in base], "the same import into a file", 2.0)]
