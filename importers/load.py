"""The one loading step: plain records from any reader → the database, in one transaction with one
history entry. The same file twice adds nothing; a revised table is merged three ways with the
ledger (``models.merge``: what the file said when last imported — ``import_source`` — what it says
now, what the ledger says now), so the office's own edits stay and values both sides changed are
reported as conflicts; new tasks are added and the ones no longer present reported (never deleted).
``dry_run`` computes the very same report and rolls everything back.

It writes through plain ``sqlite3`` (``models.store``): importing the ORM alone takes longer than
reading a 10,000-row table, and an import is a handful of bulk statements. Every row it writes is
in the history entry's change log, so ``undo`` takes an import back like any other change.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from exporters.collector import collector_paused as paused_gc
from importers.bulk import BulkInserter
from importers.normalize import clean_name, clean_unit
from importers.records import Duties, ImportWarning, Origin, Roster, TaskRecord, TaskTable, displayable
from models import store, task_figures, text_repair
from models.merge import ABSENT, Conflict, apply, merge
from models.sources import (columns_of, decode_duty, decode_member, decode_task, encode_duty, encode_member,
                            encode_task_row, task_fields)
from models.errors import OperationError
from models.faults import storage_problem, writable_problem
from models.locking import BUSY_MESSAGE, is_busy, retry_busy
from models.search import search_text
from models.sql import is_server

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
    successors: list[str] = field(default_factory=list)  # roster lines naming a replaced member: role name → successor
    categories: list[str] = field(default_factory=list)
    units: list[str] = field(default_factory=list)
    new_units: list[str] = field(default_factory=list)
    persons: list[str] = field(default_factory=list)
    warnings: list[ImportWarning] = field(default_factory=list)
    changes: list[FieldChange] = field(default_factory=list)  # every value an update changes: before → after
    conflicts: list[MergeConflict] = field(default_factory=list)  # changed in the file and the ledger, differently
    bases_updated: int = 0  # rows whose file changed but whose ledger value stays (only their base is written)
    tombstones_updated: int = 0  # deleted tasks whose row the file changed, kept deleted (their record is updated)
    deleted_kept: list[str] = field(default_factory=list)  # rows of tasks the office deleted, not imported again
    cancelled_kept: list[str] = field(default_factory=list)  # rows of tasks the office cancelled: they stay cancelled

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.group_is_new or self.bases_updated or self.tombstones_updated)


@dataclass
class FieldChange:
    """One value an import changes in the ledger, for the preview: task (or member), field, before → after."""

    what: str
    field: str
    before: str
    after: str


@dataclass
class MergeConflict:
    """A value both the file (since it was last imported) and the ledger changed, differently."""

    key: str  # stable across a preview and its import: "task:12:deadline", the TUI's choice
    what: str  # the task or member
    field: str
    ledger: str
    file: str
    taken: str = "ledger"  # or "file": which value the import keeps


_FIELD_LABELS = {"category": "类别", "number": "序号", "content": "工作任务", "deadline": "完成时限",
                 "unpaired_persons": "未配对责任人", "unit_id": "单位", "title": "职务", "phone": "电话",
                 "text": "职责"}
_ROLE_LABELS = {"lead": "牵头单位", "co": "配合单位"}
_EMPTY = "（空）"


def shown_value(name: str, value: Any) -> str:
    """A task field's value as the preview shows it."""
    if value is ABSENT or value is None:
        return _EMPTY
    if name == "category":
        return " ".join(v for v in value if v) or _EMPTY
    if name == "deadline":
        return value[0] or value[1] or _EMPTY
    if name == "unpaired_persons":
        return "、".join(json.loads(value)) or _EMPTY
    return str(value) or _EMPTY


def shown_person(person: Any) -> str:
    if person is ABSENT:
        return "（无此单位）"
    return person or "（未填责任人）"


def shown_target(target: Any) -> str:
    return "（无）" if target is ABSENT else target or _EMPTY


class _Merging:
    """One import's merge: where the file's rows come from (their sources), how a conflict is
    decided, and each task's base as it will be stored."""

    def __init__(self, source: str, sheet: str | None, report: ImportReport,
                 take_file: Callable[[MergeConflict], bool] | None):
        self.file, self.sheet = source, sheet
        self.report = report
        self.take_file = take_file

    def base_of(self, rec: TaskRecord, assigns: list[Assign], values: tuple | None = None) -> str:
        """What the file says of a task, as ``import_source.base`` holds it (``models.sources``);
        ``values`` are its ``_task_values`` when the caller has them."""
        targets = [[t.year, t.target] for t in rec.targets] if rec.targets else []
        return encode_task_row(*(values or _task_values(rec)), [[role, uid, person] for role, _, uid, person in assigns],
                               targets)

    def row_key(self, origin: Origin | None) -> str | None:
        return str(origin.row) if origin is not None and origin.row is not None else None

    def write_source(self, w: _Writer, column: str, row_id: int, source_id: int | None, origin: Origin | None,
                     base: str) -> None:
        values = {"file": self.file, "sheet": self.sheet, "row_key": self.row_key(origin), "base": base}
        if source_id is None:
            w.insert("import_source", {column: row_id, **values})
        else:
            w.update("import_source", source_id, values)

    @staticmethod
    def task_label(task: dict[str, Any], rec: TaskRecord) -> str:
        number = task["number"] or rec.number
        content = " ".join(task["content"].split())
        content = content if len(content) <= 30 else content[:29] + "…"
        return f"{number} {content}" if number else content

    def decider(self, prefix: str, label: str, units: _Units | None) -> Callable[[Conflict], bool]:
        """The merge's choice for each conflict of one task or member: noted in the report, and the
        file's value taken when ``take_file`` says so."""
        def decide(c: Conflict) -> bool:
            if c.part == "units":
                role, uid = c.key
                field = f"{_ROLE_LABELS[role]}「{units.names.get(uid, uid) if units else uid}」"
                ledger, file = shown_person(c.ledger), shown_person(c.file)
                key = f"{prefix}:unit:{role}:{uid}"
            elif c.part == "targets":
                field, ledger, file = f"{c.key}年目标", shown_target(c.ledger), shown_target(c.file)
                key = f"{prefix}:target:{c.key}"
            elif c.key == "unit_id" and units is not None:
                field = _FIELD_LABELS["unit_id"]
                ledger, file = (units.names.get(v, _EMPTY) if v else _EMPTY for v in (c.ledger, c.file))
                key = f"{prefix}:unit_id"
            else:
                field, ledger, file = _FIELD_LABELS.get(c.key, c.key), shown_value(c.key, c.ledger), shown_value(c.key, c.file)
                key = f"{prefix}:{c.key}"
            row = MergeConflict(key, label, field, ledger, file)
            if self.take_file is not None and self.take_file(row):
                row.taken = "file"
            self.report.conflicts.append(row)
            return row.taken == "file"
        return decide


class _Writer:
    """Row writes inside the import's transaction, each one noted in the change log for undo."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self.changes: list[store.Change] = []
        self.server = is_server(conn)  # a server ledger: importers.server_write's steps

    def rows(self, sql: str, params: tuple = ()) -> list[sqlite3.Row]:
        return self.conn.execute(sql, params).fetchall()

    def insert(self, table: str, values: dict[str, Any]) -> int:
        if self.server:
            from importers import server_write

            row_id = server_write.insert(self.conn, table, {k: _sql(v) for k, v in values.items()})
            self.changes.append((table, row_id, None, {"id": row_id}))
            return row_id
        cols = ", ".join(f'"{c}"' for c in values)
        cursor = self.conn.execute(f'INSERT INTO "{table}" ({cols}) VALUES ({", ".join("?" * len(values))})',
                                   tuple(_sql(v) for v in values.values()))
        self.changes.append((table, cursor.lastrowid, None, {"id": cursor.lastrowid}))
        return cursor.lastrowid

    def next_id(self, table: str) -> int:
        """The next id never given before: past the highest in the table and, for tables with
        AUTOINCREMENT (v3), past the highest it ever held (a row an undo removed keeps its id)."""
        from models.ids import next_id

        return next_id(self.conn, table)

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


def _created_at() -> str:
    """Now, as the ORM writes a DateTime (with microseconds): the text an undo and redo write back."""
    return store.now() + ".000000"


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
        # How a new unit is written (name → id); bulk loading queues it with the tasks instead.
        self.add: Callable[[str], int] = lambda name: w.insert("unit", {"name": name, "created_at": _created_at()})

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
        return w.insert("work_group", {"name": name, "created_at": _created_at()})
    return found[0][0]


def _group_title(w: _Writer, group_id: int, title: str | None, report: ImportReport) -> None:
    """The table's own title (临海市老有康养专项任务分解表) is kept for the group's exports; a
    revised table with another title replaces it."""
    if not title:
        return
    if report.group_is_new:
        w.conn.execute("UPDATE work_group SET title = :title WHERE id = :id", {"title": title, "id": group_id})
    elif w.rows("SELECT title FROM work_group WHERE id = ?", (group_id,))[0][0] != title:
        w.update("work_group", group_id, {"title": title})


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


_JSON = json.JSONEncoder(ensure_ascii=False)  # json.dumps(…, ensure_ascii=False) builds one per call


def _task_values(rec: TaskRecord) -> tuple:
    """The task's own columns, in the order of _COMPARED."""
    unpaired = _JSON.encode(rec.unpaired_persons) if rec.unpaired_persons else None
    return rec.number, rec.category, rec.category_number, rec.content, rec.deadline, _sql(rec.due), unpaired


def _search(rec: TaskRecord, assigns: list[Assign], units: _Units) -> str:
    # The names are listed afresh for each task: on real tables almost every task has its own set of
    # persons, and a cache of them only held 10,000 entries (issue 17). search_text caches the rest.
    names = [n for _, _, uid, person in assigns for n in (units.names[uid], person)]
    return search_text(rec.content, names + rec.unpaired_persons if rec.unpaired_persons else names)


def load_tasks(w: _Writer, table: TaskTable, group_name: str, report: ImportReport,
               take_file: Callable[[MergeConflict], bool] | None = None) -> int:
    group_id = _group(w, group_name, report)
    units = _Units(w, report)
    cols = ("id", "position", "cancelled_on", *_COMPARED)
    existing = [dict(zip(cols, row)) for row in w.rows(
        f"SELECT {', '.join(cols)} FROM task WHERE group_id = ? ORDER BY position, id", (group_id,))]
    names = _Names(report)
    merging = _Merging(table.source, table.sheet, report, take_file)
    tombstones = _Tombstones(w, group_id)
    if existing or tombstones.rows:
        _revise_tasks(w, group_id, table, existing, units, names, report, merging, tombstones)
    else:
        report.added = _append_tasks(w, group_id, ((rec, names.assignments(rec, units)) for rec in table.tasks),
                                     units, 0, merging)
    names.report()
    _group_note(w, group_id, table.note, report)
    _group_title(w, group_id, table.title, report)
    return group_id


class _Names:
    """The categories and persons of the file, in the order met, for the report."""

    def __init__(self, report: ImportReport):
        self._report = report
        self.categories, self.persons = dict.fromkeys(report.categories), dict.fromkeys(report.persons)
        self._unit_ids: dict[str, int] = {}  # a unit's name as the table writes it → its id
        self._cleaned: dict[str, str] = {}  # a person as the table writes it → the name stored

    def assignments(self, rec: TaskRecord, units: _Units) -> list[Assign]:
        """The task's assignments, noting its category and persons. A unit named twice (by name and
        by alias) is assigned once; a unit that leads is not also a co-operating one. Looked up per
        unit name and per person (a few hundred in a 10,000-task table), not per cell."""
        if rec.category:
            self.categories[rec.category] = None
        persons, unit_ids, cleaned = self.persons, self._unit_ids, self._cleaned
        rows: list[Assign] = []
        lead: list[int] = []
        for role, refs in (("lead", rec.lead), ("co", rec.co)):
            seen: list[int] = []
            for ref in refs:
                uid = unit_ids.get(ref.unit)
                if uid is None:
                    uid = unit_ids[ref.unit] = units.id(ref.unit)
                person = ref.person
                if person:
                    name = cleaned.get(person)
                    if name is None:  # first met: it goes in the report in this order
                        persons[person] = None
                        name = cleaned[person] = _person(person)
                else:
                    name = None
                if uid not in seen and uid not in lead:
                    rows.append((role, len(seen), uid, name))
                    seen.append(uid)
            lead = seen
        for person in rec.unpaired_persons:
            persons[person] = None
        return rows

    def report(self) -> None:
        self._report.categories, self._report.persons = list(self.categories), list(self.persons)


def _revise_tasks(w: _Writer, group_id: int, table: TaskTable, existing: list[dict[str, Any]], units: _Units,
                  names: _Names, report: ImportReport, merging: _Merging, tombstones: _Tombstones) -> None:
    """A table imported again into a group that has tasks: match each task of the file to one of
    the group's (by content now or as last imported, else by category and number), merge each
    three ways (``models.merge``: what the file said last time, says now, and the ledger says), add
    the rest, and list the group's tasks the file no longer has (never deleted)."""
    sources = {task_id: (source_id, base) for source_id, task_id, base in w.rows(
        "SELECT s.id, s.task_id, s.base FROM import_source s JOIN task t ON t.id = s.task_id WHERE t.group_id = ?",
        (group_id,))}
    bases: dict[int, tuple] = {}
    for t in existing:
        if t["id"] in sources:
            bases[t["id"]] = decode_task(sources[t["id"]][1])
    by_content: dict[str, list[dict[str, Any]]] = {}  # tasks of the same content, the first last
    by_number: dict[tuple, dict[str, Any]] = {}
    for t in reversed(existing):
        base = bases.get(t["id"])
        base_content = base[0]["content"] if base else t["content"]
        for content in dict.fromkeys((base_content, t["content"])):
            by_content.setdefault(content, []).append(t)
    for t in existing:
        base = bases.get(t["id"])
        for key in ((t["category"], t["number"]), (base[0]["category"][1], base[0]["number"]) if base else None):
            if key and key[1]:
                by_number.setdefault(key, t)
    contents_in_file = {r.content for r in table.tasks}
    matched: set[int] = set()
    new_tasks: list[tuple[TaskRecord, list[Assign]]] = []
    ledger = _LedgerShapes(w, group_id)
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
        tombstone = tombstones.by_content(rec) if task is None else None
        if task is None and tombstone is None:
            candidate = by_number.get((rec.category, rec.number)) if rec.number else None
            ok = candidate is not None and candidate["id"] not in matched and candidate["content"] not in contents_in_file
            task = candidate if ok else None
            if task is None:
                tombstone = tombstones.by_number(rec, contents_in_file)
        if tombstone is not None:  # a task the office deleted: it stays deleted unless the file changed it
            if _deleted_task(w, rec, assigns, tombstone, units, merging, report):
                new_tasks.append((rec, assigns))
            continue
        if task is None:
            new_tasks.append((rec, assigns))
            continue
        matched.add(task["id"])
        if task["cancelled_on"] is not None:
            report.cancelled_kept.append(merging.task_label(task, rec))
        new_base = merging.base_of(rec, assigns)
        source = sources.get(task["id"])
        if source is not None and source[1] == new_base:  # the file says what it said last time
            report.unchanged += 1
            continue
        changed = _merge_task(w, task, rec, assigns, bases.get(task["id"]), ledger, units, merging, report)
        merging.write_source(w, "task_id", task["id"], source[0] if source else None, rec.origin, new_base)
        if changed:
            report.updated += 1
        else:
            report.unchanged += 1
            report.bases_updated += 1
    report.missing = [t["content"] for t in existing if t["id"] not in matched]
    start = max((t["position"] for t in existing), default=0)
    report.added = _append_tasks(w, group_id, new_tasks, units, start, merging)


class _Tombstones:
    """The group's deleted tasks that came from a file (``import_tombstone``), found by what the file
    said of them when last imported: its content, else its category and number."""

    def __init__(self, w: _Writer, group_id: int):
        self.rows = [dict(zip(("id", "file", "sheet", "row_key", "base"), r)) for r in w.rows(
            "SELECT id, file, sheet, row_key, base FROM import_tombstone WHERE group_id = ? AND task_id IS NOT NULL "
            "ORDER BY id", (group_id,))]
        self._content: dict[str, list[dict[str, Any]]] = {}
        self._number: dict[tuple, list[dict[str, Any]]] = {}
        for t in reversed(self.rows):
            fields = decode_task(t["base"])[0]
            t["content"] = fields["content"]
            self._content.setdefault(fields["content"], []).append(t)
            if fields["number"]:
                self._number.setdefault((fields["category"][1], fields["number"]), []).append(t)
        self._used: set[int] = set()

    def _take(self, found: list[dict[str, Any]] | None) -> dict[str, Any] | None:
        while found and found[-1]["id"] in self._used:
            found.pop()
        if not found:
            return None
        self._used.add(found[-1]["id"])
        return found[-1]

    def by_content(self, rec: TaskRecord) -> dict[str, Any] | None:
        return self._take(self._content.get(rec.content))

    def by_number(self, rec: TaskRecord, contents_in_file: set[str]) -> dict[str, Any] | None:
        if not rec.number:
            return None
        found = [t for t in self._number.get((rec.category, rec.number), []) if t["content"] not in contents_in_file]
        return self._take(found)


def _deleted_task(w: _Writer, rec: TaskRecord, assigns: list[Assign], tombstone: dict[str, Any], units: _Units,
                  merging: _Merging, report: ImportReport) -> bool:
    """A row of the file whose task the office deleted. The file did not change it since it was last
    imported: the deletion stands (reported). The file changed it: a conflict — the task stays
    deleted (its record now holds what the file says) unless the file's is taken: True, it is added
    again as a new task."""
    new_base = merging.base_of(rec, assigns)
    label = merging.task_label({"number": rec.number, "content": rec.content}, rec)
    where = f"（第 {rec.origin.row} 行）" if rec.origin is not None and rec.origin.row is not None else ""
    if new_base == tombstone["base"]:
        report.deleted_kept.append(label + where)
        return False
    conflict = MergeConflict(f"deleted:{tombstone['id']}", label + where, "任务", "（已在台账中删除）",
                             "文件中仍有，且已修改：" + _what_changed(tombstone["base"], new_base, units))
    if merging.take_file is not None and merging.take_file(conflict):
        conflict.taken = "file"
    report.conflicts.append(conflict)
    if conflict.taken == "file":
        w.delete("import_tombstone", tombstone["id"])
        return True
    w.update("import_tombstone", tombstone["id"], {"file": merging.file, "sheet": merging.sheet,
                                                   "row_key": merging.row_key(rec.origin), "base": new_base})
    report.tombstones_updated += 1
    return False


def _what_changed(old: str, new: str, units: _Units) -> str:
    """The fields of a deleted task's row the file changed, for the conflict: 完成时限「2024年底」."""
    (old_fields, old_units, old_targets), (fields, unit_map, targets) = decode_task(old), decode_task(new)
    said = [f"{_FIELD_LABELS[k]}「{shown_value(k, fields[k])}」" for k in fields if fields[k] != old_fields.get(k)]
    for key in dict.fromkeys([*old_units, *unit_map]):
        if old_units.get(key, ABSENT) != unit_map.get(key, ABSENT):
            said.append(f"{_ROLE_LABELS[key[0]]}「{units.names.get(key[1], key[1])}」"
                        f"{shown_person(unit_map.get(key, ABSENT))}")
    for year in dict.fromkeys([*old_targets, *targets]):
        if old_targets.get(year, ABSENT) != targets.get(year, ABSENT):
            said.append(f"{year}年目标「{shown_target(targets.get(year, ABSENT))}」")
    return "、".join(said) or "（格式变化）"


class _LedgerShapes:
    """Every task's units and targets in the group as the ledger holds them, read in two queries."""

    def __init__(self, w: _Writer, group_id: int):
        self.units: dict[int, dict[tuple[str, int], tuple[int, int, str | None]]] = {}  # → (id, position, person)
        self.targets: dict[int, dict[int, tuple[int, str, str | None]]] = {}  # year → (id, target, actual)
        for task_id, row_id, role, position, unit_id, person in w.rows(
                "SELECT a.task_id, a.id, a.role, a.position, a.unit_id, a.person FROM assignment a "
                "JOIN task t ON t.id = a.task_id WHERE t.group_id = ? ORDER BY a.task_id, a.role DESC, a.position",
                (group_id,)):
            self.units.setdefault(task_id, {})[(role, unit_id)] = (row_id, position, person)
        for task_id, row_id, year, target, actual in w.rows(
                "SELECT x.task_id, x.id, x.year, x.target, x.actual FROM target x JOIN task t ON t.id = x.task_id "
                "WHERE t.group_id = ? ORDER BY x.task_id, x.year", (group_id,)):
            self.targets.setdefault(task_id, {})[year] = (row_id, target, actual)


def _merge_task(w: _Writer, task: dict[str, Any], rec: TaskRecord, assigns: list[Assign], base: tuple | None,
                ledger: _LedgerShapes, units: _Units, merging: _Merging, report: ImportReport) -> bool:
    """Merge one matched task three ways and write what changes; True when the ledger changed."""
    task_id = task["id"]
    label = merging.task_label(task, rec)
    have_units = ledger.units.get(task_id, {})
    have_targets = ledger.targets.get(task_id, {})
    ledger_fields = task_fields(*(task[k] for k in _COMPARED))
    ledger_units = {k: v[2] for k, v in have_units.items()}
    ledger_targets = {y: v[1] for y, v in have_targets.items()}
    file_fields = task_fields(*_task_values(rec))
    file_units = {(role, uid): person for role, _, uid, person in assigns}
    file_targets = {t.year: t.target for t in rec.targets}
    base_fields, base_units, base_targets = base if base else (None, None, None)
    decide = merging.decider(f"task:{task_id}", label, units)
    fields = merge(base_fields, file_fields, ledger_fields, part="fields", take_file=decide)
    unit_merge = merge(base_units, file_units, ledger_units, part="units", take_file=decide)
    target_merge = merge(base_targets, file_targets, ledger_targets, part="targets", take_file=decide)
    if not (fields.changes or unit_merge.changes or target_merge.changes):
        return False
    for name, value in fields.changes.items():
        report.changes.append(FieldChange(label, _FIELD_LABELS[name], shown_value(name, ledger_fields[name]),
                                          shown_value(name, value)))
    for (role, uid), person in unit_merge.changes.items():
        what = f"{_ROLE_LABELS[role]}「{units.names.get(uid, uid)}」"
        before = ledger_units.get((role, uid), ABSENT)
        report.changes.append(FieldChange(label, what, shown_person(before), shown_person(person)))
        if person is ABSENT:
            w.delete("assignment", have_units[(role, uid)][0])
        elif (role, uid) in have_units:
            w.update("assignment", have_units[(role, uid)][0], {"person": person})
        else:
            position = 1 + max((p for (r, _), (_, p, _) in have_units.items() if r == role), default=-1)
            row_id = w.insert("assignment", {"task_id": task_id, "unit_id": uid, "role": role, "person": person,
                                             "position": position})
            have_units[(role, uid)] = (row_id, position, person)
    for year, target in target_merge.changes.items():
        report.changes.append(FieldChange(label, f"{year}年目标", shown_target(ledger_targets.get(year, ABSENT)),
                                          shown_target(target)))
        if target is ABSENT:
            row_id, _, actual = have_targets[year]
            if actual:  # a recorded actual value is the office's own work: keep it
                w.update("target", row_id, {"target": ""})
            else:
                w.delete("target", row_id)
        elif year in have_targets:
            w.update("target", have_targets[year][0], {"target": target})
        else:
            w.insert("target", {"task_id": task_id, "year": year, "target": target, "actual": None})
    final_fields = {**ledger_fields, **fields.changes}
    final_units = apply(ledger_units, unit_merge)
    unpaired = final_fields["unpaired_persons"]
    order = sorted(final_units, key=lambda k: k[0] != "lead")
    names = [n for k in order for n in (units.names.get(k[1], ""), final_units[k])]
    search = search_text(final_fields["content"], [*names, *(json.loads(unpaired) if unpaired else [])])
    w.update("task", task_id, {**columns_of(fields.changes), "search_text": search})
    return True

_TASK_COLUMNS = ("group_id", "position", *_COMPARED, "status", "done_on", "notes", "search_text")
_TASK_WIDTH = len(_TASK_COLUMNS) + 1  # with the id


def _append_tasks(w: _Writer, group_id: int, new_tasks: Iterable[tuple[TaskRecord, list[Assign]]],
                  units: _Units, start: int, merging: _Merging) -> int:
    """New tasks with their units and targets after position ``start``, written in batches
    (``importers.bulk``: on a server by a helper thread while this one builds the next); returns how many. Ids are taken up
    front inside the write transaction (BEGIN IMMEDIATE, so no other writer can take them), so the
    change log holds one id range per table; units first met here are queued with the tasks."""
    first = {table: w.next_id(table) for table in ("task", "assignment", "target", "unit", "import_source")}
    task_id, assign_id, target_id = first["task"], first["assignment"], first["target"]
    source_id = first["import_source"]
    file, sheet, row_key = merging.file, merging.sheet, merging.row_key
    unit_ids = itertools.count(first["unit"])
    position = start
    deferred = _drop_for_bulk(w)
    with _bulk_inserter(w)(w.conn) as bulk:
        def add_unit(name: str) -> int:
            uid = next(unit_ids)
            bulk.insert("unit", ("id", "name", "created_at"), [uid, name, _created_at()])
            w.changes.append(("unit", uid, None, {"id": uid}))
            return uid

        units.add, unqueued_add = add_unit, units.add
        # Each batch: the values of its rows one after another, as the writer binds them.
        task_values: list = []
        assign_values: list = []
        target_values: list = []
        source_values: list = []  # what the file said of each task (the base of the next import's merge)
        for rec, assigns in new_tasks:
            if task_id == first["task"]:  # the 总览 figures of new tasks: written once, after them (resume below)
                task_figures.pause_queued(bulk)
            position += 1
            status = rec.status if rec.status in STATUSES else NOT_STARTED
            values = _task_values(rec)
            task_values += (task_id, group_id, position, *values, status,
                            _sql(rec.done_on) if status == DONE else None, rec.notes, _search(rec, assigns, units))
            for a in assigns:
                assign_values += (assign_id, task_id, *a)
                assign_id += 1
            for t in rec.targets:
                target_values += (target_id, task_id, t.year, t.target, t.actual)
                target_id += 1
            source_values += (source_id, task_id, file, sheet, row_key(rec.origin), merging.base_of(rec, assigns, values))
            source_id += 1
            task_id += 1
            if len(task_values) >= _BATCH * _TASK_WIDTH:
                _queue_rows(bulk, task_values, assign_values, target_values, source_values)
                task_values, assign_values, target_values, source_values = [], [], [], []
        _queue_rows(bulk, task_values, assign_values, target_values, source_values)
        units.add = unqueued_add
    for sql in deferred:  # the same indexes (built once from the rows, not row by row), triggers, constraints
        w.conn.execute(sql)
    if task_id > first["task"]:
        task_figures.resume(w.conn, first["task"])
    for table, last in (("task", task_id), ("assignment", assign_id), ("target", target_id),
                        ("import_source", source_id)):
        w.inserted_range(table, first[table], last - 1)
    return position - start


def _drop_for_bulk(w: _Writer) -> list[str]:
    """Into a ledger without any task (a new one, the usual first import), the secondary indexes and
    the triggers of the tables that take the most rows are dropped before the rows go in, and the
    caller creates them again from the same text afterwards, in the same transaction: building an
    index once from 10,000 tasks and 40,000 assignments costs less than keeping it sorted row by row
    (issue 17: about a tenth of the writing), and a trigger, even one whose WHEN finds the 总览
    figures paused (``task_figures.pause_queued``), is a program SQLite starts for every row
    (80,000 rows: ~55 ms of a ~550 ms write, ``benchmarks.import_floor``). The figures those triggers
    keep are written for all the new tasks at once after (``task_figures.resume``), as when paused.
    On a server, the indexes and the unique and foreign-key constraints instead (its figures'
    triggers are paused at no cost): ``importers.server_write.set_aside``. A crash or an error rolls
    the drop back with the rows. The statements to run after, or none (a ledger with tasks)."""
    if w.rows("SELECT EXISTS (SELECT 1 FROM task)")[0][0]:
        return []
    if w.server:
        from importers import server_write

        return server_write.set_aside(w.conn)
    dropped = w.rows("SELECT type, name, sql FROM sqlite_master WHERE (type = 'index' OR type = 'trigger') "
                     "AND sql IS NOT NULL AND tbl_name IN ('task', 'assignment', 'target') "
                     "ORDER BY type, name")  # CREATE INDEX's (not UNIQUE's) and CREATE TRIGGER's
    for kind, name, _ in dropped:
        w.conn.execute(f'DROP {kind.upper()} "{name}"')
    return [sql for _, _, sql in dropped]


def _bulk_inserter(w: _Writer) -> Callable:
    """Rows in bulk: multi-row INSERTs on a file, COPY from a helper thread on a server."""
    if w.server:
        from importers.server_write import CopyInserter

        return CopyInserter
    return BulkInserter


def _queue_rows(bulk: BulkInserter, task_values: list, assign_values: list, target_values: list,
                source_values: list) -> None:
    bulk.insert("task", ("id", *_TASK_COLUMNS), task_values)
    bulk.insert("assignment", ("id", "task_id", *_ASSIGN_COLUMNS), assign_values)
    bulk.insert("target", ("id", "task_id", "year", "target", "actual"), target_values)
    bulk.insert("import_source", ("id", "task_id", "file", "sheet", "row_key", "base"), source_values)


_BATCH = 500  # tasks per batch: the rows of a few hundred tasks are held at a time, not of all 10,000


def load_roster(w: _Writer, roster: Roster, group_name: str, report: ImportReport,
                take_file: Callable[[MergeConflict], bool] | None = None) -> int:
    """Members matched by name and role (the active ones first, then those replaced: a line that
    still names a replaced member is their successor's, who stays); a matched member's unit, title
    and phone merge three ways like a task's fields; new lines are added after the others."""
    group_id = _group(w, group_name, report)
    units = _Units(w, report)
    merging = _Merging(roster.source, None, report, take_file)
    cols = ("id", "name", "role", "unit_id", "title", "phone", "position", "active", "successor_id")
    everyone = [dict(zip(cols, r)) for r in w.rows(
        f"SELECT {', '.join(cols)} FROM member WHERE group_id = ? ORDER BY position, id", (group_id,))]
    by_id = {m["id"]: m for m in everyone}
    existing = [m for m in everyone if m["active"]]
    by_key: dict[tuple[str, str], list[dict[str, Any]]] = {}  # the same person twice in one role: in order
    replaced: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for m in reversed(everyone):
        (by_key if m["active"] else replaced).setdefault((m["name"], m["role"]), []).append(m)
    sources = {member_id: (source_id, base) for source_id, member_id, base in w.rows(
        "SELECT s.id, s.member_id, s.base FROM import_source s JOIN member m ON m.id = s.member_id "
        "WHERE m.group_id = ?", (group_id,))}
    matched: set[int] = set()
    deleted: dict[tuple[str, str], list[tuple[int, str]]] = {}  # (name, role) → tombstones (id, base), the first last
    for stone_id, name, role, base in reversed(w.rows(
            "SELECT id, name, role, base FROM import_tombstone WHERE group_id = ? AND member_id IS NOT NULL "
            "ORDER BY id", (group_id,))):
        deleted.setdefault((name, role), []).append((stone_id, base))
    position = w.rows("SELECT coalesce(max(position), 0) FROM member WHERE group_id = ?", (group_id,))[0][0]
    for rec in sorted(roster.members, key=lambda m: m.order):
        report.persons.append(rec.name)
        new_units = len(report.new_units)
        unit_id = units.id(rec.unit) if rec.unit else None
        if len(report.new_units) > new_units:
            _warn_section(rec.name, report.new_units[-1], units, rec.origin, report)
        same = by_key.get((rec.name, rec.role))
        member = same.pop() if same else None
        if member is None and replaced.get((rec.name, rec.role)):
            successor = replaced[(rec.name, rec.role)].pop()
            while successor is not None and not successor["active"]:  # the end of the line of successors
                successor = by_id.get(successor["successor_id"])
            if successor is not None:
                matched.add(successor["id"])
            report.unchanged += 1
            report.successors.append(f"{rec.role} {rec.name} → {successor['name'] if successor else '（已替换）'}")
            continue
        base_text = encode_member(unit_id, rec.title, rec.phone)
        if member is None and deleted.get((rec.name, rec.role)):  # a member the office deleted
            stone_id, stone_base = deleted[(rec.name, rec.role)].pop()
            if not _deleted_member(w, rec, stone_id, stone_base, base_text, units, merging, report):
                continue
        if member is None:
            position += 1
            member_id = w.insert("member", {"group_id": group_id, "name": rec.name, "role": rec.role,
                                            "unit_id": unit_id, "title": rec.title, "phone": rec.phone,
                                            "position": position, "active": True})
            merging.write_source(w, "member_id", member_id, None, rec.origin, base_text)
            report.added += 1
            continue
        matched.add(member["id"])
        source = sources.get(member["id"])
        if source is not None and source[1] == base_text:
            report.unchanged += 1
            continue
        base = decode_member(source[1]) if source else None
        ledger = {k: member[k] for k in ("unit_id", "title", "phone")}
        file = {"unit_id": unit_id, "title": rec.title, "phone": rec.phone}
        if rec.phone is None:  # a roster without phone numbers leaves the ledger's
            file["phone"] = (base or ledger)["phone"]
        label = f"{rec.role} {rec.name}"
        merged = merge(base, file, ledger, take_file=merging.decider(f"member:{member['id']}", label, units))
        merging.write_source(w, "member_id", member["id"], source[0] if source else None, rec.origin, base_text)
        if not merged.changes:
            report.unchanged += 1
            report.bases_updated += 1
            continue
        for name, value in merged.changes.items():
            before, after = ledger[name], value
            if name == "unit_id":
                before, after = (units.names.get(v, _EMPTY) if v else _EMPTY for v in (before, after))
            report.changes.append(FieldChange(label, _FIELD_LABELS[name], shown_value(name, before),
                                              shown_value(name, after)))
        w.update("member", member["id"], dict(merged.changes))
        report.updated += 1
    report.missing = [f"{m['role']} {m['name']}" for m in existing if m["id"] not in matched]
    return group_id


def _deleted_member(w: _Writer, rec: Any, stone_id: int, stone_base: str, base_text: str, units: _Units,
                    merging: _Merging, report: ImportReport) -> bool:
    """A roster line naming a member the office deleted: as for a deleted task (``_deleted_task``),
    the deletion stands when the file did not change the line, else it is a conflict; True when
    the member is to be added again."""
    label = f"{rec.role} {rec.name}"
    if stone_base == base_text:
        report.deleted_kept.append(label)
        return False
    old, new = decode_member(stone_base), decode_member(base_text)
    said = []
    for key in ("unit_id", "title", "phone"):
        if old[key] != new[key]:
            value = units.names.get(new[key], _EMPTY) if key == "unit_id" and new[key] else shown_value(key, new[key])
            said.append(f"{_FIELD_LABELS[key]}「{value}」")
    conflict = MergeConflict(f"deleted:{stone_id}", label, "成员", "（已在台账中删除）",
                             "文件中仍有，且已修改：" + ("、".join(said) or "（格式变化）"))
    if merging.take_file is not None and merging.take_file(conflict):
        conflict.taken = "file"
    report.conflicts.append(conflict)
    if conflict.taken == "file":
        w.delete("import_tombstone", stone_id)
        return True
    w.update("import_tombstone", stone_id, {"file": merging.file, "row_key": merging.row_key(rec.origin),
                                            "base": base_text})
    report.tombstones_updated += 1
    return False


_SECTION = re.compile(r"^(.{2,}?(?:局|委|办|部|院|府|厅|会|中心|公司))(.+(?:科|室|股|处|所|站|队|中心|组))$")


def _warn_section(person: str, unit: str, units: _Units, origin: Origin | None, report: ImportReport) -> None:
    """A roster line whose unit reads as a section of a unit (市经济和信息化局产业与资源科) makes a new
    unit: say so, so the office can merge it into the unit it belongs to."""
    match = _SECTION.match(unit)
    if match is None:
        return
    parent = match.group(1)
    known = "（台账中已有）" if parent in units.ids else ""
    report.warnings.append(ImportWarning(
        f"「{person}」的单位「{unit}」像是「{parent}」{known}的内设科室，将作为新单位添加；"
        f"如应归入「{parent}」，导入后在“单位”页把它合并过去", origin))


def load_duties(w: _Writer, duties: Duties, group_name: str, report: ImportReport,
                take_file: Callable[[MergeConflict], bool] | None = None) -> int:
    group_id = _group(w, group_name, report)
    units = _Units(w, report)
    merging = _Merging(duties.source, None, report, take_file)
    existing = {unit_id: (duty_id, text) for duty_id, unit_id, text in
                w.rows("SELECT id, unit_id, text FROM duty WHERE group_id = ?", (group_id,))}
    sources = {duty_id: (source_id, base) for source_id, duty_id, base in w.rows(
        "SELECT s.id, s.duty_id, s.base FROM import_source s JOIN duty d ON d.id = s.duty_id WHERE d.group_id = ?",
        (group_id,))}
    texts: dict[int, str] = {}  # one duty a unit: named twice (by name and by alias), its texts are joined
    origins: dict[int, Origin | None] = {}
    for rec in duties.duties:
        unit_id = units.id(rec.unit)
        if unit_id in texts:
            report.warnings.append(ImportWarning(
                f"「{rec.unit}」与前面的「{units.names[unit_id]}」是同一单位，职责已合并", rec.origin))
        texts[unit_id] = "\n".join(t for t in (texts.get(unit_id), rec.text) if t)
        origins.setdefault(unit_id, rec.origin)
    for unit_id, text in texts.items():
        base_text = encode_duty(text)
        if unit_id not in existing:
            duty_id = w.insert("duty", {"group_id": group_id, "unit_id": unit_id, "text": text})
            merging.write_source(w, "duty_id", duty_id, None, origins[unit_id], base_text)
            report.added += 1
            continue
        duty_id, have = existing[unit_id]
        source = sources.get(duty_id)
        if source is not None and source[1] == base_text:
            report.unchanged += 1
            continue
        label = units.names[unit_id]
        base = {"text": decode_duty(source[1])} if source else None
        merged = merge(base, {"text": text}, {"text": have}, take_file=merging.decider(f"duty:{duty_id}", label, None))
        merging.write_source(w, "duty_id", duty_id, source[0] if source else None, origins[unit_id], base_text)
        if not merged.changes:
            report.unchanged += 1
            report.bases_updated += 1
            continue
        report.changes.append(FieldChange(label, "职责", _short(have), _short(merged.changes["text"])))
        w.update("duty", duty_id, {"text": merged.changes["text"]})
        report.updated += 1
    return group_id


def _short(text: str, width: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


_LOADERS: dict[str, Callable[..., int]] = {"tasks": load_tasks, "roster": load_roster, "duties": load_duties}


def summary(report: ImportReport) -> str:
    """The history line of an import."""
    what = {"tasks": "任务", "roster": "成员", "duties": "职责"}[report.kind]
    return (f"导入{what}「{report.source}」到「{report.group}」：新增 {report.added}，更新 {report.updated}，"
            f"未变 {report.unchanged}" + (f"，文件中没有的 {len(report.missing)}" if report.missing else "")
            + (f"，已删除未重新导入 {len(report.deleted_kept)}" if report.deleted_kept else "")
            + (f"，冲突 {len(report.conflicts)}（采用文件 {sum(c.taken == 'file' for c in report.conflicts)}）"
               if report.conflicts else ""))


def load(database: Any, record: TaskTable | Roster | Duties, group_name: str, *, dry_run: bool = False,
         before_commit: Callable[[], None] | None = None,
         take_file: Callable[[MergeConflict], bool] | None = None) -> ImportReport:
    """Write what a reader produced into the group ``group_name`` (created if new), in one
    transaction. ``database`` is a ``models.db.Database`` or the path of the ledger file.
    ``before_commit`` runs once everything is written and checked, just before the commit, and
    only when the import changes something (the command line makes its backup there).
    ``take_file`` decides each conflict of the three-way merge (a value both the file and the
    ledger changed since the last import): True takes the file's; by default the ledger's stays.
    Text in the ledger that is not valid UTF-8 is read with U+FFFD in its place, and named in a
    warning."""
    try:
        return _load(database, record, group_name, dry_run, before_commit, take_file, repair_text=False)
    except sqlite3.OperationalError as exc:
        if not text_repair.is_decode_error(exc):
            raise
    return _load(database, record, group_name, dry_run, before_commit, take_file, repair_text=True)


def _load(database: Any, record: TaskTable | Roster | Duties, group_name: str, dry_run: bool,
          before_commit: Callable[[], None] | None,
          take_file: Callable[[MergeConflict], bool] | None, *, repair_text: bool) -> ImportReport:
    kind = "tasks" if isinstance(record, TaskTable) else "roster" if isinstance(record, Roster) else "duties"
    group_name = displayable(group_name)  # a name made from an undecodable file name cannot be stored as it is
    report = ImportReport(source=record.source, kind=kind, group=group_name, dry_run=dry_run,
                          warnings=list(record.warnings))
    path: str | os.PathLike[str] = (database.target if getattr(database, "is_server", False)
                                    else getattr(database, "path", database))
    conn = store.connect(path)
    server = is_server(conn)  # a server ledger: the steps of importers.server_write
    if repair_text:
        report.warnings[:0] = [ImportWarning(f"台账中{w}") for w in text_repair.damaged_text(conn)]
        text_repair.repair(conn)
    try:
        if server:
            from importers import server_write

            server_write.begin(conn)
        else:
            # A 10,000-task import touches ~10 MB of pages in one transaction; SQLite's default 2 MB
            # cache would spill them to the WAL and read them back while inserting.
            conn.execute("PRAGMA cache_size = -32768")
            # Foreign keys are checked once for the whole import, before it commits, instead of one
            # parent lookup per inserted row (~10 % of the writing for 10,000 tasks).
            conn.execute("PRAGMA foreign_keys = OFF")
            retry_busy(lambda: conn.execute("BEGIN IMMEDIATE"))
        w = _Writer(conn)
        with paused_gc():
            group_id = _LOADERS[kind](w, record, group_name, report, take_file)
        if dry_run or not w.changes:
            conn.execute("ROLLBACK")
        else:
            if server:  # foreign keys were checked row by row; the ids the import chose move the sequences on
                server_write.advance_sequences(conn, sorted({change[0] for change in w.changes}))
            for table in () if server else sorted({change[0] for change in w.changes}):  # only what it wrote
                broken = conn.execute(f'PRAGMA foreign_key_check("{table}")').fetchone()
                if broken is not None:
                    raise sqlite3.IntegrityError(f"{broken[0]} 第 {broken[1]} 行引用的 {broken[2]} 不存在")
            store.write_history(conn.cursor(), action="import", summary=summary(report), group_id=group_id,
                                task_id=None, undoes=None, changes=w.changes)
            if before_commit is not None:
                before_commit()
            conn.execute("COMMIT")
    except sqlite3.IntegrityError as exc:
        _rollback(conn)
        raise OperationError(f"导入的内容与已有数据冲突，未保存（{exc}）。") from None
    except sqlite3.DatabaseError as exc:
        _rollback(conn)
        if is_busy(exc):
            raise OperationError(BUSY_MESSAGE) from None
        problem = storage_problem(exc, path)
        if problem:
            raise OperationError(writable_problem(Path(path)) or problem) from None
        raise
    except BaseException as exc:
        if not server:
            _rollback(conn)
            raise
        server_write.rollback(conn)
        if isinstance(exc, server_write.errors()):  # a lost connection, a read-only account: in Chinese
            raise server_write.failure(exc, str(path)) from None
        raise
    finally:
        conn.close()
    return report


def _rollback(conn: sqlite3.Connection) -> None:
    """Roll back what is left of a transaction after a failed write. SQLite may have rolled it back
    itself, or the disk may refuse this too: the journal then undoes it at the next open."""
    try:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
    except sqlite3.Error:
        pass
