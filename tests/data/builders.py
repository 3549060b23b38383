"""Writers for the import tests: one table spec, every format an office sends.

A spec is ``rows`` (lists of cell values; a merged range's value sits in its top-left cell and the
covered cells hold None) plus ``merges`` as (top, left, bottom, right), 0-based and inclusive. Each
writer reproduces the merges the way its format stores them (merged ranges, gridSpan/vMerge,
spanned/covered ODS cells; nothing in CSV)."""

from __future__ import annotations

import csv
import io
import struct
import zipfile
from datetime import date, datetime
from pathlib import Path
from xml.sax.saxutils import escape

Merge = tuple[int, int, int, int]


def write_xlsx(path: Path, rows: list[list[object]], merges: list[Merge] = (), *, sheet: str = "Sheet1",
               hidden_cols: tuple[int, ...] = (), hidden_rows: tuple[int, ...] = (),
               sheets_before: dict[str, list[list[object]]] | None = None, date_format: str = "yyyy-mm-dd") -> Path:
    """hidden_cols / hidden_rows are 0-based indexes of the spec."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    first = wb.active
    for name, other in (sheets_before or {}).items():
        ws = wb.create_sheet(name)
        for row in other:
            ws.append(row)
    ws = first
    ws.title = sheet
    if sheets_before:
        wb.move_sheet(ws, offset=len(sheets_before))
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            if value is not None:
                cell = ws.cell(r, c, value)
                if isinstance(value, (date, datetime)):
                    cell.number_format = date_format
    for top, left, bottom, right in merges:
        ws.merge_cells(start_row=top + 1, start_column=left + 1, end_row=bottom + 1, end_column=right + 1)
    for c in hidden_cols:
        ws.column_dimensions[get_column_letter(c + 1)].hidden = True
    for r in hidden_rows:
        ws.row_dimensions[r + 1].hidden = True
    wb.save(path)
    return path


def write_xls(path: Path, rows: list[list[object]], merges: list[Merge] = (), *, sheet: str = "Sheet1",
              hidden_cols: tuple[int, ...] = ()) -> Path:
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet(sheet)
    date_style = xlwt.easyxf(num_format_str="yyyy-mm-dd")
    wrap = xlwt.easyxf("align: wrap on")
    covered = _covered(merges)
    anchors = {(t, l): (t, l, b, r) for t, l, b, r in merges}
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if (r, c) in covered or value is None and (r, c) not in anchors:
                continue
            style = date_style if isinstance(value, (date, datetime)) else wrap
            if (r, c) in anchors:
                t, l, b, rr = anchors[r, c]
                ws.write_merge(t, b, l, rr, value, style)
            else:
                ws.write(r, c, value, style)
    for c in hidden_cols:
        ws.col(c).hidden = True
    wb.save(str(path))
    return path


def _covered(merges) -> set[tuple[int, int]]:
    out = set()
    for t, l, b, r in merges:
        for rr in range(t, b + 1):
            for cc in range(l, r + 1):
                if (rr, cc) != (t, l):
                    out.add((rr, cc))
    return out


def write_ods(path: Path, rows: list[list[object]], merges: list[Merge] = (), *, sheet: str = "Sheet1",
              hidden_cols: tuple[int, ...] = (), formatting_tail: bool = True) -> Path:
    """An .ods written as LibreOffice does, including the million formatting-only rows and the
    repeated empty cells at the end of each row when ``formatting_tail``."""
    width = max(len(r) for r in rows)
    anchors = {(t, l): (t, l, b, r) for t, l, b, r in merges}
    covered = _covered(merges)
    ns = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')
    out = [f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ns} office:version="1.2">'
           f'<office:body><office:spreadsheet><table:table table:name="{escape(sheet)}">']
    for c in range(width):
        vis = ' table:visibility="collapse"' if c in hidden_cols else ""
        out.append(f"<table:table-column{vis}/>")
    if formatting_tail:
        out.append('<table:table-column table:number-columns-repeated="1000"/>')
    for r, row in enumerate(rows):
        out.append("<table:table-row>")
        for c in range(width):
            value = row[c] if c < len(row) else None
            if (r, c) in covered:
                out.append("<table:covered-table-cell/>")
                continue
            span = ""
            if (r, c) in anchors:
                t, l, b, rr = anchors[r, c]
                span = f' table:number-columns-spanned="{rr - l + 1}" table:number-rows-spanned="{b - t + 1}"'
            out.append(_ods_cell(value, span))
        if formatting_tail:
            out.append('<table:table-cell table:number-columns-repeated="1000"/>')
        out.append("</table:table-row>")
    if formatting_tail:
        out.append('<table:table-row table:number-rows-repeated="1048000">'
                   '<table:table-cell table:number-columns-repeated="1024"/></table:table-row>')
    out.append("</table:table></office:spreadsheet></office:body></office:document-content>")
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                '<manifest:file-entry manifest:full-path="/" '
                'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
                '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                "</manifest:manifest>")
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", "".join(out), compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
    return path


def _ods_cell(value: object, span: str) -> str:
    if value is None or value == "":
        return f"<table:table-cell{span}/>"
    if isinstance(value, (datetime, date)):
        iso = value.isoformat()
        return (f'<table:table-cell{span} office:value-type="date" office:date-value="{iso}">'
                f"<text:p>{iso}</text:p></table:table-cell>")
    if isinstance(value, (int, float)):
        return (f'<table:table-cell{span} office:value-type="float" office:value="{value}">'
                f"<text:p>{value}</text:p></table:table-cell>")
    paragraphs = "".join(f"<text:p>{escape(line)}</text:p>" for line in str(value).split("\n"))
    return f'<table:table-cell{span} office:value-type="string">{paragraphs}</table:table-cell>'


def write_docx(path: Path, rows: list[list[object]], merges: list[Merge] = (), *, before: list[str] = (),
               tables_before: list[list[list[str]]] = ()) -> Path:
    """The table in a Word document, after the paragraphs ``before`` (title lines) and any small
    tables ``tables_before``; merged ranges become gridSpan / vMerge cells."""
    import docx

    document = docx.Document()
    for other in tables_before:
        t = document.add_table(rows=len(other), cols=len(other[0]))
        for r, row in enumerate(other):
            for c, value in enumerate(row):
                t.cell(r, c).text = value
    for line in before:
        document.add_paragraph(line)
    width = max(len(r) for r in rows)
    table = document.add_table(rows=len(rows), cols=width)
    covered = _covered(merges)
    for r, row in enumerate(rows):
        for c in range(width):
            value = row[c] if c < len(row) else None
            if (r, c) in covered or value is None:
                continue
            _set_cell_text(table.cell(r, c), _docx_text(value))
    for t, l, b, r in merges:
        text = rows[t][l]
        merged = table.cell(t, l).merge(table.cell(b, r))
        _set_cell_text(merged, _docx_text(text) if text is not None else "")
    document.save(str(path))
    return path


def _docx_text(value: object) -> str:
    if isinstance(value, (date, datetime)):
        return f"{value.year}年{value.month}月{value.day}日"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _set_cell_text(cell, text: str) -> None:
    """One paragraph per line, as typing Enter in a Word cell does."""
    for p in list(cell.paragraphs)[1:]:
        p._p.getparent().remove(p._p)
    lines = text.split("\n")
    cell.paragraphs[0].text = lines[0]
    for line in lines[1:]:
        cell.add_paragraph(line)


def write_csv(path: Path, rows: list[list[object]], *, encoding: str = "utf-8-sig", delimiter: str = ",") -> Path:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    for row in rows:
        writer.writerow(["" if v is None else _docx_text(v) for v in row])
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


# --- odd files for the bad-input tests -----------------------------------------------------------


def ole2_container(stream_names: list[str]) -> bytes:
    """A minimal but well-formed OLE2 compound file (version 3, 512-byte sectors) whose root storage
    lists the given (empty) streams — e.g. ["EncryptionInfo", "EncryptedPackage"], which is how
    Office stores a password-protected .xlsx."""
    sector = 512
    endofchain, fatsect, free = 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
    header = bytearray(sector)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 24, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<I", header, 44, 1)  # number of FAT sectors
    struct.pack_into("<I", header, 48, 1)  # first directory sector
    struct.pack_into("<I", header, 56, 4096)  # mini stream cutoff
    struct.pack_into("<I", header, 60, endofchain)  # first mini FAT sector
    struct.pack_into("<I", header, 64, 0)
    struct.pack_into("<I", header, 68, endofchain)  # first DIFAT sector
    struct.pack_into("<I", header, 72, 0)
    struct.pack_into("<I", header, 76, 0)  # DIFAT[0]: the FAT is sector 0
    for i in range(1, 109):
        struct.pack_into("<I", header, 76 + 4 * i, free)
    fat = bytearray(struct.pack("<I", fatsect) + struct.pack("<I", endofchain) + struct.pack("<I", free) * 126)

    def entry(name: str, kind: int, child: int = free, right: int = free) -> bytes:
        e = bytearray(128)
        raw = name.encode("utf-16-le") + b"\x00\x00"
        e[0 : len(raw)] = raw
        struct.pack_into("<HBB", e, 64, len(raw), kind, 1)
        struct.pack_into("<III", e, 68, free, right, child)
        struct.pack_into("<I", e, 116, endofchain)
        return bytes(e)

    entries = [entry("Root Entry", 5, child=1 if stream_names else free)]
    for i, name in enumerate(stream_names, start=1):
        entries.append(entry(name, 2, right=i + 1 if i < len(stream_names) else free))
    directory = b"".join(entries).ljust(sector, b"\x00")
    return bytes(header) + bytes(fat) + directory
