"""Code that runs inside the benchmark's child processes: ``python -m benchmarks.probes WHAT ARGS``.

* ``empty-db PATH`` — an empty ledger, created as the program creates one;
* ``record-export DB LOG`` — run the division export once with xlsxwriter's Workbook wrapped and
  log every call it made (formats, cells, merges, widths, heights, page setup) for the baseline
  ``baselines/xlsxwriter_replay.py`` to replay;
* ``queries DB N [TODAY]`` — the reads behind the 总览 and the overdue figures, each timed N times on an
  open connection after a warm-up (judged on TODAY, default the clock's day); prints JSON
  ``{name: [seconds, ...]}``;
* ``round-ledger DB`` — turn a copy of the imported ledger into one in the middle of a reporting
  round past its deadline (``ROUND_TODAY``), through the program's operations: see ``round_ledger``;
* ``interaction DB N`` — through Textual's Pilot on a ledger with one large group: N rounds of
  filter keystrokes (key press until the list shows the new rows) and ticks (space until the row
  shows its new state); prints JSON ``{name: [seconds, ...]}``. It changes ``DB``: pass a copy.
"""

from __future__ import annotations

import json
import os
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

WARM_UP = 3

# ------------------------------------------------------------------------------------ export log

_CODES = {"write_string": 0, "write_blank": 1, "write_number": 2, "write_datetime": 3, "merge_range": 4,
          "set_row": 5, "set_column": 6}


def record_export(db: str, log: str, kind: str = "division") -> None:
    """Export ``kind`` from ``db`` once, logging every xlsxwriter call in the compact form the
    replay baseline reads (marshal)."""
    import marshal

    import xlsxwriter

    from exporters import excel

    ops: list[tuple[Any, ...]] = []
    setup: list[tuple[str, list[Any], dict[str, Any]]] = []
    formats: list[dict[str, Any]] = []
    format_ids: dict[int, int] = {}
    book: dict[str, Any] = {"options": {}, "sheet": None, "properties": {}}

    class Sheet:
        """A worksheet that logs each call before making it."""

        def __init__(self, real: Any):
            self._real = real

        def __getattr__(self, name: str) -> Any:
            method = getattr(self._real, name)
            code = _CODES.get(name)

            def call(*args: Any, **kwargs: Any) -> Any:
                if code is None:
                    setup.append((name, list(args), dict(kwargs)))
                else:
                    plain: list[Any] = []
                    for a in args:
                        if id(a) in format_ids:
                            a = format_ids[id(a)]
                        elif isinstance(a, date):
                            a = datetime(a.year, a.month, a.day).isoformat()
                        plain.append(a)
                    if code == 1:
                        plain = [plain[0], plain[1], plain[3]]  # (row, col, format): the data is None
                    elif code in (5, 6):
                        plain = plain[:2 if code == 5 else 3]
                    ops.append((code, *plain))
                return method(*args, **kwargs)

            return call

    class Workbook(xlsxwriter.Workbook):
        def __init__(self, filename: str, opts: dict[str, Any] | None = None):
            book["options"] = dict(opts or {})
            self._recording = False  # xlsxwriter's own default formats are not the export's
            super().__init__(filename, opts)
            self._recording = True

        def add_format(self, properties: dict[str, Any] | None = None) -> Any:
            fmt = super().add_format(properties)
            if self._recording:
                format_ids[id(fmt)] = len(formats)
                formats.append(dict(properties or {}))
            return fmt

        def add_worksheet(self, name: str | None = None, worksheet_class: Any = None) -> Any:
            book["sheet"] = name
            return Sheet(super().add_worksheet(name))

        def set_properties(self, properties: dict[str, Any]) -> None:
            book["properties"] = dict(properties)
            super().set_properties(properties)

    real = xlsxwriter.Workbook
    xlsxwriter.Workbook = Workbook  # type: ignore[misc]
    try:
        excel.export(db, kind, Path(log).with_suffix(".recorded.xlsx"))
    finally:
        xlsxwriter.Workbook = real  # type: ignore[misc]
    with open(log, "wb") as fh:
        marshal.dump({**book, "formats": formats, "ops": ops, "setup": setup}, fh)


# ------------------------------------------------------------------------------------ queries


def _timed(fn: Any, n: int) -> list[float]:
    for _ in range(WARM_UP):
        fn()
    out = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def queries(db: str, n: int, on: str | None = None) -> dict[str, list[float]]:
    """The functions the TUI and the overdue export call, on connections opened as they open them,
    judged on the day ``on`` (ISO; default the clock's)."""
    from exporters.reports import overdue_lists
    from models import store
    from models.clock import today
    from models.judged_counts import count_group
    from tui import data

    now = date.fromisoformat(on) if on else today()
    reader = data.Reader(db)  # the TUI's connection
    export_conn = store.connect(db)  # the exporter's
    try:
        with reader() as conn:
            group = data.groups(conn)[0]
            out = {
                "overview": _timed(lambda: data.overview(conn, group, now), n),
                # the ranking 总览 shows (and the 单位 list's 逾期): each lead unit's figures as judged
                "ranking": _timed(lambda: count_group(conn, group.id, now), n),
                "units": _timed(lambda: data.units(conn, group.id, now), n),
                "filter_sql": _timed(lambda: data.task_page(conn, group.id, data.TaskFilter(search="民政"), now, 0,
                                                            31), n),
            }
        out["export_overdue"] = _timed(lambda: overdue_lists(export_conn, group.id, now, 7), n)
    finally:
        reader.close()
        export_conn.close()
    return out


# ------------------------------------------------------------------------------------ a round

# The month-end an office lives through: the June round (due 5 July) still open on 10 July, half the
# units' forms back. Dates in 2024 put the benchmark table's deadlines (2022–2025) on every side of
# the day: some tasks overdue, some due soon, most ahead.
ROUND_OPENED, ROUND_DUE, ROUND_TODAY = date(2024, 6, 25), date(2024, 7, 5), date(2024, 7, 10)


def round_ledger(db: str) -> dict[str, int]:
    """Open a round over every open task of the first group and record returned forms as the
    office would (``models.rounds``, ``models.closing``): of the units owing a report, one in four
    sent a full form on time, one a form on time with half its tasks, one a full form late, one
    nothing (one in eight of those a blank form); lead units claim one task in 50 done; then a few
    extensions, confirmations (销号) and returns (退回). Deterministic; prints what it made."""
    from models import closing, rounds
    from models.db import Database
    from models.report_records import EntryIn, ReportIn
    from models.round_status import current_round, unit_states
    from models.store import connect

    os.environ["TAIZHANG_TODAY"] = ROUND_OPENED.isoformat()  # the operations date their rows by it
    ledger = Database(db)
    conn = connect(db)
    try:
        group_id = conn.execute("SELECT min(id) FROM work_group").fetchone()[0]
        round_id = rounds.open_round(ledger, group_id, "2024年6月", due=ROUND_DUE)
        states = sorted(unit_states(conn, current_round(conn, group_id)), key=lambda s: s.unit_id)
    finally:
        conn.close()
    reports: list[ReportIn] = []
    claims: list[int] = []
    for i, state in enumerate(states):
        kind = i % 4
        if kind == 3 and i % 8 != 7:
            continue
        received = ROUND_DUE + timedelta(days=3) if kind == 2 else ROUND_DUE - timedelta(days=2)
        tasks = [] if kind == 3 else state.tasks[::2] if kind == 1 else state.tasks
        entries = []
        for k, t in enumerate(tasks):
            claim = t.role == "lead" and k % 50 == 7
            if claim:
                claims.append(t.task_id)
            entries.append(EntryIn(t.task_id, t.role, "已完成" if claim else "推进中" if t.role == "lead" else None,
                                   f"本期召开推进会，完成第{k + 1}项阶段工作，形成工作台账。",
                                   ROUND_DUE - timedelta(days=10) if claim else None))
        reports.append(ReportIn(round_id, state.unit_id, f"{state.unit}.xlsx", received, entries))
    rounds.record_reports(ledger, reports, what="基准测试")
    os.environ["TAIZHANG_TODAY"] = (ROUND_DUE + timedelta(days=1)).isoformat()
    conn = connect(db)
    try:
        # the due dates judged against (models.task_figures: the deadline, else the last target year's end)
        open_tasks = [(i, date.fromisoformat(due) if due else None) for i, due in conn.execute(
            "SELECT task_id, due FROM task_figure WHERE group_id = :g AND status != '已完成' ORDER BY task_id",
            {"g": group_id})]
    finally:
        conn.close()
    extended = open_tasks[5::400]
    for task_id, due in extended:  # the overdue ones to just after the day, the others by a month
        new_due = max(due + timedelta(days=30), ROUND_TODAY + timedelta(days=3)) if due else date(2026, 6, 30)
        closing.grant_extension(ledger, task_id, new_due, "需协调多部门，申请延期", ROUND_DUE)
    confirmed, returned = claims[::3], claims[1::6]
    for task_id in confirmed:
        closing.confirm_closing(ledger, task_id)
    for task_id in returned:
        closing.return_closing(ledger, task_id, "佐证材料不全")
    ledger.engine.dispose()
    return {"units": len(states), "forms": len(reports), "entries": sum(len(r.entries) for r in reports),
            "claims": len(claims), "extended": len(extended), "confirmed": len(confirmed), "returned": len(returned)}


# ------------------------------------------------------------------------------------ Pilot

FILTER_TEXTS = ("xmzj", "民政", "第12")  # pinyin initials, a unit, task numbers: each key narrows the list


async def _interaction(db: str, rounds: int) -> dict[str, list[float]]:
    import asyncio

    from tui import make_app
    from tui.screens.tasks import TasksScreen
    from tui.testing import settle

    from models.db_url import is_server

    if is_server(db):  # a server ledger (benchmarks.server_bench): its state file beside the others'
        import tempfile

        state = Path(tempfile.gettempdir()) / f"taizhang-bench-{os.getpid()}.state.json"
    else:
        state = Path(db).with_suffix(".state.json")
    app = make_app(db, state_path=state)
    marks: list[float] = []

    def after(owner: Any, name: str) -> Any:
        """Wrap ``owner.name`` to note the time each call returns; give back the original."""
        original = getattr(owner, name)

        def timed(self: Any, *args: Any) -> Any:
            result = original(self, *args)
            marks.append(time.perf_counter())
            return result

        setattr(owner, name, timed)
        return original

    async def until_marked(what: str) -> float:
        limit = time.perf_counter() + 10
        while not marks:
            if time.perf_counter() > limit:
                raise TimeoutError(f"{what}: the screen did not update within 10 s")
            await asyncio.sleep(0.0005)
        return marks[-1]

    # TasksScreen._show puts a fetched page into the table; App._written runs a write's callback,
    # which for a tick updates the row's cells
    show = after(TasksScreen, "_show")
    written = after(type(app), "_written")
    out: dict[str, list[float]] = {"filter": [], "tick": []}
    try:
        async with app.run_test(size=(120, 36)) as pilot:
            await settle(pilot)
            await pilot.press("2")
            await settle(pilot)
            if not isinstance(app.screen, TasksScreen):
                raise RuntimeError(f"key 2 showed {type(app.screen).__name__}, not the task list")
            for _ in range(rounds):
                await pilot.press("slash")
                for text in FILTER_TEXTS:
                    for ch in text:
                        marks.clear()
                        start = time.perf_counter()
                        await pilot.press(ch)
                        out["filter"].append(await until_marked(f"typing {ch!r}") - start)
                    await settle(pilot)
                    await pilot.press("ctrl+u")
                    await settle(pilot)
                await pilot.press("enter")
                await settle(pilot)
                for _ in range(3):
                    marks.clear()
                    start = time.perf_counter()
                    await pilot.press("space")
                    out["tick"].append(await until_marked("ticking") - start)
                    await settle(pilot)
                    await pilot.press("down")
                    await settle(pilot)
    finally:
        TasksScreen._show = show  # type: ignore[method-assign]
        type(app)._written = written  # type: ignore[method-assign]
    return out


def interaction(db: str, rounds: int) -> dict[str, list[float]]:
    import asyncio

    return asyncio.run(_interaction(db, rounds))


def main(argv: list[str]) -> int:
    what, *args = argv
    if what == "empty-db":
        from models.store import prepare

        prepare(Path(args[0]))
    elif what == "record-export":
        record_export(*args)
    elif what == "queries":
        print(json.dumps(queries(args[0], int(args[1]), *args[2:])))
    elif what == "round-ledger":
        print(json.dumps(round_ledger(args[0])))
    elif what == "interaction":
        print(json.dumps(interaction(args[0], int(args[1]))))
    else:
        print(f"unknown probe {what!r}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
