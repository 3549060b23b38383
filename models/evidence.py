"""Evidence (佐证材料, issue 19): files attached to tasks, kept in a store beside the ledger.

On a ledger file the store is the folder ``{ledger file name}.files`` next to the ledger (``台账.db`` →
``台账.db.files``), private (folder 0700, files 0600). A file is stored once under its SHA-256
(``ab/abcdef…``): the same photo sent by two units, or attached again, takes no more room. Stored
files are never changed or removed by the program — a deleted attachment's row goes (undoable), its
content stays — so every backup of the ledger file, which holds only the rows, finds its files in the
same store: 30 backups do not copy a single photo again. Moving a ledger to another PC means copying
the ledger file and its ``.files`` folder together (``taizhang copy`` does both). A server ledger
keeps the content on the server, in the table ``evidence_content`` (``models.evidence_content``),
stored the same way: once by hash, before the change that names it, never changed or removed.

Every read checks the file: ``check`` compares existence and size (cheap, for lists), ``verify``
hashes the whole file (before opening or exporting it); a changed or missing file is reported, never
handed out as valid.

Attaching, deleting and renaming are operations (one transaction, one history entry, undoable).
"""

from __future__ import annotations

import getpass
import hashlib
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlmodel import select

from models.changes import change
from models.clock import today
from models.db import Database
from models.errors import OperationError
from models.evidence_store import *  # noqa: F403 - the store and its reading, one import for callers
from models.evidence_store import MAX_SIZE, _CHUNK, _private_dir, file_hash, human_size, store_dir
from models.tables import Evidence, Task


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
    stored = store_files(db, files, result)
    if not stored:
        return result
    with change(db, "attach_evidence") as tx:
        tasks = write_evidence(tx, stored, result)
        if not result.ids:
            return result  # nothing new: the change writes nothing
        one = next(iter(tasks.values()))
        summary = (f"添加佐证材料：{_short(one.content, 16)} — {'、'.join(result.names[:3])}"
                   + (f"等 {len(result.names)} 个" if len(result.names) > 3 else ""))
        if len(tasks) > 1:
            summary = f"添加佐证材料 {len(result.names)} 个（{len(tasks)} 项任务）" + (f"（{what}）" if what else "")
        tx.describe(summary, group_id=one.group_id, task_id=one.id if len(tasks) == 1 else None)
    return result


def store_files(db: Database, files: list[FileIn], result: Attached) -> list[tuple[FileIn, str, int]]:
    """Put the files' content into the ledger's file store (before the change that names them: a
    change that fails leaves unused content there, never a row without its file); the files that
    cannot be stored are noted in ``result``. Returns (file, sha256, size) for the others."""
    if db.is_server and files:
        return _store_on_server(db, files, result)
    stored: list[tuple[FileIn, str, int]] = []
    for f in files:
        try:
            sha, size = put(db.path, f.path)
        except OperationError as exc:
            result.refused.append(str(exc))
            continue
        stored.append((f, sha, size))
    return stored


def _store_on_server(db: Database, files: list[FileIn], result: Attached) -> list[tuple[FileIn, str, int]]:
    """``store_files`` on a server ledger: each file's content into ``evidence_content``, each in its
    own transaction (the ledger's write lock is not held while it travels). An account that may only
    read is refused before anything is sent."""
    from models import evidence_content as content
    from models import store
    from models.errors import DatabaseError
    from models.server import READ_ONLY_MESSAGE, _database_errors, problem, refused_write

    try:
        conn = store.connect(db.target)
    except DatabaseError as exc:
        raise OperationError(str(exc)) from None
    stored: list[tuple[FileIn, str, int]] = []
    try:
        if content.refused_to_store(conn.raw):
            raise OperationError(READ_ONLY_MESSAGE)
        for f in files:
            refused = _source_problem(f.path)
            if refused:
                result.refused.append(refused)
                continue
            try:
                sha, size = content.store_file(conn.raw, f.path, f.path.name, MAX_SIZE)
            except OperationError as exc:
                result.refused.append(str(exc))
                continue
            except OSError as exc:
                from models.faults import os_problem

                result.refused.append(f"佐证材料「{f.path.name}」没能保存：{os_problem(exc, f.path)}")
                continue
            stored.append((f, sha, size))
    except _database_errors() as exc:
        raise OperationError(refused_write(exc, db.target) or
                             f"佐证材料没能保存到服务器：{problem(exc, db.target)}") from None
    finally:
        conn.close()
    return stored


def write_evidence(tx, stored: list[tuple[FileIn, str, int]], result: Attached) -> dict[int, Task]:
    """Inside the running change ``tx``: the evidence rows of files ``store_files`` stored, those not
    on their task already (noted in ``result``). Returns the tasks, by id."""
    s = tx.session
    by = who()
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
    return tasks


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


