"""Another user's change moves the task under the cursor: the task list follows it (to the page it is
on now) instead of leaving the cursor at the same row number, on a different task; when the task left
the list (cancelled elsewhere) the cursor goes to the task next to where it was, and the window says so."""

from __future__ import annotations

import pytest

from models import editing
from models import operations as ops
from models.db import Database
from tui import make_app
from tui.testing import settle, task_list

pytestmark = pytest.mark.both_engines

SIZE = (120, 36)
LINHAI = "临海"  # 94 tasks: several pages


def _notices(app) -> str:
    return "\n".join(str(n.message) for n in app._notifications)


async def test_a_task_moved_to_another_page_by_someone_else_keeps_the_cursor(demo, tmp_path):
    app = make_app(demo, state_path=tmp_path / "state.json")
    async with app.run_test(size=SIZE) as pilot:
        await task_list(pilot, LINHAI)
        screen = app.screen
        assert screen.pages > 2 and screen.page == 0
        await pilot.press("down", "down", "down")
        chosen = screen.current_task()
        with Database(demo) as db:  # another user moves it to the end of the table
            ops.edit_task(db, chosen.id, position=10_000)
        app.reload_groups()  # what the window does when it hears of someone else's change
        await settle(pilot)
        assert screen.page == screen.pages - 1  # the last page, where the task is now
        assert screen.current_task().id == chosen.id
        assert f"第 {screen.pages}/{screen.pages} 页" in str(screen.query_one("StatusLine #info").content)
        assert "已不在列表中" not in _notices(app)
        await pilot.press("space")  # the key acts on the task the user chose
        await settle(pilot)
    with Database(demo) as db, db.session() as s:
        from models.tables import Task

        assert s.get(Task, chosen.id).status == "已完成"


async def test_a_task_that_left_the_list_is_said_and_the_cursor_stays_at_its_row(demo, tmp_path):
    app = make_app(demo, state_path=tmp_path / "state.json")
    async with app.run_test(size=SIZE) as pilot:
        await task_list(pilot, LINHAI)
        screen = app.screen
        await pilot.press("pagedown")
        await settle(pilot)
        await pilot.press("down", "down")
        page = screen.page
        chosen = screen.current_task()
        after = screen._rows[screen._rows.index(chosen) + 1]
        with Database(demo) as db:  # another user cancels it
            editing.cancel_task(db, chosen.id)
        app.reload_groups()
        await settle(pilot)
        assert screen.page == page
        assert screen.current_task().id == after.id  # the task that was next to it (past a category heading)
        assert f"光标所在的任务「{chosen.content[:10]}" in _notices(app) and "已不在列表中" in _notices(app)


async def _cancel_the_second_task(pilot):
    """In 临海's task list, the second task cancelled with Del and the confirmation's y: (screen, task)."""
    await task_list(pilot, LINHAI)
    screen = pilot.app.screen
    await pilot.press("down")
    chosen = screen.current_task()
    await pilot.press("delete")
    await settle(pilot)
    await pilot.press("y")  # the confirmation
    await settle(pilot)
    return screen, chosen


async def test_the_window_s_own_cancel_moves_on_without_a_notice_of_leaving(demo, tmp_path):
    app = make_app(demo, state_path=tmp_path / "state.json")
    async with app.run_test(size=SIZE) as pilot:
        screen, chosen = await _cancel_the_second_task(pilot)
        assert all(r.id != chosen.id for r in screen._rows)
        assert "已不在列表中" not in _notices(app)


async def test_another_group_chosen_starts_afresh_without_a_notice(demo, tmp_path):
    """Following the task is for the same list read again: switching the group shows the new group's
    first page and says nothing of the task that was under the cursor in the other one."""
    from tui.testing import choose_group

    app = make_app(demo, state_path=tmp_path / "state.json")
    async with app.run_test(size=SIZE) as pilot:
        await task_list(pilot, LINHAI)
        screen = app.screen
        await pilot.press("pagedown", "down")
        await settle(pilot)
        assert screen.page == 1
        await choose_group(pilot, "闽清")
        assert screen.page == 0 and screen.total == 27
        assert "已不在列表中" not in _notices(app)


async def test_a_list_read_after_the_window_s_own_cancel_is_saved_but_before_it_is_counted_says_nothing(demo, tmp_path):
    """The list read again when the confirmation closes may see the cancel already saved while the
    window has not yet counted it as its own (the UI thread busy): still no notice of leaving."""
    app = make_app(demo, state_path=tmp_path / "state.json")
    held: list[tuple] = []
    written = app._written
    app._written = lambda *args: held.append(args)  # the saved change reaches the UI thread late
    async with app.run_test(size=SIZE) as pilot:
        screen, chosen = await _cancel_the_second_task(pilot)
        for _ in range(50):  # the write is saved in its worker
            if held:
                break
            await pilot.pause(0.05)
        assert held
        screen.reload()  # a read that sees the cancel saved (the dialog's close, another window's change)
        await settle(pilot)
        assert all(r.id != chosen.id for r in screen._rows)
        written(*held[0])
        await settle(pilot)
        assert "已取消 1 项任务" in _notices(app)
        assert "已不在列表中" not in _notices(app)
