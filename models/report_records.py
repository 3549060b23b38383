"""What a returned form holds, as plain records: the forms reader (``importers.forms``) makes them
and ``models.rounds.record_reports`` writes them. Kept apart so the reader loads no ORM."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

LEAD = "lead"


@dataclass(frozen=True)
class EntryIn:
    """One task as a unit filled it in."""

    task_id: int
    role: str = LEAD
    status: str | None = None
    text: str | None = None
    done_on: date | None = None
    problems: str | None = None
    evidence: str | None = None

    def key(self) -> tuple:
        return (self.task_id, self.role, self.status, self.text, self.done_on, self.problems, self.evidence)


@dataclass
class ReportIn:
    """A unit's returned form for a round, as read (``importers.forms``)."""

    round_id: int
    unit_id: int
    source: str
    received_on: date | None = None  # the form's 报送 date; today when it has none
    entries: list[EntryIn] = field(default_factory=list)
    extras: list[str] = field(default_factory=list)
