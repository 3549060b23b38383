"""The few pieces of SQL that differ between a ledger file (SQLite) and a server ledger
(PostgreSQL), chosen by the connection in hand. Everything else is written once, in standard SQL
with ``?`` or ``:name`` parameters (``models.server_conn`` reads both on a server)."""

from __future__ import annotations

from typing import Any

SQLITE, POSTGRESQL = "sqlite", "postgresql"
NOTIFY_CHANNEL = "taizhang"  # every change on a server ledger says its history id here


def dialect(conn: Any) -> str:
    """Which engine ``conn`` (a sqlite3 or server connection or cursor, or a SQLAlchemy
    connection or session) talks to."""
    name = getattr(conn, "dialect", None)
    if isinstance(name, str):
        return name
    if name is not None and hasattr(name, "name"):
        return name.name
    inner = getattr(conn, "_conn", None) or getattr(conn, "connection", None)
    if inner is not None and inner is not conn and not _is_sqlite(conn):
        return dialect(inner)
    bind = getattr(conn, "bind", None)
    if bind is not None:
        return bind.dialect.name
    return SQLITE


def _is_sqlite(conn: Any) -> bool:
    import sqlite3

    return isinstance(conn, (sqlite3.Connection, sqlite3.Cursor))


def is_server(conn: Any) -> bool:
    return dialect(conn) == POSTGRESQL


# On a server, a statement PostgreSQL estimates as costly is compiled to machine code first (JIT):
# the 总览 figures of 10,000 new tasks, written in one statement, spent ~50 of its ~210 ms compiling
# (issue 17), more than compiling saves on a statement over some tens of thousands of rows. Run
# before such a statement, inside its transaction; it lasts until the commit or rollback.
NO_JIT = "SET LOCAL jit = off"


def group_concat(conn: Any, expr: str, sep: str = "、", order_by: str | None = None) -> str:
    """An aggregate joining ``expr`` of a group's rows with ``sep`` (a literal without quotes).
    ``order_by``: the order on a server; on a file group_concat joins rows in the order they come,
    so read them from a subquery ordered the same way when the order shows."""
    quoted = "'" + sep.replace("'", "''") + "'"
    if is_server(conn):
        order = f" ORDER BY {order_by}" if order_by else ""
        return f"string_agg(CAST({expr} AS TEXT), {quoted}{order})"
    return f"group_concat({expr}, {quoted})"


def year_of(conn: Any, column: str) -> str:
    """The year of a date column, as an integer."""
    if is_server(conn):
        return f"CAST(EXTRACT(YEAR FROM {column}) AS INTEGER)"
    return f"CAST(substr({column}, 1, 4) AS INTEGER)"


def year_end(server: bool, year: str) -> str:
    """31 December of the integer year ``year``, as a date (a file: ISO text). ``server``: for a
    server ledger (``is_server(conn)``; the 总览 figures' trigger text is made before any connection)."""
    if server:
        return f"make_date({year}, 12, 31)"
    return f"CAST({year} AS TEXT) || '-12-31'"


def like_any_case(conn: Any, column: str, param: str) -> str:
    """``column LIKE param`` ignoring the case of ASCII letters, as SQLite's LIKE does on a file."""
    op = "ILIKE" if is_server(conn) else "LIKE"
    return f"{column} {op} {param} ESCAPE '\\'"


def json_int(conn: Any, column: str, key: str, index: int | None = None) -> str:
    """An integer member of a JSON text column (``index``: an item of the member, a JSON array)."""
    if is_server(conn):
        if index is not None:
            return f"CAST(CAST({column} AS JSONB) -> '{key}' ->> {index} AS INTEGER)"
        return f"CAST(CAST({column} AS JSONB) ->> '{key}' AS INTEGER)"
    if index is not None:
        return f"json_extract({column}, '$.{key}[{index}]')"
    return f"json_extract({column}, '$.{key}')"


def highest_id_given(conn: Any) -> str:
    """A statement (parameter ``:t``, a table name) reading the highest id ``t`` ever gave, its
    rows since removed included; no row, or NULL, when it gave none."""
    if is_server(conn):
        return "SELECT pg_sequence_last_value(CAST(pg_get_serial_sequence(:t, 'id') AS regclass))"
    return "SELECT seq FROM sqlite_sequence WHERE name = :t"


def ids_given_up_to(conn: Any) -> str | None:
    """A statement (parameters ``:t``, ``:last``) making table ``t`` count ``last`` among the ids it
    gave, after rows were inserted with ids chosen by the writer; None where the engine does so by
    itself (SQLite's AUTOINCREMENT follows any id inserted)."""
    if not is_server(conn):
        return None
    seq = "CAST(pg_get_serial_sequence(:t, 'id') AS regclass)"
    return f"SELECT setval({seq}, greatest(:last, coalesce(pg_sequence_last_value({seq}), 0)))"


def id_column(conn: Any) -> str:
    """A new table's id column in a migration step: ids never given twice (AUTOINCREMENT on a
    file, a SERIAL sequence on a server), as ``models.tables`` makes them."""
    if is_server(conn):
        return "id SERIAL PRIMARY KEY"
    return "id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT"


def count_if(conn: Any, condition: str) -> str:
    """How many rows of a group meet ``condition`` (SQLite sums its 0/1; PostgreSQL has no sum of a boolean)."""
    if is_server(conn):
        return f"count(*) FILTER (WHERE {condition})"
    return f"sum({condition})"


def same_as(conn: Any, column: str, param: str) -> str:
    """``column`` equals ``param``, NULL equal to NULL (SQLite's ``IS``; PostgreSQL's ``IS`` takes no parameter)."""
    if is_server(conn):
        return f"{column} IS NOT DISTINCT FROM {param}"
    return f"{column} IS {param}"


def newest_first(conn: Any, column: str) -> str:
    """``column DESC`` with NULLs last, as SQLite orders them (PostgreSQL puts NULLs first descending)."""
    if is_server(conn):
        return f"{column} DESC NULLS LAST"
    return f"{column} DESC"


def json_value(conn: Any, column: str, key: str) -> str:
    """A member of a JSON text column as SQL compares it (text on a server)."""
    if is_server(conn):
        return f"(CAST({column} AS JSONB) ->> '{key}')"
    return f"json_extract({column}, '$.{key}')"


def json_has(conn: Any, column: str, key: str) -> str:
    """True when the JSON object in ``column`` has the member ``key`` (even a null one)."""
    if is_server(conn):
        return f"jsonb_exists(CAST({column} AS JSONB), '{key}')"
    return f"json_type({column}, '$.{key}') IS NOT NULL"


def json_int_at(conn: Any, column: str, key: str, index: int) -> str:
    """An integer element of a JSON array member (``{"id_range": [first, last]}``)."""
    if is_server(conn):
        return f"CAST(CAST({column} AS JSONB) -> '{key}' ->> {index} AS INTEGER)"
    return f"json_extract({column}, '$.{key}[{index}]')"


def null_safe_differs(conn: Any) -> str:
    """The operator for "differ, NULLs compared as values" (SQLite ``IS NOT``)."""
    return "IS DISTINCT FROM" if is_server(conn) else "IS NOT"


def true(conn: Any) -> str:
    """The literal true as a condition (SQLite has 1)."""
    return "TRUE" if is_server(conn) else "1"


def begin_snapshot(conn: Any) -> str:
    """The statement that starts one read transaction in which every read sees the same state (an
    export's snapshot): a file's plain BEGIN; on a server, REPEATABLE READ (READ COMMITTED would
    let each statement see others' later commits)."""
    if is_server(conn):
        return "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
    return "BEGIN"


def byte_order(conn: Any, expr: str) -> str:
    """``expr`` to ORDER BY (or compare) text in the byte order of its UTF-8, as a ledger file does;
    a server's database collation (zh_CN, ICU) would order Chinese by pinyin or strokes instead."""
    if is_server(conn):
        return f'{expr} COLLATE "C"'
    return expr


def json_member_differs(conn: Any, before: str, after: str, key: str) -> str:
    """True when the member ``key`` of two JSON text columns differs as the history tells a change
    (``models.audit._same``): null, missing and "" alike; numbers by value (1 and 1.0 alike); true
    and false as 1 and 0 (a flag written by the ORM as true, by plain SQL as 1); text never equal to
    a number ("1" is not 1). SQLite's json_extract gives exactly those values; a server compares the
    members as JSONB so normalised (its ->> text would make "1" equal 1 and true differ from 1)."""
    if is_server(conn):
        def member(column: str) -> str:
            value = f"(CAST({column} AS JSONB) -> '{key}')"
            return (f"coalesce(CASE jsonb_typeof({value}) WHEN 'boolean' THEN CASE WHEN {value} = JSONB 'true' "
                    f"THEN JSONB '1' ELSE JSONB '0' END WHEN 'null' THEN NULL ELSE {value} END, JSONB '\"\"')")
        return f"{member(before)} IS DISTINCT FROM {member(after)}"
    return (f"coalesce({json_value(conn, before, key)}, '') {null_safe_differs(conn)} "
            f"coalesce({json_value(conn, after, key)}, '')")


def bytes_type(conn: Any) -> str:
    """The column type of a new table's bytes in a migration step, as ``models.tables`` makes it
    (SQLAlchemy's LargeBinary: BLOB on a file, BYTEA on a server)."""
    return "BYTEA" if is_server(conn) else "BLOB"
