"""The text a task is found by: its content, units and persons, plus their pinyin initials
(gljt finds 高龄津贴). Computed when a task is written, so filtering is one LIKE in SQL."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache


@lru_cache(maxsize=1)
def _initials_table() -> dict[int, str]:
    from pypinyin.pinyin_dict import pinyin_dict  # a plain dict: code point → "gāo,gào"

    import unicodedata

    table: dict[int, str] = {}
    for code, readings in pinyin_dict.items():
        first = unicodedata.normalize("NFKD", readings.split(",")[0])[:1].lower()
        if first.isascii() and first.isalpha():
            table[code] = first
    return table


@lru_cache(maxsize=8192)  # unit and person names repeat across thousands of tasks
def initials(text: str) -> str:
    """Pinyin initials of the Chinese characters in text; other characters are dropped."""
    table = _initials_table()
    return "".join(table.get(ord(ch), "") for ch in text)


def search_text(content: str, names: Iterable[str | None] = ()) -> str:
    """Lower-cased haystack: content and names, then the initials of each, separated by |."""
    parts = [content, *(n for n in names if n)]
    return "|".join([*parts, *(initials(p) for p in parts)]).lower()
