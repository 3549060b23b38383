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

from exporters.ledger_data import GroupInfo, MemberRow, TaskRow, read_members, read_tasks
from exporters.xlsx_sheet import BODY_PT, LINE_POINTS, TITLE_PT, Column, Sheet, line_count, preferred_text_width
from importers.records import NO_PERSON

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


def _title_rows(sheet: Sheet, row: int, group: str, kind: str, last_col: int) -> str:
    """The title across the table: the group's name and the table's, on two lines (broken between
    the two) when the table is narrower than the title. Returns the title on one line."""
    title = f"{group}{TITLES[kind]}"
    width = sheet.span_width(0, last_col) * BODY_PT / TITLE_PT
    text = title if line_count(title, width) == 1 else f"{group}\n{TITLES[kind]}"
    sheet.merge(row, 0, row, last_col, text, "title")
    sheet.set_row(row, line_count(text, width) * TITLE_PT * 1.45 + 10)
    return title


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


def _unit_cell(units: list[str], persons: int) -> str:
    """Units one per line, unless the reader would take two lines for one wrapped name; then 、."""
    if len(units) < 2:
        return units[0] if units else ""
    joinable = [i for i in range(len(units) - 1) if not UNIT_START.match(units[i + 1]) and units[i] != units[i + 1]]
    risky = any(not UNIT_END.search(units[i]) for i in joinable) or (
        persons and len(units) > persons and len(joinable) == len(units) - persons)
    return "、".join(units) if risky else "\n".join(units)


@dataclass(slots=True)
class _Units:
    units: str
    persons: str


def _role_cells(pairs: list[tuple[str, str | None]], extra: list[str]) -> _Units:
    units = [u for u, _ in pairs]
    persons = [p for _, p in pairs if p]
    if persons and len(persons) != len(units):
        persons = [p or NO_PERSON for _, p in pairs]  # some units without a person: "—" keeps lines aligned
    persons = persons + extra
    return _Units(_unit_cell(units, len([p for p in persons if p])), "\n".join(persons))


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


def write_division(sheet_factory, conn: sqlite3.Connection, group: GroupInfo) -> Sheet:
    tasks = read_tasks(conn, group.id)
    blocks = _blocks(tasks)
    has_category = any(t.category or t.category_number for t in tasks)
    mode = _numbering(tasks, blocks, has_category)
    years = sorted({y for t in tasks for y in t.targets})
    has_deadline = any(t.deadline for t in tasks)
    has_notes = any(t.notes for t in tasks)
    placement = {t.id: _place_unpaired(t) for t in tasks if t.unpaired}
    own_unpaired_column = any(v is None for v in placement.values())

    columns: list[Column] = [Column("序号", low=4.5, high=9)]
    if has_category:
        columns.append(Column("项目名称", low=9, high=14))
    c_content = len(columns)
    columns.append(Column("工作任务", "flex", low=28, align="left",
                          pref=preferred_text_width([t.content for t in tasks], 34, 56)))
    year_cols: dict[int, int] = {}
    for year in years:
        year_cols[year] = len(columns)
        columns.append(Column(f"{year}年", low=7, high=12))
    c_deadline = None
    if has_deadline or not years:
        c_deadline = len(columns)
        columns.append(Column("时间节点" if years else "完成时限", low=9, high=16))
    c_lead = len(columns)
    columns += [Column("牵头单位", low=9, high=20), Column("责任人", low=7, high=14),
                Column("配合单位", low=9, high=20), Column("责任人", low=7, high=14),
                Column("完成\n状态", low=6), Column("完成\n日期", low=6, high=18, wraps=False)]
    c_status = c_lead + 4
    c_notes = c_unpaired = None
    if has_notes:
        c_notes = len(columns)
        columns.append(Column("备注", "flex", low=10, share=0.35, align="left",
                              pref=preferred_text_width([t.notes for t in tasks if t.notes], 10, 24)))
    if own_unpaired_column:
        c_unpaired = len(columns)
        columns.append(Column("未配对责任人", low=8, high=12))
    last = len(columns) - 1

    # Every row's cells first: the short columns are measured, then the rows sized and paged,
    # before anything is written.
    rows: list[dict[int, str | None]] = []
    for task in tasks:
        place = placement.get(task.id)
        lead = _role_cells(task.lead, task.unpaired if place == "lead" else [])
        co = _role_cells(task.co, task.unpaired if place == "co" else [])
        cells: dict[int, str | None] = {
            c_content: task.content if mode == "task" else numbered(task.number, task.content),
            c_lead: lead.units, c_lead + 1: lead.persons, c_lead + 2: co.units, c_lead + 3: co.persons,
        }
        if mode == "task":
            cells[0] = task.number
        for year, col in year_cols.items():
            cells[col] = task.targets.get(year)
        if c_deadline is not None:
            cells[c_deadline] = task.deadline
        if c_notes is not None:
            cells[c_notes] = task.notes
        if c_unpaired is not None:
            cells[c_unpaired] = "\n".join(task.unpaired) if task.unpaired and place is None else None
        rows.append(cells)
        for col, value in cells.items():
            if col != c_content and col != c_notes:
                columns[col].see(value)
        if task.done_on:
            columns[c_status + 1].see(cn_date(task.done_on))
    merged_of: list[list[tuple[int, str | None]]] = []
    for block in blocks:
        head = block[0]
        merged: list[tuple[int, str | None]] = []
        if mode == "category":
            merged.append((0, head.category_number))
            columns[0].see(head.category_number)
        if has_category:
            merged.append((1, numbered(head.category_number, head.category) if mode == "task" else head.category))
            columns[1].see(merged[-1][1])
        merged_of.append(merged)
    sheet: Sheet = sheet_factory("分工表", columns)
    sheet.set_widths()
    ws = sheet.ws

    ws.write_string(0, 0, "附件", sheet.fmt("label"))
    sheet.set_row(0, 24)
    title = _title_rows(sheet, 1, group.name, "division", last)
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
        sheet.merge(top, sub[0], top, sub[-1], "完成时限", "header")
        for c in sub:
            sheet.text(bottom, c, columns[c].header, "header")

    lines = sheet.lines
    block_lines: list[list[int]] = []
    i = 0
    for block, merged in zip(blocks, merged_of):
        counts = [max(lines(col, value) for col, value in rows[i + k].items()) for k in range(len(block))]
        i += len(block)
        block_lines.append(sheet.grow(counts, merged))
    note = None
    if group.note:
        note = group.note if re.match(r"^(注|备注|说明)", group.note) else f"注：{group.note}"
    pages = sheet.paginate([[sheet.height(n) for n in b] for b in block_lines]
                           + ([[sheet.span_height(note)]] if note else []), bottom + 1, top, bottom)

    r = bottom + 1
    i = 0
    for block, merged, counts, segments in zip(blocks, merged_of, block_lines, pages):
        for task in block:
            for col, value in rows[i].items():
                sheet.text(r, col, value, "left" if col in (c_content, c_notes) else "center")
            sheet.text(r, c_status, task.status)
            sheet.date(r, c_status + 1, task.done_on if task.status == DONE else None)
            r += 1
            i += 1
        _paged_block(sheet, r - len(block), segments, counts, merged)
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


def write_progress(sheet_factory, conn: sqlite3.Connection, group: GroupInfo, today: date) -> Sheet:
    tasks = read_tasks(conn, group.id, progress=True)
    blocks = _blocks(tasks)
    has_category = any(t.category or t.category_number for t in tasks)
    columns = [Column("序号", low=5, high=7),
               Column("工作任务", "flex", low=30, share=1.3, align="left",
                      pref=preferred_text_width([t.content for t in tasks], 30, 50)),
               Column("牵头单位", low=9, high=16), Column("完成时限", low=10, high=20),
               Column("最新进展", "flex", low=24, share=1.0, align="left", pref=30), Column("完成状态", low=9, high=11),
               Column("完成时间", low=10, high=18, wraps=False)]
    numbers = [t.number for t in tasks]
    own_numbers = all(numbers) and len(set(numbers)) == len(numbers)  # 1–94: 序号 is the task's number
    rows: list[tuple[str, ...]] = []
    for n, task in enumerate(tasks, start=1):
        first, content = (task.number, task.content) if own_numbers else (str(n), numbered(task.number, task.content))
        columns[0].see(first)
        cells = (first, content, "\n".join(u for u, _ in task.lead),
                 _deadline_text(task), _latest_text(task), _status_text(task, today))
        rows.append(cells)
        columns[2].see(cells[2])
        columns[3].see(cells[3])
        if task.done_on:
            columns[6].see(cn_date(task.done_on))
    sheet: Sheet = sheet_factory("进展情况表", columns)
    sheet.set_widths()
    last = len(columns) - 1
    title = _title_rows(sheet, 0, group.name, "progress", last)
    sheet.merge(1, 0, 1, 2, f"填报单位：{group.host_unit or ''}", "info")
    sheet.merge(1, 3, 1, last, f"统计截至：{cn_date(today)}", "info_right")
    counts = summary_counts(tasks, today)
    labels = [("任务总数", 0, 1), (DONE, 2, 2), (IN_PROGRESS, 3, 3), (NOT_STARTED, 4, 4), ("逾期", 5, 5),
              ("完成率", 6, 6)]
    values = [counts["总数"], counts[DONE], counts[IN_PROGRESS], counts[NOT_STARTED], counts["逾期"]]
    for i, (label, c1, c2) in enumerate(labels):
        sheet.merge(2, c1, 2, c2, label, "header")
        if i < len(values):
            if c1 == c2:
                sheet.number(3, c1, values[i])
            else:
                sheet.ws.merge_range(3, c1, 3, c2, values[i], sheet.fmt("count"))
    if tasks:
        sheet.number(3, 6, counts[DONE] / len(tasks), "percent")
    else:
        sheet.text(3, 6, "—")
    for row in (1, 2, 3):
        sheet.set_row(row, HEADER_ROW)
    sheet.set_row(4, 8)
    header = 5
    sheet.set_row(header, HEADER_ROW + 4)
    for c, column in enumerate(columns):
        sheet.text(header, c, column.header, "header")

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
    sheet.paginate(plan, header + 1, header, header)
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


def write_overdue(sheet_factory, conn: sqlite3.Connection, group: GroupInfo, today: date, within: int) -> Sheet:
    overdue, soon = overdue_lists(conn, group.id, today, within)
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
    columns = [Column("序号", low=5, high=7), Column("牵头单位", low=11, high=16),
               Column("工作任务", "flex", low=30, share=1.3, align="left",
                      pref=preferred_text_width([d.task.content for d in overdue + soon], 30, 50)),
               Column("完成时限", low=10, high=16), Column("到期情况", low=10, high=17, wraps=False),
               Column("完成状态", low=9, high=10), Column("责任人", low=7, high=9),
               Column("最新进展", "flex", low=20, share=0.8, align="left")]
    blocks: list[tuple[str, list[dict[int, str]]]] = []
    n = 0
    for unit in units:
        items = by_unit[unit]
        late = sum(1 for d in items if d.days > 0)
        parts = [f"逾期 {late} 项" if late else "", f"临期 {len(items) - late} 项" if len(items) > late else ""]
        label = "\n".join([unit, *(p for p in parts if p)])
        columns[1].see(label)
        cells_list = []
        for item in items:
            n += 1
            task = item.task
            person = next((p for u, p in task.lead if u == unit and p), "")
            if item.days > 0:
                state = f"逾期 {item.days} 天"
            elif item.days == 0:
                state = "今天到期"
            else:
                state = f"{-item.days} 天后到期"
            cells = {0: str(n), 2: numbered(task.number, task.content), 3: task.deadline or cn_date(task.due),
                     4: f"{state}\n{cn_date(task.due)}", 5: task.status, 6: person, 7: _latest_text(task)}
            for c in (3, 4, 6):
                columns[c].see(cells[c])
            cells_list.append(cells)
        blocks.append((label, cells_list))
    sheet: Sheet = sheet_factory("督办清单", columns)
    sheet.set_widths()
    last = len(columns) - 1
    title = _title_rows(sheet, 0, group.name, "overdue", last)
    info = (f"统计截至：{cn_date(today)}　　逾期 {len(overdue)} 项，临期 {len(soon)} 项（{within} 天内到期）"
            f"{f'，涉及牵头单位 {len(units)} 个' if units else ''}")
    sheet.merge(1, 0, 1, last, info, "info")
    sheet.set_row(1, HEADER_ROW)
    header = 2
    sheet.set_row(header, HEADER_ROW + 4)
    for c, column in enumerate(columns):
        sheet.text(header, c, column.header, "header")
    r = header + 1
    if not blocks:
        sheet.merge(r, 0, r, last, f"截至{cn_date(today)}，没有逾期或 {within} 天内到期的任务。", "center")
        sheet.set_row(r, 30)
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


def write_roster(sheet_factory, conn: sqlite3.Connection, group: GroupInfo) -> Sheet:
    members = read_members(conn, group.id)
    main = [m for m in members if m.role != LIAISON]
    liaisons = [m for m in members if m.role == LIAISON]
    columns = [Column("序号", low=5, high=7), Column("组内职务", low=9, high=14), Column("姓名", low=8, high=10),
               Column("工作单位", low=16, high=40, align="left"), Column("职务", low=16, high=40, align="left"),
               Column("联系电话", low=12, high=18)]
    for m in members:
        for c, value in ((1, m.role), (2, m.name), (3, m.unit), (4, m.title), (5, m.phone)):
            columns[c].see(value)
    sheet: Sheet = sheet_factory("成员名单", columns)
    sheet.set_widths()
    last = len(columns) - 1
    title = _title_rows(sheet, 0, group.name, "roster", last)
    header = 1
    sheet.set_row(header, HEADER_ROW + 4)
    for c, column in enumerate(columns):
        sheet.text(header, c, column.header, "header")

    # Blocks: runs of one role; the liaison heading row goes with the first liaisons.
    runs: list[tuple[str | None, list[MemberRow], int]] = []  # (heading, members, first number)
    for block, heading in ((main, None), (liaisons, LIAISON)):
        number = 1
        for i, m in enumerate(block):
            if i == 0 or block[i - 1].role != m.role:
                runs.append((heading if i == 0 else None, [], number))
            runs[-1][1].append(m)
            number += 1
    plan: list[list[float]] = []
    run_lines: list[list[int]] = []
    for heading, run, _ in runs:
        counts = sheet.grow([max(sheet.lines(c, v) for c, v in ((2, m.name), (3, m.unit), (4, m.title), (5, m.phone)))
                             for m in run], [(1, run[0].role)])
        run_lines.append(counts)
        plan.append(([LINE_POINTS + 8] if heading else []) + [sheet.height(k) for k in counts])
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
            sheet.text(r + i, 2, m.name)
            sheet.text(r + i, 3, m.unit, "left")
            sheet.text(r + i, 4, m.title, "left")
            sheet.text(r + i, 5, m.phone)
        _paged_block(sheet, r, segments, counts, [(1, run[0].role)])
        r += len(run)
    sheet.print_setup(header, header, title)
    return sheet


__all__ = ["TITLES", "cn_date", "due_lists", "numbered", "overdue_lists", "summary_counts", "write_division", "write_overdue",
           "write_progress", "write_roster"]
