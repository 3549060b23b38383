"""The ledger's tables (SQLModel). Rules in PRODUCT §3; schema version in ``models.schema``.

Each class is one table; relations are plain foreign-key columns so that readers of this file see
the schema as it is on disk. Dates are ``date`` (YYYY-MM-DD), times ``datetime`` (local, seconds).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Column, ForeignKey, Index, Integer, LargeBinary, UniqueConstraint, true
from pydantic import NaiveDatetime
from sqlmodel import Field, SQLModel

STATUSES = ("未启动", "推进中", "已完成")
NOT_STARTED, IN_PROGRESS, DONE = STATUSES
ROLES = ("组长", "常务副组长", "副组长", "成员", "联络员", "办公室主任", "办公室常务副主任", "办公室副主任")
LEAD, CO = "lead", "co"


# Ids of deleted rows are never given again (v3): an undo that removes a row must not let a later
# row take its id, or that row's history would show the removed one's entries.
_NEVER_REUSED = {"sqlite_autoincrement": True}


def _fk(target: str, *, nullable: bool = False, index: bool = False) -> Column:
    """A foreign key column; SQLite enforces it because every connection sets foreign_keys=ON."""
    return Column(Integer, ForeignKey(target), nullable=nullable, index=index)


class Unit(SQLModel, table=True):
    """A real unit (单位): 县人社局, 各乡（镇）. Names and aliases are unique across both tables."""

    __table_args__ = _NEVER_REUSED
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    created_at: NaiveDatetime = Field(default_factory=lambda: datetime.now().replace(microsecond=0))


class UnitAlias(SQLModel, table=True):
    """Another name of a unit: 县卫计局 for 县卫健局, or the name of a unit merged into it."""

    __tablename__ = "unit_alias"
    __table_args__ = _NEVER_REUSED
    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(sa_column=_fk("unit.id", index=True))
    alias: str = Field(unique=True)


class Group(SQLModel, table=True):
    """A leading group (领导小组, 工作专班) with its office."""

    __tablename__ = "work_group"
    __table_args__ = _NEVER_REUSED
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    doc_number: str | None = None  # 文号: 启政办发〔2023〕32号
    host_unit_id: int | None = Field(default=None, sa_column=_fk("unit.id", nullable=True))
    note: str | None = None  # the table's 注：… line, e.g. successors take over duties
    report_cycle: str | None = None  # 报送周期 (v5): monthly:5 (每月5日前), semimonthly, quarterly
    review_closing: bool = Field(default=True, sa_column=Column(Boolean, nullable=False, server_default=true()))  # (v7) a unit's 已完成 waits for the office's 销号
    next_steps: str | None = None  # (v7) the bulletin's 下步工作要求, as the office last edited it
    assessment_weights: str | None = None  # (v7) JSON of the 考评 weights, None for the defaults
    created_at: NaiveDatetime = Field(default_factory=lambda: datetime.now().replace(microsecond=0))
    title: str | None = None  # the imported table's own title (临海市老有康养专项任务分解表)


class Member(SQLModel, table=True):
    """A person in the group's roster, in the notice's official order."""

    __table_args__ = (Index("ix_member_group_order", "group_id", "position"), _NEVER_REUSED)
    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(sa_column=_fk("work_group.id"))
    name: str
    unit_id: int | None = Field(default=None, sa_column=_fk("unit.id", nullable=True, index=True))
    title: str | None = None
    role: str = "成员"
    position: int = 0  # official order within the group, 1-based
    active: bool = True
    successor_id: int | None = Field(default=None, sa_column=_fk("member.id", nullable=True))
    joined_on: date | None = None
    left_on: date | None = None
    phone: str | None = None


class Duty(SQLModel, table=True):
    """A member unit's duties (工作职责) in one group."""

    __table_args__ = (UniqueConstraint("group_id", "unit_id"), _NEVER_REUSED)
    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(sa_column=_fk("work_group.id"))
    unit_id: int = Field(sa_column=_fk("unit.id", index=True))
    text: str


class Task(SQLModel, table=True):
    """One row of the division table."""

    __table_args__ = (
        CheckConstraint("status IN ('未启动', '推进中', '已完成')", name="ck_task_status"),
        Index("ix_task_group_status_due", "group_id", "status", "due"),
        Index("ix_task_group_due", "group_id", "due"),
        Index("ix_task_group_position", "group_id", "position"),
        _NEVER_REUSED,
    )
    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(sa_column=_fk("work_group.id"))
    position: int = 0  # order in the table
    category_number: str | None = None  # 一, （二）
    category: str | None = None  # 健全完善社会保障体系
    number: str | None = None  # the task's own number as printed: （一）, 12
    content: str
    deadline: str | None = None  # as written: 2023年12月底前, 长期坚持
    due: date | None = None  # parsed from the deadline where it can be read
    status: str = NOT_STARTED
    done_on: date | None = None
    notes: str | None = None
    unpaired_persons: str | None = None  # JSON list: persons named without a unit to pair with
    search_text: str = ""  # content, units, persons and their pinyin initials, for the filter (v2)
    cancelled_on: date | None = None  # 已取消 (v3): kept with its history, left out of lists and counts


class Assignment(SQLModel, table=True):
    """A unit on a task, as lead (牵头) or co-operating (配合), with its responsible person."""

    __table_args__ = (
        CheckConstraint("role IN ('lead', 'co')", name="ck_assignment_role"),
        UniqueConstraint("task_id", "unit_id", "role"),
        Index("ix_assignment_unit_role", "unit_id", "role", "task_id"),
        _NEVER_REUSED,
    )
    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(sa_column=_fk("task.id"))
    unit_id: int = Field(sa_column=_fk("unit.id"))
    role: str = LEAD
    person: str | None = None
    position: int = 0  # order among the task's units of this role


class Target(SQLModel, table=True):
    """A task's target for one year (年度目标) and the value actually reached."""

    __table_args__ = (UniqueConstraint("task_id", "year"), _NEVER_REUSED)
    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(sa_column=_fk("task.id"))
    year: int
    target: str = ""
    actual: str | None = None


class Progress(SQLModel, table=True):
    """A progress entry (进展情况) on a task."""

    __table_args__ = (Index("ix_progress_task_date", "task_id", "on"), _NEVER_REUSED)
    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(sa_column=_fk("task.id"))
    on: date
    unit_id: int | None = Field(default=None, sa_column=_fk("unit.id", nullable=True))
    text: str


class History(SQLModel, table=True):
    """One change made through the program, with a one-line description (操作记录)."""

    __table_args__ = (Index("ix_history_group_at", "group_id", "at"),)
    id: int | None = Field(default=None, primary_key=True)
    at: NaiveDatetime  # local time
    action: str  # tick, assign, import, undo …
    summary: str  # one line, Chinese
    group_id: int | None = None  # no foreign keys here: the record outlives what it names
    task_id: int | None = Field(default=None, index=True)
    undone_by: int | None = Field(default=None, sa_column=_fk("history.id", nullable=True))
    undoes: int | None = Field(default=None, sa_column=_fk("history.id", nullable=True))


class RowChange(SQLModel, table=True):
    """One row changed by a history entry: the row before and after, as JSON (for undo)."""

    __tablename__ = "row_change"
    id: int | None = Field(default=None, primary_key=True)
    history_id: int = Field(sa_column=_fk("history.id", index=True))
    seq: int
    table_name: str
    row_id: int
    before: str | None = None  # JSON object, None when the change inserted the row
    after: str | None = None  # JSON object, None when the change deleted the row


class ImportSource(SQLModel, table=True):
    """What a file said about a task, member or duty when it was last imported (v3): the base of
    the three-way merge of the next import (``models.merge``, ``importers.load``). Exactly one of
    task_id, member_id, duty_id is set; the row goes with the row it describes."""

    __tablename__ = "import_source"
    __table_args__ = _NEVER_REUSED
    id: int | None = Field(default=None, primary_key=True)
    task_id: int | None = Field(default=None, sa_column=Column(
        Integer, ForeignKey("task.id", ondelete="CASCADE"), nullable=True, unique=True))
    member_id: int | None = Field(default=None, sa_column=Column(
        Integer, ForeignKey("member.id", ondelete="CASCADE"), nullable=True, unique=True))
    duty_id: int | None = Field(default=None, sa_column=Column(
        Integer, ForeignKey("duty.id", ondelete="CASCADE"), nullable=True, unique=True))
    file: str | None = None  # the file's name; None: counted as imported when the ledger was upgraded
    sheet: str | None = None
    row_key: str | None = None  # the row in the file: 5 (a sheet's row number)
    base: str  # JSON: the imported values (importers.sources)


class ImportTombstone(SQLModel, table=True):
    """A task (or roster member) the office deleted that had come from a file (v9): where the file
    had it and what the file said when last imported (``import_source`` as it was), so that a
    re-import of the table does not bring it back: an unchanged row stays deleted, a changed one is
    a conflict (``importers.load``). Written by the delete operation; its undo removes it."""

    __tablename__ = "import_tombstone"
    __table_args__ = _NEVER_REUSED
    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(sa_column=_fk("work_group.id", index=True))
    task_id: int | None = None  # the deleted task's id (ids are never reused); no foreign key: it is gone
    member_id: int | None = None  # or the deleted member's, with its name and role (a roster line)
    name: str | None = None
    role: str | None = None
    file: str | None = None
    sheet: str | None = None
    row_key: str | None = None
    base: str  # JSON, as import_source.base (models.sources)
    deleted_on: date


class Round(SQLModel, table=True):
    """A reporting round (报送轮次, v5): 2024年6月, 第3期 — a due date and the tasks it covers."""

    __tablename__ = "report_round"
    __table_args__ = (
        UniqueConstraint("group_id", "name"),
        CheckConstraint("status IN ('open', 'closed')", name="ck_round_status"),
        _NEVER_REUSED,
    )
    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(sa_column=_fk("work_group.id"))
    name: str
    due: date | None = None
    status: str = "open"
    opened_on: date
    closed_on: date | None = None


class RoundTask(SQLModel, table=True):
    """A task a round covers (v5)."""

    __tablename__ = "round_task"
    __table_args__ = (UniqueConstraint("round_id", "task_id"), _NEVER_REUSED)
    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(sa_column=_fk("report_round.id"))
    task_id: int = Field(sa_column=_fk("task.id", index=True))


class Report(SQLModel, table=True):
    """What one unit returned for a round (its filled form), v5."""

    __tablename__ = "unit_report"
    __table_args__ = (UniqueConstraint("round_id", "unit_id"), _NEVER_REUSED)
    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(sa_column=_fk("report_round.id"))
    unit_id: int = Field(sa_column=_fk("unit.id", index=True))
    received_on: date
    source: str | None = None  # the file it came from
    extras: str | None = None  # JSON list of work the unit added (新增工作 rows), not tasks


class ReportEntry(SQLModel, table=True):
    """One task as a unit reported it in a round (v5). ``status`` is what the unit said: its 已完成
    is the unit's claim (销号 confirms it); ``progress_id`` is the progress entry it made."""

    __tablename__ = "report_entry"
    __table_args__ = (UniqueConstraint("report_id", "task_id"), _NEVER_REUSED)
    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(sa_column=_fk("unit_report.id"))
    task_id: int = Field(sa_column=_fk("task.id", index=True))
    role: str = LEAD
    status: str | None = None
    text: str | None = None
    done_on: date | None = None
    problems: str | None = None
    evidence: str | None = None
    progress_id: int | None = Field(default=None, sa_column=_fk("progress.id", nullable=True))


class Extension(SQLModel, table=True):
    """An extension (延期, v7): the new deadline, why, when approved; the original due date kept."""

    __table_args__ = _NEVER_REUSED

    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(sa_column=_fk("task.id", index=True))
    original_due: date | None = None
    new_due: date
    reason: str = ""
    approved_on: date | None = None
    granted_on: date


class Closing(SQLModel, table=True):
    """One step of closing a task on review (办结审核, v7): a claim (claimed), the office's 销号
    (confirmed) or 退回 (returned, with its reason). The newest row is the task's state."""

    __tablename__ = "task_closing"
    __table_args__ = (CheckConstraint("state IN ('claimed', 'confirmed', 'returned')", name="ck_closing_state"),
                      _NEVER_REUSED)
    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(sa_column=_fk("task.id", index=True))
    state: str
    on: date  # the day of the step
    done_on: date | None = None  # the completion date claimed or confirmed
    unit_id: int | None = Field(default=None, sa_column=_fk("unit.id", nullable=True))
    reason: str | None = None


class Chase(SQLModel, table=True):
    """A unit chased (催办, v7): the day, and the tasks named in the letter (JSON list of ids)."""

    __tablename__ = "chase_record"
    __table_args__ = _NEVER_REUSED
    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(sa_column=_fk("work_group.id"))
    unit_id: int = Field(sa_column=_fk("unit.id", index=True))
    on: date
    task_ids: str = "[]"
    reply_by: date | None = None
    file: str | None = None


class Evidence(SQLModel, table=True):
    """A file attached to a task as evidence (佐证材料, v8). The content lives in the ledger's file
    store (``models.evidence``), named by its SHA-256: the same file attached twice is kept once.
    A row may also name the progress entry or the round's report it came with."""

    __table_args__ = (Index("ix_evidence_task", "task_id"), _NEVER_REUSED)
    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(sa_column=_fk("task.id"))
    sha256: str = Field(index=True)
    size: int
    name: str  # the original file name (renamed: the new one)
    unit_id: int | None = Field(default=None, sa_column=_fk("unit.id", nullable=True))
    on: date  # the day the file came (a form's 报送 date, or the day it was attached)
    attached_by: str | None = None  # who attached it
    progress_id: int | None = Field(default=None, sa_column=Column(
        Integer, ForeignKey("progress.id", ondelete="SET NULL"), nullable=True))
    report_id: int | None = Field(default=None, sa_column=Column(
        Integer, ForeignKey("unit_report.id", ondelete="SET NULL"), nullable=True))



class EvidenceContent(SQLModel, table=True):
    """The content of evidence files on a server ledger (issue 18, v11), where no folder lies beside
    the ledger: each file in parts of at most 1 MB (``part`` 0, 1, …), by its SHA-256, kept once
    however many rows name it and never changed or removed by the program (as a ledger file's
    ``.files`` folder, ``models.evidence``). A ledger file keeps its files in that folder: there this
    table stays empty. Not undone (content only; the evidence rows are what undo restores)."""

    __tablename__ = "evidence_content"
    __table_args__ = (UniqueConstraint("sha256", "part"), _NEVER_REUSED)
    id: int | None = Field(default=None, primary_key=True)
    sha256: str
    part: int
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))

TRACKED_TABLES = {
    cls.__tablename__: cls
    for cls in (Unit, UnitAlias, Group, Member, Duty, Task, Assignment, Target, Progress, ImportSource,
                Round, RoundTask, Report, ReportEntry, Extension, Closing, Chase, Evidence, ImportTombstone)
}
