"""? / F1: the keys of where you are (the focused area), then the keys that work everywhere."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table as RichTable
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from tui.dialogs.base import Dialog

AREA_TITLES = {"OverviewScreen": "总览", "TasksScreen": "任务", "MembersScreen": "成员", "UnitsScreen": "单位",
               "TaskScreen": "任务详情", "ImportScreen": "导入", "HistoryScreen": "操作记录",
               "RoundsScreen": "报送", "AssessmentScreen": "考评"}

GENERAL = [
    ("1 2 3 4 5", "转到 总览、任务、成员、单位、报送"),
    ("↑ ↓", "在列表中移动"),
    ("Tab", "在输入框、表格、按钮之间移动"),
    ("Enter", "打开选中的一项（在对话框中：确定）"),
    ("Esc", "返回，或关闭对话框（不保存）"),
]


def _is_ours(binding: Binding) -> bool:
    return any(ord(ch) > 127 for ch in binding.description or "")


class HelpScreen(Dialog[None]):
    WIDE = True
    OK_LABEL = None
    CANCEL_LABEL = "关闭 (Esc)"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,f1,q", "cancel", "关闭"),
    ]

    def __init__(self, screen: Screen) -> None:
        self.target = screen
        self.area = AREA_TITLES.get(type(screen).__name__, "")
        super().__init__(f"帮助 — {self.area}" if self.area else "帮助")

    def content(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            text = getattr(self.target, "HELP", "")
            if text:
                yield Static(text, id="help-intro", markup=False)
            yield Static(self._keys(), id="help-keys")
        yield Static("", id="help-notice", markup=False)

    def _keys(self) -> RichTable:
        app = self.app
        local: dict[str, tuple[str, str]] = {}
        everywhere: dict[str, tuple[str, str]] = {}
        actives = sorted(self.target.active_bindings.items(), key=lambda kv: kv[1].node is not self.target)
        for key, active in actives:
            binding = active.binding
            if not _is_ours(binding):
                continue
            shown = app.get_key_display(binding)
            if binding.key == "question_mark" or binding.key == "f1":
                shown = "? 或 F1"
            entry = (binding.description, binding.tooltip or "")
            target = everywhere if active.node is app else local
            if binding.action in ("app.help", "help"):
                target = everywhere
            target.setdefault(shown, entry)
        for binding in app._bindings.key_to_bindings.get("ctrl+p", []):
            everywhere.setdefault("Ctrl+P", (binding.description, binding.tooltip or ""))
        everywhere.setdefault("Ctrl+Q", ("退出", ""))
        table = RichTable.grid(padding=(0, 2), expand=True)
        table.add_column(style="bold cyan", no_wrap=True)
        table.add_column(ratio=1)

        def row(key: str, what: str, more: str = "") -> None:
            text = Text(what)
            if more and more != what:
                text.append(f" — {more}", style="dim")
            table.add_row(key, text)

        if local:
            table.add_row(Text(f"本页（{self.area}）" if self.area else "本页", style="bold underline"), "")
            for key, (what, more) in local.items():
                row(key, what, more)
            table.add_row("", "")
        table.add_row(Text("所有页面", style="bold underline"), "")
        for key, what in GENERAL:
            row(key, what)
        for key, (what, more) in everywhere.items():
            if key in ("1", "2", "3", "4"):
                continue
            row(key, what, more)
        return table

    def on_mount(self) -> None:
        self.query_one("#help-body").focus()
        self.set_interval(0.25, self._show_notice)
        self._show_notice()

    def on_unmount(self) -> None:
        for rack in self.target.query("#textual-toastrack"):  # the screen's toasts are its own again
            rack.display = True

    # A toast of the screen beneath showed through around this dialog and lost characters: a
    # Chinese character (two cells) on the dialog's edge is cut in two and shown as spaces. While
    # the help is open that screen's toasts are hidden and the notices show in a line of the dialog
    # itself (a dialog has no toasts of its own); they come back when the help closes.
    DEFAULT_CSS = """
    HelpScreen #help-notice { height: auto; padding: 0 1; display: none; }
    """

    def _show_notice(self) -> None:
        for rack in self.target.query("#textual-toastrack"):
            rack.display = False
        for rack in self.query("#textual-toastrack"):
            if "show" not in rack.__dict__:
                rack.show = lambda *_: None  # type: ignore[method-assign]  # the line below instead
            rack.display = False
        live = [n for n in self.app._notifications if not n.has_expired]
        notice = self.query_one("#help-notice", Static)
        if not live:
            notice.display = False
            return
        latest = live[-1]
        style = {"error": "bold red", "warning": "bold yellow"}.get(latest.severity, "bold green")
        text = Text(f"{latest.title}：" if latest.title else "", style=style)
        text.append(latest.message, style="" if latest.severity == "information" else style)
        notice.update(text)
        notice.display = True
