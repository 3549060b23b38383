"""The picker: search units and members (by name or pinyin initials) and take one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from tui import data
from tui.dialogs.base import Dialog
from tui.widgets.search import SearchList


@dataclass
class Pick:
    kind: str  # unit, member, new
    unit: str | None
    unit_id: int | None
    person: str | None


class PickerDialog(Dialog[Pick]):
    """Type to search; ↑/↓ move; Enter takes the highlighted line; Esc cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "取消")]
    OK_LABEL = None

    def __init__(self, title: str, *, kinds: tuple[str, ...] = ("member", "person", "unit"), allow_new: bool = False,
                 need_id: bool = False, intro: str = "", exclude_unit: int | None = None) -> None:
        super().__init__(title)
        self.kinds = kinds
        self.allow_new = allow_new
        self.need_id = need_id
        self.intro = intro
        self.exclude_unit = exclude_unit

    def content(self) -> ComposeResult:
        what = "单位或成员" if "member" in self.kinds else "单位"
        yield Static(self.intro or f"输入{what}名称的一部分或拼音首字母（如 mzj 找到“民政局”），↑↓ 选择，Enter 确定。",
                     id="intro", markup=False)
        yield SearchList(kinds=self.kinds, allow_new=self.allow_new, id="picker")

    def on_mount(self) -> None:
        self.query_one(SearchList).input.focus()
        group_id = self.app.group.id if self.app.group else None
        exclude = self.exclude_unit

        def fetch(conn):
            found = data.candidates(conn, group_id)
            return [c for c in found if not (c.kind == "unit" and c.unit_id == exclude)]

        self.load(fetch, self.query_one(SearchList).set_candidates)

    def on_search_list_picked(self, event: SearchList.Picked) -> None:
        c = event.candidate
        self.dismiss(Pick(c.kind, c.unit, c.unit_id, c.person))
