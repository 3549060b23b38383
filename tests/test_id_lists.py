"""Lists of ids in a statement (``… WHERE task_id IN (?, ?, …)``): on a server each goes as one array
(``= ANY(…)``, models.server_conn), which PostgreSQL plans far quicker than hundreds of values; what the
statement reads is the same as on a ledger file, whatever the list holds."""

from __future__ import annotations

import pytest

from models import operations as ops
from models.server_conn import _lists, _with_lists_as_arrays
from models.store import connect

# odd text a unit's name may hold: quotes, a comma, braces, a backslash, spaces
ODD_NAMES = ["县民政局", "县\"财政\"局", "县人社局, 医保", "{县卫健局}", "县\\教育局", " 县 残联 ", "O'Brien 办"]


@pytest.mark.both_engines
def test_every_kind_of_list_reads_what_a_file_reads(ledger_db, ledger_at):
    g = ops.create_group(ledger_db, "测试领导小组")
    tasks = [ops.add_task(ledger_db, g, f"任务{n}") for n in range(300)]
    for n, name in enumerate(ODD_NAMES):
        ops.assign(ledger_db, tasks[n], name)
    conn = connect(ledger_at)
    try:
        def ids(sql: str, params) -> list:
            return sorted(r[0] for r in conn.execute(sql, params))

        chosen = tasks[::3]  # 100 ids
        marks = ", ".join("?" * len(chosen))
        assert ids(f"SELECT id FROM task WHERE id IN ({marks})", chosen) == chosen
        rest = [t for t in tasks if t not in chosen]
        assert ids(f"SELECT id FROM task WHERE id NOT IN ({marks}) AND group_id = ?", [*chosen, g]) == rest
        named = {f"i{n}": t for n, t in enumerate(chosen)}
        listed = ", ".join(f":i{n}" for n in range(len(chosen)))
        assert ids(f"SELECT id FROM task WHERE group_id = :g AND id IN ({listed})", {**named, "g": g}) == chosen
        # two lists in one statement, with a value between them
        assert ids("SELECT id FROM task WHERE id IN (?, ?, ?) AND group_id = ? AND id NOT IN (?, ?)",
                   [tasks[0], tasks[1], tasks[2], g, tasks[1], tasks[5]]) == [tasks[0], tasks[2]]
        # text: every odd name found as itself (as stored: assigning tidies a name), and nothing else
        stored = sorted(r[0] for r in conn.execute("SELECT name FROM unit"))
        assert len(stored) == len(ODD_NAMES) and any("\\" in n for n in stored) and any("{" in n for n in stored)
        names = ", ".join("?" * (len(stored) + 1))
        found = sorted(r[0] for r in conn.execute(f"SELECT name FROM unit WHERE name IN ({names})", [*stored, "县"]))
        assert found == stored
        # a list holding NULL or a mix of kinds goes as it is: NULL matches nothing, as in SQL
        assert ids("SELECT id FROM task WHERE id IN (?, ?, ?)", [tasks[0], None, tasks[2]]) == [tasks[0], tasks[2]]
        assert ids("SELECT id FROM task WHERE id IN (?, ?) AND content IN (?, ?)",
                   [tasks[3], tasks[4], "任务3", "任务9"]) == [tasks[3]]
        # a list written inside quoted text is text, not a list
        assert [tuple(r) for r in conn.execute("SELECT 'IN (?, ?)' || ?", ["!"])] == [("IN (?, ?)!",)]
    finally:
        conn.close()


def test_what_a_server_is_sent():
    sent = _with_lists_as_arrays("SELECT id FROM task WHERE id IN (?, ?, ?) AND group_id = ?", [4, 5, 6, 1])
    assert sent == ("SELECT id FROM task WHERE id = ANY(%s) AND group_id = %s", ["{4,5,6}", 1])
    sent = _with_lists_as_arrays("SELECT id FROM task WHERE id NOT IN (:i0, :i1) AND g = :g", {"i0": 7, "i1": 8, "g": 2})
    assert sent == ("SELECT id FROM task WHERE id <> ALL(%(i0)s) AND g = %(g)s", {"i0": "{7,8}", "g": 2})
    sent = _with_lists_as_arrays("SELECT 1 FROM unit WHERE name IN (?, ?)", ["县民政局", "{县,局}"])
    assert sent == ("SELECT 1 FROM unit WHERE name = ANY(%s)", [["县民政局", "{县,局}"]])
    # kept as they are: a NULL among the values, a bool, a name used twice, a list in quotes, one value
    assert _with_lists_as_arrays("SELECT 1 WHERE x IN (?, ?)", [1, None]) == ("SELECT 1 WHERE x IN (%s, %s)", [1, None])
    assert _with_lists_as_arrays("SELECT 1 WHERE x IN (?, ?)", [1, True])[0] == "SELECT 1 WHERE x IN (%s, %s)"
    twice = {"i0": 1, "i1": 2}
    assert _with_lists_as_arrays("SELECT 1 WHERE x IN (:i0, :i1) AND y = :i1", twice) == (
        "SELECT 1 WHERE x IN (%(i0)s, %(i1)s) AND y = %(i1)s", twice)
    assert _lists("SELECT 'a IN (?, ?)', x FROM t WHERE y IN (?)") is None
    # the text sent is the same for any number of ids (psycopg then parses it once)
    assert _lists(f"SELECT 1 WHERE x IN ({', '.join('?' * 500)})")[0] == _lists("SELECT 1 WHERE x IN (?, ?)")[0]

