"""The same tables as .xlsx, .xlsm, .xls, .ods, .docx and .csv read to the same records, and the
grid every reader yields (merges filled, merges known, hidden columns, origins)."""

from __future__ import annotations

import shutil
from datetime import date

import pytest
from data.builders import write_csv, write_docx, write_ods, write_xls, write_xlsx
from data.tables import (
    DIVISION_EXPECTED,
    DIVISION_MERGES,
    DIVISION_NOTE,
    DIVISION_ROWS,
    HEADINGS_EXPECTED,
    HEADINGS_MERGES,
    HEADINGS_ROWS,
    YEARS_EXPECTED,
    YEARS_MERGES,
    YEARS_ROWS,
)
from data.work import assert_work_like, work_of

from importers.readers import open_source
from importers.table import read_task_table

WRITERS = {
    "xlsx": lambda p, rows, merges: write_xlsx(p, rows, merges),
    "xls": lambda p, rows, merges: write_xls(p, rows, merges),
    "ods": lambda p, rows, merges: write_ods(p, rows, merges),
    "docx": lambda p, rows, merges: write_docx(p, rows, merges),
    "csv": lambda p, rows, merges: write_csv(p, rows),
}


def units(refs):
    return [(r.unit, r.person) for r in refs]


@pytest.mark.parametrize("fmt", list(WRITERS))
def test_division_table_in_every_format(tmp_path, fmt):
    path = WRITERS[fmt](tmp_path / f"分工表.{fmt}", DIVISION_ROWS, DIVISION_MERGES)
    table = read_task_table(path)
    assert table.title == "老龄事业重点任务分工表"
    assert table.note == DIVISION_NOTE
    assert len(table.tasks) == len(DIVISION_EXPECTED)
    for task, (no, content, cat_no, cat, deadline, due, lead, co, unpaired) in zip(table.tasks, DIVISION_EXPECTED):
        assert (task.number, task.content, task.category_number, task.category) == (no, content, cat_no, cat)
        assert (task.deadline, task.due) == (deadline, date.fromisoformat(due) if due else None)
        assert units(task.lead) == lead and units(task.co) == co and task.unpaired_persons == unpaired
    assert [(t.origin.row, t.origin.col) for t in table.tasks] == [(4, 3), (5, 3), (6, 3), (7, 3), (8, 3)]
    assert table.tasks[0].origin.file == f"分工表.{fmt}"
    assert [w.origin.row for w in table.warnings] == [5]  # 陈淑玲 beside two units


@pytest.mark.parametrize("fmt", list(WRITERS))
def test_two_row_header_with_year_targets_in_every_format(tmp_path, fmt):
    table = read_task_table(WRITERS[fmt](tmp_path / f"years.{fmt}", YEARS_ROWS, YEARS_MERGES))
    assert table.years == [2023, 2024, 2025]
    got = [[(t.year, t.target) for t in task.targets] for task in table.tasks]
    if fmt == "csv":  # a CSV keeps no merges: the target merged across three years stands in 2023 only
        assert got == [YEARS_EXPECTED[0], [(2023, "100%")], []]
    else:
        assert got == YEARS_EXPECTED
    assert [(t.category_number, t.category, t.number) for t in table.tasks] == [
        ("一", "社会保障", "（一）"), ("一", "社会保障", "（二）"), ("一", "社会保障", "（三）")]
    assert units(table.tasks[1].lead) == [("县老龄办", "吴冰贞")]
    assert all(t.deadline is None and t.due is None for t in table.tasks)


@pytest.mark.parametrize("fmt", list(WRITERS))
def test_heading_rows_in_every_format(tmp_path, fmt):
    rows = HEADINGS_ROWS
    if fmt == "csv":
        rows = [[v.replace("\xa0", "") if isinstance(v, str) else v for v in row] for row in rows]
    table = read_task_table(WRITERS[fmt](tmp_path / f"head.{fmt}", rows, HEADINGS_MERGES))
    got = [(t.number, t.content, t.category_number, t.category, [u.unit for u in t.lead], [u.unit for u in t.co])
           for t in table.tasks]
    assert got == HEADINGS_EXPECTED
    assert table.warnings == []


def test_xlsm_and_wps_xls_that_is_really_xlsx(tmp_path):
    source = write_xlsx(tmp_path / "a.xlsx", DIVISION_ROWS, DIVISION_MERGES)
    for name in ("b.xlsm", "c.xls", "d.et"):
        shutil.copy(source, tmp_path / name)
        assert len(read_task_table(tmp_path / name).tasks) == 5


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gbk", "gb18030"])
@pytest.mark.parametrize("delimiter", [",", "\t", ";"])
def test_csv_encodings_and_delimiters(tmp_path, encoding, delimiter):
    path = write_csv(tmp_path / "t.csv", DIVISION_ROWS, encoding=encoding, delimiter=delimiter)
    table = read_task_table(path)
    assert [t.content for t in table.tasks] == [e[1] for e in DIVISION_EXPECTED]
    assert units(table.tasks[3].co) == DIVISION_EXPECTED[3][7]


def test_gb18030_only_characters(tmp_path):
    rows = [["工作任务", "牵头单位", "责任人"], ["𠀀字任务", "县民政局", "䶮四"]]
    table = read_task_table(write_csv(tmp_path / "t.csv", rows, encoding="gb18030"))
    assert table.tasks[0].content == "𠀀字任务" and units(table.tasks[0].lead) == [("县民政局", "䶮四")]


def test_docx_table_after_title_paragraphs_and_a_small_table(tmp_path):
    path = write_docx(tmp_path / "通知.docx", DIVISION_ROWS[2:], [(t - 2, l, b - 2, r) for t, l, b, r in DIVISION_MERGES if t >= 2],
                      before=["附件", "重点任务分工表"], tables_before=[[["联系人", "电话"], ["张三", "123"]]])
    table = read_task_table(path)
    assert table.sheet == "表格2"
    assert [t.content for t in table.tasks] == [e[1] for e in DIVISION_EXPECTED]
    assert table.tasks[1].category == "健全完善社会保障体系"  # vertical merge filled down


def test_docx_grid_counts_merged_cells_once_per_column(tmp_path):
    rows = [["序号", "工作任务", "完成时限", None, "牵头单位"],
            [None, None, "2023年", "2024年", None],
            ["一", "甲", "80%", None, "县民政局\n县财政局"],
            [None, "乙", "85%", "90%", None]]
    merges = [(0, 0, 1, 0), (0, 1, 1, 1), (0, 2, 0, 3), (0, 4, 1, 4), (2, 0, 3, 0), (2, 2, 2, 3), (2, 4, 3, 4)]
    path = write_docx(tmp_path / "m.docx", rows, merges)
    with open_source(path) as source:
        grid = source.grid("表格1")
    assert grid.rows == [
        ["序号", "工作任务", "完成时限", "完成时限", "牵头单位"],
        ["序号", "工作任务", "2023年", "2024年", "牵头单位"],
        ["一", "甲", "80%", "80%", "县民政局\n县财政局"],
        ["一", "乙", "85%", "90%", "县民政局\n县财政局"],
    ]
    assert sorted(grid.merges) == sorted(merges)
    assert grid.is_covered(3, 4) and not grid.is_covered(2, 4)
    table = read_task_table(path)
    assert [[(t.year, t.target) for t in task.targets] for task in table.tasks] == [
        [(2023, "80%"), (2024, "80%")], [(2023, "85%"), (2024, "90%")]]
    assert [[u.unit for u in t.lead] for t in table.tasks] == [["县民政局", "县财政局"]] * 2


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_grid_fills_merges_and_keeps_them(tmp_path, fmt):
    path = WRITERS[fmt](tmp_path / f"g.{fmt}", DIVISION_ROWS, DIVISION_MERGES)
    with open_source(path) as source:
        assert source.sheet_names == ["Sheet1"]
        grid = source.grid("Sheet1")
    assert grid.rows[1] == ["老龄事业重点任务分工表"] * 8  # merged across: filled across
    assert [row[1] for row in grid.rows[3:6]] == ["健全完善社会保障体系"] * 3  # merged down: filled down
    assert (3, 1, 5, 1) in grid.merges and grid.is_covered(4, 1) and not grid.is_covered(3, 1)
    assert grid.merge_at(2, 1) is None
    assert grid.origin(3, 2).row == 4 and grid.origin(3, 2).col == 3
    assert grid.row_numbers[0] == 1 and grid.col_numbers[0] == 1


def test_grid_origin_when_the_table_does_not_start_at_a1(tmp_path):
    rows = [[None] * 3, [None] * 3, [None, None, "工作任务", "牵头单位"], [None, None, "甲", "县民政局"]]
    path = write_xlsx(tmp_path / "off.xlsx", rows)
    table = read_task_table(path)
    assert (table.tasks[0].origin.row, table.tasks[0].origin.col) == (4, 3)


def test_ods_hidden_column_and_formatting_tail(tmp_path):
    rows = [["序号", "工作任务", "牵头单位", "责任人"], [1, "甲", "县民政局", "朱志军"]]
    path = write_ods(tmp_path / "h.ods", rows, hidden_cols=(3,), formatting_tail=True)
    table = read_task_table(path)
    # the million formatting rows and repeated cells are counted, not expanded: the read costs what
    # the same table without them costs (lines run and memory, not seconds)
    plain = write_ods(tmp_path / "plain.ods", rows, hidden_cols=(3,), formatting_tail=False)
    assert_work_like(work_of(read_task_table, plain), work_of(read_task_table, path), "the formatting tail")
    assert units(table.tasks[0].lead) == [("县民政局", "朱志军")]
    assert any("隐藏列" in w.message and w.origin.col == 4 for w in table.warnings)


def test_xls_hidden_column_is_still_read(tmp_path):
    rows = [["序号", "工作任务", "牵头单位", "责任人"], [1, "甲", "县民政局", "朱志军"]]
    table = read_task_table(write_xls(tmp_path / "h.xls", rows, hidden_cols=(3,)))
    assert units(table.tasks[0].lead) == [("县民政局", "朱志军")]  # .xls hidden flags are not reported by calamine


def test_dates_survive_every_format(tmp_path):
    rows = [["工作任务", "牵头单位", "完成时限"], ["甲", "县民政局", date(2023, 12, 31)], ["乙", "县民政局", "2024年6月底前"]]
    for fmt, writer in WRITERS.items():
        table = read_task_table(writer(tmp_path / f"d.{fmt}", rows, []))
        assert [t.due for t in table.tasks] == [date(2023, 12, 31), date(2024, 6, 30)], fmt


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
@pytest.mark.parametrize(("rows", "merges"), [(DIVISION_ROWS, DIVISION_MERGES), (HEADINGS_ROWS, HEADINGS_MERGES),
                                              (YEARS_ROWS, YEARS_MERGES)])
def test_extent_guard_agrees_with_calamine(tmp_path, fmt, rows, merges):
    """The guard's extent of each sheet (cells with values only) is the block calamine builds."""
    import python_calamine

    from importers.readers.extent import check_workbook

    path = WRITERS[fmt](tmp_path / f"t.{fmt}", [[None] * 2] * 3 + [[None, *row] for row in rows],
                        [(t + 3, l + 1, b + 3, r + 1) for t, l, b, r in merges])
    layouts = check_workbook(path, fmt, exact=True)
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    for name in book.sheet_names:
        sheet, extent = book.get_sheet_by_name(name), layouts[name].extent
        assert (extent.top, extent.left) == tuple(x + 1 for x in sheet.start)
        assert (extent.bottom, extent.right) == tuple(x + 1 for x in sheet.end)
