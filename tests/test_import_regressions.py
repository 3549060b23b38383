"""Inputs that the fuzz tests (test_fuzz_import.py) found to break the importer, shrunk and kept
as ordinary tests. Each builds its file here and says what went wrong before the fix."""

from __future__ import annotations

import pytest

import os
from pathlib import Path

from conftest import connect_ledger, run_cli, table_rows
from data.builders import write_xlsx
from data.work import spy_patterns

from importers import read_file
from importers.load import load
from importers.records import ImportRefused

# every test here that makes a ledger runs on a file and on a server (tests/conftest.py)
pytestmark = pytest.mark.both_engines


def import_twice(path: Path, db: Path, kind: str | None = None) -> None:
    """Import, then import the same file again: the second time changes nothing."""
    first = load(db, read_file(path, kind=kind), "领导小组")
    assert first.added
    after = table_rows(db)
    again = load(db, read_file(path, kind=kind), "领导小组")
    assert (again.added, again.updated) == (0, 0)
    assert table_rows(db) == after


def test_same_task_twice_in_a_table_is_not_added_again_on_reimport(tmp_path, db_path):
    # Before: both rows were imported, and every re-import added one more copy (the second row
    # found the first one's task taken and matched nothing).
    path = write_xlsx(tmp_path / "t.xlsx", [["工作任务", "序号"], ["健全完善社会保障体系", 0], ["健全完善社会保障体系", 0]])
    import_twice(path, db_path)
    conn = connect_ledger(db_path)
    assert conn.execute("SELECT count(*) FROM task").fetchone()[0] == 2
    conn.close()


def test_same_person_twice_in_one_role_is_stable_on_reimport(tmp_path, db_path):
    # Before: both entries were added, and each re-import matched both to the same member and
    # updated it back and forth (更新 1 every time).
    path = tmp_path / "名单.txt"
    path.write_text("组长：\n组长：庄一鸣 区人民政府副区长；庄一鸣 市府办副主任", encoding="utf-8")
    import_twice(path, db_path)


def test_task_cell_of_spaces_only_is_no_task(tmp_path):
    # Before: "   " (or "\u3000", a zero-width space) in the task column made a task with empty content.
    path = write_xlsx(tmp_path / "t.xlsx", [["附件1"], ["工作任务", "序号"], ["   ", 0], ["\u200b", 1], ["任务甲", 2]])
    table = read_file(path)
    assert [t.content for t in table.tasks] == ["任务甲"]


def test_table_of_blank_looking_tasks_only_is_refused(tmp_path):
    path = write_xlsx(tmp_path / "t.xlsx", [["工作任务", "牵头单位"], ["\u3000", "县民政局"]])
    try:
        read_file(path)
    except ImportRefused as exc:
        assert "没有任何任务" in str(exc)
    else:
        raise AssertionError("a table without a task was imported")


# The three patterns below take time growing with the square of the text they search (tried from
# every position). What keeps a huge cell quick is that they are never handed one: each test spies
# on the pattern and bounds the longest text it searched (a count, not a time; the speed is in
# ``python -m benchmarks.limits``). ``QUADRATIC_BOUND`` is far above the real use (a name with a
# phone, a heading's last 300 characters, a 200-character clause) and far below the 30,000 of a cell.
QUADRATIC_BOUND = 1_000


def test_huge_cell_of_colons_in_a_person_column_reads_quickly(tmp_path, monkeypatch):
    # Before: the phone-number pattern was tried from every position of a 32,000-character person
    # cell of colons ("：：：…"), a minute for one cell (time growing with the square of the length).
    import importers.table

    spy = spy_patterns(monkeypatch, importers.table, "_PHONE")["_PHONE"]
    huge = "：" * 32_000
    path = write_xlsx(tmp_path / "t.xlsx", [["工作任务", "牵头单位", "责任人"], ["任务甲", "县民政局", huge],
                                            ["任务乙", "县财政局", "张三 电话：0591-1234567"]])
    table = read_file(path)
    assert table.tasks[1].lead[0].person == "张三"
    assert spy.calls and spy.longest <= QUADRATIC_BOUND, f"the phone pattern searched {spy.longest:,} characters"


def test_huge_heading_row_reads_quickly(tmp_path, monkeypatch):
    # Before: 32,000 characters of "（牵头单位：" alone in a row took seconds per row: the heading's
    # lead was searched for from every 「（」 of the cell.
    import importers.table

    spy = spy_patterns(monkeypatch, importers.table, "_HEADING_LEAD")["_HEADING_LEAD"]
    huge = ("（牵头单位：" * 6000)[:32_000]
    rows = [["序号", "工作任务", "牵头单位"], *[[huge]] * 4, ["一、社会保障体系（牵头单位：市人力社保局）"], [1, "任务甲", ""]]
    table = read_file(write_xlsx(tmp_path / "t.xlsx", rows))
    assert [ref.unit for ref in table.tasks[0].lead] == ["市人力社保局"]
    assert spy.calls and spy.longest <= QUADRATIC_BOUND, f"the heading pattern searched {spy.longest:,} characters"


def test_huge_line_of_role_sentences_in_a_roster_reads_quickly(tmp_path, monkeypatch):
    # Before: a 30,000-character line such as "由由由…" after a role label, or "主任由张三主任由张三…",
    # was searched for "X 由 Y 兼任" from every 由: 18 s for one line.
    import importers.roster

    spies = spy_patterns(monkeypatch, importers.roster, "_ROLE_FIRST", "_ROLE_LAST")
    path = tmp_path / "名单.txt"
    path.write_text("组长：张三 " + "由" * 30_000 + "\n" + "主任由张三" * 6_000 + "\n成员：李四 县民政局局长",
                    encoding="utf-8")
    roster = read_file(path, kind="roster")
    assert [m.name for m in roster.members] == ["张三", "李四"]
    for name, spy in spies.items():
        assert spy.longest <= QUADRATIC_BOUND, f"{name} searched {spy.longest:,} characters"
    # the spies are where the reader looks: a short role sentence is searched through them
    short = tmp_path / "短.txt"
    short.write_text("组长：张三 县长\n办公室主任由县民政局局长王五兼任", encoding="utf-8")
    assert "王五" in [m.name for m in read_file(short, kind="roster").members]
    assert spies["_ROLE_FIRST"].calls


def _gbk_named(tmp_path: Path, stem: str, suffix: str) -> Path:
    """A file whose name is GBK bytes, as unzipping a Windows archive on Linux leaves it."""
    return Path(os.fsdecode(os.fsencode(tmp_path) + b"/" + stem.encode("gbk") + suffix.encode()))


def test_file_named_in_gbk_imports_under_its_decoded_name(tmp_path, db_path):
    # Before: the name reached the ledger as surrogate escapes; SQLite refused to store the group
    # named after the file and the command line ended in a traceback (UnicodeEncodeError).
    path = _gbk_named(tmp_path, "分工表", ".xlsx")
    write_xlsx(path, [["序号", "工作任务", "牵头单位"], [1, "任务甲", "县民政局"]])
    result = run_cli("--db", str(db_path), "import", str(path))
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "文件「分工表.xlsx」→ 领导小组「分工表」" in result.stdout
    report = load(db_path, read_file(path), path.stem)  # the loader itself, as the TUI calls it
    assert (report.group, report.source, report.added) == ("分工表", "分工表.xlsx", 0)


def test_refusal_of_a_file_named_in_gbk_names_it(tmp_path, db_path):
    path = _gbk_named(tmp_path, "名单", ".txt")
    path.write_text("没有角色标记的一段话", encoding="utf-8")
    result = run_cli("--db", str(db_path), "import", str(path), "--as", "roster")
    assert result.returncode == 1
    assert "「名单.txt」" in result.stderr and "Traceback" not in result.stderr


def test_same_task_text_under_two_categories_is_stable_on_reimport(tmp_path, db_path):
    # Before: the second import of the revised table updated two tasks, and every import after it
    # again — the two tasks of the same text swapped their categories each time.
    header = ["序号", "项目名称", "工作任务", "牵头单位"]
    first = write_xlsx(tmp_path / "first.xlsx", [header, ["（一）", "健全完善社会保障体系", "旧的内容", "县民政局"]])
    load(db_path, read_file(first), "领导小组")
    revised = write_xlsx(tmp_path / "revised.xlsx", [
        header,
        ["（一）", "社会保障体系", "基本养老保险全覆盖", "县民政局"],
        ["（一）", "健全完善社会保障体系", "基本养老保险全覆盖", "县民政局"],
    ])
    report = load(db_path, read_file(revised), "领导小组")
    assert (report.added, report.updated) == (1, 1)  # the old task is revised by the row of its category
    after = table_rows(db_path)
    again = load(db_path, read_file(revised), "领导小组")
    assert (again.added, again.updated, again.unchanged) == (0, 0, 2)
    assert table_rows(db_path) == after


def test_roster_row_whose_name_is_only_punctuation_is_not_a_member(tmp_path):
    # Before: a name cell holding only 「、」 gave a member without a name.
    path = write_xlsx(tmp_path / "名单.xlsx", [["序号", "姓名", "单位"], [1, "、", "县民政局"], [2, "张三", "县财政局"]])
    roster = read_file(path)
    assert [(m.name, m.unit) for m in roster.members] == [("张三", "县财政局")]
    assert any("没有姓名" in str(w) for w in roster.warnings)


def test_duties_row_continuing_a_merged_unit_with_an_empty_text(tmp_path):
    # Before: IndexError inside the reader, shown as 「读取成员单位职责时出错（IndexError）」: the unit
    # merged down over a row whose 职责 cell is empty added an empty line to the unit's duties.
    from data.builders import write_xls

    rows = [["序号", "成员单位", "职责"], [1, "县民政局", "负责养老服务 2023"], [None, None, ""], [None, None, "统筹协调。"],
            [2, "县财政局", "保障经费。"]]
    path = write_xls(tmp_path / "职责.xls", rows, [(1, 1, 2, 1)])
    duties = read_file(path, kind="duties")
    assert [(d.unit, d.text) for d in duties.duties] == [("县民政局", "负责养老服务 2023统筹协调。"), ("县财政局", "保障经费。")]


def test_csv_named_in_gbk_shows_its_decoded_name_in_warnings(tmp_path, db_path):
    # Before: a CSV's one "sheet" is named after the file, and its warnings printed the raw GBK bytes
    # of the name (not UTF-8, so unreadable, and a crash where the output must be UTF-8).
    path = _gbk_named(tmp_path, "分工表", ".csv")
    path.write_text("工作任务,序号\n健全完善社会保障体系,1\n", encoding="utf-8")
    result = run_cli("--db", str(db_path), "import", str(path))
    assert result.returncode == 0, result.stderr
    assert "「分工表.csv」工作表「分工表」第 2 行" in result.stdout


def test_roster_role_cell_of_colons_only_is_an_empty_role(tmp_path):
    # Before: a 组内职务 cell holding only 「：」 gave a member whose role was "".
    path = write_xlsx(tmp_path / "名单.xlsx", [["姓名", "组内职务", "单位"], ["张三", "：：", "县民政局"],
                                             ["李四", "副组长", "县财政局"], ["王五", ":", "县卫健局"]])
    roster = read_file(path)
    assert [(m.name, m.role) for m in roster.members] == [("张三", "成员"), ("李四", "副组长"), ("王五", "副组长")]


def _ledger_with_alias(db_path: Path) -> None:
    from models.db import Database
    from models.operations import add_alias, create_unit

    db = Database(db_path)
    try:
        add_alias(db, create_unit(db, "区委宣传部"), "区委宣传部（融媒体中心）")
    finally:
        db.close()


def test_duties_of_a_unit_named_by_name_and_by_alias_are_stable(tmp_path, db_path):
    # Before: the two duties went to the one unit in turn — every import of the same file updated it
    # twice, back and forth (更新 2 each time).
    _ledger_with_alias(db_path)
    path = tmp_path / "职责.txt"
    path.write_text("（一）区委宣传部职责：负责宣传。\n（二）区委宣传部(融媒体中心)职责：负责融媒体。\n（三）区民政局职责：负责民政。\n",
                    encoding="utf-8")
    first = load(db_path, read_file(path, kind="duties"), "领导小组")
    assert (first.added, first.updated) == (2, 0)
    assert any("是同一单位，职责已合并" in str(w) for w in first.warnings)
    assert [r for r in table_rows(db_path)["duty"] if r[2] == 1][0][3] == "负责宣传。\n负责融媒体。"
    again = load(db_path, read_file(path, kind="duties"), "领导小组")
    assert (again.added, again.updated) == (0, 0)


def test_unit_named_as_lead_and_by_its_alias_as_co_only_leads(tmp_path, db_path):
    # Before: the unit was both the lead and a co-operating unit of the task.
    _ledger_with_alias(db_path)
    path = write_xlsx(tmp_path / "t.xlsx", [["工作任务", "牵头单位", "配合单位"],
                                            ["任务甲", "区委宣传部", "区委宣传部(融媒体中心)、区民政局"]])
    load(db_path, read_file(path), "领导小组")
    conn = connect_ledger(db_path)
    roles = conn.execute("SELECT u.name, a.role FROM assignment a JOIN unit u ON u.id = a.unit_id ORDER BY a.id").fetchall()
    conn.close()
    assert roles == [("区委宣传部", "lead"), ("区民政局", "co")]
