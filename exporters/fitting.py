"""Fitting text to columns from measured widths (issue 16): one module every workbook writer uses.

Units. Widths are in Excel's column units: one is the width of a "0" in the workbook's default
font (Calibri 11 pt: 7 pixels, 5.25 points at 96 dpi). A Chinese character of the body font (仿宋
11 pt) is one em, 11 points, so ``11 / 5.25`` = 2.1 units; a Latin letter or digit of 仿宋 is
half a character, measured here at 0.55 of one (the fonts that stand in for 仿宋 where it is missing
have slightly wider digits). A cell loses ``CELL_PADDING`` to its margins.

The functions:

* ``text_width(text, pt)`` — the width of the longest line of ``text``;
* ``wrap(text, width, pt)`` — the lines a short text is printed on in a column ``width`` wide, broken
  at sensible points: after 、，；：, before an opening bracket, never before a closing bracket or
  punctuation, never inside a run of Latin letters or digits, and never leaving one or two
  characters alone on a line when a better break exists (the lines are balanced: "健全完善社会保障
  体系" does not end in "系"). A text that fits stays one line;
* ``fit_widths(columns, page)`` — column widths: short-text columns as wide as their longest
  unbreakable piece (a unit name, a person, a date, a status), long-text columns taking what the
  page leaves; when the page is too narrow the long-text columns give first, down to their minimum,
  then the short ones in proportion;
* ``pair_lines(pairs, left_width, right_width)`` — two cells side by side (units and their persons)
  whose entries stand on the same printed lines: each entry wrapped, the shorter side of each pair
  padded with empty lines, so line N of 配合单位 is beside line N of 责任人.

Everything is cached per (text, width): unit and person names repeat thousands of times in a large
table, and the 10,000-task export must stay within its time budget.
"""

from __future__ import annotations

import math

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import accumulate

POINTS_PER_UNIT = 5.25  # one column unit: 7 pixels of Calibri 11's "0" at 96 dpi
BODY_PT = 11.0
NARROW_EM = 0.55  # a Latin letter or digit, as a share of a Chinese character
CELL_PADDING = 0.8  # column units lost to the cell's left and right margins
MIN_LINE_CHARS = 3  # a wrapped line shorter than this reads as an orphan
LINE_COST = 3.0  # one more line is worth a break inside a word (4.0) avoided, not a natural one
NO_LINE_START = frozenset("，。、；：？！）》」』】〕”’%％,.;:?!)]}·…—")
NO_LINE_END = frozenset("（《「『【〔“‘([{")
GOOD_AFTER = frozenset("、，；：。,;:）)”》—～~至到")  # a break after these reads naturally
GOOD_BEFORE = frozenset("（(《“")  # and before these
UNIT_WORDS = frozenset("年月日天号时分秒万亿元项个人家所张次%％")
# Without a dictionary, a few hints at word edges in the names these tables hold: a break after a
# unit's or a title's last character, or before a common word, reads better than one inside a word.
WORD_END = frozenset("局办委部室厅院站所队会镇乡县市区处科股组的和与及")
WORD_STARTS = frozenset({"社会", "保障", "服务", "体系", "管理", "中心", "工作", "建设", "发展", "事务", "养老",
                         "老年", "健康", "文化", "环境", "生活", "精神", "宜居", "常务", "主任", "副主任", "局长",
                         "书记", "产业", "设施", "医疗", "保险", "体育", "教育", "卫生", "安全", "机制", "制度",
                         "社会保障", "养老服务", "精神文化", "健康支持", "服务中心", "公用事业", "市政", "事业"})


_WIDE: dict[str, bool] = {}


def _is_wide(char: str) -> bool:
    """A full-width character: two bytes in GBK (as ``line_width`` counts)."""
    hit = _WIDE.get(char)
    if hit is None:
        hit = _WIDE[char] = len(char.encode("gbk", "replace")) == 2
    return hit


def char_width(char: str, pt: float = BODY_PT) -> float:
    """The width of one character in column units at ``pt`` points."""
    em = pt / POINTS_PER_UNIT
    return em if _is_wide(char) else em * NARROW_EM


_LINE_WIDTHS: dict[tuple[str, float], float] = {}


def line_width(line: str, pt: float = BODY_PT) -> float:
    """The width of one line (no line breaks) in column units."""
    key = (line, pt)
    hit = _LINE_WIDTHS.get(key)
    if hit is None:
        em = pt / POINTS_PER_UNIT
        # a character GBK writes in two bytes is a full-width one (Chinese, full-width punctuation,
        # “”—…); counting bytes is ten times faster than testing each character of a long text
        wide = len(line.encode("gbk", "replace")) - len(line)
        hit = em * (wide + (len(line) - wide) * NARROW_EM)
        if len(line) <= 40 and len(_LINE_WIDTHS) < 200_000:
            _LINE_WIDTHS[key] = hit
    return hit


def text_width(text: str | None, pt: float = BODY_PT) -> float:
    """The width of the longest line of ``text`` in column units (0 for no text)."""
    if not text:
        return 0.0
    if "\n" not in text:
        return line_width(text, pt)
    return max(line_width(line, pt) for line in text.split("\n"))


def _breakable(line: str, i: int) -> bool:
    """Whether a line may break between ``line[i-1]`` and ``line[i]``."""
    before, after = line[i - 1], line[i]
    if after in NO_LINE_START or before in NO_LINE_END:
        return False
    if before.isascii() and after.isascii() and (before.isalnum() or before in ".%-/") and (
            after.isalnum() or after in ".%-/"):
        return False  # inside a number or a Latin word
    if before.isdigit() and after in UNIT_WORDS:
        return False  # 11月, 396天, 14.2万: a number keeps its measure word
    return True


def _break_cost(line: str, i: int) -> float:
    """How poor a break before ``line[i]`` reads (0 at a natural point)."""
    before, after = line[i - 1], line[i]
    if before in GOOD_AFTER or after in GOOD_BEFORE or before == " ":
        return 0.0
    if before in "年月日" and after.isdigit():
        return 0.3
    if before in "年月日" and i >= 2 and line[i - 2].isdigit() and not after.isdigit():
        return 0.0  # a date ends here: 2022年8月 / 底完成
    if before.isascii() and before.isalnum():
        return 1.0
    if line[i:i + 4] in WORD_STARTS:
        return 0.3
    if line[i:i + 2] in WORD_STARTS or line[i:i + 3] in WORD_STARTS:
        return 0.5
    if before in WORD_END:
        return 0.7
    return 4.0  # inside a word, as far as these hints tell


_WRAPS: dict[tuple[str, float, float], tuple[str, ...]] = {}


def _wrap_line(line: str, width: float, pt: float) -> list[str]:
    """The best lines for one line of text: fewest poor breaks, orphans and lines, balanced
    (a small dynamic programme over the break points; texts here are short)."""
    if line_width(line, pt) <= width or len(line) < 2:
        return [line]
    n = len(line)
    em = pt / POINTS_PER_UNIT
    narrow = em * NARROW_EM
    prefix = list(accumulate([em if _is_wide(c) else narrow for c in line], initial=0.0))
    # per break point: may the line break there, and how poor the break reads
    ends = [i for i in range(1, n) if _breakable(line, i)] + [n]
    break_cost = {i: _break_cost(line, i) for i in ends[:-1]}
    break_cost[n] = 0.0
    short_text = n >= 2 * MIN_LINE_CHARS
    inf = float("inf")
    limit = width + 1e-9
    best = [0.0] * (n + 1)  # best[i]: cost of printing line[:i] with a break before i (i in starts)
    back: dict[int, int] = {}
    starts = [0]
    for i in ends:
        top = prefix[i]
        cost_here = break_cost[i]
        found, found_j = inf, -1
        for j in reversed(starts):  # nearest first: once a line is too wide, every longer one is
            used = top - prefix[j]
            if used > limit and i - j > 1:
                break
            cost = best[j] + cost_here + LINE_COST
            if i - j < MIN_LINE_CHARS and short_text:
                piece = line[j:i].strip()
                cost += 20.0 if len(piece) < 2 or piece[-1] in NO_LINE_START else 3.0  # an orphan
            slack = (width - used) / width
            cost += slack * slack * 3  # ragged lines: prefer balanced ones
            if cost < found:
                found, found_j = cost, j
        if found_j >= 0:
            best[i], back[i] = found, found_j
            starts.append(i)
    if n not in back:  # nothing breakable fits: break anywhere (greedy)
        out, start = [], 0
        for k in range(1, n):
            if prefix[k + 1] - prefix[start] > width:
                out.append(line[start:k])
                start = k
        out.append(line[start:])
        return out
    out = []
    i = n
    while i > 0:
        out.append(line[back[i]:i].strip())
        i = back[i]
    return out[::-1]


_PIECES: dict[str, float] = {}


def piece_width(text: str | None, pt: float = BODY_PT) -> float:
    """The width of the widest piece of ``text`` between its natural break points (before a
    bracket, after 、，； outside brackets, after a date: "市卫生健康局（市老龄办）" → "市卫生健康局", "2022年8月底完成" →
    "2022年8月"): the narrowest a column may get and still wrap the text only where it reads well."""
    if not text:
        return 0.0
    hit = _PIECES.get(text) if pt == BODY_PT else None
    if hit is None:
        hit = 0.0
        for line in text.split("\n"):
            start = depth = 0
            for i in range(1, len(line)):
                depth += (line[i - 1] in "（(") - (line[i - 1] in "）)")
                if depth <= 0 and _breakable(line, i) and _break_cost(line, i) == 0.0 and i - start >= 2 \
                        and len(line) - i >= 2:
                    hit = max(hit, line_width(line[start:i].strip(), pt))
                    start = i
            hit = max(hit, line_width(line[start:].strip(), pt))
        if pt == BODY_PT and len(_PIECES) < 100_000:
            _PIECES[text] = hit
    return hit


def typical_width(widths: Sequence[float], share: float = 0.9) -> float:
    """The width ``share`` of the values are at most (an empty value counts as 0): a column sized
    for its typical text, the few longer ones wrapped."""
    if not widths:
        return 0.0
    ordered = sorted(widths)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(len(ordered) * share) - 1))]


def wrap(text: str | None, width: float, pt: float = BODY_PT) -> tuple[str, ...]:
    """The printed lines of ``text`` in a column ``width`` units wide (its own line breaks kept);
    at least one line, even for no text."""
    if not text:
        return ("",)
    key = (text, width, pt)
    hit = _WRAPS.get(key)
    if hit is None:
        room = max(width - CELL_PADDING, pt / POINTS_PER_UNIT)
        lines: list[str] = []
        for line in text.split("\n"):
            if len(line) > 400 or line_width(line, pt) <= room:
                lines.append(line)
                continue
            once = _WRAPS.get((line, -room, pt))  # each line's breaks, found once
            if once is None:
                once = _WRAPS[(line, -room, pt)] = tuple(_wrap_line(line, room, pt))
            lines.extend(once)
        hit = tuple(lines)
        if len(_WRAPS) < 200_000:
            _WRAPS[key] = hit
    return hit


def wrap_where(text: str, width: float, ok: Callable[[str, tuple[str, ...]], bool],
               pt: float = BODY_PT) -> tuple[str, ...] | None:
    """The lines of ``text`` in a column ``width`` wide (``wrap``) if ``ok(text, lines)``; else the
    best two lines that fit and are ``ok`` (fewest poor breaks, then balanced); else None."""
    lines = wrap(text, width, pt)
    if len(lines) < 2 or ok(text, lines):
        return lines
    if "\n" in text:
        return None
    room = width - CELL_PADDING + 1e-9
    splits = []
    for i in range(1, len(text)):
        head, tail = text[:i], text[i:]
        if _breakable(text, i) and line_width(head, pt) <= room and line_width(tail, pt) <= room:
            splits.append((_break_cost(text, i), abs(line_width(head, pt) - line_width(tail, pt)), (head, tail)))
    for _, _, pair in sorted(splits):
        if ok(text, pair):
            return pair
    return None


def reads_well(lines: Sequence[str]) -> bool:
    """Whether every break between ``lines`` is at a natural point or a word edge (not inside a
    word, as far as the hints tell: 医保中心闽 / 清管理部 does not); a short text (six characters
    at most) broken in halves of three (县科技 / 文体局) passes, as the hints know few words."""
    if len(lines) == 2 and sum(map(len, lines)) <= 6 and min(map(len, lines)) >= MIN_LINE_CHARS:
        return True
    for a, b in zip(lines, lines[1:]):
        if a and b and _break_cost(a + b, len(a)) >= 4.0:
            return False
    return True


def filled_lines(text: str, width: float, pt: float = BODY_PT) -> tuple[str, ...]:
    """The lines an application breaks ``text`` into by itself: each line filled with as many
    characters as fit, a character that may not start a line (，。）…) taking the one before it
    along, one that may not end a line (（“…) going to the next."""
    room = max(width - CELL_PADDING, pt / POINTS_PER_UNIT)
    out: list[str] = []
    for line in text.split("\n"):
        while line_width(line, pt) > room + 1e-9 and len(line) > 1:
            k = 1
            while k < len(line) and line_width(line[:k + 1], pt) <= room + 1e-9:
                k += 1
            while 1 < k < len(line) and (line[k] in NO_LINE_START or line[k - 1] in NO_LINE_END):
                k -= 1
            out.append(line[:k])
            line = line[k:]
        out.append(line)
    return tuple(out)


def wrapped(text: str | None, width: float, pt: float = BODY_PT) -> str:
    """``text`` with its line breaks written in (see ``wrap``)."""
    return "\n".join(wrap(text, width, pt)) if text else ""


def fits(text: str | None, width: float, pt: float = BODY_PT) -> bool:
    """Whether every line of ``text`` fits a column ``width`` units wide."""
    return text_width(text, pt) <= width - CELL_PADDING + 1e-9


@dataclass
class Fit:
    """What one column asks of the page: ``want`` (its widest piece, or a preferred width for long
    text), ``low`` (the narrowest it may get), and whether it holds long text (``flex``) that takes
    what the page leaves in proportion to ``share``."""

    want: float
    low: float
    flex: bool = False
    share: float = 1.0


def fit_widths(columns: Sequence[Fit], page: float) -> list[float]:
    """Widths for ``columns`` filling ``page`` units: short columns get what they want, long-text
    columns share the rest; when the wants exceed the page the long-text columns give first (down
    to ``low``), then the short ones, each in proportion to what it has above its minimum."""
    wants = [max(c.want, c.low) for c in columns]
    excess = sum(wants) - page
    widths = list(wants)
    if excess <= 0:
        flex = [i for i, c in enumerate(columns) if c.flex]
        shares = sum(columns[i].share for i in flex)
        for i in flex:
            widths[i] += -excess * columns[i].share / shares
        return widths
    for group in ([i for i, c in enumerate(columns) if c.flex], [i for i, c in enumerate(columns) if not c.flex]):
        room = sum(widths[i] - columns[i].low for i in group)
        if room <= 0 or excess <= 0:
            continue
        give = min(1.0, excess / room)
        for i in group:
            taken = (widths[i] - columns[i].low) * give
            widths[i] -= taken
            excess -= taken
    return widths


def pair_lines(pairs: Sequence[tuple[str, str | None]], left_width: float, right_width: float,
               pt: float = BODY_PT, *, break_left: Callable[[str, tuple[str, ...]], bool] | None = None
               ) -> tuple[str, str, int]:
    """Two cells side by side — ``pairs`` of (unit, person) — as (left text, right text, lines):
    each entry on its own line(s), wrapped to its column; the shorter side of each pair padded with
    empty lines so both sides of a pair take the same lines. A wrapped left entry has its breaks
    written in when ``break_left(entry, lines)`` allows (a reader may need the name unbroken; then
    another break it allows is looked for, ``wrap_where``);
    otherwise the application wraps it where ``wrap`` predicts, roughly. Right entries (persons)
    are never broken: their column is fitted to the longest."""
    key = (left_width, right_width, pt, break_left)
    pairing = _PAIRINGS.get(key)
    if pairing is None:
        pairing = _PAIRINGS[key] = Pairing(left_width, right_width, pt, break_left)
    return pairing(pairs)


class Pairing:
    """``pair_lines`` for one pair of column widths: each side of a pair is laid out once per distinct
    unit and person (issue 17: on a real table the unit lists differ from task to task, the names in
    them repeat)."""

    def __init__(self, left_width: float, right_width: float, pt: float = BODY_PT,
                 break_left: Callable[[str, tuple[str, ...]], bool] | None = None):
        self.left_width, self.right_width, self.pt, self.break_left = left_width, right_width, pt, break_left
        self.units_of: dict[str, tuple[bool, tuple[str, ...], int]] = {}  # unit → ``_unit_side``
        self.persons_of: dict[str | None, tuple[bool, int]] = {}  # person → ``_person_side``

    def __call__(self, pairs: Sequence[tuple[str, str | None]]) -> tuple[str, str, int]:
        if not pairs:
            return "", "", 0
        units_of, persons_of = self.units_of, self.persons_of
        sides = []
        one_line = True
        for unit, person in pairs:
            unit_side = units_of.get(unit)
            if unit_side is None:
                unit_side = _unit_side(unit, self.left_width, self.pt, self.break_left)
                if len(units_of) < 100_000:
                    units_of[unit] = unit_side
            person_side = persons_of.get(person)
            if person_side is None:
                person_side = _person_side(person, self.right_width, self.pt)
                if len(persons_of) < 100_000:
                    persons_of[person] = person_side
            if one_line and not (unit_side[0] and person_side[0]):
                one_line = False
            sides.append((unit_side, person_side[1]))
        if one_line:
            persons = [p or "" for _, p in pairs]  # every entry on one line: nothing to pad
            return "\n".join([u for u, _ in pairs]), "\n".join(persons) if any(persons) else "", len(pairs)
        left: list[str] = []
        right: list[str] = []
        for ((_, unit_lines, unit_count), person_count), (_, person) in zip(sides, pairs):
            n = max(unit_count, person_count)
            left.extend(unit_lines)
            left.extend([""] * (n - unit_count))
            right.append(person or "")
            right.extend([""] * (n - 1))
        if not any(right):
            right = []
        return "\n".join(left), "\n".join(right), len(left)


# per (left width, right width, pt, break_left): the ``Pairing`` that ``pair_lines`` uses
_PAIRINGS: dict[tuple, Pairing] = {}


def _unit_side(unit: str, width: float, pt: float, break_left: Callable[[str, tuple[str, ...]], bool] | None
               ) -> tuple[bool, tuple[str, ...], int]:
    """A unit in ``pair_lines``: (whether it stands on one line as it is, the lines written for it,
    the lines it takes)."""
    fits = line_width(unit, pt) <= width - CELL_PADDING and "\n" not in unit
    unit_lines = wrap(unit, width, pt)
    written = len(unit_lines) > 1
    if written and break_left is not None:
        kept = wrap_where(unit, width, break_left, pt)
        written = kept is not None
        # written with breaks the reader joins again, or left to the application, which breaks
        # it where it fills a line
        unit_lines = kept if kept is not None else filled_lines(unit, width, pt)
    return fits, tuple(unit_lines) if written else (unit,), len(unit_lines)


def _person_side(person: str | None, width: float, pt: float) -> tuple[bool, int]:
    """A person in ``pair_lines``: (whether it fits its column as it is, the lines it takes)."""
    if not person:
        return width - CELL_PADDING >= 0.0, 1
    return width - CELL_PADDING >= line_width(person, pt), len(wrap(person, width, pt))
