"""A group's lights and overdue counted fast (总览 on 10,000 tasks): SQL for the tasks whose judgement
needs nothing but their status and dates, ``models.judging`` (through ``models.judged.read_group``)
for the others. One judgement: the SQL below is ``judging.judge`` written out for the plain case,
and ``tests/test_judged_counts.py`` checks that both give the same lights on every task.

A task is *plain* when ``judging.judge`` would read nothing of it but its status, its due date, its
completion date and its target years:

* no extension (延期) — an extension changes the due date and covers missed targets;
* no closing step and no lead unit's 已完成 in a returned form — a claim (待销号) is judged by the date
  it claims;
* if it is open: no yearly target with a recorded actual value (未完成 / 未达到 … is read by a
  pattern), no progress text with a percentage beside yearly targets (序时进度 needs the start year
  and that percentage), and not owed in a round whose deadline has passed without a lead unit's
  entry (本轮未报送).

Every other task is judged in Python, as everywhere else. For a plain task ``judging.judge`` comes
down to (``due`` is its due date, else 31 December of its last target year — ``judging.base_due``):

* 已完成: 绿, done, on time when it has no due date or no completion date or finished by ``due``;
* open and ``due`` before today, or a target year already over (its target has no actual value, so
  it is 未报: a missed milestone): 红, overdue;
* open, else due within ``soon_days`` days (today included): 黄;
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

# Tasks judged in Python (see the module docstring). Each IN list is read once per query, not once
# per task: the tables are small (extension, task_closing, report_entry) or read by one scan
# (target, progress).
_NEEDS_PYTHON = """(
    t.id IN (SELECT e.task_id FROM extension e)
    OR t.id IN (SELECT c.task_id FROM task_closing c)
    OR t.id IN (SELECT r.task_id FROM report_entry r WHERE r.role = 'lead' AND r.status = '已完成')
    OR t.status != '已完成' AND (
        t.id IN (SELECT x.task_id FROM target x WHERE x.actual IS NOT NULL AND x.actual != '')
        OR t.id IN (SELECT p.task_id FROM progress p WHERE p.text LIKE '%!%%' ESCAPE '!' OR p.text LIKE '%％%')
           AND t.id IN (SELECT x.task_id FROM target x)
        -- owed in the round whose reporting counts today (:asked, NULL when none) and no lead unit's
        -- entry for it: read_group's reported = False (本轮未报送)
        OR t.id IN (SELECT rt.task_id FROM round_task rt WHERE rt.round_id = :asked AND NOT EXISTS (
            SELECT 1 FROM report_entry e JOIN unit_report rp ON rp.id = e.report_id
            JOIN assignment a ON a.task_id = e.task_id AND a.unit_id = rp.unit_id AND a.role = 'lead'
            WHERE rp.round_id = :asked AND e.task_id = rt.task_id))))"""
# What a task's judgement reads of its target years — its last year and whether a year is already over —
# as subqueries of the task row (any query), or as the columns of ``_TARGET_YEARS`` joined once as ``ty``
# (count_group's grouped count on a server, which ran the subqueries once per row: 115 → 52 ms on 10,000
# tasks; SQLite looks each up by index and was ~10 % slower joined, so a file keeps the subqueries).
_YEARS_EACH = ("(SELECT max(x.year) FROM target x WHERE x.task_id = t.id)",
               "EXISTS (SELECT 1 FROM target x WHERE x.task_id = t.id AND x.year < :year)")
_YEARS_JOINED = ("ty.last", "ty.first < :year")
_TARGET_YEARS = "(SELECT task_id, max(year) AS last, min(year) AS first FROM target GROUP BY task_id)"
_FIRST_LEAD_EACH = "(SELECT min(f.id) FROM assignment f WHERE f.task_id = t.id AND f.role = 'lead')"


def _grouped_reading(conn: object) -> tuple[tuple[str, str], str, str]:
    """How count_group's grouped count reads target years and a task's first lead unit on this
    engine: (years, first lead, joins)."""
    from models.sql import is_server

    if not is_server(conn):
        return _YEARS_EACH, _FIRST_LEAD_EACH, ""
    return (_YEARS_JOINED, "fl.first_lead",
            "LEFT JOIN (SELECT task_id, min(id) AS first_lead FROM assignment WHERE role = 'lead' GROUP BY task_id) fl "
            f"ON fl.task_id = t.id LEFT JOIN {_TARGET_YEARS} ty ON ty.task_id = t.id ")


# judging.base_due: the due date, else 31 December of the last target year
def _due_sql(conn: object = None, years: tuple[str, str] = _YEARS_EACH) -> str:
    from models.sql import year_end

    return f"coalesce(t.due, {year_end(conn, years[0])})"


# open, and past its due date or a target year over (see the docstring): 红 and overdue
def _red_sql(due: str, years: tuple[str, str] = _YEARS_EACH) -> str:
    return f"(t.status != '已完成' AND ({due} < :today OR {years[1]}))"


def _light_sql(due: str, years: tuple[str, str] = _YEARS_EACH) -> str:
    return f"CASE WHEN {_red_sql(due, years)} THEN '红' WHEN t.status != '已完成' AND {due} <= :soon THEN '黄' ELSE '绿' END"


def _on_time_sql(due: str) -> str:
    return f"(t.status = '已完成' AND (t.done_on IS NULL OR {due} IS NULL OR t.done_on <= {due}))"


_DUE = _due_sql()
_RED, _LIGHT, _ON_TIME = _red_sql(_DUE), _light_sql(_DUE), _on_time_sql(_DUE)
_LIVE = "t.group_id = :g AND t.cancelled_on IS NULL"


def _pieces(conn: object, years: tuple[str, str] = _YEARS_EACH) -> tuple[str, str, str, str]:
    """(_DUE, _RED, _LIGHT, _ON_TIME) for the engine of ``conn`` (a server: dates, not ISO text),
    reading the target years by ``years``."""
    from models.sql import is_server

    if not is_server(conn) and years is _YEARS_EACH:
        return _DUE, _RED, _LIGHT, _ON_TIME
    due = _due_sql(conn, years)
    return due, _red_sql(due, years), _light_sql(due, years), _on_time_sql(due)


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

    rnd = current_round(conn, group_id)
    if rnd is not None and rnd.status == "open" and (rnd.due is None or rnd.due < today):
        return rnd.id
    return None


def count_group(conn: sqlite3.Connection, group_id: int, today: date, *, soon_days: int = judging.SOON_DAYS,
                limit: int = 50) -> GroupCounts:
    """The group's counts (``judging.Counts``, as ``read_group(...).counts()`` gives them), each lead
    unit's tasks and overdue tasks, and its first ``limit`` overdue tasks ordered as 总览 lists them."""
    from models.judged import read_group

    p = {"g": group_id, "today": today.isoformat(), "year": today.year,
         "soon": (today + timedelta(days=soon_days)).isoformat(), "asked": _asked_round(conn, group_id, today),
         "limit": limit}
    _DUE, _RED, _LIGHT, _ON_TIME = _pieces(conn)  # noqa: N806 - the module's pieces, for this engine
    years, first_lead, joins = _grouped_reading(conn)
    _, _, light_grouped, on_time_grouped = _pieces(conn, years)
    c = judging.Counts()
    by_lead: dict[str, LeadCounts] = {}
    python_ids: dict[int, None] = {}
    # One row per task and lead unit (a task without one: unit NULL; a task with two lead units: two
    # rows, counted once in the group's figures, on the row of its first lead), grouped: plain tasks
    # by (status, light, on time), the others one group each, with their id.
    for unit_id, name, first, task_id, status, light, on_time, n in conn.execute(
            f"SELECT u.id, u.name, a.id IS NULL OR a.id = {first_lead}, "
            f"CASE WHEN {_NEEDS_PYTHON} THEN t.id END, t.status, {light_grouped}, {on_time_grouped}, count(*) "
            f"FROM task t LEFT JOIN assignment a ON a.task_id = t.id AND a.role = 'lead' {joins}"
            f"LEFT JOIN unit u ON u.id = a.unit_id WHERE {_LIVE} GROUP BY 1, 2, 3, 4, 5, 6, 7 "
            "ORDER BY 1, 2, 3, 4, 5, 6, 7", p):  # units in one order on both engines (a server's hash join has none)
        if unit_id is not None:
            lead = by_lead.setdefault(name, LeadCounts(unit_id, name))
            lead.total += n
            if task_id is None:  # a plain task; the others are added below as judged
                lead.done += n if status == DONE else 0
                lead.overdue += n if light == RED else 0
                lead.yellow += n if light == YELLOW else 0
        if task_id is not None:
            python_ids[task_id] = None
        elif first:
            c.total += n
            c.lights[light] += n
            if status == DONE:
                c.done += n
                c.on_time += n if on_time else 0
                c.late += 0 if on_time else n
            elif status == NOT_STARTED:
                c.not_started += n
            else:
                c.in_progress += n
            c.overdue += n if light == RED else 0
    # The longest overdue plain tasks: those with a due date of their own in the (group, due) index's
    # order, so SQLite stops after ``limit`` rows; those due by their last target year apart.
    overdue = [OverdueTask(i, _as_date(d)) for query in (
        f"SELECT t.id, t.due FROM task t WHERE {_LIVE} AND t.due IS NOT NULL AND {_RED} "
        f"AND NOT {_NEEDS_PYTHON} ORDER BY t.due, t.id LIMIT :limit",
        f"SELECT t.id, {_DUE} FROM task t WHERE {_LIVE} AND t.due IS NULL AND {_RED} "
        f"AND NOT {_NEEDS_PYTHON} ORDER BY 2, t.id LIMIT :limit") for i, d in conn.execute(query, p)]
    if python_ids:
        for t in read_group(conn, group_id, today, soon_days=soon_days, task_ids=list(python_ids)).tasks:
            c.add(t.judgement)
            if t.judgement.overdue:
                overdue.append(OverdueTask(t.id, t.judgement.due))
            for name in t.lead:
                by_lead[name].overdue += bool(t.judgement.overdue)
                by_lead[name].done += bool(t.judgement.done)
                by_lead[name].yellow += t.light == YELLOW
    overdue.sort(key=lambda o: (o.due or date.min, o.id))
    del overdue[limit:]
    return GroupCounts(c, by_lead, overdue, list(python_ids))


def plain_lights(conn: sqlite3.Connection, group_id: int, today: date, *,
                 soon_days: int = judging.SOON_DAYS) -> dict[int, str | None]:
    """Each live task's light as the SQL above gives it, or None for a task judged in Python: what
    ``count_group`` counts, task by task (the test compares it with ``judging.judge``)."""
    p = {"g": group_id, "today": today.isoformat(), "year": today.year,
         "soon": (today + timedelta(days=soon_days)).isoformat(), "asked": _asked_round(conn, group_id, today)}
    light = _pieces(conn)[2]
    return dict(conn.execute(f"SELECT t.id, CASE WHEN {_NEEDS_PYTHON} THEN NULL ELSE {light} END "
                             f"FROM task t WHERE {_LIVE}", p))


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
