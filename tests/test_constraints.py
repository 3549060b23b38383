"""The schema refuses what would corrupt the ledger, with clear messages from the operations."""

from __future__ import annotations


import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from models import operations as ops
from models.changes import OperationError
from conftest import connect_ledger

# every test here that makes a ledger runs on a file and on a server (tests/conftest.py)
pytestmark = pytest.mark.both_engines


def test_duplicate_unit_name_is_refused_with_a_clear_message(db):
    ops.create_unit(db, "县人社局")
    with pytest.raises(OperationError, match="单位「县人社局」已存在"):
        ops.create_unit(db, " 县人社局 ")


def test_bracket_width_does_not_make_a_second_unit(db):
    ops.create_unit(db, "各乡（镇）")
    with pytest.raises(OperationError, match="已存在"):
        ops.create_unit(db, "各乡(镇)")


def test_an_alias_cannot_name_another_unit(db):
    uid = ops.create_unit(db, "县卫健局")
    ops.add_alias(db, uid, "县卫计局")
    with pytest.raises(OperationError, match="已是单位「县卫健局」的别名"):
        ops.create_unit(db, "县卫计局")
    other = ops.create_unit(db, "县民政局")
    with pytest.raises(OperationError, match="已存在"):
        ops.add_alias(db, other, "县卫健局")


def test_duplicate_group_is_refused(db):
    ops.create_group(db, "领导小组")
    with pytest.raises(OperationError, match="已存在"):
        ops.create_group(db, "领导小组")


def test_foreign_keys_are_enforced_on_every_connection(db):
    with pytest.raises(IntegrityError):
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO assignment (task_id, unit_id, role, position) VALUES (999, 999, 'lead', 0)"))


def test_status_and_role_are_checked_by_the_schema(db):
    g = ops.create_group(db, "小组")
    t = ops.add_task(db, g, "任务")
    with pytest.raises(IntegrityError):
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE task SET status = '差不多' WHERE id = :id"), {"id": t})


@pytest.mark.file_only("PRAGMAs are SQLite's")
def test_pragmas_wal_and_busy_timeout(db, db_path):
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar_one() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar_one() >= 5000
    raw = connect_ledger(db_path)
    indexes = {row[1] for row in raw.execute("SELECT * FROM sqlite_master WHERE type = 'index'")}
    raw.close()
    assert {"ix_task_group_status_due", "ix_assignment_unit_role"} <= indexes


@pytest.mark.file_only("the permissions of the ledger file")
def test_database_file_is_private(db_path, db):
    import os
    import stat

    if os.name == "posix":
        assert stat.S_IMODE(db_path.stat().st_mode) == 0o600
