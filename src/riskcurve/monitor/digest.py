"""The weekly digest: one answer about the cascade, computed from data known on its day only.

>>> from riskcurve.monitor import compute_digest
>>> with Store("riskcurve.duckdb", read_only=True) as store:  # doctest: +SKIP
...     digest = compute_digest(MarketData(store, as_of="2026-02-01"))
...     print(digest.summary())

:class:`Monitor` computes every signal once (as of the last day it will be asked about) and then
reads any earlier day: :meth:`Monitor.digest` is what a back-fill calls for every Friday. A
digest of day ``D`` read from a monitor built on a later day equals the digest computed on the
store cut at ``D`` (``tests/property/test_no_lookahead_digest.py``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from riskcurve import numbers
from riskcurve._typing import DateLike
from riskcurve.data.panel import MarketData
from riskcurve.monitor.checklist import CheckItem, checklist
from riskcurve.monitor.forecasts import ForecastMark, mark_forecasts
from riskcurve.monitor.inputs import RETURN_ASSETS, STATE_NAMES, MonitorInputs, load_inputs
from riskcurve.monitor.probabilities import HORIZONS, EpisodeHistory, LinkProbability
from riskcurve.monitor.returns import ForwardReturns, ReturnHistory
from riskcurve.monitor.verdict import Verdict, verdict
from riskcurve.signals.cascade import LINKS

if TYPE_CHECKING:
    from riskcurve.stats.claims import Claim

#: Link names in words.
LINK_LABELS: dict[str, str] = {
    "bonds_credit": "bonds & credit",
    "large_caps": "large caps",
    "small_caps": "small caps",
    "btc": "Bitcoin",
    "eth_alts": "ETH & alts",
}
#: How far back "what changed" looks.
PREVIOUS_DAYS = 7


@dataclass(frozen=True)
class LinkStatus:
    """One link on the day: ``state`` (lit, dark, unknown) since ``since``, data through ``through``."""

    link: str
    label: str
    state: str
    since: str | None
    through: str | None
    stale: str

    def to_dict(self) -> dict[str, Any]:
        """The ``--json`` form."""
        return asdict(self)


@dataclass(frozen=True)
class Stage:
    """How far along the chain risk appetite has travelled, as far as the data allow."""

    low: int
    high: int
    text: str
    since: str | None

    def to_dict(self) -> dict[str, Any]:
        """The ``--json`` form."""
        return asdict(self)


@dataclass(frozen=True)
class Change:
    """Something that differs from the digest one week earlier."""

    what: str
    before: str
    after: str

    def to_dict(self) -> dict[str, Any]:
        """The ``--json`` form."""
        return asdict(self)


@dataclass(frozen=True)
class Digest:
    """The digest of one day. Build with :func:`compute_digest` or :meth:`Monitor.digest`.

    Attributes
    ----------
    as_of
        The day it stands on; ``note`` says why that day when it was not the one asked for.
    stage, links
        The stage and each link's state, since when, and its data-through date.
    verdict
        Advancing, stalled, refuted or unknown, with the rule that decided it.
    previous_as_of, changes
        The day a week earlier, and what differs from its digest.
    probabilities
        For each dark link, P(it lights within 21, 63, 126 sessions) with its evidence.
    returns
        BTC, ETH and alt-basket forward returns on days in the current stage and on all days.
    checklist
        The articles' confirm/refute items.
    forecasts
        The dated forecasts, marked to market.
    """

    as_of: dt.date
    note: str | None
    stage: Stage
    links: tuple[LinkStatus, ...]
    verdict: Verdict
    previous_as_of: dt.date | None
    changes: tuple[Change, ...]
    probabilities: tuple[LinkProbability, ...]
    returns: tuple[ForwardReturns, ...]
    checklist: tuple[CheckItem, ...]
    forecasts: tuple[ForecastMark, ...]
    definitions: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The ``--json`` schema of ``riskcurve digest`` (docs/schema/digest.json)."""
        return {
            "as_of": self.as_of.isoformat(),
            "note": self.note,
            "stage": self.stage.to_dict(),
            "links": [link.to_dict() for link in self.links],
            "verdict": self.verdict.to_dict(),
            "previous_as_of": self.previous_as_of.isoformat() if self.previous_as_of else None,
            "changes": [change.to_dict() for change in self.changes],
            "probabilities": [p.to_dict() for p in self.probabilities],
            "returns": [r.to_dict() for r in self.returns],
            "checklist": [item.to_dict() for item in self.checklist],
            "forecasts": [f.to_dict() for f in self.forecasts],
            "definitions": dict(self.definitions),
        }

    def summary(self) -> str:
        """Plain text (see :func:`riskcurve.monitor.render.render_text` for the terminal)."""
        from riskcurve.monitor.render import render_markdown

        return render_markdown(self)

    def _repr_html_(self) -> str:
        from riskcurve.monitor.render import render_html

        return render_html(self)


DEFINITIONS: dict[str, str] = {
    "stage": "The number of links lit in a row from bonds & credit; unknown links give a range (low-high).",
    "probabilities": (
        "P(a dark link lights within h sessions) from de-clustered episodes of the same stage whose windows closed "
        "by the day, raw with a Jeffreys interval and shrunk toward the base rate with a Beta prior of "
        "10 episodes (docs/monitor.md)."
    ),
    "returns": (
        "Simple forward returns entered at the next close, over 29/88/176 calendar days; windows closed by the day."
    ),
    "verdict": "See docs/monitor.md: advancing, stalled, refuted or unknown by stated rules.",
}


def _stage_text(low: int, high: int, links: Sequence[LinkStatus]) -> str:
    front = LINK_LABELS[LINKS[low - 1]] if low else "none"
    if low == high:
        return f"stage {low} of 5 ({front})"
    unknown = [link for link in links[low:high] if link.state == "unknown"]
    why = "; ".join(f"{link.label} unknown" + (f" ({link.stale})" if link.stale else "") for link in unknown)
    return f"stage {low}-{high} of 5: {why}"


def _since(codes: np.ndarray, position: int, days: pd.DatetimeIndex) -> str | None:
    upto = codes[: position + 1]
    changes = np.flatnonzero(upto[1:] != upto[:-1])
    start = int(changes[-1]) + 1 if len(changes) else 0
    return days[start].date().isoformat()


class Monitor:
    """Every signal computed once, read on any day up to :attr:`as_of`.

    Parameters
    ----------
    inputs
        From :func:`~riskcurve.monitor.inputs.load_inputs`.
    claims
        Claims whose forecasts are marked (default: the built-in pack).
    horizons
        Windows of the probabilities, in sessions.
    """

    def __init__(
        self, inputs: MonitorInputs, claims: Sequence[Claim] | None = None, *, horizons: Sequence[int] = HORIZONS
    ) -> None:
        self.inputs = inputs
        self.claims = claims
        self.episodes = EpisodeHistory(inputs.states, horizons=horizons)
        stage = pd.Series(self.episodes.stage, index=inputs.states.index)
        self.returns = ReturnHistory({a: c for a, c in inputs.closes.items() if a in RETURN_ASSETS}, stage)
        self._codes = {link: inputs.states[link].to_numpy() for link in LINKS}
        self._through = {link: inputs.through[link].to_numpy(dtype="datetime64[ns]") for link in LINKS}
        self._stale = {link: inputs.stale[link].to_numpy() for link in LINKS}

    @classmethod
    def from_data(cls, data: MarketData, claims: Sequence[Claim] | None = None) -> Monitor:
        """Compute the signals as of ``data.as_of`` and keep them."""
        return cls(load_inputs(data, claims), claims)

    @property
    def as_of(self) -> pd.Timestamp:
        """The last day that can be read."""
        return self.inputs.as_of

    def _links(self, day: pd.Timestamp, position: int) -> tuple[LinkStatus, ...]:
        days = pd.DatetimeIndex(self.inputs.states.index)
        rows = []
        for link in LINKS:
            code = int(self._codes[link][position])
            through = self._through[link][position]
            rows.append(
                LinkStatus(
                    link=link,
                    label=LINK_LABELS[link],
                    state=STATE_NAMES[code],
                    since=_since(self._codes[link], position, days),
                    through=None if pd.isna(through) else pd.Timestamp(through).date().isoformat(),
                    stale=str(self._stale[link][position]),
                )
            )
        return tuple(rows)

    def _stage(self, links: tuple[LinkStatus, ...], position: int) -> Stage:
        n = len(LINKS)
        lit = [link.state == "lit" for link in links]
        maybe = [link.state != "dark" for link in links]
        low = lit.index(False) if False in lit else n
        high = maybe.index(False) if False in maybe else n
        stages = self.episodes.stage[: position + 1]
        since = None
        if low == high:
            other = np.flatnonzero((stages >= 0) & (stages != low))
            after = np.flatnonzero(stages == low)
            after = after[after > other[-1]] if len(other) else after
            since = self.inputs.states.index[after[0]].date().isoformat() if len(after) else None
        return Stage(low, high, _stage_text(low, high, links), since)

    def _core(
        self, day: pd.Timestamp
    ) -> tuple[Stage, tuple[LinkStatus, ...], Verdict, tuple[LinkProbability, ...], tuple[CheckItem, ...]]:
        position = self.episodes.position(day)
        links = self._links(day, position)
        stage = self._stage(links, position)
        known_stage = stage.low if stage.low == stage.high else None
        probabilities = tuple(
            p for link in links if link.state == "dark" for p in self.episodes.estimate(day, link.link, known_stage)
        )
        items = tuple(checklist(self.inputs, day))
        call = verdict(self.episodes, day, stage.low, stage.high, stage.text)
        return stage, links, call, probabilities, items

    def digest(self, day: DateLike, note: str | None = None) -> Digest:
        """The digest of ``day`` (on or before :attr:`as_of`), from what was known on it."""
        stamp = pd.Timestamp(day).normalize()
        if stamp > self.as_of:
            raise ValueError(f"{stamp.date()} is after the monitor's last day {self.as_of.date()}")
        stage, links, call, probabilities, items = self._core(stamp)
        previous = stamp - pd.Timedelta(days=PREVIOUS_DAYS)
        changes: tuple[Change, ...] = ()
        previous_day: dt.date | None = None
        if previous >= self.inputs.states.index[0]:
            previous_day = previous.date()
            changes = _changes(self._core(previous), (stage, links, call, probabilities, items))
        returns = tuple(self.returns.on(stamp, stage.low if stage.low == stage.high else None))
        forecasts = tuple(mark_forecasts(self.claims, self.inputs.closes, stamp))
        return Digest(
            as_of=stamp.date(),
            note=note,
            stage=stage,
            links=links,
            verdict=call,
            previous_as_of=previous_day,
            changes=changes,
            probabilities=probabilities,
            returns=returns,
            checklist=items,
            forecasts=forecasts,
            definitions=DEFINITIONS,
        )


def _changes(before: tuple[Any, ...], after: tuple[Any, ...]) -> tuple[Change, ...]:
    stage0, links0, call0, probs0, items0 = before
    stage1, links1, call1, probs1, items1 = after
    found: list[Change] = []
    if stage0.text != stage1.text:
        found.append(Change("stage", stage0.text, stage1.text))
    for old, new in zip(links0, links1, strict=True):
        if old.state != new.state:
            found.append(Change(new.label, old.state, new.state))
    if call0.call != call1.call:
        found.append(Change("verdict", call0.call, call1.call))
    for old, new in zip(items0, items1, strict=True):
        if old.status != new.status:
            found.append(Change(new.label, old.status, new.status))
    shrunk0 = {(p.link, p.horizon): p.shrunk for p in probs0}
    for p in probs1:
        was = shrunk0.get((p.link, p.horizon))
        if p.horizon == 63 and was is not None and p.shrunk is not None and abs(p.shrunk - was) >= 0.005:
            found.append(
                Change(
                    f"P({LINK_LABELS[p.link]} lights within 63 sessions)",
                    numbers.percent(was, 0),
                    numbers.percent(p.shrunk, 0),
                )
            )
    return tuple(found)


def compute_digest(
    data: MarketData, as_of: DateLike | None = None, *, claims: Sequence[Claim] | None = None, note: str | None = None
) -> Digest:
    """The digest of ``as_of`` (default ``data.as_of``) from data known on that day.

    Parameters
    ----------
    data
        A point-in-time view of the store; its ``as_of`` must not be before ``as_of``.
    as_of
        The day to stand on.
    claims
        Claims whose forecasts are marked to market (default: the built-in pack).
    note
        Why this day, when it is not the one asked for.

    Returns
    -------
    Digest
    """
    day = data.as_of if as_of is None else pd.Timestamp(as_of).normalize()
    if day > data.as_of:
        raise ValueError(f"as_of {day.date()} is after the data's day {data.as_of.date()}")
    view = data if day == data.as_of else MarketData(data.store, as_of=day)
    return Monitor.from_data(view, claims).digest(day, note)
