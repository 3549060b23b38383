"""Inputs that lead back to a list: the live filter of a list screen, and the search box with a
list of units and members under it that the pickers are made of."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

from tui.data import Candidate, match


class FilterInput(Input):
    """The `/` box of a list: typing filters live; enter or down goes back to the list (to the
    first match); escape clears the text and goes back."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down", "to_list", "回到列表", show=False),
        Binding("escape", "clear_or_leave", "清除", show=False),
    ]

    class Leave(Message):
        """Go back to the list."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("compact", True)
        super().__init__(**kwargs)

    def action_to_list(self) -> None:
        self.post_message(self.Leave())

    def action_clear_or_leave(self) -> None:
        """Esc: clear the text and go back to the list at once (keys pressed next act on the list,
        not in this box)."""
        if self.value:
            self.value = ""
        self.post_message(self.Leave())

    async def action_submit(self) -> None:
        await super().action_submit()
        self.post_message(self.Leave())


def describe(c: Candidate, label: bool = True) -> Text:
    text = Text()
    if c.kind == "member":
        text.append("成员 ", style="bold cyan")
        text.append(c.person or "", style="bold")
        text.append(f"（{c.detail}）" if c.detail else "")
        if c.unit:
            text.append(f"  {c.unit}")
        if c.title:
            text.append(f"  {c.title}", style="dim")
    elif c.kind == "person":
        text.append("责任人 ", style="bold cyan")
        text.append(c.person or "", style="bold")
        if c.unit:
            text.append(f"  {c.unit}")
    elif c.kind == "all":
        text.append(c.detail or "（全部）", style="bold")
    elif c.kind == "new":
        text.append("新单位 ", style="bold yellow")
        text.append(c.unit or "", style="bold")
        text.append("  （按 Enter 新建这个单位）", style="dim")
    else:
        if label:
            text.append("单位 ", style="bold green")
        text.append(c.unit or "")
        if c.detail:
            text.append(f"  {c.detail}", style="dim")
    return text


class SearchList(Vertical):
    """A search box over a list of units (and members): type part of a name or its pinyin
    initials (mzj → 民政局); enter takes the highlighted line (the first match)."""

    DEFAULT_CSS = """
    SearchList { height: auto; }
    SearchList > Input { margin: 0 0 0 0; }
    SearchList > OptionList { height: 8; border: none; padding: 0; }
    """

    class Picked(Message):
        def __init__(self, search: SearchList, candidate: Candidate) -> None:
            super().__init__()
            self.search = search
            self.candidate = candidate

        @property
        def control(self) -> SearchList:
            return self.search

    def __init__(self, *, placeholder: str = "输入名称或拼音首字母", kinds: tuple[str, ...] = ("member", "person", "unit"),
                 allow_new: bool = False, value: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._placeholder = placeholder
        self.kinds = kinds
        self.allow_new = allow_new
        self._all: list[Candidate] = []
        self._shown: list[Candidate] = []
        self._value = value

    def compose(self) -> ComposeResult:
        yield _SearchBox(placeholder=self._placeholder, value=self._value, compact=True)
        yield OptionList()

    @property
    def input(self) -> Input:
        return self.query_one(_SearchBox)

    @property
    def options(self) -> OptionList:
        return self.query_one(OptionList)

    def set_candidates(self, candidates: list[Candidate]) -> None:
        self._all = [c for c in candidates if c.kind in self.kinds or c.kind == "all"]
        self._refilter(self.input.value)

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._refilter(event.value)

    def _refilter(self, text: str) -> None:
        shown = match(self._all, text)
        typed = " ".join(text.split())
        if self.allow_new and typed and not any(c.kind == "unit" and c.unit == typed for c in shown) \
                and not typed.isascii():
            shown.append(Candidate("new", typed, None, None, typed))
        self._shown = shown
        options = self.options
        options.clear_options()
        label = "member" in self.kinds
        options.add_options([Option(describe(c, label)) for c in shown])
        if shown:
            options.highlighted = 0

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.pick_highlighted()

    def pick_highlighted(self) -> bool:
        index = self.options.highlighted
        if index is None or index >= len(self._shown):
            return False
        self.post_message(self.Picked(self, self._shown[index]))
        return True

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option_index < len(self._shown):
            self.post_message(self.Picked(self, self._shown[event.option_index]))


class _SearchBox(Input):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down", "down", "下移", show=False),
        Binding("up", "up", "上移", show=False),
    ]

    def _move(self, delta: int) -> None:
        options = self.parent.query_one(OptionList)  # type: ignore[union-attr]
        if options.option_count:
            current = options.highlighted if options.highlighted is not None else -1
            options.highlighted = max(0, min(options.option_count - 1, current + delta))

    def action_down(self) -> None:
        self._move(1)

    def action_up(self) -> None:
        self._move(-1)
