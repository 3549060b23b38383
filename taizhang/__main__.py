from taizhang.cli import entry

raise SystemExit(entry())
