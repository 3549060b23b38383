"""A server ledger through the same plain-connection surface as a ledger file (issue 18).

Much of taizhang reads and writes with plain DB-API statements (``conn.execute(sql, params)``,
``executemany``, iteration, ``fetchone``) on a ``sqlite3.Connection``: the TUI's reads, the exports,
the history. ``ServerConnection`` gives the same surface over a psycopg 3 connection, so one module
runs on either engine without caring which:

- placeholders: ``?`` and ``:name`` become psycopg's ``%s`` / ``%(name)s`` (and a literal ``%``
  becomes ``%%``), worked out once per statement text;
- values come back as the ledger file gives them: dates and times as ISO text, booleans as 0/1
  (text-format loaders registered on the connection, so no row is touched in Python);
- ``BEGIN IMMEDIATE`` (SQLite: take the write lock now) becomes ``BEGIN`` plus the ledger's one
  advisory write lock (``WRITE_LOCK``), so writers take turns exactly as on a file and readers are
  never blocked (MVCC);
- ``lastrowid`` is the ``id`` of the row an ``INSERT … RETURNING id`` gave.

What differs between the two engines' SQL is written where it is used, with ``models.sql``'s
helpers (``dialect(conn)``). Parameters are bound on the client (``ClientCursor``): a Python ``str``
becomes a quoted literal that PostgreSQL reads as a date, a number or text by context, as SQLite does.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Iterable, Iterator, Sequence

DIALECT = "postgresql"
# pg_advisory_xact_lock key every writer of a server ledger takes first (like SQLite's write lock)
WRITE_LOCK = 0x7A68_0019
LOCK_TIMEOUT = "15s"  # as long as a ledger file's busy timeout

_TOKENS = re.compile(r"""'(?:[^']|'')*'|"(?:[^"]|"")*"|::|%|\?|(?<![:\w]):([A-Za-z_]\w*)""")
_BEGIN = re.compile(r"\s*BEGIN(\s+(IMMEDIATE|DEFERRED|EXCLUSIVE))?(\s+TRANSACTION)?\s*;?\s*$", re.IGNORECASE)


@lru_cache(maxsize=512)
def translate(sql: str) -> str:
    """``sql`` with sqlite3's placeholders in psycopg's form. Quoted text and ``::`` casts are kept;
    every ``%`` is doubled, inside quotes too (psycopg reads placeholders everywhere, and every
    statement here is sent with its parameters, even none)."""
    def swap(match: re.Match[str]) -> str:
        token = match.group(0)
        if token == "?":
            return "%s"
        if match.group(1):
            return f"%({match.group(1)})s"
        return token.replace("%", "%%")

    return _TOKENS.sub(swap, sql)


# An IN list of two or more placeholders, as the code writes one per id (``IN (?, ?, ?)``, ``IN (:i0, :i1)``);
# quoted text is matched first so that nothing inside it is taken, and a lone ``?`` so that they are counted.
_LIST_OR_MARK = re.compile(r"""'(?:[^']|'')*'|"(?:[^"]|"")*"|::|(?<![:\w]):([A-Za-z_]\w*)|"""
                           r"""\b(NOT\s+)?IN\s*\(\s*(\?(?:\s*,\s*\?)+|:[A-Za-z_]\w*(?:\s*,\s*:[A-Za-z_]\w*)+)\s*\)|\?""",
                           re.IGNORECASE)


@lru_cache(maxsize=512)
def _lists(sql: str) -> tuple[str, tuple[tuple[int, int] | tuple[str, ...], ...]] | None:
    """``sql`` with each IN list of placeholders written ``= ANY(?)`` (``NOT IN``: ``<> ALL(?)``), and
    where its values were: (index of its first ``?``, how many) or its ``:names``. None when it has none.
    A named list is kept as it is when one of its names is used elsewhere in the statement too."""
    marks = 0
    names: dict[str, int] = {}
    found: list[tuple[re.Match[str], tuple[int, int] | tuple[str, ...]]] = []
    for match in _LIST_OR_MARK.finditer(sql):
        if match.group(1):
            names[match.group(1)] = names.get(match.group(1), 0) + 1
        elif match.group(3):
            listed = [m.strip() for m in match.group(3).split(",")]
            if listed[0] == "?":
                found.append((match, (marks, len(listed))))
                marks += len(listed)
            else:
                found.append((match, tuple(m[1:] for m in listed)))
                for name in listed:
                    names[name[1:]] = names.get(name[1:], 0) + 1
        elif match.group(0) == "?":
            marks += 1
    found = [(m, where) for m, where in found
             if isinstance(where[0], int) or all(names[name] == 1 for name in where)]
    if not found:
        return None
    pieces, at = [], 0
    for match, where in found:
        array = "?" if isinstance(where[0], int) else f":{where[0]}"
        pieces += [sql[at:match.start()], f"<> ALL({array})" if match.group(2) else f"= ANY({array})"]
        at = match.end()
    return "".join(pieces) + sql[at:], tuple(where for _, where in found)


def _with_lists_as_arrays(sql: str, params: Sequence[Any] | dict[str, Any]) -> tuple[str, Any]:
    """The statement and parameters to send for ``sql``: an IN list of placeholders whose values are all
    whole numbers or all text goes as one array (``task_id = ANY('{1,2,3}')``). PostgreSQL reads
    and plans that far quicker than a list of hundreds of values (the 总览 at a month's end asks for ~150
    tasks by id in each of nine statements: 8 → 2 ms for one), and the statement's text is then the same
    for any number of ids, so psycopg parses it once (it does not keep a text over 4 KB). Other lists
    (dates, a mix, NULL) go as they are."""
    folded = _lists(sql)
    if folded is None:
        return translate(sql), params
    text, lists = folded
    if isinstance(params, dict):
        named = dict(params)
        for names in lists:
            array = _as_array([named.pop(name) for name in names])
            if array is None:
                return translate(sql), params
            named[names[0]] = array
        return translate(text), named
    listed = list(params)
    for start, n in reversed(lists):  # from the last, so that the earlier ones keep their places
        array = _as_array(listed[start:start + n])
        if array is None:
            return translate(sql), params
        listed[start:start + n] = [array]
    return translate(text), listed


def _as_array(values: list[Any]) -> Any:
    """``values`` as one array parameter, or None when they are not all whole numbers or all text.
    Whole numbers go as the array's text, ``'{1,2,3}'``, which PostgreSQL reads as an array of the
    column's type (psycopg's own rendering of a list checks every element for quoting: ~1 ms for
    the ~1,700 ids of one 总览); text goes as a list, which psycopg quotes."""
    kind = type(values[0])
    if kind not in (int, str) or any(type(v) is not kind for v in values):
        return None
    return "{" + ",".join(map(str, values)) + "}" if kind is int else values


def _loaders(conn: Any) -> None:
    """Dates, times and booleans read back as a ledger file reads them (ISO text, 0/1)."""
    from psycopg.adapt import Loader

    class IsoText(Loader):
        def load(self, data: Any) -> str:
            return bytes(data).decode()

    class Timestamp(Loader):
        def load(self, data: Any) -> str:
            text = bytes(data).decode()
            return text[:19] if text.endswith(".000000") else text

    class ZeroOne(Loader):
        def load(self, data: Any) -> int:
            return 1 if bytes(data) == b"t" else 0

    for name in ("date", "time"):
        conn.adapters.register_loader(name, IsoText)
    conn.adapters.register_loader("timestamp", Timestamp)
    conn.adapters.register_loader("bool", ZeroOne)


class ServerCursor:
    """The part of ``sqlite3.Cursor`` taizhang uses."""

    def __init__(self, conn: ServerConnection):
        self._conn = conn
        self._cur = conn.raw.cursor()
        if conn.cursor_values:  # file values on this cursor only (the ORM's own connection keeps typed ones)
            _loaders(self._cur)
        self.lastrowid: int | None = None

    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> ServerCursor:
        self.lastrowid = None
        if _BEGIN.match(sql):
            self._conn.begin(write="IMMEDIATE" in sql.upper() or "EXCLUSIVE" in sql.upper())
            return self
        self._cur.execute(*_with_lists_as_arrays(sql, params))
        if self._cur.description and sql.lstrip()[:6].upper() == "INSERT" and "RETURNING" in sql.upper():
            # the id of an INSERT … RETURNING id is lastrowid, as on a file (read it when asked for it)
            row = self._cur.fetchone()
            self.lastrowid = row[0] if row else None
            self._pending = row
        return self

    def executemany(self, sql: str, seq: Iterable[Sequence[Any] | dict[str, Any]]) -> ServerCursor:
        rows = list(seq)
        if rows:
            self._cur.executemany(translate(sql), rows)
        return self

    @property
    def description(self) -> Any:
        return self._cur.description

    @property
    def rowcount(self) -> int:
        return self._cur.rowcount

    def fetchone(self) -> tuple | None:
        pending = self.__dict__.pop("_pending", None)
        if pending is not None:
            return pending
        return self._cur.fetchone() if self._cur.description else None

    def fetchall(self) -> list[tuple]:
        pending = self.__dict__.pop("_pending", None)
        rest = self._cur.fetchall() if self._cur.description else []
        return ([pending] if pending is not None else []) + rest

    def fetchmany(self, size: int = 1) -> list[tuple]:
        return self._cur.fetchmany(size) if self._cur.description else []

    def __iter__(self) -> Iterator[tuple]:
        pending = self.__dict__.pop("_pending", None)
        if pending is not None:
            yield pending
        if self._cur.description:
            while rows := self._cur.fetchmany(2000):  # converted in batches: ~1/3 quicker than row by row
                yield from rows

    def close(self) -> None:
        self._cur.close()


class ServerConnection:
    """A server ledger as a plain connection in autocommit mode (begin explicitly), like
    ``models.store.connect`` gives for a file. ``target`` is the redacted-safe URL it came from."""

    dialect = DIALECT
    cursor_values = False  # each cursor reads file values (set by ``adopt(…, cursors_only=True)``)

    def __init__(self, raw: Any, target: str):
        self.raw = raw
        self.target = target

    def cursor(self) -> ServerCursor:
        return ServerCursor(self)

    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> ServerCursor:
        return self.cursor().execute(sql, params)

    def executemany(self, sql: str, seq: Iterable[Sequence[Any] | dict[str, Any]]) -> ServerCursor:
        return self.cursor().executemany(sql, seq)

    def begin(self, *, write: bool) -> None:
        """Start a transaction; a writer first waits its turn for the ledger's write lock."""
        self.raw.execute("BEGIN")
        if write:  # READ COMMITTED: reads after the lock see what the writer before committed
            self.raw.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
            self.raw.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
            self.raw.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))

    @property
    def in_transaction(self) -> bool:
        from psycopg.pq import TransactionStatus

        return self.raw.info.transaction_status != TransactionStatus.IDLE

    def commit(self) -> None:
        self.raw.execute("COMMIT") if self.in_transaction else None

    def rollback(self) -> None:
        self.raw.execute("ROLLBACK") if self.in_transaction else None

    def close(self) -> None:
        self.raw.close()

    def __enter__(self) -> ServerConnection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def adopt(raw: Any, target: str, *, cursors_only: bool = False) -> ServerConnection:
    """Wrap an open psycopg connection in the plain-connection surface, dates and booleans read back
    as a ledger file gives them. ``cursors_only``: on the cursors made through the wrapper only, the
    connection itself untouched (an ORM session's own connection, whose objects want typed values)."""
    wrapped = ServerConnection(raw, target)
    if cursors_only:
        wrapped.cursor_values = True
    else:
        _loaders(raw)
    return wrapped


def connect(target: str, *, create_ok: bool = True) -> ServerConnection:
    """A checked server ledger (its schema made when the database is empty, unless not
    ``create_ok``: then refused) as a plain connection; failures raise ``ServerError`` with a
    Chinese message."""
    import psycopg

    from models.db_url import sqlalchemy_url

    from models.server_login import connect_args

    url = sqlalchemy_url(target).replace("postgresql+psycopg://", "postgresql://", 1)
    try:
        raw = psycopg.connect(url, autocommit=True, cursor_factory=psycopg.ClientCursor,
                              connect_timeout=CONNECT_TIMEOUT_S, application_name="taizhang",
                              **connect_args(target))
    except psycopg.Error as exc:
        from models import server

        raise server.ServerError(server.problem(exc, target)) from None
    if not _current(raw):  # no schema yet, or another version: models.server makes or refuses it
        from models import server

        try:
            server.open_ledger(target, create_ok=create_ok).dispose()  # under its advisory lock
        except BaseException:
            raw.close()
            raise
    return adopt(raw, target)


CONNECT_TIMEOUT_S = 10  # as models.server's (read without loading SQLAlchemy)


def _current(raw: Any) -> bool:
    """Whether the database holds a ledger of this program's schema version: the usual case, told
    with two small queries (an import or an export then never loads SQLAlchemy)."""
    import psycopg

    from models.migrations import CURRENT_VERSION

    try:
        if raw.execute("SELECT to_regclass('taizhang_schema')").fetchone()[0] is None:
            return False
        row = raw.execute("SELECT version FROM taizhang_schema").fetchone()
    except psycopg.Error:
        return False  # told properly by models.server
    return row is not None and row[0] == CURRENT_VERSION
