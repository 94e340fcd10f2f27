"""Time of an as-of change in the live dashboard, as a user feels it: in Chromium, end to end.

Run: ``.venv/bin/python benchmarks/bench_dashboard.py [--changes 15] [--store PATH] [--seed 1]``

The dashboard is served exactly as ``riskcurve dashboard`` serves it (waitress, 127.0.0.1, an
ephemeral port) over a store filled from the snapshot, and Debian's Chromium
(``/usr/bin/chromium``) is driven by Playwright. After the first page load (timed on its own),
the as-of date is moved ``--changes`` times to days the page has not shown yet (seeded draws
between 2016 and the snapshot's default day, so no answer comes from the dashboard's cache).
Each change is timed from pressing Enter in the date field to the moment the regime panel shows
the new day and no component is loading any more (every chart, the regime panel and the event
study redrawn). The script prints the median and the 95th percentile.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from snapshot_store import snapshot_store

from riskcurve.dashboard.app import create_app
from riskcurve.dashboard.server import start
from riskcurve.signals.regime import default_as_of

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
TIMEOUT_MS = 300_000
SETTLED = "() => document.querySelectorAll('[data-dash-is-loading=\"true\"]').length === 0"
SHOWS = "(day) => (document.getElementById('regime-as-of') || {}).textContent === day"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--changes", type=int, default=15, help="as-of changes timed (default 15)")
    parser.add_argument("--store", help="a filled store (default: a temporary one filled from the snapshot)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the days drawn (default 1)")
    options = parser.parse_args()
    if not CHROMIUM.is_file():
        sys.exit(f"{CHROMIUM} is missing (Debian: apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with snapshot_store(options.store) as store:
        path = Path(store.path)
        last = default_as_of(store)[0]
        store.close()
        rng = np.random.default_rng(options.seed)
        candidates = pd.bdate_range("2016-01-04", last - pd.Timedelta(days=1))
        picks = rng.choice(len(candidates), size=options.changes, replace=False)
        days = [candidates[int(i)].date().isoformat() for i in picks]
        state = random.getstate()  # Playwright's client draws from the global RNG; leave it as found
        with start(create_app(path).server) as server, sync_playwright() as playwright:
            random.setstate(state)
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            began = time.perf_counter()
            page.goto(server.url)
            page.wait_for_function(SHOWS, arg=last.date().isoformat(), timeout=TIMEOUT_MS)
            page.wait_for_function(SETTLED, timeout=TIMEOUT_MS)
            first_load = time.perf_counter() - began
            times = []
            for day in days:
                page.fill("#as-of", day)
                began = time.perf_counter()
                page.keyboard.press("Enter")
                page.wait_for_function(SHOWS, arg=day, timeout=TIMEOUT_MS)
                page.wait_for_function(SETTLED, timeout=TIMEOUT_MS)
                times.append(time.perf_counter() - began)
                page.keyboard.press("Escape")  # close the calendar pop-up
            browser.close()
    ordered = sorted(times)
    p95 = float(np.percentile(ordered, 95))
    print(f"dashboard (waitress, Chromium via Playwright), store {'given' if options.store else 'from the snapshot'}")
    print(f"first page load (default day {last.date()}): {first_load:.2f} s")
    print(
        f"as-of change, {len(times)} new days: median {statistics.median(times):.2f} s, p95 {p95:.2f} s, "
        f"min {ordered[0]:.2f} s, max {ordered[-1]:.2f} s"
    )


if __name__ == "__main__":
    main()
