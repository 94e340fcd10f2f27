"""The regime when an input has stopped: the link it feeds is unknown, named, and never dark or 0%."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from riskcurve.data.ingest import update
from riskcurve.data.store import Store
from riskcurve.signals.cascade import LINKS
from riskcurve.signals.regime import regime

PRICES = ("GSPC", "RUT", "BTC", "ETH", "GOLD", "SILVER")
MACRO = ("DGS10", "BAMLH0A0HYM2", "WALCL", "WTREGEN", "RRPONTSYD")


def _last_date(path: Path) -> pd.Timestamp:
    return pd.Timestamp(path.read_text().rstrip().splitlines()[-1].split(",", 1)[0])


@pytest.fixture(scope="module")
def spread_stopped(snapshot_root: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pd.Timestamp]:
    """A store whose high-yield spread stops five months before the rest (the issue's case)."""
    root = tmp_path_factory.mktemp("stopped") / "snapshot"
    (root / "prices").mkdir(parents=True)
    (root / "macro").mkdir()
    for name in PRICES:
        shutil.copy(snapshot_root / "prices" / f"{name}.csv", root / "prices" / f"{name}.csv")
    for name in MACRO:
        shutil.copy(snapshot_root / "macro" / f"{name}.csv", root / "macro" / f"{name}.csv")
    spread = root / "macro" / "BAMLH0A0HYM2.csv"
    lines = spread.read_text().splitlines(keepends=True)
    stop = _last_date(spread) - pd.Timedelta(days=150)
    kept = [line for line in lines[1:] if pd.Timestamp(line.split(",", 1)[0]) <= stop]
    spread.write_text(lines[0] + "".join(kept))
    path = root.parent / "rc.duckdb"
    with Store(path) as store:
        update(store, snapshot=root, offline=True)
    return path, pd.Timestamp(kept[-1].split(",", 1)[0])


def test_a_stopped_spread_makes_bonds_unknown_and_the_stage_a_range(
    spread_stopped: tuple[Path, pd.Timestamp], snapshot_root: Path
) -> None:
    path, stop = spread_stopped
    day = min(_last_date(snapshot_root / "prices" / f"{s}.csv") for s in ("GSPC", "RUT", "BTC", "ETH"))
    with Store(path, read_only=True) as store:
        item = regime(store, day.date()).item("cascade")
    bonds = item.state["links"]["bonds_credit"]
    assert bonds["state"] == "unknown" and bonds["lit"] is False
    assert f"no data since {stop.date().isoformat()}" in bonds["why"]
    assert "BAMLH0A0HYM2" in item.stale
    assert item.state["stage_low"] == 0 and item.state["stage_high"] > 0  # never a definite stage 0
    assert "stage 0/5" not in item.headline and "bonds & credit unknown" in item.headline
    assert f"no data since {stop.date().isoformat()}" in item.headline
    # The other links still read their own data.
    assert all(item.state["links"][link]["state"] in ("lit", "dark") for link in LINKS[1:])


def test_long_after_the_data_end_nothing_is_dark_since_a_later_date_and_btc_is_not_at_its_record(
    filled_store: Store, snapshot_root: Path
) -> None:
    btc = pd.read_csv(snapshot_root / "prices" / "BTC.csv", parse_dates=["date"]).set_index("date")["close"]
    day = btc.index[-1] + pd.Timedelta(days=30)
    picture = regime(filled_store, day.date())
    cascade = picture.item("cascade")
    assert all(info["state"] == "unknown" for info in cascade.state["links"].values())
    assert "dark since" not in cascade.headline and "lit since" not in cascade.headline
    for info in cascade.state["links"].values():
        assert info["since"] is not None and info["since"] > info["through"]  # unknown since the data ended
    divergence = picture.item("divergence")
    expected = 1 - btc.iloc[-1] / btc.max()
    assert "-0.0%" not in divergence.headline
    assert f"{-expected * 100:+.1f}% from its record at its last close ({btc.index[-1].date().isoformat()})" in (
        divergence.headline
    )
    assert divergence.state["divergence"] is None and divergence.state["btc_drawdown"] is None
    assert picture.item("altseason").headline.startswith("unknown")


def test_a_day_when_everything_is_current_reads_a_definite_stage(filled_store: Store, snapshot_root: Path) -> None:
    picture = regime(filled_store, "2021-01-15")
    cascade = picture.item("cascade")
    assert cascade.state["stage_low"] == cascade.state["stage_high"] == cascade.state["stage"]
    assert cascade.headline.startswith(f"stage {cascade.state['stage']}/5")
    assert not cascade.stale
