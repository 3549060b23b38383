"""The next id of a table written in bulk (rows inserted with ids chosen by us, not by SQLite).

Tables are created with AUTOINCREMENT (``_NEVER_REUSED``, schema v3) so an id once given is never
given again, even after an undo removed its row; a bulk writer that picks ids itself must honour
that too: past the highest id in the table and past the highest it ever held (``sqlite_sequence``;
on a server ledger the table's ``SERIAL`` sequence). Used by the importer (``importers.load``) and the
reporting rounds (``models.rounds``). On a server a bulk writer's ids are noted on the sequence
(``advance`` as they are written, ``note_ids_given`` again when the history entry is written), so the
next row anyone inserts takes a new id.
"""

from __future__ import annotations

from typing import Any


def next_id(db: Any, table: str) -> int:
    """The next id never given before in ``table``; ``db`` is a DB-API connection or cursor of
    the running write transaction (BEGIN IMMEDIATE, so no other writer can take it meanwhile)."""
    from models.sql import highest_id_given

    highest = db.execute(f'SELECT max(id) FROM "{table}"').fetchone()[0] or 0
    seq = db.execute(highest_id_given(db), {"t": table}).fetchone()
    return max(highest, seq[0] if seq and seq[0] else 0) + 1


def advance(db: Any, table: str) -> None:
    """On a server ledger, move ``table``'s id sequence past the ids a bulk writer chose itself
    (never back), so a row inserted later in the same transaction takes a new id. Nothing on a
    file: SQLite's counter follows the rows inserted. ``setval`` is not undone by a rollback: ids
    are then skipped, never given twice."""
    from models.sql import ids_given_up_to

    statement = ids_given_up_to(db)
    if statement is None:
        return
    highest = db.execute(f'SELECT max(id) FROM "{table}"').fetchone()[0] or 0
    db.execute(statement, {"t": table, "last": highest})


def note_ids_given(cursor: Any, ranges: dict[str, int]) -> None:
    """After rows went in with ids from ``next_id`` (table → the highest such id): on a server the
    table's id sequence is moved past them, so its next own id is new (a file's AUTOINCREMENT
    follows by itself). Called by ``models.store.write_history`` in the same transaction."""
    from models.sql import ids_given_up_to

    statement = ids_given_up_to(cursor)
    if statement is None:
        return
    for table, last in ranges.items():
        cursor.execute(statement, {"t": table, "last": last})
