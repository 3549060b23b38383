"""Backups (models.backup and the commands): a consistent copy through SQLite's backup API into
``backups`` beside the file, named by time, owner-only, the last 30 kept; made before an import into
a non-empty ledger, before a schema upgrade and once a day; ``restore`` saves the current state
first and refuses a backup that is damaged or not a ledger."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import stat
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from conftest import SAMPLES, run_cli

from models import backup, store
from models.backup import KEEP, BackupError

POSIX = sys.platform != "win32"
CSV = SAMPLES / "四平市老龄工作重点任务.csv"


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _rows(path: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def _statuses(path: Path) -> list[tuple]:
    return _rows(path, "SELECT id, status FROM task ORDER BY id")


def _clock(monkeypatch: pytest.MonkeyPatch, start: datetime, step: timedelta = timedelta(0)) -> None:
    """Backups named as if made at ``start``, ``start + step``, …"""
    times = iter(start + i * step for i in range(10_000))
    monkeypatch.setattr(backup, "_stamp", lambda: next(times))


# ---------------------------------------------------------------- making and listing


def test_a_backup_is_a_consistent_private_copy_beside_the_file_named_by_time(demo):
    conn = store.connect(demo)  # a change still in the WAL (the connection stays open): a file copy would miss it
    conn.execute("UPDATE task SET status = '已完成', done_on = '2023-06-30' WHERE id = 1")
    assert Path(f"{demo}-wal").stat().st_size > 0

    made = backup.make_backup(demo, "manual")
    conn.close()

    assert made.parent == demo.parent / "backups"
    assert re.fullmatch(r"demo-20230701-\d{6}-manual\.db", made.name)  # the date is "today" (TAIZHANG_TODAY)
    assert _rows(made, "SELECT status FROM task WHERE id = 1") == [("已完成",)]
    assert _rows(made, "PRAGMA quick_check") == [("ok",)]
    assert _rows(made, "PRAGMA journal_mode") == [("delete",)]  # one self-contained file
    assert _statuses(made) == _statuses(demo)
    assert sorted(p.name for p in made.parent.iterdir()) == [made.name]  # no -wal, -journal or .part left
    if POSIX:
        assert _mode(made) == 0o600
        assert _mode(made.parent) == 0o700


def test_list_is_newest_first_with_time_size_and_reason_and_ignores_other_files(demo, monkeypatch):
    _clock(monkeypatch, datetime(2023, 7, 1, 9, 0, 0), timedelta(minutes=5))
    first = backup.make_backup(demo, "daily")
    second = backup.make_backup(demo, "import")
    folder = demo.parent / "backups"
    (folder / "other-20230701-090000-daily.db").write_bytes(b"x")  # another ledger's backup
    (folder / "demo-damaged-20230701-090000.db").write_bytes(b"x")  # a damaged file put aside
    (folder / "demo-20230701-110000-manual.db").touch()  # empty: not a backup
    (folder / f".{second.name}.part").write_bytes(b"x")  # half written
    (folder / "notes.txt").write_text("x")

    found = backup.list_backups(demo)
    assert [b.path for b in found] == [second, first]
    assert found[0].time == datetime(2023, 7, 1, 9, 5) and found[0].reason_text == "导入前"
    assert found[1].reason_text == "每日备份" and found[1].size == first.stat().st_size > 0
    assert backup.latest_backup(demo).path == second
    assert "2023-07-01 09:05:00" in found[0].label and "导入前" in found[0].label


def test_two_backups_in_the_same_second_get_different_names(demo, monkeypatch):
    _clock(monkeypatch, datetime(2023, 7, 1, 9, 0, 0))
    made = [backup.make_backup(demo, "manual") for _ in range(3)]
    assert [p.name for p in made] == ["demo-20230701-090000-manual.db", "demo-20230701-090000-manual-2.db",
                                      "demo-20230701-090000-manual-3.db"]
    assert [b.path for b in backup.list_backups(demo)] == made[::-1]


def test_only_the_last_30_are_kept(db_path, db, monkeypatch):
    db.close()
    _clock(monkeypatch, datetime(2023, 6, 1, 8, 0, 0), timedelta(hours=7))
    made = [backup.make_backup(db_path, "daily") for _ in range(KEEP + 5)]
    kept = backup.list_backups(db_path)
    assert KEEP == 30 and len(kept) == 30
    assert [b.path for b in kept] == made[:4:-1]  # the five oldest are gone
    assert not any(p.exists() for p in made[:5])
    assert len(list((db_path.parent / "backups").iterdir())) == 30


def test_a_missing_database_is_not_backed_up(tmp_path):
    with pytest.raises(BackupError, match="不存在"):
        backup.make_backup(tmp_path / "none.db")
    assert not (tmp_path / "none.db").exists() and not (tmp_path / "backups").exists()


@pytest.mark.skipif(not POSIX, reason="POSIX permissions")
def test_database_wal_shm_and_backups_are_readable_by_the_owner_only(tmp_path):
    old = os.umask(0o022)
    try:
        path = tmp_path / "台账.db"
        conn = store.connect(path)
        conn.execute("INSERT INTO unit (name, created_at) VALUES ('县民政局', '2023-07-01 09:00:00')")
        wal, shm = Path(f"{path}-wal"), Path(f"{path}-shm")
        assert wal.exists() and shm.exists()  # SQLite gives them the database file's permissions
        assert (_mode(path), _mode(wal), _mode(shm)) == (0o600, 0o600, 0o600)
        made = backup.make_backup(path, "manual")
        conn.close()
        assert _mode(made) == 0o600 and _mode(made.parent) == 0o700
        restored = backup.restore(path, made)
        assert _mode(path) == 0o600 and _mode(restored.saved) == 0o600
        path.write_text("损坏了")
        damaged = backup.restore(path, made).damaged_copy
        assert _mode(damaged) == 0o600 and _mode(path) == 0o600
    finally:
        os.umask(old)


# ---------------------------------------------------------------- restoring


def test_restore_brings_the_backup_back_after_backing_up_the_current_state(demo):
    before = _statuses(demo)
    made = backup.make_backup(demo, "manual")
    conn = store.connect(demo)
    conn.execute("UPDATE task SET status = '已完成', done_on = '2023-07-01'")
    conn.close()
    changed = _statuses(demo)
    assert changed != before

    done = backup.restore(demo, made)

    assert _statuses(demo) == before
    assert done.saved is not None and done.saved.name.endswith("-restore.db") and done.damaged_copy is None
    assert _statuses(done.saved) == changed  # the state before the restore is kept
    assert done.source.path == made
    assert _rows(demo, "PRAGMA quick_check") == [("ok",)]
    assert _rows(demo, "PRAGMA journal_mode") == [("wal",)]


def test_restore_reaches_a_window_that_has_the_file_open(demo):
    """Through the backup API, not by replacing the file: a connection already open sees it."""
    made = backup.make_backup(demo, "manual")
    other = store.connect(demo)
    other.execute("UPDATE task SET status = '已完成'")
    assert other.execute("SELECT COUNT(*) FROM task WHERE status = '已完成'").fetchone()[0] > 0
    backup.restore(demo, made)
    assert other.execute("SELECT COUNT(*) FROM task WHERE status = '已完成'").fetchone()[0] == 0
    other.close()


def test_restore_of_a_damaged_file_keeps_a_raw_copy_of_it(demo):
    made = backup.make_backup(demo, "manual")
    demo.write_bytes(b"garbage " * 1000)
    Path(f"{demo}-wal").unlink(missing_ok=True)
    done = backup.restore(demo, made)
    assert done.saved is None
    assert done.damaged_copy.read_bytes() == b"garbage " * 1000
    assert re.fullmatch(r"demo-damaged-20230701-\d{6}\.db", done.damaged_copy.name)
    assert _statuses(demo) == _statuses(made)
    assert done.damaged_copy not in [b.path for b in backup.list_backups(demo)]  # not offered for restoring


def test_restore_into_a_missing_file_creates_it(demo, tmp_path):
    made = backup.make_backup(demo, "manual")
    target = tmp_path / "新电脑" / "台账.db"
    target.parent.mkdir()
    done = backup.restore(target, made)
    assert done.saved is None and done.damaged_copy is None
    assert _statuses(target) == _statuses(demo)


def _damaged_copy(good: Path, where: Path) -> Path:
    data = bytearray(good.read_bytes())
    middle = len(data) // 2 // 4096 * 4096
    data[middle:middle + 3 * 4096] = b"\xa5" * (3 * 4096)
    where.write_bytes(bytes(data))
    return where


def _foreign(where: Path) -> Path:
    conn = sqlite3.connect(where)
    conn.execute("CREATE TABLE orders (id INTEGER)")
    conn.commit()
    conn.close()
    return where


def _newer(where: Path) -> Path:
    conn = sqlite3.connect(where)
    conn.execute("CREATE TABLE task (id INTEGER)")
    conn.execute("PRAGMA user_version = 99")
    conn.commit()
    conn.close()
    return where


@pytest.mark.parametrize("kind, message", [
    ("damaged", "已损坏"), ("text", "不是数据库"), ("foreign", "不是 taizhang 的数据库"), ("newer", "较新版本"),
    ("missing", "不存在"),
])
def test_restore_refuses_a_file_that_is_not_a_sound_ledger_and_changes_nothing(demo, tmp_path, kind, message):
    good = backup.make_backup(demo, "manual")
    candidate = tmp_path / f"{kind}.db"
    if kind == "damaged":
        _damaged_copy(good, candidate)
    elif kind == "text":
        candidate.write_text("这不是数据库\n" * 100, encoding="utf-8")
    elif kind == "foreign":
        _foreign(candidate)
    elif kind == "newer":
        _newer(candidate)
    store.connect(demo).close()
    before = demo.read_bytes()
    with pytest.raises(BackupError, match=message) as refused:
        backup.restore(demo, candidate)
    assert "数据库未作任何改动" in str(refused.value)
    assert demo.read_bytes() == before
    assert [b.path for b in backup.list_backups(demo)] == [good]  # no backup of the current state either


# ---------------------------------------------------------------- when backups are made


def test_daily_backup_once_a_day_and_not_of_an_empty_ledger(db_path, db, monkeypatch):
    db.close()
    assert backup.daily_backup_if_due(db_path) is None  # nothing to lose yet
    conn = store.connect(db_path)
    conn.execute("INSERT INTO unit (name, created_at) VALUES ('县民政局', '2023-07-01 09:00:00')")
    conn.close()
    first = backup.daily_backup_if_due(db_path)
    assert first is not None and first.name.startswith("ledger-20230701-") and first.name.endswith("-daily.db")
    assert backup.daily_backup_if_due(db_path) is None  # second start the same day
    monkeypatch.setenv("TAIZHANG_TODAY", "2023-07-02")
    second = backup.daily_backup_if_due(db_path)
    assert second is not None and "-20230702-" in second.name
    assert backup.daily_backup_if_due(db_path) is None
    assert len(backup.list_backups(db_path)) == 2


def test_any_backup_of_the_day_counts_as_the_daily_one(demo):
    backup.make_backup(demo, "import")
    assert backup.daily_backup_if_due(demo) is None


def test_cli_import_backs_up_only_a_non_empty_ledger_and_not_on_a_dry_run(tmp_path):
    path = tmp_path / "台账.db"
    first = run_cli("--db", str(path), "import", str(CSV))
    assert first.returncode == 0, first.stderr
    assert backup.list_backups(path) == []  # a new, empty ledger: nothing to back up
    before = _rows(path, "SELECT COUNT(*) FROM task")

    dry = run_cli("--db", str(path), "import", str(CSV), "--dry-run", "--group", "另一个小组")
    assert dry.returncode == 0, dry.stderr
    assert backup.list_backups(path) == []

    again = run_cli("--db", str(path), "import", str(CSV), "--group", "另一个小组")
    assert again.returncode == 0, again.stderr
    made = backup.list_backups(path)
    assert [b.reason for b in made] == ["import"]
    assert _rows(made[0].path, "SELECT COUNT(*) FROM task") == before  # the state before the import
    assert _rows(path, "SELECT COUNT(*) FROM task") != before

    same = run_cli("--db", str(path), "import", str(CSV), "--group", "另一个小组")
    assert same.returncode == 0 and "没有改动" in same.stdout
    assert len(backup.list_backups(path)) == 1  # an import that changes nothing makes no backup


def test_cli_import_refuses_when_the_backup_cannot_be_made(tmp_path):
    path = tmp_path / "台账.db"
    assert run_cli("--db", str(path), "import", str(CSV)).returncode == 0
    (tmp_path / "backups").write_text("a file where the folder should be")
    result = run_cli("--db", str(path), "import", str(CSV), "--group", "另一个小组")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "无法备份" in result.stderr and "没有导入" in result.stderr
    assert _rows(path, "SELECT name FROM work_group") == [("四平市加强新时代老龄工作领导小组",)]  # named from its title


def test_an_upgrade_is_preceded_by_a_backup_of_the_old_file(tmp_path):
    from test_schema import V1_SCHEMA

    from models.db import Database
    from models.migrations import CURRENT_VERSION

    path = tmp_path / "v1.db"
    conn = sqlite3.connect(path)
    conn.executescript(V1_SCHEMA)
    conn.close()

    Database(path).close()

    made = backup.list_backups(path)
    assert [b.reason for b in made] == ["upgrade"]
    assert _rows(made[0].path, "PRAGMA user_version") == [(1,)]  # the file as it was
    assert _rows(made[0].path, "SELECT content FROM task") == [("高龄津贴发放覆盖率100%",)]
    assert _rows(path, "PRAGMA user_version") == [(CURRENT_VERSION,)]
    Database(path).close()
    assert len(backup.list_backups(path)) == 1  # already current: no more


def test_a_new_or_current_file_is_opened_without_a_backup(db_path, db):
    db.close()
    store.connect(db_path).close()
    assert not (db_path.parent / "backups").exists()


def test_restoring_an_old_version_backup_upgrades_it(tmp_path, demo):
    from test_schema import V1_SCHEMA

    from models.migrations import CURRENT_VERSION

    old = tmp_path / "old.db"
    conn = sqlite3.connect(old)
    conn.executescript(V1_SCHEMA)
    conn.close()
    backup.restore(demo, old)
    assert _rows(demo, "PRAGMA user_version") == [(CURRENT_VERSION,)]
    assert _rows(demo, "SELECT name FROM work_group") == [("闽清县老龄工作领导小组",)]


# ---------------------------------------------------------------- the commands


def test_backup_list_and_restore_commands(demo):
    made = run_cli("--db", str(demo), "backup")
    assert made.returncode == 0, made.stderr
    first = Path(made.stdout.strip().removeprefix("已备份："))
    assert first.is_file() and first.parent == demo.parent / "backups"

    conn = store.connect(demo)
    conn.execute("UPDATE task SET status = '已完成'")
    conn.close()

    listed = run_cli("--db", str(demo), "backup", "--list")
    assert listed.returncode == 0 and str(first) in listed.stdout and "手动备份" in listed.stdout

    restored = run_cli("--db", str(demo), "restore", first.name)  # a bare name is looked up in backups/
    assert restored.returncode == 0, restored.stderr
    assert "恢复前的数据已备份为" in restored.stdout and "已从" in restored.stdout
    assert _rows(demo, "SELECT COUNT(*) FROM task WHERE status = '已完成'") == [(0,)]
    assert [b.reason for b in backup.list_backups(demo)] == ["restore", "manual"]


def test_commands_refuse_bad_input_with_exit_1(tmp_path, demo):
    missing = run_cli("--db", str(tmp_path / "none.db"), "backup")
    assert missing.returncode == 1 and "不存在" in missing.stderr
    assert not (tmp_path / "none.db").exists()
    empty = run_cli("--db", str(tmp_path / "none.db"), "backup", "--list")
    assert empty.returncode == 0 and "还没有备份" in empty.stdout
    nofile = run_cli("--db", str(demo), "restore", str(tmp_path / "没有.db"))
    assert nofile.returncode == 1 and "找不到备份文件" in nofile.stderr
    text = tmp_path / "text.db"
    text.write_text("hello")
    refused = run_cli("--db", str(demo), "restore", str(text))
    assert refused.returncode == 1 and "不能用于恢复" in refused.stderr and "Traceback" not in refused.stderr
    assert run_cli("--db", str(demo), "restore").returncode == 2


def test_backup_commands_do_not_load_textual_or_the_orm(demo):
    import subprocess

    code = ("import sys; from taizhang.cli import main; status = main(sys.argv[1:]); "
            "print(status, sorted({m.split('.')[0] for m in sys.modules} & {'sqlalchemy', 'sqlmodel', 'textual'}))")
    for args in (["backup"], ["backup", "--list"]):
        out = subprocess.run([sys.executable, "-c", code, "--db", str(demo), *args], capture_output=True,
                             text=True, env={**os.environ, "TAIZHANG_TODAY": "2023-07-01"}, timeout=60, check=False)
        assert out.stdout.strip().splitlines()[-1] == "0 []", out.stderr
    shutil.rmtree(demo.parent / "backups")
