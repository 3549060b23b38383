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
0/1). The bulk path is COPY on PostgreSQL and executemany on SQLite. A server copied into a file
(``copy`` to a file, a server's ``backup``) is read through the plain connection instead, whose
values already are the file's (``models.server_conn``), and the file written from the schema
file's tables (``file_tables``): that path loads no SQLAlchemy.

Evidence files go along in the form the target keeps them: a file's ``.files`` folder, a server's
``evidence_content`` table (``models.evidence_content``) — part by part, each file checked against
its hash on the way (one that is missing or changed at the source is not copied and said). Onto a
server they are written in the copy's one transaction; into a file, before its rows (the folder is
content-addressed: a failed copy leaves at most unused files there).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from models.db_url import describe, display, is_server
from models.errors import DatabaseError

if TYPE_CHECKING:
    from sqlalchemy import Table

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


CONTENT = "evidence_content"  # evidence files' content on a server: copied part by part, not as rows
# Where a copy's evidence files come from: (sha256, size) → their parts, or None when not to be had
Contents = Callable[[str, int], "Iterator[bytes] | None"]


def row_tables() -> list[Table]:
    """The tables copied as rows (with their id counters): all but the evidence content."""
    return [t for t in tables() if t.name != CONTENT]


def file_tables() -> list[tuple[str, list[str]]]:
    """Every table copied as rows with its columns, parents before children, as the schema file
    (``models/schema.sql``) makes them: the same as ``row_tables()``, without loading SQLAlchemy (a
    copy to a file, a server's backup)."""
    from models.schema_check import expected_columns
    from models.task_figures import TABLES as FIGURES  # worked out from the rows, not copied

    return [(name, sorted(columns)) for name, columns in expected_columns().items()
            if name != CONTENT and name not in FIGURES]


def _read_rows(conn: Any) -> dict[str, list[dict[str, Any]]]:
    from sqlalchemy import select

    return {t.name: [dict(r) for r in conn.execute(select(t).order_by(t.c.id)).mappings()] for t in row_tables()}


# ---------------------------------------------------------------- reading


def read_file(path: Path) -> Snapshot:
    """A ledger file, checked (and upgraded, as every command does) first."""
    from sqlalchemy import create_engine

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


def read_server_as_file(target: str) -> Snapshot:
    """A server ledger to be written into a file (``copy`` to a file, ``backup`` of a server):
    read through the plain connection in one REPEATABLE READ, READ ONLY transaction, each value
    as a ledger file holds it (dates ISO text, booleans 0/1; ``models.server_conn``), so neither
    SQLAlchemy nor the ORM is loaded. Checked (and refused or upgraded) as ``read_server`` does."""
    import psycopg

    from models import server_conn, sql

    conn = server_conn.connect(target, create_ok=False)
    try:
        conn.execute(sql.begin_snapshot(conn))
        try:
            rows: dict[str, list[dict[str, Any]]] = {}
            counters: dict[str, int] = {}
            for name, _columns in file_tables():
                cursor = conn.execute(f'SELECT * FROM "{name}" ORDER BY id')
                keys = [d[0] for d in cursor.description]
                rows[name] = [dict(zip(keys, r)) for r in cursor]
                seq = conn.execute("SELECT pg_get_serial_sequence(?, 'id')", (name,)).fetchone()[0]
                if seq is not None:
                    last, called = conn.execute(f"SELECT last_value, is_called FROM {seq}").fetchone()
                    counters[name] = last if called else 0
        finally:
            conn.rollback()
    except psycopg.Error as exc:
        from models import server

        raise CopyError(server.problem(exc, target)) from None
    finally:
        conn.close()
    return Snapshot(rows, counters)


def _sequences(conn: Any) -> dict[str, int]:
    """The highest value each table's id sequence has given (0 when none yet)."""
    from sqlalchemy import text

    out = {}
    for t in row_tables():
        seq = conn.execute(text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": t.name}).scalar()
        if seq is None:
            continue
        last, called = conn.execute(text(f"SELECT last_value, is_called FROM {seq}")).one()
        out[t.name] = last if called else 0
    return out


# ---------------------------------------------------------------- writing


def _has_data(counts: dict[str, int]) -> bool:
    return any(counts.values())


def _not_empty(where: str, counts: dict[str, int], *, on_server: bool = False) -> TargetNotEmpty:
    from models.tables import Group, Task, Unit

    said = "，".join(f"{label} {counts.get(name, 0)} 个" for name, label in
                    ((Group.__tablename__, "领导小组"), (Unit.__tablename__, "单位"), (Task.__tablename__, "任务")))
    first = ("服务器上的台账不另作备份，需要时先 taizhang --db 服务器地址 backup" if on_server  # (copy_cli: no backup there)
             else "文件会先备份")
    return TargetNotEmpty(f"{where}中已有台账数据（{said}），没有复制。要用复制来的台账替换它，"
                          f"请加 --replace（{first}）。")


def _owner_only(target: str) -> str:
    """A copy onto a server refused for want of rights (a staff or read-only account): who may do it."""
    from models.db_url import describe

    return (f"{describe(target)}：这个账号不能用复制来新建或替换整个台账（只有台账的所有者账号可以，即 README"
            "「给信息科（服务器管理员）的一页」中建表、复制台账的 taizhang_owner；只读账号不能修改台账）。")


def write_server(target: str, snap: Snapshot, *, replace: bool, progress: Progress | None = None,
                 contents: Contents | None = None) -> Copied:
    """Write ``snap`` into the server ledger ``target`` (schema made if the database is empty) in one
    transaction: nothing of it is seen, or kept, until the commit. ``contents``: where the evidence
    rows' files come from (none copied without it)."""
    from sqlalchemy import text

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
                raise _not_empty(describe(target), counts, on_server=True)
            if _has_data(counts):
                conn.exec_driver_sql("TRUNCATE " + ", ".join(f'"{n}"' for n in names))
            dbapi = conn.connection.dbapi_connection
            from models import task_figures
            from models.server_conn import adopt

            figures = adopt(dbapi, target, cursors_only=True)
            task_figures.pause(figures)  # the 总览 figures: written once, after every row (resume_all)
            written = {}
            for t in row_tables():
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
            for t in row_tables():
                highest = snap.counter(t.name)
                conn.execute(text("SELECT setval(pg_get_serial_sequence(:t, 'id'), :n, :called)"),
                             {"t": t.name, "n": max(highest, 1), "called": highest > 0})
            not_copied = 0
            if contents is not None:
                from models.evidence_content import copy_files

                files = evidence_files(snap)
                not_copied = copy_files(dbapi, files.items(), contents)
                if progress is not None:
                    progress(CONTENT, len(files) - not_copied)
            # the planner's statistics of the tables just filled (else it guesses from empty tables
            # until autovacuum comes by)
            conn.exec_driver_sql("ANALYZE " + ", ".join(f'"{n}"' for n in names))
    except server._database_errors() as exc:
        if server.refused_write(exc, target):  # no right to lock, empty or create the tables
            raise CopyError(_owner_only(target)) from None
        raise CopyError(server.problem(exc, target)) from None
    finally:
        engine.dispose()
    return Copied(written, replaced=_has_data(counts), notes=_not_copied(not_copied))


def evidence_files(snap: Snapshot) -> dict[str, int]:
    """The evidence files the copied rows name: size by SHA-256."""
    return {row["sha256"]: row["size"] for row in snap.rows.get("evidence", [])}


def _not_copied(count: int) -> list[str]:
    return [f"有 {count} 个佐证材料文件在来源台账中缺失或已被改动，未能复制（记录已复制，打开时显示“文件缺失”）。"] if count else []


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
               progress: Progress | None, fill_store: Callable[[], int] | None = None) -> tuple[dict[str, int], bool, int]:
    from models.locking import retry_busy

    names = [name for name, _columns in file_tables()]
    retry_busy(lambda: conn.execute("BEGIN IMMEDIATE"))  # another window writing: wait our turn, or say so
    try:
        conn.execute("PRAGMA defer_foreign_keys = ON")  # rows of one table may name later rows of it
        counts = {n: conn.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}
        if _has_data(counts) and not replace:
            raise _not_empty(where, counts)
        not_copied = fill_store() if fill_store is not None else 0  # the evidence files, before their rows
        from models import task_figures

        task_figures.pause(conn)  # the 总览 figures: written once, after every row (resume_all)
        for n in reversed(names):
            conn.execute(f'DELETE FROM "{n}"')
        conn.execute("DELETE FROM sqlite_sequence")
        written = {}
        for name, columns in file_tables():
            rows = snap.rows.get(name, [])
            if rows:
                conn.executemany(
                    f'INSERT INTO "{name}" ({", ".join(f"{chr(34)}{c}{chr(34)}" for c in columns)}) '
                    f'VALUES ({", ".join(f":{c}" for c in columns)})',
                    [{c: file_value(r[c]) for c in columns} for r in rows])
            written[name] = len(rows)
            if progress is not None:
                progress(name, len(rows))
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
    return written, _has_data(counts), not_copied


def write_file(path: Path, snap: Snapshot, *, replace: bool, progress: Progress | None = None,
               contents: Contents | None = None) -> Copied:
    """Write ``snap`` into the ledger file ``path``: a new file is built beside it and renamed into
    place; an existing one is filled in one transaction (backed up first when it had data).
    ``contents``: where the evidence rows' files come from, written into the ``.files`` folder of
    ``path`` before the rows (none without it)."""
    from models import store

    fill_store: Callable[[], int] | None = None
    if contents is not None:
        fill_store = lambda: _fill_store(path, evidence_files(snap), contents, progress)  # noqa: E731

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
                written, _, not_copied = _fill_file(conn, snap, replace=False, where=f"「{path}」", progress=progress,
                                                    fill_store=fill_store)
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
        return Copied(written, replaced=False, notes=_not_copied(not_copied))
    conn = store.connect(path)
    saved = None
    try:
        if replace and _file_has_data(conn):
            from models.backup import make_backup

            saved = make_backup(path, "restore", source=conn)
        written, replaced, not_copied = _fill_file(conn, snap, replace=replace, where=f"「{path}」", progress=progress,
                                                   fill_store=fill_store)
    finally:
        conn.close()
    return Copied(written, replaced=replaced, backup=saved if replaced else None, notes=_not_copied(not_copied))


def _fill_store(path: Path, files: dict[str, int], contents: Contents, progress: Progress | None) -> int:
    """The evidence files into the ``.files`` folder of the ledger file ``path``, each written beside
    its place, checked against its hash and renamed into it; one there already is kept. Returns how
    many could not be had."""
    import hashlib

    from models.evidence_store import _private_dir, check, stored_path, store_dir

    not_copied = 0
    for sha, size in files.items():
        final = stored_path(path, sha)
        if check(path, sha, size) == "ok":
            continue
        parts = contents(sha, size)
        if parts is None:
            not_copied += 1
            continue
        _private_dir(store_dir(path))
        _private_dir(final.parent)
        tmp = final.with_name(f".incoming-{os.getpid()}-{sha}")
        digest, written = hashlib.sha256(), 0
        try:
            with open(tmp, "wb") as out:
                for chunk in parts:
                    digest.update(chunk)
                    written += len(chunk)
                    out.write(chunk)
            if (digest.hexdigest(), written) != (sha, size):
                not_copied += 1
                continue
            os.chmod(tmp, 0o600)
            os.replace(tmp, final)
        except _broken_content():
            not_copied += 1
        finally:
            tmp.unlink(missing_ok=True)
    if progress is not None:
        progress(CONTENT, len(files) - not_copied)
    return not_copied


def _broken_content() -> type[BaseException]:
    from models.evidence_content import _Broken

    return _Broken


def _file_has_data(conn: sqlite3.Connection) -> bool:
    return any(conn.execute(f'SELECT 1 FROM "{name}" LIMIT 1').fetchone() for name, _columns in file_tables())


# ---------------------------------------------------------------- the whole copy


def same_ledger(source: str, target: str) -> bool:
    if is_server(source) or is_server(target):
        return source.strip() == target.strip()
    try:
        return Path(source).resolve() == Path(target).resolve()
    except OSError:
        return False


def copy_ledger(source: str, target: str, *, replace: bool = False, progress: Progress | None = None) -> Copied:
    """Copy the whole ledger ``source`` to ``target`` (each a file path or a postgresql:// URL),
    its evidence files along."""
    if same_ledger(source, target):
        raise CopyError(f"来源和目标是同一个台账（{display(source)}），没有复制。")
    if is_server(source):  # into a file: the plain connection's file values; into a server: typed values
        snap = read_server(source) if is_server(target) else read_server_as_file(source)
    else:
        snap = read_file(Path(source))
    if not is_server(source) and not is_server(target):
        done = write_file(Path(target), snap, replace=replace, progress=progress)
        if snap.rows.get("evidence"):
            done.notes.extend(_copy_evidence_files(Path(source), Path(target), snap))
        return done
    with _contents(source, snap) as contents:
        if is_server(target):
            return write_server(target, snap, replace=replace, progress=progress, contents=contents)
        return write_file(Path(target), snap, replace=replace, progress=progress, contents=contents)


class _contents:
    """Where a copy's evidence files come from: a file's ``.files`` folder, or the server ledger's
    content (on a connection of its own, opened only when the rows name any file)."""

    def __init__(self, source: str, snap: Snapshot):
        self.source, self.conn = source, None
        self.wanted = bool(snap.rows.get("evidence"))

    def __enter__(self) -> Contents | None:
        if not self.wanted:
            return None
        if not is_server(self.source):
            from models.evidence_content import parts_in_file
            from models.evidence_store import MAX_SIZE, stored_path

            def from_folder(sha: str, size: int) -> Iterator[bytes] | None:
                path = stored_path(self.source, sha)
                if not path.is_file() or path.stat().st_size != size:
                    return None
                return parts_in_file(path, path.name, max(size, MAX_SIZE))

            return from_folder
        from models import server, store
        from models.evidence_content import read_parts, states

        try:
            self.conn = store.connect(self.source)
        except DatabaseError as exc:
            raise CopyError(str(exc)) from None
        raw = self.conn.raw

        def from_server(sha: str, size: int) -> Iterator[bytes] | None:
            try:
                if states(raw, [(sha, size)])[sha] != "ok":
                    return None
            except server._database_errors() as exc:
                raise CopyError(f"读取佐证材料时出错：{server.problem(exc, self.source)}") from None
            return _said(read_parts(raw, sha))

        def _said(parts: Iterator[bytes]) -> Iterator[bytes]:
            try:
                yield from parts
            except server._database_errors() as exc:
                raise CopyError(f"读取佐证材料时出错：{server.problem(exc, self.source)}") from None

        return from_server

    def __exit__(self, *exc: object) -> None:
        if self.conn is not None:
            self.conn.close()


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
