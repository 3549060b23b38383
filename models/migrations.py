"""Schema versions and the steps between them. A new database gets the current schema at once;
an older one is upgraded step by step, each step in one transaction with its version bump.

Version 1: the first schema.
Version 2: task.search_text (content, units, persons and pinyin initials, for the filter) and
           member.phone.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from sqlalchemy import Connection, Engine

CURRENT_VERSION = 2


def _v1_to_v2(conn: Connection) -> None:
    from models.search import search_text

    conn.exec_driver_sql("ALTER TABLE task ADD COLUMN search_text VARCHAR NOT NULL DEFAULT ''")
    conn.exec_driver_sql("ALTER TABLE member ADD COLUMN phone VARCHAR")
    names: dict[int, list[str]] = {}
    rows = conn.exec_driver_sql(
        "SELECT a.task_id, u.name, a.person FROM assignment a JOIN unit u ON u.id = a.unit_id ORDER BY a.role DESC, a.position"
    )
    for task_id, unit, person in rows:
        names.setdefault(task_id, []).extend([unit, person])
    updates = []
    for task_id, content, unpaired in conn.exec_driver_sql("SELECT id, content, unpaired_persons FROM task").all():
        extra = json.loads(unpaired) if unpaired else []
        updates.append((search_text(content, [*names.get(task_id, []), *extra]), task_id))
    if updates:
        conn.exec_driver_sql("UPDATE task SET search_text = ? WHERE id = ?", updates)


STEPS: dict[int, Callable[[Connection], None]] = {1: _v1_to_v2}


def upgrade(engine: Engine, version: int) -> None:
    while version < CURRENT_VERSION:
        with engine.begin() as conn:
            STEPS[version](conn)
            version += 1
            conn.exec_driver_sql(f"PRAGMA user_version = {version}")
