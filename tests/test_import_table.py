"""Table understanding (importers.table): the sample files with exact expectations, and the
variants an office produces, built here as real .xlsx files."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

import pytest
from data.builders import write_xlsx
from hypothesis import example, given, settings
from hypothesis import strategies as st
from data.tables import DIVISION_EXPECTED, DIVISION_MERGES, DIVISION_NOTE, DIVISION_ROWS

from importers.normalize import clean_sentence
from importers.records import ImportRefused, TaskTable
from importers.table import UnitReader, read_task_table, sentence

SAMPLES = Path(__file__).resolve().parent.parent / "sample_data"


def units(refs):
    return [(r.unit, r.person) for r in refs]


def targets(task):
    return [(t.year, t.target) for t in task.targets]


def by_content(table: TaskTable, start: str):
    found = [t for t in table.tasks if t.content.startswith(start)]
    assert len(found) == 1, [t.content for t in table.tasks]
    return found[0]


def warnings_text(table: TaskTable) -> str:
    return "\n".join(str(w) for w in table.warnings)


# --- sample_data ----------------------------------------------------------------------------------

CO_9 = [("县发改局", "毛炳云"), ("县国土局", "陈如青"), ("县规管办", "林诗金"), ("县财政局", "陈淑玲"),
        ("县消防大队", "李俊"), ("县卫计局", "余养健"), ("县人社局", "黄敬铿"), ("医保中心闽清管理部", "刘琛")]
CAI_XIANG = [("县财政局", None), ("各乡（镇）", None)]
XIANG = [("各乡（镇）", "各乡（镇）长")]
T3 = lambda a, b, c: [(2018, a), (2019, b), (2020, c)]  # noqa: E731

# (category_number, category, number, content start, lead, co, unpaired, targets)
MINQING = [
    ("一", "健全完善社会保障体系", "（一）", "基本养老保险参保率达到90%", [("县人社局", "黄敬铿")], CAI_XIANG, ["陈淑玲"], T3("85%", "88%", "90%")),
    ("一", "健全完善社会保障体系", "（二）", "城乡居民基本养老保险参保人数达到14.2万人", [("县人社局", "黄敬铿")], CAI_XIANG, ["陈淑玲"],
     T3("13.85万", "14.02万", "14.2万")),
    ("一", "健全完善社会保障体系", "（三）", "城镇职工基本养老保险参保人数达到2.54万人", [("县人社局", "黄敬铿")], CAI_XIANG, ["陈淑玲"],
     T3("2.41万", "2.47万", "2.54万")),
    ("一", "健全完善社会保障体系", "（四）", "城乡居民基本医疗保险参保人数达到26万人", [("医保中心闽清管理部", "刘琛")], CAI_XIANG,
     ["陈淑玲"], T3("25.74万", "25.86万", "26万")),
    ("一", "健全完善社会保障体系", "（五）", "基本医疗保险参保率保持在95%以上", [("医保中心闽清管理部", "刘琛")], CAI_XIANG,
     ["陈淑玲"], T3("90%", "93%", "95&")),
    ("一", "健全完善社会保障体系", "（六）", "80周岁以上老年人享受高龄津贴的乡（镇）比例100%", [("县老龄办", "吴冰贞")],
     [("各乡（镇）", "各乡镇长")], [], T3("100%", "100%", "100%")),
    (None, "健全养老服务体系", "（一）", "每千名老年人拥有养老床位数36张以上", [("县民政局", "朱志军")], CO_9, [], T3("28张", "32张", "36张")),
    (None, "健全养老服务体系", "（二）", "政府运营的养老床位占比<30%", [("县民政局", "朱志军")], XIANG, [], T3("30%", "50%", "100%")),
    (None, "健全养老服务体系", "（三）", "至2019年全县建成16个居家社区养老服务照料中心", [("县民政局", "朱志军")], XIANG, [],
     T3("9个", "16个", "16个")),
    (None, "健全养老服务体系", "（四）", "乡镇敬老院床位使用率65%", [("县民政局", "朱志军")], XIANG, [], T3("63%", "65%", "65%")),
    (None, "健全养老服务体系", "（五）", "建制村养老服务设施覆盖率达80%以上", [("县民政局", "朱志军")], XIANG, [], T3("56%", "70%", "80%")),
    ("三", "健全健康支持体系", "（一）", "护理型养老床位占比50％以上", [("县民政局", "朱志军")], CO_9, [], T3("50%", "50%", "50%")),
    ("三", "健全健康支持体系", "（二）", "居家社区养老服务照料中心与医疗机构签约服务达100%", [("县民政局", "朱志军")],
     [("县卫计局", "余养健"), ("各乡（镇）", "各乡（镇）长")], [], T3("56%", "100%", "100%")),
    ("三", "健全健康支持体系", "（三）", "新建公共设施和养老场所无障碍率达到100%", [("县住建局", "叶春")],
     [("县民政局", "朱志军"), ("县规管办", "林诗金"), ("县残联", "黄富声")], [], T3("100%", "100%", "100%")),
    ("四", "推进老年宜居环境建设", None, "完善老年宜居环境建设评价标准体系，开展“老年宜居社区”建设示范行动", [("县住建局", "叶春")],
     [("县残联", "黄富声"), ("各乡（镇）", "各乡（镇）长")], [],
     T3("城市社区达50%\n农村社区达30%", "城市社区达70%\n农村社区达45%", "城市社区达80%\n农村社区达60%")),
    ("五", "丰富老年人精神文化生活", "（一）", "经常性参与教育活动的老年人口比例30%以上", [("县教育局", "刘强")],
     [("县委老干局", "刘守云"), ("县老龄办", "吴冰贞")], [], T3("15%", "25%", "30%")),
    ("五", "丰富老年人精神文化生活", "（二）", "探索“养、医、体、文”等场所与老年人学习场所的结合", [("县教育局", "刘强")],
     [("县民政局", "朱志军"), ("县卫计局", "余养健"), ("县科技文体局", "蒋瑞凯"), ("县委宣传部", "刘春芳"), ("县委老干局", "刘守云")],
     [], []),
    ("五", "丰富老年人精神文化生活", "（三）", "经常性参与体育活动的老年人口比例75%以上", [("县科技文体局", "蒋瑞凯")],
     [("县老体协", "张景光")], [], T3("71%", "73%", "75%")),
    ("五", "丰富老年人精神文化生活", "（四）", "老年人人均体育场地面积达到2.5平方米", [("县科技文体局", "蒋瑞凯")], CO_9[:3], [],
     T3("2.43平方米", "2.46平方米", "2.5平方米")),
    ("六", "扩大老年人社会参与", "（一）", "城市社区老年协会创建率100%", [("县老龄办", "吴冰贞")],
     [("梅城镇", "江茂周"), ("县民政局", "朱志军")], [], T3("50%", "70%", "100%")),
    ("六", "扩大老年人社会参与", "（二）", "农村社区老年协会创建率95%以上", [("县老龄办", "吴冰贞")],
     [("各乡（镇）", "各乡（镇）长"), ("县民政局", "朱志军")], [], T3("80%", "90%", "95%")),
    ("六", "扩大老年人社会参与", "（三）", "村（社区）老体协建协率95%", [("县科技文体局", "蒋瑞凯")],
     [("各乡（镇）", "各乡（镇）长"), ("县民政局", "朱志军")], [], T3("85%", "90%", "95%")),
    ("六", "扩大老年人社会参与", "（四）", "老年人志愿者注册人数占常住老年人口比例12%以上", [("县民政局", "朱志军")],
     [("县委文明办", "刘艳云"), ("各乡（镇）", "各乡（镇）长")], [], T3("5%", "10%", "12%")),
    ("七", "强化保障措施", "（一）", "同级福利彩票公益金本级留存部分用于发展养老服务的比例达80%以上", [("县财政局", "陈淑玲")],
     [("县民政局", "朱志军")], [], T3("100%", "100%", "100%")),
    ("七", "强化保障措施", "（二）", "在养老服务、医养结合、科技助老等重点领域", [("县人社局", "黄敬铿")],
     [("县民政局", "朱志军"), ("县卫计局", "余养健"), ("县科技文体局", "蒋瑞凯"), ("县教育局", "刘强")], [], []),
    ("七", "强化保障措施", "（三）", "在全县各类养老服务机构中，培养选拔优秀护理员。", [("县人社局", "黄敬铿")],
     [("县民政局", "朱志军")], [], []),
    ("七", "强化保障措施", "（四）", "对各级老龄工作机构的人员定期开展老龄政策和相关知识培训。", [("县老龄办", "吴冰贞")], [], [], []),
]


def test_minqing_every_task_exactly():
    table = read_task_table(SAMPLES / "闽清县老龄事业重点任务分工表.xlsx")
    assert table.sheet == "Sheet1"
    assert table.title == "重点任务分工表"
    assert table.years == [2018, 2019, 2020]
    assert table.note == "注：责任单位的责任人如遇工作调整和职务变动，由其继任者接替履行职责，不再另发文。"
    assert table.header["content"] == "工作任务" and table.header["targets"] == "完成时限"
    assert len(table.tasks) == 27 == len(MINQING)
    for task, (cat_no, cat, no, start, lead, co, unpaired, tgts) in zip(table.tasks, MINQING):
        assert (task.category_number, task.category, task.number) == (cat_no, cat, no), task.content
        assert task.content.startswith(start)
        assert units(task.lead) == lead, task.content
        assert units(task.co) == co, task.content
        assert task.unpaired_persons == unpaired, task.content
        assert targets(task) == tgts, task.content
        assert task.deadline is None and task.due is None  # per-year targets, no deadline column
        assert task.origin.file == "闽清县老龄事业重点任务分工表.xlsx" and task.origin.sheet == "Sheet1"
        assert task.origin.col == 3
    assert [t.origin.row for t in table.tasks] == list(range(5, 32))
    # tab at the end of the seed's task text is gone; "＜" and "％" kept as typed
    assert table.tasks[8].content == "至2019年全县建成16个居家社区养老服务照料中心"
    # the only warnings: 陈淑玲 beside two units, five times, each naming its row and the person column
    assert len(table.warnings) == 5
    assert all("陈淑玲" in w.message and w.origin.col == 10 for w in table.warnings)
    assert [w.origin.row for w in table.warnings] == [5, 6, 7, 8, 9]


def test_linhai_94_tasks_under_heading_rows(tmp_path):
    from sample_data.make_samples import make_linhai  # the hand-made workbook (sample_data/ reads the notice)

    make_linhai(tmp_path / "临海市老有康养专项任务分解表.xlsx")
    table = read_task_table(tmp_path / "临海市老有康养专项任务分解表.xlsx")
    assert table.sheet == "任务分解"
    assert table.title == "临海市公共服务优质共享行动老有康养专项任务分解表"
    assert len(table.tasks) == 94
    assert [t.number for t in table.tasks] == [str(i) for i in range(1, 95)]
    assert table.warnings == []
    categories = [(t.category_number, t.category) for t in table.tasks]
    expected = ([("（一）", "老有所养")] * 11 + [("（二）", "老有所医")] * 5 + [("（三）", "老有所学")] * 5
                + [("（四）", "老有所为")] * 6 + [("（五）", "老有所乐")] * 7 + [("（一）", "社会保障体系")] * 10
                + [("（二）", "养老服务体系")] * 14 + [("（三）", "健康支撑体系")] * 9 + [("（四）", "老龄产业发展")] * 9
                + [("（五）", "老年友好环境")] * 18)
    assert categories == expected
    first = table.tasks[0]
    assert first.content.startswith("建立老年人公共服务清单。在建立基本养老服务清单的基础上,")
    assert first.content.endswith("普惠共享多样化的公共服务。")  # trailing NBSP gone
    assert units(first.lead) == [("市民政局", None)] and units(first.co) == [("市发展改革局", None)]
    assert first.origin.row == 5 and first.origin.col == 2
    t17 = table.tasks[16]
    assert units(t17.lead) == [("市教育局", None)]
    assert units(t17.co) == [("市卫生健康局（市老龄办）", None), ("市委老干部局", None)]
    t25 = table.tasks[24]
    assert units(t25.lead) == [("市委宣传部（文明办）", None)]
    assert "\xa0" not in table.tasks[4].content  # NBSP made a plain space by the normaliser
    # every task has its own 责任单位, so the headings' 牵头单位 is not needed anywhere
    assert all(t.lead for t in table.tasks)
    assert units(table.tasks[34].lead) == [("市人力社保局", None)]
    assert table.tasks[93].origin.row == 108
    assert all(t.due is None and t.deadline is None and not t.targets for t in table.tasks)


def test_qidong_categories_merged_down_and_deadlines():
    table = read_task_table(SAMPLES / "启东市省健康县区建设任务分工表.xlsx")
    assert table.sheet == "分工表"
    assert table.title == "启东市省健康县（区）建设工作任务分工表"
    assert len(table.tasks) == 16
    assert [t.number for t in table.tasks] == [str(i) for i in range(1, 17)]
    assert [t.category for t in table.tasks] == (["主要指标"] * 6 + ["健全“三支队伍”"] * 3 + ["完善“三个平台”"] * 3
                                                 + ["深化“四项工程”"] * 4)
    assert all(t.category_number is None for t in table.tasks)
    assert [(t.deadline, t.due) for t in table.tasks[5:9]] == [
        ("2024年11月", date(2024, 11, 30)), ("2023年5月", date(2023, 5, 31)), ("2023年6-7月", date(2023, 7, 31)),
        ("2023年8月—2024年8月", date(2024, 8, 31))]
    assert (table.tasks[9].deadline, table.tasks[9].due) == ("长期坚持", None)
    assert (table.tasks[13].deadline, table.tasks[13].due) == ("持续推进", None)
    assert (table.tasks[15].deadline, table.tasks[15].due) == ("2025年底前", date(2025, 12, 31))
    assert units(table.tasks[0].lead) == [("市卫生健康委", None)] and table.tasks[0].co == []
    assert units(table.tasks[8].lead) == [("市卫生健委", None)]  # the seed's typo is kept, never guessed
    seventh = table.tasks[6]
    assert units(seventh.lead) == [("市政府办", None)]
    assert [u.unit for u in seventh.co] == ["市卫生健康委", "市财政局", "市教育体育局", "市文广和旅游局", "市民政局", "市医保局",
                                         "市残联", "市生态环境局", "各镇（园区、街道）"]
    assert table.warnings == []


def test_siping_gbk_csv():
    table = read_task_table(SAMPLES / "四平市老龄工作重点任务.csv")
    assert table.title == "四平市加强新时代老龄工作重点任务分工"
    assert len(table.tasks) == 24
    assert [t.number for t in table.tasks] == [str(i) for i in range(1, 25)]
    assert all(t.category is None and t.category_number is None for t in table.tasks)
    third = table.tasks[2]
    assert third.content.startswith("建立完善社区居家养老服务网络。")
    assert [u.unit for u in third.co] == ["各级人民政府", "街道（乡镇）", "社区（村）"]
    assert (third.deadline, third.due) == ("2022年底、2023年底", date(2023, 12, 31))
    assert units(table.tasks[9].lead) == [("市教育局", None)]
    assert (table.tasks[5].deadline, table.tasks[5].due) == ("2022年末", date(2022, 12, 31))
    assert (table.tasks[19].deadline, table.tasks[19].due) == ("2022年起", None)
    assert (table.tasks[18].deadline, table.tasks[18].due) == ("2022年年底", date(2022, 12, 31))
    assert len(table.tasks[22].co) == 20
    assert [u.unit for u in table.tasks[23].co] == ["市总工会", "团市委", "市妇联", "市残联"]
    assert table.warnings == []  # 长期坚持/持续推进/2022年起 are no deadline on purpose, not unreadable


# --- variants built here --------------------------------------------------------------------------


def read(tmp_path: Path, rows, merges=(), name="t.xlsx", **kw) -> TaskTable:
    return read_task_table(write_xlsx(tmp_path / name, rows, merges, **kw))


def assert_division(table: TaskTable) -> None:
    assert len(table.tasks) == len(DIVISION_EXPECTED)
    for task, (no, content, cat_no, cat, deadline, due, lead, co, unpaired) in zip(table.tasks, DIVISION_EXPECTED):
        assert (task.number, task.content, task.category_number, task.category) == (no, content, cat_no, cat)
        assert (task.deadline, task.due) == (deadline, date.fromisoformat(due) if due else None)
        assert units(task.lead) == lead and units(task.co) == co and task.unpaired_persons == unpaired


def test_division_table_from_seed(tmp_path):
    table = read(tmp_path, DIVISION_ROWS, DIVISION_MERGES)
    assert table.title == "老龄事业重点任务分工表"
    assert table.note == DIVISION_NOTE
    assert_division(table)


def test_header_further_down_with_title_rows_and_footer(tmp_path):
    top = [["附件2"], [], ["2024年老龄工作重点任务分工表"], ["填报单位：县民政局（盖章）", None, None, "填报日期：2024年1月5日"], []]
    rows = top + DIVISION_ROWS[2:] + [["填表人：张三", None, None, "联系电话：12345678"]]
    merges = [(t + len(top) - 2, l, b + len(top) - 2, r) for t, l, b, r in DIVISION_MERGES if t >= 2]
    table = read(tmp_path, rows, merges)
    assert table.title == "2024年老龄工作重点任务分工表"
    assert table.note == DIVISION_NOTE
    assert_division(table)
    assert table.tasks[0].origin.row == 7
    assert len(table.warnings) == 1  # only the unpaired 陈淑玲


@pytest.mark.parametrize(
    "header",
    [
        ["编号", "类别", "主要内容", "时间要求", "主责单位", "负责人", "协同单位", "联系人"],
        ["序号", "重点领域", "目标任务", "完成期限", "牵头部门", "责任人", "配合部门", "责任人"],
        ["序号", "领域", "具体措施", "时间节点", "主办单位", "责任人", "协办单位", "经办人"],
        ["序 号", "项目\n名称", "工作\n任务", "完成\n时限", "牵头\n单位", "责任人", "配合\n单位", "责任人"],
        ["序号", "项目名称", "重点任务", "完成时间", "牵头单位(部门)", "责任人", "参与单位", "责任人"],
        ["序号", "分类", "工作内容", "时限", "牵头单位", "责任领导", "协作单位", "联络员"],
    ],
)
def test_header_synonyms(tmp_path, header):
    rows = [DIVISION_ROWS[0], DIVISION_ROWS[1], header] + DIVISION_ROWS[3:]
    assert_division(read(tmp_path, rows, DIVISION_MERGES))


def test_responsible_unit_column_first_is_lead(tmp_path):
    rows = [["序号", "工作任务", "责任单位", "责任人", "完成时限"],
            [1, "建立老年人公共服务清单", "市民政局、市发展改革局", "李建富\n高奋飞", "2023年底"],
            [2, "落实资金保障", "市财政局", "蒋向阳", "2023年6月"],
            [3, "人人享有医疗保险", "市医保局\n市卫生健康局", "王宇", "2025年"]]
    table = read(tmp_path, rows)
    assert table.header["responsible"] == "责任单位"
    a, b, c = table.tasks
    assert units(a.lead) == [("市民政局", "李建富")] and units(a.co) == [("市发展改革局", "高奋飞")]
    assert units(b.lead) == [("市财政局", "蒋向阳")] and b.co == []
    assert units(c.lead) == [("市医保局", None)] and units(c.co) == [("市卫生健康局", None)]
    assert c.unpaired_persons == ["王宇"]


@pytest.mark.parametrize(
    "cell, lead, co",
    [
        ("市民政局（牵头）、市财政局", ["市民政局"], ["市财政局"]),
        ("市财政局、市民政局(牵头)", ["市民政局"], ["市财政局"]),
        ("市财政局\n市民政局牵头", ["市民政局"], ["市财政局"]),
        ("牵头单位：市民政局、市卫生健康局；配合单位：市财政局、各镇（园区、街道）",
         ["市民政局", "市卫生健康局"], ["市财政局", "各镇（园区、街道）"]),
        ("牵头：市民政局\n配合：市财政局", ["市民政局"], ["市财政局"]),
        ("市民政局、市财政局（配合）、市医保局", ["市民政局"], ["市财政局", "市医保局"]),
    ],
)
def test_roles_marked_inside_a_responsible_unit_cell(tmp_path, cell, lead, co):
    rows = [["工作任务", "责任单位"], ["甲", cell]]
    task = read(tmp_path, rows).tasks[0]
    assert [u.unit for u in task.lead] == lead and [u.unit for u in task.co] == co


def test_co_unit_marked_in_a_lead_column(tmp_path):
    rows = [["工作任务", "牵头单位", "责任人"], ["甲", "县民政局\n县财政局（配合）", "朱志军\n陈淑玲"]]
    task = read(tmp_path, rows).tasks[0]
    assert units(task.lead) == [("县民政局", "朱志军")] and units(task.co) == [("县财政局", "陈淑玲")]


def test_phone_numbers_beside_names_are_not_persons(tmp_path):
    rows = [["工作任务", "牵头单位", "联系人"], ["甲", "县民政局", "朱志军 13800001111"], ["乙", "县财政局", "陈淑玲\n电话：0591-22334455"]]
    a, b = read(tmp_path, rows).tasks
    assert units(a.lead) == [("县民政局", "朱志军")] and units(b.lead) == [("县财政局", "陈淑玲")]


def test_joint_leads_and_one_person_for_two_units(tmp_path):
    rows = [["工作任务", "牵头单位", "责任人", "配合单位"],
            ["医养结合", "县民政局、县卫健局", "朱志军\n余养健", "县医保局"],
            ["适老化改造", "县民政局\n县住建局", "朱志军", ""],
            ["健康体检", "县卫健局", "余养健\n张三", ""]]
    a, b, c = read(tmp_path, rows).tasks
    assert units(a.lead) == [("县民政局", "朱志军"), ("县卫健局", "余养健")]
    assert units(b.lead) == [("县民政局", None), ("县住建局", None)] and b.unpaired_persons == ["朱志军"]
    assert units(c.lead) == [("县卫健局", None)] and c.unpaired_persons == ["余养健", "张三"]


def test_excel_dates_in_deadline_column(tmp_path):
    rows = [["序号", "工作任务", "牵头单位", "完成时限"],
            [1, "任务甲", "县民政局", date(2023, 12, 31)],
            [2, "任务乙", "县民政局", datetime(2024, 6, 30, 0, 0)],
            [3, "任务丙", "县民政局", "2024年6月底前"],
            [4, "任务丁", "县民政局", 2025]]
    table = read(tmp_path, rows)
    assert [(t.deadline, t.due) for t in table.tasks] == [
        ("2023年12月31日", date(2023, 12, 31)), ("2024年6月30日", date(2024, 6, 30)),
        ("2024年6月底前", date(2024, 6, 30)), ("2025", date(2025, 12, 31))]


def test_number_only_column_keeps_printed_content(tmp_path):
    rows = [["序号", "工作任务", "牵头单位"],
            [1, "（一）基本养老保险参保率达到90%", "县人社局"],
            ["2.", "城乡居民参保人数达到14.2万人", "县人社局"],
            ["3、", "城镇职工参保人数达到2.54万人", "县人社局"]]
    table = read(tmp_path, rows)
    assert [(t.number, t.content) for t in table.tasks] == [
        ("1", "（一）基本养老保险参保率达到90%"), ("2", "城乡居民参保人数达到14.2万人"), ("3", "城镇职工参保人数达到2.54万人")]
    assert all(t.category is None for t in table.tasks)


def test_number_in_content_or_in_number_column_reads_the_same(tmp_path):
    """Round trip: an exporter may print the task number before the content or in 序号."""
    prefixed = [["序号", "项目名称", "工作任务", "牵头单位"],
                ["一", "社会保障", "（一）基本养老保险参保率达到90%", "县人社局"],
                [None, None, "（二）城乡居民参保人数达到14.2万人", "县人社局"],
                ["二", "养老服务", "（一）养老床位数36张以上", "县民政局"]]
    in_column = [["序号", "项目名称", "工作任务", "牵头单位"],
                 ["（一）", "一、社会保障", "基本养老保险参保率达到90%", "县人社局"],
                 ["（二）", None, "城乡居民参保人数达到14.2万人", "县人社局"],
                 ["（一）", "二、养老服务", "养老床位数36张以上", "县民政局"]]
    merges = [(1, 0, 2, 0), (1, 1, 2, 1)]
    a = read(tmp_path, prefixed, merges, name="a.xlsx")
    b = read(tmp_path, in_column, [(1, 1, 2, 1)], name="b.xlsx")
    key = lambda t: (t.number, t.content, t.category_number, t.category, units(t.lead))  # noqa: E731
    assert [key(t) for t in a.tasks] == [key(t) for t in b.tasks] == [
        ("（一）", "基本养老保险参保率达到90%", "一", "社会保障", [("县人社局", None)]),
        ("（二）", "城乡居民参保人数达到14.2万人", "一", "社会保障", [("县人社局", None)]),
        ("（一）", "养老床位数36张以上", "二", "养老服务", [("县民政局", None)])]


def test_blank_rows_are_tolerated(tmp_path):
    rows = [[], ["序号", "工作任务", "牵头单位"], [], [1, "任务甲", "县民政局"], [], [], [2, "任务乙", "县财政局"], [None, None, None],
            [3, None, None], [4, None, None]]
    table = read(tmp_path, rows)
    assert [(t.number, t.content) for t in table.tasks] == [("1", "任务甲"), ("2", "任务乙")]
    assert [t.origin.row for t in table.tasks] == [4, 7]
    assert table.warnings == []  # pre-numbered empty rows 3 and 4 are not tasks


def test_hidden_person_column_is_read_and_reported(tmp_path):
    rows = [["序号", "工作任务", "牵头单位", "责任人", "完成时限"],
            [1, "任务甲", "县民政局", "朱志军", "2023年底"]]
    table = read(tmp_path, rows, hidden_cols=(3,))
    assert units(table.tasks[0].lead) == [("县民政局", "朱志军")]
    assert any("隐藏列" in w.message and w.origin.col == 4 for w in table.warnings)


def test_hidden_duplicate_column_gives_way_to_the_visible_one(tmp_path):
    rows = [["序号", "工作任务（旧）", "工作任务", "牵头单位"],
            [1, "旧的写法", "新的写法", "县民政局"]]
    table = read(tmp_path, rows, hidden_cols=(1,))
    assert [t.content for t in table.tasks] == ["新的写法"]
    assert table.header["content"] == "工作任务"
    assert any("B 列" in w.message and "未读取" in w.message for w in table.warnings)


def test_hidden_rows_are_read_and_reported(tmp_path):
    rows = [["序号", "工作任务", "牵头单位"], [1, "任务甲", "县民政局"], [2, "任务乙", "县民政局"], [3, "任务丙", "县民政局"]]
    table = read(tmp_path, rows, hidden_rows=(2,))
    assert [t.content for t in table.tasks] == ["任务甲", "任务乙", "任务丙"]
    assert any("第 3 行是隐藏行" in w.message for w in table.warnings)


def test_instructions_sheet_before_the_table(tmp_path):
    instructions = {"填表说明": [["填表说明"], ["1. 工作任务：填写具体任务"], ["2. 牵头单位：只填一个单位"], ["工作任务", "牵头单位不写人名"]]}
    path = write_xlsx(tmp_path / "two.xlsx", DIVISION_ROWS, DIVISION_MERGES, sheet="分工表", sheets_before=instructions)
    table = read_task_table(path)
    assert table.sheet == "分工表"
    assert_division(table)
    assert read_task_table(path, sheet="分工表").sheet == "分工表"
    with pytest.raises(ImportRefused, match="「two.xlsx」工作表「填表说明」"):
        read_task_table(path, sheet="填表说明")
    with pytest.raises(ImportRefused, match="没有名为「汇总」的工作表；现有：填表说明、分工表"):
        read_task_table(path, sheet="汇总")


@pytest.mark.parametrize("sep", ["\n", "、", "，", ",", "；", ";", "/", "／", "\n\n", " 、"])
def test_each_unit_separator(tmp_path, sep):
    rows = [["工作任务", "牵头单位", "配合单位"], ["任务甲", "县民政局", f"县财政局{sep}各镇（园区、街道）{sep}县卫健局"]]
    task = read(tmp_path, rows).tasks[0]
    assert [u.unit for u in task.co] == ["县财政局", "各镇（园区、街道）", "县卫健局"]


def test_brackets_nbsp_and_padded_names(tmp_path):
    rows = [["工作任务", "牵头单位", "责任人", "配合单位", "责任人"],
            ["\u00a0适老化改造\u3000", "\u00a0县民政局\u3000", "朱\u3000志\u3000军", "各县(市、区)\n县残联", "各县（市、区）长\n黄  富声"]]
    task = read(tmp_path, rows).tasks[0]
    assert task.content == "适老化改造"
    assert units(task.lead) == [("县民政局", "朱志军")]
    assert units(task.co) == [("各县（市、区）", "各县（市、区）长"), ("县残联", "黄富声")]


def test_wrapped_unit_names(tmp_path):
    rows = [["工作任务", "牵头单位", "责任人", "配合单位", "责任人"],
            ["甲", "医保中心\n闽清管理部", "刘琛", "县科技文\n体局\n县民政局", "蒋瑞凯\n朱志军"],
            ["乙", "县民政局", "朱志军", "医保中心\n闽清管理部", ""],  # learnt from row 甲: one unit
            ["丙", "县民政局", "朱志军", "县财政局\n县民政局\n各乡（镇）", "陈淑玲\n朱志军"]]  # no line may join: unpaired
    a, b, c = read(tmp_path, rows).tasks
    assert units(a.lead) == [("医保中心闽清管理部", "刘琛")]
    assert units(a.co) == [("县科技文体局", "蒋瑞凯"), ("县民政局", "朱志军")]
    assert units(b.co) == [("医保中心闽清管理部", None)]
    assert [u.unit for u in c.co] == ["县财政局", "各乡（镇）"] and c.unpaired_persons == ["陈淑玲", "朱志军"]


def test_two_line_unit_without_evidence_stays_two_units(tmp_path):
    rows = [["工作任务", "牵头单位", "配合单位"], ["甲", "县民政局", "医保中心\n闽清管理部"]]
    assert [u.unit for u in read(tmp_path, rows).tasks[0].co] == ["医保中心", "闽清管理部"]


def test_two_row_header_with_unit_sub_columns(tmp_path):
    rows = [["序号", "工作任务", "责任单位", None, "完成时限"],
            [None, None, "牵头单位", "配合单位", None],
            [1, "任务甲", "县民政局", "县财政局\n县卫健局", "2023年底"]]
    merges = [(0, 0, 1, 0), (0, 1, 1, 1), (0, 2, 0, 3), (0, 4, 1, 4)]
    task = read(tmp_path, rows, merges).tasks[0]
    assert units(task.lead) == [("县民政局", None)]
    assert [u.unit for u in task.co] == ["县财政局", "县卫健局"]
    assert task.due == date(2023, 12, 31)


def test_years_in_a_one_row_header(tmp_path):
    rows = [["工作任务", "2023年", "2024年目标", "2025", "牵头单位"], ["参保率", "90%", 0.95, 1, "县人社局"]]
    table = read(tmp_path, rows)
    assert table.years == [2023, 2024, 2025]
    assert targets(table.tasks[0]) == [(2023, "90%"), (2024, "0.95"), (2025, "1")]


def test_category_column_with_numbers_in_its_text(tmp_path):
    rows = [["重点领域", "工作任务", "牵头单位"],
            ["一、社会保障", "参保率达到90%", "县人社局"],
            [None, "参保人数达到14万", "县人社局"],
            ["（二）养老服务", "床位数36张", "县民政局"]]
    table = read(tmp_path, rows, [(1, 0, 2, 0)])
    assert [(t.category_number, t.category) for t in table.tasks] == [("一", "社会保障"), ("一", "社会保障"), ("（二）", "养老服务")]


def test_unmerged_category_column_continues_down(tmp_path):
    rows = [["项目名称", "工作任务", "牵头单位"], ["社会保障", "甲", "县人社局"], ["", "乙", "县人社局"], ["养老服务", "丙", "县民政局"]]
    assert [t.category for t in read(tmp_path, rows).tasks] == ["社会保障", "社会保障", "养老服务"]


def test_heading_rows_lone_in_first_column_and_lead_lines(tmp_path):
    rows = [["序号", "工作任务", "责任单位"],
            ["一、社会保障体系（牵头单位：市人力社保局）"],
            [1, "推进企业职工养老保险提标扩面", None],
            [2, "完善城乡居民养老保险制度", "市民政局"],
            ["（二）养老服务体系"],
            ["牵头单位：市民政局、市卫生健康局"],
            [3, "落实机构跟着老人走", None],
            ["第三部分 保障措施"],
            [4, "加强组织领导", None]]
    table = read(tmp_path, rows)
    got = [(t.category_number, t.category, units(t.lead)) for t in table.tasks]
    assert got == [
        ("一", "社会保障体系", [("市人力社保局", None)]),
        ("一", "社会保障体系", [("市民政局", None)]),
        ("（二）", "养老服务体系", [("市民政局", None), ("市卫生健康局", None)]),
        ("第三部分", "保障措施", []),
    ]
    assert [w.message for w in table.warnings if "没有牵头单位" in w.message] == ["任务「加强组织领导」没有牵头单位"]


def test_heading_merged_across_with_its_number_apart(tmp_path):
    rows = [["序号", "工作任务", "牵头单位", "完成时限"],
            ["一", "社会保障体系", None, None],
            [1, "参保率达到90%", "县人社局", "2023年底"]]
    table = read(tmp_path, rows, [(1, 1, 1, 3)])
    assert [(t.category_number, t.category, t.number) for t in table.tasks] == [("一", "社会保障体系", "1")]


def test_status_done_date_and_notes_columns(tmp_path):
    rows = [["序号", "工作任务", "牵头单位", "完成时限", "完成状态", "办结日期", "备注"],
            [1, "甲", "县民政局", "2023年底", "已办结", date(2023, 11, 20), "已报市局"],
            [2, "乙", "县民政局", "2023年底", "进行中", None, None],
            [3, "丙", "县民政局", "2023年底", "未启动", None, "资金\n未到位"],
            [4, "丁", "县民政局", "2023年底", "销号", "2023年12月5日", None],
            [5, "戊", "县民政局", "2023年底", "", None, None],
            [6, "己", "县民政局", "2023年底", "看情况", None, None]]
    table = read(tmp_path, rows)
    assert [(t.status, t.done_on, t.notes) for t in table.tasks] == [
        ("已完成", date(2023, 11, 20), "已报市局"), ("推进中", None, None), ("未启动", None, "资金\n未到位"),
        ("已完成", date(2023, 12, 5), None), (None, None, None), (None, None, None)]
    assert any("看情况" in w.message and w.origin.row == 7 and w.origin.col == 5 for w in table.warnings)


def test_title_year_dates_month_only_deadlines(tmp_path):
    rows = [["2024年老龄工作要点任务分工表"], ["工作任务", "牵头单位", "完成时限"], ["甲", "县民政局", "6月底前"]]
    assert read(tmp_path, rows).tasks[0].due == date(2024, 6, 30)


def test_task_merged_down_over_two_unit_rows_is_one_task(tmp_path):
    rows = [["序号", "工作任务", "牵头单位", "责任人", "完成时限"],
            [1, "医养结合", "县民政局", "朱志军", "2023年底"],
            [None, None, "县卫健局", "余养健", None],
            [2, "健康体检", "县卫健局", "余养健", "2024年底"]]
    table = read(tmp_path, rows, [(1, 0, 2, 0), (1, 1, 2, 1), (1, 4, 2, 4)])
    assert [t.content for t in table.tasks] == ["医养结合", "健康体检"]
    assert units(table.tasks[0].lead) == [("县民政局", "朱志军"), ("县卫健局", "余养健")]
    assert table.tasks[0].due == date(2023, 12, 31)


def test_warnings_name_sheet_row_and_column(tmp_path):
    rows = [["序号", "工作任务", "牵头单位", "责任人", "完成时限", "其他"],
            [1, "甲", "县民政局\n县财政局", "朱志军", "看进度再定", "随便写的"],
            [2, "乙", None, None, "2023年底", None],
            [3, "甲", "县民政局", None, "2023年底", None],
            [None, None, None, "孤零零的人", None, None]]
    table = read(tmp_path, rows, sheet="分工")
    text = warnings_text(table)
    assert "「t.xlsx」工作表「分工」第 2 行 D 列：责任人「朱志军」与单位「县民政局、县财政局」数目不一致" in text
    assert "第 2 行 E 列：完成时限「看进度再定」读不出日期" in text
    assert "第 2 行 F 列：F 列表头「其他」未识别" in text
    assert "第 3 行 B 列：任务「乙」没有牵头单位" in text
    assert "第 4 行 B 列：任务内容与第 2 行重复" in text
    assert "第 5 行 D 列：这一行没有工作任务" in text
    assert table.tasks[0].unpaired_persons == ["朱志军"]
    assert table.tasks[2].unpaired_persons == ["孤零零的人"]  # the row continues the task above it
    assert len(table.tasks) == 3


def test_person_column_without_unit_column(tmp_path):
    rows = [["工作任务", "责任人", "牵头单位"], ["甲", "朱志军", "县民政局"]]
    table = read(tmp_path, rows)
    assert table.tasks[0].unpaired_persons == ["朱志军"] and units(table.tasks[0].lead) == [("县民政局", None)]
    assert any("左边没有单位列" in w.message for w in table.warnings)


def test_progress_column_is_reported_not_imported(tmp_path):
    rows = [["工作任务", "牵头单位", "进展情况"], ["甲", "县民政局", "已完成80%"]]
    table = read(tmp_path, rows)
    assert table.tasks[0].notes is None
    assert any("进展情况" in w.message for w in table.warnings)


# --- properties -----------------------------------------------------------------------------------

_cell_text = st.text(alphabet=st.sampled_from(list("县市民政局财政各乡镇（）()、，,；;/\n \u00a0\u3000\t刘琛医保中心闽清管理部长园区街道1【】")),
                     max_size=40)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), _cell_text))
def test_sentence_fast_path_equals_clean_sentence(text):
    assert sentence(text) == clean_sentence(text)


_UNIT_NAMES = ["县民政局", "各镇（园区、街道）", "各县(市、区)", "市卫生健康局（市老龄办）", "县财政局", "【县委】办",
               "市委宣传部(文明办)", "县残联"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_UNIT_NAMES), min_size=1, max_size=6, unique=True),
       st.lists(st.sampled_from(["\n", "、", "，", ",", "；", ";", "/", "／", " 、", "\n\n"]), min_size=5, max_size=5))
def test_unit_splitter_never_splits_inside_brackets(names, seps):
    text = names[0] + "".join(seps[i % 5] + name for i, name in enumerate(names[1:]))
    cell = UnitReader().read(text, "")
    assert [ref.unit for ref in cell.units] == [clean_sentence(n) for n in names]


# persons as written in a cell → the name the reader must give back
_PERSONS = {"张三": "张三", "李四": "李四", "刘  琛": "刘琛", "王 宇": "王宇", "欧阳明华": "欧阳明华",
            "赵六 13912345678": "赵六", "孙七（挂职）": "孙七（挂职）", "周八(女)": "周八（女）"}


@settings(max_examples=300, deadline=None)
@given(_cell_text, st.lists(st.sampled_from(sorted(_PERSONS)), max_size=5, unique=True),
       st.lists(st.sampled_from(["\n", "、", "，", ",", "；", ";", " 、", "\n\n"]), min_size=5, max_size=5))
@example(unit_text=");1;1", persons=["刘  琛", "周八(女)"], seps=["\n"] * 5)  # found by hypothesis: 1 twice
def test_unit_reader_keeps_every_person(unit_text, persons, seps):
    person_text = "".join((seps[i % 5] if i else "") + p for i, p in enumerate(persons))
    cell = UnitReader().read(unit_text, person_text)
    paired = [ref.person for ref in cell.units if ref.person]
    expected = [_PERSONS[p] for p in persons]
    assert sorted(paired + cell.unpaired) == sorted(expected)  # none dropped or invented (phone numbers aside)
    # as many units as persons: paired in order — unless the cell lists a unit twice (「县民政局；县财政局；
    # 县民政局」 with two persons is three places for two names: left unpaired, not guessed)
    listed_once = not UnitReader().read(unit_text, "、".join(f"人{i}" for i in range(len(cell.units)))).unpaired
    if len(cell.units) == len(persons) and persons and listed_once:
        assert paired == expected and cell.unpaired == []
    assert all(ref.unit and "\n" not in ref.unit for ref in cell.units)
    assert len({ref.unit for ref in cell.units}) == len(cell.units)
