"""Excel reports sent upward (issue 4): the entry point the command line and the TUI share.

``export(db, kind, out, group_name=None, within=7, today=None) -> Path`` writes one report of one
group and returns the file written:

* ``kind``: ``division`` 分工表, ``progress`` 进展情况表, ``overdue`` 逾期及临期任务督办清单 (open tasks
  past due, or due within ``within`` days), ``roster`` 成员名单 — layouts in ``exporters.reports``;
  ``history`` 操作记录 (the group's audit trail) — in ``exporters.history``;
* ``out``: an .xlsx file, or an existing folder, where the file is named
  ``{group}_{表名}_{YYYYMMDD}.xlsx`` (``default_file_name``; characters Windows refuses replaced);
* ``db``: a ``models.db.Database``, a path to the ledger file, or an open ``sqlite3`` connection;
* ``today``: defaults to ``models.clock.today()`` (``TAIZHANG_TODAY`` honoured).

Anything that makes the export impossible (unknown group, missing folder, file open elsewhere)
raises ``ExportError`` with a Chinese message; the target file is then left as it was, because the
workbook is written beside it and renamed into place only when complete.

Speed (the budget is 1.5× a bare xlsxwriter script writing the same cells): the ledger is read
with plain sqlite3, never the ORM (importing SQLAlchemy + SQLModel alone takes ~0.35 s, longer than
reading 10,000 tasks), and xlsxwriter runs in its normal mode: its ``constant_memory`` mode measured
slower here (inline strings instead of one shared-string table) and forbids the vertical merges a
division table needs, while the normal mode stays far below the 150 MB limit (see
``python -m benchmarks --only export``).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from exporters.collector import collector_skips_kept_objects
from exporters.ledger_data import ExportError, find_group
from exporters.private import private_file
from exporters.xlsx_sheet import Column, Sheet, clean_file_name

KINDS = {"division": "分工表", "progress": "进展情况表", "overdue": "逾期督办清单", "roster": "成员名单",
         "history": "操作记录"}

__all__ = ["KINDS", "ExportError", "default_file_name", "export", "output_path"]


# File systems allow 255 bytes a name (ext4; NTFS 255 UTF-16 units): a name is kept to NAME_BYTES in
# UTF-8, so the temporary ``.{name}.{pid}.tmp.xlsx`` written first fits too (issue 13).
NAME_BYTES = 200


def fit_bytes(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` bytes of UTF-8, at a character boundary."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[:limit].decode("utf-8", "ignore").rstrip(" .")


def file_name_for(group: str, rest: str) -> str:
    """``{group}{rest}`` with the group's name made safe for any file system and shortened so the
    whole stays within NAME_BYTES (``rest`` is e.g. ``_分工表_20231130.xlsx``)."""
    room = max(NAME_BYTES - len(rest.encode("utf-8")), 12)
    return f"{fit_bytes(clean_file_name(group), room) or '领导小组'}{rest}"


def default_file_name(group: str, kind: str, today: date) -> str:
    """``{group}_{表名}_{YYYYMMDD}.xlsx`` with the group's name made safe for any file system."""
    return file_name_for(group, f"_{KINDS[kind]}_{today:%Y%m%d}.xlsx")


def output_path(out: str | os.PathLike[str], group: str, kind: str, today: date) -> Path:
    """The file an export to ``out`` writes: ``out`` itself, or the default name inside a folder."""
    path = Path(out)
    try:
        is_folder = path.is_dir()
    except OSError:  # a name too long to look up
        raise ExportError(f"文件名太长，无法写入「{path}」。") from None
    if is_folder:
        return path / default_file_name(group, kind, today)
    if path.suffix.lower() != ".xlsx":
        raise ExportError(f"「{path}」既不是已有的文件夹，也不以 .xlsx 结尾。")
    if not path.parent.is_dir():
        raise ExportError(f"输出目录「{path.parent}」不存在。")
    return path


def _connect(db: Any) -> tuple[sqlite3.Connection, bool]:
    """(connection, whether we opened it). A Database or a path is opened with models.store's
    checks; a connection is used as it is."""
    if isinstance(db, sqlite3.Connection) or hasattr(db, "cursor"):  # a file's or a server's connection
        return db, False
    from models import store
    from models.errors import DatabaseError

    path = getattr(db, "target", db)  # a Database: its file or its postgresql:// URL
    try:
        return store.connect(path), True
    except DatabaseError as exc:
        raise ExportError(str(exc)) from None


@contextmanager
def read_snapshot(db: Any) -> Iterator[sqlite3.Connection]:
    """A connection to the ledger (a path, a Database or an open connection) inside one read
    transaction, so every read of an export sees the same state; rolled back (and closed when
    opened here) afterwards."""
    conn, opened = _connect(db)
    try:
        in_transaction = conn.in_transaction
        if not in_transaction:
            from models.sql import begin_snapshot

            conn.execute(begin_snapshot(conn))
        try:
            yield conn
        finally:
            if not in_transaction:
                conn.rollback()
    finally:
        if opened:
            conn.close()


EVERY_GROUP = "全部领导小组"


def export(db: Any, kind: str, out: str | os.PathLike[str], group_name: str | None = None, within: int = 7,
           today: date | None = None, warn: Any = None, *, with_status: bool = False,
           attachment: str | None = None, notes: list[str] | None = None, every_group: bool = False,
           confirm: Callable[[], None] | None = None) -> Path:
    """Write the ``kind`` report of ``group_name`` (the only group when None) to ``out``; return
    the path written. Raises ExportError (nothing written) when it cannot. ``warn`` is told of each
    text cut to Excel's 32,767 characters a cell. ``with_status`` adds 完成状态 and 完成日期 to the
    division table; ``attachment`` is the label above the title (附件2; 附件 by default); an empty
    report's words are appended to ``notes`` (for the command's output). ``every_group`` (history
    only): the entries of every group, as the TUI's 操作记录 shows them with "全部领导小组".
    ``confirm`` (``models.store.connect_checking_meanwhile``): the ledger's check, still running; its
    verdict is awaited before the file is put in place, and when the export failed, and a damaged
    ledger is then refused (ExportError with the check's message) instead."""
    with collector_skips_kept_objects() as keep:
        try:
            return _export(db, kind, out, group_name, within, today, warn, keep, with_status=with_status,
                           attachment=attachment, notes=notes, every_group=every_group,
                           confirm=confirm or (lambda: None))
        except BaseException:
            if confirm is not None:
                _confirm(confirm)  # a damaged ledger explains whatever went wrong reading it
            raise


def _confirm(confirm: Callable[[], None]) -> None:
    from models.errors import DatabaseError

    try:
        confirm()
    except DatabaseError as exc:
        raise ExportError(str(exc)) from None


def _export(db: Any, kind: str, out: str | os.PathLike[str], group_name: str | None, within: int,
            today: date | None, warn: Any, keep: Callable[[], None], *, with_status: bool,
            attachment: str | None, notes: list[str] | None, every_group: bool,
            confirm: Callable[[], None]) -> Path:
    if kind not in KINDS:
        raise ValueError(f"unknown export kind {kind!r}; expected one of {', '.join(KINDS)}")
    if within < 0:
        raise ExportError("临期天数不能为负数。")
    if today is None:
        from models.clock import today as clock_today

        try:
            today = clock_today()
        except ValueError as exc:
            raise ExportError(str(exc)) from None
    import xlsxwriter

    from exporters import reports

    with read_snapshot(db) as conn:  # one snapshot for every read of this export
        if every_group and kind == "history":
            from exporters.ledger_data import GroupInfo

            group = GroupInfo(None, EVERY_GROUP, None, None, None)  # type: ignore[arg-type]
        else:
            group = find_group(conn, group_name)
        target = output_path(out, group.name, kind, today)
        tmp = target.with_name(f".{fit_bytes(target.stem, NAME_BYTES)}.{os.getpid()}.tmp.xlsx")
        workbook = xlsxwriter.Workbook(str(tmp), {
            "strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False,
        })

        sheets: list[Sheet] = []

        def sheet(name: str, columns: list[Column], portrait: bool = False) -> Sheet:
            keep()  # asked for once the report's data is read and measured: it stays to the end
            sheets.append(Sheet(workbook, name, columns, portrait))
            return sheets[-1]

        try:
            if kind == "division":
                reports.write_division(sheet, conn, group, with_status, attachment)
            elif kind == "progress":
                reports.write_progress(sheet, conn, group, today, attachment)
            elif kind == "overdue":
                reports.write_overdue(sheet, conn, group, today, within, attachment)
            elif kind == "history":
                from exporters.history import write_history

                write_history(sheet, conn, group, today)
            else:
                reports.write_roster(sheet, conn, group, attachment)
            if notes is not None:
                notes.extend(s.empty for s in sheets if s.empty)
        except BaseException:
            tmp.unlink(missing_ok=True)  # xlsxwriter writes the file only on close()
            raise
    if warn is not None:
        from xlsxwriter.utility import xl_col_to_name

        for written in sheets:
            for row, col, length, start in written.cut:
                warn(f"工作表「{written.ws.name}」{xl_col_to_name(col)}{row + 1}「{start}…」共 {length:,} 字，"
                     f"超过 Excel 单元格上限 32,767 字，表中只写了前面部分（全文见 JSON 导出）。")
    try:
        private_file(tmp)  # the office's data: readable by its owner only, like the database
        workbook.close()
        try:
            _confirm(confirm)  # read from a sound ledger: only then is the file put in place
        except ExportError:
            _discard(tmp)
            raise
        os.replace(tmp, target)
    except OSError as exc:
        _discard(tmp)
        from models.faults import os_problem

        hint = "（文件是否正在 Excel 或 WPS 中打开？请关闭后再导出）" if isinstance(exc, PermissionError) else ""
        raise ExportError(f"{os_problem(exc, target)}{hint}") from None
    except Exception as exc:  # xlsxwriter wraps file errors in its own exceptions
        _discard(tmp)
        cause = exc.__context__ if isinstance(exc.__context__, OSError) else None
        if cause is not None:
            from models.faults import os_problem

            raise ExportError(os_problem(cause, target)) from None
        raise ExportError(f"无法写入「{target}」：{exc}") from None
    return target


def _discard(tmp: Path) -> None:
    """Remove a half-written temporary file; one that cannot even be named is not there."""
    try:
        tmp.unlink(missing_ok=True)
    except OSError:
        pass
