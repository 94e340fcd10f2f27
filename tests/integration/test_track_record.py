"""The back-fill on the snapshot fills hundreds of weekly digests, and the track record scores every closed one."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from riskcurve.data.panel import MarketData
from riskcurve.data.store import Store
from riskcurve.monitor.history import first_readable_day, load_forecasts, load_history
from riskcurve.monitor.inputs import load_inputs
from riskcurve.signals.regime import default_as_of

Cli = Callable[..., tuple[int, str, str]]


@pytest.fixture(scope="module")
def backfilled(filled_store_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    copy = tmp_path_factory.mktemp("history") / "riskcurve.duckdb"
    shutil.copy(filled_store_path, copy)
    return copy


@pytest.mark.slow
def test_weekly_backfill_fills_every_friday_since_the_chain_can_be_read(cli: Cli, backfilled: Path) -> None:
    code, out, err = cli("digest", "--history", "--freq", "W", "--store", str(backfilled), "--json")
    assert code == 0, err
    done = json.loads(out)
    with Store(backfilled, read_only=True) as store:
        end, _ = default_as_of(store)
        states = load_inputs(MarketData(store, as_of=end), claims=[]).states
        readable = first_readable_day(states)
        history = load_history(store)
        forecasts = load_forecasts(store)
    fridays = pd.date_range(readable, end, freq="W-FRI")
    assert done["days"] == len(fridays) == len(history) >= 500
    assert list(history.index) == list(fridays)
    assert done["first_readable"] == readable.date().isoformat()
    # Every link not lit has a probability per horizon, with its base rate and episode count.
    dark = history["digest"].map(lambda d: sum(link["state"] == "dark" for link in d["links"]))
    assert len(forecasts) == done["forecasts"] == int(dark.sum()) * 3
    # A base rate once some window of a dark link has closed; the shrunk figure exactly when one exists.
    assert forecasts["base_rate"].notna().mean() > 0.9 and (forecasts["episodes"] >= 0).all()
    assert (forecasts["base_rate"].isna() == forecasts["probability"].isna()).all()
    assert (history["code_version"] == done["code_version"]).all()
    assert (history["data_fingerprint"] == done["data_fingerprint"]).all()
    # Running it again replaces the same days: nothing doubles.
    code, out, err = cli("digest", "--history", "--freq", "W", "--store", str(backfilled), "--json")
    assert code == 0, err
    with Store(backfilled, read_only=True) as store:
        assert len(load_history(store)) == len(history)
        assert len(load_forecasts(store)) == len(forecasts)


@pytest.mark.slow
def test_track_record_scores_every_closed_forecast(cli: Cli, backfilled: Path) -> None:
    code, _, err = cli("digest", "--history", "--freq", "W", "--store", str(backfilled), "--json")
    assert code == 0, err
    code, out, err = cli("track-record", "--store", str(backfilled), "--reps", "200", "--json")
    assert code == 0, err
    record = json.loads(out)
    with Store(backfilled, read_only=True) as store:
        forecasts = load_forecasts(store)
        end, _ = default_as_of(store)
    ends = np.busday_offset(
        forecasts["as_of"].to_numpy(dtype="datetime64[D]"), forecasts["horizon"].to_numpy(), roll="backward"
    )
    closed = int((ends <= np.datetime64(end.date())).sum())
    assert record["forecasts"] == len(forecasts)
    assert record["pending"] == len(forecasts) - closed
    assert record["scored"] + record["unresolved"] + record["without_probability"] == closed
    assert record["scored"] > 1000
    pooled = [s for s in record["scores"] if s["link"] == "all"]
    assert sorted(s["horizon"] for s in pooled) == [21, 63, 126]
    assert sum(s["n"] for s in pooled) == record["scored"]
    for score in record["scores"]:
        assert 0 <= score["brier"] <= 1 and score["log_score"] >= 0
        assert sum(row["n"] for row in score["reliability"]) == score["n"]
        low, high = score["skill_interval"]
        if low is not None:
            assert low <= score["skill"] <= high
            if low <= 0 <= high:
                assert score["verdict"] == "no skill shown over the base rate"


def test_track_record_without_a_backfill_says_what_to_do(cli: Cli, filled_store_path: Path) -> None:
    code, _, err = cli("track-record", "--store", str(filled_store_path))
    assert code == 1
    assert "riskcurve digest --history" in err


@pytest.mark.slow
def test_the_charts_score_the_stored_backfill_or_compute_the_same_one(
    cli: Cli, backfilled: Path, filled_store_path: Path
) -> None:
    from riskcurve.monitor.track_record import COMPUTED, STORED, reliability_tables, weekly_track_record

    code, _, err = cli("digest", "--history", "--freq", "W", "--store", str(backfilled), "--json")
    assert code == 0, err
    with Store(backfilled, read_only=True) as store:
        stored = weekly_track_record(store, reps=200)
        # A day inside the stored history reads the stored rows up to it.
        earlier = weekly_track_record(store, "2021-06-30", reps=200)
    with Store(filled_store_path, read_only=True) as store:
        computed = weekly_track_record(store, reps=200)
        computed_earlier = weekly_track_record(store, "2021-06-30", reps=200)
    assert (stored.source, earlier.source) == (STORED, STORED)
    assert (computed.source, computed_earlier.source) == (COMPUTED, COMPUTED)
    for a, b in ((stored, computed), (earlier, computed_earlier)):
        assert (a.digests, a.forecasts, a.scored, a.pending, a.verdict) == (
            b.digests,
            b.forecasts,
            b.scored,
            b.pending,
            b.verdict,
        )
        order = ["as_of", "horizon", "link"]
        pd.testing.assert_frame_equal(
            a.scored_forecasts.sort_values(order).reset_index(drop=True),
            b.scored_forecasts.sort_values(order).reset_index(drop=True),
        )
        # The same scores; the bootstrap sums weeks in another order, so intervals agree to rounding.
        pd.testing.assert_frame_equal(a.to_frame(), b.to_frame(), check_exact=False, rtol=1e-9)
        for key, table in reliability_tables(a).items():
            pd.testing.assert_frame_equal(table, reliability_tables(b)[key])
    # The record printed by `track-record --freq W` is the one the charts draw.
    code, out, err = cli("track-record", "--store", str(backfilled), "--freq", "W", "--reps", "200", "--json")
    assert code == 0, err
    assert json.loads(out)["verdict"] == stored.verdict


def test_before_the_chain_can_be_read_the_record_is_empty_not_an_error(filled_store: Store) -> None:
    from riskcurve.monitor.track_record import weekly_track_record
    from riskcurve.report.track_record import track_record_section

    end, _ = default_as_of(filled_store)
    readable = first_readable_day(load_inputs(MarketData(filled_store, as_of=end), claims=[]).states)
    day = readable - pd.Timedelta(days=1)
    record = weekly_track_record(filled_store, day)
    assert (record.digests, record.scored) == (0, 0)
    assert record.verdict == f"no digest yet: the chain cannot be read on any Friday up to {day.date()}"
    drawn, blocks = track_record_section(filled_store, day)
    assert drawn == () and record.verdict in blocks[0]
