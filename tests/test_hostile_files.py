"""Issue 13: files built to cost gigabytes or hours to read are refused quickly, by name, through the
real command line; ordinary files of the same shapes still import. Each file is built by the test
(``tests/data/hostile.py``, ``xlwt``); none is checked in."""

from __future__ import annotations

import zipfile
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, TODAY, run_cli, table_rows
from data.builders import write_ods, write_xlsx
from data.hostile import (HEADER, docx_with_body, overlapping_merges, repeated_text_ods, shared_string_bomb,
                          word_row, write_xlsx_raw)

from importers import read_file
from importers.readers import sniff, textsize
from importers.records import ImportRefused

MEMORY = 1536 * 1024 * 1024  # address space the child may use: a bomb that got through would abort it


def run_limited(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """``taizhang …`` in a child whose memory is capped, so a bomb that got past the guards fails
    the test (exit 134 or a MemoryError) instead of taking the machine down (forked from a warm
    interpreter, tests/warm_cli.py, as ``run_cli``)."""
    import warm_cli

    return warm_cli.run(list(args), cwd=cwd, timeout=120, limits={"RLIMIT_AS": MEMORY},
                        env={"PATH": "/usr/bin:/bin", "TAIZHANG_TODAY": TODAY, "PYTHONPATH": str(ROOT)})


def _refused(result: subprocess.CompletedProcess, name: str, *words: str) -> None:
    assert result.returncode == 1, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    assert f"「{name}」" in result.stderr
    for word in words:
        assert word in result.stderr, result.stderr
    assert "数据库未作任何改动" in result.stderr


@pytest.fixture
def ledger(tmp_path: Path, demo_file: Path) -> Path:
    import shutil

    path = tmp_path / "ledger.db"
    shutil.copy(demo_file, path)
    return path


# --- 1. shared-string bombs -------------------------------------------------------------------------

def test_an_xlsx_whose_cells_all_point_at_one_long_shared_string_is_refused_quickly(tmp_path, ledger):
    bomb = shared_string_bomb(tmp_path / "炸弹.xlsx", cells=15_000)  # ~80 KB; 15,000 × 600 KB = 27 GB of text
    assert bomb.stat().st_size < 500_000
    before = table_rows(ledger)
    result = run_limited("--db", str(ledger), "import", str(bomb), "--group", "新小组", cwd=tmp_path)
    _refused(result, "炸弹.xlsx", "工作表「Sheet1」", "共享文字", f"{textsize.MAX_TEXT_BYTES // 1024 // 1024} MB")
    assert table_rows(ledger) == before


def test_an_xls_whose_cells_share_one_long_string_is_refused(tmp_path, ledger):
    xlwt = pytest.importorskip("xlwt")
    book = xlwt.Workbook()
    sheet = book.add_sheet("分工表")
    for c, word in enumerate(HEADER):
        sheet.write(0, c, word)
    long = "任" * 30_000
    for r in range(1, 2_001):
        sheet.write(r, 1, long)  # one SST entry, 2,000 LABELSST references: 120 MB as calamine reads it
    path = tmp_path / "共享.xls"
    book.save(str(path))
    result = run_limited("--db", str(ledger), "import", str(path), "--group", "新小组", cwd=tmp_path)
    _refused(result, "共享.xls", "共享文字")


def test_an_ods_whose_long_text_cell_repeats_across_columns_is_refused(tmp_path, ledger):
    bomb = repeated_text_ods(tmp_path / "重复.ods", rows=20, repeat=500, length=20_000)  # 4 KB → 600 MB of text
    result = run_limited("--db", str(ledger), "import", str(bomb), "--group", "新小组", cwd=tmp_path)
    _refused(result, "重复.ods", "重复")


def test_ordinary_shared_strings_and_long_tasks_are_read(tmp_path):
    """Shared strings used many times (a unit in every row) and long task texts stay within the budget."""
    rows = [HEADER] + [[i, "长任务" * 3_000 if i % 50 == 0 else f"任务{i}", "县卫健局", "2024年"] for i in range(1, 2_001)]
    table = read_file(write_xlsx_raw(tmp_path / "长.xlsx", rows), kind="tasks")
    assert len(table.tasks) == 2_000
    assert max(len(t.content) for t in table.tasks) == 9_000


def test_the_text_budget_counts_every_reference(tmp_path):
    """One string just under the budget once is read; referred to twice, the file is refused."""
    long = "a" * (textsize.MAX_TEXT_BYTES // 3)
    once = write_xlsx_raw(tmp_path / "once.xlsx", [HEADER], strings=HEADER + [long], refs={(2, 2): 4})
    thrice = write_xlsx_raw(tmp_path / "thrice.xlsx", [HEADER], strings=HEADER + [long],
                            refs={(2, 2): 4, (3, 2): 4, (4, 2): 4, (5, 2): 4})
    from importers.readers.extent import check_workbook

    assert sum(s.text for s in check_workbook(once, "xlsx").values()) < textsize.MAX_TEXT_BYTES
    with pytest.raises(ImportRefused, match="共享文字"):
        check_workbook(thrice, "xlsx")


# --- 2. overlapping merged ranges ---------------------------------------------------------------------

def test_thousands_of_copies_of_one_merged_range_are_read_as_one(tmp_path, ledger):
    path = overlapping_merges(tmp_path / "重叠.xlsx", copies=3_000, rows=10_000)
    before = table_rows(ledger)
    result = run_limited("--db", str(ledger), "import", str(path), "--group", "新小组", "--dry-run", cwd=tmp_path)
    # one A2:G10001 merge fills the whole table with its anchor: a header and no task rows
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr[-2000:]
    assert "没有任何任务" in result.stderr
    assert table_rows(ledger) == before


def test_more_merged_ranges_than_the_limit_are_refused_by_count(tmp_path, ledger):
    path = overlapping_merges(tmp_path / "合并.xlsx", copies=sniff.MAX_MERGES + 1, rows=50)
    result = run_limited("--db", str(ledger), "import", str(path), "--group", "新小组", cwd=tmp_path)
    _refused(result, "合并.xlsx", f"{sniff.MAX_MERGES + 1:,}", "合并单元格")


def test_overlapping_merges_keep_the_first_and_checking_them_never_costs_more_than_twice_the_cells():
    from importers.readers.grid import build_grid

    values = [[f"{r}-{c}" for c in range(20)] for r in range(200)]
    columns = [(0, c, 199, c) for c in range(20)]
    grid = build_grid("x.xlsx", "S", [row[:] for row in values], merges=columns + [(5, 0, 5, 19)])
    assert grid.merges == columns  # the row merge crossing them is left out, as Excel repairs such a file
    assert grid.rows[150][3] == "0-3" and grid.merge_at(150, 3) == (0, 3, 199, 3)
    # ranges that each overlap the first only in their last row: each is checked down to it
    late = [(199, 0, 199, 19)] + [(0, 0, 199, c) for c in range(19)]
    with pytest.raises(ImportRefused, match="合并单元格大量相互重叠") as refused:
        build_grid("x.xlsx", "S", [row[:] for row in values], merges=late)
    assert "A1:" in str(refused.value)


def test_an_ordinary_merged_table_still_reads_the_same(tmp_path):
    rows = [HEADER + ["配合单位"]] + [[i, f"任务{i}", "县卫健局" if i < 6 else "县民政局", "2024年", "县财政局"]
                                     for i in range(1, 11)]
    merges = [(1, 2, 5, 2), (6, 2, 10, 2), (1, 4, 10, 4)]
    table = read_file(write_xlsx(tmp_path / "t.xlsx", rows, merges), kind="tasks")
    assert [t.lead[0].unit for t in table.tasks] == ["县卫健局"] * 5 + ["县民政局"] * 5
    table = read_file(write_ods(tmp_path / "t.ods", rows, merges), kind="tasks")
    assert [t.co[0].unit for t in table.tasks] == ["县财政局"] * 10


def test_shared_string_cells_written_another_way_are_counted_too(tmp_path):
    """t='s' in single quotes, spaces around =, a cell of another type order: the careful reading."""
    from importers.readers.extent import check_workbook

    bomb = shared_string_bomb(tmp_path / "b.xlsx", cells=2_000, length=20_000)  # 120 MB as read
    for old, new, name in ((b't="s"', b"t='s'", "quotes.xlsx"), (b't="s"', b't = "s"', "spaces.xlsx"),
                           (b'<c r="', b'<c s="0" r="', "order.xlsx")):
        path = tmp_path / name
        with zipfile.ZipFile(bomb) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
            for info in src.infolist():
                data = src.read(info)
                dst.writestr(info, data.replace(old, new) if info.filename.endswith("sheet1.xml") else data)
        with pytest.raises(ImportRefused, match="共享文字"):
            check_workbook(path, "xlsx")


def test_a_repeated_text_ods_under_another_prefix_is_refused_too(tmp_path):
    """The table namespace bound to another prefix sends content.xml to the tag-by-tag reading,
    which counts the repeats of a text cell as well."""
    from importers.readers.extent import check_workbook

    bomb = repeated_text_ods(tmp_path / "b.ods", rows=20, repeat=500, length=20_000)
    content = zipfile.ZipFile(bomb).read("content.xml").decode("utf-8")
    content = (content.replace("xmlns:table=", "xmlns:t=").replace("<table:", "<t:").replace("</table:", "</t:")
               .replace(" table:", " t:"))
    path = tmp_path / "prefix.ods"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", content)
    with pytest.raises(ImportRefused, match="重复"):
        check_workbook(path, "ods")
    small = repeated_text_ods(tmp_path / "s.ods", rows=3, repeat=3, length=20)  # repeats of short text: read
    assert sum(s.text for s in check_workbook(small, "ods").values()) < 10_000


# --- the limits of CSV, Word and .xls, where they are read their own way -------------------------------

def test_a_csv_row_past_the_column_limit_is_refused_before_every_row_is_padded_to_it(tmp_path, ledger):
    rows = "".join(f"{i},任务{i},县卫健局\n" for i in range(1, 5_000))
    path = tmp_path / "宽.csv"  # 5,000 rows padded to 200,001 columns would be a billion cells
    path.write_text("序号,工作任务,牵头单位\n" + rows + "," * 200_000 + "x\n", encoding="utf-8")
    before = table_rows(ledger)
    result = run_limited("--db", str(ledger), "import", str(path), "--group", "新小组", cwd=tmp_path)
    _refused(result, "宽.csv", "第 5001 行", "200,001 列", f"{sniff.MAX_COLUMNS:,} 列")
    assert table_rows(ledger) == before
    trailing = tmp_path / "尾逗号.csv"  # empty cells to the right do not count
    trailing.write_text("序号,工作任务,牵头单位" + "," * 2_000 + "\n1,任务一,县卫健局" + "," * 2_000 + "\n", encoding="utf-8")
    assert [t.content for t in read_file(trailing, kind="tasks").tasks] == ["任务一"]


def test_a_csv_past_the_cell_limit_is_refused(tmp_path, ledger):
    width = 1_000
    rows = sniff.MAX_CELLS // width + 1
    path = tmp_path / "格.csv"
    path.write_text("序号,工作任务,牵头单位" + ",备注" * (width - 3) + "\n"
                    + "".join(f"{r},任务{r},县卫健局" + ",1" * (width - 3) + "\n" for r in range(1, rows)), encoding="utf-8")
    result = run_limited("--db", str(ledger), "import", str(path), "--group", "新小组", cwd=tmp_path)
    _refused(result, "格.csv", f"{rows:,} 行 × {width:,} 列", f"{sniff.MAX_CELLS:,} 个单元格")
    trailing = tmp_path / "尾逗号.csv"  # as Excel saves a sheet formatted far to the right: empty cells do not count
    many = sniff.MAX_CELLS // 20  # 15,000 rows × 28 columns as written: 420,000 cells, 45,000 with values
    trailing.write_text("序号,工作任务,牵头单位" + "," * 25 + "\n"
                        + "".join(f"{r},任务{r},县卫健局" + "," * 25 + "\n" for r in range(1, many)), encoding="utf-8")
    assert len(read_file(trailing, kind="tasks").tasks) == many - 1


@pytest.mark.parametrize("encoding, size", [("utf-8", 17), ("utf-16", 34)])
def test_a_csv_past_the_text_limit_is_refused(tmp_path, ledger, encoding, size):
    """17 MB of UTF-8 text (read, then counted), or a UTF-16 file over twice the limit (refused unread)."""
    line = "1,任务" + "文" * 2_000 + ",县卫健局\n"
    count = size * 2**20 // (len(line.encode("utf-8")) if encoding == "utf-8" else 2 * len(line)) + 1
    path = tmp_path / "长文.csv"
    path.write_text("序号,工作任务,牵头单位\n" + line * count, encoding=encoding)
    before = table_rows(ledger)
    result = run_limited("--db", str(ledger), "import", str(path), "--group", "新小组", cwd=tmp_path)
    _refused(result, "长文.csv", "文字", f"超过上限 {textsize.MAX_TEXT_BYTES // 2**20} MB")
    assert table_rows(ledger) == before


def test_a_word_cell_spanning_millions_of_columns_is_refused(tmp_path, ledger):
    body = ("<w:tbl>" + word_row("序号", "工作任务", "牵头单位") + word_row("1", "任务一", "县卫健局", span=50_000_000)
            + "</w:tbl>")
    path = docx_with_body(tmp_path / "跨列.docx", body)
    result = run_limited("--db", str(ledger), "import", str(path), "--group", "新小组", cwd=tmp_path)
    _refused(result, "跨列.docx", "「表格1」第 2 行", "50,000,000 列", f"{sniff.MAX_COLUMNS:,} 列")


def test_a_word_table_past_the_cell_limit_is_refused(tmp_path, ledger):
    width = 1_000
    rows = sniff.MAX_WORD_CELLS // width + 1
    body = "<w:tbl>" + word_row("序号", "工作任务", "牵头单位", *["备注"] * (width - 3)) + "".join(
        word_row(str(r), f"任务{r}", "县卫健局", *["1"] * (width - 3)) for r in range(1, rows)) + "</w:tbl>"
    path = docx_with_body(tmp_path / "大表.docx", body)
    result = run_limited("--db", str(ledger), "import", str(path), "--group", "新小组", cwd=tmp_path)
    _refused(result, "大表.docx", f"{rows:,} 行 × {width:,} 列", f"{sniff.MAX_WORD_CELLS:,} 个单元格")


def test_a_word_document_whose_body_unpacks_past_its_limit_is_refused_before_it_is_parsed(tmp_path, ledger):
    filler = '<w:bookmarkStart w:id="0" w:name="_x"/><w:bookmarkEnd w:id="0"/>'
    row = word_row("1", "任务一", "县卫健局")
    repeat = sniff.MAX_DOCUMENT_XML // len(filler) + 1
    body = "<w:tbl>" + word_row("序号", "工作任务", "牵头单位") + row + "</w:tbl><w:p>" + filler * repeat + "</w:p>"
    path = docx_with_body(tmp_path / "正文.docx", body)
    assert path.stat().st_size < 1_000_000
    result = run_limited("--db", str(ledger), "import", str(path), "--group", "新小组", cwd=tmp_path)
    _refused(result, "正文.docx", "Word 文档的正文", f"{sniff.MAX_DOCUMENT_XML // 2**20} MB")
    from importers.notice import notice_paragraphs

    with pytest.raises(ImportRefused, match="Word 文档的正文"):  # read as a notice's text, the same check first
        notice_paragraphs(path)
    small = docx_with_body(tmp_path / "小.docx", body.replace(filler * repeat, filler * 10))
    assert [t.content for t in read_file(small, kind="tasks").tasks] == ["任务一"]


def test_an_xls_declaring_more_merged_ranges_than_the_limit_is_refused_by_count(tmp_path, ledger):
    xlwt = pytest.importorskip("xlwt")
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("分工表")
    for c, word in enumerate(HEADER):
        sheet.write(0, c, word)
    for r in range(1, 11):
        for c, value in enumerate([r, f"任务{r}", "县卫健局", "2024年"]):
            sheet.write(r, c, value)
    sheet.merged_ranges.extend([(20, 21, 0, 1)] * (sniff.MAX_MERGES + 1))  # copies of one range, as xlwt writes them
    path = tmp_path / "合并.xls"
    book.save(str(path))
    result = run_limited("--db", str(ledger), "import", str(path), "--group", "新小组", cwd=tmp_path)
    _refused(result, "合并.xls", f"{sniff.MAX_MERGES + 1:,} 处", "合并单元格")


def test_every_file_past_a_limit_that_the_benchmark_measures_is_refused_by_name(tmp_path, ledger):
    """The files ``python -m benchmarks.limits`` times (no time asserted here): each one past a limit
    is refused through the real command line — exit 1, a Chinese message naming it, no traceback,
    the ledger unchanged and nothing left beside it — and one within each limit of each format imports."""
    def make(*options: str) -> list[list[str]]:
        made = subprocess.run([sys.executable, "-m", "benchmarks.limits", "--make", str(tmp_path), *options],
                              capture_output=True, text=True, cwd=ROOT, timeout=600)
        assert made.returncode == 0, made.stderr[-2000:]
        return [line.split("\t", 3) for line in made.stdout.splitlines()]

    cases = make("--list")  # every case, nothing written yet
    limits = {(limit, refused) for _, refused, limit, _ in cases if limit}
    assert len({limit for limit, _ in limits}) >= 24
    for limit, _ in limits:  # every limit of every format: a file at it and one just past it
        assert {(limit, "0"), (limit, "1")} <= limits, limit
    past = [(Path(path), label) for path, refused, _, label in cases if refused == "1"]
    assert len(past) >= 30
    # one within each limit of each format is imported below: the last of each format's files (not the
    # 100 MB one at the size limit, which only the benchmark imports); written with every file past a limit
    within = {label.split(" ")[0]: Path(path) for path, refused, limit, label in cases[1:] if refused == "0"
              and not limit.endswith(" size")}
    assert set(within) >= {"xlsx", "xls", "ods", "csv", "docx"}
    assert make("--within", ",".join(path.name for path in within.values())) == cases
    assert all(path.is_file() for path, _ in past) and all(path.is_file() for path in within.values())
    before = table_rows(ledger)
    files = sorted(p.name for p in ledger.parent.iterdir())
    for path, label in past:
        result = run_limited("--db", str(ledger), "import", str(path), "--group", "新小组", cwd=tmp_path)
        _refused(result, path.name)
        assert table_rows(ledger) == before, label
    assert sorted(p.name for p in ledger.parent.iterdir()) == files
    for kind, path in within.items():
        result = run_limited("--db", str(tmp_path / f"{kind}.db"), "import", str(path), "--group", "限度", cwd=tmp_path)
        assert result.returncode == 0, (path.name, result.stderr[-2000:])
    for path, _, _, _ in cases:  # the 100 MB files are not kept among pytest's last runs
        if Path(path).is_file() and Path(path).stat().st_size > 50_000_000:
            Path(path).unlink()


def test_an_ods_declaring_more_merged_ranges_than_the_limit_is_refused_by_count(tmp_path, ledger):
    per_row = 1_000
    path = repeated_text_ods(tmp_path / "合并.ods", rows=sniff.MAX_MERGES // per_row + 1, spans=per_row)
    result = run_limited("--db", str(ledger), "import", str(path), "--group", "新小组", cwd=tmp_path)
    _refused(result, "合并.ods", f"{sniff.MAX_MERGES + per_row:,} 处", "合并单元格")


def test_text_is_counted_as_text_once_not_as_markup_nor_twice(tmp_path):
    """The text budget counts what cells will hold: an .ods of 300,000 short cells is ~24 MB of XML
    but ~2 MB of text (it was refused as text before it reached the cell limit), and the strings of an
    .xls once each, in UTF-8 (its SST was counted once more as part of the workbook stream)."""
    import sys

    sys.path.insert(0, str(ROOT / "tests" / "data"))
    from benchmarks.limits import _ods, _xls_text
    from importers.readers.extent import check_workbook

    ods = _ods(tmp_path / "格.ods", sniff.MAX_CELLS // 20 - 1, 20)
    text = sum(layout.text for layout in check_workbook(ods, "ods").values())
    assert text < 4 * 2**20, text
    long = "文" * 990
    xls = _xls_text(tmp_path / "文.xls", 4_000, long)
    utf8 = sum(len(f"任务{r}{long}".encode()) for r in range(1, 4_001))
    text = sum(layout.text for layout in check_workbook(xls, "xls").values())
    assert utf8 <= text <= utf8 * 1.1, (text, utf8)
