"""Whether a SQLite file really has the ledger's schema (issue 13): its tables and their columns.

A file with the right table names and ``user_version`` but other columns (another program's
database, a hand-made one) passes ``quick_check``; restored over the ledger, every later command
fails. ``schema_problem`` compares the file with the current schema (``schema.sql``, read into an
in-memory database once). A file of an older version may lack what the migrations since then add:
the tables and columns they create (``ALTER TABLE t ADD COLUMN c``, ``CREATE TABLE t``, read from
``models.migrations`` itself, so a new migration needs no change here).
"""

from __future__ import annotations

import inspect
import re
import sqlite3
from functools import lru_cache

_ADD_COLUMN = re.compile(r"ALTER\s+TABLE\s+\"?(\w+)\"?\s+ADD\s+(?:COLUMN\s+)?\"?(\w+)", re.I)
_CREATE_TABLE = re.compile(r"CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?\"?(\w+)", re.I)


def _columns(conn: sqlite3.Connection) -> dict[str, set[str]]:
    tables = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
    return {t: {r[1] for r in conn.execute(f'PRAGMA table_info("{t}")')} for t in tables}


@lru_cache(maxsize=1)
def expected_columns() -> dict[str, frozenset[str]]:
    """Table → columns of the current schema."""
    from models.schema import SCHEMA_FILE, _statements

    conn = sqlite3.connect(":memory:")
    try:
        for statement in _statements(SCHEMA_FILE.read_text(encoding="utf-8")):
            conn.execute(statement)
        return {t: frozenset(c) for t, c in _columns(conn).items()}
    finally:
        conn.close()


@lru_cache(maxsize=1)
def _added_by_migrations() -> tuple[frozenset[str], frozenset[tuple[str, str]]]:
    from models import migrations

    source = inspect.getsource(migrations)
    tables = frozenset(m[1] for m in _CREATE_TABLE.finditer(source))
    columns = frozenset((m[1], m[2]) for m in _ADD_COLUMN.finditer(source))
    return tables, columns


def schema_problem(conn: sqlite3.Connection, version: int) -> str | None:
    """Why the database on ``conn`` (of schema ``version``) is not a taizhang ledger, or None."""
    from models.migrations import CURRENT_VERSION

    have = _columns(conn)
    new_tables, new_columns = _added_by_migrations() if version < CURRENT_VERSION else (frozenset(), frozenset())
    for table, columns in sorted(expected_columns().items()):
        if table not in have:
            if table in new_tables:
                continue
            return f"缺少数据表「{table}」"
        missing = sorted(c for c in columns - have[table] if (table, c) not in new_columns)
        if missing:
            return f"数据表「{table}」缺少列「{'、'.join(missing)}」"
    return None
