"""The articles' confirm/refute checklist, read on one day from signals computed once.

Each item is ✔ (``"yes"``), ✘ (``"no"``) or unknown, with the figure behind it, its definition and
the date its data run through. An item whose data have gone stale (no value within the input's
freshness rule, :func:`~riskcurve.signals.registry.freshness_of`) or are not stored is *unknown*,
never ✘. Every figure is read from an existing signal (``riskcurve signal NAME``) or from a
stored series as known on the day; nothing here looks forward.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from riskcurve import numbers
from riskcurve.monitor.inputs import DARK, LIT, MonitorInputs

Status = Literal["yes", "no", "unknown"]
MARKS: dict[str, str] = {"yes": "✔", "no": "✘", "unknown": "?"}

#: Observations summed for the ETF-flow item (about four weeks of US trading days).
FLOW_OBSERVATIONS = 20
#: Calendar days over which open interest, stablecoin supply and imported breadth are compared.
CHANGE_DAYS = 91


@dataclass(frozen=True)
class CheckItem:
    """One checklist line.

    Attributes
    ----------
    key, label
        Identifier and the question in words.
    side
        ``"thesis"`` (an item the articles say confirms the cascade) or ``"skeptic"``.
    status
        ``"yes"`` (✔), ``"no"`` (✘) or ``"unknown"``.
    figure
        The number behind it, in words; ``value`` the same as a number.
    definition
        Exactly what is measured.
    through
        The date the data behind it run through (``None`` when there are none).
    """

    key: str
    label: str
    side: str
    status: Status
    figure: str
    value: float | None
    definition: str
    through: str | None

    @property
    def mark(self) -> str:
        """✔, ✘ or ?."""
        return MARKS[self.status]

    def to_dict(self) -> dict[str, Any]:
        """The ``--json`` form."""
        return asdict(self)


def _day(value: Any) -> str | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date().isoformat()


def _last(inputs: MonitorInputs, name: str, day: pd.Timestamp) -> tuple[dict[str, Any] | None, pd.Timestamp | None]:
    return inputs.rows[name].last(day)


def _fresh(inputs: MonitorInputs, day: pd.Timestamp, *symbols: str) -> bool:
    """Whether every one of ``symbols`` is fresh on ``day`` by its freshness rule."""
    return all(s in inputs.rows and pd.notna(inputs.rows[s].at(day, "value")) for s in symbols)


def _pct(value: float, digits: int = 1) -> str:
    return numbers.percent(value, digits, signed=True)


def _unknown(key: str, label: str, side: str, definition: str, why: str, through: str | None = None) -> CheckItem:
    return CheckItem(key, label, side, "unknown", why, None, definition, through)


def _input_through(inputs: MonitorInputs, day: pd.Timestamp, *symbols: str) -> str | None:
    found = [inputs.rows[s].at(day, "observed") for s in symbols if s in inputs.inputs]
    dates = [pd.Timestamp(d) for d in found if d is not None and not pd.isna(d)]
    return _day(min(dates)) if dates else None


def _rut_high(inputs: MonitorInputs, day: pd.Timestamp) -> CheckItem:
    label, definition = (
        "RUT holding above its old high",
        (
            "The Russell 2000 close is above the old high of its latest breakout (the first close above the "
            "previous all-time high after a base of at least 250 sessions; `riskcurve signal breakout`)."
        ),
    )
    row, date = _last(inputs, "breakout", day)
    if row is None or not _fresh(inputs, day, "RUT"):
        return _unknown("rut_above_old_high", label, "thesis", definition, "no recent RUT close", _day(date))
    distance = row.get("distance_above_old_high")
    if distance is None or pd.isna(distance):
        since = row.get("days_since_breakout")
        text = "not in a breakout episode" + (f" (last breakout {int(since)} sessions ago)" if pd.notna(since) else "")
        return CheckItem("rut_above_old_high", label, "thesis", "no", text, None, definition, _day(date))
    status: Status = "yes" if distance > 0 else "no"
    figure = f"{_pct(float(distance))} vs the old high {numbers.decimal(row['old_high'], 2)}"
    return CheckItem("rut_above_old_high", label, "thesis", status, figure, float(distance), definition, _day(date))


def _small_caps_ahead(inputs: MonitorInputs, day: pd.Timestamp) -> CheckItem:
    label, definition = (
        "Small caps ahead of large caps",
        ("The RUT/GSPC ratio is above its 50-session mean (`riskcurve signal relative-strength`)."),
    )
    row, date = _last(inputs, "relative_strength", day)
    if row is None or not _fresh(inputs, day, "RUT", "GSPC") or pd.isna(row.get("ratio_ma")):
        return _unknown("small_caps_ahead", label, "thesis", definition, "no recent RUT and GSPC closes", _day(date))
    gap = float(row["ratio"] / row["ratio_ma"] - 1.0)
    figure = (
        f"RUT/GSPC {numbers.decimal(row['ratio'], 4)}, {_pct(gap)} vs its mean; "
        f"ahead {int(row['streak'])} sessions in a row"
    )
    return CheckItem(
        "small_caps_ahead", label, "thesis", "yes" if gap > 0 else "no", figure, gap, definition, _day(date)
    )


_DRIVERS = (("fed_assets_13w", "Fed assets"), ("tga_13w", "the TGA"), ("rrp_13w", "reverse repo"))


def _net_liquidity(inputs: MonitorInputs, day: pd.Timestamp) -> CheckItem:
    label, definition = (
        "Net liquidity expanding, and what moved it",
        (
            "Net liquidity (Fed total assets - TGA - reverse repo) in the 'expanding' regime "
            "(`riskcurve signal liquidity`); the driver is the largest of the 13-week contributions of Fed assets, "
            "the TGA and the reverse repo (they add up to the 13-week change)."
        ),
    )
    through = _input_through(inputs, day, "WALCL", "WTREGEN", "RRPONTSYD")
    row, _ = _last(inputs, "liquidity", day)
    if row is None or pd.isna(row.get("regime")) or pd.isna(row.get("net_13w")):
        return _unknown("net_liquidity_expanding", label, "thesis", definition, "net liquidity not known", through)
    contributions = {name: float(row[key]) for key, name in _DRIVERS if pd.notna(row.get(key))}
    driver = max(contributions, key=lambda name: abs(contributions[name])) if contributions else None
    figure = f"{row['regime']}: 13-week change {numbers.decimal(row['net_13w'], 0, signed=True)} bn USD" + (
        f", mostly {driver} ({numbers.decimal(contributions[driver], 0, signed=True)} bn)" if driver else ""
    )
    status: Status = "yes" if row["regime"] == "expanding" else "no"
    return CheckItem(
        "net_liquidity_expanding", label, "thesis", status, figure, float(row["net_13w"]), definition, through
    )


def _btc_trend(inputs: MonitorInputs, day: pd.Timestamp) -> CheckItem:
    label, definition = (
        "BTC back above its trend",
        ("The cascade's Bitcoin link: the close above its 200-day mean and the 50-day mean above the 200-day one."),
    )
    position = (day - inputs.states.index[0]).days
    through = _day(inputs.through["btc"].iat[position])
    state = int(inputs.states["btc"].to_numpy()[position])
    close = inputs.closes.get("BTC")
    if state not in (LIT, DARK) or close is None:
        return _unknown("btc_above_trend", label, "thesis", definition, "no recent BTC close", through)
    end = int(close.index.searchsorted(day, side="right"))
    recent = close.to_numpy()[max(end - 200, 0) : end]
    gap = float(recent[-1] / recent.mean() - 1.0) if len(recent) == 200 else None
    figure = f"link {'lit' if state == LIT else 'dark'}" + (
        f"; close {_pct(gap)} vs its 200-day mean" if gap is not None else ""
    )
    return CheckItem(
        "btc_above_trend", label, "thesis", "yes" if state == LIT else "no", figure, gap, definition, through
    )


def _altseason_row(inputs: MonitorInputs, day: pd.Timestamp) -> tuple[dict[str, Any] | None, str | None]:
    row, date = _last(inputs, "altseason", day)
    through = _input_through(inputs, day, "ETH", "BTC")
    fresh = "ETH" in inputs.inputs and pd.notna(inputs.rows["ETH"].at(day, "value"))
    return (row if fresh and date is not None and date == day else None), through


def _eth_btc(inputs: MonitorInputs, day: pd.Timestamp) -> CheckItem:
    label, definition = (
        "ETH/BTC turning up",
        (
            "ETH/BTC above its trend (`riskcurve signal altseason`, column eth_btc_trend); "
            "the figure adds its 28-day change."
        ),
    )
    row, through = _altseason_row(inputs, day)
    if row is None or pd.isna(row.get("eth_btc")):
        return _unknown("eth_btc_turning_up", label, "thesis", definition, "no recent ETH and BTC closes", through)
    past = inputs.rows["altseason"].at(day - pd.Timedelta(days=28), "eth_btc")
    change = float(row["eth_btc"] / past - 1.0) if past is not None and pd.notna(past) else None
    figure = f"ETH/BTC {numbers.significant(row['eth_btc'], 4)}" + (
        f", {_pct(change)} over 28 days" if change is not None else ""
    )
    status: Status = "yes" if bool(row["eth_btc_trend"]) else "no"
    return CheckItem("eth_btc_turning_up", label, "thesis", status, figure, change, definition, through)


def _alt_breadth(inputs: MonitorInputs, day: pd.Timestamp) -> CheckItem:
    label, definition = (
        "Alt breadth (altcoin season)",
        ("At least 75% of the altcoin basket beat BTC over 90 days (`riskcurve signal altseason`)."),
    )
    row, through = _altseason_row(inputs, day)
    if row is None or pd.isna(row.get("share")):
        return _unknown("alt_breadth", label, "thesis", definition, "too few coins with 90 days of closes", through)
    figure = f"{int(row['beating'])} of {int(row['members'])} coins beat BTC ({numbers.percent(row['share'], 0)})"
    status: Status = "yes" if bool(row["altseason"]) else "no"
    return CheckItem("alt_breadth", label, "thesis", status, figure, float(row["share"]), definition, through)


def _observations(inputs: MonitorInputs, symbol: str, day: pd.Timestamp) -> pd.Series:
    """Each observation as first known, up to ``day``, indexed by the date it describes."""
    known_on, values = inputs.observations[symbol]
    return values.iloc[: int(np.searchsorted(known_on, day.to_datetime64(), side="right"))]


def _series_item(
    inputs: MonitorInputs,
    day: pd.Timestamp,
    symbols: tuple[str, ...],
    key: str,
    label: str,
    definition: str,
    measure: Callable[[pd.Series], tuple[float, str] | None],
    how: str,
) -> CheckItem:
    chosen = next((s for s in symbols if s in inputs.extra and pd.notna(inputs.rows[s].at(day, "value"))), None)
    if chosen is None:
        held = [s for s in symbols if s in inputs.extra]
        if not held:
            return _unknown(key, label, "skeptic", definition, f"not in the store ({how})")
        last = _day(inputs.rows[held[0]].at(day, "observed"))
        return _unknown(key, label, "skeptic", definition, f"no data since {last}" if last else "no data yet", last)
    observed = _observations(inputs, chosen, day)
    result = measure(observed)
    through = _day(observed.index[-1]) if len(observed) else None
    if result is None:
        return _unknown(key, label, "skeptic", definition, "too little history", through)
    value, figure = result
    status: Status = "yes" if value > 0 else "no"
    return CheckItem(key, label, "skeptic", status, f"{figure} ({chosen})", value, definition, through)


def _change(observed: pd.Series, unit: str, scale: float = 1.0) -> tuple[float, str] | None:
    last_date = observed.index[-1]
    earlier = observed.loc[: last_date - pd.Timedelta(days=CHANGE_DAYS)]
    if earlier.empty:
        return None
    change = float(observed.iloc[-1] / earlier.iloc[-1] - 1.0)
    return change, f"{numbers.significant(observed.iloc[-1] * scale, 4)} {unit}, {_pct(change)} over 13 weeks"


def _flows(observed: pd.Series) -> tuple[float, str] | None:
    if len(observed) < FLOW_OBSERVATIONS:
        return None
    total = float(observed.iloc[-FLOW_OBSERVATIONS:].sum())
    return total, f"{numbers.decimal(total, 0, signed=True)} M USD over the last {FLOW_OBSERVATIONS} trading days"


def _breadth(inputs: MonitorInputs, day: pd.Timestamp) -> CheckItem:
    names = sorted(s for s in inputs.extra if "BREADTH" in s)
    definition = (
        "An imported breadth series (any stored series whose name contains BREADTH, e.g. the share of Russell 2000 "
        "members above their 200-day mean) higher than 13 weeks earlier."
    )
    return _series_item(
        inputs,
        day,
        tuple(names),
        "breadth",
        "Small-cap breadth improving",
        definition,
        lambda o: _change(o, ""),
        "`riskcurve import breadth.csv --name RUT_BREADTH`",
    )


def checklist(inputs: MonitorInputs, day: pd.Timestamp) -> list[CheckItem]:
    """Every checklist item on ``day`` (thesis items first, then the skeptic's)."""
    day = pd.Timestamp(day).normalize()
    items = [
        _rut_high(inputs, day),
        _small_caps_ahead(inputs, day),
        _net_liquidity(inputs, day),
        _btc_trend(inputs, day),
        _eth_btc(inputs, day),
        _alt_breadth(inputs, day),
        _series_item(
            inputs,
            day,
            ("BTC_SPOT_ETF_NETFLOW",),
            "etf_flows",
            "Money flowing into spot-BTC ETFs",
            f"Sum of the US spot-Bitcoin ETFs' daily net flows (Farside) over the last {FLOW_OBSERVATIONS} "
            "trading days known on the day is positive.",
            _flows,
            "`riskcurve update` with the snapshot's BTC_SPOT_ETF_NETFLOW",
        ),
        _series_item(
            inputs,
            day,
            ("CFTC_BTC_CME_OI",),
            "cme_open_interest",
            "Leverage returning (CME BTC futures open interest rising)",
            "CME Bitcoin futures open interest (CFTC Commitments of Traders, contracts of 5 BTC) higher than "
            "13 weeks before its latest report. One regulated venue, not the whole market.",
            lambda o: _change(o, "contracts"),
            "`riskcurve update` with the snapshot's CFTC_BTC_CME_OI",
        ),
        _series_item(
            inputs,
            day,
            ("STABLECOINS", "STABLECOIN_SUPPLY_TOTAL"),
            "stablecoin_supply",
            "Stablecoin supply growing",
            "Total stablecoin supply (DefiLlama) higher than 13 weeks before its latest value.",
            lambda o: _change(o, "bn USD", 1e-9),
            "`riskcurve update` with STABLECOINS or STABLECOIN_SUPPLY_TOTAL",
        ),
        _breadth(inputs, day),
    ]
    return items
