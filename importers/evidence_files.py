"""The files a returned form's 佐证材料 column names, found in the folder the forms came in (issue 19).

A unit writes "参保统计表.pdf；现场照片" and sends the files along; they are saved into the same
folder (or a sub-folder) as the forms. Names are compared as a person would: without the extension,
the numbering (附件1：, 01-, 1., （2）, _2, 副本), spaces and punctuation, upper/lower case. A name
matching several files (参保统计表(1).pdf, 参保统计表(2).pdf) takes them all; a name matching none is
reported. The files are attached with ``models.evidence.attach_files`` — one history entry — to
the task, the unit and the report of the form that named them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from importers.records import display_name

_SPLIT = re.compile(r"[；;，,、\n\r]+")
_EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,5}$")
_LEADING = re.compile(r"^(?:附件|附)?\s*[\(（\[【]?\s*\d{1,3}\s*[\)）\]】]?\s*[\.\-、_:：．\s]*")
_TRAILING = re.compile(r"(?:[\s_\-]*[\(（\[【]\s*\d{1,3}\s*[\)）\]】]|[\s_\-]+\d{1,3}|[\s_\-]*-?\s*副本)+$")
_NOISE = re.compile(r"[\s\W_]+")
_NONE = {"无", "暂无", "没有", "/", "—", "-", "略", "见附件"}


def names_in(text: str | None) -> list[str]:
    """The file names one 佐证材料 cell lists."""
    out = []
    for part in _SPLIT.split(text or ""):
        part = part.strip().strip("《》\"“”'")
        if part and part not in _NONE:
            out.append(part)
    return out


def name_key(name: str) -> str:
    """A name as compared: no extension, numbering, punctuation or case."""
    stem = _EXTENSION.sub("", name.strip())
    stem = _TRAILING.sub("", stem)
    stripped = _LEADING.sub("", stem)
    stem = stripped or stem
    return _NOISE.sub("", stem).lower()


def candidate_files(folder: Path, forms: set[Path]) -> list[Path]:
    """Files in ``folder`` and its sub-folders other than the forms themselves (hidden and ~$ lock
    files left out)."""
    out = []
    for p in sorted(folder.rglob("*")):
        if p.is_file() and p.resolve() not in forms and not p.name.startswith((".", "~$")):
            out.append(p)
    return out


def match(name: str, files: list[Path]) -> list[Path]:
    exact = [p for p in files if p.name == name]
    if exact:
        return exact
    key = name_key(name)
    if not key:
        return []
    return [p for p in files if name_key(p.name) == key]


@dataclass
class FolderEvidence:
    """What the forms' 佐证材料 columns named, found or not."""

    found: list[tuple[str, int, int, int, Path]] = field(default_factory=list)  # unit, unit id, round id, task id, file
    unmatched: list[tuple[str, str, str]] = field(default_factory=list)  # unit, form file, name
    attached: object | None = None  # models.evidence.Attached, after attaching

    def lines(self, *, dry_run: bool = False) -> list[str]:
        out = []
        if self.found:
            verb = "将附加" if dry_run else "附加"
            out.append(f"  佐证材料：文件夹中找到 {len(self.found)} 个文件，{verb}到对应任务")
        if self.attached is not None:
            out.append(f"    {self.attached.describe()}")  # type: ignore[attr-defined]
        for unit, file, name in self.unmatched:
            out.append(f"    ⚠ {unit}（{file}）的佐证材料「{name}」在文件夹中没有找到对应的文件")
        return out


def find_in_folder(folder: Path, plan, form_paths: set[Path]) -> FolderEvidence:
    """Match the 佐证材料 names of ``plan`` (an ``importers.forms.FormPlan``) to the files in
    ``folder`` other than the forms read (``form_paths``)."""
    result = FolderEvidence()
    forms = {p.resolve() for p in form_paths}
    files = candidate_files(folder, forms)
    for unit_plan in plan.units:
        report = unit_plan.report
        if report is None:
            continue
        for entry in report.entries:
            for name in names_in(entry.evidence):
                hits = match(name, files)
                if not hits:
                    result.unmatched.append((unit_plan.unit, unit_plan.file, name))
                for path in hits:
                    item = (unit_plan.unit, report.unit_id, report.round_id, entry.task_id, path)
                    if item not in result.found:
                        result.found.append(item)
    return result


def evidence_step(db, found: FolderEvidence):
    """What ``models.rounds.record_reports`` runs inside its change (``also``), so the forms and the
    files they name are one change, one history entry: the files' content is stored first, then,
    once the forms are written, each file is attached to its task, unit and that unit's report.
    ``found.attached`` says what was attached. None when there is nothing to attach."""
    from datetime import date

    from models.clock import today
    from models.evidence import Attached, FileIn, store_files, write_evidence

    if not found.found:
        return None
    files = [FileIn(task_id, path, unit_id=unit_id) for _unit, unit_id, _round, task_id, path in found.found]
    result = Attached()
    stored = store_files(db, files, result)
    keys = {id(f): (round_id, unit_id) for f, (_u, unit_id, round_id, _t, _p) in zip(files, found.found)}

    def step(tx) -> str:
        cur = tx.cursor()  # plain SQL in the change's transaction, on either engine
        reports = {(r, u): (i, d) for i, r, u, d in cur.execute(
            "SELECT id, round_id, unit_id, received_on FROM unit_report")}
        placed = []
        for f, sha, size in stored:
            report_id, received = reports.get(keys[id(f)], (None, None))
            on = date.fromisoformat(str(received)[:10]) if received else today()
            placed.append((FileIn(f.task_id, f.path, unit_id=f.unit_id, on=on, report_id=report_id), sha, size))
        write_evidence(tx, placed, result)
        found.attached = result
        return f"，佐证材料 {len(result.ids)} 个" if result.ids else ""

    found.attached = result  # the files refused before the change, if it writes nothing
    return step
