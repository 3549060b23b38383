"""The tasks of a notice's paragraphs: headings as categories, numbered tasks, their units.

How the part that holds the tasks is found:
* Paragraphs that start with a number are items, in six styles ranked from the outside in:
  第一部分 · 一、 · （一） · 1. / 1、 · （1） / 1） · ①.
* An item "has units" when a units line follows it (before the next item) or its text ends with
  inline units. The style with the most such items is the task style; styles ranked outside it
  are headings (categories), styles inside it are part of a task's text (sub-points).
* Tasks are the items of the task style in the top-level sections (一、 …) that hold tasks with
  units; the same style elsewhere (保障措施, the preamble) is not a task. Everything that is not a
  heading, a task or a units line — preamble, signature, web page menus, the 附件 roster — is left.
* A task's text runs over paragraphs until the next item, units line, heading, or the end of the
  body (附件, a date line, the page's 打印/关闭); a task that has its units is closed.
* A 牵头单位/责任单位 line directly under a heading is the section's lead: it leads the tasks of
  the section that name no lead of their own (as the table's "（牵头单位：X）" category rows do).
"""

from __future__ import annotations

import re
import time
from collections import Counter
from dataclasses import dataclass, field

from importers.deadline import parse_due
from importers.normalize import clean_sentence
from importers.notice.deadlines import deadline_in
from importers.notice.paragraphs import Paragraph
from importers.notice.units import Units, assign, deadline_line, inline_units, is_units_line, units_line
from importers.readers import refuse
from importers.records import ImportWarning, Origin, TaskRecord, TaskTable, UnitRef
from importers.table import number_text, parse_heading

_CN = "一二三四五六七八九十百零〇两"
PART, CN, PAREN_CN, ARABIC, PAREN_ARABIC, CIRCLED = range(6)
_STYLES = [
    (PART, re.compile(rf"^第[{_CN}\d]{{1,4}}(?:部分|章|篇)\s*")),
    (CN, re.compile(rf"^([{_CN}]{{1,3}})\s*[、．.](?![{_CN}])\s*")),
    (PAREN_CN, re.compile(rf"^（\s*([{_CN}]{{1,4}})\s*）\s*")),
    (ARABIC, re.compile(r"^(\d{1,3})\s*[、．.](?!\d)\s*")),
    (PAREN_ARABIC, re.compile(r"^（\s*(\d{1,3})\s*）\s*|^(\d{1,3})）\s*")),
    (CIRCLED, re.compile(r"^([①-⑳])\s*")),
]
_END_OF_BODY = re.compile(
    r"^(?:附\s*件\s*\d*\s*[:：]?|(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日$|（此件[^）]*）$|抄送\s*[:：]|"
    r"打印(?:本页)?(?:\s+关闭(?:窗口)?)?$|关闭(?:窗口)?$|【?打印本页】?|扫一扫|分享到|责任编辑|相关链接|上一篇|下一篇)"
)
_TITLE = re.compile(r"(?:通知|方案|意见|计划|要点|办法|清单|分工)")
TIME_LIMIT_SECONDS = 30.0
_CN_VALUE = {c: i for i, c in enumerate("零一二三四五六七八九", start=0)}


def number_value(style: int, number: str) -> int | None:
    """The value of an item's number (一 → 1, 十二 → 12, ③ → 3), for checking the sequence."""
    if number.isascii() and number.isdigit():
        return int(number)
    if style == CIRCLED:
        return ord(number) - ord("①") + 1
    if not number or any(c not in _CN_VALUE and c != "十" for c in number):
        return None
    if "十" not in number:
        return _CN_VALUE[number] if len(number) == 1 else None
    tens, _, ones = number.partition("十")
    return (_CN_VALUE.get(tens, 1) if tens else 1) * 10 + (_CN_VALUE.get(ones, 0) if ones else 0)


@dataclass
class Item:
    index: int  # paragraph index
    style: int
    number: str  # as printed without its punctuation: "1", "一", "①"
    printed: str  # as printed: "1.", "（一）"
    text: str  # the paragraph after the number
    has_units: bool = False
    leads: bool = False  # units follow it directly (a heading's section lead counts here)


def numbered(text: str) -> tuple[int, str, str, str] | None:
    """(style, number, printed number, rest) of a paragraph that starts with a number."""
    for style, pattern in _STYLES:
        m = pattern.match(text)
        if m and text[m.end():].strip():
            number = next((g for g in m.groups() if g), m.group(0).strip())
            return style, number, m.group(0).strip(), text[m.end():].strip()
    return None


@dataclass
class Section:
    style: int
    number: str | None
    text: str
    lead: list[str] = field(default_factory=list)
    origin: Origin | None = None


def _take_deadline(task: TaskRecord, when: str | None) -> None:
    """A 完成时限 written beside the task's units or on a line of its own: the task's deadline,
    unless it has one already (the first written wins; "" or None says nothing)."""
    if when and task.deadline is None:
        task.deadline, task.due = when, parse_due(when)


class NoticeReader:
    """One pass to find the task style, one to read the tasks."""

    def __init__(self, paragraphs: list[Paragraph], source: str, *, seconds: float = TIME_LIMIT_SECONDS):
        self.paragraphs = paragraphs
        self.deadline = time.monotonic() + seconds
        self.table = TaskTable(source=source)
        self.items: dict[int, Item] = {}
        self.task_style: int | None = None
        self.task_items: set[int] = set()

    def check_time(self) -> None:
        if time.monotonic() > self.deadline:
            raise refuse(self.table.source, "读取通知正文超过时间限制，已停止（文件过大或内容异常）。")

    def warn(self, message: str, origin: Origin | None) -> None:
        self.table.warnings.append(ImportWarning(message, origin))

    # -- pass 1: which items are tasks
    def find_tasks(self) -> bool:
        """Whether the paragraphs hold tasks with units (sets the task style and task items)."""
        paragraphs = self.paragraphs
        order: list[Item] = []
        for i, p in enumerate(paragraphs):
            if i % 500 == 0:
                self.check_time()
            found = numbered(p.text)
            if found is not None and not is_units_line(p.text):
                item = Item(i, *found)
                self.items[i] = item
                order.append(item)
        for k, item in enumerate(order):
            end = order[k + 1].index if k + 1 < len(order) else len(paragraphs)
            block = paragraphs[item.index:end]
            item.has_units = (any(is_units_line(p.text) and units_line(p.text) for p in block[1:])
                              or any(inline_units(p.text) for p in block))
            item.leads = item.has_units
            if k + 1 < len(order) and order[k + 1].style > item.style:
                item.has_units = False  # a heading over deeper items ("（一）老有所养（牵头单位：X）")
        counts = Counter(item.style for item in order if item.has_units)
        if not counts:
            return False
        # the style with most items with units; of equals the innermost
        self.task_style = self._sub_points(order, max(counts, key=lambda s: (counts[s], s)))
        headings = [item.style for item in order if item.style < self.task_style]
        top = min(headings) if headings else None
        section, with_units = 0, set()
        sections: dict[int, int] = {}
        for item in order:
            if top is not None and item.style == top:
                section += 1
                if item.leads:  # a section with its own lead holds tasks
                    with_units.add(section)
            if item.style == self.task_style:
                sections[item.index] = section
                if item.has_units:
                    with_units.add(section)
        candidates = [i for i, s in sections.items() if s in with_units]
        if top is None:  # no headings: the tasks run from the first with units to the end
            first = min(i for i in candidates if self.items[i].has_units)
            for i in sorted(i for i in candidates if i < first):  # 一、总体要求 … before the tasks: said, not read
                self.warn(f"「{_short(self.items[i].printed + self.items[i].text)}」在第一项写有单位的任务之前，"
                          "作为正文前言未导入", self.paragraphs[i].origin)
            candidates = [i for i in candidates if i >= first]
        self.task_items = set(candidates)
        return True

    def _sub_points(self, order: list[Item], style: int) -> int:
        """``style``, or the style of the items it numbers the points of: "1.任务：（1）…（2）…" then
        units — the units follow the last point only, so they are the task's, not that point's."""
        groups: dict[int, list[Item]] = {}
        parent: Item | None = None
        for item in order:
            if item.style < style:
                parent = item
            elif item.style == style and parent is not None:
                groups.setdefault(parent.index, []).append(item)
        runs = {p: kids for p, kids in groups.items() if len(kids) >= 2}
        points = [p for p, kids in runs.items() if kids[-1].has_units and not any(k.has_units for k in kids[:-1])
                  and not self.items[p].has_units]
        if not points or len(points) * 2 <= len(runs):
            return style
        for p in points:
            self.items[p].has_units, runs[p][-1].has_units = True, False
        return Counter(self.items[p].style for p in points).most_common(1)[0][0]

    # -- pass 2: read them
    def read(self) -> TaskTable:
        table = self.table
        sections: list[Section] = []
        task: TaskRecord | None = None
        task_open = False  # the task's text may still continue
        task_unit_labels: set[str] = set()
        last_number: int | None = None
        section_changed = False
        task_since_heading = False
        seen_contents: dict[str, str] = {}
        raw_texts: list[str] = []

        def close() -> None:
            nonlocal task, task_open
            if task is not None:
                self._finish(task, raw_texts, sections)
            task, task_open = None, False

        for i, p in enumerate(self.paragraphs):
            if i % 500 == 0:
                self.check_time()
            item = self.items.get(i)
            if item is not None and self.task_style is not None and item.style < self.task_style:
                close()
                heading = parse_heading(f"{item.printed}{item.text}")
                lead = list(heading.lead)
                inline = inline_units(item.text) if not lead else None
                if inline is not None:  # "（一）养老服务（县民政局牵头）": the section's lead
                    heading = parse_heading(f"{item.printed}{inline[0]}")
                    assign(inline[1], lead, [])
                while sections and sections[-1].style >= item.style:
                    sections.pop()
                sections.append(Section(item.style, heading.number, heading.text, lead, p.origin))
                section_changed = True
                task_since_heading = False
                if table.title is None and i > 0:
                    table.title = self._title(i)
                continue
            if item is not None and i in self.task_items:
                close()
                value = number_value(item.style, item.number)
                if value is not None:
                    expected = None if last_number is None else last_number + 1
                    if expected is not None and value != expected and not (section_changed and value == 1):
                        self.warn(f"任务序号「{item.printed}」不连续：上一项是 {last_number}", p.origin)
                    last_number = value
                section_changed = False
                task_since_heading = True
                task = TaskRecord(content="", number=number_text(item.printed) or item.number, origin=p.origin)
                raw_texts = [item.text]
                task_open = True
                task_unit_labels = set()
                self._inline(task, raw_texts)
                if task.lead or task.co:
                    task_open = False
                table.tasks.append(task)
                continue
            if is_units_line(p.text):
                units = units_line(p.text)
                if units is None:
                    self.warn(f"这一行写了单位，但读不出单位名称：「{_short(p.text)}」", p.origin)
                    continue
                if task is not None:
                    labels = units.roles()
                    if task_unit_labels & labels and not task_open:
                        self.warn(f"这一行的单位前面没有任务（上一项任务「{_short(clean_sentence(''.join(raw_texts)))}」"
                                  f"已有单位），未导入：「{_short(p.text)}」", p.origin)
                        continue
                    self._assign(task, units)
                    task_unit_labels |= labels
                    task_open = False
                elif sections and not task_since_heading:
                    lead: list[str] = []
                    co: list[str] = []
                    assign(units, lead, co)
                    sections[-1].lead = lead or sections[-1].lead
                    if co:
                        self.warn(f"标题「{sections[-1].text}」下的配合单位「{'、'.join(co)}」不属于任何任务，未导入"
                                  "（标题下只读牵头单位）", p.origin)
                else:
                    self.warn(f"这一行的单位前面没有任务，未导入：「{_short(p.text)}」", p.origin)
                continue
            when = deadline_line(p.text)
            if when is not None and task is not None:  # "完成时限：2024年12月底前" under the task
                _take_deadline(task, when)
                continue
            if _END_OF_BODY.match(p.text):
                close()
                continue
            if task is not None and task_open:
                if item is None or item.style > (self.task_style or 0):
                    raw_texts.append(p.text)
                    self._inline(task, raw_texts)
                    if task.lead or task.co:
                        task_open = False
                    continue
            if item is not None and task is not None:
                close()
        close()
        for t in table.tasks:
            if t.content in seen_contents:
                self.warn(f"任务内容与前面的任务 {seen_contents[t.content]} 重复：「{_short(t.content)}」", t.origin)
            else:
                seen_contents[t.content] = t.number or ""
        return table

    def _inline(self, task: TaskRecord, raw_texts: list[str]) -> None:
        found = inline_units(raw_texts[-1])
        if found is None:
            return
        raw_texts[-1], units = found
        self._assign(task, units)

    @staticmethod
    def _assign(task: TaskRecord, units: Units) -> None:
        """A task's units (``units.assign``) and the deadline written beside them, if any."""
        lead = [r.unit for r in task.lead]
        co = [r.unit for r in task.co]
        assign(units, lead, co)
        task.lead, task.co = [UnitRef(u) for u in lead], [UnitRef(u) for u in co]
        _take_deadline(task, units.deadline)  # "（牵头单位：X；完成时限：2024年底前）"
        if units.notes:  # "（牵头单位：X；责任人：张三）": kept in the task's notes (备注)
            task.notes = "；".join([*filter(None, [task.notes]), *units.notes])

    def _finish(self, task: TaskRecord, raw_texts: list[str], sections: list[Section]) -> None:
        task.content = clean_sentence("\n".join(raw_texts))
        if sections:
            inner = sections[-1]
            task.category, task.category_number = inner.text or None, inner.number
        if not task.lead:
            for section in reversed(sections):
                if section.lead:
                    task.lead = [UnitRef(u) for u in section.lead]
                    task.co = [ref for ref in task.co if ref.unit not in section.lead]
                    break
        found = deadline_in(task.content) if task.deadline is None else None  # a 完成时限 written beside the units first
        if found is not None:
            task.deadline, task.due = found
        if not task.lead and not task.co:
            self.warn(f"任务「{_short(task.content)}」没有找到责任单位（其后没有“责任单位：”行，末尾也没有括号中的单位）",
                      task.origin)
        elif not task.lead:
            self.warn(f"任务「{_short(task.content)}」没有牵头单位", task.origin)

    def _title(self, first_heading: int) -> str | None:
        for p in self.paragraphs[: min(first_heading, 40)]:
            if _TITLE.search(p.text) and 8 <= len(p.text) <= 120 and "。" not in p.text:
                return table_title(clean_sentence(p.text))
        return None


def table_title(notice_title: str) -> str:
    """The title of the task table a notice holds, from the notice's own title: the document it
    issues (inside 《》, or between 关于印发 and 的通知) with 重点任务分工表 after it, as offices
    title the table they make from such a notice — "关于印发《X实施方案》的通知" → "X实施方案重点任务分工表"."""
    inner = re.search(r"《([^》]+)》", notice_title)
    name = inner.group(1) if inner else re.sub(r"^.*?关于(?:印发)?|的通知$", "", notice_title) or notice_title
    return name if re.search(r"(?:表|清单)$", name) else name + "重点任务分工表"


def _short(text: str, n: int = 24) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"
