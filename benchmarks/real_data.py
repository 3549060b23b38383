"""The benchmark's real-shaped division table (issue 17): shaped like the tables offices send (seed 002,
闽清; 临海 and 启东 in ``sample_data/``), deterministic.

``make_real_workbook(path, n_tasks, years=4)`` writes with xlsxwriter:

* a title row and a two-row header: 序号, 工作任务, 年度目标 over ``years`` (2–4) year sub-columns,
  完成时限, 牵头单位, 责任人, 配合单位, 责任人;
* category heading rows spanning the table ("一、健全完善社会保障体系"), every 4–20 tasks;
* tasks of 50–70 characters, some longer, about one in five on two or three lines;
* yearly targets in the real forms (85%, 13.85万, 36张, 全覆盖), some years blank, some tasks none;
* 完成时限 in the real phrasings (2022年12月底前, 长期坚持, 2023年起每年, 2022—2025年 …);
* long unit names (医保中心闽清管理部, 县卫生健康局（县老龄办）) and persons padded with spaces
  ("   刘  琛 "); a joint lead (two units, two persons) in about 5 % of tasks;
* co-operating units: 0–6 a task (mean about 3), one a line, each with its person on the same line
  of the next cell;
* each unit's person(s), as a real table names them (``persons="unit"``): 闽清's table names one person
  per unit on every row of that unit (县民政局 朱志军 on all 11 of its rows, 县住建局 "叶  春" on all 5),
  and its closing note says why — the person is the unit's office holder, replaced by a successor. So a
  unit has one person here, about one unit in seven a second (a successor, on about a third of its rows),
  and one cell in twenty writes the name with a stray space. ``persons="cell"`` draws a person for every
  cell instead, from some 3,000 spellings, as this table did until 2026-12-03: harder than any table
  seen (almost every lead cell and person line differs), kept as a stress case (``--persons cell``).

    python -m benchmarks.real_data OUT.xlsx [N_TASKS] [YEARS] [--persons cell]   # default 10,000, 4, unit
"""

from __future__ import annotations

import random
from pathlib import Path

import xlsxwriter

UNITS = ["县民政局", "县财政局", "县发展和改革局", "县人力资源和社会保障局", "县卫生健康局（县老龄办）", "医保中心闽清管理部",
         "县教育局", "县住房和城乡建设局", "县自然资源和规划局", "县市场监督管理局", "县委宣传部（县融媒体中心）", "县残联",
         "县文体和旅游局", "县农业农村局", "县交通运输局", "县公安局", "县司法局", "县退役军人事务局", "县总工会", "团县委",
         "县妇联", "县消防救援大队", "县统计局", "县科学技术协会", "县数字福建建设领导小组办公室", "县税务局",
         "国网闽清县供电公司", "县城市管理和综合执法局", "县委老干部局", "县红十字会", "各乡（镇）人民政府", "县医院",
         "县中医院", "县疾病预防控制中心", "县应急管理局", "县生态环境局", "县林业局", "县商务局", "县金融服务中心",
         "县委组织部"]
SURNAMES = "陈林黄张李王吴刘蔡杨郑朱余叶毛蒋许何郭"
GIVEN = ["炳云", "淑玲", "志军", "敬铿", "养健", "强", "春", "富声", "琛", "瑞凯", "春芳", "如青", "诗金", "景光", "俊",
         "冰贞", "秀英", "建华", "明", "丽萍"]
CATEGORIES = ["健全完善社会保障体系", "健全养老服务体系", "健全健康支持体系", "推进老年宜居环境建设", "丰富老年精神文化生活",
              "加强老年人权益保障", "发展老龄产业", "强化组织保障"]
OPENINGS = ["推进", "完善", "健全", "加强", "落实", "提升", "开展", "实施", "扩大", "深化"]
SUBJECTS = ["居家社区养老服务网络建设", "城乡居民基本养老保险参保扩面", "医养结合服务体系建设", "老年人家庭医生签约服务",
            "特困人员供养服务设施改造提升", "老年友善医疗机构创建", "养老护理员职业技能培训", "老年大学办学体系",
            "农村幸福院运营管理", "困难老年人家庭适老化改造", "老年助餐服务网络", "长期护理保险制度试点"]
MEASURES = ["，建立工作台账，按季度通报进展情况", "，统筹资金和场地保障，落实属地管理责任", "，完善考核评价办法，纳入年度绩效考评",
            "，鼓励社会力量参与运营，形成可复制可推广的经验做法", "，加强部门协同和信息共享，定期开展督导检查"]
GOALS = ["，到2025年覆盖率达到{p}%以上", "，每年新增服务对象{n}00人以上", "，{y}年底前实现乡镇全覆盖",
         "，参保率稳定在{p}%以上", "，护理型床位占比达到{p}%"]
SECOND_LINES = ["其中：农村地区覆盖率不低于{p}%。", "（具体标准按省、市有关文件执行）", "年度目标完成情况纳入乡镇考评。"]
DEADLINES = ["{y}年12月底前", "{y}年底前", "长期坚持", "持续推进", "{y}年起每年", "2022—2025年", "每年12月底前",
             "{y}年6月30日前", "{y}年年底前", "{y}年{m}月底前", "{y}年第{q}季度", "{y}年{m}月前完成"]
TARGET_FORMS = ["{p}%", "{w}万", "{n}张", "{n}个", "全覆盖", "{p}%以上"]
CN = "一二三四五六七八九十"


def _cn(n: int) -> str:
    if n <= 10:
        return CN[n - 1]
    tens, ones = divmod(n, 10)
    return (CN[tens - 1] if tens > 1 else "") + "十" + (CN[ones - 1] if ones else "")


def _person(rng: random.Random) -> str:
    name = rng.choice(SURNAMES) + rng.choice(GIVEN)
    if len(name) == 2 and rng.random() < 0.7:
        name = name[0] + "  " + name[1]  # 刘  琛: two-character names padded to the width of three
    return " " * rng.choice((0, 0, 1, 3)) + name + " " * rng.choice((0, 0, 1))


def _task_text(rng: random.Random, number: int) -> str:
    p, n, y = rng.randint(60, 98), rng.randint(1, 9), rng.randint(2022, 2025)
    text = rng.choice(OPENINGS) + rng.choice(SUBJECTS) + rng.choice(MEASURES) + rng.choice(GOALS).format(p=p, n=n, y=y)
    if rng.random() < 0.25:
        text += rng.choice(MEASURES)
    text += f"，全年服务老年人{number * 7 + 300}人次。"  # no two tasks alike, as in a real table
    if rng.random() < 0.2:  # about one task in five on two or three lines
        text += "\n" + rng.choice(SECOND_LINES).format(p=p - 10)
        if rng.random() < 0.3:
            text += "\n" + rng.choice(SECOND_LINES).format(p=p - 5)
    return text


CO_COUNTS = (0, 1, 2, 2, 3, 3, 3, 4, 4, 5, 6, 3)  # drawn uniformly: 0–6 units, mean 3


def _unit_persons(rng: random.Random) -> dict[str, list[str]]:
    """Each unit's person as the table writes them, and for about one unit in seven a successor."""
    return {unit: [_person(rng)] + ([_person(rng)] if rng.random() < 0.15 else []) for unit in UNITS}


def make_real_workbook(path: str | Path, n_tasks: int, years: int = 4, seed: int = 17, persons: str = "unit") -> Path:
    """Write the ``n_tasks``-task real-shaped table to ``path`` (.xlsx) and return the path. ``persons``:
    "unit" (each unit its own person, as real tables) or "cell" (a person drawn for every cell)."""
    if not 2 <= years <= 4:
        raise ValueError("years: 2 to 4 yearly target columns")
    if persons not in ("unit", "cell"):
        raise ValueError('persons: "unit" or "cell"')
    path = Path(path)
    rng = random.Random(seed)
    unit_persons = _unit_persons(random.Random(seed + 1))

    def person_of(unit: str) -> str:
        if persons == "cell":
            return _person(rng)
        forms = unit_persons[unit]
        name = forms[1] if len(forms) > 1 and rng.random() < 0.3 else forms[0]
        return name + " " if rng.random() < 0.05 else name

    year_list = list(range(2022, 2022 + years))
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("分工表")
    wrap = wb.add_format({"text_wrap": True, "valign": "vcenter", "border": 1})
    target_col, deadline_col = 2, 2 + years
    lead_col = deadline_col + 1
    last = lead_col + 3
    ws.write(0, 0, "附件1")
    ws.merge_range(1, 0, 1, last, "闽清县老龄事业发展重点任务分工表", wrap)
    header = ["序号", "工作任务"] + [None] * years + ["完成时限", "牵头单位", "责任人", "配合单位", "责任人"]
    for c, text in enumerate(header):
        if text is not None:
            ws.merge_range(2, c, 3, c, text, wrap)
    ws.merge_range(2, target_col, 2, deadline_col - 1, "年度目标", wrap)
    for i, year in enumerate(year_list):
        ws.write(3, target_col + i, f"{year}年", wrap)
    r, task, category = 4, 0, 0
    while task < n_tasks:
        category += 1
        ws.merge_range(r, 0, r, last, f"{_cn(category) if category < 100 else category}、"
                                      f"{CATEGORIES[(category - 1) % len(CATEGORIES)]}", wrap)
        r += 1
        for _ in range(min(rng.randint(4, 20), n_tasks - task)):
            task += 1
            ws.write(r, 0, str(task), wrap)
            ws.write(r, 1, _task_text(rng, task), wrap)
            kind = rng.random()
            filled = (0 if kind < 0.15 else years if kind < 0.75 else rng.randint(1, years - 1))
            form = rng.choice(TARGET_FORMS)
            base = rng.randint(40, 80)
            for i in range(filled):
                ws.write(r, target_col + i, form.format(p=min(base + 5 * i, 100), w=f"{13.5 + 0.2 * i:.2f}",
                                                       n=base // 2 + 2 * i), wrap)
            ws.write(r, deadline_col, rng.choice(DEADLINES).format(y=rng.choice(year_list), m=rng.randint(1, 12),
                                                                  q=rng.randint(1, 4)), wrap)
            leads = rng.sample(UNITS, 2 if rng.random() < 0.05 else 1)
            ws.write(r, lead_col, "\n".join(leads), wrap)
            ws.write(r, lead_col + 1, "\n".join(person_of(unit) for unit in leads), wrap)
            co = rng.sample([u for u in UNITS if u not in leads], rng.choice(CO_COUNTS))
            if co:
                ws.write(r, lead_col + 2, "\n".join(co), wrap)
                ws.write(r, lead_col + 3, "\n".join(person_of(unit) for unit in co), wrap)
            r += 1
    ws.merge_range(r, 0, r, last, "注：责任单位的责任人如遇工作调整和职务变动，由其继任者接替履行职责。", wrap)
    wb.close()
    return path


def main(argv: list[str] | None = None) -> int:
    import sys

    args = list(sys.argv[1:] if argv is None else argv)
    persons = "unit"
    if "--persons" in args:
        at = args.index("--persons")
        persons = args[at + 1] if at + 1 < len(args) else ""
        del args[at:at + 2]
    if not args or persons not in ("unit", "cell"):
        print("usage: python -m benchmarks.real_data OUT.xlsx [N_TASKS] [YEARS] [--persons unit|cell]", file=sys.stderr)
        return 2
    make_real_workbook(args[0], int(args[1]) if len(args) > 1 else 10_000, int(args[2]) if len(args) > 2 else 4,
                       persons=persons)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
