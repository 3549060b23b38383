"""`taizhang import` as a user runs it: what it prints, --dry-run, --sheet, --as, --group, revised
files, and bad files refused with exit 1, a Chinese message and the database untouched."""

from __future__ import annotations

import json
import shutil
import zipfile

import openpyxl
import pytest
from conftest import SAMPLES, run_cli

# every test here that makes a ledger runs on a file and on a server (tests/conftest.py)
pytestmark = pytest.mark.both_engines

MINQING = SAMPLES / "闽清县老龄事业重点任务分工表.xlsx"


def dump(tmp_path, db) -> dict:
    out = tmp_path / "dump.json"
    result = run_cli("--db", str(db), "export", str(out))
    assert result.returncode == 0, result.stderr
    return json.loads(out.read_text(encoding="utf-8"))


def test_import_prints_what_it_found_and_writes_it(ledger_at, tmp_path):
    db = ledger_at
    result = run_cli("--db", str(db), "import", str(MINQING), "--group", "闽清县老龄工作领导小组")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "领导小组「闽清县老龄工作领导小组」（新建）" in out
    assert "任务：27 项（新增 27，更新 0，未变 0）" in out
    assert "类别（7）：健全完善社会保障体系、健全养老服务体系" in out
    assert "县人社局（新）" in out and "责任人（" in out and "黄敬铿" in out
    assert "工作表「Sheet1」第 5 行 J 列" in out
    assert "已写入数据库。" in out
    tasks = dump(tmp_path, db)["groups"][0]["tasks"]
    assert len(tasks) == 27
    again = run_cli("--db", str(db), "import", str(MINQING))
    assert again.returncode == 0 and "新增 0，更新 0，未变 27" in again.stdout
    assert "没有改动" in again.stdout


def test_dry_run_writes_nothing(ledger_at, tmp_path):
    db = ledger_at
    result = run_cli("--db", str(db), "import", str(MINQING), "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "试运行" in result.stdout and "新增 27" in result.stdout
    assert dump(tmp_path, db)["groups"] == []


def test_without_group_a_new_database_names_the_group_and_one_group_is_reused(ledger_at, tmp_path):
    db = ledger_at
    assert run_cli("--db", str(db), "import", str(MINQING)).returncode == 0
    roster = SAMPLES / "临海市老有康养专项工作组成员名单.txt"
    assert run_cli("--db", str(db), "import", str(roster), "--as", "roster").returncode == 0
    groups = dump(tmp_path, db)["groups"]
    assert [g["name"] for g in groups] == ["闽清县老龄事业领导小组"]  # its title names nothing: the file's name
    assert len(groups[0]["members"]) == 35


def test_another_places_table_is_not_put_silently_into_the_only_group(ledger_at, tmp_path):
    """One group (闽清) and no --group: a table titled for another place's group (启东), none of whose
    tasks are 闽清's, is refused with what to type, the ledger untouched; --group then decides. A
    table of the same place (a roster's group, then its tasks) still goes into the one group."""
    from conftest import table_rows

    db = ledger_at
    assert run_cli("--db", str(db), "import", str(MINQING)).returncode == 0
    before = table_rows(db)
    qidong = SAMPLES / "启东市省健康县区建设任务分工表.xlsx"
    refused = run_cli("--db", str(db), "import", str(qidong))
    assert refused.returncode == 1, refused.stdout
    assert "看来是「启东市省健康县（区）建设领导小组」的表" in refused.stderr
    assert "只有领导小组「闽清县老龄事业领导小组」" in refused.stderr and "--group" in refused.stderr
    assert "数据库未作任何改动" in refused.stderr and "Traceback" not in refused.stderr
    assert table_rows(db) == before
    assert run_cli("--db", str(db), "import", str(qidong), "--group", "启东市省健康县（区）建设领导小组").returncode == 0
    assert [len(g["tasks"]) for g in dump(tmp_path, db)["groups"]] == [27, 16]

    same_place = tmp_path / "s.db"
    assert run_cli("--db", str(same_place), "import", str(SAMPLES / "临海市老有康养专项工作组成员名单.txt")).returncode == 0
    tasks = run_cli("--db", str(same_place), "import", str(SAMPLES / "临海市老有康养专项实施方案通知.txt"))
    assert tasks.returncode == 0 and "→ 领导小组「临海市老有康养专项工作组」" in tasks.stdout


def test_several_groups_need_group_and_say_which(ledger_at, tmp_path):
    db = ledger_at
    assert run_cli("--db", str(db), "import", str(MINQING), "--group", "甲").returncode == 0
    assert run_cli("--db", str(db), "import", str(MINQING), "--group", "乙").returncode == 0
    result = run_cli("--db", str(db), "import", str(MINQING))
    assert result.returncode == 2 and "请用 --group 指定：甲、乙" in result.stderr


def test_sheet_option_picks_the_sheet(ledger_at, tmp_path):
    path = tmp_path / "两张表.xlsx"
    wb = openpyxl.Workbook()
    first = wb.active
    first.title = "说明"
    first.append(["填表说明：请按单位填写"])
    for name, task in (("甲表", "甲任务"), ("乙表", "乙任务")):
        ws = wb.create_sheet(name)
        ws.append(["序号", "工作任务", "牵头单位", "完成时限"])
        ws.append([1, task, "县民政局", "2023年12月底前"])
    wb.save(path)
    db = ledger_at
    result = run_cli("--db", str(db), "import", str(path), "--sheet", "乙表")
    assert result.returncode == 0, result.stderr
    task = dump(tmp_path, db)["groups"][0]["tasks"][0]
    assert (task["content"], task["due"]) == ("乙任务", "2023-12-31")
    missing = run_cli("--db", str(db), "import", str(path), "--sheet", "丙表")
    assert missing.returncode == 1 and "丙表" in missing.stderr


def test_revised_file_updates_adds_and_lists_missing(ledger_at, tmp_path):
    db = ledger_at
    revised = tmp_path / "修订.xlsx"
    shutil.copy(MINQING, revised)
    assert run_cli("--db", str(db), "import", str(revised), "--group", "组").returncode == 0
    wb = openpyxl.load_workbook(revised)
    ws = wb.active
    ws["G5"] = "县人力资源和社会保障局"  # the first task's lead unit renamed
    ws.delete_rows(10)  # （六） gone
    wb.save(revised)
    result = run_cli("--db", str(db), "import", str(revised), "--group", "组")
    assert result.returncode == 0, result.stderr
    assert "更新 1" in result.stdout and "新增 0" in result.stdout
    assert "文件中没有的任务（1，已保留，未删除）" in result.stdout
    assert "80周岁以上老年人享受高龄津贴" in result.stdout
    tasks = dump(tmp_path, db)["groups"][0]["tasks"]
    assert len(tasks) == 27
    assert tasks[0]["lead"][0]["unit"] == "县人力资源和社会保障局"


def _bad_files(tmp_path):
    not_sheet = tmp_path / "照片.xlsx"
    not_sheet.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 200)
    truncated = tmp_path / "截断.xlsx"
    truncated.write_bytes(MINQING.read_bytes()[:3000])
    empty = tmp_path / "空.xlsx"
    openpyxl.Workbook().save(empty)
    no_header = tmp_path / "无表头.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["甲", "乙", "丙"])
    wb.active.append(["1", "2", "3"])
    wb.save(no_header)
    bomb = tmp_path / "炸弹.xlsx"
    with zipfile.ZipFile(MINQING) as src, zipfile.ZipFile(bomb, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
                        + data.replace(b"<v>", b"<v>&b;", 1))
            dst.writestr(item, data)
    text = tmp_path / "说明.docx"
    text.write_text("不是 Word 文件", encoding="utf-8")
    return {"not a spreadsheet": not_sheet, "truncated": truncated, "empty": empty, "no header": no_header,
            "entity expansion": bomb, "fake docx": text}


@pytest.mark.parametrize("kind", ["not a spreadsheet", "truncated", "empty", "no header", "entity expansion", "fake docx"])
def test_bad_files_are_refused_with_exit_1_and_nothing_changes(ledger_at, tmp_path, kind):
    db = ledger_at
    assert run_cli("--db", str(db), "import", str(MINQING), "--group", "组").returncode == 0
    before = dump(tmp_path, db)
    path = _bad_files(tmp_path)[kind]
    result = run_cli("--db", str(db), "import", str(path), "--group", "组")
    assert result.returncode == 1, result.stdout
    assert "Traceback" not in result.stderr
    assert f"「{path.name}」" in result.stderr and "数据库未作任何改动" in result.stderr
    assert dump(tmp_path, db) == before


def test_missing_file_is_bad_input(tmp_path):
    result = run_cli("--db", str(tmp_path / "t.db"), "import", str(tmp_path / "没有.xlsx"))
    assert result.returncode == 1 and "找不到文件" in result.stderr


@pytest.mark.parametrize(("sample", "renamed", "group"), [
    # the notice's table is titled from the plan it issues: its years and 实施方案 words are left out
    ("临海市老有康养专项实施方案通知.txt", "通知.txt", "临海市公共服务优质共享行动老有康养专项领导小组"),
    # a table titled only 重点任务分工表 names no group: the file's name does
    ("闽清县老龄事业重点任务分工表.xlsx", None, "闽清县老龄事业领导小组"),
    ("启东市省健康县区建设任务分工表.xlsx", "表1.xlsx", "启东市省健康县（区）建设领导小组"),
])
def test_import_into_an_empty_ledger_names_the_group_from_the_tables_title(ledger_at, tmp_path, sample, renamed, group):
    """Issue 12: a new group is named as the TUI names it (importers.suggest), from the table's
    title, the file's name only when the title names nothing."""
    path = SAMPLES / sample
    if renamed:  # a file name that says nothing: the name can only come from the title
        path = shutil.copy(path, tmp_path / renamed)
    db = ledger_at
    result = run_cli("--db", str(db), "import", str(path))
    assert result.returncode == 0, result.stderr
    assert f"领导小组「{group}」（新建）" in result.stdout
    assert [g["name"] for g in dump(tmp_path, db)["groups"]] == [group]
