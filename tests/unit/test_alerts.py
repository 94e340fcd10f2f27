"""Alerts: diffing hand-made regimes (every kind, data gaps), the stored state, the outbox."""

from __future__ import annotations

import datetime as dt
import json
import socket
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from riskcurve.alerts import (
    KINDS,
    MAX_ATTEMPTS,
    REPORT_TARGET,
    WatchState,
    changes,
    check_notify_urls,
    deliver,
    load_state,
    notify_urls,
    outbox,
    record,
    run_once,
)
from riskcurve.data.calendar import MAX_CARRY_DAYS
from riskcurve.data.ingest import UpdateResult
from riskcurve.data.schema import SCHEMA_VERSION
from riskcurve.data.store import Store
from riskcurve.errors import ProviderError, StoreError
from riskcurve.signals.cascade import LINKS
from riskcurve.signals.regime import Regime, RegimeItem

DAY = dt.date(2024, 3, 1)
LIT = {link: True for link in LINKS}


def _iso(day: dt.date) -> str:
    return day.isoformat()


def make_regime(
    day: dt.date = DAY,
    *,
    links: Mapping[str, bool] = LIT,
    scores: Mapping[str, float | None] | None = None,
    last: Mapping[str, dt.date] | None = None,
    stale: tuple[str, ...] = (),
    breakout: tuple[str, str | None] | None = ("2016-11-14", "2016-11-16"),
    divergence_since: str | None = None,
    altseason: bool | None = False,
    members: int = 10,
    liquidity: str | None = "expanding",
    liquidity_stale: tuple[str, ...] = (),
    drop: tuple[str, ...] = (),
) -> Regime:
    """A regime shaped like ``riskcurve.signals.regime.regime``'s, with chosen states.

    ``last`` sets an input's newest date (default: the day itself); ``stale`` lists inputs the
    regime flagged stale.
    """
    dates = {s: day for s in ("DGS10", "BAMLH0A0HYM2", "GSPC", "RUT", "BTC", "ETH", "GOLD", "SILVER")}
    dates.update(last or {})

    def sources(*symbols: str) -> dict[str, tuple[str | None, str | None]]:
        return {s: ("2000-01-01", _iso(dates[s])) for s in symbols}

    scores = {**{link: 1.0 for link in LINKS}, **(scores or {})}
    lit = [links[link] for link in LINKS]
    stage = lit.index(False) if False in lit else len(LINKS)
    cascade = RegimeItem(
        "cascade",
        f"stage {stage}/5",
        {
            "stage": stage,
            "stage_name": ("none", *LINKS)[stage],
            "links": {link: {"lit": links[link], "score": scores[link], "since": "2024-01-15"} for link in LINKS},
        },
        "cascade definition",
        sources("DGS10", "BAMLH0A0HYM2", "GSPC", "RUT", "BTC", "ETH"),
        tuple(s for s in stale if s in ("DGS10", "BAMLH0A0HYM2", "GSPC", "RUT", "BTC", "ETH")),
    )
    state: dict[str, Any] = {"symbol": "RUT", "distance_above_old_high": 0.031}
    if breakout is not None:
        state["last_breakout"] = {
            "date": breakout[0],
            "old_high": 2442.74,
            "base_length": 968,
            "close_high_date": breakout[0],
            "intraday_high_date": breakout[0],
            "confirmed_date": breakout[1],
            "volume_ratio": 1.04,
        }
    breakout_item = RegimeItem("breakout", "RUT breakout", state, "breakout definition", sources("RUT"))
    divergence = RegimeItem(
        "divergence",
        f"open since {divergence_since}" if divergence_since else "none open",
        {"divergence": divergence_since is not None, "open_since": divergence_since, "btc_drawdown": 0.2},
        "divergence definition",
        sources("RUT", "GOLD", "SILVER", "BTC"),
        tuple(s for s in stale if s in ("RUT", "GOLD", "SILVER", "BTC")),
    )
    alt = RegimeItem(
        "altseason",
        f"{'ON' if altseason else 'off'}: 8 of {members} coins beat BTC" if members >= 5 else "unknown: too few coins",
        {"altseason": altseason, "members": members, "beating": 8, "share": 0.8},
        "altseason definition",
        sources("BTC", "ETH"),
        tuple(s for s in stale if s in ("BTC", "ETH")),
    )
    liquidity_item = RegimeItem(
        "liquidity",
        f"{liquidity} since 2024-02-01" if liquidity else "unknown: net liquidity inputs not published recently",
        {"regime": liquidity, "regime_since": "2024-02-01" if liquidity else None},
        "liquidity definition",
        {},
        liquidity_stale,
    )
    items = tuple(i for i in (cascade, breakout_item, divergence, alt, liquidity_item) if i.name not in drop)
    return Regime(day, None, items, tuple((name, "missing series") for name in drop))


def later(days: int) -> dt.date:
    return DAY + dt.timedelta(days=days)


def kinds(alerts: list[Any]) -> list[tuple[str, str]]:
    return [(a.kind, a.key) for a in alerts]


def step(previous: WatchState | None, current: Regime) -> tuple[WatchState, list[Any]]:
    """One watch run in memory: the alerts, and the state the next run compares with."""
    return WatchState.from_regime(current, previous), changes(previous, current)


# -- the first run and nothing-changed -------------------------------------------------------


def test_first_run_sends_one_summary_and_nothing_else() -> None:
    alerts = changes(None, make_regime(divergence_since="2024-02-20"))
    assert kinds(alerts) == [("watch_started", "watch")]
    body = alerts[0].body
    assert "the small caps link: lit" in body
    assert "the divergence watch: open since 2024-02-20" in body
    assert "last confirmed RUT breakout: 2016-11-14 (confirmed 2016-11-16)" in body
    assert alerts[0].as_of == DAY


def test_same_regime_again_changes_nothing() -> None:
    state, _ = step(None, make_regime())
    assert changes(state, make_regime(later(1))) == []


def test_every_kind_is_declared() -> None:
    assert set(KINDS) == {
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
    }


# -- each kind -------------------------------------------------------------------------------


@pytest.mark.parametrize("link", LINKS)
def test_each_link_lighting_and_going_dark_is_one_alert(link: str) -> None:
    dark = {**LIT, link: False}
    state, _ = step(None, make_regime(links=dark))
    state, lit_alerts = step(state, make_regime(later(1)))
    assert kinds(lit_alerts) == [("link_lit", f"link:{link}")]
    assert "it was dark" in lit_alerts[0].body
    dark_alerts = changes(state, make_regime(later(2), links=dark))
    assert kinds(dark_alerts) == [("link_dark", f"link:{link}")]
    assert "went dark" in dark_alerts[0].title and "it was lit" in dark_alerts[0].body


def test_several_changes_come_in_chain_order_then_the_other_aspects() -> None:
    state, _ = step(None, make_regime(links={**LIT, "btc": False, "eth_alts": False}, liquidity="flat"))
    alerts = changes(
        state,
        make_regime(
            later(1),
            links={**LIT, "large_caps": False},
            breakout=("2024-02-26", "2024-02-28"),
            divergence_since=_iso(later(1)),
            altseason=True,
            liquidity="contracting",
        ),
    )
    assert kinds(alerts) == [
        ("link_dark", "link:large_caps"),
        ("link_lit", "link:btc"),
        ("link_lit", "link:eth_alts"),
        ("breakout_confirmed", "breakout:RUT"),
        ("divergence_opened", "divergence"),
        ("altseason_on", "altseason"),
        ("liquidity_regime", "liquidity"),
    ]
    assert alerts[-1].title == "Liquidity regime: contracting (was flat)"


def test_breakout_alerts_once_when_a_new_breakout_confirms() -> None:
    state, _ = step(None, make_regime())
    # A new high, not yet confirmed: nothing, and the old confirmed breakout is kept.
    state, alerts = step(state, make_regime(later(1), breakout=("2024-03-01", None)))
    assert alerts == []
    assert state.breakout == {"symbol": "RUT", "date": "2016-11-14", "confirmed": "2016-11-16"}
    state, alerts = step(state, make_regime(later(3), breakout=("2024-03-01", "2024-03-04")))
    assert kinds(alerts) == [("breakout_confirmed", "breakout:RUT")]
    assert alerts[0].title == "RUT breakout confirmed: first close above 2,442.74 on 2024-03-01"
    assert "confirmed on 2024-03-04" in alerts[0].body and "968 sessions" in alerts[0].body
    assert changes(state, make_regime(later(4), breakout=("2024-03-01", "2024-03-04"))) == []


def test_breakout_missing_from_the_regime_keeps_the_last_known_and_sends_nothing() -> None:
    state, _ = step(None, make_regime())
    state, alerts = step(state, make_regime(later(1), drop=("breakout",)))
    assert alerts == [] and state.breakout is not None and state.breakout["date"] == "2016-11-14"


def test_divergence_opens_closes_and_a_new_episode_is_a_new_opening() -> None:
    state, _ = step(None, make_regime())
    state, alerts = step(state, make_regime(later(1), divergence_since=_iso(later(1))))
    assert kinds(alerts) == [("divergence_opened", "divergence")]
    # Still the same episode the next day: nothing.
    state, alerts = step(state, make_regime(later(2), divergence_since=_iso(later(1))))
    assert alerts == []
    state, alerts = step(state, make_regime(later(5)))
    assert kinds(alerts) == [("divergence_closed", "divergence")]
    assert alerts[0].title == f"Divergence closed (open since {_iso(later(1))})"
    # Open, then (between two runs) closed and reopened: the new episode is announced.
    state, _ = step(state, make_regime(later(6), divergence_since=_iso(later(6))))
    alerts = changes(state, make_regime(later(30), divergence_since=_iso(later(29))))
    assert kinds(alerts) == [("divergence_opened", "divergence")]
    assert f"open since {_iso(later(6))}) ended in between" in alerts[0].body


def test_altseason_on_and_off() -> None:
    state, _ = step(None, make_regime())
    state, alerts = step(state, make_regime(later(1), altseason=True))
    assert kinds(alerts) == [("altseason_on", "altseason")] and alerts[0].title == "Altseason ON"
    alerts = changes(state, make_regime(later(2), altseason=False))
    assert kinds(alerts) == [("altseason_off", "altseason")] and alerts[0].title == "Altseason over"


# -- missing data is never a change ----------------------------------------------------------


def test_a_stale_input_is_no_data_not_dark() -> None:
    state, _ = step(None, make_regime())
    # RUT stopped updating: the cascade reads the gap as "not met" and shows small caps dark.
    gap = make_regime(
        later(20),
        links={**LIT, "small_caps": False},
        last={"RUT": DAY},
        stale=("RUT",),
    )
    state, alerts = step(state, gap)
    assert ("link_dark", "link:small_caps") not in kinds(alerts)
    assert kinds(alerts) == [("no_data", "link:small_caps"), ("no_data", "divergence")]
    assert alerts[0].title == "No recent data: the small caps link"
    assert "no recent data for RUT" in alerts[0].body and "It was lit" in alerts[0].body
    assert state.states["link:small_caps"] == "no_data" and state.known["link:small_caps"] == "lit"
    # Still missing on the next run: told once only.
    assert changes(state, make_regime(later(21), links={**LIT, "small_caps": False}, last={"RUT": DAY})) == []


def test_a_close_past_the_carry_window_is_a_gap_before_the_regime_calls_it_stale() -> None:
    # Between the end of the carry window and the regime's 10-day stale rule the link already
    # reads dark although nothing is flagged stale: the watch must still see a gap.
    state, _ = step(None, make_regime())
    assert changes(state, make_regime(later(MAX_CARRY_DAYS), last={"BTC": DAY})) == []
    gap = make_regime(later(MAX_CARRY_DAYS + 1), links={**LIT, "btc": False, "eth_alts": False}, last={"BTC": DAY})
    alerts = changes(state, gap)
    assert {a.kind for a in alerts} == {"no_data"}
    assert [a.key for a in alerts] == ["link:btc", "link:eth_alts", "divergence", "altseason"]


def test_a_link_with_no_known_condition_is_no_data() -> None:
    state, _ = step(None, make_regime())
    alerts = changes(state, make_regime(later(1), links={**LIT, "large_caps": False}, scores={"large_caps": None}))
    assert kinds(alerts) == [("no_data", "link:large_caps")]


def test_a_link_the_cascade_calls_unknown_is_no_data_not_dark() -> None:
    # Its inputs are current and some conditions known, but the cascade could not decide it.
    state, _ = step(None, make_regime())
    current = make_regime(later(1), links={**LIT, "eth_alts": False})
    cascade = current.item("cascade")
    cascade.state["links"]["eth_alts"]["state"] = "unknown"
    alerts = changes(state, current)
    assert kinds(alerts) == [("no_data", "link:eth_alts")]


def test_data_resuming_in_the_same_state_says_so_and_a_different_state_is_the_change() -> None:
    state, _ = step(None, make_regime())
    state, _ = step(
        state, make_regime(later(20), links={**LIT, "small_caps": False}, last={"RUT": DAY}, stale=("RUT",))
    )
    state, _ = step(
        state, make_regime(later(25), links={**LIT, "small_caps": False}, last={"RUT": DAY}, stale=("RUT",))
    )
    back_lit = make_regime(later(30))
    alerts = changes(state, back_lit)
    assert kinds(alerts) == [("data_resumed", "link:small_caps"), ("data_resumed", "divergence")]
    assert alerts[0].title == "Data resumed: the small caps link is still lit"
    back_dark = make_regime(later(30), links={**LIT, "small_caps": False})
    alerts = changes(state, back_dark)
    assert kinds(alerts) == [("link_dark", "link:small_caps"), ("data_resumed", "divergence")]
    assert "it was lit before a gap in the data" in alerts[0].body


def test_an_aspect_never_seen_with_data_reports_its_first_reading() -> None:
    state, _ = step(None, make_regime(members=2))
    assert state.states["altseason"] == "no_data" and state.known["altseason"] is None
    alerts = changes(state, make_regime(later(1), members=10, altseason=False))
    assert kinds(alerts) == [("data_resumed", "altseason")]
    assert alerts[0].title == "Data available: the altseason flag is off"


def test_liquidity_unknown_is_no_data_and_an_unavailable_cascade_darkens_nothing() -> None:
    state, _ = step(None, make_regime())
    alerts = changes(state, make_regime(later(1), liquidity=None, liquidity_stale=("WALCL",), drop=("cascade",)))
    assert kinds(alerts) == [*[("no_data", f"link:{link}") for link in LINKS], ("no_data", "liquidity")]
    assert "no recent data for WALCL" in alerts[-1].body
    assert not any(a.kind == "link_dark" for a in alerts)


def test_the_watch_only_moves_forward() -> None:
    state, _ = step(None, make_regime(later(5)))
    with pytest.raises(ValueError, match="before the stored state"):
        changes(state, make_regime(DAY))


def test_wrong_types_are_refused() -> None:
    with pytest.raises(TypeError, match="current must be a Regime"):
        changes(None, {"as_of": DAY})  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="previous must be a WatchState"):
        changes({"as_of": DAY}, make_regime())  # type: ignore[arg-type]


# -- the stored state --------------------------------------------------------------------------


def test_state_round_trips_through_json() -> None:
    state = WatchState.from_regime(make_regime(divergence_since="2024-02-20", members=3))
    document = json.loads(json.dumps(state.to_dict()))
    assert WatchState.from_dict(document) == state
    assert document["states"]["divergence"] == "open:2024-02-20"
    assert document["states"]["altseason"] == "no_data"


def test_unreadable_state_is_a_store_error() -> None:
    with pytest.raises(StoreError, match="version 99"):
        WatchState.from_dict({"version": 99})
    with pytest.raises(StoreError, match="malformed"):
        WatchState.from_dict({"version": 1, "as_of": "not a day", "states": {}, "known": {}})


# -- the outbox ---------------------------------------------------------------------------------


@pytest.fixture
def store() -> Iterator[Store]:
    with Store(":memory:") as db:
        yield db


def _closed_port() -> int:
    """A local port nothing listens on: delivery there fails at once, without leaving the machine."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_record_saves_state_and_enqueues_in_one_step(store: Store) -> None:
    first = record(store, make_regime())
    assert first.previous is None and [e.alert.kind for e in first.alerts] == ["watch_started"]
    assert load_state(store) == first.state
    second = record(store, make_regime(later(1), altseason=True))
    assert second.previous == first.state
    assert [e.alert.kind for e in second.alerts] == ["altseason_on"]
    assert [e.status for e in outbox(store)] == ["pending", "pending"]
    assert record(store, make_regime(later(1), altseason=True)).alerts == ()


def test_record_of_an_older_day_leaves_everything_as_it_was(store: Store) -> None:
    record(store, make_regime(later(5)))
    before = load_state(store)
    skipped = record(store, make_regime(DAY, altseason=True))
    assert skipped.skipped is not None and "before the stored state" in skipped.skipped
    assert skipped.alerts == () and load_state(store) == before and len(outbox(store)) == 1


def test_a_failure_inside_the_transaction_leaves_no_alert_and_no_state(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    import riskcurve.alerts as alerts_module

    def broken(state: WatchState) -> dict[str, Any]:
        raise RuntimeError("disk full")

    monkeypatch.setattr(alerts_module.WatchState, "to_dict", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        record(store, make_regime())
    assert outbox(store) == [] and load_state(store) is None


def test_without_urls_alerts_count_as_delivered_to_the_report(store: Store) -> None:
    record(store, make_regime())
    sent = deliver(store, [])
    assert sent.targets == (REPORT_TARGET,)
    assert [e.alert.kind for e in sent.delivered] == ["watch_started"]
    assert outbox(store, "pending") == [] and outbox(store, "delivered")[0].delivered_at is not None
    assert deliver(store, []).delivered == ()


def test_delivery_reaches_a_local_endpoint_through_apprise(store: Store) -> None:
    """A real apprise ``json://`` delivery (the installed apprise, at whatever version CI pins)."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    received: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            received.append(json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0))))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        record(store, make_regime())
        sent = deliver(store, [f"json://127.0.0.1:{server.server_address[1]}/hook"], timeout=5)
    finally:
        server.shutdown()
        server.server_close()
    assert [e.alert.kind for e in sent.delivered] == ["watch_started"], [e.last_error for e in sent.pending]
    assert [r["title"] for r in received] == [sent.delivered[0].alert.title]


def test_failed_delivery_stays_pending_then_is_given_up_after_max_attempts(store: Store) -> None:
    url = f"json://127.0.0.1:{_closed_port()}/hook"
    record(store, make_regime())
    for attempt in (1, 2):
        sent = deliver(store, [url], max_attempts=3, timeout=5)
        assert sent.delivered == () and [e.attempts for e in sent.pending] == [attempt]
    assert "127.0.0.1" in (sent.pending[0].last_error or "")
    assert "TypeError" not in (sent.pending[0].last_error or "")  # refused by the endpoint, not by the call
    sent = deliver(store, [url], max_attempts=3, timeout=5)
    assert sent.pending == () and [e.status for e in sent.failed] == ["failed"]
    # Given up: kept in the outbox, not tried again.
    assert deliver(store, [url], max_attempts=3, timeout=5).failed == ()
    assert [(e.status, e.attempts) for e in outbox(store)] == [("failed", 3)]


def test_bad_notify_urls_are_refused_before_anything_is_sent() -> None:
    with pytest.raises(ValueError, match=r"notify URL #2 \(scheme 'nosuchscheme'\)") as refused:
        check_notify_urls(["json://127.0.0.1:9/x", "nosuchscheme://secret-token@host"])
    assert "secret-token" not in str(refused.value)
    with pytest.raises(TypeError, match="sequence of apprise URL strings"):
        check_notify_urls("json://127.0.0.1:9/x")
    masked = check_notify_urls(["json://user:secretpass@127.0.0.1:9/x"])
    assert "secretpass" not in masked[0]


def test_deliver_checks_its_arguments(store: Store) -> None:
    with pytest.raises(ValueError, match="max_attempts must be an integer >= 1"):
        deliver(store, [], max_attempts=0)
    with pytest.raises(ValueError, match="timeout must be a positive number"):
        deliver(store, [], timeout=0)
    assert MAX_ATTEMPTS == 20


def test_notify_urls_come_from_the_option_else_the_environment() -> None:
    assert notify_urls(["json://a/x"], {"RISKCURVE_NOTIFY": "json://b/y"}) == ["json://a/x"]
    assert notify_urls(None, {"RISKCURVE_NOTIFY": "json://b/y, mailto://u:p@example.com json://c/z"}) == [
        "json://b/y",
        "mailto://u:p@example.com",
        "json://c/z",
    ]
    assert notify_urls(None, {}) == []


def test_an_old_store_is_migrated_to_the_watch_tables(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    with Store(path) as db:
        # Turn it back into a version-1 store (before the watch existed).
        for statement in (
            "DROP TABLE digest_history",  # migration 4 (issue 17)
            "DROP TABLE digest_forecasts",
            "DROP TABLE price_revisions",  # migration 3 (issue 11)
            "DROP TABLE watch_state",
            "DROP TABLE alert_outbox",
            "DROP TABLE alert_deliveries",
            "DROP SEQUENCE alert_outbox_id",
            "DELETE FROM schema_migrations WHERE version >= 2",
        ):
            db.connection.execute(statement)
        assert db.schema_version() == 1
    with Store(path) as db:
        assert db.schema_version() == SCHEMA_VERSION >= 2
        record(db, make_regime())
        assert load_state(db) is not None


def test_read_only_store_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "ro.duckdb"
    Store(path).close()
    with Store(path, read_only=True) as db, pytest.raises(StoreError, match="read-only"):
        record(db, make_regime())


# -- one run ------------------------------------------------------------------------------------


def test_run_once_on_an_empty_store_reports_a_baseline_then_nothing(store: Store) -> None:
    first = run_once(store, as_of="2024-03-01")
    assert first.baseline and [e.alert.kind for e in first.delivered] == ["watch_started"]
    assert first.state is not None and set(first.state.states.values()) == {"no_data"}
    assert "first run: baseline stored" in first.summary()
    frame = first.to_frame()
    assert list(frame["kind"]) == ["watch_started"] and bool(frame["new"].iloc[0])
    assert frame["status"].iloc[0] == "delivered"
    json.dumps(first.to_dict(), allow_nan=False)
    second = run_once(store, as_of="2024-03-02")
    assert not second.baseline and second.alerts == () and second.delivered == ()
    assert second.to_dict()["previous_as_of"] == "2024-03-01"
    assert second.to_frame().empty


def test_run_once_goes_on_with_stored_data_when_the_update_fails(store: Store) -> None:
    calls: list[Store] = []

    def failing(db: Store) -> UpdateResult:
        calls.append(db)
        raise ProviderError("yahoo", "RUT", "HTTP 503 after 3 tries")

    report = run_once(store, as_of="2024-03-01", update=failing)
    assert calls == [store]
    assert report.update_error == "yahoo RUT: HTTP 503 after 3 tries" and report.update is None
    assert report.baseline and "update failed" in report.summary()

    def fine(db: Store) -> UpdateResult:
        return UpdateResult("snapshot", None, ())

    report = run_once(store, as_of="2024-03-02", update=fine)
    assert report.update_error is None and report.to_dict()["update"]["mode"] == "snapshot"


def test_run_once_checks_its_arguments(store: Store) -> None:
    with pytest.raises(TypeError, match="store must be a Store"):
        run_once("riskcurve.duckdb", as_of="2024-03-01")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="update must be callable"):
        run_once(store, as_of="2024-03-01", update="yes")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="notify URL #1"):
        run_once(store, notify_urls=["nope"], as_of="2024-03-01")
    # Nothing was recorded by the refused calls.
    assert load_state(store) is None and outbox(store) == []


# -- forecasts ----------------------------------------------------------------------------------


def _forecast(grade: str, cid: str = "C45") -> Any:
    from types import SimpleNamespace

    return SimpleNamespace(
        id=cid,
        statement="Crypto will follow within 1-3 months",
        grade=grade,
        reason="the window closes later" if grade == "pending" else "the move is outside the forecast",
        headline="ETH 3m -21.9%",
        date=dt.date(2026, 1, 21),
        window_end=dt.date(2026, 4, 21),
    )


def test_a_forecast_resolving_is_announced_once() -> None:
    from riskcurve.alerts.diff import forecast_changes, forecast_states

    day = dt.date(2026, 5, 1)
    # First run: the states become the baseline, resolved or not.
    assert forecast_changes(None, [_forecast("contradicted")], day) == []
    pending = forecast_states([_forecast("pending"), _forecast("pending", "C17")])
    assert pending == {"C45": "pending", "C17": "pending"}
    (alert,) = forecast_changes(pending, [_forecast("contradicted"), _forecast("pending", "C17")], day)
    assert (alert.kind, alert.key) == ("forecast_resolved", "forecast:C45")
    assert alert.title == "Forecast C45 resolved: contradicted"
    assert "2026-01-21 to 2026-04-21" in alert.body and "ETH 3m -21.9%" in alert.body
    resolved = forecast_states([_forecast("contradicted")])
    assert forecast_changes(resolved, [_forecast("contradicted")], day) == []
    # A forecast the watch has not seen before is baseline, not news.
    assert forecast_changes({"C17": "pending"}, [_forecast("consistent")], day) == []


def test_record_keeps_forecast_states_with_the_regime_state(store: Store) -> None:
    from riskcurve.alerts.persistence import load_forecast_states

    first = record(store, make_regime(), [_forecast("pending")])
    assert [e.alert.kind for e in first.alerts] == ["watch_started"]
    assert load_forecast_states(store) == {"C45": "pending"}
    second = record(store, make_regime(later(1)), [_forecast("contradicted")])
    assert [e.alert.kind for e in second.alerts] == ["forecast_resolved"]
    assert load_forecast_states(store) == {"C45": "contradicted"}
    assert record(store, make_regime(later(2)), [_forecast("contradicted")]).alerts == ()
