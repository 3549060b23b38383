"""Every table has a Chinese name in the history (操作记录): a 销号, a 延期, a 督办, a 佐证材料 or a
报送轮次 is told in words in the window's history and the exported trail, never by its table's own
name ("新增task_closing（编号 1）"), on a file and on a server (issue 18)."""

from __future__ import annotations

import pytest

import re
from datetime import date
from pathlib import Path

import openpyxl
from conftest import run_cli

from models import audit, closing, evidence, operations as ops, rounds
from models.store import connect

GROUP = "闽清县老龄工作领导小组"


def _table_names() -> set[str]:
    from sqlmodel import SQLModel

    import models.tables  # noqa: F401  (registers the tables)

    return set(SQLModel.metadata.tables)


def test_every_table_has_a_chinese_name_and_measure_word():
    names = _table_names()
    assert names and names <= set(audit.TABLE_NOUNS), f"no Chinese name for {sorted(names - set(audit.TABLE_NOUNS))}"
    for table, (noun, measure) in audit.TABLE_NOUNS.items():
        assert noun == audit.noun(table)
        assert noun and measure and not re.search(r"[A-Za-z_]", noun + measure), table


def _a_day_of_closings_chases_evidence_and_rounds(db, tmp_path: Path) -> int:
    group = ops.create_group(db, GROUP)
    task = ops.add_task(db, group, "建立高龄津贴制度", due=date(2023, 6, 30))
    ops.add_task(db, group, "开展老年人健康体检")  # open still: the round covers it
    ops.assign(db, task, "县民政局", person="张三")
    conn = connect(db.target)
    try:
        unit = conn.execute("SELECT id FROM unit WHERE name = ?", ("县民政局",)).fetchone()[0]
    finally:
        conn.close()
    closing.grant_extension(db, task, date(2023, 12, 31), "资金未到位", date(2023, 6, 30))
    closing.claim_done(db, task, date(2023, 6, 28), unit)
    closing.return_closing(db, task, "佐证不足")
    closing.claim_done(db, task, date(2023, 6, 29), unit)
    closing.confirm_closing(db, task)
    closing.record_chase(db, group, [(unit, [task], "督办通知.docx")], date(2023, 7, 1), date(2023, 7, 10))
    if not db.is_server:  # a server ledger cannot keep evidence files yet
        photo = tmp_path / "照片.jpg"
        photo.write_bytes(b"\xff\xd8" + b"x" * 200)
        evidence.attach(db, task, [photo])
        ops.undo(db)  # the attachment taken back: an undo of a 佐证材料
    opened = rounds.open_round(db, group, "2023年7月", due=date(2023, 7, 10))
    rounds.close_round(db, opened)
    return group


EXPECTED = [
    "新增延期：截止日期延至 2023-12-31（原为 2023-06-30），理由：资金未到位",
    "新增销号记录：报已完成（2023-07-01），完成日期 2023-06-28，县民政局",
    "新增销号记录：退回（2023-07-01），完成日期 2023-06-28，理由：佐证不足",
    "新增销号记录：已销号（2023-07-01），完成日期 2023-06-29",
    "新增督办记录：县民政局（2023-07-01），回复期限 2023-07-10，文件 督办通知.docx",
    "新增报送轮次：2023年7月（截止 2023-07-10）",
    "新增轮次任务：任务「开展老年人健康体检」",
    "状态：进行中 → 已结束",
]
ON_FILE = ["新增佐证材料：照片.jpg", "删除佐证材料：照片.jpg"]  # the attachment and its undo


def _no_table_name(text: str) -> None:
    shown = [t for t in _table_names() if re.search(rf"(?<![A-Za-z_]){t}(?![A-Za-z_])", text)]
    assert shown == [], f"table names shown: {shown}\n{text}"
    assert not re.search(r"\b(open|closed|claimed|confirmed|returned)\b", text), text


@pytest.mark.both_engines
def test_the_history_names_every_kind_of_row_in_chinese(ledger_db, tmp_path):
    group = _a_day_of_closings_chases_evidence_and_rounds(ledger_db, tmp_path)
    conn = connect(ledger_db.target)
    try:
        shown = audit.entries(conn, audit.Scope(group_id=group), limit=100)  # what the window's history lists
    finally:
        conn.close()
    expected = EXPECTED + ([] if ledger_db.is_server else ON_FILE)
    lines = "\n".join(f"{e.label}｜{e.what}｜" + " / ".join(e.changes) for e in shown)
    for line in expected:
        assert line in lines, line
    _no_table_name(lines)

    out = tmp_path / "history.xlsx"  # the trail exported from the command line, read back
    done = run_cli("--db", str(ledger_db.target), "export", "--group", GROUP, "--kind", "history", str(out))
    assert done.returncode == 0, done.stderr
    cells = "\n".join(str(c) for row in openpyxl.load_workbook(out).active.iter_rows(values_only=True)
                      for c in row if c is not None)
    for line in expected:
        assert line in cells, line
    _no_table_name(cells)
