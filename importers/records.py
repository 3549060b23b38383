"""Plain records that every reader yields and the loading step writes.

Readers (xlsx, xls, ods, docx, csv, pasted text) never touch the database: they turn a file into
these records, so one loading step (``importers.load``) can write any of them the same way.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

# A unit with no responsible person, among units that have one, is written "—" on its line of the
# person column (export), so the lines still pair; the reader takes these marks for "no person".
NO_PERSON = "—"
NO_PERSON_MARKS = frozenset({"—", "——", "－", "-", "无"})


class Origin(NamedTuple):
    """Where a value came from, for messages: file, sheet, 1-based row and column. (A named
    tuple: every task and warning of a 10,000-row table has one, and a tuple is made fastest.)"""

    file: str
    sheet: str | None = None
    row: int | None = None
    col: int | None = None
    place: str | None = None  # said instead of the row: "第 3 段" (Word paragraphs), "第 2 页第 5 行" (PDF)

    def describe(self) -> str:
        """Chinese description such as 「分工表.xlsx」工作表「Sheet1」第 5 行 C 列."""
        parts = [f"「{self.file}」"]
        if self.sheet:  # a Word document's tables are named 表格1, 表格2: no 工作表 before them
            parts.append(f"「{self.sheet}」" if self.file.lower().endswith(".docx") else f"工作表「{self.sheet}」")
        if self.place:
            parts.append(self.place)
        elif self.row is not None:
            parts.append(f"第 {self.row} 行")
        if self.col is not None:
            parts.append(f"{' ' if self.row is not None else ''}{column_letter(self.col)} 列")
        return "".join(parts)


def display_name(path: str | os.PathLike[str]) -> str:
    """A file's name as messages and the ledger show it (see ``displayable``)."""
    return displayable(os.path.basename(os.fspath(path)))


def displayable(name: str) -> str:
    """A name from the system as it can be shown and stored. On Linux a file name whose bytes are
    not UTF-8 (a GBK name from a Windows zip) reaches Python as surrogate escapes, which can be
    neither printed nor stored in SQLite: such a name is decoded as GB18030, else its odd bytes
    become �."""
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        pass
    try:
        raw = name.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # lone surrogates that are no escaped bytes
        return name.encode("utf-8", "replace").decode("utf-8")
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError:
        return raw.decode("utf-8", "replace")


def column_letter(col: int) -> str:
    """1 → A, 27 → AA."""
    letters = ""
    while col > 0:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


@dataclass
class ImportWarning:
    """Something the user should see before confirming an import; nothing was dropped for it."""

    message: str
    origin: Origin | None = None

    def __str__(self) -> str:
        return f"{self.origin.describe()}：{self.message}" if self.origin else self.message


class ImportRefused(Exception):
    """A file that cannot be imported. The message is Chinese, names file/sheet/row/column, and is
    meant for the user as it is (the command line prints it and exits 1)."""

    # A file past a limit of the readers (rows, cells, text …) is refused as it is, however it is read:
    # reading it again as a roster or a notice would only cost the time and memory the limit saves.
    beyond_limit = False

    def __init__(self, message: str, origin: Origin | None = None):
        self.origin = origin
        super().__init__(f"{origin.describe()}：{message}" if origin else message)


@dataclass(frozen=True)
class UnitRef:
    """One unit on a task, with its responsible person when the table pairs one. Frozen: readers
    share one UnitRef among the tasks that name the same unit cells."""

    unit: str
    person: str | None = None


@dataclass
class TargetRecord:
    year: int
    target: str
    actual: str | None = None


@dataclass
class TaskRecord:
    content: str
    number: str | None = None  # the task's own number as printed: "（一）", "12"
    category: str | None = None  # category text without its number: "健全完善社会保障体系"
    category_number: str | None = None  # "一", "（二）"
    deadline: str | None = None  # deadline text as written
    due: date | None = None  # parsed from the deadline when the text allows
    targets: list[TargetRecord] = field(default_factory=list)
    lead: list[UnitRef] = field(default_factory=list)
    co: list[UnitRef] = field(default_factory=list)
    unpaired_persons: list[str] = field(default_factory=list)
    status: str | None = None  # 未启动 / 推进中 / 已完成 when the table has a status column
    done_on: date | None = None
    notes: str | None = None
    origin: Origin | None = None


@dataclass
class TaskTable:
    """What a reader understood of one division table (重点任务分工表)."""

    source: str  # file name as shown to the user
    sheet: str | None = None
    title: str | None = None
    header: dict[str, str] = field(default_factory=dict)  # field name → header text found
    years: list[int] = field(default_factory=list)  # per-year target columns, in order
    tasks: list[TaskRecord] = field(default_factory=list)
    note: str | None = None  # the 注：… line under the table, e.g. the successor rule
    warnings: list[ImportWarning] = field(default_factory=list)
    reading: str | None = None  # how the file was read, for the report: "按通知正文读取：94 项任务"


@dataclass
class MemberRecord:
    name: str
    role: str  # 组长 副组长 成员 联络员 办公室主任 办公室副主任 …
    unit: str | None = None
    title: str | None = None
    phone: str | None = None
    order: int = 0  # official order in the notice, 1-based
    origin: Origin | None = None


@dataclass
class Roster:
    source: str
    members: list[MemberRecord] = field(default_factory=list)
    warnings: list[ImportWarning] = field(default_factory=list)


@dataclass
class DutyRecord:
    unit: str
    text: str
    origin: Origin | None = None


@dataclass
class Duties:
    source: str
    duties: list[DutyRecord] = field(default_factory=list)
    warnings: list[ImportWarning] = field(default_factory=list)
