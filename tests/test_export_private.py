"""Exported files hold the office's data: written 0600 like the database (.xlsx and .json), also
over an existing file that was readable by others."""

from __future__ import annotations

import os
import stat

import pytest

from tests.conftest import run_cli

pytestmark = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")


@pytest.mark.parametrize("name,kind", [("分工表.xlsx", "division"), ("历史.xlsx", "history"), ("全部.json", None)])
def test_exports_are_private(demo, tmp_path, name, kind):
    out = tmp_path / name
    out.write_text("旧文件")
    os.chmod(out, 0o644)
    args = ["--db", str(demo), "export", str(out), "--group", "闽清县老龄工作领导小组"]
    result = run_cli(*args, *(["--kind", kind] if kind else []))
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert out.stat().st_size > 100


def test_history_of_every_group_from_the_command_line(demo, tmp_path):
    import openpyxl

    result = run_cli("--db", str(demo), "export", str(tmp_path), "--kind", "history", "--group", "全部领导小组")
    assert result.returncode == 0, result.stderr
    (out,) = tmp_path.glob("全部领导小组_操作记录_*.xlsx")
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    text = "\n".join(str(c.value) for row in openpyxl.load_workbook(out).active.iter_rows() for c in row if c.value)
    assert "闽清县老龄工作领导小组" in text and "四平市老龄工作委员会" in text
