"""Workbooks (.xlsx/.xlsm, .xls, .ods) through python-calamine, which reads values and the merged
ranges of .xlsx/.xls fast and only the cells that exist (a sheet whose recorded dimension runs to
row 1,048,576 costs nothing). Before calamine opens a workbook, ``importers.readers.extent``
checks how far apart its cells with values lie (calamine would abort the process on a far one)
and, for .xlsx, notes the hidden columns and rows (the <cols> list and <row hidden="1">), which
calamine does not report. Merged ranges and hidden columns/rows of .ods (table:number-*-spanned,
table:visibility) are read from content.xml here.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import python_calamine as calamine
from defusedxml import ElementTree as SafeET

from importers.readers.extent import check_workbook
from importers.readers.grid import Grid, Merge, Source, build_grid
from importers.readers.sniff import FATAL, refuse
from importers.records import ImportRefused, display_name


_SUFFIXES = {"xlsx": (".xlsx", ".xlsm"), "xls": (".xls",), "ods": (".ods",)}


class WorkbookSource(Source):
    """One open workbook: its sheet names, a cheap preview of each, and a full Grid on demand."""

    def __init__(self, path: Path, kind: str):
        self.path = path
        self.file = display_name(path)
        self.kind = kind
        self._layouts = check_workbook(path, kind)  # before calamine builds anything
        self._handle = None
        try:
            self._book = self._open_book(path)
        except calamine.PasswordError:
            self.close()
            raise refuse(path, "文件设置了密码保护，无法读取。请在 Excel 或 WPS 中取消密码后另存再导入。") from None
        except BaseException as exc:  # noqa: BLE001 — calamine reports damage with several types, even panics
            if isinstance(exc, FATAL):
                raise
            self.close()
            raise refuse(path, f"无法读取，文件可能已损坏或不是真正的 {kind} 文件（{_short(exc)}）。") from None
        metadata = self._book.sheets_metadata
        self.sheet_names = [m.name for m in metadata if str(m.typ).endswith("WorkSheet")] or self._book.sheet_names
        charts = [m.name for m in metadata if str(m.typ).endswith("ChartSheet")]
        if charts and set(self.sheet_names) <= set(charts):
            self.close()
            raise refuse(path, f"工作簿里只有图表（{'、'.join(f'「{n}」' for n in charts)}），没有可以导入的表格。")
        self.hidden_sheets = {m.name for m in metadata if not str(m.visible).endswith("Visible")}
        self._sheets: dict[str, object] = {}

    def _open_book(self, path: Path):
        """calamine reading the file itself, which it does without holding Python's lock (so a
        helper thread can parse while another works); through a Python file object, which holds
        the lock for every read, for a name Rust cannot take (undecodable bytes) or whose suffix
        does not say what the file is (calamine goes by the suffix; an .xlsx saved as .xls is common)."""
        try:
            str(path).encode("utf-8")
            by_name = path.suffix.lower() in _SUFFIXES[self.kind]
        except UnicodeEncodeError:
            by_name = False
        if by_name:
            return calamine.CalamineWorkbook.from_path(str(path))
        self._handle = path.open("rb")
        return calamine.CalamineWorkbook.from_filelike(self._handle)

    def close(self) -> None:
        self._book = None  # calamine closes its own handle when the workbook goes
        self._sheets = {}
        if self._handle is not None:
            self._handle.close()

    def parse_sheets(self) -> None:
        """Build every worksheet now (``importers.readers.OpeningSource`` does it in a helper
        thread); reading one later costs nothing. A sheet that cannot be built is left for
        ``grid``/``preview`` to refuse, should it be the one wanted."""
        for name in self.sheet_names:
            try:
                self._sheet(name)
            except ImportRefused:
                pass

    def _sheet(self, name: str):
        if name not in self._sheets:
            try:
                self._sheets[name] = self._book.get_sheet_by_name(name)
            except BaseException as exc:  # noqa: BLE001
                if isinstance(exc, FATAL):
                    raise
                raise refuse(self.path, f"工作表无法读取（{_short(exc)}）。", sheet=name) from None
        return self._sheets[name]

    def preview(self, name: str, nrows: int = 30) -> list[list[object]]:
        """The first rows of a sheet, values only (no merge filling): enough to find a header."""
        sheet = self._sheet(name)
        try:
            return sheet.to_python(skip_empty_area=True, nrows=nrows)
        except BaseException as exc:  # noqa: BLE001
            if isinstance(exc, FATAL):
                raise
            raise refuse(self.path, f"工作表无法读取（{_short(exc)}）。", sheet=name) from None

    def grid(self, name: str) -> Grid:
        sheet = self._sheet(name)
        try:
            values = sheet.to_python(skip_empty_area=True)
        except BaseException as exc:  # noqa: BLE001
            if isinstance(exc, FATAL):
                raise
            raise refuse(self.path, f"工作表无法读取（{_short(exc)}）。", sheet=name) from None
        start = sheet.start or (0, 0)
        merges: list[Merge] = []
        hidden_rows: set[int] = set()
        hidden_cols: set[int] = set()
        if self.kind == "ods":
            spans, hidden_rows, hidden_cols = _ods_layout(self.path, name)
            merges = spans
        else:
            merges = [(a[0], a[1], b[0], b[1]) for a, b in (sheet.merged_cell_ranges or ())]
            layout = self._layouts.get(name)
            if self.kind == "xlsx" and layout is not None:
                hidden_rows, hidden_cols = layout.hidden_rows, layout.hidden_cols
        r0, c0 = start
        shifted = [(t - r0, l - c0, b - r0, r - c0) for t, l, b, r in merges]
        return build_grid(self.file, name, values, r0 + 1, c0 + 1, shifted, hidden_rows, hidden_cols)


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:120]


# --- .ods: merged ranges and hidden columns/rows -------------------------------------------------

_T = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"


def _ods_layout(path: Path, sheet: str) -> tuple[list[Merge], set[int], set[int]]:
    """Merged ranges (0-based, absolute) and hidden rows/columns (1-based) of one .ods sheet, from a
    streaming pass over content.xml. Repeated rows and cells (LibreOffice writes a million of them
    for formatting) are counted, never expanded."""
    merges: list[Merge] = []
    hidden_rows: set[int] = set()
    hidden_cols: set[int] = set()
    try:
        with zipfile.ZipFile(path) as z, z.open("content.xml") as content:
            inside = False
            row = col = column = 0
            row_repeat = 1
            for event, el in SafeET.iterparse(content, events=("start", "end")):
                tag = el.tag
                if tag == f"{_T}table":
                    if event == "start":
                        inside = el.get(f"{_T}name") == sheet
                        row = column = 0
                    elif inside:
                        break
                    else:
                        el.clear()
                    continue
                if not inside:
                    continue
                if tag == f"{_T}table-column" and event == "start":
                    repeat = int(el.get(f"{_T}number-columns-repeated", "1"))
                    if el.get(f"{_T}visibility", "visible") != "visible" and repeat < 1000:
                        hidden_cols.update(range(column + 1, column + repeat + 1))
                    column += repeat
                elif tag == f"{_T}table-row":
                    if event == "start":
                        col = 0
                        row_repeat = int(el.get(f"{_T}number-rows-repeated", "1"))
                        if el.get(f"{_T}visibility", "visible") != "visible" and row_repeat < 1000:
                            hidden_rows.update(range(row + 1, row + row_repeat + 1))
                    else:
                        row += row_repeat
                        el.clear()
                elif tag in (f"{_T}table-cell", f"{_T}covered-table-cell") and event == "start":
                    across = int(el.get(f"{_T}number-columns-spanned", "1"))
                    down = int(el.get(f"{_T}number-rows-spanned", "1"))
                    if across > 1 or down > 1:
                        merges.append((row, col, row + down - 1, col + across - 1))
                    col += int(el.get(f"{_T}number-columns-repeated", "1"))
    except Exception:  # noqa: BLE001 — values come from calamine; the layout is best effort
        return [], set(), set()
    return merges, hidden_rows, hidden_cols
