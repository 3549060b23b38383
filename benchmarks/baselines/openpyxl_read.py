"""Baseline of the import: read every row of the workbook ``argv[1]`` with openpyxl in read-only
mode (values only) — the least a reader of .xlsx in Python does. Prints the number of rows."""

import sys

import openpyxl

book = openpyxl.load_workbook(sys.argv[1], read_only=True)
print(sum(1 for sheet in book.worksheets for _ in sheet.iter_rows(values_only=True)))
