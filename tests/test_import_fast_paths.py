"""Issue 17: the short cuts that make a large import faster give what the plain way gives.

* The text guard counts the shared strings a sheet's cells refer to a window at a time, at C speed
  (``extent._add_shared``); a cell cut by a window's end must still be counted once, whatever the
  window size, without falling back to the slow count: the count is compared with one made over the
  whole sheet at once.
* The shared strings' sizes are measured by one split of the part read whole when it is written the
  usual way (``textsize._plain_sizes``); on any other writing it must give way to the tag-by-tag
  reading, never a different answer: random parts of usual and unusual tags are measured both ways.
* A first import into a ledger without tasks drops the secondary indexes and the triggers of task,
  assignment and target and creates them again after the rows (``load._drop_for_bulk``): the ledger
  then has the very indexes and triggers a new ledger has (and the triggers keep the 总览 figures
  from then on), and an import that fails before its commit leaves them as they were.
"""

from __future__ import annotations

import io
import random
import re
import sqlite3
import zipfile
from pathlib import Path

import pytest
import xlsxwriter
from conftest import ROOT, table_rows

from importers.load import load
from importers.readers import extent, textsize
from importers.table import read_task_table
from models import store, task_figures

SAMPLE = ROOT / "sample_data" / "闽清县老龄事业重点任务分工表.xlsx"


def _sheet_of_shared_strings(path: Path, rows: int) -> Path:
    """An .xlsx whose cells are all shared strings of different lengths (xlsxwriter writes them
    t="s"><v>N</v>), its sheet XML several windows long."""
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("表")
    for r in range(rows):
        for c in range(6):
            sheet.write_string(r, c, "任务" * (1 + (r * 7 + c * 3) % 23) + str(r % 997))
    book.close()
    return path


def _references_counted_whole(path: Path) -> int:
    """The bytes of shared text the cells refer to, counted over the sheet read whole."""
    with zipfile.ZipFile(path) as archive:
        sizes = textsize.shared_string_sizes(archive)
        xml = archive.read("xl/worksheets/sheet1.xml")
    return sum(sizes[int(i)] for i in re.findall(rb't="s"><v>([0-9]+)</v>', xml))


@pytest.mark.parametrize("chunk", [1 << 20, 5_003, 4_177, 8_192])
def test_the_text_guard_counts_each_reference_once_whatever_the_windows(tmp_path, monkeypatch, chunk):
    book = _sheet_of_shared_strings(tmp_path / "长表.xlsx", rows=9_000)
    with zipfile.ZipFile(book) as archive:
        assert archive.getinfo("xl/worksheets/sheet1.xml").file_size > 1.5 * (1 << 20)  # several windows
    monkeypatch.setattr(extent, "CHUNK", chunk)
    careful: list[str] = []  # the slow count over the whole sheet, which an ordinary sheet should not need
    slow = textsize.shared_references
    monkeypatch.setattr(textsize, "shared_references", lambda *args: careful.append(args[1]) or slow(*args))
    layouts = extent.check_workbook(book, "xlsx")
    assert careful == []
    whole = _references_counted_whole(book)
    assert whole > textsize.MAX_TEXT_BYTES // 16  # a real amount of text, not a trivial sum
    # the sheet's own count is exactly the references; the first sheet also holds the strings once
    assert layouts["表"].text == whole


def test_a_reference_past_the_last_shared_string_counts_nothing_and_the_others_count(tmp_path):
    book = _sheet_of_shared_strings(tmp_path / "表.xlsx", rows=50)
    with zipfile.ZipFile(book) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
        sizes = textsize.shared_string_sizes(archive)
    sheet = parts["xl/worksheets/sheet1.xml"]
    parts["xl/worksheets/sheet1.xml"] = sheet.replace(b't="s"><v>3</v>', b't="s"><v>99999</v>', 1)
    odd = tmp_path / "越界.xlsx"
    with zipfile.ZipFile(odd, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    counted = sum(sizes[int(i)] for i in re.findall(rb't="s"><v>([0-9]+)</v>', sheet))
    assert extent.check_workbook(odd, "xlsx")["表"].text == counted - sizes[3] > 0


_PIECES = [b"<si>", b"</si>", b"<t>", b"</t>", "文字".encode(), b"abc", b"\n", b'<si xml:space="preserve">',
           b"<x:si>", b"</x:si>", b"<si/>", b"</si >", b"<sin>", b"<si\t>", b"</si><si>", b"<r><t>x</t></r>"]


def _streamed(data: bytes) -> list[int]:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/sharedStrings.xml", data)
    with zipfile.ZipFile(buffer) as archive:
        return textsize._streamed_sizes(archive, "xl/sharedStrings.xml")


def test_the_shared_strings_split_gives_what_the_tag_by_tag_reading_gives():
    rng = random.Random(17)
    usual = plain = 0
    for case in range(3_000):
        if case % 2:  # the usual writing, sometimes with one odd piece put in
            body = b"".join(b"<si><t>" + rng.choice(_PIECES[4:6]) * rng.randint(0, 5) + b"</t></si>"
                            for _ in range(rng.randint(0, 6)))
            if case % 3 == 0 and body:
                at = rng.randrange(len(body))
                body = body[:at] + rng.choice(_PIECES) + body[at:]
        else:
            body = b"".join(rng.choice(_PIECES) for _ in range(rng.randint(0, 12)))
        data = b'<?xml version="1.0"?><sst xmlns="x">' + body + b"</sst>"
        fast = textsize._plain_sizes(data)
        if fast is not None:
            plain += 1
            usual += b"<x:si>" not in data and b"<si/>" not in data
            assert fast == _streamed(data), data
    assert plain > 1_000 and usual == plain  # most parts took the split; none of the odd ones did


def test_a_large_shared_strings_part_is_measured_as_a_stream(tmp_path, monkeypatch):
    book = _sheet_of_shared_strings(tmp_path / "表.xlsx", rows=300)
    with zipfile.ZipFile(book) as archive:
        whole = textsize.shared_string_sizes(archive)
        monkeypatch.setattr(textsize, "WHOLE_PART_BYTES", 1_000)
        monkeypatch.setattr(textsize, "_plain_sizes", lambda data: pytest.fail("read whole"))
        assert textsize.shared_string_sizes(archive) == whole and len(whole) > 100


def _indexes(path: Path) -> list[tuple]:
    """The ledger's indexes and triggers, as sqlite_master holds them."""
    conn = sqlite3.connect(path)
    try:
        return sorted(conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master "
                                   "WHERE type IN ('index', 'trigger')"))
    finally:
        conn.close()


def test_a_first_import_leaves_the_indexes_a_new_ledger_has(tmp_path):
    new, imported = tmp_path / "new.db", tmp_path / "imported.db"
    store.connect(new).close()
    table = read_task_table(SAMPLE)
    load(imported, table, "闽清")
    assert _indexes(imported) == _indexes(new)
    assert any(name == "ix_assignment_unit_role" for _, name, _, _ in _indexes(imported))
    assert {"task_figure_task_insert", "task_figure_assignment_insert", "task_figure_target_insert"} <= {
        name for kind, name, _, _ in _indexes(imported) if kind == "trigger"}
    conn = sqlite3.connect(imported)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        used = conn.execute("EXPLAIN QUERY PLAN SELECT task_id FROM assignment WHERE unit_id = 1 AND role = 'lead'")
        assert "ix_assignment_unit_role" in " ".join(str(row) for row in used)
        assert conn.execute("SELECT count(*) FROM task").fetchone()[0] == len(table.tasks)
        # the 总览 figures written after the rows are those worked out again task by task, and the
        # triggers created again keep them from then on
        figures = conn.execute("SELECT * FROM task_figure ORDER BY task_id").fetchall()
        assert len(figures) == len(table.tasks)
        task_figures.refresh(conn)
        assert conn.execute("SELECT * FROM task_figure ORDER BY task_id").fetchall() == figures
        first, status = conn.execute("SELECT id, status FROM task ORDER BY id LIMIT 1").fetchone()
        assert status != "已完成"
        conn.execute("UPDATE task SET status = '已完成', done_on = '2024-03-01' WHERE id = ?", (first,))
        assert conn.execute("SELECT status, done_on FROM task_figure WHERE task_id = ?", (first,)).fetchone() == (
            "已完成", "2024-03-01")
        conn.rollback()
    finally:
        conn.close()
    load(imported, read_task_table(SAMPLE), "另一个领导小组")  # into a ledger with tasks: nothing dropped
    assert _indexes(imported) == _indexes(new)


def test_a_first_import_that_fails_before_its_commit_leaves_the_ledger_and_its_indexes(tmp_path):
    path = tmp_path / "ledger.db"
    store.connect(path).close()
    indexes, rows = _indexes(path), table_rows(path)

    def fail() -> None:
        raise OSError("备份失败")

    with pytest.raises(OSError):
        load(path, read_task_table(SAMPLE), "闽清", before_commit=fail)
    assert _indexes(path) == indexes
    assert table_rows(path) == rows
