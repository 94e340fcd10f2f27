"""One watch run: update, compute the regime, enqueue what changed, deliver the outbox."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from riskcurve.alerts.delivery import MAX_ATTEMPTS, check_notify_urls, deliver
from riskcurve.alerts.diff import WatchState
from riskcurve.alerts.persistence import OutboxEntry, record
from riskcurve.alerts.weekly import WeeklyDigest, enqueue_weekly_digest
from riskcurve.data.ingest import UpdateResult
from riskcurve.data.store import Store
from riskcurve.errors import RiskcurveError, StoreError
from riskcurve.signals.regime import regime

log = logging.getLogger(__name__)


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
    digest
        What the weekly digest step did (``None`` when not asked for: ``--digest weekly``).
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
    digest: WeeklyDigest | None = None

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
            "digest": self.digest.to_dict() if self.digest else None,
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


def _forecasts(store: Store, as_of: dt.date) -> list[Any]:
    """The claim pack's forecasts on the watch's day (a forecast resolving is announced once)."""
    from riskcurve.stats.claims import forecast_claims, run_claims

    return list(run_claims(store, forecast_claims(), as_of=as_of))


def run_once(
    store: Store,
    *,
    notify_urls: Sequence[str] = (),
    as_of: dt.date | str | None = None,
    update: Callable[[Store], UpdateResult] | None = None,
    max_attempts: int = MAX_ATTEMPTS,
    timeout: float = 30.0,
    digest_weekday: int | None = None,
    now: dt.datetime | None = None,
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
    digest_weekday
        Also send the weekly digest, once a week after the US close on this weekday (0 =
        Monday ... 4 = Friday; see :mod:`riskcurve.alerts.weekly`). ``None``: no digest.
    now
        The moment that decides which week's digest is due (default: now).

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
    recorded = record(store, current, _forecasts(store, current.as_of))
    weekly = None
    if digest_weekday is not None:
        weekly = enqueue_weekly_digest(store, weekday=digest_weekday, now=now, as_of=as_of)
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
        digest=weekly,
    )
