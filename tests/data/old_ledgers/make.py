"""Make tests/data/old_ledgers/vN.db.gz with the code taizhang shipped at schema version N.

Run with that version's code first on the path (not this worktree's), from a copy of it, e.g.:

    git archive <commit> | tar -x -C /tmp/old_v5
    cd /tmp/old_v5 && TAIZHANG_TODAY=2024-06-15 PYTHONPATH=. python <this file> /tmp/v5.db

The commits (main before the merge that raised the version): v2 9628ee9, v3 e2f06b2, v4 8cd089b,
v5 7976e9f, v6 2414450, v7 49978dc, v8 20332f6, v9 02256e0. The ledger gets what that version
could hold: the 闽清 table and the 泉港 roster and duties imported, ticks, progress, a member
replaced, an undone change, and from version 5 a round, from 7 an extension and a closing claimed
and confirmed. The file is then gzipped as it is (``gzip -9 -n``; tests/test_upgrade_old_files.py
opens it). dev-v3-eb416a8 and dev-v3-970038c were made the same way by two development commits
whose version 3 meant something else than the released one (AUTOINCREMENT; reporting rounds):
files like them were left by test runs and must be refused unchanged, never half-upgraded."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

from sqlmodel import select

from models import operations as ops
from models.db import Database
from models.tables import Member, Task


def main(path: str) -> None:
    samples = Path("sample_data")
    db = Database(Path(path))
    from taizhang.cli import main as cli

    for args in (["import", str(samples / "闽清县老龄事业重点任务分工表.xlsx")],
                 ["import", str(samples / "泉港区长寿之乡领导小组成员名单.txt"), "--as", "roster"],
                 ["import", str(samples / "泉港区长寿之乡成员单位职责.txt"), "--as", "duties",
                  "--group", "泉港区长寿之乡回头看及助推寿乡发展工作领导小组"]):
        assert cli(["--db", path, *args]) == 0, args
    with db.session() as s:
        tasks = s.exec(select(Task).order_by(Task.id)).all()
        member = s.exec(select(Member).where(Member.role == "成员").order_by(Member.id)).first()
        task_ids = [t.id for t in tasks]
        group_id = tasks[0].group_id
        member_id = member.id
    ops.tick(db, task_ids[0])
    ops.record_progress(db, task_ids[1], "已完成选址，正在办理用地手续", on=date(2024, 6, 1))
    ops.record_progress(db, task_ids[2], "已印发实施方案", on=date(2024, 5, 20))
    ops.tick(db, task_ids[3])
    ops.undo(db)  # the last tick undone: its history entry stays
    ops.replace_member(db, member_id, "王新任")
    try:
        from models import rounds
    except ImportError:
        rounds = None
    if rounds is not None and hasattr(rounds, "open_round"):
        rounds.open_round(db, group_id, "2024年6月", due=date(2024, 6, 30))
    try:
        from models import closing
    except ImportError:
        closing = None
    if closing is not None:
        closing.grant_extension(db, task_ids[4], date(2024, 12, 31), "用地审批未完成", date(2024, 6, 10))
        closing.claim_done(db, task_ids[5], date(2024, 6, 12))
        closing.confirm_closing(db, task_ids[5])
    db.close()


if __name__ == "__main__":
    main(sys.argv[1])
