"""Member units' duties (成员单位职责): seed 000 §三 and the form of seed 004 §五."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from importers.duties import parse_duties_text, read_duties
from importers.records import ImportRefused

SAMPLES = Path(__file__).resolve().parent.parent / "sample_data"

# Seed 000 §三 as published, with the heading above it and the next section below it.
SEED_000 = """三、工作职责

(一) 区委宣传部(融媒体中心)职责:制定综合宣传方案,在相关门户网站、微信公众号等设立关于长寿之乡的宣传报道,针对长寿之乡本地的风俗人情、山水风貌、特色产品、长寿故事、主题活动(线上+线下)等内容开展宣传。提供宣传推广平台、内容及相关运营情况。(截至2021年底。以下数据时间节点相同,不再列出)。

(二) 区委文明办职责:负责提供评选表彰孝老爱亲类“道德模范”、文明家庭等孝道文化评选工作佐证材料。

(三) 区委史志室职责:负责提供我区历史、人文、福寿文化、尊老敬老传统文化等资料,挖掘长寿与泉港民俗、历史文化、生活环境等关系,破译长寿密码,提供相关佐证材料。

(四) 区民政局职责:负责提供区养老事业项目规划、养老服务设施建设、老年人关爱等工作特色亮点及成效。

(五) 区财政局职责:负责专项工作经费安排,将复评所需经费列入财政预算。

(六) 区人社局职责:负责提供我区基本养老保险制度数据,建立和完善覆盖城乡多层次的社会保障体系。

(七) 区自然资源局职责: 负责提供我区森林覆盖率, 森林县城做法及成效; 规划建设集人文、风情、聚会交流、商务会谈、休闲养生等功能为一体的康养基地。

(八) 区住建局职责: 加强新建住宅小区的养老服务设施消防验收、备案与抽查。

(九) 区农水局职责: 负责提供我区特色农产品发展模式、项目规划等, 同时对具有泉港特色的农副产品进行精加工、小包装、分档次, 附加长寿等因素加于宣传。

(十) 区文体旅游局职责: 提供我区关于康寿产业旅游项目规划内容, 着力打造以生态养生为核心、康养旅游为重点、老年群体为主体的泉港长寿之乡文旅产品。

(十一) 区卫健局职责: 负责“回头看”及助推寿乡发展工作总体协调和日常工作; 负责打造健康强区, 深化公立医院综合改革, 稳步推进基层医疗机构和分级诊疗体系等制度改革, 完善名医工作室建设; 加大全科医师、公卫医师培训, 拓展家庭医生签约服务, 提升基层卫技服务能力和水平, 争创国家级慢性非传染性疾病预防示范区。

(十二) 区统计局职责: 负责提供“七人普”人口预期寿命、区域内人均收入水平、城镇居民人均可支配收入与农村居民人均可支配收入水平等相关材料。

(十三) 区城管局职责: 负责提供我区污水处理、全区公园、绿化等做法与成效。

(十四) 区公安分局职责: 负责提供我区常住人口数量、户籍人口数量、高龄老人人口数量等数据。(提供百岁老人人口占户籍总人口的比例、60岁以上老年人所占总人口数比例、80岁以上老年人所占60岁以上老年人比例、80岁-89岁、90岁-99岁老人数量分别占60岁以上老年人口比例)。

(十五) 区生态环境局职责: 负责提供我区生态环境建设的专项规划、政策以及特色亮点和做法, 空气、水质等指标数据情况。

(十六) 区医保分局职责: 负责提供我区基本医疗保险制度数据; 建立和完善医疗保障体系, 稳步提高老年人常见慢性病的医疗保障待遇水平; 做好家庭病床服务收费监测监管工作。

(十七) 各镇(街道)职责: 根据复评工作的材料清单, 整理归纳本单位涉及到的有关内容, 报送已制定出台的文件、规划、方案等, 以及开展各种相关活动的材料。

四、工作安排

各有关部门、各镇(街道)要严格按照“长寿之乡回头看”上报材料清单的指标和要求, 认真开展指标的收集和汇报工作, 并于11月18日之前将有关材料的纸质版和电子版报送区卫健局, 并附有相关佐证材料(相关文件和方案等)。区领导小组办公室对照各单位的上报材料进行认真查漏补缺, 对不符合规定的提出整改要求, 进一步完善上报的数据、材料, 并认真做好上报清单的汇总和整理工作, 11月份底向中国老年学和老年医学学会递交复评材料。
"""

EXPECTED_000 = [
    ('区委宣传部（融媒体中心）', '制定综合宣传方案,在相关门户网站、微信公众号等设立关于长寿之乡的宣传报道,针对长寿之乡本地的风俗人情、山水风貌、特色产品、长寿故事、主题活动(线上+线下)等内容开展宣传。提供宣传推广平台、内容及相关运营情况。(截至2021年底。以下数据时间节点相同,不再列出)。'),
    ('区委文明办', '负责提供评选表彰孝老爱亲类“道德模范”、文明家庭等孝道文化评选工作佐证材料。'),
    ('区委史志室', '负责提供我区历史、人文、福寿文化、尊老敬老传统文化等资料,挖掘长寿与泉港民俗、历史文化、生活环境等关系,破译长寿密码,提供相关佐证材料。'),
    ('区民政局', '负责提供区养老事业项目规划、养老服务设施建设、老年人关爱等工作特色亮点及成效。'),
    ('区财政局', '负责专项工作经费安排,将复评所需经费列入财政预算。'),
    ('区人社局', '负责提供我区基本养老保险制度数据,建立和完善覆盖城乡多层次的社会保障体系。'),
    ('区自然资源局', '负责提供我区森林覆盖率, 森林县城做法及成效; 规划建设集人文、风情、聚会交流、商务会谈、休闲养生等功能为一体的康养基地。'),
    ('区住建局', '加强新建住宅小区的养老服务设施消防验收、备案与抽查。'),
    ('区农水局', '负责提供我区特色农产品发展模式、项目规划等, 同时对具有泉港特色的农副产品进行精加工、小包装、分档次, 附加长寿等因素加于宣传。'),
    ('区文体旅游局', '提供我区关于康寿产业旅游项目规划内容, 着力打造以生态养生为核心、康养旅游为重点、老年群体为主体的泉港长寿之乡文旅产品。'),
    ('区卫健局', '负责“回头看”及助推寿乡发展工作总体协调和日常工作; 负责打造健康强区, 深化公立医院综合改革, 稳步推进基层医疗机构和分级诊疗体系等制度改革, 完善名医工作室建设; 加大全科医师、公卫医师培训, 拓展家庭医生签约服务, 提升基层卫技服务能力和水平, 争创国家级慢性非传染性疾病预防示范区。'),
    ('区统计局', '负责提供“七人普”人口预期寿命、区域内人均收入水平、城镇居民人均可支配收入与农村居民人均可支配收入水平等相关材料。'),
    ('区城管局', '负责提供我区污水处理、全区公园、绿化等做法与成效。'),
    ('区公安分局', '负责提供我区常住人口数量、户籍人口数量、高龄老人人口数量等数据。(提供百岁老人人口占户籍总人口的比例、60岁以上老年人所占总人口数比例、80岁以上老年人所占60岁以上老年人比例、80岁-89岁、90岁-99岁老人数量分别占60岁以上老年人口比例)。'),
    ('区生态环境局', '负责提供我区生态环境建设的专项规划、政策以及特色亮点和做法, 空气、水质等指标数据情况。'),
    ('区医保分局', '负责提供我区基本医疗保险制度数据; 建立和完善医疗保障体系, 稳步提高老年人常见慢性病的医疗保障待遇水平; 做好家庭病床服务收费监测监管工作。'),
    ('各镇（街道）', '根据复评工作的材料清单, 整理归纳本单位涉及到的有关内容, 报送已制定出台的文件、规划、方案等, 以及开展各种相关活动的材料。'),
]

# Seed 004 §五 (part): unnumbered "unit: text" lines, several units sharing one text.
SEED_004 = """五、责任分工

省健康县(区)建设是推进健康启东建设的重要载体,是提升居民健康水平的主要内容,各部门、各单位要结合工作分工,认真落实任务,宣传普及“将健康融入所有政策”方针,梳理完善促进健康的公共政策,制定配套实施方案或行动计划,加强资源整合,探索或协助开展健康影响因素评价,建立可持续性发展的工作机制。相关部门分工如下:

市政府办:将健康县(区)工作纳入政府工作报告,纳入政府发展规划,纳入政府年度工作计划。加强协调与督查,每年至少开展1次政府牵头、多部门参与的联合督导行动等。

市委宣传部(市文明办)、融媒体中心:负责健康县(区)宣传工作的领导、布置与督查,协调新闻媒体和网络平台,宣传健康县(区)建设工作,电视台、广播电台开设健康节目以及报纸健康栏目等;统筹城市公告牌、大型宣传栏和各类新媒体等资源,倡导文明健康绿色环保等生活方式。

市纪委监委:发挥部门职能,加强执纪问责,为健康启东建设护航。

市总工会、团市委、妇联:梳理本系统有利于居民健康的公共政策。积极配合卫健部门在相关场所、人群中组织开展慢性病专业防治及保健工作,提高人群健康意识和素质。积极配合教育体育局全民健身公共服务体系建设,协助开展居民体质监测,落实每年职工体检工作。开展各类群众性体育活动,通过健身操、广场舞、健康跑等多种形式,动员和吸引广大市民坚持参加各类体育锻炼和健身活动。

市卫生健康委:负责建立领导小组协调机制,明确职责分工;完善工作网络,组织业务培训;开展定期评估,加强业务督导等。牵头组织基线调查,针对发现的主要健康问题,实施跨部门行动。深化平安医院建设,创建省健康促进医院。巩固省级慢性病综合防控示范区建设,争创国家级慢性病综合防控示范区,完善健康巡讲专家队伍,加大居民健康素养核心知识宣传教育力度,定期深入机关、企业、学校、社区等开展健康讲座和健康咨询;鼓励和规范医务人员开展健康科普,提高居民健康素养水平;开展家庭医生签约服务,定期到社区健康服务,促使各类慢性病早发现、早预防、早诊疗。加大公共场所禁控督查力度,开展吸烟行为干预,持续开展无烟单位创建。加强工作衔接,完善相关资料,接受上级督查与考评等。

各镇(区、街道):加强组织领导,细化工作方案,明确责任分工;动员各村(社区)、企事业单位以及社会力量支持参与健康县(区)建设。完善有利于居民健康的公共政策。开展健康社区(村)、健康机关、健康企业、健康家庭等建设,辖区内30%以上的社区(村)建成健康社区(村),每个健康社区(村)评选出10个以上示范健康家庭,积极倡导文明健康绿色环保的生活方式。本轮周期内举办健康科普宣传活动不少于10次(较大规模的不少于2次)。加强志愿队伍建设,协同相关部门,开展基线调查、健康监测、卫生创建等健康行动,推进健康主题公园、健康步道规范化管理等。
"""

UNITS_004 = [
    "市政府办", "市委宣传部（市文明办）", "融媒体中心", "市纪委监委", "市总工会", "团市委", "妇联", "市卫生健康委",
    "各镇（区、街道）",
]


def pairs(duties):
    return [(d.unit, d.text) for d in duties.duties]


# ------------------------------------------------------------------ seed 000


def test_seed_000_seventeen_units_with_their_text():
    duties = parse_duties_text(SEED_000, "泉港职责.txt")
    assert len(duties.duties) == 17
    assert pairs(duties) == EXPECTED_000
    assert duties.warnings == []
    assert duties.duties[0].origin.row == 3 and duties.duties[-1].origin.row == 35


def test_seed_000_sample_file():
    path = SAMPLES / "泉港区长寿之乡成员单位职责.txt"
    if not path.exists():
        pytest.skip("sample file not generated yet")
    duties = read_duties(path)
    assert duties.source == path.name
    assert pairs(duties) == EXPECTED_000


def test_bracketed_unit_is_kept_whole_and_flagged_when_its_base_is_known():
    duties = parse_duties_text(SEED_000, known_units=["区委宣传部", "区卫健局"])
    assert duties.duties[0].unit == "区委宣传部（融媒体中心）"
    assert len(duties.warnings) == 1
    assert "区委宣传部（融媒体中心）" in str(duties.warnings[0]) and "已有「区委宣传部」" in str(duties.warnings[0])
    # a known bracketed name is not flagged
    assert parse_duties_text(SEED_000, known_units=["区委宣传部（融媒体中心）", "区委宣传部"]).warnings == []


def test_whole_notice_text_gives_the_same_duties():
    text = "一、指导思想\n\n以党的二十大精神……\n\n二、组织机构\n\n组 长： 庄一鸣 区人民政府副区长\n\n" + SEED_000
    assert pairs(parse_duties_text(text)) == EXPECTED_000


# ------------------------------------------------------------------ seed 004 form


def test_seed_004_unnumbered_units_and_shared_text():
    duties = parse_duties_text(SEED_004, "启东.txt")
    assert [d.unit for d in duties.duties] == UNITS_004
    texts = dict(pairs(duties))
    assert texts["市政府办"] == (
        "将健康县(区)工作纳入政府工作报告,纳入政府发展规划,纳入政府年度工作计划。"
        "加强协调与督查,每年至少开展1次政府牵头、多部门参与的联合督导行动等。"
    )
    assert texts["市总工会"] == texts["团市委"] == texts["妇联"]
    assert texts["市总工会"].startswith("梳理本系统有利于居民健康的公共政策。积极配合卫健部门")
    assert texts["市委宣传部（市文明办）"] == texts["融媒体中心"]
    assert texts["各镇（区、街道）"].endswith("推进健康主题公园、健康步道规范化管理等。")
    assert duties.warnings == []


# ------------------------------------------------------------------ text variants


@pytest.mark.parametrize("line", [
    "(一) 区民政局职责:负责养老服务。",
    "（一）区民政局职责：负责养老服务。",
    "(一)区民政局职责： 负责养老服务。",
    "1. 区民政局职责:负责养老服务。",
    "1、区民政局：负责养老服务。",
    "一、区民政局的主要职责：负责养老服务。",
    "(1) 区民政局 职责 负责养老服务。",
    "区民政局：负责养老服务。",
    "区民政局:负责养老服务。",
])
def test_numbering_and_colons(line):
    assert pairs(parse_duties_text(line)) == [("区民政局", "负责养老服务。")]


def test_multi_line_text_continues_until_the_next_item():
    text = (
        "（一）区卫健局职责：\n"
        "1.负责总体协调；\n"
        "2.负责打造健康强区，深化公立医院\n"
        "综合改革。\n"
        "\n"
        "（二）区财政局职责：负责经费\n"
        "安排。\n"
        "三、工作要求\n"
        "各单位要按时报送。\n"
    )
    assert pairs(parse_duties_text(text)) == [
        ("区卫健局", "1.负责总体协调；\n2.负责打造健康强区，深化公立医院综合改革。"),
        ("区财政局", "负责经费安排。"),
    ]


def test_several_units_on_a_numbered_item_and_a_repeated_unit():
    duties = parse_duties_text("(一) 区民政局、区财政局职责:共同负责。\n(二) 区民政局职责:另行负责。")
    assert pairs(duties) == [("区民政局", "共同负责。\n另行负责。"), ("区财政局", "共同负责。")]
    assert len(duties.warnings) == 1 and "区民政局" in str(duties.warnings[0])


def test_item_without_text_is_kept_with_a_warning():
    duties = parse_duties_text("(一) 区民政局职责:\n(二) 区财政局职责:负责。")
    assert pairs(duties) == [("区民政局", ""), ("区财政局", "负责。")]
    assert len(duties.warnings) == 1


def test_lines_that_only_look_like_unit_colon_are_not_duties():
    text = (
        "索引号: 014249827/2023-02153\n"
        "各镇人民政府、各园区管委会、各街道办事处,市各相关单位:\n"
        "联系人：张三\n"
        "市政府办:将健康县(区)工作纳入政府工作报告。\n"
    )
    assert pairs(parse_duties_text(text)) == [("市政府办", "将健康县(区)工作纳入政府工作报告。")]


def test_nothing_found_is_refused_naming_the_source():
    with pytest.raises(ImportRefused, match="没有找到成员单位职责") as info:
        parse_duties_text("四、工作安排\n各单位要按时报送。", "职责.txt")
    assert "「职责.txt」" in str(info.value)


# ------------------------------------------------------------------ files


@pytest.mark.parametrize(("encoding", "newline"), [("utf-8", "\n"), ("utf-8-sig", "\r\n"), ("gbk", "\r\n"), ("utf-16", "\n")])
def test_text_files(tmp_path, encoding, newline):
    path = tmp_path / "职责.txt"
    path.write_bytes(SEED_000.replace("\n", newline).encode(encoding))
    duties = read_duties(path)
    assert pairs(duties) == EXPECTED_000 and duties.source == "职责.txt"


def test_duties_spreadsheet(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "职责"
    for row in [
        ["泉港区成员单位职责"],
        ["序号", "成员单位", "工作职责"],
        [1, "区委宣传部(融媒体中心)", "制定综合宣传方案。"],
        [2, "区民政局、区财政局", "负责养老服务\n和经费。"],
        [None, None, "（续）提供佐证材料。"],
        [3, "各镇(街道)职责", "整理归纳本单位材料。"],
    ]:
        sheet.append(row)
    path = tmp_path / "职责.xlsx"
    book.save(path)
    duties = read_duties(path)
    assert pairs(duties) == [
        ("区委宣传部（融媒体中心）", "制定综合宣传方案。"),
        ("区民政局", "负责养老服务和经费。\n（续）提供佐证材料。"),
        ("区财政局", "负责养老服务和经费。\n（续）提供佐证材料。"),
        ("各镇（街道）", "整理归纳本单位材料。"),
    ]
    assert duties.duties[0].origin.sheet == "职责" and duties.duties[0].origin.row == 3


def test_duties_spreadsheet_with_a_unit_merged_down(tmp_path):
    """A unit cell merged over two rows continues the unit (no second record, no warning); a note
    merged across the table ends it."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "职责"
    for row in [["序号", "成员单位", "工作职责"], [1, "区民政局", "负责养老服务。"], [None, None, "提供佐证材料。"],
                [2, "区财政局", "保障经费。"], ["注：以上为主要职责"]]:
        sheet.append(row)
    sheet.merge_cells("B2:B3")
    sheet.merge_cells("A2:A3")
    sheet.merge_cells("A5:C5")
    path = tmp_path / "职责.xlsx"
    book.save(path)
    duties = read_duties(path)
    assert pairs(duties) == [("区民政局", "负责养老服务。\n提供佐证材料。"), ("区财政局", "保障经费。")]
    assert duties.warnings == []
    assert [d.origin.row for d in duties.duties] == [2, 4]


def test_a_row_holding_only_the_word_duty_under_the_unit_header_is_no_unit(tmp_path):
    """A second header row with 职责 under 成员单位 (found by the fuzz test): no unit of its own. Above
    real rows it is passed over; alone under the header the file is refused as holding no duties,
    never read as duties without any."""
    from openpyxl import Workbook

    def book_of(rows: list[list]) -> Path:
        book = Workbook()
        for row in rows:
            book.active.append(row)
        path = tmp_path / f"职责{len(rows)}.xlsx"
        book.save(path)
        return path

    header = [["附件1"], ["序号", "序号", "成员单位", "序号", "序号", "职责"], [None, None, "职责"]]
    with pytest.raises(ImportRefused, match="表头下面没有任何单位职责"):
        read_duties(book_of(header))
    duties = read_duties(book_of([*header, [1, None, "区民政局", None, None, "负责养老服务。"]]))
    assert pairs(duties) == [("区民政局", "负责养老服务。")]
    assert duties.warnings == []


def test_duties_csv_in_gbk(tmp_path):
    path = tmp_path / "职责.csv"
    with path.open("w", encoding="gbk", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["单位", "职责"])
        writer.writerow(["市总工会、团市委、妇联", "梳理本系统有利于居民健康的公共政策。"])
    assert pairs(read_duties(path)) == [
        ("市总工会", "梳理本系统有利于居民健康的公共政策。"), ("团市委", "梳理本系统有利于居民健康的公共政策。"),
        ("妇联", "梳理本系统有利于居民健康的公共政策。"),
    ]


def test_duties_docx_paragraphs(tmp_path):
    import docx

    document = docx.Document()
    for line in SEED_000.splitlines():
        document.add_paragraph(line)
    path = tmp_path / "职责.docx"
    document.save(path)
    assert pairs(read_duties(path)) == EXPECTED_000


@pytest.mark.parametrize(("name", "content", "message"), [
    ("职责.txt", b"%PDF-1.4 binary", "不是文本文件"),
    ("职责.xlsx", b"PK\x03\x04 broken", "已损坏或不完整"),
    ("职责.csv", "序号,名称\n1,甲\n".encode(), "职责表的表头"),
    ("职责.docx", b"", "空文件"),
])
def test_unreadable_files_are_refused(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ImportRefused, match=message) as info:
        read_duties(path)
    assert f"「{name}」" in str(info.value)


FRAGMENTS = st.sampled_from([
    "(一)", "（十七）", "1.", "一、", "区民政局", "各镇(街道)", "职责", ":", "：", "负责", "。", "，", "、", "\n", "\r\n",
    " ", "\u00a0", "(", "）", "**", "- ", "市总工会", "四、工作安排",
])


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.lists(FRAGMENTS, max_size=40).map("".join), st.text(max_size=200)))
def test_any_text_gives_duties_or_a_refusal(text):
    try:
        duties = parse_duties_text(text, "x.txt")
    except ImportRefused:
        return
    assert duties.duties and all(d.unit for d in duties.duties)
    assert len({d.unit for d in duties.duties}) == len(duties.duties)


@pytest.mark.parametrize("name", ["启东市省健康县区建设任务分工表.xlsx",
                                  "闽清县老龄事业重点任务分工表.xlsx", "四平市老龄工作重点任务.csv"])
def test_a_division_table_is_not_a_duties_table(name):
    path = SAMPLES / name
    if not path.exists():
        pytest.skip("sample file not generated yet")
    with pytest.raises(ImportRefused, match="职责表的表头"):
        read_duties(path)
