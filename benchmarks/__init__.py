"""Speed and memory benchmarks of taizhang (issue 6): ``python -m benchmarks [--quick] [--only NAME]``.

Every figure a user waits for is a whole process, timed from spawn to exit (or to a marker on the
terminal) and compared with a baseline process measured in the same round, alternated so machine
load hits both alike; the ratio quoted is the median of the per-round ratios. Peak memory is the
child's own ``ru_maxrss`` from ``os.wait4``. The parent imports nothing heavy (see
``benchmarks.measure``), so no child inherits a large resident set from it.

Modules: ``real_data`` (the real-shaped division table every budget is judged on: category rows,
four yearly target columns, 0–6 co-operating units with their persons, issue 17), ``data`` (the
first, plainer table, kept as a second case), ``measure`` (children, pty, statistics),
``figures`` (what is measured and its budget), ``probes`` (code run inside child processes),
``baselines/`` (the baseline scripts), ``__main__`` (the command line and the table).
"""
