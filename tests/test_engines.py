"""The operations, their history and undo/redo on each engine (issue 18): a ledger file and a
server ledger give the same results through the same code."""

from __future__ import annotations

import pytest

from models import operations as op
from models.changes import redo_last
from models.errors import OperationError
from models.store import connect
from models.tables import CO

# every test here that makes a ledger runs on a file and on a server (tests/conftest.py)
pytestmark = pytest.mark.both_engines


def _history(target) -> list[tuple[str, str]]:
    conn = connect(target)
    try:
        return [tuple(r) for r in conn.execute("SELECT action, summary FROM history ORDER BY id")]
    finally:
        conn.close()


def test_operations_history_and_undo_are_the_same_on_both_engines(ledger_db, ledger_at):
    g = op.create_group(ledger_db, "测试领导小组")
    t = op.add_task(ledger_db, g, "完善养老服务体系", deadline="2019年底前")
    op.assign(ledger_db, t, "县民政局", person="张三")
    op.assign(ledger_db, t, "县财政局", role=CO)
    assert op.tick(ledger_db, t) == "已完成"
    op.edit_task(ledger_db, t, content="新内容", expected={"content": "完善养老服务体系"})
    try:
        op.edit_task(ledger_db, t, content="别的", expected={"content": "完善养老服务体系"})
    except OperationError as exc:
        assert "已被修改" in str(exc)
    else:
        raise AssertionError("a change over someone else's was saved")
    assert op.undo(ledger_db) == "修改任务：新内容"
    assert redo_last(ledger_db) == "修改任务：新内容"
    conn = connect(ledger_at)
    try:
        task = conn.execute("SELECT content, status, done_on FROM task WHERE id = ?", (t,)).fetchone()
        units = conn.execute("SELECT u.name, a.role, a.person FROM assignment a JOIN unit u ON u.id = a.unit_id "
                             "WHERE a.task_id = :t ORDER BY a.id", {"t": t}).fetchall()
    finally:
        conn.close()
    assert task == ("新内容", "已完成", "2023-07-01")  # dates read back as ISO text on both
    assert units == [("县民政局", "lead", "张三"), ("县财政局", "co", None)]
    assert [a for a, _ in _history(ledger_at)] == [
        "create_group", "add_task", "assign", "assign", "tick", "edit_task", "undo", "redo"]
