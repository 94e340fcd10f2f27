"""Figure builders: traces, captions (definition, data range, sources), validation, PNG export."""

from __future__ import annotations

import datetime as dt
import html
import os
import re
import struct
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from plotly.offline import get_plotlyjs

from riskcurve.report import figures
from riskcurve.signals.altseason import altseason
from riskcurve.signals.breakout import BreakoutParams, breakout_events, breakout_signal
from riskcurve.signals.cascade import LINKS
from riskcurve.signals.cycle import cycle_overlay
from riskcurve.signals.regime import Regime, RegimeItem
from riskcurve.signals.relative_strength import relative_strength
from riskcurve.signals.volatility import realized_volatility

# --- hand-made data ------------------------------------------------------------------------------

SESSIONS = pd.bdate_range("2000-01-03", periods=700, name="date")
BASE_TOP, INTRADAY_BREAK, CLOSE_BREAK = 49, 380, 400


def _bars() -> pd.DataFrame:
    """Records up to session 49, a 350-session base, an intraday poke above the old high at
    session 380 (close still below), and the closing breakout at session 400."""
    close = np.empty(len(SESSIONS))
    close[: BASE_TOP + 1] = np.linspace(100.0, 150.0, BASE_TOP + 1)
    close[BASE_TOP + 1 : CLOSE_BREAK] = 140.0
    close[CLOSE_BREAK:] = np.linspace(155.0, 200.0, len(SESSIONS) - CLOSE_BREAK)
    high = close + 1.0
    high[INTRADAY_BREAK] = 153.0
    return pd.DataFrame({"close": close, "high": high}, index=SESSIONS)


def _day(position: int) -> str:
    return SESSIONS[position].date().isoformat()


def _caption_text(fig: go.Figure) -> str:
    notes = [a for a in fig.layout.annotations if a.name == "caption"]
    assert len(notes) == 1, "every figure carries exactly one caption annotation"
    return html.unescape(notes[0].text.replace("<br>", " "))


def _assert_caption(fig: go.Figure, first: str, last: str, *phrases: str) -> None:
    text = _caption_text(fig)
    assert f"Data: {first} to {last}." in text
    assert text.startswith("Definition: ")
    for phrase in phrases:
        assert phrase in text, phrase
    meta = fig.layout.meta["riskcurve"]
    assert (meta["first"], meta["last"]) == (first, last)
    assert meta["definition"] in " ".join(text.split())
    assert fig.layout.title.text
    assert figures.caption_of(fig) == meta["caption"]


def _trace(fig: go.Figure, name: str) -> go.BaseTraceType:
    found = [t for t in fig.data if t.name == name]
    assert found, f"no trace named {name!r}; traces: {[t.name for t in fig.data]}"
    return found[0]


def _regime() -> Regime:
    links = {
        "bonds_credit": {"lit": True, "score": 1.0, "since": "2017-02-13"},
        "large_caps": {"lit": True, "score": 1.0, "since": "2016-04-29"},
        "small_caps": {"lit": False, "score": 0.33, "since": "2017-05-07"},
        "btc": {"lit": True, "score": 1.0, "since": "2015-11-01"},
        "eth_alts": {"lit": True, "score": 0.75, "since": "2017-03-01"},
    }
    cascade = RegimeItem(
        "cascade",
        "stage 2/5 (large caps): bonds & credit lit since 2017-02-13",
        {"stage": 2, "stage_name": "large_caps", "links": links},
        "Which links of the risk curve are lit each day.",
        {"GSPC": ("1990-01-02", "2017-06-01"), "BTC": ("2013-04-29", "2017-06-01")},
    )
    liquidity = RegimeItem(
        "liquidity",
        "expanding since 2017-03-10: net liquidity 4,125 bn USD",
        {"regime": "expanding"},
        "Net liquidity.",
        {"WALCL": ("2002-12-18", "2017-05-31")},
        ("WALCL",),
    )
    return Regime(dt.date(2017, 6, 1), None, (cascade, liquidity), (("altseason", "ETH is not in the store"),))


def _fan_inputs() -> tuple[pd.DataFrame, pd.DataFrame]:
    steps = pd.RangeIndex(0, 64, name="bars_after_entry")
    paths = pd.DataFrame(
        {
            pd.Timestamp("2016-11-14"): np.linspace(0.0, 0.60, len(steps)),
            pd.Timestamp("2020-11-13"): np.linspace(0.0, 1.20, len(steps)),
        },
        index=steps,
    )
    paths.iloc[40:, 1] = np.nan  # the later event is too recent for the full path
    scale = np.sqrt(np.arange(len(steps))) * 0.04
    band = pd.DataFrame(
        {q: z * scale for q, z in ((0.05, -1.64), (0.25, -0.67), (0.5, 0.0), (0.75, 0.67), (0.95, 1.64))}, index=steps
    )
    return paths, band


def _ccf() -> pd.DataFrame:
    lags = np.arange(-4, 5)
    corr = np.array([0.01, -0.02, 0.03, 0.00, 0.05, 0.12, 0.02, -0.09, 0.01])
    return pd.DataFrame({"lag": lags, "corr": corr, "band_low": -0.08, "band_high": 0.08})


def _all_figures() -> dict[str, go.Figure]:
    bars = _bars()
    days = pd.date_range("2018-01-01", "2019-12-31", freq="D", name="date")
    rng = np.random.default_rng(7)
    btc = pd.Series(5000.0 * np.exp(np.cumsum(rng.normal(0.001, 0.04, len(days)))), index=days, name="BTC")
    small = pd.Series(1500.0 * np.exp(np.cumsum(rng.normal(0, 0.01, len(SESSIONS)))), index=SESSIONS)
    large = pd.Series(1400.0 * np.exp(np.cumsum(rng.normal(0, 0.008, len(SESSIONS)))), index=SESSIONS)
    paths, band = _fan_inputs()
    return {
        "breakout": figures.breakout_chart(bars, breakout_signal(bars), breakout_events(bars)),
        "ratio": figures.ratio_chart(relative_strength(small, large)),
        "liquidity": figures.liquidity_chart(_liquidity_frame(days), btc),
        "cascade": figures.cascade_heatmap(_cascade_frame()),
        "cycle": figures.cycle_overlay_chart(cycle_overlay(btc, [pd.Timestamp("2018-03-01")], horizon_days=200)),
        "altseason": figures.altseason_chart(_alt_frame()),
        "volatility": figures.volatility_chart(realized_volatility(btc, min_history=30)),
        "regime": figures.regime_panel_table(_regime()),
        "chain": figures.cascade_chain_chart(_regime()),
        "fan": figures.fan_chart(paths, band),
        "leadlag": figures.leadlag_bars(
            _ccf(), lead="RUT", lag="BTC", freq="W", data_range=("2013-04-29", "2026-02-20")
        ),
    }


def _liquidity_frame(days: pd.DatetimeIndex) -> pd.DataFrame:
    regime = pd.Series("flat", index=days, dtype=object)
    regime.loc["2018-03-01":"2018-06-30"] = "expanding"
    regime.loc["2019-02-01":"2019-02-01"] = "contracting"
    regime.iloc[:10] = None
    return pd.DataFrame(
        {
            "net_liquidity": np.linspace(4000.0, 3600.0, len(days)),
            "regime": regime.astype(pd.CategoricalDtype(["contracting", "flat", "expanding"], ordered=True)),
        },
        index=days,
    )


def _cascade_frame() -> pd.DataFrame:
    days = pd.date_range("2015-01-01", periods=6, freq="D", name="date")
    frame = pd.DataFrame(index=days)
    for number, link in enumerate(LINKS):
        frame[link] = [day % 2 == number % 2 for day in range(6)]
        frame[f"score_{link}"] = 0.5
    frame.loc[days[:3], "score_eth_alts"] = np.nan  # ETH not trading yet: unknown
    frame.loc[days[:3], "eth_alts"] = False
    frame["stage"] = [0, 1, 2, 3, 4, 5]
    return frame


def _alt_frame() -> pd.DataFrame:
    days = pd.date_range("2020-01-01", periods=200, freq="D", name="date")
    rng = np.random.default_rng(3)
    closes = pd.DataFrame(
        {c: 100 * np.exp(np.cumsum(rng.normal(0.0, 0.03, len(days)))) for c in ("BTC", "ETH", "A", "B", "C", "D", "E")},
        index=days,
    )
    closes.loc[: days[119], "E"] = np.nan  # E lists late: fewer than 5 members before day 120 + 90
    closes.loc[: days[99], "D"] = np.nan
    return altseason(closes, window=30, min_members=5)


# --- each builder ---------------------------------------------------------------------------------


def test_breakout_chart_marks_bases_breakouts_and_both_break_dates() -> None:
    bars = _bars()
    params = BreakoutParams()
    events = breakout_events(bars, params)
    assert list(events.index) == [SESSIONS[CLOSE_BREAK]]  # the hand-made series has one breakout
    fig = figures.breakout_chart(bars, breakout_signal(bars, params), events, symbol="RUT")

    close = _trace(fig, "RUT close")
    assert len(close.x) == len(bars)  # short enough to draw day by day
    assert list(_trace(fig, "all-time high (close)").y)[CLOSE_BREAK - 1] == pytest.approx(150.0)
    markers = _trace(fig, "breakout (close basis)")
    assert [pd.Timestamp(x) for x in markers.x] == [SESSIONS[CLOSE_BREAK]]
    hover = markers.hovertext[0]
    assert f"closing break {_day(CLOSE_BREAK)}" in hover
    assert f"intraday break {_day(INTRADAY_BREAK)}" in hover
    assert f"base {CLOSE_BREAK - BASE_TOP} sessions" in hover
    other = _trace(fig, "intraday break of the same base")
    assert [pd.Timestamp(x) for x in other.x] == [SESSIONS[INTRADAY_BREAK]]
    bases = [s for s in fig.layout.shapes if s.name == "base"]
    assert [(pd.Timestamp(s.x0), pd.Timestamp(s.x1)) for s in bases] == [
        (SESSIONS[BASE_TOP], SESSIONS[CLOSE_BREAK] + pd.Timedelta(days=1))
    ]
    assert fig.layout.yaxis.type == "log"
    _assert_caption(fig, _day(0), _day(len(SESSIONS) - 1), "at least 250 sessions", "Source: RUT.", "1 breakout(s)")
    assert "weekly" not in _caption_text(fig)


def test_long_daily_series_are_thinned_to_real_days_keeping_extremes_and_the_last_day() -> None:
    days = pd.bdate_range("1990-01-01", periods=figures.MAX_DAILY_POINTS + 500, name="date")
    rng = np.random.default_rng(11)
    close = 100 * np.exp(np.cumsum(rng.normal(0.0003, 0.01, len(days))))
    close[777] *= 0.6  # a one-day plunge inside a stretch: it must be drawn
    bars = pd.DataFrame({"close": close}, index=days)
    events = breakout_events(bars)
    fig = figures.breakout_chart(bars, breakout_signal(bars), events, symbol="TEST")
    drawn = _trace(fig, "TEST close")
    x = pd.DatetimeIndex(drawn.x)
    assert len(x) < len(days) / 2
    # Every point drawn is a real day with its own close; the last is the last day given.
    assert x.isin(days).all() and x.is_monotonic_increasing
    assert np.allclose(np.asarray(drawn.y, dtype=float), bars["close"].reindex(x).to_numpy())
    assert x[-1] == days[-1] and x[0] == days[0]
    assert days[777] in x and days[int(np.argmax(close))] in x
    # The all-time high line keeps its top, and markers keep their exact daily dates.
    assert max(_trace(fig, "all-time high (close)").y) == pytest.approx(close.max())
    assert [pd.Timestamp(x) for x in _trace(fig, "breakout (close basis)").x] == list(events.index)
    assert "thinned for display" in _caption_text(fig)


def test_ratio_chart() -> None:
    fig = _all_figures()["ratio"]
    assert {t.name for t in fig.data} == {"RUT/GSPC", "50-session mean", "sessions ahead in a row"}
    _assert_caption(fig, _day(0), _day(len(SESSIONS) - 1), "RUT close / GSPC close", "Source: RUT, GSPC.")


def test_liquidity_chart_shades_each_regime_run_on_a_dual_axis() -> None:
    days = pd.date_range("2018-01-01", "2019-12-31", freq="D", name="date")
    btc = pd.Series(np.linspace(10000.0, 8000.0, 300), index=days[-300:])
    fig = figures.liquidity_chart(_liquidity_frame(days), btc)
    spans = {
        (s.name, pd.Timestamp(s.x0).date().isoformat(), pd.Timestamp(s.x1).date().isoformat())
        for s in fig.layout.shapes
    }
    assert spans == {("expanding", "2018-03-01", "2018-07-01"), ("contracting", "2019-02-01", "2019-02-02")}
    assert _trace(fig, "BTC close").yaxis == "y2"
    assert fig.layout.yaxis2.type == "log"
    first_btc = days[-300].date().isoformat()
    _assert_caption(fig, "2018-01-01", "2019-12-31", "WALCL", f"BTC {first_btc} to 2019-12-31", "+2%")


def test_cascade_heatmap_codes_lit_dark_and_unknown() -> None:
    frame = _cascade_frame()
    fig = figures.cascade_heatmap(frame)
    heat = fig.data[0]
    z = np.asarray(heat.z, dtype=float)
    assert z.shape == (len(LINKS), len(frame))
    for row, link in enumerate(LINKS):
        expected = np.where(frame[f"score_{link}"].isna(), 0, np.where(frame[link], 2, 1))
        assert list(z[row]) == list(expected), link
    assert list(heat.y) == ["bonds & credit", "large caps", "small caps", "Bitcoin", "ETH & alts"]
    assert list(heat.text[4][:3]) == ["unknown"] * 3
    _assert_caption(fig, "2015-01-01", "2015-01-06", "held 5 days", "min_days=5")


def test_cycle_overlay_chart_names_anchors_without_data() -> None:
    days = pd.date_range("2016-01-01", "2017-12-31", freq="D")
    close = pd.Series(np.linspace(400.0, 4000.0, len(days)), index=days)
    overlay = cycle_overlay(close, [pd.Timestamp("2016-07-09")], horizon_days=400)
    overlay[pd.Timestamp("2012-11-28")] = np.nan
    fig = figures.cycle_overlay_chart(overlay)
    assert [t.name for t in fig.data] == ["halving 2016-07-09"]
    assert fig.data[0].y[0] == pytest.approx(1.0)  # the multiple of the anchor-day close
    assert fig.layout.yaxis.type == "log"
    _assert_caption(fig, "2016-07-09", "2017-08-13", "No BTC data on: 2012-11-28", "close on the halving date")


def test_altseason_chart_has_the_threshold_and_hides_thin_baskets() -> None:
    frame = _alt_frame()
    fig = figures.altseason_chart(frame, parameters={"window": 30, "min_members": 5})
    share = _trace(fig, "share beating BTC")
    thin = (frame["members"] < 5).to_numpy()
    assert thin.any() and (~thin).any()
    assert all(v is None or np.isnan(v) for v in np.asarray(share.y, dtype=float)[thin])
    threshold = [s for s in fig.layout.shapes if s.type == "line"]
    assert [s.y0 for s in threshold] == [75.0]
    first = frame.index[~thin][0].date().isoformat()
    _assert_caption(fig, first, frame.index[-1].date().isoformat(), "at least 75%", "30-day return")


def test_altseason_chart_without_any_full_basket_still_draws_eth_btc() -> None:
    frame = _alt_frame()
    fig = figures.altseason_chart(frame, parameters={"min_members": 50})
    assert "No day yet with at least 50 coins" in _caption_text(fig)
    assert _trace(fig, "ETH/BTC")


def test_volatility_chart() -> None:
    days = pd.date_range("2019-01-01", periods=400, freq="D")
    rng = np.random.default_rng(5)
    close = pd.Series(100 * np.exp(np.cumsum(rng.normal(0, 0.03, len(days)))), index=days)
    frame = realized_volatility(close, min_history=30)
    fig = figures.volatility_chart(frame, symbol="ETH")
    assert {"30-day", "90-day", "30-day percentile", "90-day percentile"} <= {t.name for t in fig.data}
    assert np.nanmax(np.asarray(_trace(fig, "30-day").y, dtype=float)) == pytest.approx(frame["vol_30d"].max() * 100)
    first = frame["vol_30d"].first_valid_index().date().isoformat()
    _assert_caption(fig, first, days[-1].date().isoformat(), "sqrt(365)", "Source: ETH.")


def test_regime_panel_table_and_cascade_chain() -> None:
    picture = _regime()
    table = figures.regime_panel_table(picture)
    cells = table.data[0].cells.values
    assert list(cells[0]) == ["cascade", "liquidity", "altseason"]
    assert "stage 2/5" in cells[1][0]
    assert cells[1][2] == "unavailable: ETH is not in the store"
    assert cells[3][1] == "WALCL"  # stale inputs are named
    _assert_caption(table, "1990-01-02", "2017-06-01", "known by its end")

    chain = figures.cascade_chain_chart(picture)
    dots = chain.data[1]
    lit = [c == figures.COLORS["lit"] for c in dots.marker.color]
    assert lit == [True, True, False, True, True]
    assert "dark since 2017-05-07" in dots.text[2]
    assert "stage 2/5" in chain.layout.title.text


def test_fan_chart_draws_events_against_the_baseline_band() -> None:
    paths, band = _fan_inputs()
    fig = figures.fan_chart(paths, band, event="RUT breakout", target="BTC", kind="log")
    names = [t.name for t in fig.data]
    assert {"baseline 5%-95%", "baseline 25%-75%", "baseline median", "after 2016-11-14", "after 2020-11-13"} <= set(
        names
    )
    assert _trace(fig, "after 2016-11-14").y[-1] == pytest.approx(60.0)
    mean = np.asarray(_trace(fig, "mean of the events").y, dtype=float)
    assert mean[10] == pytest.approx((paths.iloc[10].mean()) * 100)
    assert np.isnan(mean[50])  # not a "mean" of the one event left
    assert "log return" in fig.layout.yaxis.title.text
    _assert_caption(fig, "2016-11-14", "2020-11-13", "2 event(s)", "Events: 2016-11-14, 2020-11-13")


def test_leadlag_bars_highlight_lags_outside_the_band() -> None:
    fig = figures.leadlag_bars(_ccf(), lead="RUT", lag="BTC", freq="W", data_range=("2013-04-29", "2026-02-20"))
    bars = _trace(fig, "correlation")
    red = [c == figures.COLORS["significant"] for c in bars.marker.color]
    assert red == [False, False, False, False, False, True, False, True, False]
    _assert_caption(fig, "2013-04-29", "2026-02-20", "2 of 9 lags outside", "k > 0: RUT moves first")


# --- validation -------------------------------------------------------------------------------------


def test_bad_inputs_name_the_argument() -> None:
    bars = _bars()
    signal = breakout_signal(bars)
    events = breakout_events(bars)
    with pytest.raises(TypeError, match="bars must be a pandas DataFrame"):
        figures.breakout_chart(bars["close"], signal, events)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="signal_frame lacks column.*in_price_discovery"):
        figures.breakout_chart(bars, signal.drop(columns="in_price_discovery"), events)
    with pytest.raises(TypeError, match="btc_close must be a pandas Series"):
        figures.liquidity_chart(_liquidity_frame(pd.date_range("2018-01-01", periods=30)), [1.0])  # type: ignore[arg-type]
    paths, band = _fan_inputs()
    with pytest.raises(ValueError, match="band columns must be quantiles"):
        figures.fan_chart(paths, band.rename(columns={0.05: "p5"}))
    with pytest.raises(ValueError, match="same bars"):
        figures.fan_chart(paths, band.set_axis(band.index + 100))
    with pytest.raises(ValueError, match="kind must be"):
        figures.fan_chart(paths, band, kind="pct")
    with pytest.raises(ValueError, match="ccf lacks column.*band_low"):
        figures.leadlag_bars(
            _ccf().drop(columns="band_low"), lead="A", lag="B", data_range=("2000-01-01", "2001-01-01")
        )
    with pytest.raises(ValueError, match="no data to draw"):
        figures.ratio_chart(
            relative_strength(
                pd.Series(dtype=float, index=pd.DatetimeIndex([])), pd.Series(dtype=float, index=pd.DatetimeIndex([]))
            )
        )
    with pytest.raises(TypeError, match="regime must be"):
        figures.regime_panel_table({"as_of": "2020-01-01"})  # type: ignore[arg-type]


# --- self-contained HTML ----------------------------------------------------------------------------


def test_figures_are_self_contained_in_html() -> None:
    bundle = get_plotlyjs()
    for name, fig in _all_figures().items():
        page = fig.to_html(include_plotlyjs=True, full_html=True)
        # Nothing is loaded from elsewhere: no external scripts, stylesheets or imports.
        assert not re.search(r"<script[^>]+src=", page), name
        assert not re.search(r"<link[^>]+href=", page), name
        assert "@import" not in page, name
        # The plotly.js bundle is inlined verbatim; its source mentions URLs (SVG namespaces, map
        # tile defaults) that it never fetches for these charts. Everything else holds none at all.
        assert bundle in page, name
        assert "http" not in page.replace(bundle, ""), name


# --- PNG export -----------------------------------------------------------------------------------


def _png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG file"
    width, height = struct.unpack(">II", head[16:24])
    return width, height


def test_to_png_renders_with_the_system_chromium(tmp_path: Path) -> None:
    try:
        import kaleido  # noqa: F401

        figures.find_browser()
    except (ImportError, FileNotFoundError) as missing:
        if os.environ.get("RISKCURVE_REQUIRE_BROWSER") == "1":
            pytest.fail(f"RISKCURVE_REQUIRE_BROWSER=1 but {missing}")
        pytest.skip(f"PNG export needs kaleido and Chromium: {missing}")
    fig = _all_figures()["leadlag"]
    written = figures.to_png(fig, tmp_path / "out" / "leadlag.png", width=800)
    assert written == tmp_path / "out" / "leadlag.png"
    assert _png_size(written) == (800, fig.layout.height)


def test_find_browser_says_how_to_get_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(FileNotFoundError, match="does not exist"):
        figures.find_browser(tmp_path / "no-such-browser")
    monkeypatch.delenv("BROWSER_PATH", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="apt-get install chromium"):
        figures.find_browser()
    fake = tmp_path / "my-chrome"
    fake.write_text("")
    monkeypatch.setenv("BROWSER_PATH", str(fake))
    assert figures.find_browser() == str(fake)


def test_write_pngs_validates_before_starting_a_browser(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match=r"figures\[.*a\.png'\] must be a plotly Figure"):
        figures.write_pngs({tmp_path / "a.png": {"data": []}})  # type: ignore[dict-item]
    with pytest.raises(ValueError, match="width must be"):
        figures.to_png(go.Figure(), tmp_path / "a.png", width=10)
