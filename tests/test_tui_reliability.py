"""Two at once, seen from the window: changes made by another process show without a key press
within two seconds, and an edit over a change made meanwhile is refused with a message, keeping
the other change."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlmodel import select

from models import operations as ops
from models.db import Database
from models.tables import Task
from tui import make_app
from tui.testing import choose_group, demo_copy, settle, task_list

SIZE = (120, 36)


def _app(tmp_path: Path):
    path = demo_copy(tmp_path)
    return path, make_app(path, state_path=tmp_path / "state.json")


def _counting_checks(app) -> asyncio.Event:
    """An event set each time the window looks for changes made elsewhere (its 1 s watcher)."""
    looked = asyncio.Event()
    watch = app._watch

    def counted() -> None:
        watch()
        looked.set()

    app._watch = counted  # before run_test: on_mount hands this to set_interval
    return looked


async def _within_checks(pilot, looked: asyncio.Event, condition, checks: int = 2) -> bool:
    """Let the app run, no key pressed, through at most ``checks`` looks of its watcher (each a
    second apart: two looks are the README's two seconds); whether ``condition()`` came true."""
    for _ in range(checks):
        looked.clear()
        await looked.wait()
        await settle(pilot)
        if condition():
            return True
    return False


def _messages(app) -> str:
    return "\n".join(str(n.message) for n in app._notifications)


async def test_a_task_added_by_another_process_shows_within_two_seconds(tmp_path):
    path, app = _app(tmp_path)
    looked = _counting_checks(app)
    assert app.WATCH_SECONDS <= 1
    async with app.run_test(size=SIZE) as pilot:
        await choose_group(pilot, "启东")
        await pilot.press("2")
        await settle(pilot)
        before = app.screen.total
        with Database(path) as other:
            group = other.session().exec(select(Task.group_id).where(Task.id == app.screen.current_task().id)).one()
            ops.add_task(other, group, "另一个窗口新增的任务")
        assert await _within_checks(pilot, looked, lambda: app.screen.total == before + 1)
        assert any(r.content == "另一个窗口新增的任务" for r in app.screen._rows) or app.screen.pages > 1


async def test_a_new_group_imported_elsewhere_appears_in_the_group_list(tmp_path):
    path, app = _app(tmp_path)
    looked = _counting_checks(app)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        count = len(app.groups)
        with Database(path) as other:
            ops.create_group(other, "新成立的领导小组")
        assert await _within_checks(pilot, looked, lambda: len(app.groups) == count + 1)
        assert any(g.name == "新成立的领导小组" for g in app.groups)


async def test_saving_an_edit_over_a_change_made_meanwhile_is_refused(tmp_path):
    path, app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        task = await task_list(pilot, "闽清")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("e")  # the form now holds what the user sees
        await settle(pilot)
        with Database(path) as other:
            ops.edit_task(other, task.id, deadline="2023年9月底前")  # another window, meanwhile
        for _ in range(4):  # 工作任务 → 类别 → 类别序号 → 任务序号 → 完成时限
            await pilot.press("tab")
        await pilot.press("ctrl+u", *"2023年12月底前")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "已被修改" in _messages(app) and "2023年9月底前" in _messages(app)
        assert "locked" not in _messages(app)
    with Database(path) as db, db.session() as s:
        assert s.get(Task, task.id).deadline == "2023年9月底前"


async def test_space_twice_quickly_ticks_and_unticks_without_a_conflict(tmp_path):
    """Two presses before the first is saved: the second is taken as an untick of the first (not
    refused as another window's change): two history entries, and the task as it was."""
    from models.tables import History

    path, app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        task = await task_list(pilot, "闽清")
        assert task.status != "已完成"
        with Database(path) as db, db.session() as s:
            last = s.exec(select(History.id).order_by(History.id.desc())).first()
        await pilot.press("space", "space")
        await settle(pilot)
        assert "已被" not in _messages(app) and "未保存" not in _messages(app)
        assert app.screen.current_task().status == task.status
    with Database(path) as db, db.session() as s:
        assert s.get(Task, task.id).status == task.status and s.get(Task, task.id).done_on is None
        entries = s.exec(select(History).where(History.id > last).order_by(History.id)).all()
        assert [(h.action, h.task_id, h.summary.split("：")[0]) for h in entries] == [
            ("tick", task.id, "标记完成"), ("tick", task.id, "取消完成")]


async def test_space_on_a_task_another_window_ticked_meanwhile_is_refused(tmp_path):
    """The list still shows the task open (not reloaded yet) when another window ticks it: space
    must not untick it behind the user's back (the guard ``seen_done``)."""
    path, app = _app(tmp_path)
    app.WATCH_SECONDS = 3600  # no reload from the watcher before the key: the list stays as it was
    async with app.run_test(size=SIZE) as pilot:
        task = await task_list(pilot, "闽清")
        assert task.status != "已完成"
        with Database(path) as other:
            ops.tick(other, task.id)
        await pilot.press("space")
        await settle(pilot)
        assert "这项任务已由另一个窗口或一次导入标为「已完成」" in _messages(app)
    with Database(path) as db, db.session() as s:
        assert s.get(Task, task.id).status == "已完成"
        from models.tables import History

        assert s.exec(select(History.action).order_by(History.id.desc())).first() == "tick"
        assert s.exec(select(History).where(History.undoes.is_not(None))).all() == []
        assert len(s.exec(select(History).where(History.action == "tick")).all()) == 1
