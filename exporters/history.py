"""操作记录 (issue 7): a group's audit trail as an Excel sheet, laid out and printed like the other
reports (``exporters.xlsx_sheet``: A4 landscape fitted to the width, title, header repeated on
every page, 第 N 页 共 M 页, frozen header).

Columns 时间, 操作, 对象, 变更 — one row per history entry, its changes one per line (field names in
Chinese, before → after), as ``models.audit`` tells them; the TUI shows the very same words.
Decisions: the trail is printed oldest first, as a chronicle is read and filed; an entry that a
later 撤销 took back says so under its action (已撤销); a huge entry (an import of 10,000 tasks) is
told in counts, so no cell runs to pages. Read with plain sqlite3 inside the export's one read
transaction.
"""

from __future__ import annotations

import sqlite3
from datetime import date

from exporters.ledger_data import GroupInfo
from exporters.reports import HEADER_ROW, cn_date
from exporters.xlsx_sheet import BODY_PT, TITLE_PT, Column, Sheet, line_count, preferred_text_width
from models import audit

TITLE = "操作记录"
UNDONE = "（已撤销）"


def rows(conn: sqlite3.Connection, group_id: int | None) -> list[tuple[str, str, str, str]]:
    """(时间, 操作, 对象, 变更) of every entry of the group (of every group when None), oldest first;
    with every group the 对象 names the group too."""
    out = []
    names = audit.Names(conn)
    for e in audit.iter_entries(conn, audit.Scope(group_id=group_id)):
        what = e.what
        if group_id is None and e.group_id is not None and (group := names.group(e.group_id)):
            what = f"{group}：{what}" if what != group else what
        out.append((e.at, e.label + (f"\n{UNDONE}" if e.undone else ""), what, e.change_text))
    return out


def write_history(sheet_factory, conn: sqlite3.Connection, group: GroupInfo, today: date) -> Sheet:
    entries = rows(conn, group.id)
    columns = [Column("时间", low=12, high=24, wraps=False), Column("操作", low=9, high=14),
               Column("对象", "flex", low=18, share=0.6, align="left",
                      pref=preferred_text_width([e[2] for e in entries], 18, 30, lines=2)),
               Column("变更", "flex", low=40, share=1.4, align="left",
                      pref=preferred_text_width([line for e in entries for line in e[3].split("\n")], 40, 70, 1))]
    for e in entries:
        columns[0].see(e[0])
        columns[1].see(e[1])
    sheet: Sheet = sheet_factory(TITLE, columns)
    sheet.set_widths()
    last = len(columns) - 1
    title = f"{group.name}{TITLE}"
    width = sheet.span_width(0, last) * BODY_PT / TITLE_PT
    shown = title if line_count(title, width) == 1 else f"{group.name}\n{TITLE}"
    sheet.merge(0, 0, 0, last, shown, "title")
    sheet.set_row(0, line_count(shown, width) * TITLE_PT * 1.45 + 10)
    undone = sum(1 for e in entries if e[1].endswith(UNDONE))
    sheet.merge(1, 0, 1, 1, f"导出日期：{cn_date(today)}", "info")
    sheet.merge(1, 2, 1, last, f"共 {len(entries)} 条" + (f"，其中已撤销 {undone} 条" if undone else ""), "info_right")
    sheet.set_row(1, HEADER_ROW)
    header = 2
    sheet.set_row(header, HEADER_ROW + 4)
    for c, column in enumerate(columns):
        sheet.text(header, c, column.header, "header")
    r = header + 1
    if not entries:
        sheet.merge(r, 0, r, last, "还没有操作记录。", "center")
        sheet.set_row(r, 30)
    entries = [tuple(sheet.fitted(c, v) if c == 1 else v for c, v in enumerate(e)) for e in entries]  # short: fitted
    heights = [sheet.height(max(sheet.lines(c, v) for c, v in enumerate(e))) for e in entries]
    sheet.paginate([[h] for h in heights], r, header, header)
    for e, height in zip(entries, heights):
        for c, (value, style) in enumerate(zip(e, ("center", "center", "left", "left"))):
            sheet.text(r, c, value, style)
        sheet.set_row(r, height)
        r += 1
    sheet.print_setup(header, header, title)
    return sheet


__all__ = ["TITLE", "rows", "write_history"]
