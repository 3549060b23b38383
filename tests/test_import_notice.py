"""Tasks straight from a notice's text (importers/notice): the 临海 notice as pasted text, as a Word
document made from it, and as a PDF LibreOffice prints from that document, each giving the same 94
tasks as the workbook the office typed from it; notices with the units written inline; detection
without --as; re-import; warnings; and the limits that refuse a hostile file."""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import docx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from conftest import SAMPLES, connect_ledger, run_cli, table_rows

from importers import read_file
from importers.notice import read_notice
from importers.records import ImportRefused, TaskTable
from importers.table import read_task_table

# every test here that makes a ledger runs on a file and on a server (tests/conftest.py)
pytestmark = pytest.mark.both_engines

NOTICE = SAMPLES / "临海市老有康养专项实施方案通知.txt"  # seed 003 as pasted from its web page


def key(task) -> tuple:
    return (task.number, task.content, task.category_number, task.category,
            [r.unit for r in task.lead], [r.unit for r in task.co])


def notice_docx(text: str, path: Path) -> Path:
    """A Word document of the notice: one paragraph per line of the pasted text."""
    document = docx.Document()
    for line in text.splitlines():
        document.add_paragraph(line)
    document.save(str(path))
    return path


def to_pdf(source: Path, folder: Path) -> Path:
    """LibreOffice prints ``source`` to PDF (its own profile folder, so parallel runs do not clash)."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        if os.environ.get("TAIZHANG_REQUIRE_SOFFICE"):
            pytest.fail("LibreOffice is required here (CI) but soffice is missing")
        pytest.skip("LibreOffice (soffice) is not installed")
    profile = folder / "lo-profile"
    subprocess.run([soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(folder), str(source)], check=True, capture_output=True, timeout=300)
    pdf = folder / (source.stem + ".pdf")
    assert pdf.exists()
    return pdf


@pytest.fixture(scope="module")
def workbook_tasks(tmp_path_factory) -> list:
    """The 94 tasks of the workbook the office typed from the notice (sample_data had it before)."""
    from sample_data.make_samples import make_linhai

    path = tmp_path_factory.mktemp("wb") / "临海市老有康养专项任务分解表.xlsx"
    make_linhai(path)
    return read_task_table(path).tasks


@pytest.fixture(scope="module")
def linhai_files(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("linhai")
    text = NOTICE.read_text(encoding="utf-8")
    txt = folder / "临海通知.txt"
    shutil.copyfile(NOTICE, txt)
    document = notice_docx(text, folder / "临海通知.docx")
    return {"txt": txt, "docx": document}


@pytest.fixture(scope="module")
def linhai_pdf(linhai_files, tmp_path_factory) -> Path:
    return to_pdf(linhai_files["docx"], tmp_path_factory.mktemp("pdf"))


def test_the_sample_notice_is_the_pasted_web_page():
    text = NOTICE.read_text(encoding="utf-8")
    assert text.startswith("进入老年模式") and "责任单位:市民政局、市发展改革局" in text and "联\xa0络\xa0员:高晨瑶" in text


@pytest.mark.parametrize("form", ["txt", "docx", "pdf"])
def test_linhai_notice_gives_the_94_tasks_of_the_workbook(form, linhai_files, request, workbook_tasks):
    path = request.getfixturevalue("linhai_pdf") if form == "pdf" else linhai_files[form]
    table = read_file(path)  # no --as: recognised as a notice with tasks
    assert isinstance(table, TaskTable)
    assert table.reading.startswith("按通知正文读取：94 项任务")
    assert "附件中的成员名单（35 人）" in table.reading  # the roster attachment is offered, not read as tasks
    assert len(table.tasks) == 94
    assert all(t.lead and t.category and t.category_number for t in table.tasks)
    assert [key(t) for t in table.tasks] == [key(t) for t in workbook_tasks]
    assert table.warnings == []
    # deadlines written into the text
    due = {t.number: (t.deadline, t.due.isoformat()) for t in table.tasks if t.deadline}
    assert due["9"] == ("2022年8月底完成", "2022-08-31")
    assert due["57"] == ("到2023年底", "2023-12-31")  # the later of 到2022年底 … 到2023年底
    assert due["28"] == ("到2025年", "2025-12-31")
    assert due["66"] == ("2025年之前完成", "2025-12-31")
    assert due["82"] == ("2025年", "2025-12-31")  # 2022年12月底前 … then 2023–2025 go on: the last year
    assert "11" not in due  # years with yearly figures only are no deadline


def test_linhai_origins_name_line_paragraph_and_page(linhai_files, linhai_pdf):
    first = {form: read_notice(path).tasks[0].origin for form, path in {**linhai_files, "pdf": linhai_pdf}.items()}
    assert first["txt"].describe() == "「临海通知.txt」第 26 行"
    assert first["docx"].describe() == "「临海通知.docx」第 18 段"
    assert first["pdf"].describe().startswith("「临海通知.pdf」第 2 页第 ")


def test_a_word_table_is_still_read_as_a_table(tmp_path):
    document = docx.Document()
    document.add_paragraph("1.这一段不是任务。")
    document.add_paragraph("责任单位：县民政局")
    grid = document.add_table(rows=2, cols=3)
    for cell, text in zip(grid.rows[0].cells, ("序号", "工作任务", "牵头单位")):
        cell.text = text
    for cell, text in zip(grid.rows[1].cells, ("1", "建设养老服务中心", "县民政局")):
        cell.text = text
    document.save(str(tmp_path / "分工.docx"))
    table = read_file(tmp_path / "分工.docx")
    assert table.reading is None and [t.content for t in table.tasks] == ["建设养老服务中心"]


def test_a_word_notice_with_a_roster_table_reads_its_paragraphs(tmp_path):
    document = docx.Document()
    for line in ("一、重点任务", "1.建设养老服务中心。", "责任单位：县民政局、县财政局"):
        document.add_paragraph(line)
    grid = document.add_table(rows=2, cols=2)
    grid.rows[0].cells[0].text, grid.rows[0].cells[1].text = "姓名", "单位"
    grid.rows[1].cells[0].text, grid.rows[1].cells[1].text = "张三", "县民政局"
    document.save(str(tmp_path / "通知.docx"))
    table = read_file(tmp_path / "通知.docx", kind="tasks")
    assert [key(t) for t in table.tasks] == [("1", "建设养老服务中心。", "一", "重点任务", ["县民政局"], ["县财政局"])]


INLINE = """\
某县人民政府办公室关于印发某县养老服务提升行动方案的通知
各乡（镇）人民政府，县直各单位：
现将《某县养老服务提升行动方案（2023—2025年）》印发给你们，请认真贯彻执行。
一、指导思想
以习近平新时代中国特色社会主义思想为指导，坚持以人民为中心，到2025年基本建成养老服务体系。
二、重点任务
（一）完善社会保障（牵头单位：县人社局）
1.扩大养老保险覆盖面。落实全民参保计划，2023年底前完成参保登记（牵头单位：县人社局；配合单位：县财政局、各乡（镇））。
2.提高城乡居民基础养老金。按照省里部署调整标准，到2025年达到每月300元。（县人社局牵头，县财政局、县税务局配合）
3.落实高龄津贴制度，
按时足额发放到位。（县民政局负责）
4.做好困难老年人救助。（配合单位：县财政局）
（二）发展养老服务
5.建设居家养老服务中心。2024年6月底前实现乡镇全覆盖。
责任部门：县民政局、县卫健局（县老龄办）
责任部门：县住建局
7.培育养老服务企业（责任单位：县发改局、县市场监管局）
8.开展老年人能力评估。
三、保障措施
（一）加强组织领导。各地各部门要高度重视（县政府办负责）。
（二）强化督查考核。
某县人民政府办公室
2023年3月1日
"""


def test_a_notice_with_units_written_inline(tmp_path):
    path = tmp_path / "方案.txt"
    path.write_text(INLINE, encoding="utf-8")
    table = read_file(path)
    assert table.reading == "按通知正文读取：7 项任务"
    assert table.title == "某县养老服务提升行动方案重点任务分工表"  # the table made from the notice's document
    got = [(*key(t), t.deadline, t.due and t.due.isoformat()) for t in table.tasks]
    assert got == [
        ("1", "扩大养老保险覆盖面。落实全民参保计划，2023年底前完成参保登记。", "（一）", "完善社会保障",
         ["县人社局"], ["县财政局", "各乡（镇）"], "2023年底前完成", "2023-12-31"),
        ("2", "提高城乡居民基础养老金。按照省里部署调整标准，到2025年达到每月300元。", "（一）", "完善社会保障",
         ["县人社局"], ["县财政局", "县税务局"], "到2025年", "2025-12-31"),
        ("3", "落实高龄津贴制度，按时足额发放到位。", "（一）", "完善社会保障", ["县民政局"], [], None, None),
        # no lead of its own: the section's 牵头单位 leads, as a table's （牵头单位：X） heading row does
        ("4", "做好困难老年人救助。", "（一）", "完善社会保障", ["县人社局"], ["县财政局"], None, None),
        ("5", "建设居家养老服务中心。2024年6月底前实现乡镇全覆盖。", "（二）", "发展养老服务",
         ["县民政局"], ["县卫健局（县老龄办）"], "2024年6月底前", "2024-06-30"),
        ("7", "培育养老服务企业", "（二）", "发展养老服务", ["县发改局"], ["县市场监管局"], None, None),
        ("8", "开展老年人能力评估。", "（二）", "发展养老服务", [], [], None, None),
    ]
    warnings = [str(w) for w in table.warnings]
    assert warnings == [
        "「方案.txt」第 16 行：这一行的单位前面没有任务（上一项任务「建设居家养老服务中心。2024年6月底前实现乡…」已有单位），"
        "未导入：「责任部门：县住建局」",
        "「方案.txt」第 17 行：任务序号「7.」不连续：上一项是 5",
        "「方案.txt」第 18 行：任务「开展老年人能力评估。」没有找到责任单位（其后没有“责任单位：”行，末尾也没有括号中的单位）",
    ]


def test_other_inline_forms_and_circled_numbers(tmp_path):
    path = tmp_path / "要点.md"
    path.write_text(
        "# 2024年工作要点\n\n"
        "**一、老有所养**\n\n"
        "① 完善长期护理保险制度（责任单位：市医保局、市财政局）\n\n"
        "② 推进普惠养老（市发展改革委、市民政局负责）\n\n"
        "③ 建设老年大学分校（市委老干部局牵头，市教育局配合）\n\n"
        "二、老有所医\n\n"
        "④ 开展老年健康体检（市卫生健康委牵头；各县（市、区）政府配合）。\n",
        encoding="utf-8")
    table = read_notice(path)
    assert [key(t) for t in table.tasks] == [
        ("①", "完善长期护理保险制度", "一", "老有所养", ["市医保局"], ["市财政局"]),
        ("②", "推进普惠养老", "一", "老有所养", ["市发展改革委"], ["市民政局"]),
        ("③", "建设老年大学分校", "一", "老有所养", ["市委老干部局"], ["市教育局"]),
        ("④", "开展老年健康体检。", "二", "老有所医", ["市卫生健康委"], ["各县（市、区）政府"]),
    ]
    assert table.warnings == []


def test_lead_and_co_lines_and_sub_points_inside_a_task(tmp_path):
    path = tmp_path / "通知.txt"
    path.write_text(
        "（一）完善养老服务网络\n"
        "牵头单位：县民政局\n"
        "（二）推进医养结合\n"
        "1.建设医养结合机构。主要包括：\n"
        "（1）新建护理院一所；\n"
        "（2）改造乡镇卫生院床位。\n"
        "牵头单位：县卫健局\n"
        "配合单位：县民政局、县医保局\n",
        encoding="gbk")
    table = read_notice(path)
    assert [key(t) for t in table.tasks] == [
        ("1", "建设医养结合机构。主要包括：（1）新建护理院一所；（2）改造乡镇卫生院床位。", "（二）", "推进医养结合",
         ["县卫健局"], ["县民政局", "县医保局"]),
    ]


def test_a_deadline_written_beside_the_units_is_the_tasks_deadline_never_a_unit(tmp_path):
    """"（牵头单位：X；完成时限：Y）" made a unit named 「完成时限：Y」, and "（责任单位：X，2024年11月底前
    完成）" left the task without units; a 完成时限 line under a task was dropped without a word; units
    after the task's sentence on its line, without brackets, were not read."""
    path = tmp_path / "通知.txt"
    path.write_text(
        "县人民政府办公室关于印发养老服务工作重点任务的通知\n"
        "一、推进居家社区养老服务。（牵头单位：县民政局；完成时限：2024年12月底）\n"
        "二、加强老年健康服务。（牵头单位：县卫健局，配合单位：县医保局；完成时限：2024年10月底前）\n"
        "三、完善老年人权益保障。（责任单位：县司法局，2024年11月底前完成）\n"
        "四、建设社区养老服务站10个，2025年底前完成。\n"
        "责任单位：县民政局\n"
        "完成时限：2024年12月底前\n"
        "五、开展老年人健康体检。\n"
        "牵头单位：县卫健局；配合单位：县医保局\n"
        "时间节点：长期坚持\n"
        "六、完善老年教育（县委老干部局牵头，县教育局配合，2025年6月底前完成）。\n"
        "七、健全养老服务体系（牵头单位：县民政局 完成时限：2024年底）\n"
        "八、推进适老化改造（责任单位：县住建局、县民政局；时间安排：2024年全年）\n"
        "九、加强老年人权益保障。责任单位：县司法局；完成时限：2024年12月31日前。\n"
        "十、实施老年人助餐工程。（牵头单位：县民政局；责任人：张三；分管领导：李四；完成时限：2024年底前）\n"
        "十一、开展老年人健康管理服务。（县卫健局牵头，各乡镇人民政府配合，长期坚持）\n"
        "十二、建设老年大学分校。（牵头单位：县委老干部局；联系人：王五，13800000000；配合单位：县教育局）\n",
        encoding="gbk")
    table = read_notice(path)
    got = [(*key(t)[:2], [r.unit for r in t.lead], [r.unit for r in t.co], t.deadline, t.due and t.due.isoformat())
           for t in table.tasks]
    assert got == [
        ("一", "推进居家社区养老服务。", ["县民政局"], [], "2024年12月底", "2024-12-31"),
        ("二", "加强老年健康服务。", ["县卫健局"], ["县医保局"], "2024年10月底前", "2024-10-31"),
        ("三", "完善老年人权益保障。", ["县司法局"], [], "2024年11月底前完成", "2024-11-30"),
        # the 完成时限 line says it; the year in the text is a figure of the task
        ("四", "建设社区养老服务站10个，2025年底前完成。", ["县民政局"], [], "2024年12月底前", "2024-12-31"),
        ("五", "开展老年人健康体检。", ["县卫健局"], ["县医保局"], "长期坚持", None),
        ("六", "完善老年教育。", ["县委老干部局"], ["县教育局"], "2025年6月底前完成", "2025-06-30"),
        ("七", "健全养老服务体系", ["县民政局"], [], "2024年底", "2024-12-31"),  # labels parted by a space
        ("八", "推进适老化改造", ["县住建局"], ["县民政局"], "2024年全年", "2024-12-31"),
        ("九", "加强老年人权益保障。", ["县司法局"], [], "2024年12月31日前", "2024-12-31"),  # no brackets
        ("十", "实施老年人助餐工程。", ["县民政局"], [], "2024年底前", "2024-12-31"),
        ("十一", "开展老年人健康管理服务。", ["县卫健局"], ["各乡镇人民政府"], "长期坚持", None),
        ("十二", "建设老年大学分校。", ["县委老干部局"], ["县教育局"], None, None),
    ]
    # other labelled clauses among the units are no units: kept in the task's notes, with what follows them
    assert [t.notes for t in table.tasks] == [None] * 9 + ["责任人：张三；分管领导：李四", None,
                                                           "联系人：王五，13800000000"]
    assert table.warnings == []


def test_units_named_bare_beside_a_deadline_in_the_brackets_are_the_tasks_units(tmp_path):
    """"（县民政局，2024年底前）": the units of a task named without a label or role word, beside its
    deadline, were not read (the task had none, with a warning). A bare name in brackets without a
    deadline, or one that reads as a remark ("含县医院", "覆盖全县"), is still no unit."""
    path = tmp_path / "通知.txt"
    path.write_text(
        "县人民政府办公室关于印发2024年老龄工作重点任务的通知\n"
        "一、健全养老服务体系\n"
        "1.推进居家社区养老服务网络建设，新建居家养老服务站5个。（县民政局，2024年底前）\n"
        "2.开展老年人意外伤害保险工作。（县老龄办、各乡镇人民政府，2024年10月底前）\n"
        "3.做好老年人健康体检工作（含县医院）。（县卫健局，2024年12月）\n"
        "4.推进适老化改造。（县住建局，责任人：张三，2024年底前完成）\n"
        "5.开展敬老月活动。（县民政局）\n"
        "6.实施老年人健康管理服务。（含县医院，2024年底前）\n"
        "7.推进农村养老服务。（覆盖全县，2025年底前）\n",
        encoding="utf-8")
    table = read_notice(path)
    got = [(t.number, t.content, [r.unit for r in t.lead], [r.unit for r in t.co], t.deadline,
            t.due and t.due.isoformat()) for t in table.tasks]
    assert got == [
        ("1", "推进居家社区养老服务网络建设，新建居家养老服务站5个。", ["县民政局"], [], "2024年底前", "2024-12-31"),
        ("2", "开展老年人意外伤害保险工作。", ["县老龄办"], ["各乡镇人民政府"], "2024年10月底前", "2024-10-31"),
        ("3", "做好老年人健康体检工作（含县医院）。", ["县卫健局"], [], "2024年12月", "2024-12-31"),
        ("4", "推进适老化改造。", ["县住建局"], [], "2024年底前完成", "2024-12-31"),
        # no deadline beside it, or no unit: the bracket stays the task's own words, and it is said
        ("5", "开展敬老月活动。（县民政局）", [], [], None, None),
        ("6", "实施老年人健康管理服务。（含县医院，2024年底前）", [], [], "2024年底前", "2024-12-31"),
        ("7", "推进农村养老服务。（覆盖全县，2025年底前）", [], [], "2025年底前", "2025-12-31"),
    ]
    assert table.tasks[3].notes == "责任人：张三"
    assert [w.origin.row for w in table.warnings] == [7, 8, 9]
    assert all("没有找到责任单位" in str(w) for w in table.warnings)


def test_numbered_paragraphs_before_the_first_task_are_said_not_dropped_silently(tmp_path):
    path = tmp_path / "要点.txt"
    path.write_text("关于印发2024年老龄工作要点的通知\n"
                    "一、总体要求。坚持以人民为中心，统筹推进老龄事业发展。\n"
                    "二、实施健康老龄化行动（县卫健局牵头；2024年底前）\n"
                    "三、推进适老化改造（县住建局牵头）\n", encoding="utf-8")
    table = read_notice(path)
    assert [t.number for t in table.tasks] == ["二", "三"]
    assert [str(w) for w in table.warnings] == [
        "「要点.txt」第 2 行：「一、总体要求。坚持以人民为中心，统筹推进老龄事…」在第一项写有单位的任务之前，作为正文前言未导入"]


def test_undecodable_bytes_of_a_notice_are_named_by_line(tmp_path):
    path = tmp_path / "通知.txt"
    text = ("县人民政府办公室关于印发养老服务工作重点任务的通知\n"
            "一、推进居家社区养老服务，建设社区养老服务站。（牵头单位：县民政局）\n"
            "二、加强老年健康服务，开展老年人健康体检。（牵头单位：县卫健局）\n").encode("gbk")
    path.write_bytes(text.replace("健康体检".encode("gbk"), "健康".encode("gbk") + b"\x80\xff"))
    table = read_notice(path)
    assert [t.content for t in table.tasks] == ["推进居家社区养老服务，建设社区养老服务站。", "加强老年健康服务，开展老年人健康\ufffd\ufffd。"]
    assert [str(w) for w in table.warnings] == [
        "「通知.txt」第 3 行：有无法识别的字符（原文件中这些字节不是 UTF-8 或 GBK 编码的文字），已显示为“�”，请核对原文件"]


def test_text_without_tasks_is_still_a_roster_or_duties():
    roster = read_file(SAMPLES / "临海市老有康养专项工作组成员名单.txt")
    assert type(roster).__name__ == "Roster" and len(roster.members) == 35
    duties = read_file(SAMPLES / "泉港区长寿之乡成员单位职责.txt")
    assert type(duties).__name__ == "Duties" and len(duties.duties) == 17


def test_text_without_tasks_as_tasks_is_refused_with_what_was_looked_for(tmp_path):
    path = tmp_path / "说明.txt"
    path.write_text("一、总体要求\n各单位要高度重视。\n二、工作安排\n1.召开动员会。\n", encoding="utf-8")
    with pytest.raises(ImportRefused, match="「说明.txt」：没有找到通知正文中的任务.*责任单位"):
        read_file(path, kind="tasks")


# --- through the command line --------------------------------------------------------------------------


def _tasks(db: Path) -> list[tuple]:
    conn = connect_ledger(db)
    try:
        return conn.execute("SELECT number, content, deadline, due FROM task ORDER BY position").fetchall()
    finally:
        conn.close()


def test_import_without_as_says_it_read_the_notice_and_twice_adds_nothing(ledger_at, tmp_path):
    db = ledger_at
    first = run_cli("--db", str(db), "import", str(NOTICE), "--group", "临海")
    assert first.returncode == 0, first.stderr
    lines = first.stdout.splitlines()
    assert lines[1].startswith("按通知正文读取：94 项任务；附件中的成员名单（35 人）")
    assert lines[2] == "任务：94 项（新增 94，更新 0，未变 0）"
    assert len(_tasks(db)) == 94
    before = table_rows(db)
    again = run_cli("--db", str(db), "import", str(NOTICE), "--group", "临海", "--as", "tasks")
    assert again.returncode == 0, again.stderr
    assert "任务：94 项（新增 0，更新 0，未变 94）" in again.stdout
    assert "与数据库中已有内容相同，没有改动。" in again.stdout
    assert table_rows(db) == before
    roster = run_cli("--db", str(db), "import", str(NOTICE), "--group", "临海", "--as", "roster")
    assert roster.returncode == 0 and "成员：35 人（新增 35" in roster.stdout


def test_a_revised_notice_updates_the_ledger(ledger_at, tmp_path):
    db = ledger_at
    assert run_cli("--db", str(db), "import", str(NOTICE), "--group", "临海").returncode == 0
    text = NOTICE.read_text(encoding="utf-8")
    revised = (text.replace("4.落实老年人公共服务清单项目的资金保障。", "4.落实老年人公共服务清单项目的资金保障，2024年6月底前到位。")
               .replace("42.规范高龄津贴发放流程。民政部门负责及时把资金发放至老年人社会保障卡。\n\n责任单位:市民政局",
                        "42.规范高龄津贴发放流程。民政部门负责及时把资金发放至老年人社会保障卡。\n\n责任单位:市民政局、市财政局")
               .replace("五、保障措施", "95.建立康养工作月报制度。\n\n责任单位:市民政局\n\n五、保障措施"))
    path = tmp_path / "临海通知（修订）.txt"
    path.write_text(revised, encoding="utf-8")
    done = run_cli("--db", str(db), "import", str(path), "--group", "临海")
    assert done.returncode == 0, done.stderr
    assert "任务：95 项（新增 1，更新 2，未变 92）" in done.stdout
    tasks = {number: (content, deadline, due) for number, content, deadline, due in _tasks(db)}
    assert tasks["4"] == ("落实老年人公共服务清单项目的资金保障，2024年6月底前到位。", "2024年6月底前", "2024-06-30")
    assert tasks["95"][0] == "建立康养工作月报制度。"
    conn = connect_ledger(db)
    try:
        units = conn.execute("SELECT a.role, u.name FROM assignment a JOIN unit u ON u.id = a.unit_id "
                             "JOIN task t ON t.id = a.task_id WHERE t.number = '42' ORDER BY a.role DESC, a.position"
                             ).fetchall()
    finally:
        conn.close()
    assert units == [("lead", "市民政局"), ("co", "市财政局")]


def test_the_demo_reads_the_linhai_notice(demo, tmp_path):
    done = run_cli("--db", str(demo), "export", str(tmp_path / "demo.json"))
    assert done.returncode == 0, done.stderr
    dump = json.loads((tmp_path / "demo.json").read_text(encoding="utf-8"))
    linhai = next(g for g in dump["groups"] if g["name"] == "临海市老有康养专项工作组")
    assert len(linhai["tasks"]) == 94 and len(linhai["members"]) == 35
    assert all(t["lead"] and t["category"] for t in linhai["tasks"])
    assert next(t for t in linhai["tasks"] if t["number"] == "9")["due"] == "2022-08-31"


# --- bounded input ----------------------------------------------------------------------------------------


def test_a_huge_text_is_refused_by_its_size(tmp_path):
    path = tmp_path / "巨大.txt"
    path.write_text("1.建设养老服务中心。（县民政局负责）" * 160_000, encoding="utf-8")
    with pytest.raises(ImportRefused, match="「巨大.txt」：文字超过 3,000,000 字，不像一份通知，已拒绝读取"):
        read_notice(path)
    path.write_text("1.建设。\n" * 70_000, encoding="utf-8")
    with pytest.raises(ImportRefused, match="「巨大.txt」：超过 60,000 段（行），不像一份通知，已拒绝读取"):
        read_file(path)


def test_reading_stops_at_its_time_limit(tmp_path):
    path = tmp_path / "通知.txt"
    path.write_text("1.建设养老服务中心。（县民政局负责）\n", encoding="utf-8")
    with pytest.raises(ImportRefused, match="超过时间限制，已停止"):
        read_notice(path, seconds=-1)


def test_a_pdf_that_takes_too_long_is_stopped(linhai_pdf):
    from importers.readers.pdftext import pdf_lines

    with pytest.raises(ImportRefused, match="读取 PDF 超过 0.001 秒仍未完成，已停止"):
        pdf_lines(linhai_pdf, timeout=0.001)


def test_broken_and_fake_pdfs_are_refused(tmp_path):
    fake = tmp_path / "假的.pdf"
    fake.write_text("这不是 PDF", encoding="utf-8")
    with pytest.raises(ImportRefused, match="「假的.pdf」：不是 PDF 文件"):
        read_file(fake)
    cut = tmp_path / "截断.pdf"
    cut.write_bytes(b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n" + b"\x00" * 100)
    with pytest.raises(ImportRefused, match="「截断.pdf」"):
        read_file(cut, kind="tasks")


def _png(width: int, height: int) -> bytes:
    """A grey-striped PNG picture (a stand-in for a scanned page)."""
    raw = b"".join(b"\x00" + bytes((x * 7 + y * 3) % 256 for x in range(width)) for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def test_a_scanned_pdf_without_text_is_refused_saying_so(tmp_path):
    picture = tmp_path / "扫描.png"
    picture.write_bytes(_png(400, 300))
    document = docx.Document()
    document.add_picture(str(picture))
    document.save(str(tmp_path / "扫描件.docx"))
    pdf = to_pdf(tmp_path / "扫描件.docx", tmp_path)
    with pytest.raises(ImportRefused, match="「扫描件.pdf」：PDF 中没有可以读取的文字（可能是扫描件或图片）"):
        read_file(pdf)
    done = run_cli("--db", str(tmp_path / "t.db"), "import", str(pdf))
    assert done.returncode == 1 and "没有可以读取的文字" in done.stderr and "Traceback" not in done.stderr


# --- the TUI's import preview ---------------------------------------------------------------------------


async def test_the_tui_preview_says_it_read_the_notice(ledger_at, tmp_path):
    from tui import make_app
    from tui.testing import settle, text_of

    folder = tmp_path / "通知"
    folder.mkdir()
    shutil.copyfile(NOTICE, folder / NOTICE.name)
    db = ledger_at
    (tmp_path / "state.json").write_text(json.dumps({"import_dir": str(folder)}), encoding="utf-8")
    app = make_app(db, state_path=tmp_path / "state.json")
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("i")
        await settle(pilot)
        await pilot.press("down", "enter")  # the notice, the only file
        await settle(pilot)
        report = text_of(app.screen.query_one("#im-report"))
        assert "按通知正文读取：94 项任务" in report and "附件中的成员名单（35 人）" in report
        assert "任务：94 项（新增 94" in report and "以上是预览，尚未写入" in report
        assert _tasks(db) == []
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert type(app.screen).__name__ == "OverviewScreen"
    assert len(_tasks(db)) == 94


def _word_list(document, levels: list[tuple[str, str]]) -> str:
    """Add a numbered list to ``document``'s numbering part: levels of (w:numFmt, w:lvlText); its numId."""
    from docx.oxml import parse_xml

    ns = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    numbering = document.part.numbering_part.element
    lvls = "".join(f'<w:lvl w:ilvl="{i}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/><w:lvlText w:val="{text}"/></w:lvl>'
                   for i, (fmt, text) in enumerate(levels))
    numbering.insert(0, parse_xml(f'<w:abstractNum {ns} w:abstractNumId="90">{lvls}</w:abstractNum>'))
    numbering.append(parse_xml(f'<w:num {ns} w:numId="90"><w:abstractNumId w:val="90"/></w:num>'))
    return "90"


def _numbered(document, text: str, num_id: str, level: int) -> None:
    from docx.oxml import parse_xml

    paragraph = document.add_paragraph(text)
    ns = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    paragraph._p.get_or_add_pPr().append(parse_xml(
        f'<w:numPr {ns}><w:ilvl w:val="{level}"/><w:numId w:val="{num_id}"/></w:numPr>'))


def test_word_automatic_numbering_is_read_as_the_numbers_it_draws(tmp_path):
    document = docx.Document()
    num = _word_list(document, [("chineseCounting", "（%1）"), ("decimal", "%2."), ("decimalEnclosedCircle", "%3")])
    document.add_paragraph("一、主要任务")
    _numbered(document, "完善社会保障", num, 0)
    _numbered(document, "扩大参保覆盖面", num, 1)
    document.add_paragraph("责任单位：县人社局、县财政局")
    _numbered(document, "提高基础养老金（县人社局负责）", num, 1)
    _numbered(document, "发展养老服务", num, 0)
    _numbered(document, "建设照料中心", num, 1)  # numbering of level 2 starts again under （二）
    _numbered(document, "新建 5 家；", num, 2)
    _numbered(document, "改造 3 家。", num, 2)
    document.add_paragraph("牵头单位：县民政局")
    document.save(str(tmp_path / "自动编号.docx"))
    table = read_file(tmp_path / "自动编号.docx")
    assert [key(t) for t in table.tasks] == [
        ("1", "扩大参保覆盖面", "（一）", "完善社会保障", ["县人社局"], ["县财政局"]),
        ("2", "提高基础养老金", "（一）", "完善社会保障", ["县人社局"], []),
        ("1", "建设照料中心①新建5家；②改造3家。", "（二）", "发展养老服务", ["县民政局"], []),
    ]
    assert table.warnings == []


PIECES = ["一、", "（二）", "3.", "4、", "（5）", "⑥", "第一部分", "责任单位：", "牵头单位:", "配合单位：", "责任部门：",
          "市民政局", "县人社局", "各乡（镇）", "、", "，", "；", "（", "）", "牵头", "配合", "负责", "。", "到2025年",
          "2023年底前完成", "附件：", "2023年3月1日", "任务内容", " ", "\u00a0", "\n", "\n", "\n", "《", "》", "(", ")"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(PIECES), max_size=80))
def test_any_text_gives_tasks_or_a_message(tmp_path, pieces):
    from importers.notice import from_text, tasks_of

    text = "".join(pieces)
    try:
        table = tasks_of(from_text(text, "x.txt"), "x.txt")
    except ImportRefused as exc:
        assert str(exc).startswith("「x.txt」：")
        return
    assert table.tasks and table.reading.startswith(f"按通知正文读取：{len(table.tasks)} 项任务")
    for task in table.tasks:
        assert task.content is not None and all(ref.unit for ref in task.lead + task.co)
        assert not {ref.unit for ref in task.lead} & {ref.unit for ref in task.co}


def test_a_word_notice_with_an_entity_bomb_is_refused(tmp_path):
    import zipfile

    plain = notice_docx("一、任务\n1.建设养老服务中心。\n责任单位：县民政局", tmp_path / "正常.docx")
    bomb = tmp_path / "炸弹.docx"
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(bomb, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "word/document.xml":
                data = data.replace(b"?>", b'?><!DOCTYPE w [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>', 1)
            dst.writestr(info, data)
    assert read_notice(plain).tasks
    for reading in (lambda: read_notice(bomb), lambda: read_file(bomb)):
        with pytest.raises(ImportRefused, match="「炸弹.docx」：.*实体"):
            reading()


def test_headings_with_their_lead_inline_are_headings_not_tasks(tmp_path):
    path = tmp_path / "通知.txt"
    path.write_text(
        "（一）老有所养（牵头单位：市民政局）\n"
        "1.建设养老服务中心（市民政局负责）\n"
        "2.发放高龄津贴\n"
        "（二）老有所医（牵头单位：市卫生健康委）\n"
        "3.开展健康体检（市卫生健康委牵头，市医保局配合）\n"
        "（三）老有所学（牵头单位：市教育局）\n"
        "4.建设老年大学\n",
        encoding="utf-8")
    table = read_notice(path)
    assert [key(t) for t in table.tasks] == [
        ("1", "建设养老服务中心", "（一）", "老有所养", ["市民政局"], []),
        ("2", "发放高龄津贴", "（一）", "老有所养", ["市民政局"], []),
        ("3", "开展健康体检", "（二）", "老有所医", ["市卫生健康委"], ["市医保局"]),
        ("4", "建设老年大学", "（三）", "老有所学", ["市教育局"], []),
    ]
    assert table.warnings == []


def test_a_roster_printed_to_pdf_reads_as_a_roster(tmp_path):
    roster = tmp_path / "名单.txt"
    shutil.copyfile(SAMPLES / "临海市老有康养专项工作组成员名单.txt", roster)
    pdf = to_pdf(roster, tmp_path)  # short lines: none of them is taken for a wrapped one
    members = read_file(pdf)
    assert type(members).__name__ == "Roster"
    assert [(m.role, m.name, m.unit) for m in members.members[:3]] == [
        ("组长", "宋江涌", "临海市委"), ("副组长", "赵立东", "市府办"), ("副组长", "詹才勇", "市民政局")]
    assert len(members.members) == 35


def test_numbers_pasted_on_a_line_of_their_own(tmp_path):
    path = tmp_path / "网页.txt"
    path.write_text("一、\n重点任务\n1.\n建设养老服务中心。\n责任单位：县民政局\n2、\n发放高龄津贴。\n"
                    "责任单位：县民政局、县财政局\n3\n开展敬老月活动。\n", encoding="utf-8")
    table = read_notice(path)
    assert [key(t) for t in table.tasks] == [
        ("1", "建设养老服务中心。", "一", "重点任务", ["县民政局"], []),
        ("2", "发放高龄津贴。", "一", "重点任务", ["县民政局"], ["县财政局"]),
    ]  # a bare "3" may be a page number: it makes no task
    assert [t.origin.row for t in table.tasks] == [3, 6]


def test_co_units_under_a_heading_are_not_guessed_onto_tasks(tmp_path):
    path = tmp_path / "通知.txt"
    path.write_text("（一）养老服务\n牵头单位：县民政局\n配合单位：县财政局\n1.建设中心（县住建局负责）\n2.发放津贴\n",
                    encoding="utf-8")
    table = read_notice(path)
    assert [key(t) for t in table.tasks] == [("1", "建设中心", "（一）", "养老服务", ["县住建局"], []),
                                             ("2", "发放津贴", "（一）", "养老服务", ["县民政局"], [])]
    assert [str(w) for w in table.warnings] == [
        "「通知.txt」第 3 行：标题「养老服务」下的配合单位「县财政局」不属于任何任务，未导入（标题下只读牵头单位）"]


def test_a_headings_lead_in_any_inline_form(tmp_path):
    path = tmp_path / "通知.txt"
    path.write_text("一、养老服务（县民政局牵头）\n（一）建设中心（县住建局负责）\n（二）发放津贴\n"
                    "二、健康服务（牵头单位：县卫健局）\n（三）开展体检\n", encoding="utf-8")
    table = read_notice(path)
    assert [key(t) for t in table.tasks] == [("（一）", "建设中心", "一", "养老服务", ["县住建局"], []),
                                             ("（二）", "发放津贴", "一", "养老服务", ["县民政局"], []),
                                             ("（三）", "开展体检", "二", "健康服务", ["县卫健局"], [])]
