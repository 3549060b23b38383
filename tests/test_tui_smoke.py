"""The first small TUI: opens on a database, shows the group's tasks, ticks with space, undoes with ctrl+z."""

from __future__ import annotations

from datetime import date

from models import operations as ops
from models.tables import Task
from tui import make_app


async def _settle(app, pilot) -> None:
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


async def test_space_ticks_the_highlighted_task_and_ctrl_z_undoes(db, db_path):
    g = ops.create_group(db, "闽清县老龄工作领导小组")
    first = ops.add_task(db, g, "基本养老保险参保率达到90%", deadline="2020年", due=date(2020, 12, 31))
    ops.add_task(db, g, "城乡居民基本养老保险参保人数达到14.2万人")
    ops.assign(db, first, "县人社局", person="黄敬铿")
    app = make_app(db_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await _settle(app, pilot)
        table = app.query_one("#tasks")
        assert table.row_count == 2
        assert "县人社局" in str(table.get_row_at(0)) and "逾期" in str(table.get_row_at(0))
        await pilot.press("space")
        await _settle(app, pilot)
        with db.session() as s:
            assert s.get(Task, first).status == "已完成"
        await pilot.press("ctrl+z")
        await _settle(app, pilot)
        with db.session() as s:
            assert s.get(Task, first).status == "未启动"
