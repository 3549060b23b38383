"""Issue 12: a re-import merges three ways — what the file said when last imported, what it says
now, what the ledger says now — so the office's edits survive the lead office's revisions; the
preview and the command line's report say what changes (before → after) and list conflicts."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import openpyxl
import pytest
from conftest import SAMPLES, connect_ledger, table_rows
from sqlmodel import select

from exporters.json_dump import build_dump
from models import operations as ops
from models.db import Database
from models.merge import ABSENT, merge
from models.tables import Assignment, Target, Task, Unit
from taizhang.cli import main

# every test here that makes a ledger runs on a file and on a server (tests/conftest.py)
pytestmark = pytest.mark.both_engines

MINQING_FILE = SAMPLES / "闽清县老龄事业重点任务分工表.xlsx"
GROUP = "闽清县老龄工作领导小组"


def _import(db_path, path, *extra, capsys):
    status = main(["--db", str(db_path), "import", str(path), "--group", GROUP, *extra])
    out = capsys.readouterr()
    assert status == 0, out.err
    return out.out


def _tasks(db_path) -> list[Task]:
    with Database(db_path) as db, db.session() as s:
        return list(s.exec(select(Task).order_by(Task.position)).all())


def _dump(db_path) -> dict:
    with Database(db_path) as db:
        return build_dump(db)


def _revised(tmp_path, **cells) -> object:
    """The 闽清 table as the lead office might revise it: the given cells rewritten."""
    wb = openpyxl.load_workbook(MINQING_FILE)
    for ref, value in cells.items():
        wb.active[ref] = value
    out = tmp_path / "闽清县老龄事业重点任务分工表（修订）.xlsx"
    wb.save(out)
    return out


def _units_of(db_path, task_id) -> dict[tuple[str, str], str | None]:
    with Database(db_path) as db, db.session() as s:
        rows = s.exec(select(Assignment, Unit).join(Unit, Unit.id == Assignment.unit_id)
                      .where(Assignment.task_id == task_id)).all()
        return {(a.role, u.name): a.person for a, u in rows}


# ------------------------------------------------------------------ the pure merge


def test_merge_takes_the_files_change_keeps_the_ledgers_and_reports_a_conflict():
    base = {"a": 1, "b": 1, "c": 1, "d": 1}
    file = {"a": 1, "b": 2, "c": 3, "d": 4}
    ledger = {"a": 9, "b": 1, "c": 5, "d": 4}
    merged = merge(base, file, ledger)
    assert merged.changes == {"b": 2}  # a: only the ledger changed; d: both made the same change
    assert [(c.key, c.ledger, c.file) for c in merged.conflicts] == [("c", 5, 3)]
    assert merge(base, file, ledger, take_file=lambda c: True).changes == {"b": 2, "c": 3}


def test_merge_of_units_keeps_what_the_office_added_and_drops_only_untouched_units():
    base = {"县财政局": "陈淑玲", "各乡（镇）": None, "县民政局": "王五"}
    file = {"县财政局": "陈淑玲", "县教育局": "李四"}  # drops 各乡（镇） and 县民政局, adds 县教育局
    ledger = {"县财政局": "陈淑玲", "各乡（镇）": None, "县民政局": "赵六", "县残联": "张三"}
    merged = merge(base, file, ledger, part="units")
    assert merged.changes == {"各乡（镇）": ABSENT, "县教育局": "李四"}
    assert [(c.key, c.ledger, c.file) for c in merged.conflicts] == [("县民政局", "赵六", ABSENT)]


def test_merge_without_a_base_takes_the_files_values():
    assert merge(None, {"a": 2}, {"a": 1}).changes == {"a": 2}


# ------------------------------------------------------------------ scenario 1 of the issue


def test_reimporting_the_same_file_keeps_every_edit(ledger_at, tmp_path, capsys):
    db_path = ledger_at
    _import(db_path, MINQING_FILE, capsys=capsys)
    first = _tasks(db_path)[0]
    with Database(db_path) as db:
        ops.edit_task(db, first.id, deadline="2027年6月底前")
        ops.assign(db, first.id, "县民政局", role="co", person="张三")
    before = _dump(db_path)

    out = _import(db_path, MINQING_FILE, capsys=capsys)

    assert "新增 0，更新 0，未变 27" in out and "冲突" not in out
    assert _dump(db_path) == before
    task = _tasks(db_path)[0]
    assert task.deadline == "2027年6月底前"
    assert _units_of(db_path, task.id)[("co", "县民政局")] == "张三"


def test_a_revised_file_merges_with_the_ledger_and_lists_the_conflict(ledger_at, tmp_path, capsys):
    db_path = ledger_at
    _import(db_path, MINQING_FILE, capsys=capsys)
    t1, t2, t3 = (t.id for t in _tasks(db_path)[:3])
    with Database(db_path) as db:
        ops.set_target(db, t1, 2020, "91%")  # the file will change it too: a conflict
        ops.assign(db, t2, "县民政局", role="co", person="张三")  # the office's own unit
    revised = _revised(tmp_path, F5="92%", H6="张伟", I7="县财政局", C8="（四）被征地人员养老保险应保尽保（修订）")

    preview = _import(db_path, revised, "--dry-run", capsys=capsys)
    assert "将要修改的内容" in preview
    assert "牵头单位「县人社局」：黄敬铿 → 张伟" in preview  # before → after
    assert "配合单位「各乡（镇）」：（未填责任人） → （无此单位）" in preview
    assert "冲突（1" in preview
    assert "（一） 基本养老保险参保率达到90%｜2020年目标：台账「91%」，文件「92%」→ 保留台账" in preview
    dry = table_rows(db_path)

    out = _import(db_path, revised, capsys=capsys)
    assert "更新 3" in out and "台账「91%」，文件「92%」→ 保留台账" in out
    assert table_rows(db_path) != dry
    with Database(db_path) as db, db.session() as s:
        target = s.exec(select(Target).where(Target.task_id == t1, Target.year == 2020)).one()
    assert target.target == "91%"  # the ledger's value stays
    units2 = _units_of(db_path, t2)
    assert units2[("lead", "县人社局")] == "张伟" and units2[("co", "县民政局")] == "张三"
    assert ("co", "各乡（镇）") not in _units_of(db_path, t3)  # the file dropped it, the office had not touched it
    assert any(t.content == "被征地人员养老保险应保尽保（修订）" for t in _tasks(db_path))
    assert len(_tasks(db_path)) == 27

    again = _import(db_path, revised, capsys=capsys)  # the conflict was decided: not asked again
    assert "新增 0，更新 0，未变 27" in again and "冲突" not in again


def test_prefer_file_takes_the_files_value_of_a_conflict(ledger_at, tmp_path, capsys):
    db_path = ledger_at
    _import(db_path, MINQING_FILE, capsys=capsys)
    t1 = _tasks(db_path)[0].id
    with Database(db_path) as db:
        ops.set_target(db, t1, 2020, "91%")
    out = _import(db_path, _revised(tmp_path, F5="92%"), "--prefer", "file", capsys=capsys)
    assert "台账「91%」，文件「92%」→ 采用文件" in out
    with Database(db_path) as db, db.session() as s:
        assert s.exec(select(Target.target).where(Target.task_id == t1, Target.year == 2020)).one() == "92%"


def test_a_unit_dropped_by_the_file_that_the_office_changed_is_a_conflict(ledger_at, tmp_path, capsys):
    db_path = ledger_at
    _import(db_path, MINQING_FILE, capsys=capsys)
    t3 = _tasks(db_path)[2].id
    with Database(db_path) as db, db.session() as s:
        aid = s.exec(select(Assignment.id).join(Unit, Unit.id == Assignment.unit_id)
                     .where(Assignment.task_id == t3, Unit.name == "各乡（镇）")).one()
    with Database(db_path) as db:
        ops.set_person(db, aid, "王乡长")
    out = _import(db_path, _revised(tmp_path, I7="县财政局"), capsys=capsys)
    assert "配合单位「各乡（镇）」：台账「王乡长」，文件「（无此单位）」→ 保留台账" in out
    assert _units_of(db_path, t3)[("co", "各乡（镇）")] == "王乡长"


def test_a_task_gone_from_the_file_is_reported_and_kept(ledger_at, tmp_path, capsys):
    db_path = ledger_at
    _import(db_path, MINQING_FILE, capsys=capsys)
    wb = openpyxl.load_workbook(MINQING_FILE)
    wb.active.delete_rows(9)  # （五）
    revised = tmp_path / "少一项.xlsx"
    wb.save(revised)
    out = _import(db_path, revised, capsys=capsys)
    assert "台账中有、文件中没有的任务（1，已保留，未删除）" in out
    assert len(_tasks(db_path)) == 27


def test_undo_of_a_reimport_brings_back_the_base(ledger_at, tmp_path, capsys):
    db_path = ledger_at
    _import(db_path, MINQING_FILE, capsys=capsys)
    revised = _revised(tmp_path, H6="张伟")
    first = _import(db_path, revised, capsys=capsys)
    assert "更新 1" in first
    with Database(db_path) as db:
        assert ops.undo(db)
    assert "更新 1" in _import(db_path, revised, capsys=capsys)


# ------------------------------------------------------------------ an older ledger


def _as_version_2(db_path) -> None:
    """Rewrite the ledger at ``db_path`` into version 2's schema (tests/data/schema_v2.sql), keeping
    every row of the tables and columns version 2 had."""
    old = db_path.with_name("v2.db")
    conn = connect_ledger(old)
    conn.executescript((Path(__file__).parent / "data" / "schema_v2.sql").read_text(encoding="utf-8"))
    conn.execute("ATTACH DATABASE ? AS cur", (str(db_path),))
    tables = [t for (t,) in conn.execute("SELECT name FROM main.sqlite_master WHERE type = 'table'")]
    for table in tables:
        columns = ", ".join(f'"{c[1]}"' for c in conn.execute(f'PRAGMA main.table_info("{table}")'))
        conn.execute(f'INSERT INTO main."{table}" ({columns}) SELECT {columns} FROM cur."{table}"')
    conn.execute("PRAGMA user_version = 2")
    conn.commit()
    conn.execute("DETACH DATABASE cur")
    conn.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    old.rename(db_path)


def test_a_version_2_ledger_counts_its_tasks_as_imported_with_their_current_values(tmp_path, capsys):
    db_path = tmp_path / "old.db"
    _import(db_path, MINQING_FILE, capsys=capsys)
    _as_version_2(db_path)  # as version 2 left it: no sources, nor what later versions add
    with Database(db_path) as db:  # the upgrade
        with db.engine.connect() as c:
            assert c.exec_driver_sql("SELECT count(*) FROM import_source WHERE task_id IS NOT NULL").scalar_one() == 27
        first = _tasks(db_path)[0]
        ops.edit_task(db, first.id, deadline="2027年6月底前")  # an edit made after the upgrade
    out = _import(db_path, MINQING_FILE, capsys=capsys)
    assert "更新 0" in out and "没有改动" in out  # the upgrade's bases are what the file says: nothing to write
    assert _tasks(db_path)[0].deadline == "2027年6月底前"


# ------------------------------------------------------------------ rosters and the demo


def test_demo_twice_after_edits_replacements_and_merges_changes_nothing(tmp_path):
    db_path = tmp_path / "demo.db"
    assert main(["--db", str(db_path), "demo", "--no-tui"]) == 0
    with Database(db_path) as db, db.session() as s:
        from models.tables import Duty, Group, Member

        minqing = s.exec(select(Group.id).where(Group.name == GROUP)).one()
        task = s.exec(select(Task).where(Task.group_id == minqing).order_by(Task.position)).first()
        gao = s.exec(select(Member).where(Member.name == "高奋飞")).one()
        song = s.exec(select(Member).where(Member.name == "宋江涌")).one()
        section = s.exec(select(Unit).where(Unit.name == "市经济和信息化局产业与资源科")).one()
        jingxin = s.exec(select(Unit).where(Unit.name == "市经信局")).one()
        duty = s.exec(select(Duty)).first()
        lead = s.exec(select(Assignment).where(Assignment.task_id == task.id, Assignment.role == "lead")).first()
    with Database(db_path) as db:
        ops.edit_task(db, task.id, deadline="2027年6月底前", content=task.content + "（调整）")
        ops.assign(db, task.id, "县民政局", role="co", person="张三")
        ops.set_person(db, lead.id, "李四")
        ops.replace_member(db, gao.id, "孙建国")
        ops.edit_member(db, song.id, title="市政府副市长（兼）")
        ops.merge_units(db, jingxin.id, section.id)
        ops.set_duty(db, duty.group_id, "区卫健局", "办公室自己改写的职责。")
        before = build_dump(db)
    assert main(["--db", str(db_path), "demo", "--no-tui"]) == 0
    with Database(db_path) as db:
        after = build_dump(db)
    assert json.dumps(after, ensure_ascii=False, sort_keys=True) == json.dumps(before, ensure_ascii=False, sort_keys=True)
    members = [m for g in after["groups"] if g["name"] == "临海市老有康养专项工作组" for m in g["members"]]
    assert [m["active"] for m in members if m["name"] == "高奋飞"] == [False]
    assert [m["name"] for m in members if m["active"]].count("孙建国") == 1


def test_a_roster_line_naming_a_replaced_member_matches_the_successor(ledger_at, tmp_path, capsys):
    db_path = ledger_at
    roster = SAMPLES / "临海市老有康养专项工作组成员名单.txt"
    assert main(["--db", str(db_path), "import", str(roster), "--group", "临海"]) == 0
    capsys.readouterr()
    with Database(db_path) as db, db.session() as s:
        from models.tables import Member

        gao = s.exec(select(Member).where(Member.name == "高奋飞")).one()
    with Database(db_path) as db:
        ops.replace_member(db, gao.id, "孙建国")
    before = _dump(db_path)
    assert main(["--db", str(db_path), "import", str(roster), "--group", "临海"]) == 0
    out = capsys.readouterr().out
    assert "新增 0" in out and "成员 高奋飞 → 孙建国" in out and "台账中有、文件中没有" not in out
    assert _dump(db_path) == before


def test_a_roster_unit_that_reads_as_a_section_is_named_in_the_preview(ledger_at, tmp_path, capsys):
    db_path = ledger_at
    roster = SAMPLES / "临海市老有康养专项工作组成员名单.txt"
    assert main(["--db", str(db_path), "import", str(roster), "--group", "临海", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "「王璟」的单位「市经济和信息化局产业与资源科」像是「市经济和信息化局」的内设科室，将作为新单位添加" in out
