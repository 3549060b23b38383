"""筛选: which tasks the list shows — by unit, status (逾期, 临期 …), category and year."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Button, Label, Select, Static

from tui import data
from tui.data import Candidate, TaskFilter
from tui.dialogs.base import Dialog
from tui.widgets.search import SearchList

ALL = "__all__"


class FilterDialog(Dialog[TaskFilter]):
    TITLE_TEXT = "筛选任务"
    WIDE = True
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "取消"),
        Binding("ctrl+s", "ok", "应用"),
    ]

    def __init__(self, flt: TaskFilter) -> None:
        super().__init__()
        self.flt = flt

    def content(self) -> ComposeResult:
        with Horizontal(classes="row"):
            yield Label("单位", classes="label")
            yield Static(self._unit_label(), id="unit-now", markup=False)
        yield SearchList(kinds=("unit",), placeholder="输入单位名称或拼音首字母，Enter 选定", id="unit-search")
        with Horizontal(classes="row"):
            yield Label("状态", classes="label")
            yield Select([(s, s) for s in data.STATUS_FILTERS], value=self.flt.status, allow_blank=False,
                         id="status", compact=True)
        with Horizontal(classes="row"):
            yield Label("类别", classes="label")
            yield Select([("全部类别", ALL)], value=ALL, allow_blank=False, id="category", compact=True)
        with Horizontal(classes="row"):
            yield Label("年度", classes="label")
            yield Select([("全部年度", ALL)], value=ALL, allow_blank=False, id="year", compact=True)

    def buttons(self) -> ComposeResult:
        yield Button("应用 (Ctrl+S)", variant="primary", id="ok")
        yield Button("清除全部", id="clear")
        yield Button("取消 (Esc)", id="cancel")

    def _unit_label(self) -> str:
        return self.flt.unit_name if self.flt.unit_id else "全部单位"

    def on_mount(self) -> None:
        self.query_one(SearchList).input.focus()
        group_id = self.app.group.id

        def fetch(conn):
            units = [c for c in data.candidates(conn, None) if c.kind == "unit"]
            in_group = {u.id for u in data.units(conn, group_id, data.as_date("2000-01-01"))}
            units = [c for c in units if c.unit_id in in_group]
            return units, data.categories(conn, group_id), data.years(conn, group_id)

        self.load(fetch, self._fill)

    def _fill(self, found) -> None:
        units, categories, years = found
        everything = Candidate("all", None, None, None, "", "全部单位（不按单位筛选）")
        self.query_one(SearchList).set_candidates([everything, *units])
        cats = self.query_one("#category", Select)
        options = [("全部类别", ALL)] + [(f"{data.category_label(no, name)}（{n}）", f"{no or ''}\x1f{name or ''}")
                                        for no, name, n in categories]
        cats.set_options(options)
        if self.flt.category is not None:
            no, name = self.flt.category
            cats.value = f"{no or ''}\x1f{name or ''}"
        year = self.query_one("#year", Select)
        year.set_options([("全部年度", ALL)] + [(f"{y} 年", y) for y in years])
        if self.flt.year in years:
            year.value = self.flt.year

    def on_search_list_picked(self, event: SearchList.Picked) -> None:
        c = event.candidate
        self.flt.unit_id = c.unit_id if c.kind == "unit" else None
        self.flt.unit_name = c.unit or ""
        self.query_one("#unit-now", Static).update(self._unit_label())
        self.query_one("#status", Select).focus()

    def button(self, button_id: str) -> None:
        if button_id == "clear":
            self.dismiss(TaskFilter())

    def action_ok(self) -> None:
        flt = self.flt
        flt.status = self.query_one("#status", Select).value
        cat = self.query_one("#category", Select).value
        if cat == ALL or cat is Select.NULL:
            flt.category = None
        else:
            no, name = str(cat).split("\x1f")
            flt.category = (no or None, name or None)
        year = self.query_one("#year", Select).value
        flt.year = None if year == ALL or year is Select.NULL else int(year)
        self.dismiss(flt)
