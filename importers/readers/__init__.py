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

import threading
from pathlib import Path

from importers.readers import sniff as _sniff
from importers.readers.grid import Grid, Merge, Source, build_grid
from importers.readers.sniff import refuse
from importers.readers.textcsv import decode_text, read_text

__all__ = ["Grid", "Merge", "Source", "build_grid", "decode_text", "open_source", "read_text", "refuse", "SOURCE_SUFFIXES",
           "OpeningSource"]

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


class OpeningSource:
    """``open_source(path)`` now, then a workbook's sheets parsed in a helper thread (python-calamine
    does that without holding Python's lock) while the caller's thread goes on with something else
    (importing the loader, opening the ledger). The checks before calamine (``sniff``, the extent
    guard) run here first: they are Python, and a thread that gives up and takes back Python's lock
    at every read would wait for it each time. ``take()`` waits and returns the source, or raises
    what opening raised; ``discard()`` closes a source nobody took."""

    def __init__(self, path: str | Path):
        self._source: Source | None = None
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        try:
            self._source = open_source(path)
        except BaseException as exc:  # noqa: BLE001 - raised by take(), where the caller expects it
            self._error = exc
            return
        parse = getattr(self._source, "parse_sheets", None)
        if parse is not None:
            self._thread = threading.Thread(target=self._parse, args=(parse,), name="taizhang-parse", daemon=True)
            self._thread.start()

    def _parse(self, parse) -> None:
        try:
            parse()
        except BaseException as exc:  # noqa: BLE001 - raised again in the thread that takes it
            self._error = exc

    def _join(self) -> None:
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def take(self) -> Source:
        self._join()
        if self._error is not None:
            error, self._error = self._error, None
            self.discard()
            raise error
        source, self._source = self._source, None
        if source is None:
            raise RuntimeError("source already taken")
        return source

    def discard(self) -> None:
        self._join()
        if self._source is not None:
            self._source.close()
            self._source = None
