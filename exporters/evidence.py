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
import shutil
import sqlite3
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

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
    return conn.execute(
        "SELECT t.id, t.category_number, t.category, t.content, t.status, "
        "(SELECT group_concat(u.name, '、') FROM assignment a JOIN unit u ON u.id = a.unit_id "
        " WHERE a.task_id = t.id AND a.role = 'lead') "
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
                shutil.copyfile(ev.stored_path(db_path, item.sha256), target)
                task.files.append(TreeFile(task_id, item, relative))
            tasks.append(task)
        ledger = root / LEDGER_NAME
        _write_ledger(ledger, group, tasks)
    except OSError as exc:
        from models.faults import os_problem

        raise EvidenceExportError(f"验收资料没有写完（{root}）：{os_problem(exc, root)}") from None
    written = Written(root, ledger, sum(len([f for f in t.files if f.relative]) for t in tasks), len(tasks),
                      sum(1 for t in tasks if not t.files), problems)
    if make_zip:
        written.zip = zip_tree(root)
    return written


def zip_tree(root: Path) -> Path:
    """One .zip of the tree beside it; names are UTF-8 with flag bit 11 (Python sets it for any
    name that is not ASCII), which Windows' own unzipping reads correctly."""
    target = root.with_name(root.name + ".zip")
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for path in sorted(root.rglob("*")):
            if path.is_file():
                z.write(path, (Path(root.name) / path.relative_to(root)).as_posix())
    return target


def _lines(text: str, width: float) -> int:
    """Lines a wrapped cell needs: a Chinese character takes about 2.1 width units, others 1.1."""
    from rich.cells import cell_len

    return max(1, -(-int(cell_len(text or "") * 1.1) // max(1, int(width) - 1)))


def _write_ledger(path: Path, group: str, tasks: list[TreeTask]) -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path))
    try:
        sheet = book.add_worksheet("资料台账")
        base = {"font_name": "仿宋", "font_size": 11, "border": 1, "valign": "vcenter", "text_wrap": True}
        title = book.add_format({"font_name": "方正小标宋简体", "font_size": 18, "align": "center", "valign": "vcenter"})
        head = book.add_format({**base, "font_name": "黑体", "align": "center", "bg_color": "#D9D9D9"})
        cell = book.add_format(base)
        center = book.add_format({**base, "align": "center"})
        link = book.add_format({**base, "font_color": "blue", "underline": 1})
        missing = book.add_format({**base, "bg_color": "#FFEB9C", "bold": True})
        bad = book.add_format({**base, "font_color": "#C00000", "bold": True})
        headers = ["序号", "类别", "工作任务", "牵头单位", "完成状态", "材料名称", "报送单位", "日期", "大小", "文件（点击打开）"]
        widths = [6, 18, 36, 14, 9, 28, 14, 12, 9, 40]
        sheet.merge_range(0, 0, 0, len(headers) - 1, f"{group}验收资料台账", title)
        sheet.set_row(0, 36)
        for c, (h, w) in enumerate(zip(headers, widths)):
            sheet.write_string(1, c, h, head)
            sheet.set_column(c, c, w)
        sheet.freeze_panes(2, 0)
        sheet.repeat_rows(1)
        sheet.set_landscape()
        sheet.set_paper(9)
        sheet.fit_to_pages(1, 0)
        r = 2
        for n, task in enumerate(tasks, start=1):
            rows = task.files or [None]
            for f in rows:
                texts = [task.category, task.content, task.lead, task.status] + (
                    [f.row.name, f.row.unit or "", "", "", f.relative.as_posix() if f.relative else f.problem]
                    if f is not None else [])
                lines = max(_lines(t, w) for t, w in zip(texts, widths[1:]))
                sheet.set_row(r, 15 * lines + 3)  # LibreOffice does not size wrapped rows itself
                sheet.write_number(r, 0, n, center)
                for c, value in ((1, task.category), (2, task.content), (3, task.lead), (4, task.status)):
                    sheet.write_string(r, c, value, cell)
                if f is None:
                    sheet.write_string(r, 5, "无佐证材料", missing)
                    for c in range(6, 10):
                        sheet.write_string(r, c, "", missing)
                else:
                    sheet.write_string(r, 5, f.row.name, cell)
                    sheet.write_string(r, 6, f.row.unit or "", cell)
                    sheet.write_string(r, 7, f.row.on.isoformat(), center)
                    sheet.write_string(r, 8, ev.human_size(f.row.size), center)
                    if f.relative is None:
                        sheet.write_string(r, 9, f.problem, bad)
                    else:
                        sheet.write_url(r, 9, "external:" + f.relative.as_posix(), link, string=f.relative.as_posix())
                r += 1
        sheet.autofilter(1, 0, max(1, r - 1), len(headers) - 1)
    finally:
        book.close()
