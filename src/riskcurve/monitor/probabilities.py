"""The chance that a dark link of the cascade lights within 21, 63 or 126 sessions.

A pure estimator over the link states (:attr:`~riskcurve.monitor.inputs.MonitorInputs.states`:
1 lit, 0 dark, -1 unknown, one column per link on consecutive calendar days). Its answer on a
day ``D`` uses only what was known on ``D``:

Episodes (de-clustered)
    For a link ``L`` and a stage ``s`` (the unbroken run of lit links from ``bonds_credit``,
    read only on days where every link up to the front is known), the *condition* holds on a day
    when the stage is ``s`` and ``L`` is dark. Episodes are drawn from the days the condition
    holds: the first such day opens an episode whose window is the next ``h`` sessions
    (weekdays); the next episode opens on the first condition day *after* that window ends. So
    episode windows never overlap and a long stall gives several episodes, one per window, each
    asking "on a day in this state, did the link light within ``h`` sessions?".
Outcome
    The episode succeeded if ``L`` was lit on some day in the window. A window where ``L`` never
    lit but was unknown on some day has no outcome and is left out.
Known on ``D``
    Only episodes whose window has closed by ``D`` count (opened on day ``t``, window ending
    ``h`` sessions later ``<= D``), so the estimate never includes an outcome still unknown on
    ``D`` (counting early successes but not open failures would bias it upwards).
Base rate
    The same question asked of *every* day on which ``L`` was dark, whatever the stage, over the
    same history (windows closed by ``D``): the unconditional frequency the conditional
    estimate is compared with.
Shrinkage
    With ``k`` successes in ``n`` episodes and base rate ``p0``, the prior is
    ``Beta(m p0, m (1 - p0))``, centred on the base rate with the weight of ``m`` episodes
    (:data:`PRIOR_STRENGTH`, 10). The shrunk estimate is the posterior mean
    ``(k + m p0) / (n + m)`` with its equal-tailed posterior interval; the raw estimate is
    ``k / n`` with the Jeffreys interval (the quantiles of ``Beta(k + 1/2, n - k + 1/2)``).
    With no episode the raw figure is missing and the shrunk one is the base rate; with no base
    rate nothing is shrunk.

:class:`EpisodeHistory` does the per-link work once (vectorised over days); reading one day is a
few binary searches, so a back-fill of every day costs little more than one digest.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from riskcurve._typing import DateLike
from riskcurve.signals.cascade import LINKS

#: Windows, in sessions (weekdays), of the probabilities.
HORIZONS: tuple[int, ...] = (21, 63, 126)
#: Weight of the base-rate prior, in episodes.
PRIOR_STRENGTH = 10.0
#: Coverage of every interval.
LEVEL = 0.90

_LIT, _DARK, _UNKNOWN = 1, 0, -1


@dataclass(frozen=True)
class LinkProbability:
    """P(``link`` lights within ``horizon`` sessions) on one day, with the evidence behind it.

    Attributes
    ----------
    link, horizon
        The link and the window in sessions.
    stage
        The stage conditioned on (``None`` when the stage was not known on the day).
    episodes, lit
        De-clustered episodes with a closed window, and how many of them saw the link light.
    raw, raw_low, raw_high
        ``lit / episodes`` and its Jeffreys interval (``None`` with no episode).
    base_rate, base_days, base_lit
        The share of all days with the link dark (windows closed) on which it lit within the
        window; ``None`` when there is no such day.
    shrunk, shrunk_low, shrunk_high
        The posterior mean and interval under the base-rate prior.
    prior_strength, level
        ``m`` of the prior and the intervals' coverage.
    """

    link: str
    horizon: int
    stage: int | None
    episodes: int
    lit: int
    raw: float | None
    raw_low: float | None
    raw_high: float | None
    base_rate: float | None
    base_days: int
    base_lit: int
    shrunk: float | None
    shrunk_low: float | None
    shrunk_high: float | None
    prior_strength: float
    level: float

    def to_dict(self) -> dict[str, Any]:
        """The ``--json`` form."""
        return asdict(self)


def jeffreys_interval(k: int, n: int, level: float = LEVEL) -> tuple[float, float] | None:
    """The Jeffreys interval of a binomial proportion (``None`` when ``n == 0``)."""
    from scipy.special import betaincinv

    if n == 0:
        return None
    tail = (1.0 - level) / 2.0
    low = 0.0 if k == 0 else float(betaincinv(k + 0.5, n - k + 0.5, tail))
    high = 1.0 if k == n else float(betaincinv(k + 0.5, n - k + 0.5, 1.0 - tail))
    return low, high


def shrink(
    k: int, n: int, base_rate: float | None, *, prior_strength: float = PRIOR_STRENGTH, level: float = LEVEL
) -> tuple[float, float, float] | None:
    """Posterior mean and equal-tailed interval under ``Beta(m p0, m (1 - p0))``.

    Parameters
    ----------
    k, n
        Successes and episodes.
    base_rate
        ``p0``; clipped to ``[0.001, 0.999]`` for the prior's parameters (a base rate of exactly
        0 or 1 would make the prior improper). ``None`` gives ``None``.
    prior_strength
        ``m``, the prior's weight in episodes (> 0).
    level
        Coverage of the interval.

    Returns
    -------
    (mean, low, high) or None
        ``mean = (k + m p0) / (n + m)`` with the unclipped ``p0``.
    """
    from scipy.special import betaincinv

    if base_rate is None:
        return None
    if not prior_strength > 0:
        raise ValueError(f"prior_strength must be > 0, got {prior_strength}")
    p0 = min(max(float(base_rate), 1e-3), 1 - 1e-3)
    a = k + prior_strength * p0
    b = n - k + prior_strength * (1.0 - p0)
    tail = (1.0 - level) / 2.0
    mean = (k + prior_strength * float(base_rate)) / (n + prior_strength)
    return mean, float(betaincinv(a, b, tail)), float(betaincinv(a, b, 1.0 - tail))


def _window_ends(days: pd.DatetimeIndex, horizon: int) -> np.ndarray:
    """Position (in calendar days from ``days[0]``) of the ``horizon``-th weekday after each day."""
    start = days.to_numpy(dtype="datetime64[D]")
    ends = np.busday_offset(start, horizon, roll="backward")
    return (ends - start[0]).astype(np.int64)


def _next_position(flags: np.ndarray) -> np.ndarray:
    """For each position, the first later position where ``flags`` is true (``len`` if none)."""
    where = np.flatnonzero(flags)
    following = np.searchsorted(where, np.arange(len(flags)), side="right")
    return np.append(where, len(flags))[following]


def _outcomes(codes: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Whether the link lit within each day's window, and whether that outcome is known."""
    next_lit = _next_position(codes == _LIT)
    next_unknown = _next_position(codes == _UNKNOWN)
    lit = next_lit <= ends
    known = lit | (next_unknown > ends)
    return lit, known


def _episode_starts(condition: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Positions opening an episode: the first condition day after the last episode's window."""
    on = np.flatnonzero(condition)
    if len(on) == 0:
        return on
    breaks = np.flatnonzero(np.diff(on) > 1)
    spell_starts = on[np.r_[0, breaks + 1]]
    spell_ends = on[np.r_[breaks, len(on) - 1]]
    starts: list[int] = []
    allowed = 0
    for first, last in zip(spell_starts.tolist(), spell_ends.tolist(), strict=True):
        t = max(first, allowed)
        while t <= last:
            starts.append(t)
            allowed = int(ends[t]) + 1
            t = allowed
    return np.asarray(starts, dtype=np.int64)


@dataclass(frozen=True)
class _Counts:
    """Samples sorted by window end, with cumulative successes: counts on any day by bisection."""

    ends: np.ndarray
    cum_lit: np.ndarray

    @classmethod
    def of(cls, positions: np.ndarray, ends: np.ndarray, lit: np.ndarray) -> _Counts:
        order = np.argsort(ends[positions], kind="stable")
        chosen = positions[order]
        return cls(ends[chosen], np.concatenate([[0], np.cumsum(lit[chosen])]))

    def on(self, position: int) -> tuple[int, int]:
        n = int(np.searchsorted(self.ends, position, side="right"))
        return n, int(self.cum_lit[n])


class EpisodeHistory:
    """Episodes and base-rate days of every link, stage and horizon, counted on any day.

    Parameters
    ----------
    states
        Link states on consecutive calendar days (1 lit, 0 dark, -1 unknown), one column per
        link of :data:`~riskcurve.signals.cascade.LINKS`.
    horizons
        Windows in sessions.
    prior_strength, level
        See :func:`shrink`.

    Examples
    --------
    >>> history = EpisodeHistory(inputs.states)  # doctest: +SKIP
    >>> history.estimate("2026-02-01", "btc", stage=3)  # doctest: +SKIP
    """

    def __init__(
        self,
        states: pd.DataFrame,
        *,
        horizons: Sequence[int] = HORIZONS,
        prior_strength: float = PRIOR_STRENGTH,
        level: float = LEVEL,
    ) -> None:
        missing = [link for link in LINKS if link not in states.columns]
        if missing:
            raise ValueError(f"states lacks the link columns {', '.join(missing)}")
        days = pd.DatetimeIndex(states.index)
        if len(days) > 1 and not (np.diff(days.to_numpy(dtype="datetime64[D]").astype(np.int64)) == 1).all():
            raise ValueError("states must be on consecutive calendar days")
        if not 0 < level < 1:
            raise ValueError(f"level must be in (0, 1), got {level}")
        self.days = days
        self.horizons = tuple(int(h) for h in horizons)
        self.prior_strength = float(prior_strength)
        self.level = float(level)
        codes = states[list(LINKS)].to_numpy(dtype=np.int64)
        lit_run = codes == _LIT
        known_run = codes != _UNKNOWN
        n = len(LINKS)
        low = np.where(lit_run.all(axis=1), n, np.argmin(lit_run, axis=1)) if len(codes) else np.zeros(0, int)
        # The stage is known when the first non-lit link is known (dark), or all are lit.
        front_known = np.ones(len(codes), dtype=bool)
        inside = low < n
        front_known[inside] = known_run[np.flatnonzero(inside), low[inside]]
        self.stage = np.where(front_known, low, -1)
        self._episodes: dict[tuple[str, int, int], _Counts] = {}
        self._base: dict[tuple[str, int], _Counts] = {}
        for h in self.horizons:
            ends = _window_ends(days, h) if len(days) else np.zeros(0, np.int64)
            for index, link in enumerate(LINKS):
                link_codes = codes[:, index]
                lit, known = _outcomes(link_codes, ends)
                dark = link_codes == _DARK
                self._base[(link, h)] = _Counts.of(np.flatnonzero(dark & known), ends, lit)
                for stage in range(index + 1):
                    condition = dark & (self.stage == stage)
                    starts = _episode_starts(condition, ends)
                    starts = starts[known[starts]]
                    self._episodes[(link, stage, h)] = _Counts.of(starts, ends, lit)

    def position(self, day: DateLike) -> int:
        """``day``'s position on the index (must be inside it)."""
        stamp = pd.Timestamp(day).normalize()
        if len(self.days) == 0 or stamp < self.days[0] or stamp > self.days[-1]:
            raise ValueError(f"{stamp.date()} is outside the states' days")
        return int((stamp - self.days[0]).days)

    def estimate(self, day: DateLike, link: str, stage: int | None) -> list[LinkProbability]:
        """P(``link`` lights within each horizon) on ``day``, given ``stage`` (``None``: unknown stage).

        Only episodes and base-rate days whose windows closed by ``day`` are counted.
        """
        if link not in LINKS:
            raise ValueError(f"unknown link {link!r}; the links are {', '.join(LINKS)}")
        at = self.position(day)
        results = []
        for h in self.horizons:
            base_days, base_lit = self._base[(link, h)].on(at)
            base = base_lit / base_days if base_days else None
            counts = self._episodes.get((link, stage, h)) if stage is not None else None
            n, k = counts.on(at) if counts is not None else (0, 0)
            raw = jeffreys_interval(k, n, self.level)
            shrunk = shrink(k, n, base, prior_strength=self.prior_strength, level=self.level)
            results.append(
                LinkProbability(
                    link=link,
                    horizon=h,
                    stage=stage,
                    episodes=n,
                    lit=k,
                    raw=k / n if n else None,
                    raw_low=raw[0] if raw else None,
                    raw_high=raw[1] if raw else None,
                    base_rate=base,
                    base_days=base_days,
                    base_lit=base_lit,
                    shrunk=shrunk[0] if shrunk else None,
                    shrunk_low=shrunk[1] if shrunk else None,
                    shrunk_high=shrunk[2] if shrunk else None,
                    prior_strength=self.prior_strength,
                    level=self.level,
                )
            )
        return results

    def stage_on(self, day: DateLike) -> int | None:
        """The stage on ``day`` as the estimator reads it (``None`` when not known)."""
        value = int(self.stage[self.position(day)])
        return None if value < 0 else value


def next_link_probabilities(
    states: pd.DataFrame,
    day: DateLike,
    *,
    horizons: Sequence[int] = HORIZONS,
    prior_strength: float = PRIOR_STRENGTH,
    level: float = LEVEL,
) -> list[LinkProbability]:
    """For each link dark on ``day``, the chance it lights within each horizon.

    One call builds an :class:`EpisodeHistory` from the states up to ``day``; to ask about many
    days, build it once and call :meth:`EpisodeHistory.estimate`.

    Parameters
    ----------
    states
        Link states (see :class:`EpisodeHistory`); rows after ``day`` are ignored.
    day
        The day to stand on.
    horizons, prior_strength, level
        As :class:`EpisodeHistory`.

    Returns
    -------
    list of LinkProbability
        Links in chain order, horizons ascending; none for lit or unknown links.
    """
    cut = states.loc[: pd.Timestamp(day)]
    history = EpisodeHistory(cut, horizons=horizons, prior_strength=prior_strength, level=level)
    stage = history.stage_on(day)
    row = cut.iloc[-1]
    return [p for link in LINKS if int(row[link]) == _DARK for p in history.estimate(day, link, stage)]
