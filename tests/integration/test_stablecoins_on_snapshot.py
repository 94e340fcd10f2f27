"""Stablecoin supply beside net liquidity: the snapshot store plus DefiLlama's recorded answers.

A copy of the session's filled store gets ``STABLECOINS`` through ``update`` in live mode, the
stablecoins provider answered by ``responses`` from ``tests/fixtures/defillama``. Then the
liquidity signal carries the stablecoin fields, lead-lag and event studies take the series like
any other, and the report's liquidity panel draws it; without it (the snapshot alone), the
signal has no such fields and the panel says the series is absent.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
import responses

from riskcurve.data.ingest import update
from riskcurve.data.panel import MarketData
from riskcurve.data.providers.base import RetryPolicy
from riskcurve.data.providers.stablecoins import BASE_URL, StablecoinsProvider
from riskcurve.data.store import Store
from riskcurve.report.figures import caption_of
from riskcurve.report.stablecoins import ABSENT, stablecoin_panel
from riskcurve.signals.stablecoins import COLUMNS
from riskcurve.stats.leadlag import leadlag

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "defillama"
AS_OF = "2024-06-30"


@pytest.fixture
def with_stablecoins(filled_store_path: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "stablecoins.duckdb"
    shutil.copy(filled_store_path, copy)
    provider = StablecoinsProvider(policy=RetryPolicy(attempts=1), min_interval=0.0)
    with responses.RequestsMock() as mocked, Store(copy) as store:
        mocked.get(
            f"{BASE_URL}/stablecoincharts/all",
            body=(FIXTURES / "stablecoincharts_all.json").read_text(),
            content_type="application/json",
        )
        result = update(store, ["STABLECOINS"], probe=lambda: True, providers={"stablecoins": provider})
    assert (result.mode, result.rows_new) == ("live", 274)
    return copy


def _liquidity(cli: Callable[..., tuple[int, str, str]], store: Path) -> dict:  # type: ignore[type-arg]
    code, out, err = cli("signal", "liquidity", "--store", str(store), "--as-of", AS_OF, "--json")
    assert code == 0, err
    return json.loads(out)  # type: ignore[no-any-return]


def test_signal_liquidity_json_carries_the_stablecoin_fields(
    cli: Callable[..., tuple[int, str, str]], with_stablecoins: Path
) -> None:
    payload = _liquidity(cli, with_stablecoins)
    assert payload["sources"]["STABLECOINS"] == {"first": "2023-10-01", "last": "2024-06-30"}
    rows = {row["date"]: row for row in payload["data"]}
    last = rows["2024-06-30"]
    assert set(COLUMNS) <= set(last)

    totals = {
        pd.Timestamp(int(item["date"]), unit="s").strftime("%Y-%m-%d"): sum(item["totalCirculatingUSD"].values())
        for item in json.loads((FIXTURES / "stablecoincharts_all.json").read_text())
    }
    assert last["stablecoin_supply"] == pytest.approx(totals["2024-06-30"] / 1e9)
    assert last["stablecoin_chg_4w"] == pytest.approx((totals["2024-06-30"] - totals["2024-06-02"]) / 1e9)
    assert last["stablecoin_chg_13w"] == pytest.approx((totals["2024-06-30"] - totals["2024-03-31"]) / 1e9)
    assert last["stablecoin_pct_13w"] == pytest.approx(totals["2024-06-30"] / totals["2024-03-31"] - 1)
    # Net liquidity is still there, and before DefiLlama's first day the new fields are empty.
    assert last["net_liquidity"] is not None
    assert rows["2023-09-30"]["stablecoin_supply"] is None


def test_without_the_series_the_signal_has_no_stablecoin_fields(
    cli: Callable[..., tuple[int, str, str]], filled_store_path: Path
) -> None:
    payload = _liquidity(cli, filled_store_path)
    assert "STABLECOINS" not in payload["sources"]
    assert not set(COLUMNS) & set(payload["data"][-1])


def test_lead_lag_and_studies_take_it_like_any_series(
    cli: Callable[..., tuple[int, str, str]], with_stablecoins: Path
) -> None:
    with Store(with_stablecoins, read_only=True) as store:
        result = leadlag(MarketData(store, as_of=AS_OF), "STABLECOINS", "BTC", freq="D", max_lag=5)
    assert result.n_obs > 200
    code, out, err = cli("leadlag", "--lead", "STABLECOINS", "--lag", "BTC", "--store", str(with_stablecoins),
                         "--as-of", AS_OF, "--json")  # fmt: skip
    assert code == 0, err
    assert json.loads(out)["sources"]["STABLECOINS"] == {"first": "2023-10-01", "last": "2024-06-30"}
    # Nine months of supply hold no full 21-bar horizon after a 250-day base: the study runs and says so.
    code, out, err = cli("study", "--events", "breakout:STABLECOINS", "--target", "BTC", "--reps", "200",
                         "--store", str(with_stablecoins), "--as-of", AS_OF, "--json")  # fmt: skip
    assert code == 0, err
    study = json.loads(out)
    assert study["events_name"] == "breakout:STABLECOINS"
    assert study["verdict"] == "breakout:STABLECOINS -> BTC: no event with a full horizon; nothing to conclude."


def test_liquidity_panel_draws_it_or_says_it_is_absent(with_stablecoins: Path, filled_store_path: Path) -> None:
    with Store(with_stablecoins, read_only=True) as store:
        built, notes = stablecoin_panel(MarketData(store, as_of=AS_OF))
    assert notes == () and len(built) == 1
    caption = caption_of(built[0])
    assert "Data: 2023-10-01 to 2024-06-30. Source: STABLECOINS." in caption
    assert "On 2024-06-30:" in caption
    with Store(filled_store_path, read_only=True) as store:
        built, notes = stablecoin_panel(MarketData(store, as_of=AS_OF))
    assert built == () and len(notes) == 1 and ABSENT.split(":")[0] in notes[0]
