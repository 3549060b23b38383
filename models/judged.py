"""A group's tasks judged on a day (``models.judging``), read with plain ``sqlite3`` and named
parameters: the one read model the bulletin, the chase letters, the assessment, the JSON dump and
the TUI's lights share.

The closing state of a task: the newest ``task_closing`` row; a task 已完成 through a lead unit's
已完成 in a returned form with no later 销号 is a claim (待销号); a task ticked done by the office
with no closing row is done (the office entered it). A group that does not review has no claims.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from datetime import date

from models import judging
from models.judging import CLAIMED, RETURNED, Judgement, TargetFact, TaskFacts


def _date(value: object) -> date | None:
    if not value:
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


@dataclass(slots=True)
class ExtensionRow:
    original_due: date | None
    new_due: date
    reason: str
    approved_on: date | None
    granted_on: date


@dataclass(slots=True)
class ClosingRow:
    state: str
    on: date
    done_on: date | None
    unit: str | None
    reason: str | None


@dataclass(slots=True)
class JudgedTask:
    id: int
    position: int
    number: str | None
    category: str | None
    content: str
    deadline: str | None
    status: str
    done_on: date | None
    lead: list[str]
    co: list[str]
    judgement: Judgement
    targets: list[TargetFact] = field(default_factory=list)
    extensions: list[ExtensionRow] = field(default_factory=list)
    closing: list[ClosingRow] = field(default_factory=list)
    closing_state: str | None = None  # claimed / confirmed / returned / None
    returned_reason: str | None = None  # the newest 退回's reason while the task is open again
    latest: str | None = None

    @property
    def light(self) -> str:
        return self.judgement.light


@dataclass(slots=True)
class GroupJudged:
    group_id: int
    name: str
    review: bool
    today: date
    tasks: list[JudgedTask]
    round_name: str | None = None
    round_due: date | None = None
    # units owing the current round with nothing filled / that reported it after its due date: read for
    # the whole group only (empty when read_group reads some tasks: a page of the task list, the 总览's few)
    not_reported: list[str] = field(default_factory=list)
    late: list[str] = field(default_factory=list)

    def by_unit(self, role: str = "lead") -> dict[str, list[JudgedTask]]:
        """Lead (or co) units with their tasks, in the order units first appear in the table."""
        out: dict[str, list[JudgedTask]] = {}
        for t in self.tasks:
            for u in (t.lead if role == "lead" else t.co):
                out.setdefault(u, []).append(t)
        return out

    def counts(self, tasks: list[JudgedTask] | None = None) -> judging.Counts:
        return judging.count(t.judgement for t in (self.tasks if tasks is None else tasks))


def read_group(conn: sqlite3.Connection, group_id: int, today: date, *, soon_days: int = judging.SOON_DAYS,
               round_id: int | None = None, task_id: int | None = None,
               task_ids: list[int] | None = None) -> GroupJudged:
    """Every task of the group (or only ``task_id``), judged on ``today``; ``round_id`` picks the
    round whose reporting counts (default: the current one, see ``models.round_status.current_round``)."""
    from models.round_status import LATE, NOT_REPORTED, current_round, list_rounds, unit_states

    only_task = task_id  # (the loops below rebind task_id)
    g: dict = {"g": group_id, "t": only_task}
    if task_ids is not None:  # a page of the task list: only these
        g.update({f"i{n}": i for n, i in enumerate(task_ids)})
        marks = ", ".join(f":i{n}" for n in range(len(task_ids))) or "NULL"
    row = conn.execute("SELECT name, review_closing FROM work_group WHERE id = :g", g).fetchone()
    if row is None:  # the group is gone (deleted, or its import undone, in this or another window)
        return GroupJudged(group_id, "", True, today, [], None, None, [])
    name, review = row[0], bool(row[1])
    units = dict(conn.execute("SELECT id, name FROM unit"))
    only = " AND id = :t" if only_task is not None else ""
    if task_ids is not None:
        only += f" AND id IN ({marks})"
    # the tasks whose rows are read; some given: those ids themselves (the task query below keeps only the
    # group's), looked up by each table's task index rather than through a subquery on task
    listed = task_ids is not None and only_task is None
    in_group = marks if listed else f"SELECT id FROM task WHERE group_id = :g{only}"
    lead: dict[int, list[str]] = {}
    co: dict[int, list[str]] = {}
    for task_id, role, unit_id in conn.execute(
            f"SELECT task_id, role, unit_id FROM assignment WHERE task_id IN ({in_group}) "
            "ORDER BY task_id, role DESC, position, id", g):
        (lead if role == "lead" else co).setdefault(task_id, []).append(units[unit_id])
    targets: dict[int, list[TargetFact]] = {}
    for task_id, year, target, actual in conn.execute(
            f"SELECT task_id, year, target, actual FROM target WHERE task_id IN ({in_group}) ORDER BY task_id, year", g):
        targets.setdefault(task_id, []).append(TargetFact(year, target or "", actual))
    extensions: dict[int, list[ExtensionRow]] = {}
    for task_id, orig, new, reason, approved, granted in conn.execute(
            f"SELECT task_id, original_due, new_due, reason, approved_on, granted_on FROM extension "
            f"WHERE task_id IN ({in_group}) ORDER BY task_id, id", g):
        extensions.setdefault(task_id, []).append(
            ExtensionRow(_date(orig), _date(new), reason, _date(approved), _date(granted)))
    closing: dict[int, list[ClosingRow]] = {}
    for task_id, state, on, done_on, unit_id, reason in conn.execute(
            f'SELECT task_id, state, "on", done_on, unit_id, reason FROM task_closing '
            f"WHERE task_id IN ({in_group}) ORDER BY task_id, id", g):
        closing.setdefault(task_id, []).append(
            ClosingRow(state, _date(on), _date(done_on), units.get(unit_id), reason))
    form_claims = {r[0] for r in conn.execute(
        f"SELECT DISTINCT e.task_id FROM report_entry e WHERE e.role = 'lead' AND e.status = '已完成' "
        f"AND e.task_id IN ({in_group})", g)}
    latest: dict[int, str] = {}
    for task_id, text in conn.execute(
            f'SELECT task_id, text FROM progress WHERE task_id IN ({in_group}) ORDER BY task_id, "on", id', g):
        latest[task_id] = text
    if round_id:
        rnd = next((r for r in list_rounds(conn, group_id) if r.id == round_id), None)
    else:
        rnd = current_round(conn, group_id, counted=False)
    reported: dict[int, bool] = {}
    not_reported: list[str] = []
    late: list[str] = []
    if rnd is not None:
        if only_task is None and task_ids is None:  # the whole group: its units (the bulletin, the letters)
            for s in unit_states(conn, rnd):
                if s.state == NOT_REPORTED:
                    not_reported.append(s.unit)
                elif s.state == LATE:
                    late.append(s.unit)
        asked = rnd.status == "open" and (rnd.due is None or rnd.due < today) or round_id is not None
        if asked:
            reported = reported_in_round(conn, rnd.id, in_group, g, few=listed)
    out = GroupJudged(group_id, name, review, today, [], rnd.name if rnd else None, rnd.due if rnd else None,
                      not_reported, late)
    for (task_id, position, number, category, content, deadline, due, status, done_on, opened) in conn.execute(
            "SELECT t.id, t.position, t.number, t.category, t.content, t.deadline, t.due, t.status, t.done_on, "
            "g.created_at FROM task t JOIN work_group g ON g.id = t.group_id WHERE "
            # some tasks given (a page, the ~150 count_group judges here): looked up by id, not found among
            # the group's 10,000 by its index (the unary + keeps SQLite off it; 2.0 → ~1.0 ms)
            + ("+t.group_id = :g " if task_ids is not None else "t.group_id = :g ")
            + (" AND t.id = :t " if only_task is not None else " AND t.cancelled_on IS NULL ")  # 已取消: not judged
            + (f" AND t.id IN ({marks}) " if task_ids is not None else "") + "ORDER BY t.position, t.id", g):
        steps = closing.get(task_id, [])
        state, reason = _closing_state(status, steps, task_id in form_claims, review)
        ts = targets.get(task_id, [])
        ext = extensions.get(task_id, [])
        done = _date(done_on)
        facts = TaskFacts(
            status=status, due=_date(due), done_on=done, targets=tuple(ts),
            extended_due=ext[-1].new_due if ext else None, closing=state,
            claimed_done_on=done if state == CLAIMED else None, reported=reported.get(task_id),
            start=date(min(t.year for t in ts), 1, 1) if ts else None,
            percent=judging.percent_in(latest.get(task_id)))
        j = judging.judge(facts, today, soon_days=soon_days, review=review)
        out.tasks.append(JudgedTask(task_id, position, number, category, content, deadline, status, done,
                                    lead.get(task_id, []), co.get(task_id, []), j, ts, ext, steps, state, reason,
                                    latest.get(task_id)))
    return out


def reported_in_round(conn: sqlite3.Connection, round_id: int, tasks: str, params: dict, *,
                      few: bool = False) -> dict[int, bool]:
    """The round's tasks among ``tasks`` (a SELECT of task ids or a list of them, with its ``params``) that have a lead
    unit, each with whether one of its lead units filled it in (``round_status.LEAD_FILLED``): what
    ``judging.TaskFacts.reported`` says in the round asked (False: 本轮未报送). One query, however
    many tasks the round has (reading every unit's tasks, as the rounds screen does, took ~0.2 s)."""
    from models.round_status import LEAD_FILLED
    from models.sql import is_server

    # A task whose newest round is this one has the answer stored (task_figure.lead_filled, kept by
    # triggers from the same LEAD_FILLED): read it there unless this very transaction has paused the
    # triggers (a bulk write under way). Worked out again for each task, the EXISTS below made a server
    # gather every lead unit's entries of the round (~25 ms on 10,000 tasks at a month's end); it is
    # left for a task also in a later round.
    # ``few``: ``tasks`` is a list of ids (a page, the ~160 tasks 总览 judges in Python). A server
    # turned the EXISTS on a lead unit into a join over every lead assignment of the ledger (~6 of a
    # month's-end 总览's ~50 ms); OFFSET 0 keeps it a look-up by the assignment index per task (~3 ms;
    # a file looks up either way, and its OFFSET needs a LIMIT). For the whole group the join is the
    # quicker, and is left to it.
    fence = " OFFSET 0" if few and is_server(conn) else ""
    return {task_id: bool(filled) for task_id, filled in conn.execute(
        "SELECT rt.task_id, CASE WHEN f.last_round = :r AND NOT EXISTS (SELECT 1 FROM task_figure_pause) "
        f"THEN f.lead_filled WHEN {LEAD_FILLED.format(task='rt.task_id', round=':r')} THEN 1 ELSE 0 END "
        f"FROM round_task rt LEFT JOIN task_figure f ON f.task_id = rt.task_id "
        f"WHERE rt.round_id = :r AND rt.task_id IN ({tasks}) "
        f"AND EXISTS (SELECT 1 FROM assignment l WHERE l.task_id = rt.task_id AND l.role = 'lead'{fence})",
        {**params, "r": round_id})}


def _closing_state(status: str, steps: list[ClosingRow], form_claim: bool, review: bool) -> tuple[str | None, str | None]:
    if not review:
        return None, None
    newest = steps[-1] if steps else None
    if status == judging.DONE:
        if newest is None:
            return (CLAIMED if form_claim else None), None
        if newest.state == RETURNED:  # claimed again after a return (a later form)
            return CLAIMED, None
        return newest.state, None
    if newest is not None and newest.state == RETURNED:
        return RETURNED, newest.reason
    return None, None


def judge_task(conn: sqlite3.Connection, task_id: int, today: date) -> JudgedTask | None:
    """One task judged as ``read_group`` judges it (the task page)."""
    row = conn.execute("SELECT group_id FROM task WHERE id = :t", {"t": task_id}).fetchone()
    if row is None:
        return None
    tasks = read_group(conn, row[0], today, task_id=task_id).tasks
    return tasks[0] if tasks else None


def group_id_of(conn: sqlite3.Connection, name: str) -> int | None:
    row = conn.execute("SELECT id FROM work_group WHERE name = :n", {"n": name}).fetchone()
    return row[0] if row else None


def chase_records(conn: sqlite3.Connection, group_id: int) -> list[dict]:
    """The group's chase records, oldest first: unit, date, reply date, task ids, file."""
    units = dict(conn.execute("SELECT id, name FROM unit"))
    return [{"unit": units.get(u), "on": on, "reply_by": reply, "tasks": json.loads(ids or "[]"), "file": f}
            for u, on, reply, ids, f in conn.execute(
                'SELECT unit_id, "on", reply_by, task_ids, file FROM chase_record WHERE group_id = :g ORDER BY id',
                {"g": group_id})]
