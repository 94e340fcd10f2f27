"""Dated forecasts (claims of kind ``forecast``) marked to market before their windows close.

For a forecast made on ``d0`` about the move of an asset over ``months`` months (the claims
pack's definition, ``riskcurve claims show C45``), on a day ``D``:

* the move so far: the simple return from the close on or before ``d0`` to the last close on or
  before ``D`` (for ``relative_to``: that return minus the other asset's; for
  ``max_drawdown``: the deepest fall from a running high since ``d0``);
* the days left: calendar days from ``D`` to the window's end ``d0 + max(months)``, and the
  sessions (weekdays) among them;
* what the rest of the window needs for the forecast to come true, from the close of ``D``:
  for a return bounded below by ``b``, at least ``(1 + b) / (1 + so_far) - 1``; bounded above,
  at most that; for a drawdown bound, the price the asset must stay above (or "broken" once the
  fall has happened, which no later move undoes); for a spread against another asset with
  ``b = 0``, the rise of the ratio of the two back to where it stood on ``d0``.

Once the window has closed, the forecast is graded as the claims checker grades it: the move at
the window's end against the claim's bound (``came true`` / ``did not``).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from riskcurve import numbers
from riskcurve.stats.claims import Claim, forecast_claims
from riskcurve.stats.claims.grading import check_expectation

#: Days a close may lag the day it stands for (weekends, holidays) before it is "no data".
GRACE_DAYS = 7


@dataclass(frozen=True)
class AssetMark:
    """One asset of a forecast on the day.

    Attributes
    ----------
    asset
        The asset (``ALT_BASKET`` is the equal-weight alt basket).
    start_date, start_close
        The close the move is measured from (on or before the forecast's date).
    last_date, last_close
        The latest close used (on or before the day, and not after the window's end).
    so_far
        The measured figure so far (return, spread or drawdown, as the forecast defines it).
    needs
        What the rest of the window needs, in words; ``needed`` as a figure where one applies.
    on_track
        Whether the figure so far already meets the forecast's bound.
    """

    asset: str
    start_date: str | None
    start_close: float | None
    last_date: str | None
    last_close: float | None
    so_far: float | None
    needed: float | None
    needs: str
    on_track: bool | None


@dataclass(frozen=True)
class ForecastMark:
    """A forecast on one day: pending with its marks, or resolved with its outcome."""

    id: str
    statement: str
    date: str
    window_end: str
    status: str
    days_left: int
    sessions_left: int
    statistic: str
    expects: str
    assets: tuple[AssetMark, ...] = field(default_factory=tuple)
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The ``--json`` form."""
        return asdict(self)


@functools.cache
def _builtin_forecasts() -> tuple[Claim, ...]:
    # The pack is parsed once per process: a back-fill marks the forecasts on every day.
    return tuple(forecast_claims())


def forecasts(claims: Sequence[Claim] | None = None) -> tuple[Claim, ...]:
    """The forecasts among ``claims`` (default: the built-in pack's, parsed once)."""
    return _builtin_forecasts() if claims is None else tuple(forecast_claims(claims))


def forecast_assets(claims: Sequence[Claim] | None = None) -> set[str]:
    """Every asset the forecasts read (their assets and ``relative_to``)."""
    assets: set[str] = set()
    for claim in forecasts(claims):
        definition: Any = claim.definition
        assets.update(definition.assets)
        if definition.relative_to:
            assets.add(definition.relative_to)
    return assets


def _expects_text(expects: Any) -> str:
    parts = []
    if expects.at_least is not None:
        parts.append(f">= {numbers.percent(expects.at_least, 1, signed=True)}")
    if expects.at_most is not None:
        parts.append(f"<= {numbers.percent(expects.at_most, 1, signed=True)}")
    if expects.value is not None:
        tolerance = (
            expects.tolerance if expects.tolerance is not None else abs(expects.value) * (expects.rel_tolerance or 0)
        )
        parts.append(
            f"{numbers.percent(expects.value, 1, signed=True)} +/- {numbers.points(tolerance, 1, signed=False)}"
        )
    return " and ".join(parts) or "see the claim"


def _span(close: pd.Series, start: pd.Timestamp, until: pd.Timestamp) -> pd.Series | None:
    """Closes from the one on or before ``start`` to the last on or before ``until``."""
    before = close.loc[:start]
    if before.empty or (start - before.index[-1]).days > GRACE_DAYS:
        return None
    path = close.loc[before.index[-1] : until]
    return path if len(path) else None


def _need_return(so_far: float, expects: Any) -> tuple[float | None, str, bool | None]:
    if expects.at_least is not None:
        needed = (1 + expects.at_least) / (1 + so_far) - 1
        return needed, f"needs {numbers.percent(needed, 1, signed=True)} or more from here", so_far >= expects.at_least
    if expects.at_most is not None:
        needed = (1 + expects.at_most) / (1 + so_far) - 1
        return needed, f"needs {numbers.percent(needed, 1, signed=True)} or less from here", so_far <= expects.at_most
    if expects.value is not None:
        needed = (1 + expects.value) / (1 + so_far) - 1
        return (
            needed,
            f"needs about {numbers.percent(needed, 1, signed=True)} from here",
            bool(check_expectation(so_far, expects)),
        )
    return None, "", None


def _mark_asset(
    asset: str, closes: Mapping[str, pd.Series], start: pd.Timestamp, until: pd.Timestamp, definition: Any, expects: Any
) -> AssetMark:
    close = closes.get(asset)
    path = _span(close, start, until) if close is not None else None
    if path is None:
        return AssetMark(asset, None, None, None, None, None, None, f"no {asset} close near {start.date()}", None)
    first, last = float(path.iloc[0]), float(path.iloc[-1])
    start_date, last_date = path.index[0].date().isoformat(), path.index[-1].date().isoformat()
    stale = (until - path.index[-1]).days > GRACE_DAYS
    if definition.statistic == "max_drawdown":
        drawdown = float((path / path.cummax() - 1.0).min())
        bound = expects.at_least
        if bound is None:
            return AssetMark(asset, start_date, first, last_date, last, drawdown, None, "", None)
        if drawdown < bound:
            return AssetMark(
                asset, start_date, first, last_date, last, drawdown, None, "broken: the fall already happened", False
            )
        floor = float(path.max()) * (1 + bound)
        needed = floor / last - 1
        text = (
            f"must not close below {numbers.decimal(floor, 0)} "
            f"({numbers.percent(needed, 1, signed=True)} from the last close)"
        )
        return AssetMark(asset, start_date, first, last_date, last, drawdown, needed, text, True)
    move = last / first - 1
    if definition.relative_to:
        other = closes.get(definition.relative_to)
        other_path = _span(other, start, until) if other is not None else None
        if other_path is None:
            text = f"no {definition.relative_to} close near {start.date()}"
            return AssetMark(asset, start_date, first, last_date, last, None, None, text, None)
        ratio_start = first / float(other_path.iloc[0])
        ratio_now = last / float(other_path.iloc[-1])
        spread = move - (float(other_path.iloc[-1]) / float(other_path.iloc[0]) - 1)
        bound = expects.at_least if expects.at_least is not None else expects.at_most
        on_track = check_expectation(spread, expects)
        if bound == 0:
            needed = ratio_start / ratio_now - 1
            verb = "rise" if expects.at_least is not None else "fall"
            text = (
                f"{asset}/{definition.relative_to} needs to {verb} {numbers.percent(abs(needed), 1)} "
                "back to its starting level"
            )
            if (expects.at_least is not None and needed <= 0) or (expects.at_most is not None and needed >= 0):
                past = numbers.percent(-needed, 1, signed=True)
                text = f"{asset}/{definition.relative_to} is past its starting level ({past})"
        else:
            needed = (bound or 0.0) - spread
            text = f"the spread needs to move {numbers.points(needed, 1)}"
        return AssetMark(asset, start_date, first, last_date, last, spread, needed, text, on_track)
    needed, text, on_track = _need_return(move, expects)
    if stale:
        text = f"no close since {last_date}; " + text
    return AssetMark(asset, start_date, first, last_date, last, move, needed, text, on_track)


def mark_forecast(claim: Claim, closes: Mapping[str, pd.Series], day: pd.Timestamp) -> ForecastMark | None:
    """``claim`` on ``day`` (``None`` before the forecast was made).

    Parameters
    ----------
    claim
        A claim of kind ``forecast``.
    closes
        Closes by asset, cut at ``day`` or later (rows after ``day`` are ignored).
    day
        The day to stand on.
    """
    definition: Any = claim.definition
    expects: Any = getattr(claim, "expects", None)
    if expects is None or claim.date is None:
        return None
    start = pd.Timestamp(claim.date)
    if day < start:
        return None
    end = start + pd.DateOffset(months=max(definition.months))
    until = min(day, end)
    resolved = day >= end
    marks = tuple(_mark_asset(a, closes, start, until, definition, expects) for a in definition.assets)
    if resolved:
        outcomes = [check_expectation(m.so_far, expects) if m.so_far is not None else None for m in marks]
        status = "data missing" if None in outcomes else ("came true" if all(outcomes) else "did not")
        marks = tuple(AssetMark(**{**asdict(m), "needed": None, "needs": ""}) for m in marks)
    else:
        status = "pending"
    left = max((end - day).days, 0)
    sessions = (
        int(np.busday_count((day + pd.Timedelta(days=1)).date(), (end + pd.Timedelta(days=1)).date())) if left else 0
    )
    return ForecastMark(
        id=str(claim.id),
        statement=claim.statement,
        date=start.date().isoformat(),
        window_end=end.date().isoformat(),
        status=status,
        days_left=left,
        sessions_left=sessions,
        statistic=("spread vs " + definition.relative_to) if definition.relative_to else definition.statistic,
        expects=_expects_text(expects),
        assets=marks,
        note=claim.note,
    )


def mark_forecasts(
    claims: Sequence[Claim] | None, closes: Mapping[str, pd.Series], day: pd.Timestamp
) -> list[ForecastMark]:
    """Every forecast among ``claims`` (default: the built-in pack) made on or before ``day``."""
    marks = (mark_forecast(c, closes, day) for c in forecasts(claims))
    return [m for m in marks if m is not None]
