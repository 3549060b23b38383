"""Unit and person cells read line by line (issue 17's import speed) read exactly as the whole cell does,
and a task's import-source base encoded by the encoder made once is the text JSONEncoder writes."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from importers.normalize import split_persons
from importers.table import UnitReader, _persons, _pieces, _pieces_whole, _without_phones
from models.sources import _JSON, _encoded, encode_task_row

# Pieces real cells are made of, and the awkward ones: brackets open across a line break, labels that
# carry over to the next lines, blank and padded lines, carriage returns, odd spaces, phone numbers.
_BITS = ["县民政局", "县卫生健康局（县老龄办）", "各乡（镇）", "牵头单位：", "配合单位:", "（牵头）", "配合", "医保中心",
         "闽清管理部", "县科技文", "体局", "\n", "\n", "\n", "、", "，", ";", "/", " ", "  ", "\t", "\u3000", "\xa0", "(", ")",
         "（", "）", "【", "】", "\r", "\r\n", "\u2028", "刘  琛", "陈春芳", "张三 李四", "王 宇", "13812345678",
         "电话：0591-1234567", "—", "无", "A", "1", "\u200b", "\x85", "\x0b"]
cells = st.lists(st.sampled_from(_BITS), min_size=1, max_size=10).map("".join)


@settings(max_examples=3000, deadline=None)
@given(cells)
def test_a_unit_cell_reads_the_same_line_by_line_as_whole(cell):
    assert _pieces(cell) == _pieces_whole(cell)


@settings(max_examples=3000, deadline=None)
@given(cells)
def test_a_person_cell_reads_the_same_line_by_line_as_whole(cell):
    assert _persons(cell) == _without_phones(split_persons(cell))


def test_line_by_line_keeps_what_spans_lines():
    # a label carries to the next line; a line after a blank one still follows a line break;
    # a bracket open across a line break keeps the break inside one unit
    assert _pieces("配合单位：县民政局\n\n县财政局") == [("县民政局", False, "co"), ("县财政局", True, "co")]
    assert _pieces("\n\n县民政局\n县财政局") == [("县民政局", False, None), ("县财政局", True, None)]
    assert _pieces("各镇（园区、\n街道）\n县财政局") == [("各镇（园区、街道）", False, None), ("县财政局", True, None)]
    assert _persons("  刘  琛 \n\n陈春芳 13812345678") == ["刘琛", "陈春芳"]


def test_cells_share_one_unit_ref_per_unit_and_person():
    reader = UnitReader()
    first = reader.read("县民政局\n县财政局", "刘  琛\n陈春芳")
    second = reader.read("县财政局\n县民政局", "陈春芳\n刘琛")
    assert [(r.unit, r.person) for r in second.units] == [("县财政局", "陈春芳"), ("县民政局", "刘琛")]
    assert first.units[0] is second.units[1] and first.units[1] is second.units[0]


_SCALARS = st.one_of(st.none(), st.text(max_size=12), st.integers(-5, 3000))


@settings(max_examples=500, deadline=None)
@given(st.lists(_SCALARS, min_size=7, max_size=7),
       st.lists(st.tuples(st.sampled_from(["lead", "co"]), st.integers(1, 99), _SCALARS), max_size=6),
       st.lists(st.tuples(st.integers(2018, 2030), st.text(max_size=8)), max_size=4))
def test_a_task_base_is_the_text_json_writes(values, units, targets):
    units_list = [list(u) for u in units]
    targets_list = [list(t) for t in targets]
    number, category, category_number, content, deadline, due, unpaired = values
    expected = _JSON.encode([[[category_number, category], number, content, [deadline, due], unpaired],
                             units_list, targets_list])
    assert encode_task_row(*values, units_list, targets_list) == expected
    assert json.loads(_encoded(units_list)) == units_list


# Unit-column layouts the first-row shortcut (TableReader._row_units) must read as _units_into does:
# a lead and a co column with persons, a 责任单位 column (its first unit leads unless a lead is known),
# persons with no unit column, two columns of one role, a 责任单位 column after a cell that marked a lead.
_HEADERS = [["工作任务", "牵头单位", "责任人", "配合单位", "责任人"],
            ["工作任务", "责任单位", "责任人", "配合单位", "联系人", "负责人"],
            ["工作任务", "配合单位", "责任人", "牵头单位", "责任人", "责任单位"],
            ["工作任务", "责任人", "责任单位", "配合单位", "配合部门", "责任人"],
            ["工作任务", "配合单位", "责任人", "责任单位", "责任人"],
            ["工作任务", "责任单位", "责任人", "责任部门", "责任人"]]
_ROW_CELLS = st.one_of(st.just(""), cells, st.sampled_from(["县民政局、县财政局", "县财政局（牵头）\n县民政局", "刘  琛\n陈春芳",
                                                            "牵头单位：县民政局；配合单位：县财政局", "张三、张三", 1, 2.0]))


@settings(max_examples=1500, deadline=None)
@given(st.sampled_from(_HEADERS), st.data())
def test_a_first_row_reads_its_units_as_a_row_read_cell_by_cell(header, data):
    from importers.readers.grid import build_grid
    from importers.records import TaskRecord
    from importers.table import TableReader, build_layout

    row = ["任务"] + [data.draw(_ROW_CELLS) for _ in header[1:]]
    grid = build_grid("t.xlsx", "Sheet1", [list(header), row])
    reader = TableReader(grid, build_layout(grid, 0))
    lead, co, unpaired, warnings = reader._row_units(grid.rows[1])
    task, warned = TaskRecord("任务"), []
    reader._units_into(task, 1, grid.rows[1], True, lambda cell, c: warned.append((cell, c)))
    assert (list(lead), list(co), list(unpaired), list(warnings)) == (task.lead, task.co, task.unpaired_persons, warned)
