"""`taizhang undo` and `taizhang redo`: the TUI's ctrl+z and ctrl+y from the command line (an import
made by mistake is taken back, and put back, without opening the window)."""

from __future__ import annotations

EXIT_OK, EXIT_BAD_INPUT = 0, 1


def undo_redo_command(command: str, db) -> tuple[int, str]:
    """Undo (``command`` "undo") or redo the last change in the ledger ``db``; the exit status and
    the line to print (an error's message goes to stderr)."""
    from models import operations as ops
    from models.errors import OperationError

    try:
        if command == "undo":
            done = ops.undo(db)
            return EXIT_OK, f"已撤销：{done}" if done else "没有可以撤销的修改。"
        done = ops.redo(db)
        return EXIT_OK, f"已重做：{done}" if done else "没有可以重做的修改（没有撤销过，或撤销之后又做了别的修改）。"
    except OperationError as exc:
        return EXIT_BAD_INPUT, str(exc)
