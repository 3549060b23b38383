"""SQLite's files beside a ledger (``-wal``, ``-shm``), left as they were found (issue 13).

A connection to a ledger in WAL mode creates ``台账.db-wal`` and ``台账.db-shm`` beside it; the last
connection to close checkpoints the WAL into the file and removes both. When that last close cannot
happen as usual — the disk is so full that SQLite cannot even size the ``-shm`` (it then fails before
it holds the file), or the file was opened read-only (a restore reading another ledger) — both stay
beside the file until the next successful open. ``tidy`` removes the ones that appeared during a
command, the way SQLite itself would, and only when SQLite allows it:

- it opens the file in ``locking_mode = EXCLUSIVE``, which needs no ``-shm`` (SQLite keeps the index
  of the WAL in memory then) and which only succeeds when no other connection of any process has
  the file open — a window or an import still using the files keeps them;
- holding that lock it removes the ``-shm`` (only an index of the WAL, rebuilt from it by the next
  connection); closing, SQLite checkpoints the WAL into the file and removes it — and keeps it when
  the checkpoint cannot be written (a full disk): a WAL is never removed while it holds committed
  changes that are not in the file.

What stays is returned with the reason, so that the command can say so.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

SUFFIXES = ("-wal", "-shm")


def present(path: str | os.PathLike[str]) -> frozenset[str]:
    """The suffixes of SQLite's files now beside ``path`` ("" for the file itself)."""
    return frozenset(s for s in ("", *SUFFIXES) if os.path.lexists(f"{os.fspath(path)}{s}"))


@dataclass(frozen=True, slots=True)
class Left:
    """SQLite's files that appeared during a command and are still there."""

    files: tuple[Path, ...]
    in_use: bool  # another connection has the ledger open: they are its files, not leftovers
    holds_changes: bool  # the WAL holds committed changes that could not be written into the file

    def message(self, path: Path) -> str | None:
        """What to tell the user (None when nothing is left, or another program is using them)."""
        if not self.files or self.in_use:
            return None
        names = "".join(f"「{f.name}」" for f in self.files)
        if self.holds_changes:
            return (f"数据库旁的{names}中有已保存的修改，磁盘空间不足，暂时无法并入「{path.name}」。"
                    "请不要删除这些文件（删除会丢失这些修改）；清理磁盘空间后再运行 taizhang，会自动并入并删除它们。")
        return (f"数据库旁留下了 SQLite 的工作文件{names}（磁盘已满或文件不可写，无法清理）。"
                "请不要删除它们；清理磁盘空间后再运行 taizhang，会自动处理。")


def tidy(path: str | os.PathLike[str], before: frozenset[str], *, failed: bool = False) -> Left:
    """Remove the ``-wal``/``-shm`` beside ``path`` that were not there (``before``: ``present`` at
    the start of the command), as SQLite's last close would; every connection of this process to
    the file must be closed first (one still open counts as another user, and nothing is removed).
    A ledger file the command made and left blank (0 bytes, or no table and no schema version: a
    new ledger on a full disk) goes too; and when the command ``failed`` (an import of a file it
    refused, into a ledger path that did not exist), a ledger it made that holds nothing
    (``_holds_nothing``): the command said nothing was changed, so nothing new is left either. Only
    under the exclusive lock, so never a file another window or import has opened meanwhile."""
    path = Path(path)
    new = present(path) - before
    if not new:
        return Left((), False, False)
    made = "" in new
    in_use = locked = blank = False
    if path.is_file() and path.stat().st_size > 0:
        try:
            conn = sqlite3.connect(f"file:{quote(os.fspath(path.absolute()))}?mode=rw", uri=True, timeout=0,
                                   isolation_level=None)
        except sqlite3.Error:
            conn = None
        if conn is not None:
            try:
                conn.execute("PRAGMA locking_mode = EXCLUSIVE")  # no -shm needed, and no one else there
                tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
                locked = True
                blank = made and (tables == 0 and conn.execute("PRAGMA user_version").fetchone()[0] == 0
                                  or failed and _holds_nothing(conn))
                if "-shm" in new:
                    Path(f"{path}-shm").unlink(missing_ok=True)  # the WAL's index, rebuilt from the WAL
            except sqlite3.OperationalError as exc:
                in_use = "locked" in str(exc).lower() or "busy" in str(exc).lower()
            except (sqlite3.Error, OSError):
                pass
            finally:
                conn.close()  # checkpoints the WAL into the file and removes it, or keeps it
    if not locked and not in_use and {"-wal", "-shm"} <= new:
        in_use = not _unused_removed(path)  # a file this user may not write (SQLite opened it read-only)
    left = present(path) - before
    if made and path.is_file() and not left - {""} and (blank or path.stat().st_size == 0):
        path.unlink(missing_ok=True)  # made by the command, and nothing of a ledger was ever written into it
    wal = Path(f"{path}-wal")
    # a WAL that the last close kept, holding frames: committed changes its checkpoint could not write
    holds = locked and "-wal" in left and wal.is_file() and wal.stat().st_size > 32
    return Left(tuple(Path(f"{path}{s}") for s in SUFFIXES if s in left), in_use, holds)


# What makes a ledger hold something: a group, a unit, a task, or a step of history. A ledger just
# made from schema.sql has none of them.
LEDGER_TABLES = frozenset({"work_group", "unit", "task", "history"})


def holds_something(conn: sqlite3.Connection) -> bool:
    """Whether the ledger on ``conn`` holds anything (``LEDGER_TABLES``); sqlite3.Error when it
    has not these tables."""
    sql = "SELECT " + " OR ".join(f"EXISTS (SELECT 1 FROM {t})" for t in sorted(LEDGER_TABLES))
    return bool(conn.execute(sql).fetchone()[0])


def _holds_nothing(conn: sqlite3.Connection) -> bool:
    try:
        return not holds_something(conn)
    except sqlite3.Error:  # not our tables: not ours to remove
        return False


_DMS = 128  # the byte of the -shm that every connection using it holds a shared lock on (SQLite's unix VFS)


def _unused_removed(path: Path) -> bool:
    """For a ledger that cannot be opened for writing (a read-only file: SQLite opened it read-only
    and made its -wal/-shm, which a read-only connection never removes): remove both when no
    connection uses them — a write lock on the -shm's "DMS" byte, which each holds shared — and the
    WAL holds no frame (nothing but its 32-byte header). False when another connection has them."""
    try:
        import fcntl
    except ImportError:  # Windows: SQLite's locks there are not these; nothing is removed
        return True
    shm, wal = Path(f"{path}-shm"), Path(f"{path}-wal")
    try:
        fd = os.open(shm, os.O_RDWR)
    except PermissionError:  # SQLite gave it the ledger's mode (0444); it is the user's own file
        try:
            mode = os.stat(shm).st_mode & 0o7777
            os.chmod(shm, mode | 0o200)
            try:
                fd = os.open(shm, os.O_RDWR)
            finally:
                os.chmod(shm, mode)
        except OSError:
            return True  # not the user's to open: nothing is known, nothing removed
    except OSError:
        return True
    try:
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, _DMS, os.SEEK_SET)
        except OSError:
            return False
        if wal.is_file() and wal.stat().st_size <= 32:
            wal.unlink(missing_ok=True)
            shm.unlink(missing_ok=True)
        return True
    finally:
        os.close(fd)
