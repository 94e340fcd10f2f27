"""The alert outbox and the watch state, kept in the store's own tables.

Delivery uses an outbox in the store: detecting the changes, enqueueing their alerts and
saving the new state happen in one transaction; delivery comes after, and is recorded per
alert and per notification target. A run interrupted before delivery, or a notification that
fails, leaves the alert pending; the next run retries it (up to ``max_attempts`` runs, after
which it is marked ``failed`` and reported). An alert is sent again to a target only if the
process dies between the target accepting it and the store recording that (at-least-once).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from riskcurve.alerts.diff import Alert, WatchState, changes, forecast_changes, forecast_states
from riskcurve.data.providers.base import utc_now
from riskcurve.data.store import Store
from riskcurve.errors import StoreError
from riskcurve.masking import mask_secrets
from riskcurve.signals.regime import Regime

#: The ``watch_state`` row of the regime watch.
STATE_KEY = "regime"
#: The ``watch_state`` row of the forecasts' states.
FORECAST_KEY = "forecasts"


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
    # Masked on the way out too, for errors stored before riskcurve masked them on the way in.
    shown = mask_secrets(error) if error else error
    return OutboxEntry(
        int(ident), Alert(kind, key, title, body, as_of), status, int(attempts), created, delivered, shown
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


def load_forecast_states(store: Store) -> dict[str, str] | None:
    """The forecast states stored by the last watch run, or ``None`` before the first."""
    row = store.connection.execute("SELECT value FROM watch_state WHERE key = ?", [FORECAST_KEY]).fetchone()
    if row is None:
        return None
    document = json.loads(row[0])
    if not isinstance(document, dict):
        raise StoreError("stored forecast states are malformed")
    return {str(k): str(v) for k, v in document.items()}


def record(store: Store, current: Regime, forecasts: Sequence[Any] | None = None) -> Recorded:
    """Compare ``current`` with the stored state; enqueue the alerts and save the new state.

    Both happen in one transaction: either the state moves on and its alerts are in the
    outbox, or neither. A regime dated before the stored state changes nothing.

    Parameters
    ----------
    store
        A writable store.
    current
        The regime of the day.
    forecasts
        The claim pack's forecasts checked on the same day (``None``: not followed). One alert
        is enqueued for each that was pending last time and has resolved now.
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
        if forecasts is not None:
            alerts.extend(forecast_changes(load_forecast_states(store), forecasts, current.as_of))
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
        if forecasts is not None:
            store.connection.execute(
                "INSERT INTO watch_state VALUES (?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET "
                "value = excluded.value, as_of = excluded.as_of, updated_at = excluded.updated_at",
                [FORECAST_KEY, json.dumps(forecast_states(forecasts)), state.as_of, now],
            )
        entries = tuple(_entries(store, f"id IN ({', '.join('?' * len(ids))})", ids)) if ids else ()
    return Recorded(previous, state, entries)
