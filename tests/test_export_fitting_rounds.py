"""Issue 16, the same fitting for every workbook: the rounds' forms (填报表), the round report
(报送情况) and the assessment workbook (考评表), read back with openpyxl and measured with the
function the exporters fit with (``exporters.fitting``, Excel column units): every line of a
short-text cell fits its column, a unit and its liaison take the same lines, no page breaks inside
a row (every page, as the manual breaks cut it, holds its rows); the assessment printed by
LibreOffice on the pages a hand-made one takes, its chart whole on a page of its own."""

from __future__ import annotations

import re
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from exporters import fitting
from exporters.xlsx_sheet import DEFAULT_ROW_POINTS, PORTRAIT_HEIGHT_POINTS, PRINT_HEIGHT_POINTS
from tests.test_export_fitting import _pdf_pages, _require_soffice

# every test here that makes a ledger runs on a file and on a server (tests/conftest.py)
pytestmark = pytest.mark.both_engines


def _widths(ws) -> dict[int, float]:
    """Column → width as the file holds it (a dimension may cover several columns)."""
    out: dict[int, float] = {}
    for key, dim in ws.column_dimensions.items():
        if dim.width:
            first = dim.min or openpyxl.utils.column_index_from_string(key)
            for c in range(first, (dim.max or first) + 1):
                out[c] = dim.width
    return out

GROUP = "临海市老有康养专项工作组"
TODAY = date(2024, 6, 20)


def _round(demo: Path) -> None:
    from models.db import Database
    from models.rounds import open_round
    from tests.test_export_division import _group_id

    db = Database(demo)
    try:
        open_round(db, _group_id(db, GROUP), "2024年6月", due=date(2024, 6, 30))
    finally:
        db.close()


def _forms(demo: Path, tmp_path: Path) -> list[Path]:
    from exporters.forms import export_forms

    out = tmp_path / "forms"
    out.mkdir()
    return export_forms(demo, out, GROUP)


def _reporting(demo: Path, tmp_path: Path) -> Path:
    from exporters.reporting import export_reporting

    return export_reporting(demo, tmp_path / "报送情况.xlsx", GROUP, today=TODAY)


def _assessment(demo: Path, tmp_path: Path, group: str = GROUP) -> Path:
    from exporters.assessment import export_assessment
    from models import store
    from models.judged import group_id_of

    conn = store.connect(demo)
    try:
        return export_assessment(conn, group_id_of(conn, group), group, tmp_path / f"考评-{abs(hash(group))}.xlsx",
                                 TODAY)
    finally:
        conn.close()


def _short_lines_fit(ws, header: int, short: set[str]) -> int:
    """Every line of every cell of a short-text column fits its width; returns the lines checked."""
    widths = _widths(ws)
    names = {c: str(ws.cell(header, c).value or "").replace("\n", "") for c in range(1, ws.max_column + 1)}
    across = {(m.min_row, m.min_col) for m in ws.merged_cells.ranges if m.max_col > m.min_col}  # headings, notes
    checked = 0
    for r in range(header + 1, ws.max_row + 1):
        for c, name in names.items():
            value = ws.cell(r, c).value
            if name not in short or not isinstance(value, str) or (r, c) in across:
                continue
            for line in value.split("\n"):
                assert fitting.text_width(line) + fitting.CELL_PADDING <= widths[c] + 1e-6, (
                    ws.cell(r, c).coordinate, name, line, widths[c])
                checked += 1
    return checked


def _height(ws, r: int) -> float:
    return ws.row_dimensions[r].height or DEFAULT_ROW_POINTS


def _pages_hold_their_rows(ws, header: int) -> int:
    """Every page the manual breaks make holds its rows at the print scale (so the application adds
    no break of its own, which could fall inside a row); returns the number of pages."""
    portrait = ws.page_setup.orientation == "portrait"
    widths = sum(round(w * 7) for col, w in _widths(ws).items()
                 if not ws.column_dimensions[openpyxl.utils.get_column_letter(col)].hidden)
    usable = 595.3 - 72 * 1.0 if portrait else 841.9 - 72 * 1.0
    scale = min(1.0, int(usable / (widths * 0.75) * 100) / 100)
    page = (PORTRAIT_HEIGHT_POINTS if portrait else PRINT_HEIGHT_POINTS) / scale
    repeat = sum(_height(ws, r) for r in range(header, header + 1))
    breaks = sorted(b.id for b in ws.row_breaks.brk)
    start, pages = 1, 0
    for i, end in enumerate(breaks + [ws.max_row]):
        rows = range(start, end + 1)
        used = sum(_height(ws, r) for r in rows) + (repeat if i else 0)
        assert used <= page, (i, used, page, breaks)
        start, pages = end + 1, pages + 1
    # and a merged cell never runs over a break
    for m in ws.merged_cells.ranges:
        assert not any(m.min_row <= b < m.max_row for b in breaks), (m.coord, breaks)
    return pages


def test_forms_fit_their_short_texts_and_break_pages_between_rows(demo, tmp_path):
    _round(demo)
    paths = _forms(demo, tmp_path)
    checked = broken = 0
    for path in paths:
        ws = openpyxl.load_workbook(path).active
        checked += _short_lines_fit(ws, 3, {"序号", "完成时限", "本单位职责", "完成状态"})
        _pages_hold_their_rows(ws, 3)
        broken += len(ws.row_breaks.brk)
        # the deadline is written with its breaks where it reads well (2022年8月 / 底完成)
        for r in range(4, ws.max_row + 1):
            value = ws.cell(r, 3).value
            if isinstance(value, str) and "\n" in value:
                assert fitting.reads_well(value.split("\n")) and all(len(x) >= 2 for x in value.split("\n")), value
    assert checked > 300 and broken > 10  # long forms run over pages, broken by the exporter


def test_the_round_report_fits_and_pairs_each_unit_with_its_liaison(demo, tmp_path):
    _round(demo)
    from models.db import Database
    from models import operations as ops
    from tests.test_export_division import _group_id

    db = Database(demo)  # a liaison for a unit whose name wraps in its column
    try:
        ops.add_member(db, _group_id(db, GROUP), "王小明", role="联络员", unit="市委组织部（市委两新工委）",
                       phone="0576-85123456")
    finally:
        db.close()
    ws = openpyxl.load_workbook(_reporting(demo, tmp_path)).active
    assert _short_lines_fit(ws, 3, {"序号", "单位", "报送状态", "已填/任务", "联络员", "联系电话"}) > 60
    assert _pages_hold_their_rows(ws, 3) > 1
    paired = 0
    for r in range(4, ws.max_row + 1):
        unit, liaison = ws.cell(r, 2).value, ws.cell(r, 6).value
        if unit and liaison:
            assert len(unit.split("\n")) == len(liaison.split("\n")), (r, unit, liaison)
            paired += "\n" in unit
    assert paired >= 1
    # one row per task a unit owes, the unit's cells merged down its rows
    owed = [ws.cell(r, 8).value for r in range(4, ws.max_row + 1) if ws.cell(r, 8).value]
    assert all(re.match(r"\d+．", line) and "\n" not in line for line in owed) and len(owed) > 60


def test_the_assessment_is_fitted_and_printed_like_the_other_reports(demo, tmp_path):
    path = _assessment(demo, tmp_path)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["考评", "完成率图表"]
    ws = wb["考评"]
    widths = _widths(ws)
    # the title runs across exactly the used columns
    title = next(m for m in ws.merged_cells.ranges if m.min_row == 1)
    assert (title.min_col, title.max_col) == (1, ws.max_column) and ws["A1"].font.sz == 22
    assert ws["A1"].value.replace("\n", "") == f"{GROUP}成员单位考评表"
    # every header line and every unit name fits its column
    for c in range(1, ws.max_column + 1):
        for line in str(ws.cell(3, c).value).split("\n"):
            assert fitting.text_width(line) + fitting.CELL_PADDING <= widths[c] + 1e-6, (c, line)
    assert _short_lines_fit(ws, 3, {"单位"}) >= 30
    assert ws.page_setup.orientation == "portrait" and ws.page_setup.paperSize == 9
    # one page wide (1 is the file's default, left out), as many tall as needed
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth in (None, 1)
    assert ws.page_setup.fitToHeight == 0
    assert ws.print_title_rows == "$3:$3"
    _pages_hold_their_rows(ws, 3)
    # the chart on a sheet of its own, fitted to one page
    chart = wb["完成率图表"]
    assert chart.sheet_properties.pageSetUpPr.fitToPage
    assert chart.page_setup.fitToWidth in (None, 1) and chart.page_setup.fitToHeight in (None, 1)
    with zipfile.ZipFile(path) as z:
        xml = z.read("xl/charts/chart1.xml").decode()
        drawing = z.read("xl/worksheets/_rels/sheet2.xml.rels").decode()
    assert "<c:barChart>" in xml and "考评!$B$4" in xml and "drawing" in drawing


@pytest.mark.parametrize("group", [GROUP, "四平市老龄工作委员会"])
def test_the_assessment_prints_on_two_pages_chart_whole(demo, tmp_path, group):
    """On paper: the table of 临海's 32 units (四平's 31, its rows tightened rather than one unit left
    alone on a page) on one A4 portrait page, as a hand-made one fits them, the chart on the second,
    every unit's bar on it."""
    _require_soffice()
    path = _assessment(demo, tmp_path, group)
    pages, data = _pdf_pages(path, tmp_path)
    assert pages == 2, pages
    assert re.search(rb"/MediaBox\s*\[\s*0 0 595\.\d+ 841\.\d+", data)  # A4 portrait
    assert not re.search(rb"/MediaBox\s*\[\s*0 0 841\.\d+ 595\.\d+", data)
    text = _pdf_text(path.with_suffix(".pdf"))
    table, chart = text.split("\f")[:2]
    assert f"{group}成员单位考评表" in table and "第1页共2页" in table.replace(" ", "")
    ws = openpyxl.load_workbook(path)["考评"]
    units = [ws.cell(r, 2).value for r in range(4, ws.max_row + 1)]
    assert len(units) > 30
    ranked = [ws.cell(r, 2).value for r in range(4, ws.max_row + 1) if ws.cell(r, 1).value != "—"]
    assert ranked  # units leading no task are listed, unranked, and have no bar
    assert all(u and u.replace("\n", "") in chart.replace("\n", "") for u in ranked), chart
    assert "各单位任务完成率" in chart


def _pdf_text(pdf: Path) -> str:
    import shutil
    import subprocess

    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed")
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def test_the_evidence_ledger_is_fitted_like_the_reports(demo, tmp_path):
    """资料台账 (the acceptance export's list) on the same Sheet: short texts fit, pages break between
    rows; with no file yet, 工作任务 takes the room the file columns would."""
    from exporters.evidence import write_tree
    from models import store

    conn = store.connect(demo)
    try:
        root = write_tree(conn, demo, "闽清县老龄工作领导小组", tmp_path).root
    finally:
        conn.close()
    ws = openpyxl.load_workbook(root / "资料台账.xlsx").active
    assert _short_lines_fit(ws, 2, {"序号", "类别", "牵头单位", "完成状态", "报送单位", "日期", "大小"}) > 60
    assert _pages_hold_their_rows(ws, 2) >= 2
    widths = _widths(ws)
    assert widths[3] > 2 * widths[10]  # 工作任务 wider than twice the (empty) file column
    assert {ws.cell(r, 6).value for r in range(3, ws.max_row + 1)} == {"无佐证材料"}
