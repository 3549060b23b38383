"""The 总览 figures stored per task (``task_figure``, issue 17: ``models.task_figures``) equal a
computation from scratch, made here in Python from the task's own rows, after every kind of write:
operations, extension, claim and 销号, cancel and delete, undo and redo, the import (bulk, while the
triggers are paused) and its undo, returned forms, copy — on a ledger file and on a server."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from models import closing, editing
from models import operations as op
from models.changes import redo_last
from models.store import connect
from models.tables import CO
from tests.conftest import query_rows, run_cli

ROOT = Path(__file__).resolve().parent.parent


def _from_scratch(conn) -> dict[int, tuple]:
    """Each task's figures as models/task_figures.py defines them, from the rows themselves."""
    tasks = conn.execute("SELECT id, group_id, cancelled_on, status, due, done_on FROM task").fetchall()
    years: dict[int, list[int]] = {}
    actual: set[int] = set()
    for task_id, year, value in conn.execute("SELECT task_id, year, actual FROM target"):
        years.setdefault(task_id, []).append(year)
        if value is not None and value != "":
            actual.add(task_id)
    leads: dict[int, list[tuple[int, int]]] = {}
    for a_id, task_id, unit_id in conn.execute("SELECT id, task_id, unit_id FROM assignment WHERE role = 'lead'"):
        leads.setdefault(task_id, []).append((a_id, unit_id))
    always = {r[0] for r in conn.execute("SELECT task_id FROM extension")}
    always |= {r[0] for r in conn.execute("SELECT task_id FROM task_closing")}
    always |= {r[0] for r in conn.execute("SELECT task_id, role, status FROM report_entry")
               if r[1] == "lead" and r[2] == "已完成"}
    percent = {r[0] for r in conn.execute("SELECT task_id, text FROM progress") if "%" in r[1] or "％" in r[1]}
    last_round: dict[int, int] = {}
    for round_id, task_id in conn.execute("SELECT round_id, task_id FROM round_task"):
        last_round[task_id] = max(round_id, last_round.get(task_id, 0))
    lead_units = {(task_id, unit_id) for task_id, ls in leads.items() for _, unit_id in ls}
    filled = {(task_id, round_id) for task_id, round_id, unit_id in conn.execute(
        "SELECT e.task_id, rp.round_id, rp.unit_id FROM report_entry e JOIN unit_report rp ON rp.id = e.report_id")
        if (task_id, unit_id) in lead_units}
    out = {}
    for task_id, group_id, cancelled_on, status, due, done_on in tasks:
        ys = years.get(task_id, [])
        ls = sorted(leads.get(task_id, []))
        open_ = status != "已完成"
        apart = task_id in always or open_ and (task_id in actual or task_id in percent and bool(ys))
        out[task_id] = (group_id, int(cancelled_on is None), status,
                        due or (f"{max(ys)}-12-31" if ys else None), done_on, min(ys) if ys else None,
                        ls[0][1] if ls else None, len(ls), int(apart), last_round.get(task_id),
                        int((task_id, last_round.get(task_id)) in filled))
    return out


def _stored(conn) -> dict[int, tuple]:
    return {r[0]: tuple(r[1:]) for r in conn.execute(
        "SELECT task_id, group_id, live, status, due, done_on, first_year, lead_unit, leads, apart, last_round, "
        "lead_filled FROM task_figure")}


def _check(target) -> dict[int, tuple]:
    conn = connect(target)
    try:
        want, have = _from_scratch(conn), _stored(conn)
    finally:
        conn.close()
    assert have == want
    return have


@pytest.mark.both_engines
def test_the_figures_follow_operations_undo_and_redo(ledger_db, ledger_at):
    db = ledger_db
    g = op.create_group(db, "测试领导小组")
    a = op.add_task(db, g, "完善养老服务体系", deadline="2025年底前")
    b = op.add_task(db, g, "建设社区食堂")
    c = op.add_task(db, g, "发放高龄津贴")
    op.assign(db, a, "县民政局", person="张三")
    op.assign(db, a, "县财政局")  # a second lead unit
    op.assign(db, a, "县卫健局", role=CO)
    second = op.assign(db, b, "县财政局")
    op.set_target(db, b, 2024, "建成10个")
    op.set_target(db, b, 2026, "建成20个")
    op.record_progress(db, c, "已完成60%")  # a percentage without yearly targets: still plain
    figures = _check(ledger_at)
    assert figures[a][6:9] == (figures[a][6], 2, 0) and figures[b][3:6] == ("2026-12-31", None, 2024)
    assert figures[c][8] == 0
    op.set_target(db, c, 2025, "覆盖率100%")  # now beside yearly targets: judged in Python
    assert _check(ledger_at)[c][8] == 1
    op.record_actual(db, b, 2024, "已建成12个")
    assert _check(ledger_at)[b][8] == 1
    op.tick(db, b)  # done: a recorded actual no longer matters
    done = _check(ledger_at)[b]
    assert done[2:6] == ("已完成", "2026-12-31", "2023-07-01", 2024) and done[8] == 0
    op.edit_task(db, a, due=date(2024, 3, 31))
    op.unassign(db, second)
    closing.grant_extension(db, a, date(2026, 6, 30), "资金未到位")
    closing.claim_done(db, c, date(2023, 6, 30))
    _check(ledger_at)
    editing.cancel_task(db, c)
    assert _check(ledger_at)[c][1] == 0
    editing.delete_task(db, b)
    assert b not in _check(ledger_at)
    for _ in range(6):
        assert op.undo(db)
        _check(ledger_at)
    for _ in range(3):
        assert redo_last(db)
        _check(ledger_at)


@pytest.mark.both_engines
def test_the_figures_of_an_import_its_undo_and_a_copy(ledger_at, tmp_path):
    """The import writes its new tasks with the triggers paused, then their figures in one
    statement; a second import merges into them (row by row); undo takes all back."""
    book = ROOT / "sample_data" / "闽清县老龄事业重点任务分工表.xlsx"
    done = run_cli("--db", str(ledger_at), "import", str(book))
    assert done.returncode == 0, done.stderr
    figures = _check(ledger_at)
    assert len(figures) > 20 and any(f[5] for f in figures.values())  # with target years
    conn = connect(ledger_at)
    try:
        paused = conn.execute("SELECT count(*) FROM task_figure_pause").fetchone()[0]
    finally:
        conn.close()
    assert paused == 0
    other = ROOT / "sample_data" / "启东市省健康县区建设任务分工表.xlsx"
    done = run_cli("--db", str(ledger_at), "import", str(other), "--group", "启东市健康县区建设领导小组")
    assert done.returncode == 0, done.stderr
    _check(ledger_at)
    copy = tmp_path / "copy.db"
    done = run_cli("copy", str(ledger_at), str(copy))
    assert done.returncode == 0, done.stderr
    assert _check(copy) == _check(ledger_at)
    done = run_cli("--db", str(ledger_at), "undo")
    assert done.returncode == 0, done.stderr
    assert len(_check(ledger_at)) == len(figures)
    done = run_cli("--db", str(ledger_at), "redo")
    assert done.returncode == 0, done.stderr
    assert len(_check(ledger_at)) > len(figures)


def test_the_figures_after_returned_forms_and_on_an_upgraded_ledger(demo, tmp_path):
    """Returned forms (a lead unit's 已完成 puts the task apart) through the command line; a ledger
    of version 9 gets its figures made by the upgrade."""
    from tests.test_rounds_forms import GROUP, returned_civil_form

    back = returned_civil_form(demo, tmp_path, lambda i: (
        "已完成" if i % 2 else "推进中", f"第{i + 1}项进展50%", "2023-06-28", None, None))
    done = run_cli("--db", str(demo), "import", str(back), "--group", GROUP)
    assert done.returncode == 0, done.stderr
    figures = _check(demo)
    assert any(f[8] for f in figures.values())

    import sqlite3

    old = tmp_path / "v9.db"
    with sqlite3.connect(demo) as source, sqlite3.connect(old) as copy:
        source.backup(copy)  # with what is still in the -wal file (a plain file copy could miss it)
    source.close()
    copy.close()
    raw = sqlite3.connect(old)
    for (name,) in raw.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
        raw.execute(f"DROP TRIGGER {name}")
    raw.execute("DROP TABLE task_figure")
    raw.execute("DROP TABLE task_figure_pause")
    raw.execute("DROP TABLE evidence_content")  # version 11
    raw.execute("DROP TABLE round_unit_figure")  # version 12
    raw.execute("PRAGMA user_version = 9")
    raw.commit()
    raw.close()
    assert _check(old) == figures  # opened (and so upgraded) by connect


@pytest.mark.parametrize("engine", ["server"], indirect=True)
def test_a_server_ledger_upgraded_from_version_9_gets_its_figures(ledger_db, ledger_at):
    from models import server

    g = op.create_group(ledger_db, "测试领导小组")
    t = op.add_task(ledger_db, g, "完善养老服务体系", deadline="2025年底前")
    op.assign(ledger_db, t, "县民政局")
    op.set_target(ledger_db, t, 2024, "建成10个")
    want = _check(ledger_at)
    conn = connect(ledger_at)
    try:  # the ledger as version 9 left it
        conn.execute("BEGIN")
        for (name, table) in conn.execute("SELECT tgname, tgrelid::regclass::text FROM pg_trigger "
                                          "WHERE tgname LIKE 'task_figure%'").fetchall():
            conn.execute(f"DROP TRIGGER {name} ON {table}")
        conn.execute("DROP TABLE task_figure")
        conn.execute("DROP TABLE task_figure_pause")
        conn.execute("DROP TABLE evidence_content")  # version 11
        for (name,) in conn.execute("SELECT p.oid::regprocedure::text FROM pg_proc p "
                                    "WHERE p.proname LIKE 'round_unit_figure%'").fetchall():
            conn.execute(f"DROP FUNCTION {name} CASCADE")  # version 12, with its triggers
        conn.execute("DROP TABLE round_unit_figure")
        for name in ("task_figure_refresh(integer[])", "task_figure_rows_added()", "task_figure_rows_removed()",
                     "task_figure_rows_changed()", "task_figure_tasks_written()", "task_figure_tasks_removed()",
                     "task_figure_tasks_truncated()", "task_figure_reports_changed()"):
            conn.execute(f"DROP FUNCTION {name}")
        conn.execute(f"UPDATE {server.VERSION_TABLE} SET version = 9")
        conn.execute("COMMIT")
    finally:
        conn.close()
    server.open_ledger(ledger_at).dispose()  # upgrades
    assert _check(ledger_at) == want


@pytest.mark.both_engines
def test_a_whole_rounds_forms_write_the_figures_once_after_their_rows(demo, tmp_path, monkeypatch):
    """Returned forms of many rows (a round of 60 units: tens of thousands) pause the triggers and
    write every task's figures once after the rows (models.report_writing): the same figures as row
    by row — tasks whose lead said 已完成 (their new status, apart), a corrected form that takes the
    claim back, and the undo. Here the threshold is lowered so that one unit's form is a "whole round"."""
    from importers.forms import import_forms
    from models import report_writing
    from tests.test_rounds_forms import GROUP, _fill, returned_civil_form

    monkeypatch.setattr(report_writing, "_BULK_FIGURES", 1)
    back = returned_civil_form(demo, tmp_path, lambda i: (
        "已完成" if i % 2 else "推进中", f"第{i + 1}项进展50%", None, None, None))
    before = _check(demo)
    plan = import_forms(demo, back, GROUP)
    assert plan.result.status_changes > 0
    figures = _check(demo)
    changed = [t for t in figures if figures[t] != before.get(t)]
    assert changed and any(figures[t][2] == "已完成" and figures[t][8] == 1 for t in changed)
    assert query_rows(demo, "SELECT count(*) FROM task_figure_pause") == [(0,)]
    form = next(back.iterdir())  # the unit corrects its form: nothing is done yet
    _fill(form, {i: ("推进中", f"第{i + 1}项更正", None, None, None) for i in range(len(plan.units[0].report.entries))})
    assert import_forms(demo, back, GROUP).result.replaced
    corrected = _check(demo)
    assert corrected != figures
    done = run_cli("--db", str(demo), "undo")
    assert done.returncode == 0, done.stderr
    assert _check(demo) == figures
