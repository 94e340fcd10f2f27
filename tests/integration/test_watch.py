"""`riskcurve watch` end to end: the real snapshot, a real HTTP endpoint on 127.0.0.1, apprise.

The endpoint is apprise's JSON target (``json://127.0.0.1:PORT/path``), which POSTs
``{"version", "title", "message", "attachments", "type"}``. The server records every POST and
can be told to fail (HTTP 500) the next N requests or every request to one path.
"""

from __future__ import annotations

import json
import logging
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import duckdb
import pytest

import riskcurve.alerts.watch as alerts_watch
import riskcurve.cli.watch as watch_cli
from riskcurve.alerts import outbox, run_once
from riskcurve.cli import main
from riskcurve.data.store import Store
from riskcurve.signals.regime import Regime, regime

BEFORE, AFTER = "2020-11-10", "2020-11-20"


class Endpoint(ThreadingHTTPServer):
    """Records JSON POSTs; answers 500 to the next ``fail_next`` requests and to ``fail_paths``."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.accepted: list[dict[str, Any]] = []
        self.rejected: list[dict[str, Any]] = []
        self.fail_next = 0
        self.fail_paths: set[str] = set()
        self.lock = threading.Lock()

    def url(self, path: str = "/hook") -> str:
        return f"json://127.0.0.1:{self.server_address[1]}{path}"

    def titles(self, path: str | None = None) -> list[str]:
        with self.lock:
            return [p["title"] for p in self.accepted if path is None or p["path"] == path]


class _Handler(BaseHTTPRequestHandler):
    server: Endpoint

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        length = int(self.headers.get("Content-Length") or 0)
        payload = {"path": self.path, **json.loads(self.rfile.read(length) or b"{}")}
        with self.server.lock:
            fail = self.server.fail_next > 0 or self.path in self.server.fail_paths
            if self.server.fail_next > 0:
                self.server.fail_next -= 1
            (self.server.rejected if fail else self.server.accepted).append(payload)
        self.send_response(500 if fail else 200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[Endpoint]:
    # Never route the local endpoint through a proxy a developer may have set.
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    server = Endpoint()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        assert not thread.is_alive()


_REGIMES: dict[tuple[str, str], Regime] = {}


@pytest.fixture
def store_path(filled_store_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A writable copy of the session's filled store (the watch writes its state into it).

    Every copy holds the same series, so the regime of a day is computed once per session
    (from the first copy that asks) instead of once per run: the watch's own tables, which
    the copies differ in, are not regime inputs.
    """
    copy = tmp_path / "watch.duckdb"
    shutil.copy(filled_store_path, copy)

    def cached(store: Store, as_of: Any = None) -> Regime:
        if as_of is None:
            return regime(store, as_of)
        key = (str(filled_store_path), str(as_of))
        if key not in _REGIMES:
            _REGIMES[key] = regime(store, as_of)
        return _REGIMES[key]

    monkeypatch.setattr(alerts_watch, "regime", cached)
    return copy


def watch(path: Path, as_of: str, urls: list[str]) -> Any:
    """One run in a fresh Store object, as a restarted process would do."""
    with Store(path) as store:
        return run_once(store, notify_urls=urls, as_of=as_of, timeout=10)


def test_one_alert_per_change_and_none_repeated_after_a_restart(store_path: Path, endpoint: Endpoint) -> None:
    url = endpoint.url()
    first = watch(store_path, BEFORE, [url])
    assert first.baseline and [e.alert.kind for e in first.alerts] == ["watch_started"]
    assert endpoint.titles() == [f"riskcurve watch started (as of {BEFORE})"]
    payload = endpoint.accepted[0]
    assert payload["version"] == "1.0" and payload["type"] == "info" and "small caps link: lit" in payload["message"]

    second = watch(store_path, AFTER, [url])
    # Between the two days (snapshot facts): RUT broke its 2018 closing high on 2020-11-13,
    # confirmed 2020-11-17; the divergence that opened on 2020-11-10 closed on 2020-11-17; no
    # cascade link and no other aspect changed.
    assert [(e.alert.kind, e.alert.key) for e in second.alerts] == [
        ("breakout_confirmed", "breakout:RUT"),
        ("divergence_closed", "divergence"),
    ]
    assert second.previous_as_of is not None and second.previous_as_of.isoformat() == BEFORE
    assert endpoint.titles()[1:] == [
        "RUT breakout confirmed: first close above 1,740.75 on 2020-11-13",
        "Divergence closed (open since 2020-11-10)",
    ]
    assert "confirmed on 2020-11-17" in endpoint.accepted[1]["message"]
    assert endpoint.accepted[1]["type"] == "success"

    # A restart on the same day: nothing is sent again.
    third = watch(store_path, AFTER, [url])
    assert third.alerts == () and third.delivered == () and len(endpoint.accepted) == 3
    with Store(store_path, read_only=True) as store:
        assert [e.status for e in outbox(store)] == ["delivered"] * 3


def test_a_failed_notification_is_retried_next_run_and_delivered_once(store_path: Path, endpoint: Endpoint) -> None:
    url = endpoint.url()
    watch(store_path, BEFORE, [url])
    endpoint.fail_next = 1
    failing = watch(store_path, AFTER, [url])
    # The first of the two alerts hit the failure; the second went through.
    assert [e.alert.kind for e in failing.pending] == ["breakout_confirmed"]
    assert failing.pending[0].attempts == 1 and "500" in (failing.pending[0].last_error or "")
    assert [e.alert.kind for e in failing.delivered] == ["divergence_closed"]
    assert len(endpoint.rejected) == 1

    retried = watch(store_path, AFTER, [url])
    assert retried.alerts == ()  # nothing new was detected: the alert came from the outbox
    assert [e.alert.kind for e in retried.delivered] == ["breakout_confirmed"]
    assert retried.delivered[0].attempts == 2 and retried.pending == ()
    titles = endpoint.titles()
    assert len(titles) == len(set(titles)) == 3
    assert titles[-1].startswith("RUT breakout confirmed")


def test_after_a_partial_failure_only_the_target_that_missed_it_is_retried(
    store_path: Path, endpoint: Endpoint
) -> None:
    steady, flaky = endpoint.url("/steady"), endpoint.url("/flaky")
    endpoint.fail_paths = {"/flaky"}
    first = watch(store_path, BEFORE, [steady, flaky])
    assert [e.alert.kind for e in first.pending] == ["watch_started"]
    # Paths are masked (they may be tokens); the targets are told apart by their position (issue 11).
    assert "/flaky" not in (first.pending[0].last_error or "")
    assert "(URL #2)" in (first.pending[0].last_error or "") and "(URL #1)" not in (first.pending[0].last_error or "")
    endpoint.fail_paths = set()
    again = watch(store_path, BEFORE, [steady, flaky])
    assert [e.alert.kind for e in again.delivered] == ["watch_started"]
    assert len(endpoint.titles("/steady")) == 1 and len(endpoint.titles("/flaky")) == 1


def test_a_gap_in_the_data_is_not_announced_as_a_link_going_dark(
    store_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # RUT, gold and silver stop on 2026-02-20 in this copy (as they did in an earlier snapshot).
    # By 2026-03-01 the cascade already shows small caps dark (the gap read as "not met")
    # although the regime does not flag RUT stale yet; bonds & credit really went dark on
    # 2026-02-28 with fresh data.
    with duckdb.connect(str(store_path)) as con:
        con.execute("DELETE FROM prices WHERE symbol IN ('RUT', 'GOLD', 'SILVER') AND date > DATE '2026-02-20'")
    monkeypatch.setattr(alerts_watch, "regime", regime)  # this copy differs: no shared regime cache
    watch(store_path, "2026-02-20", [])
    report = watch(store_path, "2026-03-01", [])
    found = [(e.alert.kind, e.alert.key) for e in report.alerts]
    assert ("link_dark", "link:bonds_credit") in found
    assert ("link_dark", "link:small_caps") not in found
    assert ("no_data", "link:small_caps") in found
    assert ("no_data", "divergence") in found
    assert not any(kind == "divergence_closed" for kind, _ in found)
    assert report.state is not None and report.state.known["link:small_caps"] == "lit"


def test_a_forecast_resolving_is_announced_once(store_path: Path) -> None:
    # The January-2026 forecasts (C17, C45, C46, C47) have a window to 2026-04-21.
    first = watch(store_path, "2026-02-01", [])
    assert [e.alert.kind for e in first.alerts] == ["watch_started"]
    second = watch(store_path, "2026-05-01", [])
    resolved = [e.alert for e in second.alerts if e.alert.kind == "forecast_resolved"]
    assert sorted(a.key for a in resolved) == ["forecast:C17", "forecast:C45", "forecast:C46", "forecast:C47"]
    c45 = next(a for a in resolved if a.key == "forecast:C45")
    assert c45.title == "Forecast C45 resolved: contradicted" and "2026-01-21 to 2026-04-21" in c45.body
    third = watch(store_path, "2026-05-02", [])
    assert not any(e.alert.kind == "forecast_resolved" for e in third.alerts)


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        main(list(argv))
        code = 0
    except SystemExit as done:
        code = int(done.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_cli_watch_once_end_to_end(
    capsys: pytest.CaptureFixture[str], store_path: Path, endpoint: Endpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = endpoint.url("/cli")
    code, out, err = _cli(
        capsys, "watch", "--once", "--notify", url, "--store", str(store_path), "--as-of", BEFORE, "--json"
    )
    assert code == 0, err
    report = json.loads(out)
    assert report["baseline"] is True and report["as_of"] == BEFORE
    assert [a["kind"] for a in report["alerts"]] == ["watch_started"]
    assert report["targets"] == [report["targets"][0]] and report["targets"][0].startswith("json://127.0.0.1")
    assert report["state"]["states"]["link:small_caps"] == "lit"

    # The URL can come from the environment instead.
    monkeypatch.setenv("RISKCURVE_NOTIFY", url)
    code, out, err = _cli(capsys, "watch", "--once", "--store", str(store_path), "--as-of", AFTER, "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["previous_as_of"] == BEFORE and report["baseline"] is False
    assert [a["kind"] for a in report["alerts"]] == ["breakout_confirmed", "divergence_closed"]
    assert [a["status"] for a in report["delivered"]] == ["delivered", "delivered"]
    assert report["pending"] == [] and report["failed"] == []
    assert len(endpoint.titles("/cli")) == 3

    code, out, err = _cli(capsys, "watch", "--once", "--store", str(store_path), "--as-of", AFTER)
    assert code == 0 and "0 change(s) since 2020-11-20" in err and len(endpoint.titles("/cli")) == 3


def test_cli_watch_without_urls_prints_alerts_and_loops_until_told(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An empty store: every panel is unavailable, so runs are quick and all aspects are no_data.
    path = tmp_path / "empty.duckdb"
    monkeypatch.delenv("RISKCURVE_NOTIFY", raising=False)
    pauses: list[float] = []
    monkeypatch.setattr(watch_cli, "_pause", pauses.append)
    code, out, err = _cli(
        capsys, "watch", "--no-update", "--interval", "7", "--max-runs", "2", "--store", str(path), "--as-of", BEFORE
    )
    assert code == 0, err
    assert out.count("riskcurve watch started") == 1 and "without recent data" in out
    assert pauses == [7.0]
    assert "first run: baseline stored" in err and "0 change(s)" in err

    def interrupt(seconds: float) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(watch_cli, "_pause", interrupt)
    code, out, err = _cli(capsys, "watch", "--no-update", "--store", str(path), "--as-of", BEFORE, "--json")
    assert code == 130  # interrupted, as a supervisor must see (issue 11)
    assert "watch stopped after 1 run(s)" in err
    assert json.loads(out.splitlines()[0])["alerts"] == []


def test_cli_watch_refuses_a_bad_url(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = _cli(capsys, "watch", "--once", "--notify", "bogus://x", "--store", str(tmp_path / "s.duckdb"))
    assert code == 1 and "notify URL #1 (scheme 'bogus')" in err
    assert not (tmp_path / "s.duckdb").exists()


def test_apprise_own_log_lines_show_no_chat_id_and_no_token(
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    store_path: Path,
    endpoint: Endpoint,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A Telegram URL carries the bot token where a host would be and the chat id as its path;
    # apprise's own warnings name the chat id bare ("Failed to send Telegram notification to
    # CHAT", "sending Telegram:CHAT"). The Telegram API is the local endpoint here, failing.
    from apprise.plugins.telegram import NotifyTelegram

    monkeypatch.setattr(NotifyTelegram, "notify_url", f"http://127.0.0.1:{endpoint.server_address[1]}/bot")
    endpoint.fail_next = 100
    token, chat = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw", "987654321"
    caplog.set_level(logging.DEBUG)
    code, out, err = _cli(
        capsys,
        "-v",
        "watch",
        "--once",
        "--notify",
        f"tgram://{token}/{chat}",
        "--store",
        str(store_path),
        "--as-of",
        BEFORE,
    )
    assert code == 0 and endpoint.rejected  # apprise reached the endpoint, which refused it (retried next run)
    warnings = [r.getMessage() for r in caplog.records if r.name.startswith("apprise") and r.levelno >= logging.WARNING]
    assert any("Telegram" in line and "***" in line for line in warnings)  # apprise's own warning, masked
    shown = "\n".join([out, err, caplog.text, *(record.getMessage() for record in caplog.records)])
    for secret in (chat, *token.split(":")):
        assert secret not in shown
