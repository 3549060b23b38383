"""Schema version 6: a version-2 ledger (every table, index and row as version 2 wrote them) is
upgraded through every step on open — rebuilt with AUTOINCREMENT and task.cancelled_on by the last — keeps every row, index and foreign key,
and from then on never gives an id twice."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from models import operations as ops
from models.db import Database
from models.migrations import CURRENT_VERSION


def _version_2(path) -> None:
    """The schema as version 2 had it (tests/data/schema_v2.sql, the schema.sql of version 2): no
    AUTOINCREMENT, no task.cancelled_on, none of the tables later versions add."""
    conn = sqlite3.connect(path)
    conn.executescript((Path(__file__).parent / "data" / "schema_v2.sql").read_text(encoding="utf-8"))
    conn.executescript("""
        INSERT INTO unit VALUES (1, '县民政局', '2024-01-01 09:00:00');
        INSERT INTO work_group VALUES (1, '养老工作领导小组', NULL, 1, NULL, '2024-01-01 09:00:00');
        INSERT INTO member VALUES (1, 1, '朱志军', 1, '局长', '成员', 1, 0, 2, NULL, '2024-03-01', NULL);
        INSERT INTO member VALUES (2, 1, '孙建国', 1, '局长', '成员', 2, 1, NULL, '2024-03-01', NULL, NULL);
        INSERT INTO task VALUES (1, 1, 1, NULL, NULL, '1', '建设养老院', '2024年底', '2024-12-31', '推进中',
                                 NULL, NULL, NULL, '建设养老院');
        INSERT INTO task VALUES (2, 1, 2, NULL, NULL, '2', '发放高龄津贴', NULL, NULL, '未启动', NULL, NULL, NULL, '');
        INSERT INTO assignment VALUES (1, 1, 1, 'lead', '孙建国', 0);
        INSERT INTO progress VALUES (1, 1, '2024-06-01', 1, '已选址');
        PRAGMA user_version = 2;
    """)
    conn.commit()
    conn.close()


def _schema(path) -> dict[str, str]:
    conn = sqlite3.connect(path)
    out = {name: re.sub(r"\s+", " ", sql) for name, sql in conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL AND name != 'sqlite_sequence'")}
    conn.close()
    return out


def test_version_2_ledger_upgrades_keeping_rows_indexes_and_keys(tmp_path):
    path = tmp_path / "v2.db"
    _version_2(path)
    before = sqlite3.connect(path)
    rows = {t: before.execute(f'SELECT * FROM "{t}" ORDER BY id').fetchall() for t in ("task", "member", "progress")}
    indexes = {n for (n,) in before.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")}
    before.close()

    db = Database(path)
    assert db.schema_version == CURRENT_VERSION == 12
    db.close()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    for table, old in rows.items():
        new = conn.execute(f'SELECT * FROM "{table}" ORDER BY id').fetchall()
        assert [r[: len(old[0])] for r in new] == old
    assert conn.execute("SELECT cancelled_on FROM task").fetchall() == [(None,), (None,)]
    assert indexes <= {n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert "REFERENCES task" in conn.execute("SELECT sql FROM sqlite_master WHERE name = 'assignment'").fetchone()[0]
    conn.close()

    fresh = tmp_path / "fresh.db"
    Database(fresh).close()
    upgraded, made = _schema(path), _schema(fresh)
    assert set(upgraded) == set(made)
    for name in ("task", "member", "unit", "progress", "import_tombstone"):
        assert "AUTOINCREMENT" in upgraded[name]
    for pragma in ("table_info", "foreign_key_list", "index_list"):  # v9's table as a new ledger has it
        shapes = []
        for file in (path, fresh):
            c = sqlite3.connect(file)
            shapes.append(c.execute(f"PRAGMA {pragma}(import_tombstone)").fetchall())
            c.close()
        assert shapes[0] == shapes[1] != []

    db = Database(path)
    task = ops.add_task(db, 1, "建错的任务")
    ops.undo(db)
    again = ops.add_task(db, 1, "新任务")
    assert again > task > 2
    db.close()
