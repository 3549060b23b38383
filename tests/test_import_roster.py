"""Rosters (成员名单) pasted from notices and as spreadsheets: seeds 000 §二 and 003's attachment."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from importers.records import ImportRefused
from importers.roster import normalize_role, parse_roster_text, read_roster

SAMPLES = Path(__file__).resolve().parent.parent / "sample_data"

# Seed 000 §二 as published, Markdown artefacts of its conversion included.
SEED_000 = """二、组织机构

成立泉港区“长寿之乡回头看”及助推寿乡发展工作领导小组，领导小组下设办公室，挂靠区卫健局，承担领导小组日常工作，办公室主任由区卫健局局长林金辉兼任，办公室常务副主任由陈宗忠兼任。其组成人员如下：

组 长： 庄一鸣 区人民政府副区长

- 副组长:** 肖坚松 区政府办副主任、三级主任科员
 吴海鹰 区卫健局党组书记
 林金辉 区卫健局局长
- 成 员:** 陈伟宏 区委宣传部副部长
 汪旗平 区委文明办副主任、一级主任科员
 林进辉 区委史志室主任
 曾淑娟 区民政局党组成员、副局长
 吴兰兰 区财政局副局长
 黄奕彬 区人社局二级主任科员
 张澄海 区自然资源局副局长
 王金准 区住建局三级主任科员
 庄延平 区农水局副局长、二级主任科员
 丁思金 区文体旅游局副局长、二级主任科员
 陈宗忠 区卫健局党组成员、二级主任科员
 林平坤 区统计局副局长
 张国文 区城管局市政公用事业服务中心主任
 郑惠山 区公安分局副局长
 潘灿民 区生态环境局副局长
 陈玲玲 区医保分中心主任
 张建伟 南埔镇副镇长
 肖小斌 界山镇党委组织委员
 苏剑锋 后龙镇社会事务服务中心主任

庄子汉 峰尾镇党委副书记、政法委员

林增辉 山腰街道办事处副主任

钟志海 前黄镇镇党委组织委员

施连斌 涂岭镇党委二级主任科员

三、工作职责

(一) 区委宣传部(融媒体中心)职责:制定综合宣传方案。
"""

EXPECTED_000 = [
    ("组长", "庄一鸣", "区人民政府", "副区长"),
    ("副组长", "肖坚松", "区政府办", "副主任、三级主任科员"),
    ("副组长", "吴海鹰", "区卫健局", "党组书记"),
    ("副组长", "林金辉", "区卫健局", "局长"),
    ("成员", "陈伟宏", "区委宣传部", "副部长"),
    ("成员", "汪旗平", "区委文明办", "副主任、一级主任科员"),
    ("成员", "林进辉", "区委史志室", "主任"),
    ("成员", "曾淑娟", "区民政局", "党组成员、副局长"),
    ("成员", "吴兰兰", "区财政局", "副局长"),
    ("成员", "黄奕彬", "区人社局", "二级主任科员"),
    ("成员", "张澄海", "区自然资源局", "副局长"),
    ("成员", "王金准", "区住建局", "三级主任科员"),
    ("成员", "庄延平", "区农水局", "副局长、二级主任科员"),
    ("成员", "丁思金", "区文体旅游局", "副局长、二级主任科员"),
    ("成员", "陈宗忠", "区卫健局", "党组成员、二级主任科员"),
    ("成员", "林平坤", "区统计局", "副局长"),
    ("成员", "张国文", "区城管局市政公用事业服务中心", "主任"),
    ("成员", "郑惠山", "区公安分局", "副局长"),
    ("成员", "潘灿民", "区生态环境局", "副局长"),
    ("成员", "陈玲玲", "区医保分中心", "主任"),
    ("成员", "张建伟", "南埔镇", "副镇长"),
    ("成员", "肖小斌", "界山镇", "党委组织委员"),
    ("成员", "苏剑锋", "后龙镇社会事务服务中心", "主任"),
    ("成员", "庄子汉", "峰尾镇", "党委副书记、政法委员"),
    ("成员", "林增辉", "山腰街道办事处", "副主任"),
    ("成员", "钟志海", "前黄镇", "镇党委组织委员"),
    ("成员", "施连斌", "涂岭镇", "党委二级主任科员"),
    # from the sentence before the list, after everyone listed
    ("办公室主任", "林金辉", "区卫健局", "局长"),
    ("办公室常务副主任", "陈宗忠", "区卫健局", "党组成员、二级主任科员"),
]

# Seed 003's attachment as published: NBSP spacing (⍽ here), blank lines, a wrapped unit, a closing sentence.
SEED_003 = """附件

临海市公共服务优质共享行动老有康养

专项工作组成员名单


组⍽⍽⍽⍽长:宋江涌⍽临海市委常委、副市长

副⍽组⍽长:赵立东⍽市府办副主任

詹才勇⍽市民政局局长

成⍽⍽⍽⍽员:王祖掌⍽市委老干部局⍽⍽

高奋飞⍽市发展和改革局

杜计地⍽市经信局

周灵宏⍽市教育局

李建富⍽市民政局

蒋向阳⍽市财政局

吴加伟⍽市人力社保局

徐佳佳⍽市自然资源和规划局

陈立新⍽市住房和城乡建设局

李肖尉⍽市商务局

程正刚⍽市文化广电旅游体育局

许琴秀⍽市卫生健康局

陈道华⍽市统计局

王⍽⍽宇⍽市医保局

林金龙⍽市综合行政执法局

钱剑峰⍽市大数据发展中心

联⍽络⍽员:高晨瑶⍽市委老干部局办公室

朱湖斌⍽市发展和改革局价格监测与成本调查局

王⍽⍽璟⍽市经济和信息化局产业与资源科

陶灵燕⍽市教育局高等职成教科

王光永⍽市民政局社会救助和福利保障科

叶小建⍽市财政局行政事业科

何一鸣⍽市人力社保局社会保险事业管理中心

徐⍽⍽盼⍽市自然资源和规划局国土空间规划科

卢跃波⍽市住房和城乡建设局城市建设科

项玲芳⍽市商务局商贸发展科

吴含英⍽市文化广电旅游体育局公共服务和艺

术科

王仙文⍽市卫生健康局人口与老龄健康科

郭晓慧⍽市统计局社会投资科

杨⍽⍽璐⍽市医保局医保中心

林⍽⍽通⍽市综合行政执法局城市管理科

刘盛强⍽市大数据发展中心⍽⍽⍽⍽⍽⍽⍽⍽⍽

工作组下设办公室,办公室设在市民政局。
""".replace("⍽", "\u00a0")

_MEMBERS_003 = [
    ("王祖掌", "市委老干部局"), ("高奋飞", "市发展和改革局"), ("杜计地", "市经信局"), ("周灵宏", "市教育局"),
    ("李建富", "市民政局"), ("蒋向阳", "市财政局"), ("吴加伟", "市人力社保局"), ("徐佳佳", "市自然资源和规划局"),
    ("陈立新", "市住房和城乡建设局"), ("李肖尉", "市商务局"), ("程正刚", "市文化广电旅游体育局"),
    ("许琴秀", "市卫生健康局"), ("陈道华", "市统计局"), ("王宇", "市医保局"), ("林金龙", "市综合行政执法局"),
    ("钱剑峰", "市大数据发展中心"),
]
# A liaison's section stands where the title would, when the roster named the member unit before
# (市民政局 | 社会救助和福利保障科); 市经济和信息化局 was never named (the member line says 市经信局): kept whole.
_LIAISONS_003 = [
    ("高晨瑶", "市委老干部局", "办公室"), ("朱湖斌", "市发展和改革局", "价格监测与成本调查局"),
    ("王璟", "市经济和信息化局产业与资源科", None), ("陶灵燕", "市教育局", "高等职成教科"),
    ("王光永", "市民政局", "社会救助和福利保障科"), ("叶小建", "市财政局", "行政事业科"),
    ("何一鸣", "市人力社保局", "社会保险事业管理中心"), ("徐盼", "市自然资源和规划局", "国土空间规划科"),
    ("卢跃波", "市住房和城乡建设局", "城市建设科"), ("项玲芳", "市商务局", "商贸发展科"),
    ("吴含英", "市文化广电旅游体育局", "公共服务和艺术科"), ("王仙文", "市卫生健康局", "人口与老龄健康科"),
    ("郭晓慧", "市统计局", "社会投资科"), ("杨璐", "市医保局", "医保中心"), ("林通", "市综合行政执法局", "城市管理科"),
    ("刘盛强", "市大数据发展中心", None),
]
EXPECTED_003 = (
    [("组长", "宋江涌", "临海市委", "常委、副市长"), ("副组长", "赵立东", "市府办", "副主任"),
     ("副组长", "詹才勇", "市民政局", "局长")]
    + [("成员", name, unit, None) for name, unit in _MEMBERS_003]
    + [("联络员", name, unit, section) for name, unit, section in _LIAISONS_003]
)


def rows(roster):
    return [(m.role, m.name, m.unit, m.title) for m in roster.members]


def assert_official_order(roster):
    assert [m.order for m in roster.members] == list(range(1, len(roster.members) + 1))


# ------------------------------------------------------------------ seed 000


def test_seed_000_roster_every_member():
    roster = parse_roster_text(SEED_000, "泉港.txt")
    assert rows(roster) == EXPECTED_000
    assert_official_order(roster)
    counts = {r: sum(1 for m in roster.members if m.role == r) for r in ("组长", "副组长", "成员")}
    assert counts == {"组长": 1, "副组长": 3, "成员": 23}
    assert roster.warnings == []
    assert all(m.phone is None for m in roster.members)


def test_seed_000_origins_are_line_numbers():
    roster = parse_roster_text(SEED_000, "泉港.txt")
    assert roster.members[0].origin.row == 5 and roster.members[0].origin.file == "泉港.txt"
    assert roster.members[-1].origin.row == 3  # the office sentence
    assert roster.members[26].origin.row == 36  # 施连斌


def test_seed_000_sample_file():
    path = SAMPLES / "泉港区长寿之乡领导小组成员名单.txt"
    if not path.exists():
        pytest.skip("sample file not generated yet")
    roster = read_roster(path)
    assert roster.source == path.name
    assert rows(roster) == EXPECTED_000
    assert_official_order(roster)


def test_the_office_sentence_does_not_duplicate_a_listed_office_head():
    text = SEED_000.replace("组 长：", "办公室主任：林金辉 区卫健局局长\n组 长：")
    roster = parse_roster_text(text)
    assert [m.name for m in roster.members if m.role == "办公室主任"] == ["林金辉"]
    assert roster.members[0].role == "办公室主任"


def test_office_heads_named_after_the_list():
    text = "成员：张三 区民政局局长\n领导小组办公室设在区卫健局，由李四同志兼任办公室主任。"
    roster = parse_roster_text(text)
    assert rows(roster) == [("成员", "张三", "区民政局", "局长"), ("办公室主任", "李四", None, None)]
    assert roster.warnings == []


# ------------------------------------------------------------------ seed 003


def test_seed_003_attachment_every_member():
    roster = parse_roster_text(SEED_003, "临海.txt")
    assert rows(roster) == EXPECTED_003
    assert_official_order(roster)
    counts = {r: sum(1 for m in roster.members if m.role == r) for r in ("组长", "副组长", "成员", "联络员")}
    assert counts == {"组长": 1, "副组长": 2, "成员": 16, "联络员": 16}


def test_seed_003_wrapped_unit_is_joined():
    roster = parse_roster_text(SEED_003)
    wu = next(m for m in roster.members if m.name == "吴含英")
    assert (wu.unit, wu.title) == ("市文化广电旅游体育局", "公共服务和艺术科")
    assert "术科" not in [m.name for m in roster.members]


def test_seed_003_closing_sentence_is_a_warning_not_a_member():
    roster = parse_roster_text(SEED_003, "临海.txt")
    assert len(roster.warnings) == 1
    assert "工作组下设办公室" in str(roster.warnings[0]) and "第 80 行" in str(roster.warnings[0])
    assert "临海.txt" in str(roster.warnings[0])


def test_seed_003_sample_file():
    path = SAMPLES / "临海市老有康养专项工作组成员名单.txt"
    if not path.exists():
        pytest.skip("sample file not generated yet")
    roster = read_roster(path)
    assert rows(roster) == EXPECTED_003
    assert_official_order(roster)


# ------------------------------------------------------------------ text variants


@pytest.mark.parametrize("label", ["组长：", "组长:", "组 长：", "组    长:", "组\u00a0\u00a0长：", "组\u3000长: ", "组长 "])
def test_role_labels_with_any_spacing_and_colon(label):
    roster = parse_roster_text(f"{label}庄一鸣 区人民政府副区长\n副 组 长:赵立东 市府办副主任")
    assert rows(roster) == [("组长", "庄一鸣", "区人民政府", "副区长"), ("副组长", "赵立东", "市府办", "副主任")]


@pytest.mark.parametrize(("label", "role"), [
    ("成    员", "成员"), ("联 络 员", "联络员"), ("组员", "成员"), ("办公室主任", "办公室主任"),
    ("办公室副主任", "办公室副主任"), ("办 公 室 副 主 任", "办公室副主任"), ("常务副组长", "常务副组长"),
    ("秘 书 长", "秘书长"), ("办公室常务副主任", "办公室常务副主任"), ("副主任", "副主任"),
])
def test_roles_are_normalised(label, role):
    assert normalize_role(label) == role
    roster = parse_roster_text(f"{label}：张三 区民政局局长")
    assert rows(roster) == [(role, "张三", "区民政局", "局长")]


def test_role_on_a_line_of_its_own_and_names_on_the_following_lines():
    roster = parse_roster_text("组长：\n张三 区人民政府区长\n\n成员\n\n李四 区民政局局长\n王  五 区财政局副局长\n")
    assert rows(roster) == [
        ("组长", "张三", "区人民政府", "区长"), ("成员", "李四", "区民政局", "局长"), ("成员", "王五", "区财政局", "副局长"),
    ]


def test_several_persons_on_the_label_line():
    roster = parse_roster_text(
        "组长：张三、李四\n"
        "成员：王五 区民政局局长 赵六 区财政局副局长\n"
        "联络员：孙八（区民政局办公室）、周九（区财政局综合股）\n"
        "成员：钱七 区人社局局长；吴十 区医保局局长\n"
    )
    assert rows(roster) == [
        ("组长", "张三", None, None), ("组长", "李四", None, None),
        ("成员", "王五", "区民政局", "局长"), ("成员", "赵六", "区财政局", "副局长"),
        ("联络员", "孙八", "区民政局", "办公室"), ("联络员", "周九", "区财政局", "综合股"),
        ("成员", "钱七", "区人社局", "局长"), ("成员", "吴十", "区医保局", "局长"),
    ]


def test_member_with_phone():
    roster = parse_roster_text(
        "成员：张三 区民政局局长 13800138000\n"
        "李四 区财政局（手机：139 0000 1111）\n"
        "王五 区人社局\n（电话：0595-87654321）\n"
    )
    assert [(m.name, m.unit, m.title, m.phone) for m in roster.members] == [
        ("张三", "区民政局", "局长", "13800138000"), ("李四", "区财政局", None, "13900001111"),
        ("王五", "区人社局", None, "0595-87654321"),
    ]


def test_padded_names_and_space_between_unit_and_title():
    roster = parse_roster_text("成  员：王  宇 市医保局\n刘\u3000\u3000琛 县民政局 局长\n欧阳明华 区教育局")
    assert rows(roster) == [
        ("成员", "王宇", "市医保局", None), ("成员", "刘琛", "县民政局", "局长"), ("成员", "欧阳明华", "区教育局", None),
    ]


def test_title_before_name_and_name_glued_to_unit():
    roster = parse_roster_text("组长 区人民政府副区长 庄一鸣\n成员：王宇市医保局")
    assert rows(roster) == [("组长", "庄一鸣", "区人民政府", "副区长"), ("成员", "王宇", "市医保局", None)]
    assert len(roster.warnings) == 1 and "王宇" in str(roster.warnings[0])


def test_known_units_decide_the_split():
    roster = parse_roster_text("成员：张三 泉港区长寿办主任", known_units=["泉港区长寿办"])
    assert rows(roster) == [("成员", "张三", "泉港区长寿办", "主任")]


def test_tail_of_a_title_on_the_next_line():
    roster = parse_roster_text("成员：张三 区城管局市政公用事业服务\n中心主任\n李四 区财政局副局长")
    assert rows(roster) == [("成员", "张三", "区城管局市政公用事业服务中心", "主任"), ("成员", "李四", "区财政局", "副局长")]


def test_names_only_list():
    roster = parse_roster_text("成员：\n张三\n李心\n王五")
    assert rows(roster) == [("成员", "张三", None, None), ("成员", "李心", None, None), ("成员", "王五", None, None)]


def test_numbered_member_lines():
    roster = parse_roster_text("成员：\n1. 张三 区民政局局长\n2、李四 区财政局局长")
    assert rows(roster) == [("成员", "张三", "区民政局", "局长"), ("成员", "李四", "区财政局", "局长")]


def test_the_next_section_of_the_notice_ends_the_list():
    roster = parse_roster_text("成员：张三 区民政局局长\n三、工作职责\n(一) 区民政局职责:负责。\n李四 区财政局局长")
    assert rows(roster) == [("成员", "张三", "区民政局", "局长")]


def test_a_line_without_a_name_is_reported_not_dropped_silently():
    roster = parse_roster_text("成员：张三 区民政局局长\n区财政局局长兼区税务局局长以及区统计局局长等等同志")
    assert len(roster.members) == 1
    assert len(roster.warnings) == 1 and "第 2 行" in str(roster.warnings[0])


# ------------------------------------------------------------------ files: encodings and line ends


def _write(tmp_path, name, text, encoding, newline="\n"):
    path = tmp_path / name
    path.write_bytes(text.replace("\n", newline).encode(encoding))
    return path


@pytest.mark.parametrize(("encoding", "newline"), [
    ("utf-8", "\n"), ("utf-8-sig", "\r\n"), ("gbk", "\r\n"), ("gb18030", "\n"), ("utf-16", "\r\n"), ("utf-8", "\r"),
])
def test_text_file_encodings_and_line_ends(tmp_path, encoding, newline):
    text = SEED_000 if encoding != "gbk" else SEED_000  # every character of the seed is in GBK
    path = _write(tmp_path, "名单.txt", text, encoding, newline)
    roster = read_roster(path)
    assert rows(roster) == EXPECTED_000
    assert roster.source == "名单.txt"


def test_gbk_file_with_nbsp_free_text_of_seed_003(tmp_path):
    path = _write(tmp_path, "临海.txt", SEED_003.replace("\u00a0", " "), "gbk", "\r\n")
    assert rows(read_roster(path)) == EXPECTED_003


# ------------------------------------------------------------------ spreadsheets


def _xlsx(tmp_path, name, table, sheet_title="名单", extra_sheet=False):
    from openpyxl import Workbook

    book = Workbook()
    if extra_sheet:
        book.active.title = "说明"
        book.active.append(["本表由办公室填写"])
        sheet = book.create_sheet(sheet_title)
    else:
        sheet = book.active
        sheet.title = sheet_title
    for row in table:
        sheet.append(row)
    path = tmp_path / name
    book.save(path)
    return path


def test_roster_spreadsheet_with_columns_in_another_order(tmp_path):
    table = [
        ["泉港区长寿之乡领导小组成员名单"],
        [],
        ["联系电话", "职  务", "姓 名", "组内职务", "单位", "序号"],
        [13800000001, "副区长", "庄一鸣", "组长", "区人民政府", 1],
        [None, "副主任、三级主任科员", "肖坚松", "副 组 长", "区政府办", 2],
        ["0595-1234567", "党组书记", "  吴  海鹰", None, "区卫健局", 3],
        [None, "副部长", "陈伟宏", "成员", "区委宣传部", 4],
        [None, None, None, None, None, None],
        [None, "", "王  宇", "成员", "市医保局 ", 5],
        ["注：按通知顺序排列"],
    ]
    path = _xlsx(tmp_path, "名单.xlsx", table, extra_sheet=True)
    roster = read_roster(path)
    assert [(m.role, m.name, m.unit, m.title, m.phone) for m in roster.members] == [
        ("组长", "庄一鸣", "区人民政府", "副区长", "13800000001"),
        ("副组长", "肖坚松", "区政府办", "副主任、三级主任科员", None),
        ("副组长", "吴海鹰", "区卫健局", "党组书记", "0595-1234567"),  # an empty role continues the one above
        ("成员", "陈伟宏", "区委宣传部", "副部长", None),
        ("成员", "王宇", "市医保局", None, None),
    ]
    assert_official_order(roster)
    assert roster.members[0].origin.sheet == "名单" and roster.members[0].origin.row == 4
    assert roster.warnings == []


def test_a_name_cell_holding_a_crowd_is_not_a_row_of_the_roster(tmp_path):
    table = [
        ["序号", "姓名", "单位", "职务", "组内职务"],
        [1, "、局长" * 3000, "县民政局", "局长", "组长"],
        [2, "张三、李四", "县财政局", "副局长", "成员"],
    ]
    roster = read_roster(_xlsx(tmp_path, "名单.xlsx", table))
    assert [(m.name, m.unit) for m in roster.members] == [("张三", "县财政局"), ("李四", "县财政局")]
    [warning] = roster.warnings
    assert "姓名格里有 3000 个名字" in warning.message and "这一行未导入" in warning.message
    assert (warning.origin.row, warning.origin.col) == (2, 2)


def test_roster_spreadsheet_with_unit_and_title_in_one_column_and_role_headings(tmp_path):
    table = [
        ["序号", "姓名", "单位及职务", "手机"],
        ["组长"],
        [1, "庄一鸣", "区人民政府副区长", "13800000001"],
        ["成员"],
        [2, "陈伟宏", "区委宣传部副部长", None],
        [3, "张国文", "区城管局市政公用事业服务中心主任", None],
    ]
    roster = read_roster(_xlsx(tmp_path, "名单.xlsx", table))
    assert rows(roster) == [
        ("组长", "庄一鸣", "区人民政府", "副区长"), ("成员", "陈伟宏", "区委宣传部", "副部长"),
        ("成员", "张国文", "区城管局市政公用事业服务中心", "主任"),
    ]


def test_roster_spreadsheet_without_role_column_is_all_members_with_a_warning(tmp_path):
    roster = read_roster(_xlsx(tmp_path, "名单.xlsx", [["姓名", "单位", "职务"], ["张三", "区民政局", "局长"]]))
    assert rows(roster) == [("成员", "张三", "区民政局", "局长")]
    assert len(roster.warnings) == 1


def test_roster_csv_in_gbk(tmp_path):
    path = tmp_path / "名单.csv"
    with path.open("w", encoding="gbk", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["角色", "姓名", "单位", "职务", "电话"])
        writer.writerow(["组 长", "庄一鸣", "区人民政府", "副区长", "13800000001"])
        writer.writerow(["联络员", "刘  琛", "县民政局(办公室)", "", ""])
    roster = read_roster(path)
    assert [(m.role, m.name, m.unit, m.title, m.phone) for m in roster.members] == [
        ("组长", "庄一鸣", "区人民政府", "副区长", "13800000001"), ("联络员", "刘琛", "县民政局（办公室）", None, None),
    ]


def test_roster_docx_table_and_paragraphs(tmp_path):
    import docx

    document = docx.Document()
    table = document.add_table(rows=3, cols=3)
    for r, values in enumerate([["姓名", "单位", "组内职务"], ["庄一鸣", "区人民政府", "组长"], ["陈伟宏", "区委宣传部", "成员"]]):
        for c, value in enumerate(values):
            table.cell(r, c).text = value
    path = tmp_path / "名单.docx"
    document.save(path)
    assert rows(read_roster(path)) == [("组长", "庄一鸣", "区人民政府", None), ("成员", "陈伟宏", "区委宣传部", None)]

    document = docx.Document()
    for line in SEED_000.splitlines():
        document.add_paragraph(line)
    path = tmp_path / "通知.docx"
    document.save(path)
    assert rows(read_roster(path)) == EXPECTED_000


def test_roster_spreadsheet_with_merged_cells(tmp_path):
    """Merged cells are filled (readers' Grid): a role merged down applies to each person it covers,
    a role heading or a note merged across the table reads once; rows are the sheet's own."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "名单"
    sheet["B2"] = "领导小组成员名单"
    sheet.merge_cells("B2:E2")
    for col, text in zip("BCDE", ["组内职务", "姓名", "单位", "职务"]):
        sheet[f"{col}3"] = text
    for r, values in enumerate([["组长", "庄一鸣", "区人民政府", "副区长"], ["成员", "陈伟宏", "区委宣传部", "副部长"],
                                [None, "张国文", "区城管局", "局长"]], start=4):
        for col, value in zip("BCDE", values):
            sheet[f"{col}{r}"] = value
    sheet.merge_cells("B5:B6")
    sheet["B7"] = "联络员"
    sheet.merge_cells("B7:E7")
    for col, value in zip("CDE", ["高晨瑶", "市委老干部局", "科员"]):
        sheet[f"{col}8"] = value
    sheet["B9"] = "注：按通知顺序排列"
    sheet.merge_cells("B9:E9")
    path = tmp_path / "合并.xlsx"
    book.save(path)
    roster = read_roster(path)
    assert rows(roster) == [("组长", "庄一鸣", "区人民政府", "副区长"), ("成员", "陈伟宏", "区委宣传部", "副部长"),
                            ("成员", "张国文", "区城管局", "局长"), ("联络员", "高晨瑶", "市委老干部局", "科员")]
    assert [m.origin.row for m in roster.members] == [4, 5, 6, 8]
    assert roster.members[0].origin.sheet == "名单" and roster.warnings == []


def test_roster_csv_origin_has_no_sheet(tmp_path):
    path = tmp_path / "名单.csv"
    path.write_text("姓名,单位,职务,组内职务\n张三,区民政局,局长,组长\n", encoding="utf-8")
    member = read_roster(path).members[0]
    assert (member.origin.file, member.origin.sheet, member.origin.row) == ("名单.csv", None, 2)


# ------------------------------------------------------------------ refusals


def test_no_role_label_at_all_is_refused():
    with pytest.raises(ImportRefused, match="没有找到组长、副组长、成员等角色") as info:
        parse_roster_text("张三 区民政局局长\n李四 区财政局局长", "名单.txt")
    assert "名单.txt" in str(info.value)


@pytest.mark.parametrize(("name", "content", "message"), [
    ("名单.txt", b"PK\x03\x04\x00\x00garbage", "不是文本文件"),
    ("名单.txt", b"\xff\xfe\x00", "UTF-16"),
    ("名单.txt", b"\x81\x30\xff\xff\xfe\xfe\x80", "编码"),
    ("名单.xlsx", b"PK\x03\x04 truncated", "已损坏或不完整"),
    ("名单.xls", b"this is not a workbook", "不是电子表格文件"),
    ("名单.ods", b"", "空文件"),
    ("名单.docx", b"not a docx", "不是有效的 Word 文档"),
    ("名单.csv", "姓名,备注\n张三,无\n".encode(), "表头"),
])
def test_unreadable_files_are_refused_naming_the_file(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ImportRefused, match=message) as info:
        read_roster(path)
    assert f"「{name}」" in str(info.value)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(ImportRefused, match="找不到文件"):
        read_roster(tmp_path / "没有.txt")
    with pytest.raises(ImportRefused, match="不是文件"):
        read_roster(tmp_path)


def test_empty_workbook_is_refused(tmp_path):
    with pytest.raises(ImportRefused, match="表格是空的"):
        read_roster(_xlsx(tmp_path, "空.xlsx", []))


FRAGMENTS = st.sampled_from([
    "组 长：", "成员:", "联 络 员:", "办公室主任由", "兼任", "张三", "王  宇", " ", "\n", "\r\n", "区卫健局", "局长",
    "副", "、", "，", "。", "(", "）", "13800138000", "术科", "一、", "(一)", "**", "- ", "\u00a0", "电话：", "由",
])


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.lists(FRAGMENTS, max_size=40).map("".join), st.text(max_size=200)))
def test_any_text_gives_a_roster_or_a_refusal(text):
    try:
        roster = parse_roster_text(text, "x.txt")
    except ImportRefused:
        return
    assert [m.order for m in roster.members] == list(range(1, len(roster.members) + 1))
    assert all(m.name and m.role for m in roster.members)


ROSTER_TABLE = [
    ["成员名单"],
    ["序号", "组内职务", "姓名", "单位", "职务", "手机"],
    [1, "组长", "庄一鸣", "区人民政府", "副区长", 13800000001],
    [2, "成 员", "刘  琛", "各乡(镇)", "", ""],
]
ROSTER_TABLE_ROWS = [("组长", "庄一鸣", "区人民政府", "副区长", "13800000001"), ("成员", "刘琛", "各乡（镇）", None, None)]


def test_roster_as_xls(tmp_path):
    import xlwt

    book = xlwt.Workbook()
    sheet = book.add_sheet("Sheet1")
    for r, row in enumerate(ROSTER_TABLE):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    path = tmp_path / "名单.xls"
    book.save(str(path))
    roster = read_roster(path)
    assert [(m.role, m.name, m.unit, m.title, m.phone) for m in roster.members] == ROSTER_TABLE_ROWS


def test_roster_as_ods(tmp_path):
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    document = OpenDocumentSpreadsheet()
    table = Table(name="Sheet1")
    for row in ROSTER_TABLE:
        table_row = TableRow()
        for value in row:
            if isinstance(value, int):
                cell = TableCell(valuetype="float", value=value)
            else:
                cell = TableCell(valuetype="string")
            cell.addElement(P(text=str(value)))
            table_row.addElement(cell)
        table.addElement(table_row)
    document.spreadsheet.addElement(table)
    path = tmp_path / "名单.ods"
    document.save(str(path))
    roster = read_roster(path)
    assert [(m.role, m.name, m.unit, m.title, m.phone) for m in roster.members] == ROSTER_TABLE_ROWS


def test_leaders_named_in_a_sentence_come_first_office_heads_last():
    roster = parse_roster_text(
        "成立领导小组，组长由区长张三担任，副组长由区卫健局局长李四、区民政局局长王五担任，办公室主任为赵六。成员如下：\n"
        "成员：钱七 区财政局局长\n"
    )
    assert rows(roster) == [
        ("组长", "张三", None, "区长"), ("副组长", "李四", "区卫健局", "局长"), ("副组长", "王五", "区民政局", "局长"),
        ("成员", "钱七", "区财政局", "局长"), ("办公室主任", "赵六", None, None),
    ]
    assert_official_order(roster)


def test_group_prefix_before_a_role_label():
    roster = parse_roster_text("领导小组组长：张三 区长\n领导小组成员：李四 区民政局局长\n领导小组办公室主任：王五 区卫健局局长")
    assert rows(roster) == [("组长", "张三", None, "区长"), ("成员", "李四", "区民政局", "局长"),
                            ("办公室主任", "王五", "区卫健局", "局长")]


def test_a_duties_text_is_not_a_roster():
    with pytest.raises(ImportRefused):
        parse_roster_text("(一) 区委宣传部(融媒体中心)职责:制定综合宣传方案。\n(二) 区委文明办职责:负责提供材料。")


def test_header_words_with_brackets_and_required_marks(tmp_path):
    table = [["*姓名", "工作单位", "职务（职称）", "联系电话（手机）", "在领导小组中职务"], ["张三", "区民政局", "局长", "13800000001", "组长"]]
    roster = read_roster(_xlsx(tmp_path, "名单.xlsx", table))
    assert [(m.role, m.name, m.unit, m.title, m.phone) for m in roster.members] == [
        ("组长", "张三", "区民政局", "局长", "13800000001")]


def test_far_away_cell_in_a_sheet_is_refused_quickly(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["姓名", "单位", "组内职务"])
    book.active["XFD1048576"] = "x"
    path = tmp_path / "大.xlsx"
    book.save(path)
    with pytest.raises(ImportRefused, match="离表格太远"):
        read_roster(path)


def test_formatting_alone_far_away_is_read_normally(tmp_path):
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.active.append(["姓名", "单位", "组内职务"])
    book.active.append(["张三", "区民政局", "组长"])
    book.active["XFD1048576"].font = Font(bold=True)
    path = tmp_path / "格式.xlsx"
    book.save(path)
    assert rows(read_roster(path)) == [("组长", "张三", "区民政局", None)]


@pytest.mark.parametrize(("rows_repeated", "columns_repeated"), [(1_000_000, 1), (1, 16_384)])
def test_ods_with_a_value_repeated_absurdly_is_refused(tmp_path, rows_repeated, columns_repeated):
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    document = OpenDocumentSpreadsheet()
    table = Table(name="S")
    header = TableRow()
    for value in ["姓名", "单位", "组内职务"]:
        cell = TableCell(valuetype="string")
        cell.addElement(P(text=value))
        header.addElement(cell)
    table.addElement(header)
    row = TableRow(numberrowsrepeated=rows_repeated)
    cell = TableCell(valuetype="string", numbercolumnsrepeated=columns_repeated)
    cell.addElement(P(text="张三"))
    row.addElement(cell)
    table.addElement(row)
    document.spreadsheet.addElement(table)
    path = tmp_path / "炸弹.ods"
    document.save(str(path))
    with pytest.raises(ImportRefused, match="离表格太远|超过上限"):
        read_roster(path)


def test_xml_entity_declarations_are_refused(tmp_path):
    import zipfile

    plain = _xlsx(tmp_path, "正常.xlsx", [["姓名", "单位", "组内职务"], ["张三", "区民政局", "组长"]])
    path = tmp_path / "实体.xlsx"
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(path, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename.startswith("xl/worksheets/"):
                doctype = b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
                head, mark, rest = data.partition(b"?>")
                data = head + mark + doctype + rest if mark else doctype + data
            target.writestr(info, data)
    with pytest.raises(ImportRefused, match="实体") as info:
        read_roster(path)
    assert "「实体.xlsx」" in str(info.value)


def test_a_person_listed_twice_in_one_role_is_kept_and_reported():
    roster = parse_roster_text("成员：张三 区民政局局长\n李四 区财政局局长\n张三 区民政局局长")
    assert [m.name for m in roster.members] == ["张三", "李四", "张三"]
    assert len(roster.warnings) == 1 and "成员 张三" in str(roster.warnings[0]) and "第 3 行" in str(roster.warnings[0])


def test_tab_separated_csv(tmp_path):
    path = tmp_path / "名单.csv"
    path.write_text("姓名\t单位\t职务\t组内职务\n张三\t区民政局\t局长\t组长\n", encoding="utf-8-sig")
    assert rows(read_roster(path)) == [("组长", "张三", "区民政局", "局长")]


@pytest.mark.parametrize("name", ["启东市省健康县区建设任务分工表.xlsx",
                                  "闽清县老龄事业重点任务分工表.xlsx", "四平市老龄工作重点任务.csv",
                                  "泉港区长寿之乡成员单位职责.txt"])
def test_other_sample_files_are_not_rosters(name):
    path = SAMPLES / name
    if not path.exists():
        pytest.skip("sample file not generated yet")
    with pytest.raises(ImportRefused):
        read_roster(path)
