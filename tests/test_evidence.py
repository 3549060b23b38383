"""Evidence (佐证材料, issue 19): the content-addressed store, attach / delete / rename with undo,
verify on read, backups that do not copy the files again, the upgrade from version 7."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import pytest

from models import evidence as ev
from models.changes import OperationError


@pytest.fixture
def ledger(db):
    from models import operations as ops

    group = ops.create_group(db, "民生实事工作专班")
    ops.create_unit(db, "县人社局")
    ops.create_unit(db, "县民政局")
    t1 = ops.add_task(db, group, "基本养老保险参保率达到90%", category="健全完善社会保障体系", category_number="一")
    t2 = ops.add_task(db, group, "建设社区养老服务中心", category="健全完善社会保障体系", category_number="一")
    return db, group, t1, t2


def _file(folder: Path, name: str, content: bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(content)
    return path


def _listed(db, task_id):
    conn = sqlite3.connect(db.path)
    try:
        return ev.task_evidence(conn, db.path, task_id)
    finally:
        conn.close()


def test_attach_stores_once_private_and_lists_name_unit_date(ledger, tmp_path):
    db, _, t1, t2 = ledger
    photo = _file(tmp_path / "in", "现场照片.jpg", b"JPEG" * 1000)
    table = _file(tmp_path / "in", "参保统计表.pdf", b"%PDF-1.4 table")
    same_photo = _file(tmp_path / "other", "IMG_0001.jpg", b"JPEG" * 1000)  # another unit, same photo

    done = ev.attach(db, t1, [photo, table], unit="县人社局")
    assert done.names == ["现场照片.jpg", "参保统计表.pdf"] and not done.refused
    ev.attach(db, t2, [same_photo], unit="县民政局")
    again = ev.attach(db, t1, [same_photo])  # the same content on the same task: not twice
    assert again.ids == [] and again.already == ["IMG_0001.jpg"]
    assert "内容相同" in again.describe()

    rows = _listed(db, t1)
    assert [(r.name, r.unit, r.on.isoformat(), r.size, r.state) for r in rows] == [
        ("现场照片.jpg", "县人社局", "2023-07-01", 4000, ev.OK), ("参保统计表.pdf", "县人社局", "2023-07-01", 14, ev.OK)]
    store = ev.store_dir(db.path)
    assert store == db.path.with_name("ledger.db.files")
    files = [p for p in store.rglob("*") if p.is_file()]
    assert len(files) == 2  # the photo is stored once for both tasks
    assert stat.S_IMODE(store.stat().st_mode) == 0o700
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in files)
    assert ev.stored_path(db.path, rows[0].sha256).read_bytes() == b"JPEG" * 1000


def test_too_large_and_missing_files_are_refused_with_a_message(ledger, tmp_path, monkeypatch):
    db, _, t1, _ = ledger
    monkeypatch.setattr(ev, "MAX_SIZE", 10)
    big = _file(tmp_path, "航拍视频.mp4", b"x" * 11)
    small = _file(tmp_path, "通知.docx", b"doc")
    done = ev.attach(db, t1, [big, small, tmp_path / "没有这个.pdf"])
    assert done.names == ["通知.docx"]
    assert any("航拍视频.mp4" in m and "上限" in m for m in done.refused)
    assert any("找不到文件" in m for m in done.refused)
    assert [r.name for r in _listed(db, t1)] == ["通知.docx"]


def test_tampered_or_missing_store_file_is_reported_never_valid(ledger, tmp_path):
    db, _, t1, _ = ledger
    ev.attach(db, t1, [_file(tmp_path, "a.pdf", b"original a"), _file(tmp_path, "b.pdf", b"original b")])
    a, b = _listed(db, t1)
    path_a = ev.stored_path(db.path, a.sha256)
    os.chmod(path_a, 0o600)
    path_a.write_bytes(b"ORIGINAL A")  # same size, other content: only the hash sees it
    ev.stored_path(db.path, b.sha256).unlink()
    a, b = _listed(db, t1)
    assert b.state == ev.MISSING and b.state_text == "文件缺失"
    assert ev.verify(db.path, a.sha256, a.size) == ev.CHANGED
    with pytest.raises(OperationError, match="已被改动"):
        ev.open_evidence(db.path, a, opener=lambda p: pytest.fail("opened a changed file"))
    with pytest.raises(OperationError, match="缺失"):
        ev.open_evidence(db.path, b, opener=lambda p: pytest.fail("opened a missing file"))


def test_open_hands_a_verified_copy_under_its_name_to_the_viewer(ledger, tmp_path):
    db, _, t1, _ = ledger
    ev.attach(db, t1, [_file(tmp_path, "统计表.xlsx", b"xlsx bytes")])
    (row,) = _listed(db, t1)
    opened = []
    ev.open_evidence(db.path, row, opener=opened.append)
    assert opened[0].name.endswith("统计表.xlsx") and opened[0].read_bytes() == b"xlsx bytes"
    assert ev.viewer_command(Path("x.pdf"), "linux") == ["xdg-open", "x.pdf"]
    assert ev.viewer_command(Path("x.pdf"), "darwin") == ["open", "x.pdf"]
    assert ev.viewer_command(Path("x.pdf"), "win32") is None


def test_delete_and_rename_are_undoable(ledger, tmp_path):
    from models.editing import redo
    from models.operations import undo

    db, _, t1, _ = ledger
    ev.attach(db, t1, [_file(tmp_path, "方案.docx", b"plan")])
    (row,) = _listed(db, t1)
    ev.rename_evidence(db, row.id, "实施方案.docx")
    assert [r.name for r in _listed(db, t1)] == ["实施方案.docx"]
    ev.delete_evidence(db, row.id)
    assert _listed(db, t1) == []
    assert undo(db) == "删除佐证材料：基本养老保险参保率达到90% — 实施方案.docx"
    (back,) = _listed(db, t1)
    assert (back.id, back.name, back.state) == (row.id, "实施方案.docx", ev.OK)  # the content stayed in the store
    assert undo(db).startswith("佐证材料改名")
    assert [r.name for r in _listed(db, t1)] == ["方案.docx"]
    redo(db)
    assert [r.name for r in _listed(db, t1)] == ["实施方案.docx"]
    with pytest.raises(OperationError, match="不能为空"):
        ev.rename_evidence(db, row.id, "  ")


def test_deleting_a_task_takes_its_evidence_and_undo_brings_it_back(ledger, tmp_path):
    from models.editing import delete_task
    from models.operations import undo

    db, _, t1, _ = ledger
    ev.attach(db, t1, [_file(tmp_path, "a.pdf", b"a")])
    delete_task(db, t1)
    undo(db)
    assert [r.name for r in _listed(db, t1)] == ["a.pdf"]


def test_backups_carry_evidence_without_copying_files_again(ledger, tmp_path):
    from models import backup

    db, _, t1, _ = ledger
    ev.attach(db, t1, [_file(tmp_path, "照片.jpg", b"photo" * 5000)])
    store = ev.store_dir(db.path)
    before = {p: p.stat().st_mtime_ns for p in store.rglob("*") if p.is_file()}
    first = backup.make_backup(db.path, "manual")
    (row,) = _listed(db, t1)
    ev.delete_evidence(db, row.id)
    second = backup.make_backup(db.path, "manual")
    assert {p: p.stat().st_mtime_ns for p in store.rglob("*") if p.is_file()} == before  # nothing copied again
    assert not any(p.suffix == ".files" for p in backup.backup_dir(db.path).iterdir())
    backup.restore(db.path, first)
    (back,) = _listed(db, t1)
    assert back.name == "照片.jpg" and back.state == ev.OK
    assert ev.verify(db.path, back.sha256, back.size) == ev.OK
    assert second != first


def test_upgrade_from_version_7_adds_the_evidence_table(db_path):
    from models.db import Database
    from models.migrations import CURRENT_VERSION

    Database(db_path).close()
    conn = sqlite3.connect(db_path)
    for (trigger,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
        conn.execute(f"DROP TRIGGER {trigger}")  # the 总览 figures' (version 10), with their tables
    conn.execute("DROP TABLE task_figure")
    conn.execute("DROP TABLE task_figure_pause")
    conn.execute("DROP TABLE evidence")
    conn.execute("DROP TABLE import_tombstone")  # version 9's
    conn.execute("DROP TABLE evidence_content")  # version 11's
    conn.execute("DROP TABLE round_unit_figure")  # version 12's
    conn.execute("INSERT INTO work_group (id, name, created_at) VALUES (1, '甲组', '2023-01-01 09:00:00')")
    conn.execute("PRAGMA user_version = 7")
    conn.commit()
    conn.close()
    db = Database(db_path)
    db.close()
    conn = sqlite3.connect(db_path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == CURRENT_VERSION >= 8
    assert conn.execute("SELECT count(*) FROM evidence").fetchone() == (0,)
    assert "AUTOINCREMENT" in conn.execute("SELECT sql FROM sqlite_master WHERE name = 'evidence'").fetchone()[0]
    conn.close()


def test_export_tree_ledger_hyperlinks_zip_and_windows_lengths(ledger, tmp_path):
    import zipfile

    import openpyxl

    from tests.conftest import run_cli

    db, _, t1, t2 = ledger
    long_name = "关于" + "基本养老保险参保扩面工作推进情况" * 4 + "的统计表.pdf"
    ev.attach(db, t1, [_file(tmp_path / "in", "参保统计表.pdf", b"%PDF stats"),
                       _file(tmp_path / "in", long_name, b"%PDF long"),
                       _file(tmp_path / "in", "bad:name?.jpg", b"img")], unit="县人社局")
    ev.attach(db, t1, [_file(tmp_path / "in", "lost.pdf", b"lost")])
    lost = [r for r in _listed(db, t1) if r.name == "lost.pdf"][0]
    ev.stored_path(db.path, lost.sha256).unlink()
    out = tmp_path / "验收"
    r = run_cli("--db", str(db.path), "export", str(out), "--kind", "evidence", "--zip")
    assert r.returncode == 0, r.stderr
    root = out / "民生实事工作专班验收资料"
    assert f"已导出验收资料：{root}" in r.stdout
    assert "没有佐证材料的任务 1 项" in r.stdout
    assert "lost.pdf" in r.stderr and "文件缺失" in r.stderr
    first = root / "一、健全完善社会保障体系" / "1.基本养老保险参保率达到90%" / "01-县人社局-参保统计表.pdf"
    assert first.read_bytes() == b"%PDF stats"
    files = [p for p in root.rglob("*") if p.is_file()]
    assert len(files) == 4  # three copied, the lost one not; and the 台账
    assert all(len(str(p.absolute())) <= 259 for p in files)
    assert any(p.name.endswith("的统计表.pdf") is False and p.suffix == ".pdf" and "…" in p.name for p in files)
    assert any(p.name == "03-县人社局-bad_name_.jpg" for p in files)

    ws = openpyxl.load_workbook(root / "资料台账.xlsx").active
    assert ws["A1"].value == "民生实事工作专班验收资料台账"
    links = []
    for row in ws.iter_rows(min_row=3):
        if row[9].hyperlink is not None:
            links.append(row[9].hyperlink.target)
    assert len(links) == 3
    from urllib.parse import unquote

    for target in links:  # stored URL-escaped (% as %25), as Excel reads them
        resolved = root / unquote(target).replace("\\", "/")
        assert resolved.is_file(), target
    texts = [[c.value for c in row] for row in ws.iter_rows(min_row=3)]
    missing = [t for t in texts if t[5] == "无佐证材料"]
    assert [t[2] for t in missing] == ["建设社区养老服务中心"]
    row_of_missing = next(row for row in ws.iter_rows(min_row=3) if row[5].value == "无佐证材料")
    assert row_of_missing[5].fill.fgColor.rgb.endswith("FFEB9C")
    assert any(t[5] == "lost.pdf" and t[9] == "文件缺失，未导出" for t in texts)

    archive = out / "民生实事工作专班验收资料.zip"
    with zipfile.ZipFile(archive) as z:
        infos = z.infolist()
        names = {i.filename for i in infos}
        assert "民生实事工作专班验收资料/一、健全完善社会保障体系/1.基本养老保险参保率达到90%/01-县人社局-参保统计表.pdf" in names
        assert all(i.flag_bits & 0x800 for i in infos)  # UTF-8 names


def test_a_deep_output_folder_cuts_names_to_fit_windows_paths(ledger, tmp_path):
    from exporters.evidence import write_tree

    db, _, t1, _ = ledger
    ev.attach(db, t1, [_file(tmp_path / "in", "很长的材料名称" * 8 + ".docx", b"doc")])
    deep = tmp_path / ("深" * 60) / ("层" * 40)
    conn = sqlite3.connect(db.path)
    try:
        written = write_tree(conn, db.path, "民生实事工作专班", deep)
    finally:
        conn.close()
    files = [p for p in written.root.rglob("*.docx")]
    assert len(files) == 1 and files[0].suffix == ".docx"
    assert len(str(files[0].absolute())) <= 259


def test_merging_units_moves_their_evidence(ledger, tmp_path):
    from models import operations as ops

    db, _, t1, _ = ledger
    ev.attach(db, t1, [_file(tmp_path, "a.pdf", b"a")], unit="县民政局")
    with db.session() as s:
        keep, gone = (ops.find_unit(s, n).id for n in ("县人社局", "县民政局"))
    ops.merge_units(db, keep, gone)
    assert [r.unit for r in _listed(db, t1)] == ["县人社局"]
