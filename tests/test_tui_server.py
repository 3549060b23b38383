"""The window on a server ledger (issue 18): every area reads the same as on a file, others' changes
show through LISTEN/NOTIFY, the password is asked once and kept in memory, a lost connection is said
and made again, and a read-only account browses but every change says it may not."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path

import pytest

from models.server import READ_ONLY_MESSAGE
from models.store import connect
from tui import data, make_app
from tui.testing import demo_template, settle

TODAY = date(2023, 7, 1)  # tests/conftest.py's fixed today, the demo's too


@pytest.fixture
def demo_on_server(pg_server) -> str:
    """A server ledger holding the demo (five groups), copied from the demo file (by ``taizhang
    copy``'s code, once per run, onto a template this database is made from: tests/pg.py)."""
    return pg_server.new_ledger(like=demo_template())


def _everything(target) -> dict:
    """What the screens read (tui.data), for every group and filter."""
    reader = data.Reader(target)
    out: dict = {}
    try:
        with reader() as c:
            for g in data.groups(c):
                for status in data.STATUS_FILTERS:
                    out[g.id, status] = data.task_page(c, g.id, data.TaskFilter(status=status), TODAY, 0)
                out[g.id, "search"] = data.task_page(c, g.id, data.TaskFilter(search="YL 服务"), TODAY, 0)
                cats = data.categories(c, g.id)
                if cats:
                    out[g.id, "category"] = data.task_page(c, g.id, data.TaskFilter(category=cats[-1][:2]), TODAY, 0)
                years = data.years(c, g.id)
                out[g.id, "years"] = years
                if years:
                    out[g.id, "year"] = data.task_page(c, g.id, data.TaskFilter(year=years[0]), TODAY, 0)
                out[g.id, "overview"] = data.overview(c, g, TODAY)
                out[g.id, "members"] = data.members(c, g.id, include_inactive=True)
                units = data.units(c, g.id, TODAY)
                out[g.id, "units"] = units, data.units(c, g.id, TODAY, everything=True)
                out[g.id, "unit"] = [data.unit_detail(c, g.id, u.id) for u in units[:4]]
                if len(units) > 1:
                    out[g.id, "merge"] = data.merge_preview(c, units[0].id, units[1].id)
                out[g.id, "picker"] = data.candidates(c, g.id), data.similar_units(c, g.id)
                rows, _ = data.task_page(c, g.id, data.TaskFilter(), TODAY, 0)
                out[g.id, "tasks"] = [data.task_detail(c, t.id) for t in rows[:5]]
    finally:
        reader.close()
    return out


def test_the_screens_read_the_same_from_a_server_as_from_the_file(demo_on_server):
    on_file, on_server = _everything(demo_template()), _everything(demo_on_server)
    assert on_file.keys() == on_server.keys()
    differ = [k for k in on_file if repr(on_file[k]) != repr(on_server[k])]
    assert differ == [], "\n".join(f"{k}:\n  file   {on_file[k]!r}\n  server {on_server[k]!r}" for k in differ)
    assert any(v[1] for k, v in on_file.items() if k[1] == "search")  # the search finds something


def _notices(app) -> str:
    return "\n".join(str(n.message) for n in app._notifications)


async def _until(pilot, condition, rounds: int = 200) -> None:
    """Wait (by the app's own rounds of work, not by time) until ``condition()``."""
    for _ in range(rounds):
        await settle(pilot, 1)
        if condition():
            return
    raise AssertionError("the window never got there")


async def test_the_window_works_on_a_server_ledger_and_hears_others_changes(demo_on_server, tmp_path):
    app = make_app(demo_on_server, state_path=tmp_path / "state.json")
    async with app.run_test(size=(130, 36)) as pilot:
        await settle(pilot)
        assert app.reader is not None and app.reader.is_server and app.error is None
        assert "服务器" in app.sub_title or app.group is not None
        await pilot.press("2")
        await settle(pilot)
        first = app.screen.current_task()
        await pilot.press("space")  # tick: through the operations, on the server
        await settle(pilot)
        conn = connect(demo_on_server)
        try:
            assert conn.execute("SELECT status FROM task WHERE id = ?", (first.id,)).fetchone()[0] == "已完成"
            await pilot.press("ctrl+z")
            await settle(pilot)
            assert conn.execute("SELECT status FROM task WHERE id = ?", (first.id,)).fetchone()[0] != "已完成"
        finally:
            conn.close()
        # another "PC" (its own connection) changes the task: the list shows it without a key pressed
        heard = asyncio.Event()
        reload = app.reload_groups

        def reloaded(*args, **kwargs):
            reload(*args, **kwargs)
            heard.set()

        app.reload_groups = reloaded
        import subprocess
        import sys

        done = subprocess.run([sys.executable, "-c", (  # another "PC": a process of its own
            "import sys; from models.db import Database; from models import operations as op; "
            "db = Database(sys.argv[1]); op.edit_task(db, int(sys.argv[2]), content='别的电脑改的内容'); db.close()"),
            demo_on_server, str(first.id)], capture_output=True, text=True, cwd=Path(__file__).parent.parent)
        assert done.returncode == 0, done.stderr
        await asyncio.wait_for(heard.wait(), timeout=30)  # the NOTIFY arrived (normally within a second)
        await _until(pilot, lambda: app.screen.current_task() is not None
                     and app.screen.current_task().content == "别的电脑改的内容")


@pytest.fixture
def password_ledger(pg_server, demo_on_server, tmp_path, monkeypatch):
    """The demo ledger for the password user, with no password anywhere libpq looks."""
    import pg
    from urllib.parse import urlsplit

    name = urlsplit(demo_on_server).path.lstrip("/")
    pg_server.sql(f"GRANT ALL ON ALL TABLES IN SCHEMA public TO {pg.PASSWORD_USER}", dbname=name)
    pg_server.sql(f"GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO {pg.PASSWORD_USER}", dbname=name)
    empty = tmp_path / "pgpass"
    empty.write_text("")
    empty.chmod(0o600)
    monkeypatch.setenv("PGPASSFILE", str(empty))
    monkeypatch.delenv("PGPASSWORD", raising=False)
    url = pg_server.url(name, user=pg.PASSWORD_USER)
    yield url, pg.PASSWORD
    from models.server_login import forget

    forget(url)


async def test_the_password_is_asked_once_kept_in_memory_and_a_wrong_one_asked_again(password_ledger, tmp_path):
    from textual.widgets import Input

    from tui.dialogs.password import PasswordDialog

    url, password = password_ledger
    state = tmp_path / "state.json"
    app = make_app(url, state_path=state)
    async with app.run_test(size=(130, 36)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, PasswordDialog) and app.reader is None
        assert app.screen.query_one("#password", Input).password  # masked
        app.screen.query_one("#password", Input).value = "not-it"
        await pilot.press("enter")
        await _until(pilot, lambda: isinstance(app.screen, PasswordDialog) and app.screen.wrong)
        assert app.reader is None
        app.screen.query_one("#password", Input).value = password
        await pilot.press("enter")
        await _until(pilot, lambda: app.reader is not None and app.group is not None)
        assert not isinstance(app.screen, PasswordDialog)
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("space")  # a change: the ORM's connections take the typed password too
        await settle(pilot)
        assert "已完成" in _notices(app) and "未保存" not in _notices(app)
        shown = app.sub_title + app.title + _notices(app)
    assert password not in shown and password not in url
    assert not state.exists() or password not in state.read_text(encoding="utf-8")


async def test_a_lost_connection_is_said_the_window_stays_and_it_reconnects(pg_server, demo_on_server, tmp_path):
    from urllib.parse import urlsplit

    name = urlsplit(demo_on_server).path.lstrip("/")
    app = make_app(demo_on_server, state_path=tmp_path / "state.json")
    async with app.run_test(size=(130, 36)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        shown = app.screen.current_task()
        # the server goes away for this ledger: every connection ended, no new one let in
        pg_server.sql(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
        pg_server.sql(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'")
        await pilot.press("1")  # a read: the notice, and the window keeps what it shows
        await _until(pilot, lambda: "与服务器的连接断开了" in _notices(app))
        assert "连接断开，只读" in app.sub_title and "连接断开" in app.busy  # the status line says so
        await pilot.press("2")
        await settle(pilot)
        assert app.screen.current_task() is not None and app.screen.current_task().id == shown.id
        await pilot.press("space")  # a change while it is gone: said, not saved, no traceback
        await _until(pilot, lambda: any(n.title == "未保存" for n in app._notifications))
        assert "Traceback" not in _notices(app)
        pg_server.sql(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true')
        await pilot.press("1")  # the next read connects again (or the listener heard the server first)
        await _until(pilot, lambda: "已重新连接服务器" in _notices(app))
        assert "连接断开" not in app.sub_title + app.busy
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("space")  # and changes work again
        await _until(pilot, lambda: any("已完成" in str(n.message) for n in app._notifications))
    conn = connect(demo_on_server)
    try:
        assert conn.execute("SELECT status FROM task WHERE id = ?", (shown.id,)).fetchone()[0] == "已完成"
    finally:
        conn.close()


async def test_a_read_only_account_browses_and_every_change_says_it_may_not(pg_server, demo_on_server, tmp_path):
    from urllib.parse import urlsplit

    name = urlsplit(demo_on_server).path.lstrip("/")
    role = f"tz_ro_{name}"[:60]
    pg_server.sql(f"CREATE ROLE {role} LOGIN")
    pg_server.sql(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}", dbname=name)
    url = pg_server.url(name, user=role)
    app = make_app(url, state_path=tmp_path / "state.json")
    async with app.run_test(size=(130, 36)) as pilot:
        await settle(pilot)
        assert app.reader is not None and app.group is not None
        await pilot.press("2")
        await settle(pilot)
        task = app.screen.current_task()
        await pilot.press("space")
        await _until(pilot, lambda: READ_ONLY_MESSAGE in _notices(app))
        await pilot.press("enter")  # the task's page opens: browsing works
        await settle(pilot)
        await pilot.press("ctrl+z")
        await _until(pilot, lambda: _notices(app).count(READ_ONLY_MESSAGE) >= 2)
    conn = connect(demo_on_server)
    try:
        assert conn.execute("SELECT status FROM task WHERE id = ?", (task.id,)).fetchone()[0] != "已完成"
    finally:
        conn.close()


def test_the_window_on_an_unreachable_server_says_so_on_the_command_line(tmp_path, capsys):
    from taizhang.cli import main

    code = main(["--db", "postgresql://clerk:hunter2@127.0.0.1:1/ledger"])
    err = capsys.readouterr().err
    assert code == 1 and "连不上" in err and "hunter2" not in err and "Traceback" not in err


async def test_b_on_a_server_ledger_saves_a_snapshot_file_and_restore_is_refused(demo_on_server, tmp_path, monkeypatch):
    import sqlite3

    from tui.dialogs.base import ConfirmDialog

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    app = make_app(demo_on_server, state_path=tmp_path / "state.json")
    async with app.run_test(size=(130, 36)) as pilot:
        await settle(pilot)
        await pilot.press("b")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await _until(pilot, lambda: "已另存为台账文件" in _notices(app))
        app.restore_backup(tmp_path / "whatever.db")
        await settle(pilot)
        assert "不能在窗口中从备份恢复" in _notices(app)
    made = list((tmp_path / "data" / "taizhang" / "server-backups").glob("*.db"))
    assert len(made) == 1 and str(made[0]) in _notices(app).replace("\n", "")
    snap = sqlite3.connect(made[0])
    try:
        tasks = snap.execute("SELECT count(*) FROM task").fetchone()[0]
    finally:
        snap.close()
    conn = connect(demo_on_server)
    try:
        assert tasks == conn.execute("SELECT count(*) FROM task").fetchone()[0] > 0
    finally:
        conn.close()


async def test_a_server_gone_and_back_while_the_window_is_idle_reconnects_by_itself(pg_server, demo_on_server, tmp_path,
                                                                                    monkeypatch):
    """The server goes away and comes back while nobody reads (a restart at night): the listener hears
    it back, and the window reads again on a new connection — not on the reading connection the server
    ended, which failed, said the connection was lost once more and left the window read-only until a
    key was pressed (seen in a new user's check of issue 18)."""
    from urllib.parse import urlsplit

    import tui.server_reading

    monkeypatch.setattr(tui.server_reading, "IDLE_PROBE_S", 0.0)  # (idle for any time: tried before reading)
    name = urlsplit(demo_on_server).path.lstrip("/")
    app = make_app(demo_on_server, state_path=tmp_path / "state.json")
    async with app.run_test(size=(130, 36)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        pg_server.sql(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
        pg_server.sql(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'")
        await _until(pilot, lambda: "与服务器的连接断开了" in _notices(app))  # heard by the listener; no read
        pg_server.sql(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true')
        await _until(pilot, lambda: "已重新连接服务器" in _notices(app))
        await settle(pilot, rounds=5)  # the window reads everything again
        assert "连接断开" not in app.sub_title + app.busy
        assert _notices(app).count("与服务器的连接断开了") == 1
        assert app.screen.current_task() is not None
