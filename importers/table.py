"""Reading a responsibility-division table (重点任务分工表) the way a careful person would.

``read_task_table(path, sheet=None)`` opens any supported file (see ``importers.readers``), picks
the sheet whose header scores best, finds the header by its words, understands one- and two-row
headers (per-year target sub-columns), categories (a column merged down, or heading rows spanning
the table), task numbers, units and persons, deadlines, status columns and the 注 line, and
returns a ``TaskTable`` of plain records with a warning for everything it could not place.

Decisions (PRODUCT §4 leaves them open):
* A number printed at the start of the task text ("（一）基本养老保险…") becomes the task number and
  is removed from the content; when a 序号 column already gives the task its number the content is
  kept as written. Export as number + content (either in 序号 or as a prefix) reads back the same.
* A 序号 column holds category numbers when its values stand only on the first row of each
  category (seed 002: 一 merged down beside 项目名称); otherwise it holds task numbers.
* Heading rows: the innermost heading is the category ("三、…" > "（一）…" > "1."); a heading's
  "（牵头单位：X）" leads the tasks of its section that have no lead of their own; the heading text
  is cut at its first "。" when what precedes is a short name ("（一）老有所养。老年人依靠…" → 老有所养).
* A unit whose name wraps onto two lines ("医保中心\\n闽清管理部") is joined when the person
  column shows it (one person for the two lines, or eight persons for nine lines and exactly one
  pair of lines that may join), when the first line is a fragment ("县科技文\\n体局"), or when the
  joined name was established that way elsewhere in the same table. A line starting like a unit of
  its own (县…, 市…, 各…) never joins the line above.
* A role written inside a unit cell wins over the column's: "牵头单位：A；配合单位：B", "A（牵头）、B",
  "B（配合）"; a phone number beside a name in a person cell is not a person.
* Per-year target columns without a deadline column: deadline None and due None (the targets carry
  their years; no due date is invented). A real date in the deadline column is written 2023年12月31日.
* Hidden columns are read when their header is a known one and no visible column has the same
  role; hidden rows are read. Both are reported as warnings.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from operator import itemgetter
from pathlib import Path

from importers.deadline import is_open_ended, parse_due, year_of_header
from importers.normalize import _CLOSERS, _OPENERS  # the brackets split_with_separators counts
from importers.normalize import _RARE  # characters clean_text rewrites across lines
from importers.normalize import (clean_sentence, clean_text, clean_unit, split_persons, split_with_separators,
                                 unify_brackets)
from importers.readers import Grid, OpeningSource, open_source, refuse
from importers.readers.sniff import FATAL
from importers.records import (
    NO_PERSON_MARKS,
    ImportRefused,
    ImportWarning,
    Origin,
    TargetRecord,
    TaskRecord,
    TaskTable,
    UnitRef,
    column_letter,
)

HEADER_SEARCH_ROWS = 20

# --- column roles ---------------------------------------------------------------------------------

NUMBER, CATEGORY, CONTENT, DEADLINE = "number", "category", "content", "deadline"
LEAD, CO, RESPONSIBLE, PERSON = "lead", "co", "responsible", "person"
STATUS, DONE_ON, NOTES, TARGETS = "status", "done_on", "notes", "targets"
PROGRESS, PHONE = "progress", "phone"
UNIT_ROLES = (LEAD, CO, RESPONSIBLE)

# Checked in this order: a header containing one of the words has that role ("牵头单位责任人" is a
# person column, "实际完成时间" a completion date, "完成时间" a deadline).
ROLE_WORDS: list[tuple[str, tuple[str, ...]]] = [
    (PERSON, ("责任人", "负责人", "联系人", "经办人", "责任领导", "分管领导", "包保领导", "联络员")),
    (DONE_ON, ("完成日期", "办结日期", "销号日期", "实际完成时间", "实际完成日期", "办结时间")),
    (STATUS, ("完成状态", "进展状态", "办理状态", "办结状态", "任务状态", "状态", "是否完成", "是否办结")),
    (PROGRESS, ("进展情况", "完成情况", "推进情况", "工作进展", "落实情况", "进度情况", "工作进度")),
    (PHONE, ("电话", "手机", "联系方式")),
    (LEAD, ("牵头单位", "牵头部门", "主责单位", "主责部门", "主办单位", "主办部门", "牵头")),
    (CO, ("配合单位", "配合部门", "协办单位", "协办部门", "参与单位", "参与部门", "协同单位", "协同部门",
          "协作单位", "协助单位", "配合")),
    (RESPONSIBLE, ("责任单位", "责任部门", "承办单位", "实施单位", "落实单位", "责任主体", "责任处室",
                   "责任科室", "完成单位")),
    (TARGETS, ("年度目标", "分年度目标", "目标值", "年度任务", "阶段目标", "年度指标", "分年度")),
    (DEADLINE, ("完成时限", "时间节点", "完成时间", "时间要求", "完成期限", "截止时间", "截止日期", "办结时限",
                "时间安排", "进度安排", "时限", "期限")),
    (CATEGORY, ("项目名称", "重点领域", "工作类别", "任务类别", "类别", "领域", "分类", "板块")),
    (CONTENT, ("工作任务", "重点任务", "任务内容", "具体任务", "具体措施", "工作内容", "主要内容", "目标任务",
               "工作目标", "主要任务", "工作措施", "任务名称", "工作事项", "重点工作", "主要措施", "工作举措",
               "具体内容", "任务事项", "指标名称", "任务", "措施", "内容", "事项")),
    (NUMBER, ("序号", "编号")),
    (NOTES, ("备注",)),
]
EXACT_WORDS = {"项目": CATEGORY, "序": NUMBER, "指标": CONTENT, "说明": NOTES}
SINGLE_ROLES = (NUMBER, CATEGORY, CONTENT, DEADLINE, STATUS, DONE_ON, NOTES, PROGRESS, PHONE)
HEADER_WORDS_LOOKED_FOR = "工作任务/重点任务/任务内容/具体任务/具体措施/工作内容/主要内容，以及 牵头单位/责任单位/配合单位/完成时限/序号 等"

STATUS_WORDS = [
    ("已完成", ("已完成", "完成", "已办结", "办结", "销号", "已销号", "完结", "已结", "√", "✓", "是", "done")),
    ("未启动", ("未启动", "未开始", "尚未启动", "未开展", "尚未开展", "待启动")),
    ("推进中", ("推进中", "进行中", "正在推进", "已启动", "在建", "持续推进", "序时推进", "正在实施", "实施中",
             "部分完成", "未完成", "推进")),
]

_CN_NUM = "一二三四五六七八九十百零〇两"
_NUMBER_STARTS = frozenset("（第0123456789①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳" + _CN_NUM)
_TASK_NUMBER = re.compile(
    rf"^(（[{_CN_NUM}]{{1,4}}）|（\d{{1,3}}）|[{_CN_NUM}]{{1,3}}、(?![{_CN_NUM}])|\d{{1,3}}[、．.](?!\d)|\d{{1,3}}）|[①-⑳])\s*"
)
_HEADING_NUMBER = re.compile(
    rf"^(第[{_CN_NUM}\d]+(?:部分|章|节|篇|项)|（[{_CN_NUM}]{{1,4}}）|（\d{{1,3}}）|[{_CN_NUM}]{{1,3}}[、．.](?![{_CN_NUM}])"
    rf"|\d{{1,3}}[、．.](?!\d)|\d{{1,3}}）|[①-⑳])\s*"
)
_HEADING_LEAD = re.compile(r"[（]\s*(?:牵头单位|牵头部门|责任单位|牵头)\s*[:：]\s*(.+?)\s*[）]\s*$")
_HEADING_LEAD_PLAIN = re.compile(r"(?:^|[，,；;。\s])(?:牵头单位|牵头部门)\s*[:：]\s*(.+)$")
_NOTE = re.compile(r"^(?:注|备注|说明|附注)\s*\d*\s*[:：]|^注\s*\d*[、.．]|^注\s")
_FOOTER = re.compile(
    r"^(?:填表人|填报人|审核人|制表人|制表|联系人|联系电话|单位负责人|负责人|审核|签发|填报单位|填报日期|报送单位|报送日期|日期)\s*[:：]"
)
_ATTACHMENT = re.compile(r"^附\s*件\s*\d*\s*[:：]?\s*\d*$|^(?:填报单位|填报日期|单位[（(]盖章[)）]|填表日期)")
_YEAR_IN_TITLE = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
_UNIT_END = re.compile(
    r"(局|办|委|部|中心|院|所|队|会|站|室|处|科|股|镇|乡|街道|政府|公司|组|厅|馆|团|社|联|协|行|台|司|区|县|市|村|"
    r"校|场|厂|署|关|班|位|门|业|园|）|党委|支部|人大|政协|长)$"
)
_UNIT_START = re.compile(r"^(县|市|区|省|州|盟|旗|镇|乡|街道|各|中共|共青团|团|国家|全|中国|自治)")
_SEPARATORS = set("\n、，,；;/／")


# Characters clean_sentence leaves as they are (brackets aside): text made only of them skips it.
_PLAIN = re.compile(
    r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3001-\u3003\u3008-\u3011\u3014-\u301f\uff01-\uff5e"
    r"\u2018-\u201d\u2014\u2026\u00b7\u2460-\u2473\u00b0\u2103!-~]*"
)
_HALF_BRACKETS = re.compile(r"[()\[\]]")
_SENTENCES: dict[str, str] = {}


def sentence(value: object) -> str:
    """clean_sentence, with a fast path for text that has nothing to clean (most task texts) and a
    cache for short repeated cells (categories, deadlines, targets)."""
    if not isinstance(value, str):
        return clean_sentence(value)
    if _PLAIN.fullmatch(value):
        return unify_brackets(value) if _HALF_BRACKETS.search(value) else value
    if len(value) > 60:
        return clean_sentence(value)
    hit = _SENTENCES.get(value)
    if hit is None:
        if len(_SENTENCES) > 50_000:
            _SENTENCES.clear()
        hit = _SENTENCES[value] = clean_sentence(value)
    return hit


def _header_key(value: object) -> str:
    if not isinstance(value, str):
        return ""
    text = unicodedata.normalize("NFKC", value)
    return re.sub(r"[\s*＊:：]", "", unify_brackets(text))


def classify_header(value: object) -> str | None:
    """The role a header cell names, or None."""
    text = _header_key(value)
    if not text or len(text) > 24:
        return None
    if text in EXACT_WORDS:
        return EXACT_WORDS[text]
    base = re.sub(r"（[^（）]*）$", "", text) or text
    for role, words in ROLE_WORDS:
        if base in words:
            return role
    for role, words in ROLE_WORDS:
        if any(word in base for word in words):
            return role
    return None


def header_score(row: list[object]) -> int:
    """How much a row looks like the header: the number of distinct roles it names, 0 without a
    task column (and 0 for fewer than two roles)."""
    roles = {classify_header(v) for v in row}
    if any(year_of_header(v) for v in row):
        roles.add(TARGETS)
    roles.discard(None)
    if CONTENT not in roles or len(roles) < 2:
        return 0
    return len(roles)


# --- the layout of one table ----------------------------------------------------------------------


@dataclass
class UnitColumn:
    role: str  # lead, co, responsible
    col: int
    person_col: int | None = None


@dataclass
class Layout:
    header_row: int
    data_row: int
    roles: dict[int, str]  # column → role, for every understood column
    texts: dict[int, str]  # column → header text
    single: dict[str, int] = field(default_factory=dict)  # number/category/content/… → column
    units: list[UnitColumn] = field(default_factory=list)
    lone_persons: list[int] = field(default_factory=list)  # person columns with no unit column
    years: list[tuple[int, int]] = field(default_factory=list)  # (year, column)
    unknown: list[int] = field(default_factory=list)
    hidden_read: list[int] = field(default_factory=list)
    dropped: list[tuple[int, str]] = field(default_factory=list)  # columns set aside, with why


def find_header_row(rows: list[list[object]], limit: int = HEADER_SEARCH_ROWS) -> tuple[int, int]:
    """(index, score) of the best header among the first ``limit`` non-empty rows; (-1, 0) if none."""
    best, best_score, seen = -1, 0, 0
    for i, row in enumerate(rows):
        if not any(v != "" and v is not None for v in row):
            continue
        seen += 1
        if seen > limit:
            break
        score = header_score(row)
        if score > best_score:
            best, best_score = i, score
    return best, best_score


def _label(value: object) -> str:
    return clean_sentence(value) if isinstance(value, str) else ("" if value in ("", None) else str(value))


def build_layout(grid: Grid, h: int) -> Layout:
    rows, width = grid.rows, grid.width
    top = rows[h]
    top_roles = [classify_header(v) for v in top]
    content_cols = [c for c, role in enumerate(top_roles) if role == CONTENT]
    depth = 1
    if h + 1 < len(rows) and content_cols:
        below = rows[h + 1]
        c0 = content_cols[0]
        content_free = below[c0] == "" or _same_merge(grid, h, h + 1, c0)
        own = [c for c in range(width) if below[c] != "" and not _same_merge(grid, h, h + 1, c)]
        # a sub-label stands under a parent spanning several columns (merged across, or typed once
        # at the left of an otherwise empty span as a CSV keeps it)
        under_parent = [c for c in own if top[c] == "" or _spans_across(grid, h, c)]
        merged_down = any(_same_merge(grid, h, h + 1, c) for c in range(width))
        labelled = any(year_of_header(below[c]) or classify_header(below[c]) for c in under_parent)
        if content_free and (labelled or (merged_down and not own)):
            depth = 2
    roles: dict[int, str] = {}
    texts: dict[int, str] = {}
    years: list[tuple[int, int]] = []
    for c in range(width):
        top_text = top[c]
        sub = rows[h + 1][c] if depth == 2 and not _same_merge(grid, h, h + 1, c) else ""
        year = year_of_header(sub) if sub != "" else year_of_header(top_text)
        if year:
            years.append((year, c))
            roles[c] = TARGETS
            texts[c] = _label(top_text)
            continue
        role = classify_header(sub) if sub != "" else None
        text = sub if role else top_text
        role = role or classify_header(top_text)
        if role:
            roles[c] = role
            texts[c] = _label(text)
        elif top_text != "" or sub != "":
            texts[c] = _label(sub if sub != "" else top_text)
    layout = Layout(h, h + depth, roles, texts, years=years)
    _resolve_columns(grid, layout)
    return layout


def _spans_across(grid: Grid, r: int, c: int) -> bool:
    m = grid.merge_at(r, c)
    return m is not None and m[3] > m[1]


def _same_merge(grid: Grid, r1: int, r2: int, c: int) -> bool:
    m = grid.merge_at(r1, c)
    return m is not None and m[0] <= r1 and m[2] >= r2


def _resolve_columns(grid: Grid, layout: Layout) -> None:
    """Settle which column serves each role: visible before hidden, one column for single roles,
    persons to the unit column on their left."""
    hidden = grid.hidden_cols
    by_role: dict[str, list[int]] = {}
    for c, role in sorted(layout.roles.items()):
        by_role.setdefault(role, []).append(c)
    for role, cols in list(by_role.items()):
        visible = [c for c in cols if c not in hidden]
        if visible and len(visible) < len(cols) and role != PERSON and role != TARGETS:
            for c in cols:
                if c in hidden:
                    layout.dropped.append((c, "隐藏列，且另有同名的可见列"))
            by_role[role] = visible
    contents = by_role.get(CONTENT, [])
    if len(contents) > 1:
        if CATEGORY not in by_role:
            by_role[CATEGORY] = [contents[0]]
            layout.roles[contents[0]] = CATEGORY
            contents = contents[1:]
        for c in contents[:-1]:
            layout.dropped.append((c, f"与「{layout.texts.get(contents[-1], '')}」都像工作任务列，只读了后者"))
        by_role[CONTENT] = contents[-1:]
    for role in SINGLE_ROLES:
        cols = by_role.get(role)
        if not cols:
            continue
        layout.single[role] = cols[0]
        for c in cols[1:]:
            if role != CONTENT:
                layout.dropped.append((c, f"已有「{layout.texts.get(cols[0], '')}」列"))
    used = set(layout.single.values())
    last_unit: UnitColumn | None = None
    for c in range(grid.width):
        role = layout.roles.get(c)
        if role in UNIT_ROLES and c in by_role.get(role, ()):
            last_unit = UnitColumn(role, c)
            layout.units.append(last_unit)
            used.add(c)
        elif role == PERSON:
            if last_unit is not None and last_unit.person_col is None:
                last_unit.person_col = c
            else:
                layout.lone_persons.append(c)
            used.add(c)
    used.update(c for _, c in layout.years)
    for c in range(grid.width):
        if c in hidden and c in used:
            layout.hidden_read.append(c)
        if c not in used and layout.roles.get(c) not in (PROGRESS, PHONE) and c not in (d for d, _ in layout.dropped):
            layout.unknown.append(c)


# --- units and persons ----------------------------------------------------------------------------


Piece = tuple[str, bool, str | None]  # unit name, came after a line break, marked role (lead/co/None)

_LABEL = re.compile(r"^(牵头单位|牵头部门|主责单位|主办单位|牵头|配合单位|配合部门|协办单位|参与单位|协办|配合)\s*[:：]\s*")
_MARK = re.compile(r"（(牵头单位|牵头部门|牵头|主责|配合单位|配合|协办)）$|(?<=[局办委部心院所队会站室处科镇乡府司组）])(牵头|配合)$")


def _role_word(word: str) -> str:
    return CO if word.startswith(("配合", "协办", "参与")) else LEAD


_SPLIT_KEEPING_SEPARATORS = re.compile("([" + re.escape("".join(sorted(_SEPARATORS))) + "])")
_SPLIT = re.compile("[" + re.escape("".join(sorted(_SEPARATORS))) + "]")
# The same unit names come back on thousands of rows: each distinct piece is cleaned once (pure).
_clean_unit_once = functools.lru_cache(maxsize=8192)(clean_unit)


# Reading a unit or person cell line by line (issue 17). Real tables put one unit a line, and one
# person a line beside it; the cells are almost all different (each task has its own set), but their
# lines are the same few unit names and persons over and over. A cell reads the same as its lines
# read one by one when nothing in it spans a line break: cleaning works line by line (it trims each
# line and drops blank ones) unless the cell holds characters it rewrites across lines (\r, U+2028 …,
# ``_RARE``), and a line break cuts the cell unless it stands inside brackets. So such a cell is read
# from its lines, each distinct line worked out once (``_unit_line``, ``_person_line``); any other
# cell (a bracket open across a line break, a carriage return) is read whole, as before.


def _by_lines(value: object) -> list[str] | None:
    """The lines of a text cell that may be read line by line, or None."""
    if not isinstance(value, str) or _RARE.search(value):
        return None
    return value.split("\n")


def _depth_after(text: str) -> int:
    """The bracket depth at the end of ``text`` as ``split_with_separators`` counts it."""
    depth = 0
    for char in text:
        if char in _OPENERS:
            depth += 1
        elif char in _CLOSERS and depth:
            depth -= 1
    return depth


@functools.lru_cache(maxsize=8192)
def _unit_line(line: str) -> tuple[tuple[tuple[str | None, str | None, str, bool], ...], bool] | None:
    """One line of a unit cell, as ``_pieces`` reads it inside the whole cell: ((label role, marked
    role, name, first of the line) for each part, whether the line holds text, and None when a
    bracket stays open at its end (the cell is then read whole). Pure; each distinct line once."""
    text = unify_brackets(clean_text(line))
    if _depth_after(text):
        return None
    parts = split_with_separators(text, _SEPARATORS) if any(o in text for o in _OPENERS) else \
        [(part, None) for part in _SPLIT.split(text)]
    return tuple((*_piece_of(part), i == 0) for i, (part, _) in enumerate(parts)), bool(text)


def _pieces_by_line(lines: list[str]) -> list[Piece] | None:
    """``_pieces`` of a cell from its lines (see ``_by_lines``), or None when it must be read whole."""
    out: list[Piece] = []
    label: str | None = None
    text_before = False  # a line with text came before: the first part of this one follows a line break
    for line in lines:
        read = _unit_line(line)
        if read is None:
            return None
        for part_label, mark_role, name, first in read[0]:
            if part_label is not None:
                label = part_label
            if name:
                out.append((name, first and text_before, mark_role or label))
        text_before = text_before or read[1]
    return out


@functools.lru_cache(maxsize=8192)
def _person_line(line: str) -> tuple[str, ...] | None:
    """The persons of one line of a person cell, phone numbers dropped (see ``_persons``), or None
    when a bracket stays open at its end. Pure; each distinct line once."""
    if _depth_after(unify_brackets(clean_text(line))):
        return None
    return tuple(_without_phones(split_persons(line)))


def _persons(value: object) -> list[str]:
    """The persons of a cell (``split_persons``) without phone numbers, read line by line when it can be."""
    lines = _by_lines(value)
    if lines is not None:
        out: list[str] = []
        for line in lines:
            # the padding spaces around a name (" 黄秀英 ", "黄秀英 ") are trimmed by the reading anyway:
            # trimmed first, the padded variants of a line are one line, worked out once (issue 17)
            persons = _person_line(line.strip(" "))
            if persons is None:
                break
            out += persons
        else:
            return out
    return _without_phones(split_persons(value))


def _without_phones(persons: list[str]) -> list[str]:
    # a phone number is not a person (a longer text is no name with a phone: not searched, as the
    # search takes time growing with the square of the length: a minute for 32,000 colons)
    return [p for p in (_PHONE.sub("", p) if len(p) <= 100 else p for p in persons) if p]


def _pieces(value: object) -> list[Piece]:
    """The units of a cell as (name, came after a line break, role marked in the cell), split on
    separators outside brackets; "牵头单位：A、B；配合单位：C" and "A（牵头）、B" mark roles."""
    lines = _by_lines(value)
    if lines is not None:
        pieces = _pieces_by_line(lines)
        if pieces is not None:
            return pieces
    return _pieces_whole(value)


def _pieces_whole(value: object) -> list[Piece]:
    """``_pieces`` of the cell read whole (what its lines read one by one give, when they can be)."""
    text = unify_brackets(clean_text(value))
    raw: list[tuple[str, bool]] = []
    if not any(opener in text for opener in _OPENERS):
        # no bracket: every separator cuts, as split_with_separators would, at C speed (issue 17); the split
        # keeps the separators, so parts[i] is the one before parts[i + 1]
        parts = _SPLIT_KEEPING_SEPARATORS.split(text)
        raw = [(parts[0], False)] + [(parts[i + 1], parts[i] == "\n") for i in range(1, len(parts), 2)]
    else:
        raw = [(part, before == "\n") for part, before in split_with_separators(text, _SEPARATORS)]
    out: list[Piece] = []
    label: str | None = None
    for part, brk in raw:
        part_label, mark_role, name = _piece_of(part)
        if part_label is not None:
            label = part_label
        if name:
            out.append((name, brk, mark_role or label))
    return out


@functools.lru_cache(maxsize=8192)
def _piece_of(part: str) -> tuple[str | None, str | None, str]:
    """One piece of a unit cell → (role its 牵头单位：/配合单位： label gives, or None; role its （牵头）
    mark gives, or None; the unit name without them). Pure, and the same pieces recur on thousands
    of rows, so each distinct one is worked out once (issue 17)."""
    name = _clean_unit_once(part)
    label = None
    m = _LABEL.match(name)
    if m:
        label, name = _role_word(m.group(1)), name[m.end():]
    mark = _MARK.search(name)
    role = None
    if mark:
        role, name = _role_word(mark.group(1) or mark.group(2)), name[: mark.start()]
    return label, role, name


def _joinable(pieces: list[Piece], i: int) -> bool:
    """Whether line i+1 may continue the unit name of line i."""
    nxt, after_break, _ = pieces[i + 1]
    return after_break and not _starts_like_unit(nxt) and pieces[i][0] != nxt


# Whether a unit name starts like a unit of its own (县…, 市…, 各…) or ends like one (…局, …中心): asked of
# every pair of lines of every unit cell, about the same few names (issue 17); pure, so kept per name.
@functools.lru_cache(maxsize=8192)
def _starts_like_unit(name: str) -> bool:
    return _UNIT_START.match(name) is not None


@functools.lru_cache(maxsize=8192)
def _ends_like_unit(name: str) -> bool:
    return _UNIT_END.search(name) is not None


def _join(pieces: list[Piece], at: set[int]) -> list[Piece]:
    out: list[Piece] = []
    for i, (name, brk, role) in enumerate(pieces):
        if i - 1 in at and out:
            last = out[-1]
            out[-1] = (last[0] + name, last[1], last[2] or role)
        else:
            out.append((name, brk, role))
    return out


_PHONE = re.compile(r"[\s:：,，]*(?:电话|手机|联系电话|Tel|TEL)?[:：]?\s*[\d\-－—()（）+ ]{7,}$")


@dataclass(slots=True)
class CellUnits:
    units: tuple[UnitRef, ...]  # each with its person when the lines pair; handed to tasks as it is (shared)
    unpaired: list[str]  # persons that could not be paired (none is ever dropped)
    learnt: list[str] = field(default_factory=list)  # wrapped names this cell showed to be one unit
    roles: list[str | None] = field(default_factory=list)  # per unit: lead/co when the cell says so
    asked: list[str] = field(default_factory=list)  # wrapped names its reading looked up in the learnt ones
    marked: bool = False  # whether the cell gives any unit a role of its own (else the column's role holds)


class UnitReader:
    """Units of one cell paired with the persons of the cell beside it, cached, with the wrapped
    unit names learnt across the table."""

    def __init__(self) -> None:
        self.learnt: set[str] = set()
        self._cache: dict[tuple[object, object], CellUnits] = {}
        self._refs: dict[tuple[str, str | None], UnitRef] = {}  # one UnitRef per unit and person (frozen: shared)
        # A one-line unit or person cell comes back beside many different cells (a lead unit with
        # each of its persons), so each distinct one is split into units or persons once (issue 17);
        # cells of several lines are almost all different, and not kept.
        self._pieces: dict[str, list[Piece]] = {}
        self._persons: dict[str, list[str]] = {}

    def read(self, unit_value: object, person_value: object) -> CellUnits:
        key = (unit_value, person_value)
        hit = self._cache.get(key)
        if hit is None:
            hit = self._cache[key] = self._read(unit_value, person_value)
        return hit

    def forget_cells(self) -> None:
        """Drop the cached cells read before every wrapped name was learnt whose reading asked about
        a name learnt since; keep what was learnt. A cell that asked about no such name reads the same
        now, so it is kept: reading it again was a fifth of a 10,000-task import (issue 17)."""
        learnt = self.learnt
        if learnt:  # nothing learnt (the usual table): every cell reads the same, the cache is kept as it is
            self._cache = {key: cell for key, cell in self._cache.items() if learnt.isdisjoint(cell.asked)}

    def learn(self, unit_value: object, person_value: object) -> None:
        self.learnt.update(self.read(unit_value, person_value).learnt)

    def _read(self, unit_value: object, person_value: object) -> CellUnits:
        # kept per text only (a dict takes 1 and 1.0 for one key, which read as "1" and "1.0")
        if unit_value in ("", None):
            original = []
        elif type(unit_value) is str and "\n" not in unit_value:
            original = self._pieces.get(unit_value)
            if original is None:  # the list is never changed: joins make new ones
                original = self._pieces[unit_value] = _pieces(unit_value)
        else:
            original = _pieces(unit_value)
        if person_value in ("", None):
            persons = []
        elif type(person_value) is str and "\n" not in person_value:
            persons = self._persons.get(person_value)
            if persons is None:
                persons = self._persons[person_value] = _persons(person_value)
        else:
            persons = _persons(person_value)
        pieces = original
        asked: list[str] = []  # the wrapped names looked up in what was learnt (see forget_cells)
        if len(pieces) > 1:
            # the lines that join the next one (see _joinable): written out here, as this is asked of
            # every pair of lines of every unit cell (issue 17); the checks are pure, their order free
            joins = set()
            for i in range(len(pieces) - 1):
                name, (nxt, after_break, _) = pieces[i][0], pieces[i + 1]
                if not after_break or name == nxt or _starts_like_unit(nxt):
                    continue  # not joinable
                if not _ends_like_unit(name) or self._was_learnt(name + nxt, asked) or nxt.startswith(("（", "(")):
                    joins.add(i)  # no unit starts with a bracket
            if joins:
                pieces = _join(pieces, joins)
            if persons and len(pieces) > len(persons):
                candidates = {i for i in range(len(pieces) - 1) if _joinable(pieces, i)}
                if len(candidates) == len(pieces) - len(persons):
                    pieces = _join(pieces, candidates)
        learnt: list[str] = []
        if pieces is not original:  # lines were joined: the joined names are learnt
            kept = {piece[0] for piece in original}
            learnt = [piece[0] for piece in pieces if piece[0] not in kept]
        paired = bool(persons) and len(pieces) == len(persons)
        pairs = zip(pieces, persons) if paired else ((p, None) for p in pieces)
        refs: list[UnitRef] = []
        roles: list[str | None] = []
        unpaired = [] if paired else [p for p in persons if p not in NO_PERSON_MARKS]
        seen: set[str] = set()
        shared = self._refs
        for (name, _, role), person in pairs:
            if name in seen:
                if person:
                    unpaired.append(person)
                continue
            seen.add(name)
            key = (name, None if person in NO_PERSON_MARKS else person)
            ref = shared.get(key)
            if ref is None:
                ref = shared[key] = UnitRef(*key)
            refs.append(ref)
            roles.append(role)
        return CellUnits(tuple(refs), unpaired, learnt, roles, asked, roles.count(None) != len(roles))

    def _was_learnt(self, name: str, asked: list[str]) -> bool:
        asked.append(name)
        return name in self.learnt


# --- cell values ----------------------------------------------------------------------------------


def number_text(value: object) -> str | None:
    """A number cell as printed: 1.0 → "1", "1." → "1", "一、" → "一", "（一）" kept."""
    if type(value) is str and value.isascii() and value.isdigit():  # "12", the usual 序号: as it is (issue 17)
        return value
    if value in ("", None):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (int, float)):
        return str(value)
    text = sentence(value)
    if text[-1:] not in "、.．":
        return text or None
    text = re.sub(r"^(\d+)\s*[.、．]$", r"\1", text)
    text = re.sub(rf"^([{_CN_NUM}]+)\s*[、.．]$", r"\1", text)
    return text or None


def split_number(text: str, pattern: re.Pattern[str] = _TASK_NUMBER) -> tuple[str | None, str]:
    """("（一）", "基本养老保险…") from "（一）基本养老保险…"; (None, text) when it has no number."""
    if not text or text[0] not in _NUMBER_STARTS:
        return None, text
    m = pattern.match(text)
    if not m or not text[m.end():].strip():
        return None, text
    return number_text(m.group(1).strip()), text[m.end():].strip()


def value_text(value: object) -> str:
    """A target / note cell as text: lines kept (two targets on two lines stay two lines)."""
    if isinstance(value, str) and value:  # the usual cell first: its text worked out once
        hit = _VALUES.get(value)
        if hit is not None:
            return hit
    if value in ("", None):
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else f"{value:g}"
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.isoformat()
    hit = _VALUES.get(value)
    if hit is None:
        if len(_VALUES) > 50_000:
            _VALUES.clear()
        hit = _VALUES[value] = unify_brackets(clean_text(value))
    return hit


_VALUES: dict[object, str] = {}


def deadline_text(value: object) -> str:
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return f"{value.year}年{value.month}月{value.day}日"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (int, float)):
        return str(value)
    return sentence(value)


def normalise_status(value: object) -> str | None:
    text = _header_key(value)
    if not text:
        return None
    for status, words in STATUS_WORDS:
        if text in words:
            return status
    for status, words in STATUS_WORDS:
        if any(w in text for w in words if len(w) > 1):
            return status
    return None


@dataclass
class Heading:
    level: int
    number: str | None
    text: str
    lead: list[str]


def _lead_from(text: str) -> int:
    """Where to look for a heading's （牵头单位：…）: its last 300 characters (a search of the whole
    of a huge cell takes time growing with the square of its length)."""
    return max(len(text) - 300, 0)


def parse_heading(value: object) -> Heading:
    """"一、社会保障体系（牵头单位：市人力社保局）" → level 1, 一, 社会保障体系, [市人力社保局]."""
    text = clean_sentence(value)
    lead: list[str] = []
    m = _HEADING_LEAD.search(text, _lead_from(text)) or _HEADING_LEAD_PLAIN.search(text)
    if m:
        lead = [ref.unit for ref in UnitReader().read(m.group(1), "").units]
        text = text[: m.start()].rstrip("，,；;。 ") + ("。" if m.group(0)[:1] == "。" else "")
    number, rest = split_number(text, _HEADING_NUMBER)
    if "。" in rest:
        head = rest.split("。", 1)[0]
        if 0 < len(head) <= 30:
            rest = head
    rest = rest.strip().rstrip("：:。")
    if number is None:
        level = 0
    elif number.startswith("第") or re.fullmatch(rf"[{_CN_NUM}]+", number):
        level = 1
    elif re.fullmatch(rf"（[{_CN_NUM}]+）", number):
        level = 2
    elif number.isdigit():
        level = 3
    else:
        level = 4
    return Heading(level, number, rest, lead)


# --- the reader -----------------------------------------------------------------------------------


class TableReader:
    """One pass over the data rows of a grid whose header has been found."""

    def __init__(self, grid: Grid, layout: Layout):
        self.grid = grid
        self.layout = layout
        self.table = TaskTable(source=grid.file, sheet=grid.sheet)
        self.units = UnitReader()
        self.sections: list[Heading] = []
        self.default_year: int | None = None
        self._tasks_by_row: dict[int, TaskRecord] = {}
        self._first_seen: dict[str, int] = {}
        self._deadlines: dict[object, tuple[str, date | None, bool]] = {}
        self._categories: dict[object, tuple[str | None, str]] = {}  # category cell → (number, text)
        self._notes: list[str] = []
        self._unknown_reported: set[int] = set()
        self._category_value: object = None
        self._category_key: tuple[int, int] | None = None
        self._category_number: str | None = None
        self._category_numbers = False
        self._has_lead_column = any(u.role == LEAD for u in layout.units)
        self._assignments: dict[tuple[object, object, str, bool], tuple] = {}
        self._first_rows: dict[object, tuple] = {}  # unit and person cells of a first row → what they give
        cells = [c for u in layout.units for c in (u.col, u.person_col) if c is not None] + list(layout.lone_persons)
        self._unit_cells = itemgetter(*cells) if cells else (lambda row: ())
        self._unit_columns = [(u.col, u.person_col, u.role) for u in layout.units]
        self._targets: dict[tuple[int, str], TargetRecord] = {}

    def warn(self, message: str, r: int | None = None, c: int | None = None) -> None:
        origin = self.grid.origin(r, c) if r is not None else Origin(self.grid.file, self.grid.sheet)
        self.table.warnings.append(ImportWarning(message, origin))

    # -- header, title, columns
    def read(self) -> TaskTable:
        grid, layout, table = self.grid, self.layout, self.table
        table.warnings.extend(grid.warnings)  # what reading the file found
        table.header = self._header_map()
        table.years = sorted({y for y, _ in layout.years})
        table.title = self._title()
        if table.title:
            years = set(_YEAR_IN_TITLE.findall(table.title))
            if len(years) == 1 and not re.search(r"\d{4}\s*[-—–~至到]\s*\d{4}", table.title):
                self.default_year = int(years.pop())
        for c in layout.hidden_read:
            self.warn(f"{column_letter(grid.col_numbers[c])} 列「{layout.texts.get(c, '')}」是隐藏列，内容仍已读取", layout.header_row, c)
        for c, why in layout.dropped:
            self.warn(f"{column_letter(grid.col_numbers[c])} 列「{layout.texts.get(c, '')}」未读取：{why}", layout.header_row, c)
        for c in layout.lone_persons:
            self.warn(f"「{layout.texts.get(c, '')}」列左边没有单位列，其中的人员作为未配对责任人保留", layout.header_row, c)
        if PROGRESS in layout.roles.values():
            cols = [c for c, r in layout.roles.items() if r == PROGRESS]
            self.warn(f"「{layout.texts.get(cols[0], '')}」列（进展）不属于分工表，未导入；进展请在程序中记录", layout.header_row, cols[0])
        self._learn_wrapped_units()
        self._category_numbers = self._number_column_holds_categories()
        for r in range(layout.data_row, len(grid.rows)):
            self._row(r)
        hidden_rows = sorted(r for r in grid.hidden_rows if r >= layout.data_row and r in self._tasks_by_row)
        if hidden_rows:
            listed = "、".join(str(grid.row_numbers[r]) for r in hidden_rows[:20])
            more = f" 等 {len(hidden_rows)} 行" if len(hidden_rows) > 20 else ""
            self.warn(f"第 {listed}{more} 行是隐藏行，已照常导入")
        table.note = "\n".join(self._notes) or None
        for task in table.tasks:
            if not task.lead:
                self.warn(f"任务「{_short(task.content)}」没有牵头单位", _row_index(grid, task), self.layout.single[CONTENT])
        return table

    def _header_map(self) -> dict[str, str]:
        out: dict[str, str] = {}
        layout = self.layout
        for role, c in layout.single.items():
            out[role] = layout.texts.get(c, "")
        for u in layout.units:
            out.setdefault(u.role, layout.texts.get(u.col, ""))
            if u.person_col is not None:
                out.setdefault(f"{u.role}_person", layout.texts.get(u.person_col, ""))
        if layout.years:
            first = layout.years[0][1]
            out[TARGETS] = layout.texts.get(first, "")
        return out

    def _title(self) -> str | None:
        for r in range(self.layout.header_row):
            values = list(dict.fromkeys(v for v in self.grid.rows[r] if v != ""))
            for v in values:
                text = clean_sentence(v) if isinstance(v, str) else ""
                if text and not _ATTACHMENT.match(text) and not _FOOTER.match(text):
                    return text
        return None

    def _learn_wrapped_units(self) -> None:
        rows = self.grid.rows[self.layout.data_row:]
        for u in self.layout.units:
            if u.person_col is None:
                continue
            # the distinct (unit, person) cells of the column, gathered at C speed (issue 17)
            pairs = set(zip(map(itemgetter(u.col), rows), map(itemgetter(u.person_col), rows)))
            for unit_value, person_value in pairs:
                if isinstance(unit_value, str) and "\n" in unit_value and person_value != "":
                    self.units.learn(unit_value, person_value)
        self.units.forget_cells()

    def _number_column_holds_categories(self) -> bool:
        """Whether 序号 numbers the categories (standing on the first row of each) or the tasks."""
        grid, single = self.grid, self.layout.single
        nc, cc, tc = single.get(NUMBER), single.get(CATEGORY), single.get(CONTENT)
        if nc is None or cc is None:
            return False
        block_key: object = None
        block_rows = 0
        longest = 0
        values: list[object] = []
        for r in range(self.layout.data_row, len(grid.rows)):
            row = grid.rows[r]
            if row[tc] == "" or grid.is_covered(r, tc):
                continue
            merge = grid.merge_at(r, cc)
            key = (merge[0], merge[1]) if merge else (row[cc] if row[cc] != "" else block_key)
            starts = key != block_key
            if starts:
                block_key, block_rows = key, 0
            block_rows += 1
            longest = max(longest, block_rows)
            raw = "" if grid.is_covered(r, nc) else row[nc]
            if raw != "":
                if not starts:
                    return False
                values.append(raw)
        if longest >= 2:
            return True
        return bool(values) and all(isinstance(v, str) and re.fullmatch(rf"[{_CN_NUM}]+[、.．]?", v.strip()) for v in values)

    # -- rows
    def _row(self, r: int) -> None:
        grid, layout = self.grid, self.layout
        row = grid.rows[r]
        empty = row.count("")  # counted at C speed; the filled columns are listed only when needed
        if empty == len(row):
            return
        tc = layout.single[CONTENT]
        content = row[tc]
        merge = grid.merge_at(r, tc) if content != "" else None
        if content == "" or empty == len(row) - 1 or (merge and merge[3] > merge[1]):
            filled = [c for c, v in enumerate(row) if v != ""]
            lone = self._lone_text(r, filled)
            if lone is not None:
                self._lone_row(r, *lone)
                return
            if content == "":
                self._row_without_task(r, filled)
                return
        if merge and merge[0] < r and merge[0] in self._tasks_by_row:
            self._continue_task(self._tasks_by_row[merge[0]], r)
            self._tasks_by_row[r] = self._tasks_by_row[merge[0]]
            return
        self._new_task(r)

    def _lone_text(self, r: int, filled: list[int]) -> tuple[int, object, object] | None:
        """(column, value, number) when the row's only text is one cell or one merged range that
        reads as a heading, note or footer line (number: a 序号 cell standing beside it); None for a
        data row."""
        grid, layout = self.grid, self.layout
        keys: dict[tuple[int, int], tuple[int, int]] = {}
        for c in filled:
            m = grid.merge_at(r, c)
            key = (m[0], m[1]) if m else (r, c)
            if key not in keys:
                keys[key] = (c, (m[3] - m[1] + 1) if m else 1)
        nc = layout.single.get(NUMBER)
        number: object = None
        if len(keys) == 2 and nc is not None and (r, nc) in keys and keys[(r, nc)][1] == 1:
            number = grid.rows[r][nc]  # "一 | 社会保障体系（merged across）": the number belongs to the heading
            del keys[(r, nc)]
        if len(keys) != 1:
            return None
        c, span = next(iter(keys.values()))
        value = grid.rows[r][c]
        text = clean_sentence(value) if isinstance(value, str) else ""
        if span >= 2 and (c == 0 or span * 2 >= grid.width):
            return c, value, number
        if not text:
            return None
        tc = layout.single[CONTENT]
        if _NOTE.match(text) or _FOOTER.match(text):
            return c, value, number
        if c < tc or c == layout.single.get(CATEGORY):
            return c, value, number
        if c == tc and (re.match(rf"^[{_CN_NUM}]+、|^第[{_CN_NUM}\d]+部分", text)
                        or _HEADING_LEAD.search(text, _lead_from(text))):
            return c, value, number
        return None

    def _lone_row(self, r: int, c: int, value: object, number: object = None) -> None:
        layout = self.layout
        text = clean_sentence(value) if isinstance(value, str) else number_text(value) or ""
        if not text:
            return
        if _NOTE.match(text):
            self._notes.append(text)
            return
        if _FOOTER.match(text):
            return
        if c == layout.single.get(NUMBER) and re.fullmatch(r"\d+", text):
            return  # a pre-numbered empty row
        if c == layout.single.get(CATEGORY) and not self.grid.merge_at(r, c):
            self._category_value = value
            self._category_key = (r, c)
            return
        lead_line = _HEADING_LEAD_PLAIN.match(text) or re.match(r"^(?:牵头单位|牵头部门)\s*[:：]\s*(.+)$", text)
        if lead_line and re.match(r"^(?:牵头单位|牵头部门)", text):
            units = [ref.unit for ref in self.units.read(lead_line.group(1), "").units]
            if self.sections:
                self.sections[-1].lead = units
            else:
                self.sections.append(Heading(1, None, "", units))
            return
        heading = parse_heading(value)
        if heading.number is None and number not in ("", None):
            n = number_text(number) or ""
            heading = parse_heading(f"{n}{'' if n.endswith('）') else '、'}{text}")
        if heading.level == 0:
            heading.level = self.sections[-1].level if self.sections else 1
        while self.sections and self.sections[-1].level >= heading.level:
            self.sections.pop()
        self.sections.append(heading)
        self._category_value = None
        self._category_key = None

    def _row_without_task(self, r: int, filled: list[int]) -> None:
        layout = self.layout
        unit_cols = {u.col for u in layout.units} | {u.person_col for u in layout.units if u.person_col is not None}
        data = [c for c in filled if c in unit_cols and not self.grid.is_covered(r, c)]
        if data and self.table.tasks:
            task = self.table.tasks[-1]
            self.warn(f"这一行没有工作任务，其单位和责任人按上一任务「{_short(task.content)}」的续行读取", r, data[0])
            self._continue_task(task, r)
            return
        own = [c for c in filled if not self.grid.is_covered(r, c) and c != layout.single.get(NUMBER)]
        if own:
            texts = "、".join(_short(_label(self.grid.rows[r][c]), 20) for c in own[:3])
            self.warn(f"这一行没有工作任务，内容「{texts}」未导入", r, own[0])

    # -- tasks
    def _category(self, r: int) -> tuple[str | None, str | None]:
        grid, single = self.grid, self.layout.single
        cc, nc = single.get(CATEGORY), single.get(NUMBER)
        number = text = None
        if cc is not None:
            value = grid.rows[r][cc]
            merge = grid.merge_at(r, cc)
            if value != "":
                key = (merge[0], merge[1]) if merge else (r, cc)
                if key != self._category_key and (merge or value != self._category_value):
                    self._category_key = key
                    self._category_value = value
                    self._category_number = None
                    if self._category_numbers and nc is not None:
                        anchor = merge[0] if merge else r
                        raw = "" if grid.is_covered(anchor, nc) else grid.rows[anchor][nc]
                        self._category_number = number_text(raw)
            value = self._category_value
            if value not in ("", None):
                hit = self._categories.get(value)
                if hit is None:
                    hit = self._categories[value] = split_number(sentence(value), _HEADING_NUMBER)
                number, text = hit
                if self._category_numbers:
                    number = self._category_number or number
                return number, text or None
        if self.sections:
            inner = self.sections[-1]
            return inner.number, inner.text or None
        return None, None

    def _new_task(self, r: int) -> None:
        grid, layout = self.grid, self.layout
        row = grid.rows[r]
        tc, nc = layout.single[CONTENT], layout.single.get(NUMBER)
        content = sentence(row[tc]) if isinstance(row[tc], str) else _label(row[tc])
        if not content:  # spaces or invisible characters only: the task cell is empty
            self._row_without_task(r, [c for c, v in enumerate(row) if v != "" and c != tc])
            return
        number = None
        if nc is not None and not self._category_numbers:
            number = number_text(row[nc])
        if number is None:
            found, rest = split_number(content)
            if found:
                number, content = found, rest
        category_number, category = self._category(r)
        task = TaskRecord(content=content, number=number, category=category, category_number=category_number,
                          origin=grid.origin(r, tc))
        self._fill(task, r, first=True)
        if not task.lead:
            for heading in reversed(self.sections):
                if heading.lead:
                    task.lead = [UnitRef(u) for u in heading.lead]
                    task.co = [ref for ref in task.co if ref.unit not in heading.lead]
                    break
        if content in self._first_seen:
            self.warn(f"任务内容与第 {self._first_seen[content]} 行重复：「{_short(content)}」", r, tc)
        else:
            self._first_seen[content] = grid.row_numbers[r]
        self.table.tasks.append(task)
        self._tasks_by_row[r] = task

    def _continue_task(self, task: TaskRecord, r: int) -> None:
        self._fill(task, r, first=False)

    def _fill(self, task: TaskRecord, r: int, first: bool) -> None:
        grid, layout = self.grid, self.layout
        row = grid.rows[r]
        if first:
            self._first_units(task, r, row)
        else:
            self._units_into(task, r, row, False, lambda cell, c: self._warn_unpaired(cell, r, c))
        single = layout.single
        if DEADLINE in single and (first or task.deadline is None):
            self._deadline(task, r, single[DEADLINE])
        have = {t.year for t in task.targets} if task.targets else set()
        for year, c in layout.years:
            if row[c] == "":  # an empty target cell (a real table leaves many): nothing to read
                continue
            text = value_text(row[c])
            if text and year not in have:
                target = self._targets.get((year, text))
                if target is None:  # shared by the tasks with the same target: nothing changes them
                    target = self._targets[year, text] = TargetRecord(year, text)
                task.targets.append(target)
                have.add(year)
        if STATUS in single and task.status is None and row[single[STATUS]] != "":
            task.status = normalise_status(row[single[STATUS]])
            if task.status is None:
                self.warn(f"完成状态「{_label(row[single[STATUS]])}」无法识别（应为 未启动/推进中/已完成）", r, single[STATUS])
        if DONE_ON in single and task.done_on is None and row[single[DONE_ON]] != "":
            task.done_on = parse_due(row[single[DONE_ON]])
            if task.done_on is None:
                self.warn(f"完成日期「{_label(row[single[DONE_ON]])}」读不出日期", r, single[DONE_ON])
        if NOTES in single and row[single[NOTES]] != "":
            note = value_text(row[single[NOTES]])
            if note and (task.notes is None or note not in task.notes):
                task.notes = note if task.notes is None else f"{task.notes}\n{note}"
        for c in layout.unknown:
            if c not in self._unknown_reported and row[c] != "" and not grid.is_covered(r, c):
                self._unknown_reported.add(c)
                header = layout.texts.get(c)
                what = f"表头「{header}」未识别" if header else "没有表头"
                self.warn(f"{column_letter(grid.col_numbers[c])} 列{what}，这一列的内容未导入（如「{_short(_label(row[c]), 20)}」）", r, c)

    def _first_units(self, task: TaskRecord, r: int, row: list[object]) -> None:
        """The units and persons of a task's first row. Tables repeat the same unit cells on many
        rows, so the result is kept per set of cell values (the UnitRefs are shared: nothing
        changes them) and only the row's warnings are made again."""
        key = self._unit_cells(row)
        hit = self._first_rows.get(key)
        if hit is None:
            hit = self._first_rows[key] = self._row_units(row)
        lead, co, unpaired, warnings = hit
        task.lead, task.co, task.unpaired_persons = list(lead), list(co), list(unpaired)
        for cell, c in warnings:
            self._warn_unpaired(cell, r, c)

    def _row_units(self, row: list[object]) -> tuple[tuple[UnitRef, ...], tuple[UnitRef, ...], tuple[str, ...],
                                                     tuple[tuple[CellUnits, int | None], ...]]:
        """(lead, co, unpaired persons, the cells to warn about) of a task's first row: what
        ``_units_into`` gives an empty task, reached with less work per row (issue 17: real tables
        have a different set of unit cells on almost every row). Each cell's (lead, co) units are
        gathered in column order, then made distinct by unit (the first wins; one cell's units are
        already distinct) and the co units that also lead are dropped, as ``_units_into`` does
        while it goes."""
        read, assign = self.units.read, self._assign
        leads: list[tuple[UnitRef, ...]] = []
        cos: list[tuple[UnitRef, ...]] = []
        unpaired: list[str] = []
        warnings: list[tuple[CellUnits, int | None]] = []
        for col, person_col, role in self._unit_columns:
            unit_value = row[col]
            person_value = row[person_col] if person_col is not None else ""
            if unit_value == "" and person_value == "":
                continue
            cell = read(unit_value, person_value)
            if cell.unpaired:
                warnings.append((cell, person_col))
                for person in cell.unpaired:
                    if person not in unpaired:
                        unpaired.append(person)
            lead, co = assign(unit_value, person_value, cell, role, bool(leads))
            if lead:
                leads.append(lead)
            if co:
                cos.append(co)
        for c in self.layout.lone_persons:
            for person in split_persons(row[c]):
                if person not in unpaired:
                    unpaired.append(person)
        lead = leads[0] if len(leads) == 1 else _distinct_units(leads)
        co = cos[0] if len(cos) == 1 else _distinct_units(cos)
        if lead and co:
            names = {ref.unit for ref in lead}
            kept = [ref for ref in co if ref.unit not in names]
            if len(kept) < len(co):
                co = tuple(kept)
        return lead, co, tuple(unpaired), tuple(warnings)

    def _units_into(self, task: TaskRecord, r: int, row: list[object], first: bool,
                    warn: Callable[[CellUnits, int | None], None]) -> None:
        grid, layout = self.grid, self.layout
        lead_names = {ref.unit for ref in task.lead} if task.lead else set()
        co_names = {ref.unit for ref in task.co} if task.co else set()
        for u in layout.units:
            unit_value = row[u.col]
            person_value = row[u.person_col] if u.person_col is not None else ""
            if unit_value == "" and person_value == "":
                continue
            if not first and (grid.is_covered(r, u.col) and (u.person_col is None or grid.is_covered(r, u.person_col))):
                continue
            cell = self.units.read(unit_value, person_value)
            if cell.unpaired:
                warn(cell, u.person_col)
                task.unpaired_persons.extend(p for p in cell.unpaired if p not in task.unpaired_persons)
            lead, co = self._assign(unit_value, person_value, cell, u.role, bool(lead_names))
            for ref in lead:  # the cell's own UnitRefs (frozen): shared, not made again for each task
                if ref.unit not in lead_names:
                    lead_names.add(ref.unit)
                    task.lead.append(ref)
            for ref in co:
                if ref.unit not in co_names:
                    co_names.add(ref.unit)
                    task.co.append(ref)
        for c in layout.lone_persons:
            for person in split_persons(row[c]):
                if person not in task.unpaired_persons:
                    task.unpaired_persons.append(person)
        if co_names & lead_names:
            task.co = [ref for ref in task.co if ref.unit not in lead_names]

    def _assign(self, unit_value: object, person_value: object, cell: CellUnits, column_role: str,
                lead_taken: bool) -> tuple[tuple[UnitRef, ...], tuple[UnitRef, ...]]:
        """(lead, co) units of one unit cell: a role marked in the cell wins, else the column's role;
        in a 责任单位 column the first unit leads unless a lead is already known."""
        if not cell.marked:  # the usual cell: no role written in it, its units take the column's
            if column_role == LEAD:
                return cell.units, ()
            if column_role == CO:
                return (), cell.units
        key = (unit_value, person_value, column_role, lead_taken)
        hit = self._assignments.get(key)
        if hit is None:
            lead: list[UnitRef] = []
            co: list[UnitRef] = []
            marked_lead = LEAD in cell.roles
            for ref, role in zip(cell.units, cell.roles):
                if role is None:
                    if column_role == LEAD:
                        role = LEAD
                    elif column_role == CO or self._has_lead_column or marked_lead or lead_taken or lead:
                        role = CO
                    else:
                        role = LEAD
                (lead if role == LEAD else co).append(ref)
            hit = self._assignments[key] = (tuple(lead), tuple(co))
        return hit

    def _warn_unpaired(self, cell: CellUnits, r: int, c: int | None) -> None:
        persons = "、".join(cell.unpaired)
        if cell.units:
            names = "、".join(ref.unit for ref in cell.units)
            self.warn(f"责任人「{persons}」与单位「{names}」数目不一致，未配对，保留为未配对责任人", r, c)
        else:
            self.warn(f"责任人「{persons}」旁边没有单位，保留为未配对责任人", r, c)

    def _deadline(self, task: TaskRecord, r: int, c: int) -> None:
        value = self.grid.rows[r][c]
        if value == "":
            return
        hit = self._deadlines.get(value)
        if hit is None:
            text = deadline_text(value)
            due = parse_due(value if not isinstance(value, str) else text, self.default_year)
            hit = self._deadlines[value] = (text, due, due is None and not is_open_ended(text))
        text, due, unreadable = hit
        task.deadline, task.due = text or None, due
        if unreadable and text:
            self.warn(f"完成时限「{_short(text, 30)}」读不出日期，已保留原文", r, c)


def _distinct_units(parts: list[tuple[UnitRef, ...]]) -> tuple[UnitRef, ...]:
    """The UnitRefs of several cells in order, each unit once (its first)."""
    seen: set[str] = set()
    return tuple(ref for part in parts for ref in part if not (ref.unit in seen or seen.add(ref.unit)))


def _short(text: str, n: int = 24) -> str:
    text = text.replace("\n", " ")
    return text if len(text) <= n else text[: n - 1] + "…"


def _row_index(grid: Grid, task: TaskRecord) -> int | None:
    if task.origin is None or task.origin.row is None:
        return None
    return task.origin.row - grid.row_numbers[0] if grid.row_numbers else None


# --- entry point ----------------------------------------------------------------------------------


def choose_sheet(source, sheet: str | None) -> str:
    """The sheet named by ``sheet``, else the one whose header scores best (visible sheets first)."""
    names = list(source.sheet_names)
    if not names:
        raise refuse(source.file, "工作簿是空的，没有任何工作表。")
    if sheet is not None:
        if sheet not in names:
            raise refuse(source.file, f"没有名为「{sheet}」的{_sheet_word(source)}；现有：{'、'.join(names)}。")
        return sheet
    best, best_score, empty = None, 0, 0
    ordered = [n for n in names if n not in source.hidden_sheets] + [n for n in names if n in source.hidden_sheets]
    for name in ordered:
        preview = source.preview(name, HEADER_SEARCH_ROWS * 3)
        if not any(any(v not in ("", None) for v in row) for row in preview):
            empty += 1
            continue
        _, score = find_header_row(preview)
        if score > best_score:
            best, best_score = name, score
    if best is None:
        if empty == len(names):
            what = "文件是空的，没有任何内容" if len(names) == 1 else f"{len(names)} 个{_sheet_word(source)}都是空的"
            raise refuse(source.file, f"{what}。")
        if len(names) == 1:
            raise refuse(source.file, _NO_HEADER, sheet=names[0])
        raise refuse(source.file, f"在任何一个{_sheet_word(source)}（{'、'.join(names)}）的{_NO_HEADER}")
    return best


_NO_HEADER = (f"前 {HEADER_SEARCH_ROWS} 行里没有找到任务分工表的表头。"
              f"查找的表头文字：{HEADER_WORDS_LOOKED_FOR}（至少要有任务列和另一列）。")


def _sheet_word(source) -> str:
    return source.sheet_word


def read_task_table(path: str | Path, sheet: str | None = None, opening: OpeningSource | None = None) -> TaskTable:
    """The division table in ``path`` (the sheet named ``sheet``, or the one that holds the table),
    as plain records. ``opening`` is the same file already being opened in a helper thread. Raises
    ImportRefused, with a Chinese message naming the file (and sheet/row where it applies), for
    anything that cannot be imported."""
    path = Path(path)
    try:
        with opening.take() if opening is not None else open_source(path) as source:
            name = choose_sheet(source, sheet)
            grid = source.grid(name)
            if not grid.rows:
                raise refuse(source.file, f"这个{_sheet_word(source)}是空的，没有任何内容。", sheet=name)
            h, _ = find_header_row(grid.rows)
            if h < 0:
                raise refuse(source.file, _NO_HEADER, sheet=name)
            layout = build_layout(grid, h)
            table = TableReader(grid, layout).read()
            if not table.tasks:
                raise refuse(source.file, "找到了表头，但下面没有任何任务。", sheet=name, row=grid.row_numbers[h])
            return table
    except ImportRefused:
        raise
    except MemoryError:
        raise refuse(path, "文件太大，读取时内存不足，已停止。") from None
    except BaseException as exc:  # noqa: BLE001 — the user gets a message, never a traceback
        if isinstance(exc, FATAL):
            raise
        raise refuse(path, f"读取失败：{type(exc).__name__}: {str(exc)[:200]}") from None
