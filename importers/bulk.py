"""Bulk work of an import: the cyclic garbage collector paused while a table is read and loaded, and
the rows of new tasks written in bulk.

Reading a 10,000-row table makes a few hundred thousand small objects that are all kept, and each
collection would walk all of them again (about a tenth of an import's time). Nothing made here forms
reference cycles that need collecting.

On a ledger file the rows go in as multi-row ``INSERT … VALUES (…), (…)`` statements of up to
``ROWS_PER_STATEMENT`` rows, written as soon as they are given (``BulkInserter``), in the caller's
thread. Until 2026-12 a second thread wrote them while this one built the next batch: SQLite releases
Python's lock (the GIL) while it inserts, but the writer had to win the lock back after each of its
~1,200 statements and held it to bind every value, and measured alternately with writing in the
caller's thread (issue 17, 8 runs each, real and plain 10,000-task tables) the import was as fast or
up to 50 ms faster without it. On a server the rows go by ``COPY`` from a writer thread
(``QueuedWriter``, ``importers.server_write.CopyInserter``), which waits on the network.
"""

from __future__ import annotations

import queue
import sqlite3
import sys
import threading
from collections.abc import Sequence

SWITCH_INTERVAL = 0.0002  # seconds, while a QueuedWriter runs (Python's default is 0.005): its thread gets the GIL back soon
ROWS_PER_STATEMENT = 128  # few statements for 10,000 tasks, each short enough to prepare cheaply
_STOP = None


class QueuedWriter:
    """Batches of rows written by a writer thread, in the order they are given, while the caller's
    thread builds the next ones; ``_write`` (of a subclass) writes one batch.

    Use as a context manager; while it is open, only it may use the connection. Leaving the block
    waits for every batch; an error of the writer (a constraint, a full disk, a lost server) is
    raised there, and the batches after it are not written. The caller's transaction stays the
    caller's to commit or roll back.
    """

    def __init__(self, name: str):
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def __enter__(self):
        self._interval = sys.getswitchinterval()
        sys.setswitchinterval(min(self._interval, SWITCH_INTERVAL))
        self._thread.start()
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc is not None:
            self._error = self._error or exc  # the writer stops at its next batch
        self._jobs.put(_STOP)
        self._thread.join()
        sys.setswitchinterval(self._interval)
        if exc is None and self._error is not None:
            raise self._error

    def insert(self, table: str, columns: Sequence[str], values: list) -> None:
        """Queue rows for ``table``: ``values`` holds their values one row after another, in the
        order of ``columns`` (flat, as the statement binds them). Raises the writer's error early
        if it has already failed."""
        if self._error is not None:
            raise self._error
        if values:
            self._jobs.put((table, tuple(columns), values))

    def _run(self) -> None:
        while (job := self._jobs.get()) is not _STOP:
            if self._error is not None:
                continue
            try:
                self._write(*job)
            except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
                self._error = exc

    def _write(self, table: str, columns: tuple[str, ...], values: list) -> None:
        raise NotImplementedError


class BulkInserter:
    """Rows inserted on a ledger file's ``conn`` as multi-row INSERTs, in the order given, each batch
    when it is given. Used as a context manager like ``QueuedWriter`` (the server's), so the loader
    writes through either alike; the caller's transaction stays the caller's to commit or roll back."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self._variables = conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        self._statements: dict[tuple[str, int], str] = {}  # (table, rows) → INSERT text

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        return None

    def insert(self, table: str, columns: Sequence[str], values: list) -> None:
        """Insert rows into ``table``: ``values`` holds their values one row after another, in the
        order of ``columns`` (flat, as the statement binds them)."""
        width = len(columns)
        if len(values) % width:
            raise ValueError(f"{len(values)} values do not make rows of {width}")
        # Statements of a few fixed sizes only: ROWS_PER_STATEMENT rows, then what is left in
        # statements of 64, 32, …, 1 rows. Python's sqlite3 keeps every distinct statement text it
        # ran prepared (up to 128); one statement per batch of the batch's own size, thousands of
        # rows long, held ~40 MB on a 10,000-task import, a third of its memory (issue 17).
        per = max(min(self._variables // width, ROWS_PER_STATEMENT), 1)
        head = f'INSERT INTO "{table}" ({", ".join(columns)}) VALUES '
        one = "(" + ", ".join("?" * width) + ")"
        rows = len(values) // width
        start = 0
        while start < rows:
            n = per if rows - start >= per else 1 << ((rows - start).bit_length() - 1)  # a power of two
            sql = self._statements.get((table, n))
            if sql is None:
                sql = self._statements[table, n] = head + ", ".join([one] * n)
            self.conn.execute(sql, values[start * width:(start + n) * width])
            start += n
