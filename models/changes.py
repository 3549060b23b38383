"""The unit of work every operation runs in: one transaction, one history entry, and the rows it
changed (before and after) so that undo can restore the exact prior state.

ORM changes are captured by an ``after_flush`` hook; bulk writes made with SQL statements (the
import) report their rows with :meth:`Change.record`. Nothing here knows about any screen.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, DateTime, delete, event, insert, inspect, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel import Session, SQLModel

from models import task_figures
from models.db import Database
from models.errors import OperationError
from models.locking import BUSY_MESSAGE, is_busy, retry_busy
from models.store import HistoryLine, write_history
from models.tables import TRACKED_TABLES, History, RowChange

_CHANGES = "taizhang_changes"
_TARGET = "taizhang_server_target"  # session.info: the server ledger's URL (absent for a file)


def _jsonable(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def _row(obj: SQLModel, *, before: bool = False) -> dict[str, Any]:
    state = inspect(obj)
    row: dict[str, Any] = {}
    for column in obj.__table__.columns:
        value = getattr(obj, column.key)
        if before:
            history = state.attrs[column.key].history
            if history.deleted:
                value = history.deleted[0]
        row[column.key] = _jsonable(value)
    return row


@event.listens_for(Session, "after_flush")
def _capture(session: Session, _context: object) -> None:
    log = session.info.get(_CHANGES)
    if log is None:
        return
    for obj in session.new:
        if obj.__tablename__ in TRACKED_TABLES:
            log.append((obj.__tablename__, obj.id, None, _row(obj)))
    for obj in session.dirty:
        if obj.__tablename__ in TRACKED_TABLES and session.is_modified(obj, include_collections=False):
            before, after = _row(obj, before=True), _row(obj)
            if before != after:
                log.append((obj.__tablename__, obj.id, before, after))
    for obj in session.deleted:
        if obj.__tablename__ in TRACKED_TABLES:
            log.append((obj.__tablename__, obj.id, _row(obj, before=True), None))


class Change(HistoryLine):
    """What an operation has in hand while it runs: the session, and the history line it writes."""

    def __init__(self, session: Session, action: str):
        super().__init__(action)
        self.session = session
        self.undoes: int | None = None

    def cursor(self) -> Any:
        """A DB-API cursor inside this change's transaction for plain SQL (``?`` or ``:name``
        parameters), reading values as a ledger file gives them (dates ISO text, booleans 0/1) on
        either engine."""
        raw = self.session.connection().connection
        target = self.session.info.get(_TARGET)
        if target is not None:  # a server ledger
            from models.server_conn import adopt

            return adopt(raw.dbapi_connection, target, cursors_only=True).cursor()
        return raw.cursor()

    def record(self, table: str, row_id: int, before: dict | None, after: dict | None) -> None:
        """Report a row written with a SQL statement rather than through the ORM."""
        self.session.info[_CHANGES].append((table, row_id, before, after))

    def get(self, model: type[SQLModel], row_id: int, what: str) -> Any:
        obj = self.session.get(model, row_id)
        if obj is None:
            raise OperationError(f"找不到{what}（编号 {row_id}），可能已被删除。")
        return obj

    def expect(self, obj: SQLModel, shown: dict[str, Any] | None, what: str) -> None:
        """Refuse to write over a row that changed since the user saw it: ``shown`` holds the
        values the screen showed for the fields about to change (another window or an import may
        have changed them since). None means the caller showed nothing to compare."""
        if not shown:
            return
        from models.audit import FIELD_LABELS

        labels = FIELD_LABELS.get(obj.__tablename__, {})
        for key, value in shown.items():
            now = getattr(obj, key)
            if _shown(now) != _shown(value):
                raise OperationError(
                    f"{what}在你打开之后已被修改（另一个窗口或一次导入）：{labels.get(key, key)}现在是"
                    f"「{_shown(now) or '空'}」，不是你看到的「{_shown(value) or '空'}」。"
                    "这次修改没有保存，以免覆盖别人的修改；请看过最新内容后再改。")


def begin_immediate(session: Session) -> None:
    """Take the write lock before the operation reads anything, so what it reads cannot change
    before it writes (two windows, or a window and an import, on one file). Another writer is
    waited for (busy timeout, then a few retries) rather than reported."""
    if session.bind.dialect.name == "postgresql":  # a server ledger: the ledger's write lock, in this transaction
        from models.server_conn import LOCK_TIMEOUT, WRITE_LOCK

        # READ COMMITTED whatever the server's default: each read after the lock sees what the
        # writer before committed (a snapshot taken with the lock statement would not)
        session.execute(text("SET TRANSACTION ISOLATION LEVEL READ COMMITTED"))
        session.execute(text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": WRITE_LOCK})
        return
    conn = session.connection().connection.dbapi_connection
    retry_busy(lambda: conn.execute("BEGIN IMMEDIATE"))


@contextmanager
def change(db: Database, action: str, *, dry_run: bool = False) -> Iterator[Change]:
    """Run one operation: everything inside commits together with its history entry, or nothing
    does. With ``dry_run`` the operation runs in full and is then rolled back."""
    with db.session() as session:
        session.info[_CHANGES] = []
        if db.is_server:
            session.info[_TARGET] = db.target
        tx = Change(session, action)
        try:
            begin_immediate(session)
            if db.is_server:
                _refuse_read_only(session, db)
            yield tx
            session.flush()
            log = session.info.pop(_CHANGES)
            if dry_run or (not log and action != "undo"):
                session.rollback()
                return
            if not tx.summary:
                raise RuntimeError(f"operation {action!r} wrote no summary")
            write_history(tx.cursor(), action=action, summary=tx.summary, group_id=tx.group_id, task_id=tx.task_id,
                          undoes=tx.undoes, changes=log)
            session.commit()
        except IntegrityError as exc:
            session.rollback()
            raise OperationError(f"这项修改与已有数据冲突，未保存（{exc.orig}）。") from None
        except _database_errors(db) as exc:  # the ORM wraps SQLite's errors; BEGIN IMMEDIATE does not
            _rollback(session)
            cause = getattr(exc, "orig", exc)
            if is_busy(cause):
                raise OperationError(BUSY_MESSAGE) from None
            if db.is_server:
                from models.server import problem, refused_write

                raise OperationError(refused_write(cause, db.target) or problem(cause, db.target)) from None
            from models.faults import storage_problem

            problem = storage_problem(cause, db.path)
            if problem:
                raise OperationError(problem) from None
            raise
        except BaseException:
            session.rollback()
            raise


def _refuse_read_only(session: Session, db: Database) -> None:
    """An account that may only read is told so before the operation checks or reads anything
    (else a refusal of the operation's own, such as a name in use, would come first). Once an
    account was found able to write, this process does not ask again."""
    if getattr(db, "_may_write", False):
        return
    if not session.execute(text("SELECT has_table_privilege('history', 'INSERT')")).scalar():
        from models.server import READ_ONLY_MESSAGE

        raise OperationError(READ_ONLY_MESSAGE)
    db._may_write = True  # type: ignore[attr-defined]


def _database_errors(db: Database) -> tuple[type[BaseException], ...]:
    """What a failed write raises: the ORM's wrapped errors, sqlite3's own, and on a server
    psycopg's own (the history is written through the plain connection)."""
    if db.is_server:
        import psycopg

        return DBAPIError, sqlite3.Error, psycopg.Error
    return DBAPIError, sqlite3.Error


def _rollback(session: Session) -> None:
    """Roll back after a failed write; a disk that refuses even that leaves it to SQLite's journal."""
    try:
        session.rollback()
    except DBAPIError:
        pass


def _shown(value: Any) -> str:
    """A value as a screen shows it (None and "" alike, dates as ISO text)."""
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, (date, datetime)) else str(value)


def _typed(model: type[SQLModel], row: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for column in model.__table__.columns:
        value = row.get(column.key)
        if value is not None and isinstance(column.type, DateTime):
            value = datetime.fromisoformat(value)
        elif value is not None and isinstance(column.type, Date):
            value = date.fromisoformat(value)
        elif value is not None and isinstance(column.type, Boolean):
            value = bool(value)  # a row read with plain SQL from a file holds 0/1
        out[column.key] = value
    return out


def undo_last(db: Database) -> str | None:
    """Undo the newest change not yet undone; returns its summary, or None when there is none."""
    try:
        return _undo(db)
    except _NothingToUndo:
        return None


def _undo(db: Database) -> str:
    with change(db, "undo") as tx:
        s = tx.session
        target = s.execute(
            select(History)
            .where(History.action != "undo", History.undone_by.is_(None))  # type: ignore[union-attr]
            .order_by(History.id.desc())  # type: ignore[union-attr]
            .limit(1)
        ).scalar_one_or_none()
        if target is None:
            raise _NothingToUndo
        revert(tx, target)
        tx.describe(f"撤销：{target.summary}", group_id=target.group_id, task_id=target.task_id)
        return target.summary


def revert(tx: Change, target: History) -> None:
    """Put back every row ``target`` changed as it was before (inside the running change ``tx``),
    refusing when a row changed again since; the entry is marked as taken back by ``tx``."""
    s = tx.session
    rows = s.execute(  # plain rows, not objects: an undone import's entry holds tens of thousands
        select(RowChange.table_name, RowChange.row_id, RowChange.before, RowChange.after)
        .where(RowChange.history_id == target.id).order_by(RowChange.seq.desc())  # type: ignore[attr-defined]
    ).all()
    # the 总览 figures (models.task_figures) of an entry of thousands of rows (an import's, its rows by
    # id range, or the undo of one): written once at the end rather than by the triggers row by row
    # (10,000 tasks: 0.3 s of an undo's 1.9 s, 0.26 s of a redo's 2.4 s)
    bulk = len(rows) >= _BULK_FIGURES or any((rc.after or "").startswith('{"id_range"') for rc in rows)
    figures = tx.cursor() if bulk else None
    if figures is not None:
        task_figures.pause(figures)
    removed: list[tuple[int, dict]] = []  # rows of one table the entry removed, put back together
    removed_from = ""
    for rc in rows:
        model = TRACKED_TABLES[rc.table_name]
        table = model.__table__
        before = json.loads(rc.before) if rc.before else None
        after = json.loads(rc.after) if rc.after else None
        if before is not None and after is None:  # a row the entry removed (an undone import's: thousands)
            if removed and removed_from != rc.table_name:
                _put_back(tx, removed_from, removed)
            removed_from = rc.table_name
            removed.append((rc.row_id, before))
            continue
        _put_back(tx, removed_from, removed)
        if after is not None and "id_range" in after:  # rows a bulk import inserted, by id range
            first, last = after["id_range"]
            # kept in this entry, row by row, so that a redo puts back the very same rows
            for row in s.execute(select(table).where(table.c.id.between(first, last)).order_by(table.c.id)).mappings():
                tx.record(rc.table_name, row["id"], {k: _jsonable(v) for k, v in row.items()}, None)
            s.execute(delete(table).where(table.c.id.between(first, last)))
            continue
        current = s.execute(select(table).where(table.c.id == rc.row_id)).mappings().first()
        current_json = None if current is None else {k: _jsonable(v) for k, v in current.items()}
        if after is not None and current_json is not None and any(current_json.get(k) != v for k, v in after.items()):
            raise OperationError(f"「{target.summary}」之后这条数据又被修改过，不能撤销。")
        if before is None:
            s.execute(delete(table).where(table.c.id == rc.row_id))
        elif current is None:
            s.execute(insert(table).values(**_typed(model, before)))
        else:
            s.execute(update(table).where(table.c.id == rc.row_id).values(**_typed(model, before)))
        tx.record(rc.table_name, rc.row_id, current_json, before)
    _put_back(tx, removed_from, removed)
    if figures is not None:
        task_figures.resume_all(figures)
    s.expire_all()
    tx.undoes = target.id


_BULK_FIGURES = 5000  # row changes; below, the triggers keep the figures as each row is written


def _put_back(tx: Change, table_name: str, removed: list[tuple[int, dict]]) -> None:
    """Insert again the rows of ``table_name`` an entry removed (in one statement per 500), or, for
    any that exist again, write their old values over them; ``removed`` is emptied."""
    if not removed:
        return
    s = tx.session
    model = TRACKED_TABLES[table_name]
    table = model.__table__
    ids = [row_id for row_id, _ in removed]
    present: set[int] = set()
    for start in range(0, len(ids), 500):
        present.update(s.execute(select(table.c.id).where(table.c.id.in_(ids[start:start + 500]))).scalars())
    fresh = [_typed(model, before) for row_id, before in removed if row_id not in present]
    for start in range(0, len(fresh), 500):
        s.execute(insert(table), fresh[start:start + 500])
    if not present and len(ids) >= 100 and sorted(ids) == list(range(min(ids), max(ids) + 1)):
        # many rows with one id range (an import's, put back by its redo): noted as the import noted
        # them, so undoing this again takes the fast way; a few rows stay one by one, told in full
        tx.record(table_name, min(ids), None, {"id_range": [min(ids), max(ids)]})
        removed.clear()
        return
    for row_id, before in removed:
        current_json = None
        if row_id in present:
            current = s.execute(select(table).where(table.c.id == row_id)).mappings().first()
            current_json = {k: _jsonable(v) for k, v in current.items()}
            s.execute(update(table).where(table.c.id == row_id).values(**_typed(model, before)))
        tx.record(table_name, row_id, current_json, before)
    removed.clear()


def redo_last(db: Database) -> str | None:
    """Redo the change the newest undo took back, when nothing else was changed since that undo;
    returns its summary, or None when there is nothing to redo."""
    with change(db, "redo") as tx:
        s = tx.session
        target = None
        for entry in s.execute(select(History).order_by(History.id.desc()).limit(500)).scalars():  # type: ignore[union-attr]
            if entry.action == "redo" or (entry.action == "undo" and entry.undone_by is not None):
                continue  # a redo, or an undo already redone: look further back
            if entry.action == "undo":
                target = entry
            break
        if target is None:
            return None
        if not _kept_bulk_rows(s, target):  # an undo made before the rows were kept: nothing to put back
            raise OperationError(f"「{target.summary}」不能重做：这次撤销是旧版本做的，没有保留导入的内容；"
                                 "请重新导入那个文件。")
        revert(tx, target)
        summary = target.summary.removeprefix("撤销：")
        tx.describe(f"重做：{summary}", group_id=target.group_id, task_id=target.task_id)
        return summary


def _kept_bulk_rows(s: Session, undo: History) -> bool:
    """Whether the undo ``undo`` kept the rows it removed of every id range its entry had inserted
    (undos made before version 9 of this program removed them without a copy)."""
    for table_name, after in s.execute(select(RowChange.table_name, RowChange.after).where(
            RowChange.history_id == undo.undoes, RowChange.after.like('{"id_range"%'))).all():  # type: ignore[union-attr]
        first, last = json.loads(after)["id_range"]
        kept = s.execute(select(RowChange.id).where(
            RowChange.history_id == undo.id, RowChange.table_name == table_name, RowChange.after.is_(None),  # type: ignore[union-attr]
            RowChange.row_id.between(first, last)).limit(1)).first()  # type: ignore[attr-defined]
        if kept is None:
            return False
    return True


class _NothingToUndo(Exception):
    pass
