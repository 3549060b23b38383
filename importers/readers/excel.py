"""Workbooks (.xlsx/.xlsm, .xls, .ods) through python-calamine, which reads values and the merged
ranges of .xlsx/.xls fast and only the cells that exist (a sheet whose recorded dimension runs to
row 1,048,576 costs nothing). What calamine does not report is read from the XML directly:
hidden columns and rows of .xlsx (the <cols> list and <row hidden="1"> attributes), and merged
ranges and hidden columns/rows of .ods (table:number-*-spanned, table:visibility).
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path, PurePosixPath

import python_calamine as calamine
from defusedxml import ElementTree as SafeET

from importers.readers.grid import Grid, Merge, build_grid
from importers.readers.sniff import FATAL, MAX_ROWS, refuse

_COLS = re.compile(rb"<(?:\w+:)?cols\b.*?</(?:\w+:)?cols>", re.S)
_COL = re.compile(rb"<(?:\w+:)?col\b([^>]*)>")
_ROW_TAG = re.compile(rb"<(?:\w+:)?row\b([^>]*)>")
_ATTR = re.compile(rb'([\w:]+)\s*=\s*"([^"]*)"')
_TRUE = (b"1", b"true")


class WorkbookSource:
    """One open workbook: its sheet names, a cheap preview of each, and a full Grid on demand."""

    def __init__(self, path: Path, kind: str):
        self.path = path
        self.file = path.name
        self.kind = kind
        self._handle = path.open("rb")
        try:
            self._book = calamine.CalamineWorkbook.from_filelike(self._handle)
        except calamine.PasswordError:
            self.close()
            raise refuse(path, "设置了密码保护，无法读取。请在 Excel 或 WPS 中取消密码后另存再导入。") from None
        except BaseException as exc:  # noqa: BLE001 — calamine reports damage with several types, even panics
            if isinstance(exc, FATAL):
                raise
            self.close()
            raise refuse(path, f"无法读取，文件可能已损坏或不是真正的 {kind} 文件（{_short(exc)}）。") from None
        metadata = self._book.sheets_metadata
        self.sheet_names = [m.name for m in metadata if str(m.typ).endswith("WorkSheet")] or self._book.sheet_names
        self.hidden_sheets = {m.name for m in metadata if not str(m.visible).endswith("Visible")}
        self._sheets: dict[str, object] = {}

    def close(self) -> None:
        self._handle.close()

    def __enter__(self) -> WorkbookSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _sheet(self, name: str):
        if name not in self._sheets:
            try:
                self._sheets[name] = self._book.get_sheet_by_name(name)
            except BaseException as exc:  # noqa: BLE001
                if isinstance(exc, FATAL):
                    raise
                raise refuse(self.path, f"的工作表「{name}」无法读取（{_short(exc)}）。") from None
        return self._sheets[name]

    def preview(self, name: str, nrows: int = 30) -> list[list[object]]:
        """The first rows of a sheet, values only (no merge filling): enough to find a header."""
        sheet = self._sheet(name)
        try:
            return sheet.to_python(skip_empty_area=True, nrows=nrows)
        except BaseException as exc:  # noqa: BLE001
            if isinstance(exc, FATAL):
                raise
            raise refuse(self.path, f"的工作表「{name}」无法读取（{_short(exc)}）。") from None

    def grid(self, name: str) -> Grid:
        sheet = self._sheet(name)
        if sheet.height > MAX_ROWS:
            raise refuse(self.path, f"的工作表「{name}」有 {sheet.height:,} 行，超过上限 {MAX_ROWS:,} 行，已拒绝读取。")
        try:
            values = sheet.to_python(skip_empty_area=True)
        except BaseException as exc:  # noqa: BLE001
            if isinstance(exc, FATAL):
                raise
            raise refuse(self.path, f"的工作表「{name}」无法读取（{_short(exc)}）。") from None
        start = sheet.start or (0, 0)
        merges: list[Merge] = []
        hidden_rows: set[int] = set()
        hidden_cols: set[int] = set()
        if self.kind == "ods":
            spans, hidden_rows, hidden_cols = _ods_layout(self.path, name)
            merges = spans
        else:
            merges = [(a[0], a[1], b[0], b[1]) for a, b in (sheet.merged_cell_ranges or ())]
            if self.kind == "xlsx":
                hidden_rows, hidden_cols = _xlsx_hidden(self.path, name)
        r0, c0 = start
        shifted = [(t - r0, l - c0, b - r0, r - c0) for t, l, b, r in merges]
        return build_grid(self.file, name, values, r0 + 1, c0 + 1, shifted, hidden_rows, hidden_cols)


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:120]


# --- .xlsx: hidden columns and rows -------------------------------------------------------------


def _xlsx_sheet_part(z: zipfile.ZipFile, sheet: str) -> str | None:
    workbook = SafeET.fromstring(z.read("xl/workbook.xml"))
    rels = SafeET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    targets = {rel.get("Id"): rel.get("Target", "") for rel in rels}
    for element in workbook.iter():
        if element.tag.endswith("}sheet") and element.get("name") == sheet:
            rid = next((v for k, v in element.attrib.items() if k.endswith("}id")), None)  # transitional or strict
            target = targets.get(rid, "")
            if not target:
                return None
            if target.startswith("/"):
                return target.lstrip("/")
            return str(PurePosixPath("xl") / target)
    return None


def _xlsx_hidden(path: Path, sheet: str) -> tuple[set[int], set[int]]:
    """1-based numbers of the hidden rows and columns of one .xlsx sheet. Best effort: a workbook
    whose parts are laid out oddly simply reports nothing hidden."""
    try:
        with zipfile.ZipFile(path) as z:
            part = _xlsx_sheet_part(z, sheet)
            if part is None or part not in z.namelist():
                return set(), set()
            data = z.read(part)
    except Exception:  # noqa: BLE001 — calamine already read the values; hidden flags are extra
        return set(), set()
    hidden_cols: set[int] = set()
    head_end = data.find(b"<sheetData")
    cols = _COLS.search(data, 0, head_end if head_end >= 0 else len(data))
    if cols:
        for attrs in _COL.findall(cols.group(0)):
            a = dict(_ATTR.findall(attrs))
            if a.get(b"hidden") in _TRUE or a.get(b"width") in (b"0", b"0.0"):
                lo, hi = int(a.get(b"min", b"0")), int(a.get(b"max", b"0"))
                if 0 < lo <= hi <= 16384 and hi - lo < 1000:
                    hidden_cols.update(range(lo, hi + 1))
    hidden_rows: set[int] = set()
    if b'hidden="' in data[head_end if head_end >= 0 else 0:]:
        for attrs in _ROW_TAG.findall(data, head_end if head_end >= 0 else 0):
            if b"hidden" in attrs:
                a = dict(_ATTR.findall(attrs))
                if a.get(b"hidden") in _TRUE and a.get(b"r", b"").isdigit():
                    hidden_rows.add(int(a[b"r"]))
    return hidden_rows, hidden_cols


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
