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


def group_concat(conn: Any, expr: str, sep: str = "、") -> str:
    """An aggregate joining ``expr`` of a group's rows with ``sep`` (a literal without quotes)."""
    quoted = "'" + sep.replace("'", "''") + "'"
    if is_server(conn):
        return f"string_agg(CAST({expr} AS TEXT), {quoted})"
    return f"group_concat({expr}, {quoted})"


def year_of(conn: Any, column: str) -> str:
    """The year of a date column, as an integer."""
    if is_server(conn):
        return f"CAST(EXTRACT(YEAR FROM {column}) AS INTEGER)"
    return f"CAST(substr({column}, 1, 4) AS INTEGER)"


def like_any_case(conn: Any, column: str, param: str) -> str:
    """``column LIKE param`` ignoring the case of ASCII letters, as SQLite's LIKE does on a file."""
    op = "ILIKE" if is_server(conn) else "LIKE"
    return f"{column} {op} {param} ESCAPE '\\'"


def json_int(conn: Any, column: str, key: str) -> str:
    """An integer member of a JSON text column."""
    if is_server(conn):
        return f"CAST(CAST({column} AS JSONB) ->> '{key}' AS INTEGER)"
    return f"json_extract({column}, '$.{key}')"


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


def text_order(conn: Any, column: str) -> str:
    """``column`` for ORDER BY in the byte order SQLite uses (a server's collation may sort otherwise)."""
    if is_server(conn):
        return f'{column} COLLATE "C"'
    return column


def json_text(conn: Any, column: str, key: str) -> str:
    """A member of a JSON text column (``$.key``); on a server as text."""
    if is_server(conn):
        return f"(CAST({column} AS JSONB) ->> '{key}')"
    return f"json_extract({column}, '$.{key}')"


def json_has(conn: Any, column: str, key: str) -> str:
    """The JSON text column has the member ``key`` (even when it is null)."""
    if is_server(conn):
        return f"jsonb_exists(CAST({column} AS JSONB), '{key}')"
    return f"json_type({column}, '$.{key}') IS NOT NULL"


def json_item_int(conn: Any, column: str, key: str, index: int) -> str:
    """The integer at ``index`` of the JSON array member ``key`` (``$.key[index]``)."""
    if is_server(conn):
        return f"CAST(CAST({column} AS JSONB) -> '{key}' ->> {int(index)} AS INTEGER)"
    return f"json_extract({column}, '$.{key}[{int(index)}]')"


def differs(conn: Any, left: str, right: str) -> str:
    """``left`` and ``right`` differ, NULL differing from a value (SQLite's ``IS NOT``)."""
    if is_server(conn):
        return f"{left} IS DISTINCT FROM {right}"
    return f"{left} IS NOT {right}"
