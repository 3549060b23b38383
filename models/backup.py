"""Backups of the ledger file and restoring one (plain ``sqlite3``; no ORM, no Textual).

A backup is a consistent copy made with SQLite's backup API (never a file copy of a live database,
whose WAL may hold the latest changes) into the ``backups`` folder beside the database file, named
``{stem}-{YYYYMMDD-HHMMSS}-{reason}.db`` (``-2``, ``-3`` … if two fall in the same second). Copies are
single self-contained files (rollback journal, not WAL), created readable by the owner only (0600,
the folder 0700); the newest ``KEEP`` are kept. The date in the name is "today" of ``models.clock``
(so ``TAIZHANG_TODAY`` moves it, as it moves everything else), the time is the clock's.

They are made before an import into a non-empty database, before a schema upgrade, once a day at the
first start, before a restore, and on demand (``taizhang backup``). ``restore`` first saves the
current state — as a backup, or, when the current file is damaged, as a raw copy
``{stem}-damaged-{…}.db`` — then copies the chosen backup into the database file, again through the
backup API, so another window that has the file open sees the restored data.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from models.errors import DatabaseError
from models.sidecars import LEDGER_TABLES, holds_something

FOLDER = "backups"
KEEP = 30
REASONS = {"manual": "手动备份", "daily": "每日备份", "import": "导入前", "upgrade": "升级前",
           "restore": "恢复前"}
_TIMEOUT = 15.0
RESTORE_WAIT_S = _TIMEOUT  # how long a restore waits for another window's or import's write to end


class _StillBusy(Exception):
    """Another connection kept the ledger's write lock past ``RESTORE_WAIT_S``."""


class BackupError(DatabaseError):
    """A backup that could not be made, or a file that cannot be restored (a Chinese message)."""


@dataclass(frozen=True, slots=True)
class BackupInfo:
    path: Path
    time: datetime
    size: int
    reason: str  # a key of REASONS, or "" for a file named without one
    seq: int = 1

    @property
    def reason_text(self) -> str:
        return REASONS.get(self.reason, self.reason or "备份")

    @property
    def label(self) -> str:
        return f"{self.time:%Y-%m-%d %H:%M:%S}　{self.reason_text}　{human_size(self.size)}"


@dataclass(frozen=True, slots=True)
class Restored:
    source: BackupInfo | Path  # the backup restored
    saved: Path | None  # the backup of the state before, if there was a sound one
    damaged_copy: Path | None  # the raw copy of a damaged file put aside instead


def human_size(size: int) -> str:
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} KB"
    return f"{size / 1024 / 1024:.1f} MB"


def backup_dir(db_path: str | os.PathLike[str]) -> Path:
    return Path(db_path).parent / FOLDER


def _pattern(stem: str) -> re.Pattern[str]:
    return re.compile(rf"^{re.escape(stem)}-(\d{{8}}-\d{{6}})(?:-([a-z]+))?(?:-(\d+))?\.db$")


def _stamp() -> datetime:
    from models.clock import now, today

    return datetime.combine(today(), now().time())


def list_backups(db_path: str | os.PathLike[str]) -> list[BackupInfo]:
    """The backups of this database file, newest first (empty or half-written files are skipped)."""
    db_path = Path(db_path)
    folder = backup_dir(db_path)
    pattern = _pattern(db_path.stem)
    found: list[tuple[tuple[datetime, int, int], BackupInfo]] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    for entry in entries:
        match = pattern.match(entry.name)
        if not match:
            continue
        try:
            when = datetime.strptime(match.group(1), "%Y%m%d-%H%M%S")
            st = entry.stat()
        except (ValueError, OSError):
            continue
        if st.st_size == 0 or not entry.is_file():
            continue
        seq = int(match.group(3) or 1)
        info = BackupInfo(Path(entry.path), when, st.st_size, match.group(2) or "", seq)
        found.append(((when, seq, st.st_mtime_ns), info))
    found.sort(key=lambda item: item[0], reverse=True)
    return [info for _, info in found]


def latest_backup(db_path: str | os.PathLike[str]) -> BackupInfo | None:
    backups = list_backups(db_path)
    return backups[0] if backups else None


def _uri(path: Path, mode: str) -> str:
    return f"{path.resolve().as_uri()}?mode={mode}"


def _private_dir(folder: Path) -> None:
    if not folder.is_dir():
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        try:
            os.chmod(folder, 0o700)
        except OSError:
            pass


def file_names(folder: Path, base: str) -> Iterator[Path]:
    """The names a new file ``base`` may take in ``folder``, in order: ``base.db``, ``base-2.db`` … (999)."""
    return (folder / (f"{base}.db" if n == 1 else f"{base}-{n}.db") for n in range(1, 1000))


def _reserve(folder: Path, base: str) -> Path:
    """A new, empty file ``base.db`` (or ``base-2.db`` …) created 0600; no two callers get one name."""
    for target in file_names(folder, base):
        try:
            os.close(os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
            return target
        except FileExistsError:
            continue
    raise BackupError(f"备份文件夹「{folder}」中同名文件过多，无法备份。")


def make_backup(db_path: str | os.PathLike[str], reason: str = "manual", *,
                source: sqlite3.Connection | None = None) -> Path:
    """Copy the database into its backups folder with the backup API; returns the new file.
    ``source`` may be a connection already open on the database (it is left open)."""
    db_path = Path(db_path)
    if reason not in REASONS:
        raise ValueError(f"unknown backup reason {reason!r}")
    if source is None and not db_path.is_file():
        raise BackupError(f"数据库文件「{db_path}」不存在，无法备份。")
    folder = backup_dir(db_path)
    target = part = None
    src = source
    try:
        _private_dir(folder)
        target = _reserve(folder, f"{db_path.stem}-{_stamp():%Y%m%d-%H%M%S}-{reason}")
        part = target.with_name(f".{target.name}.{os.getpid()}.part")  # the pid tells a leftover of a kill
        part.unlink(missing_ok=True)
        os.close(os.open(part, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        if src is None:
            src = sqlite3.connect(_uri(db_path, "rw"), uri=True, timeout=_TIMEOUT)
        dest = sqlite3.connect(part, timeout=_TIMEOUT)
        try:
            src.backup(dest)  # all pages in one step: one read transaction, one consistent state
            dest.execute("PRAGMA journal_mode = DELETE")  # one self-contained file, no -wal beside it
        finally:
            dest.close()
        os.replace(part, target)
    except (OSError, sqlite3.Error) as exc:
        for leftover in (part, target):
            if leftover is not None:
                try:
                    leftover.unlink(missing_ok=True)
                except OSError:
                    pass
        from models.faults import copy_problem

        raise BackupError(f"无法备份数据库「{db_path.name}」到「{folder}」：{copy_problem(exc, folder)}"
                          "数据库未作任何改动。") from None
    finally:
        if src is not None and source is None:
            src.close()
    _rotate(db_path)
    return target


_PART = re.compile(r"^\.(.+\.db)(?:\.(\d+))?\.part$")
_RESTORING = re.compile(r"^\.(.+)-restoring-(\d+)\.db$")


def clean_leftovers(db_path: str | os.PathLike[str]) -> list[str]:
    """Remove what a killed backup or restore left in the backups folder: ``.part`` files, the empty
    backup each had reserved, and ``.{stem}-restoring-{pid}.db`` copies — only those whose process
    is gone (``models.leftovers``). Returns the names removed."""
    from models import leftovers

    db_path = Path(db_path)
    folder = backup_dir(db_path)
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    pattern = _pattern(db_path.stem)
    removed: list[str] = []
    busy: set[str] = set()  # backups a living process is still writing
    for entry in entries:
        name = entry.name
        part, restoring = _PART.match(name), _RESTORING.match(name)
        if part:
            path = Path(entry.path)
            if leftovers.stale(path, int(part[2]) if part[2] else None):
                if leftovers.remove(path):
                    removed.append(name)
            else:
                busy.add(part[1])
        elif restoring and restoring[1] == db_path.stem:
            path = Path(entry.path)
            if leftovers.stale(path, int(restoring[2])) and leftovers.remove(path):
                removed.append(name)
    for entry in entries:
        if entry.name in busy or not pattern.match(entry.name):
            continue
        try:
            empty = entry.is_file() and entry.stat().st_size == 0
        except OSError:
            continue
        path = Path(entry.path)
        if empty and (entry.name in {m[1] for m in map(_PART.match, removed) if m}
                      or leftovers.stale(path, None)) and leftovers.remove(path):
            removed.append(entry.name)
    return removed


def _rotate(db_path: Path) -> None:
    for old in list_backups(db_path)[KEEP:]:
        try:
            old.path.unlink()
        except OSError:
            pass


def has_data(db_path: str | os.PathLike[str]) -> bool:
    """Whether the ledger holds anything (a group, a unit, a task, or history)."""
    db_path = Path(db_path)
    if not db_path.is_file() or db_path.stat().st_size == 0:
        return False
    try:
        conn = sqlite3.connect(_uri(db_path, "rw"), uri=True, timeout=_TIMEOUT)
    except sqlite3.Error:
        return False
    try:
        return holds_something(conn)
    except sqlite3.Error:
        return False
    finally:
        conn.close()


def backup_before_import(db_path: str | os.PathLike[str]) -> Path | None:
    """A backup before an import, when there is anything to lose."""
    return make_backup(db_path, "import") if has_data(db_path) else None


def daily_backup_if_due(db_path: str | os.PathLike[str]) -> Path | None:
    """The first start of the day: a backup unless one was made today (any reason counts) or the
    ledger is empty."""
    from models.clock import today

    if not has_data(db_path):
        return None
    day = today()
    if any(b.time.date() == day for b in list_backups(db_path)):
        return None
    return make_backup(db_path, "daily")


# ---------------------------------------------------------------- checking and restoring


def ledger_problem(path: str | os.PathLike[str], *, read_only: bool = True, storage: bool = False) -> str | None:
    """Why ``path`` is not a sound taizhang ledger (a short Chinese phrase), or None if it is one:
    readable by SQLite, ``PRAGMA quick_check`` ok, our tables, a schema version this program reads.
    With ``storage``, a full disk or a file that cannot be written (``models.faults.storage_problem``)
    raises SQLite's error instead: that is no damage of the file."""
    from models.migrations import CURRENT_VERSION
    from models.schema_check import schema_problem

    path = Path(path)
    if not path.is_file():
        return "文件不存在"
    if path.stat().st_size == 0:
        return "文件是空的"
    try:
        conn = sqlite3.connect(_uri(path, "ro" if read_only else "rw"), uri=True, timeout=_TIMEOUT)
    except sqlite3.Error as exc:
        return f"无法打开（{exc}）"
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        result = [r[0] for r in conn.execute("PRAGMA quick_check")]
        foreign = schema_problem(conn, version) if result == ["ok"] and 1 <= version <= CURRENT_VERSION else None
    except sqlite3.Error as exc:
        from models.faults import storage_problem

        if storage and storage_problem(exc, path):
            raise
        return f"文件已损坏，或不是数据库（{damage_phrase(exc)}）"
    finally:
        conn.close()
    if result != ["ok"]:
        return f"文件已损坏（完整性检查发现问题：{' '.join(result[0].split())[:80]}）"
    if version > CURRENT_VERSION:
        return f"由较新版本的 taizhang 创建（结构版本 {version}，本程序支持到 {CURRENT_VERSION}）"
    if foreign:
        return f"不是 taizhang 的数据库（{foreign}）"
    if version < 1 or not LEDGER_TABLES <= names:
        return "不是 taizhang 的数据库"
    return None


def damage_phrase(exc: sqlite3.Error) -> str:
    """What SQLite's refusal means, in a few words."""
    code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
    if code == sqlite3.SQLITE_NOTADB:
        return "SQLite 无法识别文件格式"
    if code == sqlite3.SQLITE_CORRUPT:
        return "SQLite 读到损坏的数据页"
    return f"SQLite：{exc}"


def _keep_damaged(db_path: Path) -> Path:
    """Put a raw copy of a damaged database file (and its -wal, if any) into the backups folder."""
    folder = backup_dir(db_path)
    _private_dir(folder)
    target = _reserve(folder, f"{db_path.stem}-damaged-{_stamp():%Y%m%d-%H%M%S}")
    copy = target.with_name(target.name + "-wal")
    try:
        shutil.copyfile(db_path, target)
        wal = db_path.with_name(db_path.name + "-wal")
        if wal.is_file() and wal.stat().st_size:
            os.close(os.open(copy, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600))
            shutil.copyfile(wal, copy)
    except OSError:  # a full disk: no half copy is left to pass for the damaged file
        target.unlink(missing_ok=True)
        copy.unlink(missing_ok=True)
        raise
    return target


def find_backup(db_path: str | os.PathLike[str], name: str | os.PathLike[str]) -> Path:
    """The file a user named: as given, or else by that name in the backups folder."""
    path = Path(name).expanduser()
    if not path.exists() and not path.is_absolute():
        inside = backup_dir(db_path) / path.name
        if inside.exists():
            return inside
    return path


def restore(db_path: str | os.PathLike[str], backup_file: str | os.PathLike[str]) -> Restored:
    """Replace the ledger's content with ``backup_file`` (after saving the current state); then the
    file is checked and, if the backup is of an older schema, upgraded. A ledger in WAL mode given
    as the backup is opened read-only, which leaves SQLite's -wal/-shm beside it: removed after."""
    from models import sidecars

    before = sidecars.present(backup_file)
    try:
        return _restore(Path(db_path), Path(backup_file))
    finally:
        sidecars.tidy(backup_file, before)


def _restore(db_path: Path, backup_file: Path) -> Restored:
    from models import store

    clean_leftovers(db_path)
    try:
        problem = ledger_problem(backup_file, storage=True)
    except sqlite3.Error as exc:  # a full disk (SQLite writes its -shm beside a WAL file it reads): no damage
        from models.faults import copy_problem

        raise BackupError(f"不能从「{backup_file.name}」恢复：读取它需要在它旁边写入 SQLite 的工作文件，"
                          f"{copy_problem(exc, backup_file.parent)}数据库未作任何改动。") from None
    if problem:
        raise BackupError(f"「{backup_file}」不能用于恢复：{problem}。数据库未作任何改动。")
    if db_path.exists() and db_path.resolve() == backup_file.resolve():
        raise BackupError(f"「{backup_file}」就是当前的数据库文件，不能用它自己恢复。")
    from models.faults import writable_problem

    unwritable = writable_problem(db_path)  # said before a backup of the state before is made for nothing
    if unwritable:
        raise BackupError(f"不能从「{backup_file.name}」恢复：{unwritable}")
    saved = damaged = None
    sound = False  # the current state is saved as a backup once the restore holds the write lock
    if db_path.is_file() and db_path.stat().st_size > 0:
        try:  # a full disk is no damage: the ledger is then neither copied aside nor replaced
            current_problem = ledger_problem(db_path, read_only=False, storage=True)
        except sqlite3.Error as exc:
            from models.faults import storage_problem

            raise BackupError(f"不能从「{backup_file.name}」恢复：{storage_problem(exc, db_path)}") from None
        if current_problem is None:
            sound = True
        else:
            try:
                damaged = _keep_damaged(db_path)
                for suffix in ("", "-wal", "-shm", "-journal"):
                    db_path.with_name(db_path.name + suffix).unlink(missing_ok=True)
            except OSError as exc:
                raise BackupError(f"无法替换已损坏的「{db_path}」：{exc.strerror or exc}。"
                                  "请关闭使用它的其他程序（包括 taizhang 的其他窗口）后再试。") from None
    try:
        if not db_path.exists() or db_path.stat().st_size == 0:
            store.create_private(db_path)
        dest = sqlite3.connect(db_path, timeout=_TIMEOUT)
        try:
            dest.execute(f"PRAGMA busy_timeout = {int(_TIMEOUT * 1000)}")
            source = _same_page_size(backup_file, dest, db_path)
            src = sqlite3.connect(_uri(source, "ro"), uri=True, timeout=_TIMEOUT)

            waiting_until = time.monotonic() + RESTORE_WAIT_S

            def locked(status: int, remaining: int, total: int) -> None:
                # After the first page the restore holds the ledger's write lock until it is done:
                # the backup of the state before, made now, holds every change committed before it,
                # and no other window or import can commit one between the two.
                nonlocal saved, sound
                if status in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):  # no page copied: not ours yet
                    if time.monotonic() >= waiting_until:  # (Python's backup would retry for ever)
                        raise _StillBusy
                    return
                if sound:
                    sound = False
                    saved = make_backup(db_path, "restore")

            try:
                if sound and src.execute("PRAGMA page_count").fetchone()[0] < 2:
                    locked(0, 0, 1)  # one page is copied in one step: nothing to hold the lock across
                src.backup(dest, pages=1 if sound else -1, progress=locked)
            finally:
                src.close()
                if source != backup_file:
                    source.unlink(missing_ok=True)
        finally:
            dest.close()
    except _StillBusy:
        before = f"（当前数据已另存在「{damaged}」。）" if damaged else ""
        raise BackupError(f"不能从「{backup_file.name}」恢复：台账正忙——另一个窗口或导入正在写入，等待 "
                          f"{RESTORE_WAIT_S:g} 秒后仍未轮到。数据库未作任何改动{before}；请等它完成后再试。") from None
    except (OSError, sqlite3.Error) as exc:
        before = f"恢复前的数据在「{saved or damaged}」。" if (saved or damaged) else ""
        from models.faults import copy_problem

        raise BackupError(f"从「{backup_file.name}」恢复失败：{copy_problem(exc, db_path)}{before}") from None
    after = ledger_problem(db_path, read_only=False)
    if after:
        before = f"恢复前的数据在「{saved or damaged}」。" if (saved or damaged) else ""
        raise BackupError(f"恢复后的数据库未通过检查：{after}。{before}")
    store.forget_check(db_path)
    store.prepare(db_path)  # WAL again, and an older backup brought up to the current schema
    info = next((b for b in list_backups(db_path) if b.path.resolve() == backup_file.resolve()), None)
    return Restored(info or backup_file, saved, damaged)


def _same_page_size(backup_file: Path, dest: sqlite3.Connection, db_path: Path) -> Path:
    """``backup_file``, or a private temporary copy of it rebuilt with the page size of ``dest``
    when they differ and ``dest`` is in WAL mode: SQLite's backup cannot change the page size of a
    WAL database (ledgers made by older versions have 4 KB pages, newer ones 8 KB)."""
    wanted = dest.execute("PRAGMA page_size").fetchone()[0]
    if dest.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
        return backup_file
    src = sqlite3.connect(_uri(backup_file, "ro"), uri=True, timeout=_TIMEOUT)
    try:
        if src.execute("PRAGMA page_size").fetchone()[0] == wanted:
            return backup_file
        from models.store import create_private

        folder = backup_dir(db_path)
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        copy = folder / f".{db_path.stem}-restoring-{os.getpid()}.db"
        copy.unlink(missing_ok=True)
        create_private(copy)
        out = sqlite3.connect(copy, isolation_level=None)
        try:
            src.backup(out)
            out.execute("PRAGMA journal_mode = DELETE")
            out.execute(f"PRAGMA page_size = {wanted}")
            out.execute("VACUUM")  # rebuilt with the wanted page size
        finally:
            out.close()
        return copy
    finally:
        src.close()


def restore_hint(db_path: str | os.PathLike[str]) -> str:
    """One or two sentences for a refused (damaged) file: its newest backup and the command."""
    db_path = Path(db_path)
    latest = latest_backup(db_path)
    if latest is None:
        return f"在「{backup_dir(db_path)}」中没有找到它的备份。"
    return (f"最新的备份是「{latest.path}」（{latest.time:%Y-%m-%d %H:%M}，{latest.reason_text}），"
            f"恢复：taizhang --db \"{db_path}\" restore \"{latest.path}\""
            "（恢复前会把当前文件原样另存到 backups 文件夹；在界面中也可以选择备份恢复）。")


def age_text(when: datetime, now: datetime | None = None) -> str:
    """How long ago, for a quiet line on screen: 刚刚, 12 分钟前, 今天 09:30, 昨天 17:05, 6月28日."""
    if now is None:
        now = _stamp()
    seconds = (now - when).total_seconds()
    if 0 <= seconds < 60:
        return "刚刚"
    if 0 <= seconds < 3600:
        return f"{int(seconds // 60)} 分钟前"
    days = (now.date() - when.date()).days
    if days == 0:
        return f"今天 {when:%H:%M}"
    if days == 1:
        return f"昨天 {when:%H:%M}"
    if when.year == now.year:
        return f"{when.month}月{when.day}日"
    return f"{when:%Y-%m-%d}"
