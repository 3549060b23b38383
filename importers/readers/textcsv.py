"""CSV files as Excel and WPS save them: UTF-8 with or without BOM, or GBK/GB18030 (Chinese
Windows), comma, semicolon, tab or pipe separated, quoted cells spanning lines. A CSV keeps no
merged cells and no hidden columns."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from importers.readers.grid import Grid, build_grid
from importers.readers.sniff import MAX_ROWS, refuse

_DELIMITERS = ",\t;|"


def decode(data: bytes) -> str:
    """Text of a CSV file: UTF-16 or UTF-8 when it says so (BOM) or decodes cleanly, else GB18030."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        return data.decode("gb18030", errors="replace")


def _delimiter(text: str) -> str:
    sample = text[:16384]
    try:
        return csv.Sniffer().sniff(sample, delimiters=_DELIMITERS).delimiter
    except csv.Error:
        lines = [line for line in sample.splitlines()[:20] if line.strip()]
        counts = {d: sum(line.count(d) for line in lines) for d in _DELIMITERS}
        best = max(counts, key=lambda d: counts[d])
        return best if counts[best] else ","


class CsvSource:
    """A CSV file as a one-sheet source named after the file."""

    def __init__(self, path: Path):
        self.path = path
        self.file = path.name
        self.hidden_sheets: set[str] = set()
        self.sheet_names = [path.stem]
        self._grid: Grid | None = None

    def close(self) -> None:
        pass

    def __enter__(self) -> CsvSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def preview(self, name: str, nrows: int = 30) -> list[list[object]]:
        return self.grid(name).rows[:nrows]

    def grid(self, name: str) -> Grid:
        if self._grid is None:
            text = decode(self.path.read_bytes())
            if "\x00" in text:
                raise refuse(self.path, "不是文本（CSV）文件，内容含二进制数据。")
            rows: list[list[object]] = []
            try:
                for row in csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text)):
                    rows.append(row)
                    if len(rows) > MAX_ROWS:
                        raise refuse(self.path, f"超过 {MAX_ROWS:,} 行，已拒绝读取。")
            except csv.Error as exc:
                raise refuse(self.path, f"第 {len(rows) + 1} 行无法按 CSV 读取（{exc}）。") from None
            self._grid = build_grid(self.file, self.sheet_names[0], rows)
        return self._grid
