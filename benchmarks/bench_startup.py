"""Start-up time of the command line against a bare Python process that imports typer and rich.

Run: ``.venv/bin/python benchmarks/bench_startup.py [--runs 15] [--store PATH]``

Each command is run as a whole new process ``--runs`` times, interleaved (one run of each in
turn, so a burst of load on a shared machine hits all of them alike), after one warm-up run
each; the script prints the median and the spread of the wall times and each median's ratio to
the bare ``python -c "import typer, rich"`` (the floor for a typer CLI with rich output):

* ``riskcurve --help`` and ``riskcurve --version``: only the CLI's own modules;
* ``riskcurve series list``: opens the store and lists it (a store filled from the snapshot
  unless ``--store`` is given).

``python -X importtime -c "import riskcurve.cli"`` shows where any remaining time goes.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

from installed import byte_compile
from snapshot_store import snapshot_store


def _time(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="whole-process runs of each command (default 15)")
    parser.add_argument("--store", help="a filled store (default: a temporary one filled from the snapshot)")
    options = parser.parse_args()
    byte_compile()
    python = sys.executable
    cli = [python, "-m", "riskcurve"]
    with snapshot_store(options.store) as store:
        path = str(Path(store.path))
        store.close()
        commands = {
            'python -c "import typer, rich"': [python, "-c", "import typer, rich"],
            "riskcurve --help": [*cli, "--help"],
            "riskcurve --version": [*cli, "--version"],
            "riskcurve series list": [*cli, "series", "list", "--store", path],
        }
        for argv in commands.values():
            _time(argv)  # warm the file cache and the bytecode
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(options.runs):
            for name, argv in commands.items():
                times[name].append(_time(argv))
    bare = statistics.median(times['python -c "import typer, rich"'])
    print(f"start-up, {options.runs} runs each, interleaved; {sys.version.split()[0]}")
    print(f"{'command':32} {'median':>8} {'min':>8} {'max':>8} {'ratio':>7}")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"{name:32} {median:7.3f}s {min(values):7.3f}s {max(values):7.3f}s {median / bare:6.1f}x")
    print(f"ratio riskcurve --help / bare import: {statistics.median(times['riskcurve --help']) / bare:.1f}x")


if __name__ == "__main__":
    main()
