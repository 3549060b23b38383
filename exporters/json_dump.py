"""The ``taizhang-dump/1`` JSON dump (PRODUCT §6): every unit, group, member, duty and task, so any
database can be inspected, compared and backed up as text."""

from __future__ import annotations

import json
import os
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlmodel import select

from models.db import Database
from models.tables import Assignment, Duty, Group, Member, Progress, Target, Task, Unit, UnitAlias

FORMAT = "taizhang-dump/1"


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def build_dump(db: Database, group: str | None = None) -> dict[str, Any]:
    """The whole database as the dump's dict; with ``group`` only that group (and every unit)."""
    with db.session() as s:
        units = s.exec(select(Unit).order_by(Unit.id)).all()
        unit_name = {u.id: u.name for u in units}
        aliases: dict[int, list[str]] = defaultdict(list)
        for a in s.exec(select(UnitAlias).order_by(UnitAlias.id)).all():
            aliases[a.unit_id].append(a.alias)
        query = select(Group).order_by(Group.id)
        if group is not None:
            query = query.where(Group.name == group)
        out_groups = [_group(s, g, unit_name) for g in s.exec(query).all()]
        return {
            "format": FORMAT,
            "units": [{"name": u.name, "aliases": aliases[u.id]} for u in units],
            "groups": out_groups,
        }


def _group(s: Any, group: Group, unit_name: dict[int, str]) -> dict[str, Any]:
    members = s.exec(select(Member).where(Member.group_id == group.id).order_by(Member.position, Member.id)).all()
    member_name = {m.id: m.name for m in members}
    duties = s.exec(select(Duty).where(Duty.group_id == group.id).order_by(Duty.id)).all()
    tasks = s.exec(select(Task).where(Task.group_id == group.id).order_by(Task.position, Task.id)).all()
    task_ids = [t.id for t in tasks]
    by_task: dict[str, dict[int, list[Any]]] = {k: defaultdict(list) for k in ("assign", "target", "progress")}
    if task_ids:
        in_group = select(Task.id).where(Task.group_id == group.id)
        for a in s.exec(select(Assignment).where(Assignment.task_id.in_(in_group))  # type: ignore[attr-defined]
                        .order_by(Assignment.task_id, Assignment.role.desc(), Assignment.position, Assignment.id)).all():  # type: ignore[union-attr]
            by_task["assign"][a.task_id].append(a)
        for t in s.exec(select(Target).where(Target.task_id.in_(in_group)).order_by(Target.year)).all():  # type: ignore[attr-defined]
            by_task["target"][t.task_id].append(t)
        for p in s.exec(select(Progress).where(Progress.task_id.in_(in_group)).order_by(Progress.on, Progress.id)).all():  # type: ignore[attr-defined]
            by_task["progress"][p.task_id].append(p)
    judged = _judged(s, group.id)
    return {
        "name": group.name,
        "doc_number": group.doc_number,
        "host_unit": unit_name.get(group.host_unit_id) if group.host_unit_id else None,
        "note": group.note,
        "members": [
            {"name": m.name, "unit": unit_name.get(m.unit_id) if m.unit_id else None, "title": m.title,
             "role": m.role, "order": m.position, "active": m.active,
             "successor": member_name.get(m.successor_id) if m.successor_id else None,
             "phone": m.phone, "joined_on": _iso(m.joined_on), "left_on": _iso(m.left_on)}
            for m in members
        ],
        "duties": [{"unit": unit_name[d.unit_id], "text": d.text} for d in duties],
        "report_cycle": group.report_cycle,
        "rounds": _rounds(s, group, unit_name),
        "tasks": [
            {
                "id": t.id,
                "number": t.number,
                "category": t.category,
                "category_number": t.category_number,
                "content": t.content,
                "deadline": t.deadline,
                "due": _iso(t.due),
                "targets": [{"year": x.year, "target": x.target, "actual": x.actual} for x in by_task["target"][t.id]],
                "lead": [{"unit": unit_name[a.unit_id], "person": a.person} for a in by_task["assign"][t.id] if a.role == "lead"],
                "co": [{"unit": unit_name[a.unit_id], "person": a.person} for a in by_task["assign"][t.id] if a.role == "co"],
                "unpaired_persons": json.loads(t.unpaired_persons) if t.unpaired_persons else [],
                "status": t.status,
                "done_on": _iso(t.done_on),
                "progress": [{"date": p.on.isoformat(), "unit": unit_name.get(p.unit_id) if p.unit_id else None, "text": p.text}
                             for p in by_task["progress"][t.id]],
                "notes": t.notes,
                "cancelled_on": _iso(t.cancelled_on),
                **judged["tasks"].get(t.id, {}),
            }
            for t in tasks
        ],
        "review_closing": group.review_closing,
        "next_steps": group.next_steps,
        "chases": judged["chases"],
    }


def _judged(s: Any, group_id: int) -> dict[str, Any]:
    """Per task the light, milestones, extensions and closing (``models.judged``, judged today), and the
    group's chase records; read on the session's own connection, in the dump's transaction."""
    from models.clock import today
    from models.judged import chase_records, read_group

    conn = s.connection().connection.dbapi_connection
    if s.get_bind().dialect.name == "postgresql":  # a server ledger: read as a file reads
        from models.server_conn import adopt

        conn = adopt(conn, "", cursors_only=True)
    g = read_group(conn, group_id, today())
    out: dict[int, dict[str, Any]] = {}
    for t in g.tasks:
        j = t.judgement
        newest_return = next((c for c in reversed(t.closing) if c.state == "returned"), None)
        claim = next((c for c in reversed(t.closing) if c.state == "claimed"), None)
        confirm = next((c for c in reversed(t.closing) if c.state == "confirmed"), None)
        out[t.id] = {
            "light": j.light,
            "judgement": {"state": j.state, "reasons": j.reasons, "overdue": j.overdue, "on_time": j.on_time,
                          "due": _iso(j.due), "original_due": _iso(j.original_due)},
            "milestones": [{"year": m.year, "target": m.target, "actual": m.actual, "due": m.due.isoformat(),
                            "state": m.state} for m in j.milestones],
            "extensions": [{"original_due": _iso(e.original_due), "new_due": e.new_due.isoformat(),
                            "reason": e.reason, "approved_on": _iso(e.approved_on),
                            "granted_on": _iso(e.granted_on)} for e in t.extensions],
            "closing": {"state": t.closing_state,
                        "claimed_on": _iso(claim.on) if claim else None,
                        "confirmed_on": _iso(confirm.on) if confirm else None,
                        "returned": ({"on": _iso(newest_return.on), "reason": newest_return.reason}
                                     if newest_return else None)},
        }
    return {"tasks": out, "chases": chase_records(conn, group_id)}


def _rounds(s: Any, group: Group, unit_name: dict[int, str]) -> list[dict[str, Any]]:
    """The group's reporting rounds, oldest first, each with what every unit reported."""
    from models.tables import Report, ReportEntry, Round, RoundTask

    out = []
    for r in s.exec(select(Round).where(Round.group_id == group.id).order_by(Round.id)).all():
        reports = s.exec(select(Report).where(Report.round_id == r.id).order_by(Report.id)).all()
        entries: dict[int, list[Any]] = defaultdict(list)
        for e in s.exec(select(ReportEntry).where(ReportEntry.report_id.in_([p.id for p in reports]))  # type: ignore[attr-defined]
                        .order_by(ReportEntry.id)).all():
            entries[e.report_id].append(e)
        out.append({
            "name": r.name, "due": _iso(r.due), "status": r.status, "opened_on": _iso(r.opened_on),
            "closed_on": _iso(r.closed_on),
            "tasks": list(s.exec(select(RoundTask.task_id).where(RoundTask.round_id == r.id)
                                 .order_by(RoundTask.id)).all()),
            "reports": [{
                "unit": unit_name[p.unit_id], "received_on": _iso(p.received_on), "source": p.source,
                "extras": json.loads(p.extras) if p.extras else [],
                "entries": [{"task_id": e.task_id, "role": e.role, "status": e.status, "text": e.text,
                             "done_on": _iso(e.done_on), "problems": e.problems, "evidence": e.evidence}
                            for e in entries[p.id]],
            } for p in reports],
        })
    return out


def write_dump(db: Database, out: str | os.PathLike[str], group: str | None = None,
               warn: Callable[[str], None] | None = None) -> Path:
    """Write the dump to ``out`` atomically (a temporary file renamed into place). Text in the ledger
    that is not valid UTF-8 is written with U+FFFD in its place, each such task told to ``warn``."""
    from models import leftovers

    path = Path(out)
    text = json.dumps(_repaired_dump(db, group, warn), ensure_ascii=False, indent=1) + "\n"
    prefix = f".{path.name.encode('utf-8')[:200].decode('utf-8', 'ignore')}."  # room for .{pid}.tmp in 255 bytes
    try:  # what a killed export to the same file left
        for entry in os.scandir(path.parent):
            pid = entry.name[len(prefix):-len(".tmp")]
            if entry.name.startswith(prefix) and entry.name.endswith(".tmp") and pid.isdigit():
                if leftovers.stale(Path(entry.path), int(pid)):
                    leftovers.remove(Path(entry.path))
    except OSError:
        pass
    tmp = path.with_name(f"{prefix}{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    try:
        with os.fdopen(leftovers.private_file(tmp), "w", encoding="utf-8") as f:  # the office's data: 0600
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)  # a full disk leaves nothing behind
        raise
    return path


def _repaired_dump(db: Database, group: str | None, warn: Callable[[str], None] | None) -> dict[str, Any]:
    from sqlalchemy import event

    from models import text_repair

    try:
        return build_dump(db, group)
    except Exception as exc:  # noqa: BLE001 - only the failure to decode stored text is handled here
        if not text_repair.is_decode_error(exc):
            raise
    for line in text_repair.damaged_text(db.path):
        if warn is not None:
            warn(line)

    def repairing(dbapi_connection, _record) -> None:
        text_repair.repair(dbapi_connection)

    event.listen(db.engine, "connect", repairing)
    db.engine.dispose()  # connections made from now on replace what they cannot decode
    try:
        return build_dump(db, group)
    finally:
        event.remove(db.engine, "connect", repairing)
        db.engine.dispose()
