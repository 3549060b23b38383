"""One task (Enter on a task): every field, the units on it with their responsible persons, the
targets per year with the values reached, the progress history — and the keys to change them."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any, ClassVar

from rich.table import Table as RichTable
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Label, Static

from tui import data
from tui.screens.base import Loads
from models.on_time import done_on_time
from tui.text import cut, day, days_late, state_text
from tui.widgets.bars import AreaBar, StatusLine
from tui.widgets.table import Table

ROLE = {"lead": "牵头单位", "co": "配合单位"}


class AssignTable(Table):
    BINDINGS: ClassVar = [
        Binding("enter", "select_cursor", "修改分工", tooltip="修改选中单位的责任人、角色或换成另一个单位"),
        Binding("delete,backspace", "remove", "取消分工", tooltip="把选中的单位从这项任务上去掉（会先确认）"),
    ]

    def action_remove(self) -> None:
        self.screen.remove_assignment()  # type: ignore[attr-defined]


class ProgressTable(Table):
    BINDINGS: ClassVar = [
        Binding("enter", "select_cursor", "修改进展", tooltip="修改选中进展的内容、日期或单位"),
        Binding("delete,backspace", "remove", "删除进展", tooltip="删除选中的进展（会先确认，可撤销）"),
    ]

    def action_remove(self) -> None:
        self.screen.remove_progress()  # type: ignore[attr-defined]


class EvidenceTable(Table):
    BINDINGS: ClassVar = [
        Binding("enter", "select_cursor", "打开", tooltip="用系统的程序打开选中的佐证材料（先核对文件未被改动）"),
        Binding("delete,backspace", "remove", "删除材料", tooltip="删除选中的佐证材料（会先确认，可撤销）"),
        Binding("n", "rename", "改名", tooltip="修改选中佐证材料的名称"),
    ]

    def action_remove(self) -> None:
        self.screen.remove_evidence()  # type: ignore[attr-defined]

    def action_rename(self) -> None:
        self.screen.rename_evidence()  # type: ignore[attr-defined]


def open_file(path: Path) -> None:
    """Hand a file to the system's viewer (tests replace this; see ``models.evidence.launch``)."""
    from models.evidence import launch

    launch(path)


class TargetTable(Table):
    BINDINGS: ClassVar = [
        Binding("enter", "select_cursor", "修改目标/完成值", tooltip="修改这一年的目标，或填写实际完成值"),
    ]


class TaskScreen(Loads, Screen):
    CSS_PATH = str(Path(__file__).with_name("task.tcss"))
    HELP = ("这里是一项任务的全部内容。Esc：返回列表。\n"
            "a：指定牵头或配合单位及责任人，可输入单位或成员的名称、拼音首字母查找。\n"
            "Tab：移到“分工”或“年度目标”表。分工表中 Enter 修改责任人、角色或换单位，Del 取消分工；"
            "年度目标表中 Enter 修改目标或填写完成值。\n"
            "进展表中 Enter 修改一条进展，Del 删除。\n"
            "空格：标为已完成（今天）或取消完成；w：填写完成日期（办结的实际日期，可早于今天）。\n"
            "c：取消这项任务（已取消的任务保留在台账和操作记录中，但不再列出、不计入统计；再按 c 恢复）；"
            "D：删除建错的任务（先确认）。Ctrl+Z 撤销，Ctrl+Y 重做。\n"
            "j：这项任务的操作记录（每一次修改的时间、内容和修改前后）。\n"
            "f：添加佐证材料（输入文件路径，可一次多个，每行一个）；佐证材料表中 Enter 用系统的程序打开，"
            "Del 删除（可撤销），n 改名。被改动或缺失的文件会标出，不会打开。\n"
            "y：代单位报已完成（待销号）；d：延期（新的完成时限、理由、批准日期，原时限保留）；k：销号（确认单位报的已完成）；"
            "r：退回（写明理由，写进下一期填报表）。灯号：红＝逾期或往年目标未报完成值，黄＝临期、本轮未报送、"
            "落后序时进度或待销号，绿＝正常或已完成。")
    BINDINGS: ClassVar = [
        Binding("escape", "back", "返回", tooltip="回到列表"),
        Binding("space", "tick", "完成/取消", tooltip="标为已完成（今天），再按一次取消"),
        Binding("p", "progress", "记进展", tooltip="记录一条进展"),
        Binding("e", "edit", "修改", tooltip="修改内容、类别、序号、完成时限、备注"),
        Binding("a", "assign", "分工", tooltip="增加牵头或配合单位及责任人"),
        Binding("s", "status", "状态", show=False, tooltip="修改状态：未启动、推进中、已完成"),
        Binding("w", "done_on", "完成日期", show=False, tooltip="标为已完成并填写完成日期，或修改完成日期"),
        Binding("c", "cancel_task", "取消任务", show=False, tooltip="取消这项任务（保留记录，不再列出和统计），再按恢复"),
        Binding("D", "delete_task", "删除任务", show=False, tooltip="删除建错的任务（先确认，可撤销）"),
        Binding("t", "target", "年度目标", show=False, tooltip="增加一个年度的目标"),
        Binding("f", "attach", "佐证材料", show=False, tooltip="添加佐证材料：文件路径，可一次多个"),
        Binding("j", "history", "操作记录", show=False, tooltip="这项任务的每一次修改：时间、内容、修改前后"),
        Binding("d", "extend", "延期", show=False, tooltip="延期：新的完成时限、理由、批准日期（原时限保留）"),
        Binding("y", "claim", "报完成", show=False, tooltip="代单位报已完成（今天），待办公室销号"),
        Binding("k", "confirm_closing", "销号", show=False, tooltip="确认单位报的已完成（销号）"),
        Binding("r", "return_closing", "退回", show=False, tooltip="退回单位报的已完成，写明理由"),
        Binding("question_mark,f1", "app.help", "帮助", key_display="?", tooltip="本页的按键说明"),
    ]

    def __init__(self, task_id: int) -> None:
        super().__init__()
        self.task_id = task_id
        self.detail: data.TaskDetail | None = None
        self.judged = None  # models.judged.JudgedTask: the light, milestones, extensions, closing
        self.evidence: list = []  # models.evidence.EvidenceRow
        self._loaded_version = -1

    def compose(self) -> ComposeResult:
        yield AreaBar(self.app.current_mode)
        with VerticalScroll(id="td-body"):
            yield Static("正在读取…", id="td-head", markup=False)
            yield Static("", id="td-fields", markup=False)
            yield Label("分工（a 增加；选中后 Enter 修改，Del 取消）", classes="section")
            yield AssignTable(id="td-assign")
            yield Label("年度目标与完成值（t 增加；选中后 Enter 修改）", classes="section")
            yield TargetTable(id="td-targets")
            yield Label("进展情况（p 记录，新的在前；选中后 Enter 修改，Del 删除）", classes="section")
            yield Static("", id="td-progress", markup=False)
            yield ProgressTable(id="td-progress-list")
            yield Label("佐证材料（f 添加；选中后 Enter 打开，Del 删除，n 改名）", classes="section")
            yield Static("", id="td-evidence-none", markup=False)
            yield EvidenceTable(id="td-evidence")
        yield StatusLine()
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#td-body").focus()

    def on_screen_resume(self) -> None:
        self.refresh_if_stale(force=True)

    def refresh_if_stale(self, force: bool = False) -> None:
        if force or self._loaded_version != self.app.data_version:
            self._loaded_version = self.app.data_version
            task_id = self.task_id
            db_path = self.app.db_path
            self.load(lambda conn: _detail_and_judgement(conn, task_id) + (_evidence(conn, db_path, task_id),),
                      self._show_both)

    def _show_both(self, both: tuple) -> None:
        self.judged = both[1]
        self.evidence = both[2]
        self._show(both[0])
        if both[0] is not None:
            self._show_evidence()

    def _show_evidence(self) -> None:
        from models.evidence import human_size

        table = self.query_one("#td-evidence", EvidenceTable)
        keep = table.current_key
        table.set_columns([("文件名", "name", 30), ("报送单位", "unit", 14), ("日期", "on", 10), ("大小", "size", 8),
                           ("核对", "state", 10)])
        table.fill([(f"v:{r.id}", [cut(r.name, 30), cut(r.unit or "", 14), day(r.on), human_size(r.size),
                                   Text(r.state_text, style="bold red") if r.state_text else ""])
                    for r in self.evidence], keep=keep)
        table.show_rows()
        none = self.query_one("#td-evidence-none", Static)
        none.update(Text("还没有佐证材料。按 f 添加。", style="dim"))
        none.display = not self.evidence

    def _show(self, detail: data.TaskDetail | None) -> None:
        if detail is None:
            self.query_one("#td-head", Static).update("这项任务已不存在（可能已被撤销导入）。按 Esc 返回。")
            self.detail = None
            return
        from models.clock import today

        now = today()
        self.detail = detail
        t = detail.task
        head = Text()
        if t.number:
            head.append(t.number + ("" if t.number[-1] in "）)、.．" else "．"), style="bold")
        head.append(t.content, style="bold")
        self.query_one("#td-head", Static).update(head)
        state = data.task_state(t.status, t.due, now, t.cancelled_on)
        f = RichTable.grid(padding=(0, 1))
        f.add_column(style="dim", no_wrap=True)
        f.add_column(ratio=1)

        def line(label: str, value: str | Text, style: str = "") -> None:
            f.add_row(f"{label}：", value if isinstance(value, Text) else Text(value or "—", style=style))

        line("领导小组", detail.group)
        line("类别", data.category_label(t.category_number, t.category) if (t.category or t.category_number) else "")
        due = ""
        if t.due:
            due = f"（截止 {day(t.due)}" + (f"，{days_late(t.due, now)}" if t.status != data.DONE else "") + "）"
        written = t.deadline or ("（未写，见年度目标）" if detail.targets else "（未写）")
        line("完成时限", Text(written + due, style=state_text(state).style))
        status = state_text(t.status)
        if state in ("逾期", "临期"):
            status.append("　")
            status.append_text(state_text(state))
        if t.done_on:
            status.append(f"　完成日期 {day(t.done_on)}", style="green")
            on_time = done_on_time(t.due, t.done_on)
            if on_time is not None:
                status.append("　按时完成" if on_time else f"　逾期 {(t.done_on - t.due).days} 天完成",
                              style="green" if on_time else "yellow")
        if t.cancelled_on:
            status = Text(f"已取消（{day(t.cancelled_on)}，c 恢复）", style="dim")
        line("状态", status)
        if self.judged is not None:
            _judgement_lines(line, self.judged)
        line("牵头单位", "、".join(f"{a.unit}（{a.person}）" if a.person else a.unit
                                  for a in detail.assigned if a.role == "lead"))
        line("配合单位", "、".join(f"{a.unit}（{a.person}）" if a.person else a.unit
                                  for a in detail.assigned if a.role == "co"))
        if detail.unpaired:
            line("未配对责任人", Text("、".join(detail.unpaired) + "（分工表中列出，但无法确定属于哪个单位）", style="yellow"))
        line("备注", detail.notes or "")
        self.query_one("#td-fields", Static).update(f)

        assign = self.query_one("#td-assign", AssignTable)
        keep = assign.current_key
        assign.set_columns([("角色", "role", 8), ("单位", "unit", 24), ("责任人", "person", 12)])
        assign.fill([(f"a:{a.id}", [ROLE[a.role], a.unit, a.person or ""]) for a in detail.assigned], keep=keep)
        targets = self.query_one("#td-targets", TargetTable)
        keep = targets.current_key
        targets.set_columns([("年度", "year", 6), ("目标", "target", 30), ("完成值", "actual", 16)])
        targets.fill([(f"y:{x.year}", [str(x.year), x.target, x.actual or ""]) for x in detail.targets], keep=keep)
        assign.show_rows()
        targets.show_rows()
        self.query_one("#td-progress", Static).update(
            Text("" if detail.progress else "还没有进展记录。按 p 记录。", style="dim"))
        self.query_one("#td-progress", Static).display = not detail.progress
        progress = self.query_one("#td-progress-list", ProgressTable)
        keep = progress.current_key
        text_width = max(20, (self.size.width or self.app.size.width) - 40)
        progress.set_columns([("日期", "on", 10), ("报送单位", "unit", 16), ("进展情况", "text", text_width)])
        progress.clear()
        for entry in detail.progress:
            progress.add_row(day(entry.on), cut(entry.unit, 16), Text(entry.text, overflow="fold"),
                             key=f"g:{entry.id}", height=None)
        if keep and keep in [str(r.key.value) for r in progress.ordered_rows]:
            progress.move_cursor(row=progress.get_row_index(keep), animate=False)
        progress.display = bool(detail.progress)
        number = f"序号 {t.number}　" if t.number else ""
        self.query_one(StatusLine).say(f"{number}Esc 返回　Tab 移到表格")

    # ------------------------------------------------------------ actions

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_history(self) -> None:
        from models.audit import task_label

        t = self.detail.task if self.detail is not None else None
        self.app.action_history(self.task_id, task_label(t.number, t.content) if t else "")

    def action_tick(self) -> None:
        if self.detail is None:
            return
        content, status = self.detail.task.content, self.detail.task.status

        def said(status: str) -> str:
            return ("已完成：" if status == data.DONE else f"已取消完成（{status}）：") + cut(content, 30)

        self.app.write("tick", self.task_id, seen_done=status == data.DONE, message=said)

    def action_extend(self) -> None:
        if self.detail is None:
            return
        from tui.dialogs.judging import extension_dialog

        due = self.judged.judgement.due if self.judged is not None else self.detail.task.due
        extension_dialog(self.app, self.task_id, self.detail.task.content, due)

    def action_claim(self) -> None:
        if self.detail is None:
            return
        if self.detail.task.status == data.DONE:
            self.app.notify("这项任务已是已完成。", severity="warning")
            return
        from models.clock import today
        from models.closing import claim_done

        self.app.write(claim_done, self.task_id, today(),
                       message=f"已报完成，待销号：{cut(self.detail.task.content, 30)}")

    def action_confirm_closing(self) -> None:
        if self.detail is None:
            return
        if self.judged is None or self.judged.closing_state != "claimed":
            self.app.notify("这项任务没有待销号的完成申报。", severity="warning")
            return
        from tui.dialogs.judging import confirm_dialog

        confirm_dialog(self.app, self.task_id, self.detail.task.content, self.detail.task.done_on)

    def action_return_closing(self) -> None:
        if self.detail is None:
            return
        if self.judged is None or self.judged.closing_state != "claimed":
            self.app.notify("这项任务没有待销号的完成申报，无需退回。", severity="warning")
            return
        from tui.dialogs.judging import return_dialog

        return_dialog(self.app, self.task_id, self.detail.task.content)

    def action_progress(self) -> None:
        if self.detail is None:
            return
        from tui.dialogs.forms import progress_dialog

        progress_dialog(self.app, self.task_id, self.detail.task.content, [a.unit for a in self.detail.assigned])

    def action_edit(self) -> None:
        if self.detail is not None:
            from tui.dialogs.forms import edit_task_dialog

            edit_task_dialog(self.app, self.detail)

    def action_status(self) -> None:
        if self.detail is not None:
            from tui.dialogs.forms import status_dialog

            status_dialog(self.app, self.task_id, self.detail.task.status)

    def action_target(self, row: data.TargetRow | None = None) -> None:
        if self.detail is not None:
            from tui.dialogs.forms import target_dialog

            target_dialog(self.app, self.task_id, row, [x.year for x in self.detail.targets])

    def action_assign(self, existing: data.Assigned | None = None) -> None:
        if self.detail is None:
            return
        from tui.dialogs.assign import AssignDialog

        task_id = self.task_id
        has_lead = any(a.role == "lead" for a in self.detail.assigned)

        def done(v: dict[str, Any] | None) -> None:
            if v is None:
                return
            app = self.app
            if existing is None:
                app.write("assign", task_id, v["unit"], role=v["role"], person=v["person"],
                          message=f"已指定{ROLE[v['role']]}：{v['unit']}")
            elif v["unit"] == existing.unit and v["role"] == existing.role:
                if v["person"] != existing.person:
                    app.write("set_person", existing.id, v["person"],
                              message=f"{existing.unit} 的责任人：{v['person'] or '（空）'}")
            else:  # a different unit or role: add the new one, then take the old one off
                app.write("assign", task_id, v["unit"], role=v["role"], person=v["person"])
                app.write("unassign", existing.id,
                          message=f"已改为{ROLE[v['role']]}：{v['unit']}（原为{ROLE[existing.role]} {existing.unit}）")

        self.app.push_screen(AssignDialog(self.detail.task.content, existing, role="co" if has_lead else "lead"),
                             done)

    def remove_assignment(self) -> None:
        if self.detail is None:
            return
        assign_id = self.query_one("#td-assign", AssignTable).current_id("a")
        a = next((x for x in self.detail.assigned if x.id == assign_id), None)
        if a is None:
            return
        from tui.dialogs.base import ConfirmDialog

        def confirmed(ok: bool | None) -> None:
            if ok:
                self.app.write("unassign", a.id, message=f"已取消{ROLE[a.role]}：{a.unit}")

        self.app.push_screen(ConfirmDialog("取消分工", f"把「{a.unit}」从这项任务的{ROLE[a.role]}中去掉？",
                                           ok="去掉", danger=True), confirmed)

    def action_done_on(self) -> None:
        if self.detail is None:
            return
        from tui.dialogs.forms import done_dialog

        t = self.detail.task
        done_dialog(self.app, self.task_id, t.content, t.done_on if t.status == data.DONE else None)

    def action_cancel_task(self) -> None:
        if self.detail is None:
            return
        t = self.detail.task
        if t.cancelled_on:
            self.app.write("restore_task", self.task_id, message="已恢复任务：" + cut(t.content, 30))
            return
        from tui.dialogs.base import ConfirmDialog

        def confirmed(ok: bool | None) -> None:
            if ok:
                self.app.write("cancel_task", self.task_id, message="已取消任务：" + cut(t.content, 30) + "　Ctrl+Z 撤销")

        self.app.push_screen(ConfirmDialog(
            "取消任务", f"取消任务「{cut(t.content, 40)}」？\n已取消的任务保留在台账和操作记录中，但不再列出、不计入统计"
            "（任务列表中按 f 选状态“已取消”可以看到）。", ok="取消任务", danger=True), confirmed)

    def action_delete_task(self) -> None:
        if self.detail is None:
            return
        t = self.detail.task
        from tui.dialogs.base import ConfirmDialog

        def confirmed(ok: bool | None) -> None:
            if ok:
                self.app.write("delete_task", self.task_id, message="已删除任务：" + cut(t.content, 30) + "　Ctrl+Z 撤销",
                               done=lambda _: self.app.pop_screen() if self.app.screen is self else None)

        extra = f"连同它的分工 {len(self.detail.assigned)} 项、进展 {len(self.detail.progress)} 条。" \
            if self.detail.assigned or self.detail.progress else ""
        self.app.push_screen(ConfirmDialog(
            "删除任务", f"删除建错的任务「{cut(t.content, 40)}」？{extra}\n"
            "已经布置、后来不做的任务请用 c 取消（保留记录）。误删可按 Ctrl+Z 撤销。"
            "删除后再导入分工表也不会加回（文件改了这一行时列为冲突）。", ok="删除", danger=True), confirmed)

    def remove_progress(self) -> None:
        if self.detail is None:
            return
        entry_id = self.query_one("#td-progress-list", ProgressTable).current_id("g")
        entry = next((x for x in self.detail.progress if x.id == entry_id), None)
        if entry is None:
            return
        from tui.dialogs.base import ConfirmDialog

        def confirmed(ok: bool | None) -> None:
            if ok:
                self.app.write("delete_progress", entry.id, message="已删除进展：" + cut(entry.text, 30) + "　Ctrl+Z 撤销")

        self.app.push_screen(ConfirmDialog("删除进展", f"删除 {day(entry.on)} 的进展「{cut(entry.text, 40)}」？",
                                           ok="删除", danger=True), confirmed)

    # ------------------------------------------------------------ evidence

    def _current_evidence(self):
        evidence_id = self.query_one("#td-evidence", EvidenceTable).current_id("v")
        return next((r for r in self.evidence if r.id == evidence_id), None)

    def action_attach(self) -> None:
        if self.detail is None:
            return
        from tui.dialogs.base import Field, FormDialog

        task_id = self.task_id
        units = [a.unit for a in self.detail.assigned]
        options = [("（不注明）", "")] + [(u, u) for u in dict.fromkeys(units)]

        def check(v: dict[str, Any]) -> str | None:
            return None if paths_in(v["paths"]) else "请填写文件路径（每行一个）。"

        def done(v: dict[str, Any] | None) -> None:
            if v is None:
                return
            from models.evidence import attach

            self.app.write(attach, task_id, paths_in(v["paths"]), unit=v["unit"] or None,
                           message=lambda result: result.describe(), busy="正在保存佐证材料…")

        self.app.push_screen(FormDialog("添加佐证材料", [
            Field("paths", "文件路径", kind="text", height=4,
                  hint="每行一个文件（可从文件管理器拖进来）；同一文件不会重复保存。单个文件不超过 200 MB。"),
            Field("unit", "报送单位", "", kind="select", options=options),
        ], intro="任务：" + cut(self.detail.task.content, 60), check=check, ok="添加"), done)

    def open_evidence(self, row) -> None:
        self.query_one(StatusLine).say(f"正在核对并打开「{row.name}」…")
        self.run_worker(lambda: self._open_job(row), thread=True, group="open-evidence", exit_on_error=False)

    def _open_job(self, row) -> None:
        from models.errors import OperationError
        from models.evidence import open_evidence

        try:
            open_evidence(self.app.db_path, row, opener=open_file)
        except OperationError as exc:
            self.app.call_from_thread(self.app.notify, str(exc), title="不能打开", severity="error", timeout=10)
            return
        except OSError as exc:
            self.app.call_from_thread(self.app.notify, f"打开「{row.name}」失败：{exc}", title="不能打开",
                                      severity="error", timeout=10)
            return
        self.app.call_from_thread(self.query_one(StatusLine).say, f"已打开：{row.name}")

    def remove_evidence(self) -> None:
        row = self._current_evidence()
        if row is None:
            return
        from models.evidence import delete_evidence
        from tui.dialogs.base import ConfirmDialog

        def confirmed(ok: bool | None) -> None:
            if ok:
                self.app.write(delete_evidence, row.id, message=f"已删除佐证材料：{row.name}　Ctrl+Z 撤销")

        self.app.push_screen(ConfirmDialog("删除佐证材料", f"删除佐证材料「{row.name}」？误删可按 Ctrl+Z 撤销。",
                                           ok="删除", danger=True), confirmed)

    def rename_evidence(self) -> None:
        row = self._current_evidence()
        if row is None:
            return
        from models.evidence import rename_evidence
        from tui.dialogs.base import Field, FormDialog

        def done(v: dict[str, Any] | None) -> None:
            if v is not None and v["name"] and v["name"] != row.name:
                self.app.write(rename_evidence, row.id, v["name"], message=f"已改名：{v['name']}")

        self.app.push_screen(FormDialog("佐证材料改名", [Field("name", "名称", row.name)],
                                        check=lambda v: None if v["name"] else "名称不能为空。", ok="保存"), done)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if self.detail is None:
            return
        key = str(event.row_key.value)
        if key.startswith("v:"):
            row = next((r for r in self.evidence if r.id == int(key[2:])), None)
            if row is not None:
                self.open_evidence(row)
        elif key.startswith("a:"):
            a = next((x for x in self.detail.assigned if x.id == int(key[2:])), None)
            if a is not None:
                self.action_assign(a)
        elif key.startswith("y:"):
            row = next((x for x in self.detail.targets if x.year == int(key[2:])), None)
            self.action_target(row)
        elif key.startswith("g:"):
            entry = next((x for x in self.detail.progress if x.id == int(key[2:])), None)
            if entry is not None:
                from tui.dialogs.forms import edit_progress_dialog

                edit_progress_dialog(self.app, self.task_id, entry, [a.unit for a in self.detail.assigned])


LIGHT_STYLE = {"红": "bold white on red", "黄": "bold black on yellow", "绿": "bold white on green"}


def light_text(judgement) -> Text:
    """The light as a coloured word with its reasons ("红 逾期12天"): never colour alone."""
    out = Text(f" {judgement.light} ", style=LIGHT_STYLE[judgement.light])
    out.append(f" {judgement.state}")
    reasons = [r for r in judgement.reasons if r != judgement.state]
    if reasons:
        out.append("：" + "；".join(reasons))
    return out


def paths_in(text: str) -> list[str]:
    """The file paths typed or dropped into the dialog: one a line, or several quoted on one line."""
    import os
    import shlex

    out = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        parts = [line]
        if line[0] in "'\"" or ("\\ " in line and os.sep == "/"):
            try:
                parts = shlex.split(line, posix=os.name != "nt")
            except ValueError:
                parts = [line.strip("'\"")]
        out.extend(os.path.expanduser(p.strip().strip("'\"")) for p in parts if p.strip())
    return out


def _evidence(conn, db_path, task_id: int) -> list:
    from models.evidence import task_evidence

    try:
        return task_evidence(conn, db_path, task_id)
    except sqlite3.Error:  # a ledger from before version 8 being upgraded elsewhere
        return []


def _detail_and_judgement(conn, task_id: int) -> tuple:
    from models.clock import today
    from models.judged import judge_task

    return data.task_detail(conn, task_id), judge_task(conn, task_id, today())


def _judgement_lines(line, judged) -> None:
    j = judged.judgement
    line("灯号", light_text(j))
    for e in judged.extensions:
        approved = f"，{day(e.approved_on)} 批准" if e.approved_on else ""
        line("延期", f"至 {day(e.new_due)}（原 {day(e.original_due) or '无'}；{e.reason}{approved}）")
    if judged.closing_state == "claimed":
        line("销号", Text(f"待销号：单位报 {day(judged.done_on)} 完成（k 销号，r 退回）", style="yellow"))
    elif judged.closing_state == "confirmed":
        step = next(c for c in reversed(judged.closing) if c.state == "confirmed")
        line("销号", Text(f"{day(step.on)} 已销号", style="green"))
    elif judged.closing_state == "returned":
        line("销号", Text(f"已退回：{judged.returned_reason}", style="red"))
