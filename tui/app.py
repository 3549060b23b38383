"""The App: paints its first frame at once, then opens the database in a worker.

This is the first, small version of the TUI (issue 5 builds the full one): a group list, the
selected group's counts and its tasks, ticking done with space and undo with ctrl+z.
"""

from __future__ import annotations

import os
from pathlib import Path

from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Header, OptionList, Static

PAGE = 500  # rows shown at once: never an unbounded number of rows in one widget


class TaizhangApp(App):
    TITLE = "taizhang 工作台账"
    CSS_PATH = "app.tcss"
    BINDINGS = [
        Binding("space", "tick", "完成/取消", id="tick"),
        Binding("ctrl+z", "undo", "撤销", id="undo"),
        Binding("ctrl+q", "quit", "退出", id="quit", priority=True),
    ]

    def __init__(self, db_path: str | os.PathLike[str]):
        super().__init__()
        self.db_path = Path(db_path)
        self.db = None
        self.group_ids: list[int] = []
        self.group_id: int | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield OptionList(id="groups")
        yield Static("正在打开数据库…", id="summary")
        yield DataTable(id="tasks", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = str(self.db_path)
        table = self.query_one("#tasks", DataTable)
        table.add_columns("序号", "工作任务", "牵头单位", "完成时限", "状态")
        self._open()

    @work(thread=True, exclusive=True, group="db")
    def _open(self) -> None:
        from models.db import Database, DatabaseError
        from models.queries import groups

        try:
            self.db = Database(self.db_path)
        except DatabaseError as exc:
            self.call_from_thread(self.query_one("#summary", Static).update, str(exc))
            return
        with self.db.session() as s:
            found = [(g.id, g.name) for g in groups(s)]
        self.call_from_thread(self._show_groups, found)

    def _show_groups(self, found: list[tuple[int, str]]) -> None:
        self.group_ids = [gid for gid, _ in found]
        option_list = self.query_one("#groups", OptionList)
        option_list.clear_options()
        option_list.add_options([name for _, name in found])
        if not found:
            self.query_one("#summary", Static).update("数据库中还没有领导小组。可运行 taizhang demo 载入示例，或用 taizhang import 导入分工表。")
            return
        option_list.highlighted = 0
        self.group_id = self.group_ids[0]
        self._load_group(self.group_id)

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option_index < len(self.group_ids):
            self.group_id = self.group_ids[event.option_index]
            self._load_group(self.group_id)

    @work(thread=True, exclusive=True, group="db")
    def _load_group(self, group_id: int) -> None:
        from sqlmodel import select

        from models.clock import today
        from models.queries import is_overdue, status_counts
        from models.tables import Assignment, Task, Unit

        if self.db is None:
            return
        now = today()
        with self.db.session() as s:
            counts = status_counts(s, group_id, now)
            tasks = s.exec(select(Task).where(Task.group_id == group_id).order_by(Task.position).limit(PAGE)).all()
            leads: dict[int, list[str]] = {}
            for task_id, name in s.exec(
                select(Assignment.task_id, Unit.name).join(Unit, Unit.id == Assignment.unit_id)
                .where(Assignment.role == "lead", Assignment.task_id.in_([t.id for t in tasks]))  # type: ignore[attr-defined]
                .order_by(Assignment.position)
            ).all():
                leads.setdefault(task_id, []).append(name)
        rows = [
            (t.id, t.number or "", t.content[:36], "、".join(leads.get(t.id, [])), t.deadline or "",
             ("逾期 " if is_overdue(t, now) else "") + t.status)
            for t in tasks
        ]
        summary = "  ".join(f"{k} {v}" for k, v in counts.items())
        if counts["总数"] > PAGE:
            summary += f"  （显示前 {PAGE} 项）"
        self.call_from_thread(self._show_tasks, summary, rows)

    def _show_tasks(self, summary: str, rows: list[tuple]) -> None:
        self.query_one("#summary", Static).update(summary)
        table = self.query_one("#tasks", DataTable)
        cursor = table.cursor_row
        table.clear()
        for task_id, *cells in rows:
            table.add_row(*cells, key=str(task_id))
        if rows:
            table.move_cursor(row=min(cursor, len(rows) - 1))

    def action_tick(self) -> None:
        table = self.query_one("#tasks", DataTable)
        if self.db is None or not table.row_count:
            return
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        self._write("tick", int(key))

    def action_undo(self) -> None:
        if self.db is not None:
            self._write("undo")

    @work(thread=True, group="write")
    def _write(self, operation: str, *args: object) -> None:
        from models import operations as ops
        from models.changes import OperationError

        try:
            result = getattr(ops, operation)(self.db, *args)
            if operation == "undo":
                result = f"已撤销：{result}" if result else "没有可撤销的修改。"
        except OperationError as exc:
            self.call_from_thread(self.notify, str(exc), severity="error")
            return
        if isinstance(result, str):
            self.call_from_thread(self.notify, result)
        if self.group_id is not None:
            self._load_group(self.group_id)
