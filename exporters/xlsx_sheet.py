"""One worksheet laid out as an office prints it (PRODUCT §5), over xlsxwriter.

``Sheet`` holds the formats (黑体 header, 仿宋 body, 方正小标宋简体 title, thin borders, wrapped and
vertically centred text), writes every text from the user with ``write_string`` (a text that starts
with = + - @ also gets Excel's quote prefix, so editing the cell later keeps it text), measures the
short columns to fit Chinese text and gives the rest of the page width to the long-text columns,
and sets up printing: A4 landscape fitted to the page width, header rows repeated on every page,
第 &P 页 共 &N 页 in the footer, the header frozen.

Layout decisions:
* Widths are in Excel's units (one is the width of a "0" in the workbook's default 11 pt font,
  7 pixels); a Chinese character at 11 pt takes about 2.1. The printable width of A4 landscape with
  these margins is about 138 units, so a table laid out to 136 prints at 100 %; a wider one (many
  year columns) is scaled to fit by the application.
* Every row gets a height computed from its wrapped text (``line_count``): LibreOffice does not
  size rows itself when it opens an .xlsx, and no application sizes a row to a merged cell. The
  estimate errs on the generous side, so text is never cut off on paper.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from exporters import fitting

FONT_BODY, FONT_HEADER, FONT_TITLE = "仿宋", "黑体", "方正小标宋简体"
BODY_PT, HEADER_PT, TITLE_PT, LABEL_PT = 11, 11, 22, 16  # 附件 label 黑体 三号, title 二号
MAX_PAGE_BREAKS = 1023  # Excel's limit of manual page breaks in a sheet
DEFAULT_ROW_POINTS = 15.0
PAGE_UNITS = 136.0  # printable width of A4 landscape (margins below) in column-width units, less a little
PORTRAIT_UNITS = 96.0  # and of A4 portrait
PRINT_WIDTH_POINTS = 841.9 - 72 * 1.0  # A4 landscape less the left and right margins
PRINT_HEIGHT_POINTS = 595.3 - 72 * (0.7 + 0.75)  # less the top and bottom margins
PORTRAIT_WIDTH_POINTS = 595.3 - 72 * 1.0
PORTRAIT_HEIGHT_POINTS = 841.9 - 72 * (0.7 + 0.75)
UNITS_PER_BYTE = 1.05  # per byte of GBK text at 11 pt, for estimates over many texts
WIDE_UNITS = fitting.BODY_PT / fitting.POINTS_PER_UNIT  # a Chinese character at 11 pt
NARROW_UNITS = WIDE_UNITS * fitting.NARROW_EM  # a Latin letter or digit
CELL_PADDING = fitting.CELL_PADDING
LINE_POINTS = 15.5  # height of one line of 11 pt text (仿宋 needs 14.3, the Noto CJK fallback 15.9)
ROW_PADDING = 5.0
TIGHT_PADDING = 1.5  # a tightened row's room above and below its text (``Sheet.tighten_if_fewer_pages``)
MARGINS = {"left": 0.5, "right": 0.5, "top": 0.7, "bottom": 0.75}
FOOTER = "&C第 &P 页 共 &N 页"
DATE_FORMAT = 'yyyy"年"m"月"d"日"'
FORMULA_STARTS = ("=", "+", "-", "@")
FITTED_CHARS = 40  # a longer text in a short-text column is a sentence: the application wraps it

# Characters Excel refuses in a sheet name, and names it reserves.
_SHEET_BAD = re.compile(r"[\[\]:*?/\\\x00-\x1f]")
_FILE_BAD = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]')
_RESERVED_FILE = re.compile(r"^(CON|PRN|AUX|NUL|COM[0-9]|LPT[0-9])(\..*)?$", re.IGNORECASE)


def clean_sheet_name(name: str, fallback: str = "表1") -> str:
    """A name Excel accepts for a sheet: no []:*?/\\, no apostrophe at either end, at most 31
    characters, not the reserved "History"."""
    text = _SHEET_BAD.sub("", name).strip().strip("'").strip()[:31].strip().strip("'")
    if not text or text.casefold() == "history":
        return fallback
    return text


def clean_file_name(name: str, fallback: str = "领导小组") -> str:
    """A file name Windows, macOS and Linux accept: no \\/:*?"<>| or control characters, no
    leading or trailing dots and spaces, not a reserved device name, at most 80 characters."""
    text = _FILE_BAD.sub("_", name).strip().strip(".").strip()
    text = re.sub(r"\s+", " ", text)[:80].rstrip(" .")
    if not text or _RESERVED_FILE.match(text):
        text = f"{fallback}_{text}" if text else fallback
    return text


def text_units(text: str) -> float:
    """Width of the longest line of ``text`` in column units (``exporters.fitting.text_width``)."""
    return fitting.text_width(text)


def _sentence(text: str, lines: list[str] | None = None) -> bool:
    """A text with a line longer than ``FITTED_CHARS``: the application wraps it. ``lines``: its
    lines, when the caller has split it already."""
    return len(text) > FITTED_CHARS and any(len(line) > FITTED_CHARS for line in lines or text.split("\n"))


_NO_LINE_START = frozenset("，。、；：？！）》」』】〕”’%％,.;:?!)]")


def line_count(text: str, width: float) -> int:
    """Lines ``text`` takes when wrapped in a cell ``width`` units wide. Chinese text breaks between
    any two characters, so a line holds as many whole characters as fit; where a line would start
    with punctuation that may not start one (，。、）…) the application carries a character over,
    and so does this count. Text mixing in Latin letters and digits (which break only at spaces)
    is given a line more when its last line is nearly full."""
    total = 0
    em = fitting.BODY_PT / fitting.POINTS_PER_UNIT
    for line in text.split("\n"):
        # ``fitting.line_width`` worked out here from the one encoding (issue 17: 10,000 task texts)
        size = len(line)
        wide = len(line.encode("gbk", "replace")) - size
        units = em * (wide + (size - wide) * fitting.NARROW_EM)
        if units <= width:
            total += 1
            continue
        if wide == size:  # all wide characters: a break every ``per`` characters
            per, n, start = max(int(width / WIDE_UNITS), 1), 1, 0
            while len(line) - start > per:
                start += per
                if line[start] in _NO_LINE_START and per > 1:
                    start -= 1
                n += 1
            total += n
        else:
            n = math.ceil(units / width)
            total += n + (1 if n * width - units < WIDE_UNITS * n else 0)
    return total


@dataclass
class Column:
    """A column: its header, how wide it wants to be and how narrow it may get.

    ``fit`` columns want their widest text (between ``low`` and ``high``, and never narrower than
    their header); ``flex`` columns (long text) want ``pref`` and take what the page has left, in
    proportion to ``share``. When the wanted widths do not fit the page every column gives up the
    same fraction of what it has above its minimum (a flex column half as much). A column that does
    not wrap (dates) keeps its widest text, since a number too wide for its cell prints as ###."""

    header: str
    sizing: str = "fit"  # fit | flex
    low: float = 6.0
    high: float = 24.0
    align: str = "center"  # center | left
    share: float = 1.0
    pref: float = 0.0
    wraps: bool = True
    widest: float = 0.0
    short: bool = False  # a flex column of short texts, broken where they read well (as fit columns)
    typical: bool = False  # sized for its typical text, not its longest (see ``want``)
    pieces: bool = True  # and (typical) never narrower than its widest piece between natural breaks
    seen: list[float] = field(default_factory=list)
    piece: float = 0.0
    floor: float = 0.0  # text width a typical column needs at least (set by its report)

    measured: dict[str, float] = field(default_factory=dict, repr=False)  # text → width, see ``see``

    def see(self, text: str | None) -> None:
        if not text:
            if self.typical:  # every value counts, an empty one as 0
                self.seen.append(0.0)
            return
        # each distinct text is measured once (issue 17: units and persons repeat on every row)
        w = self.measured.get(text)
        if w is None:
            w = fitting.text_width(text)
            if self.typical:
                self.piece = max(self.piece, fitting.piece_width(text))
            if w > self.widest:
                self.widest = w
            if len(self.measured) < 100_000:
                self.measured[text] = w
        if self.typical:
            self.seen.append(w)

    def see_all(self, texts: Iterable[str | None]) -> None:
        """``see`` each of ``texts``, each distinct text once with its count (issue 17: a column of
        10,000 cells holds a few hundred units or phrasings). What a column keeps does not depend on
        the order it saw its texts in (the widest, and the widths ``want`` sorts)."""
        for text, n in Counter(texts).items():
            if not text:
                if self.typical:
                    self.seen.extend([0.0] * n)
                continue
            if text.isdigit() and text.isascii():
                # a number is as wide as any other of its length (digits are equally wide and never
                # break apart): measured once per length, not once per task number (issue 17)
                text = "0" * len(text)
            self.see(text)
            if self.typical and n > 1:
                self.seen.extend([self.seen[-1]] * (n - 1))

    def want(self) -> float:
        """The width of text this column asks for: its widest text; a ``typical`` column (units, a
        mostly empty 完成时限) only what nine values in ten need (units: four in five), and (``pieces``) its widest piece
        between natural breaks (2022年8月 / 底完成); the longer values are wrapped."""
        if not self.typical:
            return self.widest
        typical = fitting.typical_width(self.seen, 0.9 if self.pieces else 0.8)
        return min(self.widest, max(typical, self.piece if self.pieces else 0.0, self.floor))


def preferred_text_width(texts: list[str], low: float, high: float, lines: float = 3.0) -> float:
    """A width for a long-text column in which three texts in four take at most ``lines`` lines."""
    if not texts:
        return low
    sizes = sorted(len(t.encode("gbk", "replace")) for t in texts)
    p75 = sizes[min(len(sizes) - 1, (len(sizes) * 3) // 4)]
    return min(max(p75 * UNITS_PER_BYTE / lines + CELL_PADDING, low), high)


CELL_CHARS = 32_767  # Excel's most characters in one cell
CUT_NOTE = "……（超出 Excel 单元格上限，全文见 JSON 导出）"


class Sheet:
    """A worksheet of one report: formats, safe writing, widths and print setup."""

    def __init__(self, workbook: Any, name: str, columns: list[Column], portrait: bool = False):
        self.wb = workbook
        self.portrait = portrait
        self.ws = workbook.add_worksheet(clean_sheet_name(name))
        self.columns = columns
        self.widths: list[float] = []
        self._formats: dict[tuple[str, bool], Any] = {}
        self._lines: dict[tuple[int, str], int] = {}
        self._line_counts: dict[int, dict[str, int]] = {}  # column → one line of a cell → its lines (see lines)
        self._fitted: dict[tuple[int, str], str] = {}  # see fitted
        self.row_points: dict[int, float] = {}  # heights set so far, for the page breaks
        self.cut: list[tuple[int, int, int, str]] = []  # cells cut to Excel's limit (see ``fit``)
        self.breaks: list[int] = []  # the manual page breaks set (rows starting a page)
        self.empty: str | None = None  # what an empty report says on the sheet
        self.page_units: float | None = None  # the width the columns share (default: the page's)
        self.row_padding = ROW_PADDING
        base = {"valign": "vcenter", "text_wrap": True, "font_name": FONT_BODY, "font_size": BODY_PT}
        cell = {**base, "border": 1}
        self._specs: dict[str, dict[str, Any]] = {
            "title": {"font_name": FONT_TITLE, "font_size": TITLE_PT, "align": "center", "valign": "vcenter",
                      "text_wrap": True},
            "label": {"font_name": FONT_HEADER, "font_size": LABEL_PT, "align": "left", "valign": "vcenter"},
            "info": {**base, "align": "left"},
            "info_right": {**base, "align": "right"},
            "note": {**base, "align": "left"},
            "header": {**cell, "font_name": FONT_HEADER, "font_size": HEADER_PT, "align": "center"},
            "heading": {**cell, "font_name": FONT_HEADER, "align": "left"},
            "center": {**cell, "align": "center"},
            "left": {**cell, "align": "left"},
            "date": {**cell, "align": "center", "num_format": DATE_FORMAT},
            "count": {**cell, "align": "center", "num_format": "0"},
            "percent": {**cell, "align": "center", "num_format": "0.0%"},
        }

    # -- formats and writing
    def fmt(self, style: str, text: str | None = None) -> Any:
        quote = bool(text) and text.startswith(FORMULA_STARTS)  # type: ignore[union-attr]
        key = (style, quote)
        hit = self._formats.get(key)
        if hit is None:
            spec = self._specs[style]
            hit = self._formats[key] = self.wb.add_format({**spec, "quote_prefix": True} if quote else spec)
        return hit

    def fit(self, row: int, col: int, value: str) -> str:
        """``value``, or, past Excel's 32,767 characters a cell, its beginning with a note; the cell
        is kept in ``cut`` (row, col, length, beginning) for the export to name (issue 13)."""
        if len(value) <= CELL_CHARS:
            return value
        self.cut.append((row, col, len(value), value[:20]))
        return value[:CELL_CHARS - len(CUT_NOTE)] + CUT_NOTE

    def text(self, row: int, col: int, value: str | None, style: str = "center") -> None:
        """User text, always as a string cell (never a formula, number or link); None → a blank cell
        that still carries the border."""
        if value:
            value = self.fit(row, col, value)
            self.ws.write_string(row, col, value, self.fmt(style, value))
        else:
            self.ws.write_blank(row, col, None, self.fmt(style))

    def date(self, row: int, col: int, value: date | None) -> None:
        if value is None:
            self.ws.write_blank(row, col, None, self.fmt("date"))
        else:
            self.ws.write_datetime(row, col, value, self.fmt("date"))

    def number(self, row: int, col: int, value: float, style: str = "count") -> None:
        self.ws.write_number(row, col, value, self.fmt(style))

    def merge(self, first_row: int, first_col: int, last_row: int, last_col: int, value: str | None,
              style: str = "center") -> None:
        """A merged range holding ``value`` as a string (a single cell is written plainly)."""
        if first_row == last_row and first_col == last_col:
            self.text(first_row, first_col, value, style)
            return
        value = self.fit(first_row, first_col, value) if value else value
        fmt = self.fmt(style, value)
        self.ws.merge_range(first_row, first_col, last_row, last_col, "", fmt)
        if value:
            self.ws.write_string(first_row, first_col, value, fmt)

    # -- widths
    def set_widths(self) -> list[float]:
        """Set and return the column widths (``exporters.fitting.fit_widths``; see ``Column``)."""
        fits: list[fitting.Fit] = []
        for column in self.columns:
            header = max(text_units(part) for part in column.header.split("\n")) + CELL_PADDING if column.header else 0.0
            low = max(column.low, header)
            if column.sizing == "fit":
                want = min(max(column.want() + CELL_PADDING, low), max(column.high, low))
                fits.append(fitting.Fit(want, want if not column.wraps else low))
            else:
                fits.append(fitting.Fit(max(column.pref, low), low, flex=True, share=column.share))
        widths = fitting.fit_widths(fits, self.page_units or (PORTRAIT_UNITS if self.portrait else PAGE_UNITS))
        self.widths = [math.ceil(w * 10 - 1e-6) / 10 for w in widths]  # never narrower than fitted
        for i, width in enumerate(self.widths):
            self.ws.set_column(i, i, width)
        return self.widths

    def fitted(self, col: int, text: str | None) -> str | None:
        """A short text with its line breaks written in for column ``col`` (``fitting.wrap``):
        broken where it reads well, never leaving a character or two alone. Long-text columns
        are left to the application."""
        column = self.columns[col]
        if not text or (column.sizing != "fit" and not column.short) or _sentence(text):
            return text
        key = (col, text)
        hit = self._fitted.get(key)  # 完成时限 phrasings repeat from task to task
        if hit is None:
            hit = fitting.wrapped(text, self.widths[col])
            if len(self._fitted) < 100_000:
                self._fitted[key] = hit
        return hit

    def lines(self, col: int, text: str | None) -> int:
        """Lines ``text`` takes in column ``col`` (short texts cached: units and persons repeat)."""
        if not text:
            return 1
        column = self.columns[col]
        if column.sizing != "fit" and not column.short:
            # long text (each task's own): ``line_count``, which starts by testing whether it fits
            return line_count(text, self.widths[col])
        if text.isascii() and text.isdigit():
            # a number's lines depend on its length alone (digits are equally wide and never break
            # apart): counted once per length, not once per task number (issue 17)
            text = "0" * len(text)
        key = (col, text)
        hit = self._lines.get(key)
        if hit is None:
            if "\n" not in text:
                if fitting.line_width(text) <= self.widths[col] - CELL_PADDING:
                    # one line that fits: one line, whichever way it is counted (``fitting.wrap`` and
                    # ``line_count`` both start by testing this); not cached, its test is as quick
                    return 1
                hit = len(fitting.wrap(text, self.widths[col])) if not _sentence(text) else \
                    line_count(text, self.widths[col])
            else:
                parts = text.split("\n")
                if _sentence(text, parts):
                    hit = line_count(text, self.widths[col])
                else:
                    # fitting.wrap wraps each line on its own: a list of units (one a line) takes the
                    # lines of its units, each counted once (issue 17: on a real table the lists differ
                    # from task to task, the units in them do not); the column's counts are looked up
                    # all at once, and only a line not met before is wrapped
                    counted = self._line_counts.get(col)
                    if counted is None:
                        counted = self._line_counts[col] = {}
                    try:
                        hit = sum(map(counted.__getitem__, parts))
                    except KeyError:
                        hit = sum([self._wrapped_lines(col, line) for line in parts])
            if len(text) < 40 and len(self._lines) < 100_000:
                self._lines[key] = hit
        return hit

    def _wrapped_lines(self, col: int, line: str) -> int:
        """``len(fitting.wrap(line, width))`` for one line of a cell, cached per column."""
        counted = self._line_counts[col]
        hit = counted.get(line)
        if hit is None:
            hit = len(fitting.wrap(line, self.widths[col]))
            if len(counted) < 100_000:
                counted[line] = hit
        return hit

    def height(self, lines: int) -> float:
        return lines * LINE_POINTS + self.row_padding

    def count_pages(self, heights: list[float], first_row: int, header_first: int, header_last: int) -> int:
        """Pages rows of ``heights`` (points, laid out from ``first_row``) take, filled in order by
        ``paginate``'s rule; nothing is set."""
        page = self.page_points()
        repeat = sum(self.row_points.get(r, DEFAULT_ROW_POINTS) for r in range(header_first, header_last + 1))
        y = sum(self.row_points.get(r, DEFAULT_ROW_POINTS) for r in range(first_row))
        pages = 1
        for h in heights:
            h = int(h * 4.0 / 3.0 + 0.5) * 0.75
            if y + h > page and y > repeat:
                pages, y = pages + 1, repeat
            y += h
        return pages

    def tighten_if_fewer_pages(self, lines: list[int], first_row: int, header_first: int, header_last: int,
                               extra: float = 0.0) -> bool:
        """Rows of ``lines`` with ``TIGHT_PADDING`` instead of ``ROW_PADDING`` when that puts the table
        on fewer pages (a row or two left alone on a last page, as an office would fix by hand). For
        tables of one-line rows (roster, assessment): a tightened row of many lines would leave its
        text touching the borders in the wider fallback fonts;
        ``extra``: points of other rows among them (headings). Returns whether the rows were tightened."""
        def pages() -> int:
            return self.count_pages([self.height(n) for n in lines] + ([extra] if extra else []), first_row,
                                    header_first, header_last)

        loose = pages()
        self.row_padding = TIGHT_PADDING
        if pages() < loose:
            return True
        self.row_padding = ROW_PADDING
        return False

    def grow(self, lines: list[int], merged: list[tuple[int, str | None]]) -> list[int]:
        """``lines`` (per row) grown evenly until each ``merged`` text (col, text), which spans all
        these rows, has the lines it needs."""
        lines = list(lines)
        for col, text in merged:
            short = self.lines(col, text) - sum(lines)
            i = 0
            while short > 0:
                lines[i % len(lines)] += 1
                short -= 1
                i += 1
        return lines

    def set_row(self, row: int, points: float) -> None:
        """Set a row's height, remembering it as the file will hold it (whole pixels)."""
        self.ws.set_row(row, points)
        self.row_points[row] = int(points * 4.0 / 3.0 + 0.5) * 0.75

    def span_width(self, first_col: int = 0, last_col: int | None = None) -> float:
        last = len(self.widths) - 1 if last_col is None else last_col
        return sum(self.widths[first_col:last + 1])

    def span_height(self, text: str, first_col: int = 0, last_col: int | None = None) -> float:
        """The height of a row whose text runs across merged columns (all of them by default)."""
        return self.height(line_count(text, self.span_width(first_col, last_col)))

    # -- printing
    def scale(self) -> float:
        """The print scale fitting the table to the page width (1.0 when it fits as it is), as
        Excel computes it: whole per cent, column widths in pixels of the default 11 pt font."""
        pixels = sum(int(w * 7 + 5) for w in self.widths)
        fit = (PORTRAIT_WIDTH_POINTS if self.portrait else PRINT_WIDTH_POINTS) / (pixels * 0.75)
        return 1.0 if fit >= 1 else math.floor(fit * 100) / 100

    def paginate(self, blocks: list[list[float]], first_row: int, header_first: int, header_last: int, *,
                 glued: int = 0) -> list[list[tuple[int, int]]]:
        """Pages for the table's blocks of rows (a category, a unit; each a list of row heights in
        points, laid out one after another from ``first_row``), filled row by row: a row is never
        split across pages, and a block runs on to the next page wherever the page is full (its
        merged cells are then merged again on the next page, the text repeated). The first
        ``glued`` rows of a block (a heading row) never stand alone at the foot of a page. Sets a
        manual break at every page end, computed from the row heights with a 1 % margin so that the
        application never needs a break of its own before one of these, and returns each block's
        segments (first, last row index in the block), one per page it is on. A table needing more
        page breaks than Excel allows (1023) gets none: the application breaks it, and every block
        is one segment."""
        points = self.row_points
        page = self.page_points()
        repeat = sum(points.get(r, DEFAULT_ROW_POINTS) for r in range(header_first, header_last + 1))
        y = sum(points.get(r, DEFAULT_ROW_POINTS) for r in range(first_row))
        breaks: list[int] = []
        out: list[list[tuple[int, int]]] = []
        row = first_row
        for heights in blocks:
            n = len(heights)
            heights = [int(h * 4.0 / 3.0 + 0.5) * 0.75 for h in heights]  # as the file holds them
            segments: list[tuple[int, int]] = []
            start = 0
            k = 0
            while k < n:
                keep = min(glued + 1, n) if k == 0 and glued else 1  # rows that go together
                need = sum(heights[k:k + keep])
                if y + need > page and y > repeat:
                    if k > start:
                        segments.append((start, k - 1))
                    breaks.append(row + k)
                    y = repeat
                    start = k
                y += need
                k += keep
            segments.append((start, n - 1))
            out.append(segments)
            row += n
        if len(breaks) > MAX_PAGE_BREAKS:
            return [[(0, len(heights) - 1)] for heights in blocks]
        if breaks:
            self.ws.set_h_pagebreaks(sorted(set(breaks)))
        self.breaks = sorted(set(breaks))
        return out

    def page_points(self) -> float:
        """The height a page holds, in points of the sheet's own (unscaled) rows, less 1 % (about
        5 points; the rows are whole pixels, which Excel prints as they are, and LibreOffice scales
        the sheet a little smaller still)."""
        height = PORTRAIT_HEIGHT_POINTS if self.portrait else PRINT_HEIGHT_POINTS
        return height / self.scale() * 0.99

    def print_setup(self, header_first: int, header_last: int, title: str) -> None:
        ws = self.ws
        if self.portrait:
            ws.set_portrait()
        else:
            ws.set_landscape()
        ws.set_paper(9)  # A4
        ws.fit_to_pages(1, 0)  # one page wide, as many tall as needed
        ws.repeat_rows(header_first, header_last)
        ws.set_margins(**MARGINS)
        ws.set_footer(FOOTER, {"margin": 0.3})
        ws.center_horizontally()
        ws.freeze_panes(header_last + 1, 0)
        self.wb.set_properties({"title": title, "author": "taizhang", "comments": "由 taizhang 工作台账导出"})
