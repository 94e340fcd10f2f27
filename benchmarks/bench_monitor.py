"""The monitor's speed: one digest, the weekly and the daily back-fill, against the per-day regime.

Run: ``.venv/bin/python benchmarks/bench_monitor.py [--regime-days 20] [--store PATH]``

In one process, on a store filled from the snapshot (a writable copy, since the back-fill
stores its rows):

* **one digest** on a warm store: ``compute_digest`` of the store's last day, timed on its
  second call (the first one reads the store);
* **the weekly back-fill** (``riskcurve digest --history --freq W``): every Friday from the first
  day the chain can be read (2015 on the snapshot) to the store's end, stored;
* **the daily back-fill** (``--freq D``): every day over the same span, stored;
* **the baseline**: ``regime(store, as_of=D)``, the per-day computation of every signal over its
  whole history, on ``--regime-days`` Fridays spread over the span; its mean per day times the
  number of days is what a back-fill built on it would take, and the printed ratio compares that
  with the back-fill. Each back-fill includes building its monitor (every signal computed once).
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import pandas as pd
from snapshot_store import snapshot_store

from riskcurve.data.panel import MarketData
from riskcurve.data.store import Store
from riskcurve.monitor import compute_digest
from riskcurve.monitor.history import backfill
from riskcurve.signals import cache
from riskcurve.signals.regime import default_as_of, regime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--regime-days", type=int, default=20, help="Fridays of the per-day regime baseline")
    parser.add_argument("--store", help="a filled store (copied; default: filled from the snapshot)")
    options = parser.parse_args()
    with snapshot_store(options.store) as source, tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.duckdb"
        source.close()
        shutil.copy(source.path, path)
        with Store(path) as store:
            end, _ = default_as_of(store)
            compute_digest(MarketData(store, as_of=end))
            began = time.perf_counter()
            compute_digest(MarketData(store, as_of=end))
            one = time.perf_counter() - began
            weekly = backfill(store, freq="W")
            daily = backfill(store, freq="D")
            fridays = pd.date_range(weekly.start, weekly.end, freq="W-FRI")
            sample = fridays[:: max(1, len(fridays) // options.regime_days)][: options.regime_days]
            cache.clear()
            began = time.perf_counter()
            for day in sample:
                regime(store, day)
            per_day = (time.perf_counter() - began) / len(sample)
    print(f"one digest (warm store, {end.date()}): {one:.2f} s")
    print(f"per-day regime baseline: {per_day:.3f} s a day (mean of {len(sample)} Fridays)")
    for name, run in (("weekly", weekly), ("daily", daily)):
        baseline = per_day * run.days
        print(
            f"{name} back-fill: {run.days} digests {run.start} to {run.end} in {run.seconds:.1f} s "
            f"(per-day regime would take ~{baseline:.0f} s: {baseline / run.seconds:.0f}x)"
        )


if __name__ == "__main__":
    main()
