"""操作记录 (j): the audit trail — every change made through the program, newest first, one screenful
per page (LIMIT/OFFSET in SQL, read in a worker, as the task list does); the highlighted entry's
changes in full below the list. Opened from anywhere for the current group (a: every group), or
from a task's page for that task alone. The words come from ``models.audit``, the same the Excel
export (``taizhang export --kind history``) prints.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from tui.screens.base import Loads, Pages
from tui.screens.tasks import TaskTable
from tui.text import cut
from tui.widgets.bars import AreaBar, StatusLine
from tui.widgets.table import heading

DETAIL_LINES = 6


class HistoryTable(TaskTable):
    """The list of entries; ↓ on the last row and PgDn turn to older entries, as in 任务."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "打开任务", tooltip="打开这条记录涉及的任务"),
    ]


class HistoryScreen(Pages, Loads, Screen):
    CSS_PATH = str(Path(__file__).with_name("history.tcss"))
    HELP = ("操作记录：通过本程序做的每一次修改——标记完成、修改、指定单位、换人、改名、导入、撤销——"
            "都记在这里，新的在前。每行是时间、操作、对象和变更（修改前 → 修改后）；"
            "下方显示选中一条的全部变更。\n"
            "PgDn/PgUp 翻页，在最后一行按 ↓ 也会翻到更早的记录。Enter：打开这条记录涉及的任务。\n"
            "a：本组的记录 / 全部领导小组的记录。x：把列出的操作记录（本组的或全部领导小组的）导出为 Excel（可打印）。\n"
            "被撤销的修改标有“已撤销”；撤销本身也是一条记录。")
    BINDINGS: ClassVar = [
        Binding("escape", "back", "返回", tooltip="回到上一页"),
        Binding("a", "toggle_scope", "本组/全部", tooltip="只看本组的记录，或看全部领导小组的记录"),
        Binding("x", "export", "导出", tooltip="把列出的操作记录（本组或全部领导小组）导出为 Excel 表（按时间顺序，可打印）"),
        Binding("question_mark,f1", "app.help", "帮助", key_display="?", tooltip="本页的按键说明"),
    ]

    def __init__(self, task_id: int | None = None, task_label: str = "") -> None:
        super().__init__()
        self.task_id = task_id
        self.task_label = task_label
        self.everything = False
        self.page = 0
        self.pages = 1
        self.total = 0
        self._page_size = 0
        self._entries: list[Any] = []
        self._cursor_after: str | None = None
        self._loaded_key: tuple[Any, ...] | None = None

    def compose(self) -> ComposeResult:
        yield AreaBar(self.app.current_mode)
        yield Static("", id="hs-title", markup=False)
        yield HistoryTable(id="hs-table")
        yield Static("", id="hs-detail", markup=False)
        yield StatusLine()
        yield Footer(compact=True)

    @property
    def table(self) -> HistoryTable:
        return self.query_one("#hs-table", HistoryTable)

    def on_mount(self) -> None:
        self.table.focus()

    def on_screen_resume(self) -> None:
        self.refresh_if_stale(force=True)

    # ------------------------------------------------------------ loading

    def _scope(self) -> Any:
        from models.audit import Scope

        if self.task_id is not None:
            return Scope(task_id=self.task_id)
        group = self.app.group
        return Scope(group_id=None if self.everything or group is None else group.id)

    def refresh_if_stale(self, force: bool = False) -> None:
        app = self.app
        if app.reader is None:
            return
        key = (app.group.id if app.group else None, app.data_version, self.everything)
        if force or key != self._loaded_key:
            self._loaded_key = key
            self.reload()

    def page_size(self) -> int:
        height = self.table.size.height
        if height <= 2:
            height = self.app.size.height - 6 - DETAIL_LINES
        return max(5, height - 1)

    def reload(self, cursor: str | None = None) -> None:
        scope = self._scope()
        size = self._page_size = self.page_size()
        page = self.page
        if cursor is not None:
            self._cursor_after = cursor

        def fetch(conn):
            from models import audit

            total = audit.count(conn, scope)
            if page * size >= total > 0:  # the page ran past the end
                last = (total - 1) // size
                return audit.entries(conn, scope, offset=last * size, limit=size), total, last
            return audit.entries(conn, scope, offset=page * size, limit=size), total, page

        self.load(fetch, self._show, group="page", loading=self.table, delay=0.3)

    def _show(self, result: tuple[list[Any], int, int]) -> None:
        entries, total, page = result
        self._entries, self.total, self.page = entries, total, page
        self.pages = max(1, (total + self._page_size - 1) // self._page_size)
        self._render_rows()
        self._say_status()

    def _say_status(self) -> None:
        app = self.app
        if self.task_id is not None:
            title = f"操作记录 — 任务：{self.task_label}" if self.task_label else "操作记录 — 这项任务"
        elif self.everything or app.group is None:
            title = "操作记录 — 全部领导小组（a 只看本组）"
        else:
            title = f"操作记录 — {app.group.name}（a 看全部领导小组）"
        self.query_one("#hs-title", Static).update(Text(cut(title, max(self.size.width - 2, 20)), style="bold"))
        self.query_one(StatusLine).say("　".join([f"第 {self.page + 1}/{self.pages} 页", f"共 {self.total} 条",
                                                   "新的在前", "PgDn/PgUp 翻页", "Esc 返回"]))

    # ------------------------------------------------------------ rendering

    def _columns(self) -> list[tuple[str, str, int]]:
        width = (self.table.size.width or self.app.size.width) - 2
        wide = width >= 110
        at, label, what = (16, 18, 30) if wide else (11, 12, 16)
        used = at + label + what + 2 * 5
        return [("时间", "at", at), ("操作", "label", label), ("对象", "what", what),
                ("变更", "changes", max(12, width - used))]

    def _render_rows(self) -> None:
        table = self.table
        keep = self._cursor_after or table.current_key
        cursor_row = table.cursor_row if table.row_count else None
        self._cursor_after = None
        columns = self._columns()
        widths = {key: width for _, key, width in columns}
        table.set_columns(columns)
        out: list[tuple[str, list[Any]]] = []
        for e in self._entries:
            label = Text(cut(e.label, widths["label"]))
            first = e.changes[0] if e.changes else ""
            more = f" 等 {len(e.changes)} 处" if len(e.changes) > 1 else ""
            changes = Text(cut(first, widths["changes"] - cell_len(more)) + more)
            if e.undone:
                label = Text(cut(f"{e.label}（已撤销）", widths["label"]), style="dim strike")
                changes.stylize("dim")
            at = e.at[:16] if widths["at"] >= 16 else e.at[5:16]  # narrow: 07-01 09:30 (the year is below)
            out.append((f"e:{e.id}", [at, label, cut(e.what, widths["what"]), changes]))
        if not out:
            out.append(("h:none", heading("还没有操作记录。", len(columns), at=2, style="dim")))
        if keep == "first":
            table.fill(out)
        elif keep == "last":
            table.fill(out, cursor=len(out) - 1)
        else:
            table.fill(out, keep=keep, cursor=cursor_row)
        self._show_detail()

    def current_entry(self) -> Any:
        entry_id = self.table.current_id("e")
        return next((e for e in self._entries if e.id == entry_id), None)

    def _show_detail(self) -> None:
        e = self.current_entry()
        detail = self.query_one("#hs-detail", Static)
        if e is None:
            detail.update("")
            return
        text = Text()
        text.append(e.at, style="bold")
        text.append(f"  {e.label}", style="bold cyan")
        if e.undone:
            text.append("（已撤销）", style="yellow")
        text.append(f"  {e.what}")
        lines = e.changes
        if len(lines) > DETAIL_LINES - 1:
            lines = [*lines[: DETAIL_LINES - 2], f"…… 共 {len(e.changes)} 行，按 x 导出 Excel 可见全部"]
        for line in lines:
            text.append("\n" + cut(line, max(self.size.width - 4, 20)))
        detail.update(text)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail()

    def shown_rows(self) -> list[Any]:
        return self._entries

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        e = self.current_entry()
        if e is None:
            return
        if e.task_id is None:
            self.notify("这条记录不涉及某一项任务。")
        elif e.task_id == self.task_id:
            self.app.pop_screen()  # opened from that task's page: back to it
        else:
            from tui.screens.task import TaskScreen

            self.app.push_screen(TaskScreen(e.task_id))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "toggle_scope" and self.task_id is not None:
            return None  # one task's trail has no other scope
        return True

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_toggle_scope(self) -> None:
        self.everything = not self.everything
        self.page = 0
        self._cursor_after = "first"
        self.refresh_if_stale()

    def action_export(self) -> None:
        app = self.app
        if app.group is None or app.reader is None:
            return
        self._export(app.state.folder("export_dir"), app.group.name, self.everything and self.task_id is None)

    @work(thread=True, exclusive=True, group="export", exit_on_error=False)
    def _export(self, folder: Path, group: str, every_group: bool = False) -> None:
        from exporters.excel import export

        app = self.app
        token = app.call_from_thread(app.busy_start, "正在导出…")
        try:
            path = export(app.db_path, "history", folder, group_name=group, every_group=every_group)
        except Exception as exc:  # noqa: BLE001 - ExportError carries the Chinese message
            app.call_from_thread(app.notify, f"未能导出：{exc}", severity="error", timeout=8)
        else:
            app.call_from_thread(app.notify, f"已导出：{path}", title="操作记录", timeout=8)
        finally:
            app.call_from_thread(app.busy_end, token)
