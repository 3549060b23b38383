"""Forms back (填报表): returned forms → the reports they hold, matched to the round, unit and tasks.

``read_form(path)`` turns one file (.xlsx/.xlsm/.xls/.ods/.et saved as .xlsx, a .docx with the form
pasted in, .csv) into a ``FormFile`` (or None when the file holds no form: the caller then reads it
as a division table); ``plan_forms(conn, forms, group, round)`` matches them against the ledger,
read with plain ``sqlite3``, and returns a ``FormPlan``: the ``ReportIn`` records for
``models.rounds.record_reports``, and per unit what was matched, changed, added and not matched,
with file, sheet and row. ``import_forms`` does both for a file or a folder, in one transaction.

A returned form is read as a careful person would:

* It is recognised by the marker cell the export puts in its hidden key column, by its title
  (…重点任务进展情况填报表（轮次）) or by its header words (工作任务 with 本期工作进展 or 完成状态).
* The group and round come from the marker or the title; the unit from the marker, the line
  "填报单位（盖章）：…" or the file name ``{group}_{round}_{unit}_进展填报表``. A form of another
  group is refused, naming it; a form of another round of the group is imported into the round it
  names, with a warning.
* Rows are matched by the hidden key; where the key column was deleted, or the rows were pasted into
  another copy, by 序号 and task text among the unit's tasks (the text first, as the table importer
  matches; then the numbered row when its text is close; then the closest text).
* Statuses in words: 完成 / 已完成 / 已办结 / √ → 已完成; 基本完成 / 正在推进 / 进行中 / 推进中 → 推进中
  (基本完成 is not done); 未开始 / 未启动 → 未启动. Dates: real dates, 2024.6.30, 2024-6-30, 6月30日
  (the round's year), 2024年6月 (the month's end).
* Rows under the 新增工作 heading, or whose 序号 or text starts with 新增, are the unit's extra work:
  kept with the report, never taken for tasks. Note rows (注：…) end the table.
* A row counts as reported when the unit wrote something in it (progress, date, problems,
  evidence) or chose a status other than the one the form was sent with.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, field
from datetime import date, datetime
from difflib import SequenceMatcher
from pathlib import Path

from exporters.forms import FORM_TITLE, KEY_HEADER, MARKER
from importers.deadline import parse_due
from importers.form_guess import looks_like_form  # noqa: F401 - its home before; callers import it from either
from importers.normalize import clean_sentence, clean_text, clean_unit
from importers.records import ImportRefused, Origin, display_name
from models.round_status import RoundInfo, find_round, list_rounds, unit_states
from models.report_records import EntryIn, ReportIn

DONE, IN_PROGRESS, NOT_STARTED = "已完成", "推进中", "未启动"
FORM_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".et", ".docx", ".csv")

# header words → field
_HEADERS = {
    "number": ("序号", "编号"),
    "task": ("工作任务", "重点任务", "任务内容", "具体任务", "工作内容", "任务"),
    "deadline": ("完成时限", "时间节点", "时限"),
    "role": ("本单位职责", "职责", "牵头/配合", "责任类型"),
    "status": ("完成状态", "进展状态", "状态", "完成情况"),
    "text": ("本期工作进展", "工作进展", "本期进展", "进展情况", "进展", "工作推进情况"),
    "done_on": ("完成日期", "完成时间", "办结日期", "办结时间"),
    "problems": ("存在问题及下步打算", "存在问题和下步打算", "存在问题", "下步打算", "问题及打算"),
    "evidence": ("佐证材料", "佐证", "附件", "证明材料"),
    "reference": ("上期进展（供参考）", "上期进展"),
    "key": (KEY_HEADER,),
}
_STATUS_WORDS = {
    DONE: ("已完成", "完成", "已办结", "办结", "已办", "已落实", "√", "✓", "✔", "是", "完成销号", "已销号"),
    IN_PROGRESS: ("推进中", "基本完成", "正在推进", "进行中", "正在进行", "持续推进", "在办", "办理中", "正在实施",
                  "实施中", "部分完成", "已启动", "序时推进", "按序时推进"),
    NOT_STARTED: ("未启动", "未开始", "尚未启动", "尚未开始", "未开展", "×", "否"),
}
_STATUS_OF = {w: s for s, words in _STATUS_WORDS.items() for w in words}
_TITLE = re.compile(r"^(?P<group>.*?)(?:重点任务)?进展情况填报表[（(](?P<round>[^）)]+)[）)]\s*$")
_UNIT_LINE = re.compile(r"填报单位(?:[（(]盖章[）)])?[:：]\s*(?P<unit>.*?)\s*(?:$|\s|填报人|联系|报送|填报日期)")
_DATE_LINE = re.compile(r"(?:填报|报送)日期[:：]\s*(?P<date>[0-9０-９年月日./\-]+)")
_FILE_NAME = re.compile(r"^(?P<group>[^_]+)_(?P<round>[^_]+)_(?P<unit>[^_]+)_进展填报表")
_KEY = re.compile(r"^(\d+)(?:\|(未启动|推进中|已完成))?$")
_MARK = re.compile(r"round:(?P<round>\d+);unit:(?P<unit>\d+)")


_SPACES = re.compile(r"\s+")


def _squash(value: object) -> str:
    if value == "" or value is None:
        return ""
    return _SPACES.sub("", clean_text(value))


# ------------------------------------------------------------------------------ reading


@dataclass
class FormRow:
    row: int  # 1-based sheet row
    key: int | None
    sent_status: str | None  # the status the form was sent with (kept beside the key)
    number: str
    task: str
    status: str  # as written
    text: str
    done_on: object  # as read (a date, a number, or text)
    problems: str
    evidence: str
    extra: bool = False  # under the 新增工作 heading, or marked 新增


@dataclass
class FormFile:
    path: Path
    file: str
    sheet: str | None
    group: str | None = None  # from the title
    round_name: str | None = None
    unit: str | None = None  # from the 填报单位 line or the file name
    round_id: int | None = None  # from the marker
    unit_id: int | None = None
    received_on: date | None = None  # a 填报日期 line
    has_key: bool = False
    rows: list[FormRow] = field(default_factory=list)

    def origin(self, row: int | None = None) -> Origin:
        return Origin(self.file, self.sheet, row)


def _header_map(row: list[object]) -> dict[str, int]:
    found: dict[str, int] = {}
    for c, value in enumerate(row):
        text = _squash(value)
        if not text:
            continue
        for name, words in _HEADERS.items():
            if name not in found and any(text == w or (len(w) >= 4 and w in text) for w in words):
                found[name] = c
                break
    return found


def _is_form_header(found: dict[str, int]) -> bool:
    return "task" in found and ("text" in found or "status" in found) and len(found) >= 4


def _read_grid_rows(rows: list[list[object]], row_numbers: list[int], form: FormFile) -> bool:
    """Fill ``form`` from the rows of one sheet; False when the sheet holds no form."""
    header = None
    for i, row in enumerate(rows[:30]):
        found = _header_map(row)
        if _is_form_header(found):
            header = i
            cols = found
            break
    if header is None:
        return False
    for row in rows[:header]:
        for value in row:
            _above_header(_squash(value), clean_text(value), form)
    key_col = cols.get("key")
    form.has_key = key_col is not None
    if key_col is not None and not (form.round_id and form.unit_id):
        for row in rows[:header]:
            m = _MARK.search(str(row[key_col]) if key_col < len(row) else "")
            if m:
                form.round_id, form.unit_id = int(m.group("round")), int(m.group("unit"))

    def cell(row: list[object], name: str) -> object:
        c = cols.get(name)
        return row[c] if c is not None and c < len(row) else ""

    def text(row: list[object], name: str) -> str:
        value = cell(row, name)
        return "" if value == "" or value is None else clean_text(value).strip()

    extra = False
    for i in range(header + 1, len(rows)):
        row = rows[i]
        filled = [v for v in row if v != "" and v is not None]
        first = _squash(filled[0]) if filled else ""
        if not first:
            continue
        if first.startswith(("注：", "注:", "备注：", "说明：", "填报说明")):
            break
        if first.startswith("新增工作") and len({str(v) for v in filled}) == 1:  # the heading, merged across
            extra = True
            continue
        if first in ("序号", "编号", "工作任务") and _is_form_header(_header_map(row)):
            continue  # a header repeated (a form pasted twice, or printed headers)
        key_match = _KEY.match(_squash(cell(row, "key")))
        number, task = text(row, "number"), clean_sentence(cell(row, "task"))
        form.rows.append(FormRow(
            row=row_numbers[i], key=int(key_match.group(1)) if key_match else None,
            sent_status=key_match.group(2) if key_match else None, number=number, task=task,
            status=_squash(cell(row, "status")), text=text(row, "text"),
            done_on=cell(row, "done_on"), problems=text(row, "problems"), evidence=text(row, "evidence"),
            extra=extra or number.startswith("新增") or task.startswith("新增")))
    return True


def _above_header(squashed: str, text: str, form: FormFile) -> None:
    if not squashed:
        return
    m = _MARK.search(squashed)
    if m:
        form.round_id, form.unit_id = int(m.group("round")), int(m.group("unit"))
        return
    m = _TITLE.match(squashed)
    if m and form.round_name is None:
        form.group, form.round_name = m.group("group") or None, m.group("round")
    m = _UNIT_LINE.search(text.replace("\u3000", " "))
    if m and m.group("unit") and form.unit is None:
        form.unit = clean_unit(m.group("unit"))
    m = _DATE_LINE.search(squashed)
    if m and form.received_on is None:
        form.received_on = parse_due(m.group("date"))


def read_form(path: Path) -> FormFile | None:
    """The form in a file, or None when the file holds none. ImportRefused for a damaged file."""
    from importers.readers import open_source

    path = Path(path)
    with open_source(path) as source:
        for name in source.sheet_names:
            if name in source.hidden_sheets:
                continue
            grid = source.grid(name)
            form = FormFile(path, source.file, source.origin_sheet(name))
            for paragraph in getattr(source, "paragraphs", []):  # a form pasted into Word
                _above_header(_squash(paragraph), clean_text(paragraph), form)
            if _read_grid_rows(grid.rows, grid.row_numbers, form):
                m = _FILE_NAME.match(path.stem)
                if m and form.unit is None:
                    form.unit = clean_unit(m.group("unit"))
                if m and form.round_name is None and form.round_id is None:
                    form.round_name = m.group("round")
                return form
    return None


# ------------------------------------------------------------------------------ matching


def status_of(text: str) -> str | None:
    """完成 / 已办结 / √ → 已完成, 正在推进 / 进行中 / 基本完成 → 推进中, 未开始 → 未启动; else None."""
    text = text.strip("。.，,；;")
    if not text:
        return None
    if text in _STATUS_OF:
        return _STATUS_OF[text]
    for words, status in ((_STATUS_WORDS[NOT_STARTED], NOT_STARTED), (_STATUS_WORDS[IN_PROGRESS], IN_PROGRESS),
                          (_STATUS_WORDS[DONE], DONE)):
        if any(len(w) > 1 and w in text for w in words):
            return status
    return None


def date_of(value: object, year: int) -> date | None | str:
    """A completion date as written; "" for an empty cell; the text itself when it cannot be read."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        found = parse_due(value, year)
        return found or str(value)
    text = _squash(value)
    if not text:
        return None
    m = re.fullmatch(r"(\d{4})[.．/\-](\d{1,2})[.．/\-](\d{1,2})日?", text)
    if m:
        try:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            return text
    return parse_due(text, year) or text


@dataclass
class Problem:
    origin: Origin
    message: str

    def describe(self) -> str:
        return f"{self.origin.describe()}：{self.message}"


@dataclass
class UnitPlan:
    """What one returned form will record (the preview shows one of these per unit)."""

    file: str
    unit: str
    unit_id: int
    round_id: int
    round_name: str
    tasks: int  # the unit's tasks in the round
    matched: int = 0  # rows matched to a task
    reported: int = 0  # of them, rows the unit filled in
    status_changes: list[str] = field(default_factory=list)
    extras: list[str] = field(default_factory=list)
    unmatched: list[Problem] = field(default_factory=list)
    report: ReportIn | None = None


@dataclass
class FormPlan:
    group: str
    units: list[UnitPlan] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # files holding no form

    @property
    def reports(self) -> list[ReportIn]:
        return [u.report for u in self.units if u.report is not None]


def _similar(a: str, b: str) -> float:
    if not a or not b:
        return 0.0
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


def _groups(conn: sqlite3.Connection) -> dict[str, int]:
    return {name: gid for gid, name in conn.execute("SELECT id, name FROM work_group")}


def _unit_id(conn: sqlite3.Connection, name: str | None) -> int | None:
    if not name:
        return None
    row = conn.execute("SELECT id FROM unit WHERE name = :n UNION ALL SELECT unit_id FROM unit_alias "
                       "WHERE alias = :n", {"n": clean_unit(name)}).fetchone()
    return row[0] if row else None


def _refuse(form: FormFile, message: str) -> ImportRefused:
    return ImportRefused(message, form.origin())


def plan_forms(conn: sqlite3.Connection, forms: list[FormFile], group_name: str | None = None,
               round_name: str | None = None) -> FormPlan:
    """Match read forms to the ledger; ImportRefused (naming the file) for a form that cannot go
    anywhere: another group's, an unknown round or unit, a unit not in the round."""
    groups = _groups(conn)
    ids_to_group = {v: k for k, v in groups.items()}
    if group_name and group_name not in groups:
        raise ImportRefused(f"没有名为「{group_name}」的领导小组。现有：{'、'.join(groups) or '（无）'}")
    plan = FormPlan(group=group_name or "")
    group_id = groups.get(group_name) if group_name else None
    state_cache: dict[int, dict[int, tuple[str, dict[int, tuple[str, str, str | None]]]]] = {}
    statuses: dict[int, str] = {}
    by_unit: dict[tuple[int, int], UnitPlan] = {}
    for form in forms:
        # -- group
        form_group_id = None
        if form.round_id is not None:
            row = conn.execute("SELECT group_id FROM report_round WHERE id = :r", {"r": form.round_id}).fetchone()
            if row and (form.round_name is None or conn.execute(
                    "SELECT 1 FROM report_round WHERE id = :r AND name = :n",
                    {"r": form.round_id, "n": form.round_name}).fetchone()):
                form_group_id = row[0]
            else:
                form.round_id = None  # a marker from another ledger, or a copied sheet: go by the words
        if form_group_id is None and form.group:
            form_group_id = groups.get(form.group)
            if form_group_id is None:
                if group_id is not None or len(groups) != 1:
                    raise _refuse(form, f"这是「{form.group}」的填报表，台账中没有这个领导小组"
                                        + (f"，不能导入「{group_name}」。" if group_name else "。"))
                form_group_id = next(iter(groups.values()))
                plan.warnings.append(Problem(form.origin(), f"标题中的领导小组「{form.group}」与台账中的名称不同，"
                                                            f"按「{ids_to_group[form_group_id]}」导入。"))
        if group_id is not None and form_group_id is not None and form_group_id != group_id:
            raise _refuse(form, f"这是「{ids_to_group[form_group_id]}」的填报表，不是「{group_name}」的；"
                                "请单独导入，或用 --group 指定它的领导小组。")
        gid = form_group_id or group_id
        if gid is None:
            if len(groups) == 1:
                gid = next(iter(groups.values()))
            else:
                raise _refuse(form, "表中没有写明领导小组，请用 --group 指定。")
        if group_id is None:
            group_id = gid
            plan.group = ids_to_group[gid]
        # -- round
        rnd: RoundInfo | None = None
        if form.round_id is not None:
            rnd = next((r for r in list_rounds(conn, gid) if r.id == form.round_id), None)
        elif form.round_name:
            rnd = find_round(conn, gid, form.round_name)
            if rnd is None:
                raise _refuse(form, f"表中写的报送轮次「{form.round_name}」在「{ids_to_group[gid]}」中没有；"
                                    "请先开启这一轮，或核对表头。")
        if rnd is None:
            rnd = find_round(conn, gid, round_name)
            if rnd is None:
                raise _refuse(form, f"「{ids_to_group[gid]}」" + (f"没有报送轮次「{round_name}」。" if round_name
                                                               else "还没有报送轮次。"))
        elif round_name and rnd.name != " ".join(round_name.split()):
            plan.warnings.append(Problem(form.origin(), f"这是「{rnd.name}」的填报表（不是「{round_name}」的），"
                                                        f"按表中写的「{rnd.name}」导入。"))
        # -- unit
        unit_id = form.unit_id if form.unit_id is not None and form.round_id is not None else _unit_id(conn, form.unit)
        if unit_id is None:
            raise _refuse(form, f"认不出填报单位{f'「{form.unit}」' if form.unit else ''}：请在“填报单位”一行写明单位名称。")
        if rnd.id not in state_cache:
            state_cache[rnd.id] = {
                u.unit_id: (u.unit, {t.task_id: (t.role, _squash(t.content), t.number) for t in u.tasks})
                for u in unit_states(conn, rnd)}
            statuses.update(conn.execute(
                "SELECT t.id, t.status FROM task t JOIN round_task rt ON rt.task_id = t.id WHERE rt.round_id = :r",
                {"r": rnd.id}))
        units = state_cache[rnd.id]
        if unit_id not in units:
            name = conn.execute("SELECT name FROM unit WHERE id = :u", {"u": unit_id}).fetchone()[0]
            raise _refuse(form, f"「{name}」在「{rnd.name}」中没有任务，不需要报送。")
        unit_name, tasks = units[unit_id]
        up = UnitPlan(form.file, unit_name, unit_id, rnd.id, rnd.name, len(tasks))
        _match_rows(form, tasks, statuses, rnd, up)
        previous = by_unit.get((rnd.id, unit_id))
        if previous is not None:
            plan.warnings.append(Problem(form.origin(), f"「{unit_name}」有两份填报表（另一份是「{previous.file}」），"
                                                        "按这一份（后读到的）导入。"))
            plan.units.remove(previous)
        by_unit[(rnd.id, unit_id)] = up
        plan.units.append(up)
    return plan


def _match_rows(form: FormFile, tasks: dict[int, tuple[str, str, str | None]], statuses: dict[int, str],
                rnd: RoundInfo, up: UnitPlan) -> None:
    year = (rnd.due or date.today()).year
    by_text: dict[str, int] = {}
    for task_id, (_, text, _) in tasks.items():
        by_text.setdefault(text, task_id)
    ordered = list(tasks)
    taken: set[int] = set()
    entries: list[EntryIn] = []
    extras: list[str] = []
    for row in form.rows:
        filled = any((row.text, row.problems, row.evidence)) or bool(_squash(row.done_on))
        if row.extra or (not row.task and not row.number and row.key is None):
            if row.extra and (row.task or row.text):
                extras.append("；".join(p for p in (row.task, row.text) if p))
            elif filled:
                up.unmatched.append(Problem(form.origin(row.row), "这一行没有工作任务，无法对应，未导入。"))
            continue
        task_id = _find_task(row, tasks, by_text, ordered, taken)
        if task_id is None:
            if filled or status_of(row.status):
                if row.number.startswith("新增") or not row.number:
                    extras.append("；".join(p for p in (row.task, row.text) if p))
                    continue
                up.unmatched.append(Problem(form.origin(row.row),
                                            f"「{row.task[:20]}」不是本单位本期的任务，未导入（可能是新增工作）。"))
            continue
        taken.add(task_id)
        up.matched += 1
        status = status_of(row.status)
        if row.status and status is None:
            up.unmatched.append(Problem(form.origin(row.row), f"完成状态「{row.status}」看不懂，未记录状态。"))
        done = date_of(row.done_on, year)
        if isinstance(done, str):
            up.unmatched.append(Problem(form.origin(row.row), f"完成日期「{done}」读不出日期，未记录完成日期。"))
            done = None
        if done is not None and status is None:
            status = DONE
        sent = row.sent_status if row.key == task_id and row.sent_status else statuses.get(task_id)
        if status in (sent, statuses.get(task_id)) and not filled:
            continue  # the status the form was sent with, nothing written: not reported
        if status is None and not filled:
            continue
        role = tasks[task_id][0]
        entries.append(EntryIn(task_id=task_id, role=role, status=status, text=row.text or None, done_on=done,
                               problems=row.problems or None, evidence=row.evidence or None))
        up.reported += 1
        if role == "lead" and status and status != statuses.get(task_id) and statuses.get(task_id) != DONE:
            label = (row.task or tasks[task_id][1])[:18]
            up.status_changes.append(f"第 {row.row} 行「{label}」：{statuses.get(task_id)} → {status}")
    up.extras = extras
    up.report = ReportIn(round_id=up.round_id, unit_id=up.unit_id, source=form.file, received_on=form.received_on,
                         entries=entries, extras=extras)


def _find_task(row: FormRow, tasks: dict[int, tuple[str, str, str | None]], by_text: dict[str, int],
               ordered: list[int], taken: set[int]) -> int | None:
    text = _squash(row.task)
    if row.key is not None and row.key in tasks and row.key not in taken:
        key_text = tasks[row.key][1]
        if not text or text == key_text or _similar(text, key_text) >= 0.5:
            return row.key
    hit = by_text.get(text)
    if hit is not None and hit not in taken:
        return hit
    if row.number.isdigit() and 1 <= int(row.number) <= len(ordered):
        candidate = ordered[int(row.number) - 1]
        if candidate not in taken and _similar(text, tasks[candidate][1]) >= 0.6:
            return candidate
    if not text:
        return None
    best, score = None, 0.0
    for task_id in ordered:
        if task_id in taken:
            continue
        s = _similar(text, tasks[task_id][1])
        if s > score:
            best, score = task_id, s
    return best if score >= 0.8 else None


# ------------------------------------------------------------------------------ the whole import


def form_files(path: Path) -> list[Path]:
    """A file, or the form files in a folder (not in sub-folders; hidden and ~$ lock files left out),
    oldest first so that of two forms of one unit the newer is read last."""
    if path.is_dir():
        files = [p for p in path.iterdir() if p.is_file() and p.suffix.lower() in FORM_SUFFIXES
                 and not p.name.startswith((".", "~$"))]
        return sorted(files, key=lambda p: (p.stat().st_mtime, p.name))
    return [path]


def read_forms(path: Path) -> tuple[list[FormFile], list[str]]:
    """The forms in a file or folder, and the names of files that hold none."""
    forms, skipped = [], []
    for p in form_files(path):
        form = read_form(p)
        if form is None:
            skipped.append(display_name(p))
        else:
            forms.append(form)
    if not forms:
        where = f"文件夹「{path}」" if path.is_dir() else f"「{display_name(path)}」"
        raise ImportRefused(f"{where}中没有找到填报表（表头应有 工作任务、完成状态、本期工作进展 等）。")
    return forms, skipped


def import_forms(db_path: Path, path: Path, group: str | None = None, round_name: str | None = None, *,
                 dry_run: bool = False, before_commit=None) -> FormPlan:
    """Read, match and record the returned forms in ``path`` (a file or a folder) in one transaction."""
    from models import store
    from models.db_url import is_server

    forms, skipped = read_forms(path)
    conn = store.connect(db_path)
    try:
        plan = plan_forms(conn, forms, group, round_name)
    finally:
        conn.close()
    plan.skipped = skipped
    if path.is_dir():  # the files the 佐证材料 column names, sent along in the folder (issue 19)
        from importers.evidence_files import find_in_folder

        plan.evidence = find_in_folder(path, plan, {f.path for f in forms})  # type: ignore[attr-defined]
    if dry_run:
        return plan
    if before_commit is not None:
        before_commit()
    on_server = is_server(str(db_path))
    if not on_server and (getattr(plan, "evidence", None) is None or not plan.evidence.found):  # type: ignore[attr-defined]
        # no files to attach: written with plain sqlite3 (issue 17: loading the ORM alone took ~40 %
        # of importing 60 forms of 1,000 tasks); the same rows and history entry as below
        from models.report_writing import record_reports_at

        plan.result = record_reports_at(db_path, plan.reports, what=display_name(path))  # type: ignore[attr-defined]
        return plan
    from models.db import Database
    from models.rounds import record_reports

    db = Database(db_path)
    try:
        step = None
        if getattr(plan, "evidence", None) is not None:
            # the files are attached in the same change as the forms (models.evidence, through the ORM;
            # on a server their content is stored there first, models.evidence_content)
            from importers.evidence_files import evidence_step

            step = evidence_step(db, plan.evidence)  # type: ignore[attr-defined]
        plan.result = record_reports(db, plan.reports, what=display_name(path), also=step)  # type: ignore[attr-defined]
    finally:
        db.close()
    return plan


def format_plan(plan: FormPlan, *, dry_run: bool = False) -> str:
    """The report the command line prints (and the TUI's preview shows, unit by unit)."""
    lines = [f"{plan.group}：{'将导入' if dry_run else '导入'}填报表 {len(plan.units)} 份"]
    result = getattr(plan, "result", None)
    if result is not None:
        parts = [f"新报送 {len(result.new)} 个单位"]
        if result.replaced:
            parts.append(f"更正 {len(result.replaced)} 个（原记录已替换）")
        if result.unchanged:
            parts.append(f"与已导入的相同 {len(result.unchanged)} 个（未重复记录）")
        lines[0] += "：" + "，".join(parts) + f"；进展 {result.progress} 条，状态变化 {result.status_changes} 项"
    for u in plan.units:
        lines.append(f"  {u.unit}（{u.round_name}，{u.file}）：对应任务 {u.matched}/{u.tasks} 项，已填 {u.reported} 项"
                     + (f"，状态变化 {len(u.status_changes)} 项" if u.status_changes else "")
                     + (f"，新增工作 {len(u.extras)} 条" if u.extras else ""))
        for change in u.status_changes[:10]:
            lines.append(f"    {change}")
        for extra in u.extras:
            lines.append(f"    新增工作：{extra[:40]}")
        for p in u.unmatched:
            lines.append(f"    ⚠ {p.describe()}")
    for p in plan.warnings:
        lines.append(f"  ⚠ {p.describe()}")
    for name in plan.skipped:
        lines.append(f"  （「{name}」中没有填报表，已跳过）")
    if getattr(plan, "evidence", None) is not None:
        lines.extend(plan.evidence.lines(dry_run=dry_run))  # type: ignore[attr-defined]
    return "\n".join(lines)
