"""The text a task is found by: its content, units and persons, plus their pinyin initials
(gljt finds 高龄津贴). Computed when a task is written, so filtering is one LIKE in SQL."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache


@lru_cache(maxsize=1)
def _initials_table() -> dict[int, str]:
    """str.translate table: each Chinese character → its pinyin initial, ASCII → nothing."""
    from models.pinyin_initials import BLOCKS  # generated from pypinyin, see models/make_initials.py

    table: dict[int, str] = dict.fromkeys(range(0x80), "")
    for start, letters in BLOCKS:
        for offset, letter in enumerate(letters):
            table[start + offset] = letter.strip()  # a space marks a character without a reading
    return table


_NOT_INITIAL = re.compile(r"[^a-z]+")


@lru_cache(maxsize=8192)  # unit and person names repeat across thousands of tasks
def initials(text: str) -> str:
    """Pinyin initials of the Chinese characters in text; other characters are dropped."""
    return _NOT_INITIAL.sub("", text.translate(_initials_table()))


def search_text(content: str, names: Iterable[str | None] = ()) -> str:
    """Lower-cased haystack: content and names, then the initials of each, separated by |."""
    parts = [content, *(n for n in names if n)]
    return "|".join([*parts, *(initials(p) for p in parts)]).lower()
