"""Which group a file belongs in, for the import dialog's default: the group whose tasks (members,
duties) the file's match — a revised table goes back where it came from — else a new group named
from the table's title (or the file's name)."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from importers.normalize import clean_unit
from importers.records import Duties, Roster, TaskTable, displayable

_GROUP_ENDINGS = ("领导小组", "工作小组", "工作组", "专班", "委员会", "指挥部")
_TABLE_WORDS = re.compile(r"(?:的)?(?:重点)?(?:工作)?任务(?:分工|分解|清单)?(?:表|方案)?$|(?:分工|分解)表$")
_YEARS = re.compile(r"[（(]\d{4}\s*[—\-–~至]+\s*\d{4}年?[）)]$")
_PLAN_WORDS = re.compile(r"(?:实施|行动|工作)?方案$")
_MATCH_SHARE = 0.3  # at least this share of the file's rows found in a group


def new_group_name(record: TaskTable | Roster | Duties, path: Path) -> str:
    """A name for a new group: the table's title without its 任务分工表 words, else the file's
    name; 领导小组 added when it names no group."""
    stem = displayable(path.stem)  # a GBK name from a Windows zip, decoded
    candidates = [getattr(record, "title", None) or "", stem]
    for text in candidates:
        name = _TABLE_WORDS.sub("", re.sub(r"\s+", "", text)).rstrip("（(")
        name = _PLAN_WORDS.sub("", _YEARS.sub("", name))  # 《…专项实施方案（2023—2025年）》: the plan's group
        name = re.sub(r"(成员名单|成员单位职责|名单|职责)$", "", name)
        if 4 <= len(name) <= 60:  # a longer "title" is a sentence, not a name
            return name if name.endswith(_GROUP_ENDINGS) else name + "领导小组"
    return stem.strip() or "领导小组"


def matching_group(conn: sqlite3.Connection, record: TaskTable | Roster | Duties) -> tuple[str, int] | None:
    """The group whose rows the file's match most (its name and how many rows match), when at least
    a third of the file's rows are found there."""
    if isinstance(record, TaskTable):
        wanted = {t.content for t in record.tasks}
        rows = conn.execute("SELECT g.name, t.content FROM task t JOIN work_group g ON g.id = t.group_id")
    elif isinstance(record, Roster):
        wanted = {m.name for m in record.members}
        rows = conn.execute("SELECT g.name, m.name FROM member m JOIN work_group g ON g.id = m.group_id")
    else:
        wanted = {clean_unit(d.unit) for d in record.duties}
        rows = conn.execute("SELECT g.name, u.name FROM duty d JOIN work_group g ON g.id = d.group_id "
                            "JOIN unit u ON u.id = d.unit_id")
    if not wanted:
        return None
    found: dict[str, set[str]] = {}
    for group, value in rows:
        if value in wanted:
            found.setdefault(group, set()).add(value)
    if not found:
        return None
    group, values = max(found.items(), key=lambda item: len(item[1]))
    return (group, len(values)) if len(values) >= max(1, _MATCH_SHARE * len(wanted)) else None


def other_groups_file(conn: sqlite3.Connection, record: TaskTable | Roster | Duties, path: Path,
                      group: str) -> str | None:
    """When the ledger has one group, ``group``, and the command line names none: the group the file
    plainly belongs to instead, or None when it may well be ``group``'s. Plainly another group's file
    is one whose title names a group of another place (the names share no two first characters:
    启东… is not 闽清…) and less than a third of whose rows are ``group``'s. A revised table of
    ``group`` (its rows found) and a first table of a group made from its roster (the same place)
    go into ``group``, as before."""
    if not getattr(record, "title", None):
        return None
    named = new_group_name(record, path)
    if named == group or named[:2] == group[:2] or matching_group(conn, record) is not None:
        return None
    return named
