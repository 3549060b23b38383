"""单位 (4): the group's units with their duties and their lead and co-operating tasks; rename,
merge (with a preview of what moves), aliases, duties."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import DataTable, Input, Label, Static

from tui import data
from tui.screens.base import AreaScreen
from tui.text import cut, day
from tui.widgets.search import FilterInput
from tui.widgets.table import Table


class UnitTable(Table):
    BINDINGS: ClassVar = [
        Binding("enter", "select_cursor", "查看任务", tooltip="到“任务”中查看这个单位牵头或配合的全部任务"),
    ]


class UnitsScreen(AreaScreen):
    AREA = "units"
    CSS_PATH = str(Path(__file__).with_name("units.tcss"))
    HELP = ("左边是本领导小组涉及的单位（名单、职责或任务中出现的），右边是选中单位的别名、成员、工作职责、"
            "牵头和配合的任务（! 逾期，写明原因；? 待销号），以及发给它的督办通知（督办记录）。"
            "“逾期”一栏与总览、通报的计数相同（含往年目标未报完成值）。\n"
            "m：合并。同一个单位有两个名字时（如“县卫计局”和“县卫健局”），把选中的并入另一个；"
            "确认前列出将移动的分工、成员、职责，被并入的名字成为别名。\n"
            "n：改名，原名保留为别名。l：增加别名。e：修改工作职责。\n"
            "d：疑似重复——列出名称相近的单位（如“市发展改革局”和“市发展和改革局”、“市建设局”和“市住房和城乡建设局”），"
            "选一对按 Enter 进入合并预览；程序不会自动合并。")
    BINDINGS: ClassVar = [
        Binding("slash", "search", "查找", tooltip="按名称或拼音首字母查找单位"),
        Binding("e", "duty", "职责", tooltip="修改选中单位在本领导小组的工作职责"),
        Binding("n", "rename", "改名", tooltip="修改单位名称，原名保留为别名"),
        Binding("m", "merge", "合并", tooltip="把选中的单位并入另一个单位（先预览）"),
        Binding("l", "alias", "别名", show=False, tooltip="给选中的单位增加一个别名"),
        Binding("d", "duplicates", "疑似重复", tooltip="列出名称相近、可能是同一单位的单位（如 市建设局／市住房和城乡建设局），选择合并"),
        Binding("h", "toggle_all", "全部单位", show=False, tooltip="显示数据库中的全部单位，或只显示本组的"),
        Binding("question_mark,f1", "app.help", "帮助", key_display="?", tooltip="本页的按键说明"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.everything = False
        self.rows: list[data.UnitRow] = []
        self.detail: data.UnitDetail | None = None

    def body(self) -> ComposeResult:
        with Horizontal(id="un-bar", classes="filter-bar"):
            yield Label("查找(/)", classes="filter-label")
            yield FilterInput(placeholder="单位名称或拼音首字母", id="un-search")
        with Horizontal(id="un-panels"):
            yield UnitTable(id="un-table")
            with VerticalScroll(id="un-detail"):
                yield Static("", id="un-info", markup=False)

    @property
    def table(self) -> UnitTable:
        return self.query_one("#un-table", UnitTable)

    def on_mount(self) -> None:
        self.table.focus()

    def reload(self) -> None:
        group = self.app.group
        if group is None:
            self.rows = []
            self._refill()
            self.say("还没有领导小组。")
            return
        from models.clock import today

        now, everything = today(), self.everything

        def fetch(conn):
            from models.judged_counts import count_group

            rows = data.units(conn, group.id, now, everything=everything)
            # 逾期 as 总览 and the bulletin count it (models.judging: a missed yearly target too), by lead unit
            by_lead = count_group(conn, group.id, now).by_lead
            for r in rows:
                r.overdue = by_lead[r.name].overdue if r.name in by_lead else 0
            return rows

        self.load(fetch, self._show, loading=self.table)

    def _show(self, rows: list[data.UnitRow]) -> None:
        self.rows = rows
        self._refill()

    def _refill(self) -> None:
        from models.search import initials

        table = self.table
        width = max((table.size.width or 56) - 2, 30)
        w_name = max(10, width - 4 * 4 - 2 * 5)
        keep = table.current_key
        table.set_columns([("单位", "name", w_name), ("牵头", "lead", 4), ("配合", "co", 4), ("逾期", "late", 4),
                           ("职责", "duty", 4)])
        terms = self.query_one("#un-search", Input).value.lower().split()
        out = []
        for u in self.rows:
            if terms:
                names = [u.name, *filter(None, u.aliases.split("|"))]
                hay = "|".join([*names, *(initials(n) for n in names)]).lower()
                if not all(t in hay for t in terms):
                    continue
            late = Text(str(u.overdue), style="bold red") if u.overdue else Text("0", style="dim")
            out.append((f"u:{u.id}", [cut(u.name, w_name), str(u.lead), str(u.co), late,
                                      "有" if u.has_duty else Text("—", style="dim")]))
        if not out:
            out.append(("h:none", [Text("没有找到" if terms else "还没有单位", style="dim"), "", "", "", ""]))
        table.fill(out, keep=keep)
        scope = "数据库中的全部单位" if self.everything else "本领导小组涉及的单位"
        self.say(f"{scope} {len(out) if self.rows else 0} 个（h 切换）　Enter 查看任务　e 职责　n 改名　m 合并")
        self._load_detail()

    def on_table_resized(self, event: Table.Resized) -> None:
        if self.rows:
            self._refill()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table is self.table:
            self._load_detail()

    def _load_detail(self) -> None:
        unit_id = self.table.current_id("u")
        group = self.app.group
        if unit_id is None or group is None:
            self.query_one("#un-info", Static).update("")
            self.detail = None
            return
        from models.clock import today

        now = today()

        def fetch(conn):
            from models.judged import chase_records, read_group

            d = data.unit_detail(conn, group.id, unit_id)
            if d is not None:  # the marks as judged; the unit's 督办 records (issue 15)
                ids = [b.id for b in d.lead + d.co]
                self._judged = {t.id: t.judgement for t in read_group(conn, group.id, now, task_ids=ids).tasks}
                self._chases = [c for c in chase_records(conn, group.id) if c["unit"] == d.name]
            return d

        self.load(fetch, self._show_detail, group="detail")

    def _show_detail(self, d: data.UnitDetail | None) -> None:
        self.detail = d
        if d is None:
            return
        from models.clock import today

        now = today()
        t = Text()
        t.append(d.name + "\n", style="bold")
        if d.aliases:
            t.append("别名：", style="dim")
            t.append("、".join(d.aliases) + "\n")
        if d.members:
            t.append("本组成员：", style="dim")
            t.append("、".join(f"{name}（{role}{'，' + title if title else ''}）" for role, name, title in d.members))
            t.append("\n")
        if d.other_groups:
            t.append("也在：", style="dim")
            t.append("、".join(d.other_groups) + "\n")
        t.append("\n工作职责", style="bold")
        t.append("（e 修改）\n", style="dim")
        t.append((d.duty or "（未填写）") + "\n", style="" if d.duty else "dim")
        for title, briefs, total in (("牵头的任务", d.lead, d.lead_total), ("配合的任务", d.co, d.co_total)):
            t.append(f"\n{title}（{total} 项）\n", style="bold")
            judged = getattr(self, "_judged", {})
            for b in briefs:
                j = judged.get(b.id)
                due = j.due if j is not None else b.due
                state = data.task_state(b.status, due, now)
                if j is not None and j.overdue and b.status != data.DONE:
                    state = "逾期"
                elif j is not None and j.state == "待销号":
                    state = "待销号"
                mark = {"已完成": "✓", "逾期": "!", "临期": "…", "待销号": "?"}.get(state, "·")
                style = {"已完成": "green", "逾期": "bold red", "临期": "yellow", "待销号": "yellow"}.get(state, "")
                reason = j.reasons[0] if j is not None and j.overdue and j.reasons else ""
                t.append(f"{mark} ", style=style)
                room = max(40, self.query_one("#un-detail").size.width - 4) - 2 - cell_len(reason or "待销号  ")
                t.append(cut(f"{b.number + ' ' if b.number else ''}{b.content}", min(60, room)))
                if state == "待销号":
                    t.append("  待销号", style=style)
                elif reason:  # why it is red: 逾期12天, 2019年目标未报完成值
                    t.append(f"  {reason}", style=style)
                elif due and state != "已完成":
                    t.append(f"  {day(due)}", style=style or "dim")
                t.append("\n")
            if total > len(briefs):
                t.append(f"  …… 共 {total} 项，按 Enter 在“任务”中查看全部\n", style="dim")
        chases = getattr(self, "_chases", [])
        if chases:
            t.append(f"\n督办记录（{len(chases)} 次）\n", style="bold")
            for c in reversed(chases):
                t.append(f"{c['on']} 发出督办通知，涉及任务 {len(c['tasks'])} 项"
                         + (f"，{c['reply_by']} 前回复" if c["reply_by"] else "") + "\n")
        self.query_one("#un-info", Static).update(t)

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "un-search":
            self._refill()

    def action_search(self) -> None:
        self.query_one("#un-search", Input).focus()

    def current(self) -> data.UnitRow | None:
        unit_id = self.table.current_id("u")
        return next((u for u in self.rows if u.id == unit_id), None)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        unit = self.current()
        if unit is not None:
            self.app.show_unit_tasks(unit.id, unit.name)

    def action_toggle_all(self) -> None:
        self.everything = not self.everything
        self.reload()

    def action_duty(self) -> None:
        unit = self.current()
        if unit is None or self.app.group is None:
            return
        from tui.dialogs.forms import duty_dialog

        text = self.detail.duty if self.detail and self.detail.id == unit.id else None
        duty_dialog(self.app, self.app.group.id, unit.name, text)

    def action_rename(self) -> None:
        unit = self.current()
        if unit is not None:
            from tui.dialogs.forms import rename_unit_dialog

            rename_unit_dialog(self.app, unit.id, unit.name)

    def action_alias(self) -> None:
        unit = self.current()
        if unit is not None:
            from tui.dialogs.forms import alias_dialog

            alias_dialog(self.app, unit.id, unit.name)

    def action_merge(self) -> None:
        unit = self.current()
        if unit is None:
            return
        from tui.dialogs.merge import MergeDialog

        self.app.push_screen(MergeDialog(unit.id, unit.name))

    def action_duplicates(self) -> None:
        from tui.dialogs.duplicates import DuplicatesDialog

        self.app.push_screen(DuplicatesDialog())
