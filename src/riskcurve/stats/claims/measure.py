"""The ``measure`` kind: a figure read off a series, a signal column or a named figure over a window.

The reductions a measure applies (last, max, return over the window...) are readings of the
data, not statistics: nothing here estimates anything.
"""

from __future__ import annotations

from typing import Any, cast

import numpy as np
import pandas as pd

from riskcurve.stats.claims import grading
from riskcurve.stats.claims.base import Base, window_bounds
from riskcurve.stats.claims.context import GRACE_DAYS, Context, Reader
from riskcurve.stats.claims.figures import figure_unit, named_figure
from riskcurve.stats.claims.grading import Grade, check_expectation
from riskcurve.stats.claims.language import (
    Measure,
    MeasureClaim,
)
from riskcurve.stats.claims.result import ClaimResult, DataMissing, claimed_text, fmt

#: Statistics whose figure is in the series' own unit (a level or a difference of levels).
LEVEL_STATISTICS = frozenset({"last", "first", "max", "min", "mean", "sum", "change", "nearest"})
#: Statistics that count the series' own observations.
COUNTING_STATISTICS = frozenset({"longest_run", "count_true"})


def _transform(values: pd.Series, measure: Measure, kind: str | None = None) -> pd.Series:
    kind = measure.transform if kind is None else kind
    if kind is None:
        return values
    numbers = values.astype(float)
    if kind == "pct_change":
        return numbers.pct_change(fill_method=None)
    if kind == "diff":
        return numbers.diff()
    if kind in ("down", "up"):
        change = numbers.diff()
        out = change < 0 if kind == "down" else change > 0
        return out.where(change.notna())
    if kind == "between":
        assert measure.bounds is not None
        low, high = measure.bounds
        return numbers.between(low, high).where(numbers.notna())
    if kind == "record_high":
        return (numbers >= numbers.cummax()).where(numbers.notna())
    assert measure.threshold is not None
    out = numbers > measure.threshold if kind == "above" else numbers < measure.threshold
    return out.where(numbers.notna())


def _longest_run(flags: pd.Series) -> int:
    best = run = 0
    for flag in flags.eq(True):  # NaN (unknown) is not a run; no fillna downcast (pandas 2.2 warns)
        run = run + 1 if flag else 0
        best = max(best, run)
    return best


def _reduce(
    values: pd.Series, statistic: str, start: pd.Timestamp | None, end: pd.Timestamp, measure: Measure, target: Any
) -> tuple[Any, str | None]:
    """The window's figure and the date it refers to (where one date does)."""
    inside = values.loc[start:end].dropna() if start is not None else values.loc[:end].dropna()
    if inside.empty:
        raise DataMissing(f"no value between {start.date() if start is not None else 'the start'} and {end.date()}")

    def day(at: Any) -> str:
        return pd.Timestamp(at).date().isoformat()

    if statistic in ("return", "change"):
        before = values.loc[: start - pd.Timedelta(days=1)].dropna() if start is not None else inside.iloc[:0]
        base, base_day = (before.iloc[-1], before.index[-1]) if len(before) else (inside.iloc[0], inside.index[0])
        last = float(inside.iloc[-1])
        figure = last / float(base) - 1.0 if statistic == "return" else last - float(base)
        return figure, f"{day(base_day)}..{day(inside.index[-1])}"
    if statistic == "last":
        return inside.iloc[-1], day(inside.index[-1])
    if statistic == "first":
        return inside.iloc[0], day(inside.index[0])
    if statistic in ("max", "min"):
        at = inside.idxmax() if statistic == "max" else inside.idxmin()
        return cast(Any, inside)[at], day(at)
    if statistic == "mean":
        return float(inside.astype(float).mean()), None
    if statistic == "sum":
        return float(inside.astype(float).sum()), None
    if statistic == "nearest":
        if not isinstance(target, int | float):
            raise DataMissing("statistic 'nearest' needs expects.value")
        at = (inside.astype(float) - float(target)).abs().idxmin()
        return float(cast(Any, inside)[at]), day(at)
    if statistic == "longest_run":
        return _longest_run(inside), None
    flags = inside.astype(bool)
    if statistic == "share_true":
        return float(flags.mean()), None
    if statistic == "count_true":
        return int(flags.sum()), None
    if statistic == "any":
        hits = flags[flags]
        return bool(len(hits)), day(hits.index[-1]) if len(hits) else None
    if statistic == "all":
        return bool(flags.all()), None
    if statistic == "first_date":
        hits = (
            inside[inside > measure.threshold]
            if measure.threshold is not None and measure.transform is None
            else flags[flags]
        )
        return (day(hits.index[0]) if len(hits) else None), None
    if statistic == "max_drawdown":
        numbers = inside.astype(float)
        return float((numbers / numbers.cummax() - 1.0).min()), None
    raise DataMissing(f"unknown statistic {statistic!r}")


def _unit(measure: Measure) -> str:
    if measure.unit is not None:
        return measure.unit
    if measure.figure is not None:
        return "auto"
    if measure.versus_window is not None and measure.versus == "ratio":
        return "multiple"
    if measure.statistic in ("return", "max_drawdown", "share_true") or measure.transform == "pct_change":
        return "percent"
    return "number"


def _figure_unit(value: Any, key: str) -> str:
    if isinstance(value, float) and any(word in key for word in ("return", "mean_full", "share", "inflation")):
        return "percent"
    if "multiple" in key:
        return "multiple"
    return "number"


def _days(gap: pd.Timedelta) -> int:
    return int(gap / pd.Timedelta(days=1))


def stale_note(raw: pd.Series, symbol: str, end: pd.Timestamp) -> str | None:
    """Why the series cannot show the window's end yet, or ``None`` when it is up to date.

    A series is behind when its latest observation on or before ``end`` is older than one of its
    usual observation intervals (the median of its last ten) and older than a week: a newer
    value was due but not yet published on the day the check stands on (a monthly rate known
    with a lag of weeks, for instance).
    """
    known = raw.loc[:end].dropna()
    if len(known) < 3:
        return None
    last = pd.Timestamp(known.index[-1])
    spacing = pd.Timedelta(pd.Series(known.index[-11:]).diff().dropna().median())
    if _days(end - last) <= max(GRACE_DAYS, _days(spacing)):
        return None
    return (
        f"data missing (not yet published): the last {symbol} observation known then is dated "
        f"{last.date()}, {_days(end - last)} days before the window's end {end.date()} "
        f"(it is observed about every {_days(spacing)} days)"
    )


def _reading(
    values: pd.Series, measure: Measure, start: pd.Timestamp | None, end: pd.Timestamp, base: Base, target: Any
) -> tuple[Any, str | None, Any, Any]:
    """The window's figure (against the versus window's, if any): value, date, own and versus figures."""
    value, at = _reduce(values, measure.statistic, start, end, measure, target)
    if measure.versus_window is None:
        return value, at, None, None
    v_start, v_end = window_bounds(measure.versus_window, base.date)
    other, _ = _reduce(values, measure.statistic, v_start, v_end, measure, None)
    compared = float(value) / float(other) if measure.versus == "ratio" else float(value) - float(other)
    return compared, at, value, other


def _measured(
    ctx: Context, claim: MeasureClaim, base: Base
) -> tuple[tuple[Any, str | None, str, str | None, bool, str | None, dict[str, Any]], dict[str, dict[str, str | None]]]:
    """The figure of a measure claim and what was read for it (not yet set against the claim)."""
    data = ctx.view(base.date)
    reader = Reader(ctx, data)
    measure = claim.definition
    start, end = window_bounds(measure.window, base.date)
    before_data = False
    stale: str | None = None
    measured: dict[str, Any] = {}
    unit = _unit(measure)
    if measure.figure is not None:
        assert measure.key is not None
        figures = named_figure(measure.figure, reader, start, end, measure.parameters)
        if measure.key not in figures:
            raise DataMissing(f"figure {measure.figure} has no key {measure.key!r}; it has {', '.join(figures)}")
        value, at = figures[measure.key], None
        affected = figures.get("before_data_keys")
        before_data = bool(figures.get("reaches_before_data")) and (affected is None or measure.key in affected)
        unit = measure.unit or _figure_unit(value, measure.key)
        measured["figure"] = {k: v for k, v in figures.items() if not isinstance(v, list | dict) or k == "years"}
    else:
        raw = (
            reader.series(measure.series, measure.field)
            if measure.series is not None
            else reader.signal_column(measure.signal or "", measure.symbol, measure.parameters, measure.column or "")
        )
        values = _transform(raw, measure)
        if measure.where is not None:
            # Only the days on which the same series meets a condition (a record close, an up day):
            # two features of one day, not of two different days.
            on = _transform(raw, measure, measure.where).astype("boolean").fillna(False).astype(bool)
            values = values.where(on)
            measured["where"] = measure.where
        value, at, own, versus = _reading(values, measure, start, end, base, claim.expects.value)
        if versus is not None:
            measured["window_value"], measured["versus_value"] = own, versus
        first = raw.dropna().index.min()
        before_data = start is not None and first > start + pd.Timedelta(days=GRACE_DAYS)
        if measure.series is not None:
            # The same series and window end under readings that change only a bound or threshold.
            stale_key = ("stale", data.as_of, measure.series.upper(), measure.field, end)
            if stale_key not in ctx.shared:
                ctx.shared[stale_key] = stale_note(raw, measure.series.upper(), end)
            stale = ctx.shared[stale_key]
        if measure.relative_to is not None:
            # The same reading of another symbol: a series, or the same signal column for it.
            other_raw = (
                reader.series(measure.relative_to, measure.field)
                if measure.series is not None
                else reader.signal_column(
                    measure.signal or "", measure.relative_to, measure.parameters, measure.column or ""
                )
            )
            other_value, _, _, _ = _reading(_transform(other_raw, measure), measure, start, end, base, None)
            measured["own"], measured["relative_to"] = value, other_value
            ratio = measure.versus_window is not None and measure.versus == "ratio"
            value = float(value) / float(other_value) if ratio else float(value) - float(other_value)
    # A figure in the series' own unit (a level, a change of it) says that unit beside the bound's.
    in_own_unit = (
        unit == "number"
        and measure.transform is None
        and measure.statistic in LEVEL_STATISTICS
        and isinstance(value, int | float | np.integer | np.floating)
        and not isinstance(value, bool | np.bool_)
    )
    series_unit = None
    if in_own_unit and measure.series is not None:
        series_unit = reader.unit(measure.series)
    elif in_own_unit and measure.signal is not None:
        series_unit = reader.signal_unit(measure.signal, measure.column or "")
    elif unit == "number" and measure.figure is not None and measure.key is not None:
        series_unit = figure_unit(measure.figure, measure.key)
    elif unit == "number" and measure.series is not None and measure.statistic in COUNTING_STATISTICS:
        # A run or a count of the series' own observations: sessions of an exchange, or days.
        series_unit = reader.observations(measure.series)
    measured.update({"value": value, "at": at, "window": [start, end], "unit": series_unit or unit})
    return (value, at, unit, series_unit, before_data, stale, measured), reader.used


def check(ctx: Context, claim: MeasureClaim, base: Base) -> ClaimResult:
    """Grade a ``measure`` claim: one figure read off the data against the claimed value.

    The figure is read once per definition, day and claimed value (a ``nearest`` reading looks
    for it); readings of the claim that change only its tolerance or bounds grade it again.
    """
    data = ctx.view(base.date)
    measure = claim.definition
    key = ("measure", data.as_of, base.date, measure.model_dump_json(), claim.expects.value)
    if key not in ctx.shared:
        ctx.shared[key] = _measured(ctx, claim, base)
    reading, used = ctx.shared[key]
    value, at, unit, series_unit, before_data, stale, found = reading
    measured = dict(found)
    ok = check_expectation(value, claim.expects)
    label = f"{fmt(value, unit)}" + (f" {series_unit}" if series_unit else "") + (f" ({at})" if at else "")
    headline = f"{label}; claimed {claimed_text(claim.expects, unit)}" + (f" {series_unit}" if series_unit else "")
    if measure.proxy is not None:
        headline += f"; on a proxy: {measure.proxy}"
        measured["proxy"] = measure.proxy
    if ok is None:
        grade: Grade = "data missing"
        reason = "the figure could not be measured on the data"
    elif before_data:
        grade = "before the data"
        reason = "the claim reaches back before the data start; the figure covers the data's span only"
    elif ok:
        grade, reason = "consistent", "the figure read off the data meets the claim"
    elif stale is not None:
        # A series behind the event cannot contradict it: what it would show is not published yet.
        grade, reason = "inconclusive", f"{stale}; a figure that lags the event cannot contradict it"
        measured["stale"] = stale
    else:
        grade, reason = "contradicted", "the figure read off the data is outside what the claim says"
    if stale is not None and grade == "consistent":
        reason += f" ({stale})"
    if measure.proxy is not None:
        reason += f"; measured on a proxy ({measure.proxy})"
    return base.result(
        claim,
        grade=grade,
        evidence="descriptive" if grade in grading.DECIDED else "none",
        reason=reason,
        headline=headline,
        measured=measured,
        n=1,
        data_as_of=data.as_of.date(),
        data={k: dict(v) for k, v in used.items()},
    )
