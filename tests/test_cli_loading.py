"""Commands that only read the ledger (or write it through the plain path) never load SQLAlchemy or
SQLModel, on a file or on a server: loading them costs a short command most of its time (issue 18:
server commands paid ~1 s each). Checked by what the process imported, not by the clock."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import ROOT, SAMPLES, TODAY

GROUP = "四平市老龄工作委员会"
HEAVY = ("sqlalchemy", "sqlmodel", "pydantic")

_RUN = """
import json, sys
from taizhang.cli import main
status = main(sys.argv[2:])
print(json.dumps({"status": status, "loaded": sorted(m for m in sys.modules if m.split('.')[0] in %r)}),
      file=open(sys.argv[1], "w"))
""" % (HEAVY,)


def _loaded(tmp_path, *args: str) -> list[str]:
    """The heavy packages a ``taizhang`` process loaded to run ``args`` (which must succeed)."""
    report = tmp_path / "loaded.json"
    done = subprocess.run([sys.executable, "-c", _RUN, str(report), *args], capture_output=True, text=True,
                          env={**os.environ, "TAIZHANG_TODAY": TODAY}, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    outcome = json.loads(report.read_text())
    assert outcome["status"] == 0, done.stderr
    return sorted({m.split(".")[0] for m in outcome["loaded"]})


@pytest.fixture
def ledger(ledger_at, tmp_path) -> str:
    """A ledger (file or server) with the 四平 group's tasks, imported from the command line."""
    from conftest import run_cli

    done = run_cli("--db", str(ledger_at), "import", str(SAMPLES / "四平市老龄工作重点任务.csv"), "--group", GROUP)
    assert done.returncode == 0, done.stderr
    return str(ledger_at)


@pytest.mark.parametrize("command", [
    ("settings", "--group", GROUP),
    ("round", "list", "--group", GROUP),
    ("export", "--group", GROUP, "{out}/division.xlsx"),
    ("export", "--group", GROUP, "--kind", "history", "{out}/history.xlsx"),
    ("export", "--group", GROUP, "--kind", "bulletin", "{out}/bulletin.docx"),
    ("import", str(SAMPLES / "四平市老龄工作重点任务.csv"), "--group", GROUP),
    ("backup",),  # of a server: a snapshot file written from the plain connection (models.ledger_copy)
], ids=lambda c: "-".join(c[:1] + tuple(a for a in c[1:] if a in ("list", "history", "bulletin"))))
@pytest.mark.both_engines
def test_reading_commands_load_no_orm(ledger, tmp_path, command):
    args = [a.replace("{out}", str(tmp_path)) for a in command]
    assert _loaded(tmp_path, "--db", ledger, *args) == []


@pytest.mark.both_engines
def test_changing_a_setting_still_works_through_the_orm(ledger, tmp_path):
    assert "sqlmodel" in _loaded(tmp_path, "--db", ledger, "settings", "--group", GROUP, "--review", "on")
    assert _loaded(tmp_path, "--db", ledger, "settings", "--group", GROUP) == []


_CHECK = """
import json, sys
from taizhang.cli import BadInput
from tui.server_window import check_server
try:
    check_server(sys.argv[2])
    said = None
except BadInput as exc:
    said = str(exc)
print(json.dumps({"said": said, "loaded": sorted(m for m in sys.modules if m.split('.')[0] in %r)}),
      file=open(sys.argv[1], "w"))
""" % (HEAVY,)


def _checked(tmp_path, url: str) -> dict:
    report = tmp_path / "checked.json"
    done = subprocess.run([sys.executable, "-c", _CHECK, str(report), url], capture_output=True, text=True,
                          env={**os.environ, "TAIZHANG_TODAY": TODAY}, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(report.read_text())


def test_the_window_checks_a_server_ledger_before_opening_without_the_orm(pg_server, pg_url, tmp_path):
    assert _checked(tmp_path, pg_server.new_ledger()) == {"said": None, "loaded": []}
    # a database that holds something else is still refused with its message (then the ORM may load)
    pg_server.sql("CREATE TABLE payroll (id INTEGER)", dbname=pg_url.split("?")[0].rsplit("/", 1)[1])
    said = _checked(tmp_path, pg_url)["said"]
    assert said and "payroll" in said and "不是 taizhang 的台账" in said


def test_the_schema_files_tables_are_the_orms():
    """``ledger_copy.file_tables`` (read from schema.sql, for copies into a file) lists the tables of
    ``models.tables`` in the same order (parents first) with the same columns."""
    from models.ledger_copy import file_tables, row_tables

    assert file_tables() == [(t.name, sorted(c.name for c in t.columns)) for t in row_tables()]


_FORMS_CODE = ("importers.forms", "exporters.forms")
_RUN_IMPORT = """
import json, sys
from taizhang.cli import main
status = main(sys.argv[2:])
print(json.dumps({"status": status, "loaded": sorted(m for m in sys.modules if m in %r)}), file=open(sys.argv[1], "w"))
""" % (_FORMS_CODE,)


def test_importing_a_division_table_loads_no_forms_code(tmp_path):
    """The returned-form check before a table import is a cheap guess (``importers.form_guess``): the
    forms reader and the forms export (~20 ms of start-up, issue 17) load only for a file that looks
    like a form — and such a file is still taken for one."""
    report = tmp_path / "loaded.json"

    def loaded(*args: str) -> dict:
        done = subprocess.run([sys.executable, "-c", _RUN_IMPORT, str(report), "--db", str(tmp_path / "t.db"), *args],
                              capture_output=True, text=True, env={**os.environ, "TAIZHANG_TODAY": TODAY}, cwd=ROOT,
                              timeout=120)
        assert done.returncode == 0, done.stderr
        return json.loads(report.read_text())

    table = loaded("import", str(SAMPLES / "闽清县老龄事业重点任务分工表.xlsx"))
    assert table == {"status": 0, "loaded": []}
    form = tmp_path / "闽清_2024年6月_县民政局_进展填报表.xlsx"  # named like a form, holding a division table
    form.write_bytes((SAMPLES / "闽清县老龄事业重点任务分工表.xlsx").read_bytes())
    assert loaded("import", str(form), "--group", "闽清县老龄事业", "--dry-run")["loaded"] == sorted(_FORMS_CODE)
