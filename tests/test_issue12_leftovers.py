"""Issue 12, the small defects left: merging two units that share a task and role keeps both
persons; add_task with position None goes at the end."""

from __future__ import annotations

import pytest

from sqlmodel import select

from models import operations as ops
from models.tables import Assignment, Task, Unit
from conftest import connect_ledger

# every test here that makes a ledger runs on a file and on a server (tests/conftest.py)
pytestmark = pytest.mark.both_engines


def _units(db, task_id) -> dict[tuple[str, str], str | None]:
    with db.session() as s:
        return {(a.role, u.name): a.person for a, u in s.exec(
            select(Assignment, Unit).join(Unit, Unit.id == Assignment.unit_id).where(Assignment.task_id == task_id))}


def _unit_id(db, name) -> int:
    with db.session() as s:
        return s.exec(select(Unit.id).where(Unit.name == name)).one()


def test_merging_units_on_one_task_keeps_both_persons(db):
    group = ops.create_group(db, "小组")
    both = ops.add_task(db, group, "建设养老服务中心")
    same = ops.add_task(db, group, "推进医养结合")
    only_gone = ops.add_task(db, group, "培训护理员")
    for task, keep_person, gone_person in ((both, "张三", "李四"), (same, "张三", "张三"), (only_gone, None, "王五")):
        ops.assign(db, task, "市发展和改革局", person=keep_person)
        ops.assign(db, task, "市发展改革局", person=gone_person)
    ops.merge_units(db, _unit_id(db, "市发展和改革局"), _unit_id(db, "市发展改革局"))
    assert _units(db, both) == {("lead", "市发展和改革局"): "张三、李四"}  # no name lost
    assert _units(db, same) == {("lead", "市发展和改革局"): "张三"}
    assert _units(db, only_gone) == {("lead", "市发展和改革局"): "王五"}
    assert ops.undo(db).startswith("合并单位")
    assert _units(db, both) == {("lead", "市发展和改革局"): "张三", ("lead", "市发展改革局"): "李四"}


def test_add_task_with_position_none_goes_at_the_end(db):
    group = ops.create_group(db, "小组")
    first = ops.add_task(db, group, "第一项")
    second = ops.add_task(db, group, "第二项", position=None)
    third = ops.add_task(db, group, "放在最前", position=0)
    with db.session() as s:
        positions = {t.id: t.position for t in s.exec(select(Task)).all()}
    assert positions == {first: 1, second: 2, third: 0}


def test_cli_undo_and_redo_an_import(tmp_path):
    """`taizhang undo` / `taizhang redo`: an import taken back and put back exactly (same tasks, ids)."""
    
    from conftest import SAMPLES, run_cli

    db = tmp_path / "t.db"

    def tasks():
        with connect_ledger(db) as c:
            return c.execute("SELECT id, content FROM task ORDER BY id").fetchall()

    assert run_cli("--db", str(db), "import", str(SAMPLES / "闽清县老龄事业重点任务分工表.xlsx")).returncode == 0
    imported = tasks()
    undo = run_cli("--db", str(db), "undo")
    assert undo.returncode == 0 and undo.stdout.startswith("已撤销：导入任务") and tasks() == []
    redo = run_cli("--db", str(db), "redo")
    assert redo.returncode == 0 and redo.stdout.startswith("已重做：导入任务") and tasks() == imported
    again = run_cli("--db", str(db), "redo")
    assert again.returncode == 0 and "没有可以重做的修改" in again.stdout
