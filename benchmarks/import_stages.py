"""Where one import's time goes, stage by stage (issue 17): ``python -m benchmarks.import_stages BOOK DB``
runs ``taizhang --db DB import BOOK`` in this process with timers around its stages and prints, for each,
the CPU time of this (the main) thread and of the whole process, and the wall time, in ms. The stages
follow each other in the main thread; the parse thread's CPU (and on a server the COPY writer's)
shows in the process column. A tool for profiling, not a figure of the benchmark: the program's own code is not changed."""

from __future__ import annotations

import os
import sys
import time

_T0 = (time.thread_time(), time.process_time(), time.perf_counter())
_marks: list[tuple[str, float, float, float]] = []


def mark(name: str) -> None:
    _marks.append((name, time.thread_time(), time.process_time(), time.perf_counter()))


def _wrap(owner: object, attr: str, before: str, after: str | None = None) -> None:
    real = getattr(owner, attr)

    def timed(*args, **kwargs):
        mark(before)
        try:
            return real(*args, **kwargs)
        finally:
            if after:
                mark(after)

    setattr(owner, attr, timed)


def main(argv: list[str]) -> int:
    book, db = argv
    mark("interpreter start → this tool")
    from importers import load, readers, table  # imported here to hook them
    from importers.readers import excel
    from models import store

    mark("imports of the hooks (not in a real run)")
    _wrap(readers.OpeningSource, "__init__", "cli until the file is opened", "opening: sniff + extent guard")
    _wrap(readers.OpeningSource, "take", "until the parse is taken", "waiting for calamine")
    _wrap(excel.WorkbookSource, "grid", "choosing the sheet", "the grid")
    _wrap(table.TableReader, "_learn_wrapped_units", "header, layout, title", "learning wrapped unit names")
    _wrap(table.TableReader, "_number_column_holds_categories", "(rest)", "number column")
    _wrap(load, "load", "the rows of the table", None)
    _wrap(load, "_append_tasks", "load: opening the ledger, units, group", "writing the tasks")
    _wrap(store, "write_history", "foreign-key check", "history entry")
    from taizhang import cli

    code = cli.main(["--db", db, "import", book])
    mark("commit, close, report")
    previous = ("", *_T0)
    print(f"{'stage':45s} {'main CPU':>9s} {'process':>9s} {'wall':>9s}", file=sys.stderr)
    for name, thread, process, wall in _marks:
        print(f"{name:45s} {1000 * (thread - previous[1]):9.1f} {1000 * (process - previous[2]):9.1f} "
              f"{1000 * (wall - previous[3]):9.1f}", file=sys.stderr)
        previous = (name, thread, process, wall)
    times = os.times()
    print(f"{'total (process user+sys, incl. start-up)':45s} {'':9s} {1000 * (times.user + times.system):9.1f}",
          file=sys.stderr)
    return code


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
