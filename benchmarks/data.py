"""The benchmark's data: a realistic large division table (重点任务分工表), deterministic.

``make_division_workbook(path, n_tasks)`` writes, with xlsxwriter, a table laid out like seed 002:
title rows, a two-row header with per-year target sub-columns under 年度目标, a 完成时限 column,
categories (ten tasks each) merged down beside their 序号, and multi-line unit cells with one
person per line (some with fewer persons than units). Task texts are about 70 characters of
Chinese, as in real tables. The same ``n_tasks`` always gives the same cells.

    python -m benchmarks.data OUT.xlsx [N_TASKS]     # default 10,000
"""

from __future__ import annotations

from pathlib import Path

import xlsxwriter

UNITS = ["县发改局", "县财政局", "县民政局", "县人社局", "县卫健局", "县教育局", "县住建局", "县残联", "县医保局",
         "县文旅局", "县委宣传部", "各乡（镇）", "县自然资源局", "县农业农村局", "县市场监管局"]
PERSONS = ["毛炳云", "陈淑玲", "朱志军", "黄敬铿", "余养健", "刘  强", "叶  春", "黄富声", "刘  琛", "蒋瑞凯",
           "刘春芳", "各乡（镇）长", "陈如青", "林诗金", "张景光"]
CN = "一二三四五六七八九十"
YEARS = (2023, 2024, 2025)
TASKS_PER_CATEGORY = 10


def _cn(n: int) -> str:
    if n <= 10:
        return CN[n - 1]
    tens, ones = divmod(n, 10)
    return (CN[tens - 1] if tens > 1 else "") + "十" + (CN[ones - 1] if ones else "")


def make_division_workbook(path: str | Path, n_tasks: int) -> Path:
    """Write the ``n_tasks``-task table to ``path`` (.xlsx) and return the path."""
    path = Path(path)
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": False})
    ws = wb.add_worksheet("分工表")
    wrap = wb.add_format({"text_wrap": True, "valign": "vcenter", "border": 1})
    ws.write(0, 0, "附件1")
    ws.merge_range(1, 0, 1, 10, "某县老龄工作重点任务分工表", wrap)
    top = ["序号", "项目名称", "工作任务", "年度目标", None, None, "完成时限", "牵头单位", "责任人", "配合单位", "责任人"]
    for c, text in enumerate(top):
        if c in (3, 4, 5):
            continue
        ws.merge_range(2, c, 3, c, text, wrap)
    ws.merge_range(2, 3, 2, 5, "年度目标", wrap)
    for i, year in enumerate(YEARS):
        ws.write(3, 3 + i, f"{year}年", wrap)
    r = 4
    task = 0
    category = 0
    while task < n_tasks:
        category += 1
        first = r
        for k in range(min(TASKS_PER_CATEGORY, n_tasks - task)):
            task += 1
            odd = "(含乡镇\u00a0敬老院)" if task % 3 == 0 else ""
            ws.write(r, 2, f"（{_cn(k + 1)}）第{task}项任务：推进养老服务体系建设{odd}，完善居家社区机构相协调、医养康养相结合的"
                           f"养老服务体系，到2025年养老机构护理型床位占比达到{50 + task % 40}%以上", wrap)
            for i in range(3):
                ws.write(r, 3 + i, f"{40 + task % 20 + 5 * i}%", wrap)
            ws.write(r, 6, f"{YEARS[task % 3]}年{1 + task % 12}月底前" if task % 5 else "长期坚持", wrap)
            lead = UNITS[task % len(UNITS)]
            ws.write(r, 7, lead, wrap)
            ws.write(r, 8, PERSONS[task % len(PERSONS)], wrap)
            co = [UNITS[(task + j) % len(UNITS)] for j in range(1, 4)]
            persons = [PERSONS[(task + j) % len(PERSONS)] for j in range(1, 4 if task % 4 else 3)]
            ws.write(r, 9, "\n".join(co), wrap)
            ws.write(r, 10, "\n".join(persons), wrap)
            r += 1
        number, name = _cn(category) if category < 100 else str(category), f"第{category}类重点工作\n体系建设"
        if r - 1 > first:
            ws.merge_range(first, 0, r - 1, 0, number, wrap)
            ws.merge_range(first, 1, r - 1, 1, name, wrap)
        else:
            ws.write(first, 0, number, wrap)
            ws.write(first, 1, name, wrap)
    ws.merge_range(r, 0, r, 10, "注：责任单位的责任人如遇工作调整和职务变动，由其继任者接替履行职责。", wrap)
    wb.close()
    return path


def main(argv: list[str] | None = None) -> int:
    import sys

    args = sys.argv[1:] if argv is None else argv
    if not args:
        print("usage: python -m benchmarks.data OUT.xlsx [N_TASKS]", file=sys.stderr)
        return 2
    make_division_workbook(args[0], int(args[1]) if len(args) > 1 else 10_000)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
