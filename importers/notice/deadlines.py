"""Deadlines written into a task's text: "2023年底前完成", "到2025年", "2024年6月底前", "2025年之前".

Decisions:
* Only such phrases make a deadline; years alone ("2022年达到290元/月") are yearly figures, and
  "2022年起" is a start. Years inside 《》 (titles of documents) are not looked at.
* Of several phrases the latest is the deadline ("到2022年底…到2023年底" → 到2023年底).
* A phrase followed by later years in the same task ("2022年12月底前开工5个，2023年…2025年实施
  改造3个") is a milestone: the deadline is then the last year named ("2025年", 2025-12-31).
"""

from __future__ import annotations

import re
from datetime import date

from importers.deadline import parse_due

_Y = r"(?:19|20)\d{2}"
_PHRASE = re.compile(
    rf"(?:(?:到|至|截至|截止到?|于)\s*)?{_Y}\s*年(?:\s*\d{{1,2}}\s*月(?:\s*\d{{1,2}}\s*[日号])?)?\s*(?:底|末|年底|年末)?"
    r"\s*(?:前|之前|以前)(?:\s*完成)?"
    rf"|(?:到|至|截至|截止到?)\s*{_Y}\s*年(?:\s*\d{{1,2}}\s*月)?\s*(?:底|末)?"
    rf"|{_Y}\s*年(?:\s*\d{{1,2}}\s*月)?\s*(?:底|末)\s*完成"
)
_YEAR = re.compile(rf"(?<![\d\-—–~至到])({_Y})\s*年(?!\s*(?:起|开始|以来|以后|之后|度起))")
_TITLE = re.compile(r"《[^《》]*》|（[^（）]*\d{4}\s*[-—–~至]\s*\d{4}[^（）]*）")


def deadline_in(text: str) -> tuple[str, date | None] | None:
    """(deadline text as written, its date) of a task's text, or None when it names none."""
    plain = _TITLE.sub(lambda m: " " * len(m.group(0)), text)
    best: tuple[str, date] | None = None
    for m in _PHRASE.finditer(plain):
        due = parse_due(m.group(0))
        if due is not None and (best is None or due >= best[1]):
            best = (text[m.start():m.end()].strip(), due)
    if best is None:
        return None
    later = [int(m.group(1)) for m in _YEAR.finditer(plain) if int(m.group(1)) > best[1].year]
    if later:
        year = max(later)
        return f"{year}年", date(year, 12, 31)
    return best
