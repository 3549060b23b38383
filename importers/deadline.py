"""Deadline cells → a due date, and year sub-column headers → a year.

``parse_due`` reads what an office writes in a 完成时限 cell: real Excel dates, serial numbers,
2023年12月底前, 2023.6.30, 2024年底, 2023年第三季度, 2023-3至4月, 2023年8月—2024年8月, 2023-2024年 …
and gives the last day the text allows (the end of a range, the end of a month, quarter or year).
Recurring or open-ended phrasings (长期坚持, 持续推进, 每年, 常态化, "2023年起") have no due date.
It never raises: text it cannot read gives None.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from datetime import date, datetime, timedelta

_MIN_YEAR, _MAX_YEAR = 1990, 2100
_EXCEL_EPOCH = date(1899, 12, 30)
_SERIAL_MIN, _SERIAL_MAX = 25000, 80000  # 1968 … 2119 as Excel serial numbers

# Words that make a deadline recurring or open-ended: without an explicit year they give no date.
_OPEN_ENDED = re.compile(r"长期|持续|每年|每季|每月|每半年|每周|常态|逐年|定期|按年|年度内?每|经常|随时|及时|立即|动态")
_START_MARK = re.compile(r"\s*(?:年)?\s*(?:起|开始|以来|以后|之后)")

_CN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_MONTH = re.compile(r"(十[一二]|[一二三四五六七八九十])(?=月)")
_DASHES = str.maketrans({c: "-" for c in "—–－‐‑‒―~～〜"})

_Y = r"(?P<y>(?:19|20|21)\d{2})(?!\d)"
_M = r"(?P<m>1[0-2]|0?[1-9])(?!\d)"
_D = r"(?P<d>3[01]|[12]\d|0?[1-9])(?!\d)"
_QUARTER = r"(?:第?(?P<q>[一二三四1-4])季度|(?P<half>上半年|下半年))"
_YEAR_END = r"(?P<ye>年?底|年?末|年内|年度|全年|年终)"
_MONTH_PART = r"(?P<part>份|底|末|中旬|上旬|下旬|中|初)?"
_AFTER_BARE_YEAR = r"(?=\s*(?:年|$|[-,，。;；、)）(（\s]))"

# One date expression ("atom"); alternatives are tried in order at each position. Group names are
# prefixed per alternative (Python's re wants them unique) and the prefix is dropped when read.
_ALTERNATIVES = [
    rf"{_Y}\s*年\s*{_M}\s*月\s*{_D}\s*[日号]?",
    rf"{_Y}\.{_M}\.{_D}",
    rf"{_Y}-{_M}-{_D}(?!\s*月)",
    rf"{_Y}/{_M}/{_D}",
    r"(?P<compact>(?:19|20|21)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01]))(?!\d)",
    rf"{_Y}\s*(?:年|[./-])\s*{_M}(?!\s*季)\s*月?\s*{_MONTH_PART}",  # not 2023年2季度 (a quarter)
    rf"{_Y}\s*年?\s*{_QUARTER}",
    rf"{_Y}{_AFTER_BARE_YEAR}\s*年?\s*{_YEAR_END}?",
    rf"(?<![\d.]){_M}\s*月\s*{_D}\s*[日号]",
    rf"(?<![\d.]){_M}\s*月\s*{_MONTH_PART}",
    _QUARTER,
    r"(?<![\d年])(?P<bare_ye>年底|年末|年内)",
]
_ATOM = re.compile("|".join(re.sub(r"\(\?P<", f"(?P<a{i}_", alt) for i, alt in enumerate(_ALTERNATIVES)))


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _from_number(value: float) -> date | None:
    if value != value or value in (float("inf"), float("-inf")):
        return None
    if float(value).is_integer() and _MIN_YEAR <= value <= _MAX_YEAR:
        return date(int(value), 12, 31)
    if _SERIAL_MIN <= value < _SERIAL_MAX:
        return _EXCEL_EPOCH + timedelta(days=int(value))
    return None


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(_DASHES)
    return _CN_MONTH.sub(lambda m: str(_cn_number(m.group(1))), text)


def _cn_number(s: str) -> int:
    if s.startswith("十"):
        return 10 + (_CN_DIGITS.get(s[1:], 0) if len(s) > 1 else 0)
    return _CN_DIGITS[s]


def _atom_date(groups: dict[str, str | None], year: int | None) -> tuple[date | None, bool]:
    """The last day an atom stands for, and whether it named its own year."""
    g = {k.split("_", 1)[1]: v for k, v in groups.items() if v is not None}
    if "compact" in g:
        s = g["compact"]
        return date(int(s[:4]), int(s[4:6]), int(s[6:])), True
    explicit = "y" in g
    if explicit:
        year = int(g["y"])
    if year is None or not (_MIN_YEAR <= year <= _MAX_YEAR):
        return None, explicit
    if "q" in g:
        q = g["q"]
        quarter = int(q) if q.isdigit() else _CN_DIGITS[q]
        return _month_end(year, quarter * 3), explicit
    if "half" in g:
        return _month_end(year, 6 if g["half"] == "上半年" else 12), explicit
    if "m" in g:
        month = int(g["m"])
        if "d" in g:
            day = int(g["d"])
            if day > calendar.monthrange(year, month)[1]:
                return None, explicit
            return date(year, month, day), explicit
        part = g.get("part")
        if part == "上旬" or part == "初":
            return date(year, month, 10), explicit
        if part == "中旬" or part == "中":
            return date(year, month, 20 if part == "中旬" else 15), explicit
        return _month_end(year, month), explicit
    return date(year, 12, 31), explicit


def parse_due(value: object, default_year: int | None = None) -> date | None:
    """Due date a deadline cell allows, or None. ``default_year`` is used for text that names a month
    or quarter but no year (6月底前) — e.g. the year printed in the table's title."""
    try:
        return _parse_due(value, default_year)
    except Exception:  # noqa: BLE001 — odd text must never stop an import
        return None


def _parse_due(value: object, default_year: int | None) -> date | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)):
        return _from_number(float(value))
    if not isinstance(value, str):
        return None
    text = _normalise(value).strip()
    if not text:
        return None
    if text.isdigit():
        return _from_number(float(text)) if len(text) != 8 else _compact(text)
    open_ended = bool(_OPEN_ENDED.search(text))
    year = default_year
    last: date | None = None
    best: date | None = None
    saw_explicit = False
    for match in _ATOM.finditer(text):
        if not match.group(0).strip():
            continue
        groups = {k: v for k, v in match.groupdict().items() if v is not None}
        found, explicit = _atom_date(groups, year)
        if found is None:
            continue
        if not explicit and last is not None and found < last:
            found, _ = _atom_date(groups, found.year + 1)  # 2023年11月-3月: the range runs into next year
            if found is None:
                continue
        year, last = found.year, found
        if _START_MARK.match(text, match.end()):
            continue  # "2023年起 …" names a start, not a deadline
        saw_explicit = saw_explicit or explicit
        if best is None or found > best:
            best = found
    if open_ended and not saw_explicit:
        return None
    return best


def _compact(text: str) -> date | None:
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return None


_HEADER_YEAR = re.compile(r"^(?:(?:19|20|21)\d{2})(?:\.0)?\s*(?:年度?)?\s*(?:目标值?|任务|指标|计划|完成)?\s*(?:值)?$")


def year_of_header(value: object) -> int | None:
    """The year a sub-column header names (2018年, 2018, 2018.0, "2018年目标"), else None."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        if float(value).is_integer() and _MIN_YEAR <= value <= _MAX_YEAR:
            return int(value)
        return None
    if not isinstance(value, str):
        return None
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", value))
    if not _HEADER_YEAR.match(text):
        return None
    year = int(text[:4])
    return year if _MIN_YEAR <= year <= _MAX_YEAR else None


def is_open_ended(value: object) -> bool:
    """True for deadline text that names no deadline on purpose: 长期坚持, 持续推进, 每年,
    常态化, or only a start ("2022年起")."""
    if not isinstance(value, str):
        return False
    text = _normalise(value)
    if _OPEN_ENDED.search(text):
        return True
    starts = [m for m in _ATOM.finditer(text) if m.group(0).strip()]
    return bool(starts) and all(_START_MARK.match(text, m.end()) for m in starts)
