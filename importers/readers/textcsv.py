"""Text files and CSV files as Excel, WPS and Notepad save them: UTF-8 with or without BOM, UTF-16
with BOM, or GBK/GB18030 (Chinese Windows). ``decode_text`` is the one decoding of the importers
(CSV tables here, pasted rosters and duties in ``read_text``). A CSV is comma, semicolon, tab or
pipe separated, with quoted cells spanning lines; it keeps no merged cells and no hidden columns."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from importers.readers import sniff, textsize
from importers.readers.grid import Grid, Source, build_grid
from importers.readers.sniff import refuse
from importers.records import ImportWarning, Origin, display_name

_DELIMITERS = ",\t;|"
_NOT_TEXT = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"Rar!", b"7z\xbc\xaf")


def decode_text(data: bytes, path: Path | str) -> str:
    """The text of a file in UTF-16 (BOM), UTF-8 (BOM or clean) or else GB18030 (which covers GBK).
    A few bytes that decode in none of them (a file cut mid-character, a stray byte) become U+FFFD
    and the rest is read; a file that mostly does not decode, or is binary, is refused."""
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")) or utf32_without_bom(data):
        raise refuse(path, "文件是 UTF-32 编码的文本，不能直接读取。请在记事本或 WPS 中另存为 UTF-8 后再导入。")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise refuse(path, "文件以 UTF-16 标记开头，但内容无法按 UTF-16 读取。") from None
    unmarked = utf16_without_bom(data)
    if unmarked:
        try:
            return data.decode(unmarked)
        except UnicodeDecodeError:
            raise refuse(path, "文件像是 UTF-16 编码的文本（没有编码标记），但内容无法按 UTF-16 读取。"
                               "请在记事本或 WPS 中另存为 UTF-8 后再导入。") from None
    if data.startswith(_NOT_TEXT) or b"\x00" in data[:4096]:
        raise refuse(path, "不是文本文件（可能是 Excel、Word、PDF 或图片文件，请按其格式导入或另存为文本）。")
    if data.startswith(b"\xef\xbb\xbf"):
        encodings: tuple[str, ...] = ("utf-8",)
        data = data[3:]
    else:
        encodings = ("utf-8", "gb18030")
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    text = data.decode(encodings[-1], errors="replace")
    if text.count("\ufffd") * 20 > len(text):
        raise refuse(path, "无法识别文字编码（应为 UTF-8 或 GBK），请在记事本或 WPS 中另存为 UTF-8 后再导入。")
    return text


UNDECODED = "\ufffd"  # what decode_text puts for bytes no encoding reads (U+FFFD, shown as �)
_UNDECODED_NOTE = "有无法识别的字符（原文件中这些字节不是 UTF-8 或 GBK 编码的文字），已显示为“�”，请核对原文件"
_LISTED = 10


def undecoded_at(places: list[Origin], whole: Origin) -> list[ImportWarning]:
    """A warning for each of ``places`` (rows, lines, paragraphs holding U+FFFD: bytes of the file
    that decode_text could not read), the first ``_LISTED`` of them, then how many more (said of
    ``whole``, the file or sheet)."""
    out = [ImportWarning(_UNDECODED_NOTE, origin) for origin in places[:_LISTED]]
    if len(places) > _LISTED:
        out.append(ImportWarning(f"另有 {len(places) - _LISTED} 行{_UNDECODED_NOTE}", whole))
    return out


def undecoded_cells(grid: Grid) -> list[ImportWarning]:
    """``undecoded_at`` the rows of a grid read from text, each at its first cell holding U+FFFD.
    The row may be imported with them, or not at all (a line of such bytes alone in the 序号 column
    is no task), so it is said here, of the file, whatever the reader makes of the row."""
    places: list[Origin] = []
    for r, row in enumerate(grid.rows):
        c = next((c for c, v in enumerate(row) if isinstance(v, str) and UNDECODED in v), None)
        if c is not None:
            places.append(grid.origin(r, c))
    return undecoded_at(places, Origin(grid.file, grid.sheet))


def undecoded_lines(text: str, path: Path | str) -> list[ImportWarning]:
    """``undecoded_at`` the lines of a text file read line by line (a roster or duties pasted as text)."""
    if UNDECODED not in text:  # the usual file: not split into lines for nothing
        return []
    name = display_name(Path(path))
    return undecoded_at([Origin(name, None, n) for n, line in enumerate(text.splitlines(), 1) if UNDECODED in line],
                        Origin(name))


def utf32_without_bom(data: bytes) -> bool:
    """Whether ``data`` looks like UTF-32 text without a byte-order mark: in every four bytes of its
    start, the two high bytes (little-endian) or the two low (big-endian) are zero."""
    head = data[:4096]
    head = head[:len(head) - len(head) % 4]
    if len(head) < 16:
        return False
    n = len(head) // 4
    little = head[2::4].count(0) == head[3::4].count(0) == n and head[0::4].count(0) < n
    big = head[0::4].count(0) == head[1::4].count(0) == n and head[3::4].count(0) < n
    return little or big  # (all zeros is no text at all)


def utf16_without_bom(data: bytes) -> str | None:
    """"utf-16-le" or "utf-16-be" for text saved as UTF-16 without a byte-order mark, told by its
    zero bytes: the high byte of every ASCII character (commas, line ends, digits) is zero, so in
    UTF-16LE most zeros fall at odd offsets (a CJK character such as 一, U+4E00, adds one at an even
    offset) and in UTF-16BE at even ones, and a line end shows which; else None. (Text
    without a single ASCII character gives no sign; it would be one line without line ends.)"""
    head = data[:65536]
    if len(head) < 4 or len(head) % 2 and len(data) <= 65536:
        return None
    odd = head[1::2].count(0)
    even = head[0::2].count(0)
    if odd + even < 2:
        return None
    total = odd + even
    low, high = head[0::2], head[1::2]
    pairs = list(zip(low, high))
    le_ends = pairs.count((10, 0)) + pairs.count((13, 0))  # line ends where a UTF-16LE character starts
    be_ends = pairs.count((0, 10)) + pairs.count((0, 13))
    if odd >= 0.75 * total and le_ends > be_ends:
        return "utf-16-le"
    if even >= 0.75 * total and be_ends > le_ends:
        return "utf-16-be"
    return None


def read_text(path: Path) -> str:
    """The whole text of a text file (a notice pasted into .txt, .md …), checked like any file; of a
    PDF, its text (``importers.readers.pdftext``)."""
    if Path(path).suffix.lower() == ".pdf":
        from importers.readers.pdftext import pdf_text

        return pdf_text(Path(path))
    sniff.check_file(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise refuse(path, f"无法打开文件（{exc.strerror or exc}）。") from None
    return decode_text(data, path)


def _delimiter(text: str) -> str:
    sample = text[:4096]  # csv.Sniffer takes seconds on some odd 16 KB blocks; 4 KB is a dozen rows
    try:
        return csv.Sniffer().sniff(sample, delimiters=_DELIMITERS).delimiter
    except csv.Error:
        lines = [line for line in sample.splitlines()[:20] if line.strip()]
        counts = {d: sum(line.count(d) for line in lines) for d in _DELIMITERS}
        best = max(counts, key=lambda d: counts[d])
        return best if counts[best] else ","


class CsvSource(Source):
    """A CSV file as a one-sheet source named after the file."""

    def __init__(self, path: Path):
        self.path = path
        self.file = display_name(path)
        self.hidden_sheets: set[str] = set()
        self.sheet_names = [Path(self.file).stem]
        self._grid: Grid | None = None

    def origin_sheet(self, name: str) -> str | None:
        return None

    def grid(self, name: str) -> Grid:
        if self._grid is None:
            text = decode_text(self._bytes(), self.path)
            if "\x00" in text:
                raise refuse(self.path, "不是文本（CSV）文件，内容含二进制数据。")
            size = len(text.encode("utf-8", "surrogatepass"))
            if size > textsize.MAX_TEXT_BYTES:
                raise refuse(self.path, _TOO_MUCH_TEXT.format(mb=size / 2**20, limit=textsize.MAX_TEXT_BYTES // 2**20), limit=True)
            rows: list[list[object]] = []
            width = 0
            try:
                for row in csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text)):
                    while row and row[-1] == "":  # trailing empty cells (,,,, to the right) do not count
                        row.pop()
                    if len(row) > sniff.MAX_COLUMNS:
                        while row and not row[-1].strip():
                            row.pop()
                        if len(row) > sniff.MAX_COLUMNS:
                            raise refuse(self.path, f"这一行有 {len(row):,} 列，超过上限 {sniff.MAX_COLUMNS:,} 列，"
                                                    "不像要导入的表格，已拒绝读取。", row=len(rows) + 1, limit=True)
                    rows.append(row)
                    width = max(width, len(row))
                    if len(rows) > sniff.MAX_ROWS:
                        raise refuse(self.path, f"文件超过 {sniff.MAX_ROWS:,} 行，已拒绝读取。", limit=True)
                    if len(rows) * width > sniff.MAX_CELLS:
                        raise refuse(self.path, f"表格区域将达到 {len(rows):,} 行 × {width:,} 列，超过上限 "
                                                f"{sniff.MAX_CELLS:,} 个单元格，请删除多余内容后再导入。", row=len(rows), limit=True)
            except csv.Error as exc:
                raise refuse(self.path, f"无法按 CSV 读取（{exc}）。", row=len(rows) + 1) from None
            self._grid = build_grid(self.file, self.sheet_names[0], rows)
            if UNDECODED in text:
                self._grid.warnings.extend(undecoded_cells(self._grid))
        return self._grid

    def _bytes(self) -> bytes:
        """The file's bytes; refused unread when it is so large that its text must pass the limit (a
        UTF-16 file holds at least half its size in UTF-8 text, any other encoding at least its size)."""
        try:
            size = self.path.stat().st_size
        except OSError:
            size = 0
        if size > 2 * textsize.MAX_TEXT_BYTES:
            raise refuse(self.path, _TOO_MUCH_TEXT.format(mb=size / 2**20, limit=textsize.MAX_TEXT_BYTES // 2**20), limit=True)
        return self.path.read_bytes()


_TOO_MUCH_TEXT = ("文件有 {mb:,.0f} MB 文字，超过上限 {limit} MB（约 550 万个汉字，一万项任务的表格约 4 MB），"
                  "不像要导入的表格，已拒绝读取。")
