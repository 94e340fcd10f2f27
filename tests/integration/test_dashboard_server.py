"""`riskcurve dashboard` serves with waitress on 127.0.0.1, without Flask's development server."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from riskcurve.dashboard.server import start


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_the_command_serves_with_waitress_on_loopback(filled_store_path: Path) -> None:
    port = _free_port()
    argv = [sys.executable, "-m", "riskcurve", "dashboard", "--port", str(port), "--store", str(filled_store_path)]
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as answer:
                    status, server, body = answer.status, answer.headers.get("Server", ""), answer.read()
                break
            except OSError:
                assert process.poll() is None, process.communicate()[1]
                assert time.monotonic() < deadline, "the dashboard did not answer within 120 s"
                time.sleep(0.5)
        assert status == 200 and b"_dash-config" in body
        assert server == "riskcurve"  # waitress's ident; Flask's server says Werkzeug
    finally:
        process.terminate()
        _, err = process.communicate(timeout=30)
    assert f"riskcurve dashboard on http://127.0.0.1:{port}/" in err
    assert "development server" not in err and "Werkzeug" not in err


def test_a_background_server_answers_and_stops() -> None:
    def hello(environ: dict[str, object], respond):  # type: ignore[no-untyped-def]
        respond("200 OK", [("Content-Type", "text/plain")])
        return [b"hello"]

    with start(hello) as server:
        assert server.url.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(server.url, timeout=10) as answer:
            assert answer.read() == b"hello"
    with pytest.raises(OSError):  # nothing listens any more: connection refused
        urllib.request.urlopen(server.url, timeout=10)
