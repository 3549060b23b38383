"""A group's lights and overdue counted fast (总览 on 10,000 tasks): SQL for the tasks whose judgement
needs nothing but their status and dates, ``models.judging`` (through ``models.judged.read_group``)
for the others. The SQL reads each task's figures stored in ``task_figure`` (``models.task_figures``:
its judged due date, first target year, lead units and whether it is plain, kept by triggers). One
judgement: the SQL below is ``judging.judge`` written out for the plain case, and
``tests/test_judged_counts.py`` checks that both give the same lights on every task.

A task is *plain* when ``judging.judge`` would read nothing of it but its status, its due date, its
completion date and its target years:

* no extension (延期) — an extension changes the due date and covers missed targets;
* no closing step and no lead unit's 已完成 in a returned form — a claim (待销号) is judged by the date
  it claims;
* if it is open: no yearly target with a recorded actual value (未完成 / 未达到 … is read by a
  pattern), and no progress text with a percentage beside yearly targets (序时进度 needs the start
  year and that percentage);
* when the current round's reporting counts (open, past its deadline): not also in a later round.

Every other task is judged in Python, as everywhere else. For a plain task ``judging.judge`` comes
down to (``due`` is its due date, else 31 December of its last target year — ``judging.base_due``):

* 已完成: 绿, done, on time when it has no due date or no completion date or finished by ``due``;
* open and ``due`` before today, or a target year already over (its target has no actual value, so
  it is 未报: a missed milestone): 红, overdue;
* open, else due within ``soon_days`` days (today included), or owed in the current round past its
  deadline with none of its lead units' forms filling it in (本轮未报送, issue 17: at a month's end
  thousands of tasks; judged one by one in Python they took the 总览 to over a second): 黄;
* else 绿.

(A target's milestone is due at its year's end or, in the due date's own year, on the due date,
which is earlier: so a milestone is past exactly when the due date is past or its year is over.)
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import date, timedelta

from models import judging
from models.judging import DONE, NOT_STARTED, RED, YELLOW

# ``f`` is the task's row of task_figure (models.task_figures). A task is judged in Python when its
# figures say so (``apart``) or, on a day when the current round's reporting counts (:asked, the
# round read_group asks; the query leaves this out when there is none), when it is also in a later
# round (its figures tell of its newest round only: whether it was filled in :asked is not stored).
_APART = "f.apart = 1"
# f.due is judging.base_due: the due date, else 31 December of the last target year.
# Open, and past its due date or a target year already over (see the docstring): 红 and overdue.
# (f.due is NULL only for a task without targets: then so is f.first_year, and the task is never red;
# written so that it is then false, not NULL, for the NOT in _yellow.)
_RED = ("(f.status != '已完成' AND (f.due IS NOT NULL AND f.due < :today "
        "OR f.first_year IS NOT NULL AND f.first_year < :year))")
# Owed in the round asked and not reported (read_group's reported = False): in it as its newest round,
# with a lead unit, none of which filled it in (models.round_status.LEAD_FILLED, stored per task)
_OWED = "(f.last_round = :asked AND f.leads > 0 AND f.lead_filled = 0)"
_ON_TIME = "(f.status = '已完成' AND (f.done_on IS NULL OR f.due IS NULL OR f.done_on <= f.due))"
_LIVE = "f.group_id = :g AND f.live = 1"


def _yellow(asked: int | None) -> str:
    """Open, not red, and due within the days of "soon" or (a round asked) 本轮未报送: 黄."""
    why = f"(f.due <= :soon OR {_OWED})" if asked is not None else "f.due <= :soon"
    return f"(f.status != '已完成' AND NOT {_RED} AND {why})"


def _light(asked: int | None) -> str:
    return f"CASE WHEN {_RED} THEN '红' WHEN {_yellow(asked)} THEN '黄' ELSE '绿' END"


# in a round newer than the one asked (never NULL: it stands under NOT)
_LATER = "(f.last_round IS NOT NULL AND f.last_round > :asked)"


def _apart(asked: int | None) -> str:
    """The condition of being judged in Python on the day (``asked``: _asked_round's)."""
    return f"({_APART} OR {_LATER})" if asked is not None else _APART


def _apart_flag(asked: int | None) -> str:
    """1 for a task judged in Python on the day, else 0 (with no round asked, the stored column
    itself: the count then reads the figures' index in its order)."""
    return f"CASE WHEN {_apart(asked)} THEN 1 ELSE 0 END" if asked is not None else "f.apart"


@dataclass(slots=True)
class LeadCounts:
    """A lead unit's tasks: how many, done (by status, as the 总览 ranking has always counted) and
    overdue (by the judgement)."""

    unit_id: int
    name: str
    total: int = 0
    done: int = 0  # done as judged: confirmed (a claim awaiting 销号 is not done yet)
    overdue: int = 0
    yellow: int = 0


@dataclass(slots=True)
class OverdueTask:
    id: int
    due: date | None  # the due date judged against (extended where extended)


@dataclass(slots=True)
class GroupCounts:
    counts: judging.Counts
    by_lead: dict[str, LeadCounts]  # lead unit name → its figures, in no particular order
    overdue: list[OverdueTask]  # the first ``limit`` overdue tasks, the longest overdue first (then by id)
    judged_in_python: list[int] = field(default_factory=list)  # the tasks that were not plain


def _asked_round(conn: sqlite3.Connection, group_id: int, today: date) -> int | None:
    """The current round when its reporting counts on ``today`` (``read_group``'s ``asked``)."""
    from models.round_status import current_round

    rnd = current_round(conn, group_id, counted=False)
    if rnd is not None and rnd.status == "open" and (rnd.due is None or rnd.due < today):
        return rnd.id
    return None


def count_group(conn: sqlite3.Connection, group_id: int, today: date, *, soon_days: int = judging.SOON_DAYS,
                limit: int = 50) -> GroupCounts:
    """The group's counts (``judging.Counts``, as ``read_group(...).counts()`` gives them), each lead
    unit's tasks and overdue tasks, and its first ``limit`` overdue tasks ordered as 总览 lists them."""
    from models.judged import read_group

    asked = _asked_round(conn, group_id, today)
    p = {"g": group_id, "today": today.isoformat(), "year": today.year,
         "soon": (today + timedelta(days=soon_days)).isoformat(), "asked": asked, "limit": limit}
    apart, flag = _apart(asked), _apart_flag(asked)

    def plain(condition: str) -> str:  # of the tasks judged here (with a round asked, not one in a later round)
        return f"{condition} AND NOT {_LATER}" if asked is not None else condition

    figures = (f"count(*), count(CASE WHEN {plain(_RED)} THEN 1 END), "
               f"count(CASE WHEN {plain(_yellow(asked))} THEN 1 END), count(CASE WHEN {plain(_ON_TIME)} THEN 1 END), "
               + (f"count(CASE WHEN NOT {_LATER} THEN 1 END)" if asked is not None else "count(*)"))
    # Each task once, on the row of its first lead unit (NULL: none): grouped by that unit, whether it
    # is judged in Python and its status, in the figures' index order (no sort: the tasks in a later
    # round are counted apart in the row, not grouped by an expression); then the other lead units of
    # tasks with several. A row: unit, apart, status, tasks, red, yellow, on time, tasks judged here.
    by_first = conn.execute(f"SELECT f.lead_unit, f.apart, f.status, {figures} "
                            f"FROM task_figure f WHERE {_LIVE} GROUP BY 1, 2, 3", p).fetchall()
    by_other = _other_leads(conn, flag, _yellow(asked), p)
    unit_ids = sorted({r[0] for r in (*by_first, *by_other) if r[0] is not None})
    names = dict(conn.execute(f"SELECT id, name FROM unit WHERE id IN ({', '.join('?' * len(unit_ids))})",
                              unit_ids).fetchall()) if unit_ids else {}
    c = judging.Counts()
    by_lead: dict[str, LeadCounts] = {}
    for unit_id, is_apart, status, n, red, yellow, _, here in (*by_first, *by_other):
        if unit_id is None:
            continue
        lead = by_lead.setdefault(names[unit_id], LeadCounts(unit_id, names[unit_id]))
        lead.total += n
        if not is_apart:  # the others are added below as judged
            lead.done += here if status == DONE else 0
            lead.overdue += red
            lead.yellow += yellow
    for _, is_apart, status, _, red, yellow, on_time, n in by_first:
        if is_apart:
            continue
        c.total += n
        c.lights[RED] += red
        c.lights[YELLOW] += yellow
        c.lights[judging.GREEN] += n - red - yellow
        if status == DONE:
            c.done += n
            c.on_time += on_time
            c.late += n - on_time
        elif status == NOT_STARTED:
            c.not_started += n
        else:
            c.in_progress += n
        c.overdue += red
    # The longest overdue plain tasks, in the (group, due) index's order: SQLite stops after ``limit``.
    overdue = [OverdueTask(i, _as_date(d)) for i, d in conn.execute(
        f"SELECT f.task_id, f.due FROM task_figure f WHERE {_LIVE} AND f.due IS NOT NULL AND {_RED} "
        f"AND NOT {apart} ORDER BY f.due, f.task_id LIMIT :limit", p)]
    python_ids = [i for (i,) in conn.execute(
        f"SELECT f.task_id FROM task_figure f WHERE {_LIVE} AND {apart} ORDER BY f.task_id", p)]
    if python_ids:
        for t in read_group(conn, group_id, today, soon_days=soon_days, task_ids=python_ids).tasks:
            c.add(t.judgement)
            if t.judgement.overdue:
                overdue.append(OverdueTask(t.id, t.judgement.due))
            for name in t.lead:
                by_lead[name].overdue += bool(t.judgement.overdue)
                by_lead[name].done += bool(t.judgement.done)
                by_lead[name].yellow += t.light == YELLOW
    overdue.sort(key=lambda o: (o.due or date.min, o.id))
    del overdue[limit:]
    return GroupCounts(c, by_lead, overdue, python_ids)


def _other_leads(conn: sqlite3.Connection, flag: str, yellow: str, p: dict[str, object]) -> list[tuple]:
    """count_group's rows for the lead units after the first of the tasks with several, as
    (unit, apart, status, tasks, red, yellow, on time, tasks judged in SQL): their figures (a few hundred of 10,000 tasks,
    from the figures' index), then their lead units by the assignment index (a join of the two had a
    server scan every assignment)."""
    several = {r[0]: r[1:] for r in conn.execute(
        f"SELECT f.task_id, f.lead_unit, {flag}, f.status, CASE WHEN {_RED} THEN 1 ELSE 0 END, "
        f"CASE WHEN {yellow} THEN 1 ELSE 0 END, CASE WHEN {_ON_TIME} THEN 1 ELSE 0 END "
        f"FROM task_figure f WHERE {_LIVE} AND f.leads > 1", p)}
    if not several:
        return []
    grouped: dict[tuple, list[int]] = {}
    for task_id, unit_id in conn.execute(
            f"SELECT task_id, unit_id FROM assignment WHERE task_id IN ({', '.join('?' * len(several))}) "
            "AND role = 'lead'", list(several)):
        first, is_apart, status, red, yellow, on_time = several[task_id]
        if unit_id != first:
            n = grouped.setdefault((unit_id, is_apart, status), [0, 0, 0, 0])
            n[0] += 1
            n[1] += red
            n[2] += yellow
            n[3] += on_time
    return [(*key, *n, n[0]) for key, n in grouped.items()]


def plain_lights(conn: sqlite3.Connection, group_id: int, today: date, *,
                 soon_days: int = judging.SOON_DAYS) -> dict[int, str | None]:
    """Each live task's light as the SQL above gives it, or None for a task judged in Python: what
    ``count_group`` counts, task by task (the test compares it with ``judging.judge``)."""
    asked = _asked_round(conn, group_id, today)
    p = {"g": group_id, "today": today.isoformat(), "year": today.year,
         "soon": (today + timedelta(days=soon_days)).isoformat(), "asked": asked}
    return dict(conn.execute(f"SELECT f.task_id, CASE WHEN {_apart(asked)} THEN NULL ELSE {_light(asked)} END "
                             f"FROM task_figure f WHERE {_LIVE}", p))


def judged_lights(conn: sqlite3.Connection, group_id: int, today: date, *,
                  soon_days: int = judging.SOON_DAYS) -> dict[int, tuple[str, bool]]:
    """Each live task's light and whether it is overdue, as ``judging.judge`` gives them: the plain
    tasks by the SQL above (for them overdue is exactly 红), the others judged in Python. What the task
    list's 逾期 and light filters select by, without judging every task in Python."""
    from models.judged import read_group

    plain = plain_lights(conn, group_id, today, soon_days=soon_days)
    out = {i: (light, light == RED) for i, light in plain.items() if light is not None}
    rest = [i for i, light in plain.items() if light is None]
    if rest:
        for t in read_group(conn, group_id, today, soon_days=soon_days, task_ids=rest).tasks:
            out[t.id] = (t.light, t.judgement.overdue)
    return out


def _as_date(value: object) -> date | None:
    return date.fromisoformat(str(value)[:10]) if value else None
