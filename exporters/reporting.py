"""Who has reported (报送情况表): per unit of a round 已报送 / 部分 / 逾期报送 / 未报送, the units not
reported first, with the tasks they still owe and their 联络员 and phone from the roster.

``export_reporting(db, out, group_name=None, round_name=None, today=None) -> Path``; ``out`` is an
.xlsx file or a folder (then ``{group}_{round}_报送情况_{YYYYMMDD}.xlsx``). The states come from
``models.round_status`` (the one judgement the TUI and the JSON dump also use). Short texts are
fitted as in every report (``exporters.fitting``: 单位 broken where it reads well, its 联络员 padded to
the same lines), and a page never breaks inside a row (``Sheet.paginate``).
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Any

from exporters import fitting
from exporters.ledger_data import ExportError, find_group
from exporters.xlsx_sheet import BODY_PT, LINE_POINTS, TITLE_PT, Column, Sheet, clean_file_name, line_count
from models.round_status import (
    LATE,
    NOT_REPORTED,
    PARTIAL,
    REPORTED,
    RoundInfo,
    UnitState,
    counts,
    find_round,
    unit_states,
)

__all__ = ["export_reporting", "reporting_file_name", "owed_tasks"]


def reporting_file_name(group: str, round_name: str, today: date) -> str:
    return f"{clean_file_name(group)}_{clean_file_name(round_name, '本期')}_报送情况_{today:%Y%m%d}.xlsx"


def _cn(value: date | None) -> str:
    return f"{value.year}年{value.month}月{value.day}日" if value else ""


def owed_tasks(unit: UnitState) -> str:
    """The tasks a unit has not reported on, one per line (1.…（牵头）); the workbook gives each its
    own row."""
    lines = []
    for i, t in enumerate((t for t in unit.tasks if not t.filled), start=1):
        content = t.content if len(t.content) <= 40 else t.content[:39] + "…"
        lines.append(f"{i}．{content}（{'牵头' if t.role == 'lead' else '配合'}）")
    return "\n".join(lines)


def write_reporting(workbook: Any, group: str, rnd: RoundInfo, states: list[UnitState], today: date) -> None:
    columns = [Column("序号", low=5, high=5), Column("单位", low=12, high=20, align="left"),
               Column("报送状态", low=9, high=20), Column("已填/\n任务", low=6, high=7),
               Column("报送日期", low=15, high=15, wraps=False), Column("联络员", low=8, high=16),
               Column("联系电话", low=12, high=18, wraps=False),
               Column("未填报的任务", sizing="flex", low=40, pref=70, align="left")]
    for u in states:
        columns[1].see(u.unit)
        columns[2].see(u.label.split("（")[0] if u.state != NOT_REPORTED else u.label)
        columns[5].see(u.liaison)
        columns[6].see(u.phone)
    sheet = Sheet(workbook, "报送情况", columns)
    sheet.set_widths()
    last = len(columns) - 1
    title = f"{group}重点任务进展报送情况（{rnd.name}）"
    width = sheet.span_width(0, last) * BODY_PT / TITLE_PT
    sheet.merge(0, 0, 0, last, title, "title")
    sheet.set_row(0, line_count(title, width) * TITLE_PT * 1.45 + 10)
    c = counts(states)
    info = (f"报送截止：{_cn(rnd.due) or '未定'}　　统计日期：{_cn(today)}　　共 {len(states)} 个单位：已报送 {c[REPORTED]}，"
            f"逾期报送 {c[LATE]}，部分 {c[PARTIAL]}，未报送 {c[NOT_REPORTED]}")
    sheet.merge(1, 0, 1, last, info, "info")
    sheet.set_row(1, sheet.span_height(info, 0, last))
    header = 2
    sheet.set_row(header, 2 * LINE_POINTS + 8)
    for col, column in enumerate(columns):
        sheet.text(header, col, column.header, "header")
    # One block of rows per unit, one row per task it still owes: the unit's cells merged down its
    # rows (merged again, repeated, on each page the block runs onto), the short texts broken where
    # they read well (``exporters.fitting``) and the liaison padded to its unit's lines; the pages
    # broken by the sheet, never inside a row.
    blocks = []
    for u in states:
        unit, liaison, _ = fitting.pair_lines([(u.unit, u.liaison)], sheet.widths[1], sheet.widths[5])
        owed = owed_tasks(u).split("\n") if u.state in (NOT_REPORTED, PARTIAL) else [""]
        status = sheet.fitted(2, u.label.split("（")[0] if u.state != NOT_REPORTED else u.label)
        merged = [(1, unit), (2, status), (3, f"{u.filled}/{u.total}"), (5, liaison), (6, u.phone)]
        lines = sheet.grow([sheet.lines(7, line) for line in owed], [(c, v) for c, v in merged if v])
        blocks.append((u, owed, merged, lines))
    pages = sheet.paginate([[sheet.height(n) for n in lines] for *_, lines in blocks], header + 1, header, header)
    r = header + 1
    date_format = sheet.fmt("date")
    for i, ((u, owed, merged, lines), segments) in enumerate(zip(blocks, pages), start=1):
        for k, line in enumerate(owed):
            sheet.text(r + k, 7, line or None, "left")
        on = u.received_on if u.state != NOT_REPORTED else None
        for first, last_row in segments:
            for k in range(first, last_row + 1):
                sheet.set_row(r + k, sheet.height(lines[k]))
            sheet.merge(r + first, 0, r + last_row, 0, str(i))
            for c, value in merged:
                sheet.merge(r + first, c, r + last_row, c, value, "left" if c == 1 else "center")
            if first != last_row:
                sheet.ws.merge_range(r + first, 4, r + last_row, 4, "", date_format)
            if on is not None:
                sheet.ws.write_datetime(r + first, 4, on, date_format)
            else:
                sheet.ws.write_blank(r + first, 4, None, date_format)
        r += len(owed)
    sheet.print_setup(header, header, title)


def export_reporting(db: Any, out: str | os.PathLike[str], group_name: str | None = None,
                     round_name: str | None = None, today: date | None = None) -> Path:
    import xlsxwriter

    from exporters.excel import read_snapshot

    if today is None:
        from models.clock import today as clock_today

        today = clock_today()
    with read_snapshot(db) as conn:
        group = find_group(conn, group_name)
        rnd = find_round(conn, group.id, round_name)
        if rnd is None:
            raise ExportError(f"「{group.name}」" + (f"没有名为「{round_name}」的报送轮次。" if round_name
                                                     else "还没有报送轮次。"))
        states = unit_states(conn, rnd)
    path = Path(out)
    if path.is_dir():
        target = path / reporting_file_name(group.name, rnd.name, today)
    elif path.suffix.lower() != ".xlsx":
        raise ExportError(f"「{path}」既不是已有的文件夹，也不以 .xlsx 结尾。")
    elif not path.parent.is_dir():
        raise ExportError(f"输出目录「{path.parent}」不存在。")
    else:
        target = path
    tmp = target.with_name(f".{target.stem}.{os.getpid()}.tmp.xlsx")
    workbook = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False, "strings_to_numbers": False,
                                              "strings_to_urls": False})
    try:
        write_reporting(workbook, group.name, rnd, states, today)
        workbook.close()
        os.replace(tmp, target)
    except Exception as exc:  # OSError, or xlsxwriter's wrapping of one
        tmp.unlink(missing_ok=True)
        hint = "（文件是否正在 Excel 或 WPS 中打开？请关闭后再导出）" if isinstance(exc, PermissionError) else ""
        raise ExportError(f"无法写入「{target}」：{getattr(exc, 'strerror', None) or exc}{hint}") from None
    return target
