"""The line on top (areas 1–4 and the group) and the status line above the footer."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Static

from tui.text import cut


class AreaBar(Widget):
    """` 1 总览 │ 2 任务 │ 3 成员 │ 4 单位 ` with the current area highlighted, the group on the right."""

    DEFAULT_CSS = """
    AreaBar { height: 1; background: $panel; }
    """

    def __init__(self, area: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.area = area

    def on_mount(self) -> None:
        self.watch(self.app, "group_name", lambda _: self.refresh(), init=False)

    def render(self) -> Text:
        from tui.app import AREAS

        text = Text()
        for name, (key, title) in AREAS.items():
            if name == self.area:
                text.append(f" {key} {title} ", style="bold reverse")
            else:
                text.append(f" {key} ", style="bold")
                text.append(f"{title} ", style="")
        group = getattr(self.app, "group_name", "") or ""
        room = self.size.width - cell_len(text.plain) - 2
        if group and room > 6:
            label = cut(group, room)
            text.append(" " * (room - cell_len(label) + 1))
            text.append(label, style="bold")
        return text


class StatusLine(Horizontal):
    """Left: what the screen says about itself (page, filter). Right: work going on."""

    DEFAULT_CSS = """
    StatusLine { height: 1; background: $boost; }
    StatusLine #info { width: 1fr; padding: 0 1; color: $text-muted; }
    StatusLine #busy { width: auto; padding: 0 1; color: $warning; text-style: bold; }
    """

    def compose(self) -> ComposeResult:
        yield Static("", id="info", markup=False)
        yield Static("", id="busy", markup=False)

    def on_mount(self) -> None:
        self.watch(self.app, "busy", self._busy)

    def _busy(self, text: str) -> None:
        self.query_one("#busy", Static).update(f"⏳ {text}" if text else "")

    def say(self, text: str) -> None:
        self.query_one("#info", Static).update(text)
