"""Files the program writes hold the office's data: they are created readable by their owner only
(0600 on POSIX, like the database and its backups)."""

from __future__ import annotations

import os
from pathlib import Path


def private_file(path: str | os.PathLike[str]) -> Path:
    """Create ``path`` empty with mode 0600 (or make an existing one 0600) before it is written;
    writing into it afterwards keeps the mode."""
    p = Path(path)
    fd = os.open(p, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    os.close(fd)
    if os.name == "posix":
        os.chmod(p, 0o600)
    return p
