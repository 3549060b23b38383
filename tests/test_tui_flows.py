"""The main flows of the office, by the keys a user presses, checked in the database afterwards:
progress, assigning units with the picker, 换人, merging units, filters, editing, import (preview,
confirm, cancel, undo), export, paging a large group, switching and creating groups."""

from __future__ import annotations

import pytest

import json
import shutil
from datetime import date
from pathlib import Path

from conftest import SAMPLES
from sqlmodel import select

from exporters.json_dump import build_dump
from models import operations as ops
from models.db import Database
from models.tables import Assignment, Member, Progress, Task, Unit, UnitAlias
from tui import make_app
from tui.testing import choose_group, settle, task_list, text_of

# every test here that makes a ledger runs on a file and on a server (tests/conftest.py)
pytestmark = pytest.mark.both_engines

SIZE = (120, 36)


def _app(db_path: Path, tmp_path: Path):
    return make_app(db_path, state_path=tmp_path / "state.json")


def _demo(demo: Path | str, tmp_path: Path):
    """The demo ledger on this test's engine (tests/conftest.py) and a window on it."""
    return demo, _app(demo, tmp_path)


def _db(path: Path) -> Database:
    return Database(path)


async def _type(pilot, text: str) -> None:
    await pilot.press(*text)


async def test_p_records_progress_and_the_task_becomes_in_progress(demo, tmp_path):
    path, app = _demo(demo, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        task = await task_list(pilot, "闽清")
        await pilot.press("p")
        await settle(pilot)
        assert type(app.screen).__name__ == "FormDialog"
        await _type(pilot, "已完成调研形成初稿")
        await pilot.press("ctrl+s")
        await settle(pilot)
    with _db(path) as db, db.session() as s:
        entries = s.exec(select(Progress).where(Progress.task_id == task.id)).all()
        assert [(p.text, p.on) for p in entries] == [("已完成调研形成初稿", date(2023, 7, 1))]
        assert s.get(Task, task.id).status == "推进中"


async def test_progress_from_the_task_page_with_date_and_unit(demo, tmp_path):
    path, app = _demo(demo, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        task = await task_list(pilot, "闽清")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        await _type(pilot, "参保率已达 88%")
        await pilot.press("tab", "ctrl+u", *"2023-06-30", "tab", "enter", "down", "enter")  # 报送单位: the lead unit
        await pilot.press("ctrl+s")
        await settle(pilot)
        progress = app.screen.query_one("#td-progress-list")
        assert "参保率已达 88%" in str(progress.get_row_at(0)[2])
    with _db(path) as db, db.session() as s:
        entry = s.exec(select(Progress).where(Progress.task_id == task.id)).one()
        assert entry.on == date(2023, 6, 30)
        assert s.get(Unit, entry.unit_id).name == "县人社局"


async def test_a_assigns_a_unit_found_by_pinyin_then_enter_changes_the_person_and_del_removes_it(demo, tmp_path):
    path, app = _demo(demo, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        task = await task_list(pilot, "闽清")  # 基本养老保险参保率达到90%: lead 县人社局
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        assert type(app.screen).__name__ == "AssignDialog"
        await _type(pilot, "xmzj")  # 县民政局: first comes 朱志军, named on other tasks as its responsible person
        await settle(pilot)
        assert "朱志军" in str(app.screen.query_one("SearchList OptionList").get_option_at_index(0).prompt)
        await pilot.press("enter")  # takes him: unit and person; the role is 配合单位 (the task has a lead)
        assert app.screen.query_one("#person").value == "朱志军"
        await pilot.press("enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "TaskScreen"
        with _db(path) as db, db.session() as s:
            rows = s.exec(select(Unit.name, Assignment.role, Assignment.person).join(Unit, Unit.id == Assignment.unit_id)
                          .where(Assignment.task_id == task.id)).all()
            assert ("县民政局", "co", "朱志军") in rows
        # change the person of that assignment: Tab to the table, to its row, Enter
        table = app.screen.query_one("#td-assign")
        while app.focused is not table:
            await pilot.press("tab")
        await pilot.press("end")
        assert "县民政局" in str(table.get_row_at(table.cursor_row))
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("ctrl+u", *"李四", "enter")
        await settle(pilot)
        with _db(path) as db, db.session() as s:
            rows = s.exec(select(Unit.name, Assignment.person).join(Unit, Unit.id == Assignment.unit_id)
                          .where(Assignment.task_id == task.id, Assignment.role == "co")).all()
            assert ("县民政局", "李四") in rows
        await pilot.press("delete")
        await settle(pilot)
        assert type(app.screen).__name__ == "ConfirmDialog"
        await pilot.press("y")
        await settle(pilot)
    with _db(path) as db, db.session() as s:
        names = s.exec(select(Unit.name).join(Assignment, Assignment.unit_id == Unit.id)
                       .where(Assignment.task_id == task.id)).all()
        assert "县民政局" not in names and "县人社局" in names


async def test_a_with_a_new_unit_name_creates_the_unit(demo, tmp_path):
    path, app = _demo(demo, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await choose_group(pilot, "启东")
        await pilot.press("2")
        await settle(pilot)
        task = app.screen.current_task()
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        await _type(pilot, "市数据局")
        await settle(pilot)
        await pilot.press("up")  # the last line offers the typed name as a new unit
        await pilot.press("enter", "enter")
        await settle(pilot)
    with _db(path) as db, db.session() as s:
        unit = s.exec(select(Unit).where(Unit.name == "市数据局")).one()
        assert s.exec(select(Assignment).where(Assignment.task_id == task.id, Assignment.unit_id == unit.id)).one()


async def test_add_a_member_then_r_replaces_him_and_moves_his_open_tasks(demo, tmp_path):
    path, app = _demo(demo, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await choose_group(pilot, "闽清")  # its table names 朱志军 on 16 tasks, its roster is empty
        await pilot.press("3")
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        await _type(pilot, "朱志军")
        await pilot.press("tab", "tab")  # 角色 stays 成员
        await _type(pilot, "县民政局")
        await pilot.press("tab")
        await _type(pilot, "局长")
        await pilot.press("ctrl+s")
        await settle(pilot)
        screen = app.screen
        assert [m.name for m in screen.rows] == ["朱志军"]
        await pilot.press("r")
        await settle(pilot)
        dialog = app.screen
        assert type(dialog).__name__ == "ReplaceDialog"
        assert len(dialog.moving) == 16  # shown before confirming
        assert "16 项" in str(dialog.query_one("#moving-title").content)
        await _type(pilot, "王五")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert [m.name for m in screen.rows] == ["王五"]
        assert "已替换 1 人" in str(screen.query_one("StatusLine #info").content)
    with _db(path) as db, db.session() as s:
        members = s.exec(select(Member).order_by(Member.position)).all()
        old = next(m for m in members if m.name == "朱志军")
        new = next(m for m in members if m.name == "王五")
        assert not old.active and old.successor_id == new.id and old.left_on == date(2023, 7, 1)
        assert new.active and new.title == "局长"
        persons = s.exec(select(Assignment.person)).all()
        assert persons.count("王五") == 16 and "朱志军" not in persons


async def test_member_edit_and_reorder(demo, tmp_path):
    path, app = _demo(demo, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await choose_group(pilot, "泉港")
        await pilot.press("3")
        await settle(pilot)
        screen = app.screen
        first, second = screen.rows[0], screen.rows[1]
        await pilot.press("down", "left_square_bracket")  # the 2nd moves up to 1st
        await settle(pilot)
        assert [m.name for m in screen.rows[:2]] == [second.name, first.name]
        assert screen.table.current_key == f"m:{second.id}"  # the cursor follows the member
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("tab", "tab", "tab", "ctrl+u", *"四级调研员", "ctrl+s")
        await settle(pilot)
    with _db(path) as db, db.session() as s:
        m = s.get(Member, second.id)
        assert m.position == 1 and m.title == "四级调研员"


async def test_m_merges_a_unit_after_a_preview(demo, tmp_path):
    path, app = _demo(demo, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await choose_group(pilot, "临海")
        await pilot.press("4")
        await settle(pilot)
        await pilot.press("slash", *"市发展和改革局", "enter")
        await settle(pilot)
        screen = app.screen
        assert screen.current().name == "市发展和改革局"
        await pilot.press("m")
        await settle(pilot)
        await _type(pilot, "sfzggj")  # 市发展改革局
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        preview = text_of(app.screen.query_one("#preview"))
        assert "「市发展和改革局」并入「市发展改革局」" in preview and "成员 2 人" in preview
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert type(app.screen).__name__ == "UnitsScreen"
    with _db(path) as db, db.session() as s:
        assert s.exec(select(Unit).where(Unit.name == "市发展和改革局")).first() is None
        keep = s.exec(select(Unit).where(Unit.name == "市发展改革局")).one()
        assert s.exec(select(UnitAlias).where(UnitAlias.alias == "市发展和改革局")).one().unit_id == keep.id
        assert len(s.exec(select(Member).where(Member.unit_id == keep.id)).all()) == 2


async def test_units_rename_and_duties(demo, tmp_path):
    path, app = _demo(demo, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await choose_group(pilot, "泉港")
        await pilot.press("4")
        await settle(pilot)
        await pilot.press("slash", *"qwszs", "enter")  # 区委史志室, by its initials
        await settle(pilot)
        screen = app.screen
        unit = screen.current()
        assert unit.name == "区委史志室" and unit.has_duty
        assert "工作职责" in text_of(screen.query_one("#un-info"))
        await pilot.press("n", "ctrl+u", *"泉港区人民政府", "enter")
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        await pilot.press("f7")  # TextArea: select all, then replace
        await _type(pilot, "统筹协调")
        await pilot.press("ctrl+s")
        await settle(pilot)
    dump = build_dump(_db(path))
    units = {u["name"]: u["aliases"] for u in dump["units"]}
    assert unit.name in units["泉港区人民政府"]
    group = next(g for g in dump["groups"] if g["name"].startswith("泉港"))
    assert {"unit": "泉港区人民政府", "text": "统筹协调"} in group["duties"]


async def test_f_filters_by_unit_and_overdue_and_c_clears(demo, tmp_path):
    _, app = _demo(demo, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await choose_group(pilot, "四平")
        await pilot.press("2")
        await settle(pilot)
        screen = app.screen
        assert screen.total == 24
        await pilot.press("f")
        await settle(pilot)
        await _type(pilot, "swsjkw")  # 市卫生健康委
        await settle(pilot)
        await pilot.press("enter")  # the unit; focus moves to 状态
        await pilot.press("enter", "down", "down", "enter")  # 全部 → 未完成 → 逾期
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert screen.flt.status == "逾期" and screen.flt.unit_name == "市卫生健康委"
        assert screen.total == 2
        assert all(r.due < date(2023, 7, 1) for r in screen._rows)
        assert "单位：市卫生健康委" in str(screen.query_one("#tk-filters").content)
        await pilot.press("c")
        await settle(pilot)
        assert screen.total == 24


async def test_overview_enter_on_a_unit_lists_its_tasks(demo, tmp_path):
    _, app = _demo(demo, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await choose_group(pilot, "临海")
        await settle(pilot)
        await pilot.press("tab")  # to the table of units
        await settle(pilot)
        await pilot.press("enter")  # the first unit: 市民政局, lead on 29 tasks
        await settle(pilot)
        screen = app.screen
        assert type(screen).__name__ == "TasksScreen"
        assert screen.flt.unit_name == "市民政局" and screen.total == 42
        await pilot.press("o")  # only the overdue ones: task 9, "2022年8月底完成" in the notice's text
        await settle(pilot)
        assert screen.flt.status == "逾期" and screen.flt.unit_name == "市民政局" and screen.total == 1
        await pilot.press("o")
        await settle(pilot)
        assert screen.total == 42


async def test_e_edits_a_task_and_the_due_date_is_read_from_the_deadline(demo, tmp_path):
    path, app = _demo(demo, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        task = await task_list(pilot, "闽清")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        for _ in range(4):  # 工作任务 → 类别 → 类别序号 → 任务序号 → 完成时限
            await pilot.press("tab")
        await _type(pilot, "2023年12月底前")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "2023-12-31" in text_of(app.screen.query_one("#td-fields"))
    with _db(path) as db, db.session() as s:
        t = s.get(Task, task.id)
        assert t.deadline == "2023年12月底前" and t.due == date(2023, 12, 31)


async def test_new_task_and_target_with_actual_value(demo, tmp_path):
    path, app = _demo(demo, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await choose_group(pilot, "启东")
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        await _type(pilot, "建成健康步道10条")
        await pilot.press("ctrl+s")
        await settle(pilot)
        screen = app.screen
        assert screen.total == 17
        with _db(path) as db, db.session() as s:
            task = s.exec(select(Task).where(Task.content == "建成健康步道10条")).one()
        await pilot.press("ctrl+end")  # the last page
        await settle(pilot)
        await pilot.press("end", "enter")
        await settle(pilot)
        assert app.screen.task_id == task.id
        await pilot.press("t")
        await settle(pilot)
        await pilot.press("ctrl+u", *"2024", "tab", *"10条", "tab", *"6条", "ctrl+s")
        await settle(pilot)
    dump = build_dump(_db(path))
    found = next(t for g in dump["groups"] for t in g["tasks"] if t["id"] == task.id)
    assert found["targets"] == [{"year": 2024, "target": "10条", "actual": "6条"}]


def _files(tmp_path: Path) -> Path:
    folder = tmp_path / "材料"
    folder.mkdir()
    shutil.copyfile(SAMPLES / "四平市老龄工作重点任务.csv", folder / "四平市老龄工作重点任务.csv")
    (folder / "说明.png").write_bytes(b"\x89PNG")  # not offered by the browser
    return folder


async def test_i_imports_after_a_preview_and_ctrl_z_takes_the_import_back(tmp_path):
    folder = _files(tmp_path)
    path = tmp_path / "新台账.db"
    (tmp_path / "state.json").write_text(json.dumps({"import_dir": str(folder)}), encoding="utf-8")
    app = _app(path, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.groups == []
        await pilot.press("i")
        await settle(pilot)
        screen = app.screen
        assert type(screen).__name__ == "ImportScreen"
        tree = screen.query_one("#im-tree")
        assert Path(tree.path) == folder  # starts in the last folder used
        await pilot.press("down", "enter")  # the only importable file
        await settle(pilot)
        report = text_of(screen.query_one("#im-report"))
        assert "任务：24 项（新增 24" in report and "以上是预览，尚未写入" in report
        assert "（新）" in report  # new units are marked
        with _db(path) as db, db.session() as s:
            assert s.exec(select(Task)).all() == []  # nothing written by the preview
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert type(app.screen).__name__ == "OverviewScreen"
        assert [g.name for g in app.groups] == ["四平市加强新时代老龄工作领导小组"]  # named from the title
        with _db(path) as db, db.session() as s:
            assert len(s.exec(select(Task)).all()) == 24
        await pilot.press("ctrl+z")
        await settle(pilot)
    with _db(path) as db, db.session() as s:
        assert s.exec(select(Task)).all() == []


async def test_import_into_the_current_group_typed_path_and_cancel(demo, tmp_path):
    folder = _files(tmp_path)
    _, app = _demo(demo, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await choose_group(pilot, "四平")
        await pilot.press("i")
        await settle(pilot)
        await pilot.press("shift+tab", "ctrl+u", *str(folder / "四平市老龄工作重点任务.csv"), "enter")
        await settle(pilot)
        report = text_of(app.screen.query_one("#im-report"))
        assert "领导小组「四平市老龄工作委员会」" in report and "未变 24" in report
        assert app.screen.query_one("#im-ok").disabled  # nothing to import: the same file again
        await pilot.press("escape", "escape")
        await settle(pilot)
        assert type(app.screen).__name__ == "OverviewScreen"


async def test_x_exports_the_division_and_progress_sheets_to_a_folder(demo, tmp_path):
    out = tmp_path / "导出"
    out.mkdir()
    _, app = _demo(demo, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await choose_group(pilot, "启东")
        await pilot.press("x")
        await settle(pilot)
        dialog = app.screen
        assert type(dialog).__name__ == "ExportDialog"
        await pilot.press("tab", "tab", "ctrl+u", *str(out), "enter")  # 保存到 …, Enter exports 分工表
        await settle(pilot)
        await pilot.press("shift+tab", "shift+tab", "down", "enter")  # 进展情况表
        await settle(pilot)
        result = text_of(dialog.query_one("#result"))
        assert "已导出到" in result and "进展情况表" in result
    names = sorted(p.name for p in out.iterdir())
    assert names == ["启东市省健康县（区）建设领导小组_分工表_20230701.xlsx",
                     "启东市省健康县（区）建设领导小组_进展情况表_20230701.xlsx"]
    from openpyxl import load_workbook

    sheet = load_workbook(out / names[0]).active
    assert any("组织协调队伍" in str(c.value) for row in sheet.iter_rows() for c in row)


async def test_g_switches_group_and_creates_one(demo, tmp_path):
    path, app = _demo(demo, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("g", "down", "enter")
        await settle(pilot)
        assert app.group.name == "临海市老有康养专项工作组"
        assert "临海市老有康养专项工作组" in text_of(app.screen.query_one("#ov-head"))
        await pilot.press("g", "n")
        await settle(pilot)
        await _type(pilot, "某县老龄工作委员会")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.group.name == "某县老龄工作委员会"
    assert app.state.get("group") == "某县老龄工作委员会"
    app2 = _app(path, tmp_path)  # the next start opens the group last shown
    async with app2.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app2.group.name == "某县老龄工作委员会"


def _many_tasks(db_path: Path, n: int) -> None:
    from importers.load import load
    from importers.records import TaskRecord, TaskTable, UnitRef

    table = TaskTable(source="many.xlsx", tasks=[
        TaskRecord(content=f"第{i}项重点任务", number=str(i), category=f"第{i // 50 + 1}类",
                   lead=[UnitRef("县民政局", "张三")], deadline="2023年6月底前", due=date(2023, 6, 30))
        for i in range(1, n + 1)])
    load(db_path, table, "大组")


async def test_large_group_pages_one_screen_at_a_time(tmp_path):
    path = tmp_path / "大.db"
    _many_tasks(path, 1000)
    app = _app(path, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        screen = app.screen
        table = screen.query_one("#tk-table")
        assert screen.total == 1000 and screen.page == 0
        assert table.row_count <= 30  # one screenful, never the whole group
        per_page = len(screen._rows)
        assert f"第 1/{screen.pages} 页" in str(screen.query_one("StatusLine #info").content)
        await pilot.press("pagedown")
        await settle(pilot)
        assert screen.page == 1 and screen._rows[0].number == str(per_page + 1)
        await pilot.press("end", "down")  # ↓ on the last row turns the page
        await settle(pilot)
        assert screen.page == 2 and table.current_key == f"t:{screen._rows[0].id}"
        await pilot.press("up")  # ↑ on the first row goes back, to the last row
        await settle(pilot)
        assert screen.page == 1 and table.current_key == f"t:{screen._rows[-1].id}"
        await pilot.press("ctrl+end")
        await settle(pilot)
        assert screen.page == screen.pages - 1 and screen._rows[-1].number == "1000"
        await pilot.press("slash", *"第999项")
        await settle(pilot)
        assert screen.total == 1 and screen.page == 0
        await pilot.press("enter", "space")
        await settle(pilot)
    with _db(path) as db, db.session() as s:
        assert s.exec(select(Task).where(Task.content == "第999项重点任务")).one().status == "已完成"


async def test_an_empty_database_says_what_to_do(tmp_path):
    app = _app(tmp_path / "空.db", tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        head = text_of(app.screen.query_one("#ov-head"))
        assert "还没有领导小组" in head and "i 导入" in head
        for key in ("2", "3", "4", "1"):
            await pilot.press(key)
            await settle(pilot)


async def test_a_file_that_is_not_a_ledger_is_refused_with_a_message(tmp_path):
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"this is not sqlite" * 100)
    app = _app(bad, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "不是 taizhang 的数据库" in str(app.screen.query_one("StatusLine #info").content)
        await pilot.press("2", "space", "ctrl+z")  # nothing breaks
        await settle(pilot)
    assert bad.read_bytes() == b"this is not sqlite" * 100


async def test_changes_made_elsewhere_are_seen_when_an_area_is_shown_again(demo, tmp_path):
    path, app = _demo(demo, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await choose_group(pilot, "启东")
        await pilot.press("2")
        await settle(pilot)
        task = app.screen.current_task()
        with _db(path) as db:
            ops.tick(db, task.id)  # another window, or the command line
        await pilot.press("1", "2")
        await settle(pilot)
        assert app.screen.current_task().status == "已完成"


async def test_overview_enter_on_the_overdue_heading_lists_all_overdue_tasks(demo, tmp_path):
    _, app = _demo(demo, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await choose_group(pilot, "四平")
        await settle(pilot)
        await pilot.press("up", "enter")  # from the first overdue task up to its heading
        await settle(pilot)
        screen = app.screen
        assert type(screen).__name__ == "TasksScreen"
        assert screen.flt.status == "逾期" and screen.total == 2


async def test_enter_on_a_unit_in_the_overview_leaves_an_open_task_page_for_the_list(demo, tmp_path):
    _, app = _demo(demo, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await choose_group(pilot, "临海")
        await pilot.press("2", "enter")  # a task's page is open in 任务
        await settle(pilot)
        assert type(app.screen).__name__ == "TaskScreen"
        await pilot.press("1", "tab", "enter")  # 总览 → the first unit
        await settle(pilot)
        assert type(app.screen).__name__ == "TasksScreen"
        assert app.screen.flt.unit_name == "市民政局"
