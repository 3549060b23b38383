"""Operations of judging (PRODUCT §9): extensions (延期), closing on review (待销号 → 销号 / 退回),
the group's review switch, its bulletin text (下步工作要求), its assessment weights, and the record
that a unit was chased (催办). Each is one transaction with one history entry, undoable, like
those in ``models.operations``.
"""

from __future__ import annotations

import json
import math
from datetime import date

from sqlmodel import select

from models.changes import OperationError, change
from models.clock import today
from models.db import Database
from models.judging import base_due, CLAIMED, CONFIRMED, DEFAULT_NEXT_STEPS, DEFAULT_WEIGHTS, RETURNED, WEIGHT_LABELS
from models.operations import short
from models.tables import DONE, IN_PROGRESS, Chase, Closing, Extension, Group, Target, Task, Unit

__all__ = ["grant_extension", "claim_done", "confirm_closing", "return_closing", "set_review", "set_next_steps",
           "set_weights", "set_judging", "record_chase", "DEFAULT_NEXT_STEPS"]


def _base_due(s, task: Task) -> date | None:
    """The due date before extensions (the parsed one, else the last target year's end)."""
    return base_due(task.due, s.exec(select(Target).where(Target.task_id == task.id)).all())


def _latest_due(s, task: Task) -> date | None:
    last = s.exec(select(Extension).where(Extension.task_id == task.id).order_by(Extension.id.desc())).first()  # type: ignore[union-attr]
    return last.new_due if last else _base_due(s, task)


def grant_extension(db: Database, task_id: int, new_due: date, reason: str, approved_on: date | None = None) -> int:
    """Record an extension: overdue is judged against ``new_due`` from now on; the due date before
    it is kept on the extension row (the task's own due date is not changed)."""
    reason = " ".join((reason or "").split())
    with change(db, "grant_extension") as tx:
        s = tx.session
        task = tx.get(Task, task_id, "任务")
        if not reason:
            raise OperationError("请写明延期理由。")
        before = _latest_due(s, task)
        if before is not None and new_due <= before:
            raise OperationError(f"延期后的完成时限（{new_due:%Y-%m-%d}）应晚于现在的 {before:%Y-%m-%d}。")
        ext = Extension(task_id=task.id, original_due=_base_due(s, task), new_due=new_due, reason=reason,
                        approved_on=approved_on, granted_on=today())
        s.add(ext)
        s.flush()
        tx.describe(f"任务「{short(task.content)}」延期至 {new_due:%Y-%m-%d}（{short(reason, 20)}）",
                    group_id=task.group_id, task_id=task.id)
        return ext.id


def claim_done(db: Database, task_id: int, done_on: date | None = None, unit_id: int | None = None) -> None:
    """A unit's 已完成 entered by the office for it: the task is 已完成 with that date and, in a group
    that reviews, waits for 销号 (待销号)."""
    with change(db, "claim_done") as tx:
        s = tx.session
        task = tx.get(Task, task_id, "任务")
        group = tx.get(Group, task.group_id, "领导小组")
        done_on = done_on or today()
        unit = tx.get(Unit, unit_id, "单位") if unit_id is not None else None
        task.status, task.done_on = DONE, done_on
        s.add(task)
        s.add(Closing(task_id=task.id, state=CLAIMED if group.review_closing else CONFIRMED, on=today(),
                      done_on=done_on, unit_id=unit.id if unit else None))
        who = f"{unit.name}" if unit else "单位"
        tx.describe(f"{who}报任务「{short(task.content)}」已完成（{done_on:%Y-%m-%d}）"
                    + ("，待销号" if group.review_closing else ""), group_id=task.group_id, task_id=task.id)


def _claimed(tx, task_id: int) -> Task:
    task = tx.get(Task, task_id, "任务")
    if task.status != DONE:
        raise OperationError(f"任务「{short(task.content)}」没有报已完成，无需销号或退回。")
    newest = tx.session.exec(select(Closing).where(Closing.task_id == task.id)
                             .order_by(Closing.id.desc())).first()  # type: ignore[union-attr]
    if newest is not None and newest.state == CONFIRMED:
        raise OperationError(f"任务「{short(task.content)}」已于 {newest.on:%Y-%m-%d} 销号。")
    return task


def confirm_closing(db: Database, task_id: int, done_on: date | None = None) -> None:
    """销号: the office confirms the claim; ``done_on`` corrects the completion date (default: the
    claimed one). On time or late is judged from this date."""
    with change(db, "confirm_closing") as tx:
        task = _claimed(tx, task_id)
        if done_on is not None:
            task.done_on = done_on
            tx.session.add(task)
        tx.session.add(Closing(task_id=task.id, state=CONFIRMED, on=today(), done_on=task.done_on))
        tx.describe(f"任务「{short(task.content)}」销号（完成于 {task.done_on:%Y-%m-%d}）" if task.done_on
                    else f"任务「{short(task.content)}」销号", group_id=task.group_id, task_id=task.id)


def return_closing(db: Database, task_id: int, reason: str) -> None:
    """退回: the claim is sent back with ``reason``; the task is 推进中 again and the reason goes into
    the unit's next form."""
    reason = " ".join((reason or "").split())
    with change(db, "return_closing") as tx:
        task = _claimed(tx, task_id)
        if not reason:
            raise OperationError("请写明退回理由，它会写进该单位下一期的填报表。")
        claimed_on = task.done_on
        task.status, task.done_on = IN_PROGRESS, None
        tx.session.add(task)
        tx.session.add(Closing(task_id=task.id, state=RETURNED, on=today(), done_on=claimed_on, reason=reason))
        tx.describe(f"任务「{short(task.content)}」退回（{short(reason, 20)}）", group_id=task.group_id, task_id=task.id)


def set_review(db: Database, group_id: int, review: bool) -> None:
    with change(db, "set_review") as tx:
        group = tx.get(Group, group_id, "领导小组")
        group.review_closing = review
        tx.session.add(group)
        tx.describe(f"{group.name}：单位报已完成" + ("须经办公室销号" if review else "不再审核，直接办结"), group_id=group_id)


def set_next_steps(db: Database, group_id: int, text: str) -> None:
    """The bulletin's 下步工作要求 for the group (empty: back to the default)."""
    text = (text or "").strip()
    with change(db, "set_next_steps") as tx:
        group = tx.get(Group, group_id, "领导小组")
        group.next_steps = text or None
        tx.session.add(group)
        tx.describe(f"{group.name}：修改通报的下步工作要求", group_id=group_id)


def set_weights(db: Database, group_id: int, weights: dict[str, float]) -> None:
    """The group's 考评 weights (keys of ``DEFAULT_WEIGHTS``); the score formula is in the README."""
    unknown = [k for k in weights if k not in DEFAULT_WEIGHTS]
    if unknown:
        raise OperationError(f"不认识的考评权重「{unknown[0]}」：可设 {'、'.join(WEIGHT_LABELS.values())}。")
    if any(v < 0 for v in weights.values()):
        raise OperationError("考评权重不能为负数。")
    with change(db, "set_weights") as tx:
        group = tx.get(Group, group_id, "领导小组")
        group.assessment_weights = json.dumps({**DEFAULT_WEIGHTS, **weights}, ensure_ascii=False)
        tx.session.add(group)
        tx.describe(f"{group.name}：修改考评权重", group_id=group_id)


def set_judging(db: Database, group_id: int, review: bool | None, weights: dict[str, float]) -> bool:
    """The group's 办结审核 switch and 考评 weights together, as the TUI's settings dialog and
    ``taizhang settings`` save them: one change, one history entry (nothing written when nothing
    differs; returns whether anything changed). ``review`` None keeps the switch as it is when the
    change runs (not as it was read before: another user may have changed it meanwhile)."""
    unknown = [k for k in weights if k not in DEFAULT_WEIGHTS]
    if unknown:
        raise OperationError(f"不认识的考评权重「{unknown[0]}」：可设 {'、'.join(WEIGHT_LABELS.values())}。")
    bad = [WEIGHT_LABELS[k] for k, v in weights.items()
           if not isinstance(v, (int, float)) or not math.isfinite(v) or v < 0]
    if bad:
        raise OperationError(f"考评权重「{bad[0]}」应为不小于 0 的数。")
    with change(db, "set_judging") as tx:
        group = tx.get(Group, group_id, "领导小组")
        old = {**DEFAULT_WEIGHTS, **(json.loads(group.assessment_weights) if group.assessment_weights else {})}
        new = {**old, **{k: float(v) for k, v in weights.items()}}
        said = []
        if review is not None and bool(group.review_closing) != review:
            group.review_closing = review
            said.append("办结审核" + ("开启（单位报已完成须经办公室销号）" if review else "关闭（单位报已完成即办结）"))
        if new != old:
            group.assessment_weights = json.dumps(new, ensure_ascii=False)
            said.append("考评权重 " + "，".join(f"{WEIGHT_LABELS[k]} {new[k]:g}" for k in DEFAULT_WEIGHTS))
        if not said:
            return False
        tx.session.add(group)
        tx.describe(f"{group.name}：" + "；".join(said), group_id=group_id)
        return True


def record_chase(db: Database, group_id: int, chased: list[tuple[int, list[int], str | None]], on: date,
                 reply_by: date | None) -> int:
    """Record that units were chased on ``on``: (unit id, task ids, letter file) each; one change."""
    with change(db, "record_chase") as tx:
        group = tx.get(Group, group_id, "领导小组")
        for unit_id, task_ids, file in chased:
            tx.get(Unit, unit_id, "单位")
            tx.session.add(Chase(group_id=group_id, unit_id=unit_id, on=on, task_ids=json.dumps(task_ids),
                                 reply_by=reply_by, file=file))
        tx.describe(f"{group.name}：向 {len(chased)} 个单位发出督办通知", group_id=group_id)
        return len(chased)
