"""Whether a SQLite file really has the ledger's schema (issue 13): its tables and their columns.

A file with the right table names and ``user_version`` but other columns (another program's
database, a hand-made one) passes ``quick_check``; restored over the ledger, every later command
fails. ``schema_problem`` compares the file with the current schema (``schema.sql``, read into an
in-memory database once). A file of an older version may lack what the migrations since then add:
the tables and columns they create (``ALTER TABLE t ADD COLUMN c``, ``CREATE TABLE t``, read from
``models.migrations`` itself, so a new migration needs no change here). It must also lack what the
steps from its version on add, and have what the steps before it added: a file whose version
number says otherwise (made by a development build whose numbering was changed before release)
would fail half-way through the upgrade, so it is refused before anything is written.
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

    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:  # the tables alone, in one transaction: their columns are all this reads (~3 ms, not ~15)
        conn.execute("BEGIN")
        for statement in _statements(SCHEMA_FILE.read_text(encoding="utf-8")):
            if statement.upper().startswith("CREATE TABLE"):
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


@lru_cache(maxsize=1)
def _added_by_step() -> tuple[dict[str, int], dict[tuple[str, str], int]]:
    """Table → and (table, column) → the version whose upgrade step creates or adds it."""
    from models.migrations import STEPS

    tables: dict[str, int] = {}
    columns: dict[tuple[str, str], int] = {}
    for version, step in STEPS.items():
        source = inspect.getsource(step)
        for m in _CREATE_TABLE.finditer(source):
            tables.setdefault(m[1], version)
        for m in _ADD_COLUMN.finditer(source):
            columns.setdefault((m[1], m[2]), version)
    return tables, columns


def version_mismatch(have: dict[str, set[str]], version: int) -> str | None:
    """Why tables and columns ``have`` are not what schema ``version`` had (what the upgrade steps
    before it added is there, what the steps from it on add is not), or None."""
    tables, columns = _added_by_step()
    for table, step in sorted(tables.items(), key=lambda item: (item[1], item[0])):
        if step < version and table not in have:
            return f"结构版本 {version} 应有数据表「{table}」，文件中没有"
        if step >= version and table in have:
            return f"数据表「{table}」在结构版本 {step + 1} 才加入，而文件标明的结构版本是 {version}"
    for (table, column), step in sorted(columns.items(), key=lambda item: (item[1], item[0])):
        if table not in have:
            continue
        if step < version and column not in have[table]:
            return f"结构版本 {version} 的数据表「{table}」应有列「{column}」，文件中没有"
        if step >= version and column in have[table]:
            return f"数据表「{table}」的列「{column}」在结构版本 {step + 1} 才加入，而文件标明的结构版本是 {version}"
    return None


def schema_problem(conn: sqlite3.Connection, version: int) -> str | None:
    """Why the database on ``conn`` (of schema ``version``) is not a taizhang ledger, or None."""
    from models.migrations import CURRENT_VERSION

    have = _columns(conn)
    if version < CURRENT_VERSION:
        mismatch = version_mismatch(have, version)
        if mismatch:
            return mismatch
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
