"""Cell normalisers shared by every reader: spaces, brackets, wrapped lines, unit and person lists.

Rules from PRODUCT §4: NBSP and ideographic spaces are spaces; padded names lose inner spaces
(刘  琛 → 刘琛); half- and full-width brackets are one form (各乡(镇) = 各乡（镇）); a line break inside
a category or task sentence is a wrapping artefact; unit lists split on newline 、 ， , ； ; / but
never inside brackets.
"""

from __future__ import annotations

import functools
import re
import unicodedata

# Line and paragraph separators become line breaks; every other kind of space (NBSP, ideographic,
# en/em/thin spaces, tabs…) an ordinary space; zero-width characters and control characters go.
_LINE_BREAKS = re.compile(r"\r\n?|[\u2028\u2029\x85]")
_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\ufeff\u2060\u00ad"), None)
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]")
_ODD_SPACE = re.compile(r"[^\S\n]")
_RUN_OF_SPACES = re.compile(r" {2,}")
_AROUND_BREAKS = re.compile(r" *\n[ \n]*")  # a line break with the spaces and blank lines around it
# Anything the line-break, zero-width or control passes would change.
_RARE = re.compile(r"[\r\u2028\u2029\x85\u200b\u200c\u200d\ufeff\u2060\u00ad\x00-\x08\x0e-\x1f\x7f-\x9f]")
_HALF_BRACKET = re.compile(r"[()\[\]]")
_OPENERS = "（【《“‘〔"
_CLOSERS = "）】》”’〕"
_UNIT_SEPARATORS = set("\n、，,；;/／")
_CJK = r"\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003134f（）《》【】〔〕“”、，。；：？！"
_SPACE_BETWEEN_CJK = re.compile(rf"(?<=[{_CJK}])\s+(?=[{_CJK}])")
_CJK_CHAR = re.compile(rf"[{_CJK}]")
_SPACES = re.compile(r"\s+")


def clean_text(value: object) -> str:
    """Text of a cell with odd spaces made plain, control characters gone, lines trimmed and blank
    lines dropped. Line breaks that remain are kept (callers decide what they mean)."""
    if value is None:
        return ""
    text = str(value)
    if _RARE.search(text):  # most cells have none of these: skip three passes
        text = _CONTROL.sub("", _LINE_BREAKS.sub("\n", text).translate(_ZERO_WIDTH))
    text = _ODD_SPACE.sub(" ", text)
    if "\n" not in text:
        return (_RUN_OF_SPACES.sub(" ", text) if "  " in text else text).strip()
    # Lines trimmed and blank ones dropped by one substitution (what a loop over the lines did, at C
    # speed: 30,000 multi-line unit and person cells in a real-shaped table, issue 17). Only spaces
    # and line breaks are left as whitespace here.
    if "  " in text:
        text = _RUN_OF_SPACES.sub(" ", text)
    return _AROUND_BREAKS.sub("\n", text).strip(" \n")


def unify_brackets(text: str) -> str:
    """Half-width brackets become the full-width ones used in Chinese documents."""
    if not _HALF_BRACKET.search(text):
        return text
    # four str.replace calls: str.translate looks every character of Chinese text up in a dict
    return text.replace("(", "（").replace(")", "）").replace("[", "【").replace("]", "】")


def join_wrapped(text: str) -> str:
    """Remove line breaks that only wrap a sentence: between Chinese characters nothing is left,
    between Latin letters or digits a space."""
    return _join_lines(clean_text(text))


def _join_lines(text: str) -> str:
    """join_wrapped of text clean_text has already cleaned."""
    if "\n" not in text:
        return text
    lines = text.split("\n")
    out = lines[0]
    for line in lines[1:]:
        if out and out[-1].isascii() and out[-1].isalnum() and line[0].isascii() and line[0].isalnum():
            out += " " + line
        else:
            out += line
    return out


def clean_sentence(value: object) -> str:
    """A category or task text: cleaned, wrapped lines joined, brackets unified, inner padding
    between Chinese characters (and between them and numbers) removed."""
    text = unify_brackets(_join_lines(clean_text(value)))
    if " " not in text:
        return text
    return _SPACES.sub(_padding, text)


def _padding(m: re.Match[str]) -> str:
    """"" for a run of spaces between Chinese characters, or between one and a number ("到 2022年",
    "达到 95% 以上": pasted padding too); else the run. Decided at the spaces: a regex looking
    behind at every character of a long task text took three times as long."""
    text, start, end = m.string, m.start(), m.end()
    if start == 0 or end == len(text):
        return m.group()
    before, after = text[start - 1], text[end]
    if _CJK_CHAR.match(before):
        return "" if after in "0123456789" or _CJK_CHAR.match(after) else m.group()
    return "" if before in "0123456789%％" and _CJK_CHAR.match(after) else m.group()


def clean_unit(value: object) -> str:
    """One unit name: one line, no padding, full-width brackets."""
    text = unify_brackets(_join_lines(clean_text(value)))
    return _SPACE_BETWEEN_CJK.sub("", text).strip(" 、，,；;")


def clean_name(value: object) -> str:
    """One person's name: padded names lose their inner spaces (刘  琛 → 刘琛)."""
    text = unify_brackets(_join_lines(clean_text(value)))
    return _SPACE_BETWEEN_CJK.sub("", text).strip(" 、，,；;")


# The same names come back on thousands of rows: each distinct one is cleaned once (a pure function).
_clean_name_once = functools.lru_cache(maxsize=8192)(clean_name)


def unit_key(name: str) -> str:
    """The form two unit names are compared in: cleaned, width-folded, case-folded."""
    return unicodedata.normalize("NFKC", clean_unit(name)).casefold().replace(" ", "")


_SPLITTERS: dict[frozenset[str], re.Pattern[str]] = {}


def _splitter(separators: set[str]) -> re.Pattern[str]:
    key = frozenset(separators)
    if key not in _SPLITTERS:
        _SPLITTERS[key] = re.compile("[" + re.escape("".join(sorted(key))) + "]")
    return _SPLITTERS[key]


def split_outside_brackets(text: str, separators: set[str]) -> list[str]:
    """``text`` cut at each of ``separators`` that stands outside brackets (各镇（园区、街道） stays whole)."""
    if not any(opener in text for opener in _OPENERS):
        # no bracket: every separator cuts, as the loop below would, at C speed (issue 17: 30,000
        # unit and person cells of a real-shaped table)
        return _splitter(separators).split(text)
    return [part for part, _ in split_with_separators(text, separators)]


def split_with_separators(text: str, separators: set[str]) -> list[tuple[str, str | None]]:
    """``text`` cut as ``split_outside_brackets`` cuts it, each part with the separator before it
    (None for the first): a character loop counting brackets."""
    parts: list[tuple[str, str | None]] = []
    depth = 0
    current: list[str] = []
    before: str | None = None
    for char in text:
        if char in _OPENERS:
            depth += 1
        elif char in _CLOSERS and depth:
            depth -= 1
        if char in separators and depth == 0:
            parts.append(("".join(current), before))
            current, before = [], char
        else:
            current.append(char)
    parts.append(("".join(current), before))
    return parts


def _dedupe(items: list[str]) -> list[str]:
    seen: set[str] = set()
    return [x for x in items if x and not (x in seen or seen.add(x))]


def split_units(value: object) -> list[str]:
    """Units listed in one cell, in order, each cleaned; separators inside brackets do not split
    (各镇（园区、街道） is one unit)."""
    text = unify_brackets(clean_text(value))
    return _dedupe([clean_unit(part) for part in split_outside_brackets(text, _UNIT_SEPARATORS)])


def split_persons(value: object) -> list[str]:
    """Persons listed in one cell. Lines and list punctuation separate names; spaces separate
    them only between names of two or more characters: single characters side by side are one
    padded name (刘  琛 is one name, 张三 李四 two, 王 宇 张三 two)."""
    text = unify_brackets(clean_text(value))
    names: list[str] = []
    for part in split_outside_brackets(text, _UNIT_SEPARATORS):
        names += _names_in_part(part)
    return names


@functools.lru_cache(maxsize=8192)
def _names_in_part(part: str) -> tuple[str, ...]:
    """The persons of one line or list item of a person cell (see ``split_persons``). Pure, and the
    same names recur on thousands of rows: each distinct part is worked out once (issue 17)."""
    pieces = _merge_single_characters(part.split())
    if len(pieces) > 1 and all(len(p) >= 2 for p in pieces):
        names = [_clean_name_once(p) for p in pieces]
    else:
        names = [_clean_name_once(part)]
    return tuple(n for n in names if n)


def _merge_single_characters(pieces: list[str]) -> list[str]:
    """["王", "宇", "张三"] → ["王宇", "张三"]: a run of one-character pieces is a padded name."""
    merged: list[str] = []
    run: list[str] = []
    for piece in pieces + [""]:
        if len(piece) == 1:
            run.append(piece)
            continue
        if run:
            merged.append("".join(run))
            run = []
        if piece:
            merged.append(piece)
    return merged
