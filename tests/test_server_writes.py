"""Writing to a server ledger (issue 18) through the real command line and the operations: settings,
undo and redo; restore and demo refused with what to do instead; an account granted SELECT only
refused every write with one Chinese sentence, reading still working; and several staff at once —
two processes as two PostgreSQL users streaming operations onto one ledger, nothing lost, nothing
interleaved, a change over someone else's refused."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from datetime import date

import pytest

from conftest import ROOT, TODAY, run_cli
from conftest import query_rows as rows
from models import operations as ops
from models.db import Database
from models.errors import OperationError
from models.server import READ_ONLY_MESSAGE
from models.store import connect

READER, STAFF = "tz_reader", "tz_staff"


def everything(target) -> dict[str, list[tuple]]:
    """Every row of every table: equal results mean nothing was written."""
    from models.tables import TRACKED_TABLES

    return {t: rows(target, f'SELECT * FROM "{t}" ORDER BY id') for t in (*TRACKED_TABLES, "history", "row_change")}


@pytest.fixture(scope="session")
def roles(pg_server):
    """A read-only role (SELECT only, as the README's 只读账号) and a staff role (read and write),
    both trusted on the test server's socket."""
    pg_server.sql(f"CREATE ROLE {READER} LOGIN")
    pg_server.sql(f"CREATE ROLE {STAFF} LOGIN")
    return pg_server


def grant(server, url: str) -> str:
    """Give the two roles their rights on the ledger at ``url`` (its database name)."""
    name = url.split("@/", 1)[1].split("?", 1)[0]
    for statement in (f"GRANT USAGE ON SCHEMA public TO {READER}, {STAFF}",
                      f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {READER}",
                      f"GRANT SELECT ON ALL SEQUENCES IN SCHEMA public TO {READER}",
                      f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {STAFF}",
                      f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {STAFF}"):
        server.sql(statement, dbname=name)
    return name


@pytest.fixture
def ledger(roles):
    """A server ledger with one group and two tasks (one done, one edited), made by its owner."""
    url = roles.new_ledger()
    grant(roles, url)
    db = Database(url)
    try:
        g = ops.create_group(db, "测试领导小组", host_unit="县民政局")
        t1 = ops.add_task(db, g, "完善养老服务体系", deadline="2023年底前", due=date(2023, 12, 31))
        t2 = ops.add_task(db, g, "新建老年大学一所")
        ops.assign(db, t1, "县民政局", person="张三")
        ops.tick(db, t2)
    finally:
        db.close()
    return url


def as_user(url: str, user: str) -> str:
    return url.replace("tz_admin@", f"{user}@", 1)


def test_settings_undo_and_redo_on_the_command_line(ledger):
    shown = run_cli("--db", ledger, "settings")
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.splitlines() == ["办结审核：开启（单位报已完成须经办公室销号）",
                                         "考评权重：完成率 40，按时完成率 30，按时报送率 30，每项逾期扣分 5"]
    saved = run_cli("--db", ledger, "settings", "--review", "off", "--weight", "完成率=50")
    assert saved.returncode == 0, saved.stderr
    assert saved.stdout.splitlines() == ["测试领导小组：已保存（可在界面中 Ctrl+Z 撤销）。",
                                         "办结审核：关闭（单位报已完成即办结）",
                                         "考评权重：完成率 50，按时完成率 30，按时报送率 30，每项逾期扣分 5"]
    assert rows(ledger, "SELECT review_closing FROM work_group") == [(0,)]
    undone = run_cli("--db", ledger, "undo")
    assert undone.returncode == 0 and undone.stdout.startswith("已撤销：测试领导小组：办结审核关闭"), undone.stderr
    assert rows(ledger, "SELECT review_closing, assessment_weights FROM work_group") == [(1, None)]
    undone = run_cli("--db", ledger, "undo")
    assert undone.stdout.strip() == "已撤销：标记完成：新建老年大学一所"
    assert rows(ledger, "SELECT status, done_on FROM task ORDER BY id") == [("未启动", None), ("未启动", None)]
    for want in ("已重做：标记完成：新建老年大学一所", "已重做：测试领导小组：办结审核关闭"):
        redone = run_cli("--db", ledger, "redo")
        assert redone.returncode == 0 and redone.stdout.startswith(want), redone.stderr
    assert rows(ledger, "SELECT status, done_on FROM task ORDER BY id") == [("未启动", None), ("已完成", TODAY)]
    assert rows(ledger, "SELECT review_closing FROM work_group") == [(0,)]
    nothing = run_cli("--db", ledger, "redo")
    assert nothing.returncode == 0 and nothing.stdout.startswith("没有可以重做的修改")
    assert [a for (a,) in rows(ledger, "SELECT action FROM history ORDER BY id")][-5:] == [
        "set_judging", "undo", "undo", "redo", "redo"]


@pytest.mark.parametrize("argv, said", [
    (["restore", "x.db"], "不能用于服务器上的台账"),
    (["demo", "--no-tui"], "示例数据只载入空的服务器台账")])
def test_restore_and_demo_on_a_server_say_what_to_do_instead(ledger, argv, said, tmp_path):
    before = everything(ledger)
    done = run_cli("--db", ledger, *argv, cwd=tmp_path)
    assert done.returncode == 1
    assert said in done.stderr and "taizhang" in done.stderr and "Traceback" not in done.stderr
    assert everything(ledger) == before and list(tmp_path.iterdir()) == []


def test_a_read_only_account_reads_and_every_write_is_refused_in_chinese(ledger, tmp_path):
    reader = as_user(ledger, READER)
    before = everything(ledger)
    for argv in (["settings", "--review", "off"], ["settings", "--weight", "完成率=10"], ["undo"]):
        done = run_cli("--db", reader, *argv)
        assert done.returncode == 1, (argv, done.stdout)
        assert done.stderr.strip().removeprefix("taizhang：") == READ_ONLY_MESSAGE, done.stderr
    shown = run_cli("--db", reader, "settings")  # reading works
    assert shown.returncode == 0 and shown.stdout.startswith("办结审核：开启"), shown.stderr
    copied = run_cli("copy", reader, str(tmp_path / "seen.db"))  # and so does taking a copy home
    assert copied.returncode == 0, copied.stderr
    saved = run_cli("--db", reader, "backup", env={"XDG_DATA_HOME": str(tmp_path / "data")})  # or a backup
    assert saved.returncode == 0 and saved.stdout.startswith("已备份："), saved.stderr
    assert len(list((tmp_path / "data" / "taizhang" / "server-backups").glob("*.db"))) == 1
    assert everything(ledger) == before

    # every operation family through the models, and redo after the owner's undo
    owner = Database(ledger)
    try:
        ops.undo(owner)
    finally:
        owner.close()
    before = everything(ledger)
    from models.closing import claim_done, grant_extension, set_judging
    from models.editing import delete_task
    from models.rounds import open_round

    db = Database(reader)
    try:
        t1, t2 = [t for (t,) in rows(ledger, "SELECT id FROM task ORDER BY id")]
        writes = [lambda: ops.create_group(db, "新小组"), lambda: ops.add_task(db, 1, "任务丙"),
                  lambda: ops.edit_task(db, t1, content="改", expected={"content": "完善养老服务体系"}),
                  lambda: ops.tick(db, t1), lambda: ops.record_progress(db, t1, "进展"),
                  lambda: ops.rename_unit(db, 1, "县民政"), lambda: ops.merge_units(db, 1, 99),  # no unit 99
                  lambda: delete_task(db, t2),
                  lambda: grant_extension(db, t1, date(2024, 6, 30), "理由"), lambda: claim_done(db, t1),
                  lambda: set_judging(db, 1, False, {}), lambda: open_round(db, 1, "第一轮"),
                  lambda: ops.undo(db), lambda: ops.redo(db)]
        for write in writes:
            with pytest.raises(OperationError) as refusal:
                write()
            assert str(refusal.value) == READ_ONLY_MESSAGE
    finally:
        db.close()
    assert everything(ledger) == before


WRITER = textwrap.dedent("""
    import json, sys
    from models import operations as ops
    from models.db import Database
    from models.errors import OperationError
    url, name, n, shared = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    db = Database(url)
    made, saved, refused = [], [], 0
    print("ready", flush=True)
    sys.stdin.readline()  # both start together
    for i in range(n):
        t = ops.add_task(db, 1, f"{name}的任务{i}")
        ops.assign(db, t, f"{name}单位{i % 3}", person=name)
        ops.tick(db, t)
        made.append(t)
        with db.session() as s:  # what this "window" shows of the shared task, then an edit of it
            from models.tables import Task
            shown = s.get(Task, shared).notes
        try:
            ops.edit_task(db, shared, notes=f"{name}{i}", expected={"notes": shown})
            saved.append([shown, f"{name}{i}"])
        except OperationError as exc:
            assert "已被修改" in str(exc), str(exc)
            refused += 1
    db.close()
    print(json.dumps({"made": made, "saved": saved, "refused": refused}), flush=True)
""")


def test_two_staff_on_two_pcs_stream_changes_at_once_and_lose_nothing(ledger, roles, tmp_path):
    """Two processes, two PostgreSQL users, 25 rounds each of add/assign/tick and an edit of one
    shared task made over what each last saw. The server ledger is set to REPEATABLE READ by
    default: the writers must still read, after the write lock, what the other committed."""
    name = ledger.split("@/", 1)[1].split("?", 1)[0]
    roles.sql(f'ALTER DATABASE "{name}" SET default_transaction_isolation = \'repeatable read\'')
    shared = rows(ledger, "SELECT min(id) FROM task")[0][0]
    before = rows(ledger, "SELECT count(*) FROM history")[0][0]
    script = tmp_path / "writer.py"
    script.write_text(WRITER, encoding="utf-8")
    n = 25
    procs = [subprocess.Popen([sys.executable, str(script), as_user(ledger, user), who, str(n), str(shared)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              cwd=ROOT, env={**__import__("os").environ, "TAIZHANG_TODAY": TODAY,
                                             "PYTHONPATH": str(ROOT)})
             for user, who in (("tz_admin", "甲"), (STAFF, "乙"))]
    for p in procs:
        assert p.stdout.readline().strip() == "ready", p.stderr.read()
    for p in procs:
        p.stdin.write("go\n")
        p.stdin.flush()
    results = []
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))

    # nothing lost: every task each made, with its unit, person and tick; a history entry for each
    made = [t for r in results for t in r["made"]]
    assert len(set(made)) == 2 * n
    tasks = rows(ledger, "SELECT id, content, status, position FROM task WHERE id <> :s ORDER BY id", {"s": shared})
    assert sorted(t for t, *_ in tasks if t in made) == sorted(made)
    assert {c for _, c, s, _ in tasks if s == "已完成" and c[0] in "甲乙"} == {
        f"{who}的任务{i}" for who in "甲乙" for i in range(n)}
    positions = [p for (p,) in rows(ledger, "SELECT position FROM task ORDER BY position")]
    assert positions == sorted(set(positions))  # no two writers took the same place in the list
    persons = rows(ledger, "SELECT t.content, a.person FROM assignment a JOIN task t ON t.id = a.task_id "
                           "WHERE t.id <> :s", {"s": shared})
    assert sorted(c for c, _ in persons if c[0] in "甲乙") == sorted(f"{w}的任务{i}" for w in "甲乙" for i in range(n))
    assert all(c[0] == p for c, p in persons if c[0] in "甲乙")
    saved = [s for r in results for s in r["saved"]]
    assert len(saved) + sum(r["refused"] for r in results) == 2 * n
    entries = rows(ledger, "SELECT action FROM history WHERE id > :b ORDER BY id", {"b": before})
    assert [a for (a,) in entries].count("add_task") == 2 * n and len(entries) == 2 * n * 3 + len(saved)
    # the shared task's edits form one chain: each saved edit was made over the one saved before it
    chain = rows(ledger, "SELECT rc.\"before\", rc.\"after\" FROM row_change rc JOIN history h ON h.id = rc.history_id "
                         "WHERE h.action = 'edit_task' AND rc.row_id = :s ORDER BY h.id", {"s": shared})
    notes = [(json.loads(b)["notes"], json.loads(a)["notes"]) for b, a in chain]
    assert len(notes) == len(saved)
    assert all(notes[i][0] == notes[i - 1][1] for i in range(1, len(notes)))
    assert sorted(map(tuple, saved), key=repr) == sorted(notes, key=repr)
    assert rows(ledger, "SELECT notes FROM task WHERE id = :s", {"s": shared}) == [(notes[-1][1],)]


def test_settings_of_weights_alone_keep_a_review_switch_changed_meanwhile(ledger):
    """`settings --weight` saves the weights over the ledger as it is when the change runs: a switch
    another user turned off after this command read the group is not turned back on."""
    from models.closing import set_judging

    db = Database(ledger)
    try:
        with db.session() as s:  # what the command line had read …
            from models.tables import Group
            assert s.get(Group, 1).review_closing is True
        set_judging(db, 1, False, {})  # … another user turns review off meanwhile …
        assert set_judging(db, 1, None, {"done": 60}) is True  # … and the weights alone go in
    finally:
        db.close()
    review, weights = rows(ledger, "SELECT review_closing, assessment_weights FROM work_group")[0]
    assert review == 0 and json.loads(weights)["done"] == 60
    done = run_cli("--db", ledger, "settings", "--weight", "按时完成率=20")
    assert done.returncode == 0 and "办结审核：关闭" in done.stdout, done.stderr
    assert rows(ledger, "SELECT review_closing FROM work_group") == [(0,)]


def test_a_writer_waits_its_turn_and_a_wait_too_long_is_said_in_chinese(ledger, roles, monkeypatch):
    """Another writer holding the ledger's write lock (here a plain session of the test) makes an
    operation wait; past the lock timeout it is told as on a file, nothing written."""
    import psycopg

    from models import server_conn
    from models.locking import BUSY_MESSAGE

    monkeypatch.setattr(server_conn, "LOCK_TIMEOUT", "300ms")
    name = ledger.split("@/", 1)[1].split("?", 1)[0]
    before = everything(ledger)
    db = Database(ledger)
    try:
        with psycopg.connect(host=roles.socket_dir, user="tz_admin", dbname=name, autocommit=True) as other:
            other.execute("SELECT pg_advisory_lock(%s)", (server_conn.WRITE_LOCK,))
            with pytest.raises(OperationError) as refusal:
                ops.add_task(db, 1, "等不到的任务")
            assert str(refusal.value) == BUSY_MESSAGE
            assert everything(ledger) == before
            other.execute("SELECT pg_advisory_unlock(%s)", (server_conn.WRITE_LOCK,))
        assert ops.add_task(db, 1, "轮到了的任务")
    finally:
        db.close()
    assert rows(ledger, "SELECT content FROM task ORDER BY id")[-1] == ("轮到了的任务",)


def test_a_plain_connections_write_lock_wait_that_runs_out_is_said_in_chinese(ledger, roles, monkeypatch):
    """``BEGIN IMMEDIATE`` on a server's plain connection (as the import writes) through
    ``retry_busy``: a lock wait past its timeout is BUSY_MESSAGE, not a psycopg error."""
    import psycopg

    from models import server_conn
    from models.locking import BUSY_MESSAGE, retry_busy

    monkeypatch.setattr(server_conn, "LOCK_TIMEOUT", "300ms")
    name = ledger.split("@/", 1)[1].split("?", 1)[0]
    conn = connect(ledger)
    try:
        with psycopg.connect(host=roles.socket_dir, user="tz_admin", dbname=name, autocommit=True) as other:
            other.execute("SELECT pg_advisory_lock(%s)", (server_conn.WRITE_LOCK,))
            with pytest.raises(OperationError) as refusal:
                retry_busy(lambda: conn.execute("BEGIN IMMEDIATE"))
            assert str(refusal.value) == BUSY_MESSAGE
            conn.rollback()
            other.execute("SELECT pg_advisory_unlock(%s)", (server_conn.WRITE_LOCK,))
        retry_busy(lambda: conn.execute("BEGIN IMMEDIATE"))  # its turn now
        conn.rollback()
    finally:
        conn.close()
