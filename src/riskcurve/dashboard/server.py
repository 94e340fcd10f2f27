"""Serving the dashboard with waitress, a production WSGI server, in the foreground or a thread.

Flask's own server is for development (it says so on every start); waitress is a pure-Python
production server with a thread pool, so several callbacks of one page load run in parallel and
a slow one does not block the others. Dash's debug mode (reloader, in-browser tracebacks) still
uses Flask's server, because that is what it is for.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any

__all__ = ["THREADS", "RunningServer", "guard_host", "log_errors_in_one_line", "make_server", "server_url", "start"]

#: Worker threads: a page load fires about ten callbacks at once; the work is NumPy/pandas
#: and DuckDB, which release the GIL in their heavy parts.
THREADS = 8

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


#: Names every loopback server answers to; a page on another name (DNS rebinding) is refused.
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})


def _host_name(header: str) -> str:
    """The name in a Host header, without its port and brackets, lower case."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1 : header.find("]")] if "]" in header else header
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


def guard_host(application: WSGIApp, host: str) -> WSGIApp:
    """Answer 421 to a request whose Host header is not ``host`` or another loopback name.

    A page from another site can make the browser send requests to 127.0.0.1 under its own
    name (DNS rebinding) and read the answers; such requests carry that name in their Host
    header. Only for a loopback server: one bound to another interface (``--allow-remote``) is
    reached under names this process cannot know.
    """
    allowed = LOOPBACK_NAMES | {_host_name(host)}

    def guarded(environ: dict[str, Any], respond: Callable[..., Any]) -> Iterable[bytes]:
        name = _host_name(str(environ.get("HTTP_HOST", "")))
        if name not in allowed:
            body = f"riskcurve dashboard: unexpected Host header {name!r}; open it as http://{host}/\n".encode()
            respond(
                "421 Misdirected Request",
                [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))],
            )
            return [body]
        return application(environ, respond)

    return guarded


def log_errors_in_one_line(flask_app: Any, *, debug: bool = False) -> None:
    """Log a failed request (a callback that raised) as one line; the traceback only with ``debug``."""
    if debug:
        return
    logger = logging.getLogger("riskcurve.dashboard")

    def log_exception(exc_info: Any) -> None:
        from flask import request

        error = exc_info[1] if isinstance(exc_info, tuple) else exc_info
        message = " ".join(str(error).split())[:300]
        logger.error("request %s %s failed: %s: %s", request.method, request.path, type(error).__name__, message)

    flask_app.log_exception = log_exception


def server_url(server: Any) -> str:
    """``http://host:port/`` a bound waitress server answers on (the real port when 0 was asked)."""
    host, port = server.effective_host, server.effective_port
    return f"http://{'[' + host + ']' if ':' in str(host) else host}:{port}/"


def make_server(application: WSGIApp, host: str, port: int, *, threads: int = THREADS) -> Any:
    """A waitress server bound to ``host:port`` (port 0: any free one), not yet serving."""
    from waitress.server import create_server

    # clear_untrusted_proxy_headers: nothing sits in front of this server to vouch for them.
    return create_server(
        application, host=host, port=port, threads=threads, clear_untrusted_proxy_headers=True, ident="riskcurve"
    )


class RunningServer:
    """A waitress server serving from a background thread (tests, benchmarks, notebooks).

    Attributes
    ----------
    url
        ``http://host:port/`` it answers on.
    """

    def __init__(self, server: Any) -> None:
        self._server = server
        self.url = server_url(server)
        self._thread = threading.Thread(target=server.run, name="riskcurve-dashboard", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Close the listening socket and every connection, stop the workers, join the thread."""
        # waitress has no shutdown call for a server run in a thread: closing every dispatcher
        # in its socket map ends the asyncore loop, and the task dispatcher joins its workers.
        waitress_log = logging.getLogger("waitress")
        level = waitress_log.level
        waitress_log.setLevel(logging.CRITICAL)  # closing live connections is expected here
        try:
            while self._server._map:
                for dispatcher in list(self._server._map.values()):
                    dispatcher.handle_close()
            self._server.task_dispatcher.shutdown()
        finally:
            waitress_log.setLevel(level)
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise RuntimeError("the dashboard server thread did not stop")

    def __enter__(self) -> RunningServer:
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()


def start(application: WSGIApp, host: str = "127.0.0.1", port: int = 0, *, threads: int = THREADS) -> RunningServer:
    """Serve ``application`` from a background thread; stop it with :meth:`RunningServer.stop`."""
    return RunningServer(make_server(application, host, port, threads=threads))
