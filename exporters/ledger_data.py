"""A group's data as the Excel reports need it, read with plain ``sqlite3``.

The ORM is not imported on this path: loading SQLAlchemy and SQLModel alone costs longer than
reading a 10,000-task group (see ``exporters.excel``). Every read of one export runs inside one
read transaction, so a change made meanwhile in another window is either wholly in the report or
not at all. The queries follow ``exporters.json_dump`` (one query per table, grouped by task).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache


class ExportError(Exception):
    """An export that cannot be made as asked; the message (Chinese) says why. Nothing was written."""


@dataclass(slots=True)
class GroupInfo:
    id: int
    name: str
    doc_number: str | None
    host_unit: str | None
    note: str | None
    title: str | None = None  # the imported table's own title


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
    notes: str | None
    unpaired: list[str]
    lead: list[tuple[str, str | None]] = field(default_factory=list)  # (unit, person)
    co: list[tuple[str, str | None]] = field(default_factory=list)
    targets: dict[int, str] = field(default_factory=dict)  # year → target text
    latest: tuple[date, str | None, str] | None = None  # newest progress entry: (date, unit, text)


@dataclass(slots=True)
class MemberRow:
    name: str
    role: str
    unit: str | None
    title: str | None
    phone: str | None
    position: int


@lru_cache(maxsize=4096)  # dates repeat from task to task (issue 17)
def _date(value: object) -> date | None:
    if not value:
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def group_names(conn: sqlite3.Connection) -> list[str]:
    return [r[0] for r in conn.execute("SELECT name FROM work_group ORDER BY id")]


def find_group(conn: sqlite3.Connection, name: str | None) -> GroupInfo:
    """The group called ``name``; with ``name`` None, the only group. ExportError otherwise."""
    names = group_names(conn)
    if name is None or not name.strip():
        if len(names) == 1:
            name = names[0]
        elif not names:
            raise ExportError("数据库中还没有领导小组。")
        else:
            raise ExportError(f"数据库中有 {len(names)} 个领导小组，请指定导出哪一个：{'、'.join(names)}")
    row = conn.execute(
        "SELECT g.id, g.name, g.doc_number, u.name, g.note, g.title FROM work_group g "
        "LEFT JOIN unit u ON u.id = g.host_unit_id WHERE g.name = ?", (name.strip(),)).fetchone()
    if row is None:
        raise ExportError(f"没有名为「{name.strip()}」的领导小组。现有：{'、'.join(names) or '（无）'}")
    return GroupInfo(*row)


def read_tasks(conn: sqlite3.Connection, group_id: int, *, progress: bool = False,
               open_due_by: date | None = None) -> list[TaskRow]:
    """The group's tasks in table order with units, persons, targets and (``progress``) the newest
    progress entry of each; with ``open_due_by`` only the open tasks due by that day (the overdue
    list: found through the group/status/due index, without reading the other tasks)."""
    tasks: list[TaskRow] = []
    by_id: dict[int, TaskRow] = {}
    where, args = "t.group_id = ? AND t.cancelled_on IS NULL", [group_id]  # a cancelled task is not reported
    if open_due_by is not None:
        where += " AND t.status IN ('未启动', '推进中') AND t.due <= ?"
        args.append(open_due_by.isoformat())
    for (task_id, cat_no, cat, number, content, deadline, due, status, done_on, notes,
         unpaired) in conn.execute(
            "SELECT id, category_number, category, number, content, deadline, due, status, done_on, notes, "
            f"unpaired_persons FROM task t WHERE {where} ORDER BY position, id", args):
        task = TaskRow(task_id, cat_no, cat, number, content, deadline, _date(due), status, _date(done_on), notes,
                       json.loads(unpaired) if unpaired else [])
        tasks.append(task)
        by_id[task_id] = task
    if not tasks:
        return tasks
    units = dict(conn.execute("SELECT id, name FROM unit"))
    # the rows of the group's tasks joined to them: a little quicker than ``task_id IN (SELECT …)``, which
    # first builds the list of the group's task ids (issue 17: 110 vs 120 ms for 10,000 tasks)
    for task_id, role, unit_id, person in conn.execute(
            f"SELECT a.task_id, a.role, a.unit_id, a.person FROM task t JOIN assignment a ON a.task_id = t.id "
            f"WHERE {where} ORDER BY a.task_id, a.role DESC, a.position, a.id", args):
        task = by_id[task_id]
        (task.lead if role == "lead" else task.co).append((units[unit_id], person or None))
    for task_id, year, target in conn.execute(
            f"SELECT g.task_id, g.year, g.target FROM task t JOIN target g ON g.task_id = t.id WHERE {where} "
            "ORDER BY g.task_id, g.year", args):
        if target:
            by_id[task_id].targets[year] = target
    if progress:
        for task_id, on, unit_id, text in conn.execute(
                f'SELECT p.task_id, p."on", p.unit_id, p.text FROM task t JOIN progress p ON p.task_id = t.id '
                f'WHERE {where} ORDER BY p.task_id, p."on", p.id', args):
            by_id[task_id].latest = (_date(on), units.get(unit_id), text)  # the last one read is the newest
    return tasks


def read_members(conn: sqlite3.Connection, group_id: int, *, active_only: bool = True) -> list[MemberRow]:
    """The roster in official order (replaced members left out unless ``active_only`` is False)."""
    where = " AND m.active" if active_only else ""  # a BOOLEAN on a server
    return [MemberRow(*row) for row in conn.execute(
        "SELECT m.name, m.role, u.name, m.title, m.phone, m.position FROM member m "
        f"LEFT JOIN unit u ON u.id = m.unit_id WHERE m.group_id = ?{where} ORDER BY m.position, m.id",
        (group_id,))]
