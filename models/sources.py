"""The base of a re-import's three-way merge, as ``import_source.base`` stores it (JSON).

A task's base is three mappings (``models.merge`` compares them key by key):

- fields: ``category`` → (category number, category), ``number``, ``content``,
  ``deadline`` → (deadline as written, due date ISO), ``unpaired_persons`` (JSON text or None);
- units: (role, unit id) → person;
- targets: year → target text.

A member's base is its unit id, title and phone; a duty's its text.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

TASK_FIELDS = ("category", "number", "content", "deadline", "unpaired_persons")
MEMBER_FIELDS = ("unit_id", "title", "phone")

_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
# ``_JSON.encode`` makes a new C encoder (and a dict for its cycle check) on every call: half the time
# of encoding one task's base, and an import encodes 10,000 (issue 17). The same C encoder, made once
# with the same settings, writes the same text; these lists of strings and numbers hold no cycles.
_c_encoder = getattr(json.encoder, "c_make_encoder", None)
_encode_list = (_c_encoder(None, _JSON.default, json.encoder.encode_basestring, None, ":", ",", False, False, True)
                if _c_encoder is not None else None)


def _encoded(value: list) -> str:
    return "".join(_encode_list(value, 0)) if _encode_list is not None else _JSON.encode(value)


def task_fields(number: str | None, category: str | None, category_number: str | None, content: str,
                deadline: str | None, due: str | None, unpaired: str | None) -> dict[str, Any]:
    """A task's own columns (as the task table holds them, dates ISO) as the merge compares them."""
    return {"category": (category_number, category), "number": number, "content": content,
            "deadline": (deadline, due), "unpaired_persons": unpaired}


def columns_of(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Task table columns for merged field values (only the fields given)."""
    out: dict[str, Any] = {}
    for name, value in fields.items():
        if name == "category":
            out["category_number"], out["category"] = value
        elif name == "deadline":
            out["deadline"], out["due"] = value
        else:
            out[name] = value
    return out


def encode_task(fields: Mapping[str, Any], units: Mapping[tuple[str, int], str | None],
                targets: Mapping[int, str]) -> str:
    return _JSON.encode([[fields[k] for k in TASK_FIELDS], [[r, u, p] for (r, u), p in units.items()],
                         [[y, t] for y, t in targets.items()]])


def encode_task_row(number: str | None, category: str | None, category_number: str | None, content: str,
                    deadline: str | None, due: str | None, unpaired: str | None, units: list, targets: list) -> str:
    """``encode_task`` from a task's columns and its units ([role, unit id, person] …) and targets
    ([year, target] …) as lists: one encoding, the same text (an import makes 10,000 of these)."""
    return _encoded([[[category_number, category], number, content, [deadline, due], unpaired], units, targets])


def decode_task(text: str) -> tuple[dict[str, Any], dict[tuple[str, int], str | None], dict[int, str]]:
    values, units, targets = json.loads(text)
    fields = {k: tuple(v) if isinstance(v, list) else v for k, v in zip(TASK_FIELDS, values)}
    return fields, {(r, u): p for r, u, p in units}, {y: t for y, t in targets}


def encode_member(unit_id: int | None, title: str | None, phone: str | None) -> str:
    return _JSON.encode([unit_id, title, phone])


def decode_member(text: str) -> dict[str, Any]:
    return dict(zip(MEMBER_FIELDS, json.loads(text)))


def encode_duty(text: str) -> str:
    return _JSON.encode([text])


def decode_duty(text: str) -> str:
    return json.loads(text)[0]


def ledger_task_bases(conn: Any, task_rows: Iterable[tuple]) -> dict[int, str]:
    """The base of each task as the ledger holds it now (a DB-API connection; task_rows are
    (id, number, category, category_number, content, deadline, due, unpaired_persons))."""
    rows = list(task_rows)
    units: dict[int, dict] = {}
    targets: dict[int, dict] = {}
    ids = [r[0] for r in rows]
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        marks = ", ".join("?" * len(chunk))
        for task_id, role, unit_id, person in conn.execute(
                f"SELECT task_id, role, unit_id, person FROM assignment WHERE task_id IN ({marks}) "
                "ORDER BY task_id, role DESC, position", chunk):
            units.setdefault(task_id, {})[(role, unit_id)] = person
        for task_id, year, target in conn.execute(
                f"SELECT task_id, year, target FROM target WHERE task_id IN ({marks}) ORDER BY task_id, year", chunk):
            targets.setdefault(task_id, {})[year] = target
    return {r[0]: encode_task(task_fields(*r[1:]), units.get(r[0], {}), targets.get(r[0], {})) for r in rows}
