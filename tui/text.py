"""Small text helpers shared by the screens: cutting to a width in terminal cells (Chinese
characters take two), the colours of 逾期/临期/已完成, and how units and persons are written."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from rich.cells import cell_len
from rich.text import Text

STATE_STYLE = {
    "逾期": "bold red",
    "临期": "bold yellow",
    "已完成": "green",
    "推进中": "cyan",
    "未启动": "",
    "已取消": "dim strike",
    "待销号": "bold yellow",  # a unit's 已完成 waiting for the office (models.judging)
}


def cut(text: str | None, width: int) -> str:
    """``text`` on one line, cut to ``width`` cells with an ellipsis."""
    text = re.sub(r"[ \t\r\n]+", " ", text or "").strip()
    if width <= 0:
        return ""
    if cell_len(text) <= width:
        return text
    out, used = [], 0
    for ch in text:
        w = cell_len(ch)
        if used + w > width - 1:
            break
        out.append(ch)
        used += w
    return "".join(out) + "…"


def state_text(state: str) -> Text:
    return Text(state, style=STATE_STYLE.get(state, ""))


def units_text(pairs: list[tuple[str, str | None]], *, persons: bool = True) -> str:
    """县人社局（黄敬铿）、县财政局"""
    return "、".join(f"{u}（{p}）" if persons and p else u for u, p in pairs)


def day(value: date | None) -> str:
    return value.isoformat() if value else ""


def days_late(due: date | None, today: date) -> str:
    if due is None:
        return ""
    delta = (today - due).days
    if delta > 0:
        return f"逾期 {delta} 天"
    if delta == 0:
        return "今天到期"
    return f"还有 {-delta} 天"


def bar(done: int, total: int, width: int) -> Text:
    """A bar of ``width`` cells: █ for the share done, ░ for the rest."""
    width = max(width, 1)
    filled = round(width * done / total) if total else 0
    text = Text("█" * filled, style="green")
    text.append("░" * (width - filled), style="dim")
    return text


def show_path(path: object) -> str:
    """A path as the user reads it: the home folder written as ~."""
    p = Path(str(path))
    try:
        rest = p.resolve().relative_to(Path.home().resolve())
    except (ValueError, OSError):
        return str(p)
    return "~" if str(rest) == "." else str(Path("~") / rest)


def expand_path(text: str) -> Path:
    return Path(text.strip().strip('"').strip("'")).expanduser()
