"""A basket that grows: regime and the digest with 12, 100 and 500 altcoins in the store.

Run: ``nice -n 10 .venv/bin/python benchmarks/bench_basket.py [--sizes 12,100,500] [--store PATH]``

For each size, in one process, a copy of a store filled from the snapshot (the catalogue's 12
altcoins) gets ``size - 12`` synthetic coins stored as ``riskcurve import --basket`` stores them
(:func:`riskcurve.data.ingest.coin_series`, written in one batch: one ``import`` per coin would
take 0.4 s each, mostly opening and closing the store). Each synthetic coin is one of the
snapshot's 12 altcoins replayed: its daily log returns, shifted by a random number of days and
scaled by a random factor in 0.7-1.3, from a random start (2014-2024) to a random end (a third
of them stop early, so coins join and leave as real ones do). Then, on the store's last common
day:

* **regime**: ``regime(store, as_of=D)``, warm (the second call on a fresh signal cache: the
  store's histories are read, every signal computed once more) and its median over ``--runs``;
* **the per-day regime baseline**: the same on ``--days`` other Fridays, each a new day, so
  every signal is computed over its whole history (what one ``riskcurve regime --as-of D`` does
  in a process that has read the store);
* **the digest**: ``compute_digest`` of the same day, warm, likewise;
* with ``--check``, the claims check (``run_claims``, what ``riskcurve check`` runs), warm, once;
* **peak memory**: each size is measured in a fresh process (the store's histories read once),
  whose peak resident size (``ru_maxrss``) covers all of the above, imports included; and the
  peak ``tracemalloc`` traced during the first (cold) regime and digest.

It prints each size's figures and the growth exponent fitted on log time against log coins
(from 12 to the largest size): 1 is linear, the issue's bar is "no faster than linearly".
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from snapshot_store import snapshot_store

from riskcurve.data.ingest import coin_series
from riskcurve.data.panel import MarketData
from riskcurve.data.store import Store
from riskcurve.data.symbols import ALTCOINS
from riskcurve.monitor import compute_digest
from riskcurve.signals import cache
from riskcurve.signals.regime import default_as_of, regime


def synthetic_coins(store: Store, count: int, seed: int = 17) -> list[tuple[str, pd.DataFrame]]:
    """``count`` coins' names and closes replayed from the store's altcoins (see the module docstring)."""
    rng = np.random.default_rng(seed)
    returns = {
        coin: np.log(store.prices(coin)["close"]).diff().dropna() for coin in ALTCOINS if coin in store.symbols()
    }
    end = max(series.index.max() for series in returns.values())
    files = []
    for number in range(count):
        source = returns[list(returns)[number % len(returns)]].to_numpy()
        start = pd.Timestamp("2014-01-01") + pd.Timedelta(days=int(rng.integers(0, 3650)))
        stop = end if number % 3 else start + pd.Timedelta(days=int(rng.integers(200, 2000)))
        days = pd.date_range(start, min(stop, end), freq="D")
        steps = np.roll(source, int(rng.integers(0, len(source))))
        steps = np.resize(steps, len(days)) * rng.uniform(0.7, 1.3)
        closes = float(rng.uniform(0.01, 50.0)) * np.exp(np.cumsum(steps))
        files.append((f"SYN{number:04d}", pd.DataFrame({"value": closes}, index=days.rename("date"))))
    return files


def _timed(call: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        call()
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def _peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024


def measure(path: Path, runs: int, days: int, check: bool = False) -> dict[str, float]:
    """Time regime, the per-day regime and the digest (and the claims check) on the store at ``path``."""
    with Store(path, read_only=True) as store:
        end, _ = default_as_of(store)
        cache.clear()
        gc.collect()
        tracemalloc.start()
        regime(store, end)
        compute_digest(MarketData(store, as_of=end))
        traced = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        cache.clear()
        regime(store, end)  # the store's histories stay read: warm from here on

        def fresh_regime() -> None:
            cache.clear()
            regime(store, end)

        def fresh_digest() -> None:
            cache.clear()
            compute_digest(MarketData(store, as_of=end))

        one_regime = _timed(fresh_regime, runs)
        one_digest = _timed(fresh_digest, runs)
        fridays = pd.date_range(end - pd.Timedelta(days=3 * 365), end, freq="W-FRI")
        sample = fridays[:: max(1, len(fridays) // days)][:days]
        cache.clear()
        began = time.perf_counter()
        for day in sample:
            regime(store, day)
        per_day = (time.perf_counter() - began) / len(sample)
        members = len(MarketData(store, as_of=end).basket())
        claims = float("nan")
        if check:
            from riskcurve.stats.claims import run_claims

            def fresh_check() -> None:
                cache.clear()
                run_claims(store, as_of=end)

            claims = _timed(fresh_check, 1)
    return {
        "check": claims,
        "coins": members,
        "regime": one_regime,
        "digest": one_digest,
        "per_day": per_day,
        "traced_mb": traced,
        "rss_mb": _peak_rss_mb(),
    }


def exponent(sizes: list[float], times: list[float]) -> float:
    """Slope of log time on log size (least squares)."""
    x = np.log(sizes)
    y = np.log(times)
    return float(np.polyfit(x, y, 1)[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="12,100,500", help="basket sizes, comma-separated (12 = catalogue only)")
    parser.add_argument("--runs", type=int, default=3, help="warm runs of regime and of the digest per size")
    parser.add_argument("--days", type=int, default=3, help="Fridays of the per-day regime baseline per size")
    parser.add_argument("--store", help="a filled store (copied; default: filled from the snapshot)")
    parser.add_argument("--check", action="store_true", help="also time the claims check (run_claims), once a size")
    parser.add_argument("--measure", help=argparse.SUPPRESS)  # the child process: measure this store
    options = parser.parse_args()
    if options.measure:
        print(json.dumps(measure(Path(options.measure), options.runs, options.days, options.check)))
        return
    sizes = sorted({int(size) for size in options.sizes.split(",")})
    rows = []
    with snapshot_store(options.store) as source, tempfile.TemporaryDirectory() as folder:
        base = len([coin for coin in ALTCOINS if coin in source.symbols()])
        source.close()
        path = Path(folder) / "basket.duckdb"
        shutil.copy(source.path, path)
        held = base
        with Store(path, read_only=True) as store:
            made = synthetic_coins(store, max(sizes) - base)
        for size in sizes:
            began = time.perf_counter()
            batch = [coin_series(closes, name, "synthetic") for name, closes in made[held - base : size - base]]
            if batch:
                with Store(path) as store:
                    store.write([fetched for fetched, _ in batch], {meta.symbol: meta for _, meta in batch})
            held = max(held, size)
            filled = time.perf_counter() - began
            # A fresh process per size: its peak memory is that size's alone.
            child = [sys.executable, __file__, "--measure", str(path), "--runs", str(options.runs)]
            child += ["--days", str(options.days), *(["--check"] if options.check else [])]
            done = subprocess.run(child, capture_output=True, text=True, check=True)
            row = json.loads(done.stdout.strip().splitlines()[-1])
            rows.append(row)
            print(
                f"{row['coins']:>4} coins: regime {row['regime']:.2f} s, digest {row['digest']:.2f} s, "
                f"per-day regime {row['per_day']:.2f} s/day"
                + (f", check {row['check']:.2f} s" if options.check else "")
                + f"; peak traced {row['traced_mb']:.0f} MB, "
                f"peak RSS of the process {row['rss_mb']:.0f} MB (storing the coins took {filled:.1f} s)",
                flush=True,
            )
    coins = [row["coins"] for row in rows]
    span = f"fitted {coins[0]:.0f}-{coins[-1]:.0f}"
    print(f"\ngrowth exponent, slope of log time on log coins (1 = linear; {span}", end="")
    print(f", and from {coins[-2]:.0f} to {coins[-1]:.0f} coins):" if len(rows) > 2 else "):")
    labels = {"regime": "regime", "digest": "digest", "per_day": "per-day regime", "traced_mb": "traced memory"}
    if options.check:
        labels["check"] = "claims check"
    for key, label in labels.items():
        values = [row[key] for row in rows]
        last_step = f"  {exponent(coins[-2:], values[-2:]):.2f}" if len(rows) > 2 else ""
        print(f"  {label:<16} {exponent(coins, values):.2f}{last_step}")
    if len(rows) >= 2:
        first, last = rows[0], rows[-1]
        extra = last["coins"] - first["coins"]
        print(
            f"each coin past the first {first['coins']:.0f} adds "
            f"{1000 * (last['regime'] - first['regime']) / extra:.1f} ms to regime, "
            f"{1000 * (last['digest'] - first['digest']) / extra:.1f} ms to the digest, "
            f"{(last['traced_mb'] - first['traced_mb']) / extra:.2f} MB traced"
        )
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = time.process_time() + children.ru_utime + children.ru_stime
    print(f"(python {sys.version.split()[0]}; {math.ceil(cpu)} s CPU in all, the measuring processes included)")


if __name__ == "__main__":
    main()
