"""Evidence (佐证材料, issue 19): files attached to tasks, kept in a store beside the ledger.

The store is the folder ``{ledger file name}.files`` next to the ledger (``台账.db`` →
``台账.db.files``), private (folder 0700, files 0600). A file is stored once under its SHA-256
(``ab/abcdef…``): the same photo sent by two units, or attached again, takes no more room. Stored
files are never changed or removed by the program — a deleted attachment's row goes (undoable), its
content stays — so every backup of the ledger file, which holds only the rows, finds its files in the
same store: 30 backups do not copy a single photo again. Moving a ledger to another PC means copying
the ledger file and its ``.files`` folder together.

Every read checks the file: ``check`` compares existence and size (cheap, for lists), ``verify``
hashes the whole file (before opening or exporting it); a changed or missing file is reported, never
handed out as valid.

Attaching, deleting and renaming are operations (one transaction, one history entry, undoable).
"""

from __future__ import annotations

import getpass
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlmodel import select

from models.changes import change
from models.clock import today
from models.db import Database
from models.errors import OperationError
from models.tables import Evidence, Task

MAX_SIZE = 200 * 1024 * 1024  # a single file over this is refused (README states it)
SUFFIX = ".files"
OK, CHANGED, MISSING = "ok", "changed", "missing"
STATE_TEXT = {OK: "", CHANGED: "文件已被改动", MISSING: "文件缺失"}
_CHUNK = 1024 * 1024


def store_dir(db_path: str | os.PathLike[str]) -> Path:
    """The folder holding the ledger's evidence files."""
    path = Path(db_path)
    return path.with_name(path.name + SUFFIX)


def stored_path(db_path: str | os.PathLike[str], sha256: str) -> Path:
    return store_dir(db_path) / sha256[:2] / sha256


def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


def _private_dir(folder: Path) -> None:
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        os.chmod(folder, 0o700)
    except OSError:
        pass


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _source_problem(path: Path) -> str | None:
    """Why ``path`` cannot be attached (a Chinese sentence), or None."""
    try:
        if not path.exists():
            return f"找不到文件「{path}」。"
        if not path.is_file():
            return f"「{path}」不是文件（文件夹不能作为佐证材料，请选其中的文件）。"
        size = path.stat().st_size
    except OSError as exc:
        return f"读不了文件「{path}」：{exc.strerror or exc}。"
    if size > MAX_SIZE:
        return (f"「{path.name}」有 {human_size(size)}，超过单个佐证材料 {human_size(MAX_SIZE)} 的上限，未添加。"
                "请压缩或拆分后再添加。")
    return None


def put(db_path: str | os.PathLike[str], source: Path) -> tuple[str, int]:
    """Copy ``source`` into the store (unless a sound copy of it is there) and return its hash and
    size. The copy is hashed as it is written, into a temporary file renamed into place, so a
    half-written file never carries a hash name."""
    problem = _source_problem(source)
    if problem:
        raise OperationError(problem)
    root = store_dir(db_path)
    _private_dir(root)
    digest = hashlib.sha256()
    size = 0
    try:
        fd, tmp = tempfile.mkstemp(prefix=".incoming-", dir=root)
        try:
            with open(source, "rb") as src, os.fdopen(fd, "wb") as out:
                while chunk := src.read(_CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
                    if size > MAX_SIZE:
                        raise OperationError(f"「{source.name}」超过单个佐证材料 {human_size(MAX_SIZE)} 的上限，未添加。")
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            sha = digest.hexdigest()
            target = root / sha[:2] / sha
            if target.is_file() and target.stat().st_size == size and file_hash(target) == sha:
                os.unlink(tmp)  # already stored: kept once
            else:
                _private_dir(target.parent)
                os.chmod(tmp, 0o600)
                os.replace(tmp, target)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
    except OSError as exc:
        from models.faults import os_problem

        raise OperationError(f"佐证材料「{source.name}」没能保存：{os_problem(exc, root)}") from None
    return sha, size


# ---------------------------------------------------------------- operations


@dataclass
class Attached:
    ids: list[int] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)  # the same content was on the task already
    refused: list[str] = field(default_factory=list)  # messages of files not attached

    def describe(self) -> str:
        parts = []
        if self.names:
            parts.append(f"已添加佐证材料 {len(self.names)} 个：{'、'.join(self.names[:5])}"
                         + ("等" if len(self.names) > 5 else ""))
        if self.already:
            parts.append(f"{len(self.already)} 个与已有的佐证材料内容相同，未重复添加：{'、'.join(self.already[:5])}")
        parts.extend(self.refused)
        return "；".join(parts) or "没有添加佐证材料。"


@dataclass(frozen=True)
class FileIn:
    """One file to attach: the task, and where it came from."""

    task_id: int
    path: Path
    name: str | None = None  # the name to show; the file's own name by default
    unit_id: int | None = None
    on: date | None = None
    report_id: int | None = None
    progress_id: int | None = None


def who() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name in the environment (a service)
        return ""


def attach(db: Database, task_id: int, paths: Iterable[str | os.PathLike[str]], *, unit: str | None = None,
           on: date | None = None, progress_id: int | None = None, report_id: int | None = None) -> Attached:
    """Attach files to a task (several at once, one history entry). A file whose content is on the
    task already is not attached again; a file that cannot be read or is too large is refused with a
    message, the others go in."""
    unit_id = None
    if unit and unit.strip():
        from models.operations import find_unit

        with db.session() as s:
            found = find_unit(s, unit)
            if found is None:
                raise OperationError(f"没有名为「{unit.strip()}」的单位。")
            unit_id = found.id
    files = [FileIn(task_id, Path(p), unit_id=unit_id, on=on, progress_id=progress_id, report_id=report_id)
             for p in paths]
    return attach_files(db, files)


def attach_files(db: Database, files: list[FileIn], *, what: str = "") -> Attached:
    result = Attached()
    stored: list[tuple[FileIn, str, int]] = []
    for f in files:
        try:
            sha, size = put(db.path, f.path)
        except OperationError as exc:
            result.refused.append(str(exc))
            continue
        stored.append((f, sha, size))
    if not stored:
        return result
    by = who()
    with change(db, "attach_evidence") as tx:
        s = tx.session
        seen: set[tuple[int, str]] = set()
        tasks: dict[int, Task] = {}
        for f, sha, size in stored:
            task = tasks.get(f.task_id) or tx.get(Task, f.task_id, "任务")
            tasks[f.task_id] = task
            name = (f.name or f.path.name).strip() or f.path.name
            exists = s.exec(select(Evidence.id).where(Evidence.task_id == f.task_id, Evidence.sha256 == sha)).first()
            if exists is not None or (f.task_id, sha) in seen:
                result.already.append(name)
                continue
            seen.add((f.task_id, sha))
            row = Evidence(task_id=f.task_id, sha256=sha, size=size, name=name, unit_id=f.unit_id,
                           on=f.on or today(), attached_by=by or None, progress_id=f.progress_id,
                           report_id=f.report_id)
            s.add(row)
            s.flush()
            result.ids.append(row.id)
            result.names.append(name)
        if not result.ids:
            return result  # nothing new: the change writes nothing
        one = next(iter(tasks.values()))
        summary = (f"添加佐证材料：{_short(one.content, 16)} — {'、'.join(result.names[:3])}"
                   + (f"等 {len(result.names)} 个" if len(result.names) > 3 else ""))
        if len(tasks) > 1:
            summary = f"添加佐证材料 {len(result.names)} 个（{len(tasks)} 项任务）" + (f"（{what}）" if what else "")
        tx.describe(summary, group_id=one.group_id, task_id=one.id if len(tasks) == 1 else None)
    return result


def delete_evidence(db: Database, evidence_id: int) -> str:
    """Remove an attachment (its stored content stays, so undo brings it back whole)."""
    with change(db, "delete_evidence") as tx:
        row = tx.get(Evidence, evidence_id, "佐证材料")
        task = tx.session.get(Task, row.task_id)
        tx.session.delete(row)
        tx.describe(f"删除佐证材料：{_short(task.content, 16)} — {row.name}", group_id=task.group_id, task_id=task.id)
        return row.name


def rename_evidence(db: Database, evidence_id: int, name: str) -> None:
    name = " ".join(name.split())
    if not name:
        raise OperationError("佐证材料的名称不能为空。")
    if any(c in name for c in '/\\'):
        raise OperationError("佐证材料的名称里不能有 / 或 \\。")
    with change(db, "rename_evidence") as tx:
        row = tx.get(Evidence, evidence_id, "佐证材料")
        task = tx.session.get(Task, row.task_id)
        old = row.name
        if old == name:
            return
        row.name = name
        tx.session.add(row)
        tx.describe(f"佐证材料改名：{old} → {name}", group_id=task.group_id, task_id=task.id)


def _short(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


# ---------------------------------------------------------------- reading


@dataclass(frozen=True)
class EvidenceRow:
    id: int
    task_id: int
    name: str
    unit: str | None
    on: date
    size: int
    sha256: str
    attached_by: str | None
    state: str = OK  # OK, CHANGED, MISSING (from ``check`` or ``verify``)

    @property
    def state_text(self) -> str:
        return STATE_TEXT[self.state]


def check(db_path: str | os.PathLike[str], sha256: str, size: int) -> str:
    """The cheap check, for lists: is the stored file there with its size."""
    path = stored_path(db_path, sha256)
    try:
        return OK if path.stat().st_size == size else CHANGED
    except OSError:
        return MISSING


def verify(db_path: str | os.PathLike[str], sha256: str, size: int) -> str:
    """The full check: the stored file's content still has its hash."""
    state = check(db_path, sha256, size)
    if state != OK:
        return state
    try:
        return OK if file_hash(stored_path(db_path, sha256)) == sha256 else CHANGED
    except OSError:
        return MISSING


_SELECT = ("SELECT e.id, e.task_id, e.name, u.name, e.\"on\", e.size, e.sha256, e.attached_by "
           "FROM evidence e LEFT JOIN unit u ON u.id = e.unit_id ")


def _rows(conn, sql: str, params: dict, db_path, checker) -> list[EvidenceRow]:
    out = []
    for r in conn.execute(sql, params).fetchall():
        on = r[4] if isinstance(r[4], date) else date.fromisoformat(str(r[4])[:10])
        out.append(EvidenceRow(r[0], r[1], r[2], r[3], on, r[5], r[6], r[7], checker(db_path, r[6], r[5])))
    return out


def task_evidence(conn, db_path: str | os.PathLike[str], task_id: int) -> list[EvidenceRow]:
    """A task's evidence, oldest first, each with the cheap check (``conn``: plain sqlite3)."""
    return _rows(conn, _SELECT + "WHERE e.task_id = :t ORDER BY e.\"on\", e.id", {"t": task_id}, db_path, check)


def group_evidence(conn, db_path: str | os.PathLike[str], group_id: int, *, full: bool = False) -> list[EvidenceRow]:
    """Every evidence row of a group's tasks; ``full`` hashes each file (an export)."""
    return _rows(conn, _SELECT + "JOIN task t ON t.id = e.task_id WHERE t.group_id = :g ORDER BY e.task_id, e.\"on\", e.id",
                 {"g": group_id}, db_path, verify if full else check)


def counts_by_task(conn, group_id: int) -> dict[int, int]:
    return dict(conn.execute("SELECT e.task_id, count(*) FROM evidence e JOIN task t ON t.id = e.task_id "
                             "WHERE t.group_id = :g GROUP BY e.task_id", {"g": group_id}).fetchall())


def page_counts(conn, group_id: int, task_ids: list[int]) -> dict[int, int] | None:
    """Evidence counts of the listed tasks, or None when the group has no evidence at all (an office
    that keeps none is not told 无佐证 on every finished task)."""
    if conn.execute("SELECT 1 FROM evidence e JOIN task t ON t.id = e.task_id WHERE t.group_id = :g LIMIT 1",
                    {"g": group_id}).fetchone() is None:
        return None
    counts = {i: 0 for i in task_ids}
    for chunk in range(0, len(task_ids), 500):
        ids = {f"t{i}": v for i, v in enumerate(task_ids[chunk:chunk + 500])}
        if not ids:
            continue
        marks = ", ".join(f":{k}" for k in ids)
        for task_id, n in conn.execute(f"SELECT task_id, count(*) FROM evidence WHERE task_id IN ({marks}) "
                                       "GROUP BY task_id", ids):
            counts[task_id] = n
    return counts


def done_without_evidence(conn, group_id: int) -> int:
    """Tasks done, or claimed done (待销号), that have no evidence."""
    return conn.execute(
        "SELECT count(*) FROM task t WHERE t.group_id = :g AND t.cancelled_on IS NULL "
        "AND (t.status = '已完成' OR (SELECT c.state FROM task_closing c WHERE c.task_id = t.id "
        "ORDER BY c.id DESC LIMIT 1) = 'claimed') "
        "AND NOT EXISTS (SELECT 1 FROM evidence e WHERE e.task_id = t.id)", {"g": group_id}).fetchone()[0]


def total_size(conn, group_id: int | None = None) -> tuple[int, int]:
    """The number of distinct stored files and their total size (of a group, or the whole ledger)."""
    if group_id is None:
        sql, params = "SELECT sha256, max(size) FROM evidence GROUP BY sha256", {}
    else:
        sql = ("SELECT e.sha256, max(e.size) FROM evidence e JOIN task t ON t.id = e.task_id "
               "WHERE t.group_id = :g GROUP BY e.sha256")
        params = {"g": group_id}
    rows = conn.execute(sql, params).fetchall()
    return len(rows), sum(r[1] for r in rows)


def store_usage(db_path: str | os.PathLike[str]) -> tuple[int, int]:
    """The files in the store and their total size (every backup of the ledger shares them)."""
    count = size = 0
    root = store_dir(db_path)
    if root.is_dir():
        for path in root.glob("??/*"):
            if path.is_file() and not path.name.startswith("."):
                count += 1
                size += path.stat().st_size
    return count, size


def readable_path(db_path: str | os.PathLike[str], row: EvidenceRow) -> Path:
    """The stored file of ``row`` after the full check; a changed or missing file is refused."""
    state = verify(db_path, row.sha256, row.size)
    if state == MISSING:
        raise OperationError(f"佐证材料「{row.name}」的文件缺失（应在 {stored_path(db_path, row.sha256)}）。"
                             "可从原件重新添加。")
    if state == CHANGED:
        raise OperationError(f"佐证材料「{row.name}」的文件已被改动，与添加时的内容不同，不能当作原件打开。"
                             "可从原件重新添加。")
    return stored_path(db_path, row.sha256)


def viewing_copy(db_path: str | os.PathLike[str], row: EvidenceRow) -> Path:
    """A copy of the verified file under its own name (viewers pick the program by the extension),
    in a private temporary folder; the stored file itself is never handed to another program."""
    source = readable_path(db_path, row)
    folder = Path(tempfile.gettempdir()) / f"taizhang-view-{os.getuid() if hasattr(os, 'getuid') else 'u'}"
    _private_dir(folder)
    name = "".join("_" if c in '<>:"/\\|?*' else c for c in row.name) or row.sha256
    target = folder / f"{row.id}-{name}"
    shutil.copyfile(source, target)
    os.chmod(target, 0o600)
    return target


def viewer_command(path: Path, platform: str = sys.platform) -> list[str] | None:
    """The command that opens ``path`` with the system's viewer (None on Windows: os.startfile)."""
    if platform.startswith("win"):
        return None
    if platform == "darwin":
        return ["open", str(path)]
    return ["xdg-open", str(path)]


def launch(path: Path) -> None:
    """Open ``path`` with the system's viewer without waiting for it."""
    command = viewer_command(path)
    if command is None:
        os.startfile(str(path))  # type: ignore[attr-defined]
        return
    if shutil.which(command[0]) is None:
        raise OperationError(f"没有找到打开文件的程序（{command[0]}）。文件在：{path}")
    subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                     start_new_session=True)


def open_evidence(db_path: str | os.PathLike[str], row: EvidenceRow, opener: Callable[[Path], None] = launch) -> Path:
    path = viewing_copy(db_path, row)
    opener(path)
    return path
