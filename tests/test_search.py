"""The filter's haystack: content, units, persons and pinyin initials (gljt finds 高龄津贴)."""

from __future__ import annotations

from models.make_initials import generate
from models.search import initials, search_text


def test_generated_initials_table_matches_pypinyin():
    from pathlib import Path

    import models

    assert (Path(models.__file__).parent / "pinyin_initials.py").read_text(encoding="utf-8") == generate()


def test_initials_of_chinese_text_skip_everything_else():
    assert initials("高龄津贴") == "gljt"
    assert initials("县（市、区）民政局 2023年 APP") == "xsqmzjn"


def test_search_text_holds_names_and_the_initials_of_content_and_names():
    text = search_text("80周岁以上老年人享受高龄津贴", ["县老龄办", "吴冰贞", None])
    assert "县老龄办" in text and "吴冰贞" in text
    assert "gljt" in text and "xllb" in text and "wbz" in text
    assert "高龄津贴" not in text  # the filter searches the content column itself
