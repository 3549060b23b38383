"""`taizhang --db postgresql://… demo` (issue 18): the demo onto a server ledger.

An empty server ledger (or an empty database) gets the demo as a file does — built into a
throw-away ledger file through the importers, then copied over exactly as ``taizhang copy`` does,
in one transaction (a ledger filled meanwhile by someone else is refused, not overwritten). Run
again on a server ledger that holds the demo's groups and nothing else, it does what a re-run does
on a file: every sample file is imported again and found unchanged (nothing added, the changes made
in between kept). A server ledger holding anything else — the office's own work — is refused with
what to do instead, nothing changed."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path


def _state(target: str) -> tuple[bool, list[str]]:
    """(whether the server ledger holds any row, its group names); the schema is made when the
    database is empty, as any command does."""
    from models import store
    from models.ledger_copy import tables

    conn = store.connect(target)
    try:
        has_data = any(conn.execute(f'SELECT 1 FROM "{t.name}" LIMIT 1').fetchone() for t in tables())
        return has_data, store.group_names(conn)
    finally:
        conn.close()


def refusal(target: str, names: list[str]) -> str | None:
    """Why the demo does not go onto this server ledger (None: it may)."""
    from models.db_url import describe
    from taizhang.demo import DEMO_GROUPS

    demo = {g.name for g in DEMO_GROUPS}
    if names and set(names) <= demo:
        return None
    others = [n for n in names if n not in demo]
    held = (f"领导小组 {len(names)} 个：{'、'.join(others[:3])}{'等' if len(others) > 3 else ''}" if others
            else "单位或其他数据")
    return (f"{describe(target)}中已有台账数据（{held}），示例数据只载入空的服务器台账，没有作任何改动。"
            "要在服务器上看示例，请新建一个空的数据库再运行 taizhang --db 新数据库地址 demo；"
            "或 taizhang --db 示例.db demo 载入一个台账文件。")


def load_demo_on_server(target: str) -> Iterator[str]:
    """The demo onto the server ledger ``target``: lines for the user to read. Raises
    ``models.errors.OperationError`` (a Chinese sentence) when it may not go there."""
    from models.db import Database
    from models.errors import OperationError
    from models.ledger_copy import TargetNotEmpty, copy_ledger
    from taizhang.demo import load_demo

    has_data, names = _state(target)
    if has_data:
        why = refusal(target, names)
        if why:
            raise OperationError(why)
        db = Database(target)  # a re-run, as on a file: every file found unchanged
        try:
            yield from load_demo(db)
        finally:
            db.close()
        return
    with tempfile.TemporaryDirectory(prefix="taizhang-demo-") as folder:
        built = Path(folder) / "demo.db"
        db = Database(built)
        try:
            yield from load_demo(db)
        finally:
            db.close()
        try:
            done = copy_ledger(str(built), target)  # one transaction; a ledger filled meanwhile is refused
        except TargetNotEmpty:
            raise OperationError(refusal(target, _state(target)[1]) or "服务器上的台账在载入示例时已被别人填入数据。") from None
    from models.db_url import display

    yield (f"已载入服务器上的台账 {display(target)}（领导小组 {done.rows.get('work_group', 0)} 个，"
           f"任务 {done.rows.get('task', 0)} 个）")


def demo_on_server(target: str) -> None:
    """The command line's part: the lines printed, a refusal or failure said (``BadInput``, exit 1)."""
    from models.errors import DatabaseError, OperationError
    from taizhang.cli import BadInput

    try:
        for line in load_demo_on_server(target):
            print(line, flush=True)
    except (DatabaseError, OperationError) as exc:
        text = str(exc)
        raise BadInput(text if "改动" in text else f"{text}\n服务器上的台账未作任何改动。") from None
