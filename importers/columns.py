"""Tables with named columns, as rosters and duties arrive: a header found by its words among the
first rows, cell values as text, and the reading of a file that holds such a table or else text
pasted from a notice (``read_table_or_text``, shared by ``importers.roster`` and
``importers.duties``; the division table has its own header logic in ``importers.table``)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import date, datetime
from pathlib import Path
from typing import TypeVar

from importers.normalize import clean_text, unify_brackets
from importers.readers import SOURCE_SUFFIXES, Grid, open_source, read_text, refuse
from importers.readers.textcsv import undecoded_lines
from importers.records import ImportRefused

HEADER_SCAN_ROWS = 30
NOTE_STARTS = ("注：", "注:", "备注", "说明")

Result = TypeVar("Result")


def cell_text(value: object) -> str:
    """A spreadsheet value as text: 13800000000.0 → "13800000000", dates as YYYY-MM-DD."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return clean_text(value)


def header_key(value: object) -> str:
    return re.sub(r"\s+", "", cell_text(value))


def find_header(rows: list[list[object]], columns: dict[str, tuple[str, ...]], required: str,
                others: Iterable[str], scan: int = HEADER_SCAN_ROWS) -> tuple[int, dict[str, int]] | None:
    """(row index, field → column index) of the first row among the first ``scan`` that names the
    ``required`` field and at least one of ``others``."""
    others = tuple(others)
    for index, row in enumerate(rows[:scan]):
        found: dict[str, int] = {}
        for col, value in enumerate(row):
            key = unify_brackets(header_key(value)).strip("*＊")
            if not key:
                continue
            bare = re.sub(r"（[^（）]*）", "", key)  # 职务（职称） → 职务
            for name, words in columns.items():
                if name not in found and (key in words or bare in words):
                    found[name] = col
                    break
            else:
                if "role" in columns and "role" not in found and "组" in key and "职" in key:
                    found["role"] = col
        if required in found and any(o in found for o in others):
            return index, found
    return None


class Table:
    """A table found in a file: its grid, the header row (index into ``grid.rows``), the column of
    each field, and the sheet name for messages (None for a CSV file, which has no sheets)."""

    def __init__(self, grid: Grid, header_row: int, columns: dict[str, int], sheet: str | None):
        self.grid = grid
        self.header_row = header_row
        self.columns = columns
        self.sheet = sheet

    def value(self, r: int, name: str) -> str:
        """The text of field ``name`` in row ``r`` ("" when the table has no such column)."""
        col = self.columns.get(name)
        row = self.grid.rows[r]
        return cell_text(row[col]) if col is not None and col < len(row) else ""

    def continues(self, r: int, name: str) -> bool:
        """True when field ``name`` of row ``r`` lies under a cell merged down from a row above."""
        col = self.columns.get(name)
        merge = self.grid.merge_at(r, col) if col is not None else None
        return merge is not None and merge[0] < r

    def row_number(self, r: int) -> int:
        return self.grid.row_numbers[r]


def find_table(source, columns: dict[str, tuple[str, ...]], required: str, others: Iterable[str]) -> Table | None:
    """The first sheet (or Word table) of an open source whose first rows hold such a header."""
    others = tuple(others)
    for name in source.sheet_names:
        if find_header(source.preview(name, HEADER_SCAN_ROWS), columns, required, others) is None:
            continue
        grid = source.grid(name)
        header = find_header(grid.rows, columns, required, others)
        if header is not None:
            return Table(grid, header[0], header[1], source.origin_sheet(name))
    return None


def _read_first(result: Result, warnings: list) -> Result:
    """``result`` with what reading its file found (``Grid.warnings``) before its own warnings."""
    result.warnings[:0] = warnings
    return result


def read_table_or_text(path: str | Path, *, what: str, columns: dict[str, tuple[str, ...]], required: str,
                       others: Iterable[str], from_table: Callable[[Table], Result],
                       from_text: Callable[[str], Result], cell_separator: str, no_header: str) -> Result:
    """What a roster or duties file holds. A spreadsheet, CSV or Word document with a table whose
    header names ``required`` and one of ``others`` → ``from_table``; a text file, or a Word
    document without such a table (its paragraphs, then its tables' rows with the cells joined by
    ``cell_separator``) → ``from_text``. Anything else is refused naming the file; nothing but
    ImportRefused is raised."""
    path = Path(path)
    try:
        if path.suffix.lower() not in SOURCE_SUFFIXES:
            text = read_text(path)
            return _read_first(from_text(text), undecoded_lines(text, path))
        with open_source(path) as source:
            table = find_table(source, columns, required, others)
            if table is not None:
                return _read_first(from_table(table), table.grid.warnings)
            grids = [source.grid(name) for name in source.sheet_names]
            if hasattr(source, "paragraphs"):
                lines = list(source.paragraphs)
                for grid in grids:
                    for r, row in enumerate(grid.rows):
                        cells = [cell_text(v) for c, v in enumerate(row) if not grid.is_covered(r, c)]
                        lines.append(cell_separator.join(c for c in cells if c))
                return from_text("\n".join(lines))
            if not any(cell_text(v) for grid in grids for row in grid.rows for v in row):
                raise refuse(path, "表格是空的，没有可导入的内容。")
            raise refuse(path, no_header)
    except ImportRefused:
        raise
    except Exception as exc:  # never a traceback for the user
        raise refuse(path, f"读取{what}时出错（{type(exc).__name__}）。") from None
