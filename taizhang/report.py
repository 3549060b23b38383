"""How an import's report reads on the command line (the TUI shows the same facts in its preview)."""

from __future__ import annotations

from importers.load import ImportReport

_WHAT = {"tasks": ("任务", "项"), "roster": ("成员", "人"), "duties": ("成员单位职责", "条")}
_LIST_LIMIT = 40


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
    if report.missing:
        lines.append(f"台账中有、文件中没有的{what}（{len(report.missing)}，已保留，未删除）：")
        lines += [f"  - {m}" for m in report.missing[:_LIST_LIMIT]]
    if report.warnings:
        lines.append(f"提示（{len(report.warnings)}）：")
        lines += [f"  - {w}" for w in report.warnings]
    lines.append("试运行：以上内容未写入数据库。" if report.dry_run else
                 ("已写入数据库。" if report.changed else "与数据库中已有内容相同，没有改动。"))
    return "\n".join(lines)
