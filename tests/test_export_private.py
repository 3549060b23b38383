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
