"""Issue 18's "done when": two windows and a command-line import on different "PCs" — each its own
PostgreSQL user — share one server ledger, see each other's changes without a key pressed, and
never overwrite each other.

Two whole windows run at once, each ``App.run_test()`` in an asyncio task of its own (``Window``):
Textual keeps the running app in context variables (``active_app``), which a task copies when it is
made, so each window's keys are pressed from a context that names that window alone. The import is
a real ``taizhang import`` process, as a third user whose password is in its ``PGPASSFILE``."""

from __future__ import annotations

import asyncio
import contextlib
import csv
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from conftest import SAMPLES, run_cli
from models.store import connect
from tui import make_app
from tui.testing import choose_group, demo_template, settle

SIZE = (130, 36)
GROUP = "四平市老龄工作委员会"
IMPORTED = "第三台电脑导入的新任务：建立老年人能力综合评估制度"


class Window:
    """One window (``App.run_test``) run in its own task, so two can run at once: ``await
    window.do(job)`` runs ``job(pilot)`` in that task and returns its result."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.heard = asyncio.Event()  # set each time the window refreshes for someone else's change
        self._jobs: asyncio.Queue = asyncio.Queue()
        self._task: asyncio.Task | None = None
        reload = app.reload_groups

        def reloaded(*args: Any, **kwargs: Any) -> None:
            reload(*args, **kwargs)
            self.heard.set()

        app.reload_groups = reloaded  # the listener calls it when another user's change is committed

    async def __aenter__(self) -> Window:
        ready: asyncio.Future = asyncio.get_running_loop().create_future()
        self._task = asyncio.create_task(self._run(ready))
        await asyncio.wait({ready, self._task}, return_when=asyncio.FIRST_COMPLETED)
        if self._task.done():
            self._task.result()  # it failed to open: raise that
        return self

    async def _run(self, ready: asyncio.Future) -> None:
        async with self.app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            ready.set_result(None)
            while (item := await self._jobs.get()) is not None:
                job, result = item
                try:
                    result.set_result(await job(pilot))
                except BaseException as exc:  # noqa: BLE001 - handed to the test that asked
                    result.set_exception(exc)

    async def do(self, job: Callable[[Any], Awaitable[Any]]) -> Any:
        result: asyncio.Future = asyncio.get_running_loop().create_future()
        await self._jobs.put((job, result))
        await asyncio.wait({result, self._task}, return_when=asyncio.FIRST_COMPLETED)
        if not result.done():
            self._task.result()
        return result.result()

    async def press(self, *keys: str) -> None:
        async def pressed(pilot: Any) -> None:
            await pilot.press(*keys)
            await settle(pilot)

        await self.do(pressed)

    async def until(self, condition: Callable[[], bool], rounds: int = 300) -> None:
        """Let this window run (no key pressed) until ``condition()``: in rounds of its own work,
        each round after it heard of another change when there is none yet."""

        async def waited(pilot: Any) -> None:
            for _ in range(rounds):
                await settle(pilot, 1)
                if condition():
                    return
            raise AssertionError("the window never showed it")

        await self.do(waited)

    async def __aexit__(self, *exc: object) -> None:
        await self._jobs.put(None)
        with contextlib.suppress(asyncio.CancelledError):
            await self._task

    # what the window shows
    def shown(self, task_id: int) -> Any:
        return next((r for r in self.app.screen._rows if r.id == task_id), None)

    def notices(self) -> str:
        return "\n".join(str(n.message) for n in self.app._notifications)


@pytest.fixture
def shared_ledger(pg_server) -> tuple[str, str]:
    """The demo ledger on the server; its database name and URL (as the test's superuser)."""
    url = pg_server.new_ledger(like=demo_template())  # the demo, copied once per run onto a template
    return urlsplit(url).path.lstrip("/"), url


def _user(pg_server, dbname: str, role: str) -> str:
    """A PostgreSQL user of its own ("a PC") with the rights an office clerk is given; its URL."""
    pg_server.sql(f"CREATE ROLE {role} LOGIN")
    _grant(pg_server, dbname, role)
    return pg_server.url(dbname, user=role)


def _grant(pg_server, dbname: str, role: str) -> None:
    pg_server.sql(f"GRANT ALL ON ALL TABLES IN SCHEMA public TO {role}", dbname=dbname)
    pg_server.sql(f"GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO {role}", dbname=dbname)


def _table_with_one_more_task(folder: Path) -> Path:
    """The 四平 sample table as the office would get it back, with one task added at its end."""
    with open(SAMPLES / "四平市老龄工作重点任务.csv", encoding="gb18030", newline="") as f:
        rows = list(csv.reader(f))
    last = next(r for r in reversed(rows) if r and r[0].strip().isdigit())
    rows.append([str(int(last[0]) + 1), IMPORTED, "市卫生健康委", "市民政局", "2023年12月底前"])
    path = folder / "四平市老龄工作重点任务（补充）.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f).writerows(rows)
    return path


def _read(url: str, sql: str, *params: object) -> list[tuple]:
    conn = connect(url)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


async def _open_form_on(window: Window, task_id: int) -> None:
    """On the task's page, e: the edit form holding what the window shows now."""

    async def opened(pilot: Any) -> None:
        while pilot.app.screen.current_task().id != task_id:
            await pilot.press("down")
            await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)

    await window.do(opened)


async def _save_deadline(window: Window, text: str) -> None:
    for _ in range(4):  # 工作任务 → 类别 → 类别序号 → 任务序号 → 完成时限
        await window.press("tab")
    await window.press("ctrl+u", *text, "ctrl+s")


async def test_two_windows_and_an_import_as_three_users_share_one_server_ledger(pg_server, shared_ledger, tmp_path):
    import pg

    dbname, admin_url = shared_ledger
    suffix = dbname.split("_", 1)[1]
    url_a = _user(pg_server, dbname, f"tz_a_{suffix}")
    url_b = _user(pg_server, dbname, f"tz_b_{suffix}")
    _grant(pg_server, dbname, pg.PASSWORD_USER)  # the third "PC": the user who must give a password
    passfile = tmp_path / "pgpass"
    passfile.write_text(f"*:*:*:{pg.PASSWORD_USER}:{pg.PASSWORD}\n", encoding="utf-8")
    passfile.chmod(0o600)
    url_c = pg_server.url(dbname, user=pg.PASSWORD_USER)
    history_before = _read(admin_url, "SELECT max(id) FROM history")[0][0]

    async with Window(make_app(url_a, state_path=tmp_path / "a.json")) as a, \
            Window(make_app(url_b, state_path=tmp_path / "b.json")) as b:
        for w in (a, b):
            assert w.app.reader is not None and w.app.reader.is_server and w.app.error is None
            await w.do(lambda pilot: choose_group(pilot, "四平"))
            await w.press("2")
        users = {r[0] for r in _read(admin_url, "SELECT usename FROM pg_stat_activity WHERE datname = ?", dbname)}
        assert {f"tz_a_{suffix}", f"tz_b_{suffix}"} <= users  # two users, each on their own connections
        rows = list(a.app.screen._rows)
        first, second, third = rows[0], rows[1], rows[2]
        assert [r.id for r in b.app.screen._rows] == [r.id for r in rows]
        assert first.status != "已完成" and second.status != "已完成"
        total = a.app.screen.total

        # A ticks the first task: B shows it, no key pressed in B
        b.heard.clear()
        await a.press("space")
        assert "已完成" in a.notices() and a.shown(first.id).status == "已完成"
        await asyncio.wait_for(b.heard.wait(), timeout=30)  # the NOTIFY reached B (normally within a second)
        await b.until(lambda: b.shown(first.id).status == "已完成")

        # B ticks the second: A shows it
        a.heard.clear()
        await b.press("down", "space")
        assert b.shown(second.id).status == "已完成" and "未保存" not in b.notices()
        await asyncio.wait_for(a.heard.wait(), timeout=30)
        await a.until(lambda: a.shown(second.id).status == "已完成")

        # a third user imports from the command line, while both windows are open: both show the new task
        a.heard.clear()
        b.heard.clear()
        done = await asyncio.to_thread(run_cli, "--db", url_c, "import", str(_table_with_one_more_task(tmp_path)),
                                       "--group", GROUP, env={"PGPASSFILE": str(passfile), "PGPASSWORD": ""})
        assert done.returncode == 0, done.stderr
        assert "新增 1" in done.stdout, done.stdout
        await asyncio.wait_for(asyncio.gather(a.heard.wait(), b.heard.wait()), timeout=30)
        for w in (a, b):
            await w.until(lambda w=w: w.app.screen.total == total + 1)

        # both open the third task's form from the same shown deadline; A saves first, B's save is refused
        await _open_form_on(a, third.id)
        await _open_form_on(b, third.id)
        await _save_deadline(a, "2023年10月底前")
        assert "已保存任务的修改" in a.notices() and "未保存" not in a.notices()
        await _save_deadline(b, "2023年11月底前")
        await b.until(lambda: "已被修改" in b.notices())
        assert "2023年10月底前" in b.notices()  # B is told what it is now
        await b.until(lambda: b.app.screen.detail is not None and b.app.screen.detail.task.deadline == "2023年10月底前")

    # the ledger holds every change, nobody's undone by another
    status = dict(_read(admin_url, "SELECT id, status FROM task WHERE id IN (?, ?)", first.id, second.id))
    assert status == {first.id: "已完成", second.id: "已完成"}
    assert _read(admin_url, "SELECT deadline FROM task WHERE id = ?", third.id) == [("2023年10月底前",)]
    assert len(_read(admin_url, "SELECT id FROM task WHERE content = ?", IMPORTED)) == 1
    made = [r[0] for r in _read(admin_url, "SELECT action FROM history WHERE id > ? ORDER BY id", history_before)]
    assert made == ["tick", "tick", "import", "edit_task"]
