"""The password of a server ledger, asked once when libpq finds none (issue 18). The window keeps
it in memory only (``models.server_login``); it is never shown, saved or logged."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Input, Static

from tui.dialogs.base import Dialog


class PasswordDialog(Dialog[str | None]):
    """Returns the typed password, or None (Esc)."""

    TITLE_TEXT = "服务器密码"
    OK_LABEL = "登录"
    CANCEL_LABEL = "取消 (Esc)"

    def __init__(self, where: str, *, wrong: bool = False) -> None:
        super().__init__()
        self.where = where
        self.wrong = wrong

    def content(self) -> ComposeResult:
        if self.wrong:
            yield Static(Text("密码不对，请重新输入。", style="bold red"), id="message")
        yield Static(f"请输入登录{self.where}的密码。\n密码只保存在本窗口的内存中，不会写入任何文件；"
                     "以后不想再输入，可请管理员把它写入 ~/.pgpass。", markup=False)
        yield Input(password=True, id="password", placeholder="密码")

    def on_mount(self) -> None:
        self.query_one("#password", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_ok()

    def action_ok(self) -> None:
        value = self.query_one("#password", Input).value
        if value:
            self.dismiss(value)
