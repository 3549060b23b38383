"""``python -m taizhang …`` without paying for the imports each time (CI time).

A command run by ``conftest.run_cli`` is a new process that runs ``taizhang/__main__.py`` exactly as
``python -m taizhang`` does (``runpy``, ``__main__``, ``sys.argv``), with the environment, folder and
output of its own, and ends as an interpreter ends (``SystemExit``, ``atexit``, connections closed,
so a ledger's ``-wal`` is checkpointed as after a real run). Only the imports are not paid again: the
process is forked from a *warm* interpreter (this file run as a script, one per test process) that
has imported the program's modules and nothing else — no ledger opened, no connection, no thread.

Loading those modules cost each command ~0.8 s of CPU (SQLModel's classes alone ~0.35 s); a test run
starts some hundreds of commands. What the modules do at import time is the same in the warm
interpreter as in a fresh one: they read no environment, folder or clock then (the environment is
read when a command runs, and each child has the one its caller gave). A warm interpreter is only
used for calls whose Python start-up settings (``PYTHON*``, locale variables) are those it was
started with; calls with others get a warm interpreter of their own.

Protocol (one request at a time): a JSON line on the warm interpreter's stdin
``{"argv", "env", "cwd", "out", "err", "limits"}``; it forks, answers the child's pid on a line, then
its wait status on another. The child's stdout and stderr are the FIFOs ``out`` and ``err``, which
the caller reads as ``subprocess`` reads its pipes.
"""

from __future__ import annotations

import atexit
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# what the commands import, loaded once (taizhang.cli imports the rest of a command when it runs)
PRELOAD = ("taizhang.cli", "models.db", "models.store", "models.operations", "importers", "importers.load",
           "exporters", "openpyxl", "xlsxwriter", "psycopg", "sqlalchemy.dialects.postgresql.psycopg")


def _startup_key(env: dict[str, str]) -> tuple:
    """The environment variables a Python interpreter reads when it starts (the rest are read by the
    program when a command runs)."""
    return tuple(sorted((k, v) for k, v in env.items()
                        if k.startswith(("PYTHON", "LC_")) or k in ("LANG", "LANGUAGE", "PATH")))


class _Warm:
    def __init__(self, env: dict[str, str]) -> None:
        # unbuffered: select() below must see every answer that has arrived
        self.proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve())], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, cwd=ROOT, bufsize=0)
        ready = self.proc.stdout.readline()
        if ready.strip() != b"ready":
            raise RuntimeError(f"the warm interpreter did not start: {ready!r}")

    def run(self, argv: list[str], env: dict[str, str], cwd: Path, timeout: float, folder: Path,
            limits: dict[str, int]) -> tuple[int, bytes, bytes]:
        """The child's exit status and what it wrote to stdout and stderr (pipes, as subprocess gives)."""
        import select

        fifos, readers, holders = [folder / "out", folder / "err"], [], []
        for fifo in fifos:
            os.mkfifo(fifo, 0o600)
            readers.append(os.open(fifo, os.O_RDONLY | os.O_NONBLOCK))
            holders.append(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))  # no end of input before the child's
        output = {fd: bytearray() for fd in readers}
        try:
            request = {"argv": argv, "env": env, "cwd": str(cwd), "out": str(fifos[0]), "err": str(fifos[1]),
                       "limits": limits}
            self.proc.stdin.write(json.dumps(request).encode() + b"\n")
            self.proc.stdin.flush()
            pid = int(self.proc.stdout.readline())
            answers = self.proc.stdout.fileno()
            deadline, status = time.monotonic() + timeout, None
            while status is None:
                left = deadline - time.monotonic()
                ready = select.select([*readers, answers], [], [], max(left, 0))[0] if left > 0 else []
                if not ready:
                    os.kill(pid, 9)
                    self.proc.stdout.readline()
                    raise subprocess.TimeoutExpired([sys.executable, "-m", "taizhang", *argv], timeout)
                for fd in ready:
                    if fd == answers:
                        status = int(self.proc.stdout.readline())
                    else:
                        output[fd] += os.read(fd, 1 << 16)
            for fd in holders:
                os.close(fd)
            holders = []
            for fd in readers:  # what is left, to the end (the child has ended)
                os.set_blocking(fd, True)
                while chunk := os.read(fd, 1 << 16):
                    output[fd] += chunk
        finally:
            for fd in readers + holders:
                os.close(fd)
        return os.waitstatus_to_exitcode(status), bytes(output[readers[0]]), bytes(output[readers[1]])


_warm: dict[tuple, _Warm] = {}


def _stop_all() -> None:
    """At the end of the test process: each warm interpreter reads the end of its input and ends."""
    for warm in _warm.values():
        warm.proc.stdin.close()
        try:
            warm.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            warm.proc.kill()
            warm.proc.wait()


atexit.register(_stop_all)


def run(args: list[str], env: dict[str, str], cwd: Path, timeout: float = 120,
        limits: dict[str, int] | None = None) -> subprocess.CompletedProcess:
    """``subprocess.run([sys.executable, "-m", "taizhang", *args], capture_output=True, text=True,
    env=env, cwd=cwd, timeout=timeout)``; ``limits``: resource limits of the child (``{"RLIMIT_AS":
    bytes}``, as a ``preexec_fn`` calling ``resource.setrlimit`` sets them)."""
    key = _startup_key(env)
    warm = _warm.get(key)
    if warm is None or warm.proc.poll() is not None:
        warm = _warm[key] = _Warm(env)
    import tempfile

    with tempfile.TemporaryDirectory(prefix="taizhang-cli-") as folder:
        status, stdout, stderr = warm.run([str(a) for a in args], env, cwd, timeout, Path(folder), limits or {})
    return subprocess.CompletedProcess([sys.executable, "-m", "taizhang", *args], status, _text(stdout), _text(stderr))


def _text(data: bytes) -> str:
    """As ``subprocess.run(text=True)`` decodes a pipe."""
    import locale

    return data.decode(locale.getpreferredencoding(False)).replace("\r\n", "\n").replace("\r", "\n")


# ── the warm interpreter ─────────────────────────────────────────────────────────────────────────

def _serve() -> dict:
    """Answer requests until stdin closes; in a forked child, return its request."""
    import importlib

    for name in PRELOAD:
        importlib.import_module(name)
    import gc

    # the loaded modules' objects out of the collector's sight: a child's collections (and the last one
    # as it ends) would otherwise walk, and copy, every page of them — ~0.35 s of CPU a command
    gc.freeze()
    answer = os.fdopen(os.dup(1), "wb", buffering=0)
    answer.write(b"ready\n")
    while True:
        line = sys.stdin.buffer.readline()
        if not line:
            os._exit(0)
        request = json.loads(line)
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            answer.close()
            return request
        answer.write(f"{pid}\n".encode())
        _, status = os.waitpid(pid, 0)
        answer.write(f"{status}\n".encode())


def _become(request: dict) -> None:
    """Make this forked child what ``python -m taizhang ARGS`` started in ``cwd`` with ``env`` is."""
    if request["limits"]:
        import resource

        for name, value in request["limits"].items():
            resource.setrlimit(getattr(resource, name), (value, value))
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    for fd, path in ((1, request["out"]), (2, request["err"])):
        opened = os.open(path, os.O_WRONLY)  # the caller's pipe (a FIFO it reads)
        os.dup2(opened, fd)
        os.close(opened)
    # Python's locale coercion (a C locale taken as C.UTF-8) sets LC_CTYPE at start-up, as it did here
    coerced = {k: os.environ[k] for k in ("LC_CTYPE",) if k in os.environ and k not in request["env"]}
    os.environ.clear()
    os.environ.update(request["env"])
    os.environ.update(coerced)
    os.chdir(request["cwd"])
    sys.path[0] = os.getcwd()  # python -m puts the folder it starts in first
    sys.argv = [str(ROOT / "taizhang" / "__main__.py"), *request["argv"]]


if __name__ == "__main__":
    sys.path[0] = str(ROOT)  # as ``python -m`` from ROOT: the program and the tests' helpers importable
    _become(_serve())
    import runpy

    runpy.run_module("taizhang", run_name="__main__", alter_sys=True)
