"""A leader's read-only account exports the chase letters (督办通知) from the window as from the command
line: the letters are written and shown, with a note that they were not recorded — not "未能导出" over
a folder of letters it just wrote (seen in a new user's check of issue 18)."""

from __future__ import annotations

from urllib.parse import urlsplit

from models.server import READ_ONLY_MESSAGE
from models.store import connect
from tui import make_app
from tui.dialogs.export import KINDS
from tui.testing import choose_group, demo_template, settle, text_of

MINQING = "闽清县老龄工作领导小组"


async def test_a_read_only_account_gets_the_chase_letters_with_a_note(pg_server, tmp_path):
    ledger = pg_server.new_ledger(like=demo_template())
    name = urlsplit(ledger).path.lstrip("/")
    role = f"tz_lead_{name}"[:60]
    pg_server.sql(f"CREATE ROLE {role} LOGIN")
    pg_server.sql(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}", dbname=name)
    before = pg_server.sql("SELECT count(*) FROM history", dbname=name)
    app = make_app(pg_server.url(name, user=role), state_path=tmp_path / "state.json")
    async with app.run_test(size=(130, 40)) as pilot:
        await choose_group(pilot, "闽清")
        await pilot.press("x")
        await settle(pilot)
        dialog = app.screen
        dialog.query_one("#folder").value = str(tmp_path)
        dialog.query_one("#kind").highlighted = [k for k, _ in KINDS].index("chase")
        dialog.action_ok()
        await settle(pilot, rounds=5)
        said = " ".join(text_of(dialog.query_one("#result"), width=400).split())
    folder = next(tmp_path.glob(f"{MINQING}_督办通知_*"))
    letters = sorted(folder.glob("*.docx"))
    assert letters
    assert f"已导出到：{folder}" in said and "未能导出" not in said
    assert f"督办通知已导出（{len(letters)} 份），但没有记入各单位的督办记录：{READ_ONLY_MESSAGE}" in said
    assert pg_server.sql("SELECT count(*) FROM history", dbname=name) == before
    conn = connect(ledger)
    try:
        assert conn.execute("SELECT count(*) FROM task").fetchone()[0] > 0
    finally:
        conn.close()
