"""The office's corrections from the keyboard (issue 12): redo, marks and one change on several
tasks, completion dates, cancel and delete a task, progress entries, members, groups, duplicate
units — each by the keys a user presses, checked in the database and on the screen afterwards."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlmodel import select

from models import operations as ops
from models.db import Database
from models.tables import Assignment, Group, History, Member, Progress, Task, Unit, UnitAlias
from tui import make_app
from tui.testing import choose_group, demo_copy, settle, task_list

SIZE = (120, 36)


def _demo(tmp_path: Path):
    path = demo_copy(tmp_path)
    return path, make_app(path, state_path=tmp_path / "state.json")


def _task(path: Path, task_id: int) -> Task:
    with Database(path) as db, db.session() as s:
        return s.get(Task, task_id)


def _status_text(app) -> str:
    return str(app.screen.query_one("StatusLine #info").content)


async def test_ctrl_y_redoes_what_ctrl_z_undid_and_is_in_the_palette(tmp_path):
    path, app = _demo(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        task = await task_list(pilot, "闽清")
        await pilot.press("space")
        await settle(pilot)
        await pilot.press("ctrl+z")
        await settle(pilot)
        assert _task(path, task.id).status == "未启动"
        await pilot.press("ctrl+y")
        await settle(pilot)
        assert _task(path, task.id).status == "已完成"
        assert app.screen.current_task().status == "已完成"  # the list shows it again
        await pilot.press("ctrl+y")  # nothing left to redo: said, nothing changes
        await settle(pilot)
        assert _task(path, task.id).status == "已完成"
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"重做")
        await settle(pilot)
        from textual.command import CommandList

        shown = app.screen.query_one(CommandList)
        assert any("重做" in str(shown.get_option_at_index(i).prompt) for i in range(shown.option_count))


async def test_marked_tasks_are_ticked_in_one_change_undone_at_once(tmp_path):
    path, app = _demo(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        first = await task_list(pilot, "闽清")
        await pilot.press("m")  # marks and moves down
        second = app.screen.current_task()
        await pilot.press("m")
        await settle(pilot)
        assert set(app.screen.marked) == {first.id, second.id}
        assert "已标记 2 项" in _status_text(app)
        await pilot.press("space")
        await settle(pilot)
        assert [_task(path, t).status for t in (first.id, second.id)] == ["已完成", "已完成"]
        assert not app.screen.marked
        await pilot.press("ctrl+z")
        await settle(pilot)
        assert [_task(path, t).status for t in (first.id, second.id)] == ["未启动", "未启动"]


async def test_marked_tasks_get_one_unit_and_one_deadline(tmp_path):
    path, app = _demo(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        first = await task_list(pilot, "闽清")
        await pilot.press("m")
        second = app.screen.current_task()
        await pilot.press("m", "a")
        await settle(pilot)
        await pilot.press(*"县残联")
        await settle(pilot)
        await pilot.press("enter")  # the unit (found or new)
        await settle(pilot)
        await pilot.press(*"张三", "ctrl+s")
        await settle(pilot)
        with Database(path) as db, db.session() as s:
            unit = ops.find_unit(s, "县残联")
            got = s.exec(select(Assignment).where(Assignment.unit_id == unit.id,
                                                  Assignment.task_id.in_([first.id, second.id]))).all()
            assert sorted((a.task_id, a.person) for a in got) == sorted([(first.id, "张三"), (second.id, "张三")])
        await pilot.press("home")
        await settle(pilot)
        await pilot.press("m", "m", "d")
        await settle(pilot)
        await pilot.press(*"2026年12月20日", "ctrl+s")
        await settle(pilot)
    for t in (first.id, second.id):
        task = _task(path, t)
        assert (task.deadline, task.due) == ("2026年12月20日", date(2026, 12, 20))


async def test_del_cancels_a_task_it_leaves_the_list_and_counts_and_shows_as_cancelled(tmp_path):
    path, app = _demo(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        task = await task_list(pilot, "闽清")
        total = app.screen.total
        await pilot.press("delete")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert _task(path, task.id).cancelled_on == date(2023, 7, 1)
        assert app.screen.total == total - 1
        assert task.id not in [r.id for r in app.screen.shown_rows()]
        await pilot.press("1")
        await settle(pilot)
        assert app.screen._overview.counts["总数"] == total - 1
        await pilot.press("2", "f")
        await settle(pilot)
        from textual.widgets import Select

        app.screen.query_one("#status", Select).value = "已取消"
        await pilot.press("ctrl+s")
        await settle(pilot)
        rows = app.screen.shown_rows()
        assert [r.id for r in rows] == [task.id]
        assert "已取消" in str(app.screen.table.get_row_at(app.screen.table.cursor_row)[-1])
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("c")  # on the task page: restore
        await settle(pilot)
        assert _task(path, task.id).cancelled_on is None


async def test_task_page_w_sets_the_completion_date_and_d_deletes_the_task(tmp_path):
    path, app = _demo(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        task = await task_list(pilot, "闽清")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("w")
        await settle(pilot)
        await pilot.press("ctrl+u", *"2023/06/20", "ctrl+s")
        await settle(pilot)
        assert (_task(path, task.id).status, _task(path, task.id).done_on) == ("已完成", date(2023, 6, 20))
        await pilot.press("w")  # done already: correct the date
        await settle(pilot)
        await pilot.press("ctrl+u", *"2023-06-18", "ctrl+s")
        await settle(pilot)
        assert _task(path, task.id).done_on == date(2023, 6, 18)
        await pilot.press("D")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert _task(path, task.id) is None
        assert type(app.screen).__name__ == "TasksScreen"  # back to the list
        await pilot.press("ctrl+z")
        await settle(pilot)
        assert _task(path, task.id).done_on == date(2023, 6, 18)


async def test_progress_entry_edited_and_deleted_on_the_task_page(tmp_path):
    path, app = _demo(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        task = await task_list(pilot, "闽清")
        with Database(path) as db:
            entry = ops.record_progress(db, task.id, "已完成调研", on=date(2023, 6, 1))
        await pilot.press("enter")
        await settle(pilot)
        progress = app.screen.query_one("#td-progress-list")
        progress.focus()
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("end", *"又形成初稿", "tab", "ctrl+u", *"2023年6月2日", "ctrl+s")
        await settle(pilot)
        with Database(path) as db, db.session() as s:
            got = s.get(Progress, entry)
            assert (got.text, got.on) == ("已完成调研又形成初稿", date(2023, 6, 2))
        assert "已完成调研又形成初稿" in str(progress.get_row_at(0)[2])
        progress.focus()
        await pilot.press("delete")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        with Database(path) as db, db.session() as s:
            assert s.get(Progress, entry) is None
            assert s.get(Task, task.id).status == "未启动"


async def test_del_deletes_a_member_and_the_numbers_close_up(tmp_path):
    path, app = _demo(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await choose_group(pilot, "泉港")
        await pilot.press("3")
        await settle(pilot)
        first = app.screen.current()
        assert first is not None
        await pilot.press("delete")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        table = app.screen.table
        numbers = [str(table.get_row_at(i)[0]) for i in range(table.row_count)]
        assert len(numbers) == 28 and numbers == [str(i) for i in range(1, 29)]
    with Database(path) as db, db.session() as s:
        assert s.get(Member, first.id) is None


async def test_group_edited_and_an_empty_one_deleted_from_the_group_list(tmp_path):
    path, app = _demo(tmp_path)
    with Database(path) as db:
        empty = ops.create_group(db, "建错的领导小组")
    async with app.run_test(size=SIZE) as pilot:
        await choose_group(pilot, "闽清")
        await pilot.press("g")
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        await pilot.press("tab", *"闽政办2018年99号", "tab", *"县卫健局", "ctrl+s")
        await settle(pilot)
        await pilot.press("g")
        await settle(pilot)
        await pilot.press("end", "up", "delete")  # the last group (below it: ＋ 新建)
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
    with Database(path) as db, db.session() as s:
        group = s.exec(select(Group).where(Group.name.like("闽清%"))).one()
        assert group.doc_number.endswith("闽政办2018年99号")
        assert s.get(Unit, group.host_unit_id).name.endswith("县卫健局")
        assert s.get(Group, empty) is None


async def test_d_in_units_offers_similar_names_and_merges_only_when_confirmed(tmp_path):
    path, app = _demo(tmp_path)
    with Database(path) as db, db.session() as s:
        built = ops.find_unit(s, "市建设局").id
        housing = ops.find_unit(s, "市住房和城乡建设局").id
    async with app.run_test(size=SIZE) as pilot:
        await choose_group(pilot, "闽清")
        await pilot.press("4", "d")
        await settle(pilot)
        pairs = app.screen.pairs
        index = next(i for i, p in enumerate(pairs) if {p.first_id, p.second_id} == {built, housing})
        for _ in range(index):
            await pilot.press("down")
        await pilot.press("enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "MergeDialog"
        with Database(path) as db, db.session() as s:
            assert s.get(Unit, built) is not None and s.get(Unit, housing) is not None  # not merged yet
        await pilot.press("ctrl+s")
        await settle(pilot)
    with Database(path) as db, db.session() as s:
        kept = [u for u in (built, housing) if s.get(Unit, u) is not None]
        assert len(kept) == 1
        assert {a.alias for a in s.exec(select(UnitAlias).where(UnitAlias.unit_id == kept[0]))} & {
            "市建设局", "市住房和城乡建设局"}
        assert s.exec(select(History).order_by(History.id.desc())).first().action == "merge_units"
