"""Mutation testing: mutmut (configured in pyproject.toml, [tool.mutmut]) mutates the modules named
there, runs the tests named there against each mutant, and this prints the score as its last line:

    mutation score: K/M killed (P%)

K counts the mutants a test failed on (killed, or ran out of time); M is every mutant less those
listed in mutation-equivalent.txt (beside pyproject.toml) that survived: a mutant that behaves
exactly as the code does cannot be killed. Survivors not listed there are printed (with their diffs: --diffs).

The run happens in a scratch copy of the project (mutmut writes a mutants/ folder), so the working
tree is left as it was. Usage:

    python scripts/mutation.py                                   # every module of the config
    python scripts/mutation.py --only importers/deadline.py      # one module (CI, ~1 minute)
    python scripts/mutation.py --min-score 85                    # exit 1 below 85 %
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EQUIVALENT = ROOT / "mutation-equivalent.txt"
SKIP = {".venv", ".git", "mutants", ".pytest_cache", ".hypothesis", "__pycache__", "build", "dist"}
KILLED = {1, 3, 36, -24, 24, 152, 255}  # mutmut's exit codes for killed and timeout


def equivalent_mutants() -> dict[str, str]:
    """The mutants judged equivalent: `name  # why` per line."""
    out: dict[str, str] = {}
    if EQUIVALENT.exists():
        for line in EQUIVALENT.read_text(encoding="utf-8").splitlines():
            name, _, why = line.partition("#")
            if name.strip():
                out[name.strip()] = why.strip()
    return out


def scratch_copy(target: Path, only: list[str]) -> None:
    def ignore(folder: str, names: list[str]) -> set[str]:
        return {n for n in names if n in SKIP or n.endswith((".db", ".db-wal", ".db-shm", ".egg-info"))}

    shutil.copytree(ROOT, target, ignore=ignore)
    if only:
        pyproject = target / "pyproject.toml"
        text = pyproject.read_text(encoding="utf-8")
        text = re.sub(r"^only_mutate = .*$", "only_mutate = " + json.dumps(only), text, count=1, flags=re.M)
        pyproject.write_text(text, encoding="utf-8")


def results(work: Path) -> dict[str, int | None]:
    """Every mutant's name and mutmut's exit code for it, from the mutants/*.meta files."""
    codes: dict[str, int | None] = {}
    for meta in sorted((work / "mutants").rglob("*.py.meta")):
        codes.update(json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"])
    return codes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", action="append", default=[], metavar="PATH",
                        help="mutate only this module (repeatable), e.g. importers/deadline.py")
    parser.add_argument("--max-children", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--min-score", type=float, default=None, help="exit 1 when the score is below this percent")
    parser.add_argument("--keep", action="store_true", help="keep the scratch copy and print its path")
    parser.add_argument("--diffs", action="store_true", help="print each unexcused survivor's diff (slow: mutmut show)")
    args = parser.parse_args(argv)

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mutmut"]
    for path in args.only:
        if path not in config["only_mutate"]:
            parser.error(f"{path} is not among the mutated modules in pyproject.toml: {config['only_mutate']}")
    modules = args.only or config["only_mutate"]

    work = Path(tempfile.mkdtemp(prefix="taizhang-mutation-")) / "project"
    try:
        scratch_copy(work, args.only)
        print(f"mutating {', '.join(modules)}; tests: {' '.join(config['pytest_add_cli_args_test_selection'])}",
              flush=True)
        log = work.parent / "mutmut.log"
        with log.open("w") as out:
            run = subprocess.run([sys.executable, "-m", "mutmut", "run", "--max-children", str(args.max_children)],
                                 cwd=work, stdout=out, stderr=subprocess.STDOUT)
        codes = results(work)
        if run.returncode != 0 or not codes:
            print(log.read_text(encoding="utf-8", errors="replace")[-4000:])
            print(f"mutmut failed (exit {run.returncode})")
            print("mutation score: 0/0 killed (0%)")
            return 1
        unchecked = [n for n, c in codes.items() if c is None]
        if unchecked:
            print(f"{len(unchecked)} mutants were not checked (mutmut stopped early)")
        equivalent = equivalent_mutants()
        survivors = sorted(n for n, c in codes.items() if c not in KILLED)
        excused = [n for n in survivors if n in equivalent]
        unexcused = [n for n in survivors if n not in equivalent]
        stale = sorted(n for n in equivalent if n in codes and n not in survivors)
        for name in unexcused:
            print(f"survived: {name} ({'no test ran it' if codes[name] in (5, 33) else 'tests passed'})")
            if args.diffs:
                diff = subprocess.run([sys.executable, "-m", "mutmut", "show", name], cwd=work,
                                      capture_output=True, text=True).stdout
                print(diff.strip())
        if stale:
            print("listed as equivalent but killed now (remove from mutation-equivalent.txt): " + ", ".join(stale))
        killed = sum(1 for c in codes.values() if c in KILLED)
        counted = len(codes) - len(excused)
        percent = 100 * killed / counted if counted else 0
        print(f"{len(codes)} mutants: {killed} killed, {len(unexcused)} survived, "
              f"{len(excused)} survived but judged equivalent ({EQUIVALENT.name}), not counted")
        if args.keep:
            print(f"scratch copy kept: {work}")
        print(f"mutation score: {killed}/{counted} killed ({percent:.1f}%)")
        return 1 if args.min_score is not None and percent < args.min_score else 0
    finally:
        if not args.keep:
            shutil.rmtree(work.parent, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
