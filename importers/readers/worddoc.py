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
_R, _HYPERLINK, _T, _BR, _VAL = f"{_W}r", f"{_W}hyperlink", f"{_W}t", f"{_W}br", f"{_W}val"
_AS_TEXT = {f"{_W}tab": "\t", f"{_W}ptab": "\t", f"{_W}cr": "\n", f"{_W}noBreakHyphen": "-"}


def _max_cells() -> int:
    """The cells a Word table may have (``sniff.MAX_WORD_CELLS``, or a lower sheet limit)."""
    return min(sniff.MAX_CELLS, sniff.MAX_WORD_CELLS)


def _number(el, default: int) -> int:
    try:
        return int(el.get(_VAL)) if el is not None and el.get(_VAL) is not None else default
    except ValueError:
        return default


def _grid_before(tr) -> int:
    """python-docx's ``tr.grid_before``: the grid columns skipped before a row's first cell."""
    pr = tr.find(f"{_W}trPr")
    return max(_number(pr.find(f"{_W}gridBefore") if pr is not None else None, 0), 0)


def _cell_layout(tc) -> tuple[int, str | None]:
    """python-docx's ``tc.grid_span`` (at least 1) and ``tc.vMerge`` ("restart", "continue" or None),
    read as plain children (its properties cost 1.5 s of a 20,000-row table)."""
    pr = tc.find(f"{_W}tcPr")
    if pr is None:
        return 1, None
    merge = pr.find(f"{_W}vMerge")
    return max(_number(pr.find(f"{_W}gridSpan"), 1), 1), None if merge is None else merge.get(_VAL, "continue")


def paragraph_text(p) -> str:
    """What python-docx's ``Paragraph.text`` gives (the runs and hyperlinks' runs directly in the
    paragraph; tabs, line breaks, soft returns and non-breaking hyphens as characters), walked as
    plain children: its XPath per paragraph and run cost 4 s of a 20,000-row table."""
    out: list[str] = []
    for child in p:
        tag = child.tag
        if tag == _R:
            runs = (child,)
        elif tag == _HYPERLINK:
            runs = child.iterchildren(_R)
        else:
            continue
        for run in runs:
            for e in run:
                kind = e.tag
                if kind == _T:
                    out.append(e.text or "")
                elif kind == _BR:
                    if e.get(f"{_W}type", "textWrapping") == "textWrapping":
                        out.append("\n")
                elif kind in _AS_TEXT:
                    out.append(_AS_TEXT[kind])
    return "".join(out)


class DocumentSource(Source):
    """The top-level tables of a .docx, named 表格1, 表格2 … in document order, and the text of its
    top-level paragraphs (``paragraphs``)."""

    sheet_word = "表格"

    def __init__(self, path: Path):
        import docx  # python-docx is only needed for Word files

        self.path = path
        self.file = display_name(path)
        self.hidden_sheets: set[str] = set()
        try:
            document = docx.Document(str(path))
        except Exception as exc:  # noqa: BLE001 — damaged parts surface as many exception types
            raise refuse(path, f"无法作为 Word 文档读取，文件可能已损坏（{str(exc)[:100]}）。") from None
        body = list(document.element.body.iterchildren())
        self._tables = [el for el in body if el.tag == f"{_W}tbl"]
        for i, tbl in enumerate(self._tables, 1):  # before reading 20,000 rows of it (twice: as tasks, as a roster)
            rows = tbl.findall(f"{_W}tr")
            if len(rows) > sniff.MAX_ROWS:
                raise refuse(path, f"表格超过 {sniff.MAX_ROWS:,} 行，已拒绝读取。", sheet=f"表格{i}", limit=True)
            # the rows of two cells or more (never replaced by a table nested in them) times the most
            # cells of one: a bound below what reading builds, so a table past the cell limit is
            # refused here, before seconds of reading, as reading would refuse it at its end
            widths = [len(tr.findall(f"{_W}tc")) for tr in rows]
            plain = sum(1 for w in widths if w > 1)
            if plain * max(widths, default=0) > _max_cells():
                raise refuse(path, f"表格区域将达到 {plain:,} 行 × {max(widths):,} 列，超过上限 {_max_cells():,} "
                                   "个单元格，请删除多余内容后再导入。", sheet=f"表格{i}", limit=True)
        self.paragraphs = [paragraph_text(el) for el in body if el.tag == f"{_W}p"]  # top-level, in order
        self.sheet_names = [f"表格{i}" for i in range(1, len(self._tables) + 1)]
        self._grids: dict[str, Grid] = {}

    def grid(self, name: str) -> Grid:
        if name not in self._grids:
            self._grids[name] = self._read(name, self._tables[self.sheet_names.index(name)])
        return self._grids[name]

    def _cell_text(self, tc) -> str:
        """The cell's paragraphs, one a line; a table nested in it adds its rows as lines (cells
        separated by a space), so no text is left out."""
        lines: list[str] = []
        for child in tc.iterchildren(f"{_W}p", f"{_W}tbl"):
            if child.tag == f"{_W}p":
                lines.append(paragraph_text(child))
            else:
                for tr in child.iterchildren(f"{_W}tr"):
                    cells = [self._cell_text(inner).replace("\n", " ").strip() for inner in tr.iterchildren(f"{_W}tc")]
                    if any(cells):
                        lines.append("　".join(c for c in cells if c))
        return "\n".join(lines)

    def _only_tables(self, tr) -> list | None:
        """The tables nested in a row that holds nothing else (one cell, no text of its own): a
        table laid inside another, whose rows are rows of the outer one."""
        cells = list(tr.iterchildren(f"{_W}tc"))
        if len(cells) != 1:
            return None
        nested = list(cells[0].iterchildren(f"{_W}tbl"))
        if not nested or any(paragraph_text(p).strip() for p in cells[0].iterchildren(f"{_W}p")):
            return None
        return nested

    def _read(self, name: str, tbl) -> Grid:
        values: list[list[object]] = []
        merges: list[Merge] = []
        self._width = 0
        self._rows(name, tbl, 0, values, merges, 0)
        return build_grid(self.file, name, values, 1, 1, merges)

    def _rows(self, name: str, tbl, first_col: int, values: list[list[object]], merges: list[Merge], depth: int) -> None:
        """Append the rows of ``tbl`` (its cells from column ``first_col``) to ``values``; a row that is
        only a nested table is replaced by that table's rows (issue 13: they were left out)."""
        open_down: dict[tuple[int, int], int] = {}  # (left, right) of a vertical merge → index in merges
        for tr in tbl.iterchildren(f"{_W}tr"):
            r = len(values)
            if r >= sniff.MAX_ROWS:
                raise refuse(self.path, f"表格超过 {sniff.MAX_ROWS:,} 行，已拒绝读取。", sheet=name, limit=True)
            nested = self._only_tables(tr) if depth < 8 else None
            if nested:
                col = first_col + _grid_before(tr)
                for inner in nested:
                    self._rows(name, inner, col, values, merges, depth + 1)
                open_down = {}
                continue
            row: list[object] = [""] * first_col
            before = _grid_before(tr)
            col = first_col + before
            row.extend([""] * before)
            still_open: dict[tuple[int, int], int] = {}
            for tc in tr.iterchildren(f"{_W}tc"):
                span, vmerge = _cell_layout(tc)
                if col + span > sniff.MAX_COLUMNS:  # a gridSpan of 50,000,000 would build as many cells
                    raise refuse(self.path, f"这一行跨到第 {col + span:,} 列，超过上限 {sniff.MAX_COLUMNS:,} 列，"
                                            "不像正常的表格，已拒绝读取。", sheet=name, row=r + 1, limit=True)
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
            self._width = max(self._width, len(row))
            if len(values) * self._width > _max_cells():
                raise refuse(self.path, f"表格区域将达到 {len(values):,} 行 × {self._width:,} 列，超过上限 "
                                        f"{_max_cells():,} 个单元格，请删除多余内容后再导入。", sheet=name, row=r + 1, limit=True)

