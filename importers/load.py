"""The one loading step: plain records from any reader → the database, in one transaction with one
history entry. The same file twice adds nothing; a revised table updates the tasks that changed,
adds new ones and reports (never deletes) the ones no longer present. ``dry_run`` computes the very
same report and rolls everything back.

It writes through plain ``sqlite3`` (``models.store``): importing the ORM alone takes longer than
reading a 10,000-row table, and an import is a handful of bulk statements. Every row it writes is
in the history entry's change log, so ``undo`` takes an import back like any other change.
"""

from __future__ import annotations

import itertools
import json
import os
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from importers.bulk import BulkInserter, paused_gc
from importers.normalize import clean_name, clean_unit
from importers.records import Duties, ImportWarning, Roster, TaskRecord, TaskTable, displayable
from models import store
from models.errors import OperationError
from models.locking import BUSY_MESSAGE, is_busy, retry_busy
from models.search import search_text

NOT_STARTED, DONE = "未启动", "已完成"
STATUSES = ("未启动", "推进中", "已完成")
_COMPARED = ("number", "category", "category_number", "content", "deadline", "due", "unpaired_persons")


@dataclass
class ImportReport:
    """What an import found and did (or, in a dry run, would do)."""

    source: str
    kind: str  # tasks, roster, duties
    group: str
    group_is_new: bool = False
    dry_run: bool = False
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    missing: list[str] = field(default_factory=list)  # tasks/members in the group but not in the file
    categories: list[str] = field(default_factory=list)
    units: list[str] = field(default_factory=list)
    new_units: list[str] = field(default_factory=list)
    persons: list[str] = field(default_factory=list)
    warnings: list[ImportWarning] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.group_is_new)


class _Writer:
    """Row writes inside the import's transaction, each one noted in the change log for undo."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self.changes: list[store.Change] = []

    def rows(self, sql: str, params: tuple = ()) -> list[sqlite3.Row]:
        return self.conn.execute(sql, params).fetchall()

    def insert(self, table: str, values: dict[str, Any]) -> int:
        cols = ", ".join(f'"{c}"' for c in values)
        cursor = self.conn.execute(f'INSERT INTO "{table}" ({cols}) VALUES ({", ".join("?" * len(values))})',
                                   tuple(_sql(v) for v in values.values()))
        self.changes.append((table, cursor.lastrowid, None, {"id": cursor.lastrowid}))
        return cursor.lastrowid

    def next_id(self, table: str) -> int:
        """The next id never given before: past the highest in the table and, for tables with
        AUTOINCREMENT (v3), past the highest it ever held (a row an undo removed keeps its id)."""
        highest = self.conn.execute(f'SELECT max(id) FROM "{table}"').fetchone()[0] or 0
        seq = self.conn.execute("SELECT seq FROM sqlite_sequence WHERE name = ?", (table,)).fetchone()
        return max(highest, seq[0] if seq else 0) + 1

    def inserted_range(self, table: str, start: int, last: int) -> None:
        """Note rows ``start``…``last`` of ``table``, written in bulk with ids from ``next_id``
        (taken inside this write transaction, BEGIN IMMEDIATE, so no other writer can take them):
        the change log holds the id range, not 10,000 entries."""
        if last >= start:
            self.changes.append((table, start, None, {"id_range": [start, last]}))

    def _row(self, table: str, row_id: int) -> dict[str, Any]:
        cursor = self.conn.execute(f'SELECT * FROM "{table}" WHERE id = ?', (row_id,))
        names = [d[0] for d in cursor.description]
        return dict(zip(names, cursor.fetchone()))

    def update(self, table: str, row_id: int, values: dict[str, Any]) -> None:
        before = self._row(table, row_id)
        sets = ", ".join(f'"{c}" = ?' for c in values)
        self.conn.execute(f'UPDATE "{table}" SET {sets} WHERE id = ?', (*(_sql(v) for v in values.values()), row_id))
        self.changes.append((table, row_id, before, {"id": row_id, **{k: _sql(v) for k, v in values.items()}}))

    def delete(self, table: str, row_id: int) -> None:
        before = self._row(table, row_id)
        self.conn.execute(f'DELETE FROM "{table}" WHERE id = ?', (row_id,))
        self.changes.append((table, row_id, before, None))


def _sql(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


class _Units:
    """Every unit name and alias, loaded once, so matching 10,000 rows costs no queries."""

    def __init__(self, w: _Writer, report: ImportReport):
        self.w = w
        self.report = report
        self.ids: dict[str, int] = {name: uid for uid, name in w.rows("SELECT id, name FROM unit")}
        self.names = {uid: name for name, uid in self.ids.items()}
        for uid, alias in w.rows("SELECT unit_id, alias FROM unit_alias"):
            self.ids.setdefault(alias, uid)
        self.seen: set[str] = set()
        self.names_of: dict[tuple, tuple[str | None, ...]] = {}  # for _search
        # How a new unit is written (name → id); bulk loading queues it with the tasks instead.
        self.add: Callable[[str], int] = lambda name: w.insert("unit", {"name": name, "created_at": store.now()})

    def id(self, raw: str) -> int:
        if raw in self.seen:
            return self.ids[raw]
        name = clean_unit(raw)
        if name not in self.ids:
            self.ids[name] = self.add(name)
            self.names[self.ids[name]] = name
            self.report.new_units.append(name)
        if name not in self.seen:
            self.seen.add(name)
            self.report.units.append(name)
        self.ids[raw] = self.ids[name]
        self.seen.add(raw)
        return self.ids[name]


def _group(w: _Writer, name: str, report: ImportReport) -> int:
    found = w.rows("SELECT id FROM work_group WHERE name = ?", (name,))
    if not found:
        report.group_is_new = True
        return w.insert("work_group", {"name": name, "created_at": store.now()})
    return found[0][0]


def _group_note(w: _Writer, group_id: int, note: str | None, report: ImportReport) -> None:
    """The table's 注： line becomes the group's note, unless it has one already."""
    if not note:
        return
    if report.group_is_new:  # inserted by this import: its change entry (its id) covers the note too
        w.conn.execute("UPDATE work_group SET note = ? WHERE id = ?", (note, group_id))
    elif not w.rows("SELECT note FROM work_group WHERE id = ?", (group_id,))[0][0]:
        w.update("work_group", group_id, {"note": note})


@lru_cache(maxsize=4096)
def _person(raw: str) -> str:
    return clean_name(raw)


# One assignment as tasks are compared and written: (role, position, unit id, person).
Assign = tuple[str, int, int, "str | None"]
_ASSIGN_COLUMNS = ("role", "position", "unit_id", "person")


def _assignments(rec: TaskRecord, units: _Units) -> list[Assign]:
    rows: list[Assign] = []
    lead: list[int] = []
    for role, refs in (("lead", rec.lead), ("co", rec.co)):
        seen: list[int] = []
        for ref in refs:
            uid = units.id(ref.unit)
            if uid not in seen and uid not in lead:  # a unit named by name and alias leads only
                rows.append((role, len(seen), uid, _person(ref.person) if ref.person else None))
                seen.append(uid)
        lead = seen
    return rows


_JSON = json.JSONEncoder(ensure_ascii=False)  # json.dumps(…, ensure_ascii=False) builds one per call


def _task_values(rec: TaskRecord) -> tuple:
    """The task's own columns, in the order of _COMPARED."""
    unpaired = _JSON.encode(rec.unpaired_persons) if rec.unpaired_persons else None
    return rec.number, rec.category, rec.category_number, rec.content, rec.deadline, _sql(rec.due), unpaired


def _search(rec: TaskRecord, assigns: list[Assign], units: _Units) -> str:
    key = (tuple(assigns), tuple(rec.unpaired_persons))
    names = units.names_of.get(key)
    if names is None:  # the same units and persons recur on many tasks
        names = units.names_of[key] = (*(n for _, _, uid, person in assigns for n in (units.names[uid], person)),
                                       *rec.unpaired_persons)
    return search_text(rec.content, names)


def _shapes(w: _Writer, group_id: int) -> dict[int, tuple[list[tuple], list[tuple]]]:
    """Every task's units and targets in the group, in two queries, in the form records compare in."""
    shapes: dict[int, tuple[list[tuple], list[tuple]]] = {}
    for task_id, *assign in w.rows(
            "SELECT a.task_id, a.role, a.position, a.unit_id, a.person FROM assignment a "
            "JOIN task t ON t.id = a.task_id WHERE t.group_id = ?", (group_id,)):
        shapes.setdefault(task_id, ([], []))[0].append(tuple(assign))
    for task_id, year, target in w.rows(
            "SELECT x.task_id, x.year, x.target FROM target x JOIN task t ON t.id = x.task_id WHERE t.group_id = ?",
            (group_id,)):
        shapes.setdefault(task_id, ([], []))[1].append((year, target))
    return {k: (sorted(a), sorted(t)) for k, (a, t) in shapes.items()}


def load_tasks(w: _Writer, table: TaskTable, group_name: str, report: ImportReport) -> int:
    group_id = _group(w, group_name, report)
    units = _Units(w, report)
    cols = ("id", "position", *_COMPARED)
    existing = [dict(zip(cols, row)) for row in w.rows(
        f"SELECT {', '.join(cols)} FROM task WHERE group_id = ? ORDER BY position, id", (group_id,))]
    names = _Names(report)
    if existing:
        _revise_tasks(w, group_id, table, existing, units, names, report)
    else:
        report.added = _append_tasks(w, group_id, ((rec, names.assignments(rec, units)) for rec in table.tasks),
                                     units, 0)
    names.report()
    _group_note(w, group_id, table.note, report)
    return group_id


class _Names:
    """The categories and persons of the file, in the order met, for the report."""

    def __init__(self, report: ImportReport):
        self._report = report
        self.categories, self.persons = dict.fromkeys(report.categories), dict.fromkeys(report.persons)
        self._assigned: dict[tuple, list[Assign]] = {}

    def assignments(self, rec: TaskRecord, units: _Units) -> list[Assign]:
        """The task's assignments (shared by the tasks with the same units and persons: not to be
        changed), noting its category and persons."""
        if rec.category:
            self.categories[rec.category] = None
        key = (tuple(rec.lead), tuple(rec.co))
        assigns = self._assigned.get(key)
        if assigns is None:  # first met: its persons go in the report in this order
            for refs in key:
                for ref in refs:
                    if ref.person:
                        self.persons[ref.person] = None
            assigns = self._assigned[key] = _assignments(rec, units)
        for person in rec.unpaired_persons:
            self.persons[person] = None
        return assigns

    def report(self) -> None:
        self._report.categories, self._report.persons = list(self.categories), list(self.persons)


def _revise_tasks(w: _Writer, group_id: int, table: TaskTable, existing: list[dict[str, Any]], units: _Units,
                  names: _Names, report: ImportReport) -> None:
    """A table imported again into a group that has tasks: match each task of the file to one of
    the group's (by content, else by category and number), update those that changed, add the
    rest, and list the group's tasks the file no longer has."""
    by_content: dict[str, list[dict[str, Any]]] = {}  # tasks of the same content, the first last
    for t in reversed(existing):
        by_content.setdefault(t["content"], []).append(t)
    by_number = {(t["category"], t["number"]): t for t in existing if t["number"]}
    shapes = _shapes(w, group_id)
    contents_in_file = {r.content for r in table.tasks}
    matched: set[int] = set()
    new_tasks: list[tuple[TaskRecord, list[Assign]]] = []
    for rec in table.tasks:
        assigns = names.assignments(rec, units)
        same = by_content.get(rec.content)
        while same and same[-1]["id"] in matched:
            same.pop()
        task = same[-1] if same else None  # the same content twice in a file is two tasks: each
        if same and len(same) > 1:  # matches the one of its category and number, else the first
            key = (rec.category, rec.number)
            task = next((t for t in reversed(same) if t["id"] not in matched and (t["category"], t["number"]) == key),
                        task)
        if task is None:
            candidate = by_number.get((rec.category, rec.number)) if rec.number else None
            ok = candidate is not None and candidate["id"] not in matched and candidate["content"] not in contents_in_file
            task = candidate if ok else None
        if task is None:
            new_tasks.append((rec, assigns))
            continue
        matched.add(task["id"])
        fields = dict(zip(_COMPARED, _task_values(rec)))
        want = (sorted(assigns), sorted((t.year, t.target) for t in rec.targets))
        if all(task[k] == fields[k] for k in _COMPARED) and shapes.get(task["id"], ([], [])) == want:
            report.unchanged += 1
            continue
        _update_task(w, task["id"], fields, assigns, rec, _search(rec, assigns, units))
        report.updated += 1
    report.missing = [t["content"] for t in existing if t["id"] not in matched]
    start = max((t["position"] for t in existing), default=0)
    report.added = _append_tasks(w, group_id, new_tasks, units, start)


def _update_task(w: _Writer, task_id: int, fields: dict[str, Any], assigns: list[Assign],
                 rec: TaskRecord, search: str) -> None:
    w.update("task", task_id, {**fields, "search_text": search})
    for (assignment_id,) in w.rows("SELECT id FROM assignment WHERE task_id = ?", (task_id,)):
        w.delete("assignment", assignment_id)
    for a in assigns:
        w.insert("assignment", {"task_id": task_id, **dict(zip(_ASSIGN_COLUMNS, a))})
    old = {year: (row_id, actual) for row_id, year, actual in
           w.rows("SELECT id, year, actual FROM target WHERE task_id = ?", (task_id,))}
    for t in rec.targets:
        if t.year in old:
            w.update("target", old.pop(t.year)[0], {"target": t.target})
        else:
            w.insert("target", {"task_id": task_id, "year": t.year, "target": t.target, "actual": t.actual})
    for row_id, actual in old.values():
        if actual:  # a recorded actual value is the office's own work: keep it
            w.update("target", row_id, {"target": ""})
        else:
            w.delete("target", row_id)


_TASK_COLUMNS = ("group_id", "position", *_COMPARED, "status", "done_on", "notes", "search_text")
_TASK_WIDTH = len(_TASK_COLUMNS) + 1  # with the id


def _append_tasks(w: _Writer, group_id: int, new_tasks: Iterable[tuple[TaskRecord, list[Assign]]],
                  units: _Units, start: int) -> int:
    """New tasks with their units and targets after position ``start``, in batches a helper thread
    writes while this one builds the next (``importers.bulk``); returns how many. Ids are taken up
    front inside the write transaction (BEGIN IMMEDIATE, so no other writer can take them), so the
    change log holds one id range per table; units first met here are queued with the tasks."""
    first = {table: w.next_id(table) for table in ("task", "assignment", "target", "unit")}
    task_id, assign_id, target_id = first["task"], first["assignment"], first["target"]
    unit_ids = itertools.count(first["unit"])
    position = start
    with BulkInserter(w.conn) as bulk:
        def add_unit(name: str) -> int:
            uid = next(unit_ids)
            bulk.insert("unit", ("id", "name", "created_at"), [uid, name, store.now()])
            w.changes.append(("unit", uid, None, {"id": uid}))
            return uid

        units.add, unqueued_add = add_unit, units.add
        # Each batch: the values of its rows one after another, as the writer binds them.
        task_values: list = []
        assign_values: list = []
        target_values: list = []
        for rec, assigns in new_tasks:
            position += 1
            status = rec.status if rec.status in STATUSES else NOT_STARTED
            task_values += (task_id, group_id, position, *_task_values(rec), status,
                            _sql(rec.done_on) if status == DONE else None, rec.notes, _search(rec, assigns, units))
            for a in assigns:
                assign_values += (assign_id, task_id, *a)
                assign_id += 1
            for t in rec.targets:
                target_values += (target_id, task_id, t.year, t.target, t.actual)
                target_id += 1
            task_id += 1
            if len(task_values) >= _BATCH * _TASK_WIDTH:
                _queue_rows(bulk, task_values, assign_values, target_values)
                task_values, assign_values, target_values = [], [], []
        _queue_rows(bulk, task_values, assign_values, target_values)
        units.add = unqueued_add
    for table, last in (("task", task_id), ("assignment", assign_id), ("target", target_id)):
        w.inserted_range(table, first[table], last - 1)
    return position - start


def _queue_rows(bulk: BulkInserter, task_values: list, assign_values: list, target_values: list) -> None:
    bulk.insert("task", ("id", *_TASK_COLUMNS), task_values)
    bulk.insert("assignment", ("id", "task_id", *_ASSIGN_COLUMNS), assign_values)
    bulk.insert("target", ("id", "task_id", "year", "target", "actual"), target_values)


_BATCH = 500  # tasks per batch: the first is ready soon, and each is long enough to write without the GIL


def load_roster(w: _Writer, roster: Roster, group_name: str, report: ImportReport) -> int:
    group_id = _group(w, group_name, report)
    units = _Units(w, report)
    cols = ("id", "name", "role", "unit_id", "title", "phone", "position")
    existing = [dict(zip(cols, r)) for r in w.rows(
        f"SELECT {', '.join(cols)} FROM member WHERE group_id = ? AND active ORDER BY position", (group_id,))]
    by_key: dict[tuple[str, str], list[dict[str, Any]]] = {}  # the same person twice in one role: in order
    for m in reversed(existing):
        by_key.setdefault((m["name"], m["role"]), []).append(m)
    matched: set[int] = set()
    position = w.rows("SELECT coalesce(max(position), 0) FROM member WHERE group_id = ?", (group_id,))[0][0]
    for rec in sorted(roster.members, key=lambda m: m.order):
        report.persons.append(rec.name)
        unit_id = units.id(rec.unit) if rec.unit else None
        same = by_key.get((rec.name, rec.role))
        member = same.pop() if same else None
        if member is None:
            position += 1
            w.insert("member", {"group_id": group_id, "name": rec.name, "role": rec.role, "unit_id": unit_id,
                                "title": rec.title, "phone": rec.phone, "position": position, "active": 1})
            report.added += 1
            continue
        matched.add(member["id"])
        wanted = {"unit_id": unit_id, "title": rec.title, "phone": rec.phone or member["phone"]}
        if all(member[k] == v for k, v in wanted.items()):
            report.unchanged += 1
            continue
        w.update("member", member["id"], wanted)
        report.updated += 1
    report.missing = [f"{m['role']} {m['name']}" for m in existing if m["id"] not in matched]
    return group_id


def load_duties(w: _Writer, duties: Duties, group_name: str, report: ImportReport) -> int:
    group_id = _group(w, group_name, report)
    units = _Units(w, report)
    existing = {unit_id: (duty_id, text) for duty_id, unit_id, text in
                w.rows("SELECT id, unit_id, text FROM duty WHERE group_id = ?", (group_id,))}
    texts: dict[int, str] = {}  # one duty a unit: named twice (by name and by alias), its texts are joined
    for rec in duties.duties:
        unit_id = units.id(rec.unit)
        if unit_id in texts:
            report.warnings.append(ImportWarning(
                f"「{rec.unit}」与前面的「{units.names[unit_id]}」是同一单位，职责已合并", rec.origin))
        texts[unit_id] = "\n".join(t for t in (texts.get(unit_id), rec.text) if t)
    for unit_id, text in texts.items():
        if unit_id not in existing:
            existing[unit_id] = (w.insert("duty", {"group_id": group_id, "unit_id": unit_id, "text": text}), text)
            report.added += 1
        elif existing[unit_id][1] == text:
            report.unchanged += 1
        else:
            w.update("duty", existing[unit_id][0], {"text": text})
            existing[unit_id] = (existing[unit_id][0], text)
            report.updated += 1
    return group_id


_LOADERS: dict[str, Callable[..., int]] = {"tasks": load_tasks, "roster": load_roster, "duties": load_duties}


def summary(report: ImportReport) -> str:
    """The history line of an import."""
    what = {"tasks": "任务", "roster": "成员", "duties": "职责"}[report.kind]
    return (f"导入{what}「{report.source}」到「{report.group}」：新增 {report.added}，更新 {report.updated}，"
            f"未变 {report.unchanged}" + (f"，文件中没有的 {len(report.missing)}" if report.missing else ""))


def load(database: Any, record: TaskTable | Roster | Duties, group_name: str, *, dry_run: bool = False,
         before_commit: Callable[[], None] | None = None) -> ImportReport:
    """Write what a reader produced into the group ``group_name`` (created if new), in one
    transaction. ``database`` is a ``models.db.Database`` or the path of the ledger file.
    ``before_commit`` runs once everything is written and checked, just before the commit, and
    only when the import changes something (the command line makes its backup there)."""
    kind = "tasks" if isinstance(record, TaskTable) else "roster" if isinstance(record, Roster) else "duties"
    group_name = displayable(group_name)  # a name made from an undecodable file name cannot be stored as it is
    report = ImportReport(source=record.source, kind=kind, group=group_name, dry_run=dry_run,
                          warnings=list(record.warnings))
    path: str | os.PathLike[str] = getattr(database, "path", database)
    conn = store.connect(path, check_same_thread=False)  # new tasks are written from a helper thread
    try:
        # A 10,000-task import touches ~10 MB of pages in one transaction; SQLite's default 2 MB
        # cache would spill them to the WAL and read them back while inserting.
        conn.execute("PRAGMA cache_size = -32768")
        # Foreign keys are checked once for the whole import, before it commits, instead of one
        # parent lookup per inserted row (~10 % of the writing for 10,000 tasks).
        conn.execute("PRAGMA foreign_keys = OFF")
        retry_busy(lambda: conn.execute("BEGIN IMMEDIATE"))
        w = _Writer(conn)
        with paused_gc():
            group_id = _LOADERS[kind](w, record, group_name, report)
        if dry_run or not w.changes:
            conn.execute("ROLLBACK")
        else:
            for table in sorted({change[0] for change in w.changes}):  # only what this import wrote
                broken = conn.execute(f'PRAGMA foreign_key_check("{table}")').fetchone()
                if broken is not None:
                    raise sqlite3.IntegrityError(f"{broken[0]} 第 {broken[1]} 行引用的 {broken[2]} 不存在")
            store.write_history(conn.cursor(), action="import", summary=summary(report), group_id=group_id,
                                task_id=None, undoes=None, changes=w.changes)
            if before_commit is not None:
                before_commit()
            conn.execute("COMMIT")
    except sqlite3.IntegrityError as exc:
        conn.execute("ROLLBACK")
        raise OperationError(f"导入的内容与已有数据冲突，未保存（{exc}）。") from None
    except sqlite3.OperationalError as exc:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        if is_busy(exc):
            raise OperationError(BUSY_MESSAGE) from None
        raise
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    finally:
        conn.close()
    return report
