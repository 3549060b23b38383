"""Schema versions and the steps between them. A new database gets the current schema at once
(``models.schema``); an older one is upgraded step by step, all steps and their version bumps in
one transaction, on a plain sqlite3 connection.

Version 1: the first schema.
Version 2: task.search_text (content, units, persons and pinyin initials, for the filter) and
           member.phone.
Version 3: import_source — what a file said about each task, member and duty when last imported,
           the base of a re-import's three-way merge; existing rows count as imported as they are.
Version 4: work_group.title (the imported division table's own title, used when exporting it).
Version 5: reporting rounds — work_group.report_cycle and the tables report_round, round_task,
           unit_report, report_entry.
Version 6: ids never reused (AUTOINCREMENT on every table undo restores rows of) and task.cancelled_on.
Version 7: judging — work_group.review_closing, next_steps and assessment_weights; the tables
           extension, task_closing and chase_record.
Version 8: evidence.
Version 9: import_tombstone — tasks and members the office deleted that came from a file, so a
           re-import does not bring them back.
Version 10: task_figure — what the 总览 count reads of each task, kept by triggers
           (models/task_figures.py); filled for every task by the upgrade. Both engines.
Version 11: evidence_content — the content of evidence files on a server ledger (issue 18); empty
           on a ledger file, which keeps them in its .files folder.
Version 12: the 总览 at a round's end (issue 17) — task_figure.last_round and lead_filled, and
           round_unit_figure (models/round_figures.py); the figures made again and filled. Both engines.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable

CURRENT_VERSION = 12
# A ledger on a PostgreSQL server (issue 18) is made whole at the version current then (from
# models.tables), never older than this. Steps from this version on are written ONCE for both
# engines, on the plain connection surface both give (``conn.execute(sql, params)`` with ``?`` or
# ``:name``; a sqlite3.Connection here, a ``models.server_conn.ServerConnection`` inside the
# server's upgrade transaction), with ``models.sql``'s branches where the SQL differs (e.g.
# ``models.sql.id_column`` for a new table's id); no PRAGMA in them.
SERVER_FIRST_VERSION = 9


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
    """import_source, filled with every task's, member's and duty's values as they are now: the
    next import of their table changes only what the file changed since."""
    from models.sources import encode_duty, encode_member, ledger_task_bases

    conn.execute(
        "CREATE TABLE import_source (id INTEGER NOT NULL, "
        "task_id INTEGER, member_id INTEGER, duty_id INTEGER, file VARCHAR, sheet VARCHAR, row_key VARCHAR, "
        "base VARCHAR NOT NULL, PRIMARY KEY (id), UNIQUE (task_id), UNIQUE (member_id), UNIQUE (duty_id), "
        "FOREIGN KEY(task_id) REFERENCES task (id) ON DELETE CASCADE, "
        "FOREIGN KEY(member_id) REFERENCES member (id) ON DELETE CASCADE, "
        "FOREIGN KEY(duty_id) REFERENCES duty (id) ON DELETE CASCADE)")
    tasks = conn.execute("SELECT id, number, category, category_number, content, deadline, due, unpaired_persons "
                         "FROM task").fetchall()
    conn.executemany("INSERT INTO import_source (task_id, base) VALUES (?, ?)",
                     list(ledger_task_bases(conn, tasks).items()))
    conn.executemany("INSERT INTO import_source (member_id, base) VALUES (?, ?)",
                     [(m, encode_member(u, t, p)) for m, u, t, p in
                      conn.execute("SELECT id, unit_id, title, phone FROM member").fetchall()])
    conn.executemany("INSERT INTO import_source (duty_id, base) VALUES (?, ?)",
                     [(d, encode_duty(t)) for d, t in conn.execute("SELECT id, text FROM duty").fetchall()])


def _v3_to_v4(conn: sqlite3.Connection) -> None:
    """work_group.title: the imported division table's own title."""
    conn.execute("ALTER TABLE work_group ADD COLUMN title VARCHAR")


def _v4_to_v5(conn: sqlite3.Connection) -> None:
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


def _v5_to_v6(conn: sqlite3.Connection) -> None:
    """Rebuild the tables undo restores rows of with AUTOINCREMENT (SQLite cannot add it in place):
    a table is renamed aside, made again from its own CREATE text, refilled and the old one dropped.
    With foreign keys off (``upgrade``) and legacy_alter_table the rename leaves the other tables'
    foreign keys naming the table; ``upgrade`` checks them all before the commit."""
    import re

    conn.execute("PRAGMA legacy_alter_table = ON")
    try:
        for table in ("unit", "unit_alias", "work_group", "member", "duty", "task", "assignment", "target",
                      "progress", "import_source", "report_round", "round_task", "unit_report", "report_entry"):
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
            conn.execute(f'ALTER TABLE "{table}" RENAME TO "{table}_old"')
            conn.execute(create)
            conn.execute(f'INSERT INTO "{table}" ({columns}) SELECT {columns} FROM "{table}_old"')
            conn.execute(f'DROP TABLE "{table}_old"')
            for sql in indexes:
                conn.execute(sql)
        conn.execute("ALTER TABLE task ADD COLUMN cancelled_on DATE")
    finally:
        conn.execute("PRAGMA legacy_alter_table = OFF")


def _v6_to_v7(conn: sqlite3.Connection) -> None:
    """Judging (issue 15): closing on review, extensions, chase records, the bulletin's 下步工作要求.
    The new tables count their ids like the others since version 6 (AUTOINCREMENT)."""
    conn.execute("ALTER TABLE work_group ADD COLUMN review_closing BOOLEAN NOT NULL DEFAULT 1")
    conn.execute("ALTER TABLE work_group ADD COLUMN next_steps VARCHAR")
    conn.execute("ALTER TABLE work_group ADD COLUMN assessment_weights VARCHAR")
    for statement in (
        "CREATE TABLE extension (id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, task_id INTEGER NOT NULL, "
        "original_due DATE, new_due DATE NOT NULL, reason VARCHAR NOT NULL, approved_on DATE, "
        "granted_on DATE NOT NULL, FOREIGN KEY(task_id) REFERENCES task (id))",
        "CREATE INDEX ix_extension_task_id ON extension (task_id)",
        "CREATE TABLE task_closing (id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, task_id INTEGER NOT NULL, "
        "state VARCHAR NOT NULL, \"on\" DATE NOT NULL, done_on DATE, unit_id INTEGER, reason VARCHAR, "
        "CONSTRAINT ck_closing_state CHECK (state IN ('claimed', 'confirmed', 'returned')), "
        "FOREIGN KEY(task_id) REFERENCES task (id), FOREIGN KEY(unit_id) REFERENCES unit (id))",
        "CREATE INDEX ix_task_closing_task_id ON task_closing (task_id)",
        "CREATE TABLE chase_record (id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, group_id INTEGER NOT NULL, "
        "unit_id INTEGER NOT NULL, \"on\" DATE NOT NULL, task_ids VARCHAR NOT NULL, reply_by DATE, file VARCHAR, "
        "FOREIGN KEY(group_id) REFERENCES work_group (id), FOREIGN KEY(unit_id) REFERENCES unit (id))",
        "CREATE INDEX ix_chase_record_unit_id ON chase_record (unit_id)",
    ):
        conn.execute(statement)


def _v7_to_v8(conn: sqlite3.Connection) -> None:
    """Evidence (issue 19): files attached to tasks; their content is in the file store beside the
    ledger (``models.evidence``), this table names them."""
    for statement in (
        "CREATE TABLE evidence (id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, task_id INTEGER NOT NULL, "
        "sha256 VARCHAR NOT NULL, size INTEGER NOT NULL, name VARCHAR NOT NULL, unit_id INTEGER, "
        "\"on\" DATE NOT NULL, attached_by VARCHAR, progress_id INTEGER, report_id INTEGER, "
        "FOREIGN KEY(task_id) REFERENCES task (id), FOREIGN KEY(unit_id) REFERENCES unit (id), "
        "FOREIGN KEY(progress_id) REFERENCES progress (id) ON DELETE SET NULL, "
        "FOREIGN KEY(report_id) REFERENCES unit_report (id) ON DELETE SET NULL)",
        "CREATE INDEX ix_evidence_task ON evidence (task_id)",
        "CREATE INDEX ix_evidence_sha256 ON evidence (sha256)",
    ):
        conn.execute(statement)


def _v8_to_v9(conn: sqlite3.Connection) -> None:
    """import_tombstone (issue 12): a deleted task's place in its file and what the file said, so
    that re-importing the file does not bring the task back. Tasks deleted before have none."""
    conn.execute(
        "CREATE TABLE import_tombstone (id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, group_id INTEGER NOT NULL, "
        "task_id INTEGER, member_id INTEGER, name VARCHAR, role VARCHAR, file VARCHAR, sheet VARCHAR, "
        "row_key VARCHAR, base VARCHAR NOT NULL, "
        "deleted_on DATE NOT NULL, FOREIGN KEY(group_id) REFERENCES work_group (id))")
    conn.execute("CREATE INDEX ix_import_tombstone_group_id ON import_tombstone (group_id)")


def _v9_to_v10(conn: sqlite3.Connection) -> None:
    """task_figure (issue 17): each task's figures for the 总览 count, with the triggers that keep
    them, filled for every task; on a file and on a server (models.task_figures says how on each).
    A later step that rebuilds task or one of its rows' tables must make the triggers again."""
    from models import task_figures

    # makes CREATE TABLE task_figure and CREATE TABLE task_figure_pause (named here for models.schema_check)
    task_figures.create(conn)


def _v10_to_v11(conn: sqlite3.Connection) -> None:
    """evidence_content (issue 18): evidence files' content on a server ledger, in parts, by SHA-256
    (``models.evidence_content``). Written once for both engines; a ledger file's stays empty."""
    from models.sql import bytes_type, id_column

    conn.execute(f"CREATE TABLE evidence_content ({id_column(conn)}, sha256 VARCHAR NOT NULL, "
                 f"part INTEGER NOT NULL, data {bytes_type(conn)} NOT NULL, UNIQUE (sha256, part))")


def _v11_to_v12(conn: sqlite3.Connection) -> None:
    """The 总览 at a round's end (issue 17): each task's newest round and whether a lead unit filled
    it there (task_figure.last_round, lead_filled), and each open round's units' figures
    (round_unit_figure). Figures are worked out from the rows, so the step makes them all again
    (``models.task_figures.rebuild``), on a file and on a server."""
    from models import task_figures

    # as if ALTER TABLE task_figure ADD COLUMN last_round, ALTER TABLE task_figure ADD COLUMN lead_filled,
    # and CREATE TABLE round_unit_figure (named here for models.schema_check): the table is made anew
    task_figures.rebuild(conn)


STEPS: dict[int, Callable[[sqlite3.Connection], None]] = {
    1: _v1_to_v2, 2: _v2_to_v3, 3: _v3_to_v4, 4: _v4_to_v5, 5: _v5_to_v6, 6: _v6_to_v7, 7: _v7_to_v8,
    8: _v8_to_v9, 9: _v9_to_v10, 10: _v10_to_v11, 11: _v11_to_v12}


def upgrade(conn: sqlite3.Connection, version: int) -> None:
    """Bring a connection in autocommit mode (isolation_level=None) from ``version`` to current, all
    steps in ONE transaction: a step that fails (a file not shaped as its version says, a full disk)
    leaves the file exactly as it was, never half-way between two versions."""
    if version >= CURRENT_VERSION:
        return
    # Foreign keys off while the steps run (SQLite's procedure for rebuilding a table; it can only be
    # switched outside a transaction); each step's result is checked before the next.
    foreign_keys = conn.execute("PRAGMA foreign_keys").fetchone()[0]
    conn.execute("PRAGMA foreign_keys = OFF")
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            # read again under the write lock: another process may have upgraded the file meanwhile
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            while version < CURRENT_VERSION:
                STEPS[version](conn)
                version += 1
                conn.execute(f"PRAGMA user_version = {version}")
                broken = conn.execute("PRAGMA foreign_key_check").fetchone()
                if broken is not None:
                    raise sqlite3.IntegrityError(f"upgrade to version {version} broke a foreign key: {broken}")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
    finally:
        conn.execute(f"PRAGMA foreign_keys = {'ON' if foreign_keys else 'OFF'}")
