"""The bulletin (通报) on the group's tasks as a Word document laid out by GB/T 9704
(``exporters.documents.page``). Every figure comes from ``models.judged`` (the one judgement), in the
office's usual sentences: overall figures, units that did well, units behind with their overdue
tasks, units that did not report in the round, the group's 下步工作要求, and the attachment table
各单位任务完成情况统计表.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from models.judged import GroupJudged, JudgedTask, chase_records, read_group
from models.judging import Counts, count
from exporters.documents.page import OfficialDocument, cn_date

ATTACHMENT_TITLE = "各单位任务完成情况统计表"
_SUFFIX = re.compile(r"(工作)?(领导小组|专项工作组|工作组|工作委员会|委员会|工作专班|专班)$")


def short_name(group: str) -> str:
    """闽清县老龄工作领导小组 → 闽清县老龄工作 (for the title)."""
    return _SUFFIX.sub(lambda m: m.group(1) or "", group) or group


def scope_word(group: str) -> str:
    """全县 / 全市 / 全区 from the place the group's name starts with; 全部 when none is found."""
    m = re.search(r"[县市区]", group)
    return f"全{m.group(0)}" if m else "全部"


def pct(part: int, whole: int) -> str:
    return f"{part * 100 / whole:.1f}%" if whole else "0.0%"


def md(d: date | None) -> str:
    return f"{d.month}月{d.day}日" if d else ""


def task_label(t: JudgedTask, width: int = 30) -> str:
    text = re.sub(r"\s+", "", t.content)
    first = re.split(r"[。；;]", text, maxsplit=1)[0] or text
    first = first if len(first) <= width else first[: width - 1] + "…"
    return f"“{first}”"


@dataclass(slots=True)
class UnitLine:
    unit: str
    counts: Counts
    overdue: list[JudgedTask]


@dataclass(slots=True)
class Figures:
    """What the bulletin says, as numbers (tests compare them with the ledger's)."""

    counts: Counts
    units: list[UnitLine]  # every lead unit, in the table's order
    behind: list[UnitLine]  # units with overdue tasks, most overdue first
    good: list[UnitLine]  # units with no overdue task and at least one task done or on track
    not_reported: list[str]
    round_name: str | None
    late: list[str] = field(default_factory=list)  # reported this round, after its due date

    @property
    def overdue_units(self) -> int:
        return len(self.behind)


def figures(g: GroupJudged) -> Figures:
    units = [UnitLine(u, count(t.judgement for t in ts), [t for t in ts if t.judgement.overdue])
             for u, ts in g.by_unit("lead").items()]
    behind = sorted((u for u in units if u.overdue), key=lambda u: -len(u.overdue))
    good = sorted((u for u in units if not u.overdue and u.counts.total and u.counts.lights["黄"] == 0),
                  key=lambda u: (-u.counts.done_rate, -u.counts.total))
    return Figures(g.counts(), units, behind, good, list(g.not_reported), g.round_name, list(g.late))


def _overall(g: GroupJudged, f: Figures) -> list[str]:
    c = f.counts
    scope = scope_word(g.name)
    first = (f"截至{cn_date(g.today)}，{scope}{c.total}项重点任务已办结{c.done}项，占{pct(c.done, c.total)}；")
    if c.pending:
        first += f"已报完成待销号{c.pending}项；"
    first += f"推进中{c.in_progress}项；未启动{c.not_started}项。"
    if c.overdue:
        first += f"逾期{c.overdue}项，涉及{f.overdue_units}个单位。"
    else:
        first += "无逾期任务。"
    if c.extended:
        first += f"经批准延期{c.extended}项。"
    out = [first]
    if c.done:
        out.append(f"已办结的{c.done}项任务中，按时完成{c.on_time}项，逾期完成{c.late}项。")
    return out


def _unit_names(names: list[str], limit: int = 0) -> str:
    return "、".join(names if not limit or len(names) <= limit else names[:limit])


def build(g: GroupJudged, *, next_steps: str, chases: list[dict], issuer: str | None = None) -> OfficialDocument:
    f = figures(g)
    d = OfficialDocument()
    period = f"{f.round_name}" if f.round_name else ""
    d.title(f"关于{period}{short_name(g.name)}重点任务推进情况的通报")
    d.addressee("各成员单位")
    d.body(f"为加快推进{short_name(g.name)}各项重点任务落实，领导小组办公室对截至{cn_date(g.today)}"
           f"各成员单位重点任务推进情况进行了梳理汇总。现将有关情况通报如下：")
    n = 1
    d.heading1(n, "总体情况")
    for text in _overall(g, f):
        d.body(text)
    n += 1
    d.heading1(n, "工作开展较好的单位")
    if f.good:
        names = [u.unit for u in f.good]
        all_done = [u.unit for u in f.good if u.counts.done == u.counts.total]
        text = (f"{_unit_names(names)}{'等' if len(names) > 1 else ''}{len(names)}个单位牵头的任务按时序推进，"
                f"无逾期任务，工作成效明显。")
        if all_done:
            text += f"其中，{_unit_names(all_done)}牵头的任务已全部办结。"
        d.body(text)
    else:
        d.body("本期各牵头单位均有逾期、临期、未按时报送或待销号等情况，暂无通报表扬的单位。")
    n += 1
    d.heading1(n, "存在的问题")
    sub = 0
    chased: dict[str, list[str]] = {}
    for c in chases:
        chased.setdefault(c["unit"], []).append(c["on"])
    if f.behind:
        sub += 1
        d.heading2(sub, "部分任务逾期。", f"{f.overdue_units}个单位牵头的{f.counts.overdue}项任务逾期，具体如下：")
        for u in f.behind:
            items = []
            for t in u.overdue:
                j = t.judgement
                due = f"完成时限{cn_date(j.due)}" if j.due else "无完成时限"
                items.append(f"{task_label(t)}（{due}，{'；'.join(j.reasons)}）")
            text = f"{u.unit}牵头的{len(u.overdue)}项任务逾期：{'；'.join(items)}。"
            if u.unit in chased:
                on = date.fromisoformat(chased[u.unit][-1])
                text += f"办公室已于{md(on)}发出督办通知。"
            d.body(text)
    if f.not_reported or f.late:
        sub += 1
        text = f"{f.round_name}报送中，"
        if f.not_reported:
            text += (f"{_unit_names(f.not_reported)}{len(f.not_reported)}个单位"
                     f"截至{cn_date(g.today)}未报送工作进展。")
        if f.late:
            limit = f"（报送期限{cn_date(g.round_due)}）" if g.round_due else ""
            text += (f"{'另有' if f.not_reported else ''}{_unit_names(f.late)}{'等' if len(f.late) > 1 else ''}"
                     f"{len(f.late)}个单位未按时报送{limit}。")
        d.heading2(sub, "部分单位未按时报送。", text)
    if f.counts.pending:
        sub += 1
        d.heading2(sub, "部分任务待审核销号。",
                   f"{f.counts.pending}项任务牵头单位已报完成，待办公室审核销号。")
    if not sub:
        d.body("本期各单位均按时报送，暂无逾期任务。")
    n += 1
    d.heading1(n, "下步工作要求")
    for para in [p.strip() for p in next_steps.splitlines() if p.strip()]:
        d.body(para)
    d.blank()
    d.attachment_note([ATTACHMENT_TITLE])
    d.signature(issuer or f"{g.name}办公室", g.today)
    d.attachment_heading(None, ATTACHMENT_TITLE)
    rows = [[str(i), u.unit, str(u.counts.total), str(u.counts.done), str(u.counts.on_time),
             str(u.counts.in_progress + u.counts.pending), str(u.counts.not_started), str(u.counts.overdue),
             pct(u.counts.done, u.counts.total)] for i, u in enumerate(f.units, 1)]
    c = f.counts
    rows.append(["", "合计", str(c.total), str(c.done), str(c.on_time), str(c.in_progress + c.pending),
                 str(c.not_started), str(c.overdue), pct(c.done, c.total)])
    d.table(["序号", "牵头单位", "牵头任务", "已办结", "按时办结", "推进中", "未启动", "逾期", "完成率"], rows,
            [10, 40, 15, 15, 16, 15, 15, 13, 17])
    d.note(f"注：统计截至{cn_date(g.today)}；多个单位共同牵头的任务分别计入各单位，合计按任务计；"
           "推进中含已报完成待销号的任务。")
    return d


def export_bulletin(conn: sqlite3.Connection, group_id: int, out: Path, today: date, *, round_id: int | None = None) -> Path:
    from models.judging import DEFAULT_NEXT_STEPS

    g = read_group(conn, group_id, today, round_id=round_id)
    text = conn.execute("SELECT next_steps FROM work_group WHERE id = :g", {"g": group_id}).fetchone()[0]
    doc = build(g, next_steps=text or DEFAULT_NEXT_STEPS, chases=chase_records(conn, group_id))
    return doc.save(out)
