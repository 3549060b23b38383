"""Baseline of the forms import: read every row of every workbook in folder ``argv[1]`` with
openpyxl in read-only mode (values only). Prints the number of rows."""

import sys
from pathlib import Path

import openpyxl

total = 0
for path in sorted(Path(sys.argv[1]).glob("*.xlsx")):
    book = openpyxl.load_workbook(path, read_only=True)
    total += sum(1 for sheet in book.worksheets for _ in sheet.iter_rows(values_only=True))
    book.close()
print(total)
