"""Read a group's roster (成员名单): text pasted from the notice, or a roster spreadsheet.

Text, as notices print it::

    组 长： 庄一鸣 区人民政府副区长
    副 组 长:赵立东 市府办副主任
    詹才勇 市民政局局长                 ← no role label: the role above continues
    联 络 员:高晨瑶 市委老干部局办公室
    吴含英 市文化广电旅游体育局公共服务和艺
    术科                                 ← the tail of the line above, joined to it

Decisions:

- Roles lose their spaces; 组员 is read as 成员; every other label is kept as written (常务副组长,
  秘书长, 办公室常务副主任 …).
- Text before the first role label is skipped, except sentences naming a role's holder —
  "办公室主任由区卫健局局长林金辉兼任，办公室常务副主任由陈宗忠兼任", "组长由区长张三担任" — which add
  those persons with those roles: office heads after everyone listed, a 组长/副组长 before them. A
  sentence naming no unit takes unit and title from the same person listed (陈宗忠 above); a person
  already listed with that role is not added twice. Such sentences alone do not make a text a
  roster: a role label is needed.
- A line is a new person when it starts with a name (two to four characters after a common surname,
  padded names "王  宇" joined); a short line that does not, or any line while the previous person's
  unit breaks off mid-word, is the tail of the previous person's unit/title.
- A sentence (。, or a long line with commas) after the list ends it: a warning names the line.
- Unit and title are split by ``importers.titles.split_unit_title``.

Files are read through ``importers.readers`` (``importers.columns.read_table_or_text``): .txt in
UTF-8 (with or without BOM), UTF-16 with BOM, or GBK; .docx (a roster table, else its paragraphs
as text); .xlsx/.xlsm/.xls/.ods and .csv, with columns 序号/姓名/单位/职务/组内职务/电话 in any order
under a header found by its words. Merged cells are filled: a role or unit merged down applies to
each row it covers, and a role heading merged across the table ("成员") reads as one heading. Any
unreadable file is refused with ``ImportRefused`` naming it; nothing else is raised.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from importers.columns import HEADER_SCAN_ROWS, Table, cell_text, read_table_or_text
from importers.normalize import clean_name, clean_text, clean_unit, unify_brackets
from importers.readers import refuse
from importers.records import ImportWarning, MemberRecord, Origin, Roster, display_name
from importers.titles import UNIT_ENDINGS, ends_like_unit, is_title, split_unit_title

# ---------------------------------------------------------------------------------------------
# Names and roles

SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖萧田董袁潘于蒋蔡余杜叶程苏魏吕"
    "丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫阎段雷侯龙史陶黎贺顾毛郝龚邵万钱严"
    "覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒"
    "阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古"
    "吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇"
    "桑郎甄丛仲虞敖巩明佘池查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉"
    "伊仝区郜海阚花权强帅屠豆朴盖练廉禹井祖漆巴丰支卿国狄平计索宣晋相初门云容敬来扈晁芮都普阙浦戈伏鹿"
    "薄邸雍辜羊阿乌母裘亓修邰赫杭况那宿鲜印逯隆茹诸战慕危玉银亢嵇公哈湛宾戎勾茅利於呼居揭干但尉冶斯元"
    "束檀衣信展阴昝智幸奉植衡富尧闭由上东皇长钮酆郦佴卲邴汲糜禄侍缑蔚巢濮訾鄂荀羿靖"
)
_CJK_NAME = re.compile(
    r"[\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003134f]{2,4}|[\u3400-\u9fff]{1,6}·[\u3400-\u9fff]{1,8}"
)
_NOT_NAME_ENDINGS = set("局办委部室府厅处署")
_NOT_NAMES = {"名单", "如下", "单位", "职责", "附件", "成员", "组长", "副组长", "联络员", "办公室"}

CORE_ROLES = (
    "办公室常务副主任", "办公室副主任", "办公室主任", "常务副组长", "副组长", "组长", "组员", "成员", "联络员",
)
OTHER_ROLES = (
    "办公室成员", "常务副主任", "副主任", "主任", "副秘书长", "秘书长", "副召集人", "召集人", "顾问", "委员",
    "第一组长", "执行组长",
)
_ROLE_SYNONYMS = {"组员": "成员"}
_ROLE_LABEL = re.compile(
    r"^(?:[（(][一二三四五六七八九十]+[）)]|[一二三四五六七八九十]+[、.．]|\d+[、.．])?\s*"
    r"(?:(?:工作)?领导小组|工作组|(?:工作)?专班|委员会)?"
    r"(?P<label>"
    + "|".join(r"\s*".join(map(re.escape, w)) for w in sorted(CORE_ROLES + OTHER_ROLES, key=len, reverse=True))
    + r")(?P<space>\s*)(?P<colon>[:：])?\s*(?P<rest>.*)$"
)
_HEADING = re.compile(r"^(?:[（(][一二三四五六七八九十]+[）)]|[一二三四五六七八九十]+[、.．]|第[一二三四五六七八九十]+[章条节部分])")
_ARABIC_NUMBER = re.compile(r"^\d{1,3}[、.．)）]\s*")


def normalize_role(label: object) -> str:
    """"副 组 长" → 副组长, "成    员" → 成员, 组员 → 成员; other roles as written without spaces."""
    role = re.sub(r"\s+", "", clean_text(label)).strip(":：")
    return _ROLE_SYNONYMS.get(role, role)


def is_name(token: str) -> bool:
    """Two to four Chinese characters after a common surname, not a title or unit-like word."""
    if not _CJK_NAME.fullmatch(token) or token in _NOT_NAMES:
        return False
    if "·" in token:
        return True  # 买买提·艾力
    if token[0] not in SURNAMES or token[-1] in _NOT_NAME_ENDINGS:
        return False
    return not is_title(token)


def is_clear_name(token: str) -> bool:
    """A name that cannot be a short unit either (张三, not 南埔镇 or 海关)."""
    return is_name(token) and len(token) <= 3 and token[-1] not in UNIT_ENDINGS


def _merge_single_characters(tokens: list[str]) -> list[str]:
    merged: list[str] = []
    run = ""
    for token in tokens + [""]:
        if len(token) == 1 and not token.isascii():
            run += token
            continue
        if run:
            merged.append(run)
            run = ""
        if token:
            merged.append(token)
    return merged


def _complete(text: str) -> bool:
    """True when a unit/title text ends where one can end (a unit ending or a title)."""
    compact = text.replace(" ", "")
    return ends_like_unit(compact) or split_unit_title(compact)[1] is not None


# ---------------------------------------------------------------------------------------------
# Pasted text


@dataclass
class _Entry:
    name: str
    role: str
    text: str
    line: int
    phone: str | None = None


@dataclass
class _State:
    source: str
    known_units: tuple[str, ...]
    entries: list[_Entry] = field(default_factory=list)
    office: list[_Entry] = field(default_factory=list)
    warnings: list[ImportWarning] = field(default_factory=list)
    role: str | None = None
    labels: int = 0

    def warn(self, line: int, message: str) -> None:
        self.warnings.append(ImportWarning(message, Origin(self.source, row=line)))


def parse_roster_text(text: str, source: str = "", known_units: Iterable[str] = ()) -> Roster:
    """Members of a roster pasted from a notice, in the notice's order."""
    state = _State(source=source or "粘贴的文本", known_units=tuple(known_units))
    lines = re.sub(r"\r\n?|[\u2028\u2029\x85]", "\n", text or "").split("\n")
    for number, raw in enumerate(lines, start=1):
        line = _strip_markup(raw)
        if line:
            _read_line(state, number, line)
    if not state.labels:
        raise refuse(
            state.source,
            "没有找到组长、副组长、成员等角色标记（如「组 长：」「成 员：」），无法按成员名单读取；"
            "请确认粘贴的是通知中的成员名单。",
        )
    members = []
    for entry in state.entries:  # units named earlier in the roster are known units for later lines:
        members.append(_member(state, entry))  # 联络员 王光永 市民政局社会救助和福利保障科 → 市民政局 | 社会救助…科
        if members[-1].unit and members[-1].role != "联络员" and members[-1].unit not in state.known_units:
            state.known_units += (members[-1].unit,)
    named = _office_members(state, members)
    leaders = [m for m in named if m.role.endswith("组长")]
    members = leaders + members + [m for m in named if m not in leaders]
    if not members:
        raise refuse(state.source, "找到了角色标记，但没有读到任何成员（姓名 单位职务）。")
    for order, member in enumerate(members, start=1):
        member.order = order
    _warn_repeated(members, state.warnings)
    return Roster(source=state.source, members=members, warnings=state.warnings)


def _warn_repeated(members: list[MemberRecord], warnings: list[ImportWarning]) -> None:
    """The same person twice in the same role is kept twice, and said."""
    seen: set[tuple[str, str]] = set()
    for member in members:
        key = (member.name, member.role)
        if key in seen:
            warnings.append(ImportWarning(f"「{member.role} {member.name}」出现不止一次", member.origin))
        seen.add(key)


def _strip_markup(raw: str) -> str:
    """One line cleaned of odd spaces and of Markdown left by conversions (- ** | #)."""
    line = clean_text(raw.replace("\n", " "))
    line = line.replace("**", "").replace("__", "")
    if line.startswith("|"):
        line = line.replace("|", " ")
    line = re.sub(r"^(?:[-*+>#]+\s*)+", "", line)
    return clean_text(line)


def _read_line(state: _State, number: int, line: str) -> None:
    found_office = _scan_office_sentence(state, number, line)
    label = _role_label(line)
    if label is not None:
        role, rest = label
        state.role = role
        state.labels += 1
        if rest:
            _read_persons(state, number, rest, on_label_line=True)
        return
    if state.role is None:
        return  # text before the list (title, intro) or after it
    if _HEADING.match(line):
        state.role = None  # the next section of the notice
        return
    if _is_sentence(line):
        if not found_office:
            state.warn(number, f"这一行不像成员（姓名 单位职务），未导入：{line}")
        state.role = None
        return
    _read_persons(state, number, line, on_label_line=False)


def _role_label(line: str) -> tuple[str, str] | None:
    """(role, rest of the line) when the line starts with a role label."""
    match = _ROLE_LABEL.match(line)
    if not match:
        return None
    role = normalize_role(match["label"])
    rest = match["rest"].strip()
    if match["colon"]:
        return role, rest
    if role not in CORE_ROLES and role not in _ROLE_SYNONYMS.values():
        return None
    if not rest:
        return role, rest
    words = _merge_single_characters(rest.split())
    if match["space"] and (is_name(words[0]) or is_name(words[-1])) and not _is_sentence(rest):
        return role, rest  # "组长 庄一鸣 区人民政府副区长", "组长 区人民政府副区长 庄一鸣"
    return None


def _is_sentence(line: str) -> bool:
    if any(mark in line for mark in "。！？!?"):
        return True
    if line.endswith((":", "：")):
        return True
    compact = line.replace(" ", "")
    return len(compact) > 30 and any(mark in compact for mark in "，,；;：:")


MAX_UNIT_TITLE = 60  # a unit and title longer than this take no more tail lines


@dataclass
class _Person:
    name: str
    words: list[str] = field(default_factory=list)
    phone: str | None = None
    note: str | None = None


# "（电话：138…）", "手机:138…", "0595-1234567": made one plain token before a line is read.
_PHONE_LABELLED = re.compile(
    r"[（(]?\s*(?:联系电话|办公电话|手机号码|手机号|手机|电话|联系方式|Tel|TEL|tel)\s*[:：]?\s*"
    r"(\+?\d[\d\-－— ]{5,}\d)\s*[）)]?"
)
_PHONE_BRACKETED = re.compile(r"[（(]\s*(\+?\d[\d\-－—]{5,}\d)\s*[）)]")
_PHONE_TOKEN = re.compile(r"\+?\d[\d\-－—]{5,}\d")


def _plain_phones(text: str) -> str:
    text = _PHONE_LABELLED.sub(lambda m: " " + re.sub(r"[－—]", "-", m[1].replace(" ", "")) + " ", text)
    return _PHONE_BRACKETED.sub(lambda m: " " + m[1] + " ", text).strip()


def _read_persons(state: _State, number: int, text: str, on_label_line: bool) -> None:
    if not on_label_line:
        text = _ARABIC_NUMBER.sub("", text)
    text = _plain_phones(text)
    previous = state.entries[-1] if state.entries else None
    tokens = _merge_single_characters(text.split())
    if not on_label_line and previous is not None:
        if tokens and all(_PHONE_TOKEN.fullmatch(t) for t in tokens):
            previous.phone = previous.phone or tokens[0]  # a phone on a line of its own
            return
        if len(tokens) == 1 and _is_tail(tokens[0], previous):
            previous.text += tokens[0]  # "…公共服务和艺" + "术科"
            return
    persons = _parse_persons(text, state)
    if persons:
        for person in persons:
            unit_title = " ".join(person.words)
            state.entries.append(_Entry(person.name, state.role or "成员", unit_title, number, person.phone))
            if person.note:
                state.warn(number, person.note)
        return
    compact = text.replace(" ", "")
    if (not on_label_line and previous is not None and len(compact) <= 20 and len(previous.text) <= MAX_UNIT_TITLE
            and not re.search(r"[，,；;：:]", compact)):
        previous.text += (" " if " " in text else "") + text
        return
    state.warn(number, f"没有认出姓名，这一行未导入：{text}")


def _is_tail(token: str, previous: _Entry) -> bool:
    """A one-word line that continues the previous person's unit/title rather than naming a person."""
    if len(token) > 20 or len(previous.text) > MAX_UNIT_TITLE or re.search(r"[，,；;：:]", token):
        return False
    if _PHONE_TOKEN.fullmatch(token):
        return False
    if previous.text and not _complete(previous.text):
        return True  # the line above broke off mid-word
    if is_name(token) and (len(token) == 2 or is_clear_name(token) or not previous.text):
        return False  # a person with no unit
    return bool(previous.text)  # 管理科, 办公室, 服务中心主任 …


def _parse_persons(text: str, state: _State) -> list[_Person]:
    """Each person on a line, with unit+title words and phone; [] when no name is found."""
    text = unify_brackets(text)
    pieces = [p.strip() for p in re.split(r"[、，,；;]", text) if p.strip()]
    if len(pieces) > 1 and all(_bracketed(p) or is_name(p.replace(" ", "")) for p in pieces):
        return [_bracketed(p) or _Person(p.replace(" ", "")) for p in pieces]  # 张三、李四（区财政局）
    if re.search(r"[；;]", text):
        groups = [g for g in re.split(r"[；;]", text) if g.strip()]
        parsed = [_parse_tokens(g.split(), state) for g in groups]
        if len(groups) > 1 and all(parsed):
            return [person for group in parsed for person in group]
    return _parse_tokens(text.split(), state)


def _bracketed(piece: str) -> _Person | None:
    """张三（区民政局局长） → 张三 with 区民政局局长."""
    match = re.fullmatch(r"(\S{2,4}?)\s*（(.+)）", piece.strip())
    if match and is_name(match[1]):
        return _Person(match[1], [match[2]])
    return None


def _parse_tokens(tokens: list[str], state: _State) -> list[_Person]:
    tokens = _merge_single_characters(tokens)
    names = [t for t in tokens if not _PHONE_TOKEN.fullmatch(t)]
    if not names:
        return []
    note = None
    if _bracketed(names[0]):
        first = _bracketed(names[0])
        tokens = tokens[tokens.index(names[0]) + 1:]
        persons = [first]
    elif is_name(names[0]):
        persons = []
    elif len(names) >= 2 and is_name(names[-1]) and not any(is_name(t) for t in names[:-1]):
        phones = [t for t in tokens if _PHONE_TOKEN.fullmatch(t)]
        return [_Person(names[-1], names[:-1], phones[0] if phones else None)]  # 区人民政府副区长 庄一鸣
    else:
        glued = _unglue(names[0], state.known_units)
        if not glued:
            return []
        at = tokens.index(names[0])
        tokens = tokens[:at] + list(glued) + tokens[at + 1:]
        persons = []
        note = f"姓名与单位之间没有空格，按「{glued[0]}」「{glued[1]}」拆分，请核对"
    for token in tokens:
        current = persons[-1] if persons else None
        if _PHONE_TOKEN.fullmatch(token):
            if current is not None and current.phone is None:
                current.phone = token
            continue
        if current is None or (is_clear_name(token) and (not current.words or _complete(" ".join(current.words)))):
            persons.append(_Person(token))
        else:
            current.words.append(token)
    if persons and note:
        persons[0].note = note
    return persons


_PLACE_STARTS = tuple("区市县镇乡省州旗盟") + ("街道", "各")


def _unglue(token: str, known_units: tuple[str, ...]) -> tuple[str, str] | None:
    """庄一鸣区人民政府副区长 → (庄一鸣, 区人民政府副区长) when a name is glued to its unit."""
    if len(token) <= 4 or token[0] not in SURNAMES:
        return None
    known = tuple(clean_unit(u) for u in known_units if clean_unit(u))
    for test in (lambda rest: bool(known) and rest.startswith(known), lambda rest: rest.startswith(_PLACE_STARTS)):
        for size in (3, 2):
            name, rest = token[:size], token[size:]
            if is_name(name) and test(rest):
                return name, rest
    return None


def _member(state: _State, entry: _Entry) -> MemberRecord:
    unit, title = split_unit_title(entry.text, state.known_units)
    if entry.role == "联络员" and unit and not title:
        unit, title = _liaison_section(unit, state.known_units)
    return MemberRecord(
        name=clean_name(entry.name), role=entry.role, unit=unit, title=title, phone=entry.phone,
        origin=Origin(state.source, row=entry.line),
    )


def _liaison_section(text: str, known_units: tuple[str, ...]) -> tuple[str, str | None]:
    """A liaison's member unit and section, where the roster named the unit before: 市民政局 |
    社会救助和福利保障科. The section stands where the title column would (职务/科室)."""
    for unit in sorted(known_units, key=len, reverse=True):
        rest = text[len(unit):]
        if text.startswith(unit) and len(rest) >= 2 and ends_like_unit(rest):
            return unit, rest
    return text, None


# "办公室主任由区卫健局局长林金辉兼任", "由陈宗忠同志兼任办公室常务副主任", "组长由区长张三担任".
_SENTENCE_ROLE = r"(?:(?:工作)?领导小组|工作组|(?:工作)?专班)?(?:办公室(?:常务)?副?主任|(?:常务)?副?组长)"
MAX_ROLE_CLAUSE = 200  # "办公室常务副主任由区卫健局党组成员、二级主任科员陈宗忠同志兼任" is 30 characters
_ROLE_FIRST = re.compile(rf"(?P<role>{_SENTENCE_ROLE})(?:由|为)(?P<who>[^，,。；;：:]+?)(?:同志)?(?:兼任|担任)?$")
_ROLE_LAST = re.compile(rf"由(?P<who>[^，,。；;：:]+?)(?:同志)?(?:兼任|担任)(?P<role>{_SENTENCE_ROLE})$")


def _scan_office_sentence(state: _State, number: int, line: str) -> bool:
    """Collect the persons a sentence names for a role (the office heads, mostly); True when any."""
    if "由" not in line or ("主任" not in line and "组长" not in line):
        return False
    found = False
    for clause in re.split(r"[，,。；;]", unify_brackets(line.replace(" ", ""))):
        if len(clause) > MAX_ROLE_CLAUSE:
            continue  # no such sentence, and the search would take time growing with the square of the length
        match = _ROLE_FIRST.search(clause) or _ROLE_LAST.search(clause)
        if not match:
            continue
        role = re.sub(r"^(?:工作)?领导小组|^工作组|^(?:工作)?专班", "", match["role"])
        for who in match["who"].split("、"):
            person = _split_person_at_end(who)
            if person is None:
                state.warn(number, f"读不出「{role}」的姓名：{who}")
                continue
            state.office.append(_Entry(person[0], role, person[1], number))
            found = True
    return found


def _split_person_at_end(who: str) -> tuple[str, str] | None:
    """区卫健局局长林金辉 → (林金辉, 区卫健局局长); 陈宗忠 → (陈宗忠, "")."""
    for size in (3, 2, 4):
        name, before = who[len(who) - size:], who[: len(who) - size]
        if len(who) >= size and is_name(name) and (not before or split_unit_title(before)[1] is not None):
            return name, before
    return None


def _office_members(state: _State, listed: list[MemberRecord]) -> list[MemberRecord]:
    added: list[MemberRecord] = []
    for entry in state.office:
        name = clean_name(entry.name)
        if any(m.name == name and m.role == entry.role for m in listed + added):
            continue
        member = _member(state, entry)
        if member.unit is None and member.title is None:
            same = next((m for m in listed if m.name == name), None)
            if same is not None:
                member.unit, member.title, member.phone = same.unit, same.title, same.phone
        added.append(member)
    return added


# ---------------------------------------------------------------------------------------------
# Spreadsheets

_COLUMNS = {
    "role": ("组内职务", "小组职务", "组内分工", "组内角色", "领导小组职务", "小组内职务", "在领导小组中职务",
             "在小组中职务", "拟任职务", "担任职务", "角色", "成员类别", "人员类别", "类别", "身份"),
    "name": ("姓名", "名字", "人员姓名", "成员姓名", "人员", "成员"),
    "unit_title": ("单位及职务", "单位和职务", "单位职务", "工作单位及职务", "单位及职务职级", "单位及职位"),
    "unit": ("单位", "工作单位", "所在单位", "成员单位", "部门", "单位名称", "所在部门", "单位（部门）"),
    "title": ("职务", "现任职务", "行政职务", "职务职级", "职级", "职称", "职位"),
    "phone": ("电话", "联系电话", "手机", "手机号码", "手机号", "办公电话", "联系方式", "电话号码"),
    "number": ("序号", "编号"),
}
_OTHER_COLUMNS = ("unit", "title", "role", "unit_title")
_NOTE_STARTS = ("注", "备注", "说明")


def read_roster(path: str | Path, known_units: Iterable[str] = ()) -> Roster:
    """Roster from a notice's text (.txt) or a roster spreadsheet (.xlsx .xls .ods .csv), or .docx."""
    source = display_name(path)
    known = tuple(known_units)
    return read_table_or_text(
        path, what="成员名单", columns=_COLUMNS, required="name", others=_OTHER_COLUMNS,
        from_table=lambda table: _roster_from_table(source, table, known),
        from_text=lambda text: parse_roster_text(text, source, known),
        cell_separator="  ",
        no_header=f"在前 {HEADER_SCAN_ROWS} 行没有找到成员名单的表头（需要「姓名」以及「单位」「职务」或「组内职务」列）。",
    )


MAX_NAMES_IN_CELL = 10  # a roster row names one person, sometimes two or three sharing a unit and title


def _roster_from_table(source: str, table: Table, known: tuple[str, ...]) -> Roster:
    roster = Roster(source=source)
    columns = table.columns
    role = None
    if "role" not in columns:
        role = "成员"
    role_from_heading = False
    value = table.value

    for index in range(table.header_row + 1, len(table.grid.rows)):
        row = table.grid.rows[index]
        origin = Origin(source, sheet=table.sheet, row=table.row_number(index))
        texts = list(dict.fromkeys(t for t in map(cell_text, row) if t))  # a heading merged across counts once
        if not texts:
            continue
        if len(texts) == 1:
            label = _role_label(texts[0] if texts[0].endswith((":", "：")) else texts[0] + "：")
            if label and not label[1]:
                role, role_from_heading = label[0], True
                continue
            if texts[0].startswith(_NOTE_STARTS):
                break  # a note under the table, merged across it or in the first column
        name = value(index, "name")
        if not clean_name(name):  # empty, or only punctuation such as 「、」
            if texts[0].startswith(_NOTE_STARTS):
                break
            roster.warnings.append(ImportWarning("这一行没有姓名，未导入", origin))
            continue
        if "role" in columns and normalize_role(value(index, "role")):  # not empty, nor only 「：」
            role = normalize_role(value(index, "role"))
        elif role is None:
            role = "成员"
            roster.warnings.append(ImportWarning("组内职务为空，按「成员」导入", origin))
        if "unit_title" in columns and not value(index, "unit") and not value(index, "title"):
            unit, title = split_unit_title(value(index, "unit_title"), known)
        elif "title" in columns:
            unit, title = clean_unit(value(index, "unit")) or None, clean_unit(value(index, "title")) or None
        else:
            unit, title = split_unit_title(value(index, "unit"), known)
        persons = [clean_name(n) for n in re.split(r"[、，,；;\n]", name) if clean_name(n)]
        if any(len(p) == 1 for p in persons):
            persons = [clean_name(name.replace("\n", ""))]  # 刘\n琛: one name wrapped in its cell
        if len(persons) > MAX_NAMES_IN_CELL:
            where = Origin(source, sheet=table.sheet, row=table.row_number(index),
                           col=table.grid.col_numbers[table.columns["name"]])
            roster.warnings.append(ImportWarning(
                f"姓名格里有 {len(persons)} 个名字（如「{'、'.join(persons[:3])}」…），不像名单里的一行，这一行未导入", where))
            continue
        for person in persons or [clean_name(name)]:
            roster.members.append(MemberRecord(
                name=person, role=role, unit=unit, title=title, phone=value(index, "phone") or None, origin=origin,
            ))
    if "role" not in columns and not role_from_heading and roster.members:
        roster.warnings.append(ImportWarning("表中没有「组内职务」列，全部按「成员」导入", Origin(source, sheet=table.sheet)))
    if not roster.members:
        raise refuse(source, "表头下面没有任何成员。", sheet=table.sheet)
    for order, member in enumerate(roster.members, start=1):
        member.order = order
    _warn_repeated(roster.members, roster.warnings)
    return roster
