"""The acceptance file (验收资料台账, issue 19): a group's evidence as a folder tree an office hands
the inspectors on a USB stick, with 资料台账.xlsx listing every file.

``OUT/{group}验收资料/一、健全完善社会保障体系/1.基本养老保险参保率达到90%/01-县人社局-参保统计表.pdf``:
one folder per category (类别) and per task (numbered within the category, in the table's order),
files numbered within the task with the unit that sent them. Every name is cleaned of the
characters Windows refuses and cut so that each full path stays within Windows' 260 characters.
Each file is checked against its hash before it is copied: a changed or missing one is not copied
and the 台账 says so in red. The 台账 links each row to its file (relative links, so the tree
works wherever it is copied) and highlights the tasks with no evidence. ``zip_tree`` packs the
tree into one .zip whose names are marked UTF-8 (flag bit 11), so Chinese names open correctly on
Windows.
"""

from __future__ import annotations

import os
import re
import sqlite3
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from models import evidence_store as ev

WINDOWS_MAX_PATH = 259  # MAX_PATH is 260 including the terminating NUL
LEDGER_NAME = "资料台账.xlsx"
_BAD = re.compile(r'[<>:"/\\|?*\x00-\x1f]')
_RESERVED = re.compile(r"^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$", re.I)
CATEGORY_WIDTH, TASK_WIDTH, FILE_WIDTH, ROOT_WIDTH, MIN_WIDTH = 30, 40, 60, 30, 6


class EvidenceExportError(Exception):
    """The tree cannot be written (a Chinese message); nothing useful was left half-written."""


def safe_name(text: str, width: int) -> str:
    """A file or folder name Windows accepts, at most ``width`` characters (the extension kept)."""
    text = _BAD.sub("_", " ".join((text or "").split()))
    stem, suffix = os.path.splitext(text)
    if len(suffix) > 10 or not re.fullmatch(r"\.[\w-]*", suffix or "."):
        stem, suffix = text, ""
    room = max(1, width - len(suffix))
    if len(stem) > room:
        stem = stem[: max(1, room - 1)] + "…"
    name = (stem + suffix).rstrip(" .") or "_"
    if _RESERVED.match(name):
        name = "_" + name
    return name


@dataclass
class TreeFile:
    task_id: int
    row: ev.EvidenceRow
    relative: Path | None  # inside the tree; None when not copied
    problem: str = ""


@dataclass
class TreeTask:
    id: int
    category: str
    content: str
    lead: str
    status: str
    folder: Path
    files: list[TreeFile] = field(default_factory=list)


@dataclass
class Written:
    root: Path
    ledger: Path
    files: int
    tasks: int
    without: int  # tasks with no evidence
    problems: list[str]
    zip: Path | None = None


def _tasks(conn: sqlite3.Connection, group_id: int) -> list[tuple]:
    from models.sql import group_concat

    return conn.execute(
        "SELECT t.id, t.category_number, t.category, t.content, t.status, "
        f"(SELECT {group_concat(conn, 'x.name', order_by='x.position, x.id')} FROM (SELECT u.name, a.position, a.id "
        " FROM assignment a JOIN unit u ON u.id = a.unit_id WHERE a.task_id = t.id AND a.role = 'lead' "
        " ORDER BY a.position, a.id) x) "
        "FROM task t WHERE t.group_id = :g AND t.cancelled_on IS NULL ORDER BY t.position, t.id",
        {"g": group_id}).fetchall()


def _category(number: str | None, name: str | None) -> str:
    number, name = (number or "").strip(), (name or "").strip()
    if number and name:
        return number + ("" if number[-1] in "、.．）)" else "、") + name
    return name or number or "未分类"


def _fit(root: Path, parts: list[str], widths: list[int]) -> Path:
    """Cut the parts (category, task, file) until the full path fits Windows' limit."""
    while True:
        names = [safe_name(p, w) for p, w in zip(parts, widths)]
        path = root.joinpath(*names)
        if len(str(path.absolute())) <= WINDOWS_MAX_PATH:
            return path.relative_to(root)
        longest = max(range(len(widths)), key=lambda i: len(names[i]))
        if len(names[longest]) <= MIN_WIDTH + (len(os.path.splitext(names[longest])[1]) if longest == len(parts) - 1 else 0):
            raise EvidenceExportError(f"输出文件夹「{root}」的路径太长，材料的文件名放不下（Windows 路径不超过 260 个字符）。"
                                      "请换一个短一些的文件夹（如 D:\\验收）。")
        widths[longest] = len(names[longest]) - 1


def write_tree(conn: sqlite3.Connection, db_path: str | os.PathLike[str], group: str, out: Path, *,
               make_zip: bool = False) -> Written:
    row = conn.execute("SELECT id FROM work_group WHERE name = :n", {"n": group}).fetchone()
    if row is None:
        raise EvidenceExportError(f"没有名为「{group}」的领导小组。")
    group_id = row[0]
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        from models.faults import os_problem

        raise EvidenceExportError(os_problem(exc, out)) from None
    root_name = safe_name(f"{group}验收资料", ROOT_WIDTH)
    root = out / root_name
    n = 2
    while root.exists():
        root = out / f"{root_name}({n})"
        n += 1
    if len(str(root.absolute())) > WINDOWS_MAX_PATH - 60:
        raise EvidenceExportError(f"输出文件夹「{out}」的路径太长，放不下验收资料（Windows 路径不超过 260 个字符）。"
                                  "请换一个短一些的文件夹（如 D:\\验收）。")
    by_task: dict[int, list[ev.EvidenceRow]] = {}
    for item in ev.group_evidence(conn, db_path, group_id, full=True):
        by_task.setdefault(item.task_id, []).append(item)
    tasks: list[TreeTask] = []
    numbers: dict[str, int] = {}
    problems: list[str] = []
    root.mkdir()
    try:
        for task_id, cat_no, cat, content, status, lead in _tasks(conn, group_id):
            category = _category(cat_no, cat)
            numbers[category] = numbers.get(category, 0) + 1
            task = TreeTask(task_id, category, content, lead or "", status,
                            Path(safe_name(category, CATEGORY_WIDTH), safe_name(f"{numbers[category]}.{content}", TASK_WIDTH)))
            for i, item in enumerate(by_task.get(task_id, []), start=1):
                label = f"{i:02d}-" + (f"{item.unit}-" if item.unit and not item.name.startswith(item.unit) else "")
                if item.state != ev.OK:
                    problem = f"{item.state_text}，未导出"
                    problems.append(f"「{content[:20]}」的佐证材料「{item.name}」{item.state_text}，未导出。")
                    task.files.append(TreeFile(task_id, item, None, problem))
                    continue
                relative = _fit(root, [task.folder.parts[0], task.folder.parts[1], label + item.name],
                                [CATEGORY_WIDTH, TASK_WIDTH, FILE_WIDTH])
                target = root / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                state = ev.write_content(conn, db_path, item, target)
                if state != ev.OK:  # a server's content found not whole or not true as it was read
                    text = ev.STATE_TEXT[state]
                    problems.append(f"「{content[:20]}」的佐证材料「{item.name}」{text}，未导出。")
                    task.files.append(TreeFile(task_id, item, None, f"{text}，未导出"))
                    continue
                task.files.append(TreeFile(task_id, item, relative))
            tasks.append(task)
        ledger = root / LEDGER_NAME
        _write_ledger(ledger, group, tasks)
    except OSError as exc:
        from models.faults import os_problem

        _remove_unfinished(root)
        raise EvidenceExportError(f"验收资料没有写完（{root}），已删去写了一半的文件夹：{os_problem(exc, root)}") from None
    except BaseException:  # e.g. a server connection lost part-way: no half-written tree is left
        _remove_unfinished(root)
        raise
    written = Written(root, ledger, sum(len([f for f in t.files if f.relative]) for t in tasks), len(tasks),
                      sum(1 for t in tasks if not t.files), problems)
    if make_zip:
        written.zip = zip_tree(root)
    return written


def _remove_unfinished(root: Path) -> None:
    """Remove the tree this export began (its name was new, so it holds nothing of the user's)."""
    import shutil

    shutil.rmtree(root, ignore_errors=True)


def zip_tree(root: Path) -> Path:
    """One .zip of the tree beside it; names are UTF-8 with flag bit 11 (Python sets it for any
    name that is not ASCII), which Windows' own unzipping reads correctly."""
    target = root.with_name(root.name + ".zip")
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for path in sorted(root.rglob("*")):
            if path.is_file():
                z.write(path, (Path(root.name) / path.relative_to(root)).as_posix())
    return target


def _write_ledger(path: Path, group: str, tasks: list[TreeTask]) -> None:
    """资料台账: one row per file (a task without any: 无佐证材料, marked), laid out as every report
    (``exporters.xlsx_sheet.Sheet``: widths and breaks from ``exporters.fitting``, a page never
    breaking inside a row, A4 landscape one page wide, header repeated)."""
    import xlsxwriter

    from exporters.xlsx_sheet import BODY_PT, TITLE_PT, Column, Sheet, line_count, preferred_text_width

    rows: list[tuple[int, TreeTask, Any]] = [(n, task, f) for n, task in enumerate(tasks, start=1)
                                             for f in (task.files or [None])]
    some = 1.0 if any(f is not None for _, _, f in rows) else 0.01  # no file yet: 工作任务 takes the room
    columns = [Column("序号", low=4.5, high=6), Column("类别", low=9, high=18, typical=True),
               Column("工作任务", "flex", low=24, share=1.4, align="left",
                      pref=preferred_text_width([t.content for t in tasks], 24, 40)),
               Column("牵头单位", low=9, high=20, typical=True, pieces=False), Column("完成状态", low=9, high=10),
               Column("材料名称", "flex", low=16 if some == 1 else 12, share=0.8 * some, align="left", short=True,
                      pref=preferred_text_width([f.row.name for _, _, f in rows if f is not None], 16, 28, 1) if some == 1 else 12),
               Column("报送单位", low=9, high=20, typical=True, pieces=False),
               Column("日期", low=11, high=11, wraps=False), Column("大小", low=8, high=10, wraps=False),
               Column("文件\n（点击打开）", "flex", low=20 if some == 1 else 14, share=some, align="left",
                      pref=preferred_text_width([f.relative.as_posix() for _, _, f in rows
                                                 if f is not None and f.relative], 20, 40, 2) if some == 1 else 14)]
    cells: list[list[str]] = []
    for n, task, f in rows:
        values = [str(n), task.category or "", task.content, task.lead or "", task.status or ""]
        if f is None:
            values += ["无佐证材料", "", "", "", ""]
        else:
            values += [f.row.name, f.row.unit or "", f.row.on.isoformat(), ev.human_size(f.row.size),
                       f.relative.as_posix() if f.relative else f.problem]
        for c in (0, 1, 3, 4, 6, 7, 8):
            columns[c].see(values[c])
        cells.append(values)
    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_numbers": False,
                                           "strings_to_urls": False})
    try:
        sheet = Sheet(book, "资料台账", columns)
        sheet._specs.update({
            "link": {**sheet._specs["left"], "font_color": "blue", "underline": 1},
            "missing": {**sheet._specs["left"], "bg_color": "#FFEB9C", "bold": True},
            "bad": {**sheet._specs["left"], "font_color": "#C00000", "bold": True},
        })
        sheet.set_widths()
        last = len(columns) - 1
        title = f"{group}验收资料台账"
        width = sheet.span_width(0, last) * BODY_PT / TITLE_PT
        sheet.merge(0, 0, 0, last, title, "title")
        sheet.set_row(0, line_count(title, width) * TITLE_PT * 1.45 + 10)
        header = 1
        sheet.set_row(header, 2 * 15.5 + 6)
        for c, column in enumerate(columns):
            sheet.text(header, c, column.header, "header")
        fitted = [[sheet.fitted(c, v) or "" for c, v in enumerate(values)] for values in cells]
        heights = [sheet.height(max(sheet.lines(c, v) for c, v in enumerate(values))) for values in fitted]
        sheet.paginate([[h] for h in heights], header + 1, header, header)
        r = header + 1
        for (_, _, f), values, height in zip(rows, fitted, heights):
            for c, value in enumerate(values):
                style = "center" if c in (0, 1, 3, 4, 6, 7, 8) else "left"
                if f is None and c >= 5:
                    style = "missing"
                elif c == 9 and f is not None and f.relative is None:
                    style = "bad"
                if c == 9 and f is not None and f.relative is not None:
                    sheet.ws.write_url(r, 9, "external:" + f.relative.as_posix(), sheet.fmt("link"),
                                       string=cells[r - header - 1][9])
                else:
                    sheet.text(r, c, value or ("" if style != "missing" else None), style)
            sheet.set_row(r, height)
            r += 1
        sheet.ws.autofilter(header, 0, max(header, r - 1), last)
        sheet.print_setup(header, header, title)
    finally:
        book.close()
