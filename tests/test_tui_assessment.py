"""The 考评 view (issue 15) by Pilot: a on 总览 and the command palette open it; its numbers are those of
``exporters.assessment.unit_scores`` (the export's own function) for its period; p changes the
period; Enter lists a unit's tasks; x writes the same workbook; s (and 总览's s) sets 办结审核 and the
weights as one undoable change, refusing a negative weight with a Chinese message. Also
``taizhang settings`` and ``export --kind assessment --from``. A snapshot of the view."""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from pathlib import Path

import openpyxl

from conftest import run_cli
from exporters.assessment import unit_scores
from models import store
from models.judged import group_id_of
from tui import make_app
from tui.testing import choose_group, demo_copy, palette_offers, settle, text_of

SIZE = (120, 36)
MINQING = "闽清县老龄工作领导小组"


def _scores(path: Path, end: date, start: date | None):
    conn = store.connect(path)
    try:
        return unit_scores(conn, group_id_of(conn, MINQING), end, start)
    finally:
        conn.close()


def _rows(screen) -> list[list[str]]:
    table = screen.table
    return [[str(c).strip() for c in table.get_row(row.key)] for row in table.ordered_rows
            if str(row.key.value).startswith("u:")]


def _expected(units) -> list[list[str]]:
    return [[str(u.rank) if u.led else "—", u.unit, str(u.led), str(u.co), str(u.done), str(u.on_time),
             str(u.overdue), str(u.missed_targets), f"{u.rounds_on_time}/{u.rounds_owed}", f"{u.done / u.led:.0%}" if u.led else "—",
             f"{u.score:.1f}" if u.led else "无牵头任务"] for u in units]


def _group_row(path: Path):
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT review_closing, assessment_weights FROM work_group WHERE name = ?",
                            (MINQING,)).fetchone()
    finally:
        conn.close()


async def test_the_assessment_view_shows_the_exports_numbers_for_its_period(tmp_path: Path, monkeypatch):
    from models.db import Database
    from models.judged import read_group
    from models.operations import tick

    monkeypatch.setenv("TAIZHANG_TODAY", "2019-06-30")
    monkeypatch.setenv("HOME", str(tmp_path))
    path = demo_copy(tmp_path)
    conn = store.connect(path)
    tasks = read_group(conn, group_id_of(conn, MINQING), date(2019, 6, 30)).tasks
    conn.close()
    db = Database(path)
    tick(db, tasks[0].id, on=date(2018, 11, 5))  # done last year: outside this year's period
    tick(db, tasks[1].id, on=date(2019, 3, 1))
    db.close()
    this_year = _scores(path, date(2019, 6, 30), date(2019, 1, 1))
    since_2018 = _scores(path, date(2019, 6, 30), date(2018, 1, 1))
    assert _expected(this_year) != _expected(since_2018)
    app = make_app(path, state_path=tmp_path / "state.json")
    async with app.run_test(size=SIZE) as pilot:
        await choose_group(pilot, "闽清")
        await pilot.press("1", "a")
        await settle(pilot)
        screen = app.screen
        assert type(screen).__name__ == "AssessmentScreen"
        assert "期间 2019-01-01 至 2019-06-30" in text_of(screen.query_one("#as-title"))
        assert _rows(screen) == _expected(this_year)
        await pilot.press("p")  # the period: from 2018-01-01
        await settle(pilot)
        field = app.screen.query_one("#f-start")
        field.focus()
        field.value = ""
        await pilot.press(*"2018-01-01", "ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        assert "期间 2018-01-01 至 2019-06-30" in text_of(screen.query_one("#as-title"))
        assert _rows(screen) == _expected(since_2018)
        await pilot.press("x")  # the same workbook, for this period
        await settle(pilot)
        out = tmp_path / f"{MINQING}_考评表_20190630.xlsx"
        sheet = openpyxl.load_workbook(out).active
        assert "统计期间2018年1月1日至2019年6月30日" in sheet.cell(2, 1).value
        written = [[sheet.cell(r, c).value for c in (1, 2, 3, 4, 5, 6, 7)] for r in range(4, 4 + len(since_2018))]
        assert written == [[u.rank if u.led else "—", u.unit, u.led, u.co, u.done, u.on_time, u.overdue]
                           for u in since_2018]
        last = _rows(screen)[-1]
        await pilot.press("end", "enter")  # the last unit's tasks
        await settle(pilot)
        assert type(app.screen).__name__ == "TasksScreen"
        assert f"单位：{last[1]}" in text_of(app.screen.query_one("#tk-filters"))
        assert app.screen.total == int(last[2]) + int(last[3])  # led and co-operated
    # the command line writes the same numbers for the same period
    cli_out = tmp_path / "cli.xlsx"
    done = run_cli("--db", str(path), "export", str(cli_out), "--kind", "assessment", "--group", MINQING,
                   "--from", "2018-01-01", env={"TAIZHANG_TODAY": "2019-06-30"})
    assert done.returncode == 0, done.stderr
    cli_sheet = openpyxl.load_workbook(cli_out).active
    assert [[cli_sheet.cell(r, c).value for c in range(1, 14)] for r in range(4, 4 + len(since_2018))] == \
           [[sheet.cell(r, c).value for c in range(1, 14)] for r in range(4, 4 + len(since_2018))]


async def test_the_palette_opens_the_view_and_s_sets_review_and_weights_undoably(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("TAIZHANG_TODAY", "2019-06-30")
    path = demo_copy(tmp_path)
    assert _group_row(path) == (1, None)
    app = make_app(path, state_path=tmp_path / "state.json")
    async with app.run_test(size=SIZE) as pilot:
        await choose_group(pilot, "闽清")
        await pilot.press("ctrl+p", *"kp")
        await palette_offers(pilot, "考评")
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert type(screen).__name__ == "AssessmentScreen"
        assert "办结审核：开启" in text_of(screen.query_one("#as-title"))
        await pilot.press("s")
        await settle(pilot)
        dialog = app.screen
        assert type(dialog).__name__ == "FormDialog"
        done = dialog.query_one("#f-done")
        done.focus()
        done.value = ""
        await pilot.press("minus", "1", "ctrl+s")  # refused, in Chinese; nothing written
        await settle(pilot)
        assert app.screen is dialog
        assert "「完成率」应为不小于 0 的数" in text_of(dialog.query_one("#error"))
        done.value = ""
        await pilot.press("5", "0")
        dialog.query_one("#f-review").focus()
        await pilot.press("enter", "down", "enter")  # 关闭
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        review, weights = _group_row(path)
        assert review == 0 and json.loads(weights)["done"] == 50.0
        title = text_of(screen.query_one("#as-title"))
        assert "办结审核：关闭" in title and "完成率×50" in title
        assert _rows(screen) == _expected(_scores(path, date(2019, 6, 30), date(2019, 1, 1)))
        await pilot.press("ctrl+z")  # one change: both undone
        await settle(pilot)
        assert _group_row(path) == (1, None)
        assert "办结审核：开启" in text_of(screen.query_one("#as-title"))
        await pilot.press("escape", "s")  # 总览's s opens the same dialog
        await settle(pilot)
        assert type(app.screen).__name__ == "FormDialog" and app.screen.query_one("#f-done").value == "40"
    conn = sqlite3.connect(path)
    entries = conn.execute("SELECT action, summary FROM history WHERE action = 'set_judging'").fetchall()
    conn.close()
    assert len(entries) == 1 and "办结审核关闭" in entries[0][1] and "完成率 50" in entries[0][1]


def test_taizhang_settings_shows_sets_and_refuses(tmp_path: Path):
    path = demo_copy(tmp_path)
    shown = run_cli("--db", str(path), "settings", "--group", MINQING)
    assert shown.returncode == 0 and "办结审核：开启" in shown.stdout and "完成率 40" in shown.stdout
    bad = run_cli("--db", str(path), "settings", "--group", MINQING, "--weight", "按时报送率=-3")
    assert bad.returncode != 0 and "「按时报送率」应为不小于 0 的数" in bad.stderr
    assert _group_row(path) == (1, None)
    done = run_cli("--db", str(path), "settings", "--group", MINQING, "--review", "off", "--weight", "完成率=60,overdue_penalty=1")
    assert done.returncode == 0, done.stderr
    assert "办结审核：关闭" in done.stdout and "完成率 60" in done.stdout and "每项逾期扣分 1" in done.stdout
    review, weights = _group_row(path)
    assert review == 0 and json.loads(weights) == {"done": 60.0, "on_time": 30.0, "reported": 30.0,
                                                   "overdue_penalty": 1.0}


def test_snapshot_of_the_assessment_view(tmp_path, monkeypatch, snap_compare):
    monkeypatch.setenv("TAIZHANG_TODAY", "2019-06-30")
    app = make_app(demo_copy(tmp_path), state_path=tmp_path / "state.json")

    async def run(pilot) -> None:
        await choose_group(pilot, "闽清")
        await pilot.press("1", "a")
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run)
