"""Baseline of the forms export: write the same cells (``argv[1]``, JSON: file → rows of strings)
into one workbook each in folder ``argv[2]`` with xlsxwriter, strings only, no formats."""

import json
import sys
from pathlib import Path

import xlsxwriter

cells = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
for name, rows in cells.items():
    wb = xlsxwriter.Workbook(str(Path(sys.argv[2]) / name))
    ws = wb.add_worksheet()
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is not None:
                ws.write_string(r, c, value)
    wb.close()
