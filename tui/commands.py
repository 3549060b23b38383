"""The command palette (ctrl+p): every action of where you are and every global one, found by
words or by pinyin initials (dc → 导出)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from rich.text import Text
from textual.command import DiscoveryHit, Hit, Hits, Provider


class TaizhangCommands(Provider):
    def _commands(self) -> list[tuple[str, Callable[[], object], str]]:
        from tui.app import AREAS
        from tui.dialogs.help import AREA_TITLES

        app = self.app
        screen = self.screen
        out: list[tuple[str, Callable[[], object], str]] = []
        seen: set[str] = set()

        def add(title: str, run: Callable[[], object], help_text: str = "") -> None:
            if title not in seen:
                seen.add(title)
                out.append((title, run, help_text))

        area = AREA_TITLES.get(type(screen).__name__, "")
        actives = [a for a in screen.active_bindings.values()
                   if a.node is not app and any(ord(c) > 127 for c in a.binding.description or "")
                   and not a.binding.action.startswith("app.")]
        actives.sort(key=lambda a: a.node is not screen)  # the area's own actions before the list's moves
        for active in actives:
            binding = active.binding
            key = app.get_key_display(binding)
            add(f"{area}：{binding.description}" if area else binding.description,
                partial(app.run_action, binding.action, active.node),
                f"按键 {key}" + (f" — {binding.tooltip}" if binding.tooltip else ""))
        for mode, (key, title) in AREAS.items():
            add(f"转到{title}", partial(app.run_action, f"area('{mode}')"), f"按键 {key}")
        add("导入文件…", partial(app.run_action, "import_file"), "按键 i — 分工表、成员名单或成员单位职责，先预览再写入")
        add("导出报表…", partial(app.run_action, "export"),
            "按键 x — 分工表、进展情况表、逾期督办清单、成员名单（Excel），或全部数据（JSON）")
        from tui.screens.assessment import open_assessment, open_settings

        add("考评：各单位得分与排名…", partial(open_assessment, app), "总览中按键 a — 可选期间，Enter 看单位的任务，x 导出考评表")
        add("办结审核与考评权重…", partial(open_settings, app), "总览中按键 s — 单位报已完成是否须销号；考评得分的权重")
        add("撤销上一步修改", partial(app.run_action, "undo"), "按键 Ctrl+Z")
        add("重做（撤销之后）", partial(app.run_action, "redo"), "按键 Ctrl+Y — 重做刚才撤销的修改")
        add("备份与恢复…", partial(app.run_action, "backups"), "按键 b — 查看备份，从备份恢复")
        if app.reader is not None:
            add("立即备份", app.backup_now, "备份到数据库旁的 backups 文件夹")
        add("操作记录…", partial(app.run_action, "history"), "按键 j — 每一次修改的时间、内容和修改前后；可导出 Excel")
        add("切换领导小组…", partial(app.run_action, "switch_group"), "按键 g")
        add("新建领导小组…", app.new_group, "")
        for group in app.groups:
            if app.group is None or group.id != app.group.id:
                add(f"切换到领导小组：{group.name}", partial(app.choose_group, group), "")
        add("帮助：本页的按键", partial(app.run_action, "help"), "按键 ? 或 F1")
        add("退出", partial(app.run_action, "quit"), "按键 Ctrl+Q")
        return out

    async def discover(self) -> Hits:
        for title, run, help_text in self._commands():
            yield DiscoveryHit(title, run, help=help_text)

    async def search(self, query: str) -> Hits:
        from models.search import initials

        matcher = self.matcher(query)
        letters = query.strip().lower()
        for title, run, help_text in self._commands():
            score = matcher.match(title)
            shown: Text | str = matcher.highlight(title) if score > 0 else title
            if score <= 0 and letters.isascii() and letters.isalpha():
                found = initials(title)
                if letters in found:
                    score = (0.6 if found.startswith(letters) else 0.5) + len(letters) / 100
            if score > 0:
                yield Hit(score, shown, run, help=help_text)


def palette(placeholder: str):
    """Textual's command palette, saying "没有找到" instead of "No matches found"."""
    from rich.align import Align
    from textual.command import CommandList, CommandPalette
    from textual.widgets.option_list import Option

    class Palette(CommandPalette):
        def _start_no_matches_countdown(self, search_value: str) -> None:
            self._stop_no_matches_countdown()

            def show() -> None:
                if search_value:
                    self.query_one(CommandList).add_option(Option(
                        Align.center(Text("没有找到这个操作", style="not bold")), disabled=True,
                        id=self._NO_MATCHES))
                    self._list_visible = True
                else:
                    self._list_visible = False

            self._no_matches_timer = self.set_timer(self._NO_MATCHES_COUNTDOWN, show)

    return Palette(id="--command-palette", placeholder=placeholder)
