"""Issue 12: a task the office deleted (or cancelled) in the ledger does not come back when its table
is imported again. The delete leaves a tombstone (where the file had the task, what the file said);
an unchanged row stays deleted and is reported, a row the file changed since is a conflict."""

from __future__ import annotations

import pytest


import openpyxl
from conftest import SAMPLES, connect_ledger, table_rows
from sqlmodel import select

from models import operations as ops
from models.db import Database
from models.tables import ImportSource, ImportTombstone, Target, Task
from taizhang.cli import main

# every test here that makes a ledger runs on a file and on a server (tests/conftest.py)
pytestmark = pytest.mark.both_engines

MINQING_FILE = SAMPLES / "闽清县老龄事业重点任务分工表.xlsx"
GROUP = "闽清县老龄工作领导小组"
FOURTH = "城乡居民基本医疗保险参保人数达到26万人"  # （四）, row 8 of the sheet


def _import(db_path, path, *extra, capsys):
    status = main(["--db", str(db_path), "import", str(path), "--group", GROUP, *extra])
    out = capsys.readouterr()
    assert status == 0, out.err
    return out.out


def _tasks(db_path) -> list[Task]:
    with Database(db_path) as db, db.session() as s:
        return list(s.exec(select(Task).order_by(Task.position)).all())


def _task(db_path, content: str) -> Task | None:
    return next((t for t in _tasks(db_path) if t.content == content), None)


def _revised(tmp_path, **cells):
    wb = openpyxl.load_workbook(MINQING_FILE)
    for ref, value in cells.items():
        wb.active[ref] = value
    out = tmp_path / "闽清县老龄事业重点任务分工表（修订）.xlsx"
    wb.save(out)
    return out


def _ledger(db_path) -> dict[str, list[tuple]]:
    """Every row of the ledger's own tables (history and id counters left out)."""
    rows = table_rows(db_path)
    return {t: v for t, v in rows.items() if t not in ("history", "row_change", "sqlite_sequence")}


def _targets(db_path, task_id) -> dict[int, str]:
    with Database(db_path) as db, db.session() as s:
        return {t.year: t.target for t in s.exec(select(Target).where(Target.task_id == task_id)).all()}


def _tombstones(db_path) -> list[ImportTombstone]:
    with Database(db_path) as db, db.session() as s:
        return list(s.exec(select(ImportTombstone)).all())


def _deleted(db_path, capsys) -> int:
    _import(db_path, MINQING_FILE, capsys=capsys)
    task = _task(db_path, FOURTH)
    with Database(db_path) as db:
        ops.delete_task(db, task.id)
    return task.id


def test_a_deleted_task_is_not_imported_again_from_the_unchanged_file(ledger_at, tmp_path, capsys):
    db_path = ledger_at
    task_id = _deleted(db_path, capsys)
    [stone] = _tombstones(db_path)
    assert (stone.task_id, stone.file, stone.row_key) == (task_id, MINQING_FILE.name, "8")
    before = table_rows(db_path)

    preview = _import(db_path, MINQING_FILE, "--dry-run", capsys=capsys)
    out = _import(db_path, MINQING_FILE, capsys=capsys)

    for text in (preview, out):
        assert "新增 0，更新 0，未变 26" in text
        assert "已在台账中删除、文件中仍有的任务（1，文件未改动，未重新导入）" in text
        assert f"（四） {FOURTH}（第 8 行）" in text
        assert "冲突" not in text
    assert "没有改动" in out
    assert _task(db_path, FOURTH) is None and len(_tasks(db_path)) == 26
    assert table_rows(db_path) == before


def test_a_deleted_task_the_file_changed_since_is_a_conflict_kept_deleted(ledger_at, tmp_path, capsys):
    db_path = ledger_at
    _deleted(db_path, capsys)
    revised = _revised(tmp_path, F8="26.5万")

    preview = _import(db_path, revised, "--dry-run", capsys=capsys)
    assert "冲突（1" in preview
    assert (f"（四） {FOURTH}（第 8 行）｜任务：台账「（已在台账中删除）」，"
            "文件「文件中仍有，且已修改：2020年目标「26.5万」」→ 保留台账") in preview
    out = _import(db_path, revised, capsys=capsys)
    assert "冲突（1" in out and "新增 0" in out
    assert _task(db_path, FOURTH) is None
    [stone] = _tombstones(db_path)
    assert "26.5万" in stone.base  # what the file says now: the decision is not asked again

    again = _import(db_path, revised, capsys=capsys)
    assert "冲突" not in again and "已在台账中删除、文件中仍有的任务（1" in again
    assert _task(db_path, FOURTH) is None


def test_prefer_file_brings_a_changed_deleted_task_back(ledger_at, tmp_path, capsys):
    db_path = ledger_at
    task_id = _deleted(db_path, capsys)
    out = _import(db_path, _revised(tmp_path, F8="26.5万"), "--prefer", "file", capsys=capsys)
    assert "→ 采用文件" in out and "新增 1" in out
    back = _task(db_path, FOURTH)
    assert back is not None and _targets(db_path, back.id)[2020] == "26.5万" and back.id != task_id
    assert _tombstones(db_path) == []
    with Database(db_path) as db:  # the import is undone as one change: deleted again, tombstone back
        assert ops.undo(db)
    assert _task(db_path, FOURTH) is None and len(_tombstones(db_path)) == 1


def test_undo_of_the_delete_removes_the_tombstone_and_redo_puts_it_back(ledger_at, tmp_path, capsys):
    db_path = ledger_at
    _import(db_path, MINQING_FILE, capsys=capsys)
    imported = _ledger(db_path)
    task = _task(db_path, FOURTH)
    with Database(db_path) as db:
        ops.delete_task(db, task.id)
        deleted = _ledger(db_path)
        assert ops.undo(db)
    assert _ledger(db_path) == imported  # the task and its source, exactly; no tombstone
    assert _tombstones(db_path) == []
    with Database(db_path) as db, db.session() as s:
        assert s.exec(select(ImportSource).where(ImportSource.task_id == task.id)).one().file == MINQING_FILE.name
    assert "新增 0，更新 0，未变 27" in _import(db_path, MINQING_FILE, capsys=capsys)

    with Database(db_path) as db:
        assert ops.redo(db)
    assert _ledger(db_path) == deleted
    assert "已在台账中删除、文件中仍有的任务（1" in _import(db_path, MINQING_FILE, capsys=capsys)
    assert _task(db_path, FOURTH) is None


def test_every_task_deleted_none_comes_back(ledger_at, tmp_path, capsys):
    db_path = ledger_at
    _import(db_path, MINQING_FILE, capsys=capsys)
    with Database(db_path) as db:
        for task in _tasks(db_path):
            ops.delete_task(db, task.id)
    out = _import(db_path, MINQING_FILE, capsys=capsys)
    assert "新增 0" in out and "已在台账中删除、文件中仍有的任务（27" in out
    assert _tasks(db_path) == []


def test_a_cancelled_task_stays_cancelled_after_a_reimport(ledger_at, tmp_path, capsys):
    db_path = ledger_at
    _import(db_path, MINQING_FILE, capsys=capsys)
    task = _task(db_path, FOURTH)
    with Database(db_path) as db:
        ops.cancel_task(db, task.id)
    out = _import(db_path, _revised(tmp_path, F8="26.5万"), capsys=capsys)
    assert "已在台账中取消、文件中仍有的任务（1，保持已取消）" in out and "新增 0" in out
    again = _task(db_path, FOURTH)
    assert again.id == task.id and again.cancelled_on is not None and _targets(db_path, again.id)[2020] == "26.5万"
    assert len(_tasks(db_path)) == 27


def test_a_group_with_only_tombstones_can_be_deleted(ledger_at, tmp_path, capsys):
    db_path = ledger_at
    _import(db_path, MINQING_FILE, capsys=capsys)
    with Database(db_path) as db:
        for task in _tasks(db_path):
            ops.delete_task(db, task.id)
        group_id = _tombstones(db_path)[0].group_id
        with connect_ledger(db_path) as conn:
            for table in ("member", "duty"):
                conn.execute(f"DELETE FROM {table}")
        ops.delete_group(db, group_id)
        assert _tombstones(db_path) == []
        assert ops.undo(db)
    assert len(_tombstones(db_path)) == 27


# ------------------------------------------------------------------ roster members

ROSTER = SAMPLES / "临海市老有康养专项工作组成员名单.txt"
LINHAI = "临海市老有康养专项工作组"


def _roster(db_path, path, *extra, capsys):
    status = main(["--db", str(db_path), "import", str(path), "--group", LINHAI, "--as", "roster", *extra])
    out = capsys.readouterr()
    assert status == 0, out.err
    return out.out


def _member(db_path, name):
    from models.tables import Member

    with Database(db_path) as db, db.session() as s:
        return s.exec(select(Member).where(Member.name == name)).first()


def test_a_deleted_member_is_not_added_again_unless_the_roster_changed_the_line(ledger_at, tmp_path, capsys):
    db_path = ledger_at
    _roster(db_path, ROSTER, capsys=capsys)
    wang = _member(db_path, "王宇")
    with Database(db_path) as db:
        ops.delete_member(db, wang.id)
    before = _ledger(db_path)

    out = _roster(db_path, ROSTER, capsys=capsys)
    assert "已在台账中删除、文件中仍有的成员（1，文件未改动，未重新导入）" in out and "  - 成员 王宇" in out
    assert "新增 0" in out and _member(db_path, "王宇") is None and _ledger(db_path) == before

    revised = tmp_path / "名单（修订）.txt"
    revised.write_bytes(ROSTER.read_bytes().decode("utf-8").replace("市医保局", "市医疗保障局").encode("utf-8"))
    out = _roster(db_path, revised, capsys=capsys)
    assert "成员 王宇｜成员：台账「（已在台账中删除）」，文件「文件中仍有，且已修改：单位「市医疗保障局」」→ 保留台账" in out
    assert _member(db_path, "王宇") is None
    assert "冲突" not in _roster(db_path, revised, capsys=capsys)  # decided once

    with Database(db_path) as db:  # undo the delete: the tombstone goes, the member and its source come back
        ops.undo(db)  # the second import (its tombstone update)
        ops.undo(db)  # the delete
    assert _member(db_path, "王宇").id == wang.id and _tombstones(db_path) == []
    assert "新增 0，更新 0，未变 35" in _roster(db_path, ROSTER, capsys=capsys)


def test_prefer_file_adds_a_deleted_member_the_roster_changed(ledger_at, tmp_path, capsys):
    db_path = ledger_at
    _roster(db_path, ROSTER, capsys=capsys)
    with Database(db_path) as db:
        ops.delete_member(db, _member(db_path, "王宇").id)
    revised = tmp_path / "名单（修订）.txt"
    revised.write_bytes(ROSTER.read_bytes().decode("utf-8").replace("市医保局", "市医疗保障局").encode("utf-8"))
    out = _roster(db_path, revised, "--prefer", "file", capsys=capsys)
    assert "→ 采用文件" in out and "新增 1" in out
    assert _member(db_path, "王宇") is not None and _tombstones(db_path) == []
