"""The high-yield spread's shorter history on FRED is not a deletion.

Since about April 2026 FRED serves BAMLH0A0HYM2 (ICE BofA US High Yield OAS) only as a rolling
three-year window, ICE's licence keeping the older history to ICE Data Indices (reported by
eco3min.fr, "as of April 2026 FRED distributes only a rolling three-year window of the series").
The snapshot holds the series from 1996. A live update answered with the window must leave the
older rows in the store, count nothing as revised, and still add the new days.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import responses

from riskcurve.data.ingest import update
from riskcurve.data.providers.base import RetryPolicy
from riskcurve.data.providers.fred import CSV_URL, FredProvider
from riskcurve.data.store import Store

SYMBOL = "BAMLH0A0HYM2"
WINDOW_START = "2023-04-20"
NEW_VALUES = ("3.25", "3.30")


@pytest.fixture
def mocked() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        yield rsps


@pytest.fixture
def hy_snapshot(snapshot_root: Path, tmp_path: Path) -> Path:
    root = tmp_path / "snapshot"
    (root / "macro").mkdir(parents=True)
    shutil.copy(snapshot_root / "macro" / f"{SYMBOL}.csv", root / "macro" / f"{SYMBOL}.csv")
    return root


def window_csv(snapshot: Path) -> str:
    """FRED's fredgraph.csv for the series as served now: three years, ending with two new days."""
    frame = pd.read_csv(snapshot / "macro" / f"{SYMBOL}.csv", dtype=str)
    kept = frame[frame["date"] >= WINDOW_START]
    lines = [f"observation_date,{SYMBOL}", *(f"{d},{v}" for d, v in zip(kept["date"], kept["value"], strict=True))]
    lines += [f"{d},{v}" for d, v in new_days(snapshot)]
    return "\n".join(lines) + "\n"


def new_days(snapshot: Path) -> list[tuple[str, str]]:
    """Two business days after the snapshot's last row, wherever it ends, with made-up values."""
    last = pd.read_csv(snapshot / "macro" / f"{SYMBOL}.csv", usecols=["date"])["date"].max()
    days = pd.bdate_range(pd.Timestamp(last) + pd.Timedelta(days=1), periods=len(NEW_VALUES))
    return [(d.strftime("%Y-%m-%d"), v) for d, v in zip(days, NEW_VALUES, strict=True)]


def fred() -> FredProvider:
    return FredProvider(api_key="", policy=RetryPolicy(attempts=1), min_interval=0.0)


def test_live_update_keeps_the_history_fred_no_longer_serves(
    hy_snapshot: Path, tmp_path: Path, mocked: responses.RequestsMock
) -> None:
    mocked.get(CSV_URL, body=window_csv(hy_snapshot))
    with Store(tmp_path / "store.duckdb") as store:
        update(store, snapshot=hy_snapshot, offline=True)
        before = store.observations(SYMBOL)
        result = update(store, [SYMBOL], probe=lambda: True, providers={"fred": fred()})
        after = store.observations(SYMBOL)

    assert before.index[0] == pd.Timestamp("1996-12-31")
    assert after.index[0] == pd.Timestamp("1996-12-31")
    assert (result.rows_new, result.rows_revised) == (len(NEW_VALUES), 0)
    pd.testing.assert_frame_equal(after.iloc[: len(before)], before)
    assert after["value"].iloc[-2:].tolist() == [3.25, 3.30]


def test_a_full_refetch_of_the_window_deletes_nothing(
    hy_snapshot: Path, tmp_path: Path, mocked: responses.RequestsMock
) -> None:
    # Even asked for everything (no start), FRED gives the window; rows before it stay.
    mocked.get(CSV_URL, body=window_csv(hy_snapshot))
    got = fred().fetch(SYMBOL)
    assert got.frame.index[0] == pd.Timestamp(WINDOW_START)
    with Store(tmp_path / "store.duckdb") as store:
        update(store, snapshot=hy_snapshot, offline=True)
        rows_before = len(store.observations(SYMBOL))
        (stats,) = store.write([got], {SYMBOL: store.meta(SYMBOL)})
        kept = store.observations(SYMBOL)

    assert (stats.rows_new, stats.rows_revised) == (len(NEW_VALUES), 0)
    assert len(kept) == rows_before + len(NEW_VALUES)
    assert kept.loc[:"2023-04-19", "value"].notna().all() and kept.index[0] == pd.Timestamp("1996-12-31")
