"""The terminal UI (Textual). ``make_app(db_path)`` builds the App for one database file."""

from __future__ import annotations

import os


def make_app(db_path: str | os.PathLike[str], *, state_path: str | os.PathLike[str] | None = None):
    """The App for the ledger file ``db_path``; ``state_path`` is where it remembers the last
    group and folders (default: the user's config folder)."""
    from tui.app import TaizhangApp

    return TaizhangApp(db_path, state_path=state_path)
