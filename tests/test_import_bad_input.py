"""Bad input is refused with a clear Chinese message naming the file — never another exception —
and the guards keep the PC safe (sizes, zip and XML bombs, sheets whose dimension runs to
XFD1048576)."""

from __future__ import annotations

import hashlib
import io
import os
import random
import re
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT, TODAY
from data.builders import ole2_container, write_csv, write_xlsx
from data.tables import DIVISION_MERGES, DIVISION_ROWS
from data.work import assert_work_like, work_of

import importers.readers.sniff as sniff
from importers.readers import open_source
from importers.records import ImportRefused
from importers.table import read_task_table

# every test here that makes a ledger runs on a file and on a server (tests/conftest.py)
pytestmark = pytest.mark.both_engines

SMALL = [["序号", "工作任务", "牵头单位"], [1, "任务甲", "县民政局"]]


def refused(path: Path, **kw) -> str:
    with pytest.raises(ImportRefused) as info:
        read_task_table(path, **kw)
    message = str(info.value)
    assert f"「{path.name}」" in message
    assert "Traceback" not in message
    return message


def _rezip(source: Path, target: Path, change) -> Path:
    """Copy an .xlsx, letting ``change(name, data)`` rewrite its parts."""
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, change(info.filename, zin.read(info.filename)))
    return target


# --- not a spreadsheet ----------------------------------------------------------------------------


def test_png_renamed_xlsx(tmp_path):
    path = tmp_path / "分工表.xlsx"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))
    assert "不是电子表格文件（内容是PNG 图片）" in refused(path)


def test_text_file_renamed_xlsx(tmp_path):
    path = tmp_path / "分工表.xlsx"
    path.write_text("序号,工作任务,牵头单位\n1,任务甲,县民政局\n", encoding="utf-8")
    assert "纯文本" in refused(path)


def test_pdf_renamed_xls(tmp_path):
    path = tmp_path / "分工表.xls"
    path.write_bytes(b"%PDF-1.7\n" + bytes(100))
    assert "PDF" in refused(path)


def test_html_saved_as_xls(tmp_path):
    path = tmp_path / "导出.xls"
    path.write_text("<html><body><table><tr><td>工作任务</td></tr></table></body></html>", encoding="utf-8")
    assert "网页（HTML）" in refused(path)


def test_old_word_document_renamed_xls(tmp_path):
    path = tmp_path / "通知.xls"
    path.write_bytes(ole2_container(["WordDocument", "1Table"]))
    assert "旧版 Word（.doc）" in refused(path)


def test_binary_csv(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(b"abc\x00\x01\x02" * 50)
    assert "不是文本" in refused(path)


def test_zip_that_is_not_an_office_file(tmp_path):
    path = tmp_path / "t.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("readme.txt", "hello")
    assert "是压缩包，但不是" in refused(path)


@pytest.mark.parametrize("suffix", [".pdf", ".numbers", ".wps", ".json", ""])
def test_unknown_suffix(tmp_path, suffix):
    path = write_xlsx(tmp_path / "t.xlsx", SMALL).rename(tmp_path / f"t{suffix}")
    message = refused(path)
    assert "不能导入" in message and ".xlsx" in message


def test_missing_file_and_folder(tmp_path):
    assert "不存在" in refused(tmp_path / "nope.xlsx")
    folder = tmp_path / "dir.xlsx"
    folder.mkdir()
    assert "不是文件" in refused(folder)


# --- damaged --------------------------------------------------------------------------------------


@pytest.mark.parametrize("keep", [0.9, 0.5, 0.1])
def test_truncated_zip(tmp_path, keep):
    data = write_xlsx(tmp_path / "full.xlsx", DIVISION_ROWS, DIVISION_MERGES).read_bytes()
    path = tmp_path / "cut.xlsx"
    path.write_bytes(data[: int(len(data) * keep)])
    assert "不完整" in refused(path)


def test_damaged_workbook_part(tmp_path):
    source = write_xlsx(tmp_path / "a.xlsx", SMALL)
    path = _rezip(source, tmp_path / "b.xlsx",
                  lambda name, data: b"<worksheet><sheetData><row" if name.endswith("sheet1.xml") else data)
    assert "无法读取" in refused(path)


def test_random_damage_never_escapes_as_another_exception(tmp_path):
    data = bytearray(write_xlsx(tmp_path / "a.xlsx", DIVISION_ROWS, DIVISION_MERGES).read_bytes())
    rng = random.Random(20231231)
    for i in range(40):
        damaged = bytearray(data)
        for _ in range(rng.randint(1, 30)):
            damaged[rng.randrange(len(damaged))] = rng.randrange(256)
        path = tmp_path / f"d{i}.xlsx"
        path.write_bytes(bytes(damaged))
        try:
            read_task_table(path)
        except ImportRefused as exc:
            assert f"「{path.name}」" in str(exc)


# --- empty, no header -----------------------------------------------------------------------------


def test_empty_file(tmp_path):
    for name in ("t.xlsx", "t.csv"):
        path = tmp_path / name
        path.write_bytes(b"")
        assert "空文件" in refused(path)


def test_empty_workbook(tmp_path):
    assert "是空的" in refused(write_xlsx(tmp_path / "empty.xlsx", []))


def test_workbook_of_charts_only_says_so(tmp_path):
    import openpyxl
    from openpyxl.chart import BarChart

    book = openpyxl.Workbook()
    book.create_chartsheet("图表1").add_chart(BarChart())
    book.remove(book.active)
    book.save(tmp_path / "图表.xlsx")
    assert "工作簿里只有图表（「图表1」），没有可以导入的表格" in refused(tmp_path / "图表.xlsx")


def test_empty_sheet_named(tmp_path):
    path = write_xlsx(tmp_path / "t.xlsx", SMALL, sheet="分工表", sheets_before={"空表": []})
    assert read_task_table(path).sheet == "分工表"
    assert "工作表「空表」：这个工作表是空的" in refused(path, sheet="空表")


def test_csv_with_only_blank_lines(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("\n\n,,\n", encoding="utf-8")
    assert "是空的" in refused(path)


def test_no_recognisable_header_says_what_was_looked_for(tmp_path):
    rows = [["姓名", "单位", "职务"], ["张三", "县民政局", "局长"], ["李四", "县财政局", "副局长"]]
    message = refused(write_xlsx(tmp_path / "名单.xlsx", rows, sheet="成员"))
    assert "「成员」" in message and "没有找到任务分工表的表头" in message
    assert "工作任务" in message and "牵头单位" in message and "责任单位" in message


def test_header_without_tasks(tmp_path):
    rows = [["序号", "工作任务", "牵头单位"], [], ["注：无"]]
    message = refused(write_xlsx(tmp_path / "t.xlsx", rows))
    assert "第 1 行：找到了表头，但下面没有任何任务" in message


def test_header_too_far_down(tmp_path):
    rows = [[f"说明第{i}行"] for i in range(25)] + SMALL
    assert "前 20 行" in refused(write_xlsx(tmp_path / "t.xlsx", rows))


# --- protected, bombs, sizes ----------------------------------------------------------------------


def test_password_protected_xlsx(tmp_path):
    path = tmp_path / "加密.xlsx"
    path.write_bytes(ole2_container(["EncryptionInfo", "EncryptedPackage"]))
    assert "密码" in refused(path)


def test_xml_entity_expansion_bomb(tmp_path, monkeypatch):
    bomb = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            b'<!DOCTYPE lolz [<!ENTITY lol "lol">'
            + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                       for i in range(1, 10))
            + b"]>\n")
    source = write_xlsx(tmp_path / "a.xlsx", SMALL)

    def change(name, data):
        if name.endswith("sheet1.xml"):
            body = re.sub(rb"^<\?xml[^>]*>\s*", b"", data)
            return bomb + body.replace(b"</sheetData>", b'<row r="9"><c r="A9" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData>')
        return data

    path = _rezip(source, tmp_path / "bomb.xlsx", change)
    # refused before anything parses the sheet: neither the extent scan nor calamine opens it
    import importers.readers.excel as excel

    parsed: list[str] = []
    check, open_book = excel.check_workbook, excel.WorkbookSource._open_book
    monkeypatch.setattr(excel, "check_workbook", lambda *a, **k: parsed.append("extent") or check(*a, **k))
    monkeypatch.setattr(excel.WorkbookSource, "_open_book", lambda self, p: parsed.append("calamine") or open_book(self, p))
    message = refused(path)
    assert "实体" in message and "sheet1.xml" in message
    assert parsed == []


def test_doctype_hidden_after_a_long_prolog(tmp_path):
    source = write_xlsx(tmp_path / "a.xlsx", SMALL)
    padding = b"<!--" + b" " * 100_000 + b"-->"

    def change(name, data):
        if name == "xl/workbook.xml":
            return padding + b'<!DOCTYPE x [<!ENTITY a "b">]>' + re.sub(rb"^<\?xml[^>]*>", b"", data)
        return data

    assert "实体" in refused(_rezip(source, tmp_path / "b.xlsx", change))


def test_zip_bomb_part(tmp_path):
    source = write_xlsx(tmp_path / "a.xlsx", SMALL)
    path = tmp_path / "zipbomb.xlsx"
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, zin.read(info.filename))
        zout.writestr("xl/media/padding.bin", bytes(40 * 1024 * 1024))
    assert "压缩炸弹" in refused(path)


def test_file_too_big(tmp_path, monkeypatch):
    path = write_xlsx(tmp_path / "t.xlsx", SMALL)
    monkeypatch.setattr(sniff, "MAX_FILE_BYTES", 1000)
    assert "太大" in refused(path)


def test_too_many_rows(tmp_path, monkeypatch):
    rows = SMALL + [[i, f"任务{i}", "县民政局"] for i in range(2, 40)]
    monkeypatch.setattr(sniff, "MAX_ROWS", 20)
    assert "超过上限 20 行" in refused(write_xlsx(tmp_path / "t.xlsx", rows))
    assert "超过 20 行" in refused(write_csv(tmp_path / "t.csv", rows))


def _huge_dimension(source: Path, target: Path) -> Path:
    """The sheet of ``source`` as Excel leaves it after someone formats whole rows and columns:
    dimension A1:XFD1048576, a <cols> entry over every column and a styled empty last cell."""

    def change(name, data):
        if not name.endswith("sheet1.xml"):
            return data
        text = data.decode("utf-8")
        text = re.sub(r'<dimension ref="[^"]*"\s*/>', '<dimension ref="A1:XFD1048576"/>', text)
        text = text.replace("<sheetData>", '<cols><col min="1" max="16384" width="9" style="1" customWidth="1"/></cols><sheetData>', 1)
        text = text.replace("</sheetData>", '<row r="1048576" s="1" customFormat="1"><c r="XFD1048576" s="1"/></row></sheetData>')
        return text.encode("utf-8")

    return _rezip(source, target, change)


def test_dimension_to_xfd1048576_reads_like_a_small_file(tmp_path):
    small = write_xlsx(tmp_path / "small.xlsx", DIVISION_ROWS, DIVISION_MERGES)
    huge = _huge_dimension(small, tmp_path / "huge.xlsx")
    assert b"XFD1048576" in zipfile.ZipFile(huge).read("xl/worksheets/sheet1.xml")
    expected = read_task_table(small)
    table = read_task_table(huge)
    assert [t.content for t in table.tasks] == [t.content for t in expected.tasks]
    # the work is that of the cells that exist, not of the block the dimension names (counted, not timed)
    assert_work_like(work_of(read_task_table, small), work_of(read_task_table, huge), "XFD1048576")


def test_merged_range_over_the_whole_row_is_clipped(tmp_path):
    source = write_xlsx(tmp_path / "a.xlsx", DIVISION_ROWS, DIVISION_MERGES)

    def change(name, data):
        if name.endswith("sheet1.xml"):
            return data.replace(b'<mergeCell ref="A2:H2"/>', b'<mergeCell ref="A2:XFD2"/>')
        return data

    path = _rezip(source, tmp_path / "wide.xlsx", change)
    table = read_task_table(path)
    assert len(table.tasks) == 5
    with open_source(path) as opened:
        grid = opened.grid("Sheet1")
    assert grid.width == 8 and (1, 0, 1, 7) in grid.merges  # clipped to the table's 8 columns
    assert all(right < grid.width for _, _, _, right in grid.merges)
    assert_work_like(work_of(read_task_table, source), work_of(read_task_table, path), "A2:XFD2")


def test_thousand_tasks_import_quickly(tmp_path):
    from data.bigtable import make_division_workbook

    path = make_division_workbook(tmp_path / "big.xlsx", 1000)
    table = read_task_table(path)
    assert len(table.tasks) == 1000
    # quickly: the work grows with the rows, not with their square (counted; the seconds of a
    # 10,000-task table are in ``python -m benchmarks``)
    half = work_of(read_task_table, make_division_workbook(tmp_path / "half.xlsx", 500))
    whole = work_of(read_task_table, path)
    assert whole.lines <= 2.2 * half.lines, f"{whole.lines:,} lines for 1,000 tasks, {half.lines:,} for 500"
    assert table.tasks[0].category_number == "一" and table.tasks[0].number == "（一）"
    assert len(table.tasks[0].targets) == 3 and table.tasks[0].due is not None


UNDECODED_NOTE = "有无法识别的字符（原文件中这些字节不是 UTF-8 或 GBK 编码的文字），已显示为“�”，请核对原文件"


def test_csv_bytes_that_are_not_utf8_nor_gbk_still_read(tmp_path):
    data = "工作任务,牵头单位\n任务甲,县民政局\n".encode("gb18030") + b"\xff\xfe\xfd,x\n"
    path = tmp_path / "t.csv"
    path.write_bytes(data)
    table = read_task_table(path)
    assert table.tasks[0].content == "任务甲"
    assert [str(w) for w in table.warnings] == [f"「t.csv」工作表「t」第 3 行 A 列：{UNDECODED_NOTE}"]


def test_stray_bytes_of_a_csv_are_named_by_row_even_where_no_task_is_read(tmp_path):
    """A GBK table with a line of bytes no encoding reads alone in the 序号 column after its last task
    (no task: the row is not read), and a task whose content holds some: each row is named, the
    tasks are read; a clean GBK table has no such warning."""
    task = "推进养老服务体系建设，完善居家社区机构相协调的养老服务网络"
    head = ("序号,工作任务,牵头单位\n" + "".join(f"{n},{task}{n},县民政局\n" for n in (1, 2, 3))).encode("gbk")
    clean = tmp_path / "clean.csv"
    clean.write_bytes(head + "4,开展老年人健康管理,县卫健局\n".encode("gbk"))
    assert read_task_table(clean).warnings == []
    path = tmp_path / "表.csv"
    path.write_bytes(head + b"4,\xb7\xa2\x80\xff,\xcf\xd8\xc3\xf1\xd5\xfe\xbe\xd6\n\x80\xff,,\n")  # 发, 县民政局
    table = read_task_table(path)
    assert [t.content for t in table.tasks] == [f"{task}1", f"{task}2", f"{task}3", "发\ufffd\ufffd"]
    assert [str(w) for w in table.warnings] == [f"「表.csv」工作表「表」第 5 行 B 列：{UNDECODED_NOTE}",
                                                f"「表.csv」工作表「表」第 6 行 A 列：{UNDECODED_NOTE}"]


def test_stray_bytes_in_many_rows_are_named_for_the_first_ten_then_counted(tmp_path):
    task = "推进养老服务体系建设，完善居家社区机构相协调的养老服务网络，提升服务质量"
    lines = ["序号,工作任务,牵头单位"] + [f"{n},{task}{n},县民政局" for n in range(1, 41)]
    data = b"".join(line.encode("gbk") + (b"\x80" if 5 <= n < 17 else b"") + b"\n" for n, line in enumerate(lines))
    path = tmp_path / "多处.csv"
    path.write_bytes(data)
    table = read_task_table(path)
    assert len(table.tasks) == 40
    said = [str(w) for w in table.warnings]
    assert said[:10] == [f"「多处.csv」工作表「多处」第 {n} 行 C 列：{UNDECODED_NOTE}" for n in range(6, 16)]
    assert said[10:] == [f"「多处.csv」工作表「多处」：另有 2 行{UNDECODED_NOTE}"]


def test_stray_bytes_of_a_roster_pasted_as_text_are_named_by_line(tmp_path):
    from importers.roster import read_roster

    path = tmp_path / "名单.txt"
    path.write_bytes("县老龄工作委员会组成人员名单\n组长：王五 县人民政府县长\n".encode("gbk") + b"\x80\xff\n"
                     + "成员：李四 县民政局局长\n　　　　赵六 县卫生健康局局长\n".encode("gbk"))
    roster = read_roster(path)
    assert [str(w) for w in roster.warnings][:1] == [f"「名单.txt」第 3 行：{UNDECODED_NOTE}"]
    assert [m.name for m in roster.members] == ["王五", "李四", "赵六"]


def test_refusal_message_is_the_exception_text(tmp_path):
    path = tmp_path / "坏.xlsx"
    path.write_bytes(io.BytesIO(b"\x89PNG....").getvalue())
    with pytest.raises(ImportRefused) as info:
        read_task_table(path)
    assert str(info.value).startswith("「坏.xlsx」")


# --- cells far apart: the extent guard (importers.readers.extent) -------------------------------
#
# calamine builds a sheet as one block from its first to its last cell with a value; A1 and
# XFD1048576 ask for 550 GB and the Rust runtime aborts the process (exit 134, no exception). The
# guard reads each sheet first. The command-line tests run in a child process under a 4 GB address
# space limit, so that a guard that lets such a file through fails the test instead of the machine.

FAR = "XFD1048576"


def _limited_cli(*args: str) -> subprocess.CompletedProcess:
    import warm_cli  # forked from a warm interpreter, as run_cli

    return warm_cli.run(list(args), env={**os.environ, "TAIZHANG_TODAY": TODAY}, cwd=ROOT, timeout=300,  # a hang guard
                        limits={"RLIMIT_AS": 4 << 30})


def _far_xlsx(path: Path) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "Sheet1"
    for row in SMALL:
        book.active.append(row)
    book.active[FAR] = "x"
    book.save(path)
    return path


def _ods(path: Path, table_xml: str, name: str = "Sheet1") -> Path:
    """An .ods whose one table holds ``table_xml`` (rows written as LibreOffice writes them)."""
    content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content '
               'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
               f'<office:body><office:spreadsheet><table:table table:name="{name}">{table_xml}'
               "</table:table></office:spreadsheet></office:body></office:document-content>")
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("META-INF/manifest.xml", '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                   'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                   '<manifest:file-entry manifest:full-path="/" '
                   'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
                   '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                   "</manifest:manifest>")
    return path


def _ods_row(*values: object) -> str:
    return "<table:table-row>" + "".join(
        f'<table:table-cell office:value-type="float" office:value="{v}"><text:p>{v}</text:p></table:table-cell>'
        if isinstance(v, int) else
        f'<table:table-cell office:value-type="string"><text:p>{v}</text:p></table:table-cell>' for v in values
    ) + "</table:table-row>"


def _far_ods(path: Path) -> Path:
    """SMALL in A1:C2 and a value in XFD1048576, the rows and cells between written as repeats."""
    return _ods(path, "".join(_ods_row(*row) for row in SMALL)
                + '<table:table-row table:number-rows-repeated="1048573">'
                  '<table:table-cell table:number-columns-repeated="1024"/></table:table-row>'
                  '<table:table-row><table:table-cell table:number-columns-repeated="16383"/>'
                  '<table:table-cell office:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row>')


def _far_xls(path: Path) -> Path:
    """SMALL in A1:C2 and a value in IV65536, the last cell xlwt (and .xls) allows."""
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("Sheet1")
    for r, row in enumerate(SMALL):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    sheet.write(65535, 255, "x")
    book.save(str(path))
    return path


def _wide_xls(path: Path) -> Path:
    """A .xls whose cell record says column 60,001: no writer does that, but calamine takes it and
    would build 5,001 × 60,001 cells (18 GB, about a minute) for this 6 KB file."""
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("Sheet1")
    sheet.write(0, 0, "工作任务")
    sheet.write(5000, 200, "x")
    book.save(str(path))
    data = bytearray(path.read_bytes())
    at = data.find(struct.pack("<HHHH", 0x00FD, 10, 5000, 200))  # the LABELSST record of the far cell
    assert at > 0
    struct.pack_into("<H", data, at + 6, 60000)
    path.write_bytes(bytes(data))
    return path


def _digest(db: Path) -> str:
    return hashlib.sha256(db.read_bytes()).hexdigest()


@pytest.mark.parametrize("kind", [None, "roster", "duties"])
@pytest.mark.parametrize(("make", "name", "cell"), [
    (_far_xlsx, "far.xlsx", FAR), (_far_ods, "far.ods", FAR), (_far_xls, "far.xls", "IV65536"),
    (_wide_xls, "wide.xls", "CJSS5001"),
])
def test_far_cell_is_refused_by_the_command_line_and_changes_nothing(tmp_path, kind, make, name, cell):
    db = tmp_path / "ledger.db"
    good = write_xlsx(tmp_path / "好.xlsx", SMALL)
    assert _limited_cli("--db", str(db), "import", str(good)).returncode == 0
    before = _digest(db)
    path = make(tmp_path / name)
    # refused before calamine builds the block: it would abort the child under the 4 GB limit
    result = _limited_cli("--db", str(db), "import", str(path), *(["--as", kind] if kind else []))
    assert result.returncode == 1, (result.returncode, result.stderr[-2000:])
    assert f"「{name}」工作表「Sheet1」：单元格 {cell} 离表格太远" in result.stderr
    assert "请删除多余内容后再导入" in result.stderr and "数据库未作任何改动" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert _digest(db) == before


@pytest.fixture
def guard_only(monkeypatch):
    """calamine must not be reached: a file the guard lets through fails the test, not pytest."""
    import python_calamine

    def never(*args, **kwargs):
        raise AssertionError("calamine opened a file the guard should have refused")

    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_filelike", never)
    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_path", never)


def test_far_cell_message_names_the_extent(tmp_path, guard_only):
    message = refused(_far_xlsx(tmp_path / "far.xlsx"))
    assert message == ("「far.xlsx」工作表「Sheet1」：单元格 XFD1048576 离表格太远（表格区域将达到 1,048,576 行 × 16,384 列，"
                       "超过 300,000 个单元格），请删除多余内容后再导入。")


def test_one_stray_value_far_below_the_table_is_refused_naming_it(tmp_path, guard_only):
    from openpyxl import Workbook

    book = Workbook()
    for row in SMALL:
        book.active.append(row)
    book.active["BH150000"] = "备注"
    book.save(tmp_path / "stray.xlsx")
    assert "单元格 BH150000 离表格太远（表格区域将达到 150,000 行 × 60 列" in refused(tmp_path / "stray.xlsx")


def test_far_cell_is_refused_before_calamine_opens_the_file(tmp_path, guard_only):
    for make, name in ((_far_xlsx, "far.xlsx"), (_far_ods, "far.ods"), (_far_xls, "far.xls")):
        assert "离表格太远" in refused(make(tmp_path / name))


def test_far_column_alone_or_far_row_alone(tmp_path, guard_only):
    from openpyxl import Workbook

    book = Workbook()
    for row in SMALL:
        book.active.append(row)
    book.active["ALN2"] = "x"  # column 1,002: more than a table has, though only 2,004 cells
    message = refused(_save(book, tmp_path / "wide.xlsx"))
    assert "单元格 ALN2 离表格太远（表格区域将达到 1,002 列，超过上限 1,000 列）" in message
    book.active["ALN2"] = None
    book.active["B25000"] = "x"
    assert "有内容的行多达 25,000 行（到单元格 B25000），超过上限 20,000 行" in refused(_save(book, tmp_path / "long.xlsx"))


def _save(book, path: Path) -> Path:
    book.save(path)
    return path


def test_sheets_together_over_the_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(sniff, "MAX_CELLS", 1_000)
    rows = SMALL + [[i, f"任务{i}", "县民政局", *[f"备注{i}"] * 17] for i in range(2, 30)]  # 30 × 20 = 600 cells
    path = write_xlsx(tmp_path / "two.xlsx", rows, sheet="分工表", sheets_before={"去年": rows})
    message = refused(path)
    assert "各工作表的表格区域合计将达到 1,200 个单元格，超过上限 1,000 个" in message
    monkeypatch.setattr(sniff, "MAX_CELLS", 300_000)  # each sheet's quick bound (9,999 × 26) fits, both do not
    assert len(read_task_table(path).tasks) == 29


def _raw_xlsx(path: Path, sheet_xml: str) -> Path:
    """An .xlsx whose sheet1.xml is ``sheet_xml`` as given (other parts from openpyxl)."""
    source = write_xlsx(path.with_name("raw_source.xlsx"), SMALL)
    return _rezip(source, path, lambda name, data: sheet_xml.encode("utf-8") if name.endswith("sheet1.xml") else data)


def _inline(text: str) -> str:
    return f'<c t="inlineStr"><is><t>{text}</t></is></c>'


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


@pytest.mark.parametrize(("gap", "refused_cell"), [(500, None), (1_500, "BES3")])
def test_cells_without_references_are_counted_like_calamine_counts_them(tmp_path, gap, refused_cell):
    rows = "".join("<row>" + "".join(_inline(v) for v in row) + "</row>" for row in [["工作任务", "牵头单位"], ["任务甲", "县民政局"]])
    far = "<row>" + "<c/>" * gap + _inline("x") + "</row>"  # no r="…": each cell is the one after the last
    path = _raw_xlsx(tmp_path / "nor.xlsx", f'<worksheet xmlns="{_MAIN}"><sheetData>{rows}{far}</sheetData></worksheet>')
    if refused_cell is None:
        assert [t.content for t in read_task_table(path).tasks] == ["任务甲"]
    else:
        assert f"单元格 {refused_cell} 离表格太远" in refused(path)


@pytest.mark.parametrize(("ref", "far"), [("xfd1048576", "XFD1048576"), ("AAAA1", "AAAA1"), ("A99999999", "A99999999")])
def test_references_calamine_accepts_beyond_excel_limits(tmp_path, guard_only, ref, far):
    xml = (f'<worksheet xmlns="{_MAIN}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>工作任务</t></is></c>'
           f'<c r="B1" t="inlineStr"><is><t>牵头单位</t></is></c></row>'
           f'<row r="2"><c r="{ref}"><v>1</v></c></row></sheetData></worksheet>')
    assert f"单元格 {far} 离表格太远" in refused(_raw_xlsx(tmp_path / "odd.xlsx", xml))


def test_prefixed_cells_are_read_by_the_exact_scan(tmp_path, guard_only):
    xml = (f'<x:worksheet xmlns:x="{_MAIN}"><x:sheetData><x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>工作任务'
           f'</x:t></x:is></x:c></x:row><x:row r="1048576"><x:c r="XFD1048576"><x:v>1</x:v></x:c></x:row>'
           "</x:sheetData></x:worksheet>")
    assert "单元格 XFD1048576 离表格太远" in refused(_raw_xlsx(tmp_path / "prefixed.xlsx", xml))


def test_ods_repeats_are_counted_not_expanded(tmp_path):
    head = "".join(_ods_row(*row) for row in SMALL)
    formatting = ('<table:table-row table:number-rows-repeated="1048574">'
                  '<table:table-cell table:number-columns-repeated="16384"/></table:table-row>')
    fmt = _ods(tmp_path / "fmt.ods", head + formatting)
    assert len(read_task_table(fmt).tasks) == 1
    plain = work_of(read_task_table, _ods(tmp_path / "plain.ods", head))
    assert_work_like(plain, work_of(read_task_table, fmt), "a row repeated 1,048,574 times")  # counted, not expanded
    repeated = ('<table:table-row table:number-rows-repeated="30000"><table:table-cell office:value-type="string">'
                "<text:p>x</text:p></table:table-cell></table:table-row>")
    assert "有内容的行多达 30,002 行（到单元格 A30002）" in refused(_ods(tmp_path / "rows.ods", head + repeated))
    across = ('<table:table-row><table:table-cell office:value-type="string" table:number-columns-repeated="5000">'
              "<text:p>x</text:p></table:table-cell></table:table-row>")
    assert "单元格 GJH3 离表格太远" in refused(_ods(tmp_path / "cols.ods", head + across))


def test_ods_under_another_prefix_is_read_tag_by_tag(tmp_path, guard_only):
    """The quick row reading expects elements named table:…; any other prefix for the table
    namespace sends the file to the tag-by-tag reading, which finds the far cell as well."""
    xml = _far_ods(tmp_path / "far.ods")
    content = zipfile.ZipFile(xml).read("content.xml").decode("utf-8")
    content = content.replace("xmlns:table=", "xmlns:t=").replace("<table:", "<t:").replace("</table:", "</t:")
    content = content.replace(" table:", " t:")
    path = tmp_path / "prefix.ods"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
    assert "「prefix.ods」工作表「Sheet1」：单元格 XFD1048576 离表格太远" in refused(path)


def test_xls_formatting_only_far_away_is_read(tmp_path):
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("Sheet1")
    for r, row in enumerate(SMALL):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    sheet.write(65535, 255, None, xlwt.easyxf("font: bold on"))  # a BLANK record: formatting, no value
    book.save(str(tmp_path / "fmt.xls"))
    assert len(read_task_table(tmp_path / "fmt.xls").tasks) == 1


def _biff(kind: int, body: bytes) -> bytes:
    return struct.pack("<HH", kind, len(body)) + body


def _tiny_workbook_stream(cells: list[tuple[int, int, float]]) -> bytes:
    """A BIFF8 workbook stream: globals (BOF, one BOUNDSHEET, EOF), then the sheet's NUMBER records."""
    bof = lambda kind: _biff(0x0809, struct.pack("<HHHHII", 0x0600, kind, 0, 1997, 0, 0))  # noqa: E731
    def boundsheet(offset: int) -> bytes:
        return _biff(0x0085, struct.pack("<IBBBB", offset, 0, 0, 6, 0) + b"Sheet1")

    globals_ = bof(0x0005) + boundsheet(0) + _biff(0x000A, b"")
    sheet = bof(0x0010) + b"".join(_biff(0x0203, struct.pack("<HHHd", r, c, 0, v)) for r, c, v in cells) + _biff(0x000A, b"")
    return bof(0x0005) + boundsheet(len(globals_)) + _biff(0x000A, b"") + sheet


def _compound_file(stream: bytes, name: str = "Workbook") -> bytes:
    """An OLE2 compound file (512-byte sectors) holding one stream; below 4,096 bytes it lives in the
    mini stream, as Excel stores a small workbook."""
    sector, end, fat_mark, free = 512, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
    small = len(stream) < 4096
    unit = 64 if small else sector
    body = stream.ljust(-(-len(stream) // unit) * unit, b"\x00")
    data_sectors = -(-len(body) // sector)
    # sector 0: FAT; 1: directory; 2: mini FAT (small only); then the data (mini stream or stream)
    first_data = 3 if small else 2
    fat = [fat_mark, end] + ([end] if small else [])
    fat += [first_data + i + 1 for i in range(data_sectors - 1)] + [end]
    fat_bytes = struct.pack(f"<{len(fat)}I", *fat).ljust(sector, b"\xff")
    header = bytearray(sector)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 24, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIIII", header, 44, 1, 1, 0, 4096, 2 if small else end, 1 if small else 0, end, 0)
    struct.pack_into("<109I", header, 76, 0, *[free] * 108)

    def entry(entry_name: str, kind: int, start: int, size: int, child: int = free) -> bytes:
        e = bytearray(128)
        raw = entry_name.encode("utf-16-le") + b"\x00\x00"
        e[0:len(raw)] = raw
        struct.pack_into("<HBB", e, 64, len(raw), kind, 1)
        struct.pack_into("<III", e, 68, free, free, child)
        struct.pack_into("<II", e, 116, start, size)
        return bytes(e)

    if small:
        root = entry("Root Entry", 5, first_data, len(body), child=1)
        item = entry(name, 2, 0, len(stream))
        mini_fat = struct.pack(f"<{len(body) // 64}I", *list(range(1, len(body) // 64)), end).ljust(sector, b"\xff")
    else:
        root = entry("Root Entry", 5, end, 0, child=1)
        item = entry(name, 2, first_data, len(stream))
        mini_fat = b""
    directory = (root + item).ljust(sector, b"\x00")
    return bytes(header) + fat_bytes + directory + mini_fat + body.ljust(data_sectors * sector, b"\x00")


@pytest.mark.parametrize("padding", [0, 5000])
def test_xls_workbook_stream_in_the_mini_stream_or_not(tmp_path, guard_only, padding):
    from importers.readers import ole

    cells = [(0, 0, 1.0), (1, 1, 2.0)] + [(2, 0, float(i)) for i in range(padding // 18)]
    stream = _tiny_workbook_stream(cells + [(60000, 250, 3.0)])
    data = _compound_file(stream)
    assert ole.stream(data, ("Workbook", "Book")) == stream
    path = tmp_path / "small.xls"
    path.write_bytes(data)
    assert "「small.xls」工作表「Sheet1」：单元格 IQ60001 离表格太远" in refused(path)
