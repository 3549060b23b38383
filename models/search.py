"""The text a task is found by besides its content: its units and persons, plus the pinyin initials
of all of them (gljt finds 高龄津贴). Computed when a task is written, so filtering is a LIKE in SQL."""

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
    """Lower-cased haystack stored beside the content: the names, then the initials of the content
    and of each name, separated by |. The content itself is not repeated (the filter searches the
    content column too), which keeps a 10,000-task ledger a quarter smaller."""
    names = [n for n in names if n]
    return "|".join([*names, _initials_of(content), *(initials(n) for n in names)]).lower()


def _initials_of(text: str) -> str:
    """initials() without the cache, for text that never repeats (a task's content)."""
    return _NOT_INITIAL.sub("", text.translate(_initials_table()))
