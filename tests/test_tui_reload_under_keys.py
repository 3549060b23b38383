"""A reload of what the window shows — for another user's change, heard at any moment — never undoes
on the screen what the user's own keys just did, and the window tells its own changes (an operation,
an import from the window, each through a connection of its own) from other people's on a server,
so it does not reload under the user's keys for its own changes (issue 18's follow-ups)."""

from __future__ import annotations

import asyncio
import threading

import pytest
from conftest import SAMPLES

from models import operations as ops
from models.db import Database
from tui import data, make_app
from tui.testing import settle, task_list

pytestmark = pytest.mark.both_engines

SIZE = (120, 36)


def _notices(app) -> str:
    return "\n".join(str(n.message) for n in app._notifications)


async def _writes_done(app, pilot) -> None:
    """Wait for the window's writes (not for its other workers)."""
    for worker in list(app.workers):
        if worker.name == "_write":
            await worker.wait()
    await pilot.pause()


def _revised(folder):
    """The demo's 闽清 table with one target changed (an import that changes something)."""
    import openpyxl

    wb = openpyxl.load_workbook(SAMPLES / "闽清县老龄事业重点任务分工表.xlsx")
    wb.active["F5"] = "93%"
    out = folder / "minqing-revised.xlsx"
    wb.save(out)
    return out


def _status(target, task_id: int) -> str:
    from sqlmodel import select

    from models.tables import Task

    with Database(target) as db, db.session() as s:
        return s.exec(select(Task.status).where(Task.id == task_id)).one()


async def test_a_reload_read_just_before_a_tick_does_not_show_the_task_undone_again(pg_server, demo_file, tmp_path,
                                                                                     monkeypatch):
    """Someone else's change makes the list read again; the user ticks a task while that read is on
    its way (read before the tick was saved). The list must not show the task undone again when
    the read arrives, and a second space must untick it — not be refused as "changed elsewhere".
    On a server only: on a file the tick waits for the window's read connection (it notes the
    file's data_version after writing), so the read always arrives first."""
    demo = pg_server.new_ledger(like=demo_file)
    app = make_app(demo, state_path=tmp_path / "state.json")
    async with app.run_test(size=SIZE) as pilot:
        row = await task_list(pilot, "闽清")
        screen = app.screen
        assert row is not None and row.status != "已完成"
        read, go_on = threading.Event(), threading.Event()
        page = data.task_page

        def held(conn, *args, **kwargs):  # the reload's read: done, then held until the tick is saved
            rows = page(conn, *args, **kwargs)
            if not read.is_set():
                read.set()
                go_on.wait(60)
            return rows

        monkeypatch.setattr(data, "task_page", held)
        app.reload_groups()  # what the window does when it hears of someone else's change
        assert await asyncio.to_thread(read.wait, 60)
        monkeypatch.setattr(data, "task_page", page)
        await pilot.press("space")  # the user ticks meanwhile
        await _writes_done(app, pilot)
        assert "已完成：" in _notices(app) and screen.current_task().status == "已完成"
        go_on.set()  # the reload's read (from before the tick) arrives now
        await settle(pilot)
        shown = screen.current_task()
        assert shown.id == row.id and shown.status == "已完成"
        assert "已完成" in str(screen.table.get_row(f"t:{row.id}"))
        await pilot.press("space")  # untick what the screen shows done
        await settle(pilot)
        assert "未保存" not in _notices(app) and "已取消完成" in _notices(app)
        assert screen.current_task().status != "已完成"
    assert _status(demo, row.id) != "已完成"


async def test_keys_pressed_while_the_list_is_read_again_reach_it(demo, tmp_path, monkeypatch):
    """A reload (someone else's change) takes a while on a busy PC or a server: the list shows it is
    reading, but ↓ and Enter pressed meanwhile still move and open — not lost under a loading cover
    (CI once saw Enter lost so: the task page never opened and a then went to the list)."""
    app = make_app(demo, state_path=tmp_path / "state.json")
    async with app.run_test(size=SIZE) as pilot:
        await task_list(pilot, "闽清")
        screen = app.screen
        second = screen._rows[1]
        read, go_on = threading.Event(), threading.Event()
        page = data.task_page

        def held(conn, *args, **kwargs):  # the reload's read, held until the keys are pressed
            read.set()
            go_on.wait(60)
            return page(conn, *args, **kwargs)

        monkeypatch.setattr(data, "task_page", held)
        app.reload_groups()
        assert await asyncio.to_thread(read.wait, 60)

        async def shown_reading() -> None:
            while not (screen.table.loading or screen.table.has_class("-reading")):
                await pilot.pause()

        await asyncio.wait_for(shown_reading(), timeout=60)  # the list says it is being read again
        await pilot.press("down", "enter")
        monkeypatch.setattr(data, "task_page", page)
        go_on.set()
        await settle(pilot)
        assert type(app.screen).__name__ == "TaskScreen" and app.screen.task_id == second.id


async def test_a_reload_landing_between_keys_keeps_the_cursor_on_the_same_task(demo, tmp_path):
    """The user moves down the list; a reload for someone else's change lands between two keys: the
    cursor stays on the task it was on (by id), and the next space ticks that task."""
    app = make_app(demo, state_path=tmp_path / "state.json")
    async with app.run_test(size=SIZE) as pilot:
        await task_list(pilot, "闽清")
        screen = app.screen
        await pilot.press("down", "down")
        chosen = screen.current_task()
        other = screen._rows[0]
        with Database(demo) as db:  # another user's change above it: the list is read again
            ops.edit_task(db, other.id, content="别人改过的第一项任务")
        app.reload_groups()
        await settle(pilot)
        assert screen._rows[0].content == "别人改过的第一项任务"
        assert screen.current_task().id == chosen.id
        await pilot.press("space")
        await settle(pilot)
    assert _status(demo, chosen.id) == "已完成"


async def test_the_window_tells_its_own_import_from_another_users_change(pg_server, demo_file, tmp_path, monkeypatch):
    """On a server the window hears every change announced. Its own import (written through the
    import's own connection) is not news to it — it reloads by itself, and a reload heard late
    would land under the user's keys, or as the window closes; another user's change is."""
    from tui import server_window

    decided: asyncio.Queue = asyncio.Queue()
    loop = asyncio.get_running_loop()
    elsewhere = server_window.elsewhere

    def recorded(app, writers):
        answer = elsewhere(app, writers)
        loop.call_soon_threadsafe(decided.put_nowait, answer)
        return answer

    monkeypatch.setattr(server_window, "elsewhere", recorded)
    demo = pg_server.new_ledger(like=demo_file)  # a server only: a file has no announcements
    app = make_app(demo, state_path=tmp_path / "state.json")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("i")
        await settle(pilot)
        await pilot.press("shift+tab", "ctrl+u", *str(_revised(tmp_path)), "enter")
        await settle(pilot, rounds=5)
        await pilot.press("ctrl+s")  # the import, from the window
        await settle(pilot)
        assert "已导入" in "\n".join(str(n.title) for n in app._notifications)
        assert await asyncio.wait_for(decided.get(), timeout=60) is False  # heard: its own
        group = next(g for g in app.groups if "闽清" in g.name)
        app.write("add_task", group.id, "自己新增的任务")  # and its own change through the operations
        assert await asyncio.wait_for(decided.get(), timeout=60) is False
        with Database(demo) as db:  # another user's change
            ops.add_task(db, group.id, "另一位同事新增的任务")
        assert await asyncio.wait_for(decided.get(), timeout=60) is True
        await settle(pilot)


async def test_a_connection_lost_or_back_said_as_the_window_closes_starts_nothing(tmp_path):
    """The server's loss or return can be noticed as the window closes (by a read in a thread, or
    the listener): nothing is said, marked busy or read then — CI saw a reload started so fail with
    'Executor shutdown has been called'."""
    from tui import server_window

    path = tmp_path / "t.db"
    with Database(path) as db:
        ops.add_task(db, ops.create_group(db, "组"), "任务一")
    app = make_app(path, state_path=tmp_path / "state.json")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        said = len(app._notifications)
    workers = set(app.workers)
    await asyncio.to_thread(server_window._on_ui, app, server_window._lost, app, "断开")  # from a read's thread
    server_window._lost(app, "断开")
    app.server_lost = True
    server_window._back(app)
    with app._context():  # as a callback the closing window still runs (a write's, a read's) would
        screen.load(lambda conn: 1, lambda _: None)
    assert set(app.workers) <= workers and app.busy == "" and len(app._notifications) == said
