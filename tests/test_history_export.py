"""Issue 7, the audit trail on paper: `taizhang export OUT.xlsx --kind history [--group NAME]` after
real changes (import, tick, deadline, rename, 换人, undo, a revised table, a 10,000-task import),
read back with openpyxl: one row per change, oldest first, Chinese words, before → after, and the
print conventions of the other reports."""

from __future__ import annotations

import re
import sqlite3
import sys
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from conftest import SAMPLES, connect_ledger, run_cli

from models import operations as ops
from models.db import Database

# every test here that makes a ledger runs on a file and on a server (tests/conftest.py)
pytestmark = pytest.mark.both_engines

MINQING = "闽清县老龄工作领导小组"
SIPING = "四平市老龄工作委员会"
HEADER_ROW = 3  # title, export date, header


def _cli(*args: str) -> str:
    result = run_cli(*args)
    assert result.returncode == 0, result.stderr
    return result.stdout


def _import(db: Path, file: Path, group: str) -> None:
    _cli("--db", str(db), "import", str(file), "--group", group)


def _export(db: Path, out: Path, group: str | None = None) -> Path:
    args = ["--db", str(db), "export", str(out), "--kind", "history"]
    if group:
        args += ["--group", group]
    stdout = _cli(*args)
    written = Path(stdout.strip().removeprefix("已导出："))
    assert written.is_file()
    return written


def _rows(path: Path) -> list[tuple[str, str, str, str]]:
    ws = openpyxl.load_workbook(path).active
    assert [c.value for c in ws[HEADER_ROW]] == ["时间", "操作", "对象", "变更"]
    return [tuple(r) for r in ws.iter_rows(min_row=HEADER_ROW + 1, values_only=True)]


def _one(conn: sqlite3.Connection, sql: str, *args: object) -> object:
    return conn.execute(sql, args).fetchone()[0]


@pytest.fixture
def ledger(db_path: Path) -> Path:
    """闽清's table imported, then the office's day: a tick, a deadline, a renamed unit, 换人, and a
    progress entry taken back with ctrl+z."""
    _import(db_path, SAMPLES / "闽清县老龄事业重点任务分工表.xlsx", MINQING)
    conn = connect_ledger(db_path)
    group = _one(conn, "SELECT id FROM work_group WHERE name = ?", MINQING)
    task = _one(conn, "SELECT id FROM task WHERE group_id = ? ORDER BY position LIMIT 1", group)
    unit = _one(conn, "SELECT id FROM unit WHERE name = '县人社局'")
    conn.close()
    with Database(db_path) as db:
        member = ops.add_member(db, group, "詹才勇", role="副组长", unit="县民政局", title="局长")
        ops.tick(db, task)
        ops.edit_task(db, task, deadline="2023年12月底前", due=date(2023, 12, 31))
        ops.rename_unit(db, unit, "县人力资源和社会保障局")
        ops.replace_member(db, member, "张三")
        ops.record_progress(db, task, "已完成摸底调查")
        assert ops.undo(db).startswith("记录进展")
    return db_path


def test_each_change_is_a_row_in_words_oldest_first(ledger, tmp_path):
    rows = _rows(_export(ledger, tmp_path / "记录.xlsx"))
    assert [r[1] for r in rows] == ["导入分工表", "新增成员", "标记完成", "修改任务", "单位改名", "换人",
                                    "记录进展\n（已撤销）", "撤销"]
    times = [r[0] for r in rows]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", t) for t in times)
    assert times == sorted(times)
    by_action = {r[1].split("\n")[0]: r for r in rows}
    task = "（一）基本养老保险参保率达到90%"

    imported = by_action["导入分工表"]
    assert imported[2] == "闽清县老龄事业重点任务分工表.xlsx"
    assert imported[3].split("\n") == ["新增任务 27 项", "新增分工 90 条", "新增年度目标 69 条", "新增单位 20 个",
                                       "新增领导小组 1 个"]  # too many to list: counted

    tick = by_action["标记完成"]
    assert tick[2] == task
    assert tick[3].split("\n") == ["状态：未启动 → 已完成", "完成日期：（空） → 2023-07-01"]

    deadline = by_action["修改任务"]
    assert deadline[2] == task
    assert deadline[3].split("\n") == ["完成时限：（空） → 2023年12月底前", "截止日期：（空） → 2023-12-31"]

    rename = by_action["单位改名"]
    assert rename[2] == "县人力资源和社会保障局"
    assert rename[3].split("\n") == ["名称：县人社局 → 县人力资源和社会保障局", "增加别名：县人社局（县人力资源和社会保障局）"]

    replace = by_action["换人"]
    assert replace[2] == "副组长 詹才勇"
    lines = replace[3].split("\n")
    assert "新增成员：副组长 张三（县民政局 局长）" in lines
    assert {"詹才勇 在任：是 → 否", "詹才勇 接任者：（空） → 张三", "詹才勇 离任日期：（空） → 2023-07-01"} <= set(lines)

    progress, undo = rows[-2], rows[-1]
    assert progress[3].split("\n") == ["新增进展（2023-07-01）：已完成摸底调查"]  # the task was already done
    assert undo[2] == "记录进展：基本养老保险参保率达到90% — 已完成摸底调查"  # what was taken back
    assert undo[3].split("\n") == ["删除进展（2023-07-01）：已完成摸底调查"]


def test_printed_like_the_other_reports(ledger, tmp_path):
    path = _export(ledger, tmp_path / "记录.xlsx", MINQING)
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    assert ws.title == "操作记录"
    assert ws["A1"].value == f"{MINQING}操作记录"
    assert ws["A1"].font.name == "方正小标宋简体"
    assert ws["A2"].value == "导出日期：2023年7月1日"
    assert ws["C2"].value == "共 8 条，其中已撤销 1 条"
    assert ws["A3"].font.name == "黑体" and ws["D4"].font.name == "仿宋"
    assert ws["D4"].alignment.wrap_text and ws["D4"].alignment.vertical == "center"
    assert ws["D4"].border.left.style == "thin"
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth in (1, None)
    assert ws.page_setup.fitToHeight == 0
    assert ws.print_title_rows == "$3:$3"
    assert ws.oddFooter.center.text == "第 &P 页 共 &N 页"
    assert ws.freeze_panes == "A4"
    widths = [ws.column_dimensions[c].width for c in "ABCD"]
    assert widths[3] == max(widths) and 120 < sum(widths) < 150
    # rows are tall enough for their lines
    replace = next(r for r in range(4, ws.max_row + 1) if ws.cell(r, 2).value == "换人")
    lines = ws.cell(replace, 4).value.count("\n") + 1
    assert ws.row_dimensions[replace].height >= lines * 15


def test_a_revised_table_lists_the_fields_that_changed(db_path, tmp_path):
    sys.path.insert(0, str(Path(__file__).parent))
    from data.builders import write_xlsx

    head = ["序号", "工作任务", "牵头单位", "责任人", "配合单位", "完成时限"]
    first = [head, [1, "建立高龄津贴制度", "县民政局", "朱志军", "县财政局", "2023年12月底前"],
             [2, "开展老年人健康管理", "县卫健局", "林丹", "", "2023年9月底前"]]
    second = [head, [1, "建立高龄津贴制度", "县民政局", "朱志军", "县财政局", "2024年6月底前"],
              [2, "开展老年人健康管理", "县卫健局", "陈明", "", "2023年9月底前"],
              [3, "新建养老服务中心", "县民政局", "", "", "2024年"]]
    _import(db_path, write_xlsx(tmp_path / "分工表.xlsx", first), "测试组")
    _import(db_path, write_xlsx(tmp_path / "分工表（修订）.xlsx", second), "测试组")
    rows = _rows(_export(db_path, tmp_path / "记录.xlsx"))
    assert [r[2] for r in rows] == ["分工表.xlsx", "分工表（修订）.xlsx"]
    assert rows[1][3].split("\n") == [
        "任务「1．建立高龄津贴制度」 完成时限：2023年12月底前 → 2024年6月底前",
        "任务「1．建立高龄津贴制度」 截止日期：2023-12-31 → 2024-06-30",
        "任务「2．开展老年人健康管理」 县卫健局（牵头单位）责任人：林丹 → 陈明",  # not "取消…", "增加…"
        "新增任务 1 项",
        "新增分工 1 条",
    ]


def test_a_huge_import_is_one_row_of_counts(db_path, tmp_path):
    sys.path.insert(0, str(Path(__file__).parent))
    from data.bigtable import make_division_workbook

    _import(db_path, make_division_workbook(tmp_path / "big.xlsx", 10_000), "某县")
    with Database(db_path) as db:
        ops.tick(db, 5000)
    path = _export(db_path, tmp_path, "某县")
    assert path.name == "某县_操作记录_20230701.xlsx"  # OUT a folder: {group}_{表名}_{YYYYMMDD}.xlsx
    rows = _rows(path)
    assert len(rows) == 2
    lines = rows[0][3].split("\n")
    assert lines[0] == "新增任务 10000 项"
    assert len(lines) <= 12 and "新增领导小组 1 个" in lines
    assert rows[1][1] == "标记完成" and rows[1][3].startswith("状态：未启动 → 已完成")
    ws = openpyxl.load_workbook(path).active
    assert ws.row_dimensions[4].height < 250


def test_group_keeps_its_own_entries_and_the_units_it_uses(ledger, tmp_path):
    _import(ledger, SAMPLES / "四平市老龄工作重点任务.csv", SIPING)
    conn = connect_ledger(ledger)
    siping_only = _one(conn, "SELECT u.id FROM unit u JOIN assignment a ON a.unit_id = u.id JOIN task t "
                             "ON t.id = a.task_id JOIN work_group g ON g.id = t.group_id WHERE g.name = ? AND u.id "
                             "NOT IN (SELECT a2.unit_id FROM assignment a2 JOIN task t2 ON t2.id = a2.task_id "
                             "JOIN work_group g2 ON g2.id = t2.group_id WHERE g2.name = ?) LIMIT 1", SIPING, MINQING)
    siping_task = _one(conn, "SELECT t.id FROM task t JOIN work_group g ON g.id = t.group_id WHERE g.name = ? "
                             "ORDER BY t.position LIMIT 1", SIPING)
    conn.close()
    with Database(ledger) as db:
        ops.tick(db, siping_task)
        ops.add_alias(db, siping_only, "四平的一个别名")
    minqing = _rows(_export(ledger, tmp_path / "闽清.xlsx", MINQING))
    siping = _rows(_export(ledger, tmp_path / "四平.xlsx", SIPING))
    assert len(minqing) == 8  # nothing of 四平's
    assert not any("四平" in cell for r in minqing for cell in r)
    assert [r[1] for r in siping] == ["导入分工表", "标记完成", "增加别名"]
    assert siping[0][2] == "四平市老龄工作重点任务.csv"
    assert siping[2][3].startswith("增加别名：四平的一个别名")


def test_history_is_a_kind_the_command_line_knows(tmp_path):
    result = run_cli("export", "--help")
    assert "history" in result.stdout
    result = run_cli("--db", str(tmp_path / "x.db"), "export", str(tmp_path / "x.xlsx"), "--kind", "history")
    assert result.returncode == 1 and "还没有领导小组" in result.stderr
