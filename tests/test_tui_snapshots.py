"""Snapshots of each main screen on the demo data, TAIZHANG_TODAY=2023-07-01, at 120×36 (and the
two busiest at 80×24). Update with `pytest tests/test_tui_snapshots.py --snapshot-update` after
looking at the new pictures (pytest writes a report of any difference)."""

from __future__ import annotations

import shutil

import pytest
from conftest import SAMPLES

from tui import make_app
from tui.testing import choose_group, demo_copy, settle

WIDE = (120, 36)
NARROW = (80, 24)


@pytest.fixture
def app(tmp_path, monkeypatch):
    home = tmp_path / "home"
    (home / "文件").mkdir(parents=True)
    shutil.copyfile(SAMPLES / "四平市老龄工作重点任务.csv", home / "文件" / "四平市老龄工作重点任务.csv")
    monkeypatch.setenv("HOME", str(home))  # the file browser starts here, paths show as ~/…
    return make_app(demo_copy(tmp_path), state_path=tmp_path / "state.json")


def steps(group: str, *keys: str, after=None):
    async def run(pilot) -> None:
        await choose_group(pilot, group)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)
        if after is not None:
            await after(pilot)
        for widget in pilot.app.screen.query("Input"):
            widget.cursor_blink = False
        await settle(pilot)

    return run


def test_overview(app, snap_compare):
    assert snap_compare(app, terminal_size=WIDE, run_before=steps("启东"))


def test_overview_narrow(app, snap_compare):
    assert snap_compare(app, terminal_size=NARROW, run_before=steps("四平"))


def test_tasks_by_category(app, snap_compare):
    assert snap_compare(app, terminal_size=WIDE, run_before=steps("闽清", "2"))


def test_tasks_narrow_with_overdue(app, snap_compare):
    assert snap_compare(app, terminal_size=NARROW, run_before=steps("启东", "2", "down", "down", "down", "down",
                                                                     "down", "down", "down", "down"))


def test_tasks_searched_by_pinyin(app, snap_compare):
    assert snap_compare(app, terminal_size=WIDE, run_before=steps("临海", "2", "slash", *"ylfw"))


def test_task_page(app, snap_compare):
    assert snap_compare(app, terminal_size=WIDE, run_before=steps("闽清", "2", "enter"))


def test_members(app, snap_compare):
    assert snap_compare(app, terminal_size=WIDE, run_before=steps("泉港", "3"))


def test_units(app, snap_compare):
    assert snap_compare(app, terminal_size=WIDE, run_before=steps("泉港", "4", "down", "down", "down", "down"))


def test_help_of_tasks(app, snap_compare):
    assert snap_compare(app, terminal_size=WIDE, run_before=steps("闽清", "2", "question_mark"))


def test_filter_dialog(app, snap_compare):
    assert snap_compare(app, terminal_size=WIDE, run_before=steps("四平", "2", "f", *"smzj"))


def test_replace_dialog(app, snap_compare):
    assert snap_compare(app, terminal_size=WIDE, run_before=steps("临海", "3", "down", "down", "r", *"张三"))


def test_import_preview(app, snap_compare):
    assert snap_compare(app, terminal_size=WIDE, run_before=steps("闽清", "i", "down", "enter", "down", "enter"))


def test_export_dialog(app, snap_compare):
    assert snap_compare(app, terminal_size=WIDE, run_before=steps("启东", "x"))


def _some_history(db_path) -> None:
    """A tick, a deadline, a renamed unit and a progress entry on 闽清's first task, at fixed times."""
    import sqlite3
    from datetime import date

    from models import operations as ops
    from models.db import Database

    with Database(db_path) as db:
        conn = sqlite3.connect(db_path)
        task, unit = conn.execute(
            "SELECT t.id, a.unit_id FROM task t JOIN work_group g ON g.id = t.group_id JOIN assignment a "
            "ON a.task_id = t.id AND a.role = 'lead' WHERE g.name LIKE '闽清%' ORDER BY t.position LIMIT 1").fetchone()
        ops.tick(db, task)
        ops.edit_task(db, task, deadline="2023年12月底前", due=date(2023, 12, 31))
        ops.rename_unit(db, unit, "县人力资源和社会保障局")
        ops.record_progress(db, task, "已完成摸底调查")
        conn.execute("UPDATE history SET at = datetime('2023-06-30 08:30:00', '+' || (id * 7) || ' minutes')")
        conn.commit()
        conn.close()


def test_history(app, snap_compare):
    _some_history(app.db_path)
    assert snap_compare(app, terminal_size=WIDE, run_before=steps("闽清", "j"))
