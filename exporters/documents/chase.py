"""The 催办 letter (督办通知, "关于督促加快推进重点任务落实的通知"): one Word document per unit with
overdue tasks (as lead) or tasks not reported in the current round, laid out by GB/T 9704; the unit
is the 主送, its tasks are listed with their deadlines and what is wrong, and a reply date is set.
Exporting records that each unit was chased (``models.closing.record_chase``).
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from exporters.documents.bulletin import short_name, task_label
from exporters.documents.page import OfficialDocument, cn_date
from models.judged import GroupJudged, JudgedTask, read_group

TITLE = "关于督促加快推进重点任务落实的通知"
REPLY_DAYS = 7


@dataclass(slots=True)
class ChaseLetter:
    unit: str
    unit_id: int
    overdue: list[JudgedTask] = field(default_factory=list)
    unreported: list[JudgedTask] = field(default_factory=list)

    @property
    def task_ids(self) -> list[int]:
        return list(dict.fromkeys(t.id for t in [*self.overdue, *self.unreported]))


def letters(conn: sqlite3.Connection, g: GroupJudged) -> list[ChaseLetter]:
    """The units to chase, in the order they first appear as lead units (then the rest)."""
    unit_ids = dict(conn.execute("SELECT name, id FROM unit"))
    by_id = {t.id: t for t in g.tasks}
    out: dict[str, ChaseLetter] = {}
    for unit, tasks in g.by_unit("lead").items():
        overdue = [t for t in tasks if t.judgement.overdue]
        if overdue:
            out[unit] = ChaseLetter(unit, unit_ids[unit], overdue)
    if g.not_reported:
        from models.round_status import find_round, unit_states

        rnd = find_round(conn, g.group_id, g.round_name)
        for s in unit_states(conn, rnd) if rnd else []:
            if s.unit in g.not_reported:
                letter = out.setdefault(s.unit, ChaseLetter(s.unit, s.unit_id))
                letter.unreported = [by_id[t.task_id] for t in s.tasks if t.task_id in by_id]
    return list(out.values())


def build(g: GroupJudged, letter: ChaseLetter, reply_by: date, issuer: str | None = None) -> OfficialDocument:
    d = OfficialDocument()
    d.title(TITLE)
    d.addressee(letter.unit)
    work = short_name(g.name)
    work = work if work.endswith("工作") else work + "工作"
    d.body(f"根据{work}安排，领导小组办公室对各成员单位重点任务推进情况进行了跟踪督办。"
           f"截至{cn_date(g.today)}，你单位有关任务推进情况如下：")
    n = 0
    if letter.overdue:
        n += 1
        d.heading1(n, f"逾期未完成的任务（{len(letter.overdue)}项）")
        for i, t in enumerate(letter.overdue, 1):
            j = t.judgement
            due = f"完成时限{cn_date(j.due)}" if j.due else "无完成时限"
            if j.extended and j.original_due:
                due += f"（原定{cn_date(j.original_due)}，已批准延期）"
            number = f"第{t.number}项" if t.number and re.fullmatch(r"\d+", t.number) else ""
            d.heading2(i, f"{number}{task_label(t, 40)}。", f"{due}；{'；'.join(j.reasons)}。")
    if letter.unreported:
        n += 1
        d.heading1(n, f"{g.round_name or '本期'}未报送进展的任务（{len(letter.unreported)}项）")
        for i, t in enumerate(letter.unreported, 1):
            d.heading2(i, f"{task_label(t, 40)}。", f"截至{cn_date(g.today)}未报送本期工作进展。")
    n += 1
    d.heading1(n, "有关要求")
    d.body(f"请你单位高度重视，认真分析原因，采取有效措施加快推进，并于{cn_date(reply_by)}前将整改落实情况"
           f"（含佐证材料）书面报送领导小组办公室。逾期未报送或推进不力的，将在下期通报中予以通报。")
    d.signature(issuer or f"{g.name}办公室", g.today)
    return d


def safe_name(name: str) -> str:
    return re.sub(r'[\\/:*?"<>|\s]+', "_", name).strip("_") or "单位"


def export_chase(conn: sqlite3.Connection, db_path: Path, group_id: int, outdir: Path, today: date, *,
                 round_id: int | None = None, reply_by: date | None = None) -> list[Path]:
    """Write one letter per unit to chase into ``outdir`` and record the chase (one change)."""
    from models.closing import record_chase
    from models.db import Database

    g = read_group(conn, group_id, today, round_id=round_id)
    reply_by = reply_by or today + timedelta(days=REPLY_DAYS)
    paths: list[Path] = []
    chased = []
    for letter in letters(conn, g):
        path = outdir / f"{safe_name(letter.unit)}_督办通知_{today:%Y%m%d}.docx"
        build(g, letter, reply_by).save(path)
        paths.append(path)
        chased.append((letter.unit_id, letter.task_ids, path.name))
    if chased:
        from models.errors import OperationError

        try:
            db = Database(db_path)
            try:
                record_chase(db, group_id, chased, today, reply_by)
            finally:
                db.close()
        except OperationError as exc:  # e.g. a server's read-only account: the letters are written all the same
            raise ChaseNotRecorded(str(exc), paths) from None
    return paths


class ChaseNotRecorded(Exception):
    """The letters were written (``paths``) but the chase could not be recorded; the message says why."""

    def __init__(self, message: str, paths: list[Path]):
        super().__init__(message)
        self.paths = paths
