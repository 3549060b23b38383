"""Readers: the one file-reading layer of the importers (division tables, rosters, duties).

Any supported file → per sheet, one Grid (rows of values, merged ranges filled, merges, hidden
rows/columns, 1-based origins). ``open_source`` checks the file first (see sniff; workbooks also
pass the extent guard of ``extent`` before python-calamine builds anything) and returns an object
with ``file``, ``sheet_names``, ``hidden_sheets``, ``preview(name, nrows)``, ``grid(name)`` and
``close()`` (a Word document also has ``paragraphs``); use it as a context manager.
``read_text`` reads a text file (a notice pasted into .txt) with the same checks and the one
decoding, ``decode_text``. Every refusal is made by ``refuse`` (an ImportRefused with an Origin).
"""

from __future__ import annotations

from pathlib import Path

from importers.readers import sniff as _sniff
from importers.readers.grid import Grid, Merge, Source, build_grid
from importers.readers.sniff import refuse
from importers.readers.textcsv import decode_text, read_text

__all__ = ["Grid", "Merge", "Source", "build_grid", "decode_text", "open_source", "read_text", "refuse", "SOURCE_SUFFIXES"]

SOURCE_SUFFIXES = frozenset(s for s in _sniff.SUFFIXES if s != ".txt")  # files open_source reads as tables (.txt is text)


def open_source(path: str | Path):
    """The file opened with the reader its content needs; ImportRefused when it cannot be read."""
    path = Path(path)
    kind = _sniff.sniff(path)
    if kind in ("xlsx", "xls", "ods"):
        from importers.readers.excel import WorkbookSource

        return WorkbookSource(path, kind)
    if kind == "docx":
        from importers.readers.worddoc import DocumentSource

        return DocumentSource(path)
    from importers.readers.textcsv import CsvSource

    return CsvSource(path)
