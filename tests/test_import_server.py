"""Imports onto a server ledger (issue 18): every format, the three-way merge on re-import, tombstones,
--prefer, --dry-run, undo/redo of an import give the same ledger on a server as in a file; a server
import is one transaction — a connection cut or a process killed mid-import leaves the ledger as it
was — and a read-only account is refused with the message."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import openpyxl
import pytest
from conftest import ROOT, SAMPLES, TODAY
from data.builders import write_csv, write_docx, write_ods, write_xls, write_xlsx
from data.tables import DIVISION_MERGES, DIVISION_ROWS

from importers.server_write import NO_BACKUP_NOTE
from models import operations as ops
from models.changes import redo_last
from models.db import Database
from models.db_url import is_server
from models.editing import delete_task
from models.server import READ_ONLY_MESSAGE
from models.store import connect
from taizhang.cli import main

# every test here that makes a ledger runs on a file and on a server (tests/conftest.py)
pytestmark = pytest.mark.both_engines

MINQING_FILE = SAMPLES / "闽清县老龄事业重点任务分工表.xlsx"
GROUP = "闽清县老龄工作领导小组"
# Values that differ between two imports of the same files whatever the engine: when a row was made.
_WHEN = {"created_at", "at", "updated_at"}


def _import(target, path, *extra, capsys, status=0) -> str:
    code = main(["--db", str(target), "import", str(path), *extra])
    out = capsys.readouterr()
    assert code == status, out.err
    assert "Traceback" not in out.err
    return out.out if status == 0 else out.err


def _rows(target) -> dict[str, list[dict]]:
    """Every row of every table, as Python values, in id order."""
    from models.ledger_copy import read_file, read_server

    return (read_server(str(target)) if is_server(str(target)) else read_file(Path(target))).rows


def _without_times(rows: dict[str, list[dict]]) -> dict[str, list[dict]]:
    """The rows without the times they were made, also inside the change log's before/after (whose
    timestamps read back from a server without a zero fraction of a second)."""
    def plain(row: dict) -> dict:
        out = {k: v for k, v in row.items() if k not in _WHEN}
        for side in ("before", "after"):
            if out.get(side) and "row_id" in row:
                out[side] = {k: v for k, v in json.loads(out[side]).items() if k not in _WHEN}
        return out

    return {t: [plain(r) for r in rs] for t, rs in rows.items()}


def _one(target, sql: str, params=()) -> list[tuple]:
    conn = connect(target)
    try:
        return [tuple(r) for r in conn.execute(sql, params)]
    finally:
        conn.close()


def _task_ids(target) -> list[int]:
    return [r[0] for r in _one(target, "SELECT id FROM task ORDER BY position, id")]


def _revised(tmp_path, **cells) -> Path:
    wb = openpyxl.load_workbook(MINQING_FILE)
    for ref, value in cells.items():
        wb.active[ref] = value
    out = tmp_path / "闽清县老龄事业重点任务分工表（修订）.xlsx"
    wb.save(out)
    return out


def test_import_reimport_merge_prefer_and_dry_run_on_both_engines(ledger_at, tmp_path, capsys):
    first = _import(ledger_at, MINQING_FILE, "--group", GROUP, capsys=capsys)
    assert "任务：27 项（新增 27，更新 0，未变 0）" in first
    assert ("服务器上的台账：导入前不另作备份文件" in first) == is_server(str(ledger_at))
    t1, t2 = _task_ids(ledger_at)[:2]
    with Database(ledger_at) as db:
        ops.set_target(db, t1, 2020, "91%")  # the file will change it too: a conflict
        ops.assign(db, t2, "县民政局", role="co", person="张三")  # the office's own unit
    edited = _rows(ledger_at)

    again = _import(ledger_at, MINQING_FILE, "--group", GROUP, capsys=capsys)
    assert "新增 0，更新 0，未变 27" in again and "冲突" not in again
    assert _rows(ledger_at) == edited  # nothing written, not even a history entry

    revised = _revised(tmp_path, F5="92%", H6="张伟")
    preview = _import(ledger_at, revised, "--group", GROUP, "--dry-run", capsys=capsys)
    assert "牵头单位「县人社局」：黄敬铿 → 张伟" in preview and "冲突（1" in preview
    assert _rows(ledger_at) == edited

    out = _import(ledger_at, revised, "--group", GROUP, capsys=capsys)
    assert "台账「91%」，文件「92%」→ 保留台账" in out and "更新 1" in out
    assert _one(ledger_at, "SELECT target FROM target WHERE task_id = ? AND year = 2020", (t1,)) == [("91%",)]
    assert ("co", "张三") in _one(ledger_at, "SELECT role, person FROM assignment WHERE task_id = ?", (t2,))

    newer = _revised(tmp_path, F5="93%", H6="张伟")
    out = _import(ledger_at, newer, "--group", GROUP, "--prefer", "file", capsys=capsys)
    assert "台账「91%」，文件「93%」→ 采用文件" in out
    assert _one(ledger_at, "SELECT target FROM target WHERE task_id = ? AND year = 2020", (t1,)) == [("93%",)]


def test_undo_redo_and_tombstones_of_an_import_on_both_engines(ledger_at, tmp_path, capsys):
    _import(ledger_at, MINQING_FILE, "--group", GROUP, capsys=capsys)
    imported = _rows(ledger_at)
    with Database(ledger_at) as db:
        assert ops.undo(db).startswith("导入任务")
    assert _one(ledger_at, "SELECT count(*) FROM task") == [(0,)]
    with Database(ledger_at) as db:
        assert redo_last(db).startswith("导入任务")
    back = _rows(ledger_at)
    for table in ("work_group", "unit", "task", "assignment", "target", "import_source"):
        assert back[table] == imported[table], table  # the very same rows, with their ids

    # the office deletes a task: the same file again keeps it deleted; a file that changed it says so
    gone = _task_ids(ledger_at)[4]
    with Database(ledger_at) as db:
        delete_task(db, gone)
    out = _import(ledger_at, MINQING_FILE, "--group", GROUP, capsys=capsys)
    assert "已删除未重新导入" in out or "已在台账中删除" in out
    assert gone not in _task_ids(ledger_at) and len(_task_ids(ledger_at)) == 26

    # ids an undone import gave are not given again (a file's sqlite_sequence, a server's sequences)
    highest = max(r["id"] for r in _rows(ledger_at)["task"])
    with Database(ledger_at) as db:
        ops.create_group(db, "另一个领导小组")
    _import(ledger_at, MINQING_FILE, "--group", "另一个领导小组", capsys=capsys)
    with Database(ledger_at) as db:
        ops.undo(db)
    _import(ledger_at, MINQING_FILE, "--group", "另一个领导小组", capsys=capsys)
    ids = [r["id"] for r in _rows(ledger_at)["task"]]
    assert min(i for i in ids if i > highest) == highest + 28  # past the 27 the undone import took
    with Database(ledger_at) as db:
        ops.add_task(db, _one(ledger_at, "SELECT id FROM work_group WHERE name = ?", ("另一个领导小组",))[0][0],
                     "新任务")  # a row the ORM adds takes the next id after the import's
    assert max(r["id"] for r in _rows(ledger_at)["task"]) == max(ids) + 1


FORMATS = {
    "xls": lambda p: write_xls(p, DIVISION_ROWS, DIVISION_MERGES),
    "ods": lambda p: write_ods(p, DIVISION_ROWS, DIVISION_MERGES),
    "docx": lambda p: write_docx(p, DIVISION_ROWS, DIVISION_MERGES),
    "csv": lambda p: write_csv(p, DIVISION_ROWS),
    "xlsx": lambda p: write_xlsx(p, DIVISION_ROWS, DIVISION_MERGES),
}


def test_every_format_and_every_sample_file_makes_the_same_ledger_on_a_server(pg_server, tmp_path, capsys):
    """The sample files (table, csv, notice, rosters, duties) and the generated xls/ods/docx/csv/xlsx,
    imported by the command line into a file and into a server ledger, give the same rows."""
    made = [FORMATS[fmt](tmp_path / f"分工表{fmt}.{fmt}") for fmt in FORMATS]
    files = [*sorted(SAMPLES.glob("*.xlsx")), *sorted(SAMPLES.glob("*.csv")), *sorted(SAMPLES.glob("*.txt")), *made]
    server, file = pg_server.new_ledger(), tmp_path / "ledger.db"
    for path in files:
        extra = ("--group", "格式" if path in made else "示例")  # one group each: the files name several places
        on_file, on_server = (_import(target, path, *extra, capsys=capsys) for target in (file, server))
        assert on_server.replace(NO_BACKUP_NOTE + "\n", "") == on_file, path.name
    again = _import(server, made[-1], "--group", "格式", capsys=capsys)
    assert "与数据库中已有内容相同，没有改动" in again
    on_file, on_server = _without_times(_rows(file)), _without_times(_rows(server))
    assert on_server == on_file
    assert len(on_server["task"]) > 60 and on_server["member"] and on_server["duty"]


# ------------------------------------------------------------------ failures


def _stop_inside_import(pg_server, url: str, fifo: Path):
    """Test scaffolding on the server: after the import's first COPY into import_source (its tasks,
    units and targets of a batch written) the statement writes to ``fifo`` and then waits for the
    advisory lock 4242, which the caller holds (once per transaction: later batches go on)."""
    import psycopg

    dbname = url.split("/")[3].split("?")[0]
    os.mkfifo(fifo, 0o666)
    os.chmod(fifo, 0o666)
    pg_server.sql(f"""CREATE FUNCTION stop_here() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF current_setting('tz.stopped', true) = '1' THEN RETURN NULL; END IF;  -- once per import
          PERFORM set_config('tz.stopped', '1', true);
          EXECUTE format('COPY (SELECT 1) TO %L', '{fifo}'); PERFORM pg_advisory_lock(4242); RETURN NULL;
        END $$""",
                  dbname=dbname)
    pg_server.sql("CREATE TRIGGER stop_here AFTER INSERT ON import_source FOR EACH STATEMENT "
                  "EXECUTE FUNCTION stop_here()", dbname=dbname)
    holder = psycopg.connect(host=pg_server.socket_dir, user="tz_admin", dbname=dbname, autocommit=True)
    holder.execute("SELECT pg_advisory_lock(4242)")
    return dbname, holder


def _wait_for(fifo: Path) -> None:
    guard = threading.Timer(120, lambda: os.close(os.open(fifo, os.O_WRONLY)))  # never there: the test fails
    guard.start()
    try:
        with open(fifo, "rb") as reached:
            assert reached.read().strip() == b"1", "the import never reached its COPY into import_source"
    finally:
        guard.cancel()


def _start_big_import(url: str, tmp_path: Path) -> subprocess.Popen:
    """``taizhang import`` of a table of ``BIG`` tasks onto ``url``, in another process."""
    return subprocess.Popen([sys.executable, "-m", "taizhang", "--db", url, "import", str(_big_table(tmp_path)),
                             "--group", GROUP], cwd=ROOT, env={**os.environ, "TAIZHANG_TODAY": TODAY},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _let_go_until_gone(holder) -> None:
    """Let the stopped import go on (``_stop_inside_import``'s lock) and return once a cut-off or
    killed import's transaction is gone (the ledger's write lock is free again)."""
    from models.server_conn import WRITE_LOCK

    holder.execute("SELECT pg_advisory_unlock(4242)")
    with holder.transaction():
        holder.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))


BIG = 700  # tasks: more than one batch (importers.load._BATCH), so the import is stopped with more to write


def _big_table(tmp_path: Path) -> Path:
    from benchmarks.real_data import make_real_workbook

    return make_real_workbook(tmp_path / "大表.xlsx", BIG)


@pytest.mark.parametrize("how", ["connection cut", "kill -9"])
def test_an_import_cut_off_midway_leaves_the_server_ledger_as_it_was(how, pg_server, tmp_path, capsys):
    url = pg_server.new_ledger()
    _import(url, MINQING_FILE, "--group", GROUP, capsys=capsys)
    before = _rows(url)
    fifo = pg_server.folder / f"reached-{os.getpid()}-{how.split()[0]}"
    dbname, holder = _stop_inside_import(pg_server, url, fifo)
    try:
        job = _start_big_import(url, tmp_path)
        _wait_for(fifo)
        assert job.poll() is None  # inside its transaction, tasks written
        assert _one(url, "SELECT count(*) FROM task") == [(27,)]  # others read on, unblocked, the ledger as it was
        if how == "kill -9":
            job.kill()
            job.communicate(timeout=60)
        else:
            from models.server_conn import WRITE_LOCK

            pids = holder.execute("SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objid = %s AND granted",
                                  (WRITE_LOCK,)).fetchall()
            assert len(pids) == 1  # the import holds the ledger's write lock
            holder.execute("SELECT pg_terminate_backend(%s)", pids[0])
            out, err = job.communicate(timeout=60)
            assert job.returncode == 1
            assert "与服务器的连接在导入途中断开" in err and "台账保持导入前的样子" in err, err
            assert "数据库未作任何改动" in err and "Traceback" not in err
        _let_go_until_gone(holder)
    finally:
        holder.close()
    pg_server.sql("DROP TRIGGER stop_here ON import_source", dbname=dbname)
    assert _rows(url) == before
    assert "新增 0，更新 0，未变 27" in _import(url, MINQING_FILE, "--group", GROUP, capsys=capsys)


def test_an_import_and_another_writer_take_turns_and_nothing_is_lost(pg_server, tmp_path, capsys):
    """A command-line import (another process, another "PC") stopped inside its transaction while this
    process changes the ledger: the change waits for the write lock, then both are in the ledger."""
    from models.server_conn import WRITE_LOCK

    url = pg_server.new_ledger()
    _import(url, MINQING_FILE, "--group", GROUP, capsys=capsys)
    first = _task_ids(url)[0]
    shown = _one(url, "SELECT deadline FROM task WHERE id = ?", (first,))[0][0]
    fifo = pg_server.folder / f"reached-{os.getpid()}-turns"
    dbname, holder = _stop_inside_import(pg_server, url, fifo)
    done: dict[str, object] = {}

    def edit() -> None:
        with Database(url) as db:
            ops.edit_task(db, first, deadline="2027年底前", expected={"deadline": shown})
            done["edited"] = True

    try:
        job = _start_big_import(url, tmp_path)
        _wait_for(fifo)
        writer = threading.Thread(target=edit)
        writer.start()
        waiting = []
        for _ in range(5000):  # until the change waits for the import's write lock (a query per look)
            waiting = holder.execute("SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objid = %s "
                                     "AND NOT granted", (WRITE_LOCK,)).fetchall()
            if waiting:
                break
        assert waiting and "edited" not in done
        holder.execute("SELECT pg_advisory_unlock(4242)")
        out, err = job.communicate(timeout=120)
        writer.join(timeout=60)
    finally:
        holder.close()
    pg_server.sql("DROP TRIGGER stop_here ON import_source", dbname=dbname)
    assert job.returncode == 0, err
    assert done.get("edited")
    assert _one(url, "SELECT deadline FROM task WHERE id = ?", (first,)) == [("2027年底前",)]
    assert _one(url, "SELECT count(*) FROM task") == [(27 + BIG,)]
    assert [a for (a,) in _one(url, "SELECT action FROM history ORDER BY id")] == ["import", "import", "edit_task"]


def test_an_import_waits_its_turn_then_says_the_ledger_is_busy(pg_server, capsys, monkeypatch):
    import psycopg

    from models import server_conn
    from models.locking import BUSY_MESSAGE

    url = pg_server.new_ledger()
    dbname = url.split("/")[3].split("?")[0]
    monkeypatch.setattr(server_conn, "LOCK_TIMEOUT", "300ms")  # instead of 15 s
    with psycopg.connect(host=pg_server.socket_dir, user="tz_admin", dbname=dbname, autocommit=True) as other:
        other.execute("SELECT pg_advisory_lock(%s)", (server_conn.WRITE_LOCK,))  # another writer, mid-change
        err = _import(url, MINQING_FILE, "--group", GROUP, capsys=capsys, status=1)
    assert BUSY_MESSAGE in err and "数据库未作任何改动" in err
    assert _rows(url)["task"] == []
    assert "新增 27" in _import(url, MINQING_FILE, "--group", GROUP, capsys=capsys)  # its turn now


def test_a_read_only_account_is_refused_and_nothing_changes(pg_server, capsys):
    url = pg_server.new_ledger()
    _import(url, MINQING_FILE, "--group", GROUP, capsys=capsys)
    before = _rows(url)
    role = f"tz_ro_{os.getpid()}"
    dbname = url.split("/")[3].split("?")[0]
    pg_server.sql(f"CREATE ROLE {role} LOGIN")
    pg_server.sql(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}", dbname=dbname)
    leader = pg_server.url(dbname, role)
    err = _import(leader, SAMPLES / "四平市老龄工作重点任务.csv", "--group", GROUP, capsys=capsys, status=1)
    assert READ_ONLY_MESSAGE in err and "数据库未作任何改动" in err
    assert _rows(url) == before




# ------------------------------------------------------------------ the first import's constraints (issue 17)

def _schema_of(url: str) -> list[tuple]:
    """The server ledger's constraints and indexes, as the catalogue says them."""
    return sorted(_one(url, "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
                            "WHERE connamespace = 'public'::regnamespace") +
                  _one(url, "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'"))


def _spy_set_aside(monkeypatch) -> list[list[str]]:
    """What each ``set_aside`` of this process returned: the statements it would run again after the rows."""
    from importers import server_write

    returned: list[list[str]] = []
    real = server_write.set_aside
    monkeypatch.setattr(server_write, "set_aside", lambda conn: returned.append(real(conn)) or returned[-1])
    return returned


def _refused(url: str, statement: str) -> str:
    """The SQLSTATE the server answers ``statement`` with (the statement must fail)."""
    import psycopg

    with psycopg.connect(url) as conn:
        with pytest.raises(psycopg.Error) as caught:
            conn.execute(statement)
    return caught.value.sqlstate


def test_a_first_import_onto_a_server_sets_its_constraints_aside_and_makes_them_again(pg_server, capsys, monkeypatch):
    url, new = pg_server.new_ledger(), pg_server.new_ledger()
    returned = _spy_set_aside(monkeypatch)
    out = _import(url, MINQING_FILE, "--group", GROUP, capsys=capsys)
    assert "新增 27" in out
    kinds = " ".join(" ".join(r) for r in returned)
    assert len(returned) == 1 and "FOREIGN KEY (task_id) REFERENCES task(id)" in kinds and "UNIQUE" in kinds
    assert "CREATE INDEX ix_assignment_unit_role" in kinds  # all of them were set aside …
    assert _schema_of(url) == _schema_of(new)  # … and are there again, the same as a new ledger's
    assert len(_schema_of(url)) > 30
    # and they hold: a row pointing at no task, or a second target of a year, is refused
    assert _refused(url, "UPDATE assignment SET task_id = 999999 WHERE id = (SELECT min(id) FROM assignment)") == "23503"
    assert _refused(url, "UPDATE target SET year = year + 1 WHERE task_id = (SELECT min(task_id) FROM target)") == "23505"
    # the same as the row-by-row way: a second import onto a ledger with tasks sets nothing aside
    _import(url, SAMPLES / "四平市老龄工作重点任务.csv", "--group", "四平", capsys=capsys)
    assert returned == returned[:1] and _schema_of(url) == _schema_of(new)


def test_a_first_import_cut_off_or_tried_leaves_the_constraints_and_indexes_as_they_were(pg_server, tmp_path, capsys):
    url = pg_server.new_ledger()
    schema, rows = _schema_of(url), _rows(url)
    preview = _import(url, MINQING_FILE, "--group", GROUP, "--dry-run", capsys=capsys)  # rolled back, drops too
    assert "新增 27" in preview and _schema_of(url) == schema and _rows(url) == rows
    fifo = pg_server.folder / f"reached-{os.getpid()}-first"
    dbname, holder = _stop_inside_import(pg_server, url, fifo)
    try:
        job = _start_big_import(url, tmp_path)
        _wait_for(fifo)  # the constraints set aside, a batch of tasks written
        locked = holder.execute("SELECT count(*) FROM pg_locks WHERE mode = 'AccessExclusiveLock' AND relation = "
                                "'assignment'::regclass").fetchone()[0]
        assert locked == 1  # (the fast path was taken)
        job.kill()
        job.communicate(timeout=60)
        _let_go_until_gone(holder)
    finally:
        holder.close()
    pg_server.sql("DROP TRIGGER stop_here ON import_source", dbname=dbname)
    pg_server.sql("DROP FUNCTION stop_here()", dbname=dbname)
    assert _rows(url) == rows and _schema_of(url) == schema
    assert f"新增 {BIG}" in _import(url, _big_table(tmp_path), "--group", GROUP, capsys=capsys)
    assert _schema_of(url) == schema


def test_a_first_import_by_an_account_that_does_not_own_the_tables_goes_row_by_row(pg_server, capsys, monkeypatch):
    url = pg_server.new_ledger()
    dbname = url.split("/")[3].split("?")[0]
    role = f"tz_writer_{os.getpid()}"
    pg_server.sql(f"CREATE ROLE {role} LOGIN")
    for grant in (f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
                  f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {role}"):
        pg_server.sql(grant, dbname=dbname)
    before = _schema_of(url)
    returned = _spy_set_aside(monkeypatch)
    out = _import(pg_server.url(dbname, role), MINQING_FILE, "--group", GROUP, capsys=capsys)
    assert "新增 27" in out and returned == [[]]
    assert _schema_of(url) == before
    assert _one(url, "SELECT count(*) FROM assignment WHERE task_id NOT IN (SELECT id FROM task)") == [(0,)]


def test_a_reader_holding_the_tables_makes_the_first_import_go_row_by_row(pg_server, capsys, monkeypatch):
    import psycopg

    from importers import server_write

    url = pg_server.new_ledger()
    dbname = url.split("/")[3].split("?")[0]
    before = _schema_of(url)
    monkeypatch.setattr(server_write, "SET_ASIDE_LOCK_WAIT", "200ms")  # instead of 1 s
    returned = _spy_set_aside(monkeypatch)
    with psycopg.connect(host=pg_server.socket_dir, user="tz_admin", dbname=dbname) as reader:
        assert reader.execute("SELECT count(*) FROM assignment").fetchone() == (0,)  # its transaction stays open
        out = _import(url, MINQING_FILE, "--group", GROUP, capsys=capsys)
        assert reader.execute("SELECT count(*) FROM task").fetchone() == (27,)  # never kept waiting
    assert "新增 27" in out and returned == [[]]
    assert _schema_of(url) == before
    assert _one(url, "SELECT count(*) FROM task") == [(27,)]


# ------------------------------------------------------------------ returned forms of a round


@pytest.mark.file_only("puts the file beside a server ledger of its own")
def test_returned_forms_import_onto_a_server_as_into_a_file_and_undo(demo, pg_server, tmp_path, capsys):
    from test_rounds_forms import GROUP as FORMS_GROUP
    from test_rounds_forms import _unit_tasks, returned_civil_form

    from conftest import run_cli

    back = returned_civil_form(demo, tmp_path, lambda i: (
        "推进中" if i % 3 else "已完成", f"民政第{i + 1}项进展", "2023-06-20" if i % 3 == 0 else None,
        None, "照片.jpg" if i == 1 else None))
    civil = _unit_tasks(demo, "市民政局")
    (back / "照片.jpg").write_bytes(b"\xff\xd8 a photo")
    url = pg_server.new_ledger()
    assert run_cli("copy", str(demo), url, "--replace").returncode == 0
    before = _rows(url)

    on_file = _import(demo, back, "--group", FORMS_GROUP, capsys=capsys)
    on_server = _import(url, back, "--group", FORMS_GROUP, capsys=capsys)
    assert "新报送 1 个单位" in on_server and "状态变化" in on_server
    assert NO_BACKUP_NOTE in on_server
    assert "已添加佐证材料 1 个：照片.jpg" in on_file and "已添加佐证材料 1 个：照片.jpg" in on_server
    file_rows, server_rows = _without_times(_rows(demo)), _without_times(_rows(url))
    for table in ("unit_report", "report_entry", "progress", "task", "evidence"):
        assert server_rows[table] == file_rows[table], table
    from models.evidence import open_evidence, task_evidence
    from models.store import connect

    conn = connect(url)  # the photo's content is on the server, read back whole
    try:
        (photo,) = task_evidence(conn, url, list(civil)[1])
    finally:
        conn.close()
    opened = []
    open_evidence(url, photo, opener=opened.append)
    assert photo.state == "ok" and opened[0].read_bytes() == (back / "照片.jpg").read_bytes()

    imported = _rows(url)
    with Database(url) as db:
        assert "填报表" in ops.undo(db)
    assert _rows(url)["report_entry"] == before["report_entry"] == []
    assert _rows(url)["task"] == before["task"]
    with Database(url) as db:
        redo_last(db)
    for table in ("unit_report", "report_entry", "progress", "task"):
        assert _rows(url)[table] == imported[table], table
