"""Split "区卫健局党组书记" into its unit (区卫健局) and the title (党组书记) where the title begins.

The rule (PRODUCT §4), as a careful clerk applies it:

1. A space between unit and title ("区卫健局 局长") is taken at its word when the part after the last
   space is a title.
2. A known unit at the start wins (the longest one); what follows it is the title when it reads as one.
3. Otherwise the title is the longest tail that reads entirely as titles — words such as 区长 局长 主任
   书记 部长 镇长 党组成员 科员 委员 馆长 院长 主席 秘书长 调研员 主任科员 组织委员 政法委员 常委, each with
   副 常务 一级…四级 党组 党委 镇党委 and the like before it, several joined by 、 ("副局长、二级主任科员").
   The part before it must end like a unit (局 办 委 部 室 府 处 镇 中心 …), so 界山镇党委组织委员 splits
   after 界山镇 and never after 界山.
4. When nothing reads as a title the whole text is the unit (title None): 市委老干部局, and a liaison's
   unit with its section, 市发展和改革局价格监测与成本调查局, stay whole. Nothing is guessed or invented:
   unit + title always gives back the (cleaned) text.

Limits: "临海市委常委、副市长" gives 临海市委 | 常委、副市长 — read together they say what the notice says
(a standing member of the city party committee who is also vice mayor); the second post's body (the
city government) is not invented. Colloquial "宣传部长" after 区委 gives 区委 | 宣传部长. A title word
unknown here (e.g. 主任医师 is known, 首席专家 is not) leaves the whole text as the unit.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from importers.normalize import clean_text, clean_unit, unify_brackets

# What may stand before a title word, possibly several: 党委副书记, 常务副区长, 镇党委组织委员.
_PREFIXES = (
    "常务", "副", "一级", "二级", "三级", "四级", "正", "总", "专职", "兼职", "执行", "名誉",
    "党组", "党委", "党工委", "党总支", "党支部", "镇党委", "乡党委", "街道党工委", "机关党委", "纪委",
    "纪工委", "政法委", "正科级", "副科级", "正处级", "副处级", "正股级", "副股级", "驻会", "挂职",
)
# Title words proper.
_CORES = (
    "区长", "县长", "市长", "镇长", "乡长", "州长", "省长", "盟长", "旗长", "主任", "书记", "部长", "厅长", "局长", "处长", "科长", "股长",
    "所长", "站长", "队长", "组长", "院长", "馆长", "校长", "园长", "行长", "社长", "会长", "台长", "庭长", "检察长", "署长", "主席", "秘书长",
    "主任科员", "科员", "办事员", "调研员", "巡视员", "督学", "委员", "党组成员", "组织委员", "政法委员", "宣传委员", "纪检委员", "统战委员",
    "武装部长", "宣传部长", "组织部长", "统战部长", "常委", "政委", "教导员", "经理", "董事长", "理事长", "监事长", "负责人", "专员", "干事",
    "秘书", "主任医师", "护士长", "总监", "工程师", "总会计师", "总经济师", "总师", "指导员", "主管", "审判员", "检察官", "法官", "馆员",
    "研究员", "教授",
)
_SEPARATORS = "、，,／/"


def _alternation(words: Iterable[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


_ONE_TITLE = rf"(?:{_alternation(_PREFIXES)})*(?:{_alternation(_CORES)})"
# Several titles need a separator between them (、 or 兼), and no word above is a prefix plus a
# title word (常务副 is 常务 + 副), so a text reads as titles in one way only: no backtracking blow-up.
_TITLES = re.compile(
    rf"{_ONE_TITLE}(?:(?:[{_SEPARATORS}]兼?|兼){_ONE_TITLE})*(?:（[^（）]{{1,12}}）)?"
)
MAX_LENGTH = 120  # longer texts are not read as unit + title (kept whole)
# Last characters of a unit name (局 办 委 …, 中心, 政府, 街道, 办事处, a closing bracket).
UNIT_ENDINGS = frozenset("局办委部室府处镇乡道区县市省院所科股会厅馆站队团联社司心组署庭校园台厂场狱关营盟党协行学库村）")


def is_title(text: str) -> bool:
    """True when the whole text reads as one or more titles: 副局长, 党委副书记、政法委员."""
    return bool(text) and len(text) <= MAX_LENGTH and _TITLES.fullmatch(text) is not None


def ends_like_unit(text: str) -> bool:
    return bool(text) and text[-1] in UNIT_ENDINGS


def ends_with_title(text: str) -> bool:
    """True when some tail of the text is a title, after something that ends like a unit or nothing."""
    _, title = split_unit_title(text)
    return title is not None


def split_unit_title(text: object, known_units: Iterable[str] = ()) -> tuple[str | None, str | None]:
    """(unit, title) of a "unit + title" text; either may be None. See the module notes for the rule."""
    whole = clean_unit(text)
    if not whole:
        return None, None
    # 1. "区卫健局 局长": a space before a title.
    raw = clean_unit_keep_spaces(text)
    if " " in raw:
        left, _, right = raw.rpartition(" ")
        right = clean_unit(right)
        if is_title(right):
            left_unit = clean_unit(left)
            return (left_unit or None), right
    if len(whole) > MAX_LENGTH:
        return whole, None
    known = sorted({clean_unit(u) for u in known_units} - {""}, key=len, reverse=True)
    # 2. A known unit at the start.
    for unit in known:
        if whole.startswith(unit):
            rest = whole[len(unit):].strip()
            if not rest:
                return unit, None
            if is_title(rest):
                return unit, rest
            return _split_at_title(whole, start=len(unit) + 1)
    # 3. The longest tail that is all titles, after something unit-like.
    return _split_at_title(whole, start=0)


def _split_at_title(text: str, start: int) -> tuple[str | None, str | None]:
    if start == 0 and is_title(text):
        return None, text
    for cut in range(max(start, 2), len(text)):  # 区 or 市 alone is never the unit
        unit, rest = text[:cut].rstrip(), text[cut:]
        if ends_like_unit(unit) and is_title(rest):
            return unit, rest
    return text, None


def clean_unit_keep_spaces(value: object) -> str:
    """The text cleaned like a unit but with single spaces kept where they were (a split hint)."""
    return unify_brackets(" ".join(clean_text(value).split()))
