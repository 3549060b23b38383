"""One operation on a plain ``sqlite3`` connection, for the bulk writes that need no ORM (issue 17:
importing SQLAlchemy and SQLModel alone took ~40 % of importing a round's forms of 1,000 tasks).

``plain_change(path, action)`` does what ``models.changes.change`` does for the ORM operations —
the write lock taken first (BEGIN IMMEDIATE, another writer waited for), the rows written reported
with ``record``, one history entry with them, committed together or not at all, the same Chinese
messages for a conflict, a busy ledger or a disk that refuses — over one connection from
``models.store.connect``. The history entry is the one ``change`` writes, so undo and redo treat
both alike.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from models import store
from models.errors import OperationError
from models.locking import BUSY_MESSAGE, is_busy, retry_busy


class PlainChange(store.HistoryLine):
    """What an operation has in hand while it runs: the connection, the rows it changed, and its
    history line (the same ``describe`` and ``record`` as ``models.changes.Change``)."""

    def __init__(self, conn: sqlite3.Connection, action: str):
        super().__init__(action)
        self.conn = conn
        self.changes: list[store.Change] = []

    def record(self, table: str, row_id: int, before: dict | None, after: dict | None) -> None:
        """Report a row written with a SQL statement (as ``Change.record``)."""
        self.changes.append((table, row_id, before, after))

    def cursor(self) -> Any:
        return self.conn.cursor()


@contextmanager
def plain_change(path: str | os.PathLike[str], action: str) -> Iterator[PlainChange]:
    """Run one operation on the ledger at ``path``: everything inside commits together with its
    history entry, or nothing does; an operation that changed no row leaves no entry."""
    conn = store.connect(path)
    # SQLite keeps, for each statement of the transaction, the pages it changes so that the statement
    # alone can be rolled back (a "statement journal"); by default in a temporary file once past 64 KB.
    # A round's forms run ~70,000 statements: on disk that was ~400,000 writes to /var/tmp (issue 17,
    # ~0.7 s of system time). Kept in memory they cost nothing; each holds a few pages.
    conn.execute("PRAGMA temp_store = MEMORY")
    # and a page cache that holds what a round's rows touch (SQLite's default 2 MB read the same task
    # and index pages back from the file ~70,000 times; the table import's is the same, importers.load)
    conn.execute("PRAGMA cache_size = -32768")
    try:
        retry_busy(lambda: conn.execute("BEGIN IMMEDIATE"))
        tx = PlainChange(conn, action)
        try:
            yield tx
            if not tx.changes:
                conn.execute("ROLLBACK")
                return
            if not tx.summary:
                raise RuntimeError(f"operation {action!r} wrote no summary")
            store.write_history(conn.cursor(), action=action, summary=tx.summary, group_id=tx.group_id,
                                task_id=tx.task_id, undoes=None, changes=tx.changes)
            conn.execute("COMMIT")
        except sqlite3.IntegrityError as exc:
            _rollback(conn)
            raise OperationError(f"这项修改与已有数据冲突，未保存（{exc}）。") from None
        except sqlite3.Error as exc:
            _rollback(conn)
            if is_busy(exc):
                raise OperationError(BUSY_MESSAGE) from None
            from models.faults import storage_problem

            problem = storage_problem(exc, path)
            if problem:
                raise OperationError(problem) from None
            raise
        except BaseException:
            _rollback(conn)
            raise
    finally:
        conn.close()


def _rollback(conn: sqlite3.Connection) -> None:
    """Roll back what is left of the transaction; a disk that refuses even that leaves it to SQLite's
    journal, which undoes it at the next open."""
    try:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
    except sqlite3.Error:
        pass
