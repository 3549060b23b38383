"""x: export — pick the report and the folder; the file's full path is shown when it is written.
Space marks several Excel reports (分工表, 进展情况表, 逾期督办清单, 成员名单) to be exported together,
each labelled 附件1, 附件2 … in the list's order; one report alone keeps 附件. A checkbox adds 完成状态
and 完成日期 to the division table (the command line's --with-status).

``run_export`` is the one place that calls the exporters (``exporters.excel.export`` for the
Excel reports, ``exporters.json_dump.write_dump`` for the full data)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from collections.abc import Callable
from typing import Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Button, Checkbox, Input, Label, LoadingIndicator, OptionList, Static
from textual.widgets.option_list import Option

from tui.dialogs.base import Dialog
from tui.text import expand_path, show_path
from tui.widgets.files import FolderBrowser

SHOWN_WARNINGS = 6  # 注意 lines the dialog shows below the path; the notice says how many more

KINDS = [("division", "分工表（重点任务分工表）"), ("progress", "进展情况表"),
         ("overdue", "逾期督办清单（逾期和临期任务，按单位）"), ("roster", "成员名单"),
         ("json", "全部数据（JSON，备份或检查用）"),
         ("bulletin", "通报（Word，按公文格式，数字由台账算出）"),
         ("chase", "督办通知（Word，每个需督办的单位一份，并记入督办记录）"),
         ("assessment", "成员单位考评表（Excel，得分、排名和完成率图表）"),
         ("evidence", "验收资料（佐证材料按类别、任务分文件夹，附资料台账）")]
ATTACHABLE = ("division", "progress", "overdue", "roster")  # marked with Space: exported together as 附件1 …
MARK = "✓ "


def run_export(db_path: Path, orm: Any, kind: str, folder: Path, group: str, within: int,
               today: date | None = None, *, with_status: bool = False, attachment: str | None = None,
               warn: Callable[[str], None] | None = None) -> Path:
    """Write one report of ``group`` into ``folder``; return the file written. ``with_status`` and
    ``attachment`` (附件2) as ``exporters.excel.export`` takes them. ``warn`` is told what the command
    line prints as 注意 (issue 13): a text cut at Excel's 32,767 characters a cell, a task whose text in
    the ledger was damaged (exported with � in its place), a report with nothing in it."""
    if kind == "json":
        from exporters.json_dump import write_dump
        from exporters.excel import file_name_for
        from models.clock import today as clock_today

        day = today or clock_today()
        return write_dump(orm(), folder / file_name_for(group, f"_全部数据_{day:%Y%m%d}.json"), group=group,
                          warn=warn)
    if kind in ("bulletin", "chase", "assessment"):
        return _judging_export(db_path, kind, folder, group, today, warn)
    if kind == "evidence":
        from exporters.evidence import write_tree
        from models import store

        conn = store.connect(db_path)
        try:
            return write_tree(conn, db_path, group, folder).root
        finally:
            conn.close()
    from exporters.excel import export
    from models import store
    from models.text_repair import retry_repaired

    cut: list[str] = []
    notes: list[str] = []

    def write() -> Path:
        cut.clear()  # a retry over repaired text starts the report again
        notes.clear()
        return export(conn, kind, folder, group_name=group, within=within, today=today, with_status=with_status,
                      attachment=attachment, warn=cut.append, notes=notes)

    conn = store.connect(db_path)
    try:  # text not valid UTF-8 in the ledger is exported with � in its place, and the task named
        path, damaged = retry_repaired(conn, write)
    finally:
        conn.close()
    if warn is not None:
        for line in [*damaged, *cut, *notes]:
            warn(line)
    return path


def _judging_export(db_path: Path, kind: str, folder: Path, group: str, today: date | None,
                    warn: Callable[[str], None] | None = None) -> Path:
    """The bulletin (.docx), the chase letters (a folder of .docx) or the assessment (.xlsx). Letters
    written but not recorded (a read-only account on a server) are exported with a note, as the
    command line says it."""
    from exporters.excel import file_name_for
    from models import store
    from models.clock import today as clock_today
    from models.judged import group_id_of

    day = today or clock_today()
    conn = store.connect(db_path)
    try:
        group_id = group_id_of(conn, group)
        if kind == "bulletin":
            from exporters.documents.bulletin import export_bulletin

            return export_bulletin(conn, group_id, folder / file_name_for(group, f"_通报_{day:%Y%m%d}.docx"), day)
        if kind == "assessment":
            from exporters.assessment import export_assessment

            return export_assessment(conn, group_id, group, folder / file_name_for(group, f"_考评表_{day:%Y%m%d}.xlsx"), day)
        from exporters.documents.chase import ChaseNotRecorded, export_chase

        out = folder / file_name_for(group, f"_督办通知_{day:%Y%m%d}")
        out.mkdir(exist_ok=True)
        try:
            export_chase(conn, db_path, group_id, out, day)
        except ChaseNotRecorded as exc:
            if warn is None:
                raise
            warn(f"督办通知已导出（{len(exc.paths)} 份），但没有记入各单位的督办记录：{exc}")
        return out
    finally:
        conn.close()


class ExportDialog(Dialog[None]):
    WIDE = True
    TITLE_TEXT = "导出"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "关闭"),
        Binding("ctrl+s", "ok", "导出"),
        Binding("space", "mark", "勾选（一并导出）"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.written: list[Path] = []
        self.marked: set[str] = set()

    def content(self) -> ComposeResult:
        app = self.app
        folder = app.state.folder("export_dir")
        yield Static(Text.assemble(("领导小组：", "dim"), (app.group.name if app.group else "", "bold")), id="intro",
                     classes="-tight")
        yield Static("↑↓ 选择报表，Enter 导出到下面的文件夹；空格勾选几种 Excel 报表一并导出（依次编为附件1、附件2…）；"
                     "Tab 到“保存到”可换文件夹。", classes="hint-line")
        yield OptionList(*[Option(label, id=kind) for kind, label in KINDS], id="kind")
        with Horizontal(classes="row"):
            yield Label("临期天数", classes="label")
            yield Input("7", id="within", compact=True, restrict=r"\d*", max_length=3,
                        tooltip="逾期督办清单也列入这么多天内到期的任务")
        with Horizontal(classes="row"):
            yield Label("保存到", classes="label")
            yield Input(show_path(folder), id="folder", compact=True, placeholder="文件夹")
        yield Checkbox("分工表加上完成状态、完成日期两列", id="with-status", compact=True)
        yield FolderBrowser(folder, id="folders")
        yield LoadingIndicator(id="working")
        yield Static("", id="result")

    def buttons(self) -> ComposeResult:
        yield Button("导出 (Ctrl+S)", variant="primary", id="ok")
        yield Button("关闭 (Esc)", id="cancel")

    def on_mount(self) -> None:
        kinds = self.query_one("#kind", OptionList)
        kinds.highlighted = 0
        kinds.focus()
        self.query_one("#working").display = False

    def action_mark(self) -> None:
        """Space on the list: mark (or unmark) the highlighted Excel report for a joint export."""
        kinds = self.query_one("#kind", OptionList)
        if not kinds.has_focus or kinds.highlighted is None:
            return
        kind, label = KINDS[kinds.highlighted]
        if kind not in ATTACHABLE:
            self.query_one("#result", Static).update(Text("只有分工表、进展情况表、逾期督办清单、成员名单可以勾选一并导出。",
                                                          style="yellow"))
            return
        self.marked ^= {kind}
        kinds.replace_option_prompt_at_index(kinds.highlighted, (MARK if kind in self.marked else "") + label)

    def _unmark_all(self) -> None:
        kinds = self.query_one("#kind", OptionList)
        for i, (kind, label) in enumerate(KINDS):
            if kind in self.marked:
                kinds.replace_option_prompt_at_index(i, label)
        self.marked.clear()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_ok()

    def on_directory_tree_directory_selected(self, event: FolderBrowser.DirectorySelected) -> None:
        event.stop()
        self.query_one("#folder", Input).value = show_path(event.path)

    def on_folder_browser_moved(self, event: FolderBrowser.Moved) -> None:
        self.query_one("#folder", Input).value = show_path(event.path)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "folder":
            folder = expand_path(event.value)
            if folder.is_dir():
                self.query_one(FolderBrowser).go(folder)
        self.action_ok()

    def action_ok(self) -> None:
        app = self.app
        if app.group is None:
            return
        index = self.query_one("#kind", OptionList).highlighted
        kind = KINDS[index or 0][0]
        folder = expand_path(self.query_one("#folder", Input).value or "~")
        result = self.query_one("#result", Static)
        if not folder.is_dir():
            result.update(Text(f"文件夹「{folder}」不存在，请重新选择。", style="bold red"))
            return
        within = int(self.query_one("#within", Input).value or 7)
        with_status = self.query_one("#with-status", Checkbox).value
        # the marked reports in the list's order (附件1, 附件2 …), else the highlighted one (附件)
        kinds = [k for k, _ in KINDS if k in self.marked] or [kind]
        self.query_one("#working").display = True
        self.query_one("#ok", Button).disabled = True
        result.update("正在导出…")
        self._export(kinds, folder, app.group.name, within, with_status)

    @work(thread=True, exclusive=True, exit_on_error=False)
    def _export(self, kinds: list[str], folder: Path, group: str, within: int, with_status: bool) -> None:
        app = self.app
        token = app.call_from_thread(app.busy_start, "正在导出…")
        paths: list[Path] = []
        warnings: list[str] = []
        try:
            for n, kind in enumerate(kinds, start=1):
                paths.append(run_export(app.db_path, app.orm, kind, folder, group, within, with_status=with_status,
                                        attachment=f"附件{n}" if len(kinds) > 1 else None, warn=warnings.append))
        except Exception as exc:  # noqa: BLE001 - ExportError carries the Chinese message
            app.call_from_thread(self._done, paths, str(exc))
        else:
            app.call_from_thread(self._done, paths, None, warnings)
        finally:
            app.call_from_thread(app.busy_end, token)

    def _done(self, paths: list[Path], error: str | None, warnings: list[str] = ()) -> None:
        self.query_one("#working").display = False
        self.query_one("#ok", Button).disabled = False
        result = self.query_one("#result", Static)
        self.written.extend(paths)
        if paths:
            self.app.state.set("export_dir", str(paths[-1].parent))
        done = Text()
        for i, path in enumerate(paths):
            done.append("已导出到：" if i == 0 else "\n　　　　　", "bold green")
            done.append(str(path), "bold")
        for line in warnings[:SHOWN_WARNINGS]:
            done.append("\n注意：" + line, "yellow")
        if len(warnings) > SHOWN_WARNINGS:
            done.append(f"\n……另有 {len(warnings) - SHOWN_WARNINGS} 条注意事项。", "yellow")
        if error is not None:
            done.append(("\n" if paths else "") + f"未能导出：{error}", "bold red")
        else:
            self._unmark_all()  # a joint export done: the next Enter exports the highlighted report again
            done.append("\n可以再选另一种报表继续导出；Esc 关闭。", "dim")
        result.update(done)
        if warnings:  # the same words the command line prints as 注意, also kept in the message log (F1)
            more = f"\n……共 {len(warnings)} 条" if len(warnings) > SHOWN_WARNINGS else ""
            self.app.notify("\n".join(warnings[:SHOWN_WARNINGS]) + more,
                            title=f"导出完成，有 {len(warnings)} 条注意事项", severity="warning", timeout=20)
