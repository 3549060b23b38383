"""Issue 12 in the TUI: the import dialog defaults to the group whose tasks the file matches (else a
new group named from the table's title), its preview lists every change before → after and the
conflicts, and each conflict can be decided (space) before ctrl+s."""

from __future__ import annotations

import pytest
from pathlib import Path

import openpyxl
from conftest import SAMPLES
from sqlmodel import select

from importers import read_file
from importers.load import load
from models import operations as ops
from models.db import Database
from models.tables import Group, Target, Task
from tui import make_app
from tui.testing import choose_group, settle, text_of

# every test here that makes a ledger runs on a file and on a server (tests/conftest.py)
pytestmark = pytest.mark.both_engines

SIZE = (120, 36)
MINQING = "闽清县老龄工作领导小组"


def _revised(folder: Path) -> Path:
    wb = openpyxl.load_workbook(SAMPLES / "闽清县老龄事业重点任务分工表.xlsx")
    wb.active["F5"] = "92%"  # the first task's 2020 target, which the office also changed
    wb.active["H6"] = "张伟"  # the second task's lead person
    out = folder / "闽清县老龄事业重点任务分工表-修订.xlsx"  # (Pilot cannot type full-width brackets)
    wb.save(out)
    return out


async def _open_file(pilot, path: Path) -> None:
    await pilot.press("i")
    await settle(pilot)
    await pilot.press("shift+tab", "ctrl+u", *str(path), "enter")
    await settle(pilot, rounds=5)


def _first_task(db_path: Path, group: str) -> Task:
    with Database(db_path) as db, db.session() as s:
        gid = s.exec(select(Group.id).where(Group.name == group)).one()
        return s.exec(select(Task).where(Task.group_id == gid).order_by(Task.position)).first()


def _target_2020(db_path: Path, task_id: int) -> str:
    with Database(db_path) as db, db.session() as s:
        return s.exec(select(Target.target).where(Target.task_id == task_id, Target.year == 2020)).one()


async def _preview_of_revision(demo: Path | str, tmp_path: Path):
    path = demo
    task = _first_task(path, MINQING)
    with Database(path) as db:
        ops.set_target(db, task.id, 2020, "91%")
    revised = _revised(tmp_path)
    return path, task, revised


async def test_a_revised_table_defaults_to_its_group_and_a_conflict_can_take_the_files_value(demo, tmp_path):
    path, task, revised = await _preview_of_revision(demo, tmp_path)
    app = make_app(path, state_path=tmp_path / "state.json")
    async with app.run_test(size=SIZE) as pilot:
        await choose_group(pilot, "四平")  # another group is the current one
        await _open_file(pilot, revised)
        screen = app.screen
        assert screen.query_one("#im-group").value == next(g.id for g in app.groups if g.name == MINQING)
        assert "与「闽清县老龄工作领导小组」的相同" in text_of(screen.query_one("#im-hint"))
        report = text_of(screen.query_one("#im-report"))
        assert "将要修改的内容（1 处）" in report and "牵头单位「县人社局」：黄敬铿 → 张伟" in report
        assert "冲突（1）" in report
        conflicts = screen.query_one("#im-conflicts")
        assert conflicts.display and conflicts.option_count == 1 and conflicts.has_focus
        prompt = str(conflicts.get_option_at_index(0).prompt)
        assert "2020年目标：台账「91%」 文件「92%」 → 保留台账" in prompt
        await pilot.press("space")  # take the file's value
        await settle(pilot)
        assert "→ 采用文件" in str(conflicts.get_option_at_index(0).prompt)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert type(app.screen).__name__ == "OverviewScreen"
    assert _target_2020(path, task.id) == "92%"


async def test_a_conflict_left_unmarked_keeps_the_ledgers_value(demo, tmp_path):
    path, task, revised = await _preview_of_revision(demo, tmp_path)
    app = make_app(path, state_path=tmp_path / "state.json")
    async with app.run_test(size=SIZE) as pilot:
        await choose_group(pilot, "闽清")
        await _open_file(pilot, revised)
        await pilot.press("space", "space")  # marked, then unmarked again
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert _target_2020(path, task.id) == "91%"
    assert _first_task(path, MINQING).content.startswith("基本养老保险")


async def test_a_new_table_defaults_to_a_new_group_named_from_its_title(ledger_at, tmp_path):
    path = ledger_at
    with Database(path) as db:
        load(db, read_file(SAMPLES / "四平市老龄工作重点任务.csv"), "四平")
    app = make_app(path, state_path=tmp_path / "state.json")
    async with app.run_test(size=SIZE) as pilot:
        await choose_group(pilot, "四平")
        await _open_file(pilot, SAMPLES / "启东市省健康县区建设任务分工表.xlsx")
        screen = app.screen
        assert screen.query_one("#im-group").value == "__new__"  # not the current group
        assert screen.query_one("#im-new-name").value == "启东市省健康县（区）建设领导小组"
        assert "这是一份新的表格" in text_of(screen.query_one("#im-hint"))
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert sorted(g.name for g in app.groups) == sorted(["四平", "启东市省健康县（区）建设领导小组"])


async def test_the_preview_says_a_roster_unit_that_reads_as_a_section_becomes_a_new_unit(ledger_at, tmp_path):
    path = ledger_at
    with Database(path) as db:
        load(db, read_file(SAMPLES / "四平市老龄工作重点任务.csv"), "四平")
    app = make_app(path, state_path=tmp_path / "state.json")
    async with app.run_test(size=SIZE) as pilot:
        await choose_group(pilot, "四平")
        await _open_file(pilot, SAMPLES / "临海市老有康养专项工作组成员名单.txt")
        screen = app.screen
        assert screen.query_one("#im-group").value == "__new__"
        assert screen.query_one("#im-new-name").value == "临海市老有康养专项工作组"
        report = " ".join(text_of(screen.query_one("#im-report"), width=400).split())
        assert ("「王璟」的单位「市经济和信息化局产业与资源科」像是「市经济和信息化局」的内设科室，将作为新单位添加"
                in report)


async def test_a_deleted_task_changed_in_the_file_is_a_conflict_the_preview_decides_and_redo_after_undo(demo, tmp_path):
    """Issue 12: a task the office deleted is listed as a conflict when the revised file changed
    it (kept deleted unless chosen); the import is undone (ctrl+z) and redone (ctrl+y) exactly."""
    path = demo
    with Database(path) as db, db.session() as s:
        gid = s.exec(select(Group.id).where(Group.name == MINQING)).one()
        task = s.exec(select(Task).where(Task.group_id == gid, Task.content == "城乡居民基本医疗保险参保人数达到26万人")).one()
    with Database(path) as db:
        ops.delete_task(db, task.id)
    wb = openpyxl.load_workbook(SAMPLES / "闽清县老龄事业重点任务分工表.xlsx")
    wb.active["F8"] = "26.5万"
    revised = tmp_path / "闽清-修订.xlsx"
    wb.save(revised)
    app = make_app(path, state_path=tmp_path / "state.json")
    async with app.run_test(size=SIZE) as pilot:
        await choose_group(pilot, "闽清")
        await _open_file(pilot, revised)
        screen = app.screen
        report = text_of(screen.query_one("#im-report"), width=400)
        assert "冲突（1" in report and "新增 0" in report
        conflicts = screen.query_one("#im-conflicts")
        prompt = str(conflicts.get_option_at_index(0).prompt)
        assert "（已在台账中删除）" in prompt and "2020年目标「26.5万」" in prompt and "→ 保留台账" in prompt
        await pilot.press("space")  # bring it back with the file's values
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        back = _tasks_named(path, "城乡居民基本医疗保险参保人数达到26万人")
        assert len(back) == 1 and back[0].id != task.id and _target_2020(path, back[0].id) == "26.5万"
        await pilot.press("ctrl+z")
        await settle(pilot)
        assert _tasks_named(path, "城乡居民基本医疗保险参保人数达到26万人") == []
        await pilot.press("ctrl+y")
        await settle(pilot)
        again = _tasks_named(path, "城乡居民基本医疗保险参保人数达到26万人")
        assert [t.id for t in again] == [back[0].id] and _target_2020(path, back[0].id) == "26.5万"


def _tasks_named(db_path: Path, content: str) -> list[Task]:
    with Database(db_path) as db, db.session() as s:
        return list(s.exec(select(Task).where(Task.content == content)).all())
