"""A task's due date (截止日期) from its deadline text (完成时限), the one rule for every way a
deadline is written: the task form, ``operations.edit_task`` and ``editing.bulk_set_deadline``."""

from __future__ import annotations

from datetime import date


def due_for(deadline: str | None, due: date | None = None) -> date | None:
    """``due`` when given; else the date read from ``deadline`` ("2023年12月底前" → 2023-12-31),
    None when there is none to read ("长期坚持", empty)."""
    from importers.deadline import parse_due

    if due is not None:
        return due
    return parse_due(deadline) if deadline else None
