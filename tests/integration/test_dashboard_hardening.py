"""Dashboard server hardening (issue 20, item 6): Host header, strict as-of, one-line errors, 130, --port 0."""

from __future__ import annotations

import datetime as dt
import http.client
import logging
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from riskcurve.dashboard.app import _day
from riskcurve.dashboard.server import guard_host, log_errors_in_one_line, start


def _get(url: str, host: str | None = None) -> tuple[int, bytes]:
    found = re.match(r"http://(\[[^\]]+\]|[^:/]+):(\d+)/", url)
    assert found, url
    connection = http.client.HTTPConnection(found[1].strip("[]"), int(found[2]), timeout=30)
    try:
        connection.putrequest("GET", "/", skip_host=host is not None)
        if host is not None:
            connection.putheader("Host", host)
        connection.endheaders()
        answer = connection.getresponse()
        return answer.status, answer.read()
    finally:
        connection.close()


def _hello(environ: dict[str, object], respond):  # type: ignore[no-untyped-def]
    respond("200 OK", [("Content-Type", "text/plain")])
    return [b"hello"]


def test_a_foreign_host_header_is_refused() -> None:
    with start(guard_host(_hello, "127.0.0.1")) as server:
        port = server.url.rsplit(":", 1)[1].rstrip("/")
        for good in (f"127.0.0.1:{port}", f"localhost:{port}", "LOCALHOST", f"[::1]:{port}"):
            assert _get(server.url, good) == (200, b"hello"), good
        for bad in (f"evil.example:{port}", "attacker.invalid", f"127.0.0.1.evil.example:{port}", ""):
            status, body = _get(server.url, bad)
            assert status == 421 and b"unexpected Host header" in body, bad


@pytest.mark.parametrize("text", ["20200102", "2021-01-15<script>", "2021-01-15T13:00:00", " 2021-01-15", "2021-1-5"])
def test_as_of_is_strictly_a_day(text: str) -> None:
    with pytest.raises(ValueError, match="is not a YYYY-MM-DD date"):
        _day(text, dt.date(2024, 1, 2))


def test_as_of_accepts_a_day() -> None:
    for text in ("2021-01-15", "2021-01-15T00:00:00"):  # the date picker's two forms
        assert _day(text, dt.date(2024, 1, 2)).date() == dt.date(2021, 1, 15)


def test_a_failed_request_is_one_log_line(caplog: pytest.LogCaptureFixture) -> None:
    from flask import Flask

    app = Flask("t")

    @app.route("/boom")
    def boom() -> str:
        raise RuntimeError("callback broke\nover two lines")

    log_errors_in_one_line(app)
    with caplog.at_level(logging.ERROR):
        assert app.test_client().get("/boom").status_code == 500
    messages = [r.getMessage() for r in caplog.records]
    assert messages == ["request GET /boom failed: RuntimeError: callback broke over two lines"]
    assert all(r.exc_info is None for r in caplog.records)


def test_port_0_announces_the_real_port_and_ctrl_c_exits_130(filled_store_path: Path) -> None:
    argv = [sys.executable, "-P", "-m", "riskcurve", "dashboard", "--port", "0", "--store", str(filled_store_path)]
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stderr is not None
        line = ""
        deadline = time.monotonic() + 120
        while "riskcurve dashboard on" not in line:
            line = process.stderr.readline()
            assert line or process.poll() is None, "the dashboard ended before announcing itself"
            assert time.monotonic() < deadline
        found = re.search(r"on (http://127\.0\.0\.1:(\d+)/)", line)
        assert found and int(found[2]) != 0, line
        status, body = _get(found[1])
        assert status == 200 and b"_dash-config" in body
        assert _get(found[1], "rebinding.example")[0] == 421
        process.send_signal(signal.SIGINT)
        code = process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
        rest = process.communicate(timeout=30)[1]
    assert code == 130, rest
    assert "Traceback" not in rest
