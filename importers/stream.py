"""Importing a division table while it is read: the loader iterates a ``TaskStream`` (which reads
the table row by row as it is asked for the next task) and hands each batch of rows to a writer
thread (``importers.bulk``), so SQLite's work, done without Python's lock, overlaps the reading
instead of following it. What the user sees is unchanged: the same report, one transaction that
commits only after the whole file was read, nothing written when the file is refused. Rosters,
duties, other kinds of file, and tasks for a group that already has tasks are read whole first (the
last need the whole table to match revised tasks)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from importers import SPREADSHEET_SUFFIXES, read_file
from importers.bulk import paused_gc
from importers.readers import OpeningSource
from importers.records import ImportRefused


class FileImport:
    """One file to import: created as early as possible, it starts opening and parsing a
    spreadsheet in a helper thread (python-calamine parses without holding Python's lock) while
    the caller goes on (the command line opens or creates the ledger meanwhile); ``run`` then
    reads it as ``importers.read_file`` does and loads it as ``importers.load.load`` does."""

    def __init__(self, path: str | os.PathLike[str], *, kind: str | None = None, sheet: str | None = None):
        self.path = Path(path)
        self.kind, self.sheet = kind, sheet
        self._streams = (kind == "tasks" or (kind is None and self.path.suffix.lower() in SPREADSHEET_SUFFIXES)) \
            and self.path.is_file()
        self._opening = OpeningSource(self.path) if self._streams else None

    def run(self, database: Any, group_name: str, *, known_units: Iterable[str] = (), dry_run: bool = False,
            before_commit: Callable[[], None] | None = None):
        """The ImportReport. ``before_commit`` runs once the file has been read in full, before
        anything is committed (the command line makes its backup there). Raises ImportRefused for
        a file that cannot be read and the loader's errors (OperationError, DatabaseError);
        nothing is written then."""
        from importers.load import load
        from importers.table import TaskStream

        p, kind = self.path, self.kind
        with paused_gc():
            if self._streams:
                try:
                    stream = TaskStream(p, self.sheet, self._opening)
                    return load(database, stream, group_name, dry_run=dry_run, before_commit=before_commit)
                except ImportRefused as first:
                    if kind is not None:
                        raise
                    try:  # as read_file does: a spreadsheet that is not a division table may be a roster
                        record = read_file(p, kind="roster", known_units=known_units)
                    except ImportRefused:
                        raise first from None
                finally:
                    self.close()
            else:
                record = read_file(p, kind=kind, sheet=self.sheet, known_units=known_units)
            return load(database, record, group_name, dry_run=dry_run, before_commit=before_commit)

    def close(self) -> None:
        """Close the file if ``run`` never took it."""
        if self._opening is not None:
            self._opening.discard()
            self._opening = None
