"""What the 总览 count reads of each task, stored per task (``task_figure``) and kept right by the
database itself (issue 17: 总览 on 10,000 tasks ≤ 20 ms).

``models.judged_counts`` counts lights and overdue for the *plain* tasks in SQL. Worked out from
the task's other tables on every read (first and last target year, first lead unit, "judged in
Python") it took ~40 ms on 10,000 tasks; read from one narrow row per task it takes a few.

One row per task (whatever writes the task or its rows):

* ``group_id``, ``live`` (not cancelled), ``status``, ``done_on``: the task's own;
* ``due``: ``judging.base_due`` — the task's due date, else 31 December of its last target year
  (an extension does not change it: a task with one is ``apart``);
* ``first_year``: its first target year (an open plain task is overdue once that year is over:
  its target has no actual value, so the milestone is 未报);
* ``lead_unit``, ``leads``: the unit of its first lead assignment (lowest id) and how many lead
  units it has (the count takes the group's figures on the first one's row);
* ``apart``: 1 when ``judging.judge`` reads more of it than status and dates, whatever the day —
  an extension, a closing step, a lead unit's 已完成 in a returned form; if open, a yearly target
  with a recorded actual value, or a percentage in a progress text beside yearly targets;
* ``last_round``, ``lead_filled`` (version 12): the newest reporting round the task is in (NULL:
  none) and whether a lead unit of it filled it in that round's returned form
  (``models.round_status.LEAD_FILLED``). Whether it counts as 本轮未报送 depends on the day and on
  which round is current: the count asks when it reads (``models.judged_counts``).

Kept by triggers on ``task``, ``target``, ``assignment``, ``extension``, ``task_closing``,
``report_entry``, ``progress``, ``round_task`` and ``unit_report``, so every path that writes — operations, undo and redo, the
import, returned forms, copy, restore — keeps it right without knowing of it. Each trigger runs
``refresh``'s one statement for the tasks its rows belong to (on a file a row trigger; on a server
a statement trigger over the rows the statement changed, so a COPY of thousands refreshes once).

The bulk import writes thousands of rows: a trigger per row would add ~0.4 s to a 10,000-task import,
so ``pause`` (a row in ``task_figure_pause``, seen only by the importing transaction) makes the
triggers do nothing, and ``resume`` refreshes the new tasks in one statement and removes the row.
``tests/test_task_figures.py`` checks the stored rows against a computation from scratch after
every kind of write, on both engines.
"""

from __future__ import annotations

from typing import Any

from models import round_figures, sql
from models.round_status import LEAD_FILLED

TABLES = ("task_figure", "task_figure_pause", *round_figures.TABLES)
# the tables whose rows a task's figures are read from (their column naming the task: task_id)
_CHILDREN = ("target", "assignment", "extension", "task_closing", "report_entry", "progress", "round_task")

_TABLE = ("CREATE TABLE task_figure (task_id INTEGER NOT NULL PRIMARY KEY, group_id INTEGER NOT NULL, "
          "live INTEGER NOT NULL, status VARCHAR NOT NULL, due DATE, done_on DATE, first_year INTEGER, "
          "lead_unit INTEGER, leads INTEGER NOT NULL, apart INTEGER NOT NULL, last_round INTEGER, "
          "lead_filled INTEGER NOT NULL)")
# the count reads a group's figures from the first index alone, in its order (no table row, no sort);
# the overdue list reads the second in order of due date and stops after the first 50
_INDEXES = ("CREATE INDEX ix_task_figure_count ON task_figure "
            "(group_id, live, lead_unit, apart, status, due, first_year, done_on, leads, last_round, lead_filled)",
            "CREATE INDEX ix_task_figure_group_due ON task_figure (group_id, due)")
# the newest round of the task t, and whether a lead unit filled t in it
_LAST_ROUND = "(SELECT max(rt.round_id) FROM round_task rt WHERE rt.task_id = t.id)"
_LEAD_FILLED = ("CASE WHEN " + LEAD_FILLED.format(task="t.id", round=_LAST_ROUND) + " THEN 1 ELSE 0 END")
_PAUSE = "CREATE TABLE task_figure_pause (one INTEGER NOT NULL PRIMARY KEY)"

# judging.judge reads more than status and dates (see the module docstring), for the task t
_APART = """(EXISTS (SELECT 1 FROM extension e WHERE e.task_id = t.id)
  OR EXISTS (SELECT 1 FROM task_closing c WHERE c.task_id = t.id)
  OR EXISTS (SELECT 1 FROM report_entry r WHERE r.task_id = t.id AND r.role = 'lead' AND r.status = '已完成')
  OR t.status != '已完成' AND (
    EXISTS (SELECT 1 FROM target x WHERE x.task_id = t.id AND x.actual IS NOT NULL AND x.actual != '')
    OR EXISTS (SELECT 1 FROM progress p WHERE p.task_id = t.id AND (p.text LIKE '%!%%' ESCAPE '!' OR p.text LIKE '%％%'))
       AND EXISTS (SELECT 1 FROM target x WHERE x.task_id = t.id)))"""


def _refresh_sql(server: bool, tasks: str) -> str:
    """The one statement that (re)writes the figures of the tasks ``tasks`` (a condition on ``t``)."""
    last = "(SELECT max(x.year) FROM target x WHERE x.task_id = t.id)"
    year_end = sql.year_end(server, last)
    return f"""INSERT INTO task_figure ({_COLUMNS})
SELECT t.id, t.group_id, CASE WHEN t.cancelled_on IS NULL THEN 1 ELSE 0 END, t.status, coalesce(t.due, {year_end}),
  t.done_on, (SELECT min(x.year) FROM target x WHERE x.task_id = t.id),
  (SELECT a.unit_id FROM assignment a WHERE a.task_id = t.id AND a.role = 'lead' ORDER BY a.id LIMIT 1),
  (SELECT count(*) FROM assignment a WHERE a.task_id = t.id AND a.role = 'lead'),
  CASE WHEN {_APART} THEN 1 ELSE 0 END, {_LAST_ROUND}, {_LEAD_FILLED}
FROM task t WHERE {tasks}
{_UPSERT}"""


_COLUMNS = "task_id, group_id, live, status, due, done_on, first_year, lead_unit, leads, apart, last_round, lead_filled"
_PERCENT = "(p.text LIKE '%!%%' ESCAPE '!' OR p.text LIKE '%％%')"
_UPSERT = """ON CONFLICT (task_id) DO UPDATE SET group_id = excluded.group_id, live = excluded.live,
  status = excluded.status, due = excluded.due, done_on = excluded.done_on, first_year = excluded.first_year,
  lead_unit = excluded.lead_unit, leads = excluded.leads, apart = excluded.apart, last_round = excluded.last_round,
  lead_filled = excluded.lead_filled"""


def _bulk_refresh_sql(server: bool, rows: str) -> str:
    """``_refresh_sql`` for many tasks (those whose id meets ``rows``, a condition on ``task_id``):
    the same figures, read by one pass over each table instead of look-ups per task (10,000 tasks
    on a server: 1.4 s → a tenth of that). ``tests/test_task_figures.py`` checks both."""
    year_end = sql.year_end(server, "y.last")
    return f"""INSERT INTO task_figure ({_COLUMNS})
SELECT t.id, t.group_id, CASE WHEN t.cancelled_on IS NULL THEN 1 ELSE 0 END, t.status, coalesce(t.due, {year_end}),
  t.done_on, y.first, fl.unit_id, coalesce(l.n, 0),
  CASE WHEN t.id IN (SELECT e.task_id FROM extension e) OR t.id IN (SELECT c.task_id FROM task_closing c)
    OR t.id IN (SELECT r.task_id FROM report_entry r WHERE r.role = 'lead' AND r.status = '已完成')
    OR t.status != '已完成' AND (y.actual = 1
      OR y.first IS NOT NULL AND t.id IN (SELECT p.task_id FROM progress p WHERE {_PERCENT})) THEN 1 ELSE 0 END,
  r.last, CASE WHEN r.last IS NOT NULL AND {LEAD_FILLED.format(task="t.id", round="r.last")} THEN 1 ELSE 0 END
FROM task t
LEFT JOIN (SELECT task_id, min(year) AS first, max(year) AS last,
    max(CASE WHEN actual IS NOT NULL AND actual != '' THEN 1 ELSE 0 END) AS actual
  FROM target WHERE {rows} GROUP BY task_id) y ON y.task_id = t.id
LEFT JOIN (SELECT task_id, count(*) AS n, min(id) AS first_id FROM assignment WHERE role = 'lead' AND {rows}
  GROUP BY task_id) l ON l.task_id = t.id
LEFT JOIN assignment fl ON fl.id = l.first_id
LEFT JOIN (SELECT task_id, max(round_id) AS last FROM round_task WHERE {rows} GROUP BY task_id) r ON r.task_id = t.id
WHERE {rows.replace("task_id", "t.id")}
{_UPSERT}"""


# ---------------------------------------------------------------- a ledger file: row triggers

_NOT_PAUSED = "NOT EXISTS (SELECT 1 FROM task_figure_pause)"


def _file_triggers() -> list[str]:
    def trigger(name: str, event: str, table: str, when: str, body: str) -> str:
        return f"CREATE TRIGGER {name} AFTER {event} ON {table} {'WHEN ' + when + ' ' if when else ''}BEGIN\n{body};\nEND"

    out = []
    for table in _CHILDREN:
        # a co-operating unit's row changes nothing the count reads
        lead = {"new": " AND NEW.role = 'lead'", "old": " AND OLD.role = 'lead'",
                "both": " AND (OLD.role = 'lead' OR NEW.role = 'lead')"} if table == "assignment" else {}
        out += [trigger(f"task_figure_{table}_insert", "INSERT", table, _NOT_PAUSED + lead.get("new", ""),
                        _refresh_sql(False, "t.id = NEW.task_id")),
                trigger(f"task_figure_{table}_delete", "DELETE", table, _NOT_PAUSED + lead.get("old", ""),
                        _refresh_sql(False, "t.id = OLD.task_id")),
                trigger(f"task_figure_{table}_update", "UPDATE", table, _NOT_PAUSED + lead.get("both", ""),
                        _refresh_sql(False, "t.id IN (OLD.task_id, NEW.task_id)"))]
    out += [trigger("task_figure_task_insert", "INSERT", "task", _NOT_PAUSED, _refresh_sql(False, "t.id = NEW.id")),
            trigger("task_figure_task_update", "UPDATE OF group_id, status, due, done_on, cancelled_on", "task",
                    _NOT_PAUSED, _refresh_sql(False, "t.id = NEW.id")),
            # a removed task's figures go with it (while paused, ``resume_all`` drops them)
            trigger("task_figure_task_delete", "DELETE", "task", _NOT_PAUSED,
                    "DELETE FROM task_figure WHERE task_id = OLD.id"),
            # a report moved to another unit or round (units merged): whether its tasks' lead units filled them
            trigger("task_figure_unit_report_update", "UPDATE OF round_id, unit_id", "unit_report", _NOT_PAUSED,
                    _refresh_sql(False, "t.id IN (SELECT e.task_id FROM report_entry e WHERE e.report_id = NEW.id)"))]
    return out


def file_schema() -> list[str]:
    """The statements that make the figures on a ledger file (part of models/schema.sql)."""
    return [_TABLE, *_INDEXES, _PAUSE, *_file_triggers()]


# ---------------------------------------------------------------- a server: statement triggers


def _server_schema() -> list[str]:
    def function(name: str, body: str) -> str:
        return (f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n"
                f"  IF {_NOT_PAUSED} THEN\n    {body};\n  END IF;\n  RETURN NULL;\nEND\n$$")

    refresh = "PERFORM task_figure_refresh(ARRAY({}))"
    out = [_TABLE, *_INDEXES, _PAUSE,
           "CREATE FUNCTION task_figure_refresh(ids integer[]) RETURNS void LANGUAGE sql AS $$\n"
           + _refresh_sql(True, "t.id = ANY (ids)") + "\n$$",
           function("task_figure_rows_added", refresh.format("SELECT DISTINCT task_id FROM new_rows")),
           function("task_figure_rows_removed", refresh.format("SELECT DISTINCT task_id FROM old_rows")),
           function("task_figure_rows_changed", refresh.format(
               "SELECT task_id FROM old_rows UNION SELECT task_id FROM new_rows")),
           function("task_figure_tasks_written", refresh.format("SELECT id FROM new_rows")),
           # a removed task's figures go with it (while paused, ``resume_all`` drops them)
           function("task_figure_tasks_removed", "DELETE FROM task_figure WHERE task_id IN (SELECT id FROM old_rows)"),
           "CREATE FUNCTION task_figure_tasks_truncated() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n"
           "  DELETE FROM task_figure;\n  RETURN NULL;\nEND\n$$",
           function("task_figure_reports_changed", refresh.format(
               "SELECT DISTINCT e.task_id FROM report_entry e WHERE e.report_id IN (SELECT id FROM new_rows)"))]

    def trigger(name: str, event: str, table: str, rows: str, fn: str) -> str:
        return (f"CREATE TRIGGER {name} AFTER {event} ON {table} {rows} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {fn}()")

    new, old = "REFERENCING NEW TABLE AS new_rows", "REFERENCING OLD TABLE AS old_rows"
    for table in _CHILDREN:
        out += [trigger(f"task_figure_{table}_insert", "INSERT", table, new, "task_figure_rows_added"),
                trigger(f"task_figure_{table}_delete", "DELETE", table, old, "task_figure_rows_removed"),
                trigger(f"task_figure_{table}_update", "UPDATE", table, f"{old} NEW TABLE AS new_rows",
                        "task_figure_rows_changed")]
    out += [trigger("task_figure_task_insert", "INSERT", "task", new, "task_figure_tasks_written"),
            trigger("task_figure_task_update", "UPDATE", "task", new, "task_figure_tasks_written"),
            trigger("task_figure_task_delete", "DELETE", "task", old, "task_figure_tasks_removed"),
            trigger("task_figure_task_truncate", "TRUNCATE", "task", "", "task_figure_tasks_truncated"),
            trigger("task_figure_unit_report_update", "UPDATE", "unit_report", f"{old} NEW TABLE AS new_rows",
                    "task_figure_reports_changed")]
    return out


# ---------------------------------------------------------------- making, refreshing, pausing


def create(conn: Any) -> None:
    """Make the figures' tables and triggers and fill them for every task, inside the caller's
    transaction (a new ledger, or the upgrade of one made before version 10)."""
    for statement in (_server_schema() if sql.is_server(conn) else file_schema()):
        conn.execute(statement)
    refresh(conn)


def refresh(conn: Any, first_task: int | None = None) -> None:
    """Write the figures of every task again (``first_task``: of the tasks from that id on) and drop
    those of tasks gone: one statement."""
    server = sql.is_server(conn)
    if server:  # see NO_JIT
        conn.execute(sql.NO_JIT)
    if first_task is None:
        conn.execute("DELETE FROM task_figure WHERE task_id NOT IN (SELECT id FROM task)")
        conn.execute(_bulk_refresh_sql(server, "task_id > 0"))
    else:
        conn.execute(_bulk_refresh_sql(server, "task_id >= :first"), {"first": first_task})


def pause(conn: Any) -> None:
    """From now until ``resume`` (rows of new tasks only) or ``resume_all`` (any rows), inside this
    write transaction, the triggers leave the figures alone (other connections never see the pause:
    it is a row only this transaction has written)."""
    conn.execute("INSERT INTO task_figure_pause (one) VALUES (1)")


def pause_queued(bulk: Any) -> None:
    """``pause`` through the import's bulk writer (``importers.bulk``): its row is written in turn,
    before the rows queued after it. (Not before: an import that adds no task writes nothing, so a
    read-only account may run it.)"""
    bulk.insert("task_figure_pause", ("one",), [1])


def resume(conn: Any, first_task: int) -> None:
    """End ``pause``, writing the figures of the tasks from ``first_task`` on (those the bulk import
    added while paused) in one statement. On a server, then the planner's statistics of the tables
    the import filled (else it plans 总览 for the empty tables it last saw until autovacuum comes by:
    10,000 tasks, 30 → 180 ms). Only the tables' owner may; another account's ANALYZE skips them with
    a notice (that is, leaves them to autovacuum)."""
    conn.execute("DELETE FROM task_figure_pause")
    refresh(conn, first_task)
    if sql.is_server(conn):
        conn.execute("ANALYZE task, assignment, target, unit, task_figure")


def resume_all(conn: Any) -> None:
    """End ``pause``, writing the figures of every task (an undo or redo of thousands of rows, which
    may have touched any task) and dropping those of tasks gone; and the open rounds' figures
    (``models.round_figures``, whose triggers the same pause stops). On a server, then the planner's
    statistics of the tables such a bulk write fills, as ``resume`` does (10,000 tasks just brought to
    a month's end: the 总览 took 57 ms until autovacuum came by, 46 ms with them). (A copy takes the
    statistics of its own tables again at its end; the figures' tables are only taken here.)"""
    conn.execute("DELETE FROM task_figure_pause")
    refresh(conn)
    round_figures.refresh(conn)
    if sql.is_server(conn):
        conn.execute(f"ANALYZE {', '.join(('task', *_CHILDREN, 'task_figure', *round_figures.TABLES))}")


def rebuild(conn: Any) -> None:
    """Drop the figures' tables, triggers and functions (the task figures' and the rounds') where
    there are any and make them again, filled: the upgrade to version 12, which adds columns."""
    server = sql.is_server(conn)
    if server:
        for name in _SERVER_FUNCTIONS:
            conn.execute(f"DROP FUNCTION IF EXISTS {name} CASCADE")  # with the triggers calling it
    else:
        for statement in _file_triggers():
            conn.execute(f"DROP TRIGGER IF EXISTS {statement.split()[2]}")
    for table in ("task_figure", "task_figure_pause"):
        conn.execute(f"DROP TABLE IF EXISTS {table}")
    create(conn)
    round_figures.drop(conn)
    round_figures.create(conn)


_SERVER_FUNCTIONS = ("task_figure_refresh(integer[])", "task_figure_rows_added()", "task_figure_rows_removed()",
                     "task_figure_rows_changed()", "task_figure_tasks_written()", "task_figure_tasks_removed()",
                     "task_figure_tasks_truncated()", "task_figure_reports_changed()")
