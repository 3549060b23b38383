"""Schema versions: a version-1 database (built here as version 1 shipped it) upgrades itself on
open and keeps every row; a newer one, a foreign SQLite file and a non-database are refused."""

from __future__ import annotations

import sqlite3

import pytest

from models.db import Database, DatabaseError
from models.migrations import CURRENT_VERSION

V1_SCHEMA = """
CREATE TABLE unit (id INTEGER NOT NULL PRIMARY KEY, name VARCHAR NOT NULL UNIQUE, created_at DATETIME NOT NULL);
CREATE TABLE unit_alias (id INTEGER NOT NULL PRIMARY KEY, unit_id INTEGER NOT NULL REFERENCES unit (id), alias VARCHAR NOT NULL UNIQUE);
CREATE TABLE work_group (id INTEGER NOT NULL PRIMARY KEY, name VARCHAR NOT NULL UNIQUE, doc_number VARCHAR,
    host_unit_id INTEGER REFERENCES unit (id), note VARCHAR, created_at DATETIME NOT NULL);
CREATE TABLE member (id INTEGER NOT NULL PRIMARY KEY, group_id INTEGER NOT NULL REFERENCES work_group (id),
    name VARCHAR NOT NULL, unit_id INTEGER REFERENCES unit (id), title VARCHAR, role VARCHAR NOT NULL,
    position INTEGER NOT NULL, active BOOLEAN NOT NULL, successor_id INTEGER REFERENCES member (id),
    joined_on DATE, left_on DATE);
CREATE TABLE duty (id INTEGER NOT NULL PRIMARY KEY, group_id INTEGER NOT NULL REFERENCES work_group (id),
    unit_id INTEGER NOT NULL REFERENCES unit (id), text VARCHAR NOT NULL, UNIQUE (group_id, unit_id));
CREATE TABLE task (id INTEGER NOT NULL PRIMARY KEY, group_id INTEGER NOT NULL REFERENCES work_group (id),
    position INTEGER NOT NULL, category_number VARCHAR, category VARCHAR, number VARCHAR, content VARCHAR NOT NULL,
    deadline VARCHAR, due DATE, status VARCHAR NOT NULL, done_on DATE, notes VARCHAR, unpaired_persons VARCHAR,
    CONSTRAINT ck_task_status CHECK (status IN ('未启动', '推进中', '已完成')));
CREATE TABLE assignment (id INTEGER NOT NULL PRIMARY KEY, task_id INTEGER NOT NULL REFERENCES task (id),
    unit_id INTEGER NOT NULL REFERENCES unit (id), role VARCHAR NOT NULL, person VARCHAR, position INTEGER NOT NULL,
    CONSTRAINT ck_assignment_role CHECK (role IN ('lead', 'co')), UNIQUE (task_id, unit_id, role));
CREATE TABLE target (id INTEGER NOT NULL PRIMARY KEY, task_id INTEGER NOT NULL REFERENCES task (id),
    year INTEGER NOT NULL, target VARCHAR NOT NULL, actual VARCHAR, UNIQUE (task_id, year));
CREATE TABLE progress (id INTEGER NOT NULL PRIMARY KEY, task_id INTEGER NOT NULL REFERENCES task (id),
    "on" DATE NOT NULL, unit_id INTEGER REFERENCES unit (id), text VARCHAR NOT NULL);
CREATE TABLE history (id INTEGER NOT NULL PRIMARY KEY, at DATETIME NOT NULL, action VARCHAR NOT NULL,
    summary VARCHAR NOT NULL, group_id INTEGER, task_id INTEGER, undone_by INTEGER REFERENCES history (id),
    undoes INTEGER REFERENCES history (id));
CREATE TABLE row_change (id INTEGER NOT NULL PRIMARY KEY, history_id INTEGER NOT NULL REFERENCES history (id),
    seq INTEGER NOT NULL, table_name VARCHAR NOT NULL, row_id INTEGER NOT NULL, before VARCHAR, after VARCHAR);
INSERT INTO unit VALUES (1, '县人社局', '2023-01-01 09:00:00'), (2, '县财政局', '2023-01-01 09:00:00');
INSERT INTO work_group VALUES (1, '闽清县老龄工作领导小组', NULL, NULL, NULL, '2023-01-01 09:00:00');
INSERT INTO member VALUES (1, 1, '黄敬铿', 1, '局长', '成员', 1, 1, NULL, NULL, NULL);
INSERT INTO task VALUES (1, 1, 1, '一', '健全完善社会保障体系', '（一）', '高龄津贴发放覆盖率100%', '2020年', '2020-12-31',
    '推进中', NULL, NULL, '["刘琛"]');
INSERT INTO assignment VALUES (1, 1, 1, 'lead', '黄敬铿', 0), (2, 1, 2, 'co', '陈淑玲', 0);
INSERT INTO history VALUES (1, '2023-01-01 09:00:00', 'import', '导入', 1, NULL, NULL, NULL);
PRAGMA user_version = 1;
"""


def _columns(path) -> dict[str, set[str]]:
    conn = sqlite3.connect(path)
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    out = {t: {r[1] for r in conn.execute(f'PRAGMA table_info("{t}")')} for t in tables}
    conn.close()
    return out


def test_version_1_database_upgrades_on_open_and_keeps_its_rows(tmp_path):
    path = tmp_path / "v1.db"
    conn = sqlite3.connect(path)
    conn.executescript(V1_SCHEMA)
    conn.close()

    db = Database(path)
    assert db.schema_version == CURRENT_VERSION == 4
    from exporters.json_dump import build_dump

    dump = build_dump(db)
    task = dump["groups"][0]["tasks"][0]
    assert task["lead"] == [{"unit": "县人社局", "person": "黄敬铿"}]
    assert task["co"] == [{"unit": "县财政局", "person": "陈淑玲"}]
    assert task["unpaired_persons"] == ["刘琛"] and task["due"] == "2020-12-31"
    assert dump["groups"][0]["members"][0]["phone"] is None
    with db.engine.connect() as c:
        haystack = c.exec_driver_sql("SELECT search_text FROM task").scalar_one()
    assert "gljt" in haystack and "县人社局" in haystack and "lc" in haystack
    db.close()

    fresh = tmp_path / "fresh.db"
    Database(fresh).close()
    assert _columns(path) == _columns(fresh), "an upgraded database must have the same tables and columns as a new one"


def test_newer_database_is_refused_untouched(tmp_path):
    path = tmp_path / "future.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE task (id INTEGER)")
    conn.execute(f"PRAGMA user_version = {CURRENT_VERSION + 1}")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(DatabaseError, match="较新版本"):
        Database(path)
    assert path.read_bytes() == before


def test_non_database_file_is_refused(tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("这不是数据库" * 200, encoding="utf-8")
    with pytest.raises(DatabaseError, match="不是 taizhang 的数据库文件"):
        Database(path)


def test_foreign_sqlite_file_is_refused(tmp_path):
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE orders (id INTEGER)")
    conn.commit()
    conn.close()
    with pytest.raises(DatabaseError, match="不是 taizhang 的数据库"):
        Database(path)
