"""What the export tests on a server ledger share (issue 18): a ledger with something in every corner
an export reads (the demo, plus closings, an extension, a tick, two reporting rounds with reports on
time and late, next steps, evidence), and readers that compare two exported files the way a user
would see them (.xlsx: every cell's value, merges, row heights, column widths; .docx: paragraphs and
tables; anything else: its bytes)."""

from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from datetime import date
from pathlib import Path

MINQING = "闽清县老龄工作领导小组"
LINHAI = "临海市老有康养专项工作组"
SIPING = "四平市老龄工作委员会"
ON = "2019-06-30"  # "today" of the judging exports (as tests/test_documents.py)


@contextmanager
def today(day: str):
    before = os.environ.get("TAIZHANG_TODAY")
    os.environ["TAIZHANG_TODAY"] = day
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("TAIZHANG_TODAY", None)
        else:
            os.environ["TAIZHANG_TODAY"] = before


def build_rich(path: Path, scratch: Path) -> None:
    """Add to the demo ledger at ``path`` what the demo alone lacks."""
    from models import evidence, rounds, store
    from models.closing import claim_done, confirm_closing, grant_extension, set_next_steps
    from models.db import Database
    from models.judged import group_id_of
    from models.operations import tick
    from models.round_status import current_round
    from models.rounds import EntryIn, ReportIn

    conn = store.connect(path)
    try:
        minqing, linhai = group_id_of(conn, MINQING), group_id_of(conn, LINHAI)
        ids = [r[0] for r in conn.execute("SELECT id FROM task WHERE group_id = :g ORDER BY position, id",
                                          {"g": minqing})]
        units = dict(conn.execute("SELECT name, id FROM unit"))
        leads: dict[str, list[int]] = {}
        for unit, task in conn.execute(
                "SELECT u.name, a.task_id FROM assignment a JOIN unit u ON u.id = a.unit_id JOIN task t ON "
                "t.id = a.task_id WHERE t.group_id = :g AND a.role = 'lead' ORDER BY a.id", {"g": minqing}):
            leads.setdefault(unit, []).append(task)
    finally:
        conn.close()
    db = Database(path)
    try:
        with today("2019-06-01"):
            rounds.open_round(db, minqing, "2019年6月", due=date(2019, 6, 25))
        with today(ON):
            claim_done(db, ids[0], date(2019, 6, 1))
            confirm_closing(db, ids[0])
            claim_done(db, ids[1], date(2019, 6, 20))
            grant_extension(db, ids[2], date(2021, 6, 30), "资金未到位", approved_on=date(2019, 6, 10))
            tick(db, ids[3])
            set_next_steps(db, minqing, "一要压实责任。\n二要按时报送。")
            conn = store.connect(path)
            try:
                round_id = current_round(conn, minqing).id
            finally:
                conn.close()
            reporting = list(leads)[:3]
            rounds.record_reports(db, [ReportIn(round_id, units[u], f"{u}.xlsx", date(2019, 6, 20 + 4 * n), [
                EntryIn(t, "lead", "推进中", f"{u}正在推进", None, "", "") for t in leads[u]])
                for n, u in enumerate(reporting)])
            scratch.mkdir(parents=True, exist_ok=True)
            (scratch / "参保统计表.pdf").write_bytes(b"%PDF stats")
            (scratch / "照片.jpg").write_bytes(b"jpeg")
            evidence.attach(db, ids[0], [scratch / "参保统计表.pdf", scratch / "照片.jpg"], unit=reporting[0])
        with today("2023-06-20"):
            rounds.open_round(db, linhai, "2023年6月", due=date(2023, 7, 5))
    finally:
        db.close()


def with_evidence_files(path: Path, copy: Path) -> Path:
    """The ledger file and its evidence store beside it (a server ledger holds the same files'
    contents since `copy` carries them)."""
    from models.evidence_store import store_dir

    shutil.copy(path, copy)
    if store_dir(path).is_dir():
        shutil.copytree(store_dir(path), store_dir(copy))
    return copy


# ------------------------------------------------------------------ what a user sees in a file


def xlsx_view(path: Path) -> dict:
    import openpyxl

    book = openpyxl.load_workbook(path)
    view = {}
    for ws in book.worksheets:
        view[ws.title] = {
            "cells": [[c.value for c in row] for row in ws.iter_rows()],
            "merged": sorted(str(r) for r in ws.merged_cells.ranges),
            "heights": {r: d.height for r, d in ws.row_dimensions.items() if d.height is not None},
            "widths": {k: d.width for k, d in ws.column_dimensions.items()},
            "print_title_rows": ws.print_title_rows,
            "breaks": [b.id for b in ws.row_breaks.brk],
            "hidden_rows": sorted(r for r, d in ws.row_dimensions.items() if d.hidden),
        }
    return view


def docx_view(path: Path) -> dict:
    from docx import Document

    doc = Document(str(path))
    return {"paragraphs": [p.text for p in doc.paragraphs],
            "tables": [[[c.text for c in row.cells] for row in t.rows] for t in doc.tables]}


def file_view(path: Path):
    if path.suffix == ".xlsx":
        return xlsx_view(path)
    if path.suffix == ".docx":
        return docx_view(path)
    if path.suffix == ".json":
        import json

        return json.loads(path.read_text(encoding="utf-8"))
    if path.suffix == ".zip":
        import zipfile

        with zipfile.ZipFile(path) as z:
            return sorted(z.namelist())
    return path.read_bytes()


def tree_view(root: Path) -> dict[str, object]:
    """Every file under ``root`` (or the file itself) by its relative name, as a user sees it."""
    if root.is_file():
        return {root.name: file_view(root)}
    return {p.relative_to(root).as_posix(): file_view(p) for p in sorted(root.rglob("*")) if p.is_file()}
