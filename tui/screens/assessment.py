"""考评 (a on 总览, or the command palette): per unit in a period — tasks led and co-operated, done,
done on time, overdue, rounds reported on time, score and rank — read by
``exporters.assessment.unit_scores``, the very function ``export --kind assessment`` writes from (one
read model). p: the period (default this year to date; dates, or a reporting round's period);
s: the group's 办结审核 switch and weights; x: the same workbook; Enter: the unit's tasks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from tui.screens.base import Loads
from tui.text import cut
from tui.widgets.bars import AreaBar, StatusLine
from tui.widgets.table import Table, heading


@dataclass(slots=True)
class Assessment:
    start: date
    end: date
    units: list[Any]  # models.judging.UnitScore, ranked
    ids: dict[str, int]  # unit name → id
    weights: dict[str, float]
    review: bool
    rounds: list[Any]


def read_assessment(conn, group_id: int, start: date, end: date) -> Assessment:
    """What the view shows, from the export's own function."""
    from exporters.assessment import unit_scores, weights_of
    from models.round_status import list_rounds

    units = unit_scores(conn, group_id, end, start)
    ids = {name: uid for uid, name in conn.execute("SELECT id, name FROM unit")}
    row = conn.execute("SELECT review_closing FROM work_group WHERE id = :g", {"g": group_id}).fetchone()
    return Assessment(start, end, units, ids, weights_of(conn, group_id), bool(row[0]) if row else True,
                      list_rounds(conn, group_id))


class AssessmentScreen(Loads, Screen):
    CSS_PATH = str(Path(__file__).with_name("assessment.tcss"))
    HELP = ("考评：各成员单位在统计期间内的牵头任务、配合任务、已办结、按时办结、逾期、按时报送轮次、得分和排名"
            "（与 x 导出的考评表、命令 taizhang export --kind assessment 的数字相同）。\n"
            "期间默认为今年1月1日至今天；p：改为别的起止日期，或选一个报送轮次的期间。\n"
            "得分 = 完成率×权重 + 按时完成率×权重 + 按时报送率×权重 − 逾期项数×扣分，限定 0–100 分；"
            "期间内没有牵头任务的单位不评分、不排名，列在最后（得分栏为“无牵头任务”）；"
            "目标缺报：已办结的牵头任务中往年年度目标未报完成值或未完成的个数（不计入得分）；"
            "s：修改考评权重和办结审核开关（可撤销）。\n"
            "Enter：到“任务”中列出这个单位的任务。x：导出考评表（Excel，含完成率条形图）。Esc：返回。")
    BINDINGS: ClassVar = [
        Binding("escape", "back", "返回", tooltip="回到上一页"),
        Binding("p", "period", "期间", tooltip="统计期间：起止日期，或一个报送轮次的期间"),
        Binding("s", "settings", "权重与审核", tooltip="修改考评权重和办结审核开关（一次修改，可撤销）"),
        Binding("x", "export", "导出考评表", tooltip="把这个期间的考评表导出为 Excel（与 export --kind assessment 相同）"),
        Binding("question_mark,f1", "app.help", "帮助", key_display="?", tooltip="本页的按键说明"),
    ]

    def __init__(self, start: date | None = None, end: date | None = None) -> None:
        super().__init__()
        from models.clock import today

        now = today()
        self.end = min(end or now, now)
        self.start = start or date(self.end.year, 1, 1)
        self.round_name = ""
        self.result: Assessment | None = None
        self._loaded_key: tuple[Any, ...] | None = None

    def compose(self) -> ComposeResult:
        yield AreaBar(self.app.current_mode)
        yield Static("", id="as-title")
        yield Table(id="as-table")
        yield StatusLine()
        yield Footer(compact=True)

    @property
    def table(self) -> Table:
        return self.query_one("#as-table", Table)

    def on_mount(self) -> None:
        self.table.focus()

    def on_screen_resume(self) -> None:
        self.refresh_if_stale(force=True)

    def refresh_if_stale(self, force: bool = False) -> None:
        app = self.app
        if app.reader is None:
            return
        key = (app.group.id if app.group else None, app.data_version, self.start, self.end)
        if force or key != self._loaded_key:
            self._loaded_key = key
            self.reload()

    def reload(self) -> None:
        group = self.app.group
        if group is None:
            self.query_one(StatusLine).say("还没有领导小组。")
            return
        start, end = self.start, self.end
        self.load(lambda conn: read_assessment(conn, group.id, start, end), self._show, loading=self.table)

    # ------------------------------------------------------------ showing

    def _show(self, a: Assessment) -> None:
        from exporters.assessment import FORMULA

        self.result = a
        group = self.app.group.name if self.app.group else ""
        period = f"{a.start:%Y-%m-%d} 至 {a.end:%Y-%m-%d}" + (f"（{self.round_name}）" if self.round_name else "")
        title = Text()
        title.append(f"考评 — {group}　", style="bold")
        title.append(f"期间 {period}", style="bold cyan")
        title.append("（p 改期间）　办结审核：" + ("开启" if a.review else "关闭") + "（s 修改）\n", style="")
        title.append(FORMULA.format(**a.weights) + "目标缺报 = 已办结的牵头任务中往年年度目标未报完成值或未完成的个数"
                     "（任务仍按完成日期计按时或逾期，不计入得分）。", style="dim")
        self.query_one("#as-title", Static).update(title)
        table = self.table
        keep = table.current_key
        width = (table.size.width or self.app.size.width) - 2
        columns = [("排名", "rank", 4), ("单位", "unit", 0), ("牵头", "led", 4), ("配合", "co", 4),
                   ("已办结", "done", 6), ("按时办结", "on_time", 8), ("逾期", "overdue", 4),
                   ("目标缺报", "missed", 8), ("按时报送", "rounds", 9), ("完成率", "rate", 6), ("得分", "score", 10)]
        used = sum(w for _, _, w in columns) + 2 * len(columns)
        w_unit = max(10, min(30, width - used))
        columns[1] = ("单位", "unit", w_unit)
        table.set_columns(columns)
        rows = []
        for u in a.units:
            late = Text(str(u.overdue), style="bold red") if u.overdue else Text("0", style="dim")
            missed = Text(str(u.missed_targets), style="bold yellow") if u.missed_targets else Text("0", style="dim")
            score_style = ("dim" if u.score is None else "bold green" if u.score >= 80 else "bold red" if u.score < 60
                           else "bold")
            key = f"u:{a.ids[u.unit]}" if u.unit in a.ids else f"h:{u.unit}"
            rows.append((key, [u.rank_text, cut(u.unit, w_unit), str(u.led), str(u.co), str(u.done), str(u.on_time),
                               late, missed, f"{u.rounds_on_time}/{u.rounds_owed}", u.done_rate_text,
                               Text(u.score_text, style=score_style)]))
        if not rows:
            rows.append(("h:none", heading("这个期间没有可考评的单位（还没有分工）。", len(columns), at=1, style="dim")))
        table.fill(rows, keep=keep)
        self.query_one(StatusLine).say(f"共 {len(a.units)} 个单位　Enter 看这个单位的任务　p 期间　s 权重与审核　"
                                       "x 导出考评表　Esc 返回")

    def shown_units(self) -> list[Any]:
        return self.result.units if self.result else []

    # ------------------------------------------------------------ actions

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        key = str(event.row_key.value)
        if not key.startswith("u:") or self.result is None:
            return
        unit_id = int(key[2:])
        name = next((n for n, i in self.result.ids.items() if i == unit_id), "")
        self.app.show_unit_tasks(unit_id, name)

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_period(self) -> None:
        from tui.dialogs.judging import period_dialog

        def chosen(start: date, end: date, round_name: str) -> None:
            from models.clock import today

            self.start, self.end, self.round_name = start, min(end, today()), round_name
            if self.start > self.end:
                self.start = self.end
            self.refresh_if_stale()

        period_dialog(self.app, self.start, self.end, self.result.rounds if self.result else [], chosen)

    def action_settings(self) -> None:
        group = self.app.group
        if group is None or self.result is None:
            return
        from tui.dialogs.judging import judging_settings_dialog

        judging_settings_dialog(self.app, group.id, self.result.review, self.result.weights)

    def action_export(self) -> None:
        app = self.app
        if app.group is None or app.reader is None:
            return
        self._export(app.state.folder("export_dir"), app.group.id, app.group.name, self.start, self.end)

    @work(thread=True, exclusive=True, group="export", exit_on_error=False)
    def _export(self, folder: Path, group_id: int, group: str, start: date, end: date) -> None:
        from exporters.assessment import export_assessment
        from exporters.excel import file_name_for
        from models import store

        app = self.app
        token = app.call_from_thread(app.busy_start, "正在导出…")
        try:
            conn = store.connect(app.db_path)
            try:
                path = export_assessment(conn, group_id, group, folder / file_name_for(group, f"_考评表_{end:%Y%m%d}.xlsx"),
                                         end, start)
            finally:
                conn.close()
        except PermissionError:
            app.call_from_thread(app.notify, f"未能导出：无法写入「{folder}」中的考评表，文件可能正在 Excel/WPS 中打开，"
                                 "请关闭后重试。", severity="error", timeout=8)
        except OSError as exc:
            app.call_from_thread(app.notify, f"未能导出：无法写入「{folder}」：{exc.strerror or exc}", severity="error",
                                 timeout=8)
        except Exception as exc:  # noqa: BLE001
            app.call_from_thread(app.notify, f"未能导出：{exc}", severity="error", timeout=8)
        else:
            app.call_from_thread(app.notify, f"已导出：{path}", title="考评表", timeout=8)
            app.call_from_thread(app.state.set, "export_dir", str(path.parent))
        finally:
            app.call_from_thread(app.busy_end, token)


def open_assessment(app: Any) -> None:
    """The 考评 view of the current group (from 总览's a, or the command palette)."""
    if app.group is None or app.reader is None:
        app.notify("还没有领导小组：先导入分工表或新建领导小组。", severity="warning")
        return
    if isinstance(app.screen, AssessmentScreen):
        return
    app.push_screen(AssessmentScreen())


def open_settings(app: Any) -> None:
    """The group's 办结审核 switch and 考评 weights (总览's s, the 考评 view's s, the command palette)."""
    group = app.group
    if group is None or app.reader is None:
        app.notify("还没有领导小组：先导入分工表或新建领导小组。", severity="warning")
        return
    from exporters.assessment import weights_of
    from tui.dialogs.judging import judging_settings_dialog

    with app.reader() as conn:  # two small reads
        row = conn.execute("SELECT review_closing FROM work_group WHERE id = :g", {"g": group.id}).fetchone()
        weights = weights_of(conn, group.id) if row else None
    if row is None:
        return
    judging_settings_dialog(app, group.id, bool(row[0]), weights)
