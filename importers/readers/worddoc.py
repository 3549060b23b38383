"""Tables in a Word document (.docx) through python-docx, walked at the XML level so that merged
cells come out right: a cell spanning columns (gridSpan) counts once per grid column it covers,
and a vertically merged cell (vMerge restart … continue) fills every row it covers."""

from __future__ import annotations

from pathlib import Path

from importers.readers import sniff
from importers.readers.grid import Grid, Merge, Source, build_grid
from importers.readers.sniff import refuse
from importers.records import display_name

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


class DocumentSource(Source):
    """The top-level tables of a .docx, named 表格1, 表格2 … in document order, and the text of its
    top-level paragraphs (``paragraphs``)."""

    sheet_word = "表格"

    def __init__(self, path: Path):
        import docx  # python-docx is only needed for Word files
        from docx.text.paragraph import Paragraph

        self.path = path
        self.file = display_name(path)
        self.hidden_sheets: set[str] = set()
        self._paragraph = Paragraph
        try:
            document = docx.Document(str(path))
        except Exception as exc:  # noqa: BLE001 — damaged parts surface as many exception types
            raise refuse(path, f"无法作为 Word 文档读取，文件可能已损坏（{str(exc)[:100]}）。") from None
        body = list(document.element.body.iterchildren())
        self._tables = [el for el in body if el.tag == f"{_W}tbl"]
        self.paragraphs = [Paragraph(el, None).text for el in body if el.tag == f"{_W}p"]  # top-level, in order
        self.sheet_names = [f"表格{i}" for i in range(1, len(self._tables) + 1)]
        self._grids: dict[str, Grid] = {}

    def grid(self, name: str) -> Grid:
        if name not in self._grids:
            self._grids[name] = self._read(name, self._tables[self.sheet_names.index(name)])
        return self._grids[name]

    def _cell_text(self, tc) -> str:
        return "\n".join(self._paragraph(p, None).text for p in tc.iterchildren(f"{_W}p"))

    def _read(self, name: str, tbl) -> Grid:
        values: list[list[object]] = []
        merges: list[Merge] = []
        open_down: dict[tuple[int, int], int] = {}  # (left, right) of a vertical merge → index in merges
        for r, tr in enumerate(tbl.iterchildren(f"{_W}tr")):
            if r >= sniff.MAX_ROWS:
                raise refuse(self.path, f"表格超过 {sniff.MAX_ROWS:,} 行，已拒绝读取。", sheet=name)
            row: list[object] = []
            col = tr.grid_before
            row.extend([""] * col)
            still_open: dict[tuple[int, int], int] = {}
            for tc in tr.iterchildren(f"{_W}tc"):
                span = max(int(tc.grid_span or 1), 1)
                vmerge = tc.vMerge
                key = (col, col + span - 1)
                if vmerge == "continue" and key in open_down:
                    i = open_down[key]
                    top, left, _, right = merges[i]
                    merges[i] = (top, left, r, right)
                    still_open[key] = i
                    row.extend([""] * span)
                else:
                    row.append(self._cell_text(tc))
                    row.extend([""] * (span - 1))
                    if span > 1 or vmerge == "restart":
                        merges.append((r, col, r, col + span - 1))
                        if vmerge == "restart":
                            still_open[key] = len(merges) - 1
                col += span
            open_down = still_open
            values.append(row)
        return build_grid(self.file, name, values, 1, 1, merges)
