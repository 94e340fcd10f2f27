"""The weekly digest as a notification: once a week, after the US close on the configured day.

``riskcurve watch --digest weekly`` adds one alert of kind ``digest`` per week to the outbox
(:mod:`riskcurve.alerts.persistence`), whose body is the digest in Markdown
(:func:`riskcurve.monitor.render.render_markdown`); the outbox then delivers it like any alert,
retrying a failed notification on the next run.

When a week's digest is due: on the configured weekday (default Friday) once the US market has
closed (16:00 New York, :data:`US_CLOSE`), and until the same moment a week later. A run before
that moment looks back to the previous week's day. Once, never twice: the alert's key names the
week's day (``digest:2026-11-27``), and a week whose key is already in the outbox (pending,
delivered or given up) gets no second digest, whichever process or restart asks; the check and
the insert happen in one transaction of the store's single writer.

The digest stands on the week's day, or on the store's last common day of RUT, GSPC and BTC if
the store ends earlier (the note in the alert says so): it is never computed on a day past the data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from riskcurve.alerts.diff import Alert
from riskcurve.alerts.persistence import OutboxEntry, _entries
from riskcurve.data.providers.base import utc_now
from riskcurve.data.store import Store
from riskcurve.errors import StoreError

__all__ = ["DIGEST_KIND", "US_CLOSE", "WEEKDAYS", "WeeklyDigest", "due_day", "enqueue_weekly_digest", "parse_weekday"]

#: Alert kind of the weekly digest.
DIGEST_KIND = "digest"
#: The US market close, New York time: a week's digest is due from then on its day.
US_CLOSE = dt.time(16, 0)
#: Weekday names accepted by ``--digest-day``, Monday first.
WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


_FULL_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def parse_weekday(name: str) -> int:
    """``"fri"`` or ``"friday"`` (any case) -> 4; the error lists the accepted names."""
    key = name.strip().lower()
    for names in (WEEKDAYS, _FULL_NAMES):
        if key in names:
            return names.index(key)
    raise ValueError(f"the digest day must be one of {', '.join(WEEKDAYS)}, got {name!r}")


def due_day(now: dt.datetime | pd.Timestamp, weekday: int) -> dt.date:
    """The day of the latest weekly digest due at ``now``.

    Parameters
    ----------
    now
        The moment (naive values are UTC).
    weekday
        0 = Monday ... 4 = Friday.

    Returns
    -------
    datetime.date
        The latest ``weekday`` whose US close (16:00 New York) is at or before ``now``.
    """
    if not 0 <= weekday <= 6:
        raise ValueError(f"weekday must be 0 (Monday) to 6 (Sunday), got {weekday}")
    stamp = pd.Timestamp(now)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp
    local = stamp.tz_convert("America/New_York")
    day = local.date() - dt.timedelta(days=(local.weekday() - weekday) % 7)
    if day == local.date() and local.time() < US_CLOSE:
        day -= dt.timedelta(days=7)
    return day


@dataclass(frozen=True)
class WeeklyDigest:
    """What :func:`enqueue_weekly_digest` did.

    Attributes
    ----------
    week
        The week's day (the digest's key).
    entry
        The outbox entry it added, or ``None`` when that week's digest was already there.
    as_of
        The day the digest stands on (``None`` when none was computed).
    """

    week: dt.date
    entry: OutboxEntry | None
    as_of: dt.date | None

    @property
    def sent_before(self) -> bool:
        """Whether this week's digest was already in the outbox."""
        return self.entry is None

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form (``riskcurve watch --json``, key ``digest``)."""
        return {
            "week": self.week.isoformat(),
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "already_enqueued": self.sent_before,
            "entry": self.entry.to_dict() if self.entry else None,
        }


def _key(week: dt.date) -> str:
    return f"{DIGEST_KIND}:{week.isoformat()}"


def _already(store: Store, week: dt.date) -> bool:
    row = store.connection.execute(
        "SELECT count(*) FROM alert_outbox WHERE kind = ? AND key = ?", [DIGEST_KIND, _key(week)]
    ).fetchone()
    return bool(row and row[0])


def _markdown(store: Store, day: dt.date, note: str | None) -> str:
    from riskcurve.data.panel import MarketData
    from riskcurve.monitor import compute_digest
    from riskcurve.monitor.render import render_markdown

    return render_markdown(compute_digest(MarketData(store, as_of=pd.Timestamp(day)), note=note))


def enqueue_weekly_digest(
    store: Store,
    *,
    weekday: int = 4,
    now: dt.datetime | pd.Timestamp | None = None,
    as_of: dt.date | str | None = None,
    render: Callable[[Store, dt.date, str | None], str] = _markdown,
) -> WeeklyDigest:
    """Add this week's digest to the outbox unless it is there already.

    Parameters
    ----------
    store
        A writable store.
    weekday
        The configured day, 0 = Monday ... 4 = Friday (default).
    now
        The moment to judge what is due (default: now). Ignored when ``as_of`` is given.
    as_of
        Replay a past day: the week is the latest ``weekday`` on or before it (the day is over,
        so its close has passed).
    render
        ``(store, day, note) -> Markdown``; the digest by default.

    Returns
    -------
    WeeklyDigest
    """
    from riskcurve.signals.regime import default_as_of

    if store.read_only:
        raise StoreError(f"store {store.path} is open read-only; the outbox lives in it")
    if as_of is not None:
        end_of_day = pd.Timestamp(as_of).normalize() + pd.Timedelta(hours=23, minutes=59)
        week = due_day(end_of_day.tz_localize("America/New_York"), weekday)
    else:
        week = due_day(utc_now() if now is None else now, weekday)
    if _already(store, week):
        return WeeklyDigest(week, None, None)
    last, _ = default_as_of(store)
    day = min(week, last.date())
    note = None if day == week else f"the store's data end on {day.isoformat()}, before the week's day {week}"
    body = render(store, day, note)
    alert = Alert(DIGEST_KIND, _key(week), f"riskcurve weekly digest, week of {week.isoformat()}", body, day)
    with store.transaction():
        if _already(store, week):  # another run got there while this one computed
            return WeeklyDigest(week, None, None)
        row = store.connection.execute(
            "INSERT INTO alert_outbox (created_at, as_of, kind, key, title, body) VALUES (?, ?, ?, ?, ?, ?) "
            "RETURNING id",
            [utc_now().to_pydatetime(), alert.as_of, alert.kind, alert.key, alert.title, alert.body],
        ).fetchone()
        assert row is not None  # RETURNING always yields the inserted row
        (entry,) = _entries(store, "id = ?", [int(row[0])])
    return WeeklyDigest(week, entry, day)
