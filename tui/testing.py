"""Helpers for driving the App in tests and benchmarks (not used by the App itself)."""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from functools import cache
from pathlib import Path
from collections.abc import Iterator
from typing import Any


@cache
def demo_template() -> Path:
    """A ledger file with the demo data (the five groups of ``taizhang demo``), built once per
    process; copy it with :func:`demo_copy` before changing it."""
    import os

    from models.db import Database
    from taizhang.demo import load_demo

    folder = Path(tempfile.mkdtemp(prefix="taizhang-demo-"))
    path = folder / "demo.db"
    old = os.environ.get("TAIZHANG_TODAY")
    os.environ["TAIZHANG_TODAY"] = "2023-07-01"
    try:
        db = Database(path)
        try:
            for _ in load_demo(db):
                pass
        finally:
            db.close()
    finally:
        if old is None:
            os.environ.pop("TAIZHANG_TODAY", None)
        else:
            os.environ["TAIZHANG_TODAY"] = old
    import sqlite3

    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return path


def demo_copy(folder: Path, name: str = "台账.db") -> Path:
    target = Path(folder) / name
    shutil.copyfile(demo_template(), target)
    return target


async def settle(pilot: Any, rounds: int = 3) -> None:
    """Wait until the app has no work left: workers done, messages handled, screen drawn."""
    app = pilot.app
    for _ in range(rounds):
        await pilot.pause()
        await wait_for_workers(app)
        await pilot.pause()


async def wait_for_workers(app: Any) -> None:
    """Wait for the app's workers, except DirectoryTree's loader (it runs as long as the tree). A
    worker that failed raises here (``WorkerFailed``); a cancelled one has simply finished."""
    from textual.worker import WorkerCancelled

    for worker in list(app.workers):
        if worker.group in ("_loader", "listen") or worker.is_finished:  # these run as long as the window
            continue
        with contextlib.suppress(WorkerCancelled):
            await worker.wait()


@contextlib.contextmanager
def failing_on_errors() -> Iterator[list[BaseException]]:
    """While inside, every worker that ends with an exception and every error the window caught
    without a message of its own (``TaizhangApp.unexpected_error``, shown as 出错了) is collected;
    at the end they are raised, so a test fails on a crash it caused even when the window went on.
    tests/conftest.py wraps every test in it."""
    from textual.worker import Worker, WorkerState

    from tui.app import TaizhangApp

    errors: list[BaseException] = []
    original = Worker._run

    async def run(worker: Any, app: Any) -> None:
        await original(worker, app)
        if worker.state == WorkerState.ERROR and worker.error is not None:
            errors.append(worker.error)

    Worker._run = run  # type: ignore[method-assign]
    TaizhangApp.on_unexpected_error = errors.append  # type: ignore[assignment]
    try:
        yield errors
    finally:
        Worker._run = original  # type: ignore[method-assign]
        TaizhangApp.on_unexpected_error = None
    if errors:
        raise AssertionError(f"{len(errors)} error(s) in the window: " + "; ".join(map(repr, errors))) from errors[0]


async def palette_offers(pilot: Any, text: str, rounds: int = 50) -> None:
    """Wait (in rounds of ``settle``, not time) until the command palette's highlighted command
    contains ``text``: its search runs in a worker and shows results in batches."""
    from textual.command import CommandList

    for _ in range(rounds):
        await settle(pilot)
        found = pilot.app.screen.query(CommandList)
        command_list = found.first() if found else None
        if command_list is not None and command_list.highlighted is not None:
            prompt = command_list.get_option_at_index(command_list.highlighted).prompt
            if text in str(getattr(prompt, "plain", prompt)):
                return
    raise AssertionError(f"the command palette never offered {text!r}")


def group_id(app: Any, name_part: str) -> Any:
    return next(g for g in app.groups if name_part in g.name)


async def choose_group(pilot: Any, name_part: str) -> None:
    """Make the group whose name contains ``name_part`` the current one (as `g` would)."""
    app = pilot.app
    await settle(pilot)
    app.choose_group(group_id(app, name_part))
    await settle(pilot)


async def task_list(pilot: Any, name_part: str) -> Any:
    """Choose the group, open its task list (key 2) and return the highlighted task."""
    await choose_group(pilot, name_part)
    await pilot.press("2")
    await settle(pilot)
    return pilot.app.screen.current_task()


def text_of(widget: Any, width: int = 200) -> str:
    """The plain text a Static shows (its content rendered as the terminal would)."""
    from rich.console import Console

    console = Console(width=width, record=True, file=__import__("io").StringIO(), color_system=None)
    content = widget.content
    console.print(content)
    return console.export_text()
