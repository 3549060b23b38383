"""Workbooks (.xlsx/.xlsm, .xls, .ods) through python-calamine, which reads values and the merged
ranges of .xlsx/.xls fast and only the cells that exist (a sheet whose recorded dimension runs to
row 1,048,576 costs nothing). Before calamine opens a workbook, ``importers.readers.extent``
checks how far apart its cells with values lie (calamine would abort the process on a far one)
and, for .xlsx, notes the hidden columns and rows (the <cols> list and <row hidden="1">), which
calamine does not report. Merged ranges and hidden columns/rows of .ods (table:number-*-spanned,
table:visibility) are read from content.xml here.
"""

from __future__ import annotations

import re
import zipfile
from html import unescape
from pathlib import Path

import python_calamine as calamine

from importers.readers.extent import _ATTRS, _matches, check_workbook
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

_ODS_LAYOUT_TAG = re.compile(rb'<(/?)(?:[\w.-]+:)?(table|table-column|table-row|table-cell|covered-table-cell)(?=[\s>/])'
                             + _ATTRS + rb'>')


def _ods_attr(name: bytes) -> re.Pattern[bytes]:
    return re.compile(rb'(?:^|\s)(?:[\w.-]+:)?' + name + rb'\s*=\s*(?:"([^"]*)"|\'([^\']*)\')')


_NAME, _VISIBILITY = _ods_attr(b"name"), _ods_attr(b"visibility")
_ROWS_REPEATED, _COLS_REPEATED = _ods_attr(b"number-rows-repeated"), _ods_attr(b"number-columns-repeated")
_COLS_SPANNED, _ROWS_SPANNED = _ods_attr(b"number-columns-spanned"), _ods_attr(b"number-rows-spanned")


def _value(pattern: re.Pattern[bytes], attrs: bytes, default: bytes = b"1") -> bytes:
    match = pattern.search(attrs)
    return default if match is None else (match[1] if match[1] is not None else match[2])


def _count(pattern: re.Pattern[bytes], attrs: bytes) -> int:
    try:
        return max(int(_value(pattern, attrs)), 1)
    except ValueError:
        return 1


def _mentions(stream, words: tuple[bytes, ...]) -> bool:
    """Whether any of ``words`` occurs in the stream (read a chunk at a time, the chunks overlapping)."""
    tail = b""
    while chunk := stream.read(1 << 20):
        window = tail + chunk
        if any(word in window for word in words):
            return True
        tail = window[-32:]
    return False


def _ods_layout(path: Path, sheet: str) -> tuple[list[Merge], set[int], set[int]]:
    """Merged ranges (0-based, absolute) and hidden rows/columns (1-based) of one .ods sheet, from a
    streaming pass over the tags of content.xml that matter (found by one regular expression, as
    ``extent`` reads them: an XML parser's event for every element took 2 s of a 300,000-cell sheet).
    Repeated rows and cells (LibreOffice writes a million of them for formatting) are counted,
    never expanded; tables nested in a cell belong to it and are skipped."""
    merges: list[Merge] = []
    hidden_rows: set[int] = set()
    hidden_cols: set[int] = set()
    try:
        with zipfile.ZipFile(path) as z:
            with z.open("content.xml") as content:
                if not _mentions(content, (b"spanned", b"visibility")):
                    return merges, hidden_rows, hidden_cols  # nothing merged or hidden: no tag need be read
        with zipfile.ZipFile(path) as z, z.open("content.xml") as content:
            depth = 0  # tables open; 1: a sheet, more: tables nested in its cells
            inside = False
            row = col = column = 0
            row_repeat = 1
            for match in _matches(content, _ODS_LAYOUT_TAG):
                closing, tag, attrs = match.groups()
                empty = attrs.endswith(b"/")
                if tag == b"table":
                    if closing:
                        depth = max(depth - 1, 0)
                        if depth == 0 and inside:
                            break
                    elif not empty:
                        depth += 1
                        if depth == 1:
                            inside = unescape(_value(_NAME, attrs, b"").decode("utf-8", "replace")) == sheet
                            row = column = 0
                    continue
                if not inside or depth != 1:
                    continue
                if tag == b"table-row":
                    if closing:
                        row += row_repeat
                        continue
                    col = 0
                    row_repeat = _count(_ROWS_REPEATED, attrs) if b"repeated" in attrs else 1
                    if b"visibility" in attrs and _value(_VISIBILITY, attrs, b"visible") != b"visible" \
                            and row_repeat < 1000:
                        hidden_rows.update(range(row + 1, row + row_repeat + 1))
                    if empty:
                        row += row_repeat
                    continue
                if closing:
                    continue
                repeat = _count(_COLS_REPEATED, attrs) if b"repeated" in attrs else 1
                if tag == b"table-column":
                    if b"visibility" in attrs and _value(_VISIBILITY, attrs, b"visible") != b"visible" and repeat < 1000:
                        hidden_cols.update(range(column + 1, column + repeat + 1))
                    column += repeat
                    continue
                if b"spanned" in attrs:
                    across, down = _count(_COLS_SPANNED, attrs), _count(_ROWS_SPANNED, attrs)
                    if across > 1 or down > 1:
                        merges.append((row, col, row + down - 1, col + across - 1))
                col += repeat
    except Exception:  # noqa: BLE001 — values come from calamine; the layout is best effort
        return [], set(), set()
    return merges, hidden_rows, hidden_cols
