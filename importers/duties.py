"""Read member units' duties (成员单位职责): text pasted from the notice, or a duties table.

Text forms::

    (一) 区委宣传部(融媒体中心)职责:制定综合宣传方案,…     numbered (一) 1. 一、 (1), "职责" and/or a colon
    市政府办:将健康县(区)工作纳入政府工作报告,…               unit, colon, text (no number)
    市总工会、团市委、妇联:梳理本系统…                         several units sharing one text

Decisions:

- The unit is written as the notice writes it, brackets included and made full-width:
  "区委宣传部(融媒体中心)" → 区委宣传部（融媒体中心）, "各镇(街道)" → 各镇（街道）. The bracket names the
  unit the department works with (or as); whether that is the roster's 区委宣传部 is for the user to say
  (units are merged by the user, never guessed). When ``known_units`` holds the name without its
  bracket, a warning says so.
- "A、B、C:" gives one record per unit, each with the same text.
- The text is kept as written (its punctuation too), spaces cleaned; it runs over the following lines
  until the next item, a section heading ("四、工作安排") or the end. Line breaks after 。；： and before
  numbered sub-items are kept; other breaks are wrapping and are removed.
- An unnumbered line is an item only when everything before its colon reads as units (each ends like a
  unit: 局 办 委 部 中心 政府 …, or is known); so "索引号:"、"各镇人民政府、…区直有关单位:" are not.
- A unit given twice has its texts joined, with a warning.

Files are read through ``importers.readers`` (``importers.columns.read_table_or_text``): .txt (UTF-8,
BOM, UTF-16 with BOM, GBK), .docx (a duties table, else paragraphs), and tables .xlsx/.xlsm/.xls/.ods
and .csv with columns 单位/成员单位 and 职责/工作职责 under a header found by its words; several units in
one cell share the text; an empty unit cell, or one under a unit cell merged down, continues the
unit above.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from importers.columns import NOTE_STARTS, Table, read_table_or_text
from importers.normalize import clean_text, clean_unit, split_units, unify_brackets
from importers.readers import refuse
from importers.records import Duties, DutyRecord, ImportWarning, Origin, display_name
from importers.titles import ends_like_unit

_CN_NUMBER = "一二三四五六七八九十百零〇"
_NUMBERING = re.compile(
    rf"^(?:[（(]\s*[{_CN_NUMBER}]+\s*[）)]|[{_CN_NUMBER}]+\s*[、.．]|[（(]\s*\d{{1,3}}\s*[）)]"
    rf"|\d{{1,3}}\s*[、.．)）](?!\d)|第[{_CN_NUMBER}]+条)\s*"
)
_DUTY_WORD = re.compile(r"(?:的)?(?:主要|工作)?职责(?:分工)?$")
_NO_COLON_DUTY = re.compile(r"^(?P<head>[^。，,；;：:]{2,60}?)(?:的)?(?:主要|工作)?职责\s*(?P<text>.*)$")
_SENTENCE_END = tuple("。；;！？!?：:")
MAX_UNIT_HEAD = 80


@dataclass
class _Item:
    units: list[str]
    line: int
    lines: list[str] = field(default_factory=list)
    numbered: bool = False


def parse_duties_text(text: str, source: str = "", known_units: Iterable[str] = ()) -> Duties:
    """Each member unit's duties from text pasted from a notice, in the notice's order."""
    source = source or "粘贴的文本"
    known = {clean_unit(u) for u in known_units if clean_unit(u)}
    items: list[_Item] = []
    current: _Item | None = None
    lines = re.sub(r"\r\n?|[\u2028\u2029\x85]", "\n", text or "").split("\n")
    for number, raw in enumerate(lines, start=1):
        line = clean_text(raw.replace("**", ""))
        line = re.sub(r"^(?:[-*+>#]+\s+)+", "", line)
        if not line:
            continue
        item = _item_start(line, number, known)
        if item is not None:
            items.append(item)
            current = item
            continue
        if current is None:
            continue  # text before the first item
        if _NUMBERING.match(line) and _is_heading(line):
            current = None  # "四、工作安排": the next section
            continue
        current.lines.append(line)
    if not items:
        raise refuse(source, "没有找到成员单位职责（应如「（一）区委宣传部职责：…」或「市政府办：…」）。")
    return _records(source, items, known)


def _item_start(line: str, number: int, known: set[str]) -> _Item | None:
    numbering = _NUMBERING.match(line)
    body = line[numbering.end():] if numbering else line
    head, text = _split_colon(body)
    if head is not None:
        stripped = _DUTY_WORD.sub("", head).strip()
        if numbering and stripped != head and _strict_units(stripped, known):
            return _Item(split_units(stripped), number, [text] if text else [], True)
        if _strict_units(head, known) and (text or numbering):
            return _Item(split_units(head), number, [text] if text else [], bool(numbering))
    if numbering:
        match = _NO_COLON_DUTY.match(body)
        if match and _strict_units(match["head"], known):
            text = match["text"].strip()
            return _Item(split_units(match["head"]), number, [text] if text else [], True)
    return None


def _split_colon(body: str) -> tuple[str | None, str]:
    """(head, text) at the first colon outside brackets; (None, body) without one."""
    depth = 0
    for index, char in enumerate(unify_brackets(body)):
        if char in "（【《“":
            depth += 1
        elif char in "）】》”" and depth:
            depth -= 1
        elif char in ":：" and depth == 0:
            return body[:index].strip(), body[index + 1:].strip()
    return None, body


def _strict_units(head: str, known: set[str]) -> bool:
    """Every piece of the head reads as a unit name."""
    if not head or len(head) > MAX_UNIT_HEAD or re.search(r"[。！？\s]", head.replace(" ", "")):
        return False
    units = split_units(head)
    return bool(units) and all(len(u) <= 40 and (u in known or ends_like_unit(u)) for u in units)


def _is_heading(line: str) -> bool:
    body = _NUMBERING.sub("", line)
    return len(body) <= 20 and not re.search(r"[。，,；;：:！？]", body)


def _join_lines(lines: list[str]) -> str:
    out = ""
    for line in lines:
        if not line:
            continue  # a row that continues the unit above with an empty 职责 cell
        if not out:
            out = line
        elif out.endswith(_SENTENCE_END) or _NUMBERING.match(line):
            out += "\n" + line
        elif out[-1].isascii() and out[-1].isalnum() and line[0].isascii() and line[0].isalnum():
            out += " " + line
        else:
            out += line
    return out


def _records(source: str, items: list[_Item], known: set[str], sheet: str | None = None) -> Duties:
    duties = Duties(source=source)
    by_unit: dict[str, DutyRecord] = {}
    for item in items:
        text = _join_lines(item.lines)
        origin = Origin(source, sheet=sheet, row=item.line)
        if not text:
            duties.warnings.append(ImportWarning(f"「{'、'.join(item.units)}」没有职责内容", origin))
        for unit in item.units:
            if unit in by_unit:
                record = by_unit[unit]
                record.text = "\n".join(t for t in (record.text, text) if t)
                duties.warnings.append(ImportWarning(f"「{unit}」出现不止一次，职责已合并", origin))
                continue
            record = DutyRecord(unit=unit, text=text, origin=origin)
            by_unit[unit] = record
            duties.duties.append(record)
            _warn_bracket_unit(duties, unit, known, origin)
    return duties


def _warn_bracket_unit(duties: Duties, unit: str, known: set[str], origin: Origin) -> None:
    """区委宣传部（融媒体中心） when 区委宣传部 is known: say so, do not merge."""
    if not known or unit in known:
        return
    base = re.sub(r"（[^（）]*）", "", unit)
    if base != unit and base in known:
        duties.warnings.append(ImportWarning(
            f"单位「{unit}」不在已有单位中，已有「{base}」；如是同一单位，请在单位页合并", origin))


# ---------------------------------------------------------------------------------------------
# Files

_COLUMNS = {
    "unit": ("单位", "成员单位", "责任单位", "部门", "单位名称", "成员单位名称", "部门名称", "单位（部门）"),
    "text": ("职责", "工作职责", "主要职责", "职责分工", "职责任务", "职责内容", "具体职责", "单位职责", "部门职责"),
    "number": ("序号", "编号"),
}


def read_duties(path: str | Path, known_units: Iterable[str] = ()) -> Duties:
    """Duties from a notice's text (.txt), a duties table (.xlsx .xls .ods .csv) or a .docx."""
    source = display_name(path)
    known = tuple(known_units)
    return read_table_or_text(
        path, what="成员单位职责", columns=_COLUMNS, required="unit", others=("text",),
        from_table=lambda table: _duties_from_table(source, table, known),
        from_text=lambda text: parse_duties_text(text, source, known),
        cell_separator="：",
        no_header="没有找到职责表的表头（需要「单位」或「成员单位」以及「职责」或「工作职责」列）。",
    )


def _duties_from_table(source: str, table: Table, known: tuple[str, ...]) -> Duties:
    known_set = {clean_unit(u) for u in known if clean_unit(u)}
    items: list[_Item] = []
    for index in range(table.header_row + 1, len(table.grid.rows)):
        unit_cell, text = table.value(index, "unit"), table.value(index, "text")
        if not unit_cell and not text:
            continue
        if unit_cell.startswith(NOTE_STARTS) and text in ("", unit_cell):
            break  # a note under the table (merged across it, or in the unit column alone)
        if not unit_cell or table.continues(index, "unit"):
            if items and not table.continues(index, "text"):
                items[-1].lines.extend(text.split("\n"))  # the unit above continues (empty or merged down)
            continue
        units = split_units(_DUTY_WORD.sub("", clean_unit(unit_cell)))
        if not units:  # the unit cell holds only the word 职责 (a second header row): no unit
            continue
        items.append(_Item(units, table.row_number(index), text.split("\n") if text else []))
    if not items:
        raise refuse(source, "表头下面没有任何单位职责。", sheet=table.sheet)
    return _records(source, items, known_set, sheet=table.sheet)
