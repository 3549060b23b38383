"""Recording returned forms (报送, PRODUCT §9) in plain SQL: what ``models.rounds.record_reports``
does inside its ORM change and ``record_reports_at`` inside a plain ``sqlite3`` one
(``models.plain_change``), so the command-line import of a folder of forms loads no ORM (issue 17:
SQLAlchemy and SQLModel alone took ~40 % of importing 60 forms of 1,000 tasks). The decisions are
those in ``models.rounds``' docstring.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from models.clock import today
from models.errors import OperationError
from models.judging import DONE, IN_PROGRESS, NOT_STARTED
from models.report_records import EntryIn, ReportIn

STATUSES = (NOT_STARTED, IN_PROGRESS, DONE)  # as models.tables
LEAD = "lead"


def short(text: str, width: int = 24) -> str:
    """The start of a long text for a one-line history entry (``models.operations.short``)."""
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


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

    def __init__(self, tx, cursor):
        from models.sql import is_server

        self.tx = tx
        self.cur = cursor
        self.server = is_server(cursor)  # the cursor reads values as a file gives them on both engines

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
        if self.server:  # ids chosen here: the table's sequence moves past them
            from models.ids import advance

            advance(self.cur, table)

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


_BULK_FIGURES = 2000  # rows written; from here on the figures are written once (see write_reports)


def _new_status(task_status: str, entry: EntryIn, *, corrects_claim: bool = False) -> str | None:
    """The lead unit's status on the task (see ``models.rounds``' decisions), or None for no change.
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


def write_reports(tx: Any, cursor: Any, reports: list[ReportIn], *, what: str = "",
                  also: Callable[[Any], str] | None = None) -> RecordResult:
    """Record returned forms inside the running change ``tx`` (``describe`` and ``record``, as
    ``models.changes.Change`` and ``models.plain_change.PlainChange`` have them), writing through
    ``cursor``. ``also`` runs once the forms are written and returns what to add to the history line."""
    result = RecordResult()
    on_default = today()
    w = _Rows(tx, cursor)
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
    # The 总览 figures (models.task_figures) of a whole round's forms (tens of thousands of rows): written
    # once for every task after the rows (~50 ms on 10,000 tasks) rather than by the triggers row by row
    # (60 forms of 10,000 tasks: ~70,000 trigger runs, ~1 s). A few forms keep the triggers, cheaper then.
    from models import task_figures

    bulk = len(progress_rows) + len(entry_rows) + len(task_updates) >= _BULK_FIGURES
    if bulk:
        task_figures.pause(cursor)
    w.insert_many("unit_report", ("id", "round_id", "unit_id", "received_on", "source", "extras"), report_rows)
    w.insert_many("progress", ("id", "task_id", "on", "unit_id", "text"), progress_rows)
    w.insert_many("report_entry", _ENTRY_COLUMNS, entry_rows)
    w.update_many("task", task_updates)
    if bulk:
        task_figures.resume_all(cursor)
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


def record_reports_at(path: str | os.PathLike[str], reports: list[ReportIn], *, what: str = "") -> RecordResult:
    """``models.rounds.record_reports`` on the ledger at ``path`` through plain ``sqlite3``: the same
    rows, the same history entry, one transaction."""
    from models.plain_change import plain_change

    with plain_change(path, "record_reports") as tx:
        return write_reports(tx, tx.cursor(), reports, what=what)
