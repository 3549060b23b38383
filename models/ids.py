"""The next id of a table written in bulk (rows inserted with ids chosen by us, not by SQLite).

Tables are created with AUTOINCREMENT (``_NEVER_REUSED``, schema v3) so an id once given is never
given again, even after an undo removed its row; a bulk writer that picks ids itself must honour
that too: past the highest id in the table and past the highest it ever held (``sqlite_sequence``;
on a server ledger the table's id sequence, which ``advance`` then moves past the ids written).
Used by the importer (``importers.load``) and the reporting rounds (``models.rounds``).
"""

from __future__ import annotations

from typing import Any


def next_id(db: Any, table: str) -> int:
    """The next id never given before in ``table``; ``db`` is a DB-API connection or cursor of
    the running write transaction (BEGIN IMMEDIATE, so no other writer can take it meanwhile)."""
    highest = db.execute(f'SELECT max(id) FROM "{table}"').fetchone()[0] or 0
    from models.sql import is_server

    if is_server(db):
        return max(highest, _given(db, table)[1]) + 1
    seq = db.execute("SELECT seq FROM sqlite_sequence WHERE name = :t", {"t": table}).fetchone()
    return max(highest, seq[0] if seq and seq[0] else 0) + 1


def _given(db: Any, table: str) -> tuple[str, int]:
    """A server table's id sequence and the last id it gave (0 when none yet)."""
    seq = db.execute("SELECT pg_get_serial_sequence(:t, 'id')", {"t": f'"{table}"'}).fetchone()[0]
    last, called = db.execute(f"SELECT last_value, is_called FROM {seq}").fetchone()
    return seq, last if called else 0


def advance(db: Any, table: str) -> None:
    """On a server ledger, move ``table``'s id sequence past the ids a bulk writer chose itself
    (never back), so the next row anyone inserts takes the next id. Nothing on a file: SQLite's
    counter follows the rows inserted. ``setval`` is not undone by a rollback: ids are then
    skipped, never given twice."""
    from models.sql import is_server

    if not is_server(db):
        return
    highest = db.execute(f'SELECT max(id) FROM "{table}"').fetchone()[0] or 0
    seq, last = _given(db, table)
    if highest > last:
        db.execute("SELECT setval(:s, :n)", {"s": seq, "n": highest})
