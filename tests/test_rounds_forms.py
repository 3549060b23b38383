"""Reporting rounds end to end (issue 14): open a round of the demo, export every unit's form, fill
them the way units do (rows re-ordered, key column deleted, saved as .xls, pasted into Word,
statuses in words, dates in four spellings, an extra row, a blank form, a unit not returning at
all), import the folder, and check the ledger; a second import records nothing twice; a corrected
form replaces the unit's entries."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from models.migrations import CURRENT_VERSION
from tests.conftest import run_cli, table_rows
from conftest import connect_ledger

# every test here that makes a ledger runs on a file and on a server (tests/conftest.py)
pytestmark = pytest.mark.both_engines

GROUP = "临海市老有康养专项工作组"


def _open_round(demo: Path) -> None:
    r = run_cli("--db", str(demo), "round", "open", "2023年6月", "--group", GROUP, "--due", "2023-07-05")
    assert r.returncode == 0, r.stderr
    assert "已开启报送轮次「2023年6月」" in r.stdout


def _export(demo: Path, out: Path) -> dict[str, Path]:
    out.mkdir()
    r = run_cli("--db", str(demo), "export", str(out), "--kind", "forms", "--group", GROUP)
    assert r.returncode == 0, r.stderr
    forms = {p.name.split("_")[2]: p for p in out.glob("*.xlsx")}
    return forms


def _task_rows(ws) -> list[int]:
    """Sheet rows of the form's tasks (a number in 序号 and a key)."""
    return [r for r in range(4, ws.max_row + 1) if str(ws.cell(r, 1).value or "").isdigit()]


def _conn(demo: Path) -> sqlite3.Connection:
    return connect_ledger(demo)


def _unit_tasks(demo: Path, unit: str) -> dict[int, str]:
    with _conn(demo) as c:
        return dict(c.execute(
            "SELECT t.id, a.role FROM task t JOIN assignment a ON a.task_id = t.id JOIN unit u ON u.id = a.unit_id "
            "JOIN round_task rt ON rt.task_id = t.id WHERE u.name = ? ORDER BY t.position", (unit,)))


def test_form_layout_header_dropdown_hidden_key_protection(demo, tmp_path):
    _open_round(demo)
    forms = _export(demo, tmp_path / "out")
    with _conn(demo) as c:
        units = {r[0] for r in c.execute(
            "SELECT DISTINCT u.name FROM assignment a JOIN unit u ON u.id = a.unit_id JOIN task t ON t.id = a.task_id "
            "JOIN work_group g ON g.id = t.group_id WHERE g.name = ?", (GROUP,))}
    assert set(forms) == units  # one workbook per unit leading or co-operating on a task of the round
    path = forms["市民政局"]
    assert path.name == f"{GROUP}_2023年6月_市民政局_进展填报表.xlsx"
    ws = openpyxl.load_workbook(path).active
    assert ws["A1"].value == f"{GROUP}重点任务进展情况填报表（2023年6月）"
    assert ws["A2"].value.startswith("填报单位（盖章）：市民政局")
    assert "报送截止：2023年7月5日" in ws["A2"].value
    assert [ws.cell(3, c).value for c in range(1, 10)] == [
        "序号", "工作任务", "完成时限", "本单位职责", "完成状态", "本期工作进展", "完成日期", "存在问题及下步打算", "佐证材料"]
    assert ws.column_dimensions["K"].hidden
    rows = _task_rows(ws)
    tasks = _unit_tasks(demo, "市民政局")
    assert [ws.cell(r, 11).value for r in rows] == [f"{t}|未启动" for t in tasks]  # key, and the status sent
    assert [ws.cell(r, 4).value for r in rows] == ["牵头" if tasks[t] == "lead" else "配合" for t in tasks]
    assert {ws.cell(r, 5).value for r in rows} == {"未启动"}
    assert ws.protection.sheet and not ws.protection.password
    first = rows[0]
    assert ws.cell(first, 2).protection.locked and ws.cell(first, 11).protection.locked
    assert not any(ws.cell(first, c).protection.locked for c in (5, 6, 7, 8, 9))
    dv = ws.data_validations.dataValidation
    assert len(dv) == 1 and dv[0].formula1 == '"未启动,推进中,已完成"' and f"E{first}" in str(dv[0].sqref)


def _fill(path: Path, fills: dict[int, tuple], *, reorder=False, drop_key=False, extra: str | None = None,
          save_as: Path | None = None, renumber: bool = False) -> Path:
    """Fill a form: ``fills`` task index (0-based in the form) → (status, text, date, problems, evidence)."""
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    rows = _task_rows(ws)
    for i, values in fills.items():
        for col, value in zip((5, 6, 7, 8, 9), values):
            ws.cell(rows[i], col).value = value
    if reorder:  # the unit sorted its rows backwards
        data = [[ws.cell(r, c).value for c in range(1, 12)] for r in rows]
        for r, values in zip(rows, reversed(data)):
            for c, v in enumerate(values, start=1):
                ws.cell(r, c).value = v
    if renumber:  # and numbered them 1, 2, 3 … again
        for n, r in enumerate(rows, start=1):
            ws.cell(r, 1).value = n
    if extra:
        extra_row = rows[-1] + 2  # under the 新增工作 heading
        ws.cell(extra_row, 2).value = extra
        ws.cell(extra_row, 6).value = "已完成调研"
    if drop_key:
        ws.delete_cols(11)
    out = save_as or path
    wb.save(out)
    if out != path:
        path.unlink()
    return out


def _to_xls(path: Path) -> Path:
    import xlwt

    ws = openpyxl.load_workbook(path).active
    book = xlwt.Workbook()
    sheet = book.add_sheet("进展填报表")
    style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    for r, row in enumerate(ws.iter_rows(values_only=True)):
        for c, value in enumerate(row):
            if isinstance(value, datetime):
                sheet.write(r, c, value, style)
            elif value is not None:
                sheet.write(r, c, value)
    out = path.with_suffix(".xls")
    book.save(str(out))
    path.unlink()
    return out


def _to_docx(path: Path) -> Path:
    import docx

    ws = openpyxl.load_workbook(path).active
    document = docx.Document()
    document.add_paragraph(ws["A1"].value)
    document.add_paragraph(ws["A2"].value)
    rows = [r for r in ws.iter_rows(min_row=3, max_col=9, values_only=True) if any(r)]
    rows = [r for r in rows if not str(r[0] or "").startswith(("新增工作", "注："))]
    table = document.add_table(rows=len(rows), cols=9)
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            table.cell(i, j).text = "" if value is None else str(value)
    out = path.with_suffix(".docx")
    document.save(str(out))
    path.unlink()
    return out


def _progress(demo: Path, unit: str) -> list[tuple]:
    with _conn(demo) as c:
        return c.execute('SELECT p.task_id, p."on", p.text FROM progress p JOIN unit u ON u.id = p.unit_id '
                         "WHERE u.name = ? ORDER BY p.task_id", (unit,)).fetchall()


def _states(demo: Path) -> dict[str, str]:
    from models.round_status import find_round, unit_states

    with _conn(demo) as c:
        gid = c.execute("SELECT id FROM work_group WHERE name = ?", (GROUP,)).fetchone()[0]
        return {u.unit: u.label for u in unit_states(c, find_round(c, gid, "2023年6月"))}


def returned_civil_form(demo: Path, tmp_path: Path, fill) -> Path:
    """A new round opened and its forms exported; 市民政局's form filled row by row (``fill(i)``, the
    tuple ``_fill`` takes) alone in the folder returned, as the unit sends it back."""
    _open_round(demo)
    forms = _export(demo, tmp_path / "out")
    back = tmp_path / "back"
    back.mkdir()
    src = shutil.copy(forms["市民政局"], back)
    _fill(Path(src), {i: fill(i) for i in range(len(_unit_tasks(demo, "市民政局")))})
    return back


def test_a_round_trip_of_messy_forms(demo, tmp_path):
    _open_round(demo)
    forms = _export(demo, tmp_path / "out")
    back = tmp_path / "back"
    back.mkdir()
    civil = _unit_tasks(demo, "市民政局")  # 9 tasks
    health = _unit_tasks(demo, "市卫生健康局")
    # 市民政局: every row, rows re-ordered, statuses in words, dates in four spellings
    words = ["完成", "已办结", "√", "基本完成", "正在推进", "进行中", "未开始", "已完成", "推进中"]
    dates = [datetime(2023, 6, 28), "2023.6.30", "6月30日", "2023年6月", None, None, None, "2023-06-15", None]
    n = len(civil)
    civil_fill = {i: (words[i % 9], f"民政第{i + 1}项进展", dates[i % 9], "资金不足" if i == 0 else None,
                      "照片.jpg" if i == 1 else None) for i in range(n)}
    src = shutil.copy(forms.pop("市民政局"), back)
    _fill(Path(src), civil_fill, reorder=True)
    # 市卫生健康局: key column deleted, rows re-ordered and renumbered, half filled → partial
    half = {i: ("推进中", f"卫健第{i + 1}项进展", None, None, None) for i in range(len(health) // 2)}
    src = shutil.copy(forms.pop("市卫生健康局"), back)
    _fill(Path(src), half, reorder=True, drop_key=True, renumber=True)
    # 市人力社保局: saved as .xls, all filled, an extra row
    hr = _unit_tasks(demo, "市人力社保局")
    src = shutil.copy(forms.pop("市人力社保局"), back)
    _to_xls(_fill(Path(src), {i: ("推进中", f"人社第{i + 1}项", None, None, None) for i in range(len(hr))},
                  extra="新增工作：开展养老护理员技能竞赛"))
    # 市医保局: pasted into Word
    ins = _unit_tasks(demo, "市医保局")
    src = shutil.copy(forms.pop("市医保局"), back)
    _to_docx(_fill(Path(src), {i: ("推进中", f"医保第{i + 1}项", None, None, None) for i in range(len(ins))}))
    # 市财政局: returned blank
    shutil.copy(forms.pop("市财政局"), back)
    # every other unit: not returned at all
    before = table_rows(demo)

    r = run_cli("--db", str(demo), "import", str(back), "--group", GROUP)
    assert r.returncode == 0, r.stderr
    assert "新报送 5 个单位" in r.stdout
    assert "新增工作：新增工作：开展养老护理员技能竞赛" in r.stdout

    # 市民政局: each entry on its own task, dates read, statuses by the words
    got = _progress(demo, "市民政局")
    order = list(civil)
    # filled before the rows were reversed: the text of form row i stays with task order[i]
    expected_text = {order[i]: f"民政第{i + 1}项进展" for i in range(n)}
    assert {t: text for t, _, text in got} == expected_text
    assert {on for _, on, _ in got} == {"2023-07-01"}  # the 报送 date is today
    with _conn(demo) as c:
        status = dict(c.execute(f"SELECT id, status FROM task WHERE id IN ({','.join(map(str, civil))})"))
        done_on = dict(c.execute(f"SELECT id, done_on FROM task WHERE id IN ({','.join(map(str, civil))})"))
        entries = {row[0]: row[1:] for row in c.execute(
            "SELECT e.task_id, e.status, e.done_on, e.problems, e.evidence, e.role FROM report_entry e "
            "JOIN unit_report rp ON rp.id = e.report_id JOIN unit u ON u.id = rp.unit_id WHERE u.name = '市民政局'")}
    want_status = {"完成": "已完成", "已办结": "已完成", "√": "已完成", "基本完成": "推进中", "正在推进": "推进中",
                   "进行中": "推进中", "未开始": "未启动", "已完成": "已完成", "推进中": "推进中"}
    want_date = {0: "2023-06-28", 1: "2023-06-30", 2: "2023-06-30", 3: "2023-06-30", 7: "2023-06-15"}
    for i, task_id in enumerate(order):
        e = entries[task_id]
        # a date with no status word of 已完成 still is the date the unit gave
        assert e[0] == want_status[words[i % 9]] or (dates[i % 9] and e[0] == "已完成"), (i, e)
        assert e[1] == want_date.get(i % 9), (i, e)
        if civil[task_id] == "lead" and e[0] == "已完成":
            assert status[task_id] == "已完成" and done_on[task_id] == e[1]
        if civil[task_id] == "co":
            assert status[task_id] != "已完成" or e[0] != "已完成"  # a co-unit's claim does not close the task
    assert entries[order[0]][2] == "资金不足" and entries[order[1]][3] == "照片.jpg"

    # key column deleted: still each text on its task, by 序号 + text
    got = _progress(demo, "市卫生健康局")
    horder = list(health)
    assert {t: text for t, _, text in got} == {horder[i]: f"卫健第{i + 1}项进展" for i in range(len(health) // 2)}
    assert {t for t, _, _ in _progress(demo, "市人力社保局")} == set(hr)
    assert {t for t, _, _ in _progress(demo, "市医保局")} == set(ins)
    with _conn(demo) as c:
        extras = c.execute("SELECT rp.extras FROM unit_report rp JOIN unit u ON u.id = rp.unit_id "
                           "WHERE u.name = '市人力社保局'").fetchone()[0]
        assert "开展养老护理员技能竞赛" in extras
    assert len(table_rows(demo)["task"]) == len(before["task"])  # the extra row is no task

    states = _states(demo)
    assert states["市民政局"] == "已报送（7月1日）"
    assert states["市人力社保局"] == "已报送（7月1日）"
    assert states["市医保局"] == "已报送（7月1日）"
    assert states["市卫生健康局"] == f"部分（{len(health) // 2}/{len(health)}）"
    assert states["市财政局"] == "未报送（交回空表）"
    not_reported = {u for u, s in states.items() if s == "未报送"}
    assert not_reported == set(forms) - {"市财政局"}

    # the same folder again: nothing recorded twice
    after = table_rows(demo)
    assert after != before
    r = run_cli("--db", str(demo), "import", str(back), "--group", GROUP)
    assert r.returncode == 0, r.stderr
    assert "与已导入的相同 5 个" in r.stdout
    assert table_rows(demo) == after

    # a corrected form replaces that unit's entries
    corrected = back / "更正"
    corrected.mkdir()
    src = shutil.copy(tmp_path / "out" / f"{GROUP}_2023年6月_市卫生健康局_进展填报表.xlsx", corrected)
    _fill(Path(src), {i: ("推进中", f"卫健更正{i + 1}", None, None, None) for i in range(len(health))})
    r = run_cli("--db", str(demo), "import", str(corrected), "--group", GROUP)
    assert r.returncode == 0, r.stderr
    assert "更正 1 个" in r.stdout
    got = _progress(demo, "市卫生健康局")
    assert sorted(text for _, _, text in got) == sorted(f"卫健更正{i + 1}" for i in range(len(health)))
    assert _states(demo)["市卫生健康局"] == "已报送（7月1日）"

    # who has reported, exported: units not reported first, with their liaison and tasks
    out = tmp_path / "报送情况.xlsx"
    r = run_cli("--db", str(demo), "export", str(out), "--kind", "reporting", "--group", GROUP)
    assert r.returncode == 0, r.stderr
    ws = openpyxl.load_workbook(out).active
    assert ws["A1"].value == f"{GROUP}重点任务进展报送情况（2023年6月）"
    assert [ws.cell(3, c).value.replace("\n", "") for c in range(1, 9)] == [
        "序号", "单位", "报送状态", "已填/任务", "报送日期", "联络员", "联系电话", "未填报的任务"]
    # a unit's cells merged down its rows, one row per task it owes
    listed = [(ws.cell(r, 2).value, ws.cell(r, 3).value) for r in range(4, ws.max_row + 1) if ws.cell(r, 2).value]
    kinds = [s for _, s in listed]
    assert kinds == sorted(kinds, key=lambda s: 0 if s.startswith("未报送") else 1)
    assert ("市民政局", "已报送") in listed and ("市财政局", "未报送（交回空表）") in listed
    first = 4
    assert ws.cell(first, 8).value.startswith("1．")


def test_round_commands_and_refusals(demo, tmp_path):
    r = run_cli("--db", str(demo), "round", "cycle", "每月5日前", "--group", GROUP)
    assert r.returncode == 0, r.stderr
    r = run_cli("--db", str(demo), "round", "open", "--group", GROUP)  # today 2023-07-01: the June round
    assert r.returncode == 0, r.stderr
    assert "「2023年6月」" in r.stdout and "截止 2023-07-05" in r.stdout
    r = run_cli("--db", str(demo), "round", "open", "2023年6月", "--group", GROUP)
    assert r.returncode == 1 and "已有名为「2023年6月」" in r.stderr
    r = run_cli("--db", str(demo), "round", "list", "--group", GROUP)
    assert r.returncode == 0 and "2023年6月\t进行中\t截止 2023-07-05" in r.stdout and "未报送 32" in r.stdout
    out = tmp_path / "out"
    forms = _export(demo, out)
    # a form of another group is refused, naming it, and changes nothing
    other = "闽清县老龄工作领导小组"
    r = run_cli("--db", str(demo), "round", "open", "第1期", "--group", other)
    assert r.returncode == 0, r.stderr
    before = table_rows(demo)
    r = run_cli("--db", str(demo), "import", str(forms["市民政局"]), "--group", other)
    assert r.returncode == 1
    assert f"这是「{GROUP}」的填报表，不是「{other}」的" in r.stderr and "市民政局" in r.stderr
    assert table_rows(demo) == before
    # a form of another round of the group: imported into the round it names, with a warning
    r = run_cli("--db", str(demo), "round", "open", "2023年7月", "--group", GROUP)
    assert r.returncode == 0, r.stderr
    _fill(forms["市民政局"], {0: ("推进中", "七月前的进展", None, None, None)})
    r = run_cli("--db", str(demo), "import", str(forms["市民政局"]), "--group", GROUP, "--round", "2023年7月")
    assert r.returncode == 0, r.stderr
    assert "按表中写的「2023年6月」导入" in r.stdout
    r = run_cli("--db", str(demo), "round", "close", "2023年6月", "--group", GROUP)
    assert r.returncode == 0 and "已结束" in r.stdout
    r = run_cli("--db", str(demo), "round", "list", "--group", GROUP)
    assert "2023年6月\t已结束" in r.stdout and "2023年7月\t进行中" in r.stdout


@pytest.mark.parametrize("text,status", [("完成", "已完成"), ("已办结", "已完成"), ("√", "已完成"), ("基本完成", "推进中"),
                                         ("正在推进", "推进中"), ("进行中", "推进中"), ("未开始", "未启动"), ("", None),
                                         ("不知道", None)])
def test_status_words(text, status):
    from importers.forms import status_of

    assert status_of(text) == status


@pytest.mark.parametrize("value,want", [(datetime(2024, 6, 30, 0, 0), date(2024, 6, 30)), ("2024.6.30", date(2024, 6, 30)),
                                        ("6月30日", date(2024, 6, 30)), ("2024年6月", date(2024, 6, 30)),
                                        ("2024-6-30", date(2024, 6, 30)), ("", None), ("下月", "下月")])
def test_date_spellings(value, want):
    from importers.forms import date_of

    assert date_of(value, 2024) == want


def test_proposals():
    from models.rounds import parse_cycle, propose

    assert propose(parse_cycle("每月5日前"), date(2024, 7, 3), set()) == ("2024年6月", date(2024, 7, 5))
    assert propose(parse_cycle("每月5日前"), date(2024, 6, 20), set()) == ("2024年6月", date(2024, 7, 5))
    assert propose(parse_cycle("每月5日前"), date(2024, 6, 20), {"2024年6月"}) == ("2024年7月", date(2024, 8, 5))
    assert propose(parse_cycle("每半月"), date(2024, 6, 20), set()) == ("2024年6月下半月", date(2024, 6, 30))
    assert propose(parse_cycle("每季度"), date(2024, 5, 1), set()) == ("2024年第二季度", date(2024, 7, 5))
    assert propose(None, date(2024, 5, 1), {"第1期"}) == ("第2期", date(2024, 5, 8))


def test_dump_undo_and_history_of_a_round(demo, tmp_path):
    import json

    from models import rounds
    from models.db import Database
    from models.operations import undo
    from models.report_records import EntryIn, ReportIn

    db = Database(demo)
    try:
        with _conn(demo) as c:
            gid = c.execute("SELECT id FROM work_group WHERE name = ?", (GROUP,)).fetchone()[0]
        before = table_rows(demo)
        round_id = rounds.open_round(db, gid, "第1期", due=date(2023, 7, 10))
        civil = _unit_tasks(demo, "市民政局")
        with _conn(demo) as c:
            unit_id = c.execute("SELECT id FROM unit WHERE name = '市民政局'").fetchone()[0]
        task_id = next(t for t, role in civil.items() if role == "lead")
        after_open = table_rows(demo)
        result = rounds.record_reports(db, [ReportIn(round_id, unit_id, "民政.xlsx", date(2023, 7, 3), [
            EntryIn(task_id, "lead", "已完成", "全部完成", date(2023, 6, 30), "无", "验收报告.pdf")])])
        assert result.new == ["市民政局"] and result.status_changes == 1
        out = tmp_path / "dump.json"
        r = run_cli("--db", str(demo), "export", str(out), "--group", GROUP)
        assert r.returncode == 0, r.stderr
        dump = json.loads(out.read_text(encoding="utf-8"))
        (rnd,) = dump["groups"][0]["rounds"]
        assert rnd["name"] == "第1期" and rnd["due"] == "2023-07-10"
        assert rnd["reports"] == [{"unit": "市民政局", "received_on": "2023-07-03", "source": "民政.xlsx", "extras": [],
                                   "entries": [{"task_id": task_id, "role": "lead", "status": "已完成", "text": "全部完成",
                                                "done_on": "2023-06-30", "problems": "无", "evidence": "验收报告.pdf"}]}]
        task = next(t for t in dump["groups"][0]["tasks"] if t["id"] == task_id)
        assert task["status"] == "已完成" and task["done_on"] == "2023-06-30"
        assert {"date": "2023-07-03", "unit": "市民政局", "text": "全部完成"} in task["progress"]
        with _conn(demo) as c:
            summary = c.execute("SELECT summary FROM history ORDER BY id DESC LIMIT 1").fetchone()[0]
        assert summary.startswith("导入填报表「第1期」：新报送 1 个单位")
        assert undo(db).startswith("导入填报表")
        assert {k: v for k, v in table_rows(demo).items() if k not in ("history", "row_change", "sqlite_sequence")} == \
            {k: v for k, v in after_open.items() if k not in ("history", "row_change", "sqlite_sequence")}
        assert undo(db).startswith("临海市老有康养专项工作组：开启报送轮次「第1期」")
        assert {k: v for k, v in table_rows(demo).items() if k not in ("history", "row_change", "sqlite_sequence")} == \
            {k: v for k, v in before.items() if k not in ("history", "row_change", "sqlite_sequence")}
    finally:
        db.close()


def test_version_2_ledger_upgrades_to_rounds(tmp_path):
    """A ledger made before rounds (version 2) gains the tables and the group's cycle on open, with
    the same columns as a new ledger."""
    from models.db import Database
    from models.migrations import STEPS

    old = tmp_path / "v2.db"
    conn = connect_ledger(old)
    from tests.test_schema import V1_SCHEMA

    conn.executescript(V1_SCHEMA)
    conn.isolation_level = None
    STEPS[1](conn)
    conn.execute("PRAGMA user_version = 2")
    conn.close()
    Database(old).close()
    Database(tmp_path / "new.db").close()

    def shape(path):
        c = connect_ledger(path)
        tables = [r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        out = {t: [r[1:] for r in c.execute(f'PRAGMA table_info("{t}")')] for t in tables}
        out["version"] = c.execute("PRAGMA user_version").fetchone()[0]
        c.close()
        return out

    upgraded, new = shape(old), shape(tmp_path / "new.db")
    assert upgraded["version"] == new["version"] == CURRENT_VERSION
    for table in ("report_round", "round_task", "unit_report", "report_entry"):
        assert upgraded[table] == new[table]
    assert sorted(upgraded["work_group"]) == sorted(new["work_group"])
    c = connect_ledger(old)
    assert c.execute("SELECT name FROM work_group").fetchall() == [("闽清县老龄工作领导小组",)]
    c.close()


def test_a_returned_form_is_not_read_as_a_division_table(demo, tmp_path):
    """The general import (TUI key i, or a file passed as a table) refuses a returned form, saying
    where it goes, instead of adding its rows as tasks."""
    from importers import read_file
    from importers.records import ImportRefused

    _open_round(demo)
    forms = _export(demo, tmp_path / "out")
    renamed = tmp_path / "民政局6月.xlsx"  # the name no longer says 填报表: the marker does
    shutil.copy(forms["市民政局"], renamed)
    with pytest.raises(ImportRefused, match="是单位交回的进展填报表，不是分工表"):
        read_file(renamed)
    r = run_cli("--db", str(demo), "import", str(renamed), "--dry-run")
    assert r.returncode == 0 and "市民政局（2023年6月" in r.stdout and "将导入填报表 1 份" in r.stdout


def test_a_corrected_form_takes_back_its_own_claim_of_done(demo):
    from models import rounds
    from models.db import Database
    from models.report_records import EntryIn, ReportIn

    with Database(demo) as db:
        with _conn(demo) as c:
            gid = c.execute("SELECT id FROM work_group WHERE name = ?", (GROUP,)).fetchone()[0]
            unit_id = c.execute("SELECT id FROM unit WHERE name = '市民政局'").fetchone()[0]
        round_id = rounds.open_round(db, gid, "第1期")
        lead = [t for t, role in _unit_tasks(demo, "市民政局").items() if role == "lead"]
        first = ReportIn(round_id, unit_id, "a.xlsx", None, [EntryIn(lead[0], "lead", "已完成", "办结", date(2023, 6, 30)),
                                                             EntryIn(lead[1], "lead", "推进中", "推进")])
        rounds.record_reports(db, [first])
        corrected = ReportIn(round_id, unit_id, "b.xlsx", None, [EntryIn(lead[0], "lead", "推进中", "尚未验收"),
                                                                 EntryIn(lead[1], "lead", "推进中", "推进")])
        result = rounds.record_reports(db, [corrected])
        assert result.replaced == ["市民政局"]
    with _conn(demo) as c:
        assert c.execute("SELECT status, done_on FROM task WHERE id = ?", (lead[0],)).fetchone() == ("推进中", None)
        texts = [r[0] for r in c.execute('SELECT text FROM progress WHERE unit_id = ? ORDER BY id', (unit_id,))]
        assert texts == ["尚未验收", "推进"]  # the first form's entries replaced, not added to


def test_a_renamed_form_saved_without_shared_strings_is_still_found_by_the_command_line(demo, tmp_path):
    """A unit re-saves its form with a program that writes its text inline (no shared strings) under
    a name of its own: `taizhang import FILE` with no --group (the demo holds five groups) still
    recognises the form and takes the group and round from it."""
    import zipfile

    _open_round(demo)
    forms = _export(demo, tmp_path / "out")
    wb = openpyxl.load_workbook(forms["市民政局"])
    wb.active.cell(_task_rows(wb.active)[0], 7).value = "已选址"  # 本期工作进展
    resaved = tmp_path / "民政局回复.xlsx"
    wb.save(resaved)
    assert "xl/sharedStrings.xml" not in zipfile.ZipFile(resaved).namelist()
    r = run_cli("--db", str(demo), "import", str(resaved), "--dry-run")
    assert r.returncode == 0, r.stderr
    assert "市民政局（2023年6月" in r.stdout and "将导入填报表 1 份" in r.stdout


def test_an_undone_rounds_ids_are_not_given_again(demo):
    """Forms recorded, taken back (undo) and recorded again: the new report, entry and progress rows
    get ids never given before (AUTOINCREMENT's promise, kept by the bulk writer too)."""
    from models import rounds
    from models.db import Database
    from models.operations import undo
    from models.report_records import EntryIn, ReportIn

    def ids() -> dict[str, set[int]]:
        with _conn(demo) as c:
            return {t: {r[0] for r in c.execute(f"SELECT id FROM {t}")} for t in ("unit_report", "report_entry", "progress")}

    db = Database(demo)
    try:
        with _conn(demo) as c:
            gid = c.execute("SELECT id FROM work_group WHERE name = ?", (GROUP,)).fetchone()[0]
            unit_id = c.execute("SELECT id FROM unit WHERE name = '市民政局'").fetchone()[0]
        round_id = rounds.open_round(db, gid, "第1期", due=date(2023, 7, 10))
        task_id = next(t for t, role in _unit_tasks(demo, "市民政局").items() if role == "lead")

        def record() -> None:
            rounds.record_reports(db, [ReportIn(round_id, unit_id, "民政.xlsx", date(2023, 7, 3), [
                EntryIn(task_id, "lead", "推进中", "完成进度60%", None, "无", "")])])

        before = ids()
        record()
        first = {t: v - before[t] for t, v in ids().items()}
        assert all(first.values())
        assert undo(db).startswith("导入填报表")
        assert ids() == before
        record()
        second = {t: v - before[t] for t, v in ids().items()}
        for table in first:
            assert second[table] and not second[table] & first[table], table
            assert min(second[table]) > max(first[table]), table
    finally:
        db.close()
