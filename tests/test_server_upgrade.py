"""Schema upgrades of a server ledger (issue 18): a ledger left at an older version by an older
taizhang is brought up to date when opened — the steps of models.migrations from
SERVER_FIRST_VERSION on are written once and run on a file and on a server alike, on the server
under the ledger's locks in one transaction; a step that fails leaves the ledger as it was.

The tests add a step of their own after today's version (NOW → NOW + 1, this test's only): a new
table with an id column, a new column, and values filled from existing rows. The real step 10 → 11
(evidence_content) is tested in tests/test_evidence_server.py."""

from __future__ import annotations

from datetime import date

import pytest

from models import migrations, store
from models import operations as ops
from models.db import Database
from models.errors import DatabaseError
from models.sql import id_column

# every test here that makes a ledger runs on a file and on a server (tests/conftest.py)
pytestmark = pytest.mark.both_engines

FIRST = migrations.SERVER_FIRST_VERSION
NOW = migrations.CURRENT_VERSION  # what a ledger made by today's program is at


def _step(conn) -> None:
    """A step as a real one would be written: plain statements, one dialect branch (the id)."""
    conn.execute(f"CREATE TABLE test_reminder ({id_column(conn)}, task_id INTEGER NOT NULL REFERENCES task (id), "
                 "text VARCHAR NOT NULL, \"on\" DATE)")
    conn.execute("ALTER TABLE task ADD COLUMN test_words INTEGER")
    for task_id, content, due in conn.execute("SELECT id, content, due FROM task ORDER BY id").fetchall():
        conn.execute("UPDATE task SET test_words = :n WHERE id = :t", {"n": len(content), "t": task_id})
        if due is not None:  # read as ISO text on both engines
            conn.execute('INSERT INTO test_reminder (task_id, text, "on") VALUES (:t, :x, :o)',
                         {"t": task_id, "x": f"{content}将于{due}到期", "o": due})


def _failing_step(conn) -> None:
    _step(conn)
    raise ValueError("第 2 项任务的内容无法处理")


def _make(at):
    db = Database(at)
    try:
        g = ops.create_group(db, "测试领导小组")
        ops.add_task(db, g, "完善养老服务体系", due=date(2023, 12, 31))
        ops.add_task(db, g, "新建老年大学一所")
    finally:
        db.close()


def _read(at) -> dict:
    conn = store.connect(at)
    try:
        return {"task": [tuple(r) for r in conn.execute("SELECT id, content, test_words FROM task ORDER BY id")],
                "reminder": [tuple(r) for r in conn.execute('SELECT id, task_id, text, "on" FROM test_reminder')],
                "history": conn.execute("SELECT count(*) FROM history").fetchone()[0]}
    finally:
        conn.close()


def _version(at) -> int:
    db = Database(at)
    try:
        return db.schema_version
    finally:
        db.close()


def test_one_step_written_once_upgrades_a_file_and_a_server_ledger(ledger_at, monkeypatch):
    _make(ledger_at)  # made at today's version, by the program of today
    monkeypatch.setattr(migrations, "CURRENT_VERSION", NOW + 1)
    monkeypatch.setattr(store, "CURRENT_VERSION", NOW + 1)
    monkeypatch.setitem(migrations.STEPS, NOW, _step)
    assert _version(ledger_at) == NOW + 1
    got = _read(ledger_at)
    assert got["task"] == [(1, "完善养老服务体系", 8), (2, "新建老年大学一所", 8)]
    assert got["reminder"] == [(1, 1, "完善养老服务体系将于2023-12-31到期", "2023-12-31")]
    assert got["history"] == 3  # the upgrade is no change of the ledger's content
    db = Database(ledger_at)  # and the ledger works on: an operation, its undo
    try:
        ops.add_task(db, 1, "第三项")
        assert ops.undo(db) == "新增任务：第三项"
    finally:
        db.close()


def test_a_failing_step_leaves_a_server_ledger_as_it_was(pg_server, monkeypatch):
    url = pg_server.new_ledger()
    _make(url)
    monkeypatch.setattr(migrations, "CURRENT_VERSION", NOW + 1)
    monkeypatch.setitem(migrations.STEPS, NOW, _failing_step)
    with pytest.raises(DatabaseError) as refusal:
        Database(url)
    said = str(refusal.value)
    assert f"从结构版本 {NOW} 升级失败（第 2 项任务的内容无法处理），未作任何改动。" in said
    name = url.split("@/", 1)[1].split("?", 1)[0]
    assert pg_server.sql("SELECT version FROM taizhang_schema", dbname=name) == [(NOW,)]
    assert pg_server.sql("SELECT to_regclass('test_reminder')", dbname=name) == [(None,)]
    assert pg_server.sql("SELECT count(*) FROM information_schema.columns WHERE column_name = 'test_words'",
                         dbname=name) == [(0,)]
    monkeypatch.setitem(migrations.STEPS, NOW, _step)  # the fixed program upgrades it
    assert _version(url) == NOW + 1 and _read(url)["task"][0][2] == 8


def test_a_read_only_account_cannot_upgrade_and_says_who_can(pg_server, monkeypatch):
    url = pg_server.new_ledger()
    _make(url)
    name = url.split("@/", 1)[1].split("?", 1)[0]
    pg_server.sql("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'tz_viewer') "
                  "THEN CREATE ROLE tz_viewer LOGIN; END IF; END $$")
    pg_server.sql("GRANT SELECT ON ALL TABLES IN SCHEMA public TO tz_viewer", dbname=name)
    monkeypatch.setattr(migrations, "CURRENT_VERSION", NOW + 1)
    monkeypatch.setitem(migrations.STEPS, NOW, _step)
    with pytest.raises(DatabaseError, match="这个账号没有修改表结构的权限；请由台账的所有者账号"):
        Database(url.replace("tz_admin@", "tz_viewer@"))
    assert pg_server.sql("SELECT version FROM taizhang_schema", dbname=name) == [(NOW,)]
    assert _version(url) == NOW + 1  # its owner can


def test_a_server_ledger_older_than_the_first_server_version_is_refused(pg_server):
    url = pg_server.new_ledger()
    name = url.split("@/", 1)[1].split("?", 1)[0]
    pg_server.sql(f"UPDATE taizhang_schema SET version = {FIRST - 1}", dbname=name)
    with pytest.raises(DatabaseError, match=f"台账结构版本为 {FIRST - 1}.*不能从这个版本升级"):
        Database(url)
