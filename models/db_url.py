"""Where a ledger is: a SQLite file path, or a PostgreSQL server URL (issue 18).

``--db`` and ``TAIZHANG_DB`` take either. A server is named as libpq names it::

    postgresql://user@host:port/dbname
    postgresql://user@/dbname?host=/run/postgresql        (a local socket folder)

The password is not written in the URL: libpq reads it from ``PGPASSFILE`` or ``~/.pgpass``. A URL
that has one anyway is accepted, but ``redact`` is what every message, log and history line shows, so
the password never reaches the screen or a file. Plain Python: nothing here opens a connection.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

SCHEMES = ("postgresql://", "postgres://")
_HIDDEN = "***"


def is_server(target: object) -> bool:
    """Whether ``target`` (a ``--db`` value) names a PostgreSQL server rather than a file."""
    return isinstance(target, str) and target.strip().lower().startswith(SCHEMES)


def redact(target: str) -> str:
    """The URL fit to show: a password in it (``user:secret@`` or ``?password=secret``) becomes ***."""
    text = str(target)
    text = re.sub(r"^([a-zA-Z][a-zA-Z0-9+.-]*://[^/@?#]*?):[^/@?#]*@", rf"\1:{_HIDDEN}@", text)
    return re.sub(r"(?i)([?&]password=)[^&#]*", rf"\g<1>{_HIDDEN}", text)


def server_parts(target: str) -> tuple[str | None, int | None, str | None, str | None]:
    """(host, port, database, user) a server URL names, each None where it names none; the host may be
    a local socket folder (``?host=/run/postgresql``)."""
    parts = urlsplit(target.strip())
    query = dict(parse_qsl(parts.query))
    host = parts.hostname or query.get("host") or None
    port = parts.port if _port_ok(parts) else None
    db = (parts.path or "").lstrip("/") or query.get("dbname") or None
    return host, port, db, parts.username or query.get("user") or None


def describe(target: str) -> str:
    """A short Chinese name of a server ledger for messages: 服务器 host:port 上的数据库 db（用户 u）."""
    host, port, db, user = server_parts(target)
    where = f"{host or '本机'}:{port}" if port else host or "本机"
    return f"服务器 {where} 上的数据库「{db or '（默认）'}」" + (f"（用户 {user}）" if user else "")


def _port_ok(parts) -> bool:
    try:
        return parts.port is not None
    except ValueError:
        return False


def sqlalchemy_url(target: str) -> str:
    """The URL for SQLAlchemy's psycopg 3 driver (``postgresql+psycopg://…``)."""
    text = target.strip()
    _scheme, rest = text.split("://", 1)
    return f"postgresql+psycopg://{rest}"


def display(target: object) -> str:
    """A ``--db`` value as messages name it: a file path as it is, a server URL redacted."""
    return redact(str(target)) if is_server(target) else str(target)
