"""Files a killed process leaves behind, told apart from those of a process still at work (issue 13).

A backup is written to ``.{name}.{pid}.part`` beside the file it will become (reserved empty first); a
restore may build ``.{stem}-restoring-{pid}.db``; an export writes ``.{name}.{pid}.tmp``. A kill leaves
them, and an empty reserved backup. Each holds the office's data (0600). Such a file is stale when
the process named in it is gone, or — where that cannot be asked (Windows, a name without a pid) —
when it has not been touched for ``STALE_AFTER`` seconds.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

STALE_AFTER = 3600  # seconds without a change after which a leftover with no living owner is removed


def pid_alive(pid: int) -> bool | None:
    """Whether process ``pid`` runs (None: cannot be known here)."""
    if pid == os.getpid():
        return True
    if os.name != "posix":
        return None  # os.kill(pid, 0) would end the process on Windows
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: it runs, as another user
        return True
    return True


def stale(path: Path, pid: int | None, now: float | None = None) -> bool:
    """Whether the leftover ``path`` of process ``pid`` (None: unknown) may be removed."""
    alive = pid_alive(pid) if pid is not None else None
    if alive is not None:
        return not alive
    try:
        return (now or time.time()) - path.stat().st_mtime > STALE_AFTER
    except OSError:
        return False


def remove(path: Path) -> bool:
    try:
        path.unlink()
        return True
    except FileNotFoundError:
        return False
    except OSError:
        return False


def private_file(path: Path) -> int:
    """A new file created readable by its owner only (0600), as a descriptor open for writing."""
    return os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
