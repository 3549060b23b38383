"""Issue 16 in the export dialog (x): Space marks several Excel reports to export together, each
labelled 附件1, 附件2 … in the list's order (one report alone keeps 附件); a checkbox adds 完成状态 and
完成日期 to the division table (the command line's --with-status). Real keys, files read back.
The command line's own joint export (--kind division,progress,…) is checked here too."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl

from tests.conftest import run_cli
from tui import make_app
from tui.testing import choose_group, demo_copy, settle, text_of

SIZE = (120, 36)
QIDONG = "启东市省健康县（区）建设领导小组"


def _headers(path: Path) -> list[str]:
    ws = openpyxl.load_workbook(path).active
    header = next(r for r in range(1, 10) if ws.cell(r, 1).value == "序号")
    return [str(ws.cell(header, c).value).replace("\n", "") for c in range(1, ws.max_column + 1)
            if ws.cell(header, c).value]


def _label(path: Path) -> str:
    return openpyxl.load_workbook(path).active["A1"].value


async def test_space_marks_reports_exported_together_as_numbered_attachments(tmp_path):
    out = tmp_path / "导出"
    out.mkdir()
    app = make_app(demo_copy(tmp_path), state_path=tmp_path / "state.json")
    async with app.run_test(size=SIZE) as pilot:
        await choose_group(pilot, "启东")
        await pilot.press("x")
        await settle(pilot)
        dialog = app.screen
        await pilot.press("tab", "tab", "ctrl+u", *str(out), "shift+tab", "shift+tab")  # the folder, back to the list
        # mark 进展情况表, then 分工表 (the list's order decides the numbers), and 成员名单
        await pilot.press("down", "space", "up", "space", "down", "down", "down", "space")
        await settle(pilot)
        assert "✓" in str(dialog.query_one("#kind").get_option_at_index(0).prompt)
        await pilot.press("down", "space")  # JSON cannot be marked: the dialog says so
        await settle(pilot)
        assert "只有分工表" in text_of(dialog.query_one("#result"))
        await pilot.press("enter")
        await settle(pilot)
        result = text_of(dialog.query_one("#result"))
        assert "已导出到" in result and "未能导出" not in result
        # done: the marks are cleared, so the next Enter exports the highlighted report alone
        assert not any("✓" in str(o.prompt) for o in dialog.query_one("#kind").options)
    files = {p.name.split("_")[1]: p for p in out.iterdir()}
    assert set(files) == {"分工表", "进展情况表", "成员名单"}
    assert [_label(files[k]) for k in ("分工表", "进展情况表", "成员名单")] == ["附件1", "附件2", "附件3"]
    assert "完成状态" not in _headers(files["分工表"])


async def test_the_status_checkbox_adds_the_two_columns_to_the_division_table(tmp_path):
    out = tmp_path / "导出"
    out.mkdir()
    app = make_app(demo_copy(tmp_path), state_path=tmp_path / "state.json")
    async with app.run_test(size=SIZE) as pilot:
        await choose_group(pilot, "启东")
        await pilot.press("x")
        await settle(pilot)
        dialog = app.screen
        await pilot.press("tab", "tab", "ctrl+u", *str(out), "tab")  # the folder, then the checkbox
        assert dialog.focused.id == "with-status"
        await pilot.press("space")
        await settle(pilot)
        assert dialog.query_one("#with-status").value
        await pilot.press("shift+tab", "shift+tab", "shift+tab", "enter")  # back to the list: 分工表
        await settle(pilot)
        assert "已导出到" in text_of(dialog.query_one("#result"))
    (path,) = out.iterdir()
    assert path.name.startswith(f"{QIDONG}_分工表_")
    headers = _headers(path)
    assert headers[-2:] == ["完成状态", "完成日期"]
    assert _label(path) == "附件"  # one report alone


def test_the_command_line_numbers_reports_exported_together(demo, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    r = run_cli("--db", str(demo), "export", str(out), "--kind", "overdue,division", "--group", QIDONG,
                "--within", "400")
    assert r.returncode == 0, r.stderr
    written = re.findall(r"已导出：(.+)", r.stdout)
    assert [Path(p).name.split("_")[1] for p in written] == ["逾期督办清单", "分工表"]  # in the order given
    assert [_label(Path(p)) for p in written] == ["附件1", "附件2"]
    # one report keeps 附件; several need a folder; only the four reports go together
    r = run_cli("--db", str(demo), "export", str(out / "x.xlsx"), "--kind", "roster", "--group", QIDONG)
    assert r.returncode == 0 and _label(out / "x.xlsx") == "附件"
    r = run_cli("--db", str(demo), "export", str(out / "y.xlsx"), "--kind", "division,progress", "--group", QIDONG)
    assert r.returncode == 2 and "应是一个已有的文件夹" in r.stderr and not (out / "y.xlsx").exists()
    r = run_cli("--db", str(demo), "export", str(out), "--kind", "division,forms", "--group", QIDONG)
    assert r.returncode == 2 and "Traceback" not in r.stderr
