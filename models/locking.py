"""Two windows (or a window and an import) on one ledger file: writers take turns.

Every connection has a busy timeout (``models.store.BUSY_TIMEOUT_MS``), so SQLite itself waits for
the other writer. An import of 10,000 tasks holds the lock for about a second; a longer wait (a
backup of a big file over a network share) is retried a few times more, and only then told to the
user in words, never as "database is locked".
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from typing import TypeVar

from models.errors import OperationError

T = TypeVar("T")
RETRIES = 3
BUSY_MESSAGE = ("数据库正被另一个窗口或导入长时间占用，等待后仍未轮到，这次修改没有保存。"
                "请稍后再试；如另一个窗口正在导入大文件，请等它完成。")


def is_busy(exc: BaseException | None) -> bool:
    """Whether an error is SQLite's "database is locked / busy" (not any other failure), or a
    server's lock wait that ran out (SQLSTATE 55P03)."""
    if getattr(exc, "sqlstate", None) == "55P03":
        return True
    if not isinstance(exc, sqlite3.OperationalError):
        return False
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def retry_busy(step: Callable[[], T], *, retries: int = RETRIES, pause: float = 0.2) -> T:
    """Run ``step`` (a statement that takes the write lock), retrying while another writer holds
    it; OperationError with a Chinese message when it never comes free."""
    for attempt in range(retries + 1):
        try:
            return step()
        except Exception as exc:  # noqa: BLE001 - only a busy ledger is handled; anything else goes on
            if not is_busy(exc):
                raise
            if not isinstance(exc, sqlite3.OperationalError):
                # a server's lock wait ran out (lock_timeout, as long as a file's busy timeout): its
                # transaction is spent, so it is said at once, not retried on it
                raise OperationError(BUSY_MESSAGE) from None
            if attempt == retries:
                raise OperationError(BUSY_MESSAGE) from None
            time.sleep(pause * (attempt + 1))
    raise AssertionError("unreachable")
