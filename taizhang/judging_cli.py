"""The command line of judging (issue 15): ``export OUT.docx --kind bulletin``, ``export OUTDIR/
--kind chase`` and ``export OUT.xlsx --kind assessment``. ``taizhang.cli`` hands over here."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

KINDS = ("assessment", "bulletin", "chase")


def add_settings_parser(sub) -> None:
    st = sub.add_parser("settings", help="领导小组的办结审核开关和考评权重：不带选项时显示现在的设置")
    st.add_argument("--group", metavar="NAME", help="领导小组名称（数据库中只有一个时可省略）")
    st.add_argument("--review", choices=("on", "off"), help="办结审核：on 单位报已完成须经办公室销号；off 直接办结")
    st.add_argument("--weight", action="append", default=[], metavar="项=数",
                    help="考评权重，可写多次：完成率=40 按时完成率=30 按时报送率=30 每项逾期扣分=5"
                         "（也可用 done、on_time、reported、overdue_penalty）")


def parse_weights(items: list[str]) -> dict[str, float]:
    """``完成率=40`` or ``done=40`` (several, or comma-separated) → {"done": 40.0}; Chinese messages."""
    from models.judging import DEFAULT_WEIGHTS, WEIGHT_LABELS
    from taizhang.cli import UsageError

    by_label = {v: k for k, v in WEIGHT_LABELS.items()}
    out: dict[str, float] = {}
    for item in (part for text in items for part in text.replace("，", ",").split(",") if part.strip()):
        name, eq, value = item.replace("＝", "=").partition("=")
        key = by_label.get(name.strip(), name.strip())
        if not eq or key not in DEFAULT_WEIGHTS:
            raise UsageError(f"--weight 应写成「项=数」，项为 {'、'.join(WEIGHT_LABELS.values())}，不是「{item}」。")
        try:
            number = float(value)
        except ValueError:
            raise UsageError(f"考评权重「{WEIGHT_LABELS[key]}」应为不小于 0 的数，不是「{value.strip()}」。") from None
        if number != number or number < 0 or number == float("inf"):
            raise UsageError(f"考评权重「{WEIGHT_LABELS[key]}」应为不小于 0 的数，不是「{value.strip()}」。")
        out[key] = number
    return out


def settings_command(args: argparse.Namespace, db_path: Path) -> int:
    from exporters.assessment import weights_of
    from models.judging import DEFAULT_WEIGHTS, WEIGHT_LABELS
    from taizhang.cli import EXIT_OK, BadInput
    from taizhang.rounds_cli import _connect, _group

    weights = parse_weights(args.weight)
    conn = _connect(db_path)
    try:
        group_id, name = _group(conn, args.group)
    finally:
        conn.close()
    if args.review is not None or weights:
        from models.closing import set_judging  # the ORM, loaded only to change a setting
        from models.db import Database
        from models.errors import DatabaseError, OperationError

        try:
            db = Database(db_path)
        except DatabaseError as exc:
            raise BadInput(str(exc)) from None
        try:
            changed = set_judging(db, group_id, None if args.review is None else args.review == "on", weights)
        except OperationError as exc:
            raise BadInput(str(exc)) from None
        finally:
            db.close()
        print(f"{name}：已保存（可在界面中 Ctrl+Z 撤销）。" if changed else f"{name}：设置没有变化。")
    conn = _connect(db_path)
    try:
        review = bool(conn.execute("SELECT review_closing FROM work_group WHERE id = :g", {"g": group_id}).fetchone()[0])
        w = weights_of(conn, group_id)
    finally:
        conn.close()
    print(f"办结审核：{'开启（单位报已完成须经办公室销号）' if review else '关闭（单位报已完成即办结）'}")
    print("考评权重：" + "，".join(f"{WEIGHT_LABELS[k]} {w[k]:g}" for k in DEFAULT_WEIGHTS))
    return EXIT_OK


def _day(text: str | None, option: str):
    from datetime import date

    from taizhang.cli import UsageError

    if not text:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"{option} 应为 YYYY-MM-DD 格式的日期，不是「{text}」。") from None


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

                start, end = _day(getattr(args, "since", None), "--from"), _day(getattr(args, "until", None), "--to")
                if round_id is not None:  # the round's period: opened to due (or closed)
                    start = start or rnd.opened_on
                    end = end or rnd.due or rnd.closed_on
                end = min(end or on, on)
                if start is not None and start > end:
                    raise BadInput(f"统计期间的开始日期 {start:%Y-%m-%d} 晚于结束日期 {end:%Y-%m-%d}。")
                print(f"已导出：{export_assessment(conn, group_id, name, out, end, start)}")
            else:
                from exporters.documents.chase import ChaseNotRecorded, export_chase

                try:
                    paths = export_chase(conn, db_path, group_id, out, on, round_id=round_id)
                except ChaseNotRecorded as exc:  # a read-only account on a server: letters, no record
                    for p in exc.paths:
                        print(f"已导出：{p}")
                    print(f"共 {len(exc.paths)} 份督办通知。")
                    print(f"注意：督办通知已导出，但没有记入各单位的督办记录：{exc}", file=sys.stderr)
                    return EXIT_OK
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
