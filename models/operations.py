"""Every change to the ledger, as one function each: the TUI and the command line call these and
nothing else writes. Each runs in one transaction and writes one history entry (``models.changes``).

Functions take the :class:`~models.db.Database` first and plain values after; they return ids or
the new state, and raise :class:`~models.changes.OperationError` with a Chinese message when the
change cannot be made (nothing is written then).
"""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, select

from importers.normalize import clean_name, clean_sentence, clean_unit
from models.changes import Change, OperationError, change, undo_last
from models.clock import today
from models.db import Database
from models.report_writing import short  # one-line history texts (defined with the forms' writing, which loads no ORM)
from models.search import search_text
from models.tables import (
    CO,
    DONE,
    IN_PROGRESS,
    LEAD,
    NOT_STARTED,
    STATUSES,
    Assignment,
    Duty,
    Group,
    Member,
    Progress,
    Target,
    Task,
    Unit,
    UnitAlias,
)

__all__ = [
    "OperationError", "undo", "create_group", "create_unit", "add_alias", "find_unit", "add_member",
    "edit_member", "move_member", "replace_member", "add_task", "edit_task", "assign", "unassign",
    "set_person", "tick", "set_status", "record_progress", "record_actual", "set_target", "set_duty",
    "rename_unit", "merge_units", "ensure_unit", "refresh_search", "member_open_tasks",
]

ROLE_NAMES = {LEAD: "牵头单位", CO: "配合单位"}


def undo(db: Database) -> str | None:
    """Undo the last change; returns what was undone, or None when there is nothing to undo."""
    return undo_last(db)


# ---------------------------------------------------------------- units


def find_unit(session: Session, name: str) -> Unit | None:
    """The unit called ``name`` or having it as an alias (names compared after cleaning)."""
    name = clean_unit(name)
    unit = session.exec(select(Unit).where(Unit.name == name)).first()
    if unit is None:
        alias = session.exec(select(UnitAlias).where(UnitAlias.alias == name)).first()
        if alias is not None:
            unit = session.get(Unit, alias.unit_id)
    return unit


def _check_unit_name_free(session: Session, name: str, *, except_unit: int | None = None) -> None:
    existing = find_unit(session, name)
    if existing is not None and existing.id != except_unit:
        if existing.name == name:
            raise OperationError(f"单位「{name}」已存在，单位名称不能重复。")
        raise OperationError(f"「{name}」已是单位「{existing.name}」的别名，不能再用作其他单位的名称。")


def ensure_unit(session: Session, name: str) -> Unit:
    """The unit of that name or alias, created if there is none (inside a running change)."""
    name = clean_unit(name)
    if not name:
        raise OperationError("单位名称不能为空。")
    unit = find_unit(session, name)
    if unit is None:
        unit = Unit(name=name)
        session.add(unit)
        session.flush()
    return unit


def create_unit(db: Database, name: str) -> int:
    name = clean_unit(name)
    with change(db, "create_unit") as tx:
        if not name:
            raise OperationError("单位名称不能为空。")
        _check_unit_name_free(tx.session, name)
        unit = Unit(name=name)
        tx.session.add(unit)
        tx.session.flush()
        tx.describe(f"新增单位：{name}")
        return unit.id


def add_alias(db: Database, unit_id: int, alias: str) -> None:
    alias = clean_unit(alias)
    with change(db, "add_alias") as tx:
        unit = tx.get(Unit, unit_id, "单位")
        if not alias:
            raise OperationError("别名不能为空。")
        _check_unit_name_free(tx.session, alias)
        tx.session.add(UnitAlias(unit_id=unit.id, alias=alias))
        tx.describe(f"单位「{unit.name}」增加别名：{alias}")


def rename_unit(db: Database, unit_id: int, new_name: str, *, keep_old_as_alias: bool = True) -> None:
    """Rename a unit; the old name stays an alias so older tables still match it."""
    new_name = clean_unit(new_name)
    with change(db, "rename_unit") as tx:
        s = tx.session
        unit = tx.get(Unit, unit_id, "单位")
        if not new_name:
            raise OperationError("单位名称不能为空。")
        if new_name == unit.name:
            raise OperationError(f"新名称与原名称「{unit.name}」相同。")
        own_alias = s.exec(select(UnitAlias).where(UnitAlias.alias == new_name, UnitAlias.unit_id == unit.id)).first()
        if own_alias is not None:
            s.delete(own_alias)
        else:
            _check_unit_name_free(s, new_name)
        old = unit.name
        unit.name = new_name
        s.add(unit)
        s.flush()
        if keep_old_as_alias:
            s.add(UnitAlias(unit_id=unit.id, alias=old))
        _refresh_tasks_of_units(s, [unit.id])
        tx.describe(f"单位改名：{old} → {new_name}")


def merge_units(db: Database, keep_id: int, merged_id: int) -> None:
    """Merge ``merged_id`` into ``keep_id``: every assignment, member, duty, progress entry, evidence
    file, returned form, claim and chase record moves over, the merged unit's name and aliases become
    aliases of the kept one, and it is removed. Both units having returned a form in the same round
    is refused (the office compares the two forms first)."""
    with change(db, "merge_units") as tx:
        s = tx.session
        keep = tx.get(Unit, keep_id, "单位")
        gone = tx.get(Unit, merged_id, "单位")
        if keep.id == gone.id:
            raise OperationError("不能把单位与它自己合并。")
        for a in s.exec(select(Assignment).where(Assignment.unit_id == gone.id)).all():
            twin = s.exec(select(Assignment).where(
                Assignment.task_id == a.task_id, Assignment.unit_id == keep.id, Assignment.role == a.role)).first()
            if twin is None:
                a.unit_id = keep.id
                s.add(a)
            else:
                if a.person and a.person not in (twin.person or "").split("、"):  # never lose a name: both stay
                    twin.person = f"{twin.person}、{a.person}" if twin.person else a.person
                    s.add(twin)
                s.delete(a)
        for m in s.exec(select(Member).where(Member.unit_id == gone.id)).all():
            m.unit_id = keep.id
            s.add(m)
        for p in s.exec(select(Progress).where(Progress.unit_id == gone.id)).all():
            p.unit_id = keep.id
            s.add(p)
        from models.tables import Evidence

        for e in s.exec(select(Evidence).where(Evidence.unit_id == gone.id)).all():  # evidence (v8)
            e.unit_id = keep.id
            s.add(e)
        from models.tables import Chase, Closing, Report

        for r in s.exec(select(Report).where(Report.unit_id == gone.id)).all():  # reporting rounds (v5)
            twin = s.exec(select(Report).where(Report.round_id == r.round_id, Report.unit_id == keep.id)).first()
            if twin is not None:  # two forms of one round: never drop what either unit reported
                from models.tables import Round

                name = s.get(Round, r.round_id).name
                raise OperationError(f"「{gone.name}」和「{keep.name}」在报送轮次「{name}」中都交回了填报表，"
                                     "不能直接合并；请先在“报送”中核对这两份填报表。")
            r.unit_id = keep.id
            s.add(r)
        for row in [*s.exec(select(Closing).where(Closing.unit_id == gone.id)).all(),  # claims (v7)
                    *s.exec(select(Chase).where(Chase.unit_id == gone.id)).all()]:  # chase letters (v7)
            row.unit_id = keep.id
            s.add(row)
        for g in s.exec(select(Group).where(Group.host_unit_id == gone.id)).all():
            g.host_unit_id = keep.id
            s.add(g)
        for d in s.exec(select(Duty).where(Duty.unit_id == gone.id)).all():
            twin = s.exec(select(Duty).where(Duty.group_id == d.group_id, Duty.unit_id == keep.id)).first()
            if twin is None:
                d.unit_id = keep.id
                s.add(d)
            else:
                if d.text.strip() and d.text.strip() not in twin.text:
                    twin.text = f"{twin.text}\n{d.text}"
                    s.add(twin)
                s.delete(d)
        for alias in s.exec(select(UnitAlias).where(UnitAlias.unit_id == gone.id)).all():
            alias.unit_id = keep.id
            s.add(alias)
        s.flush()
        gone_name = gone.name
        s.delete(gone)
        s.flush()
        s.add(UnitAlias(unit_id=keep.id, alias=gone_name))
        s.flush()
        _refresh_tasks_of_units(s, [keep.id])
        tx.describe(f"合并单位：{gone_name} 并入 {keep.name}")


# ---------------------------------------------------------------- groups and members


def create_group(db: Database, name: str, *, doc_number: str | None = None, host_unit: str | None = None) -> int:
    name = clean_sentence(name)
    with change(db, "create_group") as tx:
        s = tx.session
        if not name:
            raise OperationError("领导小组名称不能为空。")
        if s.exec(select(Group).where(Group.name == name)).first() is not None:
            raise OperationError(f"领导小组「{name}」已存在。")
        group = Group(name=name, doc_number=doc_number or None,
                      host_unit_id=ensure_unit(s, host_unit).id if host_unit else None)
        s.add(group)
        s.flush()
        tx.describe(f"新建领导小组：{name}", group_id=group.id)
        return group.id


def _renumber(s: Session, group_id: int, ordered: list[Member]) -> None:
    for position, member in enumerate(ordered, start=1):
        if member.position != position:
            member.position = position
            s.add(member)


def _members(s: Session, group_id: int) -> list[Member]:
    return list(s.exec(select(Member).where(Member.group_id == group_id).order_by(Member.position, Member.id)).all())


def add_member(db: Database, group_id: int, name: str, *, role: str = "成员", unit: str | None = None,
               title: str | None = None, phone: str | None = None, position: int | None = None,
               joined_on: date | None = None) -> int:
    """Add a person to the roster, at ``position`` (1-based) or at the end."""
    name = clean_name(name)
    with change(db, "add_member") as tx:
        s = tx.session
        group = tx.get(Group, group_id, "领导小组")
        if not name:
            raise OperationError("成员姓名不能为空。")
        members = _members(s, group_id)
        member = Member(group_id=group_id, name=name, role=role.replace(" ", "") or "成员",
                        unit_id=ensure_unit(s, unit).id if unit else None, title=title or None,
                        phone=phone or None, joined_on=joined_on, position=len(members) + 1)
        s.add(member)
        s.flush()
        at = len(members) if position is None else max(0, min(position - 1, len(members)))
        members.insert(at, member)
        _renumber(s, group_id, members)
        tx.describe(f"{group.name}：新增{member.role} {name}", group_id=group_id)
        return member.id


_MEMBER_FIELDS = {"name", "role", "unit", "title", "phone"}


def edit_member(db: Database, member_id: int, **fields: str | None) -> None:
    unknown = set(fields) - _MEMBER_FIELDS
    if unknown:
        raise TypeError(f"unknown member fields: {sorted(unknown)}")
    with change(db, "edit_member") as tx:
        s = tx.session
        member = tx.get(Member, member_id, "成员")
        old_name = member.name
        if "name" in fields:
            name = clean_name(fields["name"] or "")
            if not name:
                raise OperationError("成员姓名不能为空。")
            member.name = name
        if "role" in fields:
            member.role = (fields["role"] or "成员").replace(" ", "")
        if "unit" in fields:
            member.unit_id = ensure_unit(s, fields["unit"]).id if fields["unit"] else None
        if "title" in fields:
            member.title = fields["title"] or None
        if "phone" in fields:
            member.phone = fields["phone"] or None
        s.add(member)
        if member.name != old_name:
            for a in _open_assignments_of(s, member.group_id, old_name):
                a.person = member.name
                s.add(a)
            s.flush()
            _refresh_search_of(s, {a.task_id for a in _open_assignments_of(s, member.group_id, member.name)})
        tx.describe(f"修改成员：{old_name}" + (f" → {member.name}" if member.name != old_name else ""),
                    group_id=member.group_id)


def move_member(db: Database, member_id: int, position: int) -> None:
    """Move a member to ``position`` (1-based) in the official order."""
    with change(db, "move_member") as tx:
        s = tx.session
        member = tx.get(Member, member_id, "成员")
        members = [m for m in _members(s, member.group_id) if m.id != member.id]
        at = max(0, min(position - 1, len(members)))
        members.insert(at, member)
        _renumber(s, member.group_id, members)
        tx.describe(f"调整成员顺序：{member.name} 移到第 {at + 1} 位", group_id=member.group_id)


def _open_assignments_of(s: Session, group_id: int, person: str) -> list[Assignment]:
    return list(s.exec(
        select(Assignment).join(Task, Task.id == Assignment.task_id)
        .where(Task.group_id == group_id, Task.status != DONE, Assignment.person == person)
    ).all())


def replace_member(db: Database, member_id: int, successor: str, *, unit: str | None = None,
                   title: str | None = None, phone: str | None = None, on: date | None = None) -> int:
    """换人: the successor takes the member's place in the roster and the person's open tasks; the
    old member stays in history as inactive, and done tasks keep the old name."""
    successor = clean_name(successor)
    on = on or today()
    with change(db, "replace_member") as tx:
        s = tx.session
        old = tx.get(Member, member_id, "成员")
        if not old.active:
            raise OperationError(f"{old.name} 已被替换，不能再次替换。")
        if not successor:
            raise OperationError("接任者姓名不能为空。")
        if successor == old.name:
            raise OperationError("接任者与原成员同名。")
        new = Member(group_id=old.group_id, name=successor, role=old.role,
                     unit_id=ensure_unit(s, unit).id if unit else old.unit_id,
                     title=title if title is not None else old.title, phone=phone, joined_on=on,
                     position=old.position)
        s.add(new)
        s.flush()
        old.active = False
        old.successor_id = new.id
        old.left_on = on
        s.add(old)
        moved = _open_assignments_of(s, old.group_id, old.name)
        for a in moved:
            a.person = successor
            s.add(a)
        members = [m for m in _members(s, old.group_id) if m.id != new.id]
        members.insert(members.index(old) + 1, new)
        _renumber(s, old.group_id, members)
        s.flush()
        _refresh_search_of(s, {a.task_id for a in moved})
        tx.describe(f"换人：{old.name} → {successor}（移交未完成任务 {len(moved)} 项）", group_id=old.group_id)
        return new.id


def set_duty(db: Database, group_id: int, unit: str, text: str) -> None:
    """Set (or, with empty text, remove) a member unit's duties in a group."""
    text = text.strip()
    with change(db, "set_duty") as tx:
        s = tx.session
        group = tx.get(Group, group_id, "领导小组")
        u = ensure_unit(s, unit)
        duty = s.exec(select(Duty).where(Duty.group_id == group_id, Duty.unit_id == u.id)).first()
        if duty is None and text:
            s.add(Duty(group_id=group_id, unit_id=u.id, text=text))
        elif duty is not None and text:
            duty.text = text
            s.add(duty)
        elif duty is not None:
            s.delete(duty)
        tx.describe(f"{group.name}：{'修改' if text else '删除'}「{u.name}」的工作职责", group_id=group_id)


# ---------------------------------------------------------------- tasks


def refresh_search(s: Session, task: Task) -> None:
    """Recompute the task's search text from its content, units and persons."""
    rows = s.exec(
        select(Unit.name, Assignment.person).join(Unit, Unit.id == Assignment.unit_id)
        .where(Assignment.task_id == task.id).order_by(Assignment.role.desc(), Assignment.position)  # type: ignore[union-attr]
    ).all()
    names = [n for row in rows for n in row]
    names += json.loads(task.unpaired_persons) if task.unpaired_persons else []
    text = search_text(task.content, names)
    if task.search_text != text:
        task.search_text = text
        s.add(task)


def _refresh_search_of(s: Session, task_ids: set[int]) -> None:
    for task_id in task_ids:
        task = s.get(Task, task_id)
        if task is not None:
            refresh_search(s, task)


def _refresh_tasks_of_units(s: Session, unit_ids: list[int]) -> None:
    ids = set(s.exec(select(Assignment.task_id).where(Assignment.unit_id.in_(unit_ids))).all())  # type: ignore[attr-defined]
    _refresh_search_of(s, ids)


_TASK_FIELDS = {"content", "number", "category", "category_number", "deadline", "due", "notes", "position"}


def add_task(db: Database, group_id: int, content: str, **fields: object) -> int:
    """Add a task at the end of the group's table (or at ``position``)."""
    unknown = set(fields) - _TASK_FIELDS
    if unknown:
        raise TypeError(f"unknown task fields: {sorted(unknown)}")
    content = clean_sentence(content)
    with change(db, "add_task") as tx:
        s = tx.session
        tx.get(Group, group_id, "领导小组")
        if not content:
            raise OperationError("工作任务内容不能为空。")
        last = s.exec(select(func.max(Task.position)).where(Task.group_id == group_id)).one() or 0
        position = fields.pop("position", None)
        task = Task(group_id=group_id, content=content, position=last + 1 if position is None else int(position), **fields)  # type: ignore[arg-type]
        task.search_text = search_text(content)
        s.add(task)
        s.flush()
        tx.describe(f"新增任务：{short(content)}", group_id=group_id, task_id=task.id)
        return task.id


def edit_task(db: Database, task_id: int, *, expected: dict[str, object] | None = None, **fields: object) -> None:
    """Change a task's own fields (content, number, category, deadline, due, notes). A new
    ``deadline`` without ``due`` sets the due date read from it (``models.due_dates.due_for``, as the
    task form does). ``expected``: the values the user saw for them; when the task changed since,
    nothing is written."""
    unknown = set(fields) - _TASK_FIELDS
    if unknown:
        raise TypeError(f"unknown task fields: {sorted(unknown)}")
    with change(db, "edit_task") as tx:
        s = tx.session
        task = tx.get(Task, task_id, "任务")
        tx.expect(task, expected, "这项任务")
        if "content" in fields:
            fields["content"] = clean_sentence(fields["content"])
            if not fields["content"]:
                raise OperationError("工作任务内容不能为空。")
        if "deadline" in fields and "due" not in fields:  # the due date read from the new deadline text
            from models.due_dates import due_for

            fields["due"] = due_for(fields["deadline"])
        for key, value in fields.items():
            setattr(task, key, value)
        s.add(task)
        refresh_search(s, task)
        tx.describe(f"修改任务：{short(task.content)}", group_id=task.group_id, task_id=task.id)


def assign(db: Database, task_id: int, unit: str, *, role: str = LEAD, person: str | None = None) -> int:
    """Put a unit on a task as lead or co-operating unit, with an optional responsible person."""
    if role not in (LEAD, CO):
        raise OperationError(f"未知的单位角色「{role}」。")
    person = clean_name(person) if person else None
    with change(db, "assign") as tx:
        s = tx.session
        task = tx.get(Task, task_id, "任务")
        u = ensure_unit(s, unit)
        existing = s.exec(select(Assignment).where(
            Assignment.task_id == task.id, Assignment.unit_id == u.id, Assignment.role == role)).first()
        if existing is not None:
            raise OperationError(f"「{u.name}」已是这项任务的{ROLE_NAMES[role]}。")
        last = s.exec(select(func.max(Assignment.position)).where(
            Assignment.task_id == task.id, Assignment.role == role)).one()
        a = Assignment(task_id=task.id, unit_id=u.id, role=role, person=person,
                       position=0 if last is None else last + 1)
        s.add(a)
        s.flush()
        refresh_search(s, task)
        tx.describe(f"指定{ROLE_NAMES[role]}：{u.name}" + (f"（{person}）" if person else "") + f" — {short(task.content)}",
                    group_id=task.group_id, task_id=task.id)
        return a.id


def unassign(db: Database, assignment_id: int) -> None:
    with change(db, "unassign") as tx:
        s = tx.session
        a = tx.get(Assignment, assignment_id, "任务分工")
        task = s.get(Task, a.task_id)
        u = s.get(Unit, a.unit_id)
        s.delete(a)
        s.flush()
        refresh_search(s, task)
        tx.describe(f"取消{ROLE_NAMES[a.role]}：{u.name} — {short(task.content)}", group_id=task.group_id, task_id=task.id)


def set_person(db: Database, assignment_id: int, person: str | None) -> None:
    """Set or clear the responsible person of a unit on a task."""
    person = clean_name(person) if person else None
    with change(db, "set_person") as tx:
        s = tx.session
        a = tx.get(Assignment, assignment_id, "任务分工")
        task = s.get(Task, a.task_id)
        u = s.get(Unit, a.unit_id)
        a.person = person
        s.add(a)
        s.flush()
        refresh_search(s, task)
        tx.describe(f"{u.name} 的责任人：{person or '（空）'} — {short(task.content)}",
                    group_id=task.group_id, task_id=task.id)


def _set_status(tx: Change, task: Task, status: str, on: date | None = None) -> None:
    if status not in STATUSES:
        raise OperationError(f"未知的完成状态「{status}」，应为 未启动、推进中 或 已完成。")
    if on is not None and on > today():
        raise OperationError(f"完成日期 {on.isoformat()} 在今天之后，请填写实际完成的日期。")
    task.status = status
    task.done_on = (on or today()) if status == DONE else None
    tx.session.add(task)


def tick(db: Database, task_id: int, *, seen_done: bool | None = None, on: date | None = None) -> str:
    """Tick a task done (done date ``on``, default today) or, if it is done, back; returns the new status.
    Untick goes back to 推进中 when the task has progress entries, else to 未启动. ``seen_done``
    (whether the user saw it done) guards against undoing another window's tick or untick."""
    with change(db, "tick") as tx:
        s = tx.session
        task = tx.get(Task, task_id, "任务")
        if seen_done is not None and (task.status == DONE) != seen_done:
            now = f"已由另一个窗口或一次导入标为「{task.status}」"
            raise OperationError(f"这项任务{now}，与你看到的不同；这次没有改动，以免撤掉别人的修改。")
        if task.status == DONE:
            has_progress = s.exec(select(Progress.id).where(Progress.task_id == task.id).limit(1)).first()
            _set_status(tx, task, IN_PROGRESS if has_progress else NOT_STARTED)
            tx.describe(f"取消完成：{short(task.content)}", group_id=task.group_id, task_id=task.id)
        else:
            _set_status(tx, task, DONE, on)
            tx.describe(f"标记完成：{short(task.content)}" + (f"（{on.isoformat()}）" if on else ""),
                        group_id=task.group_id, task_id=task.id)
        return task.status


def set_status(db: Database, task_id: int, status: str, *, expected: dict[str, object] | None = None,
               on: date | None = None) -> None:
    with change(db, "set_status") as tx:
        task = tx.get(Task, task_id, "任务")
        tx.expect(task, expected, "这项任务")
        if task.status == status:
            raise OperationError(f"任务已是「{status}」。")
        old = task.status
        _set_status(tx, task, status, on)
        tx.describe(f"状态 {old} → {status}：{short(task.content)}", group_id=task.group_id, task_id=task.id)


def record_progress(db: Database, task_id: int, text: str, *, on: date | None = None, unit: str | None = None) -> int:
    """Add a progress entry; a task not yet started becomes 推进中."""
    text = text.strip()
    with change(db, "record_progress") as tx:
        s = tx.session
        task = tx.get(Task, task_id, "任务")
        if not text:
            raise OperationError("进展内容不能为空。")
        entry = Progress(task_id=task.id, on=on or today(), text=text,
                         unit_id=ensure_unit(s, unit).id if unit else None)
        s.add(entry)
        if task.status == NOT_STARTED:
            _set_status(tx, task, IN_PROGRESS)
        s.flush()
        tx.describe(f"记录进展：{short(task.content, 16)} — {short(text, 20)}", group_id=task.group_id, task_id=task.id)
        return entry.id


def _target(s: Session, task_id: int, year: int) -> Target | None:
    return s.exec(select(Target).where(Target.task_id == task_id, Target.year == year)).first()


def set_target(db: Database, task_id: int, year: int, target: str, *,
               expected: dict[str, object] | None = None) -> None:
    with change(db, "set_target") as tx:
        s = tx.session
        task = tx.get(Task, task_id, "任务")
        row = _target(s, task.id, year) or Target(task_id=task.id, year=year)
        tx.expect(row, expected, f"{year} 年的目标")
        row.target = target.strip()
        s.add(row)
        tx.describe(f"{year} 年目标：{short(target, 16)} — {short(task.content)}", group_id=task.group_id, task_id=task.id)


def record_actual(db: Database, task_id: int, year: int, actual: str | None, *,
                  expected: dict[str, object] | None = None) -> None:
    """Record the value a task actually reached in a year (against that year's target)."""
    actual = (actual or "").strip() or None
    with change(db, "record_actual") as tx:
        s = tx.session
        task = tx.get(Task, task_id, "任务")
        row = _target(s, task.id, year)
        if row is None:
            row = Target(task_id=task.id, year=year, target="")
        tx.expect(row, expected, f"{year} 年的完成值")
        row.actual = actual
        s.add(row)
        tx.describe(f"{year} 年完成值：{actual or '（空）'} — {short(task.content)}", group_id=task.group_id, task_id=task.id)


def member_open_tasks(db: Database, member_id: int) -> list[Task]:
    """The open tasks that would move to a successor if this member were replaced (for a preview)."""
    with db.session() as s:
        member = s.get(Member, member_id)
        if member is None:
            return []
        ids = {a.task_id for a in _open_assignments_of(s, member.group_id, member.name)}
        if not ids:
            return []
        return list(s.exec(select(Task).where(Task.id.in_(ids)).order_by(Task.position)).all())  # type: ignore[union-attr]


# The office's corrections (cancel, delete, redo, bulk changes …) live in models.editing.
from models import editing  # noqa: E402
from models.editing import *  # noqa: E402,F401,F403

__all__ += editing.__all__
