"""Readers: any supported file → per sheet, one Grid (rows of values, merged ranges filled,
merges, hidden rows/columns, 1-based origins). ``open_source`` checks the file first (see sniff)
and returns an object with ``file``, ``sheet_names``, ``hidden_sheets``, ``preview(name, nrows)``,
``grid(name)`` and ``close()``; use it as a context manager."""

from __future__ import annotations

from pathlib import Path

from importers.readers.grid import Grid, Merge, build_grid
from importers.readers import sniff as _sniff

__all__ = ["Grid", "Merge", "build_grid", "open_source"]


def open_source(path: str | Path):
    """The file opened with the reader its content needs; ImportRefused when it cannot be read."""
    path = Path(path)
    kind = _sniff.sniff(path)
    if kind in ("xlsx", "xls", "ods", "xlsb"):
        from importers.readers.excel import WorkbookSource

        return WorkbookSource(path, kind)
    if kind == "docx":
        from importers.readers.worddoc import DocumentSource

        return DocumentSource(path)
    from importers.readers.textcsv import CsvSource

    return CsvSource(path)
