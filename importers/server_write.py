"""The steps of an import (``importers.load``) that differ on a server ledger (issue 18).

An import onto a server is the same one transaction as onto a file: it begins by taking the ledger's
write lock (``models.server_conn.WRITE_LOCK``, as ``BEGIN IMMEDIATE`` does on a file), so writers
take turns and readers go on reading the ledger as it was until the commit. What differs:

- **ids**: a file's ids never given twice come from ``sqlite_sequence``; a server's from each table's
  sequence. The bulk path picks its ids itself (past the highest id and the sequence's last value,
  read under the write lock, ``models.ids.next_id``) and moves the sequences past them before the
  commit (``setval``, ``models.ids.advance``), so the next row anyone inserts takes the next id. A
  rolled-back import may leave a sequence moved on: ids are then skipped, never given twice. Single
  rows are inserted with ``RETURNING id``.
- **foreign keys**: a file's import switches them off and checks them once before the commit; on a
  server they stay on and are checked row by row, which the import allows because it writes parents
  first (the group, then units, then each batch's tasks before their assignments, targets and
  sources). Nothing is made ``DEFERRABLE``, so the schema is the same as ``copy`` makes. Into a
  ledger without tasks, the owner's import sets them aside with the unique constraints and indexes
  and makes them again after the rows (``set_aside``): then readers wait for its commit, once.
- **bulk rows**: ``COPY … FROM STDIN`` (``CopyInserter``), where a file takes multi-row INSERTs.
- **failures**: errors of the server (a lost connection, a killed backend, a read-only account, a
  lock not got in time) become the Chinese messages of ``models.server``; the server rolls back
  what the transaction wrote, so nothing is half-written.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from importers.bulk import QueuedWriter
from models.errors import OperationError

# What a server import prints instead of the file backup a file import makes first.
NO_BACKUP_NOTE = ("（服务器上的台账：导入前不另作备份文件——导入在一个事务中完成，失败时不留下任何改动，"
                  "导入后可用 taizhang undo 撤销；需要时先运行 taizhang backup 存一份快照。）")


def begin(conn: Any) -> None:
    """Begin the import's transaction and wait for the ledger's write lock (``lock_timeout``); on
    failure nothing is left open."""
    try:
        conn.begin(write=True)
    except BaseException:
        rollback(conn)
        raise


def rollback(conn: Any) -> None:
    """Roll back what is left of the transaction; a connection already lost has nothing to roll back
    (the server did it)."""
    try:
        conn.rollback()
    except Exception:  # noqa: BLE001 - the connection is gone: the server rolled back
        pass


def insert(conn: Any, table: str, values: dict[str, Any]) -> int:
    """Insert one row; its new id."""
    cols = ", ".join(f'"{c}"' for c in values)
    marks = ", ".join("?" * len(values))
    return conn.execute(f'INSERT INTO "{table}" ({cols}) VALUES ({marks}) RETURNING id',
                        tuple(values.values())).fetchone()[0]


# The tables a first import fills in bulk, and those their foreign keys point to.
BULK_TABLES = ("task", "assignment", "target", "import_source")
_REFERENCED = ("work_group", "unit", "member", "duty")
SET_ASIDE_LOCK_WAIT = "1s"  # for the tables' locks; past it the import goes on row by row


def set_aside(conn: Any) -> list[str]:
    """Into a server ledger without any task, what PostgreSQL's manual advises for filling tables
    ("Populating a Database": remove indexes and foreign-key constraints, load, make them again):
    the unique and foreign-key constraints and the secondary indexes of ``BULK_TABLES`` are dropped
    here, inside the import's transaction, and the caller makes them again after the rows from the
    statements returned. Checking a foreign key row by row during COPY was ~0.9 s of a 10,000-task
    import (issue 17); adding it afterwards checks all the rows with one join, and an index is built
    once from sorted rows. A failure, or a crash, rolls the drop back with the rows.

    Only the tables' owner may alter them, so for another account nothing is set aside (the rows
    are then checked one by one, as before). Dropping a constraint locks its tables against readers
    until the commit (a second or two, once, on a ledger that has no task yet); when a reader holds
    them, the drop waits ``SET_ASIDE_LOCK_WAIT`` and then gives up (rolled back to a savepoint) and
    the import goes on row by row. Returns the statements to run after the rows, or none."""
    tables = ", ".join(f"'{t}'::regclass" for t in BULK_TABLES)
    everything = ", ".join(f"'{t}'::regclass" for t in BULK_TABLES + _REFERENCED)
    owner = conn.execute(f"SELECT bool_and(pg_has_role(relowner, 'USAGE')) FROM pg_class WHERE oid IN ({everything})")
    if not owner.fetchone()[0]:
        return []
    constraints = conn.execute(  # unique ones first: made again before the foreign keys, as the schema has them
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
        f"WHERE conrelid IN ({tables}) AND contype IN ('u', 'f') ORDER BY contype DESC, conname").fetchall()
    indexes = conn.execute(  # CREATE INDEX's: neither the primary key's nor a constraint's
        "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index i "
        f"WHERE indrelid IN ({tables}) AND NOT indisprimary "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) ORDER BY 1").fetchall()
    wait = conn.execute("SHOW lock_timeout").fetchone()[0]  # the import's own, given back after
    conn.execute("SAVEPOINT taizhang_set_aside")
    try:
        conn.execute(f"SET LOCAL lock_timeout = '{SET_ASIDE_LOCK_WAIT}'")
        for table, name, _ in constraints:
            conn.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
        for name, _ in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        conn.execute(f"SET LOCAL lock_timeout = '{wait}'")
        conn.execute("RELEASE SAVEPOINT taizhang_set_aside")
    except errors() as exc:
        if getattr(exc, "sqlstate", None) not in ("55P03", "42501"):  # a lock not got in time; not allowed
            raise
        conn.execute("ROLLBACK TO SAVEPOINT taizhang_set_aside")  # the lock wait as before, too
        conn.execute("RELEASE SAVEPOINT taizhang_set_aside")
        return []
    return [sql for _, sql in indexes] + [f'ALTER TABLE "{t}" ADD CONSTRAINT "{n}" {d}' for t, n, d in constraints]


def advance_sequences(conn: Any, tables: Sequence[str]) -> None:
    """Move each table's id sequence past the ids the import chose itself (never back)."""
    from models.ids import advance

    for table in tables:
        advance(conn, table)


def failure(exc: BaseException, target: str) -> OperationError:
    """The Chinese message of a server error during an import (after the rollback)."""
    from models.locking import BUSY_MESSAGE, is_busy
    from models.server import problem, refused_write

    state = getattr(exc, "sqlstate", None) or ""
    if is_busy(exc):
        return OperationError(BUSY_MESSAGE)
    if state.startswith("23"):  # integrity: a unique or foreign key constraint
        detail = " ".join(str(getattr(exc, "diag", None) and exc.diag.message_primary or exc).split())
        return OperationError(f"导入的内容与已有数据冲突，未保存（{detail}）。")
    said = refused_write(exc, target)
    if said:
        return OperationError(said)
    message = problem(exc, target)
    if state.startswith("57P") or state.startswith("08") or "连不上" in message:  # cut off mid-import
        from models.db_url import describe

        message = (f"与服务器的连接在导入途中断开（{describe(target)}；服务器被停止或重启、网络中断，或连接被管理员结束）。"
                   "服务器已撤回这次导入的全部写入，台账保持导入前的样子；请在连接恢复后重新导入。")
    return OperationError(message)


def errors() -> tuple[type[BaseException], ...]:
    import psycopg

    return (psycopg.Error,)


class CopyInserter(QueuedWriter):
    """``importers.bulk.BulkInserter``'s part on a server: batches of rows of a table written with
    ``COPY … FROM STDIN`` by the writer thread, in the order given, while this thread builds the next
    (the queue, the thread and the errors are ``QueuedWriter``'s)."""

    def __init__(self, conn: Any):
        super().__init__("taizhang-copy")
        self.raw = conn.raw  # the psycopg connection under models.server_conn.ServerConnection

    def _write(self, table: str, columns: tuple[str, ...], values: list) -> None:
        width = len(columns)
        if len(values) % width:
            raise ValueError(f"{len(values)} values do not make rows of {width}")
        column_list = ", ".join(f'"{c}"' for c in columns)
        with self.raw.cursor() as cur, cur.copy(f'COPY "{table}" ({column_list}) FROM STDIN') as cp:
            write = cp.write_row
            for start in range(0, len(values), width):
                write(values[start:start + width])
