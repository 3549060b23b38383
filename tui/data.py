"""What the screens read, with plain ``sqlite3``: one short query per question, bounded by LIMIT.

Writes never happen here — every change goes through ``models.operations`` (in ``TaizhangApp.write``).
Reading with sqlite3 instead of the ORM keeps startup light: the first screen shows its data
before SQLAlchemy and SQLModel (which only the writes need) have even been imported; the same
reason ``importers.load`` and ``exporters.ledger_data`` give.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Callable

DONE, NOT_STARTED, IN_PROGRESS = "已完成", "未启动", "推进中"
# "Not done", in the form SQLite can answer from the (group, status, due) index: status != '已完成'
# cannot use it and reads every task of the group.
OPEN = "t.status IN ('未启动', '推进中') AND t.cancelled_on IS NULL"
LIVE = "t.cancelled_on IS NULL"  # a cancelled task (已取消) is left out of lists and counts
CANCELLED = "已取消"
SOON_DAYS = 7
STATUS_FILTERS = ("全部", "未完成", "逾期", "临期", "未启动", "推进中", "已完成", "红灯", "黄灯", "绿灯", "已取消")
LIGHT_FILTERS = {"红灯": "红", "黄灯": "黄", "绿灯": "绿"}  # by the judgement (models.judging), issue 15
PAGE_SIZE = 200


def as_date(value: object) -> date | None:
    if not value:
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


class ConnectionLost(Exception):
    """A server ledger's connection is gone (server stopped, network cut); the message is Chinese."""


class Reader:
    """One read-only connection shared by the screens' worker threads (one query at a time).
    A ``postgresql://`` target reads a server ledger (``models.server_conn``): a lost connection
    raises ``ConnectionLost`` and the next read connects again; ``on_lost`` / ``on_back`` are told."""

    def __init__(self, path: str | os.PathLike[str]):
        from models import store
        from models.db_url import is_server

        self.is_server = is_server(path)
        self._lock = threading.Lock()
        if self.is_server:
            self.target, self.path = str(path).strip(), None
            self.on_lost: Callable[[str], None] | None = None
            self.on_back: Callable[[], None] | None = None
            self._lost: str | None = None
            self._conn = store.connect(self.target)  # DatabaseError (ServerError) when it cannot
            return
        self.target = str(path)
        self.path = Path(path)
        store.prepare(self.path)  # create, upgrade or refuse (DatabaseError) exactly as the CLI does
        self._conn = sqlite3.connect(self.path, timeout=store.BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                                     check_same_thread=False)
        store.apply_pragmas(self._conn)

    @contextmanager
    def __call__(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            if not self.is_server:
                yield self._conn
                return
            from tui.server_reading import reading

            with reading(self) as conn:
                yield conn

    @property
    def lost(self) -> bool:
        """A server ledger whose connection is gone (the next read tries again)."""
        return self.is_server and self._lost is not None

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()


# ---------------------------------------------------------------- groups


@dataclass(slots=True)
class GroupInfo:
    id: int
    name: str
    doc_number: str | None = None
    host_unit: str | None = None


def groups(conn: sqlite3.Connection) -> list[GroupInfo]:
    return [GroupInfo(*row) for row in conn.execute(
        "SELECT g.id, g.name, g.doc_number, u.name FROM work_group g LEFT JOIN unit u ON u.id = g.host_unit_id "
        "ORDER BY g.id")]


# ---------------------------------------------------------------- tasks


def task_state(status: str, due: date | None, today: date, cancelled: object = None) -> str:
    """What the lists show: 已取消, 逾期 / 临期 for open tasks by their due date, else the status."""
    if cancelled:
        return CANCELLED
    if status != DONE and due is not None:
        if due < today:
            return "逾期"
        if due <= today + timedelta(days=SOON_DAYS):
            return "临期"
    return status


@dataclass(slots=True)
class TaskFilter:
    search: str = ""
    unit_id: int | None = None
    unit_name: str = ""
    status: str = "全部"
    category: tuple[str | None, str | None] | None = None  # (category_number, category)
    year: int | None = None

    def active(self) -> bool:
        return bool(self.search.strip() or self.unit_id or self.status != "全部" or self.category or self.year)

    def describe(self) -> str:
        parts = []
        if self.unit_id:
            parts.append(f"单位：{self.unit_name}")
        if self.status != "全部":
            parts.append(f"状态：{self.status}")
        if self.category:
            parts.append(f"类别：{category_label(*self.category)}")
        if self.year:
            parts.append(f"年度：{self.year}")
        return "　".join(parts)


def category_label(number: str | None, name: str | None) -> str:
    if number and name:
        sep = "" if number[-1] in "、.．）)" else "、"
        return f"{number}{sep}{name}"
    return name or number or "（未分类）"


@dataclass(slots=True)
class TaskRow:
    id: int
    category_number: str | None
    category: str | None
    number: str | None
    content: str
    deadline: str | None
    due: date | None
    status: str
    done_on: date | None
    lead: list[tuple[str, str | None]] = field(default_factory=list)
    co: list[tuple[str, str | None]] = field(default_factory=list)
    years: tuple[int, int] | None = None  # first and last year with a target
    cancelled_on: date | None = None


_TASK_COLS = ("t.id, t.category_number, t.category, t.number, t.content, t.deadline, t.due, t.status, t.done_on, "
              "t.cancelled_on")


def _like(term: str) -> str:
    return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _where(conn: sqlite3.Connection, group_id: int, flt: TaskFilter, today: date,
           ids: list[int] | None = None) -> tuple[str, list[object]]:
    from models.sql import like_any_case, same_as

    sql = ["t.group_id = ?"]
    args: list[object] = [group_id]
    if ids is not None:  # the tasks of one light (judged in Python, see task_page)
        sql.append(f"t.id IN ({', '.join('?' * len(ids)) or 'NULL'})")
        args += ids
    for term in flt.search.lower().split():
        # search_text is lower case already; the content's case matters only to a term with ASCII letters
        # (a server's ILIKE costs more than LIKE: on a file both are the same LIKE)
        content = like_any_case(conn, "t.content", "?") if any("a" <= c <= "z" for c in term) else \
            "t.content LIKE ? ESCAPE '\\'"
        sql.append(f"({content} OR t.search_text LIKE ? ESCAPE '\\')")
        args += [_like(term)] * 2
    if flt.unit_id:
        sql.append("t.id IN (SELECT task_id FROM assignment WHERE unit_id = ?)")
        args.append(flt.unit_id)
    status = flt.status
    sql.append("t.cancelled_on IS NOT NULL" if status == CANCELLED else LIVE)
    if status in (NOT_STARTED, IN_PROGRESS, DONE):
        sql.append("t.status = ?")
        args.append(status)
    elif status == "未完成":
        sql.append(OPEN)
    elif status == "逾期" and ids is None:  # (task_page passes the judged overdue tasks as ids)
        sql.append(f"{OPEN} AND t.due < ?")
        args.append(today.isoformat())
    elif status == "临期":
        sql.append(f"{OPEN} AND t.due BETWEEN ? AND ?")
        args += [today.isoformat(), (today + timedelta(days=SOON_DAYS)).isoformat()]
    if flt.category is not None:
        sql.append(f"{same_as(conn, 't.category_number', '?')} AND {same_as(conn, 't.category', '?')}")
        args += list(flt.category)
    if flt.year:
        sql.append("(t.due BETWEEN ? AND ? OR t.id IN (SELECT task_id FROM target WHERE year = ?))")
        args += [f"{flt.year}-01-01", f"{flt.year}-12-31", flt.year]
    return " AND ".join(sql), args


def _task(row: tuple) -> TaskRow:
    tid, cat_no, cat, number, content, deadline, due, status, done_on, cancelled_on = row
    return TaskRow(tid, cat_no, cat, number, content, deadline, as_date(due), status, as_date(done_on),
                   cancelled_on=as_date(cancelled_on))


def _fill_units(conn: sqlite3.Connection, rows: list[TaskRow]) -> None:
    if not rows:
        return
    by_id = {r.id: r for r in rows}
    marks = ",".join("?" * len(by_id))
    for task_id, role, unit, person in conn.execute(
            f"SELECT a.task_id, a.role, u.name, a.person FROM assignment a JOIN unit u ON u.id = a.unit_id "
            f"WHERE a.task_id IN ({marks}) ORDER BY a.task_id, a.role DESC, a.position, a.id", list(by_id)):
        (by_id[task_id].lead if role == "lead" else by_id[task_id].co).append((unit, person))
    for task_id, first, last in conn.execute(
            f"SELECT task_id, min(year), max(year) FROM target WHERE task_id IN ({marks}) GROUP BY task_id",
            list(by_id)):
        by_id[task_id].years = (first, last)


def task_page(conn: sqlite3.Connection, group_id: int, flt: TaskFilter, today: date, page: int,
              page_size: int = PAGE_SIZE) -> tuple[list[TaskRow], int]:
    """One page (0-based) of the group's tasks matching the filter, in table order, and the total."""
    where, args = _list_where(conn, group_id, flt, today)
    total = conn.execute(f"SELECT count(*) FROM task t WHERE {where}", args).fetchone()[0]
    rows = [_task(r) for r in conn.execute(
        f"SELECT {_TASK_COLS} FROM task t WHERE {where} ORDER BY t.position, t.id LIMIT ? OFFSET ?",
        [*args, page_size, page * page_size])]
    _fill_units(conn, rows)
    return rows, total


def _list_where(conn: sqlite3.Connection, group_id: int, flt: TaskFilter, today: date) -> tuple[str, list[object]]:
    """The WHERE clause (and its values) of the task list under ``flt``."""
    ids = None
    if flt.status in LIGHT_FILTERS or flt.status == "逾期":  # as 总览 counts them: one judgement (models.judged)
        from models.judged_counts import judged_lights

        judged = judged_lights(conn, group_id, today)
        if flt.status == "逾期":
            ids = [i for i, (_, overdue) in judged.items() if overdue]
        else:
            ids = [i for i, (light, _) in judged.items() if light == LIGHT_FILTERS[flt.status]]
    return _where(conn, group_id, flt, today, ids)


def task_index(conn: sqlite3.Connection, group_id: int, flt: TaskFilter, today: date, task_id: int) -> int | None:
    """Where the task is (0-based, in table order) among the group's tasks matching the filter; None
    when it is not among them (cancelled, changed out of the filter, deleted)."""
    where, args = _list_where(conn, group_id, flt, today)
    found = conn.execute(f"SELECT t.position FROM task t WHERE {where} AND t.id = ?", [*args, task_id]).fetchone()
    if found is None:
        return None
    position = found[0]
    return conn.execute(f"SELECT count(*) FROM task t WHERE {where} AND (t.position < ? OR (t.position = ? AND t.id < ?))",
                        [*args, position, position, task_id]).fetchone()[0]


def task_row(conn: sqlite3.Connection, task_id: int) -> TaskRow | None:
    row = conn.execute(f"SELECT {_TASK_COLS} FROM task t WHERE t.id = ?", (task_id,)).fetchone()
    if row is None:
        return None
    task = _task(row)
    _fill_units(conn, [task])
    return task


def categories(conn: sqlite3.Connection, group_id: int) -> list[tuple[str | None, str | None, int]]:
    """(category number, category, task count) in table order."""
    return list(conn.execute(
        "SELECT category_number, category, count(*) FROM task WHERE group_id = ? AND cancelled_on IS NULL "
        "GROUP BY category_number, category ORDER BY min(position)", (group_id,)))


def years(conn: sqlite3.Connection, group_id: int) -> list[int]:
    """Years that tasks of the group have targets for or are due in."""
    found = {y for (y,) in conn.execute(
        "SELECT DISTINCT x.year FROM target x JOIN task t ON t.id = x.task_id WHERE t.group_id = ?", (group_id,))}
    from models.sql import year_of

    found |= {int(y) for (y,) in conn.execute(
        f"SELECT DISTINCT {year_of(conn, 'due')} FROM task WHERE group_id = ? AND due IS NOT NULL", (group_id,))}
    return sorted(found)


@dataclass(slots=True)
class Assigned:
    id: int
    role: str
    unit_id: int
    unit: str
    person: str | None


@dataclass(slots=True)
class TargetRow:
    year: int
    target: str
    actual: str | None


@dataclass(slots=True)
class ProgressRow:
    id: int
    on: date | None
    unit: str | None
    text: str


@dataclass
class TaskDetail:
    task: TaskRow
    group_id: int
    group: str
    notes: str | None
    unpaired: list[str]
    assigned: list[Assigned]
    targets: list[TargetRow]
    progress: list[ProgressRow]


def task_detail(conn: sqlite3.Connection, task_id: int) -> TaskDetail | None:
    from models.sql import newest_first

    on_desc = newest_first(conn, 'p."on"')
    row = conn.execute(
        f"SELECT {_TASK_COLS}, t.notes, t.unpaired_persons, t.group_id, g.name FROM task t "
        "JOIN work_group g ON g.id = t.group_id WHERE t.id = ?", (task_id,)).fetchone()
    if row is None:
        return None
    task = _task(row[:10])
    notes, unpaired, group_id, group = row[10:]
    assigned = [Assigned(*r) for r in conn.execute(
        "SELECT a.id, a.role, a.unit_id, u.name, a.person FROM assignment a JOIN unit u ON u.id = a.unit_id "
        "WHERE a.task_id = ? ORDER BY a.role DESC, a.position, a.id", (task_id,))]
    task.lead = [(a.unit, a.person) for a in assigned if a.role == "lead"]
    task.co = [(a.unit, a.person) for a in assigned if a.role == "co"]
    targets = [TargetRow(*r) for r in conn.execute(
        "SELECT year, target, actual FROM target WHERE task_id = ? ORDER BY year", (task_id,))]
    progress = [ProgressRow(pid, as_date(on), unit, text) for pid, on, unit, text in conn.execute(
        'SELECT p.id, p."on", u.name, p.text FROM progress p LEFT JOIN unit u ON u.id = p.unit_id '
        f'WHERE p.task_id = ? ORDER BY {on_desc}, p.id DESC', (task_id,))]
    return TaskDetail(task, group_id, group, notes, json.loads(unpaired) if unpaired else [], assigned, targets,
                      progress)


# ---------------------------------------------------------------- overview


@dataclass(slots=True)
class Brief:
    id: int
    number: str | None
    content: str
    lead: str
    deadline: str | None
    due: date | None
    status: str


@dataclass(slots=True)
class UnitProgress:
    unit_id: int
    name: str
    total: int
    done: int
    overdue: int


@dataclass
class Overview:
    group: GroupInfo
    counts: dict[str, int]
    members: int
    units: int
    duties: int
    overdue: list[Brief]
    soon: list[Brief]
    upcoming: list[Brief]
    by_unit: list[UnitProgress]
    round_line: str | None = None  # 本期（2024年6月）已报送 18/25 个单位，截止 7月5日
    lights: dict[str, int] | None = None  # 红/黄/绿 counts (models.judging), issue 15
    judged_overdue: dict[str, int] | None = None  # lead unit → overdue tasks by the judgement
    judged_yellow: dict[str, int] | None = None  # lead unit → its tasks with a 黄 light


_LIST_LIMIT = 50


def _briefs(conn: sqlite3.Connection, where: str, args: list[object], limit: int) -> list[Brief]:
    from models.sql import group_concat

    rows = list(conn.execute(
        "SELECT t.id, t.number, t.content, t.deadline, t.due, t.status, "
        f"(SELECT {group_concat(conn, 'name')} FROM (SELECT u.name FROM assignment a JOIN unit u ON u.id = a.unit_id "
        " WHERE a.task_id = t.id AND a.role = 'lead' ORDER BY a.position) lead_names) "
        # ties by id, not position: (group_id, due) index order, so the first rows end the search
        f"FROM task t WHERE {where} ORDER BY t.due, t.id LIMIT ?", [*args, limit]))
    return [Brief(tid, number, content, lead or "", deadline, as_date(due), status)
            for tid, number, content, deadline, due, status, lead in rows]


def overview(conn: sqlite3.Connection, group: GroupInfo, today: date) -> Overview:
    from models.judged_counts import count_group

    g = group.id
    # lights and overdue as models.judging judges them (a past year's target missing is overdue too), counted
    # in SQL where the judgement is plain (models.judged_counts): the count, the list and the units' figures
    # agree with each other, the task page and the bulletin
    judged = count_group(conn, g, today, limit=_LIST_LIMIT)
    c = judged.counts
    counts = {"总数": c.total, NOT_STARTED: c.not_started, IN_PROGRESS: c.in_progress}
    t0, t7 = today.isoformat(), (today + timedelta(days=SOON_DAYS)).isoformat()
    open_ = f"t.group_id = ? AND {OPEN} AND t.due IS NOT NULL"
    counts["临期"] = conn.execute(f"SELECT count(*) FROM task t WHERE {open_} AND t.due BETWEEN ? AND ?",
                                 (g, t0, t7)).fetchone()[0]
    soon = _briefs(conn, f"{open_} AND t.due BETWEEN ? AND ?", [g, t0, t7], _LIST_LIMIT)
    upcoming = _briefs(conn, f"{open_} AND t.due > ?", [g, t7], 10)
    members = conn.execute("SELECT count(*) FROM member WHERE group_id = ? AND active", (g,)).fetchone()[0]
    duties = conn.execute("SELECT count(*) FROM duty WHERE group_id = ?", (g,)).fetchone()[0]
    units = conn.execute(  # one probe per unit; the units the 单位 page lists (tasks, roster, duties)
        "SELECT count(*) FROM unit u WHERE EXISTS (SELECT 1 FROM assignment a JOIN task t ON t.id = a.task_id "
        "WHERE a.unit_id = u.id AND t.group_id = ? AND t.cancelled_on IS NULL) "
        "OR EXISTS (SELECT 1 FROM member m WHERE m.unit_id = u.id AND m.group_id = ? AND m.active) "
        "OR EXISTS (SELECT 1 FROM duty d WHERE d.unit_id = u.id AND d.group_id = ?)", (g, g, g)).fetchone()[0]
    counts["逾期"] = c.overdue
    # 延期 and 待销号 shown apart when there are any; done, on time and late as judged: a claim is done
    # once the office confirms it (销号)
    counts.update({DONE: c.done, "延期": c.extended, "待销号": c.pending, "按时完成": c.on_time, "逾期完成": c.late})
    # the ranking: most overdue, then lowest done share, most tasks (as judged)
    leads = sorted(judged.by_lead.values(), key=lambda u: u.name)  # by name: the same order on either engine
    by_unit = [UnitProgress(u.unit_id, u.name, u.total, u.done, u.overdue) for u in leads]
    # a task overdue by a missed yearly target may still have a later deadline: listed once, as overdue
    listed = {o.id for o in judged.overdue}
    soon, upcoming = [b for b in soon if b.id not in listed], [b for b in upcoming if b.id not in listed]
    by_unit.sort(key=lambda u: (-u.overdue, u.done / u.total if u.total else 0, -u.total))
    overdue = _overdue_since(conn, g, today, _briefs_of(conn, [(o.id, o.due) for o in judged.overdue]))
    return Overview(group, counts, members, units, duties, overdue, soon, upcoming, by_unit[:200],
                    _round_line(conn, g), c.lights, {u.name: u.overdue for u in leads},
                    {u.name: u.yellow for u in leads})


def _overdue_since(conn: sqlite3.Connection, group_id: int, today: date, briefs: list[Brief]) -> list[Brief]:
    """The overdue list with each task's date the day it fell overdue: a task overdue only by a missed
    yearly target (its own deadline still ahead) shows that target's date, 2018-12-31 for a 2018 target
    never reported, not its deadline in 2020 (read "逾期 N 天" like the others); the longest overdue first."""
    from models.judged import read_group

    ahead = [b.id for b in briefs if b.due is None or b.due >= today]
    if not ahead:
        return briefs
    since = {t.id: min(m.due for m in t.judgement.milestones if m.missed)
             for t in read_group(conn, group_id, today, task_ids=ahead).tasks
             if any(m.missed for m in t.judgement.milestones)}
    for b in briefs:
        b.due = since.get(b.id, b.due)
    return sorted(briefs, key=lambda b: (b.due or date.min, b.id))


def _briefs_of(conn: sqlite3.Connection, tasks: list[tuple[int, date | None]]) -> list[Brief]:
    """Briefs of these tasks (id, judged due date), in this order."""
    if not tasks:
        return []
    from models.sql import group_concat

    marks = ", ".join("?" * len(tasks))
    rows = {r[0]: r for r in conn.execute(
        "SELECT t.id, t.number, t.content, t.deadline, t.status, "
        f"(SELECT {group_concat(conn, 'name')} FROM (SELECT u.name FROM assignment a JOIN unit u ON u.id = a.unit_id "
        f" WHERE a.task_id = t.id AND a.role = 'lead' ORDER BY a.position, a.id) lead_names) FROM task t "
        f"WHERE t.id IN ({marks})",
        [i for i, _ in tasks])}
    return [Brief(i, rows[i][1], rows[i][2], rows[i][5] or "", rows[i][3], due, rows[i][4]) for i, due in tasks]


def _round_line(conn: sqlite3.Connection, group_id: int) -> str | None:
    """The open round's line for 总览, or None when no round is open."""
    from models.round_status import current_round, reporting_counts, summary_line

    rnd = current_round(conn, group_id, counted=False)
    if rnd is None or rnd.status != "open":
        return None
    return summary_line(rnd, reporting_counts(conn, rnd))


# ---------------------------------------------------------------- members


@dataclass(slots=True)
class MemberRow:
    id: int
    position: int
    role: str
    name: str
    unit: str | None
    title: str | None
    phone: str | None
    active: bool
    successor: str | None
    left_on: date | None


def members(conn: sqlite3.Connection, group_id: int, *, include_inactive: bool = False) -> list[MemberRow]:
    where = "" if include_inactive else " AND m.active"
    return [MemberRow(mid, pos, role, name, unit, title, phone, bool(active), succ, as_date(left))
            for mid, pos, role, name, unit, title, phone, active, succ, left in conn.execute(
                "SELECT m.id, m.position, m.role, m.name, u.name, m.title, m.phone, m.active, s.name, m.left_on "
                "FROM member m LEFT JOIN unit u ON u.id = m.unit_id LEFT JOIN member s ON s.id = m.successor_id "
                f"WHERE m.group_id = ?{where} ORDER BY m.position, m.id", (group_id,))]


def inactive_count(conn: sqlite3.Connection, group_id: int) -> int:
    return conn.execute("SELECT count(*) FROM member WHERE group_id = ? AND NOT active", (group_id,)).fetchone()[0]


# ---------------------------------------------------------------- units


@dataclass(slots=True)
class UnitRow:
    id: int
    name: str
    lead: int
    co: int
    overdue: int
    has_duty: bool
    members: int
    aliases: str = ""


def units(conn: sqlite3.Connection, group_id: int, today: date, *, everything: bool = False) -> list[UnitRow]:
    """The units of a group (on its tasks, in its roster or with duties in it) — or every unit —
    in the order of the roster, then of the duties, then by number of lead tasks."""
    from models.sql import count_if, group_concat

    where = "" if everything else "WHERE gu.unit_id IS NOT NULL OR d.id IS NOT NULL OR mm.n IS NOT NULL"
    lead, co = count_if(conn, "a.role = 'lead'"), count_if(conn, "a.role = 'co'")
    overdue = count_if(conn, "a.role = 'lead' AND t.status != '已完成' AND t.due < ?")
    rows = conn.execute(
        f"WITH gu AS (SELECT a.unit_id, {lead} AS lead, {co} AS co, {overdue} AS overdue "
        "  FROM assignment a JOIN task t ON t.id = a.task_id WHERE t.group_id = ? AND t.cancelled_on IS NULL "
        "  GROUP BY a.unit_id), "
        "mm AS (SELECT unit_id, count(*) AS n, min(position) AS first FROM member "
        "  WHERE group_id = ? AND active AND unit_id IS NOT NULL GROUP BY unit_id) "
        "SELECT u.id, u.name, coalesce(gu.lead, 0), coalesce(gu.co, 0), coalesce(gu.overdue, 0), d.id IS NOT NULL, "
        f"  coalesce(mm.n, 0), (SELECT {group_concat(conn, 'alias', '|')} FROM unit_alias WHERE unit_id = u.id) "
        "FROM unit u LEFT JOIN gu ON gu.unit_id = u.id LEFT JOIN duty d ON d.unit_id = u.id AND d.group_id = ? "
        f"LEFT JOIN mm ON mm.unit_id = u.id {where} "
        "ORDER BY mm.first IS NULL, mm.first, d.id IS NULL, d.id, coalesce(gu.lead, 0) DESC, "
        "coalesce(gu.co, 0) DESC, u.id",
        (today.isoformat(), group_id, group_id, group_id))
    return [UnitRow(uid, name, lead, co, overdue, bool(duty), n, aliases or "")
            for uid, name, lead, co, overdue, duty, n, aliases in rows]


@dataclass
class UnitDetail:
    id: int
    name: str
    aliases: list[str]
    duty: str | None
    members: list[tuple[str, str, str | None]]  # (role, name, title)
    lead: list[Brief]
    co: list[Brief]
    lead_total: int
    co_total: int
    other_groups: list[str]


def unit_detail(conn: sqlite3.Connection, group_id: int, unit_id: int, limit: int = 30) -> UnitDetail | None:
    row = conn.execute("SELECT name FROM unit WHERE id = ?", (unit_id,)).fetchone()
    if row is None:
        return None
    aliases = [a for (a,) in conn.execute("SELECT alias FROM unit_alias WHERE unit_id = ? ORDER BY id", (unit_id,))]
    duty = conn.execute("SELECT text FROM duty WHERE group_id = ? AND unit_id = ?", (group_id, unit_id)).fetchone()
    people = list(conn.execute(
        "SELECT role, name, title FROM member WHERE group_id = ? AND unit_id = ? AND active ORDER BY position",
        (group_id, unit_id)))
    mine = "t.group_id = ? AND t.cancelled_on IS NULL AND t.id IN (SELECT task_id FROM assignment WHERE unit_id = ? AND role = ?)"
    lead = _briefs_by_position(conn, mine, [group_id, unit_id, "lead"], limit)
    co = _briefs_by_position(conn, mine, [group_id, unit_id, "co"], limit)
    count = f"SELECT count(*) FROM task t WHERE {mine}"
    lead_total = conn.execute(count, (group_id, unit_id, "lead")).fetchone()[0]
    co_total = conn.execute(count, (group_id, unit_id, "co")).fetchone()[0]
    others = [n for (n,) in conn.execute(
        "SELECT g.name FROM work_group g WHERE g.id != ? AND (EXISTS (SELECT 1 FROM member m WHERE m.group_id = g.id "
        "AND m.unit_id = ?) OR EXISTS (SELECT 1 FROM duty d WHERE d.group_id = g.id AND d.unit_id = ?) OR EXISTS ("
        "SELECT 1 FROM assignment a JOIN task t ON t.id = a.task_id WHERE t.group_id = g.id AND a.unit_id = ?)) "
        "ORDER BY g.id", (group_id, unit_id, unit_id, unit_id))]
    return UnitDetail(unit_id, row[0], aliases, duty[0] if duty else None, people, lead, co, lead_total, co_total,
                      others)


def _briefs_by_position(conn: sqlite3.Connection, where: str, args: list[object], limit: int) -> list[Brief]:
    rows = list(conn.execute(
        f"SELECT t.id, t.number, t.content, t.deadline, t.due, t.status FROM task t WHERE {where} "
        "ORDER BY t.position, t.id LIMIT ?", [*args, limit]))
    return [Brief(tid, number, content, "", deadline, as_date(due), status)
            for tid, number, content, deadline, due, status in rows]


@dataclass
class MergePreview:
    gone: str
    keep: str
    lead: int  # assignments moving over
    co: int
    shared: int  # tasks where both are already on: the two become one
    members: int
    duties: int
    progress: int
    aliases: list[str]
    groups: list[str]


def merge_preview(conn: sqlite3.Connection, gone_id: int, keep_id: int) -> MergePreview:
    name = dict(conn.execute("SELECT id, name FROM unit WHERE id IN (?, ?)", (gone_id, keep_id)))
    roles = dict(conn.execute("SELECT role, count(*) FROM assignment WHERE unit_id = ? GROUP BY role", (gone_id,)))
    shared = conn.execute(
        "SELECT count(*) FROM assignment a WHERE a.unit_id = ? AND EXISTS (SELECT 1 FROM assignment b "
        "WHERE b.task_id = a.task_id AND b.role = a.role AND b.unit_id = ?)", (gone_id, keep_id)).fetchone()[0]
    one = lambda sql: conn.execute(sql, (gone_id,)).fetchone()[0]
    aliases = [a for (a,) in conn.execute("SELECT alias FROM unit_alias WHERE unit_id = ? ORDER BY id", (gone_id,))]
    groups_ = [n for (n,) in conn.execute(
        "SELECT g.name FROM work_group g WHERE EXISTS (SELECT 1 FROM task t JOIN assignment a "
        "ON a.task_id = t.id WHERE t.group_id = g.id AND a.unit_id = ?) ORDER BY g.id", (gone_id,))]
    return MergePreview(name.get(gone_id, "?"), name.get(keep_id, "?"), roles.get("lead", 0), roles.get("co", 0),
                        shared, one("SELECT count(*) FROM member WHERE unit_id = ?"),
                        one("SELECT count(*) FROM duty WHERE unit_id = ?"),
                        one("SELECT count(*) FROM progress WHERE unit_id = ?"), aliases, groups_)


# ---------------------------------------------------------------- the picker


@dataclass(slots=True)
class Candidate:
    """A unit or a member the picker offers; ``key`` is what the typed text is matched against."""

    kind: str  # unit, member, person (named on a task, not in the roster), or new (a unit name typed)
    unit: str | None
    person: str | None
    title: str | None
    key: str
    detail: str = ""
    unit_id: int | None = None


def candidates(conn: sqlite3.Connection, group_id: int | None) -> list[Candidate]:
    """Every active member of the group, the other persons its tasks name, and every unit (with
    its aliases), for the picker."""
    from models.search import initials

    out: list[Candidate] = []
    if group_id is not None:
        for name, unit, title, role, unit_id in conn.execute(
                "SELECT m.name, u.name, m.title, m.role, m.unit_id FROM member m LEFT JOIN unit u ON u.id = m.unit_id "
                "WHERE m.group_id = ? AND m.active ORDER BY m.position", (group_id,)):
            words = [name, unit or "", title or ""]
            out.append(Candidate("member", unit, name, title,
                                 "|".join([*words, *(initials(w) for w in words)]).lower(), role, unit_id))
    if group_id is not None:
        from models.sql import byte_order

        by_person = byte_order(conn, "a.person")
        members_ = {(c.person, c.unit) for c in out}
        for unit, person, unit_id in conn.execute(
                "SELECT u.name, a.person, a.unit_id FROM assignment a JOIN task t ON t.id = a.task_id "
                "JOIN unit u ON u.id = a.unit_id WHERE t.group_id = ? AND a.person IS NOT NULL "
                f"GROUP BY a.unit_id, a.person, u.name ORDER BY min(t.position), a.unit_id, {by_person}",
                (group_id,)):
            if (person, unit) in members_:
                continue
            words = [person, unit]
            out.append(Candidate("person", unit, person, None,
                                 "|".join([*words, *(initials(w) for w in words)]).lower(), "", unit_id))
    aliases: dict[int, list[str]] = {}
    for unit_id, alias in conn.execute("SELECT unit_id, alias FROM unit_alias ORDER BY id"):
        aliases.setdefault(unit_id, []).append(alias)
    in_group: set[int] = set()
    if group_id is not None:
        in_group = {u for (u,) in conn.execute(
            "SELECT DISTINCT a.unit_id FROM assignment a JOIN task t ON t.id = a.task_id WHERE t.group_id = ? "
            "UNION SELECT unit_id FROM member WHERE group_id = ? AND unit_id IS NOT NULL "
            "UNION SELECT unit_id FROM duty WHERE group_id = ?", (group_id, group_id, group_id))}
    units_ = sorted(conn.execute("SELECT id, name FROM unit"), key=lambda r: (r[0] not in in_group, r[0]))
    for unit_id, name in units_:
        words = [name, *aliases.get(unit_id, [])]
        detail = ("别名：" + "、".join(aliases[unit_id])) if unit_id in aliases else ""
        out.append(Candidate("unit", name, None, None, "|".join([*words, *(initials(w) for w in words)]).lower(),
                             detail, unit_id))
    return out


def match(candidates_: list[Candidate], text: str, limit: int = 100) -> list[Candidate]:
    terms = text.lower().split()
    found = [c for c in candidates_ if all(t in c.key for t in terms)]
    return found[:limit]


# ---------------------------------------------------------------- probable duplicates


@dataclass(slots=True)
class SimilarPair:
    """Two units that are probably one (models.unit_names), with what each holds in the group."""

    first_id: int
    first: str
    second_id: int
    second: str
    first_uses: int
    second_uses: int


def similar_units(conn: sqlite3.Connection, group_id: int | None = None) -> list[SimilarPair]:
    """Pairs of units offered for merging; with ``group_id``, pairs where one of them is in that group
    (its tasks, roster or duties) come first."""
    from models.unit_names import similar_units as pairs_of

    aliases: dict[int, list[str]] = {}
    for unit_id, alias in conn.execute("SELECT unit_id, alias FROM unit_alias"):
        aliases.setdefault(unit_id, []).append(alias)
    names = dict(conn.execute("SELECT id, name FROM unit"))
    pairs = pairs_of((i, n, aliases.get(i, [])) for i, n in names.items())
    if not pairs:
        return []
    uses = dict(conn.execute(
        "SELECT unit_id, count(*) FROM (SELECT unit_id FROM assignment UNION ALL SELECT unit_id FROM member "
        "WHERE unit_id IS NOT NULL UNION ALL SELECT unit_id FROM duty) uses GROUP BY unit_id"))
    mine: set[int] = set()
    if group_id is not None:
        mine = {u for (u,) in conn.execute(
            "SELECT a.unit_id FROM assignment a JOIN task t ON t.id = a.task_id WHERE t.group_id = ? "
            "UNION SELECT unit_id FROM member WHERE group_id = ? AND unit_id IS NOT NULL "
            "UNION SELECT unit_id FROM duty WHERE group_id = ?", (group_id, group_id, group_id))}
    out = [SimilarPair(a, names[a], b, names[b], uses.get(a, 0), uses.get(b, 0)) for a, b in pairs]
    out.sort(key=lambda p: (p.first_id not in mine and p.second_id not in mine, p.first_id, p.second_id))
    return out
