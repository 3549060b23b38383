"""`taizhang backup [--list]` and `taizhang restore FILE` (see ``models.backup``)."""

from __future__ import annotations

import argparse
from pathlib import Path

from taizhang.cli import EXIT_OK, BadInput


def backup_command(args: argparse.Namespace, db_path: Path) -> int:
    from models import backup, store
    from models.errors import DatabaseError

    if args.list:
        backup.clean_leftovers(db_path)  # of a backup or restore killed before
        backups = backup.list_backups(db_path)
        if not backups:
            print(f"「{db_path}」还没有备份（备份文件夹：{backup.backup_dir(db_path)}）。")
        for info in backups:
            print(f"{info.time:%Y-%m-%d %H:%M:%S}  {info.reason_text:6s}  {backup.human_size(info.size):>8s}  {info.path}")
        from models.evidence_store import human_size, store_dir, store_usage

        count, size = store_usage(db_path)
        if count:
            print(f"佐证材料：{count} 个文件，共 {human_size(size)}，在「{store_dir(db_path)}」（各备份共用，不重复复制）")
        return EXIT_OK
    if not db_path.is_file():
        from models.faults import not_a_ledger_file

        raise BadInput(not_a_ledger_file(db_path) or f"数据库文件「{db_path}」不存在，没有可备份的内容。")
    try:
        store.prepare(db_path)  # a damaged file is refused here, naming its newest backup
        made = backup.make_backup(db_path, "manual")
    except DatabaseError as exc:
        raise BadInput(str(exc)) from None
    print(f"已备份：{made}")
    return EXIT_OK


def restore_command(args: argparse.Namespace, db_path: Path) -> int:
    from models import backup
    from models.errors import DatabaseError

    source = backup.find_backup(db_path, args.file)
    if not source.is_file():
        from importers.readers.sniff import not_a_file

        problem = not_a_file(source) or "不是普通文件。"
        if problem.startswith("找不到文件"):
            raise BadInput(f"找不到备份文件「{args.file}」。taizhang backup --list 列出已有的备份。")
        raise BadInput(f"「{args.file}」不能用于恢复：{problem}数据库未作任何改动。")
    try:
        done = backup.restore(db_path, source)
    except DatabaseError as exc:
        raise BadInput(str(exc)) from None
    if done.saved:
        print(f"恢复前的数据已备份为：{done.saved}")
    if done.damaged_copy:
        print(f"原来的数据库文件已损坏，已原样另存为：{done.damaged_copy}")
    when = f"（备份于 {done.source.time:%Y-%m-%d %H:%M:%S}）" if isinstance(done.source, backup.BackupInfo) else ""
    print(f"已从「{source}」{when}恢复数据库「{db_path}」。")
    return EXIT_OK
