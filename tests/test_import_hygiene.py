"""The plain-Python layers and every command other than the TUI never load Textual."""

from __future__ import annotations

import pytest

import subprocess
import sys

from conftest import ROOT

# every test here that makes a ledger runs on a file and on a server (tests/conftest.py)
pytestmark = pytest.mark.both_engines

PROBE = """
import sys, runpy
sys.argv = {argv!r}
import models.db, models.operations, models.queries, importers, importers.load, exporters.json_dump, taizhang.cli, taizhang.demo
try:
    from taizhang.cli import main
    code = main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
loaded = sorted(m for m in sys.modules if m == "textual" or m.startswith("textual."))
print("TEXTUAL" if loaded else "CLEAN", code)
"""


def _probe(*argv: str) -> str:
    out = subprocess.run([sys.executable, "-c", PROBE.format(argv=["taizhang", *argv])], capture_output=True,
                         text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip().splitlines()[-1]


def test_layers_and_commands_do_not_import_textual(tmp_path):
    db = str(tmp_path / "h.db")
    assert _probe("--db", db, "export", str(tmp_path / "h.json")) == "CLEAN 0"
    assert _probe("--db", db, "demo", "--no-tui").startswith("CLEAN")
    assert _probe("--version") == "CLEAN 0"
