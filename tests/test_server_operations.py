"""The operation families beyond tasks and members on each engine (issue 18): judging (extensions,
claims, 销号 and 退回, settings, chases), reporting rounds and their returned forms (rows written in
bulk with ids of their own), evidence rows and merging units that have forms. Each is undone and
redone; ids given in bulk are never given again by the engine itself afterwards."""

from __future__ import annotations

import json
from datetime import date

import pytest

from models import operations as ops
from models.closing import claim_done, confirm_closing, grant_extension, record_chase, return_closing, set_judging
from models.errors import OperationError
from models.report_records import EntryIn, ReportIn
from models.rounds import close_round, open_round, record_reports
from conftest import query_rows as rows
from models.store import connect

# every test here that makes a ledger runs on a file and on a server (tests/conftest.py)
pytestmark = pytest.mark.both_engines


def actions(target) -> list[str]:
    return [a for (a,) in rows(target, "SELECT action FROM history ORDER BY id")]


@pytest.fixture
def two_tasks(ledger_db):
    g = ops.create_group(ledger_db, "测试领导小组", host_unit="县民政局")
    t1 = ops.add_task(ledger_db, g, "完善养老服务体系", deadline="2023年6月底前", due=date(2023, 6, 30))
    t2 = ops.add_task(ledger_db, g, "新建老年大学一所", deadline="2023年12月底前", due=date(2023, 12, 31))
    ops.assign(ledger_db, t1, "县民政局", person="张三")
    ops.assign(ledger_db, t2, "县财政局")
    with ledger_db.session() as s:
        units = {name: ops.find_unit(s, name).id for name in ("县民政局", "县财政局")}
    return g, t1, t2, units


def test_judging_operations_undo_and_redo(ledger_db, ledger_at, two_tasks):
    g, t1, t2, units = two_tasks
    ext = grant_extension(ledger_db, t1, date(2023, 9, 30), "资金未到位", approved_on=date(2023, 6, 20))
    claim_done(ledger_db, t2, date(2023, 6, 25), unit_id=units["县财政局"])
    return_closing(ledger_db, t2, "缺少佐证材料")
    claim_done(ledger_db, t2, date(2023, 6, 28), unit_id=units["县财政局"])
    confirm_closing(ledger_db, t2, date(2023, 6, 27))
    assert set_judging(ledger_db, g, False, {"done": 50}) is True
    assert set_judging(ledger_db, g, False, {"done": 50}) is False  # nothing differs: nothing written
    record_chase(ledger_db, g, [(units["县民政局"], [t1], None)], date(2023, 7, 1), date(2023, 7, 10))
    assert rows(ledger_at, "SELECT task_id, original_due, new_due, reason FROM extension") == [
        (t1, "2023-06-30", "2023-09-30", "资金未到位")]
    assert rows(ledger_at, "SELECT state, done_on, reason FROM task_closing ORDER BY id") == [
        ("claimed", "2023-06-25", None), ("returned", "2023-06-25", "缺少佐证材料"),
        ("claimed", "2023-06-28", None), ("confirmed", "2023-06-27", None)]
    assert rows(ledger_at, "SELECT status, done_on FROM task WHERE id = :t", {"t": t2}) == [("已完成", "2023-06-27")]
    review, weights = rows(ledger_at, "SELECT review_closing, assessment_weights FROM work_group")[0]
    assert review == 0 and json.loads(weights)["done"] == 50
    assert rows(ledger_at, "SELECT unit_id, \"on\", task_ids, reply_by FROM chase_record") == [
        (units["县民政局"], "2023-07-01", json.dumps([t1]), "2023-07-10")]
    # back to before the extension, one step at a time, then all of it again
    for _ in range(6):
        assert ops.undo(ledger_db)
    assert rows(ledger_at, "SELECT count(*) FROM extension") == [(1,)]
    assert rows(ledger_at, "SELECT count(*) FROM task_closing") == [(0,)]
    assert rows(ledger_at, "SELECT review_closing FROM work_group") == [(1,)]
    for _ in range(6):
        assert ops.redo(ledger_db)
    assert rows(ledger_at, "SELECT status, done_on FROM task WHERE id = :t", {"t": t2}) == [("已完成", "2023-06-27")]
    assert rows(ledger_at, "SELECT review_closing FROM work_group") == [(0,)]
    assert rows(ledger_at, "SELECT count(*) FROM chase_record") == [(1,)]
    assert ext == rows(ledger_at, "SELECT id FROM extension")[0][0]
    assert actions(ledger_at)[-12:] == ["undo"] * 6 + ["redo"] * 6


def test_a_round_its_forms_undo_redo_and_ids_given_in_bulk_stay_given(ledger_db, ledger_at, two_tasks):
    g, t1, t2, units = two_tasks
    r = open_round(ledger_db, g, "2023年6月", due=date(2023, 7, 5))
    forms = [ReportIn(r, units["县民政局"], "民政.xlsx", date(2023, 7, 1),
                      [EntryIn(t1, text="已建成服务中心3个", status="推进中")]),
             ReportIn(r, units["县财政局"], "财政.xlsx", date(2023, 7, 2),
                      [EntryIn(t2, text="经费已下达", status="已完成", done_on=date(2023, 6, 30))])]
    done = record_reports(ledger_db, forms, what="两个单位")
    assert (done.new, done.progress, done.entries) == (["县民政局", "县财政局"], 2, 2)
    after_forms = rows(ledger_at, 'SELECT id, task_id, "on", unit_id, text FROM progress ORDER BY id')
    assert [r[1:] for r in after_forms] == [(t1, "2023-07-01", units["县民政局"], "已建成服务中心3个"),
                                            (t2, "2023-07-02", units["县财政局"], "经费已下达")]
    assert rows(ledger_at, "SELECT status, done_on FROM task ORDER BY id") == [
        ("推进中", None), ("已完成", "2023-06-30")]
    # the engine's own next id comes after the ids the forms took (on a server: the sequence moved)
    p = ops.record_progress(ledger_db, t1, "又建成一个", on=date(2023, 7, 3))
    assert p > max(r[0] for r in after_forms)
    assert ops.undo(ledger_db) and ops.undo(ledger_db)  # the progress, then the forms
    assert rows(ledger_at, "SELECT count(*) FROM progress") == [(0,)]
    assert rows(ledger_at, "SELECT count(*) FROM unit_report") == [(0,)]
    assert rows(ledger_at, "SELECT status, done_on FROM task ORDER BY id") == [("未启动", None), ("未启动", None)]
    assert ops.redo(ledger_db) == "导入填报表「2023年6月」：新报送 2 个单位，进展 2 条（两个单位）"
    assert rows(ledger_at, 'SELECT id, task_id, "on", unit_id, text FROM progress ORDER BY id') == after_forms
    # ids an undo freed are not given again, by the forms' writer or by the engine
    again = ops.record_progress(ledger_db, t2, "验收通过", on=date(2023, 7, 4))
    assert again > p
    close_round(ledger_db, r)
    assert rows(ledger_at, "SELECT status, closed_on FROM report_round") == [("closed", "2023-07-01")]
    # merging a unit with a form into another moves the form, and undo puts it back
    kept = ops.create_unit(ledger_db, "县财政事务中心")
    ops.merge_units(ledger_db, kept, units["县财政局"])
    assert rows(ledger_at, "SELECT unit_id FROM unit_report ORDER BY id") == [(units["县民政局"],), (kept,)]
    assert rows(ledger_at, "SELECT unit_id FROM progress ORDER BY id")[1] == (kept,)
    assert ops.undo(ledger_db).startswith("合并单位")
    assert rows(ledger_at, "SELECT unit_id FROM unit_report ORDER BY id") == [
        (units["县民政局"],), (units["县财政局"],)]


def test_evidence_rows_and_files_on_each_engine(ledger_db, ledger_at, two_tasks, tmp_path):
    from models.evidence import attach, delete_evidence, open_evidence, rename_evidence, task_evidence

    g, t1, t2, units = two_tasks
    photo = tmp_path / "现场照片.jpg"
    photo.write_bytes(b"\xff\xd8 a photo")
    assert attach(ledger_db, t1, [photo]).names == [photo.name]
    (evidence_id,) = rows(ledger_at, "SELECT id FROM evidence")[0]
    rename_evidence(ledger_db, evidence_id, "验收照片.jpg")
    assert rows(ledger_at, "SELECT name FROM evidence") == [("验收照片.jpg",)]
    delete_evidence(ledger_db, evidence_id)
    assert rows(ledger_at, "SELECT count(*) FROM evidence") == [(0,)]
    ops.undo(ledger_db), ops.undo(ledger_db)
    assert rows(ledger_at, "SELECT name FROM evidence") == [(photo.name,)]
    conn = connect(ledger_at)  # the content came back with the row: it was never removed
    try:
        (row,) = task_evidence(conn, ledger_at, t1)
    finally:
        conn.close()
    opened = []
    open_evidence(ledger_at, row, opener=opened.append)
    assert row.state == "ok" and opened[0].read_bytes() == photo.read_bytes()


def _story(db) -> tuple[int, int]:
    """A ledger's history with every kind of entry the history page tells: edits, a rename that
    refreshes search text only, an alias, forms written in bulk (an id range), undo and redo."""
    g = ops.create_group(db, "测试领导小组", host_unit="县民政局")
    t1 = ops.add_task(db, g, "完善养老服务体系", deadline="2023年底前", due=date(2023, 12, 31))
    t2 = ops.add_task(db, g, "新建老年大学一所")
    ops.assign(db, t1, "县民政局", person="张三")
    ops.assign(db, t2, "县财政局", role="co")
    ops.edit_task(db, t1, content="完善养老服务体系建设", notes="年内完成")
    ops.tick(db, t2)
    with db.session() as s:
        unit = ops.find_unit(s, "县财政局").id
    ops.rename_unit(db, unit, "县财政事务中心", keep_old_as_alias=True)
    r = open_round(db, g, "2023年6月")
    record_reports(db, [ReportIn(r, unit, "财政.xlsx", date(2023, 7, 2), [EntryIn(t1, role="co", text="经费已下达")])])
    ops.undo(db), ops.redo(db)
    ops.set_target(db, t1, 2023, "90%")
    from sqlmodel import select

    from models.changes import change
    from models.tables import Assignment, Task

    with change(db, "import") as tx:  # an entry too big to tell row by row: told by counts
        for i in range(65):
            tx.session.add(Task(group_id=g, position=10 + i, content=f"批量任务{i}", status="未启动", search_text=""))
        old = tx.session.exec(select(Assignment).where(Assignment.task_id == t1)).one()
        again = {c.key: getattr(old, c.key) for c in Assignment.__table__.columns if c.key != "id"}
        tx.session.delete(old)
        tx.session.flush()
        tx.session.add(Assignment(**again))  # taken off and put back as it was: no change told
        tx.describe("导入任务：「批量.xlsx」", group_id=g)
    return g, t1


def test_the_history_reads_the_same_from_a_file_and_a_server(pg_server, tmp_path):
    from models import audit
    from models.db import Database

    told = []
    for at in (tmp_path / "ledger.db", pg_server.new_ledger()):
        db = Database(at)
        try:
            g, t1 = _story(db)
        finally:
            db.close()
        conn = connect(at)
        try:
            told.append({scope: ([(e.action, e.label, e.what, e.changes, e.summary, e.group_id, e.task_id, e.undone)
                                  for e in audit.entries(conn, scope, limit=100)], audit.count(conn, scope))
                         for scope in (audit.Scope(), audit.Scope(group_id=g), audit.Scope(task_id=t1))})
        finally:
            conn.close()
    file, server = told
    assert server == file
    assert file[audit.Scope(task_id=t1)][1] >= 5 and any("经费已下达" in " ".join(e[3]) for e in file[audit.Scope()][0])
    assert file[audit.Scope()][0][0][3][0] == "新增任务 65 项"
