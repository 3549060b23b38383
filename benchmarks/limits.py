"""``python -m benchmarks.limits [--markdown] [--only WORD]``: the import limits, measured (issue 13).

For each limit of the readers (``importers.readers.sniff``, ``textsize``; rows, cells, text, merged
ranges, the body of a Word document) and each format that checks it its own way (.xlsx, .xls, CSV,
.docx), a file just within it and one just past it are generated, and the hostile files of issue 13
(a shared-string bomb, thousands of copies of one merged range, repeated .ods text, the formatting of
a whole sheet, cells of 32,000 characters). Each is imported by the real command line into a new
ledger file, three times, alternating with an ordinary 10,000-task table (``benchmarks.data``), in a
child whose peak memory the kernel reports (``os.wait4``).

Printed per file: the exit status, the best of the three wall times, its ratio to the ordinary
table's best in the same turns, the peak memory, the budget and whether it was kept, and (for a
refusal) the message shown. A file within a limit must import (exit 0) in at most twice the ordinary
table's time and 300 MB; one past it must be refused (exit 1, a message, no traceback) within 2 s
and 300 MB. Nothing is asserted (the exit status is 0 unless a measurement failed); the table goes
into the README.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import xlsxwriter

from benchmarks.data import make_division_workbook
from benchmarks.measure import _peak_mb, compile_sources, env, remove_ledger, taizhang

HEADER = ["序号", "工作任务", "牵头单位", "完成时限"]


BUDGET_RATIO = 2.0  # a file within a limit: at most twice the ordinary table's time …
BUDGET_MB = 300  # … and this much memory, within or past
BUDGET_REFUSAL = 2.0  # seconds: a file past a limit is refused within this


@dataclass(slots=True)
class Outcome:
    seconds: float
    peak_mb: float
    status: int
    message: str  # the first line the command printed to stderr ("" when none)
    traceback: bool


def _run(argv: list[str]) -> Outcome:
    """How a child ended, whatever its status: wall time, peak memory, status and message."""
    import subprocess

    start = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(argv, env=env(), stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        err.seek(0)
        stderr = err.read().decode("utf-8", "replace")
    lines = [line for line in stderr.splitlines() if line.strip()]
    return Outcome(seconds, _peak_mb(usage), os.waitstatus_to_exitcode(status), lines[0] if lines else "",
                   "Traceback" in stderr)


def _import(folder: Path, table: Path) -> Outcome:
    db = folder / f"{table.stem}.db"
    remove_ledger(db)
    return _run(taizhang("--db", str(db), "import", str(table), "--group", "限度"))


def _rows_workbook(path: Path, rows: int, cols: int = 4, text: str = "") -> Path:
    """A header and ``rows`` task rows of ``cols`` columns (extra columns hold numbers)."""
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("分工表")
    header = HEADER + [f"备注{i}" for i in range(cols - len(HEADER))]
    ws.write_row(0, 0, header)
    units = ["县卫健局", "县民政局", "县财政局", "县人社局"]
    for r in range(1, rows + 1):
        ws.write_row(r, 0, [r, f"任务{r}{text}", units[r % 4], "2024年12月底前"] + list(range(cols - 4)))
    wb.close()
    return path


def _shared_text(path: Path, total: int) -> Path:
    """Shared strings of 30,000 characters (90 KB), each cell of 200 rows referring to one, reaching
    ``total`` bytes of text."""
    from tests_data_hostile import write_xlsx_raw  # type: ignore[import-not-found]

    long = "任" * 30_000
    per = len(long.encode("utf-8")) + 14
    cells = max(total // per, 1)
    strings = HEADER + [f"{i}{long}" for i in range(200)]
    refs = {(r, 2): len(HEADER) + r % 200 for r in range(2, cells + 2)}
    return write_xlsx_raw(path, [HEADER], strings=strings, refs=refs)


def _merged(path: Path, merges: int) -> Path:
    """``merges`` merged ranges, two in each task row (its note across two columns, its deadline
    across two year columns) under one header row."""
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": False})
    ws = wb.add_worksheet("分工表")
    ws.write_row(0, 0, HEADER[:3] + ["完成时限", "", "备注", ""])
    for r in range(1, merges // 2 + 1):
        ws.write_row(r, 0, [r, f"任务{r}", "县卫健局"])
        ws.merge_range(r, 3, r, 4, "2024年12月底前")
        ws.merge_range(r, 5, r, 6, f"备注{r}")
    wb.close()
    return path


def _huge_dimension(source: Path, target: Path) -> Path:
    """``source`` as Excel leaves it after someone formats whole rows and columns: dimension
    A1:XFD1048576, a <cols> entry over every column and a styled empty last cell (the speed that
    ``test_dimension_to_xfd1048576_reads_like_a_small_file`` bounds by counting)."""
    import re
    import zipfile

    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename.endswith("sheet1.xml"):
                text = data.decode("utf-8")
                text = re.sub(r'<dimension ref="[^"]*"\s*/>', '<dimension ref="A1:XFD1048576"/>', text)
                text = text.replace("<sheetData>", '<cols><col min="1" max="16384" width="9" style="1" '
                                    'customWidth="1"/></cols><sheetData>', 1)
                text = text.replace("</sheetData>", '<row r="1048576" s="1" customFormat="1">'
                                    '<c r="XFD1048576" s="1"/></row></sheetData>')
                data = text.encode("utf-8")
            zout.writestr(info, data)
    return target


def _huge_cells(path: Path, rows: int) -> Path:
    """The ordinary header and ``rows`` tasks whose person cell is 32,000 colons and, every tenth
    row, a 32,000-character heading of 「（牵头单位：」: the cells whose search once took time
    growing with the square of their length (``test_import_regressions.py`` bounds it by count)."""
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("分工表")
    ws.write_row(0, 0, ["序号", "工作任务", "牵头单位", "责任人"])
    colons, heading = "：" * 32_000, ("（牵头单位：" * 6000)[:32_000]
    for r in range(1, rows + 1):
        if r % 10 == 0:
            ws.write_row(r, 0, [heading])
        else:
            ws.write_row(r, 0, [r, f"任务{r}", "县民政局", colons])
    wb.close()
    return path


def _csv(path: Path, rows: int, cols: int = 4, text: str = "", encoding: str = "utf-8") -> Path:
    """A CSV of a header and ``rows`` task rows of ``cols`` columns (extra columns hold numbers)."""
    header = HEADER + [f"备注{i}" for i in range(cols - len(HEADER))]
    units = ["县卫健局", "县民政局", "县财政局", "县人社局"]
    extra = "".join(f",{i}" for i in range(cols - 4))
    lines = [",".join(header)] + [f"{r},任务{r}{text},{units[r % 4]},2024年12月底前{extra}" for r in range(1, rows + 1)]
    path.write_text("\n".join(lines) + "\n", encoding=encoding)
    return path


def _csv_wide(path: Path, rows: int, width: int) -> Path:
    """An ordinary CSV whose last line reaches column ``width`` (every row would be padded to it)."""
    _csv(path, rows)
    with path.open("a", encoding="utf-8") as f:
        f.write("," * (width - 1) + "x\n")
    return path


def _xls(path: Path, rows: int, merges: int = 0, shared: int = 0) -> Path:
    """An .xls (xlwt) of a header and ``rows`` tasks; ``merges`` merged ranges (two a row, as
    ``_merged``); ``shared`` extra cells all holding one 30,000-character string (one SST entry)."""
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("分工表")
    for c, word in enumerate(HEADER[:3] + ["完成时限", "", "备注", ""]):
        sheet.write(0, c, word)
    for r in range(1, rows + 1):
        for c, value in enumerate([r, f"任务{r}", "县卫健局"]):
            sheet.write(r, c, value)
        if r <= merges // 2:
            sheet.write_merge(r, r, 3, 4, "2024年12月底前")
            sheet.write_merge(r, r, 5, 6, f"备注{r}")
        else:
            sheet.write(r, 3, "2024年12月底前")
    long = "任" * 30_000
    for r in range(rows + 1, rows + 1 + shared):
        sheet.write(r, 1, long)
    book.save(str(path))
    return path


_WORD_CELL = ('<w:tc><w:tcPr><w:tcW w:w="2000" w:type="dxa"/><w:vAlign w:val="center"/></w:tcPr><w:p><w:pPr>'
              '<w:jc w:val="center"/><w:spacing w:line="300" w:lineRule="exact"/><w:rPr><w:rFonts w:ascii="仿宋_GB2312" '
              'w:eastAsia="仿宋_GB2312" w:hAnsi="仿宋_GB2312"/><w:sz w:val="24"/></w:rPr></w:pPr><w:r><w:rPr><w:rFonts '
              'w:ascii="仿宋_GB2312" w:eastAsia="仿宋_GB2312" w:hAnsi="仿宋_GB2312"/><w:sz w:val="24"/><w:szCs w:val="24"/>'
              '<w:lang w:eastAsia="zh-CN"/></w:rPr><w:t>{}</w:t></w:r></w:p></w:tc>')


def _docx(path: Path, rows: int, *, word_like: bool = False, body_bytes: int = 0, span: int = 0) -> Path:
    """A .docx whose one table has a header and ``rows`` tasks: plain cells, or formatted as Word
    writes them (``word_like``, ~2 KB a row) up to ``body_bytes`` of XML; ``span``: the first task's
    first cell spans that many columns."""
    from tests_data_hostile import docx_with_body, word_row  # type: ignore[import-not-found]

    def row(cells: list[str]) -> str:
        if word_like:
            return "<w:tr>" + "".join(_WORD_CELL.format(c) for c in cells) + "</w:tr>"
        return word_row(*cells)

    parts = ["<w:tbl>", row(HEADER)]
    size = 0
    for r in range(1, rows + 1):
        xml = row([str(r), f"任务{r}", "县卫健局", "2024年12月底前"]) if not (span and r == 1) else \
            word_row(str(r), f"任务{r}", "县卫健局", "2024年12月底前", span=span)
        size += len(xml.encode("utf-8"))
        if body_bytes and size > body_bytes:
            break
        parts.append(xml)
    parts.append("</w:tbl>")
    return docx_with_body(path, "".join(parts))


def _xls_text(path: Path, rows: int, text: str) -> Path:
    """An .xls of a header and ``rows`` tasks whose text carries ``text`` (one SST entry each)."""
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("分工表")
    for c, word in enumerate(HEADER):
        sheet.write(0, c, word)
    units = ["县卫健局", "县民政局", "县财政局", "县人社局"]
    for r in range(1, rows + 1):
        for c, value in enumerate([r, f"任务{r}{text}", units[r % 4], "2024年12月底前"]):
            sheet.write(r, c, value)
    book.save(str(path))
    return path


def _xls_cells(path: Path, rows: int, cols: int) -> Path:
    """An .xls of a header and ``rows`` tasks of ``cols`` columns (extra columns hold numbers); .xls
    has 256 columns at most, so its column limit cannot be passed."""
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("分工表")
    for c, word in enumerate(HEADER + [f"备注{i}" for i in range(cols - len(HEADER))]):
        sheet.write(0, c, word)
    units = ["县卫健局", "县民政局", "县财政局", "县人社局"]
    for r in range(1, rows + 1):
        for c, value in enumerate([r, f"任务{r}", units[r % 4], "2024年12月底前"] + list(range(cols - 4))):
            sheet.write(r, c, value)
    book.save(str(path))
    return path


def _two_sheets(path: Path, rows: int, cols: int, more: int = 0) -> Path:
    """The table (``rows`` tasks of ``cols`` columns) and a second sheet of numbers as large as it
    (plus ``more`` rows): the limit on the cells of all sheets together."""
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("分工表")
    ws.write_row(0, 0, HEADER + [f"备注{i}" for i in range(cols - len(HEADER))])
    units = ["县卫健局", "县民政局", "县财政局", "县人社局"]
    for r in range(1, rows + 1):
        ws.write_row(r, 0, [r, f"任务{r}", units[r % 4], "2024年12月底前"] + list(range(cols - 4)))
    numbers = wb.add_worksheet("数据")
    for r in range(rows + 1 + more):
        numbers.write_row(r, 0, range(r * cols, (r + 1) * cols))
    wb.close()
    return path


def _padded(source: Path, target: Path, size: int) -> Path:
    """``source`` (an .xlsx) with a stored, incompressible picture added so that the file is exactly
    ``size`` bytes: a table with photos in it, at or past the limit on a file's size."""
    import zipfile

    def write(blob: int) -> int:
        with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
            for info in zin.infolist():
                zout.writestr(info, zin.read(info.filename))
            picture = zipfile.ZipInfo("xl/media/image1.png")
            picture.compress_type = zipfile.ZIP_STORED
            with zout.open(picture, "w", force_zip64=False) as out:
                left, seed = blob, os.urandom(1 << 20)
                while left > 0:
                    out.write(seed[:left])
                    left -= len(seed)
        return target.stat().st_size

    overhead = write(0)
    write(size - overhead)
    assert target.stat().st_size == size, (target.stat().st_size, size)
    return target


_ODS_HEAD = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content '
             'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
             'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
             'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
             '<office:body><office:spreadsheet><table:table table:name="分工表">')
_ODS_TAIL = '</table:table></office:spreadsheet></office:body></office:document-content>'
_ODS_MANIFEST = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                 'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                 '<manifest:file-entry manifest:full-path="/" manifest:media-type='
                 '"application/vnd.oasis.opendocument.spreadsheet"/>'
                 '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                 '</manifest:manifest>')


def _ods_cell(value: object, span: int = 1) -> str:
    spanned = f' table:number-columns-spanned="{span}"' if span > 1 else ""
    cell = f'<table:table-cell office:value-type="string"{spanned}><text:p>{value}</text:p></table:table-cell>'
    return cell + "<table:covered-table-cell/>" * (span - 1)


def _ods(path: Path, rows: int, cols: int = 4, text: str = "", merges: int = 0) -> Path:
    """An .ods (content.xml as LibreOffice writes it) of a header and ``rows`` tasks of ``cols``
    columns (extra columns hold numbers); with ``merges``, that many merged ranges, two in each of
    the first task rows (its deadline across two year columns, its note across two columns), as
    ``_merged``."""
    import zipfile

    units = ["县卫健局", "县民政局", "县财政局", "县人社局"]
    header = HEADER[:3] + ["完成时限", "", "备注", ""] if merges else \
        HEADER + [f"备注{i}" for i in range(cols - len(HEADER))]
    parts = [_ODS_HEAD, "<table:table-row>" + "".join(_ods_cell(h) for h in header) + "</table:table-row>"]
    for r in range(1, rows + 1):
        cells = [_ods_cell(v) for v in (r, f"任务{r}{text}", units[r % 4])]
        if merges:
            if r <= merges // 2:
                cells += [_ods_cell("2024年12月底前", 2), _ods_cell(f"备注{r}", 2)]
            else:
                cells += [_ods_cell("2024年12月底前"), "<table:table-cell/>", _ods_cell(f"备注{r}"),
                          "<table:table-cell/>"]
        else:
            cells += [_ods_cell("2024年12月底前")] + [_ods_cell(i) for i in range(cols - 4)]
        parts.append("<table:table-row>" + "".join(cells) + "</table:table-row>")
    parts.append(_ODS_TAIL)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("META-INF/manifest.xml", _ODS_MANIFEST)
        z.writestr("content.xml", "".join(parts))
    return path


def _docx_wide(path: Path, rows: int, cols: int) -> Path:
    """A .docx whose one table has a header and ``rows`` tasks of ``cols`` plain cells (extra cells
    hold numbers)."""
    from tests_data_hostile import docx_with_body, word_row  # type: ignore[import-not-found]

    header = HEADER + [f"备注{i}" for i in range(cols - len(HEADER))]
    body = ["<w:tbl>", word_row(*header)]
    for r in range(1, rows + 1):
        body.append(word_row(str(r), f"任务{r}", "县卫健局", "2024年12月底前", *(str(i) for i in range(cols - 4))))
    body.append("</w:tbl>")
    return docx_with_body(path, "".join(body))


class _Later:
    """A file to be written by ``build(*args, **options)`` (its path: the last path among ``args``),
    when ``make`` is asked for it."""

    def __init__(self, build, *args, **options) -> None:
        self.build, self.args, self.options = build, args, options
        self.path = [a for a in args if isinstance(a, Path)][-1]

    def __call__(self) -> Path:
        made = self.build(*self.args, **self.options)
        assert made == self.path, (made, self.path)
        return made


@dataclass(slots=True)
class Case:
    label: str
    made: Path | _Later  # the file, or how to write it
    refused: bool  # past a limit (or hostile, and refused): must exit 1 within 2 s
    limit: str = ""  # "format: limit" of a file at or just past one limit; "" for the hostile extras

    @property
    def path(self) -> Path:
        return self.made.path if isinstance(self.made, _Later) else self.made


def make(folder: Path, write=lambda case: True) -> list[Case]:
    """Write every file measured into ``folder`` (run in a child: the parent stays small, see
    ``benchmarks.measure``); the ordinary table first. Every limit of every format that checks it
    has a file at it (or, for text, just within it) and one just past it (``limit`` pairs them;
    ``tests/test_hostile_files.py`` checks that each has both). Only the cases ``write`` chooses are
    written (the ordinary table always: others are made from it); all are listed."""
    cases = _cases(folder)
    for i, case in enumerate(cases):
        if isinstance(case.made, _Later) and (i == 0 or write(case)):
            case.made = case.made()
    return cases


def _cases(folder: Path) -> list[Case]:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "data"))
    import hostile  # tests/data/hostile.py: the hand-written .xlsx, .ods and .docx

    sys.modules["tests_data_hostile"] = hostile
    from importers.readers import sniff, textsize

    rows, cols, cells, merges = sniff.MAX_ROWS, sniff.MAX_COLUMNS, sniff.MAX_CELLS, sniff.MAX_MERGES
    text, body, size = textsize.MAX_TEXT_BYTES, sniff.MAX_DOCUMENT_XML, sniff.MAX_FILE_BYTES
    word = sniff.MAX_WORD_CELLS
    mb = text // 2**20
    ordinary = folder / "ordinary.xlsx"  # written first (make)
    f = folder
    wide = cells // cols  # rows × 1,000 columns within the cells of a sheet
    long = "文" * 990  # ~3 KB of UTF-8 a task
    within, past = False, True
    return [
        Case("ordinary 10,000-task table", _Later(make_division_workbook, ordinary, 10_000), within),
        Case(f"xlsx file: {size / 2**20:.0f} MB exactly (the table and a photo)",
             _Later(_padded, ordinary, f / "size.xlsx", size), within, "xlsx size"),
        Case("xlsx file: 1 MB more", _Later(_padded, ordinary, f / "size_past.xlsx", size + 2**20), past, "xlsx size"),
        Case(f"xlsx rows: {rows:,}", _Later(_rows_workbook, f / "rows.xlsx", rows - 1), within, "xlsx rows"),
        Case("xlsx rows: one more", _Later(_rows_workbook, f / "rows_past.xlsx", rows + 1), past, "xlsx rows"),
        Case(f"xlsx columns: {cols:,} ({wide} rows)", _Later(_rows_workbook, f / "cols.xlsx", wide - 1, cols=cols), within,
             "xlsx columns"),
        Case("xlsx columns: one more", _Later(_rows_workbook, f / "cols_past.xlsx", 10, cols=cols + 1), past, "xlsx columns"),
        Case(f"xlsx cells: {cells:,} ({cells // 20:,} rows × 20 columns)",
             _Later(_rows_workbook, f / "cells.xlsx", cells // 20 - 1, cols=20), within, "xlsx cells"),
        Case("xlsx cells: one row more", _Later(_rows_workbook, f / "cells_past.xlsx", cells // 20 + 1, cols=20), past,
             "xlsx cells"),
        Case(f"xlsx cells of all sheets: {cells:,} (two sheets of {cells // 40:,} rows × 20)",
             _Later(_two_sheets, f / "sheets.xlsx", cells // 40 - 1, 20), within, "xlsx all sheets"),
        Case("xlsx cells of all sheets: one row more", _Later(_two_sheets, f / "sheets_past.xlsx", cells // 40 - 1, 20, more=1),
             past, "xlsx all sheets"),
        Case(f"xlsx text: 90 % of {mb} MB in task cells", _Later(_rows_workbook, f / "text.xlsx", int(text * 0.9) // 3_000,
                                                                         text=long), within, "xlsx text"),
        Case(f"xlsx text: 90 % of {mb} MB of shared strings", _Later(_shared_text, f / "shared.xlsx", int(text * 0.9)), within,
             "xlsx text"),
        Case("xlsx text: shared strings past it", _Later(_shared_text, f / "shared_past.xlsx", int(text * 1.1)), past,
             "xlsx text"),
        Case(f"xlsx shared-string bomb: {rows - 10:,} cells → one 600 KB string",
             _Later(hostile.shared_string_bomb, f / "bomb.xlsx", cells=rows - 10, length=200_000), past),
        Case(f"xlsx merges: {merges:,}", _Later(_merged, f / "merges.xlsx", merges), within, "xlsx merges"),
        Case("xlsx merges: two more", _Later(_merged, f / "merges_past.xlsx", merges + 2), past, "xlsx merges"),
        Case("xlsx merges: 3,000 copies of A2:G10001 (header only left)",
             _Later(hostile.overlapping_merges, f / "overlap.xlsx", copies=3_000, rows=10_000), past),
        Case("xlsx: the ordinary table, dimension A1:XFD1048576", _Later(_huge_dimension, ordinary, f / "dimension.xlsx"),
             within),
        Case("xlsx: 100 cells of 32,000 characters searched", _Later(_huge_cells, f / "huge_cells.xlsx", 100), within),
        Case(f"xls rows: {rows:,}", _Later(_xls, f / "rows.xls", rows - 1), within, "xls rows"),
        Case("xls rows: one more", _Later(_xls, f / "rows_past.xls", rows + 1), past, "xls rows"),
        Case(f"xls cells: {cells:,} ({cells // 20:,} rows × 20 columns; .xls has 256 columns at most)",
             _Later(_xls_cells, f / "cells.xls", cells // 20 - 1, 20), within, "xls cells"),
        Case("xls cells: one row more", _Later(_xls_cells, f / "cells_past.xls", cells // 20 + 1, 20), past, "xls cells"),
        Case(f"xls merges: {merges:,}", _Later(_xls, f / "merges.xls", merges // 2, merges=merges), within, "xls merges"),
        Case("xls merges: two more", _Later(_xls, f / "merges_past.xls", merges // 2 + 1, merges=merges + 2), past,
             "xls merges"),
        Case(f"xls text: 90 % of {mb} MB in task cells", _Later(_xls_text, f / "text.xls", int(text * 0.9) // 3_000, long),
             within, "xls text"),
        Case("xls text: 110 %", _Later(_xls_text, f / "text_past.xls", int(text * 1.1) // 3_000, long), past, "xls text"),
        Case("xls text: 2,000 cells → one 30,000-character string", _Later(_xls, f / "shared_past.xls", 10, shared=2_000),
             past),
        Case(f"ods rows: {rows:,}", _Later(_ods, f / "rows.ods", rows - 1), within, "ods rows"),
        Case("ods rows: one more", _Later(_ods, f / "rows_past.ods", rows + 1), past, "ods rows"),
        Case(f"ods columns: {cols:,} ({wide} rows)", _Later(_ods, f / "cols.ods", wide - 1, cols=cols), within, "ods columns"),
        Case("ods columns: one more", _Later(_ods, f / "cols_past.ods", 10, cols=cols + 1), past, "ods columns"),
        Case(f"ods cells: {cells:,} ({cells // 20:,} rows × 20 columns)", _Later(_ods, f / "cells.ods", cells // 20 - 1, 20),
             within, "ods cells"),
        Case("ods cells: one row more", _Later(_ods, f / "cells_past.ods", cells // 20 + 1, 20), past, "ods cells"),
        Case(f"ods merges: {merges:,}", _Later(_ods, f / "merges.ods", merges // 2, merges=merges), within, "ods merges"),
        Case("ods merges: two more", _Later(_ods, f / "merges_past.ods", merges // 2 + 1, merges=merges + 2), past,
             "ods merges"),
        Case("ods merges: 1,000 spanning cells a row, 21 rows",
             _Later(hostile.repeated_text_ods, f / "spans.ods", rows=merges // 1_000 + 1, spans=1_000), past),
        Case(f"ods text: 90 % of {mb} MB (content.xml)", _Later(_ods, f / "text.ods", int(text * 0.9) // 3_000, text=long),
             within, "ods text"),
        Case("ods text: 105 %", _Later(_ods, f / "text_past.ods", int(text * 1.05) // 3_000, text=long), past, "ods text"),
        Case("ods text: a 20,000-character cell repeated 500 × 20",
             _Later(hostile.repeated_text_ods, f / "repeat.ods", rows=20, repeat=500, length=20_000), past),
        Case(f"csv rows: {rows:,}", _Later(_csv, f / "rows.csv", rows - 1), within, "csv rows"),
        Case("csv rows: one more", _Later(_csv, f / "rows_past.csv", rows + 1), past, "csv rows"),
        Case(f"csv columns: {cols:,} ({wide} rows)", _Later(_csv, f / "cols.csv", wide - 1, cols), within, "csv columns"),
        Case("csv columns: one more", _Later(_csv, f / "cols_past.csv", 10, cols + 1), past, "csv columns"),
        Case(f"csv cells: {cells:,} ({cells // 20:,} rows × 20 columns)", _Later(_csv, f / "cells.csv", cells // 20 - 1, 20),
             within, "csv cells"),
        Case("csv cells: one row more", _Later(_csv, f / "cells_past.csv", cells // 20 + 1, 20), past, "csv cells"),
        Case("csv: a last line reaching column 200,000", _Later(_csv_wide, f / "wide.csv", 10_000, 200_000), past),
        Case(f"csv text: 97 % of {mb} MB", _Later(_csv, f / "text.csv", int(text * 0.97) // 3_030, text="文" * 1_000), within,
             "csv text"),
        Case("csv text: 105 %", _Later(_csv, f / "text_past.csv", int(text * 1.05) // 3_030, text="文" * 1_000), past,
             "csv text"),
        Case("csv text: UTF-16, twice the limit (refused unread)",
             _Later(_csv, f / "text_utf16.csv", int(text * 2.1) // 2_030, text="文" * 1_000, encoding="utf-16"), past),
        Case(f"docx rows: {rows:,} (plain cells)", _Later(_docx, f / "rows.docx", rows - 1), within, "docx rows"),
        Case("docx rows: one more", _Later(_docx, f / "rows_past.docx", rows + 1), past, "docx rows"),
        Case(f"docx columns: {cols:,} ({word // cols} rows)", _Later(_docx_wide, f / "cols.docx", word // cols - 1, cols),
             within, "docx columns"),
        Case("docx columns: one more", _Later(_docx_wide, f / "cols_past.docx", 10, cols + 1), past, "docx columns"),
        Case(f"docx cells: {word:,} ({word // 20:,} rows × 20 columns)",
             _Later(_docx_wide, f / "cells.docx", word // 20 - 1, 20), within, "docx cells"),
        Case("docx cells: one row more", _Later(_docx_wide, f / "cells_past.docx", word // 20 + 1, 20), past, "docx cells"),
        Case(f"docx body: {body // 2**20} MB of XML less 200 KB (formatted as Word writes it)",
             _Later(_docx, f / "body.docx", rows, word_like=True, body_bytes=body - 200_000), within, "docx body"),
        Case("docx body: 1 MB more", _Later(_docx, f / "body_past.docx", rows, word_like=True, body_bytes=body + 1_000_000),
             past, "docx body"),
        Case("docx: a cell spanning 50,000,000 columns", _Later(_docx, f / "span.docx", 10, span=50_000_000), past),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.limits")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown (for the README)")
    parser.add_argument("--only", metavar="WORD", help="measure only the files whose label contains WORD (csv, xls …)")
    parser.add_argument("--runs", type=int, default=3, help="imports of each file (default 3)")
    parser.add_argument("--make", metavar="DIR", help=argparse.SUPPRESS)
    # with --make (tests/test_hostile_files.py): every file past a limit, and of those within only the
    # ones named (comma-separated file names; "" none); all listed
    parser.add_argument("--within", metavar="NAMES", help=argparse.SUPPRESS)
    parser.add_argument("--list", action="store_true", help=argparse.SUPPRESS)  # with --make: list, write nothing
    args = parser.parse_args(argv)
    if args.make:
        chosen = None if args.within is None else set(filter(None, args.within.split(",")))
        cases = _cases(Path(args.make)) if args.list else \
            make(Path(args.make), lambda case: chosen is None or case.refused or case.path.name in chosen)
        for case in cases:
            print(f"{case.path}\t{int(case.refused)}\t{case.limit}\t{case.label}")
        return 0
    import platform
    import subprocess
    from datetime import datetime

    compile_sources()
    started = time.perf_counter()
    rows_out: list[list[str]] = []
    kept = True
    with tempfile.TemporaryDirectory(prefix="taizhang-limits-") as tmp:
        folder = Path(tmp)
        made = subprocess.run([sys.executable, "-m", "benchmarks.limits", "--make", tmp], capture_output=True,
                              text=True, env=env(), cwd=Path(__file__).resolve().parent.parent)
        if made.returncode != 0:
            print(made.stderr, file=sys.stderr)
            return 1
        cases = [line.split("\t", 3) for line in made.stdout.splitlines() if line.count("\t") >= 3]
        cases = [(path, refused, label) for path, refused, _, label in cases]
        (base, _, base_label), rest = cases[0], cases[1:]
        if args.only:
            rest = [c for c in rest if args.only.lower() in c[2].lower()]
            if not rest:
                print(f"--only {args.only}: no file's label holds it; the labels:\n"
                      + "\n".join(label for _, _, label in cases[1:]), file=sys.stderr)
                return 2
        # each file is measured alternately with the ordinary table, best of three each, so that a
        # machine busy with other work slows both alike
        ordinary: list[Outcome] = []
        for path, refused, label in rest:
            ours, theirs = [], []
            for _ in range(args.runs):
                theirs.append(_import(folder, Path(base)))
                ours.append(_import(folder, Path(path)))
            ordinary += theirs
            seconds, ref = min(r.seconds for r in ours), min(r.seconds for r in theirs)
            peak, last = max(r.peak_mb for r in ours), ours[-1]
            if refused == "1":
                ok = (all(r.status == 1 and r.message and not r.traceback for r in ours) and seconds <= BUDGET_REFUSAL
                      and peak <= BUDGET_MB)
                budget, message = f"≤ {BUDGET_REFUSAL:.0f} s, ≤ {BUDGET_MB} MB, exit 1", _short(last.message)
            else:
                ok = all(r.status == 0 for r in ours) and seconds <= BUDGET_RATIO * ref and peak <= BUDGET_MB
                budget, message = f"≤ {BUDGET_RATIO:.0f}×, ≤ {BUDGET_MB} MB, exit 0", ""
            kept = kept and ok
            rows_out.append([label, str(last.status), f"{seconds:.2f} s", f"{seconds / ref:.2f}×", f"{peak:.0f} MB",
                             budget, "✓" if ok else "✗", message])
            print(" | ".join(rows_out[-1]), file=sys.stderr)
        best = min(r.seconds for r in ordinary)
        rows_out.insert(0, [base_label, "0", f"{best:.2f} s", "1.00×", f"{max(r.peak_mb for r in ordinary):.0f} MB",
                            "", "", ""])
    when = datetime.now().astimezone().isoformat(timespec="seconds")
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    about = (f"{when}; best of {args.runs}, each file alternating with the ordinary table; Python "
             f"{platform.python_version()} on {platform.system()} {platform.machine()}, {os.cpu_count()} cores, "
             f"load average at the end {load}; took {time.perf_counter() - started:.0f} s; "
             f"{'every budget kept' if kept else 'a budget missed (✗)'}")
    header = ["file", "exit", "import", "vs ordinary", "peak", "budget", "ok", "message shown"]
    if args.markdown:
        print("| " + " | ".join(header) + " |")
        print("|---|:-:|---:|---:|---:|---|:-:|---|")
        for row in rows_out:
            print("| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |")
        print(f"\n- {about}")
    else:
        for row in [header, *rows_out]:
            print("  ".join(row))
        print(f"\n{about}")
    return 0


def _short(message: str, limit: int = 90) -> str:
    """The message without the program's name, cut to ``limit`` characters."""
    text = message.removeprefix("taizhang：")
    return text if len(text) <= limit else text[:limit - 1] + "…"


if __name__ == "__main__":
    raise SystemExit(main())
