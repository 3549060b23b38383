"""Evidence in the window on a server ledger (issue 18), by the keys a user presses: f adds a file
whose content goes to the server, Enter opens it read back from there, and another process (the
evidence export of another "PC") finds the same bytes."""

from __future__ import annotations

import os
from pathlib import Path

from conftest import run_cli

from tui import make_app
from tui.screens import task as task_screen
from tui.testing import demo_template, settle, task_list


async def test_f_on_a_server_ledger_stores_the_file_there_and_enter_opens_it(pg_server, tmp_path, monkeypatch):
    url = pg_server.new_ledger(like=demo_template())  # the demo, copied once per run onto a template
    video = tmp_path / "验收视频.mp4"
    video.write_bytes(os.urandom(1_500_000))  # two parts on the server
    opened: list[Path] = []
    monkeypatch.setattr(task_screen, "open_file", opened.append)
    app = make_app(url, state_path=tmp_path / "state.json")
    async with app.run_test(size=(120, 36)) as pilot:
        await task_list(pilot, "闽清")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("f")
        await settle(pilot)
        await pilot.press(*str(video), "ctrl+s")
        await settle(pilot)
        table = app.screen.query_one("#td-evidence")
        rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
        assert [(r[0], r[2], r[3], r[4]) for r in rows] == [("验收视频.mp4", "2023-07-01", "1.4 MB", "")]
        table.focus()
        await pilot.press("enter")
        await settle(pilot)
        assert len(opened) == 1 and opened[0].read_bytes() == video.read_bytes()
    out = tmp_path / "out"
    out.mkdir()
    done = run_cli("--db", url, "export", str(out), "--kind", "evidence", "--group", "闽清县老龄工作领导小组")
    assert done.returncode == 0 and not done.stderr, done.stderr
    (exported,) = [p for p in out.rglob("*.mp4")]
    assert exported.read_bytes() == video.read_bytes()
