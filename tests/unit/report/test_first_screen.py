"""The first screen's answers as data: freshness, forecasts in words, claims by grade."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from riskcurve.report.first_screen import (
    STALE_AFTER_DAYS,
    claims_by_grade,
    forecast_lines,
    freshness,
)
from riskcurve.stats.claims import ClaimResult


def _listing(rows: list[tuple[str, str, str, int]]) -> pd.DataFrame:
    return pd.DataFrame(
        [{"symbol": s, "first_date": pd.Timestamp(a), "last_date": pd.Timestamp(b), "rows": n} for s, a, b, n in rows]
    )


LISTING = _listing(
    [
        ("BTC", "2020-01-01", "2026-08-21", 2425),  # daily
        ("RUT", "2020-01-02", "2026-08-21", 1670),  # sessions
        ("WALCL", "2020-01-01", "2026-08-19", 346),  # weekly
        ("M2SL", "2020-01-01", "2026-06-01", 78),  # monthly: not judged by the week rule
        ("XLM", "2020-01-01", "2026-01-01", 2193),  # a coin whose closes stopped
    ]
)


def test_stale_data_are_named_with_their_last_dates() -> None:
    fresh = freshness(LISTING, ["BTC", "WALCL", "M2SL", "XLM"], dt.date(2026, 12, 6), core=("RUT", "BTC"))
    assert fresh.loud and fresh.days_behind == 107 and fresh.core_last == dt.date(2026, 8, 21)
    assert [s for s, _ in fresh.stale] == ["BTC", "RUT", "WALCL", "XLM"]  # newest first; M2SL is monthly
    said = fresh.sentence()
    assert "107 days before 2026-12-06" in said
    assert "BTC, RUT on 2026-08-21" in said and "WALCL on 2026-08-19" in said and "XLM on 2026-01-01" in said


def test_data_a_few_days_old_raise_no_banner() -> None:
    day = dt.date(2026, 8, 21) + dt.timedelta(days=STALE_AFTER_DAYS)
    fresh = freshness(LISTING, ["BTC", "WALCL"], day, core=("RUT", "BTC"))
    assert not fresh.loud and fresh.sentence() == ""
    assert freshness(LISTING, ["BTC"], day + dt.timedelta(days=1), core=("BTC",)).sentence() != ""


def _forecast(grade: str, moves: tuple[dict[str, Any], ...], **extra: Any) -> ClaimResult:
    return ClaimResult(
        "C45", "Crypto will follow the small-cap breakout", "thesis", dt.date(2026, 1, 21), "forecast", {},
        grade, "weak", "2 of 2 decided parts contradicted", "moves", moves=moves,
        window_end=dt.date(2026, 4, 21), **extra,
    )  # fmt: skip


def test_a_resolved_forecast_reads_as_one_line_of_words_with_its_moves() -> None:
    moves = (
        {"asset": "BTC", "m1": -0.2391, "m1_to": "2026-02-21", "m3": -0.1457, "m3_to": "2026-04-21"},
        {"asset": "ALT_BASKET", "m1": -0.2445, "m3": -0.2315},
        {"asset": "ETH", "note": "no data"},
    )
    (line,) = forecast_lines([_forecast("contradicted", moves)])
    assert line.resolved and line.outcome == "Did not come true"
    assert line.moves == "After 1 / 3 months: BTC -24% / -15%, altcoin basket -24% / -23%."
    assert line.sentence().startswith("Did not come true: \u201cCrypto will follow")


def test_an_open_forecast_says_when_it_will_be_decided() -> None:
    moves = ({"asset": "ETH", "m1": 0.034, "m2": None},)
    (line,) = forecast_lines([_forecast("pending", moves)])
    assert not line.resolved and line.outcome == "Not decided until 2026-04-21"
    assert line.moves == "After 1 month: ETH +3.4%."


def test_claims_are_grouped_by_grade_with_their_statements() -> None:
    def claim(cid: str, grade: str) -> ClaimResult:
        return ClaimResult(cid, f"statement of {cid}", "thesis", dt.date(2026, 1, 21), "measure", {}, grade, "weak",
                           "why", "found")  # fmt: skip

    groups = claims_by_grade([claim("C03", "contradicted"), claim("C01", "consistent"), claim("C02", "consistent")])
    assert [g for g, _ in groups] == ["consistent", "contradicted"]
    assert [(c.id, c.statement) for c in groups[0][1]] == [("C01", "statement of C01"), ("C02", "statement of C02")]
