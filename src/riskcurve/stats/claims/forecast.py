"""The ``forecast`` kind: a move over months after the claim date, pending until its window closes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from riskcurve.stats.claims import grading
from riskcurve.stats.claims.base import Base
from riskcurve.stats.claims.context import GRACE_DAYS, Context, Reader
from riskcurve.stats.claims.grading import Grade, check_expectation
from riskcurve.stats.claims.language import (
    ForecastClaim,
)
from riskcurve.stats.claims.result import ClaimResult, DataMissing, claimed_text, fmt


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


def _path_part(
    claim: ForecastClaim,
    base: Base,
    asset: str,
    row: dict[str, Any],
    window_end: pd.Timestamp,
    as_of: pd.Timestamp,
    relative: pd.Series | None,
) -> ClaimResult:
    """An asset's forecast graded at every month of the window: the path, not only its end."""
    definition = claim.definition
    suffix = f"_vs_{definition.relative_to}" if relative is not None else ""
    moves = {k: row.get(f"m{k}{suffix}") for k in definition.months}
    checks = {k: check_expectation(v, claim.expects) for k, v in moves.items()}
    decided = [ok for ok in checks.values() if ok is not None]
    grade: Grade
    if not decided:
        grade, reason = "data missing", f"no {asset} data near {window_end.date()}"
    elif all(decided) and len(decided) == len(checks):
        grade, reason = "consistent", f"the move meets the forecast at each of the {len(checks)} months"
    elif any(decided):
        grade = "partly consistent"
        reason = f"the move meets the forecast at {sum(decided)} of {len(checks)} months"
    else:
        grade, reason = "contradicted", f"the move is outside the forecast at every one of the {len(checks)} months"
    unit = "percent"
    marks = " ".join(
        f"{k}m {fmt(v, unit)} [{'met' if checks[k] else 'not met' if checks[k] is not None else 'n/a'}]"
        for k, v in moves.items()
    )
    what = (f"{asset} vs {definition.relative_to}" if relative is not None else asset) + (
        f" move at each of months {', '.join(str(k) for k in definition.months)}"
    )
    return base.child(asset, what, "forecast").result(
        claim,
        grade=grade,
        evidence="descriptive" if grade in grading.DECIDED else "none",
        reason=reason,
        headline=f"{marks}; forecast {claimed_text(claim.expects, unit)} at each",
        definition={},
        measured={"path": {f"m{k}": v for k, v in moves.items()}, "met": {f"m{k}": ok for k, ok in checks.items()}},
        n=len(decided),
        data_as_of=as_of.date(),
        window_end=window_end.date(),
    )


def check(ctx: Context, claim: ForecastClaim, base: Base) -> ClaimResult:
    """Grade a ``forecast``: the move after the claim date, ``pending`` until the window closes."""
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
    rows_by_asset = {m["asset"]: m for m in moves}
    for asset in definition.assets:
        value = finals.get(asset)
        if definition.statistic == "path" and not is_pending:
            parts.append(_path_part(claim, base, asset, rows_by_asset.get(asset, {}), window_end, data.as_of, relative))
            continue
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
