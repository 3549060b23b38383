"""Moved to ``benchmarks.data``; kept so that tests can write ``from data.bigtable import
make_division_workbook``. ``python tests/data/bigtable.py OUT.xlsx [N]`` still writes a table."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the project root, for `benchmarks`

from benchmarks.data import main, make_division_workbook  # noqa: E402

__all__ = ["make_division_workbook"]

if __name__ == "__main__":
    raise SystemExit(main())
