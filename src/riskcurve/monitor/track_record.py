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
together at each horizon. Skill over time is the Brier skill of the forecasts issued in each
calendar year. The verdict never claims more than the interval: "no skill shown over the base
rate" when it includes zero.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from riskcurve import numbers
from riskcurve._typing import DateLike
from riskcurve.data.store import Store
from riskcurve.signals.cascade import LINKS
from riskcurve.stats._json import plain
from riskcurve.stats.scoring import ForecastScore, score_forecasts

__all__ = ["ALL_LINKS", "TrackRecord", "outcomes", "track_record"]

#: The ``link`` of the rows that pool every link at one horizon.
ALL_LINKS = "all"
#: Bootstrap resamples and seed (fixed, so a track record is reproducible).
REPS = 1000
SEED = 20260121


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
        Per horizon and calendar year of issue: forecasts scored, Brier skill (skill over time).
    verdict
        One sentence over the pooled horizons.
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
            interval = (
                f"[{numbers.score(s.skill_low, signed=True)}, {numbers.score(s.skill_high, signed=True)}]"
                if math.isfinite(s.skill_low)
                else "[no interval]"
            )
            lines.append(
                f"  {link:<12} {horizon:>3} sessions  n={s.n:<5} Brier {numbers.score(s.brier)} "
                f"(base {numbers.score(s.brier_reference)})  "
                f"skill {numbers.score(s.skill, signed=True)} {interval}  {s.verdict}"
            )
        if self.other_data:
            lines.append(f"  note: {self.other_data} digests were computed from other data; rerun the back-fill")
        return "\n".join(lines)


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
    result = outcomes(states, forecasts)
    days = pd.DatetimeIndex(states.index)
    ends = pd.DatetimeIndex(
        np.busday_offset(
            forecasts["as_of"].to_numpy(dtype="datetime64[D]"), forecasts["horizon"].to_numpy(), roll="backward"
        ).astype("datetime64[ns]")
    )
    open_ = ends > days[-1]
    given = forecasts["probability"].notna() & forecasts["base_rate"].notna()
    usable = result.notna() & given
    scored = forecasts[usable].assign(outcome=result[usable])
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
                horizon_days=math.ceil(int(horizon) * 7 / 5),
                reps=reps,
                seed=seed,
            )
    by_year = _by_year(scored)
    current = data_fingerprint(store, history.index.max())
    return TrackRecord(
        as_of=day.date(),
        first=history.index.min().date(),
        last=history.index.max().date(),
        digests=len(history),
        forecasts=len(forecasts),
        scored=len(scored),
        pending=int(open_.sum()),
        unresolved=int((result.isna() & ~open_ & given).sum()),
        without_probability=int((~open_ & ~given).sum()),
        other_data=int((history["data_fingerprint"] != current).sum()),
        scores=scores,
        by_year=by_year,
        verdict=_verdict(scores),
    )


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
