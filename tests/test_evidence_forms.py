"""Returned forms imported from a folder that also holds the files their 佐证材料 column names
(issue 19): the files go in with the forms, matched by name despite extension and numbering
differences; names with no file are reported."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import docx

from importers.evidence_files import name_key, names_in
from tests.conftest import run_cli
from tests.test_rounds_forms import GROUP, _export, _fill, _open_round, _unit_tasks


def test_name_matching_is_tolerant_of_extension_and_numbering():
    assert names_in("参保统计表.pdf；现场照片、 会议纪要\n无") == ["参保统计表.pdf", "现场照片", "会议纪要"]
    key = name_key("参保统计表")
    for spelling in ("参保统计表.pdf", "01-参保统计表.PDF", "附件1：参保统计表.docx", "参保统计表(2).pdf",
                     "参保统计表 - 副本.pdf", "（3）参保 统计表_2.xlsx"):
        assert name_key(spelling) == key, spelling
    assert name_key("参保统计表.pdf") != name_key("参保分析表.pdf")


def test_a_folder_of_forms_with_their_files(demo, tmp_path):
    _open_round(demo)
    forms = _export(demo, tmp_path / "out")
    back = tmp_path / "back"
    back.mkdir()
    civil = list(_unit_tasks(demo, "市民政局"))
    src = shutil.copy(forms["市民政局"], back)
    _fill(Path(src), {0: ("推进中", "已摸底", None, None, "参保统计表；现场照片.jpg"),
                      1: ("已完成", "已建成", "2023-06-30", None, "验收报告.pdf、不存在的文件.doc")})
    (back / "附件").mkdir()
    (back / "01-参保统计表.pdf").write_bytes(b"%PDF table")
    (back / "附件" / "现场照片(1).JPG").write_bytes(b"photo one")
    (back / "附件" / "现场照片(2).jpg").write_bytes(b"photo two")
    report = docx.Document()
    report.add_paragraph("验收报告")
    report.save(str(back / "验收报告.docx"))  # named .pdf in the form, sent as .docx: not a form, evidence

    r = run_cli("--db", str(demo), "import", str(back), "--group", GROUP, "--dry-run")
    assert r.returncode == 0, r.stderr
    assert "文件夹中找到 4 个文件，将附加" in r.stdout
    with sqlite3.connect(demo) as c:
        assert c.execute("SELECT count(*) FROM evidence").fetchone() == (0,)

    with sqlite3.connect(demo) as c:
        last = c.execute("SELECT max(id) FROM history").fetchone()[0]
    r = run_cli("--db", str(demo), "import", str(back), "--group", GROUP)
    assert r.returncode == 0, r.stderr
    assert "已添加佐证材料 4 个" in r.stdout
    assert "市民政局（" in r.stdout and "佐证材料「不存在的文件.doc」在文件夹中没有找到对应的文件" in r.stdout
    with sqlite3.connect(demo) as c:
        rows = c.execute('SELECT e.task_id, e.name, u.name, e."on", e.report_id IS NOT NULL FROM evidence e '
                         "JOIN unit u ON u.id = e.unit_id ORDER BY e.id").fetchall()
        history = [h for (h,) in c.execute("SELECT summary FROM history WHERE id > ? ORDER BY id", (last,))]
    assert sorted(rows) == sorted([
        (civil[0], "01-参保统计表.pdf", "市民政局", "2023-07-01", 1),
        (civil[0], "现场照片(1).JPG", "市民政局", "2023-07-01", 1),
        (civil[0], "现场照片(2).jpg", "市民政局", "2023-07-01", 1),
        (civil[1], "验收报告.docx", "市民政局", "2023-07-01", 1)])
    # the forms and their files are one change (one undo takes both back)
    assert len(history) == 1 and history[0].startswith("导入填报表") and "佐证材料 4 个" in history[0]

    r = run_cli("--db", str(demo), "import", str(back), "--group", GROUP)  # the same folder again
    assert r.returncode == 0, r.stderr
    assert "未重复添加" in r.stdout
    with sqlite3.connect(demo) as c:
        assert c.execute("SELECT count(*) FROM evidence").fetchone() == (4,)


def test_one_undo_takes_back_the_forms_and_their_files(demo, tmp_path):
    from models import operations as ops
    from models.db import Database

    _open_round(demo)
    forms = _export(demo, tmp_path / "out")
    back = tmp_path / "back"
    back.mkdir()
    src = shutil.copy(forms["市民政局"], back)
    _fill(Path(src), {0: ("推进中", "已摸底", None, None, "参保统计表")})
    (back / "参保统计表.pdf").write_bytes(b"%PDF table")
    with sqlite3.connect(demo) as c:
        before = {t: c.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("unit_report", "evidence", "progress")}
    r = run_cli("--db", str(demo), "import", str(back), "--group", GROUP)
    assert r.returncode == 0, r.stderr
    with Database(demo) as db:
        assert ops.undo(db).startswith("导入填报表")
    with sqlite3.connect(demo) as c:
        assert {t: c.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in before} == before
