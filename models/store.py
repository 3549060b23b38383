"""The ledger file through plain ``sqlite3``: opening it with the right pragmas and checks, and the
history writing that every change shares. Bulk work (imports) runs here without loading the ORM,
which alone costs longer than reading a 10,000-row table; ``models.db`` builds the ORM on the same
rules.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from models.errors import DatabaseError
from models.migrations import CURRENT_VERSION, upgrade

BUSY_TIMEOUT_MS = 15_000
# New ledgers use 8 KB pages: a 10,000-task import writes ~10 MB in one go and is ~8 % faster than
# with SQLite's default 4 KB (measured whole-process, see benchmarks/); files made before keep theirs.
PAGE_SIZE = 8192
# One row change: (table, row id, row before or None, row after or None); rows are JSON-ready dicts.
Change = tuple[str, int, "dict[str, Any] | None", "dict[str, Any] | None"]


def apply_pragmas(conn: sqlite3.Connection) -> None:
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA synchronous = NORMAL")


def create_private(path: Path) -> None:
    """Create the file readable by its owner only before SQLite makes it (0600 on POSIX)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o600))
    except FileExistsError:
        pass
    except OSError as exc:
        from models.faults import os_problem, writable_problem

        raise DatabaseError(writable_problem(path) or f"无法创建数据库文件：{os_problem(exc, path)}文件未作任何改动。") from None


class DamagedDatabase(DatabaseError):
    """A file that SQLite cannot read as a database, or whose quick check fails. The message names
    the newest backup and the command that restores it."""

    def __init__(self, message: str, path: Path):
        super().__init__(message)
        self.path = path


# Files this process has found sound, by path → (size, mtime, inode): the CLI and the TUI open one file
# several times (plain sqlite3, then the ORM), and the check costs ~40 ms on a 10,000-task ledger.
_checked: dict[str, tuple[int, int, int]] = {}


def _signature(path: Path) -> tuple[int, int, int]:
    st = path.stat()
    return st.st_size, st.st_mtime_ns, st.st_ino


def _check_key(path: Path) -> str:
    return str(Path(path).resolve())


def forget_check(path: Path) -> None:
    _checked.pop(_check_key(path), None)


def _damaged(path: Path, detail: str) -> DamagedDatabase:
    from models.backup import restore_hint

    return DamagedDatabase(f"「{path}」已损坏，或不是 taizhang 的数据库文件（{detail}），文件未作任何改动。"
                           + restore_hint(path), path)


def _quick_check(conn: sqlite3.Connection, path: Path) -> None:
    key = _check_key(path)
    signature = _signature(path)
    if _checked.get(key) == signature:
        return
    result = [r[0] for r in conn.execute("PRAGMA quick_check")]
    if result != ["ok"]:
        raise _damaged(path, f"完整性检查发现问题：{' '.join(result[0].split())[:80]}")  # one line
    from models.schema_check import _columns, schema_problem, version_mismatch

    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if 0 < version < CURRENT_VERSION:
        mismatch = version_mismatch(_columns(conn), version)
        if mismatch:  # e.g. made by a development build whose version numbers changed before release
            raise DatabaseError(
                f"「{path}」的结构与它标明的结构版本 {version} 不符（{mismatch}），可能是 taizhang 的开发中版本创建的，"
                f"无法自动升级到版本 {CURRENT_VERSION}；文件未作任何改动。可用创建它的 taizhang 导出分工表和"
                "成员名单，再导入本程序的台账。")
    foreign = schema_problem(conn, version)
    if foreign:
        raise DatabaseError(f"「{path}」是一个 SQLite 文件，但不是 taizhang 的数据库（{foreign}）；文件未作任何改动。")
    _checked[key] = signature


def _emptied(path: Path) -> bool:
    """A ledger cut to nothing (0 bytes, no WAL) that had backups: not a new file to fill."""
    if path.stat().st_size or path.with_name(path.name + "-wal").is_file():
        return False
    from models.backup import list_backups

    return bool(list_backups(path))


def prepare(path: Path, *, check: bool = True) -> None:
    """Make ``path`` a current ledger file: create it, or upgrade it (after a backup), or refuse it
    with a message. A newer, foreign or damaged file is left exactly as it was; a damaged one
    (``PRAGMA quick_check``) raises ``DamagedDatabase``, naming the newest backup. ``check=False``
    leaves the quick check of a current file to the caller (``connect_checking_meanwhile``); a file
    to upgrade is always checked first."""
    from models.schema import create

    if (path.parent / "backups").is_dir():
        from models.backup import clean_leftovers

        clean_leftovers(path)  # of a backup or restore killed before (issue 13)
    from models.faults import not_a_ledger_file

    what = not_a_ledger_file(path)
    if what:
        raise DatabaseError(what)
    if not path.exists():
        from models.network_share import refusal

        refused = refusal(path)  # SQLite's locks do not hold over SMB/NFS (PRODUCT §10)
        if refused:
            raise DatabaseError(refused)
        create_private(path)
    elif _emptied(path):
        raise _damaged(path, "文件是空的（0 字节）")
    try:
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    except sqlite3.Error as exc:
        from models.faults import storage_problem, writable_problem

        raise DatabaseError(writable_problem(path) or storage_problem(exc, path)
                            or f"无法打开数据库文件「{path}」：{exc}") from None
    made = False
    try:
        apply_pragmas(conn)
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if version > CURRENT_VERSION:
            raise DatabaseError(
                f"数据库「{path}」由较新版本的 taizhang 创建（结构版本 {version}，本程序支持到 {CURRENT_VERSION}），"
                "请升级 taizhang 后再打开；文件未作任何改动。")
        if version == 0 and names:  # creation is one transaction, so tables at version 0 are not ours
            raise DatabaseError(f"「{path}」是一个 SQLite 文件，但不是 taizhang 的数据库；文件未作任何改动。")
        if version > 0 and (check or version < CURRENT_VERSION):
            _quick_check(conn, path)
        if version == 0:
            conn.execute(f"PRAGMA page_size = {PAGE_SIZE}")  # only takes effect on a file still empty
        conn.execute("PRAGMA journal_mode = WAL")
        if version == 0:
            made = create(conn)  # from schema.sql just now (not by another process): nothing to check
        elif version < CURRENT_VERSION:
            from models.backup import make_backup

            saved = make_backup(path, "upgrade", source=conn)
            try:
                upgrade(conn, version)  # all steps in one transaction: a failure leaves the file as it was
            except Exception as exc:  # noqa: BLE001 — any failure of a step is told, never a traceback
                raise _upgrade_failed(exc, path, version, saved) from None
    except sqlite3.DatabaseError as exc:
        raise _refusal(exc, path) from None
    finally:
        conn.close()
    if made:  # the next opening need not check what this one made (~12 ms: schema.sql read into memory)
        _checked[_check_key(path)] = _signature(path)


def _upgrade_failed(exc: Exception, path: Path, version: int, saved: Path) -> DatabaseError:
    """The message for an upgrade of ``path`` from ``version`` that failed and was rolled back."""
    from models.faults import storage_problem, writable_problem

    if isinstance(exc, DatabaseError):
        return exc
    problem = storage_problem(exc, path)
    if problem:
        return DatabaseError(writable_problem(path) or problem)
    if "locked" in str(exc) or "busy" in str(exc):
        detail = "另一个程序正在写入这个数据库，请关闭它后再打开"
    else:
        detail = f"文件的结构与结构版本 {version} 不符，可能是 taizhang 的开发中版本创建的：{type(exc).__name__}: {exc}"
    return DatabaseError(f"「{path}」无法从结构版本 {version} 升级到 {CURRENT_VERSION}（{detail}）；"
                         f"文件未作任何改动，升级前的备份在「{saved}」。")


def _refusal(exc: sqlite3.DatabaseError, path: Path) -> DatabaseError:
    """The message for an SQLite error met while opening or checking ``path``."""
    from models.backup import damage_phrase
    from models.faults import storage_problem, writable_problem

    problem = storage_problem(exc, path)
    if problem:
        return DatabaseError(writable_problem(path) or problem)
    code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
    if code in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB):
        return _damaged(path, damage_phrase(exc))
    return DatabaseError(f"「{path}」不是 taizhang 的数据库文件，或文件已损坏（{exc}）。")


def connect(path: str | os.PathLike[str]) -> sqlite3.Connection:
    """A checked, current ledger file as a plain connection in autocommit mode (begin explicitly).
    A ``postgresql://`` URL gives a server ledger with the same surface (``models.server_conn``)."""
    from models.db_url import is_server

    if is_server(path):
        from models.server_conn import connect as connect_server

        return connect_server(str(path))  # type: ignore[return-value]
    path = Path(path)
    prepare(path)
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    apply_pragmas(conn)
    return conn


def connect_checking_meanwhile(path: str | os.PathLike[str]) -> tuple[sqlite3.Connection, Callable[[], None]]:
    """For a command that only reads (an Excel export): ``connect``, with the quick check of the file
    (``PRAGMA quick_check``: every page read, ~40 ms on a 15 MB ledger of 10,000 tasks, more on a
    bigger one) run meanwhile in a thread on a connection of its own — SQLite does that work without
    holding Python's lock, so it costs the command little time — instead of before (issue 17).
    Returns (connection, ``confirm``): ``confirm()`` waits for the check and raises what ``connect``
    would have raised (``DamagedDatabase`` naming the newest backup, or ``DatabaseError``). The caller
    calls it before it keeps anything made from what it read (the export's file is put in place only
    then) and when reading failed (a damaged file explains the failure better than the error met).
    A file to create or upgrade, and a server, are checked as by ``connect``."""
    from models.db_url import is_server

    if is_server(path):
        return connect(path), lambda: None
    path = Path(path)
    prepare(path, check=False)
    failure: list[DatabaseError] = []

    def check() -> None:
        try:
            conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
            try:
                apply_pragmas(conn)
                _quick_check(conn, path)
            finally:
                conn.close()
        except DatabaseError as exc:
            failure.append(exc)
        except sqlite3.DatabaseError as exc:
            failure.append(_refusal(exc, path))

    thread = threading.Thread(target=check, name="taizhang-quick-check", daemon=True)
    thread.start()

    def confirm() -> None:
        thread.join()
        if failure:
            raise failure[0]

    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    apply_pragmas(conn)
    return conn, confirm


def now() -> str:
    """Local time to the second, in the form the ORM reads back."""
    return datetime.now().replace(microsecond=0).isoformat(sep=" ")


class HistoryLine:
    """What a change says in its history entry: the action, a one-line summary, and the group and
    task it concerns (``describe``). Both kinds of change (``models.changes.Change`` through the ORM,
    ``models.plain_change.PlainChange`` on a plain connection) are one."""

    def __init__(self, action: str):
        self.action = action
        self.summary = ""
        self.group_id: int | None = None
        self.task_id: int | None = None

    def describe(self, summary: str, *, group_id: int | None = None, task_id: int | None = None) -> None:
        self.summary = summary
        if group_id is not None:
            self.group_id = group_id
        if task_id is not None:
            self.task_id = task_id


def write_history(cursor: Any, *, action: str, summary: str, group_id: int | None, task_id: int | None,
                  undoes: int | None, changes: Iterable[Change], at: str | None = None) -> int:
    """Write one history entry and the rows it changed, through a DB-API cursor inside the
    change's own transaction; returns the entry's id."""
    from models.sql import NOTIFY_CHANNEL, is_server

    server = is_server(cursor)
    if server:  # rows a bulk writer inserted with ids of its own: the id sequences move past them
        from models.ids import note_ids_given

        changes = list(changes)
        ranges: dict[str, int] = {}
        for table, _row_id, _before, after in changes:
            if after is not None and "id_range" in after:
                ranges[table] = max(ranges.get(table, 0), after["id_range"][1])
        note_ids_given(cursor, ranges)
    history_id = cursor.execute(
        "INSERT INTO history (at, action, summary, group_id, task_id, undoes) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
        (at or now(), action, summary, group_id, task_id, undoes)).fetchone()[0]
    cursor.executemany(
        'INSERT INTO row_change (history_id, seq, table_name, row_id, "before", "after") VALUES (?, ?, ?, ?, ?, ?)',
        [(history_id, seq, table, row_id,
          None if before is None else json.dumps(before, ensure_ascii=False),
          None if after is None else json.dumps(after, ensure_ascii=False))
         for seq, (table, row_id, before, after) in enumerate(changes)])
    if undoes is not None:
        cursor.execute("UPDATE history SET undone_by = ? WHERE id = ?", (history_id, undoes))
    if server:  # open windows on a server ledger hear of it when this commits
        from models.writer_tag import payload

        cursor.execute("SELECT pg_notify(?, ?)", (NOTIFY_CHANNEL, payload(history_id)))  # whose: models.writer_tag
    return history_id


def group_names(conn: sqlite3.Connection) -> list[str]:
    return [r[0] for r in conn.execute("SELECT name FROM work_group ORDER BY id")]


def unit_names(conn: sqlite3.Connection) -> list[str]:
    return [r[0] for r in conn.execute("SELECT name FROM unit ORDER BY id")]
