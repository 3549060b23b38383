"""操作记录 in the TUI, by the keys a user presses: j from anywhere shows the group's changes newest
first (time, action, what, before → after), a/x/PgDn work there, and j on a task's page shows that
task's own history."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from models import operations as ops
from models.db import Database
from tui import make_app
from tui.testing import choose_group, demo_copy, settle, task_list, text_of

SIZE = (120, 36)


def _app(tmp_path: Path):
    path = demo_copy(tmp_path)
    return path, make_app(path, state_path=tmp_path / "state.json")


def _rows(table) -> list[str]:
    return [" | ".join(str(c) for c in table.get_row_at(i)) for i in range(table.row_count)]


async def test_j_shows_the_last_change_first_with_before_and_after(tmp_path):
    _, app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        task = await task_list(pilot, "闽清")
        await pilot.press("space")  # tick it done
        await settle(pilot)
        await pilot.press("j")
        await settle(pilot)
        screen = app.screen
        assert type(screen).__name__ == "HistoryScreen"
        rows = _rows(screen.query_one("#hs-table"))
        assert "标记完成" in rows[0] and task.content[:8] in rows[0]
        assert "状态：未启动 → 已完成" in rows[0]
        assert any("导入分工表" in r and "闽清县老龄事业重点任务" in r for r in rows)
        assert not any("临海" in r for r in rows)  # another group's import is not in this group's trail
        detail = text_of(screen.query_one("#hs-detail"))
        assert "状态：未启动 → 已完成" in detail and "完成日期：（空） → 2023-07-01" in detail
        assert "第 1/1 页" in text_of(screen.query_one("StatusLine #info"))
        # undo from here: the tick is marked 已撤销 and the undo is the newest entry
        await pilot.press("ctrl+z")
        await settle(pilot)
        rows = _rows(screen.query_one("#hs-table"))
        assert rows[0].split(" | ")[1] == "撤销" and "状态：已完成 → 未启动" in rows[0]
        assert "已撤销" in rows[1]
        # enter opens the task the highlighted entry is about; esc comes back here
        await pilot.press("enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "TaskScreen" and app.screen.task_id == task.id
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen
        # a: every group's entries
        await pilot.press("a")
        await settle(pilot)
        rows = _rows(screen.query_one("#hs-table"))
        assert any("导入分工表 | 临海市老有康养专项实施方案通" in r for r in rows)
        assert "全部领导小组" in text_of(screen.query_one("#hs-title"))
        await pilot.press("escape")
        await settle(pilot)
        assert type(app.screen).__name__ == "TasksScreen"


async def test_j_on_a_task_page_shows_that_task_alone(tmp_path):
    path, app = _app(tmp_path)
    with Database(path) as db:
        conn = sqlite3.connect(path)
        first, second = [r[0] for r in conn.execute(
            "SELECT t.id FROM task t JOIN work_group g ON g.id = t.group_id WHERE g.name LIKE '闽清%' "
            "ORDER BY t.position LIMIT 2")]
        conn.close()
        ops.record_progress(db, second, "另一项任务的进展")
    async with app.run_test(size=SIZE) as pilot:
        await choose_group(pilot, "闽清")
        await pilot.press("2")
        await settle(pilot)
        assert app.screen.current_task().id == first
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("p", *"已完成调研", "ctrl+s")
        await settle(pilot)
        assert type(app.screen).__name__ == "TaskScreen"
        await pilot.press("j")
        await settle(pilot)
        screen = app.screen
        assert type(screen).__name__ == "HistoryScreen"
        assert "基本养老保险参保率达到90%" in text_of(screen.query_one("#hs-title"))
        rows = _rows(screen.query_one("#hs-table"))
        assert "记录进展" in rows[0] and "已完成调研" in rows[0]
        assert "导入分工表" in rows[-1]  # the import that created it
        assert not any("另一项任务的进展" in r for r in rows)
        await pilot.press("escape")
        await settle(pilot)
        assert type(app.screen).__name__ == "TaskScreen"


async def test_pages_turn_and_x_exports_the_trail(tmp_path):
    path, app = _app(tmp_path)
    with Database(path) as db:
        conn = sqlite3.connect(path)
        (task,) = conn.execute("SELECT t.id FROM task t JOIN work_group g ON g.id = t.group_id "
                               "WHERE g.name LIKE '启东%' ORDER BY t.position LIMIT 1").fetchone()
        conn.close()
        for i in range(40):
            ops.edit_task(db, task, notes=f"备注 {i}")
    out = tmp_path / "导出"
    out.mkdir()
    app.state.set("export_dir", str(out))
    async with app.run_test(size=SIZE) as pilot:
        await choose_group(pilot, "启东")
        await pilot.press("j")
        await settle(pilot)
        screen = app.screen
        rows = _rows(screen.query_one("#hs-table"))
        assert "备注：备注 38 → 备注 39" in rows[0]
        assert "第 1/2 页" in text_of(screen.query_one("StatusLine #info"))
        await pilot.press("pagedown")
        await settle(pilot)
        assert "第 2/2 页" in text_of(screen.query_one("StatusLine #info"))
        rows = _rows(screen.query_one("#hs-table"))
        assert "导入分工表" in rows[-2] and "新建领导小组" in rows[-1]  # the oldest last
        await pilot.press("x")
        await settle(pilot)
    files = list(out.glob("*.xlsx"))
    assert [f.name for f in files] == ["启东市省健康县（区）建设领导小组_操作记录_20230701.xlsx"]


async def test_the_palette_and_help_know_the_history(tmp_path):
    _, app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await choose_group(pilot, "四平")
        await pilot.press("ctrl+p", *"czjl")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "HistoryScreen"
        await pilot.press("question_mark")
        await settle(pilot)
        shown = text_of(app.screen.query_one("#help-keys"))
        assert "本页（操作记录）" in shown and "本组/全部" in shown
