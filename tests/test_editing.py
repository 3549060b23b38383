"""The office's corrections (models.editing): each changes what it should, writes one history entry,
is undone to the exact prior state and redone to the exact state after it; cancelled tasks leave
the lists and counts; ids freed by an undo are never given again."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text
from sqlmodel import select

from conftest import connect_ledger, file_value
from models import operations as ops
from models.changes import OperationError
from models.tables import TRACKED_TABLES, History, Member, Progress, Task

# every test here that makes a ledger runs on a file and on a server (tests/conftest.py)
pytestmark = pytest.mark.both_engines


def state(db) -> dict[str, list[tuple]]:
    with db.engine.connect() as conn:
        return {name: sorted((tuple(map(file_value, r)) for r in conn.execute(text(f'SELECT * FROM "{name}"'))), key=repr)
                for name in TRACKED_TABLES}


def history(db) -> list[History]:
    with db.session() as s:
        return list(s.exec(select(History).order_by(History.id)).all())


@pytest.fixture
def ledger(db):
    g = ops.create_group(db, "闽清县老龄工作领导小组", doc_number="闽政办〔2018〕1号")
    m1 = ops.add_member(db, g, "黄敬铿", unit="县人社局", title="局长")
    m2 = ops.add_member(db, g, "陈淑玲", unit="县财政局", title="副局长")
    t1 = ops.add_task(db, g, "基本养老保险参保率达到90%", deadline="2020年底", due=date(2020, 12, 31))
    t2 = ops.add_task(db, g, "城乡居民基本养老保险参保人数达到14.2万人", deadline="2023年12月底前",
                      due=date(2023, 12, 31))
    t3 = ops.add_task(db, g, "新建老年大学一所")
    ops.assign(db, t1, "县人社局", person="黄敬铿")
    ops.set_target(db, t1, 2018, "85%")
    p1 = ops.record_progress(db, t1, "已完成参保登记", on=date(2023, 6, 1), unit="县人社局")
    return {"group": g, "members": (m1, m2), "tasks": (t1, t2, t3), "progress": p1}


EDITS = {
    "cancel_task": lambda db, L: ops.cancel_task(db, L["tasks"][0]),
    "delete_task": lambda db, L: ops.delete_task(db, L["tasks"][0]),
    "delete_member": lambda db, L: ops.delete_member(db, L["members"][0]),
    "edit_group": lambda db, L: ops.edit_group(db, L["group"], name="闽清县老龄委", doc_number="闽政〔2024〕3号",
                                               host_unit="县卫健局"),
    "delete_group": lambda db, L: ops.delete_group(db, ops.create_group(db, "建错的小组")),
    "edit_progress": lambda db, L: ops.edit_progress(db, L["progress"], text="参保登记全部完成", on=date(2023, 6, 2)),
    "delete_progress": lambda db, L: ops.delete_progress(db, L["progress"]),
    "tick_on": lambda db, L: ops.tick(db, L["tasks"][1], on=date(2023, 6, 20)),
    "set_done_on": lambda db, L: (ops.tick(db, L["tasks"][1]), ops.set_done_on(db, L["tasks"][1], date(2023, 6, 3))),
    "bulk_tick": lambda db, L: ops.bulk_tick(db, L["tasks"], on=date(2023, 6, 30)),
    "bulk_assign": lambda db, L: ops.bulk_assign(db, L["tasks"], "县财政局", role="co", person="陈淑玲"),
    "bulk_set_deadline": lambda db, L: ops.bulk_set_deadline(db, L["tasks"][1:], "2024年6月底前"),
    "bulk_cancel": lambda db, L: ops.bulk_cancel(db, L["tasks"][:2]),
}


@pytest.mark.parametrize("name", sorted(EDITS))
@pytest.mark.both_engines
def test_edit_is_one_entry_undone_and_redone_exactly(db, ledger, name):
    EDITS[name](db, ledger)  # for the two-step ones, the state before the last step is what undo restores
    after = state(db)
    entries = len(history(db))
    assert ops.undo(db)
    undone = state(db)
    assert undone != after
    assert ops.redo(db)
    assert state(db) == after
    assert ops.undo(db)
    assert state(db) == undone
    assert len(history(db)) == entries + 3  # undo, redo, undo: one entry each


def test_cancelled_task_leaves_lists_and_counts_and_shows_on_request(db, db_path, ledger):
    from tui import data

    t1, t2, t3 = ledger["tasks"]
    ops.cancel_task(db, t1)
    conn = connect_ledger(db_path)
    group = data.groups(conn)[0]
    ov = data.overview(conn, group, date(2023, 7, 1))
    assert ov.counts["总数"] == 2 and ov.counts["逾期"] == 0  # t1 was overdue (2020) and in progress
    rows, total = data.task_page(conn, group.id, data.TaskFilter(), date(2023, 7, 1), 0)
    assert [r.id for r in rows] == [t2, t3] and total == 2
    rows, total = data.task_page(conn, group.id, data.TaskFilter(status="已取消"), date(2023, 7, 1), 0)
    assert [r.id for r in rows] == [t1]
    assert data.task_state(rows[0].status, rows[0].due, date(2023, 7, 1), rows[0].cancelled_on) == "已取消"
    assert all(u.lead == 0 for u in data.units(conn, group.id, date(2023, 7, 1)))
    from exporters.ledger_data import read_tasks

    assert [t.id for t in read_tasks(conn, group.id)] == [t2, t3]
    conn.close()
    from exporters.json_dump import build_dump

    dumped = {t["id"]: t for t in build_dump(db)["groups"][0]["tasks"]}
    assert dumped[t1]["cancelled_on"] == "2023-07-01" and dumped[t2]["cancelled_on"] is None
    with pytest.raises(OperationError, match="已于 2023-07-01 取消"):
        ops.cancel_task(db, t1)
    ops.restore_task(db, t1)
    with db.session() as s:
        assert s.get(Task, t1).cancelled_on is None


@pytest.mark.both_engines
def test_delete_task_takes_its_rows_and_undo_brings_them_back(db, ledger):
    t1 = ledger["tasks"][0]
    before = state(db)
    ops.delete_task(db, t1)
    now = state(db)
    assert all(r[1] != t1 for r in now["assignment"]) and not now["progress"] and not now["target"]
    ops.undo(db)
    assert state(db) == before


@pytest.mark.parametrize("record", ["round", "extension", "claim"])
def test_a_task_with_the_office_s_records_is_not_deleted_and_the_message_says_why(db, ledger, record):
    """A task sent out in a reporting round, extended or claimed done has records the office keeps:
    deleting it is refused with a message that names them and points to cancelling; nothing changes."""
    from models import closing, rounds

    g, t1, t2 = ledger["group"], ledger["tasks"][0], ledger["tasks"][1]
    if record == "round":
        rounds.open_round(db, g, "2024年6月", due=date(2024, 7, 5))
    elif record == "extension":
        closing.grant_extension(db, t1, date(2025, 6, 30), "资金未到位")
    else:
        closing.claim_done(db, t1, date(2024, 6, 1))
    before, entries = state(db), len(history(db))
    with pytest.raises(OperationError) as refused:
        ops.delete_task(db, t1)
    said = str(refused.value)
    assert said.startswith("任务「基本养老保险参保率达到90%」已有") and "未删除" in said and "任务页按 c" in said and "任务列表按 Del" in said
    assert {"round": "报送轮次（2024年6月）", "extension": "延期记录", "claim": "办结审核"}[record] in said
    assert "FOREIGN KEY" not in said
    assert state(db) == before and len(history(db)) == entries
    if record != "round":  # a task without such records is still deleted (undo brings it back)
        ops.delete_task(db, t2)
        assert all(r[0] != t2 for r in state(db)["task"])


def test_ids_freed_by_undo_are_not_given_again(db, ledger):
    """The new task must not take the id of the one undone, or its history would show the other's."""
    g = ledger["group"]
    doomed = ops.add_task(db, g, "建错的任务")
    ops.record_progress(db, doomed, "写错了")
    ops.undo(db)
    ops.undo(db)
    fresh = ops.add_task(db, g, "新的任务")
    assert fresh > doomed
    from models.audit import Scope, entries

    conn = connect_ledger(db.target)
    shown = [e.summary for e in entries(conn, Scope(task_id=fresh))]
    conn.close()
    assert shown == ["新增任务：新的任务"]


def test_import_after_undo_does_not_reuse_ids(db, db_path, tmp_path):
    from importers import read_file
    from importers.load import load

    g = ops.create_group(db, "小组")
    t = ops.add_task(db, g, "会被撤销的任务")
    ops.undo(db)
    csv = tmp_path / "表.csv"
    csv.write_text("序号,工作任务,牵头单位,完成时限\n1,推进养老服务,县民政局,2023年底\n", encoding="utf-8")
    load(db, read_file(csv, kind="tasks"), "小组")
    conn = connect_ledger(db_path)
    ids = [r[0] for r in conn.execute("SELECT id FROM task")]
    conn.close()
    assert ids and min(ids) > t


@pytest.mark.both_engines
def test_delete_member_renumbers_and_clears_successor_link(db, ledger):
    m1, m2 = ledger["members"]
    new = ops.replace_member(db, m1, "孙建国")
    ops.delete_member(db, new)
    with db.session() as s:
        rows = s.exec(select(Member).order_by(Member.position)).all()
        assert [(m.name, m.position, m.successor_id) for m in rows] == [("黄敬铿", 1, None), ("陈淑玲", 2, None)]


@pytest.mark.both_engines
def test_delete_group_refuses_one_with_content(db, ledger):
    with pytest.raises(OperationError, match="任务 3 项、成员 2 项"):
        ops.delete_group(db, ledger["group"])


def test_edit_group_refuses_a_taken_name(db, ledger):
    ops.create_group(db, "另一个小组")
    with pytest.raises(OperationError, match="已存在"):
        ops.edit_group(db, ledger["group"], name="另一个小组")


def test_delete_last_progress_puts_task_back_to_not_started(db, ledger):
    ops.delete_progress(db, ledger["progress"])
    with db.session() as s:
        assert s.get(Task, ledger["tasks"][0]).status == "未启动"
        assert s.exec(select(Progress)).all() == []


def test_tick_with_a_completion_date_and_refusal_of_the_future(db, ledger):
    t2 = ledger["tasks"][1]
    with pytest.raises(OperationError, match="在今天之后"):
        ops.tick(db, t2, on=date(2023, 7, 2))
    ops.tick(db, t2, on=date(2023, 6, 20))
    with db.session() as s:
        task = s.get(Task, t2)
        assert (task.status, task.done_on) == ("已完成", date(2023, 6, 20))


@pytest.mark.both_engines
def test_bulk_tick_leaves_done_tasks_their_date(db, ledger):
    t1, t2, t3 = ledger["tasks"]
    ops.tick(db, t1, on=date(2023, 5, 1))
    assert ops.bulk_tick(db, [t1, t2, t3]) == 2
    with db.session() as s:
        assert [s.get(Task, t).done_on for t in (t1, t2, t3)] == [date(2023, 5, 1), date(2023, 7, 1), date(2023, 7, 1)]
    assert history(db)[-1].summary == "标记完成 2 项任务（2023-07-01）"


def test_bulk_set_deadline_reads_the_due_date(db, ledger):
    ops.bulk_set_deadline(db, ledger["tasks"], "2026年12月20日")
    with db.session() as s:
        assert {s.get(Task, t).due for t in ledger["tasks"]} == {date(2026, 12, 20)}


@pytest.mark.both_engines
def test_redo_is_refused_after_another_change(db, ledger):
    ops.tick(db, ledger["tasks"][1])
    ops.undo(db)
    ops.tick(db, ledger["tasks"][2])
    assert ops.redo(db) is None


@pytest.mark.both_engines
def test_redo_twice_after_two_undos_in_order(db, ledger):
    t2, t3 = ledger["tasks"][1:]
    ops.tick(db, t2)
    ops.tick(db, t3)
    full = state(db)
    ops.undo(db)
    ops.undo(db)
    assert ops.redo(db).startswith("标记完成：城乡居民")
    assert ops.redo(db).startswith("标记完成：新建老年大学")
    assert state(db) == full
    assert ops.redo(db) is None


def test_an_undone_import_is_redone_exactly(db, db_path):
    """Undoing an import keeps the rows it removes (by id range), so redo brings back the very same
    rows, ids and sources; that redo can be undone and redone again."""
    from conftest import SAMPLES
    from importers import read_file
    from importers.load import load

    empty = state(db)
    load(db, read_file(SAMPLES / "闽清县老龄事业重点任务分工表.xlsx"), "闽清")
    imported = state(db)
    assert len(imported["task"]) == 27 and len(imported["import_source"]) == 27 and imported["target"]
    assert ops.undo(db).startswith("导入任务")
    assert state(db) == empty
    assert ops.redo(db).startswith("导入任务")
    assert state(db) == imported
    ops.undo(db)
    assert state(db) == empty
    ops.redo(db)
    assert state(db) == imported
    ops.tick(db, imported["task"][0][0])  # later changes work on the redone rows
    assert ops.undo(db) and state(db) == imported


def test_an_import_undone_by_an_older_version_is_not_redone_half(db, db_path, tmp_path):
    """An undo made before the removed rows were kept (no copy of them in its entry): redo says
    why it cannot, and changes nothing."""
    from importers import read_file
    from importers.load import load

    csv = tmp_path / "表.csv"
    csv.write_text("序号,工作任务,牵头单位,完成时限\n1,推进养老服务,县民政局,2023年底\n", encoding="utf-8")
    load(db, read_file(csv, kind="tasks"), "小组")
    ops.undo(db)
    with db.engine.begin() as conn:  # as the older version left it
        undo_id = conn.execute(text("SELECT max(id) FROM history")).scalar_one()
        conn.execute(text("DELETE FROM row_change WHERE history_id = :h AND \"after\" IS NULL "
                          "AND table_name IN ('task', 'assignment', 'import_source')"), {"h": undo_id})
    before = state(db)
    with pytest.raises(OperationError, match="不能重做：这次撤销是旧版本做的.*重新导入"):
        ops.redo(db)
    assert state(db) == before


def test_a_big_import_undone_redone_and_undone_again(db, db_path, tmp_path):
    """An import of many tasks: undo, redo and undo again give back each state exactly (the redo
    notes its rows by id range like the import, so its undo is as quick as the import's)."""
    from data.builders import write_xlsx
    from importers import read_file
    from importers.load import load

    path = tmp_path / "大表.xlsx"
    write_xlsx(path, [["序号", "工作任务", "牵头单位", "配合单位", "完成时限"],
                      *([i, f"任务{i}", f"单位{i % 7}", f"单位{i % 5 + 7}", "2024年底"] for i in range(1, 301))])
    empty = state(db)
    load(db, read_file(path), "大组")
    imported = state(db)
    for _ in range(2):
        ops.undo(db)
        assert state(db) == empty
        ops.redo(db)
        assert state(db) == imported
    with db.engine.connect() as conn:
        redo_id = conn.execute(text("SELECT max(id) FROM history WHERE action = 'redo'")).scalar_one()
        ranges = conn.execute(text("SELECT table_name FROM row_change WHERE history_id = :h "
                                   "AND \"after\" LIKE '{\"id_range\"%'"), {"h": redo_id}).scalars().all()
    assert set(ranges) >= {"task", "assignment", "import_source"}
