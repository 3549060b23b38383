"""README promises of the TUI not held by other tests, pressed for real: u (tasks of one unit), v
(grouped or flat), PgUp, s (status of a task), l (an alias), h (replaced members; every unit), the
import and export folders remembered for the next run, and no network connection from the window."""

from __future__ import annotations

import json
import shutil
import socket
from pathlib import Path

from sqlmodel import select

from models.db import Database
from models.tables import History, Member, Task, UnitAlias
from tests.conftest import SAMPLES
from tui import make_app
from tui.testing import choose_group, demo_copy, settle, task_list, text_of

SIZE = (120, 36)


def _demo(tmp_path: Path):
    path = demo_copy(tmp_path)
    return path, make_app(path, state_path=tmp_path / "state.json")


def _db(path: Path) -> Database:
    return Database(path)


async def test_u_lists_the_tasks_of_one_unit(tmp_path):
    path, app = _demo(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await task_list(pilot, "四平")
        screen = app.screen
        assert screen.total == 24
        await pilot.press("u")
        await settle(pilot)
        assert type(app.screen).__name__ == "PickerDialog"
        await pilot.press(*"swsjkw")  # 市卫生健康委, by its initials
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen and screen.flt.unit_name == "市卫生健康委"
        with _db(path) as db:
            with db.engine.connect() as conn:
                from sqlalchemy import text

                expected = conn.execute(text(
                    "SELECT COUNT(DISTINCT a.task_id) FROM assignment a JOIN unit u ON u.id = a.unit_id "
                    "JOIN task t ON t.id = a.task_id JOIN work_group g ON g.id = t.group_id "
                    "WHERE u.name = '市卫生健康委' AND g.name LIKE '四平%'")).scalar_one()
        assert 0 < screen.total == expected < 24
        assert all("市卫生健康委" in [u for u, _ in r.lead + r.co] for r in screen._rows)
        assert "单位：市卫生健康委" in str(screen.query_one("#tk-filters").content)


async def test_v_shows_the_tasks_flat_or_by_category(tmp_path):
    _, app = _demo(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await task_list(pilot, "闽清")
        screen = app.screen
        table = screen.query_one("#tk-table")
        keys = lambda: [str(k.value) for k in table.rows]  # noqa: E731
        grouped = keys()
        headings = [k for k in grouped if k.startswith("h:")]
        assert screen.grouped and headings  # category headings between the tasks
        await pilot.press("v")
        await settle(pilot)
        assert not screen.grouped
        flat = keys()
        assert [k for k in flat if k.startswith("h:")] == []
        assert flat == [k for k in grouped if k.startswith("t:")]  # the same tasks, in the same order
        assert "平铺" in str(screen.query_one("StatusLine #info").content)
        await pilot.press("v")
        await settle(pilot)
        assert keys() == grouped


async def test_pgup_turns_back_a_page(tmp_path):
    path = tmp_path / "大.db"
    with Database(path) as db:
        from models import operations as ops

        g = ops.create_group(db, "大组")
        for i in range(1, 121):
            ops.add_task(db, g, f"第{i}项重点任务", number=str(i))
    app = make_app(path, state_path=tmp_path / "state.json")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        screen = app.screen
        assert screen.pages > 2
        first = [r.id for r in screen._rows]
        await pilot.press("pagedown", "pagedown")
        await settle(pilot)
        assert screen.page == 2
        await pilot.press("pageup")
        await settle(pilot)
        assert screen.page == 1 and screen._rows[0].number == str(len(first) + 1)
        await pilot.press("pageup")
        await settle(pilot)
        assert screen.page == 0 and [r.id for r in screen._rows] == first
        await pilot.press("pageup")  # already on the first page: stays
        await settle(pilot)
        assert screen.page == 0


async def test_s_changes_the_status_of_the_open_task(tmp_path):
    path, app = _demo(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        task = await task_list(pilot, "闽清")
        assert task.status == "未启动"
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        assert type(app.screen).__name__ == "FormDialog"
        await pilot.press("enter", "down", "enter")  # 未启动 → 推进中
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert type(app.screen).__name__ == "TaskScreen"
        assert "推进中" in text_of(app.screen.query_one("#td-fields"))
    with _db(path) as db, db.session() as s:
        assert s.get(Task, task.id).status == "推进中" and s.get(Task, task.id).done_on is None
        last = s.exec(select(History).order_by(History.id.desc())).first()
        assert (last.action, last.task_id) == ("set_status", task.id)


async def test_l_adds_an_alias_and_h_shows_every_unit(tmp_path):
    path, app = _demo(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await choose_group(pilot, "泉港")
        await pilot.press("4")
        await settle(pilot)
        screen = app.screen
        await pilot.press("slash", *"qwszs", "enter")  # 区委史志室
        await settle(pilot)
        unit = screen.current()
        assert unit.name == "区委史志室"
        await pilot.press("l")
        await settle(pilot)
        await pilot.press(*"区史志办", "enter")
        await settle(pilot)
        assert "区史志办" in text_of(screen.query_one("#un-info"))
        await pilot.press("escape")  # leave the search
        await settle(pilot)
        own = len(screen.rows)
        await pilot.press("h")
        await settle(pilot)
        assert screen.everything and len(screen.rows) > own
        with _db(path) as db:
            with db.engine.connect() as conn:
                from sqlalchemy import text

                assert len(screen.rows) == conn.execute(text("SELECT COUNT(*) FROM unit")).scalar_one()
        await pilot.press("h")
        await settle(pilot)
        assert len(screen.rows) == own
    with _db(path) as db, db.session() as s:
        alias = s.exec(select(UnitAlias).where(UnitAlias.alias == "区史志办")).one()
        assert alias.unit_id == unit.id


async def test_h_shows_the_replaced_members(tmp_path):
    path, app = _demo(tmp_path)
    with _db(path) as db, db.session() as s:
        from models import operations as ops
        from models.tables import Group

        group = s.exec(select(Group).where(Group.name.like("泉港%"))).one()
        first = s.exec(select(Member).where(Member.group_id == group.id).order_by(Member.position)).first()
        ops.replace_member(db, first.id, "接任者甲")
    async with app.run_test(size=SIZE) as pilot:
        await choose_group(pilot, "泉港")
        await pilot.press("3")
        await settle(pilot)
        screen = app.screen
        names = [m.name for m in screen.rows]
        assert "接任者甲" in names and first.name not in names
        await pilot.press("h")
        await settle(pilot)
        shown = [m.name for m in screen.rows]
        assert first.name in shown and len(shown) == len(names) + 1
        await pilot.press("h")
        await settle(pilot)
        assert [m.name for m in screen.rows] == names


async def test_the_import_folder_is_remembered_for_the_next_run(tmp_path):
    folder = tmp_path / "材料"
    folder.mkdir()
    shutil.copyfile(SAMPLES / "四平市老龄工作重点任务.csv", folder / "四平市老龄工作重点任务.csv")
    path = tmp_path / "新台账.db"
    state = tmp_path / "state.json"
    app = make_app(path, state_path=state)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("i")
        await settle(pilot)
        assert Path(app.screen.query_one("#im-tree").path) == Path.home()  # nothing remembered yet
        await pilot.press("shift+tab", "ctrl+u", *str(folder / "四平市老龄工作重点任务.csv"), "enter")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert [g.name for g in app.groups] == ["四平市加强新时代老龄工作领导小组"]  # named from the table's title
    assert json.loads(state.read_text(encoding="utf-8"))["import_dir"] == str(folder)
    again = make_app(path, state_path=state)
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("i")
        await settle(pilot)
        assert Path(again.screen.query_one("#im-tree").path) == folder


async def test_the_window_opens_no_network_connection(tmp_path, monkeypatch):
    """Open, tick, undo, import and export with every way out to the network made to fail."""
    attempts: list[tuple] = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise OSError("network connection attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket.socket, "sendto", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    path, app = _demo(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        task = await task_list(pilot, "闽清")
        await pilot.press("space")
        await settle(pilot)
        await pilot.press("ctrl+z")
        await settle(pilot)
        await pilot.press("i")
        await settle(pilot)
        await pilot.press("shift+tab", "ctrl+u", *str(SAMPLES / "四平市老龄工作重点任务.csv"), "enter")
        await settle(pilot)
        assert "任务" in text_of(app.screen.query_one("#im-report"))
        await pilot.press("escape", "escape")
        await settle(pilot)
        await pilot.press("x")
        await settle(pilot)
        await pilot.press("tab", "tab", "ctrl+u", *str(tmp_path), "enter")  # 保存到 …, Enter exports 分工表
        await settle(pilot)
        assert "已导出到" in text_of(app.screen.query_one("#result"))
    with _db(path) as db, db.session() as s:
        assert s.get(Task, task.id).status == "未启动"
        assert [h.action for h in s.exec(select(History).order_by(History.id.desc()).limit(2))] == ["undo", "tick"]
    assert attempts == []
    assert len(list(tmp_path.glob("*分工表*.xlsx"))) == 1
