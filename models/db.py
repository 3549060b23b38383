"""The ledger file through the ORM (SQLModel sessions) for the operations and screens.

Opening goes through ``models.store.prepare``: a new file is created from the schema, an older one
upgraded, a newer, foreign or damaged one refused with a Chinese message and left untouched. Every
connection runs with WAL, foreign keys enforced and a busy timeout, so two windows on one file
wait their turn instead of failing.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlmodel import Session

from models import tables  # noqa: F401  (registers the tables on SQLModel.metadata)
from models.errors import DatabaseError
from models.store import BUSY_TIMEOUT_MS, apply_pragmas, prepare

__all__ = ["Database", "DatabaseError", "integrity_ok"]


def _on_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
    apply_pragmas(dbapi_connection)


class Database:
    """One ledger file. ``Database(path)`` opens it, creating or upgrading the schema as needed."""

    def __init__(self, path: str | os.PathLike[str]):
        from models.db_url import is_server

        # A postgresql:// URL opens a server ledger (issue 18): ``path`` is then None, ``target`` the URL.
        self.target = str(path).strip() if is_server(path) else str(path)
        self.is_server = is_server(path)
        if self.is_server:
            from models.server import open_ledger

            self.path: Path | None = None
            self.engine: Engine = open_ledger(self.target)
            return
        self.path = Path(path)
        prepare(self.path)
        self.engine = create_engine(f"sqlite:///{self.path}", connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
        event.listen(self.engine, "connect", _on_connect)

    @property
    def schema_version(self) -> int:
        with self.engine.connect() as conn:
            if self.is_server:
                from models.server import schema_version

                return schema_version(conn) or 0
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
    if db.is_server:
        return True  # the server keeps its own pages whole
    with db.engine.connect() as conn:
        return conn.execute(text("PRAGMA quick_check")).scalar_one() == "ok"
