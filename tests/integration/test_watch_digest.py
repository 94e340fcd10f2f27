"""`riskcurve watch --digest weekly`: the digest in Markdown through apprise, once a week, never twice."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from test_watch import Endpoint, endpoint, store_path  # noqa: F401 - fixtures shared with the watch tests

from riskcurve.alerts import outbox, run_once
from riskcurve.alerts.weekly import due_day, parse_weekday
from riskcurve.data.store import Store

FRIDAY = "2021-03-05"


def test_due_day_is_the_configured_day_after_the_us_close() -> None:
    friday = dt.date(2021, 3, 5)
    # 15:59 New York on Friday (20:59 UTC in winter): still last week's.
    assert due_day(dt.datetime(2021, 3, 5, 20, 59), 4) == friday - dt.timedelta(days=7)
    assert due_day(dt.datetime(2021, 3, 5, 21, 0), 4) == friday
    assert due_day(dt.datetime(2021, 3, 11, 12, 0), 4) == friday  # the next Thursday
    assert due_day(dt.datetime(2021, 3, 6, 3, 0), 0) == dt.date(2021, 3, 1)  # a Monday digest
    assert parse_weekday("Friday") == parse_weekday("fri") == 4
    with pytest.raises(ValueError, match="mon, tue"):
        parse_weekday("someday")


def test_weekly_digest_is_sent_once_in_markdown(store_path: Path, endpoint: Endpoint) -> None:  # noqa: F811
    url = endpoint.url("/digest")
    with Store(store_path) as store:
        first = run_once(store, notify_urls=[url], as_of=FRIDAY, timeout=10, digest_weekday=4)
    assert first.digest is not None and not first.digest.sent_before
    assert first.digest.week == dt.date(2021, 3, 5) and first.digest.as_of == dt.date(2021, 3, 5)
    digests = [p for p in endpoint.accepted if p["title"].startswith("riskcurve weekly digest")]
    assert len(digests) == 1
    assert "week of 2021-03-05" in digests[0]["title"]
    assert "2021-03-05" in digests[0]["message"] and "**" in digests[0]["message"]  # Markdown
    # The same week again, from a restarted process and on a later day of the week: nothing new.
    for day in (FRIDAY, "2021-03-08"):
        with Store(store_path) as store:
            again = run_once(store, notify_urls=[url], as_of=day, timeout=10, digest_weekday=4)
        assert again.digest is not None and again.digest.sent_before
    assert len([p for p in endpoint.accepted if p["title"].startswith("riskcurve weekly digest")]) == 1
    # The next week's Friday: one more.
    with Store(store_path) as store:
        run_once(store, notify_urls=[url], as_of="2021-03-12", timeout=10, digest_weekday=4)
        kinds = [e.alert.key for e in outbox(store) if e.alert.kind == "digest"]
    assert kinds == ["digest:2021-03-05", "digest:2021-03-12"]


def test_a_failed_digest_is_retried_not_duplicated(store_path: Path, endpoint: Endpoint) -> None:  # noqa: F811
    url = endpoint.url("/down")
    endpoint.fail_paths.add("/down")
    with Store(store_path) as store:
        run_once(store, notify_urls=[url], as_of=FRIDAY, timeout=10, digest_weekday=4)
    endpoint.fail_paths.clear()
    with Store(store_path) as store:
        run_once(store, notify_urls=[url], as_of=FRIDAY, timeout=10, digest_weekday=4)
        entries = [e for e in outbox(store) if e.alert.kind == "digest"]
    assert len(entries) == 1 and entries[0].status == "delivered"
    assert len([p for p in endpoint.accepted if p["title"].startswith("riskcurve weekly digest")]) == 1


def test_cli_rejects_a_bad_digest_schedule(cli, store_path: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    code, _, err = cli("watch", "--once", "--no-update", "--digest", "daily", "--store", str(store_path))
    assert code == 2 and "weekly" in err
    code, _, err = cli("watch", "--once", "--no-update", "--digest-day", "fri", "--store", str(store_path))
    assert code == 2 and "--digest weekly" in err
