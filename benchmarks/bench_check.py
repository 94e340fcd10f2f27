"""How long ``check`` takes on the whole built-in pack: plain, and with ``--robustness``.

The store is warm (opened once, the first run discarded); each figure is the best of ``--repeat``
runs of :func:`riskcurve.stats.claims.run_claims`, the function ``riskcurve check`` calls (the
command adds its imports, about 1.5 s on an idle machine). Targets (issue 18): under 2 s, and
under 20 s with robustness. Numbers taken on the shared 2-core machine under load are marked so.

Run: ``python benchmarks/bench_check.py [--store FILE] [--repeat N]``.
"""

from __future__ import annotations

import argparse
import time

from snapshot_store import snapshot_store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--store", help="a store file (default: a temporary one filled from the snapshot)")
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()

    from riskcurve.stats.claims import builtin_claims, run_claims

    claims = builtin_claims()
    with snapshot_store(args.store) as store:
        run_claims(store, claims)  # warm the store's caches and the imports
        for label, robustness in (("check", False), ("check --robustness", True)):
            best = float("inf")
            for _ in range(args.repeat):
                started = time.perf_counter()
                results = run_claims(store, claims, robustness=robustness)
                best = min(best, time.perf_counter() - started)
            print(f"{label:<22} {len(results)} claims  best of {args.repeat}: {best:6.2f} s")


if __name__ == "__main__":
    main()
