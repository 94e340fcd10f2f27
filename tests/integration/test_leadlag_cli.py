"""`riskcurve leadlag` on the store filled from the real snapshot."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from riskcurve.data.panel import MarketData
from riskcurve.data.store import Store
from riskcurve.errors import DataError
from riskcurve.stats.leadlag import leadlag


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _leadlag_json(cli: Callable[..., tuple[int, str, str]], store: Path, *options: str) -> dict[str, Any]:
    code, out, err = cli("leadlag", *options, "--reps", "200", "--seed", "3", "--store", str(store), "--json")
    assert code == 0, err
    return json.loads(out)


@pytest.mark.parametrize(("freq", "max_lag", "window"), [("W", 8, 52), ("D", 10, 126), ("M", 6, 36)])
def test_rut_btc_json_schema_and_numbers(
    cli: Callable[..., tuple[int, str, str]], filled_store_path: Path, freq: str, max_lag: int, window: int
) -> None:
    payload = _leadlag_json(cli, filled_store_path, "--lead", "RUT", "--lag", "BTC", "--freq", freq)
    assert payload["command"] == "leadlag"
    assert (payload["lead"], payload["lag"], payload["freq"]) == ("RUT", "BTC", freq)
    assert {"as_of", "note", "sources", "warnings", "definition", "calendar", "sample", "parameters"} <= set(payload)
    assert payload["parameters"]["max_lag"] == max_lag and payload["parameters"]["window"] == window
    assert payload["parameters"]["seed"] == 3 and payload["parameters"]["reps"] == 200
    # BTC history starts in 2013; the sample is the overlap, cut at the as-of day.
    sample = payload["sample"]
    assert "2013-04-29" < sample["start"] < "2013-07-01"
    assert sample["end"] <= payload["as_of"] <= payload["sources"]["RUT"]["last"]
    assert sample["n"] > {"D": 3000, "W": 600, "M": 140}[freq]
    ccf = payload["ccf"]
    assert [row["k"] for row in ccf] == list(range(-max_lag, max_lag + 1))
    for row in ccf:
        for key in ("corr", "band_white", "band_robust", "se_robust", "p", "p_holm", "p_bh", "peak_share"):
            assert _finite(row[key]), (key, row)
        # Adjusting only raises a p-value, Holm more than BH (up to rounding in the last bit).
        assert row["p"] - 1e-12 <= row["p_bh"] <= row["p_holm"] + 1e-12 <= 1.0 + 1e-12
        assert row["band_white"] > 0 and row["band_robust"] > 0
    peak = payload["peak"]
    assert peak["k"] in range(-max_lag, max_lag + 1)
    assert abs(peak["corr"]) == max(abs(row["corr"]) for row in ccf)
    assert peak["interval"][0] <= peak["interval"][1]
    assert math.isclose(peak["share_lead_first"] + peak["share_same"] + peak["share_lag_first"], 1.0)
    granger = payload["granger"]
    assert [t["direction"] for t in granger["tests"]] == ["RUT -> BTC", "BTC -> RUT"]
    assert granger["ic"] == "bic" and granger["lags"] >= 1 and set(granger["orders"]) >= {"aic", "bic"}
    for test in granger["tests"]:
        for key in ("f", "p", "f_robust", "p_robust", "p_robust_holm"):
            assert _finite(test[key]) and test[key] >= 0
    rolling = payload["rolling"]
    assert rolling["window"] == window and rolling["data"]
    assert all(-1 <= row["corr_0"] <= 1 for row in rolling["data"] if row["corr_0"] is not None)
    verdict = payload["verdict"]
    assert verdict["evidence"] in {"strong", "moderate", "mixed", "weak", "none"}
    assert "RUT" in verdict["text"] and "BTC" in verdict["text"] and "Granger" in verdict["text"]
    assert payload["warnings"] == []


def test_weekly_returns_align_crypto_to_the_exchange_week(
    cli: Callable[..., tuple[int, str, str]], filled_store_path: Path
) -> None:
    payload = _leadlag_json(cli, filled_store_path, "--lead", "RUT", "--lag", "BTC", "--freq", "W")
    assert "week ending Friday" in payload["calendar"] and "exchange day" in payload["calendar"]
    assert payload["unit"] == "week"
    # Every weekly label is the last exchange day read in its week ending Friday: a weekday, and
    # never after the as-of day (a week cut on a Thursday is labelled Thursday, not Friday).
    import datetime as dt

    dates = [dt.date.fromisoformat(row["date"]) for row in payload["rolling"]["data"]]
    assert all(day.weekday() <= 4 for day in dates)
    assert sum(day.weekday() == 4 for day in dates) > 0.9 * len(dates)
    assert dates[-1].isoformat() <= payload["as_of"]


def test_btc_eth_daily_uses_every_day_and_moves_together(
    cli: Callable[..., tuple[int, str, str]], filled_store_path: Path
) -> None:
    payload = _leadlag_json(cli, filled_store_path, "--lead", "BTC", "--lag", "ETH", "--freq", "D", "--max-lag", "5")
    assert payload["unit"] == "day" and "calendar day" in payload["calendar"]
    # The two largest coins move together on the same day: that is the peak, and it is significant.
    assert payload["peak"]["k"] == 0 and payload["peak"]["corr"] > 0.4 and payload["peak"]["significant"]
    assert 0 in payload["verdict"]["significant_lags"]


def test_as_of_cuts_the_sample(cli: Callable[..., tuple[int, str, str]], filled_store_path: Path) -> None:
    payload = _leadlag_json(
        cli, filled_store_path, "--lead", "RUT", "--lag", "BTC", "--freq", "W", "--as-of", "2021-01-15"
    )
    assert payload["as_of"] == "2021-01-15" and payload["note"] is None
    assert payload["sample"]["end"] <= "2021-01-15"
    assert payload["sources"]["BTC"]["last"] <= "2021-01-15"


def test_terminal_output_shows_bands_adjusted_pvalues_and_verdict(
    cli: Callable[..., tuple[int, str, str]], filled_store_path: Path
) -> None:
    code, out, _ = cli(
        "leadlag", "--lead", "RUT", "--lag", "BTC", "--freq", "M", "--reps", "100", "--seed", "1",
        "--store", str(filled_store_path),
    )  # fmt: skip
    assert code == 0
    for text in ("±white", "±robust", "Holm", "BH", "Granger", "Verdict"):
        assert text in out


def test_bad_requests_exit_with_one_line(cli: Callable[..., tuple[int, str, str]], filled_store_path: Path) -> None:
    store = str(filled_store_path)
    code, _, err = cli("leadlag", "--lead", "RUT", "--lag", "BTC", "--freq", "Q", "--store", store)
    assert code == 1 and "freq must be one of 'D', 'W', 'M'" in err
    code, _, err = cli("leadlag", "--lead", "WALCL", "--lag", "WALCL", "--store", store)
    assert code == 1 and "WALCL" in err and "different series" in err
    code, _, err = cli("leadlag", "--lead", "NOPE", "--lag", "BTC", "--store", store)
    assert code == 1 and "NOPE" in err
    assert len(err.strip().splitlines()) == 1


def test_library_takes_value_series_as_changes(filled_store: Store) -> None:
    # Macro series used to be refused; they now enter as changes of their point-in-time values.
    result = leadlag(MarketData(filled_store, as_of="2024-01-05"), "DGS10", "BTC", freq="W", reps=20, seed=1)
    assert result.series["DGS10"]["change"] == "diff" and result.series["BTC"]["change"] == "log"
    assert result.end <= pd.Timestamp("2024-01-05")
    with pytest.raises(DataError, match="NOPE"):
        leadlag(MarketData(filled_store, as_of="2024-01-05"), "NOPE", "BTC", freq="W")
