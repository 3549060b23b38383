"""Reading a server ledger in the window (issue 18): a lost connection (the server stopped, the
connection ended by an administrator, the network cut) says so once, leaves the screens showing what
they showed, and the next read connects again — on the next refresh or key press, or when the
listener (``tui.app``) hears the server again."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tui.data import ConnectionLost

IDLE_PROBE_S = 2.0  # a connection unused this long is tried before a read (one round trip)


def lost_text(target: str) -> str:
    from models.db_url import describe

    return (f"与服务器的连接断开了（{describe(target)}）。窗口中仍显示断开前的内容，暂时不能修改；"
            "服务器恢复后会自动重新连接。")


def _lost(reader: Any) -> ConnectionLost:
    first = reader._lost is None
    reader._lost = lost_text(reader.target)
    if first and reader.on_lost is not None:
        reader.on_lost(reader._lost)
    return ConnectionLost(reader._lost)


def _is_gone(conn: Any) -> bool:
    raw = conn.raw
    return bool(raw.closed or raw.broken)


def _drop_if_gone(reader: Any) -> None:
    """One round trip on the reader's connection; when the server has ended it meanwhile (restarted,
    an administrator ended the session, the network was cut while nobody read), it is dropped so the
    read about to be made connects again. Without it that read failed and said the connection was
    lost just after the listener had heard the server back — and nothing read again to say it was
    back, leaving the window read-only until a key was pressed."""
    import psycopg

    conn = reader._conn
    try:
        conn.raw.execute("SELECT 1")
    except psycopg.Error:
        reader._conn = None
        try:
            conn.close()
        except psycopg.Error:
            pass


@contextmanager
def reading(reader: Any) -> Iterator[Any]:
    """The reader's server connection, made again when it was lost (called under the reader's lock)."""
    import psycopg

    from models import store
    from models.errors import DatabaseError

    if reader._conn is not None and time.monotonic() - getattr(reader, "_used_at", 0.0) > IDLE_PROBE_S:
        _drop_if_gone(reader)  # ended while the window was idle (a server restart): connect anew, not fail
    if reader._conn is None:
        try:
            reader._conn = store.connect(reader.target)
        except DatabaseError:
            raise _lost(reader) from None
    conn = reader._conn
    reader._used_at = time.monotonic()
    try:
        yield conn
    except (psycopg.OperationalError, psycopg.InterfaceError):
        if not _is_gone(conn):
            raise
        reader._conn = None
        try:
            conn.close()
        except psycopg.Error:
            pass
        raise _lost(reader) from None
    if reader._lost is not None:
        reader._lost = None
        if reader.on_back is not None:
            reader.on_back()
