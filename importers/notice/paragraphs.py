"""A notice as paragraphs, whatever it came in: pasted text (.txt/.md), a Word document's paragraphs,
or a text PDF's lines joined back where they wrap. Each paragraph keeps where it starts (line,
paragraph or page and line) for the warnings.

Bounded input: a notice is a few thousand paragraphs at most; a text of more than ``MAX_CHARS``
characters or ``MAX_PARAGRAPHS`` paragraphs is refused before anything is parsed, and a paragraph
longer than ``MAX_PARAGRAPH_CHARS`` is cut (no task runs to 20,000 characters).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from importers.normalize import clean_text, unify_brackets
from importers.readers import refuse
from importers.records import Origin

MAX_CHARS = 3_000_000
MAX_PARAGRAPHS = 60_000
MAX_PARAGRAPH_CHARS = 20_000
_MARKUP = re.compile(r"^(?:#{1,6}\s+|[-*+•·●▪◆■]\s*|>\s*)+")
_BOLD = re.compile(r"\*\*|__")


@dataclass
class Paragraph:
    text: str  # one line: spaces made plain, brackets full-width, markdown marks gone
    origin: Origin
    wrapped: bool = False  # a PDF line that runs on into the next (joined before parsing)


def _clean(raw: str) -> str:
    text = unify_brackets(clean_text(raw.replace("\n", " ")))
    text = _BOLD.sub("", _MARKUP.sub("", text)).strip()
    return text[:MAX_PARAGRAPH_CHARS]


def _check_size(file: str, chars: int, count: int) -> None:
    if chars > MAX_CHARS:
        raise refuse(file, f"文字超过 {MAX_CHARS:,} 字，不像一份通知，已拒绝读取。")
    if count > MAX_PARAGRAPHS:
        raise refuse(file, f"超过 {MAX_PARAGRAPHS:,} 段（行），不像一份通知，已拒绝读取。")


def from_text(text: str, file: str) -> list[Paragraph]:
    """Lines of pasted text; line numbers as an editor shows them."""
    lines = re.split(r"\r\n?|\n|[\u2028\u2029\x85]", text)
    _check_size(file, len(text), len(lines))
    out = []
    for number, raw in enumerate(lines, start=1):
        text_ = _clean(raw)
        if text_:
            out.append(Paragraph(text_, Origin(file, row=number)))
    return out


def from_paragraphs(paragraphs: list[str], file: str) -> list[Paragraph]:
    """A Word document's paragraphs, numbered as 第 N 段 counting the non-empty ones."""
    _check_size(file, sum(len(p) for p in paragraphs), len(paragraphs))
    out = []
    for raw in paragraphs:
        text = _clean(raw)
        if text:
            n = len(out) + 1
            out.append(Paragraph(text, Origin(file, row=n, place=f"第 {n} 段")))
    return out


def from_pdf(path: Path, file: str) -> list[Paragraph]:
    """A text PDF's lines, joined where a line runs on into the next."""
    from importers.readers.pdftext import pdf_lines

    lines = pdf_lines(path)
    _check_size(file, sum(len(line.text) for line in lines), len(lines))
    out: list[Paragraph] = []
    joining = False
    for line in lines:
        text = _clean(line.text)
        if not text:
            continue
        if joining and out and not _starts_item(text, out[-1].text):
            out[-1].text = (out[-1].text + text)[:MAX_PARAGRAPH_CHARS]
        else:
            out.append(Paragraph(text, Origin(file, row=line.line, place=f"第 {line.page} 页第 {line.line} 行")))
        joining = line.wrapped
    return out


_BARE_NUMBER = re.compile(r"^(?:\d{1,3}[）、.．]|（\d{1,3}）|（[一二三四五六七八九十]{1,4}）|[一二三四五六七八九十]{1,3}、|[①-⑳])$")


_STARTS_NUMBERED = re.compile(r"^(?:（?\d{1,3}[）、.．]|（[一二三四五六七八九十]{1,4}）|[一二三四五六七八九十]{1,3}、|[①-⑳]|"
                              r"(?:责任|牵头|配合|协办|参与|主责)(?:单位|部门))")


def join_bare_numbers(paragraphs: list[Paragraph]) -> list[Paragraph]:
    """A number standing alone ("1." on its line, as web pages paste their lists) joined to the text
    that follows it (a bare "2" may be a page number: not joined)."""
    out: list[Paragraph] = []
    for p in paragraphs:
        if out and _BARE_NUMBER.match(out[-1].text) and not _STARTS_NUMBERED.match(p.text):
            out[-1] = Paragraph(out[-1].text + p.text, out[-1].origin, p.wrapped)
        else:
            out.append(p)
    return out


_UNIT_LABEL = re.compile(r"^(?:责任|牵头|配合|协办|参与|主责)(?:单位|部门)\s*[:：]")
_NUMBERED = re.compile(r"^(?:（?\d{1,3}[）、.．]|（[一二三四五六七八九十]{1,4}）|[一二三四五六七八九十]{1,3}、|[①-⑳])")


def _starts_item(text: str, before: str) -> bool:
    """Whether a PDF line after a full line still begins something of its own: a number after a
    units line (a units line that fills the width ends with a unit, not mid-word)."""
    return bool(_UNIT_LABEL.match(before) and (_NUMBERED.match(text) or _UNIT_LABEL.match(text)))
