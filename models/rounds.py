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
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlmodel import select

from models.changes import OperationError, change
from models.clock import today
from models.db import Database
from models.operations import short
from models.report_records import EntryIn, ReportIn
from models.tables import (
    DONE,
    IN_PROGRESS,
    LEAD,
    NOT_STARTED,
    STATUSES,
    Group,
    Round,
    RoundTask,
    Task,
)

__all__ = ["OPEN", "CLOSED", "EntryIn", "ReportIn", "RecordResult", "parse_cycle", "cycle_label", "propose",
           "set_cycle", "open_round", "close_round", "reopen_round", "record_reports"]

OPEN, CLOSED = "open", "closed"

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
        s.add_all(RoundTask(round_id=rnd.id, task_id=t) for t in dict.fromkeys(task_ids))
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


@dataclass
class RecordResult:
    new: list[str] = field(default_factory=list)  # unit names
    replaced: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    entries: int = 0
    progress: int = 0
    status_changes: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.new or self.replaced)


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


_ENTRY_COLUMNS = ("id", "report_id", "task_id", "role", "status", "text", "done_on", "problems", "evidence",
                  "progress_id")


class _Rows:
    """Plain SQL inside the running change (a round's forms write tens of thousands of rows: through
    the ORM that alone took longer than reading the files); every row is reported to the change's
    log, new rows by id range, so undo takes the whole import back."""

    def __init__(self, tx):
        self.tx = tx
        self.cur = tx.cursor()

    def all(self, sql: str, params: dict) -> list[tuple]:
        return self.cur.execute(sql, params).fetchall()

    def next_id(self, table: str) -> int:
        """The next id never given before (an undone round's ids stay taken): ``models.ids.next_id``."""
        from models.ids import next_id

        return next_id(self.cur, table)

    def insert_many(self, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
        if not rows:
            return
        names = ", ".join(f'"{c}"' for c in columns)
        marks = ", ".join(f":{c}" for c in columns)
        self.cur.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})",
                             [dict(zip(columns, r)) for r in rows])
        self.tx.record(table, rows[0][0], None, {"id_range": [rows[0][0], rows[-1][0]]})

    def row(self, table: str, row_id: int) -> dict:
        self.cur.execute(f"SELECT * FROM {table} WHERE id = :id", {"id": row_id})
        names = [d[0] for d in self.cur.description]
        return dict(zip(names, self.cur.fetchone()))

    def update_many(self, table: str, updates: dict[int, dict]) -> None:
        """Rows by id → their new values (every row the same columns), in one statement."""
        if not updates:
            return
        ids = list(updates)
        columns = list(next(iter(updates.values())))
        befores: dict[int, dict] = {}
        for start in range(0, len(ids), 500):
            chunk = {f"i{k}": v for k, v in enumerate(ids[start:start + 500])}
            self.cur.execute(f"SELECT * FROM {table} WHERE id IN ({', '.join(':' + k for k in chunk)})", chunk)
            names = [d[0] for d in self.cur.description]
            for row in self.cur.fetchall():
                befores[row[0]] = dict(zip(names, row))
        sets = ", ".join(f'"{c}" = :{c}' for c in columns)
        self.cur.executemany(f"UPDATE {table} SET {sets} WHERE id = :id",
                             [{**updates[i], "id": i} for i in ids])
        for i in ids:
            self.tx.record(table, i, befores[i], {**befores[i], **updates[i]})

    def update(self, table: str, row_id: int, values: dict) -> None:
        before = self.row(table, row_id)
        sets = ", ".join(f'"{k}" = :{k}' for k in values)
        self.cur.execute(f"UPDATE {table} SET {sets} WHERE id = :id", {**values, "id": row_id})
        self.tx.record(table, row_id, before, {**before, **values})

    def delete(self, table: str, row_id: int) -> None:
        before = self.row(table, row_id)
        self.cur.execute(f"DELETE FROM {table} WHERE id = :id", {"id": row_id})
        self.tx.record(table, row_id, before, None)


def _new_status(task_status: str, entry: EntryIn, *, corrects_claim: bool = False) -> str | None:
    """The lead unit's status on the task (see the module's decisions), or None for no change.
    ``corrects_claim``: the unit's earlier form for this round said 已完成 and this corrected one
    replaces it, so the task may go back to what the unit now says."""
    if entry.role != LEAD or (task_status == DONE and not (corrects_claim and entry.status in STATUSES)):
        return None
    wanted = entry.status
    if wanted is None and entry.text and task_status == NOT_STARTED:
        wanted = IN_PROGRESS
    if wanted is None or wanted == task_status or wanted not in STATUSES:
        return None
    if wanted == NOT_STARTED and task_status == IN_PROGRESS:
        return None  # a form does not undo progress the ledger knows of
    return wanted


def record_reports(db: Database, reports: list[ReportIn], *, what: str = "",
                   also: Callable[[Any], str] | None = None) -> RecordResult:
    """Record returned forms, all in one transaction (a folder of forms is one change). ``also``
    runs inside that change once the forms are written (the evidence files sent with them) and
    returns what to add to its history line."""
    result = RecordResult()
    on_default = today()
    with change(db, "record_reports") as tx:
        w = _Rows(tx)
        group_id: int | None = None
        round_names: dict[str, None] = {}
        units = dict(w.all("SELECT id, name FROM unit", {}))
        report_rows: list[tuple] = []
        entry_rows: list[tuple] = []
        progress_rows: list[tuple] = []
        next_report, next_entry, next_progress = (w.next_id("unit_report"), w.next_id("report_entry"),
                                                  w.next_id("progress"))
        statuses: dict[int, str] = {}
        task_updates: dict[int, dict] = {}
        for rep in reports:
            found = w.all("SELECT group_id, name FROM report_round WHERE id = :r", {"r": rep.round_id})
            if not found:
                raise OperationError(f"找不到报送轮次（编号 {rep.round_id}），可能已被删除。")
            if rep.unit_id not in units:
                raise OperationError(f"找不到单位（编号 {rep.unit_id}），可能已被删除。")
            group_id = found[0][0]
            round_names[found[0][1]] = None
            unit = units[rep.unit_id]
            entries = list({e.task_id: e for e in rep.entries}.values())
            extras = json.dumps(rep.extras, ensure_ascii=False) if rep.extras else None
            existing = w.all("SELECT id, received_on, extras FROM unit_report WHERE round_id = :r AND unit_id = :u",
                             {"r": rep.round_id, "u": rep.unit_id})
            if existing:
                report_id, received, old_extras = existing[0]
                stored = w.all("SELECT id, task_id, role, status, text, done_on, problems, evidence, progress_id "
                               "FROM report_entry WHERE report_id = :p", {"p": report_id})
                keys = {(r[1], r[2], r[3], r[4], date.fromisoformat(r[5]) if r[5] else None, r[6], r[7])
                        for r in stored}
                if keys == {e.key() for e in entries} and old_extras == extras:
                    result.unchanged.append(unit)
                    continue
                claims = {r[1] for r in stored if r[2] == LEAD and r[3] == DONE}
                for r in stored:
                    w.delete("report_entry", r[0])
                    if r[8] is not None:
                        w.delete("progress", r[8])
                received_on = rep.received_on or date.fromisoformat(received)
                w.update("unit_report", report_id, {"received_on": received_on.isoformat(), "source": rep.source,
                                                     "extras": extras})
                result.replaced.append(unit)
            else:
                claims = set()
                report_id, next_report = next_report, next_report + 1
                received_on = rep.received_on or on_default
                report_rows.append((report_id, rep.round_id, rep.unit_id, received_on.isoformat(), rep.source, extras))
                result.new.append(unit)
            if entries:
                ids = {"t%d" % i: e.task_id for i, e in enumerate(entries)}
                marks = ", ".join(f":{k}" for k in ids)
                for task_id, status in w.all(f"SELECT id, status FROM task WHERE id IN ({marks})", ids):
                    statuses.setdefault(task_id, status)
            for e in entries:
                if e.task_id not in statuses:
                    raise OperationError(f"找不到任务（编号 {e.task_id}），可能已被删除。")
                progress_id = None
                if e.text:
                    progress_id, next_progress = next_progress, next_progress + 1
                    progress_rows.append((progress_id, e.task_id, received_on.isoformat(), rep.unit_id, e.text))
                    result.progress += 1
                entry_id, next_entry = next_entry, next_entry + 1
                entry_rows.append((entry_id, report_id, e.task_id, e.role, e.status, e.text, _iso(e.done_on),
                                   e.problems, e.evidence, progress_id))
                new = _new_status(statuses[e.task_id], e, corrects_claim=e.task_id in claims)
                if new is not None:
                    statuses[e.task_id] = new
                    task_updates[e.task_id] = {"status": new, "done_on": _iso(e.done_on or received_on)
                                               if new == DONE else None}
                    result.status_changes += 1
                result.entries += 1
        w.insert_many("unit_report", ("id", "round_id", "unit_id", "received_on", "source", "extras"), report_rows)
        w.insert_many("progress", ("id", "task_id", "on", "unit_id", "text"), progress_rows)
        w.insert_many("report_entry", _ENTRY_COLUMNS, entry_rows)
        w.update_many("task", task_updates)
        names = "、".join(round_names) or "—"
        parts = [f"新报送 {len(result.new)} 个单位"]
        if result.replaced:
            parts.append(f"更正 {len(result.replaced)} 个")
        if result.unchanged:
            parts.append(f"未变 {len(result.unchanged)} 个")
        more = also(tx) if also is not None else ""
        tx.describe(f"导入填报表「{names}」：{'，'.join(parts)}，进展 {result.progress} 条" + more
                    + (f"（{short(what, 30)}）" if what else ""), group_id=group_id)
    return result
