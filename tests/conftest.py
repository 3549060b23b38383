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


# ── Engines (issue 18) ────────────────────────────────────────────────────────────────────────
# ONE mechanism decides on which engine a test's ledger is: the ``engine`` fixture, "file" (a SQLite
# file in the test's folder) or "server" (a fresh database on the test server, tests/pg.py).
# The central fixtures obey it: ``ledger_at`` (where the ledger is: a Path or a postgresql:// URL, for
# Database(), store.connect() or --db), ``db_path`` (the same), ``db`` and ``ledger_db`` (an open
# Database on it) and ``demo`` (a copy of the demo ledger); ``connect_ledger`` and ``table_rows`` read
# either kind of ledger.
#
#   @pytest.mark.both_engines            this test (or a module's ``pytestmark``) runs once per engine
#   @pytest.mark.file_only("why")         this test stays on a file, whatever its module says
#
# Unmarked (and file_only) tests run on a file, once, their names unchanged. ``--engine
# file|server|both`` (or TAIZHANG_TEST_ENGINE) picks the engines the ``both_engines`` tests run on;
# the default is both; ``--engine server`` runs them on the server only. A server test is skipped
# (and the summary says so) when no server can start, or fails under TAIZHANG_REQUIRE_POSTGRES=1 (CI).
ENGINES = ("file", "server")
ENGINE_ENV = "TAIZHANG_TEST_ENGINE"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--engine", choices=("both", *ENGINES), default=None,
                     help=f"engines the both_engines tests run on (default: ${ENGINE_ENV} or both)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "both_engines: run once on a ledger file and once on a server ledger")
    config.addinivalue_line("markers", "file_only(reason): by nature about a SQLite file; never on a server")


def chosen_engines(config: pytest.Config) -> tuple[str, ...]:
    choice = config.getoption("--engine") or os.environ.get(ENGINE_ENV, "").strip() or "both"
    if choice not in ("both", *ENGINES):
        raise pytest.UsageError(f"{ENGINE_ENV}={choice}: file, server or both")
    return ENGINES if choice == "both" else (choice,)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "engine" not in metafunc.fixturenames:
        return
    marked = metafunc.definition.get_closest_marker("both_engines")
    if marked and not metafunc.definition.get_closest_marker("file_only"):
        metafunc.parametrize("engine", chosen_engines(metafunc.config), indirect=True, ids=lambda e: e)
    # otherwise not parametrized (its name unchanged): ``engine`` is "file"


@pytest.fixture
def engine(request: pytest.FixtureRequest) -> str:
    """"file" or "server": where this test's ledgers are (see above)."""
    return getattr(request, "param", "file")


def on_server(target: object) -> bool:
    return str(target).startswith(("postgresql://", "postgres://"))


@pytest.fixture
def ledger_at(engine: str, request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    """Where this test's ledger is: a file in the test's folder (not made yet), or a fresh, empty
    server ledger's URL."""
    if engine == "file":
        return tmp_path / "ledger.db"
    return request.getfixturevalue("pg_server").new_ledger()


@pytest.fixture
def db_path(ledger_at: Path | str) -> Path | str:
    return ledger_at


@pytest.fixture
def db(ledger_at: Path | str):
    """An open ledger on this test's engine."""
    from models.db import Database

    database = Database(ledger_at)
    yield database
    database.close()


@pytest.fixture
def ledger_db(db):
    """The same as ``db``, under the name the first server tests used."""
    return db


@pytest.fixture(scope="session")
def demo_file() -> Path:
    """The demo ledger (every sample file), built once per process (the same file as
    ``tui.testing.demo_template``, which the TUI tests copy: not built twice); tests that change it
    use ``demo``."""
    from tui.testing import demo_template

    return demo_template()


@pytest.fixture
def demo(engine: str, request: pytest.FixtureRequest, demo_file: Path, tmp_path: Path) -> Path | str:
    """A copy of the demo ledger of this test's own: a file, or a server ledger (copied from the
    file once per run with ``taizhang copy``'s code, then made from that as a template)."""
    if engine == "server":
        return request.getfixturevalue("pg_server").new_ledger(like=demo_file)
    copy = tmp_path / "demo.db"
    shutil.copy(demo_file, copy)
    return copy


def run_cli(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run `taizhang …` in a process of its own, as a user would from a shell (forked from an interpreter
    that has imported the program, tests/warm_cli.py: the same run without ~0.8 s of imports each)."""
    import warm_cli  # the process is forked from an interpreter that has imported the program (CI time)

    full_env = {**os.environ, "TAIZHANG_TODAY": TODAY, **(env or {})}
    return warm_cli.run(list(args), env=full_env, cwd=cwd or ROOT, timeout=120)


def connect_ledger(target: Path | str, **sqlite_options):
    """A plain connection to a test's ledger on its engine: ``sqlite3.connect`` on a file, the
    server connection (the same surface: ``?`` and ``:name``, values as a file gives them) on a server."""
    if on_server(target):
        from models.server_conn import connect

        return connect(str(target))
    return sqlite3.connect(target, **sqlite_options)


def query_rows(target: Path | str, sql: str, params: dict | None = None) -> list[tuple]:
    """What a query reads from a test's ledger (file or server), opened as the program opens it."""
    from models.store import connect

    conn = connect(target)
    try:
        return [tuple(r) for r in conn.execute(sql, params or {})]
    finally:
        conn.close()


def table_rows(db: Path | str) -> dict[str, list[tuple]]:
    """Every row of every table of a ledger (file or server): equal results mean nothing was written."""
    if on_server(db):
        from models.store import connect

        conn = connect(str(db))
        try:
            tables = [r[0] for r in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' "
                "AND table_type = 'BASE TABLE' ORDER BY table_name")]
            rows = {}
            for t in tables:
                n = len(conn.execute(f'SELECT * FROM "{t}" LIMIT 0').description)
                order = ", ".join(str(i) for i in range(1, n + 1))
                rows[t] = [tuple(r) for r in conn.execute(f'SELECT * FROM "{t}" ORDER BY {order}').fetchall()]
            return rows
        finally:
            conn.close()
    from models.task_figures import TABLES as FIGURES

    conn = sqlite3.connect(db)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        # the figures kept by triggers are worked out from the rows: the same figures, whatever order the
        # triggers or a refresh wrote them in (round_unit_figure's rowids follow that order; ``sorted`` below)
        return {t: sorted(conn.execute(f'SELECT * FROM "{t}"').fetchall()) if t in FIGURES else
                conn.execute(f'SELECT * FROM "{t}" ORDER BY rowid').fetchall() for t in tables}
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


on_both_engines = pytest.mark.both_engines  # the older spelling


def file_value(value: object) -> object:
    """A value read through SQLAlchemy as a ledger file gives it (dates ISO text, booleans 0/1),
    so dumps of both engines compare equal: ``models.ledger_copy.file_value``, as ``copy`` writes it."""
    from models.ledger_copy import file_value as as_in_file

    return as_in_file(value)


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
