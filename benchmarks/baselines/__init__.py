"""Baseline scripts, each run as a whole process by ``benchmarks.figures`` (not imported)."""
