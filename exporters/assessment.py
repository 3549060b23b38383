"""The unit assessment (考评) workbook: per unit the tasks led and co-operated, done, done on time,
overdue, rounds owed and reported on time, the score from ``models.judging.score`` (its formula
is written on the sheet and in the README) with the group's weights, the ranking, and a native
Excel bar chart of the completion rate by unit (xlsxwriter).

Laid out like the other reports (``exporters.xlsx_sheet.Sheet``, widths from ``exporters.fitting``):
the 单位 column as wide as its longest name (up to a limit; a longer one broken where it reads
well), headers on two lines over narrow number columns, the title across the used columns; A4
portrait when the table fits it, else landscape; one page wide; a page never breaks inside a row.
The chart stands on a sheet of its own (完成率图表), sized to print whole on one A4 page.
"""

from __future__ import annotations

import json
import math
import os
import sqlite3
from datetime import date
from pathlib import Path
from typing import Any

from exporters import fitting
from exporters.reports import _title_rows
from exporters.xlsx_sheet import (CELL_PADDING, FONT_BODY, FONT_HEADER, LINE_POINTS, MARGINS, PORTRAIT_UNITS,
                                  Column, Sheet)

from models import judging
from models.judged import read_group
from models.judging import DEFAULT_WEIGHTS, UnitScore

FORMULA = ("得分 = 完成率×{done:g} + 按时完成率×{on_time:g} + 按时报送率×{reported:g} − 逾期项数×{overdue_penalty:g}，"
           "限定在 0–100 分。完成率 = 已办结 ÷ 牵头任务；按时完成率 = 按时办结 ÷ 已办结"
           "（无已办结任务时，无逾期记 1、有逾期记 0）；按时报送率 = 按时报送轮次 ÷ 应报送轮次（无应报送记 1）。"
           "统计期间没有牵头任务的单位（只配合）不计得分、不排名，列在表末，注“无牵头任务”。")
SHEET, CHART_SHEET, SHEET_HEADER = "考评", "完成率图表", 2
PORTRAIT_SCALE = 0.88  # a table this much wider than A4 portrait is still printed portrait, scaled (10 pt text)
# the headers, broken onto two lines so the number columns below them stay narrow
HEADERS = ["排名", "单位", "牵头\n任务", "配合\n任务", "已办结", "按时\n办结", "逾期", "应报送\n轮次", "按时报送\n轮次",
           "完成率", "按时\n完成率", "按时\n报送率", "得分"]


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
        done_led = [t for t in led if (done_by(t, today) if start is not None else t.judgement.done)]
        units.append(UnitScore(name, len(led), len(co.get(name, [])), c.done, c.on_time, c.overdue,
                               owed.get(name, 0), on_time.get(name, 0),
                               missed_targets=sum(len(t.judgement.missed_targets) for t in done_led)))
    return judging.rank(units, weights_of(conn, group_id))


def export_assessment(conn: sqlite3.Connection, group_id: int, group_name: str, out: Path, today: date,
                      start: date | None = None) -> Path:
    """The workbook: sheet 考评 (the table, fitted and printed as an office lays it out: title across
    the used columns, A4 portrait when the table fits it, else landscape, one page wide, header
    repeated) and sheet 完成率图表 (the bar chart alone, sized to print whole on one page). With
    ``start``, the figures count the period ``start``…``today``."""
    import xlsxwriter

    weights = weights_of(conn, group_id)
    units = unit_scores(conn, group_id, today, start)
    tmp = out.with_name(out.name + ".tmp")
    wb = xlsxwriter.Workbook(str(tmp), {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False,
                                        "strings_to_urls": False})
    try:
        _write_table(wb, group_name, units, weights, today, start)
        scored = sum(u.scored for u in units)  # ranked first; the chart shows their completion rates
        if scored:
            _write_chart(wb, scored)
        wb.close()
        os.replace(tmp, out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return out


def _columns() -> list[Column]:
    """The table's columns, headers broken where the widths want them (numbers are narrow)."""
    heads = [("排名", 4.5), ("单位", 9.0)] + [(h, 5.0) for h in HEADERS[2:]]
    return [Column(h, low=low, high=32 if h == "单位" else 12, align="left" if h == "单位" else "center")
            for h, low in heads]


def _write_table(wb: Any, group_name: str, units: list[UnitScore], weights: dict[str, float], today: date,
                 start: date | None = None) -> Sheet:
    columns = _columns()
    for u in units:
        columns[1].see(u.unit)
    for c in range(9, 12):
        columns[c].see("100.0%")
    columns[12].see("100.0")
    probe = sum(max(c.want() + CELL_PADDING, c.low, fitting.text_width(c.header) + CELL_PADDING) for c in columns)
    sheet = Sheet(wb, SHEET, columns, portrait=probe <= PORTRAIT_UNITS / PORTRAIT_SCALE)
    sheet.page_units = max(probe, PORTRAIT_UNITS)  # every column as wide as it wants; the print scales to the page
    sheet._specs["rate"] = {**sheet._specs["center"], "num_format": "0.0%"}
    sheet._specs["score"] = {**sheet._specs["center"], "num_format": "0.0"}
    sheet.set_widths()
    last = len(columns) - 1
    title = _title_rows(sheet, 0, group_name, "division", last, own=f"{group_name}成员单位考评表")
    since = f"统计期间{start.year}年{start.month}月{start.day}日至" if start else "统计截至"
    note = since + f"{today.year}年{today.month}月{today.day}日。" + FORMULA.format(**weights)
    sheet.merge(1, 0, 1, last, note, "note")
    sheet.set_row(1, sheet.span_height(note))
    header = 2
    sheet.set_row(header, 2 * LINE_POINTS + 8)
    for c, column in enumerate(columns):
        sheet.text(header, c, column.header, "header")
    if not units:
        sheet.merge(header + 1, 0, header + 1, last, "本组还没有成员单位承担任务。", "center")
        sheet.set_row(header + 1, 36)
    cells = [sheet.fitted(1, u.unit) or "" for u in units]
    # a unit or two alone on a last page: the rows a little tighter (as an office would set them)
    sheet.tighten_if_fewer_pages([sheet.lines(1, u.unit) for u in units], header + 1, header, header)
    heights = [sheet.height(sheet.lines(1, u.unit)) for u in units]
    sheet.paginate([[h] for h in heights], header + 1, header, header)
    for r, (u, unit, h) in enumerate(zip(units, cells, heights), header + 1):
        if u.rank is not None:
            sheet.number(r, 0, u.rank)
        else:
            sheet.text(r, 0, u.rank_text, "center")
        sheet.text(r, 1, unit, "left")
        for col, value in enumerate((u.led, u.co, u.done, u.on_time, u.overdue, u.rounds_owed, u.rounds_on_time), 2):
            sheet.number(r, col, value)
        if u.scored:
            sheet.number(r, 9, u.done_rate, "rate")
            sheet.number(r, 10, u.on_time_rate, "rate")
            sheet.number(r, 12, u.score, "score")
        else:  # the completion rates do not apply: said across them (the score column stays narrow)
            sheet.merge(r, 9, r, 10, judging.NO_LEAD, "center")
            sheet.text(r, 12, "—", "center")
        sheet.number(r, 11, u.reported_rate, "rate")
        sheet.set_row(r, h)
    sheet.print_setup(header, header, title)
    sheet.ws.freeze_panes(header + 1, 2)
    return sheet


# The chart's width: A4 portrait less the margins is about 698 pixels (96 dpi); a little under.
CHART_WIDTH = 680
BAR_PIXELS = 22


def _write_chart(wb: Any, n: int) -> None:
    """The completion rate of every unit, one bar each, on a sheet of its own printed on one page
    (a long list of units is scaled down to the page, never cut)."""
    last = SHEET_HEADER + n
    chart = wb.add_chart({"type": "bar"})
    chart.add_series({"name": "完成率", "categories": [SHEET, SHEET_HEADER + 1, 1, last, 1],
                      "values": [SHEET, SHEET_HEADER + 1, 9, last, 9],
                      "data_labels": {"value": True, "num_format": "0%", "position": "outside_end",
                                      "font": {"name": FONT_BODY, "size": 9}},
                      "fill": {"color": "#4472C4"}, "gap": 60})
    chart.set_title({"name": "各单位任务完成率", "name_font": {"name": FONT_HEADER, "size": 14, "bold": False}})
    chart.set_x_axis({"min": 0, "max": 1.1, "major_unit": 0.2, "num_format": "0%",
                      "num_font": {"name": FONT_BODY, "size": 9}, "major_gridlines": {"visible": True}})
    chart.set_y_axis({"reverse": True, "num_font": {"name": FONT_BODY, "size": 9}})
    chart.set_legend({"none": True})
    height = max(320, BAR_PIXELS * n + 110)
    chart.set_size({"width": CHART_WIDTH, "height": height})
    ws = wb.add_worksheet(CHART_SHEET)
    ws.hide_gridlines(2)
    ws.insert_chart(0, 0, chart, {"object_position": 3})
    ws.set_portrait()
    ws.set_paper(9)
    ws.set_margins(**MARGINS)
    ws.fit_to_pages(1, 1)
    ws.center_horizontally()
    # the print area covers the chart (64 px columns, 20 px rows), so nothing is cut off the page
    ws.print_area(0, 0, math.ceil(height / 20), math.ceil(CHART_WIDTH / 64))
