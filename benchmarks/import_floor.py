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
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.measure import ROOT, env, python, run, taizhang

BASELINES_DIR = ROOT / "benchmarks" / "baselines"

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
    book = str(Path(args.book).resolve())
    times: dict[str, list[float]] = {k: [] for k in ("start", "read", "write", "import", "openpyxl")}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        subprocess.run(taizhang("--db", str(work / "made.db"), "import", book), env=env(), check=True,
                       capture_output=True)
        recorded = str(work / "rows.marshal")
        subprocess.run(python("-m", "benchmarks.import_floor", "record", str(work / "made.db"), recorded),
                       env=env(), check=True)
        for i in range(args.runs):
            print(f"round {i + 1}/{args.runs}", file=sys.stderr)
            for p in work.glob("new.db*"):
                p.unlink()
            times["start"].append(run(python("-c", "pass")).seconds)
            times["read"].append(run(python("-m", "benchmarks.import_floor", "read", book)).seconds)
            wrote = run(python("-m", "benchmarks.import_floor", "write", recorded, str(work / "new.db")))
            times["write"].append(wrote.seconds - float(wrote.stdout))
            for p in work.glob("new.db*"):
                p.unlink()
            times["import"].append(run(taizhang("--db", str(work / "new.db"), "import", book)).seconds)
            times["openpyxl"].append(run(python(str(BASELINES_DIR / "openpyxl_read.py"), book)).seconds)
    base = statistics.median(times["openpyxl"])
    for name, values in times.items():
        print(f"{name:10s} {_median_min(values)}  {statistics.median(values) / base:5.2f}×")
    floor = [r + w - s for r, w, s in zip(times["read"], times["write"], times["start"])]
    print(f"{'floor':10s} {_median_min(floor)}  {statistics.median(floor) / base:5.2f}×  (read + write − one start)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
