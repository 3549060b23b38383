"""A command kept waiting for another writer (a window's change, an import) says so the way every
command speaks ("taizhang：…", one paragraph, exit 1) and changes nothing — undo and redo included;
``restore`` waits a bounded time and says the ledger is busy instead of waiting for ever."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading

import pytest
from conftest import ROOT, run_cli, table_rows, TODAY

from models.locking import BUSY_MESSAGE

# the waits made short (a fraction of a second instead of 15 s) in the command's own process
_SHORT_WAITS = ("import sys, models.store, models.db, models.locking, models.server_conn, models.backup; "
                "models.store.BUSY_TIMEOUT_MS = models.db.BUSY_TIMEOUT_MS = 50; models.locking.RETRIES = 1; "
                "models.server_conn.LOCK_TIMEOUT = '200ms'; models.backup.RESTORE_WAIT_S = 0.3; "
                "from taizhang.cli import main; sys.exit(main(sys.argv[1:]))")


def _run_short(*args: str) -> subprocess.CompletedProcess:
    import os

    return subprocess.run([sys.executable, "-c", _SHORT_WAITS, *args], capture_output=True, text=True,
                          env={**os.environ, "TAIZHANG_TODAY": TODAY}, cwd=ROOT, timeout=120)


class _Holder:
    """Another process's write in progress on the ledger: SQLite's write lock on a file, the
    ledger's advisory write lock on a server."""

    def __init__(self, target) -> None:
        if str(target).startswith("postgresql://"):
            import psycopg

            from models.server_conn import WRITE_LOCK

            self.conn = psycopg.connect(str(target), autocommit=True)
            self.conn.execute("SELECT pg_advisory_lock(%s)", (WRITE_LOCK,))
            self.release = lambda: (self.conn.execute("SELECT pg_advisory_unlock_all()"), self.conn.close())
        else:
            self.conn = sqlite3.connect(target, isolation_level=None, check_same_thread=False)
            self.conn.execute("BEGIN IMMEDIATE")
            self.release = lambda: (self.conn.execute("ROLLBACK"), self.conn.close())


@pytest.mark.both_engines
def test_every_write_command_kept_waiting_speaks_like_the_others(demo):
    """undo, redo, settings, round and import behind another writer: "taizhang：" and the busy
    sentence on stderr, nothing on stdout, exit 1, the ledger as it was."""
    made = run_cli("--db", str(demo), "settings", "--group", "四平市老龄工作委员会", "--review", "on")  # something to undo
    assert made.returncode == 0, made.stderr
    taken_back = run_cli("--db", str(demo), "undo")  # and something to redo
    assert taken_back.returncode == 0, taken_back.stderr
    before = table_rows(demo)
    holder = _Holder(demo)
    try:
        runs = {" ".join(argv): _run_short("--db", str(demo), *argv) for argv in (
            ["undo"], ["redo"], ["settings", "--group", "四平市老龄工作委员会", "--review", "off"], ["round", "open", "--group", "四平市老龄工作委员会"],
            ["import", str(ROOT / "sample_data" / "四平市老龄工作重点任务.csv"), "--group", "新的小组"])}
    finally:
        holder.release()
    for argv, done in runs.items():
        assert done.returncode == 1, (argv, done.stdout, done.stderr)
        assert done.stderr.startswith("taizhang：") and BUSY_MESSAGE in done.stderr, (argv, done.stderr)
        assert done.stdout == "" and "Traceback" not in done.stderr and "locked" not in done.stderr, argv
    assert table_rows(demo) == before


@pytest.mark.file_only("SQLite's backup of a file")
def test_a_restore_behind_another_writer_gives_up_in_words_and_changes_nothing(demo, tmp_path):
    """Another window holds the write lock: the restore does not wait for ever (Python's backup would
    retry without end), says the ledger is busy, makes no "restore" backup and changes nothing; once
    the other is done the same restore goes through."""
    source = tmp_path / "other.db"
    sqlite3.connect(demo).execute("VACUUM INTO ?", (str(source),)).connection.close()
    with sqlite3.connect(source) as conn:
        conn.execute("UPDATE task SET notes = '备份中的说明' WHERE id = (SELECT min(id) FROM task)")
    conn.close()
    before = table_rows(demo)
    holder = _Holder(demo)
    finished: list[subprocess.CompletedProcess] = []
    try:
        worker = threading.Thread(target=lambda: finished.append(_run_short("--db", str(demo), "restore", str(source))))
        worker.start()
        worker.join(100)  # a guard against a hang (the fault this test is for), not a measured time
    finally:
        holder.release()
    worker.join(100)
    assert finished, "restore still waiting after the other writer was long gone"
    done = finished[0]
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert done.stderr.startswith("taizhang：") and "台账正忙" in done.stderr and "未作任何改动" in done.stderr
    assert "Traceback" not in done.stderr and "locked" not in done.stderr
    assert not list((demo.parent / "backups").glob("*-restore.db"))  # no backup made before it held the lock
    assert table_rows(demo) == before

    again = run_cli("--db", str(demo), "restore", str(source))
    assert again.returncode == 0, again.stderr
    assert len(list((demo.parent / "backups").glob("*-restore.db"))) == 1
    with sqlite3.connect(demo) as conn:
        assert conn.execute("SELECT notes FROM task ORDER BY id LIMIT 1").fetchone() == ("备份中的说明",)
    conn.close()
