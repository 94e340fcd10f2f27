"""Alerts: tell the user, once, when the picture changes.

``riskcurve watch`` computes the day's :class:`~riskcurve.signals.regime.Regime`, compares it
with the state it stored last time, and sends one notification per change through apprise
(any apprise URL: Slack, Telegram, e-mail, a JSON webhook...).

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
``watch_started``
    The first run: a single summary of the current picture, which also proves the
    notification path works. Nothing else is sent on the first run. Key ``watch``.

Missing data is never announced as a change. A signal fed a series that stopped updating
reads the gap as "condition not met": a cascade link goes dark about nine days after its
input's last close, a divergence closes, the liquidity regime turns unknown. So every aspect
has a third state, ``"no_data"``, taken when one of its inputs is stale (the regime's own
:data:`~riskcurve.signals.regime.STALE_DAYS` rule, or, for price series, a last close older
than :data:`~riskcurve.data.calendar.MAX_CARRY_DAYS`, after which closes stop being carried
and the signal is already reading the gap) or when the signal could not be computed at all.
Entering it sends ``no_data``; leaving it sends the normal transition when the state differs
from the last one seen with fresh data (the "known" state), else ``data_resumed``.

Delivery uses an outbox in the store: detecting the changes, enqueueing their alerts and
saving the new state happen in one transaction; delivery comes after, and is recorded per
alert and per notification target. A run interrupted before delivery, or a notification that
fails, leaves the alert pending; the next run retries it (up to ``max_attempts`` runs, after
which it is marked ``failed`` and reported). An alert is sent again to a target only if the
process dies between the target accepting it and the store recording that (at-least-once).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import math
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

import apprise
import pandas as pd
from apprise.utils.parse import parse_urls

from riskcurve.data.calendar import MAX_CARRY_DAYS
from riskcurve.data.ingest import UpdateResult
from riskcurve.data.providers.base import utc_now
from riskcurve.data.store import Store
from riskcurve.errors import RiskcurveError, StoreError
from riskcurve.signals.cascade import LINKS
from riskcurve.signals.regime import LINK_LABELS, Regime, RegimeItem, regime
from riskcurve.signals.registry import SIGNALS

log = logging.getLogger(__name__)

AlertKind = Literal[
    "watch_started",
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

#: Environment variable with apprise URLs (separated by spaces, commas or semicolons).
NOTIFY_ENV = "RISKCURVE_NOTIFY"
#: Runs in which delivery of one alert is tried before it is marked failed.
MAX_ATTEMPTS = 20
#: The ``watch_state`` row of the regime watch.
STATE_KEY = "regime"
#: Symbol whose breakouts are watched.
BREAKOUT_SYMBOL = "RUT"
#: Version of the stored state document.
STATE_VERSION = 1
#: Target name under which alerts count as delivered when no notify URL is given.
REPORT_TARGET = "report"

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
_NOTIFY_TYPES = {
    "link_lit": apprise.NotifyType.SUCCESS,
    "breakout_confirmed": apprise.NotifyType.SUCCESS,
    "altseason_on": apprise.NotifyType.SUCCESS,
    "data_resumed": apprise.NotifyType.SUCCESS,
    "link_dark": apprise.NotifyType.WARNING,
    "divergence_opened": apprise.NotifyType.WARNING,
    "altseason_off": apprise.NotifyType.WARNING,
    "no_data": apprise.NotifyType.WARNING,
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
        # A score of None means no sub-condition of the link is known on the day.
        if cascade is None or info.get("score") is None or _price_gap(cascade, LINK_INPUTS[link], day):
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
    return f"{float(value) * 100:+.1f}%"


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
    stage = int(cascade.state.get("stage") or 0)
    furthest = LINK_LABELS.get(str(cascade.state.get("stage_name")), "none")
    score = info.get("score")
    verb = "lit" if state == "lit" else "went dark"
    title = f"{_LINK_TITLES[link]} {verb} (risk curve stage {stage}/5)"
    since = f" on {info['since']}" if info.get("since") else ""
    history = f"it was {was} before a gap in the data" if gap else f"it was {was}"
    body = (
        f"The {LINK_LABELS[link]} link of the risk curve {verb}{since} (seen as of {current.as_of.isoformat()}; "
        f"{score * 100:.0f}% of its conditions met); {history}. "
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
    title = f"{symbol} breakout confirmed: first close above {last['old_high']:,.2f} on {last['close_high_date']}"
    intraday = (
        f"; the intraday high broke it on {last['intraday_high_date']}"
        if last.get("intraday_high_date") and last.get("intraday_high_date") != last.get("close_high_date")
        else ""
    )
    volume = f"; volume {last['volume_ratio']:.2f}x its average" if last.get("volume_ratio") is not None else ""
    body = (
        f"{symbol} closed above its old all-time high {last['old_high']:,.2f} on {last['close_high_date']} "
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


# -- the outbox -------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutboxEntry:
    """An alert as kept in the store's outbox.

    Attributes
    ----------
    id
        Its outbox id (increasing).
    alert
        The alert.
    status
        ``"pending"``, ``"delivered"`` or ``"failed"`` (given up after ``max_attempts`` runs).
    attempts
        Runs in which its delivery was tried.
    created_at, delivered_at
        When it was enqueued and when every target had it (naive UTC).
    last_error
        What the last failed delivery said.
    """

    id: int
    alert: Alert
    status: str
    attempts: int
    created_at: dt.datetime
    delivered_at: dt.datetime | None = None
    last_error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "id": self.id,
            **self.alert.to_dict(),
            "status": self.status,
            "attempts": self.attempts,
            "created_at": self.created_at.isoformat(),
            "delivered_at": self.delivered_at.isoformat() if self.delivered_at else None,
            "last_error": self.last_error,
        }


_OUTBOX_COLUMNS = "id, as_of, kind, key, title, body, status, attempts, created_at, delivered_at, last_error"


def _entry(row: Sequence[Any]) -> OutboxEntry:
    ident, as_of, kind, key, title, body, status, attempts, created, delivered, error = row
    return OutboxEntry(
        int(ident), Alert(kind, key, title, body, as_of), status, int(attempts), created, delivered, error
    )


def _entries(store: Store, where: str, params: Sequence[Any] = ()) -> list[OutboxEntry]:
    rows = store.connection.execute(
        f"SELECT {_OUTBOX_COLUMNS} FROM alert_outbox WHERE {where} ORDER BY id", list(params)
    ).fetchall()
    return [_entry(row) for row in rows]


def outbox(store: Store, status: str | None = None) -> list[OutboxEntry]:
    """The alerts in the store's outbox, oldest first.

    Parameters
    ----------
    store
        An open store.
    status
        Only ``"pending"``, ``"delivered"`` or ``"failed"`` ones; all when ``None``.
    """
    if status is not None and status not in ("pending", "delivered", "failed"):
        raise ValueError(f"status must be 'pending', 'delivered', 'failed' or None, got {status!r}")
    return _entries(store, "? IS NULL OR status = ?", [status, status])


def load_state(store: Store) -> WatchState | None:
    """The state stored by the last watch run, or ``None`` before the first."""
    row = store.connection.execute("SELECT value FROM watch_state WHERE key = ?", [STATE_KEY]).fetchone()
    if row is None:
        return None
    return WatchState.from_dict(json.loads(row[0]))


@dataclass(frozen=True)
class Recorded:
    """What :func:`record` did.

    Attributes
    ----------
    previous, state
        The stored state before and after (``state`` is ``previous`` when skipped).
    alerts
        The outbox entries it enqueued.
    skipped
        Why nothing was compared (the regime is older than the stored state), or ``None``.
    """

    previous: WatchState | None
    state: WatchState | None
    alerts: tuple[OutboxEntry, ...]
    skipped: str | None = None


def record(store: Store, current: Regime) -> Recorded:
    """Compare ``current`` with the stored state; enqueue the alerts and save the new state.

    Both happen in one transaction: either the state moves on and its alerts are in the
    outbox, or neither. A regime dated before the stored state changes nothing.

    Parameters
    ----------
    store
        A writable store.
    current
        The regime of the day.
    """
    if not isinstance(store, Store):
        raise TypeError(f"store must be a Store, got {type(store).__name__}")
    if not isinstance(current, Regime):
        raise TypeError(f"current must be a Regime, got {type(current).__name__}")
    with store.transaction():
        previous = load_state(store)
        if previous is not None and current.as_of < previous.as_of:
            reason = (
                f"as of {current.as_of.isoformat()} is before the stored state ({previous.as_of.isoformat()}); "
                "nothing compared, the state is unchanged"
            )
            return Recorded(previous, previous, (), reason)
        alerts = changes(previous, current)
        state = WatchState.from_regime(current, previous)
        now = utc_now().to_pydatetime()
        ids = []
        for alert in alerts:
            row = store.connection.execute(
                "INSERT INTO alert_outbox (created_at, as_of, kind, key, title, body) VALUES (?, ?, ?, ?, ?, ?) "
                "RETURNING id",
                [now, alert.as_of, alert.kind, alert.key, alert.title, alert.body],
            ).fetchone()
            assert row is not None  # RETURNING always yields the inserted row
            ids.append(int(row[0]))
        store.connection.execute(
            "INSERT INTO watch_state VALUES (?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET "
            "value = excluded.value, as_of = excluded.as_of, updated_at = excluded.updated_at",
            [STATE_KEY, json.dumps(state.to_dict()), state.as_of, now],
        )
        entries = tuple(_entries(store, f"id IN ({', '.join('?' * len(ids))})", ids)) if ids else ()
    return Recorded(previous, state, entries)


# -- delivery ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Target:
    id: str
    label: str
    notifier: apprise.Apprise | None


def _targets(notify_urls: Sequence[str]) -> list[_Target]:
    if isinstance(notify_urls, str) or not isinstance(notify_urls, Sequence):
        raise TypeError(f"notify_urls must be a sequence of apprise URL strings, got {type(notify_urls).__name__}")
    targets: dict[str, _Target] = {}
    for number, url in enumerate(notify_urls, start=1):
        if not isinstance(url, str):
            raise TypeError(f"notify_urls[{number - 1}] must be a string, got {type(url).__name__}")
        notifier = apprise.Apprise()
        if not notifier.add(url.strip()):
            # Echo only the scheme: the rest of the URL may hold a token.
            scheme = url.strip().partition("://")[0] or url.strip()[:12]
            raise ValueError(
                f"notify URL #{number} ({scheme}://...) is not a URL apprise supports; "
                "see https://appriseit.com/services/ for the URL forms"
            )
        server = notifier[0]
        # The canonical URL names the destination however it was spelt; hash it so the store
        # never holds a secret.
        ident = hashlib.sha256(server.url().encode()).hexdigest()[:32]
        # Shown to the user: the URL with secrets masked and apprise's default options left out.
        label = server.url(privacy=True).split("?", 1)[0]
        targets.setdefault(ident, _Target(ident, label, notifier))
    return list(targets.values())


def check_notify_urls(notify_urls: Sequence[str]) -> tuple[str, ...]:
    """Check apprise accepts every URL; return them with their secrets masked.

    Raises
    ------
    TypeError
        If ``notify_urls`` is not a sequence of strings (a bare string is refused).
    ValueError
        If apprise does not support a URL (the message names its position and scheme).
    """
    return tuple(target.label for target in _targets(notify_urls))


def _send(target: _Target, alert: Alert, timeout: float) -> str | None:
    """Send one alert to one target; the error text, or ``None`` on success."""
    assert target.notifier is not None
    try:
        result = target.notifier.notify(
            body=alert.body,
            title=alert.title,
            notify_type=_NOTIFY_TYPES.get(alert.kind, apprise.NotifyType.INFO),
            timeout=timeout,
        )
    # Third-party plugin code can raise anything; the outbox must still record the failure
    # (and retry) rather than lose the alert or abort the other deliveries.
    except Exception as failure:  # noqa: BLE001
        return f"{type(failure).__name__}: {failure}"
    if result:
        return None
    # apprise captures warnings and errors of the call (its default capture level).
    messages = [str(entry.message) for entry in getattr(result, "logs", lambda: [])()]
    return "; ".join(dict.fromkeys(messages)) or "apprise reported a failed delivery"


@dataclass(frozen=True)
class Delivery:
    """What :func:`deliver` did.

    Attributes
    ----------
    targets
        The notification targets (apprise URLs with secrets masked), or ``("report",)``.
    delivered
        Alerts every target now has.
    pending
        Alerts still waiting (to be retried on the next run).
    failed
        Alerts given up in this run after ``max_attempts`` runs.
    """

    targets: tuple[str, ...]
    delivered: tuple[OutboxEntry, ...]
    pending: tuple[OutboxEntry, ...]
    failed: tuple[OutboxEntry, ...]


def deliver(
    store: Store,
    notify_urls: Sequence[str] = (),
    *,
    max_attempts: int = MAX_ATTEMPTS,
    timeout: float = 30.0,
) -> Delivery:
    """Send every pending alert of the outbox, oldest first, and record the outcome.

    Parameters
    ----------
    store
        A writable store.
    notify_urls
        Apprise URLs. Each alert goes to each URL once: after a partial failure only the
        targets that did not accept it are retried. With no URL the alerts are only handed
        back (the CLI prints them) and count as delivered to the ``"report"`` target.
    max_attempts
        Runs in which an alert's delivery is tried before it is marked ``failed``.
    timeout
        Seconds one notification may take.

    Raises
    ------
    ValueError
        If a URL is not one apprise supports.
    """
    if not isinstance(store, Store):
        raise TypeError(f"store must be a Store, got {type(store).__name__}")
    if isinstance(max_attempts, bool) or not isinstance(max_attempts, int) or max_attempts < 1:
        raise ValueError(f"max_attempts must be an integer >= 1, got {max_attempts!r}")
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not timeout > 0:
        raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}")
    if store.read_only:
        raise StoreError(f"store {store.path} is open read-only; the outbox cannot record deliveries")
    targets = _targets(notify_urls) or [_Target(REPORT_TARGET, REPORT_TARGET, None)]
    con = store.connection
    delivered: list[OutboxEntry] = []
    pending: list[OutboxEntry] = []
    failed: list[OutboxEntry] = []
    for entry in _entries(store, "status = 'pending'"):
        done = {
            row[0]
            for row in con.execute("SELECT target FROM alert_deliveries WHERE alert_id = ?", [entry.id]).fetchall()
        }
        errors = []
        for target in targets:
            if target.id in done:
                continue
            error = _send(target, entry.alert, timeout) if target.notifier is not None else None
            if error is None:
                # Recorded at once (autocommit), so a crash later cannot resend to this target.
                con.execute(
                    "INSERT INTO alert_deliveries VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                    [entry.id, target.id, utc_now().to_pydatetime()],
                )
            else:
                log.info("alert %d (%s) not delivered to %s: %s", entry.id, entry.alert.kind, target.label, error)
                errors.append(f"{target.label}: {error}")
        attempts = entry.attempts + 1
        if not errors:
            status, delivered_at, last_error = "delivered", utc_now().to_pydatetime(), entry.last_error
        elif attempts >= max_attempts:
            status, delivered_at, last_error = "failed", None, " | ".join(errors)
        else:
            status, delivered_at, last_error = "pending", None, " | ".join(errors)
        con.execute(
            "UPDATE alert_outbox SET status = ?, attempts = ?, delivered_at = ?, last_error = ? WHERE id = ?",
            [status, attempts, delivered_at, last_error, entry.id],
        )
        updated = OutboxEntry(entry.id, entry.alert, status, attempts, entry.created_at, delivered_at, last_error)
        {"delivered": delivered, "pending": pending, "failed": failed}[status].append(updated)
    return Delivery(tuple(t.label for t in targets), tuple(delivered), tuple(pending), tuple(failed))


# -- one run ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class WatchReport:
    """What one watch run saw and sent.

    Attributes
    ----------
    as_of
        The day of the regime.
    note
        Why that day, when it was not asked for (the store ends before today).
    previous_as_of
        The day of the state it was compared with (``None`` on the first run).
    skipped
        Why nothing was compared, or ``None``.
    alerts
        The alerts this run enqueued (new changes).
    delivered, pending, failed
        Outbox entries delivered in this run (new or retried), still pending after it, and
        given up in it.
    targets
        Where alerts went (apprise URLs with secrets masked, or ``"report"``).
    update
        What the update before the run did, if one ran; ``update_error`` if it failed (the
        run then went on with the data already stored).
    state
        The stored state after the run.
    """

    as_of: dt.date
    note: str | None
    previous_as_of: dt.date | None
    skipped: str | None
    alerts: tuple[OutboxEntry, ...]
    delivered: tuple[OutboxEntry, ...]
    pending: tuple[OutboxEntry, ...]
    failed: tuple[OutboxEntry, ...]
    targets: tuple[str, ...]
    update: UpdateResult | None = None
    update_error: str | None = None
    state: WatchState | None = None

    @property
    def baseline(self) -> bool:
        """Whether this was the first run (it stored a baseline and sent a summary)."""
        return self.previous_as_of is None and self.skipped is None

    def to_dict(self) -> dict[str, Any]:
        """The ``riskcurve watch --json`` schema."""
        return {
            "as_of": self.as_of.isoformat(),
            "note": self.note,
            "previous_as_of": self.previous_as_of.isoformat() if self.previous_as_of else None,
            "baseline": self.baseline,
            "skipped": self.skipped,
            "targets": list(self.targets),
            "update": None
            if self.update is None
            else {
                "mode": self.update.mode,
                "note": self.update.note,
                "rows_new": self.update.rows_new,
                "rows_revised": self.update.rows_revised,
                "failures": [{"symbol": s, "error": m} for s, m in self.update.failures],
            },
            "update_error": self.update_error,
            "alerts": [e.to_dict() for e in self.alerts],
            "delivered": [e.to_dict() for e in self.delivered],
            "pending": [e.to_dict() for e in self.pending],
            "failed": [e.to_dict() for e in self.failed],
            "state": self.state.to_dict() if self.state else None,
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per outbox entry this run touched: new, delivered, pending or failed."""
        entries = {e.id: e for group in (self.alerts, self.delivered, self.pending, self.failed) for e in group}
        latest = {e.id: e for group in (self.delivered, self.pending, self.failed) for e in group}
        rows = [
            {
                "id": ident,
                "new": any(e.id == ident for e in self.alerts),
                **{k: v for k, v in latest.get(ident, entry).to_dict().items() if k != "id"},
            }
            for ident, entry in sorted(entries.items())
        ]
        columns = [
            "id", "new", "kind", "key", "title", "body", "as_of", "status", "attempts",
            "created_at", "delivered_at", "last_error",
        ]  # fmt: skip
        return pd.DataFrame(rows, columns=columns).set_index("id")

    def summary(self) -> str:
        """Plain text for a human."""
        head = f"riskcurve watch as of {self.as_of.isoformat()}" + (f" ({self.note})" if self.note else "")
        lines = [head]
        if self.update_error:
            lines.append(f"  update failed, went on with stored data: {self.update_error}")
        if self.skipped:
            lines.append(f"  skipped: {self.skipped}")
        elif self.baseline:
            lines.append("  first run: baseline stored")
        else:
            lines.append(f"  compared with {self.previous_as_of.isoformat() if self.previous_as_of else '-'}: "
                         f"{len(self.alerts)} change(s)")  # fmt: skip
        for entry in self.alerts:
            lines.append(f"  [{entry.alert.kind}] {entry.alert.title}")
        lines.append(
            f"  to {', '.join(self.targets)}: {len(self.delivered)} delivered, {len(self.pending)} pending, "
            f"{len(self.failed)} failed"
        )
        for entry in self.failed:
            lines.append(f"  gave up on #{entry.id} {entry.alert.title}: {entry.last_error}")
        return "\n".join(lines)


def run_once(
    store: Store,
    *,
    notify_urls: Sequence[str] = (),
    as_of: dt.date | str | None = None,
    update: Callable[[Store], UpdateResult] | None = None,
    max_attempts: int = MAX_ATTEMPTS,
    timeout: float = 30.0,
) -> WatchReport:
    """One watch run: update, compute the regime, enqueue what changed, deliver the outbox.

    Running it twice on the same data sends nothing the second time; alerts that could not
    be delivered are retried by the next run.

    Parameters
    ----------
    store
        A writable store (the state and the outbox live in it).
    notify_urls
        Apprise URLs (see :func:`deliver`); none: the alerts are only reported.
    as_of
        The day to stand on; default: today, or the store's last common day.
    update
        Called with the store first (e.g. ``functools.partial(riskcurve.data.ingest.update,
        snapshot=...)``). A :class:`~riskcurve.errors.RiskcurveError` it raises is reported and
        the run goes on with what is stored: stale inputs then show as ``no_data``, never as
        a change.
    max_attempts, timeout
        As in :func:`deliver`.

    Returns
    -------
    WatchReport
    """
    if not isinstance(store, Store):
        raise TypeError(f"store must be a Store, got {type(store).__name__}")
    if store.read_only:
        raise StoreError(f"store {store.path} is open read-only; the watch keeps its state in it")
    if update is not None and not callable(update):
        raise TypeError(f"update must be callable or None, got {type(update).__name__}")
    check_notify_urls(notify_urls)  # a bad URL fails before anything is recorded
    updated, update_error = None, None
    if update is not None:
        try:
            updated = update(store)
        except RiskcurveError as failure:
            update_error = " ".join(str(failure).split())
            log.warning("update failed, watching the stored data: %s", update_error)
    current = regime(store, as_of)
    recorded = record(store, current)
    sent = deliver(store, notify_urls, max_attempts=max_attempts, timeout=timeout)
    return WatchReport(
        as_of=current.as_of,
        note=current.note,
        previous_as_of=recorded.previous.as_of if recorded.previous is not None else None,
        skipped=recorded.skipped,
        alerts=recorded.alerts,
        delivered=sent.delivered,
        pending=sent.pending,
        failed=sent.failed,
        targets=sent.targets,
        update=updated if isinstance(updated, UpdateResult) else None,
        update_error=update_error,
        state=recorded.state,
    )


def notify_urls(explicit: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> list[str]:
    """The notify URLs: ``explicit`` if any, else ``$RISKCURVE_NOTIFY`` split as apprise does.

    Parameters
    ----------
    explicit
        URLs given on the command line.
    environ
        The environment (default: ``os.environ``).
    """
    if explicit:
        return [url for url in explicit if url.strip()]
    value = (os.environ if environ is None else environ).get(NOTIFY_ENV, "")
    return [str(url) for url in parse_urls(value)] if value.strip() else []
