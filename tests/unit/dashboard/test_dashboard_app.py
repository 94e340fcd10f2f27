"""The dashboard without a browser: what it accepts from requests, where it binds, its CLI."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from riskcurve.cli import main
from riskcurve.dashboard import app as dashboard
from riskcurve.errors import StoreError


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        main(args)
        code = 0
    except SystemExit as done:
        code = int(done.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _ids(component: Any) -> set[str]:
    """Every component id in a Dash layout tree."""
    found = set()
    if getattr(component, "id", None):
        found.add(component.id)
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list | tuple) else [children]:
        if child is not None and not isinstance(child, str | int | float):
            found |= _ids(child)
    return found


# --- what a request may ask for ------------------------------------------------------------------


def test_horizons_are_parsed_and_bounded() -> None:
    assert dashboard.parse_horizons("126, 21,63,21") == (21, 63, 126)
    for bad in ("", "21;63", "0,21", "21,99999", "1,2,3,4,5,6,7,8,9", None, 21):
        with pytest.raises(ValueError, match="horizons"):
            dashboard.parse_horizons(bad)


def test_request_values_are_validated() -> None:
    fallback = pd.Timestamp("2026-02-20").date()
    assert dashboard._day(None, fallback) == pd.Timestamp("2026-02-20")
    assert dashboard._day("2017-06-01T00:00:00", fallback) == pd.Timestamp("2017-06-01")
    with pytest.raises(ValueError, match="not a YYYY-MM-DD date"):
        dashboard._day("June 1st", fallback)
    with pytest.raises(ValueError, match="on or after 1990-01-01"):
        dashboard._day("1980-01-01", fallback)
    with pytest.raises(ValueError, match="breakout symbol must be one of RUT"):
        dashboard._choice("breakout symbol", "../../etc/passwd", dashboard.BREAKOUT_SYMBOLS)
    with pytest.raises(ValueError, match="min_base must be a whole number from 1 to 5000"):
        dashboard._integer("min_base", 0)
    assert dashboard._integer("min_base", 250.0) == 250
    with pytest.raises(ValueError, match="in \\(0, 1\\]"):
        dashboard._fraction("altseason threshold", 1.5)


def test_loopback_detection() -> None:
    for host in ("127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost"):
        assert dashboard.is_loopback(host), host
    for host in ("0.0.0.0", "192.168.1.20", "::", "example.com"):
        assert not dashboard.is_loopback(host), host


def test_run_refuses_other_interfaces_before_opening_anything(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no authentication"):
        dashboard.run(tmp_path / "missing.duckdb", host="0.0.0.0")
    with pytest.raises(StoreError, match="no store at"):
        dashboard.run(tmp_path / "missing.duckdb", host="127.0.0.1", port=8050)


# --- the app over the snapshot store ------------------------------------------------------------


def test_layout_offers_no_way_to_name_a_file(filled_store_path: Path) -> None:
    app = dashboard.create_app(filled_store_path)
    layout = app.layout() if callable(app.layout) else app.layout
    ids = _ids(layout)
    controls = {
        "as-of",
        "breakout-symbol",
        "min-base",
        "confirm-closes",
        "cascade-min-days",
        "altseason-threshold",
        "volatility-symbol",
        "study-target",
        "study-horizons",
    }
    # Every input the browser can set is one of these; none takes a path.
    inputs = {i for i in ids if i in controls or i.endswith(("-path", "-file", "-upload"))}
    assert inputs == controls
    assert {"regime-panel", "regime-as-of", "figure-breakout", "figure-cascade", "figure-liquidity"} <= ids
    assert "study-panel" in ids


def test_cycle_chart_skips_halvings_before_the_data_without_warning(filled_store) -> None:  # type: ignore[no-untyped-def]
    # pytest turns InsufficientDataWarning into an error: the 2012 halving predates BTC's data.
    fig = dashboard._cycle_figure(filled_store, pd.Timestamp("2021-01-15"))
    assert [t.name for t in fig.data] == ["halving 2016-07-09", "halving 2020-05-11"]
    assert "No BTC data on: 2012-11-28" in fig.layout.meta["riskcurve"]["caption"]


def test_a_day_before_a_series_starts_gives_a_clear_message(filled_store) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="no BTC data on or before 2003-06-01"):
        dashboard._volatility_figure(filled_store, pd.Timestamp("2003-06-01"), "BTC")
    fig = dashboard._figure_or_error(
        lambda: dashboard._volatility_figure(filled_store, pd.Timestamp("2003-06-01"), "BTC")
    )
    assert "cannot draw this chart: no BTC data on or before 2003-06-01" in fig.layout.annotations[0].text
    # The Russell 2000 does have data then: its chart is drawn.
    assert dashboard._volatility_figure(filled_store, pd.Timestamp("2003-06-01"), "RUT").data


def test_event_study_panel_reports_the_breakouts_it_measured(filled_store_path: Path, filled_store) -> None:  # type: ignore[no-untyped-def]
    reader = dashboard.StoreReader(filled_store_path)
    table, fig, verdict, notes, kind = dashboard._study(
        reader, filled_store, pd.Timestamp("2026-02-20"), "RUT", 250, 3, "BTC", (21, 63)
    )
    assert list(table.index) == [21, 63]
    assert list(table["n"]) == [3, 3]  # 2016-11-14, 2020-11-13 and 2025-09-18 have BTC after them
    assert {t.name for t in fig.data} >= {"after 2016-11-14", "after 2020-11-13", "after 2025-09-18"}
    assert "too few events" in verdict
    assert kind == "log"  # the table heads its columns "log return"
    assert any("fewer than 5 events" in note for note in notes)  # recorded, not raised


# --- the command ---------------------------------------------------------------------------------


def test_cli_refuses_a_remote_host_without_allow_remote(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(dashboard, "run", lambda path, announce=None, **kw: calls.append({"path": path, **kw}))
    (tmp_path / "s.duckdb").write_bytes(b"")  # run() is replaced: the file only has to exist
    code, _, err = run_cli(["dashboard", "--host", "0.0.0.0", "--store", str(tmp_path / "s.duckdb")], capsys)
    assert code == 2
    assert "--allow-remote" in err and "no authentication" in err
    assert calls == []

    code, _, err = run_cli(
        ["dashboard", "--host", "0.0.0.0", "--port", "9000", "--allow-remote", "--store", str(tmp_path / "s.duckdb")],
        capsys,
    )
    assert code == 0
    assert "without authentication" in err
    assert calls == [
        {"path": tmp_path / "s.duckdb", "host": "0.0.0.0", "port": 9000, "debug": False, "allow_remote": True}
    ]


def test_cli_defaults_to_loopback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[dict[str, Any]] = []

    def serve(path: Path, announce: Any = None, **kw: Any) -> None:
        calls.append({"path": path, **kw})
        announce(f"http://{kw['host']}:{kw['port']}/")  # the real server announces once bound

    monkeypatch.setattr(dashboard, "run", serve)
    (tmp_path / "s.duckdb").write_bytes(b"")
    code, _, err = run_cli(["dashboard", "--store", str(tmp_path / "s.duckdb")], capsys)
    assert code == 0
    assert calls[0]["host"] == "127.0.0.1" and calls[0]["port"] == 8050
    assert "http://127.0.0.1:8050/" in err


def test_cli_reports_a_missing_store_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["dashboard", "--store", str(tmp_path / "none.duckdb")], capsys)
    assert code == 1
    assert "no store at" in err
    assert len(err.strip().splitlines()) == 1  # no "serving on" line for a server that cannot start


def test_what_happened_next_panel_follows_the_forecasts(filled_store_path: Path, filled_store) -> None:  # type: ignore[no-untyped-def]
    from riskcurve.report.claims import forecasts_figure

    app = dashboard.create_app(filled_store_path)
    layout = app.layout() if callable(app.layout) else app.layout
    assert "figure-forecasts" in _ids(layout)
    resolved = forecasts_figure(filled_store, pd.Timestamp("2026-08-20"))
    bars = {t.name: dict(zip(t.x, t.y, strict=True)) for t in resolved.data}
    assert set(bars) == {f"{k} month{'s' if k > 1 else ''} after 2026-01-21" for k in (1, 2, 3)}
    assert set(bars["3 months after 2026-01-21"]) == {"BTC", "ETH", "ALT_BASKET", "RUT", "GSPC"}
    assert bars["3 months after 2026-01-21"]["ETH"] < 0  # ETH did not follow (C45 contradicted)
    assert "C45 contradicted" in resolved.layout.annotations[0].text
    # On 2026-02-01 not even the first month has ended: nothing to draw, every forecast pending.
    early = forecasts_figure(filled_store, pd.Timestamp("2026-02-01"))
    assert early.data == () and "C45 pending" in early.layout.annotations[0].text
    # An empty chart says why it is empty.
    said = " ".join(a.text for a in early.layout.annotations)
    assert "no full month has passed since the forecasts of 2026-01-21 by 2026-02-01" in said
    before = forecasts_figure(filled_store, pd.Timestamp("2017-06-01"))
    said = " ".join(a.text for a in before.layout.annotations)
    assert before.data == () and "the forecasts were made on 2026-01-21, later than this day" in said


# --- computing once, holding nothing ----------------------------------------------------------------


def test_a_key_asked_by_many_threads_at_once_is_computed_once() -> None:
    import threading
    import time

    cache = dashboard._Cache(8)
    calls: list[int] = []
    start = threading.Barrier(6)

    def compute() -> str:
        calls.append(1)
        time.sleep(0.05)  # long enough for the other threads to ask meanwhile
        return "value"

    results: list[str] = []

    def ask() -> None:
        start.wait()
        results.append(cache.get("regime", compute))

    threads = [threading.Thread(target=ask) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == ["value"] * 6 and len(calls) == 1


def test_threads_waiting_on_a_failing_computation_share_its_error_instead_of_retrying_in_turn() -> None:
    import threading
    import time

    cache = dashboard._Cache(8)
    calls: list[int] = []
    start = threading.Barrier(6)

    def fail() -> str:
        calls.append(1)
        time.sleep(0.5)  # every other thread asks meanwhile, even on a loaded machine
        raise ValueError("store busy")

    errors: list[str] = []

    def ask() -> None:
        start.wait()
        try:
            cache.get("regime", fail)
        except ValueError as failure:
            errors.append(str(failure))

    threads = [threading.Thread(target=ask) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == ["store busy"] * 6 and len(calls) == 1


def test_a_failed_computation_is_not_kept_and_the_next_caller_computes_again() -> None:
    cache = dashboard._Cache(8)

    def fail() -> str:
        raise ValueError("no data")

    with pytest.raises(ValueError, match="no data"):
        cache.get("k", fail)
    assert cache.get("k", lambda: "later") == "later"
    assert cache.get("k", fail) == "later"


def test_the_reader_keeps_one_store_per_thread_and_lets_go_of_the_file(tmp_path: Path) -> None:
    import shutil

    from riskcurve.data.store import Store

    path = tmp_path / "s.duckdb"
    with Store(path) as writer:
        writer.symbols()
    reader = dashboard.StoreReader(path)
    with reader.open() as first:
        first.symbols()
    with reader.open() as again:
        assert again is first
    # Between two computations the file is free: a writer gets it at once.
    with Store(path, lock_timeout=0.5) as writer:
        writer.symbols()
    # A rewritten file (another version) gets a new store.
    shutil.copyfile(path, tmp_path / "copy.duckdb")
    (tmp_path / "copy.duckdb").replace(path)
    with reader.open() as fresh:
        assert fresh is not first and fresh.symbols() == []


def test_no_chart_draws_a_point_after_the_as_of_day(filled_store) -> None:  # type: ignore[no-untyped-def]
    # A Wednesday: a weekly point labelled by its week's end (Friday) would be dated after it.
    day = pd.Timestamp("2019-03-13")
    built = {
        "breakout": dashboard._breakout_figure(filled_store, day, "RUT", 250, 3),
        "ratio": dashboard._ratio_figure(filled_store, day),
        "liquidity": dashboard._liquidity_figure(filled_store, day),
        "liquidity-drivers": dashboard._liquidity_drivers_figure(filled_store, day),
        "cascade": dashboard._cascade_figure(filled_store, day, 5),
        "altseason": dashboard._altseason_figure(filled_store, day, 0.75),
        "volatility": dashboard._volatility_figure(filled_store, day, "BTC"),
    }
    for name, fig in built.items():
        last = max(pd.DatetimeIndex(trace.x).max() for trace in fig.data if trace.x is not None and len(trace.x))
        assert last <= day, name
    # Long histories are thinned, yet the last point drawn is the as-of day itself.
    close = next(t for t in built["breakout"].data if t.name == "RUT close")
    assert len(close.x) < len(filled_store.prices("RUT", as_of=day)) and pd.Timestamp(close.x[-1]) == day
