"""Schema versions and the steps between them. A new database gets the current schema at once
(``models.schema``); an older one is upgraded step by step, each step in one transaction with its
version bump, on a plain sqlite3 connection.

Version 1: the first schema.
Version 2: task.search_text (content, units, persons and pinyin initials, for the filter) and
           member.phone.
Version 3: work_group.title (the imported division table's own title, used when exporting it).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable

CURRENT_VERSION = 3


def _v1_to_v2(conn: sqlite3.Connection) -> None:
    from models.search import search_text

    conn.execute("ALTER TABLE task ADD COLUMN search_text VARCHAR NOT NULL DEFAULT ''")
    conn.execute("ALTER TABLE member ADD COLUMN phone VARCHAR")
    names: dict[int, list[str]] = {}
    rows = conn.execute(
        "SELECT a.task_id, u.name, a.person FROM assignment a JOIN unit u ON u.id = a.unit_id "
        "ORDER BY a.role DESC, a.position")
    for task_id, unit, person in rows:
        names.setdefault(task_id, []).extend([unit, person])
    updates = []
    for task_id, content, unpaired in conn.execute("SELECT id, content, unpaired_persons FROM task").fetchall():
        extra = json.loads(unpaired) if unpaired else []
        updates.append((search_text(content, [*names.get(task_id, []), *extra]), task_id))
    conn.executemany("UPDATE task SET search_text = ? WHERE id = ?", updates)


def _v2_to_v3(conn: sqlite3.Connection) -> None:
    conn.execute("ALTER TABLE work_group ADD COLUMN title VARCHAR")


STEPS: dict[int, Callable[[sqlite3.Connection], None]] = {1: _v1_to_v2, 2: _v2_to_v3}


def upgrade(conn: sqlite3.Connection, version: int) -> None:
    """Bring a connection in autocommit mode (isolation_level=None) from ``version`` to current."""
    while version < CURRENT_VERSION:
        conn.execute("BEGIN IMMEDIATE")
        try:
            # read again under the write lock: another process may have upgraded the file meanwhile
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version < CURRENT_VERSION:
                STEPS[version](conn)
                version += 1
                conn.execute(f"PRAGMA user_version = {version}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
