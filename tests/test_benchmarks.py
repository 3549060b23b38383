"""The benchmarks still run (issue 6): a quick, cheap figure end to end. No timing is asserted."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import query_rows

ROOT = Path(__file__).resolve().parent.parent


def test_quick_benchmark_prints_the_table(tmp_path):
    out = tmp_path / "bench.json"
    result = subprocess.run([sys.executable, "-m", "benchmarks", "--quick", "--only", "queries", "--tasks", "200",
                             "--json", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    header = result.stdout.splitlines()[0].split()
    assert header == ["figure", "median", "min", "max", "baseline", "ratio", "budget", "ok"]
    assert "总览 counts" in result.stdout
    rows = json.loads(out.read_text(encoding="utf-8"))["rows"]
    figures = [r["figure"] for r in rows]
    for name in ("总览 counts (whole read), 200", "总览 ranking (judged, by lead unit), 200"):
        assert name in figures, figures


def test_unknown_figure_is_a_usage_error():
    result = subprocess.run([sys.executable, "-m", "benchmarks", "--only", "nothing"], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "nothing" in result.stderr


def _persons_by_unit(path: Path) -> dict[str, set[str]]:
    import python_calamine

    rows = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    header = next(r for r in rows if "牵头单位" in r)
    lead = header.index("牵头单位")
    out: dict[str, set[str]] = {}
    for row in rows:
        for unit_col in (lead, lead + 2):
            units, persons = str(row[unit_col]).split("\n"), str(row[unit_col + 1]).split("\n")
            if row[unit_col] and row is not header and len(units) == len(persons):
                for unit, person in zip(units, persons):
                    out.setdefault(unit, set()).add(" ".join(person.split()))  # stray spaces aside
    return out


def test_the_real_shaped_table_names_each_units_own_persons_as_real_tables_do(tmp_path):
    """benchmarks.real_data: a unit has its person (闽清's table: one per unit on all its rows), at most
    two with a successor; the stress case draws a person for every cell."""
    from benchmarks.real_data import UNITS, make_real_workbook

    real = _persons_by_unit(make_real_workbook(tmp_path / "real.xlsx", 600))
    assert set(real) == set(UNITS)
    assert all(1 <= len(names) <= 2 for names in real.values()), real
    assert any(len(names) == 2 for names in real.values())
    stress = _persons_by_unit(make_real_workbook(tmp_path / "stress.xlsx", 600, persons="cell"))
    assert sum(len(names) for names in stress.values()) > 20 * len(UNITS)


def test_the_import_floor_writes_the_rows_the_import_wrote(tmp_path):
    """benchmarks.import_floor's "write" is the import's writing without the reading: replayed into
    a new ledger, the rows the import of a real-shaped table wrote come out the same, the 总览 figures
    and the indexes with them (so the floor it measures is the work of writing this very ledger)."""
    from benchmarks.real_data import make_real_workbook

    book = make_real_workbook(tmp_path / "real.xlsx", 700)
    made, again, rows = tmp_path / "made.db", tmp_path / "again.db", tmp_path / "rows.marshal"
    env = {**os.environ, "TAIZHANG_TODAY": "2024-03-27"}
    for argv in (["-m", "taizhang", "--db", str(made), "import", str(book)],
                 ["-m", "benchmarks.import_floor", "record", str(made), str(rows)],
                 ["-m", "benchmarks.import_floor", "write", str(rows), str(again)]):
        result = subprocess.run([sys.executable, *argv], cwd=ROOT, capture_output=True, text=True, timeout=120,
                                env=env)
        assert result.returncode == 0, result.stderr
    for table in ("work_group", "unit", "task", "assignment", "target", "import_source", "task_figure"):
        written = query_rows(again, f'SELECT * FROM "{table}" ORDER BY 1')
        assert written and written == query_rows(made, f'SELECT * FROM "{table}" ORDER BY 1'), table
    schema = "SELECT type, name, sql FROM sqlite_master ORDER BY name"
    assert query_rows(again, schema) == query_rows(made, schema)
