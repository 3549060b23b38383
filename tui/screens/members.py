"""成员 (3): the roster by role in the notice's official order; add, edit, reorder and 换人."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import DataTable, Input, Label

from tui import data
from tui.screens.base import AreaScreen
from tui.text import cut, day
from tui.widgets.search import FilterInput
from tui.widgets.table import Table


class MemberTable(Table):
    BINDINGS: ClassVar = [
        Binding("enter", "select_cursor", "修改", tooltip="修改选中成员的姓名、角色、单位、职务、电话"),
    ]


class MembersScreen(AreaScreen):
    AREA = "members"
    HELP = ("成员名单按通知中的顺序排列（组长、副组长、成员、联络员、办公室……）。\n"
            "r：换人。填写接任者，确认前列出将移交给接任者的未完成任务（以此人为责任人的）；"
            "原成员保留在历史中，h 可以显示或隐藏已被替换的成员。\n"
            "a：在选中的成员之后新增一人；[ ]：上移、下移一位；Del：删除误加的成员（先确认，Ctrl+Z 可撤销）。")
    BINDINGS: ClassVar = [
        Binding("slash", "search", "查找", tooltip="按姓名、单位、职务或拼音首字母查找"),
        Binding("a", "add", "新增", tooltip="在选中的成员之后新增一人"),
        Binding("r", "replace", "换人", tooltip="由接任者替换选中的成员，并移交其未完成的任务"),
        Binding("left_square_bracket", "move(-1)", "上移", key_display="[", tooltip="把选中的成员上移一位"),
        Binding("right_square_bracket", "move(1)", "下移", key_display="]", tooltip="把选中的成员下移一位"),
        Binding("h", "toggle_inactive", "已替换", show=False, tooltip="显示或隐藏已被替换的成员"),
        Binding("delete", "delete", "删除", show=False, tooltip="从名单中删除选中的成员（误加的；会先确认，可撤销）"),
        Binding("question_mark,f1", "app.help", "帮助", key_display="?", tooltip="本页的按键说明"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.include_inactive = False
        self.rows: list[data.MemberRow] = []
        self.inactive = 0
        self.unit_names: list[str] = []

    def body(self) -> ComposeResult:
        with Horizontal(id="mb-bar", classes="filter-bar"):
            yield Label("查找(/)", classes="filter-label")
            yield FilterInput(placeholder="姓名、单位、职务或拼音首字母", id="mb-search")
        yield MemberTable(id="mb-table")

    @property
    def table(self) -> MemberTable:
        return self.query_one("#mb-table", MemberTable)

    def on_mount(self) -> None:
        self.table.focus()

    def reload(self) -> None:
        group = self.app.group
        if group is None:
            self.rows = []
            self._refill()
            self.say("还没有领导小组：按 i 导入成员名单，或按 g 新建领导小组。")
            return
        include = self.include_inactive

        def fetch(conn):
            rows = data.members(conn, group.id, include_inactive=include)
            names = [c.unit for c in data.candidates(conn, group.id) if c.kind == "unit"]  # this group's first
            return rows, data.inactive_count(conn, group.id), names

        self.load(fetch, self._show, loading=self.table)

    def _show(self, found) -> None:
        self.rows, self.inactive, self.unit_names = found
        self._refill()

    def _refill(self) -> None:
        from models.search import initials

        table = self.table
        width = (table.size.width or self.app.size.width) - 2
        wide = width >= 110
        phones = any(m.phone for m in self.rows)
        from rich.cells import cell_len

        roles = max((cell_len(m.role) for m in self.rows), default=4)
        w = {"pos": 4, "role": max(4, min(roles, 12 if not wide else 16)), "name": 8, "title": 20 if not wide else 24,
             "phone": 13 if wide and phones else 0, "state": 20 if wide and self.inactive else 0}
        used = sum(w.values()) + 2 * (len([v for v in w.values() if v]) + 1)
        w["unit"] = max(10, width - used)
        columns = [("序号", "pos", w["pos"]), ("角色", "role", w["role"]), ("姓名", "name", w["name"]),
                   ("单位", "unit", w["unit"]), ("职务", "title", w["title"])]
        if w["phone"]:
            columns.append(("电话", "phone", w["phone"]))
        if w["state"]:
            columns.append(("接任", "state", w["state"]))
        keep = table.current_key
        table.set_columns(columns)
        terms = self.query_one("#mb-search", Input).value.lower().split()
        out = []
        last_role = None
        shown = 0
        number = 0  # the official order as numbered on screen: replaced members take no number
        for m in self.rows:
            number += 1 if m.active else 0
            if terms:
                words = [m.name, m.unit or "", m.title or "", m.role]
                hay = "|".join([*words, *(initials(x) for x in words)]).lower()
                if not all(t in hay for t in terms):
                    continue
            shown += 1
            style = "dim strike" if not m.active else ""
            role = Text(cut(m.role, w["role"]) if m.role != last_role else "", style="bold")  # 办公室常务… whole or with …
            last_role = m.role
            state = f"已由 {m.successor} 接任（{day(m.left_on)}）" if not m.active else ""
            cells = [str(number) if m.active else "", role, Text(m.name, style=style or "bold"), cut(m.unit, w["unit"]),
                     cut(m.title, w["title"])]
            if w["phone"]:
                cells.append(m.phone or "")
            if w["state"]:
                cells.append(Text(cut(state, w["state"]), style="dim"))
            elif not m.active:
                cells[4] = Text(cut(f"→ {m.successor}", w["title"]), style="dim")
            out.append((f"m:{m.id}", cells))
        if not out:
            message = "没有找到" if terms else "还没有成员——按 a 新增，或按 i 导入成员名单"
            out.append(("h:none", ["", "", "", Text(message, style="dim")] + [""] * (len(columns) - 4)))
        table.fill(out, keep=keep)
        hidden = f"　另有已替换 {self.inactive} 人（h 显示）" if self.inactive and not self.include_inactive else ""
        self.say(f"共 {shown} 人{hidden}　Enter 修改　a 新增　r 换人　[ ] 调整顺序")

    def on_table_resized(self, event: Table.Resized) -> None:
        if self.rows:
            self._refill()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "mb-search":
            self._refill()

    def action_search(self) -> None:
        self.query_one("#mb-search", Input).focus()

    def current(self) -> data.MemberRow | None:
        member_id = self.table.current_id("m")
        return next((m for m in self.rows if m.id == member_id), None)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        member = self.current()
        if member is None or self.app.group is None:
            return
        if not member.active:
            self.app.notify(f"{member.name} 已由 {member.successor} 接任，不再修改。", severity="warning")
            return
        from tui.dialogs.forms import member_dialog

        member_dialog(self.app, self.app.group.id, member, unit_names=self.unit_names)

    def action_add(self) -> None:
        if self.app.group is None:
            return
        from tui.dialogs.forms import member_dialog

        member = self.current()
        position = member.position + 1 if member else None
        member_dialog(self.app, self.app.group.id, None, position=position, unit_names=self.unit_names)

    def action_move(self, delta: int) -> None:
        member = self.current()
        if member is None:
            return
        index = self.rows.index(member) + delta
        if index < 0 or index >= len(self.rows):
            return
        self.app.write("move_member", member.id, self.rows[index].position, busy="正在调整顺序…")

    def action_toggle_inactive(self) -> None:
        self.include_inactive = not self.include_inactive
        self.reload()

    def action_replace(self) -> None:
        member = self.current()
        if member is None:
            return
        if not member.active:
            self.app.notify(f"{member.name} 已被替换。", severity="warning")
            return
        from tui.dialogs.replace import ReplaceDialog

        self.app.push_screen(ReplaceDialog(member, self.unit_names))

    def action_delete(self) -> None:
        member = self.current()
        if member is None:
            return
        from tui.dialogs.base import ConfirmDialog

        def confirmed(ok: bool | None) -> None:
            if ok:
                self.app.write("delete_member", member.id, message=f"已删除：{member.role} {member.name}　Ctrl+Z 撤销")

        self.app.push_screen(ConfirmDialog(
            "删除成员", f"从名单中删除{member.role} {member.name}（{member.unit or '无单位'}）？\n"
            "任务上写的责任人姓名不变。误删可按 Ctrl+Z 撤销。", ok="删除", danger=True), confirmed)
