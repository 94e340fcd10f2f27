"""No test depends on where the snapshot ends: the snapshot-bound integration tests, rerun on a copy
of the snapshot cut at an earlier date, still pass.

The snapshot grows (it was extended once already, and 7 tests broke because they had the old end
date written into them). Tests must pin an as-of date or derive their expectations from the data;
this test holds them to it by running them in a subprocess whose ``RISKCURVE_SNAPSHOT`` points to a
copy that stops on :data:`CUT`.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
#: Before every end of the extended snapshot (silver 2026-07-10, gold and altcoins 2026-07-20, the
#: rest 2026-08) and after every day a test reads: the pinned as-of days (2026-02-20), and the
#: watch's forecasts, whose windows run to 2026-04-21 and which it checks on 2026-05-01/02. A test
#: that needs data past this day must pin its own copy; one that expects the snapshot to end on a
#: given day fails here.
CUT = "2026-06-30"
#: The integration tests that read the filled snapshot store and once had its end date in them.
SUBSET = (
    "tests/integration/test_leadlag_cli.py",
    "tests/integration/test_signals_on_snapshot.py",
    "tests/integration/test_study_cli.py",
    "tests/integration/test_report.py",
    "tests/integration/test_watch.py",
    "tests/integration/test_backtest_cli.py",
    "tests/integration/test_claims.py",
    "tests/integration/test_conditional_cli.py",
    "tests/integration/test_derived_on_snapshot.py",
)


def cut_snapshot(source: Path, target: Path, last_day: str) -> dict[str, str]:
    """Copy every CSV of ``source`` into ``target``, keeping only rows dated ``last_day`` or earlier.

    Returns
    -------
    dict
        The last date kept per file (``"prices/BTC.csv" -> "2026-03-31"``), to check the cut.
    """
    last: dict[str, str] = {}
    for path in sorted(source.glob("*/*.csv")):
        relative = path.relative_to(source)
        (target / relative.parent).mkdir(parents=True, exist_ok=True)
        with (
            path.open(newline="", encoding="utf-8") as src,
            (target / relative).open("w", newline="", encoding="utf-8") as dst,
        ):
            reader = csv.reader(src)
            writer = csv.writer(dst, lineterminator="\n")
            header = next(reader)
            writer.writerow(header)
            for row in reader:
                if row and row[0] <= last_day:  # ISO dates order as strings
                    writer.writerow(row)
                    last[str(relative)] = row[0]
    return last


def test_cut_snapshot_keeps_only_earlier_rows(snapshot_root: Path, tmp_path: Path) -> None:
    last = cut_snapshot(snapshot_root, tmp_path, CUT)
    assert set(last) == {str(p.relative_to(snapshot_root)) for p in snapshot_root.glob("*/*.csv")}
    assert max(last.values()) == CUT  # daily series reach the cut, nothing passes it
    full_btc = (snapshot_root / "prices" / "BTC.csv").read_text().splitlines()[-1].split(",")[0]
    assert full_btc > CUT, "the snapshot no longer extends past the cut: move CUT earlier"


@pytest.mark.slow
def test_snapshot_bound_tests_pass_on_a_snapshot_cut_earlier(snapshot_root: Path, tmp_path: Path) -> None:
    cut = tmp_path / "snapshot"
    cut_snapshot(snapshot_root, cut, CUT)
    env = {
        **os.environ,
        "RISKCURVE_SNAPSHOT": str(cut),
        "RISKCURVE_REQUIRE_SNAPSHOT": "1",  # a missing snapshot must fail, not skip
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO / "src"), os.environ.get("PYTHONPATH")])),
    }
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *SUBSET],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    tail = "\n".join(done.stdout.splitlines()[-40:])
    assert done.returncode == 0, f"integration tests fail on a snapshot cut at {CUT}:\n{tail}\n{done.stderr[-2000:]}"
    assert " passed" in tail and " skipped" not in tail, tail
