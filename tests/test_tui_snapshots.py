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
