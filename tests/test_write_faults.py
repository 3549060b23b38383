"""Issue 13: a write that the disk or the file refuses — a full disk, a file over the size allowed, a
read-only file or folder — ends in a Chinese message naming the cause and the file, exit 1 (the TUI:
a notice, the window keeps working), and the database as it was.

How the faults are made, unprivileged (no tmpfs): a full disk by SQLite's own ``max_page_count``
(SQLite then reports ``SQLITE_FULL``, "database or disk is full", exactly as on a full disk), a file
that cannot grow by ``RLIMIT_FSIZE`` in a child process (writes fail with EFBIG: SQLite's "disk I/O
error"), a read-only file or folder by chmod — run, when the tests run as root (who may write
anything), under ``setpriv`` without the capabilities that override file permissions — and a
read-only connection by ``PRAGMA query_only`` (SQLite's "attempt to write a readonly database")."""

from __future__ import annotations

import os
import resource
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLES, TODAY, table_rows

from models import store

TABLE = SAMPLES / "启东市省健康县区建设任务分工表.xlsx"
CSV = SAMPLES / "四平市老龄工作重点任务.csv"


def _cli(*args: str, cwd: Path, preexec=None, prefix: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    env = {**os.environ, "TAIZHANG_TODAY": TODAY, "PYTHONPATH": str(ROOT)}
    return subprocess.run([*prefix, sys.executable, "-m", "taizhang", *args], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=120, preexec_fn=preexec)


def _unchanged(result: subprocess.CompletedProcess, db: Path, before: dict, *words: str) -> None:
    assert result.returncode == 1, result.stderr[-3000:]
    assert "Traceback" not in result.stderr and "sqlite3" not in result.stderr
    assert "未作任何改动" in result.stderr
    for word in words:
        assert any(w in result.stderr for w in word.split("|")), result.stderr
    assert table_rows(db) == before
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()


@pytest.fixture
def ledger(tmp_path: Path, demo_file: Path) -> Path:
    path = tmp_path / "ledger.db"
    shutil.copy(demo_file, path)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return path


def test_an_import_onto_a_disk_that_fills_up_is_refused_and_changes_nothing(ledger, tmp_path):
    from benchmarks.data import make_division_workbook

    table = make_division_workbook(tmp_path / "大表.xlsx", 2_000)
    before = table_rows(ledger)
    limit = ledger.stat().st_size + 64 * 1024  # the backup fits; the import's pages do not

    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    result = _cli("--db", str(ledger), "import", str(table), "--group", "新小组", cwd=tmp_path, preexec=small_files)
    _unchanged(result, ledger, before, "磁盘", "「大表.xlsx」", str(ledger.name))
    assert not list(tmp_path.glob("*.tmp")) and not list((tmp_path / "backups").glob(".*.part"))


def test_sqlite_full_at_commit_is_named_in_chinese(ledger, tmp_path, monkeypatch, capsys):
    from taizhang.cli import main

    before = table_rows(ledger)
    pages = sqlite3.connect(ledger).execute("PRAGMA page_count").fetchone()[0]
    plain = store.apply_pragmas

    def full(conn):
        plain(conn)
        conn.execute(f"PRAGMA max_page_count = {pages + 2}")

    monkeypatch.setattr(store, "apply_pragmas", full)
    code = main(["--db", str(ledger), "import", str(TABLE), "--group", "新小组"])
    err = capsys.readouterr().err
    assert code == 1
    assert "磁盘空间已满" in err and str(ledger) in err and "Traceback" not in err
    monkeypatch.setattr(store, "apply_pragmas", plain)
    assert table_rows(ledger) == before


def test_an_operation_on_a_full_disk_is_refused_with_a_message(ledger, monkeypatch):
    from sqlmodel import select

    import models.db
    from models import operations as ops
    from models.errors import OperationError
    from models.tables import Group as WorkGroup

    pages = sqlite3.connect(ledger).execute("PRAGMA page_count").fetchone()[0]
    plain = models.db.apply_pragmas

    def full(conn):
        plain(conn)
        conn.execute(f"PRAGMA max_page_count = {pages}")

    before = table_rows(ledger)
    monkeypatch.setattr(models.db, "apply_pragmas", full)
    with models.db.Database(ledger) as db:
        group = db.session().exec(select(WorkGroup.id)).first()
        with pytest.raises(OperationError, match="磁盘空间已满"):
            ops.add_task(db, group, "很长的任务" * 40_000)
    assert table_rows(ledger) == before


def _no_override() -> tuple[str, ...]:
    """A prefix that makes root obey file permissions (setpriv without CAP_DAC_OVERRIDE); nothing
    for another user."""
    if os.geteuid() != 0:
        return ()
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: permissions cannot be made to apply")
    return (setpriv, "--bounding-set", "-dac_override,-dac_read_search")


def test_an_import_into_a_read_only_file_is_refused_by_name(ledger, tmp_path):
    before = table_rows(ledger)
    ledger.chmod(0o444)
    try:
        result = _cli("--db", str(ledger), "import", str(CSV), "--group", "新小组", cwd=tmp_path, prefix=_no_override())
    finally:
        ledger.chmod(0o600)
    _unchanged(result, ledger, before, "只读", str(ledger))


def test_an_import_into_a_ledger_in_a_read_only_folder_is_refused_by_name(ledger, tmp_path):
    before = table_rows(ledger)
    folder = ledger.parent
    folder.chmod(0o555)
    try:
        result = _cli("--db", str(ledger), "import", str(CSV), "--group", "新小组", cwd=tmp_path, prefix=_no_override())
    finally:
        folder.chmod(0o755)
    _unchanged(result, ledger, before, "只读|不可写", str(ledger))


def test_a_new_ledger_in_a_read_only_folder_is_not_called_damaged(tmp_path):
    folder = tmp_path / "只读"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        result = _cli("--db", str(folder / "新.db"), "import", str(CSV), cwd=tmp_path, prefix=_no_override())
    finally:
        folder.chmod(0o755)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "不可写" in result.stderr or "只读" in result.stderr or "没有权限" in result.stderr, result.stderr
    assert "损坏" not in result.stderr
    assert not (folder / "新.db").exists()


async def test_the_window_shows_a_refused_write_as_a_notice_and_keeps_working(tmp_path, monkeypatch):
    import models.db
    from tui import make_app
    from tui.testing import demo_copy, settle, task_list

    path = demo_copy(tmp_path)
    before = table_rows(path)
    plain = models.db.apply_pragmas

    def read_only(conn):
        plain(conn)
        conn.execute("PRAGMA query_only = ON")

    monkeypatch.setattr(models.db, "apply_pragmas", read_only)
    app = make_app(path, state_path=tmp_path / "state.json")
    async with app.run_test(size=(120, 36)) as pilot:
        first = await task_list(pilot, "闽清")
        await pilot.press("space")
        await settle(pilot)
        messages = "\n".join(str(n.message) for n in app._notifications)
        assert "只读" in messages and "attempt" not in messages and "sqlite" not in messages.lower()
        await pilot.press("down")
        await settle(pilot)
        assert app.screen.current_task().id != first.id  # the window still answers keys
    assert table_rows(path) == before


@pytest.mark.parametrize("command", ["backup", "restore"])
def test_a_backup_or_restore_onto_a_disk_that_fills_up_says_so_in_chinese(ledger, tmp_path, command):
    """The backup (and the one restore takes first) cannot grow past half the ledger: SQLite's
    "disk I/O error" or "database or disk is full" is said in words, and nothing is left behind."""
    from models import backup

    copy = backup.make_backup(ledger, "manual")  # restored from; made before the limit
    before = table_rows(ledger)
    limit = ledger.stat().st_size // 2

    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    args = ("backup",) if command == "backup" else ("restore", str(copy))
    result = _cli("--db", str(ledger), *args, cwd=tmp_path, preexec=small_files)
    _unchanged(result, ledger, before, "磁盘", "无法备份数据库", str(ledger.name))
    assert "disk" not in result.stderr.lower() and "database" not in result.stderr.lower(), result.stderr
    assert sorted(p.name for p in (tmp_path / "backups").iterdir()) == [copy.name]


def test_a_restore_into_a_read_only_file_is_refused_by_name_before_any_backup(ledger, tmp_path):
    from models import backup

    copy = backup.make_backup(ledger, "manual")
    before = table_rows(ledger)
    ledger.chmod(0o444)
    try:
        result = _cli("--db", str(ledger), "restore", str(copy), cwd=tmp_path, prefix=_no_override())
    finally:
        ledger.chmod(0o600)
    _unchanged(result, ledger, before, "只读", str(ledger), copy.name)
    assert "readonly" not in result.stderr
    assert sorted(p.name for p in (tmp_path / "backups").iterdir()) == [copy.name]  # no backup made for nothing


@pytest.mark.parametrize("args", [("backup",), ("export", "out.json"), ("export", "out.xlsx", "--kind", "division")])
def test_a_backup_or_export_that_cannot_open_the_ledger_says_what_did_not_happen(ledger, tmp_path, args):
    """``backup`` and ``export`` change nothing: a disk that refuses the ledger's own writes at opening
    (files cannot grow past a few KB) is said as 备份没有完成 / 文件没有写出, naming the folder —
    never "这次修改没有保存"."""
    before = table_rows(ledger)
    limit = 8 * 1024

    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    result = _cli("--db", str(ledger), *args, cwd=tmp_path, preexec=small_files)
    _unchanged(result, ledger, before, "磁盘", str(ledger.name))
    assert "这次修改没有保存" not in result.stderr, result.stderr
    if args[0] == "backup":
        assert f"备份没有完成，备份文件夹「{tmp_path / 'backups'}」中没有写入新的备份" in result.stderr, result.stderr
    else:
        assert f"文件没有写出（「{tmp_path}」中没有新的导出文件）" in result.stderr, result.stderr
        assert not (tmp_path / args[1]).exists()
