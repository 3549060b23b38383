"""Schema versions and the steps between them. A new database gets the current schema at once
(``models.schema``); an older one is upgraded step by step, each step in one transaction with its
version bump, on a plain sqlite3 connection.

Version 1: the first schema.
Version 2: task.search_text (content, units, persons and pinyin initials, for the filter) and
           member.phone.
Version 3: ids never reused (AUTOINCREMENT on every table undo restores rows of) and task.cancelled_on.
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
    """Rebuild the tables undo restores rows of with AUTOINCREMENT (SQLite cannot add it in place):
    a table is renamed aside, made again from its own CREATE text, refilled and the old one dropped.
    With foreign keys off (``upgrade``) and legacy_alter_table the rename leaves the other tables'
    foreign keys naming the table; ``upgrade`` checks them all before the commit."""
    import re

    conn.execute("PRAGMA legacy_alter_table = ON")
    try:
        for table in ("unit", "unit_alias", "work_group", "member", "duty", "task", "assignment", "target",
                      "progress"):
            create = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?",
                                  (table,)).fetchone()[0]
            if "AUTOINCREMENT" in create:
                continue
            indexes = [sql for (sql,) in conn.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL", (table,))]
            create = re.sub(r"\bid INTEGER NOT NULL(?: PRIMARY KEY)?\s*,",
                            "id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,", create, count=1)
            create = re.sub(r"PRIMARY KEY \(id\),\s*|,\s*PRIMARY KEY \(id\)(?=\s*\)\s*$)", "", create, count=1)
            if "AUTOINCREMENT" not in create or "PRIMARY KEY (id)" in create:
                raise RuntimeError(f"cannot read the CREATE statement of {table}: {create}")
            columns = ", ".join(f'"{row[1]}"' for row in conn.execute(f'PRAGMA table_info("{table}")'))
            conn.execute(f'ALTER TABLE "{table}" RENAME TO "{table}_v2"')
            conn.execute(create)
            conn.execute(f'INSERT INTO "{table}" ({columns}) SELECT {columns} FROM "{table}_v2"')
            conn.execute(f'DROP TABLE "{table}_v2"')
            for sql in indexes:
                conn.execute(sql)
        conn.execute("ALTER TABLE task ADD COLUMN cancelled_on DATE")
    finally:
        conn.execute("PRAGMA legacy_alter_table = OFF")


STEPS: dict[int, Callable[[sqlite3.Connection], None]] = {1: _v1_to_v2, 2: _v2_to_v3}


def upgrade(conn: sqlite3.Connection, version: int) -> None:
    """Bring a connection in autocommit mode (isolation_level=None) from ``version`` to current."""
    while version < CURRENT_VERSION:
        # Foreign keys off while a step runs (SQLite's procedure for rebuilding a table; it can only be
        # switched outside a transaction); the step's result is checked before its commit.
        foreign_keys = conn.execute("PRAGMA foreign_keys").fetchone()[0]
        conn.execute("PRAGMA foreign_keys = OFF")
        conn.execute("BEGIN IMMEDIATE")
        try:
            # read again under the write lock: another process may have upgraded the file meanwhile
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version < CURRENT_VERSION:
                STEPS[version](conn)
                version += 1
                conn.execute(f"PRAGMA user_version = {version}")
                broken = conn.execute("PRAGMA foreign_key_check").fetchone()
                if broken is not None:
                    raise sqlite3.IntegrityError(f"upgrade to version {version} broke a foreign key: {broken}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        finally:
            conn.execute(f"PRAGMA foreign_keys = {'ON' if foreign_keys else 'OFF'}")
