"""Whose change a server ledger announces (issue 18). Every change's history entry is announced on
``models.sql.NOTIFY_CHANNEL`` (``models.store.write_history``); a window that makes a change says so
by writing it ``as_writer(tag)``: the announcement then carries the window's tag, so the window can
tell its own changes — through any connection: an operation's, an import's — from other people's,
and refreshes only for those. A change without a tag (the command line, another program) is always
someone else's. A tag, not the server process id: one window writes through several connections
(the import opens its own), and a process id can be reused by another PC's connection later."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_local = threading.local()


def new_tag() -> str:
    """A tag for one window: short, unique enough, only letters and digits."""
    return secrets.token_hex(6)


@contextmanager
def as_writer(tag: str) -> Iterator[None]:
    """Changes written in this thread inside the block are announced with ``tag``."""
    before = getattr(_local, "tag", "")
    _local.tag = tag
    try:
        yield
    finally:
        _local.tag = before


def current() -> str:
    return getattr(_local, "tag", "")


def payload(history_id: int) -> str:
    """The announcement of history entry ``history_id``: ``"<id>"``, or ``"<id> <tag>"``."""
    tag = current()
    return f"{history_id} {tag}" if tag else str(history_id)


def writer_of(announcement: str) -> str:
    """The tag in an announcement (``payload``), or "" when it has none."""
    _id, _space, tag = announcement.partition(" ")
    return tag
