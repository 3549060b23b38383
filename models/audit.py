"""The audit trail (操作记录) in words: which history entries concern a group or a task, and each
entry told as an office reads it — time, action (操作), what it was about (对象) and what changed,
before → after, per field with the field's Chinese name (变更).

This is the one place that turns the ``history`` and ``row_change`` tables into Chinese text: the
Excel export (``exporters.history``) and the TUI (``tui.screens.history``) both call it. It reads
with plain ``sqlite3`` and imports neither the ORM nor Textual, so the TUI's read worker and the
command line stay light.

Decisions:

* Field names, action names and table nouns live in the tables below (``FIELD_LABELS``,
  ``ACTION_LABELS``, ``TABLE_NOUNS``); a field not listed there (id, search text, creation time)
  is bookkeeping and never shown. Every table of ``models.tables`` has its Chinese name in
  ``TABLE_NOUNS`` (a test fails for one without): no history line shows a table's own name.
* An entry's lines are bounded (``max_lines``): an entry that changed more rows than that — an
  import, a merge, a roster renumbered — is told by counts ("新增任务 10000 项"), followed by as many
  of its field changes as still fit and "…… 另有 N 处修改未列出". Bulk inserts are stored as id
  ranges, so a 10,000-row import costs one row here, not 10,000.
* What an entry was about is taken as it was then where the entry holds it (a task's content before
  the edit), else from the ledger as it is now (a unit's current name).
* An entry of many rows is described once per process (``_BIG``; a 120,000-row revised import
  takes most of a second), so turning pages in the TUI stays quick.
* Entries are ordered by id (the order they were committed); ``entries`` gives newest first (the
  TUI), ``iter_entries`` oldest first (the printed trail, read as a chronicle).
* A group's trail holds the entries made in the group, and the unit entries (rename, alias, merge,
  new unit; units belong to no group) of units the group uses. A task's trail holds the entries
  made on the task, and those of imports, 换人 and merges that changed its row, its units, targets
  or progress (a bulk insert of assignments is not traced back to its tasks).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from models import sql

EMPTY = "（空）"
ARROW = " → "
MAX_LINES = 12
_DETAIL_ROWS = 60  # row changes read in full for one entry; beyond this it is told by counts

TABLE_NOUNS: dict[str, tuple[str, str]] = {  # table → (noun, measure word)
    "task": ("任务", "项"), "assignment": ("分工", "条"), "target": ("年度目标", "条"), "progress": ("进展", "条"),
    "member": ("成员", "人"), "unit": ("单位", "个"), "unit_alias": ("单位别名", "个"),
    "duty": ("工作职责", "条"), "work_group": ("领导小组", "个"),
    "report_round": ("报送轮次", "个"), "round_task": ("轮次任务", "项"), "unit_report": ("填报表", "份"),
    "report_entry": ("填报内容", "条"),
    "extension": ("延期", "次"), "task_closing": ("销号记录", "条"), "chase_record": ("督办记录", "条"),
    "evidence": ("佐证材料", "份"), "evidence_content": ("佐证材料文件内容", "段"),
    # the ledger's bookkeeping (never changed by an operation, but named all the same)
    "history": ("操作记录", "条"), "row_change": ("修改明细", "条"), "import_source": ("导入来源", "条"),
    "import_tombstone": ("已删除任务的导入记录", "条"),
}
_UNNAMED = ("记录", "条")  # a table not in TABLE_NOUNS (tests/test_history_names.py fails for one)
# the words for a few stored codes: a round's status, a closing step's state
VALUE_LABELS: dict[tuple[str, str], dict[str, str]] = {
    ("report_round", "status"): {"open": "进行中", "closed": "已结束"},
    ("task_closing", "state"): {"claimed": "报已完成", "confirmed": "已销号", "returned": "退回"},
}


def _weights_text(value: Any) -> str:
    """考评权重 as the office reads them: 完成率 40，按时完成率 30，…"""
    from models.judging import DEFAULT_WEIGHTS, WEIGHT_LABELS

    if not value:
        return "默认（" + "，".join(f"{WEIGHT_LABELS[k]} {v:g}" for k, v in DEFAULT_WEIGHTS.items()) + "）"
    try:
        weights = {**DEFAULT_WEIGHTS, **json.loads(value)}
        return "，".join(f"{WEIGHT_LABELS.get(k, k)} {float(v):g}" for k, v in weights.items())
    except (TypeError, ValueError, AttributeError):
        return short(str(value), 60)


def noun(table: str) -> str:
    """The Chinese name of a ledger table (``TABLE_NOUNS``), as every history line says it."""
    return TABLE_NOUNS.get(table, _UNNAMED)[0]

FIELD_LABELS: dict[str, dict[str, str]] = {
    "task": {"content": "工作任务", "number": "序号", "category_number": "类别序号", "category": "类别",
             "deadline": "完成时限", "due": "截止日期", "status": "状态", "done_on": "完成日期", "notes": "备注",
             "unpaired_persons": "未配对责任人", "position": "顺序", "group_id": "领导小组", "cancelled_on": "取消日期"},
    "assignment": {"unit_id": "单位", "role": "角色", "person": "责任人", "position": "顺序", "task_id": "任务"},
    "target": {"year": "年度", "target": "目标", "actual": "完成值", "task_id": "任务"},
    "progress": {"on": "日期", "unit_id": "报送单位", "text": "进展", "task_id": "任务"},
    "member": {"name": "姓名", "role": "组内职务", "unit_id": "工作单位", "title": "职务", "phone": "联系电话",
               "position": "顺序", "active": "在任", "successor_id": "接任者", "joined_on": "任职日期",
               "left_on": "离任日期", "group_id": "领导小组"},
    "unit": {"name": "名称"},
    "unit_alias": {"alias": "别名", "unit_id": "所属单位"},
    "duty": {"text": "工作职责", "unit_id": "单位", "group_id": "领导小组"},
    "work_group": {"name": "名称", "doc_number": "文号", "host_unit_id": "办公室所在单位", "note": "注",
                   "report_cycle": "报送周期", "title": "分工表标题", "review_closing": "办结审核",
                   "next_steps": "下步工作要求", "assessment_weights": "考评权重"},
    "report_round": {"name": "名称", "due": "报送截止", "status": "状态", "closed_on": "结束日期"},
    "unit_report": {"received_on": "报送日期", "source": "文件", "unit_id": "报送单位", "extras": "表外填报内容"},
    "extension": {"new_due": "延期至", "original_due": "原完成时限", "reason": "延期理由", "approved_on": "批准日期"},
    "task_closing": {"state": "销号", "on": "日期", "done_on": "完成日期", "reason": "退回理由"},
    "chase_record": {"on": "督办日期", "reply_by": "回复期限", "unit_id": "单位", "file": "文件"},
    "evidence": {"name": "文件名", "unit_id": "报送单位", "on": "日期", "task_id": "任务"},
}
# The columns no history line shows, by table (a test fails for a column in neither this nor
# FIELD_LABELS): ids and bookkeeping, and what is set only when the row is made — told by the line
# that says it was added or deleted (``_Teller.added_or_removed``), never changed by an operation.
UNSHOWN_FIELDS: dict[str, frozenset[str]] = {
    "task": frozenset({"id", "search_text"}),
    "assignment": frozenset({"id"}), "target": frozenset({"id"}), "progress": frozenset({"id"}),
    "member": frozenset({"id"}), "unit": frozenset({"id", "created_at"}), "unit_alias": frozenset({"id"}),
    "duty": frozenset({"id"}), "work_group": frozenset({"id", "created_at"}),
    "report_round": frozenset({"id", "group_id", "opened_on"}),
    "round_task": frozenset({"id", "round_id", "task_id"}),
    "unit_report": frozenset({"id", "round_id"}),
    # a returned form's lines are replaced whole when it comes back corrected, never changed in place
    "report_entry": frozenset({"id", "report_id", "task_id", "role", "status", "text", "done_on", "problems",
                               "evidence", "progress_id"}),
    "extension": frozenset({"id", "task_id", "granted_on"}),
    "task_closing": frozenset({"id", "task_id", "unit_id"}),
    "chase_record": frozenset({"id", "group_id", "task_ids"}),
    # the file's content and who added it stay as they came; a deleted progress or form unlinks it
    # in SQL (ON DELETE SET NULL), not as a change of its own
    "evidence": frozenset({"id", "sha256", "size", "attached_by", "progress_id", "report_id"}),
}
# Tables whose rows no history line tells at all: the history itself, the import's bookkeeping
# (``_visible_sql``), the 总览 figures kept by triggers, and evidence files' content on a server.
UNTOLD_TABLES = frozenset({"history", "row_change", "import_source", "import_tombstone", "task_figure",
                           "task_figure_pause", "evidence_content",
                           "round_unit_figure"})

ACTION_LABELS: dict[str, str] = {
    "tick": "标记完成", "set_status": "修改状态", "add_task": "新增任务", "edit_task": "修改任务",
    "assign": "指定单位", "unassign": "取消分工", "set_person": "修改责任人", "record_progress": "记录进展",
    "set_target": "修改年度目标", "record_actual": "填写完成值", "create_unit": "新增单位", "add_alias": "增加别名",
    "rename_unit": "单位改名", "merge_units": "合并单位", "create_group": "新建领导小组", "add_member": "新增成员",
    "edit_member": "修改成员", "move_member": "调整成员顺序", "replace_member": "换人", "set_duty": "修改职责",
    "import": "导入", "undo": "撤销",
    "set_cycle": "设置报送周期", "open_round": "开启报送轮次", "close_round": "结束报送轮次",
    "reopen_round": "重新开启报送轮次", "record_reports": "导入填报表",
    "redo": "重做", "cancel_task": "取消任务", "restore_task": "恢复任务", "delete_task": "删除任务",
    "delete_member": "删除成员", "edit_group": "修改领导小组", "delete_group": "删除领导小组",
    "edit_progress": "修改进展", "delete_progress": "删除进展", "set_done_on": "修改完成日期",
    "bulk_tick": "批量标记完成", "bulk_assign": "批量指定单位", "bulk_set_deadline": "批量修改完成时限",
    "bulk_cancel": "批量取消任务",
    "grant_extension": "延期", "claim_done": "报已完成", "confirm_closing": "销号", "return_closing": "退回",
    "set_review": "设置办结审核", "set_next_steps": "修改下步工作要求", "set_weights": "修改考评权重",
    "record_chase": "督办",
    "attach_evidence": "添加佐证材料", "delete_evidence": "删除佐证材料", "rename_evidence": "佐证材料改名",
    "set_judging": "修改办结审核和考评权重",
}
ROLE_LABELS = {"lead": "牵头单位", "co": "配合单位"}
_IMPORT_KINDS = {"任务": "导入分工表", "成员": "导入成员名单", "职责": "导入成员单位职责"}
_UNIT_FIELDS = {"unit_id", "host_unit_id"}


def short(text: str | None, width: int = 40) -> str:
    """``text`` on one line, cut to ``width`` characters with an ellipsis."""
    text = " ".join(str(text or "").split())
    return text if len(text) <= width else text[: width - 1] + "…"


def task_label(number: str | None, content: str | None, width: int = 30) -> str:
    """（三）建立高龄津贴制度… — the task's own number, then the start of its content."""
    text = short(content, width)
    if not number:
        return text
    return number + ("" if number[-1] in "）)、.．" else "．") + text


@dataclass(frozen=True, slots=True)
class Scope:
    """Which entries: a group's (``group_id``), one task's (``task_id``), or all (neither)."""

    group_id: int | None = None
    task_id: int | None = None


@dataclass(slots=True)
class Entry:
    """One history entry told in words."""

    id: int
    at: str  # YYYY-MM-DD HH:MM:SS
    action: str  # the code: tick, import, …
    label: str  # 操作, in Chinese
    what: str  # 对象
    changes: list[str] = field(default_factory=list)  # 变更, one line each
    summary: str = ""
    group_id: int | None = None
    task_id: int | None = None
    undone: bool = False  # a later undo took it back

    @property
    def change_text(self) -> str:
        return "\n".join(self.changes)


# ------------------------------------------------------------------------------ which entries

_GROUP_UNITS = ("SELECT a.unit_id FROM assignment a JOIN task t ON t.id = a.task_id WHERE t.group_id = :g "
                "UNION SELECT unit_id FROM member WHERE group_id = :g AND unit_id IS NOT NULL "
                "UNION SELECT unit_id FROM duty WHERE group_id = :g "
                "UNION SELECT host_unit_id FROM work_group WHERE id = :g AND host_unit_id IS NOT NULL")
_RANGE = "rc.\"after\" LIKE '{\"id_range\"%'"


def _where(conn: Any, scope: Scope) -> tuple[str, dict[str, Any]]:
    parts: list[str] = []
    args: dict[str, Any] = {}
    before, after = 'rc."before"', 'rc."after"'
    if scope.task_id is not None:
        args["t"] = scope.task_id
        parts.append(
            "(h.task_id = :t OR (h.task_id IS NULL AND EXISTS (SELECT 1 FROM row_change rc WHERE rc.history_id = h.id "
            f"AND ((rc.table_name = 'task' AND (rc.row_id = :t OR (rc.row_id < :t AND {_RANGE} "
            f"AND {sql.json_int_at(conn, after, 'id_range', 1)} >= :t))) "
            "OR (rc.table_name IN ('assignment', 'target', 'progress') AND coalesce("
            f"{sql.json_int(conn, before, 'task_id')}, {sql.json_int(conn, after, 'task_id')}) = :t)))))")
    if scope.group_id is not None:
        args["g"] = scope.group_id
        parts.append(
            "(h.group_id = :g OR (h.group_id IS NULL AND EXISTS (SELECT 1 FROM row_change rc WHERE rc.history_id = h.id "
            f"AND ((rc.table_name = 'unit' AND rc.row_id IN ({_GROUP_UNITS})) OR (rc.table_name = 'unit_alias' AND "
            f"coalesce({sql.json_int(conn, after, 'unit_id')}, {sql.json_int(conn, before, 'unit_id')}) "
            f"IN ({_GROUP_UNITS}))))))")
    return (" AND ".join(parts) or "1 = 1"), args


_COLUMNS = "h.id, h.at, h.action, h.summary, h.group_id, h.task_id, h.undone_by"


def count(conn: sqlite3.Connection, scope: Scope) -> int:
    where, args = _where(conn, scope)
    return conn.execute(f"SELECT count(*) FROM history h WHERE {where}", args).fetchone()[0]


def entries(conn: sqlite3.Connection, scope: Scope, *, offset: int = 0, limit: int = 50,
            max_lines: int = MAX_LINES) -> list[Entry]:
    """One page of the scope's entries, newest first."""
    where, args = _where(conn, scope)
    rows = conn.execute(f"SELECT {_COLUMNS} FROM history h WHERE {where} ORDER BY h.id DESC LIMIT :limit OFFSET :offset",
                        {**args, "limit": limit, "offset": offset}).fetchall()
    names = Names(conn)
    return [describe(conn, row, names, max_lines) for row in rows]


def iter_entries(conn: sqlite3.Connection, scope: Scope, *, max_lines: int = MAX_LINES,
                 batch: int = 500) -> Iterator[Entry]:
    """Every entry of the scope, oldest first, read ``batch`` at a time."""
    where, args = _where(conn, scope)
    names = Names(conn)
    last = 0
    while True:
        rows = conn.execute(f"SELECT {_COLUMNS} FROM history h WHERE {where} AND h.id > :last ORDER BY h.id LIMIT :n",
                            {**args, "last": last, "n": batch}).fetchall()
        for row in rows:
            yield describe(conn, row, names, max_lines)
        if len(rows) < batch:
            return
        last = rows[-1][0]


# ------------------------------------------------------------------------------ names


class Names:
    """Names of units, members and tasks as they are now, looked up once each."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self._units: dict[int, str] | None = None
        self._members: dict[int, str | None] = {}
        self._tasks: dict[int, str | None] = {}
        self._groups: dict[int, str | None] = {}

    def unit(self, unit_id: int | None, local: dict[tuple[str, int], str] | None = None) -> str:
        if unit_id is None:
            return EMPTY
        if self._units is None:
            self._units = dict(self.conn.execute("SELECT id, name FROM unit"))
        return self._units.get(unit_id) or (local or {}).get(("unit", unit_id)) or f"单位（编号 {unit_id}，已不存在）"

    def _one(self, cache: dict[int, str | None], sql: str, key: int) -> str | None:
        if key not in cache:
            if len(cache) > 50_000:
                cache.clear()
            row = self.conn.execute(sql, (key,)).fetchone()
            cache[key] = None if row is None else (row[0] if len(row) == 1 else task_label(*row))
        return cache[key]

    def member(self, member_id: int | None, local: dict[tuple[str, int], str] | None = None) -> str:
        if member_id is None:
            return EMPTY
        return ((local or {}).get(("member", member_id))
                or self._one(self._members, "SELECT name FROM member WHERE id = ?", member_id)
                or f"成员（编号 {member_id}）")

    def task(self, task_id: int | None, local: dict[tuple[str, int], str] | None = None) -> str:
        if task_id is None:
            return EMPTY
        return ((local or {}).get(("task", task_id))
                or self._one(self._tasks, "SELECT number, content FROM task WHERE id = ?", task_id)
                or f"任务（编号 {task_id}，已不存在）")

    def group(self, group_id: int | None) -> str:
        if group_id is None:
            return ""
        return self._one(self._groups, "SELECT name FROM work_group WHERE id = ?", group_id) or ""


# ------------------------------------------------------------------------------ one entry


@dataclass(slots=True)
class _Row:
    table: str
    row_id: int
    before: dict[str, Any] | None
    after: dict[str, Any] | None

    @property
    def kind(self) -> str:
        if self.before is None:
            return "insert"
        if self.after is None:
            return "delete"
        return "update"

    @property
    def state(self) -> dict[str, Any]:
        """The row as fully as the entry holds it (the importer stores only the changed columns after)."""
        return {**(self.before or {}), **(self.after or {})} if self.after is not None else dict(self.before or {})


def _load(value: str | None) -> dict[str, Any] | None:
    return None if value is None else json.loads(value)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return bool(a) == bool(b)
    return a == b or (a in (None, "") and b in (None, ""))


def _changed(row: _Row) -> list[str]:
    labels = FIELD_LABELS.get(row.table, {})
    before, after = row.before or {}, row.after or {}
    return [k for k in labels if k in after and not _same(before.get(k), after.get(k))]


class _Teller:
    """Tells one entry's row changes in words."""

    def __init__(self, conn: sqlite3.Connection, names: Names, task_id: int | None, rows: list[_Row]):
        self.conn = conn
        self.names = names
        self.task_id = task_id
        self.local: dict[tuple[str, int], str] = {}
        self._fetched: dict[tuple[str, int], dict[str, Any] | None] = {}
        for row in rows:  # names as this entry saw them, for rows since deleted
            state = row.state
            if row.table == "unit" and state.get("name"):
                self.local.setdefault(("unit", row.row_id), state["name"])
            elif row.table == "member" and state.get("name"):
                self.local.setdefault(("member", row.row_id), state["name"])
            elif row.table == "task" and state.get("content"):
                self.local.setdefault(("task", row.row_id), task_label(state.get("number"), state["content"]))

    def full(self, row: _Row) -> dict[str, Any]:
        """The row's values: what the entry holds, completed from the ledger when it holds only the id."""
        state = row.state
        if set(state) <= {"id"}:
            key = (row.table, row.row_id)
            if key not in self._fetched:
                self._fetched[key] = None
                if row.table in TABLE_NOUNS:
                    cursor = self.conn.execute(f'SELECT * FROM "{row.table}" WHERE id = ?', (row.row_id,))
                    found = cursor.fetchone()
                    if found is not None:
                        self._fetched[key] = dict(zip([d[0] for d in cursor.description], found))
            return self._fetched[key] or state
        return state

    def value(self, table: str, key: str, value: Any) -> str:
        if key == "assessment_weights":
            return _weights_text(value)
        if key == "next_steps" and not value:
            return "（默认的下步工作要求）"
        if value is None or value == "":
            return EMPTY
        if key in _UNIT_FIELDS:
            return self.names.unit(value, self.local)
        if key == "successor_id":
            return self.names.member(value, self.local)
        if key == "task_id":
            return self.names.task(value, self.local)
        if key == "group_id":
            return self.names.group(value) or str(value)
        if table == "assignment" and key == "role":
            return ROLE_LABELS.get(value, str(value))
        if (table, key) in VALUE_LABELS:
            return VALUE_LABELS[table, key].get(value, str(value))
        if key == "active":
            return "是" if value else "否"
        if key == "review_closing":
            return "开启（须经办公室销号）" if value else "关闭（报已完成即办结）"
        if key == "unpaired_persons":
            try:
                return "、".join(json.loads(value)) or EMPTY
            except (TypeError, ValueError):
                return str(value)
        return short(str(value), 60)

    def other_task(self, state: dict[str, Any], *, before: bool = False) -> str:
        """The task a row is on when it is not the entry's own: 任务「1．建立…」 as a prefix
        (``before``) or " — 任务「…」" after a line."""
        task_id = state.get("task_id")
        if task_id is None or task_id == self.task_id:
            return ""
        name = f"任务「{self.names.task(task_id, self.local)}」"
        return f"{name} " if before else f" — {name}"

    def subject(self, row: _Row) -> str:
        """What a changed row is, before its field: 县人社局（牵头单位）, 2024 年, 张三 …"""
        s = row.before or row.state
        t = row.table
        if t == "task":
            return "" if row.row_id == self.task_id else f"任务「{self.names.task(row.row_id, self.local)}」"
        if t == "assignment":
            return (self.other_task(s, before=True)
                    + f"{self.names.unit(s.get('unit_id'), self.local)}（{ROLE_LABELS.get(s.get('role'), '')}）")
        if t == "target":
            return self.other_task(s, before=True) + f"{s.get('year')} 年"
        if t == "progress":
            return self.other_task(s, before=True) + f"进展（{s.get('on')}）"
        if t == "member":
            return str(s.get("name") or "")
        if t == "unit_alias":
            return f"别名「{s.get('alias')}」"
        if t == "duty":
            return self.names.unit(s.get("unit_id"), self.local)
        if t == "evidence":
            return self.other_task(s, before=True) + "佐证材料"
        return ""

    def updates(self, row: _Row) -> list[str]:
        labels = FIELD_LABELS.get(row.table, {})
        subject = self.subject(row)
        glue = "" if not subject or subject.endswith(("年", "）")) else " "
        return [f"{subject}{glue}{labels[k]}：{self.value(row.table, k, (row.before or {}).get(k))}{ARROW}"
                f"{self.value(row.table, k, row.after.get(k))}"  # type: ignore[union-attr]
                for k in _changed(row)]

    def added_or_removed(self, row: _Row) -> str:
        added = row.kind == "insert"
        s = self.full(row)
        t = row.table
        verb = "新增" if added else "删除"
        if set(s) <= {"id"}:
            return f"{verb}{noun(t)}（编号 {row.row_id}）"
        if t == "task":
            return f"{verb}任务：{task_label(s.get('number'), s.get('content'), 40)}"
        if t == "assignment":
            person = f"（责任人 {s['person']}）" if s.get("person") else ""
            return (f"{'增加' if added else '取消'}{ROLE_LABELS.get(s.get('role'), '单位')}："
                    f"{self.names.unit(s.get('unit_id'), self.local)}{person}{self.other_task(s)}")
        if t == "target":
            text = f"{verb} {s.get('year')} 年目标：{short(s.get('target'), 40) or EMPTY}"
            return text + (f"，完成值：{short(s['actual'], 20)}" if s.get("actual") else "") + self.other_task(s)
        if t == "progress":
            unit = f"，{self.names.unit(s['unit_id'], self.local)}" if s.get("unit_id") else ""
            return f"{verb}进展（{s.get('on')}{unit}）：{short(s.get('text'), 60)}{self.other_task(s)}"
        if t == "member":
            where = " ".join(x for x in (self.names.unit(s["unit_id"], self.local) if s.get("unit_id") else "",
                                         s.get("title") or "") if x)
            return f"{verb}成员：{s.get('role') or ''} {s.get('name')}" + (f"（{where}）" if where else "")
        if t == "unit":
            return f"{verb}单位：{s.get('name')}"
        if t == "unit_alias":
            return (f"{'增加' if added else '删除'}别名：{s.get('alias')}"
                    f"（{self.names.unit(s.get('unit_id'), self.local)}）")
        if t == "duty":
            return f"{verb}工作职责：{self.names.unit(s.get('unit_id'), self.local)}：{short(s.get('text'), 50)}"
        if t == "work_group":
            return f"{'新建' if added else '删除'}领导小组：{s.get('name')}"
        told = self._round_or_closing(t, s)
        if told is not None:
            return f"{verb}{noun(t)}：{told}"
        return f"{verb}{noun(t)}（编号 {row.row_id}）"

    def _round_or_closing(self, t: str, s: dict[str, Any]) -> str | None:
        """What a row of the rounds', closings', chases' or evidence's tables holds, in words."""
        def unit(key: str = "unit_id") -> str:
            return self.names.unit(s[key], self.local) if s.get(key) else ""

        if t == "extension":
            return (f"截止日期延至 {s.get('new_due')}（原为 {s.get('original_due') or EMPTY}）"
                    + (f"，理由：{short(s['reason'], 40)}" if s.get("reason") else "") + self.other_task(s))
        if t == "task_closing":
            step = self.value(t, "state", s.get("state"))
            detail = "，".join(x for x in (f"完成日期 {s['done_on']}" if s.get("done_on") else "", unit(),
                                           f"理由：{short(s['reason'], 40)}" if s.get("reason") else "") if x)
            return f"{step}（{s.get('on')}）" + (f"，{detail}" if detail else "") + self.other_task(s)
        if t == "chase_record":
            return (f"{unit()}（{s.get('on')}）" + (f"，回复期限 {s['reply_by']}" if s.get("reply_by") else "")
                    + (f"，文件 {s['file']}" if s.get("file") else ""))
        if t == "evidence":
            return str(s.get("name") or "") + (f"（{unit()}）" if s.get("unit_id") else "") + self.other_task(s)
        if t == "report_round":
            return str(s.get("name") or "") + (f"（截止 {s['due']}）" if s.get("due") else "")
        if t == "round_task":
            return f"任务「{self.names.task(s.get('task_id'), self.local)}」"
        if t == "unit_report":
            return unit() + (f"（{s['received_on']}）" if s.get("received_on") else "")
        if t == "report_entry":
            return (f"任务「{self.names.task(s.get('task_id'), self.local)}」"
                    + (f"：{s['status']}" if s.get("status") else ""))
        return None

    def _put_back(self, rows: list[_Row]) -> tuple[set[int], dict[int, _Row]]:
        """A revised table's import takes a task's units off and puts them back: a unit taken off and
        put back in the same role is told as the change of its person, or not at all. Returns the
        rows to leave out and the rows to tell as that change instead."""
        removed: dict[tuple, int] = {}
        for i, row in enumerate(rows):
            if row.table == "assignment" and row.kind == "delete":
                s = row.before or {}
                removed.setdefault((s.get("task_id"), s.get("unit_id"), s.get("role")), i)
        skip: set[int] = set()
        instead: dict[int, _Row] = {}
        if not removed:
            return skip, instead
        for i, row in enumerate(rows):
            if row.table == "assignment" and row.kind == "insert" and "id_range" not in (row.after or {}):
                s = self.full(row)
                j = removed.pop((s.get("task_id"), s.get("unit_id"), s.get("role")), None)
                if j is None:
                    continue
                skip.add(j)
                old = rows[j].before or {}
                if (old.get("person") or None) == (s.get("person") or None):
                    skip.add(i)
                else:
                    instead[i] = _Row("assignment", row.row_id, old, {**old, "person": s.get("person")})
        return skip, instead

    def lines(self, rows: list[_Row]) -> list[str]:
        out: list[str] = []
        reorder: dict[str, list[_Row]] = {}  # rows whose order alone changed
        skip, instead = self._put_back(rows)
        for i, row in enumerate(rows):
            after = row.after or {}
            if i in skip:
                continue
            if i in instead:
                out.extend(self.updates(instead[i]))
            elif "id_range" in after:
                first, last = after["id_range"]
                name, measure = TABLE_NOUNS.get(row.table, _UNNAMED)
                out.append(f"新增{name} {last - first + 1} {measure}")
            elif row.kind == "update":
                keys = _changed(row)
                if keys == ["position"] and row.table != "task":
                    reorder.setdefault(row.table, []).append(row)
                else:
                    out.extend(self.updates(row))
            else:
                out.append(self.added_or_removed(row))
        for table, moved in reorder.items():
            if len(moved) <= 3 and not out:  # [ or ]: two members change places
                out.extend(line for row in moved for line in self.updates(row))
                continue
            biggest = _moved_most(moved)
            if biggest is not None:  # moved to another place: that one, then the rest that shifted
                out.extend(self.updates(biggest))
                moved = [r for r in moved if r is not biggest]
            name, measure = TABLE_NOUNS.get(table, _UNNAMED)
            out.append(f"另有{name} {len(moved)} {measure}顺序随之调整")
        return out


def _moved_most(rows: list[_Row]) -> _Row | None:
    """The row whose position changed by more than one place, most of all (the one moved)."""
    def shift(row: _Row) -> int:
        try:
            return abs(int((row.after or {}).get("position") or 0) - int((row.before or {}).get("position") or 0))
        except (TypeError, ValueError):
            return 0

    best = max(rows, key=shift, default=None)
    return best if best is not None and shift(best) > 1 else None


def _visible_sql(conn: Any = None) -> str:
    """SQL true for a row change that shows: an insert, a delete, or an update of a field listed in
    FIELD_LABELS (a task whose search text alone was refreshed after a unit's rename does not)."""
    cases = []
    before, after = '"before"', '"after"'
    for table, labels in FIELD_LABELS.items():
        tests = " OR ".join(
            f"({sql.json_has(conn, after, k)} AND {sql.json_member_differs(conn, before, after, k)})" for k in labels)
        cases.append(f"WHEN '{table}' THEN ({tests})")
    # import_source (what a file said when last imported) and import_tombstone (the same of a deleted
    # task) are the import's bookkeeping: never shown
    return (f'(table_name NOT IN (\'import_source\', \'import_tombstone\') AND ("before" IS NULL OR "after" IS NULL OR '
            f'CASE table_name {" ".join(cases)} ELSE {sql.true(conn)} END))')


_VISIBLE = _visible_sql()
_VISIBLE_ON_SERVER: list[str] = []  # made when first needed: a file never loads it


def _visible(conn: Any) -> str:
    if not sql.is_server(conn):
        return _VISIBLE
    if not _VISIBLE_ON_SERVER:
        _VISIBLE_ON_SERVER.append(_visible_sql(conn))
    return _VISIBLE_ON_SERVER[0]


_BIG: dict[tuple, Entry] = {}  # described entries of many rows, by (file, id, rows, max_lines, task)
def _put_back_sql(conn: Any) -> str:
    before = 'd."before"'
    return ("SELECT count(*) FROM row_change d WHERE d.history_id = ? AND d.table_name = 'assignment' "
            "AND d.\"after\" IS NULL AND EXISTS (SELECT 1 FROM assignment a "
            f"WHERE a.task_id = {sql.json_int(conn, before, 'task_id')} "
            f"AND a.unit_id = {sql.json_int(conn, before, 'unit_id')} AND a.role = {sql.json_value(conn, before, 'role')} "
            f"AND coalesce(a.person, '') = coalesce({sql.json_value(conn, before, 'person')}, ''))")


_PUT_BACK = _put_back_sql(None)


def _counts(conn: sqlite3.Connection, history_id: int) -> tuple[list[str], int]:
    """"新增任务 10000 项" lines: the entry's row changes counted by table and kind (tasks first), and
    how many row changes show at all."""
    totals: dict[tuple[str, str], int] = {}
    visible = 0
    for table, inserted, deleted, n, ranges in conn.execute(
            'SELECT table_name, "before" IS NULL, "after" IS NULL, count(*), '
            + sql.group_concat(conn, "CASE WHEN \"after\" LIKE '{\"id_range\"%' THEN \"after\" END", "|") + " "
            f"FROM row_change WHERE history_id = ? AND {_visible(conn)} GROUP BY 1, 2, 3", (history_id,)):
        kind = "新增" if inserted else "删除" if deleted else "修改"
        visible += n
        extra = 0
        for text in (ranges or "").split("|") if ranges else []:
            first, last = json.loads(text)["id_range"]
            extra += last - first  # the range's row counts once already
        totals[(table, kind)] = totals.get((table, kind), 0) + n + extra
    if totals.get(("assignment", "删除")) and totals.get(("assignment", "新增")):
        # a revised table's import takes each updated task's units off and puts them back: those
        # put back as they were are no change
        same = conn.execute(_PUT_BACK if not sql.is_server(conn) else _put_back_sql(conn), (history_id,)).fetchone()[0]
        totals[("assignment", "删除")] -= same
        totals[("assignment", "新增")] -= same
    tables = list(TABLE_NOUNS)
    order = sorted((k for k, n in totals.items() if n > 0), key=lambda k: (
        tables.index(k[0]) if k[0] in tables else len(tables), ("新增", "修改", "删除").index(k[1])))
    out = []
    for table, kind in order:
        name, measure = TABLE_NOUNS.get(table, _UNNAMED)
        out.append(f"{kind}{name} {totals[(table, kind)]} {measure}")
    return out, visible


def _rows(conn: sqlite3.Connection, history_id: int, where: str = "", limit: int = _DETAIL_ROWS) -> list[_Row]:
    return [_Row(t, rid, _load(b), _load(a)) for t, rid, b, a in conn.execute(
        f'SELECT table_name, row_id, "before", "after" FROM row_change WHERE history_id = ? AND {_visible(conn)}{where} '
        "ORDER BY seq LIMIT ?", (history_id, limit))]


def _label(action: str, summary: str, rows: list[_Row]) -> str:
    if action == "tick":
        done = any(r.table == "task" and (r.after or {}).get("status") == "已完成" for r in rows)
        return "标记完成" if done or summary.startswith("标记完成") else "取消完成"
    if action == "assign":
        role = next(((r.after or {}).get("role") for r in rows if r.table == "assignment" and r.kind == "insert"), None)
        return f"指定{ROLE_LABELS[role]}" if role in ROLE_LABELS else ACTION_LABELS["assign"]
    if action == "import":
        for word, label in _IMPORT_KINDS.items():
            if summary.startswith(f"导入{word}"):
                return label
    if action in ACTION_LABELS:
        return ACTION_LABELS[action]
    head = summary.split("：", 1)[0]
    return head if len(head) <= 12 else action


def _between(text: str, left: str = "「", right: str = "」") -> str | None:
    start = text.find(left)
    end = text.find(right, start + 1)
    return text[start + 1:end] if start >= 0 and end > start else None


def _what(action: str, summary: str, task_id: int | None, group_id: int | None, rows: list[_Row],
          teller: _Teller) -> str:
    names = teller.names
    if action in ("undo", "redo"):  # what was taken back (or done again), as that entry said it
        return short(summary.removeprefix("撤销：").removeprefix("重做："), 60)
    if task_id is not None:
        return names.task(task_id, teller.local)
    if action == "import":
        source = _between(summary)
        return source or short(summary, 60)
    if action in ("add_member", "edit_member", "move_member", "replace_member"):
        people = [r for r in rows if r.table == "member" and (r.kind != "update" or _changed(r) != ["position"])]
        member = next((r for r in people if r.kind == "update"), people[0] if people else None)  # 换人: the old one
        if member is None:  # 调整顺序: the one moved
            member = _moved_most([r for r in rows if r.table == "member" and r.kind == "update"])
        if member is not None:
            s = member.before or teller.full(member)
            return f"{s.get('role') or ''} {s.get('name') or ''}".strip()
    if action in ("create_unit", "rename_unit", "add_alias", "merge_units", "set_duty"):
        unit_id = next(((r.after or {}).get("unit_id") for r in rows if r.table in ("unit_alias", "duty")), None)
        if unit_id is None:
            unit_id = next((r.row_id for r in rows if r.table == "unit" and r.after is not None), None)
        if unit_id is not None:
            return names.unit(unit_id, teller.local)
    if action == "create_group" and group_id is not None:
        return names.group(group_id) or short(summary, 60)
    return short(summary, 60)


def describe(conn: sqlite3.Connection, row: tuple, names: Names | None = None, max_lines: int = MAX_LINES) -> Entry:
    """One history row (id, at, action, summary, group_id, task_id, undone_by) in words: every change
    when they fit in ``max_lines``, else counts and as many field changes as fit."""
    history_id, at, action, summary, group_id, task_id, undone_by = row
    names = names or Names(conn)
    stored = conn.execute("SELECT count(*) FROM row_change WHERE history_id = ?", (history_id,)).fetchone()[0]
    counted: tuple[list[str], int] | None = None
    key: tuple | None = None
    if stored > _DETAIL_ROWS:  # many rows; perhaps few that show (a rename refreshes its tasks' search text)
        ledger = getattr(conn, "target", None) if sql.is_server(conn) else conn.execute("PRAGMA database_list").fetchone()[2]
        key = (ledger, history_id, stored, max_lines, task_id)
        hit = _BIG.get(key)
        if hit is not None:  # a big entry is read once: the TUI shows it again on every page turn
            return replace(hit, undone=undone_by is not None)
        counted = _counts(conn, history_id)
    rows: list[_Row] = []
    lines: list[str] = []
    if counted is None or counted[1] <= _DETAIL_ROWS:
        rows = _rows(conn, history_id)
        lines = _Teller(conn, names, task_id, rows).lines(rows)
    if counted is not None and counted[1] > _DETAIL_ROWS or len(lines) > max_lines:
        lines = list((counted or _counts(conn, history_id))[0])
        room = max_lines - len(lines) - 1
        if room > 0:  # then the field changes (an import's updated tasks), as many as fit
            updates = _rows(conn, history_id, ' AND "before" IS NOT NULL AND "after" IS NOT NULL', limit=room + 1)
            shown = _Teller(conn, names, task_id, updates).lines(updates)
            if shown and not all("顺序调整" in s for s in shown):
                lines += shown[:room]
                if len(shown) > room or len(updates) > room:
                    lines.append("……（其余修改从略）")
        lines = lines[: max_lines + 1]
        if not rows:
            rows = _rows(conn, history_id, limit=5)  # enough to name the action and what it was about
    teller = _Teller(conn, names, task_id, rows)
    if not lines:
        lines = [summary]
    at_text = str(at)[:19].replace("T", " ")
    entry = Entry(history_id, at_text, action, _label(action, summary, rows),
                  _what(action, summary, task_id, group_id, rows, teller), lines, summary, group_id, task_id,
                  undone_by is not None)
    if key is not None:
        if len(_BIG) >= 64:
            _BIG.pop(next(iter(_BIG)))
        _BIG[key] = entry
    return entry


__all__ = ["ACTION_LABELS", "ARROW", "EMPTY", "FIELD_LABELS", "MAX_LINES", "TABLE_NOUNS", "UNSHOWN_FIELDS", "UNTOLD_TABLES",
           "VALUE_LABELS", "Entry", "Names",
           "Scope", "noun", "count", "describe", "entries", "iter_entries", "short", "task_label"]
