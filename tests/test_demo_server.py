"""`taizhang --db postgresql://… demo` (issue 18): onto an empty server database the demo goes as
onto a file (the same ledger: the JSON dumps equal), then the window opens unless --no-tui; run again
it adds nothing and keeps what was changed in between, as on a file; a server ledger holding other
work is refused in words and left as it was."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import run_cli

from models import operations as ops
from models.db import Database
from taizhang.demo import DEMO_GROUPS


def _dump(at, out: Path) -> dict:
    done = run_cli("--db", str(at), "export", str(out))
    assert done.returncode == 0, done.stderr
    return json.loads(out.read_text(encoding="utf-8"))


def test_demo_onto_an_empty_server_database_is_the_files_demo_and_a_rerun_adds_nothing(pg_url, tmp_path, monkeypatch):
    on_file = run_cli("--db", str(tmp_path / "demo.db"), "demo", "--no-tui")
    assert on_file.returncode == 0, on_file.stderr
    done = run_cli("--db", pg_url, "demo", "--no-tui")  # a database with nothing in it, not even the schema
    assert done.returncode == 0 and not done.stderr, done.stderr
    assert done.stdout.startswith(on_file.stdout)  # the same lines, file by file
    assert "已载入服务器上的台账" in done.stdout and "领导小组 5 个" in done.stdout
    first = _dump(pg_url, tmp_path / "server.json")
    assert first == _dump(tmp_path / "demo.db", tmp_path / "file.json")
    assert {g["name"] for g in first["groups"]} == {g.name for g in DEMO_GROUPS}

    with Database(pg_url) as db:  # work done on it meanwhile is kept by a re-run, as on a file
        task = ops.add_task(db, 1, "示例之后新加的任务")
    again = run_cli("--db", pg_url, "demo", "--no-tui")
    assert again.returncode == 0, again.stderr
    assert "新增 0，更新 0" in again.stdout and "新增 27" not in again.stdout
    second = _dump(pg_url, tmp_path / "again.json")
    assert [t["content"] for t in second["groups"][0]["tasks"]][-1] == "示例之后新加的任务"
    with Database(pg_url) as db:
        ops.delete_task(db, task)
    assert _dump(pg_url, tmp_path / "third.json") == first

    # without --no-tui the window opens on the server ledger afterwards
    from taizhang import cli

    opened = []
    monkeypatch.setattr(cli, "_tui", lambda args: opened.append(cli._db_path(args)) or 0)
    assert cli.main(["--db", pg_url, "demo"]) == 0
    assert opened == [pg_url]


def test_demo_onto_a_server_ledger_holding_other_work_is_refused_untouched(pg_server, tmp_path):
    url = pg_server.new_ledger()
    with Database(url) as db:
        ops.add_task(db, ops.create_group(db, "测试领导小组"), "完善养老服务体系")
        ops.create_group(db, DEMO_GROUPS[0].name)
    before = _dump(url, tmp_path / "before.json")
    refused = run_cli("--db", url, "demo", "--no-tui")
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert "中已有台账数据（领导小组 2 个：测试领导小组），示例数据只载入空的服务器台账，没有作任何改动" in refused.stderr
    assert _dump(url, tmp_path / "after.json") == before
