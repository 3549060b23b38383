"""Put a unit (and its responsible person) on a task, or change one that is there: search units
and members; picking a member takes the member's unit and name."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Input, Label, Select, Static

from tui import data
from tui.dialogs.base import Dialog
from tui.widgets.search import SearchList

ROLE_OPTIONS = [("牵头单位", "lead"), ("配合单位", "co")]


class AssignDialog(Dialog[dict[str, Any]]):
    """Returns {"unit", "role", "person"} — or None when cancelled."""

    WIDE = True
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "取消"),
        Binding("ctrl+s", "ok", "保存"),
    ]

    def __init__(self, task_content: str, existing: data.Assigned | None = None, role: str = "lead") -> None:
        super().__init__("修改分工" if existing else "指定单位和责任人")
        self.task_content = task_content
        self.existing = existing
        self.unit = existing.unit if existing else ""
        self.role = existing.role if existing else role

    def content(self) -> ComposeResult:
        from tui.text import cut

        yield Static("任务：" + cut(self.task_content, 60), id="intro", markup=False)
        with Horizontal(classes="row"):
            yield Label("单位", classes="label")
            yield Static(self.unit or "（在下面搜索选择）", id="unit-now", markup=False)
        yield SearchList(allow_new=True, placeholder=("换成另一个单位：" if self.existing else "") +
                         "输入单位或成员名称、拼音首字母（如 mzj），Enter 选定", id="assign-search")
        with Horizontal(classes="row"):
            yield Label("角色", classes="label")
            yield Select(ROLE_OPTIONS, value=self.role, allow_blank=False, id="role", compact=True)
        with Horizontal(classes="row"):
            yield Label("责任人", classes="label")
            yield Input(self.existing.person or "" if self.existing else "", placeholder="姓名，可不填",
                        id="person", compact=True)
        yield Static("", id="error", markup=False)

    def buttons(self) -> ComposeResult:
        from textual.widgets import Button

        yield Button("保存 (Ctrl+S)", variant="primary", id="ok")
        yield Button("取消 (Esc)", id="cancel")

    def on_mount(self) -> None:
        if self.existing:
            self.query_one("#person", Input).focus()
        else:
            self.query_one(SearchList).input.focus()
        group_id = self.app.group.id if self.app.group else None
        self.load(lambda conn: data.candidates(conn, group_id), self.query_one(SearchList).set_candidates)

    def on_search_list_picked(self, event: SearchList.Picked) -> None:
        c = event.candidate
        self.unit = c.unit or ""
        self.query_one("#unit-now", Static).update(self.unit)
        person = self.query_one("#person", Input)
        if c.kind in ("member", "person"):
            person.value = c.person or ""
        person.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "person":
            event.stop()
            self.action_ok()

    def action_ok(self) -> None:
        if not self.unit:
            self.query_one("#error", Static).update("请先在上面选定一个单位。")
            return
        self.dismiss({"unit": self.unit, "role": self.query_one("#role", Select).value,
                      "person": self.query_one("#person", Input).value.strip() or None})
