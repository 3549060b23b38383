"""Evidence files' content on a server ledger (issue 18): the table ``evidence_content``.

A server ledger has no folder beside it, and several PCs share it, so the files live on the server:
each file in parts of ``PART`` bytes (1 MB; ``part`` 0, 1, …) under its SHA-256, kept once however
many evidence rows name it, never changed or removed by the program — as a ledger file's ``.files``
folder (``models.evidence``), which a ledger file keeps instead.

Storing a file is its own transaction, before the change that names it (as on a file: a change that
fails leaves unused content, never a row without its file), so the ledger's write lock is not held
while a large file travels to the server; a file already there is not sent again. Reading is part by
part (never a whole 200 MB file in memory); every read that hands content out hashes it on the way:
content that is missing, short or not what its hash says is refused, never handed out as valid.

Plain psycopg here (``raw``: a psycopg connection — a ``ServerConnection``'s ``.raw`` or the copy's
own); bytes go to and from the server in binary.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from models.errors import OperationError
from models.evidence_store import CHANGED, MAX_SIZE, MISSING, OK, human_size

PART = 1024 * 1024
TABLE = "evidence_content"


def _cursor(raw: Any) -> Any:
    """A cursor binding on the server (binary bytes), whatever cursor the connection makes by default."""
    import psycopg

    return psycopg.Cursor(raw)


def part_count(size: int) -> int:
    """How many parts a file of ``size`` bytes is kept in (an empty file: one empty part)."""
    return max(1, -(-size // PART))


def parts_in_file(path: Path, name: str, limit: int = MAX_SIZE) -> Iterator[bytes]:
    """``path`` read in parts (an empty file: one empty part); more than ``limit`` is refused (the
    file may grow while it is read)."""
    size = 0
    with open(path, "rb") as f:
        chunk = f.read(PART)
        while True:
            size += len(chunk)
            if size > limit:
                raise OperationError(f"「{name}」超过单个佐证材料 {human_size(limit)} 的上限，未添加。")
            yield chunk
            chunk = f.read(PART)
            if not chunk:
                return


def file_hash_and_size(path: Path, name: str, limit: int = MAX_SIZE) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    for chunk in parts_in_file(path, name, limit):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def stored_size(raw: Any, sha256: str) -> tuple[int, int]:
    """(parts, bytes) stored under ``sha256``."""
    with _cursor(raw) as cur:
        parts, size = cur.execute(f"SELECT count(*), coalesce(sum(length(data)), 0) FROM {TABLE} WHERE sha256 = %s",
                                  (sha256,)).fetchone()
    return int(parts), int(size)


def write_parts(raw: Any, sha256: str, parts: Iterable[bytes]) -> tuple[str, int]:
    """Insert ``parts`` under ``sha256`` inside the caller's transaction (a part some other writer
    stored meanwhile is kept as it is); returns the hash and size of what was read, so the caller
    can check it was what it named."""
    digest, size = hashlib.sha256(), 0
    with _cursor(raw) as cur:
        for n, chunk in enumerate(parts):
            digest.update(chunk)
            size += len(chunk)
            cur.execute(f"INSERT INTO {TABLE} (sha256, part, data) VALUES (%s, %s, %b) "
                        "ON CONFLICT (sha256, part) DO NOTHING", (sha256, n, chunk))
    return digest.hexdigest(), size


def store_file(raw: Any, source: Path, name: str, limit: int = MAX_SIZE) -> tuple[str, int]:
    """Put ``source`` on the server (in its own transaction) unless its content is there already;
    returns its hash and size. The file is hashed first (so known content is never sent again), then
    sent part by part and hashed again: a file changed while it was sent is refused, nothing kept."""
    sha, size = file_hash_and_size(source, name, limit)
    if stored_size(raw, sha) == (part_count(size), size):
        return sha, size
    raw.execute("BEGIN")
    try:
        again, sent = write_parts(raw, sha, parts_in_file(source, name, limit))
        if (again, sent) != (sha, size):
            raise OperationError(f"「{name}」在保存过程中被改动了，没有添加。请在文件不再变化后重新添加。")
        raw.execute("COMMIT")
    except BaseException:
        raw.execute("ROLLBACK")
        raise
    return sha, size


def states(raw: Any, items: Iterable[tuple[str, int]]) -> dict[str, str]:
    """The cheap check of many files at once (lists): all their parts there, of the right size."""
    wanted = {sha: size for sha, size in items}
    if not wanted:
        return {}
    found: dict[str, tuple[int, int, int]] = {}
    shas = list(wanted)
    with _cursor(raw) as cur:
        for start in range(0, len(shas), 500):
            for sha, parts, last, size in cur.execute(
                    f"SELECT sha256, count(*), max(part), sum(length(data)) FROM {TABLE} "
                    "WHERE sha256 = ANY(%s) GROUP BY sha256", (shas[start:start + 500],)):
                found[sha] = (int(parts), int(last), int(size))
    out = {}
    for sha, size in wanted.items():
        if sha not in found:
            out[sha] = MISSING
            continue
        parts, last, stored = found[sha]
        out[sha] = OK if stored == size and parts == last + 1 == part_count(size) else CHANGED
    return out


def read_parts(raw: Any, sha256: str) -> Iterator[bytes]:
    """The stored parts of ``sha256`` in order, one query each (never the whole file in memory)."""
    with _cursor(raw) as cur:
        count = cur.execute(f"SELECT count(*) FROM {TABLE} WHERE sha256 = %s", (sha256,)).fetchone()[0]
        for n in range(count):
            row = cur.execute(f"SELECT data FROM {TABLE} WHERE sha256 = %s AND part = %s", (sha256, n),
                              binary=True).fetchone()
            if row is None:  # a gap in the parts: the content is not whole
                raise _Broken
            yield bytes(row[0])


class _Broken(Exception):
    pass


def verify(raw: Any, sha256: str, size: int) -> str:
    """The full check: every part there and the whole hashing to ``sha256``."""
    return write_to(raw, sha256, size, None)


def write_to(raw: Any, sha256: str, size: int, target: Path | None) -> str:
    """Write the content of ``sha256`` to ``target`` (a temporary file beside it renamed into place,
    private) when it is whole and true to its hash; returns OK, or MISSING / CHANGED with nothing
    written. ``target`` None: only check."""
    state = states(raw, [(sha256, size)])[sha256]
    if state != OK:
        return state
    digest, written = hashlib.sha256(), 0
    out = tmp = None
    if target is not None:
        fd, tmp = tempfile.mkstemp(prefix=".incoming-", dir=target.parent)
        out = os.fdopen(fd, "wb")
    try:
        try:
            for chunk in read_parts(raw, sha256):
                digest.update(chunk)
                written += len(chunk)
                if out is not None:
                    out.write(chunk)
        except _Broken:
            return CHANGED
        if (digest.hexdigest(), written) != (sha256, size):
            return CHANGED
        if out is not None:
            out.close()
            out = None
            os.chmod(tmp, 0o600)
            os.replace(tmp, target)  # type: ignore[arg-type]
            tmp = None
        return OK
    finally:
        if out is not None:
            out.close()
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)


def refused_to_store(raw: Any) -> bool:
    """Whether this account may not add content (a read-only account)."""
    with _cursor(raw) as cur:
        return not cur.execute(f"SELECT has_table_privilege('{TABLE}', 'INSERT')").fetchone()[0]


def copy_files(raw: Any, items: Iterable[tuple[str, int]], source: Callable[[str, int], Iterator[bytes] | None]) -> int:
    """Inside the caller's transaction on ``raw`` (a copy onto a server): the content of each
    (sha256, size) not stored yet, read from ``source(sha256, size)`` (None: not to be had).
    Content that does not hash to its name is left out. Returns how many could not be copied."""
    missing = 0
    for sha, size in dict(items).items():
        if stored_size(raw, sha) == (part_count(size), size):
            continue
        parts = source(sha, size)
        if parts is None:
            missing += 1
            continue
        raw.execute("SAVEPOINT content")
        try:
            got = write_parts(raw, sha, parts)
        except _Broken:
            got = None
        if got != (sha, size):
            raw.execute("ROLLBACK TO SAVEPOINT content")
            missing += 1
        raw.execute("RELEASE SAVEPOINT content")
    return missing
