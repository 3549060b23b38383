"""The terminal UI (Textual). ``make_app(db_path)`` builds the App for one database file."""

from __future__ import annotations

import os


def make_app(db_path: str | os.PathLike[str]):
    from tui.app import TaizhangApp

    return TaizhangApp(db_path)
