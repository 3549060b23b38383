"""Oracles for "the importer does not do work the file does not call for", counted rather than
timed, so they fail for the same fault on a fast machine and a slow one (issue 21: times belong in
the benchmark, ``python -m benchmarks.limits``).

* ``count_work(block)``: the lines of ``importers/`` code a block runs and the memory it allocates
  at its peak (``tracemalloc``). Expanding a million repeated rows, a dimension of XFD1048576 or a
  merged range across every column shows up as millions of lines or megabytes, however fast.
* ``RegexSpy``: wraps a compiled pattern of a module and records the longest text it was handed
  (from the search's start), for the patterns whose search time grows with the square of that.
"""

from __future__ import annotations

import re
import sys
import tracemalloc
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

IMPORTERS = str(Path(__file__).resolve().parents[2] / "importers")


class OverBudget(KeyboardInterrupt):
    """Raised inside the importer when it runs more lines than allowed. A KeyboardInterrupt, so the
    importer's catch-alls (which turn other exceptions into refusals) let it through."""


@dataclass
class Work:
    lines: int = 0  # lines of importers/ code run
    peak_mb: float = 0.0  # allocated at the peak, over what was allocated at the start


@contextmanager
def count_work(max_lines: int = 5_000_000):
    """Count the work of the block into the ``Work`` it yields; stop it with ``OverBudget`` after
    ``max_lines`` lines (so a runaway expansion fails quickly instead of hanging the test)."""
    work = Work()

    def local(frame, event, arg):
        if event == "line":
            work.lines += 1
            if work.lines > max_lines:
                raise OverBudget(f"more than {max_lines:,} lines of the importer run")
        return local

    def global_(frame, event, arg):
        return local if frame.f_code.co_filename.startswith(IMPORTERS) else None

    started = not tracemalloc.is_tracing()
    if started:
        tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    old = sys.gettrace()
    sys.settrace(global_)
    try:
        yield work
    finally:
        sys.settrace(old)
        work.peak_mb = (tracemalloc.get_traced_memory()[1] - base) / 1e6
        if started:
            tracemalloc.stop()


def assert_work_like(small: Work, huge: Work, what: str, *, lines: int = 5_000, mb: float = 2.0) -> None:
    """``huge`` (a file that looks enormous) cost no more than ``small`` (the same content, plainly
    saved) plus a margin below what walking 16,384 columns or a million rows would cost."""
    assert huge.lines <= 1.5 * small.lines + lines, f"{what}: {huge.lines:,} lines run, against {small.lines:,} for the plain file"
    assert huge.peak_mb <= 1.5 * small.peak_mb + mb, f"{what}: {huge.peak_mb:.1f} MB, against {small.peak_mb:.1f} MB for the plain file"


def work_of(read, path) -> Work:
    """The work of ``read(path)`` (after one read that is not counted: imports and caches warm)."""
    read(path)
    with count_work() as work:
        read(path)
    return work


class RegexSpy:
    """Stands in for a compiled pattern; records the longest text each call searched."""

    def __init__(self, pattern: re.Pattern):
        self.pattern = pattern
        self.longest = 0
        self.calls = 0

    def _seen(self, string, pos: int = 0) -> None:
        self.calls += 1
        self.longest = max(self.longest, len(string) - pos)

    def search(self, string, pos=0, *args):
        self._seen(string, pos)
        return self.pattern.search(string, pos, *args)

    def match(self, string, pos=0, *args):
        self._seen(string, pos)
        return self.pattern.match(string, pos, *args)

    def fullmatch(self, string, pos=0, *args):
        self._seen(string, pos)
        return self.pattern.fullmatch(string, pos, *args)

    def sub(self, repl, string, count=0):
        self._seen(string)
        return self.pattern.sub(repl, string, count)

    def findall(self, string, pos=0, *args):
        self._seen(string, pos)
        return self.pattern.findall(string, pos, *args)

    def finditer(self, string, pos=0, *args):
        self._seen(string, pos)
        return self.pattern.finditer(string, pos, *args)

    def __getattr__(self, name):
        return getattr(self.pattern, name)


def spy_patterns(monkeypatch, module, *names: str) -> dict[str, RegexSpy]:
    """Replace the named compiled patterns of ``module`` by spies; returns them by name."""
    spies = {}
    for name in names:
        spies[name] = RegexSpy(getattr(module, name))
        monkeypatch.setattr(module, name, spies[name])
    return spies
