"""The command line of judging (issue 15): ``export OUT.docx --kind bulletin``, ``export OUTDIR/
--kind chase`` and ``export OUT.xlsx --kind assessment``. ``taizhang.cli`` hands over here."""

from __future__ import annotations

import argparse
from pathlib import Path

KINDS = ("assessment", "bulletin", "chase")


def export_judging(args: argparse.Namespace, db_path: Path) -> int:
    from models.clock import today
    from taizhang.cli import EXIT_OK, BadInput, UsageError
    from taizhang.rounds_cli import _connect, _group

    out = Path(args.out)
    if args.kind == "bulletin" and out.suffix.lower() != ".docx":
        raise UsageError(f"通报导出为 Word 文档：OUT 应以 .docx 结尾，不是「{out.name}」。")
    if args.kind == "assessment" and out.suffix.lower() != ".xlsx":
        raise UsageError(f"考评表导出为 Excel：OUT 应以 .xlsx 结尾，不是「{out.name}」。")
    if args.kind == "chase":
        if out.suffix and not out.is_dir():
            raise UsageError(f"督办通知每个单位一份：OUT 应是一个文件夹，不是「{out.name}」。")
        if not out.exists():
            try:
                out.mkdir()
            except OSError as exc:
                raise BadInput(f"无法建立文件夹「{out}」：{exc.strerror or exc}") from None
    elif not out.parent.is_dir():
        raise BadInput(f"输出目录「{out.parent}」不存在。")
    on = today()
    conn = _connect(db_path)
    try:
        group_id, name = _group(conn, args.group)
        round_id = None
        if getattr(args, "round", None):
            from models.round_status import find_round

            rnd = find_round(conn, group_id, args.round)
            if rnd is None:
                raise BadInput(f"「{name}」没有名为「{args.round}」的报送轮次。")
            round_id = rnd.id
        try:
            if args.kind == "bulletin":
                from exporters.documents.bulletin import export_bulletin

                print(f"已导出：{export_bulletin(conn, group_id, out, on, round_id=round_id)}")
            elif args.kind == "assessment":
                from exporters.assessment import export_assessment

                print(f"已导出：{export_assessment(conn, group_id, name, out, on)}")
            else:
                from exporters.documents.chase import export_chase

                paths = export_chase(conn, db_path, group_id, out, on, round_id=round_id)
                for p in paths:
                    print(f"已导出：{p}")
                print(f"共 {len(paths)} 份督办通知" + ("，已记入各单位的督办记录。" if paths else "：没有需要督办的单位。"))
        except PermissionError:
            raise BadInput(f"无法写入「{out}」：文件可能正在 Word/WPS 中打开，请关闭后重试。") from None
        except OSError as exc:
            raise BadInput(f"无法写入「{out}」：{exc.strerror or exc}") from None
    finally:
        conn.close()
    return EXIT_OK
