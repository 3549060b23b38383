"""What a file really is, and the limits that guard the office PC, checked before any parser runs.

The suffix says what the user thinks the file is; the first bytes say what it is. A file that is
not a spreadsheet, a truncated archive, a password-protected workbook, an archive that would
unpack to gigabytes, or XML that declares entities (the "billion laughs" bomb) is refused here
with a Chinese message naming the file. The limits on a sheet's extent are applied by
``importers.readers.extent`` before python-calamine opens a workbook.

Every refusal of the readers (and of the roster and duties importers) is made by ``refuse``, so
each reads 「file」工作表「S」第 N 行 X 列：message (``Origin.describe``).
"""

from __future__ import annotations

import errno
import os
import re
import stat
import zipfile
from pathlib import Path

from importers.records import ImportRefused, Origin, display_name

MAX_FILE_BYTES = 100 * 1024 * 1024  # any file read (table, roster, duties); a division table is a few hundred KB
MAX_UNPACKED_BYTES = 1024 * 1024 * 1024  # all parts of an archive together, unpacked
MAX_PART_RATIO = 200  # unpacked/packed for a part over 20 MB: a zip bomb, not a spreadsheet
MAX_PROLOG_BYTES = 1024 * 1024  # XML before its first element
# The limits below keep whatever they let through within about twice the time and memory of an
# ordinary 10,000-task table (measured by ``python -m benchmarks.limits``, see the README): a file
# past one is refused before anything is built.
MAX_ROWS = 20_000  # rows of a sheet (or CSV, or Word table): twice the largest division table measured
MAX_COLUMNS = 1_000  # columns of a sheet, first to last cell with a value
# rows × columns of a sheet's cells with values, and of all sheets together. Reading a sheet as a grid
# costs ~160 MB a million cells (calamine's cells and Python's): 300,000 is 15,000 rows × 20 columns
# (10,000 tasks are ~110,000 cells); one stray value at BH150000 would have made 9,000,000 (400 MB)
# and is refused, naming that cell.
MAX_CELLS = 300_000
# A Word table is read cell by cell in Python (python-docx's tree, ~10 µs a cell): 300,000 cells took
# 2.7 times an ordinary 10,000-task table and 260 MB, 150,000 (twice a 10,000-task table of eight
# columns) 1.5 times and 150 MB (``python -m benchmarks.limits``). The lower of the two applies.
MAX_WORD_CELLS = 150_000
# Merged ranges of one sheet: a 10,000-task table merges its categories in some 2,000; the XML of one
# is 30 bytes and compresses to nothing, so a small file could declare millions.
MAX_MERGES = 20_000
# The body of a Word document (word/document.xml), which python-docx parses whole: its tree costs some
# fifteen times the XML, so 16 MB (7,000 rows of a table as Word writes it, 20,000 of a plain one)
# stays within 300 MB.
MAX_DOCUMENT_XML = 16 * 1024 * 1024
FATAL = (KeyboardInterrupt, SystemExit, GeneratorExit)  # never turned into a refusal

SUFFIXES = {".xlsx": "xlsx", ".xlsm": "xlsx", ".xls": "xls", ".et": "xls", ".ods": "ods", ".docx": "docx",
            ".csv": "csv", ".txt": "csv"}
SUPPORTED = "Excel（.xlsx/.xlsm/.xls）、WPS/LibreOffice（.ods）、Word（.docx）或 CSV（.csv）"

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_MAGIC = [
    (b"\x89PNG", "PNG 图片"),
    (b"\xff\xd8\xff", "JPEG 图片"),
    (b"GIF8", "GIF 图片"),
    (b"BM", "BMP 图片"),
    (b"%PDF", "PDF 文档"),
    (b"Rar!", "RAR 压缩包"),
    (b"7z\xbc\xaf\x27\x1c", "7z 压缩包"),
    (b"\x1f\x8b", "gzip 压缩包"),
    (b"{\\rtf", "RTF 文档"),
    (b"SQLite format 3", "SQLite 数据库"),
    (b"MZ", "Windows 程序"),
]
_UTF16_NAME = {name: name.encode("utf-16-le") for name in ("EncryptedPackage", "WordDocument", "Workbook", "Book")}
_ELEMENT_START = re.compile(rb"<[A-Za-z_]")
_DECLARATION = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)


def refuse(path: Path | str, message: str, *, sheet: str | None = None, row: int | None = None,
           col: int | None = None, limit: bool = False) -> ImportRefused:
    """The refusal of ``path`` (a path or a file name): 「file」工作表「S」第 N 行 X 列：message.
    ``limit``: the file is past a limit of the readers (``ImportRefused.beyond_limit``)."""
    refusal = ImportRefused(message, Origin(display_name(path) if path else "", sheet, row, col))
    refusal.beyond_limit = limit
    return refusal


def not_a_file(path: Path) -> str | None:
    """What ``path`` is when it is not a regular file one can read (a sentence), or None: missing, a
    folder, a device such as /dev/zero, a FIFO, a socket, a symbolic link to nothing or in a loop,
    or a file this user may not read."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        if os.path.lexists(path):
            return "是一个快捷方式（符号链接），但它指向的文件不存在。"
        return "找不到文件（文件不存在），请检查文件路径。"
    except PermissionError:
        return "没有权限访问这个文件（或它所在的文件夹）。"
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "是一个循环的快捷方式（符号链接最终指向它自己），找不到真正的文件。"
        if exc.errno == errno.ENAMETOOLONG:
            return "路径或文件名太长，无法打开。"
        return f"无法打开（{exc.strerror or exc}）。"
    mode = st.st_mode
    if stat.S_ISDIR(mode):
        return "是一个文件夹，不是文件。"
    if stat.S_ISFIFO(mode):
        return "是一个管道（FIFO），不是普通文件。"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "是一个设备（如 /dev/zero），不是普通文件。"
    if stat.S_ISSOCK(mode):
        return "是一个套接字，不是普通文件。"
    if not stat.S_ISREG(mode):
        return "不是普通文件。"
    if not os.access(path, os.R_OK):
        return "没有读取这个文件的权限。"
    return None


def check_file(path: Path) -> int:
    """The size of ``path``; ImportRefused when it is missing, not a file, empty or too large."""
    problem = not_a_file(path)
    if problem:
        raise refuse(path, problem)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise refuse(path, f"无法打开文件（{exc.strerror or exc}）。") from None
    if size == 0:
        raise refuse(path, "是空文件（0 字节），没有可导入的内容。")
    if size > MAX_FILE_BYTES:
        raise refuse(path, f"文件太大（{size / 1024 / 1024:.0f} MB，上限 {MAX_FILE_BYTES // 1024 // 1024} MB），"
                           "不像要导入的表格或名单，已拒绝读取。")
    return size


def sniff(path: Path) -> str:
    """The reader a file needs: "xlsx", "xls", "ods", "docx" or "csv"; ImportRefused otherwise."""
    suffix = path.suffix.lower()
    if path.is_file() and suffix not in SUFFIXES:
        raise refuse(path, f"文件类型「{suffix or '无扩展名'}」不能导入；可导入 {SUPPORTED}。")
    check_file(path)
    try:
        with path.open("rb") as f:
            head = f.read(4096)
    except PermissionError:
        raise refuse(path, "没有读取这个文件的权限。") from None
    except OSError as exc:
        raise refuse(path, f"无法打开文件（{exc.strerror or exc}）。") from None
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return _zip_kind(path)
    if head.startswith(_OLE2):
        return _ole_kind(path)
    expected = "有效的 Word 文档" if SUFFIXES[suffix] == "docx" else "电子表格文件"
    for magic, what in _MAGIC:
        if head.startswith(magic):
            raise refuse(path, f"不是{expected}（内容是{what}）。请选择 {SUPPORTED}。")
    if SUFFIXES[suffix] == "csv":
        from importers.readers.textcsv import utf16_without_bom, utf32_without_bom

        if utf32_without_bom(head) or head.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
            raise refuse(path, "文件是 UTF-32 编码的文本，不能直接读取。请在记事本或 WPS 中另存为 UTF-8 后再导入。")

        if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")) and not utf16_without_bom(head):
            raise refuse(path, "不是文本（CSV）文件，内容是二进制数据。")
        return "csv"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<!doctype html", b"<html", b"<table", b"<meta")) or b"<html" in text[:1024]:
        raise refuse(path, "文件其实是网页（HTML）格式，不是真正的 Excel 文件。请在 Excel 或 WPS 中打开后“另存为” .xlsx 再导入。")
    if text.startswith(b"<?xml"):
        raise refuse(path, "文件是 XML 文本（可能是“XML 电子表格 2003”），不能直接导入。请在 Excel 或 WPS 中另存为 .xlsx 再导入。")
    if b"\x00" not in head:
        hint = "如果是 CSV，请把扩展名改为 .csv；否则" if expected == "电子表格文件" else ""
        raise refuse(path, f"不是{expected}（内容是纯文本）。{hint}请选择 {SUPPORTED}。")
    raise refuse(path, f"不是{expected}，无法识别其内容。请选择 {SUPPORTED}。")


def _zip_kind(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
            names = {i.filename for i in infos}
            kind = _zip_content(z, names)
            if kind is None:
                raise refuse(path, f"文件是压缩包，但不是 Excel、WPS 或 Word 文件。请选择 {SUPPORTED}。")
            if kind == "xlsb":
                raise refuse(path, "文件是 Excel 二进制工作簿（.xlsb），不能直接导入。请在 Excel 或 WPS 中另存为 .xlsx 再导入。")
            _check_unpacked_size(path, infos)
            if kind == "docx":
                _check_document_size(path, infos)
            _check_xml_declarations(path, z, infos)
            return kind
    except ImportRefused:
        raise
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, RuntimeError, NotImplementedError):
        raise refuse(path, "文件已损坏或不完整（压缩包结构无法读取，可能下载或复制时被截断）。请重新获取原文件。") from None


def _zip_content(z: zipfile.ZipFile, names: set[str]) -> str | None:
    if "mimetype" in names:
        mimetype = z.read("mimetype")[:100]
        if b"opendocument.spreadsheet" in mimetype:
            return "ods"
        return None
    if "xl/workbook.xml" in names or any(n.startswith("xl/") and n.endswith("workbook.xml") for n in names):
        return "xlsx"
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.bin" in names:
        return "xlsb"
    return None


def _check_unpacked_size(path: Path, infos: list[zipfile.ZipInfo]) -> None:
    total = 0
    for info in infos:
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > 20 * 1024 * 1024 and ratio > MAX_PART_RATIO:
            raise refuse(path, f"压缩包内的「{info.filename}」解压后异常巨大（{info.file_size // 1024 // 1024} MB，"
                               f"压缩比 {ratio:.0f} 倍），像是“压缩炸弹”，已拒绝读取。")
    if total > MAX_UNPACKED_BYTES:
        raise refuse(path, f"文件解压后共 {total // 1024 // 1024} MB，远超表格应有的大小，已拒绝读取。")


def _check_document_size(path: Path, infos: list[zipfile.ZipInfo]) -> None:
    size = max((i.file_size for i in infos if i.filename == "word/document.xml"), default=0)
    if size > MAX_DOCUMENT_XML:
        raise refuse(path, f"Word 文档的正文解压后有 {size / 2**20:,.0f} MB，超过上限 {MAX_DOCUMENT_XML // 2**20} MB，"
                           "读取会耗尽内存，已拒绝读取。", limit=True)


def _check_xml_declarations(path: Path, z: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> None:
    """Office files never declare a DTD or entities; one that does may be an entity-expansion bomb.
    Only the prolog (what precedes the first element) of each XML part is read."""
    for info in infos:
        if not info.filename.endswith((".xml", ".rels", ".vml")) or info.file_size == 0:
            continue
        prolog = b""
        with z.open(info) as part:
            while len(prolog) < MAX_PROLOG_BYTES:
                chunk = part.read(16384)
                if not chunk:
                    break
                prolog += chunk
                first = _ELEMENT_START.search(prolog)
                if first:
                    prolog = prolog[: first.start()]
                    break
        if _DECLARATION.search(prolog) or len(prolog) >= MAX_PROLOG_BYTES:
            raise refuse(path, f"文件中的「{info.filename}」声明了 XML 实体（DOCTYPE/ENTITY），正常的表格文件不会这样，"
                               "可能是恶意构造的“实体膨胀”文件，已拒绝读取。")


def _ole_kind(path: Path) -> str:
    """OLE2 compound file: an old .xls, or an encrypted (password-protected) .xlsx/.docx."""
    with path.open("rb") as f:
        data = f.read()
    if _UTF16_NAME["EncryptedPackage"] in data:
        raise refuse(path, "文件设置了打开密码（已加密），无法读取。请在 Excel 或 WPS 中打开，取消密码后另存再导入。")
    if _UTF16_NAME["WordDocument"] in data and _UTF16_NAME["Workbook"] not in data:
        raise refuse(path, "文件是旧版 Word（.doc）文件。请在 Word 或 WPS 中另存为 .docx 再导入。")
    return "xls"
