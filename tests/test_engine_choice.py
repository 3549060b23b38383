"""The one mechanism that puts a test on both engines (tests/conftest.py, issue 18): a test marked
``both_engines`` runs once on a ledger file and once on a server ledger; ``--engine`` (or
TAIZHANG_TEST_ENGINE) narrows that to one engine; ``file_only`` keeps a test on a file; and when no
server can start the file half still runs and the summary says the server half was skipped."""

from __future__ import annotations

import os
import subprocess
import sys

from conftest import ROOT

PROBE = "tests/test_engines.py"


def _pytest(tmp_path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items()
                if k not in ("TAIZHANG_REQUIRE_POSTGRES", "TAIZHANG_TEST_ENGINE", "PYTEST_XDIST_WORKER",
                             "PYTEST_ADDOPTS")}
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--basetemp",
                           str(tmp_path / "inner"), *args], capture_output=True, text=True, cwd=ROOT,
                          env={**full_env, **(env or {})}, timeout=600)


def _collected(tmp_path, *args: str, env: dict[str, str] | None = None) -> list[str]:
    done = _pytest(tmp_path, "-n", "0", "--collect-only", *args, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    return [line for line in done.stdout.splitlines() if "::" in line]


def test_a_marked_test_runs_on_each_engine_and_the_choice_narrows_it(tmp_path):
    # three collections (each a pytest of its own) of the files whose tests are looked at below
    CONSTRAINTS, BACKUP = "tests/test_constraints.py", "tests/test_backup.py"
    default = _collected(tmp_path, PROBE, CONSTRAINTS)
    server = _collected(tmp_path, PROBE, CONSTRAINTS, BACKUP, "--engine", "server")

    def of(collected: list[str], file: str) -> list[str]:
        return [t for t in collected if t.startswith(f"{file}::")]

    both = of(default, PROBE)
    assert [t.rsplit("[", 1)[1] for t in both] == ["file]", "server]"]
    assert [t.rsplit("[", 1)[1] for t in of(server, PROBE)] == ["server]"]
    by_env = _collected(tmp_path, PROBE, env={"TAIZHANG_TEST_ENGINE": "file"})
    assert [t.rsplit("[", 1)[1] for t in by_env] == ["file]"]
    # file_only wins over the module's mark, whatever the choice; the module's other tests follow it
    on_server = of(server, CONSTRAINTS)
    assert "tests/test_constraints.py::test_pragmas_wal_and_busy_timeout" in on_server
    assert not any(t.endswith("[file]") for t in on_server)
    assert [t for t in of(default, CONSTRAINTS) if "busy_timeout" in t] == [
        "tests/test_constraints.py::test_pragmas_wal_and_busy_timeout"]
    # an unmarked test of the db fixture is on a file, once, under its own name
    assert "tests/test_backup.py::test_only_the_last_30_are_kept" in of(server, BACKUP)

def test_without_a_server_the_file_half_runs_and_the_summary_says_the_server_half_was_skipped(tmp_path):
    done = _pytest(tmp_path, "-n", "2", "-rs", PROBE, env={"TAIZHANG_PG_BIN": str(tmp_path / "没有")})
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed, 1 skipped" in done.stdout
    assert "PostgreSQL：服务器测试已跳过" in done.stdout and "中没有 initdb" in done.stdout
    # CI asks for the server: then no server is a failure, not a skip
    required = _pytest(tmp_path, "-n", "0", PROBE, env={"TAIZHANG_PG_BIN": str(tmp_path / "没有"),
                                                         "TAIZHANG_REQUIRE_POSTGRES": "1"})
    assert required.returncode == 1 and "1 passed" in required.stdout and "1 error" in required.stdout
