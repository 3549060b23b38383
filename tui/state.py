"""What the TUI remembers between runs (never ledger data): the group last shown and the folders
last used for import and export. A small JSON file in the user's config folder; a missing or
damaged file is simply an empty memory."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


def default_path() -> Path:
    from platformdirs import user_config_dir

    return Path(user_config_dir("taizhang", appauthor=False)) / "tui-state.json"


class UiState:
    def __init__(self, path: str | os.PathLike[str] | None = None):
        self.path = Path(path) if path else None
        self._data: dict[str, Any] = {}
        self._loaded = False

    def _file(self) -> Path:
        if self.path is None:
            self.path = default_path()
        return self.path

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        try:
            data = json.loads(self._file().read_text(encoding="utf-8"))
            if isinstance(data, dict):
                self._data = data
        except (OSError, ValueError):
            self._data = {}

    def get(self, key: str, default: Any = None) -> Any:
        self._load()
        return self._data.get(key, default)

    def set(self, key: str, value: Any) -> None:
        self._load()
        if self._data.get(key) == value:
            return
        self._data[key] = value
        try:
            path = self._file()
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps(self._data, ensure_ascii=False, indent=1), encoding="utf-8")
            os.replace(tmp, path)
        except OSError:
            pass  # remembering a folder is a convenience, never a reason to fail

    def folder(self, key: str) -> Path:
        """A remembered folder if it still exists, else the user's home."""
        value = self.get(key)
        if value:
            p = Path(value)
            if p.is_dir():
                return p
        return Path.home()
