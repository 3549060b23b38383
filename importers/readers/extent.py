"""The guard between a workbook and python-calamine: how far apart the cells that hold values lie.

calamine builds every sheet as one dense block reaching from the first to the last cell with a
value (32 bytes a cell for .xlsx, more for .xls/.ods). Two values far apart, A1 and XFD1048576,
ask for 550 GB, and the Rust runtime then aborts the whole process: no exception, no message,
exit status 134. .xls and .ods are worse in one way: calamine builds all their sheets when it
opens the file. So before calamine sees a workbook, ``check_workbook`` reads each sheet's cells
(streaming: the sheet XML of .xlsx/.xlsm, content.xml of .ods, the cell records of .xls) and
refuses the file, naming the sheet and the far cell, when

- a sheet's real extent (rows × columns from its first to its last cell with a value) exceeds
  ``MAX_CELLS``, or it spans more than ``MAX_COLUMNS`` columns or ``MAX_ROWS`` rows, or
- the extents of all its sheets together exceed ``MAX_CELLS`` (calamine may hold them all).

Only cells with a value count: in .xlsx a ``<c>`` holding ``<v>``, ``<is>`` or ``<f>``; in .ods a
cell with ``office:value-type`` (repeated rows and columns counted, never expanded); in .xls the
value records (BLANK and MULBLANK, formatting only, do not count; calamine skips them too). So a
sheet whose recorded dimension runs to A1:XFD1048576 because of formatting reads as usual.

For .xlsx the scan also collects the hidden rows and columns, which calamine does not report, so
the sheet XML is inflated once. A cheap first pass decides ordinary sheets: only cells in column
AA or beyond, or in row 10,000 or beyond, are looked at, value or not; when they stay within the
limits the sheet passes on that bound (about 20 ms for a 10,000-task table, 4 MB of XML). Else
the exact pass finds the cells with a value (about 80 ms for the same table), following every
tag when some cells are written without r="…" or with a namespace prefix (about 300 ms).
"""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path, PurePosixPath

from defusedxml import ElementTree as SafeET

from importers.readers import ole, sniff, textsize
from importers.readers.sniff import refuse
from importers.records import column_letter

CHUNK = 1 << 20
MARGIN = 1 << 16  # longest tag a chunk boundary may cut; matches are taken once, before it


@dataclass
class Extent:
    """Rows and columns (1-based, inclusive) spanned by the cells with a value of one sheet, and
    the cells that reach farthest down and farthest right. ``exact`` is False for a bound."""

    top: int = 0
    left: int = 0
    bottom: int = 0
    right: int = 0
    lowest: tuple[int, int] = (0, 0)  # (row, col) of a cell in the last row
    rightmost: tuple[int, int] = (0, 0)  # (row, col) of a cell in the last column
    exact: bool = True
    repeated_text: int = 0  # .ods: bytes of text its repeated cells and rows add (``textsize``)

    def add(self, top: int, left: int, bottom: int | None = None, right: int | None = None) -> None:
        bottom = top if bottom is None else bottom
        right = left if right is None else right
        if not self.bottom:
            self.top, self.left = top, left
        else:
            self.top, self.left = min(self.top, top), min(self.left, left)
        if bottom > self.bottom:
            self.bottom, self.lowest = bottom, (bottom, right)
        if right > self.right:
            self.right, self.rightmost = right, (bottom, right)

    @property
    def rows(self) -> int:
        return self.bottom - self.top + 1 if self.bottom else 0

    @property
    def cols(self) -> int:
        return self.right - self.left + 1 if self.right else 0

    @property
    def cells(self) -> int:
        return self.rows * self.cols

    def far_cell(self) -> str:
        """The cell that makes the extent large: the one farthest down, or the one farthest right,
        whichever dimension is further beyond what a table needs."""
        row, col = self.lowest if self.rows / sniff.MAX_ROWS > self.cols / sniff.MAX_COLUMNS else self.rightmost
        return f"{column_letter(col)}{row}"


@dataclass
class SheetLayout:
    """What the scan learnt of one sheet: its extent and (.xlsx) its hidden rows and columns."""

    extent: Extent = field(default_factory=Extent)
    hidden_rows: set[int] = field(default_factory=set)
    hidden_cols: set[int] = field(default_factory=set)
    rescan: Callable[[], Extent] | None = field(default=None, repr=False)  # the exact extent, when a bound was kept
    text: int = 0  # bytes of text its cells will hold (``textsize``)
    once: int = 0  # of ``text``, the bytes counted once (not again for a reference or a repeat)
    merges: int = 0  # merged ranges it declares (.xlsx)


def check_workbook(path: Path, kind: str, *, exact: bool = False) -> dict[str, SheetLayout]:
    """Refuse the workbook (ImportRefused naming file, sheet and far cell) when calamine would have
    to build too large a block; else the layout of each sheet by name. Reads no values. With
    ``exact`` every extent is exact (an ordinary .xlsx sheet otherwise gets a cheap bound)."""
    if kind == "xlsx":
        sheets = _xlsx(path, exact)
    elif kind == "ods":
        sheets = _ods(path)
    elif kind == "xls":
        sheets = _xls(path)
    else:
        return {}
    _judge(path, sheets)
    _judge_text(path, sheets, kind)
    return sheets


def _judge_text(path: Path, sheets: dict[str, SheetLayout], kind: str) -> None:
    """Refuse a workbook whose cells would hold more than ``textsize.MAX_TEXT_BYTES`` of text,
    saying whether references or repeats of long text make it so, or the text itself."""
    total = sum(s.text for s in sheets.values())
    if total <= textsize.MAX_TEXT_BYTES:
        return
    name = max(sheets, key=lambda n: sheets[n].text) if kind != "xls" else None
    once = sum(s.once for s in sheets.values())
    if once > total // 2:
        how = "表格中的文字太多"
    else:
        how = {"xlsx": "许多单元格引用同一段很长的共享文字", "ods": "很长的文字被重复到许多单元格",
               "xls": "许多单元格引用同一段很长的共享文字"}[kind]
    raise refuse(path, f"读出的文字将多达 {total / 1024 / 1024:,.0f} MB（{how}），超过上限 "
                       f"{textsize.MAX_TEXT_BYTES // 1024 // 1024} MB，读取会耗尽内存，已拒绝读取。", sheet=name, limit=True)


def _judge(path: Path, sheets: dict[str, SheetLayout]) -> None:
    for name, layout in sheets.items():
        if layout.merges > sniff.MAX_MERGES:
            raise refuse(path, f"合并单元格多达 {layout.merges:,} 处，超过上限 {sniff.MAX_MERGES:,} 处，"
                               "不像正常的表格，已拒绝读取。", sheet=name, limit=True)
        _judge_sheet(path, name, layout.extent)
    if sum(s.extent.cells for s in sheets.values()) <= sniff.MAX_CELLS:
        return
    for name, layout in sheets.items():
        if not layout.extent.exact and layout.rescan is not None:
            layout.extent = layout.rescan()
            _judge_sheet(path, name, layout.extent)
    total = sum(s.extent.cells for s in sheets.values())
    if total > sniff.MAX_CELLS:
        name, layout = max(sheets.items(), key=lambda item: item[1].extent.cells)
        raise refuse(path, f"单元格 {layout.extent.far_cell()} 离表格太远（各工作表的表格区域合计将达到 {total:,} 个单元格，"
                           f"超过上限 {sniff.MAX_CELLS:,} 个），请删除多余内容后再导入。", sheet=name, limit=True)


def _judge_sheet(path: Path, name: str, extent: Extent) -> None:
    if not extent.exact:
        return  # a bound is only kept when it is within the limits
    rows, cols = extent.rows, extent.cols
    if extent.cells > sniff.MAX_CELLS:
        message = (f"单元格 {extent.far_cell()} 离表格太远（表格区域将达到 {rows:,} 行 × {cols:,} 列，"
                   f"超过 {sniff.MAX_CELLS:,} 个单元格），请删除多余内容后再导入。")
    elif cols > sniff.MAX_COLUMNS:
        message = (f"单元格 {_cell(extent.rightmost)} 离表格太远（表格区域将达到 {cols:,} 列，"
                   f"超过上限 {sniff.MAX_COLUMNS:,} 列），请删除多余内容后再导入。")
    elif rows > sniff.MAX_ROWS:
        message = (f"有内容的行多达 {rows:,} 行（到单元格 {_cell(extent.lowest)}），超过上限 {sniff.MAX_ROWS:,} 行；"
                   "如果下面是多余的内容，请删除后再导入。")
    else:
        return
    raise refuse(path, message, sheet=name, limit=True)


def _cell(position: tuple[int, int]) -> str:
    return f"{column_letter(position[1])}{position[0]}"


def _column_number(letters: bytes) -> int:
    """b"A" → 1, b"xfd" → 16384 (calamine takes lower case too, and more than three letters)."""
    number = 0
    for letter in letters.upper():
        number = number * 26 + letter - 64
    return number


def _windows(stream):
    """(window, new bytes) over the stream: each window starts with the last 4 KB of the one before,
    so a tag cut by a boundary is whole in the next window (and may be seen twice)."""
    tail = b""
    while True:
        chunk = stream.read(CHUNK)
        if not chunk:
            return
        window = tail + chunk
        yield window, chunk
        tail = window[-4096:]


def _matches(stream, pattern: re.Pattern[bytes]):
    """Each match of ``pattern`` over the whole stream exactly once, read chunk by chunk. A match is
    taken only when at least MARGIN bytes follow it (or the stream has ended), so what it
    captures is not cut short by a boundary."""
    buffer = b""
    done = False
    while not done:
        chunk = stream.read(CHUNK)
        done = not chunk
        buffer += chunk
        limit = len(buffer) if done else len(buffer) - MARGIN
        keep = max(limit, 0)
        for match in pattern.finditer(buffer):
            if match.end() > limit:
                keep = min(match.start(), keep)
                break
            yield match
        buffer = buffer[keep:]


# --- .xlsx / .xlsm --------------------------------------------------------------------------------

# Fast pass: a cell tag whose column has two letters or more, or whose row has five digits or more
# (any cell, value or not: a bound), or a cell tag that does not start with r="…" (the exact pass
# then decides). calamine reads lower-case columns, columns past XFD and rows past 1,048,576 alike.
_BOUND = re.compile(rb'<c(?: r="([A-Za-z]{2,})([0-9]+)"| r="[A-Za-z]([0-9]{5,})"|(?=[\s>/])(?! r=")(?=[\s\S]{4}))')
# What both main namespaces (transitional spreadsheetml/2006/main, strict ooxml/spreadsheetml/main) hold:
# a window without it declares no prefix for them (one search instead of two, issue 17).
_MAIN_NAMESPACE_PART = b"spreadsheetml/"
_PREFIXED_MAIN = re.compile(rb'xmlns:[\w.-]+\s*=\s*["\'][^"\']*(?:spreadsheetml/2006/main|ooxml/spreadsheetml/main)["\']')
_FAST_ROWS, _FAST_COLS = 9_999, 26  # what a cell the fast pass skips can reach
# Exact pass: every row and cell tag, with its attributes and whether a value element follows.
_ATTRS = rb'((?:[^>"\']|"[^"]*"|\'[^\']*\')*)'
_XLSX_TAG = re.compile(rb'<(?:[\w.-]+:)?(row|c)(?=[\s>/])' + _ATTRS + rb'>(\s*<(?:[\w.-]+:)?(?:v|is|f)[\s>/])?')
_REF = re.compile(rb'(?:^|\s)r\s*=\s*["\']([A-Za-z]+)?([0-9]+)["\']')
# Hidden columns (<cols> before <sheetData>) and hidden rows.
_COLS = re.compile(rb"<(?:[\w.-]+:)?cols\b.*?</(?:[\w.-]+:)?cols>", re.S)
_COL = re.compile(rb"<(?:[\w.-]+:)?col\b([^>]*)>")
_HIDDEN_ROW = re.compile(rb"<(?:[\w.-]+:)?row\b([^>]*\bhidden\s*=[^>]*)>")
_ATTR = re.compile(rb'([\w:]+)\s*=\s*["\']([^"\']*)["\']')
_TRUE = (b"1", b"true")
_SHARED_VALUE = re.compile(rb't="s"><v>([0-9]+)</v>')  # a shared-string cell as Excel, WPS and most tools write it
_OTHER_TYPE = re.compile(rb"t(?:='| =|= |\t|\n=)")  # t='s', t = "s" (or any attribute so written): read carefully


def _xlsx(path: Path, exact: bool = False) -> dict[str, SheetLayout]:
    sheets: dict[str, SheetLayout] = {}
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        return sheets  # sniff has looked already; calamine reports what is left
    with archive:
        names = set(archive.namelist())
        parts = _xlsx_sheet_parts(archive)
        extra = sorted(n for n in names if n.startswith("xl/worksheets/") and n.endswith(".xml")
                       and n not in parts.values())
        try:
            shared = textsize.shared_string_sizes(archive)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, RuntimeError, NotImplementedError, zlib.error):
            raise refuse(path, "文件已损坏或不完整（共享文字部分无法解压）。请重新获取原文件。") from None
        for sheet, part in list(parts.items()) + [(n, n) for n in extra]:
            if part not in names:
                continue
            try:
                sheets[sheet] = _scan_xlsx_part(archive, part, exact, shared)
            except (zipfile.BadZipFile, OSError, EOFError, ValueError, RuntimeError, NotImplementedError, zlib.error):
                raise refuse(path, "文件已损坏或不完整（工作表的内容无法解压）。请重新获取原文件。",
                             sheet=sheet if sheet != part else None) from None
    if sheets:  # the shared strings once each (as far as the sheets refer to them at all)
        first = next(iter(sheets.values()))
        first.once += min(sum(shared), sum(s.text for s in sheets.values()))
    return sheets


def _xlsx_sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → part (xl/worksheets/sheet1.xml), from workbook.xml and its relationships."""
    try:
        workbook = SafeET.fromstring(archive.read("xl/workbook.xml"))
        rels = SafeET.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except Exception:  # noqa: BLE001 — no mapping: the parts are scanned under their own names
        return {}
    targets = {rel.get("Id"): rel.get("Target", "") for rel in rels}
    parts: dict[str, str] = {}
    for element in workbook.iter():
        if element.tag.endswith("}sheet") and element.get("name") is not None:
            rid = next((v for k, v in element.attrib.items() if k.endswith("}id")), None)  # transitional or strict
            target = targets.get(rid, "")
            if target:
                parts[element.get("name")] = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
    return parts


def _scan_xlsx_part(archive: zipfile.ZipFile, part: str, exact: bool = False,
                    shared: list[int] | tuple[int, ...] = ()) -> SheetLayout:
    """The sheet's extent (a bound, or exact), hidden rows and columns, and the bytes of text its
    cells hold: its own XML, plus the shared strings (``shared``: their sizes) its cells refer to."""
    layout = SheetLayout()
    size = archive.getinfo(part).file_size
    inline = False  # text written in the sheet itself (inline strings, formula results): bounded by its size
    careful = False  # shared-string cells not all written <c … t="s"><v>N</v>
    last = (b"", 0)  # the last window and where its reading of references stopped
    n_shared = len(shared)
    bottom = right = 0
    odd = False
    head = b""
    in_head = True
    with archive.open(part) as stream:
        for window, chunk in _windows(stream):
            if not inline and (b"inlineStr" in window or b't="str"' in window or b"<is>" in window):
                inline = True
            if b"mergeCell" in chunk:  # one search where no range is declared (all but the last chunk)
                layout.merges += chunk.count(b"mergeCell ") + chunk.count(b"mergeCell\t")
            if n_shared and not careful:  # the references, read in the same pass
                # each window reads the cells that start in [start, stop): the stream's bytes once each,
                # 64 bytes behind, so a cell cut by the end of a chunk is read whole in the next window
                start = max(len(window) - len(chunk) - 64, 0)
                stop = len(window) - 64 if len(chunk) == CHUNK else len(window)
                careful = _add_shared(layout, window, start, stop, shared)
                last = (window, stop)
            if in_head:
                head += chunk
                at = head.find(b"<sheetData")
                if at >= 0 or len(head) > 8 * CHUNK:
                    layout.hidden_cols = _hidden_cols(head[:at] if at >= 0 else head)
                    in_head = False
                    head = b""
            if b"hidden" in window:
                layout.hidden_rows.update(_hidden_rows(window))
            if odd:
                continue
            if _MAIN_NAMESPACE_PART in window and _PREFIXED_MAIN.search(window):
                odd = True  # cells may be written <x:c …>: the exact pass reads any prefix
                continue
            found = _BOUND.findall(window)
            if not found:
                continue
            if (b"", b"", b"") in found:
                odd = True  # a cell tag without r="…" first
                continue
            # the matches taken apart at C speed (a Python step per cell of row 10,000 and below cost ~3 ms
            # of a 10,000-task table): wide columns with their rows, and the rows of one-letter columns
            letters, rows, talls = zip(*found)
            wide = set(filter(None, letters))
            if wide:
                right = max(right, *map(_column_number, wide))
                bottom = max(bottom, *map(int, filter(None, rows)))
            talls = tuple(filter(None, talls))
            if talls:
                bottom = max(bottom, *map(int, talls))
    if n_shared and not careful and last[1] < len(last[0]):  # the stream ended on a full chunk
        careful = _add_shared(layout, last[0], last[1], len(last[0]), shared)
    if n_shared and (odd or careful):  # cells written with a prefix, without r="…", or otherwise
        layout.text = textsize.shared_references(archive, part, list(shared))
    if inline or odd:
        layout.text += size
        layout.once += size
    bound = Extent(1, 1, max(bottom, _FAST_ROWS), max(right, _FAST_COLS), exact=False)
    if exact or odd or bound.rows > sniff.MAX_ROWS or bound.cols > sniff.MAX_COLUMNS or bound.cells > sniff.MAX_CELLS:
        layout.extent = _exact_xlsx(archive, part, odd)
    else:
        layout.extent = bound
        path = archive.filename
        layout.rescan = lambda: _exact_xlsx(path, part, odd)
    return layout


def _add_shared(layout: SheetLayout, window: bytes, start: int, stop: int, shared) -> bool:
    """Add the sizes of the shared strings the cells starting in window[start:stop] refer to; True
    (nothing added) when some shared-string cell there is written otherwise than t="s"><v>N</v>."""
    # The cells wholly inside [start, stop) at C speed (findall stops at stop), then the one cell that
    # starts before stop and ends after it, if any (issue 17: a match object per cell in Python, and five
    # substring searches for the other forms, were a fifth of the guard on a 10,000-task table). A cell
    # with more digits than the look-back reaches is missed, the count below differs, and the sheet is
    # read carefully: never undercounted.
    found = _SHARED_VALUE.findall(window, start, stop)
    for cut in _SHARED_VALUE.finditer(window, max(stop - 40, start)):  # a cell cannot start inside another
        if cut.start() >= stop:
            break
        if cut.end() > stop:
            found.append(cut[1])
    if len(found) != window.count(b't="s"', start, stop + 4) or _OTHER_TYPE.search(window):
        return True
    try:  # in one pass; a reference past the last string (which calamine reads as empty) is rare
        layout.text += sum(map(shared.__getitem__, map(int, found)))
    except IndexError:
        n = len(shared)
        layout.text += sum(shared[i] for i in map(int, found) if i < n)
    return False


# Exact pass over a sheet whose cell tags all start with r="…": the cells with a value, found by one
# regular expression (about ten times faster than following every tag).
_VALUED = re.compile(rb'<c r="([A-Za-z]+)([0-9]+)"[^>]*(?<!/)>\s*<(?:[\w.-]+:)?(?:v|is|f)[\s>/]')


def _exact_xlsx(archive: zipfile.ZipFile | str, part: str, odd: bool = True) -> Extent:
    """The extent of the cells with a value. ``odd`` when some cell tag does not start with r="…"
    (or may carry a prefix): then every row and cell tag is followed, cells and rows written
    without r="…" continuing from the one before, as calamine counts them."""
    if not isinstance(archive, zipfile.ZipFile):
        with zipfile.ZipFile(archive) as opened:
            return _exact_xlsx(opened, part, odd)
    extent = Extent()
    if not odd:
        with archive.open(part) as stream:
            for window, _ in _windows(stream):
                cells = _VALUED.findall(window)  # a cell in two windows is counted twice: no harm
                if not cells:
                    continue
                letters, digits = zip(*cells)
                rows = list(map(int, digits))
                numbers = {c: _column_number(c) for c in set(letters)}
                cols = [numbers[c] for c in letters]
                low, far = rows.index(max(rows)), cols.index(max(cols))
                extent.add(min(rows), min(cols), rows[low], cols[low])
                extent.add(rows[far], cols[far])
        return extent
    row = col = 0
    with archive.open(part) as stream:
        for match in _matches(stream, _XLSX_TAG):
            tag, attrs, value = match.groups()
            ref = _REF.search(attrs)
            if tag == b"row":
                row = int(ref[2]) if ref else row + 1
                col = 0
                continue
            if ref and ref[1]:
                col, row = _column_number(ref[1]), int(ref[2])
            else:
                col += 1
            if value and not attrs.endswith(b"/"):
                extent.add(row, col)
    return extent


def _hidden_cols(head: bytes) -> set[int]:
    hidden: set[int] = set()
    cols = _COLS.search(head)
    if cols:
        for attrs in _COL.findall(cols.group(0)):
            a = dict(_ATTR.findall(attrs))
            if a.get(b"hidden") in _TRUE or a.get(b"width") in (b"0", b"0.0"):
                lo, hi = int(a.get(b"min", b"0") or 0), int(a.get(b"max", b"0") or 0)
                if 0 < lo <= hi <= 16384 and hi - lo < 1000:
                    hidden.update(range(lo, hi + 1))
    return hidden


def _hidden_rows(window: bytes) -> set[int]:
    hidden: set[int] = set()
    for attrs in _HIDDEN_ROW.findall(window):
        a = dict(_ATTR.findall(attrs))
        if a.get(b"hidden") in _TRUE and a.get(b"r", b"").isdigit():
            hidden.add(int(a[b"r"]))
    return hidden


# --- .ods -----------------------------------------------------------------------------------------

_ODS_TAG = re.compile(rb'<(/?)(?:[\w.-]+:)?(table|table-row|table-cell|covered-table-cell)(?=[\s>/])' + _ATTRS + rb'>')
_ODS_NAME = re.compile(rb'(?:^|\s)(?:[\w.-]+:)?name\s*=\s*(?:"([^"]*)"|\'([^\']*)\')')
_ROWS_REPEATED = re.compile(rb'number-rows-repeated\s*=\s*["\']([0-9]+)')
_COLUMNS_REPEATED = re.compile(rb'number-columns-repeated\s*=\s*["\']([0-9]+)')
_VALUE_TYPE = re.compile(rb'(?:^|\s)(?:[\w.-]+:)?value-type\s*=')


def _ods(path: Path) -> dict[str, SheetLayout]:
    """Every table of content.xml. Repeated rows and cells are counted, never expanded; a cell
    counts when it has a value type (text without one is not read by calamine either). Rows are
    read whole where they can be (``_scan_ods_rows``), tag by tag otherwise (``_scan_ods``)."""
    sheets: dict[str, SheetLayout] = {}
    try:
        with zipfile.ZipFile(path) as archive:
            content = archive.getinfo("content.xml").file_size
            with archive.open("content.xml") as stream:
                quick = _scan_ods_rows(stream, sheets)
            if not quick:
                sheets.clear()
                with archive.open("content.xml") as stream:
                    _scan_ods(stream, sheets)
    except (KeyError, zipfile.BadZipFile, OSError, EOFError, ValueError, RuntimeError):
        return sheets  # damaged or missing: calamine refuses to open it; what was read so far is judged
    for layout in sheets.values():
        layout.text = layout.extent.repeated_text
    if sheets:
        first = next(iter(sheets.values()))
        try:
            with zipfile.ZipFile(path) as archive:
                with archive.open("content.xml") as stream:
                    first.merges = sum(1 for _ in _matches(stream, _ODS_SPANNED))  # all sheets: a bound of each
                with archive.open("content.xml") as stream:
                    content = textsize.xml_text(stream)  # the text, not the markup (~80 bytes a cell)
        except (KeyError, zipfile.BadZipFile, OSError, EOFError, ValueError, RuntimeError):
            pass
        first.text += content
        first.once += content
    return sheets


_TABLE_NS = b"urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_TABLE_BINDING = re.compile(rb'xmlns(:[\w.-]+)?\s*=\s*["\']urn:oasis:names:tc:opendocument:xmlns:table:1\.0["\']')
_TABLE_OR_ROW = re.compile(rb'<table:table(-row)?(?=[\s>/])' + _ATTRS + rb'>')
_CELL, _COVERED = b"<table:table-cell", b"<table:covered-table-cell"
_ROW_END = b"</table:table-row>"


def _scan_ods_rows(stream, sheets: dict[str, SheetLayout]) -> bool:
    """The quick reading of content.xml, a row at a time, for the usual file: elements named
    table:…, no sub-tables. In a row, the columns up to its last cell with a value are counted
    from the cell tags before it, as long as no repeat comes before that point (LibreOffice
    repeats empty cells at the end of a row). False when the file is not the usual one."""
    data = b""
    pos = 0
    done = False
    extent: Extent | None = None
    row = 0

    def more() -> bool:
        """Read on; False when the table namespace is bound to another prefix than table:."""
        nonlocal data, pos, done
        chunk = stream.read(CHUNK)
        done = not chunk
        seen = max(len(data) - pos - 200, 0)
        data = data[pos:] + chunk
        pos = 0
        return not (_TABLE_NS in data[seen:] and any(b != b":table" for b in _TABLE_BINDING.findall(data, seen)))

    while True:
        at = data.find(b"<table:table", pos)
        if at < 0:
            if done:
                return True
            pos = max(pos, len(data) - 12)  # keep what may be the start of a cut tag
            if not more():
                return False
            continue
        match = _TABLE_OR_ROW.match(data, at)
        if match is None:
            if not done and len(data) - at < MARGIN:
                if not more():
                    return False
                continue
            pos = at + 12  # table:table-column, table:table-header-rows …
            continue
        kind, attrs = match[1], match[2]
        end = 0
        if kind and not attrs.endswith(b"/"):
            end = data.find(_ROW_END, match.end())
            if end < 0:
                if done:
                    return False  # a row that never ends: a damaged file
                if not more():
                    return False
                continue
        if data.find(b"</table:table>", pos, at) >= 0:
            extent = None
        pos = match.end()
        if not kind:
            if not attrs.endswith(b"/"):
                extent, row = _open_table(attrs, sheets), 0
            continue
        if extent is None:
            return False  # a row outside a table: not the usual file
        repeated = _ROWS_REPEATED.search(attrs) if b"repeated" in attrs else None
        repeat = max(int(repeated[1]), 1) if repeated else 1
        if end:
            first = data.find(b"value-type", pos, end)
            if first >= 0:
                if data.find(b"<table:table ", pos, end) >= 0 or data.find(b"<table:table>", pos, end) >= 0:
                    return False  # a sub-table inside a cell
                last = data.rfind(b"value-type", pos, end)
                tag_end = data.find(b">", last, end)
                if data.find(b"repeated", pos, tag_end) >= 0:
                    left, right, extra = _ods_row_columns(data[pos:end])
                    extent.repeated_text += extra * repeat
                else:
                    left = data.count(_CELL, pos, first) + data.count(_COVERED, pos, first)
                    right = data.count(_CELL, pos, last) + data.count(_COVERED, pos, last)
                if right:
                    extent.add(row + 1, left, row + repeat, right)
                    extent.repeated_text += (end - pos) * (repeat - 1)
            pos = end + len(_ROW_END)
        row += repeat


# A cell that spans others (a merged range of .ods): 200,000 of them, clipped away one by one, took
# three times an ordinary table.
_ODS_SPANNED = re.compile(rb'<(?:[\w.-]+:)?table-cell\b(?:[^>"\']|"[^"]*"|\'[^\']*\')*?-spanned\s*=')


def _open_table(attrs: bytes, sheets: dict[str, SheetLayout]) -> Extent:
    """The extent of the sheet a <table:table …> tag opens, entered under its name."""
    name = _ODS_NAME.search(attrs)
    label = unescape((name[1] or name[2]).decode("utf-8", "replace")) if name else f"表{len(sheets) + 1}"
    extent = Extent()
    sheets.setdefault(label, SheetLayout()).extent = extent
    return extent


def _cell_span(attrs: bytes) -> tuple[int, bool]:
    """(columns a cell tag covers, whether it holds a value)."""
    repeated = _COLUMNS_REPEATED.search(attrs) if b"repeated" in attrs else None
    return (max(int(repeated[1]), 1) if repeated else 1), _VALUE_TYPE.search(attrs) is not None


def _ods_row_columns(body: bytes) -> tuple[int, int, int]:
    """(first, last) column of the cells with a value in one row, repeats counted, and the bytes of
    text the repeats of its cells with a value add (a cell's text counted up to the next cell)."""
    col = 0
    left = right = 0
    extra = 0
    pending = 0  # repeats of the last cell with a value whose text is still being measured
    since = 0
    for match in _ODS_TAG.finditer(body):
        closing, tag, attrs = match.groups()
        if closing or tag not in (b"table-cell", b"covered-table-cell"):
            continue
        if pending:
            extra += (match.start() - since) * pending
            pending = 0
        count, valued = _cell_span(attrs)
        if valued:
            left, right = left or col + 1, col + count
            if count > 1:
                pending, since = count - 1, match.end()
        col += count
    if pending:
        extra += (len(body) - since) * pending
    return left, right, extra


def _scan_ods(stream, sheets: dict[str, SheetLayout]) -> None:
    extent: Extent | None = None
    depth = 0  # tables inside tables (sub-tables) belong to their sheet
    row = col = 0
    row_repeat = 1
    pending = None  # (buffer, end, extra copies, extent) of a repeated cell with a value: its text runs to the next tag
    for match in _matches(stream, _ODS_TAG):
        if pending is not None:
            buffer, end, extra, where = pending
            # the text of the cell, or (cut by a chunk boundary) a bound of it
            where.repeated_text += (match.start() - end if match.string is buffer else CHUNK) * extra
            pending = None
        closing, tag, attrs = match.groups()
        empty = attrs.endswith(b"/")
        if tag == b"table":
            if closing:
                depth = max(depth - 1, 0)
            elif not empty:
                depth += 1
                if depth == 1:
                    extent, row = _open_table(attrs, sheets), 0
            continue
        if extent is None or depth != 1:
            continue
        if tag == b"table-row":
            if closing:
                row += row_repeat
                continue
            repeated = _ROWS_REPEATED.search(attrs)
            row_repeat = max(int(repeated[1]), 1) if repeated else 1
            col = 0
            if empty:
                row += row_repeat
            continue
        if closing:
            continue
        count, valued = _cell_span(attrs)
        if valued:
            extent.add(row + 1, col + 1, row + row_repeat, col + count)
            if count * row_repeat > 1 and not empty:
                pending = (match.string, match.end(), count * row_repeat - 1, extent)
        col += count


# --- .xls -----------------------------------------------------------------------------------------

_BOF = {0x0809, 0x0409, 0x0209, 0x0009}
_EOF, _BOUNDSHEET, _FILEPASS, _MULRK, _MERGEDCELLS = 0x000A, 0x0085, 0x002F, 0x00BD, 0x00E5
# NUMBER, RK, LABELSST, LABEL, RSTRING, BOOLERR, FORMULA (BIFF8, BIFF3, BIFF4): cells with a value.
_VALUE_RECORDS = {0x0203, 0x027E, 0x00FD, 0x0204, 0x00D6, 0x0205, 0x0006, 0x0206, 0x0406}


def _xls(path: Path) -> dict[str, SheetLayout]:
    """Every sheet's value records, found through the BOUNDSHEET records of the workbook stream."""
    data = path.read_bytes()
    book = ole.stream(data, ("Workbook", "Book"))
    if book is None:
        return {}
    sheets: dict[str, SheetLayout] = {}
    for name, offset in _xls_sheets(book):
        layout = SheetLayout()
        layout.extent, layout.merges = _xls_extent(book, offset)
        sheets[name] = layout
    if sheets:
        first = next(iter(sheets.values()))
        first.text, first.once = textsize.xls_text(book)
    return sheets


def _xls_sheets(book: bytes) -> list[tuple[str, int]]:
    sheets: list[tuple[str, int]] = []
    biff8 = True
    pos = 0
    while pos + 4 <= len(book):
        kind, size = struct.unpack_from("<HH", book, pos)
        body = book[pos + 4:pos + 4 + size]
        pos += 4 + size
        if kind in _BOF and len(body) >= 2:
            biff8 = struct.unpack_from("<H", body)[0] >= 0x0600
        elif kind == _FILEPASS:
            return []  # encrypted: calamine cannot read it and says so
        elif kind == _BOUNDSHEET and len(body) >= 8:
            offset, sheet_type, length = struct.unpack_from("<I", body)[0], body[5], body[6]
            if sheet_type in (2, 6):
                continue  # chart, VB module: no cells
            if biff8:
                wide = body[7] & 1
                raw = body[8:8 + length * (2 if wide else 1)]
                name = raw.decode("utf-16-le" if wide else "latin-1", "replace")
            else:
                name = body[7:7 + length].decode("gbk", "replace")
            sheets.append((name or f"表{len(sheets) + 1}", offset))
        elif kind == _EOF:
            break
    return sheets


def _xls_extent(book: bytes, pos: int) -> tuple[Extent, int]:
    """The extent of one sheet's value records, from its BOF to the matching EOF (charts embedded
    in the sheet have their own BOF … EOF inside), and the merged ranges its MERGEDCELLS records
    declare (8 bytes each: an 8 MB file can hold a million, which calamine would all build). The
    loop keeps to plain integers: a 10,000-row .xls has some 100,000 records."""
    top = left = 1 << 20
    bottom = right = -1
    lowest = rightmost = (0, 0)
    depth = merges = 0
    unpack = struct.unpack_from
    values, bofs = _VALUE_RECORDS, _BOF
    end = len(book) - 4
    while pos <= end:
        kind, size = unpack("<HH", book, pos)
        body = pos + 4
        pos = body + size
        if kind in values:
            if size < 4:
                continue
            row, col = unpack("<HH", book, body)
            last = col
        elif kind == _MULRK:
            if size < 6:
                continue
            row, col = unpack("<HH", book, body)
            last = max(unpack("<H", book, body + size - 2)[0], col)
        elif kind in bofs:
            depth += 1
            continue
        elif kind == _MERGEDCELLS:
            if size >= 2:
                merges += unpack("<H", book, body)[0]
            continue
        elif kind == _EOF:
            depth -= 1
            if depth <= 0:
                break
            continue
        else:
            continue
        if row > bottom:
            bottom, lowest = row, (row + 1, last + 1)
        if last > right:
            right, rightmost = last, (row + 1, last + 1)
        if row < top:
            top = row
        if col < left:
            left = col
    if bottom < 0:
        return Extent(), merges
    return Extent(top + 1, left + 1, bottom + 1, right + 1, lowest, rightmost), merges
