"""The task page's judging keys by Pilot (issue 15): the light with its word, d 延期 (红 → 绿, the
original kept), c 报完成 (待销号), k 销号, ctrl+z, r 退回 with its reason — each written to the ledger."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tui import make_app
from tui.testing import demo_copy, settle, task_list, text_of

SIZE = (120, 36)


def _fields(app) -> str:
    return text_of(app.screen.query_one("#td-fields"))


def _light_line(app) -> str:
    return next(line for line in _fields(app).splitlines() if line.strip().startswith("灯号"))


async def test_extension_claim_confirm_undo_return_on_the_task_page(tmp_path: Path):
    path = demo_copy(tmp_path)
    app = make_app(path, state_path=tmp_path / "state.json")
    async with app.run_test(size=SIZE) as pilot:
        task = await task_list(pilot, "闽清")
        await pilot.press("enter")
        await settle(pilot)
        line = _light_line(app)
        assert " 红 " in line and "逾期" in line and "2018年目标未报完成值" in line
        await pilot.press("d")
        await settle(pilot)
        await pilot.press(*"2024-12-31", "tab", *"资金未到位", "ctrl+s")
        await settle(pilot)
        assert " 绿 " in _light_line(app)
        assert "至 2024-12-31（原 2020-12-31；资金未到位，2023-07-01 批准）" in _fields(app)
        await pilot.press("k")  # nothing claimed: a warning, nothing written
        await settle(pilot)
        assert type(app.screen).__name__ == "TaskScreen"
        await pilot.press("y")
        await settle(pilot)
        assert " 黄 " in _light_line(app) and "待销号：单位报 2023-07-01 完成" in _fields(app)
        await pilot.press("k")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "2023-07-01 已销号" in _fields(app) and "按时完成" in _light_line(app)
        await pilot.press("ctrl+z")
        await settle(pilot)
        assert "待销号" in _fields(app)
        await pilot.press("r")
        await settle(pilot)
        await pilot.press(*"缺少验收材料", "ctrl+s")
        await settle(pilot)
        assert "已退回：缺少验收材料" in _fields(app)
    conn = sqlite3.connect(path)
    steps = conn.execute('SELECT state, reason FROM task_closing WHERE task_id = ? ORDER BY id', (task.id,)).fetchall()
    ext = conn.execute("SELECT original_due, new_due, reason FROM extension WHERE task_id = ?", (task.id,)).fetchall()
    status = conn.execute("SELECT status, done_on FROM task WHERE id = ?", (task.id,)).fetchone()
    conn.close()
    assert steps == [("claimed", None), ("returned", "缺少验收材料")]
    assert ext == [("2020-12-31", "2024-12-31", "资金未到位")]
    assert status == ("推进中", None)


async def test_w_on_the_overview_edits_the_bulletins_next_steps(tmp_path: Path):
    from tui.testing import choose_group

    path = demo_copy(tmp_path)
    app = make_app(path, state_path=tmp_path / "state.json")
    async with app.run_test(size=SIZE) as pilot:
        await choose_group(pilot, "闽清")
        await pilot.press("1")
        await settle(pilot)
        assert "灯号 红" in text_of(app.screen.query_one("#ov-head"))
        await pilot.press("w")
        await settle(pilot)
        assert type(app.screen).__name__ == "FormDialog"
        app.screen.query_one("#f-text").clear()
        await pilot.press(*"压实责任按时报送", "ctrl+s")
        await settle(pilot)
    conn = sqlite3.connect(path)
    text = conn.execute("SELECT next_steps FROM work_group WHERE name = '闽清县老龄工作领导小组'").fetchone()[0]
    conn.close()
    assert text == "压实责任按时报送"


def test_the_export_dialogs_judging_kinds_write_their_files(tmp_path: Path, monkeypatch):
    from tui.dialogs.export import run_export

    monkeypatch.setenv("TAIZHANG_TODAY", "2019-06-30")
    path = demo_copy(tmp_path)
    group = "闽清县老龄工作领导小组"
    bulletin = run_export(path, None, "bulletin", tmp_path, group, 7)
    assessment = run_export(path, None, "assessment", tmp_path, group, 7)
    chase = run_export(path, None, "chase", tmp_path, group, 7)
    assert bulletin.name == f"{group}_通报_20190630.docx" and bulletin.is_file()
    assert assessment.name == f"{group}_考评表_20190630.xlsx" and assessment.is_file()
    assert chase.is_dir() and len(list(chase.glob("*_督办通知_20190630.docx"))) > 0
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT count(*) FROM chase_record").fetchone()[0] == len(list(chase.glob("*.docx")))
    conn.close()


async def test_the_task_list_filters_by_light(tmp_path: Path, monkeypatch):
    from models import store
    from models.judged import group_id_of, read_group

    monkeypatch.setenv("TAIZHANG_TODAY", "2019-06-30")
    path = demo_copy(tmp_path)
    conn = store.connect(path)
    g = read_group(conn, group_id_of(conn, "闽清县老龄工作领导小组"), __import__("datetime").date(2019, 6, 30))
    conn.close()
    green = [t.id for t in g.tasks if t.light == "绿"]
    red = [t.id for t in g.tasks if t.light == "红"]
    assert green and red
    app = make_app(path, state_path=tmp_path / "state.json")
    async with app.run_test(size=SIZE) as pilot:
        await task_list(pilot, "闽清")
        app.show_tasks(status="绿灯")
        await settle(pilot)
        assert [r.id for r in app.screen.shown_rows()] == green
        assert "状态：绿灯" in text_of(app.screen.query_one("#tk-filters"))
        app.show_tasks(status="红灯")
        await settle(pilot)
        assert [r.id for r in app.screen.shown_rows()] == red
