"""Every operation's whole effect on the ledger: exactly the rows it should add, remove or change
(and nothing else), one history entry with its summary, and undo back to the exact prior rows.

``run`` below compares every row of every ledger table before and after; an expectation names each
row added (all its columns), removed (by id) and changed (each changed column's new value)."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import text
from sqlmodel import select

from conftest import file_value
from models import operations as ops
from models.changes import OperationError
from models.search import search_text
from models.tables import TRACKED_TABLES, Assignment, History, Task

# every test here that makes a ledger runs on a file and on a server (tests/conftest.py)
pytestmark = pytest.mark.both_engines

TODAY = "2023-07-01"  # TAIZHANG_TODAY from conftest
GROUP = "闽清县老龄工作领导小组"
T1 = "基本养老保险参保率达到90%"
T2 = "城乡居民基本养老保险参保人数达到14.2万人"


def dump(db) -> dict[str, dict[int, dict]]:
    """Every row of every ledger table (history aside), by table and id, as stored."""
    with db.engine.connect() as conn:
        return {name: {row["id"]: {k: file_value(v) for k, v in row.items()}
                       for row in conn.execute(text(f'SELECT * FROM "{name}"')).mappings()}
                for name in TRACKED_TABLES}


def state(db) -> dict[str, list[tuple]]:
    """Every row of every ledger table (history aside), for exact comparisons (tests/test_load.py)."""
    with db.engine.connect() as conn:
        return {name: sorted(conn.execute(text(f'SELECT * FROM "{name}"')).all(), key=repr) for name in TRACKED_TABLES}


def history_count(db) -> int:
    return len(history(db))


def effect(before: dict, after: dict) -> dict:
    """What changed between two dumps: rows added (without id and created_at), ids removed, and
    for each changed row its changed columns with their new values; empty tables left out."""
    added: dict[str, list] = {}
    removed: dict[str, list] = {}
    changed: dict[str, dict] = {}
    for table in TRACKED_TABLES:
        b, a = before[table], after[table]
        new = [{k: v for k, v in a[i].items() if k not in ("id", "created_at")} for i in sorted(a.keys() - b.keys())]
        if new:
            added[table] = new
        if b.keys() - a.keys():
            removed[table] = sorted(b.keys() - a.keys())
        for i in sorted(a.keys() & b.keys()):
            diff = {k: v for k, v in a[i].items() if b[i][k] != v}
            if diff:
                changed.setdefault(table, {})[i] = diff
    return {"added": added, "removed": removed, "changed": changed}


def history(db) -> list[History]:
    with db.session() as s:
        return list(s.exec(select(History).order_by(History.id)).all())


def run(db, operation, *, summary: str, group_id: int | None = None, task_id: int | None = None,
        added: dict | None = None, removed: dict | None = None, changed: dict | None = None):
    """Run ``operation(db)``; assert its exact effect, its one history entry, and that undo brings
    back every row as it was. ``added``/``changed`` may be functions of the operation's result (a
    new row's id). Returns the operation's result."""
    before, entries = dump(db), len(history(db))
    result = operation(db)
    after = dump(db)
    expected = {
        "added": added(result) if callable(added) else (added or {}),
        "removed": removed or {},
        "changed": changed(result) if callable(changed) else (changed or {}),
    }
    assert effect(before, after) == expected
    log = history(db)
    assert len(log) == entries + 1
    entry = log[-1]
    called = [name for name in operation.__code__.co_names if name in ops.__all__]  # the ops function called
    assert (entry.action, entry.summary, entry.group_id, entry.task_id, entry.undoes, entry.undone_by) == (
        called[-1], summary, group_id, task_id, None, None)
    assert ops.undo(db) == summary
    assert dump(db) == before
    log = history(db)
    assert (log[-1].action, log[-1].undoes, log[-1].summary, log[-1].group_id, log[-1].task_id) == (
        "undo", entry.id, f"撤销：{summary}", group_id, task_id)
    # the undo's own record of rows: each row the operation changed, from after back to before
    assert _row_changes(db, log[-1].id) == [(t, i, after, before) for t, i, before, after in reversed(_row_changes(db, entry.id))]
    assert log[-2].undone_by == log[-1].id
    # redone (the tests go on from there): the same rows as the first time, ids included (an id
    # freed by the undo is never given to another row, so the redo can put each row back as it was)
    assert ops.redo(db) == summary
    assert _timeless(dump(db)) == _timeless(after)
    return result


def _row_changes(db, history_id: int) -> list[tuple]:
    from models.tables import RowChange

    with db.session() as s:
        rows = s.exec(select(RowChange).where(RowChange.history_id == history_id).order_by(RowChange.seq)).all()
        return [(r.table_name, r.row_id, json.loads(r.before) if r.before else None,
                 json.loads(r.after) if r.after else None) for r in rows]


def _timeless(d: dict) -> dict:
    return {t: {i: {k: v for k, v in r.items() if k != "created_at"} for i, r in rows.items()} for t, rows in d.items()}


def refused(db, operation, message: str) -> None:
    """The operation is refused with a Chinese message and writes nothing, history included."""
    before, entries = dump(db), len(history(db))
    with pytest.raises(OperationError, match=message) as refusal:
        operation(db)
    if message.endswith("。"):  # a whole sentence: the whole message
        assert str(refusal.value) == message.replace("\\", "")
    assert dump(db) == before and len(history(db)) == entries


def unit_id(db, name: str) -> int:
    with db.session() as s:
        return ops.find_unit(s, name).id


def assignment_id(db, task_id: int, role: str, unit: str) -> int:
    uid = unit_id(db, unit)
    with db.session() as s:
        return s.exec(select(Assignment.id).where(Assignment.task_id == task_id, Assignment.role == role,
                                                  Assignment.unit_id == uid)).one()


@pytest.fixture
def ledger(db):
    """One group hosted by 县民政局: three members, two tasks with lead/co units and persons, a
    target, two duties, a progress entry by a unit and an alias."""
    g = ops.create_group(db, GROUP, doc_number="闽政办〔2018〕1号", host_unit="县民政局")
    m1 = ops.add_member(db, g, "黄敬铿", role="成员", unit="县人社局", title="局长", phone="0591-1234567")
    m2 = ops.add_member(db, g, "陈淑玲", role="成员", unit="县财政局", title="副局长")
    m3 = ops.add_member(db, g, "朱志军", role="成员", unit="县民政局", title="局长")
    t1 = ops.add_task(db, g, T1, category="健全完善社会保障体系", category_number="一",
                      number="（一）", deadline="2020年底", due=date(2020, 12, 31))
    t2 = ops.add_task(db, g, T2, category="健全完善社会保障体系",
                      number="（二）", deadline="2023年12月底前", due=date(2023, 12, 31))
    ops.assign(db, t1, "县人社局", person="黄敬铿")
    ops.assign(db, t1, "县财政局", role="co", person="陈淑玲")
    ops.assign(db, t2, "县人社局", person="黄敬铿")
    ops.set_target(db, t1, 2018, "85%")
    ops.set_duty(db, g, "县人社局", "负责社会保险。")
    ops.set_duty(db, g, "县财政局", "负责资金保障。")
    p = ops.record_progress(db, t2, "已完成参保摸底", on=date(2023, 6, 1), unit="县财政局")
    ops.add_alias(db, unit_id(db, "县财政局"), "县财政")
    units = {name: unit_id(db, name) for name in ("县民政局", "县人社局", "县财政局")}
    return {"group": g, "members": (m1, m2, m3), "tasks": (t1, t2), "units": units, "progress": p}


# ---------------------------------------------------------------- units


@pytest.mark.both_engines
def test_create_unit_cleans_the_name(db):
    run(db, lambda db: ops.create_unit(db, " 县 残联 "), summary="新增单位：县残联",
        added={"unit": [{"name": "县残联"}]})
    refused(db, lambda db: ops.create_unit(db, "县残联"), "单位「县残联」已存在")
    refused(db, lambda db: ops.create_unit(db, "  "), "单位名称不能为空。")


def test_create_unit_refuses_a_name_in_use_as_an_alias(db, ledger):
    refused(db, lambda db: ops.create_unit(db, "县财政"), "「县财政」已是单位「县财政局」的别名")


@pytest.mark.both_engines
def test_add_alias(db, ledger):
    uid = ledger["units"]["县人社局"]
    run(db, lambda db: ops.add_alias(db, uid, " 县人力资源和社会保障局 "),
        summary="单位「县人社局」增加别名：县人力资源和社会保障局",
        added={"unit_alias": [{"unit_id": uid, "alias": "县人力资源和社会保障局"}]})
    refused(db, lambda db: ops.add_alias(db, uid, "县财政局"), "单位「县财政局」已存在")
    refused(db, lambda db: ops.add_alias(db, uid, "县财政"), "已是单位「县财政局」的别名")
    refused(db, lambda db: ops.add_alias(db, uid, " "), "别名不能为空。")
    refused(db, lambda db: ops.add_alias(db, 999, "某单位"), "找不到单位（编号 999），可能已被删除。")


def test_find_unit_by_name_or_alias_after_cleaning(db, ledger):
    with db.session() as s:
        assert ops.find_unit(s, " 县财政局 ").id == ledger["units"]["县财政局"]
        assert ops.find_unit(s, "县 财政").id == ledger["units"]["县财政局"]
        assert ops.find_unit(s, "县教育局") is None


@pytest.mark.both_engines
def test_rename_unit_keeps_the_old_name_as_alias_and_refreshes_search(db, ledger):
    t1, t2 = ledger["tasks"]
    uid = ledger["units"]["县人社局"]
    new = "县人力资源和社会保障局"
    run(db, lambda db: ops.rename_unit(db, uid, f" {new} "), summary=f"单位改名：县人社局 → {new}",
        added={"unit_alias": [{"unit_id": uid, "alias": "县人社局"}]},
        changed={"unit": {uid: {"name": new}},
                 "task": {t1: {"search_text": search_text(T1, [new, "黄敬铿", "县财政局", "陈淑玲"])},
                          t2: {"search_text": search_text(T2, [new, "黄敬铿"])}}})
    with db.session() as s:
        assert ops.find_unit(s, "县人社局").id == uid


def test_rename_unit_back_to_its_own_alias_swaps_them(db, ledger):
    uid = ledger["units"]["县财政局"]
    with db.session() as s:
        from models.tables import UnitAlias
        alias_id = s.exec(select(UnitAlias.id).where(UnitAlias.alias == "县财政")).one()
    t1 = ledger["tasks"][0]
    run(db, lambda db: ops.rename_unit(db, uid, "县财政"), summary="单位改名：县财政局 → 县财政",
        # the alias row is deleted and the old name inserted as a new row (ids are never reused)
        removed={"unit_alias": [alias_id]}, added={"unit_alias": [{"unit_id": uid, "alias": "县财政局"}]},
        changed={"unit": {uid: {"name": "县财政"}},
                 "task": {t1: {"search_text": search_text(T1, ["县人社局", "黄敬铿", "县财政", "陈淑玲"])}}})


def test_rename_unit_with_an_alias_keeps_the_alias(db, ledger):
    uid, t1 = ledger["units"]["县财政局"], ledger["tasks"][0]
    run(db, lambda db: ops.rename_unit(db, uid, "县财政总局"), summary="单位改名：县财政局 → 县财政总局",
        added={"unit_alias": [{"unit_id": uid, "alias": "县财政局"}]},
        changed={"unit": {uid: {"name": "县财政总局"}},
                 "task": {t1: {"search_text": search_text(T1, ["县人社局", "黄敬铿", "县财政总局", "陈淑玲"])}}})
    refused(db, lambda db: ops.rename_unit(db, ledger["units"]["县人社局"], "县财政"), "已是单位「县财政总局」的别名")


def test_rename_unit_without_keeping_the_old_name(db, ledger):
    uid = ledger["units"]["县民政局"]
    run(db, lambda db: ops.rename_unit(db, uid, "县民政", keep_old_as_alias=False), summary="单位改名：县民政局 → 县民政",
        changed={"unit": {uid: {"name": "县民政"}}})


def test_rename_unit_refusals(db, ledger):
    test_rename_unit_with_an_alias_keeps_the_alias(db, ledger)  # 县财政局 is 县财政总局 from here on
    uid = ledger["units"]["县人社局"]
    refused(db, lambda db: ops.rename_unit(db, uid, "县人社局"), "新名称与原名称「县人社局」相同")
    refused(db, lambda db: ops.rename_unit(db, uid, "县财政总局"), "单位「县财政总局」已存在")
    refused(db, lambda db: ops.rename_unit(db, uid, "县财政"), "已是单位「县财政总局」的别名")
    refused(db, lambda db: ops.rename_unit(db, uid, ""), "单位名称不能为空。")
    refused(db, lambda db: ops.rename_unit(db, 999, "新名"), "找不到单位（编号 999），可能已被删除。")


@pytest.mark.both_engines
def test_merge_units_moves_everything_and_joins_duplicates(db, ledger):
    """县财政局 into 县人社局: its co assignment, member, progress entry and alias move over; its
    duty text joins the kept unit's duty (same group); its name becomes an alias; it is removed."""
    t1, t2 = ledger["tasks"]
    keep, gone = ledger["units"]["县人社局"], ledger["units"]["县财政局"]
    a_co = assignment_id(db, t1, "co", "县财政局")
    m2 = ledger["members"][1]
    with db.session() as s:
        from models.tables import Duty, UnitAlias
        duties = {d.unit_id: d.id for d in s.exec(select(Duty)).all()}
        alias = s.exec(select(UnitAlias.id).where(UnitAlias.alias == "县财政")).one()
    run(db, lambda db: ops.merge_units(db, keep, gone), summary="合并单位：县财政局 并入 县人社局",
        added={"unit_alias": [{"unit_id": keep, "alias": "县财政局"}]},
        removed={"unit": [gone], "duty": [duties[gone]]},
        changed={"unit_alias": {alias: {"unit_id": keep}},
                 "member": {m2: {"unit_id": keep}},
                 "duty": {duties[keep]: {"text": "负责社会保险。\n负责资金保障。"}},
                 "assignment": {a_co: {"unit_id": keep}},
                 "progress": {ledger["progress"]: {"unit_id": keep}},
                 "task": {t1: {"search_text": search_text(T1, ["县人社局", "黄敬铿", "县人社局", "陈淑玲"])}}})
    with db.session() as s:
        assert ops.find_unit(s, "县财政局").id == keep and ops.find_unit(s, "县财政").id == keep


def test_merge_units_moves_the_duty_and_the_host_role_when_the_kept_unit_has_none(db, ledger):
    g = ledger["group"]
    keep, gone = ops.create_unit(db, "县老龄办"), ledger["units"]["县民政局"]
    ops.set_duty(db, g, "县民政局", "负责养老服务。")
    ops.set_duty(db, ops.create_group(db, "第二组"), "县老龄办", "第二组的职责")  # the kept unit's duty elsewhere
    t1, t2 = ledger["tasks"]
    ops.assign(db, t1, "县老龄办", role="co")  # the kept unit is a co unit of another task
    moved = ops.assign(db, t2, "县民政局", role="co", person="朱志军")
    with db.session() as s:
        from models.tables import Duty
        duty = s.exec(select(Duty.id).where(Duty.unit_id == gone)).one()
    m3 = ledger["members"][2]
    run(db, lambda db: ops.merge_units(db, keep, gone), summary="合并单位：县民政局 并入 县老龄办",
        added={"unit_alias": [{"unit_id": keep, "alias": "县民政局"}]}, removed={"unit": [gone]},
        changed={"work_group": {g: {"host_unit_id": keep}}, "member": {m3: {"unit_id": keep}},
                 "duty": {duty: {"unit_id": keep}}, "assignment": {moved: {"unit_id": keep}},
                 "task": {t2: {"search_text": search_text(T2, ["县人社局", "黄敬铿", "县老龄办", "朱志军"])}}})


def test_merge_units_keeps_one_row_per_task_and_role_and_the_person(db, ledger):
    """Both units on one task in one role: one row stays (the kept unit's), with the merged unit's
    person when the kept one had none, and both persons when each had one (no name lost); a duty
    text the kept duty already holds is not repeated."""
    t1, t2 = ledger["tasks"]
    g = ledger["group"]
    keep = ops.create_unit(db, "县财政局局")
    ops.assign(db, t1, "县财政局局", role="co")
    ops.assign(db, t2, "县财政局局", role="co", person="某某")
    ops.assign(db, t2, "县财政局", role="co", person="陈淑玲")
    ops.set_duty(db, g, "县财政局局", "负责资金保障。另负责审计。")
    gone = ledger["units"]["县财政局"]
    kept_t1, kept_t2 = assignment_id(db, t1, "co", "县财政局局"), assignment_id(db, t2, "co", "县财政局局")
    gone_t1, gone_t2 = assignment_id(db, t1, "co", "县财政局"), assignment_id(db, t2, "co", "县财政局")
    with db.session() as s:
        from models.tables import Duty, UnitAlias
        gone_duty = s.exec(select(Duty.id).where(Duty.unit_id == gone)).one()
        alias = s.exec(select(UnitAlias.id).where(UnitAlias.alias == "县财政")).one()
    run(db, lambda db: ops.merge_units(db, keep, gone), summary="合并单位：县财政局 并入 县财政局局",
        added={"unit_alias": [{"unit_id": keep, "alias": "县财政局"}]},
        removed={"unit": [gone], "assignment": [gone_t1, gone_t2], "duty": [gone_duty]},
        changed={"unit_alias": {alias: {"unit_id": keep}},
                 "member": {ledger["members"][1]: {"unit_id": keep}},
                 "assignment": {kept_t1: {"person": "陈淑玲"}, kept_t2: {"person": "某某、陈淑玲"}},
                 "progress": {ledger["progress"]: {"unit_id": keep}},
                 "task": {t1: {"search_text": search_text(T1, ["县人社局", "黄敬铿", "县财政局局", "陈淑玲"])},
                          t2: {"search_text": search_text(T2, ["县人社局", "黄敬铿", "县财政局局", "某某、陈淑玲"])}}})


def test_merge_units_refusals(db, ledger):
    uid = ledger["units"]["县人社局"]
    refused(db, lambda db: ops.merge_units(db, uid, uid), "不能把单位与它自己合并。")
    refused(db, lambda db: ops.merge_units(db, uid, 999), "找不到单位（编号 999），可能已被删除。")
    refused(db, lambda db: ops.merge_units(db, 999, uid), "找不到单位（编号 999），可能已被删除。")


# ---------------------------------------------------------------- groups and members


@pytest.mark.both_engines
def test_create_group_with_its_host_unit(db, ledger):
    host = ledger["units"]["县民政局"]
    run(db, lambda db: ops.create_group(db, " 另一个  领导小组 ", doc_number="闽政〔2020〕2号", host_unit="县民政局"),
        summary="新建领导小组：另一个领导小组", group_id=ledger["group"] + 1,
        added={"work_group": [{"name": "另一个领导小组", "doc_number": "闽政〔2020〕2号", "host_unit_id": host,
                               "note": None, "title": None, "report_cycle": None, "review_closing": True, "next_steps": None,
                               "assessment_weights": None}]})


def test_create_group_creates_a_new_host_unit_and_stores_no_empty_doc_number(db):
    gid = run(db, lambda db: ops.create_group(db, "小组", doc_number="", host_unit="县老龄办"), summary="新建领导小组：小组",
              group_id=1, added=lambda gid: {"unit": [{"name": "县老龄办"}],
                                             "work_group": [{"name": "小组", "doc_number": None, "host_unit_id": 1,
                                                             "note": None, "title": None, "report_cycle": None,
                                                             "review_closing": True, "next_steps": None,
                                                             "assessment_weights": None}]})
    assert gid == 1
    refused(db, lambda db: ops.create_group(db, "小组"), "领导小组「小组」已存在")
    refused(db, lambda db: ops.create_group(db, " "), "领导小组名称不能为空。")


def _member(group, name, unit, position, *, role="成员", title=None, phone=None, joined_on=None):
    return {"group_id": group, "name": name, "unit_id": unit, "title": title, "role": role, "position": position,
            "active": 1, "successor_id": None, "joined_on": joined_on, "left_on": None, "phone": phone}


@pytest.mark.both_engines
def test_add_member_at_a_position_renumbers_the_rest(db, ledger):
    g, (m1, m2, m3) = ledger["group"], ledger["members"]
    run(db, lambda db: ops.add_member(db, g, "吴 冰贞", role="联 络员", unit="县老龄办", position=2, title="主任",
                                      phone="138", joined_on=date(2023, 1, 2)),
        summary=f"{GROUP}：新增联络员 吴冰贞", group_id=g,
        added={"unit": [{"name": "县老龄办"}],
               "member": [_member(g, "吴冰贞", 4, 2, role="联络员", title="主任", phone="138", joined_on="2023-01-02")]},
        changed={"member": {m2: {"position": 3}, m3: {"position": 4}}})


def test_add_member_at_the_end_or_clamped(db, ledger):
    g = ledger["group"]
    run(db, lambda db: ops.add_member(db, g, "甲某", role=" "), summary=f"{GROUP}：新增成员 甲某", group_id=g,
        added={"member": [_member(g, "甲某", None, 4)]})
    run(db, lambda db: ops.add_member(db, g, "乙某", position=99), summary=f"{GROUP}：新增成员 乙某", group_id=g,
        added={"member": [_member(g, "乙某", None, 5)]})
    m1, m2, m3 = ledger["members"]
    run(db, lambda db: ops.add_member(db, g, "丙某", position=0, unit="县财政"), summary=f"{GROUP}：新增成员 丙某",
        group_id=g, added={"member": [_member(g, "丙某", ledger["units"]["县财政局"], 1)]},
        changed={"member": {m1: {"position": 2}, m2: {"position": 3}, m3: {"position": 4}, 4: {"position": 5},
                            5: {"position": 6}}})
    refused(db, lambda db: ops.add_member(db, g, "  "), "成员姓名不能为空。")
    refused(db, lambda db: ops.add_member(db, 999, "某人"), "找不到领导小组（编号 999），可能已被删除。")


@pytest.mark.both_engines
def test_edit_member_fields(db, ledger):
    g, (m1, _, _) = ledger["group"], ledger["members"]
    run(db, lambda db: ops.edit_member(db, m1, title="党组书记", unit="县财政", phone="", role="副 组长"),
        summary="修改成员：黄敬铿", group_id=g,
        changed={"member": {m1: {"title": "党组书记", "unit_id": ledger["units"]["县财政局"], "phone": None,
                                 "role": "副组长"}}})
    run(db, lambda db: ops.edit_member(db, m1, title=None, unit=None, role=None), summary="修改成员：黄敬铿", group_id=g,
        changed={"member": {m1: {"title": None, "unit_id": None, "role": "成员"}}})
    run(db, lambda db: ops.edit_member(db, m1, phone="139"), summary="修改成员：黄敬铿", group_id=g,
        changed={"member": {m1: {"phone": "139"}}})
    with pytest.raises(TypeError, match="unknown member fields"):
        ops.edit_member(db, m1, age="50")
    refused(db, lambda db: ops.edit_member(db, m1, name=" "), "成员姓名不能为空。")
    refused(db, lambda db: ops.edit_member(db, m1, name=None), "成员姓名不能为空。")
    refused(db, lambda db: ops.edit_member(db, 999, title="x"), "找不到成员（编号 999），可能已被删除。")


def test_edit_member_name_follows_into_open_tasks_only(db, ledger):
    g, (m1, _, _) = ledger["group"], ledger["members"]
    t1, t2 = ledger["tasks"]
    ops.tick(db, t1)  # done: keeps the name it was done under
    lead_t2 = assignment_id(db, t2, "lead", "县人社局")
    refused_silently = dump(db), len(history(db))
    ops.edit_member(db, m1, name="黄 敬 铿")  # the same name once cleaned: nothing to write
    assert (dump(db), len(history(db))) == refused_silently
    run(db, lambda db: ops.edit_member(db, m1, name="黄 敬坚"), summary="修改成员：黄敬铿 → 黄敬坚", group_id=g,
        changed={"member": {m1: {"name": "黄敬坚"}}, "assignment": {lead_t2: {"person": "黄敬坚"}},
                 "task": {t2: {"search_text": search_text(T2, ["县人社局", "黄敬坚"])}}})


@pytest.mark.both_engines
def test_move_member(db, ledger):
    g, (m1, m2, m3) = ledger["group"], ledger["members"]
    run(db, lambda db: ops.move_member(db, m3, 1), summary="调整成员顺序：朱志军 移到第 1 位", group_id=g,
        changed={"member": {m1: {"position": 2}, m2: {"position": 3}, m3: {"position": 1}}})
    run(db, lambda db: ops.move_member(db, m3, 99), summary="调整成员顺序：朱志军 移到第 3 位", group_id=g,
        changed={"member": {m1: {"position": 1}, m2: {"position": 2}, m3: {"position": 3}}})
    run(db, lambda db: ops.move_member(db, m3, -5), summary="调整成员顺序：朱志军 移到第 1 位", group_id=g,
        changed={"member": {m1: {"position": 2}, m2: {"position": 3}, m3: {"position": 1}}})
    run(db, lambda db: ops.move_member(db, m1, 3), summary="调整成员顺序：黄敬铿 移到第 3 位", group_id=g,
        changed={"member": {m1: {"position": 3}, m2: {"position": 2}}})
    refused(db, lambda db: ops.move_member(db, 999, 1), "找不到成员（编号 999），可能已被删除。")


@pytest.mark.both_engines
def test_replace_member_moves_open_tasks_and_keeps_done_ones(db, ledger):
    g, (m1, m2, m3) = ledger["group"], ledger["members"]
    t1, t2 = ledger["tasks"]
    ops.tick(db, t1)  # done: keeps 黄敬铿
    assert [t.id for t in ops.member_open_tasks(db, m1)] == [t2]
    lead_t2 = assignment_id(db, t2, "lead", "县人社局")
    new = run(db, lambda db: ops.replace_member(db, m1, "王  明", title="副局长", phone="139", on=date(2023, 5, 4)),
              summary="换人：黄敬铿 → 王明（移交未完成任务 1 项）", group_id=g,
              added={"member": [_member(g, "王明", ledger["units"]["县人社局"], 2, title="副局长", phone="139",
                                        joined_on="2023-05-04")]},
              changed=lambda new: {"member": {m1: {"active": 0, "successor_id": new, "left_on": "2023-05-04"},
                                              m2: {"position": 3}, m3: {"position": 4}},
                                   "assignment": {lead_t2: {"person": "王明"}},
                                   "task": {t2: {"search_text": search_text(T2, ["县人社局", "王明"])}}})
    assert ops.member_open_tasks(db, m1) == [] and [t.id for t in ops.member_open_tasks(db, new)] == [t2]
    refused(db, lambda db: ops.replace_member(db, m1, "赵六"), "黄敬铿 已被替换，不能再次替换")


def test_replace_member_keeps_title_and_unit_unless_given_and_dates_today(db, ledger):
    g, (m1, m2, m3) = ledger["group"], ledger["members"]
    run(db, lambda db: ops.replace_member(db, m3, "李四"), summary="换人：朱志军 → 李四（移交未完成任务 0 项）", group_id=g,
        added={"member": [_member(g, "李四", ledger["units"]["县民政局"], 4, title="局长", joined_on=TODAY)]},
        changed=lambda new: {"member": {m3: {"active": 0, "successor_id": new, "left_on": TODAY}}})
    run(db, lambda db: ops.replace_member(db, m2, "王五", unit="县老龄办", title=""),
        summary="换人：陈淑玲 → 王五（移交未完成任务 1 项）", group_id=g,
        added={"unit": [{"name": "县老龄办"}], "member": [_member(g, "王五", 4, 3, title="", joined_on=TODAY)]},
        changed=lambda new: {"member": {m2: {"active": 0, "successor_id": new, "left_on": TODAY},
                                        m3: {"position": 4}, 4: {"position": 5}},
                             "assignment": {assignment_id(db, ledger["tasks"][0], "co", "县财政局"): {"person": "王五"}},
                             "task": {ledger["tasks"][0]: {"search_text": search_text(
                                 T1, ["县人社局", "黄敬铿", "县财政局", "王五"])}}})
    chief = ops.add_member(db, g, "组长甲", role="组长")
    t1, t2 = ledger["tasks"]
    other = ops.create_group(db, "另一组")
    elsewhere = ops.add_task(db, other, "另一组的任务")
    ops.assign(db, elsewhere, "县民政局", person="组长甲")  # the same name in another group
    first = ops.add_task(db, g, "排在最前的任务", position=0)
    ops.assign(db, first, "县民政局", person="组长甲")
    ops.assign(db, t1, "县民政局", person="组长甲")
    assert [t.id for t in ops.member_open_tasks(db, chief)] == [first, t1]  # in the table's order
    successor = ops.replace_member(db, chief, "组长乙")
    with db.session() as s:
        from models.tables import Member
        assert s.get(Member, successor).role == "组长"
        persons = dict(s.exec(select(Assignment.task_id, Assignment.person).where(Assignment.person.like("组长%"))).all())
    assert persons == {elsewhere: "组长甲", first: "组长乙", t1: "组长乙"}
    refused(db, lambda db: ops.replace_member(db, m1, " "), "接任者姓名不能为空。")
    refused(db, lambda db: ops.replace_member(db, m1, "黄 敬铿"), "接任者与原成员同名。")
    refused(db, lambda db: ops.replace_member(db, 999, "某人"), "找不到成员（编号 999），可能已被删除。")
    assert ops.member_open_tasks(db, 999) == [] and ops.member_open_tasks(db, m3) == []


@pytest.mark.both_engines
def test_set_duty_adds_changes_and_removes(db, ledger):
    g = ledger["group"]
    with db.session() as s:
        from models.tables import Duty
        duty = s.exec(select(Duty.id).where(Duty.unit_id == ledger["units"]["县人社局"])).one()
    run(db, lambda db: ops.set_duty(db, g, "县民政局", " 负责养老服务体系建设。 "),
        summary=f"{GROUP}：修改「县民政局」的工作职责", group_id=g,
        added={"duty": [{"group_id": g, "unit_id": ledger["units"]["县民政局"], "text": "负责养老服务体系建设。"}]})
    run(db, lambda db: ops.set_duty(db, g, "县人社局", "负责社会保险和就业。"),
        summary=f"{GROUP}：修改「县人社局」的工作职责", group_id=g, changed={"duty": {duty: {"text": "负责社会保险和就业。"}}})
    run(db, lambda db: ops.set_duty(db, g, "县人社局", "  "), summary=f"{GROUP}：删除「县人社局」的工作职责", group_id=g,
        removed={"duty": [duty]})
    run(db, lambda db: ops.set_duty(db, g, "县老龄办", "新单位的职责"), summary=f"{GROUP}：修改「县老龄办」的工作职责",
        group_id=g, added={"unit": [{"name": "县老龄办"}], "duty": [{"group_id": g, "unit_id": 4, "text": "新单位的职责"}]})
    refused(db, lambda db: ops.set_duty(db, g, " ", "x"), "单位名称不能为空。")
    other = ops.create_group(db, "另一组")
    run(db, lambda db: ops.set_duty(db, other, "县老龄办", "另一组的职责"), summary="另一组：修改「县老龄办」的工作职责",
        group_id=other, added={"duty": [{"group_id": other, "unit_id": 4, "text": "另一组的职责"}]})
    refused(db, lambda db: ops.set_duty(db, 999, "县人社局", "x"), "找不到领导小组（编号 999），可能已被删除。")


# ---------------------------------------------------------------- tasks


def _task(group, content, position, **fields):
    row = {"group_id": group, "position": position, "category_number": None, "category": None, "number": None,
           "content": content, "deadline": None, "due": None, "status": "未启动", "done_on": None, "notes": None,
           "unpaired_persons": None, "search_text": search_text(content), "cancelled_on": None}
    row.update(fields)
    return row


@pytest.mark.both_engines
def test_add_task_at_the_end_cleaning_the_content(db, ledger):
    g = ledger["group"]
    run(db, lambda db: ops.add_task(db, g, " 新增  任务(一) ", number="3", deadline="长期坚持", notes="备"),
        summary="新增任务：新增任务（一）", group_id=g, task_id=3,
        added={"task": [_task(g, "新增任务（一）", 3, number="3", deadline="长期坚持", notes="备")]})
    run(db, lambda db: ops.add_task(db, g, "甲" * 30, position=1, due=date(2024, 1, 31)),
        summary="新增任务：" + "甲" * 23 + "…", group_id=g, task_id=4,
        added={"task": [_task(g, "甲" * 30, 1, due="2024-01-31")]})
    gid = ops.create_group(db, "空组")
    run(db, lambda db: ops.add_task(db, gid, "第一项"), summary="新增任务：第一项", group_id=gid, task_id=5,
        added={"task": [_task(gid, "第一项", 1)]})
    with pytest.raises(TypeError, match="unknown task fields"):
        ops.add_task(db, g, "x", colour="red")
    refused(db, lambda db: ops.add_task(db, g, "   "), "工作任务内容不能为空。")
    refused(db, lambda db: ops.add_task(db, 999, "x"), "找不到领导小组（编号 999），可能已被删除。")


@pytest.mark.both_engines
def test_edit_task_cleans_the_content_and_refreshes_search(db, ledger):
    g, (t1, _) = ledger["group"], ledger["tasks"]
    content = "基本养老保险参保率达到95%(全县)"
    cleaned = "基本养老保险参保率达到95%（全县）"
    run(db, lambda db: ops.edit_task(db, t1, content=f"  {content} ", deadline="长期坚持", due=None,
                                     expected={"deadline": "2020年底"}),
        summary=f"修改任务：{ops.short(cleaned)}", group_id=g, task_id=t1,
        changed={"task": {t1: {"content": cleaned, "deadline": "长期坚持", "due": None,
                               "search_text": search_text(cleaned, ["县人社局", "黄敬铿", "县财政局", "陈淑玲"])}}})
    run(db, lambda db: ops.edit_task(db, t1, notes="备注"), summary=f"修改任务：{ops.short(cleaned)}", group_id=g,
        task_id=t1, changed={"task": {t1: {"notes": "备注"}}})
    with pytest.raises(TypeError, match="unknown task fields"):
        ops.edit_task(db, t1, colour="red")
    refused(db, lambda db: ops.edit_task(db, t1, content=" "), "工作任务内容不能为空。")
    refused(db, lambda db: ops.edit_task(db, t1, deadline="x", expected={"deadline": "2020年底"}),
            "这项任务在你打开之后已被修改.*完成时限现在是「长期坚持」，不是你看到的「2020年底」")
    refused(db, lambda db: ops.edit_task(db, t1, notes="x", expected={"due": date(2019, 1, 1), "notes": None}),
            "这项任务在你打开之后已被修改（另一个窗口或一次导入）：截止日期现在是「空」，不是你看到的「2019-01-01」。"
            "这次修改没有保存，以免覆盖别人的修改；请看过最新内容后再改。")
    refused(db, lambda db: ops.edit_task(db, t1, notes="x", expected={"notes": "旧备注"}),
            "这项任务在你打开之后已被修改（另一个窗口或一次导入）：备注现在是「备注」，不是你看到的「旧备注」。"
            "这次修改没有保存，以免覆盖别人的修改；请看过最新内容后再改。")
    run(db, lambda db: ops.edit_task(db, t1, due=date(2019, 1, 1), expected={"due": None, "deadline": "长期坚持"}),
        summary=f"修改任务：{ops.short(cleaned)}", group_id=g, task_id=t1, changed={"task": {t1: {"due": "2019-01-01"}}})
    run(db, lambda db: ops.edit_task(db, t1, notes="新", expected={"due": date(2019, 1, 1)}),
        summary=f"修改任务：{ops.short(cleaned)}", group_id=g, task_id=t1, changed={"task": {t1: {"notes": "新"}}})
    refused(db, lambda db: ops.edit_task(db, 999, notes="x"), "找不到任务（编号 999），可能已被删除。")


def test_edit_task_reads_the_due_date_from_a_new_deadline_as_the_form_does(db, ledger):
    from models.due_dates import due_for

    g, (t1, _) = ledger["group"], ledger["tasks"]
    summary = f"修改任务：{ops.short(T1)}"
    run(db, lambda db: ops.edit_task(db, t1, deadline="2024年6月底前"), summary=summary, group_id=g, task_id=t1,
        changed={"task": {t1: {"deadline": "2024年6月底前", "due": "2024-06-30"}}})
    run(db, lambda db: ops.edit_task(db, t1, deadline="2025年底前", due=date(2025, 10, 1)), summary=summary,
        group_id=g, task_id=t1, changed={"task": {t1: {"deadline": "2025年底前", "due": "2025-10-01"}}})
    run(db, lambda db: ops.edit_task(db, t1, deadline="长期坚持"), summary=summary, group_id=g, task_id=t1,
        changed={"task": {t1: {"deadline": "长期坚持", "due": None}}})
    # the form's rule is the same function: the date written wins, else the one read from the text
    assert due_for("2024年6月底前") == date(2024, 6, 30) and due_for("长期坚持") is None
    assert due_for("2024年6月底前", date(2024, 5, 1)) == date(2024, 5, 1)


@pytest.mark.both_engines
def test_assign_appends_in_its_role_and_refreshes_search(db, ledger):
    g, (t1, t2) = ledger["group"], ledger["tasks"]
    run(db, lambda db: ops.assign(db, t2, " 县民政局 ", role="co", person="朱 志军"),
        summary=f"指定配合单位：县民政局（朱志军） — {T2}", group_id=g, task_id=t2,
        added={"assignment": [{"task_id": t2, "unit_id": ledger["units"]["县民政局"], "role": "co", "person": "朱志军",
                               "position": 0}]},
        changed={"task": {t2: {"search_text": search_text(T2, ["县人社局", "黄敬铿", "县民政局", "朱志军"])}}})
    run(db, lambda db: ops.assign(db, t1, "县老龄办", role="co"), summary=f"指定配合单位：县老龄办 — {T1}",
        group_id=g, task_id=t1,
        added={"unit": [{"name": "县老龄办"}],
               "assignment": [{"task_id": t1, "unit_id": 4, "role": "co", "person": None, "position": 1}]},
        changed={"task": {t1: {"search_text": search_text(T1, ["县人社局", "黄敬铿", "县财政局", "陈淑玲", "县老龄办"])}}})
    run(db, lambda db: ops.assign(db, t1, "县民政局", person=""), summary=f"指定牵头单位：县民政局 — {T1}",
        group_id=g, task_id=t1,
        added={"assignment": [{"task_id": t1, "unit_id": ledger["units"]["县民政局"], "role": "lead", "person": None,
                               "position": 1}]},
        changed={"task": {t1: {"search_text": search_text(
            T1, ["县人社局", "黄敬铿", "县民政局", "县财政局", "陈淑玲", "县老龄办"])}}})
    refused(db, lambda db: ops.assign(db, t1, "县人社局"), "「县人社局」已是这项任务的牵头单位")
    refused(db, lambda db: ops.assign(db, t1, "县财政", role="co"), "「县财政局」已是这项任务的配合单位")
    run(db, lambda db: ops.assign(db, t1, "县人社局", role="co"), summary=f"指定配合单位：县人社局 — {T1}", group_id=g,
        task_id=t1, added={"assignment": [{"task_id": t1, "unit_id": ledger["units"]["县人社局"], "role": "co",
                                            "person": None, "position": 2}]},
        changed={"task": {t1: {"search_text": search_text(
            T1, ["县人社局", "黄敬铿", "县民政局", "县财政局", "陈淑玲", "县老龄办", "县人社局"])}}})
    refused(db, lambda db: ops.assign(db, t1, "县人社局", role="boss"), "未知的单位角色「boss」")
    refused(db, lambda db: ops.assign(db, 999, "县人社局"), "找不到任务（编号 999），可能已被删除。")


@pytest.mark.both_engines
def test_unassign(db, ledger):
    g, (t1, _) = ledger["group"], ledger["tasks"]
    co = assignment_id(db, t1, "co", "县财政局")
    run(db, lambda db: ops.unassign(db, co), summary=f"取消配合单位：县财政局 — {T1}", group_id=g, task_id=t1,
        removed={"assignment": [co]}, changed={"task": {t1: {"search_text": search_text(T1, ["县人社局", "黄敬铿"])}}})
    refused(db, lambda db: ops.unassign(db, 999), "找不到任务分工（编号 999），可能已被删除。")


@pytest.mark.both_engines
def test_set_person_sets_cleans_and_clears(db, ledger):
    g, (t1, _) = ledger["group"], ledger["tasks"]
    lead = assignment_id(db, t1, "lead", "县人社局")
    run(db, lambda db: ops.set_person(db, lead, "刘  琛"), summary=f"县人社局 的责任人：刘琛 — {T1}", group_id=g,
        task_id=t1, changed={"assignment": {lead: {"person": "刘琛"}},
                             "task": {t1: {"search_text": search_text(T1, ["县人社局", "刘琛", "县财政局", "陈淑玲"])}}})
    run(db, lambda db: ops.set_person(db, lead, ""), summary=f"县人社局 的责任人：（空） — {T1}", group_id=g, task_id=t1,
        changed={"assignment": {lead: {"person": None}},
                 "task": {t1: {"search_text": search_text(T1, ["县人社局", "县财政局", "陈淑玲"])}}})
    refused(db, lambda db: ops.set_person(db, 999, "x"), "找不到任务分工（编号 999），可能已被删除。")


@pytest.mark.both_engines
def test_tick_dates_today_and_untick_returns_to_the_progress_state(db, ledger):
    g, (t1, t2) = ledger["group"], ledger["tasks"]
    assert run(db, lambda db: ops.tick(db, t1), summary=f"标记完成：{T1}", group_id=g, task_id=t1,
               changed={"task": {t1: {"status": "已完成", "done_on": TODAY}}}) == "已完成"
    assert run(db, lambda db: ops.tick(db, t1, seen_done=True), summary=f"取消完成：{T1}", group_id=g, task_id=t1,
               changed={"task": {t1: {"status": "未启动", "done_on": None}}}) == "未启动"
    ops.tick(db, t2)
    assert run(db, lambda db: ops.tick(db, t2), summary=f"取消完成：{ops.short(T2)}", group_id=g, task_id=t2,
               changed={"task": {t2: {"status": "推进中", "done_on": None}}}) == "推进中"


@pytest.mark.both_engines
def test_tick_refuses_when_another_window_changed_the_task(db, ledger):
    t1 = ledger["tasks"][0]
    refused(db, lambda db: ops.tick(db, t1, seen_done=True), "这项任务已由另一个窗口或一次导入标为「未启动」")
    ops.tick(db, t1)
    refused(db, lambda db: ops.tick(db, t1, seen_done=False), "标为「已完成」，与你看到的不同")
    refused(db, lambda db: ops.tick(db, 999), "找不到任务（编号 999），可能已被删除。")


@pytest.mark.both_engines
def test_set_status(db, ledger):
    g, (t1, t2) = ledger["group"], ledger["tasks"]
    run(db, lambda db: ops.set_status(db, t1, "推进中", expected={"status": "未启动"}),
        summary=f"状态 未启动 → 推进中：{T1}", group_id=g, task_id=t1, changed={"task": {t1: {"status": "推进中"}}})
    run(db, lambda db: ops.set_status(db, t1, "已完成"), summary=f"状态 推进中 → 已完成：{T1}", group_id=g, task_id=t1,
        changed={"task": {t1: {"status": "已完成", "done_on": TODAY}}})
    run(db, lambda db: ops.set_status(db, t1, "未启动"), summary=f"状态 已完成 → 未启动：{T1}", group_id=g, task_id=t1,
        changed={"task": {t1: {"status": "未启动", "done_on": None}}})
    refused(db, lambda db: ops.set_status(db, t2, "推进中"), "任务已是「推进中」")
    refused(db, lambda db: ops.set_status(db, t2, "差不多"), "未知的完成状态「差不多」，应为 未启动、推进中 或 已完成")
    refused(db, lambda db: ops.set_status(db, t1, "已完成", expected={"status": "推进中"}),
            "这项任务在你打开之后已被修改（另一个窗口或一次导入）：状态现在是「未启动」，不是你看到的「推进中」")
    refused(db, lambda db: ops.set_status(db, 999, "已完成"), "找不到任务（编号 999），可能已被删除。")


@pytest.mark.both_engines
def test_record_progress_starts_a_task_and_is_dated_today(db, ledger):
    g, (t1, t2) = ledger["group"], ledger["tasks"]
    run(db, lambda db: ops.record_progress(db, t1, "  召开推进会 ", unit="县财政"),
        summary=f"记录进展：{T1} — 召开推进会", group_id=g, task_id=t1,
        added={"progress": [{"task_id": t1, "on": TODAY, "unit_id": ledger["units"]["县财政局"], "text": "召开推进会"}]},
        changed={"task": {t1: {"status": "推进中"}}})
    run(db, lambda db: ops.record_progress(db, t2, "再次推进" * 6, on=date(2023, 6, 30)),
        summary=f"记录进展：{T2[:15]}… — {('再次推进' * 6)[:19]}…", group_id=g, task_id=t2,
        added={"progress": [{"task_id": t2, "on": "2023-06-30", "unit_id": None, "text": "再次推进" * 6}]})
    ops.tick(db, t2)
    run(db, lambda db: ops.record_progress(db, t2, "完成后的进展"), summary=f"记录进展：{T2[:15]}… — 完成后的进展",
        group_id=g, task_id=t2, added={"progress": [{"task_id": t2, "on": TODAY, "unit_id": None, "text": "完成后的进展"}]})
    refused(db, lambda db: ops.record_progress(db, t1, "  "), "进展内容不能为空。")
    refused(db, lambda db: ops.record_progress(db, 999, "x"), "找不到任务（编号 999），可能已被删除。")


@pytest.mark.both_engines
def test_set_target_strips_and_updates_in_place(db, ledger):
    g, (t1, _) = ledger["group"], ledger["tasks"]
    with db.session() as s:
        from models.tables import Target
        target = s.exec(select(Target.id)).one()
    run(db, lambda db: ops.set_target(db, t1, 2019, " 88% "), summary=f"2019 年目标：88% — {T1}", group_id=g,
        task_id=t1, added={"target": [{"task_id": t1, "year": 2019, "target": "88%", "actual": None}]})
    run(db, lambda db: ops.set_target(db, t1, 2018, "86%", expected={"target": "85%"}), summary=f"2018 年目标：86% — {T1}",
        group_id=g, task_id=t1, changed={"target": {target: {"target": "86%"}}})
    run(db, lambda db: ops.set_target(db, ledger["tasks"][1], 2018, "一二三四五六七八九十一二三四五六七"),
        summary=f"2018 年目标：一二三四五六七八九十一二三四五… — {T2}", group_id=g, task_id=ledger["tasks"][1],
        added={"target": [{"task_id": ledger["tasks"][1], "year": 2018, "target": "一二三四五六七八九十一二三四五六七",
                           "actual": None}]})
    refused(db, lambda db: ops.set_target(db, t1, 2018, "90%", expected={"target": "85%"}), "2018 年的目标在你打开之后已被修改")
    refused(db, lambda db: ops.set_target(db, 999, 2018, "90%"), "找不到任务（编号 999），可能已被删除。")


@pytest.mark.both_engines
def test_record_actual_against_a_target_or_alone(db, ledger):
    g, (t1, t2) = ledger["group"], ledger["tasks"]
    with db.session() as s:
        from models.tables import Target
        target = s.exec(select(Target.id)).one()
    run(db, lambda db: ops.record_actual(db, t1, 2018, " 86% ", expected={"actual": None}),
        summary=f"2018 年完成值：86% — {T1}", group_id=g, task_id=t1, changed={"target": {target: {"actual": "86%"}}})
    run(db, lambda db: ops.record_actual(db, t1, 2018, "  "), summary=f"2018 年完成值：（空） — {T1}", group_id=g,
        task_id=t1, changed={"target": {target: {"actual": None}}})
    ops.record_actual(db, t1, 2018, "1")
    run(db, lambda db: ops.record_actual(db, t1, 2018, None), summary=f"2018 年完成值：（空） — {T1}", group_id=g,
        task_id=t1, changed={"target": {target: {"actual": None}}})
    run(db, lambda db: ops.record_actual(db, t2, 2023, "12万人"), summary=f"2023 年完成值：12万人 — {ops.short(T2)}",
        group_id=g, task_id=t2, added={"target": [{"task_id": t2, "year": 2023, "target": "", "actual": "12万人"}]})
    refused(db, lambda db: ops.record_actual(db, t1, 2018, "1", expected={"actual": "2"}), "2018 年的完成值在你打开之后已被修改")
    refused(db, lambda db: ops.record_actual(db, 999, 2018, "1"), "找不到任务（编号 999），可能已被删除。")


def test_short():
    assert ops.short("  一 二\n三 ") == "一 二 三"
    assert ops.short("甲" * 24) == "甲" * 24 and ops.short("甲" * 25) == "甲" * 23 + "…"
    assert ops.short("甲" * 5, 4) == "甲甲甲…"


def test_refresh_search_includes_unpaired_persons(db, ledger):
    t2 = ledger["tasks"][1]
    with db.session() as s:
        task = s.get(Task, t2)
        task.unpaired_persons = json.dumps(["李四"], ensure_ascii=False)
        ops.refresh_search(s, task)
        assert task.search_text == search_text(T2, ["县人社局", "黄敬铿", "李四"])
        s.rollback()


# ---------------------------------------------------------------- undo


@pytest.mark.both_engines
def test_undo_goes_back_step_by_step_and_stops_when_nothing_is_left(db):
    empty = dump(db)
    g = ops.create_group(db, "小组")
    one = dump(db)
    ops.add_task(db, g, "任务甲")
    assert ops.undo(db) == "新增任务：任务甲"
    assert dump(db) == one
    assert ops.undo(db) == "新建领导小组：小组"
    assert dump(db) == empty
    assert ops.undo(db) is None
    assert [h.action for h in history(db)] == ["create_group", "add_task", "undo", "undo"]


def test_an_operation_that_changes_nothing_writes_no_history(db, ledger):
    before, entries = dump(db), len(history(db))
    ops.set_duty(db, ledger["group"], "县人社局", "负责社会保险。")
    ops.edit_task(db, ledger["tasks"][0], notes=None)
    assert dump(db) == before and len(history(db)) == entries


@pytest.mark.both_engines
def test_undo_refuses_when_a_row_was_changed_behind_its_back(db, ledger):
    ops.tick(db, ledger["tasks"][0])
    with db.engine.begin() as conn:  # another program changed the row since
        conn.execute(text("UPDATE task SET notes = '别处的修改' WHERE id = :id"), {"id": ledger["tasks"][0]})
    before, entries = dump(db), len(history(db))
    with pytest.raises(OperationError, match=f"「标记完成：{T1}」之后这条数据又被修改过，不能撤销"):
        ops.undo(db)
    assert dump(db) == before and len(history(db)) == entries


@pytest.mark.both_engines
def test_undo_of_a_bulk_insert_removes_its_id_range(db, ledger):
    """The import reports the rows it inserted as an id range; undo deletes exactly that range."""
    from models.changes import change

    g = ledger["group"]
    before = dump(db)
    with change(db, "import") as tx:
        tx.session.execute(text(
            "INSERT INTO task (id, group_id, position, content, status, search_text) VALUES "
            "(10, :g, 3, '甲', '未启动', ''), (11, :g, 4, '乙', '未启动', '')"), {"g": g})
        tx.record("task", 10, None, {"id_range": [10, 11]})
        tx.session.execute(text("INSERT INTO unit (id, name, created_at) VALUES "
                                "(20, '甲单位', '2023-07-01 00:00:00'), (21, '乙单位', '2023-07-01 00:00:00')"))
        tx.record("unit", 20, None, {"id_range": [20, 21]})
        tx.describe("导入：两项任务", group_id=g)
    assert set(dump(db)["task"]) == {1, 2, 10, 11} and {20, 21} <= set(dump(db)["unit"])
    assert ops.undo(db) == "导入：两项任务"
    assert dump(db) == before


def test_a_change_without_summary_is_a_programming_error(db, ledger):
    from models.changes import change

    before = dump(db)
    with pytest.raises(RuntimeError, match="operation 'x' wrote no summary"):
        with change(db, "x") as tx:
            task = tx.session.get(Task, ledger["tasks"][0])
            task.notes = "未说明的修改"
            tx.session.add(task)
    assert dump(db) == before


@pytest.mark.both_engines
def test_dry_run_runs_in_full_and_writes_nothing(db, ledger):
    from models.changes import change

    before, entries = dump(db), len(history(db))
    with change(db, "x", dry_run=True) as tx:
        task = tx.session.get(Task, ledger["tasks"][0])
        task.notes = "试运行"
        tx.session.add(task)
        tx.describe("试运行")
    assert dump(db) == before and len(history(db)) == entries


@pytest.mark.both_engines
def test_a_conflicting_write_is_refused_in_chinese_and_rolled_back(db, ledger):
    from models.changes import change
    from models.tables import Unit

    before, entries = dump(db), len(history(db))
    with pytest.raises(OperationError, match="这项修改与已有数据冲突，未保存"):
        with change(db, "x") as tx:
            tx.session.add(Unit(name="县人社局"))
            tx.describe("重复的单位")
    assert dump(db) == before and len(history(db)) == entries
