"""Issue 13: files built to cost gigabytes or hours to read are refused quickly, by name, through the
real command line; ordinary files of the same shapes still import. Each file is built by the test
(``tests/data/hostile.py``, ``xlwt``); none is checked in."""

from __future__ import annotations

import resource
import zipfile
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, TODAY, run_cli, table_rows
from data.builders import write_ods, write_xlsx
from data.hostile import HEADER, overlapping_merges, repeated_text_ods, shared_string_bomb, write_xlsx_raw

from importers import read_file
from importers.readers import sniff, textsize
from importers.records import ImportRefused

MEMORY = 1536 * 1024 * 1024  # address space the child may use: a bomb that got through would abort it


def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def run_limited(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """``taizhang …`` in a child whose memory is capped, so a bomb that got past the guards fails
    the test (exit 134 or a MemoryError) instead of taking the machine down."""
    return subprocess.run([sys.executable, "-m", "taizhang", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=120, preexec_fn=_limited,
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
