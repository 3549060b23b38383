"""Who has reported in a round (已报送 / 部分 / 未报送 / 逾期报送): the one judgement, and the rounds
and units as the exports, the command line and the TUI read them. Plain ``sqlite3`` with named
parameters (no ORM: the exports and the TUI's read worker stay light).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import date

REPORTED, PARTIAL, NOT_REPORTED, LATE = "已报送", "部分", "未报送", "逾期报送"
STATE_ORDER = {NOT_REPORTED: 0, PARTIAL: 1, LATE: 2, REPORTED: 3}  # the units to chase first

# Whether a task ({task}: an SQL expression) was reported in the round {round}: one of its lead units
# filled it in its returned form for the round. A task owed in the current round without this is
# 本轮未报送 (models.judging); read by models.judged.read_group and, stored per task, by the 总览 count
# (models.task_figures, models.judged_counts). Written once, here.
LEAD_FILLED = """EXISTS (SELECT 1 FROM report_entry e JOIN unit_report rp ON rp.id = e.report_id
    JOIN assignment a ON a.task_id = e.task_id AND a.unit_id = rp.unit_id AND a.role = 'lead'
    WHERE e.task_id = {task} AND rp.round_id = {round})"""


def judge(received_on: date | None, due: date | None, filled: int, total: int) -> str:
    """A unit's state in a round: nothing filled in (or no form) is 未报送; a form received after
    the due date is 逾期报送; fewer tasks filled in than the unit has is 部分; else 已报送."""
    if not filled or received_on is None:
        return NOT_REPORTED
    if due is not None and received_on > due:
        return LATE
    if filled < total:
        return PARTIAL
    return REPORTED


def _date(value: object) -> date | None:
    if not value:
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def md(value: date | None) -> str:
    return f"{value.month}月{value.day}日" if value else ""


@dataclass(slots=True)
class RoundInfo:
    id: int
    group_id: int
    name: str
    due: date | None
    status: str  # open | closed
    opened_on: date | None
    closed_on: date | None
    tasks: int = 0

    @property
    def status_label(self) -> str:
        return "进行中" if self.status == "open" else "已结束"


@dataclass(slots=True)
class UnitTask:
    task_id: int
    number: str | None
    content: str
    deadline: str | None
    role: str  # lead | co
    filled: bool = False


@dataclass(slots=True)
class UnitState:
    unit_id: int
    unit: str
    state: str
    filled: int
    total: int
    received_on: date | None
    reported: bool  # a form came back (even a blank one)
    liaison: str | None = None
    phone: str | None = None
    tasks: list[UnitTask] = field(default_factory=list)

    @property
    def label(self) -> str:
        """已报送（6月28日）, 部分（3/5）, 逾期报送（7月8日）, 未报送 or 未报送（交回空表）."""
        if self.state == PARTIAL:
            return f"{PARTIAL}（{self.filled}/{self.total}）"
        if self.state in (REPORTED, LATE):
            return f"{self.state}（{md(self.received_on)}）"
        return f"{NOT_REPORTED}（交回空表）" if self.reported else NOT_REPORTED


_ROUND_COLUMNS = ("SELECT r.id, r.group_id, r.name, r.due, r.status, r.opened_on, r.closed_on, "
                  "(SELECT count(*) FROM round_task rt WHERE rt.round_id = r.id) FROM report_round r")


def _round(row: tuple) -> RoundInfo:
    rid, gid, name, due, status, opened, closed, tasks = row
    return RoundInfo(rid, gid, name, _date(due), status, _date(opened), _date(closed), tasks)


def list_rounds(conn: sqlite3.Connection, group_id: int, *, counted: bool = True) -> list[RoundInfo]:
    """The group's rounds, newest first (``counted``: with their numbers of tasks; without, ``tasks``
    is 0 and every round's tasks are not counted: the 总览 and the judgement need none)."""
    columns = _ROUND_COLUMNS if counted else _ROUND_COLUMNS.replace(
        "(SELECT count(*) FROM round_task rt WHERE rt.round_id = r.id)", "0")
    return [_round(r) for r in conn.execute(f"{columns} WHERE r.group_id = :g ORDER BY r.id DESC",
                                            {"g": group_id})]


def current_round(conn: sqlite3.Connection, group_id: int, *, counted: bool = True) -> RoundInfo | None:
    """The newest open round, else the newest round, else None (``counted``: see ``list_rounds``)."""
    rounds = list_rounds(conn, group_id, counted=counted)
    return next((r for r in rounds if r.status == "open"), rounds[0] if rounds else None)


def find_round(conn: sqlite3.Connection, group_id: int, name: str | None) -> RoundInfo | None:
    if not name:
        return current_round(conn, group_id)
    row = conn.execute(f"{_ROUND_COLUMNS} WHERE r.group_id = :g AND r.name = :n",
                       {"g": group_id, "n": " ".join(name.split())}).fetchone()
    return _round(row) if row else None


def unit_states(conn: sqlite3.Connection, rnd: RoundInfo) -> list[UnitState]:
    """Every unit that owes a report in the round, with its state, tasks, 联络员 and phone; the
    units to chase first (未报送, then 部分, 逾期报送, 已报送), then by name order of appearance."""
    units: dict[int, UnitState] = {}
    names = dict(conn.execute("SELECT id, name FROM unit"))
    for unit_id, task_id, role, number, content, deadline in conn.execute(
            "SELECT a.unit_id, t.id, a.role, t.number, t.content, t.deadline FROM round_task rt "
            "JOIN task t ON t.id = rt.task_id JOIN assignment a ON a.task_id = t.id "
            "WHERE rt.round_id = :r ORDER BY t.position, t.id, a.role DESC, a.position, a.id", {"r": rnd.id}):
        state = units.get(unit_id)
        if state is None:
            state = units[unit_id] = UnitState(unit_id, names[unit_id], NOT_REPORTED, 0, 0, None, False)
        if state.tasks and state.tasks[-1].task_id == task_id:
            continue  # lead and co on one task: counted once, as lead (read first)
        state.tasks.append(UnitTask(task_id, number, content, deadline, role))
    filled: dict[int, set[int]] = {}
    for unit_id, received, task_id in conn.execute(
            "SELECT rp.unit_id, rp.received_on, e.task_id FROM unit_report rp "
            "LEFT JOIN report_entry e ON e.report_id = rp.id WHERE rp.round_id = :r", {"r": rnd.id}):
        state = units.get(unit_id)
        if state is None:
            continue
        state.reported, state.received_on = True, _date(received)
        if task_id is not None:
            filled.setdefault(unit_id, set()).add(task_id)
    contacts: dict[int, tuple[str, str | None]] = {}
    for unit_id, name, phone, role in conn.execute(
            "SELECT unit_id, name, phone, role FROM member WHERE group_id = :g AND active "
            "AND unit_id IS NOT NULL ORDER BY CASE WHEN role = '联络员' THEN 0 ELSE 1 END, position, id",
            {"g": rnd.group_id}):
        contacts.setdefault(unit_id, (name if role == "联络员" else f"{name}（{role}）", phone))
    for state in units.values():
        done = filled.get(state.unit_id, set())
        for t in state.tasks:
            t.filled = t.task_id in done
        state.total = len(state.tasks)
        state.filled = sum(t.filled for t in state.tasks)
        state.state = judge(state.received_on, rnd.due, state.filled, state.total)
        state.liaison, state.phone = contacts.get(state.unit_id, (None, None))
    return sorted(units.values(), key=lambda u: STATE_ORDER[u.state])


def counts(states: list[UnitState]) -> dict[str, int]:
    out = {REPORTED: 0, PARTIAL: 0, NOT_REPORTED: 0, LATE: 0}
    for s in states:
        out[s.state] += 1
    return out


def reporting_counts(conn: sqlite3.Connection, rnd: RoundInfo) -> dict[str, int]:
    """``counts(unit_states(conn, rnd))`` — how many units owing the round are in each state — read
    for an open round from the figures stored per unit (``models.round_figures``: the 总览 reads
    this at every refresh, a month's end included), each unit judged by ``judge`` as unit_states
    judges it. A closed round is counted from its rows."""
    if rnd.status != "open":
        return counts(unit_states(conn, rnd))
    out = {REPORTED: 0, PARTIAL: 0, NOT_REPORTED: 0, LATE: 0}
    for filled, total, received in conn.execute(
            "SELECT f.filled, f.tasks, rp.received_on FROM round_unit_figure f LEFT JOIN unit_report rp "
            "ON rp.round_id = f.round_id AND rp.unit_id = f.unit_id WHERE f.round_id = :r AND f.tasks > 0",
            {"r": rnd.id}):
        out[judge(_date(received), rnd.due, filled, total)] += 1
    return out


def summary_line(rnd: RoundInfo, states: list[UnitState] | dict[str, int]) -> str:
    """本期（2024年6月）已报送 18/25 个单位，截止 7月5日 — the 总览 line, from the units' states or
    their ``counts``. Late reports count as reported; partial ones do not."""
    c = states if isinstance(states, dict) else counts(states)
    done = c[REPORTED] + c[LATE]
    due = f"，截止 {md(rnd.due)}" if rnd.due else ""
    return f"本期（{rnd.name}）已报送 {done}/{sum(c.values())} 个单位{due}"


@dataclass(slots=True)
class EntryRow:
    """What a unit reported on one task in a round (for the TUI, the dump and the next form)."""

    task_id: int
    role: str
    status: str | None
    text: str | None
    done_on: date | None
    problems: str | None
    evidence: str | None


def report_entries(conn: sqlite3.Connection, round_id: int, unit_id: int) -> dict[int, EntryRow]:
    return {r[0]: EntryRow(r[0], r[1], r[2], r[3], _date(r[4]), r[5], r[6]) for r in conn.execute(
        "SELECT e.task_id, e.role, e.status, e.text, e.done_on, e.problems, e.evidence FROM report_entry e "
        "JOIN unit_report rp ON rp.id = e.report_id WHERE rp.round_id = :r AND rp.unit_id = :u",
        {"r": round_id, "u": unit_id})}
