"""File and folder browsers (Textual's DirectoryTree, without hidden files): one that shows the
files the importer reads, one that shows folders only."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DirectoryTree

IMPORTABLE = {".xlsx", ".xlsm", ".xls", ".ods", ".csv", ".docx", ".txt", ".md", ".pdf"}


class _Browser(DirectoryTree):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("backspace", "up", "上一级", tooltip="转到上一级文件夹"),
        Binding("ctrl+h", "up", "上一级", show=False),
    ]

    class Moved(Message):
        def __init__(self, path: Path) -> None:
            super().__init__()
            self.path = path

    def _visible(self, path: Path) -> bool:
        if path.name.startswith((".", "~$")):
            return False
        try:
            return path.is_dir()
        except OSError:
            return False

    def action_up(self) -> None:
        here = Path(self.path).resolve()
        if here.parent != here:
            self.path = here.parent
            self.post_message(self.Moved(here.parent))

    def go(self, path: Path) -> None:
        self.path = path
        self.post_message(self.Moved(path))


class FileBrowser(_Browser):
    """Folders and the files that can be imported."""

    def filter_paths(self, paths: Iterable[Path]) -> Iterable[Path]:
        out = []
        for p in paths:
            if p.name.startswith((".", "~$")):
                continue
            try:
                if p.is_dir() or p.suffix.lower() in IMPORTABLE:
                    out.append(p)
            except OSError:
                continue
        return out


class FolderBrowser(_Browser):
    """Folders only."""

    def filter_paths(self, paths: Iterable[Path]) -> Iterable[Path]:
        return [p for p in paths if self._visible(p)]
