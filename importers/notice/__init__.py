"""Tasks straight from a notice's text, when the notice lists them without a table.

``read_notice(path)`` reads pasted text (.txt/.md), a Word document's paragraphs (.docx; a task
table in it is read as a table by ``importers.table``) or a text PDF, and gives the same
``TaskTable`` of ``TaskRecord``s as the table reader, so the loading step, preview, history and
undo are shared. ``TaskTable.reading`` says how it was read ("按通知正文读取：94 项任务"), and a
roster in the notice's 附件 is offered as a roster import of the same file.

Modules: ``paragraphs`` (the file → paragraphs, with the size limits), ``reader`` (headings, tasks
and their units), ``units`` (units lines and inline units), ``deadlines`` (deadlines in the text);
``importers.readers.pdftext`` reads PDFs.
"""

from __future__ import annotations

from pathlib import Path

from importers.notice.paragraphs import Paragraph, from_paragraphs, from_pdf, from_text, join_bare_numbers
from importers.notice.reader import TIME_LIMIT_SECONDS, NoticeReader
from importers.readers import read_text, refuse
from importers.readers.textcsv import UNDECODED, undecoded_at
from importers.records import ImportRefused, Origin, TaskTable, display_name

NOTICE_SUFFIXES = frozenset({".txt", ".text", ".md", ".docx", ".pdf"})
NO_TASKS = ("没有找到通知正文中的任务：应是编号的任务（如“1.”“（一）”），其后有“责任单位：…”一行，"
            "或末尾括号中写明单位（如“（牵头单位：X；配合单位：Y）”“（X牵头，Y配合）”“（X负责）”）。")


class NoTasksFound(ImportRefused):
    """A file read as a notice that lists no tasks (it may still be a roster or duties)."""


def notice_paragraphs(path: Path) -> list[Paragraph]:
    """The paragraphs of a text, Word or PDF file."""
    path = Path(path)
    file = display_name(path)
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        return from_pdf(path, file)
    if suffix == ".docx":
        from importers.notice.wordnumbers import numbered_paragraphs
        from importers.readers import sniff

        if sniff.sniff(path) != "docx":  # the checks of any Word file: size, zip bomb, XML entities
            raise refuse(path, "不是 Word 文档（.docx），无法按通知正文读取。")
        try:
            paragraphs = numbered_paragraphs(path)
        except ImportRefused:
            raise
        except Exception as exc:  # noqa: BLE001 — damaged parts surface as many exception types
            raise refuse(path, f"无法作为 Word 文档读取，文件可能已损坏（{str(exc)[:100]}）。") from None
        return from_paragraphs(paragraphs, file)
    return from_text(read_text(path), file)


def read_notice(path: str | Path, *, seconds: float = TIME_LIMIT_SECONDS) -> TaskTable:
    """The tasks listed in a notice's text; ImportRefused (naming the file) when it lists none."""
    path = Path(path)
    try:
        paragraphs = notice_paragraphs(path)
        name = display_name(path)
        table = tasks_of(paragraphs, name, seconds=seconds)
        table.warnings[:0] = undecoded_at([p.origin for p in paragraphs if UNDECODED in p.text], Origin(name))
        return table
    except ImportRefused:
        raise
    except MemoryError:
        raise refuse(path, "文件太大，读取时内存不足，已停止。") from None
    except RecursionError:
        raise refuse(path, "文件结构异常，无法读取。") from None


def tasks_of(paragraphs: list[Paragraph], source: str, *, seconds: float = TIME_LIMIT_SECONDS) -> TaskTable:
    paragraphs = join_bare_numbers(paragraphs)
    reader = NoticeReader(paragraphs, source, seconds=seconds)
    if not reader.find_tasks():
        raise NoTasksFound(NO_TASKS, refuse(source, "").origin)
    table = reader.read()
    if not table.tasks:
        raise NoTasksFound(NO_TASKS, refuse(source, "").origin)
    table.reading = f"按通知正文读取：{len(table.tasks)} 项任务"
    members = _attached_roster(paragraphs, source)
    if members:
        table.reading += (f"；附件中的成员名单（{members} 人）没有作为任务导入，"
                          "可再把这个文件按“成员名单”导入（命令行 --as roster）")
    return table


def _attached_roster(paragraphs: list[Paragraph], source: str) -> int:
    """How many members the roster in the notice's 附件 lists (0 when it has none)."""
    from importers.roster import parse_roster_text

    start = next((i for i, p in enumerate(paragraphs) if p.text.startswith("附件")), None)
    if start is None:
        return 0
    try:
        roster = parse_roster_text("\n".join(p.text for p in paragraphs[start:]), source)
    except ImportRefused:
        return 0
    return len(roster.members)
