"""Every export and the reporting rounds on a server ledger (issue 18): the demo ledger with
something in every corner (tests/server_exports.py) is copied to the test server, each export runs
on the file and on the server, and the two results are the same as a user sees them — .xlsx cell by
cell (values, merges, row heights, column widths, page breaks), .docx paragraphs and tables, the
JSON dump as data. The round commands give the same words and leave the same ledger on both."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.server_exports import LINHAI, MINQING, ON, SIPING, build_rich, file_view, tree_view, with_evidence_files

TODAY = "2023-07-01"
# kind: (arguments after OUT, OUT is a folder, "today")
EXPORTS = {
    "division": (["--kind", "division", "--group", MINQING, "--with-status"], False, TODAY),
    "progress": (["--kind", "progress", "--group", MINQING], False, TODAY),
    "overdue": (["--kind", "overdue", "--group", SIPING, "--within", "30"], False, TODAY),
    "roster": (["--kind", "roster", "--group", LINHAI], False, TODAY),
    "attachments": (["--kind", "division,progress,overdue,roster", "--group", MINQING], True, TODAY),
    "history": (["--kind", "history", "--group", MINQING], False, TODAY),
    "history-every-group": (["--kind", "history", "--group", "全部领导小组"], False, TODAY),
    "json": ([], False, TODAY),
    "forms": (["--kind", "forms", "--group", LINHAI], True, "2023-06-25"),
    "reporting": (["--kind", "reporting", "--group", MINQING, "--round", "2019年6月"], False, ON),
    "assessment": (["--kind", "assessment", "--group", MINQING, "--from", "2019-01-01", "--to", ON], False, ON),
    "assessment-round": (["--kind", "assessment", "--group", MINQING, "--round", "2019年6月"], False, ON),
    "bulletin": (["--kind", "bulletin", "--group", MINQING], False, ON),
    "chase": (["--kind", "chase", "--group", MINQING], True, ON),
    "evidence": (["--kind", "evidence", "--group", MINQING, "--zip"], True, ON),
}
SUFFIX = {"json": ".json", "bulletin": ".docx"}


@pytest.fixture(scope="module")
def rich(demo_file, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("rich") / "rich.db"
    shutil.copy(demo_file, path)
    build_rich(path, path.parent / "in")
    return path


@pytest.fixture(scope="module")
def rich_on_server(rich, pg_server) -> str:
    """The rich ledger copied once to a database of the test server, used as a template. The database
    sorts text as a server set up in Chinese does (ICU zh-Hans-CN, PostgreSQL 15+), not in byte order
    as a ledger file does: an export that let the server order text would differ from the file's."""
    import os

    from models.ledger_copy import copy_ledger

    name = f"rich_{os.getpid()}"
    try:
        pg_server.sql(f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8' LOCALE 'C.UTF-8' "
                      "LOCALE_PROVIDER icu ICU_LOCALE 'zh-Hans-CN'")
    except Exception:  # noqa: BLE001 - an older server or one without ICU: its default collation
        name = pg_server.new_database("rich")
    copy_ledger(str(rich), pg_server.url(name))
    return name


@pytest.fixture
def both(rich, rich_on_server, pg_server, tmp_path) -> tuple[Path, str]:
    """This test's own copy of the rich ledger as a file (with its evidence files) and as a server
    ledger (the files' contents copied there)."""
    file = with_evidence_files(rich, tmp_path / "ledger.db")
    name = f"{rich_on_server}_{tmp_path.name}"[:63]
    pg_server.sql(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{rich_on_server}'")
    pg_server.sql(f'CREATE DATABASE "{name}" TEMPLATE "{rich_on_server}"')
    return file, pg_server.url(name)


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    from taizhang.cli import main

    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize("kind", list(EXPORTS))
def test_an_export_from_a_server_is_the_same_as_from_the_file(kind, both, tmp_path, capsys, monkeypatch):
    args, folder, day = EXPORTS[kind]
    monkeypatch.setenv("TAIZHANG_TODAY", day)
    seen = {}
    for engine, target in zip(("file", "server"), both):
        out = tmp_path / engine
        out.mkdir()
        where = out if folder else out / f"out{SUFFIX.get(kind, '.xlsx')}"
        code, stdout, stderr = _run(capsys, "--db", str(target), "export", str(where), *args)
        assert code == 0, stderr
        assert "Traceback" not in stderr and "已导出" in stdout
        seen[engine] = tree_view(out)
    assert seen["file"], "nothing was exported"
    assert seen["server"] == seen["file"]


def test_reporting_rounds_on_a_server_say_and_keep_the_same(both, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("TAIZHANG_TODAY", "2019-07-01")
    steps = [["open", "2019年7月", "--due", "2019-07-25"], ["list"], ["close", "2019年7月"], ["reopen", "2019年7月"],
             ["close", "2019年6月"], ["cycle", "每季度"], ["open"], ["list"], ["close", "没有这一轮"]]
    said: dict[str, list] = {}
    for engine, target in zip(("file", "server"), both):
        said[engine] = [_run(capsys, "--db", str(target), "round", *step, "--group", MINQING) for step in steps]
        code, _, err = _run(capsys, "--db", str(target), "export", str(tmp_path / f"{engine}.json"))
        assert code == 0, err
    assert said["server"] == said["file"]
    assert [code for code, _, _ in said["file"]] == [0] * (len(steps) - 1) + [1]
    assert "已开启报送轮次「2019年第三季度」" in said["file"][6][1]
    assert "2019年6月\t已结束" in said["file"][7][1]
    assert file_view(tmp_path / "server.json") == file_view(tmp_path / "file.json")


def test_the_overview_counts_on_a_server_are_the_files(both):
    """总览's figures and the task list's lights (``models.judged_counts``: SQL for the plain tasks,
    their due date made from the last target year) read the same on both engines."""
    from datetime import date

    from models import store
    from models.judged_counts import count_group, judged_lights

    seen = {}
    for engine, target in zip(("file", "server"), both):
        conn = store.connect(target)
        try:
            groups = [r[0] for r in conn.execute("SELECT id FROM work_group ORDER BY id")]
            seen[engine] = [(count_group(conn, g, day), judged_lights(conn, g, day))
                            for g in groups for day in (date(2019, 6, 30), date(2023, 7, 1))]
        finally:
            conn.close()
    assert seen["server"] == seen["file"]
    assert any(counts.counts.overdue for counts, _ in seen["file"])


def test_a_read_only_account_exports_and_is_told_what_it_may_not_change(both, pg_server, tmp_path, capsys,
                                                                        monkeypatch):
    """A leader's read-only account: the reports come out; the chase letters too, with a note that they
    were not recorded; opening a round is refused with the message, and the ledger is unchanged."""
    import os

    from models.server import READ_ONLY_MESSAGE

    monkeypatch.setenv("TAIZHANG_TODAY", ON)
    _, url = both
    name = url.split("@/", 1)[1].split("?", 1)[0]
    role = f"leader_{os.getpid()}"
    pg_server.sql(f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN "
                  f"CREATE ROLE {role} LOGIN; END IF; END $$")
    pg_server.sql(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}", dbname=name)
    leader = pg_server.url(name, user=role)
    before = pg_server.sql("SELECT count(*) FROM history", dbname=name)
    code, out, err = _run(capsys, "--db", leader, "export", str(tmp_path / "d.xlsx"), "--group", MINQING)
    assert code == 0 and "已导出" in out, err
    (tmp_path / "letters").mkdir()
    code, out, err = _run(capsys, "--db", leader, "export", str(tmp_path / "letters"), "--kind", "chase", "--group", MINQING)
    assert code == 0, err
    letters = list((tmp_path / "letters").glob("*.docx"))
    assert letters and f"共 {len(letters)} 份督办通知。" in out
    assert f"督办通知已导出，但没有记入各单位的督办记录：{READ_ONLY_MESSAGE}" in err and "Traceback" not in err
    code, out, err = _run(capsys, "--db", leader, "round", "open", "2019年7月", "--group", MINQING)
    assert code == 1 and READ_ONLY_MESSAGE in err and "Traceback" not in err
    assert pg_server.sql("SELECT count(*) FROM history", dbname=name) == before


def test_byte_order_sorts_text_on_a_server_as_a_file_does(both):
    """``models.sql.byte_order``: the helper for any list a user sees ordered by a name."""
    from models import store
    from models.sql import byte_order

    seen = {}
    for engine, target in zip(("file", "server"), both):
        conn = store.connect(target)
        try:
            seen[engine] = [r[0] for r in conn.execute(f"SELECT name FROM unit ORDER BY {byte_order(conn, 'name')}, id")]
            plain = [r[0] for r in conn.execute("SELECT name FROM unit ORDER BY name, id")]
            if engine == "server":
                icu = conn.execute("SELECT datlocprovider FROM pg_database WHERE datname = current_database()"
                                   ).fetchone()[0] == "i"
        finally:
            conn.close()
    assert seen["server"] == seen["file"] == sorted(seen["file"], key=lambda n: n.encode("utf-8"))
    if icu:  # the server's own collation (zh-Hans-CN) orders them otherwise
        assert plain != seen["server"]


def test_a_tasks_history_reads_the_same_on_a_server(both):
    """``models.audit`` (the 操作记录 export and the TUI's history): a task's entries, found through the
    import's id ranges and its units' rows in the JSON of each change, are the same on both engines."""
    from models import audit, store

    seen = {}
    for engine, target in zip(("file", "server"), both):
        conn = store.connect(target)
        try:
            tasks = [r[0] for r in conn.execute("SELECT id FROM task ORDER BY id")]
            picked = tasks[:2] + tasks[len(tasks) // 2: len(tasks) // 2 + 2] + tasks[-2:]
            seen[engine] = [(t, audit.count(conn, audit.Scope(task_id=t)), audit.entries(conn, audit.Scope(task_id=t)))
                            for t in picked]
        finally:
            conn.close()
    assert seen["server"] == seen["file"]
    assert all(n >= 1 for _, n, _ in seen["file"])  # every task has at least its import
