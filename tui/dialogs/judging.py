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


def _weight_or_error(text: str, label: str) -> str | None:
    try:
        value = float(text)
    except ValueError:
        return f"「{label}」应为不小于 0 的数，如 40。"
    if value != value or value < 0 or value == float("inf"):
        return f"「{label}」应为不小于 0 的数，如 40。"
    return None


def judging_settings_dialog(app: Any, group_id: int, review: bool, weights: dict[str, float],
                            done: Any = None) -> None:
    """s: the group's 办结审核 switch and its 考评 weights, saved as one change (``set_judging``)."""
    from models.closing import set_judging
    from models.judging import DEFAULT_WEIGHTS, WEIGHT_LABELS

    def check(v: dict[str, Any]) -> str | None:
        for key in DEFAULT_WEIGHTS:
            error = _weight_or_error(v[key], WEIGHT_LABELS[key])
            if error:
                return error
        return None

    def saved(v: dict[str, Any] | None) -> None:
        if v is None:
            return
        new = {k: float(v[k]) for k in DEFAULT_WEIGHTS}
        app.write(set_judging, group_id, v["review"], new, done=done,
                  message=lambda changed: "已保存办结审核和考评权重　Ctrl+Z 撤销" if changed else "设置没有变化。")

    fields = [Field("review", "办结审核", review, kind="select",
                    options=[("开启：单位报已完成须经办公室销号", True), ("关闭：单位报已完成即办结", False)],
                    hint="开启时，单位报已完成的任务显示“待销号”，在任务页按 k 销号、r 退回。")]
    fields += [Field(key, "逾期扣分" if key == "overdue_penalty" else WEIGHT_LABELS[key], f"{weights[key]:g}",
                     hint="每项逾期扣的分。得分 = 完成率×权重 + 按时完成率×权重 + 按时报送率×权重 − 逾期项数×扣分，"
                          "限定 0–100 分。" if key == "overdue_penalty" else "") for key in DEFAULT_WEIGHTS]
    app.push_screen(FormDialog("办结审核与考评权重", fields, check=check, ok="保存"), saved)


def period_dialog(app: Any, start: date, end: date, rounds: list[Any], done: Any) -> None:
    """The 考评 period: start and end dates, or a reporting round's period (opened to due)."""
    from tui.dialogs.forms import parse_day

    options = [("按下面的日期", 0)] + [
        (f"{r.name}（{r.opened_on or '?'} 至 {r.due or r.closed_on or '今天'}）", r.id) for r in rounds]

    def check(v: dict[str, Any]) -> str | None:
        if v["round"]:
            return None
        error = _date_or_error(v["start"], "开始日期") or _date_or_error(v["end"], "结束日期")
        if error:
            return error
        if not v["start"] or not v["end"]:
            return "请填写开始日期和结束日期（或选择一个报送轮次）。"
        if parse_day(v["start"]) > parse_day(v["end"]):
            return "开始日期晚于结束日期。"
        return None

    def chosen(v: dict[str, Any] | None) -> None:
        if v is None:
            return
        if v["round"]:
            r = next(r for r in rounds if r.id == v["round"])
            done(r.opened_on or start, r.due or r.closed_on or _today(), r.name)
        else:
            done(parse_day(v["start"]), parse_day(v["end"]), "")

    app.push_screen(FormDialog("考评期间", [
        Field("round", "报送轮次", 0, kind="select", options=options, hint="选一个轮次：统计它的开启日至截止日。"),
        Field("start", "开始日期", start.isoformat(), placeholder="年-月-日"),
        Field("end", "结束日期", end.isoformat(), placeholder="年-月-日", hint="不晚于今天；默认今年1月1日至今天。"),
    ], check=check, ok="统计"), chosen)
