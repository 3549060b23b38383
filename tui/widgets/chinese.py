"""Textual's own words that reach the footer, in Chinese: the open list of a Select says
"Esc Dismiss menu" otherwise."""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets._select import SelectOverlay


def select_overlay_in_chinese() -> None:
    """Give the Select's drop-down list a Chinese key description (its bindings are merged when the
    class is made, so they are merged again here)."""
    SelectOverlay.BINDINGS = [Binding("escape", "dismiss", "收起列表")]
    SelectOverlay._merged_bindings = SelectOverlay._merge_bindings()


select_overlay_in_chinese()
