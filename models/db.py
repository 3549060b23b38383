"""Opening the one SQLite file: pragmas, schema version, upgrades, clear refusals.

Every connection runs with WAL, foreign keys enforced and a busy timeout, so two windows on one
file wait their turn instead of failing. The schema version lives in ``PRAGMA user_version``.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlmodel import Session, SQLModel

from models import tables  # noqa: F401  (registers the tables on SQLModel.metadata)
from models.migrations import CURRENT_VERSION, upgrade

BUSY_TIMEOUT_MS = 15_000


class DatabaseError(Exception):
    """A database file that cannot be opened as it is. The message is Chinese and meant for the user."""


def _on_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


def _create_private(path: Path) -> None:
    """Create the file readable by its owner only before SQLite makes it (0600 on POSIX)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o600)
    os.close(fd)


class Database:
    """One ledger file. ``Database(path)`` opens it, creating or upgrading the schema as needed."""

    def __init__(self, path: str | os.PathLike[str]):
        self.path = Path(path)
        if not self.path.exists():
            try:
                _create_private(self.path)
            except OSError as exc:
                raise DatabaseError(f"无法创建数据库文件「{self.path}」：{exc.strerror or exc}") from None
        self.engine: Engine = create_engine(f"sqlite:///{self.path}", connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
        event.listen(self.engine, "connect", _on_connect)
        try:
            self._prepare()
        except sqlite3.DatabaseError as exc:  # pragma: no cover - wrapped below as well
            self.engine.dispose()
            raise DatabaseError(self._damaged_message(exc)) from None
        except Exception as exc:
            self.engine.dispose()
            if isinstance(exc, DatabaseError):
                raise
            cause = getattr(exc, "orig", exc)
            if isinstance(cause, sqlite3.DatabaseError):
                raise DatabaseError(self._damaged_message(cause)) from None
            raise

    def _damaged_message(self, exc: BaseException) -> str:
        return f"「{self.path}」不是 taizhang 的数据库文件，或文件已损坏（{exc}）。"

    def _prepare(self) -> None:
        with self.engine.connect() as conn:
            version = conn.exec_driver_sql("PRAGMA user_version").scalar_one()
            names = set(conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'table'").scalars())
        # version 0 with only our own tables is a creation cut short (say, by a power cut): finish it
        foreign = names - set(SQLModel.metadata.tables) - {"sqlite_sequence"}
        if version > CURRENT_VERSION:
            raise DatabaseError(
                f"数据库「{self.path}」由较新版本的 taizhang 创建（结构版本 {version}，本程序支持到 {CURRENT_VERSION}），"
                "请升级 taizhang 后再打开；文件未作任何改动。"
            )
        if version == 0 and foreign:
            raise DatabaseError(f"「{self.path}」是一个 SQLite 文件，但不是 taizhang 的数据库；文件未作任何改动。")
        with self.engine.connect() as conn:  # only once the file is known to be ours
            conn.exec_driver_sql("PRAGMA journal_mode = WAL")
        if version == 0:
            SQLModel.metadata.create_all(self.engine)
            with self.engine.begin() as conn:
                conn.exec_driver_sql(f"PRAGMA user_version = {CURRENT_VERSION}")
        elif version < CURRENT_VERSION:
            upgrade(self.engine, version)

    @property
    def schema_version(self) -> int:
        with self.engine.connect() as conn:
            return conn.exec_driver_sql("PRAGMA user_version").scalar_one()

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def integrity_ok(db: Database) -> bool:
    with db.engine.connect() as conn:
        return conn.execute(text("PRAGMA quick_check")).scalar_one() == "ok"
