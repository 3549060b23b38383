"""The page and styles of a Chinese official document (GB/T 9704-2012), with python-docx: A4 portrait,
margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm; title 方正小标宋简体 二号 (22 pt) centred;
body 仿宋_GB2312 三号 (16 pt) at a fixed 28.9 pt line spacing with a two-character first-line indent;
headings 一、 in 黑体 and （一） in 楷体_GB2312; page numbers "— N —" in 宋体 四号 (14 pt), odd pages
right, even pages left, from a PAGE field. Each document module builds on :class:`OfficialDocument`.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

TITLE_FONT, BODY_FONT, HEI, KAI, SONG = "方正小标宋简体", "仿宋_GB2312", "黑体", "楷体_GB2312", "宋体"
TITLE_SIZE, BODY_SIZE, PAGE_NUMBER_SIZE, TABLE_SIZE = Pt(22), Pt(16), Pt(14), Pt(12)
LINE_SPACING = Pt(28.9)
MARGINS = {"top": Mm(37), "bottom": Mm(35), "left": Mm(28), "right": Mm(26)}
_CN_DIGITS = "〇一二三四五六七八九"


def cn_date(d: date) -> str:
    """2019年6月30日 (Arabic figures, as GB/T 9704-2012 writes the 成文日期)."""
    return f"{d.year}年{d.month}月{d.day}日"


def cn_number(n: int) -> str:
    """1 → 一, 12 → 十二 (for 一、 and （一） headings)."""
    if n <= 10:
        return "十" if n == 10 else _CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _CN_DIGITS[tens]) + "十" + (_CN_DIGITS[ones] if ones else "")


def set_font(run, name: str, size) -> None:
    """A run in ``name`` for Chinese and Latin text alike (w:eastAsia is what Word uses for 汉字)."""
    run.font.name = name
    run.font.size = size
    rpr = run._element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for key in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(key), name)


def _page_field(paragraph, font: str, size) -> None:
    """"— PAGE —" as runs with a PAGE field between the dashes."""
    def run(text: str | None = None):
        r = paragraph.add_run(text or "")
        set_font(r, font, size)
        return r

    run("— ")
    begin = run()
    fld = OxmlElement("w:fldChar")
    fld.set(qn("w:fldCharType"), "begin")
    begin._element.append(fld)
    instr_run = run()
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = " PAGE "
    instr_run._element.append(instr)
    sep = run()
    fld = OxmlElement("w:fldChar")
    fld.set(qn("w:fldCharType"), "separate")
    sep._element.append(fld)
    run("1")
    end = run()
    fld = OxmlElement("w:fldChar")
    fld.set(qn("w:fldCharType"), "end")
    end._element.append(fld)
    run(" —")


class OfficialDocument:
    """A python-docx Document set up as GB/T 9704 asks, with the paragraphs official documents use."""

    def __init__(self) -> None:
        self.doc = Document()
        section = self.doc.sections[0]
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.top_margin, section.bottom_margin = MARGINS["top"], MARGINS["bottom"]
        section.left_margin, section.right_margin = MARGINS["left"], MARGINS["right"]
        section.footer_distance = Mm(28) - Mm(7)  # the number's line about 7 mm below the text block
        section.header_distance = Mm(15)
        normal = self.doc.styles["Normal"]
        normal.font.name = BODY_FONT
        normal.font.size = BODY_SIZE
        normal.element.get_or_add_rPr()
        rfonts = normal.element.rPr.find(qn("w:rFonts"))
        if rfonts is None:
            rfonts = OxmlElement("w:rFonts")
            normal.element.rPr.insert(0, rfonts)
        for key in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
            rfonts.set(qn(key), BODY_FONT)
        pf = normal.paragraph_format
        pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        pf.line_spacing = LINE_SPACING
        pf.space_before = pf.space_after = Pt(0)
        self.doc.settings.odd_and_even_pages_header_footer = True
        odd = section.footer.paragraphs[0]
        odd.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        odd.paragraph_format.right_indent = Pt(14)  # 一字 in from the edge, as the standard says
        _page_field(odd, SONG, PAGE_NUMBER_SIZE)
        even = section.even_page_footer.paragraphs[0]
        even.alignment = WD_ALIGN_PARAGRAPH.LEFT
        even.paragraph_format.left_indent = Pt(14)
        _page_field(even, SONG, PAGE_NUMBER_SIZE)

    # ------------------------------------------------------------ paragraphs

    def _para(self, text: str, font: str, size, *, align=None, indent: bool = True, bold: bool = False):
        p = self.doc.add_paragraph()
        if align is not None:
            p.alignment = align
        if indent:
            p.paragraph_format.first_line_indent = Pt(size.pt * 2)
        r = p.add_run(text)
        set_font(r, font, size)
        r.bold = bold or None
        return p

    def title(self, text: str) -> None:
        """The title in 方正小标宋简体 22 pt, centred, with a blank line before and after."""
        self.blank()
        p = self._para(text, TITLE_FONT, TITLE_SIZE, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
        p.paragraph_format.line_spacing = Pt(35)
        self.blank()

    def blank(self) -> None:
        self.doc.add_paragraph()

    def addressee(self, text: str) -> None:
        """主送机关: flush left, ending with a full-width colon."""
        self._para(text.rstrip("：") + "：", BODY_FONT, BODY_SIZE, indent=False)

    def body(self, text: str):
        return self._para(text, BODY_FONT, BODY_SIZE, align=WD_ALIGN_PARAGRAPH.JUSTIFY)

    def heading1(self, n: int, text: str) -> None:
        """一、… in 黑体."""
        self._para(f"{cn_number(n)}、{text}", HEI, BODY_SIZE)

    def heading2(self, n: int, text: str, rest: str = "") -> None:
        """（一）… in 楷体, optionally followed in the same paragraph by body text in 仿宋."""
        p = self._para(f"（{cn_number(n)}）{text}", KAI, BODY_SIZE, align=WD_ALIGN_PARAGRAPH.JUSTIFY)
        if rest:
            set_font(p.add_run(rest), BODY_FONT, BODY_SIZE)

    def signature(self, issuer: str, on: date) -> None:
        """发文机关署名 and 成文日期, right-aligned, the date four characters in from the right."""
        self.blank()
        for text, right in ((issuer, Pt(16 * 2)), (cn_date(on), Pt(16 * 4))):
            p = self._para(text, BODY_FONT, BODY_SIZE, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
            p.paragraph_format.right_indent = right

    def attachment_note(self, names: list[str]) -> None:
        """附件：1. … under the body, two characters in."""
        for i, name in enumerate(names, 1):
            label = "附件：" if i == 1 else "　　　"
            self.body(f"{label}{i}．{name}" if len(names) > 1 else f"附件：{name}")

    def page_break(self) -> None:
        self.doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    def attachment_heading(self, n: int | None, title: str) -> None:
        """附件 (黑体, flush left) then its title (方正小标宋简体) on a new page."""
        self.page_break()
        self._para("附件" + (str(n) if n else ""), HEI, BODY_SIZE, indent=False)
        self.blank()
        p = self._para(title, TITLE_FONT, Pt(18), align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
        p.paragraph_format.line_spacing = Pt(30)
        self.blank()

    def table(self, header: list[str], rows: list[list[str]], widths_mm: list[float]) -> None:
        """A bordered table, header in 黑体, cells in 仿宋 12 pt at single spacing, centred."""
        t = self.doc.add_table(rows=1, cols=len(header))
        t.style = "Table Grid"
        t.alignment = WD_TABLE_ALIGNMENT.CENTER
        t.autofit = False
        for i, w in enumerate(widths_mm):
            t.columns[i].width = Mm(w)  # the grid (LibreOffice and WPS read this, Word the cells)
        for row_index, values in enumerate([header, *rows]):
            cells = t.rows[0].cells if row_index == 0 else t.add_row().cells
            for i, value in enumerate(values):
                cell = cells[i]
                cell.width = Mm(widths_mm[i])
                p = cell.paragraphs[0]
                p.paragraph_format.first_line_indent = Pt(0)
                p.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
                p.alignment = WD_ALIGN_PARAGRAPH.LEFT if (row_index and i == 1 and len(str(value)) > 8) \
                    else WD_ALIGN_PARAGRAPH.CENTER
                r = p.add_run(str(value))
                set_font(r, HEI if row_index == 0 else BODY_FONT, TABLE_SIZE)

    def note(self, text: str) -> None:
        """A small note under a table (仿宋 12 pt, single spacing)."""
        p = self._para(text, BODY_FONT, TABLE_SIZE, indent=False)
        p.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
        p.paragraph_format.space_before = Pt(6)

    def save(self, out: str | os.PathLike[str]) -> Path:
        """Write atomically (a temporary file renamed into place)."""
        path = Path(out)
        tmp = path.with_name(path.name + ".tmp")
        self.doc.save(str(tmp))
        os.replace(tmp, path)
        return path
