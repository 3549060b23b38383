"""Every schema version taizhang ever released opens with today's program: real ledger files made by
the released code of versions 2 … 9 (tests/data/old_ledgers, made by make.py there) upgrade on the
first command without a traceback and without losing a row. A file whose version number does not
match its tables (made by a development build) is refused with a Chinese message naming it, and
left byte for byte as it was; a step that fails half-way leaves the file at its old version."""

from __future__ import annotations

import gzip
import hashlib
import json
import sqlite3
from pathlib import Path

import pytest
from conftest import run_cli

from models import migrations, store
from models.errors import DatabaseError
from models.migrations import CURRENT_VERSION

OLD = Path(__file__).parent / "data" / "old_ledgers"
RELEASED = [2, 3, 4, 5, 6, 7, 8, 9]


def _unpack(name: str, tmp_path: Path) -> Path:
    path = tmp_path / name.replace(".gz", "")
    path.write_bytes(gzip.decompress((OLD / name).read_bytes()))
    return path


def _rows(path: Path) -> dict[str, tuple[list[str], list[tuple]]]:
    conn = sqlite3.connect(path)
    try:
        tables = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
        out = {}
        for table in tables:
            columns = [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')]
            names = ", ".join(f'"{c}"' for c in columns)
            out[table] = columns, conn.execute(f'SELECT {names} FROM "{table}" ORDER BY id').fetchall()
        return out
    finally:
        conn.close()


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("version", RELEASED)
def test_a_ledger_of_every_released_version_upgrades_keeping_every_row(version, tmp_path):
    path = _unpack(f"v{version}.db.gz", tmp_path)
    before = _rows(path)
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == version
    conn.close()
    assert len(before["task"][1]) == 27 and before["history"][1]

    out = tmp_path / "dump.json"
    result = run_cli("--db", str(path), "export", str(out))
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr

    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == CURRENT_VERSION
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    for table, (columns, rows) in before.items():  # every row, every value it had
        names = ", ".join(f'"{c}"' for c in columns)
        assert conn.execute(f'SELECT {names} FROM "{table}" ORDER BY id').fetchall() == rows, table
    conn.close()
    # what the program reads of it: the tasks with their statuses and progress, the roster
    dump = json.loads(out.read_text(encoding="utf-8"))
    tasks = [t for g in dump["groups"] for t in g["tasks"]]
    assert len(tasks) == 27
    assert sum(t["status"] == "已完成" for t in tasks) >= 1
    assert {p["text"] for t in tasks for p in t["progress"]} >= {"已完成选址，正在办理用地手续", "已印发实施方案"}
    members = [m for g in dump["groups"] for m in g["members"]]
    assert any(m["name"] == "王新任" for m in members) and any(m["successor"] == "王新任" for m in members)
    # the upgrade backup holds the file as the old version wrote it
    backups = sorted((tmp_path / "backups").glob("*-upgrade.db"))
    assert len(backups) == 1 and _rows(backups[0]) == before

    # and it keeps working: a change, its history, undo
    result = run_cli("--db", str(path), "undo")
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr


@pytest.mark.parametrize("name", ["dev-v3-eb416a8.db.gz", "dev-v3-970038c.db.gz"])
def test_a_file_whose_tables_are_not_what_its_version_says_is_refused_unchanged(name, tmp_path):
    path = _unpack(name, tmp_path)
    digest = _digest(path)
    result = run_cli("--db", str(path), "export", str(tmp_path / "dump.json"))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "Error" not in result.stderr
    assert f"「{path}」的结构与它标明的结构版本 3 不符" in result.stderr
    assert "import_source" in result.stderr and "文件未作任何改动" in result.stderr
    assert _digest(path) == digest and not (tmp_path / "dump.json").exists()
    assert not list(tmp_path.glob("*.db-wal")) or (tmp_path / f"{path.name}-wal").stat().st_size == 0


def test_a_step_failing_half_way_leaves_the_file_at_its_old_version(tmp_path, monkeypatch):
    """Steps 5 → 6 → 7 → 8 run, then 8 → 9 fails: nothing of the first three stays."""
    path = _unpack("v5.db.gz", tmp_path)
    before = _rows(path)

    def failing(conn):
        raise TypeError("'NoneType' object is not subscriptable")

    monkeypatch.setitem(migrations.STEPS, 8, failing)
    with pytest.raises(DatabaseError) as refused:
        store.prepare(path)
    message = str(refused.value)
    assert f"「{path}」无法从结构版本 5 升级到 {CURRENT_VERSION}" in message
    assert "文件未作任何改动" in message and "升级前的备份" in message
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 5
    conn.close()
    assert _rows(path) == before
    monkeypatch.undo()
    store.forget_check(path)
    store.prepare(path)  # the fixed program upgrades it
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == CURRENT_VERSION
    conn.close()
