"""The office's corrections: cancel or delete a task, delete a member, edit or delete a group, edit
or delete a progress entry, the completion date, redo, and the same change on several tasks at once.

Each function is one operation like those of ``models.operations`` (which re-exports them): one
transaction, one history entry, undoable (and redoable) through ``models.changes``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, select

from importers.normalize import clean_name, clean_sentence, clean_unit
from models.changes import OperationError, change, redo_last
from models.clock import today
from models.db import Database
from models.tables import (
    CO,
    DONE,
    IN_PROGRESS,
    LEAD,
    NOT_STARTED,
    Assignment,
    Closing,
    Duty,
    Evidence,
    Extension,
    Group,
    ImportSource,
    ImportTombstone,
    Member,
    Progress,
    ReportEntry,
    Round,
    RoundTask,
    Target,
    Task,
)

__all__ = [
    "redo", "cancel_task", "restore_task", "delete_task", "delete_member", "edit_group", "delete_group",
    "edit_progress", "delete_progress", "set_done_on", "bulk_tick", "bulk_assign", "bulk_set_deadline",
    "bulk_cancel",
]

ROLE_NAMES = {LEAD: "牵头单位", CO: "配合单位"}
MAX_BULK = 10_000


def _short(text: str, width: int = 24) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def redo(db: Database) -> str | None:
    """Redo what the last undo took back; returns its summary, or None when there is nothing to
    redo (nothing undone, or something else changed since the undo)."""
    return redo_last(db)


# ---------------------------------------------------------------- tasks


def _done_date(on: date | None) -> date:
    on = on or today()
    if on > today():
        raise OperationError(f"完成日期 {on.isoformat()} 在今天之后，请填写实际完成的日期。")
    return on


def set_done_on(db: Database, task_id: int, on: date) -> None:
    """Correct the completion date of a done task (办结 is often recorded days later)."""
    with change(db, "set_done_on") as tx:
        task = tx.get(Task, task_id, "任务")
        if task.status != DONE:
            raise OperationError("这项任务还没有完成，不能填写完成日期；请先标为已完成。")
        on = _done_date(on)
        if task.done_on == on:
            raise OperationError(f"完成日期已是 {on.isoformat()}。")
        task.done_on = on
        tx.session.add(task)
        tx.describe(f"完成日期 {on.isoformat()}：{_short(task.content)}", group_id=task.group_id, task_id=task.id)


def cancel_task(db: Database, task_id: int, *, on: date | None = None) -> None:
    """撤销/取消 a task: it stays in the ledger and its history, marked 已取消, and leaves the lists
    and counts (shown again with the status filter 已取消)."""
    with change(db, "cancel_task") as tx:
        task = tx.get(Task, task_id, "任务")
        if task.cancelled_on is not None:
            raise OperationError(f"这项任务已于 {task.cancelled_on.isoformat()} 取消。")
        task.cancelled_on = on or today()
        tx.session.add(task)
        tx.describe(f"取消任务：{_short(task.content)}", group_id=task.group_id, task_id=task.id)


def restore_task(db: Database, task_id: int) -> None:
    """Take a cancelled task back into the lists and counts."""
    with change(db, "restore_task") as tx:
        task = tx.get(Task, task_id, "任务")
        if task.cancelled_on is None:
            raise OperationError("这项任务没有被取消。")
        task.cancelled_on = None
        tx.session.add(task)
        tx.describe(f"恢复任务：{_short(task.content)}", group_id=task.group_id, task_id=task.id)


def delete_task(db: Database, task_id: int) -> None:
    """Delete a task created by mistake, with its units, targets and progress (undo brings it all
    back). A task that was really set and then dropped is cancelled instead (``cancel_task``).
    A task that came from a file leaves a tombstone (``ImportTombstone``: where the file had it and
    what it said), so that re-importing the file does not bring it back."""
    with change(db, "delete_task") as tx:
        s = tx.session
        task = tx.get(Task, task_id, "任务")
        kept = _records_of(s, task.id)
        if kept:
            raise OperationError(f"任务「{_short(task.content)}」已有{'、'.join(kept)}，删除会把这些记录一并丢掉，"
                                 "未删除。不再推进的任务请取消它（任务页按 c，任务列表按 Del；取消后仍可恢复）。")
        for model in (Evidence, Assignment, Target, Progress):
            for row in s.exec(select(model).where(model.task_id == task.id)).all():  # type: ignore[attr-defined]
                s.delete(row)
        s.flush()
        source = s.exec(select(ImportSource).where(ImportSource.task_id == task.id)).first()
        if source is not None:  # deleted here, not by the foreign key's cascade: undo puts it back
            s.delete(source)
            s.flush()
            s.add(ImportTombstone(group_id=task.group_id, task_id=task.id, file=source.file, sheet=source.sheet,
                                  row_key=source.row_key, base=source.base, deleted_on=today()))
            s.flush()
        s.delete(task)
        s.flush()
        tx.describe(f"删除任务：{_short(task.content)}", group_id=task.group_id, task_id=task.id)


def _records_of(s: Session, task_id: int) -> list[str]:
    """What the office has recorded of a task beyond its own rows (a reporting round's forms, an
    extension, a closing step): kept with the task, so a task that has them is cancelled, not deleted."""
    found = []
    rounds = s.exec(select(Round.name).join(RoundTask, RoundTask.round_id == Round.id)  # type: ignore[arg-type]
                    .where(RoundTask.task_id == task_id).order_by(Round.id)).all()
    if rounds:
        found.append("报送轮次（" + "、".join(rounds[:3]) + (" 等" if len(rounds) > 3 else "") + "）")
    elif s.exec(select(ReportEntry.id).where(ReportEntry.task_id == task_id)).first() is not None:
        found.append("单位报送的填报记录")
    if s.exec(select(Extension.id).where(Extension.task_id == task_id)).first() is not None:
        found.append("延期记录")
    if s.exec(select(Closing.id).where(Closing.task_id == task_id)).first() is not None:
        found.append("办结审核（申请销号、销号或退回）记录")
    return found


def _tasks(s: Session, task_ids: Iterable[int]) -> list[Task]:
    ids = list(dict.fromkeys(task_ids))
    if not ids:
        raise OperationError("没有选中任务。")
    if len(ids) > MAX_BULK:
        raise OperationError(f"一次最多修改 {MAX_BULK} 项任务。")
    found = list(s.exec(select(Task).where(Task.id.in_(ids)).order_by(Task.position, Task.id)).all())  # type: ignore[union-attr]
    if len(found) != len(ids):
        raise OperationError(f"选中的任务中有 {len(ids) - len(found)} 项已不存在（可能已被删除），这次没有修改。")
    return found


def _group_of(tasks: list[Task]) -> int | None:
    groups = {t.group_id for t in tasks}
    return groups.pop() if len(groups) == 1 else None


def bulk_tick(db: Database, task_ids: Iterable[int], *, on: date | None = None) -> int:
    """Mark the tasks done on ``on`` (default today); those already done keep their date. Returns
    how many changed."""
    with change(db, "bulk_tick") as tx:
        tasks = _tasks(tx.session, task_ids)
        on = _done_date(on)
        changed = 0
        for task in tasks:
            if task.status != DONE:
                task.status, task.done_on = DONE, on
                tx.session.add(task)
                changed += 1
        if not changed:
            raise OperationError("选中的任务都已完成。")
        tx.describe(f"标记完成 {changed} 项任务（{on.isoformat()}）", group_id=_group_of(tasks))
        return changed


def bulk_cancel(db: Database, task_ids: Iterable[int], *, on: date | None = None) -> int:
    with change(db, "bulk_cancel") as tx:
        tasks = [t for t in _tasks(tx.session, task_ids) if t.cancelled_on is None]
        if not tasks:
            raise OperationError("选中的任务都已取消。")
        for task in tasks:
            task.cancelled_on = on or today()
            tx.session.add(task)
        tx.describe(f"取消 {len(tasks)} 项任务", group_id=_group_of(tasks))
        return len(tasks)


def bulk_set_deadline(db: Database, task_ids: Iterable[int], deadline: str, *, due: date | None = None) -> int:
    """Give the tasks one deadline (the text as written; the due date read from it unless given)."""
    from models.due_dates import due_for

    deadline = clean_sentence(deadline)
    due = due_for(deadline, due)
    with change(db, "bulk_set_deadline") as tx:
        tasks = _tasks(tx.session, task_ids)
        changed = 0
        for task in tasks:
            if (task.deadline or "", task.due) != (deadline, due):
                task.deadline, task.due = deadline or None, due
                tx.session.add(task)
                changed += 1
        if not changed:
            raise OperationError("选中的任务已是这个完成时限。")
        tx.describe(f"{changed} 项任务的完成时限：{deadline or '（空）'}", group_id=_group_of(tasks))
        return changed


def bulk_assign(db: Database, task_ids: Iterable[int], unit: str, *, role: str = LEAD,
                person: str | None = None) -> int:
    """Put one unit (with its person) on every task as lead or co-operating unit; a task that has
    it already in that role gets the person when it had none. Returns how many changed."""
    from models.operations import ensure_unit, refresh_search

    if role not in (LEAD, CO):
        raise OperationError(f"未知的单位角色「{role}」。")
    person = clean_name(person) if person else None
    with change(db, "bulk_assign") as tx:
        s = tx.session
        tasks = _tasks(s, task_ids)
        u = ensure_unit(s, unit)
        changed = 0
        for task in tasks:
            existing = s.exec(select(Assignment).where(
                Assignment.task_id == task.id, Assignment.unit_id == u.id, Assignment.role == role)).first()
            if existing is not None:
                if person and existing.person != person:
                    existing.person = person
                    s.add(existing)
                    changed += 1
                continue
            last = s.exec(select(func.max(Assignment.position)).where(
                Assignment.task_id == task.id, Assignment.role == role)).one()
            s.add(Assignment(task_id=task.id, unit_id=u.id, role=role, person=person,
                             position=0 if last is None else last + 1))
            changed += 1
        if not changed:
            raise OperationError(f"「{u.name}」已是选中任务的{ROLE_NAMES[role]}。")
        s.flush()
        for task in tasks:
            refresh_search(s, task)
        tx.describe(f"{changed} 项任务指定{ROLE_NAMES[role]}：{u.name}" + (f"（{person}）" if person else ""),
                    group_id=_group_of(tasks))
        return changed


# ---------------------------------------------------------------- progress


def edit_progress(db: Database, progress_id: int, *, text: str | None = None, on: date | None = None,
                  unit: str | None = None) -> None:
    """Correct a progress entry's text, date or unit (``unit=""`` clears it)."""
    from models.operations import ensure_unit

    with change(db, "edit_progress") as tx:
        s = tx.session
        entry = tx.get(Progress, progress_id, "进展记录")
        task = s.get(Task, entry.task_id)
        if text is not None:
            text = text.strip()
            if not text:
                raise OperationError("进展内容不能为空；要删掉这条进展请用“删除”。")
            entry.text = text
        if on is not None:
            if on > today():
                raise OperationError(f"进展日期 {on.isoformat()} 在今天之后。")
            entry.on = on
        if unit is not None:
            entry.unit_id = ensure_unit(s, unit).id if unit.strip() else None
        s.add(entry)
        tx.describe(f"修改进展：{_short(task.content, 16)} — {_short(entry.text, 20)}",
                    group_id=task.group_id, task_id=task.id)


def delete_progress(db: Database, progress_id: int) -> None:
    """Delete a progress entry; a task in progress with no entry left goes back to 未启动."""
    with change(db, "delete_progress") as tx:
        s = tx.session
        entry = tx.get(Progress, progress_id, "进展记录")
        task = s.get(Task, entry.task_id)
        s.delete(entry)
        s.flush()
        left = s.exec(select(Progress.id).where(Progress.task_id == task.id).limit(1)).first()
        if left is None and task.status == IN_PROGRESS:
            task.status = NOT_STARTED
            s.add(task)
        tx.describe(f"删除进展：{_short(task.content, 16)} — {_short(entry.text, 20)}",
                    group_id=task.group_id, task_id=task.id)


# ---------------------------------------------------------------- members and groups


def delete_member(db: Database, member_id: int) -> None:
    """Remove a person from the roster (one added by mistake). The persons named on tasks stay as
    they are; a predecessor that named this member as successor keeps its record without it. A
    member that came from a roster file leaves a tombstone, like a deleted task (``delete_task``)."""
    with change(db, "delete_member") as tx:
        s = tx.session
        member = tx.get(Member, member_id, "成员")
        group = s.get(Group, member.group_id)
        for before in s.exec(select(Member).where(Member.successor_id == member.id)).all():
            before.successor_id = None
            s.add(before)
        s.flush()
        source = s.exec(select(ImportSource).where(ImportSource.member_id == member.id)).first()
        if source is not None:  # from a roster file: re-importing it does not bring the member back
            s.delete(source)
            s.flush()
            s.add(ImportTombstone(group_id=member.group_id, member_id=member.id, name=member.name, role=member.role,
                                  file=source.file, sheet=source.sheet, row_key=source.row_key, base=source.base,
                                  deleted_on=today()))
            s.flush()
        s.delete(member)
        s.flush()
        rest = s.exec(select(Member).where(Member.group_id == member.group_id)
                      .order_by(Member.position, Member.id)).all()
        for position, m in enumerate(rest, start=1):
            if m.position != position:
                m.position = position
                s.add(m)
        tx.describe(f"{group.name}：删除{member.role} {member.name}", group_id=member.group_id)


def edit_group(db: Database, group_id: int, **fields: str | None) -> None:
    """Change a group's name, 文号 (doc_number) or host unit (host_unit: a unit name, "" for none)."""
    from models.operations import ensure_unit

    unknown = set(fields) - {"name", "doc_number", "host_unit"}
    if unknown:
        raise TypeError(f"unknown group fields: {sorted(unknown)}")
    with change(db, "edit_group") as tx:
        s = tx.session
        group = tx.get(Group, group_id, "领导小组")
        old = group.name
        if "name" in fields:
            name = clean_sentence(fields["name"] or "")
            if not name:
                raise OperationError("领导小组名称不能为空。")
            other = s.exec(select(Group).where(Group.name == name, Group.id != group.id)).first()
            if other is not None:
                raise OperationError(f"领导小组「{name}」已存在。")
            group.name = name
        if "doc_number" in fields:
            group.doc_number = clean_sentence(fields["doc_number"] or "") or None
        if "host_unit" in fields:
            host = clean_unit(fields["host_unit"] or "")
            group.host_unit_id = ensure_unit(s, host).id if host else None
        s.add(group)
        tx.describe(f"修改领导小组：{old}" + (f" → {group.name}" if group.name != old else ""), group_id=group.id)


def delete_group(db: Database, group_id: int) -> None:
    """Delete a group with nothing in it (no task, member or duty) — one made by mistake."""
    with change(db, "delete_group") as tx:
        s = tx.session
        group = tx.get(Group, group_id, "领导小组")
        counts = [(what, s.exec(select(func.count()).select_from(model).where(model.group_id == group.id)).one())
                  for what, model in (("任务", Task), ("成员", Member), ("工作职责", Duty))]
        held = "、".join(f"{what} {n} 项" for what, n in counts if n)
        if held:
            raise OperationError(f"领导小组「{group.name}」中还有{held}，只能删除空的领导小组。")
        for tombstone in s.exec(select(ImportTombstone).where(ImportTombstone.group_id == group.id)).all():
            s.delete(tombstone)  # the record of its deleted tasks goes with it
        s.flush()
        s.delete(group)
        s.flush()
        tx.describe(f"删除领导小组：{group.name}", group_id=group.id)
