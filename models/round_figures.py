"""How many tasks each unit owes in an open reporting round and how many of them it filled in,
stored per round and unit (``round_unit_figure``) and kept right by the database itself (issue 17:
总览 on 10,000 tasks ≤ 20 ms at a month's end).

The 总览's line "本期（2024年6月）已报送 18/25 个单位" judges every unit owing the round
(``models.round_status.judge``: 已报送 / 部分 / 未报送 / 逾期报送) from its tasks in the round, the
tasks it filled in and its form's date. Counted from the rows on every read (a round of 10,000
tasks: ~40,000 unit-task pairs and ~25,000 entries) that took ~30 ms of SQL, and as the rounds
screen reads them (every task of every unit, in Python) ~250 ms; the two numbers stored per unit
are read in well under a millisecond. ``models.round_status.reporting_counts`` reads them.

One row per open round and unit owing it (a unit that owes nothing more keeps a row with 0 tasks):

* ``tasks``: the round's tasks the unit is on, lead or co (a unit on a task twice counts it once);
* ``filled``: those of them with an entry in the unit's returned form for the round.

Only open rounds have rows: a closed round is not read from here (``reporting_counts`` counts it
from the rows, as the rounds screen does), and keeping every past round's figures would make each
write of a unit or a task pay for all of them. Closing a round drops its rows; reopening makes them.

Kept by triggers on ``report_entry``, ``unit_report``, ``round_task``, ``assignment`` and
``report_round`` (on a file row triggers, each recounting the round-unit pairs its row touches; on a
server statement triggers over the rows a statement changed). They stop while ``models.task_figures``
is paused (the same pause row): opening a round (thousands of ``round_task`` rows), a whole round's
forms, a bulk undo and a copy then write them once at the end (``task_figures.resume_all`` calls
``refresh``). ``tests/test_round_figures.py`` checks them against ``models.round_status.unit_states``.
"""

from __future__ import annotations

from typing import Any

from models import sql

TABLES = ("round_unit_figure",)

_TABLE = ("CREATE TABLE round_unit_figure (round_id INTEGER NOT NULL, unit_id INTEGER NOT NULL, "
          "tasks INTEGER NOT NULL, filled INTEGER NOT NULL, PRIMARY KEY (round_id, unit_id))")
_NOT_PAUSED = "NOT EXISTS (SELECT 1 FROM task_figure_pause)"

# the figures of the pair p (p.r: round, p.u: unit), counted from the rows (what unit_states counts)
_TASKS = ("(SELECT count(DISTINCT a.task_id) FROM assignment a JOIN round_task rt ON rt.task_id = a.task_id "
          "AND rt.round_id = p.r WHERE a.unit_id = p.u)")
_FILLED = ("(SELECT count(*) FROM unit_report rp JOIN report_entry e ON e.report_id = rp.id "
           "WHERE rp.round_id = p.r AND rp.unit_id = p.u "
           "AND EXISTS (SELECT 1 FROM round_task rt WHERE rt.round_id = p.r AND rt.task_id = e.task_id) "
           "AND EXISTS (SELECT 1 FROM assignment a WHERE a.task_id = e.task_id AND a.unit_id = p.u))")


def _refresh_sql(pairs: str) -> str:
    """The one statement that (re)counts the round-unit pairs ``pairs`` (a SELECT of r, u) of open rounds."""
    return f"""INSERT INTO round_unit_figure (round_id, unit_id, tasks, filled)
SELECT p.r, p.u, {_TASKS}, {_FILLED}
FROM (SELECT DISTINCT q.r, q.u FROM ({pairs}) q) p JOIN report_round o ON o.id = p.r AND o.status = 'open' WHERE 1 = 1
ON CONFLICT (round_id, unit_id) DO UPDATE SET tasks = excluded.tasks, filled = excluded.filled"""


def _count_sql(rounds: str) -> str:
    """Every pair of the open rounds ``rounds`` (a condition on o, the round) counted in one pass
    (a whole round: one grouped join instead of a look-up per unit)."""
    return f"""INSERT INTO round_unit_figure (round_id, unit_id, tasks, filled)
SELECT x.round_id, x.unit_id, count(*), count(e.id)
FROM (SELECT DISTINCT rt.round_id, a.unit_id, a.task_id FROM report_round o
      JOIN round_task rt ON rt.round_id = o.id JOIN assignment a ON a.task_id = rt.task_id
      WHERE o.status = 'open' AND {rounds}) x
LEFT JOIN unit_report rp ON rp.round_id = x.round_id AND rp.unit_id = x.unit_id
LEFT JOIN report_entry e ON e.report_id = rp.id AND e.task_id = x.task_id
GROUP BY x.round_id, x.unit_id"""


# ---------------------------------------------------------------- a ledger file: row triggers


def _file_triggers() -> list[str]:
    def trigger(name: str, event: str, table: str, body: str, when: str = "") -> str:
        when = f"{_NOT_PAUSED}{' AND ' + when if when else ''}"
        return f"CREATE TRIGGER round_unit_figure_{name} AFTER {event} ON {table} WHEN {when} BEGIN\n{body};\nEND"

    def entries(report: str) -> str:  # the pair of the form the entry belongs to
        return _refresh_sql(f"SELECT round_id AS r, unit_id AS u FROM unit_report WHERE id IN ({report})")

    def tasks(row: str) -> str:  # the round task's pairs: its round with each unit on the task
        return _refresh_sql(f"SELECT {row}.round_id AS r, a.unit_id AS u FROM assignment a WHERE a.task_id = {row}.task_id")

    def units(row: str) -> str:  # the assignment's pairs: each round of the task with the unit
        return _refresh_sql(f"SELECT rt.round_id AS r, {row}.unit_id AS u FROM round_task rt WHERE rt.task_id = {row}.task_id")

    out = [trigger("entry_insert", "INSERT", "report_entry", entries("NEW.report_id")),
           trigger("entry_delete", "DELETE", "report_entry", entries("OLD.report_id")),
           trigger("entry_update", "UPDATE OF report_id, task_id", "report_entry",
                   entries("OLD.report_id, NEW.report_id")),
           trigger("report_update", "UPDATE OF round_id, unit_id", "unit_report", _refresh_sql(
               "SELECT OLD.round_id AS r, OLD.unit_id AS u UNION SELECT NEW.round_id, NEW.unit_id")),
           trigger("round_task_insert", "INSERT", "round_task", tasks("NEW")),
           trigger("round_task_delete", "DELETE", "round_task", tasks("OLD")),
           trigger("round_task_update", "UPDATE", "round_task", tasks("OLD") + ";\n" + tasks("NEW")),
           trigger("assignment_insert", "INSERT", "assignment", units("NEW")),
           trigger("assignment_delete", "DELETE", "assignment", units("OLD")),
           trigger("assignment_update", "UPDATE OF task_id, unit_id", "assignment", units("OLD") + ";\n" + units("NEW")),
           # closed: its rows go; (re)opened: counted
           trigger("round_closed", "UPDATE OF status", "report_round",
                   "DELETE FROM round_unit_figure WHERE round_id = NEW.id", "NEW.status != 'open'"),
           trigger("round_opened", "UPDATE OF status", "report_round",
                   "DELETE FROM round_unit_figure WHERE round_id = NEW.id;\n" + _count_sql("o.id = NEW.id"),
                   "NEW.status = 'open'"),
           trigger("round_delete", "DELETE", "report_round", "DELETE FROM round_unit_figure WHERE round_id = OLD.id")]
    return out


def file_schema() -> list[str]:
    """The statements that make the figures on a ledger file (part of models/schema.sql)."""
    return [_TABLE, *_file_triggers()]


# ---------------------------------------------------------------- a server: statement triggers


def _server_schema() -> list[str]:
    def function(name: str, body: str) -> str:
        return (f"CREATE FUNCTION round_unit_figure_{name}() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n"
                f"  IF {_NOT_PAUSED} THEN\n    {body};\n  END IF;\n  RETURN NULL;\nEND\n$$")

    def entries(rows: str) -> str:
        return _refresh_sql(f"SELECT rp.round_id AS r, rp.unit_id AS u FROM unit_report rp "
                            f"WHERE rp.id IN (SELECT w.report_id FROM {rows} w)")

    def tasks(rows: str) -> str:
        return _refresh_sql(f"SELECT x.round_id AS r, a.unit_id AS u FROM {rows} x JOIN assignment a ON a.task_id = x.task_id")

    def units(rows: str) -> str:
        return _refresh_sql(f"SELECT rt.round_id AS r, x.unit_id AS u FROM {rows} x JOIN round_task rt ON rt.task_id = x.task_id")

    both = "(SELECT * FROM old_rows UNION ALL SELECT * FROM new_rows)"
    out = [_TABLE,
           function("entries_added", entries("new_rows")),
           function("entries_removed", entries("old_rows")),
           function("entries_changed", entries(both)),
           function("reports_changed", _refresh_sql(
               f"SELECT x.round_id AS r, x.unit_id AS u FROM {both} x")),
           function("round_tasks_added", tasks("new_rows")),
           function("round_tasks_removed", tasks("old_rows")),
           function("round_tasks_changed", tasks(both)),
           function("assignments_added", units("new_rows")),
           function("assignments_removed", units("old_rows")),
           function("assignments_changed", units(both)),
           function("rounds_changed",
                    "DELETE FROM round_unit_figure WHERE round_id IN (SELECT id FROM new_rows);\n    "
                    + _count_sql("o.id IN (SELECT id FROM new_rows)")),
           function("rounds_removed", "DELETE FROM round_unit_figure WHERE round_id IN (SELECT id FROM old_rows)")]

    def trigger(name: str, event: str, table: str, rows: str, fn: str) -> str:
        return (f"CREATE TRIGGER round_unit_figure_{name} AFTER {event} ON {table} {rows} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION round_unit_figure_{fn}()")

    new, old, changed = ("REFERENCING NEW TABLE AS new_rows", "REFERENCING OLD TABLE AS old_rows",
                         "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows")
    for table, what in (("report_entry", "entries"), ("round_task", "round_tasks"), ("assignment", "assignments")):
        out += [trigger(f"{table}_insert", "INSERT", table, new, f"{what}_added"),
                trigger(f"{table}_delete", "DELETE", table, old, f"{what}_removed"),
                trigger(f"{table}_update", "UPDATE", table, changed, f"{what}_changed")]
    out += [trigger("unit_report_update", "UPDATE", "unit_report", changed, "reports_changed"),
            trigger("report_round_update", "UPDATE", "report_round", changed, "rounds_changed"),
            trigger("report_round_delete", "DELETE", "report_round", old, "rounds_removed")]
    return out


_SERVER_FUNCTIONS = ("entries_added", "entries_removed", "entries_changed", "reports_changed", "round_tasks_added",
                     "round_tasks_removed", "round_tasks_changed", "assignments_added", "assignments_removed",
                     "assignments_changed", "rounds_changed", "rounds_removed")


# ---------------------------------------------------------------- making, refreshing


def create(conn: Any) -> None:
    """Make the table and its triggers and count every open round, inside the caller's transaction."""
    for statement in (_server_schema() if sql.is_server(conn) else file_schema()):
        conn.execute(statement)
    refresh(conn)


def drop(conn: Any) -> None:
    """Remove the table, its triggers and functions where there are any (``task_figures.rebuild``)."""
    if sql.is_server(conn):
        for name in _SERVER_FUNCTIONS:
            conn.execute(f"DROP FUNCTION IF EXISTS round_unit_figure_{name}() CASCADE")
    else:
        for statement in _file_triggers():
            conn.execute(f"DROP TRIGGER IF EXISTS {statement.split()[2]}")
    conn.execute("DROP TABLE IF EXISTS round_unit_figure")


def refresh(conn: Any) -> None:
    """Count every open round again (two statements; a round of 10,000 tasks: some tens of ms)."""
    conn.execute("DELETE FROM round_unit_figure")
    conn.execute(_count_sql("1 = 1"))
