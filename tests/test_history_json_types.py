"""A history entry's field changes are told alike from a ledger file and a server ledger when the
JSON type of a value differs between before and after (issue 18): "1" after 1 is a change (text is
never a number), 1 after true and 1.0 after 1 are not (a flag the ORM wrote as true and plain SQL as
1; numbers by value), null and "" are alike — as SQLite's json_extract compares them and as the
history's own words judge them (models.audit._same)."""

from __future__ import annotations

from datetime import date

from conftest import on_both_engines

from models import audit
from models import operations as ops
from models.changes import change
from models.store import connect

CASES = [  # (field, before, after, told as a change)
    ("notes", 1, "1", True),
    ("notes", "1", 1, True),
    ("notes", "年内完成", "年底完成", True),
    ("position", 1, 1.0, False),
    ("position", 2, 3, True),
    ("notes", None, "", False),
    ("cancelled_on", None, None, False),
]
MEMBER_CASES = [("active", True, 1, False), ("active", False, 0, False), ("active", True, 0, True),
                ("active", 1, "1", True)]


@on_both_engines
def test_a_value_of_another_json_type_is_told_alike_on_both_engines(db):
    g = ops.create_group(db, "测试领导小组")
    task = ops.add_task(db, g, "完善养老服务体系", due=date(2023, 12, 31))
    member = ops.add_member(db, g, "张三", unit="县民政局")
    written = []
    for table, row_id, cases in (("task", task, CASES), ("member", member, MEMBER_CASES)):
        for field, before, after, _shown in cases:
            with change(db, "edit_task") as tx:
                tx.record(table, row_id, {field: before}, {field: after})
                tx.describe(f"测试 {field} {before!r} → {after!r}", group_id=g)
            written.append((table, field, before, after, _shown))
    conn = connect(db.target)
    try:
        told = {e.summary: e for e in audit.entries(conn, audit.Scope(), limit=100)}
        for table, field, before, after, shown in written:
            entry = told[f"测试 {field} {before!r} → {after!r}"]
            label = audit.FIELD_LABELS[table][field]
            assert any(label in line for line in entry.changes) is shown, (table, field, before, after, entry.changes)
            assert bool(audit._changed(audit._Row(table, 1, {field: before}, {field: after}))) is shown
    finally:
        conn.close()
