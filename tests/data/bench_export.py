"""The Excel export benchmark (issue 4): `taizhang export` of a 10,000-task division table against a
process that writes the same cells, formats and merges with xlsxwriter directly.

``build_database(folder, n_tasks)`` writes ``bigtable.make_division_workbook`` and imports it with
`taizhang import` (a whole process, as a user would). ``record_baseline(db, group, log)`` runs the
export in this process once with xlsxwriter's Workbook wrapped so that every call the export makes
(formats, cells, merges, widths, heights, page setup) is logged to a JSON file; the baseline script
``BASELINE`` replays that log with nothing but xlsxwriter — the same cells, formats and merges,
without reading a database or laying anything out. ``benchmark(db, group, runs=3)`` then times
both as whole processes (start to exit), alternated so machine load hits both alike, and measures
each one's peak memory from the kernel's resource usage of that child (``os.wait4``). It prints
the medians and returns them.

    .venv/bin/python tests/data/bench_export.py [FOLDER] [N_TASKS]

Budget (issue 4): median export ≤ 1.5 × median baseline, and the export's peak memory < 150 MB.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
GROUP = "万项任务测试组"

BASELINE = r"""
import marshal, sys
from datetime import datetime
import xlsxwriter

with open(sys.argv[1], "rb") as fh:
    log = marshal.load(fh)
wb = xlsxwriter.Workbook(sys.argv[2], log["options"])
F = [wb.add_format(props) for props in log["formats"]]
ws = wb.add_worksheet(log["sheet"])
string, blank, number, when = ws.write_string, ws.write_blank, ws.write_number, ws.write_datetime
merge, row, column = ws.merge_range, ws.set_row, ws.set_column
for op in log["ops"]:
    code = op[0]
    if code == 0:
        string(op[1], op[2], op[3], F[op[4]])
    elif code == 1:
        blank(op[1], op[2], None, F[op[3]])
    elif code == 2:
        number(op[1], op[2], op[3], F[op[4]])
    elif code == 3:
        when(op[1], op[2], datetime.fromisoformat(op[3]), F[op[4]])
    elif code == 4:
        merge(op[1], op[2], op[3], op[4], op[5], F[op[6]])
    elif code == 5:
        row(op[1], op[2])
    else:
        column(op[1], op[2], op[3])
for name, args, kwargs in log["setup"]:
    getattr(ws, name)(*args, **kwargs)
wb.set_properties(log["properties"])
wb.close()
"""
_CODES = {"write_string": 0, "write_blank": 1, "write_number": 2, "write_datetime": 3, "merge_range": 4,
          "set_row": 5, "set_column": 6}


def build_database(folder: str | Path, n_tasks: int = 10_000) -> Path:
    """A ledger holding one group with ``n_tasks`` tasks, imported from bigtable's workbook."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bigtable import make_division_workbook

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / f"bench_{n_tasks}.db"
    if db.exists():
        return db
    book = make_division_workbook(folder / f"bench_{n_tasks}.xlsx", n_tasks)
    subprocess.run([sys.executable, "-m", "taizhang", "--db", str(db), "import", str(book), "--group", GROUP],
                   cwd=ROOT, check=True, capture_output=True)
    return db


def record_baseline(db: str | Path, group: str, log: str | Path, kind: str = "division") -> Path:
    """Run the export once in this process with xlsxwriter's Workbook wrapped, and write every call
    it made — formats, cells, merges, widths, heights, page setup — to ``log`` (marshal), in the
    compact form the baseline script replays."""
    import marshal

    import xlsxwriter

    from exporters import excel

    ops: list[tuple[Any, ...]] = []
    setup: list[tuple[str, list[Any], dict[str, Any]]] = []
    formats: list[dict[str, Any]] = []
    format_ids: dict[int, int] = {}
    book: dict[str, Any] = {"options": {}, "sheet": None, "properties": {}}

    class Sheet:
        def __init__(self, real: Any):
            self._real = real

        def __getattr__(self, name: str) -> Any:
            method = getattr(self._real, name)
            code = _CODES.get(name)

            def call(*args: Any, **kwargs: Any) -> Any:
                if code is None:
                    setup.append((name, list(args), dict(kwargs)))
                else:
                    plain: list[Any] = []
                    for a in args:
                        if id(a) in format_ids:
                            a = format_ids[id(a)]
                        elif isinstance(a, date):
                            a = datetime(a.year, a.month, a.day).isoformat()
                        plain.append(a)
                    if code == 1:
                        plain = [plain[0], plain[1], plain[3]]  # (row, col, format): data is None
                    elif code in (5, 6):
                        plain = plain[:2 if code == 5 else 3]
                    ops.append((code, *plain))
                return method(*args, **kwargs)

            return call

    class Workbook(xlsxwriter.Workbook):
        def __init__(self, filename: str, opts: dict[str, Any] | None = None):
            book["options"] = dict(opts or {})
            self._recording = False  # xlsxwriter's own default formats are not the export's
            super().__init__(filename, opts)
            self._recording = True

        def add_format(self, properties: dict[str, Any] | None = None) -> Any:
            fmt = super().add_format(properties)
            if self._recording:
                format_ids[id(fmt)] = len(formats)
                formats.append(dict(properties or {}))
            return fmt

        def add_worksheet(self, name: str | None = None, worksheet_class: Any = None) -> Any:
            book["sheet"] = name
            return Sheet(super().add_worksheet(name))

        def set_properties(self, properties: dict[str, Any]) -> None:
            book["properties"] = dict(properties)
            super().set_properties(properties)

    real = xlsxwriter.Workbook
    xlsxwriter.Workbook = Workbook  # type: ignore[misc]
    try:
        excel.export(db, kind, Path(log).with_suffix(".recorded.xlsx"), group)
    finally:
        xlsxwriter.Workbook = real  # type: ignore[misc]
    with open(log, "wb") as fh:
        marshal.dump({**book, "formats": formats, "ops": ops, "setup": setup}, fh)
    return Path(log)


def _run(argv: list[str]) -> tuple[float, float]:
    """Wall time (s) and peak RSS (MB) of one whole process."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{argv} failed: {proc.stderr.read().decode() if proc.stderr else ''}")
    if proc.stderr:
        proc.stderr.close()
    return elapsed, usage.ru_maxrss / 1024  # Linux reports kilobytes


def benchmark(db: str | Path, group: str = GROUP, runs: int = 3, folder: str | Path | None = None,
              kind: str = "division") -> dict[str, Any]:
    """Median wall time and peak memory of `taizhang export` and of the xlsxwriter-only replay."""
    folder = Path(folder or Path(db).parent)
    log = folder / f"baseline_{kind}.marshal"
    # recorded in a process of its own: a child forked from a large parent would count its memory
    subprocess.run([sys.executable, __file__, "--record", str(db), group, str(log), kind], cwd=ROOT, check=True)
    script = folder / "baseline_replay.py"
    script.write_text(BASELINE, encoding="utf-8")
    commands = {
        "taizhang export": [sys.executable, "-m", "taizhang", "--db", str(db), "export",
                            str(folder / f"export_{kind}.xlsx"), "--kind", kind, "--group", group],
        "xlsxwriter only": [sys.executable, str(script), str(log), str(folder / f"baseline_{kind}.xlsx")],
    }
    times: dict[str, list[float]] = {k: [] for k in commands}
    peaks: dict[str, list[float]] = {k: [] for k in commands}
    for _ in range(runs):
        for label, argv in commands.items():
            elapsed, peak = _run(argv)
            times[label].append(elapsed)
            peaks[label].append(peak)
    result: dict[str, Any] = {}
    for label in commands:
        result[label] = {"median_s": statistics.median(times[label]), "runs_s": times[label],
                         "peak_mb": max(peaks[label])}
        print(f"{label:16s} median {result[label]['median_s']:.3f} s "
              f"(runs {', '.join(f'{t:.3f}' for t in times[label])})  peak {result[label]['peak_mb']:.0f} MB")
    result["ratio"] = result["taizhang export"]["median_s"] / result["xlsxwriter only"]["median_s"]
    print(f"ratio {result['ratio']:.2f} (budget 1.5); export peak {result['taizhang export']['peak_mb']:.0f} MB "
          "(budget 150)")
    return result


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    if sys.argv[1:2] == ["--record"]:
        record_baseline(*sys.argv[2:6])
        sys.exit(0)
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("/tmp/taizhang-bench")
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000
    database = build_database(target, n)
    benchmark(database, folder=target)
