"""Forms out (填报表): one workbook per unit of a round, for the unit to fill in and send back.

``export_forms(db, out_dir, group_name=None, round_name=None, units=None) -> list[Path]`` writes
``{group}_{round}_{unit}_进展填报表.xlsx`` for every unit that leads or co-operates on a task of the
round (the current round when none is named) and returns the files written.

Layout (print-ready, the other exports' sheet helpers): the title "{group}重点任务进展情况填报表
（{round}）"; a line "填报单位（盖章）：{unit}　填报人：　联系电话：　报送截止：{date}"; the columns
``FORM_HEADERS`` with these exact words; 本单位职责 says 牵头 or 配合; 完成状态 is a drop-down
(未启动 / 推进中 / 已完成) prefilled with the task's status; a grey column 上期进展（供参考） holds the
newest progress the unit reported before; a hidden last column holds each task's key (and, in its
first cell, the form's marker with the round and unit) so the form reads back exactly; a few
blank rows under "新增工作" take work the unit adds. The sheet is protected without a password and
only the fill-in cells are unlocked (units may still resize, insert and delete rows). The short
texts (完成时限) are fitted as in every report (``exporters.fitting``), and the pages are broken by
the sheet between rows (``Sheet.paginate``): a task's row never runs over two pages.

``importers.forms`` reads these back; keep the two in step (``FORM_HEADERS``, ``MARKER``).
"""

from __future__ import annotations

import gc
import os
import sqlite3
from datetime import date
from pathlib import Path
from typing import Any

from exporters.form_marks import FORM_TITLE, KEY_HEADER, MARKER  # the words a returned form is known by
from exporters.ledger_data import ExportError, find_group
from exporters.xlsx_sheet import (
    BODY_PT,
    FORMULA_STARTS,
    LINE_POINTS,
    TITLE_PT,
    Column,
    Sheet,
    clean_file_name,
    line_count,
)
from models.round_status import RoundInfo, UnitState, find_round, unit_states

FORM_HEADERS = ("序号", "工作任务", "完成时限", "本单位职责", "完成状态", "本期工作进展", "完成日期",
                "存在问题及下步打算", "佐证材料")
REFERENCE_HEADER = "上期进展（供参考）"
STATUS_CHOICES = ["未启动", "推进中", "已完成"]
ROLE_WORDS = {"lead": "牵头", "co": "配合"}
FILL_COLUMNS = (4, 5, 6, 7, 8)
EXTRA_ROWS = 3
EXTRA_HEADING = "新增工作（表中未列、本期新开展的工作，可填在下面空行）"
NOTE = ("注：1. 完成状态请在下拉列表中选择（未启动、推进中、已完成）；2. 完成日期写成 2024年6月30日 或 2024-6-30；"
        "3. 请只填写白色单元格，灰色列和表头请勿改动，不要删除最右边的隐藏列；4. 佐证材料写文件名，文件随表一并报送。")

__all__ = ["FORM_HEADERS", "REFERENCE_HEADER", "KEY_HEADER", "MARKER", "FORM_TITLE", "EXTRA_HEADING",
           "export_forms", "form_file_name", "form_title"]


def form_title(group: str, round_name: str) -> str:
    return f"{group}{FORM_TITLE}（{round_name}）"


def form_file_name(group: str, round_name: str, unit: str) -> str:
    return f"{clean_file_name(group)}_{clean_file_name(round_name, '本期')}_{clean_file_name(unit, '单位')}_进展填报表.xlsx"


def cn_date(value: date | None) -> str:
    return f"{value.year}年{value.month}月{value.day}日" if value else "　　"


class FormSheet(Sheet):
    """A Sheet with the form's extra styles: unlocked fill-in cells and the grey reference column."""

    def __init__(self, workbook: Any, name: str, columns: list[Column]):
        super().__init__(workbook, name, columns)
        cell = self._specs["left"]
        grey = {"bg_color": "#E7E6E6", "font_color": "#595959"}
        self._specs.update({
            "fill": {**cell, "locked": False},
            "fill_center": {**self._specs["center"], "locked": False},
            "fill_date": {**self._specs["date"], "locked": False},
            "grey": {**cell, **grey},
            "grey_header": {**self._specs["header"], **grey},
            "key": {"locked": True, "font_size": 8},
        })


def _reference(conn: sqlite3.Connection, rnd: RoundInfo) -> dict[tuple[int, int | None], tuple[date, str]]:
    """(task, unit) → the newest progress entry that unit made on the task before; (task, None) →
    the task's newest entry of any unit, for units that have none of their own."""
    out: dict[tuple[int, int | None], tuple[date, str]] = {}
    for task_id, unit_id, on, text in conn.execute(
            'SELECT p.task_id, p.unit_id, p."on", p.text FROM progress p JOIN round_task rt ON rt.task_id = p.task_id '
            'WHERE rt.round_id = :r AND p.id NOT IN (SELECT e.progress_id FROM report_entry e JOIN unit_report rp '
            'ON rp.id = e.report_id WHERE rp.round_id = :r AND e.progress_id IS NOT NULL) ORDER BY p."on", p.id',
            {"r": rnd.id}):
        value = (date.fromisoformat(str(on)[:10]), text)
        out[(task_id, unit_id)] = value
        out[(task_id, None)] = value
    # a claim the office returned (退回, issue 15): its reason is what the unit must answer this round
    for task_id, on, reason in conn.execute(
            'SELECT c.task_id, c."on", c.reason FROM task_closing c JOIN round_task rt ON rt.task_id = c.task_id '
            "JOIN task t ON t.id = c.task_id WHERE rt.round_id = :r AND c.state = 'returned' AND t.status <> '已完成' "
            "AND c.id = (SELECT max(c2.id) FROM task_closing c2 WHERE c2.task_id = c.task_id)", {"r": rnd.id}):
        value = (date.fromisoformat(str(on)[:10]), f"已完成申报被退回：{reason}")
        for key in [k for k in out if k[0] == task_id] or [(task_id, None)]:
            out[key] = value
        out[(task_id, None)] = value
    return out


def _write_form(path: Path, group: str, rnd: RoundInfo, unit: UnitState, statuses: dict[int, str],
                reference: dict[tuple[int, int | None], tuple[date, str]],
                line_cache: dict[tuple[str, float], int]) -> None:
    import xlsxwriter

    # in memory: a form is small, and the temporary files of the default mode (one per part, made and
    # removed for every workbook) cost more than writing 60 forms' cells
    workbook = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_numbers": False,
                                               "strings_to_urls": False, "in_memory": True})
    # headers broken for the widths only: the cells hold the exact words (they wrap in the cell)
    columns = [Column("序号", low=5, high=6), Column("工作任务", sizing="flex", low=28, pref=36, align="left", share=3),
               Column("完成\n时限", low=8, high=14), Column("本单位\n职责", low=6, high=6),
               Column("完成\n状态", low=8, high=8),
               Column("本期工作进展", sizing="flex", low=22, pref=30, align="left", share=2),
               Column("完成日期", low=12, high=12, wraps=False),
               Column("存在问题及\n下步打算", sizing="flex", low=12, pref=16, align="left"),
               Column("佐证\n材料", low=8, high=12, align="left"),
               Column("上期进展\n（供参考）", sizing="flex", low=12, pref=14, align="left")]
    refs: list[str] = []
    for t in unit.tasks:
        columns[2].see(t.deadline)
        ref = reference.get((t.task_id, unit.unit_id)) or reference.get((t.task_id, None))
        refs.append(f"{ref[0].month}月{ref[0].day}日：{ref[1]}" if ref else "")
    sheet = FormSheet(workbook, "进展填报表", columns)
    sheet.set_widths()
    ws = sheet.ws
    ws.set_column(10, 10, 4, None, {"hidden": True})  # the key column, outside the page's widths
    last = len(FORM_HEADERS) + 0  # title over the form and the reference column
    title = form_title(group, rnd.name)
    width = sheet.span_width(0, last) * BODY_PT / TITLE_PT
    sheet.merge(0, 0, 0, last, title, "title")
    sheet.set_row(0, line_count(title, width) * TITLE_PT * 1.45 + 10)
    ws.write_string(0, 10, MARKER, sheet.fmt("key"))
    info = (f"填报单位（盖章）：{unit.unit}　　填报人：　　　　联系电话：　　　　"
            f"报送截止：{cn_date(rnd.due)}")
    sheet.merge(1, 0, 1, last, info, "info")
    sheet.set_row(1, sheet.span_height(info, 0, last))
    ws.write_string(1, 10, f"round:{rnd.id};unit:{unit.unit_id}", sheet.fmt("key"))
    header = 2
    sheet.set_row(header, 2 * LINE_POINTS + 8)
    for c, name in enumerate(FORM_HEADERS):
        sheet.text(header, c, name, "header")
    sheet.text(header, 9, REFERENCE_HEADER, "grey_header")
    ws.write_string(header, 10, KEY_HEADER, sheet.fmt("key"))
    # the rows' heights first (short texts fitted as every report fits them, ``exporters.fitting``),
    # then the pages, broken by the sheet between rows (never inside one), then the cells
    deadlines = [sheet.fitted(2, t.deadline) for t in unit.tasks]
    heights = []
    for t, ref, deadline in zip(unit.tasks, refs, deadlines):
        key = (t.content, sheet.widths[1])  # a task is on the forms of its lead and every co-unit
        content_lines = line_cache.get(key)
        if content_lines is None:
            content_lines = line_cache[key] = sheet.lines(1, t.content)
        heights.append(sheet.height(max(content_lines, sheet.lines(9, ref) if ref else 1,
                                        sheet.lines(2, deadline), 2)))
    extra = [LINE_POINTS + 8] + [sheet.height(2)] * EXTRA_ROWS
    sheet.paginate([[h] for h in heights] + [extra, [sheet.span_height(NOTE, 0, last)]], header + 1, header, header,
                   glued=1)
    r = header + 1
    # the rows through xlsxwriter directly, with the formats fetched once (a round's forms hold
    # tens of thousands of rows); user text still goes through Sheet.text (never a formula)
    center, left, fill, fill_center, fill_date = (sheet.fmt(k) for k in ("center", "left", "fill", "fill_center",
                                                                        "fill_date"))
    key_format, grey = sheet.fmt("key"), sheet.fmt("grey")
    write_string, write_blank, set_row = ws.write_string, ws.write_blank, ws.set_row
    for i, (t, ref, deadline, height) in enumerate(zip(unit.tasks, refs, deadlines, heights), start=1):
        write_string(r, 0, str(i), center)
        write_string(r, 1, t.content, left if not t.content.startswith(FORMULA_STARTS) else sheet.fmt("left", "="))
        if deadline:
            sheet.text(r, 2, deadline)
        else:
            write_blank(r, 2, None, center)
        write_string(r, 3, ROLE_WORDS[t.role], center)
        status = statuses.get(t.task_id)
        if status:
            write_string(r, 4, status, fill_center)
        else:
            write_blank(r, 4, None, fill_center)
        write_blank(r, 5, None, fill)
        write_blank(r, 6, None, fill_date)
        write_blank(r, 7, None, fill)
        write_blank(r, 8, None, fill)
        if ref:
            sheet.text(r, 9, ref, "grey")
        else:
            write_blank(r, 9, None, grey)
        write_string(r, 10, f"{t.task_id}|{status}", key_format)
        set_row(r, height)
        r += 1
    if unit.tasks:
        ws.data_validation(header + 1, 4, r - 1, 4, {
            "validate": "list", "source": STATUS_CHOICES, "error_type": "warning",
            "input_title": "完成状态", "input_message": "请选择：未启动、推进中、已完成",
            "error_message": "完成状态应为 未启动、推进中 或 已完成。"})
    sheet.merge(r, 0, r, last, EXTRA_HEADING, "heading")
    sheet.set_row(r, LINE_POINTS + 8)
    r += 1
    for _ in range(EXTRA_ROWS):
        sheet.text(r, 0, None, "fill_center")
        sheet.text(r, 1, None, "fill")
        for c in (2, 3, 4, 5, 7, 8):
            sheet.text(r, c, None, "fill" if c != 4 else "fill_center")
        ws.write_blank(r, 6, None, sheet.fmt("fill_date"))
        sheet.text(r, 9, None, "grey")
        sheet.set_row(r, extra[1])
        r += 1
    sheet.merge(r, 0, r, last, NOTE, "note")
    sheet.set_row(r, sheet.span_height(NOTE, 0, last))
    sheet.print_setup(header, header, title)
    ws.protect("", {"format_cells": False, "format_columns": True, "format_rows": True, "insert_rows": True,
                    "delete_rows": True, "sort": True, "autofilter": True})
    workbook.close()


def export_forms(db: Any, out_dir: str | os.PathLike[str], group_name: str | None = None,
                 round_name: str | None = None, units: list[int] | None = None) -> list[Path]:
    """Write the forms of a round (every unit, or the unit ids in ``units``); ExportError when the
    group, the round or the folder is wrong (nothing is written then)."""
    from exporters.collector import collector_paused, collector_skips_kept_objects
    from exporters.excel import read_snapshot

    folder = Path(out_dir)
    if not folder.is_dir():
        raise ExportError(f"「{folder}」不是已有的文件夹：填报表每个单位一个文件，请给出一个文件夹。")
    written: list[Path] = []
    with collector_skips_kept_objects() as keep, collector_paused(), read_snapshot(db) as conn:  # one snapshot
        group = find_group(conn, group_name)
        rnd = find_round(conn, group.id, round_name)
        if rnd is None:
            if round_name:
                raise ExportError(f"「{group.name}」没有名为「{round_name}」的报送轮次。")
            raise ExportError(f"「{group.name}」还没有报送轮次：先用 taizhang round open 开启一轮。")
        states = [u for u in unit_states(conn, rnd) if units is None or u.unit_id in units]
        statuses = dict(conn.execute(
            "SELECT t.id, t.status FROM task t JOIN round_task rt ON rt.task_id = t.id WHERE rt.round_id = :r",
            {"r": rnd.id}))
        reference = _reference(conn, rnd)
        states.sort(key=lambda u: u.unit)
        line_cache: dict[tuple[str, float], int] = {}
        keep()  # the round's tasks, read once, serve every form: the collector leaves them alone
        for unit in states:
            target = folder / form_file_name(group.name, rnd.name, unit.unit)
            tmp = target.with_name(f".{target.stem}.{os.getpid()}.tmp.xlsx")
            try:
                _write_form(tmp, group.name, rnd, unit, statuses, reference, line_cache)
                os.replace(tmp, target)
            except OSError as exc:
                tmp.unlink(missing_ok=True)
                hint = "（文件是否正在 Excel 或 WPS 中打开？请关闭后再导出）" if isinstance(exc, PermissionError) else ""
                raise ExportError(f"无法写入「{target}」：{exc.strerror or exc}{hint}") from None
            written.append(target)
            # each form's objects (its workbook's cells, and their reference cycles) are collected once,
            # when the form is written, instead of every 700 allocations meanwhile (issue 17)
            gc.collect(0)
    return written
