"""What "today" is: the system date, unless TAIZHANG_TODAY=YYYY-MM-DD says otherwise."""

from __future__ import annotations

import os
from datetime import date, datetime


def today() -> date:
    value = os.environ.get("TAIZHANG_TODAY", "").strip()
    if value:
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"环境变量 TAIZHANG_TODAY 的值「{value}」不是 YYYY-MM-DD 格式的日期") from None
    return date.today()


def now() -> datetime:
    """Local time to the second, for history entries."""
    return datetime.now().replace(microsecond=0)
