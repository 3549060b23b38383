"""The next id of a table written in bulk (rows inserted with ids chosen by us, not by SQLite).

Tables are created with AUTOINCREMENT (``_NEVER_REUSED``, schema v3) so an id once given is never
given again, even after an undo removed its row; a bulk writer that picks ids itself must honour
that too: past the highest id in the table and past the highest it ever held (``sqlite_sequence``).
Used by the importer (``importers.load``) and the reporting rounds (``models.rounds``).
"""

from __future__ import annotations

from typing import Any


def next_id(db: Any, table: str) -> int:
    """The next id never given before in ``table``; ``db`` is a DB-API connection or cursor of
    the running write transaction (BEGIN IMMEDIATE, so no other writer can take it meanwhile)."""
    highest = db.execute(f'SELECT max(id) FROM "{table}"').fetchone()[0] or 0
    seq = db.execute("SELECT seq FROM sqlite_sequence WHERE name = :t", {"t": table}).fetchone()
    return max(highest, seq[0] if seq and seq[0] else 0) + 1
