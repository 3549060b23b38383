"""The command line as PRODUCT §6 fixes it: --version, --db / TAIZHANG_DB, exit codes, the dump."""

from __future__ import annotations

import json

from conftest import run_cli

from taizhang import __version__


def test_version():
    result = run_cli("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"taizhang {__version__}"


def test_export_json_of_a_new_database_is_a_valid_empty_dump(tmp_path):
    db, out = tmp_path / "x.db", tmp_path / "x.json"
    result = run_cli("--db", str(db), "export", str(out))
    assert result.returncode == 0, result.stderr
    assert json.loads(out.read_text(encoding="utf-8")) == {"format": "taizhang-dump/1", "units": [], "groups": []}


def test_taizhang_db_environment_variable_is_the_default(tmp_path):
    db, out = tmp_path / "env.db", tmp_path / "env.json"
    result = run_cli("export", str(out), env={"TAIZHANG_DB": str(db)})
    assert result.returncode == 0, result.stderr
    assert db.exists()


def test_default_database_lives_in_the_user_data_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("HOME", str(tmp_path))
    from taizhang.cli import default_db_path

    path = default_db_path()
    assert path.name == "taizhang.db" and "taizhang" in path.parent.as_posix()


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
