"""Readers of what the office receives (division tables, rosters, duties) → plain records → one
loading step. No Textual here; nothing is written until ``importers.load.load``."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path

from importers.bulk import paused_gc
from importers.readers import OpeningSource
from importers.records import Duties, ImportRefused, Roster, TaskTable

KINDS = ("tasks", "roster", "duties")
SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods", ".csv", ".docx"}
TEXT_SUFFIXES = {".txt", ".text", ".md"}


def read_file(path: str | os.PathLike[str], *, kind: str | None = None, sheet: str | None = None,
              known_units: Iterable[str] = (), opening: OpeningSource | None = None) -> TaskTable | Roster | Duties:
    """Read a file as ``kind`` (tasks, roster or duties), or guess: spreadsheets hold tasks (or a
    roster when they have no task column), pasted text holds a roster (or duties). ``opening`` is
    the file already being opened for the tasks (see ``FileImport``)."""
    p = Path(path)
    if not p.is_file():
        raise ImportRefused(f"找不到文件「{p}」。")
    suffix = p.suffix.lower()
    if kind in (None, "tasks") and suffix in SPREADSHEET_SUFFIXES:
        _refuse_a_returned_form(p)
    if kind is None:
        kind = "tasks" if suffix in SPREADSHEET_SUFFIXES else "roster"
        fallbacks = ["roster"] if kind == "tasks" else ["duties"]
    else:
        fallbacks = []
    try:
        with paused_gc():
            return _read(p, kind, sheet, known_units, opening)
    except ImportRefused as first:
        for other in fallbacks:
            try:
                return _read(p, other, sheet, known_units)
            except ImportRefused:
                pass
        raise first


def _refuse_a_returned_form(path: Path) -> None:
    """A unit's returned 进展填报表 read as a division table would add its rows as tasks: say where
    it goes instead (the guess is cheap: the file's name, or the first shared strings of an .xlsx)."""
    from importers.forms import looks_like_form, read_form

    if looks_like_form(path) and read_form(path) is not None:
        raise ImportRefused(f"「{path.name}」是单位交回的进展填报表，不是分工表：请在“报送”页（按 5）按 i 导入，"
                            "或在命令行用 taizhang import 导入到报送轮次。")


def _read(path: Path, kind: str, sheet: str | None, known_units: Iterable[str],
          opening: OpeningSource | None = None) -> TaskTable | Roster | Duties:
    if kind == "tasks":
        from importers.table import read_task_table

        return read_task_table(path, sheet=sheet, opening=opening)
    if kind == "roster":
        from importers.roster import read_roster

        return read_roster(path, known_units=known_units)
    if kind == "duties":
        from importers.duties import read_duties

        return read_duties(path, known_units=known_units)
    raise ValueError(f"unknown kind {kind!r}")


class FileImport:
    """One file to import, read and loaded as ``read_file`` and ``importers.load.load`` do. Made as
    early as possible (the command line makes it before it opens the ledger): a spreadsheet is
    then opened and parsed by python-calamine in a helper thread, without holding Python's lock,
    while the caller imports the loader and opens or creates the ledger."""

    def __init__(self, path: str | os.PathLike[str], *, kind: str | None = None, sheet: str | None = None):
        self.path = Path(path)
        self.kind, self.sheet = kind, sheet
        tasks_first = kind == "tasks" or (kind is None and self.path.suffix.lower() in SPREADSHEET_SUFFIXES)
        self._opening = OpeningSource(self.path) if tasks_first and self.path.is_file() else None

    def run(self, database, group_name: str, *, known_units: Iterable[str] = (), dry_run: bool = False,
            before_commit: Callable[[], None] | None = None):
        """The ImportReport. ``before_commit`` runs just before an import that changes something
        commits (the command line makes its backup there). Raises ImportRefused for a file that
        cannot be read and the loader's errors (OperationError, DatabaseError); nothing is written
        then."""
        from importers.load import load

        try:
            record = read_file(self.path, kind=self.kind, sheet=self.sheet, known_units=known_units,
                               opening=self._opening)
            return load(database, record, group_name, dry_run=dry_run, before_commit=before_commit)
        finally:
            self.close()

    def close(self) -> None:
        """Close the file if reading never took it."""
        if self._opening is not None:
            self._opening.discard()
            self._opening = None
