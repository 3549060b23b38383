"""The TUI defects a new user met (issue 12), each by the keys that showed it: member numbers after
换人, the history export of every group, a task's history after an undo freed its id, overdue days
with 天, roles cut with …, the overview's unit count, a notice over the help, Esc in the search box,
category headings under the cursor, the Select list's English, this group's units first, dates as
offices write them, 序号 rather than the internal id, the edit form at 80×24, the focused field in
the assign dialog, the backups folder in full."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import openpyxl
from rich.cells import cell_len
from sqlmodel import select

from models import operations as ops
from models.db import Database
from models.tables import Member, Task
from tui import make_app
from tui.testing import choose_group, demo_copy, settle, task_list, text_of

SIZE = (120, 36)


def _demo(tmp_path: Path, size_name: str = "state.json"):
    path = demo_copy(tmp_path)
    return path, make_app(path, state_path=tmp_path / size_name)


def _cells(table, column: int) -> list[str]:
    return [str(table.get_row_at(i)[column]) for i in range(table.row_count)]


async def test_member_numbers_run_on_after_a_replacement(tmp_path):
    path, app = _demo(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await choose_group(pilot, "泉港")
        await pilot.press("3", "down", "down", "down", "r")
        await settle(pilot)
        await pilot.press(*"孙建国", "enter")
        await settle(pilot)
        numbers = _cells(app.screen.table, 0)
        assert numbers == [str(i) for i in range(1, 30)]  # 29 in office, none skipped
        assert "孙建国" in _cells(app.screen.table, 2)
        await pilot.press("h")  # the replaced one shown too: it takes no number
        await settle(pilot)
        numbers = [n for n in _cells(app.screen.table, 0) if n]
        assert numbers == [str(i) for i in range(1, 30)]


async def test_history_export_from_every_group_holds_every_group(tmp_path):
    path, app = _demo(tmp_path)
    out = tmp_path / "导出"
    out.mkdir()
    app.state.set("export_dir", str(out))
    async with app.run_test(size=SIZE) as pilot:
        await choose_group(pilot, "闽清")
        await pilot.press("j", "a")
        await settle(pilot)
        await pilot.press("x")
        await settle(pilot)
    (file,) = out.glob("*.xlsx")
    assert file.name.startswith("全部领导小组_操作记录")
    text = "\n".join(str(c.value) for row in openpyxl.load_workbook(file).active.iter_rows() for c in row if c.value)
    for group in ("闽清县老龄工作领导小组", "四平市老龄工作委员会", "启东市省健康县（区）建设领导小组"):
        assert group in text


async def test_a_task_history_never_shows_an_undone_tasks_entries(tmp_path):
    """An undo that removes a new task must not free its id for the next task (of another group)."""
    path, app = _demo(tmp_path)
    with Database(path) as db, db.session() as s:
        groups = {g.name[:2]: g.id for g in s.exec(select(__import__("models.tables").tables.Group)).all()}
    with Database(path) as db:
        doomed = ops.add_task(db, groups["闽清"], "建错的任务")
        ops.record_progress(db, doomed, "写在建错的任务上")
        ops.undo(db)
        ops.undo(db)
        fresh = ops.add_task(db, groups["四平"], "四平的新任务")
    assert fresh != doomed
    async with app.run_test(size=SIZE) as pilot:
        await choose_group(pilot, "四平")
        app.push_screen(__import__("tui.screens.task", fromlist=["TaskScreen"]).TaskScreen(fresh))
        await settle(pilot)
        await pilot.press("j")
        await settle(pilot)
        rows = [" ".join(str(c) for c in app.screen.query_one("#hs-table").get_row_at(i))
                for i in range(app.screen.query_one("#hs-table").row_count)]
    assert len(rows) == 1 and "四平的新任务" in rows[0]
    assert not any("建错" in r for r in rows)


async def test_overdue_days_are_shown_whole_with_their_unit(tmp_path, monkeypatch):
    monkeypatch.setenv("TAIZHANG_TODAY", "2026-07-01")
    path, app = _demo(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await choose_group(pilot, "四平")
        table = app.screen.query_one("#ov-deadlines")
        whens = [w for w in _cells(table, 0) if w.startswith("逾期")]
        assert whens and all(w.endswith(" 天") and "…" not in w for w in whens)
        assert any(int(w.split()[1]) >= 1000 for w in whens)  # four digits and still 天


async def test_long_roles_are_whole_or_cut_with_an_ellipsis(tmp_path):
    path, app = _demo(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await choose_group(pilot, "泉港")
        await pilot.press("3")
        await settle(pilot)
        table = app.screen.table
        width = table.ordered_columns[1].width
        roles = [r for r in _cells(table, 1) if r]
        assert any(r.startswith("办公室常务") for r in roles)
        for role in roles:
            assert cell_len(role) <= width
            assert role in ("组长", "副组长", "成员", "联络员", "办公室主任", "办公室常务副主任", "常务副组长",
                            "办公室副主任") or role.endswith("…")


async def test_overview_counts_the_units_the_units_page_lists(tmp_path):
    path, app = _demo(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await choose_group(pilot, "泉港")  # a roster and duties, no task table
        overview = app.screen._overview
        await pilot.press("4")
        await settle(pilot)
        listed = len(app.screen.rows)
    assert overview.units == listed > 0


async def test_a_notice_while_the_help_is_open_keeps_every_character(tmp_path):
    path, app = _demo(tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await task_list(pilot, "闽清")
        await pilot.press("question_mark")
        await settle(pilot)
        app.notify("已取消完成（未启动）：基本养老保险参保率达到90%　Ctrl+Z 撤销")
        await pilot.pause(0.4)
        await settle(pilot)
        notice = app.screen.query_one("#help-notice")
        assert notice.display
        assert "已取消完成（未启动）：基本养老保险参保率达到90%　Ctrl+Z 撤销" in text_of(notice)
        beneath = app.screen_stack[-2]
        assert not beneath.query_one("#textual-toastrack").display  # no toast cut by the dialog's edge
        assert not app.screen.query_one("#textual-toastrack").display
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen.query_one("#textual-toastrack").display


async def test_first_esc_in_the_search_box_returns_to_the_list(tmp_path):
    path, app = _demo(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await task_list(pilot, "闽清")
        await pilot.press("slash", *"yl")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        screen = app.screen
        assert screen.search.value == "" and app.focused is screen.table
        await pilot.press("v")  # acts on the list (flat view), not typed into the box
        await settle(pilot)
        assert screen.search.value == "" and screen.grouped is False


async def test_the_cursor_never_rests_on_a_category_heading(tmp_path):
    path, app = _demo(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await task_list(pilot, "闽清")
        table = app.screen.table
        seen = []
        for _ in range(table.row_count + 2):
            seen.append(table.current_key)
            await pilot.press("down")
            await settle(pilot, 1)
        for _ in range(table.row_count):
            await pilot.press("up")
            await settle(pilot, 1)
            seen.append(table.current_key)
        await pilot.press("home")
        seen.append(table.current_key)
    assert seen and all(str(k).startswith("t:") for k in seen)


async def test_the_select_list_says_its_key_in_chinese(tmp_path):
    path, app = _demo(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await task_list(pilot, "闽清")
        await pilot.press("f")
        await settle(pilot)
        app.screen.query_one("#status").focus()
        await pilot.press("enter")  # the drop-down list opens
        await settle(pilot)
        from textual.widgets import Footer

        footer_keys = [b.binding.description for b in app.screen.active_bindings.values()]
        assert "收起列表" in footer_keys and "Dismiss menu" not in footer_keys
        assert app.screen.query_one(Footer)


async def test_the_merge_picker_lists_this_groups_units_first(tmp_path):
    path, app = _demo(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await choose_group(pilot, "四平")
        await pilot.press("4", "m")
        await settle(pilot)
        shown = app.screen.query_one("SearchList")._shown
    conn = sqlite3.connect(path)
    ours = {n for (n,) in conn.execute(
        "SELECT DISTINCT u.name FROM assignment a JOIN task t ON t.id = a.task_id JOIN unit u ON u.id = a.unit_id "
        "JOIN work_group g ON g.id = t.group_id WHERE g.name LIKE '四平%'")}
    conn.close()
    first = [c.unit for c in shown[: len(ours) - 1]]
    assert first and all(name in ours for name in first)


async def test_due_date_typed_as_offices_write_it(tmp_path):
    path, app = _demo(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        task = await task_list(pilot, "闽清")
        await pilot.press("enter")
        await settle(pilot)
        for typed, expected in (("2026年12月20日", date(2026, 12, 20)), ("2026/12/21", date(2026, 12, 21))):
            await pilot.press("e")
            await settle(pilot)
            app.screen.query_one("#f-due").focus()
            await pilot.press("ctrl+u", *typed, "ctrl+s")
            await settle(pilot)
            assert type(app.screen).__name__ == "TaskScreen", typed
            with Database(path) as db, db.session() as s:
                assert s.get(Task, task.id).due == expected


async def test_task_page_shows_the_printed_number_not_the_internal_id(tmp_path):
    path, app = _demo(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        task = await task_list(pilot, "闽清")
        await pilot.press("enter")
        await settle(pilot)
        said = text_of(app.screen.query_one("StatusLine #info"))
    assert "任务编号" not in said and f"序号 {task.number}" in said


async def test_edit_form_keeps_its_buttons_on_an_80x24_screen(tmp_path):
    path, app = _demo(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await task_list(pilot, "闽清")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        for button in app.screen.query("#buttons Button"):
            region = button.region
            assert region.height > 0 and region.bottom <= 23, button  # above the footer line
        app.screen.query_one("#f-notes").focus()  # the last field scrolls into view
        await settle(pilot)
        notes = app.screen.query_one("#f-notes")
        assert notes.region.height > 0


async def test_assign_dialog_shows_which_field_is_being_typed_into(tmp_path):
    path, app = _demo(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await task_list(pilot, "闽清")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        search = app.screen.query_one("SearchList").input
        person = app.screen.query_one("#person")
        assert app.focused is search
        focused_bg = search.styles.background
        assert focused_bg != person.styles.background
        person.focus()
        await settle(pilot)
        assert person.styles.background == focused_bg and search.styles.background != focused_bg


async def test_backups_dialog_names_the_full_folder(tmp_path, monkeypatch):
    path = demo_copy(tmp_path)
    monkeypatch.chdir(tmp_path)
    app = make_app(Path(path.name), state_path=tmp_path / "state.json")  # a relative path, as typed
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("b")
        await settle(pilot)
        intro = text_of(app.screen.query_one("#intro"), width=400)
    assert str((tmp_path / "backups").resolve()) in intro.replace("\n", "")
