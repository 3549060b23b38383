"""The window on a server ledger (issue 18): the password asked for once, others' changes heard
(LISTEN, ``models.server_listen``), a lost connection said once and made again, and backups as
snapshot files. ``tui.app`` calls these only when its ledger is a ``postgresql://`` URL."""

from __future__ import annotations

import threading
from functools import partial
from typing import Any, Callable

RESTORE_REFUSED = ("服务器上的台账不能在窗口中从备份恢复。需要时请在命令行用 "
                   "taizhang copy 备份文件 服务器地址 --replace（会替换服务器上现有的全部数据），或请服务器管理员恢复。")


def _on_ui(app: Any, fn: Callable[..., Any], *args: Any) -> None:
    if threading.get_ident() == app._thread_id:
        fn(*args)
        return
    try:
        app.call_from_thread(fn, *args)
    except RuntimeError:  # the window has closed (a read that lost the server as it closed): nothing to say
        if app.is_running:
            raise


# ---------------------------------------------------------------- the password


def ask_password_first(app: Any) -> bool:
    """In the opening worker: True when the server wants a password libpq has not got (or refused
    the one given); the window then asks for it and opens again."""
    from models.server_login import WRONG, login_problem

    problem, _exc = login_problem(app.db_path)
    if problem is None:
        return False
    _on_ui(app, _ask, app, problem == WRONG)
    return True


def _ask(app: Any, wrong: bool) -> None:
    from models.db_url import describe
    from models.server_login import remember
    from tui.dialogs.password import PasswordDialog

    app.set_busy_text("")

    def answered(password: str | None) -> None:
        if password:
            remember(app.db_path, password)
            app.set_busy_text("正在连接服务器…")
            app._open()
        else:
            app._failed(f"没有输入密码，没有打开{describe(app.db_path)}。按 Ctrl+Q 退出，再打开时重新输入。")

    app.push_screen(PasswordDialog(describe(app.db_path), wrong=wrong), answered)


# ---------------------------------------------------------------- others' changes, a lost connection


def watch_server(app: Any, reader: Any) -> None:
    """Hear others' changes and the connection's loss and return, for the window's life."""
    app.server_lost = False
    reader.on_lost = lambda text: _on_ui(app, _lost, app, text)
    reader.on_back = lambda: _on_ui(app, _back, app)
    app.run_worker(partial(_listen, app), thread=True, group="listen", exclusive=True, exit_on_error=False)


def _listen(app: Any) -> None:
    from textual.worker import get_current_worker

    from models.server_listen import listen
    from tui.server_reading import lost_text

    worker = get_current_worker()

    def tell(fn: Callable[..., Any], *args: Any) -> None:
        try:
            app.call_from_thread(fn, *args)
        except RuntimeError:  # the window is closing
            pass

    def heard(writers: set[str]) -> None:
        if elsewhere(app, writers):  # our own writes refresh by themselves
            tell(app.reload_groups)

    listen(app.db_path, heard, lambda: worker.is_cancelled or not app.is_running,
           lost=lambda: tell(_lost, app, lost_text(app.db_path)), back=lambda: tell(_back, app))


def elsewhere(app: Any, writers: set[str]) -> bool:
    """Whether changes announced by ``writers`` (``models.writer_tag``) include someone else's: not
    only this window's own, which it shows by itself (an operation, an import from the window)."""
    return bool(writers - {app.writer_tag})


def _lost(app: Any, text: str) -> None:
    if getattr(app, "server_lost", False) or not app.is_running:  # nothing to say once the window closes
        return
    app.server_lost = True
    app.sub_title = f"{app.group_name or app.ledger_label}（与服务器的连接断开，只读）"
    app.lost_token = app.busy_start("与服务器的连接断开（只读）")  # on the status line until it is back
    app.notify(text, title="连接断开", severity="warning", timeout=10)


def _back(app: Any) -> None:
    if not getattr(app, "server_lost", False) or not app.is_running:
        return
    app.server_lost = False
    app.sub_title = app.group_name or app.ledger_label
    app.busy_end(getattr(app, "lost_token", 0))
    app.notify("已重新连接服务器，窗口中是最新的内容。", title="已重新连接")
    app.reload_groups()


# ---------------------------------------------------------------- backups


def offer_snapshot(app: Any) -> None:
    """b on a server ledger: a snapshot file of it now (after a confirmation); restoring is refused."""
    from taizhang.copy_cli import server_backup_dir
    from tui.dialogs.base import ConfirmDialog

    message = (f"服务器上的台账由服务器备份；这里可以把它现在的全部数据另存为一个台账文件（在 {server_backup_dir()}），"
               "这个文件可以直接用 taizhang --db 打开。\n" + RESTORE_REFUSED)
    app.push_screen(ConfirmDialog("备份服务器上的台账", message, ok="立即备份"),
                    lambda yes: app.backup_now() if yes else None)


def snapshot(target: str) -> str:
    """The server ledger ``target`` copied into a new ledger file in the server-backups folder."""
    from models.errors import DatabaseError
    from models.ledger_copy import copy_ledger
    from taizhang.copy_cli import server_backup_dir, snapshot_path

    try:
        path = snapshot_path(target)
        copy_ledger(target, str(path))
    except OSError as exc:
        raise DatabaseError(f"没有备份：无法写入备份文件夹「{server_backup_dir()}」（{exc.strerror or exc}）。") from None
    return f"已另存为台账文件：{path}"


def check_server(target: str) -> None:
    """Before the window opens: a server that cannot be reached is said on the command line
    (``BadInput``); a missing or refused password is left to the window, which asks for it."""
    from models.errors import DatabaseError
    from models.server_conn import connect
    from models.server_login import login_problem
    from taizhang.cli import BadInput

    problem, exc = login_problem(target)
    if problem is not None:
        return
    try:  # the plain connection's check (SQLAlchemy only loaded to make, upgrade or refuse a schema)
        connect(target).close()
    except DatabaseError as err:
        raise BadInput(str(err)) from None
