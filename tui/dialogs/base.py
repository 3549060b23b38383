"""Typed modal dialogs: a confirm dialog (ModalScreen[bool]) and a small form dialog
(ModalScreen[dict | None]) that the edit dialogs are built from. Esc cancels everywhere; Enter
in a one-line field, ctrl+s anywhere, or the 确定 button confirms."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Generic, TypeVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Footer, Input, Label, Select, Static, TextArea

from tui.screens.base import Loads
from tui.widgets import chinese  # noqa: F401 - the Select's list says 收起列表, not Dismiss menu

T = TypeVar("T")


class Dialog(Loads, ModalScreen[T], Generic[T]):
    CSS_PATH = str(Path(__file__).with_name("dialogs.tcss"))
    """A box in the middle of the screen with a title, content and buttons at the bottom."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "取消", tooltip="关闭，不保存"),
    ]
    TITLE_TEXT: ClassVar[str] = ""
    OK_LABEL: ClassVar[str | None] = "确定"
    CANCEL_LABEL: ClassVar[str] = "取消"
    WIDE: ClassVar[bool] = False
    HELP: ClassVar[str] = ""

    def __init__(self, title: str | None = None) -> None:
        super().__init__()
        self.title_text = title or self.TITLE_TEXT

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="-wide" if self.WIDE else "") as box:
            box.border_title = self.title_text
            yield from self.content()
            with Horizontal(id="buttons"):
                yield from self.buttons()
        yield Footer(compact=True)

    def content(self) -> Iterable[Widget]:
        return ()

    def buttons(self) -> Iterable[Widget]:
        if self.OK_LABEL:
            yield Button(self.OK_LABEL, variant="primary", id="ok")
        yield Button(self.CANCEL_LABEL, id="cancel")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "ok":
            self.action_ok()
        elif event.button.id == "cancel":
            self.action_cancel()
        else:
            self.button(event.button.id or "")

    def button(self, button_id: str) -> None:
        pass

    def action_ok(self) -> None:
        self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmDialog(Dialog[bool]):
    """Ask before a change that cannot be taken back by simply doing it again."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,n", "cancel", "取消"),
        Binding("y", "ok", "确定"),
    ]

    def __init__(self, title: str, message: str | Text, *, ok: str = "确定", details: Sequence[str] = (),
                 danger: bool = False) -> None:
        super().__init__(title)
        self.message = message
        self.details = list(details)
        self.ok_label = ok
        self.danger = danger

    def content(self) -> ComposeResult:
        yield Static(self.message, id="message")
        if self.details:
            with VerticalScroll(id="details"):
                yield Static("\n".join(self.details), markup=False)

    def buttons(self) -> ComposeResult:
        yield Button(f"{self.ok_label} (Y)", variant="error" if self.danger else "primary", id="ok")
        yield Button("取消 (Esc)", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#ok", Button).focus()

    def action_ok(self) -> None:
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)


@dataclass
class Field:
    name: str
    label: str
    value: Any = ""
    kind: str = "input"  # input, text (several lines), select
    options: Sequence[tuple[str, Any]] = ()
    placeholder: str = ""
    hint: str = ""
    height: int = 4
    suggestions: Sequence[str] = field(default_factory=tuple)


class FormDialog(Dialog[dict[str, Any]]):
    """A few labelled fields; returns {name: value} (strings stripped; selects their value) or None.
    ``check(values)`` may return an error message that keeps the dialog open."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "取消"),
        Binding("ctrl+s", "ok", "保存", tooltip="保存并关闭（也可 Tab 到“确定”按 Enter）"),
    ]

    def __init__(self, title: str, fields: Sequence[Field], *, intro: str | Text = "",
                 check: Callable[[dict[str, Any]], str | None] | None = None, ok: str = "确定") -> None:
        super().__init__(title)
        self.fields = list(fields)
        self.intro = intro
        self.check = check
        self.ok_label = ok

    def content(self) -> ComposeResult:
        if self.intro:
            yield Static(self.intro, id="intro")
        with VerticalScroll(id="form"):
            for f in self.fields:
                with Horizontal(classes="row" + (" -tall" if f.kind == "text" else "")):
                    yield Label(f.label, classes="label")
                    yield self._widget(f)
                if f.hint:
                    yield Static(f.hint, classes="hint", id=f"hint-{f.name}", markup=False)
        yield Static("", id="error", markup=False)

    def buttons(self) -> ComposeResult:
        yield Button(f"{self.ok_label} (Ctrl+S)", variant="primary", id="ok")
        yield Button("取消 (Esc)", id="cancel")

    def _widget(self, f: Field) -> Widget:
        if f.kind == "text":
            area = TextArea(str(f.value or ""), id=f"f-{f.name}", soft_wrap=True, tab_behavior="focus",
                            show_line_numbers=False)
            area.styles.height = f.height
            return area
        if f.kind == "select":
            return Select([(label, value) for label, value in f.options], value=f.value, allow_blank=False,
                          id=f"f-{f.name}", compact=True)
        suggester = None
        if f.suggestions:
            from textual.suggester import SuggestFromList

            suggester = SuggestFromList(list(f.suggestions), case_sensitive=True)
        return Input(str(f.value or ""), placeholder=f.placeholder, id=f"f-{f.name}", compact=True,
                     suggester=suggester)

    def on_mount(self) -> None:
        first = self.query("#form Input, #form TextArea, #form Select").first()
        first.focus()
        self.call_after_refresh(self._fit)

    def on_resize(self) -> None:
        self.call_after_refresh(self._fit)

    FORM_MAX = 24

    def _fit(self) -> None:
        """Keep the buttons on the screen (80×24): the fields scroll in what is left of the height
        after the border, the intro, the error line, the buttons and the footer."""
        intros = self.query("#intro")
        intro = intros.first().outer_size.height + 1 if intros else 0
        room = self.size.height - 1 - 2 - intro - 1 - 3
        form = self.query_one("#form")
        form.styles.max_height = max(3, min(self.FORM_MAX, room))
        focused = self.focused
        if focused is not None:
            focused.scroll_visible(animate=False)

    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in self.fields:
            widget = self.query_one(f"#f-{f.name}")
            if isinstance(widget, TextArea):
                out[f.name] = widget.text.strip()
            elif isinstance(widget, Select):
                out[f.name] = widget.value
            else:
                out[f.name] = widget.value.strip()
        return out

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_ok()

    def action_ok(self) -> None:
        values = self.values()
        problem = self.check(values) if self.check else None
        if problem:
            self.query_one("#error", Static).update(Text(problem, style="bold red"))
            return
        self.dismiss(values)
