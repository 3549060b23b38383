"""Baseline of the forms export: write the same cells (``argv[1]``, JSON: file → rows of cells, a
string, "" for a blank cell the export wrote, null for none) into one workbook each in folder
``argv[2]`` with xlsxwriter (in memory, as the export), every cell with one bordered format, nothing else (no widths, heights,
merges, validation or protection)."""

import json
import sys
from pathlib import Path

import xlsxwriter

cells = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
for name, rows in cells.items():
    wb = xlsxwriter.Workbook(str(Path(sys.argv[2]) / name), {"in_memory": True})  # the options the export uses
    ws = wb.add_worksheet()
    fmt = wb.add_format({"border": 1, "text_wrap": True})
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value:
                ws.write_string(r, c, value, fmt)
            elif value is not None:
                ws.write_blank(r, c, None, fmt)
    wb.close()
