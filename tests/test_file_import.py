"""The command line's import (importers.FileImport: the workbook parsed in a helper thread while the
ledger opens; importers.bulk: new tasks written in batches, on a server by a second thread): the same ledger and report as
reading the file and loading it, one transaction (a failure half-way through leaves nothing), and
helpers that hand their errors back to the caller."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from conftest import SAMPLES, connect_ledger

from benchmarks.data import make_division_workbook
from importers import FileImport, read_file
from importers.bulk import BulkInserter, QueuedWriter
from importers.load import load
from importers.readers import OpeningSource
from importers.records import ImportRefused
from importers.table import TableReader
from models import store
from taizhang.cli import main

# every test here that makes a ledger runs on a file and on a server (tests/conftest.py)
pytestmark = pytest.mark.both_engines

TABLES = sorted(p for p in SAMPLES.iterdir() if p.suffix in (".xlsx", ".csv"))


def _ledger(path: Path) -> dict[str, list[tuple]]:
    """Everything an import writes, without the times it was written at."""
    conn = connect_ledger(path)
    try:
        return {
            "groups": conn.execute("SELECT id, name, note FROM work_group ORDER BY id").fetchall(),
            "units": conn.execute("SELECT id, name FROM unit ORDER BY id").fetchall(),
            "tasks": conn.execute("SELECT * FROM task ORDER BY id").fetchall(),
            "assignments": conn.execute("SELECT * FROM assignment ORDER BY id").fetchall(),
            "targets": conn.execute("SELECT * FROM target ORDER BY id").fetchall(),
            "changes": conn.execute("SELECT table_name, row_id, before, after FROM row_change ORDER BY id").fetchall(),
            "history": conn.execute("SELECT action, summary, group_id FROM history ORDER BY id").fetchall(),
        }
    finally:
        conn.close()


def _facts(report) -> tuple:
    return (report.source, report.group, report.group_is_new, report.added, report.updated, report.unchanged,
            report.missing, report.categories, report.units, report.new_units, report.persons,
            [(w.message, w.origin) for w in report.warnings])


@pytest.fixture(scope="module")
def big_table(tmp_path_factory) -> Path:
    """1,200 tasks: more than two of the loader's batches, merged categories, multi-line unit cells."""
    return make_division_workbook(tmp_path_factory.mktemp("big") / "分工表.xlsx", 1200)


@pytest.mark.parametrize("name", [p.name for p in TABLES] + ["big"])
def test_file_import_writes_what_reading_then_loading_writes(name, tmp_path, big_table):
    path = big_table if name == "big" else SAMPLES / name
    ours, whole = tmp_path / "ours.db", tmp_path / "whole.db"
    for ledger in (ours, whole):  # a ledger with a group and units already in it
        load(ledger, read_file(SAMPLES / "四平市老龄工作重点任务.csv"), "四平")
    report = FileImport(path).run(ours, "新小组")
    expected = load(whole, read_file(path), "新小组")
    assert _facts(report) == _facts(expected)
    assert report.added > 0 and report.group_is_new
    assert _ledger(ours) == _ledger(whole)


def test_file_import_into_a_group_with_tasks_revises_them(ledger_at, tmp_path, big_table):
    db = ledger_at
    FileImport(big_table).run(db, "小组")
    again = FileImport(big_table).run(db, "小组")
    assert (again.added, again.updated, again.unchanged) == (0, 0, 1200)
    assert len(_ledger(db)["history"]) == 1  # nothing changed: no second entry


def test_a_failure_half_way_through_the_table_leaves_the_ledger_as_it_was(ledger_at, tmp_path, big_table, monkeypatch, capsys):
    db = ledger_at
    assert main(["--db", str(db), "import", str(SAMPLES / "四平市老龄工作重点任务.csv")]) == 0
    before = _ledger(db)
    original = TableReader._new_task
    seen = {"n": 0}

    def failing(self, r):
        seen["n"] += 1
        if seen["n"] == 1100:
            raise RuntimeError("模拟读取中途出错")
        return original(self, r)

    monkeypatch.setattr(TableReader, "_new_task", failing)
    capsys.readouterr()
    assert main(["--db", str(db), "import", str(big_table), "--group", "新小组"]) == 1
    err = capsys.readouterr().err
    assert "读取失败" in err and "模拟读取中途出错" in err and "数据库未作任何改动" in err
    assert _ledger(db) == before
    assert not list((tmp_path / "backups").glob("*import*"))  # the backup is made just before a commit


def test_a_dry_run_writes_nothing(ledger_at, tmp_path, big_table, capsys):
    db = ledger_at
    store.connect(db).close()  # a ledger, made as it is
    before = _ledger(db)
    assert main(["--db", str(db), "import", str(big_table), "--dry-run"]) == 0
    assert "新增 1200" in capsys.readouterr().out
    assert _ledger(db) == before


def test_a_roster_spreadsheet_still_falls_back_from_tasks(ledger_at, tmp_path, capsys):
    from data.builders import write_xlsx

    path = write_xlsx(tmp_path / "名单.xlsx", [["序号", "姓名", "单位", "职务", "组内职务"],
                                              [1, "张三", "县民政局", "局长", "组长"],
                                              [2, "李四", "县财政局", "副局长", "成员"]])
    db = ledger_at
    assert main(["--db", str(db), "import", str(path)]) == 0
    assert "成员" in capsys.readouterr().out
    names = [r[0] for r in connect_ledger(db).execute("SELECT name FROM member ORDER BY position")]
    assert names == ["张三", "李四"]


def _table(path: Path) -> sqlite3.Connection:
    conn = connect_ledger(path, isolation_level=None)
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)")
    return conn


def test_bulk_inserter_writes_batches_in_order_across_statement_limits(tmp_path):
    conn = _table(tmp_path / "b.db")
    conn.execute("BEGIN")
    with BulkInserter(conn) as bulk:
        bulk._variables = 7  # three rows of two values per statement
        for start in range(0, 100, 10):
            bulk.insert("t", ("id", "name"), [v for i in range(start, start + 10) for v in (i, f"第{i}行")])
    conn.execute("COMMIT")
    assert conn.execute("SELECT id, name FROM t ORDER BY id").fetchall() == [(i, f"第{i}行") for i in range(100)]


def test_bulk_inserter_uses_a_few_statement_sizes_whatever_the_batches(tmp_path):
    """Batches of every size from 1 to 300 rows: all rows written in order, with statements of
    ROWS_PER_STATEMENT rows or a power of two below it only (sqlite3 keeps each distinct statement
    prepared: one per batch size held ~40 MB on a 10,000-task import)."""
    from importers.bulk import ROWS_PER_STATEMENT

    conn = _table(tmp_path / "b.db")
    conn.execute("BEGIN")
    next_id = 0
    with BulkInserter(conn) as bulk:
        for size in range(1, 301):
            bulk.insert("t", ("id", "name"), [v for i in range(next_id, next_id + size) for v in (i, f"第{i}行")])
            next_id += size
    conn.execute("COMMIT")
    assert conn.execute("SELECT id, name FROM t ORDER BY rowid").fetchall() == [(i, f"第{i}行") for i in range(next_id)]
    sizes = {rows for _, rows in bulk._statements}
    assert sizes <= {ROWS_PER_STATEMENT} | {1 << k for k in range(ROWS_PER_STATEMENT.bit_length())}
    assert ROWS_PER_STATEMENT in sizes and 1 in sizes


def test_bulk_inserter_raises_a_failing_batch_at_once(tmp_path):
    conn = _table(tmp_path / "b.db")
    conn.execute("BEGIN")
    with pytest.raises(sqlite3.IntegrityError), BulkInserter(conn) as bulk:
        bulk.insert("t", ("id", "name"), [1, "甲", 2, "甲"])  # UNIQUE name
        bulk.insert("t", ("id", "name"), [3, "乙"])
    assert conn.execute("SELECT COUNT(*) FROM t WHERE id = 3").fetchone() == (0,)
    conn.execute("ROLLBACK")


class _ListWriter(QueuedWriter):
    """A QueuedWriter (the server's COPY is one) writing into a list, failing on a row "坏"."""

    def __init__(self):
        super().__init__("test-writer")
        self.written: list[tuple[str, list]] = []

    def _write(self, table, columns, values):
        if "坏" in values:
            raise ValueError("坏行")
        self.written.append((table, values))


def test_queued_writer_writes_in_order_and_hands_its_error_to_the_caller():
    with _ListWriter() as writer:
        for n in range(50):
            writer.insert("t", ("n",), [n])
    assert writer.written == [("t", [n]) for n in range(50)]
    with pytest.raises(ValueError, match="坏行"), _ListWriter() as failing:
        failing.insert("t", ("n",), [1])
        failing.insert("t", ("n",), ["坏"])
        failing.insert("t", ("n",), [3])
    assert failing.written == [("t", [1])]  # the batch after the failing one is not written


def test_queued_writer_stops_when_the_caller_fails():
    with pytest.raises(RuntimeError, match="调用方出错"), _ListWriter() as writer:
        writer.insert("t", ("n",), [1])
        raise RuntimeError("调用方出错")
    assert not writer._thread.is_alive()  # nothing left writing: the connection is the caller's again


def test_opening_a_file_that_is_not_a_workbook_is_refused_when_taken(tmp_path):
    path = tmp_path / "假的.xlsx"
    path.write_text("这不是表格", encoding="utf-8")
    opening = OpeningSource(path)
    with pytest.raises(ImportRefused, match="假的.xlsx"):
        opening.take()
    opening.discard()  # nothing left to close


def test_an_opened_workbook_nobody_takes_is_closed(tmp_path, big_table):
    opening = OpeningSource(big_table)
    opening.discard()
    with pytest.raises(RuntimeError):
        opening.take()
