"""The three-way merge of a re-import (no I/O): what the file said when it was last imported (the
base), what it says now, and what the ledger says now.

Every value is compared by key: a task's fields (its content, its deadline …), its units by
(role, unit) with the responsible person as value, its targets by year. ``ABSENT`` stands for a
key one side does not have (a unit not on the task). Per key:

- the file did not change it (file == base) → the ledger's value stays, whatever the office did;
- the file changed it and the ledger did not (ledger == base) → the file's value is taken;
- both changed it to the same value → nothing to do;
- both changed it, differently → a ``Conflict``: the ledger's value stays unless ``take_file``
  says to take the file's.

A unit the office added stays (not in base nor file); a unit the revised file drops goes only if
the office had not touched it (else it is a conflict); a unit the file adds is added.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any


class _Absent:
    """A key one side does not have."""

    _instance: _Absent | None = None

    def __new__(cls) -> _Absent:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "ABSENT"

    def __bool__(self) -> bool:
        return False


ABSENT: Any = _Absent()


@dataclass(frozen=True)
class Conflict:
    """A key both the file and the ledger changed since the last import, differently."""

    part: str  # which mapping: "fields", "units", "targets" (or what the caller names)
    key: Hashable  # the field's name, (role, unit id), a year
    base: Any
    ledger: Any  # ABSENT: not in the ledger (the office removed it)
    file: Any  # ABSENT: not in the file (the revised file dropped it)


@dataclass
class Merged:
    """What to write into the ledger: ``changes`` key → new value (ABSENT: remove it), and the
    conflicts found (their keys are in ``changes`` only where the file's value was taken)."""

    changes: dict[Hashable, Any]
    conflicts: list[Conflict]


def merge(base: Mapping[Hashable, Any] | None, file: Mapping[Hashable, Any], ledger: Mapping[Hashable, Any], *,
          part: str = "fields", take_file: Callable[[Conflict], bool] | None = None) -> Merged:
    """Merge one mapping three ways. ``base`` None (never imported: a database from before sources
    were kept, a task typed in by hand) counts as the ledger's values: the file's changes are taken."""
    if base is None:
        base = ledger
    changes: dict[Hashable, Any] = {}
    conflicts: list[Conflict] = []
    for key in _keys(base, file, ledger):
        b, f, led = base.get(key, ABSENT), file.get(key, ABSENT), ledger.get(key, ABSENT)
        if f == b or f == led:  # the file did not change it, or both made the same change
            continue
        if led == b:  # only the file changed it
            changes[key] = f
            continue
        conflict = Conflict(part, key, b, led, f)
        conflicts.append(conflict)
        if take_file is not None and take_file(conflict):
            changes[key] = f
    return Merged(changes, conflicts)


def _keys(*mappings: Mapping[Hashable, Any]) -> list[Hashable]:
    """Every key once, in the order first met (the file's order after the base's)."""
    return list(dict.fromkeys(k for m in mappings for k in m))


def apply(ledger: Mapping[Hashable, Any], merged: Merged) -> dict[Hashable, Any]:
    """The ledger's mapping after the merge."""
    out = dict(ledger)
    for key, value in merged.changes.items():
        if value is ABSENT:
            out.pop(key, None)
        else:
            out[key] = value
    return out
