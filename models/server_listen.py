"""Hearing of other people's changes to a server ledger (issue 18): ``LISTEN`` on the channel every
change's history entry is announced on (``models.store.write_history`` sends ``pg_notify`` in the
change's transaction, so it arrives when the change is committed). The file ledger polls
``PRAGMA data_version`` instead. Runs in a thread of its own with its own connection."""

from __future__ import annotations

import time
from collections.abc import Callable

from models.sql import NOTIFY_CHANNEL
from models.writer_tag import writer_of


def listen(target: str, heard: Callable[[set[str]], None], stopped: Callable[[], bool], *,
           lost: Callable[[], None] = lambda: None, back: Callable[[], None] = lambda: None,
           wait: float = 0.5, retry: float = 2.0) -> None:
    """Until ``stopped()``: ``heard(writers)`` with the writers whose changes were committed (the
    tags of ``models.writer_tag``, "" for a change written without one), gathered for up to ``wait``
    seconds, so a burst refreshes once. When the connection is lost,
    ``lost()`` once, a new try every ``retry`` seconds, and ``back()`` when it works again."""
    import psycopg

    from models.db_url import sqlalchemy_url
    from models.server_conn import CONNECT_TIMEOUT_S  # not models.server: no SQLAlchemy to listen
    from models.server_login import connect_args

    url = sqlalchemy_url(target).replace("postgresql+psycopg://", "postgresql://", 1)
    conn = None
    was_lost = False
    while not stopped():
        if conn is None:
            try:
                conn = psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S,
                                       application_name="taizhang", **connect_args(target))
                conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
            except psycopg.Error:
                conn = None
                if not was_lost:
                    was_lost = True
                    lost()
                _pause(retry, stopped)
                continue
            if was_lost:
                was_lost = False
                back()
        try:
            writers = {writer_of(n.payload) for n in conn.notifies(timeout=wait)}
        except psycopg.Error:
            conn.close()
            conn = None
            continue
        if writers:
            heard(writers)
    if conn is not None:
        conn.close()


def _pause(seconds: float, stopped: Callable[[], bool]) -> None:
    end = time.monotonic() + seconds
    while not stopped() and time.monotonic() < end:
        time.sleep(0.1)
