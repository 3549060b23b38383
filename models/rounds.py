"""Reporting rounds (报送轮次, PRODUCT §9): the group's cycle, opening and closing a round, and
recording what the units reported in their returned forms. Every change is one operation (one
transaction, one history entry, undoable), like those in ``models.operations``.

Decisions:

* A round covers the tasks open when it is opened (or the ones given); units on those tasks, lead
  or co, are the units that owe a report.
* A returned form becomes one ``Report`` of the unit in the round, with one ``ReportEntry`` per
  task the unit filled in (progress text, a status other than the task's, a date, problems or
  evidence). Its progress text is also a progress entry on the task (date = the report's date,
  unit = the reporting unit), so the task page and the progress table show it with the others.
* A unit's 已完成 is its claim: the entry keeps the status and date the unit gave. Until the office
  reviews claims (销号/退回, a later step) the lead unit's 已完成 also sets the task 已完成 with the
  date given (or the report's date). A co-operating unit's status stays its own (kept apart from
  the lead's, both visible on the task); a form never re-opens a task the ledger has as 已完成,
  except a corrected form of the unit whose earlier form for the round claimed it 已完成.
* The same form imported twice records nothing twice: a report whose entries and extras are the
  same as those stored is left alone. A corrected form replaces the unit's entries for the round
  (and the progress entries they made).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from sqlmodel import select

from models import task_figures
from models.changes import OperationError, change
from models.clock import today
from models.db import Database
from models.report_records import EntryIn, ReportIn
from models.report_writing import RecordResult, write_reports
from models.tables import (
    DONE,
    Group,
    Round,
    RoundTask,
    Task,
)

__all__ = ["OPEN", "CLOSED", "EntryIn", "ReportIn", "RecordResult", "parse_cycle", "cycle_label", "propose",
           "set_cycle", "open_round", "close_round", "reopen_round", "record_reports"]

OPEN, CLOSED = "open", "closed"
_BULK_FIGURES = 200  # tasks of a round from which opening it writes the figures once (see open_round)

# ---------------------------------------------------------------- cycles and proposals

_MONTHLY = re.compile(r"^(?:monthly:|每月)(\d{1,2})(?:日|号)?(?:前|之前)?$")


def parse_cycle(text: str | None) -> str | None:
    """The stored form of a cycle written as the office says it: 每月5日前 → monthly:5, 每半月 →
    semimonthly, 每季度 → quarterly; empty → None. OperationError for anything else."""
    value = re.sub(r"\s+", "", text or "")
    if not value or value in ("无", "不定期"):
        return None
    m = _MONTHLY.match(value)
    if m:
        day = int(m.group(1))
        if not 1 <= day <= 28:
            raise OperationError(f"每月报送日应在 1 到 28 日之间，不是 {day} 日。")
        return f"monthly:{day}"
    if value in ("semimonthly", "每半月", "半月", "每半个月"):
        return "semimonthly"
    if value in ("quarterly", "每季度", "每季", "季度"):
        return "quarterly"
    raise OperationError(f"看不懂报送周期「{text}」：可写 每月5日前、每半月 或 每季度。")


def cycle_label(cycle: str | None) -> str:
    if not cycle:
        return "不定期"
    if cycle.startswith("monthly:"):
        return f"每月{cycle.split(':', 1)[1]}日前"
    return {"semimonthly": "每半月", "quarterly": "每季度"}.get(cycle, cycle)


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _next_month(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def _periods(cycle: str | None, on: date):
    """The cycle's periods from the one to report on ``on`` onward: (name, due)."""
    if cycle and cycle.startswith("monthly:"):
        day = int(cycle.split(":", 1)[1])
        # reported by day N of the next month: on 7月3日 (N=5) the June round is still the one due
        year, month = (on.year, on.month)
        if on.day <= day:
            year, month = (year - 1, 12) if month == 1 else (year, month - 1)
        while True:
            ny, nm = _next_month(year, month)
            yield f"{year}年{month}月", date(ny, nm, day)
            year, month = ny, nm
    elif cycle == "semimonthly":
        year, month, half = on.year, on.month, 0 if on.day <= 15 else 1
        while True:
            if half == 0:
                yield f"{year}年{month}月上半月", date(year, month, 15)
                half = 1
            else:
                yield f"{year}年{month}月下半月", _month_end(year, month)
                half = 0
                year, month = _next_month(year, month)
    elif cycle == "quarterly":
        year, quarter = on.year, (on.month - 1) // 3 + 1
        while True:
            end = _month_end(year, quarter * 3)
            yield f"{year}年第{'一二三四'[quarter - 1]}季度", end + timedelta(days=5)
            year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)
    else:
        n = 1
        while True:
            yield f"第{n}期", on + timedelta(days=7)
            n += 1


def propose(cycle: str | None, on: date, taken: set[str]) -> tuple[str, date]:
    """The next round's name and due date for a group with ``cycle``, skipping names already used."""
    for name, due in _periods(cycle, on):
        if name not in taken:
            return name, due
    raise AssertionError("unreachable")


# ---------------------------------------------------------------- rounds


def set_cycle(db: Database, group_id: int, cycle: str | None) -> None:
    """Set the group's reporting cycle (每月5日前 / 每半月 / 每季度, or empty for none)."""
    code = parse_cycle(cycle)
    with change(db, "set_cycle") as tx:
        group = tx.get(Group, group_id, "领导小组")
        group.report_cycle = code
        tx.session.add(group)
        tx.describe(f"{group.name}：报送周期改为{cycle_label(code)}", group_id=group_id)


def open_round(db: Database, group_id: int, name: str | None = None, *, due: date | None = None,
               task_ids: list[int] | None = None) -> int:
    """Open a round (the proposed name and due date when not given) covering ``task_ids`` or every
    open task of the group; returns its id."""
    name = " ".join((name or "").split())
    with change(db, "open_round") as tx:
        s = tx.session
        group = tx.get(Group, group_id, "领导小组")
        taken = set(s.exec(select(Round.name).where(Round.group_id == group_id)).all())
        if not name:
            name, proposed_due = propose(group.report_cycle, today(), taken)
            due = due or proposed_due
        elif name in taken:
            raise OperationError(f"「{group.name}」已有名为「{name}」的报送轮次。")
        if task_ids is None:
            task_ids = list(s.exec(select(Task.id).where(Task.group_id == group_id, Task.status != DONE)
                                   .order_by(Task.position, Task.id)).all())
        else:
            found = set(s.exec(select(Task.id).where(Task.group_id == group_id,
                                                     Task.id.in_(task_ids))).all())  # type: ignore[union-attr]
            missing = [t for t in task_ids if t not in found]
            if missing:
                raise OperationError(f"任务（编号 {missing[0]}）不在「{group.name}」中。")
        if not task_ids:
            raise OperationError(f"「{group.name}」没有未完成的任务，无需开启报送轮次。")
        rnd = Round(group_id=group_id, name=name, due=due, status=OPEN, opened_on=today())
        s.add(rnd)
        s.flush()
        # the figures kept by triggers (models.task_figures, models.round_figures) of a round of many
        # tasks: written once after its rows (row by row, each recounts its units' tasks in the round)
        figures = tx.cursor() if len(task_ids) >= _BULK_FIGURES else None
        if figures is not None:
            task_figures.pause(figures)
        s.add_all(RoundTask(round_id=rnd.id, task_id=t) for t in dict.fromkeys(task_ids))
        if figures is not None:
            s.flush()
            task_figures.resume_all(figures)
        due_text = f"，截止 {due:%Y-%m-%d}" if due else ""
        tx.describe(f"{group.name}：开启报送轮次「{name}」（任务 {len(task_ids)} 项{due_text}）", group_id=group_id)
        return rnd.id


def close_round(db: Database, round_id: int) -> None:
    with change(db, "close_round") as tx:
        rnd = tx.get(Round, round_id, "报送轮次")
        if rnd.status == CLOSED:
            raise OperationError(f"报送轮次「{rnd.name}」已经结束。")
        rnd.status, rnd.closed_on = CLOSED, today()
        tx.session.add(rnd)
        tx.describe(f"结束报送轮次「{rnd.name}」", group_id=rnd.group_id)


def reopen_round(db: Database, round_id: int) -> None:
    with change(db, "reopen_round") as tx:
        rnd = tx.get(Round, round_id, "报送轮次")
        if rnd.status == OPEN:
            raise OperationError(f"报送轮次「{rnd.name}」尚未结束。")
        rnd.status, rnd.closed_on = OPEN, None
        tx.session.add(rnd)
        tx.describe(f"重新开启报送轮次「{rnd.name}」", group_id=rnd.group_id)


# ---------------------------------------------------------------- reports


def record_reports(db: Database, reports: list[ReportIn], *, what: str = "",
                   also: Callable[[Any], str] | None = None) -> RecordResult:
    """Record returned forms, all in one transaction (a folder of forms is one change). ``also``
    runs inside that change once the forms are written (the evidence files sent with them) and
    returns what to add to its history line. The writing itself is ``models.report_writing``'s
    (shared with the command line's import, which runs it without the ORM)."""
    with change(db, "record_reports") as tx:
        return write_reports(tx, tx.cursor(), reports, what=what, also=also)
