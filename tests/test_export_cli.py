"""Issue 4 on the command line: `taizhang export OUT.xlsx --kind … [--group NAME] [--within N]`,
OUT a file or a folder, exit statuses, and no ORM on the way."""

from __future__ import annotations

import subprocess
import sys

import openpyxl
import pytest
from conftest import ROOT, run_cli

# every test here that makes a ledger runs on a file and on a server (tests/conftest.py)
pytestmark = pytest.mark.both_engines

MINQING = "闽清县老龄工作领导小组"
SIPING = "四平市老龄工作委员会"


@pytest.fixture
def demo_db(demo):
    """The demo ledger (``taizhang demo``'s, tests/conftest.py) on this test's engine."""
    return demo


@pytest.mark.parametrize("kind", ["division", "progress", "overdue", "roster"])
def test_excel_export_of_each_kind(demo_db, tmp_path, kind):
    out = tmp_path / f"{kind}.xlsx"
    result = run_cli("--db", str(demo_db), "export", str(out), "--kind", kind, "--group", MINQING)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().split("\n")
    assert lines[0] == f"已导出：{out}"
    ws = openpyxl.load_workbook(out).active
    assert ws.page_setup.orientation == ("portrait" if kind == "roster" else "landscape")
    if kind == "roster":  # 闽清 has no roster: the sheet and the command both say so (issue 16)
        assert lines[1:] == ["注意：本组还没有成员名单。"] and ws["A4"].value == "本组还没有成员名单。"
    elif kind == "overdue":
        assert lines[1:] == ["注意：截至2023年7月1日，没有逾期或7天内到期的任务。"]
    else:
        assert lines[1:] == []


def test_division_is_the_default_kind(demo_db, tmp_path):
    out = tmp_path / "d.xlsx"
    assert run_cli("--db", str(demo_db), "export", str(out), "--group", MINQING).returncode == 0
    assert openpyxl.load_workbook(out).active.title == "分工表"


def test_a_folder_gets_the_named_file(demo_db, tmp_path):
    result = run_cli("--db", str(demo_db), "export", str(tmp_path), "--kind", "progress", "--group", SIPING)
    assert result.returncode == 0, result.stderr
    expected = tmp_path / f"{SIPING}_进展情况表_20230701.xlsx"  # conftest's TAIZHANG_TODAY
    assert expected.is_file() and result.stdout.strip() == f"已导出：{expected}"
    result = run_cli("--db", str(demo_db), "export", str(tmp_path), "--kind", "overdue", "--group", SIPING,
                     "--within", "200", env={"TAIZHANG_TODAY": "2024-02-29"})
    assert result.returncode == 0, result.stderr
    ws = openpyxl.load_workbook(tmp_path / f"{SIPING}_逾期督办清单_20240229.xlsx").active
    assert ws["A3"].value.startswith("统计截至：2024年2月29日") and "200天内到期" in ws["A3"].value


def test_file_names_are_cleaned(tmp_path):
    db = tmp_path / "x.db"
    code = ("import sys; sys.path.insert(0, '.'); from models.db import Database; from models import operations as ops; "
            f"db = Database(r'{db}'); ops.create_group(db, '县/区:领导*小组?'); db.close()")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
    result = run_cli("--db", str(db), "export", str(tmp_path), "--kind", "roster")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "县_区_领导_小组__成员名单_20230701.xlsx").is_file()


def test_bad_group_exits_1_and_leaves_the_file(demo_db, tmp_path):
    (tmp_path / "out").mkdir()
    out = tmp_path / "out" / "keep.xlsx"
    out.write_bytes(b"the office's own file")
    result = run_cli("--db", str(demo_db), "export", str(out), "--group", "没有的小组")
    assert result.returncode == 1
    assert "没有名为「没有的小组」的领导小组" in result.stderr and "Traceback" not in result.stderr
    assert out.read_bytes() == b"the office's own file"
    assert [p.name for p in out.parent.iterdir()] == ["keep.xlsx"]


def test_usage_and_input_errors(demo_db, tmp_path):
    several = run_cli("--db", str(demo_db), "export", str(tmp_path / "a.xlsx"))
    assert several.returncode == 2 and "--group" in several.stderr
    empty = run_cli("--db", str(tmp_path / "empty.db"), "export", str(tmp_path / "a.xlsx"))
    assert empty.returncode == 1 and "还没有领导小组" in empty.stderr
    missing = run_cli("--db", str(demo_db), "export", str(tmp_path / "no" / "a.xlsx"), "--group", MINQING)
    assert missing.returncode == 1 and "不存在" in missing.stderr
    negative = run_cli("--db", str(demo_db), "export", str(tmp_path / "a.xlsx"), "--group", MINQING, "--within", "-3")
    assert negative.returncode == 2
    kind = run_cli("--db", str(demo_db), "export", str(tmp_path / "a.xlsx"), "--kind", "gantt")
    assert kind.returncode == 2
    bad_today = run_cli("--db", str(demo_db), "export", str(tmp_path / "a.xlsx"), "--group", MINQING,
                        env={"TAIZHANG_TODAY": "明天"})
    assert bad_today.returncode == 1 and "TAIZHANG_TODAY" in bad_today.stderr


def test_excel_export_loads_neither_the_orm_nor_textual(demo_db, tmp_path):
    code = ("import sys; from taizhang.cli import main; "
            f"status = main(['--db', r'{demo_db}', 'export', r'{tmp_path}', '--group', '{MINQING}']); "
            "print(status, sorted(m for m in sys.modules if m.split('.')[0] in ('sqlalchemy', 'sqlmodel', 'textual')))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip().splitlines()[-1] == "0 []"
