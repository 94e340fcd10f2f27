"""Alerts: tell the user, once, when the picture changes.

``riskcurve watch`` computes the day's :class:`~riskcurve.signals.regime.Regime`, compares it
with the state it stored last time, and sends one notification per change through apprise
(any apprise URL: Slack, Telegram, e-mail, a JSON webhook...).

* :mod:`riskcurve.alerts.diff`: what the watch remembers (:class:`WatchState`) and what counts
  as a change (:func:`changes` -> :class:`Alert`, every ``kind`` and the ``no_data`` rule); pure.
* :mod:`riskcurve.alerts.persistence`: the state and the outbox in the store (:func:`record`,
  :func:`load_state`, :func:`outbox`).
* :mod:`riskcurve.alerts.delivery`: sending the outbox through apprise (:func:`deliver`,
  :func:`notify_urls`, :func:`check_notify_urls`).
* :mod:`riskcurve.alerts.watch`: one run, start to end (:func:`run_once` -> :class:`WatchReport`).
"""

from riskcurve.alerts.delivery import (
    MAX_ATTEMPTS,
    NOTIFY_ENV,
    REPORT_TARGET,
    Delivery,
    check_notify_urls,
    deliver,
    notify_urls,
)
from riskcurve.alerts.diff import (
    BREAKOUT_SYMBOL,
    KINDS,
    LINK_INPUTS,
    NO_DATA,
    STATE_VERSION,
    Alert,
    AlertKind,
    WatchState,
    changes,
)
from riskcurve.alerts.persistence import STATE_KEY, OutboxEntry, Recorded, load_state, outbox, record
from riskcurve.alerts.watch import WatchReport, run_once

__all__ = [
    "BREAKOUT_SYMBOL",
    "KINDS",
    "LINK_INPUTS",
    "MAX_ATTEMPTS",
    "NOTIFY_ENV",
    "NO_DATA",
    "REPORT_TARGET",
    "STATE_KEY",
    "STATE_VERSION",
    "Alert",
    "AlertKind",
    "Delivery",
    "OutboxEntry",
    "Recorded",
    "WatchReport",
    "WatchState",
    "changes",
    "check_notify_urls",
    "deliver",
    "load_state",
    "notify_urls",
    "outbox",
    "record",
    "run_once",
]
