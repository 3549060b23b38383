"""A server connection lost in the middle of a command-line export (the server restarted, the
network cut, an administrator ending the session): every export says so in Chinese, exits 1, and
leaves no file — half-written or whole — where the export would have put it.

The connection is really lost: after half of the statements a whole export runs, the server ends
every session on the ledger's database (``pg_terminate_backend``), and the next statement meets the
closed connection as it would in an office."""

from __future__ import annotations

import pytest

from tests.server_exports import MINQING
from tests.test_server_exports import EXPORTS, SUFFIX, both, rich, rich_on_server  # noqa: F401 - fixtures

pytestmark = pytest.mark.parametrize("engine", ["server"], indirect=True)


def _database(url: str) -> str:
    return url.split("@/", 1)[1].split("?", 1)[0]


class _Cut:
    """Counts the statements sent to the server; at the ``at``-th, ends the ledger's sessions."""

    def __init__(self, pg_server, url: str, monkeypatch, at: int | None):
        import psycopg

        self.count, self.at, self.cut = 0, at, False
        original = psycopg.Cursor.execute
        name = _database(url)

        def execute(cursor, query, params=None, **kwargs):
            if cursor.connection.info.dbname == name:
                self.count += 1
                if self.at is not None and self.count == self.at and not self.cut:
                    self.cut = True
                    pg_server.sql(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'")
            return original(cursor, query, params, **kwargs)

        monkeypatch.setattr(psycopg.Cursor, "execute", execute)


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    from taizhang.cli import main

    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def _files(folder):
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


@pytest.mark.parametrize("kind", [k for k in EXPORTS if k not in ("history-every-group", "assessment-round")])
def test_a_connection_lost_half_way_through_an_export_is_told_and_leaves_no_file(
        kind, both, engine, pg_server, tmp_path, capsys, monkeypatch):
    args, folder, day = EXPORTS[kind]
    monkeypatch.setenv("TAIZHANG_TODAY", day)
    url = both[1]
    whole = tmp_path / "whole"
    whole.mkdir()
    where = whole if folder else whole / f"out{SUFFIX.get(kind, '.xlsx')}"
    counter = _Cut(pg_server, url, monkeypatch, None)
    code, _, stderr = _run(capsys, "--db", url, "export", str(where), *args)
    assert code == 0, stderr
    statements = counter.count
    assert statements > 2
    monkeypatch.undo()
    monkeypatch.setenv("TAIZHANG_TODAY", day)

    cut_out = tmp_path / "cut"
    cut_out.mkdir()
    where = cut_out if folder else cut_out / f"out{SUFFIX.get(kind, '.xlsx')}"
    # half-way; the chase letters' own record of the chase is written after them, so the cut that
    # falls in the reading is earlier (a lost record alone is told as a read-only account's is)
    cut = _Cut(pg_server, url, monkeypatch, (statements // 4 if kind == "chase" else statements // 2) + 1)
    code, stdout, stderr = _run(capsys, "--db", url, "export", str(where), *args)
    assert cut.cut
    assert code == 1, (stdout, stderr)
    assert "Traceback" not in stderr and "psycopg" not in stderr and "Error" not in stderr
    assert stderr.startswith("taizhang：") and "服务器" in stderr, stderr
    assert "已导出" not in stdout
    assert _files(cut_out) == [], "a file was left where the export writes"


def test_a_round_command_whose_connection_is_lost_is_told(both, engine, pg_server, capsys, monkeypatch):
    url = both[1]
    monkeypatch.setenv("TAIZHANG_TODAY", "2019-07-01")
    _Cut(pg_server, url, monkeypatch, 3)
    code, stdout, stderr = _run(capsys, "--db", url, "round", "open", "2019年7月", "--due", "2019-07-25",
                                "--group", MINQING)
    assert code == 1, (stdout, stderr)
    assert "Traceback" not in stderr and "服务器" in stderr
    monkeypatch.undo()
    code, stdout, _ = _run(capsys, "--db", url, "round", "list", "--group", MINQING)
    assert code == 0 and "2019年7月" not in stdout  # nothing half-done: the round was not opened
