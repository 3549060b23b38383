"""d in 单位: units that are probably one unit under two names (models.unit_names), offered for
merging — Enter opens the merge with its preview; nothing is merged without the user's confirmation."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from tui import data
from tui.dialogs.base import Dialog


class DuplicatesDialog(Dialog[None]):
    TITLE_TEXT = "疑似重复的单位"
    WIDE = True
    OK_LABEL = None
    CANCEL_LABEL = "关闭 (Esc)"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "关闭"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.pairs: list[data.SimilarPair] = []

    def content(self) -> ComposeResult:
        yield Static("正在查找名称相近的单位…", id="intro", markup=False)
        yield OptionList(id="pairs")

    def on_mount(self) -> None:
        group_id = self.app.group.id if self.app.group else None
        self.load(lambda conn: data.similar_units(conn, group_id), self._show)

    def _show(self, pairs: list[data.SimilarPair]) -> None:
        self.pairs = pairs
        options = self.query_one("#pairs", OptionList)
        options.clear_options()
        intro = self.query_one("#intro", Static)
        if not pairs:
            options.display = False
            intro.update("没有发现名称相近的单位。")
            return
        intro.update(f"以下 {len(pairs)} 对单位名称相近，可能是同一个单位（如改革后改名）。选中一对按 Enter 合并"
                     "（先预览将移动的内容，确认后才合并，可撤销）；不是同一个单位的不用理会。")
        for i, p in enumerate(pairs):
            label = Text()
            label.append(p.first, style="bold")
            label.append(f"（{p.first_uses} 处）", style="dim")
            label.append("  ⇄  ")
            label.append(p.second, style="bold")
            label.append(f"（{p.second_uses} 处）", style="dim")
            options.add_option(Option(label, id=str(i)))
        options.highlighted = 0
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        p = self.pairs[int(event.option.id or 0)]
        # the name used less goes into the one used more (Ctrl+R in the merge turns it round)
        if p.first_uses > p.second_uses:
            gone, keep = (p.second_id, p.second), (p.first_id, p.first)
        else:
            gone, keep = (p.first_id, p.first), (p.second_id, p.second)
        from tui.dialogs.merge import MergeDialog

        self.dismiss(None)
        self.app.push_screen(MergeDialog(*gone, keep=keep))
