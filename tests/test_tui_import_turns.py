"""The TUI's import takes its turn in the window's write queue: a change still being saved when the
import is confirmed is finished first, and the import never runs alongside it; Esc while the import
waits or runs does not leave the screen (its result would land on whatever screen was shown)."""

from __future__ import annotations

import asyncio
import threading

import pytest
from conftest import SAMPLES

from importers import read_file
from importers.load import load
from models.db import Database
from tui import make_app
from tui.testing import choose_group, settle, text_of

pytestmark = pytest.mark.both_engines

SIZE = (120, 36)


async def _event(event: threading.Event) -> None:
    assert await asyncio.get_running_loop().run_in_executor(None, event.wait, 60)


async def test_a_confirmed_import_waits_for_the_write_before_it(ledger_at, tmp_path, monkeypatch):
    with Database(ledger_at) as db:
        load(db, read_file(SAMPLES / "四平市老龄工作重点任务.csv"), "四平")
    order: list[str] = []
    write_running, let_go = threading.Event(), threading.Event()
    import importers.load as loader

    real_load = loader.load

    def watched_load(*args, **kwargs):
        order.append("import")
        let_go.set()  # (had it not waited, the write would end only now)
        return real_load(*args, **kwargs)

    def slow_write(db):  # a change still being saved (a slow disk, a busy server)
        write_running.set()
        assert let_go.wait(60)
        order.append("write")

    app = make_app(ledger_at, state_path=tmp_path / "state.json")
    async with app.run_test(size=SIZE) as pilot:
        await choose_group(pilot, "四平")
        await pilot.press("i")
        await settle(pilot)
        await pilot.press("shift+tab", "ctrl+u", *str(SAMPLES / "启东市省健康县区建设任务分工表.xlsx"), "enter")
        await settle(pilot, rounds=5)
        assert app.screen.query_one("#im-new-name").value == "启东市省健康县（区）建设领导小组"
        monkeypatch.setattr(loader, "load", watched_load)
        app.write(slow_write, reload=False)
        await _event(write_running)
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("escape")  # the screen stays while the import waits
        await pilot.pause()
        assert type(app.screen).__name__ == "ImportScreen"
        assert "正在导入，请等它完成" in text_of(app.screen.query_one("StatusLine #info"))
        let_go.set()  # the write ends; then the import runs
        await settle(pilot, rounds=5)
        assert order == ["write", "import"]
        assert type(app.screen).__name__ == "OverviewScreen"
        assert sorted(g.name for g in app.groups) == sorted(["四平", "启东市省健康县（区）建设领导小组"])
