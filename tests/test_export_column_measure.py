"""Issue 17: a column measured all at once (``Column.see_all``, each distinct text once) asks for the
same width as one measured text by text (``Column.see``), and a long text's lines (``line_count``,
from one encoding) are those counted from ``fitting.line_width``."""

from __future__ import annotations

import math
import random

from exporters import fitting
from exporters.xlsx_sheet import WIDE_UNITS, Column, line_count

UNITS = ["县民政局", "医保中心闽清管理部", "县卫生健康局（县老龄办）", "各乡（镇）", "县自然资源局", "ABC公司", None, ""]
DEADLINES = ["2022年12月底前", "长期坚持", "2023年起每年", "2022—2025年", "2024年6月30日前完成", None, ""]


def _state(column: Column) -> tuple:
    return column.widest, sorted(column.seen), column.piece, column.want()


def test_a_column_measured_at_once_wants_what_it_wants_measured_text_by_text():
    rng = random.Random(17)
    for texts in (UNITS, DEADLINES):
        values = [rng.choice(texts) for _ in range(500)]
        for kwargs in ({}, {"typical": True}, {"typical": True, "pieces": False}):
            one_by_one, at_once = Column("x", **kwargs), Column("x", **kwargs)
            for value in values:
                one_by_one.see(value)
            at_once.see_all(values)
            assert _state(at_once) == _state(one_by_one), kwargs


def _line_count_by_widths(text: str, width: float) -> int:
    """``line_count`` as it was written before issue 17, from ``fitting.line_width`` line by line."""
    total = 0
    for line in text.split("\n"):
        units = fitting.line_width(line)
        if units <= width:
            total += 1
            continue
        if len(line.encode("gbk", "replace")) == 2 * len(line):
            per, n, start = max(int(width / WIDE_UNITS), 1), 1, 0
            while len(line) - start > per:
                start += per
                if line[start] in "，。、；：？！）》」』】〕”’%％,.;:?!)]" and per > 1:
                    start -= 1
                n += 1
            total += n
        else:
            n = math.ceil(units / width)
            total += n + (1 if n * width - units < WIDE_UNITS * n else 0)
    return total


def test_line_count_of_long_texts():
    rng = random.Random(4)
    pieces = ["推进养老服务体系建设", "，", "完善居家社区机构相协调", "、", "2025年", "护理型床位占比达到55%以上", "ABC", " ",
              "（县老龄办）", "。", "\n"]
    for _ in range(2000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 14)))
        for width in (12.0, 28.0, 41.3, 60.0):
            assert line_count(text, width) == _line_count_by_widths(text, width), (text, width)
