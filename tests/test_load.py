"""The loading step on records as any reader yields them: one transaction, one history entry; the
same records twice add nothing; a revision updates, adds and reports missing tasks; dry runs and
undo leave the database exactly as it was."""

from __future__ import annotations

import pytest

from datetime import date

from sqlalchemy import text
from test_operations import history_count, state

from importers.load import load
from importers.records import (
    DutyRecord, Duties, ImportWarning, MemberRecord, Origin, Roster, TargetRecord, TaskRecord, TaskTable, UnitRef,
)
from models import operations as ops

# every test here that makes a ledger runs on a file and on a server (tests/conftest.py)
pytestmark = pytest.mark.both_engines


def table(*tasks: TaskRecord) -> TaskTable:
    return TaskTable(source="分工表.xlsx", sheet="Sheet1", tasks=list(tasks), years=[2018, 2019, 2020],
                     note="注：责任单位的责任人如遇工作调整和职务变动，由其继任者接替履行职责，不再另发文。",
                     warnings=[ImportWarning("责任人与单位数量不一致", Origin("分工表.xlsx", "Sheet1", 7, 9))])


def t1(**over) -> TaskRecord:
    fields = dict(content="基本养老保险参保率达到90%", number="（一）", category="健全完善社会保障体系", category_number="一",
                  targets=[TargetRecord(2018, "85%"), TargetRecord(2019, "88%"), TargetRecord(2020, "90%")],
                  lead=[UnitRef("县人社局", "黄敬铿")], co=[UnitRef("县财政局"), UnitRef("各乡(镇)")],
                  unpaired_persons=["陈淑玲"])
    return TaskRecord(**{**fields, **over})


def t2(**over) -> TaskRecord:
    fields = dict(content="80周岁以上老年人享受高龄津贴的乡（镇）比例100%", number="（六）", category="健全完善社会保障体系",
                  deadline="2023年12月底前", due=date(2023, 12, 31), lead=[UnitRef("县老龄办", "吴冰贞")],
                  co=[UnitRef("各乡（镇）", "各乡镇长")])
    return TaskRecord(**{**fields, **over})


def test_first_load_creates_group_units_tasks_in_one_history_entry(db):
    report = load(db, table(t1(), t2()), "闽清县老龄工作领导小组")
    assert (report.added, report.updated, report.unchanged, report.group_is_new) == (2, 0, 0, True)
    assert report.new_units == ["县人社局", "县财政局", "各乡（镇）", "县老龄办"]
    assert report.categories == ["健全完善社会保障体系"]
    assert report.persons == ["黄敬铿", "陈淑玲", "吴冰贞", "各乡镇长"]
    assert history_count(db) == 1
    from exporters.json_dump import build_dump

    group = build_dump(db)["groups"][0]
    assert group["note"].startswith("注：责任单位的责任人")
    first, second = group["tasks"]
    assert first["lead"] == [{"unit": "县人社局", "person": "黄敬铿"}]
    assert first["co"] == [{"unit": "县财政局", "person": None}, {"unit": "各乡（镇）", "person": None}]
    assert first["unpaired_persons"] == ["陈淑玲"]
    assert [t["target"] for t in first["targets"]] == ["85%", "88%", "90%"]
    assert (second["due"], second["status"]) == ("2023-12-31", "未启动")


def test_same_records_twice_add_nothing_and_write_no_history(db):
    load(db, table(t1(), t2()), "小组")
    before, entries = state(db), history_count(db)
    report = load(db, table(t1(), t2()), "小组")
    assert (report.added, report.updated, report.unchanged) == (0, 0, 2)
    assert state(db) == before and history_count(db) == entries


def test_revision_updates_changed_adds_new_and_reports_missing(db):
    load(db, table(t1(), t2()), "小组")
    revised = table(
        t1(lead=[UnitRef("县人社局", "刘琛")], targets=[TargetRecord(2018, "86%")]),
        TaskRecord(content="新增的一项任务", lead=[UnitRef("县民政局")]),
    )
    report = load(db, revised, "小组")
    assert (report.added, report.updated, report.unchanged) == (1, 1, 0)
    assert report.missing == [t2().content]
    from exporters.json_dump import build_dump

    tasks = build_dump(db)["groups"][0]["tasks"]
    assert [t["content"] for t in tasks] == [t1().content, t2().content, "新增的一项任务"]
    assert tasks[0]["lead"] == [{"unit": "县人社局", "person": "刘琛"}]
    assert tasks[0]["targets"] == [{"year": 2018, "target": "86%", "actual": None}]


def test_reworded_task_with_same_number_is_updated_not_duplicated(db):
    load(db, table(t1(), t2()), "小组")
    report = load(db, table(t1(content="基本养老保险参保率达到92%"), t2()), "小组")
    assert (report.added, report.updated, report.missing) == (0, 1, [])


def test_progress_and_status_of_the_office_survive_a_reimport(db):
    load(db, table(t1(), t2()), "小组")
    from exporters.json_dump import build_dump

    task_id = build_dump(db)["groups"][0]["tasks"][0]["id"]
    ops.record_progress(db, task_id, "已摸底")
    ops.record_actual(db, task_id, 2018, "87%")
    load(db, table(t1(targets=[TargetRecord(2019, "88%")]), t2()), "小组")
    task = build_dump(db)["groups"][0]["tasks"][0]
    assert task["status"] == "推进中" and task["progress"][0]["text"] == "已摸底"
    assert {"year": 2018, "target": "", "actual": "87%"} in task["targets"]


def test_dry_run_reports_the_same_and_writes_nothing(db):
    before, entries = state(db), history_count(db)
    report = load(db, table(t1(), t2()), "小组", dry_run=True)
    assert report.added == 2 and report.group_is_new and report.dry_run
    assert state(db) == before and history_count(db) == entries


def test_undo_of_an_import_removes_exactly_what_it_added(db):
    ops.create_group(db, "小组")
    before = state(db)
    load(db, table(t1(), t2()), "小组")
    assert "导入任务" in ops.undo(db)
    assert state(db) == before


def test_units_are_matched_by_alias(db):
    uid = ops.create_unit(db, "县卫健局")
    ops.add_alias(db, uid, "县卫计局")
    report = load(db, table(TaskRecord(content="任务", lead=[UnitRef("县卫计局")])), "小组")
    assert report.new_units == []
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT unit_id FROM assignment")).scalar_one() == uid


def test_roster_load_keeps_official_order_and_twice_adds_nothing(db):
    roster = Roster(source="名单.txt", members=[
        MemberRecord("庄一鸣", "组长", "区人民政府", "副区长", order=1),
        MemberRecord("肖坚松", "副组长", "区政府办", "副主任、三级主任科员", order=2),
        MemberRecord("吴海鹰", "副组长", "区卫健局", "党组书记", order=3),
    ])
    report = load(db, roster, "泉港区领导小组")
    assert report.added == 3
    entries = history_count(db)
    assert load(db, roster, "泉港区领导小组").unchanged == 3
    assert history_count(db) == entries
    from exporters.json_dump import build_dump

    members = build_dump(db)["groups"][0]["members"]
    assert [(m["order"], m["role"], m["name"], m["unit"], m["title"]) for m in members] == [
        (1, "组长", "庄一鸣", "区人民政府", "副区长"),
        (2, "副组长", "肖坚松", "区政府办", "副主任、三级主任科员"),
        (3, "副组长", "吴海鹰", "区卫健局", "党组书记"),
    ]


def test_duties_load_sets_text_per_unit(db):
    duties = Duties(source="职责.txt", duties=[DutyRecord("区委史志室", "负责提供我区历史资料。"),
                                              DutyRecord("区财政局", "负责专项工作经费安排。")])
    assert load(db, duties, "小组").added == 2
    changed = Duties(source="职责.txt", duties=[DutyRecord("区财政局", "负责经费。")])
    report = load(db, changed, "小组")
    assert (report.added, report.updated) == (0, 1)
    from exporters.json_dump import build_dump

    assert build_dump(db)["groups"][0]["duties"] == [
        {"unit": "区委史志室", "text": "负责提供我区历史资料。"}, {"unit": "区财政局", "text": "负责经费。"}]


def test_task_matched_by_number_only_when_its_old_content_is_not_in_the_file(db):
    """A renumbered table: the file has task （一） reworded *and* the old text of （一） under
    another number — the old task follows its text, the reworded one is new (not an update of it)."""
    load(db, table(t1(), t2()), "小组")
    report = load(db, table(t1(content="参保率达到95%"), t2(), t1(number="（九）")), "小组")
    assert (report.added, report.updated, report.unchanged, report.missing) == (1, 1, 1, [])
    from exporters.json_dump import build_dump

    tasks = build_dump(db)["groups"][0]["tasks"]
    assert [(t["number"], t["content"]) for t in tasks] == [
        ("（九）", t1().content), ("（六）", t2().content), ("（一）", "参保率达到95%")]


def test_roster_reimport_keeps_stored_phones_and_reports_members_not_in_the_file(db):
    first = Roster(source="名单.txt", members=[
        MemberRecord("庄一鸣", "组长", "区人民政府", "副区长", phone="0595-1234567", order=1),
        MemberRecord("肖坚松", "副组长", "区政府办", "副主任", order=2),
        MemberRecord("吴海鹰", "成员", "区卫健局", "党组书记", order=3),
    ])
    load(db, first, "泉港区领导小组")
    again = Roster(source="名单2.txt", members=[
        MemberRecord("庄一鸣", "组长", "区人民政府", "副区长", order=1),  # no phone in this file: keep the stored one
        MemberRecord("肖坚松", "副组长", "区政府办", "主任", phone="138", order=2),
    ])
    report = load(db, again, "泉港区领导小组")
    assert (report.added, report.updated, report.unchanged) == (0, 1, 1)
    assert report.missing == ["成员 吴海鹰"]
    with db.engine.connect() as conn:
        rows = conn.execute(text("SELECT name, title, phone, active FROM member ORDER BY position")).all()
    assert rows == [("庄一鸣", "副区长", "0595-1234567", 1), ("肖坚松", "主任", "138", 1), ("吴海鹰", "党组书记", None, 1)]
