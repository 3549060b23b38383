"""Area 5 报送 by the keys an office presses: open a round with the proposed name (after setting the
cycle), export every unit's form, import the returned folder after its preview, see who has not
reported, copy the list, read what a unit reported; 总览 shows the round's line; and a snapshot."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import openpyxl
import pytest

from tui import make_app
from tui.testing import choose_group, demo_copy, settle, text_of

SIZE = (120, 36)
GROUP = "临海市老有康养专项工作组"


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "home"
    folder.mkdir()
    monkeypatch.setenv("HOME", str(folder))  # the folder fields start here
    return folder


def _fill(path: Path, unit: str) -> None:
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    rows = [r for r in range(4, ws.max_row + 1) if str(ws.cell(r, 1).value or "").isdigit()]
    for i, r in enumerate(rows):
        ws.cell(r, 5).value = "进行中"
        ws.cell(r, 6).value = f"{unit}第{i + 1}项进展"
    wb.save(path)


def _open_round(path: Path) -> None:
    from models import rounds
    from models.db import Database

    with Database(path) as db:
        conn = sqlite3.connect(path)
        gid = conn.execute("SELECT id FROM work_group WHERE name = ?", (GROUP,)).fetchone()[0]
        conn.close()
        rounds.open_round(db, gid, "2023年6月", due=__import__("datetime").date(2023, 7, 5))


async def test_new_round_with_the_cycle_then_forms_out(tmp_path, home):
    path = demo_copy(tmp_path)
    app = make_app(path, state_path=tmp_path / "state.json")
    async with app.run_test(size=SIZE) as pilot:
        await choose_group(pilot, "临海")
        await pilot.press("5")
        await settle(pilot)
        assert type(app.screen).__name__ == "RoundsScreen"
        assert "下一轮建议：第1期" in text_of(app.screen.query_one("#rd-head"))
        await pilot.press("n")
        await settle(pilot)
        assert type(app.screen).__name__ == "FormDialog"
        await pilot.press("tab", "tab", *"每月5日前")
        await pilot.press("ctrl+s")
        await settle(pilot)
        screen = app.screen
        assert type(screen).__name__ == "RoundsScreen"
        head = text_of(screen.query_one("#rd-head"))
        assert "报送周期：每月5日前" in head and "本期（2023年6月）已报送 0/32 个单位，截止 7月5日" in head
        units = screen.units_table
        assert units.row_count == 32
        assert {str(units.get_row_at(i)[1]) for i in range(units.row_count)} == {"未报送"}
        # forms out, into the folder the field offers (home)
        await pilot.press("x")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        await settle(pilot)
        forms = sorted(home.glob("*_进展填报表.xlsx"))
        assert len(forms) == 32 and all(p.name.startswith(f"{GROUP}_2023年6月_") for p in forms)
        # 总览 shows the open round
        await pilot.press("1")
        await settle(pilot)
        assert "本期（2023年6月）已报送 0/32 个单位，截止 7月5日" in text_of(app.screen.query_one("#ov-head"))
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT name, due, status FROM report_round").fetchall() == [("2023年6月", "2023-07-05", "open")]
    assert conn.execute("SELECT report_cycle FROM work_group WHERE name = ?", (GROUP,)).fetchone() == ("monthly:5",)
    conn.close()


async def test_import_the_returned_folder_after_a_preview(tmp_path, home):
    from exporters.forms import export_forms

    path = demo_copy(tmp_path)
    _open_round(path)
    out = tmp_path / "out"
    out.mkdir()
    export_forms(path, out, GROUP)
    for unit in ("市民政局", "市人力社保局"):
        form = next(out.glob(f"*_{unit}_进展填报表.xlsx"))
        shutil.copy(form, home)
        _fill(home / form.name, unit)
    app = make_app(path, state_path=tmp_path / "state.json")
    async with app.run_test(size=SIZE) as pilot:
        await choose_group(pilot, "临海")
        await pilot.press("5")
        await settle(pilot)
        await pilot.press("i")
        await settle(pilot)
        await pilot.press("ctrl+s")  # the field offers home, where the returned forms are
        await settle(pilot)
        await settle(pilot)
        assert type(app.screen).__name__ == "PreviewDialog"
        preview = "\n".join(app.screen.details)
        assert "市民政局（2023年6月" in preview and "市人力社保局（2023年6月" in preview
        assert "对应任务 42/42 项，已填 42 项" in preview
        await pilot.press("y")
        await settle(pilot)
        await settle(pilot)
        screen = app.screen
        assert type(screen).__name__ == "RoundsScreen"
        assert "本期（2023年6月）已报送 2/32 个单位" in text_of(screen.query_one("#rd-head"))
        units = screen.units_table
        states = {str(units.get_row_at(i)[0]): str(units.get_row_at(i)[1]) for i in range(units.row_count)}
        assert states["市民政局"] == "已报送（7月1日）" and states["市人力社保局"] == "已报送（7月1日）"
        assert list(states.values())[0] == "未报送"  # the units to chase first
        # Enter on a unit: what it reported, task by task
        units.focus()
        units.move_cursor(row=list(states).index("市民政局"))
        await pilot.press("enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "TextDialog"
        body = text_of(app.screen.query_one("#text-body"))
        assert "市民政局第1项进展" in body and "完成状态：推进中" in body
        await pilot.press("escape")
        await settle(pilot)
        # the not-reported list, copied
        await pilot.press("u")
        await settle(pilot)
        body = text_of(app.screen.query_one("#text-body"))
        assert "市财政局　未报送　联络员：叶小建" in body and "市民政局" not in body
        await pilot.press("c")
        await settle(pilot)
        assert app.clipboard.startswith(f"{GROUP}「2023年6月」未报送单位")
        await pilot.press("escape")
        await settle(pilot)
        # ctrl+z takes the import back
        await pilot.press("ctrl+z")
        await settle(pilot)
        await settle(pilot)
        assert "本期（2023年6月）已报送 0/32 个单位" in text_of(app.screen.query_one("#rd-head"))
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT count(*) FROM unit_report").fetchone() == (0,)
    conn.close()


def test_snapshot_of_area_5(tmp_path, monkeypatch, snap_compare):
    from exporters.forms import export_forms
    from importers.forms import import_forms

    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    path = demo_copy(tmp_path)
    _open_round(path)
    out = tmp_path / "out"
    out.mkdir()
    export_forms(path, out, GROUP)
    back = tmp_path / "back"
    back.mkdir()
    for unit in ("市民政局", "市财政局"):
        form = next(out.glob(f"*_{unit}_进展填报表.xlsx"))
        shutil.copy(form, back)
        _fill(back / form.name, unit)
    import_forms(path, back, GROUP)
    app = make_app(path, state_path=tmp_path / "state.json")

    async def run(pilot) -> None:
        await choose_group(pilot, "临海")
        await pilot.press("5")
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run)
