"""The claim language: a claim is a small YAML document, validated here.

A claim file holds ``claims:``, a list of claims. Every claim has an ``id``, the ``statement``
(the words claimed), its ``source`` and ``date`` (the day it was made: it is measured as of
that day), a ``kind``, a ``definition`` (what exactly is measured: signal, series, parameters,
window) and ``expects`` (what the claim says the measurement shows). The kinds and their
definitions are the models below; ``docs/claims.md`` teaches them with examples.

Errors name the file, the line and the field: pydantic's error location is walked through the
YAML node tree (``yaml.compose``) to the node's line.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any, Literal, TypeAlias

import yaml
from pydantic import BaseModel, ConfigDict, Field, PositiveInt, ValidationError, field_validator, model_validator

from riskcurve.errors import ClaimFileError

#: Version of the claim-file format.
FORMAT_VERSION = 1

Kind: TypeAlias = Literal["measure", "episode", "history", "lead-lag", "conditional", "order", "forecast", "needs-data"]
KINDS: tuple[str, ...] = (
    "measure",
    "episode",
    "history",
    "lead-lag",
    "conditional",
    "order",
    "forecast",
    "needs-data",
)

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


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Window(_Model):
    """A closed date range; ``start`` or ``end`` left out means the data's first day or the claim's date."""

    start: dt.date | None = None
    end: dt.date | None = None

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
    within: list[tuple[dt.date, dt.date]] | None = None
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
    another window (``versus: ratio`` or ``difference``).
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


class Events(_Model):
    """Event dates: a registered signal's events, the onsets of a signal column, or given dates."""

    signal: str | None = None
    symbol: str | None = None
    parameters: dict[str, Any] = Field(default_factory=dict)
    column: str | None = None
    cooldown: int = Field(default=0, ge=0)
    dates: list[dt.date] | None = None

    @field_validator("signal")
    @classmethod
    def _known_signal(cls, value: str | None) -> str | None:
        return _signal_name(value)

    @model_validator(mode="after")
    def _one_source(self) -> Events:
        if (self.signal is None) == (self.dates is None):
            raise ValueError("give either signal (with symbol, parameters, column) or dates")
        return self


class State(_Model):
    """A true/false state by day: a signal column compared with a value, or a series' change.

    ``signal`` + ``column`` (+ ``equals`` or ``above``/``below``), or ``series`` with
    ``change_days`` (its change over that many days) compared with ``above``/``below``.
    """

    signal: str | None = None
    symbol: str | None = None
    parameters: dict[str, Any] = Field(default_factory=dict)
    column: str | None = None
    series: str | None = None
    change_days: int | None = Field(default=None, ge=1)
    equals: bool | str | None = None
    above: float | None = None
    below: float | None = None

    @field_validator("signal")
    @classmethod
    def _known_signal(cls, value: str | None) -> str | None:
        return _signal_name(value)

    @model_validator(mode="after")
    def _defined(self) -> State:
        if (self.signal is None) == (self.series is None):
            raise ValueError("give either signal (with column) or series")
        if self.signal is not None and self.column is None:
            raise ValueError("a signal state needs the column it reads")
        if sum(v is not None for v in (self.equals, self.above, self.below)) != 1:
            raise ValueError("give exactly one of equals, above or below")
        return self


class HistoryDef(_Model):
    """An event study: what followed the events in each target, against what follows any day."""

    events: Events
    targets: list[str] = Field(min_length=1)
    horizons: list[PositiveInt] = Field(min_length=1)
    returns: Literal["log", "simple"] = "log"
    min_spacing: int | None = Field(default=None, ge=1)
    window: Window | None = None
    reps: int = Field(default=2000, ge=100)


class LeadLagDef(_Model):
    """A lead-lag study between two price series."""

    lead: str
    lag: str
    freq: Literal["D", "W", "M"] = "W"
    max_lag: int | None = Field(default=None, ge=1)
    start: dt.date | None = None
    reps: int = Field(default=500, ge=100)


class ConditionalDef(_Model):
    """A target's returns while a state holds against while it does not."""

    target: str
    relative_to: str | None = None
    state: State
    horizons: list[PositiveInt] = Field(default_factory=lambda: [21, 63], min_length=1)
    returns: Literal["log", "simple"] = "log"
    start: dt.date | None = None
    reps: int = Field(default=2000, ge=100)


class OrderDef(_Model):
    """A transmission order: cascade-link onsets in chain order, or which asset turns first."""

    method: Literal["cascade-onsets", "turning-points"]
    cooldown: int = Field(default=21, ge=0)
    others: list[str] = Field(default_factory=list)
    threshold: float = Field(default=0.2, gt=0, lt=1)


class ForecastDef(_Model):
    """A dated prediction: the moves of ``assets`` over ``months`` after the claim date."""

    assets: list[str] = Field(min_length=1)
    months: list[PositiveInt] = Field(default_factory=lambda: [1, 2, 3], min_length=1)
    statistic: Literal["return", "max_drawdown"] = "return"
    relative_to: str | None = None
    show: list[str] = Field(default_factory=lambda: ["BTC", "ETH", "ALT_BASKET"])


class _ClaimBase(_Model):
    id: str | None = None
    statement: str = Field(min_length=1)
    source: str | None = None
    date: dt.date | None = None
    note: str | None = None


class MeasureClaim(_ClaimBase):
    kind: Literal["measure"]
    definition: Measure
    expects: Expects

    @model_validator(mode="after")
    def _figure(self) -> MeasureClaim:
        if not self.expects.is_figure():
            raise ValueError("a measure expects a value (with tolerance), a bound, equals or within")
        return self


class HistoryClaim(_ClaimBase):
    kind: Literal["history"]
    definition: HistoryDef
    expects: Expects


class LeadLagClaim(_ClaimBase):
    kind: Literal["lead-lag"]
    definition: LeadLagDef
    expects: Expects

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
    def _direction(self) -> ConditionalClaim:
        if self.expects.direction is None:
            raise ValueError("a conditional claim expects a direction (above or below)")
        return self


class OrderClaim(_ClaimBase):
    kind: Literal["order"]
    definition: OrderDef
    expects: Expects

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
    def _bound(self) -> ForecastClaim:
        if not self.expects.is_figure():
            raise ValueError("a forecast expects a value (with tolerance) or a bound on the move")
        return self


Simple: TypeAlias = Annotated[
    MeasureClaim | HistoryClaim | LeadLagClaim | ConditionalClaim | OrderClaim | ForecastClaim,
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
    MeasureClaim | HistoryClaim | LeadLagClaim | ConditionalClaim | OrderClaim | ForecastClaim | NeedsDataClaim,
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
    | NeedsDataClaim
    | EpisodeClaim
)


class ClaimFile(_Model):
    """A claim file: ``version`` (optional, 1) and ``claims``."""

    version: Literal[1] = 1
    claims: list[AnyClaim] = Field(min_length=1)


# -- reading ----------------------------------------------------------------------------------


class _Loader(yaml.SafeLoader):
    """SafeLoader that leaves dates as text, so pydantic validates them (and a bad one gets a line)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _node_at(root: yaml.Node | None, loc: Sequence[int | str]) -> tuple[yaml.Node | None, list[str]]:
    """The deepest YAML node on pydantic's error path, and the path's YAML part in words."""
    node = root
    found: list[str] = []
    for step in loc:
        if isinstance(node, yaml.MappingNode) and isinstance(step, str):
            match = next((value for key, value in node.value if getattr(key, "value", None) == step), None)
            if match is None:
                if step in KINDS:  # the discriminator's tag is not a YAML key
                    continue
                found.append(step)
                break
            node = match
            found.append(step)
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int):
            if step >= len(node.value):
                break
            node = node.value[step]
            found[-1:] = [f"{found[-1]}[{step}]" if found else f"[{step}]"]
        else:
            # Union members and function validators add steps that are not YAML keys.
            continue
    return node, found


def _first_error(error: ValidationError, root: yaml.Node | None, name: str) -> ClaimFileError:
    errors = error.errors(include_url=False)
    # An unknown field is the cause when it comes with a "missing" one (a misspelt key).
    first = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    loc = [step for step in first["loc"] if not (isinstance(step, str) and step.startswith("function-"))]
    if first["type"] in ("union_tag_invalid", "union_tag_not_found"):
        loc.append("kind")
    node, path = _node_at(root, loc)
    line = node.start_mark.line + 1 if node is not None else None
    message = str(first["msg"]).removeprefix("Value error, ")
    if first["type"] == "missing":
        message = "required field missing"
    elif first["type"] == "extra_forbidden":
        message = "unknown field"
    elif first["type"] == "union_tag_not_found":
        message = f"required field missing; choose one of {', '.join(KINDS)}"
    elif first["type"] == "union_tag_invalid":
        message = f"unknown kind; choose one of {', '.join(KINDS)}"
    return ClaimFileError(name, line, ".".join(path) or None, message)


def parse_claims(text: str, name: str = "<text>") -> ClaimFile:
    """Validate the text of a claim file.

    Parameters
    ----------
    text
        YAML text.
    name
        How the file is named in errors.

    Raises
    ------
    ClaimFileError
        The first thing wrong, with the file, the line and the field.
    """
    # One parse: the node tree (for line numbers) is what yaml.load would construct the document
    # from, so build the document from it rather than parsing the text a second time.
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        document = loader.construct_document(root) if root is not None else None
    except yaml.MarkedYAMLError as bad:
        mark = bad.problem_mark or bad.context_mark
        raise ClaimFileError(
            name, mark.line + 1 if mark is not None else None, None, f"not valid YAML: {bad.problem}"
        ) from None
    except yaml.YAMLError as bad:
        raise ClaimFileError(name, None, None, f"not valid YAML: {bad}") from None
    finally:
        loader.dispose()
    if not isinstance(document, dict):
        raise ClaimFileError(name, 1, None, "a claim file is a mapping with a 'claims:' list")
    try:
        parsed = ClaimFile.model_validate(document)
    except ValidationError as error:
        raise _first_error(error, root, name) from None
    _check_top_level(parsed, root, name)
    return parsed


def _check_top_level(parsed: ClaimFile, root: yaml.Node | None, name: str) -> None:
    """Claims need an id, a source and a date (parts inherit them), and ids are unique."""

    def fail(loc: list[int | str], message: str) -> ClaimFileError:
        node, path = _node_at(root, loc)
        line = node.start_mark.line + 1 if node is not None else None
        return ClaimFileError(name, line, ".".join(path) or None, message)

    seen: set[str] = set()
    for index, claim in enumerate(parsed.claims):
        for field in ("id", "source", "date"):
            if getattr(claim, field) is None:
                raise fail(["claims", index, field], "required field missing")
        if claim.id in seen:
            raise fail(["claims", index, "id"], f"claim id {claim.id!r} is used twice")
        seen.add(str(claim.id))
        if isinstance(claim, EpisodeClaim):
            names: set[str] = set()
            for number, part in enumerate(claim.definition.parts):
                if part.id is None or part.id in names:
                    where: list[int | str] = ["claims", index, "definition", "parts", number, "id"]
                    raise fail(where, "every part of an episode needs its own id")
                names.add(part.id)


def load_claims(path: str | Path) -> ClaimFile:
    """Read and validate a claim file (see :func:`parse_claims`)."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as failure:
        raise ClaimFileError(str(file), None, None, f"cannot read it: {failure.strerror or failure}") from None
    return parse_claims(text, str(file))


TEMPLATE = """\
# A riskcurve claim file: `riskcurve check --file THIS_FILE`, `riskcurve claims validate THIS_FILE`.
# Each claim is measured as of its own date; --as-of only limits what data is visible.
# The language is taught in docs/claims.md; `riskcurve claims show C02` prints a built-in example.
version: 1
claims:
  # A figure over a window, against the claimed value.
  - id: MY01
    statement: "Small caps beat the S&P 500 11 sessions in a row"
    source: "where you read it"
    date: 2026-01-21           # the day the claim was made
    kind: measure
    definition:
      signal: relative-strength  # any `riskcurve signal` name; or series: RUT; or figure: NAME
      symbol: RUT
      column: streak             # the signal's column read
      statistic: nearest         # the value nearest the claim: last, max, min, mean, return, change, ...
      window: {start: 2026-01-02, end: 2026-01-21}
    expects: {value: 11, tolerance: 0}   # or at_least / at_most / equals / within

  # What followed past events, against what follows any day (an event study).
  - id: MY02
    statement: "After a 10-session small-cap streak, ETH beats its baseline over 42 days"
    source: "where you read it"
    date: 2026-01-21
    kind: history
    definition:
      events: {signal: relative-strength, symbol: RUT, parameters: {min_streak: 10}}
      targets: [ETH]
      horizons: [42]
    expects:
      direction: above           # returns after events higher than after any day
      effect: 0.05               # the size claimed (log-return difference), used for power
"""
