"""Issue 4: the division table (分工表) as Excel — layout, printing, safety, and the round trip
export → import that gives back the same tasks (for every sample group with tasks)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exporters.excel import export
from exporters.json_dump import build_dump
from models.db import Database
from taizhang.demo import DEMO_GROUPS
from conftest import connect_ledger

# every test here that makes a ledger runs on a file and on a server (tests/conftest.py)
pytestmark = pytest.mark.both_engines

MINQING = "闽清县老龄工作领导小组"
LINHAI = "临海市老有康养专项工作组"
QIDONG = "启东市省健康县（区）建设领导小组"
SIPING = "四平市老龄工作委员会"
TASK_GROUPS = [g.name for g in DEMO_GROUPS if any(kind == "tasks" for _, kind in g.files)]


def _sheet(path: Path):
    return openpyxl.load_workbook(path).active


def _merges(ws) -> set[str]:
    return {str(r) for r in ws.merged_cells.ranges}


def _column_merges(ws, col: int, first: int, last: int) -> str | None:
    """The text merged down rows first..last of a column (page by page: one merge per page, the
    text repeated in each); asserts the merges cover exactly those rows."""
    parts = sorted((r.min_row, r.max_row) for r in ws.merged_cells.ranges
                   if r.min_col == col == r.max_col and first <= r.min_row <= last)
    covered = [r for a, b in parts for r in range(a, b + 1)]
    singles = [r for r in range(first, last + 1) if r not in covered]
    assert sorted(covered + singles) == list(range(first, last + 1))
    texts = {ws.cell(r, col).value for r in [a for a, _ in parts] + singles}
    assert len(texts) == 1, texts
    return texts.pop()


def _row(ws, r: int) -> list:
    return [c.value for c in ws[r]]


# --------------------------------------------------------------------------- layout (闽清, seed 002)


def test_minqing_division_layout(demo, tmp_path):
    out = export(demo, "division", tmp_path / "out.xlsx", MINQING)
    ws = _sheet(out)
    assert ws.title == "分工表"
    assert ws["A1"].value == "附件" and ws["A1"].font.name == "黑体"
    assert ws["A2"].value == f"{MINQING}重点任务分工表"
    assert ws["A2"].font.name == "方正小标宋简体" and ws["A2"].font.sz == 22
    assert ws["A1"].font.sz == 16
    assert "A2:J2" in _merges(ws)
    # the standard columns only: no 完成状态 / 完成日期 unless asked for (issue 16)
    assert _row(ws, 3) == ["序号", "项目名称", "工作任务", "完成时限", None, None, "牵头单位", "责任人", "配合单位",
                           "责任人"]
    assert _row(ws, 4)[3:6] == ["2018年", "2019年", "2020年"]
    assert {"A3:A4", "B3:B4", "C3:C4", "D3:F3", "G3:G4", "J3:J4"} <= _merges(ws)
    for cell in ws[3] + ws[4]:
        if type(cell).__name__ == "MergedCell":  # openpyxl keeps no style for covered cells
            continue
        assert cell.font.name == "黑体"
        assert cell.border.left.style == cell.border.bottom.style == "thin"

    # category 一 numbered and merged down its six rows, beside its name
    assert "A5:A10" in _merges(ws) and "B5:B10" in _merges(ws)
    assert ws["A5"].value == "一" and ws["B5"].value.replace("\n", "") == "健全完善社会保障体系"
    # category 二 has no number in the seed: its 序号 stays empty, still merged with its rows
    assert ws["A11"].value is None and ws["B11"].value.replace("\n", "") == "健全养老服务体系"
    assert _column_merges(ws, 2, 11, 15).replace("\n", "") == "健全养老服务体系"
    # task numbers lead their text; one value per year; units and persons one per line
    assert ws["C5"].value == "（一）基本养老保险参保率达到90%"
    assert [ws.cell(5, c).value for c in (4, 5, 6)] == ["85%", "88%", "90%"]
    assert ws["I5"].value == "县财政局\n各乡（镇）" and ws["J5"].value == "陈淑玲"  # unpaired, as in the seed
    # a unit wrapped where it reads well, its person padded to the same lines
    assert ws["G8"].value.replace("\n", "") == "医保中心闽清管理部" and ws["H8"].value.split("\n")[0] == "刘琛"
    assert len(ws["G8"].value.split("\n")) == len(ws["H8"].value.split("\n"))
    assert "医保中心闽清" in ws["I11"].value.split("\n")[-2] + ws["I11"].value.split("\n")[-1]
    assert [p for p in ws["J11"].value.split("\n") if p][-1] == "刘琛"
    assert len(ws["I11"].value.split("\n")) == len(ws["J11"].value.split("\n"))
    assert ws["C19"].value.startswith("完善老年宜居环境建设评价标准体系")  # category 四's task has no number
    for cell in ws[5]:
        if type(cell).__name__ == "MergedCell":
            continue
        assert cell.font.name == "仿宋"
        assert cell.alignment.wrap_text and cell.alignment.vertical == "center"
        assert cell.border.left.style == cell.border.right.style == cell.border.top.style == "thin"
    assert ws["C5"].alignment.horizontal == "left"
    # the note on successors under the table, across it
    last = ws.max_row
    assert ws.cell(last, 1).value.startswith("注：责任单位的责任人如遇工作调整和职务变动")
    assert f"A{last}:J{last}" in _merges(ws)
    assert last == 4 + 27 + 1


def test_division_printing(demo, tmp_path):
    ws = _sheet(export(demo, "division", tmp_path / "out.xlsx", MINQING))
    assert ws.page_setup.orientation == "landscape"
    assert ws.page_setup.paperSize == 9  # A4
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.page_setup.fitToWidth in (None, 1) and ws.page_setup.fitToHeight == 0  # 1 is the default
    assert ws.print_title_rows == "$3:$4"
    assert ws.oddFooter.center.text == "第 &P 页 共 &N 页"
    assert ws.freeze_panes == "A5"
    assert ws.print_options.horizontalCentered
    # widths fit Chinese text: a unit name fits its column, the task column is the widest
    widths = {k: v.width for k, v in ws.column_dimensions.items()}
    assert widths["C"] == max(widths.values())
    assert widths["A"] < 10
    # every row has an explicit height (LibreOffice does not size rows when it opens a file)
    assert all(ws.row_dimensions[r].height for r in range(1, ws.max_row + 1))
    # pages are filled row by row (issue 16): categories run on
    breaks = [b.id for b in ws.row_breaks.brk]
    assert breaks


def test_split_category_is_merged_again_on_the_next_page(demo, tmp_path):
    """A category longer than a page is merged page by page, its name on every page."""
    from models import operations as ops

    db = Database(demo)
    try:
        gid = _group_id(db, MINQING)
        for i in range(40):
            ops.add_task(db, gid, f"追加的任务，内容稍长一些，以便占满几页纸张并检查分页后的合并单元格第{i}项",
                         number=f"（{i + 1}）", category="追加类别", category_number="八")
    finally:
        db.close()
    ws = _sheet(export(demo, "division", tmp_path / "out.xlsx", MINQING))
    breaks = [b.id for b in ws.row_breaks.brk]
    category_merges = sorted((r.min_row, r.max_row) for r in ws.merged_cells.ranges
                             if r.min_col == 2 and r.max_col == 2 and ws.cell(r.min_row, 2).value == "追加类别")
    assert len(category_merges) >= 2
    for first, last in category_merges:  # no merge crosses a page break
        assert not any(first <= b < last for b in breaks)
        assert ws.cell(first, 1).value == "八"


def test_groups_without_categories_or_targets(demo, tmp_path):
    ws = _sheet(export(demo, "division", tmp_path / "sp.xlsx", SIPING))
    assert _row(ws, 3) == ["序号", "工作任务", "完成时限", "牵头单位", "配合单位"]  # no persons: no person columns
    assert ws["A4"].value == "1" and ws["C4"].value == "持续推进"
    assert ws["E6"].value == "各级人民政府\n街道（乡镇）\n社区（村）"
    assert ws.print_title_rows == "$3:$3" and ws.freeze_panes == "A4"
    ws = _sheet(export(demo, "division", tmp_path / "qd.xlsx", QIDONG))
    assert _row(ws, 3)[:4] == ["序号", "项目名称", "工作任务", "完成时限"]
    # task numbers run 1–16 through the table: 序号 holds them, 项目名称 is merged down its rows
    assert [ws.cell(r, 1).value for r in range(4, 10)] == ["1", "2", "3", "4", "5", "6"]
    assert ws["B4"].value == "主要指标"


def test_linhai_numbers_tasks_and_prefixes_categories(demo, tmp_path):
    ws = _sheet(export(demo, "division", tmp_path / "lh.xlsx", LINHAI))
    assert ws["A4"].value == "1"
    assert ws["B4"].value.replace("\n", "") == "（一）老有所养"
    # the title of the document the notice issues (issue 16); no person columns: empty on every row
    assert ws["A2"].value.replace("\n", "") == "临海市公共服务优质共享行动老有康养专项实施方案（2023—2025年）重点任务分工表"
    assert _row(ws, 3) == ["序号", "项目名称", "工作任务", "完成时限", "牵头单位", "配合单位"]
    assert ws["C4"].value.startswith("建立老年人公共服务清单")


def test_empty_group_exports_its_header(demo, tmp_path):
    ws = _sheet(export(demo, "division", tmp_path / "empty.xlsx", "泉港区长寿之乡回头看及助推寿乡发展工作领导小组"))
    assert ws["A3"].value == "序号" and ws["A4"].value == "本组还没有任务。" and ws.max_row == 4


# --------------------------------------------------------------------------- safety


FORMULAS = ["=SUM(A1)", "+86 123", "-某", "@x", "=HYPERLINK(\"http://x\",\"y\")"]


def test_formula_looking_text_stays_text(tmp_path):
    from models import operations as ops

    path = tmp_path / "f.db"
    db = Database(path)
    try:
        gid = ops.create_group(db, "=组")
        for i, text in enumerate(FORMULAS):
            task = ops.add_task(db, gid, text, category="-类别", deadline="=2024年底", due=date(2024, 12, 31),
                                notes="@备注")
            ops.assign(db, task, f"+单位{i}", person="=某人")
            ops.assign(db, task, "@配合", role="co", person="-李四")
    finally:
        db.close()
    out = export(path, "division", tmp_path / "f.xlsx", "=组")
    ws = _sheet(out)
    strings = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert ws["A2"].value == "=组重点任务分工表" or ws["A2"].value.startswith("=组")
    for cell in strings:
        assert cell.data_type == "s", cell.coordinate
        if cell.value[0] in "=+-@":
            assert cell.quotePrefix, cell.coordinate
    texts = {c.value for c in strings}
    db = Database(path)
    try:
        contents = {t["content"] for t in build_dump(db, "=组")["groups"][0]["tasks"]}
    finally:
        db.close()
    assert len(contents) == len(FORMULAS) and contents <= texts
    assert {"=某人", "-李四", "@配合", "+单位0", "-类别", "=2024年底", "@备注"} <= texts
    with zipfile.ZipFile(out) as z:
        sheet_xml = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml
    # and the import reads them back as the same text
    _roundtrip_equal(path, "=组", tmp_path)


def test_clean_names():
    from exporters.excel import default_file_name
    from exporters.xlsx_sheet import clean_file_name, clean_sheet_name

    assert clean_sheet_name("a[b]:c*d?e/f\\g") == "abcdefg"
    assert clean_sheet_name("'x'") == "x" and clean_sheet_name("History") == "表1" and clean_sheet_name("[]") == "表1"
    assert len(clean_sheet_name("长" * 40)) == 31
    assert clean_file_name('县/区:"组"*?<>|') == "县_区__组______"
    assert clean_file_name(" CON ") == "领导小组_CON" and clean_file_name("...") == "领导小组"
    assert default_file_name("a/b", "overdue", date(2023, 7, 1)) == "a_b_逾期督办清单_20230701.xlsx"


_STARTS = ["县", "市", "各", "中共", "团", "国家", "文明", "融", "国网", "消防", "老干", "妇", "科技文"]
_MIDDLES = ["", "人社", "卫健", "财政", "教育", "民政", "融媒", "乡镇（园区、街道）"]
_ENDS = ["局", "办", "委", "中心", "大队", "公司", "党委", "人大", "政协", "媒体", "体", "文明", "所", "）", "联", "会", "工"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_STARTS), st.sampled_from(_MIDDLES), st.sampled_from(_ENDS),
                          st.sampled_from([None, "张三", "李四", "王 五"])),
                min_size=1, max_size=4, unique_by=lambda t: t[0] + t[1] + t[2]),
       st.sampled_from([9.0, 13.4, 30.0]), st.sampled_from([7.0, 12.0]))
def test_a_unit_cell_the_exporter_writes_reads_back_as_the_same_units_and_persons(parts, unit_width, person_width):
    """Whatever the names (ending like a unit or not, starting like one or not), the units cell
    and the persons cell the division table is written with read back as the same units, each
    with its person or none (the exporter's layout rules must agree with the reader's)."""
    from exporters.reports import _role_cells
    from importers.normalize import clean_name
    from importers.table import UnitReader

    pairs = [(a + b + c, person) for a, b, c, person in parts]
    cells = _role_cells(pairs, [], unit_width, person_width)  # column widths as the fitting gives them
    read = UnitReader().read(cells.units, cells.persons)
    if any(p for _, p in pairs):
        expected = [(unit, clean_name(p) if p else None) for unit, p in pairs]
    else:
        expected = pairs
    assert [(u.unit, u.person) for u in read.units] == expected
    assert read.unpaired == []


# --------------------------------------------------------------------------- round trip

TASK_KEYS = ("number", "category", "category_number", "content", "deadline", "due", "lead", "co", "unpaired_persons",
             "status", "done_on", "notes")


def _tasks(db_path: Path, group: str) -> tuple[list[dict], dict]:
    db = Database(db_path)
    try:
        dump = build_dump(db, group)
    finally:
        db.close()
    g = dump["groups"][0]
    tasks = [{**{k: t[k] for k in TASK_KEYS}, "targets": [(x["year"], x["target"]) for x in t["targets"]]}
             for t in g["tasks"]]
    return tasks, {"note": g["note"], "units": {u["name"] for u in dump["units"]}}


def _roundtrip_equal(db_path: Path, group: str, tmp_path: Path, with_status: bool = False) -> Path:
    from importers import read_file
    from importers.load import load

    out = export(db_path, "division", tmp_path / f"{group}.xlsx", group, with_status=with_status)
    fresh = tmp_path / f"fresh-{abs(hash(group))}.db"
    record = read_file(out, kind="tasks")
    load(fresh, record, group)
    before, info_before = _tasks(db_path, group)
    after, info_after = _tasks(fresh, group)
    assert len(after) == len(before)
    for a, b in zip(before, after):
        assert a == b
    used = {u["unit"] for t in before for u in t["lead"] + t["co"]}
    assert info_after["units"] == used  # no unit invented or split
    assert info_after["note"] == info_before["note"]
    return out


@pytest.mark.parametrize("group", TASK_GROUPS)
def test_round_trip_gives_back_the_same_tasks(demo, tmp_path, group):
    _roundtrip_equal(demo, group, tmp_path)


def test_round_trip_keeps_statuses_dates_notes_and_odd_persons(demo, tmp_path, monkeypatch):
    from models import operations as ops

    db = Database(demo)
    try:
        dump = build_dump(db, MINQING)["groups"][0]["tasks"]
        ids = [t["id"] for t in dump]
        monkeypatch.setenv("TAIZHANG_TODAY", "2019-03-05")
        ops.tick(db, ids[0])
        ops.set_status(db, ids[1], "推进中")
        ops.record_progress(db, ids[2], "已召开推进会", on=date(2019, 2, 1))
        ops.edit_task(db, ids[3], notes="由县医保中心统计\n每季度报送")
        ops.assign(db, ids[26], "县统计局", role="co", person="王五")  # 七（四） had no co units
        extra = ops.add_task(db, _group_id(db, MINQING), "补充任务", category="强化保障措施", category_number="七",
                             number="（五）", deadline="2019年6月底前", due=date(2019, 6, 30))
        ops.assign(db, extra, "县委老干局", person="刘守云")
    finally:
        db.close()
    out = _roundtrip_equal(demo, MINQING, tmp_path, with_status=True)
    ws = _sheet(out)
    headers = _row(ws, 3)
    assert "备注" in headers
    done = ws.cell(5, headers.index("完成\n日期") + 1)
    assert done.is_date and done.value.date() == date(2019, 3, 5) and done.number_format == 'yyyy"年"m"月"d"日"'


def _group_id(db: Database, name: str) -> int:
    from sqlmodel import select

    from models.tables import Group

    with db.session() as s:
        return s.exec(select(Group.id).where(Group.name == name)).one()


def test_unpaired_persons_that_cannot_share_a_column_get_their_own(tmp_path):
    from models import operations as ops

    path = tmp_path / "u.db"
    db = Database(path)
    try:
        gid = ops.create_group(db, "测试组")
        t = ops.add_task(db, gid, "一项任务")
        ops.assign(db, t, "县民政局", person="李四")
        ops.assign(db, t, "县财政局", role="co")  # one co unit, one unpaired person: they would pair
        t2 = ops.add_task(db, gid, "第二项任务")
        ops.assign(db, t2, "县民政局")
        ops.assign(db, t2, "县教育局", role="co")
        ops.assign(db, t2, "县融媒体", role="co")
        ops.assign(db, t2, "文明办", role="co")  # 县融媒体\n文明办 would read as one wrapped name
    finally:
        db.close()
    
    with connect_ledger(path) as conn:  # persons the importer could not pair (no operation sets these)
        conn.execute("UPDATE task SET unpaired_persons = ? WHERE id = ?", ('["张三"]', t))
        conn.execute("UPDATE task SET unpaired_persons = ? WHERE id = ?", ('["王五", "赵六"]', t2))
    out = _roundtrip_equal(path, "测试组", tmp_path)
    ws = _sheet(out)
    headers = _row(ws, 3)
    assert headers[-1] == "未配对责任人"
    assert ws.cell(5, 4).value == "王五\n赵六"  # beside one lead unit: two persons cannot pair with it
    assert ws.cell(5, 5).value == "县教育局、县融媒体、文明办"
    assert ws.cell(4, len(headers)).value == "张三"  # one co unit and one person would pair: a column of their own


@pytest.mark.parametrize("co", [
    [("县财政局", None), ("县教育局", "王五")],
    [("县财政局", "王五"), ("县教育局", None)],
    [("县财政局", "王五"), ("县教育局", None), ("县卫健局", "赵六")],
    [("县财政局", None), ("县教育局", "王五"), ("县卫健局", None)],
])
def test_persons_for_some_units_only_round_trip(tmp_path, co):
    """A unit without a person among units with one is written "—" on its line; the reader takes
    "—" for no person, so each person stays paired with its unit (none comes back unpaired)."""
    from models import operations as ops

    path = tmp_path / "p.db"
    db = Database(path)
    try:
        gid = ops.create_group(db, "测试组")
        t = ops.add_task(db, gid, "一项任务")
        ops.assign(db, t, "县民政局", person="李四")
        for unit, person in co:
            ops.assign(db, t, unit, role="co", person=person)
    finally:
        db.close()
    out = _roundtrip_equal(path, "测试组", tmp_path)
    ws = _sheet(out)
    header = [c.value for c in ws[3]]
    persons_col = len(header) - header[::-1].index("责任人")  # the co units' person column
    assert ws.cell(4, persons_col).value == "\n".join(p or "—" for _, p in co)
    tasks, _ = _tasks(path, "测试组")
    assert tasks[0]["unpaired_persons"] == [] and [(u["unit"], u["person"]) for u in tasks[0]["co"]] == co


# --------------------------------------------------------------------------- LibreOffice


def _soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


@pytest.mark.skipif(_soffice() is None and not os.environ.get("TAIZHANG_REQUIRE_SOFFICE"), reason="LibreOffice is not installed")
def test_division_converts_to_pdf_with_libreoffice(demo, tmp_path):
    assert _soffice(), "LibreOffice is not installed: .ci/run installs it, and CI fails without it"
    out = export(demo, "division", tmp_path / "minqing.xlsx", MINQING)
    profile = tmp_path / "lo-profile"
    result = subprocess.run(
        [_soffice(), f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "pdf",
         "--outdir", str(tmp_path), str(out)], capture_output=True, text=True, timeout=180)
    pdf = tmp_path / "minqing.pdf"
    assert pdf.is_file(), result.stdout + result.stderr
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    pages = len(re.findall(rb"/Type\s*/Page[^s]", data))
    assert 2 <= pages <= 8  # A4 landscape pages, not one per column or a shrunken single page
    assert re.search(rb"/MediaBox\s*\[\s*0 0 841\.\d+ 595\.\d+", data)  # A4 landscape


def test_the_exporter_marks_a_unit_without_a_person_as_the_reader_expects():
    from exporters import reports
    from importers.records import NO_PERSON, NO_PERSON_MARKS

    assert reports.NO_PERSON == NO_PERSON and reports.NO_PERSON in NO_PERSON_MARKS
