"""The cheap guess, made before a spreadsheet is read as a division table, that it is a unit's
returned form (填报表) instead. Only when it says yes is ``importers.forms`` loaded (with the export
of forms it imports, ~20 ms of start-up an ordinary table import does not pay) to read the form."""

from __future__ import annotations

import zipfile
from pathlib import Path

from exporters.form_marks import FORM_TITLE, MARKER


def looks_like_form(path: Path) -> bool:
    """A cheap guess (before reading a file as a division table) that ``path`` is a returned form:
    its name says 填报表, or an .xlsx's shared strings start with the form's header words."""
    if "填报表" in path.name:
        return True
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        return False
    head = ""
    try:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
            # the words stand in the shared strings, or inline in the first sheet (a copy re-saved by a
            # program that writes no shared strings)
            for part in ("xl/sharedStrings.xml", "xl/worksheets/sheet1.xml"):
                if part in names:
                    with z.open(part) as f:
                        head += f.read(64 * 1024).decode("utf-8", "ignore")
    except (OSError, zipfile.BadZipFile, RuntimeError):
        return False
    return MARKER in head or (FORM_TITLE in head and "本期工作进展" in head)
