"""Whether a task was done on time: one judgement, used by every screen and count (pure, no I/O)."""

from __future__ import annotations

from datetime import date


def done_on_time(due: date | None, done_on: date | None) -> bool | None:
    """True when done by its due date, False when done after it, None when it is not done or has no
    due date (长期坚持) — the completion date as recorded, which may be days before it was ticked."""
    if due is None or done_on is None:
        return None
    return done_on <= due
