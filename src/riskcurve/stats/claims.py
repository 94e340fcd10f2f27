"""The claims checker: each thesis item of the spec as a named, reproducible check.

A check states the claim and the claimed figure, the exact definition it measures, the data it
used, the measured figure, how many observations stand behind it (and a p-value or interval
where one applies), and a grade. The grade does not take sides; it says whether the data are
consistent with the claim under the stated definition and how much evidence there is.

Grades: ``consistent``, ``partly consistent``, ``inconsistent``, ``too few observations``
(the data cannot decide), ``data missing`` (a series must be imported first; the check says
which), ``before the data`` (the claim reaches back further than the data).
Evidence: ``strong``, ``moderate``, ``weak``, ``none``.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, cast

import numpy as np
import pandas as pd
from scipy import stats as scipy_stats

from riskcurve.data.panel import MarketData
from riskcurve.data.store import Store
from riskcurve.errors import DataError, InsufficientDataWarning
from riskcurve.signals import breakout, cascade, cycle, divergence, relative_strength, volatility
from riskcurve.signals.events import onsets
from riskcurve.stats import event_study, leadlag
from riskcurve.stats.multiple_testing import adjust, family_table

Grade = Literal[
    "consistent", "partly consistent", "inconsistent", "too few observations", "data missing", "before the data"
]
Evidence = Literal["strong", "moderate", "weak", "none"]


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check.

    Attributes
    ----------
    name
        The check's name (``riskcurve check NAME``).
    thesis_item
        The numbered thesis item of the spec it checks.
    claim
        The claim in words, as made.
    claimed
        The claimed figure(s), as text.
    definition
        What exactly was measured.
    measured
        The measured figure(s), as text.
    grade, evidence
        See the module docstring.
    n
        Observations behind the result (events, years, episodes), when that is meaningful.
    p_value
        Where a test applies, its p-value (and what it tests is in ``details['test']``).
    interval
        A confidence interval ``(low, high)`` for the main measured figure, where one applies.
    data
        Symbols used, with their first and last dates.
    details
        The numbers behind ``measured`` (JSON-ready).
    note
        Caveats: what the data cannot say, which series to import.
    """

    name: str
    thesis_item: int
    claim: str
    claimed: str
    definition: str
    measured: str
    grade: Grade
    evidence: Evidence
    n: int | None = None
    p_value: float | None = None
    interval: tuple[float, float] | None = None
    data: Mapping[str, Mapping[str, str | None]] = field(default_factory=dict)
    details: Mapping[str, Any] = field(default_factory=dict)
    note: str = ""

    def _repr_html_(self) -> str:
        from riskcurve._display import claim_html

        return claim_html(self)

    def to_dict(self) -> dict[str, Any]:
        """The ``--json`` schema of one check."""
        return {
            "name": self.name,
            "thesis_item": self.thesis_item,
            "claim": self.claim,
            "claimed": self.claimed,
            "definition": self.definition,
            "measured": self.measured,
            "grade": self.grade,
            "evidence": self.evidence,
            "n": self.n,
            "p_value": _json(self.p_value),
            "interval": [_json(v) for v in self.interval] if self.interval else None,
            "data": {k: dict(v) for k, v in self.data.items()},
            "details": _json(self.details),
            "note": self.note,
        }


def _json(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.date().isoformat()
    if value is pd.NaT:
        return None
    return value


def evidence_from(p_value: float | None, n: int | None, *, min_n: int = 5) -> Evidence:
    """Evidence strength from a p-value and a sample size: small samples are never strong."""
    if p_value is None or n is None or n < min_n:
        return "none" if n is not None and n < min_n else "weak"
    if p_value < 0.01 and n >= 20:
        return "strong"
    if p_value < 0.05:
        return "moderate"
    return "weak" if p_value < 0.2 else "none"


def _ranges(data: MarketData, symbols: Iterable[str]) -> dict[str, dict[str, str | None]]:
    out: dict[str, dict[str, str | None]] = {}
    for symbol in symbols:
        if not data.has(symbol):
            out[symbol] = {"first": None, "last": None}
            continue
        frame = data.bars(symbol) if data.store.kind(symbol) == "price" else data.vintages(symbol)
        out[symbol] = {
            "first": frame.index.min().date().isoformat() if len(frame) else None,
            "last": frame.index.max().date().isoformat() if len(frame) else None,
        }
    return out


def _pct(value: float | None, digits: int = 1) -> str:
    return "n/a" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value * 100:+.{digits}f}%"


def _calendar_return(close: pd.Series, year: int) -> tuple[float | None, str | None, str | None]:
    """Return over a calendar year: last close of the year before to last close of the year."""
    before = close.loc[: f"{year - 1}-12-31"]
    during = close.loc[f"{year}-01-01" : f"{year}-12-31"]
    if before.empty or during.empty:
        return None, None, None
    return (
        float(during.iloc[-1] / before.iloc[-1] - 1),
        before.index[-1].date().isoformat(),
        during.index[-1].date().isoformat(),
    )


# -- thesis item 6 ------------------------------------------------------------------------------


def check_january_effect(data: MarketData) -> CheckResult:
    data.require("RUT", "GSPC")
    table = relative_strength.january_table(data.close("RUT"), data.close("GSPC"))
    summary = relative_strength.january_effect(table, threshold_bp=500, claim_since=1979)
    kept, complete = summary["n_kept_lead"], summary["n_complete"]
    mean_small = summary["mean_full_small"]
    # A one-sided binomial test against a coin flip: is keeping the lead more common than chance?
    p_value = float(scipy_stats.binomtest(kept, complete, 0.5, alternative="greater").pvalue) if complete else None
    measured = (
        f"{summary['n_selected']} years since {summary['first_year']} ({', '.join(map(str, summary['years']))}); "
        f"{kept} of {complete} complete years kept the lead; mean full-year RUT {_pct(mean_small)}"
    )
    grade: Grade = (
        "before the data"
        if summary["reaches_before_data"]
        else ("consistent" if summary["n_selected"] == 5 and kept == 4 else "inconsistent")
    )
    return CheckResult(
        "january-effect",
        6,
        "Since 1979, 5 years in which the Russell 2000 beat the S&P 500 by >= 500 bp in January; in 4 the "
        "lead held for the full year (2021 the exception); average full-year Russell 2000 gain 22.6%.",
        "5 years, 4 kept the lead, +22.6% average",
        summary["definition"],
        measured,
        grade,
        evidence_from(p_value, complete),
        n=complete,
        p_value=p_value,
        data=_ranges(data, ("RUT", "GSPC")),
        details={**summary, "test": "one-sided binomial: kept-lead share > 1/2"},
        note=(
            f"The Russell 2000 data start {table.index.min() if len(table) else 'n/a'}: the years 1979-1987 of the "
            "claim cannot be checked, so the counts cover a shorter span than the claim."
            if summary["reaches_before_data"]
            else ""
        ),
    )


# -- thesis item 1 ------------------------------------------------------------------------------


def check_rut_breakout(data: MarketData) -> CheckResult:
    data.require("RUT")
    bars = data.bars("RUT")
    params = breakout.BreakoutParams()
    events = breakout.breakout_events(bars, params)
    intraday = breakout.breakout_events(bars, breakout.BreakoutParams(basis="intraday"))
    late_2021 = events[events["base_start"].between("2021-01-01", "2021-12-31")]
    close = bars["close"]
    details: dict[str, Any] = {"events": events.reset_index().to_dict("records")}
    if late_2021.empty:
        return CheckResult(
            "rut-breakout",
            1,
            "The Russell 2000 broke its late-2021 high in November (2024 by one account, 2025 by another) after "
            "about three years sideways, and entered price discovery in January 2026.",
            "break in Nov 2024 or Nov 2025; ~3-year base",
            _doc(breakout.breakout_events),
            "no break of the late-2021 high in the data",
            "inconsistent" if close.index.max() >= pd.Timestamp("2025-12-31") else "too few observations",
            "none",
            data=_ranges(data, ("RUT",)),
            details=details,
        )
    event = late_2021.iloc[-1]
    close_date, intraday_date = pd.Timestamp(event["close_high_date"]), pd.Timestamp(event["intraday_high_date"])
    base_years = (pd.Timestamp(cast(Any, event.name)) - pd.Timestamp(event["base_start"])).days / 365.25
    jan = close.loc["2026-01-01":"2026-01-31"]
    start_2026 = close.loc[:"2025-12-31"]
    details.update(
        {
            "old_high": event["old_high"],
            "old_high_date": event["base_start"],
            "intraday_break": intraday_date,
            "close_break": close_date,
            "base_sessions": int(event["base_length"]),
            "base_years": base_years,
            "intraday_basis_events": intraday.reset_index()["date"].tolist(),
        }
    )
    measured = (
        f"late-2021 closing high {event['old_high']:,.2f} ({pd.Timestamp(event['base_start']).date()}); broken "
        f"intraday on {intraday_date.date()} and on close on {close_date.date()}; base {int(event['base_length'])} "
        f"sessions ({base_years:.1f} years)"
    )
    if len(jan) and len(start_2026):
        ytd = float(jan.max() / start_2026.iloc[-1] - 1)
        # The best three-week (15-session) gain ending in January 2026.
        three_weeks = float((close / close.shift(15) - 1).loc[jan.index].max())
        above_2600 = close[close > 2600]
        above_2700 = close[close > 2700]
        details.update(
            {
                "jan_2026_last_close": float(jan.iloc[-1]),
                "jan_2026_max_close": float(jan.max()),
                "max_ytd_in_jan_2026": ytd,
                "max_three_week_gain_in_jan_2026": three_weeks,
                "first_close_above_2600": above_2600.index[0] if len(above_2600) else None,
                "first_close_above_2700": above_2700.index[0] if len(above_2700) else None,
            }
        )
        measured += (
            f"; January 2026: max close {jan.max():,.2f} (YTD {_pct(ytd)}), best 3-week gain "
            f"{_pct(three_weeks)}, first close above 2,600 on "
            f"{above_2600.index[0].date() if len(above_2600) else 'never'}"
        )
    november_2024 = intraday_date.to_period("M") == pd.Period("2024-11")
    november_2025 = close_date.to_period("M") == pd.Period("2025-11")
    grade: Grade = "partly consistent" if november_2024 or november_2025 else "inconsistent"
    return CheckResult(
        "rut-breakout",
        1,
        "The Russell 2000 broke its late-2021 high in November (2024 by one account, 2025 by another) after about "
        "three years sideways, and entered price discovery in January 2026 (up ~9% in three weeks, above 2,700; "
        "another account: first close above 2,600, ~15% YTD).",
        "break in Nov 2024 or Nov 2025; ~3-year base; Jan 2026 +~9% in 3 weeks / ~15% YTD",
        _doc(breakout.breakout_events),
        measured,
        grade,
        "strong",  # dates and levels are read off the data, not estimated
        n=1,
        data=_ranges(data, ("RUT",)),
        details=details,
        note=(
            "The two accounts differ because the intraday and closing highs were broken on different dates: "
            "the November 2024 account matches the intraday break; the close first exceeded the 2021 closing "
            "high in September 2025, not November."
            if november_2024 and not november_2025
            else ""
        ),
    )


def _doc(function: Callable[..., Any]) -> str:
    text = (function.__doc__ or "").strip()
    return text.split("\n\n")[0].replace("\n", " ")


# -- thesis item 3: the halving windows -----------------------------------------------------------


#: The commentary the thesis checks was written in January 2026; claims about "now" are read then.
CLAIM_DAY = pd.Timestamp("2026-01-15")


def _claim_day(data: MarketData) -> pd.Timestamp:
    return min(CLAIM_DAY, data.as_of)


def check_halving_windows(data: MarketData) -> CheckResult:
    data.require("BTC")
    table = cycle.halving_window_returns(data.close("BTC"), as_of=_claim_day(data))
    latest = table.iloc[-1]
    earlier = table.iloc[:-1]
    multiples = {str(k.date()) if isinstance(k, pd.Timestamp) else str(k): v for k, v in earlier["multiple"].items()}
    measured = (
        f"{int(latest['days'])} days after the {pd.Timestamp(table.index[-1]).date()} halving: "
        f"{_pct(latest['return'], 0)} ({latest['start_close']:,.0f} -> {latest['end_close']:,.0f}); same windows "
        "after earlier halvings: "
        + ", ".join(
            f"{day}: {'n/a (' + str(note) + ')' if pd.isna(m) else f'{m:.1f}x'}"
            for (day, m), note in zip(multiples.items(), earlier["note"], strict=True)
        )
    )
    checkable = earlier["multiple"].notna()
    latest_ok = 0.3 <= latest["return"] <= 0.7
    close_to_5x = bool(((earlier["multiple"] - 5).abs() <= 1.5).any())
    close_to_27x = bool(((earlier["multiple"] - 27).abs() <= 8).any())
    grade: Grade = (
        "consistent"
        if latest_ok and close_to_5x and close_to_27x
        else ("partly consistent" if latest_ok or close_to_5x else "inconsistent")
    )
    return CheckResult(
        "halving-windows",
        3,
        "Bitcoin from the April 2024 halving (~63k) to ~90k was +~50%, against roughly 5x and 27x over the same "
        "windows of earlier cycles.",
        "+~50% now vs ~5x and ~27x",
        _doc(cycle.halving_window_returns),
        measured,
        grade,
        "weak",  # three cycles: a description, not a test
        n=int(checkable.sum()) + 1,
        data=_ranges(data, ("BTC",)),
        details=_json(table.reset_index().to_dict("records")),
        note=(
            "Only cycles with a BTC close on their halving date can be measured; the snapshot's BTC history starts "
            "2013-04-29, after the 2012 halving. With three comparable cycles this is a description, not evidence."
        ),
    )


# -- thesis item 7: issuance ------------------------------------------------------------------------


def check_supply(data: MarketData) -> CheckResult:
    halving = pd.Timestamp("2024-04-20")
    rows = cycle.issuance(pd.DatetimeIndex([halving - pd.Timedelta(days=1), halving, data.as_of]))
    before, after, now = rows.iloc[0], rows.iloc[1], rows.iloc[2]
    measured = (
        f"supply inflation {before['supply_inflation'] * 100:.2f}%/yr before the 2024 halving, "
        f"{after['supply_inflation'] * 100:.2f}% after; share of 21M mined {after['share_mined'] * 100:.2f}% at the "
        f"halving, {now['share_mined'] * 100:.2f}% on {data.as_of.date()}"
    )
    consistent = abs(before["supply_inflation"] - 0.017) < 0.0015 and abs(after["supply_inflation"] - 0.0085) < 0.001
    mined_ok = abs(after["share_mined"] - 0.94) < 0.01
    return CheckResult(
        "supply-inflation",
        7,
        "The halving supply shock fades: annual issuance fell from ~1.7% to ~0.85% of supply; ~94% of all BTC "
        "already mined.",
        "~1.7% -> ~0.85%; ~94% mined",
        _doc(cycle.issuance),
        measured,
        "consistent" if consistent and mined_ok else "partly consistent" if consistent or mined_ok else "inconsistent",
        "strong",  # arithmetic of the protocol's schedule, not an estimate
        data={},
        details={
            "before": _json(before.to_dict()),
            "after": _json(after.to_dict()),
            "as_of": _json(now.to_dict()),
        },
        note="Computed from Bitcoin's subsidy schedule (block heights estimated between known halvings).",
    )


#: A cycle's previous peak is the highest close up to this many days before its halving: cycles
#: have peaked 12-18 months after a halving and bottomed about a year before the next one.
PRIOR_PEAK_GAP_DAYS = 540


def check_btc_before_halving(data: MarketData) -> CheckResult:
    data.require("BTC")
    close = data.close("BTC")
    rows: list[dict[str, Any]] = []
    for halving in cycle.halving_dates():
        if halving > data.as_of:
            break
        cutoff = halving - pd.Timedelta(days=PRIOR_PEAK_GAP_DAYS)
        prior = close.loc[:cutoff]
        if prior.empty:
            rows.append({"halving": halving, "prior_high": None, "first_above": None, "before_halving": None})
            continue
        after = close.loc[cutoff:]
        above = after[after > prior.max()]
        first_above = above.index[0] if len(above) else None
        rows.append(
            {
                "halving": halving,
                "prior_high": float(prior.max()),
                "prior_high_date": prior.idxmax(),
                "first_above": first_above,
                "before_halving": bool(first_above is not None and first_above < halving),
            }
        )
    measurable = [r for r in rows if r["before_halving"] is not None]
    firsts = [pd.Timestamp(r["halving"]).year for r in measurable if r["before_halving"]]
    measured = "; ".join(
        f"{pd.Timestamp(r['halving']).date()} halving: previous peak {r['prior_high']:,.0f} "
        f"({pd.Timestamp(r['prior_high_date']).date()}) first exceeded "
        f"{pd.Timestamp(r['first_above']).date() if r['first_above'] is not None else 'not yet'}"
        + (" - before the halving" if r["before_halving"] else "")
        for r in measurable
    )
    grade: Grade = (
        "too few observations" if len(measurable) < 2 else "consistent" if firsts == [2024] else "inconsistent"
    )
    return CheckResult(
        "btc-high-before-halving",
        7,
        "Bitcoin broke its prior all-time high before the 2024 halving, for the first time.",
        "first time in 2024",
        f"For each halving H: the previous cycle's peak (highest close up to {PRIOR_PEAK_GAP_DAYS} days before H) "
        "and the first later close above it; 'before the halving' if that close came before H.",
        measured or "no measurable cycle",
        grade,
        "weak" if len(measurable) < 4 else "moderate",
        n=len(measurable),
        data=_ranges(data, ("BTC",)),
        details={"cycles": _json(rows)},
        note="The 2012 halving's previous cycle predates the BTC data (2013-04-29), so it cannot be measured.",
    )


# -- thesis item 5 ------------------------------------------------------------------------------------


def check_metals_2025(data: MarketData) -> CheckResult:
    symbols = [s for s in ("GOLD", "SILVER", "GOLD_LBMA") if data.has(s)]
    if not {"GOLD", "SILVER"} <= set(symbols):
        data.require("GOLD", "SILVER")
    returns = {s: _calendar_return(data.close(s), 2025) for s in symbols}
    gold, silver = returns["GOLD"][0], returns["SILVER"][0]
    measured = ", ".join(f"{s} {_pct(r[0], 0)} ({r[1]} -> {r[2]})" for s, r in returns.items() if r[0] is not None)
    gold_ok = gold is not None and abs(gold - 0.60) <= 0.10
    silver_ok = silver is not None and abs(silver - 2.10) <= 0.40
    complete = returns["GOLD"][2] is not None and returns["GOLD"][2] >= "2025-12-24"
    grade: Grade = (
        "too few observations"
        if not complete
        else "consistent"
        if gold_ok and silver_ok
        else "partly consistent"
        if gold_ok or silver_ok
        else "inconsistent"
    )
    return CheckResult(
        "metals-2025",
        5,
        "Gold rose ~60% in 2025 and silver ~210%, both making new highs while Bitcoin fell.",
        "gold +60%, silver +210% in 2025",
        "Calendar-year 2025 return: last close of 2025 over the last close of 2024 (GOLD, SILVER: COMEX front-month "
        "futures; GOLD_LBMA: LBMA PM fix).",
        measured,
        grade,
        "strong" if complete else "none",
        data=_ranges(data, symbols),
        details={s: {"return": r[0], "from": r[1], "to": r[2]} for s, r in returns.items()},
        note="Futures returns include roll effects; GOLD_LBMA is the spot benchmark.",
    )


def check_divergence_episode(data: MarketData) -> CheckResult:
    data.require("RUT", "GSPC", "BTC", "GOLD", "SILVER")
    days = data.days("2024-01-01")
    frame = divergence.anything_but_crypto(
        *(pd.Series(data.closes([s], days)[s]) for s in ("RUT", "GOLD", "SILVER", "BTC"))
    )
    episodes = divergence.divergence_events(frame, cooldown=7)
    rut = data.close("RUT")
    rs = relative_strength.relative_strength(rut, data.close("GSPC"))
    ath = breakout.all_time_highs(data.bars("RUT"))
    records_2026 = ath.loc["2026-01-01":"2026-02-28"]
    record_days = records_2026.index[records_2026["new_close_high"]]
    btc = data.close("BTC")
    details: dict[str, Any] = {"episodes": _json(episodes.to_dict("records"))}
    if len(record_days) == 0:
        return CheckResult(
            "divergence-episode",
            5,
            _DIVERGENCE_CLAIM,
            _DIVERGENCE_CLAIMED,
            _doc(divergence.anything_but_crypto),
            "no Russell 2000 record close in Jan-Feb 2026 in the data",
            "inconsistent" if rut.index.max() >= pd.Timestamp("2026-02-28") else "too few observations",
            "none",
            data=_ranges(data, ("RUT", "GSPC", "BTC", "GOLD", "SILVER")),
            details=details,
        )
    rows = []
    for day in record_days:
        window = btc.loc[day - pd.Timedelta(days=10) : day]
        down = btc.diff().loc[:day]
        streak_down = int((down.iloc[::-1] < 0).cumprod().sum())
        near_100k = btc.loc[day - pd.Timedelta(days=95) : day]
        vol = volatility.realized_volatility(btc.loc[:day])
        rows.append(
            {
                "date": day,
                "rut_change": float(rut.pct_change().loc[day]),
                "rut_streak_vs_gspc": int(rs["streak"].loc[:day].iloc[-1]),
                "btc_close": float(btc.loc[:day].iloc[-1]),
                "btc_week_high": float(window.max()),
                "btc_down_days_in_a_row": streak_down,
                "btc_share_of_prior_95d_within_10pct_of_100k": float((near_100k.between(90_000, 110_000)).mean()),
                "btc_vol_30d": float(vol["vol_30d"].iloc[-1]),
                "btc_vol_30d_percentile": float(vol["percentile_30d"].iloc[-1]),
                "divergence_state": bool(frame["divergence"].reindex([day]).fillna(False).iloc[0]),
            }
        )
    # The claim describes one day: take the record day whose figures come closest to it.
    best = min(rows, key=lambda r: abs(r["rut_streak_vs_gspc"] - 11) / 11 + abs(r["rut_change"] - 0.012) / 0.012)
    details["record_days"] = _json(rows)
    measured = (
        f"RUT record closes on {', '.join(str(pd.Timestamp(r['date']).date()) for r in rows)}; on "
        f"{pd.Timestamp(best['date']).date()}: RUT {_pct(best['rut_change'])}, {best['rut_streak_vs_gspc']} straight "
        f"sessions ahead of the S&P 500; BTC {best['btc_close']:,.0f} (10-day high {best['btc_week_high']:,.0f}), "
        f"{best['btc_down_days_in_a_row']} down days in a row, 30-day vol percentile "
        f"{best['btc_vol_30d_percentile'] * 100:.0f}; 'anything but crypto' state "
        f"{'on' if best['divergence_state'] else 'off'}"
    )
    conditions = {
        "divergence state on": best["divergence_state"],
        "9-13 sessions ahead of the S&P 500": 9 <= best["rut_streak_vs_gspc"] <= 13,
        "RUT up 0.6-1.8% that day": abs(best["rut_change"] - 0.012) <= 0.006,
        "BTC at least 5% below its 10-day high": best["btc_close"] <= 0.95 * best["btc_week_high"],
        "BTC down 4+ days in a row": best["btc_down_days_in_a_row"] >= 4,
        "BTC 30-day vol in its lowest decile": best["btc_vol_30d_percentile"] < 0.1,
    }
    matches = sum(conditions.values())
    details["conditions"] = conditions
    measured += f"; {matches} of {len(conditions)} described features present"
    return CheckResult(
        "divergence-episode",
        5,
        _DIVERGENCE_CLAIM,
        _DIVERGENCE_CLAIMED,
        _doc(divergence.anything_but_crypto),
        measured,
        "consistent" if matches == len(conditions) else "partly consistent" if matches >= 3 else "inconsistent",
        "weak",  # one episode: a description
        n=len(rows),
        data=_ranges(data, ("RUT", "GSPC", "BTC", "GOLD", "SILVER")),
        details=details,
        note="One episode describes a day; it is not evidence that divergences predict anything.",
    )


_DIVERGENCE_CLAIM = (
    "On the day the Russell 2000 made a record (+1.2%, 11 straight sessions beating the S&P 500), Bitcoin fell from "
    "98k to 91k after ~3 months stuck near 100k, six down days in a row and record-low volatility, while gold and "
    "silver made new highs: 'anything but crypto'."
)
_DIVERGENCE_CLAIMED = "RUT record +1.2%, 11-session streak; BTC 98k -> 91k, 6 down days, record-low vol"


def check_btc_volatility_low(data: MarketData) -> CheckResult:
    data.require("BTC")
    vol = volatility.realized_volatility(data.close("BTC"))
    window = vol.loc["2025-10-01":"2026-01-31"]
    if window.empty:
        window = vol.tail(120)
    low_day = window["vol_30d"].idxmin()
    low_day = pd.Timestamp(cast(Any, low_day))
    row = vol.loc[low_day]
    records = vol.index[vol["record_low_30d"] | vol["record_low_90d"]]
    measured = (
        f"lowest 30-day vol in Oct 2025-Jan 2026: {row['vol_30d'] * 100:.1f}% on {low_day.date()} (percentile "
        f"{row['percentile_30d'] * 100:.1f} of history to date); last record low of 30/90-day vol: "
        f"{records[-1].date() if len(records) else 'never'}"
    )
    is_record = bool(row["record_low_30d"] or row["record_low_90d"])
    return CheckResult(
        "btc-volatility-low",
        5,
        "Bitcoin's volatility was at a record low before the January 2026 drop.",
        "record-low volatility",
        _doc(volatility.realized_volatility),
        measured,
        "consistent" if is_record else "partly consistent" if row["percentile_30d"] < 0.05 else "inconsistent",
        "strong",
        data=_ranges(data, ("BTC",)),
        details={"low_day": low_day, **_json(row.to_dict()), "record_days": [d.date().isoformat() for d in records]},
    )


def check_btc_early_warning(data: MarketData) -> CheckResult:
    data.require("BTC", "RUT", "GSPC")
    tables = []
    for equity in ("RUT", "GSPC"):
        table = divergence.early_warning(data.close("BTC"), data.close(equity))
        table["equity"] = equity
        tables.append(table)
    leads = pd.concat(tables, ignore_index=True)
    matched = leads["lead_days"].dropna()
    ahead, behind = int((matched > 0).sum()), int((matched < 0).sum())
    p_value = (
        float(scipy_stats.binomtest(ahead, ahead + behind, 0.5, alternative="greater").pvalue)
        if ahead + behind
        else None
    )
    measured = (
        f"{len(matched)} matched turning points (20% zig-zag) against RUT and GSPC: BTC first in {ahead}, after in "
        f"{behind}, same day in {int((matched == 0).sum())}; median lead {matched.median():+.0f} days"
        if len(matched)
        else "no matched turning points"
    )
    return CheckResult(
        "btc-early-warning",
        5,
        "Bitcoin is the early-warning asset: it tops and bottoms before the other risk assets.",
        "BTC turns first",
        _doc(divergence.early_warning),
        measured,
        "too few observations" if ahead + behind < 6 else "consistent" if (p_value or 1) < 0.05 else "inconsistent",
        evidence_from(p_value, ahead + behind),
        n=ahead + behind,
        p_value=p_value,
        data=_ranges(data, ("BTC", "RUT", "GSPC")),
        details={"turning_points": _json(leads.to_dict("records")), "test": "one-sided sign test: BTC first > 1/2"},
        note="Turning points are dated after the fact (confirmed by a 20% reversal); the leads are historical.",
    )


def check_rut_2025_flows(data: MarketData) -> CheckResult:
    data.require("RUT")
    ret, start, end = _calendar_return(data.close("RUT"), 2025)
    flows = next((s for s in ("SMALLCAP_ETF_FLOWS", "IWM_FLOWS") if data.has(s)), None)
    measured = f"RUT 2025 calendar-year return {_pct(ret, 1)} ({start} -> {end})"
    details: dict[str, Any] = {"rut_2025_return": ret}
    index_ok = ret is not None and ret > 0.40
    if flows is None:
        return CheckResult(
            "rut-2025-flows",
            7,
            "In 2025 the index rose over 40% while small-cap ETFs saw ~$20B net outflows.",
            "index > +40%; ETF net outflows ~-$20B",
            "RUT calendar-year 2025 return; sum of 2025 net flows of the imported small-cap ETF flow series.",
            measured + "; ETF flows: not in the store",
            "data missing" if index_ok else "inconsistent",
            "none" if index_ok else "strong",
            data=_ranges(data, ("RUT",)),
            details=details,
            note=(
                (
                    ""
                    if index_ok
                    else "The index half already fails on the calendar year (a rise of over 40% may "
                    "refer to the rebound from the April 2025 low). "
                )
                + "Import weekly or daily small-cap ETF net flows (USD) to check the flow half: "
                "`riskcurve import flows.csv --name SMALLCAP_ETF_FLOWS --unit USD --lag-days 1`, then run "
                "`riskcurve check rut-2025-flows` again."
            ),
        )
    series = data.store.observations(flows, "2025-01-01", "2025-12-31", as_of=data.as_of)["value"]
    total = float(series.sum())
    details["flows_2025"] = total
    flows_ok = abs(total - (-20e9)) <= 5e9 if abs(total) > 1e6 else abs(total - (-20)) <= 5
    return CheckResult(
        "rut-2025-flows",
        7,
        "In 2025 the index rose over 40% while small-cap ETFs saw ~$20B net outflows.",
        "index > +40%; ETF net outflows ~-$20B",
        f"RUT calendar-year 2025 return; sum of 2025 values of {flows}.",
        measured + f"; {flows} 2025 sum {total:,.1f} ({len(series)} rows)",
        "consistent" if index_ok and flows_ok else "partly consistent" if index_ok or flows_ok else "inconsistent",
        "moderate",
        data=_ranges(data, ("RUT", flows)),
        details=details,
    )


def check_unprofitable_share(data: MarketData) -> CheckResult:
    name = "RUT_UNPROFITABLE_SHARE"
    claim = "~40% of Russell 2000 companies reported losses in Q3 2025, double the 2007 share."
    if not data.has(name):
        return CheckResult(
            "unprofitable-share",
            7,
            claim,
            "~40% in Q3 2025, ~2x 2007",
            f"Value of {name} for 2025-09-30 against its 2007 average.",
            "not in the store",
            "data missing",
            "none",
            note=(
                f"Import the share of loss-making Russell 2000 companies (fraction or percent, quarterly): "
                f"`riskcurve import share.csv --name {name} --lag-days 45`, then run "
                "`riskcurve check unprofitable-share` again."
            ),
        )
    series = data.store.observations(name, as_of=data.as_of)["value"]
    q3 = series.loc["2025-07-01":"2025-09-30"]
    y2007 = series.loc["2007-01-01":"2007-12-31"]
    if q3.empty or y2007.empty:
        return CheckResult(
            "unprofitable-share",
            7,
            claim,
            "~40% in Q3 2025, ~2x 2007",
            f"Value of {name} for Q3 2025 against its 2007 average.",
            "the imported series lacks Q3 2025 or 2007",
            "too few observations",
            "none",
            data=_ranges(data, (name,)),
        )
    scale = 100.0 if series.abs().max() <= 1.0 else 1.0
    now, then = float(q3.iloc[-1]) * scale, float(y2007.mean()) * scale
    ratio = now / then if then else float("nan")
    ok_level, ok_ratio = abs(now - 40) <= 5, abs(ratio - 2) <= 0.4
    return CheckResult(
        "unprofitable-share",
        7,
        claim,
        "~40% in Q3 2025, ~2x 2007",
        f"Last Q3 2025 value of {name} (in percent) against its 2007 average.",
        f"{now:.1f}% in Q3 2025 vs {then:.1f}% in 2007 ({ratio:.2f}x)",
        "consistent" if ok_level and ok_ratio else "partly consistent" if ok_level or ok_ratio else "inconsistent",
        "moderate",
        data=_ranges(data, (name,)),
        details={"q3_2025_pct": now, "avg_2007_pct": then, "ratio": ratio},
    )


# -- thesis items 2 and 3: does the chain lead? -----------------------------------------------------

#: Resamples of the event studies behind the checks: enough for p-values to two decimals.
CHECK_REPS = 2_000
CHECK_SEED = 20260121


def _study_rows(result: event_study.EventStudyResult) -> list[dict[str, Any]]:
    table = result.to_frame()
    columns = ["n", "mean", "baseline_mean", "difference", "ci_low", "ci_high", "p_two_sided", "p_holm", "mde"]
    return [{"horizon": int(str(h)), **{c: _json(row[c]) for c in columns}} for h, row in table.iterrows()]


def _best_p(result: event_study.EventStudyResult) -> tuple[float | None, int, tuple[float, float] | None]:
    """The smallest Holm-adjusted p over horizons, the largest n, and that horizon's CI."""
    table = result.to_frame()
    if table.empty or table["n"].max() == 0:
        return None, 0, None
    row = table.iloc[int(np.argmin(table["p_holm"].astype(float).to_numpy()))]
    return float(row["p_holm"]), int(table["n"].max()), (float(row["ci_low"]), float(row["ci_high"]))


def check_btc_after_breakouts(data: MarketData) -> CheckResult:
    data.require("RUT", "BTC")
    breakouts = breakout.breakout_events(data.bars("RUT"), breakout.BreakoutParams())
    btc = data.close("BTC")
    result = event_study.EventStudy(
        pd.DatetimeIndex(breakouts.index),
        btc,
        horizons=(126, 252, 504),
        kind="simple",
        reps=CHECK_REPS,
        seed=CHECK_SEED,
        name="breakout:RUT",
    ).run()
    p_value, n, interval = _best_p(result)
    returns = result.event_returns()
    measured_events = returns[returns["status"] == "ok"]
    lines = [
        f"{pd.Timestamp(cast(Any, day)).date()}: BTC {_pct(row.get('return_252'), 0)} over the next 252 days"
        for day, row in measured_events.iterrows()
    ]
    analogs = [d for d in breakouts.index if d.year in (2016, 2020)]
    measured = (
        f"RUT breakouts with BTC data after them: {', '.join(lines) or 'none'}. "
        f"Breakouts in 2016/2020: {', '.join(str(d.date()) for d in analogs) or 'none'}. {result.verdict}"
    )
    analogs_hold = len(analogs) == 2 and all(
        (measured_events.loc[d, "return_252"] if d in measured_events.index else float("nan")) > 0.5 for d in analogs
    )
    grade: Grade = "too few observations" if n < 5 else ("consistent" if (p_value or 1) < 0.05 else "inconsistent")
    return CheckResult(
        "btc-after-rut-breakouts",
        3,
        "Russell 2000 breakouts in 2016 and 2020 came before the Bitcoin bull runs of 2017 and 2020-21: small-cap "
        "breakouts lead Bitcoin.",
        "2016 and 2020 breakouts preceded BTC bull runs",
        f"{event_study.CONVENTION} Events: de-clustered RUT closing-basis breakouts (base >= 250 sessions); target: "
        "BTC simple returns over 126, 252 and 504 days against the same horizons from every day; p-values from "
        f"{CHECK_REPS:,} placements with the same count and spacing, Holm-adjusted over horizons.",
        measured,
        grade,
        evidence_from(p_value, n),
        n=n,
        p_value=p_value,
        interval=interval,
        data=_ranges(data, ("RUT", "BTC")),
        details={"horizons": _study_rows(result), "analogs_followed_by_50pct_in_a_year": analogs_hold},
        note=(
            "The two analogs did precede large BTC gains, but with so few breakouts inside BTC's history the "
            "event study cannot tell this from BTC's usual drift; the claim is an anecdote, not evidence."
            if analogs_hold
            else ""
        ),
    )


def check_alts_follow(data: MarketData) -> CheckResult:
    from riskcurve.report.panels import alt_basket  # the basket's one definition
    from riskcurve.signals.registry import cascade_inputs

    data.require("RUT", "GSPC", "ETH", "BTC")
    frame = cascade.cascade(cascade_inputs(data))
    # A sustained small-cap uptrend: the small-caps link lighting (trend and relative strength,
    # held for the persistence window).
    lit = onsets(frame["small_caps"], cooldown=63)
    studies = {}
    for target, series in (("ETH", data.close("ETH")), ("ALT_BASKET", alt_basket(data))):
        studies[target] = event_study.EventStudy(
            lit,
            series,
            horizons=(21, 42, 63),
            reps=CHECK_REPS,
            seed=CHECK_SEED,
            min_spacing=63,
            name="small_caps lit",
        ).run()
    lead = leadlag.leadlag(data, "RUT", "ETH", freq="W", max_lag=13, seed=CHECK_SEED)
    p_values = {t: _best_p(r) for t, r in studies.items()}
    p_family = adjust([float("nan") if p is None else p for p, _, _ in p_values.values()])["p_holm"].tolist()
    n = max(n for _, n, _ in p_values.values())
    best = min(p_family)
    significant_ahead = [
        int(k)
        for k, significant, corr in zip(lead.ccf.index, lead.ccf["significant"], lead.ccf["corr"], strict=True)
        if 4 <= int(k) <= 13 and bool(significant) and corr > 0
    ]
    measured = (
        f"{len(lit)} small-cap uptrend onsets; "
        + "; ".join(f"{t}: {r.verdict}" for t, r in studies.items())
        + f" Lead-lag RUT->ETH weekly: {lead.verdict.text}"
    )
    grade: Grade = (
        "too few observations"
        if n < 5
        else "consistent"
        if best < 0.05 and significant_ahead
        else "partly consistent"
        if best < 0.05 or significant_ahead
        else "inconsistent"
    )
    return CheckResult(
        "alts-follow-small-caps",
        2,
        "ETH and altcoins follow within one to three months of a sustained small-cap uptrend.",
        "ETH/alts rise 1-3 months after small caps",
        "Events: days the cascade's small-caps link lights (RUT above its 200-session mean, 50 > 200, and ahead of "
        "the S&P 500 on its 50-session ratio trend, held 5 days), de-clustered by 63 days. Targets: ETH and an "
        "equal-weight altcoin basket, log returns over 21, 42, 63 days vs every day; Holm over horizons and the two "
        "targets. Also: weekly RUT->ETH cross-correlation at leads of 4-13 weeks (robust bands, Holm over lags).",
        measured,
        grade,
        evidence_from(best, n),
        n=n,
        p_value=best,
        data=_ranges(data, ("RUT", "GSPC", "ETH", "BTC")),
        details={
            "events": [d.date().isoformat() for d in lit],
            "studies": {t: _study_rows(r) for t, r in studies.items()},
            "leadlag_significant_leads_weeks": significant_ahead,
            "leadlag_verdict": lead.verdict.text,
        },
    )


def check_transmission_order(data: MarketData) -> CheckResult:
    from riskcurve.signals.registry import cascade_inputs

    frame = cascade.cascade(cascade_inputs(data))
    rows = []
    for earlier, later in zip(cascade.LINKS[:-1], cascade.LINKS[1:], strict=True):
        known = frame[[earlier, later]].dropna()
        lit = onsets(known[later], cooldown=21)
        if len(lit) == 0:
            continue
        already = int(known.loc[lit, earlier].sum())
        base_rate = float(known[earlier].mean())
        p_value = float(scipy_stats.binomtest(already, len(lit), base_rate, alternative="greater").pvalue)
        rows.append(
            {
                "earlier": earlier,
                "later": later,
                "onsets": len(lit),
                "earlier_already_lit": already,
                "share": already / len(lit),
                "base_rate": base_rate,
                "p": p_value,
            }
        )
    table = pd.DataFrame(rows)
    if table.empty:
        raise DataError("no link ever lit in the cascade on this day's data")
    table = family_table(table)
    consistent = (table["p_holm"] < 0.05) & (table["share"] > table["base_rate"])
    measured = "; ".join(
        f"{r.later} lit with {r.earlier} already lit {r.earlier_already_lit}/{r.onsets} times "
        f"({r.share:.0%} vs {r.base_rate:.0%} of all days; Holm p {r.p_holm:.3f})"
        for r in table.itertuples()
    )
    return CheckResult(
        "transmission-order",
        2,
        "New liquidity first steadies bonds and credit, then lifts broad equities, then small caps, and finally "
        "spills into crypto: Bitcoin first, then ETH and altcoins.",
        "links light in chain order",
        "For each consecutive pair of cascade links: among the days the later link lit (de-clustered by 21 days), "
        "the share on which the earlier link was already lit, against the share of all days it was lit "
        "(one-sided binomial test; Holm over the four pairs).",
        measured,
        "consistent" if consistent.all() else "partly consistent" if consistent.any() else "inconsistent",
        evidence_from(float(table["p_holm"].max()), int(table["onsets"].min()))
        if consistent.all()
        else evidence_from(float(table["p_holm"].min()), int(table["onsets"].min())),
        n=int(table["onsets"].sum()),
        p_value=float(table["p_holm"].max()),
        data=_ranges(data, ("DGS10", "BAMLH0A0HYM2", "GSPC", "RUT", "BTC", "ETH")),
        details={"pairs": _json(table.to_dict("records"))},
        note="Links are lit by trend rules on each asset; ordering says nothing about why the next link lit.",
    )


CHECKS: dict[str, Callable[[MarketData], CheckResult]] = {
    "january-effect": check_january_effect,
    "rut-breakout": check_rut_breakout,
    "halving-windows": check_halving_windows,
    "supply-inflation": check_supply,
    "btc-high-before-halving": check_btc_before_halving,
    "metals-2025": check_metals_2025,
    "divergence-episode": check_divergence_episode,
    "btc-volatility-low": check_btc_volatility_low,
    "btc-early-warning": check_btc_early_warning,
    "rut-2025-flows": check_rut_2025_flows,
    "btc-after-rut-breakouts": check_btc_after_breakouts,
    "alts-follow-small-caps": check_alts_follow,
    "transmission-order": check_transmission_order,
    "unprofitable-share": check_unprofitable_share,
}


def run_checks(store: Store, names: Sequence[str] | None = None, *, as_of: Any = None) -> list[CheckResult]:
    """Run the named checks (all by default) on what the store knew on ``as_of``.

    A check whose series are missing from the store reports ``data missing`` instead of failing.
    """
    from riskcurve.signals.regime import default_as_of

    chosen = list(names) if names else list(CHECKS)
    unknown = [n for n in chosen if n not in CHECKS]
    if unknown:
        raise ValueError(f"unknown check {unknown[0]!r}; choose from {', '.join(CHECKS)}")
    day = pd.Timestamp(as_of) if as_of is not None else default_as_of(store)[0]
    data = MarketData(store, as_of=day)
    results = []
    for name in chosen:
        try:
            # Small-sample warnings are part of the answer: they go into the check's note.
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", InsufficientDataWarning)
                result = CHECKS[name](data)
            said = [str(w.message) for w in caught if issubclass(w.category, InsufficientDataWarning)]
            if said:
                result = dataclasses.replace(result, note=" ".join([result.note, *said]).strip())
            results.append(result)
        except DataError as missing:
            results.append(
                CheckResult(name, 0, "", "", "", str(missing), "data missing", "none", note="run `riskcurve update`")
            )
    return results
