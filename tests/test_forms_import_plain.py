"""Issue 17: the command line imports a folder of returned forms without loading the ORM
(``models.report_writing`` in a ``models.plain_change``), and what it writes — rows, history entry,
undo — is what the ORM operation ``models.rounds.record_reports`` writes for the same forms."""

from __future__ import annotations

import pytest

import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT, run_cli, table_rows
from tests.test_rounds_forms import GROUP, _export, _fill, _open_round, _unit_tasks
from conftest import connect_ledger

# every test here that makes a ledger runs on a file and on a server (tests/conftest.py)
pytestmark = pytest.mark.both_engines


def _rows_but_times(db: Path) -> dict:
    """Every table's rows, the history entries without the time they were written."""
    rows = table_rows(db)
    conn = connect_ledger(db)
    try:
        at = [i for i, (_, name, *_rest) in enumerate(conn.execute("PRAGMA table_info(history)")) if name == "at"][0]
    finally:
        conn.close()
    rows["history"] = [r[:at] + r[at + 1:] for r in rows["history"]]
    return rows


@pytest.mark.file_only("the plain path on a file, against a copy of the file through the ORM")
def test_forms_import_writes_what_the_orm_operation_writes_without_loading_it(demo, tmp_path):
    _open_round(demo)
    forms = _export(demo, tmp_path / "out")
    back = tmp_path / "back"
    back.mkdir()
    for unit, word in (("市民政局", "已完成"), ("市卫生健康局", "推进中")):
        n = len(_unit_tasks(demo, unit))
        _fill(Path(shutil.copy(forms[unit], back)),
              {i: (word, f"{unit}第{i + 1}项进展", "2023-06-28", None, None) for i in range(n)})
    orm = tmp_path / "orm.db"
    shutil.copy(demo, orm)
    before = _rows_but_times(demo)

    # the command line, in a process of its own: no SQLAlchemy, no SQLModel
    code = ("import sys; from taizhang.cli import main; "
            f"status = main(['--db', r'{demo}', 'import', r'{back}', '--group', '{GROUP}']); "
            "print(status, sorted({m.split('.')[0] for m in sys.modules} & {'sqlalchemy', 'sqlmodel'}))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "新报送 2 个单位" in result.stdout
    assert result.stdout.strip().splitlines()[-1] == "0 []"

    # the same forms through the ORM operation
    from importers.forms import plan_forms, read_forms
    from models import store
    from models.db import Database
    from models.rounds import record_reports

    conn = store.connect(orm)
    try:
        plan = plan_forms(conn, read_forms(back)[0], GROUP)
    finally:
        conn.close()
    db = Database(orm)
    try:
        record_reports(db, plan.reports, what="back")
    finally:
        db.close()
    plain = _rows_but_times(demo)
    assert plain != before
    assert plain == _rows_but_times(orm)
    assert plain["history"][-1][1] == "record_reports"  # one entry: (id, action, summary, …)

    # undone like any change, back to the ledger before the import
    r = run_cli("--db", str(demo), "undo")
    assert r.returncode == 0, r.stderr
    assert "已撤销：导入填报表" in r.stdout
    kept = ("history", "row_change", "sqlite_sequence")  # the trail, and ids never given again
    undone = _rows_but_times(demo)
    assert {t: rows for t, rows in undone.items() if t not in kept} == {
        t: rows for t, rows in before.items() if t not in kept}
