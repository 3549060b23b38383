"""How a child process is measured: wall time, peak memory, and times to markers on a terminal.

Peak memory is the child's own ``ru_maxrss`` as the kernel reports it to ``os.wait4``. On Linux
that figure is at least the resident set the forking process had (the kernel keeps the old address
space's high-water mark across ``exec``): a maximum, not a sum, so it is exact for every child that
grows beyond the parent. The parent therefore imports nothing heavy and generates nothing itself
(it stays near 16 MB; the smallest child measured, a bare Textual app, is twice that).
"""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TODAY = "2024-03-27"  # "today" of every child: the generated deadlines are then ~30 % overdue, a few due soon
TERMINAL = (120, 36)  # columns, rows of the pseudo-terminal the TUI starts on


PACKAGES = ("taizhang", "models", "importers", "exporters", "tui")


def compile_sources() -> None:
    """Byte-compile the program's own packages, as ``pip install`` does for an installed copy, so
    that its children, like the baselines' libraries, start from .pyc files rather than compiling
    source every run (an editable install with PYTHONDONTWRITEBYTECODE never writes them)."""
    import compileall

    for name in PACKAGES:
        compileall.compile_dir(ROOT / name, quiet=1)


def env() -> dict[str, str]:
    """The environment of every child: a fixed today, a colour terminal, no Textual dev mode;
    bytecode is read (see compile_sources) and not written."""
    out = {**os.environ, "TAIZHANG_TODAY": TODAY, "TERM": "xterm-256color", "COLORTERM": "truecolor",
           "PYTHONDONTWRITEBYTECODE": "1"}
    out.pop("TEXTUAL", None)
    out.pop("TAIZHANG_DB", None)
    return out


def python(*args: str) -> list[str]:
    """``argv`` of a Python child with this interpreter."""
    return [sys.executable, *args]


def taizhang(*args: str) -> list[str]:
    """``argv`` of the ``taizhang`` command as a user runs it (``python -m taizhang`` is the same
    process as the console script: both import ``taizhang.cli`` and call ``main``)."""
    return python("-m", "taizhang", *args)


def remove_ledger(path: Path) -> None:
    """A ledger file and SQLite's -wal/-shm beside it, gone (a fresh path for the next child)."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


@dataclass(slots=True)
class Run:
    seconds: float
    peak_mb: float
    stdout: str = ""


def _peak_mb(usage: object) -> float:
    maxrss = usage.ru_maxrss  # type: ignore[attr-defined]
    return maxrss / (1024 * 1024) if sys.platform == "darwin" else maxrss / 1024  # bytes on macOS, kB on Linux


def run(argv: list[str], *, timeout: float = 900) -> Run:
    """Run ``argv`` to its end: its wall time from spawn to exit, its own peak memory and its
    stdout. Raises RuntimeError (with its stderr) when it fails. Output goes to files, not pipes,
    so that nothing but the child itself decides when it ends."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=ROOT, env=env(), stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        killer = threading.Timer(timeout, proc.kill)  # a hung child fails the figure, not the machine
        killer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
            elapsed = time.perf_counter() - start
        finally:
            killer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} exited with {proc.returncode}:\n{stderr}")
    return Run(elapsed, _peak_mb(usage), stdout)


def on_terminal(argv: list[str], markers: list[bytes], timeout: float = 60) -> tuple[list[float], float]:
    """Start ``argv`` on a pseudo-terminal of ``TERMINAL`` size; the seconds from spawn until each
    of ``markers`` first appears in what it draws (in order), and its peak memory (MB) — the child
    is killed once the last marker is on screen, and its peak read from ``os.wait4``."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", TERMINAL[1], TERMINAL[0], 0, 0))
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, cwd=ROOT, env=env(),
                            start_new_session=True)
    os.close(slave)
    seen = b""
    found: list[float] = []
    usage = None
    try:
        while len(found) < len(markers):
            left = timeout - (time.perf_counter() - start)
            if left <= 0:
                raise TimeoutError(f"{' '.join(argv)}: {markers[len(found)].decode()!r} not on screen "
                                   f"after {timeout:.0f} s; it drew:\n{seen[-2000:].decode(errors='replace')}")
            ready, _, _ = select.select([master], [], [], left)
            if not ready:
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the child has gone
                break
            seen += chunk
            while len(found) < len(markers) and markers[len(found)] in seen:
                found.append(time.perf_counter() - start)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        _, _, usage = os.wait4(proc.pid, 0)
        proc.returncode = -9
        os.close(master)
    if len(found) < len(markers):
        raise RuntimeError(f"{' '.join(argv)} ended before {markers[len(found)].decode()!r} was on screen:\n"
                           f"{seen[-2000:].decode(errors='replace')}")
    return found, _peak_mb(usage)


@dataclass(slots=True)
class Spread:
    median: float
    low: float
    high: float
    n: int

    @classmethod
    def of(cls, values: list[float]) -> Spread:
        return cls(statistics.median(values), min(values), max(values), len(values))
