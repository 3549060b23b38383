"""The reporting round's figures (issue 14): forms for a round of N tasks over 60 units.

* ``forms export`` — `taizhang export OUTDIR --kind forms` (60 workbooks) vs an xlsxwriter process
  writing the same cells, texts and bordered blanks, with one format (``baselines/xlsxwriter_forms.py``,
  from the cells the export wrote);
* ``forms import`` — `taizhang import FOLDER` of the 60 returned forms, every task filled in, into a
  copy of the ledger vs an openpyxl read-only pass over the same files
  (``baselines/openpyxl_read_folder.py``).

``python -m benchmarks.forms_bench prepare WORK N`` makes the data in WORK: a division table whose
tasks each have a lead and two co-operating units out of 60, the ledger imported from it with a
round opened, the forms exported once, the cells they hold (JSON, for the baseline), and the
returned forms (filled with openpyxl) in ``back/``.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

UNITS = [f"县第{i}局" for i in range(1, 61)]


def make_table(path: Path, n: int) -> None:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("分工表")
    for c, text in enumerate(["序号", "工作任务", "完成时限", "牵头单位", "配合单位"]):
        ws.write(0, c, text)
    for i in range(1, n + 1):
        ws.write(i, 0, str(i))
        ws.write(i, 1, f"第{i}项任务：推进养老服务体系建设，完善居家社区机构相协调、医养康养相结合的养老服务体系，"
                       f"到2025年护理型床位占比达到{50 + i % 40}%以上")
        ws.write(i, 2, f"2025年{1 + i % 12}月底前")
        ws.write(i, 3, UNITS[i % 60])
        ws.write(i, 4, f"{UNITS[(i * 7 + 3) % 60]}、{UNITS[(i * 13 + 29) % 60]}")
    wb.close()


def prepare(work: Path, n: int) -> None:
    import openpyxl

    from taizhang.cli import main

    work.mkdir(parents=True, exist_ok=True)
    table = work / "table.xlsx"
    make_table(table, n)
    ledger = work / "ledger.db"
    assert main(["--db", str(ledger), "import", str(table), "--group", "某县老龄工作领导小组"]) == 0
    assert main(["--db", str(ledger), "round", "open", "2024年3月", "--due", "2024-04-05"]) == 0
    sent = work / "sent"
    sent.mkdir()
    assert main(["--db", str(ledger), "export", str(sent), "--kind", "forms"]) == 0
    cells = {}
    back = work / "back"
    back.mkdir()
    for path in sorted(sent.glob("*.xlsx")):
        wb = openpyxl.load_workbook(path)
        ws = wb.active
        # the cells the export wrote: text, or "" for a blank cell it wrote (a bordered fill-in cell)
        cells[path.name] = [[c.value if isinstance(c.value, str) else ("" if c.has_style else None) for c in row]
                            for row in ws.iter_rows()]
        for r in range(4, ws.max_row + 1):
            if str(ws.cell(r, 1).value or "").isdigit():
                ws.cell(r, 5).value = "推进中"
                ws.cell(r, 6).value = f"本期已召开推进会，完成第{r - 3}项阶段目标，形成工作台账。"
        wb.save(back / path.name)
    (work / "cells.json").write_text(json.dumps(cells, ensure_ascii=False), encoding="utf-8")
    shutil.rmtree(sent)


def measure_forms(s) -> list:
    from benchmarks.figures import BASELINES, log, ratio_row
    from benchmarks.measure import python, remove_ledger, run, taizhang

    work = s.work / "forms"
    log(f"forms: preparing a round of {s.n} tasks over 60 units…")
    run(python("-m", "benchmarks.forms_bench", "prepare", str(work), str(s.n)))
    ledger = work / "ledger.db"
    ours_out, ours_in, base_out, base_in = [], [], [], []
    for i in range(s.runs):
        log(f"forms: round {i + 1}/{s.runs}")
        for name in ("out", "base_out"):
            shutil.rmtree(work / name, ignore_errors=True)
            (work / name).mkdir()
        ours_out.append(run(taizhang("--db", str(ledger), "export", str(work / "out"), "--kind", "forms")).seconds)
        base_out.append(run(python(str(BASELINES / "xlsxwriter_forms.py"), str(work / "cells.json"),
                                   str(work / "base_out"))).seconds)
        copy = work / "import.db"
        remove_ledger(copy)
        shutil.rmtree(work / "backups", ignore_errors=True)
        shutil.copyfile(ledger, copy)
        ours_in.append(run(taizhang("--db", str(copy), "import", str(work / "back"))).seconds)
        base_in.append(run(python(str(BASELINES / "openpyxl_read_folder.py"), str(work / "back"))).seconds)
    return [ratio_row(f"forms export {s.label} tasks, 60 units", ours_out, base_out, "xlsxwriter forms", 1.5),
            ratio_row(f"forms import {s.label} tasks, 60 files", ours_in, base_in, "openpyxl read-only folder", 1.0)]


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] != "prepare":
        print("usage: python -m benchmarks.forms_bench prepare WORK N", file=sys.stderr)
        raise SystemExit(2)
    prepare(Path(sys.argv[2]), int(sys.argv[3]))
