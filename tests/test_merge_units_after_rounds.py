"""Merging two units after the supervision cycle has started: the merged unit's returned forms,
claims and chase letters move to the kept unit (no foreign key left pointing at a removed unit),
undo puts everything back, and two forms of one round are never silently merged."""

from __future__ import annotations

from datetime import date

import pytest

from models import operations as ops
from models.closing import claim_done, record_chase
from models.db import Database
from models.errors import OperationError
from models.report_records import EntryIn, ReportIn
from models.rounds import open_round, record_reports
from tests.conftest import table_rows
from conftest import connect_ledger, on_server

# every test here that makes a ledger runs on a file and on a server (tests/conftest.py)
pytestmark = pytest.mark.both_engines


def _ledger(path):
    db = Database(path)
    gid = ops.create_group(db, "养老工作领导小组")
    t1 = ops.add_task(db, gid, "建设养老院", deadline="2023年6月底前", due=date(2023, 6, 30))
    t2 = ops.add_task(db, gid, "发放高龄津贴")
    ops.assign(db, t1, "县发展改革局", role="lead", person="张三")
    ops.assign(db, t2, "县发展和改革局", role="lead")
    return db, gid, t1, t2


def _unit(path, name):
    with connect_ledger(path) as conn:
        return conn.execute("SELECT id FROM unit WHERE name = ?", (name,)).fetchone()[0]


def test_merging_moves_forms_claims_and_chases_and_undo_restores_them(ledger_at, tmp_path):
    path = ledger_at
    db, gid, t1, t2 = _ledger(path)
    try:
        keep, gone = _unit(path, "县发展和改革局"), _unit(path, "县发展改革局")
        rnd = open_round(db, gid, "2023年6月", due=date(2023, 7, 5))
        record_reports(db, [ReportIn(round_id=rnd, unit_id=gone, source="发改.xlsx", received_on=date(2023, 7, 3),
                                     entries=[EntryIn(task_id=t1, status="推进中", text="已选址")])])
        claim_done(db, t1, date(2023, 6, 28), unit_id=gone)
        record_chase(db, gid, [(gone, [t1], None)], date(2023, 7, 6), date(2023, 7, 10))
        before = table_rows(path)

        ops.merge_units(db, keep, gone)

        with connect_ledger(path) as conn:
            if not on_server(path):  # a server refuses a dangling reference at once
                assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
            for table in ("unit_report", "task_closing", "chase_record"):
                assert conn.execute(f"SELECT DISTINCT unit_id FROM {table}").fetchall() == [(keep,)], table
            assert conn.execute("SELECT count(*) FROM unit WHERE id = ?", (gone,)).fetchone() == (0,)
            assert conn.execute("SELECT alias FROM unit_alias WHERE unit_id = ?", (keep,)).fetchall() == [("县发展改革局",)]
        ops.undo(db)
        after_undo = table_rows(path)
        assert {k: v for k, v in after_undo.items() if k not in ("history", "row_change", "sqlite_sequence")} == \
            {k: v for k, v in before.items() if k not in ("history", "row_change", "sqlite_sequence")}
    finally:
        db.close()


def test_two_forms_of_one_round_are_not_merged_silently(ledger_at, tmp_path):
    path = ledger_at
    db, gid, t1, t2 = _ledger(path)
    try:
        keep, gone = _unit(path, "县发展和改革局"), _unit(path, "县发展改革局")
        rnd = open_round(db, gid, "2023年6月", due=date(2023, 7, 5))
        record_reports(db, [
            ReportIn(round_id=rnd, unit_id=gone, source="a.xlsx", entries=[EntryIn(task_id=t1, text="已选址")]),
            ReportIn(round_id=rnd, unit_id=keep, source="b.xlsx", entries=[EntryIn(task_id=t2, text="已发放")]),
        ])
        before = table_rows(path)
        with pytest.raises(OperationError, match="在报送轮次「2023年6月」中都交回了填报表"):
            ops.merge_units(db, keep, gone)
        assert table_rows(path) == before
    finally:
        db.close()
