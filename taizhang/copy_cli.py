"""The command line of ledgers on a PostgreSQL server (issue 18): ``taizhang copy SRC DST``, the one
place that says which commands work on a server yet, and ``backup`` of a server ledger (a SQLite
snapshot file). ``taizhang.cli`` parses the arguments and hands over here."""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
from pathlib import Path

# Commands that work with --db postgresql://… today; every other one says so and changes nothing.
SERVER_COMMANDS = (
    "copy",
    "backup",
    "import",
    "settings",
    "undo",
    "redo",
    "export",
    "round",
    "demo",
)
# Commands that will not work on a server ledger, with what to do instead.
SERVER_REFUSALS = {
    "restore": "「taizhang restore」用于台账文件的备份，不能用于服务器上的台账（{where}）。要把服务器上的台账换成某个备份，"
               "请用 taizhang copy 备份文件 服务器地址 --replace（替换前请先 taizhang --db 服务器地址 backup）。",
}


def add_copy_parser(sub) -> None:
    cp = sub.add_parser("copy", help="把整个台账从文件复制到 PostgreSQL 服务器，或从服务器复制到文件",
                        description="复制整个台账（领导小组、单位、名单、任务、操作记录、报送轮次……，编号不变）。"
                                    "SRC、DST 各为台账文件路径或 postgresql://用户@主机:端口/数据库（密码写在 ~/.pgpass）。"
                                    "目标已有数据时不复制，除非加 --replace。目标在一个事务中写入：失败或中断时保持原样。")
    cp.add_argument("source", metavar="SRC", help="来源：台账文件或 postgresql:// 地址")
    cp.add_argument("target", metavar="DST", help="目标：台账文件（不存在则新建）或 postgresql:// 地址（数据库须已建立）")
    cp.add_argument("--replace", action="store_true", help="目标已有数据时用复制来的台账替换它（文件目标先备份）")


def db_target(args: argparse.Namespace) -> str:
    """The ``--db`` value as given (or ``TAIZHANG_DB``), before any Path() would fold a URL's //."""
    return (args.db or os.environ.get("TAIZHANG_DB", "")).strip()


def refuse_unsupported(args: argparse.Namespace) -> None:
    """The one check: a command that does not work on a server ledger yet says so (exit 1)."""
    from models.db_url import describe, is_server
    from taizhang.cli import BadInput

    target = db_target(args)
    if not is_server(target) or args.command in SERVER_COMMANDS or args.command is None:  # None: the TUI
        return
    if args.command in SERVER_REFUSALS:
        raise BadInput(SERVER_REFUSALS[args.command].format(where=describe(target)))
    what = f"「taizhang {args.command}」" if args.command else "界面"
    raise BadInput(f"{what}还不能直接用于服务器上的台账（{describe(target)}）。目前服务器上可用的命令："
                   f"{'、'.join(SERVER_COMMANDS)}。可以先用 taizhang copy 把台账复制到文件，在文件上工作，"
                   "再 taizhang copy --replace 复制回服务器。")


def copy_command(args: argparse.Namespace) -> int:
    from models.db_url import display
    from models.errors import DatabaseError, OperationError
    from models.ledger_copy import copy_ledger
    from taizhang.cli import EXIT_OK, BadInput

    source, target = args.source.strip(), args.target.strip()
    try:
        done = copy_ledger(source, target, replace=args.replace)
    except (DatabaseError, OperationError) as exc:
        raise BadInput(f"{exc}\n目标台账未作任何改动。" if "未作任何改动" not in str(exc) else str(exc)) from None
    except (OSError, sqlite3.Error) as exc:  # a full disk, a locked or unwritable file
        from models.faults import os_problem

        detail = os_problem(exc, Path(target)) if isinstance(exc, OSError) else str(exc)
        raise BadInput(f"复制失败：{detail}\n目标台账未作任何改动。") from None
    if done.backup is not None:
        print(f"替换前的数据已备份为：{done.backup}")
    counts = done.rows
    print(f"已复制：{display(source)} → {display(target)}"
          f"（领导小组 {counts.get('work_group', 0)} 个，单位 {counts.get('unit', 0)} 个，任务 {counts.get('task', 0)} 个，"
          f"操作记录 {counts.get('history', 0)} 条；共 {done.total} 行）")
    for note in done.notes:
        print(f"注意：{note}", file=sys.stderr)
    return EXIT_OK


def server_backup_dir() -> Path:
    """Where snapshots of server ledgers go: the user data folder's server-backups."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("taizhang", appauthor=False)) / "server-backups"


def snapshot_path(target: str) -> Path:
    """A new file in the server-backups folder (made if missing; OSError when it cannot be) for a
    snapshot of the server ledger ``target``, named by its server, database and the time:
    ``10.1.2.3_taizhang-20261203-093800-manual.db`` (``local`` for a socket on this computer, the port
    when not 5432), so that the ledgers of two servers with one database name stay apart."""
    from models.backup import _private_dir, _stamp, file_names
    from models.db_url import server_parts

    def plain(text: str | None) -> str:
        return "".join(c for c in text or "" if c.isalnum() or c in "-_.").strip(".")

    host, port, db, _ = server_parts(target)
    name = "local" if not host or host.startswith("/") else plain(host) or "server"
    if port and port != 5432:
        name += f"-{port}"
    dbname = plain(db) or "ledger"
    folder = server_backup_dir()
    _private_dir(folder)
    # a free name, not a file made now: the copy writes beside it and renames it in, and refuses a file
    # someone made meanwhile (models.ledger_copy.write_file)
    return next(p for p in file_names(folder, f"{name}_{dbname}-{_stamp():%Y%m%d-%H%M%S}-manual") if not p.exists())


def server_backup(args: argparse.Namespace, target: str) -> int:
    """``taizhang --db postgresql://… backup``: the ledger as a new SQLite snapshot file."""
    from models.db_url import describe
    from models.errors import DatabaseError
    from models.ledger_copy import copy_ledger
    from taizhang.cli import EXIT_OK, BadInput

    if args.list:
        folder = server_backup_dir()
        files = sorted(folder.glob("*.db"), key=lambda p: p.stat().st_mtime, reverse=True) if folder.is_dir() else []
        if not files:
            print(f"还没有服务器台账的备份（备份文件夹：{folder}）。")
        for path in files:
            print(path)
        return EXIT_OK
    try:
        path = snapshot_path(target)
    except OSError as exc:
        raise BadInput(f"无法建立备份文件夹「{server_backup_dir()}」：{exc.strerror or exc}") from None
    try:
        copy_ledger(target, str(path))
    except DatabaseError as exc:
        raise BadInput(f"无法备份{describe(target)}：{exc}") from None
    print(f"已备份：{path}")
    print("（这是一个普通的台账文件：taizhang --db 该文件 可以直接打开；"
          "taizhang copy 该文件 服务器地址 --replace 可以把它恢复到服务器。）")
    return EXIT_OK
