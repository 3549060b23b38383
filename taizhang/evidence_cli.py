"""`taizhang export OUTDIR --kind evidence [--group G] [--zip]`: the acceptance tree and its 资料台账
(``exporters.evidence``). ``taizhang.cli`` parses the arguments and hands over here."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def export_evidence(args: argparse.Namespace, db_path: Path) -> int:
    from exporters.evidence import EvidenceExportError, write_tree
    from models import store
    from models.errors import DatabaseError
    from taizhang.cli import EXIT_OK, BadInput, UsageError, _group_name

    out = Path(args.out)
    if out.suffix.lower() in (".xlsx", ".json", ".zip") and not out.is_dir():
        raise UsageError(f"--kind evidence 导出的是一个文件夹：OUT 应是文件夹（如 D:\\验收），不是「{out.name}」。")
    if not out.is_dir() and not out.parent.is_dir():
        raise BadInput(f"输出目录「{out.parent}」不存在。")
    try:
        conn = store.connect(db_path)
    except DatabaseError as exc:
        raise BadInput(str(exc)) from None
    try:
        group = _group_name(store.group_names(conn), args.group, create_ok=False)
        written = write_tree(conn, db_path, group, out, make_zip=args.zip)
    except EvidenceExportError as exc:
        raise BadInput(str(exc)) from None
    finally:
        conn.close()
    print(f"已导出验收资料：{written.root}")
    print(f"  资料台账：{written.ledger}")
    print(f"  任务 {written.tasks} 项，材料 {written.files} 个；没有佐证材料的任务 {written.without} 项（台账中标黄）")
    if written.zip:
        print(f"  压缩包：{written.zip}")
    for line in written.problems:
        print(f"注意：{line}", file=sys.stderr)
    return EXIT_OK
