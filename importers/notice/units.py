"""Units as a notice writes them beside its tasks.

* a line of its own: "责任单位:市民政局、市发展改革局", "牵头单位：X", "配合单位：Y、Z", "责任部门：…",
  "牵头单位：X；配合单位：Y" (also inside brackets: "（责任单位：X）");
* inline at the end of the task: "（牵头单位：X；配合单位：Y、Z）", "（X牵头，Y、Z配合）", "（X负责）",
  "（责任单位：…）", and bare names beside a deadline, "（X、Y，2024年底前）" (read as 责任单位).

Beside the units the same brackets or line often give the deadline: "（牵头单位：X；完成时限：2024年12月底）",
"（责任单位：X，2024年11月底前完成）". Such a clause is the task's deadline (``Units.deadline``), never a
unit: a labelled one (完成时限：, 完成时间：, 时间节点：, 时限：…) whatever it says (长期坚持 too), an
unlabelled one when it reads as a date or as no date on purpose (长期坚持, 每年:
``importers.deadline.parse_due``, ``is_open_ended``), is short, and does not end like a unit.
A line of its own under a task, "完成时限：2024年12月底前" (``deadline_line``), gives it too. Any other
labelled clause among the units ("责任人：张三", "分管领导：李四") is kept as written for the task's notes
(``Units.notes``): no unit has a colon in its name.

Units split as the table importer splits them (newline 、 ， , ； ; /, never inside brackets:
市卫生健康局（市老龄办） is one unit). The role of each unit is lead, co, or "responsible" — the
责任单位 of a notice, whose first unit leads unless a lead is named (``assign``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from importers.deadline import is_open_ended, parse_due
from importers.normalize import clean_unit, split_outside_brackets, split_units

LEAD, CO, RESPONSIBLE = "lead", "co", "responsible"

_LABEL_WORDS = {
    LEAD: ("牵头单位", "牵头部门", "主责单位", "主责部门", "主办单位", "主办部门", "牵头"),
    CO: ("配合单位", "配合部门", "协办单位", "协办部门", "参与单位", "参与部门", "协同单位", "协同部门", "配合"),
    RESPONSIBLE: ("责任单位", "责任部门", "责任主体", "实施单位", "承办单位", "落实单位", "责任处室", "责任科室"),
}
_ROLE_OF_LABEL = {word: role for role, words in _LABEL_WORDS.items() for word in words}
_LABEL = re.compile(r"^(?P<label>" + "|".join(sorted(_ROLE_OF_LABEL, key=len, reverse=True)) + r")\s*[:：]\s*")
_LINE_LABEL = re.compile(r"^（?\s*(?:" + "|".join(w for w in sorted(_ROLE_OF_LABEL, key=len, reverse=True) if len(w) > 2)
                         + r")\s*[:：]")
# a label after a space inside one bracket starts a clause: "（牵头单位：X 配合单位：Y 完成时限：Z）"
_DEADLINE_WORDS = ("完成时限", "完成时间", "完成期限", "办结时限", "时间节点", "时间安排", "进度安排", "时限要求")
_LABEL_INSIDE = re.compile(r"\s+(?=(?:" + "|".join([w for w in _ROLE_OF_LABEL if len(w) > 2] + list(_DEADLINE_WORDS))
                           + r")\s*[:：])")
_ROLE_WORD = re.compile(r"(?P<word>牵头|配合|协办|参与|协助|负责|落实|实施)(?:实施|落实)?$")
_ROLE_OF_WORD = {"牵头": LEAD, "配合": CO, "协办": CO, "参与": CO, "协助": CO, "负责": RESPONSIBLE,
                 "落实": RESPONSIBLE, "实施": RESPONSIBLE}
_FILLER = re.compile(r"(?:等(?:有关|相关)?(?:部门|单位)|等|按职责分工|按职能分工|按职责|按职能|分别|共同|具体|各自)$")
_UNIT_END = re.compile(
    r"(局|办|委|部|中心|院|所|队|会|站|室|处|科|股|镇|乡|街道|政府|公司|组|厅|馆|团|社|联|协|行|台|司|区|县|市|村|"
    r"校|场|厂|署|关|班|位|门|园|）|党委|支部|人大|政协|工委|分局|专班)$"
)
_DEADLINE_LABEL = re.compile(r"^(?:完成|办结|落实|工作|进度)?(?:时限|时间|期限|时间节点|节点|时间安排|安排)(?:要求)?\s*[:：]\s*")
# a line of its own: only labels that cannot be anything else ("时间：" alone may be a meeting's)
_DEADLINE_LINE = re.compile(r"^（?\s*(?:(?:完成|办结|落实)(?:时限|时间|期限)|时间节点|时限)(?:要求)?\s*[:：]\s*")
_OTHER_LABEL = re.compile(r"^[^：:（）()]{1,8}[:：]\s*\S")  # a clause "label：value" of another kind
# Units named bare, without a label or a role word ("（县民政局，2024年底前）"), are read only beside a
# deadline clause in the same bracket: a bare name in brackets alone is too often something else
# ("（含县医院）"). Even then a name is no unit when it starts like a remark or ends with a place alone
# ("覆盖全县"; "各乡镇" is one: it names every township's government).
_NOT_BARE_UNIT = re.compile(r"^(?:含|包括|包含|不含|如|除|其中|即|涉及|覆盖|全)|(?<!各.)(?<!各)[县市区村镇乡]$")
_CLAUSE_BREAKS = set("；;，,。")
MAX_UNIT_CHARS = 40


@dataclass
class Units:
    """Units found for a task or a section, in order, each with its role."""

    named: list[tuple[str, str]] = field(default_factory=list)  # (role, unit)
    deadline: str | None = None  # a deadline clause among them, as written ("2024年12月底前")
    notes: list[str] = field(default_factory=list)  # other labelled clauses among them ("责任人：张三"), as written

    def __bool__(self) -> bool:
        return bool(self.named)

    def roles(self) -> set[str]:
        return {role for role, _ in self.named}


def _clauses(text: str) -> list[str]:
    parts = split_outside_brackets(_LABEL_INSIDE.sub("；", text), _CLAUSE_BREAKS)
    return [c.strip() for c in parts if c.strip()]


def _is_unit(name: str) -> bool:
    return 0 < len(name) <= MAX_UNIT_CHARS and "。" not in name and not name[0].isdigit()


def parse_units(text: str, *, need_roles: bool = False) -> Units | None:
    """The units of a units text ("牵头单位：X；配合单位：Y、Z", "X牵头，Y、Z配合", "X负责"), or None
    when it does not read as units. Without a label or role word a text is units only when
    ``need_roles`` is False (the value of a 责任单位 line that was already recognised)."""
    found = Units()
    role: str | None = None
    after_note = False  # the clause before was a note: "责任人：张三，13800000000" goes on it
    bare = False  # some units named without a label or role word: units only beside a deadline (above)
    for clause in _clauses(text):
        when = _deadline_clause(clause)
        if when is not None:
            found.deadline = when or found.deadline
            after_note = False
            continue
        m = _LABEL.match(clause)
        if m:
            role = _ROLE_OF_LABEL[m.group("label")]
            rest = clause[m.end():]
        elif _OTHER_LABEL.match(clause):  # "责任人：张三", "分管领导：李四": no unit has a colon in its name
            found.notes.append(clause)
            after_note = True
            continue
        elif after_note and not _UNIT_END.search(clause) and not _ROLE_WORD.search(clause):
            found.notes[-1] += f"，{clause}"
            continue
        else:
            w = _ROLE_WORD.search(clause)
            if w and _UNIT_END.search(_FILLER.sub("", clause[: w.start()]).strip()):
                rest, clause_role = clause[: w.start()], _ROLE_OF_WORD[w.group("word")]
                found.named.extend((clause_role, u) for u in _names(rest))
                after_note = False
                continue
            if role is None and need_roles:
                names = _names(clause)
                if names is None or not all(_UNIT_END.search(n) and not _NOT_BARE_UNIT.search(n) for n in names):
                    return None
                found.named.extend((RESPONSIBLE, u) for u in names)
                bare, after_note = True, False
                continue
            rest = clause
        names = _names(rest)
        if names is None:
            return None
        found.named.extend((role or RESPONSIBLE, u) for u in names)
        after_note = False
    if not found.named or any(not _is_unit(u) for _, u in found.named) or bare and not found.deadline:
        return None
    return found


def _deadline_clause(clause: str) -> str | None:
    """The deadline a clause among units gives ("" for a label with nothing after it), or None when
    it is not one (see the module's docstring)."""
    m = _DEADLINE_LABEL.match(clause)
    if m:
        return clause[m.end():].strip()
    if len(clause) <= 20 and not _UNIT_END.search(clause) and (parse_due(clause) is not None or is_open_ended(clause)):
        return clause  # "2024年底前", "长期坚持", "2024年起每年"
    return None


def deadline_line(text: str) -> str | None:
    """The deadline of a line such as "完成时限：2024年12月底前" under a task ("" when it says
    nothing after the label), or None when the line is not one."""
    m = _DEADLINE_LINE.match(text)
    if not m:
        return None
    return text[m.end():].strip().rstrip("）。；;").strip()


def _names(text: str) -> list[str] | None:
    text = _FILLER.sub("", text.strip()).strip()
    names = [clean_unit(_FILLER.sub("", n)) for n in split_units(text)]
    names = [n for n in names if n]
    return names if names and all(_is_unit(n) for n in names) else None


def is_units_line(text: str) -> bool:
    """A paragraph that is a units line: starts with 责任单位：/牵头单位：/配合单位：/责任部门： …"""
    return bool(_LINE_LABEL.match(text))


def units_line(text: str) -> Units | None:
    """The units of a units line (``is_units_line``), or None when its value holds no unit."""
    if text.startswith("（") and text.endswith("）"):
        text = text[1:-1]
    return parse_units(text)


_TAIL = re.compile(r"（(?P<inner>[^（）]*(?:（[^（）]*）[^（）]*)*)）\s*[。；;，,.]?\s*$")


# units after the task's own sentence on the same line, without brackets: "……。责任单位：X；完成时限：Y。"
_TRAILING_LABEL = re.compile(r"[。；;]\s*(?=(?:" + "|".join(w for w in _ROLE_OF_LABEL if len(w) > 2) + r")\s*[:：])")


def _trailing_units(text: str) -> tuple[str, Units] | None:
    """(the task's sentence, units) of "……。责任单位：X；完成时限：Y。", or None."""
    m = _TRAILING_LABEL.search(text)
    if not m:
        return None
    units = parse_units(text[m.end():].rstrip("。；;. "), need_roles=True)
    if units is None:
        return None
    return text[: m.start() + 1].rstrip("；;") + ("。" if text[m.start()] in "；;" else ""), units


def inline_units(text: str) -> tuple[str, Units] | None:
    """(text without the bracket, units) when a task text ends with its units in brackets, or with
    them after its own sentence ("……。责任单位：X")."""
    if not text.endswith(("）", "。", "；", ";", "，", ",", ".")):
        return _trailing_units(text)
    m = _TAIL.search(text, max(len(text) - 400, 0))
    if not m:
        return _trailing_units(text)
    units = parse_units(m.group("inner"), need_roles=True)
    if units is None:
        return None
    rest = text[: m.start()].rstrip()
    if rest and rest[-1] not in "。；;！？!?":
        tail = m.group(0)[m.group(0).rindex("）") + 1:].strip()
        rest += tail if tail in ("。", "；") else ""
    return rest, units


def assign(units: Units, lead: list[str], co: list[str]) -> None:
    """Add ``units`` to a task's lead and co lists: named leads lead, co-operating units co-operate,
    and of the 责任单位 the first leads when the task has no lead yet, the rest co-operate."""
    responsible_first = not lead and LEAD not in units.roles()
    for role, unit in units.named:
        if role == RESPONSIBLE:
            role = LEAD if responsible_first else CO
            responsible_first = False
        target = lead if role == LEAD else co
        if unit not in lead and unit not in co:
            target.append(unit)
