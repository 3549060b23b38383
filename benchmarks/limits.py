"""``python -m benchmarks.limits [--markdown]``: the import limits, measured (issue 13).

For each limit of the readers (``importers.readers.sniff`` and ``textsize``) a file just within it and
one just past it are generated (and hostile files that must import as fast as an ordinary one:
the formatting of a whole sheet, cells of 32,000 characters); each is imported by the real command line into a new ledger file,
three times, alternating with an ordinary 10,000-task table (``benchmarks.data``). Printed: the best
wall time, its ratio to the ordinary table's best in the same turns, peak memory and the exit status. Within a limit a file should import
in at most twice the ordinary table's time and 300 MB; past it, be refused (exit 1) within 2 s.
Nothing is asserted; the table goes into the README.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import xlsxwriter

from benchmarks.data import make_division_workbook
from benchmarks.measure import _peak_mb, compile_sources, env, taizhang

HEADER = ["序号", "工作任务", "牵头单位", "完成时限"]


def _run(argv: list[str]) -> tuple[float, float, int]:
    """(seconds, peak MB, exit status) of a child, whatever its status."""
    import subprocess

    start = time.perf_counter()
    with tempfile.TemporaryFile() as sink:
        proc = subprocess.Popen(argv, env=env(), stdin=subprocess.DEVNULL, stdout=sink, stderr=sink)
        _, status, usage = os.wait4(proc.pid, 0)
    return time.perf_counter() - start, _peak_mb(usage), os.waitstatus_to_exitcode(status)


def _import(folder: Path, table: Path) -> tuple[float, float, int]:
    db = folder / f"{table.stem}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    return _run(taizhang("--db", str(db), "import", str(table), "--group", "限度"))


def _rows_workbook(path: Path, rows: int, cols: int = 4, text: str = "") -> Path:
    """A header and ``rows`` task rows of ``cols`` columns (extra columns hold numbers)."""
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("分工表")
    header = HEADER + [f"备注{i}" for i in range(cols - len(HEADER))]
    ws.write_row(0, 0, header)
    units = ["县卫健局", "县民政局", "县财政局", "县人社局"]
    for r in range(1, rows + 1):
        ws.write_row(r, 0, [r, f"任务{r}{text}", units[r % 4], "2024年12月底前"] + list(range(cols - 4)))
    wb.close()
    return path


def _shared_text(path: Path, total: int) -> Path:
    """Shared strings of 30,000 characters (90 KB), each cell of 200 rows referring to one, reaching
    ``total`` bytes of text."""
    from tests_data_hostile import write_xlsx_raw  # type: ignore[import-not-found]

    long = "任" * 30_000
    per = len(long.encode("utf-8")) + 14
    cells = max(total // per, 1)
    strings = HEADER + [f"{i}{long}" for i in range(200)]
    refs = {(r, 2): len(HEADER) + r % 200 for r in range(2, cells + 2)}
    return write_xlsx_raw(path, [HEADER], strings=strings, refs=refs)


def _merged(path: Path, merges: int) -> Path:
    """``merges`` merged ranges, two in each task row (its note across two columns, its deadline
    across two year columns) under one header row."""
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": False})
    ws = wb.add_worksheet("分工表")
    ws.write_row(0, 0, HEADER[:3] + ["完成时限", "", "备注", ""])
    for r in range(1, merges // 2 + 1):
        ws.write_row(r, 0, [r, f"任务{r}", "县卫健局"])
        ws.merge_range(r, 3, r, 4, "2024年12月底前")
        ws.merge_range(r, 5, r, 6, f"备注{r}")
    wb.close()
    return path


def _huge_dimension(source: Path, target: Path) -> Path:
    """``source`` as Excel leaves it after someone formats whole rows and columns: dimension
    A1:XFD1048576, a <cols> entry over every column and a styled empty last cell (the speed that
    ``test_dimension_to_xfd1048576_reads_like_a_small_file`` bounds by counting)."""
    import re
    import zipfile

    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename.endswith("sheet1.xml"):
                text = data.decode("utf-8")
                text = re.sub(r'<dimension ref="[^"]*"\s*/>', '<dimension ref="A1:XFD1048576"/>', text)
                text = text.replace("<sheetData>", '<cols><col min="1" max="16384" width="9" style="1" '
                                    'customWidth="1"/></cols><sheetData>', 1)
                text = text.replace("</sheetData>", '<row r="1048576" s="1" customFormat="1">'
                                    '<c r="XFD1048576" s="1"/></row></sheetData>')
                data = text.encode("utf-8")
            zout.writestr(info, data)
    return target


def _huge_cells(path: Path, rows: int) -> Path:
    """The ordinary header and ``rows`` tasks whose person cell is 32,000 colons and, every tenth
    row, a 32,000-character heading of 「（牵头单位：」: the cells whose search once took time
    growing with the square of their length (``test_import_regressions.py`` bounds it by count)."""
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("分工表")
    ws.write_row(0, 0, ["序号", "工作任务", "牵头单位", "责任人"])
    colons, heading = "：" * 32_000, ("（牵头单位：" * 6000)[:32_000]
    for r in range(1, rows + 1):
        if r % 10 == 0:
            ws.write_row(r, 0, [heading])
        else:
            ws.write_row(r, 0, [r, f"任务{r}", "县民政局", colons])
    wb.close()
    return path


def make(folder: Path) -> list[tuple[str, Path]]:
    """Write every file measured into ``folder`` (run in a child: the parent stays small, see
    ``benchmarks.measure``); the ordinary table first."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "data"))
    import hostile  # tests/data/hostile.py: the hand-written .xlsx

    sys.modules["tests_data_hostile"] = hostile
    from importers.readers import sniff, textsize

    budget = textsize.MAX_TEXT_BYTES
    ordinary = make_division_workbook(folder / "ordinary.xlsx", 10_000)
    return [
        ("ordinary 10,000-task table", ordinary),
        ("hostile: the ordinary table, dimension A1:XFD1048576", _huge_dimension(ordinary, folder / "dimension.xlsx")),
        ("hostile: 100 cells of 32,000 characters searched", _huge_cells(folder / "huge_cells.xlsx", 100)),
        (f"rows: {sniff.MAX_ROWS:,} rows", _rows_workbook(folder / "rows.xlsx", sniff.MAX_ROWS - 1)),
        ("rows: one more", _rows_workbook(folder / "rows_past.xlsx", sniff.MAX_ROWS + 1)),
        (f"cells: {sniff.MAX_CELLS:,} ({sniff.MAX_CELLS // 20:,} rows × 20 columns)",
         _rows_workbook(folder / "cells.xlsx", sniff.MAX_CELLS // 20 - 1, cols=20)),
        ("cells: one row more", _rows_workbook(folder / "cells_past.xlsx", sniff.MAX_CELLS // 20 + 1, cols=20)),
        (f"text: {budget // 2**20} MB in task cells", _rows_workbook(
            folder / "text.xlsx", int(budget * 0.9) // 3_000, text="文" * 990)),
        (f"text: {budget // 2**20} MB of shared strings", _shared_text(folder / "shared.xlsx", int(budget * 0.9))),
        ("text: shared strings past it", _shared_text(folder / "shared_past.xlsx", int(budget * 1.1))),
        (f"merges: {sniff.MAX_MERGES:,}", _merged(folder / "merges.xlsx", sniff.MAX_MERGES - 2)),
        ("merges: past it (the rows within theirs)", _merged(folder / "merges_past.xlsx", sniff.MAX_MERGES + 2)),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.limits")
    parser.add_argument("--markdown", action="store_true")
    parser.add_argument("--make", metavar="DIR", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.make:
        for label, path in make(Path(args.make)):
            print(f"{path}\t{label}")
        return 0
    import subprocess

    compile_sources()
    rows_out: list[list[str]] = []
    with tempfile.TemporaryDirectory(prefix="taizhang-limits-") as tmp:
        folder = Path(tmp)
        made = subprocess.run([sys.executable, "-m", "benchmarks.limits", "--make", tmp], capture_output=True,
                              text=True, check=True, env=env(), cwd=Path(__file__).resolve().parent.parent)
        cases = [line.split("\t", 1) for line in made.stdout.splitlines() if "\t" in line]
        (base, _), rest = cases[0], cases[1:]
        # each file is measured alternately with the ordinary table, best of three each, so that a
        # machine busy with other work slows both alike
        ordinary: list[tuple[float, float, int]] = []
        for path, label in rest:
            ours, theirs = [], []
            for _ in range(3):
                theirs.append(_import(folder, Path(base)))
                ours.append(_import(folder, Path(path)))
            ordinary += theirs
            seconds, ref = min(r[0] for r in ours), min(r[0] for r in theirs)
            peak, status = max(r[1] for r in ours), ours[-1][2]
            rows_out.append([label, f"{seconds:.2f} s", f"{seconds / ref:.2f}×", f"{peak:.0f} MB", str(status)])
            print(" | ".join(rows_out[-1]), file=sys.stderr)
        best = min(r[0] for r in ordinary)
        rows_out.insert(0, ["ordinary 10,000-task table", f"{best:.2f} s", "1.00×",
                            f"{max(r[1] for r in ordinary):.0f} MB", "0"])
    header = ["file", "import", "vs ordinary", "peak memory", "exit"]
    if args.markdown:
        print("| " + " | ".join(header) + " |")
        print("|---|---:|---:|---:|:-:|")
        for row in rows_out:
            print("| " + " | ".join(row) + " |")
    else:
        for row in [header, *rows_out]:
            print("  ".join(row))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
