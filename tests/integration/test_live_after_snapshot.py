"""A store filled from the snapshot updates live (issue 20, item 1).

The store is filled offline from a snapshot whose RUT and DGS10 files end before the recorded
provider answers in ``tests/fixtures`` (Yahoo's v8 chart of ``^RUT`` for the first week of 2024,
FRED's ``fredgraph.csv`` of DGS10), next to series no live source serves (``GOLD_LBMA`` and an
extra snapshot file). The live update then runs the real providers against those recorded answers:
every live series advances, and the snapshot-only ones are named once and kept as they are.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import requests
import responses
import typer

from riskcurve.cli import main
from riskcurve.cli import watch as watch_cli
from riskcurve.data.ingest import UpdateResult, plan_update, update
from riskcurve.data.providers.base import RetryPolicy
from riskcurve.data.providers.fred import CSV_URL, FredProvider
from riskcurve.data.providers.snapshot import SnapshotProvider
from riskcurve.data.providers.yahoo import YahooProvider, recording_session
from riskcurve.data.store import Store
from riskcurve.errors import ProviderError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
CHART = re.compile(r"https://query2\.finance\.yahoo\.com/v8/finance/chart/.+")
#: The recorded answers start here; the snapshot is cut just before.
CUT = pd.Timestamp("2024-01-02")
EXTRA = "EXTRA_SNAPSHOT_SERIES"  # a snapshot file outside the catalogue


def _truncated(source: Path, target: Path) -> None:
    frame = pd.read_csv(source)
    frame.loc[pd.to_datetime(frame["date"]) < CUT].to_csv(target, index=False)


@pytest.fixture
def cut_snapshot(snapshot_root: Path, tmp_path: Path) -> Path:
    root = tmp_path / "snapshot"
    (root / "prices").mkdir(parents=True)
    (root / "macro").mkdir()
    _truncated(snapshot_root / "prices" / "RUT.csv", root / "prices" / "RUT.csv")
    _truncated(snapshot_root / "macro" / "DGS10.csv", root / "macro" / "DGS10.csv")
    (root / "prices" / "GOLD_LBMA.csv").write_bytes((snapshot_root / "prices" / "GOLD_LBMA.csv").read_bytes())
    (root / "macro" / f"{EXTRA}.csv").write_bytes((snapshot_root / "macro" / "WALCL.csv").read_bytes())
    return root


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> Iterator[responses.RequestsMock]:
    """Yahoo and FRED answering with the recorded fixtures; nothing else is reachable."""
    import yfinance
    from yfinance import base, cache, data

    monkeypatch.setattr(data.SingletonMeta, "_instances", {})
    monkeypatch.setattr(cache, "get_tz_cache", cache._TzCacheDummy)
    monkeypatch.setattr(cache, "get_cookie_cache", cache._CookieCacheDummy)
    monkeypatch.setattr(base, "_tz_info_fetch_ctr", 2)
    monkeypatch.delenv("FRED_API_KEY", raising=False)
    saved = (yfinance.config.debug.hide_exceptions, yfinance.config.network.retries)

    def chart(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        assert "%5ERUT" in (request.url or "") or "^RUT" in (request.url or ""), request.url
        params = dict(request.params)  # type: ignore[attr-defined]
        name = "RUT_chart_range_1d.json" if params.get("range") == "1d" else "RUT_chart_1d.json"
        body = (FIXTURES / "yahoo" / name).read_text(encoding="utf-8")
        return 200, {"Content-Type": "application/json;charset=utf-8"}, body

    with responses.RequestsMock(assert_all_requests_are_fired=False) as mocked:
        mocked.get("https://fc.yahoo.com", body="")
        mocked.get("https://query1.finance.yahoo.com/v1/test/getcrumb", body="Xw1Jx0mKqTz")
        mocked.get("https://query2.finance.yahoo.com/v1/test/getcrumb", body="Xw1Jx0mKqTz")
        mocked.add_callback(responses.GET, CHART, callback=chart)
        mocked.get(CSV_URL, body=(FIXTURES / "fred" / "DGS10.csv").read_text(encoding="utf-8"))
        yield mocked
    data.YfData.cache_get.cache_clear()
    yfinance.config.debug.hide_exceptions, yfinance.config.network.retries = saved


def _no_sleep(seconds: float) -> None:
    raise AssertionError(f"unexpected sleep of {seconds}s")


def _live_providers() -> dict[str, object]:
    policy = RetryPolicy(attempts=1, base_delay=1.0, jitter=0.0, sleep=_no_sleep)
    yahoo = YahooProvider(policy=policy, session=recording_session(requests.Session), min_interval=0.0)
    fred = FredProvider(policy=policy, min_interval=0.0)
    return {"yahoo": yahoo, "fred": fred}


def test_store_filled_from_snapshot_updates_live(cut_snapshot: Path, recorded: responses.RequestsMock) -> None:
    with Store() as store:
        update(store, snapshot=cut_snapshot, offline=True)
        before = {s: store.last_date(s) for s in store.symbols()}
        assert set(before) == {"RUT", "DGS10", "GOLD_LBMA", EXTRA}
        # No snapshot folder now: the user is online, as the README's path has it.
        result = update(
            store,
            store.symbols(),
            probe=lambda: True,
            providers=_live_providers(),  # type: ignore[arg-type]
        )
        after = {s: store.last_date(s) for s in store.symbols()}
        gold_rows = len(store.prices("GOLD_LBMA"))
    assert result.mode == "live" and result.failures == ()
    assert sorted(result.snapshot_only) == sorted(["GOLD_LBMA", EXTRA])
    # Every live series advanced past the snapshot, to the recorded answers' last day.
    assert {s.symbol for s in result.written} == {"RUT", "DGS10"}
    for symbol in ("RUT", "DGS10"):
        assert before[symbol] < CUT <= after[symbol], symbol
    assert after["RUT"] == pd.Timestamp("2024-01-08")
    fred_last = pd.read_csv(FIXTURES / "fred" / "DGS10.csv")["observation_date"].iloc[-1]
    assert after["DGS10"] == pd.Timestamp(fred_last)
    # The snapshot-only series are kept exactly as they were.
    assert after["GOLD_LBMA"] == before["GOLD_LBMA"] and after[EXTRA] == before[EXTRA]
    assert gold_rows == len(pd.read_csv(cut_snapshot / "prices" / "GOLD_LBMA.csv").dropna(subset=["close"]))


def test_default_live_plan_lists_snapshot_only_series_and_never_raises(cut_snapshot: Path) -> None:
    # The default live update wants the whole catalogue plus what is stored; series without a
    # live source used to raise here, before any network call, even with --keep-going.
    with Store() as store:
        update(store, snapshot=cut_snapshot, offline=True)
        wanted = sorted({"RUT", "DGS10", "GOLD_LBMA", EXTRA})
        instances: dict[str, object] = {}
        plan, snapshot_only, unplanned = plan_update(store, wanted, "live", instances)  # type: ignore[arg-type]
        assert sorted(snapshot_only) == sorted(["GOLD_LBMA", EXTRA]) and unplanned == []
        assert [name for name, _ in plan] == ["DGS10", "RUT"]
        # With the snapshot at hand the snapshot-only series are re-read from it, and still named.
        with_snapshot: dict[str, object] = {"snapshot": SnapshotProvider(cut_snapshot)}
        plan, snapshot_only, _ = plan_update(store, wanted, "live", with_snapshot)  # type: ignore[arg-type]
        assert {name for name, source in plan if source is with_snapshot["snapshot"]} == {"GOLD_LBMA", EXTRA}
        assert sorted(snapshot_only) == sorted(["GOLD_LBMA", EXTRA])


def test_a_named_series_with_no_source_does_not_block_the_others(
    cut_snapshot: Path, recorded: responses.RequestsMock
) -> None:
    with Store() as store:
        update(store, ["RUT"], snapshot=cut_snapshot, offline=True)
        result = update(store, ["RUT", "GOLD_LBMA"], probe=lambda: True, providers=_live_providers(), keep_going=True)  # type: ignore[arg-type]
        assert store.last_date("RUT") == pd.Timestamp("2024-01-08")
    assert [s for s, _ in result.failures] == ["GOLD_LBMA"]


def _watch(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    try:
        main(["watch", *args])
        code = 0
    except SystemExit as done:
        code = int(done.code or 0)
    except typer.Exit as done:
        code = done.exit_code
    return code, capsys.readouterr().err


def test_watch_exits_non_zero_when_its_update_failed(
    capsys: pytest.CaptureFixture[str], filled_store_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RISKCURVE_NOTIFY", raising=False)
    store = tmp_path / "watch.duckdb"
    store.write_bytes(filled_store_path.read_bytes())

    def broken(db: Store, **_: object) -> UpdateResult:
        raise ProviderError("yahoo", "RUT", "HTTP 503 after 3 tries")

    monkeypatch.setattr(watch_cli, "update", broken)
    code, err = _watch(capsys, "--once", "--store", str(store))
    assert code == 1 and "update failed, watching the stored data: yahoo RUT: HTTP 503" in err

    def partly(db: Store, **_: object) -> UpdateResult:
        return UpdateResult("live", None, (), (("DGS10", "fred DGS10: HTTP 500"),), ("GOLD_LBMA",))

    monkeypatch.setattr(watch_cli, "update", partly)
    code, err = _watch(capsys, "--once", "--store", str(store))
    assert code == 1 and "update failed for DGS10: fred DGS10: HTTP 500" in err
    assert err.count("GOLD_LBMA") == 1 and "snapshot only" in err

    pauses: list[float] = []
    monkeypatch.setattr(watch_cli, "_pause", pauses.append)
    code, err = _watch(capsys, "--max-runs", "2", "--interval", "1", "--store", str(store))
    assert code == 1 and pauses == [1.0]

    def fine(db: Store, **_: object) -> UpdateResult:
        return UpdateResult("live", None, ())

    monkeypatch.setattr(watch_cli, "update", fine)
    code, err = _watch(capsys, "--once", "--store", str(store))
    assert code == 0, err
