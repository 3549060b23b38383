"""Issue 13: restore refuses a foreign database and loses no write; long group names make file names
the file system takes; a FILE that is a folder, a device, a FIFO or a symlink loop is named for what
it is; a kill during a backup, a restore or an export leaves nothing the next start does not clean."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLES, TODAY, run_cli, table_rows

from models import backup

CSV = SAMPLES / "四平市老龄工作重点任务.csv"
MINQING = "闽清县老龄工作领导小组"


def _private(path: Path) -> bool:
    return path.stat().st_mode & 0o077 == 0


# --- 5. a foreign database ------------------------------------------------------------------------

def _lookalike(path: Path) -> Path:
    """A SQLite file with the ledger's table names and schema version but other columns."""
    from models.migrations import CURRENT_VERSION
    from models.schema_check import expected_columns

    conn = sqlite3.connect(path)
    for table in expected_columns():
        conn.execute(f'CREATE TABLE "{table}" (id INTEGER PRIMARY KEY, other TEXT)')
    conn.execute("INSERT INTO work_group (other) VALUES ('别的程序')")
    conn.execute(f"PRAGMA user_version = {CURRENT_VERSION}")
    conn.commit()
    conn.close()
    return path


def test_restore_refuses_a_database_that_only_looks_like_a_ledger(demo, tmp_path):
    foreign = _lookalike(tmp_path / "别的.db")
    before = table_rows(demo)
    result = run_cli("--db", str(demo), "restore", str(foreign))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "「" + str(foreign) + "」不能用于恢复" in result.stderr and "不是 taizhang 的数据库" in result.stderr
    assert "缺少列" in result.stderr and "数据库未作任何改动" in result.stderr
    assert table_rows(demo) == before
    # and it is refused as a ledger too, instead of failing in every command after
    result = run_cli("--db", str(foreign), "export", str(tmp_path / "x.json"))
    assert result.returncode == 1 and "Traceback" not in result.stderr and "不是 taizhang 的数据库" in result.stderr


def test_an_older_backup_without_the_columns_added_since_is_still_restorable(demo, tmp_path):
    from models.migrations import CURRENT_VERSION
    from models.schema_check import schema_problem

    import gzip

    old = tmp_path / "old.db"  # a ledger made by the released version 2 (tests/data/old_ledgers)
    old.write_bytes(gzip.decompress((ROOT / "tests" / "data" / "old_ledgers" / "v2.db.gz").read_bytes()))
    conn = sqlite3.connect(old)
    assert schema_problem(conn, 2) is None
    assert "缺少数据表" in schema_problem(conn, CURRENT_VERSION)  # a ledger of today's version must have them
    conn.close()
    result = run_cli("--db", str(demo), "restore", str(old))
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr


# --- 6. the backup before a restore is taken under the restore's lock -------------------------------

def test_a_write_between_the_pre_restore_backup_and_the_restore_is_not_lost(demo, monkeypatch):
    """Another window tries to commit right after the backup of the current state is made: it must
    either wait (the restore holds the write lock) or land in that backup — never vanish."""
    saved = backup.make_backup(demo, "manual")
    made = backup.make_backup
    attempts: list[str] = []

    def then_another_window_writes(db_path, reason="manual", **kw):
        path = made(db_path, reason, **kw)
        if reason == "restore":
            other = sqlite3.connect(demo, timeout=0)
            try:
                other.execute("INSERT INTO unit (name, created_at) VALUES ('恢复中写入的单位', '2023-07-01 00:00:00')")
                other.commit()
                attempts.append("committed")
            except sqlite3.OperationalError as exc:
                attempts.append(str(exc))
            finally:
                other.close()
        return path

    monkeypatch.setattr(backup, "make_backup", then_another_window_writes)
    done = backup.restore(demo, saved)
    assert attempts, "the restore made no backup of the state before"
    in_saved = sqlite3.connect(done.saved).execute("SELECT count(*) FROM unit WHERE name = '恢复中写入的单位'").fetchone()[0]
    in_ledger = sqlite3.connect(demo).execute("SELECT count(*) FROM unit WHERE name = '恢复中写入的单位'").fetchone()[0]
    assert attempts == ["database is locked"] or in_saved or in_ledger, attempts


# --- 7. long group names ----------------------------------------------------------------------------

@pytest.mark.both_engines
def test_exports_of_a_group_with_a_very_long_name_into_a_folder(demo, tmp_path):
    name = "很长的领导小组名称" * 20  # 540 bytes in UTF-8
    assert run_cli("--db", str(demo), "import", str(CSV), "--group", name).returncode == 0
    out = tmp_path / "导出"
    out.mkdir()
    for kind in ("division", "overdue", "progress", "roster", "history"):
        result = run_cli("--db", str(demo), "export", str(out), "--group", name, "--kind", kind)
        assert result.returncode == 0, result.stderr
    files = sorted(out.iterdir())
    assert len(files) == 5
    for f in files:
        assert len(f.name.encode("utf-8")) <= 255 and f.name.startswith("很长的领导小组名称") and f.suffix == ".xlsx"
    result = run_cli("--db", str(demo), "export", str(tmp_path / ("长" * 90 + ".json")), "--group", name)
    assert result.returncode == 1 and "文件名太长" in result.stderr and "Traceback" not in result.stderr


def test_the_tui_json_export_name_is_shortened_too(tmp_path, demo):
    from exporters.excel import NAME_BYTES, file_name_for

    name = file_name_for("很长的领导小组名称" * 20, "_全部数据_20230701.json")
    assert len(name.encode("utf-8")) <= NAME_BYTES and name.endswith("_全部数据_20230701.json")
    assert file_name_for("闽清县老龄工作领导小组", "_分工表_20230701.xlsx") == "闽清县老龄工作领导小组_分工表_20230701.xlsx"


# --- 8. what FILE is ----------------------------------------------------------------------------------

@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX files")
def test_a_file_argument_that_is_not_a_regular_file_is_named_for_what_it_is(demo, tmp_path):
    folder = tmp_path / "表格.xlsx"
    folder.mkdir()
    fifo = tmp_path / "管道.csv"
    os.mkfifo(fifo)
    loop = tmp_path / "环.xlsx"
    os.symlink(tmp_path / "环2.xlsx", loop)
    os.symlink(loop, tmp_path / "环2.xlsx")
    dangling = tmp_path / "断.xlsx"
    os.symlink(tmp_path / "没有.xlsx", dangling)
    cases = {folder: "文件夹", Path("/dev/zero"): "设备", fifo: "管道", loop: "循环", dangling: "指向的文件不存在",
             tmp_path / "无.xlsx": "找不到文件"}
    before = table_rows(demo)
    for path, word in cases.items():
        for command in (["import", str(path), "--group", MINQING], ["restore", str(path)]):
            result = run_cli("--db", str(demo), *command)
            assert result.returncode == 1, (path, result.stderr)
            assert word in result.stderr or (command[0] == "restore" and word == "找不到文件"
                                              and "找不到备份文件" in result.stderr), (path, result.stderr)
            assert "Traceback" not in result.stderr
    assert table_rows(demo) == before


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX files")
def test_a_ledger_argument_that_is_not_a_regular_file_is_named_for_what_it_is(tmp_path):
    """--db naming a folder, /dev/zero, a FIFO or a symlink loop: every command says what it is (not
    "cannot open", "disk error" or SQLite's "cannot rollback"), exit 1, and creates nothing."""
    folder = tmp_path / "台账文件夹"
    folder.mkdir()
    fifo = tmp_path / "管道.db"
    os.mkfifo(fifo)
    loop = tmp_path / "环.db"
    os.symlink(tmp_path / "环2.db", loop)
    os.symlink(loop, tmp_path / "环2.db")
    cases = {folder: "是一个文件夹", Path("/dev/zero"): "是一个设备", fifo: "是一个管道", loop: "是一个循环的快捷方式"}
    for path, word in cases.items():
        for command in (["export", str(tmp_path / "全部.json")], ["import", str(CSV), "--group", MINQING], ["backup"],
                        ["round", "list"]):
            result = run_cli("--db", str(path), *command)
            assert result.returncode == 1, (path, command, result.stderr)
            assert f"数据库「{path}」{word}" in result.stderr, (path, command, result.stderr)
            assert "Traceback" not in result.stderr and "rollback" not in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["台账文件夹", "管道.db", "环.db", "环2.db"])
    assert list(folder.iterdir()) == []


# --- 10. leftovers of kills ---------------------------------------------------------------------------

_KILL_AT = """
import os, signal, sqlite3, sys
from models import backup
real = sqlite3.connect
def connect(target, *a, **kw):
    if {marker!r} in str(target):
        os.kill(os.getpid(), signal.SIGKILL)  # kill -9 at this very point
    return real(target, *a, **kw)
backup.sqlite3 = type(sys)("sqlite3_with_a_kill")
backup.sqlite3.__dict__.update(sqlite3.__dict__)
backup.sqlite3.connect = connect
{call}
"""


def _killed(marker: str, call: str, cwd: Path) -> int:
    code = _KILL_AT.format(marker=marker, call=call)
    proc = subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, timeout=60,
                          env={**os.environ, "TAIZHANG_TODAY": TODAY, "PYTHONPATH": str(ROOT)})
    return proc.returncode


def test_a_backup_killed_midway_leaves_nothing_counted_and_the_next_start_cleans_it(demo, tmp_path):
    assert _killed(".part", f"backup.make_backup({str(demo)!r}, 'manual')", tmp_path) == -signal.SIGKILL
    folder = backup.backup_dir(demo)
    left = sorted(p.name for p in folder.iterdir())
    assert any(n.endswith(".part") for n in left) and any(n.endswith("-manual.db") for n in left), left
    assert all(_private(p) for p in folder.iterdir())
    assert backup.list_backups(demo) == []  # the empty reserved file is no backup
    result = run_cli("--db", str(demo), "backup", "--list")  # the next start
    assert result.returncode == 0 and "还没有备份" in result.stdout
    assert list(folder.iterdir()) == []
    assert sqlite3.connect(demo).execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_restore_killed_midway_leaves_the_ledger_whole_and_its_copy_is_cleaned(demo, tmp_path):
    made = backup.make_backup(demo, "manual")
    old_pages = tmp_path / "4k.db"  # a backup with other pages than the ledger: restore rebuilds a copy first
    conn = sqlite3.connect(made)
    conn.execute("PRAGMA page_size = 4096")
    conn.execute(f"VACUUM INTO '{old_pages}'")
    conn.close()
    assert sqlite3.connect(old_pages).execute("PRAGMA page_size").fetchone()[0] != \
        sqlite3.connect(demo).execute("PRAGMA page_size").fetchone()[0]
    before = table_rows(demo)
    assert _killed("-restoring-", f"backup.restore({str(demo)!r}, {str(old_pages)!r})", tmp_path) == -signal.SIGKILL
    folder = backup.backup_dir(demo)
    copies = [p for p in folder.iterdir() if "-restoring-" in p.name]
    assert len(copies) == 1 and _private(copies[0])
    assert table_rows(demo) == before
    run_cli("--db", str(demo), "backup", "--list")
    assert not [p for p in folder.iterdir() if "-restoring-" in p.name or p.name.endswith(".part")]
    assert [b.path for b in backup.list_backups(demo)] == [made]


def test_a_restore_killed_while_copying_keeps_all_or_none(demo, tmp_path):
    """kill -9 inside the backup of the state before: the restore has not begun, the ledger is as it was."""
    made = backup.make_backup(demo, "manual")
    conn = sqlite3.connect(demo)
    conn.execute("INSERT INTO unit (name, created_at) VALUES ('恢复前新增的单位', '2023-07-01 00:00:00')")
    conn.commit()
    conn.close()
    before = table_rows(demo)
    assert _killed(".part", f"backup.restore({str(demo)!r}, {str(made)!r})", tmp_path) == -signal.SIGKILL
    assert table_rows(demo) == before
    assert sqlite3.connect(demo).execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    result = run_cli("--db", str(demo), "restore", str(made))  # the next start cleans, then restores
    assert result.returncode == 0, result.stderr
    folder = backup.backup_dir(demo)
    assert not [p for p in folder.iterdir() if p.name.startswith(".") or p.stat().st_size == 0]


def test_a_json_export_on_a_full_disk_leaves_no_temporary_file(demo, tmp_path):
    import resource

    out = tmp_path / "导出"
    out.mkdir()

    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (50_000, 50_000))

    proc = subprocess.run([sys.executable, "-m", "taizhang", "--db", str(demo), "export", str(out / "全部.json")],
                          capture_output=True, text=True, timeout=60, preexec_fn=small_files,
                          env={**os.environ, "TAIZHANG_TODAY": TODAY, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "「" + str(out / "全部.json") + "」" in proc.stderr and "文件超过了系统允许的大小" in proc.stderr
    assert list(out.iterdir()) == []


def test_a_json_export_killed_midway_is_cleaned_by_the_next_export(demo, tmp_path):
    out = tmp_path / "全部.json"
    code = (f"import os, signal\nfrom exporters import json_dump\nfrom models import leftovers\n"
            f"real = leftovers.private_file\n"
            f"def kill(path):\n    fd = real(path); os.write(fd, b'{{'); os.kill(os.getpid(), signal.SIGKILL)\n"
            f"leftovers.private_file = kill\n"
            f"from models.db import Database\njson_dump.write_dump(Database({str(demo)!r}), {str(out)!r})\n")
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, timeout=60,
                          env={**os.environ, "TAIZHANG_TODAY": TODAY, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    left = [p for p in tmp_path.iterdir() if p.name.startswith(".全部.json.")]
    assert len(left) == 1 and _private(left[0]) and not out.exists()
    assert run_cli("--db", str(demo), "export", str(out)).returncode == 0
    assert [p.name for p in tmp_path.iterdir() if "全部" in p.name] == ["全部.json"]
    assert _private(out)


# --- 4. text in the ledger that is not UTF-8 --------------------------------------------------------

def _damage_one_task(db: Path) -> tuple[int, str]:
    """Write bytes that are not UTF-8 into one task's content, as a damaged page or another tool would."""
    conn = sqlite3.connect(db)
    task_id, number = conn.execute(
        "SELECT t.id, t.number FROM task t JOIN work_group g ON g.id = t.group_id WHERE g.name = ? ORDER BY t.id LIMIT 1",
        (MINQING,)).fetchone()
    conn.execute("UPDATE task SET content = CAST(X'E4BDA0E5A5BDE4BD' AS TEXT) WHERE id = ?", (task_id,))  # 你好 + a cut character
    conn.commit()
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"  # SQLite's checks do not see it
    conn.close()
    return task_id, number


def test_text_that_is_not_utf8_is_replaced_and_named_in_both_exports_and_an_import(demo, tmp_path):
    import json

    from openpyxl import load_workbook

    task_id, number = _damage_one_task(demo)
    out = tmp_path / "全部.json"
    result = run_cli("--db", str(demo), "export", str(out))
    assert result.returncode == 0, result.stderr
    named = f"「{MINQING}」任务{number}「你好"
    assert named in result.stderr and "不是有效的 UTF-8" in result.stderr
    dump = json.loads(out.read_text(encoding="utf-8"))
    contents = [t["content"] for g in dump["groups"] for t in g["tasks"] if t["id"] == task_id]
    assert contents == ["你好\ufffd"]
    assert sum(len(g["tasks"]) for g in dump["groups"]) > 50  # the whole ledger, not just up to the bad cell

    xlsx = tmp_path / "分工表.xlsx"
    result = run_cli("--db", str(demo), "export", str(xlsx), "--group", MINQING)
    assert result.returncode == 0 and named in result.stderr, result.stderr
    cells = [c.value for row in load_workbook(xlsx).active.iter_rows() for c in row]
    assert any(isinstance(v, str) and v.endswith("你好\ufffd") for v in cells)

    result = run_cli("--db", str(demo), "import", str(CSV), "--group", MINQING, "--dry-run")
    assert result.returncode == 0 and named in result.stdout + result.stderr, result.stdout + result.stderr
    assert "Traceback" not in result.stderr


def test_a_unit_name_that_is_not_utf8_takes_no_command_down(demo, tmp_path):
    """A damaged unit name (read by every import to match units, and by the rounds): the import, the
    rounds and an export go on with � in its place; the import names it."""
    conn = sqlite3.connect(demo)
    conn.execute("UPDATE unit SET name = CAST(X'E58EBFFF' AS TEXT) WHERE id = (SELECT max(id) FROM unit)")  # 县 + a bad byte
    conn.commit()
    conn.close()
    result = run_cli("--db", str(demo), "import", str(CSV), "--group", MINQING, "--dry-run")
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr[-2000:]
    assert "单位「县\ufffd」" in result.stdout and "不是有效的 UTF-8" in result.stdout, result.stdout[-2000:]
    opened = run_cli("--db", str(demo), "round", "open", "第1期", "--group", MINQING)
    assert opened.returncode == 0 and "已开启报送轮次「第1期」" in opened.stdout, opened.stderr[-2000:]
    listed = run_cli("--db", str(demo), "round", "list", "--group", MINQING)
    assert listed.returncode == 0 and "第1期" in listed.stdout and "Traceback" not in listed.stderr, listed.stderr[-2000:]
    out = tmp_path / "全部.json"
    dumped = run_cli("--db", str(demo), "export", str(out))
    assert dumped.returncode == 0 and "单位「县\ufffd」" in dumped.stderr, dumped.stderr


def test_a_command_that_cannot_read_past_damaged_text_says_so_and_names_it(demo, monkeypatch, capsys):
    """Whatever command still meets text not valid UTF-8 unrepaired ends in words naming the rows, exit 1."""
    from taizhang import cli
    from taizhang import rounds_cli

    _, number = _damage_one_task(demo)

    def unrepaired(db_path):
        from models import store

        return store.connect(db_path)

    assert cli.main(["--db", str(demo), "round", "open", "第1期", "--group", MINQING]) == 0
    monkeypatch.setattr(rounds_cli, "_connect", unrepaired)
    conn = sqlite3.connect(demo)
    conn.execute("UPDATE unit SET name = CAST(X'E58EBFFF' AS TEXT) WHERE id = (SELECT max(id) FROM unit)")
    conn.commit()
    conn.close()
    code = cli.main(["--db", str(demo), "round", "list", "--group", MINQING])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err and "decode" not in err
    assert "数据库中有文字已损坏" in err and f"任务{number}「你好" in err and "单位「县\ufffd」" in err


# --- 11. UTF-16 and UTF-32 text ---------------------------------------------------------------------

@pytest.mark.parametrize("encoding, bom", [("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff"),
                                           ("utf-16-le", b""), ("utf-16-be", b"")])
def test_a_utf16_csv_with_or_without_its_mark_reads_as_the_same_tasks(tmp_path, encoding, bom):
    from importers import read_file

    text = CSV.read_bytes().decode("gb18030")
    plain = read_file(CSV, kind="tasks")
    path = tmp_path / "十六位.csv"
    path.write_bytes(bom + text.encode(encoding))
    table = read_file(path, kind="tasks")
    assert [(t.content, [u.unit for u in t.lead]) for t in table.tasks] == \
        [(t.content, [u.unit for u in t.lead]) for t in plain.tasks]


def test_a_utf16_roster_without_its_mark_and_a_utf32_csv(tmp_path, demo):
    from importers import read_file
    from importers.records import ImportRefused

    roster = tmp_path / "名单.txt"
    roster.write_bytes("组 长： 庄一鸣 区人民政府副区长\n成 员： 王五 区卫健局局长\n".encode("utf-16-le"))
    assert [m.name for m in read_file(roster, kind="roster").members] == ["庄一鸣", "王五"]
    wide = tmp_path / "三十二位.csv"
    wide.write_bytes(CSV.read_bytes().decode("gb18030").encode("utf-32"))
    before = table_rows(demo)
    result = run_cli("--db", str(demo), "import", str(wide), "--group", MINQING)
    assert result.returncode == 1 and "「三十二位.csv」" in result.stderr and "UTF-32" in result.stderr
    assert table_rows(demo) == before
    for encoding in ("utf-32-le", "utf-32-be"):  # without its mark: named too, not called binary
        wide.write_bytes(CSV.read_bytes().decode("gb18030").encode(encoding))
        result = run_cli("--db", str(demo), "import", str(wide), "--group", MINQING)
        assert result.returncode == 1 and "UTF-32" in result.stderr and "Traceback" not in result.stderr, result.stderr
        roster.write_bytes("组 长： 庄一鸣\n".encode(encoding))
        with pytest.raises(ImportRefused, match="UTF-32"):
            read_file(roster, kind="roster")
    assert table_rows(demo) == before


# --- 9. content that was dropped without a word ---------------------------------------------------

def test_tables_nested_in_a_word_table_are_read(tmp_path):
    import docx

    from importers import read_file

    document = docx.Document()
    table = document.add_table(rows=4, cols=3)
    for c, word in enumerate(["序号", "工作任务", "牵头单位"]):
        table.cell(0, c).text = word
    for r in range(1, 4):
        for c, value in enumerate([str(r), f"外层任务{r}", "县卫健局"]):
            table.cell(r, c).text = value
    row = table.add_row()
    whole = row.cells[0].merge(row.cells[2])  # a row that is only a table laid in it
    inner = whole.add_table(rows=2, cols=3)
    for r in range(2):
        for c, value in enumerate([str(r + 4), f"内层任务{r + 4}", "县民政局"]):
            inner.cell(r, c).text = value
    small = table.cell(2, 1).add_table(rows=1, cols=2)  # a table inside a cell that has text of its own
    small.cell(0, 0).text = "子项甲"
    small.cell(0, 1).text = "子项乙"
    path = tmp_path / "嵌套.docx"
    document.save(str(path))
    tasks = read_file(path, kind="tasks").tasks
    assert [t.content for t in tasks][:1] + [t.content for t in tasks][2:] == \
        ["外层任务1", "外层任务3", "内层任务4", "内层任务5"]
    assert "外层任务2" in tasks[1].content and "子项甲" in tasks[1].content and "子项乙" in tasks[1].content
    assert [t.lead[0].unit for t in tasks] == ["县卫健局"] * 3 + ["县民政局"] * 2


@pytest.mark.both_engines
def test_task_text_over_excels_cell_limit_is_cut_with_a_note_and_named_and_kept_whole_in_json(demo, tmp_path):
    import json

    from conftest import connect_ledger
    from openpyxl import load_workbook

    conn = connect_ledger(demo)
    task_id, number = conn.execute(
        "SELECT t.id, t.number FROM task t JOIN work_group g ON g.id = t.group_id WHERE g.name = ? ORDER BY t.id LIMIT 1",
        (MINQING,)).fetchone()
    long = "长文" * 20_000  # 40,000 characters
    conn.execute("UPDATE task SET content = ? WHERE id = ?", (long, task_id))
    conn.commit()
    conn.close()
    for kind, sheet in (("division", "分工表"), ("progress", "进展情况表")):
        out = tmp_path / f"{kind}.xlsx"
        result = run_cli("--db", str(demo), "export", str(out), "--group", MINQING, "--kind", kind)
        assert result.returncode == 0, result.stderr
        assert f"工作表「{sheet}」" in result.stderr and "40,0" in result.stderr and "32,767" in result.stderr
        cells = [c.value for row in load_workbook(out).active.iter_rows() for c in row if isinstance(c.value, str)]
        cut = [v for v in cells if "长文长文" in v]
        assert len(cut) == 1 and len(cut[0]) <= 32_767 and cut[0].endswith("全文见 JSON 导出）")
    out = tmp_path / "全部.json"
    assert run_cli("--db", str(demo), "export", str(out)).returncode == 0
    dump = json.loads(out.read_text(encoding="utf-8"))
    assert [t["content"] for g in dump["groups"] for t in g["tasks"] if t["id"] == task_id] == [long]


async def test_the_window_lists_tasks_with_damaged_text_and_names_them(tmp_path):
    from tui import make_app
    from tui.testing import demo_copy, settle, task_list

    path = demo_copy(tmp_path)
    _, number = _damage_one_task(path)
    app = make_app(path, state_path=tmp_path / "state.json")
    async with app.run_test(size=(120, 36)) as pilot:
        await task_list(pilot, "闽清")
        await settle(pilot)
        contents = [r.content for r in app.screen._rows]
        assert "你好\ufffd" in contents and len(contents) > 5
        messages = "\n".join(str(n.message) for n in app._notifications)
        assert f"任务{number}「你好" in messages and "decode" not in messages


async def test_the_export_dialog_shows_the_cut_cell_and_the_damaged_task(tmp_path):
    """x in the window: what the command line prints as 注意 (a text cut at Excel's cell limit, a task
    whose text was damaged) is shown under the written path and as a notice, naming the cell and task."""
    from tui import make_app
    from tui.testing import choose_group, demo_copy, settle, text_of

    path = demo_copy(tmp_path)
    _, damaged = _damage_one_task(path)
    conn = sqlite3.connect(path)
    long_id, long_number = conn.execute(
        "SELECT t.id, t.number FROM task t JOIN work_group g ON g.id = t.group_id WHERE g.name = ? "
        "ORDER BY t.id LIMIT 1 OFFSET 1", (MINQING,)).fetchone()
    conn.execute("UPDATE task SET content = ? WHERE id = ?", ("长文" * 20_000, long_id))  # 40,000 characters
    conn.commit()
    conn.close()
    out = tmp_path / "导出"
    out.mkdir()
    app = make_app(path, state_path=tmp_path / "state.json")
    async with app.run_test(size=(120, 36)) as pilot:
        await choose_group(pilot, "闽清")
        before = {n.identity for n in app._notifications}  # by identity: an older notice may expire meanwhile
        await pilot.press("x")
        await settle(pilot)
        dialog = app.screen
        assert type(dialog).__name__ == "ExportDialog"
        await pilot.press("tab", "tab", "ctrl+u", *str(out), "enter")  # 保存到 …, Enter exports 分工表
        await settle(pilot)
        result = text_of(dialog.query_one("#result"), width=400)
        assert "已导出到" in result, result
        assert f"任务{damaged}「你好" in result and "不是有效的 UTF-8" in result, result
        cut = re.search(r"注意：工作表「分工表」[A-Z]+\d+「(.*?)…」共 (40,0\d\d) 字，超过 Excel 单元格上限 32,767 字", result)
        assert cut and cut[1].startswith(f"{long_number}长文长文"), result  # the cell begins with the task's number
        notices = [n for n in app._notifications if n.identity not in before and n.severity == "warning"]
        assert len(notices) == 1 and "2 条注意" in notices[0].title, [n.title for n in notices]
        assert f"任务{damaged}「你好" in notices[0].message and f"共 {cut[2]} 字" in notices[0].message
        await pilot.press("escape")
        await settle(pilot)
        assert type(app.screen).__name__ != "ExportDialog"
    written = [p for p in out.iterdir()]
    assert len(written) == 1 and written[0].suffix == ".xlsx"
