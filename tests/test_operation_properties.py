"""Invariants over any sequence of operations (hypothesis draws the sequences):

* undo, step by step, brings back the exact rows of every ledger table as they were before each
  step, down to the ledger the sequence started from;
* merging or renaming units never loses a duty (its text), an alias, a progress entry or an
  assignment (a unit on a task in a role).

``apply`` returns the dump before each applied step, so a test walking forward again (redo) can
compare with the same snapshots.
"""

from __future__ import annotations

import pytest

import tempfile
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from models import operations as ops
from models.changes import OperationError
from models.db import Database
from models.tables import TRACKED_TABLES

# every test here that makes a ledger runs on a file and on a server (tests/conftest.py)
pytestmark = pytest.mark.both_engines

UNITS = ["县人社局", "县财政局", "县民政局", "县卫健局", "县老龄办"]
PERSONS = ["黄敬铿", "陈淑玲", "朱志军", "刘  琛", None]


def dump(db) -> dict[str, list[tuple]]:
    with db.engine.connect() as conn:
        return {name: conn.execute(text(f'SELECT * FROM "{name}" ORDER BY id')).all() for name in TRACKED_TABLES}


def ids(db, table: str) -> list[int]:
    with db.engine.connect() as conn:
        return [r[0] for r in conn.execute(text(f'SELECT id FROM "{table}" ORDER BY id'))]


@contextmanager
def fresh_ledger(server=None):
    """A new ledger file (or, given the test server, a new server ledger) with one group, three
    tasks and two members (a starting point)."""
    with tempfile.TemporaryDirectory() as folder:
        db = Database(server.new_ledger() if server is not None else Path(folder) / "p.db")
        try:
            g = ops.create_group(db, "测试领导小组", host_unit="县民政局")
            ops.add_member(db, g, "黄敬铿", unit="县人社局", title="局长")
            ops.add_member(db, g, "陈淑玲", unit="县财政局")
            for content in ("任务甲", "任务乙", "任务丙"):
                ops.add_task(db, g, content)
            yield db
        finally:
            db.close()


def _pick(db, table: str, n: int) -> int:
    rows = ids(db, table)
    return rows[n % len(rows)] if rows else 10_000


# one step: (operation name, two small numbers choosing rows and values)
STEPS = {
    "create_unit": lambda db, a, b: ops.create_unit(db, UNITS[a % 5] + "分局" * (b % 2)),
    "add_alias": lambda db, a, b: ops.add_alias(db, _pick(db, "unit", a), f"别名{b}"),
    "add_member": lambda db, a, b: ops.add_member(db, 1, PERSONS[a % 4], unit=UNITS[b % 5], position=b % 4 or None),
    "edit_member": lambda db, a, b: ops.edit_member(db, _pick(db, "member", a), name=PERSONS[b % 4], unit=UNITS[b % 5]),
    "move_member": lambda db, a, b: ops.move_member(db, _pick(db, "member", a), b % 4),
    "replace_member": lambda db, a, b: ops.replace_member(db, _pick(db, "member", a), f"接任{b}", unit=UNITS[b % 5]),
    "add_task": lambda db, a, b: ops.add_task(db, 1, f"新任务{a}", **({"position": b} if b else {})),
    "edit_task": lambda db, a, b: ops.edit_task(db, _pick(db, "task", a), content=f"改后{b}", due=date(2024, 1, 1 + b)),
    "assign": lambda db, a, b: ops.assign(db, _pick(db, "task", a), UNITS[b % 5], role=("lead", "co")[b % 2],
                                          person=PERSONS[(a + b) % 5]),
    "unassign": lambda db, a, b: ops.unassign(db, _pick(db, "assignment", a)),
    "set_person": lambda db, a, b: ops.set_person(db, _pick(db, "assignment", a), PERSONS[b % 5]),
    "tick": lambda db, a, b: ops.tick(db, _pick(db, "task", a)),
    "set_status": lambda db, a, b: ops.set_status(db, _pick(db, "task", a), ("未启动", "推进中", "已完成")[b % 3]),
    "record_progress": lambda db, a, b: ops.record_progress(db, _pick(db, "task", a), f"进展{b}", unit=UNITS[b % 5]),
    "set_target": lambda db, a, b: ops.set_target(db, _pick(db, "task", a), 2020 + b % 3, f"{b}%"),
    "record_actual": lambda db, a, b: ops.record_actual(db, _pick(db, "task", a), 2020 + b % 3, f"{a}%"),
    "set_duty": lambda db, a, b: ops.set_duty(db, 1, UNITS[a % 5], f"职责{b}" if b % 3 else ""),
    "rename_unit": lambda db, a, b: ops.rename_unit(db, _pick(db, "unit", a), f"新名{b}", keep_old_as_alias=bool(b % 2)),
    "merge_units": lambda db, a, b: ops.merge_units(db, _pick(db, "unit", a), _pick(db, "unit", b)),
}

steps = st.lists(st.tuples(st.sampled_from(sorted(STEPS)), st.integers(0, 5), st.integers(0, 5)), min_size=1,
                 max_size=12)


def apply(db, sequence) -> list[dict]:
    """Run the steps; a refused step writes nothing and is left out. Returns the dump before each
    step that was applied (in order)."""
    before: list[dict] = []
    for name, a, b in sequence:
        snapshot = dump(db)
        try:
            STEPS[name](db, a, b)
        except OperationError:
            assert dump(db) == snapshot, f"refused {name} wrote something"
            continue
        if dump(db) != snapshot:  # an operation that changed nothing writes no history
            before.append(snapshot)
    return before


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps)
def test_undo_of_any_sequence_restores_each_earlier_state_exactly(sequence):
    with fresh_ledger() as db:
        start = dump(db)
        snapshots = apply(db, sequence)
        for snapshot in reversed(snapshots):
            assert ops.undo(db) is not None
            assert dump(db) == snapshot
        assert dump(db) == start


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(steps)
def test_undo_of_any_sequence_on_a_server_ledger_restores_each_earlier_state_exactly(pg_server, sequence):
    """The same on a PostgreSQL server ledger (issue 18), with fewer sequences: each makes a database."""
    with fresh_ledger(pg_server) as db:
        start = dump(db)
        snapshots = apply(db, sequence)
        for snapshot in reversed(snapshots):
            assert ops.undo(db) is not None
            assert dump(db) == snapshot
        assert dump(db) == start


def _facts(db) -> dict:
    """What a merge or rename must keep, by unit *id*: duties' lines, aliases and names,
    progress entries, and (task, unit, role) of every assignment."""
    with db.engine.connect() as conn:
        q = lambda sql: conn.execute(text(sql)).all()  # noqa: E731
        return {
            "names": {n: u for u, n in q("SELECT id, name FROM unit")} | {a: u for u, a in q("SELECT unit_id, alias FROM unit_alias")},
            "duties": q("SELECT group_id, unit_id, text FROM duty"),
            "progress": {i: u for i, u in q("SELECT id, unit_id FROM progress")},
            "assignments": {(t, u, r) for t, u, r in q("SELECT task_id, unit_id, role FROM assignment")},
        }


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps, st.integers(0, 5), st.integers(0, 5))
def test_merge_loses_no_duty_alias_progress_or_assignment(sequence, a, b):
    with fresh_ledger() as db:
        apply(db, sequence)
        keep, gone = _pick(db, "unit", a), _pick(db, "unit", b)
        if keep == gone:
            return
        old = _facts(db)
        ops.merge_units(db, keep, gone)
        new = _facts(db)
        moved = lambda unit: keep if unit == gone else unit  # noqa: E731
        # every name and alias still finds its unit (the merged one's now find the kept one)
        assert new["names"] == {name: moved(u) for name, u in old["names"].items()}
        assert new["progress"] == {i: (moved(u) if u is not None else None) for i, u in old["progress"].items()}
        assert new["assignments"] == {(t, moved(u), r) for t, u, r in old["assignments"]}
        for group, unit, duty in old["duties"]:
            kept = [t for g, u, t in new["duties"] if (g, u) == (group, moved(unit))]
            assert len(kept) == 1 and duty.strip() in kept[0]
        assert len(new["duties"]) == len({(g, moved(u)) for g, u, _ in old["duties"]})
        ops.undo(db)
        assert _facts(db) == old


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps, st.integers(0, 5))
def test_rename_loses_nothing_and_keeps_the_old_name_findable(sequence, a):
    with fresh_ledger() as db:
        apply(db, sequence)
        unit = _pick(db, "unit", a)
        old = _facts(db)
        with db.engine.connect() as conn:
            old_name = conn.execute(text("SELECT name FROM unit WHERE id = :id"), {"id": unit}).scalar_one()
        ops.rename_unit(db, unit, "改名后的单位")
        new = _facts(db)
        assert new["names"] == old["names"] | {"改名后的单位": unit}
        assert (new["duties"], new["progress"], new["assignments"]) == (old["duties"], old["progress"], old["assignments"])
        with db.session() as s:
            assert ops.find_unit(s, old_name).id == unit
