"""The TUI's performance benchmark (issue 5): ``python -m tui.bench [--runs N] [--big PATH]``.

1. Startup, in fresh processes on a real pseudo-terminal (120×36): the time from spawning the
   interpreter to the first frame (the first bytes of the top bar on the terminal), and to the
   group's data on screen (its counts), for an empty ledger and for one with a 10,000-task group;
   against a bare Textual app (Header, DataTable, Footer) measured the same way. Peak memory (VmHWM)
   of the process when the data is on screen.
2. Interaction, through Textual's Pilot on the 10,000-task ledger: a keystroke in the `/` filter
   until its rows are in the table, and `space` until the ticked row shows 已完成.

Medians of ``--runs`` runs. Nothing here is imported by the App.
"""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import os
import pty
import select
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

BARE = """
from textual.app import App
from textual.widgets import DataTable, Footer, Header
class Bare(App):
    TITLE = "BAREAPP"
    def compose(self):
        yield Header()
        yield DataTable()
        yield Footer()
Bare().run()
"""

OURS = """
import sys
from tui import make_app
make_app(sys.argv[1], state_path=sys.argv[2]).run()
"""


def _spawn(code: str, args: list[str], markers: list[bytes], timeout: float = 30.0) -> tuple[list[float], int]:
    """Run ``python -c code`` on a pty; seconds from spawn until each marker first appears in
    the output, and the peak resident memory (kB) when the last one did."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 36, 120, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "COLORTERM": "truecolor", "TAIZHANG_TODAY": "2023-07-01"}
    env.pop("TEXTUAL", None)
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code, *args], stdin=slave, stdout=slave, stderr=slave,
                            cwd=ROOT, env=env, start_new_session=True)
    os.close(slave)
    seen = b""
    found: list[float] = []
    rss = 0
    try:
        while len(found) < len(markers):
            left = timeout - (time.perf_counter() - start)
            if left <= 0:
                raise TimeoutError(f"no {markers[len(found)]!r} after {timeout} s")
            ready, _, _ = select.select([master], [], [], left)
            if not ready:
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            seen += chunk
            while len(found) < len(markers) and markers[len(found)] in seen:
                found.append(time.perf_counter() - start)
        try:
            with open(f"/proc/{proc.pid}/status") as status:
                rss = next(int(line.split()[1]) for line in status if line.startswith("VmHWM"))
        except (OSError, StopIteration):
            rss = 0
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        os.close(master)
    return found, rss


def startup(big: Path, runs: int) -> dict[str, list[float]]:
    work = Path(tempfile.mkdtemp(prefix="taizhang-bench-"))
    empty = work / "empty.db"
    from models.store import prepare

    prepare(empty)
    state = str(work / "state.json")
    results: dict[str, list[float]] = {k: [] for k in (
        "bare first frame", "empty first frame", "empty data", "10k first frame", "10k data")}
    memory: dict[str, list[int]] = {"empty": [], "10k": []}
    ratios: dict[str, list[float]] = {k: [] for k in ("empty first frame", "empty data", "10k first frame",
                                                       "10k data")}
    for _ in range(runs):
        (bare,), _ = _spawn(BARE, [], [b"BAREAPP"])
        results["bare first frame"].append(bare)
        (first, data), rss = _spawn(OURS, [str(empty), state], ["总览".encode(), "还没有领导小组".encode()])
        results["empty first frame"].append(first)
        results["empty data"].append(data)
        memory["empty"].append(rss)
        (first2, data2), rss = _spawn(OURS, [str(big), state], ["总览".encode(), "任务 10000 项".encode()])
        results["10k first frame"].append(first2)
        results["10k data"].append(data2)
        memory["10k"].append(rss)
        for name, value in (("empty first frame", first), ("empty data", data), ("10k first frame", first2),
                            ("10k data", data2)):
            ratios[name].append(value / bare)  # the budget is a ratio within one run
    results["ratios"] = ratios  # type: ignore[assignment]
    shutil.rmtree(work, ignore_errors=True)
    results["memory kB"] = [statistics.median(memory["empty"]), statistics.median(memory["10k"])]
    return results


async def _interaction(big: Path, runs: int) -> dict[str, list[float]]:
    from tui import make_app
    from tui.screens.tasks import TasksScreen
    from tui.testing import settle

    work = Path(tempfile.mkdtemp(prefix="taizhang-bench-"))
    db = work / "big.db"
    shutil.copyfile(big, db)
    app = make_app(db, state_path=work / "state.json")
    marks: list[float] = []
    original_show = TasksScreen._show

    def timed_show(self, result):
        original_show(self, result)
        marks.append(time.perf_counter())

    TasksScreen._show = timed_show  # type: ignore[method-assign]
    original_written = type(app)._written

    def timed_written(self, *args):
        original_written(self, *args)
        marks.append(time.perf_counter())

    type(app)._written = timed_written  # type: ignore[method-assign]
    out: dict[str, list[float]] = {"filter keystroke": [], "tick": [], "filter SQL": []}
    try:
        async with app.run_test(size=(120, 36)) as pilot:
            await settle(pilot)
            await pilot.press("2")
            await settle(pilot)
            screen = app.screen
            for _ in range(runs):
                await pilot.press("slash")
                for text in ("xmzj", "民政", "第12"):
                    for ch in text:
                        marks.clear()
                        t0 = time.perf_counter()
                        await pilot.press(ch)
                        while not marks:
                            await asyncio.sleep(0.0005)
                        out["filter keystroke"].append(marks[-1] - t0)
                    await settle(pilot)
                    await pilot.press("ctrl+u")
                    await settle(pilot)
                await pilot.press("enter")
                await settle(pilot)
                for _ in range(3):
                    marks.clear()
                    t0 = time.perf_counter()
                    await pilot.press("space")
                    while not marks:
                        await asyncio.sleep(0.0005)
                    out["tick"].append(marks[-1] - t0)
                    await settle(pilot)
                    await pilot.press("down")
            assert isinstance(screen, TasksScreen)
        from models.clock import today
        from tui import data

        reader = data.Reader(db)
        group = data.groups(reader._conn)[0]
        for text in ("xmzj", "民政", "第12"):
            t0 = time.perf_counter()
            data.task_page(reader._conn, group.id, data.TaskFilter(search=text), today(), 0, 31)
            out["filter SQL"].append(time.perf_counter() - t0)
        reader.close()
    finally:
        TasksScreen._show = original_show  # type: ignore[method-assign]
        type(app)._written = original_written  # type: ignore[method-assign]
        shutil.rmtree(work, ignore_errors=True)
    import resource

    out["max RSS of the Pilot process kB"] = [resource.getrusage(resource.RUSAGE_SELF).ru_maxrss]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tui.bench")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--big", default="/tmp/big.db", help="a ledger with one 10,000-task group")
    args = parser.parse_args(argv)
    big = Path(args.big)
    if not big.is_file():
        print(f"{big} is missing: python tests/data/bigtable.py /tmp/big.xlsx 10000 && "
              f"taizhang --db {big} import /tmp/big.xlsx", file=sys.stderr)
        return 2
    os.environ["TAIZHANG_TODAY"] = "2023-07-01"
    results = startup(big, args.runs)
    results.update(asyncio.run(_interaction(big, args.runs)))
    ratios = results.pop("ratios")
    for name, values in results.items():
        median = statistics.median(values)
        if "kB" in name:
            print(f"{name:34s} {median / 1024:8.1f} MB" if len(values) == 1 else
                  f"{name:34s} empty {values[0] / 1024:.1f} MB, 10k {values[1] / 1024:.1f} MB")
            continue
        ratio = (f"  ratio to the bare app's first frame in the same run: median {statistics.median(ratios[name]):.2f}×"
                 f" (max {max(ratios[name]):.2f}×)" if name in ratios else "")
        p90 = sorted(values)[int(0.9 * (len(values) - 1))]
        print(f"{name:34s} {median * 1000:8.1f} ms  (n={len(values)}, min {min(values) * 1000:.1f}, "
              f"p90 {p90 * 1000:.1f}, max {max(values) * 1000:.1f}){ratio}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
