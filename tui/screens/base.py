"""What every area screen shares: the bars, reading in a worker, reloading when stale."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any, ClassVar, TypeVar

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer
from textual.worker import get_current_worker

from tui.data import ConnectionLost
from tui.widgets.bars import AreaBar, StatusLine

T = TypeVar("T")
READING = "-reading"  # a widget whose data is being read again (still taking keys: see Loads.load)


class Loads:
    """Mixin for screens: ``load(fn, then)`` runs ``fn(conn)`` in a worker thread on the app's
    read connection and ``then(result)`` on the UI thread — unless a newer load replaced it."""

    def load(self, fn: Callable[[sqlite3.Connection], T], then: Callable[[T], None], *, group: str = "load",
             loading: Widget | None = None, delay: float = 0.25) -> None:
        """Only the newest load of a group counts: an older one still running is cancelled and
        its result dropped. ``loading`` is shown dimmed (class ``-reading``) if the read takes longer
        than ``delay`` seconds (fast reads never flash it) — not Textual's loading indicator: a widget
        under it takes no keys, and the keys pressed meanwhile (↓, Enter on the list) were lost when a
        reload landed while the user typed (a busy PC, a server). A read that began before one of this
        window's changes was saved and shown is read again rather than shown: it would put back what
        the change replaced (a tick shown done, then a reload for someone else's change, read just
        before the tick was saved, showing it not done again — and the next space refused). Nothing
        is started once the window is closing (no worker could run then)."""
        app = self.app  # type: ignore[attr-defined]
        if not app.is_running:
            return
        state = self.__dict__.setdefault("_loads", {})
        seq, timer = state.get(group, (0, None))
        if timer is not None:
            timer.stop()
        seq += 1
        timer = None
        if loading is not None:
            timer = self.set_timer(delay, partial(loading.add_class, READING))  # type: ignore[attr-defined]
        state[group] = (seq, timer)
        writes = getattr(app, "writes_shown", 0)
        self.run_worker(partial(self._load_job, fn, then, loading, group, (seq, writes)),  # type: ignore[attr-defined]
                        thread=True, exclusive=True, group=group, exit_on_error=False)

    def _load_job(self, fn: Callable[[sqlite3.Connection], T], then: Callable[[T], None], loading: Widget | None,
                  group: str, started: tuple[int, int]) -> None:
        app = self.app  # type: ignore[attr-defined]
        worker = get_current_worker()
        ok = False
        result = None
        try:
            reader = app.reader
            if reader is not None:
                with reader() as conn:
                    if not worker.is_cancelled:
                        result = self._read_repairing(conn, fn)
                        ok = True
        except ConnectionLost:  # a server ledger's connection: said once (app.server_lost); the screen stays
            pass
        except Exception as exc:  # noqa: BLE001
            app.log.error(f"read failed: {exc!r}")
            app.unexpected_error(exc)
            app.call_from_thread(app.notify, f"读取数据时出错：{exc}", severity="error")
        if ok and not worker.is_cancelled:
            app.call_from_thread(self._deliver, group, started, then, result, loading, fn)
        else:
            app.call_from_thread(self._deliver, group, started, None, None, loading)

    def _read_repairing(self, conn: sqlite3.Connection, fn: Callable[[sqlite3.Connection], T]) -> T:
        """``fn(conn)``; when the ledger holds text that is not UTF-8, the window's connection reads
        it from then on with � in its place (``models.text_repair``) and the tasks are named once."""
        try:
            return fn(conn)
        except sqlite3.OperationalError as exc:
            from models import text_repair

            if not text_repair.is_decode_error(exc):
                raise
            lines = text_repair.damaged_text(conn)
            text_repair.repair(conn)
            result = fn(conn)
        app = self.app  # type: ignore[attr-defined]
        if lines:
            app.call_from_thread(app.notify, "\n".join(lines[:3]), title="数据库中有损坏的文字", severity="warning",
                                 timeout=15)
        return result

    def _deliver(self, group: str, started: tuple[int, int], then: Callable[[Any], None] | None, result: Any,
                 loading: Widget | None, fn: Callable[[Any], Any] | None = None) -> None:
        seq, writes = started
        current, timer = self.__dict__.get("_loads", {}).get(group, (0, None))
        if seq != current:
            return  # a newer load of this group is on its way
        app = self.app  # type: ignore[attr-defined]
        if then is not None and fn is not None and writes != getattr(app, "writes_shown", 0):
            if self.is_mounted:  # type: ignore[attr-defined]
                self.load(fn, then, group=group, loading=loading)  # read before a change of ours was shown
            return
        if timer is not None:
            timer.stop()
        if loading is not None:
            loading.remove_class(READING)
        if then is not None and self.is_mounted:  # type: ignore[attr-defined]
            then(result)
            self.app.data_shown()  # type: ignore[attr-defined]


class Pages:
    """Paging of a screen whose table shows one screenful of rows read with LIMIT/OFFSET (the task
    list, the history): a resize keeps the first row shown, PgUp/PgDn and ↑/↓ past an end turn the
    page. The screen has ``table``, ``page``, ``pages``, ``total``, ``_page_size``, ``page_size()``,
    ``reload(cursor=…)``, ``_render_rows()`` and ``shown_rows()``."""

    def top_row(self) -> int:
        """Where ↑ past the first row stops (below any heading row)."""
        return 0

    def on_table_resized(self, event: object) -> None:
        if not self.shown_rows() and not self.total:
            return
        if self.page_size() != self._page_size:
            first = self.page * self._page_size
            self.page = first // self.page_size()
            self.reload()
        else:
            self._render_rows()

    def on_task_table_turn(self, event: Any) -> None:
        if event.to == "first":
            target = 0
        elif event.to == "last":
            target = self.pages - 1
        else:
            target = self.page + int(event.to)
        if target < 0 or target >= self.pages or target == self.page:
            if event.to in (1, -1) and event.cursor and self.table.row_count:
                # at either end of the list: stay, but let ↓ / PgDn reach the last row
                self.table.move_cursor(row=self.table.row_count - 1 if event.to == 1 else self.top_row())
            return
        self.page = target
        self.reload(cursor=event.cursor)


class AreaScreen(Loads, Screen):
    """One of the four areas. Subclasses compose ``body()`` and implement ``reload()``."""

    AREA: ClassVar[str] = ""
    HELP: ClassVar[str] = ""
    """A few sentences for the help screen: what this area is for and how to use it."""

    def __init__(self) -> None:
        super().__init__()
        self._loaded_key: tuple[int | None, int] | None = None

    def compose(self) -> ComposeResult:
        yield AreaBar(self.AREA)
        yield from self.body()
        yield StatusLine()
        yield Footer(compact=True)

    def body(self) -> Iterable[Widget]:
        return ()

    def say(self, text: str) -> None:
        self.query_one(StatusLine).say(text)

    def on_screen_resume(self) -> None:
        self.refresh_if_stale(force=True)  # cheap, and shows what another window or the command line changed

    def refresh_if_stale(self, force: bool = False) -> None:
        app = self.app
        if app.reader is None:
            if app.error:
                self.show_problem(app.error)
            return
        key = (app.group.id if app.group else None, app.data_version)
        if force or key != self._loaded_key:
            self._loaded_key = key
            self.reload()

    def mark_fresh(self) -> None:
        app = self.app
        self._loaded_key = (app.group.id if app.group else None, app.data_version)

    def show_problem(self, message: str) -> None:
        self.say(message)

    def on_filter_input_leave(self, event: object) -> None:
        """Leaving an area's search box (enter or ↓) returns to its list, on the first match."""
        table = getattr(self, "table", None)
        if table is None:
            return
        table.focus()
        first = table.first_data_row()
        if first is not None:
            table.move_cursor(row=first)

    def reload(self) -> None:
        pass

    @property
    def group_id(self) -> int | None:
        return self.app.group.id if self.app.group else None
