"""Hostile files built by the tests themselves (issue 13): small on disk, costly to read naively.

* ``shared_string_bomb`` — an .xlsx whose cells all point at one long shared string;
* ``overlapping_merges`` — an .xlsx with many copies of one large merged range;
* ``repeated_text_ods`` — an .ods whose one long text cell is repeated across a row, many rows down;
* ``docx_with_body`` and ``word_row`` — a .docx whose body is written by hand (a gridSpan of millions …).

Each is written by hand (zipfile), so its size and shape are exact and no library refuses to write it.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

_CT = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
       '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
       '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
       '<Default Extension="xml" ContentType="application/xml"/>'
       '<Override PartName="/xl/workbook.xml" '
       'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
       '<Override PartName="/xl/worksheets/sheet1.xml" '
       'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
       '<Override PartName="/xl/sharedStrings.xml" '
       'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
       '</Types>')
_RELS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
         '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
         '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
         'officeDocument" Target="xl/workbook.xml"/></Relationships>')
_WB = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
       '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
       'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
       '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>')
_WB_RELS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'worksheet" Target="worksheets/sheet1.xml"/>'
            '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'sharedStrings" Target="sharedStrings.xml"/></Relationships>')
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
HEADER = ["序号", "工作任务", "牵头单位", "完成时限"]


def _letter(col: int) -> str:
    out = ""
    while col:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


def write_xlsx_raw(path: Path, rows: list[list[str | int]], *, merges: list[str] = (),
                   strings: list[str] | None = None, refs: dict[tuple[int, int], int] | None = None) -> Path:
    """An .xlsx written by hand: ``rows`` of inline values (str → shared string of its own, int →
    number); ``refs`` maps (row, col), 1-based, to an index into ``strings`` instead."""
    strings = list(strings or [])
    index = {s: i for i, s in enumerate(strings)}
    body: list[str] = []
    cells: dict[int, list[str]] = {}
    for r, row in enumerate(rows, 1):
        for c, value in enumerate(row, 1):
            ref = f"{_letter(c)}{r}"
            if isinstance(value, int):
                cells.setdefault(r, []).append(f'<c r="{ref}"><v>{value}</v></c>')
            elif value != "":
                if value not in index:
                    index[value] = len(strings)
                    strings.append(value)
                cells.setdefault(r, []).append(f'<c r="{ref}" t="s"><v>{index[value]}</v></c>')
    for (r, c), i in (refs or {}).items():
        cells.setdefault(r, []).append(f'<c r="{_letter(c)}{r}" t="s"><v>{i}</v></c>')
    for r in sorted(cells):
        body.append(f'<row r="{r}">{"".join(cells[r])}</row>')
    merge_xml = (f'<mergeCells count="{len(merges)}">' + "".join(f'<mergeCell ref="{m}"/>' for m in merges)
                 + "</mergeCells>") if merges else ""
    sheet = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="{_MAIN}">'
             f'<sheetData>{"".join(body)}</sheetData>{merge_xml}</worksheet>')
    sst = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="{_MAIN}" count="{len(strings)}" '
           f'uniqueCount="{len(strings)}">' + "".join(f"<si><t>{escape(s)}</t></si>" for s in strings) + "</sst>")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", _CT)
        z.writestr("_rels/.rels", _RELS)
        z.writestr("xl/workbook.xml", _WB)
        z.writestr("xl/_rels/workbook.xml.rels", _WB_RELS)
        z.writestr("xl/worksheets/sheet1.xml", sheet)
        z.writestr("xl/sharedStrings.xml", sst)
    return path


def shared_string_bomb(path: Path, *, cells: int = 15_000, length: int = 600_000) -> Path:
    """A header, then ``cells`` task cells (column B) that all point at one ``length``-character string."""
    long = "任" * length
    rows: list[list[str | int]] = [HEADER]
    strings = HEADER + [long]
    refs = {(r, 2): len(HEADER) for r in range(2, cells + 2)}
    return write_xlsx_raw(path, rows, strings=strings, refs=refs)


def overlapping_merges(path: Path, *, copies: int = 3_000, rows: int = 10_000, cols: int = 7) -> Path:
    """A small table whose range A2:{col}{rows+1} is merged ``copies`` times over."""
    data: list[list[str | int]] = [HEADER + [""] * (cols - len(HEADER))]
    for r in range(rows):
        data.append([r + 1, f"任务{r}", "县卫健局", "2024年"] + [""] * (cols - 4))
    ref = f"A2:{_letter(cols)}{rows + 1}"
    return write_xlsx_raw(path, data, merges=[ref] * copies)


def repeated_text_ods(path: Path, *, repeat: int = 900, rows: int = 1_000, length: int = 30_000,
                      spans: int = 0) -> Path:
    """An .ods whose every row holds one ``length``-character text cell repeated ``repeat`` times;
    with ``spans``, each row holds as many empty cells spanning two columns and rows instead."""
    long = "任" * length
    row = (f'<table:table-row><table:table-cell table:number-columns-repeated="{repeat}" office:value-type="string">'
           f"<text:p>{long}</text:p></table:table-cell></table:table-row>")
    if spans:
        row = ('<table:table-row>' + '<table:table-cell table:number-columns-spanned="2" table:number-rows-spanned="2"/>'
               * spans + '</table:table-row>')
    content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content '
               'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
               '<office:body><office:spreadsheet><table:table table:name="Sheet1">'
               '<table:table-row>' + "".join(f'<table:table-cell office:value-type="string"><text:p>{h}</text:p>'
                                             '</table:table-cell>' for h in HEADER) + '</table:table-row>'
               + row * rows + '</table:table></office:spreadsheet></office:body></office:document-content>')
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                '<manifest:file-entry manifest:full-path="/" manifest:media-type='
                '"application/vnd.oasis.opendocument.spreadsheet"/>'
                '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                '</manifest:manifest>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("META-INF/manifest.xml", manifest)
        z.writestr("content.xml", content)
    return path


def docx_with_body(path: Path, body: str) -> Path:
    """A .docx whose body is ``body`` (WordprocessingML), written by hand around python-docx's parts."""
    import docx

    docx.Document().save(str(path))
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    xml = parts["word/document.xml"].decode("utf-8")
    start, end = xml.index("<w:body>") + len("<w:body>"), xml.index("</w:body>")
    parts["word/document.xml"] = (xml[:start] + body + xml[end:]).encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return path


def word_row(*cells: str, span: int = 1) -> str:
    first = f'<w:tcPr><w:gridSpan w:val="{span}"/></w:tcPr>' if span > 1 else ""
    return "<w:tr>" + "".join(f"<w:tc>{first if i == 0 else ''}<w:p><w:r><w:t>{c}</w:t></w:r></w:p></w:tc>"
                              for i, c in enumerate(cells)) + "</w:tr>"
