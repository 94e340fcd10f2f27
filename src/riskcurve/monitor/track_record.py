"""The track record: every stored next-link probability scored once its horizon has closed.

A probability stored for day ``t`` (:mod:`riskcurve.monitor.history`) says "link ``L`` lights
within ``h`` sessions". Its outcome is read from the link states known on the scoring day, with
the estimator's own definition (:mod:`riskcurve.monitor.probabilities`): the window is the ``h``
weekdays after ``t``; the outcome is 1 when ``L`` was lit on some day of the window, 0 when it
was dark throughout, and there is none when it was never lit but unknown on some day (missing
data is never an outcome). A window that ends after the scoring day is still open: the forecast
is pending and not scored.

The scores (:func:`riskcurve.stats.scoring.score_forecasts`) compare the probability the digest
gave (the shrunk figure) with the base rate known on the same day: Brier and log score, Brier
skill with an interval from a block bootstrap over weeks (blocks at least as long as the
horizon), a reliability table and sharpness, for each link and horizon and for all links
together at each horizon. The verdict never claims more than the interval: "no skill shown
over the base rate" when it includes zero.

Skill over time, two ways: :attr:`TrackRecord.by_year` gives the Brier skill of the forecasts
issued in each calendar year; :func:`skill_curves` gives the pooled skill with its interval as
the record stood at each quarter's end (only forecasts resolved by then), which the report and
the dashboard draw with :func:`reliability_tables`. :func:`weekly_track_record` is the record of
the Friday digests as of any day, read from the store's back-fill when it is current and
computed in memory otherwise (docs/monitor.md, "The charts").
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from riskcurve import numbers
from riskcurve._typing import DateLike
from riskcurve.data.store import Store
from riskcurve.errors import DataError
from riskcurve.signals.cascade import LINKS
from riskcurve.stats._json import plain
from riskcurve.stats.scoring import ForecastScore, score_forecasts

if TYPE_CHECKING:
    from riskcurve.monitor.digest import Monitor

__all__ = [
    "ALL_LINKS",
    "ALL_HORIZONS",
    "COMPUTED",
    "STORED",
    "TrackRecord",
    "outcomes",
    "reliability_tables",
    "skill_curves",
    "track_record",
    "weekly_track_record",
]

#: The ``link`` of the rows that pool every link at one horizon.
ALL_LINKS = "all"
#: The key of :func:`reliability_tables` that pools every horizon.
ALL_HORIZONS = "all"
#: Bootstrap resamples and seed (fixed, so a track record is reproducible).
REPS = 1000
SEED = 20260121
#: Resamples of each earlier point of :func:`skill_curves` (a band drawn, not a verdict: the
#: interval's half-width is known to about 5%; the last point uses the record's own :data:`REPS`).
CURVE_REPS = 250
#: :attr:`TrackRecord.source`: scored from the back-fill stored by ``riskcurve digest --history``.
STORED = "stored"
#: :attr:`TrackRecord.source`: the weekly back-fill computed in memory (nothing stored, or not current).
COMPUTED = "computed"


def outcomes(states: pd.DataFrame, forecasts: pd.DataFrame) -> pd.Series:
    """The outcome of each forecast: 1.0, 0.0, or NaN while open or when the data went missing.

    Parameters
    ----------
    states
        Link states on consecutive calendar days (1 lit, 0 dark, -1 unknown), one column per
        link, as known on the scoring day.
    forecasts
        Rows with ``as_of``, ``link`` and ``horizon`` (sessions).

    Returns
    -------
    pandas.Series
        Aligned with ``forecasts``.
    """
    from riskcurve.monitor.probabilities import _outcomes, _window_ends

    days = pd.DatetimeIndex(states.index)
    result = pd.Series(np.nan, index=forecasts.index)
    if len(days) == 0 or forecasts.empty:
        return result
    last = len(days) - 1
    positions = ((pd.DatetimeIndex(forecasts["as_of"]) - days[0]).days).to_numpy()
    inside = (positions >= 0) & (positions <= last)
    for (link, horizon), group in forecasts[inside].groupby(["link", "horizon"]):
        ends = _window_ends(days, int(str(horizon)))
        lit, known = _outcomes(states[str(link)].to_numpy(dtype=np.int64), ends)
        at = positions[forecasts.index.get_indexer(group.index)]
        closed = ends[at] <= last
        value = np.where(known[at] & closed, lit[at].astype(float), np.nan)
        result.loc[group.index] = value
    return result


@dataclass(frozen=True)
class TrackRecord:
    """How good the stored probabilities were, scored against the base rate.

    Attributes
    ----------
    as_of
        The scoring day: outcomes are read from the states known then.
    first, last
        The first and last stored digest.
    digests
        Stored digests (days).
    forecasts, scored, pending, unresolved, without_probability
        Stored probabilities; those scored; those whose window is still open; those whose
        window closed with a link unknown on some day (no outcome); those closed whose digest
        gave no probability (no base rate could be counted yet on its day).
    other_data
        Stored digests computed from other data than the store holds now (a later update):
        their fingerprint differs; rerun the back-fill to refresh them.
    scores
        ``(link, horizon) -> ForecastScore``; ``link`` is :data:`ALL_LINKS` for every link pooled.
    by_year
        Per horizon and calendar year of issue: forecasts scored, Brier skill.
    verdict
        One sentence over the pooled horizons.
    scored_forecasts
        Every scored forecast: ``as_of``, ``link``, ``horizon``, ``probability``, ``base_rate``,
        ``outcome`` and ``resolved`` (the day its window closed); what the charts draw.
    source
        :data:`STORED` (read from the store's back-fill) or :data:`COMPUTED` (back-filled in
        memory by :func:`weekly_track_record`).
    """

    as_of: dt.date
    first: dt.date | None
    last: dt.date | None
    digests: int
    forecasts: int
    scored: int
    pending: int
    unresolved: int
    without_probability: int
    other_data: int
    scores: dict[tuple[str, int], ForecastScore]
    by_year: pd.DataFrame
    verdict: str
    scored_forecasts: pd.DataFrame = field(default_factory=pd.DataFrame)
    source: str = "stored"

    def to_dict(self) -> dict[str, Any]:
        """The ``riskcurve track-record --json`` schema."""
        return {
            "as_of": self.as_of.isoformat(),
            "first": self.first.isoformat() if self.first else None,
            "last": self.last.isoformat() if self.last else None,
            "digests": self.digests,
            "forecasts": self.forecasts,
            "scored": self.scored,
            "pending": self.pending,
            "unresolved": self.unresolved,
            "without_probability": self.without_probability,
            "other_data": self.other_data,
            "scores": [
                {"link": link, "horizon": horizon, **score.to_dict()} for (link, horizon), score in self.scores.items()
            ],
            "by_year": [{k: plain(v) for k, v in row.items()} for row in self.by_year.to_dict(orient="records")],
            "verdict": self.verdict,
            "definition": __doc__.split("\n\n", 1)[1].strip() if __doc__ else "",
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per link and horizon: n, Brier, log score, skill and its interval, verdict."""
        rows = []
        for (link, horizon), score in self.scores.items():
            rows.append(
                {
                    "link": link,
                    "horizon": horizon,
                    "n": score.n,
                    "events": score.events,
                    "brier": score.brier,
                    "brier_base": score.brier_reference,
                    "log_score": score.log,
                    "skill": score.skill,
                    "skill_low": score.skill_low,
                    "skill_high": score.skill_high,
                    "sharpness": score.sharpness,
                    "verdict": score.verdict,
                }
            )
        return pd.DataFrame(rows)

    def summary(self) -> str:
        """Plain text, one line per link and horizon."""
        if self.digests == 0:
            return "no stored digests: run `riskcurve digest --history` first"
        lines = [
            f"riskcurve track record as of {self.as_of.isoformat()}: {self.digests} digests "
            f"{self.first} to {self.last}; {self.scored} forecasts scored, {self.pending} pending, "
            f"{self.unresolved} without an outcome (data missing)",
            f"  {self.verdict}",
        ]
        for (link, horizon), s in self.scores.items():
            low, high = _three(s.skill_low, signed=True), _three(s.skill_high, signed=True)
            interval = f"[{low}, {high}]" if math.isfinite(s.skill_low) else "[no interval]"
            lines.append(
                f"  {link:<12} {horizon:>3} sessions  n={s.n:<5} Brier {_three(s.brier)} "
                f"(base {_three(s.brier_reference)})  skill {_three(s.skill, signed=True)} {interval}  {s.verdict}"
            )
        if self.other_data:
            lines.append(f"  note: {self.other_data} digests were computed from other data; rerun the back-fill")
        return "\n".join(lines)


def _three(value: float, *, signed: bool = False) -> str:
    return numbers.decimal(value, 3, signed=signed)


def _verdict(scores: dict[tuple[str, int], ForecastScore]) -> str:
    pooled = {h: s for (link, h), s in scores.items() if link == ALL_LINKS}
    if not pooled or all(s.n == 0 for s in pooled.values()):
        return "no closed forecasts yet: nothing to score"
    shown = [h for h, s in pooled.items() if s.verdict.startswith("skill shown")]
    worse = [h for h, s in pooled.items() if s.verdict.startswith("worse")]
    if shown:
        text = f"skill shown over the base rate at {', '.join(str(h) for h in shown)} sessions"
    else:
        text = "no skill shown over the base rate at any horizon"
    if worse:
        text += f"; worse than the base rate at {', '.join(str(h) for h in worse)} sessions"
    return text + " (all links pooled, 95% block-bootstrap intervals)"


def track_record(
    store: Store,
    *,
    as_of: DateLike | None = None,
    start: DateLike | None = None,
    freq: str | None = None,
    reps: int = REPS,
    seed: int = SEED,
) -> TrackRecord:
    """Score every stored probability whose horizon has closed by ``as_of``.

    Parameters
    ----------
    store
        A store holding a back-fill (``riskcurve digest --history``).
    as_of
        The scoring day (default: today, or the store's last common day): outcomes are read
        from the link states known then; a window ending later is pending.
    start
        Score only digests from this day on.
    freq
        ``"W"``: only the Friday digests; ``"D"`` or ``None``: every stored day.
    reps, seed
        The bootstrap.

    Returns
    -------
    TrackRecord
    """
    from riskcurve.data.panel import MarketData
    from riskcurve.monitor.history import data_fingerprint, load_forecasts, load_history
    from riskcurve.monitor.inputs import load_inputs
    from riskcurve.signals.regime import default_as_of

    day = pd.Timestamp(as_of).normalize() if as_of is not None else default_as_of(store)[0]
    if freq not in (None, "W", "D"):
        raise ValueError(f"freq must be 'W' (Fridays) or 'D' (every stored day), got {freq!r}")
    history = load_history(store, start=start, end=day)
    forecasts = load_forecasts(store, start=start, end=day)
    if freq == "W":
        history = history[pd.DatetimeIndex(history.index).day_of_week == 4]
        forecasts = forecasts[forecasts["as_of"].dt.day_of_week == 4].reset_index(drop=True)
    if history.empty:
        return TrackRecord(day.date(), None, None, 0, 0, 0, 0, 0, 0, 0, {}, pd.DataFrame(), _verdict({}))
    states = load_inputs(MarketData(store, as_of=day), claims=[]).states
    current = data_fingerprint(store, history.index.max())
    other = int((history["data_fingerprint"] != current).sum())
    return _scored(day, pd.DatetimeIndex(history.index), forecasts, states, other, reps, seed, STORED)


def _scored(
    day: pd.Timestamp,
    digests: pd.DatetimeIndex,
    forecasts: pd.DataFrame,
    states: pd.DataFrame,
    other_data: int,
    reps: int,
    seed: int,
    source: str,
) -> TrackRecord:
    """Score ``forecasts`` (rows with as_of, link, horizon, probability, base_rate) on ``states``."""
    result = outcomes(states, forecasts)
    days = pd.DatetimeIndex(states.index)
    ends = pd.DatetimeIndex(
        np.busday_offset(
            forecasts["as_of"].to_numpy(dtype="datetime64[D]"),
            forecasts["horizon"].to_numpy(dtype=np.int64),
            roll="backward",
        ).astype("datetime64[ns]")
    )
    open_ = ends > days[-1]
    given = forecasts["probability"].notna() & forecasts["base_rate"].notna()
    usable = result.notna() & given
    scored = forecasts[usable].assign(outcome=result[usable], resolved=ends[usable.to_numpy()])
    scores: dict[tuple[str, int], ForecastScore] = {}
    for horizon in sorted(forecasts["horizon"].unique()):
        for link in (*LINKS, ALL_LINKS):
            rows = scored[(scored["horizon"] == horizon) & ((scored["link"] == link) | (link == ALL_LINKS))]
            if link != ALL_LINKS and rows.empty:
                continue
            scores[(link, int(horizon))] = score_forecasts(
                rows["probability"],
                rows["base_rate"],
                rows["outcome"],
                rows["as_of"],
                horizon_days=horizon_days(int(horizon)),
                reps=reps,
                seed=seed,
            )
    return TrackRecord(
        as_of=day.date(),
        first=digests.min().date(),
        last=digests.max().date(),
        digests=len(digests),
        forecasts=len(forecasts),
        scored=len(scored),
        pending=int(open_.sum()),
        unresolved=int((result.isna() & ~open_ & given).sum()),
        without_probability=int((~open_ & ~given).sum()),
        other_data=other_data,
        scores=scores,
        by_year=_by_year(scored),
        verdict=_verdict(scores),
        scored_forecasts=scored[["as_of", "link", "horizon", "probability", "base_rate", "outcome", "resolved"]]
        .astype({"link": object, "horizon": "int64", "probability": float, "base_rate": float, "outcome": float})
        .reset_index(drop=True),
        source=source,
    )


def horizon_days(horizon: int) -> int:
    """A horizon in sessions as calendar days (five sessions a week): the bootstrap's block floor."""
    return math.ceil(horizon * 7 / 5)


def _by_year(scored: pd.DataFrame) -> pd.DataFrame:
    """Brier skill of the forecasts issued each calendar year, per horizon (all links pooled)."""
    if scored.empty:
        return pd.DataFrame(columns=["horizon", "year", "n", "brier", "brier_base", "skill"])
    frame = scored.assign(
        year=scored["as_of"].dt.year,
        bs=(scored["probability"] - scored["outcome"]) ** 2,
        bs_base=(scored["base_rate"] - scored["outcome"]) ** 2,
    )
    table = frame.groupby(["horizon", "year"]).agg(
        n=("bs", "size"), brier=("bs", "mean"), brier_base=("bs_base", "mean")
    )
    table["skill"] = np.where(table["brier_base"] > 0, 1 - table["brier"] / table["brier_base"], np.nan)
    return table.reset_index()


# -- the track record as it stood on one day, and what its charts draw ----------------------------


def weekly_track_record(
    store: Store,
    as_of: DateLike | None = None,
    *,
    monitor: Monitor | None = None,
    reps: int = REPS,
    seed: int = SEED,
) -> TrackRecord:
    """The weekly track record as it stood on ``as_of``, whether or not a back-fill is stored.

    The Friday digests from the first day the chain can be read to ``as_of`` are read from the
    store when it holds every one of them, computed by the same code (:func:`~riskcurve.monitor.
    history.code_version`) from the same data (no row computed from other data, as
    :attr:`TrackRecord.other_data` counts); otherwise they are back-filled here, in memory
    (:func:`~riskcurve.monitor.history.core_records`, about 1 s; nothing is written, so a
    read-only store is enough). Both give the same numbers: a stored day equals the digest
    computed on the store cut at that day (tests/property/test_history_truncation.py).
    :attr:`TrackRecord.source` says which was used.

    Out of sample as of ``as_of``: only forecasts issued by then, scored only when their window
    closed by then, with outcomes from the data known then.

    Parameters
    ----------
    store
        The store (read-only is enough).
    as_of
        The day (default: today, or the store's last common day).
    monitor
        A monitor built on ``as_of`` with ``claims=[]`` (built here when ``None``).
    reps, seed
        The bootstrap.
    """
    from riskcurve.monitor.history import (
        build_monitor,
        code_version,
        core_records,
        data_fingerprint,
        first_readable_day,
        history_days,
        load_forecasts,
        load_history,
    )
    from riskcurve.signals.regime import default_as_of

    day = pd.Timestamp(as_of).normalize() if as_of is not None else default_as_of(store)[0]
    if monitor is None:
        monitor = build_monitor(store, day)
    if monitor.as_of != day:
        raise ValueError(f"the monitor stands on {monitor.as_of.date()}, not on {day.date()}")
    states = monitor.inputs.states
    try:
        fridays = history_days(first_readable_day(states), day, "W")
    except DataError:  # before the chain can first be read: no digest yet, nothing to score
        fridays = pd.DatetimeIndex([])
    if len(fridays) == 0:
        verdict = f"no digest yet: the chain cannot be read on any Friday up to {day.date()}"
        return TrackRecord(day.date(), None, None, 0, 0, 0, 0, 0, 0, 0, {}, pd.DataFrame(), verdict, source=COMPUTED)
    stored = load_history(store, start=fridays[0])
    history = stored[stored.index.isin(fridays)]
    # A back-fill stamps every row with the data it read up to its last day (the last stored row).
    current = (
        len(history) == len(fridays)
        and bool((history["code_version"] == code_version()).all())
        and bool((history["data_fingerprint"] == data_fingerprint(store, stored.index.max())).all())
    )
    if current:
        forecasts = load_forecasts(store, start=fridays[0], end=fridays[-1])
        forecasts = forecasts[forecasts["as_of"].isin(fridays)].reset_index(drop=True)
        return _scored(day, fridays, forecasts, states, 0, reps, seed, STORED)
    records = core_records(monitor, fridays)
    forecasts = pd.DataFrame(
        [
            (record["as_of"], p["link"], p["horizon"], p["shrunk"], p["base_rate"])
            for record in records
            for p in record["probabilities"]
        ],
        columns=["as_of", "link", "horizon", "probability", "base_rate"],
    ).astype({"horizon": "int64", "probability": float, "base_rate": float})
    forecasts["as_of"] = pd.to_datetime(forecasts["as_of"])
    return _scored(day, fridays, forecasts, states, 0, reps, seed, COMPUTED)


def reliability_tables(record: TrackRecord) -> dict[str, pd.DataFrame]:
    """The reliability table of every link pooled, per horizon (key ``"21"``, ...) and over all.

    Returns
    -------
    dict
        ``str(horizon) -> table`` and :data:`ALL_HORIZONS` ``-> table`` pooling every horizon;
        tables as :func:`riskcurve.stats.scoring.reliability_table` (``low``, ``high``, ``n``,
        ``mean_forecast``, ``observed``). Empty when nothing has been scored.
    """
    from riskcurve.stats.scoring import reliability_table

    scored = record.scored_forecasts
    if scored.empty:
        return {}
    tables = {str(horizon): score.reliability for (link, horizon), score in record.scores.items() if link == ALL_LINKS}
    tables = {key: table for key, table in tables.items() if not table.empty}
    tables[ALL_HORIZONS] = reliability_table(scored["probability"], scored["outcome"])
    return tables


def skill_curves(
    record: TrackRecord, *, at: Any = None, reps: int = CURVE_REPS, seed: int = SEED
) -> dict[int, pd.DataFrame]:
    """The pooled Brier skill per horizon as it stood at each quarter's end, with its interval.

    Each point is the track record as it would have been printed that day: every forecast whose
    window had closed by then (:func:`riskcurve.stats.scoring.skill_over_time`). The last point,
    on the record's own day, is the record's pooled score itself (its interval from the full
    bootstrap); earlier points use ``reps`` resamples.

    Parameters
    ----------
    record
        A track record with its scored forecasts.
    at
        Earlier days to evaluate on (default: every quarter's end from the first resolved
        forecast to the record's day).
    reps, seed
        The bootstrap of the earlier points.

    Returns
    -------
    dict
        ``horizon -> frame`` indexed by day (``date``): ``n``, ``skill``, ``skill_low``,
        ``skill_high``; only days with at least one forecast scored.
    """
    from riskcurve.stats.scoring import skill_over_time

    scored = record.scored_forecasts
    curves: dict[int, pd.DataFrame] = {}
    if scored.empty:
        return curves
    end = pd.Timestamp(record.as_of)
    for key, rows in scored.groupby("horizon"):
        horizon = int(str(key))
        days = pd.DatetimeIndex(pd.to_datetime(at)) if at is not None else None
        if days is None:
            days = pd.date_range(rows["resolved"].min(), end, freq="QE")
        days = days[days < end]
        curve = skill_over_time(
            rows["probability"],
            rows["base_rate"],
            rows["outcome"],
            rows["as_of"],
            rows["resolved"],
            days,
            horizon_days=horizon_days(horizon),
            reps=reps,
            seed=seed,
        )
        final = record.scores[(ALL_LINKS, horizon)]
        curve.loc[end] = (final.n, final.skill, final.skill_low, final.skill_high)
        curve = curve.astype({"n": "int64"})
        curve.index.name = "date"
        curves[horizon] = curve[curve["n"] > 0]
    return curves
