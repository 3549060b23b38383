"""An Excel export checks the ledger (``PRAGMA quick_check``) while it reads and lays out the report
(``models.store.connect_checking_meanwhile``, issue 17), not before: a damaged ledger is still refused
with the message that names the newest backup, whether the damage lies in pages the report reads or
in pages it never touches, and no file is left behind."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from conftest import run_cli

from models import backup, store


def _damage_table(path: Path, table: str) -> None:
    """Overwrite the first leaf pages of ``table`` (a bad disk sector in the middle of the file)."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size = conn.execute("PRAGMA page_size").fetchone()[0]
    pages = [r[0] for r in conn.execute(
        "SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf' ORDER BY pageno", (table,))]
    conn.close()
    assert pages, table
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    data = bytearray(path.read_bytes())
    for page in pages[:2]:
        data[(page - 1) * size:page * size] = b"\xa5" * size
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("table", ["import_source", "task"])  # not read by the division table / read by it
def test_an_export_from_a_damaged_ledger_is_refused_and_writes_nothing(demo, tmp_path, table):
    store.connect(demo).close()
    newest = backup.make_backup(demo, "manual")
    group = store.group_names(store.connect(demo))[0]
    _damage_table(demo, table)
    before = demo.read_bytes()
    out = tmp_path / "out"
    out.mkdir()
    result = run_cli("--db", str(demo), "export", str(out / "分工表.xlsx"), "--kind", "division", "--group", group)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert "已损坏" in result.stderr and str(newest) in result.stderr
    assert f'taizhang --db "{demo}" restore "{newest}"' in result.stderr
    assert list(out.iterdir()) == []  # neither the file nor its temporary copy
    assert demo.read_bytes() == before


def test_an_export_from_a_sound_ledger_is_written(demo, tmp_path):
    group = store.group_names(store.connect(demo))[0]
    out = tmp_path / "分工表.xlsx"
    result = run_cli("--db", str(demo), "export", str(out), "--kind", "division", "--group", group)
    assert result.returncode == 0, result.stderr
    assert out.is_file() and f"已导出：{out}" in result.stdout
