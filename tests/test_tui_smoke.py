"""The TUI starts light (the first screen needs no ORM, importer or pinyin library), opens a small
ledger, ticks with space and undoes with ctrl+z."""

from __future__ import annotations

import pytest

import subprocess
import sys
from datetime import date

from conftest import ROOT

from models import operations as ops
from models.db import Database
from models.tables import Task
from tui import make_app
from tui.testing import settle

# every test here that makes a ledger runs on a file and on a server (tests/conftest.py)
pytestmark = pytest.mark.both_engines

PROBE = """
import sys, os
os.environ["TAIZHANG_TODAY"] = "2023-07-01"
import tui, tui.app, tui.screens.overview
from tui import data
from models.clock import today
reader = data.Reader(sys.argv[1])
with reader() as conn:
    for g in data.groups(conn):
        data.overview(conn, g, today())
heavy = sorted(m for m in ("sqlalchemy", "sqlmodel", "pydantic", "openpyxl", "pypinyin", "importers", "xlsxwriter",
                           "models.operations", "models.db", "tui.screens.tasks") if m in sys.modules)
print("HEAVY", heavy)
"""


def test_the_first_screen_and_its_data_need_no_orm_importer_or_pinyin(db, db_path):
    g = ops.create_group(db, "闽清县老龄工作领导小组")
    ops.add_task(db, g, "基本养老保险参保率达到90%")
    db.close()
    out = subprocess.run([sys.executable, "-c", PROBE, str(db_path)], capture_output=True, text=True, cwd=ROOT,
                         timeout=60, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "HEAVY []"


async def test_space_ticks_the_highlighted_task_and_ctrl_z_undoes(db, db_path, tmp_path):
    g = ops.create_group(db, "闽清县老龄工作领导小组")
    first = ops.add_task(db, g, "基本养老保险参保率达到90%", deadline="2020年", due=date(2020, 12, 31))
    ops.add_task(db, g, "城乡居民基本养老保险参保人数达到14.2万人")
    ops.assign(db, first, "县人社局", person="黄敬铿")
    app = make_app(db_path, state_path=tmp_path / "state.json")
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        table = app.screen.query_one("#tk-table")
        assert app.screen._rows[0].id == first
        row = str(table.get_row(f"t:{first}"))
        assert "县人社局（黄敬铿）" in row and "逾期" in row
        await pilot.press("space")
        await settle(pilot)
        with db.session() as s:
            assert s.get(Task, first).status == "已完成"
        await pilot.press("ctrl+z")
        await settle(pilot)
        with db.session() as s:
            assert s.get(Task, first).status == "未启动"


async def test_a_quick_tick_and_undo_run_in_the_order_pressed(db, db_path, tmp_path):
    g = ops.create_group(db, "组")
    task = ops.add_task(db, g, "任务一")
    app = make_app(db_path, state_path=tmp_path / "state.json")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("space", "space", "space", "ctrl+z")  # no waiting in between
        await settle(pilot)
    with Database(db_path) as check, check.session() as s:
        assert s.get(Task, task).status == "未启动"  # done, undone, done, then that last tick undone


async def test_a_notice_of_a_change_arriving_while_the_window_closes_starts_no_reading(db, db_path, tmp_path):
    """A server's notice of another user's change can arrive as the window closes (CI once saw the
    import's own notice land then): the reload it asks for is not started, as a worker started after
    the shutdown would fail for want of the thread pool."""
    g = ops.create_group(db, "组")
    ops.add_task(db, g, "任务一")
    app = make_app(db_path, state_path=tmp_path / "state.json")
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        app.reload_groups()  # while open: read again
        assert "_reload_groups" in [w.name for w in app.workers]
        await settle(pilot)
    app.reload_groups()  # the listener's late call, after the window closed
    app.refresh_visible()
    assert "_reload_groups" not in [w.name for w in app.workers]
