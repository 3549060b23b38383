"""What the command line says when the server under a command fails part-way (issue 18): the
connection lost in the middle of an export or a change (the server restarted, the network cut, an
administrator ended the session), or another error of the server's. A server rolls back the
transaction of a lost connection, so nothing is half-written in the ledger; an export removes its
unfinished file. The message is Chinese, names the server ledger and never holds a password."""

from __future__ import annotations

_LOST = ("server closed the connection", "connection is closed", "terminating connection", "connection is bad",
         "consuming input failed", "connection timed out", "connection reset", "broken pipe",
         "the connection is lost", "ssl syscall error", "eof detected", "connection not open")


def server_failure(exc: BaseException, target: object, command: str | None) -> str | None:
    """The message for ``exc`` raised by the server ledger ``target`` while running ``command``, or
    None when ``target`` is no server or ``exc`` is not the server's."""
    from models.db_url import is_server

    if not isinstance(target, str) or not is_server(target):
        return None
    try:
        import psycopg
        from sqlalchemy.exc import DBAPIError
    except ImportError:  # pragma: no cover - both are dependencies
        return None
    cause = getattr(exc, "orig", None) or exc
    if not isinstance(exc, (psycopg.Error, DBAPIError)) and not isinstance(cause, psycopg.Error):
        return None
    from models import server
    from models.db_url import describe

    outcome = "文件没有写出" if command == "export" else "没有写入任何修改"
    refused = server.refused_write(exc, target)
    if refused:
        return refused
    text = " ".join(str(cause).lower().split())
    if any(phrase in text for phrase in _LOST):
        return (f"与{describe(target)}的连接在命令进行中断开了（服务器重启、网络中断，或会话被管理员结束）；"
                f"{outcome}，台账未作任何改动。请检查网络和服务器后再试。")
    return f"{server.problem(exc, target)}（{outcome}，台账未作任何改动。）"
