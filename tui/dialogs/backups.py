"""b: the backups of the ledger, newest first — restore one (after a confirmation; the current
state is backed up first), or make one now. Also what a damaged file opens on: the problem in red
above the same list."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Button, OptionList, Static
from textual.widgets.option_list import Option

from tui.dialogs.base import ConfirmDialog, Dialog


def restored_text(done: Any) -> str:
    """What a restore did, in a sentence or two (``done`` is a ``models.backup.Restored``)."""
    from models.backup import BackupInfo

    source = done.source
    what = (f"已从 {source.time:%Y-%m-%d %H:%M:%S} 的备份（{source.reason_text}）恢复。"
            if isinstance(source, BackupInfo) else f"已从「{source.name}」恢复。")
    if done.saved is not None:
        what += f"恢复前的数据已备份为 {done.saved.name}。"
    if done.damaged_copy is not None:
        what += f"损坏的文件已原样另存为 {done.damaged_copy.name}。"
    return what


class BackupsDialog(Dialog[None]):
    TITLE_TEXT = "备份与恢复"
    OK_LABEL = None
    WIDE = True
    HELP = ("数据库旁的 backups 文件夹中保存最近 30 份备份：每天第一次打开时、每次导入前、升级前、恢复前自动备份，"
            "也可以按 n 立即备份。\n选中一份按 Enter 恢复：确认后，现在的数据先备份一份，再换成所选备份中的数据。")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "关闭"),
        Binding("n", "backup_now", "立即备份"),
    ]

    def __init__(self, problem: str | None = None) -> None:
        super().__init__()
        self.problem = problem
        self.backups: list[Any] = []

    def content(self) -> ComposeResult:
        if self.problem:
            yield Static(Text(self.problem, style="bold red"), id="message")
        yield Static("", id="intro", markup=False)
        yield OptionList(id="backups")

    def buttons(self) -> ComposeResult:
        yield Button("恢复 (Enter)", variant="error" if self.problem else "primary", id="restore")
        if not self.problem:
            yield Button("立即备份 (N)", id="now")
        yield Button("关闭 (Esc)", id="cancel")

    def on_mount(self) -> None:
        self.fill()
        self.query_one("#backups", OptionList).focus()

    def fill(self) -> None:
        from models.backup import backup_dir, list_backups

        app = self.app
        self.backups = list_backups(app.db_path)
        options = self.query_one("#backups", OptionList)
        options.clear_options()
        for i, info in enumerate(self.backups):
            label = Text(f"{info.time:%Y-%m-%d %H:%M:%S}", style="bold")
            label.append(f"　{info.reason_text}　{_size(info.size)}")
            if i == 0:
                label.append("（最新）", style="dim")
            options.add_option(Option(label, id=str(i)))
        intro = self.query_one("#intro", Static)
        restore = self.query_one("#restore", Button)
        restore.disabled = not self.backups
        if not self.backups:
            options.display = False
            intro.update(f"还没有备份（备份文件夹：{backup_dir(app.db_path).resolve()}）。"
                         + ("" if self.problem else "按 n 立即备份。"))
            return
        options.display = True
        options.highlighted = 0
        intro.update(f"最近的在最上面（共 {len(self.backups)} 份，在 {backup_dir(app.db_path).resolve()}）。"
                     "↑↓ 选择，Enter 恢复" + ("" if self.problem else "，n 立即备份") + "。")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.ask(self.backups[int(event.option.id or 0)])

    def button(self, button_id: str) -> None:
        if button_id == "restore":
            index = self.query_one("#backups", OptionList).highlighted
            if index is not None and self.backups:
                self.ask(self.backups[index])
        elif button_id == "now":
            self.action_backup_now()

    def ask(self, info: Any) -> None:
        when = f"{info.time:%Y-%m-%d %H:%M:%S}"
        if self.problem:
            message = (f"用 {when} 的备份（{info.reason_text}）替换现在的数据库文件？\n"
                       "现在的文件会原样另存到 backups 文件夹，不会丢掉。")
        else:
            message = (f"用 {when} 的备份（{info.reason_text}）替换现在的全部数据？\n"
                       "恢复前会先把现在的数据备份一份，需要时可以再恢复回来。")

        def answered(yes: bool | None) -> None:
            if yes:
                self.dismiss(None)
                self.app.restore_backup(info.path)

        self.app.push_screen(ConfirmDialog("恢复备份", message, ok="恢复", danger=True), answered)

    def action_backup_now(self) -> None:
        if self.problem:
            self.notify("数据库文件不能使用，不能备份；请选择一份备份恢复。", severity="warning")
            return
        self.app.backup_now(then=self._made)

    def _made(self) -> None:
        if self.is_mounted:
            self.fill()


def _size(size: int) -> str:
    from models.backup import human_size

    return human_size(size)
