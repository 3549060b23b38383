"""A ledger on a PostgreSQL server (issue 18): connecting through SQLAlchemy with psycopg 3, the
schema made from the one schema source (``models.tables``), and connection failures said in Chinese.

The schema version is a one-row table ``taizhang_schema`` (PostgreSQL has no ``PRAGMA user_version``);
ids are ``SERIAL`` columns, whose sequences never give a number twice, like SQLite's AUTOINCREMENT.
Creating the schema is one transaction under an advisory lock, so two first connections at once
make it once. Nothing here is used for a ledger file: the SQLite path loads none of it.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Engine, create_engine, text

from models.db_url import describe, redact, sqlalchemy_url
from models.errors import DatabaseError
from models import migrations

VERSION_TABLE = "taizhang_schema"
CONNECT_TIMEOUT_S = 10
_LOCK_KEY = 0x7A68_0018  # pg_advisory_xact_lock key for creating the schema


class ServerError(DatabaseError):
    """A server ledger that cannot be used as it is; the message is Chinese and has no password."""


def engine(target: str) -> Engine:
    """An engine on the server ledger ``target`` (a postgresql:// URL). Connects lazily."""
    try:
        import psycopg  # noqa: F401
    except ImportError:  # pragma: no cover - psycopg is a dependency
        raise ServerError("未安装 PostgreSQL 驱动 psycopg，无法连接服务器上的台账（pip install \"psycopg[binary]\"）。") from None
    from models.server_login import connect_args

    return create_engine(sqlalchemy_url(target), pool_pre_ping=False,
                         connect_args={"connect_timeout": CONNECT_TIMEOUT_S, "application_name": "taizhang",
                                       **connect_args(target)})  # a password typed in the window (memory only)


def problem(exc: BaseException, target: str) -> str:
    """A Chinese sentence for a failure talking to the server at ``target``."""
    where = describe(target)
    detail = " ".join(redact(str(getattr(exc, "orig", None) or exc)).split())
    low = detail.lower()
    if "password authentication failed" in low or "口令认证失败" in detail or "密码认证失败" in detail:
        return f"无法登录{where}：密码不对。请检查 ~/.pgpass（或 PGPASSFILE 指向的文件）中这个用户的密码。"
    if "no password supplied" in low or "password is required" in low:
        return (f"无法登录{where}：服务器要求密码，但没有找到。请把密码写入 ~/.pgpass"
                "（或 PGPASSFILE 指向的文件，格式 主机:端口:数据库:用户:密码，权限 0600），不要写在命令行里。")
    match = re.search(r'database "([^"]*)" does not exist|数据库 "([^"]*)" 不存在', detail)
    if match:
        return f"{where}不存在。请服务器管理员先建立这个数据库（见 README「在服务器上使用」）。"
    match = re.search(r'role "([^"]*)" does not exist|角色 "([^"]*)" 不存在', detail)
    if match:
        return f"无法登录{where}：服务器上没有用户「{match.group(1) or match.group(2)}」。"
    if "lock timeout" in low or "锁超时" in detail:
        return f"{where}正被别人使用（有人正在查看或修改），等待后仍未轮到；没有写入，请稍后再试。"
    if "permission denied" in low or "权限不够" in detail or "insufficientprivilege" in type(exc).__name__.lower():
        return f"{where}：这个账号没有修改台账的权限（{detail[:120]}）。"
    if any(s in low for s in ("connection refused", "no such file or directory", "could not connect",
                              "failed to resolve host", "could not translate host name", "timeout expired",
                              "name or service not known", "network is unreachable", "server closed the connection",
                              "connection is bad", "consuming input failed", "connection timed out",
                              "terminating connection", "connection is closed", "the database system is")):
        return f"连不上{where}：服务器没有运行，或网络不通。请检查服务器地址和网络，或联系管理员。"
    return f"{where}出错：{detail[:200]}"


READ_ONLY_MESSAGE = "这个账号只能查看台账，不能修改（服务器上的只读账号）；没有保存任何修改。"


def refused_write(exc: BaseException, target: str) -> str | None:
    """The message for a write the server refused because this account may only read; else None."""
    cause = getattr(exc, "orig", None) or exc
    state = getattr(cause, "sqlstate", None) or getattr(getattr(cause, "diag", None), "sqlstate", None)
    if state == "42501" or type(cause).__name__ == "InsufficientPrivilege":
        return READ_ONLY_MESSAGE
    if state == "25006":  # read-only transaction (a standby, or default_transaction_read_only)
        return READ_ONLY_MESSAGE
    return None


def _database_errors() -> tuple[type[BaseException], ...]:
    import psycopg
    from sqlalchemy.exc import DBAPIError

    return DBAPIError, psycopg.Error


def schema_version(conn: Any) -> int | None:
    """The ledger's schema version on this connection; None when the database has no taizhang schema."""
    exists = conn.execute(text("SELECT to_regclass(:name)"), {"name": VERSION_TABLE}).scalar()
    if exists is None:
        return None
    return conn.execute(text(f"SELECT version FROM {VERSION_TABLE}")).scalar()


def _tables_in_public(conn: Any) -> list[str]:
    return list(conn.execute(text(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
        "ORDER BY table_name")).scalars())


def create_schema(conn: Any) -> None:
    """Every table of ``models.tables`` and the version row, inside the caller's transaction."""
    from sqlmodel import SQLModel

    import models.tables  # noqa: F401  (registers the tables)

    SQLModel.metadata.create_all(conn)
    from models import task_figures
    from models.server_conn import adopt

    task_figures.create(adopt(conn.connection.dbapi_connection, "", cursors_only=True))  # triggers: plain SQL
    from models import round_figures

    round_figures.create(adopt(conn.connection.dbapi_connection, "", cursors_only=True))
    conn.execute(text(f"CREATE TABLE {VERSION_TABLE} (one BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (one), "
                      "version INTEGER NOT NULL)"))
    conn.execute(text(f"INSERT INTO {VERSION_TABLE} (version) VALUES (:v)"), {"v": migrations.CURRENT_VERSION})


def check_version(version: int | None, target: str, *, create_ok: bool, tables: list[str]) -> None:
    where = describe(target)
    if version is None:
        if tables:
            raise ServerError(f"{where}中已有别的表（{'、'.join(tables[:5])}），不是 taizhang 的台账；未作任何改动。")
        if not create_ok:
            raise ServerError(f"{where}中还没有台账。")
        return
    current = migrations.CURRENT_VERSION
    if version > current:
        raise ServerError(f"{where}中的台账由较新版本的 taizhang 创建（结构版本 {version}，本程序支持到 "
                          f"{current}），请升级 taizhang；未作任何改动。")
    if version < migrations.SERVER_FIRST_VERSION:  # never made by taizhang on a server
        raise ServerError(f"{where}中的台账结构版本为 {version}，本程序为 {current}；服务器上的台账不能从这个版本升级"
                          "（请先用旧版本 taizhang copy 到文件，升级后再 copy 回去）。")


def prepare(conn: Any, target: str, *, create_ok: bool = True) -> bool:
    """Check (and, when the database is empty, create) the ledger's schema inside the caller's
    transaction on ``conn``; True when it was created now."""
    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
    version = schema_version(conn)
    tables = _tables_in_public(conn) if version is None else []
    check_version(version, target, create_ok=create_ok, tables=tables)
    if version is None:
        create_schema(conn)
        return True
    if version < migrations.CURRENT_VERSION:
        upgrade(conn, target, version)
    return False


def upgrade(conn: Any, target: str, version: int) -> None:
    """Bring a server ledger at ``version`` to the current one inside the caller's transaction
    (which holds the schema lock): the ledger's write lock first, so no operation is half-way
    meanwhile, then each step of ``models.migrations`` (written once for both engines) and the
    version row; any failure rolls all of it back, the ledger staying at ``version``."""
    from models.server_conn import WRITE_LOCK, adopt

    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": WRITE_LOCK})
    plain = adopt(conn.connection.dbapi_connection, target, cursors_only=True)
    start, where = version, describe(target)
    try:
        while version < migrations.CURRENT_VERSION:
            migrations.STEPS[version](plain)
            version += 1
        conn.execute(text(f"UPDATE {VERSION_TABLE} SET version = :v"), {"v": version})
    except _database_errors() as exc:
        if refused_write(exc, target):
            raise ServerError(f"{where}中的台账结构版本为 {start}，需要升级到 {migrations.CURRENT_VERSION}，但这个账号"
                              "没有修改表结构的权限；请由台账的所有者账号（如 taizhang_owner）先打开一次。未作任何改动。") from None
        raise ServerError(f"{where}中的台账从结构版本 {start} 升级失败（{problem(exc, target)}），未作任何改动。") from None
    except (ValueError, KeyError, TypeError) as exc:  # a step that cannot handle what it found
        raise ServerError(f"{where}中的台账从结构版本 {start} 升级失败（{exc}），未作任何改动。") from None


def open_ledger(target: str, *, create_ok: bool = True) -> Engine:
    """An engine on a checked server ledger (created when the database is empty and ``create_ok``);
    failures raise ``ServerError`` with a Chinese message."""
    eng = engine(target)
    try:
        with eng.begin() as conn:
            prepare(conn, target, create_ok=create_ok)
    except ServerError:
        eng.dispose()
        raise
    except _database_errors() as exc:
        eng.dispose()
        raise ServerError(problem(exc, target)) from None
    return eng
