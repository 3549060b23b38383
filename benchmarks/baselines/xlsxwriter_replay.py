"""Baseline of the export: write, with nothing but xlsxwriter, the same cells, formats, merges,
widths, heights and page setup that `taizhang export` wrote — replayed from the log
``argv[1]`` that ``benchmarks.probes record-export`` made (marshal) — to ``argv[2]``. No database
is read and nothing is laid out."""

import marshal
import sys
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
