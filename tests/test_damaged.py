"""Damaged files, for real: a ledger with pages in the middle overwritten, one cut short, a text file
named .db, one emptied to 0 bytes while it has backups. At open (``PRAGMA quick_check``) each is
refused with a Chinese message that names the newest backup and the restore command — exit 1 on the
command line, a dialog offering the backups in the TUI — and the file is left as it was. Never a
traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SAMPLES, run_cli

from models import backup, store
from models.db import Database
from models.errors import DatabaseError
from models.store import DamagedDatabase
from tui import make_app
from tui.testing import settle, text_of

SIZE = (120, 36)
KINDS = ("middle", "truncated", "text", "emptied")


def damage(path: Path, kind: str) -> None:
    """Make ``path`` (a sound ledger, its WAL checkpointed) damaged in the way ``kind`` says."""
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    data = bytearray(path.read_bytes())
    if kind == "middle":  # three pages in the middle overwritten, as a bad disk sector or a crash might
        middle = len(data) // 2 // 4096 * 4096
        data[middle:middle + 3 * 4096] = b"\xa5" * (3 * 4096)
    elif kind == "truncated":  # a copy cut short
        data = data[: len(data) // 2]
    elif kind == "text":
        data = bytearray("工作台账\n一、老有所养\n".encode() * 200)
    elif kind == "emptied":  # cut to nothing (a copy that failed): not a new ledger to start afresh
        data = bytearray()
    path.write_bytes(bytes(data))


def _ledger_with_backup(demo: Path) -> Path:
    store.connect(demo).close()
    made = backup.make_backup(demo, "daily")
    return made


@pytest.mark.parametrize("kind", KINDS)
def test_opening_a_damaged_file_is_refused_naming_the_newest_backup(demo, kind):
    made = _ledger_with_backup(demo)
    damage(demo, kind)
    before = demo.read_bytes()
    with pytest.raises(DamagedDatabase) as refused:
        store.connect(demo)
    message = str(refused.value)
    assert "已损坏" in message and "不是 taizhang 的数据库文件" in message
    assert str(made) in message and f'restore "{made}"' in message
    assert demo.read_bytes() == before
    with pytest.raises(DamagedDatabase):
        Database(demo)
    assert demo.read_bytes() == before


@pytest.mark.parametrize("kind", KINDS)
def test_cli_exits_1_with_one_paragraph_naming_the_newest_backup_and_leaves_the_file(demo, tmp_path, kind):
    _ledger_with_backup(demo)
    newest = backup.make_backup(demo, "manual")
    damage(demo, kind)
    before = demo.read_bytes()
    for args in (["export", str(tmp_path / "out.json")], ["export", str(tmp_path / "out.xlsx")],
                 ["import", str(SAMPLES / "四平市老龄工作重点任务.csv")], ["backup"]):
        result = run_cli("--db", str(demo), *args)
        assert result.returncode == 1, (args, result.stderr)
        assert "Traceback" not in result.stderr
        assert "已损坏" in result.stderr and str(newest) in result.stderr
        assert f'taizhang --db "{demo}" restore "{newest}"' in result.stderr
        assert result.stderr.strip().count("\n") == 0  # one paragraph
        assert demo.read_bytes() == before
    assert not (tmp_path / "out.json").exists()


def test_without_a_backup_the_message_says_there_is_none(tmp_path):
    path = tmp_path / "台账.db"
    path.write_text("不是数据库" * 300, encoding="utf-8")
    result = run_cli("--db", str(path), "export", str(tmp_path / "x.json"))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "没有找到它的备份" in result.stderr


def test_after_restore_the_cli_works_again(demo, tmp_path):
    made = _ledger_with_backup(demo)
    damage(demo, "middle")
    damaged_bytes = demo.read_bytes()
    result = run_cli("--db", str(demo), "restore", str(made))
    assert result.returncode == 0, result.stderr
    assert "已原样另存为" in result.stdout
    copy = next((demo.parent / "backups").glob("demo-damaged-*.db"))
    assert copy.read_bytes() == damaged_bytes
    assert run_cli("--db", str(demo), "export", str(tmp_path / "out.json")).returncode == 0


def test_a_newer_or_foreign_file_is_not_called_damaged(tmp_path):
    import sqlite3

    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE orders (id INTEGER)")
    conn.commit()
    conn.close()
    with pytest.raises(DatabaseError) as refused:
        store.connect(path)
    assert not isinstance(refused.value, DamagedDatabase)


# ---------------------------------------------------------------- the TUI


async def test_tui_opens_on_a_dialog_offering_the_backups_and_restores_one(demo, tmp_path):
    older = _ledger_with_backup(demo)
    newest = backup.make_backup(demo, "manual")
    damage(demo, "middle")
    app = make_app(demo, state_path=tmp_path / "state.json")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        dialog = app.screen
        assert type(dialog).__name__ == "BackupsDialog"
        problem = text_of(dialog.query_one("#message"), width=400)
        assert "已损坏" in problem and newest.name in problem
        listed = dialog.query_one("#backups")
        assert listed.option_count == 2 and listed.highlighted == 0  # newest first, and chosen
        assert [b.path for b in dialog.backups] == [newest, older]
        await pilot.press("enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "ConfirmDialog"
        assert "原样另存" in text_of(app.screen.query_one("#message"))
        await pilot.press("y")
        await settle(pilot)
        assert type(app.screen).__name__ == "OverviewScreen"
        assert app.reader is not None and app.error is None
        assert len(app.groups) == 5
        assert "闽清县老龄工作领导小组" in text_of(app.screen.query_one("#ov-head"))
    assert store.connect(demo).execute("PRAGMA quick_check").fetchone() == ("ok",)
    assert list((demo.parent / "backups").glob("demo-damaged-*.db"))


async def test_tui_on_a_damaged_file_without_backups_says_so_and_does_not_crash(tmp_path):
    path = tmp_path / "台账.db"
    path.write_text("不是数据库" * 300, encoding="utf-8")
    before = path.read_bytes()
    app = make_app(path, state_path=tmp_path / "state.json")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert type(app.screen).__name__ == "OverviewScreen"  # nothing to offer: the whole message on the page
        head = text_of(app.screen.query_one("#ov-head"), width=400).replace("\n", "")
        assert "已损坏" in head and "没有找到它的备份" in head
        await pilot.press("i")  # nothing to work on: the keys that need the file do nothing
        await settle(pilot)
        assert type(app.screen).__name__ == "OverviewScreen"
        await pilot.press("b")
        await settle(pilot)
        dialog = app.screen
        assert type(dialog).__name__ == "BackupsDialog"
        assert "还没有备份" in text_of(dialog.query_one("#intro"))
        assert dialog.query_one("#restore").disabled
        await pilot.press("escape")
        await settle(pilot)
        assert type(app.screen).__name__ == "OverviewScreen"
    assert path.read_bytes() == before


def test_the_tui_command_opens_the_window_on_a_damaged_file_only_when_there_are_backups(demo, monkeypatch):
    import tui
    from taizhang import cli
    from taizhang.cli import main

    opened: list[Path] = []

    class Fake:
        def __init__(self, path):
            opened.append(Path(path))

        def run(self):
            pass

    monkeypatch.setattr(tui, "make_app", Fake)
    monkeypatch.setattr(cli, "_need_terminal", lambda: None)  # the test's output is a pipe; no window opens
    _ledger_with_backup(demo)
    folder = demo.parent / "backups"
    folder.rename(demo.parent / "elsewhere")
    damage(demo, "text")
    assert main(["--db", str(demo)]) == 1 and opened == []  # no backup: the message, exit 1
    (demo.parent / "elsewhere").rename(folder)
    assert main(["--db", str(demo)]) == 0 and opened == [demo]  # the window offers the backups
