"""Readers of what the office receives (division tables, rosters, duties) → plain records → one
loading step. No Textual here; nothing is written until ``importers.load.load``."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path

from exporters.collector import collector_paused as paused_gc
from importers.readers import OpeningSource
from importers.records import Duties, ImportRefused, Roster, TaskTable

KINDS = ("tasks", "roster", "duties")
SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods", ".csv", ".docx"}
TEXT_SUFFIXES = {".txt", ".text", ".md"}
NOTICE_ONLY_SUFFIXES = {".pdf"}  # read only as a notice's text (tasks), or as text for rosters and duties


def read_file(path: str | os.PathLike[str], *, kind: str | None = None, sheet: str | None = None,
              known_units: Iterable[str] = (), opening: OpeningSource | None = None) -> TaskTable | Roster | Duties:
    """Read a file as ``kind`` (tasks, roster or duties), or guess: spreadsheets hold tasks (or a
    roster when they have no task column; a Word document without a task table, the tasks of its
    paragraphs), pasted text and PDF the tasks of a notice (``importers.notice``), else a roster,
    else duties. ``opening`` is the file already being opened for the tasks (see ``FileImport``)."""
    p = Path(path)
    if not p.is_file() or not os.access(p, os.R_OK):
        from importers.readers.sniff import not_a_file, refuse

        raise refuse(p, not_a_file(p) or "不是普通文件。")
    suffix = p.suffix.lower()
    if kind in (None, "tasks") and suffix in SPREADSHEET_SUFFIXES:
        _refuse_a_returned_form(p)
    if kind is None:
        kind = "tasks" if suffix in SPREADSHEET_SUFFIXES or suffix == ".pdf" else "roster"
        fallbacks = ["roster"] if kind == "tasks" else ["duties"]
        if suffix in NOTICE_ONLY_SUFFIXES:
            fallbacks = ["roster", "duties"]
        if kind == "roster":  # pasted text: a notice that lists tasks, else a roster, else duties
            from importers.notice import NoTasksFound, read_notice

            try:
                with paused_gc():
                    return read_notice(p)
            except NoTasksFound:
                pass
    else:
        fallbacks = []
    try:
        with paused_gc():
            return _read(p, kind, sheet, known_units, opening)
    except ImportRefused as first:
        if first.beyond_limit:
            raise
        if suffix in NOTICE_ONLY_SUFFIXES:
            from importers.notice import NoTasksFound

            if not isinstance(first, NoTasksFound):
                raise  # a PDF that cannot be read (a scan, a broken file) is no roster either
        for other in fallbacks:
            try:
                return _read(p, other, sheet, known_units)
            except ImportRefused:
                pass
        raise first


def _refuse_a_returned_form(path: Path) -> None:
    """A unit's returned 进展填报表 read as a division table would add its rows as tasks: say where
    it goes instead (the guess is cheap: the file's name, or the first shared strings of an .xlsx)."""
    from importers.form_guess import looks_like_form

    if not looks_like_form(path):
        return
    from importers.forms import read_form  # only now: it loads the export of forms too

    if read_form(path) is not None:
        raise ImportRefused(f"「{path.name}」是单位交回的进展填报表，不是分工表：请在“报送”页（按 5）按 i 导入，"
                            "或在命令行用 taizhang import 导入到报送轮次。")


def _read(path: Path, kind: str, sheet: str | None, known_units: Iterable[str],
          opening: OpeningSource | None = None) -> TaskTable | Roster | Duties:
    if kind == "tasks":
        from importers.table import read_task_table

        suffix = path.suffix.lower()
        if suffix in NOTICE_ONLY_SUFFIXES:
            from importers.notice import read_notice

            return read_notice(path)
        if suffix in TEXT_SUFFIXES:  # a notice pasted as text, else a table saved as text
            from importers.notice import read_notice

            try:
                return read_notice(path)
            except ImportRefused as notice_refusal:
                try:
                    return read_task_table(path, sheet=sheet, opening=opening)
                except ImportRefused:
                    raise notice_refusal from None
        try:
            return read_task_table(path, sheet=sheet, opening=opening)
        except ImportRefused as table_refusal:
            if suffix != ".docx" or sheet is not None or table_refusal.beyond_limit:
                raise
            return _notice_of_document(path, table_refusal)
    if kind == "roster":
        from importers.roster import read_roster

        return read_roster(path, known_units=known_units)
    if kind == "duties":
        from importers.duties import read_duties

        return read_duties(path, known_units=known_units)
    raise ValueError(f"unknown kind {kind!r}")


def _notice_of_document(path: Path, table_refusal: ImportRefused) -> TaskTable:
    """A Word document without a task table: the tasks in its paragraphs. When it has none either,
    the table's refusal if the document has tables, else the notice's."""
    from importers.notice import read_notice
    from importers.readers import open_source

    try:
        return read_notice(path)
    except ImportRefused as notice_refusal:
        try:
            with open_source(path) as source:
                has_tables = bool(source.sheet_names)
        except ImportRefused:
            has_tables = True
        raise (table_refusal if has_tables else notice_refusal) from None


class FileImport:
    """One file to import, read and loaded as ``read_file`` and ``importers.load.load`` do. Made as
    early as possible (the command line makes it before it opens the ledger): a spreadsheet is
    then opened and parsed by python-calamine in a helper thread, without holding Python's lock,
    while the caller imports the loader and opens or creates the ledger."""

    def __init__(self, path: str | os.PathLike[str], *, kind: str | None = None, sheet: str | None = None):
        self.path = Path(path)
        self.kind, self.sheet = kind, sheet
        tasks_first = kind in ("tasks", None) and self.path.suffix.lower() in SPREADSHEET_SUFFIXES
        self.record: TaskTable | Roster | Duties | None = None  # what was read, once run
        self._opening = OpeningSource(self.path) if tasks_first and self.path.is_file() else None

    def run(self, database, group_name: str, *, known_units: Iterable[str] = (), dry_run: bool = False,
            before_commit: Callable[[], None] | None = None, take_file: Callable | None = None):
        """The ImportReport. ``before_commit`` runs just before an import that changes something
        commits (the command line makes its backup there). Raises ImportRefused for a file that
        cannot be read and the loader's errors (OperationError, DatabaseError); nothing is written
        then. ``take_file`` decides the merge's conflicts (see ``importers.load.load``).
        ``group_name`` may be a function of the record read, giving the name."""
        from importers.load import load

        try:
            record = self.record = read_file(self.path, kind=self.kind, sheet=self.sheet,
                                             known_units=known_units, opening=self._opening)
            if callable(group_name):  # named from what was read (the table's title)
                group_name = group_name(record)
            return load(database, record, group_name, dry_run=dry_run, before_commit=before_commit,
                        take_file=take_file)
        finally:
            self.close()

    def close(self) -> None:
        """Close the file if reading never took it."""
        if self._opening is not None:
            self._opening.discard()
            self._opening = None
