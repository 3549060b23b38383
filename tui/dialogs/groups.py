"""g: choose the group to work on, or start a new one."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from tui.data import GroupInfo
from tui.dialogs.base import Dialog

NEW = "new"


class GroupDialog(Dialog[GroupInfo | str]):
    TITLE_TEXT = "切换领导小组"
    OK_LABEL = None
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "取消"),
        Binding("n", "new", "新建领导小组"),
        Binding("e", "edit", "修改", tooltip="修改选中领导小组的名称、文号、办公室所在单位"),
        Binding("delete", "delete", "删除", tooltip="删除选中的空领导小组（没有任务、成员和职责的）"),
    ]

    def __init__(self, groups: list[GroupInfo], current: GroupInfo | None) -> None:
        super().__init__()
        self.groups = groups
        self.current = current

    def content(self) -> ComposeResult:
        yield Static("↑↓ 选择，Enter 切换；n 新建，e 修改名称、文号、办公室所在单位，Del 删除空的领导小组。", id="intro")
        options = []
        for g in self.groups:
            label = Text(g.name, style="bold" if self.current and g.id == self.current.id else "")
            if self.current and g.id == self.current.id:
                label.append("（当前）", style="dim")
            if g.doc_number:
                label.append(f"  {g.doc_number}", style="dim")
            options.append(Option(label, id=str(g.id)))
        options.append(Option(Text("＋ 新建领导小组…", style="bold green"), id=NEW))
        yield OptionList(*options, id="groups")

    def on_mount(self) -> None:
        groups = self.query_one("#groups", OptionList)
        groups.focus()
        if self.current is not None:
            index = next((i for i, g in enumerate(self.groups) if g.id == self.current.id), 0)
            groups.highlighted = index

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id == NEW:
            self.dismiss(NEW)
            return
        self.dismiss(next(g for g in self.groups if str(g.id) == event.option.id))

    def action_new(self) -> None:
        self.dismiss(NEW)

    def highlighted(self) -> GroupInfo | None:
        index = self.query_one("#groups", OptionList).highlighted
        return self.groups[index] if index is not None and index < len(self.groups) else None

    def action_edit(self) -> None:
        group = self.highlighted()
        if group is not None:
            from tui.dialogs.forms import edit_group_dialog

            self.dismiss(None)
            edit_group_dialog(self.app, group)

    def action_delete(self) -> None:
        group = self.highlighted()
        if group is None:
            return
        from tui.dialogs.base import ConfirmDialog

        app = self.app

        def confirmed(ok: bool | None) -> None:
            if ok:
                app.write("delete_group", group.id, message=f"已删除领导小组：{group.name}　Ctrl+Z 撤销",
                          done=lambda _: app.reload_groups(), reload=False)

        self.dismiss(None)
        app.push_screen(ConfirmDialog("删除领导小组", f"删除领导小组「{group.name}」？只能删除没有任务、成员和职责的领导小组。",
                                      ok="删除", danger=True), confirmed)
