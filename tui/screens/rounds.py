"""报送 (5): the group's reporting rounds and, for the selected round, every unit with its state
(已报送 / 部分 / 未报送 / 逾期报送), counts and date. New round (the proposed name and due date),
forms out, returned forms in (a preview per unit first), the not-reported list to copy or export,
and what a unit reported, task by task."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import DataTable, Static

from tui.dialogs.base import ConfirmDialog, Dialog, Field, FormDialog
from tui.screens.base import AreaScreen
from tui.text import cut
from tui.widgets.table import Table

STATE_STYLES = {"已报送": "green", "逾期报送": "yellow", "部分": "cyan", "未报送": "bold red"}


class RoundsData:
    """What the screen shows, read in one go on the read connection."""

    def __init__(self, conn, group_id: int, round_id: int | None, today: date):
        from models.round_status import list_rounds, unit_states
        from models.rounds import cycle_label, propose

        self.rounds = list_rounds(conn, group_id)
        self.counts: dict[int, tuple[int, int]] = {}
        self.states: list = []
        self.selected = None
        cycle = conn.execute("SELECT report_cycle FROM work_group WHERE id = :g", {"g": group_id}).fetchone()[0]
        self.cycle = cycle_label(cycle)
        self.proposal = propose(cycle, today, {r.name for r in self.rounds})
        for r in self.rounds:
            states = unit_states(conn, r)
            done = sum(1 for s in states if s.state in ("已报送", "逾期报送"))
            self.counts[r.id] = (done, len(states))
            if r.id == round_id or (self.selected is None and round_id is None):
                self.selected, self.states = r, states
        if self.selected is None and self.rounds:
            self.selected = self.rounds[0]
            self.states = unit_states(conn, self.selected)


class TextDialog(Dialog[None]):
    """A long text to read (and, with ``copy``, to copy)."""

    WIDE = True
    OK_LABEL = None
    CANCEL_LABEL = "关闭 (Esc)"
    BINDINGS: ClassVar = [Binding("escape", "cancel", "关闭"), Binding("c", "copy", "复制")]

    def __init__(self, title: str, body: Text | str, copy_text: str = "") -> None:
        super().__init__(title)
        self.body = body
        self.copy_text = copy_text

    def content(self) -> ComposeResult:
        with VerticalScroll(id="details"):
            yield Static(self.body, id="text-body", markup=False)

    def action_copy(self) -> None:
        if self.copy_text:
            self.app.copy_to_clipboard(self.copy_text)
            self.app.notify("已复制到剪贴板，可粘贴到微信或邮件中。")


class PreviewDialog(ConfirmDialog):
    """The import preview: one block per unit, wide enough for a file name and a task's start."""

    WIDE = True


class RoundsScreen(AreaScreen):
    AREA = "rounds"
    CSS_PATH = str(Path(__file__).with_name("rounds.tcss"))
    HELP = ("报送轮次：每月（或每半月、每季度）一轮，向各单位发填报表，收回后导入，看谁还没有报送。\n"
            "左表是各轮次（n 新开一轮，名称和截止日期按报送周期给出，可修改；k 结束或重新开启一轮），"
            "右表是选中轮次中的各单位：报送状态（已报送、部分、逾期报送、未报送）、已填/任务数、报送日期和联络员。\n"
            "x：导出本轮每个单位的填报表（每个单位一个 Excel 文件）。i：导入交回的填报表（一个或几个文件，或一个文件夹），"
            "先逐个单位预览对应的任务、状态变化、新增工作和没能对应的行，确认后写入；同一份表再导入不会重复，"
            "更正后的表替换这个单位本轮的内容。\n"
            "u：未报送单位清单（含联络员、电话和任务），c 复制；r：导出报送情况表（Excel）。\n"
            "在单位上按 Enter：逐项查看这个单位本轮报送的内容。Tab：在两个表之间切换。")
    BINDINGS: ClassVar = [
        Binding("n", "new_round", "新一轮", tooltip="开启新的报送轮次（按报送周期给出名称和截止日期）"),
        Binding("x", "export_forms", "导出填报表", tooltip="为本轮每个单位导出一份填报表（Excel）"),
        Binding("i", "import_forms", "导入填报表", tooltip="导入交回的填报表（文件或文件夹），先预览"),
        Binding("u", "not_reported", "未报送清单", tooltip="未报送和部分报送的单位、联络员、电话和任务，可复制"),
        Binding("r", "export_reporting", "导出报送情况", tooltip="导出本轮报送情况表（Excel），未报送的在前"),
        Binding("k", "close_round", "结束/重开", tooltip="结束选中的轮次，或重新开启"),
        Binding("question_mark,f1", "app.help", "帮助", key_display="?", tooltip="本页的按键说明"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.view: RoundsData | None = None
        self.round_id: int | None = None

    def body(self) -> ComposeResult:
        with Vertical(id="rd-body"):
            yield Static("", id="rd-head", markup=False)
            with Horizontal(id="rd-panels"):
                rounds = Table(id="rd-rounds")
                rounds.border_title = "报送轮次"
                yield rounds
                units = Table(id="rd-units")
                units.border_title = "各单位报送情况（Enter 查看内容）"
                yield units

    @property
    def rounds_table(self) -> Table:
        return self.query_one("#rd-rounds", Table)

    @property
    def units_table(self) -> Table:
        return self.query_one("#rd-units", Table)

    def on_mount(self) -> None:
        self.rounds_table.focus()

    def reload(self) -> None:
        group = self.app.group
        if group is None:
            self.query_one("#rd-head", Static).update("还没有领导小组。")
            return
        from models.clock import today

        now, round_id = today(), self.round_id
        self.load(lambda conn: RoundsData(conn, group.id, round_id, now), self._show)

    def _show(self, view: RoundsData) -> None:
        from models.round_status import md, summary_line

        self.view = view
        if view.selected is not None:
            self.round_id = view.selected.id
        head = Text()
        head.append(f"报送周期：{view.cycle}", style="bold")
        name, due = view.proposal
        head.append(f"　下一轮建议：{name}（截止 {md(due)}）", style="dim")
        if view.selected is not None:
            head.append("\n" + summary_line(view.selected, view.states))
        self.query_one("#rd-head", Static).update(head)
        self._fill_rounds()
        self._fill_units()

    def _fill_rounds(self) -> None:
        view = self.view
        table = self.rounds_table
        width = max(table.size.width - 4, 30)
        w_name = max(10, width - 8 - 6 - 8 - 6)
        table.set_columns([("轮次", "name", w_name), ("截止", "due", 8), ("状态", "status", 6), ("已报送", "n", 8)])
        rows = []
        for r in view.rounds:
            done, total = view.counts[r.id]
            rows.append((f"r:{r.id}", [cut(r.name, w_name), f"{r.due.month}月{r.due.day}日" if r.due else "—",
                                       Text(r.status_label, style="" if r.status == "open" else "dim"),
                                       f"{done}/{total}"]))
        if not rows:
            rows.append(("h:none", [Text("按 n 开启", style="dim"), "", "", ""]))
        table.fill(rows, keep=f"r:{self.round_id}" if self.round_id else None)

    def _fill_units(self) -> None:
        view = self.view
        table = self.units_table
        width = max(table.size.width - 4, 40)
        w_unit = max(10, min(24, width - 16 - 7 - 8 - 14 - 8))
        keep = table.current_key
        table.set_columns([("单位", "unit", w_unit), ("报送状态", "state", 16), ("已填", "n", 7),
                           ("报送日期", "on", 8), ("联络员", "liaison", 14)])
        rows = []
        for u in view.states:
            rows.append((f"u:{u.unit_id}", [cut(u.unit, w_unit), Text(u.label, style=STATE_STYLES[u.state]),
                                            f"{u.filled}/{u.total}",
                                            f"{u.received_on.month}月{u.received_on.day}日" if u.received_on else "—",
                                            cut(" ".join(filter(None, (u.liaison, u.phone))) or "—", 14)]))
        if not rows:
            rows.append(("h:none", [Text("（无）", style="dim"), "", "", "", ""]))
        table.fill(rows, keep=keep)
        self.say("n 新一轮　x 导出填报表　i 导入填报表　u 未报送清单　r 导出报送情况　k 结束/重开　Enter 查看")

    def on_table_resized(self, event: Table.Resized) -> None:
        if self.view is not None:
            self._fill_rounds()
            self._fill_units()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table is self.rounds_table:
            round_id = self.rounds_table.current_id("r")
            if round_id is not None and round_id != self.round_id:
                self.round_id = round_id
                self.reload()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table is self.rounds_table:
            self.units_table.focus()
            return
        unit_id = self.units_table.current_id("u")
        if unit_id is None or self.view is None or self.view.selected is None:
            return
        unit = next(u for u in self.view.states if u.unit_id == unit_id)
        rnd = self.view.selected
        from models.round_status import report_entries

        def read(conn):
            return report_entries(conn, rnd.id, unit_id), conn.execute(
                "SELECT received_on, source, extras FROM unit_report WHERE round_id = :r AND unit_id = :u",
                {"r": rnd.id, "u": unit_id}).fetchone()

        self.load(read, lambda got: self._show_unit(unit, rnd, *got), group="unit")

    def _show_unit(self, unit, rnd, entries, report) -> None:
        import json

        t = Text()
        t.append(f"{unit.unit}　{unit.label}", style="bold")
        if report:
            t.append(f"\n报送日期：{report[0]}　文件：{report[1] or '—'}", style="dim")
        if unit.liaison:
            t.append(f"\n联络员：{unit.liaison}　{unit.phone or ''}", style="dim")
        for i, task in enumerate(unit.tasks, start=1):
            e = entries.get(task.task_id)
            role = "牵头" if task.role == "lead" else "配合"
            t.append(f"\n\n{i}．{task.content}（{role}）\n", style="bold" if e else "")
            if e is None:
                t.append("   （未填报）", style="red")
                continue
            if e.status:
                t.append(f"   完成状态：{e.status}" + (f"（{e.done_on:%Y-%m-%d}）" if e.done_on else "") + "\n")
            if e.text:
                t.append(f"   本期进展：{e.text}\n")
            if e.problems:
                t.append(f"   问题及打算：{e.problems}\n")
            if e.evidence:
                t.append(f"   佐证材料：{e.evidence}\n")
        extras = json.loads(report[2]) if report and report[2] else []
        for extra in extras:
            t.append(f"\n新增工作：{extra}", style="cyan")
        self.app.push_screen(TextDialog(f"{rnd.name} — {unit.unit} 报送的内容", t))

    # ------------------------------------------------------------ actions

    def _selected(self):
        if self.view is None or self.view.selected is None:
            self.app.notify("还没有报送轮次：按 n 开启一轮。", severity="warning")
            return None
        return self.view.selected

    def action_new_round(self) -> None:
        group = self.app.group
        if group is None or self.view is None:
            return
        from models import rounds as ops

        name, due = self.view.proposal

        def check(v: dict[str, Any]) -> str | None:
            if not v["name"]:
                return "请填写轮次名称，如 2024年6月、第3期。"
            if v["due"]:
                try:
                    date.fromisoformat(v["due"])
                except ValueError:
                    return "截止日期应写成 年-月-日，如 2024-07-05。"
            try:
                ops.parse_cycle(v["cycle"])
            except ops.OperationError as exc:
                return str(exc)
            return None

        def done(v: dict[str, Any] | None) -> None:
            if v is None:
                return
            round_name, round_due = v["name"], date.fromisoformat(v["due"]) if v["due"] else None
            if ops.parse_cycle(v["cycle"]) != ops.parse_cycle(self.view.cycle if self.view.cycle != "不定期" else ""):
                self.app.write(ops.set_cycle, group.id, v["cycle"], reload=False)
                if round_name == name and round_due == due:  # the proposal left as it was: the new cycle's
                    round_name, round_due = None, None
            self.round_id = None
            self.app.write(ops.open_round, group.id, round_name, due=round_due,
                           message="已开启报送轮次" + (f"「{round_name}」" if round_name else "（按新的报送周期命名）"))

        self.app.push_screen(FormDialog("开启报送轮次", [
            Field("name", "轮次名称", name, hint="如 2024年6月、2024年6月上半月、第3期"),
            Field("due", "报送截止", due.isoformat(), placeholder="年-月-日"),
            Field("cycle", "报送周期", "" if self.view.cycle == "不定期" else self.view.cycle,
                  placeholder="每月5日前 / 每半月 / 每季度", hint="下一轮的名称和截止日期按周期给出"),
        ], intro="本轮包括本组全部未完成的任务。", check=check, ok="开启"), done)

    def action_close_round(self) -> None:
        rnd = self._selected()
        if rnd is None:
            return
        from models import rounds as ops

        closing = rnd.status == "open"

        def done(ok: bool | None) -> None:
            if ok:
                self.app.write(ops.close_round if closing else ops.reopen_round, rnd.id,
                               message=f"报送轮次「{rnd.name}」已{'结束' if closing else '重新开启'}")

        self.app.push_screen(ConfirmDialog("结束报送轮次" if closing else "重新开启报送轮次",
                                           f"{'结束' if closing else '重新开启'}「{rnd.name}」？"), done)

    def _ask_folder(self, title: str, intro: str, then) -> None:
        folder = self.app.state.folder("export_dir")

        def check(v: dict[str, Any]) -> str | None:
            from tui.text import expand_path

            if not v["folder"]:
                return "请写导出到哪个文件夹。"
            return None if expand_path(v["folder"]).is_dir() else "文件夹不存在，请写一个已有的文件夹。"

        def done(v: dict[str, Any] | None) -> None:
            if v is not None:
                from tui.text import expand_path

                path = expand_path(v["folder"])
                self.app.state.set("export_dir", str(path.resolve()))
                then(path)

        self.app.push_screen(FormDialog(title, [Field("folder", "文件夹", str(folder))], intro=intro, check=check,
                                        ok="导出"), done)

    def action_export_forms(self) -> None:
        rnd = self._selected()
        if rnd is None:
            return
        self._ask_folder("导出填报表", f"「{rnd.name}」每个单位一个文件：{{小组}}_{rnd.name}_{{单位}}_进展填报表.xlsx",
                         lambda folder: self._export(folder, rnd, "forms"))

    def action_export_reporting(self) -> None:
        rnd = self._selected()
        if rnd is None:
            return
        self._ask_folder("导出报送情况表", f"「{rnd.name}」各单位报送情况，未报送的在前（含联络员、电话和任务）",
                         lambda folder: self._export(folder, rnd, "reporting"))

    @work(thread=True, group="export", exit_on_error=False)
    def _export(self, folder: Path, rnd, kind: str) -> None:
        from exporters.ledger_data import ExportError

        app = self.app
        token = app.call_from_thread(app.busy_start, "正在导出…")
        try:
            if kind == "forms":
                from exporters.forms import export_forms

                paths = export_forms(app.db_path, folder, app.group.name, rnd.name)
                message = f"已导出 {len(paths)} 份填报表到 {folder}"
            else:
                from exporters.reporting import export_reporting

                message = f"已导出：{export_reporting(app.db_path, folder, app.group.name, rnd.name)}"
            app.call_from_thread(app.notify, message, timeout=8)
        except ExportError as exc:
            app.call_from_thread(app.notify, str(exc), title="未导出", severity="error", timeout=8)
        finally:
            app.call_from_thread(app.busy_end, token)

    def action_not_reported(self) -> None:
        rnd = self._selected()
        if rnd is None or self.view is None:
            return
        from exporters.reporting import owed_tasks

        lines = [f"{self.app.group.name}「{rnd.name}」未报送单位" + (f"（截止 {rnd.due:%Y-%m-%d}）" if rnd.due else "")]
        for u in self.view.states:
            if u.state not in ("未报送", "部分"):
                continue
            contact = "　".join(filter(None, (u.liaison, u.phone)))
            lines.append(f"{u.unit}　{u.label}" + (f"　联络员：{contact}" if contact else ""))
            lines.extend("　　" + line for line in owed_tasks(u).split("\n") if line)
        if len(lines) == 1:
            lines.append("各单位都已报送。")
        text = "\n".join(lines)
        self.app.push_screen(TextDialog("未报送单位（c 复制）", text, copy_text=text))

    def action_import_forms(self) -> None:
        rnd = self._selected()
        if rnd is None:
            return
        folder = self.app.state.folder("forms_dir")

        def check(v: dict[str, Any]) -> str | None:
            paths = _paths(v["paths"])
            if not paths:
                return "请写一个文件夹，或一个或几个文件（用 ; 分开）。"
            missing = [p for p in paths if not p.exists()]
            return f"找不到「{missing[0]}」。" if missing else None

        def done(v: dict[str, Any] | None) -> None:
            if v is not None:
                paths = _paths(v["paths"])
                self.app.state.set("forms_dir", str(paths[0] if paths[0].is_dir() else paths[0].parent))
                self._plan(paths, rnd.name)

        self.app.push_screen(FormDialog("导入填报表", [
            Field("paths", "文件或文件夹", str(folder), kind="text", height=3,
                  hint="一个文件夹（导入其中全部填报表），或一个或几个文件，用 ; 或换行分开"),
        ], intro=f"导入到「{rnd.name}」（表中写明其他轮次的，按表中写的导入并提示）。先预览，确认后写入。",
            check=check, ok="预览"), done)

    @work(thread=True, group="forms", exit_on_error=False)
    def _plan(self, paths: list[Path], round_name: str) -> None:
        from importers.forms import plan_forms, read_forms
        from importers.records import ImportRefused
        from models import store

        app = self.app
        token = app.call_from_thread(app.busy_start, "正在读取填报表…")
        try:
            forms, skipped = [], []
            for p in paths:
                got, skip = read_forms(p)
                forms.extend(got)
                skipped.extend(skip)
            conn = store.connect(app.db_path)
            try:
                plan = plan_forms(conn, forms, app.group.name, round_name)
            finally:
                conn.close()
            plan.skipped = skipped
            folders = [p for p in paths if p.is_dir()]
            if folders:  # the files the 佐证材料 column names, sent along in the folder (issue 19)
                from importers.evidence_files import find_in_folder

                plan.evidence = find_in_folder(folders[0], plan, {f.path for f in forms})
        except ImportRefused as exc:
            app.call_from_thread(app.notify, f"{exc}\n没有导入任何内容。", title="不能导入", severity="error", timeout=12)
            return
        except Exception as exc:  # noqa: BLE001 - a file we could not read must not close the window
            app.call_from_thread(app.notify, f"读取填报表时出错：{exc}", title="不能导入", severity="error", timeout=12)
            return
        finally:
            app.call_from_thread(app.busy_end, token)
        app.call_from_thread(self._preview, plan, paths)

    def _preview(self, plan, paths: list[Path]) -> None:
        from importers.forms import format_plan
        from models import rounds as ops

        lines = format_plan(plan, dry_run=True).split("\n")
        message = Text(lines[0], style="bold")

        def done(ok: bool | None) -> None:
            if ok:
                what = paths[0].name if len(paths) == 1 else f"{len(paths)} 个文件"
                found = getattr(plan, "evidence", None)

                def record(db, reports, what=""):
                    step = None
                    if found is not None:  # attached in the same change as the forms
                        from importers.evidence_files import evidence_step

                        step = evidence_step(db, found)
                    return ops.record_reports(db, reports, what=what, also=step)

                def said(r) -> str:
                    text = (f"已导入：新报送 {len(r.new)} 个单位，更正 {len(r.replaced)} 个，"
                            f"未变 {len(r.unchanged)} 个；进展 {r.progress} 条")
                    if found is not None and found.attached is not None:
                        text += "；" + found.attached.describe()
                    return text

                self.app.write(record, plan.reports, what=what, busy="正在导入填报表…", message=said)

        self.app.push_screen(PreviewDialog("导入填报表 — 预览", message, ok="导入", details=lines[1:]), done)


def _paths(text: str) -> list[Path]:
    from tui.text import expand_path

    parts = [p.strip().strip('"') for chunk in text.split("\n") for p in chunk.split(";")]
    return [expand_path(p) for p in parts if p]
