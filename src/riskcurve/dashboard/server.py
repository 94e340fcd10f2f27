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

__all__ = ["THREADS", "RunningServer", "make_server", "start"]

#: Worker threads: a page load fires about ten callbacks at once; the work is NumPy/pandas
#: and DuckDB, which release the GIL in their heavy parts.
THREADS = 8

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


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
        host, port = server.effective_host, server.effective_port
        self.url = f"http://{'[' + host + ']' if ':' in str(host) else host}:{port}/"
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
