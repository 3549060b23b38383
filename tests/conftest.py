"""Shared fixtures: a real SQLite file in a temporary folder, and a fixed "today"."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_data"
TODAY = "2023-07-01"


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> str:
    monkeypatch.setenv("TAIZHANG_TODAY", TODAY)
    monkeypatch.delenv("TAIZHANG_DB", raising=False)
    # the user's data and settings folders of this run's own: no test reads or writes the real ones,
    # and parallel runs (pytest -n) never share them
    folders = tmp_path_factory.getbasetemp() / "user"
    monkeypatch.setenv("XDG_DATA_HOME", str(folders / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(folders / "config"))
    return TODAY


@pytest.fixture(autouse=True)
def window_errors_fail_the_test():
    """A TUI test fails when a worker of the window raised, or the window caught an error it has
    no message for (tui.testing.failing_on_errors); tests without the TUI loaded are left alone."""
    if "textual" not in sys.modules:
        yield
        return
    from tui.testing import failing_on_errors

    with failing_on_errors():
        yield


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "ledger.db"


@pytest.fixture
def db(request: pytest.FixtureRequest, db_path: Path):
    """An open ledger file; with ``@on_both_engines`` once a file and once a server ledger."""
    from models.db import Database

    at = request.getfixturevalue("pg_server").new_ledger() if getattr(request, "param", "file") == "server" else db_path
    database = Database(at)
    yield database
    database.close()


@pytest.fixture(scope="session")
def demo_file(tmp_path_factory) -> Path:
    """The demo ledger (every sample file), built once per run; tests that change it use ``demo``."""
    from models.db import Database
    from taizhang.demo import load_demo

    path = tmp_path_factory.mktemp("demo") / "demo.db"
    db = Database(path)
    try:
        for _ in load_demo(db):
            pass
    finally:
        db.close()
    return path


@pytest.fixture
def demo(demo_file: Path, tmp_path: Path) -> Path:
    """A copy of the demo ledger of this test's own."""
    copy = tmp_path / "demo.db"
    shutil.copy(demo_file, copy)
    return copy


def run_cli(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run `taizhang …` in a fresh interpreter, as a user would from a shell."""
    full_env = {**os.environ, "TAIZHANG_TODAY": TODAY, **(env or {})}
    return subprocess.run([sys.executable, "-m", "taizhang", *args], capture_output=True, text=True,
                          env=full_env, cwd=cwd or ROOT, timeout=120)


def table_rows(db: Path) -> dict[str, list[tuple]]:
    """Every row of every table of a ledger: equal results mean nothing was written."""
    conn = sqlite3.connect(db)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        return {t: conn.execute(f'SELECT * FROM "{t}" ORDER BY rowid').fetchall() for t in tables}
    finally:
        conn.close()


# A real PostgreSQL server for the tests that need one (issue 18, tests/pg.py): started at the first
# such test, stopped at the end; skipped with its reason (said in the summary) when it cannot start,
# failing instead under TAIZHANG_REQUIRE_POSTGRES=1.
_pg_state: dict[str, object] = {}


@pytest.fixture(scope="session")
def pg_server():
    import pg

    try:
        server = pg.start()
    except pg.Unavailable as exc:
        _pg_state["skipped"] = str(exc)
        if pg.required():
            pytest.fail(f"PostgreSQL 服务器无法启动（{pg.REQUIRE_ENV}=1）：{exc}", pytrace=False)
        pytest.skip(f"PostgreSQL 服务器无法启动，跳过服务器测试：{exc}")
    _pg_state["ran"] = str(server.bin)
    yield server
    server.stop()


@pytest.fixture
def pg_url(pg_server) -> str:
    """A new, empty database of this test's own on the test server, as a postgresql:// URL."""
    return pg_server.url(pg_server.new_database())


# The same test on both engines (issue 18): ``ledger_at`` is where a test's ledger is, once a file in
# the test's folder ("file") and once a fresh database on the test server ("server", skipped or failed
# as ``pg_server`` is when no server starts). Pass it to Database(), store.connect() or --db.
ENGINES = ("file", "server")


@pytest.fixture(params=ENGINES)
def ledger_at(request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    if request.param == "file":
        return tmp_path / "ledger.db"
    return request.getfixturevalue("pg_server").new_ledger()


# A test of the ``db`` fixture run on each engine in turn (issue 18): ``@on_both_engines``.
on_both_engines = pytest.mark.parametrize("db", ENGINES, indirect=True)


def file_value(value: object) -> object:
    """A value read through SQLAlchemy as a ledger file gives it (dates ISO text, booleans 0/1),
    so dumps of both engines compare equal: ``models.ledger_copy.file_value``, as ``copy`` writes it."""
    from models.ledger_copy import file_value as as_in_file

    return as_in_file(value)


@pytest.fixture
def ledger_db(ledger_at: Path | str):
    """An open ``Database`` on ``ledger_at`` (so on each engine in turn)."""
    from models.db import Database

    database = Database(ledger_at)
    yield database
    database.close()


def pytest_sessionfinish(session: pytest.Session) -> None:
    """A worker of ``pytest -n`` hands what it saw of the server to the main process (below)."""
    output = getattr(session.config, "workeroutput", None)
    if output is not None:
        output["pg_state"] = dict(_pg_state)


@pytest.hookimpl(optionalhook=True)  # an xdist hook: unknown when xdist is not loaded
def pytest_testnodedown(node, error) -> None:  # the main process of ``pytest -n``: a worker finished
    seen = getattr(node, "workeroutput", {}).get("pg_state", {})
    if "skipped" in seen:
        _pg_state["skipped"] = seen["skipped"]
    elif "ran" in seen:
        _pg_state.setdefault("ran", seen["ran"])


def pytest_terminal_summary(terminalreporter) -> None:
    if "skipped" in _pg_state:
        terminalreporter.write_line(f"PostgreSQL：服务器测试已跳过 — {_pg_state['skipped']}", yellow=True)
    elif "ran" in _pg_state:
        terminalreporter.write_line(f"PostgreSQL：服务器测试已在临时服务器上运行（{_pg_state['ran']}）")
