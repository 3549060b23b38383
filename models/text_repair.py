"""Text in the ledger that is not valid UTF-8 (issue 13): a damaged page, or a row another tool wrote.

SQLite stores such bytes as they came and its checks (``quick_check``, ``integrity_check``) pass; Python's
sqlite3 then fails on the whole query that reads one of them ("Could not decode to UTF-8"). Decoding
every text value in Python instead would double the cost of every read, so reading goes on as usual and
only a read that failed this way is run again (``retry_repaired``) on a connection that replaces the bad
bytes with U+FFFD (``repair``); ``damaged_text`` names the tasks (and units, members) affected so the
user is told which to correct. One bad cell never takes an export or an import down.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")
REPLACEMENT = "\ufffd"


def decode(data: bytes) -> str:
    return data.decode("utf-8", "replace")


def is_decode_error(exc: BaseException | None) -> bool:
    """Whether ``exc`` (sqlite3's, or SQLAlchemy's wrapping it) is the failure to decode stored text."""
    if exc is None:
        return False
    cause = getattr(exc, "orig", None)
    if isinstance(cause, BaseException):
        exc = cause
    return isinstance(exc, sqlite3.OperationalError) and "decode to UTF-8" in str(exc)


def repair(conn: sqlite3.Connection) -> None:
    """Let ``conn`` read text that is not valid UTF-8, with U+FFFD for each bad byte sequence."""
    conn.text_factory = decode


# (table, columns to check, how a row is named): what the user can find and correct
_TEXT = {
    "task": ("content, number, category, category_number, deadline, notes, search_text, unpaired_persons",
             "SELECT t.id, g.name, t.number, t.content FROM task t JOIN work_group g ON g.id = t.group_id WHERE t.id = :id"),
    "unit": ("name", "SELECT id, NULL, NULL, name FROM unit WHERE id = :id"),
    "work_group": ("name, doc_number, note", "SELECT id, NULL, NULL, name FROM work_group WHERE id = :id"),
    "duty": ("text", "SELECT d.id, NULL, NULL, u.name FROM duty d JOIN unit u ON u.id = d.unit_id WHERE d.id = :id"),
    "history": ("summary", "SELECT id, NULL, NULL, summary FROM history WHERE id = :id"),
    "member": ("name, title, role", "SELECT id, NULL, NULL, name FROM member WHERE id = :id"),
    "assignment": ("person", "SELECT t.id, g.name, t.number, t.content FROM assignment a JOIN task t ON t.id = a.task_id "
                             "JOIN work_group g ON g.id = t.group_id WHERE a.id = :id"),
    "progress": ("text", "SELECT t.id, g.name, t.number, t.content FROM progress p JOIN task t ON t.id = p.task_id "
                         "JOIN work_group g ON g.id = t.group_id WHERE p.id = :id"),
    "target": ("target, actual", "SELECT t.id, g.name, t.number, t.content FROM target x JOIN task t ON t.id = x.task_id "
                                 "JOIN work_group g ON g.id = t.group_id WHERE x.id = :id"),
}
_WHAT = {"task": "任务", "unit": "单位", "work_group": "领导小组", "member": "成员", "assignment": "任务",
         "progress": "任务", "target": "任务", "duty": "单位职责", "history": "操作记录"}


def _columns(conn: sqlite3.Connection, table: str, wanted: str) -> list[str]:
    have = {r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')}
    return [c.strip() for c in wanted.split(",") if c.strip() in have]


def damaged_text(path_or_conn: Any, limit: int = 20) -> list[str]:
    """A sentence for each row (up to ``limit``) whose text is not valid UTF-8, naming the task."""
    conn = path_or_conn if isinstance(path_or_conn, sqlite3.Connection) else sqlite3.connect(path_or_conn)
    factory = conn.text_factory
    out: list[str] = []
    seen: set[tuple[str, int]] = set()
    try:
        for table, (wanted, describe) in _TEXT.items():
            try:
                conn.text_factory = factory
                columns = _columns(conn, table, wanted)
                if not columns:
                    continue
                conn.text_factory = bytes
                bad: list[int] = []
                for row in conn.execute(f'SELECT id, {", ".join(columns)} FROM "{table}"'):
                    for value in row[1:]:
                        if isinstance(value, bytes):
                            try:
                                value.decode("utf-8")
                            except UnicodeDecodeError:
                                bad.append(row[0])
                                break
            except sqlite3.Error:
                continue
            conn.text_factory = decode
            for row_id in bad:
                found = conn.execute(describe, {"id": row_id}).fetchone()
                if found is None:
                    continue
                key = (_WHAT[table], found[0])
                if key in seen:
                    continue
                seen.add(key)
                what, name = _WHAT[table], (found[3] or "")[:20]
                where = f"「{found[1]}」" if found[1] else ""
                number = f"{found[2]}" if found[2] else f"（编号 {found[0]}）"
                label = f"{where}{what}{number}「{name}…」" if what == "任务" else f"{what}「{name}」"
                out.append(f"{label}的文字在数据库中已损坏（不是有效的 UTF-8），无法识别的字符以 {REPLACEMENT} 代替，请核对后修改。")
                if len(out) >= limit:
                    return out
    finally:
        conn.text_factory = factory
        if conn is not path_or_conn:
            conn.close()
    return out


def retry_repaired(conn: sqlite3.Connection, read: Callable[[], T]) -> tuple[T, list[str]]:
    """``read()``; when it fails on text that is not UTF-8, the damaged rows named and ``read()`` run
    again with ``conn`` replacing the bad bytes. (result, warnings)."""
    try:
        return read(), []
    except sqlite3.OperationalError as exc:
        if not is_decode_error(exc):
            raise
    warnings = damaged_text(conn)
    factory = conn.text_factory
    repair(conn)
    try:
        return read(), warnings
    finally:
        conn.text_factory = factory
