"""The fixed keys of PRODUCT §7, pressed for real through Textual's Pilot on the demo data:
1 2 3 4, /, space, enter, ctrl+z, ? and f1, ctrl+q — and ctrl+p (the command palette)."""

from __future__ import annotations

from datetime import date

from textual.command import CommandPalette

from models.db import Database
from models.tables import Task
from tui import make_app
from tui.testing import choose_group, demo_copy, palette_offers, settle, task_list, text_of

SIZE = (120, 36)


def _app(tmp_path):
    return make_app(demo_copy(tmp_path), state_path=tmp_path / "state.json")


def _status(db_path, task_id: int) -> tuple[str, object]:
    with Database(db_path) as db, db.session() as s:
        task = s.get(Task, task_id)
        return task.status, task.done_on


async def test_1_2_3_4_switch_areas_and_keys_do_not_leak_out_of_inputs(tmp_path):
    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert type(app.screen).__name__ == "OverviewScreen"
        for key, screen in (("2", "TasksScreen"), ("3", "MembersScreen"), ("4", "UnitsScreen"),
                            ("1", "OverviewScreen"), ("2", "TasksScreen")):
            await pilot.press(key)
            await settle(pilot)
            assert type(app.screen).__name__ == screen, key
        await pilot.press("slash", "3", "4")  # typed into the search box, not area switches
        await settle(pilot)
        assert type(app.screen).__name__ == "TasksScreen"
        assert app.screen.query_one("#tk-search").value == "34"


async def test_slash_filters_live_by_pinyin_and_enter_or_down_returns_to_the_first_match(tmp_path):
    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await choose_group(pilot, "闽清")
        await pilot.press("2")
        await settle(pilot)
        screen = app.screen
        table = screen.query_one("#tk-table")
        assert screen.total == 27
        await pilot.press("slash")
        assert app.focused is screen.query_one("#tk-search")
        await pilot.press(*"gljt")  # 高龄津贴
        await settle(pilot)
        assert screen.total == 1 and "高龄津贴" in screen._rows[0].content
        await pilot.press("enter")
        await settle(pilot)
        assert app.focused is table
        assert table.current_key == f"t:{screen._rows[0].id}"
        # again with ↓, on a search by unit name initials: 县人社局 → xrsj
        await pilot.press("slash", "ctrl+u", *"xrsj")
        await settle(pilot)
        assert screen.total == 7 and all("县人社局" in str(r.lead + r.co) for r in screen._rows)
        await pilot.press("down")
        assert app.focused is table
        assert table.current_key == f"t:{screen._rows[0].id}"
        # a person's name finds the tasks that person is responsible for
        await pilot.press("slash", "ctrl+u", *"朱志军")
        await settle(pilot)
        assert screen.total == 16 and all("朱志军" in str(r.lead + r.co) for r in screen._rows)
        await pilot.press("escape")  # clears the search
        await settle(pilot)
        assert screen.total == 27


async def test_space_ticks_done_today_and_back_and_ctrl_z_undoes(tmp_path):
    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await choose_group(pilot, "启东")
        await pilot.press("2")
        await settle(pilot)
        screen = app.screen
        task = screen.current_task()
        assert task is not None and task.status == "未启动"
        await pilot.press("space")
        await settle(pilot)
        assert _status(app.db_path, task.id) == ("已完成", date(2023, 7, 1))
        assert str(screen.query_one("#tk-table").get_cell(f"t:{task.id}", "state")) == "已完成"
        await pilot.press("space")
        await settle(pilot)
        assert _status(app.db_path, task.id) == ("未启动", None)
        await pilot.press("space")
        await settle(pilot)
        assert _status(app.db_path, task.id)[0] == "已完成"
        await pilot.press("ctrl+z")
        await settle(pilot)
        assert _status(app.db_path, task.id) == ("未启动", None)
        assert str(screen.query_one("#tk-table").get_cell(f"t:{task.id}", "state")) == "未启动"


async def test_enter_opens_the_highlighted_task_and_escape_returns(tmp_path):
    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        task = await task_list(pilot, "闽清")
        await pilot.press("enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "TaskScreen" and app.screen.task_id == task.id
        assert app.screen.detail.targets[0].year == 2018  # targets per year are shown
        await pilot.press("escape")
        await settle(pilot)
        assert type(app.screen).__name__ == "TasksScreen"
        # enter on an overdue task in 总览 opens it too
        await choose_group(pilot, "四平")
        await pilot.press("1")
        await settle(pilot)
        table = app.screen.query_one("#ov-deadlines")
        assert table.current_key.startswith("t:")
        await pilot.press("enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "TaskScreen"
        assert "逾期" in text_of(app.screen.query_one("#td-fields"))


async def test_question_mark_and_f1_show_the_keys_of_the_area(tmp_path):
    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        assert type(app.screen).__name__ == "HelpScreen"
        keys = text_of(app.screen.query_one("#help-keys"))
        assert "完成/取消" in keys and "搜索" in keys and "撤销" in keys
        await pilot.press("escape")
        await pilot.press("3")
        await settle(pilot)
        await pilot.press("f1")
        await settle(pilot)
        assert type(app.screen).__name__ == "HelpScreen"
        assert "换人" in text_of(app.screen.query_one("#help-keys"))
        await pilot.press("f1")
        await settle(pilot)
        assert type(app.screen).__name__ == "MembersScreen"


async def test_ctrl_p_lists_actions_found_by_pinyin_initials(tmp_path):
    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"dcbb")  # 导出报表
        await palette_offers(pilot, "导出")
        await pilot.press("enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "ExportDialog"


async def test_ctrl_q_quits(tmp_path):
    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("2", "slash")  # even from inside the search box
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert app.return_code == 0
