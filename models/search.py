"""The text a task is found by besides its content: its units and persons, plus the pinyin initials
of all of them (gljt finds 高龄津贴). Computed when a task is written, so filtering is a LIKE in SQL."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache


@lru_cache(maxsize=1)
def _initials_table() -> list[str | None]:
    """str.translate table indexed by code point (a list is looked up faster than a dict): each
    Chinese character → its pinyin initial; every other character of the basic plane → deleted.
    Characters beyond it are left for the clean-up pass in ``initials``."""
    from models.pinyin_initials import BLOCKS  # generated from pypinyin, see models/make_initials.py

    table: list[str | None] = [None] * 0x10000
    for start, letters in BLOCKS:
        for offset, letter in enumerate(letters):
            table[start + offset] = letter.strip() or None  # a space marks a character without a reading
    return table


_NOT_INITIAL = re.compile(r"[^a-z]+")


def _initials_of(text: str) -> str:
    """Pinyin initials of the Chinese characters in text; other characters are dropped."""
    out = text.translate(_initials_table())
    return out if out.isascii() and out.isalpha() or not out else _NOT_INITIAL.sub("", out)


initials = lru_cache(maxsize=8192)(_initials_of)  # unit and person names repeat across thousands of tasks


def search_text(content: str, names: Iterable[str | None] = ()) -> str:
    """Lower-cased haystack stored beside the content: the names, then the initials of the content
    and of each name, separated by |. The content itself is not repeated (the filter searches the
    content column too), which keeps a 10,000-task ledger a quarter smaller. (Each name's initials
    are cached; a task's whole set of names is not: on real tables almost every task has its own, and
    a cache of the sets made an import's search texts a third slower, issue 17.)"""
    present = [n for n in names if n]  # a list first: faster than a generator (10,000 tasks an import)
    if not present:
        return _initials_of(content)
    return f"{'|'.join(present).lower()}|{_initials_of(content)}|{'|'.join(map(initials, present))}"
