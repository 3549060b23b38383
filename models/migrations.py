"""Schema versions and the steps between them. A new database gets the current schema at once
(``models.schema``); an older one is upgraded step by step, each step in one transaction with its
version bump, on a plain sqlite3 connection.

Version 1: the first schema.
Version 2: task.search_text (content, units, persons and pinyin initials, for the filter) and
           member.phone.
Version 3: reporting rounds — work_group.report_cycle and the tables report_round, round_task,
           unit_report, report_entry.
Version 4: judging — work_group.review_closing, next_steps and assessment_weights; the tables
           extension, task_closing and chase_record.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable

CURRENT_VERSION = 4


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
    """Reporting rounds (issue 14): the group's cycle and four new tables, as models.tables has them."""
    conn.execute("ALTER TABLE work_group ADD COLUMN report_cycle VARCHAR")
    for statement in (
        "CREATE TABLE report_round (id INTEGER NOT NULL, group_id INTEGER NOT NULL, name VARCHAR NOT NULL, "
        "due DATE, status VARCHAR NOT NULL, opened_on DATE NOT NULL, closed_on DATE, PRIMARY KEY (id), "
        "UNIQUE (group_id, name), CONSTRAINT ck_round_status CHECK (status IN ('open', 'closed')), "
        "FOREIGN KEY(group_id) REFERENCES work_group (id))",
        "CREATE TABLE round_task (id INTEGER NOT NULL, round_id INTEGER NOT NULL, task_id INTEGER NOT NULL, "
        "PRIMARY KEY (id), UNIQUE (round_id, task_id), FOREIGN KEY(round_id) REFERENCES report_round (id), "
        "FOREIGN KEY(task_id) REFERENCES task (id))",
        "CREATE INDEX ix_round_task_task_id ON round_task (task_id)",
        "CREATE TABLE unit_report (id INTEGER NOT NULL, round_id INTEGER NOT NULL, unit_id INTEGER NOT NULL, "
        "received_on DATE NOT NULL, source VARCHAR, extras VARCHAR, PRIMARY KEY (id), UNIQUE (round_id, unit_id), "
        "FOREIGN KEY(round_id) REFERENCES report_round (id), FOREIGN KEY(unit_id) REFERENCES unit (id))",
        "CREATE INDEX ix_unit_report_unit_id ON unit_report (unit_id)",
        "CREATE TABLE report_entry (id INTEGER NOT NULL, report_id INTEGER NOT NULL, task_id INTEGER NOT NULL, "
        "role VARCHAR NOT NULL, status VARCHAR, text VARCHAR, done_on DATE, problems VARCHAR, evidence VARCHAR, "
        "progress_id INTEGER, PRIMARY KEY (id), UNIQUE (report_id, task_id), "
        "FOREIGN KEY(report_id) REFERENCES unit_report (id), FOREIGN KEY(task_id) REFERENCES task (id), "
        "FOREIGN KEY(progress_id) REFERENCES progress (id))",
        "CREATE INDEX ix_report_entry_task_id ON report_entry (task_id)",
    ):
        conn.execute(statement)


def _v3_to_v4(conn: sqlite3.Connection) -> None:
    """Judging (issue 15): closing on review, extensions, chase records, the bulletin's 下步工作要求."""
    conn.execute("ALTER TABLE work_group ADD COLUMN review_closing BOOLEAN NOT NULL DEFAULT 1")
    conn.execute("ALTER TABLE work_group ADD COLUMN next_steps VARCHAR")
    conn.execute("ALTER TABLE work_group ADD COLUMN assessment_weights VARCHAR")
    for statement in (
        "CREATE TABLE extension (id INTEGER NOT NULL, task_id INTEGER NOT NULL, original_due DATE, "
        "new_due DATE NOT NULL, reason VARCHAR NOT NULL, approved_on DATE, granted_on DATE NOT NULL, "
        "PRIMARY KEY (id), FOREIGN KEY(task_id) REFERENCES task (id))",
        "CREATE INDEX ix_extension_task_id ON extension (task_id)",
        "CREATE TABLE task_closing (id INTEGER NOT NULL, task_id INTEGER NOT NULL, state VARCHAR NOT NULL, "
        "\"on\" DATE NOT NULL, done_on DATE, unit_id INTEGER, reason VARCHAR, PRIMARY KEY (id), "
        "CONSTRAINT ck_closing_state CHECK (state IN ('claimed', 'confirmed', 'returned')), "
        "FOREIGN KEY(task_id) REFERENCES task (id), FOREIGN KEY(unit_id) REFERENCES unit (id))",
        "CREATE INDEX ix_task_closing_task_id ON task_closing (task_id)",
        "CREATE TABLE chase_record (id INTEGER NOT NULL, group_id INTEGER NOT NULL, unit_id INTEGER NOT NULL, "
        "\"on\" DATE NOT NULL, task_ids VARCHAR NOT NULL, reply_by DATE, file VARCHAR, PRIMARY KEY (id), "
        "FOREIGN KEY(group_id) REFERENCES work_group (id), FOREIGN KEY(unit_id) REFERENCES unit (id))",
        "CREATE INDEX ix_chase_record_unit_id ON chase_record (unit_id)",
    ):
        conn.execute(statement)


STEPS: dict[int, Callable[[sqlite3.Connection], None]] = {1: _v1_to_v2, 2: _v2_to_v3, 3: _v3_to_v4}


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
