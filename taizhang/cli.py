"""The command line (PRODUCT §6, a contract): open the TUI, load the demo, import, export.

Exit status 0 on success, 1 on bad input (one paragraph on stderr), 2 on wrong usage. Only opening
the TUI imports Textual.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from taizhang import __version__

EXIT_OK, EXIT_BAD_INPUT, EXIT_USAGE = 0, 1, 2
EXPORT_KINDS = ("division", "progress", "overdue", "roster", "history", "forms", "reporting",
                "assessment", "bulletin", "chase", "evidence")
ATTACHABLE = ("division", "progress", "overdue", "roster")  # exported together as 附件1, 附件2 …


class _KindChoices(tuple):
    """--kind's choices: one kind, or several of ATTACHABLE separated by commas."""

    def __contains__(self, value: object) -> bool:
        parts = str(value).split(",")
        if len(parts) == 1:
            return tuple.__contains__(self, value)
        return len(set(parts)) == len(parts) and all(p in ATTACHABLE for p in parts)


class UsageError(Exception):
    """Wrong usage of the command line (exit 2)."""


class BadInput(Exception):
    """A file or database that cannot be used as it is (exit 1)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse's default is English and exits 2 itself
        raise UsageError(f"{message}\n用法见 taizhang --help")


def default_db_path() -> Path:
    env = os.environ.get("TAIZHANG_DB", "").strip()
    if env:
        return Path(env)
    from platformdirs import user_data_dir

    return Path(user_data_dir("taizhang", appauthor=False)) / "taizhang.db"


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="taizhang",
        description="领导小组办公室工作台账：名单、成员单位职责、重点任务分工表、进展与逾期、导出报表。",
        epilog="数据库默认为环境变量 TAIZHANG_DB，否则为用户数据目录下的 taizhang.db。",
    )
    parser.add_argument("--db", metavar="PATH", help="数据库文件（默认 $TAIZHANG_DB 或用户数据目录）；"
                        "或 PostgreSQL 服务器 postgresql://用户@主机:端口/数据库（服务器上可用的命令见 README）")
    parser.add_argument("--version", action="version", version=f"taizhang {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="命令", parser_class=_Parser)

    demo = sub.add_parser("demo", help="载入 sample_data/ 中的示例数据（重复运行不会重复添加），然后打开界面")
    demo.add_argument("--no-tui", action="store_true", help="只载入数据，不打开界面")

    imp = sub.add_parser("import", help="导入分工表、成员名单或成员单位职责")
    imp.add_argument("file", metavar="FILE", help=".xlsx .xls .ods .docx .csv 表格，.txt 粘贴文本，或通知（.txt .md .docx 文字版 .pdf）")
    imp.add_argument("--group", metavar="NAME", help="导入到哪个领导小组（没有则新建）")
    imp.add_argument("--as", dest="kind", choices=("tasks", "roster", "duties"), help="文件内容：任务、名单或职责")
    imp.add_argument("--sheet", metavar="NAME", help="工作表名称（默认自动找到分工表所在的表）")
    imp.add_argument("--dry-run", action="store_true", help="只显示将导入的内容，不写入数据库")
    imp.add_argument("--prefer", choices=("ledger", "file"), default="ledger",
                     help="文件和台账都改了同一处（冲突）时保留哪一个（默认 ledger 台账）")
    imp.add_argument("--round", metavar="NAME", help="导入交回的填报表到哪个报送轮次（FILE 也可以是放填报表的文件夹）")

    exp = sub.add_parser("export", help="导出 JSON 数据或 Excel 报表")
    exp.add_argument("out", metavar="OUT", help="输出文件，按后缀决定格式：.json 或 .xlsx")
    exp.add_argument("--group", metavar="NAME", help="领导小组名称（数据库中只有一个时可省略）")
    exp.add_argument("--kind", choices=_KindChoices(EXPORT_KINDS), default="division",
                     help="Excel 报表种类（默认 division 分工表）；几种用逗号隔开一并导出到文件夹 OUT，"
                          "依次编为附件1、附件2…，如 division,progress,overdue,roster")
    exp.add_argument("--within", type=int, default=7, metavar="N", help="overdue：N 天内到期的也列入（默认 7）")
    exp.add_argument("--with-status", action="store_true", help="division：加上完成状态、完成日期两列")
    exp.add_argument("--round", metavar="NAME", help="forms、reporting：哪一轮报送（默认当前一轮）")
    exp.add_argument("--zip", action="store_true", help="evidence：另打包成一个 .zip（中文文件名在 Windows 上正常显示）")
    exp.add_argument("--from", dest="since", metavar="YYYY-MM-DD", help="assessment：统计期间的开始日期（默认不限）")
    exp.add_argument("--to", dest="until", metavar="YYYY-MM-DD", help="assessment：统计期间的结束日期（默认今天）")
    from taizhang.rounds_cli import add_round_parser

    add_round_parser(sub)
    from taizhang.copy_cli import add_copy_parser

    add_copy_parser(sub)
    from taizhang.judging_cli import add_settings_parser

    add_settings_parser(sub)

    bak = sub.add_parser("backup", help="立即备份数据库（到数据库旁的 backups 文件夹）；--list 列出已有的备份")
    bak.add_argument("--list", action="store_true", help="列出已有的备份，最新的在前")
    res = sub.add_parser("restore", help="从备份恢复数据库（先备份当前数据）")
    res.add_argument("file", metavar="FILE", help="备份文件（taizhang backup --list 列出；只写文件名时在 backups 文件夹中找）")
    sub.add_parser("undo", help="撤销上一步修改（包括一次导入），与界面中的 Ctrl+Z 相同")
    sub.add_parser("redo", help="重做刚才撤销的修改，与界面中的 Ctrl+Y 相同")
    return parser


def main(argv: list[str] | None = None) -> int:
    """The command; then SQLite's -wal/-shm files that it left beside the ledger are removed (a
    full disk or a read-only opening keeps SQLite from doing it: ``models.sidecars``)."""
    ledger: list = []  # (path, the sidecars there at the start), once the arguments are read
    status = _main(argv, ledger)
    if ledger:
        from models import sidecars

        path, before = ledger[0]
        note = sidecars.tidy(path, before, failed=status != EXIT_OK).message(path)
        if note:
            print(f"taizhang：{note}", file=sys.stderr)
    return status


def entry() -> int:
    """The command as its own process runs it (``taizhang``, ``python -m taizhang``): ``main``, then
    the objects it left are kept from the collection Python makes as the process exits, which would
    walk them all (the caches of a 10,000-task import: ~14 ms) only to find no cycle worth freeing.
    (Tests call ``main`` in one long process: there every cycle is still collected.)"""
    import gc

    status = main()
    gc.freeze()
    return status


def _file_ledger(args: argparse.Namespace) -> list:
    """[(the ledger file, the -wal/-shm beside it now)], or [] for a server ledger or ``copy``."""
    from models import sidecars
    from models.db_url import is_server
    from taizhang.copy_cli import db_target

    if args.command == "copy" or is_server(db_target(args)):
        return []
    path = _db_path(args)
    return [(path, sidecars.present(path))]


def _warn_network_share(ledger: list) -> None:
    """A ledger file already kept on a network share is opened, with a warning (a new one is refused
    in ``models.store.prepare``): ``models.network_share``."""
    if ledger and ledger[0][0].exists():
        from models.network_share import warning

        text = warning(ledger[0][0])
        if text:
            print(f"taizhang：注意：{text}", file=sys.stderr)


def _main(argv: list[str] | None, ledger: list) -> int:
    args = None
    try:
        args = build_parser().parse_args(argv)
        ledger.extend(_file_ledger(args))
        _warn_network_share(ledger)
        return _run(args)
    except UsageError as exc:
        print(f"taizhang：{exc}", file=sys.stderr)
        return EXIT_USAGE
    except BadInput as exc:
        print(f"taizhang：{_outcome_of(args, str(exc)) if args else exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("taizhang：已中断，未完成的修改没有写入。", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `taizhang import … | head`: the reader left; the work itself is done
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except Exception as exc:  # text not valid UTF-8 in the ledger, where a command does not read past it
        from models.text_repair import damaged_text, is_decode_error
        from taizhang.server_failure import server_failure

        lost = server_failure(exc, _db_path(args), getattr(args, "command", None)) if args else None
        if lost:  # the server connection lost part-way, or another error of the server's
            print(f"taizhang：{lost}", file=sys.stderr)
            return EXIT_BAD_INPUT
        if not is_decode_error(exc):
            raise
        try:
            lines = damaged_text(_db_path(args))
        except Exception:  # noqa: BLE001 - the message goes out without the list
            lines = []
        print("taizhang：数据库中有文字已损坏（不是有效的 UTF-8），这个命令无法完成，未完成的修改没有写入。"
              + "".join(f"\n  - {line}" for line in lines) + "\n请在界面中核对并修改这些文字后再试（导出会以 � 代替照常完成）。",
              file=sys.stderr)
        return EXIT_BAD_INPUT


def _outcome_of(args: argparse.Namespace, message: str) -> str:
    """A disk or permission message of the ledger for ``backup`` and ``export``, which change
    nothing: what did not happen (备份没有完成 / 文件没有写出, naming the folder), not "这次修改没有保存"."""
    from models.faults import instead

    command = getattr(args, "command", None)
    if command is None:  # the window, refused at opening
        return instead(message, "界面没有打开，数据库未作任何改动。")
    if command == "backup" and not getattr(args, "list", False):
        folder = _db_path(args).absolute().parent / "backups"
        return instead(message, f"备份没有完成，备份文件夹「{folder}」中没有写入新的备份，数据库未作任何改动。")
    if command == "export":
        out = Path(args.out).absolute()
        folder = out if out.suffix == "" else out.parent
        return instead(message, f"文件没有写出（「{folder}」中没有新的导出文件），数据库未作任何改动。")
    return message


def _db_path(args: argparse.Namespace) -> Path | str:
    """The ledger: a file path, or a server ledger's postgresql:// URL as given (a Path would fold
    its //). Code that needs a file (backups, evidence folders) asks ``models.db_url.is_server``."""
    from models.db_url import is_server

    target = (args.db or os.environ.get("TAIZHANG_DB", "")).strip()
    if is_server(target):
        return target
    return Path(args.db) if args.db else default_db_path()


def _open_db(args: argparse.Namespace):
    """The ledger through the ORM (for the operations and the dump)."""
    from models.db import Database
    from models.errors import DatabaseError

    try:
        return Database(_db_path(args))
    except DatabaseError as exc:
        raise BadInput(str(exc)) from None


def _backup_before_import(path: Path) -> None:
    """A backup of a non-empty ledger before anything is imported into it (none on a server ledger:
    its import is one transaction, undoable; ``importers.server_write.NO_BACKUP_NOTE`` says so)."""
    from models.backup import BackupError, backup_before_import
    from models.db_url import is_server

    if is_server(str(path)):
        return

    try:
        backup_before_import(path)
    except BackupError as exc:
        raise BadInput(f"{exc}\n为安全起见没有导入，数据库未作任何改动。") from None


def _ledger_names(args: argparse.Namespace) -> tuple[list[str], list[str]]:
    """Group and unit names, read with plain sqlite3 (an import never waits for the ORM to load)."""
    from models import store
    from models.errors import DatabaseError

    try:
        conn = store.connect(_db_path(args))
    except DatabaseError as exc:
        raise BadInput(str(exc)) from None
    try:  # text not valid UTF-8 in the ledger reads with � in its place; the import names it (importers.load)
        from models.text_repair import retry_repaired

        return retry_repaired(conn, lambda: (store.group_names(conn), store.unit_names(conn)))[0]
    finally:
        conn.close()


def _run(args: argparse.Namespace) -> int:
    from models.db_url import is_server
    from taizhang.copy_cli import db_target, refuse_unsupported

    refuse_unsupported(args)  # a postgresql:// ledger: only the commands that work on a server yet
    if args.command == "copy":
        from taizhang.copy_cli import copy_command

        return copy_command(args)
    if args.command == "backup" and is_server(db_target(args)):
        from taizhang.copy_cli import server_backup

        return server_backup(args, db_target(args))
    if args.command == "export":
        return _export(args)
    if args.command == "import":
        return _import(args)
    if args.command == "round":
        from taizhang.rounds_cli import round_command

        return round_command(args, _db_path(args))
    if args.command == "settings":
        from taizhang.judging_cli import settings_command

        return settings_command(args, _db_path(args))
    if args.command in ("backup", "restore"):
        from taizhang.backups import backup_command, restore_command

        return (backup_command if args.command == "backup" else restore_command)(args, _db_path(args))
    if args.command in ("undo", "redo"):
        from taizhang.undo_cli import undo_redo_command

        db = _open_db(args)
        try:
            status, line = undo_redo_command(args.command, db)
        finally:
            db.close()
        if status:  # said like every other command's refusal ("taizhang：…")
            raise BadInput(line)
        print(line)
        return status
    if args.command == "demo" and is_server(db_target(args)):
        from taizhang.demo_server import demo_on_server

        demo_on_server(db_target(args))
        if args.no_tui:
            return EXIT_OK
    elif args.command == "demo":
        from taizhang.demo import load_demo

        db = _open_db(args)
        try:
            _backup_before_import(db.path)
            for line in load_demo(db):
                print(line)
        finally:
            db.close()
        if args.no_tui:
            return EXIT_OK
    return _tui(args)


def _tui(args: argparse.Namespace) -> int:
    from models import store
    from models.backup import list_backups
    from models.errors import DatabaseError

    path = _db_path(args)
    if isinstance(path, str):  # a server ledger: say now if it cannot be reached (a password is asked in the window)
        from tui.server_window import check_server

        check_server(path)
        _need_terminal()
        from tui import make_app

        make_app(path).run()
        return EXIT_OK
    try:  # refuse a bad file here, with a message, before any screen (plain sqlite3: the ORM loads later)
        store.prepare(path)
    except store.DamagedDatabase as exc:
        if not list_backups(path):
            raise BadInput(str(exc)) from None
        # with backups, the window opens on a dialog that says what is wrong and offers them
    except DatabaseError as exc:
        raise BadInput(str(exc)) from None
    _need_terminal()
    from tui import make_app

    make_app(path).run()
    return EXIT_OK


def _need_terminal() -> None:
    """The window reads keys from a terminal: started with its input or output redirected (a script,
    a scheduled task, ``> log.txt``) it would wait for ever for keys that never come, busy all the while."""
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise BadInput("界面要在终端窗口（命令提示符、PowerShell 或 Windows 终端）里打开：这次的输入或输出不是终端"
                       "（被重定向到文件或管道）。只载入演示数据请加 --no-tui；其他命令见 taizhang --help。")


def _group_name(names: list[str], wanted: str | None, *, create_ok: bool, fallback: str | None = None) -> str:
    if wanted:
        wanted = wanted.strip()
        if wanted in names or create_ok:
            return wanted
        raise BadInput(f"没有名为「{wanted}」的领导小组。现有：{'、'.join(names) or '（无）'}")
    if len(names) == 1:
        return names[0]
    if not names and create_ok and fallback:
        return fallback
    if not names:
        raise BadInput("数据库中还没有领导小组。")
    raise UsageError(f"数据库中有 {len(names)} 个领导小组，请用 --group 指定：{'、'.join(names)}")


def _export(args: argparse.Namespace) -> int:
    """JSON dump (.json) or an Excel report (.xlsx, or a folder: the file is then named for the
    group, the report and today). Excel reports read the ledger with plain sqlite3, not the ORM."""
    if args.kind in ("forms", "reporting"):
        from taizhang.rounds_cli import export_round

        return export_round(args, _db_path(args))
    if args.kind in ("assessment", "bulletin", "chase"):
        from taizhang.judging_cli import export_judging

        return export_judging(args, _db_path(args))
    if args.kind == "evidence":
        from taizhang.evidence_cli import export_evidence

        return export_evidence(args, _db_path(args))
    out = Path(args.out)
    try:
        is_folder = out.is_dir()
    except OSError:  # a name too long to look up: writing it says so
        is_folder = False
    suffix = ".xlsx" if is_folder else out.suffix.lower()
    if suffix not in (".json", ".xlsx"):
        raise UsageError(f"不支持的导出格式「{out.suffix or out.name}」：OUT 应以 .json 或 .xlsx 结尾，或是一个已有的文件夹。")
    if suffix == ".xlsx":
        from exporters.excel import ExportError, export
        from models import store
        from models.errors import DatabaseError

        if args.within < 0:
            raise UsageError("--within 应为不小于 0 的天数。")
        try:
            # the file's quick check runs meanwhile; export() waits for it before keeping a file (issue 17)
            conn, confirm = store.connect_checking_meanwhile(_db_path(args))
        except DatabaseError as exc:
            raise BadInput(str(exc)) from None
        paths: list[Path] = []
        try:
            from exporters.excel import EVERY_GROUP
            from models.text_repair import retry_repaired

            every_group = args.kind == "history" and args.group == EVERY_GROUP  # the trail of every group at once
            group = None if every_group else _group_name(store.group_names(conn), args.group, create_ok=False)
            warn = lambda line: print(f"注意：{line}", file=sys.stderr)  # noqa: E731
            notes: list[str] = []

            kinds = args.kind.split(",")  # several: 附件1, 附件2 … in the order given
            if len(kinds) == 1:
                import gc

                # As ``_import``: a short process writing one workbook frees what it made by reference
                # counting; the cyclic collector would walk its 200,000 cells again and again for nothing
                # (issue 17: ~500 collections, 0.1 s of a 10,000-task division table). Not for several
                # workbooks (here or the forms): each leaves reference cycles the collector frees.
                gc.disable()
            if len(kinds) > 1 and not is_folder:
                raise UsageError(f"一次导出几种报表（{args.kind}）时，OUT 应是一个已有的文件夹。")
            for n, kind in enumerate(kinds, start=1):
                def write(kind: str = kind, n: int = n, start: int = len(notes)) -> Path:
                    del notes[start:]  # a retry over repaired text starts the report again
                    return export(conn, kind, out, group, within=args.within, warn=warn,
                                  with_status=args.with_status, notes=notes, every_group=every_group,
                                  attachment=f"附件{n}" if len(kinds) > 1 else None, confirm=confirm)

                path, damaged = retry_repaired(conn, write)
                paths.append(path)
                for line in damaged:  # text not valid UTF-8 in the ledger, exported with � in its place
                    print(f"注意：{line}", file=sys.stderr)
        except ExportError as exc:
            raise BadInput(str(exc)) from None
        except BaseException:
            for written in paths:  # the attachments before the one that failed: no half set is left
                written.unlink(missing_ok=True)
            try:
                confirm()  # a damaged ledger explains whatever else went wrong reading it
            except DatabaseError as exc:
                raise BadInput(str(exc)) from None
            raise
        finally:
            conn.close()
        for path in paths:
            print(f"已导出：{path}")
        for note in notes:
            print(f"注意：{note}")
        return EXIT_OK
    db = _open_db(args)
    try:
        from exporters.json_dump import write_dump

        if args.group:
            _group_name(_ledger_names(args)[0], args.group, create_ok=False)
        if not out.parent.is_dir():
            raise BadInput(f"输出目录「{out.parent}」不存在。")
        try:
            write_dump(db, out, group=args.group, warn=lambda line: print(f"注意：{line}", file=sys.stderr))
        except OSError as exc:
            from models.faults import os_problem

            raise BadInput(os_problem(exc, out)) from None
        print(f"已导出：{out}")
        return EXIT_OK
    finally:
        db.close()


def _import(args: argparse.Namespace) -> int:
    import gc

    from importers import FileImport

    # A short process that frees what it made by reference counting: the cyclic collector would only
    # walk the 100,000 objects of a big table again when the import's pause of it ends (~8 ms).
    gc.disable()
    path = Path(args.file)
    from taizhang.rounds_cli import import_forms_command, is_forms_import

    if is_forms_import(args):
        return import_forms_command(args, _db_path(args), _backup_before_import)
    job = FileImport(path, kind=args.kind, sheet=args.sheet)  # starts reading the file meanwhile
    from importers.records import ImportRefused
    from models.errors import DatabaseError, OperationError
    from taizhang.report import format_report

    try:
        groups, units = _ledger_names(args)
        group = _group_name(groups, args.group, create_ok=True, fallback=_group_from_file(path))
        if not args.group and not groups:  # a new group is named from the table's title, as the TUI names it
            from importers.suggest import new_group_name

            group = lambda record: new_group_name(record, path)  # noqa: E731 - the record is read by job.run
        elif not args.group:  # the one group, unless the file is plainly another group's
            group = _the_only_group(args, path, group)
        report = job.run(_db_path(args), group, known_units=units, dry_run=args.dry_run,
                         before_commit=lambda: _backup_before_import(_db_path(args)),  # not called on a dry run
                         take_file=(lambda _conflict: True) if args.prefer == "file" else None)
    except ImportRefused as exc:
        raise BadInput(f"{exc}\n数据库未作任何改动。") from None
    except (OperationError, DatabaseError) as exc:
        raise BadInput(f"导入「{path.name}」失败：{exc}\n数据库未作任何改动。") from None
    finally:
        job.close()
    print(format_report(report, getattr(job.record, "reading", None)))
    _server_note(args, report.changed and not args.dry_run)
    return EXIT_OK


def _server_note(args: argparse.Namespace, written: bool) -> None:
    """On a server ledger, what stands in for the file backup an import makes first."""
    from models.db_url import is_server

    if written and is_server(str(_db_path(args))):
        from importers.server_write import NO_BACKUP_NOTE

        print(NO_BACKUP_NOTE)


def _the_only_group(args: argparse.Namespace, path: Path, group: str):
    """The group of a ledger that has one, as a function of the file read: a file whose title names
    another place's group and whose rows are not this group's is refused (name it with --group),
    not put silently into the wrong group."""
    def decide(record) -> str:
        from importers.records import ImportRefused
        from importers.suggest import other_groups_file
        from models import store

        conn = store.connect(_db_path(args))
        try:
            other = other_groups_file(conn, record, path, group)
        finally:
            conn.close()
        if other is None:
            return group
        raise ImportRefused(
            f"「{path.name}」的标题是「{record.title}」，看来是「{other}」的表，而台账中只有领导小组「{group}」，"
            f"其中也没有这个表的任务。请用 --group 说明导入到哪个领导小组：--group \"{group}\" 导入到现有的，"
            f"--group \"{other}\"（或别的名称）新建一个。")

    return decide


def _group_from_file(path: Path) -> str:
    return path.stem.strip() or "领导小组"
