"""Reliability (issue 7): an import killed at any moment leaves the file whole with all of it or
none of it; two processes writing at once both succeed and nothing is lost; a change that would
overwrite what another window changed since is refused; a writer kept waiting too long is told so
in words, never "database is locked"."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from conftest import ROOT, TODAY

# SQLite's own locks, busy timeout and integrity_check (the server's writers taking turns, kills and
# refusals: test_import_server.py, test_postgres.py, test_server_writes.py)
pytestmark = pytest.mark.file_only("SQLite's locking")

from benchmarks.data import make_division_workbook
from models import operations as ops
from models.db import Database
from models.errors import OperationError

TASKS = 2000


@pytest.fixture(scope="module")
def big_table(tmp_path_factory) -> Path:
    return make_division_workbook(tmp_path_factory.mktemp("big") / "分工表.xlsx", TASKS)


def _import_cmd(db: Path, table: Path) -> list[str]:
    return [sys.executable, "-m", "taizhang", "--db", str(db), "import", str(table), "--group", "大表"]


def _env() -> dict[str, str]:
    return {**os.environ, "TAIZHANG_TODAY": TODAY}


def _state(db: Path) -> tuple[str, int, int, int]:
    """(integrity, tasks, assignments of them, import history entries) of the group 大表."""
    conn = sqlite3.connect(db)
    try:
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        group = conn.execute("SELECT id FROM work_group WHERE name = '大表'").fetchone()
        if group is None:
            tasks = assigns = 0
        else:
            tasks = conn.execute("SELECT count(*) FROM task WHERE group_id = ?", group).fetchone()[0]
            assigns = conn.execute("SELECT count(*) FROM assignment a JOIN task t ON t.id = a.task_id "
                                   "WHERE t.group_id = ?", group).fetchone()[0]
        imports = conn.execute("SELECT count(*) FROM history WHERE action = 'import' AND summary LIKE '%大表%'").fetchone()[0]
        return integrity, tasks, assigns, imports
    finally:
        conn.close()


def _kill_when(db: Path, table: Path, ready) -> None:
    """Start the import, wait until ``ready(elapsed)`` says so, then kill -9."""
    proc = subprocess.Popen(_import_cmd(db, table), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=_env())
    start = time.perf_counter()
    try:
        while proc.poll() is None and not ready(time.perf_counter() - start):
            time.sleep(0.0005)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)


def test_an_import_killed_at_any_moment_leaves_all_of_it_or_none(demo, big_table):
    """The demo ledger (so the file is not empty), a 2,000-task table, and kill -9 at fractions of
    a full run's time and at the moment the write-ahead log starts to grow (inside the commit)."""
    full = demo.parent / "full.db"
    full.write_bytes(demo.read_bytes())
    start = time.perf_counter()
    subprocess.run(_import_cmd(full, big_table), check=True, capture_output=True, env=_env())
    duration = time.perf_counter() - start
    complete = _state(full)
    assert complete[0] == "ok" and complete[1] == TASKS and complete[3] == 1

    outcomes = []
    wal = None
    points = [f * duration for f in (0.3, 0.5, 0.65, 0.8, 0.9, 0.95, 1.0)]
    for at in [*points, "wal"]:
        db = demo.parent / "killed.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        db.write_bytes(demo.read_bytes())
        wal = Path(f"{db}-wal")
        if at == "wal":
            base = {"size": None}

            def growing(_elapsed: float) -> bool:  # noqa: B023 - used at once
                try:  # the import may remove its log between a look for it and a look at it
                    size = wal.stat().st_size
                except FileNotFoundError:
                    size = 0
                if base["size"] is None:
                    base["size"] = size
                return size > base["size"] + 64 * 1024

            _kill_when(db, big_table, growing)
        else:
            _kill_when(db, big_table, lambda elapsed, at=at: elapsed >= at)
        integrity, tasks, assigns, imports = _state(db)
        assert integrity == "ok", f"killed at {at}: {integrity}"
        assert (tasks, assigns, imports) in ((0, 0, 0), complete[1:]), f"killed at {at}: {tasks} tasks"
        outcomes.append(tasks)
        # the file is usable afterwards: the import runs to the end
        done = subprocess.run(_import_cmd(db, big_table), capture_output=True, text=True, env=_env())
        assert done.returncode == 0, done.stderr
        assert _state(db)[1:] == complete[1:]
    assert 0 in outcomes  # some kills did land before the commit (else this proved nothing)


def test_two_processes_write_at_once_and_nothing_is_lost(demo, big_table):
    """An import and a window's stream of changes on one file at the same time: both finish, every
    change is there, and nobody was told "database is locked". The overlap is proved, not hoped
    for: the import starts once the writer has written, and the writer goes on until it sees the
    import committed, so its ticks stand in the history both before and after the import."""
    script = textwrap.dedent(f"""
        import sqlite3, sys
        sys.path.insert(0, {str(ROOT)!r})
        from models import operations as ops
        from models.db import Database
        db = Database(sys.argv[1])
        look = sqlite3.connect(sys.argv[1])
        group = ops.create_group(db, "并发")
        written, after = 0, 0
        while after < 5:
            task = ops.add_task(db, group, f"第{{written}}项并发写入的任务")
            ops.tick(db, task)
            written += 1
            if written == 1:
                print("started", flush=True)
            if after or look.execute("SELECT 1 FROM work_group WHERE name = '大表'").fetchone():
                after += 1
            if written > 20000:
                sys.exit("the import never committed")
        print(f"ok {{written}}")
    """)
    env = _env()
    writer = subprocess.Popen([sys.executable, "-c", script, str(demo)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=env)
    assert writer.stdout.readline() == "started\n"  # the writer is writing: now the import
    importer = subprocess.run(_import_cmd(demo, big_table), capture_output=True, text=True, env=env, timeout=120)
    out, err = writer.communicate(timeout=120)
    assert importer.returncode == 0, importer.stderr
    assert writer.returncode == 0 and out.startswith("ok "), err
    written = int(out.split()[1])
    for text in (err, importer.stderr):
        assert "locked" not in text and "Traceback" not in text
    conn = sqlite3.connect(demo)
    try:
        done = conn.execute("SELECT count(*) FROM task t JOIN work_group g ON g.id = t.group_id "
                            "WHERE g.name = '并发' AND t.status = '已完成'").fetchone()[0]
        big = conn.execute("SELECT count(*) FROM task t JOIN work_group g ON g.id = t.group_id "
                           "WHERE g.name = '大表'").fetchone()[0]
        ticks, first_tick, last_tick = conn.execute(
            "SELECT count(*), min(id), max(id) FROM history WHERE action = 'tick'").fetchone()
        (imported,) = conn.execute("SELECT max(id) FROM history WHERE action = 'import'").fetchone()
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()
    assert (done, big, ticks) == (written, TASKS, written)
    assert first_tick < imported < last_tick  # the two really wrote at the same time


def test_two_processes_creating_the_same_new_file_both_succeed(tmp_path):
    db = tmp_path / "新.db"
    procs = [subprocess.Popen([sys.executable, "-m", "taizhang", "--db", str(db), "export", str(tmp_path / f"{i}.json")],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env())
             for i in range(4)]
    results = [p.communicate(timeout=60) + (p.returncode,) for p in procs]
    assert all(code == 0 for _, _, code in results), results
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] > 0
    assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'task'").fetchone()[0] == 1
    conn.close()


def _first_task(db: Database) -> tuple[int, str | None, str]:
    from sqlmodel import select

    from models.tables import Task

    with db.session() as s:
        task = s.exec(select(Task).order_by(Task.id)).first()
        return task.id, task.deadline, task.status


def test_an_edit_over_a_change_made_elsewhere_is_refused(demo):
    with Database(demo) as mine, Database(demo) as theirs:
        task_id, deadline, _ = _first_task(mine)  # what my window shows
        ops.edit_task(theirs, task_id, deadline="2023年9月底前")  # another window, meanwhile
        with pytest.raises(OperationError, match="已被修改.*完成时限现在是「2023年9月底前」"):
            ops.edit_task(mine, task_id, deadline="2023年12月底前", expected={"deadline": deadline or ""})
        assert _first_task(mine)[1] == "2023年9月底前"
        # a field nobody else touched still saves; so does an edit made on what is there now
        ops.edit_task(mine, task_id, notes="已核对", expected={"notes": ""})
        ops.edit_task(mine, task_id, deadline="2023年12月底前", expected={"deadline": "2023年9月底前"})
        assert _first_task(mine)[1] == "2023年12月底前"


def test_a_tick_does_not_undo_another_windows_tick(demo):
    with Database(demo) as mine, Database(demo) as theirs:
        task_id, _, status = _first_task(mine)
        assert status != "已完成"
        ops.tick(theirs, task_id)
        with pytest.raises(OperationError, match="已由另一个窗口或一次导入标为「已完成」"):
            ops.tick(mine, task_id, seen_done=False)
        assert _first_task(mine)[2] == "已完成"
        assert ops.tick(mine, task_id, seen_done=True) != "已完成"


def test_a_writer_waits_for_another_and_then_saves(demo, monkeypatch):
    """Another process holds the write lock: the tick meets it (proved by reaching the wait between
    tries), waits, and saves once the other commits, over what the other wrote (nothing lost)."""
    import types

    import models.db
    import models.locking
    import models.store

    monkeypatch.setattr(models.store, "BUSY_TIMEOUT_MS", 0)  # SQLite gives up at once: our own wait runs
    monkeypatch.setattr(models.db, "BUSY_TIMEOUT_MS", 0)
    blocked, released = threading.Event(), threading.Event()

    def wait(_seconds: float) -> None:
        blocked.set()
        assert released.wait(60)

    monkeypatch.setattr(models.locking, "time", types.SimpleNamespace(sleep=wait))
    other = sqlite3.connect(demo, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")  # another process in the middle of a write
    results: list[object] = []
    with Database(demo) as db:
        task_id = _first_task(db)[0]
        ticking = threading.Thread(target=lambda: results.append(ops.tick(db, task_id)))
        ticking.start()
        assert blocked.wait(60)  # the tick found the lock taken and is waiting
        assert results == []
        other.execute("UPDATE task SET notes = '别处写的' WHERE id = ?", (task_id,))
        other.execute("COMMIT")
        released.set()
        ticking.join(60)
        assert results == ["已完成"]
    other.close()
    with Database(demo) as db, db.session() as s:
        from models.tables import Task

        task = s.get(Task, task_id)
        assert (task.status, task.notes) == ("已完成", "别处写的")


def test_a_writer_kept_waiting_too_long_is_told_in_words(demo, monkeypatch):
    import models.db
    import models.locking
    import models.store

    monkeypatch.setattr(models.store, "BUSY_TIMEOUT_MS", 50)
    monkeypatch.setattr(models.db, "BUSY_TIMEOUT_MS", 50)
    monkeypatch.setattr(models.locking, "RETRIES", 1)
    other = sqlite3.connect(demo, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with Database(demo) as db:
            task_id = _first_task(db)[0]
            with pytest.raises(OperationError, match="长时间占用") as caught:
                ops.tick(db, task_id)
            assert "locked" not in str(caught.value)
    finally:
        other.execute("ROLLBACK")
        other.close()


def test_an_import_kept_waiting_too_long_says_so_and_changes_nothing(demo, big_table):
    other = sqlite3.connect(demo, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        code = ("import sys, models.store, models.locking; models.store.BUSY_TIMEOUT_MS = 50; "
                "models.locking.RETRIES = 1; from taizhang.cli import main; sys.exit(main(sys.argv[1:]))")
        result = subprocess.run([sys.executable, "-c", code, "--db", str(demo), "import", str(big_table), "--group", "大表"],
                                capture_output=True, text=True, env=_env(), cwd=ROOT, timeout=60)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert result.returncode == 1
    assert "长时间占用" in result.stderr and "locked" not in result.stderr and "Traceback" not in result.stderr
    assert _state(demo)[1] == 0


def test_the_command_line_opens_no_network_connection(demo, tmp_path):
    """Import, export and backup with socket creation made to fail: they still work."""
    code = textwrap.dedent("""
        import socket, sys
        def refuse(*a, **k):
            raise AssertionError("network connection attempted")
        socket.socket.connect = socket.socket.connect_ex = socket.socket.sendto = refuse
        socket.create_connection = socket.getaddrinfo = refuse
        from taizhang.cli import main
        sys.exit(main(sys.argv[1:]))
    """)
    sample = next((ROOT / "sample_data").glob("*.xlsx"))
    for args in (["import", str(sample), "--group", "网络"], ["export", str(tmp_path / "out.xlsx"), "--group", "网络"],
                 ["export", str(tmp_path / "out.json")]):
        result = subprocess.run([sys.executable, "-c", code, "--db", str(demo), *args], capture_output=True,
                                text=True, env=_env(), cwd=ROOT, timeout=120)
        assert result.returncode == 0, result.stderr



def test_an_import_that_would_leave_a_dangling_reference_is_refused_whole(demo, big_table, monkeypatch):
    """The import checks foreign keys once before committing (not per row): a row pointing at a
    unit that does not exist makes the whole import fail and leaves the file as it was."""
    from importers import load as loader
    from importers import read_file

    table = read_file(big_table)
    real_id = loader._Units.id

    def wrong_id(self, raw: str) -> int:  # a bug that would point 县民政局's rows at no unit
        if raw == "县民政局":
            self.names[999_999] = raw
            return 999_999
        return real_id(self, raw)

    monkeypatch.setattr(loader._Units, "id", wrong_id)
    before = _state(demo)
    with pytest.raises(OperationError, match="冲突"):
        loader.load(demo, table, "大表")
    assert _state(demo) == before
