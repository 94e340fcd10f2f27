"""Delivery of the outbox through apprise: notify URLs, one attempt per run and target."""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import apprise
from apprise.utils.parse import parse_urls

from riskcurve.alerts.diff import Alert
from riskcurve.alerts.persistence import OutboxEntry, _entries
from riskcurve.data.providers.base import utc_now
from riskcurve.data.store import Store
from riskcurve.errors import StoreError
from riskcurve.masking import mask_secrets, mask_url, remember_secrets, secret_parts

log = logging.getLogger(__name__)

#: Environment variable with apprise URLs (separated by spaces, commas or semicolons).
NOTIFY_ENV = "RISKCURVE_NOTIFY"
#: Runs in which delivery of one alert is tried before it is marked failed.
MAX_ATTEMPTS = 20
#: Target name under which alerts count as delivered when no notify URL is given.
REPORT_TARGET = "report"

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


# -- delivery ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Target:
    id: str
    label: str
    notifier: apprise.Apprise | None
    secrets: frozenset[str] = frozenset()


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
            scheme = url.strip().partition("://")[0] if "://" in url else "none"
            raise ValueError(
                f"notify URL #{number} (scheme {scheme[:32]!r}) is not a URL apprise supports; "
                "see the list of services at appriseit.com/services for the URL forms"
            )
        server = notifier[0]
        # The canonical URL names the destination however it was spelt; hash it so the store
        # never holds a secret.
        ident = hashlib.sha256(server.url().encode()).hexdigest()[:32]
        # Shown to the user: the URL masked by riskcurve's own rule (apprise masks only some
        # schemes), with apprise's default options left out.
        # Masked URLs can look alike (same host, paths masked): the position tells them apart.
        label = f"{mask_url(server.url().split('?', 1)[0])} (URL #{number})"
        secrets = frozenset(secret_parts(url.strip()))
        # apprise's own log lines name pieces of the URL bare (a Telegram chat id, a token in
        # the host's place): the CLI's log filter masks them once they are known.
        remember_secrets(secrets)
        targets.setdefault(ident, _Target(ident, label, notifier, secrets))
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
            # The weekly digest is Markdown: apprise renders it as HTML for the targets that want that.
            body_format=apprise.NotifyFormat.MARKDOWN if alert.kind == "digest" else None,
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
    delivered: list[OutboxEntry] = []
    pending: list[OutboxEntry] = []
    failed: list[OutboxEntry] = []
    secrets = frozenset().union(*(target.secrets for target in targets))
    for entry in _entries(store, "status = 'pending'"):
        done = {
            row[0]
            for row in store.connection.execute(
                "SELECT target FROM alert_deliveries WHERE alert_id = ?", [entry.id]
            ).fetchall()
        }
        errors = []
        for target in targets:
            if target.id in done:
                continue
            if target.notifier is not None:
                # A notification can take up to `timeout` seconds: let readers at the store meanwhile.
                store.release()
                error = _send(target, entry.alert, timeout)
            else:
                error = None
            if error is None:
                # Recorded at once (autocommit), so a crash later cannot resend to this target.
                store.connection.execute(
                    "INSERT INTO alert_deliveries VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                    [entry.id, target.id, utc_now().to_pydatetime()],
                )
            else:
                # Masked before it is logged or stored: apprise's messages may quote the URL.
                error = mask_secrets(error, secrets)
                log.info("alert %d (%s) not delivered to %s: %s", entry.id, entry.alert.kind, target.label, error)
                errors.append(f"{target.label}: {error}")
        attempts = entry.attempts + 1
        if not errors:
            status, delivered_at, last_error = "delivered", utc_now().to_pydatetime(), entry.last_error
        elif attempts >= max_attempts:
            status, delivered_at, last_error = "failed", None, " | ".join(errors)
        else:
            status, delivered_at, last_error = "pending", None, " | ".join(errors)
        store.connection.execute(
            "UPDATE alert_outbox SET status = ?, attempts = ?, delivered_at = ?, last_error = ? WHERE id = ?",
            [status, attempts, delivered_at, last_error, entry.id],
        )
        updated = OutboxEntry(entry.id, entry.alert, status, attempts, entry.created_at, delivered_at, last_error)
        {"delivered": delivered, "pending": pending, "failed": failed}[status].append(updated)
    return Delivery(tuple(t.label for t in targets), tuple(delivered), tuple(pending), tuple(failed))


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
