"""The unit assessment (考评) workbook: per unit the tasks led and co-operated, done, done on time,
overdue, rounds owed and reported on time, the score from ``models.judging.score`` (its formula
is written on the sheet and in the README) with the group's weights, the ranking, and a native
Excel bar chart of the completion rate by unit (xlsxwriter).
"""

from __future__ import annotations

import json
import os
import sqlite3
from datetime import date
from pathlib import Path

from models import judging
from models.judged import read_group
from models.judging import DEFAULT_WEIGHTS, UnitScore

FORMULA = ("得分 = 完成率×{done:g} + 按时完成率×{on_time:g} + 按时报送率×{reported:g} − 逾期项数×{overdue_penalty:g}，"
           "限定在 0–100 分。完成率 = 已办结 ÷ 牵头任务（无牵头任务记 1）；按时完成率 = 按时办结 ÷ 已办结"
           "（无已办结任务时，无逾期记 1、有逾期记 0）；按时报送率 = 按时报送轮次 ÷ 应报送轮次（无应报送记 1）。")


def weights_of(conn: sqlite3.Connection, group_id: int) -> dict[str, float]:
    text = conn.execute("SELECT assessment_weights FROM work_group WHERE id = :g", {"g": group_id}).fetchone()[0]
    return {**DEFAULT_WEIGHTS, **(json.loads(text) if text else {})}


def in_period(t, start: date | None, end: date) -> bool:
    """A task belongs to the period from ``start`` to ``end`` unless it was done (confirmed) before
    ``start``; without ``start``, every task."""
    return start is None or not (t.judgement.done and t.done_on is not None and t.done_on < start)


def done_by(t, end: date) -> bool:
    return t.judgement.done and (t.done_on is None or t.done_on <= end)


def unit_scores(conn: sqlite3.Connection, group_id: int, today: date, start: date | None = None) -> list[UnitScore]:
    """Every unit on the group's tasks, scored and ranked (``models.judging.rank``); with ``start``,
    the period from ``start`` to ``today``: tasks done before it are left out, done counts those
    done by ``today``, rounds whose due date (else opening date) falls in it are owed. The TUI's 考评
    view and ``export --kind assessment`` both read this."""
    from models.round_status import LATE, NOT_REPORTED, list_rounds, unit_states

    g = read_group(conn, group_id, today)
    g.tasks = [t for t in g.tasks if in_period(t, start, today)]
    lead, co = g.by_unit("lead"), g.by_unit("co")
    names = list(dict.fromkeys([*lead, *co]))
    owed: dict[str, int] = dict.fromkeys(names, 0)
    on_time: dict[str, int] = dict.fromkeys(names, 0)
    for rnd in list_rounds(conn, group_id):
        if rnd.status == "open" and (rnd.due is None or rnd.due >= today):
            continue  # not yet owed
        when = rnd.due or rnd.opened_on
        if start is not None and when is not None and not start <= when <= today:
            continue  # outside the period
        for s in unit_states(conn, rnd):
            owed[s.unit] = owed.get(s.unit, 0) + 1
            on_time[s.unit] = on_time.get(s.unit, 0) + (s.state not in (NOT_REPORTED, LATE))
    units = []
    for name in dict.fromkeys([*names, *owed]):
        led = lead.get(name, [])
        c = judging.count(t.judgement for t in led)
        if start is not None:  # done within the period
            c.done = sum(done_by(t, today) for t in led)
            c.on_time = sum(done_by(t, today) and bool(t.judgement.on_time) for t in led)
        units.append(UnitScore(name, len(led), len(co.get(name, [])), c.done, c.on_time, c.overdue,
                               owed.get(name, 0), on_time.get(name, 0)))
    return judging.rank(units, weights_of(conn, group_id))


def export_assessment(conn: sqlite3.Connection, group_id: int, group_name: str, out: Path, today: date,
                      start: date | None = None) -> Path:
    import xlsxwriter

    weights = weights_of(conn, group_id)
    units = unit_scores(conn, group_id, today, start)
    tmp = out.with_name(out.name + ".tmp")
    wb = xlsxwriter.Workbook(str(tmp), {"in_memory": True})
    ws = wb.add_worksheet("考评")
    title = wb.add_format({"bold": True, "font_size": 16, "align": "center", "valign": "vcenter", "font_name": "宋体"})
    note = wb.add_format({"text_wrap": True, "valign": "top", "font_name": "宋体", "font_size": 10})
    head = wb.add_format({"bold": True, "border": 1, "align": "center", "valign": "vcenter", "text_wrap": True,
                          "bg_color": "#D9E1F2", "font_name": "宋体"})
    cell = wb.add_format({"border": 1, "align": "center", "valign": "vcenter", "font_name": "宋体"})
    left = wb.add_format({"border": 1, "valign": "vcenter", "font_name": "宋体"})
    rate = wb.add_format({"border": 1, "align": "center", "num_format": "0.0%", "font_name": "宋体"})
    num = wb.add_format({"border": 1, "align": "center", "num_format": "0.0", "font_name": "宋体"})
    header = ["排名", "单位", "牵头任务", "配合任务", "已办结", "按时办结", "逾期", "应报送轮次", "按时报送轮次",
              "完成率", "按时完成率", "按时报送率", "得分"]
    widths = [6, 26, 9, 9, 8, 9, 7, 10, 12, 9, 10, 10, 8]
    for i, w in enumerate(widths):
        ws.set_column(i, i, w)
    ws.merge_range(0, 0, 0, len(header) - 1, f"{group_name}成员单位考评表", title)
    ws.set_row(0, 30)
    ws.merge_range(1, 0, 1, len(header) - 1, (f"统计期间{start.year}年{start.month}月{start.day}日至" if start else "统计截至")
                   + f"{today.year}年{today.month}月{today.day}日。"
                   + FORMULA.format(**weights), note)
    ws.set_row(1, 48)
    ws.write_row(2, 0, header, head)
    ws.set_row(2, 30)
    for r, u in enumerate(units, 3):
        ws.write_number(r, 0, u.rank, cell)
        ws.write_string(r, 1, u.unit, left)
        for col, value in enumerate((u.led, u.co, u.done, u.on_time, u.overdue, u.rounds_owed, u.rounds_on_time), 2):
            ws.write_number(r, col, value, cell)
        ws.write_number(r, 9, u.done_rate, rate)
        ws.write_number(r, 10, u.on_time_rate, rate)
        ws.write_number(r, 11, u.reported_rate, rate)
        ws.write_number(r, 12, u.score, num)
    ws.freeze_panes(3, 2)
    if units:
        last = 2 + len(units)
        chart = wb.add_chart({"type": "bar"})
        chart.add_series({"name": "完成率", "categories": ["考评", 3, 1, last, 1], "values": ["考评", 3, 9, last, 9],
                          "data_labels": {"value": True, "num_format": "0%"}, "fill": {"color": "#4472C4"}})
        chart.set_title({"name": "各单位任务完成率"})
        chart.set_x_axis({"min": 0, "max": 1, "num_format": "0%"})
        chart.set_y_axis({"reverse": True})
        chart.set_legend({"none": True})
        chart.set_size({"width": 640, "height": max(320, 22 * len(units) + 80)})
        ws.insert_chart(last + 2, 1, chart)
    wb.close()
    os.replace(tmp, out)
    return out
