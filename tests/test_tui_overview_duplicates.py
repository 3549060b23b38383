"""总览 lists a task once: a task overdue by a missed yearly target whose deadline the office moved
later (issue 12's first scenario: 完成时限 changed in the ledger) is in the overdue list, not also
under the coming deadlines — listed twice, the table refused the second row and the app stopped."""

from __future__ import annotations

from datetime import date

from sqlmodel import select

from models import operations as ops
from models.clock import today as clock_today
from models.db import Database
from models.tables import Group, Task
from tui import make_app
from tui.testing import choose_group, demo_copy, settle


async def test_a_task_overdue_by_its_targets_with_a_later_deadline_is_listed_once(tmp_path):
    path = demo_copy(tmp_path)
    with Database(path) as db, db.session() as s:
        gid = s.exec(select(Group.id).where(Group.name == "闽清县老龄工作领导小组")).one()
        first = s.exec(select(Task).where(Task.group_id == gid).order_by(Task.position)).first()
    with Database(path) as db:
        ops.edit_task(db, first.id, deadline="2027年6月底前", due=date(2027, 6, 30))  # as the edit form saves it
    app = make_app(path, state_path=tmp_path / "state.json")
    async with app.run_test(size=(120, 36)) as pilot:
        await choose_group(pilot, "闽清")
        await settle(pilot)
        assert app.is_running and type(app.screen).__name__ == "OverviewScreen"
        table = app.screen.query_one("#ov-deadlines")
        keys = [row.value for row in table.rows]
        assert keys.count(f"t:{first.id}") == 1 and keys.index("s:逾期") < keys.index(f"t:{first.id}")
        # shown as overdue since its missed 2018 target, not by its deadline in 2027
        when = str(table.get_row(f"t:{first.id}")[0])
        assert when == f"逾期 {(clock_today() - date(2018, 12, 31)).days} 天", when
