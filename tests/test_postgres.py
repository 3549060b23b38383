"""A ledger on a PostgreSQL server, the first step (issue 18): server URLs (never showing a password),
the commands that do not work on a server yet saying so, the schema made on a real server from
models/tables.py, and `taizhang copy` between a file and a server — exact, one transaction, refusing a
target that has data. The server tests run on a throw-away server the run starts (tests/pg.py)."""

from __future__ import annotations

import json
import os
import re
import sqlite3
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from conftest import run_cli, table_rows

SECRET = "topsecret-密码"


# ---------------------------------------------------------------- URLs and the one check (no server)


def test_urls_name_a_server_and_show_no_password():
    from models.db_url import describe, display, is_server, redact

    assert is_server("postgresql://u@h:5432/db") and is_server("  Postgres://u@h/db")
    assert not is_server("/home/u/taizhang.db") and not is_server("postgresql.db") and not is_server(None)
    assert redact(f"postgresql://clerk:{SECRET}@db.gov:5433/ledger") == "postgresql://clerk:***@db.gov:5433/ledger"
    assert redact(f"postgresql://clerk@/ledger?host=/run/pg&password={SECRET}&sslmode=require") == \
        "postgresql://clerk@/ledger?host=/run/pg&password=***&sslmode=require"
    assert redact("postgresql://clerk@db.gov/ledger") == "postgresql://clerk@db.gov/ledger"
    assert display("/tmp/a.db") == "/tmp/a.db"
    said = describe(f"postgresql://clerk:{SECRET}@db.gov:5433/ledger")
    assert said == "服务器 db.gov:5433 上的数据库「ledger」（用户 clerk）" and SECRET not in said
    assert describe("postgresql://clerk@/ledger?host=/run/pg") == "服务器 /run/pg 上的数据库「ledger」（用户 clerk）"


def test_every_command_works_on_a_server_or_says_what_to_do_instead():
    """Every command of the command line is either open on a server ledger or refused there with
    what to do instead (restore, demo: tests/test_server_writes.py); a new command must choose."""
    import argparse

    from taizhang.cli import build_parser
    from taizhang.copy_cli import SERVER_COMMANDS, SERVER_REFUSALS

    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    assert set(sub.choices) == set(SERVER_COMMANDS) | set(SERVER_REFUSALS)
    assert not set(SERVER_COMMANDS) & set(SERVER_REFUSALS)


def test_the_environment_variable_may_name_a_server_too(tmp_path):
    done = run_cli("export", str(tmp_path / "x.json"), env={"TAIZHANG_DB": f"postgresql://clerk:{SECRET}@127.0.0.1:1/ledger"})
    assert done.returncode == 1, done.stderr
    assert "服务器 127.0.0.1:1 上的数据库「ledger」（用户 clerk）" in done.stderr  # tried, and said why not
    assert SECRET not in done.stderr + done.stdout and "Traceback" not in done.stderr
    assert not (tmp_path / "x.json").exists()


def test_the_schema_source_makes_valid_postgresql():
    """Every CREATE of models/tables.py compiles for PostgreSQL (booleans default to true, not 1) and
    the SQLite schema file is unchanged by it."""
    from sqlalchemy.dialects import postgresql
    from sqlalchemy.schema import CreateTable

    from models.ledger_copy import tables
    from models.schema import SCHEMA_FILE, generate

    ddl = {t.name: str(CreateTable(t).compile(dialect=postgresql.dialect())) for t in tables()}
    assert "review_closing BOOLEAN DEFAULT true NOT NULL" in ddl["work_group"]
    assert all("id SERIAL NOT NULL" in text for text in ddl.values())
    assert generate() == SCHEMA_FILE.read_text(encoding="utf-8")


# ---------------------------------------------------------------- copy between files (no server)


def _busy_demo(path: Path) -> None:
    """The demo ledger with more of everything: progress, a target, a round, a closing, an extension,
    an undone change and a removed task (so the id counter is above the highest id)."""
    from models import closing, operations, rounds
    from models.db import Database

    db = Database(path)
    try:
        with db.engine.connect() as conn:
            group_id, task_id, other = conn.exec_driver_sql(
                "SELECT t.group_id, t.id, (SELECT max(id) FROM task WHERE group_id = t.group_id) FROM task t "
                "ORDER BY t.id LIMIT 1").one()
        operations.record_progress(db, task_id, "已召开推进会", on=date(2023, 6, 20))
        operations.set_target(db, task_id, 2024, "覆盖率达到 90%")
        operations.tick(db, other)
        rounds.open_round(db, group_id, "2023年6月", due=date(2023, 7, 5))
        closing.grant_extension(db, task_id, date(2026, 3, 31), "资金未到位")
        removed = operations.add_task(db, group_id, "临时任务（随后撤销）")
        operations.undo(db)
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM task WHERE id = ?", (removed,)).scalar() == 0
    finally:
        db.close()


def _dump(db_file: Path, out: Path) -> dict:
    """The `taizhang export x.json` dump of a ledger file (built in this process: the command line's
    own export is run once, in the round-trip test)."""
    from exporters.json_dump import write_dump
    from models.db import Database

    db = Database(db_file)
    try:
        write_dump(db, out)
    finally:
        db.close()
    return json.loads(out.read_text(encoding="utf-8"))


def test_copy_to_a_new_file_is_exact_and_refuses_a_ledger_with_data(demo, tmp_path):
    from models.ledger_copy import read_file

    _busy_demo(demo)
    copy = tmp_path / "copy.db"
    done = run_cli("copy", str(demo), str(copy))
    assert done.returncode == 0, done.stderr
    assert f"已复制：{demo} → {copy}（领导小组 5 个" in done.stdout
    original, copied = read_file(demo), read_file(copy)
    assert copied.rows == original.rows
    assert copied.counters == original.counters and original.counters["task"] > max(r["id"] for r in original.rows["task"])
    assert _dump(copy, tmp_path / "b.json") == _dump(demo, tmp_path / "a.json")
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]  # no half-made file left

    before = table_rows(copy)
    again = run_cli("copy", str(demo), str(copy))
    assert again.returncode == 1
    assert "中已有台账数据（领导小组 5 个，单位" in again.stderr and "--replace" in again.stderr
    assert table_rows(copy) == before
    same = run_cli("copy", str(demo), str(demo))
    assert same.returncode == 1 and "来源和目标是同一个台账" in same.stderr


def test_copy_replace_backs_the_file_up_first(demo, tmp_path):
    from models.backup import list_backups
    from models.ledger_copy import read_file

    target = tmp_path / "old.db"
    assert run_cli("copy", str(demo), str(target)).returncode == 0
    _busy_demo(demo)
    old_rows = table_rows(target)
    done = run_cli("copy", str(demo), str(target), "--replace")
    assert done.returncode == 0, done.stderr
    assert "替换前的数据已备份为：" in done.stdout
    assert read_file(target).rows == read_file(demo).rows
    (backup,) = list_backups(target)
    assert table_rows(backup.path) == old_rows


def test_an_error_mid_copy_leaves_a_file_target_as_it_was(demo, tmp_path):
    from models.ledger_copy import copy_ledger

    target = tmp_path / "old.db"
    assert run_cli("copy", str(demo), str(target)).returncode == 0
    _busy_demo(demo)
    before = table_rows(target)

    def fail_after_tasks(table: str, _rows: int) -> None:
        if table == "task":
            raise OSError("磁盘已满（测试）")

    with pytest.raises(OSError):
        copy_ledger(str(demo), str(target), replace=True, progress=fail_after_tasks)
    assert table_rows(target) == before
    new = tmp_path / "new.db"
    with pytest.raises(OSError):
        copy_ledger(str(demo), str(new), progress=fail_after_tasks)
    assert not new.exists() and not [p for p in tmp_path.iterdir() if ".copying" in p.name]


# ---------------------------------------------------------------- on a real server


def test_the_schema_on_a_server_has_its_version_and_never_reuses_ids(pg_server, pg_url):
    from sqlalchemy import text

    from models import server
    from models.ledger_copy import tables
    from models.migrations import CURRENT_VERSION

    engine = server.open_ledger(pg_url)
    try:
        with engine.begin() as conn:
            assert server.schema_version(conn) == CURRENT_VERSION
            names = set(conn.execute(text("SELECT table_name FROM information_schema.tables "
                                          "WHERE table_schema = 'public'")).scalars())
            from models.task_figures import TABLES as FIGURES

            assert names == {t.name for t in tables()} | {server.VERSION_TABLE, *FIGURES}
            first = conn.execute(text("INSERT INTO unit (name, created_at) VALUES ('县人社局', now()) RETURNING id")).scalar()
            conn.execute(text("DELETE FROM unit WHERE id = :i"), {"i": first})
            second = conn.execute(text("INSERT INTO unit (name, created_at) VALUES ('县人社局', now()) RETURNING id")).scalar()
            assert second > first
        with pytest.raises(server.ServerError, match="不是 taizhang 的台账"):
            other = pg_server.new_database("foreign")
            pg_server.sql("CREATE TABLE accounts (id int)", dbname=other)
            server.open_ledger(pg_server.url(other))
        with engine.begin() as conn:  # opening again finds the schema made and does nothing
            assert server.prepare(conn, pg_url) is False
    finally:
        engine.dispose()


def test_copy_file_to_server_and_back_is_exact(demo, pg_url, tmp_path):
    from models.ledger_copy import read_file, read_server

    _busy_demo(demo)
    original = read_file(demo)
    up = run_cli("copy", str(demo), pg_url)
    assert up.returncode == 0, up.stderr
    on_server = read_server(pg_url)
    assert on_server.rows == original.rows
    assert all(on_server.counter(t) == original.counter(t) for t in original.rows)

    back = tmp_path / "back.db"
    down = run_cli("copy", pg_url, str(back))
    assert down.returncode == 0, down.stderr
    returned = read_file(back)
    assert returned.rows == original.rows and returned.counters == original.counters
    assert _dump(back, tmp_path / "b.json") == _dump(demo, tmp_path / "a.json")
    exported = run_cli("--db", str(back), "export", str(tmp_path / "c.json"))
    assert exported.returncode == 0, exported.stderr
    assert (tmp_path / "c.json").read_text(encoding="utf-8") == (tmp_path / "a.json").read_text(encoding="utf-8")
    # a row added on the file after the round trip gets the id the original would have given
    with sqlite3.connect(back) as a, sqlite3.connect(demo) as b:
        for conn in (a, b):
            conn.execute("INSERT INTO task (group_id, position, content, status, search_text) "
                         "SELECT min(id), 99, '新任务', '未启动', '' FROM work_group")
        assert a.execute("SELECT max(id) FROM task").fetchone() == b.execute("SELECT max(id) FROM task").fetchone()


def test_ids_on_the_server_continue_after_the_copied_counter(demo, pg_url):
    from sqlalchemy import text

    from models import server
    from models.ledger_copy import read_file

    _busy_demo(demo)
    counter = read_file(demo).counters["task"]
    assert run_cli("copy", str(demo), pg_url).returncode == 0
    engine = server.open_ledger(pg_url, create_ok=False)
    try:
        with engine.begin() as conn:
            new_id = conn.execute(text("INSERT INTO task (group_id, position, content, status, search_text) "
                                       "SELECT min(id), 99, '新任务', '未启动', '' FROM work_group RETURNING id")).scalar()
    finally:
        engine.dispose()
    assert new_id == counter + 1


def test_a_server_with_data_is_refused_unless_replace(demo, pg_url, tmp_path):
    from models.ledger_copy import read_file, read_server

    assert run_cli("copy", str(demo), pg_url).returncode == 0
    first = read_server(pg_url)
    _busy_demo(demo)
    again = run_cli("copy", str(demo), pg_url)
    assert again.returncode == 1
    assert "中已有台账数据（领导小组 5 个，单位" in again.stderr and "目标台账未作任何改动" in again.stderr
    assert read_server(pg_url).rows == first.rows
    replaced = run_cli("copy", str(demo), pg_url, "--replace")
    assert replaced.returncode == 0, replaced.stderr
    assert read_server(pg_url).rows == read_file(demo).rows


def test_an_error_mid_copy_leaves_the_server_as_it_was(demo, pg_url):
    from models.ledger_copy import copy_ledger, read_file, read_server

    def fail_after_tasks(table: str, _rows: int) -> None:
        if table == "task":
            raise OSError("网络中断（测试）")

    with pytest.raises(OSError):  # into an empty database: not even the schema is left
        copy_ledger(str(demo), pg_url, progress=fail_after_tasks)
    from models import server
    with pytest.raises(server.ServerError, match="中还没有台账"):
        read_server(pg_url)
    assert run_cli("copy", str(demo), pg_url).returncode == 0
    before = read_server(pg_url)
    _busy_demo(demo)
    with pytest.raises(OSError):  # replacing: the old ledger stays whole
        copy_ledger(str(demo), pg_url, replace=True, progress=fail_after_tasks)
    assert read_server(pg_url).rows == before.rows
    assert read_server(pg_url).rows != read_file(demo).rows


def test_passwords_come_from_pgpass_and_are_never_shown(demo, pg_server, tmp_path):
    import pg

    name = pg_server.new_database()
    url = f"postgresql://{pg.PASSWORD_USER}@/{name}?host={pg_server.socket_dir}"
    pgpass = tmp_path / "pgpass"
    pgpass.write_text(f"*:*:*:{pg.PASSWORD_USER}:wrong-{SECRET}\n", encoding="utf-8")
    pgpass.chmod(0o600)
    wrong = run_cli("copy", str(demo), url, env={"PGPASSFILE": str(pgpass)})
    assert wrong.returncode == 1
    assert f"无法登录服务器 {pg_server.socket_dir} 上的数据库「{name}」（用户 {pg.PASSWORD_USER}）：密码不对" in wrong.stderr
    assert SECRET not in wrong.stderr + wrong.stdout and "Traceback" not in wrong.stderr

    none = run_cli("copy", str(demo), url, env={"PGPASSFILE": str(tmp_path / "absent")})
    assert none.returncode == 1 and "服务器要求密码，但没有找到" in none.stderr

    inline = run_cli("copy", str(demo), pg_server.url(name, pg.PASSWORD_USER, f"wrong-{SECRET}"))
    assert inline.returncode == 1 and "密码不对" in inline.stderr and SECRET not in inline.stderr + inline.stdout

    pgpass.write_text(f"*:*:*:{pg.PASSWORD_USER}:{pg.PASSWORD}\n", encoding="utf-8")
    right = run_cli("copy", str(demo), url, env={"PGPASSFILE": str(pgpass)})
    assert right.returncode == 0, right.stderr
    assert pg.PASSWORD not in right.stdout + right.stderr


def test_server_down_and_missing_database_are_said_in_chinese(demo, pg_server, tmp_path):
    missing = run_cli("copy", str(demo), pg_server.url("no_such_ledger"))
    assert missing.returncode == 1
    assert f"服务器 {pg_server.socket_dir} 上的数据库「no_such_ledger」（用户 tz_admin）不存在" in missing.stderr
    down = run_cli("copy", pg_server.url("x").replace(pg_server.socket_dir, str(tmp_path)), str(tmp_path / "x.db"))
    assert down.returncode == 1
    assert "连不上服务器" in down.stderr and "服务器没有运行，或网络不通" in down.stderr
    assert not (tmp_path / "x.db").exists() and "Traceback" not in missing.stderr + down.stderr


def test_backup_of_a_server_ledger_is_a_file_any_taizhang_opens(demo, pg_url, tmp_path):
    assert run_cli("copy", str(demo), pg_url).returncode == 0
    env = {"XDG_DATA_HOME": str(tmp_path / "data")}
    done = run_cli("--db", pg_url, "backup", env=env)
    assert done.returncode == 0, done.stderr
    line = next(x for x in done.stdout.splitlines() if x.startswith("已备份："))
    snapshot = Path(line.removeprefix("已备份："))
    assert snapshot.parent == tmp_path / "data" / "taizhang" / "server-backups" and snapshot.is_file()
    # named by server (a socket on this computer: local), database and time
    assert re.fullmatch(rf"local_{urlsplit(pg_url).path[1:]}-\d{{8}}-\d{{6}}-manual\.db", snapshot.name), snapshot.name
    assert _dump(snapshot, tmp_path / "b.json") == _dump(demo, tmp_path / "a.json")
    listed = run_cli("backup", "--list", env={**env, "TAIZHANG_DB": pg_url})  # the variable names the server too
    assert listed.returncode == 0 and str(snapshot) in listed.stdout


def test_snapshots_of_two_servers_with_one_database_name_stay_apart(tmp_path, monkeypatch):
    from taizhang.copy_cli import snapshot_path

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    office = snapshot_path("postgresql://zhangsan@10.1.2.3/taizhang")
    inspection = snapshot_path("postgresql://zhangsan@db.duchashi.gov:5433/taizhang")
    assert re.fullmatch(r"10\.1\.2\.3_taizhang-\d{8}-\d{6}-manual\.db", office.name), office.name
    assert re.fullmatch(r"db\.duchashi\.gov-5433_taizhang-\d{8}-\d{6}-manual\.db", inspection.name), inspection.name
    assert office.parent == inspection.parent == tmp_path / "data" / "taizhang" / "server-backups"
    office.touch()  # a second snapshot in the same second takes the next free name
    assert snapshot_path("postgresql://lisi@10.1.2.3/taizhang").name == office.name.replace(".db", "-2.db")


def _readme_setup_sql() -> list[tuple[str, str]]:
    """The README's set-up block for the office's IT, as (database, statement) in order."""
    from conftest import ROOT

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("<!-- server-setup-sql", 1)[1].split("```sql\n", 1)[1].split("```", 1)[0]
    out, database, current = [], "postgres", ""
    for line in block.splitlines():
        if line.startswith("\\c "):
            database = line.split()[1]
            continue
        current += line.split("--", 1)[0] + "\n"
        if current.rstrip().endswith(";"):
            out.append((database, current.strip().replace("'……'", "'pw-not-used-on-the-socket'")))
            current = ""
    assert not current.strip()
    return out


def test_the_readme_set_up_gives_writers_and_a_read_only_leader(demo, pg_server, tmp_path):
    statements = _readme_setup_sql()
    assert any("CREATE DATABASE taizhang" in s for _, s in statements)
    for database, statement in statements:
        pg_server.sql(statement, dbname=database)
    owner, leader = pg_server.url("taizhang", "taizhang_owner"), pg_server.url("taizhang", "lingdao")

    up = run_cli("copy", str(demo), owner)
    assert up.returncode == 0, up.stderr
    down = run_cli("copy", leader, str(tmp_path / "seen.db"))  # the leader reads (and may export a file)
    assert down.returncode == 0, down.stderr
    assert _dump(tmp_path / "seen.db", tmp_path / "b.json") == _dump(demo, tmp_path / "a.json")

    from sqlalchemy import text

    from models import server
    from models.ledger_copy import read_server

    on_server = read_server(owner).rows
    _busy_demo(demo)
    refused = run_cli("copy", str(demo), leader, "--replace")
    assert refused.returncode == 1
    owner_only = "这个账号不能用复制来新建或替换整个台账（只有台账的所有者账号可以"
    assert "（用户 lingdao）：" + owner_only in refused.stderr and "Traceback" not in refused.stderr
    assert "permission denied" not in refused.stderr  # (PostgreSQL's English words are not shown)
    staff_copy = run_cli("copy", str(demo), pg_server.url("taizhang", "zhangsan"), "--replace")  # staff write, but not this
    assert staff_copy.returncode == 1 and "（用户 zhangsan）：" + owner_only in staff_copy.stderr, staff_copy.stderr
    not_told = run_cli("copy", str(demo), owner)  # a server ledger is not backed up by --replace: not promised
    assert not_told.returncode == 1 and "请加 --replace（服务器上的台账不另作备份" in not_told.stderr, not_told.stderr
    assert read_server(owner).rows == on_server

    before = len(read_server(owner).rows["unit"])
    engine = server.open_ledger(pg_server.url("taizhang", "zhangsan"), create_ok=False)  # a staff member writes
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO unit (name, created_at) VALUES ('县数据局', now())"))
    finally:
        engine.dispose()
    assert len(read_server(leader).rows["unit"]) == before + 1

    from conftest import SAMPLES
    from models.server import READ_ONLY_MESSAGE

    table = SAMPLES / "闽清县老龄事业重点任务分工表.xlsx"  # a staff member imports (ids by the owner's sequences)
    staff = run_cli("--db", pg_server.url("taizhang", "zhangsan"), "import", str(table), "--group", "闽清")
    assert staff.returncode == 0 and "新增 27" in staff.stdout, staff.stderr
    assert "没有改动" in run_cli("--db", leader, "import", str(table), "--group", "闽清").stdout  # reading is fine
    refused = run_cli("--db", leader, "import", str(SAMPLES / "四平市老龄工作重点任务.csv"), "--group", "闽清")
    assert refused.returncode == 1 and READ_ONLY_MESSAGE in refused.stderr and "Traceback" not in refused.stderr


def test_kill_9_mid_copy_leaves_the_server_ledger_whole(demo, pg_server, pg_url, tmp_path):
    """A real `taizhang copy --replace` process killed while its transaction has written the first
    tables: the server keeps the old ledger, every row. The test stops the copy at a known point with
    a trigger on `task` (test scaffolding on the server): after the COPY into task it writes to a
    FIFO (which the test waits on) and then waits for an advisory lock the test holds."""
    import subprocess
    import sys
    import threading

    import psycopg

    from conftest import ROOT, TODAY
    from models.ledger_copy import read_server

    assert run_cli("copy", str(demo), pg_url).returncode == 0
    before = read_server(pg_url)
    _busy_demo(demo)
    dbname = pg_url.split("/")[3].split("?")[0]
    fifo = pg_server.folder / "reached"
    os.mkfifo(fifo, 0o666)
    os.chmod(fifo, 0o666)
    pg_server.sql(f"""CREATE FUNCTION stop_here() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN EXECUTE format('COPY (SELECT 1) TO %L', '{fifo}'); PERFORM pg_advisory_lock(4242); RETURN NULL; END $$""",
                  dbname=dbname)
    pg_server.sql("CREATE TRIGGER stop_here AFTER INSERT ON task FOR EACH STATEMENT EXECUTE FUNCTION stop_here()",
                  dbname=dbname)
    holder = psycopg.connect(host=pg_server.socket_dir, user="tz_admin", dbname=dbname, autocommit=True)
    try:
        holder.execute("SELECT pg_advisory_lock(4242)")
        copy = subprocess.Popen([sys.executable, "-m", "taizhang", "copy", str(demo), pg_url, "--replace"],
                                cwd=ROOT, env={**os.environ, "TAIZHANG_TODAY": TODAY},
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        # should the copy never get there, unblock the FIFO after two minutes (the test then fails)
        guard = threading.Timer(120, lambda: os.close(os.open(fifo, os.O_WRONLY)))
        guard.start()
        try:
            with open(fifo, "rb") as reached:  # returns once the copy has written units, groups … and task
                assert reached.read().strip() == b"1", "the copy never reached the task table"
        finally:
            guard.cancel()
        assert copy.poll() is None  # still inside its transaction
        copy.kill()
        copy.wait(timeout=60)
        holder.execute("SELECT pg_advisory_unlock(4242)")
        with psycopg.connect(host=pg_server.socket_dir, user="tz_admin", dbname=dbname) as waiter:
            waiter.execute("LOCK TABLE task IN ACCESS SHARE MODE")  # returns when the killed transaction is gone
    finally:
        holder.close()
    pg_server.sql("DROP TRIGGER stop_here ON task", dbname=dbname)
    after = read_server(pg_url)
    assert after.rows == before.rows and after.counters == before.counters


def test_a_copy_onto_a_ledger_in_use_waits_then_says_so(demo, pg_server, pg_url, monkeypatch):
    import psycopg

    from models import ledger_copy
    from models.ledger_copy import CopyError, copy_ledger, read_server

    assert run_cli("copy", str(demo), pg_url).returncode == 0
    before = read_server(pg_url)
    dbname = pg_url.split("/")[3].split("?")[0]
    monkeypatch.setattr(ledger_copy, "LOCK_TIMEOUT_S", 1)
    with psycopg.connect(host=pg_server.socket_dir, user="tz_admin", dbname=dbname) as reader:
        reader.execute("SELECT count(*) FROM task")  # a reader in the middle of its transaction
        with pytest.raises(CopyError, match="正被别人使用（有人正在查看或修改），等待后仍未轮到；没有写入"):
            copy_ledger(str(demo), pg_url, replace=True)
    assert read_server(pg_url).rows == before.rows


def test_two_first_openings_at_once_make_the_schema_once_and_a_newer_one_is_refused(pg_server, pg_url):
    from concurrent.futures import ThreadPoolExecutor

    from models import server
    from models.migrations import CURRENT_VERSION

    def open_it(_n: int) -> None:
        server.open_ledger(pg_url).dispose()

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(open_it, range(4)))
    dbname = pg_url.split("/")[3].split("?")[0]
    assert pg_server.sql(f"SELECT version FROM {server.VERSION_TABLE}", dbname=dbname) == [(CURRENT_VERSION,)]
    pg_server.sql(f"UPDATE {server.VERSION_TABLE} SET version = {CURRENT_VERSION + 1}", dbname=dbname)
    with pytest.raises(server.ServerError, match=f"由较新版本的 taizhang 创建（结构版本 {CURRENT_VERSION + 1}"):
        server.open_ledger(pg_url)
