"""The App: four areas (总览 任务 成员 单位) as modes, global keys, the database and the one way to
change it (``write``, which runs a ``models.operations`` function in a worker thread).

Startup paints first: the overview screen is composed with placeholders, then a worker opens the
file with plain sqlite3 and reads the overview; only then, in the background, are the ORM and the
operations imported for the first change. Nothing the first screen does not need is imported
before its first frame.
"""

from __future__ import annotations

import gc
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar

from textual import work
from textual.app import App
from textual.binding import Binding
from textual.reactive import reactive
from textual.screen import ModalScreen, Screen
from textual.worker import get_current_worker

from tui.data import GroupInfo, Reader
from tui.state import UiState

AREAS = {"overview": ("1", "总览"), "tasks": ("2", "任务"), "members": ("3", "成员"), "units": ("4", "单位"),
         "rounds": ("5", "报送")}
KEY_NAMES = {"space": "空格", "enter": "Enter", "escape": "Esc", "pageup": "PgUp", "pagedown": "PgDn",
             "question_mark": "?", "slash": "/", "left_square_bracket": "[", "right_square_bracket": "]",
             "delete": "Del", "backspace": "退格", "tab": "Tab", "f1": "F1", "home": "Home", "end": "End",
             "up": "↑", "down": "↓"}


def _overview() -> Screen:
    from tui.screens.overview import OverviewScreen

    return OverviewScreen()


def _tasks() -> Screen:
    from tui.screens.tasks import TasksScreen

    return TasksScreen()


def _members() -> Screen:
    from tui.screens.members import MembersScreen

    return MembersScreen()


def _units() -> Screen:
    from tui.screens.units import UnitsScreen

    return UnitsScreen()


def _rounds() -> Screen:
    from tui.screens.rounds import RoundsScreen

    return RoundsScreen()


def _commands() -> type:
    from tui.commands import TaizhangCommands

    return TaizhangCommands


class _Turns:
    """First come, first served for writes: a ticket taken on the UI thread when the key is
    pressed, so a tick followed by ctrl+z always runs in that order."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._next = 0
        self._serving = 0

    def take(self) -> int:
        with self._cond:
            ticket = self._next
            self._next += 1
            return ticket

    @contextmanager
    def turn(self, ticket: int) -> Iterator[None]:
        worker = get_current_worker()
        with self._cond:
            while self._serving != ticket:
                if worker.is_cancelled:
                    break
                self._cond.wait(0.2)
        try:
            yield
        finally:
            with self._cond:
                self._serving = max(self._serving, ticket + 1)
                self._cond.notify_all()


class TaizhangApp(App):
    TITLE = "taizhang 工作台账"
    CSS_PATH = "app.tcss"
    HORIZONTAL_BREAKPOINTS: ClassVar = [(0, "-narrow"), (110, "-wide")]
    MODES: ClassVar = {"overview": _overview, "tasks": _tasks, "members": _members, "units": _units,
                      "rounds": _rounds}
    DEFAULT_MODE = "overview"
    COMMANDS: ClassVar = {_commands}
    NOTIFICATION_TIMEOUT = 4
    BINDINGS: ClassVar = [
        Binding("1", "area('overview')", "总览", id="area.overview", show=False),
        Binding("2", "area('tasks')", "任务", id="area.tasks", show=False),
        Binding("3", "area('members')", "成员", id="area.members", show=False),
        Binding("4", "area('units')", "单位", id="area.units", show=False),
        Binding("5", "area('rounds')", "报送", id="area.rounds", show=False),
        Binding("i", "import_file", "导入", id="import", show=False, tooltip="导入分工表、成员名单或成员单位职责（先预览，确认后写入）"),
        Binding("x", "export", "导出", id="export", show=False, tooltip="导出分工表、进展情况表、逾期督办清单、成员名单（Excel）或全部数据（JSON）"),
        Binding("g", "switch_group", "切换小组", id="group", show=False, tooltip="选择另一个领导小组，或新建一个"),
        Binding("b", "backups", "备份", id="backups", show=False, tooltip="查看备份、立即备份，或从备份恢复"),
        Binding("j", "history", "操作记录", id="history", show=False, tooltip="每一次修改的时间、内容和修改前后（新的在前）"),
        Binding("ctrl+z", "undo", "撤销", id="undo", tooltip="撤销上一步修改（导入也可撤销）"),
        Binding("ctrl+y", "redo", "重做", id="redo", show=False, tooltip="重做刚才撤销的修改"),
        Binding("question_mark,f1", "help", "帮助", id="help", key_display="?", tooltip="本页的按键说明"),
        Binding("ctrl+p", "command_palette", "命令", id="palette", show=False, priority=True,
                tooltip="列出全部操作，输入文字或拼音首字母查找"),
        Binding("ctrl+q", "quit", "退出", id="quit", show=False, priority=True),
    ]

    # Called with each error the window caught without a message of its own (a bug, shown as 出错了);
    # tui.testing sets it so such an error fails the test that caused it.
    on_unexpected_error: ClassVar[Callable[[BaseException], None] | None] = None

    busy: reactive[str] = reactive("")
    group_name: reactive[str] = reactive("")
    latest_backup: reactive[Any] = reactive(None)  # models.backup.BackupInfo of the newest backup

    def __init__(self, db_path: str | os.PathLike[str], *, state_path: str | os.PathLike[str] | None = None):
        super().__init__()
        from models.db_url import is_server

        # a postgresql:// URL: a server ledger (issue 18); db_path is then that URL as a str
        self.is_server = is_server(db_path)
        self.db_path: Any = str(db_path).strip() if self.is_server else Path(db_path)
        from models.writer_tag import new_tag

        self.writer_tag = new_tag()  # this window's changes, told from others' on a server (models.writer_tag)
        self.reader: Reader | None = None
        self.error: str | None = None
        self.groups: list[GroupInfo] = []
        self.group: GroupInfo | None = None
        self.data_version = 0
        self.state = UiState(state_path)
        self._orm = None
        self._orm_lock = threading.Lock()
        self._seen_version: int | None = None  # PRAGMA data_version when last looked
        # held by a write from before its commit until _seen_version has it, so the watcher never takes
        # this window's own change for someone else's (its reload would say the task it cancelled "left")
        self._version_lock = threading.Lock()
        self._turns = _Turns()
        self.writes_shown = 0  # this window's changes saved and shown so far (tui.screens.base.Loads)
        self.writes_underway: set[int] = set()  # busy tokens of this window's changes asked for, not yet over
        self._busy: dict[int, str] = {}
        self._busy_seq = 0
        self.tasks_request: dict[str, Any] | None = None
        self._warmed = False

    # ------------------------------------------------------------ startup

    def on_mount(self) -> None:
        # What the first frame loaded (Textual, the screens) lives as long as the app: kept out of the
        # cyclic collector's walks from now on, as _warm_up does for the ORM. Else the first full
        # collection came between the first frame and the data (~40 ms CPU of ~100, issue 17).
        gc.freeze()
        self.sub_title = self.ledger_label
        self.set_busy_text("正在打开数据库…")
        if self.is_server:
            self.call_after_refresh(self._open)  # paint the first frame, then connect
        else:  # a file is opened and checked (quick_check, without the GIL) while the first frame is
            self._open()  # painted; the data comes once both are done (issue 17: it waited for the frame)
        self.set_interval(self.WATCH_SECONDS, self._watch)

    # ------------------------------------------------------------ changes made elsewhere

    WATCH_SECONDS = 1.0  # another window's or an import's changes show within two seconds

    @property
    def ledger_label(self) -> str:
        """The ledger as the window names it: the file's name, or the server ledger (no password)."""
        if self.is_server:
            from models.db_url import describe

            return describe(self.db_path)
        return self.db_path.name

    def _watch(self) -> None:
        # our own write refreshes by itself; nothing is started once the window closes
        if self.reader is not None and not self._busy and not self.is_server and self.is_running:
            self._check_outside()

    @work(thread=True, exclusive=True, group="watch", exit_on_error=False)
    def _check_outside(self) -> None:
        """``PRAGMA data_version`` of the read connection changes when any other connection —
        another process, or this app's own writer — commits; our own writes are noted in _write."""
        if not self._version_lock.acquire(blocking=False):
            return  # a write of ours is being saved: it refreshes the window itself
        try:
            version = self._data_version_now()
            if version is None or version == self._seen_version:
                return
            first, self._seen_version = self._seen_version is None, version
        finally:
            self._version_lock.release()
        if not first:
            self.call_from_thread(self.reload_groups)  # a new group may have come in; then refresh

    def _data_version_now(self) -> int | None:
        reader = self.reader
        if reader is None or reader.is_server:
            return None
        try:
            with reader() as conn:
                return conn.execute("PRAGMA data_version").fetchone()[0]
        except sqlite3.Error:
            return None

    @work(thread=True, exclusive=True, group="open")
    def _open(self) -> None:
        from models.errors import DatabaseError
        from models.store import DamagedDatabase
        from tui import data

        if self.is_server:
            from tui.server_window import ask_password_first

            if ask_password_first(self):
                return
        try:
            reader = Reader(self.db_path)
        except DatabaseError as exc:
            self.call_from_thread(self._failed, str(exc), isinstance(exc, DamagedDatabase))
            return
        try:
            with reader() as conn:
                found = data.groups(conn)
                version = None if reader.is_server else conn.execute("PRAGMA data_version").fetchone()[0]
        except data.ConnectionLost as exc:  # a server ledger lost just after connecting
            self.call_from_thread(self._failed, str(exc))
            return
        self.call_from_thread(self._opened, reader, found, version)
        if not self.is_server:
            from models.network_share import warning

            shared = warning(self.db_path)  # opened as before, but said (PRODUCT §10)
            if shared:
                self.call_from_thread(self.notify, shared, title="台账在网络共享上", severity="warning", timeout=60)

    def _failed(self, message: str, damaged: bool = False) -> None:
        self.error = message
        self.set_busy_text("")
        self.data_version += 1
        self.refresh_visible()
        if self.is_server:
            return
        from models.backup import list_backups

        if damaged and list_backups(self.db_path):  # say so in a dialog that offers them
            from tui.dialogs.backups import BackupsDialog

            self.push_screen(BackupsDialog(problem=message))

    def _opened(self, reader: Reader, found: list[GroupInfo], version: int | None = None) -> None:
        self.reader = reader
        if reader.is_server:  # others' changes and a lost connection (tui.server_window)
            from tui.server_window import watch_server

            watch_server(self, reader)
        self._seen_version = version  # data_version counts per connection: start again
        self.set_busy_text("")
        self._set_groups(found, self.state.get("group"))
        self.refresh_visible()

    def data_shown(self) -> None:
        """A screen has put data on the terminal: now, and only once, load what writing needs."""
        if not self._warmed:
            self._warmed = True
            self.call_after_refresh(self._warm_up)
            self.call_after_refresh(self._daily_backup)

    @work(thread=True, group="warm-up")
    def _warm_up(self) -> None:
        """Load the ORM and the operations in the background, so the first change is quick."""
        try:
            db = self.orm()
            from sqlmodel import select

            from models.tables import Progress, Task

            with db.session() as s:  # the statements of the first tick, compiled now rather than then
                task_id = s.exec(select(Task.id).limit(1)).first()
                if task_id is not None:
                    s.get(Task, task_id)
                    s.exec(select(Progress.id).where(Progress.task_id == task_id).limit(1)).first()
        except Exception as exc:  # noqa: BLE001 - the first write reports any real problem
            self.log.warning(f"warm-up failed: {exc!r}")
        # Everything loaded so far (Textual, the ORM, the screens) lives as long as the app: keep the
        # cyclic collector from walking it again. Unfrozen, each full collection took 70-110 ms on
        # a 10k ledger and stalled whichever key was pressed then (1 tick in 10).
        gc.freeze()

    # ------------------------------------------------------------ backups

    @work(thread=True, group="backup", exit_on_error=False)
    def _daily_backup(self) -> None:
        """Once a day, at the first start: a backup (models.backup), after the first data is shown."""
        from models.backup import BackupError, daily_backup_if_due

        if self.is_server:
            return  # a server ledger is backed up by its server; b makes a snapshot file (tui.server_window)
        try:
            daily_backup_if_due(self.db_path)
        except BackupError as exc:
            self.call_from_thread(self.notify, str(exc), title="今天的自动备份没有完成", severity="warning", timeout=10)
        self.call_from_thread(self.note_backup)

    def note_backup(self) -> None:
        """Read the newest backup again (the overview shows its time)."""
        from models.backup import latest_backup

        if self.is_server:
            return
        self.latest_backup = latest_backup(self.db_path)

    def backup_now(self, then: Callable[[], None] | None = None) -> None:
        self._backup_now(self._turns.take(), self.busy_start("正在备份…"), then)

    @work(thread=True, group="write", exit_on_error=False)
    def _backup_now(self, ticket: int, token: int, then: Callable[[], None] | None) -> None:
        from models.backup import make_backup
        from models.errors import DatabaseError

        with self._turns.turn(ticket):
            try:
                if self.is_server:
                    from tui.server_window import snapshot

                    made = snapshot(self.db_path)
                else:
                    made = make_backup(self.db_path, "manual")
            except DatabaseError as exc:
                self.call_from_thread(self.notify, str(exc), title="没有备份", severity="error", timeout=10)
                return
            finally:
                self.call_from_thread(self.busy_end, token)
        self.call_from_thread(self.notify, str(made), title="已备份")
        self.call_from_thread(self.note_backup)
        if then is not None:
            self.call_from_thread(then)

    def restore_backup(self, path: Path) -> None:
        """Replace the ledger with the backup ``path`` (the current state is backed up first), then
        open it again."""
        if self.is_server:
            from tui.server_window import RESTORE_REFUSED

            self.notify(RESTORE_REFUSED, title="没有恢复", severity="warning", timeout=12)
            return
        self._restore(self._turns.take(), self.busy_start("正在恢复…"), Path(path))

    @work(thread=True, group="write", exit_on_error=False)
    def _restore(self, ticket: int, token: int, path: Path) -> None:
        from models.backup import restore
        from models.errors import DatabaseError

        with self._turns.turn(ticket):
            try:
                done = restore(self.db_path, path)
            except DatabaseError as exc:
                self.call_from_thread(self.notify, str(exc), title="没有恢复", severity="error", timeout=12)
                return
            finally:
                self.call_from_thread(self.busy_end, token)
            with self._orm_lock:  # the writes open the file again when next needed
                orm, self._orm = self._orm, None
            if orm is not None:
                orm.close()
        self.call_from_thread(self._restored, done)

    def _restored(self, done: Any) -> None:
        from tui.dialogs.backups import restored_text

        reader, self.reader = self.reader, None
        if reader is not None:
            reader.close()
        self.error = None
        self.note_backup()
        self.notify(restored_text(done), title="已恢复", timeout=10)
        self.set_busy_text("正在打开数据库…")
        self._open()

    def action_backups(self) -> None:
        from tui.dialogs.backups import BackupsDialog

        if self.is_server:
            from tui.server_window import offer_snapshot

            offer_snapshot(self)
            return

        self.push_screen(BackupsDialog(problem=self.error))

    def orm(self) -> Any:
        """The ``models.db.Database`` the operations write through (made on first use)."""
        with self._orm_lock:
            if self._orm is None:
                import models.operations  # noqa: F401
                from models.db import Database

                self._orm = Database(self.db_path)
            return self._orm

    def _set_groups(self, found: list[GroupInfo], wanted: str | None) -> None:
        self.groups = found
        chosen = next((g for g in found if g.name == wanted), None)
        if chosen is None and self.group is not None:
            chosen = next((g for g in found if g.id == self.group.id), None)
        if chosen is None and found:
            chosen = found[0]
        self.set_group(chosen)

    def set_group(self, group: GroupInfo | None) -> None:
        self.group = group
        self.group_name = group.name if group else ""
        self.sub_title = self.group_name or self.ledger_label
        if group is not None:
            self.state.set("group", group.name)
        self.data_version += 1

    def reload_groups(self, select: str | None = None) -> None:
        """Read the list of groups again (after an import or a new group), then refresh. Not once
        the window is closing: a server's notice of a change can still arrive then, and a worker
        started after the shutdown would find no thread pool left."""
        if self.is_running:
            self._reload_groups(select)

    @work(thread=True, exclusive=True, group="groups")
    def _reload_groups(self, select: str | None) -> None:
        from tui import data

        if self.reader is None:
            return
        try:
            with self.reader() as conn:
                found = data.groups(conn)
        except data.ConnectionLost:  # a server ledger out of reach: said once; the window stays as it is
            return
        self.call_from_thread(self._groups_reloaded, found, select)

    def _groups_reloaded(self, found: list[GroupInfo], select: str | None) -> None:
        self._set_groups(found, select or (self.group.name if self.group else None))
        self.refresh_visible()

    # ------------------------------------------------------------ busy state

    def set_busy_text(self, text: str) -> None:
        self._busy = {0: text} if text else {}
        self.busy = text

    def busy_start(self, text: str) -> int:
        self._busy_seq += 1
        self._busy[self._busy_seq] = text
        self.busy = text
        return self._busy_seq

    def busy_end(self, token: int) -> None:
        self._busy.pop(token, None)
        self.busy = next(reversed(self._busy.values()), "")

    # ------------------------------------------------------------ reading and writing

    def base_screens(self) -> list[Screen]:
        return [s for s in self.screen_stack if not isinstance(s, ModalScreen)]

    def refresh_visible(self) -> None:
        """Reload what the user is looking at (the top screen that is not a dialog); not once the
        window is closing (see reload_groups)."""
        if not self.is_running:
            return
        for screen in reversed(self.screen_stack):
            if not isinstance(screen, ModalScreen):
                reload = getattr(screen, "refresh_if_stale", None)
                if reload is not None:
                    reload()
                return

    def write(self, operation: str | Callable[..., Any], *args: Any, done: Callable[[Any], None] | None = None,
              message: str | Callable[[Any], str | None] | None = None, reload: bool = True,
              busy: str = "正在保存…", **kwargs: Any) -> None:
        """Run ``models.operations.<operation>(db, *args, **kwargs)`` in a worker, in the order the
        keys were pressed; then ``done(result)`` on the UI thread, a notice, and a refresh."""
        if self.reader is None:
            self.notify("数据库还没有打开。", severity="warning")
            return
        ticket = self._turns.take()
        token = self.busy_start(busy)
        self.writes_underway.add(token)
        self._write(ticket, token, operation, args, kwargs, done, message, reload)

    @work(thread=True, group="write", exit_on_error=False)
    def _write(self, ticket: int, token: int, operation: str, args: tuple, kwargs: dict,
               done: Callable[[Any], None] | None, message: Any, reload: bool) -> None:
        saved = False
        with self._turns.turn(ticket):
            try:
                from models.errors import DatabaseError, OperationError

                try:
                    db = self.orm()  # on a server: ServerError (a DatabaseError) when it cannot connect
                    from models import operations as ops

                    from models.writer_tag import as_writer

                    run = operation if callable(operation) else getattr(ops, operation)
                    with self._version_lock, as_writer(self.writer_tag):  # as_writer: tui.server_window
                        result = run(db, *args, **kwargs)
                        self._seen_version = self._data_version_now()  # not a change from elsewhere
                    saved = True
                except (OperationError, DatabaseError) as exc:
                    self.call_from_thread(self.notify, str(exc), title="未保存", severity="error", timeout=8)
                    self.call_from_thread(self.refresh_visible)  # show what is there now (a conflict)
                    return
            except Exception as exc:  # noqa: BLE001 - never crash the office's window over one change
                self.log.error(f"{operation} failed: {exc!r}")
                self.unexpected_error(exc)
                self.call_from_thread(self.notify, f"操作未完成：{exc}", title="出错了", severity="error", timeout=10)
                return
            finally:
                if not saved:
                    self.call_from_thread(self._write_over, token)
        if saved:  # the write ends and is counted as shown in one step on the UI thread
            self.call_from_thread(self._written, token, result, done, message, reload)

    def unexpected_error(self, exc: BaseException) -> None:
        if self.on_unexpected_error is not None:
            type(self).on_unexpected_error(exc)  # type: ignore[misc]

    def _write_over(self, token: int) -> None:
        self.busy_end(token)
        self.writes_underway.discard(token)

    def _written(self, token: int, result: Any, done: Callable[[Any], None] | None, message: Any,
                 reload: bool) -> None:
        self._write_over(token)
        self.data_version += 1
        self.writes_shown += 1
        text = message(result) if callable(message) else message
        if text:
            self.notify(text)
        if done is not None:
            done(result)
        if reload:
            self.refresh_visible()

    # ------------------------------------------------------------ actions

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("import_file", "switch_group", "undo", "redo", "history") and self.reader is None:
            return None
        if action == "export" and (self.reader is None or self.group is None):
            return None
        return True

    def action_area(self, area: str) -> None:
        if self.current_mode == area:
            while len(self.screen_stack) > 1 and not isinstance(self.screen, ModalScreen):
                self.pop_screen()
            return
        self.switch_mode(area)

    def show_tasks(self, **request: Any) -> None:
        """Go to 任务 and apply ``request``: unit_id/unit_name/status (a filter) or search=True."""
        self.tasks_request = request
        switched = self.current_mode != "tasks"
        if switched:
            self.switch_mode("tasks")
        if len(self.screen_stack) > 1:  # a task's page was open there: back to the list (it resumes)
            while len(self.screen_stack) > 1:
                self.pop_screen()
        elif not switched:
            self.screen_stack[0].on_screen_resume()

    def show_unit_tasks(self, unit_id: int, name: str, status: str = "全部") -> None:
        self.show_tasks(unit_id=unit_id, unit_name=name, status=status)

    def choose_group(self, group: GroupInfo) -> None:
        self.set_group(group)
        self.refresh_visible()

    def new_group(self) -> None:
        from tui.dialogs.forms import group_dialog

        group_dialog(self)

    def action_undo(self) -> None:
        def said(summary: str | None) -> str:
            return f"已撤销：{summary}" if summary else "没有可以撤销的修改。"

        self.write("undo", message=said, busy="正在撤销…", done=lambda _: self.reload_groups())

    def action_redo(self) -> None:
        def said(summary: str | None) -> str:
            return f"已重做：{summary}" if summary else "没有可以重做的修改（撤销之后又做了别的修改时，不能再重做）。"

        self.write("redo", message=said, busy="正在重做…", done=lambda _: self.reload_groups())

    def action_help(self) -> None:
        from tui.dialogs.help import HelpScreen

        self.push_screen(HelpScreen(self.screen))

    def action_switch_group(self) -> None:
        from tui.dialogs.groups import GroupDialog

        def chosen(result: GroupInfo | str | None) -> None:
            if isinstance(result, GroupInfo):
                self.set_group(result)
                self.refresh_visible()
            elif result is not None:
                from tui.dialogs.forms import group_dialog

                group_dialog(self)

        self.push_screen(GroupDialog(self.groups, self.group), chosen)

    def action_import_file(self) -> None:
        from tui.screens.importing import ImportScreen

        self.push_screen(ImportScreen())

    def action_export(self) -> None:
        from tui.dialogs.export import ExportDialog

        self.push_screen(ExportDialog())

    def action_history(self, task_id: int | None = None, task_label: str = "") -> None:
        """The audit trail of the current group (or of one task), newest first."""
        from tui.screens.history import HistoryScreen

        if isinstance(self.screen, HistoryScreen) and self.screen.task_id == task_id:
            return
        self.push_screen(HistoryScreen(task_id, task_label))

    def action_command_palette(self) -> None:
        from textual.command import CommandPalette

        from tui.commands import palette

        if self.use_command_palette and not CommandPalette.is_open(self):
            self.push_screen(palette("查找操作：输入文字或拼音首字母，如 dc 导出…"))

    def action_help_quit(self) -> None:
        """ctrl+c does not quit (it copies in a text box): say which key does."""
        self.notify("退出请按 Ctrl+Q。", title="要退出吗？")

    def get_key_display(self, binding: Binding) -> str:
        if binding.key_display:
            return binding.key_display
        key = binding.key.split(",")[0]
        if key in KEY_NAMES:
            return KEY_NAMES[key]
        if key.startswith("ctrl+"):
            rest = key[5:]
            return "Ctrl+" + KEY_NAMES.get(rest, rest.upper() if len(rest) == 1 else rest)
        return super().get_key_display(binding)

    def on_unmount(self) -> None:
        if self.reader is not None:
            self.reader.close()
        if self._orm is not None:
            self._orm.close()
