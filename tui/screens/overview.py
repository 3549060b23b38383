"""总览 (1): the group at a glance — counts by status, overdue and due-soon tasks, the next
deadlines, and how far each lead unit has got."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Static

from tui import data
from tui.screens.base import AreaScreen
from tui.text import bar, cut, day, days_late, state_text
from tui.widgets.table import Table, heading


class OverviewScreen(AreaScreen):
    AREA = "overview"
    CSS_PATH = str(Path(__file__).with_name("overview.tcss"))
    HELP = ("总览显示当前领导小组的任务数量（按状态）、逾期和 7 天内到期（临期）的任务、接下来的截止日期，"
            "以及各牵头单位的完成情况（绿色部分为已完成的比例）和灯号（逾期即红灯的项数、黄灯的项数）。\n"
            "左表：选中任务，Enter 打开。\n"
            "右表：选中单位，Enter 转到“任务”，只列出这个单位的任务；再按 o 只看其中逾期的。\n"
            "“逾期 N 项”一行上按 Enter：到“任务”中列出全部逾期任务（与这里的计数相同，含年度目标未报完成值的）。\n"
            "a：考评（各单位得分与排名，可选期间、可导出）。s：办结审核开关与考评权重。w：通报的下步工作要求。\n"
            "Tab：在两个表之间切换。g：切换或新建领导小组。\n"
            "“完成”一行的右端是最近一次备份的时间；b：查看备份、立即备份，或从备份恢复。")
    BINDINGS: ClassVar = [
        Binding("slash", "search", "搜索任务", tooltip="转到“任务”并开始搜索"),
        Binding("g", "app.switch_group", "切换小组", tooltip="选择另一个领导小组，或新建一个"),
        Binding("i", "app.import_file", "导入", tooltip="导入分工表、成员名单或成员单位职责"),
        Binding("x", "app.export", "导出", tooltip="导出 Excel 报表或全部数据"),
        Binding("w", "next_steps", "通报的下步工作要求", show=False,
                tooltip="修改本领导小组通报中的“下步工作要求”（export --kind bulletin 使用）"),
        Binding("a", "assessment", "考评", show=False, tooltip="各单位的完成、按时、逾期、报送、得分和排名（可选期间，可导出）"),
        Binding("s", "judging_settings", "审核与权重", show=False,
                tooltip="本领导小组的办结审核开关（单位报已完成是否须销号）和考评权重"),
        Binding("question_mark,f1", "app.help", "帮助", key_display="?", tooltip="本页的按键说明"),
    ]

    def body(self) -> ComposeResult:
        with Vertical(id="ov-body"):
            yield Static("正在打开数据库…", id="ov-head", markup=False)
            yield Horizontal(id="ov-panels")

    def on_mount(self) -> None:
        self.watch(self.app, "latest_backup", lambda _: self._show_head(), init=False)
        self.set_interval(30, self._show_head)  # "12 分钟前" moves on

    def _mount_tables(self) -> None:
        """The tables come with the first data: the first frame is only the frame of the window."""
        if self.query("#ov-units"):
            return
        deadlines = Table(id="ov-deadlines")
        deadlines.border_title = "逾期与即将到期"
        units = Table(id="ov-units")
        units.border_title = "各单位完成情况（牵头任务）"
        self.query_one("#ov-panels").mount_all([deadlines, units])
        deadlines.focus()

    def on_table_resized(self, event: Table.Resized) -> None:
        if getattr(self, "_overview", None) is not None:
            self._show(self._overview)

    def reload(self) -> None:
        app = self.app
        group = app.group
        if group is None:
            self._overview = None
            self.query_one("#ov-head", Static).update(
                "数据库中还没有领导小组。\n按 i 导入分工表（或成员名单、成员单位职责），按 g 新建领导小组；"
                "也可以在命令行运行 taizhang demo 载入示例数据。")
            self._mount_tables()
            for table in self.query(Table):
                table.clear(columns=True)
            self.say(f"数据库：{app.ledger_label}")
            app.data_shown()
            return
        from models.clock import today

        now = today()
        self.load(lambda conn: self._with_evidence(conn, group.id, data.overview(conn, group, now)), self._show)

    def _with_evidence(self, conn, group_id: int, ov):
        """The evidence line (issue 19), when the group has any: files, total size, done without."""
        from models.evidence_store import done_without_evidence, human_size, total_size

        count, size = total_size(conn, group_id)
        self._evidence_line = ""
        if count:
            without = done_without_evidence(conn, group_id)
            self._evidence_line = (f"佐证材料 {count} 个，共 {human_size(size)}"
                                   + (f"；已完成（含待销号）但无佐证 {without} 项" if without else ""))
        return ov

    def show_problem(self, message: str) -> None:
        super().show_problem(message)
        self.query_one("#ov-head", Static).update(Text(f"{message}\n按 b 查看备份，Ctrl+Q 退出。", style="bold red"))

    def _show(self, ov: data.Overview | None) -> None:
        if ov is None:
            return
        self._overview = ov
        from models.clock import today

        now = today()
        self._show_head()
        if not self.query("#ov-units"):
            self._mount_tables()  # they report their size when laid out, and this runs again
            return
        self._fill_deadlines(ov, now)
        self._fill_units(ov)
        self.say(f"今天 {day(now)}　临期：7 天内到期　Tab：切换表格　共 {len(self.app.groups)} 个领导小组（g 切换）")

    def _show_head(self) -> None:
        ov = getattr(self, "_overview", None)
        if ov is None:
            return
        c = ov.counts
        g = ov.group
        width = max(self.size.width - 2, 40)
        head = Text()
        head.append(cut(g.name, width // 2), style="bold")
        extra = "".join([f"　文号：{g.doc_number}" if g.doc_number else "",
                         f"　办公室设在：{g.host_unit}" if g.host_unit else ""])
        head.append(cut(extra, width - head.cell_len), style="dim")
        head.append(f"\n任务 {c['总数']} 项　")
        for label, style in (("未启动", ""), ("推进中", "cyan"), ("已完成", "green"), ("逾期", "bold red"),
                             ("临期", "bold yellow")):
            head.append(f"{label} ", style=style)
            head.append(f"{c.get(label, 0)}", style=style or "bold")
            head.append("　")
        for label, style in (("延期", "magenta"), ("待销号", "yellow")):  # apart, when there are any (issue 15)
            if c.get(label):
                head.append(f"{label} ", style=style)
                head.append(f"{c[label]}", style="bold")
                head.append("　")
        if ov.lights is not None:
            head.append("｜ 灯号 ")
            for light, style in (("红", "bold white on red"), ("黄", "bold black on yellow"), ("绿", "bold white on green")):
                head.append(f"{light}", style=style)
                head.append(f" {ov.lights[light]} ")
            head.append(" ")
        more = f"成员 {ov.members} 人　单位 {ov.units} 个　职责 {ov.duties} 条"
        if cell_len(head.plain.split("\n")[-1]) + cell_len(more) + 2 <= width:
            head.append("｜ " + more, style="dim")
        share = f" {100 * c['已完成'] // c['总数']}%（{c['已完成']}/{c['总数']}）" if c["总数"] else " 0%"
        note = ""
        latest = self.app.latest_backup
        if latest is not None:  # quiet, at the right end of the line: when the last backup was made
            from models.backup import age_text

            note = f"最近备份：{age_text(latest.time)}"
        if ov.round_line:
            head.append("\n" + ov.round_line + "（5 查看）", style="bold")
        if getattr(self, "_evidence_line", ""):
            head.append("\n" + self._evidence_line, style="dim")
        head.append("\n完成 ")
        room = width - 8 - len(share) * 2
        head.append_text(bar(c["已完成"], c["总数"], max(10, min(50, room - cell_len(note) - 2 if note else room))))
        head.append(share)
        if c.get("按时完成") or c.get("逾期完成"):  # judged from the completion dates as recorded
            head.append(f"　按时 {c['按时完成']}", style="green")
            head.append(f"　逾期完成 {c['逾期完成']}", style="yellow" if c["逾期完成"] else "dim")
        room = width - cell_len(head.plain.split("\n")[-1]) - 1
        if note and room >= cell_len(note) + 1:
            head.append(" " * (room - cell_len(note)))
            head.append(note, style="dim")
        self.query_one("#ov-head", Static).update(head)

    def _fill_deadlines(self, ov: data.Overview, now) -> None:
        table = self.query_one("#ov-deadlines", Table)
        width = max(table.size.width - 4, 40)
        whens = [days_late(b.due, now) for b in ov.overdue] + [day(b.due) for b in ov.soon + ov.upcoming]
        w_when = max([11, *(cell_len(w) for w in whens)])  # "逾期 1281 天" whole, with its 天
        w_lead = 12 if width < 70 else 16
        w_content = max(width - w_when - w_lead - 6, 10)
        keep = table.current_key
        table.set_columns([("到期", "when", w_when), ("工作任务", "content", w_content), ("牵头单位", "lead", w_lead)])
        rows = []
        sections = ((f"逾期 {ov.counts['逾期']} 项", ov.overdue, "bold red", "逾期", ov.counts["逾期"]),
                    (f"临期（7 天内到期）{ov.counts['临期']} 项", ov.soon, "bold yellow", "临期", ov.counts["临期"]),
                    ("接下来的截止日期", ov.upcoming, "bold", "", 0))
        for title, briefs, style, status, total in sections:
            if not briefs:
                continue
            rows.append((f"s:{status}" if status else f"h:{title}", heading(title, 3, style=style)))
            for b in briefs:
                state = data.task_state(b.status, b.due, now)
                when = days_late(b.due, now) if state == "逾期" else day(b.due)
                number = f"{b.number} " if b.number else ""
                rows.append((f"t:{b.id}", [Text(when, style=state_text(state).style),
                                           cut(number + b.content, w_content), cut(b.lead, w_lead)]))
            if total > len(briefs):
                rows.append((f"s:{status}:more", heading(f"…… 共 {total} 项，按 Enter 在“任务”中查看全部", 3, style="dim")))
        if not rows:
            message = ("还没有任务——按 i 导入分工表" if not ov.counts["总数"]
                       else "没有逾期或即将到期的任务")
            rows.append(("h:none", heading(message, 3, style="dim")))
        table.fill(rows, keep=keep)

    def _fill_units(self, ov: data.Overview) -> None:
        table = self.query_one("#ov-units", Table)
        width = max(table.size.width - 4, 36)
        w_name = max(12, min(24, int(width * 0.35)))
        yellow = ov.judged_yellow or {}
        w_bar = max(width - w_name - 9 - 4 - 2 - 2 * 5, 7)
        keep = table.current_key
        table.set_columns([("单位", "unit", w_name), ("完成情况", "bar", w_bar), ("完成/牵头", "n", 9),
                           ("逾期", "late", 4), ("黄", "yellow", 2)])
        rows = []
        for u in ov.by_unit:  # 逾期 is the unit's 红 lights; 黄 its yellow ones (models.judging)
            late = Text(str(u.overdue), style="bold red") if u.overdue else Text("0", style="dim")
            n = yellow.get(u.name, 0)
            soon = Text(str(n), style="bold yellow") if n else Text("0", style="dim")
            rows.append((f"u:{u.unit_id}", [cut(u.name, w_name), bar(u.done, u.total, w_bar), f"{u.done}/{u.total}",
                                            late, soon]))
        if not rows:
            rows.append(("h:none", heading("还没有牵头单位", 5, at=0, style="dim")))
        table.fill(rows, keep=keep)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        key = str(event.row_key.value)
        if key.startswith("s:"):
            self.app.show_tasks(status=key.split(":")[1])
        elif key.startswith("t:"):
            from tui.screens.task import TaskScreen

            self.app.push_screen(TaskScreen(int(key[2:])))
        elif key.startswith("u:"):
            unit_id = int(key[2:])
            name = next((u.name for u in self._overview.by_unit if u.unit_id == unit_id), "") if self._overview else ""
            self.app.show_unit_tasks(unit_id, name)

    def action_next_steps(self) -> None:
        group = self.app.group
        if group is None:
            return
        from models.judging import DEFAULT_NEXT_STEPS
        from tui.dialogs.judging import next_steps_dialog

        def read(conn):
            row = conn.execute("SELECT next_steps FROM work_group WHERE id = :g", {"g": group.id}).fetchone()
            return (row[0] if row else None) or DEFAULT_NEXT_STEPS

        self.load(read, lambda text: next_steps_dialog(self.app, group.id, text), group="next_steps")

    def action_search(self) -> None:
        self.app.show_tasks(search=True)

    def action_assessment(self) -> None:
        from tui.screens.assessment import open_assessment

        open_assessment(self.app)

    def action_judging_settings(self) -> None:
        from tui.screens.assessment import open_settings

        open_settings(self.app)
