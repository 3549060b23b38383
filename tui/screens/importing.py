"""i: import — choose a file (starting at the last folder used, else the home folder), see what the
importer would do (its dry run: counts, new units, warnings with sheet and row), then confirm or
cancel. The import is one transaction and one history entry, so ctrl+z takes it back."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import (
    Button,
    ContentSwitcher,
    Footer,
    Input,
    Label,
    LoadingIndicator,
    Select,
    SelectionList,
    Static,
)
from textual.widgets.selection_list import Selection

from tui.text import expand_path, show_path
from tui.widgets.bars import StatusLine
from tui.widgets.files import IMPORTABLE, FileBrowser

NEW_GROUP = "__new__"
KIND_OPTIONS = [("自动判断", "auto"), ("分工表（任务）", "tasks"), ("成员名单", "roster"), ("成员单位职责", "duties")]


class ImportScreen(Screen):
    CSS_PATH = str(Path(__file__).with_name("importing.tcss"))
    HELP = ("导入分工表（.xlsx .xls .ods .csv，或 Word 文档 .docx 中的表格）、成员名单或成员单位职责"
            "（从通知中复制粘贴保存的 .txt，或名单表格），以及通知正文中列出的任务（.txt .md、Word 文档的段落、文字版 PDF）。\n"
            "第一步选文件：↑↓ 移动，Enter 打开文件夹或选定文件，退格 回到上一级；也可以按 Tab 在上面的框中直接输入路径。\n"
            "第二步看预览：读到多少任务（新增、更新、未变）、哪些是新单位、需要留意的提示（写明工作表、行、列）。"
            "可以改“内容”和“导入到”哪个领导小组，预览随之更新。确认后才写入；导入后也可以按 Ctrl+Z 撤销。")
    BINDINGS: ClassVar = [
        Binding("escape", "back", "返回", tooltip="回到上一步，或关闭导入"),
        Binding("ctrl+s", "confirm", "确认导入", tooltip="把预览中的内容写入数据库"),
        Binding("question_mark,f1", "app.help", "帮助", key_display="?"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.file: Path | None = None
        self.record: Any = None
        self.report: Any = None
        self._preview_seq = 0
        self._take_file: set[str] = set()  # the conflicts whose file value the user chose
        self._conflicts: list[Any] = []
        self._importing = False  # confirmed: the import is waiting its turn or being written

    def compose(self) -> ComposeResult:
        app = self.app
        folder = app.state.folder("import_dir")
        with Vertical(id="im-box") as box:
            box.border_title = "导入"
            with ContentSwitcher(initial="im-browse", id="im-steps"):
                with Vertical(id="im-browse"):
                    yield Static("第一步：选择文件。↑↓ 移动，Enter 打开文件夹或选定文件，退格 上一级；"
                                 "Tab 到“位置”框可直接输入路径。", classes="intro", markup=False)
                    with Horizontal(classes="row"):
                        yield Label("位置", classes="label")
                        yield Input(show_path(folder), id="im-path", compact=True,
                                    placeholder="文件或文件夹的路径，Enter 确定")
                    yield FileBrowser(folder, id="im-tree")
                with Vertical(id="im-preview"):
                    yield Static("", id="im-file", markup=False)
                    with Horizontal(classes="row"):
                        yield Label("内容", classes="label")
                        yield Select(KIND_OPTIONS, value="auto", allow_blank=False, id="im-kind", compact=True)
                    with Horizontal(classes="row"):
                        yield Label("导入到", classes="label")
                        yield Select(self._group_options(), value=self._default_group(), allow_blank=False,
                                     id="im-group", compact=True)
                    with Horizontal(classes="row", id="im-new-row"):
                        yield Label("新小组名称", classes="label")
                        yield Input("", id="im-new-name", compact=True)
                    yield Static("", id="im-hint", markup=False)
                    yield LoadingIndicator(id="im-working")
                    with VerticalScroll(id="im-report-box"):
                        yield Static("", id="im-report", markup=False)
                    yield SelectionList[str](id="im-conflicts")
                    with Horizontal(id="buttons"):
                        yield Button("确认导入 (Ctrl+S)", variant="primary", id="im-ok", disabled=True)
                        yield Button("返回选择文件 (Esc)", id="im-back")
        yield StatusLine()
        yield Footer(compact=True)

    def _group_options(self) -> list[tuple[str, Any]]:
        return [(g.name, g.id) for g in self.app.groups] + [("新建领导小组…", NEW_GROUP)]

    def _default_group(self) -> Any:
        return self.app.group.id if self.app.group else NEW_GROUP

    def on_mount(self) -> None:
        self.query_one("#im-tree", FileBrowser).focus()
        self.query_one("#im-working").display = False
        self.query_one("#im-new-row").display = False
        self.query_one("#im-hint").display = False
        self.query_one("#im-conflicts").display = False
        self.query_one(StatusLine).say("支持 " + " ".join(sorted(IMPORTABLE)) + "　Esc 关闭")

    # ------------------------------------------------------------ step 1: the file

    def on_directory_tree_file_selected(self, event: FileBrowser.FileSelected) -> None:
        event.stop()
        self.choose(Path(event.path))

    def on_directory_tree_directory_selected(self, event: FileBrowser.DirectorySelected) -> None:
        event.stop()
        self.query_one("#im-path", Input).value = show_path(event.path)

    def on_file_browser_moved(self, event: FileBrowser.Moved) -> None:
        self.query_one("#im-path", Input).value = show_path(event.path)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "im-path":
            path = expand_path(event.value)
            if path.is_dir():
                self.query_one("#im-tree", FileBrowser).go(path)
                self.query_one("#im-tree", FileBrowser).focus()
            elif path.is_file():
                self.choose(path)
            else:
                self.notify(f"找不到「{event.value}」。", severity="error")
        elif event.input.id == "im-new-name":
            self.preview()

    def choose(self, path: Path) -> None:
        """Read the file first: its default group is the one whose tasks it matches, else a new group
        named from its title (``importers.suggest``); then the preview."""
        self.file = path
        self.app.state.set("import_dir", str(path.parent))
        self.query_one("#im-file", Static).update(Text.assemble(("文件：", "dim"), (show_path(path), "bold")))
        self.query_one("#im-steps", ContentSwitcher).current = "im-preview"
        self.record = self.report = None
        self._take_file = set()
        self.query_one("#im-ok", Button).disabled = True
        self.query_one("#im-conflicts").display = False
        self.query_one("#im-working").display = True
        self.query_one("#im-report", Static).update("正在读取文件…")
        self._preview_seq += 1
        kind = self.query_one("#im-kind", Select).value
        self._read(self._preview_seq, path, None if kind == "auto" else kind)

    @work(thread=True, exclusive=True, group="import", exit_on_error=False)
    def _read(self, seq: int, path: Path, kind: str | None) -> None:
        app = self.app
        token = app.call_from_thread(app.busy_start, "正在读取文件…")
        try:
            from importers import read_file
            from importers.records import ImportRefused
            from importers.suggest import matching_group, new_group_name
            from models.errors import DatabaseError

            try:
                with app.reader() as conn:
                    units = [r[0] for r in conn.execute("SELECT name FROM unit")]
                record = read_file(path, kind=kind, known_units=units)
                with app.reader() as conn:
                    match = matching_group(conn, record)
            except (ImportRefused, DatabaseError) as exc:
                app.call_from_thread(self._previewed, seq, None, None, f"不能导入：{exc}")
                return
            except Exception as exc:  # noqa: BLE001 - a file that breaks a reader must not break the window
                app.call_from_thread(self._previewed, seq, None, None, f"读取「{path.name}」时出错：{exc}")
                return
            app.call_from_thread(self._suggested, seq, record, match, new_group_name(record, path))
        finally:
            app.call_from_thread(app.busy_end, token)

    def _suggested(self, seq: int, record: Any, match: tuple[str, int] | None, new_name: str) -> None:
        if seq != self._preview_seq or not self.is_mounted:
            return
        self.record = record
        hint = self.query_one("#im-hint", Static)
        what = {"TaskTable": "任务", "Roster": "成员", "Duties": "单位职责"}.get(type(record).__name__, "内容")
        group = next((g for g in self.app.groups if match and g.name == match[0]), None)
        self.query_one("#im-new-name", Input).value = new_name
        if group is not None:
            value = group.id
            hint.update(f"文件中有{match[1]}项{what}与「{group.name}」的相同：默认合并导入到这个小组"
                        "（文件和台账都改过的地方列为冲突）。也可以在“导入到”中选“新建领导小组…”。")
        else:
            value = NEW_GROUP
            hint.update(f"这是一份新的表格：默认新建领导小组「{new_name}」（名称取自表格标题或文件名，可修改）。"
                        "如要并入已有的小组，在“导入到”中选择。")
        hint.display = True
        select = self.query_one("#im-group", Select)
        self.query_one("#im-new-row").display = value == NEW_GROUP
        if select.value != value:
            select.value = value  # its Changed message brings the preview
        else:
            self.preview()

    # ------------------------------------------------------------ step 2: the preview

    def on_select_changed(self, event: Select.Changed) -> None:
        if self.file is None:
            return
        if event.select.id == "im-kind":
            self.choose(self.file)  # read again as that kind, and suggest its group again
            return
        self.query_one("#im-new-row").display = self.query_one("#im-group", Select).value == NEW_GROUP
        self.preview()

    def _group_name(self) -> str:
        value = self.query_one("#im-group", Select).value
        if value == NEW_GROUP:
            return self.query_one("#im-new-name", Input).value.strip()
        return next((g.name for g in self.app.groups if g.id == value), "")

    def preview(self) -> None:
        if self.file is None or self._importing:  # (a preview would cancel the import waiting its turn)
            return
        group = self._group_name()
        ok = self.query_one("#im-ok", Button)
        ok.disabled = True
        if not group:
            self.query_one("#im-report", Static).update(Text("请填写新领导小组的名称。", style="bold red"))
            return
        kind = self.query_one("#im-kind", Select).value
        self.query_one("#im-working").display = True
        self.query_one("#im-report", Static).update("正在读取文件…")
        self.query_one("#im-conflicts").display = False
        self._preview_seq += 1
        self._dry_run(self._preview_seq, self.file, None if kind == "auto" else kind, group, self.record)

    @work(thread=True, exclusive=True, group="import", exit_on_error=False)
    def _dry_run(self, seq: int, path: Path, kind: str | None, group: str, record: Any) -> None:
        app = self.app
        token = app.call_from_thread(app.busy_start, "正在读取文件…")
        try:
            from importers import read_file
            from importers.load import load
            from importers.records import ImportRefused
            from models.errors import DatabaseError, OperationError
            from taizhang.report import format_report

            try:
                if record is None:
                    with app.reader() as conn:
                        units = [r[0] for r in conn.execute("SELECT name FROM unit")]
                    record = read_file(path, kind=kind, known_units=units)
                report = load(app.db_path, record, group, dry_run=True)
            except (ImportRefused, OperationError, DatabaseError) as exc:
                app.call_from_thread(self._previewed, seq, None, None, f"不能导入：{exc}")
                return
            except Exception as exc:  # noqa: BLE001 - a file that breaks a reader must not break the window
                app.call_from_thread(self._previewed, seq, None, None, f"读取「{path.name}」时出错：{exc}")
                return
            text = format_report(report, getattr(record, "reading", None)).replace("试运行：以上内容未写入数据库。", "以上是预览，尚未写入。")
            # the conflicts are chosen one by one in the list under the report
            text = re.sub(r"^  ! .*\n|^  （要采用文件中的值.*\n", "", text, flags=re.MULTILINE)
            text = re.sub(r"^冲突（(\d+)，[^\n]*$", r"冲突（\1）：文件和台账都改了同一处，见下方列表逐条选择", text,
                          flags=re.MULTILINE)
            # long lists on a line of their own, so a narrow window does not break the heading
            text = re.sub(r"^((?:类别|单位|责任人)（[^）\n]*）：)", r"\1\n  ", text, flags=re.MULTILINE)
            app.call_from_thread(self._previewed, seq, record, report, text)
        finally:
            app.call_from_thread(app.busy_end, token)

    def _previewed(self, seq: int, record: Any, report: Any, text: str) -> None:
        if seq != self._preview_seq or not self.is_mounted:
            return
        self.query_one("#im-working").display = False
        self.record, self.report = record, report
        out = self.query_one("#im-report", Static)
        ok = self.query_one("#im-ok", Button)
        if report is None:
            out.update(Text(text, style="bold red"))
            ok.disabled = True
            return
        shown = Text(text)
        shown.highlight_regex(r"（新）", "bold yellow")
        shown.highlight_regex(r"^提示.*$", "bold yellow")
        shown.highlight_regex(r"^台账中有、文件中没有的.*$", "bold yellow")
        shown.highlight_regex(r"以上是预览，尚未写入。", "bold")
        shown.highlight_regex(r"^(?:将要)?修改的内容.*$", "bold cyan")
        shown.highlight_regex(r" → ", "bold cyan")
        shown.highlight_regex(r"^冲突.*$", "bold red")
        out.update(shown)
        self._show_conflicts(report)
        ok.disabled = not report.changed
        if report.conflicts:
            self.query_one("#im-conflicts", SelectionList).focus()
            self.query_one(StatusLine).say("冲突：↑↓ 移动，空格 采用文件中的值（再按保留台账）；Ctrl+S 确认导入；Esc 返回")
        elif report.changed:
            ok.focus()
            self.query_one(StatusLine).say("Ctrl+S 或 Enter（在“确认导入”上）写入；Esc 返回选择文件")
        else:
            self.query_one(StatusLine).say("文件内容与数据库中已有的相同，不需要导入。Esc 返回")

    def _show_conflicts(self, report: Any) -> None:
        """One line a conflict: marked (space) takes the file's value, unmarked keeps the ledger's."""
        box = self.query_one("#im-conflicts", SelectionList)
        box.clear_options()
        conflicts = list(getattr(report, "conflicts", []))
        box.display = bool(conflicts)
        if not conflicts:
            return
        box.border_title = f"冲突 {len(conflicts)} 处：空格 选中＝采用文件中的值，不选＝保留台账中的值"
        self._conflicts = conflicts
        self._fill_conflicts(box, 0)

    def _fill_conflicts(self, box: SelectionList, highlighted: int) -> None:
        box.clear_options()
        box.add_options([Selection(Text.assemble(
            (f"{c.what}｜{c.field}：", "bold"), "台账「", (c.ledger, "bold green"), "」 文件「", (c.file, "bold red"), "」 → ",
            ("采用文件", "bold red") if c.key in self._take_file else ("保留台账", "bold green")),
            c.key, c.key in self._take_file) for c in self._conflicts])
        box.highlighted = highlighted

    def on_selection_list_selected_changed(self, event: SelectionList.SelectedChanged) -> None:
        event.stop()
        chosen = set(event.selection_list.selected)
        if chosen == self._take_file:
            return
        self._take_file = chosen
        self._fill_conflicts(event.selection_list, event.selection_list.highlighted or 0)
        n = len(chosen)
        self.query_one(StatusLine).say(f"采用文件中的值 {n} 处，保留台账 {len(self._conflicts) - n} 处；"
                                       "Ctrl+S 确认导入")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "im-ok":
            self.action_confirm()
        elif event.button.id == "im-back":
            self.action_back()

    def action_confirm(self) -> None:
        if self.record is None or self.report is None or not self.report.changed:
            return
        group = self._group_name()
        self.query_one("#im-ok", Button).disabled = True
        self.query_one("#im-working").display = True
        self._importing = True
        # its place in the window's write queue, taken now (a tick pressed before runs before it,
        # ctrl+z pressed after runs after it): never alongside another write of this window
        self.workers.cancel_group(self, "import")  # a preview still being read
        self._import(self.app._turns.take(), self.record, group, set(self._take_file))

    @work(thread=True, group="import-write", exit_on_error=False)  # never cancelled by a preview
    def _import(self, ticket: int, record: Any, group: str, take_file: set[str]) -> None:
        app = self.app
        token = app.call_from_thread(app.busy_start, "正在导入…")
        try:
            from importers.load import load, summary
            from models.backup import backup_before_import
            from models.writer_tag import as_writer

            with app._turns.turn(ticket):  # the window's other writes before it are done, later ones wait
                try:
                    # a non-empty ledger is backed up just before the import commits (none if nothing changes);
                    # on a server it is announced as this window's change (its own connection: models.writer_tag)
                    with as_writer(app.writer_tag):
                        report = load(app.db_path, record, group,
                                      before_commit=lambda: backup_before_import(app.db_path),
                                      take_file=lambda conflict: conflict.key in take_file)
                except Exception as exc:  # noqa: BLE001 - OperationError and friends: nothing was written
                    app.call_from_thread(self._import_failed, str(exc))
                    return
            app.call_from_thread(self._imported, summary(report), group)
        finally:
            app.call_from_thread(app.busy_end, token)

    def _import_failed(self, message: str) -> None:
        self._importing = False
        self.query_one("#im-working").display = False
        self.query_one("#im-report", Static).update(Text(f"导入失败，数据库未作任何改动：{message}", style="bold red"))

    def _imported(self, text: str, group: str) -> None:
        app = self.app
        app.data_version += 1
        app.notify(text + "（Ctrl+Z 可撤销）", title="已导入", timeout=8)
        app.note_backup()
        app.pop_screen()
        app.reload_groups(group)

    def action_back(self) -> None:
        if self._importing:  # the import is written (or waits its turn): the screen stays until it is done
            self.query_one(StatusLine).say("正在导入，请等它完成（导入后可按 Ctrl+Z 撤销）。")
            return
        steps = self.query_one("#im-steps", ContentSwitcher)
        if steps.current == "im-preview":
            steps.current = "im-browse"
            self.file = None
            self.query_one("#im-tree", FileBrowser).focus()
        else:
            self.app.pop_screen()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "confirm":
            return self.report is not None and bool(getattr(self.report, "changed", False))
        return True
