"""The benchmarks still run (issue 6): a quick, cheap figure end to end. No timing is asserted."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_quick_benchmark_prints_the_table(tmp_path):
    out = tmp_path / "bench.json"
    result = subprocess.run([sys.executable, "-m", "benchmarks", "--quick", "--only", "queries", "--tasks", "200",
                             "--json", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    header = result.stdout.splitlines()[0].split()
    assert header == ["figure", "median", "min", "max", "baseline", "ratio", "budget", "ok"]
    assert "总览 counts" in result.stdout
    rows = json.loads(out.read_text(encoding="utf-8"))["rows"]
    figures = [r["figure"] for r in rows]
    for name in ("总览 counts (whole read), 200", "总览 ranking (judged, by lead unit), 200"):
        assert name in figures, figures


def test_unknown_figure_is_a_usage_error():
    result = subprocess.run([sys.executable, "-m", "benchmarks", "--only", "nothing"], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "nothing" in result.stderr
