"""The text of a text-based PDF (a notice saved or printed to PDF), line by line in reading order.

pdfminer.six gives every character with its position; characters are grouped into lines by their
height on the page and ordered left to right (a PDF draws them in any order: LibreOffice draws the
quotation marks of a Chinese line in a Latin font after the line's Chinese characters, and a reader
that keeps the drawing order gets “ ” in the wrong places). A line that reaches the right margin and
does not end a sentence runs on into the next (``PdfLine.wrapped``): the notice reader joins such
lines back into paragraphs. Page numbers ("— 3 —", "第 3 页 共 9 页") are left out.

A PDF is read in a child process with a time limit (and on Linux and macOS a memory limit), so a
hostile or broken file (a decompression bomb, a loop in its structure) is stopped and refused with a
message instead of freezing or exhausting the office PC. A PDF without text (a scan) is refused
with a message saying so.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from importers.readers import sniff
from importers.readers.sniff import refuse

MAX_PAGES = 500  # a notice is a few pages to a few dozen
MAX_CHARS = 2_000_000  # characters of text in all pages
TIMEOUT_SECONDS = 60.0
MEMORY_BYTES = 2 * 1024 * 1024 * 1024  # address space of the child (POSIX only)

_EXIT_ENCRYPTED, _EXIT_PAGES, _EXIT_CHARS, _EXIT_DAMAGED, _EXIT_MEMORY = 3, 4, 5, 6, 7
_PAGE_NUMBER = re.compile(r"^[-—–－~\s]*\d{1,4}[-—–－~\s]*$|^第\s*\d+\s*页(?:\s*[,，]?\s*共\s*\d+\s*页)?$|^\d+\s*/\s*\d+$")
_SENTENCE_END = "。！？；：.!?;:"


@dataclass
class PdfLine:
    page: int  # 1-based
    line: int  # 1-based within the page
    text: str
    wrapped: bool  # reaches the right margin without ending a sentence: continues on the next line


def pdf_lines(path: Path, *, timeout: float = TIMEOUT_SECONDS) -> list[PdfLine]:
    """The lines of a text PDF; ImportRefused for anything that is not one, or is too large or slow."""
    path = Path(path)
    sniff.check_file(path)
    try:
        with path.open("rb") as f:
            head = f.read(1024)
    except OSError as exc:
        raise refuse(path, f"无法打开文件（{exc.strerror or exc}）。") from None
    if b"%PDF" not in head:
        raise refuse(path, "不是 PDF 文件（文件开头没有 PDF 标记）。")
    root = str(Path(__file__).resolve().parents[2])  # where the importers package is, for the child's import
    env = dict(os.environ, PYTHONIOENCODING="utf-8",
               PYTHONPATH=os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p))
    try:
        done = subprocess.run([sys.executable, "-m", "importers.readers.pdftext", str(path)], capture_output=True,
                              timeout=timeout, env=env, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise refuse(path, f"读取 PDF 超过 {timeout:g} 秒仍未完成，已停止（文件可能过大或结构异常）。"
                           "请改用 Word 文档，或把正文复制到 .txt 后导入。") from None
    except OSError as exc:
        raise refuse(path, f"无法读取 PDF（{exc.strerror or exc}）。") from None
    code = done.returncode
    if code == _EXIT_ENCRYPTED:
        raise refuse(path, "PDF 设置了密码（已加密），无法读取。请取消密码后再导入。")
    if code == _EXIT_PAGES:
        raise refuse(path, f"PDF 超过 {MAX_PAGES} 页，不像一份通知，已拒绝读取。")
    if code == _EXIT_CHARS:
        raise refuse(path, f"PDF 中的文字超过 {MAX_CHARS:,} 字，不像一份通知，已拒绝读取。")
    if code == _EXIT_MEMORY:
        raise refuse(path, "读取 PDF 时内存不足（内容解压后异常巨大），已停止。")
    if code != 0:
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
        raise refuse(path, f"PDF 已损坏或无法解析，无法读取（{detail[0][:120]}）。")
    try:
        rows = json.loads(done.stdout.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise refuse(path, "PDF 无法解析，无法读取。") from None
    lines = [PdfLine(*row) for row in rows]
    text = "".join(line.text for line in lines)
    if not text.strip():
        raise refuse(path, "PDF 中没有可以读取的文字（可能是扫描件或图片）。请使用文字版 PDF 或 Word 文档，"
                           "或把通知正文复制到 .txt 文件后导入。")
    if text.count("(cid:") * 6 > len(text) / 2:
        raise refuse(path, "PDF 中的文字无法识别（字体没有文字编码，可能由扫描或特殊软件生成）。"
                           "请使用 Word 文档，或把通知正文复制到 .txt 文件后导入。")
    return lines


def pdf_text(path: Path, *, timeout: float = TIMEOUT_SECONDS) -> str:
    """The text of a PDF with its wrapped lines joined back into paragraphs (for rosters and duties)."""
    out: list[str] = []
    joining = False
    for line in pdf_lines(path, timeout=timeout):
        if joining and out:
            out[-1] += line.text
        else:
            out.append(line.text)
        joining = line.wrapped
    return "\n".join(out)


# --- the child process ------------------------------------------------------------------------------


def _extract(path: str) -> list[list]:
    from pdfminer.converter import PDFPageAggregator
    from pdfminer.layout import LTChar, LTContainer
    from pdfminer.pdfdocument import PDFDocument, PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdfparser import PDFParser

    def chars_of(item, into: list) -> None:
        for child in item:
            if isinstance(child, LTChar):
                into.append(child)
            elif isinstance(child, LTContainer):
                chars_of(child, into)

    with open(path, "rb") as f:
        try:
            document = PDFDocument(PDFParser(f))
        except (PDFEncryptionError, PDFPasswordIncorrect):
            sys.exit(_EXIT_ENCRYPTED)
        manager = PDFResourceManager()
        device = PDFPageAggregator(manager, laparams=None)
        interpreter = PDFPageInterpreter(manager, device)
        pages: list[list[tuple[str, float, float, float]]] = []  # per page: (text, x0, x1, size)
        widths: list[float] = []
        total = 0
        for number, page in enumerate(PDFPage.create_pages(document), start=1):
            if number > MAX_PAGES:
                sys.exit(_EXIT_PAGES)
            interpreter.process_page(page)
            box = page.mediabox or (0, 0, 0, 0)
            widths.append(abs(float(box[2]) - float(box[0])))
            chars: list = []
            chars_of(device.get_result(), chars)
            lines = _lines(chars)
            total += sum(len(t) for t, *_ in lines)
            if total > MAX_CHARS:
                sys.exit(_EXIT_CHARS)
            pages.append(lines)
    return _rows(pages, sorted(widths)[len(widths) // 2] if widths else 0.0)


def _lines(chars: list) -> list[tuple[str, float, float, float]]:
    """Characters → lines, top to bottom, each left to right: (text, x0, x1, font size)."""
    chars = [c for c in chars if c.get_text() and c.width >= 0]
    chars.sort(key=lambda c: -(c.y0 + c.y1) / 2)
    groups: list[tuple[float, list]] = []
    for c in chars:
        middle = (c.y0 + c.y1) / 2
        if groups and abs(groups[-1][0] - middle) < max(c.size, 1.0) * 0.5:
            groups[-1][1].append(c)
        else:
            groups.append((middle, [c]))
    out = []
    for _, group in groups:
        group.sort(key=lambda c: c.x0)
        text, last = "", None
        for c in group:
            if last is not None and c.x0 - last.x1 > max(c.size, 1.0) * 0.25:
                text += " "
            text += c.get_text()
            last = c
        size = sorted(c.size for c in group)[len(group) // 2]
        out.append((text, group[0].x0, group[-1].x1, size))
    return out


def _rows(pages: list[list[tuple[str, float, float, float]]], page_width: float) -> list[list]:
    """[page, line, text, wrapped] with page numbers left out. Wrapped: the line ends at the right
    margin of the document's text (where the longest lines end: the 95th percentile of line ends,
    in the right part of the page and reached by enough lines — a roster of short lines wraps none)."""
    ends = sorted(x1 for page in pages for _, _, x1, _ in page)
    margin = ends[int(len(ends) * 0.95)] if ends else 0.0
    sizes = sorted(size for page in pages for *_, size in page)
    size = sizes[len(sizes) // 2] if sizes else 0.0
    full = sum(1 for x1 in ends if x1 >= margin - size)
    if margin < page_width * 0.6 or full < max(3, len(ends) // 20):
        margin = float("inf")  # nothing wraps
    rows = []
    for p, page in enumerate(pages, start=1):
        n = 0
        for text, _, x1, size in page:
            stripped = text.strip()
            if not stripped or _PAGE_NUMBER.match(stripped):
                continue
            n += 1
            wrapped = x1 >= margin - size and stripped[-1] not in _SENTENCE_END
            rows.append([p, n, text, wrapped])
    return rows


def _limit_memory() -> None:
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
    except (ImportError, ValueError, OSError):  # Windows, or a limit the system does not allow
        pass


def main(argv: list[str]) -> int:
    _limit_memory()
    try:
        rows = _extract(argv[0])
    except MemoryError:
        return _EXIT_MEMORY
    except RecursionError:
        return _EXIT_DAMAGED
    sys.stdout.buffer.write(json.dumps(rows, ensure_ascii=False).encode("utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
