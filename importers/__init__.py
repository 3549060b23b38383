"""Readers of what the office receives (division tables, rosters, duties) → plain records → one
loading step. No Textual here; nothing is written until ``importers.load.load``."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from importers.bulk import paused_gc
from importers.records import Duties, ImportRefused, Roster, TaskTable

KINDS = ("tasks", "roster", "duties")
SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods", ".csv", ".docx"}
TEXT_SUFFIXES = {".txt", ".text", ".md"}


def read_file(path: str | os.PathLike[str], *, kind: str | None = None, sheet: str | None = None,
              known_units: Iterable[str] = ()) -> TaskTable | Roster | Duties:
    """Read a file as ``kind`` (tasks, roster or duties), or guess: spreadsheets hold tasks (or a
    roster when they have no task column), pasted text holds a roster (or duties)."""
    p = Path(path)
    if not p.is_file():
        raise ImportRefused(f"找不到文件「{p}」。")
    suffix = p.suffix.lower()
    if kind is None:
        kind = "tasks" if suffix in SPREADSHEET_SUFFIXES else "roster"
        fallbacks = ["roster"] if kind == "tasks" else ["duties"]
    else:
        fallbacks = []
    try:
        with paused_gc():
            return _read(p, kind, sheet, known_units)
    except ImportRefused as first:
        for other in fallbacks:
            try:
                return _read(p, other, sheet, known_units)
            except ImportRefused:
                pass
        raise first


def _read(path: Path, kind: str, sheet: str | None, known_units: Iterable[str]) -> TaskTable | Roster | Duties:
    if kind == "tasks":
        from importers.table import read_task_table

        return read_task_table(path, sheet=sheet)
    if kind == "roster":
        from importers.roster import read_roster

        return read_roster(path, known_units=known_units)
    if kind == "duties":
        from importers.duties import read_duties

        return read_duties(path, known_units=known_units)
    raise ValueError(f"unknown kind {kind!r}")
