"""Notebook display: the shared card helper, and every result class showing itself with it."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd

from riskcurve._display import MAX_ROWS, frame_html, result_html
from riskcurve.backtest.engine import Backtest
from riskcurve.backtest.sweep.run import SweepResult
from riskcurve.signals.regime import Regime, RegimeItem
from riskcurve.stats.claims import ClaimResult
from riskcurve.stats.event_study import EventStudy
from riskcurve.stats.leadlag import LeadLag


def test_result_html_escapes_formats_and_collapses_the_summary() -> None:
    table = pd.DataFrame(
        {"x": [0.0751274163, math.nan], "d": [pd.Timestamp("2020-01-02"), pd.NaT], "n": [3, 1200]},
        index=pd.Index(["<a>", "b"], name="row"),
    )
    out = result_html("Study <1>", verdict="too few & weak", facts={"n": 3, "skip": None}, table=table, summary="s")
    assert "Study &lt;1&gt;" in out and "too few &amp; weak" in out and "&lt;a&gt;" in out
    assert "0.07513" in out and "2020-01-02" in out and "1,200" in out and "nan" not in out.lower()
    assert "<b>n</b>: 3" in out and "skip" not in out  # empty facts are left out
    assert "<details><summary>summary()</summary>" in out


def test_long_tables_are_cut_and_say_how_many_rows_are_left() -> None:
    out = frame_html(pd.DataFrame({"v": range(MAX_ROWS + 5)}))
    assert out.count("<tr>") == MAX_ROWS + 1 and "5 more rows" in out


def test_claim_card_shows_statement_finding_and_reason() -> None:
    claim = ClaimResult(
        "C01", "RUT broke out", "thesis", dt.date(2026, 1, 21), "episode", {}, "partly consistent", "weak",
        "intraday in 2024, on close in 2025", "closing break 2025-09-18", n=2, p=0.31,
    )  # fmt: skip
    out = claim._repr_html_()
    assert "C01: partly consistent" in out and "RUT broke out" in out and "closing break 2025-09-18" in out
    assert "<b>p</b>: 0.31" in out and "intraday in 2024" in out


def _walk(n: int, seed: int) -> pd.Series:
    rng = np.random.default_rng(seed)
    return pd.Series(100 * np.exp(np.cumsum(rng.normal(0, 0.01, n))), index=pd.bdate_range("2015-01-01", periods=n))


def test_every_result_class_shows_a_card() -> None:
    close = _walk(900, 1)
    events = pd.DatetimeIndex(close.index[[60, 200, 340, 480, 620, 760]])
    study = EventStudy(events, close, horizons=(5, 21), reps=50, seed=1, name="breakout:X").run()
    lead_lag = LeadLag(_walk(700, 2), _walk(700, 3), max_lag=3, reps=20, seed=1).run()
    backtest = Backtest(close, pd.Series(1.0, index=close.index), baselines={}).run()
    item = RegimeItem("cascade", "stage 3/5", {}, "definition", {"RUT": ("2000-01-03", "2026-02-20")})
    picture = Regime(dt.date(2026, 2, 20), None, (item,), (("altseason", "no data"),))
    sweep_table = pd.DataFrame(
        {"label": ["a", "b"], "sharpe": [1.2, 0.4], "cagr": [0.1, 0.02], "max_drawdown": [-0.3, -0.5],
         "trades": [4, 9], "p": [0.01, 0.4], "p_holm": [0.02, 0.4], "dsr": [0.9, 0.1]}
    )  # fmt: skip
    settings = {"signals": 2, "lags": [1], "assets": ["BTC"], "seconds": 0.1, "executor": "this process"}
    sweep = SweepResult("ma-cross", "MA crossings", sweep_table, None, None, settings)
    cards = {
        "Event study: breakout:X": study._repr_html_(),
        "Lead-lag:": lead_lag._repr_html_(),
        "Backtest: strategy": backtest._repr_html_(),
        "Regime as of 2026-02-20": picture._repr_html_(),
        "Sweep ma-cross: 2 combinations": sweep._repr_html_(),
    }
    for title, card in cards.items():
        assert card.startswith("<div class='riskcurve-result'") and title in card, title
        assert "<table" in card and card.endswith("</div>"), title
    assert "unavailable: no data" in cards["Regime as of 2026-02-20"]
