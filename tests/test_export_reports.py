"""Issue 4: 进展情况表 (with its summary), 逾期及临期任务督办清单 and 成员名单, read back with openpyxl."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import openpyxl
import pytest

from exporters.excel import export
from exporters.json_dump import build_dump
from models import operations as ops
from models.db import Database
from conftest import connect_ledger

# every test here that makes a ledger runs on a file and on a server (tests/conftest.py)
pytestmark = pytest.mark.both_engines

MINQING = "闽清县老龄工作领导小组"
LINHAI = "临海市老有康养专项工作组"
QUANGANG = "泉港区长寿之乡回头看及助推寿乡发展工作领导小组"
QIDONG = "启东市省健康县（区）建设领导小组"
SIPING = "四平市老龄工作委员会"
TODAY = date(2023, 7, 1)  # conftest's TAIZHANG_TODAY


def _sheet(path: Path):
    return openpyxl.load_workbook(path).active


def _row(ws, r: int) -> list:
    return [c.value for c in ws[r]]


def _group_id(db: Database, name: str) -> int:
    from sqlmodel import select

    from models.tables import Group

    with db.session() as s:
        return s.exec(select(Group.id).where(Group.name == name)).one()


def _check_print(ws, header_row: int, orientation: str = "landscape") -> None:
    assert ws.page_setup.orientation == orientation and ws.page_setup.paperSize == 9
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToHeight == 0
    assert ws.print_title_rows == f"${header_row}:${header_row}"
    assert ws.oddFooter.center.text == "第 &P 页 共 &N 页"
    assert ws.freeze_panes == f"A{header_row + 1}"
    for cell in ws[header_row]:
        assert cell.font.name == "黑体" and cell.border.top.style == "thin"
        assert cell.alignment.vertical == "center"


# --------------------------------------------------------------------------- progress


def test_progress_summary_and_rows(demo, tmp_path, monkeypatch):
    db = Database(demo)
    try:
        tasks = build_dump(db, SIPING)["groups"][0]["tasks"]
        monkeypatch.setenv("TAIZHANG_TODAY", "2023-03-10")
        ops.tick(db, tasks[0]["id"])
        ops.record_progress(db, tasks[1]["id"], "已印发实施方案", on=date(2023, 3, 1), unit="市卫生健康委")
        ops.record_progress(db, tasks[1]["id"], "完成首批试点", on=date(2023, 6, 20))
        ops.set_status(db, tasks[5]["id"], "推进中")  # 2022年末: overdue and under way
    finally:
        db.close()
    monkeypatch.setenv("TAIZHANG_TODAY", TODAY.isoformat())
    ws = _sheet(export(demo, "progress", tmp_path / "p.xlsx", SIPING))
    assert ws["A1"].value == "附件" and ws["A1"].font.name == "黑体" and ws["A1"].font.sz == 16
    assert ws["A2"].value == f"{SIPING}重点任务进展情况表" and ws["A2"].font.name == "方正小标宋简体"
    assert ws["A3"].value.startswith("填报单位（盖章）：市卫生健康委　　填报人：")
    assert "联系电话：" in ws["A3"].value and ws["A3"].value.endswith("填报日期：2023年7月1日")
    assert _row(ws, 4) == ["任务总数", None, "已完成", "推进中", "未启动", "逾期", "完成率"]
    overdue = sum(1 for t in tasks if t["due"] and t["due"] < TODAY.isoformat() and t["id"] != tasks[0]["id"])
    assert overdue == 2  # 2022年末 and 2022年年底
    assert _row(ws, 5) == [24, None, 1, 2, 21, overdue, pytest.approx(1 / 24)]
    assert ws["G5"].number_format == "0.0%"
    assert _row(ws, 7) == ["序号", "工作任务", "牵头单位", "完成时限", "最新进展", "完成状态", "完成时间"]
    first = _row(ws, 8)
    assert first[0] == "1" and first[1].startswith("完善多层次养老保障体系") and first[5] == "已完成"
    assert ws["G8"].is_date and ws["G8"].value.date() == date(2023, 3, 10)
    assert _row(ws, 9)[4] == "2023年6月20日：完成首批试点" and _row(ws, 9)[5] == "推进中"
    assert _row(ws, 13)[5] == "推进中\n（逾期182天）"  # due 2022-12-31
    _check_print(ws, 7)


def test_progress_categories_become_heading_rows(demo, tmp_path):
    ws = _sheet(export(demo, "progress", tmp_path / "p.xlsx", MINQING))
    assert ws["A8"].value == "一、健全完善社会保障体系"
    assert "A8:G8" in {str(r) for r in ws.merged_cells.ranges}
    assert ws["A9"].value == "1" and ws["B9"].value == "（一）基本养老保险参保率达到90%"
    assert ws["D9"].value == "2018年：85%\n2019年：88%\n2020年：90%"  # no deadline text: the yearly targets
    assert ws["A15"].value == "健全养老服务体系"  # category 二 has no number
    assert ws["A16"].value == "7"


# --------------------------------------------------------------------------- overdue


def _overdue_group(path: Path) -> None:
    db = Database(path)
    try:
        gid = ops.create_group(db, "督办测试组")
        plan = [  # (content, lead, days from today, status)
            ("甲单位逾期十天的任务", "县甲局", -10, "未启动"),
            ("乙单位逾期三天的任务", "县乙局", -3, "推进中"),
            ("乙单位逾期一天的任务", "县乙局", -1, "未启动"),
            ("丙单位五天后到期的任务", "县丙局", 5, "未启动"),
            ("丙单位今天到期的任务", "县丙局", 0, "未启动"),
            ("丁单位下月到期的任务", "县丁局", 30, "未启动"),
            ("戊单位已完成的逾期任务", "县戊局", -20, "已完成"),
            ("没有日期的任务", "县甲局", None, "未启动"),
        ]
        for content, lead, days, status in plan:
            due = TODAY + timedelta(days=days) if days is not None else None
            t = ops.add_task(db, gid, content, deadline=f"{due.year}年{due.month}月{due.day}日" if due else "长期坚持",
                             due=due)
            ops.assign(db, t, lead, person=lead[1] + "主任")
            if status != "未启动":
                ops.set_status(db, t, status)
    finally:
        db.close()


def test_overdue_list_grouped_by_unit_worst_first(tmp_path):
    path = tmp_path / "o.db"
    _overdue_group(path)
    ws = _sheet(export(path, "overdue", tmp_path / "o.xlsx", "督办测试组"))
    assert ws["A2"].value == "督办测试组逾期及临期任务督办清单"
    assert ws["A3"].value.startswith("统计截至：2023年7月1日") and "逾期3项，临期2项（7天内到期）" in ws["A3"].value
    assert _row(ws, 4) == ["序号", "牵头单位", "工作任务", "完成时限", "到期情况", "完成状态", "责任人", "最新进展"]
    merges = {str(r) for r in ws.merged_cells.ranges}
    # 乙 (two overdue) before 甲 (one, ten days) before 丙 (due soon only)
    assert ws["B5"].value == "县乙局\n逾期2项" and "B5:B6" in merges
    assert [ws["C5"].value, ws["C6"].value] == ["乙单位逾期三天的任务", "乙单位逾期一天的任务"]
    assert ws["E5"].value == "逾期3天\n2023年6月28日" and ws["F5"].value == "推进中" and ws["G5"].value == "乙主任"
    assert ws["B7"].value == "县甲局\n逾期1项" and ws["E7"].value.startswith("逾期10天")
    assert ws["B8"].value == "县丙局\n临期2项" and "B8:B9" in merges
    assert ws["E8"].value.startswith("今天到期") and ws["E9"].value.startswith("5天后到期")
    assert [ws.cell(r, 1).value for r in range(5, 10)] == [None] * 5  # the tasks' own numbers (these have none)
    assert ws.max_row == 9  # 丁 (30 days), 戊 (done) and the task without a date are not listed
    _check_print(ws, 4)


def test_overdue_within_and_today(tmp_path, monkeypatch):
    path = tmp_path / "o.db"
    _overdue_group(path)
    ws = _sheet(export(path, "overdue", tmp_path / "o.xlsx", "督办测试组", within=30))
    assert "临期3项（30天内到期）" in ws["A3"].value
    monkeypatch.setenv("TAIZHANG_TODAY", "2023-06-25")
    ws = _sheet(export(path, "overdue", tmp_path / "o2.xlsx", "督办测试组"))
    assert ws["A3"].value.startswith("统计截至：2023年6月25日") and "逾期1项，临期3项" in ws["A3"].value
    assert ws["B5"].value == "县甲局\n逾期1项" and ws["E5"].value.startswith("逾期4天")
    assert ws["B6"].value == "县乙局\n临期2项"


def test_overdue_on_a_demo_group_and_when_nothing_is_late(demo, tmp_path):
    ws = _sheet(export(demo, "overdue", tmp_path / "o.xlsx", SIPING, within=200))
    assert ws["B5"].value == "市卫生健康委\n逾期2项，\n临期1项"  # the counts broken after ， (the unit's width)
    ws = _sheet(export(demo, "overdue", tmp_path / "o2.xlsx", MINQING))
    assert ws["A5"].value == "截至2023年7月1日，没有逾期或7天内到期的任务。"


# --------------------------------------------------------------------------- roster


def test_roster_in_official_order_with_liaisons_apart(demo, tmp_path):
    ws = _sheet(export(demo, "roster", tmp_path / "r.xlsx", LINHAI))
    assert ws["A1"].value == "附件" and ws["A2"].value == f"{LINHAI}成员名单"
    assert _row(ws, 3) == ["序号", "组内职务", "姓名", "工作单位", "职务", "联系电话"]
    # the order of the notice (sample_data/临海市老有康养专项工作组成员名单.txt), not the program's own query
    main = ["宋江涌", "赵立东", "詹才勇", "王祖掌", "高奋飞", "杜计地", "周灵宏", "李建富", "蒋向阳", "吴加伟", "徐佳佳",
            "陈立新", "李肖尉", "程正刚", "许琴秀", "陈道华", "王宇", "林金龙", "钱剑峰"]
    liaisons = ["高晨瑶", "朱湖斌", "王璟", "陶灵燕", "王光永", "叶小建", "何一鸣", "徐盼", "卢跃波", "项玲芳", "吴含英",
                "王仙文", "郭晓慧", "杨璐", "林通", "刘盛强"]
    names = [ws.cell(r, 3).value for r in range(4, 4 + len(main))]
    assert names == main
    assert [ws.cell(r, 2).value for r in (4, 5, 7)] == ["组长", "副组长", "成员"]
    assert ws["A4"].value == "1" and ws["D4"].value == "临海市委" and ws["E4"].value == "常委、副市长"
    heading = 4 + len(main)
    assert ws.cell(heading, 1).value == "联络员" and f"A{heading}:F{heading}" in {str(r) for r in ws.merged_cells.ranges}
    assert [ws.cell(r, 3).value for r in range(heading + 1, ws.max_row + 1)] == liaisons
    assert ws.cell(heading + 1, 1).value == "1"
    # roles merged down their runs (page by page)
    role_merges = [r for r in ws.merged_cells.ranges if r.min_col == 2 == r.max_col]
    assert {ws.cell(r.min_row, 2).value for r in role_merges} >= {"副组长", "成员", "联络员"}
    _check_print(ws, 3, "portrait")  # six columns: A4 portrait (issue 16)


def test_roster_leaves_out_replaced_members_and_reads_back(demo, tmp_path):
    from importers import read_file
    from importers.load import load

    db = Database(demo)
    try:
        members = build_dump(db, QUANGANG)["groups"][0]["members"]
        from sqlmodel import select

        from models.tables import Member

        with db.session() as s:
            old = s.exec(select(Member).where(Member.name == members[4]["name"],
                                              Member.group_id == _group_id(db, QUANGANG))).one()
        ops.replace_member(db, old.id, "新接任", title="局长", phone="0595-1234567")
        members = [m for m in build_dump(db, QUANGANG)["groups"][0]["members"] if m["active"]]
    finally:
        db.close()
    out = export(demo, "roster", tmp_path / "r.xlsx", QUANGANG)
    ws = _sheet(out)
    names = [ws.cell(r, 3).value for r in range(4, ws.max_row + 1)]
    assert old.name not in names and names[4] == "新接任" and ws.cell(8, 6).value == "0595-1234567"
    with connect_ledger(demo) as conn:  # the official order: the roster positions, read here in plain SQL
        in_order = conn.execute(
            "SELECT m.name, m.unit_id, m.role FROM member m JOIN work_group g ON g.id = m.group_id "
            "WHERE g.name = ? AND m.active ORDER BY m.position", (QUANGANG,)).fetchall()
    once, seen = [], set()  # a person serving in two roles stands once (issue 16)
    for name, unit, role in in_order:
        if role == "联络员" or (name, unit) not in seen:
            once.append(name)
        if role != "联络员":
            seen.add((name, unit))
    assert names == once
    fresh = tmp_path / "fresh.db"
    load(fresh, read_file(out, kind="roster"), QUANGANG)
    fresh_db = Database(fresh)
    try:
        back = build_dump(fresh_db, QUANGANG)["groups"][0]["members"]
    finally:
        fresh_db.close()
    key = ("name", "role", "unit", "phone")
    assert [m["name"] for m in back] == once  # each person once, the second role noted as （兼…）
    assert {tuple(m[k] for k in key) for m in back} <= {tuple(m[k] for k in key) for m in members}
