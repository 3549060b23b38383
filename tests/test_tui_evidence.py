"""Evidence on the task page (issue 19), by the keys a user presses: f attaches several files at
once, the list shows name, unit, date and size, Enter opens a verified copy with the system's viewer
(replaced here), n renames, Del deletes after confirming and Ctrl+Z brings it back; a tampered file
is marked and not opened."""

from __future__ import annotations

import os
from pathlib import Path

from models import evidence as ev
from tui import make_app
from tui.screens import task as task_screen
from tui.testing import demo_copy, settle, task_list

SIZE = (120, 36)


def _rows(table) -> list[list[str]]:
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


async def test_attach_list_open_rename_delete_undo(tmp_path, monkeypatch):
    path = demo_copy(tmp_path)
    app = make_app(path, state_path=tmp_path / "state.json")
    files = tmp_path / "f"
    files.mkdir()
    (files / "统计表.pdf").write_bytes(b"%PDF" * 600)
    (files / "照片 1.jpg").write_bytes(b"JPEG" * 10)
    opened: list[Path] = []
    monkeypatch.setattr(task_screen, "open_file", opened.append)
    async with app.run_test(size=SIZE) as pilot:
        task = await task_list(pilot, "闽清")
        await pilot.press("enter")
        await settle(pilot)
        assert "还没有佐证材料" in str(app.screen.query_one("#td-evidence-none").content)
        await pilot.press("f")
        await settle(pilot)
        await pilot.press(*str(files / "统计表.pdf"), "enter", *f"'{files / '照片 1.jpg'}'", "tab")
        await pilot.press("enter", "down", "enter")  # the unit: the first unit on the task
        await pilot.press("ctrl+s")
        await settle(pilot)
        table = app.screen.query_one("#td-evidence")
        rows = _rows(table)
        unit = rows[0][1]
        assert [(r[0], r[2], r[3]) for r in rows] == [("统计表.pdf", "2023-07-01", "2 KB"), ("照片 1.jpg", "2023-07-01", "40 B")]
        assert unit and all(r[1] == unit for r in rows)
        assert all(r[4] == "" for r in rows)

        table.focus()
        await pilot.press("enter")
        await settle(pilot)
        assert len(opened) == 1 and opened[0].name.endswith("统计表.pdf") and opened[0].read_bytes() == b"%PDF" * 600

        await pilot.press("n", "ctrl+u", *"参保统计表.pdf", "ctrl+s")
        await settle(pilot)
        assert _rows(table)[0][0] == "参保统计表.pdf"

        await pilot.press("down", "delete")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert [r[0] for r in _rows(table)] == ["参保统计表.pdf"]
        await pilot.press("ctrl+z")
        await settle(pilot)
        assert [r[0] for r in _rows(table)] == ["参保统计表.pdf", "照片 1.jpg"]

        # the stored photo changed behind the program's back: marked, and not opened
        import sqlite3

        conn = sqlite3.connect(path)
        sha = conn.execute("SELECT sha256 FROM evidence WHERE name = '照片 1.jpg'").fetchone()[0]
        conn.close()
        stored = ev.stored_path(path, sha)
        os.chmod(stored, 0o600)
        stored.write_bytes(b"changed!")
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        table = app.screen.query_one("#td-evidence")
        assert _rows(table)[1][4] == "文件已被改动"
        table.focus()
        await pilot.press("down", "enter")
        await settle(pilot)
        assert len(opened) == 1
        assert any("已被改动" in str(n.message) for n in app._notifications)
        assert app.screen.task_id == task.id


async def test_task_list_marks_evidence_and_done_without_and_overview_counts(tmp_path):
    import sqlite3

    from models.db import Database
    from models.operations import tick

    path = demo_copy(tmp_path)
    conn = sqlite3.connect(path)
    first, second = [r[0] for r in conn.execute(
        "SELECT t.id FROM task t JOIN work_group g ON g.id = t.group_id WHERE g.name LIKE '闽清%' "
        "ORDER BY t.position LIMIT 2")]
    conn.close()
    (tmp_path / "a.pdf").write_bytes(b"a" * 2048)
    with Database(path) as db:
        ev.attach(db, first, [tmp_path / "a.pdf"])
        tick(db, second)  # done, with no evidence
    app = make_app(path, state_path=tmp_path / "state.json")
    async with app.run_test(size=SIZE) as pilot:
        await task_list(pilot, "闽清")
        table = app.screen.table
        contents = {str(table.get_row(f"t:{i}")[1]) for i in (first, second)}
        assert any(c.endswith("（佐证1）") for c in contents)
        assert any(c.endswith("（无佐证）") for c in contents)
        await pilot.press("1")
        await settle(pilot)
        head = str(app.screen.query_one("#ov-head").content)
        assert "佐证材料 1 个，共 2 KB；已完成（含待销号）但无佐证" in head


def test_the_export_dialogs_evidence_kind_writes_the_tree(tmp_path):
    import sqlite3

    from models.db import Database
    from tui.dialogs.export import KINDS, run_export

    assert "evidence" in dict(KINDS)
    path = demo_copy(tmp_path)
    conn = sqlite3.connect(path)
    first = conn.execute("SELECT t.id FROM task t JOIN work_group g ON g.id = t.group_id WHERE g.name LIKE '闽清%' "
                         "ORDER BY t.position LIMIT 1").fetchone()[0]
    conn.close()
    (tmp_path / "方案.docx").write_bytes(b"plan")
    with Database(path) as db:
        ev.attach(db, first, [tmp_path / "方案.docx"], unit="县人社局")
    out = tmp_path / "out"
    out.mkdir()
    root = run_export(path, None, "evidence", out, "闽清县老龄工作领导小组", 7)
    assert root == out / "闽清县老龄工作领导小组验收资料"
    assert (root / "资料台账.xlsx").is_file()
    assert [p.name for p in root.rglob("*.docx")] == ["01-县人社局-方案.docx"]


async def test_area_5_imports_a_folder_of_forms_with_their_files(tmp_path, monkeypatch):
    import shutil
    import sqlite3

    import openpyxl

    from exporters.forms import export_forms
    from tests.test_tui_rounds import GROUP, _open_round
    from tui.testing import choose_group

    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    path = demo_copy(tmp_path)
    _open_round(path)
    out = tmp_path / "out"
    out.mkdir()
    export_forms(path, out, GROUP)
    form = next(out.glob("*_市民政局_进展填报表.xlsx"))
    shutil.copy(form, home)
    wb = openpyxl.load_workbook(home / form.name)
    ws = wb.active
    first = next(r for r in range(4, ws.max_row + 1) if str(ws.cell(r, 1).value or "").isdigit())
    ws.cell(first, 5).value = "推进中"
    ws.cell(first, 6).value = "已摸底"
    ws.cell(first, 9).value = "摸底台账；未附的材料"
    wb.save(home / form.name)
    (home / "1.摸底台账.pdf").write_bytes(b"%PDF survey")
    app = make_app(path, state_path=tmp_path / "state.json")
    async with app.run_test(size=SIZE) as pilot:
        await choose_group(pilot, "临海")
        await pilot.press("5")
        await settle(pilot)
        await pilot.press("i")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        await settle(pilot)
        preview = "\n".join(app.screen.details)
        assert "文件夹中找到 1 个文件，将附加到对应任务" in preview
        assert "佐证材料「未附的材料」在文件夹中没有找到对应的文件" in preview
        await pilot.press("y")
        await settle(pilot)
        await settle(pilot)
        assert any("已添加佐证材料 1 个：1.摸底台账.pdf" in str(n.message) for n in app._notifications)
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT e.name, u.name FROM evidence e JOIN unit u ON u.id = e.unit_id").fetchall() == [
        ("1.摸底台账.pdf", "市民政局")]
    conn.close()
