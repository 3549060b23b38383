"""An export leaves Python's cyclic collector as it found it (``exporters.collector``, issue 17): the
objects it froze for its own run are handed back afterwards, and a caller that froze its own objects
(the TUI at startup, to keep full collections from stalling key presses) still has them frozen."""

from __future__ import annotations

import gc

from exporters.excel import export
from models import store


def test_an_export_hands_back_what_it_froze_and_keeps_what_the_caller_froze(demo, tmp_path):
    conn = store.connect(demo)
    group = store.group_names(conn)[0]
    gc.unfreeze()
    try:
        export(conn, "division", tmp_path / "a.xlsx", group)
        assert gc.get_freeze_count() == 0
        gc.freeze()  # as the TUI does once it has started
        frozen = gc.get_freeze_count()
        export(conn, "division", tmp_path / "b.xlsx", group)
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()
        conn.close()
    assert (tmp_path / "a.xlsx").is_file() and (tmp_path / "b.xlsx").is_file()
