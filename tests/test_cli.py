"""The command line as PRODUCT §6 fixes it: --version, --db / TAIZHANG_DB, exit codes, the dump."""

from __future__ import annotations

import pytest

import json
import os
import subprocess
import sys
from pathlib import PureWindowsPath

from conftest import ROOT, run_cli

from taizhang import __version__

# every test here that makes a ledger runs on a file and on a server (tests/conftest.py)
pytestmark = pytest.mark.both_engines


def test_version():
    result = run_cli("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"taizhang {__version__}"


def test_export_json_of_a_new_database_is_a_valid_empty_dump(ledger_at, tmp_path):
    db, out = ledger_at, tmp_path / "x.json"
    result = run_cli("--db", str(db), "export", str(out))
    assert result.returncode == 0, result.stderr
    assert json.loads(out.read_text(encoding="utf-8")) == {"format": "taizhang-dump/1", "units": [], "groups": []}


def test_taizhang_db_environment_variable_is_the_default(tmp_path):
    db, out = tmp_path / "env.db", tmp_path / "env.json"
    result = run_cli("export", str(out), env={"TAIZHANG_DB": str(db)})
    assert result.returncode == 0, result.stderr
    assert db.exists()


def _default_db_path_on(platform: str, env: dict[str, str]) -> str:
    """default_db_path() in a fresh interpreter that takes itself for ``platform`` (platformdirs
    picks its rules by sys.platform when first imported)."""
    code = (f"import sys; sys.platform = {platform!r}\n"
            "from taizhang.cli import default_db_path; print(default_db_path())")
    keep = {k: v for k, v in os.environ.items() if k not in ("XDG_DATA_HOME", "TAIZHANG_DB")}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={**keep, **env},
                            cwd=ROOT, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_default_database_location_on_each_platform(tmp_path):
    """README: %LOCALAPPDATA%\\taizhang\\taizhang.db on Windows (local, not roaming), ~/.local/share/taizhang
    on Linux (or $XDG_DATA_HOME/taizhang), ~/Library/Application Support/taizhang on macOS."""
    home = str(tmp_path)
    local, roaming = r"C:\Users\王五\AppData\Local", r"C:\Users\王五\AppData\Roaming"
    windows = _default_db_path_on("win32", {"HOME": home, "WIN_PD_OVERRIDE_LOCAL_APPDATA": local,
                                            "WIN_PD_OVERRIDE_APPDATA": roaming})
    assert PureWindowsPath(windows) == PureWindowsPath(local, "taizhang", "taizhang.db")
    assert _default_db_path_on("linux", {"HOME": home}) == f"{home}/.local/share/taizhang/taizhang.db"
    assert _default_db_path_on("linux", {"HOME": home, "XDG_DATA_HOME": f"{home}/数据"}) == f"{home}/数据/taizhang/taizhang.db"
    assert _default_db_path_on("darwin", {"HOME": home}) == f"{home}/Library/Application Support/taizhang/taizhang.db"


def test_the_default_database_is_created_there(tmp_path):
    """With no --db and no TAIZHANG_DB the command line writes the file in the user data folder."""
    data = tmp_path / "data"
    result = run_cli("export", str(tmp_path / "out.json"), env={"XDG_DATA_HOME": str(data), "HOME": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert (data / "taizhang" / "taizhang.db").is_file()


def test_wrong_usage_exits_2_with_a_chinese_message(tmp_path):
    result = run_cli("--db", str(tmp_path / "x.db"), "export")
    assert result.returncode == 2
    assert "用法" in result.stderr and "Traceback" not in result.stderr
    assert run_cli("frobnicate").returncode == 2
    result = run_cli("--db", str(tmp_path / "x.db"), "export", str(tmp_path / "out.pdf"))
    assert result.returncode == 2 and ".json 或 .xlsx" in result.stderr


def test_bad_database_file_exits_1_without_traceback(tmp_path):
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"not a database at all" * 100)
    result = run_cli("--db", str(bad), "export", str(tmp_path / "x.json"))
    assert result.returncode == 1
    assert "不是 taizhang 的数据库文件" in result.stderr and "Traceback" not in result.stderr


def test_unknown_group_exits_1(tmp_path):
    result = run_cli("--db", str(tmp_path / "x.db"), "export", str(tmp_path / "x.json"), "--group", "没有的小组")
    assert result.returncode == 1 and "没有名为「没有的小组」的领导小组" in result.stderr


def test_export_to_a_missing_folder_exits_1(tmp_path):
    result = run_cli("--db", str(tmp_path / "x.db"), "export", str(tmp_path / "nope" / "x.json"))
    assert result.returncode == 1 and "不存在" in result.stderr


def test_the_window_started_without_a_terminal_says_so_instead_of_waiting_for_keys(tmp_path):
    """`taizhang demo > log.txt` (a script, a scheduled task): the demo is loaded, then the window,
    which would wait for ever for keys with no terminal to read them from, is refused with a message."""
    db = tmp_path / "demo.db"
    result = run_cli("--db", str(db), "demo")  # the test's output is a pipe, not a terminal
    assert result.returncode == 1
    assert "演示" in result.stdout or "新增" in result.stdout  # the demo went in
    assert "界面要在终端窗口" in result.stderr and "--no-tui" in result.stderr
    assert "Traceback" not in result.stderr
    plain = run_cli("--db", str(db))
    assert plain.returncode == 1 and "界面要在终端窗口" in plain.stderr
