"""The figures of each unit owing an open round (``round_unit_figure``, ``models.round_figures``, issue
17: the 总览's round line at a month's end) and each task's newest round and whether a lead unit
filled it there (``task_figure.last_round``, ``lead_filled``) equal what the rounds screen reads from
the rows (``models.round_status.unit_states``) after every kind of write: opening a round (row by row
and paused), returned forms (row by row and paused), units put on and taken off tasks, units merged,
a task cancelled, closing and reopening, undo and redo — on a ledger file and on a server."""

from __future__ import annotations

from datetime import date

import pytest

from models import closing, editing, report_writing, rounds
from models import operations as op
from models.report_records import EntryIn, ReportIn
from models.round_status import counts, list_rounds, reporting_counts, unit_states
from models.store import connect
from models.tables import CO
from tests.test_task_figures import _check as check_task_figures

pytestmark = pytest.mark.both_engines


def _check(target) -> dict[int, dict[int, tuple[int, int]]]:
    """Every open round's stored figures equal the units' as unit_states reads them (closed rounds
    have none), and so does the round line's count; the task figures too. Returns round → unit →
    (tasks, filled)."""
    conn = connect(target)
    try:
        stored: dict[int, dict[int, tuple[int, int]]] = {}
        for round_id, unit_id, tasks, filled in conn.execute(
                "SELECT round_id, unit_id, tasks, filled FROM round_unit_figure WHERE tasks > 0"):
            stored.setdefault(round_id, {})[unit_id] = (tasks, filled)
        want: dict[int, dict[int, tuple[int, int]]] = {}
        for (g,) in conn.execute("SELECT id FROM work_group").fetchall():
            for rnd in list_rounds(conn, g):
                states = unit_states(conn, rnd)
                if rnd.status == "open" and states:
                    want[rnd.id] = {s.unit_id: (s.total, s.filled) for s in states}
                assert reporting_counts(conn, rnd) == counts(states)
    finally:
        conn.close()
    assert stored == want
    check_task_figures(target)
    return stored


def _report(round_id: int, unit_id: int, tasks: list[int], on: date, *, claim: int | None = None) -> ReportIn:
    return ReportIn(round_id, unit_id, "表.xlsx", on, [
        EntryIn(t, "lead", "已完成" if t == claim else "推进中", f"第{t}项进展", date(2024, 6, 30) if t == claim else None)
        for t in tasks])


def _unit_id(target, name: str) -> int:
    conn = connect(target)
    try:
        return conn.execute("SELECT id FROM unit WHERE name = :n", {"n": name}).fetchone()[0]
    finally:
        conn.close()


def test_the_round_figures_follow_every_write(ledger_db, ledger_at, monkeypatch):
    db = ledger_db
    g = op.create_group(db, "测试领导小组")
    tasks = [op.add_task(db, g, f"任务{i}", deadline="2024年12月底前") for i in range(6)]
    for i, t in enumerate(tasks):
        op.assign(db, t, ["县民政局", "县财政局", "县卫健局"][i % 3])
        op.assign(db, t, "县教育局", role=CO)
    op.assign(db, tasks[0], "县财政局")  # a second lead unit
    op.assign(db, tasks[1], "县民政局", role=CO)  # lead and co on one task: counted once
    first = rounds.open_round(db, g, "2024年6月", due=date(2024, 7, 5))  # six tasks: row by row
    figures = _check(ledger_at)
    assert figures[first][_unit_id(ledger_at, "县教育局")] == (6, 0)
    civil, finance, edu = (_unit_id(ledger_at, n) for n in ("县民政局", "县财政局", "县教育局"))
    rounds.record_reports(db, [_report(first, civil, [tasks[0], tasks[3]], date(2024, 7, 3), claim=tasks[3]),
                               _report(first, edu, [tasks[0]], date(2024, 7, 8))])
    figures = _check(ledger_at)
    assert figures[first][civil] == (3, 2) and figures[first][edu] == (6, 1)
    conn = connect(ledger_at)
    try:
        lead_filled = dict(conn.execute("SELECT task_id, lead_filled FROM task_figure").fetchall())
    finally:
        conn.close()
    assert lead_filled[tasks[0]] == 1 and lead_filled[tasks[1]] == 0  # (task 1: its co unit's entry only)
    extra = op.assign(db, tasks[2], "县民政局", role=CO)
    assert _check(ledger_at)[first][civil] == (4, 2)
    op.unassign(db, extra)
    _check(ledger_at)
    op.merge_units(db, civil, finance)  # 县财政局's tasks and its form's rows become 县民政局's
    _check(ledger_at)
    editing.cancel_task(db, tasks[5])  # (a task in a round cannot be deleted: its round_task row refers to it)
    _check(ledger_at)
    closing.grant_extension(db, tasks[4], date(2025, 6, 30), "资金未到位")
    rounds.close_round(db, first)
    assert _check(ledger_at) == {}
    rounds.reopen_round(db, first)
    _check(ledger_at)
    # a round of many tasks and a whole round's forms: the triggers paused, the figures written once after
    monkeypatch.setattr(rounds, "_BULK_FIGURES", 1)
    monkeypatch.setattr(report_writing, "_BULK_FIGURES", 1)
    second = rounds.open_round(db, g, "2024年7月", due=date(2024, 8, 5))
    _check(ledger_at)
    rounds.record_reports(db, [_report(second, civil, [tasks[0], tasks[1], tasks[2]], date(2024, 8, 1)),
                               _report(second, edu, [tasks[1]], date(2024, 8, 1))])
    figures = _check(ledger_at)
    assert set(figures) == {first, second}
    for _ in range(8):
        assert op.undo(db)
        _check(ledger_at)
    from models.changes import redo_last

    for _ in range(4):
        assert redo_last(db)
        _check(ledger_at)


def test_the_round_figures_of_a_ledger_copied_and_of_forms_through_the_command_line(demo, tmp_path):
    """Returned forms through the command line (the round of the demo ledger), then a copy of it."""
    from tests.conftest import run_cli
    from tests.test_rounds_forms import GROUP, returned_civil_form

    back = returned_civil_form(demo, tmp_path, lambda i: (
        "已完成" if i % 3 == 0 else "推进中", f"第{i + 1}项进展", "2023-06-28", None, None))
    done = run_cli("--db", str(demo), "import", str(back), "--group", GROUP)
    assert done.returncode == 0, done.stderr
    figures = _check(demo)
    assert figures and any(filled for units in figures.values() for _, filled in units.values())
    copy = tmp_path / "copy.db"
    done = run_cli("copy", str(demo), str(copy))
    assert done.returncode == 0, done.stderr
    assert _check(copy) == figures


def test_a_bulk_write_on_a_server_leaves_the_planner_statistics_of_what_it_wrote(pg_server):
    """Opening a round of hundreds of tasks writes its rows in bulk; the planner's statistics are then
    taken at once (ANALYZE), as after an import, so that the 总览 at a month's end is not planned for
    the empty tables PostgreSQL last saw (10,000 tasks: 43 → 57 ms until autovacuum came by)."""
    from models.db import Database

    url = pg_server.new_ledger()
    db = Database(url)
    try:
        g = op.create_group(db, "测试领导小组")
        conn = connect(url)
        try:
            conn.execute("BEGIN")
            tasks = [conn.execute("INSERT INTO task (group_id, position, content, status, search_text) "
                                  "VALUES (?, ?, ?, '未启动', '') "
                                  "RETURNING id", (g, n, f"任务{n}")).fetchone()[0] for n in range(1, 251)]
            conn.execute("COMMIT")
            counted = "SELECT reltuples FROM pg_class WHERE relname = 'round_task'"
            assert conn.execute(counted).fetchone()[0] <= 0  # never analyzed: the planner takes it for empty
            rounds.open_round(db, g, "2024年6月", due=date(2024, 7, 5), task_ids=tasks)
            assert conn.execute(counted).fetchone()[0] == 250
        finally:
            conn.close()
    finally:
        db.close()


def test_a_copy_to_a_server_leaves_the_planner_statistics_of_the_figures_too(demo_file, pg_server):
    """The copy takes every table's statistics at its end; the 总览 figures' tables (not among the
    ledger's own) are taken when their figures are written, so the 总览 is not planned for empty ones."""
    from models.ledger_copy import copy_ledger

    url = pg_server.url(pg_server.new_database())
    copy_ledger(str(demo_file), url)
    conn = connect(url)
    try:
        counted = dict(conn.execute("SELECT relname, reltuples FROM pg_class WHERE relname IN ('task', 'task_figure')"))
    finally:
        conn.close()
    assert counted["task_figure"] == counted["task"] > 0
