"""换人: a successor takes a member's place; before confirming, the open tasks that will move to
the successor are listed (``operations.member_open_tasks``)."""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Input, Label, Static

from tui import data
from tui.dialogs.base import Dialog
from tui.text import cut


class ReplaceDialog(Dialog[bool]):
    WIDE = True
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "取消"),
        Binding("ctrl+s", "ok", "确认换人"),
    ]

    def __init__(self, member: data.MemberRow, unit_names: list[str]) -> None:
        super().__init__(f"换人：{member.role} {member.name}")
        self.member = member
        self.unit_names = unit_names

    def content(self) -> ComposeResult:
        from textual.suggester import SuggestFromList

        m = self.member
        yield Static(Text.assemble(("原成员：", "dim"), (m.name, "bold"), f"　{m.unit or ''}　{m.title or ''}"),
                     id="intro")
        for name, label, value, hint in (("successor", "接任者", "", "姓名"),
                                          ("unit", "单位", m.unit or "", "接任者的单位"),
                                          ("title", "职务", m.title or "", "接任者的职务"),
                                          ("on", "日期", self._today().isoformat(), "年-月-日")):
            with Horizontal(classes="row"):
                yield Label(label, classes="label")
                yield Input(value, placeholder=hint, id=f"f-{name}", compact=True,
                            suggester=SuggestFromList(self.unit_names) if name == "unit" else None)
        yield Label("将移交给接任者的未完成任务：", classes="section", id="moving-title")
        with VerticalScroll(id="details"):
            yield Static("正在查找…", id="moving", markup=False)
        yield Static("", id="error", markup=False)

    def buttons(self) -> ComposeResult:
        yield Button("确认换人 (Ctrl+S)", variant="warning", id="ok")
        yield Button("取消 (Esc)", id="cancel")

    @staticmethod
    def _today() -> date:
        from models.clock import today

        return today()

    def on_mount(self) -> None:
        self.query_one("#f-successor", Input).focus()
        self._find_tasks()

    @work(thread=True, exclusive=True, exit_on_error=False)
    def _find_tasks(self) -> None:
        from models import operations as ops

        try:
            tasks = ops.member_open_tasks(self.app.orm(), self.member.id)
            lines = [(t.number or "", t.content) for t in tasks]
        except Exception as exc:  # noqa: BLE001
            self.app.call_from_thread(self.query_one("#moving", Static).update, f"无法列出：{exc}")
            return
        self.app.call_from_thread(self._show_tasks, lines)

    def _show_tasks(self, lines: list[tuple[str, str]]) -> None:
        self.moving = lines
        self.query_one("#moving-title", Label).update(
            f"将移交给接任者的未完成任务（{len(lines)} 项，责任人为「{self.member.name}」的）：")
        text = "\n".join(f"· {(n + ' ') if n else ''}{cut(c, 70)}" for n, c in lines) or \
            f"（没有：「{self.member.name}」不是任何未完成任务的责任人）"
        self.query_one("#moving", Static).update(text)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_ok()

    def action_ok(self) -> None:
        value = {name: self.query_one(f"#f-{name}", Input).value.strip() for name in ("successor", "unit", "title", "on")}
        error = self.query_one("#error", Static)
        if not value["successor"]:
            error.update(Text("请填写接任者姓名。", style="bold red"))
            self.query_one("#f-successor", Input).focus()
            return
        from tui.dialogs.forms import parse_day

        on = parse_day(value["on"]) if value["on"] else None
        if value["on"] and on is None:
            error.update(Text("日期应写成 年-月-日（或 2026/12/20、2026年12月20日）。", style="bold red"))
            return
        m = self.member
        self.app.write("replace_member", m.id, value["successor"], unit=value["unit"] or None,
                       title=value["title"] or None, on=on, busy="正在换人…",
                       message=lambda _: f"已换人：{m.name} → {value['successor']}")
        self.dismiss(True)
