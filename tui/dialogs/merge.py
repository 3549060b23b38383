"""合并单位: choose the unit to keep, see what moves, confirm. The merged unit's name becomes an
alias of the kept one, so older tables that use it still match."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Button, Static

from tui import data
from tui.dialogs.base import Dialog
from tui.widgets.search import SearchList


class MergeDialog(Dialog[bool]):
    WIDE = True
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "取消"),
        Binding("ctrl+s", "ok", "确认合并"),
        Binding("ctrl+r", "swap", "对调", tooltip="反过来：保留选中的单位，把另一个并入它"),
    ]

    def __init__(self, unit_id: int, name: str, keep: tuple[int, str] | None = None) -> None:
        super().__init__(f"合并单位：{name}")
        self.gone = (unit_id, name)
        self.keep: tuple[int, str] | None = keep  # given: a suggested pair, shown at once
        self.preview: data.MergePreview | None = None

    def content(self) -> ComposeResult:
        yield Static(f"把「{self.gone[1]}」并入哪个单位？输入名称或拼音首字母，Enter 选定。", id="intro", markup=False)
        yield SearchList(kinds=("unit",), id="merge-search")
        yield Static("", id="preview")

    def buttons(self) -> ComposeResult:
        yield Button("确认合并 (Ctrl+S)", variant="error", id="ok", disabled=True)
        yield Button("对调 (Ctrl+R)", id="swap", disabled=True)
        yield Button("取消 (Esc)", id="cancel")

    def on_mount(self) -> None:
        self.query_one(SearchList).input.focus()
        gone = self.gone[0]
        group_id = self.app.group.id if self.app.group else None  # this group's units first
        self.load(lambda conn: [c for c in data.candidates(conn, group_id) if c.kind == "unit" and c.unit_id != gone],
                  self.query_one(SearchList).set_candidates)
        if self.keep is not None:
            self._preview()

    def on_search_list_picked(self, event: SearchList.Picked) -> None:
        c = event.candidate
        if c.unit_id is None:
            return
        self.keep = (c.unit_id, c.unit or "")
        self._preview()

    def _preview(self) -> None:
        if self.keep is None:
            return
        gone, keep = self.gone[0], self.keep[0]
        self.load(lambda conn: data.merge_preview(conn, gone, keep), self._show, group="preview")

    def _show(self, p: data.MergePreview) -> None:
        self.preview = p
        t = Text()
        t.append("合并后：", style="bold")
        t.append(f"「{p.gone}」", style="bold red")
        t.append("并入")
        t.append(f"「{p.keep}」", style="bold green")
        t.append("，并成为它的别名。将移动：\n")
        t.append(f"· 牵头 {p.lead} 项、配合 {p.co} 项任务分工")
        if p.shared:
            t.append(f"（其中 {p.shared} 项两个单位都在，合为一条）")
        t.append(f"\n· 成员 {p.members} 人　· 工作职责 {p.duties} 条　· 进展记录 {p.progress} 条\n")
        if p.aliases:
            t.append("· 别名：" + "、".join(p.aliases) + "\n")
        if p.groups:
            t.append("· 涉及领导小组：" + "、".join(p.groups) + "\n")
        t.append("可以用 Ctrl+Z 撤销。", style="dim")
        self.query_one("#preview", Static).update(t)
        self.query_one("#ok", Button).disabled = False
        self.query_one("#swap", Button).disabled = False
        self.query_one("#ok", Button).focus()

    def button(self, button_id: str) -> None:
        if button_id == "swap":
            self.action_swap()

    def action_swap(self) -> None:
        if self.keep is None:
            return
        self.gone, self.keep = self.keep, self.gone
        self._preview()

    def action_ok(self) -> None:
        if self.keep is None or self.preview is None:
            return
        gone, keep = self.gone, self.keep
        self.app.write("merge_units", keep[0], gone[0], busy="正在合并…",
                       message=f"已合并：{gone[1]} 并入 {keep[1]}")
        self.dismiss(True)
