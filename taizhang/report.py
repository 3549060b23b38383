"""How an import's report reads on the command line (the TUI shows the same facts in its preview)."""

from __future__ import annotations

from importers.load import ImportReport

_WHAT = {"tasks": ("任务", "项"), "roster": ("成员", "人"), "duties": ("成员单位职责", "条")}
_LIST_LIMIT = 40
_CHANGE_LIMIT = 200


def _listing(items: list[str], marked: set[str] = frozenset()) -> str:
    shown = [f"{x}（新）" if x in marked else x for x in items[:_LIST_LIMIT]]
    more = f" 等 {len(items)} 个" if len(items) > _LIST_LIMIT else ""
    return "、".join(shown) + more


def format_report(report: ImportReport, reading: str | None = None) -> str:
    """``reading``: how the file was read, when it says more than its kind (``TaskTable.reading``)."""
    what, measure = _WHAT[report.kind]
    total = report.added + report.updated + report.unchanged
    lines = [
        f"文件「{report.source}」→ 领导小组「{report.group}」" + ("（新建）" if report.group_is_new else ""),
        *([reading] if reading else []),
        f"{what}：{total} {measure}（新增 {report.added}，更新 {report.updated}，未变 {report.unchanged}）",
    ]
    if report.categories:
        lines.append(f"类别（{len(report.categories)}）：{_listing(report.categories)}")
    if report.units:
        lines.append(f"单位（{len(report.units)}，其中新单位 {len(report.new_units)}）：{_listing(report.units, set(report.new_units))}")
    if report.persons and report.kind != "roster":
        lines.append(f"责任人（{len(report.persons)}）：{_listing(report.persons)}")
    if report.changes:
        lines.append(f"将要修改的内容（{len(report.changes)} 处）：" if report.dry_run else
                     f"修改的内容（{len(report.changes)} 处）：")
        lines += [f"  - {c.what}｜{c.field}：{c.before} → {c.after}" for c in report.changes[:_CHANGE_LIMIT]]
        if len(report.changes) > _CHANGE_LIMIT:
            lines.append(f"  …… 另有 {len(report.changes) - _CHANGE_LIMIT} 处")
    if report.conflicts:
        kept = sum(c.taken == "ledger" for c in report.conflicts)
        lines.append(f"冲突（{len(report.conflicts)}，文件和台账都改了同一处：保留台账 {kept}，"
                     f"采用文件 {len(report.conflicts) - kept}）：")
        lines += [f"  ! {c.what}｜{c.field}：台账「{c.ledger}」，文件「{c.file}」→ "
                  + ("采用文件" if c.taken == "file" else "保留台账") for c in report.conflicts]
        if kept:
            lines.append("  （要采用文件中的值：命令行加 --prefer file，或在界面的导入预览中逐条选择）")
    if report.successors:
        lines.append(f"名单中已被替换的成员（{len(report.successors)}，由接任者继续担任，未重新添加）："
                     + "、".join(report.successors))
    if report.deleted_kept:
        lines.append(f"已在台账中删除、文件中仍有的{what}（{len(report.deleted_kept)}，文件未改动，未重新导入）：")
        lines += [f"  - {m}" for m in report.deleted_kept[:_LIST_LIMIT]]
    if report.cancelled_kept:
        lines.append(f"已在台账中取消、文件中仍有的{what}（{len(report.cancelled_kept)}，保持已取消）：")
        lines += [f"  - {m}" for m in report.cancelled_kept[:_LIST_LIMIT]]
    if report.missing:
        lines.append(f"台账中有、文件中没有的{what}（{len(report.missing)}，已保留，未删除）：")
        lines += [f"  - {m}" for m in report.missing[:_LIST_LIMIT]]
    if report.warnings:
        lines.append(f"提示（{len(report.warnings)}）：")
        lines += [f"  - {w}" for w in report.warnings]
    lines.append("试运行：以上内容未写入数据库。" if report.dry_run else
                 ("已写入数据库。" if report.changed else "与数据库中已有内容相同，没有改动。"))
    return "\n".join(lines)
