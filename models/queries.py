"""Read-only questions the screens and exporters ask of the ledger."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import Session, select

from models.tables import DONE, Group, Task


def groups(s: Session) -> list[Group]:
    return list(s.exec(select(Group).order_by(Group.id)).all())


def group_by_name(s: Session, name: str) -> Group | None:
    return s.exec(select(Group).where(Group.name == name.strip())).first()


def is_overdue(task: Task, today: date) -> bool:
    return task.status != DONE and task.due is not None and task.due < today


def is_due_soon(task: Task, today: date, within_days: int = 7) -> bool:
    return task.status != DONE and task.due is not None and today <= task.due <= today + timedelta(days=within_days)


def status_counts(s: Session, group_id: int, today: date) -> dict[str, int]:
    """Counts for 总览: total, per status, and overdue (open tasks past their due date)."""
    from sqlalchemy import func

    rows = s.exec(select(Task.status, func.count()).where(Task.group_id == group_id).group_by(Task.status)).all()
    counts = {"未启动": 0, "推进中": 0, "已完成": 0}
    counts.update({status: n for status, n in rows})
    overdue = s.exec(select(func.count()).where(
        Task.group_id == group_id, Task.status != DONE, Task.due.is_not(None), Task.due < today)).one()  # type: ignore[union-attr]
    return {"总数": sum(counts.values()), **counts, "逾期": overdue}
