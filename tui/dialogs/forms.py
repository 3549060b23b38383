"""The edit dialogs, each ending in one ``models.operations`` call through ``app.write``."""

from __future__ import annotations

from datetime import date
from typing import Any

from tui import data
from tui.dialogs.base import Field, FormDialog
from tui.text import cut

NONE = "__none__"
ROLES = ("组长", "常务副组长", "副组长", "成员", "联络员", "办公室主任", "办公室常务副主任", "办公室副主任")


def _today() -> date:
    from models.clock import today

    return today()


def _date_or_error(text: str, label: str) -> str | None:
    if not text:
        return None
    if parse_day(text) is None:
        return f"{label}应写成 年-月-日，如 {_today().isoformat()}、{_today():%Y/%m/%d} 或 {_today():%Y年%m月%d日}。"
    return None


def progress_dialog(app: Any, task_id: int, content: str, units: list[str]) -> None:
    """p: a progress entry (date, unit, text); a task not started becomes 推进中."""
    options = [("（不指定）", NONE)] + [(u, u) for u in dict.fromkeys(units)]

    def check(v: dict[str, Any]) -> str | None:
        if not v["text"]:
            return "请填写进展内容。"
        return _date_or_error(v["on"], "日期")

    def done(v: dict[str, Any] | None) -> None:
        if v is None:
            return
        unit = None if v["unit"] == NONE else v["unit"]
        app.write("record_progress", task_id, v["text"], on=parse_day(v["on"]) if v["on"] else None,
                  unit=unit, message="已记录进展：" + cut(v["text"], 30))

    app.push_screen(FormDialog("记录进展", [
        Field("text", "进展情况", kind="text", height=5, hint="如：已完成调研，形成初稿。"),
        Field("on", "日期", _today().isoformat(), placeholder="年-月-日"),
        Field("unit", "报送单位", NONE, kind="select", options=options),
    ], intro="任务：" + cut(content, 60), check=check, ok="保存"), done)


def new_task_dialog(app: Any, group_id: int) -> None:
    def check(v: dict[str, Any]) -> str | None:
        if not v["content"]:
            return "请填写工作任务。"
        return _date_or_error(v["due"], "截止日期")

    def done(v: dict[str, Any] | None) -> None:
        if v is None:
            return
        fields = _task_fields(v)
        content = fields.pop("content")
        app.write("add_task", group_id, content, **fields, message="已新增任务：" + cut(content, 30))

    app.push_screen(FormDialog("新增任务", _task_form({}), check=check, ok="新增"), done)


def _task_form(v: dict[str, Any]) -> list[Field]:
    return [
        Field("content", "工作任务", v.get("content", ""), kind="text", height=4),
        Field("category", "类别", v.get("category", ""), placeholder="如：健全完善社会保障体系"),
        Field("category_number", "类别序号", v.get("category_number", ""), placeholder="如：一"),
        Field("number", "任务序号", v.get("number", ""), placeholder="如：（三） 或 12"),
        Field("deadline", "完成时限", v.get("deadline", ""), placeholder="按原文，如：2023年12月底前、长期坚持",
              hint="截止日期不填时，从完成时限读出（读不出的如“长期坚持”就没有截止日期）。"),
        Field("due", "截止日期", v.get("due", ""), placeholder="年-月-日（或 2026/12/20、2026年12月20日），可不填"),
        Field("notes", "备注", v.get("notes", ""), kind="text", height=3),
    ]


def _task_fields(v: dict[str, Any]) -> dict[str, Any]:
    from models.due_dates import due_for

    due = due_for(v["deadline"], parse_day(v["due"]) if v["due"] else None)
    return {"content": v["content"], "category": v["category"] or None,
            "category_number": v["category_number"] or None, "number": v["number"] or None,
            "deadline": v["deadline"] or None, "due": due, "notes": v["notes"] or None}


def edit_task_dialog(app: Any, detail: data.TaskDetail) -> None:
    t = detail.task
    before = {"content": t.content, "category": t.category or "", "category_number": t.category_number or "",
              "number": t.number or "", "deadline": t.deadline or "", "due": t.due.isoformat() if t.due else "",
              "notes": detail.notes or ""}

    def check(v: dict[str, Any]) -> str | None:
        if not v["content"]:
            return "工作任务内容不能为空。"
        return _date_or_error(v["due"], "截止日期")

    def done(v: dict[str, Any] | None) -> None:
        if v is None:
            return
        if v["deadline"] != before["deadline"] and v["due"] == before["due"]:
            v["due"] = ""  # the deadline changed: read the date from the new text
        new = _task_fields(v)
        old = _task_fields(before)
        changed = {k: value for k, value in new.items() if value != old[k]}
        if not changed:
            app.notify("没有修改。")
            return
        app.write("edit_task", t.id, **changed, expected={k: before[k] for k in changed}, message="已保存任务的修改。")

    app.push_screen(FormDialog("修改任务", _task_form(before), check=check, ok="保存"), done)


def status_dialog(app: Any, task_id: int, current: str) -> None:
    def done(v: dict[str, Any] | None) -> None:
        if v is None or v["status"] == current:
            return
        app.write("set_status", task_id, v["status"], expected={"status": current},
                  message=f"状态已改为：{v['status']}")

    app.push_screen(FormDialog("修改状态", [
        Field("status", "状态", current, kind="select", options=[(s, s) for s in ("未启动", "推进中", "已完成")],
              hint="改为“已完成”时完成日期记为今天。"),
    ], ok="保存"), done)


def target_dialog(app: Any, task_id: int, row: data.TargetRow | None, years: list[int]) -> None:
    """A year's target and the value actually reached (two operations when both change)."""
    default_year = row.year if row else (max(years) + 1 if years else _today().year)
    before = (row.target, row.actual or "") if row else ("", "")

    def check(v: dict[str, Any]) -> str | None:
        if not v["year"].isdigit() or not 1900 < int(v["year"]) < 2200:
            return "年度应是四位数字，如 2024。"
        return None

    def done(v: dict[str, Any] | None) -> None:
        if v is None:
            return
        year = int(v["year"])
        same_row = row is not None and year == row.year  # what the user saw of this year's row
        if row is None or v["target"] != before[0] or year != row.year:
            app.write("set_target", task_id, year, v["target"], expected={"target": before[0] if same_row else ""},
                      message=f"已保存 {year} 年目标。")
        if v["actual"] != (before[1] if same_row else ""):
            app.write("record_actual", task_id, year, v["actual"] or None,
                      expected={"actual": before[1] if same_row else ""}, message=f"已记录 {year} 年完成值。")

    app.push_screen(FormDialog("年度目标与完成值", [
        Field("year", "年度", str(default_year)),
        Field("target", "目标", before[0], placeholder="如：参保率达到90%"),
        Field("actual", "完成值", before[1], placeholder="实际达到的数值，可不填"),
    ], check=check, ok="保存"), done)


def member_dialog(app: Any, group_id: int, member: data.MemberRow | None = None, *, position: int | None = None,
                  unit_names: list[str] = ()) -> None:
    """Add a member (at ``position``) or edit one."""
    before = {"name": member.name, "role": member.role, "unit": member.unit or "", "title": member.title or "",
              "phone": member.phone or ""} if member else {"name": "", "role": "成员", "unit": "", "title": "",
                                                           "phone": ""}
    roles = list(ROLES) if before["role"] in ROLES else [before["role"], *ROLES]

    def check(v: dict[str, Any]) -> str | None:
        return None if v["name"] else "请填写姓名。"

    def done(v: dict[str, Any] | None) -> None:
        if v is None:
            return
        if member is None:
            app.write("add_member", group_id, v["name"], role=v["role"], unit=v["unit"] or None,
                      title=v["title"] or None, phone=v["phone"] or None, position=position,
                      message=f"已新增{v['role']}：{v['name']}")
            return
        changed = {k: (v[k] or None) for k in before if v[k] != before[k]}
        if not changed:
            app.notify("没有修改。")
            return
        app.write("edit_member", member.id, **changed, message=f"已保存：{v['name']}")

    app.push_screen(FormDialog("修改成员" if member else "新增成员", [
        Field("name", "姓名", before["name"]),
        Field("role", "角色", before["role"], kind="select", options=[(r, r) for r in roles]),
        Field("unit", "单位", before["unit"], suggestions=unit_names, placeholder="输入时会提示已有单位，→ 补全"),
        Field("title", "职务", before["title"], placeholder="如：副局长"),
        Field("phone", "电话", before["phone"]),
    ], intro=("改名后，此人未完成任务上的责任人姓名一并修改。" if member else
              f"将加在第 {position} 位（可在列表中用 [ ] 调整顺序）。" if position else ""), check=check, ok="保存"),
        done)


def rename_unit_dialog(app: Any, unit_id: int, name: str) -> None:
    def check(v: dict[str, Any]) -> str | None:
        if not v["name"]:
            return "请填写新名称。"
        if v["name"] == name:
            return "新名称与原名称相同。"
        return None

    def done(v: dict[str, Any] | None) -> None:
        if v is not None:
            app.write("rename_unit", unit_id, v["name"], message=f"已改名：{name} → {v['name']}（原名保留为别名）")

    app.push_screen(FormDialog("单位改名", [Field("name", "新名称", name)],
                               intro=f"原名称「{name}」将保留为别名，以后导入的表格中写原名称也能对应上。",
                               check=check, ok="改名"), done)


def alias_dialog(app: Any, unit_id: int, name: str) -> None:
    def done(v: dict[str, Any] | None) -> None:
        if v is not None and v["alias"]:
            app.write("add_alias", unit_id, v["alias"], message=f"已为「{name}」增加别名：{v['alias']}")

    app.push_screen(FormDialog("增加别名", [Field("alias", "别名", "", placeholder="如：县卫计局")],
                               intro=f"给「{name}」增加一个别名：导入时写别名的单位会对应到「{name}」。", ok="增加"),
                    done)


def duty_dialog(app: Any, group_id: int, unit: str, text: str | None) -> None:
    def done(v: dict[str, Any] | None) -> None:
        if v is None:
            return
        if v["text"] == (text or "").strip():
            app.notify("没有修改。")
            return
        if not v["text"]:
            from tui.dialogs.base import ConfirmDialog

            def confirmed(ok: bool | None) -> None:
                if ok:
                    app.write("set_duty", group_id, unit, "", message=f"已删除「{unit}」的工作职责。")

            app.push_screen(ConfirmDialog("删除职责", f"内容为空：删除「{unit}」在本领导小组的工作职责？", ok="删除",
                                          danger=True), confirmed)
            return
        app.write("set_duty", group_id, unit, v["text"], message=f"已保存「{unit}」的工作职责。")

    app.push_screen(FormDialog(f"工作职责：{unit}", [Field("text", "职责", text or "", kind="text", height=12)],
                               ok="保存"), done)


def group_dialog(app: Any) -> None:
    def check(v: dict[str, Any]) -> str | None:
        if not v["name"]:
            return "请填写领导小组名称。"
        if any(g.name == v["name"] for g in app.groups):
            return "已有同名的领导小组。"
        return None

    def done(v: dict[str, Any] | None) -> None:
        if v is not None:
            app.write("create_group", v["name"], doc_number=v["doc"] or None, host_unit=v["host"] or None,
                      message=f"已新建领导小组：{v['name']}", done=lambda _: app.reload_groups(v["name"]),
                      reload=False)

    app.push_screen(FormDialog("新建领导小组", [
        Field("name", "名称", "", placeholder="如：某县老龄工作委员会"),
        Field("doc", "文号", "", placeholder="如：启政办发〔2023〕32号，可不填"),
        Field("host", "办公室设在", "", placeholder="单位名称，可不填"),
    ], check=check, ok="新建"), done)


def edit_group_dialog(app: Any, group: data.GroupInfo) -> None:
    """e in the group list: the group's name, 文号 and the unit hosting its office."""
    before = {"name": group.name, "doc": group.doc_number or "", "host": group.host_unit or ""}

    def check(v: dict[str, Any]) -> str | None:
        if not v["name"]:
            return "请填写领导小组名称。"
        if any(g.name == v["name"] and g.id != group.id for g in app.groups):
            return "已有同名的领导小组。"
        return None

    def done(v: dict[str, Any] | None) -> None:
        if v is None:
            return
        keys = {"name": "name", "doc": "doc_number", "host": "host_unit"}
        changed = {keys[k]: v[k] for k in before if v[k] != before[k]}
        if not changed:
            app.notify("没有修改。")
            return
        app.write("edit_group", group.id, **changed, message=f"已保存领导小组：{v['name']}",
                  done=lambda _: app.reload_groups(v["name"]), reload=False)

    app.push_screen(FormDialog("修改领导小组", [
        Field("name", "名称", before["name"]),
        Field("doc", "文号", before["doc"], placeholder="如：启政办发〔2023〕32号，可不填"),
        Field("host", "办公室设在", before["host"], placeholder="单位名称，可不填"),
    ], check=check, ok="保存"), done)


def parse_day(text: str) -> date | None:
    """A date as an office writes it: 2026-12-20, 2026/12/20, 2026.12.20, 2026年12月20日 (None if not one)."""
    import re

    m = re.fullmatch(r"\s*(\d{4})\s*(?:[-/.．／]|年)\s*(\d{1,2})\s*(?:[-/.．／]|月)\s*(\d{1,2})\s*[日号]?\s*", text or "")
    if not m:
        return None
    try:
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


def done_dialog(app: Any, task_id: int, content: str, done_on: date | None) -> None:
    """w: tick done on a date (default today) — or, for a done task, correct its completion date."""

    def check(v: dict[str, Any]) -> str | None:
        return _date_or_error(v["on"], "完成日期") or (None if v["on"] else "请填写完成日期。")

    def done(v: dict[str, Any] | None) -> None:
        if v is None:
            return
        on = parse_day(v["on"])
        if done_on is None:
            app.write("tick", task_id, seen_done=False, on=on, message=f"已完成（{on.isoformat()}）：" + cut(content, 30))
        elif on != done_on:
            app.write("set_done_on", task_id, on, message=f"完成日期已改为 {on.isoformat()}")

    app.push_screen(FormDialog("完成日期" if done_on else "标为已完成", [
        Field("on", "完成日期", (done_on or _today()).isoformat(), placeholder="年-月-日",
              hint="办结的实际日期（可以早于今天）；按时与否以它和截止日期比较。"),
    ], intro="任务：" + cut(content, 60), check=check, ok="保存"), done)


def edit_progress_dialog(app: Any, task_id: int, entry: data.ProgressRow, units: list[str]) -> None:
    """Enter on a progress entry: its text, date and unit."""
    options = [("（不指定）", NONE)] + [(u, u) for u in dict.fromkeys([*units, *([entry.unit] if entry.unit else [])])]

    def check(v: dict[str, Any]) -> str | None:
        if not v["text"]:
            return "进展内容不能为空；要删掉这条进展，请在列表中按 Del。"
        return _date_or_error(v["on"], "日期")

    def done(v: dict[str, Any] | None) -> None:
        if v is None:
            return
        changed: dict[str, Any] = {}
        if v["text"] != entry.text:
            changed["text"] = v["text"]
        on = parse_day(v["on"])
        if on != entry.on:
            changed["on"] = on
        unit = "" if v["unit"] == NONE else v["unit"]
        if unit != (entry.unit or ""):
            changed["unit"] = unit
        if not changed:
            app.notify("没有修改。")
            return
        app.write("edit_progress", entry.id, **changed, message="已保存进展的修改。")

    app.push_screen(FormDialog("修改进展", [
        Field("text", "进展情况", entry.text, kind="text", height=5),
        Field("on", "日期", entry.on.isoformat() if entry.on else "", placeholder="年-月-日"),
        Field("unit", "报送单位", entry.unit or NONE, kind="select", options=options),
    ], check=check, ok="保存"), done)


def deadline_dialog(app: Any, task_ids: list[int], done: Any = None) -> None:
    """d with tasks marked: one deadline for all of them."""
    after = done

    def done(v: dict[str, Any] | None) -> None:
        if v is None:
            return
        app.write("bulk_set_deadline", task_ids, v["deadline"], done=after,
                  message=lambda n: f"已修改 {n} 项任务的完成时限　Ctrl+Z 一次撤销")

    app.push_screen(FormDialog("完成时限", [
        Field("deadline", "完成时限", "", placeholder="按原文，如：2024年6月底前、2026年12月20日",
              hint="截止日期从完成时限读出（读不出的如“长期坚持”就没有截止日期）。"),
    ], intro=f"给{'标记的 ' if len(task_ids) > 1 else ''}{len(task_ids)} 项任务设完成时限（Ctrl+Z 可一次撤销）。",
        ok="保存"), done)
