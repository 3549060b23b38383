"""The password of a server ledger typed in the window (issue 18): kept in this process's memory only.

libpq finds a password in ``~/.pgpass`` (or the file ``PGPASSFILE`` names). When it finds none, the
TUI asks once and hands it here; every connection this process then makes to that ledger
(``models.server.engine``, ``models.server_conn.connect``, the window's listener) passes it as
psycopg's ``password`` argument. It is never put into a URL, the environment, a file or a message.
"""

from __future__ import annotations

from typing import Any

_PASSWORDS: dict[str, str] = {}

MISSING, WRONG = "missing", "wrong"


def _key(target: str) -> str:
    return str(target).strip()


def remember(target: str, password: str) -> None:
    _PASSWORDS[_key(target)] = password


def forget(target: str) -> None:
    _PASSWORDS.pop(_key(target), None)


def connect_args(target: str) -> dict[str, Any]:
    """``{"password": …}`` when one was typed for ``target``, else nothing (libpq looks it up)."""
    password = _PASSWORDS.get(_key(target))
    return {"password": password} if password is not None else {}


def password_problem(exc: BaseException) -> str | None:
    """``MISSING`` when the server wants a password libpq did not find, ``WRONG`` when the one given
    was refused, else None (the server is down, the database missing …)."""
    text = str(getattr(exc, "orig", None) or exc).lower()
    if "no password supplied" in text or "password is required" in text:
        return MISSING
    if "password authentication failed" in text or "口令认证失败" in text or "密码认证失败" in text:
        return WRONG
    return None


def login_problem(target: str) -> tuple[str | None, BaseException | None]:
    """Try to log in to ``target`` once: (``MISSING`` / ``WRONG`` / None, the error or None)."""
    import psycopg

    from models.db_url import sqlalchemy_url
    from models.server_conn import CONNECT_TIMEOUT_S  # not models.server: no SQLAlchemy to log in

    url = sqlalchemy_url(target).replace("postgresql+psycopg://", "postgresql://", 1)
    try:
        psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT_S, application_name="taizhang",
                        **connect_args(target)).close()
    except psycopg.Error as exc:
        return password_problem(exc), exc
    return None, None
