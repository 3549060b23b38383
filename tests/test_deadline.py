"""Deadline cells → due dates (importers.deadline)."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from importers.deadline import is_open_ended, parse_due, year_of_header


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2023年12月底前", date(2023, 12, 31)),
        ("2023年6月30日", date(2023, 6, 30)),
        ("2023年6月30日前", date(2023, 6, 30)),
        ("2023.6.30", date(2023, 6, 30)),
        ("2023-06-30", date(2023, 6, 30)),
        ("2023/6/30", date(2023, 6, 30)),
        ("20230630", date(2023, 6, 30)),
        ("2024年", date(2024, 12, 31)),
        ("2024", date(2024, 12, 31)),
        ("2024年底", date(2024, 12, 31)),
        ("2024年年底前", date(2024, 12, 31)),
        ("2024年末", date(2024, 12, 31)),
        ("2024年内", date(2024, 12, 31)),
        ("2024年度", date(2024, 12, 31)),
        ("2025年前", date(2025, 12, 31)),
        ("2023年6月", date(2023, 6, 30)),
        ("2023年6月底", date(2023, 6, 30)),
        ("2023年2月", date(2023, 2, 28)),
        ("2024年2月底前", date(2024, 2, 29)),
        ("2023.12", date(2023, 12, 31)),
        ("2023年十二月底", date(2023, 12, 31)),
        ("2023年3月中旬", date(2023, 3, 20)),
        ("2023年3月上旬", date(2023, 3, 10)),
        ("2023-3至4月", date(2023, 4, 30)),
        ("2023年3—4月", date(2023, 4, 30)),
        ("2023年3-4月", date(2023, 4, 30)),
        ("2023年6-7月", date(2023, 7, 31)),
        ("2023年8月—2024年8月", date(2024, 8, 31)),
        ("2023年11月至次年3月", date(2024, 3, 31)),
        ("2023年上半年", date(2023, 6, 30)),
        ("2023年下半年", date(2023, 12, 31)),
        ("2023年第三季度", date(2023, 9, 30)),
        ("2023年一季度", date(2023, 3, 31)),
        ("2023年第4季度", date(2023, 12, 31)),
        ("2023-2024年", date(2024, 12, 31)),
        ("2022—2025年", date(2025, 12, 31)),
        ("2022年底、2023年底", date(2023, 12, 31)),
        ("2023年6月底前完成方案，12月底前完成建设", date(2023, 12, 31)),
        ("2023年12月底前完成，长期坚持", date(2023, 12, 31)),
        ("２０２３年６月３０日", date(2023, 6, 30)),
        (" 2023年\n12月底前 ", date(2023, 12, 31)),
    ],
)
def test_chinese_phrasings(text, expected):
    assert parse_due(text) == expected


@pytest.mark.parametrize(
    "text",
    ["长期坚持", "持续推进", "每年", "常态化", "长期", "每季度", "", "   ", "2022年起", "2023年起每年",
     "每年12月底前", "6月底", "上半年", "第三季度", "年底前", "立即", "完成2000户", "视情况而定", "2023年2月30日",
     "按省里部署", "——"],
)
def test_no_due_date(text):
    assert parse_due(text) is None


def test_title_year_completes_month_only_text():
    assert parse_due("6月底前", default_year=2024) == date(2024, 6, 30)
    assert parse_due("第三季度", default_year=2024) == date(2024, 9, 30)
    assert parse_due("年底前", default_year=2024) == date(2024, 12, 31)
    assert parse_due("2023年6月", default_year=2024) == date(2023, 6, 30)


@pytest.mark.parametrize(
    "value, expected",
    [
        (date(2023, 12, 31), date(2023, 12, 31)),
        (datetime(2023, 12, 31, 17, 30), date(2023, 12, 31)),
        (45291, date(2023, 12, 31)),  # Excel serial number
        (45291.0, date(2023, 12, 31)),
        ("45291", date(2023, 12, 31)),
        (2024, date(2024, 12, 31)),
        (2024.0, date(2024, 12, 31)),
        (None, None),
        (True, None),
        (time(12, 0), None),
        (3.5, None),
        (float("nan"), None),
        (float("inf"), None),
        (-1, None),
        (10**30, None),
        (["2023年"], None),
    ],
)
def test_cell_values(value, expected):
    assert parse_due(value) == expected


@pytest.mark.parametrize(
    "text, expected",
    [("长期坚持", True), ("持续推进", True), ("每年", True), ("常态化", True), ("2022年起", True),
     ("2023年底", False), ("看情况", False), ("", False)],
)
def test_open_ended(text, expected):
    assert is_open_ended(text) is expected


@pytest.mark.parametrize(
    "value, expected",
    [("2018年", 2018), ("2018", 2018), (2018, 2018), (2018.0, 2018), ("2018年目标", 2018), ("2018年度", 2018),
     ("2019年度目标值", 2019), (" 2020 年 ", 2020), ("２０１９年", 2019), ("2018-2020年", None), ("2023年6月", None),
     ("完成时限", None), ("", None), (None, None), (18, None), ("1800年", None), (2018.5, None)],
)
def test_year_of_header(value, expected):
    assert year_of_header(value) == expected


_cells = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.dates(),
    st.datetimes(),
    st.text(),
    st.text(alphabet="0123456789年月日底前末季度第上下半至到—-－~./ 一二三四五六七八九十起每长期持续坚持", max_size=40),
)


@settings(max_examples=400, deadline=None)
@given(_cells)
def test_parse_due_never_raises(value):
    result = parse_due(value)
    assert result is None or isinstance(result, date)


@settings(max_examples=200, deadline=None)
@given(_cells, st.one_of(st.none(), st.integers(min_value=-5, max_value=99999)))
def test_parse_due_with_default_year_never_raises(value, year):
    result = parse_due(value, default_year=year)
    assert result is None or isinstance(result, date)


@settings(max_examples=200, deadline=None)
@given(_cells)
def test_year_of_header_never_raises(value):
    result = year_of_header(value)
    assert result is None or 1990 <= result <= 2100


@settings(max_examples=200, deadline=None)
@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31)))
def test_written_dates_read_back(day):
    for text in (f"{day.year}年{day.month}月{day.day}日", f"{day.year}.{day.month}.{day.day}",
                 f"{day.year}-{day.month:02d}-{day.day:02d}", f"{day.year}/{day.month}/{day.day}"):
        assert parse_due(text) == day


# ---------------------------------------------------------------- edges (each a mistake that once could slip)


@pytest.mark.parametrize(
    "value, expected",
    [
        (1990, date(1990, 12, 31)), (2100, date(2100, 12, 31)), (1989, None), (2101, None),  # a year's bounds
        (44927, date(2023, 1, 1)), (44927.9, date(2023, 1, 1)),  # Excel's serial of 2023-01-01 (time of day dropped)
        (25000, date(1968, 6, 11)), (24999, None), (79999, date(2119, 1, 10)), (80000, None),  # serial bounds
        (2023.5, None), (float("-inf"), None), ("1990", date(1990, 12, 31)), ("44927", date(2023, 1, 1)),
        ("20230631", None), ("20240229", date(2024, 2, 29)), ("20230229", None), (object(), None), (False, None),
    ],
)
def test_numbers_at_their_bounds(value, expected):
    assert parse_due(value) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2023年十月", date(2023, 10, 31)), ("2023年十一月底", date(2023, 11, 30)), ("2023年九月", date(2023, 9, 30)),
        ("2023年一月", date(2023, 1, 31)), ("2023年二月", date(2023, 2, 28)),
        ("2023年3月初", date(2023, 3, 10)), ("2023年3月中", date(2023, 3, 15)), ("2023年3月下旬", date(2023, 3, 31)),
        ("2023年3月份", date(2023, 3, 31)), ("2023年3月末", date(2023, 3, 31)),
        ("2023年2季度", date(2023, 6, 30)), ("2023年第二季度", date(2023, 6, 30)), ("2023年1季度", date(2023, 3, 31)),
        ("2023年四季度", date(2023, 12, 31)),
        ("2023年2月29日", None), ("2024年2月29日", date(2024, 2, 29)), ("2023年4月31日", None),
        ("1989年底", None), ("2101年", None), ("1990年", date(1990, 12, 31)), ("2100年底", date(2100, 12, 31)),
        ("2023年11月-3月", date(2024, 3, 31)), ("2023年12月-1月底", date(2024, 1, 31)),
        ("2023年6月起", None), ("2023年起至2025年底", date(2025, 12, 31)), ("2023年开始，2024年6月底前完成", date(2024, 6, 30)),
        ("2023年6月30号", date(2023, 6, 30)), ("2023年 6 月 30 日", date(2023, 6, 30)),
        ("2023年6月30日、2023年3月", date(2023, 6, 30)), ("6月30日", None), ("2023年全年", date(2023, 12, 31)),
        ("2023年终", date(2023, 12, 31)), ("2023.6", date(2023, 6, 30)), ("2023-6", date(2023, 6, 30)),
        ("2023/6", date(2023, 6, 30)),
        ("20231130前", date(2023, 11, 30)), ("于20231130前完成，2023年6月底前启动", date(2023, 11, 30)),
        ("20230631前", None), ("长期坚持，20251231前", date(2025, 12, 31)), ("20231130", date(2023, 11, 30)),
        ("2023年2月30日前后，2023年12月底前", date(2023, 12, 31)),  # an impossible date is skipped, not the end
        ("2023年6月—6月底", date(2023, 6, 30)),  # the same month again does not run into next year
        ("2024年3月—2月29日，2024年12月底前", date(2024, 12, 31)),  # 2025-02-29 does not exist: skipped
    ],
)
def test_more_phrasings(text, expected):
    assert parse_due(text) == expected


def test_default_year_for_days_parts_and_ranges():
    assert parse_due("6月30日", default_year=2024) == date(2024, 6, 30)
    assert parse_due("6月上旬", default_year=2024) == date(2024, 6, 10)
    assert parse_due("下半年", default_year=2024) == date(2024, 12, 31)
    assert parse_due("11月至3月", default_year=2024) == date(2025, 3, 31)  # runs into next year
    assert parse_due("2月29日", default_year=2023) is None
    assert parse_due("年底前", default_year=1989) is None and parse_due("年底前", default_year=2101) is None
    assert parse_due("每年6月底前", default_year=2024) is None  # recurring: no year of its own
    assert parse_due("长期坚持，2025年底前", default_year=2024) == date(2025, 12, 31)


@pytest.mark.parametrize(
    "value, expected",
    [(1990, 1990), (2100, 2100), (1989, None), (2101, None), ("1990年", 1990), ("2100", 2100), ("1989年", None),
     ("2101年", None), ("2018.0", 2018), ("2018年任务", 2018), ("2018年指标", 2018), ("2018年计划", 2018),
     ("2018完成值", 2018), ("2018年目标值", 2018), ("2018年度目标值X", None), (True, None), (False, None),
     ([2018], None), ("x2018", None)],
)
def test_year_of_header_bounds(value, expected):
    assert year_of_header(value) == expected


@pytest.mark.parametrize(
    "value, expected",
    [(2022, False), (None, False), ("2022年起，2023年底前完成", False), ("2022年以来", True), ("2022年6月起", True),
     ("2022年起、2023年起", True), ("每季度", True), ("   ", False), ("2023年", False)],
)
def test_open_ended_edges(value, expected):
    assert is_open_ended(value) is expected
