"""The evidence store on disk and reading it (issue 19), in plain Python: no ORM, so the backup
commands and the exports, which read the ledger with ``sqlite3``, load nothing more. What the store
is and why: ``models.evidence``."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from models.errors import OperationError

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
    rows = conn.execute(sql, params).fetchall()
    if _on_server(conn):  # the content is on the server (models.evidence_content): one query checks them all
        from models.evidence_content import states

        found = states(conn.raw, [(r[6], r[5]) for r in rows])
        checker = lambda _db_path, sha, _size: found[sha]  # noqa: E731
    out = []
    for r in rows:
        on = r[4] if isinstance(r[4], date) else date.fromisoformat(str(r[4])[:10])
        out.append(EvidenceRow(r[0], r[1], r[2], r[3], on, r[5], r[6], r[7], checker(db_path, r[6], r[5])))
    return out


def _on_server(conn) -> bool:
    from models.sql import is_server

    return is_server(conn)


def task_evidence(conn, db_path: str | os.PathLike[str], task_id: int) -> list[EvidenceRow]:
    """A task's evidence, oldest first, each with the cheap check (``conn``: plain sqlite3)."""
    return _rows(conn, _SELECT + "WHERE e.task_id = :t ORDER BY e.\"on\", e.id", {"t": task_id}, db_path, check)


def group_evidence(conn, db_path: str | os.PathLike[str], group_id: int, *, full: bool = False) -> list[EvidenceRow]:
    """Every evidence row of a group's tasks; ``full`` hashes each file (an export; on a server the
    content is hashed as ``write_content`` writes it out, not read twice)."""
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


def write_content(conn, db_path: str | os.PathLike[str], row: EvidenceRow, target: Path) -> str:
    """Write ``row``'s file to ``target`` (an export): a file ledger's checked stored file copied; a
    server's content hashed as it is written, and nothing written when it is not whole and true
    (returns MISSING or CHANGED then; OK when written)."""
    if _on_server(conn):
        from models.evidence_content import write_to

        return write_to(conn.raw, row.sha256, row.size, target)
    shutil.copyfile(stored_path(db_path, row.sha256), target)
    return OK


def _problem(row: EvidenceRow, state: str, where: str) -> str | None:
    if state == MISSING:
        return f"佐证材料「{row.name}」的文件缺失（应在 {where}）。可从原件重新添加。"
    if state == CHANGED:
        return (f"佐证材料「{row.name}」的文件已被改动，与添加时的内容不同，不能当作原件打开。"
                "可从原件重新添加。")
    return None


def readable_path(db_path: str | os.PathLike[str], row: EvidenceRow) -> Path:
    """The stored file of ``row`` after the full check; a changed or missing file is refused."""
    state = verify(db_path, row.sha256, row.size)
    problem = _problem(row, state, str(stored_path(db_path, row.sha256)))
    if problem:
        raise OperationError(problem)
    return stored_path(db_path, row.sha256)


def viewing_copy(db_path: str | os.PathLike[str], row: EvidenceRow) -> Path:
    """A copy of the verified file under its own name (viewers pick the program by the extension),
    in a private temporary folder; the stored file itself is never handed to another program."""
    from models.db_url import is_server

    server = is_server(str(db_path))
    source = None if server else readable_path(db_path, row)
    folder = Path(tempfile.gettempdir()) / f"taizhang-view-{os.getuid() if hasattr(os, 'getuid') else 'u'}"
    _private_dir(folder)
    name = "".join("_" if c in '<>:"/\\|?*' else c for c in row.name) or row.sha256
    target = folder / f"{row.id}-{name}"
    if server:  # the content on the server, checked against its hash as it comes
        _server_copy(str(db_path), row, target)
        return target
    shutil.copyfile(source, target)
    os.chmod(target, 0o600)
    return target


def _server_copy(target_url: str, row: EvidenceRow, target: Path) -> None:
    from models import store
    from models.db_url import describe
    from models.errors import DatabaseError
    from models.evidence_content import write_to

    try:
        conn = store.connect(target_url)
    except DatabaseError as exc:
        raise OperationError(str(exc)) from None
    try:
        state = write_to(conn.raw, row.sha256, row.size, target)
    except Exception as exc:  # noqa: BLE001 - the connection lost while reading: said in words
        from models.server import _database_errors, problem

        if not isinstance(exc, _database_errors()):
            raise
        raise OperationError(f"佐证材料「{row.name}」没能从服务器读出：{problem(exc, target_url)}") from None
    finally:
        conn.close()
    problem_ = _problem(row, state, f"服务器上的台账（{describe(target_url)}）")
    if problem_:
        raise OperationError(problem_)


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
