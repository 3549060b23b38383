"""Issue 13: a write refused by a full disk leaves the folder as it was — no ``-wal``/``-shm`` of
SQLite beside the ledger (nor beside a ledger a restore read) — and a WAL that holds committed
changes is never removed (``models.sidecars``).

A disk full to the last byte is made, unprivileged and without tmpfs, by ``RLIMIT_FSIZE`` in a child
process: no file may grow past 16 KB, so SQLite can size neither its 32 KB ``-shm`` nor a WAL — the
state in which it fails before it holds the file, and so cannot remove them as its last close does.
"""

from __future__ import annotations

import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLES, TODAY, table_rows

from models import sidecars

CSV = SAMPLES / "四平市老龄工作重点任务.csv"
LIMIT = 16 * 1024  # below the 32 KB of SQLite's -shm


def _small_files() -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (LIMIT, LIMIT))


def _cli(*args: str, cwd: Path, preexec=None) -> subprocess.CompletedProcess:
    env = {**os.environ, "TAIZHANG_TODAY": TODAY, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "taizhang", *args], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=120, preexec_fn=preexec)


def _listing(*folders: Path) -> list[tuple[str, int]]:
    """Every file and folder under ``folders``, with the size of each file."""
    out = []
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            out.append((str(path), path.stat().st_size if path.is_file() else -1))
    return out


@pytest.fixture
def ledger(tmp_path: Path, demo_file: Path) -> Path:
    folder = tmp_path / "台账"
    folder.mkdir()
    path = folder / "ledger.db"
    shutil.copy(demo_file, path)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    assert sidecars.present(path) == {""}
    return path


@pytest.fixture
def other_ledger(tmp_path: Path, demo_file: Path) -> Path:
    """A ledger in WAL mode in a folder of its own, given to ``restore`` as the backup."""
    folder = tmp_path / "另一份"
    folder.mkdir()
    path = folder / "other.db"
    shutil.copy(demo_file, path)
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return path


@pytest.mark.parametrize("args", [
    ("import", str(CSV), "--group", "新小组"),
    ("backup",),
    ("export", "out.json"),
    ("export", "out.xlsx", "--kind", "division"),
    ("restore", "OTHER"),
    ("restore", "BACKUP"),
    ("undo",),
    (),  # the window: refused at opening, before any screen
])
def test_a_write_refused_by_a_full_disk_leaves_the_folder_as_it_was(ledger, other_ledger, tmp_path, args):
    """Exit 1, a Chinese message naming the disk and the file, no traceback, the ledger unchanged,
    and every folder listed as before: no -wal/-shm beside the ledger or the file read, no backup,
    no part of an export."""
    if "BACKUP" in args:  # a backup (not in WAL mode: read without a -shm); the ledger's own check then fails
        from models.backup import make_backup

        args = ("restore", str(make_backup(ledger, "manual")))
    args = tuple(str(other_ledger) if a == "OTHER" else a for a in args)
    before = table_rows(ledger)
    files = _listing(ledger.parent, other_ledger.parent)
    result = _cli("--db", str(ledger), *args, cwd=ledger.parent, preexec=_small_files)
    assert result.returncode == 1, result.stderr[-3000:]
    if not args:
        assert "界面没有打开" in result.stderr and "这次修改没有保存" not in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and "sqlite3" not in result.stderr
    assert "磁盘" in result.stderr and "未作任何改动" in result.stderr, result.stderr
    assert ("ledger.db" in result.stderr or "other.db" in result.stderr), result.stderr
    assert "已损坏" not in result.stderr, result.stderr  # a full disk is no damage
    assert _listing(ledger.parent, other_ledger.parent) == files
    assert table_rows(ledger) == before


def test_a_restore_from_a_ledger_in_wal_mode_leaves_nothing_beside_it(ledger, other_ledger):
    """The file restored from is opened read-only, which keeps SQLite from removing the -wal/-shm
    it makes beside it: they are removed after (they were left there before issue 13's fix)."""
    files = _listing(other_ledger.parent)
    result = _cli("--db", str(ledger), "restore", str(other_ledger), cwd=ledger.parent)
    assert result.returncode == 0, result.stderr[-3000:]
    assert _listing(other_ledger.parent) == files
    assert sidecars.present(ledger) == {""}


_COMMITTED_THEN_KILLED = textwrap.dedent("""
    import os, sqlite3, sys
    conn = sqlite3.connect(sys.argv[1], isolation_level=None)
    conn.execute("PRAGMA wal_autocheckpoint = 0")  # the changes stay in the WAL
    conn.execute("BEGIN")
    conn.execute("CREATE TABLE kept (text TEXT)")
    conn.executemany("INSERT INTO kept VALUES (?)", [("保存的修改" * 50,)] * 2000)
    conn.execute("COMMIT")
    os._exit(0)  # killed: no close, no checkpoint
""")

_TIDY = textwrap.dedent("""
    import sys
    from pathlib import Path
    from models import sidecars
    path = Path(sys.argv[1])
    left = sidecars.tidy(path, frozenset({""}))
    print(left.holds_changes, left.in_use, [f.name for f in left.files])
    print(left.message(path))
""")


def _committed_wal(ledger: Path) -> int:
    subprocess.run([sys.executable, "-c", _COMMITTED_THEN_KILLED, str(ledger)], check=True, timeout=60)
    wal = Path(f"{ledger}-wal")
    assert wal.stat().st_size > 100_000 and sidecars.present(ledger) == {"", "-wal", "-shm"}
    return wal.stat().st_size


def test_a_wal_holding_committed_changes_is_kept_when_the_disk_cannot_take_them(ledger):
    """The WAL of a killed writer holds committed changes; the disk cannot take them into the file
    (it may not grow): the WAL stays, the user is told not to delete it, and the changes are there
    at the next open."""
    size = _committed_wal(ledger)
    limit = ledger.stat().st_size  # the file may not grow: the checkpoint cannot write the new pages

    def no_growth() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    result = subprocess.run([sys.executable, "-c", _TIDY, str(ledger)], capture_output=True, text=True, cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)}, preexec_fn=no_growth, timeout=60)
    assert result.returncode == 0, result.stderr
    flags, message = result.stdout.splitlines()
    assert flags.startswith("True False") and "ledger.db-wal" in flags
    assert "请不要删除" in message and "ledger.db-wal" in message
    assert Path(f"{ledger}-wal").stat().st_size >= size
    conn = sqlite3.connect(ledger)
    assert conn.execute("SELECT count(*) FROM kept").fetchone()[0] == 2000
    conn.close()


def test_a_wal_of_committed_changes_is_written_back_and_removed_when_the_disk_can(ledger):
    _committed_wal(ledger)
    left = sidecars.tidy(ledger, frozenset({""}))
    assert left.files == () and sidecars.present(ledger) == {""}
    conn = sqlite3.connect(ledger)
    assert conn.execute("SELECT count(*) FROM kept").fetchone()[0] == 2000
    conn.close()


def test_the_files_of_a_ledger_another_program_has_open_are_left_alone(ledger):
    """Another process (a window) has the ledger open, idle: its -wal/-shm are not leftovers."""
    code = ("import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute('SELECT count(*) FROM task').fetchone();"
            " print('open', flush=True); sys.stdin.read()")
    window = subprocess.Popen([sys.executable, "-c", code, str(ledger)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True)
    try:
        assert window.stdout.readline().strip() == "open"
        assert sidecars.present(ledger) == {"", "-wal", "-shm"}
        left = sidecars.tidy(ledger, frozenset({""}))
        assert left.in_use and left.message(ledger) is None
        assert sidecars.present(ledger) == {"", "-wal", "-shm"}
    finally:
        window.communicate("", timeout=30)
    assert sidecars.present(ledger) == {""}  # its own close removed them


def test_a_disk_io_error_on_a_disk_with_no_room_left_is_called_a_full_disk(tmp_path, monkeypatch):
    """On a disk full to the last byte SQLite fails sizing its -shm with "disk I/O error", never
    "disk is full": the free space of the disk decides the words."""
    from models import faults

    error = sqlite3.OperationalError("disk I/O error")
    error.sqlite_errorcode = sqlite3.SQLITE_IOERR
    path = tmp_path / "ledger.db"
    assert "磁盘出错" in faults.storage_problem(error, path)  # this disk has room: another fault

    class Full:
        f_bavail, f_frsize = 3, 4096

    monkeypatch.setattr(faults.os, "statvfs", lambda _: Full())
    assert faults.storage_problem(error, path).startswith("磁盘空间已满，数据库「")
    assert faults.copy_problem(error, tmp_path).startswith("磁盘空间已满，无法写入「")


def test_a_new_ledger_that_a_full_disk_refuses_is_not_left_behind(tmp_path):
    """The ledger named does not exist; the disk cannot take its first pages: no blank file (nor
    -wal/-shm) stays where the user will look for a ledger, and the next try makes it as usual."""
    path = tmp_path / "新台账.db"
    result = _cli("--db", str(path), "import", str(CSV), "--group", "甲", cwd=tmp_path, preexec=_small_files)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "磁盘" in result.stderr and "新台账.db" in result.stderr, result.stderr
    assert list(tmp_path.iterdir()) == []
    result = _cli("--db", str(path), "import", str(CSV), "--group", "甲", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["新台账.db"]


@pytest.mark.parametrize("content", [b"a,b\n1,2\n", b"not a workbook at all"], ids=["csv-no-header", "xlsx-text"])
def test_a_refused_import_into_a_ledger_that_did_not_exist_leaves_no_file(tmp_path, content):
    """The import says 「数据库未作任何改动」: the new ledger it made before reading the file (so that
    the file is parsed while the ledger opens) is not left behind either. Into a ledger that was there
    (made by an earlier command, still empty), the same refusal leaves it where it was."""
    bad = tmp_path / ("坏.csv" if content.startswith(b"a,b") else "坏.xlsx")
    bad.write_bytes(content)
    path = tmp_path / "新台账.db"
    result = _cli("--db", str(path), "import", str(bad), cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "数据库未作任何改动" in result.stderr, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [bad.name]
    assert _cli("--db", str(path), "export", str(tmp_path / "out.json"), cwd=tmp_path).returncode == 0
    (tmp_path / "out.json").unlink()
    made = path.read_bytes()
    result = _cli("--db", str(path), "import", str(bad), cwd=tmp_path)
    assert result.returncode == 1 and "数据库未作任何改动" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([bad.name, path.name])
    assert path.read_bytes() == made


def test_a_failed_commands_new_ledger_is_kept_while_another_connection_has_it_open(tmp_path):
    """The judgement itself: a ledger the failed command made and never wrote into goes only when no
    other connection has it (a window opened on the same new path meanwhile keeps it); one holding
    a group is never removed."""
    from models import store

    path = tmp_path / "台账.db"
    store.prepare(path)
    other = sqlite3.connect(path)
    other.execute("SELECT count(*) FROM task").fetchone()
    sidecars.tidy(path, frozenset(), failed=True)
    assert path.is_file()
    other.close()
    sidecars.tidy(path, frozenset(), failed=False)
    assert path.is_file()  # a command that succeeded keeps the ledger it made
    conn = store.connect(path)
    conn.execute("INSERT INTO work_group (name, created_at) VALUES ('甲', '2024-03-27 09:00:00')")
    conn.close()
    sidecars.tidy(path, frozenset(), failed=True)
    assert path.is_file()
    conn = sqlite3.connect(path)
    conn.execute("DELETE FROM work_group")
    conn.commit()
    conn.close()
    sidecars.tidy(path, frozenset(), failed=True)
    assert not path.exists() and not list(tmp_path.iterdir())


def _no_override() -> tuple[str, ...]:
    """A prefix that makes root obey file permissions (setpriv without CAP_DAC_OVERRIDE)."""
    if os.geteuid() != 0:
        return ()
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: permissions cannot be made to apply")
    return (setpriv, "--bounding-set", "-dac_override,-dac_read_search")


@pytest.mark.parametrize("args", [("import", str(CSV), "--group", "新小组"), ("export", "out.json")])
def test_a_read_only_ledger_is_left_without_sqlites_files_beside_it(ledger, args):
    """SQLite opens a 0444 ledger read-only and makes its -wal/-shm (with the file's mode) in the
    writable folder; a read-only connection never removes them. After the refused import (and after
    an export, which only reads) the folder holds what it held, and the export file."""
    before = table_rows(ledger)
    files = _listing(ledger.parent)
    ledger.chmod(0o444)
    try:
        env = {**os.environ, "TAIZHANG_TODAY": TODAY, "PYTHONPATH": str(ROOT)}
        result = subprocess.run([*_no_override(), sys.executable, "-m", "taizhang", "--db", str(ledger), *args],
                                capture_output=True, text=True, cwd=ledger.parent, env=env, timeout=120)
    finally:
        ledger.chmod(0o600)
    assert "Traceback" not in result.stderr and "工作文件" not in result.stderr, result.stderr
    if args[0] == "import":
        assert result.returncode == 1 and "只读" in result.stderr, result.stderr
        assert _listing(ledger.parent) == files
    else:
        assert result.returncode == 0, result.stderr
        assert [f for f in _listing(ledger.parent) if not f[0].endswith("out.json")] == files
    assert table_rows(ledger) == before


def test_an_import_piped_into_a_reader_that_leaves_ends_without_a_traceback(tmp_path):
    """`taizhang import … | head -2`: the reader closes the pipe before the report is printed. The
    import is done (exit 0), no traceback, and nothing is left beside the new ledger (the handler
    for the closed pipe was shadowed by the one for damaged text, which re-raised it)."""
    path = tmp_path / "台账.db"
    env = {**os.environ, "TAIZHANG_TODAY": TODAY, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "taizhang", "--db", str(path), "import", str(CSV), "--group", "甲"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path, env=env)
    proc.stdout.close()  # the reader has left before a line is written
    err = proc.stderr.read().decode("utf-8", "replace")
    assert proc.wait(timeout=120) == 0, err
    assert "Traceback" not in err and "BrokenPipe" not in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["台账.db"]
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT count(*) FROM task").fetchone()[0] == 24
    conn.close()
