"""A DataTable that selects whole rows and says what enter does; rows carry string keys such as
``t:12`` (a task) so a screen knows what is highlighted. Header rows (category titles) use keys
starting with ``h:`` and are skipped by the helpers."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.events import Resize
from textual.message import Message
from textual.widgets import DataTable


class Table(DataTable):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "打开", tooltip="打开选中的一行"),
        Binding("home", "scroll_top", "第一行", show=False),
        Binding("end", "scroll_bottom", "最后一行", show=False),
    ]

    class Resized(Message):
        """The table got a new size: the screen may cut its texts (or size its pages) to fit."""

        def __init__(self, table: Table) -> None:
            super().__init__()
            self.table = table

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("cursor_type", "row")
        kwargs.setdefault("zebra_stripes", True)
        super().__init__(**kwargs)
        self._last_size = (0, 0)

    def on_resize(self, event: Resize) -> None:
        size = (event.size.width, event.size.height)
        if size != self._last_size:
            self._last_size = size
            self.post_message(self.Resized(self))

    @property
    def current_key(self) -> str | None:
        if not self.row_count:
            return None
        try:
            return self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        except Exception:  # noqa: BLE001 - cursor outside the rows
            return None

    def current_id(self, prefix: str) -> int | None:
        key = self.current_key
        if key and key.startswith(prefix + ":"):
            return int(key.split(":", 1)[1])
        return None

    def set_columns(self, columns: Sequence[tuple[str, str, int]]) -> None:
        """Replace the columns (label, key, width) and clear the rows."""
        self.clear(columns=True)
        for label, key, width in columns:
            self.add_column(label, key=key, width=width)

    def fill(self, rows: Iterable[tuple[str, Sequence[Any]]], *, keep: str | None = None,
             cursor: int | None = None) -> None:
        """Replace the rows; put the cursor on the row keyed ``keep`` if it is still there, else
        on row ``cursor`` (clamped), else the first data row."""
        self.clear()
        keys = []
        for key, cells in rows:
            self.add_row(*cells, key=key)
            keys.append(key)
        if not keys:
            return
        if keep is not None and keep in keys:
            index = keys.index(keep)
        elif cursor is not None:
            index = max(0, min(cursor, len(keys) - 1))
        else:
            index = next((i for i, k in enumerate(keys) if not k.startswith(("h:", "s:"))), 0)
        self.move_cursor(row=index, animate=False, scroll=True)

    def show_rows(self, most: int = 12) -> None:
        """Show the table at the height of its one-line rows and header (at most ``most`` lines),
        or hide it when it has none. The height is set here, not left to ``height: auto``: auto
        height waits for the table to count its rows on an idle moment, and on a busy PC the page
        could be laid out before that and stay without the table."""
        self.styles.height = min(most, self.row_count + (1 if self.show_header else 0))
        self.display = bool(self.row_count)

    def first_data_row(self) -> int | None:
        for index, row in enumerate(self.ordered_rows):
            if not str(row.key.value).startswith(("h:", "s:")):
                return index
        return None


def heading(text: str, columns: int, at: int = 1, style: str = "bold") -> list[Any]:
    """Cells of a header row: ``text`` in column ``at``, the rest empty."""
    cells: list[Any] = [""] * columns
    cells[at] = Text(text, style=style)
    return cells
