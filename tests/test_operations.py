"""Every operation changes what it should, writes one history entry, and undo restores the exact
prior state (compared row by row over every table)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text
from sqlmodel import select

from models import operations as ops
from models.changes import OperationError
from models.tables import TRACKED_TABLES, Assignment, History, Member, Progress, Target, Task, Unit, UnitAlias


def state(db) -> dict[str, list[tuple]]:
    """Every row of every ledger table (history aside), for exact comparisons."""
    with db.engine.connect() as conn:
        return {name: sorted(conn.execute(text(f'SELECT * FROM "{name}"')).all(), key=repr) for name in TRACKED_TABLES}


def history_count(db) -> int:
    with db.session() as s:
        return len(s.exec(select(History)).all())


@pytest.fixture
def ledger(db):
    """A small group: two units, three members, two tasks with lead/co units and persons."""
    g = ops.create_group(db, "闽清县老龄工作领导小组", doc_number="闽政办〔2018〕1号")
    m1 = ops.add_member(db, g, "黄敬铿", role="成员", unit="县人社局", title="局长")
    m2 = ops.add_member(db, g, "陈淑玲", role="成员", unit="县财政局", title="副局长")
    m3 = ops.add_member(db, g, "朱志军", role="成员", unit="县民政局", title="局长")
    t1 = ops.add_task(db, g, "基本养老保险参保率达到90%", category="健全完善社会保障体系", category_number="一",
                      number="（一）", deadline="2020年底", due=date(2020, 12, 31))
    t2 = ops.add_task(db, g, "城乡居民基本养老保险参保人数达到14.2万人", category="健全完善社会保障体系",
                      number="（二）", deadline="2023年12月底前", due=date(2023, 12, 31))
    ops.assign(db, t1, "县人社局", person="黄敬铿")
    ops.assign(db, t1, "县财政局", role="co", person="陈淑玲")
    ops.assign(db, t2, "县人社局", person="黄敬铿")
    ops.set_target(db, t1, 2018, "85%")
    return {"group": g, "members": (m1, m2, m3), "tasks": (t1, t2)}


def _unit_id(db, name: str) -> int:
    with db.session() as s:
        return ops.find_unit(s, name).id


OPERATIONS = {
    "create_group": lambda db, L: ops.create_group(db, "另一个领导小组"),
    "create_unit": lambda db, L: ops.create_unit(db, "县残联"),
    "add_alias": lambda db, L: ops.add_alias(db, _unit_id(db, "县人社局"), "县人力资源和社会保障局"),
    "add_member": lambda db, L: ops.add_member(db, L["group"], "吴冰贞", role="联络员", unit="县老龄办", position=1),
    "edit_member": lambda db, L: ops.edit_member(db, L["members"][0], title="党组书记", unit="县财政局"),
    "move_member": lambda db, L: ops.move_member(db, L["members"][2], 1),
    "replace_member": lambda db, L: ops.replace_member(db, L["members"][0], "李四"),
    "add_task": lambda db, L: ops.add_task(db, L["group"], "新任务"),
    "edit_task": lambda db, L: ops.edit_task(db, L["tasks"][0], content="基本养老保险参保率达到95%", deadline="长期坚持", due=None),
    "assign": lambda db, L: ops.assign(db, L["tasks"][1], "县民政局", role="co", person="朱志军"),
    "unassign": lambda db, L: ops.unassign(db, _assignment(db, L["tasks"][0], "co")),
    "set_person": lambda db, L: ops.set_person(db, _assignment(db, L["tasks"][0], "lead"), "刘  琛"),
    "tick": lambda db, L: ops.tick(db, L["tasks"][0]),
    "set_status": lambda db, L: ops.set_status(db, L["tasks"][1], "推进中"),
    "record_progress": lambda db, L: ops.record_progress(db, L["tasks"][0], "已完成参保摸底", unit="县人社局"),
    "record_actual": lambda db, L: ops.record_actual(db, L["tasks"][0], 2018, "86%"),
    "set_target": lambda db, L: ops.set_target(db, L["tasks"][0], 2019, "88%"),
    "set_duty": lambda db, L: ops.set_duty(db, L["group"], "县民政局", "负责养老服务体系建设。"),
    "rename_unit": lambda db, L: ops.rename_unit(db, _unit_id(db, "县人社局"), "县人力资源和社会保障局"),
    "merge_units": lambda db, L: ops.merge_units(db, _unit_id(db, "县人社局"), _unit_id(db, "县财政局")),
}


def _assignment(db, task_id: int, role: str) -> int:
    with db.session() as s:
        return s.exec(select(Assignment.id).where(Assignment.task_id == task_id, Assignment.role == role)).first()


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_operation_writes_one_history_entry_and_undo_restores(db, ledger, name):
    before = state(db)
    entries = history_count(db)
    OPERATIONS[name](db, ledger)
    after = state(db)
    assert after != before, f"{name} changed nothing"
    assert history_count(db) == entries + 1
    with db.session() as s:
        last = s.exec(select(History).order_by(History.id.desc())).first()
    assert last.summary and last.action == name
    undone = ops.undo(db)
    assert undone == last.summary
    assert state(db) == before
    with db.session() as s:
        assert s.get(History, last.id).undone_by is not None


def test_undo_goes_back_step_by_step_and_stops_when_nothing_is_left(db):
    empty = state(db)
    g = ops.create_group(db, "小组")
    one = state(db)
    ops.add_task(db, g, "任务甲")
    assert ops.undo(db) == "新增任务：任务甲"
    assert state(db) == one
    assert ops.undo(db) == "新建领导小组：小组"
    assert state(db) == empty
    assert ops.undo(db) is None


def test_tick_uses_today_and_untick_returns_to_progress_state(db, ledger):
    t1, _ = ledger["tasks"]
    assert ops.tick(db, t1) == "已完成"
    with db.session() as s:
        task = s.get(Task, t1)
        assert task.done_on == date(2023, 7, 1)  # TAIZHANG_TODAY from conftest
    assert ops.tick(db, t1) == "未启动"
    ops.record_progress(db, t1, "推进中的进展")
    ops.tick(db, t1)
    assert ops.tick(db, t1) == "推进中"
    with db.session() as s:
        assert s.get(Task, t1).done_on is None


def test_progress_starts_a_task_and_is_dated_today(db, ledger):
    t1, _ = ledger["tasks"]
    ops.record_progress(db, t1, "召开推进会")
    with db.session() as s:
        assert s.get(Task, t1).status == "推进中"
        entry = s.exec(select(Progress)).one()
        assert (entry.on, entry.text) == (date(2023, 7, 1), "召开推进会")


def test_replace_member_moves_open_tasks_and_keeps_done_ones(db, ledger):
    t1, t2 = ledger["tasks"]
    ops.tick(db, t1)  # done: keeps 黄敬铿
    assert [t.id for t in ops.member_open_tasks(db, ledger["members"][0])] == [t2]
    new_id = ops.replace_member(db, ledger["members"][0], "王  明", title="局长")
    with db.session() as s:
        old = s.get(Member, ledger["members"][0])
        new = s.get(Member, new_id)
        assert (old.active, old.successor_id, old.left_on) == (False, new_id, date(2023, 7, 1))
        assert (new.name, new.role, new.unit_id, new.active) == ("王明", "成员", old.unit_id, True)
        roster = s.exec(select(Member).order_by(Member.position)).all()
        assert [m.name for m in roster] == ["黄敬铿", "王明", "陈淑玲", "朱志军"]
        persons = dict(s.exec(select(Assignment.task_id, Assignment.person).where(Assignment.role == "lead")).all())
        assert persons == {t1: "黄敬铿", t2: "王明"}
        assert "wm" in s.get(Task, t2).search_text
    with pytest.raises(OperationError, match="已被替换"):
        ops.replace_member(db, ledger["members"][0], "赵六")


def test_merge_units_keeps_every_assignment_and_makes_an_alias(db, ledger):
    t1, t2 = ledger["tasks"]
    ops.assign(db, t2, "县卫计局", role="co", person="余养健")
    ops.assign(db, t1, "县卫健局", role="co")
    keep, gone = _unit_id(db, "县卫健局"), _unit_id(db, "县卫计局")
    ops.merge_units(db, keep, gone)
    with db.session() as s:
        assert s.get(Unit, gone) is None
        assert s.exec(select(UnitAlias.alias).where(UnitAlias.unit_id == keep)).all() == ["县卫计局"]
        co = s.exec(select(Assignment.task_id, Assignment.person).where(Assignment.unit_id == keep)).all()
        assert sorted(co) == sorted([(t1, None), (t2, "余养健")])
        assert ops.find_unit(s, "县卫计局").id == keep


def test_merge_of_two_units_on_one_task_keeps_one_row_and_the_person(db, ledger):
    t1, _ = ledger["tasks"]
    ops.assign(db, t1, "县财政局局", role="co", person=None)
    ops.merge_units(db, _unit_id(db, "县财政局局"), _unit_id(db, "县财政局"))
    with db.session() as s:
        rows = s.exec(select(Assignment).where(Assignment.task_id == t1, Assignment.role == "co")).all()
        assert [(a.person) for a in rows] == ["陈淑玲"]


def test_rename_unit_keeps_the_old_name_as_alias(db, ledger):
    uid = _unit_id(db, "县人社局")
    ops.rename_unit(db, uid, "县人力资源和社会保障局")
    with db.session() as s:
        assert s.get(Unit, uid).name == "县人力资源和社会保障局"
        assert ops.find_unit(s, "县人社局").id == uid
        assert "县人力资源和社会保障局" in s.get(Task, ledger["tasks"][0]).search_text


def test_record_actual_against_a_target(db, ledger):
    t1, _ = ledger["tasks"]
    ops.record_actual(db, t1, 2018, "86%")
    with db.session() as s:
        row = s.exec(select(Target).where(Target.task_id == t1, Target.year == 2018)).one()
        assert (row.target, row.actual) == ("85%", "86%")


def test_a_refused_operation_writes_nothing(db, ledger):
    before, entries = state(db), history_count(db)
    with pytest.raises(OperationError, match="已是这项任务的牵头单位"):
        ops.assign(db, ledger["tasks"][0], "县人社局")
    with pytest.raises(OperationError, match="未知的完成状态"):
        ops.set_status(db, ledger["tasks"][0], "差不多")
    with pytest.raises(OperationError, match="不能为空"):
        ops.add_task(db, ledger["group"], "   ")
    assert state(db) == before and history_count(db) == entries


def test_undo_refuses_when_a_row_was_changed_behind_its_back(db, ledger):
    ops.tick(db, ledger["tasks"][0])
    with db.engine.begin() as conn:  # another program changed the row since
        conn.execute(text("UPDATE task SET notes = '别处的修改' WHERE id = :id"), {"id": ledger["tasks"][0]})
    with pytest.raises(OperationError, match="不能撤销"):
        ops.undo(db)
