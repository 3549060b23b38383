"""The task list judged as 总览 counts (issue 15): Enter on 总览's "逾期 N 项" lists exactly the N
tasks the judgement finds overdue (a missed yearly target included), and a space tick redraws the
row's light and state at once from the judgement."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from models import store
from models.judged import group_id_of, read_group
from tui import make_app
from tui.testing import choose_group, demo_copy, settle, task_list

SIZE = (120, 36)
MINQING = "闽清县老龄工作领导小组"


def _judged(path: Path, on: date):
    conn = store.connect(path)
    try:
        return read_group(conn, group_id_of(conn, MINQING), on)
    finally:
        conn.close()


async def test_enter_on_the_overviews_overdue_line_lists_as_many_tasks_as_it_counts(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("TAIZHANG_TODAY", "2019-06-30")
    path = demo_copy(tmp_path)
    judged = _judged(path, date(2019, 6, 30))
    overdue = [t.id for t in judged.tasks if t.judgement.overdue]
    assert overdue  # overdue only by the missed 2018 targets: no open task has a due date before today
    app = make_app(path, state_path=tmp_path / "state.json")
    async with app.run_test(size=SIZE) as pilot:
        await choose_group(pilot, "闽清")
        await pilot.press("1")
        await settle(pilot)
        table = app.screen.query_one("#ov-deadlines")
        await pilot.press("up")  # from the first overdue task to its heading line
        assert str(table.current_key) == "s:逾期"
        heading = " ".join(str(c) for c in table.get_row("s:逾期"))
        assert f"逾期 {len(overdue)} 项" in heading
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert type(screen).__name__ == "TasksScreen"
        assert screen.flt.status == "逾期"
        assert screen.total == len(overdue)
        assert [r.id for r in screen.shown_rows()] == overdue[:len(screen.shown_rows())]
        states = {str(screen.table.get_cell(f"t:{r.id}", "state")).strip() for r in screen.shown_rows()}
        assert states == {"逾期"}
        await pilot.press("o")  # o toggles the filter off: every task again
        await settle(pilot)
        assert screen.total == len(judged.tasks)


async def test_a_space_tick_redraws_the_light_from_the_judgement(tmp_path: Path, monkeypatch):
    from models.db import Database
    from models.operations import tick

    monkeypatch.setenv("TAIZHANG_TODAY", "2019-06-30")
    path = demo_copy(tmp_path)
    first = _judged(path, date(2019, 6, 30)).tasks[0]
    assert first.light == "红"
    db = Database(path)
    tick(db, first.id, on=date(2019, 1, 10))  # done before the window opens: 绿
    db.close()
    app = make_app(path, state_path=tmp_path / "state.json")
    async with app.run_test(size=SIZE) as pilot:
        task = await task_list(pilot, "闽清")
        assert task.id == first.id
        screen = app.screen
        cell = lambda key: str(screen.table.get_cell(f"t:{task.id}", key)).strip()  # noqa: E731
        assert cell("light") == "绿" and cell("state") == "已完成"
        await pilot.press("space")  # not done any more: overdue by the missed 2018 target
        await settle(pilot)
        assert cell("light") == "红" and cell("state") == "逾期"
        assert cell("light") == _judged(path, date(2019, 6, 30)).tasks[0].light
        await pilot.press("space")
        await settle(pilot)
        assert cell("light") == "绿" and cell("state") == "已完成"


async def test_the_overview_counts_extended_and_pending_tasks_apart(tmp_path: Path, monkeypatch):
    from models.closing import claim_done, grant_extension
    from models.db import Database
    from tui.testing import text_of

    monkeypatch.setenv("TAIZHANG_TODAY", "2019-06-30")
    path = demo_copy(tmp_path)
    tasks = _judged(path, date(2019, 6, 30)).tasks
    app = make_app(path, state_path=tmp_path / "state.json")
    async with app.run_test(size=SIZE) as pilot:
        await choose_group(pilot, "闽清")
        await pilot.press("1")
        await settle(pilot)
        head = text_of(app.screen.query_one("#ov-head"))
        assert "延期" not in head and "待销号" not in head and "红 23" in head
        db = Database(path)  # as another window would
        grant_extension(db, tasks[0].id, date(2021, 6, 30), "统计口径调整")
        claim_done(db, tasks[1].id, date(2019, 6, 1))
        db.close()
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("1")  # back to 总览: it reads again
        await settle(pilot)
        head = text_of(app.screen.query_one("#ov-head"))
        judged = _judged(path, date(2019, 6, 30)).counts()
        assert (judged.extended, judged.pending) == (1, 1)
        assert "延期 1" in head and "待销号 1" in head and f"逾期 {judged.overdue}" in head and "红 21" in head
        units = app.screen.query_one("#ov-units")  # per lead unit: 逾期 (its 红) and 黄
        lead = tasks[1].lead[0]
        claimed = next([str(c).strip() for c in units.get_row(r.key)] for r in units.ordered_rows
                       if str(units.get_row(r.key)[0]).strip() == lead)
        mine = [t for t in _judged(path, date(2019, 6, 30)).tasks if lead in t.lead]
        assert claimed[3:] == [str(sum(t.light == "红" for t in mine)), str(sum(t.light == "黄" for t in mine))]
        assert claimed[4] == "1"  # the claim waiting for 销号
        assert claimed[2] == f"0/{len(mine)}"  # not done until confirmed
        assert "已完成 0" in head and "按时 " not in head  # as the bulletin's 已办结: claims apart
        await pilot.press("2")
        await settle(pilot)
        table = app.screen.table
        assert str(table.get_cell(f"t:{tasks[1].id}", "state")).strip() == "待销号"
        assert str(table.get_cell(f"t:{tasks[1].id}", "light")).strip() == "黄"


async def test_the_units_page_counts_overdue_as_judged_and_shows_the_chase_record(tmp_path: Path, monkeypatch):
    import sqlite3

    from models.closing import record_chase
    from models.db import Database
    from tui.testing import text_of

    monkeypatch.setenv("TAIZHANG_TODAY", "2019-06-30")
    path = demo_copy(tmp_path)
    judged = _judged(path, date(2019, 6, 30))
    by_unit = judged.by_unit()
    first = next(iter(by_unit))  # the first lead unit in the table
    conn = sqlite3.connect(path)
    unit_id = conn.execute("SELECT id FROM unit WHERE name = ?", (first,)).fetchone()[0]
    conn.close()
    db = Database(path)
    record_chase(db, judged.group_id, [(unit_id, [by_unit[first][0].id], None)], date(2019, 6, 30), date(2019, 7, 7))
    db.close()
    app = make_app(path, state_path=tmp_path / "state.json")
    async with app.run_test(size=SIZE) as pilot:
        await choose_group(pilot, "闽清")
        await pilot.press("4")
        await settle(pilot)
        table = app.screen.table
        shown = {str(table.get_row(r.key)[0]).strip(): str(table.get_row(r.key)[3]).strip()
                 for r in table.ordered_rows if str(r.key.value).startswith("u:")}
        assert {u: int(n) for u, n in shown.items() if u in by_unit} == \
               {u: sum(t.judgement.overdue for t in ts) for u, ts in by_unit.items()}
        assert sum(map(int, shown.values())) > 0  # by due date alone every unit had 0
        table.move_cursor(row=next(i for i, r in enumerate(table.ordered_rows) if r.key.value == f"u:{unit_id}"))
        await settle(pilot)
        info = text_of(app.screen.query_one("#un-info"))
        assert "2018年目标未报完成值" in info
        assert "督办记录（1 次）" in info and "2019-06-30 发出督办通知，涉及任务 1 项，2019-07-07 前回复" in info
