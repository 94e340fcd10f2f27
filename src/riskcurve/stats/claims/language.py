"""The claim language: a claim is a small YAML document, validated here.

A claim file holds ``claims:``, a list of claims. Every claim has an ``id``, the ``statement``
(the words claimed), its ``source`` and ``date`` (the day it was made: it is measured as of
that day), a ``kind``, a ``definition`` (what exactly is measured: signal, series, parameters,
window) and ``expects`` (what the claim says the measurement shows). The kinds and their
definitions are the models below; ``docs/claims.md`` teaches them with examples.

Reading a file (YAML, bounded aliases, duplicate keys, errors with their line) is
:mod:`riskcurve.stats.claims.reading`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Annotated, Any, Literal, TypeAlias

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

#: Version of the claim-file format.
FORMAT_VERSION = 1

Kind: TypeAlias = Literal[
    "measure", "episode", "history", "lead-lag", "conditional", "order", "forecast", "direction", "needs-data"
]
KINDS: tuple[str, ...] = (
    "measure",
    "episode",
    "history",
    "lead-lag",
    "conditional",
    "order",
    "forecast",
    "direction",
    "needs-data",
)

#: Dates a claim may name: nothing in the data or in a claim lies outside these.
FIRST_DAY = dt.date(1900, 1, 1)
LAST_DAY = dt.date(2100, 12, 31)
#: The largest count (of days, sessions, events...) a claim may give.
MAX_COUNT = 100_000
#: A YAML document may expand to at most this many values once its aliases are followed.
MAX_NODES = 50_000


def _in_range(day: dt.date) -> dt.date:
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(f"date {day} is outside {FIRST_DAY}..{LAST_DAY}")
    return day


#: A calendar day within :data:`FIRST_DAY` .. :data:`LAST_DAY`.
Day: TypeAlias = Annotated[dt.date, AfterValidator(_in_range)]
#: A positive count (days, sessions, events, resamples).
Count: TypeAlias = Annotated[int, Field(ge=1, le=MAX_COUNT)]
#: How a change is measured: ``percent`` (b / a - 1), ``log`` (ln b/a) or ``difference`` (b - a).
ChangeUnit: TypeAlias = Literal["percent", "log", "difference"]

Statistic: TypeAlias = Literal[
    "last",
    "first",
    "max",
    "min",
    "mean",
    "sum",
    "return",
    "change",
    "nearest",
    "longest_run",
    "share_true",
    "count_true",
    "any",
    "all",
    "first_date",
    "max_drawdown",
]
Transform: TypeAlias = Literal["pct_change", "diff", "down", "up", "between", "above", "below", "record_high"]


#: Named figures a measure can read (see ``riskcurve.stats.claims.kinds.NAMED_FIGURES``).
FIGURES: tuple[str, ...] = (
    "january-effect",
    "halving-windows",
    "breakout-of-high",
    "prior-high-before-halving",
    "most-correlated",
    "etf-absorption",
)


def _signal_name(name: str | None) -> str | None:
    """A registered signal's name, or a clear error listing them."""
    if name is None:
        return None
    from riskcurve.signals.registry import SIGNALS

    key = name.strip().lower().replace("_", "-")
    if key not in SIGNALS:
        raise ValueError(f"unknown signal {name!r}; choose one of {', '.join(SIGNALS)}")
    return key


#: Parameters each named figure reads, with their defaults (the type of each is checked).
FIGURE_PARAMETERS: dict[str, dict[str, Any]] = {
    "january-effect": {"small": "RUT", "large": "GSPC", "threshold_bp": 500.0},
    "halving-windows": {},
    "breakout-of-high": {"symbol": "RUT", "high_from": FIRST_DAY, "high_to": LAST_DAY},
    "prior-high-before-halving": {},
    "most-correlated": {"symbol": "BTC", "freq": "W", "candidates": ["GSPC"]},
    "etf-absorption": {"flows": "BTC_SPOT_ETF_NETFLOW", "scale": 1e6},
}
#: Parameters a signal's events take beyond the signal's own (``relative-strength`` events are
#: streaks of at least ``min_streak`` sessions).
EVENT_PARAMETERS: dict[str, dict[str, Any]] = {"relative-strength": {"min_streak": 10}}


def signal_parameters(name: str, *, events: bool = False) -> dict[str, Any]:
    """A registered signal's parameters and their defaults (``events``: those its events take too)."""
    from riskcurve.signals.registry import get_signal

    spec = get_signal(name)
    return {**spec.parameters, **(EVENT_PARAMETERS.get(spec.name, {}) if events else {})}


def _check_value(owner: str, key: str, value: Any, default: Any) -> None:
    """One parameter's value against its default's type: counts positive, numbers finite, days in range."""
    where = f"parameter {key}={value!r} of {owner}"
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ValueError(f"{where} must be true or false")
    elif isinstance(default, int):
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_COUNT:
            raise ValueError(f"{where} must be a whole number from 1 to {MAX_COUNT:,}")
    elif isinstance(default, float):
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise ValueError(f"{where} must be a finite number")
    elif isinstance(default, dt.date):
        try:
            _in_range(dt.date.fromisoformat(str(value)))
        except ValueError as bad:
            raise ValueError(f"{where} must be a day YYYY-MM-DD from {FIRST_DAY} to {LAST_DAY} ({bad})") from None
    elif isinstance(default, list):
        if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
            raise ValueError(f"{where} must be a list of names")
    elif not isinstance(value, str) or not value.strip():
        raise ValueError(f"{where} must be a text")


def _check_parameters(name: str, parameters: Mapping[str, Any], allowed: Mapping[str, Any], what: str) -> None:
    """Refuse a parameter ``allowed`` does not list, or a value of the wrong type or range."""
    owner = f"{what} {name!r}"
    for key, value in parameters.items():
        if key not in allowed:
            known = ", ".join(sorted(allowed)) or "none"
            raise ValueError(f"{owner} has no parameter {key!r} (it takes: {known})")
        _check_value(owner, key, value, allowed[key])


class _Model(BaseModel):
    # Every field is used or refused; numbers are finite (`.inf` and `.nan` are refused).
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Window(_Model):
    """A closed date range; ``start`` or ``end`` left out means the data's first day or the claim's date."""

    start: Day | None = None
    end: Day | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Window:
        if self.start is not None and self.end is not None and self.end < self.start:
            raise ValueError(f"window ends ({self.end}) before it starts ({self.start})")
        return self


class Expects(_Model):
    """What the claim says the measurement shows. Which fields apply depends on the kind.

    Attributes
    ----------
    value, tolerance, rel_tolerance
        A figure with an absolute or relative tolerance (measure, forecast).
    at_least, at_most
        A bound on the figure ("more than 60%": ``at_least: 0.60``).
    equals
        A truth value or a text (``true``, ``"BTC"``).
    within
        Date ranges the measured date must fall in (any of them).
    direction
        ``above`` / ``below``: the tested effect's sign (history, conditional).
    effect
        The size of the claimed effect, for power: a return difference for history and
        conditional, a correlation for lead-lag, an excess share for order.
    leader, not_leader, lags
        Lead-lag: who moves first, or who does not, and by how many bars (inclusive range).
    order
        Order: the links in the order they are claimed to light.
    first
        Order (turning points): the asset claimed to turn first.
    evidence
        ``insufficient``: the claim is that the history cannot decide (consistent when the
        test is inconclusive).
    """

    value: float | None = None
    tolerance: float | None = Field(default=None, ge=0)
    rel_tolerance: float | None = Field(default=None, ge=0)
    at_least: float | None = None
    at_most: float | None = None
    equals: bool | str | None = None
    within: list[tuple[Day, Day]] | None = None
    direction: Literal["above", "below"] | None = None
    effect: float | None = Field(default=None, gt=0)
    leader: str | None = None
    not_leader: str | None = None
    lags: tuple[int, int] | None = None
    order: list[str] | None = None
    first: str | None = None
    evidence: Literal["insufficient"] | None = None

    @model_validator(mode="after")
    def _coherent(self) -> Expects:
        if (self.tolerance is not None or self.rel_tolerance is not None) and self.value is None:
            raise ValueError("a tolerance needs a value")
        if self.value is not None and self.tolerance is None and self.rel_tolerance is None:
            raise ValueError("a value needs a tolerance or rel_tolerance (how near counts as 'about')")
        return self

    def is_figure(self) -> bool:
        """Whether it states a figure, a bound, a truth value or dates (a reading, not a test)."""
        return any(v is not None for v in (self.value, self.at_least, self.at_most, self.equals, self.within))


class Measure(_Model):
    """A figure read off one series, signal column or named figure over a window.

    Exactly one of ``series`` (a stored symbol or ``ALT_BASKET``), ``signal`` (a registered
    signal, with ``symbol``, ``parameters`` and ``column``) or ``figure`` (a named figure, with
    ``parameters`` and ``key``) says what is read. ``transform`` turns the values first;
    ``statistic`` reduces the window to one figure. ``relative_to`` subtracts the same
    statistic of another series; ``versus_window`` compares with the same statistic over
    another window (``versus: ratio`` or ``difference``); with both, the two symbols' ratios
    (or differences) are compared: their ratio, or their difference. ``where`` keeps only the
    days on which a true/false transform of the same series holds (``record_high``: a record
    close that day), so two features are read off one day. ``proxy`` says, in words, what the
    series stands in for; it is shown with the result.
    """

    series: str | None = None
    field: Literal["close", "open", "high", "low", "volume"] = "close"
    signal: str | None = None
    symbol: str | None = None
    column: str | None = None
    figure: str | None = None
    key: str | None = None
    parameters: dict[str, Any] = Field(default_factory=dict)
    transform: Transform | None = None
    bounds: tuple[float, float] | None = None
    threshold: float | None = None
    where: Transform | None = None
    proxy: str | None = None
    statistic: Statistic = "last"
    window: Window | None = None
    relative_to: str | None = None
    versus_window: Window | None = None
    versus: Literal["ratio", "difference"] = "ratio"
    unit: Literal["percent", "number", "multiple"] | None = None

    @field_validator("signal")
    @classmethod
    def _known_signal(cls, value: str | None) -> str | None:
        return _signal_name(value)

    @model_validator(mode="after")
    def _one_source(self) -> Measure:
        if self.figure is not None and self.figure not in FIGURES:
            raise ValueError(f"unknown figure {self.figure!r}; choose one of {', '.join(FIGURES)}")
        chosen = [name for name in ("series", "signal", "figure") if getattr(self, name) is not None]
        if len(chosen) != 1:
            raise ValueError(f"give exactly one of series, signal or figure (got {', '.join(chosen) or 'none'})")
        if self.signal is not None and self.column is None:
            raise ValueError("a signal measure needs the column it reads")
        if self.signal is not None:
            _check_parameters(self.signal, self.parameters, signal_parameters(self.signal), "signal")
        elif self.figure is not None:
            _check_parameters(self.figure, self.parameters, FIGURE_PARAMETERS[self.figure], "figure")
        elif self.parameters:
            raise ValueError("a series measure takes no parameters")
        if self.figure is not None and self.key is None:
            raise ValueError("a figure measure needs the key it reads")
        if self.transform == "between" and self.bounds is None:
            raise ValueError("transform 'between' needs bounds: [low, high]")
        if self.transform in ("above", "below") and self.threshold is None:
            raise ValueError(f"transform '{self.transform}' needs a threshold")
        if self.statistic == "first_date" and self.threshold is None and self.transform is None:
            raise ValueError(
                "statistic 'first_date' needs a threshold (first value above it) or a true/false transform"
            )
        return self


class State(_Model):
    """A true/false state by day, as known at the end of each day (unknown where the data are).

    One of:

    - ``signal`` + ``column``, compared with ``equals`` or ``above`` / ``below``;
    - ``series`` (a symbol, or ``A/B`` for one against another) and one reading of it, compared
      with ``above`` / ``below``: its level (nothing else), its change over ``change_days``
      calendar days, its year-to-date change (``ytd: true``); or, with no comparison, whether it
      closes at its ``new_high`` / ``new_low`` of that many observations (itself included);
    - a calendar condition: ``month`` (1-12, or a list), or ``first_sessions: N`` (the first N
      sessions of each year: days on which ``series``, default GSPC, has a value);
    - ``all`` / ``any``: several states that must all, or any, hold.

    A change is measured in ``change`` units: ``percent`` (b / a - 1), ``log`` or ``difference``
    (b - a). The default follows the series: ``difference`` for a series in percent (rates,
    spreads), ``percent`` for everything else (prices, USD levels, index levels).
    """

    signal: str | None = None
    symbol: str | None = None
    parameters: dict[str, Any] = Field(default_factory=dict)
    column: str | None = None
    series: str | None = None
    change_days: Count | None = None
    ytd: bool = False
    change: ChangeUnit | None = None
    new_high: Count | None = None
    new_low: Count | None = None
    month: Annotated[int, Field(ge=1, le=12)] | list[Annotated[int, Field(ge=1, le=12)]] | None = None
    first_sessions: Count | None = None
    all: list[State] | None = Field(default=None, min_length=1)
    any: list[State] | None = Field(default=None, min_length=1)
    equals: bool | str | None = None
    above: float | None = None
    below: float | None = None

    @field_validator("signal")
    @classmethod
    def _known_signal(cls, value: str | None) -> str | None:
        return _signal_name(value)

    @model_validator(mode="after")
    def _defined(self) -> State:
        compared = sum(v is not None for v in (self.equals, self.above, self.below))
        calendar = self.month is not None or self.first_sessions is not None
        if self.all is not None or self.any is not None:
            beside = self.model_dump(exclude={"all", "any", "parameters", "ytd"})
            others = [k for k, v in beside.items() if v is not None]
            if (self.all is not None and self.any is not None) or others or self.ytd:
                raise ValueError("'all' or 'any' is a list of states and takes nothing beside it")
            return self
        if calendar:
            if self.month is not None and self.first_sessions is not None:
                raise ValueError("give month or first_sessions, not both (combine them with 'all')")
            if self.signal is not None or compared or self.change_days or self.ytd or self.new_high or self.new_low:
                raise ValueError("a calendar condition (month, first_sessions) takes no signal, reading or comparison")
            if self.month is not None and self.series is not None:
                raise ValueError("'month' takes no series")
            return self
        if (self.signal is None) == (self.series is None):
            raise ValueError("give one of signal (with column), series, month, first_sessions, all or any")
        if self.signal is not None:
            if self.column is None:
                raise ValueError("a signal state needs the column it reads")
            if self.change_days or self.ytd or self.new_high or self.new_low or self.change is not None:
                raise ValueError("change_days, ytd, change, new_high and new_low read a series, not a signal")
            _check_parameters(self.signal, self.parameters, signal_parameters(self.signal), "signal")
        else:
            if self.parameters or self.symbol is not None or self.column is not None:
                raise ValueError("a series state takes no symbol, column or parameters")
            readings = [
                name
                for name, given in (
                    ("change_days", self.change_days is not None),
                    ("ytd", self.ytd),
                    ("new_high", self.new_high is not None),
                    ("new_low", self.new_low is not None),
                )
                if given
            ]
            if len(readings) > 1:
                raise ValueError(f"give one reading of the series, not {' and '.join(readings)}")
            extreme = readings and readings[0] in ("new_high", "new_low")
            if extreme and compared:
                raise ValueError(f"{readings[0]} is true or false by itself; it takes no equals, above or below")
            if self.change is not None and not (readings and readings[0] in ("change_days", "ytd")):
                raise ValueError("'change' is the unit of change_days or ytd")
            if self.equals is not None:
                raise ValueError("a series state is compared with above or below")
            if not extreme and compared != 1:
                raise ValueError("give exactly one of above or below")
            return self
        if compared != 1:
            raise ValueError("give exactly one of equals, above or below")
        return self

    def label(self) -> str:
        """The state in words, with its change unit when given (``RUT 21-day change (percent) > 0.05``)."""
        if self.all is not None or self.any is not None:
            joiner = " and " if self.all is not None else " or "
            return "(" + joiner.join(s.label() for s in (self.all or self.any or [])) + ")"
        if self.month is not None:
            months = [self.month] if isinstance(self.month, int) else self.month
            return "month in " + ", ".join(dt.date(2000, m, 1).strftime("%b") for m in months)
        if self.first_sessions is not None:
            return f"first {self.first_sessions} sessions of the year ({(self.series or 'GSPC').upper()})"
        if self.signal is not None:
            what = f"{self.signal}{':' + self.symbol.upper() if self.symbol else ''}.{self.column}"
        else:
            name = str(self.series).upper()
            if self.new_high is not None:
                return f"{name} at its {self.new_high}-observation high"
            if self.new_low is not None:
                return f"{name} at its {self.new_low}-observation low"
            unit = f" ({self.change})" if self.change else ""
            what = (
                f"{name} {self.change_days}-day change{unit}"
                if self.change_days
                else f"{name} year-to-date change{unit}"
                if self.ytd
                else name
            )
        if self.equals is not None:
            return f"{what} = {self.equals}"
        return f"{what} > {self.above}" if self.above is not None else f"{what} < {self.below}"


class Events(_Model):
    """Event dates: a registered signal's events, the onsets of a signal column or of a state, or dates.

    ``state`` takes any :class:`State` (a new 200-day high, a 21-day change above 5%, a
    calendar condition...): each day it switches on is an event, ``cooldown`` rows apart.
    """

    signal: str | None = None
    symbol: str | None = None
    parameters: dict[str, Any] = Field(default_factory=dict)
    column: str | None = None
    state: State | None = None
    cooldown: int = Field(default=0, ge=0, le=MAX_COUNT)
    dates: list[Day] | None = None

    @field_validator("signal")
    @classmethod
    def _known_signal(cls, value: str | None) -> str | None:
        return _signal_name(value)

    @model_validator(mode="after")
    def _one_source(self) -> Events:
        if sum(v is not None for v in (self.signal, self.dates, self.state)) != 1:
            raise ValueError("give one of signal (with symbol, parameters, column), state or dates")
        if self.signal is not None:
            allowed = signal_parameters(self.signal, events=self.column is None)
            _check_parameters(self.signal, self.parameters, allowed, "signal")
        elif self.parameters or self.symbol is not None or self.column is not None:
            raise ValueError("symbol, parameters and column belong to a signal's events")
        return self


class HistoryDef(_Model):
    """An event study: what followed the events in each target, against what follows any day."""

    events: Events
    targets: list[str] = Field(min_length=1)
    horizons: list[Count] = Field(min_length=1)
    returns: Literal["log", "simple"] = "log"
    min_spacing: Count | None = None
    window: Window | None = None
    reps: int = Field(default=2000, ge=100, le=MAX_COUNT)


class LeadLagDef(_Model):
    """A lead-lag study between two price series."""

    lead: str
    lag: str
    freq: Literal["D", "W", "M"] = "W"
    max_lag: Count | None = None
    start: Day | None = None
    reps: int = Field(default=500, ge=100, le=MAX_COUNT)


class ConditionalDef(_Model):
    """A target's returns while a state holds against while it does not.

    ``timing``: ``predictive`` reads the move *after* the state is known; ``contemporaneous``
    the move over the same span, ending on the state's day ("sold while risk is off"); ``both``
    shows the two readings as two parts, each graded on its own, and the claim's grade combines
    them like an episode's.
    """

    target: str
    relative_to: str | None = None
    state: State
    horizons: list[Count] = Field(default_factory=lambda: [21, 63], min_length=1)
    returns: Literal["log", "simple"] = "log"
    timing: Literal["predictive", "contemporaneous", "both"] = "predictive"
    start: Day | None = None
    reps: int = Field(default=2000, ge=100, le=MAX_COUNT)


class OrderDef(_Model):
    """A transmission order: cascade-link onsets in chain order, or which asset turns first."""

    method: Literal["cascade-onsets", "turning-points"]
    cooldown: int = Field(default=21, ge=0, le=MAX_COUNT)
    others: list[str] = Field(default_factory=list)
    threshold: float = Field(default=0.2, gt=0, lt=1)


class ForecastDef(_Model):
    """A dated prediction: the moves of ``assets`` over ``months`` after the claim date.

    ``statistic``: ``return`` grades the move at the last month; ``max_drawdown`` the deepest
    fall from a high within the window; ``path`` grades the move at every month of ``months``
    (the path through the window, not only its end).
    """

    assets: list[str] = Field(min_length=1)
    months: list[Count] = Field(default_factory=lambda: [1, 2, 3], min_length=1)
    statistic: Literal["return", "max_drawdown", "path"] = "return"
    relative_to: str | None = None
    show: list[str] = Field(default_factory=lambda: ["BTC", "ETH", "ALT_BASKET"])


class DirectionDef(_Model):
    """A direction test: how often the target is higher ``h`` observations after an event.

    The share of events (at least ``min_spacing`` target observations apart, default the
    longest horizon) followed by a positive move, against the share of all days followed by
    one, with an exact binomial test per horizon (Holm across horizons).
    """

    events: Events
    target: str = Field(min_length=1)
    horizons: list[Count] = Field(min_length=1)
    min_spacing: Count | None = None
    window: Window | None = None


#: The ``expects`` fields each kind reads; any other is refused rather than ignored.
EXPECTS_BY_KIND: dict[str, frozenset[str]] = {
    "measure": frozenset({"value", "tolerance", "rel_tolerance", "at_least", "at_most", "equals", "within"}),
    "forecast": frozenset({"value", "tolerance", "rel_tolerance", "at_least", "at_most"}),
    "history": frozenset({"direction", "effect", "evidence"}),
    "conditional": frozenset({"direction", "effect", "evidence"}),
    "lead-lag": frozenset({"leader", "not_leader", "lags", "effect"}),
    "order": frozenset({"order", "first", "effect"}),
    "direction": frozenset({"direction", "effect"}),
}


def _expects_used(kind: str, expects: Expects) -> None:
    """Refuse an ``expects`` field the kind does not read (it would be silently ignored)."""
    unused = sorted(name for name in expects.model_fields_set if name not in EXPECTS_BY_KIND[kind])
    if unused:
        takes = ", ".join(sorted(EXPECTS_BY_KIND[kind]))
        raise ValueError(f"a {kind} claim does not read expects.{unused[0]} (it reads: {takes})")


class _ClaimBase(_Model):
    # A part of an episode may carry its own date: it is then measured as of that day.
    id: str | None = None
    statement: str = Field(min_length=1)
    source: str | None = None
    date: Day | None = None
    note: str | None = None


class MeasureClaim(_ClaimBase):
    kind: Literal["measure"]
    definition: Measure
    expects: Expects

    @model_validator(mode="after")
    def _expects_read(self) -> MeasureClaim:
        _expects_used("measure", self.expects)
        return self

    @model_validator(mode="after")
    def _figure(self) -> MeasureClaim:
        if not self.expects.is_figure():
            raise ValueError("a measure expects a value (with tolerance), a bound, equals or within")
        return self


class HistoryClaim(_ClaimBase):
    kind: Literal["history"]
    definition: HistoryDef
    expects: Expects

    @model_validator(mode="after")
    def _expects_read(self) -> HistoryClaim:
        _expects_used("history", self.expects)
        return self


class LeadLagClaim(_ClaimBase):
    kind: Literal["lead-lag"]
    definition: LeadLagDef
    expects: Expects

    @model_validator(mode="after")
    def _expects_read(self) -> LeadLagClaim:
        _expects_used("lead-lag", self.expects)
        return self

    @model_validator(mode="after")
    def _who(self) -> LeadLagClaim:
        if (self.expects.leader is None) == (self.expects.not_leader is None):
            raise ValueError("a lead-lag claim expects a leader or a not_leader")
        return self


class ConditionalClaim(_ClaimBase):
    kind: Literal["conditional"]
    definition: ConditionalDef
    expects: Expects

    @model_validator(mode="after")
    def _expects_read(self) -> ConditionalClaim:
        _expects_used("conditional", self.expects)
        return self

    @model_validator(mode="after")
    def _direction(self) -> ConditionalClaim:
        if self.expects.direction is None:
            raise ValueError("a conditional claim expects a direction (above or below)")
        return self


class OrderClaim(_ClaimBase):
    kind: Literal["order"]
    definition: OrderDef
    expects: Expects

    @model_validator(mode="after")
    def _expects_read(self) -> OrderClaim:
        _expects_used("order", self.expects)
        return self

    @model_validator(mode="after")
    def _order(self) -> OrderClaim:
        if self.definition.method == "cascade-onsets" and not self.expects.order:
            raise ValueError("a cascade-onsets order expects order: [link, link, ...]")
        if self.definition.method == "turning-points" and not self.expects.first:
            raise ValueError("a turning-points order expects first: SYMBOL")
        return self


class ForecastClaim(_ClaimBase):
    kind: Literal["forecast"]
    definition: ForecastDef
    expects: Expects

    @model_validator(mode="after")
    def _expects_read(self) -> ForecastClaim:
        _expects_used("forecast", self.expects)
        return self

    @model_validator(mode="after")
    def _bound(self) -> ForecastClaim:
        if not self.expects.is_figure():
            raise ValueError("a forecast expects a value (with tolerance) or a bound on the move")
        return self


class DirectionClaim(_ClaimBase):
    kind: Literal["direction"]
    definition: DirectionDef
    expects: Expects

    @model_validator(mode="after")
    def _expects_read(self) -> DirectionClaim:
        _expects_used("direction", self.expects)
        return self

    @model_validator(mode="after")
    def _direction(self) -> DirectionClaim:
        if self.expects.direction is None:
            raise ValueError("a direction claim expects a direction (above: higher more often than any day)")
        return self


Simple: TypeAlias = Annotated[
    MeasureClaim | HistoryClaim | LeadLagClaim | ConditionalClaim | OrderClaim | ForecastClaim | DirectionClaim,
    Field(discriminator="kind"),
]


class NeedsDataDef(_Model):
    """Series a user must import, and the claim that runs once they are stored."""

    series: list[str] = Field(min_length=1)
    how: str = ""
    then: Simple


class NeedsDataClaim(_ClaimBase):
    kind: Literal["needs-data"]
    definition: NeedsDataDef


Part: TypeAlias = Annotated[
    MeasureClaim
    | HistoryClaim
    | LeadLagClaim
    | ConditionalClaim
    | OrderClaim
    | ForecastClaim
    | DirectionClaim
    | NeedsDataClaim,
    Field(discriminator="kind"),
]


class EpisodeDef(_Model):
    """Several sub-claims about one market moment, each graded and shown."""

    parts: list[Part] = Field(min_length=1)


class EpisodeClaim(_ClaimBase):
    kind: Literal["episode"]
    definition: EpisodeDef


AnyClaim: TypeAlias = Annotated[
    MeasureClaim
    | HistoryClaim
    | LeadLagClaim
    | ConditionalClaim
    | OrderClaim
    | ForecastClaim
    | DirectionClaim
    | NeedsDataClaim
    | EpisodeClaim,
    Field(discriminator="kind"),
]
Claim: TypeAlias = (
    MeasureClaim
    | HistoryClaim
    | LeadLagClaim
    | ConditionalClaim
    | OrderClaim
    | ForecastClaim
    | DirectionClaim
    | NeedsDataClaim
    | EpisodeClaim
)


class ClaimFile(_Model):
    """A claim file: ``version`` (optional, 1) and ``claims``."""

    version: Literal[1] = 1
    claims: list[AnyClaim] = Field(min_length=1)
