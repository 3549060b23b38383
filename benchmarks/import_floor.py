"""The floor of a 10,000-task import (issue 17): what any import that writes this ledger from this
file must spend even if reading and understanding the table and building its rows in Python cost
nothing. ``python -m benchmarks.import_floor BOOK [--runs N]`` measures, alternately, N times each:

* **read**: a process that opens BOOK as the import does (sniff, the extent and text guard, then
  python-calamine's parse of the sheet, ``importers.readers.OpeningSource``) and takes the parsed
  sheet's rows into Python — nothing of the table is understood;
* **write**: a process that makes a new ledger and writes into it, as ``importers.load`` writes a
  first import (one transaction, the secondary indexes built afterwards, the 总览 figures in one
  statement, the foreign keys checked once, the commit), the very rows an import of BOOK wrote,
  read back from a ledger made once beforehand (loading them with ``marshal``, ~60 ms, is timed by
  the child and taken off);
* **import**: ``taizhang import BOOK`` into a new ledger, the benchmark's figure;
* **openpyxl**: the benchmark's baseline (``baselines/openpyxl_read.py``).

It prints each one's median and minimum wall time, and *read + write − one interpreter start* as
the floor, each as a ratio to the openpyxl pass. A tool to reason about the budget, not a figure of
the benchmark.
"""

from __future__ import annotations

import argparse
import marshal
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.measure import python, remove_ledger, run, taizhang

# The tables a first import writes, in the order the loader writes them, each with its columns.
TABLES = {
    "work_group": None,  # all its columns
    "unit": ("id", "name", "created_at"),
    "task": None,
    "assignment": None,
    "target": None,
    "import_source": None,
}


def record(db: str, out: str) -> None:
    """Every row of ``TABLES`` in ``db`` (an import's ledger), by id, into ``out`` (marshal)."""
    import sqlite3

    conn = sqlite3.connect(db)
    rows = {}
    for table, columns in TABLES.items():
        names = columns or tuple(r[1] for r in conn.execute(f'PRAGMA table_info("{table}")'))
        rows[table] = (names, [v for row in conn.execute(f'SELECT {", ".join(names)} FROM "{table}" ORDER BY id')
                               for v in row])
    conn.close()
    Path(out).write_bytes(marshal.dumps(rows))


def write(recorded: str, db: str) -> None:
    """Write the recorded rows into a new ledger ``db`` the way ``importers.load`` writes a first import."""
    from importers import load
    from importers.bulk import BulkInserter
    from models import store, task_figures

    start = time.perf_counter()
    rows = marshal.loads(Path(recorded).read_bytes())
    print(time.perf_counter() - start)  # the parent takes this off: an import has no such step
    store.prepare(Path(db))
    conn = store.connect(db)
    conn.execute("PRAGMA cache_size = -32768")
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute("BEGIN IMMEDIATE")
    w = load._Writer(conn)
    for table in ("work_group", "unit"):
        names, values = rows[table]
        BulkInserter(conn).insert(table, names, values)
    deferred = load._drop_for_bulk(w)
    bulk = BulkInserter(conn)
    task_figures.pause_queued(bulk)
    # in batches of load._BATCH tasks with their rows, as the loader gives them
    per_task = {t: rows[t] for t in ("task", "assignment", "target", "import_source")}
    widths = {t: len(names) for t, (names, _) in per_task.items()}
    task_of = {t: names.index("task_id") for t, (names, _) in per_task.items() if t != "task"}
    starts = dict.fromkeys(per_task, 0)
    tasks = per_task["task"][1]
    first_id = tasks[0]
    for batch_start in range(0, len(tasks), load._BATCH * widths["task"]):
        batch = tasks[batch_start:batch_start + load._BATCH * widths["task"]]
        last_id = batch[-widths["task"]]
        bulk.insert("task", per_task["task"][0], batch)
        for table in ("assignment", "target", "import_source"):
            names, values = per_task[table]
            width, at = widths[table], task_of[table]
            end = starts[table]
            while end < len(values) and values[end + at] <= last_id:
                end += width
            bulk.insert(table, names, values[starts[table]:end])
            starts[table] = end
    for sql in deferred:
        conn.execute(sql)
    task_figures.resume(conn, first_id)
    for table in ("assignment", "import_source", "target", "task", "unit"):
        conn.execute(f'PRAGMA foreign_key_check("{table}")').fetchone()
    conn.execute("COMMIT")
    conn.close()


def read(book: str) -> None:
    """Open ``book`` as the import does and take the parsed sheet's rows, understanding nothing."""
    from importers.readers import OpeningSource

    source = OpeningSource(book).take()
    name = source.sheet_names[0]
    grid = source.grid(name)
    print(len(grid.rows))
    source.close()


def recorded_rows(ledger: Path, out: Path) -> Path:
    """The rows of ``ledger`` (a ledger an import of the book made) recorded into ``out`` by a child."""
    run(python("-m", "benchmarks.import_floor", "record", str(ledger), str(out)))
    return out


@dataclass
class FloorRound:
    """One round's children, in seconds: an interpreter that does nothing, the read and the write."""

    start: float
    read: float
    write: float

    @property
    def floor(self) -> float:
        """Read and write one after the other in one process: one interpreter start between them."""
        return self.read + self.write - self.start


def floor_round(book: Path, recorded: Path, db: Path) -> FloorRound:
    """Measure the floor's parts once (``db``: a path for the new ledger, removed before and after)."""
    remove_ledger(db)
    start = run(python("-c", "pass")).seconds
    read_s = run(python("-m", "benchmarks.import_floor", "read", str(book))).seconds
    wrote = run(python("-m", "benchmarks.import_floor", "write", str(recorded), str(db)))
    remove_ledger(db)
    return FloorRound(start, read_s, wrote.seconds - float(wrote.stdout))


def _median_min(values: list[float]) -> str:
    return f"{1000 * statistics.median(values):6.0f} ms (min {1000 * min(values):5.0f})"


def main(argv: list[str]) -> int:
    if argv and argv[0] in ("record", "write", "read"):
        {"record": record, "write": write, "read": read}[argv[0]](*argv[1:])
        return 0
    parser = argparse.ArgumentParser(prog="python -m benchmarks.import_floor")
    parser.add_argument("book")
    parser.add_argument("--runs", type=int, default=8)
    args = parser.parse_args(argv)
    from benchmarks.figures import BASELINES
    book = Path(args.book).resolve()
    times: dict[str, list[float]] = {k: [] for k in ("start", "read", "write", "floor", "import", "openpyxl")}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        run(taizhang("--db", str(work / "made.db"), "import", str(book)))
        recorded = recorded_rows(work / "made.db", work / "rows.marshal")
        for i in range(args.runs):
            print(f"round {i + 1}/{args.runs}", file=sys.stderr)
            parts = floor_round(book, recorded, work / "new.db")
            for name in ("start", "read", "write", "floor"):
                times[name].append(getattr(parts, name))
            times["import"].append(run(taizhang("--db", str(work / "new.db"), "import", str(book))).seconds)
            remove_ledger(work / "new.db")
            times["openpyxl"].append(run(python(str(BASELINES / "openpyxl_read.py"), str(book))).seconds)
    base = statistics.median(times["openpyxl"])
    for name, values in times.items():
        note = "  (read + write − one start)" if name == "floor" else ""
        print(f"{name:10s} {_median_min(values)}  {statistics.median(values) / base:5.2f}×{note}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
