"""Cell normalisers and the unit/title splitter: real cells from the seeds, and properties."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from importers.normalize import (
    clean_name, clean_sentence, clean_text, clean_unit, join_wrapped, split_persons, split_units,
    unify_brackets, unit_key,
)
from importers.titles import is_title, split_unit_title

ODD_SPACES = "\u00a0\u3000\u2002\u2003\u2009\u200a\u202f\u2000\u2005\u205f\u1680\t\x0b\x0c"
CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)
SEPARATORS = "\n、，,；;/／"

# ------------------------------------------------------------------ real cells (seed 002 and others)


def test_unit_cell_with_blank_paragraphs_splits_into_two_units():
    assert split_units("\n县财政局\n各乡（镇）") == ["县财政局", "各乡（镇）"]


def test_half_width_brackets_become_full_width():
    assert split_units("各乡(镇)") == ["各乡（镇）"]
    assert unit_key("各乡(镇)") == unit_key("各乡（镇）")


def test_padded_name_with_spaces_around():
    assert clean_name("   刘  琛 ") == "刘琛"
    assert split_persons("   刘  琛 ") == ["刘琛"]


def test_padded_names_in_a_list():
    assert split_persons("刘  琛\n   黄敬铿\n李  俊") == ["刘琛", "黄敬铿", "李俊"]
    assert split_persons("王 宇 张三") == ["王宇", "张三"]
    assert split_persons("张三 李四") == ["张三", "李四"]


def test_brackets_with_separators_inside_are_one_unit():
    assert split_units("市民政局、各镇(园区、街道)、市财政局") == ["市民政局", "各镇（园区、街道）", "市财政局"]
    assert split_units("各县(市、区);街道(乡镇)/社区(村)") == ["各县（市、区）", "街道（乡镇）", "社区（村）"]


def test_unit_wrapped_over_two_lines_inside_a_unit_name():
    assert clean_unit("医保中心\n闽清管理部") == "医保中心闽清管理部"


def test_nbsp_and_ideographic_spaces():
    assert clean_text("市民政局、市发展改革局\u00a0") == "市民政局、市发展改革局"
    assert clean_text("到\u00a02022年") == "到 2022年"
    assert clean_text("成\u3000\u3000员") == "成 员"


def test_clean_sentence_joins_wrapped_lines():
    assert clean_sentence("健全养老\n服务体系\n") == "健全养老服务体系"
    assert join_wrapped("covers\nLatin") == "covers Latin"


def test_duplicates_are_dropped_in_order():
    assert split_units("县民政局\n县财政局\n县民政局") == ["县民政局", "县财政局"]


def test_empty_values():
    assert clean_text(None) == "" and split_units(None) == [] and split_persons("") == []
    assert split_units(" 、 ,, \n ") == []


# ------------------------------------------------------------------ properties: normalisers


@given(st.text())
@example("a\u00a0b\u3000c\u2028d\r\ne\x85f")
def test_clean_text_never_leaves_odd_spaces_or_blank_lines(value):
    text = clean_text(value)
    assert not any(ch in text for ch in ODD_SPACES + "\r\u2028\u2029\x85\u200b\ufeff")
    for line in text.split("\n") if text else []:
        assert line and line == line.strip() and "  " not in line
    assert clean_text(text) == text


@given(st.text())
def test_unify_brackets_is_idempotent_and_leaves_no_half_width(value):
    text = unify_brackets(value)
    assert "(" not in text and ")" not in text
    assert unify_brackets(text) == text


@given(st.lists(st.text(CJK, min_size=1, max_size=4), min_size=1, max_size=4),
       st.lists(st.sampled_from([" ", "  ", "\u00a0", "\u3000", "\u3000\u3000"]), min_size=1, max_size=4))
def test_clean_name_removes_padding_between_chinese_characters(chars, pads):
    name = "".join(chars)
    padded = "".join(c + pads[i % len(pads)] for i, c in enumerate(chars))
    assert clean_name("  " + padded) == name


@given(st.lists(st.text(st.characters(min_codepoint=ord("a"), max_codepoint=ord("z")), min_size=1, max_size=6),
                min_size=1, max_size=3))
def test_clean_name_keeps_spaces_between_latin_words(words):
    assert clean_name("  ".join(words)) == " ".join(words)


@given(st.text(alphabet=st.sampled_from("王李张宇琛 ab\u00a0\u3000")))
def test_clean_name_only_removes_spaces_next_to_chinese_on_both_sides(value):
    name = clean_name(value)
    assert name.replace(" ", "") == "".join(value.split())
    for i, ch in enumerate(name):
        if ch == " ":
            assert not ("\u4e00" <= name[i - 1] <= "\u9fff" and "\u4e00" <= name[i + 1] <= "\u9fff")


@settings(max_examples=300)
@given(st.text())
@example("a（b、c")
@example("）（、")
@example("（\n、a")
@example("a）、b")
def test_split_units_is_idempotent_on_its_joined_output_and_never_empty(value):
    units = split_units(value)
    assert all(units) and all(u == u.strip() for u in units)
    assert len(set(units)) == len(units)
    assert split_units("、".join(units)) == units
    assert split_units("\n".join(units)) == units


UNIT_BASE = st.text(st.sampled_from("市县区镇民政财政卫健委局办中心街道园乡"), min_size=1, max_size=6)
INNER = st.lists(st.text(st.sampled_from("市县区乡镇园街道"), min_size=1, max_size=3), min_size=1, max_size=3)


@given(st.lists(st.tuples(UNIT_BASE, st.one_of(st.none(), INNER), st.sampled_from(["、", "，", "；", "/"])),
                min_size=1, max_size=5),
       st.sampled_from(["()", "（）"]), st.sampled_from(list(SEPARATORS)))
def test_split_units_never_splits_inside_brackets(parts, brackets, separator):
    units = []
    for base, inner, inner_sep in parts:
        unit = base if inner is None else f"{base}{brackets[0]}{inner_sep.join(inner)}{brackets[1]}"
        units.append(unit)
    expected = []
    for unit in units:
        unit = unify_brackets(unit)
        if unit not in expected:
            expected.append(unit)
    assert split_units(separator.join(units)) == expected


@given(st.lists(st.text(CJK, min_size=2, max_size=3), min_size=1, max_size=5, unique=True))
def test_split_persons_of_padded_names(names):
    padded = ["  ".join(name) if len(name) == 2 else name for name in names]
    assert split_persons("、".join(padded)) == names
    assert split_persons("\n".join(padded)) == names


@given(st.text())
def test_unit_key_ignores_width_and_spaces(value):
    assert unit_key(value) == unit_key(unify_brackets(value).replace("\u3000", " "))


# ------------------------------------------------------------------ the unit/title splitter

SPLITS = [
    ("区卫健局党组书记", "区卫健局", "党组书记"),
    ("区人民政府副区长", "区人民政府", "副区长"),
    ("区政府办副主任、三级主任科员", "区政府办", "副主任、三级主任科员"),
    ("区医保分中心主任", "区医保分中心", "主任"),
    ("临海市委常委、副市长", "临海市委", "常委、副市长"),
    ("区城管局市政公用事业服务中心主任", "区城管局市政公用事业服务中心", "主任"),
    ("前黄镇镇党委组织委员", "前黄镇", "镇党委组织委员"),
    ("界山镇党委组织委员", "界山镇", "党委组织委员"),
    ("后龙镇社会事务服务中心主任", "后龙镇社会事务服务中心", "主任"),
    ("峰尾镇党委副书记、政法委员", "峰尾镇", "党委副书记、政法委员"),
    ("涂岭镇党委二级主任科员", "涂岭镇", "党委二级主任科员"),
    ("山腰街道办事处副主任", "山腰街道办事处", "副主任"),
    ("区民政局党组成员、副局长", "区民政局", "党组成员、副局长"),
    ("区农水局副局长、二级主任科员", "区农水局", "副局长、二级主任科员"),
    ("区委文明办副主任、一级主任科员", "区委文明办", "副主任、一级主任科员"),
    ("区委宣传部副部长", "区委宣传部", "副部长"),
    ("区委宣传部部长", "区委宣传部", "部长"),
    ("区纪委书记", "区纪委", "书记"),
    ("南埔镇副镇长", "南埔镇", "副镇长"),
    ("市府办副主任", "市府办", "副主任"),
    ("市委老干部局", "市委老干部局", None),
    ("市发展和改革局价格监测与成本调查局", "市发展和改革局价格监测与成本调查局", None),
    ("市经济和信息化局产业与资源科", "市经济和信息化局产业与资源科", None),
    ("市文化广电旅游体育局公共服务和艺术科", "市文化广电旅游体育局公共服务和艺术科", None),
    ("泉港区长寿之乡工作领导小组办公室主任", "泉港区长寿之乡工作领导小组办公室", "主任"),
    ("区卫健局 局长", "区卫健局", "局长"),
    ("区委宣传部(区文明办)副部长", "区委宣传部（区文明办）", "副部长"),
    ("副区长", None, "副区长"),
    ("区卫健局首席专家", "区卫健局首席专家", None),
    ("", None, None),
]


@pytest.mark.parametrize(("text", "unit", "title"), SPLITS)
def test_split_unit_title(text, unit, title):
    assert split_unit_title(text) == (unit, title)


def test_a_known_unit_wins():
    assert split_unit_title("区卫健局局长", ["区卫健局"]) == ("区卫健局", "局长")
    assert split_unit_title("区卫健局", ["区卫健局"]) == ("区卫健局", None)
    # without it, the unit could only be guessed; with it, the split is certain
    assert split_unit_title("泉港区长寿办主任", ["泉港区长寿办"]) == ("泉港区长寿办", "主任")
    assert split_unit_title("区城管局市政公用事业服务中心主任", ["区城管局"]) == (
        "区城管局市政公用事业服务中心", "主任")
    # the longest known unit
    assert split_unit_title("区委宣传部副部长", ["区委", "区委宣传部"]) == ("区委宣传部", "副部长")
    # known names are compared after cleaning
    assert split_unit_title("区委宣传部（融媒体中心）主任", ["区委宣传部(融媒体中心)"]) == (
        "区委宣传部（融媒体中心）", "主任")


PREFIX = st.sampled_from(["", "副", "常务副", "党组", "党委", "党委副", "一级", "二级", "三级", "四级", "党组成员、副"])
CORE = st.sampled_from(["局长", "主任", "书记", "部长", "镇长", "区长", "科员", "主任科员", "委员", "馆长", "院长",
                        "主席", "秘书长", "调研员", "组织委员", "政法委员"])
TITLE = st.lists(st.tuples(PREFIX, CORE).map("".join), min_size=1, max_size=3).map("、".join)
UNITS = st.sampled_from(["区卫健局", "区人民政府", "区政府办", "区医保分中心", "界山镇", "区委宣传部", "山腰街道办事处",
                         "市委老干部局", "区城管局市政公用事业服务中心", "区委宣传部（融媒体中心）", "市卫生健康委"])


@given(UNITS, TITLE)
def test_known_unit_and_any_title_split_back(unit, title):
    assert is_title(title)
    assert split_unit_title(unit + title, [unit]) == (unit, title)
    assert split_unit_title(f"{unit} {title}") == (unit, title)


@settings(max_examples=300)
@given(st.text(max_size=60), st.lists(st.text(max_size=8), max_size=3))
@example("局长、、副局长", [])
@example("区" * 60, ["区"])
@example("a b 局长", [])
@example("China Mobile 经理", ["China Mobile"])
def test_split_unit_title_loses_nothing_and_invents_nothing(text, known):
    unit, title = split_unit_title(text, known)
    assert ((unit or "") + (title or "")).replace(" ", "") == clean_unit(text).replace(" ", "")
    assert unit is None or unit == unit.strip()
    assert title is None or is_title(title)
    assert unit is None or unit


_CHINESE_PUNCTUATION = "（）《》【】〔〕“”、，。；：？！"


def _chinese(char: str) -> bool:
    """A Chinese character by its Unicode name (not by the implementation's ranges), or Chinese
    punctuation."""
    import unicodedata

    name = unicodedata.name(char, "")
    return name.startswith(("CJK UNIFIED IDEOGRAPH", "CJK COMPATIBILITY IDEOGRAPH")) or char in _CHINESE_PUNCTUATION


def _padding_removed_by_lookarounds(text: str) -> str:
    """The rule, spelt out: a run of spaces goes when it stands between two Chinese characters,
    between a Chinese character and an ASCII digit, or between a digit (or %) and a Chinese
    character; every other run stays as it is."""
    import re

    out: list[str] = []
    for m in re.finditer(r"\s+|\S+", text):
        piece = m.group()
        if piece.isspace() and out and m.end() < len(text):
            before, after = text[m.start() - 1], text[m.end()]
            if (_chinese(before) and (_chinese(after) or after in "0123456789")) or (
                    before in "0123456789%％" and _chinese(after)):
                continue
        out.append(piece)
    return "".join(out)


@settings(max_examples=2000)
@given(st.text(alphabet=list("中文字（）《》【】〔〕“”、，。；：？！ab12%％ \u00a0\u3000\tあ가") + ["\U00020000", "\u3400",
                                                                                     "\uf900", "\U0002a6d6"],
               max_size=16))
def test_padding_between_chinese_and_numbers_goes_and_other_spaces_stay(text):
    plain = clean_text(text)
    assert clean_sentence(text) == _padding_removed_by_lookarounds(plain.replace("\n", ""))


# ---------------------------------------------------------------- each rule with its exact result


@pytest.mark.parametrize(
    "value, expected",
    [
        (None, ""), (0, "0"), (12.5, "12.5"), ("  a  ", "a"), ("a\tb", "a b"), ("a\u00a0\u00a0b", "a b"),
        ("a\u3000b", "a b"), ("a\u2003b", "a b"), ("甲\r\n乙", "甲\n乙"), ("甲\r乙", "甲\n乙"), ("甲\u2028乙", "甲\n乙"),
        ("甲\u2029乙", "甲\n乙"), ("甲\x85乙", "甲\n乙"), ("甲\u200b乙\ufeff", "甲乙"), ("甲\u00ad乙\u2060", "甲乙"),
        ("甲\u200c\u200d乙", "甲乙"), ("甲\x00\x07乙\x1f\x7f", "甲乙"), ("甲\x9f乙", "甲乙"), ("a\x0bb", "a b"),
        ("  甲  \n\n   \n 乙   丙 ", "甲\n乙 丙"), ("甲\n\n乙", "甲\n乙"), ("\n\n甲\n", "甲"), ("a  b   c", "a b c"),
    ],
)
def test_clean_text_exactly(value, expected):
    assert clean_text(value) == expected


@pytest.mark.parametrize(
    "value, expected",
    [("各乡(镇)", "各乡（镇）"), ("[县委]办", "【县委】办"), ("无括号", "无括号"), ("((a))", "（（a））")],
)
def test_unify_brackets_exactly(value, expected):
    assert unify_brackets(value) == expected


@pytest.mark.parametrize(
    "value, expected",
    [("推进养老\n服务", "推进养老服务"), ("达到\n95%", "达到95%"), ("Smart\nCity", "Smart City"), ("第3\n4项", "第3 4项"),
     ("a\n甲", "a甲"), ("甲\nb", "甲b"), ("one", "one"), ("x.\ny", "x.y"), ("a\nb\nc", "a b c"), ("甲 乙\n丙", "甲 乙丙"), ("甲\n1", "甲1"), ("1\n甲", "1甲")],
)
def test_join_wrapped_exactly(value, expected):
    assert join_wrapped(value) == expected


@pytest.mark.parametrize(
    "value, expected",
    [("推进 养老 服务", "推进养老服务"), ("达到 95% 以上", "达到95%以上"), ("到 2022年", "到2022年"),
     ("完成 100 户", "完成100户"), ("Smart City 建设", "Smart City 建设"), (" 首尾 ", "首尾"), ("甲 (乙)", "甲（乙）"),
     ("a 1", "a 1"), ("95％ 以上", "95％以上"), ("推进\n养老", "推进养老"), ("甲 ", "甲"), ("", ""),
     ("甲 X光", "甲 X光"), ("X 甲", "X 甲"), ("甲 Y", "甲 Y")],
)
def test_clean_sentence_exactly(value, expected):
    assert clean_sentence(value) == expected


@pytest.mark.parametrize(
    "value, expected",
    [("县 民政局", "县民政局"), ("、县民政局，", "县民政局"), ("；县民政局;", "县民政局"), (",县民政局 ", "县民政局"),
     ("各乡(镇)", "各乡（镇）"), ("县科技文\n体局", "县科技文体局"), ("China Mobile", "China Mobile")],
)
def test_clean_unit_and_clean_name_exactly(value, expected):
    assert clean_unit(value) == expected
    assert clean_name(value) == expected


@pytest.mark.parametrize(
    "value, expected",
    [("县民政局\n县财政局", ["县民政局", "县财政局"]), ("县民政局、县财政局，县教育局", ["县民政局", "县财政局", "县教育局"]),
     ("甲局,乙局;丙局；丁局/戊局／己局", ["甲局", "乙局", "丙局", "丁局", "戊局", "己局"]),
     ("各镇（园区、街道）、县民政局", ["各镇（园区、街道）", "县民政局"]), ("各镇(园区、街道)", ["各镇（园区、街道）"]),
     ("县民政局、县民政局", ["县民政局"]), ("、、县民政局、", ["县民政局"]), ("甲）、乙局", ["甲）", "乙局"]),
     ("【县委、县政府】办", ["【县委、县政府】办"]), ("《甲、乙》", ["《甲、乙》"]), ("“甲、乙”", ["“甲、乙”"]),
     ("〔甲、乙〕", ["〔甲、乙〕"]), ("‘甲、乙’", ["‘甲、乙’"]), (None, []),
     ("各镇（园区（街道）、社区）、县民政局", ["各镇（园区（街道）、社区）", "县民政局"])],
)
def test_split_units_exactly(value, expected):
    assert split_units(value) == expected


@pytest.mark.parametrize(
    "value, expected",
    [("张三 李四", ["张三", "李四"]), ("刘  琛", ["刘琛"]), ("王 宇 张三", ["王宇", "张三"]), ("张三、李四\n王五", ["张三", "李四", "王五"]),
     ("张三（挂职）", ["张三（挂职）"]), ("张三(组长、牵头)", ["张三（组长、牵头）"]), ("", []), (None, []),
     ("张三 李 四", ["张三", "李四"]), ("a b", ["a b"]), ("Tom Li", ["Tom", "Li"]),
     ("王 宇 张三 李 四", ["王宇", "张三", "李四"])],
)
def test_split_persons_exactly(value, expected):
    assert split_persons(value) == expected


@pytest.mark.parametrize(
    "a, b", [("县民政局", "县 民政局"), ("ＡＢＣ局", "abc局"), ("各乡(镇)", "各乡（镇）"), ("县民政局 ", "县民政局")],
)
def test_unit_key_equal(a, b):
    assert unit_key(a) == unit_key(b)


def test_unit_key_differs():
    assert unit_key("县民政局") != unit_key("县财政局")
    assert unit_key("A B局") == "ab局"


# ---------------------------------------------------------------- issue 17: the bracket-free fast path

from hypothesis import given as _given  # noqa: E402
from hypothesis import strategies as _st  # noqa: E402


def _split_by_hand(text: str, separators: set[str]) -> list[str]:
    """split_outside_brackets as it was before its fast path: a character loop counting brackets."""
    parts, depth, current = [], 0, []
    for char in text:
        if char in "（【《“‘〔":
            depth += 1
        elif char in "）】》”’〕" and depth:
            depth -= 1
        if char in separators and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


@_given(_st.text(alphabet="县民政局刘 琛\n、，,；;/／（）【】“”ab1", max_size=30))
def test_splitting_with_and_without_brackets_is_the_character_loop(text):
    from importers.normalize import _UNIT_SEPARATORS, split_outside_brackets, split_persons, split_units

    assert split_outside_brackets(text, _UNIT_SEPARATORS) == _split_by_hand(text, _UNIT_SEPARATORS)
    split_units(text), split_persons(text)  # never fail


@_given(_st.text(alphabet="县民政局医保中心刘 琛\n、，,；;/／（）牵头配合：ab", max_size=30))
def test_unit_cells_split_with_and_without_brackets_alike(text):
    """importers.table._pieces' fast path (no bracket in the cell) gives what its loop gives."""
    from importers import table

    fast = table._pieces(text)
    # a bracket at the very end makes _pieces take its character loop; it opens after every
    # separator, so all pieces but the last one are the same
    slow = table._pieces(text + "（")
    assert fast[:-1] == slow[:len(fast) - 1]
