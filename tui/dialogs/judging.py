"""The judging dialogs of the task page and the group: 延期 (d), 销号 (k), 退回 (r), and the bulletin's
下步工作要求; each ends in one ``models.closing`` operation through ``app.write``."""

from __future__ import annotations

from datetime import date
from typing import Any

from tui.dialogs.base import Field, FormDialog
from tui.dialogs.forms import _date_or_error, _today
from tui.text import cut


def extension_dialog(app: Any, task_id: int, content: str, current_due: date | None) -> None:
    """d: a new deadline, the reason and the approval date; the original deadline is kept."""
    from models.closing import grant_extension

    def check(v: dict[str, Any]) -> str | None:
        if not v["new_due"]:
            return "请填写延期后的完成时限。"
        error = _date_or_error(v["new_due"], "完成时限") or _date_or_error(v["approved_on"], "批准日期")
        if error:
            return error
        if not v["reason"]:
            return "请写明延期理由。"
        return None

    def done(v: dict[str, Any] | None) -> None:
        if v is None:
            return
        new_due = date.fromisoformat(v["new_due"])
        approved = date.fromisoformat(v["approved_on"]) if v["approved_on"] else None
        app.write(grant_extension, task_id, new_due, v["reason"], approved,
                  message=f"已延期至 {new_due:%Y-%m-%d}：{cut(content, 24)}")

    app.push_screen(FormDialog("延期", [
        Field("new_due", "延期至", "", placeholder="年-月-日，如 2024-12-31",
              hint=f"现在的完成时限：{current_due:%Y-%m-%d}（原时限保留）" if current_due else "现在没有完成时限。"),
        Field("reason", "延期理由", "", kind="text", height=3),
        Field("approved_on", "批准日期", _today().isoformat()),
    ], intro=cut(content, 60), check=check, ok="延期"), done)


def confirm_dialog(app: Any, task_id: int, content: str, claimed: date | None) -> None:
    """k: 销号 — the completion date as confirmed (default: the claimed one)."""
    from models.closing import confirm_closing

    def done(v: dict[str, Any] | None) -> None:
        if v is None:
            return
        on = date.fromisoformat(v["done_on"]) if v["done_on"] else None
        app.write(confirm_closing, task_id, on, message=f"已销号：{cut(content, 30)}")

    app.push_screen(FormDialog("销号", [
        Field("done_on", "完成日期", claimed.isoformat() if claimed else _today().isoformat(),
              hint="按这个日期判断按时完成还是逾期完成。"),
    ], intro=cut(content, 60), check=lambda v: _date_or_error(v["done_on"], "完成日期"), ok="销号"), done)


def return_dialog(app: Any, task_id: int, content: str) -> None:
    """r: 退回 — the reason, which goes into the unit's next form."""
    from models.closing import return_closing

    def done(v: dict[str, Any] | None) -> None:
        if v is not None:
            app.write(return_closing, task_id, v["reason"], message=f"已退回：{cut(content, 30)}")

    app.push_screen(FormDialog("退回", [
        Field("reason", "退回理由", "", kind="text", height=3, hint="会写进该单位下一期的填报表。"),
    ], intro=cut(content, 60), check=lambda v: None if v["reason"] else "请写明退回理由。", ok="退回"), done)


def next_steps_dialog(app: Any, group_id: int, current: str) -> None:
    """The bulletin's 下步工作要求 of the group (one paragraph a line)."""
    from models.closing import set_next_steps

    def done(v: dict[str, Any] | None) -> None:
        if v is not None and v["text"] != current.strip():
            app.write(set_next_steps, group_id, v["text"], message="已保存通报的下步工作要求。")

    app.push_screen(FormDialog("通报：下步工作要求", [
        Field("text", "内容", current, kind="text", height=10, hint="每行一段；清空则恢复默认。"),
    ], ok="保存"), done)
