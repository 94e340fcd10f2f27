"""Each kind of claim compiled to the machinery that exists, and graded on one scale.

``measure`` reads a series, a signal column (through :mod:`riskcurve.signals.registry`) or a
named figure (a thin adapter over a signal function) over the claim's window; ``history`` runs
:class:`~riskcurve.stats.event_study.EventStudy`; ``lead-lag`` runs
:func:`~riskcurve.stats.leadlag.leadlag`; ``conditional`` runs
``riskcurve.stats.conditional.ConditionalStudy``; ``order`` counts cascade onsets or turning
points and tests the share with :func:`~riskcurve.stats.proportion.binomial_test`; p-values of
a family are adjusted with :func:`~riskcurve.stats.multiple_testing.adjust`. The reductions a
measure applies (last, max, return over the window...) are readings of the data, not
statistics: nothing here estimates anything the modules above do not.

Every claim is measured on a :class:`~riskcurve.data.panel.MarketData` standing on the claim's
own date (or the ``as_of`` of the run, if earlier): adding data after that day cannot change
it. Forecasts are the one exception by design: they stand on ``as_of`` and read the data after
the claim date, and stay ``pending`` until their window has closed.
"""

from __future__ import annotations

import datetime as dt
import math
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from types import SimpleNamespace
from typing import Any, cast

import numpy as np
import pandas as pd

from riskcurve.data.store import Store
from riskcurve.errors import DataError, InsufficientDataWarning
from riskcurve.stats.claims import grading
from riskcurve.stats.claims.context import ALT_BASKET, GRACE_DAYS, SEED, Context, Reader
from riskcurve.stats.claims.figures import named_figure
from riskcurve.stats.claims.grading import Evidence, Grade, check_expectation
from riskcurve.stats.claims.language import (
    Claim,
    ConditionalClaim,
    EpisodeClaim,
    Expects,
    ForecastClaim,
    HistoryClaim,
    LeadLagClaim,
    Measure,
    MeasureClaim,
    NeedsDataClaim,
    OrderClaim,
    State,
    Window,
)
from riskcurve.stats.claims.result import ClaimResult, DataMissing, claimed_text, fmt, jsonable

__all__ = ["ALT_BASKET", "SEED", "ClaimResult", "Context", "DataMissing", "evaluate", "run"]


# -- measures -------------------------------------------------------------------------------


def _window(window: Window | None, date: dt.date) -> tuple[pd.Timestamp | None, pd.Timestamp]:
    start = pd.Timestamp(window.start) if window is not None and window.start is not None else None
    end = pd.Timestamp(window.end) if window is not None and window.end is not None else pd.Timestamp(date)
    return start, end


def _transform(values: pd.Series, measure: Measure) -> pd.Series:
    kind = measure.transform
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


def _measure(ctx: Context, claim: MeasureClaim, base: _Base) -> ClaimResult:
    data = ctx.view(base.date)
    reader = Reader(ctx, data)
    measure = claim.definition
    start, end = _window(measure.window, base.date)
    before_data = False
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
        value, at = _reduce(values, measure.statistic, start, end, measure, claim.expects.value)
        first = raw.dropna().index.min()
        before_data = start is not None and first > start + pd.Timedelta(days=GRACE_DAYS)
        if measure.relative_to is not None:
            other = _transform(reader.series(measure.relative_to), measure)
            other_value, _ = _reduce(other, measure.statistic, start, end, measure, None)
            measured["own"], measured["relative_to"] = value, other_value
            value = float(value) - float(other_value)
        if measure.versus_window is not None:
            v_start, v_end = _window(measure.versus_window, base.date)
            other_value, _ = _reduce(values, measure.statistic, v_start, v_end, measure, None)
            measured["window_value"], measured["versus_value"] = value, other_value
            value = (
                float(value) / float(other_value) if measure.versus == "ratio" else float(value) - float(other_value)
            )
    measured.update({"value": value, "at": at, "window": [start, end]})
    ok = check_expectation(value, claim.expects)
    label = f"{fmt(value, unit)}" + (f" ({at})" if at else "")
    headline = f"{label}; claimed {claimed_text(claim.expects, unit)}"
    if ok is None:
        grade: Grade = "data missing"
        reason = "the figure could not be measured on the data"
    elif before_data:
        grade = "before the data"
        reason = "the claim reaches back before the data start; the figure covers the data's span only"
    elif ok:
        grade, reason = "consistent", "the figure read off the data meets the claim"
    else:
        grade, reason = "contradicted", "the figure read off the data is outside what the claim says"
    return base.result(
        claim,
        grade=grade,
        evidence="descriptive" if grade in grading.DECIDED else "none",
        reason=reason,
        headline=headline,
        measured=measured,
        n=1,
        data_as_of=data.as_of.date(),
        data=reader.used,
    )


# -- tests: history, conditional, lead-lag, order ---------------------------------------------


def _quiet(run: Callable[[], Any]) -> tuple[Any, list[str]]:
    """Run a study, collecting its small-sample warnings (they are part of the answer)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", InsufficientDataWarning)
        result = run()
    return result, [str(w.message) for w in caught if issubclass(w.category, InsufficientDataWarning)]


def _family_grade(
    rows: pd.DataFrame, expects: Expects, *, n: int
) -> tuple[Grade, str, float | None, float | None, float | None]:
    """Grade a family of (target, horizon) tests: rows with difference, ci_low/high, p, mde."""
    from riskcurve.stats.multiple_testing import adjust

    tested = rows[rows["p"].notna()]
    if tested.empty:
        grade, reason = grading.grade_test(
            n=0, significant=False, sign=0, claimed_sign=1, mde=None, effect=expects.effect
        )
        return grade, reason, None, None, None
    rows = rows.copy()
    rows["p_adjusted"] = adjust(rows["p"], methods=("holm",))["p_holm"].to_numpy()
    claimed = -1 if expects.direction == "below" else 1
    significant = rows[(rows["p_adjusted"] < grading.ALPHA) & ((rows["ci_low"] > 0) | (rows["ci_high"] < 0))]
    signs = {1 if low > 0 else -1 for low in significant["ci_low"]}
    sign = claimed if claimed in signs else (-claimed if signs else 0)
    mde = float(rows["mde"].min()) if rows["mde"].notna().any() else None
    grade, reason = grading.grade_test(
        n=n, significant=bool(len(significant)), sign=sign, claimed_sign=claimed, mde=mde, effect=expects.effect
    )
    best = rows.iloc[int(np.argmin(rows["p_adjusted"].fillna(np.inf).to_numpy()))]
    return grade, reason, float(best["p_adjusted"]), float(best["p"]), mde


def _insufficient(grade: Grade, reason: str) -> tuple[Grade, str]:
    """A claim that the history cannot decide: consistent unless a test is significant."""
    if grade in ("inconclusive", "too few observations", "not supported"):
        return "consistent", f"as claimed, the history does not establish an effect ({reason})"
    return "contradicted", f"the history does show a significant effect ({reason})"


def _history(ctx: Context, claim: HistoryClaim, base: _Base) -> ClaimResult:
    from riskcurve.stats.event_study import EventStudy

    data = ctx.view(base.date)
    reader = Reader(ctx, data)
    definition = claim.definition
    events = ctx.events(data, definition.events)
    start, end = _window(definition.window, base.date)
    events = events[(events <= end) & ((events >= start) if start is not None else True)]
    rows, notes, per_event, verdicts = [], [], {}, {}
    for target in definition.targets:
        close = reader.series(target)
        study = EventStudy(
            events,
            close,
            horizons=tuple(definition.horizons),
            kind=definition.returns,
            reps=ctx.reps or definition.reps,
            seed=ctx.seed,
            min_spacing=definition.min_spacing,
            name=claim.id or "events",
        )
        result, said = _quiet(study.run)
        notes.extend(said)
        verdicts[target] = result.verdict
        for h, row in result.to_frame().iterrows():
            rows.append(
                {
                    "target": target,
                    "horizon": int(cast(Any, h)),
                    "n": int(row["n"]),
                    "mean": row["mean"],
                    "baseline_mean": row["baseline_mean"],
                    "difference": row["difference"],
                    "ci_low": row["ci_low"],
                    "ci_high": row["ci_high"],
                    "p": row["p_two_sided"],
                    "mde": row["mde"],
                }
            )
        returns = result.event_returns()
        measured_events = returns[returns["status"] == "ok"]
        per_event[target] = {
            pd.Timestamp(cast(Any, day)).date().isoformat(): {
                f"return_{h}": row.get(f"return_{h}") for h in definition.horizons
            }
            for day, row in measured_events.iterrows()
        }
    table = pd.DataFrame(rows)
    n = int(table["n"].max()) if len(table) else 0
    grade, reason, p, p_raw, mde = _family_grade(table, claim.expects, n=n)
    if claim.expects.evidence == "insufficient":
        grade, reason = _insufficient(grade, reason)
    evidence = grading.evidence_for_test(grade, n, p) if claim.expects.evidence is None else "none"
    if claim.expects.evidence is not None and n >= grading.MIN_OBS:
        evidence = grading.evidence_for_test("not supported" if grade == "consistent" else "consistent", n, p)
    best = table.iloc[int(np.argmin(table["p"].fillna(np.inf).to_numpy()))] if table["p"].notna().any() else None
    headline = f"{len(events)} events, up to {n} with a full horizon" + (
        f"; best {best['target']} {best['horizon']}: difference {fmt(best['difference'], 'percent')}, "
        f"adjusted p {p:.2f}"
        if best is not None and p is not None
        else ""
    )
    if mde is not None:
        headline += f"; MDE {fmt(mde, 'percent').lstrip('+')}" + (
            f" vs claimed {fmt(claim.expects.effect, 'percent').lstrip('+')}" if claim.expects.effect else ""
        )
    return base.result(
        claim,
        grade=grade,
        evidence=evidence,
        reason=reason,
        headline=headline,
        measured={
            "events": [d.date().isoformat() for d in events],
            "tests": table.to_dict("records"),
            "event_returns": per_event,
            "verdicts": verdicts,
            "warnings": sorted(set(notes)),
        },
        n=n,
        p=p,
        p_raw=p_raw,
        family=int(table["p"].notna().sum()),
        mde=mde,
        effect=claim.expects.effect,
        data_as_of=data.as_of.date(),
        data=reader.used,
    )


def _state(ctx: Context, reader: Reader, state: State, days: pd.DatetimeIndex) -> pd.Series:
    """A true/false state by day (NaN where unknown), as known on each day."""
    if state.signal is not None:
        values = reader.signal_column(state.signal, state.symbol, state.parameters, state.column or "")
        values = values.reindex(days)
    else:
        assert state.series is not None
        values = reader.on_days(state.series, days).astype(float)
        if state.change_days is not None:
            values = values - values.shift(state.change_days)
    known = values.notna()
    if state.equals is not None:
        flags = values == state.equals if isinstance(state.equals, str) else values.astype(bool) == state.equals
    elif state.above is not None:
        flags = values.astype(float) > state.above
    else:
        flags = values.astype(float) < float(state.below)  # type: ignore[arg-type]
    return flags.astype(float).where(known)


def _conditional(ctx: Context, claim: ConditionalClaim, base: _Base) -> ClaimResult:
    from riskcurve.stats.conditional import ConditionalStudy

    data = ctx.view(base.date)
    reader = Reader(ctx, data)
    definition = claim.definition
    target = reader.series(definition.target)
    if definition.relative_to is not None:
        other = reader.series(definition.relative_to).reindex(target.index)
        target = (target / other).dropna().rename(f"{definition.target}/{definition.relative_to}")
    if definition.start is not None:
        target = target.loc[pd.Timestamp(definition.start) :]
    days = data.days(pd.Timestamp(target.index.min()).date().isoformat())
    state = _state(ctx, reader, definition.state, days)
    result, notes = _quiet(
        lambda: ConditionalStudy(
            target=target,
            state=state,
            horizons=tuple(definition.horizons),
            reps=ctx.reps or definition.reps,
            seed=ctx.seed,
            kind=definition.returns,
            name=claim.id or "state",
        ).run()
    )
    frame = result.to_frame()
    frame = frame.reset_index() if "horizon" not in frame.columns else frame
    rows = pd.DataFrame(
        {
            "horizon": frame["horizon"],
            "n": np.minimum(frame["spells_in"], frame["spells_out"]),
            "difference": frame["difference"],
            "ci_low": frame["ci_low"],
            "ci_high": frame["ci_high"],
            "p": frame["p_two_sided"],
            "mde": frame["mde"],
        }
    )
    few = set(frame["verdict_code"]) <= {"no_events", "too_few_events"}
    n = int(rows["n"].max()) if len(rows) else 0
    grade, reason, p, p_raw, mde = _family_grade(rows, claim.expects, n=0 if few else max(n, grading.MIN_OBS))
    evidence = grading.evidence_for_test(grade, n, p)
    headline = "; ".join(
        f"{int(r['horizon'])}: while in state {fmt(r['mean_in'], 'percent')} vs not {fmt(r['mean_out'], 'percent')}"
        for _, r in frame.iterrows()
    ) + (f"; adjusted p {p:.2f}" if p is not None else "")
    if mde is not None:
        headline += f"; MDE {fmt(mde, 'percent').lstrip('+')}"
    return base.result(
        claim,
        grade=grade,
        evidence=evidence,
        reason=reason,
        headline=headline,
        measured={"tests": jsonable(frame.to_dict("records")), "verdict": result.verdict, "warnings": notes},
        n=n,
        p=p,
        p_raw=p_raw,
        family=int(rows["p"].notna().sum()),
        mde=mde,
        effect=claim.expects.effect,
        data_as_of=data.as_of.date(),
        data=reader.used,
    )


def _leadlag(ctx: Context, claim: LeadLagClaim, base: _Base) -> ClaimResult:
    from riskcurve.stats.leadlag import detectable_correlation, leadlag

    data = ctx.view(base.date)
    reader = Reader(ctx, data)
    definition = claim.definition
    for symbol in (definition.lead, definition.lag):
        reader.series(symbol)
    result, notes = _quiet(
        lambda: leadlag(
            data,
            definition.lead,
            definition.lag,
            freq=definition.freq,
            max_lag=definition.max_lag,
            start=definition.start,
            reps=ctx.reps or definition.reps,
            seed=ctx.seed,
        )
    )
    expects = claim.expects
    verdict = result.verdict
    lags = expects.lags or (1, result.max_lag)
    claimed = (expects.leader or expects.not_leader or "").upper()
    mde = detectable_correlation(result.ccf, lags if claimed == result.lead else (-lags[1], -lags[0]))
    peak_p = float(result.peak.p_holm)
    if verdict.leader is not None and expects.leader is not None:
        if verdict.leader == claimed:
            inside = verdict.lead_bars is not None and lags[0] <= verdict.lead_bars <= lags[1]
            grade: Grade = "consistent" if inside else "partly consistent"
            reason = f"{verdict.leader} leads by {verdict.lead_bars} {result.unit}(s)" + (
                "" if inside else f", outside the claimed {lags[0]}-{lags[1]}"
            )
        else:
            grade, reason = "contradicted", f"{verdict.leader} leads, not {claimed}"
    elif verdict.leader is not None:
        grade, reason = (
            ("contradicted", f"{claimed} leads by {verdict.lead_bars} {result.unit}(s)")
            if verdict.leader == claimed
            else ("consistent", f"{verdict.leader} leads; {claimed} does not")
        )
    else:
        effect = expects.effect
        if effect is not None and math.isfinite(mde) and mde <= effect:
            grade = "not supported" if expects.leader is not None else "consistent"
            reason = f"no lead found although the scan could detect a correlation of {mde:.2f} (claimed {effect:.2f})"
        else:
            grade = "inconclusive"
            reason = f"no lead found; the smallest reliably detectable correlation {mde:.2f} " + (
                f"exceeds the claimed {effect:.2f}" if effect is not None else "cannot be set against a claimed size"
            )
    strength: Evidence = "none"
    if verdict.evidence in ("strong", "moderate", "weak"):
        strength = verdict.evidence
    evidence: Evidence = (
        strength
        if grade in ("consistent", "partly consistent", "contradicted") and verdict.leader
        else grading.evidence_for_test(grade, result.n_obs, None)
    )
    headline = (
        f"{result.n_obs} {result.freq} returns {result.start.date()}..{result.end.date()}; "
        f"leader: {verdict.leader or 'none'}"
        + (f" by {verdict.lead_bars}" if verdict.lead_bars else "")
        + f" ({verdict.evidence}); peak k={result.peak.k:+d} corr {result.peak.corr:+.2f}, Holm p {peak_p:.2f}; "
        f"detectable corr {mde:.2f}"
    )
    return base.result(
        claim,
        grade=grade,
        evidence=evidence,
        reason=reason,
        headline=headline,
        measured={
            "verdict": verdict.to_dict(),
            "peak": result.peak.to_dict(),
            "granger": jsonable(result.granger.reset_index().to_dict("records")),
            "warnings": notes,
        },
        n=result.n_obs,
        p=peak_p,
        p_raw=float(result.peak.p),
        family=len(result.ccf),
        mde=mde if math.isfinite(mde) else None,
        effect=expects.effect,
        data_as_of=data.as_of.date(),
        data=reader.used,
    )


def _order(ctx: Context, claim: OrderClaim, base: _Base) -> ClaimResult:
    from riskcurve.stats.multiple_testing import adjust
    from riskcurve.stats.proportion import binomial_test

    data = ctx.view(base.date)
    reader = Reader(ctx, data)
    definition, expects = claim.definition, claim.expects
    effect = expects.effect
    if definition.method == "turning-points":
        from riskcurve.signals import divergence

        first = (expects.first or "").upper()
        lead = reader.series(first)
        tables = []
        for other in definition.others:
            table = divergence.early_warning(lead, reader.series(other), threshold=definition.threshold)
            table["other"] = other.upper()
            tables.append(table)
        leads = pd.concat(tables, ignore_index=True)["lead_days"].dropna()
        ahead, behind = int((leads > 0).sum()), int((leads < 0).sum())
        test = binomial_test(ahead, ahead + behind, 0.5)
        sign = int(np.sign(test.share - 0.5)) if test.n else 0
        grade, reason = grading.grade_test(
            n=test.n,
            significant=bool(test.n and test.p < grading.ALPHA),
            sign=sign,
            claimed_sign=1,
            mde=test.mde if math.isfinite(test.mde) else None,
            effect=effect,
        )
        headline = (
            f"{first} first at {ahead} of {ahead + behind} matched turning points "
            f"(same day {int((leads == 0).sum())}); p {test.p:.2f}; detectable share above a coin flip "
            f"+{test.mde * 100:.0f} points"
        )
        return base.result(
            claim,
            grade=grade,
            evidence=grading.evidence_for_test(grade, test.n, test.p),
            reason=reason,
            headline=headline,
            measured={"test": test.to_dict(), "lead_days": [float(v) for v in leads]},
            n=test.n,
            p=test.p,
            p_raw=test.p,
            family=1,
            mde=test.mde if math.isfinite(test.mde) else None,
            effect=effect,
            data_as_of=data.as_of.date(),
            data=reader.used,
        )
    from riskcurve.signals.events import onsets

    reader.signal_column("cascade", None, {}, "stage")
    frame = ctx.signal(data, "cascade", None, {})
    links = list(expects.order or [])
    missing = [link for link in links if link not in frame.columns]
    if missing:
        raise DataMissing(f"the cascade has no link {missing[0]!r}; its links are bonds_credit .. eth_alts")
    rows = []
    for earlier, later in zip(links[:-1], links[1:], strict=True):
        known = frame[[earlier, later]].dropna().astype(bool)
        lit = onsets(known[later], cooldown=definition.cooldown)
        already = int(known.loc[lit, earlier].sum())
        rate = float(known[earlier].mean())
        test = binomial_test(already, len(lit), min(max(rate, 1e-6), 1 - 1e-6))
        rows.append({"earlier": earlier, "later": later, **test.to_dict()})
    table = pd.DataFrame(rows)
    table["p_adjusted"] = adjust(table["p"].astype(float), methods=("holm",))["p_holm"].to_numpy()
    parts = []
    for row in (SimpleNamespace(**{str(k): v for k, v in record.items()}) for record in table.to_dict("records")):
        share = float(row.share) if row.share is not None else math.nan
        sign = int(np.sign(share - row.base)) if math.isfinite(share) else 0
        grade, reason = grading.grade_test(
            n=int(row.n),
            significant=bool(row.p_adjusted < grading.ALPHA),
            sign=sign,
            claimed_sign=1,
            mde=row.mde,
            effect=effect,
        )
        part_claim = f"{row.later} lights after {row.earlier}"
        parts.append(
            base.child(f"{row.earlier}>{row.later}", part_claim, "order").result(
                claim,
                grade=grade,
                evidence=grading.evidence_for_test(grade, int(row.n), row.p_adjusted),
                reason=reason,
                headline=f"{row.k}/{row.n} onsets of {row.later} with {row.earlier} already lit "
                f"({fmt(share, 'percent').lstrip('+')} vs base {fmt(row.base, 'percent').lstrip('+')}); "
                f"Holm p {row.p_adjusted:.3g}",
                definition={},
                measured={k: getattr(row, k) for k in ("k", "n", "share", "base", "p", "p_adjusted", "mde")},
                n=int(row.n),
                p=row.p_adjusted,
                p_raw=row.p,
                family=len(table),
                mde=row.mde,
                effect=effect,
                data_as_of=data.as_of.date(),
            )
        )
    grade, reason = grading.combine([p.grade for p in parts])
    return base.result(
        claim,
        grade=grade,
        evidence=grading.combine_evidence([p.evidence for p in parts], [p.grade for p in parts]),
        reason=reason,
        headline="; ".join(f"{p.id.split('.')[-1]}: {p.grade}" for p in parts),
        measured={"pairs": jsonable(table.to_dict("records"))},
        n=int(table["n"].sum()),
        p=float(table["p_adjusted"].max()),
        family=len(table),
        data_as_of=data.as_of.date(),
        data=reader.used,
        parts=tuple(parts),
    )


# -- forecasts ----------------------------------------------------------------------------------


def _month_end(date: dt.date, months: int) -> pd.Timestamp:
    return pd.Timestamp(date) + pd.DateOffset(months=months)


def _move(values: pd.Series, date: dt.date, until: pd.Timestamp, statistic: str) -> tuple[float | None, str | None]:
    """The move of ``values`` from the last value on or before ``date`` to the last on or before ``until``."""
    before = values.loc[: pd.Timestamp(date)].dropna()
    window = values.loc[pd.Timestamp(date) : until].dropna()
    if before.empty or window.empty or (until - window.index[-1]).days > GRACE_DAYS:
        return None, None
    if statistic == "max_drawdown":
        path = pd.concat([before.iloc[-1:], window.iloc[1:] if window.index[0] == before.index[-1] else window])
        return float((path / path.cummax() - 1.0).min()), window.index[-1].date().isoformat()
    return float(window.iloc[-1] / before.iloc[-1] - 1.0), window.index[-1].date().isoformat()


def _forecast(ctx: Context, claim: ForecastClaim, base: _Base) -> ClaimResult:
    data = ctx.view(None)
    reader = Reader(ctx, data)
    definition = claim.definition
    closes = max(definition.months)
    window_end = _month_end(base.date, closes)
    is_pending = data.as_of < window_end
    moves: list[dict[str, Any]] = []
    finals: dict[str, float | None] = {}
    relative: pd.Series | None = None
    if definition.relative_to is not None:
        relative = reader.series(definition.relative_to)
    for asset in dict.fromkeys([*definition.assets, *definition.show]):
        try:
            values = reader.series(asset)
        except DataMissing as missing:
            moves.append({"asset": asset, "note": str(missing)})
            continue
        row: dict[str, Any] = {"asset": asset}
        for months in definition.months:
            until = _month_end(base.date, months)
            if until > data.as_of:
                row[f"m{months}"] = None
                row[f"m{months}_to"] = "not yet"
                continue
            value, to = _move(values, base.date, until, "return")
            row[f"m{months}"], row[f"m{months}_to"] = value, to
            if definition.statistic == "max_drawdown":
                row[f"m{months}_max_drawdown"] = _move(values, base.date, until, "max_drawdown")[0]
            if relative is not None and value is not None:
                other, _ = _move(relative, base.date, until, "return")
                row[f"m{months}_vs_{definition.relative_to}"] = value - other if other is not None else None
        moves.append(row)
        if asset in definition.assets:
            key = (
                f"m{closes}_vs_{definition.relative_to}"
                if relative is not None
                else (f"m{closes}_max_drawdown" if definition.statistic == "max_drawdown" else f"m{closes}")
            )
            finals[asset] = row.get(key)
    unit = "percent"
    parts = []
    for asset in definition.assets:
        value = finals.get(asset)
        what = (
            f"{asset} vs {definition.relative_to}" if relative is not None else asset
        ) + f" {'max drawdown' if definition.statistic == 'max_drawdown' else 'move'} over {closes} months"
        if is_pending:
            grade: Grade = "pending"
            reason = f"the window closes on {window_end.date()}, after the data's day {data.as_of.date()}"
        else:
            ok = check_expectation(value, claim.expects)
            grade, reason = (
                ("data missing", f"no {asset} data near {window_end.date()}")
                if ok is None
                else ("consistent", "the move meets the forecast")
                if ok
                else ("contradicted", "the move is outside the forecast")
            )
        parts.append(
            base.child(asset, what, "forecast").result(
                claim,
                grade=grade,
                evidence="descriptive" if grade in grading.DECIDED else "none",
                reason=reason,
                headline=f"{fmt(value, unit)}; forecast {claimed_text(claim.expects, unit)}",
                definition={},
                measured={"value": value},
                n=1,
                data_as_of=data.as_of.date(),
                window_end=window_end.date(),
            )
        )
    grade, reason = (
        ("pending", f"the window closes on {window_end.date()}; the data stand on {data.as_of.date()}")
        if is_pending
        else grading.combine([p.grade for p in parts])
    )
    headline = "; ".join(
        f"{m['asset']} "
        + " ".join(f"{k}m {fmt(m.get(f'm{k}'), unit)}" for k in definition.months if m.get(f"m{k}") is not None)
        for m in moves
        if "note" not in m
    )
    return base.result(
        claim,
        grade=grade,
        evidence="descriptive" if grade in grading.DECIDED else "none",
        reason=reason,
        headline=headline or "no move measured yet",
        measured={"window": [base.date, window_end.date()], "finals": finals},
        n=1,
        data_as_of=data.as_of.date(),
        data=reader.used,
        parts=tuple(parts),
        moves=tuple(moves),
        window_end=window_end.date(),
    )


# -- composites ---------------------------------------------------------------------------------


def _needs_data(ctx: Context, claim: NeedsDataClaim, base: _Base) -> ClaimResult:
    data = ctx.view(base.date)
    missing = [s for s in claim.definition.series if not data.has(s.upper())]
    if missing:
        how = claim.definition.how or (
            f"`riskcurve import FILE.csv --name {missing[0].upper()}` (date and value columns)"
        )
        return base.result(
            claim,
            grade="data missing",
            evidence="none",
            reason=f"import {', '.join(s.upper() for s in missing)} first: {how}; then check again",
            headline=f"needs {', '.join(s.upper() for s in missing)}",
            data_as_of=data.as_of.date(),
        )
    inner = evaluate(ctx, claim.definition.then, base)
    return replace(inner, kind="needs-data", statement=claim.statement, definition=base.definition_of(claim))


def _episode(ctx: Context, claim: EpisodeClaim, base: _Base) -> ClaimResult:
    parts = [
        evaluate(ctx, part, base.child(part.id or "", part.statement, part.kind)) for part in claim.definition.parts
    ]
    grades = [p.grade for p in parts]
    grade, reason = grading.combine(grades)
    used: dict[str, dict[str, str | None]] = {}
    for part in parts:
        used.update({k: dict(v) for k, v in part.data.items()})
    return base.result(
        claim,
        grade=grade,
        evidence=grading.combine_evidence([p.evidence for p in parts], grades),
        reason=reason,
        headline="; ".join(f"{p.id.split('.')[-1]}: {p.headline} [{p.grade}]" for p in parts),
        measured={},
        n=len(parts),
        data_as_of=parts[0].data_as_of if parts else None,
        data=used,
        parts=tuple(parts),
    )


# -- dispatch -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Base:
    """What a claim inherits: its full id, source and date (parts take their parent's)."""

    id: str
    source: str
    date: dt.date
    statement: str | None = None
    kind: str | None = None

    def child(self, suffix: str, statement: str, kind: str) -> _Base:
        return _Base(f"{self.id}.{suffix}", self.source, self.date, statement, kind)

    def definition_of(self, claim: Claim) -> dict[str, Any]:
        dumped = claim.model_dump(mode="json", exclude_none=True, exclude={"id", "statement", "source", "date", "kind"})
        return dumped

    def result(self, claim: Claim, **fields: Any) -> ClaimResult:
        fields.setdefault("definition", self.definition_of(claim))
        return ClaimResult(
            id=self.id,
            statement=self.statement if self.statement is not None else claim.statement,
            source=self.source,
            date=self.date,
            kind=self.kind if self.kind is not None else claim.kind,
            **fields,
        )


_KINDS: dict[type, Callable[..., ClaimResult]] = {
    MeasureClaim: _measure,
    HistoryClaim: _history,
    LeadLagClaim: _leadlag,
    ConditionalClaim: _conditional,
    OrderClaim: _order,
    ForecastClaim: _forecast,
    NeedsDataClaim: _needs_data,
    EpisodeClaim: _episode,
}


def evaluate(ctx: Context, claim: Claim, base: _Base | None = None) -> ClaimResult:
    """Check one claim; a claim that cannot be measured gets ``data missing`` and the reason."""
    if base is None:
        assert claim.id is not None and claim.source is not None and claim.date is not None
        base = _Base(claim.id, claim.source, claim.date)
    try:
        result = _KINDS[type(claim)](ctx, claim, base)
        if ctx.as_of < pd.Timestamp(base.date) and claim.kind != "forecast":
            # Asked to stand before the claim was made: say that only earlier data were read.
            note = f"only data to {ctx.as_of.date()} were visible, before the claim's date {base.date}"
            result = replace(result, reason=f"{result.reason} ({note})")
        return result
    except (DataMissing, DataError) as missing:
        reason = " ".join(str(missing).split())
    except (ValueError, KeyError) as refused:
        # A definition the machinery refuses (a parameter out of range, a column it lacks):
        # this claim cannot be measured as written; the others still run.
        reason = f"could not be measured as defined: {' '.join(str(refused).split())}"
    return base.result(
        claim,
        grade="data missing",
        evidence="none",
        reason=reason,
        headline="not measured",
        data_as_of=ctx.view(base.date).as_of.date(),
    )


def run(
    store: Store, claims: Iterable[Claim], *, as_of: Any = None, seed: int = SEED, reps: int | None = None
) -> list[ClaimResult]:
    """Check ``claims`` on what the store knew on ``as_of`` (default: the store's last common day)."""
    from riskcurve.signals.regime import default_as_of

    day = pd.Timestamp(as_of).normalize() if as_of is not None else default_as_of(store)[0]
    ctx = Context(store, day, seed=seed, reps=reps)
    return [evaluate(ctx, claim) for claim in claims]
