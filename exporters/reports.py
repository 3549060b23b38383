"""The four Excel layouts sent upward (issue 4): 分工表, 进展情况表, 逾期督办清单, 成员名单.

Each ``write_*`` function reads what it needs through ``exporters.ledger_data`` (plain sqlite3)
and lays it out on one ``Sheet``. ``exporters.excel.export`` is the entry point.

The division table reads back through ``importers.table`` into the same tasks (PRODUCT §5), so its
layout follows what that reader understands:

* Two ways to number. When the tasks carry their own numbers and no number repeats (临海 1–94,
  启东, 四平), 序号 holds the task numbers and 项目名称 the category with its number in front
  ("（一）老有所养"). Otherwise (闽清: each category restarts at （一）) 序号 holds the category
  numbers, merged down beside 项目名称, and each task's number stands at the start of its text
  ("（一）基本养老保险…"), as in seed 002. ``_numbering`` also checks that the reader will tell
  the two apart for this group and picks the other way when it would not.
* 项目名称 is left out when no task has a category.
* 完成时限 is one column, or, when the group has yearly targets, a header merged over one
  sub-column per year (plus a 时间节点 sub-column when some task also has a written deadline).
* Several units (and persons) stand one per line. A list whose lines the reader could take for
  one wrapped unit name (a line neither ending like a unit nor followed by one starting like a
  unit) is written with 、 instead, which the reader never joins.
* Persons that could not be paired with a unit (未配对责任人) stand in the person column of a unit
  list with no persons of its own, whose count differs so the reader does not pair them; when no
  such column exists they get a 未配对责任人 column of their own.
* 完成状态 and 完成日期 (not 完成时间: the reader takes that for a deadline) are always there,
  their headers on two lines (完成\n状态) to keep the columns narrow; 备注 only when some task has
  notes.
* Pages are broken by the exporter itself (``Sheet.paginate``): a category (or, in the other
  reports, a unit or a role) that runs over a page is merged again on the next page, its name
  repeated, so no merged cell is cut by a page break.

The other reports are not read back. Decisions there: 进展情况表 puts the categories as heading
rows, numbers its rows 1…n (or uses the tasks' own numbers when they run through the table), and
shows the yearly targets as 完成时限 when a task has no written deadline; 督办清单 lists a task under
each of its lead units, units ordered by overdue count, then the longest overdue, then the number
listed; 成员名单 leaves replaced members out (the roster sent upward is the current one) and lists
the liaisons after everyone else under a 联络员 heading row.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from exporters.ledger_data import GroupInfo, MemberRow, TaskRow, read_members, read_tasks
from exporters import fitting
from exporters.xlsx_sheet import (BODY_PT, CELL_CHARS, FORMULA_STARTS, LABEL_PT, LINE_POINTS, TITLE_PT, Column,
                                  Sheet, line_count, preferred_text_width)

DONE, IN_PROGRESS, NOT_STARTED = "已完成", "推进中", "未启动"
TITLES = {"division": "重点任务分工表", "progress": "重点任务进展情况表", "overdue": "逾期及临期任务督办清单",
          "roster": "成员名单"}

# The division-table reader's own tests of a unit name (importers.table: _UNIT_END, _UNIT_START);
# tests/test_export_division.py checks that the reader reads back every unit list written with them.
UNIT_END = re.compile(
    r"(局|办|委|部|中心|院|所|队|会|站|室|处|科|股|镇|乡|街道|政府|公司|组|厅|馆|团|社|联|协|行|台|司|区|县|市|村|"
    r"校|场|厂|署|关|班|位|门|业|园|）|党委|支部|人大|政协|长)$"
)
UNIT_START = re.compile(r"^(县|市|区|省|州|盟|旗|镇|乡|街道|各|中共|共青团|团|国家|全|中国|自治)")
# The reader's mark of a unit without a person (importers.records.NO_PERSON; tests/test_export_division.py
# checks they agree), written out here so an export does not load the importers (~20 ms, issue 17).
NO_PERSON = "—"
HEADER_ROW = 21.0  # points: one line of 11 pt 黑体 with room around it
_CN_NUMERAL = re.compile(r"[一二三四五六七八九十百零〇两]+")
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"


def cn_date(value: date) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


def numbered(number: str | None, text: str | None) -> str:
    """A number printed before its text as the reader splits it again: （一）老有所养, 一、…, 1.…"""
    text = text or ""
    if not number:
        return text
    if not text:
        return number
    if number[-1] in "）)" or number[0] in _CIRCLED or number.startswith("第"):
        return number + text
    if number.isdigit():
        return number + (". " if text[0].isdigit() else ".") + text
    if _CN_NUMERAL.fullmatch(number):
        return f"{number}、{text}"
    return f"{number} {text}"


def _label_row(sheet: Sheet, row: int, attachment: str | None) -> None:
    """The 附件 label above the title (黑体 三号): 附件, or 附件1, 附件2 … when exported together."""
    sheet.ws.write_string(row, 0, attachment or "附件", sheet.fmt("label"))
    sheet.set_row(row, LABEL_PT * 1.5 + 4)


def _title_rows(sheet: Sheet, row: int, group: str, kind: str, last_col: int, own: str | None = None) -> str:
    """The title across the table (方正小标宋简体 二号): the document's own title when one was
    imported, else the group's name and the table's, on two lines (broken between the two) when
    the table is narrower than the title. Returns the title on one line."""
    if own and len(own) <= 10:  # a bare 重点任务分工表: the group's name before it
        own = f"{group}{own}"
    title = own or f"{group}{TITLES[kind]}"
    # the merged cell as printed: each column as the file holds it (5 pixels of the default font more
    # than its width; ``Sheet.scale`` counts them too), less the cell's margins
    printed = sum(int(w * 7 + 5) for w in sheet.widths[:last_col + 1]) / 7 - fitting.CELL_PADDING
    width = printed * BODY_PT / TITLE_PT
    if line_count(title, width) == 1:
        text = title
    elif own:
        text = fitting.wrapped(title, width)
    else:
        text = f"{group}\n{TITLES[kind]}"
    sheet.merge(row, 0, row, last_col, text, "title")
    sheet.set_row(row, line_count(text, width) * TITLE_PT * 1.45 + 12)
    return title


def _empty_row(sheet: Sheet, row: int, last_col: int, text: str) -> None:
    """An empty report says so on the sheet (and ``sheet.empty`` tells the command line)."""
    sheet.merge(row, 0, row, last_col, text, "center")
    sheet.set_row(row, 36)
    sheet.empty = text


# --------------------------------------------------------------------------------- division


def _blocks(tasks: list[TaskRow]) -> list[list[TaskRow]]:
    """Runs of consecutive tasks in the same category (number and name)."""
    blocks: list[list[TaskRow]] = []
    key: object = object()
    for task in tasks:
        k = (task.category_number, task.category)
        if k != key:
            blocks.append([])
            key = k
        blocks[-1].append(task)
    return blocks


def _numbering(tasks: list[TaskRow], blocks: list[list[TaskRow]], has_category: bool) -> str:
    """"task": 序号 holds the task numbers; "category": 序号 holds the category numbers (merged)
    and task numbers lead their text. Mirrors how importers.table decides what 序号 holds."""
    numbers = [t.number for t in tasks if t.number]
    if not has_category:
        return "task"
    longest = max(len(b) for b in blocks)

    def category_works() -> bool:
        cat_numbers = [b[0].category_number for b in blocks if b[0].category_number]
        return longest >= 2 or not cat_numbers or all(_CN_NUMERAL.fullmatch(n) for n in cat_numbers)

    def task_works() -> bool:
        if any(t.number for b in blocks for t in b[1:]):
            return True  # a number below a category's first row: the reader takes 序号 as task numbers
        firsts = [b[0].number for b in blocks if b[0].number]
        holds_categories = longest >= 2 or (bool(firsts) and all(_CN_NUMERAL.fullmatch(n) for n in firsts))
        return not holds_categories or not numbers

    prefer = "task" if numbers and len(set(numbers)) == len(numbers) else "category"
    works = {"task": task_works, "category": category_works}
    if works[prefer]():
        return prefer
    other = "category" if prefer == "task" else "task"
    return other if works[other]() else prefer


# The two tests of a unit name, once per distinct name (issue 17: a real table's unit lists differ
# from task to task, the few hundred names in them do not).
@lru_cache(maxsize=65_536)
def _starts_like_unit(unit: str) -> bool:
    return UNIT_START.match(unit) is not None


@lru_cache(maxsize=65_536)
def _ends_like_unit(unit: str) -> bool:
    return UNIT_END.search(unit) is not None


def _unit_cell(units: list[str], persons: int) -> str:
    """Units one per line, unless the reader would take two lines for one wrapped name; then 、."""
    if len(units) < 2:
        return units[0] if units else ""
    return "、".join(units) if _risky(units, persons) else "\n".join(units)


def _risky(units: list[str], persons: int) -> bool:
    """Whether the reader could take two lines of ``units`` (one a line) for one wrapped name: a line
    it may join to the next (the next does not start like a unit) that does not end like a unit, or
    as many joinable lines as units beyond the ``persons``. One pass, no lists (issue 17: a real
    table's unit lists differ from task to task)."""
    joinable = 0
    for unit, after in zip(units, units[1:]):
        if unit != after and not _starts_like_unit(after):
            if not _ends_like_unit(unit):
                return True
            joinable += 1
    return bool(persons) and len(units) > persons and joinable == len(units) - persons


@dataclass(slots=True)
class _Units:
    units: str
    persons: str


def _break_keeps_unit(unit: str, lines: tuple[str, ...]) -> bool:
    """Whether ``unit`` may be written broken into ``lines``: the reader (importers.table) joins
    the lines again only when each break, outside brackets, leaves a line that does not end like a
    unit name followed by one that does not start like one, or is followed by a line opening with
    a bracket (市卫生健康局 / （市老龄办）)."""
    depth = 0
    for i, line in enumerate(lines[:-1]):
        depth += sum(line.count(c) for c in "（(") - sum(line.count(c) for c in "）)")
        if lines[i + 1].startswith(("（", "(")):  # the reader joins a line opening with a bracket
            continue
        if depth <= 0 and (UNIT_END.search(line) or UNIT_START.match(lines[i + 1]) or line == lines[i + 1]):
            return False
    return True


def _unit_floor(column: Column, units: set[str]) -> float:
    """The text width a unit column sized for its typical name needs so that every longer name
    can be written broken where the reader joins it again (``_break_keeps_unit``): 医保中心闽清管理部
    may not become 医保中心 / 闽清管理部 (the reader would take two units), so the column grows
    until a break that keeps it and reads well exists (医保中心闽清 / 管理部, not 医保中心闽 / 清管理部),
    at most to the name's own width."""
    floor = column.want()
    step = fitting.BODY_PT / fitting.POINTS_PER_UNIT / 2
    for unit in sorted(units, key=fitting.text_width):
        need = fitting.text_width(unit)
        width = floor
        while width < need:
            lines = fitting.wrap_where(unit, width + fitting.CELL_PADDING, _break_keeps_unit)
            if lines is not None and fitting.reads_well(lines) and all(
                    fitting.fits(line, width + fitting.CELL_PADDING) for line in lines):
                break
            width += step
        floor = max(floor, min(width, need))
    return floor


def _role_cells(pairs: list[tuple[str, str | None]], extra: list[str], unit_width: float,
                person_width: float) -> _Units:
    """A unit list and the persons beside it. Units one per line, each wrapped to the column and
    its person padded to the same lines (``fitting.pair_lines``), unless the reader would take two
    lines for one wrapped name (then 、) or unpaired persons stand in the column."""
    units = [u for u, _ in pairs]
    persons = [p for _, p in pairs if p]
    if persons and len(persons) != len(units):  # some units without a person: "—" keeps lines paired
        pairs = [(u, p or NO_PERSON) for u, p in pairs]
        persons = [p for _, p in pairs]
    if len(units) >= 2 and _risky(units, len(persons) + len(extra)) and not any("\n" in u for u in units):
        # as _unit_cell writes them: with 、
        return _Units("、".join(units), "\n".join([p or "" for _, p in pairs if p] + extra))
    if extra:
        return _Units("\n".join(units), "\n".join([p or "" for _, p in pairs] + extra).strip("\n"))
    unit_text, person_text, _ = fitting.pair_lines(pairs, unit_width, person_width,
                                                   break_left=_break_keeps_unit)
    return _Units(unit_text, person_text)


def _place_unpaired(task: TaskRow) -> str | None:
    """Where the task's unpaired persons go: "lead", "co" or None (a column of their own)."""
    n = len(task.unpaired)
    for role, pairs in (("lead", task.lead), ("co", task.co)):
        if all(p is None for _, p in pairs) and len(pairs) != n:
            return role
    return None


def _paged_block(sheet: Sheet, row: int, segments: list[tuple[int, int]], lines: list[int],
                 merged: list[tuple[int, str | None]], style: str = "center") -> None:
    """Heights and merged columns of one block of rows starting at ``row``: each merged text is
    merged page by page (repeated on each page the block runs onto), every segment tall enough
    for it."""
    for first, last in segments:
        seg = sheet.grow(lines[first:last + 1], merged)
        for i, n in enumerate(seg):
            sheet.set_row(row + first + i, sheet.height(n))
        for col, text in merged:
            sheet.merge(row + first, col, row + last, col, text, style)


def write_division(sheet_factory, conn: sqlite3.Connection, group: GroupInfo, with_status: bool = False,
                   attachment: str | None = None) -> Sheet:
    """The division table with exactly the standard columns the group's data fills: 序号, 项目名称,
    工作任务, 完成时限 (or a column per year), 牵头单位, 责任人, 配合单位, 责任人; a column empty on
    every row is left out; 完成状态 and 完成日期 only ``with_status``."""
    tasks = read_tasks(conn, group.id)
    blocks = _blocks(tasks)
    has_category = any(t.category or t.category_number for t in tasks)
    mode = _numbering(tasks, blocks, has_category)
    years = sorted({y for t in tasks for y in t.targets})
    has_deadline = any(t.deadline for t in tasks)
    has_notes = any(t.notes for t in tasks)
    placement = {t.id: _place_unpaired(t) for t in tasks if t.unpaired}
    own_unpaired_column = any(v is None for v in placement.values())
    has_co = any(t.co for t in tasks)
    lead_persons = any(p for t in tasks for _, p in t.lead) or "lead" in placement.values()
    co_persons = any(p for t in tasks for _, p in t.co) or "co" in placement.values()
    if own_unpaired_column:  # the reader takes a person column right of a unit column for its persons
        lead_persons = co_persons = True

    columns: list[Column] = [Column("序号", low=4.5, high=9)]
    if has_category:
        columns.append(Column("项目名称", low=13.4, high=14))  # merged down its rows: six characters a line
    c_content = len(columns)
    columns.append(Column("工作任务", "flex", low=28, align="left",
                          pref=preferred_text_width([t.content for t in tasks], 34, 60)))
    year_cols: dict[int, int] = {}
    for year in years:
        year_cols[year] = len(columns)
        columns.append(Column(f"{year}年", low=7, high=14))
    c_deadline = None
    if has_deadline:
        c_deadline = len(columns)
        columns.append(Column("时间节点" if years else "完成时限", low=9, high=19, typical=True))
    c_lead = len(columns)
    # unit columns are sized for their typical name and wrap the longer ones where they read well
    # (before a bracket), each person padded to its unit's lines (``fitting.pair_lines``); a person
    # column holds its longest name on one line
    columns.append(Column("牵头单位", low=9, high=30, wraps=False, typical=True, pieces=False))
    c_lead_person = c_co = c_co_person = c_status = None
    if lead_persons:
        c_lead_person = len(columns)
        columns.append(Column("责任人", low=7, high=16, wraps=False))
    if has_co:
        c_co = len(columns)
        columns.append(Column("配合单位", low=9, high=30, wraps=False, typical=True, pieces=False))
        if co_persons:
            c_co_person = len(columns)
            columns.append(Column("责任人", low=7, high=16, wraps=False))
    if with_status:
        c_status = len(columns)
        columns += [Column("完成\n状态", low=6, wraps=False), Column("完成\n日期", low=6, high=18, wraps=False)]
    c_notes = c_unpaired = None
    if has_notes:
        c_notes = len(columns)
        columns.append(Column("备注", "flex", low=10, share=0.35, align="left",
                              pref=preferred_text_width([t.notes for t in tasks if t.notes], 10, 24)))
    if own_unpaired_column:
        c_unpaired = len(columns)
        columns.append(Column("未配对责任人", low=8, high=12))
    last = len(columns) - 1

    # Measure the short columns first (their widest unbreakable piece: a unit, a person, a
    # category), fit the widths, then lay out the cells, then size the rows and break the pages.
    # Column by column: each column's texts gathered in one list and each distinct text measured
    # once (``Column.see_all``; issue 17: 10,000 rows hold a few hundred units and phrasings).
    if mode == "task":
        columns[0].see_all([t.number for t in tasks])
    for year, col in year_cols.items():
        columns[col].see_all([t.targets.get(year) for t in tasks])
    if c_deadline is not None:
        columns[c_deadline].see_all([t.deadline for t in tasks])
    columns[c_lead].see_all([u for t in tasks for u, _ in t.lead])
    if c_lead_person is not None:
        columns[c_lead_person].see_all([p for t in tasks for _, p in t.lead])
    if c_co is not None:
        columns[c_co].see_all([u for t in tasks for u, _ in t.co])
        if c_co_person is not None:
            columns[c_co_person].see_all([p for t in tasks for _, p in t.co])
    for task in tasks:
        for person in task.unpaired:
            columns[{"lead": c_lead_person, "co": c_co_person}.get(placement.get(task.id) or "", c_unpaired)
                    or c_lead].see(person)
    if c_status is not None:
        columns[c_status].see_all([t.status for t in tasks])
        columns[c_status + 1].see_all([cn_date(t.done_on) for t in tasks if t.done_on])
    categories: list[str | None] = []
    for block in blocks:
        head = block[0]
        if mode == "category":
            columns[0].see(head.category_number)
        categories.append(numbered(head.category_number, head.category) if mode == "task" else head.category)
        if has_category:
            columns[1].see(categories[-1])
    for col, role in ((c_lead, "lead"), (c_co, "co")):
        if col is not None:
            columns[col].floor = _unit_floor(columns[col], {u for t in tasks for u, _ in getattr(t, role)})
    sheet: Sheet = sheet_factory("分工表", columns)
    sheet.set_widths()
    widths = sheet.widths
    role_cells: dict[tuple, _Units] = {}  # unit lists repeat from task to task

    def cells_of(pairs: list[tuple[str, str | None]], extra: list[str], unit_col: int, person_col: int | None) -> _Units:
        key = (unit_col, tuple(pairs), tuple(extra))
        hit = role_cells.get(key)
        if hit is None:
            hit = _role_cells(pairs, extra, widths[unit_col], widths[person_col] if person_col is not None else 1.0)
            if len(role_cells) < 50_000:
                role_cells[key] = hit
        return hit

    # The body's cells, a list per column (one text or None per task), the columns in the order a
    # row's cells are written: that order fixes xlsxwriter's table of shared strings, so the file is
    # the same as when they were written cell by cell.
    body: dict[int, list[str | None]] = {
        c_content: [t.content for t in tasks] if mode == "task" else [numbered(t.number, t.content) for t in tasks]}
    leads = [cells_of(t.lead, t.unpaired if placement.get(t.id) == "lead" else [], c_lead, c_lead_person)
             for t in tasks]
    body[c_lead] = [cell.units for cell in leads]
    if c_lead_person is not None:
        body[c_lead_person] = [cell.persons for cell in leads]
    if c_co is not None:
        cos = [cells_of(t.co, t.unpaired if placement.get(t.id) == "co" else [], c_co, c_co_person) for t in tasks]
        body[c_co] = [cell.units for cell in cos]
        if c_co_person is not None:
            body[c_co_person] = [cell.persons for cell in cos]
    if mode == "task":
        body[0] = [t.number for t in tasks]
    for year, col in year_cols.items():  # targets keep their own lines (the reader keeps them too)
        body[col] = [t.targets.get(year) for t in tasks]
    if c_deadline is not None:  # the reader joins wrapped lines of a deadline again
        fitted = {d: sheet.fitted(c_deadline, d) for d in {t.deadline for t in tasks}}
        body[c_deadline] = [fitted[t.deadline] for t in tasks]
    if c_notes is not None:
        body[c_notes] = [t.notes for t in tasks]
    if c_unpaired is not None:
        body[c_unpaired] = ["\n".join(t.unpaired) if t.unpaired and placement.get(t.id) is None else None
                            for t in tasks]
    merged_of: list[list[tuple[int, str | None]]] = []
    for block, category in zip(blocks, categories):
        merged: list[tuple[int, str | None]] = []
        if mode == "category":
            merged.append((0, block[0].category_number))
        if has_category:
            merged.append((1, sheet.fitted(1, category)))
        merged_of.append(merged)
    ws = sheet.ws

    _label_row(sheet, 0, attachment)
    title = _title_rows(sheet, 1, group.name, "division", last, group.title)
    top = 2
    bottom = top + (1 if years else 0)
    for row in range(top, bottom + 1):
        sheet.set_row(row, HEADER_ROW if years else 2 * LINE_POINTS + 6)
    for c, column in enumerate(columns):
        if c in year_cols.values() or (years and c == c_deadline):
            continue
        sheet.merge(top, c, bottom, c, column.header, "header")
    if years:
        sub = list(year_cols.values()) + ([c_deadline] if c_deadline is not None else [])
        if len(sub) > 1:
            sheet.merge(top, sub[0], top, sub[-1], "完成时限", "header")
        else:
            sheet.text(top, sub[0], "完成时限", "header")
        for c in sub:
            sheet.text(bottom, c, columns[c].header, "header")
    if not tasks:
        _empty_row(sheet, bottom + 1, last, "本组还没有任务。")

    # Each row takes the lines of its tallest cell (an empty cell one line): counted column by
    # column, once per distinct text of the column.
    counts = [1] * len(tasks)
    for col, values in body.items():
        known = {value: sheet.lines(col, value) for value in set(values)}
        if max(known.values(), default=1) > 1:
            counts = list(map(max, counts, map(known.__getitem__, values)))
    block_lines: list[list[int]] = []
    i = 0
    for block, merged in zip(blocks, merged_of):
        block_lines.append(sheet.grow(counts[i:i + len(block)], merged))
        i += len(block)
    note = None
    if group.note:
        note = group.note if re.match(r"^(注|备注|说明)", group.note) else f"注：{group.note}"
    pages = sheet.paginate([[sheet.height(n) for n in b] for b in block_lines]
                           + ([[sheet.span_height(note)]] if note else []), bottom + 1, top, bottom)

    r = bottom + 1 + (0 if tasks else 1)
    # The body's cells are most of the sheet: a plain text and an empty cell go straight to
    # xlsxwriter's typed writers with the format fetched once per style (in the order
    # ``sheet.text`` would create it, so the file is the same); only a text that needs Excel's quote
    # prefix or cutting takes ``sheet.text``.
    write_string, write_blank, text_cell = ws.write_string, ws.write_blank, sheet.text
    styles = [(col, "left" if col == c_content or col == c_notes else "center") for col in body]
    rows = zip(*body.values())
    body_formats: dict[str, Any] = {}
    for block, merged, block_counts, segments in zip(blocks, merged_of, block_lines, pages):
        for task, cells in zip(block, rows):
            for (col, style), value in zip(styles, cells):
                if not value or (len(value) <= CELL_CHARS and not value.startswith(FORMULA_STARTS)):
                    fmt = body_formats.get(style)
                    if fmt is None:
                        fmt = body_formats[style] = sheet.fmt(style)
                    if value:
                        write_string(r, col, value, fmt)
                    else:
                        write_blank(r, col, None, fmt)
                else:
                    text_cell(r, col, value, style)
            if c_status is not None:
                sheet.text(r, c_status, task.status)
                sheet.date(r, c_status + 1, task.done_on if task.status == DONE else None)
            r += 1
        _paged_block(sheet, r - len(block), segments, block_counts, merged)
    if note:
        sheet.merge(r, 0, r, last, note, "note")
        sheet.set_row(r, sheet.span_height(note))
    sheet.print_setup(top, bottom, title)
    return sheet


# --------------------------------------------------------------------------------- progress


def _deadline_text(task: TaskRow) -> str:
    if task.deadline:
        return task.deadline
    return "\n".join(f"{year}年：{target}" for year, target in sorted(task.targets.items()))


def _latest_text(task: TaskRow) -> str:
    if task.latest is None:
        return ""
    on, unit, text = task.latest
    return f"{cn_date(on)}{f'（{unit}）' if unit else ''}：{text}"


def _status_text(task: TaskRow, today: date) -> str:
    if task.status != DONE and task.due is not None and task.due < today:
        return f"{task.status}\n（逾期{(today - task.due).days}天）"
    return task.status


def summary_counts(tasks: list[TaskRow], today: date) -> dict[str, int]:
    counts = {"总数": len(tasks), DONE: 0, IN_PROGRESS: 0, NOT_STARTED: 0, "逾期": 0}
    for task in tasks:
        counts[task.status] = counts.get(task.status, 0) + 1
        if task.status != DONE and task.due is not None and task.due < today:
            counts["逾期"] += 1
    return counts


def _filler_line(host_unit: str | None, today: date) -> str:
    """The line an office signs a returned table with: 填报单位（盖章）, 填报人, 联系电话, 填报日期 —
    the unit filled in when the group has a host unit, blanks to write on otherwise."""
    blank = "　" * 6
    return (f"填报单位（盖章）：{host_unit or blank * 2}　　填报人：{blank}　　联系电话：{blank}"
            f"　　填报日期：{cn_date(today)}")


def write_progress(sheet_factory, conn: sqlite3.Connection, group: GroupInfo, today: date,
                   attachment: str | None = None) -> Sheet:
    tasks = read_tasks(conn, group.id, progress=True)
    blocks = _blocks(tasks)
    has_category = any(t.category or t.category_number for t in tasks)
    latest = [_latest_text(t) for t in tasks if t.latest]
    # units and deadlines sized for their typical text (the longer ones broken where they read
    # well), as in the division table; 最新进展 shares the room with 工作任务 in proportion to what
    # it holds, and stays a narrow column to write in when no task has progress yet
    columns = [Column("序号", low=5, high=9),
               Column("工作任务", "flex", low=30, share=1.3, align="left",
                      pref=preferred_text_width([t.content for t in tasks], 30, 50)),
               Column("牵头单位", low=9, high=28, typical=True, pieces=False),
               Column("完成时限", low=10, high=20, typical=True),
               Column("最新进展", "flex", low=20, share=1.0, align="left",
                      pref=preferred_text_width(latest, 20, 44)) if latest else Column("最新进展", low=16, high=16),
               Column("完成状态", low=9, high=18, wraps=False),  # （逾期396天） never broken
               Column("完成时间", low=10, high=18, wraps=False)]
    numbers = [t.number for t in tasks]
    own_numbers = all(numbers) and len(set(numbers)) == len(numbers)  # 1–94: 序号 is the task's number
    raw: list[tuple[str, ...]] = []
    for n, task in enumerate(tasks, start=1):
        first, content = (task.number, task.content) if own_numbers else (str(n), numbered(task.number, task.content))
        columns[0].see(first)
        cells = (first, content, "\n".join(u for u, _ in task.lead),
                 _deadline_text(task), _latest_text(task), _status_text(task, today))
        raw.append(cells)
        for line in cells[2].split("\n"):
            columns[2].see(line)
        columns[3].see(cells[3])
        for line in cells[5].split("\n"):
            columns[5].see(line)
        if task.done_on:
            columns[6].see(cn_date(task.done_on))
    sheet: Sheet = sheet_factory("进展情况表", columns)
    sheet.set_widths()
    rows = [tuple(sheet.fitted(c, v) or "" for c, v in enumerate(cells)) for cells in raw]
    last = len(columns) - 1
    _label_row(sheet, 0, attachment)
    title = _title_rows(sheet, 1, group.name, "progress", last)
    sheet.merge(2, 0, 2, last, _filler_line(group.host_unit, today), "info")
    counts = summary_counts(tasks, today)
    labels = [("任务总数", 0, 1), (DONE, 2, 2), (IN_PROGRESS, 3, 3), (NOT_STARTED, 4, 4), ("逾期", 5, 5),
              ("完成率", 6, 6)]
    values = [counts["总数"], counts[DONE], counts[IN_PROGRESS], counts[NOT_STARTED], counts["逾期"]]
    for i, (label, c1, c2) in enumerate(labels):
        sheet.merge(3, c1, 3, c2, label, "header")
        if i < len(values):
            if c1 == c2:
                sheet.number(4, c1, values[i])
            else:
                sheet.ws.merge_range(4, c1, 4, c2, values[i], sheet.fmt("count"))
    if tasks:
        sheet.number(4, 6, counts[DONE] / len(tasks), "percent")
    else:
        sheet.text(4, 6, "—")
    for row in (2, 3, 4):
        sheet.set_row(row, HEADER_ROW)
    sheet.set_row(5, 8)
    header = 6
    sheet.set_row(header, HEADER_ROW + 4)
    for c, column in enumerate(columns):
        sheet.text(header, c, column.header, "header")
    if not tasks:
        _empty_row(sheet, header + 1, last, "本组还没有任务。")

    plan: list[list[float]] = []
    headings: list[str | None] = []
    i = 0
    for block in blocks:
        heights = []
        heading = None
        if has_category:
            head = block[0]
            heading = numbered(head.category_number, head.category) or "（未分类）"
            heights.append(sheet.span_height(heading))
        for _ in block:
            heights.append(sheet.height(max(sheet.lines(c, v) for c, v in enumerate(rows[i]))))
            i += 1
        plan.append(heights)
        headings.append(heading)
    sheet.paginate(plan, header + 1, header, header, glued=1 if has_category else 0)
    r = header + 1
    i = 0
    for block, heights, heading in zip(blocks, plan, headings):
        k = 0
        if heading is not None:
            sheet.merge(r, 0, r, last, heading, "heading")
            sheet.set_row(r, heights[0])
            r += 1
            k = 1
        for task in block:
            for c, (value, style) in enumerate(zip(rows[i], ("center", "left", "center", "center", "left", "center"))):
                sheet.text(r, c, value, style)
            sheet.date(r, 6, task.done_on if task.status == DONE else None)
            sheet.set_row(r, heights[k])
            r += 1
            i += 1
            k += 1
    sheet.print_setup(header, header, title)
    return sheet


# --------------------------------------------------------------------------------- overdue


@dataclass(slots=True)
class _Due:
    task: TaskRow
    days: int  # days past due (> 0), or minus the days left (<= 0)


def due_lists(tasks: list[TaskRow], today: date, within: int) -> tuple[list[_Due], list[_Due]]:
    """(overdue, due soon) among open tasks with a due date."""
    overdue, soon = [], []
    horizon = today + timedelta(days=within)
    for task in tasks:
        if task.status == DONE or task.due is None:
            continue
        if task.due < today:
            overdue.append(_Due(task, (today - task.due).days))
        elif task.due <= horizon:
            soon.append(_Due(task, -(task.due - today).days))
    return overdue, soon


def overdue_lists(conn: sqlite3.Connection, group_id: int, today: date, within: int) -> tuple[list[_Due], list[_Due]]:
    """(overdue, due soon) of a group, reading only its open tasks due within ``within`` days."""
    tasks = read_tasks(conn, group_id, progress=True, open_due_by=today + timedelta(days=within))
    return due_lists(tasks, today, within)


def _table_numbers(conn: sqlite3.Connection, group_id: int) -> bool:
    """Whether the group's tasks carry numbers of their own that run through the table (临海 1–94)
    rather than restart in each category (闽清: （一） under every category)."""
    filled, distinct, total = conn.execute(
        "SELECT COUNT(number), COUNT(DISTINCT number), COUNT(*) FROM task WHERE group_id = :g", {"g": group_id}).fetchone()
    return bool(total) and filled == total and distinct == filled


def _task_number(task: TaskRow, own: bool) -> str:
    """The task's number as the division table prints it: its own (12), or its category's with its
    own (二（三）)."""
    if own or not task.category_number:
        return task.number or ""
    return f"{task.category_number}{task.number or ''}"


def write_overdue(sheet_factory, conn: sqlite3.Connection, group: GroupInfo, today: date, within: int,
                  attachment: str | None = None) -> Sheet:
    overdue, soon = overdue_lists(conn, group.id, today, within)
    own_numbers = _table_numbers(conn, group.id)
    by_unit: dict[str, list[_Due]] = {}
    order: dict[str, int] = {}
    for item in sorted(overdue, key=lambda d: -d.days) + sorted(soon, key=lambda d: -d.days):
        for unit in ([u for u, _ in item.task.lead] or ["（未明确牵头单位）"]):
            by_unit.setdefault(unit, []).append(item)
            order.setdefault(unit, len(order))

    def badness(unit: str) -> tuple:
        items = by_unit[unit]
        late = [d.days for d in items if d.days > 0]
        return (-len(late), -max(late, default=0), -len(items), order[unit])

    units = sorted(by_unit, key=badness)
    contents = [d.task.content for d in overdue + soon]
    latest = [_latest_text(d.task) for d in overdue + soon]
    pref = max(preferred_text_width(contents, 26, 44), preferred_text_width([t for t in latest if t], 26, 44))
    columns = [Column("序号", low=5, high=10), Column("牵头单位", low=11, high=26),
               Column("工作任务", "flex", low=26, share=1.0, align="left", pref=pref),
               Column("完成时限", low=10, high=18, typical=True), Column("到期情况", low=10, high=17, wraps=False),
               Column("完成状态", low=9, high=10), Column("责任人", low=7, high=12),
               # as wide as 工作任务: one note must not make a ten-line row; a narrow column to write
               # in when no listed task has progress yet
               Column("最新进展", "flex", low=26, share=1.0, align="left", pref=pref) if any(latest)
               else Column("最新进展", low=16, high=16)]
    blocks: list[tuple[str, list[dict[int, str]]]] = []
    for unit in units:
        items = by_unit[unit]
        late = sum(1 for d in items if d.days > 0)
        parts = [f"逾期{late}项" if late else "", f"临期{len(items) - late}项" if len(items) > late else ""]
        label = "\n".join([unit, "，".join(p for p in parts if p)])
        columns[1].see(unit)
        for part in [p for p in parts if p]:  # 逾期1项，/ 临期7项 may stand on two lines
            columns[1].see(f"{part}，")
        cells_list = []
        for item in items:
            task = item.task
            person = "、".join(p for u, p in task.lead if u == unit and p)
            if item.days > 0:
                state = f"逾期{item.days}天"
            elif item.days == 0:
                state = "今天到期"
            else:
                state = f"{-item.days}天后到期"
            cells = {0: _task_number(task, own_numbers), 2: task.content, 3: task.deadline or cn_date(task.due),
                     4: f"{state}\n{cn_date(task.due)}", 5: task.status, 6: person, 7: _latest_text(task)}
            for c in (0, 3, 4, 6):
                for line in cells[c].split("\n"):
                    columns[c].see(line)
            cells_list.append(cells)
        blocks.append((label, cells_list))
    sheet: Sheet = sheet_factory("督办清单", columns)
    sheet.set_widths()
    blocks = [(sheet.fitted(1, label) or "", [{c: sheet.fitted(c, v) or "" for c, v in cells.items()}
                                             for cells in cells_list]) for label, cells_list in blocks]
    last = len(columns) - 1
    _label_row(sheet, 0, attachment)
    title = _title_rows(sheet, 1, group.name, "overdue", last)
    info = (f"统计截至：{cn_date(today)}　　逾期{len(overdue)}项，临期{len(soon)}项（{within}天内到期）"
            f"{f'，涉及牵头单位{len(units)}个' if units else ''}")
    sheet.merge(2, 0, 2, last, info, "info")
    sheet.set_row(2, HEADER_ROW)
    header = 3
    sheet.set_row(header, HEADER_ROW + 4)
    for c, column in enumerate(columns):
        sheet.text(header, c, column.header, "header")
    r = header + 1
    if not blocks:
        _empty_row(sheet, r, last, f"截至{cn_date(today)}，没有逾期或{within}天内到期的任务。")
    block_lines = [sheet.grow([max(sheet.lines(c, v) for c, v in cells.items()) for cells in cells_list], [(1, label)])
                   for label, cells_list in blocks]
    pages = sheet.paginate([[sheet.height(k) for k in b] for b in block_lines], r, header, header)
    for (label, cells_list), counts, segments in zip(blocks, block_lines, pages):
        for cells in cells_list:
            for c, value in cells.items():
                sheet.text(r, c, value, "left" if c in (2, 7) else "center")
            r += 1
        _paged_block(sheet, r - len(cells_list), segments, counts, [(1, label)])
    sheet.print_setup(header, header, title)
    return sheet


# --------------------------------------------------------------------------------- roster

LIAISON = "联络员"


def _one_line_each(members: list[MemberRow]) -> tuple[list[MemberRow], dict[int, list[str]]]:
    """The roster with each person once (a 副组长 who is also 办公室主任 stands at the first of
    their roles) and, per kept member's position in the list, the other roles they serve in."""
    kept: list[MemberRow] = []
    first: dict[tuple[str, str | None], int] = {}
    also: dict[int, list[str]] = {}
    for m in members:
        key = (m.name, m.unit)
        if key in first and m.role != kept[first[key]].role:
            roles = also.setdefault(first[key], [])
            if m.role not in roles:
                roles.append(m.role)
            continue
        first.setdefault(key, len(kept))
        kept.append(m)
    return kept, also


def write_roster(sheet_factory, conn: sqlite3.Connection, group: GroupInfo, attachment: str | None = None) -> Sheet:
    """The roster in portrait, in official order, one line per person: a person serving in two
    roles stands once, the other noted in 职务 as （兼办公室主任）; liaisons after everyone else."""
    members = read_members(conn, group.id)
    main, also = _one_line_each([m for m in members if m.role != LIAISON])
    liaisons = [m for m in members if m.role == LIAISON]
    titles: dict[int, str | None] = {}
    for i, m in enumerate(main):
        extra = "、".join(f"{r}" for r in also.get(i, []))
        titles[id(m)] = f"{m.title or ''}（兼{extra}）" if extra else m.title
    columns = [Column("序号", low=4.5, high=6), Column("组内职务", low=9, high=16), Column("姓名", low=7, high=10),
               Column("工作单位", "flex", low=16, align="left", short=True),
               Column("职务", "flex", low=16, align="left", short=True),
               Column("联系电话", low=12, high=18)]
    for m in main + liaisons:
        for c, value in ((1, m.role), (2, m.name), (5, m.phone)):
            columns[c].see(value)
    units = [m.unit for m in main + liaisons if m.unit]
    jobs = [titles.get(id(m), m.title) for m in main + liaisons]
    columns[3].pref = max((fitting.text_width(u) for u in units), default=16) + fitting.CELL_PADDING
    columns[4].pref = max((fitting.text_width(t) for t in jobs if t), default=16) + fitting.CELL_PADDING
    columns[3].share, columns[4].share = columns[3].pref, columns[4].pref  # the room left, shared by need
    sheet: Sheet = sheet_factory("成员名单", columns, portrait=True)
    sheet.set_widths()
    last = len(columns) - 1
    _label_row(sheet, 0, attachment)
    title = _title_rows(sheet, 1, group.name, "roster", last)
    header = 2
    sheet.set_row(header, HEADER_ROW + 4)
    for c, column in enumerate(columns):
        sheet.text(header, c, column.header, "header")
    if not main and not liaisons:
        _empty_row(sheet, header + 1, last, "本组还没有成员名单。")

    # Blocks: runs of one role; the liaison heading row goes with the first liaisons.
    runs: list[tuple[str | None, list[MemberRow], int]] = []  # (heading, members, first number)
    for block, heading in ((main, None), (liaisons, LIAISON)):
        number = 1
        for i, m in enumerate(block):
            if i == 0 or block[i - 1].role != m.role:
                runs.append((heading if i == 0 else None, [], number))
            runs[-1][1].append(m)
            number += 1

    def cells(m: MemberRow) -> tuple[tuple[int, str | None], ...]:
        return ((2, m.name), (3, sheet.fitted(3, m.unit)), (4, sheet.fitted(4, titles.get(id(m), m.title))),
                (5, m.phone))

    run_lines = [sheet.grow([max(sheet.lines(c, v) for c, v in cells(m)) for m in run],
                            [(1, sheet.fitted(1, run[0].role))]) for _, run, _ in runs]
    # a member or a few alone on a last page: the rows a little tighter, the roster on one page fewer
    sheet.tighten_if_fewer_pages([k for counts in run_lines for k in counts], header + 1, header, header,
                                 extra=sum(LINE_POINTS + 8 for heading, _, _ in runs if heading))
    plan = [([LINE_POINTS + 8] if heading else []) + [sheet.height(k) for k in counts]
            for (heading, _, _), counts in zip(runs, run_lines)]
    pages = sheet.paginate(plan, header + 1, header, header)
    r = header + 1
    for (heading, run, number), counts, segments in zip(runs, run_lines, pages):
        if heading:
            sheet.merge(r, 0, r, last, heading, "heading")
            sheet.set_row(r, LINE_POINTS + 8)
            r += 1
            # the heading is row 0 of this block's plan: shift the segments onto the members
            segments = [(max(a - 1, 0), b - 1) for a, b in segments if b >= 1]
        for i, m in enumerate(run):
            sheet.text(r + i, 0, str(number + i))
            for c, value in cells(m):
                sheet.text(r + i, c, value, "left" if c in (3, 4) else "center")
        _paged_block(sheet, r, segments, counts, [(1, sheet.fitted(1, run[0].role))])
        r += len(run)
    sheet.print_setup(header, header, title)
    return sheet


__all__ = ["TITLES", "cn_date", "due_lists", "numbered", "overdue_lists", "summary_counts", "write_division", "write_overdue",
           "write_progress", "write_roster"]
