"""Evidence files on a server ledger (issue 18): their content kept on the server (evidence_content,
in parts, by SHA-256), added by one process and read whole by another, exported, carried by `copy`
both ways and by `backup` into the form a ledger file keeps (its .files folder); refused to a
read-only account; checked against its hash on every read; the schema step 10 → 11 on both engines."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest
from conftest import run_cli

from models import evidence as ev
from models.db import Database
from models.errors import OperationError
from models.evidence_content import PART
from models.store import connect


def _files(folder: Path) -> dict[str, bytes]:
    folder.mkdir(parents=True, exist_ok=True)
    made = {"现场照片.jpg": b"\xff\xd8" + os.urandom(40_000),
            "验收视频.mp4": os.urandom(2 * PART + 12_345),  # three parts on a server
            "空白回执.txt": b""}
    for name, content in made.items():
        (folder / name).write_bytes(content)
    return made


def _listed(at, task_id: int) -> list:
    conn = connect(at)
    try:
        return ev.task_evidence(conn, at, task_id)
    finally:
        conn.close()


def _opened(at, row) -> bytes:
    got = []
    ev.open_evidence(at, row, opener=got.append)
    return got[0].read_bytes()


def _dump(at, out: Path) -> dict:
    done = run_cli("--db", str(at), "export", str(out))
    assert done.returncode == 0, done.stderr
    return json.loads(out.read_text(encoding="utf-8"))


def test_evidence_on_a_server_is_read_by_another_process_exported_copied_and_backed_up(demo, pg_server, tmp_path):
    pg_url, again_url = (pg_server.url(pg_server.new_database()) for _ in range(2))
    made = _files(tmp_path / "in")
    with Database(demo) as db:
        first = ev.attach(db, 1, [tmp_path / "in" / "现场照片.jpg"], unit="市民政局")
        assert first.names == ["现场照片.jpg"], first.describe()
    up = run_cli("copy", str(demo), pg_url)  # file → server: the file's content goes along
    assert up.returncode == 0 and not up.stderr, up.stderr

    with Database(pg_url) as db:  # a PC adds files to the server ledger
        done = ev.attach(db, 2, [tmp_path / "in" / n for n in ("验收视频.mp4", "空白回执.txt")])
        assert done.names == ["验收视频.mp4", "空白回执.txt"] and not done.refused
        again = ev.attach(db, 3, [tmp_path / "in" / "验收视频.mp4"])  # the same video on another task
        assert again.names == ["验收视频.mp4"]
    parts = [tuple(r) for r in connect(pg_url).execute(
        "SELECT sha256, count(*), sum(length(data)) FROM evidence_content GROUP BY sha256 ORDER BY 3")]
    assert sorted((n, s) for _, n, s in parts) == sorted([(1, 0), (1, 40_002), (3, 2 * PART + 12_345)])  # once each

    # another process reads them whole: the evidence export of the server ledger
    tree = tmp_path / "验收"
    tree.mkdir()
    exported = run_cli("--db", pg_url, "export", str(tree), "--kind", "evidence", "--group", "闽清县老龄工作领导小组")
    assert exported.returncode == 0 and not exported.stderr, exported.stderr
    assert "材料 4 个" in exported.stdout
    copied = {p.name.split("-", 1)[1] if p.name[:2].isdigit() else p.name: p.read_bytes()
              for p in tree.rglob("*") if p.is_file() and p.suffix != ".xlsx"}
    assert {name.removeprefix("市民政局-"): content for name, content in copied.items()} == made
    for task_id, names in ((1, ["现场照片.jpg"]), (2, ["验收视频.mp4", "空白回执.txt"]), (3, ["验收视频.mp4"])):
        rows = _listed(pg_url, task_id)
        assert [(r.name, r.state) for r in rows] == [(n, ev.OK) for n in names]
        assert [_opened(pg_url, r) for r in rows] == [made[n] for n in names]

    # server → file: the files into the new ledger's .files folder, byte for byte; the dumps equal
    back = tmp_path / "back.db"
    down = run_cli("copy", pg_url, str(back))
    assert down.returncode == 0 and not down.stderr, down.stderr
    assert _dump(back, tmp_path / "b.json") == _dump(pg_url, tmp_path / "s.json")
    for task_id in (1, 2, 3):
        rows = _listed(back, task_id)
        assert all(r.state == ev.OK for r in rows)
        assert [ev.stored_path(back, r.sha256).read_bytes() for r in rows] == [_opened(pg_url, r) for r in rows]
    assert sqlite3.connect(back).execute("SELECT count(*) FROM evidence_content").fetchone() == (0,)

    # and up again onto another server ledger (file → server → file → server): the same files
    assert run_cli("copy", str(back), again_url).returncode == 0
    assert [_opened(again_url, r) for r in _listed(again_url, 2)] == [made["验收视频.mp4"], made["空白回执.txt"]]

    # backup of the server ledger: a snapshot file whose files open as a file ledger's
    saved = run_cli("--db", pg_url, "backup")
    assert saved.returncode == 0, saved.stderr
    snapshot = Path(saved.stdout.split("已备份：", 1)[1].splitlines()[0])
    assert [(r.name, r.state, _opened(snapshot, r)) for r in _listed(snapshot, 2)] == [
        ("验收视频.mp4", ev.OK, made["验收视频.mp4"]), ("空白回执.txt", ev.OK, b"")]


def test_content_missing_or_changed_on_the_server_is_said_never_handed_out(pg_server, tmp_path):
    url = pg_server.new_ledger()
    made = _files(tmp_path / "in")
    with Database(url) as db:
        from models import operations as ops

        g = ops.create_group(db, "测试领导小组")
        t = ops.add_task(db, g, "完善养老服务体系")
        ev.attach(db, t, [tmp_path / "in" / n for n in ("现场照片.jpg", "验收视频.mp4")])
    photo, video = _listed(url, t)
    dbname = url.split("@/", 1)[1].split("?", 1)[0]
    pg_server.sql(f"UPDATE evidence_content SET data = 'x' || substr(data, 2) WHERE sha256 = '{video.sha256}' "
                  "AND part = 1", dbname=dbname)  # same size, other bytes: only the hash sees it
    pg_server.sql(f"DELETE FROM evidence_content WHERE sha256 = '{photo.sha256}'", dbname=dbname)
    photo, video = _listed(url, t)
    assert (photo.state, video.state) == (ev.MISSING, ev.OK)  # the list's cheap check: sizes
    with pytest.raises(OperationError, match="文件缺失"):
        ev.open_evidence(url, photo, opener=lambda p: pytest.fail("opened missing content"))
    with pytest.raises(OperationError, match="已被改动"):
        ev.open_evidence(url, video, opener=lambda p: pytest.fail("opened changed content"))
    tree = tmp_path / "验收"
    tree.mkdir()
    exported = run_cli("--db", url, "export", str(tree), "--kind", "evidence")
    assert exported.returncode == 0, exported.stderr
    assert "现场照片.jpg」文件缺失，未导出" in exported.stderr and "验收视频.mp4」文件已被改动，未导出" in exported.stderr
    assert not [p for p in tree.rglob("*") if p.is_file() and p.suffix != ".xlsx"]  # nothing half-true written
    back = tmp_path / "back.db"
    down = run_cli("copy", url, str(back))
    assert down.returncode == 0, down.stderr
    assert "有 2 个佐证材料文件在来源台账中缺失或已被改动，未能复制" in down.stderr
    assert [r.state for r in _listed(back, t)] == [ev.MISSING, ev.MISSING]
    assert made  # (the originals are untouched on disk)


def test_a_read_only_account_adding_evidence_is_refused_and_nothing_is_written(pg_server, tmp_path, monkeypatch):
    from models import operations as ops
    from models.server import READ_ONLY_MESSAGE

    url = pg_server.new_ledger()
    with Database(url) as db:
        t = ops.add_task(db, ops.create_group(db, "测试领导小组"), "完善养老服务体系")
    dbname = url.split("@/", 1)[1].split("?", 1)[0]
    role = f"tz_ev_ro_{os.getpid()}"
    pg_server.sql(f"CREATE ROLE {role} LOGIN")
    pg_server.sql(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}", dbname=dbname)
    leader = pg_server.url(dbname, role)
    _files(tmp_path / "in")
    with Database(leader) as db, pytest.raises(OperationError) as refusal:
        ev.attach(db, t, [tmp_path / "in" / "现场照片.jpg"])
    assert str(refusal.value) == READ_ONLY_MESSAGE
    assert pg_server.sql("SELECT (SELECT count(*) FROM evidence_content) + (SELECT count(*) FROM evidence) "
                         "+ (SELECT count(*) FROM history WHERE action = 'attach_evidence')", dbname=dbname) == [(0,)]
    # too large, as on a file: refused by name, the others added
    monkeypatch.setattr(ev, "MAX_SIZE", 50_000)
    with Database(url) as db:
        done = ev.attach(db, t, [tmp_path / "in" / "验收视频.mp4", tmp_path / "in" / "现场照片.jpg"])
    assert done.names == ["现场照片.jpg"] and any("验收视频.mp4" in m and "上限" in m for m in done.refused)
    assert pg_server.sql("SELECT count(*) FROM evidence_content", dbname=dbname) == [(1,)]


@pytest.mark.both_engines
def test_the_step_to_version_11_adds_the_content_table_on_a_file_and_a_server(ledger_at, tmp_path):
    from models import migrations
    from models import operations as ops

    with Database(ledger_at) as db:
        t = ops.add_task(db, ops.create_group(db, "测试领导小组"), "完善养老服务体系")
    conn = connect(ledger_at)  # as version 10 left it
    try:
        conn.execute("BEGIN")
        conn.execute("DROP TABLE evidence_content")
        from models import round_figures

        round_figures.drop(conn)  # version 12's, and task_figure's two columns of version 12
        if isinstance(ledger_at, str):
            conn.execute("ALTER TABLE task_figure DROP COLUMN last_round CASCADE, DROP COLUMN lead_filled CASCADE")
        else:
            for (trigger,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
                conn.execute(f"DROP TRIGGER {trigger}")
            conn.execute("DROP INDEX ix_task_figure_count")
            conn.execute("ALTER TABLE task_figure DROP COLUMN last_round")
            conn.execute("ALTER TABLE task_figure DROP COLUMN lead_filled")
        if isinstance(ledger_at, str):
            conn.execute("UPDATE taizhang_schema SET version = 10")
        else:
            conn.execute("PRAGMA user_version = 10")
        conn.commit()
    finally:
        conn.close()
    with Database(ledger_at) as db:
        assert db.schema_version == migrations.CURRENT_VERSION == 12
        (tmp_path / "a.pdf").write_bytes(b"%PDF minutes")
        assert ev.attach(db, t, [tmp_path / "a.pdf"]).names == ["a.pdf"]
    (row,) = _listed(ledger_at, t)
    assert row.state == ev.OK and _opened(ledger_at, row) == b"%PDF minutes"
    conn = connect(ledger_at)
    try:
        stored = conn.execute("SELECT count(*) FROM evidence_content").fetchone()[0]
    finally:
        conn.close()
    assert stored == (1 if isinstance(ledger_at, str) else 0)  # a file keeps its .files folder
