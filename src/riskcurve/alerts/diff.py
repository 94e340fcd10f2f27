"""Alert state and diff: what the watch remembers, and what counts as a change (pure).

What counts as a change (:func:`changes`), by alert ``kind``:

``link_lit`` / ``link_dark``
    A link of the cascade (bonds & credit, large caps, small caps, Bitcoin, ETH & alts) lit
    or went dark. Key ``link:<link>``.
``breakout_confirmed``
    A new confirmed all-time-high breakout of the Russell 2000 (a confirmed breakout dated
    after the last one the watch knew). Key ``breakout:RUT``.
``divergence_opened`` / ``divergence_closed``
    An "anything but crypto" episode opened (also: a new episode replaced the one seen last
    time) or closed. Key ``divergence``.
``altseason_on`` / ``altseason_off``
    The altcoin-season flag switched. Key ``altseason``.
``liquidity_regime``
    The net-liquidity regime changed (expanding / flat / contracting). Key ``liquidity``.
``no_data`` / ``data_resumed``
    An input of an aspect stopped updating, so the aspect cannot be evaluated; then data came
    back with the same state as before the gap. Key: the aspect's key.
``forecast_resolved``
    A dated forecast of the claim pack (``riskcurve check``) left ``pending``: its window
    closed and it got a grade. Sent once per forecast; a forecast already resolved when the
    watch first sees it is part of the baseline, not news. Key ``forecast:<id>``.
``watch_started``
    The first run: a single summary of the current picture, which also proves the
    notification path works. Nothing else is sent on the first run. Key ``watch``.

Missing data is never announced as a change. A signal fed a series that stopped updating
reads the gap as "condition not met": a cascade link goes dark about nine days after its
input's last close, a divergence closes, the liquidity regime turns unknown. So every aspect
has a third state, ``"no_data"``, taken when one of its inputs is stale (the regime's own
freshness rule of :mod:`riskcurve.signals.freshness`, or the link's own ``"unknown"`` state,
or, for price series, a last close older
than :data:`~riskcurve.data.calendar.MAX_CARRY_DAYS`, after which closes stop being carried
and the signal is already reading the gap) or when the signal could not be computed at all.
Entering it sends ``no_data``; leaving it sends the normal transition when the state differs
from the last one seen with fresh data (the "known" state), else ``data_resumed``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

from riskcurve import numbers as nf
from riskcurve.data.calendar import MAX_CARRY_DAYS
from riskcurve.errors import StoreError
from riskcurve.signals.cascade import LINKS
from riskcurve.signals.regime import LINK_LABELS, Regime, RegimeItem
from riskcurve.signals.registry import SIGNALS

AlertKind = Literal[
    "watch_started",
    "forecast_resolved",
    "link_lit",
    "link_dark",
    "breakout_confirmed",
    "divergence_opened",
    "divergence_closed",
    "altseason_on",
    "altseason_off",
    "liquidity_regime",
    "no_data",
    "data_resumed",
]
#: Every alert kind (see the module docstring).
KINDS: tuple[str, ...] = get_args(AlertKind)

#: Symbol whose breakouts are watched.
BREAKOUT_SYMBOL = "RUT"
#: Version of the stored state document.
STATE_VERSION = 1

NO_DATA = "no_data"

#: The price series each cascade link reads (see ``cascade_conditions``); ``bonds_credit``
#: reads macro values (DGS10, the high-yield spread), covered by the regime's stale rule.
LINK_INPUTS: Mapping[str, tuple[str, ...]] = {
    "bonds_credit": ("DGS10", "BAMLH0A0HYM2"),
    "large_caps": ("GSPC",),
    "small_caps": ("RUT", "GSPC"),
    "btc": ("BTC",),
    "eth_alts": ("ETH", "BTC"),
}
_MACRO_INPUTS = frozenset({"DGS10", "BAMLH0A0HYM2"})

_LINK_TITLES = {
    "bonds_credit": "Bonds & credit",
    "large_caps": "Large caps",
    "small_caps": "Small caps",
    "btc": "Bitcoin",
    "eth_alts": "ETH & alts",
}
_ASPECT_NAMES = {
    **{f"link:{link}": f"the {LINK_LABELS[link]} link" for link in LINKS},
    "divergence": "the divergence watch",
    "altseason": "the altseason flag",
    "liquidity": "the liquidity regime",
}


# -- what is compared -------------------------------------------------------------------------


@dataclass(frozen=True)
class Alert:
    """One notification: a change seen on ``as_of``.

    Attributes
    ----------
    kind
        One of :data:`KINDS` (see the module docstring).
    key
        What changed: ``link:<link>``, ``breakout:RUT``, ``divergence``, ``altseason``,
        ``liquidity`` or ``watch``.
    title, body
        The notification's text.
    as_of
        The day the change was seen on.
    """

    kind: str
    key: str
    title: str
    body: str
    as_of: dt.date

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "kind": self.kind,
            "key": self.key,
            "title": self.title,
            "body": self.body,
            "as_of": self.as_of.isoformat(),
        }


@dataclass(frozen=True)
class WatchState:
    """What the watch remembers between runs (stored as JSON in the store).

    Attributes
    ----------
    as_of
        The day of the regime it was taken from.
    states
        Per aspect (``link:<link>``, ``divergence``, ``altseason``, ``liquidity``) its state:
        ``"lit"``/``"dark"``, ``"open:<start date>"``/``"closed"``, ``"on"``/``"off"``, the
        liquidity regime name, or ``"no_data"``. The divergence state carries its episode's
        start so that a new episode is told apart from the one seen last time.
    known
        Per aspect the last state seen with fresh data (``None`` if never).
    since
        Per aspect the date its current state began, when the signal says.
    breakout
        The last confirmed breakout of :data:`BREAKOUT_SYMBOL` known to the watch:
        ``{"symbol", "date", "confirmed"}`` (ISO dates), or ``None``.
    """

    as_of: dt.date
    states: Mapping[str, str]
    known: Mapping[str, str | None]
    since: Mapping[str, str | None] = field(default_factory=dict)
    breakout: Mapping[str, str] | None = None

    @classmethod
    def from_regime(cls, current: Regime, previous: WatchState | None = None) -> WatchState:
        """The state of ``current``; ``previous`` supplies what missing data hides.

        Parameters
        ----------
        current
            The regime of the day.
        previous
            The state stored last time: the known state of an aspect that has no data now,
            and the last confirmed breakout when the regime's latest breakout is unconfirmed.
        """
        if not isinstance(current, Regime):
            raise TypeError(f"current must be a Regime, got {type(current).__name__}")
        if previous is not None and not isinstance(previous, WatchState):
            raise TypeError(f"previous must be a WatchState or None, got {type(previous).__name__}")
        aspects = _aspects(current)
        states = {key: state for key, (state, _) in aspects.items()}
        since = {key: day for key, (_, day) in aspects.items()}
        known: dict[str, str | None] = {}
        for key, state in states.items():
            if state != NO_DATA:
                known[key] = state
            else:
                known[key] = previous.known.get(key) if previous is not None else None
        breakout = _confirmed_breakout(current)
        if breakout is None and previous is not None:
            breakout = dict(previous.breakout) if previous.breakout else None
        return cls(current.as_of, states, known, since, breakout)

    def to_dict(self) -> dict[str, Any]:
        """The stored JSON document."""
        return {
            "version": STATE_VERSION,
            "as_of": self.as_of.isoformat(),
            "states": dict(self.states),
            "known": dict(self.known),
            "since": dict(self.since),
            "breakout": dict(self.breakout) if self.breakout else None,
        }

    @classmethod
    def from_dict(cls, document: Mapping[str, Any]) -> WatchState:
        """Read a stored document back.

        Raises
        ------
        StoreError
            If the document is not a watch state this riskcurve can read.
        """
        if not isinstance(document, Mapping) or document.get("version") != STATE_VERSION:
            version = document.get("version") if isinstance(document, Mapping) else None
            raise StoreError(f"stored watch state has version {version!r}; this riskcurve reads {STATE_VERSION}")
        try:
            return cls(
                dt.date.fromisoformat(document["as_of"]),
                dict(document["states"]),
                dict(document["known"]),
                dict(document.get("since") or {}),
                dict(document["breakout"]) if document.get("breakout") else None,
            )
        except (KeyError, TypeError, ValueError) as bad:
            raise StoreError(f"stored watch state is malformed: {bad}") from bad


def _item(current: Regime, name: str) -> RegimeItem | None:
    try:
        return current.item(name)
    except KeyError:
        return None


def _price_gap(item: RegimeItem, symbols: Sequence[str], as_of: dt.date) -> list[str]:
    """Inputs the signal is reading as a gap: stale, absent, or past the carry window."""
    out = []
    for symbol in symbols:
        if symbol in item.stale:
            out.append(symbol)
            continue
        if symbol in _MACRO_INPUTS:
            continue
        last = item.sources.get(symbol, (None, None))[1]
        if last is None or (as_of - dt.date.fromisoformat(last)).days > MAX_CARRY_DAYS:
            out.append(symbol)
    return out


def _aspects(current: Regime) -> dict[str, tuple[str, str | None]]:
    """Each aspect's ``(state, since)`` on the regime's day."""
    day = current.as_of
    out: dict[str, tuple[str, str | None]] = {}

    cascade = _item(current, "cascade")
    links = (cascade.state.get("links") or {}) if cascade is not None else {}
    for link in LINKS:
        info = links.get(link) or {}
        key = f"link:{link}"
        # An unknown link (an input stale or not started, or its rule undecided) is no state; a
        # score of None means no sub-condition of the link is known on the day.
        if (
            cascade is None
            or info.get("state") == "unknown"
            or info.get("score") is None
            or _price_gap(cascade, LINK_INPUTS[link], day)
        ):
            out[key] = (NO_DATA, None)
        else:
            out[key] = ("lit" if info.get("lit") else "dark", info.get("since"))

    divergence = _item(current, "divergence")
    if (
        divergence is None
        or divergence.state.get("divergence") is None
        or _price_gap(divergence, SIGNALS["divergence"].sources, day)
    ):
        out["divergence"] = (NO_DATA, None)
    else:
        opened = divergence.state.get("open_since")
        out["divergence"] = (f"open:{opened}", opened) if opened else ("closed", None)

    altseason = _item(current, "altseason")
    minimum = SIGNALS["altseason"].parameters["min_members"]
    if (
        altseason is None
        or altseason.state.get("altseason") is None
        or (altseason.state.get("members") or 0) < minimum
        or _price_gap(altseason, ("BTC",), day)
    ):
        out["altseason"] = (NO_DATA, None)
    else:
        out["altseason"] = ("on" if altseason.state.get("altseason") else "off", None)

    liquidity = _item(current, "liquidity")
    if liquidity is None or liquidity.stale or not liquidity.state.get("regime"):
        out["liquidity"] = (NO_DATA, None)
    else:
        out["liquidity"] = (str(liquidity.state["regime"]), liquidity.state.get("regime_since"))
    return out


def _confirmed_breakout(current: Regime) -> dict[str, str] | None:
    item = _item(current, "breakout")
    if item is None or item.state.get("symbol") != BREAKOUT_SYMBOL:
        return None
    last = item.state.get("last_breakout")
    if not last or not last.get("confirmed_date"):
        return None
    return {"symbol": BREAKOUT_SYMBOL, "date": str(last["date"]), "confirmed": str(last["confirmed_date"])}


# -- wording ----------------------------------------------------------------------------------


def _pct(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return nf.percent(value, signed=True)


def _describe(key: str, state: str | None) -> str:
    if state is None:
        return "unknown"
    if state == NO_DATA:
        return "without recent data"
    if key == "divergence":
        return f"open since {state.split(':', 1)[1]}" if state.startswith("open:") else "closed"
    return state


def _stale_inputs(current: Regime, key: str) -> list[str]:
    if key.startswith("link:"):
        item, symbols = _item(current, "cascade"), LINK_INPUTS[key.split(":", 1)[1]]
    elif key == "divergence":
        item, symbols = _item(current, "divergence"), SIGNALS["divergence"].sources
    elif key == "altseason":
        item, symbols = _item(current, "altseason"), ("BTC",)
    else:
        item = _item(current, "liquidity")
        return list(item.stale) if item is not None else []
    return _price_gap(item, symbols, current.as_of) if item is not None else []


def _headline(current: Regime, name: str) -> str:
    item = _item(current, name)
    return item.headline if item is not None else f"{name}: unavailable"


def _chain(current: Regime) -> str:
    """Every link's state as the watch sees it (a data gap is named, not called dark)."""
    aspects = _aspects(current)
    parts = []
    for link in LINKS:
        state, since = aspects[f"link:{link}"]
        if state == NO_DATA:
            stale = _stale_inputs(current, f"link:{link}")
            parts.append(f"{LINK_LABELS[link]} without recent data" + (f" ({', '.join(stale)})" if stale else ""))
        else:
            parts.append(f"{LINK_LABELS[link]} {state}" + (f" since {since}" if since else ""))
    return ", ".join(parts)


def _link_alert(current: Regime, link: str, state: str, was: str, gap: bool) -> Alert:
    cascade = current.item("cascade")
    info = cascade.state["links"][link]
    stage_low = int(cascade.state.get("stage") or 0)
    stage_high = int(cascade.state.get("stage_high", stage_low) or stage_low)
    stage = f"{stage_low}" if stage_high == stage_low else f"{stage_low}-{stage_high}"
    furthest = LINK_LABELS.get(str(cascade.state.get("stage_name")), "none")
    score = info.get("score")
    verb = "lit" if state == "lit" else "went dark"
    title = f"{_LINK_TITLES[link]} {verb} (risk curve stage {stage}/5)"
    since = f" on {info['since']}" if info.get("since") else ""
    history = f"it was {was} before a gap in the data" if gap else f"it was {was}"
    body = (
        f"The {LINK_LABELS[link]} link of the risk curve {verb}{since} (seen as of {current.as_of.isoformat()}; "
        f"{nf.percent(score, 0)} of its conditions met); {history}. "
        f"Risk appetite now reaches stage {stage}/5 ({furthest}). Links: {_chain(current)}."
    )
    return Alert("link_lit" if state == "lit" else "link_dark", f"link:{link}", title, body, current.as_of)


def _divergence_alert(current: Regime, state: str, was: str | None, gap: bool) -> Alert:
    item = current.item("divergence")
    day = current.as_of.isoformat()
    drawdown = _pct(-(item.state.get("btc_drawdown") or 0.0))
    after = " (after a gap in the data)" if gap else ""
    if state.startswith("open:"):
        start = state.split(":", 1)[1]
        replaced = (
            f" The episode seen before (open since {was.split(':', 1)[1]}) ended in between."
            if (was and was.startswith("open:"))
            else ""
        )
        title = f"Divergence opened: anything but crypto (since {start})"
        body = f"Divergence open since {start}, seen as of {day}{after}: {item.headline}.{replaced}"
        return Alert("divergence_opened", "divergence", title, body, current.as_of)
    opened = was.split(":", 1)[1] if was and was.startswith("open:") else None
    title = "Divergence closed" + (f" (open since {opened})" if opened else "")
    body = (
        f"The divergence{' open since ' + opened if opened else ''} has closed as of {day}{after}: "
        f"no longer small caps or metals near highs while BTC is in a drawdown (BTC {drawdown} from its record)."
    )
    return Alert("divergence_closed", "divergence", title, body, current.as_of)


def _altseason_alert(current: Regime, state: str, gap: bool) -> Alert:
    item = current.item("altseason")
    after = " (after a gap in the data)" if gap else ""
    title = "Altseason ON" if state == "on" else "Altseason over"
    body = f"Altcoin season switched {state} as of {current.as_of.isoformat()}{after}: {item.headline}."
    return Alert(f"altseason_{state}", "altseason", title, body, current.as_of)


def _liquidity_alert(current: Regime, state: str, was: str | None, gap: bool) -> Alert:
    item = current.item("liquidity")
    after = " (after a gap in the data)" if gap else ""
    title = f"Liquidity regime: {state}" + (f" (was {was})" if was else "")
    body = f"The net-liquidity regime is {state} as of {current.as_of.isoformat()}{after}: {item.headline}."
    return Alert("liquidity_regime", "liquidity", title, body, current.as_of)


def _transition(current: Regime, key: str, state: str, was: str | None, gap: bool) -> Alert:
    if key.startswith("link:"):
        return _link_alert(current, key.split(":", 1)[1], state, _describe(key, was), gap)
    if key == "divergence":
        return _divergence_alert(current, state, was, gap)
    if key == "altseason":
        return _altseason_alert(current, state, gap)
    return _liquidity_alert(current, state, was, gap)


def _no_data_alert(current: Regime, key: str, was: str | None) -> Alert:
    name = _ASPECT_NAMES[key]
    stale = _stale_inputs(current, key)
    source = _item(current, "cascade" if key.startswith("link:") else key)
    if stale:
        why = f"no recent data for {', '.join(stale)}"
    elif source is not None and source.headline.startswith("unknown: "):
        why = source.headline.removeprefix("unknown: ")
    else:
        why = "its signal could not be computed"
    title = f"No recent data: {name}"
    body = (
        f"As of {current.as_of.isoformat()} {name} cannot be evaluated: {why}. "
        f"It was {_describe(key, was)}; a gap in the data is not reported as a change. "
        "You will be told when data resumes."
    )
    return Alert("no_data", key, title, body, current.as_of)


def _resumed_alert(current: Regime, key: str, state: str, known: str | None) -> Alert:
    name = _ASPECT_NAMES[key]
    shown = _describe(key, state)
    source = "cascade" if key.startswith("link:") else key
    if known is None:
        title = f"Data available: {name} is {shown}"
        before = "it had no data since the watch started"
    else:
        title = f"Data resumed: {name} is still {shown}"
        before = "as before the gap"
    body = (
        f"As of {current.as_of.isoformat()} {name} has recent data and is {shown}; {before}. "
        f"{_headline(current, source)}."
    )
    return Alert("data_resumed", key, title, body, current.as_of)


def _breakout_alert(current: Regime, breakout: Mapping[str, str]) -> Alert:
    item = current.item("breakout")
    last = item.state["last_breakout"]
    symbol = breakout["symbol"]
    title = (
        f"{symbol} breakout confirmed: first close above {nf.decimal(last['old_high'], 2)} on {last['close_high_date']}"
    )
    intraday = (
        f"; the intraday high broke it on {last['intraday_high_date']}"
        if last.get("intraday_high_date") and last.get("intraday_high_date") != last.get("close_high_date")
        else ""
    )
    volume = (
        f"; volume {nf.decimal(last['volume_ratio'], 2)}x its average" if last.get("volume_ratio") is not None else ""
    )
    body = (
        f"{symbol} closed above its old all-time high {nf.decimal(last['old_high'], 2)} on {last['close_high_date']} "
        f"after a base of {last['base_length']} sessions{intraday}. The breakout was confirmed on "
        f"{breakout['confirmed']}{volume}. Now {_pct(item.state.get('distance_above_old_high'))} above the "
        f"old high (as of {current.as_of.isoformat()})."
    )
    return Alert("breakout_confirmed", f"breakout:{symbol}", title, body, current.as_of)


def _started_alert(current: Regime, state: WatchState) -> Alert:
    lines = [f"riskcurve is watching the risk curve as of {current.as_of.isoformat()}."]
    for key in state.states:
        lines.append(f"- {_ASPECT_NAMES[key]}: {_describe(key, state.states[key])}")
    if state.breakout:
        lines.append(
            f"- last confirmed {state.breakout['symbol']} breakout: {state.breakout['date']} "
            f"(confirmed {state.breakout['confirmed']})"
        )
    else:
        lines.append(f"- no confirmed {BREAKOUT_SYMBOL} breakout known")
    lines.append("You will get one notification per change from here on.")
    title = f"riskcurve watch started (as of {current.as_of.isoformat()})"
    return Alert("watch_started", "watch", title, "\n".join(lines), current.as_of)


# -- diffing ----------------------------------------------------------------------------------


def changes(previous: WatchState | None, current: Regime) -> list[Alert]:
    """The alerts for what changed between the stored state and the regime of the day.

    Parameters
    ----------
    previous
        The state stored by the last run, or ``None`` on the first run.
    current
        The regime of the day.

    Returns
    -------
    list of Alert
        One per change, in chain order (links), then breakout, divergence, altseason,
        liquidity. On the first run a single ``watch_started`` summary. Empty when nothing
        changed.

    Raises
    ------
    ValueError
        If ``current`` is dated before ``previous`` (the watch only moves forward).
    """
    if previous is not None and not isinstance(previous, WatchState):
        raise TypeError(f"previous must be a WatchState or None, got {type(previous).__name__}")
    if not isinstance(current, Regime):
        raise TypeError(f"current must be a Regime, got {type(current).__name__}")
    now = WatchState.from_regime(current, previous)
    if previous is None:
        return [_started_alert(current, now)]
    if current.as_of < previous.as_of:
        raise ValueError(
            f"current is dated {current.as_of.isoformat()}, before the stored state "
            f"({previous.as_of.isoformat()}); the watch only moves forward"
        )
    alerts: list[Alert] = []
    links = [key for key in now.states if key.startswith("link:")]
    others = [key for key in now.states if not key.startswith("link:")]
    for key in links:
        alerts.extend(_aspect_change(previous, current, key, now.states[key]))
    alerts.extend(_breakout_changes(previous, current, now))
    for key in others:
        alerts.extend(_aspect_change(previous, current, key, now.states[key]))
    return alerts


def _aspect_change(previous: WatchState, current: Regime, key: str, state: str) -> list[Alert]:
    was = previous.states.get(key)
    if state == was:
        return []
    if state == NO_DATA:
        return [_no_data_alert(current, key, was)]
    if was not in (None, NO_DATA):
        return [_transition(current, key, state, was, gap=False)]
    # Data is back: a change only if the state differs from the last one seen with data.
    known = previous.known.get(key)
    if known is None or known == state:
        return [_resumed_alert(current, key, state, known)]
    return [_transition(current, key, state, known, gap=True)]


def _breakout_changes(previous: WatchState, current: Regime, now: WatchState) -> list[Alert]:
    new = now.breakout
    old = previous.breakout
    if new is None or (old is not None and new["date"] <= old["date"]):
        return []
    return [_breakout_alert(current, new)]


# -- forecasts ----------------------------------------------------------------------------------

#: The state of a forecast that has not resolved yet.
PENDING = "pending"


def forecast_states(results: Sequence[Any]) -> dict[str, str]:
    """Each forecast's state for the watch: ``"pending"`` or its grade once resolved.

    Parameters
    ----------
    results
        Checked forecasts (:class:`~riskcurve.stats.claims.ClaimResult`, or anything with ``id``
        and ``grade``).
    """
    return {str(r.id): PENDING if r.grade == PENDING else str(r.grade) for r in results}


def forecast_changes(previous: Mapping[str, str] | None, results: Sequence[Any], as_of: dt.date) -> list[Alert]:
    """An alert for each forecast that was pending last time and has resolved now.

    Parameters
    ----------
    previous
        The forecast states stored by the last run (:func:`forecast_states`), or ``None`` on
        the first run (nothing is sent: the states become the baseline).
    results
        The forecasts checked today (``id``, ``statement``, ``grade``, ``reason``, ``headline``,
        ``date``, ``window_end``).
    as_of
        The day the watch stands on.
    """
    if previous is None:
        return []
    alerts = []
    for result in results:
        key = str(result.id)
        if previous.get(key) != PENDING or result.grade == PENDING:
            continue
        window = f"{result.date.isoformat()} to {result.window_end.isoformat()}" if result.window_end else "its window"
        title = f"Forecast {key} resolved: {result.grade}"
        body = (
            f"{key} ({result.statement}), made {result.date.isoformat()}, window {window}: {result.grade} as of "
            f"{as_of.isoformat()} ({result.reason}). What happened: {result.headline}."
        )
        alerts.append(Alert("forecast_resolved", f"forecast:{key}", title, body, as_of))
    return alerts
