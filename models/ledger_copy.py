"""Copying a whole ledger between a file and a server (issue 18, ``taizhang copy SRC DST``).

Every table of ``models.tables`` is copied row by row with its ids, then the id counters are set so
that no id is given twice on the target either (SQLite's ``sqlite_sequence`` ↔ PostgreSQL's
sequences, the larger of the counter and the highest id). The source is read in one consistent
snapshot; the target is written in one transaction — a failure or a kill mid-copy leaves it as it
was — and a target that already holds data is refused unless ``replace`` is given (a file target
is then backed up first, into its ``backups`` folder). A new file target is built beside its final
name and renamed into place at the end, so a kill leaves no half-made ledger.

Values go through the column types of ``models.tables``: dates, times and booleans come out of
either engine as Python values and are written in the form each engine keeps (on SQLite: ISO text,
0/1). The bulk path is COPY on PostgreSQL and executemany on SQLite.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Table, create_engine, select, text

from models.db_url import describe, display, is_server
from models.errors import DatabaseError

LOCK_TIMEOUT_S = 30  # how long a copy onto a server waits for others to finish with the ledger
# (table name, rows written so far in it): told after each table, so a caller can show progress
Progress = Callable[[str, int], None]


class CopyError(DatabaseError):
    """A copy refused or failed; the message is Chinese and the target is unchanged."""


class TargetNotEmpty(CopyError):
    """The target already holds a ledger with data, and replacing it was not asked for."""


@dataclass
class Snapshot:
    """A whole ledger read at one moment: rows per table (dicts of Python values) and id counters."""

    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    counters: dict[str, int] = field(default_factory=dict)

    def counter(self, table: str) -> int:
        """The highest id ever given in ``table``: its counter, or its highest id if that is more."""
        ids = [r["id"] for r in self.rows.get(table, ())]
        return max([self.counters.get(table, 0), *ids])


@dataclass
class Copied:
    rows: dict[str, int]
    replaced: bool
    backup: Path | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def tables() -> list[Table]:
    """Every table of the ledger, parents before children."""
    from sqlmodel import SQLModel

    import models.tables  # noqa: F401  (registers the tables)

    return list(SQLModel.metadata.sorted_tables)


def _read_rows(conn: Any) -> dict[str, list[dict[str, Any]]]:
    return {t.name: [dict(r) for r in conn.execute(select(t).order_by(t.c.id)).mappings()] for t in tables()}


# ---------------------------------------------------------------- reading


def read_file(path: Path) -> Snapshot:
    """A ledger file, checked (and upgraded, as every command does) first."""
    from models import store

    if not path.is_file():
        raise CopyError(f"「{path}」不是文件。" if path.exists() else f"台账文件「{path}」不存在。")
    store.prepare(path)
    engine = create_engine(f"sqlite:///{path}", connect_args={"isolation_level": None,
                                                              "timeout": store.BUSY_TIMEOUT_MS / 1000})
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("BEGIN")  # one read transaction: one consistent state of the file
            try:
                snap = Snapshot(_read_rows(conn),
                                {name: seq for name, seq in conn.exec_driver_sql("SELECT name, seq FROM sqlite_sequence")})
            finally:
                conn.exec_driver_sql("COMMIT")
    except Exception as exc:  # noqa: BLE001 - text that is not UTF-8 is named; anything else is re-raised
        from models import text_repair

        if not text_repair.is_decode_error(exc):
            raise
        lines = text_repair.damaged_text(path)
        raise CopyError("台账中有文字已损坏（不是有效的 UTF-8），未复制：\n" + "\n".join(lines)
                        + "\n请在 taizhang 中核对并改正这些文字后再复制。") from None
    finally:
        engine.dispose()
    return snap


def read_server(target: str) -> Snapshot:
    """A server ledger, read in one REPEATABLE READ, READ ONLY transaction."""
    from models import server

    engine = server.open_ledger(target, create_ok=False)
    try:
        with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
            with conn.begin():
                conn.exec_driver_sql("SET TRANSACTION READ ONLY")
                snap = Snapshot(_read_rows(conn), _sequences(conn))
    except server._database_errors() as exc:
        raise CopyError(server.problem(exc, target)) from None
    finally:
        engine.dispose()
    return snap


def _sequences(conn: Any) -> dict[str, int]:
    """The highest value each table's id sequence has given (0 when none yet)."""
    out = {}
    for t in tables():
        seq = conn.execute(text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": t.name}).scalar()
        if seq is None:
            continue
        last, called = conn.execute(text(f"SELECT last_value, is_called FROM {seq}")).one()
        out[t.name] = last if called else 0
    return out


# ---------------------------------------------------------------- writing


def _has_data(counts: dict[str, int]) -> bool:
    return any(counts.values())


def _not_empty(where: str, counts: dict[str, int]) -> TargetNotEmpty:
    from models.tables import Group, Task, Unit

    said = "，".join(f"{label} {counts.get(name, 0)} 个" for name, label in
                    ((Group.__tablename__, "领导小组"), (Unit.__tablename__, "单位"), (Task.__tablename__, "任务")))
    return TargetNotEmpty(f"{where}中已有台账数据（{said}），没有复制。要用复制来的台账替换它，"
                          "请加 --replace（文件会先备份）。")


def write_server(target: str, snap: Snapshot, *, replace: bool, progress: Progress | None = None) -> Copied:
    """Write ``snap`` into the server ledger ``target`` (schema made if the database is empty) in one
    transaction: nothing of it is seen, or kept, until the commit."""
    from models import server

    engine = server.engine(target)
    try:
        with engine.begin() as conn:
            server.prepare(conn, target, create_ok=True)
            conn.exec_driver_sql(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT_S}s'")  # others reading or writing it
            names = [t.name for t in tables()]
            conn.exec_driver_sql("LOCK TABLE " + ", ".join(f'"{n}"' for n in names) + " IN ACCESS EXCLUSIVE MODE")
            counts = {n: conn.execute(text(f'SELECT count(*) FROM "{n}"')).scalar_one() for n in names}
            if _has_data(counts) and not replace:
                raise _not_empty(describe(target), counts)
            if _has_data(counts):
                conn.exec_driver_sql("TRUNCATE " + ", ".join(f'"{n}"' for n in names))
            dbapi = conn.connection.dbapi_connection
            from models import task_figures
            from models.server_conn import adopt

            figures = adopt(dbapi, target, cursors_only=True)
            task_figures.pause(figures)  # the 总览 figures: written once, after every row (resume_all)
            written = {}
            for t in tables():
                rows = snap.rows.get(t.name, [])
                columns = [c.name for c in t.columns]
                if rows:
                    with dbapi.cursor() as cur:
                        column_list = ", ".join(f'"{c}"' for c in columns)
                        with cur.copy(f'COPY "{t.name}" ({column_list}) FROM STDIN') as cp:
                            for row in rows:
                                cp.write_row([row[c] for c in columns])
                written[t.name] = len(rows)
                if progress is not None:
                    progress(t.name, len(rows))
            task_figures.resume_all(figures)
            for t in tables():
                highest = snap.counter(t.name)
                conn.execute(text("SELECT setval(pg_get_serial_sequence(:t, 'id'), :n, :called)"),
                             {"t": t.name, "n": max(highest, 1), "called": highest > 0})
            # the planner's statistics of the tables just filled (else it guesses from empty tables
            # until autovacuum comes by)
            conn.exec_driver_sql("ANALYZE " + ", ".join(f'"{n}"' for n in names))
    except server._database_errors() as exc:
        raise CopyError(server.problem(exc, target)) from None
    finally:
        engine.dispose()
    return Copied(written, replaced=_has_data(counts))


def file_value(value: Any) -> Any:
    """A value read from a server as a ledger file holds it (dates ISO text, booleans 0/1)."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _fill_file(conn: sqlite3.Connection, snap: Snapshot, *, replace: bool, where: str,
               progress: Progress | None) -> tuple[dict[str, int], bool]:
    from models.locking import retry_busy

    names = [t.name for t in tables()]
    retry_busy(lambda: conn.execute("BEGIN IMMEDIATE"))  # another window writing: wait our turn, or say so
    try:
        conn.execute("PRAGMA defer_foreign_keys = ON")  # rows of one table may name later rows of it
        counts = {n: conn.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}
        if _has_data(counts) and not replace:
            raise _not_empty(where, counts)
        from models import task_figures

        task_figures.pause(conn)  # the 总览 figures: written once, after every row (resume_all)
        for n in reversed(names):
            conn.execute(f'DELETE FROM "{n}"')
        conn.execute("DELETE FROM sqlite_sequence")
        written = {}
        for t in tables():
            rows = snap.rows.get(t.name, [])
            columns = [c.name for c in t.columns]
            if rows:
                conn.executemany(
                    f'INSERT INTO "{t.name}" ({", ".join(f"{chr(34)}{c}{chr(34)}" for c in columns)}) '
                    f'VALUES ({", ".join(f":{c}" for c in columns)})',
                    [{c: file_value(r[c]) for c in columns} for r in rows])
            written[t.name] = len(rows)
            if progress is not None:
                progress(t.name, len(rows))
        task_figures.resume_all(conn)
        conn.execute("DELETE FROM sqlite_sequence")  # the inserts above made rows of their own there
        autoincrement = {r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE '%AUTOINCREMENT%'")}
        conn.executemany("INSERT INTO sqlite_sequence (name, seq) VALUES (:name, :seq)",
                         [{"name": n, "seq": snap.counter(n)} for n in names
                          if n in autoincrement and snap.counter(n) > 0])
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return written, _has_data(counts)


def write_file(path: Path, snap: Snapshot, *, replace: bool, progress: Progress | None = None) -> Copied:
    """Write ``snap`` into the ledger file ``path``: a new file is built beside it and renamed into
    place; an existing one is filled in one transaction (backed up first when it had data)."""
    from models import store

    if path.exists() and not path.is_file():
        raise CopyError(f"「{path}」不是文件。")
    if not path.parent.is_dir():
        raise CopyError(f"目录「{path.parent}」不存在。")
    if not path.exists():
        part = path.with_name(f".{path.name}.{os.getpid()}.copying")
        for leftover in (part, part.with_name(part.name + "-wal"), part.with_name(part.name + "-shm")):
            leftover.unlink(missing_ok=True)
        try:
            conn = store.connect(part)
            try:
                written, _ = _fill_file(conn, snap, replace=False, where=f"「{path}」", progress=progress)
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # all in the main file before it is moved
            finally:
                conn.close()
            store.forget_check(part)
            if path.exists():  # made meanwhile by someone else: not overwritten
                raise CopyError(f"「{path}」在复制过程中被创建，没有覆盖它。")
            os.replace(part, path)
        finally:
            for leftover in (part, part.with_name(part.name + "-wal"), part.with_name(part.name + "-shm")):
                leftover.unlink(missing_ok=True)
        return Copied(written, replaced=False)
    conn = store.connect(path)
    saved = None
    try:
        if replace and _file_has_data(conn):
            from models.backup import make_backup

            saved = make_backup(path, "restore", source=conn)
        written, replaced = _fill_file(conn, snap, replace=replace, where=f"「{path}」", progress=progress)
    finally:
        conn.close()
    return Copied(written, replaced=replaced, backup=saved if replaced else None)


def _file_has_data(conn: sqlite3.Connection) -> bool:
    return any(conn.execute(f'SELECT 1 FROM "{t.name}" LIMIT 1').fetchone() for t in tables())


# ---------------------------------------------------------------- the whole copy


def same_ledger(source: str, target: str) -> bool:
    if is_server(source) or is_server(target):
        return source.strip() == target.strip()
    try:
        return Path(source).resolve() == Path(target).resolve()
    except OSError:
        return False


def copy_ledger(source: str, target: str, *, replace: bool = False, progress: Progress | None = None) -> Copied:
    """Copy the whole ledger ``source`` to ``target`` (each a file path or a postgresql:// URL)."""
    if same_ledger(source, target):
        raise CopyError(f"来源和目标是同一个台账（{display(source)}），没有复制。")
    snap = read_server(source) if is_server(source) else read_file(Path(source))
    if is_server(target):
        done = write_server(target, snap, replace=replace, progress=progress)
    else:
        done = write_file(Path(target), snap, replace=replace, progress=progress)
    evidence = len(snap.rows.get("evidence", []))
    if evidence and (is_server(source) or is_server(target)):
        done.notes.append(f"佐证材料 {evidence} 条记录已复制，但文件内容不在服务器上（服务器上的台账暂不保存佐证文件），"
                          "文件仍在原台账旁的 .files 文件夹中。")
    elif evidence:
        done.notes.extend(_copy_evidence_files(Path(source), Path(target), snap))
    return done


def _copy_evidence_files(source: Path, target: Path, snap: Snapshot) -> list[str]:
    """File to file: the evidence store's files the copied rows name, copied beside the new ledger."""
    import shutil

    from models.evidence_store import _private_dir, stored_path, store_dir

    missing = 0
    for row in snap.rows.get("evidence", []):
        src, dst = stored_path(source, row["sha256"]), stored_path(target, row["sha256"])
        if dst.is_file():
            continue
        if not src.is_file():
            missing += 1
            continue
        _private_dir(store_dir(target))
        _private_dir(dst.parent)
        shutil.copyfile(src, dst)
    return [f"有 {missing} 个佐证材料文件在「{store_dir(source)}」中缺失，未能复制。"] if missing else []
