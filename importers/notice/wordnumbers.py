"""A Word document's top-level paragraphs with the numbers Word draws itself (automatic numbering:
"1." "（一）" "①" that are not in the text) put back in front of their text, so a notice typed with
Word's numbered lists reads like one typed by hand.

Numbering comes from the paragraph's own w:numPr or its style's; each list (w:numId) counts per
level, a level restarting when a level above it moves on, from the level's w:start. w:lvlText
("%1." "（%1）" "%1、") says how the number is drawn; formats: decimal, Chinese counting, circled
numbers and full-width digits (others are drawn as decimal). Bullets and "none" add nothing.
"""

from __future__ import annotations

import re
from pathlib import Path

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_CN_DIGITS = "零一二三四五六七八九"


def _val(element) -> str | None:
    return None if element is None else element.get(f"{_W}val")


def chinese(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 105 → 一百零五 (notices stay well below that)."""
    if n <= 0:
        return str(n)
    if n < 10:
        return _CN_DIGITS[n]
    if n < 20:
        return "十" + (_CN_DIGITS[n - 10] if n > 10 else "")
    if n < 100:
        return _CN_DIGITS[n // 10] + "十" + (_CN_DIGITS[n % 10] if n % 10 else "")
    return str(n)


def _draw(fmt: str | None, n: int) -> str:
    if fmt in ("chineseCounting", "chineseCountingThousand", "chineseLegalSimplified", "ideographDigital",
               "japaneseCounting", "taiwaneseCounting", "taiwaneseCountingThousand"):
        return chinese(n)
    if fmt in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese") and 1 <= n <= 20:
        return chr(0x2460 + n - 1)
    if fmt == "decimalFullWidth":
        return "".join(chr(ord(c) + 0xFEE0) for c in str(n))
    if fmt in ("decimalEnclosedParen", "decimalEnclosedFullstop"):
        return str(n)
    return str(n)


class _Lists:
    """The levels of every list of a document: numId → (level → (format, text, start))."""

    def __init__(self, document):
        self.levels: dict[str, dict[int, tuple[str | None, str, int]]] = {}
        try:
            numbering = document.part.numbering_part.element
        except (KeyError, NotImplementedError, AttributeError):
            return
        abstract: dict[str, dict[int, tuple[str | None, str, int]]] = {}
        for a in numbering.iterchildren(f"{_W}abstractNum"):
            abstract[a.get(f"{_W}abstractNumId")] = self._read_levels(a)
        for num in numbering.iterchildren(f"{_W}num"):
            levels = dict(abstract.get(_val(num.find(f"{_W}abstractNumId")), {}))
            for override in num.iterchildren(f"{_W}lvlOverride"):
                ilvl = int(override.get(f"{_W}ilvl") or 0)
                start = _val(override.find(f"{_W}startOverride"))
                lvl = override.find(f"{_W}lvl")
                if lvl is not None:
                    levels.update(self._read_levels(override))
                if start is not None and ilvl in levels:
                    fmt, text, _ = levels[ilvl]
                    levels[ilvl] = (fmt, text, int(start))
            self.levels[num.get(f"{_W}numId")] = levels

    @staticmethod
    def _read_levels(parent) -> dict[int, tuple[str | None, str, int]]:
        out = {}
        for lvl in parent.iterchildren(f"{_W}lvl"):
            start = _val(lvl.find(f"{_W}start"))
            out[int(lvl.get(f"{_W}ilvl") or 0)] = (_val(lvl.find(f"{_W}numFmt")), _val(lvl.find(f"{_W}lvlText")) or "",
                                                   int(start) if start and start.lstrip("-").isdigit() else 1)
        return out


def _style_numbering(document) -> dict[str, tuple[str, int]]:
    """Style id → (numId, level) for the styles that number their paragraphs (List Number …)."""
    out: dict[str, tuple[str, int]] = {}
    try:
        styles = document.styles.element
    except (KeyError, AttributeError):
        return out
    for style in styles.iterchildren(f"{_W}style"):
        num = style.find(f"{_W}pPr/{_W}numPr")
        if num is not None and _val(num.find(f"{_W}numId")):
            out[style.get(f"{_W}styleId")] = (_val(num.find(f"{_W}numId")), int(_val(num.find(f"{_W}ilvl")) or 0))
    return out


def numbered_paragraphs(path: Path) -> list[str]:
    """The text of each top-level paragraph, with its automatic number in front."""
    import docx
    from docx.text.paragraph import Paragraph

    document = docx.Document(str(path))
    lists = _Lists(document)
    by_style = _style_numbering(document)
    counters: dict[str, list[int | None]] = {}
    out: list[str] = []
    for el in document.element.body.iterchildren(f"{_W}p"):
        text = Paragraph(el, None).text
        num_id, ilvl = None, 0
        num = el.find(f"{_W}pPr/{_W}numPr")
        if num is not None:
            num_id, ilvl = _val(num.find(f"{_W}numId")), int(_val(num.find(f"{_W}ilvl")) or 0)
        else:
            style = _val(el.find(f"{_W}pPr/{_W}pStyle"))
            if style in by_style:
                num_id, ilvl = by_style[style]
        levels = lists.levels.get(num_id or "")
        if levels and ilvl in levels and text.strip():
            fmt, drawn, start = levels[ilvl]
            count = counters.setdefault(num_id, [None] * 10)
            count[ilvl] = start if count[ilvl] is None else count[ilvl] + 1
            for deeper in range(ilvl + 1, 10):
                count[deeper] = None
            if fmt not in ("bullet", "none") and drawn:
                def level_number(m: re.Match[str]) -> str:
                    k = int(m.group(1)) - 1
                    k_fmt, _, k_start = levels.get(k, (fmt, "", 1))
                    return _draw(k_fmt, count[k] if k < len(count) and count[k] is not None else k_start)

                text = re.sub(r"%([1-9])", level_number, drawn) + text.lstrip()
        out.append(text)
    return out
