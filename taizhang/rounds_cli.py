"""The command line of reporting rounds (issue 14): ``round open/list/close/cycle``, the exports
``--kind forms`` and ``--kind reporting``, and importing returned forms (a file or a folder).
``taizhang.cli`` parses the arguments and hands over here."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path


def add_round_parser(sub) -> None:
    rnd = sub.add_parser("round", help="报送轮次：open 开启、list 列出、close 结束、reopen 重新开启、cycle 设置报送周期")
    rnd.add_argument("action", choices=("open", "list", "close", "reopen", "cycle"), metavar="open|list|close|reopen|cycle",
                     help="open NAME 开启一轮（不写 NAME 按报送周期给出名称和截止日期）；list 列出各轮及报送情况；"
                          "close NAME 结束一轮；cycle 周期 设置报送周期（每月5日前、每半月、每季度）")
    rnd.add_argument("name", nargs="?", metavar="NAME", help="轮次名称，如 2024年6月、第3期；cycle 时为周期")
    rnd.add_argument("--group", metavar="NAME", help="领导小组名称（数据库中只有一个时可省略）")
    rnd.add_argument("--due", metavar="YYYY-MM-DD", help="报送截止日期")


def _connect(db_path: Path):
    from models import store
    from models.errors import DatabaseError
    from taizhang.cli import BadInput

    try:
        conn = store.connect(db_path)
    except DatabaseError as exc:
        raise BadInput(str(exc)) from None
    from models.text_repair import repair

    repair(conn)  # what is only shown: text not valid UTF-8 in the ledger reads with � in its place (issue 13)
    return conn


def _group(conn, wanted: str | None) -> tuple[int, str]:
    from models import store
    from taizhang.cli import _group_name

    name = _group_name(store.group_names(conn), wanted, create_ok=False)
    return conn.execute("SELECT id FROM work_group WHERE name = :n", {"n": name}).fetchone()[0], name


def round_command(args: argparse.Namespace, db_path: Path) -> int:
    from models.errors import OperationError  # not models.changes: listing never loads the ORM
    from models.round_status import find_round, list_rounds, md, unit_states, counts, REPORTED, PARTIAL, \
        NOT_REPORTED, LATE
    from taizhang.cli import EXIT_OK, BadInput, UsageError

    due = None
    if args.due:
        try:
            due = date.fromisoformat(args.due)
        except ValueError:
            raise UsageError(f"--due 应为 YYYY-MM-DD 格式的日期，不是「{args.due}」。") from None
    conn = _connect(db_path)
    try:
        group_id, group = _group(conn, args.group)
        if args.action == "list":
            rounds = list_rounds(conn, group_id)
            if not rounds:
                print(f"{group}：还没有报送轮次。")
            for r in rounds:
                c = counts(unit_states(conn, r))
                total = sum(c.values())
                due_text = f"截止 {r.due:%Y-%m-%d}" if r.due else "未定截止日期"
                print(f"{r.name}\t{r.status_label}\t{due_text}\t任务 {r.tasks} 项\t单位 {total} 个：已报送 {c[REPORTED]}，"
                      f"逾期报送 {c[LATE]}，部分 {c[PARTIAL]}，未报送 {c[NOT_REPORTED]}")
            return EXIT_OK
        found = find_round(conn, group_id, args.name) if args.action in ("close", "reopen") and args.name else None
    finally:
        conn.close()
    from models import rounds as ops
    from models.db import Database
    from models.errors import DatabaseError

    try:
        db = Database(db_path)
    except DatabaseError as exc:
        raise BadInput(str(exc)) from None
    try:
        if args.action == "open":
            round_id = ops.open_round(db, group_id, args.name, due=due)
            conn = _connect(db_path)
            try:
                r = next(r for r in list_rounds(conn, group_id) if r.id == round_id)
                units = len(unit_states(conn, r))
            finally:
                conn.close()
            print(f"{group}：已开启报送轮次「{r.name}」，任务 {r.tasks} 项，涉及 {units} 个单位"
                  + (f"，截止 {r.due:%Y-%m-%d}（{md(r.due)}）" if r.due else "") + "。")
        elif args.action == "cycle":
            ops.set_cycle(db, group_id, args.name or "")
            print(f"{group}：报送周期为{ops.cycle_label(ops.parse_cycle(args.name or ''))}。")
        else:
            if not args.name:
                raise UsageError(f"round {args.action} 需要轮次名称（taizhang round list 列出）。")
            if found is None:
                raise BadInput(f"「{group}」没有名为「{args.name}」的报送轮次。")
            (ops.close_round if args.action == "close" else ops.reopen_round)(db, found.id)
            print(f"{group}：报送轮次「{found.name}」已{'结束' if args.action == 'close' else '重新开启'}。")
    except OperationError as exc:
        raise BadInput(str(exc)) from None
    finally:
        db.close()
    return EXIT_OK


def export_round(args: argparse.Namespace, db_path: Path) -> int:
    """``export OUTDIR/ --kind forms`` and ``export OUT.xlsx --kind reporting``."""
    from exporters.ledger_data import ExportError
    from taizhang.cli import EXIT_OK, BadInput

    try:
        if args.kind == "forms":
            from exporters.forms import export_forms

            out = Path(args.out)
            if not out.exists() and not out.suffix:
                try:
                    out.mkdir(parents=False)
                except OSError as exc:
                    raise BadInput(f"无法建立文件夹「{out}」：{exc.strerror or exc}") from None
            paths = export_forms(db_path, out, args.group, args.round)
            for p in paths:
                print(f"已导出：{p}")
            print(f"共 {len(paths)} 份填报表。")
        else:
            from exporters.reporting import export_reporting

            print(f"已导出：{export_reporting(db_path, args.out, args.group, args.round)}")
    except ExportError as exc:
        raise BadInput(str(exc)) from None
    return EXIT_OK


def is_forms_import(args: argparse.Namespace) -> bool:
    """A folder, ``--round``, or a file that holds a returned form (a file only named like one, such
    as a division table called …填报表.xlsx, is read as a table)."""
    from importers.form_guess import looks_like_form  # importers.forms only for a file that looks like a form

    path = Path(args.file)
    if path.is_dir() or getattr(args, "round", None):
        return True
    if not (path.is_file() and looks_like_form(path)):
        return False
    from importers.forms import read_form
    from importers.records import ImportRefused

    try:
        return read_form(path) is not None
    except ImportRefused:
        return False  # the table import says what is wrong with the file


def import_forms_command(args: argparse.Namespace, db_path: Path, backup) -> int:
    from importers.forms import format_plan, import_forms
    from importers.records import ImportRefused
    from models.errors import DatabaseError, OperationError
    from taizhang.cli import EXIT_OK, BadInput

    path = Path(args.file)
    if not path.exists():
        raise BadInput(f"找不到「{path}」。")
    try:
        plan = import_forms(db_path, path, args.group, args.round, dry_run=args.dry_run,
                            before_commit=lambda: backup(db_path))
    except ImportRefused as exc:
        raise BadInput(f"{exc}\n数据库未作任何改动。") from None
    except (OperationError, DatabaseError) as exc:
        raise BadInput(f"导入「{path.name}」失败：{exc}\n数据库未作任何改动。") from None
    print(format_plan(plan, dry_run=args.dry_run))
    from models.db_url import is_server

    if is_server(str(db_path)) and not args.dry_run and getattr(plan, "result", None) is not None:
        from importers.server_write import NO_BACKUP_NOTE

        print(NO_BACKUP_NOTE)
    return EXIT_OK
