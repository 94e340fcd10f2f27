"""Wall time of ``riskcurve report``, without and with PNG charts, as a user runs it.

Run: ``.venv/bin/python benchmarks/bench_report.py [--runs 3] [--store PATH] [--as-of DAY]``

Each variant runs as a whole new process (start-up, opening the store, every section, writing
the HTML, and for the second the PNGs rendered by the system Chromium), ``--runs`` times,
interleaved, on a store filled from the snapshot unless ``--store`` is given. Prints the median
and the range of the wall time of each, and the median CPU time (user + system, the process and
its children, Chromium included) - the steadier figure when other work shares the machine. The
default as-of day is the store's own (the last day RUT, GSPC and BTC share), with the report's
default 2,000 resamples.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from installed import byte_compile
from snapshot_store import snapshot_store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="runs of each variant (default 3)")
    parser.add_argument("--store", help="a filled store (default: a temporary one filled from the snapshot)")
    parser.add_argument("--as-of", help="the day to report on (default: the store's)")
    options = parser.parse_args()
    byte_compile()
    with snapshot_store(options.store) as store, tempfile.TemporaryDirectory() as folder:
        path = str(store.path)
        store.close()
        base = [sys.executable, "-m", "riskcurve", "report", "--store", path, "--out", f"{folder}/report.html"]
        if options.as_of:
            base += ["--as-of", options.as_of]
        variants = {"report --no-png": [*base, "--no-png"], "report --png": [*base, "--png"]}
        times: dict[str, list[float]] = {name: [] for name in variants}
        cpu: dict[str, list[float]] = {name: [] for name in variants}
        for _ in range(options.runs):
            for name, argv in variants.items():
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                began = time.perf_counter()
                subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                times[name].append(time.perf_counter() - began)
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                cpu[name].append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        charts = len(list(Path(folder, "report-png").glob("*.png")))
    print(f"riskcurve report, {options.runs} runs each, whole process; {charts} PNG charts")
    for name, values in times.items():
        print(
            f"{name:18} median {statistics.median(values):6.2f} s  (min {min(values):.2f}, max {max(values):.2f}); "
            f"CPU of the process and its children, median {statistics.median(cpu[name]):.2f} s"
        )
    print("On a machine shared with other work, the CPU time is the steadier figure: wall time adds the waiting.")


if __name__ == "__main__":
    main()
