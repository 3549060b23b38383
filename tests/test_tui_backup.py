"""Backups in the TUI, by the keys a user presses: the first start of the day makes one and the
overview says when; b lists them newest first and restores one after a confirmation (the current
state is backed up first); an import through the window backs up a non-empty ledger first; the
command palette offers the same."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from models import backup
from tui import make_app
from tui.testing import choose_group, demo_copy, palette_offers, settle, text_of

SIZE = (120, 36)


def _done_count(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT COUNT(*) FROM task WHERE status = '已完成'").fetchone()[0]
    finally:
        conn.close()


async def test_first_start_of_the_day_backs_up_and_the_overview_shows_when(tmp_path):
    path = demo_copy(tmp_path)
    app = make_app(path, state_path=tmp_path / "state.json")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "最近备份：刚刚" in text_of(app.screen.query_one("#ov-head"))
    made = backup.list_backups(path)
    assert [b.reason for b in made] == ["daily"]
    app = make_app(path, state_path=tmp_path / "state.json")
    async with app.run_test(size=(80, 24)) as pilot:  # second start the same day, in a small window
        await settle(pilot)
        assert "最近备份：刚刚" in text_of(app.screen.query_one("#ov-head"), width=80)
    assert backup.list_backups(path) == made


async def test_b_lists_the_backups_and_restores_the_chosen_one_after_confirmation(tmp_path):
    path = demo_copy(tmp_path)
    app = make_app(path, state_path=tmp_path / "state.json")
    async with app.run_test(size=SIZE) as pilot:
        await choose_group(pilot, "闽清")
        daily = backup.latest_backup(path)
        assert daily is not None and daily.reason == "daily"
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("space")  # tick the first task done
        await settle(pilot)
        assert _done_count(path) == 1

        await pilot.press("1", "b")
        await settle(pilot)
        dialog = app.screen
        assert type(dialog).__name__ == "BackupsDialog"
        await pilot.press("n")  # a backup now, with the tick in it: it comes first in the list
        await settle(pilot)
        assert [b.reason for b in dialog.backups] == ["manual", "daily"]
        assert "手动备份" in str(dialog.query_one("#backups").get_option_at_index(0).prompt)
        await pilot.press("down", "enter")  # the daily one, from before the tick
        await settle(pilot)
        assert type(app.screen).__name__ == "ConfirmDialog"
        await pilot.press("escape")  # not yet
        await settle(pilot)
        assert type(app.screen).__name__ == "BackupsDialog" and _done_count(path) == 1
        await pilot.press("enter", "y")
        await settle(pilot)
        assert type(app.screen).__name__ == "OverviewScreen"
        assert _done_count(path) == 0  # the state of the daily backup
        assert app.reader is not None and app.group is not None
        await pilot.press("2")
        await settle(pilot)
        assert app.screen.current_task().status == "未启动"  # the window shows the restored data
    found = backup.list_backups(path)
    assert [b.reason for b in found] == ["restore", "manual", "daily"]
    assert _done_count(found[0].path) == 1  # what was there before the restore is kept


async def test_the_command_palette_offers_backup_and_restore(tmp_path):
    path = demo_copy(tmp_path)
    app = make_app(path, state_path=tmp_path / "state.json")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"bfyhf")  # 备份与恢复, by pinyin initials
        await palette_offers(pilot, "备份与恢复")
        await pilot.press("enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "BackupsDialog"
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"ljbf")  # 立即备份
        await palette_offers(pilot, "立即备份")
        await pilot.press("enter")
        await settle(pilot)
    assert [b.reason for b in backup.list_backups(path)] == ["manual", "daily"]


async def test_an_import_through_the_window_backs_up_the_ledger_first(tmp_path):
    path = demo_copy(tmp_path)
    table = tmp_path / "新任务.csv"
    table.write_text("序号,重点任务,牵头单位,完成时限\n1,开展老年人防诈骗宣传,县民政局,2023年12月底前\n",
                     encoding="utf-8")
    app = make_app(path, state_path=tmp_path / "state.json")
    async with app.run_test(size=SIZE) as pilot:
        await choose_group(pilot, "闽清")
        tasks_before = len(sqlite3.connect(path).execute("SELECT id FROM task").fetchall())
        await pilot.press("i")
        await settle(pilot)
        await pilot.press("shift+tab", "ctrl+u", *str(table), "enter")
        await settle(pilot)
        assert not app.screen.query_one("#im-ok").disabled
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert type(app.screen).__name__ == "OverviewScreen"
    made = backup.list_backups(path)
    assert [b.reason for b in made] == ["import", "daily"]
    conn = sqlite3.connect(made[0].path)
    assert len(conn.execute("SELECT id FROM task").fetchall()) == tasks_before  # the state before the import
    conn.close()
    conn = sqlite3.connect(path)
    assert len(conn.execute("SELECT id FROM task").fetchall()) == tasks_before + 1
    conn.close()
