"""任务 (2): the group's tasks, by category or flat, one screenful per page (the filter runs in
SQL with LIMIT/OFFSET, so 10,000 tasks cost no more than 20); `/` filters live, space ticks."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import DataTable, Input, Label, Static

from tui import data
from tui.data import TaskFilter, TaskRow
from tui.screens.base import AreaScreen, Pages
from tui.text import cut, state_text, units_text
from tui.widgets.search import FilterInput
from tui.widgets.table import Table, heading


class TaskTable(Table):
    """The task list: at its last row ↓ turns to the next page, at its first ↑ to the previous;
    PgDn/PgUp turn pages, ctrl+home/ctrl+end go to the first/last page."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "打开", tooltip="打开选中的任务：全部内容、分工、年度目标、进展"),
        Binding("pagedown", "turn(1)", "下一页", show=False),
        Binding("pageup", "turn(-1)", "上一页", show=False),
        Binding("ctrl+home", "turn('first')", "第一页", show=False),
        Binding("ctrl+end", "turn('last')", "最后一页", show=False),
    ]

    class Turn(Message):
        def __init__(self, to: int | str, cursor: str) -> None:
            super().__init__()
            self.to = to
            self.cursor = cursor

    def action_turn(self, to: int | str) -> None:
        self.post_message(self.Turn(to, "last" if to in (-1, "last") else "first"))

    def action_scroll_top(self) -> None:
        super().action_scroll_top()
        first = self.first_data_row()  # the first task, not the category heading above it
        if first is not None:
            self.move_cursor(row=first, animate=False)

    def _on_heading(self) -> bool:
        return str(self.current_key or "").startswith("h:")

    def action_cursor_down(self) -> None:
        if self.row_count and self.cursor_row >= self.row_count - 1:
            self.post_message(self.Turn(1, "first"))
        else:
            super().action_cursor_down()
            while self._on_heading() and self.cursor_row < self.row_count - 1:  # a category heading: skip it
                super().action_cursor_down()

    def action_cursor_up(self) -> None:
        first = self.first_data_row()
        if self.row_count and (first is None or self.cursor_row <= first):
            self.post_message(self.Turn(-1, "last"))
        else:
            super().action_cursor_up()
            while self._on_heading() and self.cursor_row > 0:
                super().action_cursor_up()
            if self._on_heading():
                super().action_cursor_down()


class TasksScreen(Pages, AreaScreen):
    AREA = "tasks"
    HELP = ("任务列表按分工表的顺序列出当前领导小组的全部任务。"
            "状态一栏：红色“逾期”是过了完成时限仍未完成，黄色“临期”是 7 天内到期。\n"
            "/：搜索。内容、单位、责任人都能搜，也可以用拼音首字母（gljt 找到“高龄津贴”）；"
            "边输入边更新，Enter 或 ↓ 回到列表的第一条结果，Esc 清除搜索并回到列表。\n"
            "f：按单位、状态（如“逾期”）、类别、年度筛选；u：直接选单位；o：只看逾期；c：清除全部筛选。\n"
            "空格：把选中的任务标为已完成（完成日期为今天），再按一次取消；w：标为已完成并填写完成日期（可早于今天）。\n"
            "m：标记（再按取消标记），可标记多项；有标记时 空格 把它们都标为已完成，a 指定单位和责任人，"
            "d 设完成时限，Del 取消任务——一次修改，Ctrl+Z 一次撤销；Esc 清除标记。\n"
            "Del：取消选中的任务（保留记录，不再列出和统计；f 中选状态“已取消”可以看到）。Ctrl+Y：重做撤销的修改。\n"
            "Enter：打开任务，查看和修改全部内容、分工、年度目标、进展。\n"
            "每页一屏：PgDn/PgUp 翻页，在最后一行按 ↓ 也会翻到下一页。")
    BINDINGS: ClassVar = [
        Binding("slash", "search", "搜索", tooltip="输入文字或拼音首字母，列表随输入更新"),
        Binding("space", "tick", "完成/取消", tooltip="把选中的任务标为已完成（今天），再按一次取消"),
        Binding("p", "progress", "记进展", tooltip="给选中的任务记录一条进展"),
        Binding("f", "filters", "筛选", tooltip="按单位、状态、类别、年度筛选"),
        Binding("u", "unit_filter", "按单位", show=False, tooltip="选择一个单位，只看它牵头或配合的任务"),
        Binding("o", "overdue", "只看逾期", show=False, tooltip="只看逾期的任务，再按一次看全部（保留其他筛选条件）"),
        Binding("c", "clear_filters", "清除筛选", show=False, tooltip="清除搜索和全部筛选条件"),
        Binding("v", "toggle_grouping", "分类/平铺", show=False, tooltip="按类别分组显示，或平铺显示"),
        Binding("n", "new_task", "新增任务", show=False, tooltip="在分工表末尾新增一项任务"),
        Binding("m", "mark", "标记", tooltip="标记选中的任务（可标记多项，再一起完成、分工、设时限或取消）"),
        Binding("w", "done_on", "完成日期", show=False, tooltip="标为已完成并填写完成日期（可早于今天）"),
        Binding("a", "assign", "分工", show=False, tooltip="给选中（或标记）的任务指定单位和责任人"),
        Binding("d", "deadline", "完成时限", show=False, tooltip="给标记的任务设同一个完成时限"),
        Binding("delete", "cancel_tasks", "取消任务", show=False, tooltip="取消选中（或标记）的任务：保留记录，不再列出和统计"),
        Binding("escape", "clear_marks", "清除标记", show=False, tooltip="清除全部标记"),
        Binding("question_mark,f1", "app.help", "帮助", key_display="?", tooltip="本页的按键说明"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.flt = TaskFilter()
        self.page = 0
        self.pages = 1
        self.total = 0
        self.grouped = True
        self._rows: list[TaskRow] = []
        self._seen_done: dict[int, bool] = {}  # task id → done as last ticked here, until the next load
        self._cursor_after: str | None = None
        self._writes_seen = 0  # the window's own changes counted when the list last shown was read
        self._list_key: tuple[int, TaskFilter] | None = None  # (group, filter) the list was last read for
        self._widths: dict[str, int] = {}
        self._page_size = 0
        self.marked: dict[int, str] = {}  # task id → content, marked with m for one change on them all

    def body(self) -> ComposeResult:
        with Horizontal(id="tk-bar"):
            yield Label("搜索(/)", id="tk-search-label")
            yield FilterInput(placeholder="内容、单位、责任人或拼音首字母，如 gljt", id="tk-search")
            yield Static("", id="tk-filters", markup=False)
        yield TaskTable(id="tk-table")

    @property
    def table(self) -> TaskTable:
        return self.query_one("#tk-table", TaskTable)

    @property
    def search(self) -> FilterInput:
        return self.query_one("#tk-search", FilterInput)

    def on_mount(self) -> None:
        self.table.focus()

    def on_screen_resume(self) -> None:
        request, self.app.tasks_request = self.app.tasks_request, None
        if request is not None:
            self._apply_request(request)
            return
        super().on_screen_resume()

    def _apply_request(self, request: dict[str, Any]) -> None:
        while self.app.screen is not self and len(self.app.screen_stack) > 1:
            self.app.pop_screen()
        if "unit_id" in request or "status" in request:
            self.flt = TaskFilter(unit_id=request.get("unit_id"), unit_name=request.get("unit_name", ""),
                                  status=request.get("status", "全部"))
            with self.search.prevent(Input.Changed):
                self.search.value = ""
        self.page = 0
        self.mark_fresh()
        self.reload()
        if request.get("search"):
            self.search.focus()
        else:
            self.table.focus()

    # ------------------------------------------------------------ loading

    def page_size(self) -> int:
        height = self.table.size.height
        if height <= 2:
            height = self.app.size.height - 4
        return max(5, height - 1)

    def reload(self, cursor: str | None = None) -> None:
        if not self.query("#tk-table"):  # not composed yet (a change seen while switching here): it loads on resume
            return
        group = self.app.group
        if group is None:
            self._rows = []
            self.total = 0
            self._render_rows()
            self.say("还没有领导小组：按 i 导入分工表，或按 g 新建领导小组。")
            return
        from models.clock import today

        now = today()
        flt = replace(self.flt)
        size = self._page_size = self.page_size()
        page = self.page
        # a reload of the same list (a change saved here or elsewhere): the cursor follows its task,
        # to another page if the change moved it there; a turn of page or a new filter starts afresh
        same_list, self._list_key = self._list_key == (group.id, flt), (group.id, flt)
        follow = self.current_task() if same_list and cursor is None and self._cursor_after is None else None
        # this window's own change (a cancel here) is not news: "own" from when it is asked for (a read
        # may see it saved before the window counts it shown) until a list read after it is shown
        writes = getattr(self.app, "writes_shown", 0)
        own_change = writes != self._writes_seen or bool(getattr(self.app, "writes_underway", ()))
        if cursor is not None:
            self._cursor_after = cursor

        def fetch(conn):
            from models.judged import read_group

            rows, total = data.task_page(conn, group.id, flt, now, page, size)
            shown, left = page, None
            if follow is not None and all(r.id != follow.id for r in rows):
                index = data.task_index(conn, group.id, flt, now, follow.id)
                if index is None:  # no longer in the list: the cursor stays at its row (the next task)
                    left = None if own_change else follow
                elif index // size != page:
                    shown = index // size
                    rows, _ = data.task_page(conn, group.id, flt, now, shown, size)
            if not rows and page > 0 and total:  # the page ran past the end (after a filter or a tick)
                shown = (total - 1) // size
                rows, _ = data.task_page(conn, group.id, flt, now, shown, size)
            judged = read_group(conn, group.id, now, task_ids=[r.id for r in rows]).tasks
            self._lights = {t.id: t.judgement for t in judged}
            from models.evidence_store import page_counts

            self._evidence = page_counts(conn, group.id, [r.id for r in rows])
            return rows, total, shown, now, left, writes

        self.load(fetch, self._show, group="page", loading=self.table, delay=0.3)

    def _show(self, result: tuple[list[TaskRow], int, int, Any, TaskRow | None, int]) -> None:
        rows, total, page, now, left, self._writes_seen = result
        self._rows, self.total, self.page, self._today = rows, total, page, now
        self._seen_done.clear()
        self.pages = max(1, (total + self._page_size - 1) // self._page_size)
        self._render_rows()
        self._say_status()
        if left is not None:
            self.app.notify(f"光标所在的任务「{cut(left.content, 24)}」已不在列表中（别处修改或取消了它），"
                            "光标移到了相邻的一项。", title="任务已移出列表", timeout=8)

    def _say_status(self) -> None:
        parts = [f"第 {self.page + 1}/{self.pages} 页", f"共 {self.total} 项"]
        if self.flt.active():
            parts.append("（已筛选，c 清除）")
        if self.marked:
            parts.insert(0, f"已标记 {len(self.marked)} 项：空格 完成　a 分工　d 时限　Del 取消　Esc 清除标记")
        parts.append("按类别" if self.grouped else "平铺")
        parts.append("PgDn/PgUp 翻页")
        self.say("　".join(parts))
        desc = self.flt.describe()
        self.query_one("#tk-filters", Static).update(f"筛选 {desc}" if desc else "f 筛选：单位/状态/类别/年度")

    # ------------------------------------------------------------ rendering

    def _columns(self) -> list[tuple[str, str, int]]:
        width = self.table.size.width or self.app.size.width
        width -= 2  # scroll bar
        wide = width >= 110
        numbers = max((cell_len(r.number or "") for r in self._rows), default=4)
        w = {"number": max(4, min(numbers, 8)), "lead": 22 if wide else 16 if width >= 90 else 12,
             "co": 16 if wide else 0,
             "deadline": 14 if wide else 10, "light": 4, "state": 6}
        if not self.grouped and wide:
            w["category"] = 14
        used = sum(w.values()) + 2 * (len([v for v in w.values() if v]) + 1)
        w["content"] = max(12, width - used)
        self._widths = w
        cols = [("序号", "number", w["number"])]
        if w.get("category"):
            cols.append(("类别", "category", w["category"]))
        cols += [("工作任务", "content", w["content"]),
                 ("牵头单位（责任人）" if w["lead"] >= 18 else "牵头单位", "lead", w["lead"])]
        if w["co"]:
            cols.append(("配合单位", "co", w["co"]))
        cols += [("完成时限", "deadline", w["deadline"]), ("灯号", "light", w["light"]), ("状态", "state", w["state"])]
        return cols

    def _light_cell(self, row: TaskRow) -> Text:
        """红/黄/绿 as a coloured word (models.judging, as the task page and the exports judge it)."""
        from tui.screens.task import LIGHT_STYLE

        j = getattr(self, "_lights", {}).get(row.id)
        light = "绿" if row.status == data.DONE and (j is None or j.state != "待销号") else (j.light if j else "")
        return Text(f" {light} ", style=LIGHT_STYLE[light]) if light else Text("")

    def _cells(self, row: TaskRow) -> dict[str, Any]:
        w = self._widths
        judged = getattr(self, "_lights", {}).get(row.id)
        # 逾期 / 临期 as judged (an extended date, a missed yearly target), as 总览 and the 逾期 filter count
        state = data.task_state(row.status, judged.due if judged else row.due, self._today, row.cancelled_on)
        if judged is not None and judged.overdue and row.status != data.DONE and not row.cancelled_on:
            state = "逾期"
        elif judged is not None and judged.state == "待销号" and not row.cancelled_on:
            state = "待销号"
        deadline = Text(cut(row.deadline or (row.due.isoformat() if row.due else ""), w["deadline"]))
        if not deadline.plain and row.years:  # no deadline: the table has targets per year instead
            first, last = row.years
            deadline = Text(cut(f"{first}–{last}年" if first != last else f"{first}年", w["deadline"]), style="dim")
        if state in ("逾期", "临期"):
            deadline.stylize(state_text(state).style)
        content = Text(cut(row.content, w["content"]))
        evidence = getattr(self, "_evidence", None)
        if evidence is not None and row.id in evidence:  # （佐证2）, or （无佐证） on a task done or claimed done
            j = getattr(self, "_lights", {}).get(row.id)
            done = row.status == data.DONE or (j is not None and j.state == "待销号")
            mark = f"（佐证{evidence[row.id]}）" if evidence[row.id] else "（无佐证）" if done else ""
            if mark:
                content = Text(cut(row.content, max(4, w["content"] - cell_len(mark))))
                content.append(mark, style="green" if evidence[row.id] else "bold red")
        if row.status == data.DONE:
            content.stylize("dim")
        number = Text(cut(row.number or "", w["number"]))
        if row.id in self.marked:  # marked with m: the number reversed, ✔ before the content
            number.stylize("bold reverse")
            content = Text("✔ " + cut(row.content, w["content"] - 2), style="bold magenta")
        cells: dict[str, Any] = {
            "number": number,
            "content": content,
            "lead": cut(units_text(row.lead), w["lead"]),
            "deadline": deadline,
            "state": state_text(state),
            "light": self._light_cell(row),
        }
        if w.get("category"):
            cells["category"] = cut(data.category_label(row.category_number, row.category) if row.category else "",
                                    w["category"])
        if w["co"]:
            cells["co"] = cut(units_text(row.co, persons=False), w["co"])
        return cells

    def _render_rows(self) -> None:
        table = self.table
        keep = self._cursor_after or table.current_key
        cursor_row = table.cursor_row if table.row_count else None
        self._cursor_after = None
        columns = self._columns()
        table.set_columns(columns)
        out: list[tuple[str, list[Any]]] = []
        last_category: tuple[str | None, str | None] | None = None
        for index, row in enumerate(self._rows):
            if self.grouped:
                category = (row.category_number, row.category)
                if index == 0 and category == (None, None):
                    last_category = category  # tasks without a category at the top need no heading
                if category != last_category:
                    label = "▌" + (data.category_label(*category) if category != (None, None) else "（未分类）")
                    if index == 0 and self.page > 0:
                        label += "（续）"
                    out.append((f"h:{len(out)}", heading(label, len(columns), at=1 if len(columns) > 1 else 0,
                                                         style="bold")))
                    last_category = category
            cells = self._cells(row)
            out.append((f"t:{row.id}", [cells[key] for _, key, _ in columns]))
        if not out:
            message = "没有符合条件的任务（c 清除筛选）" if self.flt.active() else "本领导小组还没有任务——按 i 导入分工表"
            out.append(("h:none", heading(message, len(columns), at=min(1, len(columns) - 1), style="dim")))
        if keep == "first":
            table.fill(out)
        elif keep == "last":
            table.fill(out, cursor=len(out) - 1)
        else:
            table.fill(out, keep=keep, cursor=cursor_row)
            keys = [key for key, _ in out]
            at = table.cursor_row
            if keys[at].startswith("h:") and keep not in keys:  # its task gone, the row now a heading:
                below = [i for i in range(at + 1, len(keys)) if keys[i].startswith("t:")]  # the nearest task
                above = [i for i in range(at - 1, -1, -1) if keys[i].startswith("t:")]
                if below or above:
                    table.move_cursor(row=(below or above)[0], animate=False, scroll=True)

    # ------------------------------------------------------------ paging and filtering

    def shown_rows(self) -> list[TaskRow]:
        return self._rows

    def top_row(self) -> int:
        return self.table.first_data_row() or 0

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id != "tk-search":
            return
        self.flt.search = event.value
        self.page = 0
        self.reload(cursor="first")

    def action_search(self) -> None:
        self.search.focus()

    def action_toggle_grouping(self) -> None:
        self.grouped = not self.grouped
        self._render_rows()
        self._say_status()

    def action_clear_filters(self) -> None:
        self.flt = TaskFilter()
        with self.search.prevent(Input.Changed):
            self.search.value = ""
        self.page = 0
        self.reload(cursor="first")

    def set_filter(self, flt: TaskFilter) -> None:
        flt.search = self.flt.search
        self.flt = flt
        self.page = 0
        self.reload(cursor="first")
        self.table.focus()

    def action_filters(self) -> None:
        from tui.dialogs.filters import FilterDialog

        if self.app.group is None:
            return
        self.app.push_screen(FilterDialog(replace(self.flt)), lambda flt: flt is not None and self.set_filter(flt))

    def action_overdue(self) -> None:
        status = "全部" if self.flt.status == "逾期" else "逾期"
        self.set_filter(replace(self.flt, status=status))

    def action_unit_filter(self) -> None:
        from tui.dialogs.picker import PickerDialog

        if self.app.group is None:
            return

        def picked(result) -> None:
            if result is not None and result.unit_id:
                self.set_filter(replace(self.flt, unit_id=result.unit_id, unit_name=result.unit))

        self.app.push_screen(PickerDialog("按单位筛选任务", kinds=("unit",), need_id=True), picked)

    # ------------------------------------------------------------ the highlighted task

    def current_task(self) -> TaskRow | None:
        task_id = self.table.current_id("t")
        return next((r for r in self._rows if r.id == task_id), None) if task_id is not None else None

    def _no_task(self) -> None:
        self.app.notify("请先用 ↑↓ 选中一项任务（类别标题行上不能操作）。", severity="warning")

    def action_tick(self) -> None:
        if self.marked:
            ids = list(self.marked)

            def ticked(n: int) -> None:
                self.marked.clear()

            self.app.write("bulk_tick", ids, done=ticked,
                           message=lambda n: f"已标记完成 {n} 项任务（完成日期今天）　Ctrl+Z 一次撤销")
            return
        row = self.current_task()
        if row is None:
            self._no_task()
            return
        task_id = row.id
        # what the user sees once the ticks already pressed are saved (space pressed twice quickly)
        seen_done = self._seen_done.get(task_id, row.status == data.DONE)
        self._seen_done[task_id] = not seen_done

        def ticked(status: str) -> None:
            for r in self._rows:
                if r.id == task_id:
                    r.status = status
                    r.done_on = self._today if status == data.DONE else None
                    cells = self._cells(r)
                    if f"t:{task_id}" in self.table.rows:  # not replaced meanwhile by a reload
                        for key in ("state", "content", "deadline", "light"):
                            self.table.update_cell(f"t:{task_id}", key, cells[key])
            self.mark_fresh()
            self._refresh_light(task_id)

        def said(status: str) -> str:
            return ("已完成：" if status == data.DONE else f"已取消完成（{status}）：") + cut(row.content, 30) + "　Ctrl+Z 撤销"

        self.app.write("tick", task_id, seen_done=seen_done, done=ticked, message=said, reload=False)

    def _refresh_light(self, task_id: int) -> None:
        """Judge the one task again (models.judged) and redraw its light and state: a tick or an
        untick changes them without reloading the page."""
        group = self.app.group
        if group is None:
            return
        now = self._today

        def judge(conn):
            from models.judged import read_group

            return read_group(conn, group.id, now, task_ids=[task_id]).tasks

        def show(judged) -> None:
            lights = self.__dict__.setdefault("_lights", {})
            for t in judged:
                lights[t.id] = t.judgement
            row = next((r for r in self._rows if r.id == task_id), None)
            if row is not None and f"t:{task_id}" in self.table.rows:
                cells = self._cells(row)
                for key in ("state", "deadline", "light"):
                    self.table.update_cell(f"t:{task_id}", key, cells[key])

        self.load(judge, show, group=f"light:{task_id}")

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        key = str(event.row_key.value)
        if key.startswith("t:"):
            from tui.screens.task import TaskScreen

            self.app.push_screen(TaskScreen(int(key[2:])))

    def action_progress(self) -> None:
        row = self.current_task()
        if row is None:
            self._no_task()
            return
        from tui.dialogs.forms import progress_dialog

        progress_dialog(self.app, row.id, row.content, [u for u, _ in row.lead + row.co])

    def action_new_task(self) -> None:
        if self.app.group is None:
            return
        from tui.dialogs.forms import new_task_dialog

        new_task_dialog(self.app, self.app.group.id)

    # ------------------------------------------------------------ marks: one change on several tasks

    def _targets(self) -> list[tuple[int, str]]:
        """The marked tasks, or else the highlighted one."""
        if self.marked:
            return list(self.marked.items())
        row = self.current_task()
        return [(row.id, row.content)] if row is not None else []

    def _refresh_row(self, task_id: int) -> None:
        row = next((r for r in self._rows if r.id == task_id), None)
        if row is not None and f"t:{task_id}" in self.table.rows:
            cells = self._cells(row)
            for key in ("number", "content"):
                self.table.update_cell(f"t:{task_id}", key, cells[key])

    def action_mark(self) -> None:
        row = self.current_task()
        if row is None:
            self._no_task()
            return
        if self.marked.pop(row.id, None) is None:
            self.marked[row.id] = row.content
        self._refresh_row(row.id)
        self._say_status()
        self.table.action_cursor_down()

    def action_clear_marks(self) -> None:
        if not self.marked:
            return
        ids = list(self.marked)
        self.marked.clear()
        for task_id in ids:
            self._refresh_row(task_id)
        self._say_status()

    def _after_bulk(self, _: object) -> None:
        self.marked.clear()

    def action_done_on(self) -> None:
        if self.marked:
            from tui.dialogs.forms import FormDialog, Field, parse_day, _date_or_error

            ids = list(self.marked)

            def done(v: dict[str, Any] | None) -> None:
                if v is not None:
                    self.app.write("bulk_tick", ids, on=parse_day(v["on"]), done=self._after_bulk,
                                   message=lambda n: f"已标记完成 {n} 项任务　Ctrl+Z 一次撤销")

            from models.clock import today

            self.app.push_screen(FormDialog("标为已完成", [Field("on", "完成日期", today().isoformat())],
                                            intro=f"把标记的 {len(ids)} 项任务标为已完成（已完成的保留原完成日期）。",
                                            check=lambda v: _date_or_error(v["on"], "完成日期") or (
                                                None if v["on"] else "请填写完成日期。"), ok="保存"), done)
            return
        row = self.current_task()
        if row is None:
            self._no_task()
            return
        from tui.dialogs.forms import done_dialog

        done_dialog(self.app, row.id, row.content, row.done_on if row.status == data.DONE else None)

    def action_assign(self) -> None:
        targets = self._targets()
        if not targets:
            self._no_task()
            return
        from tui.dialogs.assign import AssignDialog

        ids = [t for t, _ in targets]
        title = targets[0][1] if len(targets) == 1 else f"标记的 {len(targets)} 项任务"

        def done(v: dict[str, Any] | None) -> None:
            if v is None:
                return
            if len(ids) == 1 and not self.marked:
                self.app.write("assign", ids[0], v["unit"], role=v["role"], person=v["person"],
                               message=f"已指定：{v['unit']}")
            else:
                self.app.write("bulk_assign", ids, v["unit"], role=v["role"], person=v["person"], done=self._after_bulk,
                               message=lambda n: f"已给 {n} 项任务指定：{v['unit']}　Ctrl+Z 一次撤销")

        self.app.push_screen(AssignDialog(title), done)

    def action_deadline(self) -> None:
        targets = self._targets()
        if not targets:
            self._no_task()
            return
        from tui.dialogs.forms import deadline_dialog

        deadline_dialog(self.app, [t for t, _ in targets], done=self._after_bulk)

    def action_cancel_tasks(self) -> None:
        targets = self._targets()
        if not targets:
            self._no_task()
            return
        from tui.dialogs.base import ConfirmDialog

        ids = [t for t, _ in targets]
        what = f"「{cut(targets[0][1], 40)}」" if len(ids) == 1 else f"标记的 {len(ids)} 项任务"

        def confirmed(ok: bool | None) -> None:
            if ok:
                self.app.write("bulk_cancel", ids, done=self._after_bulk,
                               message=lambda n: f"已取消 {n} 项任务　Ctrl+Z 撤销")

        self.app.push_screen(ConfirmDialog(
            "取消任务", f"取消{what}？\n已取消的任务保留在台账和操作记录中，但不再列出、不计入统计"
            "（f 中选状态“已取消”可以看到，在任务页按 c 恢复）。", ok="取消任务", danger=True), confirmed)
