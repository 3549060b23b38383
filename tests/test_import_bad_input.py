"""Bad input is refused with a clear Chinese message naming the file — never another exception —
and the guards keep the PC safe (sizes, zip and XML bombs, sheets whose dimension runs to
XFD1048576)."""

from __future__ import annotations

import io
import random
import re
import time
import zipfile
from pathlib import Path

import pytest
from data.builders import ole2_container, write_csv, write_xlsx
from data.tables import DIVISION_MERGES, DIVISION_ROWS

import importers.readers.excel as excel_reader
import importers.readers.sniff as sniff
import importers.readers.textcsv as csv_reader
from importers.records import ImportRefused
from importers.table import read_task_table

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


def test_empty_sheet_named(tmp_path):
    path = write_xlsx(tmp_path / "t.xlsx", SMALL, sheet="分工表", sheets_before={"空表": []})
    assert read_task_table(path).sheet == "分工表"
    assert "工作表「空表」是空的" in refused(path, sheet="空表")


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
    assert "第 1 行找到了表头，但下面没有任何任务" in message


def test_header_too_far_down(tmp_path):
    rows = [[f"说明第{i}行"] for i in range(25)] + SMALL
    assert "前 20 行" in refused(write_xlsx(tmp_path / "t.xlsx", rows))


# --- protected, bombs, sizes ----------------------------------------------------------------------


def test_password_protected_xlsx(tmp_path):
    path = tmp_path / "加密.xlsx"
    path.write_bytes(ole2_container(["EncryptionInfo", "EncryptedPackage"]))
    assert "密码" in refused(path)


def test_xml_entity_expansion_bomb(tmp_path):
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
    start = time.perf_counter()
    message = refused(path)
    assert time.perf_counter() - start < 2
    assert "实体" in message and "sheet1.xml" in message


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
    monkeypatch.setattr(excel_reader, "MAX_ROWS", 20)
    assert "超过上限 20 行" in refused(write_xlsx(tmp_path / "t.xlsx", rows))
    monkeypatch.setattr(csv_reader, "MAX_ROWS", 20)
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
    start = time.perf_counter()
    expected = read_task_table(small)
    small_time = time.perf_counter() - start
    start = time.perf_counter()
    table = read_task_table(huge)
    huge_time = time.perf_counter() - start
    assert huge_time < 2 and huge_time < small_time + 0.5
    assert [t.content for t in table.tasks] == [t.content for t in expected.tasks]


def test_merged_range_over_the_whole_row_is_clipped(tmp_path):
    source = write_xlsx(tmp_path / "a.xlsx", DIVISION_ROWS, DIVISION_MERGES)

    def change(name, data):
        if name.endswith("sheet1.xml"):
            return data.replace(b'<mergeCell ref="A2:H2"/>', b'<mergeCell ref="A2:XFD2"/>')
        return data

    path = _rezip(source, tmp_path / "wide.xlsx", change)
    start = time.perf_counter()
    table = read_task_table(path)
    assert time.perf_counter() - start < 2
    assert len(table.tasks) == 5


def test_thousand_tasks_import_quickly(tmp_path):
    from data.bigtable import make_division_workbook

    path = make_division_workbook(tmp_path / "big.xlsx", 1000)
    start = time.perf_counter()
    table = read_task_table(path)
    elapsed = time.perf_counter() - start
    assert len(table.tasks) == 1000
    assert elapsed < 2.0  # about 0.06 s on the 2-core dev machine; generous for slow CI
    assert table.tasks[0].category_number == "一" and table.tasks[0].number == "（一）"
    assert len(table.tasks[0].targets) == 3 and table.tasks[0].due is not None


def test_csv_bytes_that_are_not_utf8_nor_gbk_still_read(tmp_path):
    data = "工作任务,牵头单位\n任务甲,县民政局\n".encode("gb18030") + b"\xff\xfe\xfd,x\n"
    path = tmp_path / "t.csv"
    path.write_bytes(data)
    assert read_task_table(path).tasks[0].content == "任务甲"


def test_refusal_message_is_the_exception_text(tmp_path):
    path = tmp_path / "坏.xlsx"
    path.write_bytes(io.BytesIO(b"\x89PNG....").getvalue())
    with pytest.raises(ImportRefused) as info:
        read_task_table(path)
    assert str(info.value).startswith("「坏.xlsx」")
