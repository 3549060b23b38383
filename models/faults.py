"""What went wrong with the disk or the file under a write, in words (issue 13).

SQLite reports a full disk (``SQLITE_FULL``), a failed write (``SQLITE_IOERR``: a removed USB stick, a
file over the size the system allows), a file or folder it may not write (``SQLITE_READONLY``,
``SQLITE_PERM``, ``SQLITE_CANTOPEN``) with short English texts. ``storage_problem`` turns each into a
Chinese sentence naming the file; every front end (command line, TUI, importer, operations) shows it
instead of a traceback. SQLite rolls back the transaction that failed, so nothing is half-written.
"""

from __future__ import annotations

import errno
import os
import sqlite3
from pathlib import Path

_SAVED = "这次修改没有保存，数据库未作任何改动。"


def instead(message: str, outcome: str) -> str:
    """``message`` (from ``storage_problem``) for a command that changes nothing (a backup, an
    export): what did not happen (``outcome``: "备份没有完成……") in place of "这次修改没有保存"."""
    return message.replace(_SAVED, outcome)


def _code(exc: BaseException) -> int:
    return getattr(exc, "sqlite_errorcode", 0) & 0xFF


def storage_problem(exc: BaseException | None, path: str | os.PathLike[str] | None) -> str | None:
    """The Chinese sentence for a disk or permission failure of SQLite (or of the OS) on ``path``,
    or None when ``exc`` is something else (a busy lock, a damaged file, a bug)."""
    if exc is None:
        return None
    cause = getattr(exc, "orig", None)  # SQLAlchemy wraps the sqlite3 error
    if isinstance(cause, BaseException):
        exc = cause
    name = f"「{path}」" if path is not None else ""
    if isinstance(exc, OSError):
        return os_problem(exc, path)
    if not isinstance(exc, sqlite3.Error):
        return None
    code = _code(exc)
    text = str(exc).lower()
    if code == sqlite3.SQLITE_FULL or "disk is full" in text:
        return f"磁盘空间已满，数据库{name}无法写入。{_SAVED}请清理磁盘空间后再试。"
    if code == sqlite3.SQLITE_READONLY or "readonly database" in text:
        return (f"数据库{name}是只读的，不能写入（文件设为只读、所在文件夹不可写，或当前用户没有写入权限）。"
                f"{_SAVED}请取消只读或换一个可写的位置。")
    if (code == sqlite3.SQLITE_IOERR or "disk i/o error" in text) and _nearly_full(path):
        # a disk full to the last byte: SQLite fails sizing its -shm or WAL before it can say "full"
        return f"磁盘空间已满，数据库{name}无法写入。{_SAVED}请清理磁盘空间后再试。"
    if code == sqlite3.SQLITE_IOERR or "disk i/o error" in text:
        return (f"读写数据库{name}时磁盘出错（磁盘可能已满、已被拔出，或文件超过了系统允许的大小）。"
                f"{_SAVED}请检查磁盘后再试。")
    if code in (sqlite3.SQLITE_PERM, sqlite3.SQLITE_CANTOPEN) or "unable to open" in text:
        return (f"无法打开数据库{name}进行读写（没有权限，或所在文件夹不可写、不存在）。"
                f"{_SAVED}请检查文件和文件夹的权限。")
    return None


def _nearly_full(path: str | os.PathLike[str] | None) -> bool:
    """Whether the disk of ``path`` has less than 1 MB left (unknown: False)."""
    if path is None:
        return False
    try:
        st = os.statvfs(Path(path).absolute().parent)
    except (OSError, ValueError, AttributeError):  # AttributeError: no statvfs (Windows)
        return False
    return st.f_bavail * st.f_frsize < 1024 * 1024


def os_problem(exc: OSError, path: str | os.PathLike[str] | None) -> str:
    """A failed file operation of ours (writing an export, a backup) in words."""
    name = f"「{path}」" if path is not None else ""
    number = exc.errno
    if number == errno.ENOSPC:
        return f"磁盘空间已满，无法写入{name}。"
    if number == errno.EFBIG:
        return f"文件超过了系统允许的大小，无法写入{name}。"
    if number in (errno.EACCES, errno.EPERM):
        return f"没有权限写入{name}（文件或文件夹只读，或当前用户没有写入权限）。"
    if number == errno.EROFS:
        return f"{name}所在的磁盘是只读的，不能写入。"
    if number == errno.ENAMETOOLONG:
        return f"文件名太长，无法写入{name}。"
    return f"无法写入{name}（{exc.strerror or exc}）。"


def copy_problem(exc: BaseException, path: str | os.PathLike[str] | None) -> str:
    """A failed copy of ours into ``path`` (a backup, a restore: SQLite's backup API or the OS) in
    words; SQLite's own text only for what is neither a disk nor a permission failure."""
    if isinstance(exc, OSError):
        return os_problem(exc, path)
    name = f"「{path}」" if path is not None else ""
    code = _code(exc)
    text = str(exc).lower()
    if code == sqlite3.SQLITE_FULL or "disk is full" in text:
        return f"磁盘空间已满，无法写入{name}。"
    if code == sqlite3.SQLITE_READONLY or "readonly database" in text:
        return f"{name}是只读的，不能写入（文件设为只读、所在文件夹不可写，或当前用户没有写入权限）。"
    if (code == sqlite3.SQLITE_IOERR or "disk i/o error" in text) and _nearly_full(path):
        return f"磁盘空间已满，无法写入{name}。"
    if code == sqlite3.SQLITE_IOERR or "disk i/o error" in text:
        return f"写入{name}时磁盘出错（磁盘可能已满、已被拔出，或文件超过了系统允许的大小）。"
    if code in (sqlite3.SQLITE_PERM, sqlite3.SQLITE_CANTOPEN) or "unable to open" in text:
        return f"无法打开{name}进行写入（没有权限，或所在文件夹不可写、不存在）。"
    return f"{exc}。"


def not_a_ledger_file(path: Path) -> str | None:
    """Why ``path``, given as the ledger, is no file SQLite can keep a ledger in (a folder, a device
    such as /dev/zero, a FIFO, a socket, a symbolic link in a loop), in words; None when it is a
    regular file or not there yet (a new ledger is created)."""
    import stat

    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return f"数据库「{path}」是一个循环的快捷方式（符号链接最终指向它自己），找不到真正的文件。"
        return None  # said by the opening itself
    what = ("是一个文件夹" if stat.S_ISDIR(mode) else "是一个管道（FIFO）" if stat.S_ISFIFO(mode)
            else "是一个设备（如 /dev/zero）" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
            else "是一个套接字" if stat.S_ISSOCK(mode) else None if stat.S_ISREG(mode) else "不是普通文件")
    if what is None:
        return None
    return f"数据库「{path}」{what}，不是数据库文件，未作任何改动。请用 --db 指定一个数据库文件（如 台账.db）。"


def writable_problem(path: Path) -> str | None:
    """Why the ledger at ``path`` cannot be written at all, found before a write is tried: the file
    read-only, or (for a new file, or the WAL beside it) its folder. None when it looks writable."""
    folder = path.parent if str(path.parent) else Path(".")
    if path.exists() and not os.access(path, os.W_OK):
        return f"数据库「{path}」是只读的（文件设为只读，或当前用户没有写入权限），不能写入，文件未作任何改动。请取消只读或换一个可写的位置。"
    if not os.access(folder, os.W_OK | os.X_OK):
        wal = path.with_name(path.name + "-wal")
        if not path.exists() or not wal.exists():
            return (f"数据库「{path}」所在的文件夹「{folder}」不可写（只读或没有权限），"
                    "无法打开数据库进行读写，文件未作任何改动。请换一个可写的位置。")
    return None
