"""The one form every reader gives: a sheet as rows of cell values, merged ranges filled.

``rows[i][j]`` is the value shown in the cell at sheet row ``row_numbers[i]``, column
``col_numbers[j]`` (both 1-based, as the user sees them): a string, number, date/datetime, or ""
for an empty cell. A merged range's value is copied into every cell it covers, down and across;
``merges`` keeps the ranges so a reader of the grid can still tell a category merged down from
text typed again, and a heading merged across the table from a lone cell.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from importers.records import ImportWarning, Origin

Merge = tuple[int, int, int, int]  # top, left, bottom, right: indexes into rows / columns, inclusive


@dataclass
class Grid:
    file: str  # file name shown to the user
    sheet: str  # sheet name (Word: 表格1, 表格2 …; CSV: the file's stem)
    rows: list[list[object]]
    row_numbers: list[int]
    col_numbers: list[int]
    merges: list[Merge] = field(default_factory=list)
    hidden_rows: frozenset[int] = frozenset()  # indexes into rows
    hidden_cols: frozenset[int] = frozenset()  # indexes into columns
    warnings: list[ImportWarning] = field(default_factory=list)  # what reading the file found (a CSV's undecodable bytes)
    _cover: dict[tuple[int, int], Merge] | None = field(default=None, repr=False)

    @property
    def width(self) -> int:
        return len(self.col_numbers)

    def merge_at(self, r: int, c: int) -> Merge | None:
        """The merged range covering cell (r, c), or None."""
        cover = self._cover
        if cover is None:
            cover = self._cover = {(rr, cc): m for m in self.merges
                                   for rr in range(m[0], m[2] + 1) for cc in range(m[1], m[3] + 1)}
        return cover.get((r, c))

    def is_covered(self, r: int, c: int) -> bool:
        """True for a cell hidden under a merged range (not its top-left anchor)."""
        m = self.merge_at(r, c)
        return m is not None and (m[0], m[1]) != (r, c)

    def origin(self, r: int, c: int | None = None) -> Origin:
        return Origin(
            self.file,
            self.sheet,
            self.row_numbers[r] if 0 <= r < len(self.row_numbers) else None,
            self.col_numbers[c] if c is not None and 0 <= c < len(self.col_numbers) else None,
        )


def build_grid(
    file: str,
    sheet: str,
    values: list[list[object]],
    first_row: int = 1,
    first_col: int = 1,
    merges: list[Merge] | None = None,
    hidden_rows: set[int] | frozenset[int] = frozenset(),
    hidden_cols: set[int] | frozenset[int] = frozenset(),
) -> Grid:
    """A Grid from a rectangular block of values whose top-left cell is (first_row, first_col).

    ``merges`` are 0-based indexes into ``values`` and are clipped to it; ``hidden_rows`` and
    ``hidden_cols`` are 1-based sheet numbers. Empty values (None) become "", rows are padded to
    one width, trailing empty rows and columns are dropped. The row lists of ``values`` are taken
    over (and changed), not copied: readers pass lists they have just made."""
    rows = [row if None not in row else ["" if v is None else v for v in row] for row in values]
    while rows and not any(v != "" for v in rows[-1]):
        rows.pop()
    width = max(map(len, rows), default=0)
    while width and all(len(r) < width or r[width - 1] == "" for r in rows):
        width -= 1
    if set(map(len, rows)) - {width}:
        for row in rows:
            if len(row) < width:
                row.extend([""] * (width - len(row)))
            elif len(row) > width:
                del row[width:]
    clipped = _disjoint(file, sheet, merges or (), len(rows), width, first_row, first_col)
    for top, left, bottom, right in clipped:
        anchor = rows[top][left]
        for rr in range(top, bottom + 1):
            row = rows[rr]
            for cc in range(left, right + 1):
                row[cc] = anchor
    row_numbers = list(range(first_row, first_row + len(rows)))
    col_numbers = list(range(first_col, first_col + width))
    return Grid(
        file,
        sheet,
        rows,
        row_numbers,
        col_numbers,
        clipped,
        frozenset(i for i, n in enumerate(row_numbers) if n in hidden_rows),
        frozenset(j for j, n in enumerate(col_numbers) if n in hidden_cols),
    )


def _disjoint(file: str, sheet: str, merges, height: int, width: int, first_row: int, first_col: int) -> list[Merge]:
    """The merged ranges clipped to the block, with any range that overlaps one before it left out
    (as Excel does when it repairs such a file): then filling them and ``merge_at`` cost no more
    than the cells of the block. Copies of one range (a 259 KB file can hold a million) are dropped
    at once; checking the others cell by cell may look at each cell of the block at most twice
    before the file is refused (ImportRefused) as not a table anyone wrote."""
    clipped: list[Merge] = []
    seen: set[Merge] = set()
    taken = bytearray(height * width)
    budget = 2 * height * width + 1000
    for top, left, bottom, right in merges:
        bottom, right = min(bottom, height - 1), min(right, width - 1)
        if top < 0 or left < 0 or top > bottom or left > right or (top, left) == (bottom, right):
            continue
        merge = (top, left, bottom, right)
        if merge in seen:
            continue
        seen.add(merge)
        free = True
        for r in range(top, bottom + 1):
            at = r * width
            budget -= right - left + 1
            if taken.find(1, at + left, at + right + 1) >= 0:
                free = False
                break
        if budget < 0:
            from importers.records import column_letter
            from importers.readers.sniff import refuse

            where = f"{column_letter(first_col + left)}{first_row + top}:{column_letter(first_col + right)}{first_row + bottom}"
            raise refuse(file, f"合并单元格大量相互重叠（如 {where}），不是正常保存的表格（Excel 会提示修复），已拒绝读取。"
                               "请在 Excel 或 WPS 中取消合并后重新合并，另存后再导入。", sheet=sheet, limit=True)
        if not free:
            continue
        for r in range(top, bottom + 1):
            at = r * width
            taken[at + left:at + right + 1] = b"\x01" * (right - left + 1)
        clipped.append(merge)
    return clipped


class Source:
    """What ``open_source`` returns, whatever the format: ``file`` (name shown to the user),
    ``sheet_names``, ``hidden_sheets``, ``preview(name, nrows)`` (the first rows, enough to find a
    header), ``grid(name)`` and ``close()``; a context manager."""

    file: str
    sheet_names: list[str]
    hidden_sheets: set[str]
    sheet_word = "工作表"  # what a sheet is called in messages (a Word document has 表格)

    def origin_sheet(self, name: str) -> str | None:
        """The sheet as messages name it: None where the format has no sheets (CSV)."""
        return name

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def preview(self, name: str, nrows: int = 30) -> list[list[object]]:
        return self.grid(name).rows[:nrows]

    def grid(self, name: str) -> Grid:
        raise NotImplementedError
